/* ap_model/ap.c — the access point: lifecycle, beacons, probe responses,
 * the transmit path and the bridge port. The station table and the receive
 * path are in ap_sta.c, the 4-way handshake in ap_wpa_auth.c.
 *
 * Beacon timing: the first beacon goes out at the AP's creation time and
 * then at every TBTT, creation + k * beacon_interval_tu * 1024 us. Turning
 * the AP off and on again keeps that grid (the next beacon is at the first
 * TBTT at or after the moment it comes back), so beacon times never depend
 * on when a fault happened (11.1.3.2: beacons at TBTTs). The TSF timestamp
 * is the virtual time in microseconds (11.1.2: the TSF counts microseconds).
 *
 * Rates: management frames, EAPOL frames and group-addressed data go at
 * mgmt_rate (group-addressed frames go at a rate of the BSSBasicRateSet,
 * 10.7; EAPOL at a robust rate, as mac80211 sends it); unicast data at
 * data_rate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap_model/ap_internal.h"
#include "dot11/akm.h"
#include "dot11/sae.h"

#define AP_DTIM_PERIOD 2 /* hostapd's default dtim_period */
#define AP_MAX_INACTIVITY_S 300 /* hostapd's ap_max_inactivity (AP_MAX_INACTIVITY) */

static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* ------------------------------------------------------------------ */
/* Small helpers shared by the AP's files                               */
/* ------------------------------------------------------------------ */

const uint8_t *ap_rate_set(size_t *n)
{
    /* 1, 2, 5.5, 11 Mb/s basic (the 802.11b set every 2.4 GHz station
     * has), then the ERP-OFDM rates 6..54 Mb/s. */
    static const uint8_t rates[12] = {0x82, 0x84, 0x8b, 0x96, 0x0c, 0x12,
                                      0x18, 0x24, 0x30, 0x48, 0x60, 0x6c};
    *n = sizeof(rates);
    return rates;
}

static bool ap_rate_known(uint8_t rate)
{
    size_t n;
    const uint8_t *r = ap_rate_set(&n);
    for (size_t i = 0; i < n; i++)
        if ((r[i] & 0x7f) == rate)
            return true;
    return false;
}

void ap_mac_str(const uint8_t mac[6], char out[18])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 6; i++) {
        out[i * 3] = hex[mac[i] >> 4];
        out[i * 3 + 1] = hex[mac[i] & 0xf];
        out[i * 3 + 2] = i < 5 ? ':' : '\0';
    }
}

bool ap_mac_is_group(const uint8_t mac[6])
{
    return (mac[0] & 0x01) != 0;
}

bool ap_mac_eq(const uint8_t a[6], const uint8_t b[6])
{
    return memcmp(a, b, 6) == 0;
}

void ap_trace_drop(ap *a, const uint8_t *sta_mac, const char *why)
{
    sim_trace_rec *r = sim_trace_begin(sim_trace_of(a->s), SIM_LOG_DEBUG, a->name, "drop");
    if (r == NULL)
        return;
    if (sta_mac != NULL) {
        char m[18];
        ap_mac_str(sta_mac, m);
        sim_trace_str(r, "sta", m);
    }
    sim_trace_str(r, "why", why);
    sim_trace_end(r);
}

uint16_t ap_next_seq(ap *a)
{
    uint16_t s = a->seq;
    a->seq = (uint16_t)((a->seq + 1) & 0x0fff);
    return s;
}

int64_t ap_tx(ap *a, const uint8_t *frame, int len, uint8_t rate)
{
    /* A builder failing here means our own arguments were wrong; the frame
     * is not sent rather than sent half-made. */
    if (len <= 0 || !a->enabled)
        return SIM_EINVAL;
    return a->port.transmit(a->port.ctx, frame, (size_t)len, rate);
}

int64_t ap_tx_ex(ap *a, const uint8_t *frame, int len, const dot11_tx_params *p)
{
    if (len <= 0 || !a->enabled)
        return SIM_EINVAL;
    if (a->port.transmit_ex == NULL)
        return a->port.transmit(a->port.ctx, frame, (size_t)len, p->rate);
    return a->port.transmit_ex(a->port.ctx, frame, (size_t)len, p);
}

void ap_mgmt_hdr(ap *a, struct dot11_mgmt_hdr *h, const uint8_t *da)
{
    memset(h, 0, sizeof(*h));
    memcpy(h->da, da, 6);
    memcpy(h->sa, a->bssid, 6);
    memcpy(h->bssid, a->bssid, 6);
    h->seq_num = ap_next_seq(a);
}

uint16_t ap_capability(const ap *a)
{
    /* 9.4.1.4: ESS for an AP; Privacy when the BSS requires RSNA; ERP short
     * slot, since every rate we offer is 11b/g. */
    uint16_t cap = DOT11_CAP_ESS | DOT11_CAP_SHORT_SLOT_TIME;
    if (a->rsn)
        cap |= DOT11_CAP_PRIVACY;
    return cap;
}

/* ------------------------------------------------------------------ */
/* Configuration                                                        */
/* ------------------------------------------------------------------ */

void ap_config_default(ap_config *c)
{
    if (c == NULL)
        return;
    memset(c, 0, sizeof(*c));
    c->name = "ap";
    c->ssid = "linkrig";
    c->passphrase = NULL;
    /* Locally administered, unicast. */
    const uint8_t bssid[6] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x00};
    memcpy(c->bssid, bssid, 6);
    c->channel = 1;
    c->beacon_interval_tu = 100;
    c->eapol_timeout_first_ms = 100;
    c->eapol_timeout_ms = 1000;
    c->eapol_attempts = 4;
    c->max_stations = 16;
    c->mgmt_rate = 2;
    c->data_rate = 48;
    c->dtim_period = AP_DTIM_PERIOD;
    c->max_inactivity_s = AP_MAX_INACTIVITY_S;
}

