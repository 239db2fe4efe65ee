/* Services' responders (sim/services.h) on crafted and malformed input:
 * DNS queries with bad lengths, labels, pointers and records; NTP requests
 * of every mode and version; greeter lines split, overlong and binary. The
 * sanitizer build runs these too, and a seeded stream of random and mutated
 * messages must never read out of bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/services.h"
#include "sim/bytes.h"

static const svc_dns_entry NAMES[] = {{"time.rig", 0x0a00027bu}, {"Sink.Rig", 0x0a000264u}};




/* A query: header (id 0x4242, RD), the name's labels, qtype, class. */
static size_t query(uint8_t *q, const char *name, uint16_t qtype, uint16_t qclass)
{
    memset(q, 0, 12);
    wr16(q, 0x4242);
    q[2] = 0x01;
    wr16(q + 4, 1);
    size_t n = 12;
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t l = dot ? (size_t)(dot - name) : strlen(name);
        q[n++] = (uint8_t)l;
        memcpy(q + n, name, l);
        n += l;
        name += l + (dot ? 1 : 0);
    }
    q[n++] = 0;
    wr16(q + n, qtype);
    wr16(q + n + 2, qclass);
    return n + 4;
}

static size_t answer(const uint8_t *q, size_t n, bool wrong, uint8_t *out, svc_dns_info *info)
{
    return svc_dns_answer(NAMES, 2, wrong, q, n, out, SVC_DNS_MAX, info);
}

static void test_dns_a(void **state)
{
    (void)state;
    uint8_t q[600], out[SVC_DNS_MAX];
    svc_dns_info info;
    size_t n = query(q, "TIME.rig", 1, 1);
    size_t m = answer(q, n, false, out, &info);
    assert_int_equal(m, n + 16);
    assert_int_equal(rd16(out), 0x4242);
    assert_int_equal(out[2], 0x85); /* QR, AA, RD */
    assert_int_equal(out[3], 0);    /* RA clear, NOERROR */
    assert_int_equal(rd16(out + 4), 1);
    assert_int_equal(rd16(out + 6), 1);
    assert_memory_equal(out + 12, q + 12, n - 12); /* the question, as asked */
    assert_int_equal(rd16(out + n), 0xc00c);
    assert_int_equal(rd16(out + n + 2), 1);
    assert_int_equal(rd16(out + n + 4), 1);
    assert_int_equal(rd32(out + n + 6), SVC_DNS_TTL);
    assert_int_equal(rd16(out + n + 10), 4);
    assert_int_equal(rd32(out + n + 12), 0x0a00027bu);
    assert_string_equal(info.qname, "TIME.rig");
    assert_int_equal(info.answer, 0x0a00027bu);
    /* ANY gets the A record too; AAAA of a known name is NODATA */
    n = query(q, "sink.rig", 255, 1);
    assert_int_equal(answer(q, n, false, out, NULL), n + 16);
    n = query(q, "sink.rig", 28, 1);
    assert_int_equal(answer(q, n, false, out, &info), n);
    assert_int_equal(out[3], 0);
    assert_int_equal(rd16(out + 6), 0);
    /* RD clear in, clear out */
    n = query(q, "time.rig", 1, 1);
    q[2] = 0;
    assert_int_equal(answer(q, n, false, out, NULL), n + 16);
    assert_int_equal(out[2], 0x84);
}

