/* Medium: path loss, sensitivity, SNR loss, airtime and queueing on virtual
 * time, receivers changing mid-frame, determinism, and the air capture read
 * back byte by byte (and by tshark when it is installed).
 *
 * Statistical checks run on fixed seeds, so they are deterministic; their
 * bounds are still wide so that a change of generator would not trip them. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "dot11/frame.h"
#include "dot11/radiotap.h"
#include "radio_model/medium.h"
#include "sim/capture.h"
#include "sim/sim.h"

/* cmocka's float assertion works in single precision; these are doubles. */
#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (double)(eps))

/* ---- a small world that records what every listener hears ---- */

struct rec {
    int node;
    sim_time t;
    double rssi;
    double snr;
    int channel;
    uint8_t rate;
    int64_t tx_start;
    size_t len;
    uint8_t tag; /* last byte of the frame: which frame it was */
};

#define MAX_NODES 8

struct world;
struct listener {
    struct world *w;
    int id;
};

struct world {
    sim *s;
    medium *m;
    struct listener l[MAX_NODES];
    medium_node *n[MAX_NODES];
    int nn;
    struct rec *recs;
    size_t nrec, cap;
};

static void on_rx(void *ctx, const uint8_t *frame, size_t len, const dot11_rx_info *info)
{
    struct listener *l = ctx;
    struct world *w = l->w;
    if (w->nrec == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 256;
        w->recs = realloc(w->recs, w->cap * sizeof *w->recs);
        assert_non_null(w->recs);
    }
    assert_true(len > 0);
    w->recs[w->nrec++] = (struct rec){
        .node = l->id,
        .t = sim_now(w->s),
        .rssi = info->rssi_dbm,
        .snr = info->snr_db,
        .channel = info->channel,
        .rate = info->rate,
        .tx_start = info->tx_start_ns,
        .len = len,
        .tag = frame[len - 1],
    };
}

static void world_init(struct world *w, uint64_t seed, const medium_config *mc)
{
    memset(w, 0, sizeof *w);
    sim_err err = {0};
    w->s = sim_create(&(sim_config){.seed = seed}, &err);
    assert_non_null(w->s);
    sim_trace_set_log(sim_trace_of(w->s), NULL, SIM_LOG_OFF);
    w->m = medium_create(w->s, mc, &err);
    assert_non_null(w->m);
}

static medium_node *world_add(struct world *w, const char *name, double x, int channel)
{
    assert_true(w->nn < MAX_NODES);
    int id = w->nn++;
    medium_node_config nc;
    medium_node_config_default(&nc);
    nc.name = name;
    nc.mac[0] = 0x02;
    nc.mac[5] = (uint8_t)(id + 1);
    nc.x = x;
    nc.channel = channel;
    w->l[id] = (struct listener){.w = w, .id = id};
    nc.rx = on_rx;
    nc.rx_ctx = &w->l[id];
    sim_err err = {0};
    w->n[id] = medium_attach(w->m, &nc, &err);
    assert_non_null(w->n[id]);
    return w->n[id];
}

static void world_free(struct world *w)
{
    medium_destroy(w->m);
    sim_destroy(w->s);
    free(w->recs);
}

static size_t count_node(const struct world *w, int node)
{
    size_t c = 0;
    for (size_t i = 0; i < w->nrec; i++)
        c += w->recs[i].node == node;
    return c;
}

static medium_config no_shadowing(void)
{
    medium_config mc;
    medium_config_default(&mc);
    mc.shadowing_sigma_db = 0;
    return mc;
}

/* A 100-byte frame whose last byte tags it. */
static sim_time send_tagged(medium_node *n, uint8_t tag, uint8_t rate)
{
    uint8_t f[100];
    memset(f, 0xa5, sizeof f);
    f[0] = 0x08; /* data frame */
    f[sizeof f - 1] = tag;
    return medium_transmit(n, f, sizeof f, rate);
}

/* ---- path loss ---- */

static void test_defaults(void **state)
{
    (void)state;
    medium_config mc;
    medium_config_default(&mc);
    assert_near(mc.ref_distance_m, 1.0, 0);
    assert_near(mc.ref_loss_db, 40.05, 0);
    assert_near(mc.path_loss_exponent, 3.0, 0);
    assert_near(mc.shadowing_sigma_db, 4.0, 0);
    assert_near(mc.noise_floor_dbm, -95.0, 0);
    assert_null(mc.air);
    medium_node_config nc;
    medium_node_config_default(&nc);
    assert_near(nc.tx_power_dbm, 20.0, 0);
    assert_near(nc.sensitivity_dbm, -88.0, 0);
    assert_int_equal(nc.channel, 1);
    assert_near(nc.x, 0, 0);
}

static void test_path_loss_formula(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 1, NULL);
    medium_node *a = world_add(&w, "a", 0, 1);
    medium_node *at1 = world_add(&w, "1m", 1, 1);
    medium_node *at10 = world_add(&w, "10m", 10, 1);
    medium_node *at100 = world_add(&w, "100m", 100, 1);
    medium_node *near = world_add(&w, "0.5m", 0.5, 1);
    /* P_rx = 20 - (40.05 + 30 log10 d) */
    assert_near(medium_mean_rssi(a, at1), -20.05, 1e-9);
    assert_near(medium_mean_rssi(a, at10), -50.05, 1e-9);
    assert_near(medium_mean_rssi(a, at100), -80.05, 1e-9);
    assert_near(medium_mean_rssi(a, near), -20.05, 1e-9); /* d < d0 counts as d0 */
    /* symmetric with equal powers; follows tx power and 3-D moves */
    assert_near(medium_mean_rssi(at10, a), -50.05, 1e-9);
    medium_node_set_tx_power(a, 10);
    assert_near(medium_node_tx_power(a), 10, 0);
    assert_near(medium_mean_rssi(a, at10), -60.05, 1e-9);
    medium_node_move(at10, 0, 6, 8);
    double x, y, z;
    medium_node_position(at10, &x, &y, &z);
    assert_near(y, 6, 0);
    assert_near(z, 8, 0);
    assert_near(medium_mean_rssi(a, at10), -60.05, 1e-9);
    world_free(&w);

    /* another configuration: d0 2 m, PL(d0) 50 dB, n 2 */
    medium_config mc;
    medium_config_default(&mc);
    mc.ref_distance_m = 2;
    mc.ref_loss_db = 50;
    mc.path_loss_exponent = 2;
    world_init(&w, 1, &mc);
    a = world_add(&w, "a", 0, 1);
    medium_node *b = world_add(&w, "b", 20, 1);
    medium_node *c = world_add(&w, "c", 1, 1);
    assert_near(medium_mean_rssi(a, b), 20 - (50 + 20 * log10(10.0)), 1e-9);
    assert_near(medium_mean_rssi(a, c), 20 - 50, 1e-9);
    world_free(&w);
}

