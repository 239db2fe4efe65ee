/* The SDK's default alarm pool (pico/time.h) on the rig: alarms fire from a
 * board task of their own ("alarm") at their virtual time, where the SDK
 * fires them from the timer IRQ. The task is started by the first alarm and
 * sleeps on a board event until the earliest one is due. */
#include <string.h>

#include "hal.h"
#include "pico/time.h"
#include "pico_rig_internal.h"

struct alarm_pool {
    struct slot {
        alarm_id_t id; /* 0: free */
        uint64_t at_us;
        alarm_callback_t cb;
        void *user_data;
    } slot[PICO_TIME_DEFAULT_ALARM_POOL_MAX_TIMERS];
    alarm_id_t next_id;
    hal_event *changed;
    bool task_started;
};

static alarm_pool_t default_pool;

alarm_pool_t *alarm_pool_get_default(void)
{
    return &default_pool;
}

static struct slot *find(alarm_pool_t *pool, alarm_id_t id)
{
    if (id <= 0)
        return NULL;
    for (size_t i = 0; i < PICO_TIME_DEFAULT_ALARM_POOL_MAX_TIMERS; i++) {
        if (pool->slot[i].id == id)
            return &pool->slot[i];
    }
    return NULL;
}

static struct slot *earliest(alarm_pool_t *pool)
{
    struct slot *best = NULL;
    for (size_t i = 0; i < PICO_TIME_DEFAULT_ALARM_POOL_MAX_TIMERS; i++) {
        struct slot *s = &pool->slot[i];
        if (s->id != 0 && (best == NULL || s->at_us < best->at_us))
            best = s;
    }
    return best;
}

/* Runs s's callback and applies its answer: 0 frees the slot, <0 moves the
 * alarm |r| after its previous target, >0 r after the callback returned. */
static void fire(struct slot *s)
{
    alarm_id_t id = s->id;
    uint64_t target = s->at_us;
    int64_t r = s->cb(id, s->user_data);
    if (s->id != id)
        return; /* cancelled (or the slot reused) by the callback */
    if (r == 0)
        s->id = 0;
    else if (r < 0)
        s->at_us = target + (uint64_t)(-r);
    else
        s->at_us = hal_time_us() + (uint64_t)r;
}

static int alarm_task(void *arg)
{
    alarm_pool_t *pool = arg;
    for (;;) {
        struct slot *s = earliest(pool);
        if (s == NULL) {
            hal_event_wait(pool->changed, HAL_WAIT_FOREVER);
            continue;
        }
        uint64_t now = hal_time_us();
        if (s->at_us <= now) {
            fire(s);
            continue;
        }
        uint64_t left = s->at_us - now;
        if (left < 1000)
            hal_sleep_us((uint32_t)left); /* event waits count whole ms */
        else
            hal_event_wait(pool->changed, left / 1000 >= HAL_WAIT_FOREVER ? HAL_WAIT_FOREVER - 1
                                                                          : (uint32_t)(left / 1000));
    }
    return 0;
}

static bool pool_ready(alarm_pool_t *pool)
{
    if (pool->changed == NULL && (pool->changed = hal_event_create()) == NULL)
        return false;
    if (!pool->task_started) {
        if (hal_task_create("alarm", alarm_task, pool, 0) != HAL_OK)
            return false;
        pool->task_started = true;
    }
    return true;
}

alarm_id_t alarm_pool_add_alarm_at(alarm_pool_t *pool, absolute_time_t time, alarm_callback_t callback,
                                   void *user_data, bool fire_if_past)
{
    if (pool == NULL || callback == NULL)
        return PICO_ERROR_INVALID_ARG;
    uint64_t at = to_us_since_boot(time);
    bool past = at <= hal_time_us();
    if (past && !fire_if_past)
        return 0;
    struct slot *s = NULL;
    for (size_t i = 0; i < PICO_TIME_DEFAULT_ALARM_POOL_MAX_TIMERS && s == NULL; i++) {
        if (pool->slot[i].id == 0)
            s = &pool->slot[i];
    }
    if (s == NULL || !pool_ready(pool))
        return PICO_ERROR_GENERIC; /* "<0 if there were no alarm slots available" */
    /* Ids stay positive and are reused only after 2^31 alarms. */
    do {
        pool->next_id = pool->next_id == INT32_MAX ? 1 : pool->next_id + 1;
    } while (find(pool, pool->next_id) != NULL);
    *s = (struct slot){.id = pool->next_id, .at_us = at, .cb = callback, .user_data = user_data};
    if (past) {
        /* The SDK calls the callback itself when the time has passed. */
        fire(s);
        if (s->id == 0)
            return 0;
    }
    hal_event_set(pool->changed);
    return s->id;
}

bool alarm_pool_cancel_alarm(alarm_pool_t *pool, alarm_id_t alarm_id)
{
    struct slot *s = pool != NULL ? find(pool, alarm_id) : NULL;
    if (s == NULL)
        return false;
    s->id = 0;
    hal_event_set(pool->changed);
    return true;
}

int64_t alarm_pool_remaining_alarm_time_us(alarm_pool_t *pool, alarm_id_t alarm_id)
{
    struct slot *s = pool != NULL ? find(pool, alarm_id) : NULL;
    if (s == NULL)
        return -1; /* "<0 if the alarm is not active" */
    uint64_t now = hal_time_us();
    return s->at_us > now ? (int64_t)(s->at_us - now) : 0;
}

int32_t alarm_pool_remaining_alarm_time_ms(alarm_pool_t *pool, alarm_id_t alarm_id)
{
    int64_t us = alarm_pool_remaining_alarm_time_us(pool, alarm_id);
    if (us < 0)
        return -1;
    return us / 1000 > INT32_MAX ? INT32_MAX : (int32_t)(us / 1000);
}

/* A repeating timer is an alarm whose callback answers with the timer's
 * delay: negative (between starts) or positive (from the callback's end),
 * exactly the alarm callback's convention. */
static int64_t repeating_cb(alarm_id_t id, void *user_data)
{
    repeating_timer_t *rt = user_data;
    rt->alarm_id = id;
    if (!rt->callback(rt))
        return 0;
    return rt->delay_us;
}

bool alarm_pool_add_repeating_timer_us(alarm_pool_t *pool, int64_t delay_us, repeating_timer_callback_t callback,
                                       void *user_data, repeating_timer_t *out)
{
    if (out == NULL || callback == NULL)
        return false;
    if (delay_us == 0)
        delay_us = 1; /* "The value of 0 is treated as 1" */
    *out = (repeating_timer_t){.delay_us = delay_us, .pool = pool, .callback = callback, .user_data = user_data};
    uint64_t first = (uint64_t)(delay_us < 0 ? -delay_us : delay_us);
    out->alarm_id = alarm_pool_add_alarm_in_us(pool, first, repeating_cb, out, true);
    return out->alarm_id > 0;
}

bool cancel_repeating_timer(repeating_timer_t *timer)
{
    if (timer == NULL || timer->alarm_id <= 0)
        return false;
    bool ok = alarm_pool_cancel_alarm(timer->pool, timer->alarm_id);
    timer->alarm_id = 0;
    return ok;
}
