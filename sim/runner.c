#define _POSIX_C_SOURCE 200809L
#include "sim/runner.h"
#include "sim/enterprise.h"
#include "dot11/frame.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <inttypes.h>
#include <malloc.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "firmware_shim/fwimage.h"
#include "radio_model/softap.h"
#include "sim/report.h"
#include "sim/verdict.h"
#include "sim/verdict_route.h"
#include "sim/world.h"

#define WALK_STEP SIM_MS(100)

/* ---- the timeline ---- */

struct run;

struct fault_ev {
    struct run *r;
    scn_fault f;      /* a copy: the timeline's entry, or one typed at the console */
    sim_time start, end;
    /* walking: where each moving device started */
    double (*from)[3];
    sim_time walk_t0;
    sim_timer_id walk_timer;
    /* A timeline entry's occurrences (scenario.h, "The timeline"): the
     * entry's own at, how many have started, the jitter's random stream,
     * and each one's start and end for the verdict. */
    int entry;          /* -1: typed at the console */
    sim_err *err;       /* typed at the console: where a model's refusal goes */
    sim_time at0;
    long long k;
    sim_rng *jitter;
    struct occ_rec {
        sim_time start, end;
    } *occ;
    size_t nocc, capocc;
};

#define CONSOLE_CLIENTS 8

struct console_peer {
    int fd;          /* -1: free */
    char buf[512];
    size_t len;
    bool overlong;   /* inside a line longer than buf: refused whole, up to its end */
};

struct run {
    const scenario *s;
    world *w;
    struct fault_ev *faults;
    const char *dev;             /* the device's name (its board's trace component) */
    verdict *v[SCN_MAX_DEVICES]; /* what the rig saw of each device */
    verdict_route *route;        /* the one trace sink over them (verdict_route.h) */
    int ndev;
    double wall0;
    double last_progress;
    double noise_floor;          /* the medium's, for the samples' SNR */
    /* the samples' trace component per device and keys per AP, made at the
     * first sample (a sample a second: formatting them each time showed) */
    bool sample_names;
    char sample_comp[SCN_MAX_DEVICES][48];
    char sample_rssi[SCN_MAX_APS][80], sample_snr[SCN_MAX_APS][80];
    bool progress;
    /* live mode */
    const runner_opts *o;
    struct console_peer in;      /* stdin (or the given fd) */
    int listen_fd;
    struct console_peer peers[CONSOLE_CLIENTS];
    struct fault_ev **injected;  /* faults typed at the console */
    size_t ninjected;
    FILE *conlog[SCN_MAX_DEVICES]; /* each device's console.log */
    report_feed *feed;           /* live: the event lines on the console */
    FILE *mem;                   /* mem.tsv (runner_opts.mem_sample_period) */
    char mem_path[1100];
    int mem_errno;               /* its first failed write */
};

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void trace_fault(struct run *r, const struct fault_ev *fe, const char *phase)
{
    const scn_fault *f = &fe->f;
    sim_trace_rec *t = sim_trace_begin(sim_trace_of(world_sim(r->w)), SIM_LOG_INFO, "scenario", "fault");
    sim_trace_str(t, "fault", scn_fault_name(f->kind));
    sim_trace_str(t, "phase", phase);
    if (f->ap >= 0)
        sim_trace_str(t, "ap", r->s->aps[f->ap].name);
    sim_trace_int(t, "line", f->line);
    /* which entry and occurrence, for a reader of the trace */
    if (f->id[0] != '\0')
        sim_trace_str(t, "id", f->id);
    if (fe->entry >= 0) /* the timeline entry's index, as the summary names it */
        sim_trace_int(t, "entry", fe->entry);
    if (f->count > 1)
        sim_trace_int(t, "occurrence", fe->k);
    /* a change with no end event of its own (scenario.h, "The timeline"):
     * a reader draws it as a moment, not as a band to the run's end */
    bool lasts = f->kind == SCN_F_AP_REBOOT || f->kind == SCN_F_CABLE_PULL || f->kind == SCN_F_SERVICE ||
                 (f->kind == SCN_F_MOVE_DEVICE && f->speed > 0);
    if (strcmp(phase, "start") == 0 && !lasts)
        sim_trace_bool(t, "instant", true);
    sim_trace_end(t);
}

/* A service fault's start (its mode) or end (back to normal). The parser
 * has checked the mode against the kind, so the uplink cannot refuse it. */
static void service_fault(struct run *r, const scn_fault *f, bool start)
{
    const scn_service *sv = &r->s->services[f->service];
    static const uplink_service_mode modes[] = {[SCN_SVC_NORMAL] = UPLINK_SVC_NORMAL, [SCN_SVC_DOWN] = UPLINK_SVC_DOWN,
                                                [SCN_SVC_SLOW] = UPLINK_SVC_SLOW, [SCN_SVC_WRONG] = UPLINK_SVC_WRONG};
    uplink_service_set_mode(world_uplink(r->w), sv->name, start ? modes[f->service_mode] : UPLINK_SVC_NORMAL,
                            f->delay, NULL);
}

/* The twin (f->ap) on and the transition APs of its SSID off, or back. */
static void downgrade(struct run *r, const scn_fault *f, bool on)
{
    const scenario *s = r->s;
    ap_set_enabled(world_ap(r->w, f->ap), on);
    for (int i = 0; i < s->naps; i++)
        if (i != f->ap && s->aps[i].security == SCN_SEC_WPA3_TRANSITION && strcmp(s->aps[i].ssid, s->aps[f->ap].ssid) == 0)
            ap_set_enabled(world_ap(r->w, i), !on);
}

/* The credential faults' start (the fault's value) or end (the scenario's
 * radius: block again for what the fault changed): enterprise.h restarts
 * the AP's server with the new files. */
static void radius_credentials(struct run *r, const scn_fault *f, bool start, sim_err *err)
{
    const scn_radius *rad = &r->s->aps[f->ap].radius;
    switch (f->kind) {
    case SCN_F_RADIUS_SERVER_CERT:
        enterprise_set_server_cert(r->w, f->ap, start ? f->server_cert : rad->server_cert, err);
        break;
    case SCN_F_RADIUS_REVOKE: {
        bool was = false;
        for (int k = 0; k < rad->nclient_certs; k++)
            if (strcmp(rad->client_certs[k].cn, f->cn) == 0)
                was = rad->client_certs[k].revoked;
        enterprise_set_revoked(r->w, f->ap, f->cn, start ? f->revoked : was, err);
        break;
    }
    case SCN_F_RADIUS_USER: {
        const char *was = NULL;
        for (int k = 0; k < rad->nusers; k++)
            if (strcmp(rad->users[k].name, f->user) == 0)
                was = rad->users[k].password;
        enterprise_set_user(r->w, f->ap, f->user, start ? (f->removed ? NULL : f->password) : was, err);
        break;
    }
    default:
        break;
    }
}

static void fault_end_cb(void *arg)
{
    struct fault_ev *fe = arg;
    struct run *r = fe->r;
    const scn_fault *f = &fe->f;
    world *w = r->w;
    switch (f->kind) {
    case SCN_F_AP_REBOOT:
        if (f->channel > 0)
            ap_set_channel(world_ap(w, f->ap), f->channel, NULL);
        ap_set_enabled(world_ap(w, f->ap), true);
        break;
    case SCN_F_CABLE_PULL:
        for (int i = 0; i < world_device_count(w); i++)
            if ((f->device < 0 || f->device == i) && world_device_ethphy(w, i) != NULL)
                ethphy_set_cable(world_device_ethphy(w, i), true);
        break;
    case SCN_F_SERVICE:
        service_fault(r, f, false);
        break;
    case SCN_F_AP_REFUSE:
        ap_set_refusal(world_ap(w, f->ap), 0, 0);
        break;
    case SCN_F_GROUP_KEY_MISS:
        for (int i = 0; i < world_device_count(w); i++)
            if (f->device < 0 || f->device == i)
                radio_set_group_key_miss(world_device_radio(w, i), false);
        break;
    case SCN_F_RADIUS_DOWN:
        enterprise_set_down(w, f->ap, false);
        break;
    case SCN_F_SAE_ANTI_CLOGGING:
        ap_set_sae_anti_clogging(world_ap(w, f->ap), false);
        break;
    case SCN_F_DOWNGRADE:
        downgrade(r, f, false);
        break;
    case SCN_F_RADIUS_SLOW:
        enterprise_set_latency(w, f->ap, r->s->aps[f->ap].radius.latency);
        break;
    case SCN_F_RADIUS_SERVER_CERT:
    case SCN_F_RADIUS_REVOKE:
    case SCN_F_RADIUS_USER:
        radius_credentials(r, f, false, NULL);
        break;
    case SCN_F_CABLE_MOVE:
        for (int i = 0; i < world_device_count(w); i++)
            if ((f->device < 0 || f->device == i) && world_device_ethphy(w, i) != NULL)
                ethphy_set_cable(world_device_ethphy(w, i), true);
        break;
    default:
        break;
    }
    trace_fault(r, fe, "end");
}

/* A DHCP server's pool moves (a dhcp fault with pool, a cable_move): the
 * parser has resolved the router (kept, or given) and the server's own
 * address in the new subnet; the uplink answers for a router outside its
 * own network (uplink_add_router). */
static void move_pool(world *w, dhcps *d, const scn_fault *f)
{
    dhcps_set_pool(d, f->pool_start, f->pool_end, f->netmask, f->router, f->server_ip, NULL);
    if (world_uplink(w) != NULL && f->router != 0x0a000202u)
        uplink_add_router(world_uplink(w), f->router, NULL);
}

/* ap_deauth / ap_disassoc: to the named device's MAC, or to every station. */
static void kick(world *w, const scn_fault *f)
{
    ap *a = world_ap(w, f->ap);
    if (f->device < 0) {
        if (f->kind == SCN_F_AP_DEAUTH)
            ap_deauth(a, NULL, f->code);
        else
            ap_disassoc(a, NULL, f->code);
        return;
    }
    uint8_t mac[6];
    radio_get_mac(world_device_radio(w, f->device), mac);
    if (f->kind == SCN_F_AP_DEAUTH)
        ap_deauth(a, mac, f->code);
    else
        ap_disassoc(a, mac, f->code);
}

/* A Deauthentication forged with the AP's address (what deauth attack
 * tools send): unprotected, from the AP's position, to the device or to
 * broadcast. A station with PMF ignores it (802.11w-2009 11.13: an
 * unprotected robust management frame on a protected link is dropped;
 * the radio traces pmf_unprotected_ignored); one without drops its link. */
static void spoofed_deauth(world *w, const scn_fault *f)
{
    struct dot11_mgmt_hdr h;
    memset(&h, 0, sizeof h);
    memset(h.da, 0xff, 6);
    if (f->device >= 0)
        radio_get_mac(world_device_radio(w, f->device), h.da);
    memcpy(h.sa, ap_bssid(world_ap(w, f->ap)), 6);
    memcpy(h.bssid, h.sa, 6);
    h.seq_num = 0x0abc; /* the forger does not know the AP's sequence */
    uint8_t frame[64];
    int len = dot11_build_deauth(frame, sizeof frame, &h, f->code);
    if (len > 0)
        medium_transmit(world_ap_node(w, f->ap), frame, (size_t)len, 2 /* 1 Mb/s */);
}

/* The devices a device fault acts on: the one it names, or every one. */
#define FOR_TARGETS(w, f, i)                                                    \
    for (int i = 0; i < world_device_count(w); i++)                           \
        if ((f)->device < 0 || (f)->device == i)

static void walk_step(void *arg)
{
    struct fault_ev *fe = arg;
    struct run *r = fe->r;
    const scn_fault *f = &fe->f;
    double done = f->speed * (double)(sim_now(world_sim(r->w)) - fe->walk_t0) / 1e9;
    bool arrived = true;
    FOR_TARGETS(r->w, f, i) {
        double dx = f->to.x - fe->from[i][0], dy = f->to.y - fe->from[i][1], dz = f->to.z - fe->from[i][2];
        double dist = sqrt(dx * dx + dy * dy + dz * dz);
        medium_node *sta = world_device_node(r->w, i);
        if (done >= dist) {
            medium_node_move(sta, f->to.x, f->to.y, f->to.z);
            continue;
        }
        arrived = false;
        double k = done / dist;
        medium_node_move(sta, fe->from[i][0] + dx * k, fe->from[i][1] + dy * k, fe->from[i][2] + dz * k);
    }
    if (arrived) {
        sim_cancel(world_sim(r->w), fe->walk_timer);
        fe->walk_timer = 0;
        trace_fault(r, fe, "end");
    }
}

