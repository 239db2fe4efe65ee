/* The trace-line parser of sim/report.c: the flat JSON the trace writes is
 * read exactly, and anything else — truncated, nested, oversized, stray
 * bytes — is refused with a reason and a column, never read past its end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/report.h"

/* The parser works in place and may write line[len]: give it a heap copy
 * of exactly len + 1 bytes so a read or write past that is an ASan error. */
static int parse(const char *text, rpt_obj *o, char *why, size_t whylen)
{
    size_t len = strlen(text);
    char *buf = malloc(len + 1);
    memcpy(buf, text, len + 1);
    int rc = rpt_parse_line(buf, len, o, why, whylen);
    /* fields point into buf: tests that read them use parse_keep */
    free(buf);
    return rc;
}

static char *keep;
static int parse_keep(const char *text, rpt_obj *o)
{
    free(keep);
    size_t len = strlen(text);
    keep = malloc(len + 1);
    memcpy(keep, text, len + 1);
    return rpt_parse_line(keep, len, o, NULL, 0);
}

static void test_trace_line(void **state)
{
    (void)state;
    rpt_obj o;
    assert_int_equal(parse_keep("{\"t\":60000000000,\"comp\":\"ap1\",\"event\":\"enabled\",\"on\":false,"
                                "\"rssi_ap1\":-501,\"big\":9223372036854775807,\"small\":-9223372036854775808}",
                                &o),
                     0);
    assert_int_equal(o.n, 7);
    assert_int_equal(rpt_get(&o, "t")->num, 60000000000LL);
    assert_string_equal(rpt_get(&o, "comp")->str, "ap1");
    assert_int_equal(rpt_get(&o, "on")->type, RPT_BOOL);
    assert_int_equal(rpt_get(&o, "on")->num, 0);
    assert_int_equal(rpt_get(&o, "rssi_ap1")->num, -501);
    assert_int_equal(rpt_get(&o, "big")->num, INT64_MAX);
    assert_true(rpt_get(&o, "small")->num == INT64_MIN);
    assert_null(rpt_get(&o, "absent"));
}

static void test_escapes_and_spacing(void **state)
{
    (void)state;
    rpt_obj o;
    assert_int_equal(parse_keep(" { \"msg\" : \"a\\\"b\\\\c\\n\\u00e9\\u0001\" , \"x\" : null } ", &o), 0);
    assert_int_equal(o.n, 1); /* null reads as absent */
    assert_string_equal(rpt_get(&o, "msg")->str, "a\"b\\c\n\xc3\xa9\x01");
    assert_int_equal(parse_keep("{}", &o), 0);
    assert_int_equal(o.n, 0);
    /* \u0000 must not cut the string short */
    assert_int_equal(parse_keep("{\"s\":\"a\\u0000b\"}", &o), 0);
    assert_string_equal(rpt_get(&o, "s")->str, "a?b");
}

static void test_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "   ",
        "[1,2]",
        "{",
        "{\"t\"",
        "{\"t\":",
        "{\"t\":1",
        "{\"t\":1,",
        "{\"t\":1,}",
        "{\"t\":1}x",
        "{\"t\":1}{\"t\":2}",
        "{\"t\":1.5}",
        "{\"t\":1e3}",
        "{\"t\":-}",
        "{\"t\":--1}",
        "{\"t\":99999999999999999999}",
        "{\"t\":9223372036854775808}",
        "{\"t\":{\"a\":1}}",
        "{\"t\":[1]}",
        "{\"t\":tru}",
        "{\"t\":nul}",
        "{t:1}",
        "{\"t\" 1}",
        "{\"s\":\"abc}",
        "{\"s\":\"a\\qb\"}",
        "{\"s\":\"a\\u12\"}",
        "{\"s\":\"a\\u12g4\"}",
        "{\"s\":\"\\",
        "{\"s\":\"a\tb\"}",
        "{\"t\":1 \"u\":2}",
        "\"just a string\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rpt_obj o;
        char why[96] = "";
        if (parse(bad[i], &o, why, sizeof why) != -1)
            fail_msg("accepted malformed line %zu: %s", i, bad[i]);
        assert_non_null(strstr(why, "column"));
        assert_int_equal(o.n, 0);
    }
}

static void test_too_many_fields(void **state)
{
    (void)state;
    char line[RPT_MAX_FIELDS * 16 + 16];
    size_t n = 0;
    line[n++] = '{';
    for (int i = 0; i <= RPT_MAX_FIELDS; i++)
        n += (size_t)snprintf(line + n, sizeof line - n, "%s\"k%d\":%d", i ? "," : "", i, i);
    snprintf(line + n, sizeof line - n, "}");
    rpt_obj o;
    char why[96];
    assert_int_equal(parse(line, &o, why, sizeof why), -1);
    assert_non_null(strstr(why, "too many fields"));
}

/* Every prefix of a good line is refused (a line cut by a crash). */
static void test_truncations(void **state)
{
    (void)state;
    const char *good = "{\"t\":12,\"comp\":\"cam.radio\",\"event\":\"sample\",\"x_mm\":-5,\"ok\":true,\"s\":\"\\u00e9\"}";
    size_t len = strlen(good);
    for (size_t k = 0; k < len; k++) {
        char *buf = malloc(k + 1);
        memcpy(buf, good, k);
        buf[k] = '\0';
        rpt_obj o;
        assert_int_equal(rpt_parse_line(buf, k, &o, NULL, 0), -1);
        free(buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace_line),      cmocka_unit_test(test_escapes_and_spacing),
        cmocka_unit_test(test_malformed),       cmocka_unit_test(test_too_many_fields),
        cmocka_unit_test(test_truncations),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(keep);
    return rc;
}
