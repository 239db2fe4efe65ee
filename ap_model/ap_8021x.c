/* ap_model/ap_8021x.c — see ap_8021x.h.
 *
 * Per-station states (IEEE 802.1X-2004 8.2.9 backend, simplified to what
 * a pass-through authenticator observably does):
 *
 *   state        event                       action                    next
 *   IDLE         start / EAPOL-Start         EAP-Req/Identity          EAP_WAIT
 *   EAP_WAIT     EAP-Response                Access-Request            AAA_WAIT
 *   EAP_WAIT     timer, sends < max          resend EAP request        EAP_WAIT
 *   EAP_WAIT     timer, sends = max          failed(23)                IDLE
 *   AAA_WAIT     Access-Challenge            its EAP-Request           EAP_WAIT
 *   AAA_WAIT     Access-Accept               EAP-Success, authorized   DONE
 *   AAA_WAIT     Access-Reject               EAP-Failure, failed(23)   IDLE
 *   AAA_WAIT     timer, sends < max          resend, wait doubled      AAA_WAIT
 *   AAA_WAIT     timer, sends = max          EAP-Failure, failed(23)   IDLE
 *   any          EAPOL-Logoff / forget       cancel timers             (free)
 */
#include "ap_model/ap_8021x.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eap/eap_peer.h"
#include "eap/eapol.h"
#include "eap/radius.h"
#include "sim/rng.h"
#include "sim/trace.h"

#define MAX_STA 32
#define EAP_MAX 1500u

typedef enum { ST_IDLE, ST_EAP_WAIT, ST_AAA_WAIT, ST_DONE } st;

typedef struct sta8021x {
    ap_8021x *owner;
    int in_use;
    uint8_t mac[6];
    st state;
    uint8_t eap_id;               /* identifier of the pending EAP-Request */
    uint8_t eap_req[EAP_MAX];     /* for retransmission */
    size_t eap_req_len;
    int eap_sends;
    char identity[128];
    uint8_t state_attr[RADIUS_STATE_MAX];
    size_t state_len;
    uint8_t rad_id;
    uint8_t rad_auth[RADIUS_AUTH_LEN];
    uint8_t rad_pkt[RADIUS_MAX_LEN];
    size_t rad_len;
    int rad_sends;
    uint32_t rad_wait_ms;
    sim_timer_id timer;
} sta8021x;

struct ap_8021x {
    sim *s;
    ap_8021x_config cfg;
    char name[32], secret[128], ssid[33];
    ap_8021x_ops ops;
    sim_rng *rng;
    uint8_t next_rad_id;
    sta8021x sta[MAX_STA];
};

static void mac_str(const uint8_t *m, char *out, char sep)
{
    snprintf(out, 18, "%02X%c%02X%c%02X%c%02X%c%02X%c%02X", m[0], sep, m[1], sep, m[2], sep, m[3],
             sep, m[4], sep, m[5]);
}

static void trace(ap_8021x *x, const sta8021x *st_, const char *event, const char *key, int64_t v,
                  const char *skey, const char *sval)
{
    sim_trace_rec *r = sim_trace_begin(sim_trace_of(x->s), SIM_LOG_INFO, x->name, event);
    if (!r)
        return;
    if (st_) {
        char m[18];
        mac_str(st_->mac, m, ':');
        sim_trace_str(r, "sta", m);
    }
    if (key)
        sim_trace_int(r, key, v);
    if (skey)
        sim_trace_str(r, skey, sval);
    sim_trace_end(r);
}

