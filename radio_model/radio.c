/* The simulated Wi-Fi chip, station side. See radio.h for the contract.
 *
 * State machine (one row per state; events not listed are ignored):
 *
 *   state          event                               action / next state
 *   OFF            radio_power(on)                     IDLE
 *   IDLE           radio_scan                          SCANNING
 *   IDLE, JOINED   radio_join                          JOIN_SCAN (or AUTHENTICATING with bssid+channel)
 *   SCANNING       dwell timer, last channel           host scan_done -> IDLE (or back to JOINED)
 *   JOIN_SCAN      dwell timer, last channel           BSS found: AUTHENTICATING; else next pass or NONET
 *   AUTHENTICATING Authentication seq 2, status 0      ASSOCIATING         (802.11-2016 11.3.4.2)
 *                  refused / attempts exhausted        FAIL
 *   ASSOCIATING    Association Response status 0       open: JOINED; WPA2: HANDSHAKE (11.3.5.3)
 *                  refused / attempts exhausted        FAIL
 *   HANDSHAKE      EAPOL-Key message 1                 send message 2, wait for 3 (12.7.6.2, 12.7.6.3)
 *                  EAPOL-Key message 3, MIC ok         send message 4, install keys: JOINED (12.7.6.4, .5)
 *                  Deauthentication (reason != 2)      BADAUTH; retried badauth_retries times (JOIN_SCAN)
 *                  no message 1 / 3 in time            status JOIN, rejoin: JOIN_SCAN (cyw43 pend_rejoin)
 *   JOINED         beacon_loss_count beacons missed    link lost: IDLE, status JOIN, rejoin timer
 *                  Deauthentication (reason != 2),     link lost: IDLE, status JOIN, rejoin timer
 *                  Disassociation
 *   joining,       Deauthentication reason 2           IDLE, status DOWN (cyw43 pend_disassoc)
 *   JOINED
 *   IDLE           rejoin timer (after a link loss)    JOIN_SCAN, one pass; a failure is silent and
 *                                                      re-arms the timer (roam_period_ms)
 *   JOINED         beacon, mean RSSI < roam_trigger,   roam scan: SCANNING (host not told), back to
 *                  last roam scan >= roam_period ago   JOINED when no BSS is roam_delta stronger
 *   SCANNING       roam scan done, a better BSS        AUTHENTICATING it, then Reassociation Request
 *   (roam)                                             (11.3.5.4), HANDSHAKE, JOINED: host link stays up
 *   AUTH., ASSOC.  roam refused / unanswered           back to the old BSS: JOINED
 *   (roam)
 *   HANDSHAKE      roam's handshake fails              link lost: IDLE, status JOIN, rejoin timer
 *   (roam)
 *   any but OFF    radio_leave                         Deauthentication reason 3: IDLE (DOWN)
 *   any            radio_power(off)                    OFF (silent: nothing sent)
 *
 * The status column is radio_link_status: cyw43's wifi_join_state (radio.h).
 *
 * The wedge fault sits across the table rather than in it (radio.h):
 *   any but OFF    radio_wedge(COMMANDS or BOTH)       state frozen: its timer and the loss timer
 *                                                      dropped, commands ETIMEDOUT, no row above fires
 *                  radio_wedge(FRAMES)                 loss timer dropped, no frame in or out; the
 *                                                      rows above run on what is (not) heard
 *   OFF            radio_power(on), wedged, after an   IDLE; wedge cleared, or kept while it still
 *                  off while wedged                    survives power cycles
 */
#define _POSIX_C_SOURCE 200809L
#include "radio_model/radio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dot11/akm.h"
#include "dot11/bip.h"
#include "dot11/crypto.h"
#include "dot11/frame.h"
#include "dot11/sae.h"
#include "eap/eap_peer.h"
#include "eap/eapol.h"

#define FRAME_MAX 2400
#define MAX_SEEN 32
#define PMK_CACHE 4

enum radio_state {
    ST_OFF,
    ST_IDLE,
    ST_SCANNING,
    ST_JOIN_SCAN,
    ST_AUTHENTICATING,
    ST_ASSOCIATING,
    ST_HANDSHAKE,
    ST_JOINED,
};

static const char *const state_names[] = {"OFF", "IDLE", "SCANNING", "JOIN_SCAN", "AUTHENTICATING",
                                          "ASSOCIATING", "HANDSHAKE", "JOINED"};

/* What the station advertises: 802.11b/g rates (500 kb/s units). */
static const uint8_t sta_rates[] = {0x82, 0x84, 0x8b, 0x96, 12, 18, 24, 36, 48, 72, 96, 108};

struct bss {
    uint8_t bssid[6];
    uint8_t ssid[32];
    uint8_t ssid_len;
    uint8_t channel;
    double rssi;
    bool wpa2;
    bool sae;     /* AKM SAE in its RSNE */
    uint16_t rsn_caps; /* its RSN Capabilities (MFPC bit 7, MFPR bit 6) */
    bool privacy;
    uint16_t beacon_interval;
    uint8_t basic_rate; /* lowest rate of its BSSBasicRateSet; 0: none heard */
};

struct pmk_entry {
    bool used;
    uint8_t ssid[32];
    uint8_t ssid_len;
    char passphrase[64];
    uint8_t pmk[32];
    uint64_t stamp;
};

#define BEACON_MEMO_MAX 384

struct radio {
    sim *s;
    sim_trace *tr;
    sim_rng *rng;
    char name[32];
    radio_config cfg;
    dot11_air_port air;
    radio_host_ops host;
    dot11_ccm *ccm; /* the pairwise key's engine, both directions (dot11/crypto.h) */
    dot11_ccm *ccm_group; /* the group keys' engine, receive only */

    enum radio_state state;
    enum radio_state after_scan; /* where a host scan returns to */
    int last_result;
    uint16_t seq;
    sim_timer_id timer;      /* the current state's timeout or dwell */
    sim_timer_id loss_timer; /* beacon loss deadline */
    sim_time loss_timer_at;  /* when loss_timer fires (it may lag loss_deadline) */
    sim_time loss_deadline;  /* the true deadline, moved by every beacon */
    sim_timer_id down_event; /* deferred host link_down */
    sim_timer_id roam_timer; /* the chip's next rejoin attempt after a link loss */
    bool roaming;            /* the chip's own rejoin after a link loss is under way */
    sim_time roam_next;      /* earliest start of the next rejoin attempt */

    /* roaming while joined (radio.h "Roaming") */
    bool roam_scan;          /* the SCANNING state is the chip's roam scan, not the host's */
    bool roam_active;        /* authenticating, reassociating or keying with a new BSS */
    struct bss roam_prev;    /* the BSS the roam left (to go back to, and Current AP) */
    sim_time roam_scan_next; /* earliest next roam scan */
    double rssi_avg;         /* running mean of the BSS's beacon RSSI */

    /* scanning (host scan and join scan) */
    radio_scan_opts scan_opts;
    int single_channel; /* nonzero: scan only this channel */
    int chan_idx;
    int pass;
    int passes; /* a join scan's passes: cfg.join_scan_passes, 1 for a rejoin */
    struct bss seen[MAX_SEEN];
    int nseen;

    /* power save (radio_set_pm) */
    uint32_t pm;             /* cyw43 pm value: mode in bits 0-3 */
    bool ps_dozing;          /* the AP was told PM=1 */
    sim_timer_id ps_timer;   /* PM2: back to doze after pm2_sleep_ret */

    /* the join */
    radio_join_params join;
    int badauth_left;
    struct bss target;
    int attempts;
    uint16_t aid;
    uint8_t rsne[64];
    size_t rsne_len;

    /* keys (12.7.6) */
    bool have_pmk;
    uint8_t pmk[32];
    bool have_ptk;
    uint8_t ptk[48];
    uint8_t anonce[32];
    uint8_t snonce[32];
    bool have_replay;
    uint64_t replay;
    bool keys_installed;
    /* GTKs by Key ID (0..3): a group rekey installs the new one beside the
     * old, which the AP keeps sending with until every station has the new
     * one (12.7.7); each has its own replay counter (12.5.3.4.4). */
    struct gtk_slot {
        bool valid;
        uint8_t key[32];
        bool pn_valid;
        uint64_t pn;
    } gtks[4];
    bool gk_miss; /* the group_key_miss fault: group message 1 is ignored */
    uint64_t tx_pn;
    bool rx_pn_valid;
    uint64_t rx_pn;

    int tx_power_dbm;

    /* link monitor */
    sim_time last_beacon;
    double rssi;

    /* the wedge fault */
    radio_wedge_mode wedge;
    int wedge_survives; /* power cycles it still survives */
    bool wedge_cycled;  /* powered off since the wedge hit: the next power-on is a cycle */

    /* Enterprise: the supplicant of the current attempt, and the join's
     * certificates (copied: the caller's strings need not outlive it). */
    eap_peer *eap;
    char *ca_pem, *cert_pem, *key_pem;
    /* The AKM of this attempt, and SAE's exchange (dot11/sae.h). */
    uint32_t akm;
    dot11_sae *sae;
    bool sae_mismatch;        /* a Confirm that did not verify came */
    bool pmk_from_exchange;   /* r->pmk is SAE's or EAP's, not the passphrase's */
    uint8_t sae_token[64];
    size_t sae_token_len;
    /* PMF (802.11w) of the association: the IGTK, the replay counter of
     * protected management frames, and the SA Query in progress. */
    bool mfp;
    bool igtk_valid;
    uint8_t igtk[16];
    uint16_t igtk_id;
    uint64_t igtk_ipn;
    uint64_t rx_mgmt_pn;
    uint8_t saq_id[2];
    sim_timer_id saq_timer;
    sim_time saq_start;

    struct pmk_entry pmk_cache[PMK_CACHE];
    uint64_t pmk_clock;
    radio_stats stats;

    /* The last beacons parsed (two: a DTIM period of 2 alternates the TIM
     * between two versions), see beacon_memo_find. */
    struct beacon_memo {
        size_t len; /* 0: empty */
        uint8_t bytes[BEACON_MEMO_MAX];
        struct dot11_mgmt m; /* its ies point into bytes */
    } memo[2];
    unsigned memo_next;
    unsigned memo_hit; /* the slot the last known beacon matched */
};

/* ---- small helpers ------------------------------------------------------- */

