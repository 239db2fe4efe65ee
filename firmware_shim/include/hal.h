/* hal.h — the board's HAL as firmware sees it: time, sleeping, events, tasks,
 * randomness and logging. Part of the board boundary (ARCHITECTURE.md, "Images and the rig"): the
 * firmware includes this, the chip driver API and lwIP, nothing else.
 *
 * Time. ticks_* follow MicroPython's `time.ticks_*` semantics: tick values
 * live in [0, HAL_TICKS_PERIOD) and wrap; only hal_ticks_diff and
 * hal_ticks_add may combine them. HAL_TICKS_PERIOD is 2^30 as on MicroPython
 * ports with 31-bit small ints, so a difference is exact up to 2^29 - 1
 * (about 6.2 days in ms). On the rig, ticks count virtual time, and the board
 * may start them at any value (to exercise the wrap), not only at 0.
 *
 * Blocking. hal_sleep_*, hal_event_wait and hal_yield suspend the calling task
 * and let the rest of the device (other tasks, driver callbacks, lwIP timers)
 * run, as an RTOS would. They may only be called from a task; from anywhere
 * else (a driver callback, an lwIP callback) they return HAL_ENOTASK and log
 * why, instead of blocking something that must not block.
 *
 * Tasks are cooperative: a task runs until it blocks. The board starts the
 * firmware's entry point, app_main(), as task "main". A task function returns
 * 0 when it is done; a nonzero return is a firmware error that stops the run
 * with the task's name and code. */
#ifndef LINKRIG_HAL_H
#define LINKRIG_HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    HAL_OK = 0,
    HAL_ENOTASK = -1,   /* blocking call outside a task */
    HAL_ETIMEDOUT = -2, /* wait ended by its timeout */
    HAL_EINVAL = -3,
    HAL_ENOMEM = -4,
};

#define HAL_TICKS_PERIOD (1u << 30)
#define HAL_WAIT_FOREVER UINT32_MAX

/* Provided by the firmware: run as task "main" when the board powers on. */
int app_main(void);

uint32_t hal_ticks_ms(void);
uint32_t hal_ticks_us(void);
/* Microseconds of virtual time since the run began; never wraps (as the
 * Pico SDK's time_us_64), for code that computes 64-bit deadlines. */
uint64_t hal_time_us(void);
/* (ticks + delta) modulo the period; delta may be negative. */
uint32_t hal_ticks_add(uint32_t ticks, int32_t delta);
/* Signed distance end - start, correct across one wrap. */
int32_t hal_ticks_diff(uint32_t end, uint32_t start);

int hal_sleep_ms(uint32_t ms);
int hal_sleep_us(uint32_t us);
/* Lets every other task and callback that is due now run first. */
int hal_yield(void);

/* An auto-reset event: set() makes one waiter (the longest waiting) return
 * HAL_OK and clears the event; with no waiter the event stays set until the
 * next wait consumes it. set() may be called from anywhere. */
typedef struct hal_event hal_event;
hal_event *hal_event_create(void);
void hal_event_destroy(hal_event *ev);
void hal_event_set(hal_event *ev);
void hal_event_clear(hal_event *ev);
bool hal_event_is_set(const hal_event *ev);
/* HAL_OK when set, HAL_ETIMEDOUT after timeout_ms (HAL_WAIT_FOREVER: none). */
int hal_event_wait(hal_event *ev, uint32_t timeout_ms);

typedef int (*hal_task_fn)(void *arg);
/* Starts fn(arg) as a new task at the next yield point. stack_bytes 0 picks
 * the board's default. */
int hal_task_create(const char *name, hal_task_fn fn, void *arg, size_t stack_bytes);

/* From the device's own random source (the run's "fw" stream on the rig). */
uint32_t hal_random_u32(void);

