/* link.c — the link supervisor as an explicit state table.
 *
 * Two layers:
 *  - a "port": the five things the supervisor needs from an interface
 *    (power, join, leave, status, probe), once over the Wi-Fi chip API and
 *    once over the Ethernet driver API, so the table below is the same for
 *    both (camera.interface picks the port);
 *  - the table: states x events -> (action, next state). Actions never block;
 *    time enters only as the E_TIMER event of the current state's deadline.
 *
 * Events come from three places: the status sampler (link_notice after a
 * hook, and every lm.check_period_ms while a join or the link is live,
 * because a failed join raises no callback on cyw43 — MicroPython's own
 * connect loop polls wlan.status() for the same reason), the chip probe
 * (CHIP_ETIMEDOUT from a command: the chip no longer answers its host
 * interface), and the uploader (a stalled TCP stream). */
#include "link.h"

#include <string.h>

#include "eth_chip.h"
#include "eth_netif.h"
#include "hal.h"
#include "lwip/netif.h"
#include "wifi_chip.h"
#include "wifi_netif.h"

#define HOSTNAME "eventcam"
/* The chip's supply stays off this long in a power cycle: the same pause as
 * the bundled link manager, long enough for the cyw43 to lose its state. */
#define POWER_PAUSE_MS 1000u
/* How often a live Wi-Fi link asks the chip for its RSSI. A wedged cyw43
 * keeps reporting the link as up (its state is frozen), so only a command
 * that times out reveals it; status('rssi') is the cheapest such command
 * MicroPython exposes, and once a second costs nothing on the bus. */
#define PROBE_MS 1000u

/* ---- ports ---------------------------------------------------------------- */

enum { PORT_OK, PORT_HUNG, PORT_GONE, PORT_ERR };

typedef struct port {
    const char *name;
    int (*power)(bool on);
    int (*join)(const ec_config *c);
    int (*leave)(void);
    int (*status)(void); /* CHIP_LINK_* values, the MicroPython STAT_* numbers */
    int (*probe)(void);
} port;

static void on_link_hook(void *ctx, bool up)
{
    (void)ctx;
    (void)up; /* the sampler reads the state itself: one source of truth */
    ec_post(MSG_NETIF_LINK);
}

static void on_netif_status(struct netif *n)
{
    (void)n;
    ec_post(MSG_NETIF_ADDR);
}

static int chip_rc(int rc)
{
    switch (rc) {
    case CHIP_OK: return PORT_OK;
    case CHIP_ETIMEDOUT: return PORT_HUNG;
    case CHIP_ENOTCONN: return PORT_GONE;
    default: return PORT_ERR;
    }
}

static int wifi_power(bool on)
{
    int rc = chip_rc(chip_wifi_set_up(CHIP_ITF_STA, on));
    /* The netif is made at the first power-on, as MicroPython's cyw43
     * binding does at the first active(True); it then lives for good (lwIP
     * cannot remove it cleanly while DHCP holds state on it). */
    if (on && rc == PORT_OK && wifi_netif() == NULL) {
        struct netif *n = wifi_netif_init(HOSTNAME);
        if (n == NULL)
            return PORT_ERR;
        wifi_netif_set_link_hook(on_link_hook, NULL);
        netif_set_status_callback(n, on_netif_status);
    }
    return rc;
}

static int wifi_join(const ec_config *c)
{
    size_t klen = strlen(c->key);
    /* MicroPython's WLAN.connect(ssid, key) on cyw43: a key means
     * CYW43_AUTH_WPA2_MIXED_PSK, no key means an open network. */
    uint32_t auth = klen ? CHIP_AUTH_WPA2_MIXED_PSK : CHIP_AUTH_OPEN;
    return chip_rc(chip_wifi_join(strlen(c->ssid), (const uint8_t *)c->ssid, klen, (const uint8_t *)c->key, auth,
                                  NULL, 0));
}