ap_8021x *ap_8021x_create(sim *s, const ap_8021x_config *cfg, const ap_8021x_ops *ops,
                          sim_err *err)
{
    if (!s || !cfg || !ops || !cfg->secret || !*cfg->secret || !cfg->ssid) {
        sim_err_set(err, SIM_EINVAL, "802.1X: a RADIUS secret and an SSID are required");
        return NULL;
    }
    ap_8021x *x = calloc(1, sizeof *x);
    if (!x) {
        sim_err_set(err, SIM_ENOMEM, "802.1X: out of memory");
        return NULL;
    }
    x->s = s;
    x->cfg = *cfg;
    x->ops = *ops;
    snprintf(x->name, sizeof x->name, "%s", cfg->name ? cfg->name : "ap");
    snprintf(x->secret, sizeof x->secret, "%s", cfg->secret);
    snprintf(x->ssid, sizeof x->ssid, "%s", cfg->ssid);
    x->cfg.name = x->name;
    x->cfg.secret = x->secret;
    x->cfg.ssid = x->ssid;
    if (!x->cfg.eap_retrans_ms)
        x->cfg.eap_retrans_ms = 3000;
    if (x->cfg.eap_max_retrans <= 0)
        x->cfg.eap_max_retrans = 4;
    if (!x->cfg.radius_first_wait_ms)
        x->cfg.radius_first_wait_ms = 3000;
    if (x->cfg.radius_max_sends <= 0)
        x->cfg.radius_max_sends = 5;
    char stream[64];
    snprintf(stream, sizeof stream, "%s.8021x", x->name);
    x->rng = sim_rng_stream(s, stream);
    for (int i = 0; i < MAX_STA; i++)
        x->sta[i].owner = x;
    return x;
}

static void cancel(sta8021x *t)
{
    if (t->timer) {
        sim_cancel(t->owner->s, t->timer);
        t->timer = 0;
    }
}

void ap_8021x_destroy(ap_8021x *x)
{
    if (!x)
        return;
    for (int i = 0; i < MAX_STA; i++)
        cancel(&x->sta[i]);
    free(x);
}

static sta8021x *find(ap_8021x *x, const uint8_t mac[6], int create)
{
    sta8021x *free_slot = NULL;
    for (int i = 0; i < MAX_STA; i++) {
        sta8021x *t = &x->sta[i];
        if (t->in_use && memcmp(t->mac, mac, 6) == 0)
            return t;
        if (!t->in_use && !free_slot)
            free_slot = t;
    }
    if (!create || !free_slot)
        return NULL;
    memset(free_slot, 0, sizeof *free_slot);
    free_slot->owner = x;
    free_slot->in_use = 1;
    memcpy(free_slot->mac, mac, 6);
    return free_slot;
}

static void send_eap(sta8021x *t, const uint8_t *eap, size_t len)
{
    uint8_t f[EAPOL_HDR_LEN + EAP_MAX];
    size_t n = eapol_build(f, sizeof f, EAPOL_TYPE_EAP_PACKET, eap, len);
    if (n)
        t->owner->ops.send_eapol(t->owner->ops.ctx, t->mac, f, n);
}

static void fail(sta8021x *t, const char *why);

static void eap_timeout(void *arg)
{
    sta8021x *t = arg;
    t->timer = 0;
    if (t->state != ST_EAP_WAIT)
        return;
    if (t->eap_sends > t->owner->cfg.eap_max_retrans) {
        fail(t, "eap_timeout");
        return;
    }
    t->eap_sends++;
    send_eap(t, t->eap_req, t->eap_req_len);
    t->timer = sim_after(t->owner->s, SIM_MS(t->owner->cfg.eap_retrans_ms), eap_timeout, t);
}

/* An EAP-Request to the station, kept for retransmission. */
static void request(sta8021x *t, const uint8_t *eap, size_t len)
{
    if (len > sizeof t->eap_req || len < 4)
        return;
    cancel(t);
    memcpy(t->eap_req, eap, len);
    t->eap_req_len = len;
    t->eap_id = eap[1];
    t->eap_sends = 1;
    t->state = ST_EAP_WAIT;
    send_eap(t, eap, len);
    t->timer = sim_after(t->owner->s, SIM_MS(t->owner->cfg.eap_retrans_ms), eap_timeout, t);
}

