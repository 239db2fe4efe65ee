/* sim/verdict.c — the rig's observations of a device and the expectations
 * judged from them (definitions: sim/scenario.h).
 *
 * Events reach the sink in time order, so the observer keeps a small state
 * machine as they come — associated, online, the outage in progress — and
 * lists of timed facts; the checks run once the run is over. */
#define _POSIX_C_SOURCE 200809L
#include "sim/verdict.h"
#include "sim/upload_log.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The firmware's own component for device D: the board traces what the
 * firmware says under "D.fw" and what the rig observes under "D", so no
 * firmware can forge the rig's evidence. */
#define VERDICT_FW_COMP "%s.fw"

/* The chip's CHIP_LINK_* and the Ethernet's ETH_LINK_* values
 * (firmware_shim/include/wifi_chip.h, eth_chip.h); the chip's are
 * MicroPython's STAT_* numbers (network.WLAN.status() on rp2 returns
 * cyw43_tcpip_link_status unchanged). */
#define LINK_DOWN 0
#define LINK_JOIN 1
#define LINK_NOIP 2
#define LINK_UP 3
#define LINK_FAIL (-1)
#define LINK_NONET (-2)
#define LINK_BADAUTH (-3)
#define ETHL_UP 2

/* Spacing slack: the firmware learns a failure at its next poll. */
#define SPACING_SLACK_MIN SIM_MS(100)
/* A gap may also be a little short: the firmware times its wait from its
 * own clock reading, and the chip calls between that reading and the ones
 * the rig records each cost host-interface time (chip_driver.c: at most a
 * few hundred microseconds each). */
#define SPACING_EARLY SIM_MS(2)
/* connect_timeout_reported: the firmware's loop after its backoff wait. */
#define GIVE_UP_SLACK SIM_SEC(1)

struct tev {
    sim_time t;
    long long a, b;
};

struct tlist {
    struct tev *v;
    size_t n, cap;
};

static void tl_add(struct tlist *l, sim_time t, long long a, long long b)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct tev *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            abort(); /* losing evidence would make the verdict a lie */
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (struct tev){t, a, b};
}

enum loss_kind {
    LOSS_CHIP_DOWN,
    LOSS_AP_DEAUTH,
    LOSS_AP_OFF,
    LOSS_WEDGE,
    LOSS_PHY_DOWN,
    LOSS_DHCP,
    LOSS_POLL,
    LOSS_FW_LEAVE,
    LOSS_FW_POWER,
};

static const char *const loss_names[] = {
    [LOSS_CHIP_DOWN] = "the chip's link down",    [LOSS_AP_DEAUTH] = "the AP's deauth or disassoc",
    [LOSS_AP_OFF] = "the AP switched off",        [LOSS_WEDGE] = "the radio wedged",
    [LOSS_PHY_DOWN] = "the PHY's link down",      [LOSS_DHCP] = "the DHCP lease ended",
    [LOSS_POLL] = "a status poll saw it",         [LOSS_FW_LEAVE] = "the firmware's leave",
    [LOSS_FW_POWER] = "the firmware's power-down",
};

struct outage {
    sim_time loss;
    enum loss_kind kind;
    sim_time news;   /* when the firmware learnt of it; -1: not yet */
    sim_time online; /* back online; -1: never */
};

struct span {
    sim_time from, to; /* online from .. to (-1: still) */
};

enum poll_kind { POLL_TCPIP, POLL_WIFI, POLL_ETH, NPOLL };
static const long long poll_connected[NPOLL] = {LINK_UP, LINK_JOIN, ETHL_UP};
static const char *const poll_calls[NPOLL] = {"tcpip_link_status", "wifi_link_status", "eth_link_status"};

struct marker {
    sim_time t;
    char name[32];
    long long value;
};

struct con_line {
    sim_time t;
    char *text;
};

struct verdict {
    char dev[32], fw[48], radio[48], phy[48], uplink[32], sink[24], console[48];
    /* what the device printed on its console (console_line) */
    struct con_line *lines;
    size_t nlines, caplines;
    bool only_device;
    /* The addresses the DHCP servers gave this device: uploads from them are
     * its own (the sink serves every device of the world). */
    char ips[VERDICT_MAX_IPS][16];
    int nips;
    uint32_t sink_ip;
    uint16_t sink_port;
    char aps[SCN_MAX_APS][32];
    int naps;
    char dhcp[VERDICT_MAX_DHCP][32];
    int ndhcp;
    char macs[VERDICT_MAX_MACS][18];
    int nmacs;

    /* the device's driver calls */
    struct tlist joins;     /* a = rc */
    struct tlist leaves;    /* a = rc */
    struct tlist downs;     /* power-downs (Wi-Fi or Ethernet), a = rc */
    struct tlist cycles;    /* power-ups that ended a power cycle */
    struct tlist polls;     /* status poll changes: a = value, b = poll_kind */
    bool down_pending[2];   /* Wi-Fi, Ethernet: powered down, not yet up */
    long long last_poll[NPOLL];
    bool polled[NPOLL];

    /* the models */
    struct tlist join_failed; /* the chip's own join result: a = status */
    struct tlist assocs;      /* the AP the device is associated with: a = its index, -1 none (changes only) */
    bool assoc;
    int assoc_ap;            /* index into aps, -1: unknown */
    struct span *online;
    size_t nonline, caponline;
    struct outage *out;
    size_t nout, capout;

    /* the sink: its uploads (first and last byte), kept as the checks need
     * them in memory that does not grow with their number (upload_log.h) */
    upload_log *ul;
    long long bytes, connections;

    /* the firmware's markers */
    struct marker *markers;
    size_t nmarkers, capmarkers;

    /* A client station (scenario clients:): its radio's records, and what
     * the rig's client image reported (client/client.c: the rig's own code,
     * so its words are the rig's records, unlike a device's firmware). */
    sim_time cl_joined, cl_address, cl_fetched;
    char cl_ip[16];
    int cl_status;
    char cl_body[1024];
    char cl_failed[128];
    struct tlist deauths;   /* Deauthentications the radio received: a = reason */
};

/* ---- small helpers ---- */

char *verdict_fmt_time(sim_time t, char *buf, size_t len)
{
    /* to the nearest millisecond (sim_time_format cuts), then its layout */
    sim_time ms = t >= 0 ? (t + SIM_MS(1) / 2) / SIM_MS(1) : -((-t + SIM_MS(1) / 2) / SIM_MS(1));
    return sim_time_format(ms * SIM_MS(1), buf, len);
}

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t n = *cap ? *cap * 2 : 16;
    void *q = realloc(p, n * elem);
    if (q == NULL)
        abort(); /* as tl_add */
    *cap = n;
    return q;
}

static long long num(const sim_trace_event *ev, const char *key)
{
    const sim_trace_field *f = sim_trace_event_field(ev, key);
    return f ? f->num : 0;
}

static const char *str(const sim_trace_event *ev, const char *key)
{
    const sim_trace_field *f = sim_trace_event_field(ev, key);
    return f && f->str ? f->str : "";
}

static bool is_device_mac(const verdict *v, const char *mac);

/* Is a sink event the device's? The uplink names the MAC address that
 * opened the connection (a device keeps its MAC when DHCP moves its
 * address to another device). Without one, the leased addresses decide;
 * with one device in the world, every upload is its own (a static address
 * too). */
static bool from_device(const verdict *v, const sim_trace_event *ev)
{
    if (v->only_device)
        return true;
    const char *mac = str(ev, "mac");
    if (mac[0] != '\0')
        return is_device_mac(v, mac);
    const char *from = str(ev, "from");
    size_t n = strcspn(from, ":");
    for (int i = 0; i < v->nips; i++)
        if (strlen(v->ips[i]) == n && strncmp(v->ips[i], from, n) == 0)
            return true;
    return false;
}

static void note_ip(verdict *v, const char *ip)
{
    if (ip[0] == '\0')
        return;
    for (int i = 0; i < v->nips; i++)
        if (strcmp(v->ips[i], ip) == 0)
            return;
    if (v->nips < VERDICT_MAX_IPS)
        snprintf(v->ips[v->nips++], sizeof v->ips[0], "%s", ip);
}

static bool is_device_mac(const verdict *v, const char *mac)
{
    for (int i = 0; i < v->nmacs; i++)
        if (strcmp(v->macs[i], mac) == 0)
            return true;
    return false;
}

static const char *status_text(long long value, int kind)
{
    if (kind == POLL_ETH)
        return value == ETHL_UP ? "UP" : value == 1 ? "NEGOTIATING" : "DOWN";
    return scn_status_name((int)value);
}

/* ---- the online state machine ---- */

static struct outage *open_outage(verdict *v)
{
    return v->nout > 0 && v->out[v->nout - 1].online < 0 ? &v->out[v->nout - 1] : NULL;
}

static bool is_online(const verdict *v)
{
    return v->nonline > 0 && v->online[v->nonline - 1].to < 0;
}

/* associated_with's evidence: which AP authorized the device, and until
 * when; only changes are kept. */
