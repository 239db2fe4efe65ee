/* The radio wedge fault, end to end: a firmware task that uses only the chip
 * driver API (wifi_chip.h) and the HAL joins a WPA2 AP, and the rig wedges
 * the chip under it at a fixed virtual time. Checked here: the commands
 * wedge (every command times out, the link status stays stale, nothing the
 * AP does is noticed), the frames wedge (sends vanish, nothing arrives, the
 * link stays "up" with no beacon-loss drop), a wedge in the middle of a join
 * or a scan (pending timers do nothing), a wedge set while powered down,
 * recovery by a power cycle (and survives_power_cycles), the trace, and
 * byte-identical reruns. */
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
#include "sim/world.h"
#include "wifi_chip.h"

#define SSID "camnet"
#define PASS "correct horse battery"
#define OUT LINKRIG_BUILD_DIR "/test-out/"

static const uint8_t STA_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t GW_MAC[6] = {0x02, 0xee, 0x00, 0x00, 0x00, 0x01};

/* ---- what the firmware saw ---- */

struct obs {
    sim *s;
    int up_count, down_count;
    sim_time up_at[4], down_at[4];
    int rx_frames;
    int scan_n;
    bool scan_done;
    /* results the firmware recorded, by step */
    int rc[16];
    int status[8];
    int tcpip[8];
    bool flag[8];
    int cycle_failures;
};

static void on_up(void *ctx, int itf)
{
    struct obs *o = ctx;
    (void)itf;
    if (o->up_count < 4)
        o->up_at[o->up_count] = sim_now(o->s);
    o->up_count++;
}

static void on_down(void *ctx, int itf)
{
    struct obs *o = ctx;
    (void)itf;
    if (o->down_count < 4)
        o->down_at[o->down_count] = sim_now(o->s);
    o->down_count++;
}

static void on_eth(void *ctx, int itf, size_t len, const uint8_t *frame)
{
    struct obs *o = ctx;
    (void)itf;
    (void)len;
    (void)frame;
    o->rx_frames++;
}

static void on_scan_done(void *ctx)
{
    ((struct obs *)ctx)->scan_done = true;
}

/* The device claims an address, so that chip_tcpip_link_status can say UP. */
static bool has_ip(void *ctx, int itf)
{
    (void)ctx;
    (void)itf;
    return true;
}

static int on_scan_result(void *env, const chip_scan_result *r)
{
    (void)r;
    ((struct obs *)env)->scan_n++;
    return 0;
}

/* ---- firmware helpers: only hal.h and wifi_chip.h ---- */

static void fw_callbacks(struct obs *o)
{
    chip_callbacks cb = {.ctx = o, .link_up = on_up, .link_down = on_down, .process_ethernet = on_eth,
                         .scan_done = on_scan_done, .has_ip = has_ip};
    chip_set_callbacks(&cb);
}

static int fw_join(void)
{
    return chip_wifi_join(strlen(SSID), (const uint8_t *)SSID, strlen(PASS), (const uint8_t *)PASS,
                          CHIP_AUTH_WPA2_AES_PSK, NULL, 0);
}

/* Polls the link the way device code does; the final status. */
static int fw_wait_link(struct obs *o, int ups_before, uint32_t max_ms)
{
    uint32_t t0 = hal_ticks_ms();
    while (chip_wifi_link_status(CHIP_ITF_STA) == CHIP_LINK_JOIN && o->up_count == ups_before &&
           hal_ticks_diff(hal_ticks_ms(), t0) < (int32_t)max_ms)
        hal_sleep_ms(10);
    return chip_wifi_link_status(CHIP_ITF_STA);
}

/* Tasks start at virtual time 0 with the tick counter at 0 (the default
 * board), so ticks are the rig's milliseconds. */
static void fw_sleep_until(uint32_t ms)
{
    int32_t left = hal_ticks_diff(ms, hal_ticks_ms());
    if (left > 0)
        hal_sleep_ms((uint32_t)left);
}

static size_t test_frame(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], int seq)
{
    memset(f, 0, 64);
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    f[12] = 0x88; /* IEEE 802 local experimental EtherType */
    f[13] = 0xb5;
    f[14] = (uint8_t)seq;
    return 64;
}

static int fw_send(int seq)
{
    uint8_t f[64];
    size_t n = test_frame(f, GW_MAC, STA_MAC, seq);
    return chip_send_ethernet(CHIP_ITF_STA, n, f);
}

