/* The air, end to end: a small firmware task that uses only the chip driver
 * API (wifi_chip.h) and the HAL joins real APs through the medium. Checked
 * here: WPA2 and open joins, the wrong passphrase (BADAUTH, deauth reason 15
 * on the air), out of range (NONET, empty scan), a two-AP scan ordered by
 * distance, link loss only after the beacon-loss time, data both ways, and
 * the air capture as tshark reads it (valid, four EAPOL-Key messages, data
 * decrypted with the passphrase). */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hal.h"
#include "dot11/frame.h"
#include "sim/world.h"
#include "wifi_chip.h"

#define SSID "camnet"
#define PASS "correct horse battery"
#define OUT LINKRIG_BUILD_DIR "/test-out/"

static const uint8_t STA_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

/* What the firmware saw; filled from its task and callbacks. */
struct obs {
    const char *ssid;
    const char *key;
    uint32_t auth;
    int status;
    int up_count, down_count;
    sim_time up_at, down_at;
    sim *s;
    int send_frames;
    int rx_frames;
    uint8_t last_rx[256];
    size_t last_rx_len;
    int scan_n;
    chip_scan_result scan[8];
    bool scan_done;
    uint32_t wait_ms;
};

static void on_up(void *ctx, int itf)
{
    struct obs *o = ctx;
    (void)itf;
    o->up_count++;
    o->up_at = sim_now(o->s);
}

static void on_down(void *ctx, int itf)
{
    struct obs *o = ctx;
    (void)itf;
    o->down_count++;
    o->down_at = sim_now(o->s);
}

static void on_eth(void *ctx, int itf, size_t len, const uint8_t *frame)
{
    struct obs *o = ctx;
    (void)itf;
    o->rx_frames++;
    o->last_rx_len = len < sizeof o->last_rx ? len : sizeof o->last_rx;
    memcpy(o->last_rx, frame, o->last_rx_len);
}

static void on_scan_done(void *ctx)
{
    ((struct obs *)ctx)->scan_done = true;
}

static int on_scan_result(void *env, const chip_scan_result *r)
{
    struct obs *o = env;
    if (o->scan_n < 8)
        o->scan[o->scan_n++] = *r;
    return 0;
}

static void callbacks(struct obs *o)
{
    chip_callbacks cb = {.ctx = o, .link_up = on_up, .link_down = on_down, .process_ethernet = on_eth,
                         .scan_done = on_scan_done};
    chip_set_callbacks(&cb);
}

/* An Ethernet/IPv4/UDP frame with correct checksums, so the decrypted
 * capture is clean for tshark. */
static size_t udp_frame(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint16_t port, int seq)
{
    static const uint8_t ip_src[4] = {192, 168, 4, 20}, ip_dst[4] = {192, 168, 4, 1};
    const char *msg = "linkrig frame";
    size_t plen = strlen(msg) + 4;
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    f[12] = 0x08;
    f[13] = 0x00;
    uint8_t *ip = f + 14;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    uint16_t tot = (uint16_t)(20 + 8 + plen);
    ip[2] = (uint8_t)(tot >> 8);
    ip[3] = (uint8_t)tot;
    ip[8] = 64;
    ip[9] = 17;
    memcpy(ip + 12, ip_src, 4);
    memcpy(ip + 16, ip_dst, 4);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    ip[10] = (uint8_t)(~sum >> 8);
    ip[11] = (uint8_t)~sum;
    uint8_t *udp = ip + 20;
    udp[0] = 0x30;
    udp[1] = 0x39;
    udp[2] = (uint8_t)(port >> 8);
    udp[3] = (uint8_t)port;
    udp[4] = (uint8_t)((8 + plen) >> 8);
    udp[5] = (uint8_t)(8 + plen);
    udp[6] = udp[7] = 0; /* no UDP checksum (allowed on IPv4) */
    memcpy(udp + 8, msg, strlen(msg));
    udp[8 + strlen(msg)] = (uint8_t)(seq >> 24);
    udp[9 + strlen(msg)] = (uint8_t)(seq >> 16);
    udp[10 + strlen(msg)] = (uint8_t)(seq >> 8);
    udp[11 + strlen(msg)] = (uint8_t)seq;
    return 14 + 20 + 8 + plen;
}

/* The firmware under test: power up, join, wait for the outcome the way
 * device code does (poll the status, sleep), then send a few frames. */