static void assoc_note(verdict *v, sim_time t, int ap)
{
    long long last = v->assocs.n > 0 ? v->assocs.v[v->assocs.n - 1].a : -1;
    if (last != ap)
        tl_add(&v->assocs, t, ap, 0);
}

/* Evidence that the link is gone; news says the firmware was told (or did
 * it itself). */
static void lost(verdict *v, sim_time t, enum loss_kind kind, bool news, bool unassoc)
{
    if (unassoc) {
        assoc_note(v, t, -1);
        v->assoc = false;
        v->assoc_ap = -1;
    }
    if (is_online(v)) {
        v->online[v->nonline - 1].to = t;
        v->out = grow(v->out, &v->capout, v->nout + 1, sizeof *v->out);
        v->out[v->nout++] = (struct outage){.loss = t, .kind = kind, .news = news ? t : -1, .online = -1};
        upload_log_mark(v->ul, t); /* recovery is measured from the loss */
        return;
    }
    struct outage *o = open_outage(v);
    if (o != NULL && o->news < 0 && news)
        o->news = t;
}

static void associated(verdict *v, int ap)
{
    v->assoc = true;
    if (ap >= 0)
        v->assoc_ap = ap;
}

static void leased(verdict *v, sim_time t)
{
    if (!v->assoc || is_online(v))
        return;
    v->online = grow(v->online, &v->caponline, v->nonline + 1, sizeof *v->online);
    v->online[v->nonline++] = (struct span){t, -1};
    struct outage *o = open_outage(v);
    if (o != NULL)
        o->online = t;
}

/* ---- events ---- */

static void observe_call(verdict *v, const sim_trace_event *ev, bool wifi)
{
    const char *call = str(ev, "call");
    long long rc = num(ev, "rc");
    sim_time t = ev->t;
    int kind = -1;
    if (strcmp(call, "wifi_join") == 0) {
        tl_add(&v->joins, t, rc, 0);
    } else if (strcmp(call, "wifi_leave") == 0) {
        tl_add(&v->leaves, t, rc, 0);
        lost(v, t, LOSS_FW_LEAVE, true, true);
    } else if (strcmp(call, wifi ? "wifi_set_up" : "eth_set_up") == 0) {
        int itf = wifi ? 0 : 1;
        if (rc != 0)
            return;
        if (num(ev, "up") == 0) {
            tl_add(&v->downs, t, rc, 0);
            v->down_pending[itf] = true;
            lost(v, t, LOSS_FW_POWER, true, true);
        } else if (v->down_pending[itf]) {
            v->down_pending[itf] = false;
            tl_add(&v->cycles, t, 0, 0);
        }
    } else if (strcmp(call, "tcpip_link_status") == 0) {
        kind = POLL_TCPIP;
    } else if (strcmp(call, "wifi_link_status") == 0) {
        kind = POLL_WIFI;
    } else if (strcmp(call, "eth_link_status") == 0) {
        kind = POLL_ETH;
    }
    if (kind < 0)
        return;
    /* A poll is traced only when its value changed (chip_driver.c). */
    bool was_connected = v->polled[kind] && v->last_poll[kind] == poll_connected[kind];
    v->polled[kind] = true;
    v->last_poll[kind] = rc;
    tl_add(&v->polls, t, rc, kind);
    if (rc == poll_connected[kind])
        return;
    /* A change away from the connected value is a loss. Any other value is
     * news of an outage in progress, never the start of one: right after a
     * lease the firmware's stack may not have taken the address yet. */
    struct outage *o = open_outage(v);
    if (was_connected)
        lost(v, t, LOSS_POLL, true, false);
    else if (o != NULL && o->news < 0)
        o->news = t;
}

static int ap_index(const verdict *v, const char *comp)
{
    for (int i = 0; i < v->naps; i++)
        if (strcmp(v->aps[i], comp) == 0)
            return i;
    return -1;
}

static bool is_dhcp(const verdict *v, const char *comp)
{
    for (int i = 0; i < v->ndhcp; i++)
        if (strcmp(v->dhcp[i], comp) == 0)
            return true;
    return false;
}

int verdict_interest(const verdict *v, const char *comp)
{
    /* the components verdict_observe compares, in its order */
    if (strcmp(comp, v->dev) == 0 || strcmp(comp, v->console) == 0 || strcmp(comp, v->fw) == 0 ||
        strcmp(comp, v->radio) == 0 || (v->phy[0] && strcmp(comp, v->phy) == 0))
        return 2;
    if (strcmp(comp, v->uplink) == 0 || is_dhcp(v, comp) || ap_index(v, comp) >= 0)
        return 1;
    return 0;
}

verdict_gate verdict_gate_of(const verdict *v, const char *comp)
{
    /* verdict_observe's branches in its order: none of the device's own
     * components (those come first, whatever the event), then the first of
     * uplink, DHCP server, AP that comp is */
    if (verdict_interest(v, comp) != 1)
        return VERDICT_GATE_NONE;
    if (strcmp(comp, v->uplink) == 0)
        return v->only_device ? VERDICT_GATE_NONE : VERDICT_GATE_UPLINK;
    if (is_dhcp(v, comp))
        return VERDICT_GATE_DHCP;
    return ap_index(v, comp) >= 0 ? VERDICT_GATE_AP : VERDICT_GATE_NONE;
}

const char *verdict_gate_field(verdict_gate g, const char *event)
{
    switch (g) {
    case VERDICT_GATE_UPLINK:
        return "mac"; /* from_device: is_device_mac when not only_device and "mac" is set */
    case VERDICT_GATE_DHCP:
        return "mac"; /* every event: is_device_mac(str(ev, "mac")) first */
    case VERDICT_GATE_AP:
        /* sta_authorized, deauth, disassoc ask is_device_mac(sta), the other
         * events but "enabled" act on no device; "enabled" acts on the
         * device associated with the AP, whichever it is */
        return strcmp(event, "enabled") == 0 ? NULL : "sta";
    case VERDICT_GATE_NONE:
        break;
    }
    return NULL;
}

bool verdict_has_mac(const verdict *v, const char *mac)
{
    return is_device_mac(v, mac);
}

void verdict_advance(verdict *v, sim_time t)
{
    upload_log_advance(v->ul, t);
}

void verdict_observe(void *ctx, const sim_trace_event *ev)
{
    verdict *v = ctx;
    const char *e = ev->event;
    sim_time t = ev->t;
    upload_log_advance(v->ul, t);
    /* The device's own component: the rig's record of its driver calls. */
    if (strcmp(ev->comp, v->dev) == 0 && (strcmp(e, "chip") == 0 || strcmp(e, "eth") == 0)) {
        observe_call(v, ev, e[0] == 'c');
        return;
    }
    if (strcmp(ev->comp, v->console) == 0) {
        if (strcmp(e, "out") == 0) {
            char *text = strdup(str(ev, "line"));
            if (text == NULL)
                abort(); /* a verdict missing evidence would be a lie */
            v->lines = grow(v->lines, &v->caplines, v->nlines + 1, sizeof *v->lines);
            v->lines[v->nlines++] = (struct con_line){.t = t, .text = text};
        }
        return;
    }
    if (strcmp(ev->comp, v->fw) == 0) {
        if (strcmp(e, "client_address") == 0 && v->cl_address < 0) {
            v->cl_address = t;
            snprintf(v->cl_ip, sizeof v->cl_ip, "%s", str(ev, "ip"));
        } else if (strcmp(e, "client_fetched") == 0 && v->cl_fetched < 0) {
            v->cl_fetched = t;
            v->cl_status = (int)num(ev, "status");
            snprintf(v->cl_body, sizeof v->cl_body, "%s", str(ev, "body"));
        } else if (strcmp(e, "client_connected") == 0 && v->cl_fetched < 0) {
            v->cl_fetched = t; /* a tcp:// URL: the connection is what was asked */
            v->cl_status = 200;
        } else if (strcmp(e, "client_failed") == 0 && v->cl_failed[0] == '\0') {
            snprintf(v->cl_failed, sizeof v->cl_failed, "%s", str(ev, "why"));
        }
        if (strcmp(e, "marker") == 0) {
            v->markers = grow(v->markers, &v->capmarkers, v->nmarkers + 1, sizeof *v->markers);
            struct marker *m = &v->markers[v->nmarkers++];
            m->t = t;
            snprintf(m->name, sizeof m->name, "%s", str(ev, "name"));
            m->value = num(ev, "value");
        }
        return;
    }
    if (strcmp(ev->comp, v->radio) == 0) {
        if (strcmp(e, "link_up") == 0 && v->cl_joined < 0)
            v->cl_joined = t;
        if (strcmp(e, "deauth_rx") == 0)
            tl_add(&v->deauths, t, num(ev, "reason"), 0);
        if (strcmp(e, "link_up") == 0)
            associated(v, -1);
        else if (strcmp(e, "link_down") == 0)
            lost(v, t, LOSS_CHIP_DOWN, true, true); /* delivered as the link_down callback */
        else if (strcmp(e, "join_failed") == 0)
            tl_add(&v->join_failed, t, num(ev, "status"), 0);
        else if (strcmp(e, "wedge") == 0 && strcmp(str(ev, "mode"), "commands") != 0)
            lost(v, t, LOSS_WEDGE, false, true); /* no frame passes: the firmware is not told */
        return;
    }
    if (v->phy[0] && strcmp(ev->comp, v->phy) == 0) {
        if (strcmp(e, "link_up") == 0)
            associated(v, -1);
        else if (strcmp(e, "link_down") == 0)
            lost(v, t, LOSS_PHY_DOWN, true, true);
        return;
    }
    if (strcmp(ev->comp, v->uplink) == 0) {
        if (strcmp(str(ev, "service"), v->sink) != 0 || !from_device(v, ev))
            return;
        if (strcmp(e, "upload") == 0) {
            upload_log_add(v->ul, t, num(ev, "first"), num(ev, "last"));
            v->bytes += num(ev, "bytes");
        } else if (strcmp(e, "service_conn") == 0) {
            v->connections++;
        }
        return;
    }
    if (is_dhcp(v, ev->comp)) {
        if (!is_device_mac(v, str(ev, "mac")))
            return;
        if (strcmp(e, "ack") == 0 && sim_trace_event_field(ev, "lease") != NULL) { /* an INFORM's ACK grants no address */
            note_ip(v, str(ev, "ip"));
            leased(v, t);
        }
        else if (strcmp(e, "nak") == 0 || strcmp(e, "expire") == 0 || strcmp(e, "release") == 0)
            lost(v, t, LOSS_DHCP, false, false);
        return;
    }
    int ap = ap_index(v, ev->comp);
    if (ap >= 0) {
        if (strcmp(e, "sta_authorized") == 0 && is_device_mac(v, str(ev, "sta"))) {
            associated(v, ap);
            assoc_note(v, t, ap);
        }
        /* An AP the device roamed away from may still deauthenticate it
         * (ageing): not a loss of the association it has now. */
        else if ((strcmp(e, "deauth") == 0 || strcmp(e, "disassoc") == 0) && is_device_mac(v, str(ev, "sta")) &&
                 strcmp(str(ev, "dir"), "to") == 0 && (v->assoc_ap < 0 || v->assoc_ap == ap))
            lost(v, t, LOSS_AP_DEAUTH, false, true);
        else if (strcmp(e, "enabled") == 0 && num(ev, "on") == 0 && v->assoc && v->assoc_ap == ap)
            lost(v, t, LOSS_AP_OFF, false, true);
    }
}