static int wifi_leave(void)
{
    return chip_rc(chip_wifi_leave(CHIP_ITF_STA));
}

static int wifi_status(void)
{
    /* cyw43_tcpip_link_status is what rp2's WLAN.status() returns: the join
     * state, raised to NOIP/UP by the netif's address. */
    return chip_tcpip_link_status(CHIP_ITF_STA);
}

static int wifi_probe(void)
{
    int32_t rssi;
    return chip_rc(chip_wifi_get_rssi(&rssi));
}

static int lan_power(bool on)
{
    int rc = eth_set_up(on);
    if (rc != ETH_OK)
        return PORT_ERR;
    if (!on) {
        /* LAN.active(False) on MicroPython's stm32 port forgets the address:
         * the next power-on starts DHCP from DISCOVER. */
        eth_netif_stop();
        return PORT_OK;
    }
    if (eth_netif() == NULL) {
        struct netif *n = eth_netif_init(HOSTNAME);
        if (n == NULL)
            return PORT_ERR;
        eth_netif_set_link_hook(on_link_hook, NULL);
        netif_set_status_callback(n, on_netif_status);
    }
    return PORT_OK;
}

static int lan_nothing(void)
{
    return PORT_OK; /* a wire has no association to make or leave */
}

static int lan_join(const ec_config *c)
{
    (void)c;
    return PORT_OK;
}

static int lan_status(void)
{
    /* The PHY's link bit is read now (not the netif's flag), so a pulled
     * cable counts at once; negotiating is the wired "joining". */
    switch (eth_link_status()) {
    case ETH_LINK_UP: return eth_netif_has_ip() ? CHIP_LINK_UP : CHIP_LINK_NOIP;
    case ETH_LINK_NEGOTIATING: return CHIP_LINK_JOIN;
    default: return CHIP_LINK_DOWN;
    }
}

static const port wifi_port = {"wlan", wifi_power, wifi_join, wifi_leave, wifi_status, wifi_probe};
static const port lan_port = {"lan", lan_power, lan_join, lan_nothing, lan_status, lan_nothing};

static const char *status_name(int s)
{
    switch (s) {
    case CHIP_LINK_DOWN: return "STAT_IDLE";
    case CHIP_LINK_JOIN: return "STAT_CONNECTING";
    case CHIP_LINK_NOIP: return "STAT_NO_IP";
    case CHIP_LINK_UP: return "STAT_GOT_IP";
    case CHIP_LINK_FAIL: return "STAT_CONNECT_FAIL";
    case CHIP_LINK_NONET: return "STAT_NO_AP_FOUND";
    case CHIP_LINK_BADAUTH: return "STAT_WRONG_PASSWORD";
    default: return "?";
    }
}

/* ---- the state machine ------------------------------------------------------ */

typedef enum {
    S_IDLE,      /* before link_start */
    S_CONNECT,   /* the first connect, bounded by lm.connect_timeout_ms */
    S_ONLINE,    /* link up with an address: uploads allowed */
    S_BACKOFF,   /* waiting lm.backoff_ms[i] before the next attempt */
    S_ATTEMPT,   /* a reconnect, bounded by lm.attempt_timeout_ms */
    S_POWER_OFF, /* chip unpowered for POWER_PAUSE_MS */
    S_COUNT,
    /* Pseudo-states ("choice" in UML terms): resolved after the action. */
    X_STAY,      /* no transition, the deadline is kept */
    X_WAIT,      /* next backoff entry; past the table: power cycle (or the last entry again) */
    X_HUNG,      /* chip not answering: power cycle now if allowed and not already tried, else X_WAIT */
} state_id;