static void fault_start_cb(void *arg)
{
    struct fault_ev *fe = arg;
    struct run *r = fe->r;
    const scn_fault *f = &fe->f;
    world *w = r->w;
    sim *s = world_sim(w);
    trace_fault(r, fe, "start");
    switch (f->kind) {
    case SCN_F_AP_REBOOT:
        /* The AP goes silent and forgets its stations; its DHCP server keeps
         * its leases only if told to (a reboot usually loses them). A
         * shared network's server is the LAN's router, not the AP's: an
         * AP's reboot leaves it alone. */
        ap_set_enabled(world_ap(w, f->ap), false);
        if (!f->keep_leases && r->s->aps[f->ap].network < 0 && world_dhcps(w, f->ap) != NULL)
            dhcps_forget_leases(world_dhcps(w, f->ap));
        sim_at(s, fe->end, fault_end_cb, fe);
        break;
    case SCN_F_AP_OFF:
        ap_set_enabled(world_ap(w, f->ap), false);
        break;
    case SCN_F_AP_ON:
        ap_set_enabled(world_ap(w, f->ap), true);
        break;
    case SCN_F_AP_PASSPHRASE:
        ap_set_passphrase(world_ap(w, f->ap), f->passphrase, fe->err);
        break;
    case SCN_F_AP_TX_POWER:
        medium_node_set_tx_power(world_ap_node(w, f->ap), f->tx_power_dbm);
        break;
    case SCN_F_MOVE_DEVICE:
        if (f->speed <= 0) {
            FOR_TARGETS(w, f, i)
                medium_node_move(world_device_node(w, i), f->to.x, f->to.y, f->to.z);
            break;
        }
        free(fe->from);
        fe->from = calloc((size_t)world_device_count(w), sizeof *fe->from);
        if (fe->from == NULL)
            abort(); /* a fault half applied would make the verdict a lie */
        fe->walk_t0 = sim_now(s);
        fe->end = fe->start;
        FOR_TARGETS(w, f, i) {
            medium_node_position(world_device_node(w, i), &fe->from[i][0], &fe->from[i][1], &fe->from[i][2]);
            double dx = f->to.x - fe->from[i][0], dy = f->to.y - fe->from[i][1], dz = f->to.z - fe->from[i][2];
            /* The scenario format bounds speed and positions so that this
             * fits (scn_do_fault); the cap keeps any other caller defined. */
            double walk_ns = sqrt(dx * dx + dy * dy + dz * dz) / f->speed * 1e9;
            sim_time end = fe->start + (walk_ns < 1e18 ? (sim_time)walk_ns : (sim_time)1e18);
            if (end > fe->end)
                fe->end = end; /* the walk ends when the last device arrives */
        }
        fe->walk_timer = sim_every(s, WALK_STEP, WALK_STEP, walk_step, fe);
        break;
    case SCN_F_DHCP: {
        dhcps *d = f->lan ? world_lan_dhcps(w) : world_dhcps(w, f->ap);
        if (d == NULL)
            break;
        static const dhcps_mode modes[] = {DHCPS_NORMAL, DHCPS_IGNORE_RENEWALS, DHCPS_NAK_RENEWALS, DHCPS_SILENT,
                                           DHCPS_NORMAL};
        dhcps_set_mode(d, modes[f->dhcp_mode]);
        if (f->lease > 0)
            dhcps_set_lease_time(d, (uint32_t)(f->lease / SIM_SEC(1)), 0, 0, NULL);
        if (f->dhcp_mode == SCN_DHCP_EMPTY_POOL) {
            /* Empty, on the subnet and with the router the server has. */
            uint32_t mask, router;
            dhcps_get_pool(d, NULL, NULL, &mask, &router, NULL);
            dhcps_set_pool(d, 1, 0, mask, router, 0, NULL);
        }
        if (f->has_pool)
            move_pool(w, d, f);
        break;
    }
    case SCN_F_AP_DEAUTH:
    case SCN_F_AP_DISASSOC:
        kick(w, f);
        break;
    case SCN_F_AP_REFUSE:
        ap_set_refusal(world_ap(w, f->ap), f->code, f->comeback_tu);
        sim_at(s, fe->end, fault_end_cb, fe);
        break;
    case SCN_F_GROUP_KEY_MISS:
        FOR_TARGETS(w, f, i)
            radio_set_group_key_miss(world_device_radio(w, i), true);
        if (f->duration > 0)
            sim_at(s, fe->end, fault_end_cb, fe);
        break;
    case SCN_F_CABLE_MOVE: {
        /* Out of one network, into another after the pause: the segment's
         * server becomes that network's (its subnet, router and address; it
         * knows no lease of ours), as a replug into another switch would
         * meet another DHCP server. */
        FOR_TARGETS(w, f, i)
            if (world_device_ethphy(w, i) != NULL)
                ethphy_set_cable(world_device_ethphy(w, i), false);
        dhcps *d = world_lan_dhcps(w);
        if (d != NULL) {
            dhcps_forget_leases(d);
            if (f->lease > 0)
                dhcps_set_lease_time(d, (uint32_t)(f->lease / SIM_SEC(1)), 0, 0, NULL);
            move_pool(w, d, f);
        }
        sim_at(s, fe->end, fault_end_cb, fe);
        break;
    }
    case SCN_F_RADIO_WEDGE: {
        static const radio_wedge_mode modes[] = {RADIO_WEDGE_COMMANDS, RADIO_WEDGE_FRAMES, RADIO_WEDGE_BOTH};
        FOR_TARGETS(w, f, i)
            radio_wedge(world_device_radio(w, i), modes[f->wedge_mode], f->survives_power_cycles);
        break;
    }
    case SCN_F_CABLE_PULL:
        FOR_TARGETS(w, f, i)
            if (world_device_ethphy(w, i) != NULL)
                ethphy_set_cable(world_device_ethphy(w, i), false);
        sim_at(s, fe->end, fault_end_cb, fe);
        break;
    case SCN_F_SERVICE:
        service_fault(r, f, true);
        if (f->duration > 0)
            sim_at(s, fe->end, fault_end_cb, fe);
        break;
    case SCN_F_RADIUS_DOWN:
    case SCN_F_RADIUS_SLOW:
        if (f->kind == SCN_F_RADIUS_DOWN)
            enterprise_set_down(w, f->ap, true);
        else
            enterprise_set_latency(w, f->ap, f->delay);
        if (f->duration > 0)
            sim_at(s, fe->end, fault_end_cb, fe);
        break;
    case SCN_F_SPOOFED_DEAUTH:
        spoofed_deauth(w, f);
        break;
    case SCN_F_RADIUS_SERVER_CERT:
    case SCN_F_RADIUS_REVOKE:
    case SCN_F_RADIUS_USER:
        /* a timeline entry has no one to tell: the trace has
         * radius_restart_failed, and the server stays down */
        radius_credentials(r, f, true, fe->err);
        if (f->duration > 0)
            sim_at(s, fe->end, fault_end_cb, fe);
        break;
    case SCN_F_DOWNGRADE:
        downgrade(r, f, true);
        if (f->duration > 0)
            sim_at(s, fe->end, fault_end_cb, fe);
        break;
    case SCN_F_SAE_ANTI_CLOGGING:
        ap_set_sae_anti_clogging(world_ap(w, f->ap), true);
        if (f->duration > 0)
            sim_at(s, fe->end, fault_end_cb, fe);
        break;
    case SCN_F_CONSOLE:
        /* a refusal (the firmware left its receive buffer full) is traced
         * by the board, and the console_line that waited for an answer
         * fails on its own */
        FOR_TARGETS(w, f, i)
            board_console_input(world_device_board(w, i), f->console, fe->err);
        break;
    }
}

/* When a fault is over, for "after:" references. A walk's end is known
 * only when it starts (it depends on where the device is then). */
static sim_time fault_end_time(const scn_fault *f)
{
    switch (f->kind) {
    case SCN_F_AP_REBOOT:
    case SCN_F_CABLE_PULL:
    case SCN_F_CABLE_MOVE:
    case SCN_F_AP_REFUSE:
    case SCN_F_SERVICE:        /* duration 0: it never ends by itself */
    case SCN_F_GROUP_KEY_MISS: /* likewise */
    case SCN_F_RADIUS_DOWN:    /* likewise */
    case SCN_F_RADIUS_SLOW:    /* likewise */
    case SCN_F_SAE_ANTI_CLOGGING: /* likewise */
    case SCN_F_DOWNGRADE:         /* likewise */
    case SCN_F_RADIUS_SERVER_CERT: /* likewise */
    case SCN_F_RADIUS_REVOKE:     /* likewise */
    case SCN_F_RADIUS_USER:       /* likewise */
        return f->at + f->duration;
    default:
        return f->at;
    }
}

/* Tells every device's verdict the reference times an occurrence from
 * start to end gives its checks (verdict_reference): its start, its end,
 * and the end of each window a max_outage excludes around it. */
static void note_references(struct run *r, sim_time start, sim_time end)
{
    for (int d = 0; d < r->ndev; d++) {
        verdict_reference(r->v[d], start);
        verdict_reference(r->v[d], end);
        for (int i = 0; i < r->s->nexpects; i++) {
            const scn_expect *e = &r->s->expects[i];
            if (e->kind == SCN_E_MAX_OUTAGE && e->nexclude > 0)
                verdict_reference(r->v[d], (end > start ? end : start) + e->grace);
        }
    }
}

/* When occurrence k (from 0) of an entry is due: its every-th step from
 * the entry's at, delayed by its own draw from [0, jitter]. */
static sim_time occurrence_due(struct fault_ev *fe, long long k)
{
    sim_time t = fe->at0 + (sim_time)k * fe->f.every;
    if (fe->jitter != NULL)
        t += (sim_time)sim_rng_below(fe->jitter, (uint64_t)fe->f.jitter + 1);
    return t;
}

/* One occurrence of a timeline entry (scenario.h, "The timeline"): a walk
 * of the previous occurrence still under way ends here; the fault is
 * applied; its start and end are kept for the verdict; the next
 * occurrence is scheduled only now, so a long repeat costs one pending
 * event, not one per occurrence. */
static void occur_cb(void *arg)
{
    struct fault_ev *fe = arg;
    struct run *r = fe->r;
    sim *s = world_sim(r->w);
    if (fe->walk_timer != 0) {
        sim_cancel(s, fe->walk_timer);
        fe->walk_timer = 0;
        trace_fault(r, fe, "end");
        fe->occ[fe->nocc - 1].end = sim_now(s);
        note_references(r, fe->occ[fe->nocc - 1].start, sim_now(s));
    }
    fe->k++;
    fe->f.at = sim_now(s);
    fe->start = fe->f.at;
    fe->end = fault_end_time(&fe->f);
    fault_start_cb(fe); /* sets a walk's end */
    if (fe->nocc == fe->capocc) {
        size_t cap = fe->capocc ? fe->capocc * 2 : 4;
        struct occ_rec *o = realloc(fe->occ, cap * sizeof *o);
        if (o == NULL)
            abort(); /* a verdict without its references would be a guess */
        fe->occ = o;
        fe->capocc = cap;
    }
    fe->occ[fe->nocc++] = (struct occ_rec){fe->start, fe->end};
    note_references(r, fe->start, fe->end);
    if (fe->k < fe->f.count)
        sim_at(s, occurrence_due(fe, fe->k), occur_cb, fe);
}

static int occ_cmp(const void *a, const void *b)
{
    const verdict_occ *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->entry != y->entry)
        return x->entry < y->entry ? -1 : 1;
    return (x->k > y->k) - (x->k < y->k);
}

/* Live mode: each trace line through the event feed (sim/report.h). */
static void feed_sink(void *ctx, const sim_trace_event *ev)
{
    report_feed_line(ctx, ev->json, strlen(ev->json));
}

static void progress_cb(void *arg)
{
    struct run *r = arg;
    double now = wall_now();
    if (now - r->last_progress < 0.5 || now - r->wall0 < 1.0)
        return;
    r->last_progress = now;
    char a[32], b[32];
    sim_time t = sim_now(world_sim(r->w));
    fprintf(stderr, "\r  %s: %s / %s (%.0f%%)   ", r->s->name, verdict_fmt_time(t, a, sizeof a),
            verdict_fmt_time(r->s->duration, b, sizeof b), 100.0 * (double)t / (double)r->s->duration);
    fflush(stderr);
}


/* ---- live mode: the fault console ---- */

static int find_ap(const struct run *r, const char *name)
{
    for (int i = 0; i < r->s->naps; i++)
        if (strcmp(r->s->aps[i].name, name) == 0)
            return i;
    return -1;
}

static int inject(struct run *r, const scn_fault *f, char *reply, size_t cap, const char *what)
{
    struct fault_ev *fe = calloc(1, sizeof *fe);
    struct fault_ev **list = realloc(r->injected, (r->ninjected + 1) * sizeof *list);
    if (fe == NULL || list == NULL) {
        free(fe);
        if (list)
            r->injected = list;
        snprintf(reply, cap, "error: out of memory\n");
        return -1;
    }
    r->injected = list;
    r->injected[r->ninjected++] = fe;
    fe->r = r;
    fe->entry = -1;
    fe->f = *f;
    fe->f.at = sim_now(world_sim(r->w));
    fe->start = fe->f.at;
    fe->end = fault_end_time(&fe->f);
    /* the reply says what the model did: a refusal is the model's message */
    sim_err err = {0};
    fe->err = &err;
    fault_start_cb(fe);
    fe->err = NULL;
    note_references(r, fe->start, fe->end);
    if (err.code != SIM_OK) {
        snprintf(reply, cap, "error: %s\n", err.msg);
        return -1;
    }
    snprintf(reply, cap, "ok: %s\n", what);
    return 0;
}

/* The chip's join state in the cyw43-driver's words (CYW43_LINK_*,
 * cyw43.h): the status line names it, never its number, which differs from
 * the firmware-facing numbering the scenario's statuses use. */
static const char *chip_link_name(int st)
{
    switch (st) {
    case RADIO_LINK_DOWN: return "LINK_DOWN";
    case RADIO_LINK_JOIN: return "LINK_JOIN";
    case RADIO_LINK_FAIL: return "LINK_FAIL";
    case RADIO_LINK_NONET: return "LINK_NONET";
    case RADIO_LINK_BADAUTH: return "LINK_BADAUTH";
    default: return "LINK_UNKNOWN";
    }
}