bool verdict_online_span(const verdict *v, size_t i, sim_time *from, sim_time *to)
{
    if (i >= v->nonline)
        return false;
    *from = v->online[i].from;
    *to = v->online[i].to;
    return true;
}

verdict *verdict_create(const verdict_config *c)
{
    verdict *v = calloc(1, sizeof *v);
    if (v == NULL)
        return NULL;
    if ((v->ul = upload_log_create()) == NULL) {
        free(v);
        return NULL;
    }
    snprintf(v->dev, sizeof v->dev, "%s", c->dev);
    snprintf(v->fw, sizeof v->fw, VERDICT_FW_COMP, c->dev);
    snprintf(v->console, sizeof v->console, "%s.console", c->dev);
    snprintf(v->radio, sizeof v->radio, "%s", c->radio);
    snprintf(v->phy, sizeof v->phy, "%s", c->phy ? c->phy : "");
    snprintf(v->uplink, sizeof v->uplink, "%s", c->uplink);
    v->sink_ip = c->sink_ip;
    v->sink_port = c->sink_port;
    v->only_device = c->only_device;
    v->cl_joined = v->cl_address = v->cl_fetched = -1;
    snprintf(v->sink, sizeof v->sink, "%u.%u.%u.%u:%u", (unsigned)(c->sink_ip >> 24), (unsigned)(c->sink_ip >> 16 & 255),
             (unsigned)(c->sink_ip >> 8 & 255), (unsigned)(c->sink_ip & 255), (unsigned)c->sink_port);
    for (int i = 0; i < c->naps && i < SCN_MAX_APS; i++)
        snprintf(v->aps[v->naps++], sizeof v->aps[0], "%s", c->aps[i]);
    for (int i = 0; i < c->ndhcp && i < VERDICT_MAX_DHCP; i++)
        snprintf(v->dhcp[v->ndhcp++], sizeof v->dhcp[0], "%s", c->dhcp[i]);
    for (int i = 0; i < c->nmacs && i < VERDICT_MAX_MACS; i++) {
        const uint8_t *m = c->macs[i];
        snprintf(v->macs[v->nmacs++], sizeof v->macs[0], "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
                 m[4], m[5]);
    }
    v->assoc_ap = -1;
    return v;
}

void verdict_free(verdict *v)
{
    if (v == NULL)
        return;
    struct tlist *all[] = {&v->joins,       &v->leaves,  &v->downs,  &v->cycles,
                           &v->polls,       &v->join_failed, &v->assocs, &v->deauths};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]->v);
    upload_log_free(v->ul);
    free(v->online);
    free(v->out);
    free(v->markers);
    for (size_t i = 0; i < v->nlines; i++)
        free(v->lines[i].text);
    free(v->lines);
    free(v);
}

/* ---- queries ---- */

static sim_time ref_start(const verdict_refs *r, int after)
{
    return after < 0 ? 0 : r->start[after];
}

static sim_time ref_end(const verdict_refs *r, int after)
{
    return after < 0 ? 0 : r->end[after];
}

static bool online_at(const verdict *v, sim_time t)
{
    for (size_t i = 0; i < v->nonline; i++)
        if (v->online[i].from <= t && (v->online[i].to < 0 || t < v->online[i].to))
            return true;
    return false;
}

static sim_time first_online_from(const verdict *v, sim_time t)
{
    if (online_at(v, t))
        return t;
    for (size_t i = 0; i < v->nonline; i++)
        if (v->online[i].from >= t)
            return v->online[i].from;
    return -1;
}

/* The outage in progress at t, else the first that starts at or after t. */
static const struct outage *outage_at_or_after(const verdict *v, sim_time t, bool in_progress)
{
    for (size_t i = 0; i < v->nout; i++) {
        const struct outage *o = &v->out[i];
        if (in_progress && o->loss < t && (o->online < 0 || o->online > t))
            return o;
        if (o->loss >= t)
            return o;
    }
    return NULL;
}

/* The first byte of the first upload that began at or after t; -1: none. */
static sim_time upload_from(const verdict *v, sim_time t)
{
    return upload_log_first_from(v->ul, t);
}

void verdict_reference(verdict *v, sim_time t)
{
    upload_log_mark(v->ul, t);
}

/* The firmware's first reaction at or after t: a leave, join, power-down or
 * a status poll that returned something else than the connected value. */
static sim_time first_reaction(const verdict *v, sim_time t, char *what, size_t cap)
{
    sim_time best = -1;
    char a[32];
    const struct {
        const struct tlist *l;
        const char *name;
    } calls[] = {{&v->leaves, "a leave"}, {&v->joins, "a join"}, {&v->downs, "a power-down"}};
    for (size_t k = 0; k < sizeof calls / sizeof calls[0]; k++)
        for (size_t i = 0; i < calls[k].l->n; i++)
            if (calls[k].l->v[i].t >= t) {
                if (best < 0 || calls[k].l->v[i].t < best) {
                    best = calls[k].l->v[i].t;
                    snprintf(what, cap, "%s at %s", calls[k].name, verdict_fmt_time(best, a, sizeof a));
                }
                break;
            }
    for (size_t i = 0; i < v->polls.n; i++) {
        const struct tev *p = &v->polls.v[i];
        if (p->t < t || p->a == poll_connected[p->b])
            continue;
        if (best < 0 || p->t < best) {
            best = p->t;
            snprintf(what, cap, "%s returned %s at %s", poll_calls[p->b], status_text(p->a, (int)p->b),
                     verdict_fmt_time(best, a, sizeof a));
        }
        break;
    }
    return best;
}

/* The occurrence that started last at or before t: the fault a loss at t
 * is put down to. False when none had started. */
static bool cause_occ(const verdict_refs *r, sim_time t, verdict_occ *out)
{
    if (r->occ != NULL) {
        size_t lo = 0, hi = r->nocc; /* the first occurrence that starts after t */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (r->occ[mid].start <= t)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == 0)
            return false;
        *out = r->occ[lo - 1];
        return true;
    }
    int best = -1;
    for (int k = 0; k < r->nfaults; k++)
        if (r->start[k] <= t && (best < 0 || r->start[k] > r->start[best]))
            best = k;
    if (best < 0)
        return false;
    *out = (verdict_occ){.entry = best, .k = 1, .start = r->start[best], .end = r->end[best]};
    return true;
}

static sim_time cause_of(const verdict_refs *r, sim_time t)
{
    verdict_occ o;
    return cause_occ(r, t, &o) ? o.start : -1;
}

/* ---- timeline occurrences (scenario.h, "The timeline") ---- */

