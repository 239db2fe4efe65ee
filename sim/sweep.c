/* sim/sweep.c — random fault schedules and their shrinking (sweep.h). */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, realpath: on every libc linkrig builds with */
#define _POSIX_C_SOURCE 200809L
#include "sim/sweep.h"

#include <signal.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/junit.h"
#include "sim/rng.h"
#include "sim/sim.h"

#ifndef LINKRIG_VERSION
#define LINKRIG_VERSION "unknown"
#endif

/* A drawn schedule: the entries after the file's own timeline. src[i] is
 * the sweep.faults entry entry i was drawn from (its ranges bound the
 * shrinking). */
typedef struct sched {
    int n;
    scn_fault f[SCN_MAX_SWEEP_COUNT];
    int src[SCN_MAX_SWEEP_COUNT];
} sched;

/* What the parent keeps of a run: which checks failed. Index 0 is the run
 * itself (built, no firmware crash); check k is index k + 1. The checks of
 * every run of one scenario are the same list in the same order. */
typedef struct outcome {
    bool ran;         /* false: not started (the sweep was stopped first) */
    int interrupted;  /* the signal that stopped the run before its end, 0 otherwise */
    bool passed;
    double wall_s;
    int nchecks;
    unsigned char fail[RUNNER_MAX_CHECKS + 1];
    char test[128];    /* the first failure's test name */
    char message[512]; /* and what it says */
} outcome;

struct sweep {
    const scenario *s;
    const sweep_opts *o;
    int jobs;
    long runs;        /* every run, for the summary */
    char work[4200];  /* DIR/.sweep-work */
};

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The signal (SIGINT, SIGTERM, SIGHUP) that stops the sweep, 0 while none
 * came, and the running children it is passed on to: a run stops between
 * two events and reports (runner_opts.stop), no new run starts, shrinking
 * ends, and the sweep reports what ran (sweep.h). Process-wide because a
 * signal handler can see nothing else. */
static volatile int sweep_signal;
static pid_t *volatile sweep_pids;
static volatile int sweep_npids;

static const int STOP_SIGNALS[] = {SIGINT, SIGTERM, SIGHUP};

static void on_sweep_signal(int sig)
{
    sweep_signal = sig;
    pid_t *p = sweep_pids;
    for (int k = 0; p != NULL && k < sweep_npids; k++)
        if (p[k] > 0)
            kill(p[k], sig);
}

/* ---- drawing ---- */

static sim_time draw_ms(sim_rng *r, sim_time lo, sim_time hi)
{
    return lo + (sim_time)sim_rng_below(r, (uint64_t)((hi - lo) / SIM_MS(1)) + 1) * SIM_MS(1);
}

static bool has_duration(scn_fault_kind k)
{
    return k == SCN_F_AP_REBOOT || k == SCN_F_CABLE_PULL;
}

static sim_time fault_end(const scn_fault *f)
{
    return has_duration(f->kind) ? f->at + f->duration : f->at;
}

static void dur_bounds(const scn_sweep *sw, int src, sim_time *lo, sim_time *hi)
{
    const scn_sweep_fault *sf = &sw->faults[src];
    *lo = sf->has_duration ? sf->dur_min : sw->dur_min;
    *hi = sf->has_duration ? sf->dur_max : sw->dur_max;
}

static void draw(const scenario *s, uint64_t seed, int k, sched *out)
{
    const scn_sweep *sw = &s->sweep;
    char stream[32];
    snprintf(stream, sizeof stream, "sweep/%d", k);
    sim_rng *r = sim_rng_create(seed, stream);
    if (r == NULL)
        abort(); /* a schedule drawn from nothing would not be the seed's */
    memset(out, 0, sizeof *out);
    int count = sw->count_min + (int)sim_rng_below(r, (uint64_t)(sw->count_max - sw->count_min + 1));
    sim_time t = draw_ms(r, sw->window_start, sw->window_start + sw->gap_max);
    for (int i = 0; i < count; i++) {
        int src = (int)sim_rng_below(r, (uint64_t)sw->nfaults);
        const scn_sweep_fault *sf = &sw->faults[src];
        scn_fault f;
        memset(&f, 0, sizeof f);
        f.kind = sf->kind;
        f.line = sf->line;
        f.device = sf->device;
        f.ap = -1;
        if (f.kind == SCN_F_AP_REBOOT || f.kind == SCN_F_AP_TX_POWER || f.kind == SCN_F_DHCP)
            f.ap = sf->naps > 0 ? sf->aps[sim_rng_below(r, (uint64_t)sf->naps)]
                                : (int)sim_rng_below(r, (uint64_t)s->naps);
        sim_time d = 0;
        if (has_duration(f.kind)) {
            sim_time lo, hi;
            dur_bounds(sw, src, &lo, &hi);
            d = draw_ms(r, lo, hi);
        }
        /* a fault must start before the run ends (scenario.h, "The
         * timeline"), or its reproducer would not parse */
        sim_time end = sw->window_end;
        if (d == 0 && end >= s->duration)
            end = s->duration - SIM_MS(1);
        if (t + d > end) {
            if (i > 0)
                break; /* the window is full: a shorter schedule */
            t = end - d; /* the parser made sure it fits */
        }
        f.at = t;
        f.duration = d;
        switch (f.kind) {
        case SCN_F_AP_REBOOT: {
            int choices[2], n = 0;
            for (int b = 0; b < 2; b++)
                if (sf->keep_leases & (1 << b))
                    choices[n++] = b;
            f.keep_leases = choices[sim_rng_below(r, (uint64_t)n)] == 1;
            if (sf->nchannels > 0)
                f.channel = sf->channels[sim_rng_below(r, (uint64_t)sf->nchannels)];
            break;
        }
        case SCN_F_RADIO_WEDGE:
            f.wedge_mode = (scn_wedge_mode)sf->modes[sim_rng_below(r, (uint64_t)sf->nmodes)];
            f.survives_power_cycles = sf->spc_min + (int)sim_rng_below(r, (uint64_t)(sf->spc_max - sf->spc_min + 1));
            break;
        case SCN_F_AP_TX_POWER: {
            /* tenths of a dB: what a file would say */
            long lo = (long)(sf->txp_min * 10 + (sf->txp_min < 0 ? -0.5 : 0.5));
            long hi = (long)(sf->txp_max * 10 + (sf->txp_max < 0 ? -0.5 : 0.5));
            f.tx_power_dbm = (double)(lo + (long)sim_rng_below(r, (uint64_t)(hi - lo + 1))) / 10.0;
            break;
        }
        case SCN_F_DHCP:
            f.dhcp_mode = (scn_dhcp_mode)sf->modes[sim_rng_below(r, (uint64_t)sf->nmodes)];
            if (sf->lease_max > 0)
                f.lease = sf->lease_min +
                          (sim_time)sim_rng_below(r, (uint64_t)((sf->lease_max - sf->lease_min) / SIM_SEC(1)) + 1) *
                              SIM_SEC(1);
            break;
        default:
            break;
        }
        out->f[out->n] = f;
        out->src[out->n] = src;
        out->n++;
        t += d + draw_ms(r, sw->gap_min, sw->gap_max);
    }
    sim_rng_destroy(r);
}

