/* tests/test_verdict.c — expectations are judged from what the rig saw.
 *
 * Synthetic trace events go straight into a verdict: the rig's (driver
 * calls, radio, AP, DHCP server, sink) and the firmware's own. A firmware
 * that reports success in its own words without the rig seeing it fails;
 * one that says nothing about itself passes on the rig's evidence alone. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/verdict.h"
#include "sim/verdict_route.h"

#define MAC "02:00:00:00:00:01"
#define SINK "10.0.2.100:9000"

static verdict *make(void)
{
    verdict_config c = {.dev = "cam", .radio = "cam.radio", .uplink = "uplink", .sink_ip = 0x0a000264u,
                        .sink_port = 9000, .only_device = true};
    c.aps[c.naps++] = "ap1";
    c.dhcp[c.ndhcp++] = "dhcp";
    const uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
    memcpy(c.macs[c.nmacs++], mac, 6);
    verdict *v = verdict_create(&c);
    assert_non_null(v);
    return v;
}

/* One event: comp, name, then key/kind/value triples ('s' string, 'i' int), NULL-ended. */
static void ev(verdict *v, double t_s, const char *comp, const char *name, ...)
{
    sim_trace_field f[8];
    size_t n = 0;
    va_list ap;
    va_start(ap, name);
    const char *key;
    while ((key = va_arg(ap, const char *)) != NULL && n < 8) {
        int kind = va_arg(ap, int);
        f[n].key = key;
        if (kind == 's') {
            f[n].type = SIM_TF_STR;
            f[n].str = va_arg(ap, const char *);
            f[n].num = 0;
        } else {
            f[n].type = SIM_TF_INT;
            f[n].str = NULL;
            f[n].num = va_arg(ap, long long);
        }
        n++;
    }
    va_end(ap);
    sim_trace_event e = {.t = (sim_time)(t_s * 1e9 + 0.5), .comp = comp, .event = name, .fields = f, .nfields = n};
    verdict_observe(v, &e);
}

static void call(verdict *v, double t, const char *what, long long rc)
{
    ev(v, t, "cam", "chip", "call", 's', what, "rc", 'i', rc, NULL);
}

static void upload(verdict *v, double first, long long bytes)
{
    ev(v, first + 0.2, "uplink", "upload", "service", 's', SINK, "first", 'i', (long long)(first * 1e9), "last", 'i',
       (long long)((first + 0.01) * 1e9), "bytes", 'i', bytes, NULL);
}

struct fixture {
    scenario *s;
    sim_time start[1], end[1];
    verdict_refs refs;
};

static void refs_init(struct fixture *fx, double fault_s, double run_end_s)
{
    fx->s = calloc(1, sizeof *fx->s);
    assert_non_null(fx->s);
    fx->start[0] = fx->end[0] = (sim_time)(fault_s * 1e9);
    fx->refs = (verdict_refs){.start = fx->start, .end = fx->end, .nfaults = 1,
                              .run_end = (sim_time)(run_end_s * 1e9), .s = fx->s};
}

static runner_check judge(const verdict *v, const struct fixture *fx, scn_expect e)
{
    runner_check c;
    snprintf(e.text, sizeof e.text, "%s", scn_expect_name(e.kind));
    verdict_check(v, &e, &fx->refs, &c);
    return c;
}

/* As the runner does (verdict_reference): every reference time of the
 * checks before the events, so the verdict cuts its upload log there —
 * each occurrence's start and end, and the end of each window the tests'
 * max_outage exclusions make (grace 0 or 10 s). */
static void tell(verdict *v, const verdict_refs *r)
{
    for (int i = 0; i < r->nfaults; i++) {
        verdict_reference(v, r->start[i]);
        verdict_reference(v, r->end[i]);
    }
    for (size_t i = 0; r->occ != NULL && i < r->nocc; i++) {
        verdict_reference(v, r->occ[i].start);
        verdict_reference(v, r->occ[i].end);
        verdict_reference(v, r->occ[i].end + SIM_SEC(10));
    }
}