/* strlen that stops looking after max characters (strnlen is POSIX, not C11). */
static size_t ap_strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] != '\0')
        n++;
    return n;
}

/* J.4.1: a passphrase is 8..63 printable ASCII characters. */
static int ap_check_passphrase(const char *p, sim_err *err)
{
    if (p == NULL || p[0] == '\0')
        return SIM_OK;
    size_t n = ap_strnlen(p, 64);
    if (n < 8 || n > 63)
        return sim_err_set(err, SIM_EINVAL, "ap: passphrase must be 8..63 characters");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] < 32 || (unsigned char)p[i] > 126)
            return sim_err_set(err, SIM_EINVAL,
                               "ap: passphrase character %zu is not printable ASCII", i + 1);
    return SIM_OK;
}

/* Sets the security of the BSS and the PMK cached for (SSID, passphrase),
 * so that PBKDF2's 4096 rounds run once per passphrase, not per station. */
static int ap_apply_passphrase(ap *a, const char *p, sim_err *err)
{
    int rc = ap_check_passphrase(p, err);
    if (rc != SIM_OK)
        return rc;
    if (p == NULL || p[0] == '\0') {
        a->rsn = false;
        a->passphrase[0] = '\0';
        memset(a->pmk, 0, sizeof(a->pmk));
        return SIM_OK;
    }
    if (a->rsn && strcmp(a->passphrase, p) == 0)
        return SIM_OK;
    uint8_t pmk[DOT11_PMK_LEN];
    if (dot11_pmk_cache_derive(a->pmk_cache, p, a->ssid, a->ssid_len, pmk) != 0)
        return sim_err_set(err, SIM_EINVAL, "ap: cannot derive a PMK from that passphrase");
    memcpy(a->pmk, pmk, sizeof(pmk));
    memset(pmk, 0, sizeof(pmk));
    snprintf(a->passphrase, sizeof(a->passphrase), "%s", p);
    a->rsn = true;
    /* RSN Capabilities 0: no MFP, one replay counter per TID class as we
     * send no QoS data. */
    dot11_rsn_init_wpa2_psk_ccmp(&a->rsn_desc, 0);
    return SIM_OK;
}

/* ---- WPA2-Enterprise: the 802.1X authenticator's side of the AP ---- */

static void ent_send_eapol(void *ctx, const uint8_t sta[6], const uint8_t *eapol, size_t len)
{
    ap_send_eapol_clear(ctx, sta, eapol, len);
}

static void ent_radius_send(void *ctx, const uint8_t *pkt, size_t len)
{
    ap *a = ctx;
    if (a->radius_send)
        a->radius_send(a->radius_ctx, pkt, len);
}

static void ent_authorized(void *ctx, const uint8_t mac[6], const uint8_t pmk[32])
{
    ap *a = ctx;
    ap_sta *sta = ap_sta_find(a, mac);
    if (sta == NULL || sta->state != AP_STA_STATE_3)
        return;
    memcpy(sta->pmk, pmk, DOT11_PMK_LEN);
    sta->pmk_from_aaa = true;
    ap_wpa_start(sta);
}

static void ent_failed(void *ctx, const uint8_t mac[6], uint16_t reason)
{
    ap *a = ctx;
    ap_sta *sta = ap_sta_find(a, mac);
    if (sta != NULL)
        ap_sta_deauth(sta, reason);
}

/* RSNE with AKM 00-0F-AC:1 and the authenticator; the passphrase stays
 * empty (an Enterprise BSS has no PSK). */
static int ap_enterprise_init(ap *a, const ap_config *cfg, sim_err *err)
{
    if (cfg->passphrase && cfg->passphrase[0])
        return sim_err_set(err, SIM_EINVAL, "ap: a passphrase and a RADIUS secret exclude each other");
    a->rsn = true;
    a->enterprise = true;
    dot11_rsn_init_wpa2_psk_ccmp(&a->rsn_desc, 0);
    a->rsn_desc.akm[0] = DOT11_AKM_8021X;
    char ssid[DOT11_SSID_MAX_LEN + 1];
    memcpy(ssid, a->ssid, a->ssid_len);
    ssid[a->ssid_len] = '\0';
    ap_8021x_config xc = {.name = a->name, .secret = cfg->radius_secret, .ssid = ssid,
                          .nas_ip = cfg->nas_ip};
    memcpy(xc.bssid, cfg->bssid, 6);
    ap_8021x_ops ops = {a, ent_send_eapol, ent_radius_send, a, ent_authorized, ent_failed};
    a->dot1x = ap_8021x_create(a->s, &xc, &ops, err);
    return a->dot1x ? SIM_OK : SIM_EINVAL;
}

/* AKM SAE in the RSNE: after PSK when there is a passphrase (transition
 * mode), else alone. The PSK part is what ap_apply_passphrase left. */
static void ap_sae_rsne(ap *a)
{
    if (a->passphrase[0] == '\0') {
        dot11_rsn_init_wpa2_psk_ccmp(&a->rsn_desc, 0);
        a->rsn_desc.n_akm = 0;
    }
    a->rsn = true;
    a->rsn_desc.akm[a->rsn_desc.n_akm++] = DOT11_AKM_SAE;
}

/* WPA3-Personal: AKM SAE in the RSNE, alone or after PSK (transition
 * mode). Management frame protection is not offered yet (RSN Capabilities
 * 0), so a WPA3-only BSS here is SAE without PMF: see README. */
