/* radio_model/medium.c — the air between radios (contract in medium.h).
 *
 * Choices the header leaves open, made here:
 *
 * - Reception is decided when a frame goes on the air. For every other node
 *   that is attached, enabled and on the frame's channel (a "candidate"), in
 *   attach order, the "medium" stream gives one normal deviate (shadowing;
 *   skipped when sigma is 0) and then one uniform (the SNR loss draw), always
 *   both, even when the shadowed power is below the receiver's sensitivity.
 *   Nodes that are not candidates draw nothing. So the number of draws a
 *   frame takes depends only on who is on its channel, never on positions,
 *   powers or the capture settings: moving a node changes what it hears but
 *   does not shift the numbers every later frame sees. The capture's
 *   monitor draws the same pair from its own stream ("medium.monitor"), once
 *   per frame it is asked about, so a capture never shifts the nodes' draws.
 *
 * - A frame sent while the node is idle goes on the air inside
 *   medium_transmit (no event): its start is "now". A frame queued behind
 *   another goes on the air from an event at the end of its predecessor.
 *
 * - Each delivery is one event at tx end + propagation delay (distance / c,
 *   rounded to the nearest ns), so receivers at different distances hear the
 *   frame at slightly different times, as they would.
 *
 * - A receiver has an epoch bumped whenever it leaves a channel, is disabled
 *   or detached; a delivery made for one epoch is dropped in another. So a
 *   receiver that retunes away and back mid-frame still gets nothing (it
 *   missed the preamble).
 *
 * - A transmitter disabled or detached mid-frame cuts the frame: none of its
 *   deliveries is made (counted in lost_moved, the "changed mid-frame"
 *   counter). The capture already holds it, as a sniffer would have seen the
 *   start. Frames whose airtime had ended are delivered even if their
 *   propagation delay is still running. A transmitter that retunes or moves
 *   mid-frame changes nothing for the frame already on the air; queued
 *   frames take the channel, position and power the node has when they
 *   start.
 *
 * - Half duplex is not modelled: a node hears others while it transmits,
 *   like the other things medium.h lists as not modelled.
 *
 * - No per-frame trace: a trace file takes every level, so even a DEBUG event
 *   per frame would grow every traced run by a line per beacon per listener.
 *   Per-frame outcomes are counted in medium_stats; configuration changes
 *   (attach, detach, channel, power on/off) are traced at DEBUG.
 *
 * - medium_destroy cancels the medium's pending events on the engine, so it
 *   must run before sim_destroy, and not from inside a receive callback (the
 *   frame being delivered would be freed under the caller).
 */
#include "radio_model/medium.h"
#include "radio_model/medium_index.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dot11/frame.h"
#include "dot11/radiotap.h"

#define MEDIUM_COMP "medium"
#define SPEED_OF_LIGHT_M_S 299792458.0
/* Width of the logistic loss curve: 1.5 dB takes the loss from about 90 %
 * to about 10 % over +-3.3 dB around snr50, roughly what measured PER-vs-SNR
 * curves of one rate show. */
#define LOSS_SLOPE_DB 1.5
/* Radiotap with flags, rate, channel, signal, noise, antenna is 17 bytes. */
#define RADIOTAP_CAP 32

struct medium_tx {
    medium *m;
    medium_node *from;
    struct medium_tx *prev, *next; /* every live transmission, for destroy */
    struct medium_tx *qnext;       /* from's frames waiting for the air */
    sim_timer_id start_timer;      /* 0 once on the air */
    sim_time start, end;
    int channel;
    uint8_t rate;
    bool aborted;
    size_t pending; /* deliveries still to make */
    size_t len;
    uint8_t frame[];
};

struct medium_delivery {
    struct medium_tx *tx;
    medium_node *to;
    struct medium_delivery *prev, *next;
    sim_timer_id timer;
    uint64_t rx_epoch;
    double rssi_dbm;
    double snr_db;
};

struct medium_node {
    medium *m;
    char *name;
    uint8_t mac[6];
    double x, y, z;
    int channel;
    double tx_power_dbm;
    double sensitivity_dbm;
    dot11_rx_fn rx;
    void *rx_ctx;
    bool rx_addressed_only;
    bool enabled;
    bool attached;
    uint64_t rx_epoch;
    sim_time busy_until;
    struct medium_tx *q_head, *q_tail;
    struct medium_tx *last_tx; /* latest frame put on the air, while it lives */
    size_t order;              /* attach index: its place in the channel index */
};

