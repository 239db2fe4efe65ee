/* The upload log (sim/upload_log.h) answers exactly as a full list of the
 * uploads would, from every time it was told of in time, on random runs
 * with overlapping uploads; and a device uploading one connection at a
 * time for days keeps a few items, not one per upload. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "sim/upload_log.h"

struct up {
    sim_time t, a;
};

/* ---- the reference: every upload kept, the verdict's former loops ---- */

static sim_time ref_first_from(const struct up *u, size_t n, sim_time t)
{
    for (size_t i = 0; i < n; i++)
        if (u[i].t >= t)
            return u[i].t;
    return -1;
}

struct longest {
    sim_time len, from, to;
};

struct window {
    sim_time from, to;
};

/* As verdict.c's silence_outside: the parts of [a, b) outside the sorted,
 * disjoint windows. */
static void outside(sim_time a, sim_time b, const struct window *w, size_t nw, struct longest *l)
{
    sim_time cur = a;
    for (size_t j = 0; j < nw && w[j].from < b; j++) {
        if (w[j].to <= a)
            continue;
        if (w[j].from > cur && w[j].from - cur > l->len)
            *l = (struct longest){w[j].from - cur, cur, w[j].from};
        if (w[j].to > cur)
            cur = w[j].to;
    }
    if (b > cur && b - cur > l->len)
        *l = (struct longest){b - cur, cur, b};
}

static void ref_silences(const struct up *u, size_t n, sim_time from, const struct window *w, size_t nw,
                         struct longest *gap, struct longest *out, sim_time *prev_out, size_t *used)
{
    sim_time prev = from;
    *used = 0;
    for (size_t i = 0; i < n; i++) {
        if (from >= 0 && u[i].a < from)
            continue;
        if (prev >= 0 && u[i].t - prev > gap->len)
            *gap = (struct longest){u[i].t - prev, prev, u[i].t};
        if (prev >= 0 && u[i].t > prev)
            outside(prev, u[i].t, w, nw, out);
        if (prev < 0 || u[i].a > prev)
            prev = u[i].a;
        (*used)++;
    }
    *prev_out = prev;
}

/* ---- the log's answers through the same consumers ---- */

struct consumer {
    struct longest gap, out;
    const struct window *w;
    size_t nw;
};

