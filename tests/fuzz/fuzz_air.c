/* tests/fuzz/fuzz_air.c — see fuzz_air.h. */
#include "tests/fuzz/fuzz_air.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t AP_MAC[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x01};
static const uint8_t STA_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
#define SSID "camnet"
#define PASS "correct horse battery"

static void die(const char *what, const sim_err *err)
{
    fprintf(stderr, "fuzz_air: %s: %s\n", what, err->msg);
    abort();
}

static int is_beacon(const uint8_t *frame, size_t len)
{
    return len >= 1 && frame[0] == 0x80;
}

/* The medium's delivery, counted, then the model's own receive function. */
static void count(fuzz_air *f, const uint8_t *frame, size_t len)
{
    if (is_beacon(frame, len))
        return;
    f->delivered++;
    if (f->stop_after != 0 && f->delivered >= f->stop_after)
        sim_stop(f->s);
}

static void ap_rx(void *ctx, const uint8_t *frame, size_t len, const dot11_rx_info *info)
{
    fuzz_air *f = ctx;
    ap_receive(f->a, frame, len, info);
    count(f, frame, len);
}

static void sta_rx(void *ctx, const uint8_t *frame, size_t len, const dot11_rx_info *info)
{
    fuzz_air *f = ctx;
    radio_receive(f->r, frame, len, info);
    count(f, frame, len);
}

static void host_rx(void *ctx, const uint8_t *eth, size_t len)
{
    (void)ctx;
    (void)eth;
    (void)len;
}

static void host_event(void *ctx)
{
    (void)ctx;
}

static void bridge_rx(void *ctx, const uint8_t *eth, size_t len)
{
    (void)ctx;
    (void)eth;
    (void)len;
}

void fuzz_air_open(fuzz_air *f, unsigned stage)
{
    memset(f, 0, sizeof *f);
    sim_err err = {0};
    sim_config sc = {.seed = 1};
    f->s = sim_create(&sc, &err);
    if (f->s == NULL)
        die("sim_create", &err);
    sim_trace_set_log(sim_trace_of(f->s), NULL, SIM_LOG_OFF);
    medium_config mc;
    medium_config_default(&mc);
    mc.shadowing_sigma_db = 0; /* every frame of the join arrives */
    f->m = medium_create(f->s, &mc, &err);
    if (f->m == NULL)
        die("medium_create", &err);

    medium_node_config nc;
    medium_node_config_default(&nc);
    nc.name = "ap1";
    memcpy(nc.mac, AP_MAC, 6);
    nc.channel = 6;
    f->ap_node = medium_attach(f->m, &nc, &err);
    if (f->ap_node == NULL)
        die("medium_attach ap", &err);
    dot11_air_port port;
    medium_node_air_port(f->ap_node, &port);
    ap_config ac;
    ap_config_default(&ac);
    ac.name = "ap1";
    ac.ssid = SSID;
    ac.passphrase = PASS;
    memcpy(ac.bssid, AP_MAC, 6);
    ac.channel = 6;
    ac.gtk_rekey_s = 1; /* the group handshake runs too once keyed */
    /* Building and delivering beacons costs most of an execution at the
     * default 100 TU; a slower beacon keeps every path (the link monitor
     * counts beacon intervals, not time). */
    ac.beacon_interval_tu = 500;
    f->a = ap_create(f->s, &port, &ac, &err);
    if (f->a == NULL)
        die("ap_create", &err);
    medium_node_set_rx(f->ap_node, ap_rx, f);
    ap_set_bridge(f->a, bridge_rx, f);

    medium_node_config_default(&nc);
    nc.name = "cam.radio";
    memcpy(nc.mac, STA_MAC, 6);
    nc.x = 3;
    nc.channel = 6;
    f->sta_node = medium_attach(f->m, &nc, &err);
    if (f->sta_node == NULL)
        die("medium_attach sta", &err);
    medium_node_air_port(f->sta_node, &port);
    radio_config rc;
    radio_config_default(&rc);
    rc.name = "cam.radio";
    memcpy(rc.mac, STA_MAC, 6);
    rc.channels[0] = 6;
    rc.nchannels = 1;
    f->r = radio_create(f->s, &port, &rc, &err);
    if (f->r == NULL)
        die("radio_create", &err);
    medium_node_set_rx(f->sta_node, sta_rx, f);
    radio_host_ops ops = {.ctx = f, .rx_ethernet = host_rx, .link_up = host_event, .link_down = host_event,
                          .scan_done = host_event};
    radio_set_host(f->r, &ops);

    if (radio_power(f->r, true) != RADIO_OK)
        abort();
    radio_join_params jp;
    memset(&jp, 0, sizeof jp);
    jp.ssid_len = (uint8_t)strlen(SSID);
    memcpy(jp.ssid, SSID, jp.ssid_len);
    jp.auth = RADIO_AUTH_WPA2_PSK;
    snprintf(jp.passphrase, sizeof jp.passphrase, "%s", PASS);
    if (radio_join(f->r, &jp) != RADIO_OK)
        abort();
    /* Up to the stage: that many frames, or the end of the handshake. */
    f->stop_after = stage < FUZZ_AIR_KEYED ? stage : 0;
    sim_time limit = sim_now(f->s) + SIM_SEC(10);
    while (sim_now(f->s) < limit) {
        if (stage < FUZZ_AIR_KEYED && f->delivered >= f->stop_after)
            break;
        if (stage >= FUZZ_AIR_KEYED && radio_joined(f->r) && ap_station_authorized(f->a, STA_MAC))
            break;
        sim_run_until(f->s, sim_now(f->s) + SIM_MS(1));
    }
    if (stage >= FUZZ_AIR_KEYED && !(radio_joined(f->r) && ap_station_authorized(f->a, STA_MAC))) {
        fprintf(stderr, "fuzz_air: the join did not complete in 10 s of virtual time\n");
        abort();
    }
    f->stop_after = 0;
}

