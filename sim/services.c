/* sim/services.c — DNS, NTP and greeter responders (see services.h).
 *
 * Reading is done with explicit offsets into the received buffer and a
 * bounds check before every byte; writing builds the reply byte by byte. */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "sim/services.h"
#include "sim/bytes.h"

#include <stdlib.h>
#include <string.h>





static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* ------------------------------------------------------------------ */
/* DNS                                                                 */
/* ------------------------------------------------------------------ */

#define DNS_HDR 12
#define DNS_RCODE_FORMERR 1
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP 4
#define DNS_RCODE_REFUSED 5
#define DNS_TYPE_A 1
#define DNS_TYPE_OPT 41
#define DNS_TYPE_ANY 255
#define DNS_CLASS_IN 1
#define DNS_CLASS_ANY 255

bool svc_dns_name_ok(const char *text)
{
    size_t n = strlen(text), label = 0;
    if (n == 0 || n > SVC_DNS_NAME_MAX)
        return false;
    for (size_t i = 0; i <= n; i++) {
        char c = text[i];
        if (c == '.' || c == '\0') {
            if (label == 0 || label > 63)
                return false;
            label = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
        label++;
    }
    return true;
}

/* Reads the name at *off (RFC 1035 §3.1, §4.1.4) into text (dotted, no
 * final dot; "" for the root) and moves *off past it in place (past the
 * first pointer when there is one). A pointer must point strictly before
 * the start of the labels that led to it, so every jump goes backwards and
 * a loop is impossible; the name's wire length is at most 255 bytes. The
 * text marks bytes other than printable ASCII or a '.' inside a label with
 * '?' and sets *odd, so such a name matches no table entry. */
static bool dns_read_name(const uint8_t *m, size_t len, size_t *off, char *text, size_t cap, bool *odd)
{
    size_t pos = *off, limit = *off, wire = 0, k = 0, after = 0;
    bool jumped = false;
    *odd = false;
    for (;;) {
        if (pos >= len)
            return false;
        uint8_t b = m[pos];
        if ((b & 0xc0) == 0xc0) {
            if (pos + 1 >= len)
                return false;
            size_t target = ((size_t)(b & 0x3f) << 8) | m[pos + 1];
            if (!jumped)
                after = pos + 2;
            if (target >= limit || target < DNS_HDR)
                return false;
            jumped = true;
            pos = limit = target;
            continue;
        }
        if ((b & 0xc0) != 0)
            return false; /* 0x40 and 0x80: extended label types, none defined for use */
        wire += (size_t)b + 1;
        if (wire > 255)
            return false;
        if (b == 0) {
            if (!jumped)
                after = pos + 1;
            break;
        }
        if (pos + 1 + b > len)
            return false;
        if (k > 0 && k + 1 < cap)
            text[k++] = '.';
        for (size_t i = 0; i < b; i++) {
            char c = (char)m[pos + 1 + i];
            if (c <= 0x20 || c >= 0x7f || c == '.') {
                c = '?';
                *odd = true;
            }
            if (k + 1 < cap)
                text[k++] = c;
        }
        pos += 1 + (size_t)b;
    }
    text[k] = '\0';
    *off = after;
    return true;
}

static bool dns_name_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (lower(*a) != lower(*b))
            return false;
    return *a == *b;
}

/* Skips one resource record (name, type, class, TTL, RDLENGTH, RDATA);
 * sets *is_opt for an OPT pseudo-record. */
static bool dns_skip_rr(const uint8_t *m, size_t len, size_t *off, bool *is_opt)
{
    char name[SVC_DNS_NAME_MAX + 2];
    bool odd;
    if (!dns_read_name(m, len, off, name, sizeof name, &odd))
        return false;
    if (*off + 10 > len)
        return false;
    *is_opt = rd16(m + *off) == DNS_TYPE_OPT;
    size_t rdlen = rd16(m + *off + 8);
    if (*off + 10 + rdlen > len)
        return false;
    *off += 10 + rdlen;
    return true;
}

static size_t dns_header_only(const uint8_t *q, uint8_t *out, int rcode)
{
    memset(out, 0, DNS_HDR);
    out[0] = q[0];
    out[1] = q[1];
    /* QR, the query's opcode and RD; AA is meaningless without a question */
    out[2] = (uint8_t)(0x80 | (q[2] & 0x79));
    out[3] = (uint8_t)rcode;
    return DNS_HDR;
}

