/* ap_model/ap_sta.c — the station table, its state machine (802.11-2016
 * 11.3), Open System authentication (12.3.3.2), (re)association (11.3.5)
 * and the receive path for management and data frames.
 *
 * Every frame handled here arrived from the air: it is read only through
 * the dot11 parsers, and nothing it says is believed before it is checked. */
#include <string.h>

#include "ap_model/ap_internal.h"
#include "dot11/akm.h"

/* ------------------------------------------------------------------ */
/* Station table                                                         */
/* ------------------------------------------------------------------ */

ap_sta *ap_sta_find(const ap *a, const uint8_t mac[6])
{
    for (int i = 0; i < a->nslots; i++)
        if (a->stas[i].in_use && ap_mac_eq(a->stas[i].mac, mac))
            return &a->stas[i];
    return NULL;
}

size_t ap_sta_count(const ap *a)
{
    size_t n = 0;
    for (int i = 0; i < a->nslots; i++)
        n += a->stas[i].in_use;
    return n;
}

dot11_ccm *ap_sta_ccm(ap *a, const ap_sta *sta)
{
    size_t i = (size_t)(sta - a->stas);
    /* Slots outlive stations; the engine re-keys itself when the slot's
     * next station brings another TK. */
    if (a->sta_ccm[i] == NULL) {
        a->sta_ccm[i] = dot11_ccm_new();
        dot11_ccm_set_memo(a->sta_ccm[i], a->ccm_memo);
    }
    return a->sta_ccm[i];
}

/* A fresh slot in State 1; NULL when the table is full. */
static ap_sta *ap_sta_alloc(ap *a, const uint8_t mac[6])
{
    for (int i = 0; i < a->nslots; i++) {
        ap_sta *sta = &a->stas[i];
        if (sta->in_use)
            continue;
        memset(sta, 0, sizeof(*sta));
        sta->owner = a;
        sta->in_use = true;
        memcpy(sta->mac, mac, 6);
        sta->state = AP_STA_STATE_1;
        sta->ptk_state = AP_PTK_INITIALIZE;
        return sta;
    }
    return NULL;
}

void ap_sta_forget(ap_sta *sta)
{
    ap *a = sta->owner;
    ap_wpa_stop(sta);
    if (a->dot1x)
        ap_8021x_forget(a->dot1x, sta->mac);
    ap_sae_forget(sta);
    ap_ps_forget(sta);
    /* Keys and nonces go with the slot. */
    memset(sta, 0, sizeof(*sta));
    sta->owner = a;
}

/* 9.4.1.8: AIDs 1..2007; the lowest free one, as hostapd picks. */
static uint16_t ap_aid_alloc(const ap *a)
{
    for (uint16_t aid = 1; aid <= DOT11_AID_MAX; aid++) {
        bool used = false;
        for (int i = 0; i < a->nslots && !used; i++)
            used = a->stas[i].in_use && a->stas[i].aid == aid;
        if (!used)
            return aid;
    }
    return 0;
}

void ap_trace_sta(ap *a, sim_log_level lvl, const char *event, const uint8_t *mac,
                         const char *key, int64_t val, const char *dir)
{
    sim_trace_rec *r = sim_trace_begin(sim_trace_of(a->s), lvl, a->name, event);
    if (r == NULL)
        return;
    char m[18];
    ap_mac_str(mac, m);
    sim_trace_str(r, "sta", m);
    if (key != NULL)
        sim_trace_int(r, key, val);
    if (dir != NULL)
        sim_trace_str(r, "dir", dir);
    sim_trace_end(r);
}

/* ------------------------------------------------------------------ */
/* The station state machine (11.3.1, 11.3.3, 11.3.5)                   */
/* ------------------------------------------------------------------ */

typedef enum {
    STA_EV_AUTH,       /* Open System authentication succeeded */
    STA_EV_ASSOC,      /* (Re)Association accepted, open network */
    STA_EV_ASSOC_RSNA, /* (Re)Association accepted, RSNA required */
    STA_EV_RSNA_DONE,  /* 4-way handshake completed, PTK installed */
    STA_EV_LEAVE,      /* Deauthentication, either way; a station's Disassociation */
    STA_EV_DISASSOC,   /* the AP disassociates the station */
} ap_sta_event;

typedef void (*ap_sta_action)(ap_sta *sta);

