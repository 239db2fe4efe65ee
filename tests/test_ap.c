/*
 * tests/test_ap.c - the access point model against a scripted station.
 *
 * The AP's air port is a fake that records every frame it transmits (virtual
 * time and bytes) and checks that each one parses. The test plays the
 * station by hand: it builds frames with the dot11 builders, feeds them to
 * ap_receive, and runs its own supplicant with dot11/crypto (PMK, PTK, the
 * MICs of messages 2 and 4, message 3's MIC and key unwrap, CCMP both
 * ways). Time moves only through sim_run_until, so every time checked is
 * exact. Frames given to the AP are copied into heap blocks of exactly their
 * length, so that AddressSanitizer sees any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap_model/ap.h"
#include "dot11/crypto.h"
#include "dot11/frame.h"
#include "sim/sim.h"

static const uint8_t AP_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x00};
static const uint8_t STA1[6] = {0x02, 0x00, 0x00, 0x00, 0x02, 0x01};
static const uint8_t STA2[6] = {0x02, 0x00, 0x00, 0x00, 0x02, 0x02};
static const uint8_t STA3[6] = {0x02, 0x00, 0x00, 0x00, 0x02, 0x03};
static const uint8_t HOST[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t OTHER_BSS[6] = {0x02, 0x00, 0x00, 0x00, 0x09, 0x00};
static const uint8_t RATES_BG[12] = {0x82, 0x84, 0x8b, 0x96, 0x0c, 0x12,
                                     0x18, 0x24, 0x30, 0x48, 0x60, 0x6c};
static const char SSID[] = "linkrig-test";
static const char PASS[] = "correct horse battery";
static const char *AP_NAME = "ap1";

#define BEACON_NS SIM_US(102400) /* 100 TU */
#define AP_CHANNEL 6

/* ------------------------------------------------------------------ */
/* The world: a sim, the AP, a recording air port, a bridge, the trace    */
/* ------------------------------------------------------------------ */

struct txrec {
    sim_time t;
    uint8_t rate;
    size_t len;
    uint8_t *buf;
};

struct evrec {
    sim_time t;
    char event[24];
    char sta[18];
    char dir[8];
    char why[32];
    int64_t reason, n, status, aid, msg, attempt;
};

#define MAX_BRIDGED 16

struct world {
    sim *s;
    ap *a;
    struct txrec *tx;
    size_t ntx, captx;
    bool keep_tx;
    size_t total_tx;
    size_t bad_tx; /* frames the AP sent that do not parse as ours */
    int channel;
    bool radio_on;
    struct evrec *ev;
    size_t nev, capev;
    uint8_t bridged[MAX_BRIDGED][2400];
    size_t bridged_len[MAX_BRIDGED];
    size_t nbridged;
};

static int64_t fake_transmit(void *ctx, const uint8_t *frame, size_t len, uint8_t rate)
{
    struct world *w = ctx;
    struct dot11_hdr h;

    w->total_tx++;
    if (dot11_parse_header(frame, len, &h) < 0 || h.type == DOT11_FTYPE_CTRL ||
        memcmp(h.addr2, AP_MAC, 6) != 0 || len > 2346 || !w->radio_on)
        w->bad_tx++;
    if (w->keep_tx) {
        if (w->ntx == w->captx) {
            w->captx = w->captx ? 2 * w->captx : 64;
            w->tx = realloc(w->tx, w->captx * sizeof(*w->tx));
            assert_non_null(w->tx);
        }
        struct txrec *r = &w->tx[w->ntx++];
        r->t = sim_now(w->s);
        r->rate = rate;
        r->len = len;
        r->buf = malloc(len);
        assert_non_null(r->buf);
        memcpy(r->buf, frame, len);
    }
    return sim_now(w->s) + SIM_US(300);
}

static int fake_set_channel(void *ctx, int channel)
{
    struct world *w = ctx;
    if (!((channel >= 1 && channel <= 14) || (channel >= 36 && channel <= 165)))
        return -1;
    w->channel = channel;
    return 0;
}

static void fake_set_enabled(void *ctx, bool on)
{
    struct world *w = ctx;
    w->radio_on = on;
}

static void copy_str_field(const sim_trace_event *ev, const char *key, char *out, size_t cap)
{
    for (size_t i = 0; i < ev->nfields; i++)
        if (strcmp(ev->fields[i].key, key) == 0 && ev->fields[i].type == SIM_TF_STR)
            snprintf(out, cap, "%s", ev->fields[i].str);
}

static int64_t int_field(const sim_trace_event *ev, const char *key)
{
    for (size_t i = 0; i < ev->nfields; i++)
        if (strcmp(ev->fields[i].key, key) == 0 && ev->fields[i].type != SIM_TF_STR)
            return ev->fields[i].num;
    return -1;
}

static void trace_sink(void *ctx, const sim_trace_event *ev)
{
    struct world *w = ctx;
    if (strcmp(ev->comp, AP_NAME) != 0)
        return;
    if (w->nev == w->capev) {
        w->capev = w->capev ? 2 * w->capev : 64;
        w->ev = realloc(w->ev, w->capev * sizeof(*w->ev));
        assert_non_null(w->ev);
    }
    struct evrec *r = &w->ev[w->nev++];
    memset(r, 0, sizeof(*r));
    r->t = ev->t;
    snprintf(r->event, sizeof(r->event), "%s", ev->event);
    copy_str_field(ev, "sta", r->sta, sizeof(r->sta));
    copy_str_field(ev, "dir", r->dir, sizeof(r->dir));
    copy_str_field(ev, "why", r->why, sizeof(r->why));
    r->reason = int_field(ev, "reason");
    r->n = int_field(ev, "n");
    r->status = int_field(ev, "status");
    r->aid = int_field(ev, "aid");
    r->msg = int_field(ev, "msg");
    r->attempt = int_field(ev, "attempt");
}

static void bridge_rx(void *ctx, const uint8_t *eth, size_t len)
{
    struct world *w = ctx;
    assert_true(w->nbridged < MAX_BRIDGED);
    assert_true(len <= sizeof(w->bridged[0]));
    memcpy(w->bridged[w->nbridged], eth, len);
    w->bridged_len[w->nbridged++] = len;
}

static void base_cfg(ap_config *c, const char *pass)
{
    ap_config_default(c);
    c->name = AP_NAME;
    c->ssid = SSID;
    c->passphrase = pass;
    memcpy(c->bssid, AP_MAC, 6);
    c->channel = AP_CHANNEL;
}

static struct world *world_new_seeded(const ap_config *cfg, uint64_t seed)
{
    struct world *w = calloc(1, sizeof(*w));
    assert_non_null(w);
    w->keep_tx = true;
    sim_err err = {0};
    w->s = sim_create(&(sim_config){.seed = seed}, &err);
    assert_non_null(w->s);
    sim_trace_set_log(sim_trace_of(w->s), NULL, SIM_LOG_OFF);
    assert_int_equal(sim_trace_add_sink(sim_trace_of(w->s), trace_sink, w), 0);
    dot11_air_port port = {
        .ctx = w,
        .transmit = fake_transmit,
        .set_channel = fake_set_channel,
        .set_enabled = fake_set_enabled,
    };
    w->a = ap_create(w->s, &port, cfg, &err);
    if (w->a == NULL)
        fail_msg("ap_create: %s", err.msg);
    ap_set_bridge(w->a, bridge_rx, w);
    return w;
}

static struct world *world_new_cfg(const ap_config *cfg)
{
    return world_new_seeded(cfg, 1);
}

static struct world *world_new(const char *pass)
{
    ap_config c;
    base_cfg(&c, pass);
    return world_new_cfg(&c);
}

static void world_free(struct world *w)
{
    ap_destroy(w->a);
    sim_destroy(w->s);
    for (size_t i = 0; i < w->ntx; i++)
        free(w->tx[i].buf);
    free(w->tx);
    free(w->ev);
    free(w);
}

static void run_for(struct world *w, sim_time d)
{
    assert_int_equal(sim_run_until(w->s, sim_now(w->s) + d), SIM_RUN_DONE);
}

static void run_to(struct world *w, sim_time t)
{
    assert_int_equal(sim_run_until(w->s, t), SIM_RUN_DONE);
}

/* Hands the AP an exact-size heap copy, as the medium would. */
static void feed(struct world *w, const uint8_t *frame, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    assert_non_null(p);
    if (len)
        memcpy(p, frame, len);
    dot11_rx_info info = {
        .rssi_dbm = -50, .snr_db = 45, .channel = AP_CHANNEL, .rate = 2,
        .tx_start_ns = sim_now(w->s)};
    ap_receive(w->a, p, len, &info);
    free(p);
}

static size_t count_ev(const struct world *w, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < w->nev; i++)
        n += strcmp(w->ev[i].event, name) == 0;
    return n;
}

/* The last event of that name, or NULL. */
static const struct evrec *last_ev(const struct world *w, const char *name)
{
    for (size_t i = w->nev; i-- > 0;)
        if (strcmp(w->ev[i].event, name) == 0)
            return &w->ev[i];
    return NULL;
}

static bool has_drop(const struct world *w, const char *why)
{
    for (size_t i = 0; i < w->nev; i++)
        if (strcmp(w->ev[i].event, "drop") == 0 && strcmp(w->ev[i].why, why) == 0)
            return true;
    return false;
}

/* ------------------------------------------------------------------ */
/* Finding what the AP sent                                              */
/* ------------------------------------------------------------------ */

static bool tx_hdr(const struct world *w, size_t i, struct dot11_hdr *h)
{
    return dot11_parse_header(w->tx[i].buf, w->tx[i].len, h) > 0;
}

/* Next frame from index `from` of that type (and management subtype, or
 * -1 for any) addressed to da (NULL: anyone); -1 if none. */
static int tx_next(const struct world *w, size_t from, int type, int subtype,
                   const uint8_t *da)
{
    for (size_t i = from; i < w->ntx; i++) {
        struct dot11_hdr h;
        if (!tx_hdr(w, i, &h) || h.type != type)
            continue;
        if (subtype >= 0 && h.subtype != subtype)
            continue;
        if (da != NULL && memcmp(h.addr1, da, 6) != 0)
            continue;
        return (int)i;
    }
    return -1;
}

static size_t tx_count(const struct world *w, size_t from, int type, int subtype,
                       const uint8_t *da)
{
    size_t n = 0;
    for (int i = tx_next(w, from, type, subtype, da); i >= 0;
         i = tx_next(w, (size_t)i + 1, type, subtype, da))
        n++;
    return n;
}

static void tx_mgmt(const struct world *w, int i, struct dot11_mgmt *m)
{
    assert_true(i >= 0);
    assert_int_equal(dot11_parse_mgmt(w->tx[i].buf, w->tx[i].len, m), DOT11_OK);
}

/* The EAPOL-Key frame inside tx frame i (an unprotected data frame). */
static bool tx_eapol(const struct world *w, size_t i, struct dot11_eapol_key *k,
                     const uint8_t **eapol, size_t *len)
{
    struct dot11_hdr h;
    struct dot11_ether e;
    if (!tx_hdr(w, i, &h) || h.type != DOT11_FTYPE_DATA || h.protected_frame)
        return false;
    if (dot11_data_to_ether(&h, w->tx[i].buf + h.hdr_len, w->tx[i].len - h.hdr_len, &e) !=
            DOT11_OK ||
        e.ethertype != DOT11_ETHERTYPE_EAPOL)
        return false;
    if (dot11_eapol_key_parse(e.payload, e.payload_len, k) != DOT11_OK)
        return false;
    *eapol = e.payload;
    *len = e.payload_len;
    return true;
}