struct medium {
    sim *s;
    sim_rng *rng;
    sim_rng *monitor_rng;          /* the capture's own draws */
    const medium_node *monitor_at; /* the node the monitor sits beside */
    medium_config cfg;
    medium_node **nodes; /* attach order */
    size_t nnodes, cap_nodes;
    medium_index *by_channel; /* attached nodes per channel (medium_index.h) */
    struct medium_tx *txs;
    struct medium_delivery *deliveries;
    medium_stats stats;
    uint8_t capbuf[RADIOTAP_CAP + MEDIUM_MAX_FRAME];
};

/* ---- rates ---- */

struct rate_info {
    uint8_t rate;  /* 500 kb/s units */
    bool dsss;     /* 802.11b long preamble, else OFDM */
    double snr50;  /* dB where half the frames are lost */
};

/* snr50 per rate: rule-of-thumb thresholds, not a PHY model. The anchors are
 * medium.h's (1 Mb/s 2 dB, 24 Mb/s 13 dB, 54 Mb/s 23 dB); the rates between
 * follow the steps of 802.11's OFDM minimum input sensitivities (-82 dBm at
 * 6 Mb/s up to -65 dBm at 54 Mb/s, 2-4 dB a step), and the CCK rates sit a
 * few dB apart because their codes do.
 *   DSSS/CCK  1: 2   2: 4   5.5: 7   11: 10
 *   OFDM      6: 5   9: 6   12: 8    18: 10   24: 13   36: 17   48: 21   54: 23 */
static const struct rate_info RATES[] = {
    {2, true, 2.0},    {4, true, 4.0},    {11, true, 7.0},   {22, true, 10.0},
    {12, false, 5.0},  {18, false, 6.0},  {24, false, 8.0},  {36, false, 10.0},
    {48, false, 13.0}, {72, false, 17.0}, {96, false, 21.0}, {108, false, 23.0},
};

static const struct rate_info *rate_lookup(uint8_t rate)
{
    for (size_t i = 0; i < sizeof RATES / sizeof RATES[0]; i++)
        if (RATES[i].rate == rate)
            return &RATES[i];
    return NULL;
}

static bool channel_valid(int channel)
{
    return channel > 0 && dot11_channel_to_freq((unsigned)channel) > 0;
}

/* ---- config ---- */

void medium_config_default(medium_config *c)
{
    memset(c, 0, sizeof *c);
    c->ref_distance_m = 1.0;
    c->ref_loss_db = 40.05;
    c->path_loss_exponent = 3.0;
    c->shadowing_sigma_db = 4.0;
    c->noise_floor_dbm = -95.0;
    c->air = NULL;
    c->capture_beacons = true;
    c->monitor_fixed = false;
    c->monitor_sensitivity_dbm = -88.0;
}

void medium_node_config_default(medium_node_config *c)
{
    memset(c, 0, sizeof *c);
    c->name = "node";
    c->channel = 1;
    c->tx_power_dbm = 20.0;
    c->sensitivity_dbm = -88.0;
}

/* ---- geometry ---- */

static double distance_m(const medium_node *a, const medium_node *b)
{
    double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
    return sqrt(dx * dx + dy * dy + dz * dz);
}

static double path_loss_db(const medium_config *c, double d)
{
    if (!(d > c->ref_distance_m)) /* also catches NaN: counts as d0 */
        d = c->ref_distance_m;
    return c->ref_loss_db + 10.0 * c->path_loss_exponent * log10(d / c->ref_distance_m);
}

static sim_time propagation_ns(double d)
{
    return (sim_time)llround(d * 1e9 / SPEED_OF_LIGHT_M_S);
}

double medium_mean_rssi(const medium_node *from, const medium_node *to)
{
    return from->tx_power_dbm - path_loss_db(&from->m->cfg, distance_m(from, to));
}

