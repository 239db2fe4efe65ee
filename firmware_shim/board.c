/* The board: firmware tasks as fibers on virtual time, and the HAL.
 *
 * Tasks are ucontext fibers with mmap'd stacks behind a guard page. Only the
 * engine's own (main) context switches into a task, and a task only ever
 * switches back to the main context, so there is never a task-to-task switch
 * to reason about: every resumption is a scheduler event, ordered like any
 * other, which keeps runs deterministic.
 *
 * Under AddressSanitizer every switch is announced with the fiber API so that
 * ASan tracks which stack is live (DESIGN.md rule 2). */
#define _GNU_SOURCE
#include "firmware_shim/board.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "firmware_shim/lwip_port.h"

#if defined(__SANITIZE_ADDRESS__)
#define LINKRIG_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LINKRIG_ASAN 1
#endif
#endif

#ifdef LINKRIG_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define fiber_start(save, bottom, size) __sanitizer_start_switch_fiber((save), (bottom), (size))
#define fiber_finish(save, bottom, size) __sanitizer_finish_switch_fiber((save), (bottom), (size))
#define stack_unpoison(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define fiber_start(save, bottom, size) ((void)(save), (void)(bottom), (void)(size))
#define fiber_finish(save, bottom, size) ((void)(save), (void)(bottom), (void)(size))
#define stack_unpoison(p, n) ((void)(p), (void)(n))
#endif

#define DEFAULT_STACK (256 * 1024)
#define MIN_STACK (16 * 1024)

/* Task lifecycle (read as a table):
 *   NEW      --start event-->        RUNNING
 *   RUNNING  --sleep / wait-->       BLOCKED
 *   BLOCKED  --timer or event-->     RUNNING
 *   RUNNING  --returns-->            DONE   (nonzero return fails the run)
 *   RUNNING  --panic / lwIP assert-> FAILED (never resumed)           */
enum task_state { TASK_NEW, TASK_RUNNING, TASK_BLOCKED, TASK_DONE, TASK_FAILED };

struct task {
    board *b;
    char name[32];
    hal_task_fn fn;
    void *arg;
    ucontext_t ctx;
    void *map;
    size_t map_len;
    void *stack;
    size_t stack_size;
    enum task_state state;
    int rc;
    sim_timer_id wake;     /* sleep end or wait timeout */
    hal_event *waiting_on; /* non-NULL while queued on an event */
    bool timed_out;
    struct task *next_waiter;
    struct task *next;
    jmp_buf guard;
    void *asan_fake;
};

struct hal_event {
    board *b;
    bool set;
    struct task *head, *tail;
};

struct board {
    sim *sim;
    sim_trace *trace;
    sim_rng *rng;
    char name[32];
    board_config cfg;
    ucontext_t main_ctx;
    struct task *current;
    struct task *tasks;
    int call_depth;
    jmp_buf *call_guard;
    const void *main_bottom;
    size_t main_size;
    void *main_fake;
    sim_timer_id lwip_timer;
    sim_time lwip_due;
    board_stats stats;
    void *driver;
    void (*driver_free)(void *driver);
    void *eth_driver;
    void (*eth_driver_free)(void *driver);
    struct setting {
        char *key;
        char *value;
    } *settings;
    size_t nsettings;
};

static board *the_board;

void board_config_default(board_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->name = "fw";
    cfg->default_stack = DEFAULT_STACK;
    cfg->drive_lwip_timers = true;
}

board *board_current(void)
{
    return the_board;
}

const char *board_name(const board *b)
{
    return b->name;
}

sim *board_sim(board *b)
{
    return b->sim;
}

