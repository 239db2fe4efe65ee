/* The wired Ethernet controller: MAC, PHY and cable (see ethphy.h).
 *
 * Frames in flight wait in one FIFO per direction. The latency is fixed, so
 * each direction's events fire in the order they were queued and every
 * event takes the head of its queue. A link generation counter, bumped at
 * every link loss, tells a frame whether the link it entered on is still
 * the one it leaves on. */
#include "sim/ethphy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct frame {
    struct frame *next;
    sim_timer_id ev;
    uint64_t gen;
    size_t len;
    uint8_t data[];
};

struct fifo {
    struct frame *head, *tail;
};

struct ethphy {
    sim *s;
    sim_trace *tr;
    char name[32];
    ethphy_config cfg;
    sim_time latency;
    sim_time negotiation;
    ethphy_wire_fn wire;
    void *wire_ctx;
    ethphy_host_ops host;
    bool powered;
    bool cable;
    bool link;
    uint64_t gen;
    sim_timer_id negotiate;  /* pending link-up */
    sim_timer_id down_event; /* deferred host link_down */
    struct fifo tx, rx;
    ethphy_stats stats;
};

void ethphy_config_default(ethphy_config *c)
{
    memset(c, 0, sizeof *c);
    c->name = "ethphy";
    const uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0xe0, 0x01};
    memcpy(c->mac, mac, 6);
    c->negotiation_ms = 1500;
    c->latency_us = 10;
    c->cable = true;
}

static void trace_str(ethphy *p, sim_log_level lvl, const char *event, const char *key, const char *val)
{
    sim_trace_rec *r = sim_trace_begin(p->tr, lvl, p->name, event);
    if (key != NULL)
        sim_trace_str(r, key, val);
    sim_trace_end(r);
}

static void trace_drop(ethphy *p, const char *dir, const char *why, size_t len)
{
    sim_trace_rec *r = sim_trace_begin(p->tr, SIM_LOG_DEBUG, p->name, "drop");
    sim_trace_str(r, "dir", dir);
    sim_trace_str(r, "why", why);
    sim_trace_int(r, "len", (int64_t)len);
    sim_trace_end(r);
}

ethphy *ethphy_create(sim *s, const ethphy_config *cfg, ethphy_wire_fn wire, void *wire_ctx, sim_err *err)
{
    ethphy_config def;
    ethphy_config_default(&def);
    ethphy_config c = cfg ? *cfg : def;
    if (c.name == NULL)
        c.name = def.name;
    static const uint8_t zero[6];
    if (memcmp(c.mac, zero, 6) == 0)
        memcpy(c.mac, def.mac, 6);
    if (c.mac[0] & 1) {
        sim_err_set(err, SIM_EINVAL, "ethphy '%s': the MAC address is a group address", c.name);
        return NULL;
    }
    /* Bounded so the conversion to nanoseconds cannot overflow. */
    if (!(c.negotiation_ms >= 0 && c.negotiation_ms <= 3600e3) || !(c.latency_us >= 0 && c.latency_us <= 1e6)) {
        sim_err_set(err, SIM_EINVAL,
                    "ethphy '%s': negotiation time must be 0..3600000 ms and latency 0..1000000 us", c.name);
        return NULL;
    }
    ethphy *p = calloc(1, sizeof *p);
    if (p == NULL) {
        sim_err_set(err, SIM_ENOMEM, "out of memory creating ethphy '%s'", c.name);
        return NULL;
    }
    p->s = s;
    p->tr = sim_trace_of(s);
    p->cfg = c;
    snprintf(p->name, sizeof p->name, "%s", c.name);
    p->cfg.name = p->name;
    p->negotiation = (sim_time)llround(c.negotiation_ms * 1e6);
    p->latency = (sim_time)llround(c.latency_us * 1e3);
    p->wire = wire;
    p->wire_ctx = wire_ctx;
    p->cable = c.cable;
    return p;
}

static void fifo_clear(sim *s, struct fifo *q)
{
    while (q->head != NULL) {
        struct frame *f = q->head;
        q->head = f->next;
        sim_cancel(s, f->ev);
        free(f);
    }
    q->tail = NULL;
}

void ethphy_destroy(ethphy *p)
{
    if (p == NULL)
        return;
    sim_cancel(p->s, p->negotiate);
    sim_cancel(p->s, p->down_event);
    fifo_clear(p->s, &p->tx);
    fifo_clear(p->s, &p->rx);
    free(p);
}

void ethphy_set_host(ethphy *p, const ethphy_host_ops *ops)
{
    if (ops)
        p->host = *ops;
    else
        memset(&p->host, 0, sizeof p->host);
}

/* ---- link ---- */

static void link_up_cb(void *arg)
{
    ethphy *p = arg;
    p->negotiate = 0;
    p->link = true;
    p->stats.link_ups++;
    sim_trace_rec *r = sim_trace_begin(p->tr, SIM_LOG_INFO, p->name, "link_up");
    sim_trace_int(r, "speed", 100);
    sim_trace_str(r, "duplex", "full");
    sim_trace_end(r);
    if (p->host.link_up)
        p->host.link_up(p->host.ctx);
}

/* Autonegotiation restarts whenever the PHY is powered with a cable in. */
static void maybe_negotiate(ethphy *p)
{
    if (p->powered && p->cable && !p->link && p->negotiate == 0)
        p->negotiate = sim_after(p->s, p->negotiation, link_up_cb, p);
}

static void down_event_cb(void *arg)
{
    ethphy *p = arg;
    p->down_event = 0;
    if (p->host.link_down)
        p->host.link_down(p->host.ctx);
}

