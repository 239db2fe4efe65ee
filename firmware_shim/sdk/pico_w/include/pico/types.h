/* pico/types.h — the Pico SDK's base types, for Pico W programs on linkrig
 * (README "Pico W programs").
 *
 * absolute_time_t is a plain uint64_t of microseconds since boot, as in the
 * SDK when PICO_OPAQUE_ABSOLUTE_TIME_T is 0 (its default; pico-sdk
 * src/common/pico_base_headers/include/pico/types.h). On the rig "boot" is
 * the start of the run: the device's virtual clock (hal_time_us). */
#ifndef LINKRIG_PICO_TYPES_H
#define LINKRIG_PICO_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The SDK's shorthand; glibc's <sys/types.h> declares the same typedef in
 * GNU mode, and C11 allows the repetition. */
typedef unsigned int uint;

typedef uint64_t absolute_time_t;

static inline uint64_t to_us_since_boot(absolute_time_t t)
{
    return t;
}

static inline void update_us_since_boot(absolute_time_t *t, uint64_t us_since_boot)
{
    *t = us_since_boot;
}

static inline absolute_time_t from_us_since_boot(uint64_t us_since_boot)
{
    return us_since_boot;
}

#define ABSOLUTE_TIME_INITIALIZED_VAR(name, value) name = (value)

#endif