board *board_create(sim *s, const board_config *cfg, sim_err *err)
{
    if (the_board != NULL) {
        sim_err_set(err, SIM_ESTATE,
                    "a board already exists: one device per process (lwIP keeps global state)");
        return NULL;
    }
    int64_t due_ms;
    if (lwip_port_next_deadline(0, &due_ms)) {
        sim_err_set(err, SIM_ESTATE,
                    "lwIP was already booted in this process by an earlier board and cannot be "
                    "re-initialised: run each device in its own process");
        return NULL;
    }
    board *b = calloc(1, sizeof *b);
    if (b == NULL) {
        sim_err_set(err, SIM_ENOMEM, "out of memory creating the board");
        return NULL;
    }
    board_config def;
    board_config_default(&def);
    b->cfg = cfg ? *cfg : def;
    if (b->cfg.name == NULL)
        b->cfg.name = def.name;
    if (b->cfg.default_stack == 0)
        b->cfg.default_stack = DEFAULT_STACK;
    snprintf(b->name, sizeof b->name, "%s", b->cfg.name);
    b->sim = s;
    b->trace = sim_trace_of(s);
    b->rng = sim_rng_stream(s, "fw");
    b->lwip_due = -1;
    the_board = b;
    return b;
}

static void task_free(struct task *t)
{
    if (t->map != NULL) {
        stack_unpoison(t->stack, t->stack_size);
        munmap(t->map, t->map_len);
    }
    free(t);
}

static void task_unlink(board *b, struct task *t)
{
    for (struct task **p = &b->tasks; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            return;
        }
    }
}

static void event_remove_waiter(hal_event *ev, struct task *t)
{
    struct task *prev = NULL;
    for (struct task *w = ev->head; w; prev = w, w = w->next_waiter) {
        if (w != t)
            continue;
        if (prev)
            prev->next_waiter = w->next_waiter;
        else
            ev->head = w->next_waiter;
        if (ev->tail == w)
            ev->tail = prev;
        break;
    }
    t->next_waiter = NULL;
    t->waiting_on = NULL;
}

void board_destroy(board *b)
{
    if (b == NULL)
        return;
    while (b->tasks) {
        struct task *t = b->tasks;
        b->tasks = t->next;
        sim_cancel(b->sim, t->wake);
        if (t->waiting_on)
            event_remove_waiter(t->waiting_on, t);
        task_free(t);
    }
    sim_cancel(b->sim, b->lwip_timer);
    if (b->driver_free != NULL)
        b->driver_free(b->driver);
    if (b->eth_driver_free != NULL)
        b->eth_driver_free(b->eth_driver);
    for (size_t i = 0; i < b->nsettings; i++) {
        free(b->settings[i].key);
        free(b->settings[i].value);
    }
    free(b->settings);
    if (the_board == b)
        the_board = NULL;
    free(b);
}

/* ---- switching ---------------------------------------------------------- */

static void run_task(struct task *t)
{
    board *b = t->b;
    if (sim_failed(b->sim))
        return; /* the device is dead; nothing of it runs again */
    b->current = t;
    t->state = TASK_RUNNING;
    b->stats.switches++;
    fiber_start(&b->main_fake, t->stack, t->stack_size);
    swapcontext(&b->main_ctx, &t->ctx);
    fiber_finish(b->main_fake, NULL, NULL);
    b->current = NULL;
    if (t->state == TASK_DONE || t->state == TASK_FAILED) {
        task_unlink(b, t);
        b->stats.tasks_live--;
        b->stats.tasks_done++;
        task_free(t);
    }
    board_lwip_rearm(b);
}

/* Called on the task's own stack; returns when the task is resumed. */
static void task_switch_out(struct task *t)
{
    board *b = t->b;
    fiber_start(&t->asan_fake, b->main_bottom, b->main_size);
    swapcontext(&t->ctx, &b->main_ctx);
    fiber_finish(t->asan_fake, &b->main_bottom, &b->main_size);
}

static void task_entry(unsigned hi, unsigned lo)
{
    struct task *t = (struct task *)(((uintptr_t)hi << 32) | (uintptr_t)lo);
    board *b = t->b;
    fiber_finish(NULL, &b->main_bottom, &b->main_size);
    if (setjmp(t->guard) == 0) {
        sim_trace_rec *r = sim_trace_begin(b->trace, SIM_LOG_DEBUG, b->name, "task_start");
        sim_trace_str(r, "task", t->name);
        sim_trace_end(r);
        int rc = t->fn(t->arg);
        t->rc = rc;
        t->state = TASK_DONE;
        r = sim_trace_begin(b->trace, rc ? SIM_LOG_ERROR : SIM_LOG_DEBUG, b->name, "task_exit");
        sim_trace_str(r, "task", t->name);
        sim_trace_int(r, "rc", rc);
        sim_trace_end(r);
        if (rc != 0)
            sim_fail(b->sim, b->name, "firmware task '%s' returned error %d (%s)", t->name, rc,
                     hal_strerror(rc));
    } else {
        t->state = TASK_FAILED;
    }
    /* NULL: this fiber is finished, so ASan may drop its fake stack. */
    fiber_start(NULL, b->main_bottom, b->main_size);
    setcontext(&b->main_ctx);
    abort(); /* setcontext does not return */
}