/* A receiver that hears many transmitters keeps each one's path loss
 * (medium.c, pair_loss): the answers stay those of the formula while its
 * table grows, and a move of the transmitter or of the receiver is seen on
 * the next query. */
static void test_path_loss_many_transmitters(void **state)
{
    (void)state;
    enum { NTX = 40 };
    struct world w;
    world_init(&w, 1, NULL);
    medium_node *rx = world_add(&w, "rx", 0, 1);
    medium_node *tx[NTX];
    for (int i = 0; i < NTX; i++) {
        medium_node_config nc;
        medium_node_config_default(&nc);
        nc.name = "tx";
        nc.mac[0] = 0x02;
        nc.mac[4] = 1;
        nc.mac[5] = (uint8_t)i;
        nc.x = 2.0 + i;
        nc.channel = 1 + 5 * (i % 3); /* strided attach indices per channel */
        sim_err err = {0};
        tx[i] = medium_attach(w.m, &nc, &err);
        assert_non_null(tx[i]);
    }
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < NTX; i++) {
            double x, y, z, rx_x;
            medium_node_position(tx[i], &x, &y, &z);
            medium_node_position(rx, &rx_x, NULL, NULL);
            double d = fabs(x - rx_x);
            assert_near(medium_mean_rssi(tx[i], rx), 20 - (40.05 + 30 * log10(d)), 1e-9);
        }
        for (int i = round; i < NTX; i += 7)
            medium_node_move(tx[i], 3.0 + 2 * i, 0, 0);
        if (round == 1)
            medium_node_move(rx, -5, 0, 0);
    }
    world_free(&w);
}

/* Shadowed RSSIs still fall with distance on average. */
static void test_rssi_ordering(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 11, NULL);
    medium_node *tx = world_add(&w, "tx", 0, 6);
    world_add(&w, "5m", 5, 6);
    world_add(&w, "15m", 15, 6);
    world_add(&w, "30m", 30, 6);
    for (int i = 0; i < 300; i++)
        assert_true(send_tagged(tx, 0, 2) > 0);
    sim_run_until(w.s, SIM_SEC(1));
    double sum[4] = {0};
    size_t n[4] = {0};
    for (size_t i = 0; i < w.nrec; i++) {
        sum[w.recs[i].node] += w.recs[i].rssi;
        n[w.recs[i].node]++;
        assert_near(w.recs[i].snr, w.recs[i].rssi + 95.0, 1e-9);
        assert_int_equal(w.recs[i].channel, 6);
        assert_int_equal(w.recs[i].rate, 2);
    }
    for (int k = 1; k <= 3; k++)
        assert_true(n[k] > 250);
    double m5 = sum[1] / (double)n[1], m15 = sum[2] / (double)n[2], m30 = sum[3] / (double)n[3];
    assert_true(m5 > m15 + 5);
    assert_true(m15 > m30 + 5);
    /* means near the formula (4 dB sigma, ~300 samples) */
    assert_near(m5, medium_mean_rssi(tx, w.n[1]), 1.5);
    assert_near(m15, medium_mean_rssi(tx, w.n[2]), 1.5);
    world_free(&w);
}

/* ---- airtime ---- */

static void test_airtime(void **state)
{
    (void)state;
    /* 802.11b long preamble: 192 us + 8 len / Mb/s, rounded up */
    assert_int_equal(medium_airtime(100, 2), SIM_US(192 + 800));
    assert_int_equal(medium_airtime(100, 4), SIM_US(192 + 400));
    assert_int_equal(medium_airtime(100, 11), SIM_US(192 + 146)); /* 800 / 5.5 = 145.45 */
    assert_int_equal(medium_airtime(100, 22), SIM_US(192 + 73));  /* 800 / 11 = 72.7 */
    /* OFDM: 20 us + 4 us * ceil((16 + 8 len + 6) / (4 Mb/s)) */
    assert_int_equal(medium_airtime(100, 12), SIM_US(20 + 4 * 35));  /* 822 / 24 */
    assert_int_equal(medium_airtime(100, 108), SIM_US(20 + 4 * 4)); /* 822 / 216 */
    assert_int_equal(medium_airtime(1500, 48), SIM_US(20 + 4 * 126)); /* 12022 / 96 = 125.2 */
    assert_int_equal(medium_airtime(1, 108), SIM_US(24));
    /* bad rates */
    assert_int_equal(medium_airtime(100, 0), -1);
    assert_int_equal(medium_airtime(100, 3), -1);
    assert_int_equal(medium_airtime(100, 0x82), -1);
    assert_int_equal(medium_airtime(100, 109), -1);
}

/* ---- who hears what ---- */

static void test_other_channel_not_heard(void **state)
{
    (void)state;
    medium_config mc = no_shadowing();
    struct world w;
    world_init(&w, 1, &mc);
    medium_node *tx = world_add(&w, "tx", 0, 1);
    world_add(&w, "same", 5, 1);
    world_add(&w, "ch6", 5, 6);
    world_add(&w, "ch36", 5, 36);
    world_add(&w, "ch2", 5, 2);
    for (int i = 0; i < 20; i++)
        assert_true(send_tagged(tx, (uint8_t)i, 12) > 0);
    sim_run_until(w.s, SIM_SEC(1));
    assert_int_equal(count_node(&w, 1), 20);
    assert_int_equal(count_node(&w, 2), 0);
    assert_int_equal(count_node(&w, 3), 0);
    assert_int_equal(count_node(&w, 4), 0);
    /* retuned, it hears */
    assert_int_equal(medium_node_set_channel(w.n[2], 1), SIM_OK);
    assert_int_equal(medium_node_channel(w.n[2]), 1);
    assert_true(send_tagged(tx, 99, 12) > 0);
    sim_run_until(w.s, SIM_SEC(2));
    assert_int_equal(count_node(&w, 2), 1);
    medium_stats st;
    medium_get_stats(w.m, &st);
    assert_int_equal(st.tx_frames, 21);
    assert_int_equal(st.rx_frames, 22);
    assert_int_equal(st.lost_sensitivity + st.lost_snr + st.lost_moved, 0);
    world_free(&w);
}