void fuzz_air_feed(fuzz_air *f, int to_ap, const uint8_t *data, size_t len)
{
    const uint8_t *self = to_ap ? AP_MAC : STA_MAC, *peer = to_ap ? STA_MAC : AP_MAC;
    size_t i = 0;
    while (i + 3 <= len) {
        uint8_t flags = data[i];
        size_t n = (size_t)data[i + 1] | (size_t)data[i + 2] << 8;
        i += 3;
        if (n > len - i)
            n = len - i;
        if (n > FUZZ_AIR_MAX_FRAME)
            n = FUZZ_AIR_MAX_FRAME;
        uint8_t *frame = malloc(n ? n : 1);
        if (frame == NULL)
            abort();
        memcpy(frame, data + i, n);
        i += n;
        if ((flags & 1) && n >= 10)
            memcpy(frame + 4, self, 6);
        if ((flags & 2) && n >= 16)
            memcpy(frame + 10, peer, 6);
        if ((flags & 4) && n >= 22)
            memcpy(frame + 16, AP_MAC, 6);
        dot11_rx_info info = {.rssi_dbm = -45, .snr_db = 50, .channel = 6, .rate = 2,
                              .tx_start_ns = sim_now(f->s)};
        if (to_ap)
            ap_receive(f->a, frame, n, &info);
        else
            radio_receive(f->r, frame, n, &info);
        free(frame);
        sim_run_until(f->s, sim_now(f->s) + SIM_MS(20) * ((flags >> 4) & 7));
    }
    sim_run_until(f->s, sim_now(f->s) + SIM_MS(2600)); /* past the radio's 2.5 s handshake timeout */
}

void fuzz_air_close(fuzz_air *f)
{
    radio_destroy(f->r);
    ap_destroy(f->a);
    medium_destroy(f->m);
    sim_destroy(f->s);
}

/* PBKDF2's 4096 rounds cost most of an execution under the sanitizers
 * (OpenSSL 3 allocates per round), and the rig always derives the same PMK.
 * The fuzz targets link with --wrap=dot11_pmk_from_passphrase: the first
 * derivation is real, later ones for the same passphrase and SSID reuse it.
 * Test code only; the rig itself derives every time. */
int __real_dot11_pmk_from_passphrase(const char *passphrase, const uint8_t *ssid, size_t ssid_len,
                                     uint8_t pmk[32]);
int __wrap_dot11_pmk_from_passphrase(const char *passphrase, const uint8_t *ssid, size_t ssid_len,
                                     uint8_t pmk[32]);
int __wrap_dot11_pmk_from_passphrase(const char *passphrase, const uint8_t *ssid, size_t ssid_len,
                                     uint8_t pmk[32])
{
    static char last_pass[64];
    static uint8_t last_ssid[32], last_pmk[32];
    static size_t last_ssid_len;
    static int have;
    if (have && passphrase != NULL && strcmp(passphrase, last_pass) == 0 && ssid_len == last_ssid_len &&
        ssid_len <= sizeof last_ssid && memcmp(ssid, last_ssid, ssid_len) == 0) {
        memcpy(pmk, last_pmk, 32);
        return 0;
    }
    int rc = __real_dot11_pmk_from_passphrase(passphrase, ssid, ssid_len, pmk);
    if (rc == 0 && strlen(passphrase) < sizeof last_pass && ssid_len <= sizeof last_ssid) {
        snprintf(last_pass, sizeof last_pass, "%s", passphrase);
        memcpy(last_ssid, ssid, ssid_len);
        last_ssid_len = ssid_len;
        memcpy(last_pmk, pmk, 32);
        have = 1;
    }
    return rc;
}
