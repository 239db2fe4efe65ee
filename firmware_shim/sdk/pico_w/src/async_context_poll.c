/* The SDK's polled async_context (pico/async_context_poll.h) on the rig's
 * board: lists of workers as the SDK keeps them, and a board event where the
 * SDK blocks on a semaphore. */
#include "hal.h"
#include "pico/async_context_poll.h"
#include "pico_rig_internal.h"

static void ctx_noop(async_context_t *self)
{
    (void)self;
}

static uint32_t ctx_execute_sync(async_context_t *self, uint32_t (*func)(void *param), void *param)
{
    (void)self;
    return func(param);
}

static void refresh_next_time(async_context_t *self)
{
    absolute_time_t t = at_the_end_of_time;
    for (async_at_time_worker_t *w = self->at_time_list; w != NULL; w = w->next)
        t = absolute_time_min(t, w->next_time);
    self->next_time = t;
}

static bool ctx_add_at_time(async_context_t *self, async_at_time_worker_t *worker)
{
    async_at_time_worker_t **p = &self->at_time_list;
    for (; *p != NULL; p = &(*p)->next) {
        if (*p == worker)
            return false;
    }
    worker->next = NULL;
    *p = worker;
    /* The SDK refreshes next_time only when it polls; doing it here too
     * keeps a wait that follows the add from sleeping past the worker. */
    refresh_next_time(self);
    return true;
}

static bool ctx_remove_at_time(async_context_t *self, async_at_time_worker_t *worker)
{
    for (async_at_time_worker_t **p = &self->at_time_list; *p != NULL; p = &(*p)->next) {
        if (*p == worker) {
            *p = worker->next;
            refresh_next_time(self);
            return true;
        }
    }
    return false;
}

static bool ctx_add_when_pending(async_context_t *self, async_when_pending_worker_t *worker)
{
    async_when_pending_worker_t **p = &self->when_pending_list;
    for (; *p != NULL; p = &(*p)->next) {
        if (*p == worker)
            return false;
    }
    worker->next = NULL;
    *p = worker;
    return true;
}

static bool ctx_remove_when_pending(async_context_t *self, async_when_pending_worker_t *worker)
{
    for (async_when_pending_worker_t **p = &self->when_pending_list; *p != NULL; p = &(*p)->next) {
        if (*p == worker) {
            *p = worker->next;
            return true;
        }
    }
    return false;
}

static void ctx_set_work_pending(async_context_t *self, async_when_pending_worker_t *worker)
{
    worker->work_pending = true;
    pico_rig_async_wake(self);
}

static bool any_pending(const async_context_t *self)
{
    for (const async_when_pending_worker_t *w = self->when_pending_list; w != NULL; w = w->next) {
        if (w->work_pending)
            return true;
    }
    return false;
}

/* Removes and returns the earliest at-time worker that is due, or NULL. */
static async_at_time_worker_t *take_due(async_context_t *self)
{
    absolute_time_t now = get_absolute_time();
    async_at_time_worker_t **best = NULL;
    for (async_at_time_worker_t **p = &self->at_time_list; *p != NULL; p = &(*p)->next) {
        if (absolute_time_diff_us((*p)->next_time, now) >= 0 &&
            (best == NULL || absolute_time_diff_us((*p)->next_time, (*best)->next_time) > 0))
            best = p;
    }
    if (best == NULL)
        return NULL;
    async_at_time_worker_t *w = *best;
    *best = w->next;
    return w;
}

static void ctx_poll(async_context_t *self)
{
    /* When-pending work first, as the SDK documents ("workers with work
     * pending are executed before at time workers"). A worker may add or
     * remove workers, so the list is re-walked after each call. */
    bool ran;
    do {
        ran = false;
        for (async_when_pending_worker_t *w = self->when_pending_list; w != NULL; w = w->next) {
            if (w->work_pending) {
                w->work_pending = false;
                w->do_work(self, w);
                ran = true;
                break;
            }
        }
    } while (ran);
    async_at_time_worker_t *w;
    while ((w = take_due(self)) != NULL) {
        refresh_next_time(self);
        w->do_work(self, w);
    }
    refresh_next_time(self);
}

static void ctx_wait_until(async_context_t *self, absolute_time_t until)
{
    (void)self;
    sleep_until(until);
}

static void ctx_wait_for_work_until(async_context_t *self, absolute_time_t until)
{
    async_context_poll_t *pc = (async_context_poll_t *)self;
    if (any_pending(self))
        return;
    uint64_t end = to_us_since_boot(absolute_time_min(until, self->next_time));
    for (;;) {
        uint64_t now = hal_time_us();
        if (now >= end)
            return;
        uint64_t left = end - now;
        if (left < 1000) {
            /* The board's event waits count milliseconds: sleep the last
             * fraction (a wake in it is seen by the next poll). */
            if (hal_event_is_set(pc->wake))
                hal_event_clear(pc->wake);
            else
                hal_sleep_us((uint32_t)left);
            return;
        }
        uint64_t ms = left / 1000;
        if (ms >= HAL_WAIT_FOREVER)
            ms = HAL_WAIT_FOREVER - 1;
        if (hal_event_wait(pc->wake, (uint32_t)ms) != HAL_ETIMEDOUT)
            return; /* woken (or not in a task: nothing to wait for) */
    }
}

static void ctx_deinit(async_context_t *self)
{
    async_context_poll_t *pc = (async_context_poll_t *)self;
    hal_event_destroy(pc->wake);
    pc->wake = NULL;
}

static const async_context_type_t poll_type = {
    .type = ASYNC_CONTEXT_POLL,
    .acquire_lock_blocking = ctx_noop,
    .release_lock = ctx_noop,
    .lock_check = ctx_noop, /* no IRQs and one core: the check always holds */
    .execute_sync = ctx_execute_sync,
    .add_at_time_worker = ctx_add_at_time,
    .remove_at_time_worker = ctx_remove_at_time,
    .add_when_pending_worker = ctx_add_when_pending,
    .remove_when_pending_worker = ctx_remove_when_pending,
    .set_work_pending = ctx_set_work_pending,
    .poll = ctx_poll,
    .wait_until = ctx_wait_until,
    .wait_for_work_until = ctx_wait_for_work_until,
    .deinit = ctx_deinit,
};

bool async_context_poll_init_with_defaults(async_context_poll_t *self)
{
    *self = (async_context_poll_t){0};
    self->core.type = &poll_type;
    self->core.flags = ASYNC_CONTEXT_FLAG_POLLED | ASYNC_CONTEXT_FLAG_CALLBACK_FROM_NON_IRQ;
    self->core.next_time = at_the_end_of_time;
    self->wake = hal_event_create();
    if (self->wake == NULL)
        return false;
    /* The SDK's semaphore starts with one permit: the first wait returns. */
    hal_event_set(self->wake);
    return true;
}

void pico_rig_async_wake(async_context_t *ctx)
{
    if (ctx != NULL && ctx->type == &poll_type)
        hal_event_set(((async_context_poll_t *)ctx)->wake);
}
