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
#define MEDIUM_CHANNELS 200 /* channel numbers 1..196 index chan_busy */

/* ---- MAC timing (IEEE 802.11-2020) ----
 * ERP (clause 18/19) with the short slot the AP advertises, and the OFDM
 * PHY (clause 17) in 5 GHz:
 *   aSlotTime 9 us; aSIFSTime 10 us in 2.4 GHz, 16 us in 5 GHz; an ERP-OFDM
 *   frame is followed by a 6 us signal extension (19.3.2.4), so the SIFS
 *   after it ends 16 us after its last symbol, as in 5 GHz;
 *   DIFS = aSIFSTime + 2 aSlotTime (10.3.2.3.7);
 *   aCWmin 15, aCWmax 1023 (the OFDM/ERP PHY characteristics);
 *   ACKTimeout = aSIFSTime + aSlotTime + aRxPHYStartDelay (10.3.2.9),
 *   aRxPHYStartDelay 25 us for OFDM (17.4.5), 192 us for DSSS with the long
 *   preamble (15.4.4);
 *   dot11ShortRetryLimit 7 attempts (10.3.4.4; no RTS: dot11RTSThreshold
 *   keeps its default, so every frame counts against the short limit and
 *   dot11LongRetryLimit 4 never applies). */
#define MAC_SLOT SIM_US(9)
#define MAC_SIFS_24 SIM_US(10)
#define MAC_SIFS_5 SIM_US(16)
#define MAC_SIGNAL_EXT SIM_US(6)
#define MAC_CW_MIN 15
#define MAC_CW_MAX 1023
#define MAC_SHORT_RETRY_LIMIT 7
#define MAC_ACK_LEN 10 /* FC, Duration, RA; + FCS on the air */

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
    size_t pending; /* deliveries still to make, and the status report */
    dot11_tx_params p;
    sim_timer_id status_timer;
    bool acked;
    bool deliver_retry; /* the copy the receiver got was a retransmission */
    /* Contending for a busy channel (struct chan_wait): its frozen backoff
     * counter reaches 0 when the channel's idle slots (chan_wait.slots)
     * reach slot_end. */
    bool waiting;
    int wait_ch;
    int64_t slot_end;
    struct medium_tx *wprev, *wnext;
    size_t len;
    uint8_t frame[];
};

/* Rate adaptation state of one transmitter towards one receiver (AARF). */
struct rc_peer {
    uint8_t mac[6];
    int idx;        /* into RC_LADDER */
    int success;    /* consecutive acknowledged attempts */
    int fail;       /* consecutive unacknowledged attempts */
    int threshold;  /* successes before trying the next rate up */
    bool probing;   /* the attempt after a step up: one failure steps back */
};

/* A capture record waiting for virtual time to reach it: an exchange is
 * decided when it starts, so its retries and ACKs are known before other
 * frames that go on the air in between. */
struct cap_rec {
    struct cap_rec *next;
    sim_time t;
    size_t len;
    uint8_t bytes[];
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
    sim_time busy_until;  /* end of its current exchange */
    sim_time next_access; /* end of its post-backoff (10.3.4.3) */
    struct medium_tx *q_head, *q_tail;
    struct medium_tx *last_tx; /* latest frame put on the air, while it lives */
    struct rc_peer *rc;
    size_t nrc, cap_rc;
    size_t order;              /* attach index: its place in the channel index */
    uint64_t pos_ver;          /* changes with every move (medium.pos_ver) */
    /* The path loss to the capture's monitor, while neither moved. */
    uint64_t mon_from_ver, mon_ver;
    double mon_pl;
    /* The path loss from every transmitter heard, while neither moved:
     * the same value path_loss_db computes, without its log10. Indexed by
     * the transmitter's attach index (grown to the largest one heard): a
     * fixed handful of entries thrashed once a receiver heard more
     * transmitters than it had entries, which in a busy world is most
     * receivers, so nearly every delivery paid log10 again. */
    struct pl_cache {
        /* pos_ver of the transmitter and of this node when computed; 0:
         * never (pos_ver starts at 1). Versions are unique across nodes,
         * so from_ver alone also says whose entry it is. */
        uint64_t from_ver, to_ver;
        double pl;
        sim_time prop; /* propagation_ns(distance) */
    } *plc;
    size_t plc_cap;
    struct pl_cache plc_spare; /* the answer when the table cannot grow (out of memory) */
};

/* The frames contending for one channel that found it busy (10.3.4.3): each
 * node's backoff counter counts down only while the channel has been idle
 * for DIFS and freezes while another node's exchange holds it; the smallest
 * counter wins when it reaches 0 (ties: the first to contend; collisions are
 * not modelled). One event per channel per exchange, however many nodes
 * wait: a timer per waiting node that woke at every exchange's end, lost,
 * drew again and slept, cost O(waiting nodes) events per frame. */
struct chan_wait {
    struct medium *m;
    int ch;
    struct medium_tx *head, *tail;
    sim_timer_id timer;
    sim_time timer_at;
    sim_time idle_from; /* the counters are as of this time; they count on from it while idle */
    /* Idle slots counted so far: a waiter's counter is slot_end - slots, or
     * 0 once that is not positive, so the countdown costs O(1), not
     * O(waiting nodes). min_end: the smallest slot_end while any wait. */
    int64_t slots, min_end;
};

/* Freed frames, deliveries and capture records are kept for the next ones,
 * so that a frame costs no malloc and free: blocks of two sizes (a small
 * frame, the largest MPDU). Every returned block is kept: a pool allocates
 * only when it is empty, so the blocks it keeps and those out never number
 * more than the most that were ever out at once, memory the run needed
 * anyway. A fixed limit (64 blocks) was passed in every busy world, where
 * a group frame alone has a delivery in flight per receiver on its channel,
 * and from then on each frame paid malloc and free again. */