static void test_below_sensitivity(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 3, NULL); /* defaults, shadowing on */
    medium_node *tx = world_add(&w, "tx", 0, 11);
    world_add(&w, "1km", 1000, 11);
    /* mean -110 dBm: 22 dB (5.5 sigma) below -88 */
    for (int i = 0; i < 500; i++)
        assert_true(send_tagged(tx, 0, 2) > 0);
    sim_run_until(w.s, SIM_SEC(2));
    assert_int_equal(w.nrec, 0);
    medium_stats st;
    medium_get_stats(w.m, &st);
    assert_int_equal(st.tx_frames, 500);
    assert_int_equal(st.lost_sensitivity, 500);
    assert_int_equal(st.rx_frames, 0);

    /* a receiver with a worse sensitivity misses what its neighbour hears */
    medium_config mc = no_shadowing();
    struct world w2;
    world_init(&w2, 3, &mc);
    tx = world_add(&w2, "tx", 0, 1);
    world_add(&w2, "good", 150, 1); /* -85.3 dBm */
    medium_node_config nc;
    medium_node_config_default(&nc);
    nc.x = 150;
    nc.sensitivity_dbm = -80;
    nc.rx = on_rx;
    w2.l[2] = (struct listener){.w = &w2, .id = 2};
    nc.rx_ctx = &w2.l[2];
    assert_non_null(medium_attach(w2.m, &nc, NULL));
    for (int i = 0; i < 50; i++)
        assert_true(send_tagged(tx, 0, 2) > 0);
    sim_run_until(w2.s, SIM_SEC(1));
    assert_true(count_node(&w2, 1) > 40); /* SNR 9.7 dB at snr50 2 */
    assert_int_equal(count_node(&w2, 2), 0);
    world_free(&w2);
    world_free(&w);
}

/* At 54 Mb/s (snr50 23 dB) the SNR is 35.9 dB at 20 m, 24.0 dB at 50 m and
 * 17.9 dB at 80 m. */
static void test_loss_rises_with_distance(void **state)
{
    (void)state;
    struct world w;
    world_init(&w, 42, NULL);
    medium_node *tx = world_add(&w, "tx", 0, 1);
    world_add(&w, "20m", 20, 1);
    world_add(&w, "50m", 50, 1);
    world_add(&w, "80m", 80, 1);
    const int N = 2000;
    for (int i = 0; i < N; i++)
        assert_true(send_tagged(tx, 0, 108) > 0);
    sim_run_until(w.s, SIM_SEC(10));
    double r20 = (double)count_node(&w, 1) / N;
    double r50 = (double)count_node(&w, 2) / N;
    double r80 = (double)count_node(&w, 3) / N;
    assert_true(r20 > 0.9);
    assert_true(r50 > 0.25 && r50 < 0.85);
    assert_true(r80 < 0.35);
    assert_true(r20 > r50 + 0.1);
    assert_true(r50 > r80 + 0.1);
    medium_stats st;
    medium_get_stats(w.m, &st);
    assert_int_equal(st.tx_frames, (uint64_t)N);
    assert_int_equal(st.rx_frames + st.lost_sensitivity + st.lost_snr, (uint64_t)(3 * N));
    assert_true(st.lost_snr > 0);
    world_free(&w);
}

/* ---- time ---- */

static void test_delivery_time_exact(void **state)
{
    (void)state;
    medium_config mc = no_shadowing();
    struct world w;
    world_init(&w, 1, &mc);
    medium_node *tx = world_add(&w, "tx", 0, 1);
    world_add(&w, "here", 0, 1);
    world_add(&w, "light-100ns", 29.9792458, 1); /* 100 ns away */
    sim_run_until(w.s, SIM_MS(3) + 7);
    const sim_time t0 = sim_now(w.s);
    sim_time end = send_tagged(tx, 1, 22);
    assert_int_equal(end, t0 + medium_airtime(100, 22));
    sim_run_until(w.s, SIM_SEC(1));
    assert_int_equal(w.nrec, 2);
    assert_int_equal(w.recs[0].node, 1);
    assert_int_equal(w.recs[0].t, end);
    assert_int_equal(w.recs[0].tx_start, t0);
    assert_near(w.recs[0].rssi, medium_mean_rssi(tx, w.n[1]), 1e-9);
    assert_int_equal(w.recs[1].node, 2);
    assert_int_equal(w.recs[1].t, end + 100);
    assert_int_equal(w.recs[1].tx_start, t0);
    assert_near(w.recs[1].rssi, medium_mean_rssi(tx, w.n[2]), 1e-9);
    assert_int_equal(w.recs[1].len, 100);
    assert_int_equal(w.recs[1].tag, 1);
    world_free(&w);
}

static void test_queueing(void **state)
{
    (void)state;
    medium_config mc = no_shadowing();
    struct world w;
    world_init(&w, 1, &mc);
    medium_node *a = world_add(&w, "a", 0, 1);
    medium_node *b = world_add(&w, "b", 0, 1);
    const sim_time at1 = medium_airtime(100, 2), at2 = medium_airtime(100, 108);
    sim_time e1 = send_tagged(a, 1, 2);
    sim_time e2 = send_tagged(a, 2, 108);
    assert_int_equal(e1, at1);
    assert_true(e2 > at1 + at2); /* an estimate: the post-backoff is drawn when e1 starts */
    /* another node on the channel defers to a's frame (carrier sense,
     * 10.3.2.3) and backs off; the two waiting frames never overlap */
    send_tagged(b, 3, 108);
    sim_run_until(w.s, SIM_MS(1) + SIM_US(500));
    assert_int_equal(w.nrec, 3);
    assert_int_equal(w.recs[0].tag, 1);
    assert_int_equal(w.recs[0].t, e1);
    assert_int_equal(w.recs[0].tx_start, 0);
    const struct rec *r2 = w.recs[1].tag == 2 ? &w.recs[1] : &w.recs[2];
    const struct rec *r3 = w.recs[1].tag == 3 ? &w.recs[1] : &w.recs[2];
    assert_int_equal(r2->tag, 2);
    assert_int_equal(r3->tag, 3);
    for (const struct rec *r = &w.recs[1]; r <= &w.recs[2]; r++) {
        assert_true(r->tx_start >= e1 + SIM_US(28) && r->tx_start <= e1 + SIM_US(28 + 2 * 15 * 9) + at2);
        assert_int_equal(r->t, r->tx_start + at2);
        assert_int_equal(r->rate, 108);
    }
    assert_true(w.recs[2].tx_start >= w.recs[1].t + SIM_US(28));
    /* once idle, a frame starts at once */
    const sim_time t3 = sim_now(w.s);
    assert_int_equal(send_tagged(a, 4, 2), t3 + at1);
    sim_run_until(w.s, SIM_SEC(1));
    assert_int_equal(w.nrec, 4);
    assert_int_equal(w.recs[3].tx_start, t3);
    world_free(&w);
}

