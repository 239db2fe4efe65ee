/* ap_model/ap_wpa_auth.c — the Authenticator side of the 4-way handshake
 * (802.11-2016 12.7.6) for WPA2-PSK with CCMP, per station, as the
 * Authenticator key management state machine of 12.7.10 runs it.
 *
 * Keys: PMK from the AP's cache (PBKDF2 of the passphrase, J.4.1), copied
 * into the station when its handshake starts; ANonce from the AP's random
 * stream (12.7.5); PTK = PRF-384 (12.7.1.3); EAPOL-Key MICs with the KCK,
 * HMAC-SHA1-128 (descriptor version 2); message 3's Key Data wrapped with
 * the KEK (RFC 3394).
 *
 * Retries follow hostapd (wpa_auth.c): each message 1 or 3 is resent with a
 * new Key Replay Counter after eapol_timeout_first_ms the first time and
 * eapol_timeout_ms after that, eapol_attempts sends in all; the timeout
 * after the last send deauthenticates the station with reason 15. With the
 * defaults: sends at T, T+100 ms, T+1100 ms, T+2100 ms, deauth at T+3100 ms.
 * A message 2 whose MIC does not verify (a wrong passphrase) is dropped and
 * traced; it does not stop the retries, as in hostapd.
 *
 * EAPOL frames go as LLC/SNAP EtherType 0x888E in data frames, unprotected:
 * no PTK is installed before message 4 (and no rekeying is done after). */
#include <string.h>

#include "ap_model/ap_internal.h"
#include "dot11/akm.h"

typedef enum {
    PTK_EV_START,   /* the station associated (AuthenticationRequest) */
    PTK_EV_TIMEOUT, /* TimeoutEvt: the pending message was not answered */
    PTK_EV_MSG2,    /* an EAPOL-Key that looks like message 2 */
    PTK_EV_MSG4,    /* an EAPOL-Key that looks like message 4 */
} ap_ptk_event;

/* A received EAPOL-Key frame: the parsed fields and the bytes the MIC
 * covers. */
typedef struct {
    const uint8_t *frame;
    size_t len;
    struct dot11_eapol_key key;
} ap_eapol_rx;

static void ap_trace_4way(ap_sta *sta, int msg, const char *dir)
{
    ap *a = sta->owner;
    sim_trace_rec *r = sim_trace_begin(sim_trace_of(a->s), SIM_LOG_DEBUG, a->name, "4way_msg");
    if (r == NULL)
        return;
    char m[18];
    ap_mac_str(sta->mac, m);
    sim_trace_str(r, "sta", m);
    sim_trace_int(r, "n", msg);
    /* For messages 2 and 4, the send of message 1 or 3 they answered. */
    sim_trace_int(r, "attempt", sta->attempts);
    sim_trace_str(r, "dir", dir);
    sim_trace_int(r, "replay_counter", (int64_t)sta->replay_counter);
    sim_trace_end(r);
}

static void ap_trace_mic_failure(ap_sta *sta, int msg)
{
    ap *a = sta->owner;
    sim_trace_rec *r =
        sim_trace_begin(sim_trace_of(a->s), SIM_LOG_WARN, a->name, "4way_mic_failure");
    if (r == NULL)
        return;
    char m[18];
    ap_mac_str(sta->mac, m);
    sim_trace_str(r, "sta", m);
    sim_trace_int(r, "msg", msg);
    sim_trace_end(r);
}

/* ------------------------------------------------------------------ */
/* Sending messages 1 and 3                                              */
/* ------------------------------------------------------------------ */

/* Key Data of message 3 (12.7.6.4): our RSNE, as in Beacons, then the GTK
 * KDE; padded (12.7.2 j) and wrapped with the KEK. Returns its length. */
