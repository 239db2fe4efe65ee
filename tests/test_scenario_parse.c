/* Scenario files: a file with every key parses to exactly what it says,
 * left-out keys get the documented defaults, every file of the bad corpus
 * (tests/bad_scenarios/) is refused where and why its EXPECTED line says,
 * garbage and truncated text never crash or leak (the sanitizer build runs
 * this too), and every shipped scenario in scenarios/ parses. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario.h"

/* snprintf that fails the test instead of silently cutting a path. */
static void fmt(char *buf, size_t cap, const char *format, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *buf, size_t cap, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(buf, cap, format, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < cap);
}

/* The build passes no source-dir macro; __FILE__ is absolute under CMake,
 * so the tree is two levels up from this file. */
static void src_path(char *buf, size_t cap, const char *rel)
{
#ifdef LINKRIG_SOURCE_DIR
    snprintf(buf, cap, "%s/%s", LINKRIG_SOURCE_DIR, rel);
#else
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", __FILE__);
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(dir, '/');
        if (slash == NULL) {
            snprintf(dir, sizeof dir, "%s", up == 0 ? "." : "..");
            break;
        }
        *slash = '\0';
    }
    fmt(buf, cap, "%s/%s", dir[0] ? dir : "/", rel);
#endif
}

/* 1-based line of the first occurrence of needle in text. */
static int line_of(const char *text, const char *needle)
{
    const char *at = strstr(text, needle);
    assert_non_null(at);
    int line = 1;
    for (const char *p = text; p < at; p++)
        line += *p == '\n';
    return line;
}

/* 1-based column of the first occurrence of needle in its line. */
static int col_of(const char *text, const char *needle)
{
    const char *at = strstr(text, needle);
    assert_non_null(at);
    const char *bol = at;
    while (bol > text && bol[-1] != '\n')
        bol--;
    return (int)(at - bol) + 1;
}

static scenario *parse_ok(const char *text)
{
    sim_err err = {0};
    scenario *s = scn_parse("test.yaml", text, strlen(text), &err);
    if (s == NULL)
        fail_msg("expected to parse, got: %s", err.msg);
    return s;
}

/* Refused, with "test.yaml:line:col: " and want in the message. */
static void parse_bad(const char *text, size_t len, int line, int col, const char *want, int code)
{
    sim_err err = {0};
    scenario *s = scn_parse("test.yaml", text, len, &err);
    if (s != NULL) {
        scn_free(s);
        fail_msg("expected an error containing '%s', but it parsed", want);
    }
    printf("  %s\n", err.msg);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "test.yaml:%d:%d: ", line, col);
    if (strncmp(err.msg, prefix, strlen(prefix)) != 0 || strstr(err.msg, want) == NULL)
        fail_msg("expected '%s...%s', got '%s'", prefix, want, err.msg);
    assert_int_equal(err.code, code);
}

