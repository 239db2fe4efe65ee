/* Scheduler: ordering, same-instant FIFO, cancel, periodic, 1e6 timers,
 * and callbacks that change the queue checked against a model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/sim.h"

struct log {
    int ids[64];
    sim_time at[64];
    int n;
    sim *s;
};

struct tag {
    struct log *log;
    int id;
};

static void record(void *arg)
{
    struct tag *t = arg;
    if (t->log->n < 64) {
        t->log->ids[t->log->n] = t->id;
        t->log->at[t->log->n] = sim_now(t->log->s);
        t->log->n++;
    }
}

static sim *new_sim(void)
{
    sim_config cfg = {.seed = 1};
    sim *s = sim_create(&cfg, NULL);
    assert_non_null(s);
    sim_trace_set_log(sim_trace_of(s), NULL, SIM_LOG_OFF);
    return s;
}

static void test_ordering_by_time(void **state)
{
    (void)state;
    sim *s = new_sim();
    struct log log = {.s = s};
    struct tag tags[5];
    const sim_time when[5] = {SIM_MS(50), SIM_MS(10), SIM_MS(40), SIM_MS(20), SIM_MS(30)};
    for (int i = 0; i < 5; i++) {
        tags[i] = (struct tag){&log, i};
        sim_at(s, when[i], record, &tags[i]);
    }
    assert_int_equal(sim_run_until(s, SIM_SEC(1)), SIM_RUN_DONE);
    assert_int_equal(log.n, 5);
    const int order[5] = {1, 3, 4, 2, 0};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(log.ids[i], order[i]);
        assert_int_equal(log.at[i], when[order[i]]);
    }
    /* the run ends at its end time even though the last event was earlier */
    assert_int_equal(sim_now(s), SIM_SEC(1));
    sim_destroy(s);
}

static void test_same_instant_fifo(void **state)
{
    (void)state;
    sim *s = new_sim();
    struct log log = {.s = s};
    struct tag tags[20];
    for (int i = 0; i < 20; i++) {
        tags[i] = (struct tag){&log, i};
        sim_at(s, SIM_MS(7), record, &tags[i]);
    }
    sim_run_until(s, SIM_MS(7));
    assert_int_equal(log.n, 20);
    for (int i = 0; i < 20; i++)
        assert_int_equal(log.ids[i], i);
    sim_destroy(s);
}

/* An event scheduled "now" from inside a callback runs after everything
 * already queued for this instant. */
struct chain {
    struct log *log;
    struct tag later;
};
static void schedule_more(void *arg)
{
    struct chain *c = arg;
    sim_after(c->log->s, 0, record, &c->later);
}

static void test_same_instant_from_callback(void **state)
{
    (void)state;
    sim *s = new_sim();
    struct log log = {.s = s};
    struct chain c = {&log, {&log, 99}};
    struct tag t1 = {&log, 1}, t2 = {&log, 2};
    sim_at(s, SIM_MS(5), schedule_more, &c);
    sim_at(s, SIM_MS(5), record, &t1);
    sim_at(s, SIM_MS(5), record, &t2);
    sim_run_until(s, SIM_MS(5));
    assert_int_equal(log.n, 3);
    assert_int_equal(log.ids[0], 1);
    assert_int_equal(log.ids[1], 2);
    assert_int_equal(log.ids[2], 99);
    sim_destroy(s);
}