static int ap_msg3_key_data(ap_sta *sta, uint8_t *out, size_t cap)
{
    ap *a = sta->owner;
    uint8_t kd[128];

    int n = dot11_rsn_build(kd, sizeof(kd), &a->rsn_desc);
    if (n < 0)
        return -1;
    int g = dot11_kde_build_gtk(kd + n, sizeof(kd) - (size_t)n, (uint8_t)a->gn, false, a->gtk[a->gn],
                                AP_GTK_LEN);
    if (g < 0)
        return -1;
    /* PMF: the IGTK KDE follows the GTK's (12.7.6.4). */
    int ig = ap_pmf_igtk_kde(a, sta, kd + n + g, sizeof(kd) - (size_t)(n + g));
    if (ig < 0)
        return -1;
    g += ig;
    int p = dot11_key_data_pad(kd, (size_t)(n + g), sizeof(kd));
    if (p < 0 || (size_t)p + 8 > cap)
        return -1;
    int rc = dot11_aes_wrap(dot11_ptk_kek(sta->ptk), DOT11_KEK_LEN, kd, (size_t)p, out);
    memset(kd, 0, sizeof(kd));
    return rc == 0 ? p + 8 : -1;
}

static void ap_ptk_timeout(void *arg);

/* Sends the pending message again or for the first time, with the next
 * Key Replay Counter (12.7.2 c: every EAPOL-Key the Authenticator sends
 * increments it), and arms the retry timer. */
static void ap_ptk_send_pending(ap_sta *sta)
{
    ap *a = sta->owner;
    struct dot11_eapol_key k;
    uint8_t wrapped[136];
    uint8_t eapol[DOT11_EAPOL_KEY_FIXED_LEN + sizeof(wrapped)];
    uint8_t frame[AP_FRAME_MAX];
    int msg = sta->pending_msg;

    memset(&k, 0, sizeof(k));
    k.protocol_version = DOT11_EAPOL_VERSION_2004;
    k.descriptor_type = DOT11_EAPOL_KEY_DESC_RSN;
    k.info.descriptor_version = (uint8_t)dot11_akm_key_descriptor_version(sta->akm);
    k.info.pairwise = true;
    k.info.ack = true;
    k.key_length = DOT11_TK_LEN; /* CCMP-128 */
    k.replay_counter = ++sta->replay_counter;
    memcpy(k.nonce, sta->anonce, sizeof(k.nonce));
    if (msg == 3) {
        k.info.install = true;
        k.info.mic = true;
        k.info.secure = true;
        k.info.encrypted_key_data = true;
        /* Key RSC: the last PN sent with the GTK, PN0 first (12.7.2 e). */
        uint64_t rsc = ap_gtk_rsc(a, a->gn);
        for (int i = 0; i < 6; i++)
            k.rsc[i] = (uint8_t)(rsc >> (8 * i));
        int kd_len = ap_msg3_key_data(sta, wrapped, sizeof(wrapped));
        k.key_data = wrapped;
        k.key_data_len = kd_len > 0 ? (size_t)kd_len : 0;
    }
    /* A message 3 without its Key Data would be worse than none: it is
     * not sent, and the retry timer still runs. */
    int len = msg == 3 && k.key_data_len == 0
                  ? -1
                  : dot11_eapol_key_build(eapol, sizeof(eapol), &k);
    if (len > 0 && msg == 3) {
        uint8_t mic[DOT11_EAPOL_KEY_MIC_LEN];
        if (dot11_akm_eapol_mic(sta->akm, dot11_ptk_kck(sta->ptk), eapol,
                            (size_t)len, mic) == 0)
            memcpy(eapol + DOT11_EAPOL_KEY_MIC_OFFSET, mic, sizeof(mic));
        else
            len = -1;
    }

    sta->attempts++;
    if (len > 0) {
        struct dot11_data_hdr_params p;
        memset(&p, 0, sizeof(p));
        p.dir = DOT11_DIR_FROM_DS;
        memcpy(p.bssid, a->bssid, 6);
        memcpy(p.da, sta->mac, 6);
        memcpy(p.sa, a->bssid, 6);
        p.seq_num = ap_next_seq(a);
        ap_trace_4way(sta, msg, "to");
        ap_tx(a, frame,
              dot11_build_data(frame, sizeof(frame), &p, DOT11_ETHERTYPE_EAPOL, eapol,
                               (size_t)len),
              a->mgmt_rate);
    }
    memset(wrapped, 0, sizeof(wrapped));

    uint32_t ms = sta->attempts == 1 ? a->eapol_timeout_first_ms : a->eapol_timeout_ms;
    sta->eapol_timer = sim_after(a->s, SIM_MS(ms), ap_ptk_timeout, sta);
}