static void fail(sta8021x *t, const char *why)
{
    ap_8021x *x = t->owner;
    cancel(t);
    trace(x, t, "8021x_failed", "reason", AP_8021X_REASON_AUTH_FAILED, "why", why);
    t->state = ST_IDLE;
    uint8_t mac[6];
    memcpy(mac, t->mac, 6);
    t->in_use = 0;
    x->ops.failed(x->ops.ctx, mac, AP_8021X_REASON_AUTH_FAILED);
}

void ap_8021x_start(ap_8021x *x, const uint8_t sta[6])
{
    sta8021x *t = find(x, sta, 1);
    if (!t)
        return;
    cancel(t);
    t->state_len = 0;
    t->identity[0] = 0;
    /* RFC 3748 5.1: the first request asks for the identity. */
    uint8_t id = (uint8_t)(t->eap_id + 1);
    uint8_t eap[5] = {EAP_CODE_REQUEST, id, 0, 5, EAP_TYPE_IDENTITY};
    trace(x, t, "8021x_start", NULL, 0, NULL, NULL);
    request(t, eap, sizeof eap);
}

void ap_8021x_forget(ap_8021x *x, const uint8_t sta[6])
{
    sta8021x *t = find(x, sta, 0);
    if (t) {
        cancel(t);
        t->in_use = 0;
    }
}

static void radius_timeout(void *arg);

static void radius_transmit(sta8021x *t)
{
    ap_8021x *x = t->owner;
    t->rad_sends++;
    trace(x, t, "radius_request", "id", t->rad_id, NULL, NULL);
    x->ops.radius_send(x->ops.radius_ctx, t->rad_pkt, t->rad_len);
    if (t->state == ST_AAA_WAIT && !t->timer) /* the reply may already have come */
        t->timer = sim_after(x->s, SIM_MS(t->rad_wait_ms), radius_timeout, t);
}

static void radius_timeout(void *arg)
{
    sta8021x *t = arg;
    t->timer = 0;
    if (t->state != ST_AAA_WAIT)
        return;
    if (t->rad_sends >= t->owner->cfg.radius_max_sends) {
        trace(t->owner, t, "radius_timeout", "sends", t->rad_sends, NULL, NULL);
        uint8_t eap[4] = {EAP_CODE_FAILURE, t->eap_id, 0, 4};
        send_eap(t, eap, sizeof eap);
        fail(t, "radius_timeout");
        return;
    }
    t->rad_wait_ms *= 2;
    if (t->rad_wait_ms > 120000) /* RADIUS_CLIENT_MAX_WAIT */
        t->rad_wait_ms = 120000;
    radius_transmit(t);
}

static void to_server(sta8021x *t, const uint8_t *eap, size_t len)
{
    ap_8021x *x = t->owner;
    char calling[18], called[64];
    mac_str(t->mac, calling, '-');
    mac_str(x->cfg.bssid, called, '-');
    /* RFC 3580 3.20: Called-Station-Id is "BSSID:SSID". */
    size_t cl = strlen(called);
    snprintf(called + cl, sizeof called - cl, ":%s", x->ssid);
    radius_request rq = {
        .user_name = t->identity[0] ? t->identity : NULL,
        .calling_station_id = calling,
        .called_station_id = called,
        .nas_ip = x->cfg.nas_ip,
        .eap = eap,
        .eap_len = len,
        .state = t->state_len ? t->state_attr : NULL,
        .state_len = t->state_len,
        .framed_mtu = 1400,
    };
    t->rad_id = x->next_rad_id++;
    sim_rng_bytes(x->rng, t->rad_auth, sizeof t->rad_auth);
    char err[128];
    if (radius_build_request(t->rad_pkt, sizeof t->rad_pkt, &t->rad_len, t->rad_id, t->rad_auth,
                             x->secret, &rq, err, sizeof err) != 0) {
        trace(x, t, "radius_error", NULL, 0, "msg", err);
        fail(t, "radius_build");
        return;
    }
    cancel(t);
    t->state = ST_AAA_WAIT;
    t->rad_sends = 0;
    t->rad_wait_ms = x->cfg.radius_first_wait_ms;
    radius_transmit(t);
}