static void status_line(struct run *r, char *reply, size_t cap)
{
    world *w = r->w;
    char t[32];
    /* the chip's state stays JOIN through a lost link (cyw43's join state):
     * "joining" only while a join is on the air */
    const char *link = radio_joined(world_radio(w)) ? "up" : radio_joining(world_radio(w)) ? "joining" : "down";
    int32_t rssi = 0;
    char rssi_s[16] = "n/a";
    if (radio_rssi(world_radio(w), &rssi) == RADIO_OK)
        snprintf(rssi_s, sizeof rssi_s, "%ddBm", (int)rssi);
    /* The address and lease as the rig's DHCP server holds them: the rig
     * observes the device from outside (its lwIP is inside the image). */
    char ip[20] = "none", lease[24] = "n/a";
    uint8_t mac[6];
    if (world_ethphy(w) != NULL)
        ethphy_get_mac(world_ethphy(w), mac);
    else
        radio_get_mac(world_radio(w), mac);
    for (int i = -1; i < world_ap_count(w); i++) {
        dhcps *d = i < 0 ? world_lan_dhcps(w) : world_dhcps(w, i);
        uint32_t a;
        sim_time exp;
        if (d != NULL && dhcps_lease_of(d, mac, &a, &exp)) {
            snprintf(lease, sizeof lease, "%llds", (long long)((exp - sim_now(world_sim(w))) / SIM_SEC(1)));
            snprintf(ip, sizeof ip, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
        }
    }
    /* what the firmware's own polls returned last, in the scenario's words */
    const char *call = NULL;
    const char *fw = report_feed_status(r->feed, r->dev, &call);
    char fw_s[64];
    if (fw != NULL)
        snprintf(fw_s, sizeof fw_s, "%s(%s)", fw, call);
    else
        snprintf(fw_s, sizeof fw_s, "%s", r->feed != NULL ? "not_polled_yet" : "n/a");
    verdict_now vn;
    verdict_get_now(r->v[0], &vn);
    double x, y, z;
    medium_node_position(world_sta_node(w), &x, &y, &z);
    /* one line, key=value without spaces: a script reads it as easily as a person */
    size_t n = (size_t)snprintf(reply, cap,
                                "status t=%s device=%s link=%s chip=%s firmware=%s online=%s rssi=%s ip=%s "
                                "lease_left=%s position=%.1f,%.1fm channel=%d joins=%lld power_cycles=%lld "
                                "uploads=%lld sink_bytes=%lld",
                                verdict_fmt_time(sim_now(world_sim(w)), t, sizeof t), r->dev, link,
                                chip_link_name(radio_link_status(world_radio(w))), fw_s, vn.online ? "yes" : "no",
                                rssi_s, ip, lease, x, y, medium_node_channel(world_sta_node(w)), vn.joins,
                                vn.power_cycles, vn.uploads, vn.bytes);
    /* each AP: on or off, its channel, and how far the device is from it */
    for (int i = 0; i < world_ap_count(w) && n < cap; i++) {
        double ax, ay, az;
        medium_node_position(world_ap_node(w, i), &ax, &ay, &az);
        double dist = sqrt((ax - x) * (ax - x) + (ay - y) * (ay - y) + (az - z) * (az - z));
        n += (size_t)snprintf(reply + n, cap - n, " %s=%s,channel=%d,distance=%.1fm", r->s->aps[i].name,
                              ap_enabled(world_ap(w, i)) ? "on" : "off", medium_node_channel(world_ap_node(w, i)),
                              dist);
    }
    if (n < cap)
        snprintf(reply + n, cap - n, "\n");
}

static const char console_help[] =
    "commands: status | ap reboot [AP] DURATION | ap off [AP] | ap on [AP] | ap passphrase [AP] PASS |\n"
    "  ap power [AP] DBM | ap deauth|disassoc [AP] REASON [DEVICE] | ap refuse [AP] STATUS DURATION |\n"
    "  ap rekey [AP] | ap radius [AP] down|up|slow DELAY | ap spoof-deauth [AP] [REASON] [DEVICE] |\n"
    "  ap radius [AP] cert ok|expired|untrusted | ap radius [AP] revoke|unrevoke CN |\n"
    "  ap radius [AP] password USER NEWPASS | ap radius [AP] remove USER |\n"
    "  ap sae-anti-clogging [AP] [off] | ap downgrade TWIN [off] |\n"
    "  move camera X [Y] [speed M/S] | radio wedge [commands|frames|both] |\n"
    "  dhcp [AP] normal|ignore|nak|silent|empty | cable pull | cable plug |\n"
    "  console DEVICE LINE (a line to the device's serial console; its output is printed as DEVICE> LINE) |\n"
    "  help | quit   (with several APs, AP is required)\n";

/* Values typed at the console go through the scenario parser's own
 * validators (scenario.h, scn_value_*): what a file refuses, the console
 * refuses with the same words. Each returns 0, or -1 with the reply made. */
static int console_number(const char *what, const char *t, double min, double max, const char *unit, double *v,
                          char *reply, size_t cap)
{
    char msg[300];
    if (scn_value_number(t, t, min, max, unit, v, msg, sizeof msg) == 0)
        return 0;
    snprintf(reply, cap, "error: %s: %s\n", what, msg);
    return -1;
}

static int console_duration(const char *what, const char *t, sim_time *v, char *reply, size_t cap)
{
    char msg[300];
    if (scn_value_duration(t, strlen(t), t, 1, "must be > 0", v, msg, sizeof msg) == 0)
        return 0;
    snprintf(reply, cap, "error: %s: %s\n", what, msg);
    return -1;
}

/* A reason or status code at the console: a number 1..65535 or its name
 * (sim/scenario.h). */
static int console_code(char **tok, int n, int i, bool reason, uint16_t *out)
{
    if (i >= n)
        return -1;
    char *end;
    long v = strtol(tok[i], &end, 10);
    if (*end != '\0' || end == tok[i])
        v = reason ? scn_reason_value(tok[i]) : scn_status_code_value(tok[i]);
    if (v < 1 || v > 65535)
        return -1;
    *out = (uint16_t)v;
    return 0;
}

/* console DEVICE LINE: the rest of the line, as typed, to the device's
 * serial console; the reply says whether the device's UART took it. */
static void console_write(struct run *r, const char *rest, char **tok, int n, char *reply, size_t cap)
{
    if (n < 3) {
        snprintf(reply, cap, "error: usage: console DEVICE LINE (e.g. 'console cam status')\n");
        return;
    }
    int d = world_device_index(r->w, tok[1]);
    /* "camera" names the one device of a single-device world, as in `move
     * camera` */
    if (d < 0 && strcmp(tok[1], "camera") == 0 && world_device_count(r->w) == 1)
        d = 0;
    if (d < 0) {
        snprintf(reply, cap, "error: no device named '%s'\n", tok[1]);
        return;
    }
    const char *p = rest;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t len = strlen(p);
    while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    char text[SCN_CONSOLE_LINE], msg[300];
    if (scn_value_console_line(p, len, msg, sizeof msg) != 0) {
        snprintf(reply, cap, "error: console: %s\n", msg);
        return;
    }
    memcpy(text, p, len);
    text[len] = '\0';
    scn_fault f;
    memset(&f, 0, sizeof f);
    f.ap = -1;
    f.kind = SCN_F_CONSOLE;
    f.device = d;
    memcpy(f.console, text, len + 1);
    char what[SCN_CONSOLE_LINE + 64];
    snprintf(what, sizeof what, "written to %s's console: %s", tok[1], text);
    inject(r, &f, reply, cap, what);
}

static void console_exec(struct run *r, const char *line, char *reply, size_t cap)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", line);
    char *tok[12];
    int n = 0;
    for (char *p = strtok(buf, " \t\r\n"); p && n < 12; p = strtok(NULL, " \t\r\n"))
        tok[n++] = p;
    if (n == 0) {
        reply[0] = '\0';
        return;
    }
    scn_fault f;
    memset(&f, 0, sizeof f);
    f.ap = -1;
    char what[160];
    if (strcmp(tok[0], "help") == 0) {
        snprintf(reply, cap, "%s", console_help);
    } else if (strcmp(tok[0], "status") == 0) {
        status_line(r, reply, cap);
    } else if (strcmp(tok[0], "quit") == 0) {
        sim_stop(world_sim(r->w));
        snprintf(reply, cap, "ok: stopping\n");
    } else if (strcmp(tok[0], "ap") == 0 && n >= 2) {
        int i = 2;
        f.ap = 0;
        if (n > 2 && find_ap(r, tok[2]) >= 0) {
            f.ap = find_ap(r, tok[i++]);
        } else if (r->s->naps > 1 || ((strcmp(tok[1], "off") == 0 || strcmp(tok[1], "on") == 0 ||
                                        strcmp(tok[1], "rekey") == 0) && n > 2)) {
            /* With several APs the command must say which (a wrong name
             * must never fall back on the first); with one, a word where
             * none is expected is a wrong name too. */
            char names[256] = "";
            for (int k = 0; k < r->s->naps; k++) {
                size_t len = strlen(names);
                snprintf(names + len, sizeof names - len, "%s%s", k ? ", " : "", r->s->aps[k].name);
            }
            if (n > 2)
                snprintf(reply, cap, "error: no access point named '%s' (there: %s)\n", tok[2], names);
            else
                snprintf(reply, cap, "error: name the access point: ap %s AP ... (there: %s)\n", tok[1], names);
            return;
        }
        const char *apn = r->s->aps[f.ap].name;
        if (strcmp(tok[1], "reboot") == 0) {
            if (i >= n) {
                snprintf(reply, cap, "error: ap reboot needs a duration, e.g. 'ap reboot 20s'\n");
                return;
            }
            if (console_duration("ap reboot", tok[i], &f.duration, reply, cap) != 0)
                return;
            f.kind = SCN_F_AP_REBOOT;
            snprintf(what, sizeof what, "%s reboots for %s", apn, tok[i]);
        } else if (strcmp(tok[1], "off") == 0 || strcmp(tok[1], "on") == 0) {
            f.kind = tok[1][1] == 'f' ? SCN_F_AP_OFF : SCN_F_AP_ON;
            snprintf(what, sizeof what, "%s %s", apn, tok[1]);
        } else if (strcmp(tok[1], "passphrase") == 0) {
            if (i >= n) {
                snprintf(reply, cap, "error: ap passphrase needs the new passphrase (or 'open')\n");
                return;
            }
            f.kind = SCN_F_AP_PASSPHRASE;
            if (strcmp(tok[i], "open") != 0) {
                /* the rest of the line: a passphrase may hold spaces */
                const char *pass = line + (tok[i] - buf);
                size_t len = strlen(pass);
                while (len > 0 && (pass[len - 1] == ' ' || pass[len - 1] == '\t' || pass[len - 1] == '\r'))
                    len--;
                char msg[300];
                if (scn_value_passphrase(pass, len, msg, sizeof msg) != 0) {
                    snprintf(reply, cap, "error: ap passphrase: %s\n", msg);
                    return;
                }
                memcpy(f.passphrase, pass, len);
                f.passphrase[len] = '\0';
            }
            snprintf(what, sizeof what, "%s passphrase changed", apn);
        } else if (strcmp(tok[1], "power") == 0) {
            if (i >= n) {
                snprintf(reply, cap, "error: ap power needs a transmit power in dBm, -10..30\n");
                return;
            }
            if (console_number("ap power", tok[i], SCN_TX_POWER_MIN, SCN_TX_POWER_MAX, " dBm", &f.tx_power_dbm, reply,
                               cap) != 0)
                return;
            f.kind = SCN_F_AP_TX_POWER;
            snprintf(what, sizeof what, "%s transmits at %g dBm", apn, f.tx_power_dbm);
        } else if (strcmp(tok[1], "deauth") == 0 || strcmp(tok[1], "disassoc") == 0) {
            if (console_code(tok, n, i, true, &f.code) != 0) {
                snprintf(reply, cap, "error: ap %s [AP] REASON [DEVICE]: a reason code 1..65535 or its name "
                                     "(inactivity, ap_busy, unspecified, ...)\n", tok[1]);
                return;
            }
            f.kind = tok[1][1] == 'e' ? SCN_F_AP_DEAUTH : SCN_F_AP_DISASSOC;
            f.device = -1;
            if (i + 1 < n && (f.device = world_device_index(r->w, tok[i + 1])) < 0) {
                snprintf(reply, cap, "error: no device named '%s'\n", tok[i + 1]);
                return;
            }
            snprintf(what, sizeof what, "%s sends a %s, reason %u, to %s", apn,
                     f.kind == SCN_F_AP_DEAUTH ? "deauthentication" : "disassociation", f.code,
                     f.device < 0 ? "every station" : tok[i + 1]);
        } else if (strcmp(tok[1], "refuse") == 0) {
            if (console_code(tok, n, i, false, &f.code) != 0 || i + 1 >= n) {
                snprintf(reply, cap, "error: ap refuse [AP] STATUS DURATION: a status code 1..65535 or its name "
                                     "(ap_full, try_later, ...) and how long, e.g. 'ap refuse ap_full 30s'\n");
                return;
            }
            if (console_duration("ap refuse", tok[i + 1], &f.duration, reply, cap) != 0)
                return;
            f.kind = SCN_F_AP_REFUSE;
            snprintf(what, sizeof what, "%s refuses associations with status %u for %s", apn, f.code, tok[i + 1]);
        } else if (strcmp(tok[1], "radius") == 0) {
            if (r->s->aps[f.ap].security != SCN_SEC_WPA2_ENTERPRISE) {
                snprintf(reply, cap, "error: %s is not a wpa2-enterprise AP: it has no RADIUS server\n", apn);
                return;
            }
            if (i < n && strcmp(tok[i], "up") == 0) {
                enterprise_set_down(r->w, f.ap, false);
                enterprise_set_latency(r->w, f.ap, r->s->aps[f.ap].radius.latency);
                snprintf(reply, cap, "ok: %s's RADIUS server answers again\n", apn);
                return;
            } else if (i < n && strcmp(tok[i], "down") == 0) {
                f.kind = SCN_F_RADIUS_DOWN;
                snprintf(what, sizeof what, "%s's RADIUS server is unreachable", apn);
            } else if (i + 1 < n && strcmp(tok[i], "slow") == 0) {
                if (console_duration("ap radius slow", tok[i + 1], &f.delay, reply, cap) != 0)
                    return;
                f.kind = SCN_F_RADIUS_SLOW;
                snprintf(what, sizeof what, "%s's RADIUS replies take %s", apn, tok[i + 1]);
            } else if (i < n && strcmp(tok[i], "cert") == 0) {
                static const char *const certs[] = {"ok", "expired", "untrusted"};
                f.server_cert = -1;
                for (int k = 0; k < 3; k++)
                    if (i + 1 < n && strcmp(tok[i + 1], certs[k]) == 0)
                        f.server_cert = k;
                if (f.server_cert < 0 || i + 2 < n) {
                    snprintf(reply, cap, "error: ap radius [AP] cert ok|expired|untrusted\n");
                    return;
                }
                f.kind = SCN_F_RADIUS_SERVER_CERT;
                snprintf(what, sizeof what, "%s's RADIUS server presents %s certificate", apn,
                         f.server_cert == SCN_CERT_OK ? "a valid" : f.server_cert == SCN_CERT_EXPIRED
                                                                        ? "an expired"
                                                                        : "an untrusted CA's");
            } else if (i < n && (strcmp(tok[i], "revoke") == 0 || strcmp(tok[i], "unrevoke") == 0)) {
                const scn_radius *rad = &r->s->aps[f.ap].radius;
                int k = rad->nclient_certs;
                if (i + 1 < n)
                    for (k = 0; k < rad->nclient_certs && strcmp(rad->client_certs[k].cn, tok[i + 1]) != 0; k++)
                        ;
                if (i + 2 != n || k == rad->nclient_certs) {
                    char cns[300] = "";
                    for (int q = 0; q < rad->nclient_certs; q++) {
                        size_t len = strlen(cns);
                        snprintf(cns + len, sizeof cns - len, "%s%s", q ? ", " : "", rad->client_certs[q].cn);
                    }
                    snprintf(reply, cap, "error: ap radius [AP] %s CN: the CN of a client certificate of %s "
                                         "(there: %s)\n", tok[i], apn, cns[0] ? cns : "none");
                    return;
                }
                f.kind = SCN_F_RADIUS_REVOKE;
                f.revoked = tok[i][0] == 'r';
                snprintf(f.cn, sizeof f.cn, "%s", rad->client_certs[k].cn);
                snprintf(what, sizeof what, "%s's RADIUS server %s %s's certificate", apn,
                         f.revoked ? "revokes" : "accepts again", f.cn);
            } else if (i < n && (strcmp(tok[i], "password") == 0 || strcmp(tok[i], "remove") == 0)) {
                const scn_radius *rad = &r->s->aps[f.ap].radius;
                bool remove = tok[i][1] == 'e';
                int k = rad->nusers;
                if (i + 1 < n)
                    for (k = 0; k < rad->nusers && strcmp(rad->users[k].name, tok[i + 1]) != 0; k++)
                        ;
                const char *pass = NULL;
                size_t len = 0;
                if (!remove && i + 2 < n) {
                    /* the rest of the line: a password may hold spaces */
                    pass = line + (tok[i + 2] - buf);
                    len = strlen(pass);
                    while (len > 0 && (pass[len - 1] == ' ' || pass[len - 1] == '\t' || pass[len - 1] == '\r'))
                        len--;
                }
                bool bad = k == rad->nusers || (remove ? i + 2 != n : pass == NULL || len >= sizeof f.password);
                for (size_t q = 0; !bad && q < len; q++)
                    bad = pass[q] == '"' || pass[q] == '\\' || (unsigned char)pass[q] < 32;
                if (bad) {
                    char users[300] = "";
                    for (int q = 0; q < rad->nusers; q++) {
                        size_t ul = strlen(users);
                        snprintf(users + ul, sizeof users - ul, "%s%s", q ? ", " : "", rad->users[q].name);
                    }
                    snprintf(reply, cap, "error: ap radius [AP] password USER NEWPASS | remove USER: USER one of "
                                         "%s's RADIUS users (there: %s); NEWPASS 1..63 bytes, no quote, backslash "
                                         "or control character\n", apn, users[0] ? users : "none");
                    return;
                }
                f.kind = SCN_F_RADIUS_USER;
                f.removed = remove;
                snprintf(f.user, sizeof f.user, "%s", rad->users[k].name);
                if (!remove) {
                    memcpy(f.password, pass, len);
                    f.password[len] = '\0';
                }
                snprintf(what, sizeof what, "%s's RADIUS server %s %s", apn,
                         remove ? "no longer knows" : "has a new password for", f.user);
            } else {
                snprintf(reply, cap, "error: ap radius [AP] down|up|slow DELAY|cert ok|expired|untrusted|"
                                     "revoke CN|unrevoke CN|password USER NEWPASS|remove USER\n");
                return;
            }
        } else if (strcmp(tok[1], "downgrade") == 0) {
            bool genuine = false;
            for (int k = 0; k < r->s->naps; k++)
                genuine |= k != f.ap && r->s->aps[k].security == SCN_SEC_WPA3_TRANSITION &&
                           strcmp(r->s->aps[k].ssid, r->s->aps[f.ap].ssid) == 0;
            if (!genuine || r->s->aps[f.ap].passphrase[0] == '\0' || r->s->aps[f.ap].security > SCN_SEC_WPA2) {
                snprintf(reply, cap, "error: ap downgrade TWIN: a wpa2 AP with the SSID of a wpa3-transition AP\n");
                return;
            }
            if (i < n && strcmp(tok[i], "off") == 0) {
                downgrade(r, &f, false);
                snprintf(reply, cap, "ok: %s off, the transition network back\n", apn);
                return;
            }
            f.kind = SCN_F_DOWNGRADE;
            snprintf(what, sizeof what, "%s (WPA2 only) replaces the transition network %s", apn,
                     r->s->aps[f.ap].ssid);
        } else if (strcmp(tok[1], "sae-anti-clogging") == 0) {
            if (r->s->aps[f.ap].security != SCN_SEC_WPA3 && r->s->aps[f.ap].security != SCN_SEC_WPA3_TRANSITION) {
                snprintf(reply, cap, "error: %s does not offer SAE\n", apn);
                return;
            }
            if (i < n && strcmp(tok[i], "off") == 0) {
                ap_set_sae_anti_clogging(world_ap(r->w, f.ap), false);
                snprintf(reply, cap, "ok: %s asks for tokens only beyond its threshold again\n", apn);
                return;
            }
            f.kind = SCN_F_SAE_ANTI_CLOGGING;
            snprintf(what, sizeof what, "%s asks every SAE Commit for an anti-clogging token", apn);
        } else if (strcmp(tok[1], "spoof-deauth") == 0) {
            f.kind = SCN_F_SPOOFED_DEAUTH;
            f.code = 7;
            f.device = -1;
            if (i < n && world_device_index(r->w, tok[i]) < 0 && console_code(tok, n, i, true, &f.code) != 0) {
                snprintf(reply, cap, "error: ap spoof-deauth [AP] [REASON] [DEVICE]\n");
                return;
            }
            if (i < n && world_device_index(r->w, tok[i]) < 0)
                i++; /* the reason */
            if (i < n && (f.device = world_device_index(r->w, tok[i])) < 0) {
                snprintf(reply, cap, "error: no device named '%s'\n", tok[i]);
                return;
            }
            snprintf(what, sizeof what, "a forged deauthentication from %s's address, reason %u, to %s", apn, f.code,
                     f.device < 0 ? "broadcast" : tok[i]);
        } else if (strcmp(tok[1], "rekey") == 0) {
            if (ap_gtk_rekey(world_ap(r->w, f.ap)) != SIM_OK)
                snprintf(reply, cap, "error: %s has no group key to rekey (open network, or off)\n", apn);
            else
                snprintf(reply, cap, "ok: %s rekeys its group key\n", apn);
            return;
        } else {
            snprintf(reply, cap, "error: unknown ap command '%s' (reboot, off, on, passphrase, power, deauth, "
                                 "disassoc, refuse, rekey, radius, spoof-deauth, sae-anti-clogging, downgrade)\n", tok[1]);
            return;
        }
        inject(r, &f, reply, cap, what);
    } else if (strcmp(tok[0], "move") == 0) {
        if (n < 3 || strcmp(tok[1], "camera") != 0) {
            snprintf(reply, cap, "error: usage: move camera X [Y] [speed M/S] (metres)\n");
            return;
        }
        if (console_number("move: X", tok[2], -SCN_POS_MAX, SCN_POS_MAX, " m", &f.to.x, reply, cap) != 0)
            return;
        int i = 3;
        if (i < n && strcmp(tok[i], "speed") != 0 &&
            console_number("move: Y", tok[i++], -SCN_POS_MAX, SCN_POS_MAX, " m", &f.to.y, reply, cap) != 0)
            return;
        if (i < n && (strcmp(tok[i], "speed") != 0 || i + 1 >= n)) {
            snprintf(reply, cap, "error: usage: move camera X [Y] [speed M/S] (metres)\n");
            return;
        }
        if (i < n && console_number("move: speed", tok[i + 1], 0, SCN_SPEED_MAX, " m/s; 0 = jump", &f.speed, reply,
                                    cap) != 0)
            return;
        f.kind = SCN_F_MOVE_DEVICE;
        snprintf(what, sizeof what, "camera moves to (%g, %g)%s", f.to.x, f.to.y, f.speed > 0 ? " walking" : "");
        inject(r, &f, reply, cap, what);
    } else if (strcmp(tok[0], "console") == 0) {
        /* the text after the device's name, as typed (spaces kept) */
        console_write(r, n >= 2 ? line + (tok[1] - buf) + strlen(tok[1]) : "", tok, n, reply, cap);
    } else if (strcmp(tok[0], "radio") == 0 && n >= 2 && strcmp(tok[1], "wedge") == 0) {
        f.kind = SCN_F_RADIO_WEDGE;
        f.wedge_mode = SCN_WEDGE_BOTH;
        if (n >= 3) {
            if (strcmp(tok[2], "commands") == 0)
                f.wedge_mode = SCN_WEDGE_COMMANDS;
            else if (strcmp(tok[2], "frames") == 0)
                f.wedge_mode = SCN_WEDGE_FRAMES;
            else if (strcmp(tok[2], "both") != 0) {
                snprintf(reply, cap, "error: radio wedge takes commands, frames or both\n");
                return;
            }
        }
        inject(r, &f, reply, cap, "the radio is wedged until a power cycle");
    } else if (strcmp(tok[0], "dhcp") == 0 && n >= 2) {
        int i = 1;
        f.ap = 0;
        if (n > 2 && find_ap(r, tok[1]) >= 0)
            f.ap = find_ap(r, tok[i++]);
        static const char *const modes[] = {"normal", "ignore", "nak", "silent", "empty"};
        int m = -1;
        for (int k = 0; k < 5; k++)
            if (i < n && strcmp(tok[i], modes[k]) == 0)
                m = k;
        if (m < 0) {
            snprintf(reply, cap, "error: dhcp takes normal, ignore, nak, silent or empty\n");
            return;
        }
        f.kind = SCN_F_DHCP;
        f.dhcp_mode = (scn_dhcp_mode)m;
        snprintf(what, sizeof what, "%s DHCP server: %s", r->s->aps[f.ap].name, modes[m]);
        inject(r, &f, reply, cap, what);
    } else if (strcmp(tok[0], "cable") == 0 && n == 2 &&
               (strcmp(tok[1], "pull") == 0 || strcmp(tok[1], "plug") == 0)) {
        if (world_ethphy(r->w) == NULL) {
            snprintf(reply, cap, "error: this device has no Ethernet port (device.lan in the scenario)\n");
            return;
        }
        ethphy_set_cable(world_ethphy(r->w), tok[1][1] == 'l' && tok[1][2] == 'u');
        snprintf(reply, cap, "ok: cable %s\n", tok[1][1] == 'u' ? "pulled" : "plugged");
    } else {
        snprintf(reply, cap, "error: unknown command '%s' (try 'help')\n", tok[0]);
    }
}