/* ---- text ---- */

static char *fmt_dur(sim_time t, char *buf, size_t cap)
{
    if (t % SIM_SEC(1) == 0)
        snprintf(buf, cap, "%" PRId64 "s", t / SIM_SEC(1));
    else if (t % SIM_MS(1) == 0)
        snprintf(buf, cap, "%" PRId64 "ms", t / SIM_MS(1));
    else
        snprintf(buf, cap, "%" PRId64 "ns", t);
    return buf;
}

/* A YAML double-quoted string: every byte survives, whatever it is. */
static void yaml_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void ipv4(FILE *f, uint32_t a)
{
    fprintf(f, "%u.%u.%u.%u", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255);
}

/* One timeline entry in flow style, as scenario.h documents the keys. */
static void write_fault(FILE *out, const scenario *s, const scn_fault *f)
{
    static const char *const dmodes[] = {"normal", "ignore_renewals", "nak_renewals", "silent", "empty_pool"};
    static const char *const wmodes[] = {"commands", "frames", "both"};
    char a[32];
    fprintf(out, "  - {at: %s, fault: %s", fmt_dur(f->at, a, sizeof a), scn_fault_name(f->kind));
    if (f->ap >= 0)
        fprintf(out, ", ap: %s", s->aps[f->ap].name);
    if (f->device >= 0)
        fprintf(out, ", device: %s", s->devices[f->device].name);
    switch (f->kind) {
    case SCN_F_AP_REBOOT:
    case SCN_F_CABLE_PULL:
        fprintf(out, ", duration: %s", fmt_dur(f->duration, a, sizeof a));
        if (f->keep_leases)
            fputs(", keep_leases: true", out);
        if (f->channel > 0)
            fprintf(out, ", channel: %d", f->channel);
        break;
    case SCN_F_AP_PASSPHRASE:
        fputs(", passphrase: ", out);
        yaml_str(out, f->passphrase);
        break;
    case SCN_F_AP_TX_POWER:
        fprintf(out, ", tx_power: %.17g", f->tx_power_dbm);
        break;
    case SCN_F_MOVE_DEVICE:
        fprintf(out, ", to: [%.17g, %.17g, %.17g]", f->to.x, f->to.y, f->to.z);
        if (f->speed > 0)
            fprintf(out, ", speed: %.17g", f->speed);
        break;
    case SCN_F_DHCP:
        fprintf(out, ", mode: %s", dmodes[f->dhcp_mode]);
        if (f->lease > 0)
            fprintf(out, ", lease: %s", fmt_dur(f->lease, a, sizeof a));
        if (f->has_pool) {
            fputs(", pool: [", out);
            ipv4(out, f->pool_start);
            fputs(", ", out);
            ipv4(out, f->pool_end);
            fputs("], netmask: ", out);
            ipv4(out, f->netmask);
            fputs(", router: ", out);
            ipv4(out, f->router);
        }
        break;
    case SCN_F_RADIO_WEDGE:
        fprintf(out, ", mode: %s, survives_power_cycles: %d", wmodes[f->wedge_mode], f->survives_power_cycles);
        break;
    default:
        break;
    }
    fputs("}\n", out);
}

/* "ap_reboot ap1 at 1m05s for 12s; ..." for reports. */
static void describe(const scenario *s, const sched *sc, char *buf, size_t cap)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int i = 0; i < sc->n && k + 1 < cap; i++) {
        const scn_fault *f = &sc->f[i];
        char a[32], d[32];
        int w = snprintf(buf + k, cap - k, "%s%s%s%s at %s", i ? "; " : "", scn_fault_name(f->kind),
                         f->ap >= 0 ? " " : "", f->ap >= 0 ? s->aps[f->ap].name : "",
                         sim_time_format(f->at, a, sizeof a));
        k += w > 0 ? (size_t)w : 0;
        if (has_duration(f->kind) && k + 1 < cap) {
            w = snprintf(buf + k, cap - k, " for %s", sim_time_format(f->duration, d, sizeof d));
            k += w > 0 ? (size_t)w : 0;
        }
        if (k >= cap)
            k = cap - 1;
    }
    if (sc->n == 0)
        snprintf(buf, cap, "no drawn fault");
}