/* An AP reboot as the rig sees it, while the firmware tells tall tales. */
static void feed_reboot(verdict *v)
{
    call(v, 0, "wifi_join", 0);
    ev(v, 0.5, "cam.radio", "link_up", NULL);
    ev(v, 0.52, "dhcp", "ack", "mac", 's', MAC, "lease", 'i', 3600LL, NULL);
    call(v, 0.6, "tcpip_link_status", 3);
    upload(v, 1.0, 20480);
    upload(v, 59.0, 20480);
    ev(v, 60.0, "ap1", "enabled", "on", 'i', 0LL, NULL);
    ev(v, 60.775, "cam.radio", "link_down", "why", 's', "beacon loss", NULL);
    call(v, 60.8, "tcpip_link_status", 0);
    ev(v, 61.0, "cam.fw", "lm_recovered", "down_ms", 'i', 1LL, NULL); /* a lie */
    call(v, 61.8, "wifi_leave", 0);
    call(v, 61.8, "wifi_join", 0);
    call(v, 61.9, "tcpip_link_status", 1);
    call(v, 62.9, "tcpip_link_status", -2);
    call(v, 64.9, "wifi_join", 0);
    call(v, 65.0, "tcpip_link_status", 1);
    call(v, 66.0, "tcpip_link_status", -2);
    call(v, 70.0, "wifi_join", 0);
    call(v, 70.1, "tcpip_link_status", 1);
    ev(v, 71.0, "cam.radio", "link_up", NULL);
    ev(v, 71.1, "dhcp", "ack", "mac", 's', MAC, "lease", 'i', 3600LL, NULL);
    call(v, 71.2, "tcpip_link_status", 3);
    upload(v, 72.0, 20480);
    ev(v, 73.0, "cam.fw", "marker", "name", 's', "upload_done", "value", 'i', 1LL, NULL);
    ev(v, 74.0, "cam.fw", "marker", "name", 's', "upload_done", "value", 'i', 2LL, NULL);
}

static void test_judged_from_the_rig(void **state)
{
    (void)state;
    struct fixture fx;
    refs_init(&fx, 60, 80);
    verdict *v = make();
    tell(v, &fx.refs);
    feed_reboot(v);

    runner_check c = judge(v, &fx, (scn_expect){.kind = SCN_E_LINK_UP_WITHIN, .within = SIM_SEC(15), .after = -1});
    assert_true(c.ok);
    assert_non_null(strstr(c.message, "0.520s"));

    scn_expect sp = {.kind = SCN_E_RECONNECT_SPACING, .after = -1, .nspacing = 3,
                     .spacing = {SIM_SEC(1), SIM_SEC(2), SIM_SEC(4)}};
    c = judge(v, &fx, sp);
    assert_true(c.ok);
    sp.spacing[1] = SIM_SEC(3);
    c = judge(v, &fx, sp);
    assert_false(c.ok);
    assert_non_null(strstr(c.message, "gap 2"));
    assert_non_null(strstr(c.message, "2.000s after")); /* what was seen, not just what was wanted */

    c = judge(v, &fx, (scn_expect){.kind = SCN_E_DROP_DETECTED_WITHIN, .within = SIM_SEC(1), .after = 0});
    assert_true(c.ok);
    assert_non_null(strstr(c.message, "0.800s"));

    /* the firmware said it recovered at 61 s; data reached the sink at 72 s */
    c = judge(v, &fx, (scn_expect){.kind = SCN_E_RECOVERY_WITHIN, .within = SIM_SEC(10), .after = 0});
    assert_false(c.ok);
    assert_non_null(strstr(c.message, "12.000s after"));
    c = judge(v, &fx, (scn_expect){.kind = SCN_E_RECOVERY_WITHIN, .within = SIM_SEC(15), .after = 0});
    assert_true(c.ok);

    c = judge(v, &fx, (scn_expect){.kind = SCN_E_STATUS_REACHES, .status = -2, .after = 0});
    assert_true(c.ok);
    c = judge(v, &fx, (scn_expect){.kind = SCN_E_STATUS_REACHES, .status = -3, .after = 0});
    assert_false(c.ok);

    c = judge(v, &fx, (scn_expect){.kind = SCN_E_UPLOADS_MIN, .min = 3, .max = LLONG_MAX});
    assert_true(c.ok);
    c = judge(v, &fx, (scn_expect){.kind = SCN_E_BYTES_DELIVERED_MIN, .min = 61441, .max = LLONG_MAX});
    assert_false(c.ok);
    c = judge(v, &fx, (scn_expect){.kind = SCN_E_DELIVERY_GAP_MAX, .within = SIM_SEC(58), .after = -1});
    assert_true(c.ok); /* 1.01 -> 59.0: 57.99 s */
    c = judge(v, &fx, (scn_expect){.kind = SCN_E_DELIVERY_GAP_MAX, .within = SIM_SEC(57), .after = -1});
    assert_false(c.ok);
    assert_non_null(strstr(c.message, "57.990s"));
    c = judge(v, &fx, (scn_expect){.kind = SCN_E_DELIVERY_GAP_MAX, .within = SIM_SEC(12), .after = 0});
    assert_true(c.ok); /* from the fault's end at 60 s to 72.0 s */
    c = judge(v, &fx, (scn_expect){.kind = SCN_E_DELIVERY_GAP_MAX, .within = SIM_SEC(11), .after = 0});
    assert_false(c.ok);

    scn_expect m = {.kind = SCN_E_MARKER, .min = 2, .max = LLONG_MAX, .after = -1};
    snprintf(m.marker, sizeof m.marker, "upload_done");
    assert_true(judge(v, &fx, m).ok);
    m.min = 3;
    assert_false(judge(v, &fx, m).ok);

    c = judge(v, &fx, (scn_expect){.kind = SCN_E_POWER_CYCLES, .min = 0, .max = 0});
    assert_true(c.ok);
    verdict_free(v);
    free(fx.s);
}

