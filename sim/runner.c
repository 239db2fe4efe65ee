#define _POSIX_C_SOURCE 200809L
#include "sim/runner.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim/world.h"

#define SINK_IP 0x0a000264u /* 10.0.2.100, the camera's default sink */
#define SINK_PORT 9000
#define WALK_STEP SIM_MS(100)

/* ---- what the firmware reported (its own trace events) ---- */

struct tev {
    sim_time t;
    long long a; /* the event's main number: status, ms, ... */
};

struct tlist {
    struct tev *v;
    size_t n, cap;
};

static void tl_add(struct tlist *l, sim_time t, long long a)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct tev *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            abort(); /* losing evidence would make the verdict a lie */
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (struct tev){t, a};
}

struct observed {
    struct tlist status;      /* wlan_status: a = status */
    struct tlist connected;   /* lm_connected */
    struct tlist recovered;   /* lm_recovered: a = down_ms */
    struct tlist drops;       /* lm_drop_detected */
    struct tlist attempts;    /* lm_attempt */
    struct tlist failed;      /* lm_attempt_failed */
    struct tlist backoffs;    /* lm_backoff: a = ms */
    struct tlist cycles;      /* lm_power_cycle */
    struct tlist timeouts;    /* lm_connect_timeout */
    long long sent, skipped, lost;
};

static long long num(const sim_trace_event *ev, const char *key)
{
    for (size_t i = 0; i < ev->nfields; i++)
        if (strcmp(ev->fields[i].key, key) == 0)
            return ev->fields[i].num;
    return 0;
}

static const char *str(const sim_trace_event *ev, const char *key)
{
    for (size_t i = 0; i < ev->nfields; i++)
        if (strcmp(ev->fields[i].key, key) == 0 && ev->fields[i].str)
            return ev->fields[i].str;
    return "";
}

static void observe(void *ctx, const sim_trace_event *ev)
{
    struct observed *o = ctx;
    if (strcmp(ev->comp, "fw") != 0)
        return;
    const char *e = ev->event;
    if (strcmp(e, "wlan_status") == 0)
        tl_add(&o->status, ev->t, num(ev, "status"));
    else if (strcmp(e, "lm_connected") == 0)
        tl_add(&o->connected, ev->t, 0);
    else if (strcmp(e, "lm_recovered") == 0)
        tl_add(&o->recovered, ev->t, num(ev, "down_ms"));
    else if (strcmp(e, "lm_drop_detected") == 0)
        tl_add(&o->drops, ev->t, 0);
    else if (strcmp(e, "lm_attempt") == 0)
        tl_add(&o->attempts, ev->t, num(ev, "n"));
    else if (strcmp(e, "lm_attempt_failed") == 0)
        tl_add(&o->failed, ev->t, num(ev, "status"));
    else if (strcmp(e, "lm_backoff") == 0)
        tl_add(&o->backoffs, ev->t, num(ev, "ms"));
    else if (strcmp(e, "lm_power_cycle") == 0)
        tl_add(&o->cycles, ev->t, 0);
    else if (strcmp(e, "lm_connect_timeout") == 0)
        tl_add(&o->timeouts, ev->t, num(ev, "status"));
    else if (strcmp(e, "frame") == 0) {
        const char *r = str(ev, "result");
        if (strcmp(r, "sent") == 0)
            o->sent++;
        else if (strcmp(r, "skipped") == 0)
            o->skipped++;
        else
            o->lost++;
    }
}

static void observed_free(struct observed *o)
{
    struct tlist *all[] = {&o->status, &o->connected, &o->recovered, &o->drops, &o->attempts,
                           &o->failed, &o->backoffs, &o->cycles, &o->timeouts};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]->v);
}

/* ---- the timeline ---- */

struct run;

struct fault_ev {
    struct run *r;
    int i;            /* index in the scenario's timeline */
    sim_time start, end;
    /* walking */
    double fx, fy, fz; /* where the walk started */
    sim_time walk_t0;
    sim_timer_id walk_timer;
};