static void peer_reply(struct console_peer *p, int out_fd, FILE *out, const char *reply)
{
    (void)p;
    if (reply[0] == '\0')
        return;
    if (out) {
        fputs(reply, out);
        fflush(out);
    } else {
        (void)!write(out_fd, reply, strlen(reply));
    }
}

/* Reads what is there without blocking and runs every complete line. A line
 * longer than the buffer is refused whole: its bytes are dropped up to and
 * including its '\n', so no tail of it ever runs as a command. */
static void serve_peer(struct run *r, struct console_peer *p, int out_fd, FILE *out)
{
    for (;;) {
        ssize_t n = read(p->fd, p->buf + p->len, sizeof p->buf - 1 - p->len);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            if (p != &r->in)
                close(p->fd);
            p->fd = -1;
            return;
        }
        if (n < 0)
            return;
        p->len += (size_t)n;
        char *nl;
        while ((nl = memchr(p->buf, '\n', p->len)) != NULL) {
            *nl = '\0';
            char reply[1024];
            if (p->overlong) {
                p->overlong = false; /* the refused line ends here */
                reply[0] = '\0';
            } else {
                console_exec(r, p->buf, reply, sizeof reply);
            }
            peer_reply(p, out_fd, out, reply);
            size_t used = (size_t)(nl - p->buf) + 1;
            memmove(p->buf, p->buf + used, p->len - used);
            p->len -= used;
        }
        if (p->len == sizeof p->buf - 1) {
            if (!p->overlong) {
                char reply[160];
                snprintf(reply, sizeof reply, "error: line too long (at most %zu characters): refused\n",
                         sizeof p->buf - 2);
                peer_reply(p, out_fd, out, reply);
            }
            p->overlong = true;
            p->len = 0;
        }
    }
}

static void console_poll(void *arg)
{
    struct run *r = arg;
    if (r->o->stop != NULL && *r->o->stop) {
        sim_stop(world_sim(r->w));
        return;
    }
    if (r->in.fd >= 0)
        serve_peer(r, &r->in, -1, r->o->console_out ? r->o->console_out : stdout);
    if (r->listen_fd >= 0) {
        int c;
        while ((c = accept(r->listen_fd, NULL, NULL)) >= 0) {
            int placed = 0;
            for (int i = 0; i < CONSOLE_CLIENTS && !placed; i++) {
                if (r->peers[i].fd < 0) {
                    fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
                    r->peers[i] = (struct console_peer){.fd = c};
                    placed = 1;
                }
            }
            if (!placed)
                close(c);
        }
    }
    for (int i = 0; i < CONSOLE_CLIENTS; i++)
        if (r->peers[i].fd >= 0)
            serve_peer(r, &r->peers[i], r->peers[i].fd, NULL);
}

static int console_open_socket(struct run *r, const char *path, sim_err *err)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path)
        return sim_err_set(err, SIM_EINVAL, "console socket path too long: %s", path);
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4) != 0) {
        if (fd >= 0)
            close(fd);
        return sim_err_set(err, SIM_EIO, "cannot listen on %s: %s", path, strerror(errno));
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    r->listen_fd = fd;
    return SIM_OK;
}

/* ---- the devices' consoles ---- */

/* Every console line, in and out, into the device's console.log (and, live,
 * the device's output to the console's reader). */
static void console_line_cb(void *ctx, board *b, bool out, const char *line)
{
    struct run *r = ctx;
    sim_time t = sim_now(world_sim(r->w));
    for (int i = 0; i < world_device_count(r->w); i++) {
        if (world_device_board(r->w, i) != b)
            continue;
        if (r->conlog[i] != NULL)
            fprintf(r->conlog[i], "%lld.%03lld %s %s\n", (long long)(t / SIM_SEC(1)),
                    (long long)(t % SIM_SEC(1) / SIM_MS(1)), out ? "out" : "in ", line);
        if (out && r->o->live && r->o->console_out != NULL) {
            fprintf(r->o->console_out, "%s> %s\n", board_name(b), line);
            fflush(r->o->console_out);
        }
    }
}

/* OUT/<name>/console.log for one device, console-DEVICE.log for each of
 * several: "SECONDS.MS in|out LINE" per line (README, "The console"). */
static int console_logs_open(struct run *r, const char *dir, sim_err *err)
{
    int n = world_device_count(r->w);
    for (int i = 0; i < n; i++) {
        board *b = world_device_board(r->w, i);
        char path[1200];
        if (n == 1)
            snprintf(path, sizeof path, "%s/console.log", dir);
        else
            snprintf(path, sizeof path, "%s/console-%s.log", dir, board_name(b));
        r->conlog[i] = fopen(path, "w");
        if (r->conlog[i] == NULL)
            return sim_err_set(err, SIM_EIO, "cannot write %s: %s", path, strerror(errno));
        board_console_set_sink(b, console_line_cb, r);
    }
    return SIM_OK;
}

static void console_logs_close(struct run *r)
{
    for (int i = 0; i < SCN_MAX_DEVICES; i++) {
        if (r->conlog[i] != NULL)
            fclose(r->conlog[i]);
        r->conlog[i] = NULL;
    }
}

/* ---- building the world from the scenario ---- */