static int ap_sae_init(ap *a, const ap_config *cfg, sim_err *err)
{
    if (a->enterprise)
        return sim_err_set(err, SIM_EINVAL, "ap: SAE and a RADIUS secret exclude each other");
    size_t n = strlen(cfg->sae_password);
    if (n < 1 || n >= sizeof a->sae_password)
        return sim_err_set(err, SIM_EINVAL, "ap: the SAE password must be 1..255 characters");
    snprintf(a->sae_password, sizeof a->sae_password, "%s", cfg->sae_password);
    a->sae = true;
    ap_sae_rsne(a);
    a->sae_threshold_cfg = cfg->sae_anti_clogging_threshold > 0 ? cfg->sae_anti_clogging_threshold : 5;
    a->sae_threshold = a->sae_threshold_cfg;
    return SIM_OK;
}

void ap_set_sae_anti_clogging(ap *a, bool always)
{
    if (a != NULL)
        a->sae_threshold = always ? 0 : a->sae_threshold_cfg;
}

void ap_set_radius(ap *a, void (*send)(void *ctx, const uint8_t *pkt, size_t len), void *ctx)
{
    if (a == NULL)
        return;
    a->radius_send = send;
    a->radius_ctx = ctx;
}

void ap_radius_receive(ap *a, const uint8_t *pkt, size_t len)
{
    if (a != NULL && a->dot1x != NULL)
        ap_8021x_rx_radius(a->dot1x, pkt, len);
}

bool ap_enterprise(const ap *a)
{
    return a != NULL && a->enterprise;
}

static int ap_check_channel(int channel, sim_err *err)
{
    /* The DS Parameter Set carries the channel in one octet (9.4.2.4). */
    if (channel < 1 || channel > 255)
        return sim_err_set(err, SIM_EINVAL, "ap: channel %d is out of range", channel);
    return SIM_OK;
}

static char *ap_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

static void ap_beacon_fire(void *arg);

/* hostapd's wpa_group_rekey: a rekey every gtk_rekey_s from when the
 * authenticator starts (wpa_rekey_gtk re-registers itself each time). */
static void ap_rekey_fire(void *arg)
{
    ap_gtk_rekey(arg);
}

static void ap_rekey_timer_start(ap *a)
{
    if (a->gtk_rekey_s == 0)
        return;
    sim_time p = SIM_SEC((sim_time)a->gtk_rekey_s);
    a->rekey_timer = sim_every(a->s, p, p, ap_rekey_fire, a);
}

static sim_time ap_beacon_period(const ap *a)
{
    return SIM_US((sim_time)a->beacon_interval_tu * 1024);
}

static void ap_beacons_start(ap *a)
{
    sim_time period = ap_beacon_period(a);
    sim_time now = sim_now(a->s);
    sim_time elapsed = now - a->created_at;
    sim_time k = (elapsed + period - 1) / period;
    sim_time next = a->created_at + k * period;
    a->beacon_timer = sim_every(a->s, next - now, period, ap_beacon_fire, a);
}

static void ap_beacons_stop(ap *a)
{
    sim_cancel(a->s, a->beacon_timer);
    a->beacon_timer = 0;
}

