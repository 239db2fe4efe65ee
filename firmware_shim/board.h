/* firmware_shim/board.h — the rig's side of the board boundary.
 *
 * A board is one device: it runs the tasks of one firmware image instance
 * as cooperative fibers on the engine's virtual time and answers the image's
 * board calls (linkrig_image.h: the HAL here, the Wi-Fi chip in
 * chip_driver.c, the Ethernet port in eth_driver.c). Every call arrives with
 * the board it belongs to, so any number of boards run in one process, each
 * with its own image instance (see fwimage.h for loading them).
 *
 * Rig code (models, tests) never calls firmware code directly: it goes
 * through board_call, which runs a function in the device's context at a
 * yield point, guards it against fatal errors and re-arms lwIP's timer.
 *
 * Trace components: the rig's observations of device NAME are component
 * NAME; the firmware's own words (hal_log, hal_trace, hal_marker) are
 * component "NAME.fw" and are never evidence for a verdict.
 *
 * Fatal errors (hal_panic, an lwIP assert, a task returning nonzero, the
 * watchdog) stop the run through sim_fail with a message naming the device,
 * the task and the cause; the failing task is never resumed. */
#ifndef LINKRIG_FIRMWARE_SHIM_BOARD_H
#define LINKRIG_FIRMWARE_SHIM_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal.h"
#include "linkrig_image.h"
#include "sim/sim.h"

typedef struct board board;

typedef struct board_config {
    const char *name;          /* the device's name: its trace component; default "cam" */
    size_t default_stack;      /* bytes; 0 = 256 KiB */
    uint32_t ticks_ms_start;   /* hal_ticks_ms() at power-on (to test wrap) */
    bool drive_lwip_timers;    /* schedule sys_check_timeouts (default on via board_config_default) */
    /* The image instance to run (fwimage_instance_image). NULL: the image
     * linked statically into this executable, if any (unit tests). */
    const linkrig_image *image;
    /* Wall-clock ms a task may run without blocking before the watchdog
     * stops the run; 0 = never. Default 10000. */
    unsigned watchdog_ms;
} board_config;

void board_config_default(board_config *cfg);

/* Attaches cfg->image (or the statically linked one). Fails with a message
 * when the image speaks another board ABI, or the instance already runs
 * another device. */
board *board_create(sim *s, const board_config *cfg, sim_err *err);
/* Frees the tasks' stacks; tasks still blocked are abandoned, not resumed.
 * Detaches the image instance. */
void board_destroy(board *b);

/* For a board created without an image. */
int board_load_image(board *b, const linkrig_image *img, sim_err *err);
/* NULL when none is attached. */
const linkrig_image *board_image(const board *b);

sim *board_sim(board *b);
/* The device's name: the trace component of what the rig observes about it
 * (its driver calls; sim/verdict.c judges by them). */
const char *board_name(const board *b);

/* Starts a task at the current virtual time (after events already queued
 * for this instant). */
int board_spawn(board *b, const char *name, hal_task_fn fn, void *arg, size_t stack_bytes, sim_err *err);
/* Spawns the image's app_main() as task "main". */
int board_power_on(board *b, sim_err *err);

/* Runs fn(arg) now in device context (not in a task: it must not block),
 * then re-arms lwIP's timer. Returns 0, or -1 if the device failed during the
 * call. This is how driver callbacks and rig events enter the firmware. */
int board_call(board *b, void (*fn)(void *arg), void *arg);

/* Re-reads lwIP's next timeout and moves the scheduler event to it. Called
 * by the board after any firmware code ran. */
void board_lwip_rearm(board *b);

/* The settings the firmware reads with hal_config_*; set before power-on.
 * Keys and values are copied. A later set of the same key replaces it. */
int board_config_set(board *b, const char *key, const char *value, sim_err *err);
/* The value set for key, or NULL. */
const char *board_config_get(const board *b, const char *key);

/* The virtual time a chip call costs the calling task (chip_driver.c and
 * eth_driver.c state each figure and its source). may_yield: the call is a
 * yield point (the task blocks for the cost, so other tasks, callbacks and
 * the air run meanwhile, and a busy poll advances time as on a board);
 * otherwise the cost is added to the task's next timed block (calls made
 * from inside lwIP, which must not be re-entered). Calls from callbacks
 * cost nothing: a callback cannot block. */
void board_chip_cost(board *b, sim_time cost, bool may_yield);

/* Stops the watchdog's thread (at process exit; optional). */
void board_watchdog_shutdown(void);

/* Drivers of the board's peripherals (the Wi-Fi chip) keep their state in
 * the board; free_fn runs at board_destroy. */
void board_set_driver(board *b, void *driver, void (*free_fn)(void *driver));
void *board_driver(board *b);
/* The same for the Ethernet port (eth_chip.h), a slot of its own. */
void board_set_eth_driver(board *b, void *driver, void (*free_fn)(void *driver));
void *board_eth_driver(board *b);

/* Connects the chip driver API (wifi_chip.h) to a radio model: from then on
 * the firmware's chip_* calls drive that radio, and its events reach the
 * firmware's callbacks at yield points. Implemented in chip_driver.c. */
struct radio;
int board_attach_radio(board *b, struct radio *r, sim_err *err);

/* Gives the chip its AP interface (radio_model/softap.h): the firmware's
 * chip_wifi_ap_* calls and CHIP_ITF_AP then drive it. After
 * board_attach_radio. Implemented in chip_driver.c. */
struct softap;
int board_attach_softap(board *b, struct softap *a, sim_err *err);

/* Connects the Ethernet driver API (eth_chip.h) to a MAC/PHY model
 * (sim/ethphy.h) the same way. Implemented in eth_driver.c. */
struct ethphy;
int board_attach_ethphy(board *b, struct ethphy *p, sim_err *err);

/* The console (hal.h): the rig writes line + '\n' into the device's receive
 * buffer (trace "<name>.console" event "in"). A line with control bytes, or
 * one that does not fit in what the firmware left unread, is refused whole
 * with a message (SIM_EINVAL, SIM_ELIMIT). */
#define BOARD_CONSOLE_LINE 256 /* longest line recorded whole; longer ones are cut */
int board_console_input(board *b, const char *line, sim_err *err);
/* Called with every console line, out (the firmware printed it) or in (the
 * rig wrote it), after it is traced: the run's console.log. */
typedef void (*board_console_fn)(void *ctx, board *b, bool out, const char *line);
void board_console_set_sink(board *b, board_console_fn fn, void *ctx);

typedef struct board_stats {
    unsigned tasks_live;     /* created and not finished */
    unsigned tasks_done;
    uint64_t switches;       /* context switches into tasks */
    uint64_t lwip_timer_runs;
    uint64_t hal_misuse;     /* blocking calls rejected outside a task */
} board_stats;
void board_get_stats(const board *b, board_stats *out);

#endif