#define POOL_SMALL 256
#if defined(__SANITIZE_ADDRESS__)
#define LINKRIG_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LINKRIG_ASAN 1
#endif
#endif
#ifdef LINKRIG_ASAN
/* Under AddressSanitizer every block is its own exact-size allocation, so
 * that a use after free or an overrun is still caught. */
#define POOL_REUSE 0
#else
#define POOL_REUSE 1
#endif
struct pool {
    void *head; /* each free block starts with the next one's address */
    size_t n;   /* blocks kept */
    size_t block;
};

struct medium {
    sim *s;
    sim_rng *rng;
    sim_rng *monitor_rng;          /* the capture's own draws */
    const medium_node *monitor_at; /* the node the monitor sits beside */
    medium_config cfg;
    medium_node **nodes; /* attach order */
    uint64_t pos_ver;    /* the last position version handed out */
    /* Every node ever attached, by MAC (open addressing, power-of-two
     * size, at most half full): an exchange finds its addressee without a
     * scan of the channel's nodes. */
    struct mac_slot *by_mac;
    size_t cap_by_mac;
    size_t nnodes, cap_nodes;
    medium_index *by_channel; /* attached nodes per channel (medium_index.h) */
    struct medium_tx *txs;
    struct medium_delivery *deliveries;
    medium_stats stats;
    sim_time chan_busy[MEDIUM_CHANNELS]; /* end of the last exchange per channel */
    sim_time chan_start[MEDIUM_CHANNELS]; /* start of the last exchange per channel */
    struct chan_wait wait[MEDIUM_CHANNELS];
    struct cap_rec *caps;               /* pending capture records, by time */
    struct pool tx_pool[2], cap_pool[2], dv_pool; /* [0] small, [1] largest */
    /* The last radiotap header written, but for its signal octet. */
    uint8_t rt_bytes[RADIOTAP_CAP];
    uint8_t cap_now[RADIOTAP_CAP + MEDIUM_MAX_FRAME]; /* a record written at once (capture_frame) */
    int rt_len, rt_signal_at; /* rt_len 0: none */
    int rt_channel;           /* what rt_bytes were written for */
    uint8_t rt_rate;
    double rt_noise_dbm;      /* the noise floor (before rounding) */
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

static size_t mac_hash(const uint8_t mac[6])
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (int i = 0; i < 6; i++)
        h = (h ^ mac[i]) * 1099511628211ull;
    return (size_t)h;
}

/* A by_mac slot keeps the node's address beside it: a lookup passes the
 * other nodes of its probe run without reading them. */
struct mac_slot {
    medium_node *n; /* NULL: free */
    uint8_t mac[6];
};

static void by_mac_put(struct mac_slot *tab, size_t cap, medium_node *n)
{
    size_t i = mac_hash(n->mac) & (cap - 1);
    while (tab[i].n != NULL)
        i = (i + 1) & (cap - 1);
    tab[i].n = n;
    memcpy(tab[i].mac, n->mac, 6);
}

/* Room for one more node in by_mac; -1: out of memory. */
static int by_mac_reserve(medium *m)
{
    if (2 * (m->nnodes + 1) <= m->cap_by_mac)
        return 0;
    size_t cap = m->cap_by_mac ? 2 * m->cap_by_mac : 64;
    struct mac_slot *tab = calloc(cap, sizeof *tab);
    if (tab == NULL)
        return -1;
    for (size_t i = 0; i < m->nnodes; i++)
        by_mac_put(tab, cap, m->nodes[i]);
    free(m->by_mac);
    m->by_mac = tab;
    m->cap_by_mac = cap;
    return 0;
}

/* The node an exchange on ch from `from` is addressed to: of the attached,
 * enabled nodes on ch whose mac is a1, the first attached (as a scan of the
 * channel's index, which keeps attach order, would find), or NULL. */
static medium_node *addressee(medium *m, const medium_node *from, int ch, const uint8_t *a1)
{
    medium_node *best = NULL;
    if (m->cap_by_mac == 0)
        return NULL;
    for (size_t i = mac_hash(a1) & (m->cap_by_mac - 1); m->by_mac[i].n != NULL; i = (i + 1) & (m->cap_by_mac - 1)) {
        if (memcmp(m->by_mac[i].mac, a1, 6) != 0)
            continue;
        medium_node *c = m->by_mac[i].n;
        if (c != from && c->attached && c->enabled && c->channel == ch && (best == NULL || c->order < best->order))
            best = c;
    }
    return best;
}

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

/* The path loss from `from` at `to` and the propagation delay between
 * them, from to's cache while neither has moved (the same doubles: the
 * same computation). An entry is valid for the position versions of both
 * (pos_ver changes with every move and attach), so a move of either
 * recomputes it on its next use; nothing else the values depend on changes
 * after medium_create. */
static const struct pl_cache *pair_loss(const medium_config *c, const medium_node *from, medium_node *to)
{
    struct pl_cache *e;
    if (from->order < to->plc_cap) {
        e = &to->plc[from->order];
        if (e->from_ver == from->pos_ver && e->to_ver == to->pos_ver)
            return e;
    } else {
        size_t cap = to->plc_cap ? 2 * to->plc_cap : 8;
        if (cap <= from->order)
            cap = from->order + 1;
        struct pl_cache *tab = realloc(to->plc, cap * sizeof *tab);
        if (tab != NULL) {
            memset(tab + to->plc_cap, 0, (cap - to->plc_cap) * sizeof *tab);
            to->plc = tab;
            to->plc_cap = cap;
            e = &tab[from->order];
        } else {
            e = &to->plc_spare; /* answered, not kept */
        }
    }
    double d = distance_m(from, to);
    e->from_ver = from->pos_ver;
    e->to_ver = to->pos_ver;
    e->pl = path_loss_db(c, d);
    e->prop = propagation_ns(d);
    return e;
}

/* lost to the SNR draw u: u < 1 / (1 + exp(z)), z = (snr - snr50) / slope.
 * 1 / (1 + exp(z)) < exp(-z) < 1e-6 for z > 14, so a u of at least 1e-6
 * is not lost, and exp is needed only otherwise: the same answer. */