ap *ap_create(sim *s, const dot11_air_port *air, const ap_config *cfg, sim_err *err)
{
    ap_config d;
    ap_config_default(&d);

    if (s == NULL || air == NULL || cfg == NULL) {
        sim_err_set(err, SIM_EINVAL, "ap: sim, air port and config are required");
        return NULL;
    }
    if (air->transmit == NULL) {
        sim_err_set(err, SIM_EINVAL, "ap: the air port has no transmit function");
        return NULL;
    }
    if (cfg->ssid == NULL || cfg->ssid[0] == '\0' ||
        ap_strnlen(cfg->ssid, DOT11_SSID_MAX_LEN + 1) > DOT11_SSID_MAX_LEN) {
        sim_err_set(err, SIM_EINVAL, "ap: SSID must be 1..32 bytes");
        return NULL;
    }
    if (ap_mac_is_group(cfg->bssid) || memcmp(cfg->bssid, "\0\0\0\0\0\0", 6) == 0) {
        sim_err_set(err, SIM_EINVAL, "ap: BSSID must be a unicast, nonzero MAC address");
        return NULL;
    }
    if (ap_check_channel(cfg->channel, err) != SIM_OK)
        return NULL;
    /* Zero fields take the defaults, so a config filled by hand only names
     * what it changes. */
    int attempts = cfg->eapol_attempts ? cfg->eapol_attempts : d.eapol_attempts;
    int max_stations = cfg->max_stations ? cfg->max_stations : d.max_stations;
    uint8_t mgmt_rate = cfg->mgmt_rate ? cfg->mgmt_rate : d.mgmt_rate;
    uint8_t data_rate = cfg->data_rate ? cfg->data_rate : d.data_rate;
    if (attempts < 1 || attempts > 100) {
        sim_err_set(err, SIM_EINVAL, "ap: eapol_attempts must be 1..100 (got %d)", attempts);
        return NULL;
    }
    /* Each associated station needs an AID of its own (9.4.1.8). */
    if (max_stations < 1 || max_stations > DOT11_AID_MAX) {
        sim_err_set(err, SIM_EINVAL, "ap: max_stations must be 1..%d (got %d)", DOT11_AID_MAX,
                    max_stations);
        return NULL;
    }
    if (!ap_rate_known(mgmt_rate) || !ap_rate_known(data_rate)) {
        sim_err_set(err, SIM_EINVAL,
                    "ap: mgmt_rate %u / data_rate %u: not a rate of the BSS (500 kb/s units)",
                    mgmt_rate, data_rate);
        return NULL;
    }

    ap *a = calloc(1, sizeof(*a));
    if (a == NULL) {
        sim_err_set(err, SIM_ENOMEM, "ap: out of memory");
        return NULL;
    }
    a->s = s;
    a->port = *air;
    a->name = ap_strdup(cfg->name && cfg->name[0] ? cfg->name : d.name);
    a->nslots = max_stations + AP_AUTH_SPARE_SLOTS;
    a->stas = calloc((size_t)a->nslots, sizeof(*a->stas));
    a->ccm = dot11_ccm_new();
    a->sta_ccm = calloc((size_t)a->nslots, sizeof(*a->sta_ccm));
    if (a->name == NULL || a->stas == NULL || a->ccm == NULL || a->sta_ccm == NULL) {
        ap_destroy(a);
        sim_err_set(err, SIM_ENOMEM, "ap: out of memory");
        return NULL;
    }
    a->ccm_memo = cfg->ccm_memo;
    a->pmk_cache = cfg->pmk_cache;
    dot11_ccm_set_memo(a->ccm, a->ccm_memo);
    a->ssid_len = strlen(cfg->ssid);
    memcpy(a->ssid, cfg->ssid, a->ssid_len);
    if (ap_apply_passphrase(a, cfg->passphrase, err) != SIM_OK) {
        ap_destroy(a);
        return NULL;
    }
    memcpy(a->bssid, cfg->bssid, 6);
    if (cfg->radius_secret && cfg->radius_secret[0] && ap_enterprise_init(a, cfg, err) != SIM_OK) {
        ap_destroy(a);
        return NULL;
    }
    if (cfg->sae_password && cfg->sae_password[0] && ap_sae_init(a, cfg, err) != SIM_OK) {
        ap_destroy(a);
        return NULL;
    }
    if (cfg->pmf < 0 || cfg->pmf > 3) {
        ap_destroy(a);
        sim_err_set(err, SIM_EINVAL, "ap: pmf %d is not 0..3", cfg->pmf);
        return NULL;
    }
    a->pmf_cfg = cfg->pmf;
    ap_pmf_configure(a, a->pmf_cfg);
    a->channel = cfg->channel;
    a->beacon_interval_tu = cfg->beacon_interval_tu ? cfg->beacon_interval_tu
                                                    : d.beacon_interval_tu;
    a->eapol_timeout_first_ms = cfg->eapol_timeout_first_ms ? cfg->eapol_timeout_first_ms
                                                            : d.eapol_timeout_first_ms;
    a->eapol_timeout_ms = cfg->eapol_timeout_ms ? cfg->eapol_timeout_ms : d.eapol_timeout_ms;
    a->eapol_attempts = attempts;
    a->max_stations = max_stations;
    a->mgmt_rate = mgmt_rate;
    a->data_rate = data_rate;
    a->dtim_period = cfg->dtim_period ? cfg->dtim_period : AP_DTIM_PERIOD;
    a->max_inactivity_s = cfg->max_inactivity_s;
    for (int i = 0; i < a->nslots; i++)
        a->stas[i].owner = a;
    a->hidden = cfg->hidden;
    a->gtk_rekey_s = cfg->gtk_rekey_s;

    if (a->port.set_channel != NULL && a->port.set_channel(a->port.ctx, a->channel) < 0) {
        sim_err_set(err, SIM_EINVAL, "ap: the air port refused channel %d", a->channel);
        ap_destroy(a);
        return NULL;
    }
    if (a->port.set_enabled != NULL)
        a->port.set_enabled(a->port.ctx, true);

    /* The GTK is drawn first and once, so ANonces that follow come from the
     * same place in the stream whatever the security mode. */
    a->rng = sim_rng_stream(s, a->name);
    a->gn = a->gtx = AP_GTK_FIRST_ID;
    sim_rng_bytes(a->rng, a->gtk[a->gn], AP_GTK_LEN);

    a->enabled = true;
    a->created_at = sim_now(s);
    ap_beacons_start(a);
    ap_rekey_timer_start(a);
    return a;
}

void ap_destroy(ap *a)
{
    if (a == NULL)
        return;
    /* The port is left alone: whoever wired it may already have torn the
     * medium down. Only our own timers are cancelled. */
    if (a->s != NULL) {
        ap_beacons_stop(a);
        sim_cancel(a->s, a->rekey_timer);
    }
    if (a->stas != NULL)
        for (int i = 0; i < a->nslots; i++)
            if (a->stas[i].in_use)
                ap_sta_forget(&a->stas[i]);
    ap_8021x_destroy(a->dot1x);
    memset(a->pmk, 0, sizeof(a->pmk));
    memset(a->gtk, 0, sizeof(a->gtk));
    if (a->sta_ccm != NULL)
        for (int i = 0; i < a->nslots; i++)
            dot11_ccm_free(a->sta_ccm[i]);
    free(a->sta_ccm);
    free(a->stas);
    free(a->name);
    dot11_ccm_free(a->ccm);
    free(a);
}

/* ------------------------------------------------------------------ */
/* Beacons (9.3.3.3, 11.1.3.2) and probe responses (11.1.4.3)            */
/* ------------------------------------------------------------------ */

static void ap_bss_desc(const ap *a, struct dot11_bss_desc *b)
{
    memset(b, 0, sizeof(*b));
    b->ssid = a->ssid;
    b->ssid_len = a->ssid_len;
    b->timestamp = (uint64_t)(sim_now(a->s) / 1000);
    b->beacon_interval = a->beacon_interval_tu;
    b->capability = ap_capability(a);
    b->rates = ap_rate_set(&b->n_rates);
    b->channel = (uint8_t)a->channel;
    b->dtim_period = a->dtim_period;
    b->rsn = a->rsn ? &a->rsn_desc : NULL;
}