/* Leaves the association but keeps the authentication (11.3.5.5). */
static void sta_disassociate(ap_sta *sta)
{
    ap_wpa_stop(sta);
    sta->aid = 0;
    sta->rsne_len = 0;
}

static void sta_authorize(ap_sta *sta)
{
    ap_trace_sta(sta->owner, SIM_LOG_INFO, "sta_authorized", sta->mac, "aid", sta->aid, NULL);
}

static void sta_open_port(ap_sta *sta)
{
    /* A reassociation drops the keys of the one before (11.3.5.3). */
    ap_wpa_stop(sta);
    sta_authorize(sta);
}

static void sta_start_rsna(ap_sta *sta)
{
    ap_wpa_stop(sta);
    sta->pmk_from_aaa = false;
    /* SAE: the PMK of the SAE exchange (12.4.5.4). */
    if (sta->akm == DOT11_AKM_SAE) {
        memcpy(sta->pmk, sta->sae_pmk, DOT11_PMK_LEN);
        sta->pmk_from_aaa = true;
        ap_wpa_start(sta);
        return;
    }
    /* WPA2-Enterprise: 802.1X first; its Accept starts the 4-way handshake
     * with the PMK the server sent (ap_8021x.h). */
    if (sta->owner->enterprise)
        ap_8021x_start(sta->owner->dot1x, sta->mac);
    else
        ap_wpa_start(sta);
}

/* Back to State 1: a station in State 1 is one the AP does not keep. */
static void sta_forget(ap_sta *sta)
{
    ap_sta_forget(sta);
}

/* Every transition the AP makes for a station. A (state, event) pair that
 * is not listed is ignored: e.g. RSNA_DONE can only complete State 3. */
static const struct {
    ap_sta_state from;
    ap_sta_event event;
    ap_sta_state to;
    ap_sta_action action;
} AP_STA_RULES[] = {
    /* from            event              to               action */
    {AP_STA_STATE_1, STA_EV_AUTH,       AP_STA_STATE_2, NULL},
    {AP_STA_STATE_2, STA_EV_AUTH,       AP_STA_STATE_2, NULL},
    {AP_STA_STATE_3, STA_EV_AUTH,       AP_STA_STATE_2, sta_disassociate},
    {AP_STA_STATE_4, STA_EV_AUTH,       AP_STA_STATE_2, sta_disassociate},

    {AP_STA_STATE_2, STA_EV_ASSOC,      AP_STA_STATE_4, sta_open_port},
    {AP_STA_STATE_3, STA_EV_ASSOC,      AP_STA_STATE_4, sta_open_port},
    {AP_STA_STATE_4, STA_EV_ASSOC,      AP_STA_STATE_4, sta_open_port},

    {AP_STA_STATE_2, STA_EV_ASSOC_RSNA, AP_STA_STATE_3, sta_start_rsna},
    {AP_STA_STATE_3, STA_EV_ASSOC_RSNA, AP_STA_STATE_3, sta_start_rsna},
    {AP_STA_STATE_4, STA_EV_ASSOC_RSNA, AP_STA_STATE_3, sta_start_rsna},

    {AP_STA_STATE_3, STA_EV_RSNA_DONE,  AP_STA_STATE_4, sta_authorize},

    {AP_STA_STATE_2, STA_EV_LEAVE,      AP_STA_STATE_1, sta_forget},
    {AP_STA_STATE_3, STA_EV_LEAVE,      AP_STA_STATE_1, sta_forget},
    {AP_STA_STATE_4, STA_EV_LEAVE,      AP_STA_STATE_1, sta_forget},

    {AP_STA_STATE_3, STA_EV_DISASSOC,   AP_STA_STATE_2, sta_disassociate},
    {AP_STA_STATE_4, STA_EV_DISASSOC,   AP_STA_STATE_2, sta_disassociate},
};

static void ap_sta_fire(ap_sta *sta, ap_sta_event ev)
{
    for (size_t i = 0; i < sizeof(AP_STA_RULES) / sizeof(AP_STA_RULES[0]); i++) {
        if (AP_STA_RULES[i].from != sta->state || AP_STA_RULES[i].event != ev)
            continue;
        sta->state = AP_STA_RULES[i].to;
        if (AP_STA_RULES[i].action != NULL)
            AP_STA_RULES[i].action(sta);
        return;
    }
}

void ap_sta_rsna_done(ap_sta *sta)
{
    ap_sta_fire(sta, STA_EV_RSNA_DONE);
}