/* A node that loses the contention freezes its backoff counter while the
 * winner's frame holds the channel and resumes it a DIFS after that frame
 * (10.3.4.3), rather than drawing again: b and c, queued behind a's frame,
 * draw w and l slots (0..15); the first starts w slots after a's frame and
 * DIFS, the second l - w slots after the first's frame and DIFS, so the
 * two waits add up to the second's one draw: at most 15 slots. A redraw
 * after losing would make them add up to as many as 30. */
static void test_frozen_backoff(void **state)
{
    (void)state;
    const sim_time slot = SIM_US(9), difs = SIM_US(28), at = medium_airtime(100, 2);
    int sum_max = 0;
    for (uint64_t seed = 1; seed <= 200; seed++) {
        medium_config mc = no_shadowing();
        struct world w;
        world_init(&w, seed, &mc);
        medium_node *a = world_add(&w, "a", 0, 1);
        medium_node *b = world_add(&w, "b", 1, 1);
        medium_node *c = world_add(&w, "c", 2, 1);
        sim_time ea = send_tagged(a, 1, 2);
        sim_run_until(w.s, SIM_US(100));
        send_tagged(b, 2, 2);
        send_tagged(c, 3, 2);
        sim_run_until(w.s, SIM_MS(10));
        sim_time start[4] = {0};
        size_t heard[4] = {0};
        for (size_t i = 0; i < w.nrec; i++) {
            assert_true(w.recs[i].tag >= 1 && w.recs[i].tag <= 3);
            start[w.recs[i].tag] = w.recs[i].tx_start;
            heard[w.recs[i].tag]++;
        }
        assert_int_equal(heard[1], 2);
        assert_int_equal(heard[2], 2);
        assert_int_equal(heard[3], 2);
        sim_time first = start[2] < start[3] ? start[2] : start[3];
        sim_time second = start[2] < start[3] ? start[3] : start[2];
        sim_time wait1 = first - ea - difs, wait2 = second - (first + at) - difs;
        assert_true(wait1 >= 0 && wait1 % slot == 0);
        assert_true(wait2 >= 0 && wait2 % slot == 0);
        int sum = (int)((wait1 + wait2) / slot);
        assert_true(sum <= 15);
        if (sum > sum_max)
            sum_max = sum;
        world_free(&w);
    }
    assert_true(sum_max >= 10); /* the draws do spread over the window */
}

/* ---- changes mid-frame ---- */

static void mid_frame_changes(void *arg)
{
    struct world *w = arg;
    assert_int_equal(medium_node_set_channel(w->n[1], 6), SIM_OK);
    medium_node_set_enabled(w->n[2], false);
    assert_false(medium_node_enabled(w->n[2]));
    medium_detach(w->n[3]);
    assert_int_equal(medium_node_set_channel(w->n[4], 11), SIM_OK);
    assert_int_equal(medium_node_set_channel(w->n[4], 1), SIM_OK); /* back: missed the start */
    medium_node_set_enabled(w->n[5], false);
    medium_node_set_enabled(w->n[5], true); /* likewise */
    medium_node_move(w->n[6], 1000, 0, 0);  /* moving does not undo a frame in flight */
}

static void test_receiver_changes_mid_frame(void **state)
{
    (void)state;
    medium_config mc = no_shadowing();
    struct world w;
    world_init(&w, 1, &mc);
    medium_node *tx = world_add(&w, "tx", 0, 1);
    world_add(&w, "retunes", 3, 1);
    world_add(&w, "disabled", 3, 1);
    world_add(&w, "detached", 3, 1);
    world_add(&w, "away-and-back", 3, 1);
    world_add(&w, "off-and-on", 3, 1);
    world_add(&w, "moves", 3, 1);
    world_add(&w, "stays", 3, 1);
    sim_time end = send_tagged(tx, 7, 2);
    sim_at(w.s, end / 2, mid_frame_changes, &w);
    sim_run_until(w.s, SIM_SEC(1));
    assert_int_equal(w.nrec, 2);
    assert_int_equal(w.recs[0].node, 6);
    assert_int_equal(w.recs[1].node, 7);
    medium_stats st;
    medium_get_stats(w.m, &st);
    assert_int_equal(st.lost_moved, 5);
    assert_int_equal(st.rx_frames, 2);
    /* a detached node cannot come back or send */
    medium_node_set_enabled(w.n[3], true);
    assert_false(medium_node_enabled(w.n[3]));
    assert_int_equal(send_tagged(w.n[3], 0, 2), SIM_ESTATE);
    assert_int_equal(medium_node_set_channel(w.n[3], 1), SIM_ESTATE);
    /* the others hear the next frame where they now are */
    medium_node_set_enabled(w.n[2], true);
    w.nrec = 0;
    send_tagged(tx, 8, 2);
    sim_run_until(w.s, SIM_SEC(2));
    assert_int_equal(count_node(&w, 1), 0); /* on channel 6 */
    assert_int_equal(count_node(&w, 2), 1);
    assert_int_equal(count_node(&w, 3), 0);
    assert_int_equal(count_node(&w, 4), 1);
    assert_int_equal(count_node(&w, 5), 1);
    assert_int_equal(count_node(&w, 6), 0); /* 1 km away now */
    assert_int_equal(count_node(&w, 7), 1);
    world_free(&w);
}

static void disable_first(void *arg)
{
    struct world *w = arg;
    medium_node_set_enabled(w->n[0], false);
}