static void ap_beacon_key_of(const ap *a, const struct dot11_bss_desc *b, struct ap_beacon_key *k)
{
    memset(k, 0, sizeof *k);
    memcpy(k->bssid, a->bssid, 6);
    memcpy(k->ssid, b->ssid, b->ssid_len);
    k->ssid_len = b->ssid_len;
    k->beacon_interval = b->beacon_interval;
    k->capability = b->capability;
    k->channel = b->channel;
    k->dtim_period = b->dtim_period;
    k->has_rsn = b->rsn != NULL;
    if (b->rsn != NULL)
        memcpy(&k->rsn, b->rsn, sizeof k->rsn);
    k->rates = b->rates;
    k->n_rates = b->n_rates;
}

/* 9.4.2.6: DTIM Count counts down to 0 at each DTIM; TBTT number k (from
 * creation) makes every DTIM_PERIOD-th beacon a DTIM: the count is
 * (period - k mod period) mod period. From one TBTT to the next it just
 * counts down (the divisions were a good part of a beacon's cost); any
 * other step (the AP was off, the period changed) computes it afresh. */
static uint8_t ap_dtim_count(ap *a)
{
    sim_time now = sim_now(a->s), period = ap_beacon_period(a);
    uint8_t dp = a->dtim_period;
    if (a->tbtt.valid && a->tbtt.period == period && a->tbtt.dtim_period == dp && now == a->tbtt.at + period) {
        a->tbtt.dtim = a->tbtt.dtim == 0 ? (uint8_t)(dp - 1) : (uint8_t)(a->tbtt.dtim - 1);
    } else {
        int64_t k = (now - a->created_at) / period;
        a->tbtt.dtim = (uint8_t)((dp - k % dp) % dp);
        a->tbtt.period = period;
        a->tbtt.dtim_period = dp;
        a->tbtt.valid = true;
    }
    a->tbtt.at = now;
    return a->tbtt.dtim;
}

static bool ap_beacon_key_same(const struct ap_beacon_key *k, const ap *a, const struct dot11_bss_desc *b)
{
    return k->ssid_len == b->ssid_len && k->beacon_interval == b->beacon_interval &&
           k->capability == b->capability && k->channel == b->channel && k->dtim_period == b->dtim_period &&
           k->has_rsn == (b->rsn != NULL) && k->rates == b->rates && k->n_rates == b->n_rates &&
           memcmp(k->bssid, a->bssid, 6) == 0 && memcmp(k->ssid, b->ssid, b->ssid_len) == 0 &&
           (b->rsn == NULL || memcmp(&k->rsn, b->rsn, sizeof k->rsn) == 0);
}

static void ap_beacon_fire(void *arg)
{
    ap *a = arg;
    struct dot11_bss_desc b;
    struct dot11_mgmt_hdr h;
    uint8_t buf[DOT11_BEACON_TPL_MAX];

    ap_bss_desc(a, &b);
    /* hostapd's ignore_broadcast_ssid=1: a hidden BSS sends an SSID element
     * of length 0 in its beacons (the element itself stays, 9.3.3.3). */
    if (a->hidden)
        b.ssid_len = 0;
    b.dtim_count = ap_dtim_count(a);
    uint8_t tim[DOT11_TIM_BITMAP_LEN];
    bool any;
    ap_ps_tim(a, tim, &any);
    b.tim_bitmap = any ? tim : NULL;
    ap_mgmt_hdr(a, &h, BCAST);
    /* The beacon is written from a template of everything but the sequence
     * number, the timestamp and the TIM (the same bytes as building it
     * whole, a fraction of the work); any other change rebuilds it. A
     * PMKID list points outside the description, so it is never cached. */
    bool cacheable = !(b.rsn != NULL && b.rsn->has_pmkid_list && b.rsn->n_pmkid > 0);
    if (!cacheable || a->beacon_tpl.len == 0 || !ap_beacon_key_same(&a->beacon_key, a, &b)) {
        a->beacon_tpl.len = 0;
        if (!cacheable || dot11_beacon_tpl_build(&a->beacon_tpl, &h, &b) != DOT11_OK) {
            ap_tx(a, buf, dot11_build_beacon(buf, sizeof(buf), &h, &b), a->mgmt_rate);
            return;
        }
        ap_beacon_key_of(a, &b, &a->beacon_key);
    }
    ap_tx(a, buf,
          dot11_beacon_tpl_write(&a->beacon_tpl, buf, sizeof buf, h.seq_num, b.timestamp, b.dtim_count,
                                 b.tim_bitmap),
          a->mgmt_rate);
}

/* 11.1.4.3 (active scanning): answer when the request names us or the wildcard in Address
 * 1 and BSSID, and our SSID or the wildcard SSID. */
void ap_rx_probe_req(ap *a, const struct dot11_mgmt *m)
{
    const uint8_t *ssid;
    size_t ssid_len;
    const struct dot11_hdr *h = &m->hdr;

    if (!(ap_mac_eq(h->addr1, BCAST) || ap_mac_eq(h->addr1, a->bssid)))
        return;
    if (!(ap_mac_eq(h->addr3, BCAST) || ap_mac_eq(h->addr3, a->bssid)))
        return;
    if (ap_mac_is_group(h->addr2) || ap_mac_eq(h->addr2, a->bssid))
        return;
    if (dot11_ie_get_ssid(m->ies, m->ies_len, &ssid, &ssid_len) != DOT11_OK) {
        if (ap_mac_eq(h->addr1, a->bssid))
            ap_trace_drop(a, h->addr2, "probe_no_ssid");
        return;
    }
    if (ssid_len != 0 && (ssid_len != a->ssid_len || memcmp(ssid, a->ssid, ssid_len) != 0))
        return;
    /* A hidden BSS answers only probes that name it (hostapd: "ignore probe
     * requests for broadcast SSID"); its answer carries the SSID. */
    if (ssid_len == 0 && a->hidden)
        return;

    struct dot11_bss_desc b;
    struct dot11_mgmt_hdr hdr;
    uint8_t buf[512];
    ap_bss_desc(a, &b);
    ap_mgmt_hdr(a, &hdr, h->addr2);
    ap_tx(a, buf, dot11_build_probe_resp(buf, sizeof(buf), &hdr, &b), a->mgmt_rate);
}