typedef enum {
    E_START, /* link_start */
    E_UP,    /* status became GOT_IP */
    E_NOIP,  /* status became NO_IP (joined, no address) */
    E_DOWN,  /* status became IDLE (no link, no error) */
    E_JOIN,  /* status became CONNECTING: joining, or (from GOT_IP/NO_IP) the link was lost and
              * the cyw43 is rejoining on its own: its join state outlives the link (wifi_chip.h) */
    E_FAIL,  /* status became CONNECT_FAIL / NO_AP_FOUND / WRONG_PASSWORD, or a join was refused */
    E_HUNG,  /* a chip command returned CHIP_ETIMEDOUT */
    E_STALL, /* the uploader made no progress */
    E_TIMER, /* the current state's deadline */
    E_COUNT,
} event_id;

static const char *const state_names[] = {"IDLE", "CONNECT", "ONLINE", "BACKOFF", "ATTEMPT", "POWER_OFF"};
static const char *const event_names[] = {"start", "up", "no_ip", "down", "joining", "fail", "hung", "stall", "timer"};

typedef void (*action_fn)(event_id ev);
typedef struct cell {
    action_fn act;
    state_id next;
} cell;

static void a_boot(event_id ev);
static void a_note(event_id ev);
static void a_online(event_id ev);
static void a_gave_up(event_id ev);
static void a_drop(event_id ev);
static void a_stable(event_id ev);
static void a_join(event_id ev);
static void a_failed(event_id ev);
static void a_power_on(event_id ev);

#define IGNORE {NULL, X_STAY}

/* Every state x event, spelled out: an empty cell is a decision too. */
static const cell table[S_COUNT][E_COUNT] = {
    /*                E_START              E_UP                 E_NOIP             E_DOWN              E_JOIN             E_FAIL              E_HUNG              E_STALL            E_TIMER */
    [S_IDLE]      = {{a_boot, S_CONNECT}, IGNORE,              IGNORE,            IGNORE,             IGNORE,            IGNORE,             IGNORE,             IGNORE,            IGNORE},
    /* The first connect waits out its whole timeout even after a failed join,
     * as firmware/ does: the verdict is the status at the deadline. */
    [S_CONNECT]   = {IGNORE,              {a_online, S_ONLINE}, {a_note, X_STAY},  {a_note, X_STAY},   IGNORE,            {a_note, X_STAY},   {a_note, X_HUNG},   IGNORE,            {a_gave_up, X_WAIT}},
    /* ONLINE x JOIN: GOT_IP -> CONNECTING is a lost link (cyw43 keeps the
     * join state): "not connected", so walk the table; the leave before the
     * next join ends the chip's own rejoin. */
    [S_ONLINE]    = {IGNORE,              IGNORE,              {a_drop, X_WAIT},  {a_drop, X_WAIT},   {a_drop, X_WAIT},  {a_drop, X_WAIT},   {a_drop, X_HUNG},   {a_drop, X_WAIT},  {a_stable, X_STAY}},
    /* BACKOFF x UP: the chip rejoined on its own and DHCP bound meanwhile:
     * online, no join needed. */
    [S_BACKOFF]   = {IGNORE,              {a_online, S_ONLINE}, IGNORE,            IGNORE,             IGNORE,            IGNORE,             IGNORE,             IGNORE,            {a_join, S_ATTEMPT}},
    [S_ATTEMPT]   = {IGNORE,              {a_online, S_ONLINE}, {a_note, X_STAY},  {a_failed, X_WAIT}, IGNORE,            {a_failed, X_WAIT}, {a_failed, X_HUNG}, IGNORE,            {a_failed, X_WAIT}},
    [S_POWER_OFF] = {IGNORE,              IGNORE,              IGNORE,            IGNORE,             IGNORE,            IGNORE,             IGNORE,             IGNORE,            {a_power_on, S_ATTEMPT}},
};

#define STATUS_UNKNOWN 100 /* no CHIP_LINK_* value: the next sample always counts as a change */

