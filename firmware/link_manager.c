#include "link_manager.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal.h"
#include "network.h"

struct lm {
    lm_config cfg;
    wlan *w;
    lm_state state;
    bool healthy;
    bool send_failed;
    bool seen_down;   /* a status other than GOT_IP during this backoff */
    int attempt;      /* attempts since the last success or power cycle */
    int table_pos;    /* next backoff entry */
    uint32_t until;   /* ticks: end of backoff / pause / attempt deadline */
    bool has_deadline;
    uint32_t down_since;
    char error[160];
    int last_status;
    uint32_t up_since;
    lm_stats stats;
    char ssid[33], key[64];   /* lm_start's credentials (cfg points here then) */
    wlan_eap eap;             /* lm_start_eap's (cfg.eap points here then) */
    char eap_identity[128], eap_anonymous[128], eap_password[128];
    uint32_t failures;
    char last_failure[24];
};

const char *lm_status_name(int s)
{
    switch (s) {
    case STAT_IDLE: return "IDLE";
    case STAT_CONNECTING: return "CONNECTING";
    case STAT_NO_IP: return "NO_IP";
    case STAT_GOT_IP: return "GOT_IP";
    case STAT_CONNECT_FAIL: return "CONNECT_FAIL";
    case STAT_NO_AP_FOUND: return "NO_AP_FOUND";
    case STAT_WRONG_PASSWORD: return "WRONG_PASSWORD";
    default: return "?";
    }
}

const char *lm_state_name(lm_state s)
{
    static const char *const names[] = {"IDLE", "CONNECTING", "UP", "BACKOFF", "POWER_OFF"};
    return (unsigned)s < 5 ? names[s] : "?";
}

void lm_config_default(lm_config *c)
{
    static const uint32_t table[] = {1000, 2000, 4000, 8000, 16000, 32000, 60000};
    memset(c, 0, sizeof *c);
    c->connect_timeout_ms = 10000;
    c->attempt_timeout_ms = 10000;
    memcpy(c->backoff_ms, table, sizeof table);
    c->backoff_len = (int)(sizeof table / sizeof table[0]);
    c->power_cycle = true;
    c->power_cycle_pause_ms = 1000;
    c->check_period_ms = 100;
    c->stable_ms = 30000;
}

lm *lm_create(const lm_config *cfg)
{
    if (cfg == NULL || cfg->ssid == NULL || cfg->backoff_len < 0 || cfg->backoff_len > LM_MAX_BACKOFF)
        return NULL;
    lm *l = calloc(1, sizeof *l);
    if (l == NULL)
        return NULL;
    l->cfg = *cfg;
    l->w = wlan_get(WLAN_IF_STA);
    l->state = LM_IDLE;
    l->last_status = STAT_IDLE;
    return l;
}

void lm_destroy(lm *l)
{
    free(l);
}

static void set_state(lm *l, lm_state s)
{
    if (l->state == s)
        return;
    HAL_TRACE("lm_state", HAL_STR("from", lm_state_name(l->state)), HAL_STR("to", lm_state_name(s)));
    l->state = s;
}

static void set_health(lm *l, bool h)
{
    if (l->healthy == h)
        return;
    l->healthy = h;
    HAL_TRACE("lm_health", HAL_INT("healthy", h));
}

/* The interface's status as the link manager polls it; every change is
 * traced, so scenarios can check what the device saw ("status reaches"). */
static int poll_status(lm *l)
{
    int st = l->cfg.lan ? lan_status(lan_get()) : wlan_status(l->w);
    if (st != l->last_status) {
        HAL_TRACE("wlan_status", HAL_INT("status", st), HAL_STR("name", lm_status_name(st)),
                  HAL_INT("was", l->last_status));
        l->last_status = st;
    }
    return st;
}

static bool due(const lm *l)
{
    return hal_ticks_diff(hal_ticks_ms(), l->until) >= 0;
}

/* One join with the configured credentials. */
static int join(lm *l)
{
    wlan_connect_opts o = {.security = l->cfg.security, .eap = l->cfg.eap};
    return wlan_connect_with(l->w, l->cfg.ssid, l->cfg.key, &o);
}

