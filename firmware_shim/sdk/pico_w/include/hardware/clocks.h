/* hardware/clocks.h — clock frequencies, as far as network programs read
 * them. The RP2040's clock numbers and the SDK's default frequencies
 * (pico-sdk src/rp2040/hardware_structs/include/hardware/structs/clocks.h;
 * runtime_init_clocks: clk_sys 125 MHz from the 12 MHz crystal, clk_usb and
 * clk_adc 48 MHz, clk_rtc 46875 Hz). set_sys_clock_khz (pico/stdlib.h)
 * changes clk_sys and clk_peri as reported here, nothing else: firmware
 * code costs no virtual time on the rig. */
#ifndef LINKRIG_HARDWARE_CLOCKS_H
#define LINKRIG_HARDWARE_CLOCKS_H

#include "pico.h"

#ifdef __cplusplus
extern "C" {
#endif

enum clock_num_rp2040 {
    clk_gpout0 = 0,
    clk_gpout1 = 1,
    clk_gpout2 = 2,
    clk_gpout3 = 3,
    clk_ref = 4,
    clk_sys = 5,
    clk_peri = 6,
    clk_usb = 7,
    clk_adc = 8,
    clk_rtc = 9,
    CLK_COUNT
};
typedef enum clock_num_rp2040 clock_num_t;
typedef clock_num_t clock_handle_t;

#define KHZ 1000
#define MHZ 1000000
#define SYS_CLK_HZ (125u * MHZ)
#define XOSC_HZ (12u * MHZ)

/* 0 for an unknown clock or one that is not running (the GPOUTs). */
uint32_t clock_get_hz(clock_handle_t clk_index);

#ifdef __cplusplus
}
#endif

#endif
