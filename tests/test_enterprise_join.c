/* WPA2-Enterprise over the air: the chip model (radio_model/radio.c) joins
 * an Enterprise AP (ap_model/) whose authenticator reaches a real
 * FreeRADIUS through sim/radius_link.c. Checked: PEAP-MSCHAPv2, TTLS-PAP and
 * EAP-TLS joins end keyed with data flowing; a refused password ends in
 * BADAUTH with the AP's deauthentication reason 23; an untrusted server
 * certificate ends in BADAUTH without the server refusing anything; tshark
 * decodes the EAP exchange in the air capture with no malformed frame. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ap_model/ap.h"
#include "eap/freeradius.h"
#include "radio_model/medium.h"
#include "radio_model/radio.h"
#include "sim/capture.h"
#include "sim/radius_link.h"
#include "sim/sim.h"
#include "sim/trace.h"

#define SECRET "rig-secret"
#define SSID "corp"

typedef struct {
    freeradius *srv, *untrusted;
    freeradius *use; /* the server the next build() wires the AP to */
    char dir[512];
} fixture;

typedef struct w {
    sim *s;
    medium *m;
    capture *air;
    ap *a;
    radio *r;
    radius_link *link;
    int ups, downs, rx_eth, bridge_rx;
    sim_time up_at;
} w;

static void on_up(void *ctx)
{
    w *x = ctx;
    if (!x->ups)
        x->up_at = sim_now(x->s);
    x->ups++;
}

static void on_down(void *ctx)
{
    ((w *)ctx)->downs++;
}

static void on_eth(void *ctx, const uint8_t *eth, size_t len)
{
    (void)eth;
    (void)len;
    ((w *)ctx)->rx_eth++;
}

static void bridge(void *ctx, const uint8_t *eth, size_t len)
{
    (void)eth;
    (void)len;
    ((w *)ctx)->bridge_rx++;
}

static void deliver(void *ctx, const uint8_t *pkt, size_t len)
{
    ap_radius_receive(((w *)ctx)->a, pkt, len);
}

static void send_one(void *arg)
{
    w *x = arg;
    uint8_t f[64] = {0x02, 0xee, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 1, 0x88, 0xb5, 0x42};
    radio_send_ethernet(x->r, f, sizeof f);
}

static void build(w *x, fixture *f, const char *pcap)
{
    memset(x, 0, sizeof *x);
    sim_err err = {0};
    x->s = sim_create(&(sim_config){.seed = 3}, &err);
    if (!getenv("TEST_ENT_LOG"))
        sim_trace_set_log(sim_trace_of(x->s), NULL, SIM_LOG_OFF);
    else
        sim_trace_set_log(sim_trace_of(x->s), stderr, SIM_LOG_INFO);
    capture_config cc = {.linktype = CAPTURE_LINKTYPE_IEEE802_11_RADIOTAP, .epoch_s = CAPTURE_DEFAULT_EPOCH_S};
    x->air = capture_open(pcap, &cc, &err);
    assert_non_null(x->air);
    medium_config mc;
    medium_config_default(&mc);
    mc.shadowing_sigma_db = 0;
    mc.air = x->air;
    x->m = medium_create(x->s, &mc, &err);
    assert_non_null(x->m);

    medium_node_config nc;
    medium_node_config_default(&nc);
    nc.name = "ap";
    uint8_t bssid[6] = {0x02, 0, 0, 0, 0xaa, 1};
    memcpy(nc.mac, bssid, 6);
    nc.channel = 6;
    medium_node *an = medium_attach(x->m, &nc, &err);
    dot11_air_port port;
    medium_node_air_port(an, &port);
    ap_config ac;
    ap_config_default(&ac);
    ac.name = "ap";
    ac.ssid = SSID;
    ac.radius_secret = SECRET;
    ac.nas_ip = 0x0a000203;
    memcpy(ac.bssid, bssid, 6);
    ac.channel = 6;
    x->a = ap_create(x->s, &port, &ac, &err);
    assert_non_null(x->a);
    assert_true(ap_enterprise(x->a));
    medium_node_set_rx(an, ap_receive, x->a);
    ap_set_bridge(x->a, bridge, x);
    x->link = radius_link_create(x->s, "radius", freeradius_port(f->use ? f->use : f->srv), SIM_MS(2), deliver, x, &err);
    assert_non_null(x->link);
    ap_set_radius(x->a, radius_link_send, x->link);

    nc.name = "cam";
    uint8_t mac[6] = {0x02, 0, 0, 0, 0, 1};
    memcpy(nc.mac, mac, 6);
    nc.x = 10;
    medium_node *sn = medium_attach(x->m, &nc, &err);
    medium_node_air_port(sn, &port);
    medium_set_monitor_node(x->m, sn);
    radio_config rc;
    radio_config_default(&rc);
    rc.name = "cam.radio";
    memcpy(rc.mac, mac, 6);
    x->r = radio_create(x->s, &port, &rc, &err);
    assert_non_null(x->r);
    medium_node_set_rx(sn, radio_receive, x->r);
    radio_host_ops ops = {.ctx = x, .rx_ethernet = on_eth, .link_up = on_up, .link_down = on_down};
    radio_set_host(x->r, &ops);
    assert_int_equal(radio_power(x->r, true), RADIO_OK);
}

