/* The board: firmware tasks as fibers on virtual time, and the HAL.
 *
 * Tasks are fibers (Boost.Context's fcontext: a switch is a few register
 * moves, no system call) with mmap'd stacks behind a guard page. Only the
 * engine's own (main) context switches into a task, and a task only ever
 * switches back to the main context, so there is never a task-to-task switch
 * to reason about: every resumption is a scheduler event, ordered like any
 * other, which keeps runs deterministic.
 *
 * Under AddressSanitizer every switch is announced with the fiber API so that
 * ASan tracks which stack is live (ARCHITECTURE.md rule 2). */
#define _GNU_SOURCE
#include "firmware_shim/board.h"
#include "firmware_shim/fcontext.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

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
    fcontext_t ctx; /* the suspended task */
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
    sim_time debt; /* chip-call time not yet spent: added to the next timed block */
    unsigned reads; /* clock reads since the task last blocked */
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
    char fw_comp[40]; /* "<name>.fw": the firmware's own words, never evidence */
    const linkrig_image *image;
    linkrig_board_ops ops;
    volatile sig_atomic_t in_rig; /* inside a HAL call: the watchdog waits */
    board_config cfg;
    fcontext_t main_ctx; /* the engine's side while a task runs */
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
    /* the console (hal.h): a UART's transmit line and receive buffer */
    char con_comp[48]; /* "<name>.console" */
    char tx[BOARD_CONSOLE_LINE];
    size_t txlen;
    unsigned char rx[HAL_CONSOLE_RX_BYTES];
    size_t rxhead, rxlen;
    hal_event rx_ev;
    board_console_fn con_fn;
    void *con_ctx;
};

/* An image linked into this executable (unit tests link the image glue
 * statically); NULL in the linkrig program, which loads images at run time. */
extern const linkrig_image linkrig_firmware_image __attribute__((weak));

static void watchdog_board_gone(board *b);
static void watchdog_arm(board *b);
static _Atomic(board *) crash_board; /* the board whose firmware code runs now */
static void crash_guard_install(void);
static void watchdog_progress(void);

void board_config_default(board_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->name = "cam";
    cfg->default_stack = DEFAULT_STACK;
    cfg->drive_lwip_timers = true;
    cfg->watchdog_ms = 10000;
}

const char *board_name(const board *b)
{
    return b->name;
}

sim *board_sim(board *b)
{
    return b->sim;
}

static void fill_ops(board *b);

board *board_create(sim *s, const board_config *cfg, sim_err *err)
{
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
    snprintf(b->fw_comp, sizeof b->fw_comp, "%s.fw", b->name);
    snprintf(b->con_comp, sizeof b->con_comp, "%s.console", b->name);
    b->rx_ev.b = b;
    b->sim = s;
    b->trace = sim_trace_of(s);
    b->rng = sim_rng_stream(s, b->fw_comp);
    b->lwip_due = -1;
    fill_ops(b);
    crash_guard_install();
    const linkrig_image *img = b->cfg.image ? b->cfg.image : &linkrig_firmware_image;
    if (img != NULL && board_load_image(b, img, err) != SIM_OK) {
        free(b);
        return NULL;
    }
    return b;
}

int board_load_image(board *b, const linkrig_image *img, sim_err *err)
{
    if (img->abi_version != LINKRIG_BOARD_ABI || img->size != sizeof *img)
        return sim_err_set(err, SIM_EINVAL,
                           "firmware image '%s' was built for board ABI %u (%u bytes); this linkrig speaks ABI %u "
                           "(%zu bytes): rebuild the image against this linkrig's package",
                           img->abi_version == LINKRIG_BOARD_ABI && img->name ? img->name : "?",
                           img->abi_version, img->size, LINKRIG_BOARD_ABI, sizeof *img);
    if (img->attach(&b->ops) != 0)
        return sim_err_set(err, SIM_ESTATE,
                           "firmware image '%s' is already attached to another device: each device needs its own "
                           "instance of the image",
                           img->name);
    if (img->lwip_next_deadline != NULL) {
        int64_t due_ms;
        if (img->lwip_next_deadline(0, &due_ms)) {
            img->detach();
            return sim_err_set(err, SIM_ESTATE,
                               "the lwIP of image '%s' was already booted by an earlier device and cannot be "
                               "re-initialised: load a fresh instance of the image",
                               img->name);
        }
    }
    b->image = img;
    return SIM_OK;
}