/* The firmware's recovery, as MicroPython's active(False)/active(True).
 * Failures are counted, not asserted: a cmocka assert must not jump out of a
 * task's stack. */
static void fw_power_cycle(struct obs *o)
{
    if (chip_wifi_set_up(CHIP_ITF_STA, false) != CHIP_OK)
        o->cycle_failures++;
    hal_sleep_ms(1000);
    if (chip_wifi_set_up(CHIP_ITF_STA, true) != CHIP_OK)
        o->cycle_failures++;
}

/* ---- the rig ---- */

struct bridge_rx {
    int n;
};

static void bridge_rx(void *ctx, const uint8_t *eth, size_t len)
{
    (void)eth;
    (void)len;
    ((struct bridge_rx *)ctx)->n++;
}

/* The radio's trace events, in order. */
struct radio_log {
    char events[64][32];
    char modes[64][16];
    int64_t left[64];
    int n;
};

static void radio_sink(void *ctx, const sim_trace_event *ev)
{
    struct radio_log *l = ctx;
    if (strcmp(ev->comp, "cam.radio") != 0 || l->n >= 64)
        return;
    if (strncmp(ev->event, "wedge", 5) != 0 && strcmp(ev->event, "link_down") != 0 &&
        strcmp(ev->event, "link_up") != 0 && strcmp(ev->event, "beacon_loss") != 0 &&
        strcmp(ev->event, "power") != 0 && strcmp(ev->event, "join_failed") != 0)
        return;
    snprintf(l->events[l->n], sizeof l->events[0], "%s", ev->event);
    l->modes[l->n][0] = '\0';
    l->left[l->n] = -1;
    for (size_t i = 0; i < ev->nfields; i++) {
        if (strcmp(ev->fields[i].key, "mode") == 0)
            snprintf(l->modes[l->n], sizeof l->modes[0], "%s", ev->fields[i].str);
        if (strcmp(ev->fields[i].key, "left") == 0)
            l->left[l->n] = ev->fields[i].num;
    }
    l->n++;
}

static int log_count(const struct radio_log *l, const char *event)
{
    int n = 0;
    for (int i = 0; i < l->n; i++)
        n += strcmp(l->events[i], event) == 0;
    return n;
}

static int log_find(const struct radio_log *l, const char *event, int from)
{
    for (int i = from; i < l->n; i++)
        if (strcmp(l->events[i], event) == 0)
            return i;
    return -1;
}

struct rig {
    world *w;
    struct obs o;
    struct bridge_rx br;
    struct radio_log log;
    radio_wedge_mode mode;
    int survives;
    radio_stats at_wedge;
};

/* The world is torn down by the test's teardown too, so that a failed
 * assertion does not leave a board behind for the next test (one board per
 * process). */
static void rig_destroy(struct rig *g)
{
    if (g->w != NULL)
        world_destroy(g->w);
    g->w = NULL;
}

static int rig_setup(void **state)
{
    struct rig *g = calloc(1, sizeof *g);
    *state = g;
    return g == NULL ? -1 : 0;
}

static int rig_teardown(void **state)
{
    rig_destroy(*state);
    free(*state);
    return 0;
}

static void rig_make(struct rig *g, const char *air_pcap)
{
    (void)system("mkdir -p " OUT);
    rig_destroy(g);
    memset(g, 0, sizeof *g);
    world_config c;
    world_config_default(&c);
    world_add_ap(&c, "ap", SSID, PASS, 6, 10, 0);
    c.air_pcap = air_pcap;
    memcpy(c.dev[0].radio.mac, STA_MAC, 6);
    sim_err err = {0};
    g->w = world_create(&c, &err);
    if (g->w == NULL)
        fail_msg("world_create: %s", err.msg);
    sim_trace *t = sim_trace_of(world_sim(g->w));
    sim_trace_set_log(t, NULL, SIM_LOG_OFF);
    sim_trace_add_sink(t, radio_sink, &g->log);
    g->o.s = world_sim(g->w);
    ap_set_bridge(world_ap(g->w, 0), bridge_rx, &g->br);
}

static void rig_spawn(struct rig *g, hal_task_fn fn)
{
    sim_err err = {0};
    if (board_spawn(world_board(g->w), "main", fn, g, 0, &err) != SIM_OK)
        fail_msg("spawn: %s", err.msg);
}