static bool entry_repeats(const verdict_refs *r, int entry)
{
    return r->s != NULL && entry >= 0 && entry < r->s->nfaults && r->s->faults[entry].count > 1;
}

/* How messages name an entry: its id, "entry N", or "console fault N"
 * (faults typed at the live console follow the scenario's entries). */
static const char *entry_label(const verdict_refs *r, int entry, char *buf, size_t cap)
{
    int nscn = r->s != NULL ? r->s->nfaults : r->nfaults;
    if (entry >= nscn)
        snprintf(buf, cap, "console fault %d", entry - nscn + 1);
    else if (r->s != NULL && r->s->faults[entry].id[0] != '\0')
        snprintf(buf, cap, "%s", r->s->faults[entry].id);
    else
        snprintf(buf, cap, "entry %d", entry);
    return buf;
}

/* An occurrence as after: writes it: "reboot#3", or "reboot" when the
 * entry happens once. */
static const char *occ_label(const verdict_refs *r, int entry, int k, char *buf, size_t cap)
{
    char base[40];
    entry_label(r, entry, base, sizeof base);
    if (entry_repeats(r, entry))
        snprintf(buf, cap, "%s#%d", base, k);
    else
        snprintf(buf, cap, "%s", base);
    return buf;
}

/* The occurrences of one entry that started, in time order (malloc'd). */
static verdict_occ *occ_list(const verdict_refs *r, int entry, size_t *n)
{
    size_t cnt = 0;
    if (r->occ == NULL) {
        cnt = entry >= 0 && entry < r->nfaults ? 1 : 0;
    } else {
        for (size_t i = 0; i < r->nocc; i++)
            cnt += r->occ[i].entry == entry;
    }
    verdict_occ *out = malloc((cnt ? cnt : 1) * sizeof *out);
    if (out == NULL)
        abort(); /* as tl_add */
    *n = 0;
    if (r->occ == NULL) {
        if (cnt == 1)
            out[(*n)++] = (verdict_occ){.entry = entry, .k = 1, .start = r->start[entry], .end = r->end[entry]};
        return out;
    }
    for (size_t i = 0; i < r->nocc; i++)
        if (r->occ[i].entry == entry)
            out[(*n)++] = r->occ[i];
    return out;
}

/* ---- the expectations (definitions in scenario.h) ---- */

#define MSG(...) snprintf(c->message, sizeof c->message, __VA_ARGS__)

/* A reference time the verdict was not told of before it passed
 * (verdict_reference): its uploads from then on are not kept. */
static void unmarked(runner_check *c, sim_time t)
{
    char a[32];
    c->ok = false;
    MSG("internal error: the verdict was not told of the reference time %s in time, so it kept no record of the "
        "uploads from then on", verdict_fmt_time(t, a, sizeof a));
}

static void check_link_up(const verdict *v, const scn_expect *e, const verdict_refs *r, runner_check *c,
                          sim_time *score)
{
    char a[32], b[32], d[32];
    sim_time ref = ref_end(r, e->after);
    const char *from = e->after < 0 ? "the start" : "the end of the fault";
    verdict_fmt_time(e->within, a, sizeof a);
    sim_time t = first_online_from(v, ref);
    if (t < 0) {
        MSG("expected an address within %s of %s (%s); %s", a, from, verdict_fmt_time(ref, b, sizeof b),
            v->joins.n == 0 && v->nonline == 0 ? "no join was ever made and no lease handed out"
                                               : "no lease was ACKed to the device on an associated link after it");
        return;
    }
    c->ok = t - ref <= e->within;
    *score = t - ref;
    MSG("expected an address within %s of %s; associated and leased at %s, %s after", a, from,
        verdict_fmt_time(t, b, sizeof b), verdict_fmt_time(t - ref, d, sizeof d));
}

static void check_status(const verdict *v, const scn_expect *e, const verdict_refs *r, runner_check *c,
                         sim_time *score)
{
    char a[32], b[32], d[32];
    sim_time ref = ref_start(r, e->after);
    const char *want = scn_status_name(e->status);
    const struct tev *last = NULL;
    for (size_t i = 0; i < v->polls.n; i++) {
        const struct tev *p = &v->polls.v[i];
        if (p->b == POLL_ETH)
            continue;
        if (p->t >= ref && p->a == e->status) {
            c->ok = e->within == 0 || p->t - ref <= e->within;
            *score = p->t - ref;
            if (e->within > 0)
                MSG("expected a status poll to return %s within %s; %s returned it at %s, %s after", want,
                    verdict_fmt_time(e->within, a, sizeof a), poll_calls[p->b], verdict_fmt_time(p->t, b, sizeof b),
                    verdict_fmt_time(p->t - ref, d, sizeof d));
            else
                MSG("expected a status poll to return %s; %s returned it at %s", want, poll_calls[p->b],
                    verdict_fmt_time(p->t, b, sizeof b));
            return;
        }
        last = p;
    }
    if (last == NULL)
        MSG("expected a status poll to return %s after %s; the firmware never polled the chip's link status", want,
            verdict_fmt_time(ref, b, sizeof b));
    else
        MSG("expected a status poll to return %s after %s; none did (the last returned %s at %s)", want,
            verdict_fmt_time(ref, b, sizeof b), scn_status_name((int)last->a), verdict_fmt_time(last->t, d, sizeof d));
}

static void check_connect_timeout(const verdict *v, const scn_expect *e, const verdict_refs *r, runner_check *c)
{
    char a[32], b[32], d[32];
    if (v->joins.n == 0) {
        c->ok = !e->flag;
        MSG("expected %s; no join was ever made", e->flag ? "the first connect to give up" : "no give-up");
        return;
    }
    sim_time j1 = v->joins.v[0].t;
    /* the give-up: the first leave, power-down or join after the first join */
    sim_time gu = -1;
    const char *how = "";
    const struct {
        const struct tlist *l;
        const char *name;
    } calls[] = {{&v->leaves, "a leave"}, {&v->downs, "a power-down"}, {&v->joins, "another join"}};
    for (size_t k = 0; k < 3; k++)
        for (size_t i = 0; i < calls[k].l->n; i++)
            if (calls[k].l->v[i].t > j1) {
                if (gu < 0 || calls[k].l->v[i].t < gu) {
                    gu = calls[k].l->v[i].t;
                    how = calls[k].name;
                }
                break;
            }
    sim_time up = first_online_from(v, j1);
    const scenario *s = r->s;
    sim_time bound = s->connect_timeout > 0 ? s->connect_timeout + (s->nbackoff > 0 ? s->backoff[0] : 0) + GIVE_UP_SLACK
                                            : 0;
    if (up >= 0 && (gu < 0 || up <= gu)) {
        c->ok = !e->flag;
        MSG("expected %s; the first join at %s succeeded (online at %s)",
            e->flag ? "the first connect to time out" : "no connect timeout", verdict_fmt_time(j1, a, sizeof a),
            verdict_fmt_time(up, b, sizeof b));
        return;
    }
    if (gu < 0) {
        c->ok = !e->flag;
        MSG("expected %s; after the first join at %s (never online) the firmware made no leave, power-down or "
            "other join until the end at %s",
            e->flag ? "the first connect to give up" : "no give-up", verdict_fmt_time(j1, a, sizeof a),
            verdict_fmt_time(r->run_end, b, sizeof b));
        return;
    }
    bool in_time = bound == 0 || gu - j1 <= bound;
    c->ok = e->flag ? in_time : false;
    if (bound > 0)
        MSG("expected %s; the first join at %s never got an address and the firmware gave it up (%s) %s after "
            "(bound %s: connect timeout + first backoff + 1s)",
            e->flag ? "the first connect to give up" : "no give-up", verdict_fmt_time(j1, a, sizeof a), how,
            verdict_fmt_time(gu - j1, b, sizeof b), verdict_fmt_time(bound, d, sizeof d));
    else
        MSG("expected %s; the first join at %s never got an address and the firmware gave it up (%s) %s after",
            e->flag ? "the first connect to give up" : "no give-up", verdict_fmt_time(j1, a, sizeof a), how,
            verdict_fmt_time(gu - j1, b, sizeof b));
}

static bool is_failure_status(long long s)
{
    return s == LINK_FAIL || s == LINK_NONET || s == LINK_BADAUTH || s == LINK_DOWN;
}

