/* sim/clock.h — the virtual clock.
 *
 * Virtual time is an int64_t count of nanoseconds since the run started; it
 * only moves forward, and only when the scheduler advances it to the next
 * event. This is the one module that reads the wall clock, and only in pacing
 * mode, where advancing to virtual time t first waits until the wall clock has
 * caught up (scaled by a rate: 1.0 = real time). Pacing is off by default:
 * virtual time then jumps straight from event to event.
 *
 * While pacing waits, an idle hook (if set) is called with the wall time left;
 * it may block for at most that long (e.g. poll() on host sockets) and returns
 * nonzero when it did something that may have scheduled earlier work. */
#ifndef LINKRIG_SIM_CLOCK_H
#define LINKRIG_SIM_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

typedef int64_t sim_time; /* ns since start */

#define SIM_NS(x) ((sim_time)(x))
#define SIM_US(x) ((sim_time)(x) * 1000)
#define SIM_MS(x) ((sim_time)(x) * 1000000)
#define SIM_SEC(x) ((sim_time)(x) * 1000000000)
#define SIM_TIME_MAX INT64_MAX

typedef struct sim_clock sim_clock;

/* Returns nonzero if it did work that may have scheduled events. */
typedef int (*sim_idle_fn)(void *ctx, int64_t max_wait_ns);

sim_clock *sim_clock_create(void);
void sim_clock_destroy(sim_clock *c);

sim_time sim_clock_now(const sim_clock *c);

/* rate <= 0 turns pacing off; 1.0 follows the wall clock; 10.0 runs 10x. */
void sim_clock_set_pacing(sim_clock *c, double rate);
bool sim_clock_pacing(const sim_clock *c);
void sim_clock_set_idle(sim_clock *c, sim_idle_fn fn, void *ctx);

/* Waits (pacing mode only) until virtual time t is due on the wall clock.
 * Returns 0 when t is due, 1 when the idle hook reported activity first (the
 * caller re-checks its queue and calls again). Never moves virtual time. */
int sim_clock_wait_until(sim_clock *c, sim_time t);

/* Sets virtual time to t; t must not be earlier than now. */
void sim_clock_set(sim_clock *c, sim_time t);

#endif

#ifndef LINKRIG_SIM_TIME_TEXT
#define LINKRIG_SIM_TIME_TEXT
#include <stddef.h>
/* Durations as people write them: "250ms", "30s", "5m", "2h", "1h30m",
 * "1.5s", "100us", "10ns"; a bare number is seconds. Returns 0, -1 when the
 * text is not a duration (negative, empty, unknown unit), or SIM_TIME_RANGE
 * (-2) when it is one but does not fit a sim_time (about 292 years). */
#define SIM_TIME_RANGE (-2)
int sim_time_parse(const char *text, sim_time *out);
/* "1h02m03.250s"-style text for summaries; returns buf. */
char *sim_time_format(sim_time t, char *buf, size_t len);
#endif