static bool snr_lost(double u, double snr, double snr50)
{
    double z = (snr - snr50) / LOSS_SLOPE_DB;
    if (z > 14.0 && u >= 1e-6)
        return false;
    return u < 1.0 / (1.0 + exp(z));
}

double medium_mean_rssi(const medium_node *from, const medium_node *to)
{
    /* through to's path-loss cache (the same value; only the cache, never
     * what the node is, changes) */
    return from->tx_power_dbm - pair_loss(&from->m->cfg, from, (medium_node *)to)->pl;
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

/* ---- block pools ---- */

/* A block of at least `need` bytes (need <= p->block). */
static void *pool_get(struct pool *p, size_t need)
{
    void *b = p->head;
    if (b == NULL)
        return malloc(POOL_REUSE ? p->block : need);
    memcpy(&p->head, b, sizeof p->head);
    p->n--;
    return b;
}

static void pool_put(struct pool *p, void *b)
{
#if !POOL_REUSE
    (void)p;
    free(b);
#else
    memcpy(b, &p->head, sizeof p->head);
    p->head = b;
    p->n++;
#endif
}

static void pool_drain(struct pool *p)
{
    while (p->n > 0)
        free(pool_get(p, p->block));
}

static struct pool *tx_pool_for(medium *m, size_t frame_len)
{
    return &m->tx_pool[frame_len > POOL_SMALL];
}

static struct pool *cap_pool_for(medium *m, size_t rec_len)
{
    return &m->cap_pool[rec_len > RADIOTAP_CAP + POOL_SMALL];
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
    pool_put(tx_pool_for(m, tx->len), tx);
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

static void cap_flush(medium *m, sim_time upto);

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
    m->tx_pool[0].block = sizeof(struct medium_tx) + POOL_SMALL;
    m->tx_pool[1].block = sizeof(struct medium_tx) + MEDIUM_MAX_FRAME;
    m->cap_pool[0].block = sizeof(struct cap_rec) + RADIOTAP_CAP + POOL_SMALL;
    m->cap_pool[1].block = sizeof(struct cap_rec) + RADIOTAP_CAP + MEDIUM_MAX_FRAME;
    m->dv_pool.block = sizeof(struct medium_delivery);
    m->rng = sim_rng_stream(s, "medium");
    m->monitor_rng = sim_rng_stream(s, "medium.monitor");
    for (size_t i = 0; i < MEDIUM_CHANNELS; i++) {
        m->chan_busy[i] = m->chan_start[i] = INT64_MIN / 4; /* idle since long before the start */
        m->wait[i].m = m;
        m->wait[i].ch = (int)i;
    }
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
    for (size_t i = 0; i < MEDIUM_CHANNELS; i++)
        if (m->wait[i].timer != 0)
            sim_cancel(m->s, m->wait[i].timer);
    while (m->txs != NULL) {
        struct medium_tx *tx = m->txs;
        if (tx->start_timer != 0)
            sim_cancel(m->s, tx->start_timer);
        if (tx->status_timer != 0)
            sim_cancel(m->s, tx->status_timer);
        tx_free(tx);
    }
    /* Records of exchanges decided past the end of the run: a sniffer
     * stopped now would have seen the ones up to now only. */
    cap_flush(m, sim_now(m->s));
    while (m->caps != NULL) {
        struct cap_rec *c = m->caps;
        m->caps = c->next;
        free(c);
    }
    for (int i = 0; i < 2; i++) {
        pool_drain(&m->tx_pool[i]);
        pool_drain(&m->cap_pool[i]);
    }
    pool_drain(&m->dv_pool);
    for (size_t i = 0; i < m->nnodes; i++) {
        free(m->nodes[i]->rc);
        free(m->nodes[i]->plc);
        free(m->nodes[i]->name);
        free(m->nodes[i]);
    }
    free(m->nodes);
    free(m->by_mac);
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
    n->pos_ver = ++m->pos_ver;
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
    if (by_mac_reserve(m) != 0 || medium_index_add(m->by_channel, n->channel, n, n->order) != 0) {
        free(n);
        free(name_copy);
        sim_err_set(err, SIM_ENOMEM, "medium: out of memory attaching %s", name);
        return NULL;
    }
    m->nodes[m->nnodes++] = n;
    by_mac_put(m->by_mac, m->cap_by_mac, n);
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

static void wait_unlink(struct chan_wait *c, struct medium_tx *tx)
{
    if (tx->wprev != NULL)
        tx->wprev->wnext = tx->wnext;
    else
        c->head = tx->wnext;
    if (tx->wnext != NULL)
        tx->wnext->wprev = tx->wprev;
    else
        c->tail = tx->wprev;
    tx->wprev = tx->wnext = NULL;
    tx->waiting = false;
    if (c->head != NULL && tx->slot_end == c->min_end) {
        c->min_end = c->head->slot_end;
        for (struct medium_tx *w = c->head->wnext; w != NULL; w = w->wnext)
            if (w->slot_end < c->min_end)
                c->min_end = w->slot_end;
    }
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
        if (tx->waiting)
            wait_unlink(&m->wait[tx->wait_ch], tx);
        tx_free(tx);
    }
    n->q_tail = NULL;
    if (n->last_tx != NULL && n->busy_until > now)
        n->last_tx->aborted = true;
    n->busy_until = now;
    n->next_access = now;
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
    n->pos_ver = ++n->m->pos_ver;
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
static void tx_start_fire(void *arg);

static int8_t dbm_i8(double v)
{
    if (!(v > -128.0))
        return -128;
    if (v > 127.0)
        return 127;
    return (int8_t)lround(v);
}

static bool is_5ghz(int channel)
{
    return channel > 14;
}

static sim_time mac_sifs(int channel)
{
    return is_5ghz(channel) ? MAC_SIFS_5 : MAC_SIFS_24;
}

static sim_time mac_difs(int channel)
{
    return mac_sifs(channel) + 2 * MAC_SLOT;
}

/* The air's quiet time after a frame at rate before the SIFS starts: the
 * ERP-OFDM signal extension. */
static sim_time signal_ext(int channel, uint8_t rate)
{
    const struct rate_info *ri = rate_lookup(rate);
    return (!is_5ghz(channel) && ri != NULL && !ri->dsss) ? MAC_SIGNAL_EXT : 0;
}

static sim_time ack_timeout(int channel, uint8_t rate)
{
    const struct rate_info *ri = rate_lookup(rate);
    sim_time rx_start = (ri != NULL && ri->dsss) ? SIM_US(192) : SIM_US(25);
    return signal_ext(channel, rate) + mac_sifs(channel) + MAC_SLOT + rx_start;
}

/* The rate of a control response (ACK): the highest rate of the BSS's
 * basic rate set, or of the PHY's mandatory rates, not faster than the
 * frame it answers and of the same modulation (10.6.6.5.2). An 11b/g BSS's
 * basic set is 1, 2, 5.5, 11 Mb/s; the ERP-OFDM mandatory rates are 6, 12
 * and 24 Mb/s. */
static uint8_t ack_rate(uint8_t rate)
{
    static const uint8_t dsss[] = {22, 11, 4, 2}, ofdm[] = {48, 24, 12};
    const struct rate_info *ri = rate_lookup(rate);
    const uint8_t *set = (ri != NULL && ri->dsss) ? dsss : ofdm;
    size_t n = (ri != NULL && ri->dsss) ? sizeof dsss : sizeof ofdm;
    for (size_t i = 0; i < n; i++)
        if (set[i] <= rate)
            return set[i];
    return set[n - 1];
}

/* Airtime of an MPDU of len bytes as handed over. The 4-octet FCS is not
 * counted (32 us at 1 Mb/s, under 1 us at 54 Mb/s), as before the MAC was
 * modelled, so a frame's airtime is medium_airtime of what the capture
 * shows. */
static sim_time frame_airtime(size_t len, uint8_t rate)
{
    return medium_airtime(len, rate);
}

/* ---- rate adaptation: AARF ----
 * Adaptive ARF (Lacage, Manshaei, Turletti, "IEEE 802.11 Rate Adaptation: A
 * Practical Approach", MSWiM 2004; ns-3's AarfWifiManager), over ARF
 * (Kamerman and Monteban, WaveLAN-II, 1997): every attempt is reported;
 * two failures in a row step one rate down; `threshold` successes in a row
 * step one rate up, and that first attempt is a probe: if it fails the rate
 * steps back and the threshold doubles (10 .. 50), which keeps a link on a
 * rate that works from probing a rate that does not every 10 frames.
 * The ladder holds the rates in order of the SNR they need (the snr50
 * column): 11b's 5.5 and 11 Mb/s are left out because 6, 9 and 12 Mb/s
 * OFDM carry more for less SNR; 1 and 2 Mb/s stay at the bottom for range.
 * 5 GHz has no DSSS rates: there the ladder starts at 6 Mb/s. */
static const uint8_t RC_LADDER[] = {2, 4, 12, 18, 24, 36, 48, 72, 96, 108};
#define RC_N ((int)(sizeof RC_LADDER / sizeof RC_LADDER[0]))
#define RC_THRESHOLD_MIN 10
#define RC_THRESHOLD_MAX 50
#define RC_FAILS_DOWN 2

static struct rc_peer *rc_find(medium_node *n, const uint8_t mac[6], uint8_t start_rate)
{
    for (size_t i = 0; i < n->nrc; i++)
        if (memcmp(n->rc[i].mac, mac, 6) == 0)
            return &n->rc[i];
    if (n->nrc == n->cap_rc) {
        size_t ncap = n->cap_rc ? 2 * n->cap_rc : 4;
        struct rc_peer *grown = realloc(n->rc, ncap * sizeof *grown);
        if (grown == NULL)
            return NULL;
        n->rc = grown;
        n->cap_rc = ncap;
    }
    struct rc_peer *p = &n->rc[n->nrc++];
    memset(p, 0, sizeof *p);
    memcpy(p->mac, mac, 6);
    p->idx = 0;
    for (int i = 0; i < RC_N; i++)
        if (RC_LADDER[i] <= start_rate)
            p->idx = i;
    p->threshold = RC_THRESHOLD_MIN;
    return p;
}

static uint8_t rc_rate(const struct rc_peer *p, int channel)
{
    int idx = p->idx;
    if (is_5ghz(channel) && idx < 2)
        idx = 2;
    return RC_LADDER[idx];
}

static void rc_report(struct rc_peer *p, bool acked)
{
    if (acked) {
        p->fail = 0;
        p->probing = false;
        if (++p->success >= p->threshold && p->idx < RC_N - 1) {
            p->idx++;
            p->success = 0;
            p->probing = true;
        }
        return;
    }
    p->success = 0;
    p->fail++;
    if (p->probing) {
        p->probing = false;
        p->threshold = p->threshold * 2 > RC_THRESHOLD_MAX ? RC_THRESHOLD_MAX : p->threshold * 2;
        if (p->idx > 0)
            p->idx--;
        p->fail = 0;
    } else if (p->fail >= RC_FAILS_DOWN) {
        p->threshold = RC_THRESHOLD_MIN;
        if (p->idx > 0)
            p->idx--;
        p->fail = 0;
    }
}

/* ---- capture ---- */

static void cap_flush(medium *m, sim_time upto)
{
    while (m->caps != NULL && m->caps->t <= upto) {
        struct cap_rec *c = m->caps;
        m->caps = c->next;
        capture_write(m->cfg.air, c->t, c->bytes, c->len);
        pool_put(cap_pool_for(m, c->len), c);
    }
}

/* What the capture's monitor receives of a frame sent by `from`: the same
 * rules as any receiver (shadowing, sensitivity, the SNR loss draw;
 * medium.h), drawn from the monitor's own stream. Returns false when it
 * cannot hear it. */
static bool monitor_hears(medium *m, const medium_node *from, uint8_t rate, double *signal)
{
    const struct rate_info *ri = rate_lookup(rate);
    double mx = m->cfg.monitor_x, my = m->cfg.monitor_y, mz = m->cfg.monitor_z;
    if (!m->cfg.monitor_fixed && m->monitor_at != NULL) {
        mx = m->monitor_at->x;
        my = m->monitor_at->y;
        mz = m->monitor_at->z;
    }
    /* The path loss while neither the sender nor the monitor moved: the
     * same doubles from the same computation, without its log10. pos_ver
     * is never 0, so 0 stands for the fixed position. */
    uint64_t mon_ver = !m->cfg.monitor_fixed && m->monitor_at != NULL ? m->monitor_at->pos_ver : 0;
    medium_node *f = (medium_node *)from; /* only its cache is written */
    if (f->mon_from_ver != from->pos_ver || f->mon_ver != mon_ver) {
        double dx = from->x - mx, dy = from->y - my, dz = from->z - mz;
        f->mon_pl = path_loss_db(&m->cfg, sqrt(dx * dx + dy * dy + dz * dz));
        f->mon_from_ver = from->pos_ver;
        f->mon_ver = mon_ver;
    }
    double rssi = from->tx_power_dbm - f->mon_pl;
    if (m->cfg.shadowing_sigma_db > 0)
        rssi += m->cfg.shadowing_sigma_db * sim_rng_normal(m->monitor_rng);
    double u = sim_rng_uniform(m->monitor_rng);
    if (rssi < m->cfg.monitor_sensitivity_dbm)
        return false;
    double snr = rssi - m->cfg.noise_floor_dbm;
    if (snr_lost(u, snr, ri->snr50))
        return false;
    *signal = rssi;
    return true;
}

/* One radiotap + frame record at time t, with the signal the monitor
 * measured, when the monitor hears it. */
static void capture_frame(medium *m, sim_time t, const medium_node *from, int channel, uint8_t rate,
                          const uint8_t *frame, size_t len)
{
    double signal;
    if (m->cfg.air == NULL)
        return;
    if (!monitor_hears(m, from, rate, &signal)) {
        m->stats.capture_unheard++;
        return;
    }
    /* Consecutive records differ mostly in their signal: the header is
     * written again only when the channel, the rate or the noise changed
     * (everything else in it is constant). */
    int hl;
    if (m->rt_len > 0 && m->rt_channel == channel && m->rt_rate == rate &&
        m->rt_noise_dbm == m->cfg.noise_floor_dbm) {
        hl = m->rt_len;
    } else {
        int8_t noise_i8 = dbm_i8(m->cfg.noise_floor_dbm);
        int freq = dot11_channel_to_freq((unsigned)channel);
        struct dot11_radiotap rt;
        memset(&rt, 0, sizeof rt);
        rt.present = DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_FLAGS) | DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_RATE) |
                     DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_CHANNEL) |
                     DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_DBM_ANTSIGNAL) |
                     DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_DBM_ANTNOISE) |
                     DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_ANTENNA);
        rt.flags = 0; /* long preamble, no FCS */
        rt.rate = rate;
        rt.chan_freq = (uint16_t)freq;
        rt.chan_flags = dot11_radiotap_chan_flags((unsigned)freq, rate);
        rt.dbm_antsignal = 0; /* written per record below */
        rt.dbm_antnoise = noise_i8;
        rt.antenna = 0;
        m->rt_len = 0;
        hl = dot11_radiotap_write(m->rt_bytes, RADIOTAP_CAP, &rt);
        if (hl < 0) {
            sim_fail(m->s, MEDIUM_COMP, "radiotap header did not fit (%d)", hl);
            return;
        }
        int at = dot11_radiotap_field_offset(rt.present, DOT11_RADIOTAP_DBM_ANTSIGNAL);
        if (at < 0 || at >= hl) {
            sim_fail(m->s, MEDIUM_COMP, "radiotap header without a signal field");
            return;
        }
        m->rt_len = hl;
        m->rt_signal_at = at;
        m->rt_channel = channel;
        m->rt_rate = rate;
        m->rt_noise_dbm = m->cfg.noise_floor_dbm;
    }
    int8_t signal_i8 = dbm_i8(signal);
    m->rt_bytes[m->rt_signal_at] = (uint8_t)signal_i8;
    size_t total = (size_t)hl + len;
    if (t <= sim_now(m->s) && (m->caps == NULL || m->caps->t > t)) {
        /* Every record up to now has been written (each transmission
         * flushes them first) and none is due at t: this one is next in
         * the file either way, so it goes there now rather than through
         * the queue (a pool block, a list walk and one more copy for
         * every beacon). The file's bytes are the same. */
        memcpy(m->cap_now, m->rt_bytes, (size_t)hl);
        memcpy(m->cap_now + hl, frame, len);
        capture_write(m->cfg.air, t, m->cap_now, total);
        return;
    }
    struct cap_rec *c = pool_get(cap_pool_for(m, total), sizeof *c + total);
    if (c == NULL) {
        sim_fail(m->s, MEDIUM_COMP, "out of memory capturing a frame");
        return;
    }
    c->t = t;
    c->len = total;
    memcpy(c->bytes, m->rt_bytes, (size_t)hl);
    memcpy(c->bytes + hl, frame, len);
    struct cap_rec **pp = &m->caps; /* after every record at or before t */
    while (*pp != NULL && (*pp)->t <= t)
        pp = &(*pp)->next;
    c->next = *pp;
    *pp = c;
}