static struct link {
    ec_config cfg;
    const port *port;
    link_online_fn on_change;
    state_id cur;
    bool has_deadline;
    uint32_t deadline;
    uint32_t next_sample, next_probe;
    int last_status;
    int table_pos;        /* next backoff entry */
    uint32_t backoff_now; /* the wait X_WAIT chose */
    bool hang_credit;     /* an immediate power cycle for a hung chip is still allowed */
    uint32_t boot, down_since, up_since;
    event_id pending[8];  /* events raised by actions: run after the current one */
    int npending;
    link_stats stats;
} lk;

static void raise_event(event_id ev)
{
    if (lk.npending < (int)(sizeof lk.pending / sizeof lk.pending[0]))
        lk.pending[lk.npending++] = ev;
}

static void set_deadline(uint32_t ms)
{
    lk.has_deadline = true;
    lk.deadline = hal_ticks_add(hal_ticks_ms(), (int32_t)ms);
}

/* Resolves a pseudo-state into a real one; the guards live here, not in the
 * actions, so the table says everything but "which branch". */
static state_id resolve(state_id next)
{
    if (next == X_HUNG) {
        /* A chip that does not answer commands cannot be rejoined; power is
         * the one thing a wedged cyw43 still obeys (its WL_REG_ON line). The
         * credit stops a chip whose wedge survives the cycle from being
         * cycled every second: it then walks the table like any failure. */
        if (lk.cfg.power_cycle && lk.hang_credit) {
            lk.hang_credit = false;
            return S_POWER_OFF;
        }
        next = X_WAIT;
    }
    if (next == X_WAIT) {
        if (lk.table_pos < lk.cfg.backoff_len) {
            lk.backoff_now = lk.cfg.backoff_ms[lk.table_pos++];
            return S_BACKOFF;
        }
        if (lk.cfg.power_cycle)
            return S_POWER_OFF;
        /* no power cycle allowed: keep retrying at the table's last spacing */
        lk.backoff_now = lk.cfg.backoff_len ? lk.cfg.backoff_ms[lk.cfg.backoff_len - 1] : 0;
        return S_BACKOFF;
    }
    return next;
}

/* Entry actions: what every arrival in a state does, whatever the edge. */
static void enter(state_id s)
{
    state_id was = lk.cur;
    lk.cur = s;
    lk.has_deadline = false;
    uint32_t now = hal_ticks_ms();
    switch (s) {
    case S_CONNECT:
        if (lk.cfg.connect_timeout_ms > 0)
            set_deadline(lk.cfg.connect_timeout_ms);
        break;
    case S_ONLINE:
        lk.up_since = now;
        lk.next_probe = hal_ticks_add(now, (int32_t)PROBE_MS);
        set_deadline(lk.cfg.stable_ms);
        break;
    case S_BACKOFF:
        set_deadline(lk.backoff_now);
        hal_log(HAL_LOG_INFO, "link: backoff %u ms (step %d of %d)", (unsigned)lk.backoff_now, lk.table_pos,
                lk.cfg.backoff_len);
        break;
    case S_ATTEMPT:
        if (lk.cfg.attempt_timeout_ms > 0)
            set_deadline(lk.cfg.attempt_timeout_ms);
        break;
    case S_POWER_OFF:
        lk.stats.power_cycles++;
        hal_log(HAL_LOG_WARN, "link: power-cycling the %s chip (cycle %u)", lk.port->name,
                (unsigned)lk.stats.power_cycles);
        lk.port->power(false); /* the supply line: it cannot time out */
        set_deadline(POWER_PAUSE_MS);
        break;
    default:
        break;
    }
    if (s != was)
        hal_log(HAL_LOG_DEBUG, "link: %s -> %s", state_names[was], state_names[s]);
}

static void dispatch(event_id ev)
{
    const cell *c = &table[lk.cur][ev];
    if (c->act == NULL && c->next == X_STAY)
        return;
    if (c->act != NULL)
        c->act(ev);
    state_id next = resolve(c->next);
    if (next != X_STAY)
        enter(next);
}

/* Run to completion: events an action raised are handled before anything
 * from outside, in order. */