struct run {
    const scenario *s;
    world *w;
    struct fault_ev *faults;
    struct observed obs;
    double wall0;
    double last_progress;
    bool progress;
};

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void trace_fault(struct run *r, const scn_fault *f, const char *phase)
{
    sim_trace_rec *t = sim_trace_begin(sim_trace_of(world_sim(r->w)), SIM_LOG_INFO, "scenario", "fault");
    sim_trace_str(t, "fault", scn_fault_name(f->kind));
    sim_trace_str(t, "phase", phase);
    if (f->ap >= 0)
        sim_trace_str(t, "ap", r->s->aps[f->ap].name);
    sim_trace_int(t, "line", f->line);
    sim_trace_end(t);
}

static void fault_end_cb(void *arg)
{
    struct fault_ev *fe = arg;
    struct run *r = fe->r;
    const scn_fault *f = &r->s->faults[fe->i];
    world *w = r->w;
    switch (f->kind) {
    case SCN_F_AP_REBOOT:
        if (f->channel > 0)
            ap_set_channel(world_ap(w, f->ap), f->channel, NULL);
        ap_set_enabled(world_ap(w, f->ap), true);
        break;
    case SCN_F_CABLE_PULL:
        if (world_ethphy(w) != NULL)
            ethphy_set_cable(world_ethphy(w), true);
        break;
    default:
        break;
    }
    trace_fault(r, f, "end");
}

static void walk_step(void *arg)
{
    struct fault_ev *fe = arg;
    struct run *r = fe->r;
    const scn_fault *f = &r->s->faults[fe->i];
    double dx = f->to.x - fe->fx, dy = f->to.y - fe->fy, dz = f->to.z - fe->fz;
    double dist = sqrt(dx * dx + dy * dy + dz * dz);
    double done = f->speed * (double)(sim_now(world_sim(r->w)) - fe->walk_t0) / 1e9;
    medium_node *sta = world_sta_node(r->w);
    if (done >= dist) {
        medium_node_move(sta, f->to.x, f->to.y, f->to.z);
        sim_cancel(world_sim(r->w), fe->walk_timer);
        fe->walk_timer = 0;
        trace_fault(r, f, "end");
        return;
    }
    double k = done / dist;
    medium_node_move(sta, fe->fx + dx * k, fe->fy + dy * k, fe->fz + dz * k);
}

static void fault_start_cb(void *arg)
{
    struct fault_ev *fe = arg;
    struct run *r = fe->r;
    const scn_fault *f = &r->s->faults[fe->i];
    world *w = r->w;
    sim *s = world_sim(w);
    trace_fault(r, f, "start");
    switch (f->kind) {
    case SCN_F_AP_REBOOT:
        /* The AP goes silent and forgets its stations; its DHCP server keeps
         * its leases only if told to (a reboot usually loses them). */
        ap_set_enabled(world_ap(w, f->ap), false);
        if (!f->keep_leases && world_dhcps(w, f->ap) != NULL)
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
        ap_set_passphrase(world_ap(w, f->ap), f->passphrase, NULL);
        break;
    case SCN_F_AP_TX_POWER:
        medium_node_set_tx_power(world_ap_node(w, f->ap), f->tx_power_dbm);
        break;
    case SCN_F_MOVE_DEVICE:
        if (f->speed <= 0) {
            medium_node_move(world_sta_node(w), f->to.x, f->to.y, f->to.z);
        } else {
            medium_node_position(world_sta_node(w), &fe->fx, &fe->fy, &fe->fz);
            fe->walk_t0 = sim_now(s);
            double dx = f->to.x - fe->fx, dy = f->to.y - fe->fy, dz = f->to.z - fe->fz;
            fe->end = fe->start + (sim_time)(sqrt(dx * dx + dy * dy + dz * dz) / f->speed * 1e9);
            fe->walk_timer = sim_every(s, WALK_STEP, WALK_STEP, walk_step, fe);
        }
        break;
    case SCN_F_DHCP: {
        dhcps *d = world_dhcps(w, f->ap);
        if (d == NULL)
            break;
        static const dhcps_mode modes[] = {DHCPS_NORMAL, DHCPS_IGNORE_RENEWALS, DHCPS_NAK_RENEWALS, DHCPS_SILENT,
                                           DHCPS_NORMAL};
        dhcps_set_mode(d, modes[f->dhcp_mode]);
        if (f->lease > 0)
            dhcps_set_lease_time(d, (uint32_t)(f->lease / SIM_SEC(1)), 0, 0, NULL);
        if (f->dhcp_mode == SCN_DHCP_EMPTY_POOL)
            dhcps_set_pool(d, 1, 0, 0xffffff00u, 0x0a000202u, 0, NULL);
        if (f->has_pool)
            dhcps_set_pool(d, f->pool_start, f->pool_end, f->netmask ? f->netmask : 0xffffff00u,
                           f->router ? f->router : 0x0a000202u, 0, NULL);
        break;
    }
    case SCN_F_RADIO_WEDGE: {
        static const radio_wedge_mode modes[] = {RADIO_WEDGE_COMMANDS, RADIO_WEDGE_FRAMES, RADIO_WEDGE_BOTH};
        radio_wedge(world_radio(w), modes[f->wedge_mode], f->survives_power_cycles);
        break;
    }
    case SCN_F_CABLE_PULL:
        if (world_ethphy(w) != NULL)
            ethphy_set_cable(world_ethphy(w), false);
        sim_at(s, fe->end, fault_end_cb, fe);
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
        return f->at + f->duration;
    default:
        return f->at;
    }
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
    fprintf(stderr, "\r  %s: %s / %s (%.0f%%)   ", r->s->name, sim_time_format(t, a, sizeof a),
            sim_time_format(r->s->duration, b, sizeof b), 100.0 * (double)t / (double)r->s->duration);
    fflush(stderr);
}