static void rig_wedge(void *arg)
{
    struct rig *g = arg;
    radio_get_stats(world_radio(g->w), &g->at_wedge);
    radio_wedge(world_radio(g->w), g->mode, g->survives);
}

static void rig_ap_to_station(void *arg)
{
    struct rig *g = arg;
    uint8_t f[64];
    size_t n = test_frame(f, STA_MAC, GW_MAC, 7);
    assert_int_equal(ap_bridge_send(world_ap(g->w, 0), f, n), SIM_OK);
}

static void rig_ap_off(void *arg)
{
    struct rig *g = arg;
    ap_set_enabled(world_ap(g->w, 0), false);
}

static void rig_run(struct rig *g, sim_time end)
{
    assert_int_equal(sim_run_until(world_sim(g->w), end), SIM_RUN_DONE);
    assert_false(sim_failed(world_sim(g->w)));
    assert_int_equal(g->o.cycle_failures, 0);
}

/* ---- commands wedge ---- */

static int fw_commands(void *arg)
{
    struct rig *g = arg;
    struct obs *o = &g->o;
    fw_callbacks(o);
    chip_wifi_set_up(CHIP_ITF_STA, true);
    fw_join();
    o->status[0] = fw_wait_link(o, 0, 20000);
    fw_sleep_until(5500); /* wedged at 5 s */
    int32_t rssi = 0;
    uint8_t bssid[6];
    o->rc[0] = chip_wifi_scan(NULL, o, on_scan_result);
    o->rc[1] = fw_join();
    o->rc[2] = chip_wifi_get_rssi(&rssi);
    o->rc[3] = chip_wifi_get_bssid(bssid);
    o->rc[4] = fw_send(1);
    o->rc[5] = chip_wifi_set_tx_power(10);
    o->rc[6] = chip_wifi_leave(CHIP_ITF_STA);
    o->status[1] = chip_wifi_link_status(CHIP_ITF_STA);
    o->tcpip[1] = chip_tcpip_link_status(CHIP_ITF_STA);
    o->flag[0] = chip_wifi_is_up(CHIP_ITF_STA);
    o->flag[1] = chip_wifi_scan_active();
    fw_sleep_until(20000); /* the AP has been gone for 12 s */
    o->status[2] = chip_wifi_link_status(CHIP_ITF_STA);
    o->tcpip[2] = chip_tcpip_link_status(CHIP_ITF_STA);
    o->rc[7] = chip_wifi_leave(CHIP_ITF_STA);
    return 0;
}

static void test_commands_wedge(void **state)
{
    struct rig *g = *state;
    rig_make(g, NULL);
    g->mode = RADIO_WEDGE_COMMANDS;
    rig_spawn(g, fw_commands);
    sim *s = world_sim(g->w);
    sim_at(s, SIM_SEC(5), rig_wedge, g);
    sim_at(s, SIM_SEC(6), rig_ap_to_station, g);
    sim_at(s, SIM_SEC(8), rig_ap_off, g);
    rig_run(g, SIM_SEC(21));

    struct obs *o = &g->o;
    assert_int_equal(o->status[0], CHIP_LINK_JOIN);
    assert_int_equal(o->up_count, 1);
    for (int i = 0; i <= 6; i++)
        assert_int_equal(o->rc[i], CHIP_ETIMEDOUT);
    assert_int_equal(o->rc[7], CHIP_ETIMEDOUT);
    /* the status the firmware reads is the one from before the hang */
    assert_int_equal(o->status[1], CHIP_LINK_JOIN);
    assert_int_equal(o->tcpip[1], CHIP_LINK_UP);
    assert_true(o->flag[0]);
    assert_false(o->flag[1]);
    assert_int_equal(o->status[2], CHIP_LINK_JOIN);
    assert_int_equal(o->tcpip[2], CHIP_LINK_UP);
    assert_int_equal(o->down_count, 0);
    /* The receive path is not what hung: the AP's frame got through. */
    assert_int_equal(o->rx_frames, 1);
    assert_int_equal(g->br.n, 0);

    radio *r = world_radio(g->w);
    assert_int_equal(radio_wedged(r), RADIO_WEDGE_COMMANDS);
    assert_true(radio_joined(r));
    assert_int_equal(radio_link_status(r), RADIO_LINK_JOIN);
    radio_stats st;
    radio_get_stats(r, &st);
    assert_int_equal(st.beacons_rx, g->at_wedge.beacons_rx); /* the link monitor is hung */
    assert_int_equal(st.link_losses, 0);
    assert_int_equal(st.rx_data, g->at_wedge.rx_data + 1);

    assert_int_equal(log_count(&g->log, "wedge"), 1);
    assert_string_equal(g->log.modes[log_find(&g->log, "wedge", 0)], "commands");
    assert_int_equal(log_count(&g->log, "beacon_loss"), 0);
    assert_int_equal(log_count(&g->log, "link_down"), 0);
    rig_destroy(g);
}