static int fw_join(void *arg)
{
    struct obs *o = arg;
    callbacks(o);
    if (chip_wifi_set_up(CHIP_ITF_STA, true) != CHIP_OK)
        return -1;
    int rc = chip_wifi_join(strlen(o->ssid), (const uint8_t *)o->ssid, o->key ? strlen(o->key) : 0,
                            (const uint8_t *)o->key, o->auth, NULL, 0);
    if (rc != CHIP_OK)
        return -2;
    uint32_t t0 = hal_ticks_ms();
    while (chip_wifi_link_status(CHIP_ITF_STA) == CHIP_LINK_JOIN && o->up_count == 0 &&
           hal_ticks_diff(hal_ticks_ms(), t0) < (int32_t)o->wait_ms)
        hal_sleep_ms(10);
    o->status = chip_wifi_link_status(CHIP_ITF_STA);
    static const uint8_t gw[6] = {0x02, 0xee, 0x00, 0x00, 0x00, 0x01};
    for (int i = 0; i < o->send_frames; i++) {
        uint8_t f[128];
        size_t n = udp_frame(f, gw, STA_MAC, 5555, i);
        if (chip_send_ethernet(CHIP_ITF_STA, n, f) != CHIP_OK)
            return -3;
        hal_sleep_ms(20);
    }
    return 0;
}

struct bridge_rx {
    int n;
    uint8_t last[256];
    size_t last_len;
};

static void bridge_rx(void *ctx, const uint8_t *eth, size_t len)
{
    struct bridge_rx *b = ctx;
    b->n++;
    b->last_len = len < sizeof b->last ? len : sizeof b->last;
    memcpy(b->last, eth, b->last_len);
}

static world *make_world(world_config *c, const char *pcap)
{
    (void)system("mkdir -p " OUT);
    c->air_pcap = pcap;
    memcpy(c->dev[0].radio.mac, STA_MAC, 6);
    sim_err err = {0};
    world *w = world_create(c, &err);
    if (w == NULL)
        fail_msg("world_create: %s", err.msg);
    sim_trace_set_log(sim_trace_of(world_sim(w)), NULL, SIM_LOG_OFF);
    return w;
}

static void spawn(world *w, hal_task_fn fn, void *arg)
{
    sim_err err = {0};
    if (board_spawn(world_board(w), "main", fn, arg, 0, &err) != SIM_OK)
        fail_msg("spawn: %s", err.msg);
}

static int tshark_count(const char *pcap, const char *opts, const char *filter)
{
    if (LINKRIG_TSHARK[0] == '\0')
        return -1;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s -r %s %s -Y '%s' 2>/dev/null | wc -l", LINKRIG_TSHARK, pcap, opts, filter);
    FILE *f = popen(cmd, "r");
    int n = -1;
    if (f == NULL || fscanf(f, "%d", &n) != 1)
        n = -1;
    if (f)
        pclose(f);
    return n;
}

/* ---- tests ---- */

struct bridge_send {
    world *w;
};

static void send_to_station(void *arg)
{
    struct bridge_send *bs = arg;
    static const uint8_t gw[6] = {0x02, 0xee, 0x00, 0x00, 0x00, 0x01};
    uint8_t f[128];
    size_t n = udp_frame(f, STA_MAC, gw, 7777, 1);
    assert_int_equal(ap_bridge_send(world_ap(bs->w, 0), f, n), SIM_OK);
}

static void test_join_wpa2(void **state)
{
    (void)state;
    world_config c;
    world_config_default(&c);
    world_add_ap(&c, "ap", SSID, PASS, 6, 10, 0);
    const char *pcap = OUT "wifi_wpa2.pcap";
    world *w = make_world(&c, pcap);
    struct obs o = {.ssid = SSID, .key = PASS, .auth = CHIP_AUTH_WPA2_AES_PSK, .s = world_sim(w),
                    .send_frames = 3, .wait_ms = 20000};
    struct bridge_rx br = {0};
    ap_set_bridge(world_ap(w, 0), bridge_rx, &br);
    spawn(w, fw_join, &o);
    struct bridge_send bs = {w};
    sim_at(world_sim(w), SIM_SEC(5), send_to_station, &bs);
    assert_int_equal(sim_run_until(world_sim(w), SIM_SEC(6)), SIM_RUN_DONE);

    assert_int_equal(o.status, CHIP_LINK_JOIN);
    assert_int_equal(o.up_count, 1);
    print_message("WPA2 join complete after %.3f s of virtual time\n", (double)o.up_at / 1e9);
    assert_true(o.up_at < SIM_SEC(3));
    assert_true(ap_station_authorized(world_ap(w, 0), STA_MAC));
    int32_t rssi = 0;
    assert_int_equal(radio_rssi(world_radio(w), &rssi), RADIO_OK);
    assert_true(rssi < -40 && rssi > -85);
    /* data both ways, CCMP on the air */
    assert_int_equal(br.n, 3);
    assert_int_equal(br.last[12] << 8 | br.last[13], 0x0800);
    assert_memory_equal(br.last + 6, STA_MAC, 6);
    assert_int_equal(o.rx_frames, 1);
    assert_int_equal(o.last_rx[36] << 8 | o.last_rx[37], 7777);
    world_destroy(w);

    int malformed = tshark_count(pcap, "", "_ws.malformed");
    if (malformed < 0) {
        print_message("tshark not found: capture checks skipped\n");
        return;
    }
    assert_int_equal(malformed, 0);
    assert_int_equal(tshark_count(pcap, "", "eapol"), 4);
    /* Encrypted data frames hide their payload ... */
    assert_int_equal(tshark_count(pcap, "", "udp"), 0);
    assert_true(tshark_count(pcap, "", "wlan.fc.protected == 1 && wlan.fc.type == 2") >= 4);
    /* ... and tshark, given the passphrase, decrypts them to the very frames. */
    const char *keys = "-o wlan.enable_decryption:TRUE -o 'uat:80211_keys:\"wpa-pwd\",\"" PASS ":" SSID "\"'";
    assert_int_equal(tshark_count(pcap, keys, "udp.dstport == 5555"), 3);
    assert_int_equal(tshark_count(pcap, keys, "udp.dstport == 7777"), 1);
    assert_int_equal(tshark_count(pcap, keys, "_ws.malformed"), 0);
}