static void mac_str(const uint8_t *m, char out[18])
{
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static bool is_group(const uint8_t *addr)
{
    return (addr[0] & 1) != 0;
}

static void trace_state(radio *r, sim_log_level lvl, const char *event, const char *key, const char *val)
{
    sim_trace_rec *t = sim_trace_begin(r->tr, lvl, r->name, event);
    if (key != NULL)
        sim_trace_str(t, key, val);
    sim_trace_end(t);
}

static void trace_int(radio *r, sim_log_level lvl, const char *event, const char *key, int64_t val)
{
    sim_trace_rec *t = sim_trace_begin(r->tr, lvl, r->name, event);
    sim_trace_int(t, key, val);
    sim_trace_end(t);
}

static bool commands_hung(const radio *r)
{
    return (r->wedge & RADIO_WEDGE_COMMANDS) != 0;
}

static bool frames_hung(const radio *r)
{
    return (r->wedge & RADIO_WEDGE_FRAMES) != 0;
}

static const char *wedge_name(radio_wedge_mode m)
{
    switch (m) {
    case RADIO_WEDGE_COMMANDS: return "commands";
    case RADIO_WEDGE_FRAMES: return "frames";
    case RADIO_WEDGE_BOTH: return "both";
    default: return "none";
    }
}

static void ps_reset(radio *r);

static void set_state(radio *r, enum radio_state st)
{
    if (r->state == st)
        return;
    if (r->state == ST_JOINED)
        ps_reset(r);
    sim_trace_rec *t = sim_trace_begin(r->tr, SIM_LOG_DEBUG, r->name, "state");
    sim_trace_str(t, "from", state_names[r->state]);
    sim_trace_str(t, "to", state_names[st]);
    sim_trace_end(t);
    r->state = st;
}

static void cancel_timer(radio *r)
{
    sim_cancel(r->s, r->timer);
    r->timer = 0;
}

static uint16_t next_seq(radio *r)
{
    uint16_t s = r->seq;
    r->seq = (uint16_t)((r->seq + 1) & 0x0fff);
    return s;
}

static void transmit(radio *r, const uint8_t *frame, int len, uint8_t rate)
{
    if (len <= 0) {
        trace_int(r, SIM_LOG_ERROR, "tx_build_failed", "code", len);
        return;
    }
    if (frames_hung(r)) {
        r->stats.wedge_tx_dropped++;
        return;
    }
    r->air.transmit(r->air.ctx, frame, (size_t)len, rate);
}

/* Unicast data at the rate the MAC's rate adaptation picks, starting from
 * cfg.data_rate (radio_model/medium.c: AARF). */
static void transmit_data(radio *r, const uint8_t *frame, int len, uint8_t rate)
{
    if (len <= 0 || r->air.transmit_ex == NULL || rate != r->cfg.data_rate) {
        transmit(r, frame, len, rate);
        return;
    }
    if (frames_hung(r)) {
        r->stats.wedge_tx_dropped++;
        return;
    }
    dot11_tx_params p = {.rate = rate, .rate_ctl = true};
    r->air.transmit_ex(r->air.ctx, frame, (size_t)len, &p);
}

static void mgmt_hdr(radio *r, struct dot11_mgmt_hdr *h, const uint8_t *da, const uint8_t *bssid)
{
    memset(h, 0, sizeof *h);
    memcpy(h->da, da, 6);
    memcpy(h->sa, r->cfg.mac, 6);
    memcpy(h->bssid, bssid, 6);
    h->seq_num = next_seq(r);
}

/* Management frames and EAPOL to the BSS go at the lowest rate of its
 * BSSBasicRateSet, the rate every station of the BSS must be able to
 * receive (802.11-2016 10.6.6.2 / 10.6.6.5). Linux mac80211 does the same:
 * management frames, and control-port (EAPOL) frames, which
 * ieee80211_tx_h_check_control_port_protocol (net/mac80211/tx.c) marks
 * IEEE80211_TX_CTL_USE_MINRATE, get the lowest basic rate from
 * rate_control_send_low (net/mac80211/rate.c). Sent at the data rate, the
 * 4-way handshake fails at the edge of the cell where authentication and
 * association succeed. Before a BSS was heard: cfg.mgmt_rate. */
static uint8_t robust_rate(const radio *r)
{
    return r->target.basic_rate ? r->target.basic_rate : r->cfg.mgmt_rate;
}

static bool rate_on_air(uint8_t v)
{
    /* the 802.11b/g rates the medium carries (medium.h) */
    static const uint8_t ok[] = {2, 4, 11, 22, 12, 18, 24, 36, 48, 72, 96, 108};
    for (size_t i = 0; i < sizeof ok; i++)
        if (ok[i] == v)
            return true;
    return false;
}

static int tune(radio *r, int channel)
{
    return r->air.set_channel(r->air.ctx, channel);
}

/* ---- config, life cycle --------------------------------------------------- */

void radio_config_default(radio_config *c)
{
    memset(c, 0, sizeof *c);
    c->name = "radio";
    static const uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    memcpy(c->mac, mac, 6);
    c->beacon_loss_count = 8;
    c->auth_timeout_ms = 300;
    c->assoc_timeout_ms = 300;
    c->auth_attempts = 3;
    c->assoc_attempts = 3;
    c->handshake_timeout_ms = 2500;
    c->eap_timeout_ms = 30000;
    c->roam_period_ms = 10000;
    c->roam_trigger_dbm = -75; /* brcmfmac WL_ROAM_TRIGGER_LEVEL (radio.h) */
    c->roam_delta_db = 20;     /* brcmfmac WL_ROAM_DELTA */
    c->join_scan_passes = 2;
    c->badauth_retries = 1;
    c->dwell_active_ms = 40;
    c->dwell_passive_ms = 110;
    for (int i = 0; i < 13; i++)
        c->channels[i] = (uint8_t)(i + 1);
    c->nchannels = 13;
    c->mgmt_rate = 2;
    c->data_rate = 48;
}

radio *radio_create(sim *s, const dot11_air_port *air, const radio_config *cfg, sim_err *err)
{
    radio_config def;
    radio_config_default(&def);
    if (cfg == NULL)
        cfg = &def;
    if (air == NULL || air->transmit == NULL || air->set_channel == NULL || air->set_enabled == NULL) {
        sim_err_set(err, SIM_EINVAL, "radio: the air port is incomplete");
        return NULL;
    }
    if (cfg->nchannels < 1 || cfg->nchannels > 14 || cfg->beacon_loss_count < 1) {
        sim_err_set(err, SIM_EINVAL, "radio: needs 1..14 scan channels and beacon_loss_count >= 1");
        return NULL;
    }
    radio *r = calloc(1, sizeof *r);
    if (r == NULL) {
        sim_err_set(err, SIM_ENOMEM, "radio: out of memory");
        return NULL;
    }
    r->s = s;
    r->tr = sim_trace_of(s);
    r->cfg = *cfg;
    snprintf(r->name, sizeof r->name, "%s", cfg->name ? cfg->name : "radio");
    r->rng = sim_rng_stream(s, r->name);
    r->air = *air;
    r->ccm = dot11_ccm_new();
    r->ccm_group = dot11_ccm_new_dir(DOT11_CCM_RX);
    if (r->ccm == NULL || r->ccm_group == NULL) {
        dot11_ccm_free(r->ccm);
        dot11_ccm_free(r->ccm_group);
        free(r);
        sim_err_set(err, SIM_ENOMEM, "radio: cannot set up AES-CCM");
        return NULL;
    }
    dot11_ccm_set_memo(r->ccm, cfg->ccm_memo);
    dot11_ccm_set_memo(r->ccm_group, cfg->ccm_memo);
    r->state = ST_OFF;
    r->last_result = RADIO_LINK_DOWN;
    r->tx_power_dbm = 20;
    r->air.set_enabled(r->air.ctx, false);
    r->pm = r->cfg.pm;
    return r;
}

static void roam_cancel(radio *r);

static void cancel_all(radio *r)
{
    cancel_timer(r);
    sim_cancel(r->s, r->loss_timer);
    r->loss_timer = 0;
    sim_cancel(r->s, r->saq_timer);
    r->saq_timer = 0;
}

void radio_destroy(radio *r)
{
    if (r == NULL)
        return;
    cancel_all(r);
    roam_cancel(r);
    sim_cancel(r->s, r->down_event);
    sim_cancel(r->s, r->ps_timer);
    dot11_ccm_free(r->ccm);
    eap_peer_free(r->eap);
    free(r->ca_pem);
    free(r->cert_pem);
    free(r->key_pem);
    dot11_sae_free(r->sae);
    dot11_ccm_free(r->ccm_group);
    free(r);
}

void radio_set_host(radio *r, const radio_host_ops *ops)
{
    if (ops)
        r->host = *ops;
    else
        memset(&r->host, 0, sizeof r->host);
}

static void wipe_keys(radio *r)
{
    eap_peer_free(r->eap);
    r->eap = NULL;
    r->have_ptk = false;
    r->have_replay = false;
    r->keys_installed = false;
    r->rx_pn_valid = false;
    r->tx_pn = 0;
    memset(r->ptk, 0, sizeof r->ptk);
    memset(r->gtks, 0, sizeof r->gtks);
}

static void down_event_cb(void *arg)
{
    radio *r = arg;
    r->down_event = 0;
    if (r->host.link_down)
        r->host.link_down(r->host.ctx);
}

/* The link went down from inside a command: tell the host from an event of
 * its own, so that the host never sees a callback inside its own call. */
static void defer_link_down(radio *r)
{
    if (r->down_event == 0)
        r->down_event = sim_after(r->s, 0, down_event_cb, r);
}

/* ---- the chip's own rejoin ------------------------------------------------- */

static void roam_attempt(void *arg);

/* The chip firmware's reconnection after a link loss (radio.h): it keeps
 * the SSID it joined and retries until it is back or the host leaves. */
static void roam_cancel(radio *r)
{
    sim_cancel(r->s, r->roam_timer);
    r->roam_timer = 0;
    r->roaming = false;
}

static void roam_schedule(radio *r)
{
    sim_cancel(r->s, r->roam_timer);
    sim_time now = sim_now(r->s);
    r->roam_timer = sim_at(r->s, r->roam_next > now ? r->roam_next : now, roam_attempt, r);
}

/* ---- power ---------------------------------------------------------------- */

/* A power-on after an off while wedged: the cycle that clears the wedge,
 * unless it is to survive this one. */
static void wedge_power_cycle(radio *r)
{
    if (r->wedge == RADIO_WEDGE_NONE || !r->wedge_cycled)
        return;
    sim_trace_rec *t;
    if (r->wedge_survives > 0) {
        r->wedge_survives--;
        t = sim_trace_begin(r->tr, SIM_LOG_INFO, r->name, "wedge_survived");
        sim_trace_str(t, "mode", wedge_name(r->wedge));
        sim_trace_int(t, "left", r->wedge_survives);
    } else {
        t = sim_trace_begin(r->tr, SIM_LOG_INFO, r->name, "wedge_cleared");
        sim_trace_str(t, "mode", wedge_name(r->wedge));
        r->wedge = RADIO_WEDGE_NONE;
    }
    sim_trace_end(t);
}

/* Not a host command but the board's power GPIO: a wedge never blocks it. */
int radio_power(radio *r, bool on)
{
    if (on) {
        if (r->state != ST_OFF)
            return RADIO_OK;
        r->air.set_enabled(r->air.ctx, true);
        tune(r, r->cfg.channels[0]);
        set_state(r, ST_IDLE);
        r->last_result = RADIO_LINK_DOWN;
        trace_state(r, SIM_LOG_INFO, "power", "state", "on");
        wedge_power_cycle(r);
        r->wedge_cycled = false;
        return RADIO_OK;
    }
    if (r->state == ST_OFF)
        return RADIO_OK;
    /* Joined counts while a host scan has the radio off channel: the host
     * saw link_up and must see link_down. */
    bool was_joined = radio_joined(r);
    cancel_all(r);
    roam_cancel(r);
    r->roam_active = false;
    r->roam_scan = false;
    wipe_keys(r);
    r->air.set_enabled(r->air.ctx, false);
    set_state(r, ST_OFF);
    r->last_result = RADIO_LINK_DOWN;
    trace_state(r, SIM_LOG_INFO, "power", "state", "off");
    if (r->wedge != RADIO_WEDGE_NONE)
        r->wedge_cycled = true;
    if (was_joined)
        defer_link_down(r);
    return RADIO_OK;
}

void radio_wedge(radio *r, radio_wedge_mode mode, int survives_power_cycles)
{
    if (mode <= RADIO_WEDGE_NONE || mode > RADIO_WEDGE_BOTH)
        return;
    r->wedge = (radio_wedge_mode)(r->wedge | mode);
    r->wedge_survives = survives_power_cycles > 0 ? survives_power_cycles : 0;
    /* Set while powered down, the wedge hits at the next power-on; that
     * power-on must not count as the cycle that clears it. */
    r->wedge_cycled = false;
    sim_trace_rec *t = sim_trace_begin(r->tr, SIM_LOG_INFO, r->name, "wedge");
    sim_trace_str(t, "mode", wedge_name(r->wedge));
    sim_trace_int(t, "survives", r->wedge_survives);
    sim_trace_str(t, "state", state_names[r->state]);
    sim_trace_end(t);
    if (r->state == ST_OFF)
        return;
    /* A hung state machine does nothing on its own: no dwell, retry or
     * handshake deadline fires. Either wedge also hangs the link monitor, or
     * it would notice the silence and end the stale link. */
    if (commands_hung(r)) {
        cancel_timer(r);
        sim_cancel(r->s, r->roam_timer); /* the rejoin is the hung firmware's too */
        r->roam_timer = 0;
    }
    sim_cancel(r->s, r->loss_timer);
    r->loss_timer = 0;
}

radio_wedge_mode radio_wedged(const radio *r)
{
    return r->wedge;
}

bool radio_powered(const radio *r)
{
    return r->state != ST_OFF;
}

void radio_get_mac(const radio *r, uint8_t mac[6])
{
    memcpy(mac, r->cfg.mac, 6);
}

/* ---- scanning ------------------------------------------------------------- */

static void scan_channel(radio *r);

static void send_probe_req(radio *r)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    struct dot11_mgmt_hdr h;
    mgmt_hdr(r, &h, bcast, bcast);
    uint8_t buf[FRAME_MAX];
    int n = dot11_build_probe_req(buf, sizeof buf, &h, r->scan_opts.ssid, r->scan_opts.ssid_len, sta_rates,
                                  sizeof sta_rates);
    transmit(r, buf, n, r->cfg.mgmt_rate);
}

static uint16_t dwell_ms(const radio *r)
{
    if (r->scan_opts.dwell_ms)
        return r->scan_opts.dwell_ms;
    return r->scan_opts.passive ? r->cfg.dwell_passive_ms : r->cfg.dwell_active_ms;
}

static void scan_dwell_done(void *arg);

static void scan_channel(radio *r)
{
    tune(r, r->single_channel ? r->single_channel : r->cfg.channels[r->chan_idx]);
    if (!r->scan_opts.passive)
        send_probe_req(r);
    r->timer = sim_after(r->s, SIM_MS(dwell_ms(r)), scan_dwell_done, r);
}

static void scan_begin(radio *r, const radio_scan_opts *opts, enum radio_state st, int single_channel)
{
    r->scan_opts = *opts;
    r->single_channel = single_channel;
    r->chan_idx = 0;
    r->nseen = 0;
    set_state(r, st);
    scan_channel(r);
}

static void record_bss(radio *r, const struct bss *b)
{
    for (int i = 0; i < r->nseen; i++) {
        if (memcmp(r->seen[i].bssid, b->bssid, 6) == 0) {
            if (b->rssi > r->seen[i].rssi)
                r->seen[i].rssi = b->rssi;
            return;
        }
    }
    if (r->nseen < MAX_SEEN)
        r->seen[r->nseen++] = *b;
    if (r->state == ST_SCANNING && !r->roam_scan && r->host.scan_result) {
        radio_scan_result res;
        memset(&res, 0, sizeof res);
        res.ssid_len = b->ssid_len;
        memcpy(res.ssid, b->ssid, b->ssid_len);
        memcpy(res.bssid, b->bssid, 6);
        res.channel = b->channel;
        res.rssi = (int16_t)(b->rssi < 0 ? b->rssi - 0.5 : b->rssi + 0.5);
        res.wpa2 = b->wpa2;
        res.privacy = b->privacy;
        r->host.scan_result(r->host.ctx, &res);
    }
}

static void start_auth(radio *r);
static void roam_scan_done(radio *r);
static void join_failed(radio *r, int status, const char *why);
static void join_restart(radio *r);
static void state_cleared(radio *r, const char *why, int reason);
static void loss_rearm(radio *r);

