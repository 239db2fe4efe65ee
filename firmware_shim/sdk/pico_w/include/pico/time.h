/* pico/time.h — timestamps, sleeping and alarms, for Pico W programs on
 * linkrig, following the SDK's documented API (pico-sdk
 * src/common/pico_time/include/pico/time.h, SDK 2.2.0).
 *
 * Time is the device's virtual clock: microseconds since the start of the
 * run (hardware/timer.h explains how clock reads in a busy loop let time
 * pass). at_the_end_of_time is INT64_MAX and nil_time 0, as in the SDK.
 *
 * sleep_ms, sleep_us and sleep_until block the program's task on the rig's
 * board (hal_sleep_*): chip callbacks, lwIP's timers and alarms run
 * meanwhile, as interrupts do on a Pico.
 *
 * Alarms (add_alarm_*, add_repeating_timer_*) use one default pool of
 * PICO_TIME_DEFAULT_ALARM_POOL_MAX_TIMERS (16) slots, as the SDK's default
 * pool. The SDK calls them from the timer IRQ; on the rig they run in a
 * board task of their own, "alarm", at their virtual time: while the program
 * blocks, never in the middle of its code. Other pools (alarm_pool_create*)
 * are not provided: the rig has no hardware alarms to give them. */
#ifndef LINKRIG_PICO_TIME_H
#define LINKRIG_PICO_TIME_H

#include "hardware/timer.h"
#include "pico.h"