/* ------------------------------------------------------------------ */
/* Receive entry                                                         */
/* ------------------------------------------------------------------ */

void ap_receive(void *ap_ctx, const uint8_t *frame, size_t len, const dot11_rx_info *info)
{
    ap *a = ap_ctx;
    struct dot11_hdr hdr;

    /* rx info (power, channel) changes nothing: the medium only delivers
     * what this node could hear. */
    (void)info;
    if (a == NULL || frame == NULL || !a->enabled)
        return;
    /* Without a header we cannot tell whether the frame was meant for us,
     * so it is not worth a trace event. */
    if (dot11_parse_header(frame, len, &hdr) < 0)
        return;
    /* Power management bit and activity of an associated station
     * (ap_ps.c); a PS-Poll is handled below. */
    if (hdr.n_addr >= 2 && ap_mac_eq(hdr.addr1, a->bssid) &&
        !(hdr.type == DOT11_FTYPE_CTRL && hdr.subtype == DOT11_STYPE_PS_POLL)) {
        ap_sta *sta = ap_sta_find(a, hdr.addr2);
        if (sta != NULL)
            ap_ps_rx(sta, &hdr);
    }
    switch (hdr.type) {
    case DOT11_FTYPE_MGMT:
        ap_rx_mgmt(a, frame, len, &hdr);
        break;
    case DOT11_FTYPE_DATA:
        ap_rx_data(a, frame, len, &hdr);
        break;
    case DOT11_FTYPE_CTRL:
        /* ACKs live in the medium's frame exchange; RTS/CTS and block ack
         * are not modelled. */
        if (hdr.subtype == DOT11_STYPE_PS_POLL && hdr.n_addr >= 2)
            ap_ps_poll(a, &hdr);
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------------ */
/* Bridge port: data towards stations                                    */
/* ------------------------------------------------------------------ */

void ap_set_bridge(ap *a, ap_bridge_rx_fn fn, void *ctx)
{
    if (a == NULL)
        return;
    a->bridge_fn = fn;
    a->bridge_ctx = ctx;
}

/* A FromDS data frame (9.3.2.1: A1 DA, A2 BSSID, A3 SA) carrying `e`,
 * CCMP-protected with tk when tk is not NULL (12.5.3.3). */
static int ap_build_from_ds(ap *a, dot11_ccm *ccm, uint8_t *buf, size_t cap, const struct dot11_ether *e,
                            const uint8_t *tk, uint64_t pn, int key_id)
{
    struct dot11_data_hdr_params p;
    memset(&p, 0, sizeof(p));
    p.dir = DOT11_DIR_FROM_DS;
    memcpy(p.bssid, a->bssid, 6);
    memcpy(p.da, e->dst, 6);
    memcpy(p.sa, e->src, 6);
    p.seq_num = ap_next_seq(a);
    if (tk == NULL)
        return dot11_build_data(buf, cap, &p, e->ethertype, e->payload, e->payload_len);

    uint8_t plain[AP_MSDU_MAX];
    size_t out_len;
    p.fc_flags = DOT11_FC_PROTECTED;
    int hl = dot11_build_data_hdr(buf, cap, &p);
    int bl = dot11_build_llc_snap(plain, sizeof(plain), e->ethertype, e->payload,
                                  e->payload_len);
    if (hl < 0 || bl < 0)
        return DOT11_E_INVAL;
    int rc = dot11_ccmp_encrypt_with(ccm, tk, buf, (size_t)hl, pn, key_id, plain, (size_t)bl,
                                     buf + hl, cap - (size_t)hl, &out_len);
    memset(plain, 0, (size_t)bl);
    if (rc != 0)
        return DOT11_E_INVAL;
    return hl + (int)out_len;
}

static int ap_send_group(ap *a, const struct dot11_ether *e)
{
    uint8_t buf[AP_FRAME_MAX];
    bool anyone = false;

    /* As mac80211 does: group traffic with nobody to hear it is dropped. */
    for (int i = 0; i < a->nslots; i++)
        anyone |= a->stas[i].in_use && a->stas[i].state == AP_STA_STATE_4;
    if (!anyone)
        return SIM_OK;
    if (a->rsn && a->group_pn >= DOT11_CCMP_PN_MAX)
        return SIM_ELIMIT;
    uint64_t pn = a->rsn ? a->group_pn + 1 : 0;
    int n = ap_build_from_ds(a, a->ccm, buf, sizeof(buf), e, a->rsn ? a->gtk[a->gtx] : NULL, pn, a->gtx);
    if (n < 0)
        return SIM_EINVAL;
    if (a->rsn)
        a->group_pn = pn;
    return ap_tx(a, buf, n, a->mgmt_rate) < 0 ? SIM_EIO : SIM_OK;
}

static int ap_send_unicast(ap *a, ap_sta *sta, const struct dot11_ether *e, uint8_t rate, bool rate_ctl)
{
    uint8_t buf[AP_FRAME_MAX];
    const uint8_t *tk = NULL;
    uint64_t pn = 0;

    if (a->rsn) {
        if (!sta->ptk_installed)
            return SIM_ESTATE;
        /* 12.5.3.4.4: a PN is never reused with the same TK. */
        if (sta->tx_pn >= DOT11_CCMP_PN_MAX)
            return SIM_ELIMIT;
        tk = dot11_ptk_tk(sta->ptk);
        pn = sta->tx_pn + 1;
    }
    int n = ap_build_from_ds(a, ap_sta_ccm(a, sta), buf, sizeof(buf), e, tk, pn, 0);
    if (n < 0)
        return SIM_EINVAL;
    if (tk != NULL)
        sta->tx_pn = pn;
    /* Data goes at the rate the MAC's rate adaptation picks (radio_model/
     * medium.c); EAPOL stays at its robust rate. */
    dot11_tx_params p = {.rate = rate, .rate_ctl = rate_ctl};
    if (ap_ps_hold(sta, buf, n, &p))
        return SIM_OK;
    return ap_tx_ex(a, buf, n, &p) < 0 ? SIM_EIO : SIM_OK;
}

int ap_send_eapol_protected(ap *a, ap_sta *sta, const uint8_t *eapol, size_t len)
{
    struct dot11_ether e;
    memset(&e, 0, sizeof(e));
    memcpy(e.dst, sta->mac, 6);
    memcpy(e.src, a->bssid, 6);
    e.ethertype = DOT11_ETHERTYPE_EAPOL;
    e.payload = eapol;
    e.payload_len = len;
    /* EAPOL at a robust rate, as for the 4-way handshake (ap.c's header). */
    return ap_send_unicast(a, sta, &e, a->mgmt_rate, false);
}

int ap_send_eapol_clear(ap *a, const uint8_t sta_mac[6], const uint8_t *eapol, size_t len)
{
    struct dot11_ether e;
    uint8_t buf[AP_FRAME_MAX];
    memset(&e, 0, sizeof(e));
    memcpy(e.dst, sta_mac, 6);
    memcpy(e.src, a->bssid, 6);
    e.ethertype = DOT11_ETHERTYPE_EAPOL;
    e.payload = eapol;
    e.payload_len = len;
    int n = ap_build_from_ds(a, NULL, buf, sizeof(buf), &e, NULL, 0, 0);
    if (n < 0)
        return SIM_EINVAL;
    return ap_tx(a, buf, n, a->mgmt_rate) < 0 ? SIM_EIO : SIM_OK;
}

uint64_t ap_gtk_rsc(const ap *a, int key_id)
{
    return key_id == a->gtx ? a->group_pn : 0;
}

int ap_bridge_send(ap *a, const uint8_t *eth, size_t len)
{
    struct dot11_ether e;

    if (a == NULL || eth == NULL)
        return SIM_EINVAL;
    if (dot11_ether_parse(eth, len, &e) != DOT11_OK || ap_mac_is_group(e.src) ||
        e.payload_len + DOT11_LLC_SNAP_LEN > AP_MSDU_MAX)
        return SIM_EINVAL;
    if (!a->enabled)
        return SIM_ESTATE;
    if (ap_mac_is_group(e.dst))
        return ap_send_group(a, &e);
    ap_sta *sta = ap_sta_find(a, e.dst);
    if (sta == NULL || sta->state != AP_STA_STATE_4)
        return SIM_ESTATE;
    return ap_send_unicast(a, sta, &e, a->data_rate, true);
}

/* ------------------------------------------------------------------ */
/* Controls                                                              */
/* ------------------------------------------------------------------ */

static void ap_forget_all(ap *a)
{
    for (int i = 0; i < a->nslots; i++)
        if (a->stas[i].in_use)
            ap_sta_forget(&a->stas[i]);
}

void ap_set_enabled(ap *a, bool on)
{
    if (a == NULL || a->enabled == on)
        return;
    sim_trace_rec *r = sim_trace_begin(sim_trace_of(a->s), SIM_LOG_INFO, a->name, "enabled");
    sim_trace_bool(r, "on", on);
    sim_trace_end(r);
    if (!on) {
        /* As a power cut: nothing more goes on the air, not even a deauth. */
        a->enabled = false;
        ap_beacons_stop(a);
        sim_cancel(a->s, a->rekey_timer);
        a->rekey_timer = 0;
        ap_forget_all(a);
        if (a->port.set_enabled != NULL)
            a->port.set_enabled(a->port.ctx, false);
        return;
    }
    if (a->port.set_enabled != NULL)
        a->port.set_enabled(a->port.ctx, true);
    a->enabled = true;
    ap_beacons_start(a);
    /* A rebooted hostapd starts its rekey period afresh. */
    ap_rekey_timer_start(a);
}

bool ap_enabled(const ap *a)
{
    return a != NULL && a->enabled;
}

int ap_set_channel(ap *a, int channel, sim_err *err)
{
    if (a == NULL)
        return sim_err_set(err, SIM_EINVAL, "ap: no AP");
    int rc = ap_check_channel(channel, err);
    if (rc != SIM_OK)
        return rc;
    if (a->port.set_channel != NULL && a->port.set_channel(a->port.ctx, channel) < 0)
        return sim_err_set(err, SIM_EINVAL, "ap %s: the air port refused channel %d", a->name,
                           channel);
    /* Stations stay in the table: like an AP moved without a channel switch
     * announcement, it is up to them to notice the beacons are gone. */
    a->channel = channel;
    return SIM_OK;
}

int ap_set_passphrase(ap *a, const char *passphrase, sim_err *err)
{
    if (a == NULL)
        return sim_err_set(err, SIM_EINVAL, "ap: no AP");
    if (a->enterprise)
        return sim_err_set(err, SIM_EINVAL, "ap: %s is WPA2-Enterprise: it has no passphrase", a->name);
    if (a->sae) {
        /* WPA3: the passphrase is the SAE password too (the scenario's one
         * word for both); SAE only stays SAE only, and transition mode
         * changes both. Like hostapd reloading sae_password, current PTKSAs
         * stay: the mismatch shows at a station's next SAE. */
        if (passphrase == NULL || passphrase[0] == '\0')
            return sim_err_set(err, SIM_EINVAL, "ap: %s offers SAE: it cannot become an open network", a->name);
        int rc = ap_check_passphrase(passphrase, err);
        if (rc != SIM_OK)
            return rc;
        if (a->passphrase[0] != '\0') {
            if ((rc = ap_apply_passphrase(a, passphrase, err)) != SIM_OK)
                return rc;
            ap_sae_rsne(a);
            ap_pmf_configure(a, a->pmf_cfg);
        }
        snprintf(a->sae_password, sizeof a->sae_password, "%s", passphrase);
        return SIM_OK;
    }
    bool was_rsn = a->rsn;
    int rc = ap_apply_passphrase(a, passphrase, err);
    if (rc != SIM_OK)
        return rc;
    ap_pmf_configure(a, a->pmf_cfg);
    /* Open <-> WPA2 changes the RSNE every associated station agreed to;
     * like hostapd reloading its security settings, start everyone over.
     * A new passphrase alone leaves current PTKSAs in place. */
    if (was_rsn != a->rsn && a->enabled)
        ap_deauth(a, NULL, DOT11_REASON_INVALID_AUTHENTICATION);
    return SIM_OK;
}

void ap_deauth(ap *a, const uint8_t *sta_mac, uint16_t reason)
{
    if (a == NULL || !a->enabled)
        return;
    if (sta_mac == NULL) {
        for (int i = 0; i < a->nslots; i++)
            if (a->stas[i].in_use)
                ap_sta_deauth(&a->stas[i], reason);
        return;
    }
    if (ap_mac_is_group(sta_mac))
        return;
    ap_sta *sta = ap_sta_find(a, sta_mac);
    if (sta != NULL)
        ap_sta_deauth(sta, reason);
    else
        ap_send_deauth(a, sta_mac, reason);
}

void ap_disassoc(ap *a, const uint8_t *sta_mac, uint16_t reason)
{
    if (a == NULL || !a->enabled)
        return;
    if (sta_mac == NULL) {
        for (int i = 0; i < a->nslots; i++)
            if (a->stas[i].in_use && a->stas[i].state >= AP_STA_STATE_3)
                ap_sta_disassoc(&a->stas[i], reason);
        return;
    }
    if (ap_mac_is_group(sta_mac))
        return;
    ap_sta *sta = ap_sta_find(a, sta_mac);
    if (sta != NULL)
        ap_sta_disassoc(sta, reason);
    else
        ap_send_disassoc(a, sta_mac, reason);
}

void ap_set_refusal(ap *a, uint16_t status, uint32_t comeback_tu)
{
    if (a == NULL)
        return;
    a->refuse_status = status;
    a->refuse_comeback_tu = status == DOT11_STATUS_REFUSED_TEMPORARILY ? comeback_tu : 0;
    sim_trace_rec *r = sim_trace_begin(sim_trace_of(a->s), SIM_LOG_INFO, a->name, "refusal");
    sim_trace_int(r, "status", status);
    if (a->refuse_comeback_tu)
        sim_trace_int(r, "comeback_tu", a->refuse_comeback_tu);
    sim_trace_end(r);
}

int ap_gtk_rekey(ap *a)
{
    if (a == NULL || !a->enabled || !a->rsn)
        return SIM_ESTATE;
    /* hostapd's wpa_group_setkeys: GN and GM swap, GTK[GN] is new; stations
     * still in a handshake for the previous rekey start over with this one. */
    a->gn = a->gn == 1 ? 2 : 1;
    sim_rng_bytes(a->rng, a->gtk[a->gn], AP_GTK_LEN);
    a->gk_waiting = 0;
    sim_trace_rec *r = sim_trace_begin(sim_trace_of(a->s), SIM_LOG_INFO, a->name, "gtk_rekey");
    sim_trace_int(r, "key_id", a->gn);
    sim_trace_end(r);
    for (int i = 0; i < a->nslots; i++) {
        ap_sta *sta = &a->stas[i];
        if (sta->in_use && sta->ptk_state == AP_PTK_PTKINITDONE)
            ap_gk_start(sta);
    }
    if (a->gk_waiting == 0)
        ap_gk_setkeysdone(a);
    return SIM_OK;
}

int ap_gtk_tx_key_id(const ap *a)
{
    return a != NULL ? a->gtx : 0;
}

size_t ap_associated_count(const ap *a)
{
    size_t n = 0;
    for (int i = 0; a != NULL && i < a->nslots; i++)
        n += a->stas[i].in_use && a->stas[i].state >= AP_STA_STATE_3;
    return n;
}

const uint8_t *ap_bssid(const ap *a)
{
    return a != NULL ? a->bssid : NULL;
}

size_t ap_station_count(const ap *a)
{
    return a != NULL ? ap_sta_count(a) : 0;
}

bool ap_station_authorized(const ap *a, const uint8_t sta_mac[6])
{
    if (a == NULL || sta_mac == NULL)
        return false;
    const ap_sta *sta = ap_sta_find(a, sta_mac);
    return sta != NULL && sta->state == AP_STA_STATE_4;
}

size_t ap_station_list(const ap *a, uint8_t (*macs)[6], size_t max)
{
    size_t n = 0;
    if (a == NULL)
        return 0;
    for (int i = 0; i < a->nslots; i++) {
        const ap_sta *sta = &a->stas[i];
        if (!sta->in_use || sta->state != AP_STA_STATE_4)
            continue;
        if (macs != NULL && n < max)
            memcpy(macs[n], sta->mac, 6);
        n++;
    }
    return n;
}
