/* Firmware tasks on virtual time: blocking-style code, HAL time, events,
 * determinism, and clear errors for bad use of the HAL. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "firmware_shim/board.h"
#include "hal.h"

struct rig {
    sim *s;
    board *b;
    char *trace_text;
    size_t trace_len;
    FILE *trace;
};

static void rig_up(struct rig *r, uint64_t seed, uint32_t ticks_start)
{
    memset(r, 0, sizeof *r);
    r->s = sim_create(&(sim_config){.seed = seed}, NULL);
    assert_non_null(r->s);
    r->trace = open_memstream(&r->trace_text, &r->trace_len);
    sim_trace_set_stream(sim_trace_of(r->s), r->trace);
    sim_trace_set_log(sim_trace_of(r->s), NULL, SIM_LOG_OFF);
    board_config cfg;
    board_config_default(&cfg);
    cfg.ticks_ms_start = ticks_start;
    cfg.drive_lwip_timers = false; /* these tests have no lwIP */
    sim_err err;
    r->b = board_create(r->s, &cfg, &err);
    assert_non_null(r->b);
}

static void rig_down(struct rig *r)
{
    board_destroy(r->b);
    sim_destroy(r->s);
    fclose(r->trace);
    free(r->trace_text);
}

static void spawn(struct rig *r, const char *name, hal_task_fn fn, void *arg)
{
    sim_err err;
    assert_int_equal(board_spawn(r->b, name, fn, arg, 0, &err), SIM_OK);
}

/* ---- 24 hours in 100 ms steps ---- */

struct day {
    int32_t elapsed_ms;
    int done;
};

static int sleep_a_day(void *arg)
{
    struct day *d = arg;
    uint32_t start = hal_ticks_ms();
    for (int i = 0; i < 24 * 3600 * 10; i++)
        hal_sleep_ms(100);
    d->elapsed_ms = hal_ticks_diff(hal_ticks_ms(), start);
    d->done = 1;
    return 0;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_sleep_24h(void **state)
{
    (void)state;
    struct rig r;
    rig_up(&r, 1, 0);
    struct day d = {0};
    spawn(&r, "day", sleep_a_day, &d);
    double w0 = wall_now();
    assert_int_equal(sim_run_until(r.s, SIM_SEC(25 * 3600)), SIM_RUN_DONE);
    double wall = wall_now() - w0;
    assert_true(d.done);
    assert_int_equal(d.elapsed_ms, 86400000);
    board_stats st;
    board_get_stats(r.b, &st);
    assert_int_equal(st.tasks_done, 1);
    assert_int_equal(st.tasks_live, 0);
    /* "Far faster than real time": a bound no machine misses (100x), not a
     * benchmark — bench/ measures the real ratio. */
    print_message("24 h of virtual sleep in %.3f s of wall time (%.0fx real time)\n", wall, 86400.0 / wall);
    assert_true(wall < 864.0);
    rig_down(&r);
}

/* ---- two tasks interleave identically; the seed decides the trace ---- */

struct inter {
    char log[8192];
    size_t len;
};

struct worker {
    struct inter *in;
    char tag;
};

static int random_sleeper(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < 60; i++) {
        hal_sleep_ms(1 + hal_random_u32() % 40);
        w->in->len += (size_t)snprintf(w->in->log + w->in->len, sizeof w->in->log - w->in->len, "%c%u ",
                                       w->tag, (unsigned)hal_ticks_ms());
        HAL_TRACE("woke", HAL_STR("who", w->tag == 'A' ? "A" : "B"), HAL_INT("i", i));
    }
    return 0;
}

static void run_pair(uint64_t seed, struct inter *in, char **trace, size_t *trace_len)
{
    struct rig r;
    rig_up(&r, seed, 0);
    memset(in, 0, sizeof *in);
    struct worker a = {in, 'A'}, b = {in, 'B'};
    spawn(&r, "A", random_sleeper, &a);
    spawn(&r, "B", random_sleeper, &b);
    assert_int_equal(sim_run_until(r.s, SIM_SEC(10)), SIM_RUN_DONE);
    fflush(r.trace);
    *trace = malloc(r.trace_len + 1);
    memcpy(*trace, r.trace_text, r.trace_len + 1);
    *trace_len = r.trace_len;
    rig_down(&r);
}