/* The firmware's own words decide nothing. */
static void test_words_are_not_evidence(void **state)
{
    (void)state;
    struct fixture fx;
    refs_init(&fx, 10, 40);
    verdict *v = make();
    tell(v, &fx.refs);
    ev(v, 0.6, "cam.fw", "wlan_status", "status", 'i', 3LL, NULL);
    ev(v, 0.6, "cam.fw", "lm_connected", NULL);
    for (int i = 1; i < 30; i++)
        ev(v, i, "cam.fw", "frame", "result", 's', "sent", "bytes", 'i', 20480LL, NULL);
    /* The firmware's component cannot forge the rig's own records. */
    ev(v, 0.7, "cam.fw", "chip", "call", 's', "wifi_join", "rc", 'i', 0LL, NULL);
    runner_check c = judge(v, &fx, (scn_expect){.kind = SCN_E_LINK_UP_WITHIN, .within = SIM_SEC(15), .after = -1});
    assert_false(c.ok);
    assert_non_null(strstr(c.message, "no join was ever made"));
    c = judge(v, &fx, (scn_expect){.kind = SCN_E_UPLOADS_MIN, .min = 1, .max = LLONG_MAX});
    assert_false(c.ok);
    assert_non_null(strstr(c.message, "received nothing"));
    c = judge(v, &fx, (scn_expect){.kind = SCN_E_STATUS_REACHES, .status = 3, .after = -1});
    assert_false(c.ok);
    assert_non_null(strstr(c.message, "never polled"));
    verdict_free(v);
    free(fx.s);
}

/* Power cycles are down-then-up pairs the chip accepted. */
static void test_power_cycles(void **state)
{
    (void)state;
    struct fixture fx;
    refs_init(&fx, 10, 40);
    verdict *v = make();
    tell(v, &fx.refs);
    ev(v, 0, "cam", "chip", "call", 's', "wifi_set_up", "rc", 'i', 0LL, "up", 'i', 1LL, NULL); /* boot: no cycle */
    ev(v, 5, "cam", "chip", "call", 's', "wifi_set_up", "rc", 'i', 0LL, "up", 'i', 0LL, NULL);
    ev(v, 6, "cam", "chip", "call", 's', "wifi_set_up", "rc", 'i', 0LL, "up", 'i', 1LL, NULL);
    ev(v, 7, "cam", "chip", "call", 's', "wifi_set_up", "rc", 'i', 0LL, "up", 'i', 1LL, NULL); /* up again: no cycle */
    ev(v, 8, "cam", "chip", "call", 's', "wifi_set_up", "rc", 'i', 0LL, "up", 'i', 0LL, NULL);
    runner_check c = judge(v, &fx, (scn_expect){.kind = SCN_E_POWER_CYCLES, .min = 1, .max = 1});
    assert_true(c.ok);
    verdict_free(v);
    free(fx.s);
}

/* A repeating entry: "reboot", three occurrences at 60 s, 180 s and 300 s,
 * 20 s each. Data reaches the sink again 10, 15 and 25 s after each end. */
struct rep_fixture {
    scenario *s;
    sim_time start[1], end[1];
    verdict_occ occ[3];
    verdict_refs refs;
};

static const double rep_start[3] = {60, 180, 300}, rep_back[3] = {90, 215, 345};

static void rep_init(struct rep_fixture *fx)
{
    fx->s = calloc(1, sizeof *fx->s);
    assert_non_null(fx->s);
    fx->s->nfaults = 1;
    fx->s->faults[0].kind = SCN_F_AP_REBOOT;
    fx->s->faults[0].count = 3;
    snprintf(fx->s->faults[0].id, sizeof fx->s->faults[0].id, "reboot");
    for (int k = 0; k < 3; k++)
        fx->occ[k] = (verdict_occ){.entry = 0, .k = k + 1, .start = SIM_SEC((long long)rep_start[k]),
                                   .end = SIM_SEC((long long)rep_start[k] + 20)};
    fx->start[0] = fx->occ[0].start;
    fx->end[0] = fx->occ[0].end;
    fx->refs = (verdict_refs){.start = fx->start, .end = fx->end, .nfaults = 1, .run_end = SIM_SEC(400),
                              .s = fx->s, .occ = fx->occ, .nocc = 3};
}

static void online_at(verdict *v, double t)
{
    call(v, t - 1.0, "wifi_join", 0);
    ev(v, t - 0.5, "cam.radio", "link_up", NULL);
    ev(v, t - 0.4, "ap1", "sta_authorized", "sta", 's', MAC, NULL);
    ev(v, t, "dhcp", "ack", "mac", 's', MAC, "lease", 'i', 3600LL, NULL);
    ev(v, t + 0.05, "uplink", "service_conn", "service", 's', SINK, "from", 's', "10.0.2.15:49152", NULL);
}