void ap_send_deauth(ap *a, const uint8_t *da, uint16_t reason)
{
    struct dot11_mgmt_hdr h;
    uint8_t buf[64];

    ap_trace_sta(a, SIM_LOG_INFO, "deauth", da, "reason", reason, "to");
    ap_mgmt_hdr(a, &h, da);
    ap_tx(a, buf, dot11_build_deauth(buf, sizeof(buf), &h, reason), a->mgmt_rate);
}

void ap_sta_deauth(ap_sta *sta, uint16_t reason)
{
    ap_pmf_send_leave(sta->owner, sta, DOT11_STYPE_DEAUTH, reason);
    ap_sta_fire(sta, STA_EV_LEAVE);
}

void ap_send_disassoc(ap *a, const uint8_t *da, uint16_t reason)
{
    struct dot11_mgmt_hdr h;
    uint8_t buf[64];

    ap_trace_sta(a, SIM_LOG_INFO, "disassoc", da, "reason", reason, "to");
    ap_mgmt_hdr(a, &h, da);
    ap_tx(a, buf, dot11_build_disassoc(buf, sizeof(buf), &h, reason), a->mgmt_rate);
}

/* 11.3.5.5 (AP side): the association and its keys end, the
 * authentication stays; hostapd's ap_sta_disassociate does the same before
 * its own later deauthentication, which we leave to the station's next
 * Class 3 frame (reason 7). */
void ap_sta_disassoc(ap_sta *sta, uint16_t reason)
{
    ap_pmf_send_leave(sta->owner, sta, DOT11_STYPE_DISASSOC, reason);
    ap_ps_disassociated(sta); /* its buffered frames used the keys that go now */
    ap_sta_fire(sta, STA_EV_DISASSOC);
}

/* ------------------------------------------------------------------ */
/* Authentication (12.3.3.2: Open System, transaction 1 -> 2)            */
/* ------------------------------------------------------------------ */

ap_sta *ap_sta_alloc_for(ap *a, const uint8_t mac[6])
{
    ap_sta *sta = ap_sta_find(a, mac);
    return sta ? sta : ap_sta_alloc(a, mac);
}

void ap_sta_authenticated(ap_sta *sta)
{
    ap_sta_fire(sta, STA_EV_AUTH);
}

static void ap_rx_auth(ap *a, const struct dot11_mgmt *m)
{
    const uint8_t *sa = m->hdr.addr2;
    uint16_t alg = m->u.auth.algorithm;
    uint16_t seq = m->u.auth.transaction_seq;
    uint16_t status = DOT11_STATUS_SUCCESS;
    ap_sta *sta = ap_sta_find(a, sa);

    if (alg == DOT11_AUTH_ALG_SAE && a->sae) {
        ap_sae_rx_auth(a, m);
        return;
    }
    if (alg != DOT11_AUTH_ALG_OPEN_SYSTEM)
        status = DOT11_STATUS_NOT_SUPPORTED_AUTH_ALG;
    /* WPA3-only: open system authentication cannot lead to an association
     * (hostapd refuses the algorithm when wpa_key_mgmt is SAE alone). */
    else if (a->sae && a->passphrase[0] == '\0')
        status = DOT11_STATUS_NOT_SUPPORTED_AUTH_ALG;
    else if (seq != 1)
        status = DOT11_STATUS_UNKNOWN_AUTH_TRANSACTION;
    else if (sta == NULL && (sta = ap_sta_alloc(a, sa)) == NULL)
        status = DOT11_STATUS_AP_UNABLE_TO_HANDLE_NEW_STA;

    struct dot11_mgmt_hdr h;
    uint8_t buf[64];
    ap_mgmt_hdr(a, &h, sa);
    ap_tx(a, buf, dot11_build_auth(buf, sizeof(buf), &h, alg, (uint16_t)(seq + 1), status),
          a->mgmt_rate);

    sim_trace_rec *r = sim_trace_begin(sim_trace_of(a->s), SIM_LOG_INFO, a->name, "auth");
    if (r != NULL) {
        char mac[18];
        ap_mac_str(sa, mac);
        sim_trace_str(r, "sta", mac);
        sim_trace_int(r, "alg", alg);
        sim_trace_int(r, "status", status);
        sim_trace_end(r);
    }
    if (status == DOT11_STATUS_SUCCESS)
        ap_sta_fire(sta, STA_EV_AUTH);
}

