/* crash: a firmware that dereferences NULL a second after boot, or (with the
 * setting crash.mode=overflow) overflows its stack by unbounded recursion.
 * The rig must stop the device with a message and keep its outputs whole. */
#include <string.h>

#include "hal.h"

HAL_SETTINGS({"crash.mode", HAL_SETTING_STR, "null", "null: dereference NULL; overflow: recurse forever"});

static volatile int *volatile nowhere;

/* Bounded only by a number the compiler cannot see, so it is no "infinite
 * recursion" to the compiler, and deep enough to overflow any stack. */
static int recurse(int depth, int limit)
{
    volatile char pad[512];
    memset((char *)pad, depth & 0xff, sizeof pad);
    if (depth >= limit)
        return pad[0];
    return recurse(depth + 1, limit) + pad[depth % 512];
}

int app_main(void)
{
    hal_sleep_ms(1000);
    if (strcmp(hal_config_str("crash.mode", "null"), "overflow") == 0)
        return recurse(0, (int)hal_config_int("crash.depth", 1 << 30));
    return *nowhere;
}