static void test_join_open(void **state)
{
    (void)state;
    world_config c;
    world_config_default(&c);
    world_add_ap(&c, "ap", "opennet", NULL, 1, 5, 0);
    const char *pcap = OUT "wifi_open.pcap";
    world *w = make_world(&c, pcap);
    struct obs o = {.ssid = "opennet", .auth = CHIP_AUTH_OPEN, .s = world_sim(w), .send_frames = 2,
                    .wait_ms = 20000};
    struct bridge_rx br = {0};
    ap_set_bridge(world_ap(w, 0), bridge_rx, &br);
    spawn(w, fw_join, &o);
    sim_run_until(world_sim(w), SIM_SEC(5));
    assert_int_equal(o.status, CHIP_LINK_JOIN);
    assert_int_equal(o.up_count, 1);
    assert_int_equal(br.n, 2);
    world_destroy(w);
    if (tshark_count(pcap, "", "eapol") >= 0) {
        assert_int_equal(tshark_count(pcap, "", "eapol"), 0);
        assert_int_equal(tshark_count(pcap, "", "udp.dstport == 5555"), 2); /* in the clear */
        assert_int_equal(tshark_count(pcap, "", "_ws.malformed"), 0);
    }
}

static void test_wrong_passphrase(void **state)
{
    (void)state;
    world_config c;
    world_config_default(&c);
    world_add_ap(&c, "ap", SSID, PASS, 6, 10, 0);
    const char *pcap = OUT "wifi_badauth.pcap";
    world *w = make_world(&c, pcap);
    struct obs o = {.ssid = SSID, .key = "not the password", .auth = CHIP_AUTH_WPA2_AES_PSK,
                    .s = world_sim(w), .wait_ms = 30000};
    spawn(w, fw_join, &o);
    sim_run_until(world_sim(w), SIM_SEC(30));
    assert_int_equal(o.status, CHIP_LINK_BADAUTH);
    assert_int_equal(o.up_count, 0);
    assert_false(ap_station_authorized(world_ap(w, 0), STA_MAC));
    world_destroy(w);
    if (tshark_count(pcap, "", "eapol") >= 0) {
        /* the AP gave up with reason 15, once per attempt of the chip */
        int deauth15 = tshark_count(pcap, "", "wlan.fc.type_subtype == 0x000c && wlan.fixed.reason_code == 15");
        assert_int_equal(deauth15, 2);
        /* message 1 was resent; no message 3 ever went out */
        assert_true(tshark_count(pcap, "", "eapol && wlan.sa == 02:a0:00:00:00:01") >= 8);
        assert_int_equal(tshark_count(pcap, "", "eapol.keydes.key_info.install == 1"), 0);
        assert_int_equal(tshark_count(pcap, "", "_ws.malformed"), 0);
    }
}

static int fw_scan(void *arg)
{
    struct obs *o = arg;
    callbacks(o);
    chip_wifi_set_up(CHIP_ITF_STA, true);
    if (chip_wifi_scan(NULL, o, on_scan_result) != CHIP_OK)
        return -1;
    while (chip_wifi_scan_active())
        hal_sleep_ms(50);
    return 0;
}

static void test_out_of_range(void **state)
{
    (void)state;
    world_config c;
    world_config_default(&c);
    world_add_ap(&c, "ap", SSID, PASS, 6, 2000, 0);
    world *w = make_world(&c, NULL);
    struct obs o = {.ssid = SSID, .key = PASS, .auth = CHIP_AUTH_WPA2_AES_PSK, .s = world_sim(w),
                    .wait_ms = 30000};
    spawn(w, fw_join, &o);
    sim_run_until(world_sim(w), SIM_SEC(30));
    assert_int_equal(o.status, CHIP_LINK_NONET);
    world_destroy(w);

    world_config_default(&c);
    world_add_ap(&c, "ap", SSID, PASS, 6, 2000, 0);
    w = make_world(&c, NULL);
    struct obs so = {.s = world_sim(w)};
    spawn(w, fw_scan, &so);
    sim_run_until(world_sim(w), SIM_SEC(10));
    assert_true(so.scan_done);
    assert_int_equal(so.scan_n, 0);
    world_destroy(w);
}