static void teardown_w(w *x)
{
    radio_destroy(x->r);
    ap_destroy(x->a);
    radius_link_destroy(x->link);
    medium_destroy(x->m);
    capture_close(x->air);
    sim_destroy(x->s);
}

static radio_join_params params(fixture *f, int method, const char *id, const char *pw)
{
    radio_join_params p;
    memset(&p, 0, sizeof p);
    p.ssid_len = (uint8_t)strlen(SSID);
    memcpy(p.ssid, SSID, p.ssid_len);
    p.auth = RADIO_AUTH_WPA2_ENTERPRISE;
    p.eap_method = method;
    snprintf(p.identity, sizeof p.identity, "%s", id);
    snprintf(p.anonymous_identity, sizeof p.anonymous_identity, "anonymous");
    if (pw)
        snprintf(p.eap_password, sizeof p.eap_password, "%s", pw);
    p.ca_cert_pem = freeradius_ca_pem(f->srv);
    return p;
}

/* One tshark pass over a capture: how many frames carry each value, first
 * transmissions only (the MAC's retries repeat a frame with the Retry bit). */
typedef struct {
    int eap_type[64];
    int eap_code[8];
    int eapol_key;
    int reason23;
    int bad; /* malformed or expert errors */
} decoded;

static decoded tshark_decode(const char *pcap)
{
    decoded d;
    memset(&d, 0, sizeof d);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "'%s' -r '%s' -Y 'wlan.fc.retry == 0' -T fields -E separator=/t -E occurrence=f -e eap.type -e eap.code "
             "-e eapol.keydes.type -e wlan.fixed.reason_code -e _ws.malformed -e _ws.expert.severity 2>/dev/null",
             LINKRIG_TSHARK, pcap);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[512];
    while (fgets(line, sizeof line, p)) {
        char *f[6] = {0};
        char *c = line;
        for (int i = 0; i < 6; i++) {
            f[i] = c;
            char *t = strpbrk(c, "\t\n");
            if (!t) {
                c += strlen(c);
                continue;
            }
            *t = 0;
            c = t + 1;
        }
        if (f[0] && *f[0] && (int)strtol(f[0], NULL, 0) > 0 && (int)strtol(f[0], NULL, 0) < 64)
            d.eap_type[(int)strtol(f[0], NULL, 0)]++;
        if (f[1] && *f[1] && (int)strtol(f[1], NULL, 0) > 0 && (int)strtol(f[1], NULL, 0) < 8)
            d.eap_code[(int)strtol(f[1], NULL, 0)]++;
        if (f[2] && *f[2] && (int)strtol(f[2], NULL, 0) == 2)
            d.eapol_key++;
        if (f[3] && *f[3] && (int)strtol(f[3], NULL, 0) == 23)
            d.reason23++;
        /* expert severity: 0x00800000 is "error" in Wireshark's encoding */
        if ((f[4] && *f[4]) || (f[5] && *f[5] && strtol(f[5], NULL, 0) >= 0x00800000))
            d.bad++;
    }
    pclose(p);
    return d;
}