static void scan_dwell_done(void *arg)
{
    radio *r = arg;
    r->timer = 0;
    if (r->single_channel == 0 && r->chan_idx + 1 < r->cfg.nchannels) {
        r->chan_idx++;
        scan_channel(r);
        return;
    }
    if (r->state == ST_SCANNING && r->roam_scan) {
        roam_scan_done(r);
        return;
    }
    if (r->state == ST_SCANNING) {
        sim_trace_rec *t = sim_trace_begin(r->tr, SIM_LOG_INFO, r->name, "scan_done");
        sim_trace_int(t, "found", r->nseen);
        sim_trace_end(t);
        enum radio_state back = r->after_scan;
        if (back == ST_JOINED) {
            tune(r, r->target.channel);
            r->last_beacon = sim_now(r->s); /* the monitor paused while away */
            set_state(r, ST_JOINED);
            loss_rearm(r);
        } else {
            set_state(r, ST_IDLE);
        }
        if (r->host.scan_done)
            r->host.scan_done(r->host.ctx);
        return;
    }
    /* a join scan: take the strongest BSS with the SSID (and BSSID) */
    int best = -1;
    for (int i = 0; i < r->nseen; i++) {
        const struct bss *b = &r->seen[i];
        if (b->ssid_len != r->join.ssid_len || memcmp(b->ssid, r->join.ssid, b->ssid_len) != 0)
            continue;
        if (r->join.has_bssid && memcmp(b->bssid, r->join.bssid, 6) != 0)
            continue;
        if (best < 0 || b->rssi > r->seen[best].rssi)
            best = i;
    }
    if (best >= 0) {
        r->target = r->seen[best];
        tune(r, r->target.channel);
        start_auth(r);
        return;
    }
    if (++r->pass < r->passes) {
        r->chan_idx = 0;
        r->nseen = 0;
        scan_channel(r);
        return;
    }
    join_failed(r, RADIO_LINK_NONET, "no BSS with this SSID heard");
}

int radio_scan(radio *r, const radio_scan_opts *opts)
{
    if (r->state == ST_OFF)
        return RADIO_EPERM;
    if (commands_hung(r))
        return RADIO_ETIMEDOUT;
    if (r->state != ST_IDLE && r->state != ST_JOINED)
        return RADIO_EBUSY;
    radio_scan_opts def;
    memset(&def, 0, sizeof def);
    if (opts == NULL)
        opts = &def;
    if (opts->ssid_len > 32)
        return RADIO_EINVAL;
    r->after_scan = r->state;
    if (r->state == ST_JOINED) {
        sim_cancel(r->s, r->loss_timer);
        r->loss_timer = 0;
    }
    sim_trace_rec *t = sim_trace_begin(r->tr, SIM_LOG_INFO, r->name, "scan_start");
    sim_trace_bool(t, "passive", opts->passive);
    sim_trace_end(t);
    scan_begin(r, opts, ST_SCANNING, 0);
    return RADIO_OK;
}

bool radio_scanning(const radio *r)
{
    return r->state == ST_SCANNING;
}

/* ---- joining -------------------------------------------------------------- */

static void pmk_for(radio *r, const uint8_t *ssid, size_t ssid_len, const char *pass)
{
    r->pmk_clock++;
    for (int i = 0; i < PMK_CACHE; i++) {
        struct pmk_entry *e = &r->pmk_cache[i];
        if (e->used && e->ssid_len == ssid_len && memcmp(e->ssid, ssid, ssid_len) == 0 &&
            strcmp(e->passphrase, pass) == 0) {
            memcpy(r->pmk, e->pmk, 32);
            e->stamp = r->pmk_clock;
            r->have_pmk = true;
            r->stats.pmk_cache_hits++;
            return;
        }
    }
    /* PBKDF2-SHA1 with 4096 iterations is the one expensive step of a join:
     * cache it, as chips do, per (SSID, passphrase). */
    if (dot11_pmk_cache_derive(r->cfg.pmk_cache, pass, ssid, ssid_len, r->pmk) != 0) {
        r->have_pmk = false;
        return;
    }
    r->have_pmk = true;
    r->stats.pmk_computed++;
    int victim = 0;
    for (int i = 0; i < PMK_CACHE; i++) {
        if (!r->pmk_cache[i].used) {
            victim = i;
            break;
        }
        if (r->pmk_cache[i].stamp < r->pmk_cache[victim].stamp)
            victim = i;
    }
    struct pmk_entry *e = &r->pmk_cache[victim];
    e->used = true;
    memcpy(e->ssid, ssid, ssid_len);
    e->ssid_len = (uint8_t)ssid_len;
    snprintf(e->passphrase, sizeof e->passphrase, "%s", pass);
    memcpy(e->pmk, r->pmk, 32);
    e->stamp = r->pmk_clock;
}

static void send_deauth(radio *r, const uint8_t *bssid, uint16_t reason)
{
    struct dot11_mgmt_hdr h;
    mgmt_hdr(r, &h, bssid, bssid);
    uint8_t buf[64];
    transmit(r, buf, dot11_build_deauth(buf, sizeof buf, &h, reason), robust_rate(r));
}

static void auth_timeout(void *arg);

/* SAE Commit (12.4.8.6.2), with the anti-clogging token if the AP asked. */
static void send_sae_commit(radio *r)
{
    struct dot11_mgmt_hdr h;
    mgmt_hdr(r, &h, r->target.bssid, r->target.bssid);
    uint8_t body[DOT11_SAE_COMMIT_MAX + 64], buf[FRAME_MAX];
    size_t n = 0;
    if (dot11_sae_write_commit(r->sae, r->sae_token, r->sae_token_len, body, sizeof body, &n) != 0)
        return;
    transmit(r, buf,
             dot11_build_auth_body(buf, sizeof buf, &h, DOT11_AUTH_ALG_SAE, 1, 0, body, n),
             robust_rate(r));
}

static void send_auth(radio *r)
{
    struct dot11_mgmt_hdr h;
    mgmt_hdr(r, &h, r->target.bssid, r->target.bssid);
    uint8_t buf[64];
    if (r->akm == DOT11_AKM_SAE) {
        /* Each attempt is a new exchange (12.4.8.6.1: a new Commit). */
        dot11_sae_free(r->sae);
        r->sae = dot11_sae_new(r->cfg.mac, r->target.bssid, r->join.passphrase, NULL);
        if (r->sae != NULL) {
            /* rand and mask from the run's stream: byte-identical reruns */
            uint8_t rm[64];
            sim_rng_bytes(r->rng, rm, sizeof rm);
            dot11_sae_set_rand_mask(r->sae, rm, rm + 32);
            memset(rm, 0, sizeof rm);
            send_sae_commit(r);
        }
        r->attempts++;
        r->timer = sim_after(r->s, SIM_MS(r->cfg.auth_timeout_ms), auth_timeout, r);
        return;
    }
    transmit(r, buf, dot11_build_auth(buf, sizeof buf, &h, DOT11_AUTH_ALG_OPEN_SYSTEM, 1, 0), robust_rate(r));
    r->attempts++;
    r->timer = sim_after(r->s, SIM_MS(r->cfg.auth_timeout_ms), auth_timeout, r);
}

static void start_auth(radio *r)
{
    char b[18];
    mac_str(r->target.bssid, b);
    sim_trace_rec *t = sim_trace_begin(r->tr, SIM_LOG_INFO, r->name, "authenticating");
    sim_trace_str(t, "bssid", b);
    sim_trace_int(t, "channel", r->target.channel);
    sim_trace_int(t, "rssi", (int64_t)r->target.rssi);
    sim_trace_end(t);
    set_state(r, ST_AUTHENTICATING);
    r->attempts = 0;
    /* The AKM: the join's, and in transition mode SAE where offered. */
    r->akm = r->join.auth == RADIO_AUTH_WPA2_ENTERPRISE ? DOT11_AKM_8021X
             : r->join.auth == RADIO_AUTH_WPA3_SAE      ? DOT11_AKM_SAE
             : r->join.auth == RADIO_AUTH_WPA3_WPA2     ? (r->target.sae ? DOT11_AKM_SAE : DOT11_AKM_PSK)
                                                         : DOT11_AKM_PSK;
    r->sae_mismatch = false;
    r->sae_token_len = 0;
    if (r->pmk_from_exchange || r->akm != DOT11_AKM_PSK) {
        r->have_pmk = false; /* a PMK from SAE or EAP is this association's only */
        r->pmk_from_exchange = false;
    }
    send_auth(r);
}

static void auth_timeout(void *arg)
{
    radio *r = arg;
    r->timer = 0;
    if (r->attempts < r->cfg.auth_attempts)
        send_auth(r);
    else if (r->sae_mismatch)
        join_failed(r, RADIO_LINK_BADAUTH, "SAE: the AP's Confirm does not verify (the passwords differ)");
    else
        join_failed(r, RADIO_LINK_FAIL, "authentication unanswered");
}

static void assoc_timeout(void *arg);

static void send_assoc(radio *r)
{
    struct dot11_mgmt_hdr h;
    mgmt_hdr(r, &h, r->target.bssid, r->target.bssid);
    struct dot11_rsn rsn;
    dot11_rsn_init_wpa2_psk_ccmp(&rsn, 0);
    rsn.akm[0] = r->akm ? r->akm : DOT11_AKM_PSK;
    /* PMF: cyw43 joins WPA3 with management frame protection, required on
     * a WPA3-only join and offered in transition mode (WPA3 spec 2.2, 2.3);
     * WPA2 joins go without, as before. */
    bool mfpc = r->join.auth == RADIO_AUTH_WPA3_SAE || r->join.auth == RADIO_AUTH_WPA3_WPA2;
    if (mfpc)
        rsn.capabilities |= 0x0080;
    if (r->join.auth == RADIO_AUTH_WPA3_SAE)
        rsn.capabilities |= 0x0040;
    r->mfp = mfpc && (r->target.rsn_caps & 0x0080) != 0;
    r->igtk_valid = false;
    r->rx_mgmt_pn = 0;
    struct dot11_assoc_req_params p = {
        .capability = DOT11_CAP_ESS | DOT11_CAP_SHORT_SLOT_TIME,
        .listen_interval = 10,
        .ssid = r->join.ssid,
        .ssid_len = r->join.ssid_len,
        .rates = sta_rates,
        .n_rates = sizeof sta_rates,
        .rsn = r->join.auth != RADIO_AUTH_OPEN ? &rsn : NULL,
        .current_ap = r->roam_active ? r->roam_prev.bssid : NULL,
    };
    if (p.rsn != NULL) {
        int n = dot11_rsn_build(r->rsne, sizeof r->rsne, &rsn);
        r->rsne_len = n > 0 ? (size_t)n : 0;
    }
    uint8_t buf[FRAME_MAX];
    transmit(r, buf, dot11_build_assoc_req(buf, sizeof buf, &h, &p), robust_rate(r));
    r->attempts++;
    r->timer = sim_after(r->s, SIM_MS(r->cfg.assoc_timeout_ms), assoc_timeout, r);
}

static void assoc_timeout(void *arg)
{
    radio *r = arg;
    r->timer = 0;
    if (r->attempts < r->cfg.assoc_attempts)
        send_assoc(r);
    else
        join_failed(r, RADIO_LINK_FAIL, "association unanswered");
}

/* The supplicant waited handshake_timeout_ms for message 1 (or 3) in vain:
 * a key exchange lost to the air or a silent AP, not a wrong passphrase.
 * The Broadcom supplicant reports WLC_E_PSK_SUP with status
 * WLC_SUP_KEYXCHANGE_WAIT_M1 (4) / _WAIT_M3 (8) and reason
 * WLC_E_SUP_WPA_PSK_TMO (15); cyw43_cb_process_async_event (cyw43-driver
 * src/cyw43_ctrl.c, "Timeout waiting for key exchange M1/M3/G1. Probably at
 * edge of the cell, retry") then sets pend_rejoin: the driver issues
 * WLC_SET_SSID again (cyw43_ll_wifi_rejoin) and the join state is ACTIVE,
 * so the host reads CHIP_LINK_JOIN, never BADAUTH. The rejoin is a join
 * like the host's: its NONET or FAIL are reported. */
/* The key exchange (802.1X, then the 4-way handshake) waited in vain: the
 * driver rejoins and the host keeps reading JOIN (above); during a roam it
 * is the roam's failure. */
static void key_exchange_timeout(radio *r, const char *roam_why)
{
    if (r->roam_active) {
        join_failed(r, RADIO_LINK_JOIN, roam_why);
        return;
    }
    cancel_all(r);
    wipe_keys(r);
    roam_cancel(r);
    r->last_result = RADIO_LINK_JOIN;
    r->passes = r->cfg.join_scan_passes;
    join_restart(r);
}

static void handshake_timeout(void *arg)
{
    radio *r = arg;
    r->timer = 0;
    trace_state(r, SIM_LOG_INFO, "4way_timeout", "waiting_for", r->have_ptk ? "3" : "1");
    key_exchange_timeout(r, "4-way handshake timeout after a reassociation");
}

static void roam_done(radio *r);
/* ---- power save -------------------------------------------------------------
 * The chip's power-management modes as cyw43_wifi_pm sets them (the pm
 * value of cyw43-driver src/cyw43.h, cyw43_pm_value: mode in bits 0-3, the
 * PM2 sleep return in bits 4-11 in 10 ms units, listen intervals above):
 *   0 CYW43_NO_POWERSAVE_MODE  awake: the AP sends at once.
 *   1 CYW43_PM1_POWERSAVE_MODE (CYW43_AGGRESSIVE_PM) legacy power save: the
 *     station tells the AP PM=1 (a Null frame) and stays dozing; a beacon
 *     whose TIM has its AID set is answered with a PS-Poll, which the AP
 *     answers with one buffered frame (More Data: poll again); its own data
 *     goes out with PM=1 (IEEE 802.11-2020 11.2.3.2, 11.2.3.3 and 11.2.3.7).
 *   2 CYW43_PM2_POWERSAVE_MODE (CYW43_PERFORMANCE_PM, the driver's
 *     CYW43_DEFAULT_PM) Broadcom's "fast PS": awake (Null with PM=0) when
 *     it has traffic or the TIM names it, back to doze (Null with PM=1)
 *     after pm2_sleep_ret ms without traffic (200 ms by default).
 * Simplifications: a dozing station still hears every beacon (the listen
 * interval and DTIM skipping change only its power, not what the AP does,
 * except that group traffic is not buffered for DTIMs either). */