/* ---- expectations ---- */

static sim_time ref_start(const struct run *r, int after)
{
    return after < 0 ? 0 : r->faults[after].start;
}

static sim_time ref_end(const struct run *r, int after)
{
    return after < 0 ? 0 : r->faults[after].end;
}

static const struct tev *first_from(const struct tlist *l, sim_time from)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].t >= from)
            return &l->v[i];
    return NULL;
}

static const struct tev *first_status_from(const struct tlist *l, sim_time from, long long status)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].t >= from && l->v[i].a == status)
            return &l->v[i];
    return NULL;
}

static void fmt_t(char *buf, size_t n, sim_time t)
{
    snprintf(buf, n, "%.3fs", (double)t / 1e9);
}

static void check_one(const struct run *r, const scn_expect *e, runner_check *c)
{
    const struct observed *o = &r->obs;
    char a[32], b[32];
    snprintf(c->name, sizeof c->name, "%s (line %d)", e->text, e->line);
    c->ok = false;
    switch (e->kind) {
    case SCN_E_LINK_UP_WITHIN: {
        sim_time ref = ref_end(r, e->after);
        const struct tev *t = first_status_from(&o->status, ref, 3 /* GOT_IP */);
        fmt_t(a, sizeof a, e->within);
        if (t == NULL) {
            snprintf(c->message, sizeof c->message, "expected an IP address within %s of %s; never got one", a,
                     e->after < 0 ? "the start" : "the fault's end");
            return;
        }
        fmt_t(b, sizeof b, t->t - ref);
        c->ok = t->t - ref <= e->within;
        snprintf(c->message, sizeof c->message, "expected link up within %s; got it after %s", a, b);
        return;
    }
    case SCN_E_STATUS_REACHES: {
        sim_time ref = ref_start(r, e->after);
        const struct tev *t = first_status_from(&o->status, ref, e->status);
        fmt_t(a, sizeof a, e->within);
        if (t == NULL) {
            long long last = o->status.n ? o->status.v[o->status.n - 1].a : 0;
            snprintf(c->message, sizeof c->message, "expected status %s within %s; never seen (last status %s)",
                     scn_status_name(e->status), a, scn_status_name((int)last));
            return;
        }
        fmt_t(b, sizeof b, t->t - ref);
        c->ok = e->within == 0 || t->t - ref <= e->within;
        snprintf(c->message, sizeof c->message, "expected status %s within %s; reached after %s",
                 scn_status_name(e->status), a, b);
        return;
    }
    case SCN_E_CONNECT_TIMEOUT_REPORTED:
        c->ok = (o->timeouts.n > 0) == e->flag;
        if (o->timeouts.n > 0) {
            fmt_t(b, sizeof b, o->timeouts.v[0].t);
            snprintf(c->message, sizeof c->message, "expected %s connect timeout; reported at %s (status %s)",
                     e->flag ? "a" : "no", b, scn_status_name((int)o->timeouts.v[0].a));
        } else {
            snprintf(c->message, sizeof c->message, "expected %s connect timeout; none reported",
                     e->flag ? "a" : "no");
        }
        return;
    case SCN_E_RECONNECT_SPACING: {
        /* The waits the link manager announced, and the gaps actually seen
         * between a failure (or the drop) and the next attempt. */
        size_t n = (size_t)e->nspacing;
        if (o->backoffs.n < n || o->attempts.n < n) {
            snprintf(c->message, sizeof c->message, "expected %zu reconnect waits; saw %zu", n, o->backoffs.n);
            return;
        }
        for (size_t k = 0; k < n; k++) {
            sim_time wait = SIM_MS(o->backoffs.v[k].a);
            const struct tev *next = first_from(&o->attempts, o->backoffs.v[k].t);
            sim_time gap = next ? next->t - o->backoffs.v[k].t : -1;
            if (wait != e->spacing[k] || gap != e->spacing[k]) {
                fmt_t(a, sizeof a, e->spacing[k]);
                fmt_t(b, sizeof b, gap);
                snprintf(c->message, sizeof c->message,
                         "expected wait %zu before a reconnect attempt to be %s; the link manager waited %s", k + 1,
                         a, b);
                return;
            }
        }
        c->ok = true;
        snprintf(c->message, sizeof c->message, "the first %zu reconnect waits matched", n);
        return;
    }
    case SCN_E_POWER_CYCLES: {
        long long n = (long long)o->cycles.n;
        c->ok = n >= e->min && n <= e->max;
        if (e->min == e->max)
            snprintf(c->message, sizeof c->message, "expected %lld power cycle(s); saw %lld", e->min, n);
        else
            snprintf(c->message, sizeof c->message, "expected %lld..%lld power cycles; saw %lld", e->min, e->max, n);
        return;
    }
    case SCN_E_FRAMES_LOST_WHILE_HEALTHY:
        c->ok = o->lost <= e->max;
        snprintf(c->message, sizeof c->message, "expected at most %lld frame(s) lost while healthy; %lld lost",
                 e->max, o->lost);
        return;
    case SCN_E_RECOVERY_WITHIN: {
        sim_time from = ref_start(r, e->after), end = ref_end(r, e->after);
        const struct tev *t = first_from(&o->recovered, from);
        fmt_t(a, sizeof a, e->within);
        if (t == NULL) {
            snprintf(c->message, sizeof c->message, "expected recovery within %s of the fault's end; never recovered",
                     a);
            return;
        }
        sim_time took = t->t > end ? t->t - end : 0;
        fmt_t(b, sizeof b, took);
        c->ok = took <= e->within;
        snprintf(c->message, sizeof c->message, "expected recovery within %s of the fault's end; took %s", a, b);
        return;
    }
    case SCN_E_DROP_DETECTED_WITHIN: {
        sim_time from = ref_start(r, e->after);
        const struct tev *t = first_from(&o->drops, from);
        fmt_t(a, sizeof a, e->within);
        if (t == NULL) {
            snprintf(c->message, sizeof c->message, "expected the drop detected within %s; never detected", a);
            return;
        }
        fmt_t(b, sizeof b, t->t - from);
        c->ok = t->t - from <= e->within;
        snprintf(c->message, sizeof c->message, "expected the drop detected within %s; detected after %s", a, b);
        return;
    }
    case SCN_E_FRAMES_SENT_MIN:
        c->ok = o->sent >= e->min;
        snprintf(c->message, sizeof c->message, "expected at least %lld frames sent; %lld sent", e->min, o->sent);
        return;
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

static int set_ms(board *b, const char *key, sim_time t, sim_err *err)
{
    char v[32];
    snprintf(v, sizeof v, "%" PRId64, t / SIM_MS(1));
    return board_config_set(b, key, v, err);
}

static int apply_settings(const scenario *s, const runner_opts *o, board *b, sim_err *err)
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
    if (rc == SIM_OK && s->device_lan)
        rc = board_config_set(b, "camera.interface", "lan", err);
    for (int i = 0; rc == SIM_OK && i < o->nsets; i++) {
        const char *eq = strchr(o->sets[i], '=');
        if (eq == NULL || eq == o->sets[i])
            return sim_err_set(err, SIM_EINVAL, "--set %s: expected KEY=VALUE", o->sets[i]);
        char key[128];
        size_t kl = (size_t)(eq - o->sets[i]);
        if (kl >= sizeof key)
            return sim_err_set(err, SIM_EINVAL, "--set %s: key too long", o->sets[i]);
        memcpy(key, o->sets[i], kl);
        key[kl] = '\0';
        rc = board_config_set(b, key, eq + 1, err);
    }
    return rc;
}

void runner_opts_default(runner_opts *o)
{
    memset(o, 0, sizeof *o);
    o->out_dir = "out";
    o->log_level = SIM_LOG_WARN;
}

int runner_run(const scenario *s, const runner_opts *o, runner_result *out, sim_err *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", s->name);
    out->first_link = -1;
    out->seed = o->has_seed ? o->seed : s->seed;

    char dir[1024], air[1100], wire[1100], trace[1100];
    snprintf(dir, sizeof dir, "%s/%s", o->out_dir, s->name);
    int rc = runner_make_dirs(dir, err);
    if (rc != SIM_OK)
        return rc;
    snprintf(air, sizeof air, "%s/air.pcap", dir);
    snprintf(wire, sizeof wire, "%s/wire.pcap", dir);
    snprintf(trace, sizeof trace, "%s/trace.jsonl", dir);

    world_config wc;
    world_config_default(&wc);
    wc.seed = out->seed;
    for (int i = 0; i < s->naps; i++) {
        const scn_ap *a = &s->aps[i];
        world_ap_config *ac = world_add_ap(&wc, a->name, a->ssid, a->passphrase[0] ? a->passphrase : NULL,
                                           a->channel, a->pos.x, a->pos.y);
        ac->z = a->pos.z;
        ac->tx_power_dbm = a->tx_power_dbm;
        if (a->lease > 0)
            ac->dhcps.lease_s = (uint32_t)(a->lease / SIM_SEC(1));
        if (a->pool_start != 0) {
            ac->dhcps.pool_start = a->pool_start;
            ac->dhcps.pool_end = a->pool_end;
        }
    }
    wc.sta_x = s->device_pos.x;
    wc.sta_y = s->device_pos.y;
    wc.sta_z = s->device_pos.z;
    wc.sta_tx_power_dbm = s->device_tx_power_dbm;
    wc.lan = s->device_lan;
    wc.medium.capture_beacons = s->capture_beacons;
    wc.capture_snaplen = o->has_snaplen ? o->snaplen : s->snaplen;
    uint32_t ring_mb = o->has_ring ? o->ring_mb : s->ring_mb;
    wc.capture_ring_bytes = (uint64_t)ring_mb * 1024 * 1024;
    wc.capture_ring_files = s->ring_files;
    wc.air_pcap = air;
    wc.wire_pcap = wire;
    wc.up.restricted = true; /* in-rig services only, so runs are reproducible */

    world *w = world_create(&wc, err);
    if (w == NULL) {
        snprintf(out->failure, sizeof out->failure, "%s", err ? err->msg : "cannot build the world");
        return SIM_EINVAL;
    }
    sim *sm = world_sim(w);
    if (o->pacing > 0)
        sim_clock_set_pacing(sim_clock_of(sm), o->pacing);
    sim_trace *tr = sim_trace_of(sm);
    sim_trace_set_log(tr, stderr, (sim_log_level)o->log_level);
    struct run r = {.s = s, .w = w, .progress = o->progress};
    r.faults = calloc((size_t)s->nfaults + 1, sizeof *r.faults);
    if (r.faults == NULL || sim_trace_open(tr, trace, err) != SIM_OK) {
        free(r.faults);
        world_destroy(w);
        return SIM_EIO;
    }
    sim_trace_add_sink(tr, observe, &r.obs);
    rc = uplink_add_service(world_uplink(w), UPLINK_SERVICE_SINK, SINK_IP, SINK_PORT, err);
    if (rc == SIM_OK)
        rc = apply_settings(s, o, world_board(w), err);
    if (rc == SIM_OK)
        rc = board_power_on(world_board(w), err);
    if (rc != SIM_OK) {
        free(r.faults);
        world_destroy(w);
        return rc;
    }
    for (int i = 0; i < s->nfaults; i++) {
        struct fault_ev *fe = &r.faults[i];
        fe->r = &r;
        fe->i = i;
        fe->start = s->faults[i].at;
        fe->end = fault_end_time(&s->faults[i]);
        sim_at(sm, fe->start, fault_start_cb, fe);
    }
    sim_trace_rec *t = sim_trace_begin(tr, SIM_LOG_INFO, "scenario", "start");
    sim_trace_str(t, "name", s->name);
    sim_trace_int(t, "seed", (int64_t)out->seed);
    sim_trace_int(t, "duration_ns", s->duration);
    sim_trace_end(t);
    if (o->progress)
        sim_every(sm, SIM_SEC(1), SIM_SEC(1), progress_cb, &r);

    r.wall0 = r.last_progress = wall_now();
    sim_run_result res = sim_run_until(sm, s->duration);
    out->wall_s = wall_now() - r.wall0;
    if (o->progress && out->wall_s >= 1.0)
        fprintf(stderr, "\r%*s\r", 60, "");
    out->ran = true;
    out->virtual_end = sim_now(sm);
    if (res == SIM_RUN_FAILED)
        snprintf(out->failure, sizeof out->failure, "%s", sim_failure(sm));

    /* The verdict. A firmware crash fails the scenario whatever else held. */
    bool all = res != SIM_RUN_FAILED;
    out->nchecks = s->nexpects;
    for (int i = 0; i < s->nexpects; i++) {
        check_one(&r, &s->expects[i], &out->checks[i]);
        all = all && out->checks[i].ok;
    }
    out->passed = all;

    const struct observed *ob = &r.obs;
    const struct tev *first = first_status_from(&ob->status, 0, 3);
    out->first_link = first ? first->t : -1;
    out->ndrops = (int)(ob->drops.n < RUNNER_MAX_DROPS ? ob->drops.n : RUNNER_MAX_DROPS);
    for (int i = 0; i < out->ndrops; i++) {
        sim_time td = ob->drops.v[i].t;
        sim_time cause = -1;
        for (int k = 0; k < s->nfaults; k++)
            if (r.faults[k].start <= td && (cause < 0 || r.faults[k].start > cause))
                cause = r.faults[k].start;
        out->detect[i] = cause >= 0 ? td - cause : -1;
        const struct tev *rec = first_from(&ob->recovered, td);
        out->recover[i] = rec ? rec->t - td : -1;
    }
    out->attempts = (long long)ob->attempts.n;
    out->power_cycles = (long long)ob->cycles.n;
    out->frames_sent = ob->sent;
    out->frames_skipped = ob->skipped;
    out->frames_failed = ob->lost;
    uplink_sink_stats st = {0};
    uplink_sink_stats_get(world_uplink(w), SINK_IP, SINK_PORT, &st);
    out->sink_bytes = st.bytes;

    t = sim_trace_begin(tr, SIM_LOG_INFO, "scenario", "end");
    sim_trace_bool(t, "passed", out->passed);
    sim_trace_end(t);
    for (int i = 0; i < s->nfaults; i++)
        sim_cancel(sm, r.faults[i].walk_timer);
    world_destroy(w);
    observed_free(&r.obs);
    free(r.faults);
    return SIM_OK;
}

/* ---- reporting ---- */

void runner_print_summary(FILE *f, const runner_result *r)
{
    char a[32], b[32];
    if (!r->ran) {
        fprintf(f, "%s: could not run: %s\n", r->name, r->failure);
        return;
    }
    fprintf(f, "%s: %s (seed %" PRIu64 ", %s virtual in %.2f s wall)\n", r->name, r->passed ? "PASS" : "FAIL", r->seed,
            sim_time_format(r->virtual_end, a, sizeof a), r->wall_s);
    if (r->failure[0])
        fprintf(f, "  firmware failed: %s\n", r->failure);
    for (int i = 0; i < r->nchecks; i++)
        fprintf(f, "  [%s] %s: %s\n", r->checks[i].ok ? "ok" : "FAIL", r->checks[i].name, r->checks[i].message);
    if (r->first_link >= 0)
        fprintf(f, "  time to first link: %s\n", sim_time_format(r->first_link, a, sizeof a));
    else
        fprintf(f, "  time to first link: never\n");
    for (int i = 0; i < r->ndrops; i++) {
        if (r->detect[i] >= 0)
            sim_time_format(r->detect[i], a, sizeof a);
        else
            snprintf(a, sizeof a, "?");
        if (r->recover[i] >= 0)
            sim_time_format(r->recover[i], b, sizeof b);
        else
            snprintf(b, sizeof b, "not recovered");
        fprintf(f, "  drop %d: detected %s after the fault, recovered %s later\n", i + 1, a, b);
    }
    fprintf(f, "  reconnect attempts: %lld, power cycles: %lld\n", r->attempts, r->power_cycles);
    fprintf(f, "  frames: %lld sent, %lld skipped, %lld lost while healthy; sink received %" PRIu64 " bytes\n",
            r->frames_sent, r->frames_skipped, r->frames_failed, r->sink_bytes);
}

int runner_result_write(int fd, const runner_result *r)
{
    const char *p = (const char *)r;
    size_t left = sizeof *r;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return SIM_EIO;
        p += n;
        left -= (size_t)n;
    }
    return SIM_OK;
}