static void run(event_id ev)
{
    dispatch(ev);
    for (int i = 0; i < lk.npending; i++)
        dispatch(lk.pending[i]);
    lk.npending = 0;
}

static void start_join(void)
{
    lk.last_status = STATUS_UNKNOWN;
    /* Leave first, as the bundled recipe does: a chip stuck half-joined
     * takes the new join cleanly (cyw43_wifi_leave is harmless when idle). */
    int rc = lk.port->leave();
    if (rc == PORT_OK || rc == PORT_GONE)
        rc = lk.port->join(&lk.cfg);
    if (rc == PORT_HUNG)
        raise_event(E_HUNG);
    else if (rc != PORT_OK)
        raise_event(E_FAIL);
}

static void a_boot(event_id ev)
{
    (void)ev;
    lk.boot = lk.down_since = hal_ticks_ms();
    int rc = lk.port->power(true);
    if (rc != PORT_OK) {
        hal_log(HAL_LOG_ERROR, "link: could not power the %s interface", lk.port->name);
        raise_event(rc == PORT_HUNG ? E_HUNG : E_FAIL);
        return;
    }
    if (lk.cfg.lan)
        hal_log(HAL_LOG_INFO, "link: LAN up, waiting up to %u ms for cable and address",
                (unsigned)lk.cfg.connect_timeout_ms);
    else
        hal_log(HAL_LOG_INFO, "link: joining '%s' (timeout %u ms)", lk.cfg.ssid, (unsigned)lk.cfg.connect_timeout_ms);
    start_join();
}

static void a_note(event_id ev)
{
    (void)ev; /* the sampler has logged the status: nothing else to do yet */
}

static void a_online(event_id ev)
{
    (void)ev;
    uint32_t down_ms = (uint32_t)hal_ticks_diff(hal_ticks_ms(), lk.down_since);
    if (lk.stats.drops > 0 || lk.stats.attempts > 0) {
        lk.stats.recoveries++;
        hal_log(HAL_LOG_INFO, "link: online again after %u ms (%u attempts so far)", (unsigned)down_ms,
                (unsigned)lk.stats.attempts);
    } else {
        hal_log(HAL_LOG_INFO, "link: online after %u ms", (unsigned)down_ms);
    }
    lk.on_change(true);
}

static void a_gave_up(event_id ev)
{
    (void)ev;
    int st = lk.port->status();
    /* The recipe's "clear error": which status the connect ended in. */
    if (lk.cfg.lan)
        hal_log(HAL_LOG_WARN, "link: LAN not online after %u ms (status %s)", (unsigned)lk.cfg.connect_timeout_ms,
                status_name(st));
    else
        hal_log(HAL_LOG_WARN, "link: connect to '%s' timed out after %u ms (status %s)", lk.cfg.ssid,
                (unsigned)lk.cfg.connect_timeout_ms, status_name(st));
}

static void a_drop(event_id ev)
{
    lk.stats.drops++;
    lk.down_since = hal_ticks_ms();
    hal_log(HAL_LOG_WARN, "link: drop (%s, status %s) after %d ms online", event_names[ev],
            status_name(lk.port->status()), (int)hal_ticks_diff(lk.down_since, lk.up_since));
    lk.on_change(false);
}

static void a_stable(event_id ev)
{
    (void)ev;
    /* Online for lm.stable_ms: the next outage starts the table over. A link
     * that "recovers" and fails again sooner (a stale chip) keeps walking it
     * towards the power cycle instead. */
    lk.table_pos = 0;
    lk.hang_credit = true;
}

static void a_join(event_id ev)
{
    (void)ev;
    lk.stats.attempts++;
    hal_log(HAL_LOG_INFO, "link: attempt %u", (unsigned)lk.stats.attempts);
    start_join();
}

static void a_failed(event_id ev)
{
    hal_log(HAL_LOG_INFO, "link: attempt %u failed (%s, status %s)", (unsigned)lk.stats.attempts,
            ev == E_TIMER ? "timeout" : event_names[ev], status_name(lk.port->status()));
    /* a timed-out join must not complete later behind the backoff */
    if (ev == E_TIMER && !lk.cfg.lan && lk.port->leave() == PORT_HUNG)
        raise_event(E_HUNG);
}