static int tx_next_eapol(const struct world *w, size_t from, const uint8_t *da)
{
    for (int i = tx_next(w, from, DOT11_FTYPE_DATA, -1, da); i >= 0;
         i = tx_next(w, (size_t)i + 1, DOT11_FTYPE_DATA, -1, da)) {
        struct dot11_eapol_key k;
        const uint8_t *p;
        size_t n;
        if (tx_eapol(w, (size_t)i, &k, &p, &n))
            return i;
    }
    return -1;
}

/* ------------------------------------------------------------------ */
/* The scripted station                                                  */
/* ------------------------------------------------------------------ */

struct supp {
    uint8_t mac[6];
    uint8_t pmk[32];
    uint8_t anonce[32];
    uint8_t snonce[32];
    uint8_t ptk[48];
    uint8_t gtk[32];
    size_t gtk_len;
    int gtk_id;
    uint64_t pn;
    uint16_t seq;
    uint8_t rsne[64];
    size_t rsne_len;
};

static void supp_init(struct supp *sp, const uint8_t mac[6], const char *pass)
{
    struct dot11_rsn rsn;
    memset(sp, 0, sizeof(*sp));
    memcpy(sp->mac, mac, 6);
    if (pass != NULL)
        assert_int_equal(dot11_pmk_from_passphrase(pass, (const uint8_t *)SSID, strlen(SSID),
                                                   sp->pmk),
                         0);
    dot11_rsn_init_wpa2_psk_ccmp(&rsn, 0);
    int n = dot11_rsn_build(sp->rsne, sizeof(sp->rsne), &rsn);
    assert_true(n > 0);
    sp->rsne_len = (size_t)n;
}

static void mgmt_hdr(struct dot11_mgmt_hdr *h, const uint8_t *da, const uint8_t *sa,
                     const uint8_t *bssid)
{
    static uint16_t seq;
    memset(h, 0, sizeof(*h));
    memcpy(h->da, da, 6);
    memcpy(h->sa, sa, 6);
    memcpy(h->bssid, bssid, 6);
    h->seq_num = seq++ & 0x0fff;
}

static void send_auth(struct world *w, const uint8_t *mac, uint16_t alg, uint16_t seq)
{
    struct dot11_mgmt_hdr h;
    uint8_t buf[64];
    mgmt_hdr(&h, AP_MAC, mac, AP_MAC);
    int n = dot11_build_auth(buf, sizeof(buf), &h, alg, seq, 0);
    assert_true(n > 0);
    feed(w, buf, (size_t)n);
}

static size_t build_assoc(uint8_t *buf, size_t cap, const uint8_t *mac, const char *ssid,
                          const struct dot11_rsn *rsn, const uint8_t *extra, size_t extra_len,
                          const uint8_t *rates, size_t n_rates)
{
    struct dot11_mgmt_hdr h;
    mgmt_hdr(&h, AP_MAC, mac, AP_MAC);
    struct dot11_assoc_req_params p = {
        .capability = DOT11_CAP_ESS,
        .listen_interval = 10,
        .ssid = (const uint8_t *)ssid,
        .ssid_len = strlen(ssid),
        .rates = rates,
        .n_rates = n_rates,
        .rsn = rsn,
        .extra_ies = extra,
        .extra_ies_len = extra_len,
    };
    int n = dot11_build_assoc_req(buf, cap, &h, &p);
    assert_true(n > 0);
    return (size_t)n;
}

static void send_assoc(struct world *w, const uint8_t *mac, bool with_rsn)
{
    uint8_t buf[256];
    struct dot11_rsn rsn;
    dot11_rsn_init_wpa2_psk_ccmp(&rsn, 0);
    size_t n = build_assoc(buf, sizeof(buf), mac, SSID, with_rsn ? &rsn : NULL, NULL, 0,
                           RATES_BG, sizeof(RATES_BG));
    feed(w, buf, n);
}

/* The last (Re)Association Response to mac: status and AID. */
static void last_assoc_resp(const struct world *w, size_t from, const uint8_t *mac,
                            uint16_t *status, uint16_t *aid)
{
    int i = tx_next(w, from, DOT11_FTYPE_MGMT, DOT11_STYPE_ASSOC_RESP, mac);
    assert_true(i >= 0);
    struct dot11_mgmt m;
    tx_mgmt(w, i, &m);
    *status = m.u.assoc_resp.status;
    *aid = m.u.assoc_resp.aid;
}

static size_t build_eapol_frame(struct supp *sp, uint8_t *buf, size_t cap,
                                const uint8_t *eapol, size_t len)
{
    struct dot11_data_hdr_params p = {.dir = DOT11_DIR_TO_DS, .seq_num = sp->seq++ & 0x0fff};
    memcpy(p.bssid, AP_MAC, 6);
    memcpy(p.sa, sp->mac, 6);
    memcpy(p.da, AP_MAC, 6);
    int n = dot11_build_data(buf, cap, &p, DOT11_ETHERTYPE_EAPOL, eapol, len);
    assert_true(n > 0);
    return (size_t)n;
}

/* Message 2 (12.7.6.3): SNonce, our RSNE, MIC with the KCK of our PTK. */
static size_t build_msg2(struct supp *sp, const struct dot11_eapol_key *m1, uint8_t *frame,
                         size_t cap)
{
    memcpy(sp->anonce, m1->nonce, 32);
    for (int i = 0; i < 32; i++)
        sp->snonce[i] = (uint8_t)(0xa0 + i + sp->mac[5]);
    assert_int_equal(dot11_ptk_derive(sp->pmk, AP_MAC, sp->mac, sp->anonce, sp->snonce,
                                      sp->ptk),
                     0);
    struct dot11_eapol_key k;
    memset(&k, 0, sizeof(k));
    k.protocol_version = 1; /* wpa_supplicant's default eapol_version */
    k.descriptor_type = DOT11_EAPOL_KEY_DESC_RSN;
    k.info.descriptor_version = DOT11_KEY_INFO_VERSION_HMAC_SHA1_AES;
    k.info.pairwise = true;
    k.info.mic = true;
    k.replay_counter = m1->replay_counter;
    memcpy(k.nonce, sp->snonce, 32);
    k.key_data = sp->rsne;
    k.key_data_len = sp->rsne_len;
    uint8_t eapol[256];
    int n = dot11_eapol_key_build(eapol, sizeof(eapol), &k);
    assert_true(n > 0);
    uint8_t mic[16];
    assert_int_equal(dot11_eapol_mic(dot11_ptk_kck(sp->ptk), 2, eapol, (size_t)n, mic), 0);
    memcpy(eapol + DOT11_EAPOL_KEY_MIC_OFFSET, mic, 16);
    return build_eapol_frame(sp, frame, cap, eapol, (size_t)n);
}

static void send_msg2(struct world *w, struct supp *sp, const struct dot11_eapol_key *m1)
{
    uint8_t frame[512];
    feed(w, frame, build_msg2(sp, m1, frame, sizeof(frame)));
}

static size_t build_msg4(struct supp *sp, const struct dot11_eapol_key *m3, uint8_t *frame,
                         size_t cap)
{
    struct dot11_eapol_key k;
    memset(&k, 0, sizeof(k));
    k.protocol_version = 1;
    k.descriptor_type = DOT11_EAPOL_KEY_DESC_RSN;
    k.info.descriptor_version = DOT11_KEY_INFO_VERSION_HMAC_SHA1_AES;
    k.info.pairwise = true;
    k.info.mic = true;
    k.info.secure = true;
    k.replay_counter = m3->replay_counter;
    uint8_t eapol[128];
    int n = dot11_eapol_key_build(eapol, sizeof(eapol), &k);
    assert_true(n > 0);
    uint8_t mic[16];
    assert_int_equal(dot11_eapol_mic(dot11_ptk_kck(sp->ptk), 2, eapol, (size_t)n, mic), 0);
    memcpy(eapol + DOT11_EAPOL_KEY_MIC_OFFSET, mic, 16);
    return build_eapol_frame(sp, frame, cap, eapol, (size_t)n);
}

static void send_msg4(struct world *w, struct supp *sp, const struct dot11_eapol_key *m3)
{
    uint8_t frame[256];
    feed(w, frame, build_msg4(sp, m3, frame, sizeof(frame)));
}

static void check_msg1(const struct dot11_eapol_key *k)
{
    assert_int_equal(k->descriptor_type, DOT11_EAPOL_KEY_DESC_RSN);
    assert_int_equal(k->info.descriptor_version, DOT11_KEY_INFO_VERSION_HMAC_SHA1_AES);
    assert_true(k->info.pairwise);
    assert_true(k->info.ack);
    assert_false(k->info.mic);
    assert_false(k->info.install);
    assert_false(k->info.secure);
    assert_int_equal(k->key_length, 16);
    uint8_t zero[32] = {0};
    assert_memory_not_equal(k->nonce, zero, 32);
}

/* Message 3 as a supplicant checks it (12.7.6.4): bits, ANonce, MIC, and the
 * wrapped Key Data holding our AP's RSNE and the GTK. */
static void check_msg3(struct supp *sp, const struct dot11_eapol_key *k, const uint8_t *eapol,
                       size_t len)
{
    assert_int_equal(k->info.descriptor_version, DOT11_KEY_INFO_VERSION_HMAC_SHA1_AES);
    assert_true(k->info.pairwise && k->info.install && k->info.ack && k->info.mic &&
                k->info.secure && k->info.encrypted_key_data);
    assert_false(k->info.request || k->info.error);
    assert_int_equal(k->key_length, 16);
    assert_memory_equal(k->nonce, sp->anonce, 32);
    assert_int_equal(dot11_eapol_mic_verify(dot11_ptk_kck(sp->ptk), 2, eapol, len), 0);

    uint8_t plain[256];
    assert_true(k->key_data_len >= 24 && k->key_data_len % 8 == 0);
    assert_true(k->key_data_len - 8 <= sizeof(plain));
    assert_int_equal(dot11_aes_unwrap(dot11_ptk_kek(sp->ptk), 16, k->key_data, k->key_data_len,
                                      plain),
                     0);
    struct dot11_key_data kd;
    assert_int_equal(dot11_key_data_parse(plain, k->key_data_len - 8, &kd), DOT11_OK);
    struct dot11_rsn rsn;
    uint8_t ap_rsne[64];
    dot11_rsn_init_wpa2_psk_ccmp(&rsn, 0);
    int n = dot11_rsn_build(ap_rsne, sizeof(ap_rsne), &rsn);
    assert_non_null(kd.rsne);
    assert_int_equal(kd.rsne_len, (size_t)n);
    assert_memory_equal(kd.rsne, ap_rsne, (size_t)n);
    assert_true(kd.has_gtk);
    assert_int_equal(kd.gtk.key_id, 1);
    assert_int_equal(kd.gtk.gtk_len, 16);
    memcpy(sp->gtk, kd.gtk.gtk, 16);
    sp->gtk_len = 16;
    sp->gtk_id = kd.gtk.key_id;
}

/* Open System authentication, association, and on WPA2 the 4-way
 * handshake, 1 ms of virtual time between the station's frames. */