static void feed_repeats(verdict *v)
{
    online_at(v, 0.5);
    double from = 1;
    for (int k = 0; k < 3; k++) {
        for (double t = from; t < rep_start[k]; t += 1)
            upload(v, t, 1000);
        ev(v, rep_start[k], "ap1", "enabled", "on", 'i', 0LL, NULL);
        online_at(v, rep_back[k] - 1);
        from = rep_back[k];
    }
    for (double t = from; t < 400; t += 1)
        upload(v, t, 1000);
}

static runner_check judge_rep(const verdict *v, const struct rep_fixture *fx, scn_expect e)
{
    runner_check c;
    snprintf(e.text, sizeof e.text, "%s", scn_expect_name(e.kind));
    verdict_check(v, &e, &fx->refs, &c);
    printf("  %s: %s\n", c.ok ? "ok  " : "FAIL", c.message);
    return c;
}

/* after: a repeating entry judges every occurrence and reports the worst;
 * ID#K judges one. */
static void test_each_occurrence(void **state)
{
    (void)state;
    struct rep_fixture fx;
    rep_init(&fx);
    verdict *v = make();
    tell(v, &fx.refs);
    feed_repeats(v);

    scn_expect e = {.kind = SCN_E_RECOVERY_WITHIN, .within = SIM_SEC(20), .after = 0};
    runner_check c = judge_rep(v, &fx, e);
    assert_false(c.ok); /* #3 took 25 s */
    assert_non_null(strstr(c.message, "failed for 1 of the 3 occurrences of reboot; the worst, reboot#3 at 5m00.000s"));
    assert_non_null(strstr(c.message, "25.000s after"));
    e.within = SIM_SEC(25);
    c = judge_rep(v, &fx, e);
    assert_true(c.ok);
    assert_non_null(strstr(c.message, "held for all 3 occurrences of reboot; the worst, reboot#3"));
    e.within = SIM_SEC(20);
    e.after_occ = 2;
    c = judge_rep(v, &fx, e);
    assert_true(c.ok);
    assert_non_null(strstr(c.message, "reboot#2 at 3m00.000s: "));
    assert_non_null(strstr(c.message, "15.000s after"));
    e.after_occ = 3;
    assert_false(judge_rep(v, &fx, e).ok);
    /* an occurrence that never started (the run ended first) fails */
    fx.refs.nocc = 2;
    c = judge_rep(v, &fx, e);
    assert_false(c.ok);
    assert_non_null(strstr(c.message, "reboot#3 never started"));
    fx.refs.nocc = 3;

    /* the other after: expectations take occurrences too */
    c = judge_rep(v, &fx, (scn_expect){.kind = SCN_E_DROP_DETECTED_WITHIN, .within = SIM_SEC(30), .after = 0});
    assert_false(c.ok); /* the first reaction (a join) came 29, 34 and 44 s after the starts */
    assert_non_null(strstr(c.message, "failed for 2 of the 3"));
    c = judge_rep(v, &fx, (scn_expect){.kind = SCN_E_LINK_UP_WITHIN, .within = SIM_SEC(25), .after = 0});
    assert_true(c.ok);
    assert_non_null(strstr(c.message, "the worst, reboot#3"));
    verdict_free(v);
    free(fx.s);
}

/* max_outage: the longest silence, with excluded windows cut out of it. */
static void test_max_outage(void **state)
{
    (void)state;
    struct rep_fixture fx;
    rep_init(&fx);
    verdict *v = make();
    tell(v, &fx.refs);
    feed_repeats(v);
    /* silences: 59.01 -> 90, 179.01 -> 215, 299.01 -> 345 (46 s) */
    scn_expect e = {.kind = SCN_E_MAX_OUTAGE, .within = SIM_SEC(45)};
    runner_check c = judge_rep(v, &fx, e);
    assert_false(c.ok);
    assert_non_null(strstr(c.message, "the longest was 45.990s, from 4m59.010s to 5m45.000s"));
    e.within = SIM_SEC(46);
    assert_true(judge_rep(v, &fx, e).ok);
    /* excluding each reboot [start, end]: 80 -> 90, 200 -> 215, 320 -> 345 remain */
    e = (scn_expect){.kind = SCN_E_MAX_OUTAGE, .within = SIM_SEC(24), .nexclude = 1, .exclude = {{0, 0}}};
    c = judge_rep(v, &fx, e);
    assert_false(c.ok);
    assert_non_null(strstr(c.message, "outside 3 excluded windows; the longest was 25.000s, from 5m20.000s to 5m45.000s"));
    e.within = SIM_SEC(25);
    assert_true(judge_rep(v, &fx, e).ok);
    /* grace lengthens each window: 10 s leaves 15 s after the third */
    e.within = SIM_SEC(15);
    e.grace = SIM_SEC(10);
    assert_true(judge_rep(v, &fx, e).ok);
    e.within = SIM_SEC(14);
    assert_false(judge_rep(v, &fx, e).ok);
    /* only #3 excluded: the second silence counts whole */
    e = (scn_expect){.kind = SCN_E_MAX_OUTAGE, .within = SIM_SEC(35), .nexclude = 1, .exclude = {{0, 3}}};
    c = judge_rep(v, &fx, e);
    assert_false(c.ok);
    assert_non_null(strstr(c.message, "35.990s, from 2m59.010s to 3m35.000s"));
    /* a sink that heard nothing fails */
    verdict *quiet = make();
    tell(quiet, &fx.refs);
    online_at(quiet, 1);
    c = judge_rep(quiet, &fx, (scn_expect){.kind = SCN_E_MAX_OUTAGE, .within = SIM_SEC(45)});
    assert_false(c.ok);
    assert_non_null(strstr(c.message, "it received nothing"));
    verdict_free(quiet);
    verdict_free(v);
    free(fx.s);
}

