/* ap_model/ap_pmf.c — protected management frames on the AP (IEEE
 * 802.11-2020 12.6.8, 11.13), as hostapd runs them with ieee80211w=1/2:
 *   RSNE capabilities MFPC (bit 7) and, when required, MFPR (bit 6);
 *   the IGTK (Key ID 4) in message 3 of the 4-way handshake (IGTK KDE);
 *   deauthentication and disassociation to a PMF station CCMP-protected
 *   with its TK once the PTK is in place;
 *   from a PMF station with keys: unprotected deauthentication,
 *   disassociation and action frames are dropped, protected ones are
 *   decrypted and replay-checked, and an SA Query Request is answered with
 *   a protected SA Query Response (11.13.2). */
#include <string.h>

#include "ap_model/ap_internal.h"
#include "dot11/bip.h"

#define RSN_CAP_MFPR 0x0040
#define RSN_CAP_MFPC 0x0080

void ap_pmf_configure(ap *a, int cfg_pmf)
{
    if (!a->rsn)
        a->pmf = 0;
    else if (cfg_pmf == 1)
        a->pmf = 0;
    else if (cfg_pmf == 2)
        a->pmf = 1;
    else if (cfg_pmf == 3)
        a->pmf = 2;
    else /* by security: WPA3 needs it (WPA3 spec 2.2), transition offers it */
        a->pmf = a->sae ? (a->passphrase[0] ? 1 : 2) : 0;
    a->rsn_desc.capabilities &= (uint16_t)~(RSN_CAP_MFPC | RSN_CAP_MFPR);
    if (a->pmf >= 1)
        a->rsn_desc.capabilities |= RSN_CAP_MFPC;
    if (a->pmf == 2)
        a->rsn_desc.capabilities |= RSN_CAP_MFPR;
}

int ap_pmf_igtk_kde(ap *a, const ap_sta *sta, uint8_t *buf, size_t cap)
{
    if (!sta->mfp)
        return 0;
    if (!a->igtk_ready) {
        sim_rng_bytes(a->rng, a->igtk, sizeof a->igtk);
        a->igtk_ready = true;
    }
    int n = dot11_kde_build_igtk(buf, cap, 4, a->ipn, a->igtk);
    return n > 0 ? n : -1;
}

static int send_protected(ap *a, ap_sta *sta, const uint8_t *frame, size_t len)
{
    uint8_t out[AP_FRAME_MAX];
    size_t n = 0;
    if (sta->tx_pn >= DOT11_CCMP_PN_MAX)
        return -1;
    if (dot11_mgmt_protect(dot11_ptk_tk(sta->ptk), sta->tx_pn + 1, frame, len, out, sizeof out, &n) != 0)
        return -1;
    sta->tx_pn++;
    return ap_tx(a, out, (int)n, a->mgmt_rate) < 0 ? -1 : 0;
}

void ap_pmf_send_leave(ap *a, ap_sta *sta, uint8_t subtype, uint16_t reason)
{
    if (!sta->mfp || !sta->ptk_installed) {
        if (subtype == DOT11_STYPE_DEAUTH)
            ap_send_deauth(a, sta->mac, reason);
        else
            ap_send_disassoc(a, sta->mac, reason);
        return;
    }
    struct dot11_mgmt_hdr h;
    uint8_t buf[64];
    ap_trace_sta(a, SIM_LOG_INFO, subtype == DOT11_STYPE_DEAUTH ? "deauth" : "disassoc", sta->mac,
                 "reason", reason, "to");
    ap_mgmt_hdr(a, &h, sta->mac);
    int n = subtype == DOT11_STYPE_DEAUTH ? dot11_build_deauth(buf, sizeof buf, &h, reason)
                                          : dot11_build_disassoc(buf, sizeof buf, &h, reason);
    if (n > 0)
        send_protected(a, sta, buf, (size_t)n);
}

/* 11.13.2: the answer to a protected SA Query Request, same transaction. */
static void sa_query_response(ap *a, ap_sta *sta, const uint8_t id[2])
{
    uint8_t f[24 + 4];
    memset(f, 0, sizeof f);
    f[0] = DOT11_STYPE_ACTION << 4;
    memcpy(f + 4, sta->mac, 6);
    memcpy(f + 10, a->bssid, 6);
    memcpy(f + 16, a->bssid, 6);
    uint16_t seq = ap_next_seq(a);
    f[22] = (uint8_t)(seq << 4);
    f[23] = (uint8_t)(seq >> 4);
    size_t n = 0;
    dot11_sa_query_build(f + 24, 4, DOT11_SA_QUERY_RESPONSE, id, &n);
    ap_trace_sta(a, SIM_LOG_INFO, "sa_query_response", sta->mac, NULL, 0, "to");
    send_protected(a, sta, f, sizeof f);
}

static bool robust(uint8_t subtype)
{
    return subtype == DOT11_STYPE_DEAUTH || subtype == DOT11_STYPE_DISASSOC ||
           subtype == DOT11_STYPE_ACTION;
}

bool ap_pmf_rx(ap *a, const struct dot11_hdr *hdr, const uint8_t **frame, size_t *len,
               uint8_t *buf, size_t cap)
{
    ap_sta *sta = ap_sta_find(a, hdr->addr2);
    bool keyed = sta != NULL && sta->mfp && sta->ptk_installed;
    if (!hdr->protected_frame) {
        /* 12.6.8: with PMF and keys, robust frames must be protected. */
        if (keyed && robust(hdr->subtype)) {
            ap_trace_drop(a, hdr->addr2, "pmf_unprotected");
            return false;
        }
        return true;
    }
    uint64_t pn = 0;
    size_t n = 0;
    if (!keyed || !robust(hdr->subtype) ||
        dot11_mgmt_unprotect(dot11_ptk_tk(sta->ptk), *frame, *len, buf, cap, &n, &pn) != 0) {
        ap_trace_drop(a, hdr->addr2, "pmf_undecryptable");
        return false;
    }
    if (pn <= sta->rx_mgmt_pn) {
        ap_trace_drop(a, hdr->addr2, "pmf_replay");
        return false;
    }
    sta->rx_mgmt_pn = pn;
    *frame = buf;
    *len = n;
    if (hdr->subtype == DOT11_STYPE_ACTION) {
        int action;
        uint8_t id[2];
        if (n >= 24 && dot11_sa_query_parse(buf + 24, n - 24, &action, id) == 0 &&
            action == DOT11_SA_QUERY_REQUEST)
            sa_query_response(a, sta, id);
        *len = 0;
    }
    return true;
}