static void test_dns_negative(void **state)
{
    (void)state;
    uint8_t q[600], out[SVC_DNS_MAX];
    svc_dns_info info;
    size_t n = query(q, "nowhere.rig", 1, 1);
    assert_int_equal(answer(q, n, false, out, &info), n);
    assert_int_equal(out[3], 3); /* NXDOMAIN */
    assert_int_equal(out[2] & 0x04, 0x04);
    assert_int_equal(rd16(out + 6), 0);
    /* a suffix or prefix of a known name is another name */
    n = query(q, "rig", 1, 1);
    assert_int_equal(answer(q, n, false, out, NULL), n);
    assert_int_equal(out[3], 3);
    n = query(q, "x.time.rig", 1, 1);
    answer(q, n, false, out, NULL);
    assert_int_equal(out[3], 3);
    /* the root */
    n = query(q, "", 1, 1);
    assert_int_equal(answer(q, n, false, out, NULL), n);
    assert_int_equal(out[3], 3);
    /* "time.rig" as one label holding a dot is not the name time.rig */
    uint8_t odd[] = {0x42, 0x42, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 8, 't', 'i', 'm', 'e', '.', 'r', 'i', 'g', 0, 0, 1, 0, 1};
    assert_int_equal(answer(odd, sizeof odd, false, out, &info), sizeof odd);
    assert_int_equal(out[3], 3);
    assert_string_equal(info.qname, "time?rig");
    /* class CH: refused, not authoritative */
    n = query(q, "time.rig", 1, 3);
    assert_int_equal(answer(q, n, false, out, NULL), n);
    assert_int_equal(out[3], 5);
    assert_int_equal(out[2] & 0x04, 0);
    /* wrong mode: every A query of class IN gets the wrong address */
    n = query(q, "nowhere.rig", 1, 1);
    assert_int_equal(answer(q, n, true, out, &info), n + 16);
    assert_int_equal(out[3], 0);
    assert_int_equal(rd32(out + n + 12), SVC_DNS_WRONG_IP);
    n = query(q, "time.rig", 28, 1);
    assert_int_equal(answer(q, n, true, out, NULL), n); /* other types as before */
}

/* Messages that cannot be answered, and those answered with FORMERR or
 * NOTIMP and a bare header. */
static void test_dns_malformed(void **state)
{
    (void)state;
    uint8_t q[600], out[SVC_DNS_MAX];
    svc_dns_info info;
    size_t n = query(q, "time.rig", 1, 1);
    for (size_t k = 0; k < 12; k++)
        assert_int_equal(answer(q, k, false, out, NULL), 0); /* shorter than a header */
    q[2] |= 0x80;
    assert_int_equal(answer(q, n, false, out, NULL), 0); /* a response */
    q[2] = 0x01;
    assert_int_equal(svc_dns_answer(NAMES, 2, false, q, n, out, SVC_DNS_MAX - 1, NULL), 0); /* small buffer */

    q[2] = 0x01 | (2 << 3); /* STATUS */
    assert_int_equal(answer(q, n, false, out, &info), 12);
    assert_int_equal(out[3], 4);
    assert_int_equal(out[2], 0x80 | (2 << 3) | 0x01);
    q[2] = 0x01;
#define FORMERR(buf, len)                                                                                            \
    do {                                                                                                             \
        assert_int_equal(answer((buf), (len), false, out, &info), 12);                                               \
        assert_int_equal(out[3], 1);                                                                                 \
        assert_int_equal(rd16(out + 4), 0);                                                                          \
        assert_int_equal(rd16(out), 0x4242);                                                                         \
    } while (0)
    wr16(q + 4, 0);
    FORMERR(q, n);
    wr16(q + 4, 2);
    FORMERR(q, n);
    wr16(q + 4, 1);
    wr16(q + 6, 1); /* an answer record in a query */
    FORMERR(q, n);
    wr16(q + 6, 0);
    wr16(q + 8, 1);
    FORMERR(q, n);
    wr16(q + 8, 0);
    for (size_t k = 12; k < n; k++) /* every truncation of the question */
        FORMERR(q, k);
    /* a label of 64 bytes is an extended label type (0x40) */
    memset(q + 12, 'a', 70);
    q[12] = 64;
    q[77] = 0;
    wr16(q + 78, 1);
    wr16(q + 80, 1);
    FORMERR(q, 82);
    /* 63 is fine */
    q[12] = 63;
    q[76] = 0;
    assert_int_equal(answer(q, 81, false, out, NULL), 81);
    /* a name of more than 255 bytes on the wire */
    size_t k = 12;
    for (int i = 0; i < 5; i++) {
        q[k] = 63;
        memset(q + k + 1, 'b', 63);
        k += 64;
    }
    q[k++] = 0;
    wr16(q + k, 1);
    wr16(q + k + 2, 1);
    FORMERR(q, k + 4);
    /* compression pointers in the question: to itself, forward, to the header */
    uint8_t p1[] = {0x42, 0x42, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1};
    FORMERR(p1, sizeof p1);
    uint8_t p2[] = {0x42, 0x42, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0xc0, 12, 0, 1, 0, 1};
    FORMERR(p2, sizeof p2);
    uint8_t p3[] = {0x42, 0x42, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 20, 0, 1, 0, 1, 0, 0, 0, 0};
    FORMERR(p3, sizeof p3);
    uint8_t p4[] = {0x42, 0x42, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 2, 0, 1, 0, 1};
    FORMERR(p4, sizeof p4);
    uint8_t p5[] = {0x42, 0x42, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0};
    FORMERR(p5, sizeof p5);
    uint8_t p6[] = {0x42, 0x42, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 1, 0, 1};
    FORMERR(p6, sizeof p6);
}