/* ---- running ---- */

struct slot {
    volatile int done;
    runner_result r;
};

/* Ran to its end: passed or failed, not stopped with the sweep. */
static bool outcome_judged(const outcome *oc)
{
    return oc->ran && !oc->interrupted;
}

static void to_outcome(const runner_result *r, bool crashed, int status, outcome *oc)
{
    memset(oc, 0, sizeof *oc);
    oc->ran = true;
    oc->wall_s = r->wall_s;
    if (!crashed && r->interrupted) {
        /* stopped with the sweep: neither passed nor failed */
        oc->interrupted = r->interrupted;
        return;
    }
    if (crashed) {
        oc->fail[0] = 1;
        snprintf(oc->test, sizeof oc->test, "run");
        snprintf(oc->message, sizeof oc->message, "the run crashed (%s %d)", WIFSIGNALED(status) ? "signal" : "exit status",
                 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        return;
    }
    oc->passed = r->passed;
    oc->nchecks = r->nchecks;
    if (!r->ran || r->failure[0]) {
        oc->fail[0] = 1;
        snprintf(oc->test, sizeof oc->test, "run");
        snprintf(oc->message, sizeof oc->message, "%s", r->failure[0] ? r->failure : "did not run");
    }
    for (int k = 0; k < r->nchecks; k++) {
        if (r->checks[k].ok)
            continue;
        if (oc->test[0] == '\0') {
            snprintf(oc->test, sizeof oc->test, "%s", r->checks[k].test);
            snprintf(oc->message, sizeof oc->message, "%s", r->checks[k].message);
        }
        oc->fail[k + 1] = 1;
    }
}

/* The child: the scenario with sc after its own timeline, run once. */
static void child_run(const struct sweep *sw, const scenario *base, const sched *sc, int slot, struct slot *out)
{
    scenario *s = malloc(sizeof *s);
    if (s == NULL)
        _exit(3);
    memcpy(s, base, sizeof *s);
    for (int i = 0; i < sc->n; i++)
        s->faults[s->nfaults++] = sc->f[i];
    runner_opts ro = sw->o->run;
    char dir[4300];
    snprintf(dir, sizeof dir, "%s/%d", sw->work, slot);
    ro.out_dir = dir;
    ro.progress = false;
    ro.stop = &sweep_signal; /* this process's own copy: set by the handler it inherited */
    /* Captures are not what a sweep looks at, and the reproducer makes them
     * again; /dev/null also rules out a ring (never rotate a device node). */
    ro.pcap_air = ro.pcap_wire = "/dev/null";
    ro.has_ring = true;
    ro.ring_mb = 0;
    sim_err err = {0};
    int rc = runner_run(s, &ro, &out->r, &err);
    if (rc != SIM_OK && out->r.failure[0] == '\0')
        snprintf(out->r.failure, sizeof out->r.failure, "%s", err.msg);
    out->done = 1;
    free(s);
    /* exit, not _exit: LeakSanitizer checks the run's process at exit */
    exit(0);
}

/* Runs cands[0..n) with up to jobs children at a time. */
static int run_batch(struct sweep *sw, const scenario *base, const sched *const *cands, int n, outcome *res)
{
    int jobs = sw->jobs < n ? sw->jobs : n;
    if (jobs < 1)
        jobs = 1;
    struct slot *slots = mmap(NULL, (size_t)jobs * sizeof *slots, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                              -1, 0);
    if (slots == MAP_FAILED)
        return SIM_ENOMEM;
    pid_t *pids = calloc((size_t)jobs, sizeof *pids);
    int *which = calloc((size_t)jobs, sizeof *which);
    if (pids == NULL || which == NULL) {
        free(pids);
        free(which);
        munmap(slots, (size_t)jobs * sizeof *slots);
        return SIM_ENOMEM;
    }
    for (int i = 0; i < n; i++)
        memset(&res[i], 0, sizeof res[i]);
    sweep_pids = pids;
    sweep_npids = jobs;
    sigset_t stops;
    sigemptyset(&stops);
    for (size_t i = 0; i < sizeof STOP_SIGNALS / sizeof STOP_SIGNALS[0]; i++)
        sigaddset(&stops, STOP_SIGNALS[i]);
    int next = 0, running = 0;
    while ((next < n && sweep_signal == 0) || running > 0) {
        while (next < n && running < jobs) {
            int k = 0;
            while (pids[k] != 0)
                k++;
            slots[k].done = 0;
            fflush(NULL);
            pid_t parent = getpid();
            /* The stop signals wait from the check below until pids[k] is
             * recorded, so the handler passes a stop to every child: none
             * starts after a stop, and none is missed. */
            sigset_t saved;
            sigprocmask(SIG_BLOCK, &stops, &saved);
            if (sweep_signal != 0) {
                sigprocmask(SIG_SETMASK, &saved, NULL);
                break;
            }
            pid_t pid = fork();
            if (pid == 0) {
                sweep_npids = 0; /* the handler is inherited; the siblings are not this one's */
                sigprocmask(SIG_SETMASK, &saved, NULL);
                /* as for run's children: a parent killed outright takes its runs along */
                prctl(PR_SET_PDEATHSIG, SIGTERM);
                if (getppid() != parent)
                    raise(SIGTERM);
            }
            if (pid < 0) {
                sigprocmask(SIG_SETMASK, &saved, NULL);
                if (running > 0)
                    break; /* wait for one to end, then try again */
                sweep_npids = 0;
                sweep_pids = NULL;
                free(pids);
                free(which);
                munmap(slots, (size_t)jobs * sizeof *slots);
                return SIM_EIO;
            }
            if (pid == 0)
                child_run(sw, base, cands[next], k, &slots[k]);
            pids[k] = pid;
            sigprocmask(SIG_SETMASK, &saved, NULL); /* a stop pending meanwhile reaches pid now */
            which[k] = next++;
            running++;
        }
        int st = 0;
        pid_t pid = waitpid(-1, &st, 0);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int k = 0; k < jobs; k++) {
            if (pids[k] != pid)
                continue;
            bool crashed = !slots[k].done || !WIFEXITED(st) || WEXITSTATUS(st) != 0;
            to_outcome(&slots[k].r, crashed, st, &res[which[k]]);
            pids[k] = 0;
            running--;
            sw->runs++;
        }
    }
    sweep_npids = 0;
    sweep_pids = NULL;
    free(pids);
    free(which);
    munmap(slots, (size_t)jobs * sizeof *slots);
    return SIM_OK;
}

