#define _POSIX_C_SOURCE 200809L
#include "sim/sim.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rng_entry {
    char *name;
    sim_rng *rng;
};

struct sim {
    uint64_t seed;
    sim_clock *clock;
    sim_sched *sched;
    sim_trace *trace;
    struct rng_entry *rngs;
    size_t nrngs;
    bool stop;
    const volatile int *interrupt; /* sim_set_interrupt */
    bool failed;
    sim_time run_end; /* of the sim_run_until in progress */
    uint64_t events_fired; /* sim_events_fired */
    char failure[512];
};

sim *sim_create(const sim_config *cfg, sim_err *err)
{
    sim *s = calloc(1, sizeof *s);
    if (s == NULL) {
        sim_err_set(err, SIM_ENOMEM, "out of memory creating the engine");
        return NULL;
    }
    s->seed = cfg ? cfg->seed : 0;
    s->clock = sim_clock_create();
    s->sched = s->clock ? sim_sched_create(s->clock) : NULL;
    s->trace = s->clock ? sim_trace_create(s->clock) : NULL;
    if (s->sched == NULL || s->trace == NULL) {
        sim_destroy(s);
        sim_err_set(err, SIM_ENOMEM, "out of memory creating the engine");
        return NULL;
    }
    if (cfg != NULL && cfg->pacing_rate > 0)
        sim_clock_set_pacing(s->clock, cfg->pacing_rate);
    return s;
}

void sim_destroy(sim *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->nrngs; i++) {
        free(s->rngs[i].name);
        sim_rng_destroy(s->rngs[i].rng);
    }
    free(s->rngs);
    sim_trace_destroy(s->trace);
    sim_sched_destroy(s->sched);
    sim_clock_destroy(s->clock);
    free(s);
}

uint64_t sim_seed(const sim *s) { return s->seed; }
sim_time sim_now(const sim *s) { return sim_clock_now(s->clock); }
sim_clock *sim_clock_of(sim *s) { return s->clock; }
sim_sched *sim_sched_of(sim *s) { return s->sched; }
sim_trace *sim_trace_of(sim *s) { return s->trace; }

static void out_of_memory(void)
{
    /* Losing an event would silently change the run; stopping loudly is the
     * only honest option. */
    fputs("linkrig: out of memory scheduling an event\n", stderr);
    abort();
}

sim_timer_id sim_at(sim *s, sim_time when, sim_timer_fn fn, void *arg)
{
    sim_timer_id id = sim_sched_add(s->sched, when, 0, fn, arg);
    if (id == 0)
        out_of_memory();
    return id;
}

sim_timer_id sim_after(sim *s, sim_time delay, sim_timer_fn fn, void *arg)
{
    return sim_at(s, sim_now(s) + (delay > 0 ? delay : 0), fn, arg);
}

sim_timer_id sim_every(sim *s, sim_time first_delay, sim_time period, sim_timer_fn fn, void *arg)
{
    sim_timer_id id = sim_sched_add(s->sched, sim_now(s) + (first_delay > 0 ? first_delay : 0),
                                    period, fn, arg);
    if (id == 0)
        out_of_memory();
    return id;
}

bool sim_cancel(sim *s, sim_timer_id id)
{
    return id != 0 && sim_sched_cancel(s->sched, id);
}

sim_timer_id sim_reschedule(sim *s, sim_timer_id id, sim_time when, sim_timer_fn fn, void *arg)
{
    sim_timer_id nid = sim_sched_rearm(s->sched, id, when, fn, arg);
    if (nid == 0)
        out_of_memory();
    return nid;
}

sim_rng *sim_rng_stream(sim *s, const char *name)
{
    for (size_t i = 0; i < s->nrngs; i++)
        if (strcmp(s->rngs[i].name, name) == 0)
            return s->rngs[i].rng;
    struct rng_entry *r = realloc(s->rngs, (s->nrngs + 1) * sizeof *r);
    if (r == NULL)
        out_of_memory();
    s->rngs = r;
    sim_rng *g = sim_rng_create(s->seed, name);
    char *n = strdup(name);
    if (g == NULL || n == NULL)
        out_of_memory();
    s->rngs[s->nrngs].name = n;
    s->rngs[s->nrngs].rng = g;
    s->nrngs++;
    return g;
}

bool sim_try_advance(sim *s, sim_time t)
{
    sim_time when;
    if (t < sim_now(s) || t > s->run_end || sim_clock_pacing(s->clock))
        return false;
    if (sim_sched_peek(s->sched, &when) && when <= t)
        return false;
    sim_clock_set(s->clock, t);
    return true;
}

sim_run_result sim_run_until(sim *s, sim_time end)
{
    s->stop = false;
    s->run_end = end;
    for (;;) {
        while (!s->stop && !s->failed) {
            if (s->interrupt != NULL && *s->interrupt) {
                s->stop = true;
                break;
            }
            sim_time when;
            if (!sim_sched_peek(s->sched, &when) || when > end)
                break;
            sim_sched_step(s->sched, end);
            s->events_fired++;
        }
        if (s->failed)
            return SIM_RUN_FAILED;
        if (s->stop)
            return SIM_RUN_STOPPED;
        if (end == SIM_TIME_MAX || sim_now(s) >= end)
            return SIM_RUN_DONE;
        /* Time passes up to the end even when nothing happens in between, so
         * a run of 1 h ends at 1 h. While pacing, the idle hook may deliver
         * host I/O that schedules events before the end: run those first. */
        if (sim_clock_wait_until(s->clock, end) != 0)
            continue;
        sim_clock_set(s->clock, end);
        return SIM_RUN_DONE;
    }
}

uint64_t sim_events_fired(const sim *s)
{
    return s->events_fired;
}

void sim_stop(sim *s)
{
    s->stop = true;
}

void sim_set_interrupt(sim *s, const volatile int *flag)
{
    s->interrupt = flag;
}

void sim_fail(sim *s, const char *comp, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sim_trace_rec *r = sim_trace_begin(s->trace, SIM_LOG_ERROR, comp, "fatal");
    sim_trace_str(r, "msg", msg);
    sim_trace_end(r);
    if (!s->failed) {
        s->failed = true;
        snprintf(s->failure, sizeof s->failure, "%.32s: %.470s", comp, msg);
    }
}

bool sim_failed(const sim *s)
{
    return s->failed;
}

const char *sim_failure(const sim *s)
{
    return s->failed ? s->failure : "";
}
