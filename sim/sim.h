/* sim/sim.h — the engine: one run of the simulated world.
 *
 * A sim owns the virtual clock, the scheduler, the trace and the per-component
 * random streams of one run, and runs the event loop on one thread
 * (ARCHITECTURE.md, "Rules the code keeps"). Models hold a `sim *` and use:
 *   sim_now / sim_at / sim_after / sim_every / sim_cancel   — time and events
 *   sim_rng_stream                                         — their own stream
 *   sim_trace_of                                           — events and logs
 * A run ends when the end time is reached, no event is left, sim_stop is
 * called, or something calls sim_fail (a fatal error in the firmware or a
 * model): then sim_run_until returns SIM_RUN_FAILED and sim_failure says why. */
#ifndef LINKRIG_SIM_SIM_H
#define LINKRIG_SIM_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/clock.h"
#include "sim/err.h"
#include "sim/rng.h"
#include "sim/sched.h"
#include "sim/trace.h"

typedef struct sim sim;

typedef struct sim_config {
    uint64_t seed;
    double pacing_rate; /* 0: free running (default); 1.0: real time */
} sim_config;

typedef enum {
    SIM_RUN_DONE,    /* reached the end time, or ran out of events */
    SIM_RUN_STOPPED, /* sim_stop */
    SIM_RUN_FAILED,  /* sim_fail */
} sim_run_result;

sim *sim_create(const sim_config *cfg, sim_err *err);
void sim_destroy(sim *s);

uint64_t sim_seed(const sim *s);
sim_time sim_now(const sim *s);
sim_clock *sim_clock_of(sim *s);
sim_sched *sim_sched_of(sim *s);
sim_trace *sim_trace_of(sim *s);

sim_timer_id sim_at(sim *s, sim_time when, sim_timer_fn fn, void *arg);
sim_timer_id sim_after(sim *s, sim_time delay, sim_timer_fn fn, void *arg);
sim_timer_id sim_every(sim *s, sim_time first_delay, sim_time period, sim_timer_fn fn, void *arg);
bool sim_cancel(sim *s, sim_timer_id id);
/* sim_cancel(id) then sim_at(when, fn, arg), in one step: cheaper for a
 * deadline pushed back again and again (a beacon-loss timer). */
sim_timer_id sim_reschedule(sim *s, sim_timer_id id, sim_time when, sim_timer_fn fn, void *arg);

/* The named random stream of this run; created on first use, owned by the
 * sim. The same (seed, name) always yields the same sequence. */
sim_rng *sim_rng_stream(sim *s, const char *name);

sim_run_result sim_run_until(sim *s, sim_time end);
/* Events sim_run_until has fired since sim_create (a measure of the work a
 * run did, for benchmarks; no output depends on it). */
uint64_t sim_events_fired(const sim *s);
void sim_stop(sim *s);
/* While *flag is nonzero (a signal handler's flag), the run stops as with
 * sim_stop, between two events: nothing is left half done. NULL: none. */
void sim_set_interrupt(sim *s, const volatile int *flag);
/* Records the first failure (later ones are traced but not kept) and stops
 * the run at the end of the current event. */
void sim_fail(sim *s, const char *comp, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool sim_failed(const sim *s);

/* Moves the clock to t when nothing is scheduled before or at t, no pacing
 * is on and t is within the current run: the same outcome as scheduling a
 * wake-up at t and running the queue, without the round trip. Returns
 * false (and changes nothing) otherwise. For code that spends time inside
 * an event, such as a firmware task whose chip call costs bus time. */
bool sim_try_advance(sim *s, sim_time t);
const char *sim_failure(const sim *s);

#endif