sim_time medium_airtime(size_t len, uint8_t rate)
{
    const struct rate_info *ri = rate_lookup(rate);
    /* Far above any frame; keeps 16 * len and the sums below int64. */
    if (ri == NULL || len > ((size_t)1 << 40))
        return -1;
    int64_t bits = 8 * (int64_t)len;
    if (ri->dsss) {
        /* 192 us long PLCP preamble + header, then len octets at rate/2 Mb/s:
         * 8 len / (rate / 2) us = 16 len / rate, rounded up to whole us. */
        int64_t us = 192 + (2 * bits + rate - 1) / rate;
        return SIM_US(us);
    }
    /* 20 us preamble + SIGNAL, then SERVICE (16) + PSDU + tail (6) bits in
     * 4 us symbols of 4 * rate_mbps = 2 * rate bits. */
    int64_t per_sym = 2 * (int64_t)rate;
    int64_t syms = (16 + bits + 6 + per_sym - 1) / per_sym;
    return SIM_US(20 + 4 * syms);
}

/* ---- lists ---- */

static void tx_link(medium *m, struct medium_tx *tx)
{
    tx->prev = NULL;
    tx->next = m->txs;
    if (m->txs != NULL)
        m->txs->prev = tx;
    m->txs = tx;
}

static void tx_free(struct medium_tx *tx)
{
    medium *m = tx->m;
    if (tx->prev != NULL)
        tx->prev->next = tx->next;
    else
        m->txs = tx->next;
    if (tx->next != NULL)
        tx->next->prev = tx->prev;
    if (tx->from->last_tx == tx)
        tx->from->last_tx = NULL;
    free(tx);
}

static void delivery_link(medium *m, struct medium_delivery *d)
{
    d->prev = NULL;
    d->next = m->deliveries;
    if (m->deliveries != NULL)
        m->deliveries->prev = d;
    m->deliveries = d;
}

static void delivery_unlink(medium *m, struct medium_delivery *d)
{
    if (d->prev != NULL)
        d->prev->next = d->next;
    else
        m->deliveries = d->next;
    if (d->next != NULL)
        d->next->prev = d->prev;
    d->prev = d->next = NULL;
}

/* ---- create / destroy ---- */

static bool real_num(double v)
{
    return isfinite(v) != 0;
}

medium *medium_create(sim *s, const medium_config *cfg, sim_err *err)
{
    medium_config def;
    if (s == NULL) {
        sim_err_set(err, SIM_EINVAL, "medium: no engine given");
        return NULL;
    }
    if (cfg == NULL) {
        medium_config_default(&def);
        cfg = &def;
    }
    if (!real_num(cfg->ref_distance_m) || cfg->ref_distance_m <= 0) {
        sim_err_set(err, SIM_EINVAL, "medium: reference distance must be > 0 m (got %g)",
                    cfg->ref_distance_m);
        return NULL;
    }
    if (!real_num(cfg->ref_loss_db) || !real_num(cfg->path_loss_exponent) ||
        cfg->path_loss_exponent < 0) {
        sim_err_set(err, SIM_EINVAL, "medium: path loss needs a finite PL(d0) and exponent >= 0");
        return NULL;
    }
    if (!real_num(cfg->shadowing_sigma_db) || cfg->shadowing_sigma_db < 0) {
        sim_err_set(err, SIM_EINVAL, "medium: shadowing sigma must be >= 0 dB (got %g)",
                    cfg->shadowing_sigma_db);
        return NULL;
    }
    if (!real_num(cfg->noise_floor_dbm)) {
        sim_err_set(err, SIM_EINVAL, "medium: noise floor must be a finite dBm value");
        return NULL;
    }
    if (!real_num(cfg->monitor_sensitivity_dbm) || !real_num(cfg->monitor_x) || !real_num(cfg->monitor_y) ||
        !real_num(cfg->monitor_z)) {
        sim_err_set(err, SIM_EINVAL, "medium: the capture monitor needs a finite position and sensitivity");
        return NULL;
    }
    medium *m = calloc(1, sizeof *m);
    if (m == NULL) {
        sim_err_set(err, SIM_ENOMEM, "medium: out of memory");
        return NULL;
    }
    m->s = s;
    m->cfg = *cfg;
    m->rng = sim_rng_stream(s, "medium");
    m->monitor_rng = sim_rng_stream(s, "medium.monitor");
    m->by_channel = medium_index_create();
    if (m->by_channel == NULL) {
        free(m);
        sim_err_set(err, SIM_ENOMEM, "medium: out of memory");
        return NULL;
    }
    return m;
}