/* ---- frames wedge ---- */

static int fw_frames(void *arg)
{
    struct rig *g = arg;
    struct obs *o = &g->o;
    fw_callbacks(o);
    chip_wifi_set_up(CHIP_ITF_STA, true);
    fw_join();
    o->status[0] = fw_wait_link(o, 0, 20000);
    fw_sleep_until(4500);
    o->rc[0] = fw_send(0);
    fw_sleep_until(5500); /* wedged at 5 s */
    for (int i = 1; i <= 5; i++) {
        o->rc[i] = fw_send(i);
        hal_sleep_ms(100);
    }
    fw_sleep_until(17000); /* 12 s of no beacon processed */
    o->status[1] = chip_wifi_link_status(CHIP_ITF_STA);
    o->tcpip[1] = chip_tcpip_link_status(CHIP_ITF_STA);
    int32_t rssi = 0;
    o->rc[6] = chip_wifi_get_rssi(&rssi);
    o->flag[0] = rssi < -30 && rssi > -90; /* the last beacon's, stale */
    return 0;
}

static void test_frames_wedge(void **state)
{
    struct rig *g = *state;
    rig_make(g, NULL);
    g->mode = RADIO_WEDGE_FRAMES;
    rig_spawn(g, fw_frames);
    sim *s = world_sim(g->w);
    sim_at(s, SIM_SEC(4), rig_ap_to_station, g);
    sim_at(s, SIM_SEC(5), rig_wedge, g);
    sim_at(s, SIM_SEC(6), rig_ap_to_station, g);
    sim_at(s, SIM_SEC(7), rig_ap_to_station, g);
    rig_run(g, SIM_SEC(18));

    struct obs *o = &g->o;
    assert_int_equal(o->status[0], CHIP_LINK_JOIN);
    for (int i = 0; i <= 6; i++)
        assert_int_equal(o->rc[i], CHIP_OK);
    /* before the wedge one frame each way; after it, nothing either way */
    assert_int_equal(g->br.n, 1);
    assert_int_equal(o->rx_frames, 1);
    /* and the link is still reported up long after */
    assert_int_equal(o->status[1], CHIP_LINK_JOIN);
    assert_int_equal(o->tcpip[1], CHIP_LINK_UP);
    assert_true(o->flag[0]);
    assert_int_equal(o->up_count, 1);
    assert_int_equal(o->down_count, 0);

    radio *r = world_radio(g->w);
    assert_int_equal(radio_wedged(r), RADIO_WEDGE_FRAMES);
    assert_true(radio_joined(r));
    radio_stats st;
    radio_get_stats(r, &st);
    assert_int_equal(st.beacons_rx, g->at_wedge.beacons_rx);
    assert_int_equal(st.tx_data, g->at_wedge.tx_data);
    assert_int_equal(st.wedge_tx_dropped, 5);
    assert_true(st.wedge_rx_dropped >= 2 + 100); /* the two data frames and 12 s of beacons */
    assert_int_equal(st.link_losses, 0);
    assert_int_equal(log_count(&g->log, "beacon_loss"), 0);
    assert_string_equal(g->log.modes[log_find(&g->log, "wedge", 0)], "frames");
    rig_destroy(g);
}

/* ---- recovery ---- */