/* ---- shrinking ---- */

struct shrink {
    struct sweep *sw;
    int target;   /* the outcome index that must keep failing */
    int budget;   /* runs left */
    int runs;
    bool have_last;
    outcome last; /* the run of the schedule kept last: what the reproducer shows */
};

/* The first of cands (in order) that still fails the target, or -1. */
static int first_failing(struct shrink *sh, sched *cands, int n)
{
    if (sweep_signal != 0)
        sh->budget = 0; /* the sweep was stopped: keep what is shrunk so far */
    if (n > sh->budget)
        n = sh->budget;
    if (n <= 0)
        return -1;
    const sched **ptrs = malloc((size_t)n * sizeof *ptrs);
    outcome *res = malloc((size_t)n * sizeof *res);
    int pick = -1;
    if (ptrs != NULL && res != NULL) {
        for (int i = 0; i < n; i++)
            ptrs[i] = &cands[i];
        if (run_batch(sh->sw, sh->sw->s, ptrs, n, res) == SIM_OK) {
            sh->budget -= n;
            sh->runs += n;
            for (int i = 0; i < n && pick < 0; i++)
                if (res[i].fail[sh->target])
                    pick = i;
            if (pick >= 0) {
                sh->last = res[pick];
                sh->have_last = true;
            }
        }
    }
    free(ptrs);
    free(res);
    return pick;
}

static void remove_range(const sched *in, int from, int to, sched *out)
{
    out->n = 0;
    for (int i = 0; i < in->n; i++)
        if (i < from || i >= to) {
            out->f[out->n] = in->f[i];
            out->src[out->n] = in->src[i];
            out->n++;
        }
}

/* ddmin over the drawn entries: remove chunks, finer when none can go.
 * Never below sweep.count's minimum: a shrunk schedule is still one the
 * sweep could have drawn. Without that floor an expectation that also
 * fails with no fault at all (reconnect_spacing: "the device never lost its
 * link") would "shrink" to an empty timeline that fails for another reason. */
static bool shrink_remove(struct shrink *sh, sched *cur, sched *cands)
{
    int floor = sh->sw->s->sweep.count_min;
    bool changed = false;
    int g = 2;
    while (cur->n > floor && sh->budget > 0) {
        if (g > cur->n)
            g = cur->n;
        int nc = 0;
        for (int i = 0; i < g; i++) {
            int from = cur->n * i / g, to = cur->n * (i + 1) / g;
            if (cur->n - (to - from) >= floor)
                remove_range(cur, from, to, &cands[nc++]);
        }
        int pick = first_failing(sh, cands, nc);
        if (pick >= 0) {
            *cur = cands[pick];
            changed = true;
            g = g > 2 ? g - 1 : 2;
        } else if (g < cur->n) {
            g = g * 2 < cur->n ? g * 2 : cur->n;
        } else {
            break;
        }
    }
    return changed;
}

/* Values from lo up towards cur (not cur), smallest first, in ms. */
static int towards(sim_time lo, sim_time cur, sim_time *vals)
{
    int n = 0;
    for (int q = 0; q < 4; q++) {
        sim_time v = lo + (cur - lo) * q / 4;
        v = v / SIM_MS(1) * SIM_MS(1);
        if (v < lo)
            v = lo;
        if (v >= cur || (n > 0 && v <= vals[n - 1]))
            continue;
        vals[n++] = v;
    }
    return n;
}

static bool shrink_durations(struct shrink *sh, sched *cur, sched *cands)
{
    const scn_sweep *sw = &sh->sw->s->sweep;
    bool changed = false;
    for (int i = 0; i < cur->n && sh->budget > 0; i++) {
        if (!has_duration(cur->f[i].kind))
            continue;
        sim_time lo, hi, vals[4];
        dur_bounds(sw, cur->src[i], &lo, &hi);
        int nv = towards(lo, cur->f[i].duration, vals);
        for (int k = 0; k < nv; k++) {
            cands[k] = *cur;
            cands[k].f[i].duration = vals[k];
        }
        int pick = first_failing(sh, cands, nv);
        if (pick >= 0) {
            *cur = cands[pick];
            changed = true;
        }
    }
    return changed;
}