static void check_spacing(const verdict *v, const scn_expect *e, const verdict_refs *r, runner_check *c)
{
    char a[32], b[32], d[32], x[32], y[32];
    sim_time from = e->after >= 0 ? ref_start(r, e->after) : (v->nonline ? v->online[0].from : 0);
    const struct outage *o = outage_at_or_after(v, from, false);
    if (o == NULL) {
        MSG("expected %d reconnect gaps; the device %s after %s", e->nspacing,
            v->nonline == 0 ? "was never online, so it never lost a link" : "never lost its link",
            verdict_fmt_time(from, a, sizeof a));
        return;
    }
    sim_time end = o->online >= 0 ? o->online : r->run_end;
    size_t first = 0;
    while (first < v->joins.n && v->joins.v[first].t < o->loss)
        first++;
    size_t n = 0;
    while (first + n < v->joins.n && v->joins.v[first + n].t <= end)
        n++;
    if (n < (size_t)e->nspacing) {
        if (n == 0)
            MSG("expected %d reconnect gaps after the loss at %s (%s); no join was made before %s", e->nspacing,
                verdict_fmt_time(o->loss, a, sizeof a), loss_names[o->kind],
                o->online >= 0 ? "the device was online again" : "the end of the run");
        else
            MSG("expected %d reconnect gaps after the loss at %s (%s); only %zu join(s) before %s at %s", e->nspacing,
                verdict_fmt_time(o->loss, a, sizeof a), loss_names[o->kind], n,
                o->online >= 0 ? "the device was online again" : "the end of the run",
                verdict_fmt_time(end, b, sizeof b));
        return;
    }
    char seen[160] = "";
    size_t len = 0;
    for (int k = 0; k < e->nspacing; k++) {
        const struct tev *j = &v->joins.v[first + (size_t)k];
        sim_time anchor;
        bool failed = true;
        const char *why;
        if (k == 0) {
            anchor = o->news >= 0 && o->news <= j->t ? o->news : o->loss;
            why = "the loss reached the firmware";
        } else {
            const struct tev *prev = &v->joins.v[first + (size_t)k - 1];
            anchor = -1;
            why = "join failed";
            if (prev->a != 0) {
                anchor = prev->t;
                why = "the join returned an error";
            }
            for (size_t i = 0; anchor < 0 && i < v->polls.n; i++) {
                const struct tev *p = &v->polls.v[i];
                if (p->t > prev->t && p->t <= j->t && p->b != POLL_ETH && is_failure_status(p->a)) {
                    anchor = p->t;
                    why = "a status poll reported the failed join";
                }
            }
            for (size_t i = 0; anchor < 0 && i < v->join_failed.n; i++)
                if (v->join_failed.v[i].t >= prev->t && v->join_failed.v[i].t <= j->t) {
                    anchor = v->join_failed.v[i].t;
                    why = "the chip failed the join";
                }
            if (anchor < 0) {
                /* the rig never failed it: from its last status change */
                failed = false;
                anchor = prev->t;
                why = "the last status change (the join never failed on the air)";
                for (size_t i = 0; i < v->polls.n; i++)
                    if (v->polls.v[i].t > prev->t && v->polls.v[i].t <= j->t)
                        anchor = v->polls.v[i].t;
            }
        }
        sim_time gap = j->t - anchor, want = e->spacing[k];
        sim_time slack = want / 10 > SPACING_SLACK_MIN ? want / 10 : SPACING_SLACK_MIN;
        if (gap < want - SPACING_EARLY || (failed && gap > want + slack)) {
            if (failed)
                MSG("gap %d: expected %s..%s from when %s (%s) to join %d; it came at %s, %s after", k + 1,
                    verdict_fmt_time(want - SPACING_EARLY, a, sizeof a), verdict_fmt_time(want + slack, b, sizeof b), why,
                    verdict_fmt_time(anchor, d, sizeof d), k + 1, verdict_fmt_time(j->t, x, sizeof x),
                    verdict_fmt_time(gap, y, sizeof y));
            else
                MSG("gap %d: expected at least %s from %s at %s to join %d; it came at %s, %s after", k + 1,
                    verdict_fmt_time(want, a, sizeof a), why, verdict_fmt_time(anchor, d, sizeof d), k + 1,
                    verdict_fmt_time(j->t, x, sizeof x), verdict_fmt_time(gap, b, sizeof b));
            return;
        }
        len += (size_t)snprintf(seen + len, sizeof seen - len, "%s%s%s", k ? ", " : "", verdict_fmt_time(gap, a, sizeof a),
                                failed ? "" : " (at least)");
        if (len >= sizeof seen)
            len = sizeof seen - 1;
    }
    c->ok = true;
    MSG("after the loss at %s (%s) the joins came %s after the firmware learnt of each failure", 
        verdict_fmt_time(o->loss, a, sizeof a), loss_names[o->kind], seen);
}

static void check_power_cycles(const verdict *v, const scn_expect *e, runner_check *c)
{
    long long n = (long long)v->cycles.n;
    c->ok = n >= e->min && n <= e->max;
    char range[64];
    if (e->min == e->max)
        snprintf(range, sizeof range, "%lld", e->min);
    else if (e->max == LLONG_MAX)
        snprintf(range, sizeof range, "at least %lld", e->min);
    else
        snprintf(range, sizeof range, "%lld..%lld", e->min, e->max);
    MSG("expected %s power cycle(s); the firmware powered the chip down and up again %lld time(s)%s", range, n,
        n == 0 && v->downs.n > 0 ? " (it powered down but never up again)" : "");
}

static void check_drop(const verdict *v, const scn_expect *e, const verdict_refs *r, runner_check *c,
                       sim_time *score)
{
    char a[32], b[32], what[96] = "";
    sim_time ref = ref_start(r, e->after);
    sim_time t = first_reaction(v, ref, what, sizeof what);
    verdict_fmt_time(e->within, a, sizeof a);
    if (t < 0) {
        MSG("expected a reaction within %s of the fault at %s; the firmware made no leave, join or power-down and "
            "no status poll saw the loss after it", a, verdict_fmt_time(ref, b, sizeof b));
        return;
    }
    c->ok = t - ref <= e->within;
    *score = t - ref;
    MSG("expected a reaction within %s of the fault; the first came %s after it (%s)", a,
        verdict_fmt_time(t - ref, b, sizeof b), what);
}

static void check_recovery(const verdict *v, const scn_expect *e, const verdict_refs *r, runner_check *c,
                           sim_time *score)
{
    char a[32], b[32], d[32], x[32];
    sim_time rs = ref_start(r, e->after), re = ref_end(r, e->after);
    const struct outage *o = outage_at_or_after(v, rs, true);
    sim_time from = o ? o->loss : rs;
    if (!upload_log_known(v->ul, from)) {
        unmarked(c, from);
        return;
    }
    sim_time u = upload_from(v, from);
    verdict_fmt_time(e->within, a, sizeof a);
    if (u < 0) {
        if (o != NULL)
            MSG("expected data at the sink within %s of the fault's end at %s; the sink received nothing after the "
                "loss at %s (%s)", a, verdict_fmt_time(re, b, sizeof b), verdict_fmt_time(o->loss, d, sizeof d),
                loss_names[o->kind]);
        else
            MSG("expected data at the sink within %s of the fault's end at %s; the sink received nothing after %s", a,
                verdict_fmt_time(re, b, sizeof b), verdict_fmt_time(rs, d, sizeof d));
        return;
    }
    sim_time took = u > re ? u - re : 0;
    c->ok = took <= e->within;
    *score = took;
    MSG("expected data at the sink within %s of the fault's end at %s; it arrived again at %s, %s after%s", a,
        verdict_fmt_time(re, b, sizeof b), verdict_fmt_time(u, d, sizeof d), verdict_fmt_time(took, x, sizeof x),
        o ? "" : " (the device never lost its link)");
}

static void check_totals(const verdict *v, const scn_expect *e, runner_check *c)
{
    bool up = e->kind == SCN_E_UPLOADS_MIN;
    long long n = up ? upload_log_count(v->ul) : v->bytes;
    c->ok = n >= e->min;
    if (n == 0)
        MSG("expected at least %lld %s; the sink %s received nothing", e->min, up ? "uploads" : "bytes", v->sink);
    else
        MSG("expected at least %lld %s; the sink %s received %lld bytes in %lld uploads over %lld connection(s)", e->min,
            up ? "uploads" : "bytes", v->sink, v->bytes, upload_log_count(v->ul), v->connections);
}

/* The first longest gap (upload_log_silences). */
struct longest_gap {
    sim_time len, from, to;
};

static void longest_gap_add(void *ctx, sim_time prev, sim_time t)
{
    struct longest_gap *g = ctx;
    if (t - prev > g->len)
        *g = (struct longest_gap){t - prev, prev, t};
}

static void check_gap(const verdict *v, const scn_expect *e, const verdict_refs *r, runner_check *c,
                      sim_time *score)
{
    char a[32], b[32], d[32], x[32];
    sim_time from = e->after >= 0 ? ref_end(r, e->after) : -1;
    if (from >= 0 && !upload_log_known(v->ul, from)) {
        unmarked(c, from);
        return;
    }
    struct longest_gap g = {.len = -1};
    sim_time prev;
    size_t used;
    upload_log_silences(v->ul, from, longest_gap_add, &g, &prev, &used);
    sim_time worst = g.len, wfrom = g.from, wto = g.to;
    verdict_fmt_time(e->within, a, sizeof a);
    if (used == 0) {
        MSG("expected silences of at most %s at the sink; it received nothing after %s", a,
            verdict_fmt_time(from > 0 ? from : 0, b, sizeof b));
        return;
    }
    if (r->run_end - prev > worst) {
        worst = r->run_end - prev;
        wfrom = prev;
        wto = r->run_end;
    }
    c->ok = worst <= e->within;
    *score = worst;
    MSG("expected silences of at most %s at the sink; the longest was %s, from %s to %s%s", a,
        verdict_fmt_time(worst, b, sizeof b), verdict_fmt_time(wfrom, d, sizeof d), verdict_fmt_time(wto, x, sizeof x),
        wto == r->run_end ? " (the end of the run)" : "");
}