/* ------------------------------------------------------------------ */
/* (Re)Association (11.3.5.3, 11.3.5.5)                                   */
/* ------------------------------------------------------------------ */

static bool suite_in(const uint32_t *suites, size_t n, uint32_t want)
{
    for (size_t i = 0; i < n; i++)
        if (suites[i] == want)
            return true;
    return false;
}

/* The station's RSNE against what we offer (12.6.3: it must select one of
 * the AP's ciphers and AKMs); status codes of 9.4.1.9 as hostapd maps its
 * RSN validation results. On success the element is copied to rsne. */
static uint16_t ap_check_rsne(const ap *a, const ap_sta *sta, const struct dot11_mgmt *m, uint32_t *akm,
                              bool *mfp, uint8_t *rsne, size_t *rsne_len)
{
    struct dot11_ie ie;
    struct dot11_rsn rsn;

    if (dot11_ie_find(m->ies, m->ies_len, DOT11_EID_RSN, &ie) != DOT11_OK)
        return DOT11_STATUS_INVALID_ELEMENT;
    /* Read the Version ourselves: the parser says "unsupported" both for
     * another version and for too many suites, and they have different
     * status codes. */
    if (ie.len >= 2 && (uint16_t)(ie.data[0] | ie.data[1] << 8) != DOT11_RSN_VERSION)
        return DOT11_STATUS_UNSUPPORTED_RSNE_VERSION;
    if (dot11_rsn_parse(ie.data, ie.len, &rsn) != DOT11_OK)
        return DOT11_STATUS_INVALID_ELEMENT;
    if (rsn.group_cipher != DOT11_CIPHER_CCMP)
        return DOT11_STATUS_INVALID_GROUP_CIPHER;
    if (!suite_in(rsn.pairwise, rsn.n_pairwise, DOT11_CIPHER_CCMP))
        return DOT11_STATUS_INVALID_PAIRWISE_CIPHER;
    /* The station's AKM must be one we offer; SAE only after an SAE
     * authentication (12.4.8: the PMK comes from it). */
    *akm = 0;
    for (size_t i = 0; i < rsn.n_akm && *akm == 0; i++) {
        uint32_t k = rsn.akm[i];
        if ((a->enterprise && k == DOT11_AKM_8021X) ||
            (!a->enterprise && a->passphrase[0] && k == DOT11_AKM_PSK) ||
            (a->sae && k == DOT11_AKM_SAE && sta->sae_accepted))
            *akm = k;
    }
    if (*akm == 0)
        return DOT11_STATUS_INVALID_AKMP;
    /* 9.4.2.25.4 / 12.6.8: MFPR without MFPC is invalid; a PMF policy one
     * side requires and the other lacks is status 31, "robust management
     * frame policy violation", as hostapd answers. */
    bool s_mfpc = (rsn.capabilities & 0x0080) != 0, s_mfpr = (rsn.capabilities & 0x0040) != 0;
    if (s_mfpr && !s_mfpc)
        return DOT11_STATUS_INVALID_RSNE_CAPABILITIES;
    if ((a->pmf == 2 && !s_mfpc) || (s_mfpr && a->pmf == 0))
        return DOT11_STATUS_ROBUST_MGMT_POLICY_VIOLATION;
    *mfp = a->pmf >= 1 && s_mfpc;
    rsne[0] = DOT11_EID_RSN;
    rsne[1] = ie.len;
    memcpy(rsne + 2, ie.data, ie.len);
    *rsne_len = (size_t)ie.len + 2;
    return DOT11_STATUS_SUCCESS;
}