static unsigned ps_mode(const radio *r)
{
    return r->pm & 0xfu;
}

static void send_null(radio *r, bool pm)
{
    struct dot11_data_hdr_params p;
    memset(&p, 0, sizeof p);
    p.dir = DOT11_DIR_TO_DS;
    memcpy(p.bssid, r->target.bssid, 6);
    memcpy(p.da, r->target.bssid, 6);
    memcpy(p.sa, r->cfg.mac, 6);
    p.seq_num = next_seq(r);
    p.fc_flags = pm ? DOT11_FC_PWR_MGT : 0;
    uint8_t frame[64];
    transmit_data(r, frame, dot11_build_null_data(frame, sizeof frame, &p), r->cfg.data_rate);
}

static void ps_doze(radio *r)
{
    if (r->state != ST_JOINED || ps_mode(r) == 0 || r->ps_dozing)
        return;
    r->ps_dozing = true;
    trace_state(r, SIM_LOG_DEBUG, "ps", "state", "doze");
    send_null(r, true);
}

static void ps_timer_fire(void *arg)
{
    radio *r = arg;
    r->ps_timer = 0;
    ps_doze(r);
}

/* PM2: awake now, and back to doze after the sleep return time without
 * traffic. */
static void ps_activity(radio *r)
{
    if (r->state != ST_JOINED || ps_mode(r) != 2)
        return;
    if (r->ps_dozing) {
        r->ps_dozing = false;
        trace_state(r, SIM_LOG_DEBUG, "ps", "state", "awake");
        send_null(r, false);
    }
    sim_cancel(r->s, r->ps_timer);
    uint32_t ret_ms = ((r->pm >> 4) & 0xffu) * 10u;
    r->ps_timer = sim_after(r->s, SIM_MS(ret_ms ? ret_ms : 10), ps_timer_fire, r);
}

static void ps_start(radio *r)
{
    if (ps_mode(r) == 1)
        ps_doze(r);
    else if (ps_mode(r) == 2)
        ps_activity(r);
}

static void ps_reset(radio *r)
{
    sim_cancel(r->s, r->ps_timer);
    r->ps_timer = 0;
    r->ps_dozing = false;
}

/* PS-Poll (9.3.1.5): AID with its two top bits set, BSSID, TA; PM=1. */
static void send_ps_poll(radio *r)
{
    uint8_t f[16] = {0xa4, DOT11_FC_PWR_MGT};
    uint16_t aid = (uint16_t)(r->aid | 0xc000u);
    f[2] = (uint8_t)(aid & 0xff);
    f[3] = (uint8_t)(aid >> 8);
    memcpy(f + 4, r->target.bssid, 6);
    memcpy(f + 10, r->cfg.mac, 6);
    transmit(r, f, sizeof f, robust_rate(r));
}

/* A beacon of our BSS while joined: is anything buffered for us? */
static void ps_beacon(radio *r, const struct dot11_mgmt *m)
{
    if (!r->ps_dozing || r->aid == 0)
        return;
    bool buffered = false;
    if (dot11_ie_tim_aid(m->ies, m->ies_len, r->aid, &buffered) != DOT11_OK || !buffered)
        return;
    if (ps_mode(r) == 1)
        send_ps_poll(r);
    else
        ps_activity(r);
}

int radio_set_pm(radio *r, uint32_t pm)
{
    if (r->state == ST_OFF)
        return RADIO_EPERM;
    if (commands_hung(r))
        return RADIO_ETIMEDOUT;
    unsigned mode = pm & 0xfu;
    if (mode > 2)
        return RADIO_EINVAL;
    r->pm = pm;
    trace_int(r, SIM_LOG_INFO, "pm", "mode", (int64_t)mode);
    if (r->state != ST_JOINED)
        return RADIO_OK;
    if (mode == 0) {
        bool was = r->ps_dozing;
        ps_reset(r);
        if (was)
            send_null(r, false);
    } else {
        if (r->ps_dozing && mode == 2) {
            ps_activity(r);
        } else {
            ps_reset(r);
            if (mode == 1)
                ps_doze(r);
            else
                ps_activity(r);
        }
    }
    return RADIO_OK;
}

uint32_t radio_pm(const radio *r)
{
    return r->pm;
}

static void link_established(radio *r)
{
    if (r->roam_active) {
        roam_done(r);
        return;
    }
    cancel_timer(r);
    if (r->roaming)
        trace_state(r, SIM_LOG_INFO, "rejoined", NULL, NULL);
    roam_cancel(r);
    set_state(r, ST_JOINED);
    r->last_result = RADIO_LINK_JOIN;
    r->stats.joins++;
    r->last_beacon = sim_now(r->s);
    r->rssi_avg = r->target.rssi;
    r->roam_scan_next = 0;
    loss_rearm(r);
    char b[18];
    mac_str(r->target.bssid, b);
    sim_trace_rec *t = sim_trace_begin(r->tr, SIM_LOG_INFO, r->name, "link_up");
    sim_trace_str(t, "bssid", b);
    sim_trace_int(t, "aid", r->aid);
    sim_trace_bool(t, "wpa2", r->join.auth != RADIO_AUTH_OPEN);
    sim_trace_end(t);
    ps_start(r);
    if (r->host.link_up)
        r->host.link_up(r->host.ctx);
}

static void roam_failed(radio *r, int status, const char *why);

static void join_failed(radio *r, int status, const char *why)
{
    if (r->roam_active) {
        roam_failed(r, status, why);
        return;
    }
    cancel_all(r);
    wipe_keys(r);
    if (status == RADIO_LINK_BADAUTH) {
        /* cyw43: a failed handshake (WLC_E_PSK_SUP other than KEYED or the
         * timeouts) sets BADAUTH at once; a later successful authentication
         * of the chip's retry sets ACTIVE again ("A good-auth follows a
         * bad-auth", cyw43_ctrl.c). So the host sees BADAUTH during the
         * retry's scan, JOIN from its authentication on. */
        r->last_result = RADIO_LINK_BADAUTH;
        if (r->badauth_left > 0) {
            r->badauth_left--;
            sim_trace_rec *t = sim_trace_begin(r->tr, SIM_LOG_INFO, r->name, "join_retry");
            sim_trace_int(t, "status", status);
            sim_trace_str(t, "why", why);
            sim_trace_end(t);
            join_restart(r);
            return;
        }
    }
    set_state(r, ST_IDLE);
    if (r->roaming) {
        /* The chip's own rejoin failed: no WLC_E_SET_SSID reaches the host
         * (it never issued one), so the join state stays ACTIVE, or BADAUTH
         * from a failed handshake; the chip tries again later. */
        sim_trace_rec *t = sim_trace_begin(r->tr, SIM_LOG_INFO, r->name, "rejoin_failed");
        sim_trace_int(t, "status", status);
        sim_trace_str(t, "why", why);
        sim_trace_end(t);
        roam_schedule(r);
        return;
    }
    r->last_result = status;
    sim_trace_rec *t = sim_trace_begin(r->tr, SIM_LOG_INFO, r->name, "join_failed");
    sim_trace_int(t, "status", status);
    sim_trace_str(t, "why", why);
    sim_trace_end(t);
}

/* The chip firmware's rejoin after a link loss: one pass over the channels
 * for the SSID, then authentication, association and the handshake; on
 * failure the next attempt starts roam_period_ms after this one. */
static void roam_attempt(void *arg)
{
    radio *r = arg;
    r->roam_timer = 0;
    if (!r->roaming || r->state == ST_OFF)
        return;
    if (r->state != ST_IDLE) {
        /* a host scan has the radio: try again when it is done */
        r->roam_timer = sim_after(r->s, SIM_MS(100), roam_attempt, r);
        return;
    }
    r->roam_next = sim_now(r->s) + SIM_MS(r->cfg.roam_period_ms);
    trace_state(r, SIM_LOG_INFO, "rejoin_attempt", NULL, NULL);
    r->badauth_left = 0; /* the period is the retry */
    r->passes = 1;
    join_restart(r);
}

/* From the top: find the BSS, then authenticate. */
static void join_restart(radio *r)
{
    r->pass = 0;
    r->attempts = 0;
    r->have_replay = false;
    radio_scan_opts o;
    memset(&o, 0, sizeof o);
    o.ssid_len = r->join.ssid_len;
    memcpy(o.ssid, r->join.ssid, r->join.ssid_len);
    /* Told the BSSID and channel: listen on that channel only. */
    scan_begin(r, &o, ST_JOIN_SCAN, r->join.has_bssid ? r->join.channel : 0);
}

static char *dup_or_null(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

/* What each method needs (eap_peer_new refuses the same, later). */
static bool enterprise_ok(const radio_join_params *p)
{
    if (p->identity[0] == '\0' || memchr(p->identity, 0, sizeof p->identity) == NULL ||
        memchr(p->eap_password, 0, sizeof p->eap_password) == NULL ||
        memchr(p->anonymous_identity, 0, sizeof p->anonymous_identity) == NULL)
        return false;
    switch (p->eap_method) {
    case RADIO_EAP_PEAP_MSCHAPV2:
    case RADIO_EAP_TTLS_PAP:
        return p->eap_password[0] != '\0';
    case RADIO_EAP_TLS:
        return p->client_cert_pem != NULL && p->client_key_pem != NULL;
    default:
        return false;
    }
}

static bool passphrase_ok(const char *p)
{
    size_t n = strnlen(p, 64);
    if (n < 8 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] < 32 || (unsigned char)p[i] > 126)
            return false;
    return true;
}

int radio_join(radio *r, const radio_join_params *p)
{
    if (r->state == ST_OFF)
        return RADIO_EPERM;
    if (commands_hung(r))
        return RADIO_ETIMEDOUT;
    if (p == NULL || p->ssid_len == 0 || p->ssid_len > 32)
        return RADIO_EINVAL;
    if (p->auth != RADIO_AUTH_OPEN && p->auth != RADIO_AUTH_WPA2_PSK &&
        p->auth != RADIO_AUTH_WPA2_ENTERPRISE && p->auth != RADIO_AUTH_WPA3_SAE &&
        p->auth != RADIO_AUTH_WPA3_WPA2)
        return RADIO_EINVAL;
    if ((p->auth == RADIO_AUTH_WPA2_PSK || p->auth == RADIO_AUTH_WPA3_SAE ||
         p->auth == RADIO_AUTH_WPA3_WPA2) && !passphrase_ok(p->passphrase))
        return RADIO_EINVAL;
    if (p->auth == RADIO_AUTH_WPA2_ENTERPRISE && !enterprise_ok(p))
        return RADIO_EINVAL;
    if (r->state == ST_SCANNING)
        return RADIO_EBUSY;
    if (r->state == ST_JOINED || r->state == ST_HANDSHAKE || r->state == ST_ASSOCIATING) {
        /* A new join leaves the current BSS first, as cyw43 does. */
        send_deauth(r, r->target.bssid, DOT11_REASON_LEAVING_NETWORK_DEAUTH);
        if (radio_joined(r))
            defer_link_down(r);
    }
    cancel_all(r);
    roam_cancel(r);
    r->roam_active = false;
    wipe_keys(r);
    r->join = *p;
    r->join.passphrase[63] = '\0';
    free(r->ca_pem);
    free(r->cert_pem);
    free(r->key_pem);
    r->ca_pem = dup_or_null(p->ca_cert_pem);
    r->cert_pem = dup_or_null(p->client_cert_pem);
    r->key_pem = dup_or_null(p->client_key_pem);
    r->join.ca_cert_pem = r->ca_pem;
    r->join.client_cert_pem = r->cert_pem;
    r->join.client_key_pem = r->key_pem;
    r->have_pmk = false;
    r->badauth_left = r->cfg.badauth_retries;
    r->passes = r->cfg.join_scan_passes;
    char ssid[33];
    memcpy(ssid, p->ssid, p->ssid_len);
    ssid[p->ssid_len] = '\0';
    sim_trace_rec *t = sim_trace_begin(r->tr, SIM_LOG_INFO, r->name, "join_start");
    sim_trace_str(t, "ssid", ssid);
    sim_trace_str(t, "auth", p->auth == RADIO_AUTH_OPEN ? "open"
                             : p->auth == RADIO_AUTH_WPA2_PSK ? "wpa2-psk"
                             : p->auth == RADIO_AUTH_WPA2_ENTERPRISE ? "wpa2-enterprise"
                             : p->auth == RADIO_AUTH_WPA3_SAE ? "wpa3-sae" : "wpa3-wpa2");
    sim_trace_end(t);
    r->last_result = RADIO_LINK_JOIN;
    join_restart(r);
    return RADIO_OK;
}