static void supp_connect(struct world *w, struct supp *sp, bool wpa2)
{
    size_t mark = w->ntx;
    send_auth(w, sp->mac, DOT11_AUTH_ALG_OPEN_SYSTEM, 1);
    run_for(w, SIM_MS(1));
    send_assoc(w, sp->mac, wpa2);
    uint16_t status, aid;
    last_assoc_resp(w, mark, sp->mac, &status, &aid);
    assert_int_equal(status, DOT11_STATUS_SUCCESS);
    if (!wpa2) {
        assert_true(ap_station_authorized(w->a, sp->mac));
        return;
    }
    struct dot11_eapol_key m1, m3;
    const uint8_t *e1, *e3;
    size_t l1, l3;
    int i = tx_next_eapol(w, mark, sp->mac);
    assert_true(i >= 0);
    assert_true(tx_eapol(w, (size_t)i, &m1, &e1, &l1));
    check_msg1(&m1);
    run_for(w, SIM_MS(1));
    send_msg2(w, sp, &m1);
    int j = tx_next_eapol(w, (size_t)i + 1, sp->mac);
    assert_true(j >= 0);
    assert_true(tx_eapol(w, (size_t)j, &m3, &e3, &l3));
    assert_int_equal(m3.replay_counter, m1.replay_counter + 1);
    check_msg3(sp, &m3, e3, l3);
    assert_false(ap_station_authorized(w->a, sp->mac));
    run_for(w, SIM_MS(1));
    send_msg4(w, sp, &m3);
    assert_true(ap_station_authorized(w->a, sp->mac));
}

/* A ToDS data frame from the station, CCMP-protected with pn when protect. */
static size_t build_sta_data(struct supp *sp, uint8_t *buf, size_t cap, const uint8_t *da,
                             uint16_t ethertype, const uint8_t *payload, size_t plen,
                             bool protect, uint64_t pn, bool qos, uint8_t tid)
{
    struct dot11_data_hdr_params p = {.dir = DOT11_DIR_TO_DS, .seq_num = sp->seq++ & 0x0fff,
                                      .qos = qos, .tid = tid};
    memcpy(p.bssid, AP_MAC, 6);
    memcpy(p.sa, sp->mac, 6);
    memcpy(p.da, da, 6);
    if (!protect) {
        int n = dot11_build_data(buf, cap, &p, ethertype, payload, plen);
        assert_true(n > 0);
        return (size_t)n;
    }
    p.fc_flags = DOT11_FC_PROTECTED;
    int hl = dot11_build_data_hdr(buf, cap, &p);
    assert_true(hl > 0);
    uint8_t plain[2400];
    int bl = dot11_build_llc_snap(plain, sizeof(plain), ethertype, payload, plen);
    assert_true(bl > 0);
    size_t out_len;
    assert_int_equal(dot11_ccmp_encrypt(dot11_ptk_tk(sp->ptk), buf, (size_t)hl, pn, 0, plain,
                                        (size_t)bl, buf + hl, cap - (size_t)hl, &out_len),
                     0);
    return (size_t)hl + out_len;
}

static const uint8_t IP_PAYLOAD[] = {0x45, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x00, 0x00, 0x40,
                                     0x11, 0x00, 0x00, 0x0a, 0x00, 0x02, 0x0f, 0x0a, 0x00,
                                     0x02, 0x02, 0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0x00,
                                     0x00};

static size_t build_eth(uint8_t *buf, size_t cap, const uint8_t *dst, const uint8_t *src,
                        uint16_t type, const uint8_t *payload, size_t plen)
{
    struct dot11_ether e = {.ethertype = type, .payload = payload, .payload_len = plen};
    memcpy(e.dst, dst, 6);
    memcpy(e.src, src, 6);
    int n = dot11_ether_write(buf, cap, &e);
    assert_true(n > 0);
    return (size_t)n;
}

/* Decrypts (with key when protected) tx frame i and checks that it carries
 * exactly the Ethernet frame eth. */
static void check_tx_carries(const struct world *w, int i, const uint8_t *key, int key_id,
                             uint64_t want_pn, const uint8_t *eth, size_t eth_len)
{
    struct dot11_hdr h;
    assert_true(i >= 0);
    assert_true(tx_hdr(w, (size_t)i, &h));
    assert_int_equal(h.type, DOT11_FTYPE_DATA);
    assert_true(h.from_ds && !h.to_ds);
    assert_memory_equal(h.addr2, AP_MAC, 6);
    const uint8_t *body = w->tx[i].buf + h.hdr_len;
    size_t body_len = w->tx[i].len - h.hdr_len;
    uint8_t plain[2400];
    if (key != NULL) {
        assert_true(h.protected_frame);
        uint64_t pn;
        int kid;
        size_t plen;
        assert_int_equal(dot11_ccmp_decrypt(key, w->tx[i].buf, h.hdr_len, body, body_len, &pn,
                                            &kid, plain, sizeof(plain), &plen),
                         0);
        assert_int_equal(kid, key_id);
        assert_int_equal(pn, want_pn);
        body = plain;
        body_len = plen;
    } else {
        assert_false(h.protected_frame);
    }
    struct dot11_ether e;
    uint8_t out[2400];
    assert_int_equal(dot11_data_to_ether(&h, body, body_len, &e), DOT11_OK);
    int n = dot11_ether_write(out, sizeof(out), &e);
    assert_int_equal((size_t)n, eth_len);
    assert_memory_equal(out, eth, eth_len);
}

/* ------------------------------------------------------------------ */
/* Beacons, probes, configuration                                        */
/* ------------------------------------------------------------------ */

static void test_beacons(void **state)
{
    (void)state;
    struct world *w = world_new(PASS);
    assert_int_equal(w->channel, AP_CHANNEL);
    assert_true(w->radio_on);
    run_to(w, SIM_SEC(1));

    /* One every 100 TU from t = 0 (creation): 0 .. 921.6 ms. */
    assert_int_equal(tx_count(w, 0, DOT11_FTYPE_MGMT, DOT11_STYPE_BEACON, BCAST), 10);
    assert_int_equal(w->ntx, 10);
    for (size_t k = 0; k < w->ntx; k++) {
        struct dot11_mgmt m;
        tx_mgmt(w, (int)k, &m);
        assert_int_equal(w->tx[k].t, (sim_time)k * BEACON_NS);
        assert_int_equal(w->tx[k].rate, 2);
        assert_int_equal(m.hdr.subtype, DOT11_STYPE_BEACON);
        assert_memory_equal(m.hdr.addr2, AP_MAC, 6);
        assert_memory_equal(m.hdr.addr3, AP_MAC, 6);
        assert_int_equal(m.hdr.seq_num, k);
        assert_int_equal(m.u.beacon.timestamp, (uint64_t)(k * BEACON_NS / 1000));
        assert_int_equal(m.u.beacon.beacon_interval, 100);
        assert_int_equal(m.u.beacon.capability,
                         DOT11_CAP_ESS | DOT11_CAP_PRIVACY | DOT11_CAP_SHORT_SLOT_TIME);

        const uint8_t *ssid;
        size_t ssid_len;
        assert_int_equal(dot11_ie_get_ssid(m.ies, m.ies_len, &ssid, &ssid_len), DOT11_OK);
        assert_int_equal(ssid_len, strlen(SSID));
        assert_memory_equal(ssid, SSID, ssid_len);
        uint8_t ch;
        assert_int_equal(dot11_ie_get_ds_channel(m.ies, m.ies_len, &ch), DOT11_OK);
        assert_int_equal(ch, AP_CHANNEL);
        uint8_t rates[32];
        size_t n_rates;
        assert_int_equal(dot11_ie_get_rates(m.ies, m.ies_len, rates, sizeof(rates), &n_rates),
                         DOT11_OK);
        assert_int_equal(n_rates, sizeof(RATES_BG));
        assert_memory_equal(rates, RATES_BG, sizeof(RATES_BG));
        struct dot11_rsn rsn;
        assert_int_equal(dot11_ie_get_rsn(m.ies, m.ies_len, &rsn), DOT11_OK);
        assert_int_equal(rsn.group_cipher, DOT11_CIPHER_CCMP);
        assert_int_equal(rsn.n_pairwise, 1);
        assert_int_equal(rsn.pairwise[0], DOT11_CIPHER_CCMP);
        assert_int_equal(rsn.n_akm, 1);
        assert_int_equal(rsn.akm[0], DOT11_AKM_PSK);
        struct dot11_ie tim;
        assert_int_equal(dot11_ie_find(m.ies, m.ies_len, DOT11_EID_TIM, &tim), DOT11_OK);
        assert_true(tim.len >= 4);
        assert_int_equal(tim.data[1], 2);          /* DTIM period */
        assert_int_equal(tim.data[0], (k % 2) ? 1 : 0); /* DTIM count */
    }
    world_free(w);
}

static void test_probe_response(void **state)
{
    (void)state;
    struct world *w = world_new(PASS);
    struct dot11_mgmt_hdr h;
    uint8_t buf[128];
    int n;
    run_to(w, SIM_MS(10));
    size_t mark = w->ntx;

    /* Wildcard SSID, broadcast: answered, unicast to the asker. */
    mgmt_hdr(&h, BCAST, STA1, BCAST);
    n = dot11_build_probe_req(buf, sizeof(buf), &h, NULL, 0, RATES_BG, sizeof(RATES_BG));
    feed(w, buf, (size_t)n);
    int i = tx_next(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_PROBE_RESP, STA1);
    assert_true(i >= 0);
    assert_int_equal(w->tx[i].t, SIM_MS(10));
    struct dot11_mgmt m;
    tx_mgmt(w, i, &m);
    assert_memory_equal(m.hdr.addr2, AP_MAC, 6);
    assert_memory_equal(m.hdr.addr3, AP_MAC, 6);
    assert_int_equal(m.u.beacon.timestamp, 10000);
    const uint8_t *ssid;
    size_t ssid_len;
    assert_int_equal(dot11_ie_get_ssid(m.ies, m.ies_len, &ssid, &ssid_len), DOT11_OK);
    assert_memory_equal(ssid, SSID, strlen(SSID));
    struct dot11_rsn rsn;
    assert_int_equal(dot11_ie_get_rsn(m.ies, m.ies_len, &rsn), DOT11_OK);
    struct dot11_ie tim;
    assert_int_equal(dot11_ie_find(m.ies, m.ies_len, DOT11_EID_TIM, &tim), DOT11_E_NOTFOUND);

    /* Our SSID, directed to our BSSID: answered. */
    mark = w->ntx;
    mgmt_hdr(&h, AP_MAC, STA2, AP_MAC);
    n = dot11_build_probe_req(buf, sizeof(buf), &h, (const uint8_t *)SSID, strlen(SSID),
                              RATES_BG, sizeof(RATES_BG));
    feed(w, buf, (size_t)n);
    assert_int_equal(tx_count(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_PROBE_RESP, STA2), 1);

    /* Another SSID, or another BSSID: silence. */
    mark = w->ntx;
    mgmt_hdr(&h, BCAST, STA1, BCAST);
    n = dot11_build_probe_req(buf, sizeof(buf), &h, (const uint8_t *)"other", 5, RATES_BG,
                              sizeof(RATES_BG));
    feed(w, buf, (size_t)n);
    mgmt_hdr(&h, BCAST, STA1, OTHER_BSS);
    n = dot11_build_probe_req(buf, sizeof(buf), &h, NULL, 0, RATES_BG, sizeof(RATES_BG));
    feed(w, buf, (size_t)n);
    assert_int_equal(w->ntx, mark);
    world_free(w);
}