void medium_destroy(medium *m)
{
    if (m == NULL)
        return;
    /* The engine may run on after us: no event may fire into freed memory. */
    while (m->deliveries != NULL) {
        struct medium_delivery *d = m->deliveries;
        sim_cancel(m->s, d->timer);
        delivery_unlink(m, d);
        free(d);
    }
    while (m->txs != NULL) {
        struct medium_tx *tx = m->txs;
        if (tx->start_timer != 0)
            sim_cancel(m->s, tx->start_timer);
        tx_free(tx);
    }
    for (size_t i = 0; i < m->nnodes; i++) {
        free(m->nodes[i]->name);
        free(m->nodes[i]);
    }
    free(m->nodes);
    medium_index_destroy(m->by_channel);
    free(m);
}

void medium_get_stats(const medium *m, medium_stats *out)
{
    *out = m->stats;
}

/* ---- nodes ---- */

static void trace_node(medium_node *n, const char *event)
{
    sim_trace_rec *r = sim_trace_begin(sim_trace_of(n->m->s), SIM_LOG_DEBUG, MEDIUM_COMP, event);
    if (r == NULL)
        return;
    sim_trace_str(r, "node", n->name);
    sim_trace_int(r, "channel", n->channel);
    sim_trace_bool(r, "enabled", n->enabled);
    sim_trace_end(r);
}

medium_node *medium_attach(medium *m, const medium_node_config *nc, sim_err *err)
{
    medium_node_config def;
    if (m == NULL) {
        sim_err_set(err, SIM_EINVAL, "medium: attach without a medium");
        return NULL;
    }
    if (nc == NULL) {
        medium_node_config_default(&def);
        nc = &def;
    }
    const char *name = nc->name != NULL ? nc->name : "node";
    if (!channel_valid(nc->channel)) {
        sim_err_set(err, SIM_EINVAL, "medium: node %s: channel %d does not exist", name,
                    nc->channel);
        return NULL;
    }
    if (!real_num(nc->x) || !real_num(nc->y) || !real_num(nc->z)) {
        sim_err_set(err, SIM_EINVAL, "medium: node %s: position must be finite", name);
        return NULL;
    }
    if (!real_num(nc->tx_power_dbm) || !real_num(nc->sensitivity_dbm)) {
        sim_err_set(err, SIM_EINVAL, "medium: node %s: tx power and sensitivity must be finite",
                    name);
        return NULL;
    }
    if (m->nnodes == m->cap_nodes) {
        size_t ncap = m->cap_nodes ? 2 * m->cap_nodes : 8;
        medium_node **grown = realloc(m->nodes, ncap * sizeof *grown);
        if (grown == NULL) {
            sim_err_set(err, SIM_ENOMEM, "medium: out of memory attaching %s", name);
            return NULL;
        }
        m->nodes = grown;
        m->cap_nodes = ncap;
    }
    medium_node *n = calloc(1, sizeof *n);
    size_t name_len = strlen(name);
    char *name_copy = malloc(name_len + 1);
    if (n == NULL || name_copy == NULL) {
        free(n);
        free(name_copy);
        sim_err_set(err, SIM_ENOMEM, "medium: out of memory attaching %s", name);
        return NULL;
    }
    memcpy(name_copy, name, name_len + 1);
    n->m = m;
    n->name = name_copy;
    memcpy(n->mac, nc->mac, sizeof n->mac);
    n->x = nc->x;
    n->y = nc->y;
    n->z = nc->z;
    n->channel = nc->channel;
    n->tx_power_dbm = nc->tx_power_dbm;
    n->sensitivity_dbm = nc->sensitivity_dbm;
    n->rx = nc->rx;
    n->rx_ctx = nc->rx_ctx;
    n->rx_addressed_only = nc->rx_addressed_only;
    n->enabled = true;
    n->attached = true;
    n->busy_until = sim_now(m->s);
    n->order = m->nnodes;
    if (medium_index_add(m->by_channel, n->channel, n, n->order) != 0) {
        free(n);
        free(name_copy);
        sim_err_set(err, SIM_ENOMEM, "medium: out of memory attaching %s", name);
        return NULL;
    }
    m->nodes[m->nnodes++] = n;
    if (m->monitor_at == NULL)
        m->monitor_at = n; /* beside the first node until told otherwise */
    trace_node(n, "attach");
    return n;
}

void medium_set_monitor_node(medium *m, const medium_node *n)
{
    if (m != NULL && n != NULL && n->m == m)
        m->monitor_at = n;
}

