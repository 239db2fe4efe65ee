/* pico.h — the Pico SDK's base header, for Pico W programs built with
 * `linkrig_add_firmware(... SDK pico_w ...)` (README "Pico W programs").
 *
 * It gives what the SDK's pico.h gives a network program: the base types and
 * error codes, the board's definitions (boards/pico_w.h: the Wi-Fi chip's
 * GPIOs), the platform macros programs use (count_of, MIN, MAX, __unused,
 * the flash/RAM placement attributes, which mean nothing on a PC), and
 * panic/hard_assert. Everything runs on the rig's board: see
 * firmware_shim/sdk/pico_w/src/ for how each call maps onto hal.h and
 * wifi_chip.h. */
#ifndef LINKRIG_PICO_H
#define LINKRIG_PICO_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pico/error.h"
#include "pico/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The SDK release whose documented API this layer follows. */
#define PICO_SDK_VERSION_MAJOR 2
#define PICO_SDK_VERSION_MINOR 2
#define PICO_SDK_VERSION_REVISION 0
#define PICO_SDK_VERSION_STRING "2.2.0"

/* The board: Raspberry Pi Pico W (pico-sdk src/boards/include/boards/pico_w.h).
 * Its LED is on the Wi-Fi chip, so PICO_DEFAULT_LED_PIN stays undefined,
 * which is how SDK programs tell a Pico W from a Pico. */
#define RASPBERRYPI_PICO_W 1
#define PICO_RP2040 1
#define PICO_CYW43_SUPPORTED 1
#define CYW43_WL_GPIO_COUNT 3
#define CYW43_WL_GPIO_LED_PIN 0
#define CYW43_WL_GPIO_SMPS_PIN 1
#define CYW43_WL_GPIO_VBUS_PIN 2
#define NUM_BANK0_GPIOS 30

#ifndef __unused
#define __unused __attribute__((unused))
#endif
#ifndef __packed
#define __packed __attribute__((packed))
#endif
#ifndef __noinline
#define __noinline __attribute__((noinline))
#endif
#define __not_in_flash(group)
#define __not_in_flash_func(func_name) func_name
#define __time_critical_func(func_name) func_name
#define __no_inline_not_in_flash_func(func_name) func_name
#define __in_flash(group)
#define __scratch_x(group)
#define __scratch_y(group)
#define __uninitialized_ram(var) var

#ifndef count_of
#define count_of(a) (sizeof(a) / sizeof((a)[0]))
#endif
#ifndef MIN
#define MIN(a, b) ((b) < (a) ? (b) : (a))
#endif
#ifndef MAX
#define MAX(a, b) ((a) < (b) ? (b) : (a))
#endif

/* One core on the rig: the program runs as the board's task "main". */
static inline uint get_core_num(void)
{
    return 0;
}

/* The SDK's idle hint inside busy loops. On the rig it counts towards the
 * spin detector of the clock (pico/time.h), so that `while (!flag)
 * tight_loop_contents();` lets callbacks run and virtual time pass. */
void tight_loop_contents(void);

/* panic: prints the message and stops the device (the SDK halts the core);
 * on the rig the run stops with exit 1 naming the device and the message. */
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void panic_unsupported(void);

/* hard_assert: an assert that stays in release builds (pico-sdk
 * pico/assert.h); it panics. */
#define hard_assert(x)                                                          \
    do {                                                                        \
        if (!(x))                                                               \
            panic("hard_assert failed: %s at %s:%d", #x, __FILE__, __LINE__);   \
    } while (0)
#define invalid_params_if(x, test) ((void)0)
#define valid_params_if(x, test) ((void)0)

#ifdef __cplusplus
}
#endif

#endif