static void test_config_errors(void **state)
{
    (void)state;
    sim *s = sim_create(&(sim_config){.seed = 1}, NULL);
    struct world dummy;
    memset(&dummy, 0, sizeof(dummy));
    dummy.s = s;
    dot11_air_port port = {.ctx = &dummy, .transmit = fake_transmit,
                           .set_channel = fake_set_channel, .set_enabled = fake_set_enabled};
    ap_config c;
    sim_err err;

#define EXPECT_REFUSED(mutation)                                          \
    do {                                                                  \
        base_cfg(&c, PASS);                                               \
        mutation;                                                         \
        memset(&err, 0, sizeof(err));                                     \
        assert_null(ap_create(s, &port, &c, &err));                       \
        assert_int_equal(err.code, SIM_EINVAL);                           \
        assert_true(strlen(err.msg) > 0);                                 \
    } while (0)

    EXPECT_REFUSED(c.ssid = "");
    EXPECT_REFUSED(c.ssid = NULL);
    EXPECT_REFUSED(c.ssid = "0123456789abcdef0123456789abcdef0");
    EXPECT_REFUSED(c.passphrase = "short");
    EXPECT_REFUSED(
        c.passphrase = "0123456789012345678901234567890123456789012345678901234567890123");
    EXPECT_REFUSED(c.passphrase = "tab\there is not printable");
    EXPECT_REFUSED(c.bssid[0] = 0x03);
    EXPECT_REFUSED(memset(c.bssid, 0, 6));
    EXPECT_REFUSED(c.channel = 0);
    EXPECT_REFUSED(c.channel = 20); /* the port refuses it */
    EXPECT_REFUSED(c.max_stations = 3000);
    EXPECT_REFUSED(c.mgmt_rate = 7);
    EXPECT_REFUSED(c.eapol_attempts = -1);
    base_cfg(&c, PASS);
    dot11_air_port no_tx = port;
    no_tx.transmit = NULL;
    assert_null(ap_create(s, &no_tx, &c, &err));
    assert_null(ap_create(s, NULL, &c, &err));
#undef EXPECT_REFUSED

    /* A 63-character passphrase and a 32-octet SSID are fine; zero fields
     * take the defaults. */
    base_cfg(&c, "012345678901234567890123456789012345678901234567890123456789012");
    c.ssid = "0123456789abcdef0123456789abcdef";
    c.beacon_interval_tu = 0;
    c.max_stations = 0;
    ap *a = ap_create(s, &port, &c, &err);
    assert_non_null(a);
    assert_int_equal(ap_station_count(a), 0);
    assert_memory_equal(ap_bssid(a), AP_MAC, 6);
    assert_true(ap_enabled(a));
    ap_destroy(a);
    ap_destroy(NULL);
    sim_destroy(s);
}

/* ------------------------------------------------------------------ */
/* Authentication and association                                       */
/* ------------------------------------------------------------------ */

static void test_auth_assoc(void **state)
{
    (void)state;
    struct world *w = world_new(PASS);
    run_to(w, SIM_MS(5));
    size_t mark = w->ntx;

    send_auth(w, STA1, DOT11_AUTH_ALG_OPEN_SYSTEM, 1);
    int i = tx_next(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_AUTH, STA1);
    struct dot11_mgmt m;
    tx_mgmt(w, i, &m);
    assert_int_equal(m.u.auth.algorithm, DOT11_AUTH_ALG_OPEN_SYSTEM);
    assert_int_equal(m.u.auth.transaction_seq, 2);
    assert_int_equal(m.u.auth.status, DOT11_STATUS_SUCCESS);
    assert_int_equal(ap_station_count(w->a), 1);
    assert_false(ap_station_authorized(w->a, STA1));
    const struct evrec *ev = last_ev(w, "auth");
    assert_non_null(ev);
    assert_string_equal(ev->sta, "02:00:00:00:02:01");
    assert_int_equal(ev->status, 0);

    run_for(w, SIM_MS(1));
    mark = w->ntx;
    send_assoc(w, STA1, true);
    i = tx_next(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_ASSOC_RESP, STA1);
    tx_mgmt(w, i, &m);
    assert_int_equal(m.u.assoc_resp.status, DOT11_STATUS_SUCCESS);
    assert_int_equal(m.u.assoc_resp.aid, 1);
    assert_int_equal(m.u.assoc_resp.aid_field, 0xc001);
    assert_true(m.u.assoc_resp.capability & DOT11_CAP_PRIVACY);
    ev = last_ev(w, "assoc");
    assert_non_null(ev);
    assert_int_equal(ev->aid, 1);
    assert_int_equal(ev->status, 0);

    /* Message 1 right after the response, at the same instant. */
    int j = tx_next_eapol(w, mark, STA1);
    assert_int_equal(j, i + 1);
    assert_int_equal(w->tx[j].t, w->tx[i].t);
    struct dot11_eapol_key k;
    const uint8_t *e;
    size_t el;
    assert_true(tx_eapol(w, (size_t)j, &k, &e, &el));
    check_msg1(&k);
    assert_int_equal(k.replay_counter, 1);
    assert_int_equal(k.key_data_len, 0);
    assert_false(ap_station_authorized(w->a, STA1));
    ev = last_ev(w, "4way_msg");
    assert_non_null(ev);
    assert_int_equal(ev->n, 1);
    assert_int_equal(ev->attempt, 1);

    /* A second station gets the next AID. */
    mark = w->ntx;
    send_auth(w, STA2, DOT11_AUTH_ALG_OPEN_SYSTEM, 1);
    send_assoc(w, STA2, true);
    uint16_t status, aid;
    last_assoc_resp(w, mark, STA2, &status, &aid);
    assert_int_equal(status, 0);
    assert_int_equal(aid, 2);
    assert_int_equal(ap_station_count(w->a), 2);

    /* Sequence numbers: one counter for everything the AP sends. */
    for (size_t t = 1; t < w->ntx; t++) {
        struct dot11_hdr h0, h1;
        assert_true(tx_hdr(w, t - 1, &h0) && tx_hdr(w, t, &h1));
        assert_int_equal(h1.seq_num, (h0.seq_num + 1) & 0x0fff);
    }
    world_free(w);
}

static void expect_assoc_status(struct world *w, const uint8_t *mac, const uint8_t *frame,
                                size_t len, uint16_t want)
{
    size_t mark = w->ntx;
    feed(w, frame, len);
    uint16_t status, aid;
    last_assoc_resp(w, mark, mac, &status, &aid);
    assert_int_equal(status, want);
    assert_false(ap_station_authorized(w->a, mac));
}

static void test_auth_assoc_refusals(void **state)
{
    (void)state;
    ap_config c;
    base_cfg(&c, PASS);
    c.max_stations = 2;
    struct world *w = world_new_cfg(&c);
    struct dot11_mgmt m;
    size_t mark;

    /* Shared Key and unknown algorithms: 13; a wrong transaction: 14. */
    mark = w->ntx;
    send_auth(w, STA1, DOT11_AUTH_ALG_SHARED_KEY, 1);
    tx_mgmt(w, tx_next(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_AUTH, STA1), &m);
    assert_int_equal(m.u.auth.status, DOT11_STATUS_NOT_SUPPORTED_AUTH_ALG);
    mark = w->ntx;
    send_auth(w, STA1, 3, 1);
    tx_mgmt(w, tx_next(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_AUTH, STA1), &m);
    assert_int_equal(m.u.auth.status, DOT11_STATUS_NOT_SUPPORTED_AUTH_ALG);
    mark = w->ntx;
    send_auth(w, STA1, DOT11_AUTH_ALG_OPEN_SYSTEM, 3);
    tx_mgmt(w, tx_next(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_AUTH, STA1), &m);
    assert_int_equal(m.u.auth.status, DOT11_STATUS_UNKNOWN_AUTH_TRANSACTION);
    assert_int_equal(m.u.auth.transaction_seq, 4);
    assert_int_equal(ap_station_count(w->a), 0);

    /* Association before authentication: a Class 2 frame in State 1. */
    mark = w->ntx;
    send_assoc(w, STA1, true);
    int i = tx_next(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_DEAUTH, STA1);
    tx_mgmt(w, i, &m);
    assert_int_equal(m.u.deauth.reason, DOT11_REASON_INVALID_CLASS2_FRAME);
    assert_int_equal(tx_count(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_ASSOC_RESP, NULL), 0);

    /* max_stations 2 limits associations, not authentications: a third
     * station authenticates (its association is refused below). */
    send_auth(w, STA1, DOT11_AUTH_ALG_OPEN_SYSTEM, 1);
    send_auth(w, STA2, DOT11_AUTH_ALG_OPEN_SYSTEM, 1);
    mark = w->ntx;
    send_auth(w, STA3, DOT11_AUTH_ALG_OPEN_SYSTEM, 1);
    tx_mgmt(w, tx_next(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_AUTH, STA3), &m);
    assert_int_equal(m.u.auth.status, DOT11_STATUS_SUCCESS);
    assert_int_equal(ap_station_count(w->a), 3);

    uint8_t buf[256];
    size_t n;
    struct dot11_rsn rsn;

    n = build_assoc(buf, sizeof(buf), STA1, "wrong-ssid", NULL, NULL, 0, RATES_BG,
                    sizeof(RATES_BG));
    expect_assoc_status(w, STA1, buf, n, DOT11_STATUS_REFUSED);
    n = build_assoc(buf, sizeof(buf), STA1, SSID, NULL, NULL, 0, RATES_BG, sizeof(RATES_BG));
    expect_assoc_status(w, STA1, buf, n, DOT11_STATUS_INVALID_ELEMENT);

    dot11_rsn_init_wpa2_psk_ccmp(&rsn, 0);
    rsn.group_cipher = DOT11_CIPHER_TKIP;
    n = build_assoc(buf, sizeof(buf), STA1, SSID, &rsn, NULL, 0, RATES_BG, sizeof(RATES_BG));
    expect_assoc_status(w, STA1, buf, n, DOT11_STATUS_INVALID_GROUP_CIPHER);

    dot11_rsn_init_wpa2_psk_ccmp(&rsn, 0);
    rsn.pairwise[0] = DOT11_CIPHER_TKIP;
    n = build_assoc(buf, sizeof(buf), STA1, SSID, &rsn, NULL, 0, RATES_BG, sizeof(RATES_BG));
    expect_assoc_status(w, STA1, buf, n, DOT11_STATUS_INVALID_PAIRWISE_CIPHER);

    dot11_rsn_init_wpa2_psk_ccmp(&rsn, 0);
    rsn.akm[0] = DOT11_AKM_8021X;
    n = build_assoc(buf, sizeof(buf), STA1, SSID, &rsn, NULL, 0, RATES_BG, sizeof(RATES_BG));
    expect_assoc_status(w, STA1, buf, n, DOT11_STATUS_INVALID_AKMP);

    dot11_rsn_init_wpa2_psk_ccmp(&rsn, 0x00c0); /* MFPR + MFPC */
    n = build_assoc(buf, sizeof(buf), STA1, SSID, &rsn, NULL, 0, RATES_BG, sizeof(RATES_BG));
    /* A station that requires PMF from an AP without it: status 31, as
     * hostapd's wpa_validate_wpa_ie answers (robust management frame
     * policy violation). */
    expect_assoc_status(w, STA1, buf, n, DOT11_STATUS_ROBUST_MGMT_POLICY_VIOLATION);

    const uint8_t rsn_v2[] = {DOT11_EID_RSN, 2, 0x02, 0x00};
    n = build_assoc(buf, sizeof(buf), STA1, SSID, NULL, rsn_v2, sizeof(rsn_v2), RATES_BG,
                    sizeof(RATES_BG));
    expect_assoc_status(w, STA1, buf, n, DOT11_STATUS_UNSUPPORTED_RSNE_VERSION);

    const uint8_t rsn_cut[] = {DOT11_EID_RSN, 3, 0x01, 0x00, 0x00};
    n = build_assoc(buf, sizeof(buf), STA1, SSID, NULL, rsn_cut, sizeof(rsn_cut), RATES_BG,
                    sizeof(RATES_BG));
    expect_assoc_status(w, STA1, buf, n, DOT11_STATUS_INVALID_ELEMENT);

    /* No rate in common. */
    const uint8_t odd_rate[1] = {0x03};
    dot11_rsn_init_wpa2_psk_ccmp(&rsn, 0);
    n = build_assoc(buf, sizeof(buf), STA1, SSID, &rsn, NULL, 0, odd_rate, 1);
    expect_assoc_status(w, STA1, buf, n, DOT11_STATUS_ASSOC_DENIED_RATES);

    /* After all that, STA1 is still authenticated and can associate. */
    mark = w->ntx;
    send_assoc(w, STA1, true);
    uint16_t status, aid;
    last_assoc_resp(w, mark, STA1, &status, &aid);
    assert_int_equal(status, DOT11_STATUS_SUCCESS);
    assert_int_equal(aid, 1);

    /* The second association fits; the third is refused with 17 (9.4.1.9:
     * unable to handle additional associated STAs) and stays authenticated. */
    mark = w->ntx;
    send_assoc(w, STA2, true);
    last_assoc_resp(w, mark, STA2, &status, &aid);
    assert_int_equal(status, DOT11_STATUS_SUCCESS);
    mark = w->ntx;
    send_assoc(w, STA3, true);
    last_assoc_resp(w, mark, STA3, &status, &aid);
    assert_int_equal(status, DOT11_STATUS_AP_UNABLE_TO_HANDLE_NEW_STA);
    assert_int_equal(aid, 0);
    assert_int_equal(ap_associated_count(w->a), 2);
    assert_int_equal(ap_station_count(w->a), 3);

    /* The station table itself (max_stations + 4 authenticated-only slots)
     * full: authentication is refused with 17, as hostapd does. */
    for (int k = 0; k < 3; k++) {
        uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x03, (uint8_t)k};
        send_auth(w, mac, DOT11_AUTH_ALG_OPEN_SYSTEM, 1);
    }
    assert_int_equal(ap_station_count(w->a), 6);
    const uint8_t late[6] = {0x02, 0x00, 0x00, 0x00, 0x03, 0x09};
    mark = w->ntx;
    send_auth(w, late, DOT11_AUTH_ALG_OPEN_SYSTEM, 1);
    tx_mgmt(w, tx_next(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_AUTH, late), &m);
    assert_int_equal(m.u.auth.status, DOT11_STATUS_AP_UNABLE_TO_HANDLE_NEW_STA);
    world_free(w);
}