static void check_marker(const verdict *v, const scn_expect *e, const verdict_refs *r, runner_check *c)
{
    char a[32], b[32], range[64];
    sim_time from = ref_end(r, e->after);
    long long n = 0;
    for (size_t i = 0; i < v->nmarkers; i++) {
        const struct marker *m = &v->markers[i];
        if (strcmp(m->name, e->marker) == 0 && m->t >= from && (e->within == 0 || m->t - from <= e->within))
            n++;
    }
    c->ok = n >= e->min && n <= e->max;
    if (e->max == LLONG_MAX)
        snprintf(range, sizeof range, "at least %lld", e->min);
    else if (e->min == e->max)
        snprintf(range, sizeof range, "exactly %lld", e->min);
    else
        snprintf(range, sizeof range, "%lld..%lld", e->min, e->max);
    if (e->within > 0)
        MSG("expected %s '%s' marker(s) between %s and %s later; the firmware emitted %lld", range, e->marker,
            verdict_fmt_time(from, a, sizeof a), verdict_fmt_time(e->within, b, sizeof b), n);
    else
        MSG("expected %s '%s' marker(s) after %s; the firmware emitted %lld", range, e->marker,
            verdict_fmt_time(from, a, sizeof a), n);
}

/* console_line: the first line the device printed at or after the start
 * (the end of entry N) that contains the text, within D when given. */
static void check_console_line(const verdict *v, const scn_expect *e, const verdict_refs *r, runner_check *c,
                               sim_time *score)
{
    char a[32], b[32], d[32];
    sim_time from = ref_end(r, e->after);
    size_t seen = 0;
    const char *last = NULL;
    for (size_t i = 0; i < v->nlines; i++) {
        const struct con_line *l = &v->lines[i];
        if (l->t < from)
            continue;
        if (e->within > 0 && l->t - from > e->within)
            break;
        seen++;
        last = l->text;
        if (strstr(l->text, e->console) != NULL) {
            c->ok = true;
            *score = l->t - from;
            MSG("the device printed '%s' at %s, %s after %s", l->text, verdict_fmt_time(l->t, a, sizeof a),
                verdict_fmt_time(l->t - from, b, sizeof b), verdict_fmt_time(from, d, sizeof d));
            return;
        }
    }
    c->ok = false;
    *score = SIM_TIME_MAX;
    if (e->within > 0)
        snprintf(b, sizeof b, " within %s", verdict_fmt_time(e->within, d, sizeof d));
    else
        b[0] = '\0';
    MSG("expected a console line containing '%s'%s of %s; the device printed %zu line(s) then%s%s%s", e->console, b,
        verdict_fmt_time(from, a, sizeof a), seen, last ? ", the last: '" : "", last ? last : "", last ? "'" : "");
}

/* "3", "at least 3", "2..5": an inclusive range as messages show it. */
static const char *range_text(long long min, long long max, char *buf, size_t cap)
{
    if (min == max)
        snprintf(buf, cap, "%lld", min);
    else if (max == LLONG_MAX)
        snprintf(buf, cap, "at least %lld", min);
    else if (min == 0)
        snprintf(buf, cap, "at most %lld", max);
    else
        snprintf(buf, cap, "%lld..%lld", min, max);
    return buf;
}

struct window {
    sim_time from, to;
};

static int window_cmp(const void *a, const void *b)
{
    const struct window *x = a, *y = b;
    return x->from < y->from ? -1 : x->from > y->from;
}

struct longest {
    sim_time len, from, to;
};

/* The parts of the silence [a, b) outside the windows (sorted, merged);
 * *wi skips windows that end before a, as silences come in time order. */
static void silence_outside(sim_time a, sim_time b, const struct window *w, size_t nw, size_t *wi, struct longest *l)
{
    while (*wi < nw && w[*wi].to <= a)
        (*wi)++;
    sim_time cur = a;
    for (size_t j = *wi; j < nw && w[j].from < b; j++) {
        if (w[j].from > cur && w[j].from - cur > l->len)
            *l = (struct longest){w[j].from - cur, cur, w[j].from};
        if (w[j].to > cur)
            cur = w[j].to;
    }
    if (b > cur && b - cur > l->len)
        *l = (struct longest){b - cur, cur, b};
}

/* upload_log_silences into silence_outside; the windows' ends are all
 * references (verdict_reference), so a run's inner gaps are each inside
 * or outside them whole and its longest stands for them. */
struct outside {
    const struct window *w;
    size_t nw, wi;
    struct longest l;
};

static void outside_add(void *ctx, sim_time prev, sim_time t)
{
    struct outside *o = ctx;
    if (t > prev)
        silence_outside(prev, t, o->w, o->nw, &o->wi, &o->l);
}

static void check_max_outage(const verdict *v, const scn_expect *e, const verdict_refs *r, runner_check *c,
                             sim_time *score)
{
    char a[32], b[32], d[32], x[32], ex[48] = "";
    struct window *w = NULL;
    size_t nw = 0, capw = 0;
    for (int i = 0; i < e->nexclude; i++) {
        size_t n;
        verdict_occ *o = occ_list(r, e->exclude[i].entry, &n);
        for (size_t k = 0; k < n; k++) {
            if (e->exclude[i].occ != 0 && o[k].k != e->exclude[i].occ)
                continue;
            w = grow(w, &capw, nw + 1, sizeof *w);
            w[nw++] = (struct window){o[k].start, (o[k].end > o[k].start ? o[k].end : o[k].start) + e->grace};
        }
        free(o);
    }
    if (nw > 0)
        qsort(w, nw, sizeof *w, window_cmp);
    size_t m = 0; /* merged in place */
    for (size_t i = 0; i < nw; i++) {
        if (m > 0 && w[i].from <= w[m - 1].to) {
            if (w[i].to > w[m - 1].to)
                w[m - 1].to = w[i].to;
        } else {
            w[m++] = w[i];
        }
    }
    if (e->nexclude > 0)
        snprintf(ex, sizeof ex, " outside %zu excluded window%s", nw, nw == 1 ? "" : "s");
    verdict_fmt_time(e->within, a, sizeof a);
    if (upload_log_count(v->ul) == 0) {
        MSG("expected no silence at the sink longer than %s%s; it received nothing", a, ex);
        free(w);
        return;
    }
    struct outside os = {.w = w, .nw = m};
    sim_time prev;
    size_t used;
    upload_log_silences(v->ul, -1, outside_add, &os, &prev, &used);
    struct longest l = os.l;
    if (r->run_end > prev)
        silence_outside(prev, r->run_end, w, m, &os.wi, &l);
    free(w);
    c->ok = l.len <= e->within;
    *score = l.len;
    if (l.len == 0)
        MSG("expected no silence at the sink longer than %s%s; there was none", a, ex);
    else
        MSG("expected no silence at the sink longer than %s%s; the longest was %s, from %s to %s%s", a, ex,
            verdict_fmt_time(l.len, b, sizeof b), verdict_fmt_time(l.from, d, sizeof d),
            verdict_fmt_time(l.to, x, sizeof x), l.to == r->run_end ? " (the end of the run)" : "");
}

static void check_status_never(const verdict *v, const scn_expect *e, runner_check *c)
{
    char a[32];
    const char *want = scn_status_name(e->status);
    const struct tev *first = NULL;
    size_t n = 0, seen = 0;
    for (size_t i = 0; i < v->polls.n; i++) {
        const struct tev *p = &v->polls.v[i];
        if (p->b == POLL_ETH)
            continue;
        seen++;
        if (p->a == e->status && n++ == 0)
            first = p;
    }
    c->ok = n == 0;
    if (first != NULL)
        MSG("expected no status poll to return %s; %s returned it at %s (%zu time%s in all)", want,
            poll_calls[first->b], verdict_fmt_time(first->t, a, sizeof a), n, n == 1 ? "" : "s");
    else if (seen == 0)
        MSG("expected no status poll to return %s; none did (the firmware never polled the chip's link status)",
            want);
    else
        MSG("expected no status poll to return %s; none did (%zu change%s of status seen)", want, seen,
            seen == 1 ? "" : "s");
}

