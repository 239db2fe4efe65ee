/* WPA3-Personal over the air: the chip model joins an SAE AP (commit and
 * confirm both ways, the 4-way handshake with AKM 8's KDF-SHA-256 and
 * AES-CMAC MIC), Wireshark decrypts the data with the PMK; a wrong password
 * ends in BADAUTH after Confirms that do not verify; transition mode serves
 * a WPA2-only station with PSK and a WPA3 one with SAE; an anti-clogging
 * demand is answered with the token; a PSK-only station cannot join a
 * WPA3-only AP. */
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
#include "radio_model/medium.h"
#include "radio_model/radio.h"
#include "sim/capture.h"
#include "sim/sim.h"
#include "sim/trace.h"

#define SSID "home"
#define PW "correct horse battery"
#define OUT LINKRIG_BUILD_DIR "/test-out/"

typedef struct w {
    sim *s;
    medium *m;
    capture *air;
    ap *a;
    radio *r;
    medium_node *attacker;
    dot11_air_port attack_port;
    int ups, downs, bridge_rx, tokens, mismatches, saq_answered, pmf_ignored;
    uint8_t pmk[32];
    int have_pmk;
} w;

static void on_up(void *ctx)
{
    w *x = ctx;
    x->ups++;
    x->have_pmk = radio_pmk(x->r, x->pmk) == RADIO_OK;
}

static void on_down(void *ctx)
{
    ((w *)ctx)->downs++;
}

static void bridge(void *ctx, const uint8_t *eth, size_t len)
{
    (void)eth;
    (void)len;
    ((w *)ctx)->bridge_rx++;
}

static void sink(void *ctx, const sim_trace_event *ev)
{
    w *x = ctx;
    if (strcmp(ev->event, "sae_token_requested") == 0)
        x->tokens++;
    if (strcmp(ev->event, "sae_confirm_mismatch") == 0)
        x->mismatches++;
    if (strcmp(ev->event, "sa_query_answered") == 0)
        x->saq_answered++;
    if (strcmp(ev->event, "pmf_unprotected_ignored") == 0)
        x->pmf_ignored++;
}

static void send_one(void *arg)
{
    w *x = arg;
    uint8_t f[64] = {0x02, 0xee, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 1, 0x88, 0xb5, 0x42};
    radio_send_ethernet(x->r, f, sizeof f);
}

/* passphrase: the AP's PSK (NULL: none); sae: its SAE password (NULL: none). */
static void build(w *x, const char *pcap, const char *passphrase, const char *sae, int always_token)
{
    memset(x, 0, sizeof *x);
    sim_err err = {0};
    x->s = sim_create(&(sim_config){.seed = 5}, &err);
    sim_trace_set_log(sim_trace_of(x->s), getenv("TEST_SAE_LOG") ? stderr : NULL, SIM_LOG_INFO);
    sim_trace_add_sink(sim_trace_of(x->s), sink, x);
    capture_config cc = {.linktype = CAPTURE_LINKTYPE_IEEE802_11_RADIOTAP, .epoch_s = CAPTURE_DEFAULT_EPOCH_S};
    x->air = capture_open(pcap, &cc, &err);
    assert_non_null(x->air);
    medium_config mc;
    medium_config_default(&mc);
    mc.shadowing_sigma_db = 0;
    mc.air = x->air;
    x->m = medium_create(x->s, &mc, &err);
    medium_node_config nc;
    medium_node_config_default(&nc);
    uint8_t bssid[6] = {0x02, 0, 0, 0, 0xaa, 1}, mac[6] = {0x02, 0, 0, 0, 0, 1};
    nc.name = "ap";
    memcpy(nc.mac, bssid, 6);
    nc.channel = 1;
    medium_node *an = medium_attach(x->m, &nc, &err);
    dot11_air_port port;
    medium_node_air_port(an, &port);
    ap_config ac;
    ap_config_default(&ac);
    ac.name = "ap";
    ac.ssid = SSID;
    ac.passphrase = passphrase;
    ac.sae_password = sae;
    memcpy(ac.bssid, bssid, 6);
    ac.channel = 1;
    x->a = ap_create(x->s, &port, &ac, &err);
    if (!x->a)
        fail_msg("ap_create: %s", err.msg);
    medium_node_set_rx(an, ap_receive, x->a);
    ap_set_bridge(x->a, bridge, x);
    ap_set_sae_anti_clogging(x->a, always_token != 0);
    nc.name = "cam";
    memcpy(nc.mac, mac, 6);
    nc.x = 8;
    medium_node *sn = medium_attach(x->m, &nc, &err);
    medium_node_air_port(sn, &port);
    medium_set_monitor_node(x->m, sn);
    radio_config rc;
    radio_config_default(&rc);
    rc.name = "cam.radio";
    memcpy(rc.mac, mac, 6);
    x->r = radio_create(x->s, &port, &rc, &err);
    medium_node_set_rx(sn, radio_receive, x->r);
    /* Someone else in range who can forge the AP's address. */
    nc.name = "spoofer";
    uint8_t evil[6] = {0x02, 0xba, 0xd0, 0, 0, 1};
    memcpy(nc.mac, evil, 6);
    nc.x = 4;
    x->attacker = medium_attach(x->m, &nc, &err);
    medium_node_air_port(x->attacker, &x->attack_port);
    radio_host_ops ops = {.ctx = x, .link_up = on_up, .link_down = on_down};
    radio_set_host(x->r, &ops);
    assert_int_equal(radio_power(x->r, true), RADIO_OK);
}