/* One receiver's draw for one frame (medium.h): shadowing, then the SNR
 * loss draw, always both. *prop_out: the propagation delay, from the same
 * cache entry as the path loss (a second lookup per delivery otherwise). */
static bool hears(medium *m, const medium_node *from, medium_node *to, uint8_t rate, double *rssi_out,
                  double *snr_out, sim_time *prop_out)
{
    const struct rate_info *ri = rate_lookup(rate);
    const struct pl_cache *pl = pair_loss(&m->cfg, from, to);
    *prop_out = pl->prop;
    double rssi = from->tx_power_dbm - pl->pl;
    if (m->cfg.shadowing_sigma_db > 0)
        rssi += m->cfg.shadowing_sigma_db * sim_rng_normal(m->rng);
    double u = sim_rng_uniform(m->rng);
    double snr = rssi - m->cfg.noise_floor_dbm;
    *rssi_out = rssi;
    *snr_out = snr;
    if (rssi < to->sensitivity_dbm) {
        m->stats.lost_sensitivity++;
        return false;
    }
    if (snr_lost(u, snr, ri->snr50)) {
        m->stats.lost_snr++;
        return false;
    }
    return true;
}

static sim_time backoff(medium *m, int cw)
{
    return (sim_time)sim_rng_below(m->rng, (uint64_t)cw + 1) * MAC_SLOT;
}