static const char full_text[] =
    "# every key of the format, none at its default\n"
    "name: full-test.1\n"
    "description: \"every key, \\\"quoted\\\"\"\n"
    "seed: 18446744073709551615\n"
    "duration: 1h30m\n"
    "capture:\n"
    "  snaplen: 256\n"
    "  ring_mb: 16\n"
    "  ring_files: 3\n"
    "  beacons: false\n"
    "world:\n"
    "  aps:\n"
    "    - name: ap1\n"
    "      ssid: camnet\n"
    "      passphrase: \"correct horse battery\"\n"
    "      channel: 1\n"
    "      position: [10.5, -2]\n"
    "      tx_power: -10\n"
    "      dhcp:\n"
    "        lease: 90s\n"
    "        pool: [10.0.2.15, 10.0.2.99]\n"
    "    - name: ap_2\n"
    "      ssid: 'cam net 2'\n"
    "      channel: 13\n"
    "      position: [0, 100, 2.5]\n"
    "      tx_power: 30\n"
    "  device:\n"
    "    position: [1, 2e1, -3.25]\n"
    "    tx_power: 15.5\n"
    "    lan: true\n"
    "firmware:\n"
    "  ssid: othernet\n"
    "  key: \"\"\n"
    "  connect_timeout: 0\n"
    "  attempt_timeout: 2500ms\n"
    "  backoff: [500ms, 1, 2s]\n"
    "  power_cycle: false\n"
    "  frame_period: 100ms\n"
    "  frame_bytes: 1048576\n"
    "timeline:\n"
    "  - at: 5m\n"
    "    fault: ap_reboot\n"
    "    ap: ap_2\n"
    "    duration: 30s\n"
    "    keep_leases: true\n"
    "    channel: 11\n"
    "  - {at: 2m, fault: ap_off, ap: ap1}\n"
    "  - {at: 3m, fault: ap_on, ap: ap1}\n"
    "  - {at: 4m, fault: ap_passphrase, ap: ap1, passphrase: \"other pass\"}\n"
    "  - {at: 4m, fault: ap_passphrase, ap: ap1, passphrase: \"\"}\n"
    "  - {at: 5m, fault: ap_tx_power, ap: ap1, tx_power: -5}\n"
    "  - {at: 6m, fault: move_device, to: [200, 0], speed: 2}\n"
    "  - {at: 7m, fault: move_device, to: [0, 0, 1]}\n"
    "  - {at: 8m, fault: dhcp, ap: ap1, mode: ignore_renewals}\n"
    "  - {at: 9m, fault: dhcp, ap: ap1, mode: empty_pool, lease: 60s, pool: [10.0.3.10, 10.0.3.20],\n"
    "     netmask: 255.255.255.0, router: 10.0.3.254}\n"
    "  - {at: 10m, fault: dhcp, ap: ap1, mode: nak_renewals, pool: [192.168.0.10, 192.168.1.20],\n"
    "     netmask: 255.255.254.0, router: 192.168.1.254}\n"
    "  - {at: 11m, fault: radio_wedge, mode: frames, survives_power_cycles: 2}\n"
    "  - {at: 12m, fault: radio_wedge, mode: commands}\n"
    "  - {at: 0, fault: cable_pull, duration: 1m}\n"
    "  - {at: 1h29m59s, fault: dhcp, ap: ap_2, mode: silent}\n"
    "  - {at: 13m, fault: dhcp, ap: ap1, mode: normal}\n"
    "  - {at: 14m, fault: radio_wedge, mode: both}\n"
    "expect:\n"
    "  - link_up_within: 15s\n"
    "  - {link_up_within: 60s, after: 0}\n"
    "  - {status_reaches: WRONG_PASSWORD, within: 15s}\n"
    "  - {status_reaches: NO_IP, after: 8}\n"
    "  - connect_timeout_reported: true\n"
    "  - reconnect_spacing: [1s, 2s, 4s, 8s]\n"
    "  - power_cycles: 1\n"
    "  - power_cycles: {min: 1, max: 3}\n"
    "  - {power_cycles: {max: 2}}\n"
    "  - delivery_gap_max: 30s\n"
    "  - {recovery_within: 60s, after: 1}\n"
    "  - {drop_detected_within: 2s, after: 0}\n"
    "  - uploads_min: 100\n"
    "  - bytes_delivered_min: 2048000\n"
    "  - {delivery_gap_max: 45s, after: 1}\n"
    "  - {reconnect_spacing: [1s, 2s], after: 2}\n"
    "  - marker: upload_done\n"
    "  - {marker: boot.ok, min: 3, max: 5, after: 0, within: 1m}\n";

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static void test_full_scenario(void **state)
{
    (void)state;
    scenario *s = parse_ok(full_text);
    assert_string_equal(s->path, "test.yaml");
    assert_string_equal(s->name, "full-test.1");
    assert_string_equal(s->description, "every key, \"quoted\"");
    assert_true(s->seed == UINT64_MAX);
    assert_int_equal(s->duration, SIM_SEC(5400));
    assert_int_equal(s->snaplen, 256);
    assert_int_equal(s->ring_mb, 16);
    assert_int_equal(s->ring_files, 3);
    assert_false(s->capture_beacons);

    assert_int_equal(s->naps, 2);
    const scn_ap *a = &s->aps[0];
    assert_string_equal(a->name, "ap1");
    assert_string_equal(a->ssid, "camnet");
    assert_string_equal(a->passphrase, "correct horse battery");
    assert_int_equal(a->channel, 1);
    assert_true(a->pos.x == 10.5 && a->pos.y == -2 && a->pos.z == 0);
    assert_true(a->tx_power_dbm == -10);
    assert_int_equal(a->lease, SIM_SEC(90));
    assert_int_equal(a->pool_start, IP(10, 0, 2, 15));
    assert_int_equal(a->pool_end, IP(10, 0, 2, 99));
    assert_int_equal(a->line, line_of(full_text, "- name: ap1"));
    a = &s->aps[1];
    assert_string_equal(a->name, "ap_2");
    assert_string_equal(a->ssid, "cam net 2");
    assert_string_equal(a->passphrase, "");
    assert_int_equal(a->channel, 13);
    assert_true(a->pos.x == 0 && a->pos.y == 100 && a->pos.z == 2.5);
    assert_true(a->tx_power_dbm == 30);
    assert_int_equal(a->lease, SIM_SEC(3600));
    assert_int_equal(a->pool_start, 0);
    assert_int_equal(a->pool_end, 0);
    assert_int_equal(a->line, line_of(full_text, "- name: ap_2"));

    assert_true(s->devices[0].pos.x == 1 && s->devices[0].pos.y == 20 && s->devices[0].pos.z == -3.25);
    assert_true(s->devices[0].tx_power_dbm == 15.5);
    assert_true(s->devices[0].lan);

    assert_string_equal(s->fw_ssid, "othernet");
    assert_string_equal(s->fw_key, "");
    assert_true(s->fw_key_set);
    assert_int_equal(s->connect_timeout, 0);
    assert_int_equal(s->attempt_timeout, SIM_MS(2500));
    assert_int_equal(s->nbackoff, 3);
    assert_int_equal(s->backoff[0], SIM_MS(500));
    assert_int_equal(s->backoff[1], SIM_SEC(1));
    assert_int_equal(s->backoff[2], SIM_SEC(2));
    assert_false(s->power_cycle);
    assert_int_equal(s->frame_period, SIM_MS(100));
    assert_int_equal(s->frame_bytes, 1048576);

    assert_int_equal(s->nfaults, 17);
    const scn_fault *f = s->faults;
    /* file order, not time order */
    assert_int_equal(f[0].kind, SCN_F_AP_REBOOT);
    assert_int_equal(f[0].at, SIM_SEC(300));
    assert_int_equal(f[0].ap, 1);
    assert_int_equal(f[0].duration, SIM_SEC(30));
    assert_true(f[0].keep_leases);
    assert_int_equal(f[0].channel, 11);
    assert_int_equal(f[0].line, line_of(full_text, "- at: 5m"));
    assert_int_equal(f[1].kind, SCN_F_AP_OFF);
    assert_int_equal(f[1].at, SIM_SEC(120));
    assert_int_equal(f[1].ap, 0);
    assert_int_equal(f[1].line, line_of(full_text, "fault: ap_off"));
    assert_int_equal(f[2].kind, SCN_F_AP_ON);
    assert_int_equal(f[2].ap, 0);
    assert_int_equal(f[3].kind, SCN_F_AP_PASSPHRASE);
    assert_string_equal(f[3].passphrase, "other pass");
    assert_int_equal(f[4].kind, SCN_F_AP_PASSPHRASE);
    assert_string_equal(f[4].passphrase, "");
    assert_int_equal(f[5].kind, SCN_F_AP_TX_POWER);
    assert_true(f[5].tx_power_dbm == -5);
    assert_int_equal(f[6].kind, SCN_F_MOVE_DEVICE);
    assert_int_equal(f[6].ap, -1);
    assert_true(f[6].to.x == 200 && f[6].to.y == 0 && f[6].to.z == 0);
    assert_true(f[6].speed == 2);
    assert_int_equal(f[7].kind, SCN_F_MOVE_DEVICE);
    assert_true(f[7].to.z == 1 && f[7].speed == 0);
    assert_int_equal(f[8].kind, SCN_F_DHCP);
    assert_int_equal(f[8].dhcp_mode, SCN_DHCP_IGNORE_RENEWALS);
    assert_int_equal(f[8].lease, 0);
    assert_false(f[8].has_pool);
    assert_int_equal(f[9].dhcp_mode, SCN_DHCP_EMPTY_POOL);
    assert_int_equal(f[9].lease, SIM_SEC(60));
    assert_true(f[9].has_pool);
    assert_int_equal(f[9].pool_start, IP(10, 0, 3, 10));
    assert_int_equal(f[9].pool_end, IP(10, 0, 3, 20));
    assert_int_equal(f[9].netmask, IP(255, 255, 255, 0));
    assert_int_equal(f[9].router, IP(10, 0, 3, 254));
    assert_int_equal(f[10].dhcp_mode, SCN_DHCP_NAK_RENEWALS);
    assert_int_equal(f[10].netmask, IP(255, 255, 254, 0));
    assert_int_equal(f[10].router, IP(192, 168, 1, 254));
    assert_int_equal(f[10].server_ip, 0); /* a dhcp fault keeps the server's address */
    assert_int_equal(f[11].kind, SCN_F_RADIO_WEDGE);
    assert_int_equal(f[11].wedge_mode, SCN_WEDGE_FRAMES);
    assert_int_equal(f[11].survives_power_cycles, 2);
    assert_int_equal(f[11].ap, -1);
    assert_int_equal(f[12].wedge_mode, SCN_WEDGE_COMMANDS);
    assert_int_equal(f[12].survives_power_cycles, 0);
    assert_int_equal(f[13].kind, SCN_F_CABLE_PULL);
    assert_int_equal(f[13].at, 0);
    assert_int_equal(f[13].duration, SIM_SEC(60));
    assert_int_equal(f[13].ap, -1);
    assert_int_equal(f[14].at, SIM_SEC(5399)); /* the last second is within the run (at the end: refused) */
    assert_int_equal(f[14].ap, 1);
    assert_int_equal(f[14].dhcp_mode, SCN_DHCP_SILENT);
    assert_int_equal(f[15].dhcp_mode, SCN_DHCP_NORMAL);
    assert_int_equal(f[16].wedge_mode, SCN_WEDGE_BOTH);

    assert_int_equal(s->nexpects, 18);
    const scn_expect *e = s->expects;
    assert_int_equal(e[0].kind, SCN_E_LINK_UP_WITHIN);
    assert_int_equal(e[0].within, SIM_SEC(15));
    assert_int_equal(e[0].after, -1);
    assert_string_equal(e[0].text, "link_up_within: 15s");
    assert_int_equal(e[0].line, line_of(full_text, "- link_up_within: 15s"));
    assert_int_equal(e[1].within, SIM_SEC(60));
    assert_int_equal(e[1].after, 0);
    assert_string_equal(e[1].text, "link_up_within: 60s, after: 0");
    assert_int_equal(e[2].kind, SCN_E_STATUS_REACHES);
    assert_int_equal(e[2].status, -3);
    assert_int_equal(e[2].within, SIM_SEC(15));
    assert_int_equal(e[2].after, -1);
    assert_int_equal(e[3].status, 2);
    assert_int_equal(e[3].within, 0); /* no bound */
    assert_int_equal(e[3].after, 8);
    assert_int_equal(e[4].kind, SCN_E_CONNECT_TIMEOUT_REPORTED);
    assert_true(e[4].flag);
    assert_int_equal(e[5].kind, SCN_E_RECONNECT_SPACING);
    assert_int_equal(e[5].nspacing, 4);
    assert_int_equal(e[5].spacing[0], SIM_SEC(1));
    assert_int_equal(e[5].spacing[3], SIM_SEC(8));
    assert_string_equal(e[5].text, "reconnect_spacing: [1s, 2s, 4s, 8s]");
    assert_int_equal(e[6].kind, SCN_E_POWER_CYCLES);
    assert_int_equal(e[6].min, 1);
    assert_int_equal(e[6].max, 1);
    assert_int_equal(e[7].min, 1);
    assert_int_equal(e[7].max, 3);
    assert_string_equal(e[7].text, "power_cycles: {min: 1, max: 3}");
    assert_int_equal(e[8].min, 0);
    assert_int_equal(e[8].max, 2);
    assert_int_equal(e[9].kind, SCN_E_DELIVERY_GAP_MAX);
    assert_int_equal(e[9].within, SIM_SEC(30));
    assert_int_equal(e[9].after, -1);
    assert_int_equal(e[10].kind, SCN_E_RECOVERY_WITHIN);
    assert_int_equal(e[10].within, SIM_SEC(60));
    assert_int_equal(e[10].after, 1);
    assert_int_equal(e[11].kind, SCN_E_DROP_DETECTED_WITHIN);
    assert_int_equal(e[11].within, SIM_SEC(2));
    assert_int_equal(e[11].after, 0);
    assert_int_equal(e[12].kind, SCN_E_UPLOADS_MIN);
    assert_int_equal(e[12].min, 100);
    assert_true(e[12].max == LLONG_MAX);
    assert_int_equal(e[12].line, line_of(full_text, "- uploads_min: 100"));
    assert_int_equal(e[13].kind, SCN_E_BYTES_DELIVERED_MIN);
    assert_int_equal(e[13].min, 2048000);
    assert_int_equal(e[14].kind, SCN_E_DELIVERY_GAP_MAX);
    assert_int_equal(e[14].within, SIM_SEC(45));
    assert_int_equal(e[14].after, 1);
    assert_int_equal(e[15].kind, SCN_E_RECONNECT_SPACING);
    assert_int_equal(e[15].nspacing, 2);
    assert_int_equal(e[15].after, 2);
    assert_int_equal(e[16].kind, SCN_E_MARKER);
    assert_string_equal(e[16].marker, "upload_done");
    assert_int_equal(e[16].min, 1); /* alone: at least one */
    assert_true(e[16].max == LLONG_MAX);
    assert_int_equal(e[16].after, -1);
    assert_int_equal(e[16].within, 0);
    assert_string_equal(e[17].marker, "boot.ok");
    assert_int_equal(e[17].min, 3);
    assert_int_equal(e[17].max, 5);
    assert_int_equal(e[17].after, 0);
    assert_int_equal(e[17].within, SIM_SEC(60));
    scn_free(s);
}

