/* link_manager.h — the reference link manager: the field recipes for keeping
 * a Wi-Fi camera online, as a component the main loop calls once per
 * iteration. It never blocks in lm_step; only lm_connect (the initial,
 * bounded connect) waits.
 *
 *   recipe                          here
 *   connect with a timeout          lm_connect: up to connect_timeout_ms, then a clear error
 *   detect a drop every iteration   lm_step: isconnected(), with status() the authority when
 *                                   they disagree, and lm_report_send_failure() as evidence
 *   reconnect with backoff          disconnect + connect, each attempt bounded (attempt_timeout_ms),
 *                                   waiting backoff_ms[0], [1], ... before attempts 1, 2, ...
 *   power-cycle when all else fails after the whole table: active(false), power_cycle_pause_ms,
 *                                   active(true), then the table from the start
 *   health flag                     lm_healthy(): false from the iteration a drop is detected
 *                                   until the iteration that sees an IP address again
 *
 * A link that comes back but fails again before it has been stable for
 * stable_ms does not restart the table: a chip whose link state is stale
 * (it "recovers" at once, then every send fails) still walks the table to
 * the power cycle that clears it.
 *
 * States (lm_state): IDLE -> CONNECTING -> UP; UP -(drop)-> BACKOFF -> CONNECTING
 * -(fail)-> BACKOFF ... -(table exhausted)-> POWER_OFF -> CONNECTING. Every
 * transition is a trace event ("lm_*"), which is what scenarios check. */
#ifndef LINKRIG_FIRMWARE_LINK_MANAGER_H
#define LINKRIG_FIRMWARE_LINK_MANAGER_H

#include <stdbool.h>
#include <stdint.h>

#include "network.h"

#define LM_MAX_BACKOFF 16

typedef struct lm_config {
    const char *ssid;
    const char *key;                 /* NULL or "": open network */
    uint32_t connect_timeout_ms;     /* initial connect; default 10000; 0 = wait forever */
    uint32_t attempt_timeout_ms;     /* each reconnect attempt; default 10000; 0 = forever */
    uint32_t backoff_ms[LM_MAX_BACKOFF]; /* default 1, 2, 4, 8, 16, 32, 60 s */
    int backoff_len;
    bool power_cycle;                /* after the whole table failed; default true */
    uint32_t power_cycle_pause_ms;   /* default 1000 */
    uint32_t check_period_ms;        /* how often the link is checked; default 100 */
    uint32_t stable_ms;              /* healthy this long before the table starts over; default 30000 */
    bool lan;                        /* manage the wired interface (no join: watch the cable) */
    uint32_t security;               /* WLAN_SEC_* (network.h); default WLAN_SEC_AUTO */
    const wlan_eap *eap;             /* non-NULL: WPA2-Enterprise with these credentials (key
                                      * ignored); must outlive the link manager */
} lm_config;

void lm_config_default(lm_config *c);

typedef enum { LM_IDLE, LM_CONNECTING, LM_UP, LM_BACKOFF, LM_POWER_OFF } lm_state;

enum {
    LM_OK = 0,
    LM_ETIMEDOUT = -40, /* initial connect did not complete in time */
    LM_EINVAL = -41,
    LM_EIO = -42,       /* the network API refused (see lm_error) */
};

typedef struct lm lm;

lm *lm_create(const lm_config *cfg);
void lm_destroy(lm *l);

/* Activates the interface and connects, waiting at most connect_timeout_ms
 * for an IP address. On timeout it returns LM_ETIMEDOUT with lm_error()
 * saying which status the interface ended in; lm_step keeps trying. */
int lm_connect(lm *l);
/* One iteration of the recipes. Returns the state after it. */
lm_state lm_step(lm *l);
/* Manual control (the camera's console). lm_stop: the user's disconnect:
 * leave, go IDLE and stay there (no reconnects) until lm_start. lm_start:
 * new credentials (copied; key NULL or "" for an open network), then one
 * attempt at once, and the recipes as usual from there. Returns LM_OK, or
 * LM_EIO when the network API refused the connect (lm_error says why). */
void lm_stop(lm *l);
int lm_start(lm *l, const char *ssid, const char *key);
/* lm_start for a WPA2-Enterprise network: identity, anonymous identity and
 * password are copied; the certificate and key texts are borrowed and must
 * outlive the link manager (the camera's come from its settings). */
int lm_start_eap(lm *l, const char *ssid, const wlan_eap *eap);
/* The number of attempts that failed so far, and how the last one did
 * ("WRONG_PASSWORD", "NO_AP_FOUND", "timeout", ...; "" before any). */
const char *lm_last_failure(const lm *l, uint32_t *failures);

/* A socket send failed: treated as evidence of a drop at the next step. */
void lm_report_send_failure(lm *l);
bool lm_healthy(const lm *l);
lm_state lm_get_state(const lm *l);
/* Milliseconds until lm_step has something to do (for the loop's sleep). */
uint32_t lm_next_due_ms(const lm *l);
const char *lm_error(const lm *l);
/* The network API's status (STAT_*) by its MicroPython name; "?" if unknown. */
const char *lm_status_name(int status);
const char *lm_state_name(lm_state s);

typedef struct lm_stats {
    uint32_t drops, attempts, power_cycles, recoveries;
} lm_stats;
void lm_get_stats(const lm *l, lm_stats *out);

#endif