/* ------------------------------------------------------------------ */
/* The 4-way handshake                                                   */
/* ------------------------------------------------------------------ */

static void test_4way_success(void **state)
{
    (void)state;
    struct world *w = world_new(PASS);
    struct supp sp;
    supp_init(&sp, STA1, PASS);
    run_to(w, SIM_MS(20));
    supp_connect(w, &sp, true);

    const struct evrec *ev = last_ev(w, "sta_authorized");
    assert_non_null(ev);
    assert_string_equal(ev->sta, "02:00:00:00:02:01");
    assert_int_equal(ev->aid, 1);
    assert_int_equal(count_ev(w, "4way_mic_failure"), 0);
    /* Messages 1..4 traced in order. */
    int64_t seen = 0;
    for (size_t i = 0; i < w->nev; i++)
        if (strcmp(w->ev[i].event, "4way_msg") == 0)
            assert_int_equal(w->ev[i].n, ++seen);
    assert_int_equal(seen, 4);

    /* Nothing is resent once the handshake is done. */
    size_t mark = w->ntx;
    run_for(w, SIM_SEC(5));
    assert_int_equal(tx_next_eapol(w, mark, STA1), -1);
    assert_true(ap_station_authorized(w->a, STA1));
    world_free(w);
}

static void test_wrong_passphrase(void **state)
{
    (void)state;
    struct world *w = world_new(PASS);
    struct supp sp;
    supp_init(&sp, STA1, "not the right one");
    run_to(w, SIM_MS(20));
    send_auth(w, STA1, DOT11_AUTH_ALG_OPEN_SYSTEM, 1);
    send_assoc(w, STA1, true);
    const sim_time t0 = SIM_MS(20);

    /* The station answers every message 1; the AP resends after 100 ms,
     * then 1000 ms, 1000 ms: four sends, then deauthentication (reason
     * 15) 1000 ms after the last. */
    const sim_time sends[4] = {t0, t0 + SIM_MS(100), t0 + SIM_MS(1100), t0 + SIM_MS(2100)};
    uint8_t anonce[32];
    uint64_t last_rc = 0;
    size_t from = 0;
    for (int n = 0; n < 4; n++) {
        run_to(w, sends[n] + SIM_MS(1));
        int i = tx_next_eapol(w, from, STA1);
        assert_true(i >= 0);
        assert_int_equal(tx_next_eapol(w, (size_t)i + 1, STA1), -1);
        assert_int_equal(w->tx[i].t, sends[n]);
        struct dot11_eapol_key k;
        const uint8_t *e;
        size_t el;
        assert_true(tx_eapol(w, (size_t)i, &k, &e, &el));
        check_msg1(&k);
        if (n == 0)
            memcpy(anonce, k.nonce, 32);
        assert_memory_equal(k.nonce, anonce, 32); /* same ANonce on every resend */
        assert_true(k.replay_counter > last_rc);
        last_rc = k.replay_counter;
        send_msg2(w, &sp, &k);
        assert_int_equal(count_ev(w, "4way_mic_failure"), (size_t)n + 1);
        from = (size_t)i + 1;
    }
    const struct evrec *ev = last_ev(w, "4way_mic_failure");
    assert_string_equal(ev->sta, "02:00:00:00:02:01");
    assert_int_equal(ev->msg, 2);
    assert_int_equal(tx_count(w, 0, DOT11_FTYPE_MGMT, DOT11_STYPE_DEAUTH, STA1), 0);
    assert_int_equal(ap_station_count(w->a), 1);

    run_to(w, t0 + SIM_SEC(10));
    int d = tx_next(w, 0, DOT11_FTYPE_MGMT, DOT11_STYPE_DEAUTH, STA1);
    assert_true(d >= 0);
    assert_int_equal(w->tx[d].t, t0 + SIM_MS(3100));
    struct dot11_mgmt m;
    tx_mgmt(w, d, &m);
    assert_int_equal(m.u.deauth.reason, DOT11_REASON_4WAY_HANDSHAKE_TIMEOUT);
    assert_int_equal(tx_count(w, 0, DOT11_FTYPE_MGMT, DOT11_STYPE_DEAUTH, STA1), 1);
    assert_int_equal(tx_next_eapol(w, from, STA1), -1);
    assert_int_equal(ap_station_count(w->a), 0);
    assert_false(ap_station_authorized(w->a, STA1));
    ev = last_ev(w, "deauth");
    assert_int_equal(ev->reason, 15);
    assert_string_equal(ev->dir, "to");
    assert_int_equal(ev->t, t0 + SIM_MS(3100));

    /* Forgotten: its data now draws reason 7. */
    size_t mark = w->ntx;
    uint8_t buf[256];
    size_t n = build_sta_data(&sp, buf, sizeof(buf), HOST, DOT11_ETHERTYPE_IPV4, IP_PAYLOAD,
                              sizeof(IP_PAYLOAD), false, 0, false, 0);
    feed(w, buf, n);
    tx_mgmt(w, tx_next(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_DEAUTH, STA1), &m);
    assert_int_equal(m.u.deauth.reason, DOT11_REASON_INVALID_CLASS3_FRAME);
    world_free(w);
}

/* Message 2 right, message 4 never: message 3 is resent on the same
 * schedule, then reason 15. */
static void test_msg3_timeout(void **state)
{
    (void)state;
    struct world *w = world_new(PASS);
    struct supp sp;
    supp_init(&sp, STA1, PASS);
    send_auth(w, STA1, DOT11_AUTH_ALG_OPEN_SYSTEM, 1);
    send_assoc(w, STA1, true);
    int i = tx_next_eapol(w, 0, STA1);
    struct dot11_eapol_key k;
    const uint8_t *e;
    size_t el;
    assert_true(tx_eapol(w, (size_t)i, &k, &e, &el));
    run_to(w, SIM_MS(5));
    send_msg2(w, &sp, &k);
    run_to(w, SIM_SEC(10));

    const sim_time t3 = SIM_MS(5);
    const sim_time want[4] = {t3, t3 + SIM_MS(100), t3 + SIM_MS(1100), t3 + SIM_MS(2100)};
    size_t from = (size_t)i + 1;
    uint64_t rc = k.replay_counter;
    for (int n = 0; n < 4; n++) {
        int j = tx_next_eapol(w, from, STA1);
        assert_true(j >= 0);
        assert_int_equal(w->tx[j].t, want[n]);
        struct dot11_eapol_key m3;
        assert_true(tx_eapol(w, (size_t)j, &m3, &e, &el));
        assert_int_equal(m3.replay_counter, ++rc);
        check_msg3(&sp, &m3, e, el);
        from = (size_t)j + 1;
    }
    assert_int_equal(tx_next_eapol(w, from, STA1), -1);
    int d = tx_next(w, 0, DOT11_FTYPE_MGMT, DOT11_STYPE_DEAUTH, STA1);
    assert_true(d >= 0);
    assert_int_equal(w->tx[d].t, t3 + SIM_MS(3100));
    assert_int_equal(ap_station_count(w->a), 0);
    world_free(w);
}

/* A late message 4 answering the first copy of message 3 still counts;
 * one with a counter we never sent, or a forged MIC, does not. */
static void test_msg4_checks(void **state)
{
    (void)state;
    struct world *w = world_new(PASS);
    struct supp sp;
    supp_init(&sp, STA1, PASS);
    send_auth(w, STA1, DOT11_AUTH_ALG_OPEN_SYSTEM, 1);
    send_assoc(w, STA1, true);
    struct dot11_eapol_key m1, m3a, m3b;
    const uint8_t *e;
    size_t el;
    int i = tx_next_eapol(w, 0, STA1);
    assert_true(tx_eapol(w, (size_t)i, &m1, &e, &el));
    send_msg2(w, &sp, &m1);
    int j = tx_next_eapol(w, (size_t)i + 1, STA1);
    assert_true(tx_eapol(w, (size_t)j, &m3a, &e, &el));
    run_to(w, SIM_MS(150)); /* message 3 resent at 100 ms */
    int k = tx_next_eapol(w, (size_t)j + 1, STA1);
    assert_true(k >= 0);
    assert_true(tx_eapol(w, (size_t)k, &m3b, &e, &el));
    assert_int_equal(m3b.replay_counter, m3a.replay_counter + 1);

    /* A second message 2 now is out of turn. */
    send_msg2(w, &sp, &m1);
    assert_true(has_drop(w, "4way_unexpected"));

    struct dot11_eapol_key bogus = m3b;
    bogus.replay_counter = m3b.replay_counter + 5;
    send_msg4(w, &sp, &bogus);
    assert_true(has_drop(w, "4way_replay_counter"));
    assert_false(ap_station_authorized(w->a, STA1));

    uint8_t frame[256];
    size_t n = build_msg4(&sp, &m3a, frame, sizeof(frame));
    frame[n - 3] ^= 0x01; /* inside the MIC */
    feed(w, frame, n);
    assert_int_equal(count_ev(w, "4way_mic_failure"), 1);
    assert_int_equal(last_ev(w, "4way_mic_failure")->msg, 4);
    assert_false(ap_station_authorized(w->a, STA1));

    send_msg4(w, &sp, &m3a);
    assert_true(ap_station_authorized(w->a, STA1));
    size_t mark = w->ntx;
    run_for(w, SIM_SEC(5));
    assert_int_equal(tx_next_eapol(w, mark, STA1), -1);
    assert_int_equal(tx_count(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_DEAUTH, NULL), 0);
    world_free(w);
}