static uint16_t ap_check_assoc(ap *a, const ap_sta *sta, const struct dot11_mgmt *m,
                               uint32_t *akm, bool *mfp, uint8_t *rsne, size_t *rsne_len)
{
    const uint8_t *ssid;
    size_t ssid_len;
    uint8_t rates[DOT11_MAX_RATES];
    size_t n_rates = 0;
    size_t n_ours;
    const uint8_t *ours = ap_rate_set(&n_ours);

    /* hostapd answers a wrong or missing SSID with "unspecified failure". */
    if (dot11_ie_get_ssid(m->ies, m->ies_len, &ssid, &ssid_len) != DOT11_OK ||
        ssid_len != a->ssid_len || memcmp(ssid, a->ssid, ssid_len) != 0)
        return DOT11_STATUS_REFUSED;
    /* A station must name its rates (9.3.3.6). Stricter would be to require
     * every rate of our BSSBasicRateSet; like hostapd we only refuse a
     * station we share no rate with. */
    if (dot11_ie_get_rates(m->ies, m->ies_len, rates, sizeof(rates), &n_rates) != DOT11_OK)
        return DOT11_STATUS_ASSOC_DENIED_RATES;
    bool common = false;
    for (size_t i = 0; i < n_rates && !common; i++)
        for (size_t j = 0; j < n_ours && !common; j++)
            common = (rates[i] & 0x7f) == (ours[j] & 0x7f);
    if (!common)
        return DOT11_STATUS_ASSOC_DENIED_RATES;
    /* An open network ignores an RSNE, as hostapd does without wpa=. */
    if (a->rsn)
        return ap_check_rsne(a, sta, m, akm, mfp, rsne, rsne_len);
    *rsne_len = 0;
    return DOT11_STATUS_SUCCESS;
}

static void ap_rx_assoc(ap *a, const struct dot11_mgmt *m, bool reassoc)
{
    const uint8_t *sa = m->hdr.addr2;
    ap_sta *sta = ap_sta_find(a, sa);

    /* 11.3.3: a Class 2 frame from a station in State 1. */
    if (sta == NULL) {
        ap_send_deauth(a, sa, DOT11_REASON_INVALID_CLASS2_FRAME);
        return;
    }

    uint8_t rsne[AP_RSNE_MAX];
    size_t rsne_len = 0;
    uint32_t akm = 0;
    bool mfp = false;
    uint16_t status = ap_check_assoc(a, sta, m, &akm, &mfp, rsne, &rsne_len);
    uint16_t aid = 0;
    /* The ap_refuse fault: every request gets the fault's status, after the
     * checks a real AP makes first (a malformed request keeps its own). */
    if (status == DOT11_STATUS_SUCCESS && a->refuse_status != 0)
        status = a->refuse_status;
    /* max_stations counts associations: status 17, "Association denied
     * because AP is unable to handle additional associated STAs" (9.4.1.9,
     * Table 9-46). A station already associated (reassociating) has its
     * place. */
    if (status == DOT11_STATUS_SUCCESS && sta->state < AP_STA_STATE_3 &&
        ap_associated_count(a) >= (size_t)a->max_stations)
        status = DOT11_STATUS_AP_UNABLE_TO_HANDLE_NEW_STA;
    if (status == DOT11_STATUS_SUCCESS) {
        /* A reassociating station keeps its AID. */
        aid = sta->aid ? sta->aid : ap_aid_alloc(a);
        if (aid == 0)
            status = DOT11_STATUS_AP_UNABLE_TO_HANDLE_NEW_STA;
    }

    struct dot11_mgmt_hdr h;
    uint8_t buf[128];
    size_t n_rates;
    const uint8_t *rates = ap_rate_set(&n_rates);
    ap_mgmt_hdr(a, &h, sa);
    int n = dot11_build_assoc_resp(buf, sizeof(buf), &h, ap_capability(a), status, aid, rates,
                                   n_rates);
    /* 9.3.3.7: with status 30 the response carries a Timeout Interval
     * element, type 3, the association comeback time in TUs (9.4.2.49); it
     * is the last element we send, so it goes at the end. */
    if (n > 0 && status == DOT11_STATUS_REFUSED_TEMPORARILY && a->refuse_comeback_tu != 0 &&
        (size_t)n + 7 <= sizeof(buf)) {
        uint8_t *t = buf + n;
        uint32_t tu = a->refuse_comeback_tu;
        t[0] = DOT11_EID_TIMEOUT_INTERVAL;
        t[1] = 5;
        t[2] = DOT11_TIE_ASSOC_COMEBACK;
        for (int i = 0; i < 4; i++)
            t[3 + i] = (uint8_t)(tu >> (8 * i));
        n += 7;
    }
    /* 9.3.3.8: a Reassociation Response has the Association Response's body;
     * only the subtype in Frame Control differs. */
    if (reassoc && n > 0)
        buf[0] = (uint8_t)((buf[0] & 0x0f) | DOT11_STYPE_REASSOC_RESP << 4);
    ap_tx(a, buf, n, a->mgmt_rate);

    sim_trace_rec *r = sim_trace_begin(sim_trace_of(a->s), SIM_LOG_INFO, a->name, "assoc");
    if (r != NULL) {
        char mac[18];
        ap_mac_str(sa, mac);
        sim_trace_str(r, "sta", mac);
        sim_trace_int(r, "status", status);
        sim_trace_int(r, "aid", aid);
        sim_trace_bool(r, "reassoc", reassoc);
        sim_trace_end(r);
    }
    /* A refused station stays as it was (hostapd keeps it authenticated). */
    if (status != DOT11_STATUS_SUCCESS)
        return;
    sta->aid = aid;
    memcpy(sta->rsne, rsne, rsne_len);
    sta->rsne_len = rsne_len;
    sta->akm = akm;
    sta->mfp = mfp;
    sta->rx_mgmt_pn = 0;
    ap_sta_fire(sta, a->rsn ? STA_EV_ASSOC_RSNA : STA_EV_ASSOC);
    ap_age_start(sta);
}