size_t svc_dns_answer(const svc_dns_entry *names, size_t nnames, bool wrong, const uint8_t *q, size_t qlen,
                      uint8_t *out, size_t cap, svc_dns_info *info)
{
    svc_dns_info dummy;
    if (info == NULL)
        info = &dummy;
    memset(info, 0, sizeof *info);
    if (q == NULL || out == NULL || cap < SVC_DNS_MAX || qlen < DNS_HDR)
        return 0;
    if (q[2] & 0x80)
        return 0; /* a response: never answered */
    int opcode = (q[2] >> 3) & 0x0f;
    if (opcode != 0) {
        info->rcode = DNS_RCODE_NOTIMP;
        return dns_header_only(q, out, DNS_RCODE_NOTIMP);
    }
    uint16_t qd = rd16(q + 4), an = rd16(q + 6), ns = rd16(q + 8), ar = rd16(q + 10);
    info->rcode = DNS_RCODE_FORMERR;
    if (qd != 1 || an != 0 || ns != 0)
        return dns_header_only(q, out, DNS_RCODE_FORMERR);
    size_t off = DNS_HDR;
    bool odd;
    if (!dns_read_name(q, qlen, &off, info->qname, sizeof info->qname, &odd) || off + 4 > qlen)
        return dns_header_only(q, out, DNS_RCODE_FORMERR);
    size_t qend = off + 4;
    uint16_t qtype = rd16(q + off), qclass = rd16(q + off + 2);
    info->qtype = qtype;
    size_t roff = qend;
    for (uint16_t i = 0; i < ar; i++) {
        bool opt;
        if (!dns_skip_rr(q, qlen, &roff, &opt) || opt)
            return dns_header_only(q, out, DNS_RCODE_FORMERR);
    }
    /* The question is echoed as received: it holds no pointer (one could
     * only point into the header, which dns_read_name refuses). */
    size_t qsize = qend - DNS_HDR;
    if (DNS_HDR + qsize + 16 > cap)
        return dns_header_only(q, out, DNS_RCODE_FORMERR);
    memset(out, 0, DNS_HDR);
    out[0] = q[0];
    out[1] = q[1];
    out[2] = (uint8_t)(0x80 | 0x04 | (q[2] & 0x01)); /* QR, AA, RD copied; opcode 0 */
    wr16(out + 4, 1);
    memcpy(out + DNS_HDR, q + DNS_HDR, qsize);
    size_t n = DNS_HDR + qsize;

    int rcode = 0;
    uint32_t addr = 0;
    bool want_a = qtype == DNS_TYPE_A || qtype == DNS_TYPE_ANY;
    if (qclass != DNS_CLASS_IN && qclass != DNS_CLASS_ANY) {
        rcode = DNS_RCODE_REFUSED;
    } else if (wrong && want_a) {
        addr = SVC_DNS_WRONG_IP;
    } else {
        const svc_dns_entry *hit = NULL;
        for (size_t i = 0; i < nnames && hit == NULL && !odd; i++)
            if (names[i].name != NULL && dns_name_eq(info->qname, names[i].name))
                hit = &names[i];
        if (hit == NULL)
            rcode = DNS_RCODE_NXDOMAIN;
        else if (want_a)
            addr = hit->ip;
    }
    if (rcode == DNS_RCODE_REFUSED)
        out[2] &= (uint8_t)~0x04; /* not authoritative for another class */
    out[3] = (uint8_t)rcode;
    if (addr != 0) {
        uint8_t *a = out + n;
        wr16(a, 0xc000 | DNS_HDR); /* the question's name (§4.1.4) */
        wr16(a + 2, DNS_TYPE_A);
        wr16(a + 4, DNS_CLASS_IN);
        wr32(a + 6, SVC_DNS_TTL);
        wr16(a + 10, 4);
        wr32(a + 12, addr);
        n += 16;
        wr16(out + 6, 1);
    }
    info->rcode = rcode;
    info->answer = addr;
    return n;
}

/* ------------------------------------------------------------------ */
/* NTP                                                                 */
/* ------------------------------------------------------------------ */

uint64_t svc_ntp_timestamp(int64_t epoch_s, sim_time t)
{
    int64_t secs = t / SIM_SEC(1);
    int64_t ns = t % SIM_SEC(1);
    if (ns < 0) {
        ns += SIM_SEC(1);
        secs--;
    }
    /* Era 0 wraps in 2036 (§6); the low 32 bits are what goes on the wire. */
    uint64_t s = (uint64_t)(epoch_s + secs + (int64_t)SVC_NTP_UNIX_OFFSET);
    uint64_t frac = ((uint64_t)ns << 32) / (uint64_t)SIM_SEC(1);
    return (s << 32) | (frac & 0xffffffffu);
}

