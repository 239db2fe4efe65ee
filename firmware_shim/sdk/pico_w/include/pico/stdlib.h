/* pico/stdlib.h — the SDK's umbrella header for simple programs (pico-sdk
 * src/common/pico_stdlib_headers): stdio, time, GPIO. What each part does
 * on the rig is in its own header. */
#ifndef LINKRIG_PICO_STDLIB_H
#define LINKRIG_PICO_STDLIB_H

#include "hardware/gpio.h"
#include "pico.h"
#include "pico/stdio.h"
#include "pico/time.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The SDK's clock helper. The rig models no PLL and firmware code costs no
 * virtual time, so the clock speed changes nothing but what clock_get_hz
 * reports (hardware/clocks.h). */
bool set_sys_clock_khz(uint32_t freq_khz, bool required);

#ifdef __cplusplus
}
#endif

#endif