static void check_assoc(const verdict *v, const scn_expect *e, const verdict_refs *r, runner_check *c,
                        sim_time *score)
{
    char a[32], b[32], d[32];
    const char *want = e->ap >= 0 && e->ap < v->naps ? v->aps[e->ap] : "an AP the rig does not know";
    sim_time t = e->at >= 0 ? e->at : e->after >= 0 ? ref_end(r, e->after) : r->run_end;
    const char *when = e->at >= 0 ? "" : e->after >= 0 ? " (the end of the fault)" : " (the end of the run)";
    long long cur = -1;
    sim_time since = 0, got = -1;
    size_t i = 0;
    for (; i < v->assocs.n && v->assocs.v[i].t <= t; i++) {
        cur = v->assocs.v[i].a;
        since = v->assocs.v[i].t;
    }
    if (cur == e->ap)
        got = t;
    for (; got < 0 && e->within > 0 && i < v->assocs.n && v->assocs.v[i].t <= t + e->within; i++)
        if (v->assocs.v[i].a == e->ap)
            got = v->assocs.v[i].t;
    verdict_fmt_time(t, a, sizeof a);
    c->ok = got >= 0;
    *score = got >= 0 ? got - t : SIM_TIME_MAX;
    char state[96];
    if (cur >= 0 && cur < v->naps)
        snprintf(state, sizeof state, "associated with %s since %s", v->aps[cur], verdict_fmt_time(since, b, sizeof b));
    else if (v->assocs.n > 0 && v->assocs.v[0].t <= t)
        snprintf(state, sizeof state, "associated with no AP since %s", verdict_fmt_time(since, b, sizeof b));
    else
        snprintf(state, sizeof state, "not yet authorized by any AP");
    if (e->within > 0 && got > t)
        MSG("expected the device associated with %s within %s of %s%s; it was %s then, and %s authorized it at %s",
            want, verdict_fmt_time(e->within, d, sizeof d), a, when, state, want, verdict_fmt_time(got, b, sizeof b));
    else if (e->within > 0)
        MSG("expected the device associated with %s within %s of %s%s; it was %s then%s", want,
            verdict_fmt_time(e->within, d, sizeof d), a, when, state, got < 0 ? ", and no authorization by it followed" : "");
    else
        MSG("expected the device associated with %s at %s%s; it was %s", want, a, when, state);
}

static void check_count(const verdict *v, const scn_expect *e, runner_check *c)
{
    char range[64], a[32];
    if (e->kind == SCN_E_CONNECTIONS) {
        c->ok = v->connections >= e->min && v->connections <= e->max;
        MSG("expected %s connection(s) to the sink %s; the device opened %lld", range_text(e->min, e->max, range,
            sizeof range), v->sink, v->connections);
        return;
    }
    long long n = (long long)v->nout;
    c->ok = n >= e->min && n <= e->max;
    if (n == 0)
        MSG("expected %s drop(s); the rig saw no loss while the device was online", range_text(e->min, e->max,
            range, sizeof range));
    else
        MSG("expected %s drop(s); the rig saw %lld loss(es) while the device was online, the first at %s (%s)",
            range_text(e->min, e->max, range, sizeof range), n, verdict_fmt_time(v->out[0].loss, a, sizeof a),
            loss_names[v->out[0].kind]);
}

/* Expectations measured from a timeline entry (after:). */
static bool takes_after(scn_expect_kind k)
{
    switch (k) {
    case SCN_E_LINK_UP_WITHIN:
    case SCN_E_STATUS_REACHES:
    case SCN_E_RECONNECT_SPACING:
    case SCN_E_RECOVERY_WITHIN:
    case SCN_E_DROP_DETECTED_WITHIN:
    case SCN_E_DELIVERY_GAP_MAX:
    case SCN_E_MARKER:
    case SCN_E_ASSOCIATED_WITH:
    case SCN_E_CONSOLE_LINE:
        return true;
    default:
        return false;
    }
}

static void judge_once(const verdict *v, const scn_expect *e, const verdict_refs *r, runner_check *c, sim_time *score);

/* "head: sub" into the check's message, marked when cut short. */
static void occ_message(runner_check *c, const char *head, const char *sub)
{
    int w = snprintf(c->message, sizeof c->message, "%s: %s", head, sub);
    if (w >= (int)sizeof c->message)
        memcpy(c->message + sizeof c->message - 4, "...", 4);
}

/* An expectation after a repeating entry: judged once per occurrence, as
 * if that occurrence were the entry; the worst is reported (scenario.h). */
static void check_occurrences(const verdict *v, const scn_expect *e, const verdict_refs *r, runner_check *c)
{
    char label[64], head[160], a[32];
    size_t n;
    verdict_occ *occ = occ_list(r, e->after, &n);
    sim_time *st = malloc((size_t)r->nfaults * sizeof *st), *en = malloc((size_t)r->nfaults * sizeof *en);
    if (st == NULL || en == NULL)
        abort(); /* as tl_add */
    memcpy(st, r->start, (size_t)r->nfaults * sizeof *st);
    memcpy(en, r->end, (size_t)r->nfaults * sizeof *en);
    verdict_refs one = *r;
    one.start = st;
    one.end = en;
    sim_time score;
    runner_check tmp = {0};
    if (e->after_occ > 0) {
        const verdict_occ *o = NULL;
        for (size_t i = 0; i < n && o == NULL; i++)
            if (occ[i].k == e->after_occ)
                o = &occ[i];
        entry_label(r, e->after, label, sizeof label);
        if (o == NULL) {
            MSG("%s#%d never started (the run ended at %s first): nothing to judge it by", label, e->after_occ,
                verdict_fmt_time(r->run_end, a, sizeof a));
        } else {
            st[e->after] = o->start;
            en[e->after] = o->end;
            judge_once(v, e, &one, &tmp, &score);
            c->ok = tmp.ok;
            snprintf(head, sizeof head, "%s#%d at %s", label, o->k, verdict_fmt_time(o->start, a, sizeof a));
            occ_message(c, head, tmp.message);
        }
    } else if (!entry_repeats(r, e->after) && n == 1) {
        judge_once(v, e, r, c, &score); /* a single entry: judged and worded as ever */
    } else if (n == 0) {
        MSG("no occurrence of %s started before the end of the run at %s: nothing to judge",
            entry_label(r, e->after, label, sizeof label), verdict_fmt_time(r->run_end, a, sizeof a));
    } else {
        runner_check worst = {0};
        sim_time wscore = -1;
        const verdict_occ *wo = NULL;
        size_t nfail = 0;
        for (size_t i = 0; i < n; i++) {
            st[e->after] = occ[i].start;
            en[e->after] = occ[i].end;
            judge_once(v, e, &one, &tmp, &score);
            if (score < 0)
                score = tmp.ok ? 0 : SIM_TIME_MAX; /* nothing measured: a failure is worst */
            nfail += !tmp.ok;
            if (wo == NULL || (!tmp.ok && worst.ok) || (tmp.ok == worst.ok && score > wscore)) {
                worst = tmp;
                wscore = score;
                wo = &occ[i];
            }
        }
        c->ok = nfail == 0;
        entry_label(r, e->after, label, sizeof label);
        char which[64];
        if (nfail == 0)
            snprintf(head, sizeof head, "held for all %zu occurrences of %s; the worst, %s at %s", n, label,
                     occ_label(r, wo->entry, wo->k, which, sizeof which), verdict_fmt_time(wo->start, a, sizeof a));
        else
            snprintf(head, sizeof head, "failed for %zu of the %zu occurrences of %s; the worst, %s at %s", nfail, n,
                     label, occ_label(r, wo->entry, wo->k, which, sizeof which),
                     verdict_fmt_time(wo->start, a, sizeof a));
        occ_message(c, head, worst.message);
    }
    free(occ);
    free(st);
    free(en);
}

/* client_joined, client_got_address, client_fetched, client_deauthed
 * (scenario.h): from the client's radio and the rig's client image. */