static bool shrink_earlier(struct shrink *sh, sched *cur, sched *cands)
{
    const scn_sweep *sw = &sh->sw->s->sweep;
    bool changed = false;
    for (int i = 0; i < cur->n && sh->budget > 0; i++) {
        sim_time earliest = i == 0 ? sw->window_start : fault_end(&cur->f[i - 1]) + sw->gap_min;
        if (earliest < sw->window_start)
            earliest = sw->window_start;
        sim_time vals[4];
        int nv = towards(earliest, cur->f[i].at, vals);
        for (int k = 0; k < nv; k++) {
            cands[k] = *cur;
            cands[k].f[i].at = vals[k];
        }
        int pick = first_failing(sh, cands, nv);
        if (pick >= 0) {
            *cur = cands[pick];
            changed = true;
        }
    }
    return changed;
}

/* ---- reproducers ---- */

/* The key of a top-level "key:" line of a block mapping, or "" for any
 * other line (indented, comment, list item, document marker). */
static void top_key(const char *line, size_t len, char *key, size_t cap)
{
    key[0] = '\0';
    size_t i = 0;
    if (len == 0 || !((line[0] >= 'a' && line[0] <= 'z') || (line[0] >= 'A' && line[0] <= 'Z') || line[0] == '_'))
        return;
    while (i < len && i + 1 < cap &&
           ((line[i] >= 'a' && line[i] <= 'z') || (line[i] >= 'A' && line[i] <= 'Z') ||
            (line[i] >= '0' && line[i] <= '9') || line[i] == '_'))
        i++;
    size_t end = i;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i >= len || line[i] != ':')
        return;
    memcpy(key, line, end);
    key[end] = '\0';
}

/* Writes the reproducer: the file's own text without its name, seed, world,
 * timeline and sweep (every other section, even ones this version does not
 * know, is kept as written), then those written out. --firmware and --set
 * are folded into each device, so the file needs no options. Returns
 * SIM_OK, or an error naming why the file cannot be made. */
static int write_repro(const struct sweep *sw, const sched *sc, const char *path, const char *name, int k,
                       const char *header, sim_err *err)
{
    const scenario *s = sw->s;
    const runner_opts *o = &sw->o->run;
    FILE *in = fopen(s->path, "rb");
    if (in == NULL)
        return sim_err_set(err, SIM_EIO, "%s: cannot read it again: %s", s->path, strerror(errno));
    FILE *out = fopen(path, "w");
    if (out == NULL) {
        fclose(in);
        return sim_err_set(err, SIM_EIO, "cannot write %s: %s", path, strerror(errno));
    }
    fputs(header, out);
    fprintf(out, "name: %s\nseed: %" PRIu64 "\n", name, s->seed);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    bool drop = false, any_top = false;
    while ((len = getline(&line, &cap, in)) > 0) {
        char key[64];
        top_key(line, (size_t)len, key, sizeof key);
        if (key[0] != '\0') {
            any_top = true;
            drop = strcmp(key, "name") == 0 || strcmp(key, "seed") == 0 || strcmp(key, "world") == 0 ||
                   strcmp(key, "timeline") == 0 || strcmp(key, "sweep") == 0;
        } else if (strncmp(line, "---", 3) == 0 || strncmp(line, "...", 3) == 0) {
            continue; /* one document, ours */
        }
        if (!drop)
            fwrite(line, 1, (size_t)len, out);
    }
    free(line);
    fclose(in);
    if (!any_top) {
        fclose(out);
        return sim_err_set(err, SIM_EINVAL,
                           "%s: its top level is not a block mapping (key: lines), so the sweep cannot write "
                           "reproducers from it",
                           s->path);
    }
    /* world: every device written out with its image and settings */
    fputs("\nworld:\n  aps:\n", out);
    for (int i = 0; i < s->naps; i++) {
        const scn_ap *a = &s->aps[i];
        fprintf(out, "    - {name: %s, ssid: ", a->name);
        yaml_str(out, a->ssid);
        if (a->passphrase[0]) {
            fputs(", passphrase: ", out);
            yaml_str(out, a->passphrase);
        }
        char l[32];
        fprintf(out, ", channel: %d, position: [%.17g, %.17g, %.17g], tx_power: %.17g, dhcp: {lease: %s", a->channel,
                a->pos.x, a->pos.y, a->pos.z, a->tx_power_dbm, fmt_dur(a->lease, l, sizeof l));
        if (a->pool_start != 0) {
            fputs(", pool: [", out);
            ipv4(out, a->pool_start);
            fputs(", ", out);
            ipv4(out, a->pool_end);
            fputs("]", out);
        }
        fputs("}}\n", out);
    }
    fputs("  devices:\n", out);
    int rc = SIM_OK;
    for (int i = 0; i < s->ndevices; i++) {
        const scn_device *d = &s->devices[i];
        fprintf(out, "    - name: %s\n      position: [%.17g, %.17g, %.17g]\n      tx_power: %.17g\n      lan: %s\n",
                d->name, d->pos.x, d->pos.y, d->pos.z, d->tx_power_dbm, d->lan ? "true" : "false");
        const char *fw = o->firmware ? o->firmware : d->firmware[0] ? d->firmware : NULL;
        if (fw != NULL) {
            /* absolute: the reproducer lives in another folder */
            char *abs = realpath(fw, NULL);
            fputs("      firmware: ", out);
            yaml_str(out, abs ? abs : fw);
            fputc('\n', out);
            free(abs);
        }
        if (d->nsettings + o->nsets > SCN_MAX_DEVICE_SETTINGS) {
            rc = sim_err_set(err, SIM_ELIMIT, "device %s: its settings and the --set options make more than %d",
                             d->name, SCN_MAX_DEVICE_SETTINGS);
            break;
        }
        if (d->nsettings + o->nsets > 0) {
            fputs("      settings:\n", out);
            for (int k2 = 0; k2 < d->nsettings; k2++) {
                fprintf(out, "        %s: ", d->settings[k2].key);
                yaml_str(out, d->settings[k2].value);
                fputc('\n', out);
            }
            /* --set last, as linkrig run applies it after the device's own */
            for (int k2 = 0; k2 < o->nsets; k2++) {
                const char *eq = strchr(o->sets[k2], '=');
                fprintf(out, "        %.*s: ", (int)(eq - o->sets[k2]), o->sets[k2]);
                yaml_str(out, eq + 1);
                fputc('\n', out);
            }
        }
    }
    fputs("\ntimeline:\n", out);
    if (s->nfaults + sc->n == 0)
        fputs("  []\n", out);
    for (int i = 0; i < s->nfaults; i++)
        write_fault(out, s, &s->faults[i]);
    for (int i = 0; i < sc->n; i++)
        write_fault(out, s, &sc->f[i]);
    (void)k;
    if (ferror(out) | (fclose(out) != 0) && rc == SIM_OK)
        rc = sim_err_set(err, SIM_EIO, "cannot write %s", path);
    return rc;
}