/* The additional section: an EDNS OPT record gets FORMERR (RFC 6891 §7);
 * another record is skipped, its name may point back at the question, and
 * a bad pointer or length there is FORMERR. */
static void test_dns_additional(void **state)
{
    (void)state;
    uint8_t q[600], out[SVC_DNS_MAX];
    size_t n = query(q, "time.rig", 1, 1);
    wr16(q + 10, 1);
    /* OPT: root name, type 41, UDP size 1232, no options */
    uint8_t opt[] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};
    memcpy(q + n, opt, sizeof opt);
    assert_int_equal(answer(q, n + sizeof opt, false, out, NULL), 12);
    assert_int_equal(out[3], 1);
    /* an A record named by a pointer to the question: ignored, answered */
    uint8_t rr[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4};
    memcpy(q + n, rr, sizeof rr);
    assert_int_equal(answer(q, n + sizeof rr, false, out, NULL), n + 16);
    /* its RDLENGTH past the end */
    assert_int_equal(answer(q, n + sizeof rr - 1, false, out, NULL), 12);
    /* a pointer loop: the record's name points at itself */
    uint8_t loop[] = {0xc0, 0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 0};
    loop[1] = (uint8_t)n;
    memcpy(q + n, loop, sizeof loop);
    assert_int_equal(answer(q, n + sizeof loop, false, out, NULL), 12);
    /* a label then a pointer back to that label: a loop through two hops */
    uint8_t loop2[] = {1, 'x', 0xc0, 0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 0};
    loop2[3] = (uint8_t)n;
    memcpy(q + n, loop2, sizeof loop2);
    assert_int_equal(answer(q, n + sizeof loop2, false, out, NULL), 12);
    /* ARCOUNT says two, one is there */
    memcpy(q + n, rr, sizeof rr);
    wr16(q + 10, 2);
    assert_int_equal(answer(q, n + sizeof rr, false, out, NULL), 12);
}

/* A seeded stream of random messages and of mutations of a good query:
 * whatever comes out is a bounded, well-formed header. */
static void test_dns_noise(void **state)
{
    (void)state;
    uint64_t x = 0x9e3779b97f4a7c15u;
    uint8_t q[600], base[600], out[SVC_DNS_MAX];
    size_t bn = query(base, "time.rig", 1, 1);
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t n;
        if (i & 1) {
            n = 12 + (size_t)(x % 120);
            for (size_t k = 0; k < n; k++)
                q[k] = (uint8_t)(x >> ((k * 7) % 56)) ^ (uint8_t)k;
            q[2] &= 0x7f;
        } else {
            memcpy(q, base, bn);
            n = bn - (size_t)((x >> 8) % 3);
            q[(x >> 16) % bn] = (uint8_t)(x >> 24);
            q[(x >> 32) % bn] ^= (uint8_t)(x >> 40);
        }
        svc_dns_info info;
        size_t m = answer(q, n, (x & 4) != 0, out, &info);
        assert_true(m == 0 || (m >= 12 && m <= SVC_DNS_MAX));
        if (m > 0) {
            assert_int_equal(out[0], q[0]);
            assert_true(out[2] & 0x80);
        }
        assert_true(strlen(info.qname) < sizeof info.qname);
    }
}

