/* sim/sweep.h — `linkrig sweep`: random fault schedules, each failure
 * shrunk to a minimal scenario that reproduces it.
 *
 * A scenario's sweep: section (scenario.h) says which faults may be drawn,
 * with their parameter ranges, how many per schedule, the gaps between
 * them and the window they fall in. Schedule k is drawn from the random
 * stream (seed, "sweep/<k>") alone, so it is the same whatever -n, -j or
 * --shard, and a shard draws only its own k. Each schedule runs in a child
 * process (the firmware's lwIP is global state, and a crash must not end
 * the sweep), up to -j at a time.
 *
 * A failing schedule is shrunk, delta-debugging style, to one that still
 * fails the same expectation (the first one the original failed): first
 * remove entries (ddmin over the drawn entries), then shorten durations
 * towards the range's low end, then move entries earlier (towards the
 * window's start, keeping the minimum gap to the entry before), repeated
 * until nothing changes or the run budget is spent. Each step tries a batch
 * of candidates in parallel and keeps the first in a fixed order that still
 * fails, so the result does not depend on -j. The shrunk schedule is
 * written as a plain scenario (DIR/<name>_fail_<k>.yaml): the file's own
 * text with its world (--firmware and --set folded into each device) and its
 * timeline written out, which `linkrig run` fails on its own; the sweep
 * runs it once more to check that.
 *
 * SIGINT, SIGTERM or SIGHUP stops a sweep: no run starts, the running ones
 * are passed the signal and stop between two events, shrinking ends where
 * it got, each failure found keeps its reproducer (not checked alone), the
 * table and JUnit say which schedules were not judged, and sweep_main
 * returns 128 + the signal. */
#ifndef LINKRIG_SIM_SWEEP_H
#define LINKRIG_SIM_SWEEP_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/runner.h"
#include "sim/scenario.h"

typedef struct sweep_opts {
    uint64_t seed;          /* of the draws (default 1); each run uses the scenario's seed */
    int n;                  /* schedules (default 50) */
    int jobs;               /* runs at a time (default: the machine's cores) */
    const char *out_dir;    /* reproducers; work folders under DIR/.sweep-work */
    const char *junit;      /* NULL: none */
    int shard_index;        /* 0-based */
    int shard_total;        /* >= 1 */
    const char *shard_text; /* "K/N" for reports, NULL when not sharded */
    int max_shrink_runs;    /* per failing schedule (default 150) */
    bool quiet, verbose;
    const char *program;    /* argv[0], for reproduce commands */
    runner_opts run;        /* --firmware, --set, --watchdog, log level */
} sweep_opts;

/* Runs the sweep of s; returns the exit status (0 every schedule passed,
 * 1 one failed, 2 bad input or an output that could not be written, 128 +
 * the signal that stopped it). Installs handlers for SIGINT, SIGTERM and
 * SIGHUP. */
int sweep_main(const scenario *s, const sweep_opts *o);

#endif