static void test_status_never_and_counts(void **state)
{
    (void)state;
    struct rep_fixture fx;
    rep_init(&fx);
    verdict *v = make();
    tell(v, &fx.refs);
    feed_repeats(v);
    /* three AP reboots, three losses while online */
    runner_check c = judge_rep(v, &fx, (scn_expect){.kind = SCN_E_DROPS, .min = 0, .max = 2});
    assert_false(c.ok);
    assert_non_null(strstr(c.message, "expected at most 2 drop(s); the rig saw 3 loss(es)"));
    assert_true(judge_rep(v, &fx, (scn_expect){.kind = SCN_E_DROPS, .min = 3, .max = 3}).ok);
    /* four connections to the sink: one at boot, one after each reboot */
    c = judge_rep(v, &fx, (scn_expect){.kind = SCN_E_CONNECTIONS, .min = 0, .max = 3});
    assert_false(c.ok);
    assert_non_null(strstr(c.message, "the device opened 4"));
    assert_true(judge_rep(v, &fx, (scn_expect){.kind = SCN_E_CONNECTIONS, .min = 4, .max = LLONG_MAX}).ok);

    verdict_free(v);

    v = make();
    tell(v, &fx.refs);
    assert_true(judge_rep(v, &fx, (scn_expect){.kind = SCN_E_STATUS_NEVER, .status = -3}).ok); /* never polled */
    online_at(v, 1);
    call(v, 100, "tcpip_link_status", 3);
    call(v, 101, "tcpip_link_status", -3);
    call(v, 102, "tcpip_link_status", 3);
    call(v, 103, "eth_link_status", -3); /* not a Wi-Fi status */
    c = judge_rep(v, &fx, (scn_expect){.kind = SCN_E_STATUS_NEVER, .status = -3});
    assert_false(c.ok);
    assert_non_null(strstr(c.message, "tcpip_link_status returned it at 1m41.000s (1 time in all)"));
    assert_true(judge_rep(v, &fx, (scn_expect){.kind = SCN_E_STATUS_NEVER, .status = -2}).ok);
    verdict_free(v);
    free(fx.s);
}

/* associated_with: from the AP's authorizations until the next loss. */
static void test_associated_with(void **state)
{
    (void)state;
    struct rep_fixture fx;
    rep_init(&fx);
    verdict *v = make();
    tell(v, &fx.refs);
    feed_repeats(v);
    scn_expect e = {.kind = SCN_E_ASSOCIATED_WITH, .ap = 0, .at = SIM_SEC(100), .after = -1};
    runner_check c = judge_rep(v, &fx, e);
    assert_true(c.ok);
    assert_non_null(strstr(c.message, "associated with ap1 since 1m28.600s"));
    e.at = SIM_SEC(70);
    c = judge_rep(v, &fx, e);
    assert_false(c.ok);
    assert_non_null(strstr(c.message, "associated with no AP since 1m00.000s"));
    /* at each reboot's end: re-authorized 8.6, 13.6 and 23.6 s later */
    e = (scn_expect){.kind = SCN_E_ASSOCIATED_WITH, .ap = 0, .at = -1, .after = 0};
    c = judge_rep(v, &fx, e);
    assert_false(c.ok);
    assert_non_null(strstr(c.message, "failed for 3 of the 3"));
    e.within = SIM_SEC(20);
    c = judge_rep(v, &fx, e);
    assert_false(c.ok);
    assert_non_null(strstr(c.message, "failed for 1 of the 3 occurrences of reboot; the worst, reboot#3"));
    e.within = SIM_SEC(24);
    c = judge_rep(v, &fx, e);
    assert_true(c.ok);
    assert_non_null(strstr(c.message, "the worst, reboot#3"));
    assert_non_null(strstr(c.message, "ap1 authorized it at 5m43.600s"));
    /* at the end of the run */
    assert_true(judge_rep(v, &fx, (scn_expect){.kind = SCN_E_ASSOCIATED_WITH, .ap = 0, .at = -1, .after = -1}).ok);
    verdict_free(v);
    free(fx.s);
}

