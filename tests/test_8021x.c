/* The AP's 802.1X authenticator (ap_model/ap_8021x.c) between an EAP peer
 * and a real FreeRADIUS reached through sim/radius_link.c, on virtual time:
 * joins with each method give the AP the PMK the peer derived; a refused
 * password, a server that is down and a slow server behave as the header
 * says (deauthentication reason 23 after hostapd's retransmissions; a
 * retransmission answered from the server's duplicate cache). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ap_model/ap_8021x.h"
#include "eap/eap_peer.h"
#include "eap/eapol.h"
#include "eap/freeradius.h"
#include "sim/radius_link.h"
#include "sim/sim.h"
#include "sim/trace.h"

#define SECRET "rig-secret"
static const uint8_t STA[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t BSSID[6] = {0x02, 0, 0, 0, 0xaa, 0x01};

typedef struct {
    freeradius *srv;
    char dir[512];
} fixture;

typedef struct world {
    sim *s;
    ap_8021x *x;
    radius_link *link;
    eap_peer *peer;
    eap_peer_result peer_result;
    int authorized, failed;
    uint16_t reason;
    uint8_t ap_pmk[32];
    sim_time done_at;
    int to_server, from_server;
    /* a frame in flight, one each way */
    uint8_t buf[2][2048];
    size_t len[2];
} world;

static void sta_rx(void *arg);
static void ap_rx(void *arg);

static void send_eapol(void *ctx, const uint8_t sta[6], const uint8_t *f, size_t n)
{
    world *w = ctx;
    assert_memory_equal(sta, STA, 6);
    memcpy(w->buf[0], f, n);
    w->len[0] = n;
    sim_after(w->s, SIM_MS(1), sta_rx, w);
}

static void sta_rx(void *arg)
{
    world *w = arg;
    int type;
    const uint8_t *body;
    size_t blen;
    assert_int_equal(eapol_parse(w->buf[0], w->len[0], &type, &body, &blen), 0);
    assert_int_equal(type, EAPOL_TYPE_EAP_PACKET);
    uint8_t resp[EAP_PEER_MAX_PACKET];
    size_t rl = 0;
    eap_peer_result r = eap_peer_rx(w->peer, body, blen, resp, sizeof resp, &rl);
    if (r == EAP_PEER_RESPOND) {
        w->len[1] = eapol_build(w->buf[1], sizeof w->buf[1], EAPOL_TYPE_EAP_PACKET, resp, rl);
        sim_after(w->s, SIM_MS(1), ap_rx, w);
    } else if (r != EAP_PEER_IGNORE) {
        w->peer_result = r;
    }
}

static void ap_rx(void *arg)
{
    world *w = arg;
    ap_8021x_rx_eapol(w->x, STA, w->buf[1], w->len[1]);
}

static void authorized(void *ctx, const uint8_t sta[6], const uint8_t pmk[32])
{
    world *w = ctx;
    (void)sta;
    w->authorized++;
    memcpy(w->ap_pmk, pmk, 32);
    w->done_at = sim_now(w->s);
}

static void failed(void *ctx, const uint8_t sta[6], uint16_t reason)
{
    world *w = ctx;
    (void)sta;
    w->failed++;
    w->reason = reason;
    w->done_at = sim_now(w->s);
}

static void deliver(void *ctx, const uint8_t *pkt, size_t len)
{
    world *w = ctx;
    ap_8021x_rx_radius(w->x, pkt, len);
}

static void capture(void *ctx, bool to_server, const uint8_t *pkt, size_t len)
{
    world *w = ctx;
    (void)pkt;
    (void)len;
    if (to_server)
        w->to_server++;
    else
        w->from_server++;
}

static void start(void *arg)
{
    world *w = arg;
    ap_8021x_start(w->x, STA);
}

static void run(fixture *f, world *w, const eap_peer_config *pc, bool down, sim_time latency)
{
    memset(w, 0, sizeof *w);
    w->s = sim_create(&(sim_config){.seed = 7}, NULL);
    assert_non_null(w->s);
    if (getenv("TEST_8021X_LOG"))
        sim_trace_set_log(sim_trace_of(w->s), stderr, SIM_LOG_DEBUG);
    sim_err err = {0};
    w->link = radius_link_create(w->s, "radius", freeradius_port(f->srv), latency, deliver, w, &err);
    assert_non_null(w->link);
    radius_link_set_down(w->link, down);
    radius_link_set_capture(w->link, capture, w);
    ap_8021x_ops ops = {w, send_eapol, radius_link_send, w->link, authorized, failed};
    ap_8021x_config c = {.name = "ap", .secret = SECRET, .ssid = "corp", .nas_ip = 0x0a000203};
    memcpy(c.bssid, BSSID, 6);
    w->x = ap_8021x_create(w->s, &c, &ops, &err);
    assert_non_null(w->x);
    char e[256];
    w->peer = eap_peer_new(pc, e, sizeof e);
    assert_non_null(w->peer);
    sim_after(w->s, SIM_MS(10), start, w);
    sim_run_until(w->s, SIM_SEC(300));
}