static void test_scan_two_aps(void **state)
{
    (void)state;
    world_config c;
    world_config_default(&c);
    world_add_ap(&c, "near", "near-net", PASS, 1, 5, 0);
    world_add_ap(&c, "far", "far-net", NULL, 11, 40, 0);
    world *w = make_world(&c, OUT "wifi_scan.pcap");
    struct obs o = {.s = world_sim(w)};
    spawn(w, fw_scan, &o);
    sim_run_until(world_sim(w), SIM_SEC(5));
    assert_true(o.scan_done);
    assert_int_equal(o.scan_n, 2);
    const chip_scan_result *near = NULL, *far = NULL;
    for (int i = 0; i < o.scan_n; i++) {
        if (o.scan[i].ssid_len == 8 && memcmp(o.scan[i].ssid, "near-net", 8) == 0)
            near = &o.scan[i];
        if (o.scan[i].ssid_len == 7 && memcmp(o.scan[i].ssid, "far-net", 7) == 0)
            far = &o.scan[i];
    }
    assert_non_null(near);
    assert_non_null(far);
    assert_int_equal(near->channel, 1);
    assert_int_equal(far->channel, 11);
    assert_int_equal(near->auth_mode, CHIP_SCAN_AUTH_WPA2);
    assert_int_equal(far->auth_mode, 0);
    print_message("RSSI near (5 m) %d dBm, far (40 m) %d dBm\n", near->rssi, far->rssi);
    assert_true(near->rssi > far->rssi + 10);
    world_destroy(w);
}

struct ap_off {
    world *w;
    sim_time at;
    int status_after_500ms;
};

static void ap_power_off(void *arg)
{
    struct ap_off *a = arg;
    a->at = sim_now(world_sim(a->w));
    ap_set_enabled(world_ap(a->w, 0), false);
}

static void probe_status(void *arg)
{
    struct ap_off *a = arg;
    a->status_after_500ms = radio_link_status(world_radio(a->w));
}

static void test_beacon_loss(void **state)
{
    (void)state;
    world_config c;
    world_config_default(&c);
    world_add_ap(&c, "ap", SSID, PASS, 6, 10, 0);
    world *w = make_world(&c, NULL);
    struct obs o = {.ssid = SSID, .key = PASS, .auth = CHIP_AUTH_WPA2_AES_PSK, .s = world_sim(w),
                    .wait_ms = 20000};
    spawn(w, fw_join, &o);
    struct ap_off off = {.w = w};
    sim_at(world_sim(w), SIM_MS(5000), ap_power_off, &off);
    sim_at(world_sim(w), SIM_MS(5500), probe_status, &off);
    sim_run_until(world_sim(w), SIM_SEC(10));
    assert_int_equal(o.up_count, 1);
    assert_int_equal(o.down_count, 1);
    /* the link still looks up for a while: the lie the firmware must live with */
    assert_int_equal(off.status_after_500ms, RADIO_LINK_JOIN);
    sim_time gap = o.down_at - off.at;
    const sim_time bi = SIM_US(102400);
    print_message("link declared down %.1f ms after the AP went silent\n", (double)gap / 1e6);
    assert_true(gap >= 7 * bi + bi / 2);
    assert_true(gap <= 8 * bi + bi / 2);
    /* cyw43: the join state outlives the link (CYW43_EV_LINK down leaves
     * wifi_join_state alone): JOIN until the host leaves */
    assert_int_equal(radio_link_status(world_radio(w)), RADIO_LINK_JOIN);
    world_destroy(w);
}

/* ---- cyw43 link semantics (wifi_chip.h, the state table) ---- */

/* A firmware that joins once and then only watches: it polls both statuses
 * every 100 ms and records each change, never joining or leaving again, so
 * whatever comes back comes back by the chip's own doing. */
struct watch {
    struct obs o;
    int wifi_seen[64], tcpip_seen[64];
    sim_time wifi_at[64];
    int nwifi, ntcpip;
    int joins;
    bool leave_at_end;
    uint32_t watch_ms;
};