/* Everything a node loses when it stops being on the air: what it was about
 * to hear, what it had queued, and the rest of the frame it is sending. */
static void node_off_air(medium_node *n)
{
    medium *m = n->m;
    sim_time now = sim_now(m->s);
    n->rx_epoch++;
    while (n->q_head != NULL) {
        struct medium_tx *tx = n->q_head;
        n->q_head = tx->qnext;
        sim_cancel(m->s, tx->start_timer);
        tx_free(tx);
    }
    n->q_tail = NULL;
    if (n->last_tx != NULL && n->last_tx->end > now)
        n->last_tx->aborted = true;
    n->busy_until = now;
}

void medium_detach(medium_node *n)
{
    if (n == NULL || !n->attached)
        return;
    if (n->enabled)
        node_off_air(n);
    n->enabled = false;
    n->attached = false;
    medium_index_remove(n->m->by_channel, n->channel, n->order);
    trace_node(n, "detach");
}

void medium_node_set_rx(medium_node *n, dot11_rx_fn rx, void *ctx)
{
    n->rx = rx;
    n->rx_ctx = ctx;
}

void medium_node_move(medium_node *n, double x, double y, double z)
{
    /* Non-finite positions would turn every distance into NaN. */
    if (!real_num(x) || !real_num(y) || !real_num(z))
        return;
    n->x = x;
    n->y = y;
    n->z = z;
}

void medium_node_position(const medium_node *n, double *x, double *y, double *z)
{
    if (x != NULL)
        *x = n->x;
    if (y != NULL)
        *y = n->y;
    if (z != NULL)
        *z = n->z;
}

int medium_node_set_channel(medium_node *n, int channel)
{
    if (!channel_valid(channel))
        return SIM_EINVAL;
    if (!n->attached)
        return SIM_ESTATE;
    if (channel == n->channel)
        return SIM_OK;
    /* Added to the new channel before leaving the old one: out of memory,
     * the node stays where it was. */
    if (medium_index_add(n->m->by_channel, channel, n, n->order) != 0)
        return SIM_ENOMEM;
    medium_index_remove(n->m->by_channel, n->channel, n->order);
    n->channel = channel;
    n->rx_epoch++;
    trace_node(n, "channel");
    return SIM_OK;
}

int medium_node_channel(const medium_node *n)
{
    return n->channel;
}

void medium_node_set_tx_power(medium_node *n, double dbm)
{
    if (real_num(dbm))
        n->tx_power_dbm = dbm;
}

double medium_node_tx_power(const medium_node *n)
{
    return n->tx_power_dbm;
}

void medium_node_set_enabled(medium_node *n, bool on)
{
    /* A detached node stays off: its owner let go of it. */
    if (!n->attached || n->enabled == on)
        return;
    if (!on)
        node_off_air(n);
    else
        n->busy_until = sim_now(n->m->s);
    n->enabled = on;
    trace_node(n, on ? "enable" : "disable");
}

bool medium_node_enabled(const medium_node *n)
{
    return n->enabled;
}

/* ---- transmission ---- */

static void delivery_fire(void *arg);

static int8_t dbm_i8(double v)
{
    if (!(v > -128.0))
        return -128;
    if (v > 127.0)
        return 127;
    return (int8_t)lround(v);
}

/* What the capture's monitor receives of this frame: the same rules as
 * any receiver (shadowing, sensitivity, the SNR loss draw; medium.h), drawn
 * from the monitor's own stream. Returns false when it cannot hear it. */
static bool monitor_hears(medium *m, const struct medium_tx *tx, const struct rate_info *ri, double *signal)
{
    double mx = m->cfg.monitor_x, my = m->cfg.monitor_y, mz = m->cfg.monitor_z;
    if (!m->cfg.monitor_fixed && m->monitor_at != NULL) {
        mx = m->monitor_at->x;
        my = m->monitor_at->y;
        mz = m->monitor_at->z;
    }
    const medium_node *from = tx->from;
    double dx = from->x - mx, dy = from->y - my, dz = from->z - mz;
    double rssi = from->tx_power_dbm - path_loss_db(&m->cfg, sqrt(dx * dx + dy * dy + dz * dz));
    if (m->cfg.shadowing_sigma_db > 0)
        rssi += m->cfg.shadowing_sigma_db * sim_rng_normal(m->monitor_rng);
    double u = sim_rng_uniform(m->monitor_rng);
    if (rssi < m->cfg.monitor_sensitivity_dbm)
        return false;
    double snr = rssi - m->cfg.noise_floor_dbm;
    if (u < 1.0 / (1.0 + exp((snr - ri->snr50) / LOSS_SLOPE_DB)))
        return false;
    *signal = rssi;
    return true;
}