static void done(w *x)
{
    radio_destroy(x->r);
    ap_destroy(x->a);
    medium_destroy(x->m);
    capture_close(x->air);
    sim_destroy(x->s);
}

static int join(w *x, int auth, const char *pw, sim_time run_for)
{
    radio_join_params p;
    memset(&p, 0, sizeof p);
    p.ssid_len = (uint8_t)strlen(SSID);
    memcpy(p.ssid, SSID, p.ssid_len);
    p.auth = auth;
    snprintf(p.passphrase, sizeof p.passphrase, "%s", pw);
    int rc = radio_join(x->r, &p);
    sim_after(x->s, run_for - SIM_SEC(1), send_one, x);
    sim_run_until(x->s, run_for);
    return rc;
}

/* Lines tshark prints for a display filter, with an optional key. */
static int tshark_count(const char *pcap, const char *filter, const uint8_t *pmk)
{
    char key[200] = "";
    if (pmk) {
        int n = snprintf(key, sizeof key, "-o 'uat:80211_keys:\"wpa-psk\",\"");
        for (int i = 0; i < 32; i++)
            n += snprintf(key + n, sizeof key - (size_t)n, "%02x", pmk[i]);
        snprintf(key + n, sizeof key - (size_t)n, "\"' -o wlan.enable_decryption:TRUE");
    }
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' %s -r '%s' -Y '%s' 2>/dev/null | wc -l", LINKRIG_TSHARK, key, pcap, filter);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p) {
        if (fscanf(p, "%d", &n) != 1)
            n = -1;
        pclose(p);
    }
    return n;
}

static void wpa3_join_and_decrypt(void **state)
{
    (void)state;
    static w x;
    const char *pcap = OUT "sae_join.pcap";
    build(&x, pcap, NULL, PW, 0);
    assert_int_equal(join(&x, RADIO_AUTH_WPA3_SAE, PW, SIM_SEC(4)), RADIO_OK);
    assert_int_equal(x.ups, 1);
    assert_int_equal(radio_link_status(x.r), RADIO_LINK_JOIN);
    assert_int_equal(x.bridge_rx, 1);
    assert_true(x.have_pmk);
    uint8_t pmk[32];
    memcpy(pmk, x.pmk, 32);
    done(&x);
    /* Two Commits and two Confirms, the 4-way handshake, nothing malformed. */
    assert_int_equal(tshark_count(pcap, "wlan.fixed.auth.alg == 3", NULL), 4);
    assert_int_equal(tshark_count(pcap, "eapol.keydes.type == 2", NULL), 4);
    assert_int_equal(tshark_count(pcap, "_ws.malformed", NULL), 0);
    /* Wireshark derives the PTK with AKM 8's KDF from the PMK and decrypts
     * our frame: its EtherType shows only after decryption. */
    assert_int_equal(tshark_count(pcap, "llc.type == 0x88b5", NULL), 0);
    assert_int_equal(tshark_count(pcap, "llc.type == 0x88b5", pmk), 1);
}