static int fw_join_and_watch(void *arg)
{
    struct watch *wt = arg;
    struct obs *o = &wt->o;
    callbacks(o);
    if (chip_wifi_set_up(CHIP_ITF_STA, true) != CHIP_OK)
        return -1;
    if (chip_wifi_join(strlen(o->ssid), (const uint8_t *)o->ssid, strlen(o->key), (const uint8_t *)o->key,
                       CHIP_AUTH_WPA2_AES_PSK, NULL, 0) != CHIP_OK)
        return -2;
    wt->joins++;
    uint32_t t0 = hal_ticks_ms();
    while (hal_ticks_diff(hal_ticks_ms(), t0) < (int32_t)wt->watch_ms) {
        int ws = chip_wifi_link_status(CHIP_ITF_STA);
        int ts = chip_tcpip_link_status(CHIP_ITF_STA);
        if ((wt->nwifi == 0 || wt->wifi_seen[wt->nwifi - 1] != ws) && wt->nwifi < 64) {
            wt->wifi_at[wt->nwifi] = sim_now(o->s);
            wt->wifi_seen[wt->nwifi++] = ws;
        }
        if ((wt->ntcpip == 0 || wt->tcpip_seen[wt->ntcpip - 1] != ts) && wt->ntcpip < 64)
            wt->tcpip_seen[wt->ntcpip++] = ts;
        hal_sleep_ms(100);
    }
    if (wt->leave_at_end)
        chip_wifi_leave(CHIP_ITF_STA);
    return 0;
}

static bool seen(const int *v, int n, int value)
{
    for (int i = 0; i < n; i++)
        if (v[i] == value)
            return true;
    return false;
}

struct timed_ap {
    world *w;
    bool on;
    const uint8_t *deauth_to;
    uint16_t reason;
    const char *passphrase;
};

static void timed_ap_power(void *arg)
{
    struct timed_ap *a = arg;
    ap_set_enabled(world_ap(a->w, 0), a->on);
}

static void timed_ap_deauth(void *arg)
{
    struct timed_ap *a = arg;
    ap_deauth(world_ap(a->w, 0), a->deauth_to, a->reason);
}

static void timed_ap_passphrase(void *arg)
{
    struct timed_ap *a = arg;
    assert_int_equal(ap_set_passphrase(world_ap(a->w, 0), a->passphrase, NULL), SIM_OK);
}

/* Issue 12's case: one WPA2 AP, off at 60 s, on at 80 s. The status reads
 * JOIN (1) after the loss, not DOWN (0), and the chip reconnects on its own
 * (no second host join) soon after the AP is back: its rejoin attempts come
 * every roam_period_ms (10 s) from the loss. */
static void test_ap_off_on_chip_rejoins(void **state)
{
    (void)state;
    world_config c;
    world_config_default(&c);
    world_add_ap(&c, "ap", SSID, PASS, 6, 10, 0);
    world *w = make_world(&c, NULL);
    struct watch wt = {.o = {.ssid = SSID, .key = PASS, .s = world_sim(w)}, .watch_ms = 110000};
    spawn(w, fw_join_and_watch, &wt);
    struct timed_ap off = {.w = w, .on = false}, on = {.w = w, .on = true};
    sim_at(world_sim(w), SIM_SEC(60), timed_ap_power, &off);
    sim_at(world_sim(w), SIM_SEC(80), timed_ap_power, &on);
    sim_run_until(world_sim(w), SIM_SEC(100));
    assert_int_equal(wt.joins, 1);
    assert_int_equal(wt.o.down_count, 1);
    assert_int_equal(wt.o.up_count, 2);
    /* the loss came after the beacon-loss time; the rejoin after the AP's return */
    assert_true(wt.o.down_at > SIM_SEC(60) && wt.o.down_at < SIM_MS(61000));
    print_message("AP back at 80 s: the chip rejoined by itself at %.3f s\n", (double)wt.o.up_at / 1e9);
    assert_true(wt.o.up_at > SIM_SEC(80));
    assert_true(wt.o.up_at < SIM_SEC(80) + SIM_MS(c.dev[0].radio.roam_period_ms) + SIM_SEC(3));
    /* wifi_link_status: JOIN from the join to the end, through the loss */
    assert_int_equal(wt.nwifi, 1);
    assert_int_equal(wt.wifi_seen[0], CHIP_LINK_JOIN);
    /* tcpip_link_status (MicroPython's status()): NOIP while up without an
     * address (no DHCP here), JOIN during the outage, never DOWN */
    assert_false(seen(wt.tcpip_seen, wt.ntcpip, CHIP_LINK_DOWN));
    int seq[] = {CHIP_LINK_JOIN, CHIP_LINK_NOIP, CHIP_LINK_JOIN, CHIP_LINK_NOIP};
    assert_int_equal(wt.ntcpip, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(wt.tcpip_seen[i], seq[i]);
    assert_true(ap_station_authorized(world_ap(w, 0), STA_MAC));
    world_destroy(w);
}

/* Deauthentication by the AP: reason 2 clears the join state (cyw43's
 * pend_disassoc), any other reason keeps it and the chip rejoins. */
static void deauth_case(uint16_t reason, int *final_status, int *ups, int *downs)
{
    world_config c;
    world_config_default(&c);
    world_add_ap(&c, "ap", SSID, PASS, 6, 10, 0);
    world *w = make_world(&c, NULL);
    struct watch wt = {.o = {.ssid = SSID, .key = PASS, .s = world_sim(w)}, .watch_ms = 40000};
    spawn(w, fw_join_and_watch, &wt);
    struct timed_ap d = {.w = w, .deauth_to = STA_MAC, .reason = reason};
    sim_at(world_sim(w), SIM_SEC(10), timed_ap_deauth, &d);
    sim_run_until(world_sim(w), SIM_SEC(30));
    *final_status = radio_link_status(world_radio(w));
    *ups = wt.o.up_count;
    *downs = wt.o.down_count;
    world_destroy(w);
}

static void test_deauth_reasons(void **state)
{
    (void)state;
    int st, ups, downs;
    deauth_case(DOT11_REASON_INVALID_AUTHENTICATION, &st, &ups, &downs);
    assert_int_equal(downs, 1);
    assert_int_equal(ups, 1); /* cleared: the chip stays idle */
    assert_int_equal(st, RADIO_LINK_DOWN);
    static const uint16_t kept[] = {DOT11_REASON_UNSPECIFIED, DOT11_REASON_LEAVING_NETWORK_DEAUTH,
                                    DOT11_REASON_INVALID_CLASS3_FRAME, DOT11_REASON_4WAY_HANDSHAKE_TIMEOUT};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        deauth_case(kept[i], &st, &ups, &downs);
        print_message("deauth reason %u: %d link downs, %d link ups, status %d\n", kept[i], downs, ups, st);
        assert_int_equal(downs, 1);
        assert_int_equal(ups, 2); /* the chip's own rejoin, at once */
        assert_int_equal(st, RADIO_LINK_JOIN);
    }
}