/* Starts waiting for the answer to message 1 or 3. */
static void ap_ptk_begin(ap_sta *sta, int msg)
{
    sim_cancel(sta->owner->s, sta->eapol_timer);
    sta->eapol_timer = 0;
    sta->pending_msg = msg;
    sta->attempts = 0;
    sta->replay_first = sta->replay_counter + 1;
    ap_ptk_send_pending(sta);
}

/* The Key Replay Counter of a reply must be one we used for the pending
 * message (12.7.6.3/.5); like hostapd, any of its sends will do, so a reply
 * to an earlier copy that was merely slow still counts. */
static bool ap_ptk_counter_ok(const ap_sta *sta, uint64_t rc)
{
    return rc >= sta->replay_first && rc <= sta->replay_counter;
}

/* ------------------------------------------------------------------ */
/* The state machine's actions                                           */
/* ------------------------------------------------------------------ */

/* AUTHENTICATION2 -> INITPSK -> PTKSTART: a fresh ANonce, message 1. */
static ap_ptk_state ptk_start(ap_sta *sta, const ap_eapol_rx *rx)
{
    ap *a = sta->owner;
    (void)rx;
    /* WPA2-Enterprise: the PMK is this station's, from the RADIUS server. */
    if (!sta->pmk_from_aaa)
        memcpy(sta->pmk, a->pmk, sizeof(sta->pmk));
    sim_rng_bytes(a->rng, sta->anonce, sizeof(sta->anonce));
    ap_ptk_begin(sta, 1);
    return AP_PTK_PTKSTART;
}

/* TimeoutEvt in PTKSTART or PTKINITNEGOTIATING: send again, or after the
 * last attempt DISCONNECT (deauthentication, reason 15). */
static ap_ptk_state ptk_retry(ap_sta *sta, const ap_eapol_rx *rx)
{
    (void)rx;
    if (sta->attempts >= sta->owner->eapol_attempts) {
        ap_sta_deauth(sta, DOT11_REASON_4WAY_HANDSHAKE_TIMEOUT);
        return AP_PTK_DISCONNECTED;
    }
    ap_ptk_send_pending(sta);
    return sta->ptk_state;
}

/* PTKCALCNEGOTIATING -> PTKCALCNEGOTIATING2 -> PTKINITNEGOTIATING: derive
 * the PTK from the SNonce, check message 2's MIC with its KCK and its RSNE
 * against the association's, send message 3. */
static ap_ptk_state ptk_calc_negotiating(ap_sta *sta, const ap_eapol_rx *rx)
{
    ap *a = sta->owner;
    uint8_t ptk[DOT11_PTK_LEN];
    struct dot11_key_data kd;

    if (!ap_ptk_counter_ok(sta, rx->key.replay_counter)) {
        ap_trace_drop(a, sta->mac, "4way_replay_counter");
        return AP_PTK_PTKSTART;
    }
    if (dot11_akm_ptk_derive(sta->akm, sta->pmk, a->bssid, sta->mac, sta->anonce, rx->key.nonce, ptk) != 0 ||
        dot11_akm_eapol_mic_verify(sta->akm, dot11_ptk_kck(ptk),
                               rx->frame, rx->len) != 0) {
        memset(ptk, 0, sizeof(ptk));
        /* Most likely the station's passphrase differs from ours. */
        ap_trace_mic_failure(sta, 2);
        return AP_PTK_PTKSTART;
    }
    ap_trace_4way(sta, 2, "from");
    /* 12.7.6.3: message 2 repeats the RSNE of the (Re)Association Request;
     * a difference means someone tampered with the association. */
    if (dot11_key_data_parse(rx->key.key_data, rx->key.key_data_len, &kd) != DOT11_OK ||
        kd.rsne == NULL || kd.rsne_len != sta->rsne_len ||
        memcmp(kd.rsne, sta->rsne, sta->rsne_len) != 0) {
        memset(ptk, 0, sizeof(ptk));
        ap_sta_deauth(sta, DOT11_REASON_HANDSHAKE_ELEMENT_MISMATCH);
        return AP_PTK_DISCONNECTED;
    }
    memcpy(sta->ptk, ptk, sizeof(ptk));
    memset(ptk, 0, sizeof(ptk));
    ap_ptk_begin(sta, 3);
    return AP_PTK_PTKINITNEGOTIATING;
}