static void wrong_password_is_badauth(void **state)
{
    (void)state;
    static w x;
    build(&x, OUT "sae_wrong.pcap", NULL, PW, 0);
    join(&x, RADIO_AUTH_WPA3_SAE, "battery staple wrong", SIM_SEC(4));
    assert_int_equal(x.ups, 0);
    assert_int_equal(radio_link_status(x.r), RADIO_LINK_BADAUTH);
    assert_true(x.mismatches >= 2); /* both sides saw a Confirm fail */
    done(&x);
}

static void transition_mode_serves_both(void **state)
{
    (void)state;
    static w x;
    build(&x, OUT "sae_transition_psk.pcap", PW, PW, 0);
    join(&x, RADIO_AUTH_WPA2_PSK, PW, SIM_SEC(4));
    assert_int_equal(x.ups, 1);
    assert_int_equal(x.bridge_rx, 1);
    done(&x);
    assert_int_equal(tshark_count(OUT "sae_transition_psk.pcap", "wlan.fixed.auth.alg == 3", NULL), 0);
    build(&x, OUT "sae_transition_sae.pcap", PW, PW, 0);
    join(&x, RADIO_AUTH_WPA3_WPA2, PW, SIM_SEC(4));
    assert_int_equal(x.ups, 1);
    assert_int_equal(x.bridge_rx, 1);
    done(&x);
    assert_int_equal(tshark_count(OUT "sae_transition_sae.pcap", "wlan.fixed.auth.alg == 3", NULL), 4);
    /* Both AKMs are advertised. */
    assert_true(tshark_count(OUT "sae_transition_sae.pcap", "wlan.rsn.akms.type == 8 && wlan.rsn.akms.type == 2", NULL) > 0);
}

static void anti_clogging_token(void **state)
{
    (void)state;
    static w x;
    build(&x, OUT "sae_token.pcap", NULL, PW, 1);
    join(&x, RADIO_AUTH_WPA3_SAE, PW, SIM_SEC(4));
    assert_int_equal(x.tokens, 1);
    assert_int_equal(x.ups, 1);
    done(&x);
    assert_int_equal(tshark_count(OUT "sae_token.pcap", "wlan.fixed.status_code == 76", NULL), 1);
}

static void psk_station_cannot_join_wpa3_only(void **state)
{
    (void)state;
    static w x;
    build(&x, OUT "sae_psk_station.pcap", NULL, PW, 0);
    join(&x, RADIO_AUTH_WPA2_PSK, PW, SIM_SEC(4));
    assert_int_equal(x.ups, 0);
    assert_int_equal(radio_link_status(x.r), RADIO_LINK_FAIL);
    done(&x);
}

/* The timeline's ap_passphrase on a wpa3 AP (the SAE password mismatch
 * fault): the new word is the SAE password; the old one ends in BADAUTH;
 * the AP stays SAE only (a PSK station still cannot join); it cannot be
 * made open. */
static void passphrase_change_is_the_sae_password(void **state)
{
    (void)state;
    static w x;
    sim_err err = {0};
    const char *pw2 = "another horse battery";
    build(&x, OUT "sae_change_old.pcap", NULL, PW, 0);
    assert_int_equal(ap_set_passphrase(x.a, pw2, &err), SIM_OK);
    assert_int_equal(ap_set_passphrase(x.a, "", &err), SIM_EINVAL);
    join(&x, RADIO_AUTH_WPA3_SAE, PW, SIM_SEC(4));
    assert_int_equal(x.ups, 0);
    assert_int_equal(radio_link_status(x.r), RADIO_LINK_BADAUTH);
    assert_true(x.mismatches >= 1);
    done(&x);
    build(&x, OUT "sae_change_new.pcap", NULL, PW, 0);
    assert_int_equal(ap_set_passphrase(x.a, pw2, &err), SIM_OK);
    join(&x, RADIO_AUTH_WPA3_SAE, pw2, SIM_SEC(4));
    assert_int_equal(x.ups, 1);
    assert_int_equal(x.bridge_rx, 1);
    done(&x);
    build(&x, OUT "sae_change_psk.pcap", NULL, PW, 0);
    assert_int_equal(ap_set_passphrase(x.a, pw2, &err), SIM_OK);
    join(&x, RADIO_AUTH_WPA2_PSK, pw2, SIM_SEC(4));
    assert_int_equal(x.ups, 0);
    assert_int_equal(radio_link_status(x.r), RADIO_LINK_FAIL);
    done(&x);
}