static const char min_text[] = "name: min\n"
                               "duration: 10m\n"
                               "world:\n"
                               "  aps:\n"
                               "    - name: ap1\n"
                               "      ssid: camnet\n"
                               "      passphrase: \"correct horse battery\"\n";

static void test_defaults(void **state)
{
    (void)state;
    scenario *s = parse_ok(min_text);
    assert_string_equal(s->name, "min");
    assert_string_equal(s->description, "");
    assert_true(s->seed == 1);
    assert_int_equal(s->duration, SIM_SEC(600));
    assert_int_equal(s->snaplen, 0);
    assert_int_equal(s->ring_mb, 0);
    assert_int_equal(s->ring_files, 4);
    assert_true(s->capture_beacons);
    assert_int_equal(s->naps, 1);
    assert_int_equal(s->aps[0].channel, 6);
    assert_true(s->aps[0].pos.x == 0 && s->aps[0].pos.y == 0 && s->aps[0].pos.z == 0);
    assert_true(s->aps[0].tx_power_dbm == 20);
    assert_int_equal(s->aps[0].lease, SIM_SEC(3600));
    assert_int_equal(s->aps[0].pool_start, 0);
    assert_int_equal(s->aps[0].pool_end, 0);
    assert_true(s->devices[0].pos.x == 0 && s->devices[0].pos.y == 0 && s->devices[0].pos.z == 0);
    assert_true(s->devices[0].tx_power_dbm == 20);
    assert_false(s->devices[0].lan);
    /* the firmware joins the first AP unless told otherwise */
    assert_string_equal(s->fw_ssid, "camnet");
    assert_string_equal(s->fw_key, "correct horse battery");
    assert_false(s->fw_key_set);
    assert_int_equal(s->connect_timeout, SIM_SEC(10));
    assert_int_equal(s->attempt_timeout, SIM_SEC(10));
    static const int backoff_s[] = {1, 2, 4, 8, 16, 32, 60};
    assert_int_equal(s->nbackoff, 7);
    for (int i = 0; i < 7; i++)
        assert_int_equal(s->backoff[i], SIM_SEC(backoff_s[i]));
    assert_true(s->power_cycle);
    assert_int_equal(s->frame_period, SIM_SEC(1));
    assert_int_equal(s->frame_bytes, 20480);
    assert_int_equal(s->nfaults, 0);
    assert_int_equal(s->nexpects, 0);
    scn_free(s);

    /* An open first AP: the firmware's key is empty, and still not "set".
     * Sections written with no value count as absent; the description of a
     * folded block loses its final newline. */
    s = parse_ok("name: open\nduration: 90\ndescription: >\n  two\n  lines\n"
                 "world:\n  aps:\n    - {name: a, ssid: free}\n  device:\n"
                 "capture:\nfirmware:\n  key: \"twelve chars\"\n  backoff: []\ntimeline:\nexpect:\n");
    assert_int_equal(s->duration, SIM_SEC(90));
    assert_string_equal(s->description, "two lines");
    assert_string_equal(s->aps[0].passphrase, "");
    assert_string_equal(s->fw_ssid, "free");
    assert_string_equal(s->fw_key, "twelve chars");
    assert_true(s->fw_key_set);
    assert_int_equal(s->nbackoff, 0);
    assert_int_equal(s->nfaults, 0);
    scn_free(s);

    s = parse_ok("name: n\nduration: 1m\nworld: {aps: [{name: a, ssid: free}]}\n");
    assert_string_equal(s->fw_key, "");
    assert_false(s->fw_key_set);
    scn_free(s);
}

/* A long description is shortened for display, never refused. */
/* services: per-kind defaults, the implicit sink, every kind's own keys,
 * and the service fault. */
static void test_services(void **state)
{
    (void)state;
    scenario *s = parse_ok(min_text);
    assert_int_equal(s->nservices, 1);
    assert_string_equal(s->services[0].name, "sink");
    assert_int_equal(s->services[0].kind, SCN_S_SINK);
    assert_int_equal(s->services[0].ip, 0x0a000264u);
    assert_int_equal(s->services[0].port, 9000);
    assert_true(s->services[0].implicit);
    scn_free(s);

    static const char text[] =
        "name: svc\nduration: 10m\nworld:\n  aps:\n    - {name: ap1, ssid: camnet, dhcp: {pool: [10.0.2.20, 10.0.2.30]}}\n"
        "services:\n"
        "  - {name: up, kind: sink, address: 10.0.2.50, port: 80}\n"
        "  - {name: e, kind: tcp_echo}\n"
        "  - name: g\n    kind: tcp_greeter\n    replies:\n      - {expect: \"\", reply: hi}\n"
        "  - {name: u, kind: udp_echo, port: 7}\n"
        "  - {name: tcp7, kind: tcp_echo, address: 10.0.2.103, port: 7}\n"
        "  - {name: d, kind: dns, names: {A.rig: 10.0.2.5, b: 192.0.2.9}}\n"
        "  - {name: t, kind: ntp, port: 1123}\n"
        "timeline:\n"
        "  - {at: 1m, fault: service, service: d, mode: slow, delay: 250ms, duration: 30s}\n"
        "  - {at: 2m, fault: service, service: up, mode: down}\n";
    s = parse_ok(text);
    assert_int_equal(s->nservices, 7);
    assert_int_equal(s->services[0].ip, 0x0a000232u); /* outside this AP's pool: allowed */
    assert_int_equal(s->services[0].port, 80);
    assert_false(s->services[0].implicit);
    assert_int_equal(s->services[1].ip, 0x0a000265u);
    assert_int_equal(s->services[1].port, 7);
    assert_int_equal(s->services[2].port, 2323);
    assert_string_equal(s->services[2].greeting, "hello");
    assert_int_equal(s->services[2].nrules, 1);
    assert_string_equal(s->services[2].rules[0].expect, "");
    assert_string_equal(s->services[2].rules[0].reply, "hi");
    assert_int_equal(s->services[3].ip, 0x0a000267u);
    assert_int_equal(s->services[5].ip, 0x0a000203u);
    assert_int_equal(s->services[5].port, 53);
    assert_int_equal(s->services[5].nnames, 2);
    assert_string_equal(s->services[5].names[0].name, "A.rig");
    assert_int_equal(s->services[5].names[1].ip, 0xc0000209u);
    assert_int_equal(s->services[6].epoch_s, 1767225600LL);
    assert_int_equal(s->faults[0].kind, SCN_F_SERVICE);
    assert_int_equal(s->faults[0].service, 5);
    assert_int_equal(s->faults[0].service_mode, SCN_SVC_SLOW);
    assert_int_equal(s->faults[0].delay, SIM_MS(250));
    assert_int_equal(s->faults[0].duration, SIM_SEC(30));
    assert_int_equal(s->faults[1].service, 0);
    assert_int_equal(s->faults[1].service_mode, SCN_SVC_DOWN);
    assert_int_equal(s->faults[1].duration, 0);
    scn_free(s);
}