static void go_on_air(struct medium_tx *tx);
static void tx_start_fire(void *arg);
static void wait_fire(void *arg);

/* Brings c's counters to now: they counted down from idle_from until the
 * channel was taken (if it was), and from DIFS after that exchange's end
 * until now (10.3.4.3: the countdown runs only in idle slots after DIFS). */
static void wait_sync(struct chan_wait *c, sim_time now)
{
    medium *m = c->m;
    int ch = c->ch;
    int64_t dec = 0;
    if (m->chan_start[ch] >= c->idle_from) {
        dec += (m->chan_start[ch] - c->idle_from) / MAC_SLOT;
        c->idle_from = m->chan_busy[ch] + mac_difs(ch);
    }
    if (c->idle_from < m->chan_busy[ch] + mac_difs(ch))
        c->idle_from = m->chan_busy[ch] + mac_difs(ch);
    if (now > c->idle_from) {
        int64_t k = (now - c->idle_from) / MAC_SLOT;
        dec += k;
        c->idle_from += k * MAC_SLOT;
    }
    if (dec > 0)
        c->slots += dec;
}

/* The channel's event at the smallest counter's end (after wait_sync). */
static void wait_arm(struct chan_wait *c)
{
    medium *m = c->m;
    if (c->head == NULL) {
        if (c->timer != 0)
            sim_cancel(m->s, c->timer);
        c->timer = 0;
        return;
    }
    int64_t min = c->min_end > c->slots ? c->min_end - c->slots : 0;
    sim_time at = c->idle_from + (sim_time)min * MAC_SLOT;
    if (c->timer != 0 && c->timer_at == at)
        return;
    if (c->timer != 0)
        sim_cancel(m->s, c->timer);
    c->timer_at = at;
    c->timer = sim_at(m->s, at, wait_fire, c);
}