static void test_transmitter_off_mid_frame(void **state)
{
    (void)state;
    medium_config mc = no_shadowing();
    struct world w;
    world_init(&w, 1, &mc);
    medium_node *tx = world_add(&w, "tx", 0, 1);
    world_add(&w, "rx", 3, 1);
    sim_time e1 = send_tagged(tx, 1, 2);
    send_tagged(tx, 2, 2);
    send_tagged(tx, 3, 2);
    sim_at(w.s, e1 / 2, disable_first, &w);
    sim_run_until(w.s, SIM_SEC(1));
    assert_int_equal(w.nrec, 0);
    medium_stats st;
    medium_get_stats(w.m, &st);
    assert_int_equal(st.tx_frames, 1); /* the queued two never went out */
    assert_int_equal(st.lost_moved, 1);
    assert_int_equal(send_tagged(tx, 4, 2), SIM_ESTATE);
    /* back on: sends at once, not after the dropped queue */
    medium_node_set_enabled(tx, true);
    const sim_time t = sim_now(w.s);
    assert_int_equal(send_tagged(tx, 5, 2), t + medium_airtime(100, 2));
    sim_run_until(w.s, SIM_SEC(2));
    assert_int_equal(w.nrec, 1);
    assert_int_equal(w.recs[0].tag, 5);
    world_free(&w);
}

/* ---- determinism ---- */

static struct world run_story(uint64_t seed, bool extra_node_elsewhere)
{
    struct world w;
    world_init(&w, seed, NULL);
    medium_node *tx = world_add(&w, "tx", 0, 1);
    world_add(&w, "a", 30, 1);
    if (extra_node_elsewhere)
        world_add(&w, "elsewhere", 10, 6); /* not on channel 1: draws nothing */
    world_add(&w, "b", 60, 1);
    world_add(&w, "c", 90, 1);
    for (int i = 0; i < 300; i++)
        send_tagged(tx, (uint8_t)i, 48);
    sim_run_until(w.s, SIM_SEC(5));
    if (extra_node_elsewhere) {
        /* renumber so that a, b, c compare equal across the two worlds */
        for (size_t i = 0; i < w.nrec; i++) {
            assert_int_not_equal(w.recs[i].node, 2);
            if (w.recs[i].node > 2)
                w.recs[i].node--;
        }
    }
    return w;
}

static bool same_story(const struct world *a, const struct world *b)
{
    if (a->nrec != b->nrec)
        return false;
    for (size_t i = 0; i < a->nrec; i++) {
        const struct rec *x = &a->recs[i], *y = &b->recs[i];
        if (x->node != y->node || x->t != y->t || x->rssi != y->rssi || x->tag != y->tag)
            return false;
    }
    return true;
}

static void test_determinism(void **state)
{
    (void)state;
    struct world a = run_story(7, false);
    struct world b = run_story(7, false);
    struct world c = run_story(8, false);
    struct world d = run_story(7, true);
    assert_true(a.nrec > 100);
    assert_true(same_story(&a, &b));
    assert_false(same_story(&a, &c));
    assert_true(same_story(&a, &d));
    world_free(&a);
    world_free(&b);
    world_free(&c);
    world_free(&d);
}

/* ---- capture ---- */

static const uint8_t AP_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x0a, 0x01};
static const uint8_t STA_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x0b, 0x01};
static const uint8_t FAR_MAC[6] = {0x02, 0x00, 0x00, 0x00, 0x0c, 0x01};
static const uint8_t NOBODY[6] = {0x02, 0x00, 0x00, 0x00, 0x0d, 0x01};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static size_t build_beacon(uint8_t *buf, size_t cap, uint16_t seq)
{
    static const uint8_t rates[] = {0x82, 0x84, 0x8b, 0x96, 0x0c, 0x12, 0x18, 0x24};
    struct dot11_mgmt_hdr h;
    memset(&h, 0, sizeof h);
    memcpy(h.da, BCAST, 6);
    memcpy(h.sa, AP_MAC, 6);
    memcpy(h.bssid, AP_MAC, 6);
    h.seq_num = seq;
    struct dot11_bss_desc bss;
    memset(&bss, 0, sizeof bss);
    bss.ssid = (const uint8_t *)"linkrig";
    bss.ssid_len = 7;
    bss.timestamp = 0;
    bss.beacon_interval = 100;
    bss.capability = DOT11_CAP_ESS;
    bss.rates = rates;
    bss.n_rates = sizeof rates;
    bss.channel = 1;
    bss.dtim_period = 1;
    int n = dot11_build_beacon(buf, cap, &h, &bss);
    assert_true(n > 0);
    return (size_t)n;
}

static size_t build_null_to(uint8_t *buf, size_t cap, const uint8_t da[6])
{
    struct dot11_data_hdr_params p;
    memset(&p, 0, sizeof p);
    p.dir = DOT11_DIR_FROM_DS;
    memcpy(p.bssid, AP_MAC, 6);
    memcpy(p.da, da, 6);
    memcpy(p.sa, AP_MAC, 6);
    p.seq_num = 1;
    int n = dot11_build_null_data(buf, cap, &p);
    assert_true(n > 0);
    return (size_t)n;
}

static size_t build_deauth_to(uint8_t *buf, size_t cap, const uint8_t da[6])
{
    struct dot11_mgmt_hdr h;
    memset(&h, 0, sizeof h);
    memcpy(h.da, da, 6);
    memcpy(h.sa, AP_MAC, 6);
    memcpy(h.bssid, AP_MAC, 6);
    h.seq_num = 2;
    int n = dot11_build_deauth(buf, cap, &h, DOT11_REASON_LEAVING_NETWORK_DEAUTH);
    assert_true(n > 0);
    return (size_t)n;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? 2 * cap : 4096;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    *len = n;
    return buf;
}

struct pcap_rec {
    int64_t ts_ns; /* since the Unix epoch */
    const uint8_t *data;
    size_t len;
};

/* Parses a nanosecond pcap by hand; returns the record count. */
static size_t parse_pcap(const uint8_t *buf, size_t len, struct pcap_rec *out, size_t max)
{
    assert_true(len >= 24);
    assert_int_equal(le32(buf), 0xa1b23c4d); /* nanosecond pcap, little-endian */
    assert_int_equal(le32(buf + 20), 127);   /* LINKTYPE_IEEE802_11_RADIOTAP */
    size_t off = 24, n = 0;
    while (off < len) {
        assert_true(len - off >= 16);
        assert_true(n < max);
        uint32_t caplen = le32(buf + off + 8);
        assert_int_equal(le32(buf + off + 12), caplen);
        assert_true(le32(buf + off + 4) < 1000000000u);
        out[n].ts_ns = (int64_t)le32(buf + off) * 1000000000 + le32(buf + off + 4);
        assert_true(len - off - 16 >= caplen);
        out[n].data = buf + off + 16;
        out[n].len = caplen;
        off += 16 + caplen;
        n++;
    }
    return n;
}