void ap_8021x_rx_eapol(ap_8021x *x, const uint8_t sta[6], const uint8_t *eapol, size_t len)
{
    int type;
    const uint8_t *body;
    size_t blen;
    if (!x || eapol_parse(eapol, len, &type, &body, &blen) != 0)
        return;
    if (type == EAPOL_TYPE_START) {
        ap_8021x_start(x, sta);
        return;
    }
    sta8021x *t = find(x, sta, 0);
    if (!t)
        return;
    if (type == EAPOL_TYPE_LOGOFF) {
        trace(x, t, "8021x_logoff", NULL, 0, NULL, NULL);
        ap_8021x_forget(x, sta);
        return;
    }
    if (type != EAPOL_TYPE_EAP_PACKET || blen < 5)
        return;
    size_t elen = ((size_t)body[2] << 8) | body[3];
    /* RFC 3748 4.1: only a Response to the pending Request counts. */
    if (body[0] != EAP_CODE_RESPONSE || elen < 5 || elen > blen || t->state != ST_EAP_WAIT ||
        body[1] != t->eap_id)
        return;
    if (body[4] == EAP_TYPE_IDENTITY) {
        size_t il = elen - 5 < sizeof t->identity - 1 ? elen - 5 : sizeof t->identity - 1;
        for (size_t i = 0; i < il; i++)
            t->identity[i] = body[5 + i] >= 0x20 && body[5 + i] < 0x7f ? (char)body[5 + i] : '?';
        t->identity[il] = 0;
        trace(x, t, "eap_identity", NULL, 0, "identity", t->identity);
    }
    to_server(t, body, elen);
}

static sta8021x *by_radius_id(ap_8021x *x, uint8_t id)
{
    for (int i = 0; i < MAX_STA; i++)
        if (x->sta[i].in_use && x->sta[i].state == ST_AAA_WAIT && x->sta[i].rad_id == id)
            return &x->sta[i];
    return NULL;
}

void ap_8021x_rx_radius(ap_8021x *x, const uint8_t *pkt, size_t len)
{
    if (!x || !pkt || len < RADIUS_HDR_LEN)
        return;
    sta8021x *t = by_radius_id(x, pkt[1]);
    if (!t) /* a duplicate answer to a retransmission, or nobody's */
        return;
    static radius_reply rr; /* large; the model runs on one thread */
    char err[160];
    if (radius_parse_reply(pkt, len, t->rad_id, t->rad_auth, x->secret, &rr, err, sizeof err) != 0) {
        trace(x, t, "radius_dropped", NULL, 0, "msg", err);
        return;
    }
    cancel(t);
    trace(x, t, "radius_reply", "code", rr.code, NULL, NULL);
    memcpy(t->state_attr, rr.state, rr.state_len);
    t->state_len = rr.state_len;
    switch (rr.code) {
    case RADIUS_ACCESS_CHALLENGE:
        if (rr.eap_len >= 5 && rr.eap[0] == EAP_CODE_REQUEST)
            request(t, rr.eap, rr.eap_len);
        else
            fail(t, "challenge_without_request");
        break;
    case RADIUS_ACCESS_ACCEPT: {
        if (!rr.have_mppe) {
            fail(t, "accept_without_keys");
            break;
        }
        uint8_t eap[4] = {EAP_CODE_SUCCESS, t->eap_id, 0, 4};
        send_eap(t, rr.eap_len >= 4 ? rr.eap : eap, rr.eap_len >= 4 ? rr.eap_len : sizeof eap);
        t->state = ST_DONE;
        trace(x, t, "8021x_accepted", NULL, 0, "identity", t->identity);
        x->ops.authorized(x->ops.ctx, t->mac, rr.mppe_recv);
        break;
    }
    default: {
        uint8_t eap[4] = {EAP_CODE_FAILURE, t->eap_id, 0, 4};
        send_eap(t, rr.eap_len >= 4 ? rr.eap : eap, rr.eap_len >= 4 ? rr.eap_len : sizeof eap);
        fail(t, "rejected");
        break;
    }
    }
}