const linkrig_image *board_image(const board *b)
{
    return b->image;
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
    watchdog_board_gone(b);
    if (b->image != NULL)
        b->image->detach();
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
    t->reads = 0;
    b->stats.switches++;
    watchdog_arm(b);
    atomic_store_explicit(&crash_board, b, memory_order_relaxed);
    fiber_start(&b->main_fake, t->stack, t->stack_size);
    fcontext_transfer tr = jump_fcontext(t->ctx, t);
    t->ctx = tr.fctx;
    fiber_finish(b->main_fake, NULL, NULL);
    atomic_store_explicit(&crash_board, NULL, memory_order_relaxed);
    watchdog_arm(NULL);
    b->current = NULL;
    if (t->state == TASK_FAILED) {
        /* A watchdog stop longjmps out of the SIGALRM handler with the
         * signal still blocked; swapcontext used to restore the engine's
         * mask on the way back, fcontext keeps none, so unblock it here
         * for the next watchdog (only on this rare path: no system call
         * per switch). */
        sigset_t alrm;
        sigemptyset(&alrm);
        sigaddset(&alrm, SIGALRM);
        pthread_sigmask(SIG_UNBLOCK, &alrm, NULL);
    }
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
    fcontext_transfer tr = jump_fcontext(b->main_ctx, NULL);
    b->main_ctx = tr.fctx;
    fiber_finish(t->asan_fake, &b->main_bottom, &b->main_size);
}

static const char *hal_error_name(int err)
{
    switch (err) {
    case HAL_ENOTASK: return "blocking call outside a task";
    case HAL_ETIMEDOUT: return "timed out";
    case HAL_EINVAL: return "invalid argument";
    case HAL_ENOMEM: return "out of memory";
    default: return "firmware-defined error";
    }
}

static void task_entry(fcontext_transfer tr)
{
    struct task *t = tr.data;
    board *b = t->b;
    b->main_ctx = tr.fctx;
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
                     hal_error_name(rc));
    } else {
        t->state = TASK_FAILED;
    }
    /* NULL: this fiber is finished, so ASan may drop its fake stack. */
    fiber_start(NULL, b->main_bottom, b->main_size);
    jump_fcontext(b->main_ctx, NULL);
    abort(); /* a finished task is never resumed */
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
    /* The stack grows down from its top. */
    t->ctx = make_fcontext((char *)t->stack + t->stack_size, t->stack_size, task_entry);
    t->next = b->tasks;
    b->tasks = t;
    b->stats.tasks_live++;
    t->wake = sim_after(b->sim, 0, start_cb, t);
    return SIM_OK;
}

static int main_task(void *arg)
{
    board *b = arg;
    return b->image->app_main();
}

int board_power_on(board *b, sim_err *err)
{
    if (b->image == NULL)
        return sim_err_set(err, SIM_EINVAL, "device '%s' has no firmware image: nothing to run", b->name);
    if (b->image->app_main == NULL)
        return sim_err_set(err, SIM_EINVAL, "firmware image '%s' defines no app_main(): nothing to run",
                           b->image->name);
    return board_spawn(b, "main", main_task, b, 0, err);
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
    board *saved_crash = atomic_load_explicit(&crash_board, memory_order_relaxed);
    atomic_store_explicit(&crash_board, b, memory_order_relaxed);
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
    atomic_store_explicit(&crash_board, saved_crash, memory_order_relaxed);
    if (rc != 0 && saved_current != NULL)
        longjmp(saved_current->guard, 1); /* the calling task dies with the device */
    if (saved_current == NULL)
        board_lwip_rearm(b);
    return rc;
}

static void run_lwip_timers(void *arg)
{
    board *b = arg;
    b->image->lwip_run_timers();
}