/* Message 2 with an RSNE other than the association's: reason 17. */
static void test_msg2_rsne_mismatch(void **state)
{
    (void)state;
    struct world *w = world_new(PASS);
    struct supp sp;
    supp_init(&sp, STA1, PASS);
    send_auth(w, STA1, DOT11_AUTH_ALG_OPEN_SYSTEM, 1);
    send_assoc(w, STA1, true);
    struct dot11_eapol_key m1;
    const uint8_t *e;
    size_t el;
    assert_true(tx_eapol(w, (size_t)tx_next_eapol(w, 0, STA1), &m1, &e, &el));
    struct dot11_rsn rsn;
    dot11_rsn_init_wpa2_psk_ccmp(&rsn, 0x000c);
    sp.rsne_len = (size_t)dot11_rsn_build(sp.rsne, sizeof(sp.rsne), &rsn);
    size_t mark = w->ntx;
    send_msg2(w, &sp, &m1);
    struct dot11_mgmt m;
    tx_mgmt(w, tx_next(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_DEAUTH, STA1), &m);
    assert_int_equal(m.u.deauth.reason, DOT11_REASON_HANDSHAKE_ELEMENT_MISMATCH);
    assert_int_equal(ap_station_count(w->a), 0);
    world_free(w);
}

/* ------------------------------------------------------------------ */
/* Data                                                                  */
/* ------------------------------------------------------------------ */

static void test_data_uplink(void **state)
{
    (void)state;
    struct world *w = world_new(PASS);
    struct supp sp;
    supp_init(&sp, STA1, PASS);
    supp_connect(w, &sp, true);
    uint8_t buf[512], eth[256];
    size_t n;

    n = build_sta_data(&sp, buf, sizeof(buf), HOST, DOT11_ETHERTYPE_IPV4, IP_PAYLOAD,
                       sizeof(IP_PAYLOAD), true, 1, false, 0);
    feed(w, buf, n);
    assert_int_equal(w->nbridged, 1);
    size_t en = build_eth(eth, sizeof(eth), HOST, STA1, DOT11_ETHERTYPE_IPV4, IP_PAYLOAD,
                          sizeof(IP_PAYLOAD));
    assert_int_equal(w->bridged_len[0], en);
    assert_memory_equal(w->bridged[0], eth, en);

    /* The same frame again (PN 1), and an older PN: replays. */
    feed(w, buf, n);
    assert_int_equal(w->nbridged, 1);
    assert_true(has_drop(w, "replay"));
    n = build_sta_data(&sp, buf, sizeof(buf), HOST, DOT11_ETHERTYPE_IPV4, IP_PAYLOAD,
                       sizeof(IP_PAYLOAD), true, 5, false, 0);
    feed(w, buf, n);
    assert_int_equal(w->nbridged, 2);
    n = build_sta_data(&sp, buf, sizeof(buf), HOST, DOT11_ETHERTYPE_IPV4, IP_PAYLOAD,
                       sizeof(IP_PAYLOAD), true, 4, false, 0);
    feed(w, buf, n);
    assert_int_equal(w->nbridged, 2);

    /* QoS data keeps a counter per TID: PN 3 on TID 5 is new there. */
    n = build_sta_data(&sp, buf, sizeof(buf), HOST, DOT11_ETHERTYPE_IPV4, IP_PAYLOAD,
                       sizeof(IP_PAYLOAD), true, 3, true, 5);
    feed(w, buf, n);
    assert_int_equal(w->nbridged, 3);
    assert_memory_equal(w->bridged[2], eth, en);

    /* A bit flipped in the ciphertext: the MIC fails, nothing bridged. */
    n = build_sta_data(&sp, buf, sizeof(buf), HOST, DOT11_ETHERTYPE_IPV4, IP_PAYLOAD,
                       sizeof(IP_PAYLOAD), true, 9, false, 0);
    buf[n - 12] ^= 0x40;
    feed(w, buf, n);
    assert_int_equal(w->nbridged, 3);
    assert_true(has_drop(w, "ccmp"));
    /* ... and it did not move the counter: PN 6 still goes through. */
    n = build_sta_data(&sp, buf, sizeof(buf), HOST, DOT11_ETHERTYPE_IPV4, IP_PAYLOAD,
                       sizeof(IP_PAYLOAD), true, 6, false, 0);
    feed(w, buf, n);
    assert_int_equal(w->nbridged, 4);

    /* Cleartext from a station that has a PTK: dropped. */
    n = build_sta_data(&sp, buf, sizeof(buf), HOST, DOT11_ETHERTYPE_IPV4, IP_PAYLOAD,
                       sizeof(IP_PAYLOAD), false, 0, false, 0);
    feed(w, buf, n);
    assert_int_equal(w->nbridged, 4);
    assert_true(has_drop(w, "unprotected"));

    /* Encrypted EAPOL never reaches the bridge. */
    n = build_sta_data(&sp, buf, sizeof(buf), AP_MAC, DOT11_ETHERTYPE_EAPOL, IP_PAYLOAD,
                       sizeof(IP_PAYLOAD), true, 10, false, 0);
    feed(w, buf, n);
    assert_int_equal(w->nbridged, 4);
    assert_true(ap_station_authorized(w->a, STA1));
    world_free(w);
}

static void test_data_downlink(void **state)
{
    (void)state;
    struct world *w = world_new(PASS);
    struct supp sp;
    supp_init(&sp, STA1, PASS);
    supp_connect(w, &sp, true);
    uint8_t eth[256];

    size_t en = build_eth(eth, sizeof(eth), STA1, HOST, DOT11_ETHERTYPE_IPV4, IP_PAYLOAD,
                          sizeof(IP_PAYLOAD));
    size_t mark = w->ntx;
    assert_int_equal(ap_bridge_send(w->a, eth, en), SIM_OK);
    assert_int_equal(ap_bridge_send(w->a, eth, en), SIM_OK);
    int i = tx_next(w, mark, DOT11_FTYPE_DATA, -1, STA1);
    check_tx_carries(w, i, dot11_ptk_tk(sp.ptk), 0, 1, eth, en);
    assert_int_equal(w->tx[i].rate, 48);
    check_tx_carries(w, tx_next(w, (size_t)i + 1, DOT11_FTYPE_DATA, -1, STA1),
                     dot11_ptk_tk(sp.ptk), 0, 2, eth, en);

    /* Broadcast: once, with the GTK of message 3, Key ID 1. */
    en = build_eth(eth, sizeof(eth), BCAST, HOST, DOT11_ETHERTYPE_ARP, IP_PAYLOAD,
                   sizeof(IP_PAYLOAD));
    mark = w->ntx;
    assert_int_equal(ap_bridge_send(w->a, eth, en), SIM_OK);
    assert_int_equal(tx_count(w, mark, DOT11_FTYPE_DATA, -1, NULL), 1);
    check_tx_carries(w, tx_next(w, mark, DOT11_FTYPE_DATA, -1, BCAST), sp.gtk, 1, 1, eth, en);

    /* Unknown station, not-yet-authorized station, malformed frames. */
    en = build_eth(eth, sizeof(eth), STA2, HOST, DOT11_ETHERTYPE_IPV4, IP_PAYLOAD,
                   sizeof(IP_PAYLOAD));
    assert_int_equal(ap_bridge_send(w->a, eth, en), SIM_ESTATE);
    send_auth(w, STA2, DOT11_AUTH_ALG_OPEN_SYSTEM, 1);
    send_assoc(w, STA2, true);
    assert_int_equal(ap_bridge_send(w->a, eth, en), SIM_ESTATE);
    assert_int_equal(ap_bridge_send(w->a, eth, 10), SIM_EINVAL);
    assert_int_equal(ap_bridge_send(w->a, NULL, 0), SIM_EINVAL);
    eth[12] = 0x00; /* an 802.3 length field */
    eth[13] = 0x40;
    assert_int_equal(ap_bridge_send(w->a, eth, en), SIM_EINVAL);
    static uint8_t big[14 + 2400];
    static const uint8_t zeros[2300];
    en = build_eth(big, sizeof(big), STA1, HOST, DOT11_ETHERTYPE_IPV4, zeros, sizeof(zeros));
    assert_int_equal(ap_bridge_send(w->a, big, en), SIM_EINVAL);
    world_free(w);
}

static void test_class3_from_unassociated(void **state)
{
    (void)state;
    struct world *w = world_new(PASS);
    struct supp sp;
    supp_init(&sp, STA3, PASS);
    uint8_t buf[512];
    size_t n = build_sta_data(&sp, buf, sizeof(buf), HOST, DOT11_ETHERTYPE_IPV4, IP_PAYLOAD,
                              sizeof(IP_PAYLOAD), false, 0, false, 0);
    size_t mark = w->ntx;
    feed(w, buf, n);
    int i = tx_next(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_DEAUTH, STA3);
    struct dot11_mgmt m;
    tx_mgmt(w, i, &m);
    assert_int_equal(m.u.deauth.reason, DOT11_REASON_INVALID_CLASS3_FRAME);
    assert_int_equal(w->nbridged, 0);
    const struct evrec *ev = last_ev(w, "deauth");
    assert_int_equal(ev->reason, 7);
    assert_string_equal(ev->sta, "02:00:00:00:02:03");

    /* Authenticated but not associated (State 2): the same, and forgotten. */
    send_auth(w, STA3, DOT11_AUTH_ALG_OPEN_SYSTEM, 1);
    assert_int_equal(ap_station_count(w->a), 1);
    mark = w->ntx;
    feed(w, buf, n);
    tx_mgmt(w, tx_next(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_DEAUTH, STA3), &m);
    assert_int_equal(m.u.deauth.reason, DOT11_REASON_INVALID_CLASS3_FRAME);
    assert_int_equal(ap_station_count(w->a), 0);

    /* Associated but handshake pending (State 3): port blocked, no deauth. */
    send_auth(w, STA3, DOT11_AUTH_ALG_OPEN_SYSTEM, 1);
    send_assoc(w, STA3, true);
    mark = w->ntx;
    feed(w, buf, n);
    assert_int_equal(tx_count(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_DEAUTH, STA3), 0);
    assert_true(has_drop(w, "port_blocked"));
    assert_int_equal(w->nbridged, 0);
    world_free(w);
}

static void test_open_network(void **state)
{
    (void)state;
    struct world *w = world_new(NULL);
    run_to(w, SIM_MS(1));
    struct dot11_mgmt m;
    tx_mgmt(w, 0, &m);
    assert_int_equal(m.hdr.subtype, DOT11_STYPE_BEACON);
    assert_false(m.u.beacon.capability & DOT11_CAP_PRIVACY);
    struct dot11_rsn rsn;
    assert_int_equal(dot11_ie_get_rsn(m.ies, m.ies_len, &rsn), DOT11_E_NOTFOUND);

    struct supp sp;
    supp_init(&sp, STA1, NULL);
    size_t mark = w->ntx;
    supp_connect(w, &sp, false);
    assert_int_equal(tx_next_eapol(w, mark, STA1), -1);
    assert_int_equal(count_ev(w, "sta_authorized"), 1);

    uint8_t buf[512], eth[256];
    size_t n = build_sta_data(&sp, buf, sizeof(buf), HOST, DOT11_ETHERTYPE_IPV4, IP_PAYLOAD,
                              sizeof(IP_PAYLOAD), false, 0, false, 0);
    feed(w, buf, n);
    size_t en = build_eth(eth, sizeof(eth), HOST, STA1, DOT11_ETHERTYPE_IPV4, IP_PAYLOAD,
                          sizeof(IP_PAYLOAD));
    assert_int_equal(w->nbridged, 1);
    assert_memory_equal(w->bridged[0], eth, en);

    en = build_eth(eth, sizeof(eth), STA1, HOST, DOT11_ETHERTYPE_IPV4, IP_PAYLOAD,
                   sizeof(IP_PAYLOAD));
    mark = w->ntx;
    assert_int_equal(ap_bridge_send(w->a, eth, en), SIM_OK);
    check_tx_carries(w, tx_next(w, mark, DOT11_FTYPE_DATA, -1, STA1), NULL, 0, 0, eth, en);
    en = build_eth(eth, sizeof(eth), BCAST, HOST, DOT11_ETHERTYPE_ARP, IP_PAYLOAD,
                   sizeof(IP_PAYLOAD));
    mark = w->ntx;
    assert_int_equal(ap_bridge_send(w->a, eth, en), SIM_OK);
    check_tx_carries(w, tx_next(w, mark, DOT11_FTYPE_DATA, -1, BCAST), NULL, 0, 0, eth, en);

    /* EAPOL on an open network goes nowhere. */
    n = build_sta_data(&sp, buf, sizeof(buf), AP_MAC, DOT11_ETHERTYPE_EAPOL, IP_PAYLOAD,
                       sizeof(IP_PAYLOAD), false, 0, false, 0);
    feed(w, buf, n);
    assert_int_equal(w->nbridged, 1);
    assert_true(has_drop(w, "eapol_open"));
    world_free(w);
}