int radio_leave(radio *r)
{
    if (r->state == ST_OFF)
        return RADIO_EPERM;
    if (commands_hung(r))
        return RADIO_ETIMEDOUT;
    bool was_joined = r->state == ST_JOINED || (r->state == ST_SCANNING && r->after_scan == ST_JOINED);
    bool on_air = r->state >= ST_AUTHENTICATING || was_joined;
    if (on_air)
        send_deauth(r, r->target.bssid, DOT11_REASON_LEAVING_NETWORK_DEAUTH);
    cancel_all(r);
    roam_cancel(r); /* the host's leave is what ends the chip's own rejoin */
    r->roam_active = false;
    r->roam_scan = false;
    wipe_keys(r);
    set_state(r, ST_IDLE);
    /* cyw43_wifi_leave: WLC_DISASSOC, whose CYW43_EV_DISASSOC zeroes the
     * join state (cyw43_ctrl.c) */
    r->last_result = RADIO_LINK_DOWN;
    trace_state(r, SIM_LOG_INFO, "leave", NULL, NULL);
    if (was_joined)
        defer_link_down(r);
    return RADIO_OK;
}

/* cyw43_wifi_link_status: the kind of wifi_join_state (cyw43_ctrl.c), which
 * only the events in the table of radio.h change; last_result is it. */
int radio_link_status(const radio *r)
{
    return r->state == ST_OFF ? RADIO_LINK_DOWN : r->last_result;
}

bool radio_joined(const radio *r)
{
    return r->state == ST_JOINED || (r->state == ST_SCANNING && r->after_scan == ST_JOINED) ||
           (r->roam_active && r->state >= ST_AUTHENTICATING && r->state <= ST_HANDSHAKE);
}

bool radio_joining(const radio *r)
{
    return r->state >= ST_JOIN_SCAN && r->state <= ST_HANDSHAKE;
}

int radio_rssi(const radio *r, int32_t *rssi)
{
    if (r->state == ST_OFF)
        return RADIO_EPERM;
    if (commands_hung(r))
        return RADIO_ETIMEDOUT;
    if (!radio_joined(r))
        return RADIO_ENOTCONN;
    *rssi = (int32_t)(r->rssi < 0 ? r->rssi - 0.5 : r->rssi + 0.5);
    return RADIO_OK;
}

int radio_bssid(const radio *r, uint8_t bssid[6])
{
    if (r->state == ST_OFF)
        return RADIO_EPERM;
    if (commands_hung(r))
        return RADIO_ETIMEDOUT;
    if (!radio_joined(r))
        return RADIO_ENOTCONN;
    memcpy(bssid, r->target.bssid, 6);
    return RADIO_OK;
}

/* ---- link monitor --------------------------------------------------------- */

/* A joined link ends without the host asking. keep: the join state stays
 * ACTIVE (the host reads JOIN) and the chip rejoins on its own: cyw43's
 * CYW43_EV_LINK "link is down" only calls cyw43_cb_tcpip_set_link_down and
 * leaves wifi_join_state alone (cyw43_ctrl.c), while the chip firmware
 * keeps the SSID of its WLC_SET_SSID and reconnects when it can. Otherwise
 * the state is cleared (DOWN) and the chip stays idle. */
static void link_ended(radio *r, const char *why, int reason, bool keep)
{
    bool was_joined = radio_joined(r);
    cancel_all(r);
    wipe_keys(r);
    r->roam_active = false;
    r->roam_scan = false;
    set_state(r, ST_IDLE);
    r->last_result = keep ? RADIO_LINK_JOIN : RADIO_LINK_DOWN;
    if (was_joined)
        r->stats.link_losses++;
    sim_trace_rec *t = sim_trace_begin(r->tr, SIM_LOG_INFO, r->name, was_joined ? "link_down" : "join_cleared");
    sim_trace_str(t, "why", why);
    if (reason >= 0)
        sim_trace_int(t, "reason", reason);
    sim_trace_str(t, "join_state", keep ? "kept" : "cleared");
    sim_trace_end(t);
    if (keep) {
        r->roaming = true;
        r->roam_next = sim_now(r->s); /* the first attempt at once */
        roam_schedule(r);
    } else {
        roam_cancel(r);
    }
    if (was_joined && r->host.link_down)
        r->host.link_down(r->host.ctx);
}

static void link_lost(radio *r, const char *why, int reason)
{
    link_ended(r, why, reason, true);
}

static void state_cleared(radio *r, const char *why, int reason)
{
    link_ended(r, why, reason, false);
}

static void beacon_loss(void *arg)
{
    radio *r = arg;
    r->loss_timer = 0;
    if (r->loss_deadline > sim_now(r->s)) {
        /* beacons came since it was armed: wait for the deadline they set */
        r->loss_timer_at = r->loss_deadline;
        r->loss_timer = sim_at(r->s, r->loss_deadline, beacon_loss, r);
        return;
    }
    trace_int(r, SIM_LOG_INFO, "beacon_loss", "missed", r->cfg.beacon_loss_count);
    link_lost(r, "beacon loss", -1);
}

/* The deadline sits half an interval past the Nth missed TBTT, so a beacon
 * that arrives a little late still counts. */
static void loss_rearm(radio *r)
{
    if (r->wedge != RADIO_WEDGE_NONE) {
        sim_cancel(r->s, r->loss_timer);
        r->loss_timer = 0;
        return; /* the link monitor is hung with the rest of the chip */
    }
    uint16_t bi = r->target.beacon_interval ? r->target.beacon_interval : 100;
    sim_time interval = SIM_US((sim_time)bi * 1024);
    sim_time deadline = r->last_beacon + interval * r->cfg.beacon_loss_count + interval / 2;
    r->loss_deadline = deadline;
    /* Every beacon pushes the deadline back, but the timer is moved only
     * when the deadline comes earlier: a later one is picked up when the
     * timer fires (beacon_loss), once per beacon_loss_count intervals
     * instead of a scheduler update per beacon. */
    if (r->loss_timer != 0 && r->loss_timer_at <= deadline)
        return;
    r->loss_timer_at = deadline;
    r->loss_timer = sim_reschedule(r->s, r->loss_timer, deadline, beacon_loss, r);
}

/* ---- EAPOL-Key: the supplicant (12.7.6) ------------------------------------ */

static void send_data(radio *r, const uint8_t *da, uint16_t ethertype, const uint8_t *payload, size_t len,
                      bool protect, uint8_t rate);

/* protect: CCMP with the PTK (the group-key handshake, 12.7.7, runs on the
 * keyed link); messages 2 and 4 of the 4-way handshake go out in the clear. */
static void send_eapol(radio *r, struct dot11_eapol_key *k, bool protect)
{
    uint8_t buf[512];
    int n = dot11_eapol_key_build(buf, sizeof buf, k);
    if (n <= 0)
        return;
    uint8_t mic[16];
    if (dot11_akm_eapol_mic(r->akm, dot11_ptk_kck(r->ptk), buf, (size_t)n, mic) != 0)
        return;
    memcpy(buf + DOT11_EAPOL_KEY_MIC_OFFSET, mic, 16);
    /* At the lowest basic rate, as mac80211 sends control-port frames
     * (robust_rate). */
    send_data(r, r->target.bssid, DOT11_ETHERTYPE_EAPOL, buf, (size_t)n, protect, robust_rate(r));
}

static void handle_msg1(radio *r, const struct dot11_eapol_key *k)
{
    if (r->have_replay && k->replay_counter <= r->replay)
        return; /* 12.7.2: replay counter must increase */
    if (!r->have_pmk && r->akm != DOT11_AKM_PSK)
        return; /* no PMK before EAP or SAE succeeded: not our exchange yet */
    if (!r->have_pmk) {
        pmk_for(r, r->join.ssid, r->join.ssid_len, r->join.passphrase);
        if (!r->have_pmk) {
            join_failed(r, RADIO_LINK_BADAUTH, "passphrase rejected by PBKDF2");
            return;
        }
    }
    if (!r->have_ptk || memcmp(r->anonce, k->nonce, 32) != 0) {
        memcpy(r->anonce, k->nonce, 32);
        sim_rng_bytes(r->rng, r->snonce, 32);
    }
    if (dot11_akm_ptk_derive(r->akm, r->pmk, r->target.bssid, r->cfg.mac, r->anonce, r->snonce, r->ptk) != 0)
        return;
    r->have_ptk = true;
    r->have_replay = true;
    r->replay = k->replay_counter;
    struct dot11_eapol_key m2;
    memset(&m2, 0, sizeof m2);
    m2.protocol_version = k->protocol_version;
    m2.descriptor_type = DOT11_EAPOL_KEY_DESC_RSN;
    m2.info.descriptor_version = (uint8_t)dot11_akm_key_descriptor_version(r->akm);
    m2.info.pairwise = true;
    m2.info.mic = true;
    m2.replay_counter = k->replay_counter;
    memcpy(m2.nonce, r->snonce, 32);
    m2.key_data = r->rsne;
    m2.key_data_len = r->rsne_len;
    trace_int(r, SIM_LOG_INFO, "4way_msg", "n", 2);
    send_eapol(r, &m2, false);
    /* Now waiting for message 3: the supplicant's timer restarts, as each
     * message 1 (re)starts the exchange. */
    cancel_timer(r);
    r->timer = sim_after(r->s, SIM_MS(r->cfg.handshake_timeout_ms), handshake_timeout, r);
}

/* A GTK for key_id; its replay counter starts at the Key RSC, the last PN
 * the AP sent with it (12.7.6.4, 12.7.7.2). */
static void install_gtk(radio *r, uint8_t key_id, const uint8_t *gtk, const uint8_t rsc[8])
{
    struct gtk_slot *g = &r->gtks[key_id & 3];
    g->valid = true;
    memcpy(g->key, gtk, 16);
    g->pn = 0;
    for (int i = 0; i < 6; i++)
        g->pn |= (uint64_t)rsc[i] << (8 * i);
    g->pn_valid = true;
}

static void handle_msg3(radio *r, const uint8_t *frame, size_t len, const struct dot11_eapol_key *k)
{
    if (!r->have_ptk)
        return;
    if (dot11_akm_eapol_mic_verify(r->akm, dot11_ptk_kck(r->ptk), frame, len) != 0) {
        trace_state(r, SIM_LOG_WARN, "4way_mic_failure", "msg", "3");
        return;
    }
    if (memcmp(k->nonce, r->anonce, 32) != 0 || (r->have_replay && k->replay_counter <= r->replay))
        return;
    if (k->key_data_len < 24 || k->key_data_len % 8 != 0 || k->key_data_len > 256)
        return;
    uint8_t kd[256];
    if (dot11_aes_unwrap(dot11_ptk_kek(r->ptk), 16, k->key_data, k->key_data_len, kd) != 0) {
        trace_state(r, SIM_LOG_WARN, "4way_keydata_invalid", NULL, NULL);
        return;
    }
    struct dot11_key_data parsed;
    if (dot11_key_data_parse(kd, k->key_data_len - 8, &parsed) != 0 || !parsed.has_gtk ||
        parsed.gtk.gtk_len != 16) { /* CCMP-128's GTK */
        trace_state(r, SIM_LOG_WARN, "4way_keydata_invalid", NULL, NULL);
        return;
    }
    r->replay = k->replay_counter;
    struct dot11_eapol_key m4;
    memset(&m4, 0, sizeof m4);
    m4.protocol_version = k->protocol_version;
    m4.descriptor_type = DOT11_EAPOL_KEY_DESC_RSN;
    m4.info.descriptor_version = (uint8_t)dot11_akm_key_descriptor_version(r->akm);
    m4.info.pairwise = true;
    m4.info.mic = true;
    m4.info.secure = true;
    m4.replay_counter = k->replay_counter;
    trace_int(r, SIM_LOG_INFO, "4way_msg", "n", 4);
    send_eapol(r, &m4, false);
    if (r->state == ST_JOINED)
        return; /* a resent message 3 (our message 4 was lost): keys stay */
    install_gtk(r, parsed.gtk.key_id, parsed.gtk.gtk, k->rsc);
    /* PMF: the IGTK KDE rides with the GTK's (12.7.6.4). */
    if (r->mfp)
        r->igtk_valid = dot11_key_data_find_igtk(kd, k->key_data_len - 8, &r->igtk_id, &r->igtk_ipn, r->igtk) == 0;
    r->keys_installed = true;
    r->tx_pn = 0;
    r->rx_pn_valid = false;
    link_established(r);
}

/* Group key handshake message 1 (12.7.7.2) on a joined link: MIC with the
 * KCK, a Key Replay Counter above the last, the GTK KDE unwrapped with the
 * KEK; install the GTK beside the old one and answer with message 2
 * (12.7.7.3), CCMP-protected like all our frames once the PTK is in place.
 * The group_key_miss fault makes the supplicant drop it, as a station that
 * dozed through it or a firmware that mishandles it would. */
