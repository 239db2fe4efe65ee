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

static void test_time_format_rounds(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(verdict_fmt_time(SIM_MS(1500) - 1, b, sizeof b), "1.500s");
    assert_string_equal(verdict_fmt_time(999999, b, sizeof b), "0.001s");
    assert_string_equal(verdict_fmt_time(499999, b, sizeof b), "0.000s");
    assert_string_equal(verdict_fmt_time(SIM_SEC(61) + SIM_MS(200), b, sizeof b), "1m01.200s");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_judged_from_the_rig),
        cmocka_unit_test(test_words_are_not_evidence),
        cmocka_unit_test(test_power_cycles),
        cmocka_unit_test(test_time_format_rounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