int runner_make_dirs(const char *path, sim_err *err)
{
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return sim_err_set(err, SIM_EINVAL, "output path too long: %s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return sim_err_set(err, SIM_EIO, "cannot create folder %s: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return sim_err_set(err, SIM_EIO, "cannot create folder %s: %s", buf, strerror(errno));
    return SIM_OK;
}

/* The scenario's services (scenario.h), other than the sink (the uplink
 * makes that one from its configuration), into the world's uplink; then
 * every device's settings NAME.ip and NAME.port for each, and sink.ip and
 * sink.port. */
static int runner_services(world *w, const scenario *s, sim_err *err)
{
    static const uplink_service_kind kinds[] = {
        [SCN_S_SINK] = UPLINK_SERVICE_SINK,         [SCN_S_TCP_ECHO] = UPLINK_SERVICE_ECHO,
        [SCN_S_TCP_GREETER] = UPLINK_SERVICE_GREETER, [SCN_S_UDP_ECHO] = UPLINK_SERVICE_UDP_ECHO,
        [SCN_S_DNS] = UPLINK_SERVICE_DNS,           [SCN_S_NTP] = UPLINK_SERVICE_NTP,
    };
    int rc = SIM_OK;
    for (int i = 0; rc == SIM_OK && i < s->nservices; i++) {
        const scn_service *sv = &s->services[i];
        if (sv->kind == SCN_S_SINK)
            continue;
        svc_greeter_rule rules[SCN_MAX_GREETER_RULES];
        svc_dns_entry names[SCN_MAX_DNS_NAMES];
        for (int k = 0; k < sv->nrules; k++)
            rules[k] = (svc_greeter_rule){.expect = sv->rules[k].expect, .reply = sv->rules[k].reply};
        for (int k = 0; k < sv->nnames; k++)
            names[k] = (svc_dns_entry){.name = sv->names[k].name, .ip = sv->names[k].ip};
        uplink_service_config c = {.name = sv->name, .kind = kinds[sv->kind], .ip = sv->ip, .port = sv->port,
                                   .greeting = sv->greeting, .rules = rules, .nrules = (size_t)sv->nrules,
                                   .names = names, .nnames = (size_t)sv->nnames, .epoch_s = sv->epoch_s};
        rc = uplink_add_service_ex(world_uplink(w), &c, err);
    }
    for (int d = 0; rc == SIM_OK && d < world_device_count(w); d++) {
        board *b = world_device_board(w, d);
        for (int i = 0; rc == SIM_OK && i < s->nservices; i++) {
            const scn_service *sv = &s->services[i];
            char key[48], v[24];
            snprintf(v, sizeof v, "%u.%u.%u.%u", (unsigned)(sv->ip >> 24), (unsigned)(sv->ip >> 16 & 255),
                     (unsigned)(sv->ip >> 8 & 255), (unsigned)(sv->ip & 255));
            snprintf(key, sizeof key, "%s.ip", sv->name);
            rc = board_config_set(b, key, v, err);
            if (rc == SIM_OK && sv->kind == SCN_S_SINK)
                rc = board_config_set(b, "sink.ip", v, err);
            snprintf(v, sizeof v, "%u", (unsigned)sv->port);
            snprintf(key, sizeof key, "%s.port", sv->name);
            if (rc == SIM_OK)
                rc = board_config_set(b, key, v, err);
            if (rc == SIM_OK && sv->kind == SCN_S_SINK)
                rc = board_config_set(b, "sink.port", v, err);
        }
    }
    return rc;
}

/* The scenario's sink, for the uplink's configuration. */
static const scn_service *runner_sink(const scenario *s)
{
    for (int i = 0; i < s->nservices; i++)
        if (s->services[i].kind == SCN_S_SINK)
            return &s->services[i];
    return NULL;
}

int runner_sink_settings(world *w, sim_err *err)
{
    uint32_t ip;
    uint16_t port;
    if (world_uplink(w) == NULL || uplink_sink_address(world_uplink(w), &ip, &port) != SIM_OK)
        return sim_err_set(err, SIM_EINVAL, "the world has no sink to upload to");
    char v[24];
    snprintf(v, sizeof v, "%u.%u.%u.%u", (unsigned)(ip >> 24), (unsigned)(ip >> 16 & 255), (unsigned)(ip >> 8 & 255),
             (unsigned)(ip & 255));
    int rc = board_config_set(world_board(w), "sink.ip", v, err);
    snprintf(v, sizeof v, "%u", (unsigned)port);
    return rc == SIM_OK ? board_config_set(world_board(w), "sink.port", v, err) : rc;
}

static int set_ms(board *b, const char *key, sim_time t, sim_err *err)
{
    char v[32];
    snprintf(v, sizeof v, "%" PRId64, t / SIM_MS(1));
    return board_config_set(b, key, v, err);
}

static const char *split_set(const char *set, char *key, size_t cap);

/* The devices of a scenario, not counting its client stations. */
static int runner_device_count(const scenario *s)
{
    int n = 0;
    for (int i = 0; i < s->ndevices; i++)
        n += !s->devices[i].client;
    return n;
}

static int apply_settings(const scenario *s, const runner_opts *o, int dev, board *b, sim_err *err)
{
    int rc = board_config_set(b, "wlan.ssid", s->fw_ssid, err);
    if (rc == SIM_OK)
        rc = board_config_set(b, "wlan.key", s->fw_key, err);
    if (rc == SIM_OK)
        rc = set_ms(b, "lm.connect_timeout_ms", s->connect_timeout, err);
    if (rc == SIM_OK)
        rc = set_ms(b, "lm.attempt_timeout_ms", s->attempt_timeout, err);
    if (rc == SIM_OK) {
        char v[SCN_MAX_BACKOFF * 12] = "";
        size_t len = 0;
        for (int i = 0; i < s->nbackoff; i++)
            len += (size_t)snprintf(v + len, sizeof v - len, "%s%" PRId64, i ? "," : "", s->backoff[i] / SIM_MS(1));
        rc = board_config_set(b, "lm.backoff_ms", v, err);
    }
    if (rc == SIM_OK)
        rc = board_config_set(b, "lm.power_cycle", s->power_cycle ? "1" : "0", err);
    if (rc == SIM_OK)
        rc = set_ms(b, "camera.period_ms", s->frame_period, err);
    if (rc == SIM_OK) {
        char v[32];
        snprintf(v, sizeof v, "%u", s->frame_bytes);
        rc = board_config_set(b, "camera.frame_bytes", v, err);
    }
    /* A device with a wired interface uses it: that is what the scenario
     * wants to exercise. */
    if (rc == SIM_OK && s->devices[dev].lan)
        rc = board_config_set(b, "camera.interface", "lan", err);
    /* The device's own settings, checked against what its image declares
     * (as --set is), then --set. */
    const linkrig_image *img = board_image(b);
    for (int i = 0; rc == SIM_OK && i < s->devices[dev].nsettings; i++) {
        const char *key = s->devices[dev].settings[i].key, *val = s->devices[dev].settings[i].value;
        sim_err chk;
        if (img != NULL && fwimage_check_setting(img, key, val, &chk) == SIM_EINVAL)
            return sim_err_set(err, SIM_EINVAL, "%s:%d: world.devices[%s].settings: %s", s->path,
                               s->devices[dev].line, s->devices[dev].name, chk.msg);
        rc = board_config_set(b, key, val, err);
    }
    for (int i = 0; rc == SIM_OK && i < o->nsets; i++) {
        char key[128];
        const char *val = split_set(o->sets[i], key, sizeof key);
        if (val == NULL)
            return sim_err_set(err, SIM_EINVAL, "--set %s: expected KEY=VALUE (key of at most %zu characters)",
                               o->sets[i], sizeof key - 1);
        /* Checked for the whole run already (check_sets): a device whose
         * image declares settings but not this one does not get it. */
        if (img != NULL && img->settings != NULL && img->settings[0].key != NULL && fwimage_setting(img, key) == NULL)
            continue;
        rc = board_config_set(b, key, val, err);
    }
    return rc;
}

/* "KEY=VALUE": the value, with KEY copied out; NULL when malformed. */
static const char *split_set(const char *set, char *key, size_t cap)
{
    const char *eq = strchr(set, '=');
    if (eq == NULL || eq == set || (size_t)(eq - set) >= cap)
        return NULL;
    memcpy(key, set, (size_t)(eq - set));
    key[eq - set] = '\0';
    return eq + 1;
}

/* Every --set against the images of the run: refused when an image that
 * declares the key gets a value of the wrong type, or when images declare
 * settings and none of them knows the key; a warning when no image
 * declares anything (nothing can be checked). */
static int check_sets(const runner_opts *o, world *w, sim_err *err)
{
    for (int i = 0; i < o->nsets; i++) {
        char key[128];
        const char *val = split_set(o->sets[i], key, sizeof key);
        if (val == NULL)
            return sim_err_set(err, SIM_EINVAL, "--set %s: expected KEY=VALUE (key of at most %zu characters)",
                               o->sets[i], sizeof key - 1);
        bool known = false, declared = false;
        sim_err first = {0};
        for (int d = 0; d < world_device_count(w); d++) {
            const linkrig_image *img = board_image(world_device_board(w, d));
            if (img == NULL || img->settings == NULL || img->settings[0].key == NULL)
                continue;
            declared = true;
            sim_err chk;
            int rc = fwimage_check_setting(img, key, val, &chk);
            if (rc == SIM_OK)
                known = true;
            else if (fwimage_setting(img, key) != NULL)
                return sim_err_set(err, SIM_EINVAL, "--set %s: %s", o->sets[i], chk.msg);
            else if (first.msg[0] == '\0')
                first = chk;
        }
        if (declared && !known)
            return sim_err_set(err, SIM_EINVAL, "--set %s: %s", o->sets[i], first.msg);
        if (!declared && o->log_level <= SIM_LOG_WARN) /* --quiet: errors only */
            fprintf(stderr, "linkrig: warning: --set %s: the firmware image declares no settings, so the key "
                            "cannot be checked\n",
                    o->sets[i]);
    }
    return SIM_OK;
}

/* The images a run loaded, one fwimage per distinct path. */
struct images {
    fwimage *f[SCN_MAX_DEVICES];
    int n;
};

static const linkrig_image *images_instance(struct images *im, const char *path, sim_err *err)
{
    for (int i = 0; i < im->n; i++)
        if (strcmp(fwimage_path(im->f[i]), path) == 0)
            return fwimage_instantiate(im->f[i], err);
    fwimage *f = fwimage_open(path, err);
    if (f == NULL)
        return NULL;
    im->f[im->n++] = f;
    return fwimage_instantiate(f, err);
}

static void images_close(struct images *im)
{
    for (int i = 0; i < im->n; i++)
        fwimage_close(im->f[i]);
    im->n = 0;
}

void runner_opts_default(runner_opts *o)
{
    memset(o, 0, sizeof *o);
    o->out_dir = "out";
    o->log_level = SIM_LOG_WARN;
    o->watchdog_ms = 10000;
    o->console_in = -1;
    o->sample_period = SIM_SEC(1);
}
/* One "sample" event per device: where it is and what it would hear of each
 * AP. The mean RSSI (no shadowing draw) so sampling takes nothing from the
 * random streams and a run with samples makes the same decisions as one
 * without. An AP that is off has no signal: its field is left out, which a
 * plot shows as a gap. */
static void sample_cb(void *arg)
{
    struct run *r = arg;
    world *w = r->w;
    sim_trace *tr = sim_trace_of(world_sim(w));
    if (!r->sample_names) {
        for (int d = 0; d < world_device_count(w) && d < SCN_MAX_DEVICES; d++)
            snprintf(r->sample_comp[d], sizeof r->sample_comp[d], "%s.radio", r->s->devices[d].name);
        for (int i = 0; i < r->s->naps && i < SCN_MAX_APS; i++) {
            snprintf(r->sample_rssi[i], sizeof r->sample_rssi[i], "rssi_%s", r->s->aps[i].name);
            snprintf(r->sample_snr[i], sizeof r->sample_snr[i], "snr_%s", r->s->aps[i].name);
        }
        r->sample_names = true;
    }
    for (int d = 0; d < world_device_count(w); d++) {
        char comp[48];
        if (d < SCN_MAX_DEVICES)
            memcpy(comp, r->sample_comp[d], sizeof comp);
        else
            snprintf(comp, sizeof comp, "%s.radio", r->s->devices[d].name);
        sim_trace_rec *t = sim_trace_begin(tr, SIM_LOG_DEBUG, comp, "sample");
        if (t == NULL)
            return;
        const medium_node *dn = world_device_node(w, d);
        double x, y, z;
        medium_node_position(dn, &x, &y, &z);
        /* millimetres: the trace carries integers, and a walk moves smoothly */
        sim_trace_int(t, "x_mm", (int64_t)llround(x * 1000.0));
        sim_trace_int(t, "y_mm", (int64_t)llround(y * 1000.0));
        for (int i = 0; i < world_ap_count(w) && i < r->s->naps; i++) {
            if (!ap_enabled(world_ap(w, i)))
                continue;
            double rssi = medium_mean_rssi(world_ap_node(w, i), dn);
            /* tenths of a dB: whole dB would hide a slow walk's slope */
            sim_trace_int(t, r->sample_rssi[i], (int64_t)llround(rssi * 10.0));
            sim_trace_int(t, r->sample_snr[i], (int64_t)llround((rssi - r->noise_floor) * 10.0));
        }
        sim_trace_end(t);
    }
}

/* The resident set size in kB, from the second field of /proc/self/statm
 * (pages), as proc(5) defines it; -1 when it cannot be read. */
static long long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL)
        return -1;
    long long size, resident;
    int n = fscanf(f, "%lld %lld", &size, &resident);
    fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    return n == 2 && page > 0 ? resident * (page / 1024) : -1;
}

static void mem_cb(void *arg)
{
    struct run *r = arg;
    if (r->mem == NULL || r->mem_errno != 0)
        return;
    /* The live heap beside RSS: RSS also counts pages the allocator keeps
     * after a free and stack pages a deeper call once touched, which stay
     * resident without being held; the live heap is what the rig holds. */
    struct mallinfo2 mi = mallinfo2();
    if (fprintf(r->mem, "%" PRId64 "\t%lld\t%zu\n", (int64_t)sim_now(world_sim(r->w)), rss_kb(), (mi.uordblks + mi.hblkhd) / 1024) < 0 ||
        fflush(r->mem) != 0)
        r->mem_errno = errno ? errno : EIO;
}

/* Records an output's failure (the first one counts) and fails the run. */
static void output_failed(runner_result *out, const char *msg)
{
    if (out->output_error[0] == '\0')
        snprintf(out->output_error, sizeof out->output_error, "%s", msg);
    out->passed = false;
}

/* A JSON string, escaped as the trace escapes: the result file is read by
 * the same parser (sim/report.c). */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* OUTDIR/<name>/result.jsonl: the verdict in the trace's own format (flat
 * JSON objects, one a line; docs/trace-schema.md), so `linkrig report` and
 * `timeline` need no second parser and never re-judge a run. Written by the
 * child that ran the scenario, while the verdicts still exist. */
static void write_device_line(FILE *f, const runner_dev_summary *ds)
{
    fputs("{\"kind\":\"device\",\"dev\":", f);
    json_str(f, ds->name);
    fprintf(f,
            ",\"first_link\":%" PRId64 ",\"first_delivery\":%" PRId64 ",\"drops\":%lld,\"unrecovered\":%lld,"
            "\"down_longest\":%" PRId64 ",\"down_median\":%" PRId64 ",\"longest_gap\":%" PRId64
            ",\"availability_ppm\":%lld,\"attempts\":%lld,\"power_cycles\":%lld,\"uploads\":%lld,"
            "\"bytes\":%" PRIu64 "}\n",
            (int64_t)ds->first_link, (int64_t)ds->first_delivery, ds->drops_total, ds->drops_unrecovered,
            (int64_t)ds->down_longest, (int64_t)ds->down_median, (int64_t)ds->longest_gap,
            (long long)llround(ds->availability * 1e6), ds->attempts, ds->power_cycles, ds->uploads,
            ds->sink_bytes);
}

static void dev_summary_fill(verdict *v, const verdict_refs *refs, const char *name, runner_result *scratch,
                             runner_dev_summary *ds);