static void a_power_on(event_id ev)
{
    int rc = lk.port->power(true);
    lk.table_pos = 0; /* a fresh chip gets the whole table again */
    if (rc != PORT_OK) {
        raise_event(rc == PORT_HUNG ? E_HUNG : E_FAIL);
        return;
    }
    a_join(ev);
}

/* ---- sensing ------------------------------------------------------------------- */

static void sense(void)
{
    int st = lk.port->status();
    if (st == lk.last_status)
        return; /* edge-triggered: a persisting status is one event, not one per sample */
    if (lk.last_status != STATUS_UNKNOWN || st != CHIP_LINK_JOIN)
        hal_log(HAL_LOG_INFO, "link: status %s", status_name(st));
    lk.last_status = st;
    switch (st) {
    case CHIP_LINK_UP: run(E_UP); break;
    case CHIP_LINK_NOIP: run(E_NOIP); break;
    case CHIP_LINK_DOWN: run(E_DOWN); break;
    case CHIP_LINK_JOIN: run(E_JOIN); break; /* a join in progress, or a loss while online */
    default: run(E_FAIL); break;
    }
}

static bool sampling(void)
{
    return lk.cur == S_CONNECT || lk.cur == S_ATTEMPT || lk.cur == S_ONLINE;
}

static bool probing(void)
{
    return lk.cur == S_ONLINE && !lk.cfg.lan;
}

void link_init(const ec_config *cfg, link_online_fn on_change)
{
    memset(&lk, 0, sizeof lk);
    lk.cfg = *cfg;
    if (lk.cfg.check_period_ms == 0)
        lk.cfg.check_period_ms = 1;
    lk.port = cfg->lan ? &lan_port : &wifi_port;
    lk.on_change = on_change;
    lk.cur = S_IDLE;
    lk.last_status = STATUS_UNKNOWN;
    lk.hang_credit = true;
}

void link_start(void)
{
    run(E_START);
    lk.next_sample = hal_ticks_ms();
}

void link_notice(void)
{
    sense();
}

void link_upload_stalled(void)
{
    run(E_STALL);
}

void link_service(void)
{
    uint32_t now = hal_ticks_ms();
    if (lk.has_deadline && hal_ticks_diff(now, lk.deadline) >= 0) {
        lk.has_deadline = false;
        run(E_TIMER);
    }
    if (sampling() && hal_ticks_diff(now, lk.next_sample) >= 0) {
        lk.next_sample = hal_ticks_add(now, (int32_t)lk.cfg.check_period_ms);
        sense();
    }
    if (probing() && hal_ticks_diff(now, lk.next_probe) >= 0) {
        lk.next_probe = hal_ticks_add(now, (int32_t)PROBE_MS);
        int rc = lk.port->probe();
        if (rc == PORT_HUNG)
            run(E_HUNG);
        else if (rc == PORT_GONE)
            sense(); /* the chip says not joined: the status will show how */
    }
}

static uint32_t until(uint32_t t, uint32_t now)
{
    int32_t d = hal_ticks_diff(t, now);
    return d > 0 ? (uint32_t)d : 0;
}

uint32_t link_due_in(void)
{
    uint32_t now = hal_ticks_ms();
    uint32_t best = HAL_WAIT_FOREVER;
    if (lk.has_deadline)
        best = until(lk.deadline, now);
    if (sampling() && until(lk.next_sample, now) < best)
        best = until(lk.next_sample, now);
    if (probing() && until(lk.next_probe, now) < best)
        best = until(lk.next_probe, now);
    return best;
}

bool link_online(void)
{
    return lk.cur == S_ONLINE;
}

void link_get_stats(link_stats *out)
{
    *out = lk.stats;
}