typedef enum { HAL_LOG_DEBUG, HAL_LOG_INFO, HAL_LOG_WARN, HAL_LOG_ERROR } hal_log_level;
void hal_log(hal_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A named event for the rig's trace: the firmware's way to make its own
 * behaviour checkable by scenarios. A field is a number, or a string when
 * .str is not NULL:
 *   HAL_TRACE("frame_sent", HAL_INT("bytes", 20480), HAL_STR("to", "sink")); */
typedef struct hal_field {
    const char *key;
    long long num;
    const char *str;
} hal_field;
void hal_trace(const char *event, const hal_field *fields, size_t nfields);
#define HAL_INT(k, v) {.key = (k), .num = (long long)(v), .str = NULL}
#define HAL_STR(k, s) {.key = (k), .num = 0, .str = (s)}
#define HAL_TRACE(event, ...)                                                    \
    hal_trace((event), (const hal_field[]){__VA_ARGS__},                         \
              sizeof((const hal_field[]){__VA_ARGS__}) / sizeof(hal_field))

/* A marker: the firmware's optional word about itself, for the generic
 * `marker` expectation of scenarios. The rig never needs one to judge a
 * device (the verdict comes from what the rig observes); markers let a
 * firmware make its own milestones checkable too. Trace: component
 * "<device>.fw", event "marker", fields name and value. */
void hal_marker(const char *name, long long value);

/* The device's settings store (as NVS or a config file on a board): the rig
 * fills it from the scenario and --set before power-on. Missing keys give
 * def. hal_config_int reads decimal or 0x hex; hal_config_bool reads
 * 1/0, true/false, yes/no, on/off. A value that does not parse gives def. */
const char *hal_config_str(const char *key, const char *def);
long long hal_config_int(const char *key, long long def);
bool hal_config_bool(const char *key, bool def);

/* The settings an image reads, declared once per image so that the rig can
 * list them (`linkrig info IMAGE`) and check --set KEY=VALUE before the run:
 *
 *   HAL_SETTINGS(
 *       {"wlan.ssid", HAL_SETTING_STR, "camnet", "network to join"},
 *       {"lm.power_cycle", HAL_SETTING_BOOL, "1", "power-cycle a chip that stops answering"});
 *
 * def is the default as text (what the firmware passes as def when it reads
 * the key). INT_LIST is comma-separated integers ("1000,2000"); IPV4 a dotted
 * quad. An image that declares nothing still runs. */
typedef enum {
    HAL_SETTING_STR,
    HAL_SETTING_INT,
    HAL_SETTING_BOOL,
    HAL_SETTING_INT_LIST,
    HAL_SETTING_IPV4,
} hal_setting_type;

typedef struct hal_setting {
    const char *key;
    hal_setting_type type;
    const char *def;
    const char *help;
} hal_setting;

#define HAL_SETTINGS(...)                                                        \
    const hal_setting hal_settings[] = {__VA_ARGS__, {NULL, HAL_SETTING_STR, NULL, NULL}}

/* The board's serial console, as a UART: what the firmware writes is the
 * device's stdout (the rig cuts it into lines at '\n', drops '\r', and
 * records each line: trace component "<device>.console", event "out", and
 * the run's console.log); what the rig (a scenario's console: action, the
 * live console's `console DEVICE LINE`) writes arrives as bytes, each line
 * ended by '\n', in a receive buffer of HAL_CONSOLE_RX_BYTES; a line that
 * does not fit is refused whole by the rig, never cut.
 *
 * hal_console_getc: the next received byte (0..255), or HAL_ETIMEDOUT when
 * none came within timeout_us (0: only what is there; HAL_WAIT_FOREVER:
 * no limit). Blocks the task like
 * hal_sleep; from a callback only timeout 0 is allowed.
 * hal_console_read_line: the next line without its '\n' (and '\r'), as a
 * C string; returns its length, HAL_ETIMEDOUT when no byte came within
 * timeout_ms (HAL_WAIT_FOREVER: no limit), or HAL_EINVAL for a line longer than cap - 1 (its bytes are
 * consumed up to the '\n' and dropped whole, as a shell would refuse it). */
#define HAL_CONSOLE_RX_BYTES 1024
void hal_console_write(const char *data, size_t len);
int hal_console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int hal_console_getc(uint32_t timeout_us);
int hal_console_read_line(char *buf, size_t cap, uint32_t timeout_ms);

/* Unrecoverable firmware error: reports the message and stops the device. */
_Noreturn void hal_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

const char *hal_strerror(int err);

#endif