static int write_result_file(const char *dir, const runner_result *out, const struct run *r,
                             const verdict_refs *refs, sim_err *err)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/result.jsonl", dir);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return sim_err_set(err, SIM_EIO, "cannot create %s: %s", path, strerror(errno));
    fprintf(f, "{\"kind\":\"result\",\"schema\":%d,\"name\":", RUNNER_TRACE_SCHEMA);
    json_str(f, out->name);
    fprintf(f, ",\"passed\":%s,\"seed\":%" PRIu64 ",\"end\":%" PRId64 ",\"failure\":", out->passed ? "true" : "false",
            out->seed, (int64_t)out->virtual_end);
    json_str(f, out->failure);
    fprintf(f,
            ",\"first_link\":%" PRId64 ",\"first_delivery\":%" PRId64 ",\"drops\":%lld,\"unrecovered\":%lld,"
            "\"down_longest\":%" PRId64 ",\"down_median\":%" PRId64 ",\"longest_gap\":%" PRId64
            ",\"availability_ppm\":%lld,\"attempts\":%lld,\"power_cycles\":%lld,\"uploads\":%lld,"
            "\"bytes\":%" PRIu64,
            (int64_t)out->first_link, (int64_t)out->first_delivery, out->drops_total, out->drops_unrecovered,
            (int64_t)out->down_longest, (int64_t)out->down_median, (int64_t)out->longest_gap,
            (long long)llround(out->availability * 1e6), out->attempts, out->power_cycles, out->uploads,
            out->sink_bytes);
    if (out->ndevs > 0) { /* whose figures these are */
        fputs(",\"dev\":", f);
        json_str(f, out->devs[0].name);
    }
    fputs("}\n", f);
    /* each device's own figures (docs/trace-schema.md): the result line's
     * are the first device's; past the summaries runner_result keeps
     * (RUNNER_MAX_DEV_SUMMARIES), worked out here from the verdicts */
    for (int d = 0; d < out->ndevs; d++)
        write_device_line(f, &out->devs[d]);
    if (out->ndevs_total > out->ndevs) {
        runner_result *m = malloc(sizeof *m);
        runner_dev_summary *ds = malloc(sizeof *ds);
        if (m == NULL || ds == NULL)
            abort(); /* a result file short of devices would mislead */
        int seen = 0;
        for (int d = 0; d < r->ndev; d++) {
            if (r->s->devices[d].client || seen++ < out->ndevs)
                continue;
            dev_summary_fill(r->v[d], refs, r->s->devices[d].name, m, ds);
            write_device_line(f, ds);
        }
        free(m);
        free(ds);
    }
    for (int i = 0; i < out->nchecks; i++) {
        fputs("{\"kind\":\"check\",\"name\":", f);
        json_str(f, out->checks[i].name);
        fprintf(f, ",\"ok\":%s,%s\"message\":", out->checks[i].ok ? "true" : "false",
                out->checks[i].not_reached ? "\"not_reached\":true," : "");
        json_str(f, out->checks[i].message);
        fputs("}\n", f);
    }
    for (int d = 0; d < r->ndev; d++) {
        sim_time from, to;
        for (size_t i = 0; verdict_online_span(r->v[d], i, &from, &to); i++) {
            fputs("{\"kind\":\"online\",\"dev\":", f);
            json_str(f, r->s->devices[d].name);
            fprintf(f, ",\"from\":%" PRId64 ",\"to\":%" PRId64 "}\n", (int64_t)from,
                    (int64_t)(to < 0 ? out->virtual_end : to));
        }
    }
    int e = fflush(f) != 0 || ferror(f) ? errno : 0;
    if (fclose(f) != 0 && e == 0)
        e = errno;
    if (e != 0)
        return sim_err_set(err, SIM_EIO, "writing %s failed: %s", path, strerror(e));
    return SIM_OK;
}

/* When expectation e can be judged at the earliest (a live run stopped
 * before then reports it "not reached", not failed): a window after a
 * timeline entry ends with its last started occurrence's start (or its
 * due time when none started) plus the window; a window from the start,
 * with the window; associated_with at its time; a count that must be
 * reached, with the scenario's duration. A bound that was broken (an
 * outage too long, a status that must never show, too many drops) is
 * broken whenever the run stops: 0. */
static sim_time expect_due(const scn_expect *e, const struct run *r, const scenario *s)
{
    switch (e->kind) {
    case SCN_E_MAX_OUTAGE:
    case SCN_E_STATUS_NEVER:
    case SCN_E_DROPS:
    case SCN_E_CONNECTIONS:
    case SCN_E_DELIVERY_GAP_MAX:
        return 0;
    case SCN_E_ASSOCIATED_WITH:
        if (e->at >= 0)
            return e->at;
        break;
    default:
        break;
    }
    if (e->within > 0) {
        sim_time from = 0;
        if (e->after >= 0 && e->after < s->nfaults) {
            const struct fault_ev *fe = &r->faults[e->after];
            from = fe->nocc > 0 ? fe->occ[fe->nocc - 1].start : fe->at0;
        }
        return from + e->within;
    }
    return s->duration;
}

/* A PMK from SAE or EAP cannot be derived from anything in the scenario:
 * the chip's is given with the verdict, so a capture can be decrypted. */
static void runner_pmks(const scenario *s, world *w, runner_result *out)
{
    bool wanted = false;
    for (int i = 0; i < s->naps; i++)
        wanted |= s->aps[i].security == SCN_SEC_WPA3 || s->aps[i].security == SCN_SEC_WPA3_TRANSITION ||
                  s->aps[i].security == SCN_SEC_WPA2_ENTERPRISE;
    for (int d = 0; wanted && d < s->ndevices && out->npmks < 8; d++) {
        uint8_t pmk[32];
        if (s->devices[d].client || radio_pmk(world_device_radio(w, d), pmk) != RADIO_OK)
            continue;
        char *o = out->pmks[out->npmks++];
        for (int k = 0; k < 32; k++)
            snprintf(o + 2 * k, 3, "%02x", pmk[k]);
        snprintf(o + 64, sizeof out->pmks[0] - 64, " %s", s->devices[d].name);
    }
}

/* The recovery figures of each device (not of the clients, which are the
 * scenario's instruments): devs[] for each, and the top level for the
 * first, as a one-device world always had them. */
static void runner_dev_summaries(const scenario *s, verdict *const *v, int ndev, const verdict_refs *refs,
                                 runner_result *out)
{
    runner_result *m = malloc(sizeof *m);
    if (m == NULL)
        abort(); /* a summary without its figures would mislead */
    bool first = true;
    for (int d = 0; d < ndev; d++) {
        if (s->devices[d].client)
            continue;
        if (first) {
            verdict_metrics(v[d], refs, out);
            first = false;
        }
        out->ndevs_total++;
        if (out->ndevs == RUNNER_MAX_DEV_SUMMARIES)
            continue;
        dev_summary_fill(v[d], refs, s->devices[d].name, m, &out->devs[out->ndevs++]);
    }
    if (first && ndev > 0) /* clients only: the figures are the first's, as they always were */
        verdict_metrics(v[0], refs, out);
    free(m);
}

/* One device's figures, by way of a whole runner_result (scratch). */
static void dev_summary_fill(verdict *v, const verdict_refs *refs, const char *name, runner_result *scratch,
                             runner_dev_summary *ds)
{
    runner_result *m = scratch; /* verdict_metrics sets every figure it gives */
    memset(ds, 0, sizeof *ds);
    verdict_metrics(v, refs, m);
    snprintf(ds->name, sizeof ds->name, "%s", name);
    ds->first_link = m->first_link;
    ds->ndrops = m->ndrops < RUNNER_DEV_DROPS ? m->ndrops : RUNNER_DEV_DROPS;
    for (int i = 0; i < ds->ndrops; i++) {
        ds->drop_at[i] = m->drop_at[i];
        ds->drop_react[i] = m->drop_react[i];
        ds->drop_down[i] = m->drop_down[i];
        ds->detect[i] = m->detect[i];
        ds->recover[i] = m->recover[i];
        memcpy(ds->drop_fault[i], m->drop_fault[i], sizeof ds->drop_fault[i]);
        memcpy(ds->drop_cause[i], m->drop_cause[i], sizeof ds->drop_cause[i]);
    }
    ds->attempts = m->attempts;
    ds->power_cycles = m->power_cycles;
    ds->uploads = m->uploads;
    ds->connections = m->connections;
    ds->sink_bytes = m->sink_bytes;
    ds->longest_gap = m->longest_gap;
    ds->drops_total = m->drops_total;
    ds->drops_unrecovered = m->drops_unrecovered;
    ds->down_longest = m->down_longest;
    ds->down_median = m->down_median;
    ds->first_delivery = m->first_delivery;
    ds->availability = m->availability;
}

/* A device in AP mode hosts its own network (the firmware's
 * chip_wifi_ap_set_config, whatever settings it was given): its key goes
 * with the verdict beside the scenario's APs', so its clients' traffic
 * decrypts too. Same rules as the APs' keys (runner_run). */
static void runner_softap_keys(const scenario *s, world *w, runner_result *out)
{
    for (int d = 0; d < s->ndevices && out->nkeys < SCN_MAX_APS; d++) {
        const char *ssid, *pass;
        if (s->devices[d].client || !softap_last_network(world_device_softap(w, d), &ssid, &pass) ||
            pass[0] == '\0' || strlen(pass) > 63 || strpbrk(pass, "\"'\\:") || strpbrk(ssid, "\"'\\:"))
            continue;
        char key[sizeof out->keys[0]];
        snprintf(key, sizeof key, "%s:%s", pass, ssid);
        bool dup = false;
        for (int k = 0; k < out->nkeys; k++)
            dup = dup || strcmp(out->keys[k], key) == 0;
        if (!dup)
            snprintf(out->keys[out->nkeys++], sizeof out->keys[0], "%s", key);
    }
}