/* ------------------------------------------------------------------ */
/* Controls                                                              */
/* ------------------------------------------------------------------ */

static void test_disable_enable(void **state)
{
    (void)state;
    struct world *w = world_new(PASS);
    struct supp sp;
    supp_init(&sp, STA1, PASS);
    supp_connect(w, &sp, true);
    /* A second station mid-handshake: its retry timer must die too. */
    send_auth(w, STA2, DOT11_AUTH_ALG_OPEN_SYSTEM, 1);
    send_assoc(w, STA2, true);
    assert_int_equal(ap_station_count(w->a), 2);

    run_to(w, SIM_MS(250));
    size_t mark = w->ntx;
    ap_set_enabled(w->a, false);
    assert_false(ap_enabled(w->a));
    assert_false(w->radio_on);
    assert_int_equal(ap_station_count(w->a), 0);
    assert_false(ap_station_authorized(w->a, STA1));
    assert_int_equal(w->ntx, mark); /* silent: no deauth on the air */

    uint8_t eth[256];
    size_t en = build_eth(eth, sizeof(eth), STA1, HOST, DOT11_ETHERTYPE_IPV4, IP_PAYLOAD,
                          sizeof(IP_PAYLOAD));
    assert_int_equal(ap_bridge_send(w->a, eth, en), SIM_ESTATE);
    send_auth(w, STA3, DOT11_AUTH_ALG_OPEN_SYSTEM, 1); /* heard by nobody */
    ap_deauth(w->a, NULL, 3);
    run_to(w, SIM_SEC(1));
    assert_int_equal(w->ntx, mark);
    assert_int_equal(ap_station_count(w->a), 0);

    /* Back on: beacons on the old grid, the first TBTT at or after 1 s. */
    ap_set_enabled(w->a, true);
    assert_true(w->radio_on);
    run_to(w, SIM_SEC(5));
    int i = tx_next(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_BEACON, BCAST);
    assert_true(i >= 0);
    assert_int_equal(w->tx[i].t, 10 * BEACON_NS);
    /* Only beacons: no stale handshake or deauth for the forgotten. */
    assert_int_equal(w->ntx - mark,
                     tx_count(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_BEACON, BCAST));
    assert_int_equal(count_ev(w, "enabled"), 2);

    /* The station comes back through the whole join. */
    supp_init(&sp, STA1, PASS);
    supp_connect(w, &sp, true);
    world_free(w);
}

static void test_station_leaves_and_ap_deauth(void **state)
{
    (void)state;
    struct world *w = world_new(PASS);
    struct supp s1, s2, s3;
    supp_init(&s1, STA1, PASS);
    supp_init(&s2, STA2, PASS);
    supp_init(&s3, STA3, PASS);
    supp_connect(w, &s1, true);
    supp_connect(w, &s2, true);
    supp_connect(w, &s3, true);
    assert_int_equal(ap_station_count(w->a), 3);

    /* Deauthentication from the station. */
    struct dot11_mgmt_hdr h;
    uint8_t buf[64];
    mgmt_hdr(&h, AP_MAC, STA1, AP_MAC);
    int n = dot11_build_deauth(buf, sizeof(buf), &h, DOT11_REASON_LEAVING_NETWORK_DEAUTH);
    feed(w, buf, (size_t)n);
    assert_int_equal(ap_station_count(w->a), 2);
    assert_false(ap_station_authorized(w->a, STA1));
    const struct evrec *ev = last_ev(w, "deauth");
    assert_string_equal(ev->dir, "from");
    assert_int_equal(ev->reason, 3);

    /* Disassociation from the station. */
    mgmt_hdr(&h, AP_MAC, STA2, AP_MAC);
    n = dot11_build_disassoc(buf, sizeof(buf), &h, DOT11_REASON_LEAVING_NETWORK_DISASSOC);
    feed(w, buf, (size_t)n);
    assert_int_equal(ap_station_count(w->a), 1);
    ev = last_ev(w, "disassoc");
    assert_non_null(ev);
    assert_string_equal(ev->sta, "02:00:00:00:02:02");

    /* The AP deauthenticates one, then everyone. */
    size_t mark = w->ntx;
    ap_deauth(w->a, STA3, DOT11_REASON_UNSPECIFIED);
    struct dot11_mgmt m;
    tx_mgmt(w, tx_next(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_DEAUTH, STA3), &m);
    assert_int_equal(m.u.deauth.reason, DOT11_REASON_UNSPECIFIED);
    assert_int_equal(ap_station_count(w->a), 0);

    supp_connect(w, &s1, true);
    supp_connect(w, &s2, true);
    mark = w->ntx;
    ap_deauth(w->a, NULL, DOT11_REASON_LEAVING_NETWORK_DEAUTH);
    assert_int_equal(tx_count(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_DEAUTH, STA1), 1);
    assert_int_equal(tx_count(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_DEAUTH, STA2), 1);
    assert_int_equal(ap_station_count(w->a), 0);
    world_free(w);
}

static void test_set_channel(void **state)
{
    (void)state;
    struct world *w = world_new(PASS);
    sim_err err = {0};
    run_to(w, SIM_MS(50));
    assert_int_equal(ap_set_channel(w->a, 11, &err), SIM_OK);
    assert_int_equal(w->channel, 11);
    assert_int_equal(ap_set_channel(w->a, 15, &err), SIM_EINVAL);
    assert_true(strlen(err.msg) > 0);
    assert_int_equal(ap_set_channel(w->a, -3, &err), SIM_EINVAL);
    assert_int_equal(w->channel, 11);
    size_t mark = w->ntx;
    run_to(w, SIM_MS(300));
    int i = tx_next(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_BEACON, BCAST);
    struct dot11_mgmt m;
    tx_mgmt(w, i, &m);
    uint8_t ch;
    assert_int_equal(dot11_ie_get_ds_channel(m.ies, m.ies_len, &ch), DOT11_OK);
    assert_int_equal(ch, 11);
    world_free(w);
}

static void test_set_passphrase(void **state)
{
    (void)state;
    struct world *w = world_new(PASS);
    sim_err err = {0};
    struct supp s1, s2;
    supp_init(&s1, STA1, PASS);
    supp_connect(w, &s1, true);

    assert_int_equal(ap_set_passphrase(w->a, "short", &err), SIM_EINVAL);
    assert_int_equal(ap_set_passphrase(w->a, "a brand new passphrase", &err), SIM_OK);
    /* The station keyed with the old one keeps its PTKSA. */
    assert_true(ap_station_authorized(w->a, STA1));

    /* The next handshake uses the new one. */
    supp_init(&s2, STA2, PASS);
    send_auth(w, STA2, DOT11_AUTH_ALG_OPEN_SYSTEM, 1);
    size_t mark = w->ntx;
    send_assoc(w, STA2, true);
    struct dot11_eapol_key m1;
    const uint8_t *e;
    size_t el;
    assert_true(tx_eapol(w, (size_t)tx_next_eapol(w, mark, STA2), &m1, &e, &el));
    send_msg2(w, &s2, &m1);
    assert_int_equal(count_ev(w, "4way_mic_failure"), 1);
    supp_init(&s2, STA2, "a brand new passphrase");
    send_msg2(w, &s2, &m1);
    assert_int_equal(count_ev(w, "4way_mic_failure"), 1);
    int i = tx_next_eapol(w, mark, STA2);
    i = tx_next_eapol(w, (size_t)i + 1, STA2);
    struct dot11_eapol_key m3;
    assert_true(tx_eapol(w, (size_t)i, &m3, &e, &el));
    check_msg3(&s2, &m3, e, el);
    send_msg4(w, &s2, &m3);
    assert_true(ap_station_authorized(w->a, STA2));

    /* WPA2 -> open: everyone is sent away, beacons lose the RSNE. */
    mark = w->ntx;
    assert_int_equal(ap_set_passphrase(w->a, NULL, &err), SIM_OK);
    assert_int_equal(tx_count(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_DEAUTH, NULL), 2);
    assert_int_equal(ap_station_count(w->a), 0);
    run_for(w, SIM_MS(200));
    struct dot11_mgmt m;
    tx_mgmt(w, tx_next(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_BEACON, BCAST), &m);
    assert_false(m.u.beacon.capability & DOT11_CAP_PRIVACY);
    world_free(w);
}

static void test_reassociation(void **state)
{
    (void)state;
    struct world *w = world_new(PASS);
    struct supp sp;
    supp_init(&sp, STA1, PASS);
    supp_connect(w, &sp, true);

    /* A Reassociation Request: the Association Request's body with the
     * current AP's address after Listen Interval (9.3.3.8). */
    uint8_t assoc[256], re[256];
    struct dot11_rsn rsn;
    dot11_rsn_init_wpa2_psk_ccmp(&rsn, 0);
    size_t n = build_assoc(assoc, sizeof(assoc), STA1, SSID, &rsn, NULL, 0, RATES_BG,
                           sizeof(RATES_BG));
    memcpy(re, assoc, 28);
    memcpy(re + 28, AP_MAC, 6);
    memcpy(re + 34, assoc + 28, n - 28);
    re[0] = (uint8_t)(DOT11_STYPE_REASSOC_REQ << 4);
    size_t mark = w->ntx;
    feed(w, re, n + 6);
    int i = tx_next(w, mark, DOT11_FTYPE_MGMT, DOT11_STYPE_REASSOC_RESP, STA1);
    struct dot11_mgmt m;
    tx_mgmt(w, i, &m);
    assert_int_equal(m.u.assoc_resp.status, 0);
    assert_int_equal(m.u.assoc_resp.aid, 1);
    /* The old keys are gone until a new handshake completes. */
    assert_false(ap_station_authorized(w->a, STA1));
    struct dot11_eapol_key m1, m3;
    const uint8_t *e;
    size_t el;
    i = tx_next_eapol(w, mark, STA1);
    assert_true(tx_eapol(w, (size_t)i, &m1, &e, &el));
    assert_int_equal(m1.replay_counter, 1);
    send_msg2(w, &sp, &m1);
    assert_true(tx_eapol(w, (size_t)tx_next_eapol(w, (size_t)i + 1, STA1), &m3, &e, &el));
    check_msg3(&sp, &m3, e, el);
    send_msg4(w, &sp, &m3);
    assert_true(ap_station_authorized(w->a, STA1));
    world_free(w);
}