/* ------------------------------------------------------------------ */
/* Management receive path                                               */
/* ------------------------------------------------------------------ */

void ap_rx_mgmt(ap *a, const uint8_t *frame, size_t len, const struct dot11_hdr *hdr)
{
    struct dot11_mgmt m;
    bool to_us = ap_mac_eq(hdr->addr1, a->bssid);

    if (hdr->subtype == DOT11_STYPE_PROBE_REQ) {
        if (dot11_parse_mgmt(frame, len, &m) == DOT11_OK)
            ap_rx_probe_req(a, &m);
        else if (to_us)
            ap_trace_drop(a, hdr->addr2, "malformed");
        return;
    }
    /* Other BSSs' traffic is not ours to judge, nor to trace. */
    if (!to_us)
        return;
    uint8_t plain[AP_FRAME_MAX];
    if (!ap_pmf_rx(a, hdr, &frame, &len, plain, sizeof plain) || len == 0)
        return;
    int rc = dot11_parse_mgmt(frame, len, &m);
    if (rc != DOT11_OK) {
        ap_trace_drop(a, hdr->addr2, rc == DOT11_E_UNSUPPORTED ? "unsupported" : "malformed");
        return;
    }
    const uint8_t *sa = m.hdr.addr2;
    if (!ap_mac_eq(m.hdr.addr3, a->bssid)) {
        ap_trace_drop(a, sa, "bssid");
        return;
    }
    if (ap_mac_is_group(sa) || ap_mac_eq(sa, a->bssid)) {
        ap_trace_drop(a, sa, "bad_sa");
        return;
    }
    if (m.hdr.more_frag || m.hdr.frag_num != 0) {
        ap_trace_drop(a, sa, "fragment");
        return;
    }

    ap_sta *sta;
    switch (m.hdr.subtype) {
    case DOT11_STYPE_AUTH:
        ap_rx_auth(a, &m);
        break;
    case DOT11_STYPE_ASSOC_REQ:
        ap_rx_assoc(a, &m, false);
        break;
    case DOT11_STYPE_REASSOC_REQ:
        ap_rx_assoc(a, &m, true);
        break;
    case DOT11_STYPE_DEAUTH:
    case DOT11_STYPE_DISASSOC:
        sta = ap_sta_find(a, sa);
        if (sta == NULL) {
            ap_trace_drop(a, sa, "unknown_sta");
            break;
        }
        ap_trace_sta(a, SIM_LOG_INFO,
                     m.hdr.subtype == DOT11_STYPE_DEAUTH ? "deauth" : "disassoc", sa, "reason",
                     m.u.deauth.reason, "from");
        /* A disassociated station would keep State 2 (11.3.5.5); like
         * hostapd soon after, we drop it altogether. */
        ap_sta_fire(sta, STA_EV_LEAVE);
        break;
    default:
        ap_trace_drop(a, sa, "unexpected_subtype");
        break;
    }
}

/* ------------------------------------------------------------------ */
/* Data receive path                                                     */
/* ------------------------------------------------------------------ */