int runner_run(const scenario *s, const runner_opts *o, runner_result *out, sim_err *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", s->name);
    out->first_link = -1;
    out->seed = o->has_seed ? o->seed : s->seed;
    for (int i = 0; i < s->naps && out->nkeys < SCN_MAX_APS; i++) {
        const scn_ap *net = &s->aps[i];
        bool dup = false;
        for (int k = 0; k < i; k++)
            dup = dup || (strcmp(s->aps[k].ssid, net->ssid) == 0 && strcmp(s->aps[k].passphrase, net->passphrase) == 0);
        /* The key entry quotes with '"' and the shell with '\'': such
         * passphrases are left for the user to type. */
        /* An SAE PMK is not derived from the password alone: an SAE-only
         * network gets the PMK line (runner_pmks) instead. */
        if (net->passphrase[0] == '\0' || dup || net->security == SCN_SEC_WPA3 || strpbrk(net->passphrase, "\"'\\:") ||
            strpbrk(net->ssid, "\"'\\:"))
            continue;
        snprintf(out->keys[out->nkeys++], sizeof out->keys[0], "%s:%s", net->passphrase, net->ssid);
    }

    char dir[1024], air[1100], wire[1100], trace[1100], air_ev[1100], wire_ev[1100], air_dec[1100];
    /* cut short, the outputs would land in another folder */
    if (snprintf(dir, sizeof dir, "%s/%s", o->out_dir, s->name) >= (int)sizeof dir)
        return sim_err_set(err, SIM_EINVAL, "output folder path too long (at most %zu characters): %.60s...",
                           sizeof dir - 1, o->out_dir);
    int rc = runner_make_dirs(dir, err);
    if (rc != SIM_OK)
        return rc;
    snprintf(air, sizeof air, "%s/air.pcap", dir);
    snprintf(wire, sizeof wire, "%s/wire.pcap", dir);
    snprintf(trace, sizeof trace, "%s/trace.jsonl", dir);
    snprintf(air_ev, sizeof air_ev, "%s/air-events.pcap", dir);
    snprintf(wire_ev, sizeof wire_ev, "%s/wire-events.pcap", dir);
    snprintf(air_dec, sizeof air_dec, "%s/air-decrypted.pcap", dir);

    world_config wc;
    world_config_default(&wc);
    wc.seed = out->seed;
    /* Shared networks (world.networks): one DHCP server each, named after
     * the network in the trace; its server address is the highest host
     * address outside the pool and the router. */
    for (int i = 0; i < s->nnetworks; i++) {
        const scn_network *sn = &s->networks[i];
        world_network_config *nc = &wc.nets[world_add_network(&wc, sn->name)];
        uint32_t sub = sn->pool_start & sn->netmask, h = (sub | ~sn->netmask) - 1;
        while (h > sub && (h == sn->router || (h >= sn->pool_start && h <= sn->pool_end)))
            h--;
        nc->dhcps.pool_start = sn->pool_start;
        nc->dhcps.pool_end = sn->pool_end;
        nc->dhcps.netmask = sn->netmask;
        nc->dhcps.router = sn->router;
        nc->dhcps.server_ip = h;
        nc->dhcps.lease_s = (uint32_t)(sn->lease / SIM_SEC(1));
    }
    for (int i = 0; i < s->naps; i++) {
        const scn_ap *a = &s->aps[i];
        world_ap_config *ac = world_add_ap(&wc, a->name, a->ssid, a->passphrase[0] ? a->passphrase : NULL,
                                           a->channel, a->pos.x, a->pos.y);
        ac->z = a->pos.z;
        ac->tx_power_dbm = a->tx_power_dbm;
        if (a->lease > 0)
            ac->dhcps.lease_s = (uint32_t)(a->lease / SIM_SEC(1));
        if (a->pool_start != 0) {
            /* a pool given on the AP: on the uplink's network, as it always was */
            ac->dhcps.pool_start = a->pool_start;
            ac->dhcps.pool_end = a->pool_end;
            ac->dhcps.router = 0x0a000202u;
            ac->dhcps.server_ip = 0x0a0002feu;
        }
        ac->network = a->network;
        ac->ap.max_stations = a->max_stations;
        ac->ap.hidden = a->hidden;
        ac->ap.gtk_rekey_s = (uint32_t)(a->gtk_rekey / SIM_SEC(1));
        ac->ap.dtim_period = (uint8_t)a->dtim_period;
        ac->ap.max_inactivity_s = (uint32_t)(a->max_inactivity / SIM_SEC(1));
        enterprise_ap_config(a, i, ac);
    }
    wc.ndevices = s->ndevices;
    for (int i = 0; i < s->ndevices; i++) {
        const scn_device *d = &s->devices[i];
        world_device_config *dc = &wc.dev[i];
        snprintf(dc->name, sizeof dc->name, "%s", d->name);
        dc->x = d->pos.x;
        dc->y = d->pos.y;
        dc->z = d->pos.z;
        dc->tx_power_dbm = d->tx_power_dbm;
        dc->radio.pm = d->pm;
        dc->lan = d->lan;
        dc->board.watchdog_ms = o->watchdog_ms;
    }
    wc.medium.capture_beacons = s->capture_beacons;
    if (s->has_monitor) {
        wc.medium.monitor_fixed = true;
        wc.medium.monitor_x = s->monitor.x;
        wc.medium.monitor_y = s->monitor.y;
        wc.medium.monitor_z = s->monitor.z;
    }
    wc.capture_snaplen = o->has_snaplen ? o->snaplen : s->snaplen;
    uint32_t ring_mb = o->has_ring ? o->ring_mb : s->ring_mb;
    /* ring_mb is what the whole ring keeps (scenario.h): each file holds its share */
    wc.capture_ring_bytes = (uint64_t)ring_mb * 1024 * 1024 / (uint64_t)(s->ring_files > 0 ? s->ring_files : 1);
    wc.capture_ring_files = s->ring_files;
    wc.air_pcap = o->pcap_air ? o->pcap_air : air;
    wc.wire_pcap = o->pcap_wire ? o->pcap_wire : wire;
    /* always in the output folder, whatever the captures' paths */
    wc.air_events_pcap = air_ev;
    wc.wire_events_pcap = wire_ev;
    wc.air_decrypted_pcap = o->decrypted ? air_dec : NULL;
    /* capture.air/wire: false, or --no-capture: a verdict-only run (a path
     * given on the command line still wins over the scenario's false); the
     * events and decrypted copies go with their capture. */
    if (o->no_capture || (!s->capture_air && o->pcap_air == NULL)) {
        wc.air_pcap = NULL;
        wc.air_events_pcap = NULL;
        wc.air_decrypted_pcap = NULL;
    }
    if (o->no_capture || (!s->capture_wire && o->pcap_wire == NULL)) {
        wc.wire_pcap = NULL;
        wc.wire_events_pcap = NULL;
    }
    snprintf(out->air_pcap, sizeof out->air_pcap, "%s", wc.air_pcap ? wc.air_pcap : "");
    snprintf(out->wire_pcap, sizeof out->wire_pcap, "%s", wc.wire_pcap ? wc.wire_pcap : "");
    out->captures_set = true;
    /* Live captures are read as they grow (a FIFO into Wireshark). */
    wc.air_flush_each = wc.wire_flush_each = o->live;
    /* Scenarios use in-rig services only, so runs are reproducible; live
     * mode reaches the host (port forwards to the camera). */
    wc.up.restricted = !o->live;
    /* The sink the camera uploads to: the rig's witness of delivery. */
    wc.up.sink_ip = UPLINK_DEFAULT_SINK_IP;
    wc.up.sink_port = UPLINK_DEFAULT_SINK_PORT;
    const scn_service *sink = runner_sink(s);
    if (sink != NULL) {
        wc.up.sink_ip = sink->ip;
        wc.up.sink_port = sink->port;
        wc.up.sink_name = sink->name;
    }

    /* Each device's firmware: --firmware, else its own, else the bundled
     * camera; one instance of its image per device. */
    struct images imgs = {0};
    /* Client stations run the rig's client image, found beside the bundled
     * camera (client/client.c); --firmware is the devices' only. */
    char client_fw[600] = "";
    if (o->default_firmware != NULL && strrchr(o->default_firmware, '/') != NULL)
        snprintf(client_fw, sizeof client_fw, "%.*s/client.so",
                 (int)(strrchr(o->default_firmware, '/') - o->default_firmware), o->default_firmware);
    if (o->firmware == NULL && s->firmware_missing[0] != '\0')
        return sim_err_set(err, SIM_EINVAL, "%s", s->firmware_missing);
    for (int i = 0; i < s->ndevices; i++) {
        const char *fw_path = s->devices[i].client  ? client_fw
                              : o->firmware           ? o->firmware
                              : s->devices[i].firmware[0] ? s->devices[i].firmware
                                                          : o->default_firmware;
        if (s->devices[i].client && (fw_path[0] == '\0' || access(fw_path, R_OK) != 0)) {
            images_close(&imgs);
            return sim_err_set(err, SIM_EINVAL, "no image for client '%s': client.so was not found beside the "
                                                "bundled camera.so", s->devices[i].name);
        }
        if (fw_path == NULL || fw_path[0] == '\0') {
            images_close(&imgs);
            return sim_err_set(err, SIM_EINVAL, "no firmware image for device '%s': give --firmware IMAGE.so (the "
                                                "bundled camera.so was not found next to linkrig)",
                               s->devices[i].name);
        }
        wc.dev[i].board.image = images_instance(&imgs, fw_path, err);
        if (wc.dev[i].board.image == NULL) {
            images_close(&imgs);
            return SIM_EINVAL;
        }
    }

    world *w = world_create(&wc, err);
    if (w == NULL) {
        snprintf(out->failure, sizeof out->failure, "%s", err ? err->msg : "cannot build the world");
        images_close(&imgs);
        return SIM_EINVAL;
    }
    sim *sm = world_sim(w);
    if (o->pacing > 0)
        sim_clock_set_pacing(sim_clock_of(sm), o->pacing);
    sim_trace *tr = sim_trace_of(sm);
    sim_trace_set_log(tr, stderr, (sim_log_level)o->log_level);
    struct run r = {.s = s, .w = w, .progress = o->progress, .o = o, .listen_fd = -1,
                    .noise_floor = wc.medium.noise_floor_dbm};
    r.in.fd = o->live ? o->console_in : -1;
    for (int i = 0; i < CONSOLE_CLIENTS; i++)
        r.peers[i].fd = -1;
    r.faults = calloc((size_t)s->nfaults + 1, sizeof *r.faults);
    /* the trace is bounded as the captures are */
    if (r.faults == NULL || sim_trace_open(tr, trace, err) != SIM_OK ||
        sim_trace_set_ring(tr, wc.capture_ring_bytes, wc.capture_ring_files, err) != SIM_OK ||
        console_logs_open(&r, dir, err) != SIM_OK) {
        console_logs_close(&r);
        free(r.faults);
        world_destroy(w);
        images_close(&imgs);
        return SIM_EIO;
    }
    if (o->live) {
        /* tail -f, and a report made during the run, see whole lines */
        sim_trace_set_flush_each(tr, true);
        /* the feed also keeps the firmware's last status for the console's status line */
        if ((r.feed = report_feed_create(o->events_out)) == NULL || sim_trace_add_sink(tr, feed_sink, r.feed) != SIM_OK) {
            report_feed_free(r.feed);
            free(r.faults);
            world_destroy(w);
            images_close(&imgs);
            return sim_err_set(err, SIM_ENOMEM, "out of memory for the live event feed");
        }
    }
    /* What the rig sees of each device, by the names its parts trace under:
     * one verdict per device, fed by the route below. */
    r.ndev = s->ndevices;
    bool verdicts_made = true;
    for (int d = 0; d < s->ndevices && verdicts_made; d++) {
        char radio_comp[48], phy_comp[48];
        snprintf(radio_comp, sizeof radio_comp, "%s.radio", board_name(world_device_board(w, d)));
        snprintf(phy_comp, sizeof phy_comp, "%s.eth", board_name(world_device_board(w, d)));
        verdict_config vc = {.dev = board_name(world_device_board(w, d)),
                             .radio = radio_comp,
                             .phy = world_device_ethphy(w, d) != NULL ? phy_comp : NULL,
                             .uplink = wc.up.name ? wc.up.name : "uplink",
                             .sink_ip = wc.up.sink_ip,
                             .sink_port = wc.up.sink_port,
                             .only_device = runner_device_count(s) == 1};
        for (int i = 0; i < s->naps; i++) {
            vc.aps[vc.naps++] = wc.aps[i].ap.name;
            if (wc.aps[i].network < 0 && wc.aps[i].dhcp)
                vc.dhcp[vc.ndhcp++] = wc.aps[i].dhcps.name ? wc.aps[i].dhcps.name : "dhcp";
        }
        for (int i = 0; i < wc.nnets; i++)
            if (wc.nets[i].dhcp)
                vc.dhcp[vc.ndhcp++] = wc.nets[i].dhcps.name;
        if (world_lan_dhcps(w) != NULL)
            vc.dhcp[vc.ndhcp++] = wc.lan_dhcps.name;
        radio_get_mac(world_device_radio(w, d), vc.macs[vc.nmacs++]);
        if (world_device_ethphy(w, d) != NULL)
            ethphy_get_mac(world_device_ethphy(w, d), vc.macs[vc.nmacs++]);
        r.v[d] = verdict_create(&vc);
        verdicts_made = r.v[d] != NULL;
    }
    /* One sink for all of them: each event reaches only the verdicts it
     * concerns (every verdict per event would be O(devices^2) a second). */
    if (verdicts_made)
        r.route = verdict_route_create(r.v, r.ndev);
    if (r.route == NULL || sim_trace_add_sink(tr, verdict_route_observe, r.route) != SIM_OK) {
        verdict_route_free(r.route);
        for (int k = 0; k < r.ndev; k++)
            verdict_free(r.v[k]);
        free(r.faults);
        world_destroy(w);
        console_logs_close(&r);
        images_close(&imgs);
        return sim_err_set(err, SIM_ENOMEM, "out of memory for the verdict");
    }
    r.dev = board_name(world_board(w));
    rc = runner_sink_settings(w, err);
    if (rc == SIM_OK)
        rc = runner_services(w, s, err);
    if (rc == SIM_OK)
        rc = check_sets(o, w, err);
    /* a downgrade's twin is off until its fault */
    for (int i = 0; rc == SIM_OK && i < s->nfaults; i++)
        if (s->faults[i].kind == SCN_F_DOWNGRADE)
            ap_set_enabled(world_ap(w, s->faults[i].ap), false);
    /* the RADIUS servers first: the devices' settings carry their CA */
    if (rc == SIM_OK)
        rc = enterprise_start(s, w, dir, err);
    for (int i = 0; rc == SIM_OK && i < s->ndevices; i++)
        rc = apply_settings(s, o, i, world_device_board(w, i), err);
    for (int i = 0; rc == SIM_OK && i < s->ndevices; i++)
        if (!s->devices[i].client)
            rc = enterprise_settings(s, w, world_device_board(w, i), err);
    /* Port forwards: the scenario's, then --hostfwd (run and live). */
    for (int i = 0; rc == SIM_OK && i < s->nforwards; i++)
        rc = uplink_add_hostfwd(world_uplink(w), s->forwards[i], err);
    for (int i = 0; rc == SIM_OK && i < o->nhostfwd; i++)
        rc = uplink_add_hostfwd(world_uplink(w), o->hostfwd[i], err);
    if (rc == SIM_OK && o->live && o->console_socket != NULL)
        rc = console_open_socket(&r, o->console_socket, err);
    for (int i = 0; rc == SIM_OK && i < s->ndevices; i++)
        rc = board_power_on(world_device_board(w, i), err);
    if (rc != SIM_OK) {
        free(r.faults);
        world_destroy(w);
        console_logs_close(&r);
        images_close(&imgs);
        for (int d = 0; d < r.ndev; d++)
            verdict_free(r.v[d]);
        verdict_route_free(r.route);
        return rc;
    }
    for (int i = 0; i < s->nfaults; i++) {
        struct fault_ev *fe = &r.faults[i];
        fe->r = &r;
        fe->f = s->faults[i];
        fe->start = s->faults[i].at;
        fe->end = fault_end_time(&s->faults[i]);
        fe->entry = i;
        fe->at0 = s->faults[i].at;
        /* what the checks use for an entry that never started */
        note_references(&r, fe->at0, fe->end);
        if (fe->f.jitter > 0) {
            /* its own stream: no other component's numbers move */
            char name[64];
            if (fe->f.id[0] != '\0')
                snprintf(name, sizeof name, "scenario.timeline.%s", fe->f.id);
            else
                snprintf(name, sizeof name, "scenario.timeline.%d", i);
            fe->jitter = sim_rng_stream(sm, name);
        }
        sim_at(sm, occurrence_due(fe, 0), occur_cb, fe);
    }
    sim_trace_rec *t = sim_trace_begin(tr, SIM_LOG_INFO, "scenario", "start");
    sim_trace_str(t, "name", s->name);
    sim_trace_int(t, "seed", (int64_t)out->seed);
    sim_trace_int(t, "duration_ns", s->duration);
    /* what a reader needs before the first event: the schema's version and
     * the names its per-device and per-AP fields use */
    sim_trace_int(t, "schema", RUNNER_TRACE_SCHEMA);
    {
        char names[SCN_MAX_DEVICES * 40 + SCN_MAX_APS * 40] = "";
        size_t len = 0;
        for (int i = 0; i < s->ndevices && len < sizeof names; i++)
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", i ? "," : "", s->devices[i].name);
        sim_trace_str(t, "devices", names);
        names[0] = '\0';
        len = 0;
        for (int i = 0; i < s->naps && len < sizeof names; i++)
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", i ? "," : "", s->aps[i].name);
        sim_trace_str(t, "aps", names);
        /* the radios' MACs, in the devices' order: how a reader tells
         * whose DHCP lease or upload an AP-side event is */
        names[0] = '\0';
        len = 0;
        for (int i = 0; i < s->ndevices && len < sizeof names; i++) {
            uint8_t m[6];
            radio_get_mac(world_device_radio(w, i), m);
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%02x:%02x:%02x:%02x:%02x:%02x", i ? "," : "",
                                    m[0], m[1], m[2], m[3], m[4], m[5]);
        }
        sim_trace_str(t, "macs", names);
    }
    sim_trace_int(t, "sample_ns", o->sample_period);
    sim_trace_end(t);
    sim_trace_keep_header(tr); /* every file of a trace ring says whose run it is */
    if (o->sample_period > 0)
        sim_every(sm, o->sample_period, o->sample_period, sample_cb, &r);
    if (o->mem_sample_period > 0) {
        snprintf(r.mem_path, sizeof r.mem_path, "%s/mem.tsv", dir);
        r.mem = fopen(r.mem_path, "w");
        if (r.mem == NULL)
            r.mem_errno = errno;
        else
            sim_every(sm, o->mem_sample_period, o->mem_sample_period, mem_cb, &r);
    }
    if (!o->live && o->stop != NULL)
        sim_set_interrupt(sm, o->stop);
    if (o->progress && !o->live)
        sim_every(sm, SIM_SEC(1), SIM_SEC(1), progress_cb, &r);
    if (o->live) {
        sim_clock_set_pacing(sim_clock_of(sm), o->pacing > 0 ? o->pacing : 1.0);
        if (r.in.fd >= 0)
            fcntl(r.in.fd, F_SETFL, fcntl(r.in.fd, F_GETFL) | O_NONBLOCK);
        /* 50 ms of virtual time is 50 ms of wall time here: console latency */
        sim_every(sm, SIM_MS(50), SIM_MS(50), console_poll, &r);
    }

    r.wall0 = r.last_progress = wall_now();
    sim_time until = s->duration;
    if (o->live)
        until = o->live_duration > 0 ? o->live_duration : SIM_TIME_MAX;
    sim_run_result res = sim_run_until(sm, until);
    if (o->live && res == SIM_RUN_STOPPED)
        res = SIM_RUN_DONE;
    out->wall_s = wall_now() - r.wall0;
    if (o->progress && out->wall_s >= 1.0)
        fprintf(stderr, "\r%*s\r", 60, "");
    out->ran = true;
    out->virtual_end = sim_now(sm);
    if (res == SIM_RUN_FAILED)
        snprintf(out->failure, sizeof out->failure, "%s", sim_failure(sm));
    if (res == SIM_RUN_STOPPED && !o->live && o->stop != NULL && *o->stop) {
        out->interrupted = *o->stop;
        char at[32];
        sim_time_format(out->virtual_end, at, sizeof at);
        int sig = out->interrupted;
        snprintf(out->failure, sizeof out->failure, "interrupted by %s at %s virtual",
                 sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "a signal", at);
    }

    /* The verdict, from what the rig saw. The sink's last upload ends now.
     * A firmware crash fails the scenario whatever else held. */
    uplink_sink_flush(world_uplink(w));
    size_t nref = (size_t)s->nfaults + r.ninjected;
    sim_time *starts = calloc(nref + 1, sizeof *starts), *ends = calloc(nref + 1, sizeof *ends);
    if (starts == NULL || ends == NULL)
        abort(); /* a verdict without its references would be a guess */
    size_t nocc = r.ninjected;
    for (int i = 0; i < s->nfaults; i++)
        nocc += r.faults[i].nocc;
    verdict_occ *occ = calloc(nocc + 1, sizeof *occ);
    if (occ == NULL)
        abort(); /* as above */
    nocc = 0;
    for (int i = 0; i < s->nfaults; i++) {
        const struct fault_ev *fe = &r.faults[i];
        /* an entry's first occurrence stands for it; one that never
         * started keeps its due time */
        starts[i] = fe->nocc > 0 ? fe->occ[0].start : fe->at0;
        ends[i] = fe->nocc > 0 ? fe->occ[0].end : fault_end_time(&s->faults[i]);
        for (size_t k = 0; k < fe->nocc; k++)
            occ[nocc++] = (verdict_occ){.entry = i, .k = (int)k + 1, .start = fe->occ[k].start, .end = fe->occ[k].end};
    }
    for (size_t k = 0; k < r.ninjected; k++) {
        starts[(size_t)s->nfaults + k] = r.injected[k]->start;
        ends[(size_t)s->nfaults + k] = r.injected[k]->end;
        occ[nocc++] = (verdict_occ){.entry = s->nfaults + (int)k, .k = 1, .start = r.injected[k]->start,
                                    .end = r.injected[k]->end};
    }
    qsort(occ, nocc, sizeof *occ, occ_cmp);
    verdict_refs refs = {.start = starts, .end = ends, .nfaults = (int)nref, .run_end = out->virtual_end, .s = s,
                         .occ = occ, .nocc = nocc};
    bool all = res != SIM_RUN_FAILED;
    /* An expectation that names a device is judged for it; one that names
     * none, for each device (and says which when there are several). */
    out->nchecks = 0;
    for (int i = 0; i < s->nexpects; i++) {
        for (int d = 0; d < r.ndev; d++) {
            if (s->expects[i].device >= 0 && s->expects[i].device != d)
                continue;
            /* an expectation that names no device is the devices', not the clients' */
            if (s->expects[i].device < 0 && s->devices[d].client)
                continue;
            if (out->nchecks == RUNNER_MAX_CHECKS) {
                all = false;
                snprintf(out->failure, sizeof out->failure,
                         "more than %d checks (expectations times devices): the rest were not judged",
                         RUNNER_MAX_CHECKS);
                break;
            }
            runner_check *c = &out->checks[out->nchecks++];
            verdict_check(r.v[d], &s->expects[i], &refs, c);
            if (!c->ok && o->live && expect_due(&s->expects[i], &r, s) > out->virtual_end) {
                /* stopped before it could be judged: not a failure */
                c->ok = true;
                c->not_reached = true;
            }
            snprintf(c->test, sizeof c->test, "%s", s->expects[i].text);
            if (runner_device_count(s) > 1 && s->expects[i].device < 0) {
                size_t len = strlen(c->name);
                snprintf(c->name + len, sizeof c->name - len, " [%s]", s->devices[d].name);
                len = strlen(c->test);
                snprintf(c->test + len, sizeof c->test - len, " [%s]", s->devices[d].name);
            }
            all = all && c->ok;
        }
    }
    out->passed = all && out->interrupted == 0;
    runner_dev_summaries(s, r.v, r.ndev, &refs, out);
    /* Nothing claims a pass over missing evidence: the captures and the
     * trace so far must be on disk before the verdict is. */
    sim_err oerr = {0};
    if (world_finish_captures(w, &oerr) != SIM_OK)
        output_failed(out, oerr.msg);
    sim_trace_flush(tr);
    if (sim_trace_broken(tr))
        output_failed(out, sim_trace_error(tr));
    if (r.mem_errno != 0) {
        sim_err_set(&oerr, SIM_EIO, "writing %s failed: %s", r.mem_path, strerror(r.mem_errno));
        output_failed(out, oerr.msg);
    }
    if (write_result_file(dir, out, &r, &refs, &oerr) != SIM_OK)
        output_failed(out, oerr.msg);
    free(starts);
    free(ends);
    free(occ);

    t = sim_trace_begin(tr, SIM_LOG_INFO, "scenario", "end");
    sim_trace_bool(t, "passed", out->passed);
    sim_trace_end(t);
    if (sim_trace_close(tr, &oerr) != SIM_OK)
        output_failed(out, oerr.msg);
    if (r.mem != NULL && fclose(r.mem) != 0 && r.mem_errno == 0) {
        sim_err_set(&oerr, SIM_EIO, "writing %s failed: %s", r.mem_path, strerror(errno));
        output_failed(out, oerr.msg);
    }
    for (int i = 0; i < s->nfaults; i++) {
        sim_cancel(sm, r.faults[i].walk_timer);
        free(r.faults[i].from);
        free(r.faults[i].occ);
    }
    for (size_t i = 0; i < r.ninjected; i++)
        sim_cancel(sm, r.injected[i]->walk_timer);
    runner_pmks(s, w, out);
    runner_softap_keys(s, w, out);
    world_destroy(w);
    console_logs_close(&r);
    images_close(&imgs);
    report_feed_free(r.feed);
    for (int d = 0; d < r.ndev; d++)
        verdict_free(r.v[d]);
    verdict_route_free(r.route);
    free(r.faults);
    for (size_t i = 0; i < r.ninjected; i++) {
        free(r.injected[i]->from);
        free(r.injected[i]);
    }
    free(r.injected);
    for (int i = 0; i < CONSOLE_CLIENTS; i++)
        if (r.peers[i].fd >= 0)
            close(r.peers[i].fd);
    if (r.listen_fd >= 0) {
        close(r.listen_fd);
        unlink(o->console_socket);
    }
    return SIM_OK;
}

