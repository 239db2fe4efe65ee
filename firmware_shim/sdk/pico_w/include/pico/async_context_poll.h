/* pico/async_context_poll.h — the polled async_context (pico-sdk
 * pico_async_context/include/pico/async_context_poll.h).
 *
 * On the rig:
 *  - async_context_poll() runs the when-pending workers that have work,
 *    then the at-time workers that are due (the SDK documents when-pending
 *    work first);
 *  - async_context_wait_for_work_until(until) returns at once when work is
 *    pending, else blocks the task on a board event until the earliest of:
 *    until, the next at-time worker, or a wake. Wakes come from
 *    async_context_set_work_pending and, for cyw43_arch's context, from what
 *    the chip's interrupt signals on a Pico: a frame received, the link going
 *    up or down, a scan result or its end, and lwIP's timers having run.
 *    As the SDK's semaphore starts with one permit, the first wait after
 *    init returns at once.
 * The SDK's `semaphore_t sem` member is a board event here (`wake`). */
#ifndef LINKRIG_PICO_ASYNC_CONTEXT_POLL_H
#define LINKRIG_PICO_ASYNC_CONTEXT_POLL_H

#include "pico/async_context.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct async_context_poll {
    async_context_t core;
    struct hal_event *wake;
} async_context_poll_t;

/* false when the board could not give an event (called outside the
 * program's task before the board attached). */
bool async_context_poll_init_with_defaults(async_context_poll_t *self);

#ifdef __cplusplus
}
#endif

#endif