static void handle_group_msg1(radio *r, const uint8_t *frame, size_t len, const struct dot11_eapol_key *k)
{
    if (!radio_joined(r) || !r->keys_installed || !k->info.ack || !k->info.mic || !k->info.secure ||
        !k->info.encrypted_key_data || k->info.descriptor_version != dot11_akm_key_descriptor_version(r->akm))
        return;
    if (r->gk_miss) {
        trace_int(r, SIM_LOG_INFO, "gkey_ignored", "replay_counter", (int64_t)k->replay_counter);
        return;
    }
    if (dot11_akm_eapol_mic_verify(r->akm, dot11_ptk_kck(r->ptk), frame, len) != 0) {
        trace_state(r, SIM_LOG_WARN, "gkey_mic_failure", NULL, NULL);
        return;
    }
    if (r->have_replay && k->replay_counter <= r->replay)
        return;
    if (k->key_data_len < 24 || k->key_data_len % 8 != 0 || k->key_data_len > 256)
        return;
    uint8_t kd[256];
    struct dot11_key_data parsed;
    if (dot11_aes_unwrap(dot11_ptk_kek(r->ptk), 16, k->key_data, k->key_data_len, kd) != 0 ||
        dot11_key_data_parse(kd, k->key_data_len - 8, &parsed) != 0 || !parsed.has_gtk ||
        parsed.gtk.gtk_len != 16) {
        memset(kd, 0, sizeof kd);
        trace_state(r, SIM_LOG_WARN, "gkey_keydata_invalid", NULL, NULL);
        return;
    }
    r->have_replay = true;
    r->replay = k->replay_counter;
    install_gtk(r, parsed.gtk.key_id, parsed.gtk.gtk, k->rsc);
    memset(kd, 0, sizeof kd);
    trace_int(r, SIM_LOG_INFO, "gkey_installed", "key_id", parsed.gtk.key_id);

    struct dot11_eapol_key m2;
    memset(&m2, 0, sizeof m2);
    m2.protocol_version = k->protocol_version;
    m2.descriptor_type = DOT11_EAPOL_KEY_DESC_RSN;
    m2.info.descriptor_version = (uint8_t)dot11_akm_key_descriptor_version(r->akm);
    m2.info.mic = true;
    m2.info.secure = true;
    m2.replay_counter = k->replay_counter;
    if (r->state == ST_SCANNING)
        return; /* off channel: the AP will resend */
    send_eapol(r, &m2, true);
}

void radio_set_group_key_miss(radio *r, bool on)
{
    if (r->gk_miss == on)
        return;
    r->gk_miss = on;
    sim_trace_rec *t = sim_trace_begin(r->tr, SIM_LOG_INFO, r->name, "group_key_miss");
    sim_trace_bool(t, "on", on);
    sim_trace_end(t);
}

/* ---- Enterprise: the chip's 802.1X supplicant ---------------------------
 * After association the chip waits for the AP's EAP-Request/Identity (an
 * authenticator sends it at once, as hostapd does) and answers each request
 * through eap_peer; each request re-arms eap_timeout_ms. EAP-Success gives
 * the PMK (MSK[0..31], IEEE 802.11-2020 12.7.1.3) and the 4-way handshake
 * follows as for a PSK. EAP-Failure, or a refused server certificate, ends
 * the join with BADAUTH, as a refused PSK does: cyw43's only
 * authentication-failure status; the trace event "eap_failure" says why. */

static void eap_timeout(void *arg)
{
    radio *r = arg;
    r->timer = 0;
    trace_state(r, SIM_LOG_INFO, "eap_timeout", "method", r->eap ? "started" : "no request");
    key_exchange_timeout(r, "802.1X timeout after a reassociation");
}

static void eap_begin(radio *r)
{
    eap_peer_config pc = {
        .method = (eap_method)r->join.eap_method,
        .identity = r->join.identity,
        .anonymous_identity = r->join.anonymous_identity[0] ? r->join.anonymous_identity : NULL,
        .password = r->join.eap_password[0] ? r->join.eap_password : NULL,
        .ca_cert_pem = r->ca_pem,
        .client_cert_pem = r->cert_pem,
        .client_key_pem = r->key_pem,
    };
    char err[160];
    eap_peer_free(r->eap);
    r->have_pmk = false; /* each association runs EAP anew: no PMKSA caching */
    r->eap = eap_peer_new(&pc, err, sizeof err);
    if (r->eap == NULL) {
        join_failed(r, RADIO_LINK_BADAUTH, err);
        return;
    }
    trace_state(r, SIM_LOG_INFO, "eap_start", "identity", pc.anonymous_identity ? pc.anonymous_identity : pc.identity);
    r->timer = sim_after(r->s, SIM_MS(r->cfg.eap_timeout_ms), eap_timeout, r);
}

static void handle_eap(radio *r, const uint8_t *frame, size_t len)
{
    const uint8_t *body;
    size_t blen;
    if (r->state != ST_HANDSHAKE || r->eap == NULL || r->have_pmk ||
        eapol_parse(frame, len, NULL, &body, &blen) != 0)
        return;
    uint8_t resp[EAP_PEER_MAX_PACKET];
    size_t rl = 0;
    eap_peer_result res = eap_peer_rx(r->eap, body, blen, resp, sizeof resp, &rl);
    if (res == EAP_PEER_RESPOND) {
        uint8_t f[EAPOL_HDR_LEN + EAP_PEER_MAX_PACKET];
        size_t n = eapol_build(f, sizeof f, EAPOL_TYPE_EAP_PACKET, resp, rl);
        if (n)
            send_data(r, r->target.bssid, DOT11_ETHERTYPE_EAPOL, f, n, false, robust_rate(r));
        cancel_timer(r);
        r->timer = sim_after(r->s, SIM_MS(r->cfg.eap_timeout_ms), eap_timeout, r);
        return;
    }
    if (res == EAP_PEER_SUCCESS) {
        uint8_t msk[EAP_MSK_LEN];
        if (eap_peer_msk(r->eap, msk) != 0)
            return;
        memcpy(r->pmk, msk, 32);
        memset(msk, 0, sizeof msk);
        r->have_pmk = true;
        r->pmk_from_exchange = true;
        trace_state(r, SIM_LOG_INFO, "eap_success", NULL, NULL);
        cancel_timer(r);
        r->timer = sim_after(r->s, SIM_MS(r->cfg.handshake_timeout_ms), handshake_timeout, r);
        return;
    }
    if (res == EAP_PEER_FAILURE) {
        static const char *const kinds[] = {"none", "rejected", "server_certificate", "client_certificate", "protocol"};
        eap_peer_fail f = eap_peer_failure(r->eap);
        sim_trace_rec *t = sim_trace_begin(r->tr, SIM_LOG_INFO, r->name, "eap_failure");
        sim_trace_str(t, "kind", (unsigned)f < 5 ? kinds[f] : "?");
        sim_trace_str(t, "why", eap_peer_reason(r->eap));
        sim_trace_end(t);
        char why[200];
        snprintf(why, sizeof why, "802.1X: %s", eap_peer_reason(r->eap));
        join_failed(r, RADIO_LINK_BADAUTH, why);
    }
}

static void handle_eapol(radio *r, const uint8_t *frame, size_t len)
{
    if (r->state != ST_HANDSHAKE && r->state != ST_JOINED)
        return;
    if (commands_hung(r))
        return; /* the supplicant runs in the hung firmware */
    if (r->join.auth == RADIO_AUTH_OPEN)
        return;
    if (r->join.auth == RADIO_AUTH_WPA2_ENTERPRISE && len >= 2 && frame[1] == EAPOL_TYPE_EAP_PACKET) {
        handle_eap(r, frame, len);
        return;
    }
    struct dot11_eapol_key k;
    if (dot11_eapol_key_parse(frame, len, &k) != 0)
        return;
    if (!k.info.pairwise && r->state == ST_JOINED) {
        handle_group_msg1(r, frame, len, &k);
        return;
    }
    if (!k.info.pairwise || k.info.descriptor_version != dot11_akm_key_descriptor_version(r->akm) || !k.info.ack)
        return;
    if (!k.info.mic && !k.info.install) {
        if (r->state != ST_HANDSHAKE)
            return; /* rekeying is not modelled */
        trace_int(r, SIM_LOG_INFO, "4way_msg", "n", 1);
        handle_msg1(r, &k);
    } else if (k.info.mic && k.info.install && k.info.encrypted_key_data) {
        trace_int(r, SIM_LOG_INFO, "4way_msg", "n", 3);
        handle_msg3(r, frame, len, &k);
    }
}

/* ---- data ----------------------------------------------------------------- */

static void send_data(radio *r, const uint8_t *da, uint16_t ethertype, const uint8_t *payload, size_t len,
                      bool protect, uint8_t rate)
{
    struct dot11_data_hdr_params p;
    memset(&p, 0, sizeof p);
    p.dir = DOT11_DIR_TO_DS;
    memcpy(p.bssid, r->target.bssid, 6);
    memcpy(p.da, da, 6);
    memcpy(p.sa, r->cfg.mac, 6);
    p.seq_num = next_seq(r);
    if (r->ps_dozing)
        p.fc_flags = DOT11_FC_PWR_MGT; /* PM1: the station stays in power save (11.2.3.2) */
    uint8_t frame[FRAME_MAX];
    if (!protect) {
        transmit_data(r, frame, dot11_build_data(frame, sizeof frame, &p, ethertype, payload, len), rate);
        return;
    }
    p.fc_flags |= DOT11_FC_PROTECTED;
    int hl = dot11_build_data_hdr(frame, sizeof frame, &p);
    uint8_t body[FRAME_MAX];
    int bl = dot11_build_llc_snap(body, sizeof body, ethertype, payload, len);
    if (hl <= 0 || bl <= 0)
        return;
    size_t out_len = 0;
    r->tx_pn++;
    if (dot11_ccmp_encrypt_with(r->ccm, dot11_ptk_tk(r->ptk), frame, (size_t)hl, r->tx_pn, 0, body, (size_t)bl,
                           frame + hl, sizeof frame - (size_t)hl, &out_len) != 0)
        return;
    transmit_data(r, frame, hl + (int)out_len, rate);
}

int radio_pmk(const radio *r, uint8_t pmk[32])
{
    if (r == NULL || !r->have_pmk || r->state != ST_JOINED)
        return RADIO_ENOTCONN;
    memcpy(pmk, r->pmk, 32);
    return RADIO_OK;
}

int radio_send_ethernet(radio *r, const uint8_t *eth, size_t len)
{
    if (r->state == ST_OFF)
        return RADIO_EPERM;
    if (commands_hung(r))
        return RADIO_ETIMEDOUT;
    if (!radio_joined(r))
        return RADIO_ENOTCONN;
    struct dot11_ether e;
    if (eth == NULL || dot11_ether_parse(eth, len, &e) != 0 || e.payload_len > 2304 - 8)
        return RADIO_EINVAL;
    if (r->state == ST_SCANNING || r->roam_active)
        return RADIO_EIO; /* off channel or roaming: a real chip would queue; we drop and say so */
    if (frames_hung(r)) {
        /* The host interface took the frame; the hung frame path loses it,
         * so the host has no way to know. */
        r->stats.wedge_tx_dropped++;
        return RADIO_OK;
    }
    ps_activity(r); /* PM2 wakes for its own traffic */
    send_data(r, e.dst, e.ethertype, e.payload, e.payload_len, r->join.auth != RADIO_AUTH_OPEN,
              r->cfg.data_rate);
    r->stats.tx_data++;
    return RADIO_OK;
}

static void handle_data(radio *r, const struct dot11_hdr *h, const uint8_t *frame, size_t len)
{
    if (r->state != ST_HANDSHAKE && !radio_joined(r))
        return;
    if (!h->from_ds || h->to_ds || memcmp(h->addr2, r->target.bssid, 6) != 0)
        return;
    if (r->state == ST_JOINED && memcmp(h->addr1, r->cfg.mac, 6) == 0) {
        if (ps_mode(r) == 2)
            ps_activity(r);
        else if (ps_mode(r) == 1 && r->ps_dozing && h->more_data)
            send_ps_poll(r); /* 11.2.3.7: More Data: poll again */
    }
    const uint8_t *body = frame + h->hdr_len;
    size_t body_len = len - h->hdr_len;
    uint8_t plain[FRAME_MAX];
    if (h->protected_frame) {
        if (!r->keys_installed)
            return;
        bool group = is_group(h->addr1);
        uint64_t pn = 0;
        int key_id = 0;
        size_t plen = 0;
        /* 12.5.3.2: the Key ID is in bits 6-7 of the CCMP header's 4th octet. */
        struct gtk_slot *gs = group && body_len >= 8 ? &r->gtks[body[3] >> 6] : NULL;
        if (group && (gs == NULL || !gs->valid)) {
            r->stats.rx_dropped++;
            trace_state(r, SIM_LOG_DEBUG, "drop", "why", "no GTK for that key ID");
            return;
        }
        const uint8_t *key = group ? gs->key : dot11_ptk_tk(r->ptk);
        if (dot11_ccmp_decrypt_with(group ? r->ccm_group : r->ccm, key, frame, h->hdr_len, body, body_len, &pn, &key_id, plain, sizeof plain, &plen) !=
            0) {
            r->stats.rx_dropped++;
            trace_state(r, SIM_LOG_DEBUG, "drop", "why", "CCMP MIC failure");
            return;
        }
        /* 12.5.3.4.4: a PN that does not increase is a replay. */
        bool *valid = group ? &gs->pn_valid : &r->rx_pn_valid;
        uint64_t *last = group ? &gs->pn : &r->rx_pn;
        if (*valid && pn <= *last) {
            r->stats.rx_dropped++;
            trace_state(r, SIM_LOG_DEBUG, "drop", "why", "CCMP replay");
            return;
        }
        *valid = true;
        *last = pn;
        body = plain;
        body_len = plen;
    }
    struct dot11_ether e;
    if (dot11_data_to_ether(h, body, body_len, &e) != 0)
        return;
    if (e.ethertype == DOT11_ETHERTYPE_EAPOL) {
        handle_eapol(r, e.payload, e.payload_len);
        return;
    }
    if (!radio_joined(r))
        return;
    if (r->join.auth != RADIO_AUTH_OPEN && !h->protected_frame) {
        r->stats.rx_dropped++;
        trace_state(r, SIM_LOG_DEBUG, "drop", "why", "unprotected data on a WPA2 link");
        return;
    }
    if (memcmp(e.src, r->cfg.mac, 6) == 0)
        return; /* our own group frame relayed back by the AP */
    uint8_t eth[FRAME_MAX];
    int n = dot11_ether_write(eth, sizeof eth, &e);
    if (n <= 0)
        return;
    r->stats.rx_data++;
    if (r->host.rx_ethernet)
        r->host.rx_ethernet(r->host.ctx, eth, (size_t)n);
}