static void check_client(const verdict *v, const scn_expect *e, runner_check *c)
{
    char a[32], b[32];
    sim_time t = -1;
    const char *what = "";
    bool match = true;
    char seen[200] = "";
    switch (e->kind) {
    case SCN_E_CLIENT_JOINED:
        t = v->cl_joined;
        what = "joined (associated and keyed)";
        if (t < 0)
            snprintf(seen, sizeof seen, "it never joined");
        if (t < 0 && v->deauths.n)
            snprintf(seen, sizeof seen, "it never joined; deauthenticated %zu time(s), the first with reason %lld",
                     v->deauths.n, v->deauths.v[0].a);
        break;
    case SCN_E_CLIENT_GOT_ADDRESS:
        t = v->cl_address;
        what = "got an address by DHCP";
        if (t < 0)
            snprintf(seen, sizeof seen, "it never got one%s", v->cl_joined < 0 ? " (it never joined)" : "");
        break;
    case SCN_E_CLIENT_FETCHED:
        t = v->cl_fetched;
        what = "fetched the URL";
        if (t >= 0 && v->cl_status != e->status) {
            match = false;
            snprintf(seen, sizeof seen, "the answer's status was %d, not %d", v->cl_status, e->status);
        } else if (t >= 0 && e->contains[0] != '\0' && strstr(v->cl_body, e->contains) == NULL) {
            match = false;
            snprintf(seen, sizeof seen, "the body (%zu bytes shown) does not hold \"%s\"", strlen(v->cl_body),
                     e->contains);
        } else if (t < 0) {
            snprintf(seen, sizeof seen, "no answer%s%s%s", v->cl_failed[0] ? " (" : "", v->cl_failed,
                     v->cl_failed[0] ? ")" : v->cl_address < 0 ? " (it never got an address)" : "");
        }
        break;
    case SCN_E_CLIENT_DEAUTHED:
        what = "was deauthenticated";
        for (size_t i = 0; i < v->deauths.n && t < 0; i++)
            if (e->reason < 0 || v->deauths.v[i].a == e->reason)
                t = v->deauths.v[i].t;
        if (t < 0 && v->deauths.n)
            snprintf(seen, sizeof seen, "deauthenticated only with reason %lld", v->deauths.v[0].a);
        else if (t < 0)
            snprintf(seen, sizeof seen, "no Deauthentication reached it");
        break;
    default:
        return;
    }
    bool happened = t >= 0 && match;
    if (e->never) {
        c->ok = !happened;
        if (c->ok)
            MSG("the client never %s, as expected", what);
        else
            MSG("expected the client never %s; it did at %s", what, verdict_fmt_time(t, a, sizeof a));
        return;
    }
    if (!happened) {
        MSG("expected the client %s; %s", what, seen);
        return;
    }
    if (e->within > 0 && t > e->within) {
        MSG("expected the client %s within %s; it did at %s", what, verdict_fmt_time(e->within, b, sizeof b),
            verdict_fmt_time(t, a, sizeof a));
        return;
    }
    c->ok = true;
    if (e->kind == SCN_E_CLIENT_GOT_ADDRESS)
        MSG("the client got %s at %s", v->cl_ip, verdict_fmt_time(t, a, sizeof a));
    else if (e->kind == SCN_E_CLIENT_FETCHED)
        MSG("the client got status %d at %s", v->cl_status, verdict_fmt_time(t, a, sizeof a));
    else
        MSG("the client %s at %s", what, verdict_fmt_time(t, a, sizeof a));
}

/* One judgement against r as given; *score is what it measured (larger is
 * worse), or -1 when the expectation measures no time. */
static void judge_once(const verdict *v, const scn_expect *e, const verdict_refs *r, runner_check *c, sim_time *score)
{
    c->ok = false;
    *score = -1;
    switch (e->kind) {
    case SCN_E_LINK_UP_WITHIN: check_link_up(v, e, r, c, score); return;
    case SCN_E_STATUS_REACHES: check_status(v, e, r, c, score); return;
    case SCN_E_CONNECT_TIMEOUT_REPORTED: check_connect_timeout(v, e, r, c); return;
    case SCN_E_RECONNECT_SPACING: check_spacing(v, e, r, c); return;
    case SCN_E_POWER_CYCLES: check_power_cycles(v, e, c); return;
    case SCN_E_DROP_DETECTED_WITHIN: check_drop(v, e, r, c, score); return;
    case SCN_E_RECOVERY_WITHIN: check_recovery(v, e, r, c, score); return;
    case SCN_E_BYTES_DELIVERED_MIN:
    case SCN_E_UPLOADS_MIN: check_totals(v, e, c); return;
    case SCN_E_DELIVERY_GAP_MAX: check_gap(v, e, r, c, score); return;
    case SCN_E_MARKER: check_marker(v, e, r, c); return;
    case SCN_E_CONSOLE_LINE: check_console_line(v, e, r, c, score); return;
    case SCN_E_MAX_OUTAGE: check_max_outage(v, e, r, c, score); return;
    case SCN_E_STATUS_NEVER: check_status_never(v, e, c); return;
    case SCN_E_ASSOCIATED_WITH: check_assoc(v, e, r, c, score); return;
    case SCN_E_DROPS:
    case SCN_E_CONNECTIONS: check_count(v, e, c); return;
    case SCN_E_CLIENT_JOINED:
    case SCN_E_CLIENT_GOT_ADDRESS:
    case SCN_E_CLIENT_FETCHED:
    case SCN_E_CLIENT_DEAUTHED: check_client(v, e, c); return;
    }
}

void verdict_check(const verdict *v, const scn_expect *e, const verdict_refs *r, runner_check *c)
{
    snprintf(c->name, sizeof c->name, "%s (line %d)", e->text, e->line);
    c->ok = false;
    if (e->after >= 0 && e->after < r->nfaults && takes_after(e->kind)) {
        check_occurrences(v, e, r, c);
        return;
    }
    sim_time score;
    judge_once(v, e, r, c, &score);
}

static int time_cmp(const void *a, const void *b)
{
    sim_time x = *(const sim_time *)a, y = *(const sim_time *)b;
    return x < y ? -1 : x > y;
}

/* The summary's totals over every drop (scenario.h, "The summary"). */
static void drop_totals(const verdict *v, const verdict_refs *r, runner_result *out)
{
    out->drops_total = (long long)v->nout;
    out->drops_unrecovered = 0;
    out->down_longest = out->down_median = -1;
    out->first_delivery = upload_log_earliest(v->ul);
    sim_time *down = malloc((v->nout ? v->nout : 1) * sizeof *down);
    if (down == NULL)
        abort(); /* as tl_add */
    sim_time covered = 0, cur_from = -1, cur_to = -1, from = out->first_delivery;
    for (size_t i = 0; i < v->nout; i++) {
        const struct outage *o = &v->out[i];
        sim_time u = upload_from(v, o->loss);
        sim_time end = u >= 0 ? u : r->run_end;
        out->drops_unrecovered += u < 0;
        down[i] = end - o->loss;
        /* the union of down times after the first delivery (they may overlap:
         * a second loss before any data came back) */
        sim_time a = o->loss > from ? o->loss : from, b = end;
        if (from < 0 || b <= a)
            continue;
        if (cur_to >= 0 && a <= cur_to) {
            if (b > cur_to)
                cur_to = b;
        } else {
            covered += cur_to - cur_from;
            cur_from = a;
            cur_to = b;
        }
    }
    covered += cur_to - cur_from;
    if (v->nout > 0) {
        qsort(down, v->nout, sizeof *down, time_cmp);
        out->down_longest = down[v->nout - 1];
        size_t mid = v->nout / 2;
        out->down_median = v->nout % 2 ? down[mid] : down[mid - 1] + (down[mid] - down[mid - 1]) / 2;
    }
    free(down);
    sim_time span = from >= 0 ? r->run_end - from : 0;
    out->availability = from < 0 ? 0.0 : span > 0 ? 1.0 - (double)covered / (double)span : 1.0;
}

void verdict_metrics(const verdict *v, const verdict_refs *r, runner_result *out)
{
    out->first_link = v->nonline ? v->online[0].from : -1;
    out->ndrops = (int)(v->nout < RUNNER_MAX_DROPS ? v->nout : RUNNER_MAX_DROPS);
    for (int i = 0; i < out->ndrops; i++) {
        const struct outage *o = &v->out[i];
        char what[96];
        sim_time cause = cause_of(r, o->loss);
        sim_time react = first_reaction(v, o->loss, what, sizeof what);
        out->detect[i] = cause >= 0 && react >= 0 ? react - cause : -1;
        sim_time u = upload_from(v, o->loss);
        sim_time base = react >= 0 ? react : o->loss;
        out->recover[i] = u >= 0 && u >= base ? u - base : -1;
        out->drop_at[i] = o->loss;
        out->drop_react[i] = react;
        out->drop_down[i] = u >= 0 ? u - o->loss : -1;
        snprintf(out->drop_cause[i], sizeof out->drop_cause[i], "%s", loss_names[o->kind]);
        verdict_occ oc;
        out->drop_fault[i][0] = '\0';
        if (cause_occ(r, o->loss, &oc)) {
            char label[64], t[32];
            const char *kind = r->s != NULL && oc.entry < r->s->nfaults ? scn_fault_name(r->s->faults[oc.entry].kind)
                                                                        : "typed at the console";
            int w = snprintf(out->drop_fault[i], sizeof out->drop_fault[i], "%s (%s at %s)",
                             occ_label(r, oc.entry, oc.k, label, sizeof label), kind ? kind : "a fault",
                             verdict_fmt_time(oc.start, t, sizeof t));
            if (w >= (int)sizeof out->drop_fault[i])
                memcpy(out->drop_fault[i] + sizeof out->drop_fault[i] - 4, "...", 4);
        }
    }
    drop_totals(v, r, out);
    out->attempts = (long long)v->joins.n;
    out->power_cycles = (long long)v->cycles.n;
    out->uploads = upload_log_count(v->ul);
    out->connections = v->connections;
    out->sink_bytes = (uint64_t)v->bytes;
    struct longest_gap g = {.len = 0};
    sim_time prev;
    size_t used;
    upload_log_silences(v->ul, -1, longest_gap_add, &g, &prev, &used);
    sim_time worst = g.len;
    if (prev >= 0 && r->run_end - prev > worst)
        worst = r->run_end - prev;
    out->longest_gap = prev >= 0 ? worst : -1;
}

void verdict_get_now(const verdict *v, verdict_now *out)
{
    out->online = is_online(v);
    out->joins = (long long)v->joins.n;
    out->power_cycles = (long long)v->cycles.n;
    out->uploads = upload_log_count(v->ul);
    out->bytes = v->bytes;
}