static void start_cb(void *arg)
{
    struct task *t = arg;
    t->wake = 0;
    run_task(t);
}

static void wake_cb(void *arg)
{
    struct task *t = arg;
    t->wake = 0;
    if (t->waiting_on != NULL) {
        event_remove_waiter(t->waiting_on, t);
        t->timed_out = true;
    }
    run_task(t);
}

int board_spawn(board *b, const char *name, hal_task_fn fn, void *arg, size_t stack_bytes, sim_err *err)
{
    if (fn == NULL)
        return sim_err_set(err, SIM_EINVAL, "task '%s' has no function", name ? name : "?");
    if (stack_bytes == 0)
        stack_bytes = b->cfg.default_stack;
    if (stack_bytes < MIN_STACK)
        stack_bytes = MIN_STACK;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    stack_bytes = (stack_bytes + page - 1) / page * page;

    struct task *t = calloc(1, sizeof *t);
    if (t == NULL)
        return sim_err_set(err, SIM_ENOMEM, "out of memory creating task '%s'", name);
    t->map_len = stack_bytes + page;
    t->map = mmap(NULL, t->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (t->map == MAP_FAILED) {
        free(t);
        return sim_err_set(err, SIM_ENOMEM, "cannot map a %zu-byte stack for task '%s'", stack_bytes, name);
    }
    /* A guard page below the stack turns an overflow into a fault at the
     * overflowing frame instead of silent corruption of a neighbour. */
    mprotect(t->map, page, PROT_NONE);
    t->stack = (char *)t->map + page;
    t->stack_size = stack_bytes;
    t->b = b;
    snprintf(t->name, sizeof t->name, "%s", name ? name : "task");
    t->fn = fn;
    t->arg = arg;
    t->state = TASK_NEW;
    getcontext(&t->ctx);
    t->ctx.uc_stack.ss_sp = t->stack;
    t->ctx.uc_stack.ss_size = t->stack_size;
    t->ctx.uc_link = NULL;
    uintptr_t p = (uintptr_t)t;
    makecontext(&t->ctx, (void (*)(void))task_entry, 2, (unsigned)(p >> 32), (unsigned)(p & 0xffffffffu));
    t->next = b->tasks;
    b->tasks = t;
    b->stats.tasks_live++;
    t->wake = sim_after(b->sim, 0, start_cb, t);
    return SIM_OK;
}

/* Weak so that rigs without firmware (unit tests, benchmarks) still link;
 * board_power_on then says what is missing. */
#pragma weak app_main

static int main_task(void *arg)
{
    (void)arg;
    return app_main();
}

int board_power_on(board *b, sim_err *err)
{
    if (app_main == NULL)
        return sim_err_set(err, SIM_EINVAL, "the firmware defines no app_main(): nothing to run");
    return board_spawn(b, "main", main_task, NULL, 0, err);
}

/* ---- fatal errors and guarded calls -------------------------------------- */

_Noreturn static void board_fatal(board *b, const char *msg)
{
    sim_fail(b->sim, b->name, "%s", msg);
    if (b->call_depth > 0)
        longjmp(*b->call_guard, 1);
    if (b->current != NULL)
        longjmp(b->current->guard, 1);
    fprintf(stderr, "linkrig: fatal error outside the device's context: %s\n", msg);
    abort();
}

int board_call(board *b, void (*fn)(void *arg), void *arg)
{
    if (sim_failed(b->sim))
        return -1;
    jmp_buf guard;
    jmp_buf *saved_guard = b->call_guard;
    struct task *saved_current = b->current;
    int rc = 0;
    b->call_guard = &guard;
    b->call_depth++;
    b->current = NULL; /* callbacks are not tasks: they must not block */
    if (setjmp(guard) == 0)
        fn(arg);
    else
        rc = -1;
    b->call_depth--;
    b->call_guard = saved_guard;
    b->current = saved_current;
    if (rc != 0 && saved_current != NULL)
        longjmp(saved_current->guard, 1); /* the calling task dies with the device */
    if (saved_current == NULL)
        board_lwip_rearm(b);
    return rc;
}

static void lwip_timer_cb(void *arg)
{
    board *b = arg;
    b->lwip_timer = 0;
    b->lwip_due = -1;
    b->stats.lwip_timer_runs++;
    board_call(b, lwip_port_run_timers, NULL);
}

void board_lwip_rearm(board *b)
{
    if (!b->cfg.drive_lwip_timers || sim_failed(b->sim))
        return;
    int64_t now_ms = sim_now(b->sim) / 1000000;
    int64_t due_ms;
    sim_time due = -1;
    if (lwip_port_next_deadline(now_ms, &due_ms))
        due = SIM_MS(due_ms);
    if (due == b->lwip_due && (due < 0 || b->lwip_timer != 0))
        return;
    sim_cancel(b->sim, b->lwip_timer);
    b->lwip_timer = 0;
    b->lwip_due = due;
    if (due >= 0)
        b->lwip_timer = sim_at(b->sim, due, lwip_timer_cb, b);
}

int board_config_set(board *b, const char *key, const char *value, sim_err *err)
{
    if (key == NULL || *key == '\0' || value == NULL)
        return sim_err_set(err, SIM_EINVAL, "a setting needs a key and a value");
    for (size_t i = 0; i < b->nsettings; i++) {
        if (strcmp(b->settings[i].key, key) == 0) {
            char *v = strdup(value);
            if (v == NULL)
                return sim_err_set(err, SIM_ENOMEM, "out of memory");
            free(b->settings[i].value);
            b->settings[i].value = v;
            return SIM_OK;
        }
    }
    struct setting *n = realloc(b->settings, (b->nsettings + 1) * sizeof *n);
    if (n == NULL)
        return sim_err_set(err, SIM_ENOMEM, "out of memory");
    b->settings = n;
    n[b->nsettings].key = strdup(key);
    n[b->nsettings].value = strdup(value);
    if (n[b->nsettings].key == NULL || n[b->nsettings].value == NULL) {
        free(n[b->nsettings].key);
        free(n[b->nsettings].value);
        return sim_err_set(err, SIM_ENOMEM, "out of memory");
    }
    b->nsettings++;
    return SIM_OK;
}

static const char *setting(const board *b, const char *key)
{
    for (size_t i = 0; b != NULL && i < b->nsettings; i++)
        if (strcmp(b->settings[i].key, key) == 0)
            return b->settings[i].value;
    return NULL;
}

const char *hal_config_str(const char *key, const char *def)
{
    const char *v = setting(the_board, key);
    return v ? v : def;
}

long long hal_config_int(const char *key, long long def)
{
    const char *v = setting(the_board, key);
    if (v == NULL || *v == '\0')
        return def;
    char *end;
    long long n = strtoll(v, &end, 0);
    return *end == '\0' ? n : def;
}

void board_set_driver(board *b, void *driver, void (*free_fn)(void *driver))
{
    if (b->driver_free != NULL && b->driver != driver)
        b->driver_free(b->driver);
    b->driver = driver;
    b->driver_free = free_fn;
}

void *board_driver(board *b)
{
    return b->driver;
}

void board_set_eth_driver(board *b, void *driver, void (*free_fn)(void *driver))
{
    if (b->eth_driver_free != NULL && b->eth_driver != driver)
        b->eth_driver_free(b->eth_driver);
    b->eth_driver = driver;
    b->eth_driver_free = free_fn;
}

void *board_eth_driver(board *b)
{
    return b->eth_driver;
}

void board_get_stats(const board *b, board_stats *out)
{
    *out = b->stats;
}

/* ---- the HAL -------------------------------------------------------------- */

static struct task *require_task(board *b, const char *call)
{
    if (b == NULL) {
        fprintf(stderr, "linkrig: %s() called with no board powered on\n", call);
        return NULL;
    }
    if (b->current == NULL) {
        b->stats.hal_misuse++;
        sim_trace_rec *r = sim_trace_begin(b->trace, SIM_LOG_ERROR, b->name, "hal_misuse");
        sim_trace_str(r, "call", call);
        sim_trace_strf(r, "msg",
                       "%s() called outside a task (from a callback or rig code) would block "
                       "something that must not block; returned HAL_ENOTASK",
                       call);
        sim_trace_end(r);
        return NULL;
    }
    return b->current;
}

uint32_t hal_ticks_ms(void)
{
    board *b = the_board;
    if (b == NULL)
        return 0;
    uint64_t ms = (uint64_t)(sim_now(b->sim) / 1000000) + b->cfg.ticks_ms_start;
    return (uint32_t)(ms & (HAL_TICKS_PERIOD - 1));
}

uint32_t hal_ticks_us(void)
{
    board *b = the_board;
    if (b == NULL)
        return 0;
    uint64_t us = (uint64_t)(sim_now(b->sim) / 1000) + (uint64_t)b->cfg.ticks_ms_start * 1000;
    return (uint32_t)(us & (HAL_TICKS_PERIOD - 1));
}

uint32_t hal_ticks_add(uint32_t ticks, int32_t delta)
{
    return (uint32_t)((ticks + (uint32_t)delta) & (HAL_TICKS_PERIOD - 1));
}

int32_t hal_ticks_diff(uint32_t end, uint32_t start)
{
    /* MicroPython's ticks_diff: shift by half a period, wrap, shift back, so
     * the result lies in [-PERIOD/2, PERIOD/2). */
    uint32_t half = HAL_TICKS_PERIOD / 2;
    uint32_t d = ((end - start + half) & (HAL_TICKS_PERIOD - 1));
    return (int32_t)d - (int32_t)half;
}

static int block_current(board *b, struct task *t, sim_time timeout)
{
    t->timed_out = false;
    if (timeout >= 0)
        t->wake = sim_after(b->sim, timeout, wake_cb, t);
    t->state = TASK_BLOCKED;
    task_switch_out(t);
    return t->timed_out ? HAL_ETIMEDOUT : HAL_OK;
}

int hal_sleep_us(uint32_t us)
{
    board *b = the_board;
    struct task *t = require_task(b, "hal_sleep_us");
    if (t == NULL)
        return HAL_ENOTASK;
    block_current(b, t, SIM_US(us));
    return HAL_OK;
}

int hal_sleep_ms(uint32_t ms)
{
    board *b = the_board;
    struct task *t = require_task(b, "hal_sleep_ms");
    if (t == NULL)
        return HAL_ENOTASK;
    block_current(b, t, SIM_MS(ms));
    return HAL_OK;
}

int hal_yield(void)
{
    board *b = the_board;
    struct task *t = require_task(b, "hal_yield");
    if (t == NULL)
        return HAL_ENOTASK;
    block_current(b, t, 0);
    return HAL_OK;
}

hal_event *hal_event_create(void)
{
    hal_event *ev = calloc(1, sizeof *ev);
    if (ev != NULL)
        ev->b = the_board;
    return ev;
}

void hal_event_destroy(hal_event *ev)
{
    if (ev == NULL)
        return;
    while (ev->head)
        event_remove_waiter(ev, ev->head);
    free(ev);
}

static void event_resume_cb(void *arg)
{
    struct task *t = arg;
    t->wake = 0;
    run_task(t);
}

void hal_event_set(hal_event *ev)
{
    struct task *t = ev->head;
    if (t == NULL) {
        ev->set = true;
        return;
    }
    board *b = t->b;
    event_remove_waiter(ev, t);
    sim_cancel(b->sim, t->wake);
    t->timed_out = false;
    /* Resume through the scheduler, never by switching from here: set() may
     * run inside another task or a callback. */
    t->wake = sim_after(b->sim, 0, event_resume_cb, t);
}

void hal_event_clear(hal_event *ev)
{
    ev->set = false;
}

bool hal_event_is_set(const hal_event *ev)
{
    return ev->set;
}

int hal_event_wait(hal_event *ev, uint32_t timeout_ms)
{
    board *b = the_board;
    if (ev == NULL)
        return HAL_EINVAL;
    if (ev->set) {
        ev->set = false;
        return HAL_OK;
    }
    struct task *t = require_task(b, "hal_event_wait");
    if (t == NULL)
        return HAL_ENOTASK;
    if (timeout_ms == 0)
        return HAL_ETIMEDOUT;
    t->waiting_on = ev;
    t->next_waiter = NULL;
    if (ev->tail)
        ev->tail->next_waiter = t;
    else
        ev->head = t;
    ev->tail = t;
    return block_current(b, t, timeout_ms == HAL_WAIT_FOREVER ? -1 : SIM_MS(timeout_ms));
}

int hal_task_create(const char *name, hal_task_fn fn, void *arg, size_t stack_bytes)
{
    board *b = the_board;
    if (b == NULL)
        return HAL_EINVAL;
    sim_err err;
    int rc = board_spawn(b, name, fn, arg, stack_bytes, &err);
    if (rc != SIM_OK) {
        sim_trace_msg(b->trace, SIM_LOG_ERROR, b->name, "task_create_failed", "%s", err.msg);
        return rc == SIM_ENOMEM ? HAL_ENOMEM : HAL_EINVAL;
    }
    return HAL_OK;
}

uint32_t hal_random_u32(void)
{
    board *b = the_board;
    return b ? sim_rng_u32(b->rng) : 0;
}

static sim_log_level to_sim_level(hal_log_level l)
{
    switch (l) {
    case HAL_LOG_DEBUG: return SIM_LOG_DEBUG;
    case HAL_LOG_INFO: return SIM_LOG_INFO;
    case HAL_LOG_WARN: return SIM_LOG_WARN;
    default: return SIM_LOG_ERROR;
    }
}

void hal_log(hal_log_level level, const char *fmt, ...)
{
    board *b = the_board;
    if (b == NULL)
        return;
    sim_trace_rec *r = sim_trace_begin(b->trace, to_sim_level(level), b->name, "log");
    if (r == NULL)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sim_trace_str(r, "msg", msg);
    sim_trace_end(r);
}

void hal_trace(const char *event, const hal_field *fields, size_t nfields)
{
    board *b = the_board;
    if (b == NULL)
        return;
    sim_trace_rec *r = sim_trace_begin(b->trace, SIM_LOG_INFO, b->name, event);
    for (size_t i = 0; i < nfields; i++) {
        if (fields[i].str != NULL)
            sim_trace_str(r, fields[i].key, fields[i].str);
        else
            sim_trace_int(r, fields[i].key, fields[i].num);
    }
    sim_trace_end(r);
}

_Noreturn void hal_panic(const char *fmt, ...)
{
    board *b = the_board;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (b == NULL) {
        fprintf(stderr, "linkrig: hal_panic with no board: %s\n", msg);
        abort();
    }
    char full[640];
    snprintf(full, sizeof full, "panic in task '%s': %s", b->current ? b->current->name : "(callback)", msg);
    board_fatal(b, full);
}

_Noreturn void lwip_port_assert(const char *msg, const char *file, int line)
{
    board *b = the_board;
    /* Report lwIP's own path (from its "src/" on) so the message does not
     * depend on where the source was unpacked. */
    const char *p = strstr(file, "/src/");
    const char *shown = p ? p + 1 : file;
    char full[640];
    snprintf(full, sizeof full, "lwIP assertion \"%s\" failed at %s:%d (in %s)", msg, shown, line,
             b && b->current ? b->current->name : "a callback");
    if (b == NULL) {
        fprintf(stderr, "linkrig: %s\n", full);
        abort();
    }
    board_fatal(b, full);
}

void lwip_port_diag(const char *fmt, ...)
{
    board *b = the_board;
    if (b == NULL)
        return;
    sim_trace_rec *r = sim_trace_begin(b->trace, SIM_LOG_DEBUG, "lwip", "diag");
    if (r == NULL)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    sim_trace_str(r, "msg", msg);
    sim_trace_end(r);
}

const char *hal_strerror(int err)
{
    switch (err) {
    case HAL_OK: return "ok";
    case HAL_ENOTASK: return "blocking call outside a task";
    case HAL_ETIMEDOUT: return "timed out";
    case HAL_EINVAL: return "invalid argument";
    case HAL_ENOMEM: return "out of memory";
    default: return "firmware-defined error";
    }
}