static void finish(world *w)
{
    eap_peer_free(w->peer);
    ap_8021x_destroy(w->x);
    radius_link_destroy(w->link);
    sim_destroy(w->s);
}

static int setup(void **state)
{
    static const freeradius_user users[] = {{"alice", "wonderland"}};
    static const freeradius_client_cert certs[] = {{"cam1", 0}};
    fixture *f = calloc(1, sizeof *f);
    mkdir(LINKRIG_BUILD_DIR "/test-out", 0755);
    snprintf(f->dir, sizeof f->dir, "%s", LINKRIG_BUILD_DIR "/test-out/8021x-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    strcat(f->dir, "/radius");
    freeradius_config c = {.dir = f->dir, .secret = SECRET, .users = users, .nusers = 1,
                           .client_certs = certs, .nclient_certs = 1};
    char err[256];
    int code;
    f->srv = freeradius_start(&c, &code, err, sizeof err);
    if (!f->srv)
        fprintf(stderr, "%s\n", err);
    *state = f;
    return f->srv ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    freeradius_stop(f->srv);
    free(f);
    return 0;
}

static eap_peer_config peap(fixture *f, const char *pw)
{
    return (eap_peer_config){.method = EAP_METHOD_PEAP_MSCHAPV2, .identity = "alice",
                             .anonymous_identity = "anonymous", .password = pw,
                             .ca_cert_pem = freeradius_ca_pem(f->srv)};
}

static void pmk_reaches_the_ap(void **state)
{
    fixture *f = *state;
    static world w;
    eap_peer_config pcs[3] = {peap(f, "wonderland"),
                              {.method = EAP_METHOD_TTLS_PAP, .identity = "alice", .password = "wonderland",
                               .ca_cert_pem = freeradius_ca_pem(f->srv)},
                              {.method = EAP_METHOD_TLS, .identity = "cam1",
                               .ca_cert_pem = freeradius_ca_pem(f->srv)}};
    assert_int_equal(freeradius_client_pem(f->srv, "cam1", &pcs[2].client_cert_pem, &pcs[2].client_key_pem), 0);
    for (int i = 0; i < 3; i++) {
        run(f, &w, &pcs[i], false, SIM_MS(2));
        assert_int_equal(w.peer_result, EAP_PEER_SUCCESS);
        assert_int_equal(w.authorized, 1);
        assert_int_equal(w.failed, 0);
        uint8_t msk[EAP_MSK_LEN];
        assert_int_equal(eap_peer_msk(w.peer, msk), 0);
        assert_memory_equal(msk, w.ap_pmk, 32);
        assert_true(w.to_server >= 3 && w.to_server == w.from_server);
        /* Each RADIUS round trip costs the latency plus 2 ms on the air:
         * the join's length is a function of the exchange, not the host. */
        assert_true(w.done_at < SIM_SEC(1));
        finish(&w);
    }
}

static void refused_password_deauthenticates(void **state)
{
    fixture *f = *state;
    static world w;
    eap_peer_config pc = peap(f, "looking-glass");
    run(f, &w, &pc, false, SIM_MS(2));
    assert_int_equal(w.peer_result, EAP_PEER_FAILURE);
    assert_int_equal(eap_peer_failure(w.peer), EAP_FAIL_REJECTED);
    assert_int_equal(w.authorized, 0);
    assert_int_equal(w.failed, 1);
    assert_int_equal(w.reason, AP_8021X_REASON_AUTH_FAILED);
    /* Refused by the server, not timed out: every request was answered. */
    assert_true(w.from_server >= 3);
    assert_int_equal(w.to_server, w.from_server);
    assert_true(w.done_at < SIM_SEC(1));
    finish(&w);
}

static void server_down_times_out(void **state)
{
    fixture *f = *state;
    static world w;
    eap_peer_config pc = peap(f, "wonderland");
    run(f, &w, &pc, true, SIM_MS(2));
    assert_int_equal(w.failed, 1);
    assert_int_equal(w.reason, AP_8021X_REASON_AUTH_FAILED);
    /* 5 sends: at 0, 3, 9, 21, 45 s; given up 93 s after the first (3+6+12+24+48). */
    assert_int_equal(w.to_server, 5);
    assert_int_equal(w.from_server, 0);
    assert_true(w.done_at > SIM_SEC(90) && w.done_at < SIM_SEC(100));
    assert_int_equal(w.peer_result, EAP_PEER_FAILURE);
    finish(&w);
}

static void slow_server_is_retransmitted_to(void **state)
{
    fixture *f = *state;
    static world w;
    eap_peer_config pc = peap(f, "wonderland");
    /* 4 s of latency: every request is sent again at 3 s, and the first
     * answer (4 s) is taken; the duplicate is ignored. */
    run(f, &w, &pc, false, SIM_SEC(4));
    assert_int_equal(w.authorized, 1);
    assert_true(w.to_server > w.from_server / 2);
    assert_true(w.to_server >= 2 * 3);
    finish(&w);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(pmk_reaches_the_ap),
        cmocka_unit_test(refused_password_deauthenticates),
        cmocka_unit_test(server_down_times_out),
        cmocka_unit_test(slow_server_is_retransmitted_to),
    };
    return cmocka_run_group_tests(t, setup, teardown);
}