/* PTKINITNEGOTIATING -> PTKINITDONE: message 4's MIC verifies, so the
 * station holds the PTK; install it and open the port. */
static ap_ptk_state ptk_init_done(ap_sta *sta, const ap_eapol_rx *rx)
{
    ap *a = sta->owner;

    if (!ap_ptk_counter_ok(sta, rx->key.replay_counter)) {
        ap_trace_drop(a, sta->mac, "4way_replay_counter");
        return AP_PTK_PTKINITNEGOTIATING;
    }
    if (dot11_akm_eapol_mic_verify(sta->akm, dot11_ptk_kck(sta->ptk),
                               rx->frame, rx->len) != 0) {
        ap_trace_mic_failure(sta, 4);
        return AP_PTK_PTKINITNEGOTIATING;
    }
    sim_cancel(a->s, sta->eapol_timer);
    sta->eapol_timer = 0;
    sta->pending_msg = 0;
    ap_trace_4way(sta, 4, "from");
    /* A new TK starts both PN sequences afresh (12.5.3.4.4). */
    sta->ptk_installed = true;
    sta->tx_pn = 0;
    memset(sta->rx_pn, 0, sizeof(sta->rx_pn));
    sta->ptk_state = AP_PTK_PTKINITDONE;
    ap_sta_rsna_done(sta);
    return AP_PTK_PTKINITDONE;
}

typedef ap_ptk_state (*ap_ptk_action)(ap_sta *sta, const ap_eapol_rx *rx);

/* The Authenticator's transitions (12.7.10). The action picks among the
 * exits a state has (e.g. a bad MIC stays in PTKSTART) and returns it.
 * Anything not listed, such as a second message 2 once message 3 is out,
 * is dropped.
 *
 *   state               event    action                next state(s)
 *   INITIALIZE          START    ptk_start             PTKSTART
 *   PTKSTART            TIMEOUT  ptk_retry             PTKSTART | DISCONNECT
 *   PTKSTART            MSG2     ptk_calc_negotiating  PTKINITNEGOTIATING | PTKSTART
 *                                                      | DISCONNECT (RSNE mismatch)
 *   PTKINITNEGOTIATING  TIMEOUT  ptk_retry             PTKINITNEGOTIATING | DISCONNECT
 *   PTKINITNEGOTIATING  MSG4     ptk_init_done         PTKINITDONE | PTKINITNEGOTIATING
 */
static const struct {
    ap_ptk_state state;
    ap_ptk_event event;
    ap_ptk_action action;
} AP_PTK_RULES[] = {
    {AP_PTK_INITIALIZE,         PTK_EV_START,   ptk_start},
    {AP_PTK_PTKSTART,           PTK_EV_TIMEOUT, ptk_retry},
    {AP_PTK_PTKSTART,           PTK_EV_MSG2,    ptk_calc_negotiating},
    {AP_PTK_PTKINITNEGOTIATING, PTK_EV_TIMEOUT, ptk_retry},
    {AP_PTK_PTKINITNEGOTIATING, PTK_EV_MSG4,    ptk_init_done},
};