/* tx (its node's queue head) contends for channel ch, which is busy: it
 * draws its backoff from CWmin (10.3.4.3) and waits. Returns when it
 * would start if no one else took the channel first. */
static sim_time wait_join(medium *m, int ch, struct medium_tx *tx)
{
    struct chan_wait *c = &m->wait[ch];
    wait_sync(c, sim_now(m->s));
    int64_t slots = (int64_t)sim_rng_below(m->rng, (uint64_t)MAC_CW_MIN + 1);
    /* counted from the next idle DIFS, as the others' are from idle_from */
    tx->slot_end = c->slots + slots;
    if (c->head == NULL || tx->slot_end < c->min_end)
        c->min_end = tx->slot_end;
    tx->waiting = true;
    tx->wait_ch = ch;
    tx->wnext = NULL;
    tx->wprev = c->tail;
    if (c->tail != NULL)
        c->tail->wnext = tx;
    else
        c->head = tx;
    c->tail = tx;
    wait_arm(c);
    return c->idle_from + (sim_time)slots * MAC_SLOT;
}

/* tx, its node's queue head, may start at t or later: on the air at once
 * when t is now, the node's post-backoff is over and the channel has been
 * idle for DIFS (10.3.4.2); when the channel is busy, it contends
 * (wait_join); else at the end of its post-backoff. Returns the expected
 * start (tx may be freed when it is now). */
static sim_time contend(medium *m, struct medium_tx *tx, sim_time t)
{
    medium_node *n = tx->from;
    int ch = n->channel;
    sim_time a = t > n->next_access ? t : n->next_access;
    if (ch > 0 && ch < MEDIUM_CHANNELS && m->chan_busy[ch] + mac_difs(ch) > a)
        return wait_join(m, ch, tx);
    if (a == sim_now(m->s)) {
        /* Frames leave the queue in order; this one is its head. */
        n->q_head = tx->qnext;
        if (n->q_head == NULL)
            n->q_tail = NULL;
        tx->qnext = NULL;
        go_on_air(tx);
        return a;
    }
    tx->start_timer = sim_at(m->s, a, tx_start_fire, tx);
    return a;
}

static void wait_fire(void *arg)
{
    struct chan_wait *c = arg;
    medium *m = c->m;
    sim_time now = sim_now(m->s);
    c->timer = 0;
    wait_sync(c, now);
    struct medium_tx *win = NULL;
    if (m->chan_busy[c->ch] + mac_difs(c->ch) <= now && c->head != NULL && c->min_end <= c->slots)
        for (struct medium_tx *w = c->head; w != NULL; w = w->wnext)
            if (w->slot_end <= c->slots) {
                win = w;
                break;
            }
    if (win == NULL) {
        wait_arm(c);
        return;
    }
    wait_unlink(c, win);
    /* the others stay frozen while its exchange holds the channel; a node
     * that moved to another channel meanwhile contends there */
    contend(m, win, now);
    wait_sync(c, now);
    wait_arm(c);
}

