/* hardware/timer.h — the microsecond timer, for Pico W programs on linkrig.
 *
 * The SDK reads the RP2040's 64-bit microsecond timer (pico-sdk
 * src/rp2_common/hardware_timer/include/hardware/timer.h); on the rig the
 * timer is the device's virtual clock (hal_time_us: 64 bits, never wraps).
 *
 * Virtual time only advances while the program blocks (sleep_ms, a wait,
 * cyw43_arch_poll, a chip call). A loop that only reads the clock, such as
 * `while (!time_reached(t)) {}`, would never see it move, so every read that
 * returns the same instant as the previous one is counted, and after
 * PICO_RIG_SPIN_READS such reads in a row the read sleeps
 * PICO_RIG_SPIN_STEP_US first: about what that many reads cost a
 * Cortex-M0+ at 125 MHz (~100 ns a loop turn). Typical SDK busy-waits thus
 * terminate, and callbacks run while they wait; a loop that reads the clock
 * and does work in between is never slowed. */
#ifndef LINKRIG_HARDWARE_TIMER_H
#define LINKRIG_HARDWARE_TIMER_H

#include "pico.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PICO_RIG_SPIN_READS 1000u
#define PICO_RIG_SPIN_STEP_US 100u

/* Microseconds since boot (the start of the run). */
uint64_t time_us_64(void);

static inline uint32_t time_us_32(void)
{
    return (uint32_t)time_us_64();
}

/* true once the clock has reached t. */
static inline bool time_reached(absolute_time_t t)
{
    return time_us_64() >= to_us_since_boot(t);
}

/* Busy-waits: on the rig they sleep in virtual time (other tasks and the
 * chip's callbacks run meanwhile, as IRQs would during a real busy-wait). */
void busy_wait_us_32(uint32_t delay_us);
void busy_wait_us(uint64_t delay_us);
void busy_wait_ms(uint32_t delay_ms);
void busy_wait_until(absolute_time_t t);

#ifdef __cplusplus
}
#endif

#endif