static void ap_ptk_fire(ap_sta *sta, ap_ptk_event ev, const ap_eapol_rx *rx)
{
    for (size_t i = 0; i < sizeof(AP_PTK_RULES) / sizeof(AP_PTK_RULES[0]); i++) {
        if (AP_PTK_RULES[i].state != sta->ptk_state || AP_PTK_RULES[i].event != ev)
            continue;
        ap_ptk_state next = AP_PTK_RULES[i].action(sta, rx);
        /* DISCONNECT has already forgotten the station: its slot is free. */
        if (next != AP_PTK_DISCONNECTED)
            sta->ptk_state = next;
        return;
    }
    if (rx != NULL)
        ap_trace_drop(sta->owner, sta->mac, "4way_unexpected");
}

static void ap_ptk_timeout(void *arg)
{
    ap_sta *sta = arg;
    sta->eapol_timer = 0;
    if (sta->in_use)
        ap_ptk_fire(sta, PTK_EV_TIMEOUT, NULL);
}

/* ------------------------------------------------------------------ */
/* Entry points                                                          */
/* ------------------------------------------------------------------ */

void ap_wpa_start(ap_sta *sta)
{
    ap_ptk_fire(sta, PTK_EV_START, NULL);
}

/* ------------------------------------------------------------------ */
/* The group key handshake (12.7.7), as hostapd's WPA_PTK_GROUP state    */
/* machine runs it (wpa_auth.c: REKEYNEGOTIATING, REKEYESTABLISHED,      */
/* KEYERROR): message 1 carries GTK[GN] in a GTK KDE, wrapped with the   */
/* KEK, MIC'd with the KCK, and goes protected with the PTK; it is sent  */
/* dot11RSNAConfigGroupUpdateCount = 4 times, 500 ms after the first     */
/* (eapol_key_timeout_first_group) and 1000 ms after each later one      */
/* (eapol_key_timeout_subseq); the timeout after the fourth is KEYERROR: */
/* deauthentication with reason 16, group key handshake timeout          */
/* (hostapd sets disconnect_reason = WLAN_REASON_GROUP_KEY_UPDATE_TIMEOUT). */
/* ------------------------------------------------------------------ */

#define AP_GK_UPDATE_COUNT 4
#define AP_GK_TIMEOUT_FIRST_MS 500
#define AP_GK_TIMEOUT_MS 1000

static void ap_trace_gk(ap_sta *sta, int msg, const char *dir)
{
    ap *a = sta->owner;
    sim_trace_rec *r = sim_trace_begin(sim_trace_of(a->s), SIM_LOG_INFO, a->name, "gkey_msg");
    if (r == NULL)
        return;
    char m[18];
    ap_mac_str(sta->mac, m);
    sim_trace_str(r, "sta", m);
    sim_trace_int(r, "n", msg);
    sim_trace_int(r, "attempt", sta->gk_sends);
    sim_trace_str(r, "dir", dir);
    sim_trace_int(r, "key_id", a->gn);
    sim_trace_int(r, "replay_counter", (int64_t)sta->replay_counter);
    sim_trace_end(r);
}

static void ap_gk_timeout(void *arg);

/* This station is done with the rekey (answered, or gone): when it was the
 * last one, the new GTK becomes the one we send with (SETKEYSDONE). */
static void ap_gk_done(ap_sta *sta)
{
    ap *a = sta->owner;
    sim_cancel(a->s, sta->gk_timer);
    sta->gk_timer = 0;
    if (!sta->gk_pending)
        return;
    sta->gk_pending = false;
    sta->gk_sends = 0;
    if (a->gk_waiting > 0 && --a->gk_waiting == 0)
        ap_gk_setkeysdone(a);
}

