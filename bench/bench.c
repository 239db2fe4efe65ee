/* linkrig_bench — engine throughput (a benchmark, never part of the tests).
 *
 * Prints: scheduler events per wall second (a self-rescheduling load on top
 * of a standing heap of 10k pending timers), virtual seconds per wall second
 * for one firmware task doing sleep_ms(100) forever, and peak RSS.
 * Each figure is the median of --reps runs (default 5). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "firmware_shim/board.h"
#include "hal.h"

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct churn {
    sim *s;
    sim_rng *rng;
};

static void churn_cb(void *arg)
{
    struct churn *c = arg;
    sim_after(c->s, (sim_time)sim_rng_below(c->rng, 1000000) + 1, churn_cb, c);
}

static void noop(void *arg)
{
    (void)arg;
}

static double bench_sched(uint64_t events)
{
    sim *s = sim_create(&(sim_config){.seed = 1}, NULL);
    struct churn c = {s, sim_rng_stream(s, "bench")};
    for (int i = 0; i < 10000; i++)
        sim_at(s, SIM_SEC(1000000) + i, noop, NULL); /* standing heap depth */
    for (int i = 0; i < 64; i++)
        sim_after(s, i, churn_cb, &c);
    double t0 = wall();
    while (sim_sched_fired(sim_sched_of(s)) < events)
        sim_sched_step(sim_sched_of(s), SIM_TIME_MAX);
    double dt = wall() - t0;
    sim_destroy(s);
    return (double)events / dt;
}

static int sleeper(void *arg)
{
    (void)arg;
    for (;;)
        hal_sleep_ms(100);
    return 0;
}

static double bench_task(sim_time virt)
{
    sim *s = sim_create(&(sim_config){.seed = 1}, NULL);
    sim_trace_set_log(sim_trace_of(s), NULL, SIM_LOG_OFF);
    board_config cfg;
    board_config_default(&cfg);
    cfg.drive_lwip_timers = false;
    board *b = board_create(s, &cfg, NULL);
    board_spawn(b, "sleeper", sleeper, NULL, 0, NULL);
    double t0 = wall();
    sim_run_until(s, virt);
    double dt = wall() - t0;
    board_destroy(b);
    sim_destroy(s);
    return (double)virt / 1e9 / dt;
}

int main(int argc, char **argv)
{
    int reps = 5;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: linkrig_bench [--reps N]\n");
            return 2;
        }
    }
    if (reps < 1 || reps > 101)
        reps = 5;
    double *v = calloc((size_t)reps, sizeof *v);
    for (int i = 0; i < reps; i++)
        v[i] = bench_sched(5000000);
    printf("scheduler: %.2f M events/s (median of %d, 5M events, 10k standing timers)\n", median(v, reps) / 1e6,
           reps);
    for (int i = 0; i < reps; i++)
        v[i] = bench_task(SIM_SEC(24 * 3600));
    printf("task sleep_ms(100) loop: %.0f virtual s per wall s (median of %d, 24 h runs)\n", median(v, reps), reps);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS: %ld KiB\n", ru.ru_maxrss);
    free(v);
    return 0;
}