int runner_result_read(int fd, runner_result *r)
{
    char *p = (char *)r;
    size_t left = sizeof *r;
    while (left > 0) {
        ssize_t n = read(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return SIM_EIO;
        p += n;
        left -= (size_t)n;
    }
    return SIM_OK;
}

static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
                fputc(*s, f);
        }
    }
}

int runner_write_junit(const char *path, const runner_result *results, int n, sim_err *err)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return sim_err_set(err, SIM_EIO, "cannot write %s: %s", path, strerror(errno));
    int tests = 0, failures = 0;
    for (int i = 0; i < n; i++) {
        tests += results[i].nchecks + 1;
        for (int k = 0; k < results[i].nchecks; k++)
            failures += !results[i].checks[k].ok;
        failures += !results[i].ran || results[i].failure[0] != '\0';
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"linkrig\" tests=\"%d\" failures=\"%d\">\n",
            tests, failures);
    for (int i = 0; i < n; i++) {
        const runner_result *r = &results[i];
        int fails = !r->ran || r->failure[0] != '\0';
        for (int k = 0; k < r->nchecks; k++)
            fails += !r->checks[k].ok;
        fputs("  <testsuite name=\"", f);
        xml_text(f, r->name);
        fprintf(f, "\" tests=\"%d\" failures=\"%d\" time=\"%.3f\">\n", r->nchecks + 1, fails, r->wall_s);
        /* the run itself: built, and the firmware did not crash */
        fputs("    <testcase classname=\"", f);
        xml_text(f, r->name);
        fputs("\" name=\"run\">", f);
        if (!r->ran || r->failure[0]) {
            fputs("<failure message=\"", f);
            xml_text(f, r->failure[0] ? r->failure : "did not run");
            fputs("\"/>", f);
        }
        fputs("</testcase>\n", f);
        for (int k = 0; k < r->nchecks; k++) {
            fputs("    <testcase classname=\"", f);
            xml_text(f, r->name);
            fputs("\" name=\"", f);
            xml_text(f, r->checks[k].name);
            fputs("\">", f);
            if (!r->checks[k].ok) {
                fputs("<failure message=\"", f);
                xml_text(f, r->checks[k].message);
                fputs("\"/>", f);
            }
            fputs("</testcase>\n", f);
        }
        fputs("  </testsuite>\n", f);
    }
    fputs("</testsuites>\n", f);
    if (fclose(f) != 0)
        return sim_err_set(err, SIM_EIO, "cannot write %s", path);
    return SIM_OK;
}
