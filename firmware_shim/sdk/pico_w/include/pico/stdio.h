/* pico/stdio.h — standard output, for Pico W programs on linkrig.
 *
 * Where printf goes: to the device's log (hal_log, level INFO), one record
 * per line, as a serial console shows lines. The SDK routes printf, vprintf,
 * puts and putchar to its stdio drivers by wrapping them at link time
 * (pico_stdio); the image does the same (`-Wl,--wrap=printf` etc., set by
 * linkrig_add_firmware for SDK pico_w), so every printf in the image — the
 * program's and the layer's debug output — lands in the log: in trace.jsonl
 * as event "log" of component "<device>.fw", attributed to its device and
 * timestamped in virtual time, and on stderr with `linkrig run --verbose`. The rig's own output on the process's stdout stays clean,
 * and several devices never interleave mid-line. A line longer than 255
 * characters is split. fprintf(stdout/stderr, ...) is not wrapped (nor is it
 * by the SDK) and goes to the process's streams.
 *
 * There is no console input on the rig: getchar_timeout_us waits its timeout
 * and returns PICO_ERROR_TIMEOUT, as the SDK documents for "no character". */
#ifndef LINKRIG_PICO_STDIO_H
#define LINKRIG_PICO_STDIO_H

#include <stdio.h>

#include "pico.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Nothing to set up on the rig; true, as the SDK returns when a driver is
 * ready. */
bool stdio_init_all(void);
bool stdio_deinit_all(void);
/* Writes out a partial line. */
void stdio_flush(void);
int getchar_timeout_us(uint32_t timeout_us);
int putchar_raw(int c);
int puts_raw(const char *s);

#ifdef __cplusplus
}
#endif

#endif