/* A wrong passphrase: BADAUTH as soon as the first handshake fails; the AP's
 * passphrase put right before the chip's retry authenticates: the good auth
 * turns BADAUTH back into JOIN and the link comes up. */
static void test_badauth_then_good_auth(void **state)
{
    (void)state;
    world_config c;
    world_config_default(&c);
    world_add_ap(&c, "ap", SSID, "the wrong one, for now", 6, 10, 0);
    world *w = make_world(&c, NULL);
    struct watch wt = {.o = {.ssid = SSID, .key = PASS, .s = world_sim(w)}, .watch_ms = 20000};
    if (getenv("DBG")) sim_trace_set_log(sim_trace_of(world_sim(w)), stderr, SIM_LOG_INFO);
    spawn(w, fw_join_and_watch, &wt);
    struct timed_ap fix = {.w = w, .passphrase = PASS};
    /* the AP gives up on the first handshake at about 3.7 s (message 1 four
     * times, then deauthentication reason 15); the retry scans first */
    sim_at(world_sim(w), SIM_MS(3900), timed_ap_passphrase, &fix);
    sim_run_until(world_sim(w), SIM_SEC(20));
    for (int i = 0; i < wt.nwifi; i++)
        print_message("  wifi status %d at %.3f s\n", wt.wifi_seen[i], (double)wt.wifi_at[i] / 1e9);
    assert_int_equal(wt.nwifi, 3);
    assert_int_equal(wt.wifi_seen[0], CHIP_LINK_JOIN);
    assert_int_equal(wt.wifi_seen[1], CHIP_LINK_BADAUTH);
    assert_int_equal(wt.wifi_seen[2], CHIP_LINK_JOIN);
    assert_int_equal(wt.o.up_count, 1);
    assert_true(ap_station_authorized(world_ap(w, 0), STA_MAC));
    world_destroy(w);
}

/* A handshake lost to the air (here: the AP falls silent between
 * association and message 3) is a key-exchange timeout, which cyw43 turns
 * into a rejoin with the join state ACTIVE: JOIN, never BADAUTH. */
static void test_handshake_timeout_is_not_badauth(void **state)
{
    (void)state;
    world_config c;
    world_config_default(&c);
    world_add_ap(&c, "ap", SSID, PASS, 6, 10, 0);
    world *w = make_world(&c, NULL);
    struct watch wt = {.o = {.ssid = SSID, .key = PASS, .s = world_sim(w)}, .watch_ms = 30000};
    spawn(w, fw_join_and_watch, &wt);
    /* The Association Response reaches the station at 0.5236 s and message
     * 1 waits behind its ACK until 0.5240 s (seed 1, as the air capture of
     * this world shows): silence the AP in between, so that no message 1
     * ever comes, and bring it back before the supplicant's 2.5 s wait is
     * over. */
    sim_run_until(world_sim(w), SIM_US(523800));
    assert_int_equal(ap_station_count(world_ap(w, 0)), 1);
    assert_false(ap_station_authorized(world_ap(w, 0), STA_MAC));
    ap_set_enabled(world_ap(w, 0), false);
    struct timed_ap on = {.w = w, .on = true};
    sim_at(world_sim(w), SIM_SEC(2), timed_ap_power, &on);
    sim_run_until(world_sim(w), SIM_SEC(30));
    for (int i = 0; i < wt.nwifi; i++)
        print_message("  wifi status %d at %.3f s\n", wt.wifi_seen[i], (double)wt.wifi_at[i] / 1e9);
    assert_false(seen(wt.wifi_seen, wt.nwifi, CHIP_LINK_BADAUTH));
    assert_int_equal(wt.o.up_count, 1); /* the driver's rejoin got through */
    assert_int_equal(wt.joins, 1);
    world_destroy(w);
}