static void start_attempt(lm *l)
{
    l->attempt++;
    l->stats.attempts++;
    HAL_TRACE("lm_attempt", HAL_INT("n", l->attempt));
    if (l->cfg.lan) {
        /* nothing to redo on a wire: wait for the cable and the address */
        l->has_deadline = false;
        set_state(l, LM_CONNECTING);
        return;
    }
    /* disconnect first: a chip stuck half-joined takes the new join cleanly */
    wlan_disconnect(l->w);
    int rc = join(l);
    if (rc != NET_OK)
        HAL_TRACE("lm_connect_refused", HAL_INT("rc", rc), HAL_STR("why", net_last_error()));
    l->has_deadline = l->cfg.attempt_timeout_ms > 0;
    l->until = hal_ticks_add(hal_ticks_ms(), (int32_t)l->cfg.attempt_timeout_ms);
    set_state(l, LM_CONNECTING);
}

/* After a failed attempt (or the drop itself): the next backoff, or the power
 * cycle once the table is used up. */
static void next_wait(lm *l)
{
    if (l->table_pos < l->cfg.backoff_len) {
        uint32_t ms = l->cfg.backoff_ms[l->table_pos++];
        HAL_TRACE("lm_backoff", HAL_INT("ms", ms), HAL_INT("step", l->table_pos));
        l->until = hal_ticks_add(hal_ticks_ms(), (int32_t)ms);
        l->seen_down = false;
        set_state(l, LM_BACKOFF);
        return;
    }
    if (!l->cfg.power_cycle) {
        /* no power cycle: keep retrying at the last backoff */
        uint32_t ms = l->cfg.backoff_len ? l->cfg.backoff_ms[l->cfg.backoff_len - 1] : 0;
        HAL_TRACE("lm_backoff", HAL_INT("ms", ms), HAL_INT("step", l->table_pos));
        l->until = hal_ticks_add(hal_ticks_ms(), (int32_t)ms);
        l->seen_down = false;
        set_state(l, LM_BACKOFF);
        return;
    }
    l->stats.power_cycles++;
    HAL_TRACE("lm_power_cycle", HAL_INT("after_attempts", l->attempt));
    if (l->cfg.lan)
        lan_active(lan_get(), 0);
    else
        wlan_active(l->w, 0);
    l->until = hal_ticks_add(hal_ticks_ms(), (int32_t)l->cfg.power_cycle_pause_ms);
    set_state(l, LM_POWER_OFF);
}

static void recovered(lm *l)
{
    if (l->stats.drops > 0 || l->attempt > 0) {
        l->stats.recoveries++;
        HAL_TRACE("lm_recovered", HAL_INT("attempts", l->attempt),
                  HAL_INT("down_ms", hal_ticks_diff(hal_ticks_ms(), l->down_since)));
    }
    l->attempt = 0;
    l->send_failed = false;
    l->up_since = hal_ticks_ms();
    set_state(l, LM_UP);
    set_health(l, true);
}

int lm_connect(lm *l)
{
    if (l == NULL)
        return LM_EINVAL;
    l->down_since = hal_ticks_ms();
    int rc = l->cfg.lan ? lan_active(lan_get(), 1) : wlan_active(l->w, 1);
    if (rc != NET_OK) {
        snprintf(l->error, sizeof l->error, "connect: %s", net_last_error());
        return LM_EIO;
    }
    if (!l->cfg.lan)
        rc = join(l);
    if (rc != NET_OK) {
        snprintf(l->error, sizeof l->error, "connect: %s", net_last_error());
        l->until = hal_ticks_ms();
        set_state(l, LM_BACKOFF);
        return LM_EIO;
    }
    HAL_TRACE("lm_connect", HAL_STR("ssid", l->cfg.ssid), HAL_INT("timeout_ms", l->cfg.connect_timeout_ms));
    set_state(l, LM_CONNECTING);
    uint32_t start = hal_ticks_ms();
    for (;;) {
        if (poll_status(l) == STAT_GOT_IP) {
            HAL_TRACE("lm_connected", HAL_INT("ms", hal_ticks_diff(hal_ticks_ms(), start)));
            recovered(l);
            return LM_OK;
        }
        if (l->cfg.connect_timeout_ms > 0 &&
            hal_ticks_diff(hal_ticks_ms(), start) >= (int32_t)l->cfg.connect_timeout_ms)
            break;
        hal_sleep_ms(100);
    }
    int st = poll_status(l);
    snprintf(l->error, sizeof l->error, "connect to '%s' timed out after %u ms (status %s)", l->cfg.ssid,
             (unsigned)l->cfg.connect_timeout_ms, lm_status_name(st));
    HAL_TRACE("lm_connect_timeout", HAL_INT("status", st), HAL_STR("status_name", lm_status_name(st)),
              HAL_INT("timeout_ms", l->cfg.connect_timeout_ms));
    /* carry on in the background: the first reconnect after the first backoff */
    l->attempt = 0;
    l->table_pos = 0;
    next_wait(l);
    return LM_ETIMEDOUT;
}