/* The summary's metrics: each drop's fault and down time, and the totals. */
static void test_drop_metrics(void **state)
{
    (void)state;
    struct rep_fixture fx;
    rep_init(&fx);
    verdict *v = make();
    tell(v, &fx.refs);
    feed_repeats(v);
    runner_result *out = calloc(1, sizeof *out);
    assert_non_null(out);
    verdict_metrics(v, &fx.refs, out);
    assert_int_equal(out->ndrops, 3);
    assert_int_equal(out->drops_total, 3);
    assert_string_equal(out->drop_fault[1], "reboot#2 (ap_reboot at 3m00.000s)");
    assert_string_equal(out->drop_cause[1], "the AP switched off");
    assert_int_equal(out->drop_at[1], SIM_SEC(180));
    assert_int_equal(out->drop_down[0], SIM_SEC(30));
    assert_int_equal(out->drop_down[2], SIM_SEC(45));
    assert_int_equal(out->down_longest, SIM_SEC(45));
    assert_int_equal(out->down_median, SIM_SEC(35));
    assert_int_equal(out->drops_unrecovered, 0);
    assert_int_equal(out->first_delivery, SIM_SEC(1));
    /* 110 s down out of the 399 s from the first delivery */
    assert_true(out->availability > 1.0 - 110.0 / 399.0 - 1e-9 && out->availability < 1.0 - 110.0 / 399.0 + 1e-9);
    free(out);
    verdict_free(v);
    free(fx.s);
}

static void test_time_format_rounds(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(verdict_fmt_time(SIM_MS(1500) - 1, b, sizeof b), "1.500s");
    assert_string_equal(verdict_fmt_time(999999, b, sizeof b), "0.001s");
    assert_string_equal(verdict_fmt_time(499999, b, sizeof b), "0.000s");
    assert_string_equal(verdict_fmt_time(SIM_SEC(61) + SIM_MS(200), b, sizeof b), "1m01.200s");
}

/* The route hands each event to the verdicts it concerns only: a device's
 * own components to its verdict, the shared parts' to every verdict, the
 * rest to none; each verdict ends as it would as a sink of its own. */
static verdict *make_dev_in(const char *dev, const char *radio, uint8_t last, bool only)
{
    verdict_config c = {.dev = dev, .radio = radio, .uplink = "uplink", .sink_ip = 0x0a000264u,
                        .sink_port = 9000, .only_device = only};
    c.aps[c.naps++] = "ap1";
    c.dhcp[c.ndhcp++] = "dhcp";
    const uint8_t mac[6] = {2, 0, 0, 0, 0, last};
    memcpy(c.macs[c.nmacs++], mac, 6);
    verdict *v = verdict_create(&c);
    assert_non_null(v);
    return v;
}

static verdict *make_dev(const char *dev, const char *radio, uint8_t last)
{
    return make_dev_in(dev, radio, last, true);
}

/* e to the route and to each of the n verdicts directly (sinks of their
 * own, to compare with the routed ones). */
static void route_both(verdict_route *r, verdict **direct, int n, const sim_trace_event *e)
{
    verdict_route_observe(r, e);
    for (int i = 0; i < n; i++)
        verdict_observe(direct[i], e);
}

static void route_pairs_free(verdict_route *r, verdict **v, verdict **direct, int n)
{
    verdict_route_free(r);
    for (int i = 0; i < n; i++) {
        verdict_free(v[i]);
        verdict_free(direct[i]);
    }
}

static void route_ev(verdict_route *r, verdict *direct[2], double t_s, const char *comp, const char *name,
                     const char *key, const char *val)
{
    /* a DHCP ACK grants an address when it carries a lease */
    sim_trace_field f[2] = {{.key = key, .type = SIM_TF_STR, .str = val}, {.key = "lease", .type = SIM_TF_INT, .num = 3600}};
    sim_trace_event e = {.t = (sim_time)(t_s * 1e9), .comp = comp, .event = name, .fields = f, .nfields = key ? 2 : 0};
    route_both(r, direct, 2, &e);
}