static void check_radiotap(const struct pcap_rec *r, const uint8_t *frame, size_t flen,
                           uint8_t rate, uint16_t freq, uint16_t chan_flags, int signal)
{
    struct dot11_radiotap rt;
    int hl = dot11_radiotap_parse(r->data, r->len, &rt);
    assert_true(hl > 0);
    const uint32_t want = DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_FLAGS) |
                          DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_RATE) |
                          DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_CHANNEL) |
                          DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_DBM_ANTSIGNAL) |
                          DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_DBM_ANTNOISE) |
                          DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_ANTENNA);
    assert_int_equal(rt.present, want);
    assert_false(rt.partial);
    assert_int_equal(rt.flags & DOT11_RADIOTAP_F_FCS, 0);
    assert_int_equal(rt.rate, rate);
    assert_int_equal(rt.chan_freq, freq);
    assert_int_equal(rt.chan_flags, chan_flags);
    assert_int_equal(rt.dbm_antsignal, signal);
    assert_int_equal(rt.dbm_antnoise, -95);
    assert_int_equal(rt.antenna, 0);
    assert_int_equal(r->len - (size_t)hl, flen);
    assert_memory_equal(r->data + hl, frame, flen);
}

static void out_path(char *buf, size_t cap, const char *name)
{
    const char *dir = LINKRIG_BUILD_DIR "/test-out";
    if (mkdir(dir, 0777) != 0)
        assert_int_equal(errno, EEXIST);
    snprintf(buf, cap, "%s/%s", dir, name);
}

