#define _POSIX_C_SOURCE 200809L
#include "sim/clock.h"

#include <assert.h>
#include <stdlib.h>
#include <stdio.h>
#include <time.h>

struct sim_clock {
    sim_time now;
    double rate;          /* 0: free running */
    int64_t wall_anchor;  /* wall ns when pacing (re)started */
    sim_time virt_anchor; /* virtual ns at that moment */
    sim_idle_fn idle;
    void *idle_ctx;
};

static int64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

sim_clock *sim_clock_create(void)
{
    return calloc(1, sizeof(sim_clock));
}

void sim_clock_destroy(sim_clock *c)
{
    free(c);
}

sim_time sim_clock_now(const sim_clock *c)
{
    return c->now;
}

void sim_clock_set_pacing(sim_clock *c, double rate)
{
    c->rate = rate > 0 ? rate : 0;
    /* Re-anchor so that switching pacing on mid-run does not try to "catch
     * up" on all the virtual time that has already passed. */
    c->wall_anchor = wall_ns();
    c->virt_anchor = c->now;
}

bool sim_clock_pacing(const sim_clock *c)
{
    return c->rate > 0;
}

void sim_clock_set_idle(sim_clock *c, sim_idle_fn fn, void *ctx)
{
    c->idle = fn;
    c->idle_ctx = ctx;
}

int sim_clock_wait_until(sim_clock *c, sim_time t)
{
    if (c->rate <= 0)
        return 0;
    /* Wall time grows as virtual time over the rate: a slow rate over a long
     * run exceeds int64_t nanoseconds (about 292 years). Such a wait is
     * capped there: it never ends in practice, but it is defined behaviour
     * and the idle hook and signals still run. */
    double span = (double)(t - c->virt_anchor) / c->rate;
    const double cap = 4e18; /* < INT64_MAX - any monotonic clock reading */
    int64_t step = span >= cap ? (int64_t)cap : span <= 0 ? 0 : (int64_t)span;
    int64_t due = c->wall_anchor > INT64_MAX - step ? INT64_MAX : c->wall_anchor + step;
    for (;;) {
        int64_t left = due - wall_ns();
        if (left <= 0)
            return 0;
        if (c->idle != NULL) {
            if (c->idle(c->idle_ctx, left))
                return 1;
        } else {
            struct timespec ts = {.tv_sec = left / 1000000000, .tv_nsec = left % 1000000000};
            nanosleep(&ts, NULL);
        }
    }
}

void sim_clock_set(sim_clock *c, sim_time t)
{
    assert(t >= c->now);
    c->now = t;
}

int sim_time_parse(const char *text, sim_time *out)
{
    static const struct {
        const char *unit;
        sim_time ns;
    } units[] = {{"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000},
                 {"m", 60LL * 1000000000}, {"h", 3600LL * 1000000000}, {"d", 86400LL * 1000000000}};
    const char *p = text;
    sim_time total = 0;
    bool any = false;
    if (p == NULL || *p == '\0')
        return -1;
    while (*p) {
        /* digits with an optional fraction */
        int64_t whole = 0;
        int64_t frac = 0, frac_div = 1;
        bool digits = false;
        while (*p >= '0' && *p <= '9') {
            if (whole > INT64_MAX / 10 - 9)
                return SIM_TIME_RANGE;
            whole = whole * 10 + (*p++ - '0');
            digits = true;
        }
        if (*p == '.') {
            p++;
            while (*p >= '0' && *p <= '9') {
                if (frac_div < 1000000000000000LL) {
                    frac = frac * 10 + (*p - '0');
                    frac_div *= 10;
                }
                p++;
                digits = true;
            }
        }
        if (!digits)
            return -1;
        sim_time unit = -1;
        size_t ulen = 0;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
            size_t n = 0;
            while (units[i].unit[n] && p[n] == units[i].unit[n])
                n++;
            /* longest match wins: "ms" over "m" */
            if (units[i].unit[n] == '\0' && n > ulen && !(p[n] >= 'a' && p[n] <= 'z')) {
                unit = units[i].ns;
                ulen = n;
            }
        }
        if (ulen == 0) {
            if (*p != '\0' || any)
                return -1;
            unit = 1000000000; /* bare number: seconds */
        }
        if (whole > INT64_MAX / unit)
            return SIM_TIME_RANGE;
        /* frac < frac_div, so this is below unit (at most a day in ns) */
        sim_time fpart = (sim_time)((double)frac / (double)frac_div * (double)unit);
        if (whole * unit > INT64_MAX - fpart)
            return SIM_TIME_RANGE;
        sim_time part = whole * unit + fpart;
        if (total > INT64_MAX - part)
            return SIM_TIME_RANGE;
        total += part;
        any = true;
        p += ulen;
    }
    *out = total;
    return 0;
}

char *sim_time_format(sim_time t, char *buf, size_t len)
{
    const char *sign = t < 0 ? "-" : "";
    if (t < 0)
        t = -t;
    int64_t h = t / (3600LL * 1000000000);
    int64_t m = t / (60LL * 1000000000) % 60;
    int64_t s = t / 1000000000 % 60;
    int64_t ms = t / 1000000 % 1000;
    if (h > 0)
        snprintf(buf, len, "%s%lldh%02lldm%02lld.%03llds", sign, (long long)h, (long long)m, (long long)s, (long long)ms);
    else if (m > 0)
        snprintf(buf, len, "%s%lldm%02lld.%03llds", sign, (long long)m, (long long)s, (long long)ms);
    else
        snprintf(buf, len, "%s%lld.%03llds", sign, (long long)s, (long long)ms);
    return buf;
}