/* ------------------------------------------------------------------ */
/* Determinism                                                           */
/* ------------------------------------------------------------------ */

static void run_story(struct world *w)
{
    struct supp sp;
    supp_init(&sp, STA1, PASS);
    run_to(w, SIM_MS(33));
    supp_connect(w, &sp, true);
    uint8_t eth[256];
    size_t en = build_eth(eth, sizeof(eth), BCAST, HOST, DOT11_ETHERTYPE_ARP, IP_PAYLOAD,
                          sizeof(IP_PAYLOAD));
    assert_int_equal(ap_bridge_send(w->a, eth, en), SIM_OK);
    run_to(w, SIM_SEC(2));
}

static bool same_tx(const struct world *a, const struct world *b)
{
    if (a->ntx != b->ntx)
        return false;
    for (size_t i = 0; i < a->ntx; i++)
        if (a->tx[i].t != b->tx[i].t || a->tx[i].len != b->tx[i].len ||
            memcmp(a->tx[i].buf, b->tx[i].buf, a->tx[i].len) != 0)
            return false;
    return true;
}

static void test_deterministic(void **state)
{
    (void)state;
    ap_config c;
    base_cfg(&c, PASS);
    struct world *a = world_new_seeded(&c, 7);
    struct world *b = world_new_seeded(&c, 7);
    struct world *d = world_new_seeded(&c, 8);
    run_story(a);
    run_story(b);
    run_story(d);
    assert_true(same_tx(a, b));
    assert_false(same_tx(a, d)); /* another seed: another ANonce and GTK */
    world_free(a);
    world_free(b);
    world_free(d);
}

/* ------------------------------------------------------------------ */
/* Untrusted input                                                       */
/* ------------------------------------------------------------------ */

enum { TPL_MAX = 24, TPL_CAP = 512 };

struct tpl {
    uint8_t buf[TPL_CAP];
    size_t len;
};

struct tpls {
    struct tpl t[TPL_MAX];
    size_t n;
};

static struct tpl *tpl_add(struct tpls *ts)
{
    assert_true(ts->n < TPL_MAX);
    return &ts->t[ts->n++];
}

/* A world with an authorized station (s1) and one waiting for message 3's
 * answer... and a set of frames that exercise every receive path. */
static void fuzz_setup(struct world *w, struct supp *s1, struct supp *s2, struct tpls *ts)
{
    struct dot11_mgmt_hdr h;
    struct dot11_rsn rsn;
    struct tpl *t;
    int n;

    supp_init(s1, STA1, PASS);
    supp_connect(w, s1, true);
    supp_init(s2, STA2, PASS);
    send_auth(w, STA2, DOT11_AUTH_ALG_OPEN_SYSTEM, 1);
    size_t mark = w->ntx;
    send_assoc(w, STA2, true);
    struct dot11_eapol_key m1, m3;
    const uint8_t *e;
    size_t el;
    int i = tx_next_eapol(w, mark, STA2);
    assert_true(tx_eapol(w, (size_t)i, &m1, &e, &el));

    memset(ts, 0, sizeof(*ts));
    dot11_rsn_init_wpa2_psk_ccmp(&rsn, 0);

    t = tpl_add(ts); /* message 2 for STA2, valid */
    t->len = build_msg2(s2, &m1, t->buf, sizeof(t->buf));
    /* Fake a message 3 to build a well-formed message 4 template. */
    m3 = m1;
    m3.replay_counter = m1.replay_counter + 1;
    t = tpl_add(ts);
    t->len = build_msg4(s2, &m3, t->buf, sizeof(t->buf));

    mgmt_hdr(&h, AP_MAC, STA3, AP_MAC);
    t = tpl_add(ts);
    n = dot11_build_auth(t->buf, sizeof(t->buf), &h, DOT11_AUTH_ALG_OPEN_SYSTEM, 1, 0);
    t->len = (size_t)n;
    t = tpl_add(ts);
    t->len = build_assoc(t->buf, sizeof(t->buf), STA3, SSID, &rsn, NULL, 0, RATES_BG,
                         sizeof(RATES_BG));
    t = tpl_add(ts); /* as a Reassociation Request */
    size_t an = build_assoc(t->buf, sizeof(t->buf), STA3, SSID, &rsn, NULL, 0, RATES_BG,
                            sizeof(RATES_BG));
    memmove(t->buf + 34, t->buf + 28, an - 28);
    memcpy(t->buf + 28, AP_MAC, 6);
    t->buf[0] = (uint8_t)(DOT11_STYPE_REASSOC_REQ << 4);
    t->len = an + 6;
    mgmt_hdr(&h, BCAST, STA3, BCAST);
    t = tpl_add(ts);
    t->len = (size_t)dot11_build_probe_req(t->buf, sizeof(t->buf), &h, NULL, 0, RATES_BG,
                                           sizeof(RATES_BG));
    mgmt_hdr(&h, AP_MAC, STA3, AP_MAC);
    t = tpl_add(ts);
    t->len = (size_t)dot11_build_deauth(t->buf, sizeof(t->buf), &h, 3);
    t = tpl_add(ts);
    t->len = (size_t)dot11_build_disassoc(t->buf, sizeof(t->buf), &h, 8);

    t = tpl_add(ts); /* CCMP data from the authorized station */
    t->len = build_sta_data(s1, t->buf, sizeof(t->buf), HOST, DOT11_ETHERTYPE_IPV4,
                            IP_PAYLOAD, sizeof(IP_PAYLOAD), true, 1000, false, 0);
    t = tpl_add(ts); /* QoS CCMP data */
    t->len = build_sta_data(s1, t->buf, sizeof(t->buf), HOST, DOT11_ETHERTYPE_IPV4,
                            IP_PAYLOAD, sizeof(IP_PAYLOAD), true, 1001, true, 3);
    t = tpl_add(ts); /* cleartext data from the station mid-handshake */
    t->len = build_sta_data(s2, t->buf, sizeof(t->buf), HOST, DOT11_ETHERTYPE_IPV4,
                            IP_PAYLOAD, sizeof(IP_PAYLOAD), false, 0, false, 0);
    struct dot11_data_hdr_params np = {.dir = DOT11_DIR_TO_DS};
    memcpy(np.bssid, AP_MAC, 6);
    memcpy(np.sa, STA1, 6);
    memcpy(np.da, AP_MAC, 6);
    t = tpl_add(ts);
    t->len = (size_t)dot11_build_null_data(t->buf, sizeof(t->buf), &np);
}

static void test_truncated_frames(void **state)
{
    (void)state;
    struct world *w = world_new(PASS);
    struct supp s1, s2;
    static struct tpls ts;
    fuzz_setup(w, &s1, &s2, &ts);

    for (size_t k = 0; k < ts.n; k++) {
        const struct tpl *t = &ts.t[k];
        /* Every proper prefix; the whole frame is known to be fine. */
        for (size_t len = 0; len < t->len; len++)
            feed(w, t->buf, len);
        run_for(w, SIM_MS(1));
    }
    assert_int_equal(w->bad_tx, 0);
    /* Nothing above was whole, so the state is what it was. */
    assert_true(ap_station_authorized(w->a, STA1));
    assert_false(ap_station_authorized(w->a, STA2));
    assert_int_equal(ap_station_count(w->a), 2);
    assert_int_equal(w->nbridged, 0);
    uint8_t buf[512];
    size_t n = build_sta_data(&s1, buf, sizeof(buf), HOST, DOT11_ETHERTYPE_IPV4, IP_PAYLOAD,
                              sizeof(IP_PAYLOAD), true, 5000, false, 0);
    feed(w, buf, n);
    assert_int_equal(w->nbridged, 1);
    world_free(w);
}

static void test_random_frames(void **state)
{
    (void)state;
    ap_config c;
    base_cfg(&c, PASS);
    c.max_stations = 6;
    struct world *w = world_new_cfg(&c);
    struct supp s1, s2;
    static struct tpls ts;
    fuzz_setup(w, &s1, &s2, &ts);
    w->keep_tx = false;
    sim_rng *r = sim_rng_create(20240611, "test_ap_fuzz");
    assert_non_null(r);
    uint8_t buf[TPL_CAP];

    for (int iter = 0; iter < 100000; iter++) {
        size_t len;
        uint32_t mode = sim_rng_u32(r) % 4;
        if (mode == 0) {
            /* Pure noise, sometimes with our BSSID as receiver. */
            len = (size_t)sim_rng_below(r, 300);
            sim_rng_bytes(r, buf, len);
            if (len >= 10 && (sim_rng_u32(r) & 1)) {
                buf[0] &= 0xfc; /* protocol version 0 */
                memcpy(buf + 4, AP_MAC, 6);
            }
        } else {
            const struct tpl *t = &ts.t[sim_rng_below(r, ts.n)];
            len = t->len;
            memcpy(buf, t->buf, len);
            if (mode == 1) { /* a few flipped octets, header kept intact */
                int flips = 1 + (int)sim_rng_below(r, 4);
                for (int f = 0; f < flips && len > 24; f++)
                    buf[24 + sim_rng_below(r, len - 24)] ^= (uint8_t)(1 + sim_rng_below(r, 255));
            } else if (mode == 2) { /* flips anywhere, then cut */
                buf[sim_rng_below(r, len)] = (uint8_t)sim_rng_u32(r);
                len = (size_t)sim_rng_below(r, len + 1);
            } else { /* random body after the header */
                size_t keep = len < 24 ? len : 24 + sim_rng_below(r, len - 23);
                size_t extra = (size_t)sim_rng_below(r, sizeof(buf) - keep);
                sim_rng_bytes(r, buf + keep, extra);
                len = keep + extra;
            }
        }
        feed(w, buf, len);
        if (iter % 1000 == 999)
            run_for(w, SIM_MS(400)); /* let retry timers and beacons fire */
    }
    sim_rng_destroy(r);
    run_for(w, SIM_SEC(10));
    assert_int_equal(w->bad_tx, 0);
    assert_true(w->total_tx > 1000);

    /* Still a working AP: everyone is sent away and a station joins. */
    w->keep_tx = true;
    ap_deauth(w->a, NULL, DOT11_REASON_LEAVING_NETWORK_DEAUTH);
    assert_int_equal(ap_station_count(w->a), 0);
    w->nbridged = 0;
    struct supp s3;
    supp_init(&s3, STA3, PASS);
    supp_connect(w, &s3, true);
    size_t n = build_sta_data(&s3, buf, sizeof(buf), HOST, DOT11_ETHERTYPE_IPV4, IP_PAYLOAD,
                              sizeof(IP_PAYLOAD), true, 1, false, 0);
    feed(w, buf, n);
    assert_int_equal(w->nbridged, 1);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_beacons),
        cmocka_unit_test(test_probe_response),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_auth_assoc),
        cmocka_unit_test(test_auth_assoc_refusals),
        cmocka_unit_test(test_4way_success),
        cmocka_unit_test(test_wrong_passphrase),
        cmocka_unit_test(test_msg3_timeout),
        cmocka_unit_test(test_msg4_checks),
        cmocka_unit_test(test_msg2_rsne_mismatch),
        cmocka_unit_test(test_data_uplink),
        cmocka_unit_test(test_data_downlink),
        cmocka_unit_test(test_class3_from_unassociated),
        cmocka_unit_test(test_open_network),
        cmocka_unit_test(test_disable_enable),
        cmocka_unit_test(test_station_leaves_and_ap_deauth),
        cmocka_unit_test(test_set_channel),
        cmocka_unit_test(test_set_passphrase),
        cmocka_unit_test(test_reassociation),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_truncated_frames),
        cmocka_unit_test(test_random_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