/* ---- roaming while joined (radio.h "Roaming") ------------------------------- */

/* A beacon of the BSS while joined: the mean moves, and a mean below the
 * trigger starts a roam scan, at most once a roam_period. */
static void roam_check(radio *r, double rssi)
{
    r->rssi_avg += (rssi - r->rssi_avg) / 8;
    if (r->cfg.roam_off || r->join.has_bssid || r->wedge != RADIO_WEDGE_NONE ||
        r->rssi_avg >= r->cfg.roam_trigger_dbm)
        return;
    sim_time now = sim_now(r->s);
    if (now < r->roam_scan_next)
        return;
    r->roam_scan_next = now + SIM_MS(r->cfg.roam_period_ms);
    r->stats.roam_scans++;
    sim_trace_rec *t = sim_trace_begin(r->tr, SIM_LOG_INFO, r->name, "roam_scan");
    sim_trace_int(t, "rssi", (int64_t)(r->rssi_avg < 0 ? r->rssi_avg - 0.5 : r->rssi_avg + 0.5));
    sim_trace_int(t, "trigger", r->cfg.roam_trigger_dbm);
    sim_trace_end(t);
    sim_cancel(r->s, r->loss_timer);
    r->loss_timer = 0;
    r->after_scan = ST_JOINED;
    r->roam_scan = true;
    radio_scan_opts o;
    memset(&o, 0, sizeof o);
    o.ssid_len = r->join.ssid_len;
    memcpy(o.ssid, r->join.ssid, r->join.ssid_len);
    scan_begin(r, &o, ST_SCANNING, 0);
}

/* Back on the BSS the chip is associated with, as after a host scan. */
static void roam_back(radio *r)
{
    tune(r, r->target.channel);
    r->last_beacon = sim_now(r->s);
    set_state(r, ST_JOINED);
    loss_rearm(r);
}

static void roam_scan_done(radio *r)
{
    r->roam_scan = false;
    /* A candidate offers what the join asked for: an RSN for every secured
     * join (PSK, 802.1X, SAE), AKM SAE for a WPA3-only join; an open join
     * roams only to open BSSs (brcmfmac hands the roam to the firmware with
     * the join's own security settings). */
    bool rsn = r->join.auth != RADIO_AUTH_OPEN;
    int best = -1;
    for (int i = 0; i < r->nseen; i++) {
        const struct bss *b = &r->seen[i];
        if (b->ssid_len != r->join.ssid_len || memcmp(b->ssid, r->join.ssid, b->ssid_len) != 0 ||
            memcmp(b->bssid, r->target.bssid, 6) == 0 || b->wpa2 != rsn ||
            (r->join.auth == RADIO_AUTH_WPA3_SAE && !b->sae))
            continue;
        if (b->rssi < r->rssi_avg + r->cfg.roam_delta_db)
            continue;
        if (best < 0 || b->rssi > r->seen[best].rssi)
            best = i;
    }
    if (best < 0) {
        trace_int(r, SIM_LOG_INFO, "roam_none", "heard", r->nseen);
        roam_back(r);
        return;
    }
    char from[18], to[18];
    mac_str(r->target.bssid, from);
    mac_str(r->seen[best].bssid, to);
    sim_trace_rec *t = sim_trace_begin(r->tr, SIM_LOG_INFO, r->name, "roam_start");
    sim_trace_str(t, "from", from);
    sim_trace_str(t, "to", to);
    sim_trace_int(t, "rssi", (int64_t)(r->rssi_avg < 0 ? r->rssi_avg - 0.5 : r->rssi_avg + 0.5));
    sim_trace_int(t, "candidate_rssi", (int64_t)(r->seen[best].rssi < 0 ? r->seen[best].rssi - 0.5 : r->seen[best].rssi + 0.5));
    sim_trace_end(t);
    r->roam_prev = r->target;
    r->roam_active = true;
    r->target = r->seen[best];
    tune(r, r->target.channel);
    start_auth(r);
}

/* The new BSS's handshake is done (or its reassociation, on an open
 * network): the host's link never went down. */
static void roam_done(radio *r)
{
    cancel_timer(r);
    r->roam_active = false;
    set_state(r, ST_JOINED);
    r->last_result = RADIO_LINK_JOIN;
    r->stats.roams++;
    r->last_beacon = sim_now(r->s);
    r->rssi_avg = r->target.rssi;
    r->roam_scan_next = sim_now(r->s) + SIM_MS(r->cfg.roam_period_ms);
    loss_rearm(r);
    char from[18], to[18];
    mac_str(r->roam_prev.bssid, from);
    mac_str(r->target.bssid, to);
    sim_trace_rec *t = sim_trace_begin(r->tr, SIM_LOG_INFO, r->name, "roamed");
    sim_trace_str(t, "from", from);
    sim_trace_str(t, "to", to);
    sim_trace_int(t, "aid", r->aid);
    sim_trace_end(t);
}

/* Before the reassociation succeeded the old association stands: back to
 * it. After (the handshake failed) the old one is gone and so is the new:
 * a link loss, and the chip's own rejoin. */
static void roam_failed(radio *r, int status, const char *why)
{
    sim_trace_rec *t = sim_trace_begin(r->tr, SIM_LOG_INFO, r->name, "roam_failed");
    sim_trace_int(t, "status", status);
    sim_trace_str(t, "why", why);
    sim_trace_end(t);
    if (r->state == ST_AUTHENTICATING || r->state == ST_ASSOCIATING) {
        cancel_timer(r);
        r->roam_active = false;
        r->target = r->roam_prev;
        roam_back(r);
        return;
    }
    link_lost(r, why, -1);
}

/* ---- management ------------------------------------------------------------ */

static void handle_bss_frame(radio *r, const struct dot11_mgmt *m, const dot11_rx_info *info)
{
    struct bss b;
    memset(&b, 0, sizeof b);
    memcpy(b.bssid, m->hdr.addr3, 6);
    const uint8_t *ssid = NULL;
    size_t ssid_len = 0;
    if (dot11_ie_get_ssid(m->ies, m->ies_len, &ssid, &ssid_len) != 0 || ssid_len > 32)
        return;
    memcpy(b.ssid, ssid, ssid_len);
    b.ssid_len = (uint8_t)ssid_len;
    b.beacon_interval = m->u.beacon.beacon_interval;

    if (r->state == ST_SCANNING || r->state == ST_JOIN_SCAN) {
        /* What a scan result reports; a joined link's beacons need none of
         * it (below), so they are not parsed for it. */
        uint8_t ch = 0;
        b.channel = dot11_ie_get_ds_channel(m->ies, m->ies_len, &ch) == 0 ? ch : (uint8_t)info->channel;
        b.rssi = info->rssi_dbm;
        struct dot11_rsn rsn;
        b.wpa2 = dot11_ie_get_rsn(m->ies, m->ies_len, &rsn) == 0;
        b.sae = false;
        b.rsn_caps = b.wpa2 ? rsn.capabilities : 0;
        for (size_t i = 0; b.wpa2 && i < rsn.n_akm; i++)
            b.sae |= rsn.akm[i] == DOT11_AKM_SAE;
        b.privacy = (m->u.beacon.capability & DOT11_CAP_PRIVACY) != 0;
        /* The BSSBasicRateSet: the lowest one is what management frames and
         * EAPOL to this BSS will use (robust_rate). Parsed here only, not
         * for every beacon of a joined link. */
        uint8_t rates[DOT11_MAX_RATES];
        size_t nr = 0;
        if (dot11_ie_get_rates(m->ies, m->ies_len, rates, sizeof rates, &nr) == DOT11_OK)
            for (size_t i = 0; i < nr; i++) {
                uint8_t v = rates[i] & 0x7f;
                if ((rates[i] & 0x80) && rate_on_air(v) && (b.basic_rate == 0 || v < b.basic_rate))
                    b.basic_rate = v;
            }
        /* A BSS heard on a channel other than the one it announces is an
         * adjacent-channel echo; count it where it says it lives. */
        if (r->scan_opts.ssid_len == 0 ||
            (ssid_len == r->scan_opts.ssid_len && memcmp(ssid, r->scan_opts.ssid, ssid_len) == 0))
            record_bss(r, &b);
        return;
    }
    if (m->hdr.subtype == DOT11_STYPE_BEACON && r->state >= ST_AUTHENTICATING &&
        memcmp(b.bssid, r->target.bssid, 6) == 0) {
        r->stats.beacons_rx++;
        r->rssi = info->rssi_dbm;
        r->last_beacon = sim_now(r->s);
        if (b.beacon_interval)
            r->target.beacon_interval = b.beacon_interval;
        if (r->state == ST_JOINED) {
            loss_rearm(r);
            roam_check(r, info->rssi_dbm);
            ps_beacon(r, m);
        }
    }
}

/* ---- PMF (802.11w) on the station: 12.6.8, 11.13 ---------------------------
 * With PMF negotiated and keys installed: a protected deauthentication,
 * disassociation or action frame from the AP is decrypted with the TK and
 * replay-checked; a group-addressed one must carry a valid MME (BIP with the
 * IGTK); an unprotected deauthentication or disassociation is not believed:
 * the station asks the AP with a protected SA Query Request (11.13.1) every
 * 201 ms (wpa_supplicant's SA_QUERY_RETRY_TIMEOUT) for up to 1000 ms
 * (dot11AssociationSAQueryMaximumTimeout); an answer keeps the link, silence
 * ends it as a loss. */
#define SAQ_RETRY_MS 201
#define SAQ_MAX_MS 1000

static void send_protected_mgmt(radio *r, const uint8_t *f, size_t n)
{
    uint8_t out[FRAME_MAX];
    size_t on = 0;
    if (r->tx_pn >= 0xFFFFFFFFFFFFull)
        return;
    if (dot11_mgmt_protect(dot11_ptk_tk(r->ptk), r->tx_pn + 1, f, n, out, sizeof out, &on) != 0)
        return;
    r->tx_pn++;
    transmit(r, out, (int)on, robust_rate(r));
}

static void saq_send(radio *r)
{
    uint8_t f[24 + 4];
    memset(f, 0, sizeof f);
    f[0] = DOT11_STYPE_ACTION << 4;
    memcpy(f + 4, r->target.bssid, 6);
    memcpy(f + 10, r->cfg.mac, 6);
    memcpy(f + 16, r->target.bssid, 6);
    uint16_t seq = next_seq(r);
    f[22] = (uint8_t)(seq << 4);
    f[23] = (uint8_t)(seq >> 4);
    size_t n = 0;
    dot11_sa_query_build(f + 24, 4, DOT11_SA_QUERY_REQUEST, r->saq_id, &n);
    send_protected_mgmt(r, f, sizeof f);
}

static void saq_tick(void *arg)
{
    radio *r = arg;
    r->saq_timer = 0;
    if (!radio_joined(r))
        return;
    if (sim_now(r->s) - r->saq_start >= SIM_MS(SAQ_MAX_MS)) {
        trace_state(r, SIM_LOG_INFO, "sa_query_timeout", NULL, NULL);
        link_lost(r, "SA Query unanswered after an unprotected deauthentication", 0);
        return;
    }
    saq_send(r);
    r->saq_timer = sim_after(r->s, SIM_MS(SAQ_RETRY_MS), saq_tick, r);
}

static void saq_start(radio *r, const char *why)
{
    trace_state(r, SIM_LOG_INFO, "pmf_unprotected_ignored", "frame", why);
    if (r->saq_timer)
        return; /* one SA Query at a time */
    sim_rng_bytes(r->rng, r->saq_id, 2);
    r->saq_start = sim_now(r->s);
    saq_send(r);
    r->saq_timer = sim_after(r->s, SIM_MS(SAQ_RETRY_MS), saq_tick, r);
}

/* false: the frame is dropped (or fully handled here). */
static bool pmf_rx(radio *r, const uint8_t **frame, size_t *len, uint8_t *buf, size_t cap)
{
    const uint8_t *f = *frame;
    if (*len < 24 || !r->mfp || !r->keys_installed || !radio_joined(r))
        return true;
    uint8_t subtype = (uint8_t)(f[0] >> 4);
    bool robust = subtype == DOT11_STYPE_DEAUTH || subtype == DOT11_STYPE_DISASSOC ||
                  subtype == DOT11_STYPE_ACTION;
    bool from_bss = memcmp(f + 10, r->target.bssid, 6) == 0;
    if (!robust || !from_bss)
        return true;
    bool group = is_group(f + 4);
    bool prot = (f[1] & 0x40) != 0;
    if (group) {
        /* 12.5.4.5: a group-addressed robust frame needs a valid MME. */
        if (!r->igtk_valid || bip_verify(r->igtk, r->igtk_id, &r->igtk_ipn, f, *len) != 0) {
            trace_state(r, SIM_LOG_INFO, "pmf_dropped", "why", "group frame without a valid MME");
            return false;
        }
        *len -= BIP_MME_LEN;
        return true;
    }
    if (memcmp(f + 4, r->cfg.mac, 6) != 0)
        return true;
    if (!prot) {
        if (subtype != DOT11_STYPE_ACTION)
            saq_start(r, subtype == DOT11_STYPE_DEAUTH ? "deauth" : "disassoc");
        return false;
    }
    size_t n = 0;
    uint64_t pn = 0;
    if (dot11_mgmt_unprotect(dot11_ptk_tk(r->ptk), f, *len, buf, cap, &n, &pn) != 0 || pn <= r->rx_mgmt_pn) {
        trace_state(r, SIM_LOG_INFO, "pmf_dropped", "why", "undecryptable or replayed");
        return false;
    }
    r->rx_mgmt_pn = pn;
    if (subtype == DOT11_STYPE_ACTION) {
        int action;
        uint8_t id[2];
        if (n >= 28 && dot11_sa_query_parse(buf + 24, n - 24, &action, id) == 0 &&
            action == DOT11_SA_QUERY_RESPONSE && r->saq_timer && memcmp(id, r->saq_id, 2) == 0) {
            sim_cancel(r->s, r->saq_timer);
            r->saq_timer = 0;
            trace_state(r, SIM_LOG_INFO, "sa_query_answered", NULL, NULL);
        }
        return false;
    }
    *frame = buf;
    *len = n;
    return true;
}