static void test_route(void **state)
{
    (void)state;
    verdict *v[2] = {make_dev("cam1", "cam1.radio", 1), make_dev("cam2", "cam2.radio", 2)};
    verdict *direct[2] = {make_dev("cam1", "cam1.radio", 1), make_dev("cam2", "cam2.radio", 2)};
    assert_int_equal(verdict_interest(v[0], "cam1.radio"), 2);
    assert_int_equal(verdict_interest(v[0], "cam1.fw"), 2);
    assert_int_equal(verdict_interest(v[0], "cam2.radio"), 0);
    assert_int_equal(verdict_interest(v[0], "ap1"), 1);
    assert_int_equal(verdict_interest(v[0], "medium"), 0);
    verdict_route *r = verdict_route_create(v, 2);
    assert_non_null(r);
    /* more components than the route's first table holds */
    char comp[32];
    for (int i = 0; i < 200; i++) {
        snprintf(comp, sizeof comp, "other%d", i);
        route_ev(r, direct, 0.1, comp, "link_up", NULL, NULL);
    }
    route_ev(r, direct, 0.5, "cam1.radio", "link_up", NULL, NULL);
    route_ev(r, direct, 0.52, "dhcp", "ack", "mac", "02:00:00:00:00:01");
    route_ev(r, direct, 0.6, "cam2.radio", "link_up", NULL, NULL);
    route_ev(r, direct, 0.7, "cam2.radio", "link_down", NULL, NULL);
    verdict_now now[2], want[2];
    for (int i = 0; i < 2; i++) {
        verdict_get_now(v[i], &now[i]);
        verdict_get_now(direct[i], &want[i]);
        assert_int_equal(now[i].online, want[i].online);
        assert_int_equal(now[i].joins, want[i].joins);
    }
    assert_true(now[0].online);  /* its link_up and its lease */
    assert_false(now[1].online); /* cam1's lease is not cam2's */
    route_pairs_free(r, v, direct, 2);
}

/* Three devices' verdicts behind a route (v) and the same three as sinks
 * of their own (direct). */
static verdict_route *route_three(verdict *v[3], verdict *direct[3])
{
    for (int k = 0; k < 2; k++) {
        verdict **to = k == 0 ? v : direct;
        to[0] = make_dev_in("cam1", "cam1.radio", 1, false);
        to[1] = make_dev_in("cam2", "cam2.radio", 2, false);
        to[2] = make_dev_in("cam3", "cam3.radio", 3, false);
    }
    verdict_route *r = verdict_route_create(v, 3);
    assert_non_null(r);
    return r;
}

/* An upload the sink traces, from the device with MAC address mac ("" for
 * none), to the route and to each verdict directly. */
static void route_upload(verdict_route *r, verdict *direct[3], double t_s, const char *mac, long long bytes)
{
    sim_time t = (sim_time)(t_s * 1e9);
    sim_trace_field f[5] = {{.key = "service", .type = SIM_TF_STR, .str = "10.0.2.100:9000"},
                            {.key = "mac", .type = SIM_TF_STR, .str = mac},
                            {.key = "first", .type = SIM_TF_INT, .num = t - SIM_MS(300)},
                            {.key = "last", .type = SIM_TF_INT, .num = t - SIM_MS(100)},
                            {.key = "bytes", .type = SIM_TF_INT, .num = bytes}};
    sim_trace_event e = {.t = t, .comp = "uplink", .event = "upload", .fields = f, .nfields = 5};
    route_both(r, direct, 3, &e);
}

/* The uplink's uploads go by MAC address: the device's verdict counts them,
 * the others only keep time, each as it would as a sink of its own. */
static void test_route_uploads_by_mac(void **state)
{
    (void)state;
    verdict *v[3], *direct[3];
    verdict_route *r = route_three(v, direct);
    assert_int_equal(verdict_gate_of(v[0], "uplink"), VERDICT_GATE_UPLINK);
    assert_int_equal(verdict_gate_of(v[0], "ap1"), VERDICT_GATE_AP);
    assert_int_equal(verdict_gate_of(v[0], "dhcp"), VERDICT_GATE_DHCP);
    assert_int_equal(verdict_gate_of(v[0], "cam1.radio"), VERDICT_GATE_NONE);
    assert_int_equal(verdict_gate_of(v[0], "cam2.radio"), VERDICT_GATE_NONE);
    verdict *only = make_dev("cam9", "cam9.radio", 9);
    assert_int_equal(verdict_gate_of(only, "uplink"), VERDICT_GATE_NONE); /* takes every upload */
    assert_int_equal(verdict_gate_of(only, "ap1"), VERDICT_GATE_AP);
    verdict_free(only);
    assert_true(verdict_has_mac(v[1], "02:00:00:00:00:02"));
    assert_false(verdict_has_mac(v[1], "02:00:00:00:00:01"));
    route_upload(r, direct, 1.0, "02:00:00:00:00:01", 100);
    route_upload(r, direct, 1.5, "02:00:00:00:00:03", 300);
    route_upload(r, direct, 2.0, "02:00:00:00:00:01", 1000);
    route_upload(r, direct, 2.0, "02:00:00:00:00:07", 5); /* no device's */
    route_upload(r, direct, 2.5, "", 7);                  /* no MAC: by address */
    for (int i = 0; i < 3; i++) {
        verdict_now now, want;
        verdict_get_now(v[i], &now);
        verdict_get_now(direct[i], &want);
        assert_int_equal(now.uploads, want.uploads);
        assert_int_equal(now.bytes, want.bytes);
    }
    verdict_now n0, n1, n2;
    verdict_get_now(v[0], &n0);
    verdict_get_now(v[1], &n1);
    verdict_get_now(v[2], &n2);
    assert_int_equal(n0.bytes, 1100);
    assert_int_equal(n1.bytes, 0);
    assert_int_equal(n2.bytes, 300);
    route_pairs_free(r, v, direct, 3);
}