/* Issue 12 point 2: at the edge of the cell (120 m from an AP at default
 * power, mean signal -82 dBm) management frames at 1 Mb/s get through; the
 * handshake must too: EAPOL goes at the lowest basic rate. Never BADAUTH
 * (WRONG_PASSWORD) with the right passphrase, over many seeds. */
static void test_edge_of_cell_handshake(void **state)
{
    (void)state;
    int linked = 0;
    const int runs = 24;
    for (int seed = 1; seed <= runs; seed++) {
        world_config c;
        world_config_default(&c);
        c.seed = (uint64_t)seed;
        world_add_ap(&c, "ap", SSID, PASS, 6, 120, 0);
        world *w = make_world(&c, NULL);
        struct watch wt = {.o = {.ssid = SSID, .key = PASS, .s = world_sim(w)}, .watch_ms = 60000};
        if (getenv("DBG_SEED") && atoi(getenv("DBG_SEED")) == seed)
            sim_trace_set_log(sim_trace_of(world_sim(w)), stderr, SIM_LOG_INFO);
        spawn(w, fw_join_and_watch, &wt);
        sim_run_until(world_sim(w), SIM_SEC(60));
        if (wt.o.up_count == 0)
            print_message("seed %d: no link\n", seed);
        assert_false(seen(wt.wifi_seen, wt.nwifi, CHIP_LINK_BADAUTH));
        assert_false(seen(wt.tcpip_seen, wt.ntcpip, CHIP_LINK_BADAUTH));
        linked += wt.o.up_count > 0;
        world_destroy(w);
    }
    print_message("120 m: %d of %d seeds linked, none saw BADAUTH\n", linked, runs);
    /* A join may still fail (FAIL) when all three association exchanges are
     * lost (MAC retries are not modelled; seed 17 does): the watcher never
     * joins again, a firmware would. With EAPOL at 24 Mb/s seed 1 already
     * ends in BADAUTH. */
    assert_true(linked >= runs - 2);
}

/* Frames the radio hears are untrusted: truncations of real frames and random
 * bytes, in every state of a join, must neither crash nor break the join. */
static void fuzz_event(void *arg)
{
    world *w = arg;
    sim_rng *rng = sim_rng_stream(world_sim(w), "fuzz");
    uint8_t f[400];
    for (int i = 0; i < 200; i++) {
        size_t len = (size_t)sim_rng_below(rng, sizeof f);
        sim_rng_bytes(rng, f, len);
        if (len >= 10 && (i & 1)) {
            memcpy(f + 4, STA_MAC, 6); /* addressed to us, so it is parsed further */
            f[0] = (uint8_t)(sim_rng_below(rng, 2) ? 0x08 : sim_rng_below(rng, 16) << 4);
            f[1] = 0x02;
        }
        dot11_rx_info info = {.rssi_dbm = -50, .snr_db = 45, .channel = 6, .rate = 2};
        radio_receive(world_radio(w), f, len, &info);
    }
}

struct recorder {
    uint8_t frames[64][400];
    size_t lens[64];
    int n;
};

/* Roaming (radio.h "Roaming"): two APs of one SSID and passphrase; the chip
 * joins the stronger, and once carried next to the other one (its mean
 * beacon RSSI below -75 dBm, the other 20 dB stronger) it scans,
 * reassociates and keys with it by itself: the host joined once and saw no
 * link down. With the second AP refusing, the roam goes back to the first. */
struct carry {
    world *w;
    double x;
};

static void carry_station(void *arg)
{
    struct carry *c = arg;
    medium_node_move(world_sta_node(c->w), c->x, 0, 0);
}

static void roam_case(bool refuse, uint8_t bssid_end[6], radio_stats *st, struct watch *out)
{
    world_config c;
    world_config_default(&c);
    world_ap_config *a1 = world_add_ap(&c, "ap1", SSID, PASS, 1, 0, 0);
    world_ap_config *a2 = world_add_ap(&c, "ap2", SSID, PASS, 11, 80, 0);
    int home = world_add_network(&c, "home");
    a1->network = home;
    a2->network = home;
    c.dev[0].x = 5;
    world *w = make_world(&c, refuse ? NULL : OUT "wifi_roam.pcap");
    struct watch *wt = out;
    *wt = (struct watch){.o = {.ssid = SSID, .key = PASS, .s = world_sim(w)}, .watch_ms = 55000};
    spawn(w, fw_join_and_watch, wt);
    if (refuse)
        ap_set_refusal(world_ap(w, 1), DOT11_STATUS_AP_UNABLE_TO_HANDLE_NEW_STA, 0);
    struct carry near2 = {.w = w, .x = 70};
    sim_at(world_sim(w), SIM_SEC(20), carry_station, &near2);
    sim_run_until(world_sim(w), SIM_SEC(50));
    assert_int_equal(radio_bssid(world_radio(w), bssid_end), RADIO_OK);
    radio_get_stats(world_radio(w), st);
    assert_ptr_equal(world_dhcps(w, 0), world_dhcps(w, 1)); /* one network, one server */
    assert_true(ap_station_authorized(world_ap(w, refuse ? 0 : 1), STA_MAC));
    world_destroy(w);
}