static int fw_recover(void *arg)
{
    struct rig *g = arg;
    struct obs *o = &g->o;
    fw_callbacks(o);
    chip_wifi_set_up(CHIP_ITF_STA, true);
    fw_join();
    o->status[0] = fw_wait_link(o, 0, 20000);
    fw_sleep_until(6000); /* wedged at 5 s */
    int32_t rssi = 0;
    o->rc[0] = chip_wifi_get_rssi(&rssi); /* the firmware's health check */
    o->rc[1] = fw_send(1);
    fw_power_cycle(o);
    o->status[1] = chip_wifi_link_status(CHIP_ITF_STA);
    o->rc[2] = fw_join();
    o->status[2] = fw_wait_link(o, 1, 20000);
    for (int i = 0; i < 3; i++) {
        o->rc[3 + i] = fw_send(10 + i);
        hal_sleep_ms(50);
    }
    return 0;
}

static void run_recover(struct rig *g, const char *air_pcap)
{
    rig_make(g, air_pcap);
    g->mode = RADIO_WEDGE_BOTH;
    rig_spawn(g, fw_recover);
    sim *s = world_sim(g->w);
    sim_at(s, SIM_SEC(5), rig_wedge, g);
    sim_at(s, SIM_SEC(12), rig_ap_to_station, g);
    rig_run(g, SIM_SEC(13));
}

static void test_power_cycle_clears(void **state)
{
    struct rig *g = *state;
    run_recover(g, NULL);
    struct obs *o = &g->o;
    assert_int_equal(o->status[0], CHIP_LINK_JOIN);
    assert_int_equal(o->rc[0], CHIP_ETIMEDOUT);
    assert_int_equal(o->rc[1], CHIP_ETIMEDOUT); /* BOTH: the command wedge answers first */
    /* powered on again: IDLE as after any power-on */
    assert_int_equal(o->status[1], CHIP_LINK_DOWN);
    assert_int_equal(o->rc[2], CHIP_OK);
    assert_int_equal(o->status[2], CHIP_LINK_JOIN);
    assert_int_equal(o->up_count, 2);
    /* the power-off dropped the (stale) link: the host heard of it */
    assert_int_equal(o->down_count, 1);
    assert_true(o->down_at[0] >= SIM_SEC(6) && o->down_at[0] < SIM_SEC(7));
    assert_true(o->up_at[1] > SIM_SEC(7) && o->up_at[1] < SIM_SEC(10));
    for (int i = 3; i < 6; i++)
        assert_int_equal(o->rc[i], CHIP_OK);
    assert_int_equal(g->br.n, 3);
    assert_int_equal(o->rx_frames, 1);
    assert_int_equal(radio_wedged(world_radio(g->w)), RADIO_WEDGE_NONE);

    const struct radio_log *l = &g->log;
    assert_int_equal(log_count(l, "wedge"), 1);
    assert_int_equal(log_count(l, "wedge_cleared"), 1);
    assert_int_equal(log_count(l, "wedge_survived"), 0);
    int w = log_find(l, "wedge", 0), c = log_find(l, "wedge_cleared", 0);
    assert_string_equal(l->modes[w], "both");
    assert_string_equal(l->modes[c], "both");
    assert_true(w < c);
    assert_true(log_find(l, "link_up", c) > c); /* the new join came after */
    rig_destroy(g);
}

static int fw_survives(void *arg)
{
    struct rig *g = arg;
    struct obs *o = &g->o;
    fw_callbacks(o);
    chip_wifi_set_up(CHIP_ITF_STA, true);
    fw_join();
    o->status[0] = fw_wait_link(o, 0, 20000);
    fw_sleep_until(6000); /* wedged at 5 s */
    o->rc[0] = fw_join();
    fw_power_cycle(o);
    o->status[1] = chip_wifi_link_status(CHIP_ITF_STA);
    o->rc[1] = fw_join(); /* still wedged: the first cycle did not clear it */
    fw_power_cycle(o);
    o->rc[2] = fw_join();
    o->status[2] = fw_wait_link(o, 1, 20000);
    return 0;
}