/* ---- reporting ---- */

/* One drop (scenario.h, "The summary"): when, after which fault, why, the
 * firmware's reaction, and how long the sink heard nothing. ind: the
 * line's indentation (deeper under a device's name). */
struct drop_view {
    sim_time at, react, detect, recover, down;
    const char *fault, *cause;
};

static void print_drop_view(FILE *f, const char *ind, int i, const struct drop_view *d)
{
    char at[32], a[32], b[32], fault[96], react[96], down[96];
    verdict_fmt_time(d->at, at, sizeof at);
    if (d->fault[0] != '\0')
        snprintf(fault, sizeof fault, "after %s", d->fault);
    else
        snprintf(fault, sizeof fault, "before any timeline fault");
    if (d->react < 0)
        snprintf(react, sizeof react, "the firmware never reacted");
    else if (d->detect >= 0)
        snprintf(react, sizeof react, "detected %s after the fault", verdict_fmt_time(d->detect, a, sizeof a));
    else
        snprintf(react, sizeof react, "the firmware reacted at %s", verdict_fmt_time(d->react, a, sizeof a));
    if (d->down < 0)
        snprintf(down, sizeof down, "not recovered by the end of the run (no data at the sink after the loss)");
    else if (d->recover >= 0)
        snprintf(down, sizeof down, "data at the sink again %s after the reaction; down %s",
                 verdict_fmt_time(d->recover, a, sizeof a), verdict_fmt_time(d->down, b, sizeof b));
    else
        snprintf(down, sizeof down, "down %s", verdict_fmt_time(d->down, b, sizeof b));
    fprintf(f, "%sdrop %d at %s %s: %s; %s; %s\n", ind, i + 1, at, fault, d->cause, react, down);
}

static void print_drop(FILE *f, const runner_result *r, int i)
{
    struct drop_view d = {r->drop_at[i], r->drop_react[i], r->detect[i], r->recover[i], r->drop_down[i],
                          r->drop_fault[i], r->drop_cause[i]};
    print_drop_view(f, "  ", i, &d);
}

/* The totals over every drop; availability as scenario.h defines it. */
struct totals_view {
    sim_time first_delivery, down_longest, down_median;
    long long drops_total, drops_unrecovered;
    double availability;
};

static void print_totals_view(FILE *f, const char *ind, const struct totals_view *r)
{
    char a[32], b[32], c[32];
    if (r->first_delivery < 0) {
        fprintf(f, "%sdrops: %lld; availability 0%% (the sink never received data)\n", ind, r->drops_total);
        return;
    }
    verdict_fmt_time(r->first_delivery, c, sizeof c);
    if (r->drops_total == 0) {
        fprintf(f, "%sdrops: 0; availability %.2f%% (of the run from the first delivery at %s)\n", ind,
                100.0 * r->availability, c);
        return;
    }
    char unrec[64] = "";
    if (r->drops_unrecovered > 0)
        snprintf(unrec, sizeof unrec, ", %lld not recovered by the end", r->drops_unrecovered);
    fprintf(f, "%sdrops: %lld%s; down time longest %s, median %s; availability %.2f%% (of the run from the first "
               "delivery at %s, the share outside every drop's down time)\n",
            ind, r->drops_total, unrec, verdict_fmt_time(r->down_longest, a, sizeof a),
            verdict_fmt_time(r->down_median, b, sizeof b), 100.0 * r->availability, c);
}

static void print_totals(FILE *f, const runner_result *r)
{
    struct totals_view t = {r->first_delivery, r->down_longest, r->down_median, r->drops_total,
                            r->drops_unrecovered, r->availability};
    print_totals_view(f, "  ", &t);
}

/* The link, sink and drop figures of a sink's view of one device. */
static void print_link_sink(FILE *f, const char *ind, long long attempts, long long power_cycles, long long uploads,
                            uint64_t bytes, long long connections, sim_time longest_gap)
{
    char a[32];
    fprintf(f, "%sreconnect attempts: %lld, power cycles: %lld\n", ind, attempts, power_cycles);
    if (longest_gap >= 0)
        fprintf(f, "%ssink: %lld uploads, %" PRIu64 " bytes over %lld connection(s); longest silence %s\n", ind,
                uploads, bytes, connections, verdict_fmt_time(longest_gap, a, sizeof a));
    else
        fprintf(f, "%ssink: %lld uploads, %" PRIu64 " bytes over %lld connection(s); it never received data\n", ind,
                uploads, bytes, connections);
}

/* Several devices: each one's figures under its name (the sink's uploads
 * are the device's own: verdict.h attributes them by address). */
static void print_dev_summary(FILE *f, const runner_dev_summary *d)
{
    char a[32];
    if (d->first_link >= 0)
        fprintf(f, "  %s: time to first link: %s\n", d->name, verdict_fmt_time(d->first_link, a, sizeof a));
    else
        fprintf(f, "  %s: time to first link: never\n", d->name);
    for (int i = 0; i < d->ndrops; i++) {
        struct drop_view dv = {d->drop_at[i], d->drop_react[i], d->detect[i], d->recover[i], d->drop_down[i],
                               d->drop_fault[i], d->drop_cause[i]};
        print_drop_view(f, "    ", i, &dv);
    }
    if (d->drops_total > d->ndrops)
        fprintf(f, "    (%lld more drops not listed; the totals below count them all)\n", d->drops_total - d->ndrops);
    print_link_sink(f, "    ", d->attempts, d->power_cycles, d->uploads, d->sink_bytes, d->connections,
                    d->longest_gap);
    struct totals_view t = {d->first_delivery, d->down_longest, d->down_median, d->drops_total,
                            d->drops_unrecovered, d->availability};
    print_totals_view(f, "    ", &t);
}

void runner_print_summary(FILE *f, const runner_result *r)
{
    char a[32];
    if (!r->ran) {
        fprintf(f, "%s: could not run: %s\n", r->name, r->failure);
        return;
    }
    int unjudged = 0;
    for (int i = 0; i < r->nchecks; i++)
        unjudged += r->checks[i].not_reached;
    /* PASS only when something was judged: a run with no expectation (or
     * none reached) says so instead */
    const char *head = !r->passed                         ? (r->interrupted ? "INTERRUPTED" : "FAIL")
                          : r->nchecks == 0                  ? "NO EXPECTATIONS (nothing judged)"
                          : unjudged == r->nchecks           ? "NOT JUDGED (stopped before any expectation was due)"
                                                             : "PASS";
    char partial[64] = "";
    if (r->passed && unjudged > 0 && unjudged < r->nchecks)
        snprintf(partial, sizeof partial, "; %d not reached", unjudged);
    fprintf(f, "%s: %s (seed %" PRIu64 ", %s virtual in %.2f s wall%s)\n", r->name, head, r->seed,
            verdict_fmt_time(r->virtual_end, a, sizeof a), r->wall_s, partial);
    if (r->interrupted)
        fprintf(f, "  %s: the expectations below are what had happened by then, not a verdict\n", r->failure);
    else if (r->failure[0])
        fprintf(f, "  firmware failed: %s\n", r->failure);
    if (r->output_error[0])
        fprintf(f, "  output failed: %s\n", r->output_error);
    for (int i = 0; i < r->nchecks; i++)
        fprintf(f, "  [%s] %s: %s\n", r->checks[i].not_reached ? "not reached" : r->checks[i].ok ? "ok" : "FAIL",
                r->checks[i].name,
                r->checks[i].not_reached ? "the run stopped before it was due" : r->checks[i].message);
    if (r->ndevs_total > 1) {
        /* several devices: each one's own figures, named */
        for (int i = 0; i < r->ndevs; i++)
            print_dev_summary(f, &r->devs[i]);
        if (r->ndevs_total > r->ndevs)
            fprintf(f, "  (%d more devices not summarised here; result.jsonl has every device's figures)\n",
                    r->ndevs_total - r->ndevs);
    } else {
        if (r->first_link >= 0)
            fprintf(f, "  time to first link: %s\n", verdict_fmt_time(r->first_link, a, sizeof a));
        else
            fprintf(f, "  time to first link: never\n");
        for (int i = 0; i < r->ndrops; i++)
            print_drop(f, r, i);
        if (r->drops_total > r->ndrops)
            fprintf(f, "  (%lld more drops not listed; the totals below count them all)\n",
                    r->drops_total - r->ndrops);
        print_link_sink(f, "  ", r->attempts, r->power_cycles, r->uploads, r->sink_bytes, r->connections,
                        r->longest_gap);
        print_totals(f, r);
    }
    /* "off": capture.air/wire false or --no-capture. */
    if (r->captures_set)
        fprintf(f, "  captures: %s (air), %s (wire)\n", r->air_pcap[0] ? r->air_pcap : "off",
                r->wire_pcap[0] ? r->wire_pcap : "off");
    if (r->air_pcap[0] != '\0') {
        /* Wireshark and tshark decrypt the air with the networks' keys. */
        for (int i = 0; i < r->nkeys; i++)
            fprintf(f, "  decrypt: tshark -o wlan.enable_decryption:TRUE -o 'uat:80211_keys:\"wpa-pwd\",\"%s\"' -r %s\n",
                    r->keys[i], r->air_pcap);
        for (int i = 0; i < r->npmks; i++)
            fprintf(f, "  decrypt: tshark -o wlan.enable_decryption:TRUE -o 'uat:80211_keys:\"wpa-psk\",\"%.64s\"' -r %s"
                       "   # PMK of %s\n",
                    r->pmks[i], r->air_pcap, r->pmks[i] + 65);
    }
}

/* --quiet: a run that did not pass says so, with why (its failure and each
 * expectation that failed), and nothing else; one that passed says nothing. */
void runner_print_failures(FILE *f, const runner_result *r)
{
    char a[32];
    if (r->passed)
        return;
    if (!r->ran) {
        fprintf(f, "%s: could not run: %s\n", r->name, r->failure);
        return;
    }
    fprintf(f, "%s: %s (seed %" PRIu64 ", %s virtual)\n", r->name, r->interrupted ? "INTERRUPTED" : "FAIL", r->seed,
            verdict_fmt_time(r->virtual_end, a, sizeof a));
    if (r->interrupted)
        fprintf(f, "  %s\n", r->failure);
    else if (r->failure[0])
        fprintf(f, "  firmware failed: %s\n", r->failure);
    if (r->output_error[0])
        fprintf(f, "  output failed: %s\n", r->output_error);
    for (int i = 0; i < r->nchecks && !r->interrupted; i++)
        if (!r->checks[i].ok)
            fprintf(f, "  [FAIL] %s: %s\n", r->checks[i].name, r->checks[i].message);
}

