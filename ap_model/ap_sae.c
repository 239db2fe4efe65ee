/* ap_model/ap_sae.c — the AP's side of SAE (IEEE 802.11-2020 12.4.8), as
 * hostapd's AP runs it (ieee802_11.c, sae_sm_step):
 *
 *   state      frame from the station       action                         next
 *   (none)     Commit, token needed/absent  status 76 + anti-clogging token (none)
 *   (none)     Commit, bad scalar/element   status 1                       (none)
 *   (none)     Commit, other group          status 77                      (none)
 *   (none)     Commit, good                 our Commit, then our Confirm   CONFIRMED
 *   CONFIRMED  Commit (a retry)             start over with it             CONFIRMED
 *   CONFIRMED  Confirm that verifies        State 2, PMK kept              ACCEPTED
 *   CONFIRMED  Confirm that does not        dropped (12.4.8.6.6): a wrong  CONFIRMED
 *                                           password shows as silence
 * Anti-clogging (12.4.6): when more than sae_threshold exchanges are in
 * progress (0: always), a Commit must carry the token we handed out,
 * HMAC-SHA-256(secret, station MAC), 32 octets, placed between the group
 * and the scalar. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "ap_model/ap_internal.h"
#include "dot11/sae.h"

#define TOKEN_LEN 32u

static void trace_sae(ap *a, const uint8_t *mac, const char *event, int seq, int status)
{
    sim_trace_rec *r = sim_trace_begin(sim_trace_of(a->s), SIM_LOG_INFO, a->name, event);
    if (r == NULL)
        return;
    char m[18];
    ap_mac_str(mac, m);
    sim_trace_str(r, "sta", m);
    sim_trace_int(r, "seq", seq);
    sim_trace_int(r, "status", status);
    sim_trace_end(r);
}

static void send_auth(ap *a, const uint8_t *da, uint16_t seq, uint16_t status,
                      const uint8_t *body, size_t len)
{
    struct dot11_mgmt_hdr h;
    uint8_t buf[64 + DOT11_SAE_COMMIT_MAX + TOKEN_LEN];
    ap_mgmt_hdr(a, &h, da);
    int n = dot11_build_auth_body(buf, sizeof buf, &h, DOT11_AUTH_ALG_SAE, seq, status, body, len);
    if (n > 0)
        ap_tx(a, buf, n, a->mgmt_rate);
}

static int in_progress(const ap *a)
{
    int n = 0;
    for (int i = 0; i < a->nslots; i++)
        n += a->stas[i].in_use && a->stas[i].sae != NULL && !a->stas[i].sae_accepted;
    return n;
}

static void token_for(ap *a, const uint8_t mac[6], uint8_t out[TOKEN_LEN])
{
    unsigned int n = 0;
    if (!a->sae_token_ready) {
        sim_rng_bytes(a->rng, a->sae_token_key, sizeof a->sae_token_key);
        a->sae_token_ready = true;
    }
    HMAC(EVP_sha256(), a->sae_token_key, sizeof a->sae_token_key, mac, 6, out, &n);
}

void ap_sae_forget(ap_sta *sta)
{
    dot11_sae_free(sta->sae);
    sta->sae = NULL;
    sta->sae_accepted = false;
}

static void rx_commit(ap *a, const struct dot11_mgmt *m)
{
    const uint8_t *sa = m->hdr.addr2;
    const uint8_t *body = m->ies;
    size_t len = m->ies_len;
    if (body == NULL || len < 2) {
        trace_sae(a, sa, "sae_commit", 1, DOT11_STATUS_REFUSED);
        send_auth(a, sa, 1, DOT11_STATUS_REFUSED, NULL, 0);
        return;
    }
    uint16_t group = (uint16_t)(body[0] | body[1] << 8);
    if (group != DOT11_SAE_GROUP_19) {
        /* 12.4.8.6.3: name the group we support. */
        uint8_t g[2] = {DOT11_SAE_GROUP_19, 0};
        trace_sae(a, sa, "sae_commit", 1, DOT11_STATUS_FINITE_CYCLIC_GROUP_UNSUPPORTED);
        send_auth(a, sa, 1, DOT11_STATUS_FINITE_CYCLIC_GROUP_UNSUPPORTED, g, sizeof g);
        return;
    }
    ap_sta *sta = ap_sta_find(a, sa);
    size_t token_len = 0;
    bool need_token = in_progress(a) - (sta && sta->sae && !sta->sae_accepted) >= a->sae_threshold;
    if (need_token) {
        uint8_t want[TOKEN_LEN];
        token_for(a, sa, want);
        /* A Commit with our token has it right after the group. */
        if (len >= 2 + TOKEN_LEN + 96 && memcmp(body + 2, want, TOKEN_LEN) == 0) {
            token_len = TOKEN_LEN;
        } else {
            uint8_t b[2 + TOKEN_LEN] = {DOT11_SAE_GROUP_19, 0};
            memcpy(b + 2, want, TOKEN_LEN);
            trace_sae(a, sa, "sae_commit", 1, DOT11_STATUS_ANTI_CLOGGING_TOKEN_REQ);
            send_auth(a, sa, 1, DOT11_STATUS_ANTI_CLOGGING_TOKEN_REQ, b, sizeof b);
            return;
        }
    }
    if (sta == NULL && (sta = ap_sta_alloc_for(a, sa)) == NULL) {
        trace_sae(a, sa, "sae_commit", 1, DOT11_STATUS_AP_UNABLE_TO_HANDLE_NEW_STA);
        send_auth(a, sa, 1, DOT11_STATUS_AP_UNABLE_TO_HANDLE_NEW_STA, NULL, 0);
        return;
    }
    /* A new Commit starts the exchange over (the station retried). */
    ap_sae_forget(sta);
    sta->sae = dot11_sae_new(a->bssid, sa, a->sae_password, NULL);
    if (sta->sae != NULL) {
        /* rand and mask from the run's stream: byte-identical reruns */
        uint8_t rm[64];
        sim_rng_bytes(a->rng, rm, sizeof rm);
        dot11_sae_set_rand_mask(sta->sae, rm, rm + 32);
        memset(rm, 0, sizeof rm);
    }
    int rc = sta->sae ? dot11_sae_process_commit(sta->sae, body, len, token_len) : DOT11_SAE_ELIB;
    if (rc != 0) {
        ap_sae_forget(sta);
        trace_sae(a, sa, "sae_commit", 1, DOT11_STATUS_REFUSED);
        send_auth(a, sa, 1, DOT11_STATUS_REFUSED, NULL, 0);
        return;
    }
    uint8_t out[DOT11_SAE_COMMIT_MAX];
    size_t n = 0;
    trace_sae(a, sa, "sae_commit", 1, DOT11_STATUS_SUCCESS);
    if (dot11_sae_write_commit(sta->sae, NULL, 0, out, sizeof out, &n) == 0)
        send_auth(a, sa, 1, DOT11_STATUS_SUCCESS, out, n);
    if (dot11_sae_write_confirm(sta->sae, 1, out, sizeof out, &n) == 0)
        send_auth(a, sa, 2, DOT11_STATUS_SUCCESS, out, n);
}

static void rx_confirm(ap *a, const struct dot11_mgmt *m)
{
    const uint8_t *sa = m->hdr.addr2;
    ap_sta *sta = ap_sta_find(a, sa);
    if (sta == NULL || sta->sae == NULL || sta->sae_accepted || m->ies == NULL)
        return;
    if (dot11_sae_check_confirm(sta->sae, m->ies, m->ies_len) != 0) {
        /* 12.4.8.6.6: a Confirm that does not verify is discarded. */
        trace_sae(a, sa, "sae_confirm_mismatch", 2, -1);
        return;
    }
    dot11_sae_keys(sta->sae, sta->sae_pmk, NULL, NULL);
    sta->sae_accepted = true;
    trace_sae(a, sa, "sae_accepted", 2, DOT11_STATUS_SUCCESS);
    ap_sta_authenticated(sta);
}

void ap_sae_rx_auth(ap *a, const struct dot11_mgmt *m)
{
    /* Statuses other than success from a station are not part of the
     * exchange an AP answers. */
    if (m->u.auth.status != DOT11_STATUS_SUCCESS)
        return;
    if (m->u.auth.transaction_seq == 1)
        rx_commit(a, m);
    else if (m->u.auth.transaction_seq == 2)
        rx_confirm(a, m);
}