static void test_interleave_deterministic(void **state)
{
    (void)state;
    struct inter x, y, z;
    char *tx, *ty, *tz;
    size_t lx, ly, lz;
    run_pair(7, &x, &tx, &lx);
    run_pair(7, &y, &ty, &ly);
    run_pair(8, &z, &tz, &lz);
    assert_true(x.len > 0);
    assert_string_equal(x.log, y.log);
    assert_int_equal(lx, ly);
    assert_memory_equal(tx, ty, lx);
    assert_true(lx > 1000);
    /* the seed matters, and the tasks really interleave */
    assert_string_not_equal(x.log, z.log);
    assert_non_null(strstr(x.log, "A"));
    int switches = 0;
    for (char *p = x.log, *q; (q = strchr(p, ' ')) != NULL && q[1]; p = q + 1)
        switches += p[0] != q[1];
    assert_true(switches > 10);
    free(tx);
    free(ty);
    free(tz);
}

/* ---- events ---- */

struct evt {
    hal_event *ev;
    int r1, r2, r3;
    sim_time t1, t2, t3;
    sim *s;
};

static int waiter(void *arg)
{
    struct evt *e = arg;
    e->r1 = hal_event_wait(e->ev, 1000);
    e->t1 = sim_now(e->s);
    e->r2 = hal_event_wait(e->ev, HAL_WAIT_FOREVER);
    e->t2 = sim_now(e->s);
    hal_sleep_ms(1000); /* the setter sets it meanwhile: no block then */
    e->r3 = hal_event_wait(e->ev, 5000);
    e->t3 = sim_now(e->s);
    return 0;
}

static int setter(void *arg)
{
    struct evt *e = arg;
    hal_sleep_ms(1500);
    hal_event_set(e->ev);
    hal_sleep_ms(500);
    hal_event_set(e->ev);
    return 0;
}

static void test_events(void **state)
{
    (void)state;
    struct rig r;
    rig_up(&r, 1, 0);
    struct evt e = {.s = r.s};
    e.ev = hal_event_create();
    spawn(&r, "waiter", waiter, &e);
    spawn(&r, "setter", setter, &e);
    sim_run_until(r.s, SIM_SEC(10));
    assert_int_equal(e.r1, HAL_ETIMEDOUT);
    assert_int_equal(e.t1, SIM_MS(1000));
    assert_int_equal(e.r2, HAL_OK);
    assert_int_equal(e.t2, SIM_MS(1500));
    assert_int_equal(e.r3, HAL_OK);
    assert_int_equal(e.t3, SIM_MS(2500)); /* set at 2000 while sleeping */
    assert_false(hal_event_is_set(e.ev));
    hal_event_destroy(e.ev);
    rig_down(&r);
}

/* ---- bad use of the HAL: clear errors, no crash ---- */

static int misuse_rc;
static void sleep_in_callback(void *arg)
{
    (void)arg;
    misuse_rc = hal_sleep_ms(10);
}

static void test_sleep_outside_task(void **state)
{
    (void)state;
    struct rig r;
    rig_up(&r, 1, 0);
    /* from rig code */
    assert_int_equal(hal_sleep_ms(10), HAL_ENOTASK);
    assert_int_equal(hal_yield(), HAL_ENOTASK);
    /* from a driver-style callback into the firmware */
    misuse_rc = 0;
    assert_int_equal(board_call(r.b, sleep_in_callback, NULL), 0);
    assert_int_equal(misuse_rc, HAL_ENOTASK);
    hal_event *ev = hal_event_create();
    assert_int_equal(hal_event_wait(ev, 10), HAL_ENOTASK);
    hal_event_destroy(ev);
    board_stats st;
    board_get_stats(r.b, &st);
    assert_int_equal(st.hal_misuse, 4);
    fflush(r.trace);
    assert_non_null(strstr(r.trace_text, "\"event\":\"hal_misuse\",\"call\":\"hal_sleep\""));
    assert_non_null(strstr(r.trace_text, "called outside a task"));
    assert_int_equal(sim_now(r.s), 0); /* nothing slept */
    rig_down(&r);
}

static int after_failure_runs;

static int fails(void *arg)
{
    (void)arg;
    hal_sleep_ms(250);
    return -7;
}

static int keeps_going(void *arg)
{
    (void)arg;
    for (;;) {
        hal_sleep_ms(100);
        after_failure_runs++;
    }
    return 0;
}