static struct medium_delivery *deliver_at(medium *m, struct medium_tx *tx, medium_node *to, sim_time t,
                                          double rssi, double snr)
{
    struct medium_delivery *dv = pool_get(&m->dv_pool, sizeof *dv);
    if (dv != NULL)
        memset(dv, 0, sizeof *dv);
    if (dv == NULL) {
        /* A silently lost delivery would change the run unnoticed. */
        sim_fail(m->s, MEDIUM_COMP, "out of memory delivering a frame to %s", to->name);
        return NULL;
    }
    dv->tx = tx;
    dv->to = to;
    dv->rx_epoch = to->rx_epoch;
    dv->rssi_dbm = rssi;
    dv->snr_db = snr;
    delivery_link(m, dv);
    tx->pending++;
    dv->timer = sim_at(m->s, t, delivery_fire, dv);
    return dv;
}

static void status_fire(void *arg)
{
    struct medium_tx *tx = arg;
    tx->status_timer = 0;
    if (!tx->aborted && tx->p.status != NULL)
        tx->p.status(tx->p.status_ctx, tx->frame + 4, tx->acked);
    if (--tx->pending == 0)
        tx_free(tx);
}

/* Individually addressed data and management frames, and PS-Poll, are
 * acknowledged (10.3.2.9); group-addressed frames and other control frames
 * are not. */
static bool wants_ack(const uint8_t *f, size_t len)
{
    if (len < 10 || (f[4] & 0x01))
        return false;
    unsigned type = (f[0] >> 2) & 3, subtype = (f[0] >> 4) & 15;
    if (type == DOT11_FTYPE_MGMT || type == DOT11_FTYPE_DATA)
        return len >= 24;
    return type == 1 && subtype == 10; /* PS-Poll */
}

/* The frame exchange of one individually addressed frame (10.3.2.9,
 * 10.3.4.4), decided as a whole when it starts: each attempt at the rate
 * adaptation's (or the fixed) rate, the addressee's draw, its ACK a SIFS
 * later and the transmitter's draw of that ACK; a missing ACK costs the
 * ACKTimeout, then DIFS and a backoff from a doubled contention window,
 * and the next attempt carries the Retry bit, up to dot11ShortRetryLimit
 * attempts. The addressee gets the first copy it hears, once (the duplicate
 * filtering of 10.3.2.14 drops the others). Every attempt and ACK the
 * monitor hears is captured at its own time. Returns the exchange's end. */
static sim_time exchange(medium *m, struct medium_tx *tx, sim_time t)
{
    medium_node *from = tx->from;
    int ch = tx->channel;
    medium_node *to = addressee(m, from, ch, tx->frame + 4);
    struct rc_peer *rc = tx->p.rate_ctl ? rc_find(from, tx->frame + 4, tx->rate) : NULL;
    bool is_ctl = ((tx->frame[0] >> 2) & 3) == 1;
    int cw = MAC_CW_MIN;
    bool delivered = false;
    sim_time end = t;
    uint8_t sent[MEDIUM_MAX_FRAME];
    memcpy(sent, tx->frame, tx->len);
    for (int k = 0; k < MAC_SHORT_RETRY_LIMIT; k++) {
        uint8_t rate = rc != NULL ? rc_rate(rc, ch) : tx->rate;
        uint8_t arate = ack_rate(rate);
        sim_time air = frame_airtime(tx->len, rate);
        sim_time ack_air = frame_airtime(MAC_ACK_LEN, arate);
        sim_time sifs = signal_ext(ch, rate) + mac_sifs(ch);
        if (k > 0) {
            sent[1] |= DOT11_FC_RETRY;
            m->stats.retries++;
        }
        if (!is_ctl) {
            /* Duration: the SIFS and the ACK that follow (9.2.5.2). */
            int64_t us = (sifs + ack_air + signal_ext(ch, arate) + SIM_US(1) - 1) / SIM_US(1);
            sent[2] = (uint8_t)(us & 0xff);
            sent[3] = (uint8_t)((us >> 8) & 0x7f);
        }
        capture_frame(m, t, from, ch, rate, sent, tx->len);
        double rssi = 0, snr = 0;
        sim_time prop = 0;
        bool got = to != NULL && hears(m, from, to, rate, &rssi, &snr, &prop);
        bool acked = false;
        if (got) {
            if (!delivered) {
                memcpy(tx->frame, sent, tx->len);
                tx->rate = rate;
                tx->start = t;
                tx->end = t + air;
                deliver_at(m, tx, to, t + air + prop, rssi, snr);
                delivered = true;
            }
            sim_time ack_t = t + air + sifs;
            uint8_t ack[MAC_ACK_LEN] = {0xd4, 0x00, 0, 0};
            memcpy(ack + 4, from->mac, 6);
            capture_frame(m, ack_t, to, ch, arate, ack, sizeof ack);
            m->stats.acks++;
            double ar, as;
            sim_time aprop;
            acked = hears(m, to, from, arate, &ar, &as, &aprop);
            end = ack_t + ack_air + signal_ext(ch, arate);
        } else {
            end = t + air + ack_timeout(ch, rate);
        }
        if (rc != NULL)
            rc_report(rc, acked);
        if (acked) {
            tx->acked = true;
            return end;
        }
        cw = 2 * cw + 1 > MAC_CW_MAX ? MAC_CW_MAX : 2 * cw + 1;
        if (k + 1 < MAC_SHORT_RETRY_LIMIT)
            t = end + mac_difs(ch) + backoff(m, cw);
    }
    m->stats.tx_failed++;
    if (!delivered) {
        memcpy(tx->frame, sent, tx->len);
        tx->end = end;
    }
    return end;
}

/* A frame goes on the air now: decides who hears it (a group-addressed
 * frame: every node on the channel; an individually addressed one: its
 * exchange), books the channel to the exchange's end and schedules the
 * node's next queued frame. */