static void lwip_timer_cb(void *arg)
{
    board *b = arg;
    b->lwip_timer = 0;
    b->lwip_due = -1;
    b->stats.lwip_timer_runs++;
    board_call(b, run_lwip_timers, b);
}

void board_lwip_rearm(board *b)
{
    if (!b->cfg.drive_lwip_timers || sim_failed(b->sim) || b->image == NULL ||
        b->image->lwip_next_deadline == NULL)
        return;
    int64_t now_ms = sim_now(b->sim) / 1000000;
    int64_t due_ms;
    sim_time due = -1;
    if (b->image->lwip_next_deadline(now_ms, &due_ms))
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

const char *board_config_get(const board *b, const char *key)
{
    for (size_t i = 0; i < b->nsettings; i++)
        if (strcmp(b->settings[i].key, key) == 0)
            return b->settings[i].value;
    return NULL;
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


/* ---- the HAL, as the rig's half of the image table ----------------------- */

/* Marks rig code running on a task's stack, so that the watchdog never stops
 * a task in the middle of the rig's own bookkeeping (it tries again later). */
#define RIG_ENTER(b) ((b)->in_rig++)
#define RIG_LEAVE(b) ((b)->in_rig--)

static struct task *require_task(board *b, const char *call)
{
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

/* A clock read by a task. Reading a timer costs a few tens of ns on a
 * board, so a task that busy-waits on the clock (`while (ticks_ms() <
 * deadline) {}`, the SDKs' busy_wait_us) still sees time pass there. The
 * rig charges nothing for the first reads of a time slice — ordinary code
 * reads the clock a few times per wake-up, and its timing stays exact —
 * and 1 us for each read after 64 in a row without blocking: the loop
 * advances the clock (without a switch while nothing else is due, else by
 * yielding for that microsecond), and the watchdog sees progress. Never
 * from a callback or from inside lwIP: lwIP reads sys_now, not these. */
static int block_current(board *b, struct task *t, sim_time timeout);

#define READS_FREE 64
#define READ_COST SIM_US(1)

static void clock_read(board *b)
{
    struct task *t = b->current;
    if (t == NULL || b->call_depth > 0 || ++t->reads <= READS_FREE || sim_failed(b->sim))
        return;
    if (sim_try_advance(b->sim, sim_now(b->sim) + READ_COST)) {
        watchdog_progress();
        return;
    }
    block_current(b, t, READ_COST);
}

static uint32_t op_ticks_ms(void *vb)
{
    board *b = vb;
    clock_read(b);
    uint64_t ms = (uint64_t)(sim_now(b->sim) / 1000000) + b->cfg.ticks_ms_start;
    return (uint32_t)(ms & (HAL_TICKS_PERIOD - 1));
}

static uint32_t op_ticks_us(void *vb)
{
    board *b = vb;
    clock_read(b);
    uint64_t us = (uint64_t)(sim_now(b->sim) / 1000) + (uint64_t)b->cfg.ticks_ms_start * 1000;
    return (uint32_t)(us & (HAL_TICKS_PERIOD - 1));
}

/* lwIP's sys_now: never a yield point (lwIP must not be re-entered). */
static int64_t op_now_ns(void *vb)
{
    board *b = vb;
    return sim_now(b->sim);
}

/* hal_time_us: a clock read like the ticks. */
static uint64_t op_time_us(void *vb)
{
    board *b = vb;
    clock_read(b);
    return (uint64_t)(sim_now(b->sim) / 1000);
}

/* timeout < 0: until an event. A timed block first spends the task's chip
 * debt: the host-interface time the chip calls since the last block cost. */
static int block_current(board *b, struct task *t, sim_time timeout)
{
    t->timed_out = false;
    if (timeout >= 0)
        t->wake = sim_after(b->sim, timeout + t->debt, wake_cb, t);
    t->debt = 0;
    t->state = TASK_BLOCKED;
    task_switch_out(t);
    return t->timed_out ? HAL_ETIMEDOUT : HAL_OK;
}

static int op_sleep_us(void *vb, uint64_t us)
{
    board *b = vb;
    struct task *t = require_task(b, "hal_sleep");
    if (t == NULL)
        return HAL_ENOTASK;
    /* Capped at 100 years of virtual time: no run is that long, and it keeps
     * the sum with the current time far from overflow. */
    if (us > (uint64_t)3155760000000000)
        us = (uint64_t)3155760000000000;
    block_current(b, t, SIM_US((int64_t)us));
    return HAL_OK;
}

static int op_yield(void *vb)
{
    board *b = vb;
    struct task *t = require_task(b, "hal_yield");
    if (t == NULL)
        return HAL_ENOTASK;
    block_current(b, t, 0);
    return HAL_OK;
}

void board_chip_cost(board *b, sim_time cost, bool may_yield)
{
    struct task *t = b->current;
    if (t == NULL || b->call_depth > 0 || sim_failed(b->sim))
        return; /* a callback cannot block: its calls cost nothing on the rig */
    if (!may_yield) {
        t->debt += cost;
        return;
    }
    /* Nothing would run before the call returns: spend the time without a
     * round trip through the scheduler (most status polls take this path). */
    if (sim_try_advance(b->sim, sim_now(b->sim) + cost + t->debt)) {
        t->debt = 0;
        watchdog_progress();
        return;
    }
    block_current(b, t, cost);
}

static hal_event *op_event_create(void *vb)
{
    hal_event *ev = calloc(1, sizeof *ev);
    if (ev != NULL)
        ev->b = vb;
    return ev;
}

static void op_event_destroy(void *vb, hal_event *ev)
{
    (void)vb;
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

static void op_event_set(void *vb, hal_event *ev)
{
    (void)vb;
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

static void op_event_clear(void *vb, hal_event *ev)
{
    (void)vb;
    ev->set = false;
}

static bool op_event_is_set(void *vb, const hal_event *ev)
{
    (void)vb;
    return ev->set;
}

/* timeout < 0: none. */
static int event_wait(board *b, hal_event *ev, sim_time timeout, const char *call)
{
    if (ev->set) {
        ev->set = false;
        return HAL_OK;
    }
    struct task *t = require_task(b, call);
    if (t == NULL)
        return HAL_ENOTASK;
    if (timeout == 0)
        return HAL_ETIMEDOUT;
    t->waiting_on = ev;
    t->next_waiter = NULL;
    if (ev->tail)
        ev->tail->next_waiter = t;
    else
        ev->head = t;
    ev->tail = t;
    return block_current(b, t, timeout);
}

static int op_event_wait(void *vb, hal_event *ev, uint32_t timeout_ms)
{
    return event_wait(vb, ev, timeout_ms == HAL_WAIT_FOREVER ? -1 : SIM_MS(timeout_ms), "hal_event_wait");
}

static int op_task_create(void *vb, const char *name, hal_task_fn fn, void *arg, size_t stack_bytes)
{
    board *b = vb;
    sim_err err;
    int rc = board_spawn(b, name, fn, arg, stack_bytes, &err);
    if (rc != SIM_OK) {
        sim_trace_msg(b->trace, SIM_LOG_ERROR, b->name, "task_create_failed", "%s", err.msg);
        return rc == SIM_ENOMEM ? HAL_ENOMEM : HAL_EINVAL;
    }
    return HAL_OK;
}

static uint32_t op_random_u32(void *vb)
{
    board *b = vb;
    return sim_rng_u32(b->rng);
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

static void op_log(void *vb, hal_log_level level, const char *msg)
{
    board *b = vb;
    RIG_ENTER(b);
    sim_trace_rec *r = sim_trace_begin(b->trace, to_sim_level(level), b->fw_comp, "log");
    sim_trace_str(r, "msg", msg);
    sim_trace_end(r);
    RIG_LEAVE(b);
}

static void op_trace(void *vb, const char *event, const hal_field *fields, size_t nfields)
{
    board *b = vb;
    RIG_ENTER(b);
    sim_trace_rec *r = sim_trace_begin(b->trace, SIM_LOG_INFO, b->fw_comp, event);
    for (size_t i = 0; r != NULL && fields != NULL && i < nfields; i++) {
        if (fields[i].key == NULL)
            continue;
        if (fields[i].str != NULL)
            sim_trace_str(r, fields[i].key, fields[i].str);
        else
            sim_trace_int(r, fields[i].key, fields[i].num);
    }
    sim_trace_end(r);
    RIG_LEAVE(b);
}

static void op_marker(void *vb, const char *name, long long value)
{
    board *b = vb;
    RIG_ENTER(b);
    sim_trace_rec *r = sim_trace_begin(b->trace, SIM_LOG_INFO, b->fw_comp, "marker");
    sim_trace_str(r, "name", name);
    sim_trace_int(r, "value", value);
    sim_trace_end(r);
    RIG_LEAVE(b);
}

static const char *op_config_get(void *vb, const char *key)
{
    return board_config_get(vb, key);
}

static void op_fatal(void *vb, const char *msg)
{
    board *b = vb;
    char full[640];
    snprintf(full, sizeof full, "panic in task '%s': %s", b->current ? b->current->name : "(callback)", msg);
    board_fatal(b, full);
}

static void op_diag(void *vb, const char *msg)
{
    board *b = vb;
    sim_trace_rec *r = sim_trace_begin(b->trace, SIM_LOG_DEBUG, b->fw_comp, "lwip_diag");
    sim_trace_str(r, "msg", msg);
    sim_trace_end(r);
}

/* ---- the console: a UART (hal.h) ---------------------------------------- */

void board_console_set_sink(board *b, board_console_fn fn, void *ctx)
{
    b->con_fn = fn;
    b->con_ctx = ctx;
}

static void console_record(board *b, bool out, const char *line)
{
    sim_trace_rec *r = sim_trace_begin(b->trace, SIM_LOG_INFO, b->con_comp, out ? "out" : "in");
    sim_trace_str(r, "line", line);
    sim_trace_end(r);
    if (b->con_fn != NULL)
        b->con_fn(b->con_ctx, b, out, line);
}

static void console_tx_flush(board *b)
{
    b->tx[b->txlen] = '\0';
    b->txlen = 0;
    console_record(b, true, b->tx);
}

/* Lines as a serial terminal shows them: cut at '\n', '\r' dropped (CRLF
 * from code written for terminals), a line longer than the rig keeps is
 * recorded in pieces; bytes after the last '\n' wait for the next write. */
static void op_console_write(void *vb, const char *data, size_t len)
{
    board *b = vb;
    RIG_ENTER(b);
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        if (c == '\n') {
            console_tx_flush(b);
            continue;
        }
        if (c == '\r')
            continue;
        if (b->txlen == sizeof b->tx - 1)
            console_tx_flush(b);
        b->tx[b->txlen++] = c;
    }
    RIG_LEAVE(b);
}

static int op_console_getc(void *vb, uint64_t timeout_us)
{
    board *b = vb;
    for (;;) {
        if (b->rxlen > 0) {
            int c = b->rx[b->rxhead];
            b->rxhead = (b->rxhead + 1) % sizeof b->rx;
            b->rxlen--;
            return c;
        }
        if (timeout_us == 0)
            return HAL_ETIMEDOUT;
        /* capped as hal_sleep is: 100 years */
        sim_time to = timeout_us >= (uint64_t)3155760000000000 ? -1 : SIM_US((int64_t)timeout_us);
        b->rx_ev.set = false; /* only bytes count, and the buffer is empty */
        int rc = event_wait(b, &b->rx_ev, to, "hal_console_getc");
        if (rc != HAL_OK)
            return rc;
        timeout_us = 0; /* woken by bytes: take them, do not wait again */
    }
}

int board_console_input(board *b, const char *line, sim_err *err)
{
    size_t len = strlen(line);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
            return sim_err_set(err, SIM_EINVAL, "a console line is printable text: byte 0x%02x at %zu",
                               (unsigned char)line[i], i + 1);
    if (len + 1 > sizeof b->rx - b->rxlen) {
        sim_trace_rec *r = sim_trace_begin(b->trace, SIM_LOG_WARN, b->con_comp, "in_refused");
        sim_trace_str(r, "line", line);
        sim_trace_int(r, "unread", (int64_t)b->rxlen);
        sim_trace_end(r);
        return sim_err_set(err, SIM_ELIMIT,
                           "device '%s' has not read its console: %zu bytes of its %zu-byte receive buffer are "
                           "waiting, no room for this line of %zu",
                           b->name, b->rxlen, sizeof b->rx, len + 1);
    }
    for (size_t i = 0; i <= len; i++) {
        b->rx[(b->rxhead + b->rxlen) % sizeof b->rx] = i < len ? (unsigned char)line[i] : '\n';
        b->rxlen++;
    }
    console_record(b, false, line);
    op_event_set(b, &b->rx_ev);
    return SIM_OK;
}

void chip_driver_fill_ops(linkrig_board_ops *ops);
void eth_driver_fill_ops(linkrig_board_ops *ops);

static void fill_ops(board *b)
{
    linkrig_board_ops *o = &b->ops;
    o->abi_version = LINKRIG_BOARD_ABI;
    o->size = sizeof *o;
    o->b = b;
    o->ticks_ms = op_ticks_ms;
    o->ticks_us = op_ticks_us;
    o->now_ns = op_now_ns;
    o->time_us = op_time_us;
    o->sleep_us = op_sleep_us;
    o->yield = op_yield;
    o->event_create = op_event_create;
    o->event_destroy = op_event_destroy;
    o->event_set = op_event_set;
    o->event_clear = op_event_clear;
    o->event_is_set = op_event_is_set;
    o->event_wait = op_event_wait;
    o->task_create = op_task_create;
    o->random_u32 = op_random_u32;
    o->log = op_log;
    o->trace = op_trace;
    o->marker = op_marker;
    o->config_get = op_config_get;
    o->fatal = op_fatal;
    o->diag = op_diag;
    o->console_write = op_console_write;
    o->console_getc = op_console_getc;
    chip_driver_fill_ops(o);
    eth_driver_fill_ops(o);
}

/* ---- the watchdog -------------------------------------------------------- */

/* A task that never blocks freezes virtual time; only the wall clock can
 * tell. A thread samples, every quarter of the bound, which task is running
 * and how many switches the process has made; when one task has held the
 * CPU for the whole bound it signals the simulation thread, whose handler
 * ends the task as a panic would (longjmp to the task's guard), unless the
 * task is inside the rig's own code, where the next sample tries again.
 *
 * Signals carry no context, so this is the one place the rig keeps process
 * state outside a struct it was handed: the running board and counters. */
static _Atomic(board *) wd_running;
static atomic_uint_fast64_t wd_switches;
static pthread_t wd_thread, wd_sim_thread;
static atomic_bool wd_thread_up;
static atomic_int wd_users;
static atomic_uint wd_bound_ms;

/* Only the simulation thread counts (one per process: sweeps and scenario
 * batches fork), so a load and a store do: an atomic add's locked
 * read-modify-write cost more than the rest of a status poll. */
static void wd_count(void)
{
    atomic_store_explicit(&wd_switches, atomic_load_explicit(&wd_switches, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

static void watchdog_handler(int sig)
{
    (void)sig;
    board *b = atomic_load(&wd_running);
    if (b == NULL || b->current == NULL || b->in_rig > 0 || b->call_depth > 0)
        return;
    struct task *t = b->current;
    char msg[400];
    char when[32];
    sim_time_format(sim_now(b->sim), when, sizeof when);
    snprintf(msg, sizeof msg,
             "watchdog: task '%s' of device '%s' ran for %.1f s of wall-clock time without blocking or "
             "calling the board, at virtual time %s (a busy loop freezes virtual time: wait with hal_sleep_*, "
             "hal_event_wait or hal_yield)",
             t->name, b->name, atomic_load(&wd_bound_ms) / 1000.0, when);
    sim_trace_rec *r = sim_trace_begin(b->trace, SIM_LOG_ERROR, b->name, "watchdog");
    sim_trace_str(r, "task", t->name);
    sim_trace_end(r);
    /* The signal is blocked while its handler runs; the task's context is
     * never resumed, and the main context restores its own mask. */
    board_fatal(b, msg);
}

static void *watchdog_thread(void *arg)
{
    (void)arg;
    uint_fast64_t last = UINT64_MAX;
    unsigned held_ms = 0;
    while (atomic_load(&wd_users) > 0) {
        unsigned bound = atomic_load(&wd_bound_ms);
        unsigned step = bound / 4 ? bound / 4 : 1;
        if (step > 250)
            step = 250;
        struct timespec ts = {.tv_sec = step / 1000, .tv_nsec = (long)(step % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        uint_fast64_t now = atomic_load(&wd_switches);
        if (atomic_load(&wd_running) == NULL || now != last) {
            last = now;
            held_ms = 0;
            continue;
        }
        held_ms += step;
        if (held_ms >= bound)
            pthread_kill(wd_sim_thread, SIGALRM);
    }
    return NULL;
}

static void watchdog_arm(board *b)
{
    if (b != NULL && b->cfg.watchdog_ms == 0)
        return;
    wd_count();
    atomic_store_explicit(&wd_running, b, memory_order_relaxed);
    if (b == NULL || atomic_load(&wd_thread_up))
        return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = watchdog_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    wd_sim_thread = pthread_self();
    atomic_store(&wd_bound_ms, b->cfg.watchdog_ms);
    atomic_store(&wd_users, 1);
    if (pthread_create(&wd_thread, NULL, watchdog_thread, NULL) == 0)
        atomic_store(&wd_thread_up, true);
}

/* Virtual time advanced inside a task (a chip call): as good as a switch. */
static void watchdog_progress(void)
{
    wd_count();
}

static void watchdog_board_gone(board *b)
{
    if (atomic_load(&wd_running) == b)
        atomic_store(&wd_running, NULL);
}

void board_watchdog_shutdown(void)
{
    if (!atomic_load(&wd_thread_up))
        return;
    atomic_store(&wd_users, 0);
    pthread_join(wd_thread, NULL);
    atomic_store(&wd_thread_up, false);
}

/* ---- firmware crashes ---------------------------------------------------- */

/* A fault (SIGSEGV, SIGBUS, SIGFPE, SIGILL) while a device's firmware runs
 * — a task, or a callback the rig called into — is that firmware's crash,
 * as a hard fault is on a board: the device stops with a message naming it,
 * the task and the signal, the run ends as for a panic, and the captures,
 * trace and verdict are written. The handler runs on its own stack, so a
 * task that overflowed its stack (into the guard page) is caught too. A
 * fault in the rig's own code (no firmware running, or inside a HAL call) is
 * a rig bug: the default action follows, as without the handler. */
static void crash_handler(int sig, siginfo_t *si, void *uctx)
{
    (void)uctx;
    board *b = atomic_load_explicit(&crash_board, memory_order_relaxed);
    if (b == NULL || b->in_rig > 0 || sim_failed(b->sim)) {
        signal(sig, SIG_DFL);
        return; /* the fault repeats with the default action */
    }
    const char *name = sig == SIGSEGV ? "SIGSEGV (invalid memory access)"
                       : sig == SIGBUS ? "SIGBUS (bus error)"
                       : sig == SIGFPE ? "SIGFPE (arithmetic fault)"
                                       : "SIGILL (illegal instruction)";
    char when[32], msg[400];
    sim_time_format(sim_now(b->sim), when, sizeof when);
    const char *where = b->current ? b->current->name : "(callback)";
    bool overflow = false;
    if (b->current != NULL && sig == SIGSEGV) {
        uintptr_t a = (uintptr_t)si->si_addr, lo = (uintptr_t)b->current->map;
        overflow = a >= lo && a < (uintptr_t)b->current->stack;
    }
    snprintf(msg, sizeof msg, "firmware crashed in task '%s' of device '%s': %s at address %p, virtual time %s%s",
             where, b->name, name, si->si_addr, when,
             overflow ? " (stack overflow: give the task a bigger stack with hal_task_create)" : "");
    board_fatal(b, msg);
}

static void crash_guard_install(void)
{
    static atomic_bool done;
    if (atomic_exchange(&done, true))
        return;
    /* An alternate stack, so that a task's stack overflow can be handled. */
    static char altstack[64 * 1024];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = crash_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
}