/* An unprotected deauthentication, reason 7, with the AP's addresses. */
static void spoof_deauth(void *arg)
{
    w *x = arg;
    uint8_t f[26] = {0xc0, 0x00, 0x00, 0x00, 0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0xaa, 1,
                     0x02, 0, 0, 0, 0xaa, 1, 0x00, 0x70, 0x07, 0x00};
    x->attack_port.transmit(x->attack_port.ctx, f, sizeof f, 2);
}

static void real_deauth(void *arg)
{
    w *x = arg;
    uint8_t sta[6] = {0x02, 0, 0, 0, 0, 1};
    ap_deauth(x->a, sta, 3);
}

static void pmf_ignores_spoofed_deauth(void **state)
{
    (void)state;
    static w x;
    const char *pcap = OUT "pmf_spoof.pcap";
    build(&x, pcap, NULL, PW, 0);
    sim_after(x.s, SIM_SEC(2), spoof_deauth, &x);
    join(&x, RADIO_AUTH_WPA3_SAE, PW, SIM_SEC(4));
    assert_int_equal(x.ups, 1);
    assert_int_equal(x.downs, 0);          /* not believed */
    assert_int_equal(x.pmf_ignored, 1);
    assert_int_equal(x.saq_answered, 1);   /* the AP vouched for the association */
    assert_int_equal(x.bridge_rx, 1);
    done(&x);
    /* MFPC and MFPR in both RSNEs; the SA Query went protected both ways. */
    assert_true(tshark_count(pcap, "wlan.fc.type_subtype == 0x0000 && wlan.rsn.capabilities.mfpr == 1", NULL) == 1);
    assert_int_equal(tshark_count(pcap, "wlan.fc.type_subtype == 0x000d && wlan.fc.protected == 1", NULL), 2);
    assert_int_equal(tshark_count(pcap, "_ws.malformed", NULL), 0);

    /* The AP's own deauthentication is protected and believed. */
    build(&x, OUT "pmf_real.pcap", NULL, PW, 0);
    sim_after(x.s, SIM_SEC(2), real_deauth, &x);
    join(&x, RADIO_AUTH_WPA3_SAE, PW, SIM_MS(2500));
    assert_int_equal(x.ups, 1);
    assert_int_equal(x.downs, 1);
    assert_int_equal(x.pmf_ignored, 0);
    done(&x);
    assert_int_equal(tshark_count(OUT "pmf_real.pcap", "wlan.fc.type_subtype == 0x000c && wlan.fc.protected == 1", NULL), 1);
}

static void without_pmf_a_spoof_drops_the_link(void **state)
{
    (void)state;
    static w x;
    build(&x, OUT "nopmf_spoof.pcap", PW, NULL, 0);
    sim_after(x.s, SIM_SEC(2), spoof_deauth, &x);
    join(&x, RADIO_AUTH_WPA2_PSK, PW, SIM_MS(2500));
    assert_int_equal(x.ups, 1);
    assert_int_equal(x.downs, 1);
    done(&x);
}

int main(void)
{
    mkdir(OUT, 0755);
    const struct CMUnitTest t[] = {
        cmocka_unit_test(wpa3_join_and_decrypt),
        cmocka_unit_test(wrong_password_is_badauth),
        cmocka_unit_test(transition_mode_serves_both),
        cmocka_unit_test(anti_clogging_token),
        cmocka_unit_test(psk_station_cannot_join_wpa3_only),
        cmocka_unit_test(passphrase_change_is_the_sae_password),
        cmocka_unit_test(pmf_ignores_spoofed_deauth),
        cmocka_unit_test(without_pmf_a_spoof_drops_the_link),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