#ifdef __cplusplus
extern "C" {
#endif

extern const absolute_time_t at_the_end_of_time;
extern const absolute_time_t nil_time;

static inline absolute_time_t get_absolute_time(void)
{
    return from_us_since_boot(time_us_64());
}

static inline uint32_t us_to_ms(uint64_t us)
{
    return (uint32_t)(us / 1000u);
}

static inline uint32_t to_ms_since_boot(absolute_time_t t)
{
    return us_to_ms(to_us_since_boot(t));
}

/* Saturates at at_the_end_of_time, as the SDK does. */
static inline absolute_time_t delayed_by_us(const absolute_time_t t, uint64_t us)
{
    uint64_t d = to_us_since_boot(t) + us;
    if (d < to_us_since_boot(t) || d > (uint64_t)INT64_MAX)
        d = (uint64_t)INT64_MAX;
    return from_us_since_boot(d);
}

static inline absolute_time_t delayed_by_ms(const absolute_time_t t, uint32_t ms)
{
    return delayed_by_us(t, (uint64_t)ms * 1000u);
}

static inline absolute_time_t make_timeout_time_us(uint64_t us)
{
    return delayed_by_us(get_absolute_time(), us);
}

static inline absolute_time_t make_timeout_time_ms(uint32_t ms)
{
    return delayed_by_ms(get_absolute_time(), ms);
}

/* to - from, in microseconds (negative when to is earlier). */
static inline int64_t absolute_time_diff_us(absolute_time_t from, absolute_time_t to)
{
    return (int64_t)(to_us_since_boot(to) - to_us_since_boot(from));
}

static inline absolute_time_t absolute_time_min(absolute_time_t a, absolute_time_t b)
{
    return to_us_since_boot(a) < to_us_since_boot(b) ? a : b;
}

static inline bool is_at_the_end_of_time(absolute_time_t t)
{
    return to_us_since_boot(t) == (uint64_t)INT64_MAX;
}

static inline bool is_nil_time(absolute_time_t t)
{
    return to_us_since_boot(t) == 0;
}

void sleep_until(absolute_time_t target);
void sleep_us(uint64_t us);
void sleep_ms(uint32_t ms);
/* Waits for "an event" or the timeout; true when the timeout was reached.
 * On the rig it sleeps up to 1 ms (events are the chip's callbacks, which
 * run during that sleep), so the SDK's documented loop around it works. */
bool best_effort_wfe_or_timeout(absolute_time_t timeout_timestamp);

/* ---- alarms ---- */

#define PICO_TIME_DEFAULT_ALARM_POOL_MAX_TIMERS 16

/* >0: an active alarm; 0: the time had passed (fire_if_past false, or the
 * callback ran at once and asked for no repeat); <0: no free slot. */
typedef int32_t alarm_id_t;
/* Return <0 to fire again that many us after the previous target time, >0 to
 * fire again that many us after the callback returns, 0 for no repeat. */
typedef int64_t (*alarm_callback_t)(alarm_id_t id, void *user_data);
typedef struct alarm_pool alarm_pool_t;

alarm_pool_t *alarm_pool_get_default(void);
alarm_id_t alarm_pool_add_alarm_at(alarm_pool_t *pool, absolute_time_t time, alarm_callback_t callback,
                                   void *user_data, bool fire_if_past);
bool alarm_pool_cancel_alarm(alarm_pool_t *pool, alarm_id_t alarm_id);
int64_t alarm_pool_remaining_alarm_time_us(alarm_pool_t *pool, alarm_id_t alarm_id);
int32_t alarm_pool_remaining_alarm_time_ms(alarm_pool_t *pool, alarm_id_t alarm_id);

static inline alarm_id_t alarm_pool_add_alarm_in_us(alarm_pool_t *pool, uint64_t us, alarm_callback_t callback,
                                                    void *user_data, bool fire_if_past)
{
    return alarm_pool_add_alarm_at(pool, delayed_by_us(get_absolute_time(), us), callback, user_data, fire_if_past);
}

static inline alarm_id_t alarm_pool_add_alarm_in_ms(alarm_pool_t *pool, uint32_t ms, alarm_callback_t callback,
                                                    void *user_data, bool fire_if_past)
{
    return alarm_pool_add_alarm_at(pool, delayed_by_ms(get_absolute_time(), ms), callback, user_data, fire_if_past);
}

static inline alarm_id_t add_alarm_at(absolute_time_t time, alarm_callback_t callback, void *user_data,
                                      bool fire_if_past)
{
    return alarm_pool_add_alarm_at(alarm_pool_get_default(), time, callback, user_data, fire_if_past);
}

static inline alarm_id_t add_alarm_in_us(uint64_t us, alarm_callback_t callback, void *user_data, bool fire_if_past)
{
    return alarm_pool_add_alarm_in_us(alarm_pool_get_default(), us, callback, user_data, fire_if_past);
}

static inline alarm_id_t add_alarm_in_ms(uint32_t ms, alarm_callback_t callback, void *user_data, bool fire_if_past)
{
    return alarm_pool_add_alarm_in_ms(alarm_pool_get_default(), ms, callback, user_data, fire_if_past);
}

static inline bool cancel_alarm(alarm_id_t alarm_id)
{
    return alarm_pool_cancel_alarm(alarm_pool_get_default(), alarm_id);
}

static inline int64_t remaining_alarm_time_us(alarm_id_t alarm_id)
{
    return alarm_pool_remaining_alarm_time_us(alarm_pool_get_default(), alarm_id);
}

static inline int32_t remaining_alarm_time_ms(alarm_id_t alarm_id)
{
    return alarm_pool_remaining_alarm_time_ms(alarm_pool_get_default(), alarm_id);
}

/* ---- repeating timers ---- */

typedef struct repeating_timer repeating_timer_t;
/* Return true to keep repeating. */
typedef bool (*repeating_timer_callback_t)(repeating_timer_t *rt);

struct repeating_timer {
    int64_t delay_us;
    alarm_pool_t *pool;
    alarm_id_t alarm_id;
    repeating_timer_callback_t callback;
    void *user_data;
};

/* delay_us > 0: from one callback's end to the next start; < 0: between
 * starts; 0 counts as 1. false when no slot was free. out must outlive the
 * timer. */
bool alarm_pool_add_repeating_timer_us(alarm_pool_t *pool, int64_t delay_us, repeating_timer_callback_t callback,
                                       void *user_data, repeating_timer_t *out);

static inline bool alarm_pool_add_repeating_timer_ms(alarm_pool_t *pool, int32_t delay_ms,
                                                     repeating_timer_callback_t callback, void *user_data,
                                                     repeating_timer_t *out)
{
    return alarm_pool_add_repeating_timer_us(pool, delay_ms * (int64_t)1000, callback, user_data, out);
}

static inline bool add_repeating_timer_us(int64_t delay_us, repeating_timer_callback_t callback, void *user_data,
                                          repeating_timer_t *out)
{
    return alarm_pool_add_repeating_timer_us(alarm_pool_get_default(), delay_us, callback, user_data, out);
}

static inline bool add_repeating_timer_ms(int32_t delay_ms, repeating_timer_callback_t callback, void *user_data,
                                          repeating_timer_t *out)
{
    return alarm_pool_add_repeating_timer_us(alarm_pool_get_default(), delay_ms * (int64_t)1000, callback,
                                             user_data, out);
}

bool cancel_repeating_timer(repeating_timer_t *timer);

#ifdef __cplusplus
}
#endif

#endif