static void link_lost(ethphy *p, const char *why)
{
    sim_cancel(p->s, p->negotiate);
    p->negotiate = 0;
    if (!p->link)
        return;
    p->link = false;
    p->gen++;
    p->stats.link_downs++;
    trace_str(p, SIM_LOG_INFO, "link_down", "why", why);
    /* From an event of its own: the caller may be the host itself, which
     * must never see a callback inside its own call. Only one can be
     * pending, since the link needs a later event to come back up. */
    if (p->down_event == 0)
        p->down_event = sim_after(p->s, 0, down_event_cb, p);
}

int ethphy_power(ethphy *p, bool on)
{
    if (on == p->powered)
        return ETHPHY_OK;
    p->powered = on;
    trace_str(p, SIM_LOG_INFO, "power", "state", on ? "on" : "off");
    if (on)
        maybe_negotiate(p);
    else
        link_lost(p, "power");
    return ETHPHY_OK;
}

bool ethphy_powered(const ethphy *p)
{
    return p->powered;
}

void ethphy_get_mac(const ethphy *p, uint8_t mac[6])
{
    memcpy(mac, p->cfg.mac, 6);
}

int ethphy_link_state(const ethphy *p)
{
    if (p->link)
        return ETHPHY_LINK_UP;
    return p->powered && p->cable ? ETHPHY_LINK_NEGOTIATING : ETHPHY_LINK_DOWN;
}

bool ethphy_link_up(const ethphy *p)
{
    return p->link;
}

void ethphy_set_cable(ethphy *p, bool plugged)
{
    if (plugged == p->cable)
        return;
    p->cable = plugged;
    trace_str(p, SIM_LOG_INFO, "cable", "state", plugged ? "plugged" : "pulled");
    if (plugged)
        maybe_negotiate(p);
    else
        link_lost(p, "cable");
}

bool ethphy_cable(const ethphy *p)
{
    return p->cable;
}

/* ---- frames ---- */

static struct frame *fifo_push(struct fifo *q, uint64_t gen, const uint8_t *eth, size_t len, size_t pad_to)
{
    size_t n = len < pad_to ? pad_to : len;
    struct frame *f = malloc(sizeof *f + n);
    if (f == NULL)
        return NULL;
    f->next = NULL;
    f->gen = gen;
    f->len = n;
    memcpy(f->data, eth, len);
    memset(f->data + len, 0, n - len);
    if (q->tail)
        q->tail->next = f;
    else
        q->head = f;
    q->tail = f;
    return f;
}

static struct frame *fifo_pop(struct fifo *q)
{
    struct frame *f = q->head;
    if (f != NULL) {
        q->head = f->next;
        if (q->head == NULL)
            q->tail = NULL;
    }
    return f;
}

static void tx_done(void *arg)
{
    ethphy *p = arg;
    struct frame *f = fifo_pop(&p->tx);
    if (f == NULL)
        return;
    if (!p->link || f->gen != p->gen) {
        p->stats.tx_dropped++;
        trace_drop(p, "tx", "link lost in flight", f->len);
    } else {
        p->stats.tx_frames++;
        if (p->wire)
            p->wire(p->wire_ctx, f->data, f->len);
    }
    free(f);
}

int ethphy_send(ethphy *p, const uint8_t *eth, size_t len)
{
    if (!p->powered)
        return ETHPHY_EPERM;
    if (eth == NULL || len < 14 || len > ETHPHY_MAX_FRAME)
        return ETHPHY_EINVAL;
    if (!p->link) {
        p->stats.tx_dropped++;
        trace_drop(p, "tx", p->cable ? "negotiating" : "no cable", len);
        return ETHPHY_ENOLINK;
    }
    /* Out of host memory is a rig failure, not a device condition: the
     * frame is lost like a full TX FIFO would lose it. */
    struct frame *f = fifo_push(&p->tx, p->gen, eth, len, ETHPHY_MIN_FRAME);
    if (f == NULL) {
        p->stats.tx_dropped++;
        trace_drop(p, "tx", "out of memory", len);
        return ETHPHY_OK;
    }
    f->ev = sim_after(p->s, p->latency, tx_done, p);
    return ETHPHY_OK;
}

static void rx_done(void *arg)
{
    ethphy *p = arg;
    struct frame *f = fifo_pop(&p->rx);
    if (f == NULL)
        return;
    if (!p->link || f->gen != p->gen || p->host.rx == NULL) {
        p->stats.rx_dropped++;
        trace_drop(p, "rx", p->host.rx == NULL ? "no host" : "link lost in flight", f->len);
    } else {
        p->stats.rx_frames++;
        p->host.rx(p->host.ctx, f->data, f->len);
    }
    free(f);
}

void ethphy_wire_input(ethphy *p, const uint8_t *eth, size_t len)
{
    if (eth == NULL || len < 14 || len > ETHPHY_MAX_FRAME) {
        p->stats.rx_bad++;
        trace_drop(p, "rx", len < 14 ? "runt" : "oversized", len);
        return;
    }
    if (!p->link) {
        p->stats.rx_dropped++;
        trace_drop(p, "rx", !p->cable ? "no cable" : p->powered ? "negotiating" : "powered down", len);
        return;
    }
    /* The MAC's perfect filter: its own address and every group address. */
    if (!(eth[0] & 1) && memcmp(eth, p->cfg.mac, 6) != 0) {
        p->stats.rx_filtered++;
        return;
    }
    struct frame *f = fifo_push(&p->rx, p->gen, eth, len, 0);
    if (f == NULL) {
        p->stats.rx_dropped++;
        trace_drop(p, "rx", "out of memory", len);
        return;
    }
    f->ev = sim_after(p->s, p->latency, rx_done, p);
}

void ethphy_get_stats(const ethphy *p, ethphy_stats *out)
{
    *out = p->stats;
}