static void go_on_air(struct medium_tx *tx)
{
    medium *m = tx->m;
    medium_node *from = tx->from;
    sim_time now = sim_now(m->s);

    cap_flush(m, now);
    tx->start_timer = 0;
    tx->channel = from->channel;
    tx->start = now;
    from->last_tx = tx;
    m->stats.tx_frames++;

    bool want_capture = m->cfg.air != NULL;
    if (want_capture && !m->cfg.capture_beacons) {
        struct dot11_hdr hdr;
        if (dot11_parse_header(tx->frame, tx->len, &hdr) > 0 && hdr.type == DOT11_FTYPE_MGMT &&
            hdr.subtype == DOT11_STYPE_BEACON)
            want_capture = false;
    }

    sim_time end;
    tx->pending++; /* held while deciding: a delivery may be made below */
    if (wants_ack(tx->frame, tx->len)) {
        end = exchange(m, tx, now);
        if (tx->p.status != NULL) {
            tx->pending++;
            tx->status_timer = sim_at(m->s, end, status_fire, tx);
        }
    } else {
        tx->end = now + frame_airtime(tx->len, tx->rate);
        end = tx->end;
        if (want_capture)
            capture_frame(m, now, from, tx->channel, tx->rate, tx->frame, tx->len);
        /* the channel's nodes only, in attach order: the same receivers and
         * the same random draws as a scan of every node */
        size_t n_on;
        void *const *on = medium_index_nodes(m->by_channel, tx->channel, &n_on);
        for (size_t i = 0; i < n_on; i++) {
            medium_node *to = on[i];
            if (to == from || !to->attached || !to->enabled || to->channel != tx->channel)
                continue;
            double rssi, snr;
            sim_time prop;
            if (hears(m, from, to, tx->rate, &rssi, &snr, &prop))
                deliver_at(m, tx, to, tx->end + prop, rssi, snr);
        }
    }
    from->busy_until = end;
    from->next_access = end + mac_difs(tx->channel) + backoff(m, MAC_CW_MIN);
    if (tx->channel > 0 && tx->channel < MEDIUM_CHANNELS) {
        struct chan_wait *c = &m->wait[tx->channel];
        if (c->head != NULL)
            wait_sync(c, now); /* the countdown up to now, before the channel is taken */
        if (m->chan_busy[tx->channel] < end)
            m->chan_busy[tx->channel] = end;
        m->chan_start[tx->channel] = now;
    }
    cap_flush(m, now);
    if (from->q_head != NULL && from->q_head->start_timer == 0 && !from->q_head->waiting)
        contend(m, from->q_head, end);
    if (--tx->pending == 0)
        tx_free(tx);
}

static void tx_start_fire(void *arg)
{
    struct medium_tx *tx = arg;
    medium *m = tx->m;
    tx->start_timer = 0;
    contend(m, tx, sim_now(m->s));
}

static void delivery_fire(void *arg)
{
    struct medium_delivery *d = arg;
    struct medium_tx *tx = d->tx;
    medium *m = tx->m;
    medium_node *to = d->to;

    cap_flush(m, sim_now(m->s));
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
    pool_put(&m->dv_pool, d);
    if (--tx->pending == 0)
        tx_free(tx);
}

sim_time medium_transmit_ex(medium_node *n, const uint8_t *frame, size_t len, const dot11_tx_params *p)
{
    if (n == NULL || frame == NULL || p == NULL || len == 0 || len > MEDIUM_MAX_FRAME)
        return SIM_EINVAL;
    sim_time airtime = frame_airtime(len, p->rate);
    if (airtime < 0)
        return SIM_EINVAL;
    if (!n->attached || !n->enabled)
        return SIM_ESTATE;
    medium *m = n->m;
    struct medium_tx *tx = pool_get(tx_pool_for(m, len), sizeof *tx + len);
    if (tx == NULL)
        return SIM_ENOMEM;
    sim_time now = sim_now(m->s);
    cap_flush(m, now);
    /* Every field is set here rather than after a memset of the whole
     * struct: gcc turns that memset into `rep stosq`, whose start-up cost
     * was 3 % of an idle camera's run (one per beacon). */
    tx->m = m;
    tx->from = n;
    tx->qnext = NULL;
    tx->start_timer = 0;
    tx->start = tx->end = 0;
    tx->channel = n->channel;
    tx->rate = p->rate;
    tx->aborted = false;
    tx->pending = 0;
    tx->p = *p;
    tx->status_timer = 0;
    tx->acked = false;
    tx->deliver_retry = false;
    tx->waiting = false;
    tx->wait_ch = 0;
    tx->slot_end = 0;
    tx->wprev = tx->wnext = NULL;
    tx->len = len;
    memcpy(tx->frame, frame, len);
    tx_link(m, tx); /* prev, next */
    if (n->q_head == NULL) {
        n->q_head = n->q_tail = tx;
        return contend(m, tx, now) + airtime; /* tx may be freed at once */
    }
    /* Behind the node's own queue: started when its predecessor is done. */
    n->q_tail->qnext = tx;
    n->q_tail = tx;
    sim_time after = n->busy_until > now ? n->busy_until : now;
    return after + mac_difs(n->channel) + airtime;
}

sim_time medium_transmit(medium_node *n, const uint8_t *frame, size_t len, uint8_t rate)
{
    dot11_tx_params p = {.rate = rate};
    return medium_transmit_ex(n, frame, len, &p);
}

/* ---- air port ---- */

static int64_t port_transmit(void *ctx, const uint8_t *frame, size_t len, uint8_t rate)
{
    return medium_transmit(ctx, frame, len, rate);
}

static int64_t port_transmit_ex(void *ctx, const uint8_t *frame, size_t len, const dot11_tx_params *p)
{
    return medium_transmit_ex(ctx, frame, len, p);
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
    port->transmit_ex = port_transmit_ex;
    port->set_channel = port_set_channel;
    port->set_enabled = port_set_enabled;
    port->set_tx_power = port_set_tx_power;
}