static void test_dns_names(void **state)
{
    (void)state;
    assert_true(svc_dns_name_ok("time.rig"));
    assert_true(svc_dns_name_ok("a"));
    assert_true(svc_dns_name_ok("under_score.x-y.9"));
    assert_false(svc_dns_name_ok(""));
    assert_false(svc_dns_name_ok("."));
    assert_false(svc_dns_name_ok("a..b"));
    assert_false(svc_dns_name_ok("a."));
    assert_false(svc_dns_name_ok("bad name"));
    char l[80];
    memset(l, 'a', 64);
    l[64] = '\0';
    assert_false(svc_dns_name_ok(l));
    l[63] = '\0';
    assert_true(svc_dns_name_ok(l));
    char big[300];
    for (int i = 0; i < 254; i++)
        big[i] = (i % 2) ? '.' : 'a';
    big[253] = '\0';
    assert_true(svc_dns_name_ok(big)); /* 253 characters */
    big[253] = 'a';
    big[254] = '\0';
    assert_false(svc_dns_name_ok(big));
}

static void test_ntp(void **state)
{
    (void)state;
    uint8_t req[68] = {0}, out[SVC_NTP_LEN];
    req[0] = 0x23; /* v4, client */
    req[2] = 6;
    for (int i = 40; i < 48; i++)
        req[i] = (uint8_t)(0xa0 + i);
    uint64_t rx = svc_ntp_timestamp(1767225600, SIM_MS(1500));
    uint64_t tx = svc_ntp_timestamp(1767225600, SIM_MS(1750));
    assert_int_equal(rx >> 32, 1767225601ull + SVC_NTP_UNIX_OFFSET);
    assert_int_equal(rx & 0xffffffffu, 0x80000000u);
    assert_int_equal(tx & 0xffffffffu, 0xc0000000u);
    assert_int_equal(svc_ntp_answer(req, 48, rx, tx, out), SVC_NTP_LEN);
    assert_int_equal(out[0], 0x24);
    assert_int_equal(out[1], 1);
    assert_int_equal(out[2], 6);
    assert_int_equal((int8_t)out[3], -20);
    assert_memory_equal(out + 12, "LRIG", 4);
    assert_memory_equal(out + 24, req + 40, 8);
    assert_int_equal(rd32(out + 32), (uint32_t)(rx >> 32));
    assert_int_equal(rd32(out + 36), 0x80000000u);
    assert_int_equal(rd32(out + 40), (uint32_t)(tx >> 32));
    assert_int_equal(rd32(out + 16), (uint32_t)(rx >> 32));
    assert_int_equal(rd32(out + 20), 0);
    /* version 3 is answered as version 3; extension bytes are ignored */
    req[0] = 0x1b;
    assert_int_equal(svc_ntp_answer(req, sizeof req, rx, tx, out), SVC_NTP_LEN);
    assert_int_equal(out[0], 0x1c);
    /* not a client request, or a version that does not exist, or short */
    for (int mode = 0; mode < 8; mode++) {
        req[0] = (uint8_t)((4 << 3) | mode);
        if (mode != 3)
            assert_int_equal(svc_ntp_answer(req, 48, rx, tx, out), 0);
    }
    req[0] = (0 << 3) | 3;
    assert_int_equal(svc_ntp_answer(req, 48, rx, tx, out), 0);
    req[0] = (5 << 3) | 3;
    assert_int_equal(svc_ntp_answer(req, 48, rx, tx, out), 0);
    req[0] = 0x23;
    for (size_t n = 0; n < 48; n++)
        assert_int_equal(svc_ntp_answer(req, n, rx, tx, out), 0);
    assert_int_equal(svc_ntp_answer(NULL, 48, rx, tx, out), 0);
    /* epoch 0 at time 0 is the Unix epoch in NTP's era */
    assert_int_equal(svc_ntp_timestamp(0, 0), (uint64_t)SVC_NTP_UNIX_OFFSET << 32);
}