static void test_survives_one_power_cycle(void **state)
{
    struct rig *g = *state;
    rig_make(g, NULL);
    g->mode = RADIO_WEDGE_COMMANDS;
    g->survives = 1;
    rig_spawn(g, fw_survives);
    sim_at(world_sim(g->w), SIM_SEC(5), rig_wedge, g);
    rig_run(g, SIM_SEC(15));
    struct obs *o = &g->o;
    assert_int_equal(o->status[0], CHIP_LINK_JOIN);
    assert_int_equal(o->rc[0], CHIP_ETIMEDOUT);
    assert_int_equal(o->status[1], CHIP_LINK_DOWN);
    assert_int_equal(o->rc[1], CHIP_ETIMEDOUT);
    assert_int_equal(o->rc[2], CHIP_OK);
    assert_int_equal(o->status[2], CHIP_LINK_JOIN);
    assert_int_equal(o->up_count, 2);
    assert_int_equal(radio_wedged(world_radio(g->w)), RADIO_WEDGE_NONE);

    const struct radio_log *l = &g->log;
    int sv = log_find(l, "wedge_survived", 0), cl = log_find(l, "wedge_cleared", 0);
    assert_true(sv >= 0 && cl > sv);
    assert_int_equal(l->left[sv], 0);
    assert_int_equal(log_count(l, "wedge_survived"), 1);
    assert_int_equal(log_count(l, "wedge_cleared"), 1);
    rig_destroy(g);
}

/* ---- wedges that hit work in progress ---- */

static int fw_hung_join(void *arg)
{
    struct rig *g = arg;
    struct obs *o = &g->o;
    fw_callbacks(o);
    chip_wifi_set_up(CHIP_ITF_STA, true);
    o->rc[0] = fw_join(); /* at 0 s; the chip is wedged while it scans for the AP */
    o->status[0] = fw_wait_link(o, 0, 30000);
    o->flag[0] = chip_wifi_scan_active();
    fw_power_cycle(o);
    o->rc[1] = fw_join();
    o->status[1] = fw_wait_link(o, 0, 20000);
    return 0;
}

static void rig_check_not_joined(void *arg)
{
    struct rig *g = arg;
    g->o.flag[1] = ap_station_authorized(world_ap(g->w, 0), STA_MAC);
    radio_get_stats(world_radio(g->w), &g->at_wedge);
}

static void test_commands_wedge_mid_join(void **state)
{
    struct rig *g = *state;
    rig_make(g, NULL);
    g->mode = RADIO_WEDGE_COMMANDS;
    rig_spawn(g, fw_hung_join);
    sim_at(world_sim(g->w), SIM_MS(100), rig_wedge, g);
    sim_at(world_sim(g->w), SIM_SEC(29), rig_check_not_joined, g);
    rig_run(g, SIM_SEC(40));
    struct obs *o = &g->o;
    assert_int_equal(o->rc[0], CHIP_OK);
    /* The join never finished nor failed: 30 s of a stale JOIN. */
    assert_int_equal(o->status[0], CHIP_LINK_JOIN);
    assert_false(o->flag[0]);
    assert_false(o->flag[1]);
    assert_int_equal(g->at_wedge.joins, 0);
    assert_int_equal(log_count(&g->log, "join_failed"), 0);
    /* after the power cycle the join works */
    assert_int_equal(o->rc[1], CHIP_OK);
    assert_int_equal(o->status[1], CHIP_LINK_JOIN);
    assert_int_equal(o->up_count, 1);
    assert_int_equal(o->down_count, 0); /* the host never saw the first link up */
    rig_destroy(g);
}

static int fw_deaf_join(void *arg)
{
    struct rig *g = arg;
    struct obs *o = &g->o;
    fw_callbacks(o);
    chip_wifi_set_up(CHIP_ITF_STA, true);
    o->rc[0] = fw_join(); /* wedged while it scans for the AP */
    o->status[0] = fw_wait_link(o, 0, 30000);
    o->rc[1] = fw_join(); /* commands still answer; the chip still hears nothing */
    o->status[1] = fw_wait_link(o, 0, 30000);
    o->rc[2] = chip_wifi_scan(NULL, o, on_scan_result);
    while (chip_wifi_scan_active())
        hal_sleep_ms(50);
    fw_power_cycle(o);
    o->rc[3] = fw_join();
    o->status[2] = fw_wait_link(o, 0, 20000);
    return 0;
}