/* One radiotap + frame record at the start of the frame, with the signal
 * the monitor measured. */
static void capture_tx(medium *m, const struct medium_tx *tx, double signal)
{
    int freq = dot11_channel_to_freq((unsigned)tx->channel);
    struct dot11_radiotap rt;
    memset(&rt, 0, sizeof rt);
    rt.present = DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_FLAGS) | DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_RATE) |
                 DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_CHANNEL) |
                 DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_DBM_ANTSIGNAL) |
                 DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_DBM_ANTNOISE) |
                 DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_ANTENNA);
    rt.flags = 0; /* long preamble, no FCS */
    rt.rate = tx->rate;
    rt.chan_freq = (uint16_t)freq;
    rt.chan_flags = dot11_radiotap_chan_flags((unsigned)freq, tx->rate);
    rt.dbm_antsignal = dbm_i8(signal);
    rt.dbm_antnoise = dbm_i8(m->cfg.noise_floor_dbm);
    rt.antenna = 0;
    int hl = dot11_radiotap_write(m->capbuf, RADIOTAP_CAP, &rt);
    if (hl < 0) {
        sim_fail(m->s, MEDIUM_COMP, "radiotap header did not fit (%d)", hl);
        return;
    }
    memcpy(m->capbuf + hl, tx->frame, tx->len);
    capture_write(m->cfg.air, sim_now(m->s), m->capbuf, (size_t)hl + tx->len);
}

static void go_on_air(struct medium_tx *tx)
{
    medium *m = tx->m;
    medium_node *from = tx->from;
    const struct rate_info *ri = rate_lookup(tx->rate);
    double sigma = m->cfg.shadowing_sigma_db;

    tx->start_timer = 0;
    tx->channel = from->channel;
    from->last_tx = tx;
    m->stats.tx_frames++;

    bool want_capture = m->cfg.air != NULL;
    if (want_capture && !m->cfg.capture_beacons) {
        struct dot11_hdr hdr;
        if (dot11_parse_header(tx->frame, tx->len, &hdr) > 0 && hdr.type == DOT11_FTYPE_MGMT &&
            hdr.subtype == DOT11_STYPE_BEACON)
            want_capture = false;
    }

    /* Whom the frame is for, for receivers that want only their own. */
    struct dot11_hdr ah;
    bool a1_parsed = dot11_parse_header(tx->frame, tx->len, &ah) > 0;
    bool a1_group = a1_parsed && ah.n_addr >= 2 && (ah.addr1[0] & 1u) != 0;

    /* Only the nodes on the channel, in attach order: the same receivers
     * and the same random draws as a scan of every node, without the cost
     * of every node in a large world. */
    size_t n_on_channel;
    void *const *on_channel = medium_index_nodes(m->by_channel, tx->channel, &n_on_channel);
    for (size_t i = 0; i < n_on_channel; i++) {
        medium_node *to = on_channel[i];
        if (to == from || !to->attached || !to->enabled || to->channel != tx->channel)
            continue;
        double d = distance_m(from, to);
        double rssi = from->tx_power_dbm - path_loss_db(&m->cfg, d);
        if (sigma > 0)
            rssi += sigma * sim_rng_normal(m->rng);
        double u = sim_rng_uniform(m->rng);
        double snr = rssi - m->cfg.noise_floor_dbm;
        if (rssi < to->sensitivity_dbm) {
            m->stats.lost_sensitivity++;
            continue;
        }
        double p_loss = 1.0 / (1.0 + exp((snr - ri->snr50) / LOSS_SLOPE_DB));
        if (u < p_loss) {
            m->stats.lost_snr++;
            continue;
        }
        if (to->rx_addressed_only && a1_parsed && !a1_group &&
            (ah.n_addr < 2 || memcmp(ah.addr1, to->mac, sizeof to->mac) != 0))
            continue; /* it would drop the frame unseen */
        struct medium_delivery *dv = calloc(1, sizeof *dv);
        if (dv == NULL) {
            /* A silently lost delivery would change the run unnoticed. */
            sim_fail(m->s, MEDIUM_COMP, "out of memory delivering a frame to %s", to->name);
            continue;
        }
        dv->tx = tx;
        dv->to = to;
        dv->rx_epoch = to->rx_epoch;
        dv->rssi_dbm = rssi;
        dv->snr_db = snr;
        delivery_link(m, dv);
        tx->pending++;
        dv->timer = sim_at(m->s, tx->end + propagation_ns(d), delivery_fire, dv);
    }

    double signal;
    if (want_capture) {
        if (monitor_hears(m, tx, ri, &signal))
            capture_tx(m, tx, signal);
        else
            m->stats.capture_unheard++;
    }
    if (tx->pending == 0)
        tx_free(tx);
}