static void consume(void *ctx, sim_time prev, sim_time t)
{
    struct consumer *c = ctx;
    if (t - prev > c->gap.len)
        c->gap = (struct longest){t - prev, prev, t};
    if (t > prev)
        outside(prev, t, c->w, c->nw, &c->out);
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static sim_time below(sim_time n)
{
    return (sim_time)(next() % (uint64_t)n);
}

/* One random run: uploads on up to three connections at once, some long,
 * some inside others; marks now and ahead; then every question. */
static void one_run(void)
{
    upload_log *l = upload_log_create();
    assert_non_null(l);
    size_t cap = 4000, n = 0, nm = 0;
    struct up *u = calloc(cap, sizeof *u);
    sim_time *marks = calloc(cap, sizeof *marks);
    assert_non_null(u);
    assert_non_null(marks);
    marks[nm++] = 0;
    sim_time now = 0;
    struct up open[3] = {{-1, -1}, {-1, -1}, {-1, -1}};
    for (int step = 0; step < 1500 && n < cap && nm < cap; step++) {
        now += below(4) == 0 ? 0 : below(2000); /* several events at one instant too */
        upload_log_advance(l, now);
        int k = (int)below(3);
        switch (below(6)) {
        case 0: /* a reference time, now or ahead */
            marks[nm] = below(2) ? now : now + below(5000);
            assert_true(upload_log_mark(l, marks[nm]));
            nm++;
            break;
        case 1:
        case 2: /* connection k starts or goes on */
            if (open[k].t < 0)
                open[k] = (struct up){now, now};
            else
                open[k].a = now;
            break;
        default: /* connection k's upload ends (reported now) */
            if (open[k].t >= 0) {
                u[n++] = open[k];
                upload_log_add(l, now, open[k].t, open[k].a);
                open[k] = (struct up){-1, -1};
            }
        }
    }
    assert_int_equal(upload_log_count(l), (long long)n);
    sim_time earliest = -1;
    for (size_t i = 0; i < n; i++)
        if (earliest < 0 || u[i].t < earliest)
            earliest = u[i].t;
    assert_int_equal(upload_log_earliest(l), earliest);
    /* windows whose ends are marks, sorted and disjoint */
    struct window w[8];
    size_t nw = 0;
    sim_time lo = 0;
    for (int i = 0; i < 8 && nm > 2; i++) {
        sim_time a = marks[below((sim_time)nm)], b = marks[below((sim_time)nm)];
        if (a > b) {
            sim_time x = a;
            a = b;
            b = x;
        }
        if (a >= lo && b > a) {
            w[nw++] = (struct window){a, b};
            lo = b + 1;
        }
    }
    for (size_t m = 0; m <= nm; m++) {
        sim_time t = m < nm ? marks[m] : -1;
        if (t >= 0) {
            assert_true(upload_log_known(l, t));
            assert_int_equal(upload_log_first_from(l, t), ref_first_from(u, n, t));
        }
        struct longest rg = {-1, 0, 0}, ro = {0, 0, 0};
        sim_time rprev;
        size_t rused;
        ref_silences(u, n, t, w, nw, &rg, &ro, &rprev, &rused);
        struct consumer c = {.gap = {-1, 0, 0}, .w = w, .nw = nw};
        sim_time prev;
        size_t used;
        upload_log_silences(l, t, consume, &c, &prev, &used);
        assert_int_equal(prev, rprev);
        assert_int_equal(used, rused);
        assert_int_equal(c.gap.len, rg.len);
        assert_int_equal(c.gap.from, rg.from);
        assert_int_equal(c.gap.to, rg.to);
        if (t < 0) { /* the windows' question is asked over every upload */
            assert_int_equal(c.out.len, ro.len);
            assert_int_equal(c.out.from, ro.from);
            assert_int_equal(c.out.to, ro.to);
        }
    }
    free(u);
    free(marks);
    upload_log_free(l);
}

static void test_same_answers_as_the_full_list(void **state)
{
    (void)state;
    for (int i = 0; i < 300; i++)
        one_run();
}

/* A camera's day: an upload a second (60 ms of bytes), a reference time
 * every hour. The log keeps a handful of items per mark, not 86400. */
static void test_bounded_for_one_connection_at_a_time(void **state)
{
    (void)state;
    upload_log *l = upload_log_create();
    assert_non_null(l);
    for (sim_time s = 0; s < 86400; s++) {
        sim_time t = SIM_SEC(s) + SIM_MS(3);
        if (s % 3600 == 0)
            assert_true(upload_log_mark(l, SIM_SEC(s) + SIM_MS(500)));
        upload_log_add(l, t + SIM_MS(260), t, t + SIM_MS(60));
    }
    assert_int_equal(upload_log_count(l), 86400);
    assert_true(upload_log_items(l) < 24 * 4);
    upload_log_free(l);
}

/* A time told too late is not known: its answers would be guesses. */
static void test_late_mark_refused(void **state)
{
    (void)state;
    upload_log *l = upload_log_create();
    assert_non_null(l);
    upload_log_add(l, SIM_SEC(2), SIM_SEC(1), SIM_SEC(1));
    assert_false(upload_log_mark(l, SIM_SEC(1)));
    assert_false(upload_log_known(l, SIM_SEC(1)));
    assert_true(upload_log_known(l, SIM_SEC(3))); /* after everything: nothing from then on */
    assert_int_equal(upload_log_first_from(l, SIM_SEC(3)), -1);
    upload_log_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_answers_as_the_full_list),
        cmocka_unit_test(test_bounded_for_one_connection_at_a_time),
        cmocka_unit_test(test_late_mark_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