/* One event of comp with up to three string fields (NULL keys end them)
 * and an "on" of 0, to the route and to each verdict directly. */
static void route_fields(verdict_route *r, verdict *direct[3], double t_s, const char *comp, const char *name,
                         const char *k1, const char *v1, const char *k2, const char *v2)
{
    sim_trace_field f[4] = {{.key = k1, .type = SIM_TF_STR, .str = v1},
                            {.key = k2, .type = SIM_TF_STR, .str = v2},
                            {.key = "lease", .type = SIM_TF_INT, .num = 3600},
                            {.key = "on", .type = SIM_TF_INT, .num = 0}};
    sim_trace_field g[2] = {f[2], f[3]};
    sim_trace_event e = {.t = (sim_time)(t_s * 1e9), .comp = comp, .event = name, .fields = f, .nfields = 4};
    if (k1 == NULL) {
        e.fields = g;
        e.nfields = 2;
    } else if (k2 == NULL) {
        f[1] = f[2];
        f[2] = f[3];
        e.nfields = 3;
    }
    route_both(r, direct, 3, &e);
}

/* The DHCP servers' and the APs' events go by the station's MAC address as
 * the uplink's do (an AP's "enabled" to every verdict): each verdict's
 * online spans and joins are those it has as a sink of its own. */
static void test_route_stations_by_mac(void **state)
{
    (void)state;
    verdict *v[3], *direct[3];
    verdict_route *r = route_three(v, direct);
    assert_string_equal(verdict_gate_field(VERDICT_GATE_AP, "sta_authorized"), "sta");
    assert_null(verdict_gate_field(VERDICT_GATE_AP, "enabled"));
    assert_string_equal(verdict_gate_field(VERDICT_GATE_DHCP, "ack"), "mac");
    assert_null(verdict_gate_field(VERDICT_GATE_NONE, "ack"));
    const char *mac[3] = {"02:00:00:00:00:01", "02:00:00:00:00:02", "02:00:00:00:00:03"};
    for (int i = 0; i < 3; i++) {
        char radio[16];
        snprintf(radio, sizeof radio, "cam%d.radio", i + 1);
        route_fields(r, direct, 1.0 + i, "ap1", "auth", "sta", mac[i], NULL, NULL);
        route_fields(r, direct, 1.1 + i, "ap1", "sta_authorized", "sta", mac[i], NULL, NULL);
        route_fields(r, direct, 1.2 + i, radio, "link_up", NULL, NULL, NULL, NULL);
        route_fields(r, direct, 1.3 + i, "dhcp", "ack", "mac", mac[i], "ip", "10.0.2.15");
    }
    route_fields(r, direct, 5.0, "ap1", "deauth", "sta", mac[0], "dir", "to");
    route_fields(r, direct, 5.5, "ap1", "deauth", "sta", "02:00:00:00:00:09", "dir", "to"); /* no device's */
    route_fields(r, direct, 5.6, "ap1", "sta_authorized", "sta", "", NULL, NULL);           /* empty: every verdict */
    route_fields(r, direct, 6.0, "dhcp", "nak", "mac", mac[1], NULL, NULL);
    route_fields(r, direct, 6.5, "dhcp", "expire", NULL, NULL, NULL, NULL); /* no MAC */
    route_fields(r, direct, 7.0, "ap1", "enabled", NULL, NULL, NULL, NULL); /* switched off: to every verdict */
    for (int i = 0; i < 3; i++) {
        verdict_now now, want;
        verdict_get_now(v[i], &now);
        verdict_get_now(direct[i], &want);
        assert_int_equal(now.online, want.online);
        assert_int_equal(now.joins, want.joins);
        sim_time a, b, c, d;
        size_t k = 0;
        for (; verdict_online_span(direct[i], k, &a, &b); k++) {
            assert_true(verdict_online_span(v[i], k, &c, &d));
            assert_int_equal(a, c);
            assert_int_equal(b, d);
        }
        assert_false(verdict_online_span(v[i], k, &c, &d));
        assert_true(k >= 1); /* each was online once at least */
    }
    route_pairs_free(r, v, direct, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_judged_from_the_rig),
        cmocka_unit_test(test_words_are_not_evidence),
        cmocka_unit_test(test_power_cycles),
        cmocka_unit_test(test_time_format_rounds),
        cmocka_unit_test(test_each_occurrence),
        cmocka_unit_test(test_max_outage),
        cmocka_unit_test(test_status_never_and_counts),
        cmocka_unit_test(test_associated_with),
        cmocka_unit_test(test_drop_metrics),
        cmocka_unit_test(test_route),
        cmocka_unit_test(test_route_uploads_by_mac),
        cmocka_unit_test(test_route_stations_by_mac),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