/* Authentication succeeded (Open System, or SAE's verified Confirm): on
 * to (re)association. */
static void authenticated(radio *r)
{
    /* cyw43_ctrl.c, CYW43_EV_AUTH status 0: "A good-auth follows a
     * bad-auth, so change the join state back to active." */
    if (r->last_result == RADIO_LINK_BADAUTH)
        r->last_result = RADIO_LINK_JOIN;
    set_state(r, ST_ASSOCIATING);
    r->attempts = 0;
    send_assoc(r);
}

/* The AP's SAE frames (12.4.8.6): its Commit gets our Confirm; its
 * Confirm, verified, ends authentication with SAE's PMK. */
static void handle_sae(radio *r, const struct dot11_mgmt *m)
{
    uint16_t seq = m->u.auth.transaction_seq, status = m->u.auth.status;
    if (r->sae == NULL)
        return;
    if (seq == 1 && status == DOT11_STATUS_ANTI_CLOGGING_TOKEN_REQ) {
        const uint8_t *tok;
        size_t tl;
        if (m->ies == NULL ||
            dot11_sae_parse_token_request(m->ies, m->ies_len, NULL, &tok, &tl) != 0 ||
            tl > sizeof r->sae_token)
            return;
        memcpy(r->sae_token, tok, tl);
        r->sae_token_len = tl;
        trace_int(r, SIM_LOG_INFO, "sae_token_requested", "len", (int64_t)tl);
        send_sae_commit(r);
        return;
    }
    if (status != DOT11_STATUS_SUCCESS) {
        cancel_timer(r);
        char why[64];
        snprintf(why, sizeof why, "SAE refused, status %u", status);
        join_failed(r, RADIO_LINK_FAIL, why);
        return;
    }
    if (seq == 1) {
        if (m->ies == NULL || dot11_sae_process_commit(r->sae, m->ies, m->ies_len, 0) != 0)
            return; /* 12.4.8.6.4: a bad Commit is discarded */
        struct dot11_mgmt_hdr h;
        mgmt_hdr(r, &h, r->target.bssid, r->target.bssid);
        uint8_t body[DOT11_SAE_CONFIRM_LEN], buf[128];
        size_t n = 0;
        if (dot11_sae_write_confirm(r->sae, 1, body, sizeof body, &n) == 0)
            transmit(r, buf,
                     dot11_build_auth_body(buf, sizeof buf, &h, DOT11_AUTH_ALG_SAE, 2, 0, body, n),
                     robust_rate(r));
        return;
    }
    if (seq == 2 && m->ies != NULL) {
        if (dot11_sae_check_confirm(r->sae, m->ies, m->ies_len) != 0) {
            r->sae_mismatch = true;
            trace_state(r, SIM_LOG_INFO, "sae_confirm_mismatch", NULL, NULL);
            return;
        }
        cancel_timer(r);
        dot11_sae_keys(r->sae, r->pmk, NULL, NULL);
        r->have_pmk = true;
        r->pmk_from_exchange = true;
        trace_state(r, SIM_LOG_INFO, "sae_accepted", NULL, NULL);
        authenticated(r);
    }
}

static void handle_parsed_mgmt(radio *r, const struct dot11_mgmt *m, const dot11_rx_info *info);

static void handle_mgmt(radio *r, const uint8_t *frame, size_t len, const dot11_rx_info *info)
{
    struct dot11_mgmt m;
    uint8_t plain[FRAME_MAX];
    if (!pmf_rx(r, &frame, &len, plain, sizeof plain))
        return;
    if (dot11_parse_mgmt(frame, len, &m) != 0) {
        r->stats.rx_dropped++;
        return;
    }
    handle_parsed_mgmt(r, &m, info);
}

/* A beacon without flags (a 24-octet header, nothing protected): the only
 * kind the memo keeps. */
static bool beacon_plain(const uint8_t *frame, size_t len)
{
    return len >= 36 && len <= BEACON_MEMO_MAX && frame[0] == (DOT11_STYPE_BEACON << 4) && frame[1] == 0;
}

/* A joined station hears its AP's beacon ten times a second, the same
 * bytes but for the Sequence Control and the timestamp. When every other
 * octet equals a beacon parsed before, that parse is the answer (every
 * field of the header and the body comes from those octets), with the two
 * fields read anew and the elements pointing into this frame. */
static bool beacon_memo_find(radio *r, const uint8_t *frame, size_t len, struct dot11_mgmt *m)
{
    if (!beacon_plain(frame, len))
        return false;
    /* the other slot first: with DTIM period 2 the beacons alternate */
    for (unsigned n = 1; n <= 2; n++) {
        unsigned i = (r->memo_hit + n) % 2;
        const struct beacon_memo *e = &r->memo[i];
        if (e->len != len || memcmp(e->bytes, frame, 22) != 0 || memcmp(e->bytes + 32, frame + 32, len - 32) != 0)
            continue;
        *m = e->m;
        uint16_t sc = (uint16_t)(frame[22] | frame[23] << 8);
        m->hdr.frag_num = (uint8_t)(sc & 0xf);
        m->hdr.seq_num = (uint16_t)(sc >> 4);
        uint64_t ts = 0;
        for (int k = 7; k >= 0; k--)
            ts = ts << 8 | frame[24 + k];
        m->u.beacon.timestamp = ts;
        if (m->ies != NULL)
            m->ies = frame + (e->m.ies - e->bytes);
        r->memo_hit = i;
        return true;
    }
    return false;
}

static void beacon_memo_put(radio *r, const uint8_t *frame, size_t len, const struct dot11_mgmt *m)
{
    unsigned slot = r->memo_next++ % 2;
    struct beacon_memo *e = &r->memo[slot];
    r->memo_hit = slot;
    memcpy(e->bytes, frame, len);
    e->len = len;
    e->m = *m;
    if (m->ies != NULL)
        e->m.ies = e->bytes + (m->ies - frame);
}

static void handle_parsed_mgmt(radio *r, const struct dot11_mgmt *m, const dot11_rx_info *info)
{
    bool from_target = r->state >= ST_AUTHENTICATING && memcmp(m->hdr.addr2, r->target.bssid, 6) == 0;
    switch (m->hdr.subtype) {
    case DOT11_STYPE_BEACON:
    case DOT11_STYPE_PROBE_RESP:
        handle_bss_frame(r, m, info);
        return;
    case DOT11_STYPE_AUTH:
        if (r->state == ST_AUTHENTICATING && from_target && m->u.auth.algorithm == DOT11_AUTH_ALG_SAE &&
            r->akm == DOT11_AKM_SAE) {
            handle_sae(r, m);
            return;
        }
        if (r->state != ST_AUTHENTICATING || !from_target || m->u.auth.transaction_seq != 2 ||
            m->u.auth.algorithm != DOT11_AUTH_ALG_OPEN_SYSTEM)
            return;
        cancel_timer(r);
        if (m->u.auth.status != DOT11_STATUS_SUCCESS) {
            char why[64];
            snprintf(why, sizeof why, "authentication refused, status %u", m->u.auth.status);
            join_failed(r, RADIO_LINK_FAIL, why);
            return;
        }
        authenticated(r);
        return;
    case DOT11_STYPE_ASSOC_RESP:
    case DOT11_STYPE_REASSOC_RESP:
        /* a roam reassociates (11.3.5.4); a join associates */
        if (r->state != ST_ASSOCIATING || !from_target ||
            (m->hdr.subtype == DOT11_STYPE_REASSOC_RESP) != r->roam_active)
            return;
        cancel_timer(r);
        if (m->u.assoc_resp.status != DOT11_STATUS_SUCCESS) {
            char why[64];
            snprintf(why, sizeof why, "association refused, status %u", m->u.assoc_resp.status);
            join_failed(r, RADIO_LINK_FAIL, why);
            return;
        }
        r->aid = m->u.assoc_resp.aid;
        if (r->roam_active)
            wipe_keys(r); /* the old BSS's PTK and GTKs end with the reassociation (11.3.5.4) */
        if (r->join.auth == RADIO_AUTH_OPEN) {
            link_established(r);
            return;
        }
        set_state(r, ST_HANDSHAKE);
        r->last_beacon = sim_now(r->s);
        if (r->join.auth == RADIO_AUTH_WPA2_ENTERPRISE) {
            eap_begin(r);
            return;
        }
        r->timer = sim_after(r->s, SIM_MS(r->cfg.handshake_timeout_ms), handshake_timeout, r);
        return;
    case DOT11_STYPE_DEAUTH:
    case DOT11_STYPE_DISASSOC: {
        if (!from_target || memcmp(m->hdr.addr1, r->cfg.mac, 6) != 0)
            return;
        uint16_t reason = m->u.deauth.reason;
        const char *kind = m->hdr.subtype == DOT11_STYPE_DEAUTH ? "deauth_rx" : "disassoc_rx";
        trace_int(r, SIM_LOG_INFO, kind, "reason", reason);
        char why[64];
        snprintf(why, sizeof why, "%s reason %u", m->hdr.subtype == DOT11_STYPE_DEAUTH ? "deauthenticated" : "disassociated",
                 reason);
        /* cyw43_ctrl.c, CYW43_EV_DEAUTH_IND with reason 2 ("Deauth, probably
         * because password was wrong"): the driver disassociates
         * (pend_disassoc -> WLC_DISASSOC), whose CYW43_EV_DISASSOC clears
         * the join state: DOWN, and the chip stops. Any other reason, and
         * any disassociation (CYW43_EV_DISASSOC_IND is ignored there),
         * leaves the state alone: the join fails as below, or a joined link
         * is lost and the chip rejoins on its own. */
        bool clears = m->hdr.subtype == DOT11_STYPE_DEAUTH && reason == DOT11_REASON_INVALID_AUTHENTICATION;
        if (clears && (r->state >= ST_AUTHENTICATING || radio_joined(r)))
            state_cleared(r, why, reason);
        else if (r->state == ST_HANDSHAKE)
            join_failed(r, RADIO_LINK_BADAUTH, why); /* WLC_E_SUP_DEAUTH (14): a PSK_SUP failure */
        else if (r->state == ST_AUTHENTICATING || r->state == ST_ASSOCIATING)
            join_failed(r, RADIO_LINK_FAIL, why);
        else if (radio_joined(r))
            link_lost(r, why, reason);
        return;
    }
    default:
        return;
    }
}

void radio_receive(void *radio_ctx, const uint8_t *frame, size_t len, const dot11_rx_info *info)
{
    radio *r = radio_ctx;
    if (r->state == ST_OFF || frame == NULL)
        return;
    /* A beacon seen before: the checks below on its parsed header, and no
     * parse. pmf_rx never touches a beacon (not a robust frame), so a
     * plain beacon goes straight to handle_parsed_mgmt on either path. */
    struct dot11_mgmt m;
    bool known = beacon_memo_find(r, frame, len, &m);
    struct dot11_hdr h;
    if (known) {
        h = m.hdr;
    } else if (dot11_parse_header(frame, len, &h) <= 0) {
        r->stats.rx_dropped++;
        return;
    }
    if (h.n_addr < 2 || (!is_group(h.addr1) && memcmp(h.addr1, r->cfg.mac, 6) != 0))
        return; /* not for us */
    if (frames_hung(r)) {
        r->stats.wedge_rx_dropped++;
        return;
    }
    /* Beacons, responses and deauthentications are the state machine's to
     * act on; with the commands wedge it is hung. */
    if (h.type == DOT11_FTYPE_MGMT && !commands_hung(r)) {
        if (known) {
            handle_parsed_mgmt(r, &m, info);
        } else if (beacon_plain(frame, len)) {
            if (dot11_parse_mgmt(frame, len, &m) != 0) {
                r->stats.rx_dropped++;
                return;
            }
            beacon_memo_put(r, frame, len, &m);
            handle_parsed_mgmt(r, &m, info);
        } else {
            handle_mgmt(r, frame, len, info);
        }
    } else if (h.type == DOT11_FTYPE_DATA) {
        handle_data(r, &h, frame, len);
    }
}

int radio_set_tx_power(radio *r, int dbm)
{
    if (r->state == ST_OFF)
        return RADIO_EPERM;
    if (commands_hung(r))
        return RADIO_ETIMEDOUT;
    if (dbm < 0 || dbm > 30 || r->air.set_tx_power == NULL)
        return RADIO_EINVAL;
    r->tx_power_dbm = dbm;
    r->air.set_tx_power(r->air.ctx, dbm);
    trace_int(r, SIM_LOG_INFO, "tx_power", "dbm", dbm);
    return RADIO_OK;
}

int radio_tx_power(const radio *r, int *dbm)
{
    if (r->state == ST_OFF)
        return RADIO_EPERM;
    if (commands_hung(r))
        return RADIO_ETIMEDOUT;
    *dbm = r->tx_power_dbm;
    return RADIO_OK;
}

void radio_get_stats(const radio *r, radio_stats *out)
{
    *out = r->stats;
}