void ap_rx_data(ap *a, const uint8_t *frame, size_t len, const struct dot11_hdr *hdr)
{
    const uint8_t *sa = hdr->addr2;

    if (!ap_mac_eq(hdr->addr1, a->bssid))
        return;
    /* 9.3.2.1: a station's frame to the DS has ToDS=1, FromDS=0. */
    if (!hdr->to_ds || hdr->from_ds) {
        ap_trace_drop(a, sa, "ds_bits");
        return;
    }
    if (ap_mac_is_group(sa) || ap_mac_eq(sa, a->bssid)) {
        ap_trace_drop(a, sa, "bad_sa");
        return;
    }
    ap_sta *sta = ap_sta_find(a, sa);
    /* 11.3.3: a Class 3 frame from a station that is not associated. The
     * contract (ap.h) answers it with a Deauthentication in both State 1
     * and State 2. */
    if (sta == NULL || sta->state < AP_STA_STATE_3) {
        if (sta != NULL)
            ap_sta_deauth(sta, DOT11_REASON_INVALID_CLASS3_FRAME);
        else
            ap_send_deauth(a, sa, DOT11_REASON_INVALID_CLASS3_FRAME);
        return;
    }
    /* Null and QoS Null carry no MSDU (power management, keep-alive). */
    if (hdr->subtype & 0x4)
        return;
    if (hdr->more_frag || hdr->frag_num != 0) {
        ap_trace_drop(a, sa, "fragment");
        return;
    }
    /* 9.2.4.4: a retry with the Sequence Control we last accepted is a
     * duplicate. */
    uint16_t sc = (uint16_t)(hdr->seq_num << 4 | hdr->frag_num);
    if (hdr->retry && sta->rx_seq_valid && sta->rx_seq_ctrl == sc) {
        ap_trace_drop(a, sa, "duplicate");
        return;
    }

    const uint8_t *body = frame + hdr->hdr_len;
    size_t body_len = len - hdr->hdr_len;
    uint8_t plain[AP_FRAME_MAX];
    if (hdr->protected_frame) {
        uint64_t pn;
        int key_id;
        size_t plain_len;
        if (!sta->ptk_installed) {
            ap_trace_drop(a, sa, "no_key");
            return;
        }
        if (dot11_ccmp_decrypt_with(ap_sta_ccm(a, sta), dot11_ptk_tk(sta->ptk), frame, hdr->hdr_len, body, body_len,
                                    &pn, &key_id, plain, sizeof(plain), &plain_len) != 0) {
            ap_trace_drop(a, sa, "ccmp");
            return;
        }
        /* Stations send only with the pairwise key, Key ID 0. */
        if (key_id != 0) {
            ap_trace_drop(a, sa, "key_id");
            return;
        }
        /* 12.5.3.4.4: the PN must grow, per TID; the counter moves only
         * once the MIC has verified. */
        int tc = hdr->has_qos_ctrl ? hdr->tid : AP_REPLAY_COUNTERS - 1;
        if (pn <= sta->rx_pn[tc]) {
            ap_trace_drop(a, sa, "replay");
            return;
        }
        sta->rx_pn[tc] = pn;
        body = plain;
        body_len = plain_len;
    }
    sta->rx_seq_valid = true;
    sta->rx_seq_ctrl = sc;

    struct dot11_ether e;
    if (dot11_data_to_ether(hdr, body, body_len, &e) != DOT11_OK) {
        ap_trace_drop(a, sa, "llc");
        return;
    }
    if (e.ethertype == DOT11_ETHERTYPE_EAPOL) {
        /* EAPOL goes to the authenticator, never through to the DS; a
         * station associated without an RSNE has no authenticator. */
        if (sta->rsne_len == 0)
            ap_trace_drop(a, sa, "eapol_open");
        else if (a->enterprise && e.payload_len >= 2 && e.payload[1] != 3 /* EAPOL-Key */)
            ap_8021x_rx_eapol(a->dot1x, sta->mac, e.payload, e.payload_len);
        else
            ap_wpa_rx_eapol(sta, e.payload, e.payload_len);
        return;
    }
    if (sta->state != AP_STA_STATE_4) {
        ap_trace_drop(a, sa, "port_blocked");
        return;
    }
    /* Once a PTK is in place, cleartext data is not the station's. */
    if (sta->ptk_installed && !hdr->protected_frame) {
        ap_trace_drop(a, sa, "unprotected");
        return;
    }
    if (a->bridge_fn == NULL)
        return;
    uint8_t eth[DOT11_ETHER_HDR_LEN + AP_MSDU_MAX];
    int n = dot11_ether_write(eth, sizeof(eth), &e);
    if (n < 0) {
        ap_trace_drop(a, sa, "too_long");
        return;
    }
    /* Last thing we do: the bridge may call back into the AP. */
    a->bridge_fn(a->bridge_ctx, eth, (size_t)n);
}