static void test_task_error(void **state)
{
    (void)state;
    struct rig r;
    rig_up(&r, 1, 0);
    after_failure_runs = 0;
    spawn(&r, "uploader", fails, NULL);
    spawn(&r, "other", keeps_going, NULL);
    assert_int_equal(sim_run_until(r.s, SIM_SEC(10)), SIM_RUN_FAILED);
    assert_non_null(strstr(sim_failure(r.s), "task 'uploader' returned error -7"));
    assert_int_equal(sim_now(r.s), SIM_MS(250)); /* the run stopped there */
    assert_int_equal(after_failure_runs, 2);
    rig_down(&r);
}

static int reached_after_panic;

static int panics(void *arg)
{
    (void)arg;
    hal_sleep_ms(30);
    hal_panic("sensor %d not responding", 3);
    reached_after_panic = 1;
    return 0;
}

static void test_panic(void **state)
{
    (void)state;
    struct rig r;
    rig_up(&r, 1, 0);
    reached_after_panic = 0;
    spawn(&r, "sensor", panics, NULL);
    assert_int_equal(sim_run_until(r.s, SIM_SEC(1)), SIM_RUN_FAILED);
    assert_string_equal(sim_failure(r.s), "cam: panic in task 'sensor': sensor 3 not responding");
    assert_int_equal(reached_after_panic, 0);
    fflush(r.trace);
    assert_non_null(strstr(r.trace_text, "\"event\":\"fatal\""));
    rig_down(&r);
}

static void panic_in_callback(void *arg)
{
    (void)arg;
    hal_panic("driver state corrupt");
}

static void test_panic_in_callback(void **state)
{
    (void)state;
    struct rig r;
    rig_up(&r, 1, 0);
    assert_int_equal(board_call(r.b, panic_in_callback, NULL), -1);
    assert_true(sim_failed(r.s));
    assert_non_null(strstr(sim_failure(r.s), "panic in task '(callback)': driver state corrupt"));
    /* a dead device runs nothing more */
    assert_int_equal(board_call(r.b, panic_in_callback, NULL), -1);
    rig_down(&r);
}

static void test_no_app_main(void **state)
{
    (void)state;
    struct rig r;
    rig_up(&r, 1, 0);
    sim_err err = {0};
    assert_int_not_equal(board_power_on(r.b, &err), SIM_OK);
    assert_non_null(strstr(err.msg, "app_main"));
    /* a second board cannot take the same (static) image instance */
    board *again = board_create(r.s, NULL, &err);
    assert_null(again);
    assert_non_null(strstr(err.msg, "already attached to another device"));
    rig_down(&r);
}

/* ---- ticks: MicroPython semantics across the wrap ---- */

struct wrap {
    uint32_t t0, t1;
    int32_t diff, back;
};

static int across_wrap(void *arg)
{
    struct wrap *w = arg;
    w->t0 = hal_ticks_ms();
    hal_sleep_ms(1000);
    w->t1 = hal_ticks_ms();
    w->diff = hal_ticks_diff(w->t1, w->t0);
    w->back = hal_ticks_diff(w->t0, w->t1);
    return 0;
}

static void test_ticks_wrap(void **state)
{
    (void)state;
    assert_int_equal(hal_ticks_diff(0, HAL_TICKS_PERIOD - 1), 1);
    assert_int_equal(hal_ticks_diff(HAL_TICKS_PERIOD - 1, 0), -1);
    assert_int_equal(hal_ticks_add(HAL_TICKS_PERIOD - 1, 1), 0);
    assert_int_equal(hal_ticks_add(0, -1), HAL_TICKS_PERIOD - 1);
    assert_int_equal(hal_ticks_diff(HAL_TICKS_PERIOD / 2 - 1, 0), (int32_t)(HAL_TICKS_PERIOD / 2 - 1));
    assert_int_equal(hal_ticks_diff(HAL_TICKS_PERIOD / 2, 0), -(int32_t)(HAL_TICKS_PERIOD / 2));

    struct rig r;
    rig_up(&r, 1, HAL_TICKS_PERIOD - 400);
    struct wrap w = {0};
    spawn(&r, "wrap", across_wrap, &w);
    sim_run_until(r.s, SIM_SEC(2));
    assert_int_equal(w.t0, HAL_TICKS_PERIOD - 400);
    assert_int_equal(w.t1, 600);
    assert_int_equal(w.diff, 1000);
    assert_int_equal(w.back, -1000);
    assert_int_equal(hal_ticks_add(w.t0, 1000), w.t1);
    rig_down(&r);
}