static void parse_bad_text(const char *text, int line, int col, const char *want)
{
    parse_bad(text, strlen(text), line, col, want, SIM_EINVAL);
}

/* world.networks and an AP's network: the pools, routers and servers APs
 * share; each AP without one keeps its own network, with the default pools
 * apart (sim/world.h). */
static void test_networks(void **state)
{
    (void)state;
    static const char text[] =
        "name: ess\nduration: 10m\nworld:\n"
        "  networks:\n"
        "    - {name: home, pool: [10.0.2.20, 10.0.2.60], lease: 10m}\n"
        "    - {name: lab, pool: [192.168.8.10, 192.168.8.50]}\n"
        "    - {name: shop, pool: [172.16.0.100, 172.16.0.200], netmask: 255.255.0.0, router: 172.16.0.1}\n"
        "  aps:\n"
        "    - {name: ap1, ssid: camnet, network: home}\n"
        "    - {name: ap2, ssid: camnet, network: home}\n"
        "    - {name: ap3, ssid: lab, network: lab}\n"
        "    - {name: ap4, ssid: shop, network: shop}\n"
        "    - {name: ap5, ssid: own}\n"
        "timeline:\n"
        "  - {at: 1m, fault: dhcp, ap: ap5, mode: normal, pool: [10.0.6.20, 10.0.6.30]}\n";
    scenario *s = parse_ok(text);
    assert_int_equal(s->nnetworks, 3);
    assert_string_equal(s->networks[0].name, "home");
    assert_int_equal(s->networks[0].pool_start, 0x0a000214u);
    assert_int_equal(s->networks[0].pool_end, 0x0a00023cu);
    assert_int_equal(s->networks[0].netmask, 0xffffff00u);
    assert_int_equal(s->networks[0].router, 0x0a000202u); /* the uplink's gateway on its own network */
    assert_int_equal(s->networks[0].lease, SIM_SEC(600));
    assert_int_equal(s->networks[1].router, 0xc0a80801u); /* the subnet's first address */
    assert_int_equal(s->networks[1].lease, SIM_SEC(3600));
    assert_int_equal(s->networks[2].netmask, 0xffff0000u);
    assert_int_equal(s->networks[2].router, 0xac100001u);
    assert_int_equal(s->networks[0].line, 5);
    assert_int_equal(s->aps[0].network, 0);
    assert_int_equal(s->aps[1].network, 0);
    assert_int_equal(s->aps[2].network, 1);
    assert_int_equal(s->aps[3].network, 2);
    assert_int_equal(s->aps[4].network, -1);
    /* AP 4 on its own: 10.0.6.0/24, router .2, which its moved pool keeps */
    uint32_t a, b;
    scn_ap_pool(s, 4, &a, &b);
    assert_int_equal(a, 0x0a00060fu);
    assert_int_equal(b, 0x0a000663u);
    assert_int_equal(s->faults[0].router, 0x0a000602u);
    scn_free(s);

    /* Without networks: AP 0 keeps 10.0.2.15-99, AP 1 is 10.0.3.15-99. */
    s = parse_ok("name: two\nduration: 1m\nworld:\n  aps:\n    - {name: a, ssid: s}\n    - {name: b, ssid: s}\n");
    assert_int_equal(s->nnetworks, 0);
    assert_int_equal(s->aps[0].network, -1);
    scn_ap_pool(s, 0, &a, &b);
    assert_int_equal(a, 0x0a00020fu);
    assert_int_equal(b, 0x0a000263u);
    scn_ap_pool(s, 1, &a, &b);
    assert_int_equal(a, 0x0a00030fu);
    assert_int_equal(b, 0x0a000363u);
    scn_free(s);

    /* A service may not sit in a network's pool; a network's pool may not
     * hold what the rig uses on 10.0.2.0/24. */
    parse_bad_text("name: x\nduration: 1m\nworld:\n  networks: [{name: n, pool: [10.0.2.20, 10.0.2.60]}]\n"
              "  aps: [{name: a, ssid: s, network: n}]\nservices:\n  - {name: e, kind: tcp_echo, address: 10.0.2.30}\n",
              7, 40, "services[0].address: 10.0.2.30 is in a network's DHCP pool");
    parse_bad_text("name: x\nduration: 1m\nworld:\n  networks: [{name: n, pool: [10.0.2.2, 10.0.2.60]}]\n"
              "  aps: [{name: a, ssid: s, network: n}]\n",
              4, 30, "world.networks[0].pool: holds 10.0.2.2, which the rig uses");
    parse_bad_text("name: x\nduration: 1m\nworld:\n  networks: [{name: n, pool: [192.168.8.1, 192.168.8.60]}]\n"
              "  aps: [{name: a, ssid: s, network: n}]\n",
              4, 30, "world.networks[0].pool: holds 192.168.8.1, the default router; give router:");
    parse_bad_text("name: x\nduration: 1m\nworld:\n  networks: {name: n}\n  aps: [{name: a, ssid: s}]\n",
              4, 13, "world.networks");
}

static void test_long_description(void **state)
{
    (void)state;
    char text[1024];
    char desc[400];
    memset(desc, 'x', sizeof desc - 1);
    desc[sizeof desc - 1] = '\0';
    snprintf(text, sizeof text, "name: d\nduration: 1m\ndescription: %s\nworld: {aps: [{name: a, ssid: s}]}\n", desc);
    scenario *s = parse_ok(text);
    assert_int_equal(strlen(s->description), sizeof s->description - 1);
    assert_string_equal(s->description + strlen(s->description) - 3, "...");
    scn_free(s);
}

static void test_bad_corpus(void **state)
{
    (void)state;
    char dir[PATH_MAX], expected[PATH_MAX + 16];
    src_path(dir, sizeof dir, "tests/bad_scenarios");
    snprintf(expected, sizeof expected, "%s/EXPECTED", dir);
    FILE *f = fopen(expected, "r");
    if (f == NULL)
        fail_msg("cannot open %s", expected);
    char line[1024];
    char listed[512][96];
    int n = 0, bad = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#')
            continue;
        char *tab1 = strchr(line, '\t');
        char *tab2 = tab1 != NULL ? strchr(tab1 + 1, '\t') : NULL;
        if (tab2 == NULL)
            fail_msg("EXPECTED: malformed line '%s'", line);
        *tab1 = *tab2 = '\0';
        const char *name = line, *pos = tab1 + 1, *want = tab2 + 1;
        assert_true(n < (int)(sizeof listed / sizeof listed[0]));
        fmt(listed[n++], sizeof listed[0], "%s", name);

        char path[PATH_MAX + 128], prefix[PATH_MAX + 160];
        fmt(path, sizeof path, "%s/%s", dir, name);
        fmt(prefix, sizeof prefix, "%s:%s: ", path, pos);
        sim_err err = {0};
        scenario *s = scn_load(path, &err);
        if (s != NULL) {
            scn_free(s);
            printf("FAIL %s: accepted\n", name);
            bad++;
            continue;
        }
        bool ok = strncmp(err.msg, prefix, strlen(prefix)) == 0 && strstr(err.msg + strlen(prefix), want) != NULL &&
                  (err.code == SIM_EINVAL || err.code == SIM_ELIMIT);
        printf("%s %s\n", ok ? "ok  " : "FAIL", err.msg + strlen(dir) + 1);
        if (!ok) {
            printf("     expected %s:%s: ...%s...\n", name, pos, want);
            bad++;
        }
    }
    fclose(f);
    assert_int_equal(bad, 0);
    assert_true(n >= 30);

    /* every file in the folder is listed, so none goes unchecked */
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    int files = 0;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 5, ".yaml") != 0)
            continue;
        files++;
        bool found = false;
        for (int i = 0; i < n && !found; i++)
            found = strcmp(listed[i], de->d_name) == 0;
        if (!found)
            printf("FAIL %s is not in EXPECTED\n", de->d_name);
        assert_true(found);
    }
    closedir(d);
    assert_int_equal(files, n);
    printf("%d bad scenario files refused as expected\n", n);
}