static void test_cancel(void **state)
{
    (void)state;
    sim *s = new_sim();
    struct log log = {.s = s};
    struct tag tags[10];
    sim_timer_id ids[10];
    for (int i = 0; i < 10; i++) {
        tags[i] = (struct tag){&log, i};
        ids[i] = sim_at(s, SIM_MS(10 * (i + 1)), record, &tags[i]);
        assert_true(ids[i] != 0);
    }
    for (int i = 0; i < 10; i += 2)
        assert_true(sim_cancel(s, ids[i]));
    assert_false(sim_cancel(s, ids[0])); /* twice: no-op */
    assert_false(sim_cancel(s, 0));
    assert_false(sim_cancel(s, (sim_timer_id)0xdead00000001ull)); /* never issued */
    assert_int_equal(sim_sched_count(sim_sched_of(s)), 5);
    assert_int_equal(sim_events_fired(s), 0);
    sim_run_until(s, SIM_SEC(1));
    assert_int_equal(log.n, 5);
    /* the work count has the fired, not the cancelled */
    assert_int_equal(sim_events_fired(s), 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(log.ids[i], 2 * i + 1);
    /* a fired timer's id stays dead even after its slot is reused */
    assert_false(sim_cancel(s, ids[1]));
    struct tag t = {&log, 42};
    sim_timer_id fresh = sim_after(s, SIM_MS(1), record, &t);
    assert_true(fresh != ids[1]);
    assert_false(sim_cancel(s, ids[1]));
    assert_true(sim_sched_pending(sim_sched_of(s), fresh));
    sim_destroy(s);
}

struct periodic {
    sim *s;
    sim_timer_id id;
    sim_time at[16];
    int n;
    int stop_after;
};

static void tick(void *arg)
{
    struct periodic *p = arg;
    p->at[p->n++] = sim_now(p->s);
    if (p->n == p->stop_after)
        assert_true(sim_cancel(p->s, p->id)); /* cancel itself from its callback */
}

static void test_periodic(void **state)
{
    (void)state;
    sim *s = new_sim();
    struct periodic p = {.s = s, .stop_after = 5};
    p.id = sim_every(s, SIM_MS(100), SIM_MS(250), tick, &p);
    sim_run_until(s, SIM_SEC(10));
    assert_int_equal(p.n, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(p.at[i], SIM_MS(100) + i * SIM_MS(250));
    assert_false(sim_sched_pending(sim_sched_of(s), p.id));
    assert_int_equal(sim_sched_count(sim_sched_of(s)), 0);

    /* cancelled from outside between runs */
    struct periodic q = {.s = s, .stop_after = 1000};
    q.id = sim_every(s, 0, SIM_SEC(1), tick, &q);
    sim_run_until(s, SIM_SEC(13));
    assert_int_equal(q.n, 4); /* 10, 11, 12, 13 s */
    assert_true(sim_cancel(s, q.id));
    sim_run_until(s, SIM_SEC(20));
    assert_int_equal(q.n, 4);
    sim_destroy(s);
}

struct many {
    sim *s;
    sim_time last;
    uint64_t last_seq_at_time;
    uint64_t fired;
    int disorder;
};

struct many_tag {
    struct many *m;
    uint64_t seq; /* order of scheduling */
};

static void many_cb(void *arg)
{
    struct many_tag *t = arg;
    struct many *m = t->m;
    sim_time now = sim_now(m->s);
    if (now < m->last)
        m->disorder++;
    else if (now == m->last && m->fired > 0 && t->seq < m->last_seq_at_time)
        m->disorder++; /* same instant but not FIFO */
    m->last = now;
    m->last_seq_at_time = t->seq;
    m->fired++;
}

static void test_million_timers(void **state)
{
    (void)state;
    enum { N = 1000000 };
    sim *s = new_sim();
    sim_rng *rng = sim_rng_stream(s, "test");
    struct many m = {.s = s};
    struct many_tag *tags = malloc(N * sizeof *tags);
    sim_timer_id *ids = malloc(N * sizeof *ids);
    assert_non_null(tags);
    assert_non_null(ids);
    /* Few distinct instants, so many ties exercise the FIFO rule. */
    for (uint64_t i = 0; i < N; i++) {
        tags[i] = (struct many_tag){&m, i};
        ids[i] = sim_at(s, SIM_MS(sim_rng_below(rng, 5000)), many_cb, &tags[i]);
    }
    assert_int_equal(sim_sched_count(sim_sched_of(s)), N);
    /* cancel every third one */
    uint64_t cancelled = 0;
    for (uint64_t i = 0; i < N; i += 3) {
        assert_true(sim_cancel(s, ids[i]));
        cancelled++;
    }
    sim_run_until(s, SIM_SEC(10));
    assert_int_equal(m.fired, N - cancelled);
    assert_int_equal(m.disorder, 0);
    assert_int_equal(sim_sched_count(sim_sched_of(s)), 0);
    free(tags);
    free(ids);
    sim_destroy(s);
}

static void stop_cb(void *arg)
{
    sim_stop(arg);
}

static void test_stop_and_resume(void **state)
{
    (void)state;
    sim *s = new_sim();
    struct log log = {.s = s};
    struct tag t1 = {&log, 1}, t2 = {&log, 2};
    sim_at(s, SIM_MS(10), record, &t1);
    sim_at(s, SIM_MS(10), stop_cb, s);
    sim_at(s, SIM_MS(20), record, &t2);
    assert_int_equal(sim_run_until(s, SIM_SEC(1)), SIM_RUN_STOPPED);
    assert_int_equal(log.n, 1);
    assert_int_equal(sim_now(s), SIM_MS(10));
    assert_int_equal(sim_run_until(s, SIM_SEC(1)), SIM_RUN_DONE);
    assert_int_equal(log.n, 2);
    sim_destroy(s);
}

/* sim_reschedule is cancel + add in one step: a random mix of timers
 * (ties at the same instants, deadlines in the past, timers that already
 * fired, a periodic one) runs in the same order either way. */
struct resched_world {
    sim *s;
    struct log log;
    struct tag tags[32];
    sim_timer_id ids[32];
};

static void resched_run(struct resched_world *w, bool in_place)
{
    uint32_t x = 12345;
    w->s = new_sim();
    w->log = (struct log){.s = w->s};
    for (int i = 0; i < 32; i++) {
        w->tags[i] = (struct tag){&w->log, i};
        x = x * 1103515245u + 12345u;
        if (i == 31)
            w->ids[i] = sim_every(w->s, SIM_MS(3), SIM_MS(5), record, &w->tags[i]);
        else
            w->ids[i] = sim_at(w->s, SIM_MS((x >> 16) % 8), record, &w->tags[i]);
    }
    for (int round = 0; round < 40; round++) {
        for (int k = 0; k < 3; k++) {
            x = x * 1103515245u + 12345u;
            int i = (int)((x >> 16) % 32);
            x = x * 1103515245u + 12345u;
            sim_time when = sim_now(w->s) + SIM_MS((x >> 16) % 6) - SIM_MS(1);
            if (in_place) {
                w->ids[i] = sim_reschedule(w->s, w->ids[i], when, record, &w->tags[i]);
            } else {
                sim_cancel(w->s, w->ids[i]);
                w->ids[i] = sim_at(w->s, when, record, &w->tags[i]);
            }
        }
        sim_run_until(w->s, sim_now(w->s) + SIM_MS(1));
    }
}

static void test_reschedule_is_cancel_and_add(void **state)
{
    (void)state;
    static struct resched_world a, b;
    resched_run(&a, false);
    resched_run(&b, true);
    assert_int_equal(a.log.n, 64);
    assert_int_equal(b.log.n, a.log.n);
    for (int i = 0; i < a.log.n; i++) {
        assert_int_equal(b.log.ids[i], a.log.ids[i]);
        assert_int_equal(b.log.at[i], a.log.at[i]);
    }
    /* the id of a pending one-shot timer stays valid: it can be cancelled */
    sim_timer_id id = sim_at(b.s, sim_now(b.s) + SIM_MS(10), record, &b.tags[0]);
    sim_timer_id again = sim_reschedule(b.s, id, sim_now(b.s) + SIM_MS(20), record, &b.tags[0]);
    assert_true(again == id);
    assert_true(sim_cancel(b.s, again));
    assert_false(sim_sched_pending(sim_sched_of(b.s), again));
    sim_destroy(a.s);
    sim_destroy(b.s);
}

/* Callbacks that add, cancel and move timers (periodic ones too, their own
 * included) and look at the queue while they run, checked step by step
 * against a plain model of the rule in sched.h: the smallest (time, order
 * of scheduling) runs next, a periodic timer is queued again after its
 * callback as if added then, and the running event is not pending. */
enum { MODEL_MAX = 256 };

struct model_ent {
    sim_time when, period;
    uint64_t seq;
    sim_timer_id id;
    bool pending, firing, cancelled;
};

struct model {
    sim *s;
    sim_rng *rng;
    struct model_ent e[MODEL_MAX];
    int tags[MODEL_MAX];
    int n;
    uint64_t seq;
    int fired, wrong;
    /* phased: the queue grows and shrinks by turns, across the sizes where
     * the scheduler changes its structure (sched.c: SORTED_MAX 24, SORTED_BACK
     * 12); rises and falls count the crossings seen */
    bool phased, high;
    int rises, falls;
};

static struct model *model_of; /* the test's own, for the callback */

static void model_cb(void *arg);

static int model_add(struct model *m, sim_time when, sim_time period)
{
    int i = -1;
    if (m->n < MODEL_MAX) {
        i = m->n++;
    } else {
        /* a slot whose timer is gone (fired, or cancelled and not running) */
        int k = (int)sim_rng_below(m->rng, MODEL_MAX);
        for (int j = 0; j < MODEL_MAX && i < 0; j++)
            if (!m->e[(k + j) % MODEL_MAX].pending && !m->e[(k + j) % MODEL_MAX].firing)
                i = (k + j) % MODEL_MAX;
        if (i < 0)
            return -1;
    }
    m->tags[i] = i;
    m->e[i] = (struct model_ent){.when = when, .period = period, .seq = m->seq++, .pending = true};
    m->e[i].id = period > 0 ? sim_every(m->s, when - sim_now(m->s), period, model_cb, &m->tags[i])
                            : sim_at(m->s, when, model_cb, &m->tags[i]);
    return i;
}

static int model_next(const struct model *m)
{
    int best = -1;
    for (int i = 0; i < m->n; i++)
        if (m->e[i].pending &&
            (best < 0 || m->e[i].when < m->e[best].when ||
             (m->e[i].when == m->e[best].when && m->e[i].seq < m->e[best].seq)))
            best = i;
    return best;
}

static int model_random_pending(struct model *m)
{
    int k = (int)sim_rng_below(m->rng, (uint64_t)m->n);
    for (int j = 0; j < m->n; j++) {
        int i = (k + j) % m->n;
        if (m->e[i].pending)
            return i;
    }
    return -1;
}

static void model_cb(void *arg)
{
    struct model *m = model_of;
    int me = *(int *)arg;
    sim_time now = sim_now(m->s);
    if (model_next(m) != me || m->e[me].when != now)
        m->wrong++;
    m->fired++;
    m->e[me].pending = false;
    m->e[me].firing = true;
    m->e[me].cancelled = false;
    /* phased: 300 events that add two timers more, then 300 that add none
     * and cancel instead */
    bool shrinking = m->phased && (m->fired / 300) % 2 == 1;
    for (int op = 0; op < (m->phased && !shrinking ? 5 : 3); op++) {
        uint64_t r = op >= 3 ? 1 : sim_rng_below(m->rng, 8);
        if (shrinking) /* cancels down to a few, then adds to keep them */
            r = sim_sched_count(sim_sched_of(m->s)) <= 3 ? 1 : r <= 2 ? 3 : r;
        sim_time when = now + SIM_MS((sim_time)sim_rng_below(m->rng, 4)); /* ties are common */
        if (r <= 2) {
            model_add(m, when, r == 0 ? SIM_MS(1 + (sim_time)sim_rng_below(m->rng, 3)) : 0);
        } else if (r == 3) {
            int i = model_random_pending(m);
            if (i >= 0) {
                if (!sim_cancel(m->s, m->e[i].id))
                    m->wrong++;
                m->e[i].pending = false;
            }
        } else if (r == 4) {
            int i = model_random_pending(m);
            if (i >= 0 && m->e[i].period == 0) {
                m->e[i].id = sim_reschedule(m->s, m->e[i].id, when, model_cb, &m->tags[i]);
                m->e[i].when = when;
                m->e[i].seq = m->seq++;
            }
        } else if (r == 5 && m->e[me].period > 0 && sim_rng_below(m->rng, 4) == 0) {
            sim_cancel(m->s, m->e[me].id); /* a periodic timer stops itself */
            m->e[me].cancelled = true;
        }
        /* what is pending, and the earliest of it, as the model says */
        int count = 0;
        for (int i = 0; i < m->n; i++)
            count += m->e[i].pending;
        if (sim_sched_count(sim_sched_of(m->s)) != (size_t)count)
            m->wrong++;
        sim_time w;
        int nx = model_next(m);
        bool any = sim_sched_peek(sim_sched_of(m->s), &w);
        if (any != (nx >= 0) || (any && w != m->e[nx].when))
            m->wrong++;
    }
    m->e[me].firing = false;
    if (m->e[me].period > 0 && !m->e[me].cancelled) {
        m->e[me].when = now + m->e[me].period;
        m->e[me].seq = m->seq++;
        m->e[me].pending = true;
    }
    size_t queued = sim_sched_count(sim_sched_of(m->s));
    if (!m->high && queued > 40) {
        m->high = true;
        m->rises++;
    } else if (m->high && queued < 6) {
        m->high = false;
        m->falls++;
    }
    if (m->fired == 50000)
        sim_stop(m->s);
}

static void run_model(bool phased)
{
    static struct model m;
    memset(&m, 0, sizeof m);
    m.phased = phased;
    m.s = new_sim();
    m.rng = sim_rng_stream(m.s, "model");
    model_of = &m;
    for (int i = 0; i < 12; i++)
        model_add(&m, SIM_MS((sim_time)sim_rng_below(m.rng, 3)), i % 4 == 0 ? SIM_MS(2) : 0);
    assert_int_equal(sim_run_until(m.s, SIM_SEC(3600)), SIM_RUN_STOPPED);
    assert_int_equal(m.fired, 50000);
    assert_int_equal(m.wrong, 0);
    if (phased) {
        print_message("queue swings: %d up past 40, %d down below 6\n", m.rises, m.falls);
        /* the structure changed both ways, many times */
        assert_true(m.rises >= 10);
        assert_true(m.falls >= 10);
    }
    sim_destroy(m.s);
}

static void test_callbacks_against_a_model(void **state)
{
    (void)state;
    run_model(false);
}

/* The same checks while the queue swings between a few timers and dozens. */
static void test_growing_and_shrinking_queue(void **state)
{
    (void)state;
    run_model(true);
}

static void test_time_parse(void **state)
{
    (void)state;
    sim_time t;
    assert_int_equal(sim_time_parse("30s", &t), 0);
    assert_int_equal(t, SIM_SEC(30));
    assert_int_equal(sim_time_parse("5m", &t), 0);
    assert_int_equal(t, SIM_SEC(300));
    assert_int_equal(sim_time_parse("2h", &t), 0);
    assert_int_equal(t, SIM_SEC(7200));
    assert_int_equal(sim_time_parse("1h30m", &t), 0);
    assert_int_equal(t, SIM_SEC(5400));
    assert_int_equal(sim_time_parse("250ms", &t), 0);
    assert_int_equal(t, SIM_MS(250));
    assert_int_equal(sim_time_parse("1.5s", &t), 0);
    assert_int_equal(t, SIM_MS(1500));
    assert_int_equal(sim_time_parse("12", &t), 0);
    assert_int_equal(t, SIM_SEC(12));
    assert_int_equal(sim_time_parse("100us", &t), 0);
    assert_int_equal(t, SIM_US(100));
    assert_int_equal(sim_time_parse("", &t), -1);
    assert_int_equal(sim_time_parse("-5s", &t), -1);
    assert_int_equal(sim_time_parse("5 s", &t), -1);
    assert_int_equal(sim_time_parse("5x", &t), -1);
    assert_int_equal(sim_time_parse("5sec", &t), -1);
    assert_int_equal(sim_time_parse("1m5", &t), -1);
    /* Durations that do not fit int64 nanoseconds are out of range, not
     * malformed; the fraction alone can push past the limit (issue 18). */
    assert_int_equal(sim_time_parse("99999999999999999999h", &t), SIM_TIME_RANGE);
    assert_int_equal(sim_time_parse("9223372036.9", &t), SIM_TIME_RANGE);
    assert_int_equal(sim_time_parse("9223372036s1s", &t), SIM_TIME_RANGE);
    assert_int_equal(sim_time_parse("106752d", &t), SIM_TIME_RANGE);
    assert_int_equal(sim_time_parse("9223372036.854775807", &t), 0);
    assert_int_equal(t, INT64_MAX);
    assert_int_equal(sim_time_parse("106751d", &t), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ordering_by_time),
        cmocka_unit_test(test_same_instant_fifo),
        cmocka_unit_test(test_same_instant_from_callback),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_periodic),
        cmocka_unit_test(test_million_timers),
        cmocka_unit_test(test_stop_and_resume),
        cmocka_unit_test(test_reschedule_is_cancel_and_add),
        cmocka_unit_test(test_callbacks_against_a_model),
        cmocka_unit_test(test_growing_and_shrinking_queue),
        cmocka_unit_test(test_time_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