static void test_roam(void **state)
{
    (void)state;
    static const uint8_t ap1[6] = {0x02, 0xa0, 0, 0, 0, 1}, ap2[6] = {0x02, 0xa0, 0, 0, 0, 2};
    uint8_t b[6];
    radio_stats st;
    struct watch wt;
    roam_case(false, b, &st, &wt);
    assert_memory_equal(b, ap2, 6);
    assert_int_equal(st.roams, 1);
    assert_true(st.roam_scans >= 1);
    assert_int_equal(wt.joins, 1);
    assert_int_equal(wt.o.up_count, 1);
    assert_int_equal(wt.o.down_count, 0);
    assert_false(seen(wt.wifi_seen, wt.nwifi, CHIP_LINK_DOWN));
    int n = tshark_count(OUT "wifi_roam.pcap", "", "wlan.fc.type_subtype == 2 && wlan.da == 02:a0:00:00:00:02");
    if (n >= 0)
        assert_int_equal(n, 1); /* one Reassociation Request, to ap2 */

    roam_case(true, b, &st, &wt);
    assert_memory_equal(b, ap1, 6); /* refused: back on ap1, still associated there */
    assert_int_equal(st.roams, 0);
    assert_true(st.roam_scans >= 2); /* and it tries again a roam period later */
    assert_int_equal(wt.o.up_count, 1);
    assert_int_equal(wt.o.down_count, 0);
}

static void test_radio_parses_untrusted_frames(void **state)
{
    (void)state;
    world_config c;
    world_config_default(&c);
    world_add_ap(&c, "ap", SSID, PASS, 6, 10, 0);
    world *w = make_world(&c, OUT "wifi_fuzz.pcap");
    struct obs o = {.ssid = SSID, .key = PASS, .auth = CHIP_AUTH_WPA2_AES_PSK, .s = world_sim(w),
                    .wait_ms = 20000};
    spawn(w, fw_join, &o);
    for (int ms = 0; ms < 3000; ms += 7)
        sim_at(world_sim(w), SIM_MS(ms), fuzz_event, w);
    sim_run_until(world_sim(w), SIM_SEC(8));
    assert_int_equal(o.up_count, 1); /* the real join got through the noise */
    world_destroy(w);

    /* every truncation of every frame of a real join, fed back */
    FILE *f = fopen(OUT "wifi_fuzz.pcap", "rb");
    assert_non_null(f);
    uint8_t gh[24], rh[16], buf[4096];
    assert_int_equal(fread(gh, 1, 24, f), 24);
    world_config_default(&c);
    world_add_ap(&c, "ap", SSID, PASS, 6, 10, 0);
    w = make_world(&c, NULL);
    radio_power(world_radio(w), true);
    int frames = 0;
    while (fread(rh, 1, 16, f) == 16) {
        uint32_t caplen = (uint32_t)rh[8] | (uint32_t)rh[9] << 8 | (uint32_t)rh[10] << 16 | (uint32_t)rh[11] << 24;
        if (caplen > sizeof buf || fread(buf, 1, caplen, f) != caplen)
            break;
        size_t rt = (size_t)(buf[2] | buf[3] << 8); /* radiotap length */
        if (rt >= caplen)
            continue;
        for (size_t n = 0; n <= caplen - rt; n++) {
            uint8_t *copy = malloc(n ? n : 1);
            memcpy(copy, buf + rt, n);
            dot11_rx_info info = {.rssi_dbm = -50, .snr_db = 45, .channel = 6, .rate = 2};
            radio_receive(world_radio(w), copy, n, &info); /* exact-size heap copy: ASan sees overreads */
            free(copy);
        }
        frames++;
    }
    fclose(f);
    assert_true(frames > 20);
    world_destroy(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_join_wpa2),
        cmocka_unit_test(test_join_open),
        cmocka_unit_test(test_wrong_passphrase),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_scan_two_aps),
        cmocka_unit_test(test_beacon_loss),
        cmocka_unit_test(test_ap_off_on_chip_rejoins),
        cmocka_unit_test(test_deauth_reasons),
        cmocka_unit_test(test_badauth_then_good_auth),
        cmocka_unit_test(test_handshake_timeout_is_not_badauth),
        cmocka_unit_test(test_edge_of_cell_handshake),
        cmocka_unit_test(test_roam),
        cmocka_unit_test(test_radio_parses_untrusted_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