/* What no corpus file shows: limits, aliases, depth, size, odd bytes. */
static void test_more_refusals(void **state)
{
    (void)state;
    const char *head = "name: x\nduration: 10m\nworld: {aps: [{name: a, ssid: s}]}\n";
    size_t cap = 64 * 1024;
    char *t = malloc(cap);
    assert_non_null(t);

    /* 256 faults are fine, the 257th is refused where it stands */
    size_t k = (size_t)snprintf(t, cap, "%stimeline:\n", head);
    for (int i = 0; i < SCN_MAX_FAULTS; i++)
        k += (size_t)snprintf(t + k, cap - k, "  - {at: %ds, fault: ap_off, ap: a}\n", i);
    scenario *s = parse_ok(t);
    assert_int_equal(s->nfaults, SCN_MAX_FAULTS);
    scn_free(s);
    snprintf(t + k, cap - k, "  - {at: 1s, fault: ap_on, ap: a}\n");
    parse_bad(t, strlen(t), 4 + SCN_MAX_FAULTS + 1, 5, "timeline[256]: too many entries (at most 256)", SIM_ELIMIT);

    k = (size_t)snprintf(t, cap, "%sexpect:\n", head);
    for (int i = 0; i <= SCN_MAX_EXPECT; i++)
        k += (size_t)snprintf(t + k, cap - k, "  - uploads_min: %d\n", i);
    parse_bad(t, strlen(t), 4 + SCN_MAX_EXPECT + 1, 5, "expect[64]: too many entries (at most 64)", SIM_ELIMIT);

    /* an alias with no anchor, nesting, a NUL byte, a second document */
    parse_bad("name: *x\n", 9, 1, 7, "YAML alias '*x' is not supported", SIM_EINVAL);
    k = (size_t)snprintf(t, cap, "name: ");
    for (int i = 0; i < 40; i++)
        t[k++] = '[';
    t[k] = '\0';
    parse_bad(t, k, 1, 7 + 15, "nested deeper than 16 levels", SIM_ELIMIT);
    parse_bad("name: a\0b\n", 10, 1, 8, "control characters are not allowed", SIM_EINVAL);
    parse_bad("name: \"a\\0b\"\nduration: 1m\n", 26, 1, 7, "name: contains a NUL character", SIM_EINVAL);

    /* too large: refused before reading */
    size_t big = (1u << 20) + 1;
    char *huge = malloc(big);
    assert_non_null(huge);
    memset(huge, '#', big);
    parse_bad(huge, big, 1, 1, "at most 1 MiB", SIM_ELIMIT);
    free(huge);

    /* values the corpus does not cover */
    snprintf(t, cap, "%sfirmware: {frame_period: 1500us}\n", head);
    parse_bad(t, strlen(t), 4, 26, "firmware.frame_period: 1500us is not a whole number of milliseconds", SIM_EINVAL);
    snprintf(t, cap, "%sfirmware: {connect_timeout: 50d}\n", head);
    parse_bad(t, strlen(t), 4, 29, "does not fit the firmware's 32-bit millisecond setting", SIM_EINVAL);
    snprintf(t, cap, "%sseed: -1\n", head);
    parse_bad(t, strlen(t), 4, 7, "seed: '-1' is not an integer", SIM_EINVAL);
    snprintf(t, cap, "%stimeline: [{at: 1m, fault: dhcp, ap: a, mode: normal, netmask: 255.0.0.0}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "255.0.0.0"), "timeline[0].netmask: only meaningful with pool", SIM_EINVAL);
    snprintf(t, cap, "%stimeline: [{at: 1m, fault: dhcp, ap: a, mode: normal, pool: [10.0.3.1, 10.0.4.1]}]\n",
             head);
    parse_bad(t, strlen(t), 4, col_of(t, "[10.0.3.1"), "not in one subnet", SIM_EINVAL);
    snprintf(t, cap, "%stimeline: [{at: 1m, fault: dhcp, ap: a, mode: normal, pool: [10.0.3.1, 10.0.3.9],"
                     " netmask: 255.0.255.0}]\n",
             head);
    parse_bad(t, strlen(t), 4, col_of(t, "255.0.255.0"), "255.0.255.0 is not a netmask", SIM_EINVAL);

    /* A pool moved without router keeps the router the server had, in time
     * order (the file's order does not matter): 10.0.2.2 first, then what
     * an earlier move set. */
    {
        snprintf(t, cap, "%stimeline:\n"
                         "  - {at: 5m, fault: dhcp, ap: a, mode: normal, pool: [10.0.9.30, 10.0.9.40]}\n"
                         "  - {at: 1m, fault: dhcp, ap: a, mode: normal, pool: [10.0.2.30, 10.0.2.40]}\n"
                         "  - {at: 3m, fault: dhcp, ap: a, mode: normal, pool: [10.0.9.10, 10.0.9.20], router: 10.0.9.1}\n",
                 head);
        scenario *ks = parse_ok(t);
        assert_int_equal(ks->faults[1].router, IP(10, 0, 2, 2));
        assert_int_equal(ks->faults[2].router, IP(10, 0, 9, 1));
        assert_int_equal(ks->faults[0].router, IP(10, 0, 9, 1));
        scn_free(ks);
        snprintf(t, cap, "%stimeline: [{at: 1m, fault: cable_move, pool: [192.168.9.10, 192.168.9.20], router: 192.168.9.1}]\n",
                 "name: x\nduration: 10m\nworld: {aps: [{name: a, ssid: s}], device: {lan: true}}\n");
        ks = parse_ok(t);
        assert_true(ks->faults[0].lan);
        assert_int_equal(ks->faults[0].server_ip, IP(192, 168, 9, 254)); /* the new network's own server */
        assert_int_equal(ks->faults[0].duration, SIM_SEC(1));              /* the default pause */
        scn_free(ks);
    }
    snprintf(t, cap, "%stimeline: [{at: 1m, fault: ap_deauth, ap: a, reason: class3_frame_from_nonassoc}]\n", head);
    {
        scenario *ks = parse_ok(t);
        assert_int_equal(ks->faults[0].code, 7);
        assert_int_equal(ks->faults[0].device, -1);
        scn_free(ks);
    }
    snprintf(t, cap, "%sexpect: [{recovery_within: 1m}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "{recovery"), "expect[0]: missing required key 'after'", SIM_EINVAL);
    snprintf(t, cap, "%sexpect: [{power_cycles: {min: 3, max: 1}}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "{min: 3"), "min 3 is greater than max 1", SIM_EINVAL);
    snprintf(t, cap, "%sexpect: [connect_timeout_reported]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "connect_timeout_reported"),
              "expect[0]: expected a mapping such as 'link_up_within: 15s', not a scalar", SIM_EINVAL);
    snprintf(t, cap, "%stimeline: [{at: 1m, fault: move_device, to: [1, 1], speed: .inf}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, ".inf"), "'.inf' is not a number", SIM_EINVAL);
    parse_bad("name: ..\nduration: 1m\n", 22, 1, 7, "name: '..' is not a usable name", SIM_EINVAL);
    parse_bad("name: x\nduration: 400d\n", 23, 2, 11, "longer than a year", SIM_EINVAL);
    parse_bad("name: x\nduration:\n", 18, 2, 10, "duration: no value given", SIM_EINVAL);
    parse_bad("[1, 2]: x\n", 10, 1, 1, "top level: a key must be a plain name, not a list", SIM_EINVAL);
    free(t);

    sim_err err = {0};
    assert_null(scn_load("/nonexistent/dir/x.yaml", &err));
    assert_int_equal(err.code, SIM_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent/dir/x.yaml: cannot open"));
}

static void test_names(void **state)
{
    (void)state;
    static const char *const st[] = {"IDLE", "CONNECTING", "NO_IP", "GOT_IP", "CONNECT_FAIL", "NO_AP_FOUND",
                                     "WRONG_PASSWORD"};
    static const int val[] = {0, 1, 2, 3, -1, -2, -3};
    for (int i = 0; i < 7; i++) {
        assert_int_equal(scn_status_value(st[i]), val[i]);
        assert_string_equal(scn_status_name(val[i]), st[i]);
    }
    assert_int_equal(scn_status_value("STAT_GOT_IP"), -100);
    assert_int_equal(scn_status_value("got_ip"), -100);
    assert_string_equal(scn_status_name(42), "UNKNOWN");
    for (int k = SCN_F_AP_REBOOT; k <= SCN_F_CABLE_PULL; k++)
        assert_non_null(scn_fault_name((scn_fault_kind)k));
    assert_string_equal(scn_fault_name(SCN_F_AP_REBOOT), "ap_reboot");
    assert_string_equal(scn_fault_name(SCN_F_CABLE_PULL), "cable_pull");
    for (int k = SCN_E_LINK_UP_WITHIN; k <= SCN_E_MARKER; k++)
        assert_non_null(scn_expect_name((scn_expect_kind)k));
    assert_string_equal(scn_expect_name(SCN_E_UPLOADS_MIN), "uploads_min");
    assert_string_equal(scn_expect_name(SCN_E_MARKER), "marker");
}

/* The timeline's repeats and ids, references to them, and the whole-run
 * expectations: each key parses to what it says. */
static const char rep_text[] =
    "name: rep\n"
    "duration: 2h\n"
    "world: {aps: [{name: ap1, ssid: s}, {name: ap2, ssid: t}]}\n"
    "timeline:\n"
    "  - {id: reboot, at: 5m, every: 5m, until: 1h55m, fault: ap_reboot, ap: ap1, duration: 20s}\n"
    "  - {id: walk.out-2, at: 10m, every: 1h, count: 2, jitter: 30s, fault: move_device, to: [400, 0], speed: 2}\n"
    "  - {at: 1h, fault: ap_off, ap: ap2}\n"
    "  - {id: on, at: 1h10m, fault: ap_on, ap: ap2}\n"
    "  - {at: 1h, every: 1ms, count: 5, fault: ap_tx_power, ap: ap1, tx_power: 3}\n"
    "expect:\n"
    "  - {recovery_within: 30s, after: reboot}\n"
    "  - {recovery_within: 30s, after: reboot#3}\n"
    "  - {recovery_within: 30s, after: 2}\n"
    "  - {drop_detected_within: 2s, after: 0#23}\n"
    "  - max_outage: 40s\n"
    "  - {max_outage: 1m, exclude: [reboot, walk.out-2#2, 2], grace: 30s}\n"
    "  - status_never: WRONG_PASSWORD\n"
    "  - {associated_with: ap1, at: 30m}\n"
    "  - {associated_with: ap2, after: on, within: 1m}\n"
    "  - associated_with: ap1\n"
    "  - drops: {max: 30}\n"
    "  - drops: 3\n"
    "  - {connections: {min: 1, max: 40}, device: cam}\n"
    "  - connections: 1\n"
    "  - {delivery_gap_max: 45s, after: \"walk.out-2\"}\n";

static void test_repeats_and_refs(void **state)
{
    (void)state;
    scenario *s = parse_ok(rep_text);
    assert_int_equal(s->nfaults, 5);
    const scn_fault *f = s->faults;
    assert_string_equal(f[0].id, "reboot");
    assert_int_equal(f[0].every, SIM_SEC(300));
    assert_int_equal(f[0].count, 23); /* 5m, 10m, ... 1h55m */
    assert_int_equal(f[0].jitter, 0);
    assert_string_equal(f[1].id, "walk.out-2");
    assert_int_equal(f[1].count, 2);
    assert_int_equal(f[1].jitter, SIM_SEC(30));
    assert_string_equal(f[2].id, "");
    assert_int_equal(f[2].every, 0);
    assert_int_equal(f[2].count, 1); /* an entry that happens once */
    assert_int_equal(f[3].count, 1);
    assert_int_equal(f[4].every, SIM_MS(1));
    assert_int_equal(f[4].count, 5);

    const scn_expect *e = s->expects;
    assert_int_equal(s->nexpects, 15);
    assert_int_equal(e[0].after, 0);
    assert_int_equal(e[0].after_occ, 0);
    assert_int_equal(e[1].after, 0);
    assert_int_equal(e[1].after_occ, 3);
    assert_int_equal(e[2].after, 2);
    assert_int_equal(e[2].after_occ, 0);
    assert_int_equal(e[3].after, 0);
    assert_int_equal(e[3].after_occ, 23);
    assert_int_equal(e[4].kind, SCN_E_MAX_OUTAGE);
    assert_int_equal(e[4].within, SIM_SEC(40));
    assert_int_equal(e[4].nexclude, 0);
    assert_int_equal(e[5].nexclude, 3);
    assert_int_equal(e[5].exclude[0].entry, 0);
    assert_int_equal(e[5].exclude[0].occ, 0);
    assert_int_equal(e[5].exclude[1].entry, 1);
    assert_int_equal(e[5].exclude[1].occ, 2);
    assert_int_equal(e[5].exclude[2].entry, 2);
    assert_int_equal(e[5].grace, SIM_SEC(30));
    assert_int_equal(e[6].kind, SCN_E_STATUS_NEVER);
    assert_int_equal(e[6].status, -3);
    assert_int_equal(e[7].kind, SCN_E_ASSOCIATED_WITH);
    assert_int_equal(e[7].ap, 0);
    assert_int_equal(e[7].at, SIM_SEC(1800));
    assert_int_equal(e[7].after, -1);
    assert_int_equal(e[8].ap, 1);
    assert_int_equal(e[8].at, -1);
    assert_int_equal(e[8].after, 3);
    assert_int_equal(e[8].within, SIM_SEC(60));
    assert_int_equal(e[9].at, -1); /* neither: the end of the run */
    assert_int_equal(e[9].after, -1);
    assert_int_equal(e[10].kind, SCN_E_DROPS);
    assert_int_equal(e[10].min, 0);
    assert_int_equal(e[10].max, 30);
    assert_int_equal(e[11].min, 3);
    assert_int_equal(e[11].max, 3);
    assert_int_equal(e[12].kind, SCN_E_CONNECTIONS);
    assert_int_equal(e[12].min, 1);
    assert_int_equal(e[12].max, 40);
    assert_int_equal(e[12].device, 0);
    assert_int_equal(e[13].min, 1);
    assert_int_equal(e[14].after, 1); /* a quoted id is still an id */
    assert_string_equal(scn_expect_name(SCN_E_MAX_OUTAGE), "max_outage");
    assert_string_equal(scn_expect_name(SCN_E_CONNECTIONS), "connections");
    scn_free(s);

    /* a repeating entry expands beyond SCN_MAX_FAULTS: the limit counts lines */
    const char *big = "name: x\nduration: 24h\nworld: {aps: [{name: a, ssid: s}]}\n"
                      "timeline: [{at: 0, every: 1s, until: 23h59m59s, fault: ap_tx_power, ap: a, tx_power: 1}]\n";
    s = parse_ok(big);
    assert_int_equal(s->faults[0].count, 86400);
    scn_free(s);
}

/* Each new key refused where it stands, with what would be allowed. */
static void test_repeat_refusals(void **state)
{
    (void)state;
    const char *head = "name: x\nduration: 1h\nworld: {aps: [{name: a, ssid: s}]}\n";
    size_t cap = 4096;
    char *t = malloc(cap);
    assert_non_null(t);
    snprintf(t, cap, "%stimeline: [{id: \"\", at: 1m, fault: ap_off, ap: a}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "\"\""), "timeline[0].id: is empty", SIM_EINVAL);
    snprintf(t, cap, "%stimeline: [{id: a#1, at: 1m, fault: ap_off, ap: a}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "a#1"), "'a#1' has '#' at position 2", SIM_EINVAL);
    snprintf(t, cap, "%stimeline: [{id: 012, at: 1m, fault: ap_off, ap: a}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "012"), "is only digits", SIM_EINVAL);
    snprintf(t, cap, "%stimeline: [{at: 1m, every: 1m, count: 2, fault: ap_off, ap: a},\n"
                     "           {at: 2m, every: 1m, until: 1m, fault: ap_on, ap: a}]\n", head);
    parse_bad(t, strlen(t), 5, 39, "timeline[1].until: 1m is before at", SIM_EINVAL);
    snprintf(t, cap, "%stimeline: [{at: 1m, every: five, count: 2, fault: ap_off, ap: a}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "five"), "timeline[0].every: 'five' is not a duration", SIM_EINVAL);
    snprintf(t, cap, "%stimeline: [{at: 1m, every: 500us, count: 2, fault: ap_off, ap: a}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "500us"), "timeline[0].every: 500us is too short (must be >= 1ms)",
              SIM_EINVAL);
    snprintf(t, cap, "%stimeline: [{at: 1m, every: 1m, count: 2.5, fault: ap_off, ap: a}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "2.5"), "timeline[0].count: 2.5 is not a whole number", SIM_EINVAL);
    snprintf(t, cap, "%stimeline: [{at: 1m, every: 1m, count: 2, jitter: -1s, fault: ap_off, ap: a}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "-1s"), "timeline[0].jitter: -1s is negative", SIM_EINVAL);
    snprintf(t, cap, "%stimeline: [{at: 1m, every: 1m, count: 2, jitter: 40s, fault: ap_reboot, ap: a,"
                     " duration: 20s}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "1m, count"), "every: 1m is not longer than duration (20.000s) plus jitter",
              SIM_EINVAL);
    snprintf(t, cap, "%stimeline: [{at: 1m, count: 2, fault: ap_off, ap: a}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "2, fault"), "timeline[0].count: only meaningful with every", SIM_EINVAL);
    /* two entries together over the limit: refused at the second */
    snprintf(t, cap, "%stimeline: [{at: 0, every: 1ms, count: 60000, fault: ap_off, ap: a},\n"
                     "           {at: 0, every: 1ms, count: 50000, fault: ap_on, ap: a}]\n", head);
    parse_bad(t, strlen(t), 5, col_of(t, "50000"), "the timeline would expand to 110000 occurrences (at most 100000", SIM_ELIMIT);

    const char *tl = "timeline: [{id: r, at: 5m, every: 5m, count: 3, fault: ap_off, ap: a}, {at: 6m, fault: ap_on, ap: a}]\n";
    snprintf(t, cap, "%s%sexpect: [{link_up_within: 1m, after: x}]\n", head, tl);
    parse_bad(t, strlen(t), 5, col_of(t, "x}"), "no timeline entry has the id 'x' (ids: r", SIM_EINVAL);
    snprintf(t, cap, "%stimeline: [{at: 5m, fault: ap_off, ap: a}]\nexpect: [{link_up_within: 1m, after: x}]\n", head);
    parse_bad(t, strlen(t), 5, col_of(t, "x}"), "no entry has an id", SIM_EINVAL);
    snprintf(t, cap, "%s%sexpect: [{link_up_within: 1m, after: 1#2}]\n", head, tl);
    parse_bad(t, strlen(t), 5, col_of(t, "1#2"), "'1#2': entry 1 has 1 occurrence (#1..#1)", SIM_EINVAL);
    snprintf(t, cap, "%s%sexpect: [{link_up_within: 1m, after: 7#1}]\n", head, tl);
    parse_bad(t, strlen(t), 5, col_of(t, "7#1"), "timeline entry 7 does not exist (the timeline has 2 entries: 0..1)",
              SIM_EINVAL);
    snprintf(t, cap, "%s%sexpect: [{link_up_within: 1m, after: r#x}]\n", head, tl);
    parse_bad(t, strlen(t), 5, col_of(t, "r#x"), "the occurrence after '#' is a whole number from 1", SIM_EINVAL);
    snprintf(t, cap, "%s%sexpect: [{link_up_within: 1m, after: '#2'}]\n", head, tl);
    parse_bad(t, strlen(t), 5, col_of(t, "'#2'"), "'#2' is not a timeline entry", SIM_EINVAL);
    snprintf(t, cap, "%s%sexpect: [{max_outage: 1m, exclude: r}]\n", head, tl);
    parse_bad(t, strlen(t), 5, col_of(t, "r}"), "expect[0].exclude: expected a list of timeline entries", SIM_EINVAL);
    snprintf(t, cap, "%s%sexpect: [{max_outage: 1m, exclude: [-1]}]\n", head, tl);
    parse_bad(t, strlen(t), 5, col_of(t, "-1"), "expect[0].exclude[0]: -1 is out of range", SIM_EINVAL);
    snprintf(t, cap, "%s%sexpect: [{max_outage: 1m, exclude: [r], grace: -3s}]\n", head, tl);
    parse_bad(t, strlen(t), 5, col_of(t, "-3s"), "expect[0].grace: -3s is negative", SIM_EINVAL);
    snprintf(t, cap, "%s%sexpect: [{max_outage: 1m, after: r}]\n", head, tl);
    parse_bad(t, strlen(t), 5, col_of(t, "after"), "unknown key 'after' for max_outage", SIM_EINVAL);
    snprintf(t, cap, "%s%sexpect: [{status_never: GOT_IP, within: 1m}]\n", head, tl);
    parse_bad(t, strlen(t), 5, col_of(t, "within"), "unknown key 'within' for status_never", SIM_EINVAL);
    snprintf(t, cap, "%s%sexpect: [{associated_with: a, at: soon}]\n", head, tl);
    parse_bad(t, strlen(t), 5, col_of(t, "soon"), "expect[0].at: 'soon' is not a duration", SIM_EINVAL);
    snprintf(t, cap, "%s%sexpect: [{associated_with: a, after: r#4}]\n", head, tl);
    parse_bad(t, strlen(t), 5, col_of(t, "r#4"), "'r#4': r has 3 occurrences (#1..#3)", SIM_EINVAL);
    snprintf(t, cap, "%s%sexpect: [{associated_with: [a]}]\n", head, tl);
    parse_bad(t, strlen(t), 5, col_of(t, "[a]"), "expected the name of an access point", SIM_EINVAL);
    snprintf(t, cap, "%s%sexpect: [{connections: many}]\n", head, tl);
    parse_bad(t, strlen(t), 5, col_of(t, "many"), "expect[0].connections: 'many' is not a number", SIM_EINVAL);
    snprintf(t, cap, "%s%sexpect: [{drops: {}}]\n", head, tl);
    parse_bad(t, strlen(t), 5, col_of(t, "{}"), "give min, max or both", SIM_EINVAL);
    free(t);
}

/* A refusal must always be located: "fuzz:LINE:COL: ..." (or out of memory). */
static void check_refusal(const sim_err *err, const char *what)
{
    int line = 0, col = 0;
    if (strncmp(err->msg, "fuzz: out of memory", 19) == 0)
        return;
    if (sscanf(err->msg, "fuzz:%d:%d: ", &line, &col) != 2 || line < 1 || col < 1)
        fail_msg("%s: unlocated message '%s'", what, err->msg);
}

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void test_garbage(void **state)
{
    (void)state;
    static const char yamlish[] = "{}[]:,-#&*!|>'\"?%@`\n\n\n    \t\\0123456789.abcdefnamsuriowpxyz_";
    uint64_t seed = 20260101;
    size_t full_len = strlen(full_text);
    char *buf = malloc(full_len + 64);
    assert_non_null(buf);
    int parsed = 0;
    for (int i = 0; i < 10000; i++) {
        size_t len;
        switch (i % 3) {
        case 0: /* raw bytes */
            len = splitmix(&seed) % 300;
            for (size_t k = 0; k < len; k++)
                buf[k] = (char)splitmix(&seed);
            break;
        case 1: /* YAML punctuation soup */
            len = splitmix(&seed) % 300;
            for (size_t k = 0; k < len; k++)
                buf[k] = yamlish[splitmix(&seed) % (sizeof yamlish - 1)];
            break;
        default: /* the valid scenario, a few bytes changed */
            memcpy(buf, full_text, full_len);
            len = full_len;
            for (int m = 1 + (int)(splitmix(&seed) % 4); m > 0; m--) {
                size_t at = splitmix(&seed) % len;
                uint64_t r = splitmix(&seed);
                if (r % 3 == 0)
                    buf[at] = yamlish[(r >> 8) % (sizeof yamlish - 1)];
                else if (r % 3 == 1)
                    buf[at] = (char)(r >> 16);
                else if (len > 1) {
                    memmove(buf + at, buf + at + 1, len - at - 1);
                    len--;
                }
            }
            break;
        }
        sim_err err = {0};
        scenario *s = scn_parse("fuzz", buf, len, &err);
        if (s != NULL) {
            parsed++;
            scn_free(s);
        } else {
            check_refusal(&err, "garbage");
        }
    }
    free(buf);
    printf("10000 garbage inputs: %d parsed, the rest refused with a location\n", parsed);
}

static void test_truncations(void **state)
{
    (void)state;
    size_t len = strlen(full_text);
    int parsed = 0;
    for (size_t n = 0; n <= len; n++) {
        /* a copy of exactly n bytes, so that ASan sees any read past it */
        char *copy = malloc(n ? n : 1);
        assert_non_null(copy);
        memcpy(copy, full_text, n);
        sim_err err = {0};
        scenario *s = scn_parse("fuzz", copy, n, &err);
        if (s != NULL) {
            parsed++;
            scn_free(s);
        } else {
            check_refusal(&err, "truncation");
        }
        free(copy);
    }
    /* the whole text is the only prefix guaranteed to parse */
    assert_true(parsed >= 1);
    printf("%zu truncations: %d parsed\n", len + 1, parsed);
}

/* The console: timeline lines (console:) and the console_line expectation. */
static void test_console(void **state)
{
    (void)state;
    const char *good = "name: x\nduration: 1h\nworld:\n  aps: [{name: a, ssid: s}]\n"
                       "  devices: [{name: cam1}, {name: cam2}]\n"
                       "timeline:\n"
                       "  - {id: c, at: 5m, console: \"connect camnet correct horse battery\"}\n"
                       "  - {at: 6m, console: disconnect, device: cam2, every: 1m, count: 2}\n"
                       "expect:\n"
                       "  - {console_line: connected, after: c, within: 10s, device: cam1}\n"
                       "  - console_line: \"status GOT_IP\"\n";
    scenario *s = parse_ok(good);
    assert_int_equal(s->nfaults, 2);
    assert_int_equal(s->faults[0].kind, SCN_F_CONSOLE);
    assert_string_equal(s->faults[0].console, "connect camnet correct horse battery");
    assert_int_equal(s->faults[0].device, -1);
    assert_int_equal(s->faults[0].at, SIM_SEC(300));
    assert_int_equal(s->faults[1].device, 1);
    assert_int_equal(s->faults[1].count, 2);
    assert_int_equal(s->expects[0].kind, SCN_E_CONSOLE_LINE);
    assert_string_equal(s->expects[0].console, "connected");
    assert_int_equal(s->expects[0].after, 0);
    assert_int_equal(s->expects[0].within, SIM_SEC(10));
    assert_int_equal(s->expects[0].device, 0);
    assert_string_equal(s->expects[1].console, "status GOT_IP");
    assert_int_equal(s->expects[1].after, -1);
    scn_free(s);

    const char *head = "name: x\nduration: 1h\nworld: {aps: [{name: a, ssid: s}]}\n";
    size_t cap = 4096;
    char *t = malloc(cap);
    assert_non_null(t);
    snprintf(t, cap, "%stimeline: [{at: 1m, console: \"\"}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "\"\""), "timeline[0].console: is 0 bytes long", SIM_EINVAL);
    snprintf(t, cap, "%stimeline: [{at: 1m, console: \"a\\tb\"}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "\"a"), "byte 2 is a control character", SIM_EINVAL);
    snprintf(t, cap, "%stimeline: [{at: 1m, console: [x]}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "[x]"), "timeline[0].console: expected one line", SIM_EINVAL);
    snprintf(t, cap, "%stimeline: [{at: 1m, console: x, fault: ap_off, ap: a}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "console"), "a fault or a console line, not both", SIM_EINVAL);
    snprintf(t, cap, "%stimeline: [{at: 1m, fault: console}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "console}"), "not as a fault", SIM_EINVAL);
    snprintf(t, cap, "%stimeline: [{at: 1m, console: x, ap: a}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "ap: a"), "unknown key 'ap'", SIM_EINVAL);
    snprintf(t, cap, "%stimeline: [{console: x}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "{console"), "missing required key 'at'", SIM_EINVAL);
    snprintf(t, cap, "%stimeline: [{at: 2h, console: x}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "2h"), "after the end of the run", SIM_EINVAL);
    snprintf(t, cap, "%stimeline: [{at: 1m, console: x, device: nosuch}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "nosuch"), "timeline[0].device", SIM_EINVAL);
    /* 256 bytes: one more than a console line holds */
    char longline[300];
    memset(longline, 'x', 256);
    longline[256] = '\0';
    snprintf(t, cap, "%stimeline: [{at: 1m, console: %s}]\n", head, longline);
    parse_bad(t, strlen(t), 4, col_of(t, "xxx"), "is 256 bytes long", SIM_EINVAL);
    snprintf(t, cap, "%sexpect: [{console_line: \"\"}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "\"\""), "expect[0].console_line: is 0 bytes long", SIM_EINVAL);
    snprintf(t, cap, "%sexpect: [{console_line: ok, within: 0s}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "0s"), "expect[0].within: 0s is too short", SIM_EINVAL);
    snprintf(t, cap, "%sexpect: [{console_line: ok, min: 2}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "min"), "unknown key 'min'", SIM_EINVAL);
    snprintf(t, cap, "%sexpect: [{console_line: ok, after: nosuch}]\n", head);
    parse_bad(t, strlen(t), 4, col_of(t, "nosuch"), "expect[0].after", SIM_EINVAL);
    free(t);
}

/* The validators the live console shares with the parser. */
static void test_value_validators(void **state)
{
    (void)state;
    char msg[300];
    double d;
    sim_time t;
    assert_int_equal(scn_value_number("99", "99", SCN_TX_POWER_MIN, SCN_TX_POWER_MAX, " dBm", &d, msg, sizeof msg),
                     -1);
    assert_string_equal(msg, "99 is out of range (-10..30 dBm)");
    assert_int_equal(scn_value_number("12.5", "12.5", -10, 30, " dBm", &d, msg, sizeof msg), 0);
    assert_true(d == 12.5);
    assert_int_equal(scn_value_number("nan", "nan", -10, 30, "", &d, msg, sizeof msg), -1);
    assert_int_equal(scn_value_duration("400d", 4, "400d", 1, "> 0", &t, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "longer than a year"));
    assert_int_equal(scn_value_duration("20s", 3, "20s", 1, "> 0", &t, msg, sizeof msg), 0);
    assert_int_equal(t, SIM_SEC(20));
    assert_int_equal(scn_value_passphrase("short", 5, msg, sizeof msg), -1);
    assert_int_equal(scn_value_passphrase("correct horse", 13, msg, sizeof msg), 0);
    assert_int_equal(scn_value_passphrase("", 0, msg, sizeof msg), 0);
    assert_int_equal(scn_value_console_line("status", 6, msg, sizeof msg), 0);
    assert_int_equal(scn_value_console_line("a\nb", 3, msg, sizeof msg), -1);
}

static void test_shipped_scenarios(void **state)
{
    (void)state;
    char dir[PATH_MAX];
    src_path(dir, sizeof dir, "scenarios");
    DIR *d = opendir(dir);
    if (d == NULL) {
        printf("no scenarios/ folder: nothing to check\n");
        return;
    }
    struct dirent *de;
    int n = 0, bad = 0;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 5, ".yaml") != 0)
            continue;
        char path[PATH_MAX + 256];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        sim_err err = {0};
        scenario *s = scn_load(path, &err);
        n++;
        if (s == NULL) {
            printf("FAIL %s\n", err.msg);
            bad++;
            continue;
        }
        printf("ok   %s: %d AP(s), %d fault(s), %d expectation(s)\n", de->d_name, s->naps, s->nfaults, s->nexpects);
        scn_free(s);
    }
    closedir(d);
    printf("%d shipped scenario file(s) checked\n", n);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_scenario),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_services),
        cmocka_unit_test(test_networks),
        cmocka_unit_test(test_long_description),
        cmocka_unit_test(test_bad_corpus),
        cmocka_unit_test(test_more_refusals),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_repeats_and_refs),
        cmocka_unit_test(test_console),
        cmocka_unit_test(test_value_validators),
        cmocka_unit_test(test_repeat_refusals),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_shipped_scenarios),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