static void tshark_clean(const char *path, size_t expect_packets)
{
    const char *tshark = LINKRIG_TSHARK;
    if (tshark[0] == '\0')
        return;
    char cmd[1024];
    char line[512];
    snprintf(cmd, sizeof cmd, "'%s' -r '%s' -Y _ws.malformed 2>/dev/null", tshark, path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t malformed = 0;
    while (fgets(line, sizeof line, p) != NULL) {
        fprintf(stderr, "tshark: malformed: %s", line);
        malformed++;
    }
    assert_int_equal(pclose(p), 0);
    assert_int_equal(malformed, 0);
    /* and it really dissected them: 802.11 frames with our signal */
    snprintf(cmd, sizeof cmd,
             "'%s' -r '%s' -T fields -e wlan.fc.type_subtype -e radiotap.dbm_antsignal 2>/dev/null",
             tshark, path);
    p = popen(cmd, "r");
    assert_non_null(p);
    size_t lines = 0;
    while (fgets(line, sizeof line, p) != NULL) {
        assert_non_null(strchr(line, '\t'));
        assert_true(line[0] != '\t'); /* a frame type was found */
        lines++;
    }
    assert_int_equal(pclose(p), 0);
    assert_int_equal(lines, expect_packets);
}

static void test_capture(void **state)
{
    (void)state;
    char path[512];
    out_path(path, sizeof path, "medium_air.pcap");
    sim_err err = {0};
    capture_config cc = {.linktype = CAPTURE_LINKTYPE_IEEE802_11_RADIOTAP,
                         .epoch_s = CAPTURE_DEFAULT_EPOCH_S};
    capture *cap = capture_open(path, &cc, &err);
    assert_non_null(cap);

    medium_config mc = no_shadowing();
    mc.air = cap;
    struct world w;
    world_init(&w, 5, &mc);
    medium_node_config nc;
    medium_node_config_default(&nc);
    nc.name = "ap";
    memcpy(nc.mac, AP_MAC, 6);
    medium_node *ap = medium_attach(w.m, &nc, &err);
    assert_non_null(ap);
    nc.name = "sta";
    memcpy(nc.mac, STA_MAC, 6);
    nc.x = 10;
    medium_node *sta = medium_attach(w.m, &nc, &err);
    assert_non_null(sta);
    nc.name = "near";
    memcpy(nc.mac, FAR_MAC, 6);
    nc.x = 2;
    medium_node *near = medium_attach(w.m, &nc, &err);
    assert_non_null(near);
    nc.name = "far";
    memcpy(nc.mac, NOBODY, 6);
    nc.x = 400;
    medium_node *far = medium_attach(w.m, &nc, &err);
    assert_non_null(far);
    /* The monitor listens beside "near", 2 m from the AP, on every channel. */
    medium_set_monitor_node(w.m, near);

    uint8_t beacon[256], nul[64], bnul[64], deauth[64];
    size_t blen = build_beacon(beacon, sizeof beacon, 1);
    size_t nlen = build_null_to(nul, sizeof nul, STA_MAC);
    size_t bnlen = build_null_to(bnul, sizeof bnul, BCAST);
    size_t dlen = build_deauth_to(deauth, sizeof deauth, BCAST);
    const sim_time difs24 = SIM_US(28), difs5 = SIM_US(34), slot = SIM_US(9);

    /* 1: beacon at 1 Mb/s: the signal at the monitor (2 m) */
    sim_run_until(w.s, SIM_MS(10));
    const sim_time t1 = sim_now(w.s);
    assert_true(medium_transmit(ap, beacon, blen, 2) > 0);
    /* 2: queued behind it, null data to the station at 24 Mb/s: still the
     * monitor's signal, not the addressed station's; it starts after the
     * beacon, DIFS and the post-backoff (10.3.4.3), and the station's ACK
     * follows a SIFS and the signal extension later (10.3.2.9) */
    assert_true(medium_transmit(ap, nul, nlen, 48) > 0);
    /* 3: on channel 36, where no node listens: the monitor still hears it */
    sim_run_until(w.s, SIM_MS(20));
    assert_int_equal(medium_node_set_channel(ap, 36), SIM_OK);
    const sim_time t3 = sim_now(w.s);
    assert_true(medium_transmit(ap, deauth, dlen, 12) > 0);
    assert_true(medium_transmit(ap, bnul, bnlen, 12) > 0);
    /* 5: from 398 m away: -94 dBm at the monitor, below its -88 dBm: not written */
    assert_true(medium_transmit(far, bnul, bnlen, 2) > 0);
    sim_run_until(w.s, SIM_SEC(1));
    medium_stats st;
    medium_get_stats(w.m, &st);
    assert_int_equal(st.capture_unheard, 1);
    assert_int_equal(st.acks, 1);
    assert_int_equal(st.retries, 0);
    medium_destroy(w.m);
    w.m = NULL;
    assert_int_equal(capture_packets(cap), 5);
    capture_close(cap);

    size_t len;
    uint8_t *file = read_file(path, &len);
    struct pcap_rec recs[8];
    size_t n = parse_pcap(file, len, recs, 8);
    assert_int_equal(n, 5);
    const int64_t epoch_ns = CAPTURE_DEFAULT_EPOCH_S * 1000000000LL;
    assert_int_equal(recs[0].ts_ns, epoch_ns + t1);
    const sim_time t2 = recs[1].ts_ns - epoch_ns, b_end = t1 + medium_airtime(blen, 2);
    assert_true(t2 >= b_end + difs24 && t2 <= b_end + difs24 + 15 * slot);
    /* ACK: SIFS 10 us + 6 us signal extension after the null's last symbol */
    assert_int_equal(recs[2].ts_ns - epoch_ns, t2 + medium_airtime(nlen, 48) + SIM_US(16));
    assert_int_equal(recs[3].ts_ns, epoch_ns + t3);
    const sim_time t4 = recs[4].ts_ns - epoch_ns, d_end = t3 + medium_airtime(dlen, 12);
    assert_true(t4 >= d_end + difs5 && t4 <= d_end + difs5 + 15 * slot);
    const uint16_t g_cck = DOT11_RADIOTAP_CHAN_2GHZ | DOT11_RADIOTAP_CHAN_CCK;
    const uint16_t g_ofdm = DOT11_RADIOTAP_CHAN_2GHZ | DOT11_RADIOTAP_CHAN_OFDM;
    const uint16_t a_ofdm = DOT11_RADIOTAP_CHAN_5GHZ | DOT11_RADIOTAP_CHAN_OFDM;
    /* The null as sent carries its Duration: SIFS + signal extension + the
     * ACK at 24 Mb/s (28 us) + its signal extension = 50 us (9.2.5.2). */
    uint8_t nul_sent[64];
    memcpy(nul_sent, nul, nlen);
    nul_sent[2] = 50;
    nul_sent[3] = 0;
    const uint8_t ack[10] = {0xd4, 0, 0, 0, AP_MAC[0], AP_MAC[1], AP_MAC[2], AP_MAC[3], AP_MAC[4], AP_MAC[5]};
    /* 2 m: 20 - 40.05 - 9.03 = -29.08; the ACK from the station, 8 m from
     * the monitor: 20 - 40.05 - 27.09 = -47.1 */
    check_radiotap(&recs[0], beacon, blen, 2, 2412, g_cck, -29);
    check_radiotap(&recs[1], nul_sent, nlen, 48, 2412, g_ofdm, -29);
    check_radiotap(&recs[2], ack, sizeof ack, 48, 2412, g_ofdm, -47);
    check_radiotap(&recs[3], deauth, dlen, 12, 5180, a_ofdm, -29);
    check_radiotap(&recs[4], bnul, bnlen, 12, 5180, a_ofdm, -29);
    free(file);
    tshark_clean(path, 5);

    sim_destroy(w.s);
    free(w.recs);
}

static void test_capture_without_beacons(void **state)
{
    (void)state;
    char path[512];
    out_path(path, sizeof path, "medium_air_nobeacons.pcap");
    capture_config cc = {.linktype = CAPTURE_LINKTYPE_IEEE802_11_RADIOTAP,
                         .epoch_s = CAPTURE_DEFAULT_EPOCH_S};
    capture *cap = capture_open(path, &cc, NULL);
    assert_non_null(cap);
    medium_config mc = no_shadowing();
    mc.air = cap;
    mc.capture_beacons = false;
    struct world w;
    world_init(&w, 5, &mc);
    medium_node *ap = world_add(&w, "ap", 0, 1);
    world_add(&w, "sta", 5, 1);
    uint8_t beacon[256], nul[64];
    size_t blen = build_beacon(beacon, sizeof beacon, 1);
    size_t nlen = build_null_to(nul, sizeof nul, BCAST);
    assert_true(medium_transmit(ap, beacon, blen, 2) > 0);
    assert_true(medium_transmit(ap, nul, nlen, 2) > 0);
    assert_true(medium_transmit(ap, beacon, blen, 2) > 0);
    sim_run_until(w.s, SIM_SEC(1));
    assert_int_equal(w.nrec, 3); /* beacons are still on the air */
    assert_int_equal(capture_packets(cap), 1);
    capture_close(cap);
    size_t len;
    uint8_t *file = read_file(path, &len);
    struct pcap_rec recs[4];
    assert_int_equal(parse_pcap(file, len, recs, 4), 1);
    /* after the beacon, DIFS (28 us) and the post-backoff (0..15 slots) */
    const sim_time t = recs[0].ts_ns - CAPTURE_DEFAULT_EPOCH_S * 1000000000LL;
    assert_true(t >= medium_airtime(blen, 2) + SIM_US(28) && t <= medium_airtime(blen, 2) + SIM_US(28 + 15 * 9));
    /* the monitor sits beside the first node attached, the AP: PL(d0) */
    check_radiotap(&recs[0], nul, nlen, 2, 2412, DOT11_RADIOTAP_CHAN_2GHZ | DOT11_RADIOTAP_CHAN_CCK,
                   (int)lround(20 - 40.05));
    free(file);
    tshark_clean(path, 1);
    world_free(&w);
}

/* ---- air port, lifetime, bad input ---- */

static void test_air_port(void **state)
{
    (void)state;
    medium_config mc = no_shadowing();
    struct world w;
    world_init(&w, 1, &mc);
    medium_node *a = world_add(&w, "a", 0, 1);
    world_add(&w, "b", 1, 1);
    dot11_air_port port;
    memset(&port, 0, sizeof port);
    medium_node_air_port(a, &port);
    assert_ptr_equal(port.ctx, a);
    uint8_t f[30] = {0x08};
    f[4] = 0xff; /* group-addressed: no ACK exchange */
    f[29] = 77;
    assert_int_equal(port.transmit(port.ctx, f, sizeof f, 2), medium_airtime(30, 2));
    assert_true(port.transmit(port.ctx, f, sizeof f, 5) < 0);
    assert_true(port.set_channel(port.ctx, 15) < 0);
    assert_int_equal(medium_node_channel(a), 1);
    sim_run_until(w.s, SIM_MS(1));
    assert_int_equal(w.nrec, 1);
    assert_int_equal(w.recs[0].tag, 77);
    assert_int_equal(port.set_channel(port.ctx, 6), 0);
    assert_int_equal(medium_node_channel(a), 6);
    port.set_enabled(port.ctx, false);
    assert_false(medium_node_enabled(a));
    assert_true(port.transmit(port.ctx, f, sizeof f, 2) < 0);
    port.set_enabled(port.ctx, true);
    assert_true(medium_node_enabled(a));
    world_free(&w);
}

static void count_rx(void *ctx, const uint8_t *frame, size_t len, const dot11_rx_info *info)
{
    (void)frame;
    (void)len;
    (void)info;
    (*(int *)ctx)++;
}

/* The engine outlives the medium: its pending events must be gone. */
static void test_destroy_with_pending(void **state)
{
    (void)state;
    int late_calls = 0;
    sim *s = sim_create(&(sim_config){.seed = 1}, NULL);
    assert_non_null(s);
    medium_config mc = no_shadowing();
    medium *m = medium_create(s, &mc, NULL);
    assert_non_null(m);
    medium_node_config nc;
    medium_node_config_default(&nc);
    medium_node *a = medium_attach(m, &nc, NULL);
    nc.x = 5;
    nc.rx = count_rx;
    nc.rx_ctx = &late_calls;
    medium_node *b = medium_attach(m, &nc, NULL);
    assert_non_null(a);
    assert_non_null(b);
    uint8_t f[200] = {0x08};
    for (int i = 0; i < 5; i++)
        assert_true(medium_transmit(a, f, sizeof f, 2) > 0);
    assert_true(medium_transmit(b, f, sizeof f, 2) > 0);
    medium_detach(b); /* detached nodes too are freed by destroy */
    sim_run_until(s, medium_airtime(sizeof f, 2) + 1);
    assert_int_equal(late_calls, 0); /* b was detached before a's frame ended */
    medium_node_set_rx(a, count_rx, &late_calls);
    medium_node *c = medium_attach(m, &nc, NULL);
    assert_non_null(c);
    medium_destroy(m);
    assert_true(sim_sched_count(sim_sched_of(s)) == 0);
    sim_run_until(s, SIM_SEC(1));
    assert_int_equal(late_calls, 0);
    medium_destroy(NULL);
    sim_destroy(s);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    sim *s = sim_create(&(sim_config){.seed = 1}, NULL);
    sim_err err = {0};
    medium_config mc;
    medium_config_default(&mc);
    mc.ref_distance_m = 0;
    assert_null(medium_create(s, &mc, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    assert_true(strlen(err.msg) > 0);
    medium_config_default(&mc);
    mc.shadowing_sigma_db = -1;
    assert_null(medium_create(s, &mc, &err));
    medium_config_default(&mc);
    mc.noise_floor_dbm = NAN;
    assert_null(medium_create(s, &mc, &err));

    medium *m = medium_create(s, NULL, &err); /* NULL: defaults */
    assert_non_null(m);
    medium_node_config nc;
    medium_node_config_default(&nc);
    nc.name = "bad";
    const int bad_channels[] = {0, -1, 15, 31, 178, 1000};
    for (size_t i = 0; i < sizeof bad_channels / sizeof bad_channels[0]; i++) {
        nc.channel = bad_channels[i];
        memset(&err, 0, sizeof err);
        assert_null(medium_attach(m, &nc, &err));
        assert_int_equal(err.code, SIM_EINVAL);
        assert_non_null(strstr(err.msg, "bad"));
    }
    nc.channel = 1;
    nc.x = INFINITY;
    assert_null(medium_attach(m, &nc, &err));
    nc.x = 0;
    medium_node *n = medium_attach(m, &nc, &err);
    assert_non_null(n);
    for (size_t i = 0; i < sizeof bad_channels / sizeof bad_channels[0]; i++)
        assert_int_equal(medium_node_set_channel(n, bad_channels[i]), SIM_EINVAL);
    assert_int_equal(medium_node_channel(n), 1);
    assert_int_equal(medium_node_set_channel(n, 14), SIM_OK);
    assert_int_equal(medium_node_set_channel(n, 165), SIM_OK);

    static uint8_t big[MEDIUM_MAX_FRAME + 1];
    big[0] = 0x08;
    assert_int_equal(medium_transmit(n, big, 0, 2), SIM_EINVAL);
    assert_int_equal(medium_transmit(n, NULL, 10, 2), SIM_EINVAL);
    assert_int_equal(medium_transmit(n, big, MEDIUM_MAX_FRAME + 1, 2), SIM_EINVAL);
    assert_int_equal(medium_transmit(n, big, 10, 0), SIM_EINVAL);
    assert_int_equal(medium_transmit(n, big, 10, 13), SIM_EINVAL);
    assert_int_equal(medium_transmit(n, big, 10, 0x80 | 2), SIM_EINVAL);
    assert_int_equal(medium_transmit(n, big, MEDIUM_MAX_FRAME, 108),
                     medium_airtime(MEDIUM_MAX_FRAME, 108));
    medium_node_set_enabled(n, false);
    assert_int_equal(medium_transmit(n, big, 10, 2), SIM_ESTATE);
    medium_detach(n);
    assert_int_equal(medium_transmit(n, big, 10, 2), SIM_ESTATE);
    medium_stats st;
    medium_get_stats(m, &st);
    assert_int_equal(st.tx_frames, 1);
    medium_destroy(m);
    sim_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_path_loss_formula),
        cmocka_unit_test(test_path_loss_many_transmitters),
        cmocka_unit_test(test_rssi_ordering),
        cmocka_unit_test(test_airtime),
        cmocka_unit_test(test_other_channel_not_heard),
        cmocka_unit_test(test_below_sensitivity),
        cmocka_unit_test(test_loss_rises_with_distance),
        cmocka_unit_test(test_delivery_time_exact),
        cmocka_unit_test(test_queueing),
        cmocka_unit_test(test_frozen_backoff),
        cmocka_unit_test(test_receiver_changes_mid_frame),
        cmocka_unit_test(test_transmitter_off_mid_frame),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_capture),
        cmocka_unit_test(test_capture_without_beacons),
        cmocka_unit_test(test_air_port),
        cmocka_unit_test(test_destroy_with_pending),
        cmocka_unit_test(test_bad_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