static void test_frames_wedge_mid_join(void **state)
{
    struct rig *g = *state;
    rig_make(g, NULL);
    g->mode = RADIO_WEDGE_FRAMES;
    rig_spawn(g, fw_deaf_join);
    sim_at(world_sim(g->w), SIM_MS(100), rig_wedge, g);
    rig_run(g, SIM_SEC(30));
    struct obs *o = &g->o;
    assert_int_equal(o->rc[0], CHIP_OK);
    assert_int_equal(o->status[0], CHIP_LINK_NONET);
    assert_int_equal(o->rc[1], CHIP_OK);
    assert_int_equal(o->status[1], CHIP_LINK_NONET);
    assert_int_equal(o->rc[2], CHIP_OK);
    assert_true(o->scan_done);
    assert_int_equal(o->scan_n, 0);
    assert_int_equal(o->rc[3], CHIP_OK);
    assert_int_equal(o->status[2], CHIP_LINK_JOIN);
    assert_int_equal(o->up_count, 1);
    radio_stats st;
    radio_get_stats(world_radio(g->w), &st);
    assert_true(st.wedge_tx_dropped > 0); /* the probe requests of the deaf scans */
    assert_int_equal(log_count(&g->log, "join_failed"), 2);
    rig_destroy(g);
}

static int fw_hung_scan(void *arg)
{
    struct rig *g = arg;
    struct obs *o = &g->o;
    fw_callbacks(o);
    chip_wifi_set_up(CHIP_ITF_STA, true);
    fw_join();
    o->status[0] = fw_wait_link(o, 0, 20000);
    fw_sleep_until(5000);
    o->rc[0] = chip_wifi_scan(NULL, o, on_scan_result); /* wedged 100 ms into it */
    fw_sleep_until(10000);
    o->flag[0] = chip_wifi_scan_active();
    o->flag[1] = o->scan_done;
    o->status[1] = chip_wifi_link_status(CHIP_ITF_STA);
    fw_power_cycle(o);
    o->flag[2] = chip_wifi_scan_active();
    o->scan_n = 0;
    o->rc[1] = chip_wifi_scan(NULL, o, on_scan_result);
    while (chip_wifi_scan_active())
        hal_sleep_ms(50);
    return 0;
}

static void test_commands_wedge_mid_scan(void **state)
{
    struct rig *g = *state;
    rig_make(g, NULL);
    g->mode = RADIO_WEDGE_COMMANDS;
    rig_spawn(g, fw_hung_scan);
    sim_at(world_sim(g->w), SIM_MS(5100), rig_wedge, g);
    rig_run(g, SIM_SEC(15));
    struct obs *o = &g->o;
    assert_int_equal(o->status[0], CHIP_LINK_JOIN);
    assert_int_equal(o->rc[0], CHIP_OK);
    /* the scan hangs with the chip: never done, still joined as reported */
    assert_true(o->flag[0]);
    assert_false(o->flag[1]);
    assert_int_equal(o->status[1], CHIP_LINK_JOIN);
    /* the power-off ends both, and the host hears the link go */
    assert_false(o->flag[2]);
    assert_int_equal(o->down_count, 1);
    assert_int_equal(o->rc[1], CHIP_OK);
    assert_true(o->scan_done);
    assert_int_equal(o->scan_n, 1);
    rig_destroy(g);
}

static int fw_boot_wedged(void *arg)
{
    struct rig *g = arg;
    struct obs *o = &g->o;
    fw_callbacks(o);
    o->rc[0] = fw_join(); /* powered down: EPERM, not a timeout */
    chip_wifi_set_up(CHIP_ITF_STA, true);
    o->rc[1] = fw_join();
    o->status[0] = chip_wifi_link_status(CHIP_ITF_STA);
    fw_power_cycle(o);
    o->rc[2] = fw_join();
    o->status[1] = fw_wait_link(o, 0, 20000);
    return 0;
}

static void test_wedge_while_powered_down(void **state)
{
    struct rig *g = *state;
    rig_make(g, NULL);
    radio *r = world_radio(g->w);
    radio_wedge(r, RADIO_WEDGE_NONE, 3); /* nothing to do */
    assert_int_equal(radio_wedged(r), RADIO_WEDGE_NONE);
    radio_wedge(r, RADIO_WEDGE_COMMANDS, 0);
    assert_int_equal(radio_wedged(r), RADIO_WEDGE_COMMANDS);
    rig_spawn(g, fw_boot_wedged);
    rig_run(g, SIM_SEC(10));
    struct obs *o = &g->o;
    assert_int_equal(o->rc[0], CHIP_EPERM);
    /* the first power-on is not a cycle: the chip booted hung */
    assert_int_equal(o->rc[1], CHIP_ETIMEDOUT);
    assert_int_equal(o->status[0], CHIP_LINK_DOWN);
    assert_int_equal(o->rc[2], CHIP_OK);
    assert_int_equal(o->status[1], CHIP_LINK_JOIN);
    assert_int_equal(radio_wedged(r), RADIO_WEDGE_NONE);
    assert_int_equal(log_count(&g->log, "wedge_cleared"), 1);
    rig_destroy(g);
}