static int setup(void **state)
{
    static const freeradius_user users[] = {{"alice", "wonderland"}};
    static const freeradius_client_cert certs[] = {{"cam1", 0}};
    fixture *f = calloc(1, sizeof *f);
    mkdir(LINKRIG_BUILD_DIR "/test-out", 0755);
    snprintf(f->dir, sizeof f->dir, "%s", LINKRIG_BUILD_DIR "/test-out/enterprise-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    char rdir[600];
    snprintf(rdir, sizeof rdir, "%s/radius", f->dir);
    freeradius_config c = {.dir = rdir, .secret = SECRET, .users = users, .nusers = 1,
                           .client_certs = certs, .nclient_certs = 1};
    char err[256];
    int code;
    f->srv = freeradius_start(&c, &code, err, sizeof err);
    if (!f->srv)
        fprintf(stderr, "%s\n", err);
    snprintf(rdir, sizeof rdir, "%s/radius-untrusted", f->dir);
    c.server_cert_untrusted = 1;
    f->untrusted = freeradius_start(&c, &code, err, sizeof err);
    if (!f->untrusted)
        fprintf(stderr, "%s\n", err);
    *state = f;
    return f->srv && f->untrusted ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    freeradius_stop(f->srv);
    freeradius_stop(f->untrusted);
    free(f);
    return 0;
}

static void join_each_method(void **state)
{
    fixture *f = *state;
    static w x;
    const char *names[3] = {"peap", "ttls", "tls"};
    for (int i = 0; i < 3; i++) {
        char pcap[700];
        snprintf(pcap, sizeof pcap, "%s/%s.pcap", f->dir, names[i]);
        build(&x, f, pcap);
        radio_join_params p = i == 0 ? params(f, RADIO_EAP_PEAP_MSCHAPV2, "alice", "wonderland")
                            : i == 1 ? params(f, RADIO_EAP_TTLS_PAP, "alice", "wonderland")
                                     : params(f, RADIO_EAP_TLS, "cam1", NULL);
        if (i == 2)
            assert_int_equal(freeradius_client_pem(f->srv, "cam1", &p.client_cert_pem, &p.client_key_pem), 0);
        assert_int_equal(radio_join(x.r, &p), RADIO_OK);
        sim_after(x.s, SIM_SEC(5), send_one, &x);
        sim_run_until(x.s, SIM_SEC(6));
        assert_int_equal(x.ups, 1);
        assert_int_equal(x.downs, 0);
        assert_true(radio_joined(x.r));
        assert_int_equal(radio_link_status(x.r), RADIO_LINK_JOIN);
        assert_int_equal(x.bridge_rx, 1); /* keyed data reached the AP's LAN */
        assert_true(x.up_at < SIM_SEC(2));
        teardown_w(&x);
        /* EAP of the method, the 4-way handshake, nothing malformed. */
        decoded d = tshark_decode(pcap);
        assert_true(d.eap_type[i == 0 ? 25 : i == 1 ? 21 : 13] >= 4);
        assert_int_equal(d.eapol_key, 4);
        assert_int_equal(d.eap_code[3], 1);
        assert_int_equal(d.bad, 0);
    }
}

static void refused_password_is_badauth(void **state)
{
    fixture *f = *state;
    static w x;
    char pcap[700];
    snprintf(pcap, sizeof pcap, "%s/refused.pcap", f->dir);
    build(&x, f, pcap);
    radio_join_params p = params(f, RADIO_EAP_PEAP_MSCHAPV2, "alice", "looking-glass");
    assert_int_equal(radio_join(x.r, &p), RADIO_OK);
    sim_run_until(x.s, SIM_SEC(3));
    assert_int_equal(x.ups, 0);
    assert_int_equal(radio_link_status(x.r), RADIO_LINK_BADAUTH);
    teardown_w(&x);
    /* The chip tries the whole join once more after a failed
     * authentication (radio.h: badauth_retries, default 1): two refusals. */
    decoded d = tshark_decode(pcap);
    assert_int_equal(d.eap_code[4], 2);
    assert_int_equal(d.reason23, 2);
    assert_int_equal(d.eapol_key, 0);
    assert_int_equal(d.bad, 0);
}

static int eap_failures;
static char eap_failure_kind[64];

static void sink(void *ctx, const sim_trace_event *ev)
{
    (void)ctx;
    if (strcmp(ev->event, "eap_failure") != 0)
        return;
    eap_failures++;
    for (size_t i = 0; i < ev->nfields; i++)
        if (strcmp(ev->fields[i].key, "kind") == 0)
            snprintf(eap_failure_kind, sizeof eap_failure_kind, "%s", ev->fields[i].str);
}

static void untrusted_server_is_badauth(void **state)
{
    fixture *f = *state;
    static w x;
    char pcap[700];
    snprintf(pcap, sizeof pcap, "%s/untrusted.pcap", f->dir);
    f->use = f->untrusted;
    build(&x, f, pcap);
    f->use = NULL;
    sim_trace_add_sink(sim_trace_of(x.s), sink, NULL);
    /* The device trusts the rig's CA; this server's certificate is signed
     * by another one. */
    radio_join_params p = params(f, RADIO_EAP_PEAP_MSCHAPV2, "alice", "wonderland");
    p.ca_cert_pem = freeradius_ca_pem(f->untrusted);
    assert_int_equal(radio_join(x.r, &p), RADIO_OK);
    sim_run_until(x.s, SIM_SEC(3));
    assert_int_equal(x.ups, 0);
    assert_int_equal(radio_link_status(x.r), RADIO_LINK_BADAUTH);
    assert_true(eap_failures >= 1);
    assert_string_equal(eap_failure_kind, "server_certificate");
    teardown_w(&x);
    /* The same join without a CA does not check the server, as a device
     * given no ca_certs: it joins. */
    snprintf(pcap, sizeof pcap, "%s/unchecked.pcap", f->dir);
    f->use = f->untrusted;
    build(&x, f, pcap);
    f->use = NULL;
    p.ca_cert_pem = NULL;
    assert_int_equal(radio_join(x.r, &p), RADIO_OK);
    sim_run_until(x.s, SIM_SEC(3));
    assert_int_equal(x.ups, 1);
    teardown_w(&x);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(join_each_method),
        cmocka_unit_test(refused_password_is_badauth),
        cmocka_unit_test(untrusted_server_is_badauth),
    };
    return cmocka_run_group_tests(t, setup, teardown);
}