void ap_gk_setkeysdone(ap *a)
{
    if (a->gtx == a->gn)
        return;
    /* A new key starts its PN sequence afresh (12.5.3.4.4). */
    a->gtx = a->gn;
    a->group_pn = 0;
    sim_trace_rec *r = sim_trace_begin(sim_trace_of(a->s), SIM_LOG_INFO, a->name, "gtk_installed");
    sim_trace_int(r, "key_id", a->gtx);
    sim_trace_end(r);
}

/* REKEYNEGOTIATING: (re)send message 1 with the next Key Replay Counter. */
static void ap_gk_send(ap_sta *sta)
{
    ap *a = sta->owner;
    struct dot11_eapol_key k;
    uint8_t kd[64], wrapped[72];
    uint8_t eapol[DOT11_EAPOL_KEY_FIXED_LEN + sizeof(wrapped)];

    sta->gk_sends++;
    memset(&k, 0, sizeof(k));
    k.protocol_version = DOT11_EAPOL_VERSION_2004;
    k.descriptor_type = DOT11_EAPOL_KEY_DESC_RSN;
    /* 12.7.7.2: Key Type 0 (group), Install 0, Key Ack 1, Key MIC 1,
     * Secure 1, Encrypted Key Data 1; Key Length 0; nonce 0 (hostapd sends
     * no GNonce); Key RSC: the last PN sent with this GTK, 0 for a new one. */
    k.info.descriptor_version = (uint8_t)dot11_akm_key_descriptor_version(sta->akm);
    k.info.ack = true;
    k.info.mic = true;
    k.info.secure = true;
    k.info.encrypted_key_data = true;
    k.replay_counter = ++sta->replay_counter;
    uint64_t rsc = ap_gtk_rsc(a, a->gn);
    for (int i = 0; i < 6; i++)
        k.rsc[i] = (uint8_t)(rsc >> (8 * i));
    int len = -1;
    int g = dot11_kde_build_gtk(kd, sizeof(kd), (uint8_t)a->gn, false, a->gtk[a->gn], AP_GTK_LEN);
    int p = g > 0 ? dot11_key_data_pad(kd, (size_t)g, sizeof(kd)) : -1;
    if (p > 0 && (size_t)p + 8 <= sizeof(wrapped) &&
        dot11_aes_wrap(dot11_ptk_kek(sta->ptk), DOT11_KEK_LEN, kd, (size_t)p, wrapped) == 0) {
        k.key_data = wrapped;
        k.key_data_len = (size_t)p + 8;
        len = dot11_eapol_key_build(eapol, sizeof(eapol), &k);
    }
    uint8_t mic[DOT11_EAPOL_KEY_MIC_LEN];
    if (len > 0 && dot11_akm_eapol_mic(sta->akm, dot11_ptk_kck(sta->ptk), eapol,
                                   (size_t)len, mic) == 0) {
        memcpy(eapol + DOT11_EAPOL_KEY_MIC_OFFSET, mic, sizeof(mic));
        ap_trace_gk(sta, 1, "to");
        ap_send_eapol_protected(a, sta, eapol, (size_t)len);
    }
    memset(kd, 0, sizeof(kd));
    memset(wrapped, 0, sizeof(wrapped));
    uint32_t ms = sta->gk_sends == 1 ? AP_GK_TIMEOUT_FIRST_MS : AP_GK_TIMEOUT_MS;
    sta->gk_timer = sim_after(a->s, SIM_MS(ms), ap_gk_timeout, sta);
}

void ap_gk_start(ap_sta *sta)
{
    ap *a = sta->owner;
    sim_cancel(a->s, sta->gk_timer);
    sta->gk_timer = 0;
    sta->gk_pending = true;
    sta->gk_sends = 0;
    sta->gk_replay_first = sta->replay_counter + 1;
    a->gk_waiting++;
    ap_gk_send(sta);
}