lm_state lm_step(lm *l)
{
    switch (l->state) {
    case LM_IDLE:
        break;
    case LM_UP: {
        bool conn = l->cfg.lan ? lan_isconnected(lan_get()) : wlan_isconnected(l->w);
        int st = poll_status(l);
        if (l->table_pos > 0 && hal_ticks_diff(hal_ticks_ms(), l->up_since) >= (int32_t)l->cfg.stable_ms) {
            l->table_pos = 0; /* stable again: the next outage starts the table over */
            HAL_TRACE("lm_stable", HAL_INT("ms", l->cfg.stable_ms));
        }
        /* status() is the authority: isconnected() can say yes on a stale
         * link state, and a failed send is the strongest evidence of all.
         * After a lost link status() reads CONNECTING (1), not IDLE: the
         * cyw43's join state outlives the link (wifi_chip.h), so "not
         * GOT_IP" is the test, never "status <= 0". */
        if (!conn || st != STAT_GOT_IP || l->send_failed) {
            l->stats.drops++;
            l->down_since = hal_ticks_ms();
            HAL_TRACE("lm_drop_detected", HAL_INT("isconnected", conn), HAL_INT("status", st),
                      HAL_INT("send_failure", l->send_failed));
            set_health(l, false);
            l->send_failed = false;
            l->attempt = 0;
            next_wait(l);
            /* The drop itself was seen as "not GOT_IP": if the chip is back
             * with an address before the wait ends (its own rejoin), that
             * is a recovery, not a stale state to walk the table for. */
            if (st != STAT_GOT_IP)
                l->seen_down = true;
        }
        break;
    }
    case LM_CONNECTING: {
        int st = poll_status(l);
        if (st == STAT_GOT_IP) {
            recovered(l);
            break;
        }
        bool failed = st == STAT_CONNECT_FAIL || st == STAT_NO_AP_FOUND || st == STAT_WRONG_PASSWORD ||
                      st == STAT_IDLE;
        bool timed_out = l->has_deadline && due(l);
        if (failed || timed_out) {
            const char *why = timed_out && !failed ? "timeout" : lm_status_name(st);
            HAL_TRACE("lm_attempt_failed", HAL_INT("n", l->attempt), HAL_INT("status", st), HAL_STR("why", why));
            l->failures++;
            snprintf(l->last_failure, sizeof l->last_failure, "%s", why);
            next_wait(l);
        }
        break;
    }
    case LM_BACKOFF:
        /* The cyw43 keeps its join state through a link loss and rejoins
         * on its own (wifi_chip.h): if it is back with an address before
         * the wait is over, there is nothing to redo. Otherwise, "not
         * connected" for the whole wait: leave, then join (start_attempt). */
        int st = poll_status(l);
        if (st != STAT_GOT_IP) {
            l->seen_down = true;
        } else if (l->seen_down && !l->cfg.lan) {
            /* down, then back: not a stale link state (a wedged chip keeps
             * reading GOT_IP throughout, and must walk the table) */
            HAL_TRACE("lm_chip_rejoined", HAL_INT("step", l->table_pos));
            recovered(l);
            break;
        }
        if (due(l))
            start_attempt(l);
        break;
    case LM_POWER_OFF:
        if (due(l)) {
            if (l->cfg.lan)
                lan_active(lan_get(), 1);
            else
                wlan_active(l->w, 1);
            l->attempt = 0;
            l->table_pos = 0;
            start_attempt(l);
        }
        break;
    }
    return l->state;
}