/* ---- firmware starts its own tasks ---- */

static int child_ran;
static int child(void *arg)
{
    child_ran = *(int *)arg;
    return 0;
}

static int parent(void *arg)
{
    (void)arg;
    static int value = 5;
    hal_sleep_ms(10);
    return hal_task_create("child", child, &value, 32 * 1024);
}

static void test_task_create(void **state)
{
    (void)state;
    struct rig r;
    rig_up(&r, 1, 0);
    child_ran = 0;
    spawn(&r, "parent", parent, NULL);
    assert_int_equal(sim_run_until(r.s, SIM_SEC(1)), SIM_RUN_DONE);
    assert_int_equal(child_ran, 5);
    board_stats st;
    board_get_stats(r.b, &st);
    assert_int_equal(st.tasks_done, 2);
    rig_down(&r);
}

/* ---- the console: a UART ---- */

struct uart {
    int got[8];
    int rc_timeout, rc_long, rc_ok;
    char line[16];
    long long woke_ms;
};

static int uart_task(void *arg)
{
    struct uart *u = arg;
    hal_console_write("hello\r\nwor", 10);
    hal_console_printf("ld %d\n", 42);
    /* nothing there yet: a timeout after 5 ms of virtual time */
    u->rc_timeout = hal_console_getc(5000);
    /* blocks until the rig writes at 1 s */
    u->rc_long = hal_console_read_line(u->line, 4, HAL_WAIT_FOREVER); /* "toolong": refused whole */
    u->woke_ms = (long long)hal_ticks_ms();
    u->rc_ok = hal_console_read_line(u->line, sizeof u->line, 10000);
    return 0;
}

static void write_at_1s(void *arg)
{
    struct rig *r = arg;
    sim_err err;
    assert_int_equal(board_console_input(r->b, "toolong", &err), SIM_OK);
    assert_int_equal(board_console_input(r->b, "ok go", &err), SIM_OK);
    assert_int_equal(board_console_input(r->b, "bad\tline", &err), SIM_EINVAL);
}

static void test_console(void **state)
{
    (void)state;
    struct rig r;
    rig_up(&r, 1, 0);
    struct uart u;
    memset(&u, 0, sizeof u);
    spawn(&r, "uart", uart_task, &u);
    sim_at(r.s, SIM_SEC(1), write_at_1s, &r);
    sim_run_until(r.s, SIM_SEC(5));
    assert_int_equal(u.rc_timeout, HAL_ETIMEDOUT);
    assert_int_equal(u.rc_long, HAL_EINVAL);
    assert_int_equal(u.woke_ms, 1000);
    assert_int_equal(u.rc_ok, 5);
    assert_string_equal(u.line, "ok go");
    fflush(r.trace);
    assert_non_null(strstr(r.trace_text, "\"comp\":\"cam.console\",\"event\":\"out\",\"line\":\"hello\""));
    assert_non_null(strstr(r.trace_text, "\"comp\":\"cam.console\",\"event\":\"out\",\"line\":\"world 42\""));
    assert_non_null(strstr(r.trace_text, "\"comp\":\"cam.console\",\"event\":\"in\",\"line\":\"ok go\""));
    /* a full receive buffer refuses a line whole */
    sim_err err;
    char big[200];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    int n = 0;
    while (board_console_input(r.b, big, &err) == SIM_OK)
        n++;
    assert_int_equal(n, HAL_CONSOLE_RX_BYTES / (int)sizeof big);
    assert_int_equal(err.code, SIM_ELIMIT);
    assert_non_null(strstr(err.msg, "has not read its console"));
    rig_down(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sleep_24h),
        cmocka_unit_test(test_interleave_deterministic),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_sleep_outside_task),
        cmocka_unit_test(test_task_error),
        cmocka_unit_test(test_panic),
        cmocka_unit_test(test_panic_in_callback),
        cmocka_unit_test(test_no_app_main),
        cmocka_unit_test(test_ticks_wrap),
        cmocka_unit_test(test_task_create),
        cmocka_unit_test(test_console),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