struct sink {
    char buf[2048];
    size_t len;
};

static void collect(void *ctx, const uint8_t *b, size_t n)
{
    struct sink *s = ctx;
    assert_true(s->len + n < sizeof s->buf);
    memcpy(s->buf + s->len, b, n);
    s->len += n;
    s->buf[s->len] = '\0';
}

static void test_greeter_script(void **state)
{
    (void)state;
    static const svc_greeter_rule rules[] = {{"HELO", "250 hello"}, {"QUIT", "221 bye"}, {"", "500 what?"}};
    sim_err err = {0};
    svc_greeter *g = svc_greeter_create("220 ready", rules, 3, &err);
    assert_non_null(g);
    struct sink s = {0};
    svc_greeter_hello(g, collect, &s);
    assert_string_equal(s.buf, "220 ready\r\n");
    s.len = 0;
    svc_greeter_conn c = {0};
    /* split anywhere, CR LF or LF, the first matching rule, the catch-all */
    const char *in = "HE";
    svc_greeter_input(g, &c, (const uint8_t *)in, 2, collect, &s);
    assert_int_equal(s.len, 0);
    in = "LO there\r\nxQUITx\nHELO QUIT\n\n";
    svc_greeter_input(g, &c, (const uint8_t *)in, strlen(in), collect, &s);
    assert_string_equal(s.buf, "250 hello\r\n221 bye\r\n250 hello\r\n500 what?\r\n");
    /* a NUL in the line does not hide what follows it */
    s.len = 0;
    const uint8_t bin[] = {'a', 0, 'Q', 'U', 'I', 'T', '\n'};
    svc_greeter_input(g, &c, bin, sizeof bin, collect, &s);
    assert_string_equal(s.buf, "221 bye\r\n");
    /* an overlong line is cut at SVC_GREETER_LINE_MAX */
    s.len = 0;
    uint8_t big[SVC_GREETER_LINE_MAX * 2 + 1];
    memset(big, 'z', sizeof big);
    big[sizeof big - 1] = '\n';
    svc_greeter_input(g, &c, big, sizeof big, collect, &s);
    assert_string_equal(s.buf, "500 what?\r\n500 what?\r\n500 what?\r\n");
    svc_greeter_free(g);

    /* no catch-all: a line no rule matches gets nothing */
    g = svc_greeter_create("hi", rules, 1, &err);
    assert_non_null(g);
    s.len = 0;
    s.buf[0] = '\0';
    memset(&c, 0, sizeof c);
    svc_greeter_input(g, &c, (const uint8_t *)"nothing\n", 8, collect, &s);
    assert_int_equal(s.len, 0);
    svc_greeter_free(g);
    svc_greeter_free(NULL);

    /* texts are single lines */
    assert_null(svc_greeter_create("two\nlines", NULL, 0, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    static const svc_greeter_rule bad[] = {{"x", "a\rb"}};
    assert_null(svc_greeter_create("ok", bad, 1, &err));
    assert_non_null(strstr(err.msg, "rule 0"));
    char longer[300];
    memset(longer, 'l', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    assert_null(svc_greeter_create(longer, NULL, 0, &err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dns_a),          cmocka_unit_test(test_dns_negative),
        cmocka_unit_test(test_dns_malformed),  cmocka_unit_test(test_dns_additional),
        cmocka_unit_test(test_dns_noise),      cmocka_unit_test(test_dns_names),
        cmocka_unit_test(test_ntp),            cmocka_unit_test(test_greeter_script),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