size_t svc_ntp_answer(const uint8_t *req, size_t len, uint64_t rx, uint64_t tx, uint8_t out[SVC_NTP_LEN])
{
    if (req == NULL || out == NULL || len < SVC_NTP_LEN)
        return 0;
    int vn = (req[0] >> 3) & 7, mode = req[0] & 7;
    if (mode != 3 || vn < 1 || vn > 4)
        return 0; /* §9.2: a server answers client mode only */
    memset(out, 0, SVC_NTP_LEN);
    out[0] = (uint8_t)((0 << 6) | (vn << 3) | 4); /* LI 0 (no warning), the client's version, mode 4 */
    out[1] = 1;                                   /* stratum 1: a primary server with its own clock */
    out[2] = req[2];                              /* poll: the client's */
    out[3] = (uint8_t)(int8_t)-20;                /* precision: 2^-20 s, about a microsecond */
    /* root delay and root dispersion (4..11) are 0: the clock is the reference */
    memcpy(out + 12, "LRIG", 4);                  /* reference ID of a stratum-1 clock: ASCII, §7.3 */
    wr64(out + 16, rx & ~(uint64_t)0xffffffffu);  /* reference: set at the last whole second */
    memcpy(out + 24, req + 40, 8);                /* origin = the client's transmit timestamp */
    wr64(out + 32, rx);
    wr64(out + 40, tx);
    return SVC_NTP_LEN;
}

/* ------------------------------------------------------------------ */
/* Greeter                                                             */
/* ------------------------------------------------------------------ */

struct svc_greeter {
    char *greeting;
    struct {
        char *expect, *reply;
        size_t elen;
    } *rules;
    size_t nrules;
};

static bool text_ok(const char *t)
{
    return t != NULL && strlen(t) <= SVC_GREETER_TEXT_MAX && strpbrk(t, "\r\n") == NULL;
}

void svc_greeter_free(svc_greeter *g)
{
    if (g == NULL)
        return;
    for (size_t i = 0; i < g->nrules; i++) {
        free(g->rules[i].expect);
        free(g->rules[i].reply);
    }
    free(g->rules);
    free(g->greeting);
    free(g);
}

svc_greeter *svc_greeter_create(const char *greeting, const svc_greeter_rule *rules, size_t nrules, sim_err *err)
{
    if (!text_ok(greeting)) {
        sim_err_set(err, SIM_EINVAL, "greeter: the greeting must be one line of at most %d bytes",
                    SVC_GREETER_TEXT_MAX);
        return NULL;
    }
    for (size_t i = 0; i < nrules; i++)
        if (!text_ok(rules[i].expect) || !text_ok(rules[i].reply)) {
            sim_err_set(err, SIM_EINVAL, "greeter: rule %zu: expect and reply must be one line of at most %d bytes",
                        i, SVC_GREETER_TEXT_MAX);
            return NULL;
        }
    svc_greeter *g = calloc(1, sizeof *g);
    if (g == NULL || (nrules > 0 && (g->rules = calloc(nrules, sizeof *g->rules)) == NULL) ||
        (g->greeting = strdup(greeting)) == NULL) {
        svc_greeter_free(g);
        sim_err_set(err, SIM_ENOMEM, "greeter: out of memory");
        return NULL;
    }
    for (size_t i = 0; i < nrules; i++) {
        g->nrules++;
        g->rules[i].expect = strdup(rules[i].expect);
        g->rules[i].reply = strdup(rules[i].reply);
        if (g->rules[i].expect == NULL || g->rules[i].reply == NULL) {
            svc_greeter_free(g);
            sim_err_set(err, SIM_ENOMEM, "greeter: out of memory");
            return NULL;
        }
        g->rules[i].elen = strlen(rules[i].expect);
    }
    return g;
}

static void send_line(const char *text, svc_out_fn out, void *ctx)
{
    out(ctx, (const uint8_t *)text, strlen(text));
    out(ctx, (const uint8_t *)"\r\n", 2);
}

void svc_greeter_hello(const svc_greeter *g, svc_out_fn out, void *ctx)
{
    send_line(g->greeting, out, ctx);
}

/* The line may hold any byte, NUL included: no string functions on it. */
static bool contains(const uint8_t *hay, size_t n, const char *needle, size_t m)
{
    if (m == 0)
        return true;
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return true;
    return false;
}

static void answer_line(const svc_greeter *g, const uint8_t *line, size_t n, svc_out_fn out, void *ctx)
{
    if (n > 0 && line[n - 1] == '\r')
        n--;
    for (size_t i = 0; i < g->nrules; i++)
        if (contains(line, n, g->rules[i].expect, g->rules[i].elen)) {
            send_line(g->rules[i].reply, out, ctx);
            return;
        }
}

void svc_greeter_input(const svc_greeter *g, svc_greeter_conn *c, const uint8_t *bytes, size_t len, svc_out_fn out,
                       void *ctx)
{
    for (size_t i = 0; i < len; i++) {
        if (bytes[i] == '\n') {
            answer_line(g, c->line, c->len, out, ctx);
            c->len = 0;
            continue;
        }
        c->line[c->len++] = bytes[i];
        if (c->len == sizeof c->line) {
            answer_line(g, c->line, c->len, out, ctx);
            c->len = 0;
        }
    }
}
