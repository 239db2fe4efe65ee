/* sim/sched.h — the event scheduler: timers on virtual time.
 *
 * One-shot and periodic timers ordered by (time, insertion sequence): events
 * due at the same instant run in the order they were scheduled, which is
 * what makes runs deterministic. A queue of a few timers (an idle device)
 * is a sorted array, whose next event is taken in O(1) and whose adds,
 * cancels and rearms are O(n) with n <= 24, an add scanning from the near
 * end; a longer one is a 4-ary heap, O(log n) add and cancel.
 * Which one is never visible: the order is the same.
 * A periodic timer is re-queued after each run as if newly scheduled, so it
 * takes its FIFO place behind events already queued for that instant.
 *
 * Timer ids are never reused while a run lasts (index + generation), so
 * cancelling a timer that already fired is a harmless no-op that returns
 * false. A callback may add and cancel timers, including its own. */
#ifndef LINKRIG_SIM_SCHED_H
#define LINKRIG_SIM_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/clock.h"

typedef uint64_t sim_timer_id; /* 0 is never a valid id */
typedef void (*sim_timer_fn)(void *arg);

typedef struct sim_sched sim_sched;

sim_sched *sim_sched_create(sim_clock *clock);
void sim_sched_destroy(sim_sched *s);

/* Schedules fn(arg) at absolute virtual time `when` (clamped to now), then
 * every `period` ns after that if period > 0. Returns 0 only when out of
 * memory. */
sim_timer_id sim_sched_add(sim_sched *s, sim_time when, sim_time period, sim_timer_fn fn, void *arg);

/* Returns true if the timer was pending (or running, for a periodic timer
 * cancelled from its own callback) and is now cancelled. */
bool sim_sched_cancel(sim_sched *s, sim_timer_id id);
/* The same as sim_sched_cancel(id) followed by sim_sched_add(when, 0, fn,
 * arg) (the timer takes its FIFO place as if added now), without freeing
 * and allocating when id is a pending one-shot timer: then id stays valid
 * and is returned. Returns 0 only when out of memory. */
sim_timer_id sim_sched_rearm(sim_sched *s, sim_timer_id id, sim_time when, sim_timer_fn fn, void *arg);
bool sim_sched_pending(const sim_sched *s, sim_timer_id id);

size_t sim_sched_count(const sim_sched *s);
/* Time of the earliest pending event; false when none is pending. */
bool sim_sched_peek(const sim_sched *s, sim_time *when);

/* Advances the clock to the earliest event due at or before `limit` and runs
 * it. Returns 1 if an event ran, 0 if none is due by `limit` (the clock is
 * left where it was). In pacing mode it may also return 0 after the clock's
 * idle hook reported activity; call again. */
int sim_sched_step(sim_sched *s, sim_time limit);

uint64_t sim_sched_fired(const sim_sched *s); /* events run so far */

#endif