void lm_stop(lm *l)
{
    if (!l->cfg.lan)
        wlan_disconnect(l->w);
    HAL_TRACE("lm_stop", HAL_STR("state", lm_state_name(l->state)));
    set_health(l, false);
    l->has_deadline = false;
    set_state(l, LM_IDLE);
}

static int start_now(lm *l)
{
    if (wlan_active(l->w, WLAN_QUERY) != 1 && wlan_active(l->w, 1) != NET_OK) {
        snprintf(l->error, sizeof l->error, "connect: %s", net_last_error());
        return LM_EIO;
    }
    set_health(l, false);
    l->attempt = 0;
    l->table_pos = 0;
    l->down_since = hal_ticks_ms();
    start_attempt(l);
    return LM_OK;
}

int lm_start(lm *l, const char *ssid, const char *key)
{
    if (l->cfg.lan)
        return LM_EINVAL;
    size_t sl = strlen(ssid), kl = key ? strlen(key) : 0;
    /* wlan_connect's own limits, checked before anything changes */
    if (sl == 0 || sl >= sizeof l->ssid || (kl != 0 && (kl < 8 || kl >= sizeof l->key))) {
        snprintf(l->error, sizeof l->error, "connect: SSID must be 1 to 32 bytes, a key 8 to 63 characters");
        return LM_EINVAL;
    }
    memcpy(l->ssid, ssid, sl + 1);
    memcpy(l->key, key ? key : "", kl + 1);
    l->cfg.ssid = l->ssid;
    l->cfg.key = l->key;
    l->cfg.eap = NULL;
    return start_now(l);
}

static bool copy_str(char *dst, size_t n, const char *src)
{
    size_t len = src ? strlen(src) : 0;
    if (len >= n)
        return false;
    memcpy(dst, src ? src : "", len + 1);
    return true;
}

int lm_start_eap(lm *l, const char *ssid, const wlan_eap *eap)
{
    if (l->cfg.lan || eap == NULL)
        return LM_EINVAL;
    size_t sl = strlen(ssid);
    if (sl == 0 || sl >= sizeof l->ssid || eap->identity == NULL || eap->identity[0] == '\0' ||
        strlen(eap->identity) >= sizeof l->eap_identity ||
        (eap->anonymous_identity && strlen(eap->anonymous_identity) >= sizeof l->eap_anonymous) ||
        (eap->password && strlen(eap->password) >= sizeof l->eap_password)) {
        snprintf(l->error, sizeof l->error, "connect: SSID must be 1 to 32 bytes, identity and password 1 to 127");
        return LM_EINVAL;
    }
    memcpy(l->ssid, ssid, sl + 1);
    l->key[0] = '\0';
    copy_str(l->eap_identity, sizeof l->eap_identity, eap->identity);
    copy_str(l->eap_anonymous, sizeof l->eap_anonymous, eap->anonymous_identity);
    copy_str(l->eap_password, sizeof l->eap_password, eap->password);
    l->eap = *eap;
    l->eap.identity = l->eap_identity;
    l->eap.anonymous_identity = l->eap_anonymous;
    l->eap.password = l->eap_password;
    l->cfg.ssid = l->ssid;
    l->cfg.key = l->key;
    l->cfg.eap = &l->eap;
    return start_now(l);
}

const char *lm_last_failure(const lm *l, uint32_t *failures)
{
    if (failures != NULL)
        *failures = l->failures;
    return l->last_failure;
}

void lm_report_send_failure(lm *l)
{
    if (l != NULL && !l->send_failed) {
        l->send_failed = true;
        HAL_TRACE("lm_send_failure", HAL_STR("state", lm_state_name(l->state)));
    }
}

bool lm_healthy(const lm *l)
{
    return l != NULL && l->healthy;
}

lm_state lm_get_state(const lm *l)
{
    return l->state;
}

uint32_t lm_next_due_ms(const lm *l)
{
    if (l->state == LM_BACKOFF || l->state == LM_POWER_OFF) {
        int32_t left = hal_ticks_diff(l->until, hal_ticks_ms());
        return left > 0 ? (uint32_t)left : 0;
    }
    return l->cfg.check_period_ms; /* polling states: look again */
}

const char *lm_error(const lm *l)
{
    return l ? l->error : "";
}

void lm_get_stats(const lm *l, lm_stats *out)
{
    *out = l->stats;
}