/* A second wedge adds its mode to the first. */
static void test_wedge_modes_add_up(void **state)
{
    struct rig *g = *state;
    rig_make(g, NULL);
    radio *r = world_radio(g->w);
    assert_int_equal(radio_power(r, true), RADIO_OK);
    radio_wedge(r, RADIO_WEDGE_FRAMES, 0);
    assert_int_equal(radio_join(r, &(radio_join_params){.ssid_len = 2, .ssid = "ab"}), RADIO_OK);
    radio_wedge(r, RADIO_WEDGE_COMMANDS, 0);
    assert_int_equal(radio_wedged(r), RADIO_WEDGE_BOTH);
    assert_int_equal(radio_leave(r), RADIO_ETIMEDOUT);
    assert_int_equal(radio_power(r, false), RADIO_OK);
    assert_int_equal(radio_power(r, true), RADIO_OK);
    assert_int_equal(radio_wedged(r), RADIO_WEDGE_NONE);
    assert_int_equal(radio_leave(r), RADIO_OK);
    rig_destroy(g);
}

/* ---- determinism ---- */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    *len = fread(b, 1, (size_t)n, f);
    fclose(f);
    return b;
}

static void recover_with_trace(struct rig *g, const char *pcap, const char *trace)
{
    rig_make(g, pcap);
    sim_err err = {0};
    if (sim_trace_open(sim_trace_of(world_sim(g->w)), trace, &err) != SIM_OK)
        fail_msg("trace: %s", err.msg);
    g->mode = RADIO_WEDGE_BOTH;
    rig_spawn(g, fw_recover);
    sim *s = world_sim(g->w);
    sim_at(s, SIM_SEC(5), rig_wedge, g);
    sim_at(s, SIM_SEC(12), rig_ap_to_station, g);
    rig_run(g, SIM_SEC(13));
    assert_int_equal(g->o.up_count, 2);
    rig_destroy(g);
}

static void test_deterministic(void **state)
{
    recover_with_trace(*state, OUT "wedge_a.pcap", OUT "wedge_a.jsonl");
    recover_with_trace(*state, OUT "wedge_b.pcap", OUT "wedge_b.jsonl");
    const char *pairs[2][2] = {{OUT "wedge_a.pcap", OUT "wedge_b.pcap"}, {OUT "wedge_a.jsonl", OUT "wedge_b.jsonl"}};
    for (int i = 0; i < 2; i++) {
        size_t la = 0, lb = 0;
        char *a = slurp(pairs[i][0], &la), *b = slurp(pairs[i][1], &lb);
        assert_non_null(a);
        assert_non_null(b);
        assert_true(la > 1000);
        assert_int_equal(la, lb);
        assert_memory_equal(a, b, la);
        free(a);
        free(b);
    }
    /* the trace file carries the fault for whoever reads the run */
    size_t n = 0;
    char *t = slurp(OUT "wedge_a.jsonl", &n);
    t[n] = '\0';
    assert_non_null(strstr(t, "\"event\":\"wedge\""));
    assert_non_null(strstr(t, "\"event\":\"wedge_cleared\""));
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commands_wedge, rig_setup, rig_teardown),
        cmocka_unit_test_setup_teardown(test_frames_wedge, rig_setup, rig_teardown),
        cmocka_unit_test_setup_teardown(test_power_cycle_clears, rig_setup, rig_teardown),
        cmocka_unit_test_setup_teardown(test_survives_one_power_cycle, rig_setup, rig_teardown),
        cmocka_unit_test_setup_teardown(test_commands_wedge_mid_join, rig_setup, rig_teardown),
        cmocka_unit_test_setup_teardown(test_frames_wedge_mid_join, rig_setup, rig_teardown),
        cmocka_unit_test_setup_teardown(test_commands_wedge_mid_scan, rig_setup, rig_teardown),
        cmocka_unit_test_setup_teardown(test_wedge_while_powered_down, rig_setup, rig_teardown),
        cmocka_unit_test_setup_teardown(test_wedge_modes_add_up, rig_setup, rig_teardown),
        cmocka_unit_test_setup_teardown(test_deterministic, rig_setup, rig_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
