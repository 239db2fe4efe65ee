/* Trace: JSON lines that parse, typed fields, escaping, levels, sinks. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/sim.h"

static void at_1500ms(void *arg)
{
    sim *s = arg;
    sim_trace_rec *r = sim_trace_begin(sim_trace_of(s), SIM_LOG_INFO, "radio", "join");
    sim_trace_str(r, "ssid", "cam \"net\"\n\\x");
    sim_trace_int(r, "rssi", -61);
    sim_trace_bool(r, "wpa2", true);
    sim_trace_int(r, "zero", 0);
    sim_trace_int(r, "min", INT64_MIN);
    sim_trace_int(r, "max", INT64_MAX);
    const uint8_t mac[3] = {0x02, 0xab, 0x00};
    sim_trace_hex(r, "mac", mac, 3);
    sim_trace_end(r);
    sim_trace_msg(sim_trace_of(s), SIM_LOG_DEBUG, "ap", "tick", "n=%d", 3);
}

static void test_json_lines(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    sim *s = sim_create(&(sim_config){.seed = 1}, NULL);
    sim_trace_set_stream(sim_trace_of(s), f);
    sim_trace_set_log(sim_trace_of(s), NULL, SIM_LOG_OFF);
    sim_at(s, SIM_MS(1500), at_1500ms, s);
    sim_run_until(s, SIM_SEC(2));
    fclose(f);
    assert_string_equal(text,
                        "{\"t\":1500000000,\"comp\":\"radio\",\"event\":\"join\","
                        "\"ssid\":\"cam \\\"net\\\"\\n\\\\x\",\"rssi\":-61,\"wpa2\":true,\"zero\":0,"
                        "\"min\":-9223372036854775808,\"max\":9223372036854775807,\"mac\":\"02ab00\"}\n"
                        "{\"t\":1500000000,\"comp\":\"ap\",\"event\":\"tick\",\"msg\":\"n=3\"}\n");
    free(text);
    sim_destroy(s);
}

static void test_log_level_filter(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    sim *s = sim_create(&(sim_config){.seed = 1}, NULL);
    sim_trace_set_log(sim_trace_of(s), f, SIM_LOG_INFO);
    sim_at(s, SIM_MS(1500), at_1500ms, s);
    sim_run_until(s, SIM_SEC(2));
    fclose(f);
    /* the info event is logged readably, the debug one is not */
    assert_non_null(strstr(text, "radio"));
    assert_non_null(strstr(text, "rssi=-61"));
    assert_non_null(strstr(text, "1.500000000"));
    assert_null(strstr(text, "tick"));
    free(text);
    assert_int_equal(sim_log_level_parse("debug"), SIM_LOG_DEBUG);
    assert_int_equal(sim_log_level_parse("off"), SIM_LOG_OFF);
    assert_int_equal(sim_log_level_parse("loud"), -1);
    sim_destroy(s);
}

struct seen {
    int n;
    int64_t rssi;
    char ssid[64];
    sim_time t;
    sim_trace *tr;
};

static void sink(void *ctx, const sim_trace_event *ev)
{
    struct seen *w = ctx;
    if (strcmp(ev->event, "join") != 0)
        return;
    w->n++;
    w->t = ev->t;
    for (size_t i = 0; i < ev->nfields; i++) {
        if (strcmp(ev->fields[i].key, "rssi") == 0) {
            assert_int_equal(ev->fields[i].type, SIM_TF_INT);
            w->rssi = ev->fields[i].num;
        }
        if (strcmp(ev->fields[i].key, "ssid") == 0)
            snprintf(w->ssid, sizeof w->ssid, "%s", ev->fields[i].str);
    }
    /* nested emission from a sink is refused, not corrupting */
    assert_null(sim_trace_begin(w->tr, SIM_LOG_INFO, "x", "y"));
}

static void test_sink(void **state)
{
    (void)state;
    sim *s = sim_create(&(sim_config){.seed = 1}, NULL);
    sim_trace_set_log(sim_trace_of(s), NULL, SIM_LOG_OFF);
    struct seen w = {.tr = sim_trace_of(s)};
    assert_int_equal(sim_trace_add_sink(sim_trace_of(s), sink, &w), SIM_OK);
    sim_at(s, SIM_MS(1500), at_1500ms, s);
    sim_run_until(s, SIM_SEC(2));
    assert_int_equal(w.n, 1);
    assert_int_equal(w.rssi, -61);
    assert_string_equal(w.ssid, "cam \"net\"\n\\x");
    assert_int_equal(w.t, SIM_MS(1500));
    assert_int_equal(sim_trace_count(sim_trace_of(s)), 2);
    sim_destroy(s);
}

static void test_disabled_costs_nothing(void **state)
{
    (void)state;
    sim *s = sim_create(&(sim_config){.seed = 1}, NULL);
    sim_trace_set_log(sim_trace_of(s), NULL, SIM_LOG_OFF);
    /* nobody listens: begin returns NULL and field calls accept it */
    sim_trace_rec *r = sim_trace_begin(sim_trace_of(s), SIM_LOG_ERROR, "a", "b");
    assert_null(r);
    sim_trace_int(r, "x", 1);
    sim_trace_end(r);
    assert_int_equal(sim_trace_count(sim_trace_of(s)), 0);
    sim_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_lines),
        cmocka_unit_test(test_log_level_filter),
        cmocka_unit_test(test_sink),
        cmocka_unit_test(test_disabled_costs_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