/* ---- the sweep ---- */

struct result {
    int k;              /* schedule number */
    sched drawn, shrunk;
    outcome oc;
    bool shrunk_ok;     /* shrinking ran */
    int shrink_runs;
    double wall_s;      /* its run and its shrinking */
    char repro[4400];   /* the file written, "" when none */
    char repro_err[512];
    bool verified;      /* the reproducer, loaded and run alone, failed the same way */
};

static int mkdirs(const char *dir)
{
    sim_err e = {0};
    if (runner_make_dirs(dir, &e) != SIM_OK) {
        fprintf(stderr, "linkrig: %s\n", e.msg);
        return -1;
    }
    return 0;
}

int sweep_main(const scenario *s, const sweep_opts *o)
{
    if (!s->sweep.present) {
        fprintf(stderr, "linkrig: %s has no sweep: section (what to draw; see linkrig --help and scenario.h)\n",
                s->path);
        return 2;
    }
    struct sweep sw = {.s = s, .o = o, .jobs = o->jobs > 0 ? o->jobs : 1};
    snprintf(sw.work, sizeof sw.work, "%s/.sweep-work", o->out_dir);
    if (mkdirs(o->out_dir) != 0 || mkdirs(sw.work) != 0)
        return 2;
    int mine = 0;
    for (int k = 0; k < o->n; k++)
        mine += k % o->shard_total == o->shard_index;
    struct result *res = calloc((size_t)(mine > 0 ? mine : 1), sizeof *res);
    const sched **ptrs = calloc((size_t)(mine > 0 ? mine : 1), sizeof *ptrs);
    outcome *ocs = calloc((size_t)(mine > 0 ? mine : 1), sizeof *ocs);
    sched *cands = calloc(SCN_MAX_SWEEP_COUNT + 4, sizeof *cands);
    if (res == NULL || ptrs == NULL || ocs == NULL || cands == NULL) {
        fprintf(stderr, "linkrig: out of memory for %d schedules\n", mine);
        free(res), free(ptrs), free(ocs), free(cands);
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sweep_signal; /* no SA_RESTART: a wait for a child returns to see it */
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof STOP_SIGNALS / sizeof STOP_SIGNALS[0]; i++)
        sigaction(STOP_SIGNALS[i], &sa, NULL);
    double w0 = wall_now();
    int nr = 0;
    for (int k = 0; k < o->n; k++) {
        if (k % o->shard_total != o->shard_index)
            continue;
        res[nr].k = k;
        draw(s, o->seed, k, &res[nr].drawn);
        ptrs[nr] = &res[nr].drawn;
        nr++;
    }
    if (!o->quiet)
        printf("sweep %s: %d schedule(s)%s%s%s, seed %" PRIu64 ", %d job(s)\n", s->name, nr,
               o->shard_text ? " (shard " : "", o->shard_text ? o->shard_text : "", o->shard_text ? ")" : "", o->seed,
               sw.jobs);
    fflush(stdout);
    if (nr > 0 && run_batch(&sw, s, ptrs, nr, ocs) != SIM_OK) {
        fprintf(stderr, "linkrig: cannot start the runs: %s\n", strerror(errno));
        free(res), free(ptrs), free(ocs), free(cands);
        return 2;
    }
    long first_runs = sw.runs;
    int failures = 0, status = 0;
    for (int i = 0; i < nr; i++) {
        struct result *r = &res[i];
        r->oc = ocs[i];
        r->wall_s = ocs[i].wall_s;
        r->shrunk = r->drawn;
        if (r->oc.passed || !outcome_judged(&r->oc))
            continue;
        failures++;
        double t0 = wall_now();
        /* What must keep failing: the first failure of the drawn schedule. */
        int target = 0;
        while (target <= r->oc.nchecks && !r->oc.fail[target])
            target++;
        struct shrink sh = {.sw = &sw, .target = target, .budget = o->max_shrink_runs};
        sched *cur = &r->shrunk;
        for (int round = 0; round < 8 && sh.budget > 0; round++) {
            bool ch = shrink_remove(&sh, cur, cands);
            ch = shrink_durations(&sh, cur, cands) || ch;
            ch = shrink_earlier(&sh, cur, cands) || ch;
            if (!ch)
                break;
        }
        r->shrunk_ok = true;
        r->shrink_runs = sh.runs;
        /* The reproducer: a plain scenario, checked by loading and running it. */
        char name[64], header[8192], d0[1024], d1[1024], cmd[4096];
        int base = (int)sizeof name - 1 - snprintf(NULL, 0, "_fail_%d", r->k);
        snprintf(name, sizeof name, "%.*s_fail_%d", base, s->name, r->k);
        snprintf(r->repro, sizeof r->repro, "%s/%s.yaml", o->out_dir, name);
        describe(s, &r->drawn, d0, sizeof d0);
        describe(s, cur, d1, sizeof d1);
        cmd[0] = '\0';
        junit_shell_arg(cmd, sizeof cmd, o->program);
        junit_shell_arg(cmd, sizeof cmd, "run");
        junit_shell_arg(cmd, sizeof cmd, r->repro);
        snprintf(header, sizeof header,
                 "# Written by linkrig sweep from %s: schedule %d of seed %" PRIu64 ",\n"
                 "# drawn: %s\n# shrunk to %d fault(s) in %d runs: %s\n"
                 "# It fails %s: %s\n# Reproduce: %s\n",
                 s->path, r->k, o->seed, d0, cur->n, sh.runs, d1, r->oc.test,
                 sh.have_last ? sh.last.message : r->oc.message, cmd);
        for (char *p = header; *p; p++)
            if (*p == '\n' && p[1] != '\0' && p[1] != '#')
                *p = ' '; /* a message with a newline in it must stay one comment line */
        sim_err err = {0};
        if (write_repro(&sw, cur, r->repro, name, r->k, header, &err) != SIM_OK) {
            snprintf(r->repro_err, sizeof r->repro_err, "%s", err.msg);
            r->repro[0] = '\0';
            status = 2;
        } else if (sweep_signal != 0) {
            /* kept, not lost: a schedule that failed, shrunk as far as it got */
            snprintf(r->repro_err, sizeof r->repro_err, " (not checked alone: the sweep was stopped)");
        } else {
            scenario *rs = scn_load(r->repro, &err);
            if (rs == NULL) {
                snprintf(r->repro_err, sizeof r->repro_err, "the reproducer does not load: %.450s", err.msg);
                status = 2;
            } else {
                /* Run it alone, as linkrig run would: no --set, no --firmware
                 * (they are in the file now), nothing drawn. */
                struct sweep alone = sw;
                sweep_opts o2 = *o;
                o2.run.nsets = 0;
                o2.run.firmware = NULL;
                alone.o = &o2;
                sched none = {0};
                const sched *pn = &none;
                outcome oc;
                bool judged = false;
                if (run_batch(&alone, rs, &pn, 1, &oc) == SIM_OK) {
                    sw.runs++;
                    judged = outcome_judged(&oc);
                    r->verified = judged && oc.fail[target] != 0;
                }
                if (!judged && sweep_signal != 0) {
                    /* the check itself was stopped, or never started */
                    snprintf(r->repro_err, sizeof r->repro_err, " (not checked alone: the sweep was stopped)");
                } else if (!r->verified) {
                    snprintf(r->repro_err, sizeof r->repro_err,
                             "the reproducer, run alone, does not fail %s (a bug in the sweep)", r->oc.test);
                    status = 2;
                }
                scn_free(rs);
            }
        }
        r->wall_s += wall_now() - t0;
    }
    double wall = wall_now() - w0;

    /* The summary table: one row per failing schedule (every row with --verbose). */
    if (!o->quiet || failures > 0 || sweep_signal != 0) {
        printf("  %-8s %-6s %-7s %-7s %-5s %s\n", "schedule", "drawn", "result", "shrunk", "runs",
               "failed expectation -> reproducer");
        for (int i = 0; i < nr; i++) {
            struct result *r = &res[i];
            if (r->oc.passed && !o->verbose)
                continue;
            bool judged = outcome_judged(&r->oc);
            if (!judged && !o->verbose)
                continue;
            char shr[16] = "-", runs[16] = "-";
            if (r->shrunk_ok) {
                snprintf(shr, sizeof shr, "%d", r->shrunk.n);
                snprintf(runs, sizeof runs, "%d", r->shrink_runs);
            }
            const char *what = !r->oc.ran ? "not run" : r->oc.interrupted ? "stopped" : r->oc.passed ? "pass" : "FAIL";
            bool failed = judged && !r->oc.passed;
            printf("  %-8d %-6d %-7s %-7s %-5s %s%s%s%s\n", r->k, r->drawn.n, what, shr, runs,
                   failed ? r->oc.test : "", failed ? " -> " : "", r->repro[0] ? r->repro : "",
                   r->repro_err[0] ? r->repro_err : "");
            if (o->verbose) {
                char d[1024];
                describe(s, &r->drawn, d, sizeof d);
                printf("           drawn: %s\n", d);
                if (failed) {
                    describe(s, &r->shrunk, d, sizeof d);
                    printf("           shrunk: %s\n           %s\n", d, r->oc.message);
                }
            }
        }
        int maxn = 0, judged = 0;
        for (int i = 0; i < nr; i++) {
            bool ok = outcome_judged(&res[i].oc);
            judged += ok;
            if (ok && !res[i].oc.passed && res[i].shrunk.n > maxn)
                maxn = res[i].shrunk.n;
        }
        if (sweep_signal != 0)
            printf("sweep %s: stopped by %s: %d of %d schedule(s) ran to their end; the others are not judged\n",
                   s->name, sweep_signal == SIGINT ? "SIGINT" : sweep_signal == SIGTERM ? "SIGTERM" : "SIGHUP",
                   judged, nr);
        printf("sweep %s: %d of %d schedule(s) failed; %ld runs (%ld schedules, %ld shrinking and checking); "
               "largest shrunk schedule %d fault(s); %.2f s wall\n",
               s->name, failures, nr, sw.runs, first_runs, sw.runs - first_runs, maxn, wall);
    }

    if (o->junit != NULL) {
        junit_doc *j = junit_doc_new();
        char suite[96], cls[96], v[64], fw[1024];
        snprintf(suite, sizeof suite, "%s.sweep", s->name);
        snprintf(cls, sizeof cls, "linkrig.sweep.%s", s->name);
        if (j != NULL) {
            junit_suite_begin(j, suite, wall);
            junit_prop(j, "linkrig.version", LINKRIG_VERSION);
            junit_prop(j, "scenario", s->path);
            snprintf(v, sizeof v, "%" PRIu64, o->seed);
            junit_prop(j, "seed", v);
            snprintf(v, sizeof v, "%d", o->n);
            junit_prop(j, "schedules", v);
            junit_firmware_of(fw, sizeof fw, s, &o->run);
            junit_prop(j, "firmware", fw);
            for (int k = 0; k < o->run.nsets; k++)
                junit_prop(j, "set", o->run.sets[k]);
            if (o->shard_text != NULL)
                junit_prop(j, "shard", o->shard_text);
            for (int i = 0; i < nr; i++) {
                struct result *r = &res[i];
                char name[32], msg[800], text[3000], out[4600], d0[1024], d1[1024];
                snprintf(name, sizeof name, "schedule %d", r->k);
                describe(s, &r->drawn, d0, sizeof d0);
                if (!outcome_judged(&r->oc)) {
                    snprintf(msg, sizeof msg, "%s: the sweep was stopped by signal %d",
                             r->oc.ran ? "stopped before its end" : "not run", (int)sweep_signal);
                    junit_case_kind(j, cls, name, r->wall_s, JUNIT_SKIPPED, msg, d0, NULL);
                    continue;
                }
                if (r->oc.passed) {
                    junit_case(j, cls, name, r->wall_s, NULL, NULL, NULL);
                    continue;
                }
                describe(s, &r->shrunk, d1, sizeof d1);
                snprintf(msg, sizeof msg, "%s: %s", r->oc.test, r->oc.message);
                snprintf(text, sizeof text, "%s\ndrawn: %s\nshrunk to %d fault(s) in %d runs: %s\n%s", msg, d0,
                         r->shrunk.n, r->shrink_runs, d1, r->repro_err);
                out[0] = '\0';
                if (r->repro[0]) {
                    junit_shell_arg(out, sizeof out, o->program);
                    junit_shell_arg(out, sizeof out, "run");
                    junit_shell_arg(out, sizeof out, r->repro);
                }
                junit_case(j, cls, name, r->wall_s, msg, text, out);
            }
            char cmd[4096], n[32];
            cmd[0] = '\0';
            junit_shell_arg(cmd, sizeof cmd, o->program);
            junit_shell_arg(cmd, sizeof cmd, "sweep");
            snprintf(n, sizeof n, "%" PRIu64, o->seed);
            junit_shell_arg(cmd, sizeof cmd, "--seed");
            junit_shell_arg(cmd, sizeof cmd, n);
            snprintf(n, sizeof n, "%d", o->n);
            junit_shell_arg(cmd, sizeof cmd, "-n");
            junit_shell_arg(cmd, sizeof cmd, n);
            if (o->run.firmware) {
                junit_shell_arg(cmd, sizeof cmd, "--firmware");
                junit_shell_arg(cmd, sizeof cmd, o->run.firmware);
            }
            for (int k = 0; k < o->run.nsets; k++) {
                junit_shell_arg(cmd, sizeof cmd, "--set");
                junit_shell_arg(cmd, sizeof cmd, o->run.sets[k]);
            }
            if (o->shard_text) {
                junit_shell_arg(cmd, sizeof cmd, "--shard");
                junit_shell_arg(cmd, sizeof cmd, o->shard_text);
            }
            junit_shell_arg(cmd, sizeof cmd, s->path);
            junit_suite_end(j, cmd);
        }
        sim_err err = {0};
        if (junit_doc_write(j, o->junit, &err) != SIM_OK) {
            fprintf(stderr, "linkrig: %s\n", err.msg);
            status = 2;
        }
    }
    free(res);
    free(ptrs);
    free(ocs);
    free(cands);
    if (status != 0)
        return status;
    if (sweep_signal != 0)
        return 128 + sweep_signal; /* as run reports a stop (129 SIGHUP, 130 SIGINT, 143 SIGTERM) */
    return failures > 0 ? 1 : 0;
}