static void ap_gk_timeout(void *arg)
{
    ap_sta *sta = arg;
    sta->gk_timer = 0;
    if (!sta->in_use || !sta->gk_pending)
        return;
    if (sta->gk_sends < AP_GK_UPDATE_COUNT) {
        ap_gk_send(sta);
        return;
    }
    /* KEYERROR -> the station is disconnected (ap_wpa_stop counts it out). */
    ap_sta_deauth(sta, DOT11_REASON_GK_HANDSHAKE_TIMEOUT);
}

/* Group message 2 (12.7.7.3): Key Type 0, MIC, Secure, no Ack; its Key
 * Replay Counter is one we used for message 1 and its MIC verifies. */
static void ap_gk_rx_msg2(ap_sta *sta, const ap_eapol_rx *rx)
{
    ap *a = sta->owner;
    if (!sta->gk_pending) {
        ap_trace_drop(a, sta->mac, "gkey_unexpected");
        return;
    }
    if (rx->key.replay_counter < sta->gk_replay_first || rx->key.replay_counter > sta->replay_counter) {
        ap_trace_drop(a, sta->mac, "gkey_replay_counter");
        return;
    }
    if (dot11_akm_eapol_mic_verify(sta->akm, dot11_ptk_kck(sta->ptk), rx->frame,
                               rx->len) != 0) {
        ap_trace_mic_failure(sta, 2);
        return;
    }
    ap_trace_gk(sta, 2, "from");
    ap_gk_done(sta);
}

void ap_wpa_stop(ap_sta *sta)
{
    if (sta->owner != NULL)
        ap_gk_done(sta);
    if (sta->owner != NULL)
        sim_cancel(sta->owner->s, sta->eapol_timer);
    sta->eapol_timer = 0;
    sta->ptk_state = AP_PTK_INITIALIZE;
    sta->pending_msg = 0;
    sta->attempts = 0;
    /* 12.7.2 c: the Key Replay Counter starts over with each association. */
    sta->replay_counter = 0;
    sta->replay_first = 0;
    sta->ptk_installed = false;
    memset(sta->ptk, 0, sizeof(sta->ptk));
    memset(sta->pmk, 0, sizeof(sta->pmk));
    memset(sta->anonce, 0, sizeof(sta->anonce));
    sta->tx_pn = 0;
    memset(sta->rx_pn, 0, sizeof(sta->rx_pn));
}

void ap_wpa_rx_eapol(ap_sta *sta, const uint8_t *eapol, size_t len)
{
    ap_eapol_rx rx;
    const struct dot11_key_info *ki = &rx.key.info;

    rx.frame = eapol;
    rx.len = len;
    int rc = dot11_eapol_key_parse(eapol, len, &rx.key);
    if (rc != DOT11_OK) {
        /* EAPOL-Start, EAP packets, WPA1 descriptors: not for a PSK AP. */
        ap_trace_drop(sta->owner, sta->mac,
                      rc == DOT11_E_UNSUPPORTED ? "eapol_unsupported" : "eapol_malformed");
        return;
    }
    /* Messages 2 and 4 (12.7.6.3, 12.7.6.5): Pairwise, MIC, no Ack, no
     * Install, version 2; Request and Error frames (TKIP countermeasures,
     * rekey requests) are not handled. Secure tells 4 from 2. */
    if (ki->descriptor_version == dot11_akm_key_descriptor_version(sta->akm) && !ki->pairwise && ki->mic &&
        ki->secure && !ki->ack && !ki->install && !ki->request && !ki->error) {
        if (sta->ptk_state != AP_PTK_PTKINITDONE)
            ap_trace_drop(sta->owner, sta->mac, "gkey_before_ptk");
        else
            ap_gk_rx_msg2(sta, &rx);
        return;
    }
    if (ki->descriptor_version != dot11_akm_key_descriptor_version(sta->akm) || !ki->pairwise ||
        !ki->mic || ki->ack || ki->install || ki->request || ki->error) {
        ap_trace_drop(sta->owner, sta->mac, "eapol_key_info");
        return;
    }
    ap_ptk_fire(sta, ki->secure ? PTK_EV_MSG4 : PTK_EV_MSG2, &rx);
}