static void tx_start_fire(void *arg)
{
    struct medium_tx *tx = arg;
    medium_node *from = tx->from;
    /* Frames leave the queue in order; this one is its head. */
    from->q_head = tx->qnext;
    if (from->q_head == NULL)
        from->q_tail = NULL;
    tx->qnext = NULL;
    go_on_air(tx);
}

static void delivery_fire(void *arg)
{
    struct medium_delivery *d = arg;
    struct medium_tx *tx = d->tx;
    medium *m = tx->m;
    medium_node *to = d->to;

    delivery_unlink(m, d);
    bool still_there = to->attached && to->enabled && to->channel == tx->channel &&
                       to->rx_epoch == d->rx_epoch;
    if (tx->aborted || !still_there) {
        m->stats.lost_moved++;
    } else {
        m->stats.rx_frames++;
        if (to->rx != NULL) {
            dot11_rx_info info = {
                .rssi_dbm = d->rssi_dbm,
                .snr_db = d->snr_db,
                .channel = tx->channel,
                .rate = tx->rate,
                .tx_start_ns = tx->start,
            };
            to->rx(to->rx_ctx, tx->frame, tx->len, &info);
        }
    }
    free(d);
    if (--tx->pending == 0)
        tx_free(tx);
}

sim_time medium_transmit(medium_node *n, const uint8_t *frame, size_t len, uint8_t rate)
{
    if (n == NULL || frame == NULL || len == 0 || len > MEDIUM_MAX_FRAME)
        return SIM_EINVAL;
    sim_time airtime = medium_airtime(len, rate);
    if (airtime < 0)
        return SIM_EINVAL;
    if (!n->attached || !n->enabled)
        return SIM_ESTATE;
    medium *m = n->m;
    struct medium_tx *tx = malloc(sizeof *tx + len);
    if (tx == NULL)
        return SIM_ENOMEM;
    memset(tx, 0, sizeof *tx);
    sim_time now = sim_now(m->s);
    tx->m = m;
    tx->from = n;
    tx->rate = rate;
    tx->len = len;
    memcpy(tx->frame, frame, len);
    tx->start = n->busy_until > now ? n->busy_until : now;
    tx->end = tx->start + airtime;
    tx->channel = n->channel;
    n->busy_until = tx->end;
    tx_link(m, tx);
    sim_time end = tx->end; /* tx is freed at once when nobody hears it */
    if (tx->start == now) {
        go_on_air(tx);
    } else {
        if (n->q_tail != NULL)
            n->q_tail->qnext = tx;
        else
            n->q_head = tx;
        n->q_tail = tx;
        tx->start_timer = sim_at(m->s, tx->start, tx_start_fire, tx);
    }
    return end;
}

/* ---- air port ---- */

static int64_t port_transmit(void *ctx, const uint8_t *frame, size_t len, uint8_t rate)
{
    return medium_transmit(ctx, frame, len, rate);
}

static int port_set_channel(void *ctx, int channel)
{
    return medium_node_set_channel(ctx, channel);
}

static void port_set_enabled(void *ctx, bool on)
{
    medium_node_set_enabled(ctx, on);
}

static void port_set_tx_power(void *ctx, double dbm)
{
    medium_node_set_tx_power(ctx, dbm);
}

void medium_node_air_port(medium_node *n, dot11_air_port *port)
{
    port->ctx = n;
    port->transmit = port_transmit;
    port->set_channel = port_set_channel;
    port->set_enabled = port_set_enabled;
    port->set_tx_power = port_set_tx_power;
}
