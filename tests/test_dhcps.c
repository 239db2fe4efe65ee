/*
 * tests/test_dhcps.c - the AP's DHCP server against a scripted client.
 *
 * The test plays the client by hand: it builds Ethernet/IPv4/UDP/BOOTP
 * frames itself (its own checksum and option code, nothing shared with
 * dhcps.c), hands them to dhcps_input and reads what comes back through the
 * send callback with its own parser, which checks every reply as strictly
 * as a client would (IPv4 header checksum, UDP checksum, magic cookie,
 * option lengths). Frames given to the server are copied into heap blocks
 * of exactly their length, so that AddressSanitizer sees any read past the
 * end. Time moves only through sim_run_until, so lease times are exact.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ap_model/dhcps.h"
#include "sim/capture.h"
#include "sim/sim.h"

#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

static const uint8_t SRV_MAC[6] = {0x02, 0xa0, 0x00, 0x00, 0xd0, 0x01};
static const uint8_t CL1[6] = {0x02, 0x11, 0x00, 0x00, 0x00, 0x01};
static const uint8_t CL2[6] = {0x02, 0x11, 0x00, 0x00, 0x00, 0x02};
static const uint8_t CL3[6] = {0x02, 0x11, 0x00, 0x00, 0x00, 0x03};
static const uint8_t CL4[6] = {0x02, 0x11, 0x00, 0x00, 0x00, 0x04};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

#define SRV_IP IP4(10, 0, 2, 254)
#define POOL_FIRST IP4(10, 0, 2, 15)
#define ALL_ONES 0xffffffffu

enum { DISCOVER = 1, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE, INFORM };

/* ------------------------------------------------------------------ */
/* Byte helpers and the checksum (RFC 1071), written for the test        */
/* ------------------------------------------------------------------ */

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xffff);
}

static uint32_t get16(const uint8_t *p)
{
    return ((uint32_t)p[0] << 8) | p[1];
}

static uint32_t get32(const uint8_t *p)
{
    return (get16(p) << 16) | get16(p + 2);
}

static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i + 1 < n; i += 2)
        acc += get16(p + i);
    if (i < n)
        acc += (uint32_t)p[i] << 8;
    return acc;
}

static uint16_t fold(uint32_t acc)
{
    while (acc > 0xffff)
        acc = (acc >> 16) + (acc & 0xffff);
    return (uint16_t)(~acc & 0xffff);
}

static uint16_t udp_sum(uint32_t src, uint32_t dst, const uint8_t *udp, size_t n)
{
    uint8_t ph[12] = {0};
    put32(ph, src);
    put32(ph + 4, dst);
    ph[9] = 17;
    put16(ph + 10, (uint32_t)n);
    return fold(sum16(sum16(0, ph, 12), udp, n));
}

/* ------------------------------------------------------------------ */
/* The test client: BOOTP payloads and the frames around them             */
/* ------------------------------------------------------------------ */

struct cmsg {
    uint8_t type;        /* option 53; 0 leaves it out */
    const uint8_t *mac;
    uint32_t xid;
    uint16_t flags;
    uint32_t ciaddr;
    uint32_t giaddr;
    uint32_t requested;  /* option 50 when nonzero */
    uint32_t server_id;  /* option 54 when nonzero */
    const uint8_t *cid;  /* option 61 */
    size_t cid_len;
    const uint8_t *extra; /* raw option bytes put before End */
    size_t extra_len;
    bool no_end;         /* no End option and no padding: the message ends with the options */
    uint8_t op;          /* 0: BOOTREQUEST */
};

/* A client message as RFC 2131 section 2 lays it out; padded to 300 octets
 * like most clients do. Returns the length. */
static size_t build_bootp(uint8_t *p, size_t cap, const struct cmsg *c)
{
    assert_true(cap >= 600);
    memset(p, 0, cap);
    p[0] = c->op ? c->op : 1;
    p[1] = 1;
    p[2] = 6;
    put32(p + 4, c->xid);
    put16(p + 10, c->flags);
    put32(p + 12, c->ciaddr);
    put32(p + 24, c->giaddr);
    memcpy(p + 28, c->mac, 6);
    p[236] = 99;
    p[237] = 130;
    p[238] = 83;
    p[239] = 99;
    size_t o = 240;
    if (c->type) {
        p[o++] = 53;
        p[o++] = 1;
        p[o++] = c->type;
    }
    if (c->cid) {
        p[o++] = 61;
        p[o++] = (uint8_t)c->cid_len;
        memcpy(p + o, c->cid, c->cid_len);
        o += c->cid_len;
    }
    if (c->requested) {
        p[o++] = 50;
        p[o++] = 4;
        put32(p + o, c->requested);
        o += 4;
    }
    if (c->server_id) {
        p[o++] = 54;
        p[o++] = 4;
        put32(p + o, c->server_id);
        o += 4;
    }
    if (c->type == DISCOVER || c->type == REQUEST) {
        static const uint8_t prl[] = {55, 6, 1, 3, 6, 51, 58, 59, 57, 2, 0x05, 0xdc};
        memcpy(p + o, prl, sizeof prl);
        o += sizeof prl;
    }
    if (c->extra) {
        memcpy(p + o, c->extra, c->extra_len);
        o += c->extra_len;
    }
    if (c->no_end)
        return o;
    p[o++] = 255;
    return o < 300 ? 300 : o;
}

struct l3 {
    const uint8_t *src_mac, *dst_mac;
    uint32_t src_ip, dst_ip;
    uint16_t sport, dport;
    uint8_t proto; /* 0: UDP */
};

/* Ethernet II + IPv4 + UDP with correct checksums. */
static size_t wrap(uint8_t *f, size_t cap, const struct l3 *a, const uint8_t *payload, size_t n)
{
    assert_true(cap >= n + 42);
    memcpy(f, a->dst_mac, 6);
    memcpy(f + 6, a->src_mac, 6);
    put16(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, (uint32_t)(20 + 8 + n));
    put16(ip + 4, 0x1234);
    ip[8] = 64;
    ip[9] = a->proto ? a->proto : 17;
    put32(ip + 12, a->src_ip);
    put32(ip + 16, a->dst_ip);
    put16(ip + 10, fold(sum16(0, ip, 20)));
    uint8_t *u = ip + 20;
    put16(u, a->sport ? a->sport : 68);
    put16(u + 2, a->dport ? a->dport : 67);
    put16(u + 4, (uint32_t)(8 + n));
    put16(u + 6, 0);
    memcpy(u + 8, payload, n);
    uint16_t s = udp_sum(a->src_ip, a->dst_ip, u, 8 + n);
    put16(u + 6, s ? s : 0xffff);
    return 42 + n;
}

static void fix_ip_checksum(uint8_t *f)
{
    put16(f + 24, 0);
    put16(f + 24, fold(sum16(0, f + 14, (size_t)(f[14] & 15) * 4)));
}

/* ------------------------------------------------------------------ */
/* Reading replies                                                       */
/* ------------------------------------------------------------------ */

struct reply {
    uint8_t eth_dst[6], eth_src[6];
    uint32_t ip_src, ip_dst;
    uint16_t ip_csum_ok;
    uint32_t xid;
    uint16_t flags;
    uint32_t ciaddr, yiaddr, siaddr, giaddr;
    uint8_t chaddr[16];
    int type;
    bool has[256];
    uint8_t olen[256];
    uint8_t opt[256][255];
};

static uint32_t opt32(const struct reply *p, int code)
{
    if (!p->has[code])
        fail_msg("option %d missing", code);
    assert_int_equal(p->olen[code], 4);
    return get32(p->opt[code]);
}

/* Everything a strict client would check. */
static void parse_reply(const uint8_t *f, size_t len, struct reply *out)
{
    memset(out, 0, sizeof *out);
    assert_true(len >= 14 + 20 + 8 + 240);
    memcpy(out->eth_dst, f, 6);
    memcpy(out->eth_src, f + 6, 6);
    assert_memory_equal(out->eth_src, SRV_MAC, 6);
    assert_int_equal(get16(f + 12), 0x0800);
    const uint8_t *ip = f + 14;
    assert_int_equal(ip[0] >> 4, 4);
    size_t ihl = (size_t)(ip[0] & 15) * 4;
    assert_true(ihl >= 20);
    size_t total = get16(ip + 2);
    assert_true(total <= len - 14 && total >= ihl + 8);
    /* the IPv4 header checksum verifies: the sum over the header is all ones */
    assert_int_equal(fold(sum16(0, ip, ihl)), 0);
    out->ip_csum_ok = 1;
    assert_int_equal(get16(ip + 6) & 0x3fff, 0);
    assert_int_equal(ip[9], 17);
    out->ip_src = get32(ip + 12);
    out->ip_dst = get32(ip + 16);
    const uint8_t *u = ip + ihl;
    assert_int_equal(get16(u), 67);
    assert_int_equal(get16(u + 2), 68);
    size_t ulen = get16(u + 4);
    assert_int_equal(ulen, total - ihl);
    if (get16(u + 6) != 0)
        assert_int_equal(udp_sum(out->ip_src, out->ip_dst, u, ulen), 0);
    const uint8_t *p = u + 8;
    size_t n = ulen - 8;
    assert_true(n >= 300); /* RFC 951 minimum */
    assert_int_equal(p[0], 2);
    assert_int_equal(p[1], 1);
    assert_int_equal(p[2], 6);
    out->xid = get32(p + 4);
    out->flags = (uint16_t)get16(p + 10);
    out->ciaddr = get32(p + 12);
    out->yiaddr = get32(p + 16);
    out->siaddr = get32(p + 20);
    out->giaddr = get32(p + 24);
    memcpy(out->chaddr, p + 28, 16);
    assert_int_equal(get32(p + 236), 0x63825363);
    size_t i = 240;
    bool end = false;
    while (i < n) {
        uint8_t code = p[i];
        if (code == 0) {
            i++;
            continue;
        }
        if (code == 255) {
            end = true;
            break;
        }
        assert_true(i + 1 < n);
        uint8_t ol = p[i + 1];
        assert_true(i + 2 + ol <= n);
        assert_false(out->has[code]); /* each option once */
        out->has[code] = true;
        out->olen[code] = ol;
        memcpy(out->opt[code], p + i + 2, ol);
        i += 2 + (size_t)ol;
    }
    assert_true(end);
    assert_true(out->has[53]);
    assert_int_equal(out->olen[53], 1);
    out->type = out->opt[53][0];
    assert_true(out->has[54]); /* table 3: server identifier MUST */
}

static void check_arp_reply(const uint8_t *f, size_t len)
{
    assert_true(len >= 42);
    assert_memory_equal(f + 6, SRV_MAC, 6);
    assert_int_equal(get16(f + 14), 1);
    assert_int_equal(get16(f + 16), 0x0800);
    assert_int_equal(f[18], 6);
    assert_int_equal(f[19], 4);
    assert_int_equal(get16(f + 20), 2);
    assert_memory_equal(f + 22, SRV_MAC, 6);
    assert_int_equal(get32(f + 28), SRV_IP);
}

/* ------------------------------------------------------------------ */
/* The rig: a sim, the server, its replies and its trace                  */
/* ------------------------------------------------------------------ */

#define MAX_OUT 16
#define EV_RING 256

struct ev {
    char event[24];
    char why[96];
    char state[16];
    char ip[16];
    char mac[18];
    char msg[16];
    int64_t option;
};

struct out {
    sim_time t;
    size_t len;
    uint8_t buf[1600];
};

struct rig {
    sim *s;
    dhcps *d;
    const char *name;
    struct out out[MAX_OUT];
    size_t nout;
    size_t total_out;
    struct ev ring[EV_RING];
    size_t nev; /* total seen; ring holds the last EV_RING */
    struct {
        char name[24];
        int n;
    } counts[32];
    size_t ncounts;
    capture *pcap;
    bool check_every_reply; /* fuzzing: parse each reply as it comes */
};

static void copy_field(const sim_trace_event *e, const char *key, char *out, size_t cap)
{
    for (size_t i = 0; i < e->nfields; i++)
        if (strcmp(e->fields[i].key, key) == 0 && e->fields[i].type == SIM_TF_STR)
            snprintf(out, cap, "%s", e->fields[i].str);
}

static void sink(void *ctx, const sim_trace_event *e)
{
    struct rig *r = ctx;
    if (strcmp(e->comp, r->name) != 0)
        return;
    struct ev *v = &r->ring[r->nev++ % EV_RING];
    memset(v, 0, sizeof *v);
    snprintf(v->event, sizeof v->event, "%s", e->event);
    copy_field(e, "why", v->why, sizeof v->why);
    copy_field(e, "state", v->state, sizeof v->state);
    copy_field(e, "ip", v->ip, sizeof v->ip);
    copy_field(e, "mac", v->mac, sizeof v->mac);
    copy_field(e, "msg", v->msg, sizeof v->msg);
    v->option = -1;
    for (size_t i = 0; i < e->nfields; i++)
        if (strcmp(e->fields[i].key, "option") == 0 && e->fields[i].type == SIM_TF_INT)
            v->option = e->fields[i].num;
    for (size_t i = 0; i < r->ncounts; i++)
        if (strcmp(r->counts[i].name, e->event) == 0) {
            r->counts[i].n++;
            return;
        }
    assert_true(r->ncounts < 32);
    snprintf(r->counts[r->ncounts].name, sizeof r->counts[0].name, "%s", e->event);
    r->counts[r->ncounts++].n = 1;
}

static int count(const struct rig *r, const char *event)
{
    for (size_t i = 0; i < r->ncounts; i++)
        if (strcmp(r->counts[i].name, event) == 0)
            return r->counts[i].n;
    return 0;
}

/* The latest event of that name (it must be among the last EV_RING). */
static const struct ev *last(const struct rig *r, const char *event)
{
    size_t n = r->nev < EV_RING ? r->nev : EV_RING;
    for (size_t k = 1; k <= n; k++) {
        const struct ev *v = &r->ring[(r->nev - k) % EV_RING];
        if (strcmp(v->event, event) == 0)
            return v;
    }
    fail_msg("no \"%s\" event", event);
    return NULL;
}

static void on_send(void *ctx, const uint8_t *eth, size_t len)
{
    struct rig *r = ctx;
    assert_true(len <= sizeof r->out[0].buf);
    r->total_out++;
    if (r->pcap)
        capture_write(r->pcap, sim_now(r->s), eth, len);
    if (r->check_every_reply) {
        if (get16(eth + 12) == 0x0806) {
            check_arp_reply(eth, len);
        } else {
            struct reply *tmp = malloc(sizeof *tmp);
            assert_non_null(tmp);
            parse_reply(eth, len, tmp);
            free(tmp);
        }
        return;
    }
    assert_true(r->nout < MAX_OUT);
    struct out *o = &r->out[r->nout++];
    o->t = sim_now(r->s);
    o->len = len;
    memcpy(o->buf, eth, len);
}

static struct rig *rig_new(const dhcps_config *cfg)
{
    struct rig *r = calloc(1, sizeof *r);
    assert_non_null(r);
    sim_err err = {0};
    r->s = sim_create(&(sim_config){.seed = 1}, &err);
    assert_non_null(r->s);
    sim_trace_set_log(sim_trace_of(r->s), NULL, SIM_LOG_OFF);
    assert_int_equal(sim_trace_add_sink(sim_trace_of(r->s), sink, r), 0);
    dhcps_config c;
    if (cfg)
        c = *cfg;
    else
        dhcps_config_default(&c);
    memcpy(c.mac, SRV_MAC, 6);
    r->name = c.name ? c.name : "dhcp";
    r->d = dhcps_create(r->s, &c, on_send, r, &err);
    if (r->d == NULL)
        fail_msg("dhcps_create: %s", err.msg);
    return r;
}

static void rig_free(struct rig *r)
{
    dhcps_destroy(r->d);
    if (r->pcap)
        capture_close(r->pcap);
    sim_destroy(r->s);
    free(r);
}

/* The frame as an exact-size heap block, so a read past its end is caught. */
static bool input(struct rig *r, const uint8_t *f, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, f, len);
    if (r->pcap && len > 0)
        capture_write(r->pcap, sim_now(r->s), f, len);
    bool used = dhcps_input(r->d, copy, len);
    free(copy);
    return used;
}

static void run_to(struct rig *r, sim_time t)
{
    assert_int_equal(sim_run_until(r->s, t), SIM_RUN_DONE);
}

/* The single frame the server sent since the last call, parsed. */
static struct reply *take(struct rig *r)
{
    if (r->nout != 1)
        fail_msg("expected one reply, got %zu", r->nout);
    struct reply *p = malloc(sizeof *p);
    assert_non_null(p);
    parse_reply(r->out[0].buf, r->out[0].len, p);
    r->nout = 0;
    return p;
}

static void no_reply(struct rig *r)
{
    if (r->nout != 0)
        fail_msg("expected no reply, got %zu", r->nout);
}

/* ------------------------------------------------------------------ */
/* Client conversations                                                  */
/* ------------------------------------------------------------------ */

/* Broadcast from a client without an address (0.0.0.0 -> 255.255.255.255),
 * or from its address for REBINDING. */
static bool send_bcast(struct rig *r, const struct cmsg *c)
{
    uint8_t p[600], f[700];
    size_t n = build_bootp(p, sizeof p, c);
    struct l3 a = {.src_mac = c->mac, .dst_mac = BCAST, .src_ip = c->ciaddr, .dst_ip = ALL_ONES};
    return input(r, f, wrap(f, sizeof f, &a, p, n));
}

/* Unicast to the server from the client's address (RENEWING, RELEASE, ...). */
static bool send_ucast(struct rig *r, const struct cmsg *c)
{
    uint8_t p[600], f[700];
    size_t n = build_bootp(p, sizeof p, c);
    struct l3 a = {.src_mac = c->mac, .dst_mac = SRV_MAC, .src_ip = c->ciaddr, .dst_ip = SRV_IP};
    return input(r, f, wrap(f, sizeof f, &a, p, n));
}

static struct reply *discover(struct rig *r, const uint8_t *mac, uint32_t xid)
{
    struct cmsg c = {.type = DISCOVER, .mac = mac, .xid = xid};
    assert_true(send_bcast(r, &c));
    struct reply *p = take(r);
    assert_int_equal(p->type, OFFER);
    assert_int_equal(p->xid, xid);
    return p;
}

static uint32_t offered(struct rig *r, const uint8_t *mac)
{
    struct reply *p = discover(r, mac, 0x100 + mac[5]);
    uint32_t ip = p->yiaddr;
    free(p);
    return ip;
}

/* DISCOVER, OFFER, REQUEST (SELECTING), ACK: the client's address. */
static uint32_t bind_client(struct rig *r, const uint8_t *mac)
{
    uint32_t ip = offered(r, mac);
    struct cmsg c = {.type = REQUEST, .mac = mac, .xid = 0x200 + mac[5], .requested = ip, .server_id = SRV_IP};
    assert_true(send_bcast(r, &c));
    struct reply *p = take(r);
    assert_int_equal(p->type, ACK);
    assert_int_equal(p->yiaddr, ip);
    free(p);
    return ip;
}

static void expect_ignored(struct rig *r, const char *why_part)
{
    no_reply(r);
    const struct ev *v = last(r, "ignored");
    if (strstr(v->why, why_part) == NULL)
        fail_msg("ignored because \"%s\", expected \"%s\"", v->why, why_part);
}

/* ------------------------------------------------------------------ */
/* Tests: the four messages                                              */
/* ------------------------------------------------------------------ */

static void test_discover_offer(void **state)
{
    (void)state;
    struct rig *r = rig_new(NULL);
    struct reply *p = discover(r, CL1, 0xdeadbeef);
    /* 4.3.1: the lowest free address, and every parameter from the config */
    assert_int_equal(p->yiaddr, POOL_FIRST);
    assert_int_equal(p->ciaddr, 0);
    assert_int_equal(p->giaddr, 0);
    assert_memory_equal(p->chaddr, CL1, 6);
    assert_int_equal(opt32(p, 51), 3600);
    assert_int_equal(opt32(p, 58), 1800); /* T1 = lease / 2 */
    assert_int_equal(opt32(p, 59), 3150); /* T2 = lease * 7 / 8 */
    assert_int_equal(opt32(p, 1), IP4(255, 255, 255, 0));
    assert_int_equal(opt32(p, 3), IP4(10, 0, 2, 2));
    assert_int_equal(opt32(p, 6), IP4(10, 0, 2, 3));
    assert_int_equal(opt32(p, 54), SRV_IP);
    assert_false(p->has[50] || p->has[55] || p->has[61]); /* table 3: MUST NOT */
    /* 4.1: no BROADCAST bit, no ciaddr: unicast to yiaddr at chaddr */
    assert_memory_equal(p->eth_dst, CL1, 6);
    assert_int_equal(p->ip_dst, POOL_FIRST);
    assert_int_equal(p->ip_src, SRV_IP);
    assert_true(p->ip_csum_ok);
    free(p);
    assert_int_equal(count(r, "discover"), 1);
    assert_int_equal(count(r, "offer"), 1);
    assert_string_equal(last(r, "offer")->ip, "10.0.2.15");
    assert_string_equal(last(r, "offer")->mac, "02:11:00:00:00:01");

    /* 4.1: BROADCAST bit set: broadcast on both layers */
    struct cmsg c = {.type = DISCOVER, .mac = CL2, .xid = 7, .flags = 0x8000};
    assert_true(send_bcast(r, &c));
    p = take(r);
    assert_int_equal(p->type, OFFER);
    assert_int_equal(p->flags, 0x8000);
    assert_int_equal(p->yiaddr, IP4(10, 0, 2, 16)); /* .15 is held for CL1 */
    assert_memory_equal(p->eth_dst, BCAST, 6);
    assert_int_equal(p->ip_dst, ALL_ONES);
    free(p);

    dhcps_stats st;
    dhcps_get_stats(r->d, &st);
    assert_int_equal(st.discover, 2);
    assert_int_equal(st.offer, 2);
    assert_int_equal(st.dropped, 0);
    assert_int_equal(dhcps_lease_count(r->d), 0); /* offers are not leases */
    rig_free(r);
}

static void test_config_values(void **state)
{
    (void)state;
    dhcps_config c;
    dhcps_config_default(&c);
    c.name = "dhcp7";
    c.server_ip = IP4(192, 168, 7, 1);
    c.netmask = IP4(255, 255, 255, 128);
    c.router = IP4(192, 168, 7, 1);
    c.dns = IP4(192, 168, 7, 53);
    c.pool_start = IP4(192, 168, 7, 100);
    c.pool_end = IP4(192, 168, 7, 110);
    c.lease_s = 600;
    c.t1_s = 100;
    c.t2_s = 400;
    struct rig *r = rig_new(&c);
    struct cmsg m = {.type = DISCOVER, .mac = CL1, .xid = 1};
    assert_true(send_bcast(r, &m));
    struct reply *p = take(r);
    assert_int_equal(p->yiaddr, IP4(192, 168, 7, 100));
    assert_int_equal(opt32(p, 51), 600);
    assert_int_equal(opt32(p, 58), 100);
    assert_int_equal(opt32(p, 59), 400);
    assert_int_equal(opt32(p, 1), IP4(255, 255, 255, 128));
    assert_int_equal(opt32(p, 3), IP4(192, 168, 7, 1));
    assert_int_equal(opt32(p, 6), IP4(192, 168, 7, 53));
    assert_int_equal(opt32(p, 54), IP4(192, 168, 7, 1));
    assert_int_equal(p->ip_src, IP4(192, 168, 7, 1));
    free(p);
    assert_int_equal(count(r, "offer"), 1); /* traced under the configured name */
    rig_free(r);

    /* bad configurations are refused with a message */
    sim *s = sim_create(&(sim_config){.seed = 1}, NULL);
    sim_err err = {0};
    dhcps_config_default(&c);
    memset(c.mac, 0, 6);
    assert_null(dhcps_create(s, &c, on_send, NULL, &err));
    assert_int_equal(err.code, SIM_EINVAL);
    assert_true(strlen(err.msg) > 0);
    dhcps_config_default(&c);
    c.netmask = IP4(255, 0, 255, 0);
    assert_null(dhcps_create(s, &c, on_send, NULL, &err));
    dhcps_config_default(&c);
    c.t1_s = 3000;
    c.t2_s = 2000;
    err.msg[0] = '\0';
    assert_null(dhcps_create(s, &c, on_send, NULL, &err));
    assert_non_null(strstr(err.msg, "T1"));
    sim_destroy(s);
}

static void test_request_selecting(void **state)
{
    (void)state;
    struct rig *r = rig_new(NULL);
    struct reply *p = discover(r, CL1, 0x1111);
    free(p);
    run_to(r, SIM_SEC(2));
    struct cmsg c = {.type = REQUEST, .mac = CL1, .xid = 0x1111, .requested = POOL_FIRST, .server_id = SRV_IP};
    assert_true(send_bcast(r, &c));
    p = take(r);
    assert_int_equal(p->type, ACK);
    assert_int_equal(p->xid, 0x1111);
    assert_int_equal(p->yiaddr, POOL_FIRST);
    assert_int_equal(opt32(p, 51), 3600);
    assert_int_equal(opt32(p, 58), 1800);
    assert_int_equal(opt32(p, 59), 3150);
    assert_int_equal(opt32(p, 54), SRV_IP);
    assert_memory_equal(p->eth_dst, CL1, 6);
    assert_int_equal(p->ip_dst, POOL_FIRST);
    free(p);
    assert_string_equal(last(r, "request")->state, "selecting");
    assert_string_equal(last(r, "ack")->ip, "10.0.2.15");

    uint32_t ip = 0;
    sim_time exp = 0;
    assert_true(dhcps_lease_of(r->d, CL1, &ip, &exp));
    assert_int_equal(ip, POOL_FIRST);
    assert_int_equal(exp, SIM_SEC(2) + SIM_SEC(3600));
    assert_int_equal(dhcps_lease_count(r->d), 1);
    assert_false(dhcps_lease_of(r->d, CL2, NULL, NULL));

    /* a REQUEST for an address we did not offer is NAKed, on broadcast */
    struct cmsg bad = {.type = REQUEST, .mac = CL1, .xid = 3, .requested = IP4(10, 0, 2, 40), .server_id = SRV_IP};
    assert_true(send_bcast(r, &bad));
    p = take(r);
    assert_int_equal(p->type, NAK);
    assert_int_equal(p->yiaddr, 0);
    assert_memory_equal(p->eth_dst, BCAST, 6);
    assert_int_equal(p->ip_dst, ALL_ONES);
    assert_false(p->has[51]); /* table 3: MUST NOT */
    assert_true(p->has[56]);
    free(p);
    assert_true(dhcps_lease_of(r->d, CL1, NULL, NULL)); /* the lease stands */
    rig_free(r);
}

static void test_selecting_other_server(void **state)
{
    (void)state;
    struct rig *r = rig_new(NULL);
    assert_int_equal(offered(r, CL1), POOL_FIRST);
    /* the client chose another server's offer: no answer, our offer is free */
    struct cmsg c = {.type = REQUEST, .mac = CL1, .xid = 9, .requested = POOL_FIRST, .server_id = IP4(10, 0, 2, 253)};
    assert_true(send_bcast(r, &c));
    expect_ignored(r, "another server");
    assert_string_equal(last(r, "request")->state, "selecting");
    assert_false(dhcps_lease_of(r->d, CL1, NULL, NULL));
    assert_int_equal(offered(r, CL2), POOL_FIRST);
    rig_free(r);
}

static void test_init_reboot(void **state)
{
    (void)state;
    struct rig *r = rig_new(NULL);
    uint32_t ip = bind_client(r, CL1);

    /* its own address: ACK (a broadcast request from a client with no address) */
    struct cmsg c = {.type = REQUEST, .mac = CL1, .xid = 21, .requested = ip};
    assert_true(send_bcast(r, &c));
    struct reply *p = take(r);
    assert_int_equal(p->type, ACK);
    assert_int_equal(p->yiaddr, ip);
    free(p);
    assert_string_equal(last(r, "request")->state, "init-reboot");

    /* 4.3.2: a wrong address on the right network: NAK, always broadcast */
    c.requested = IP4(10, 0, 2, 77);
    assert_true(send_bcast(r, &c));
    p = take(r);
    assert_int_equal(p->type, NAK);
    assert_memory_equal(p->eth_dst, BCAST, 6);
    assert_int_equal(p->ip_dst, ALL_ONES);
    assert_int_equal(p->xid, 21);
    free(p);
    assert_string_equal(last(r, "nak")->why, "not the client's address");

    /* the wrong network: NAK */
    c.requested = IP4(192, 168, 1, 5);
    assert_true(send_bcast(r, &c));
    p = take(r);
    assert_int_equal(p->type, NAK);
    free(p);
    assert_string_equal(last(r, "nak")->why, "wrong network");

    /* 4.3.2: no record of the client: it MUST remain silent */
    struct cmsg u = {.type = REQUEST, .mac = CL2, .xid = 22, .requested = IP4(10, 0, 2, 30)};
    assert_true(send_bcast(r, &u));
    expect_ignored(r, "no record");
    /* ... but the wrong network is NAKed whoever asks */
    u.requested = IP4(172, 16, 0, 9);
    assert_true(send_bcast(r, &u));
    p = take(r);
    assert_int_equal(p->type, NAK);
    free(p);
    rig_free(r);
}

static void test_renewing(void **state)
{
    (void)state;
    struct rig *r = rig_new(NULL);
    uint32_t ip = bind_client(r, CL1);
    run_to(r, SIM_SEC(1800)); /* T1 */
    struct cmsg c = {.type = REQUEST, .mac = CL1, .xid = 31, .ciaddr = ip};
    assert_true(send_ucast(r, &c));
    struct reply *p = take(r);
    assert_int_equal(p->type, ACK);
    assert_int_equal(p->yiaddr, ip);
    assert_int_equal(p->ciaddr, ip); /* table 3: 'ciaddr' from DHCPREQUEST */
    /* 4.1: ciaddr set: unicast to it */
    assert_memory_equal(p->eth_dst, CL1, 6);
    assert_int_equal(p->ip_dst, ip);
    assert_int_equal(opt32(p, 51), 3600);
    free(p);
    assert_string_equal(last(r, "request")->state, "renewing");
    sim_time exp = 0;
    assert_true(dhcps_lease_of(r->d, CL1, NULL, &exp));
    assert_int_equal(exp, SIM_SEC(1800 + 3600)); /* extended from now */

    /* still bound after the first lease would have ended */
    run_to(r, SIM_SEC(3700));
    assert_true(dhcps_lease_of(r->d, CL1, NULL, NULL));
    rig_free(r);
}

static void test_rebinding(void **state)
{
    (void)state;
    struct rig *r = rig_new(NULL);
    uint32_t ip = bind_client(r, CL1);
    run_to(r, SIM_SEC(3150)); /* T2 */
    struct cmsg c = {.type = REQUEST, .mac = CL1, .xid = 41, .ciaddr = ip};
    assert_true(send_bcast(r, &c));
    struct reply *p = take(r);
    assert_int_equal(p->type, ACK);
    assert_int_equal(p->yiaddr, ip);
    assert_int_equal(p->ip_dst, ip);
    assert_memory_equal(p->eth_dst, CL1, 6);
    free(p);
    assert_string_equal(last(r, "request")->state, "rebinding");
    sim_time exp = 0;
    assert_true(dhcps_lease_of(r->d, CL1, NULL, &exp));
    assert_int_equal(exp, SIM_SEC(3150 + 3600));

    /* a rebinding client with somebody else's address is NAKed */
    uint32_t ip2 = bind_client(r, CL2);
    struct cmsg x = {.type = REQUEST, .mac = CL3, .xid = 42, .ciaddr = ip2};
    assert_true(send_bcast(r, &x));
    p = take(r);
    assert_int_equal(p->type, NAK);
    free(p);
    assert_string_equal(last(r, "nak")->why, "address in use");
    rig_free(r);
}

static void test_release(void **state)
{
    (void)state;
    struct rig *r = rig_new(NULL);
    uint32_t a = bind_client(r, CL1);
    uint32_t b = bind_client(r, CL2);
    assert_int_equal(a, POOL_FIRST);
    assert_int_equal(b, POOL_FIRST + 1);
    struct cmsg c = {.type = RELEASE, .mac = CL1, .xid = 51, .ciaddr = a, .server_id = SRV_IP};
    assert_true(send_ucast(r, &c));
    no_reply(r); /* nothing answers a DHCPRELEASE */
    assert_false(dhcps_lease_of(r->d, CL1, NULL, NULL));
    assert_int_equal(dhcps_lease_count(r->d), 1);
    assert_string_equal(last(r, "release")->ip, "10.0.2.15");

    /* 4.3.1: a client gets its previous address back, even when a lower
     * one is free */
    c.mac = CL2;
    c.ciaddr = b;
    assert_true(send_ucast(r, &c));
    assert_int_equal(dhcps_lease_count(r->d), 0);
    assert_int_equal(offered(r, CL2), b);
    /* ... and the freed lowest address goes to a new client */
    assert_int_equal(offered(r, CL3), POOL_FIRST);
    rig_free(r);
}

static void test_decline(void **state)
{
    (void)state;
    struct rig *r = rig_new(NULL);
    uint32_t a = bind_client(r, CL1);
    struct cmsg c = {.type = DECLINE, .mac = CL1, .xid = 61, .requested = a, .server_id = SRV_IP};
    assert_true(send_bcast(r, &c));
    no_reply(r);
    assert_int_equal(count(r, "decline"), 1);
    assert_false(dhcps_lease_of(r->d, CL1, NULL, NULL));
    /* 4.3.3: the address is marked; the client and the next get others */
    assert_int_equal(offered(r, CL1), POOL_FIRST + 1);
    assert_int_equal(offered(r, CL2), POOL_FIRST + 2);
    /* for a while only */
    run_to(r, SIM_SEC(601));
    assert_int_equal(offered(r, CL3), POOL_FIRST);
    rig_free(r);
}

static void test_inform(void **state)
{
    (void)state;
    struct rig *r = rig_new(NULL);
    uint32_t mine = IP4(10, 0, 2, 200); /* configured by hand */
    struct cmsg c = {.type = INFORM, .mac = CL1, .xid = 71, .ciaddr = mine};
    assert_true(send_ucast(r, &c));
    struct reply *p = take(r);
    assert_int_equal(p->type, ACK);
    assert_int_equal(p->yiaddr, 0);            /* 4.3.5: SHOULD NOT fill in */
    assert_false(p->has[51] || p->has[58] || p->has[59]); /* MUST NOT */
    assert_int_equal(opt32(p, 1), IP4(255, 255, 255, 0));
    assert_int_equal(opt32(p, 3), IP4(10, 0, 2, 2));
    assert_int_equal(opt32(p, 6), IP4(10, 0, 2, 3));
    assert_int_equal(p->ip_dst, mine); /* straight to ciaddr */
    assert_memory_equal(p->eth_dst, CL1, 6);
    free(p);
    assert_int_equal(count(r, "inform"), 1);
    assert_int_equal(dhcps_lease_count(r->d), 0);
    rig_free(r);
}

/* ------------------------------------------------------------------ */
/* Tests: the lease table                                                */
/* ------------------------------------------------------------------ */

static void test_client_id_keying(void **state)
{
    (void)state;
    struct rig *r = rig_new(NULL);
    static const uint8_t ID1[] = {0x00, 'c', 'a', 'm', '1'};
    static const uint8_t ID2[] = {0x00, 'c', 'a', 'm', '2'};
    /* 4.2: one MAC, two client identifiers: two clients */
    struct cmsg c = {.type = DISCOVER, .mac = CL1, .xid = 1, .cid = ID1, .cid_len = sizeof ID1};
    assert_true(send_bcast(r, &c));
    struct reply *p = take(r);
    assert_int_equal(p->yiaddr, POOL_FIRST);
    assert_false(p->has[61]);
    free(p);
    c.cid = ID2;
    assert_true(send_bcast(r, &c));
    p = take(r);
    assert_int_equal(p->yiaddr, POOL_FIRST + 1);
    free(p);
    /* the same identifier from another MAC is the same client */
    c.cid = ID1;
    c.mac = CL2;
    assert_true(send_bcast(r, &c));
    p = take(r);
    assert_int_equal(p->yiaddr, POOL_FIRST);
    free(p);
    struct cmsg q = {.type = REQUEST, .mac = CL2, .xid = 2, .cid = ID1, .cid_len = sizeof ID1,
                     .requested = POOL_FIRST, .server_id = SRV_IP};
    assert_true(send_bcast(r, &q));
    p = take(r);
    assert_int_equal(p->type, ACK);
    free(p);
    uint32_t ip = 0;
    assert_true(dhcps_lease_of(r->d, CL2, &ip, NULL)); /* found by the MAC it last used */
    assert_int_equal(ip, POOL_FIRST);
    /* without option 61 the MAC is the key: CL1 alone is a third client */
    c.cid = NULL;
    c.cid_len = 0;
    c.mac = CL1;
    assert_true(send_bcast(r, &c));
    p = take(r);
    assert_int_equal(p->yiaddr, POOL_FIRST + 2);
    free(p);
    /* and asking again gives the same address */
    assert_true(send_bcast(r, &c));
    p = take(r);
    assert_int_equal(p->yiaddr, POOL_FIRST + 2);
    free(p);
    rig_free(r);
}

static void test_same_address_again(void **state)
{
    (void)state;
    struct rig *r = rig_new(NULL);
    uint32_t a = bind_client(r, CL1);
    bind_client(r, CL2);
    /* a bound client that starts over is offered its address, and keeps
     * its lease meanwhile */
    assert_int_equal(offered(r, CL1), a);
    assert_true(dhcps_lease_of(r->d, CL1, NULL, NULL));
    assert_int_equal(bind_client(r, CL1), a);
    /* a client asking for a free address (option 50 in DISCOVER) gets it */
    struct cmsg c = {.type = DISCOVER, .mac = CL3, .xid = 5, .requested = IP4(10, 0, 2, 50)};
    assert_true(send_bcast(r, &c));
    struct reply *p = take(r);
    assert_int_equal(p->yiaddr, IP4(10, 0, 2, 50));
    free(p);
    /* ... but not one that is taken, nor one outside the pool */
    c.mac = CL4;
    c.requested = a;
    assert_true(send_bcast(r, &c));
    p = take(r);
    assert_int_equal(p->yiaddr, POOL_FIRST + 2);
    free(p);
    rig_free(r);
}

static void test_pool_exhaustion(void **state)
{
    (void)state;
    dhcps_config cfg;
    dhcps_config_default(&cfg);
    cfg.pool_start = IP4(10, 0, 2, 1); /* covers the router (.2) and DNS (.3): skipped */
    cfg.pool_end = IP4(10, 0, 2, 5);
    struct rig *r = rig_new(&cfg);
    assert_int_equal(bind_client(r, CL1), IP4(10, 0, 2, 1));
    assert_int_equal(bind_client(r, CL2), IP4(10, 0, 2, 4));
    assert_int_equal(bind_client(r, CL3), IP4(10, 0, 2, 5));
    struct cmsg c = {.type = DISCOVER, .mac = CL4, .xid = 1};
    assert_true(send_bcast(r, &c));
    expect_ignored(r, "pool exhausted");
    struct cmsg rel = {.type = RELEASE, .mac = CL2, .xid = 2, .ciaddr = IP4(10, 0, 2, 4), .server_id = SRV_IP};
    assert_true(send_ucast(r, &rel));
    assert_int_equal(offered(r, CL4), IP4(10, 0, 2, 4));
    dhcps_stats st;
    dhcps_get_stats(r->d, &st);
    assert_int_equal(st.ignored, 1);
    assert_int_equal(st.release, 1);
    rig_free(r);
}

static void test_offer_hold(void **state)
{
    (void)state;
    struct rig *r = rig_new(NULL);
    assert_int_equal(offered(r, CL1), POOL_FIRST);
    run_to(r, SIM_SEC(29));
    assert_int_equal(offered(r, CL2), POOL_FIRST + 1); /* still held */
    run_to(r, SIM_SEC(30) + 1);
    assert_int_equal(count(r, "offer_expired"), 1);
    assert_int_equal(offered(r, CL3), POOL_FIRST); /* CL1's offer ran out */
    /* CL1 answers late: the address went to CL3 meanwhile */
    struct cmsg c = {.type = REQUEST, .mac = CL1, .xid = 3, .requested = POOL_FIRST, .server_id = SRV_IP};
    assert_true(send_bcast(r, &c));
    struct reply *p = take(r);
    assert_int_equal(p->type, NAK);
    free(p);
    rig_free(r);
}

static void test_lease_expiry(void **state)
{
    (void)state;
    dhcps_config cfg;
    dhcps_config_default(&cfg);
    cfg.lease_s = 600;
    struct rig *r = rig_new(&cfg);
    uint32_t a = bind_client(r, CL1);
    sim_time exp = 0;
    assert_true(dhcps_lease_of(r->d, CL1, NULL, &exp));
    assert_int_equal(exp, SIM_SEC(600));
    run_to(r, SIM_SEC(600) - 1);
    assert_true(dhcps_lease_of(r->d, CL1, NULL, NULL));
    assert_int_equal(count(r, "expire"), 0);
    run_to(r, SIM_SEC(601));
    assert_false(dhcps_lease_of(r->d, CL1, NULL, NULL));
    assert_int_equal(dhcps_lease_count(r->d), 0);
    assert_int_equal(count(r, "expire"), 1);
    assert_string_equal(last(r, "expire")->ip, "10.0.2.15");
    /* the address is remembered for the client */
    assert_int_equal(offered(r, CL1), a);
    rig_free(r);
}

static void test_set_lease_time_and_forget(void **state)
{
    (void)state;
    struct rig *r = rig_new(NULL);
    sim_err err = {0};
    assert_int_equal(dhcps_set_lease_time(r->d, 120, 0, 0, &err), SIM_OK);
    struct reply *p = discover(r, CL1, 1);
    assert_int_equal(opt32(p, 51), 120);
    assert_int_equal(opt32(p, 58), 60);
    assert_int_equal(opt32(p, 59), 105);
    free(p);
    assert_int_equal(dhcps_set_lease_time(r->d, 300, 30, 90, &err), SIM_OK);
    p = discover(r, CL2, 2);
    assert_int_equal(opt32(p, 58), 30);
    assert_int_equal(opt32(p, 59), 90);
    free(p);
    assert_int_equal(dhcps_set_lease_time(r->d, 300, 200, 100, &err), SIM_EINVAL);
    assert_true(strlen(err.msg) > 0);
    assert_int_equal(dhcps_set_lease_time(r->d, 0, 0, 0, &err), SIM_EINVAL);
    assert_int_equal(dhcps_set_lease_time(r->d, 100, 0, 200, &err), SIM_EINVAL);

    uint32_t a = bind_client(r, CL3);
    bind_client(r, CL4);
    assert_int_equal(dhcps_lease_count(r->d), 2);
    dhcps_forget_leases(r->d);
    assert_int_equal(dhcps_lease_count(r->d), 0);
    assert_false(dhcps_lease_of(r->d, CL3, NULL, NULL));
    /* a server that lost its records rebuilds them from renewals */
    struct cmsg c = {.type = REQUEST, .mac = CL3, .xid = 3, .ciaddr = a};
    assert_true(send_ucast(r, &c));
    p = take(r);
    assert_int_equal(p->type, ACK);
    free(p);
    assert_true(dhcps_lease_of(r->d, CL3, NULL, NULL));
    /* and stays silent for a rebooting client it knows nothing of */
    struct cmsg ir = {.type = REQUEST, .mac = CL4, .xid = 4, .requested = a + 1};
    assert_true(send_bcast(r, &ir));
    expect_ignored(r, "no record");
    rig_free(r);
}

/* ------------------------------------------------------------------ */
/* Tests: faults                                                         */
/* ------------------------------------------------------------------ */

static void test_mode_ignore_renewals(void **state)
{
    (void)state;
    struct rig *r = rig_new(NULL);
    uint32_t a = bind_client(r, CL1);
    dhcps_set_mode(r->d, DHCPS_IGNORE_RENEWALS);
    assert_int_equal(dhcps_get_mode(r->d), DHCPS_IGNORE_RENEWALS);
    struct cmsg c = {.type = REQUEST, .mac = CL1, .xid = 1, .ciaddr = a};
    assert_true(send_ucast(r, &c));
    expect_ignored(r, "renewals");
    assert_true(send_bcast(r, &c));
    expect_ignored(r, "renewals");
    assert_string_equal(last(r, "request")->state, "rebinding");
    /* new clients and rebooting ones are still served */
    assert_int_equal(bind_client(r, CL2), POOL_FIRST + 1);
    struct cmsg ir = {.type = REQUEST, .mac = CL1, .xid = 2, .requested = a};
    assert_true(send_bcast(r, &ir));
    struct reply *p = take(r);
    assert_int_equal(p->type, ACK);
    free(p);
    dhcps_stats st;
    dhcps_get_stats(r->d, &st);
    assert_int_equal(st.ignored, 2);
    /* back to normal */
    dhcps_set_mode(r->d, DHCPS_NORMAL);
    assert_true(send_ucast(r, &c));
    p = take(r);
    assert_int_equal(p->type, ACK);
    free(p);
    rig_free(r);
}

static void test_mode_nak_renewals(void **state)
{
    (void)state;
    struct rig *r = rig_new(NULL);
    uint32_t a = bind_client(r, CL1);
    dhcps_set_mode(r->d, DHCPS_NAK_RENEWALS);
    struct cmsg c = {.type = REQUEST, .mac = CL1, .xid = 1, .ciaddr = a};
    assert_true(send_ucast(r, &c));
    struct reply *p = take(r);
    assert_int_equal(p->type, NAK);
    assert_memory_equal(p->eth_dst, BCAST, 6); /* even for a unicast request */
    assert_int_equal(p->ip_dst, ALL_ONES);
    free(p);
    assert_string_equal(last(r, "request")->state, "renewing");
    assert_true(send_bcast(r, &c));
    p = take(r);
    assert_int_equal(p->type, NAK);
    free(p);
    assert_int_equal(count(r, "nak"), 2);
    /* the client starts over and gets its address back */
    assert_int_equal(bind_client(r, CL1), a);
    rig_free(r);
}

static void test_mode_silent(void **state)
{
    (void)state;
    struct rig *r = rig_new(NULL);
    uint32_t a = bind_client(r, CL1);
    dhcps_set_mode(r->d, DHCPS_SILENT);
    assert_int_equal(dhcps_get_mode(r->d), DHCPS_SILENT);
    struct cmsg d = {.type = DISCOVER, .mac = CL2, .xid = 1};
    assert_true(send_bcast(r, &d));
    expect_ignored(r, "silent");
    struct cmsg q = {.type = REQUEST, .mac = CL1, .xid = 2, .ciaddr = a};
    assert_true(send_ucast(r, &q));
    expect_ignored(r, "silent");
    struct cmsg s = {.type = REQUEST, .mac = CL1, .xid = 3, .requested = a, .server_id = SRV_IP};
    assert_true(send_bcast(r, &s));
    expect_ignored(r, "silent");
    struct cmsg i = {.type = INFORM, .mac = CL3, .xid = 4, .ciaddr = IP4(10, 0, 2, 200)};
    assert_true(send_ucast(r, &i));
    expect_ignored(r, "silent");
    /* a release goes unheard too: the lease stands */
    struct cmsg rel = {.type = RELEASE, .mac = CL1, .xid = 5, .ciaddr = a, .server_id = SRV_IP};
    assert_true(send_ucast(r, &rel));
    no_reply(r);
    assert_true(dhcps_lease_of(r->d, CL1, NULL, NULL));
    dhcps_stats st;
    dhcps_get_stats(r->d, &st);
    assert_int_equal(st.ignored, 5);
    dhcps_set_mode(r->d, DHCPS_NORMAL);
    assert_int_equal(offered(r, CL2), POOL_FIRST + 1);
    rig_free(r);
}

static void test_set_pool(void **state)
{
    (void)state;
    struct rig *r = rig_new(NULL);
    uint32_t a = bind_client(r, CL1);
    sim_err err = {0};
    assert_int_equal(dhcps_set_pool(r->d, IP4(10, 0, 3, 10), IP4(10, 0, 3, 20), IP4(255, 255, 255, 0),
                                    IP4(10, 0, 3, 1), 0, &err),
                     SIM_OK);
    /* the renewal of an address outside the new pool: NAK */
    struct cmsg c = {.type = REQUEST, .mac = CL1, .xid = 1, .ciaddr = a};
    assert_true(send_ucast(r, &c));
    struct reply *p = take(r);
    assert_int_equal(p->type, NAK);
    free(p);
    assert_string_equal(last(r, "nak")->why, "address outside the pool");
    /* ... and a reboot into the old subnet: wrong network */
    struct cmsg ir = {.type = REQUEST, .mac = CL1, .xid = 2, .requested = a};
    assert_true(send_bcast(r, &ir));
    p = take(r);
    assert_int_equal(p->type, NAK);
    free(p);
    assert_string_equal(last(r, "nak")->why, "wrong network");
    /* new clients, and the NAKed one, get the new subnet */
    p = discover(r, CL2, 3);
    assert_int_equal(p->yiaddr, IP4(10, 0, 3, 10));
    assert_int_equal(opt32(p, 3), IP4(10, 0, 3, 1));
    assert_int_equal(opt32(p, 54), SRV_IP); /* the server keeps its address */
    free(p);
    assert_int_equal(bind_client(r, CL1), IP4(10, 0, 3, 11));

    /* a new server address too */
    assert_int_equal(dhcps_set_pool(r->d, IP4(10, 0, 3, 10), IP4(10, 0, 3, 20), IP4(255, 255, 255, 0),
                                    IP4(10, 0, 3, 1), IP4(10, 0, 3, 254), &err),
                     SIM_OK);
    p = discover(r, CL3, 4);
    assert_int_equal(opt32(p, 54), IP4(10, 0, 3, 254));
    assert_int_equal(p->ip_src, IP4(10, 0, 3, 254));
    free(p);

    /* bad pools are refused with a message */
    assert_int_equal(dhcps_set_pool(r->d, IP4(10, 0, 3, 10), IP4(10, 0, 3, 20), IP4(255, 0, 255, 0), 0, 0, &err),
                     SIM_EINVAL);
    assert_true(strlen(err.msg) > 0);
    assert_int_equal(dhcps_set_pool(r->d, IP4(10, 0, 3, 10), IP4(10, 0, 4, 20), IP4(255, 255, 255, 0), 0, 0, &err),
                     SIM_EINVAL);
    rig_free(r);
}

static void test_empty_pool(void **state)
{
    (void)state;
    struct rig *r = rig_new(NULL);
    uint32_t a = bind_client(r, CL1);
    sim_err err = {0};
    assert_int_equal(dhcps_set_pool(r->d, IP4(10, 0, 2, 100), IP4(10, 0, 2, 99), IP4(255, 255, 255, 0),
                                    IP4(10, 0, 2, 2), 0, &err),
                     SIM_OK);
    /* no OFFER for a client without a lease */
    struct cmsg c = {.type = DISCOVER, .mac = CL2, .xid = 1};
    assert_true(send_bcast(r, &c));
    expect_ignored(r, "pool empty");
    /* a client with one keeps it: renewal ACKed, DISCOVER offered its address */
    struct cmsg q = {.type = REQUEST, .mac = CL1, .xid = 2, .ciaddr = a};
    assert_true(send_ucast(r, &q));
    struct reply *p = take(r);
    assert_int_equal(p->type, ACK);
    free(p);
    assert_int_equal(offered(r, CL1), a);
    rig_free(r);
}

/* ------------------------------------------------------------------ */
/* Tests: the wire                                                       */
/* ------------------------------------------------------------------ */

static size_t arp_frame(uint8_t *f, const uint8_t *dst, const uint8_t *sha, uint32_t spa, uint32_t tpa, int op)
{
    memset(f, 0, 60);
    memcpy(f, dst, 6);
    memcpy(f + 6, sha, 6);
    put16(f + 12, 0x0806);
    put16(f + 14, 1);
    put16(f + 16, 0x0800);
    f[18] = 6;
    f[19] = 4;
    put16(f + 20, (uint32_t)op);
    memcpy(f + 22, sha, 6);
    put32(f + 28, spa);
    put32(f + 38, tpa);
    return 60;
}

static void test_arp(void **state)
{
    (void)state;
    struct rig *r = rig_new(NULL);
    uint8_t f[60];
    /* who has 10.0.2.254? */
    assert_true(input(r, f, arp_frame(f, BCAST, CL1, POOL_FIRST, SRV_IP, 1)));
    assert_int_equal(r->nout, 1);
    const uint8_t *a = r->out[0].buf;
    assert_int_equal(r->out[0].len, 60);
    check_arp_reply(a, r->out[0].len);
    assert_memory_equal(a, CL1, 6);       /* to the asker */
    assert_memory_equal(a + 32, CL1, 6);  /* tha */
    assert_int_equal(get32(a + 38), POOL_FIRST);
    r->nout = 0;
    /* an ARP probe (sender 0.0.0.0) for our address is answered too */
    assert_true(input(r, f, arp_frame(f, BCAST, CL2, 0, SRV_IP, 1)));
    assert_int_equal(r->nout, 1);
    r->nout = 0;
    /* other addresses are none of our business */
    assert_false(input(r, f, arp_frame(f, BCAST, CL1, POOL_FIRST, IP4(10, 0, 2, 2), 1)));
    assert_false(input(r, f, arp_frame(f, BCAST, CL1, POOL_FIRST, POOL_FIRST, 2)));
    no_reply(r);
    /* a short ARP is dropped */
    assert_false(input(r, f, 30));
    assert_string_equal(last(r, "drop")->why, "short ARP");
    /* then the renewal unicast to the server's MAC and IP is taken */
    uint32_t ip = bind_client(r, CL1);
    struct cmsg c = {.type = REQUEST, .mac = CL1, .xid = 1, .ciaddr = ip};
    assert_true(send_ucast(r, &c));
    struct reply *p = take(r);
    assert_int_equal(p->type, ACK);
    free(p);
    rig_free(r);
}

static void test_other_traffic_passes(void **state)
{
    (void)state;
    struct rig *r = rig_new(NULL);
    uint8_t p[600], f[700];
    static const uint8_t GW[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
    memset(p, 0xab, sizeof p);
    /* unicast to the gateway */
    struct l3 a = {.src_mac = CL1, .dst_mac = GW, .src_ip = POOL_FIRST, .dst_ip = IP4(10, 0, 2, 2), .sport = 5000, .dport = 53};
    assert_false(input(r, f, wrap(f, sizeof f, &a, p, 40)));
    /* a broadcast to another port (NetBIOS) */
    struct l3 b = {.src_mac = CL1, .dst_mac = BCAST, .src_ip = POOL_FIRST, .dst_ip = ALL_ONES, .sport = 137, .dport = 137};
    assert_false(input(r, f, wrap(f, sizeof f, &b, p, 50)));
    /* a DHCP reply from some other server going to a client */
    struct l3 c = {.src_mac = GW, .dst_mac = BCAST, .src_ip = IP4(10, 0, 2, 2), .dst_ip = ALL_ONES, .sport = 67, .dport = 68};
    assert_false(input(r, f, wrap(f, sizeof f, &c, p, 300)));
    /* IPv6 multicast */
    static const uint8_t V6MC[6] = {0x33, 0x33, 0, 0, 0, 1};
    memset(f, 0, 80);
    memcpy(f, V6MC, 6);
    memcpy(f + 6, CL1, 6);
    put16(f + 12, 0x86dd);
    assert_false(input(r, f, 80));
    assert_int_equal(count(r, "drop"), 0);
    no_reply(r);
    /* but anything unicast to the server is its own, even what it cannot use */
    memcpy(f, SRV_MAC, 6);
    assert_true(input(r, f, 80));
    assert_string_equal(last(r, "drop")->why, "not IPv4");
    struct l3 t = {.src_mac = CL1, .dst_mac = SRV_MAC, .src_ip = POOL_FIRST, .dst_ip = SRV_IP, .proto = 6};
    assert_true(input(r, f, wrap(f, sizeof f, &t, p, 40)));
    assert_string_equal(last(r, "drop")->why, "not UDP");
    no_reply(r);
    rig_free(r);
}

/* A DISCOVER frame, with hooks to break it. */
static size_t discover_frame(uint8_t *f, size_t cap, const struct cmsg *over)
{
    uint8_t p[600];
    struct cmsg c = {.type = DISCOVER, .mac = CL1, .xid = 0x4242};
    if (over != NULL)
        c = *over;
    size_t n = build_bootp(p, sizeof p, &c);
    struct l3 a = {.src_mac = c.mac, .dst_mac = BCAST, .src_ip = 0, .dst_ip = ALL_ONES};
    return wrap(f, cap, &a, p, n);
}

/* The frame must be taken (or not), answered by nothing, and dropped once
 * with a reason that contains `why`. */
static void expect_drop(struct rig *r, const uint8_t *f, size_t len, bool consumed, const char *why)
{
    dhcps_stats before, after;
    dhcps_get_stats(r->d, &before);
    int drops = count(r, "drop");
    assert_int_equal(input(r, f, len), consumed);
    no_reply(r);
    assert_int_equal(count(r, "drop"), drops + 1);
    dhcps_get_stats(r->d, &after);
    assert_int_equal(after.dropped, before.dropped + 1);
    const struct ev *v = last(r, "drop");
    if (strstr(v->why, why) == NULL)
        fail_msg("dropped because \"%s\", expected \"%s\"", v->why, why);
}

static void test_malformed(void **state)
{
    (void)state;
    struct rig *r = rig_new(NULL);
    uint8_t f[800], p[600];
    size_t n;

    /* short frame */
    n = discover_frame(f, sizeof f, NULL);
    expect_drop(r, f, 10, false, "short frame");
    /* short IPv4 header */
    expect_drop(r, f, 30, false, "short IPv4 header");
    /* overlong total length (checksum fixed, so the length is what is wrong) */
    n = discover_frame(f, sizeof f, NULL);
    put16(f + 16, get16(f + 16) + 100);
    fix_ip_checksum(f);
    expect_drop(r, f, n, false, "overlong");
    /* bad IPv4 header checksum */
    n = discover_frame(f, sizeof f, NULL);
    f[24] ^= 0x40;
    expect_drop(r, f, n, false, "checksum");
    /* IHL below 5 */
    n = discover_frame(f, sizeof f, NULL);
    f[14] = 0x44;
    expect_drop(r, f, n, false, "header length");
    /* IP version 6 in an IPv4 frame */
    n = discover_frame(f, sizeof f, NULL);
    f[14] = 0x65;
    expect_drop(r, f, n, false, "not IPv4");
    /* a fragment */
    n = discover_frame(f, sizeof f, NULL);
    put16(f + 20, 0x2000);
    fix_ip_checksum(f);
    expect_drop(r, f, n, false, "fragment");
    /* short UDP: 4 bytes of IPv4 payload */
    n = discover_frame(f, sizeof f, NULL);
    put16(f + 16, 24);
    fix_ip_checksum(f);
    expect_drop(r, f, 38, false, "short UDP");
    /* UDP length below its header, and beyond the IPv4 payload */
    n = discover_frame(f, sizeof f, NULL);
    put16(f + 38, 4);
    expect_drop(r, f, n, true, "short UDP");
    n = discover_frame(f, sizeof f, NULL);
    put16(f + 38, get16(f + 38) + 1);
    expect_drop(r, f, n, true, "overlong UDP");
    /* bad UDP checksum */
    n = discover_frame(f, sizeof f, NULL);
    f[42 + 100] ^= 1;
    expect_drop(r, f, n, true, "UDP checksum");
    /* from a port other than 68 */
    {
        struct l3 a = {.src_mac = CL1, .dst_mac = BCAST, .dst_ip = ALL_ONES, .sport = 1234};
        struct cmsg c = {.type = DISCOVER, .mac = CL1, .xid = 1};
        n = build_bootp(p, sizeof p, &c);
        expect_drop(r, f, wrap(f, sizeof f, &a, p, n), true, "port");
    }
    /* a BOOTP message shorter than its fixed part */
    {
        struct l3 a = {.src_mac = CL1, .dst_mac = BCAST, .dst_ip = ALL_ONES};
        struct cmsg c = {.type = DISCOVER, .mac = CL1, .xid = 1};
        build_bootp(p, sizeof p, &c);
        expect_drop(r, f, wrap(f, sizeof f, &a, p, 239), true, "short BOOTP");
    }
    /* bad magic */
    {
        struct l3 a = {.src_mac = CL1, .dst_mac = BCAST, .dst_ip = ALL_ONES};
        struct cmsg c = {.type = DISCOVER, .mac = CL1, .xid = 1};
        n = build_bootp(p, sizeof p, &c);
        p[239] = 98;
        expect_drop(r, f, wrap(f, sizeof f, &a, p, n), true, "magic");
    }
    /* not a BOOTREQUEST, not Ethernet */
    {
        struct l3 a = {.src_mac = CL1, .dst_mac = BCAST, .dst_ip = ALL_ONES};
        struct cmsg c = {.type = DISCOVER, .mac = CL1, .xid = 1, .op = 2};
        n = build_bootp(p, sizeof p, &c);
        expect_drop(r, f, wrap(f, sizeof f, &a, p, n), true, "BOOTREQUEST");
        c.op = 1;
        n = build_bootp(p, sizeof p, &c);
        p[1] = 6; /* IEEE 802 */
        expect_drop(r, f, wrap(f, sizeof f, &a, p, n), true, "htype");
    }
    /* an option running past the end of the message */
    {
        static const uint8_t hostname_too_long[] = {12, 200, 'c', 'a', 'm'};
        struct cmsg c = {.type = DISCOVER, .mac = CL1, .xid = 1, .extra = hostname_too_long,
                         .extra_len = sizeof hostname_too_long, .no_end = true};
        n = discover_frame(f, sizeof f, &c);
        expect_drop(r, f, n, true, "bad option length");
        assert_int_equal(last(r, "drop")->option, 12);
        /* a code with no room for its length octet */
        static const uint8_t lone_code[] = {12};
        c.extra = lone_code;
        c.extra_len = 1;
        n = discover_frame(f, sizeof f, &c);
        expect_drop(r, f, n, true, "bad option length");
    }
    /* option 53 missing (a plain BOOTP request) */
    {
        struct cmsg c = {.type = 0, .mac = CL1, .xid = 1};
        n = discover_frame(f, sizeof f, &c);
        expect_drop(r, f, n, true, "message type");
    }
    /* options with lengths RFC 2132 does not allow */
    {
        static const uint8_t bad53[] = {53, 2, 1, 1};
        struct cmsg c = {.type = 0, .mac = CL1, .xid = 1, .extra = bad53, .extra_len = sizeof bad53};
        n = discover_frame(f, sizeof f, &c);
        expect_drop(r, f, n, true, "bad option length");
        assert_int_equal(last(r, "drop")->option, 53);
        static const uint8_t bad50[] = {50, 3, 10, 0, 2};
        c.type = DISCOVER;
        c.extra = bad50;
        c.extra_len = sizeof bad50;
        n = discover_frame(f, sizeof f, &c);
        expect_drop(r, f, n, true, "bad option length");
        static const uint8_t bad61[] = {61, 1, 0};
        c.extra = bad61;
        c.extra_len = sizeof bad61;
        n = discover_frame(f, sizeof f, &c);
        expect_drop(r, f, n, true, "bad option length");
        static const uint8_t bad57[] = {57, 4, 0, 0, 2, 64};
        c.extra = bad57;
        c.extra_len = sizeof bad57;
        n = discover_frame(f, sizeof f, &c);
        expect_drop(r, f, n, true, "bad option length");
    }
    /* a server's message type from a client */
    {
        struct cmsg c = {.type = OFFER, .mac = CL1, .xid = 1};
        n = discover_frame(f, sizeof f, &c);
        expect_drop(r, f, n, true, "server message");
    }
    /* relayed */
    {
        struct cmsg c = {.type = DISCOVER, .mac = CL1, .xid = 1, .giaddr = IP4(10, 9, 9, 1)};
        n = discover_frame(f, sizeof f, &c);
        expect_drop(r, f, n, true, "giaddr");
    }
    /* SELECTING without the requested address */
    {
        struct cmsg c = {.type = REQUEST, .mac = CL1, .xid = 1, .server_id = SRV_IP};
        n = discover_frame(f, sizeof f, &c);
        expect_drop(r, f, n, true, "requested address");
    }
    dhcps_stats st;
    dhcps_get_stats(r->d, &st);
    assert_int_equal(st.discover + st.offer + st.request + st.ack + st.nak, 0);
    rig_free(r);
}

static void test_option_overload(void **state)
{
    (void)state;
    struct rig *r = rig_new(NULL);
    uint8_t p[600], f[800];
    struct l3 a = {.src_mac = CL1, .dst_mac = BCAST, .dst_ip = ALL_ONES};
    /* 9.3: option 52 = 1 puts the message type in 'file'; it is read there */
    static const uint8_t ovl_file[] = {52, 1, 1};
    struct cmsg c = {.type = 0, .mac = CL1, .xid = 0x52, .extra = ovl_file, .extra_len = sizeof ovl_file};
    size_t n = build_bootp(p, sizeof p, &c);
    p[108] = 53;
    p[109] = 1;
    p[110] = DISCOVER;
    p[111] = 255;
    assert_true(input(r, f, wrap(f, sizeof f, &a, p, n)));
    struct reply *rp = take(r);
    assert_int_equal(rp->type, OFFER);
    free(rp);
    /* 'sname' (value 2) full of pad with no End is fine too */
    static const uint8_t ovl_sname[] = {52, 1, 2};
    c.type = DISCOVER;
    c.extra = ovl_sname;
    n = build_bootp(p, sizeof p, &c);
    assert_true(input(r, f, wrap(f, sizeof f, &a, p, n)));
    rp = take(r);
    free(rp);
    /* a broken option in the overloaded 'file' is caught */
    c.extra = ovl_file;
    n = build_bootp(p, sizeof p, &c);
    p[108] = 12;
    p[109] = 250; /* past the end of 'file' */
    expect_drop(r, f, wrap(f, sizeof f, &a, p, n), true, "bad option length");
    /* a bad overload value */
    static const uint8_t ovl_bad[] = {52, 1, 7};
    c.extra = ovl_bad;
    n = build_bootp(p, sizeof p, &c);
    expect_drop(r, f, wrap(f, sizeof f, &a, p, n), true, "overload");
    rig_free(r);
}

static void test_every_truncation(void **state)
{
    (void)state;
    struct rig *r = rig_new(NULL);
    uint8_t f[800];
    size_t n = discover_frame(f, sizeof f, NULL);
    for (size_t len = 0; len < n; len++) {
        int drops = count(r, "drop");
        input(r, f, len);
        no_reply(r);
        if (count(r, "drop") != drops + 1)
            fail_msg("truncation to %zu bytes: %d drop events", len, count(r, "drop") - drops);
    }
    /* the whole frame is still good, and so is one with Ethernet padding */
    assert_true(input(r, f, n));
    struct reply *p = take(r);
    free(p);
    f[n] = 0;
    assert_true(input(r, f, n + 1));
    p = take(r);
    free(p);
    rig_free(r);
}

static void test_random_bytes(void **state)
{
    (void)state;
    struct rig *r = rig_new(NULL);
    r->check_every_reply = true; /* whatever the server sends must be well formed */
    sim_rng *g = sim_rng_create(20240601, "fuzz");
    assert_non_null(g);
    uint8_t f[1600], p[1600], base[800];
    struct cmsg req = {.type = REQUEST, .mac = CL1, .xid = 1, .requested = POOL_FIRST, .server_id = SRV_IP};
    uint8_t bp[600];
    size_t bn_discover, bn_request;
    {
        struct cmsg c = {.type = DISCOVER, .mac = CL1, .xid = 1};
        bn_discover = build_bootp(base, sizeof base, &c);
        bn_request = build_bootp(bp, sizeof bp, &req);
    }
    const int iterations = 100000;
    for (int i = 0; i < iterations; i++) {
        size_t len;
        uint64_t kind = sim_rng_below(g, 4);
        if (kind == 0) {
            /* raw bytes, with a destination and type the server looks at */
            len = (size_t)sim_rng_below(g, 700);
            sim_rng_bytes(g, f, len);
            if (len >= 14 && sim_rng_below(g, 2))
                memcpy(f, sim_rng_below(g, 2) ? BCAST : SRV_MAC, 6);
            if (len >= 14 && sim_rng_below(g, 2))
                put16(f + 12, sim_rng_below(g, 4) ? 0x0800 : 0x0806);
            if (len >= 15 && sim_rng_below(g, 2))
                f[14] = 0x45;
        } else if (kind == 1) {
            /* valid headers around random BOOTP bytes with a good cookie */
            size_t n = (size_t)sim_rng_below(g, 600);
            sim_rng_bytes(g, p, n);
            if (n >= 240) {
                p[0] = 1;
                p[1] = 1;
                p[2] = 6;
                p[236] = 99;
                p[237] = 130;
                p[238] = 83;
                p[239] = 99;
                if (n > 243 && sim_rng_below(g, 2)) {
                    p[240] = 53;
                    p[241] = 1;
                    p[242] = (uint8_t)(1 + sim_rng_below(g, 8));
                }
            }
            struct l3 a = {.src_mac = CL2, .dst_mac = BCAST, .dst_ip = ALL_ONES};
            len = wrap(f, sizeof f, &a, p, n);
        } else {
            /* a valid DISCOVER or REQUEST with a few bytes changed */
            bool disc = kind == 2;
            size_t n = disc ? bn_discover : bn_request;
            memcpy(p, disc ? base : bp, n);
            int flips = 1 + (int)sim_rng_below(g, 8);
            for (int k = 0; k < flips; k++) {
                /* mostly in the options, where the parsing is */
                size_t at = sim_rng_below(g, 4) ? 236 + (size_t)sim_rng_below(g, n - 236) : (size_t)sim_rng_below(g, n);
                p[at] = (uint8_t)sim_rng_u32(g);
            }
            if (sim_rng_below(g, 4) == 0)
                n = (size_t)sim_rng_below(g, n + 1); /* cut, headers fixed up to match */
            struct l3 a = {.src_mac = CL3, .dst_mac = sim_rng_below(g, 2) ? BCAST : SRV_MAC,
                           .src_ip = 0, .dst_ip = sim_rng_below(g, 2) ? ALL_ONES : SRV_IP};
            len = wrap(f, sizeof f, &a, p, n);
        }
        input(r, f, len);
        if (i % 1000 == 999)
            run_to(r, sim_now(r->s) + SIM_SEC(7)); /* let offers and leases run out now and then */
    }
    dhcps_stats st;
    dhcps_get_stats(r->d, &st);
    print_message("random frames: %d, dropped %llu, discover %llu, request %llu, replies %zu\n", iterations,
                  (unsigned long long)st.dropped, (unsigned long long)st.discover,
                  (unsigned long long)st.request, r->total_out);
    assert_int_equal(st.dropped, (uint64_t)count(r, "drop"));
    assert_true(st.dropped > (uint64_t)iterations / 4);
    assert_true(st.discover > 0 && st.request > 0); /* the mutations reached the protocol too */
    sim_rng_destroy(g);
    rig_free(r);
}

/* ------------------------------------------------------------------ */
/* The capture, read by tshark                                           */
/* ------------------------------------------------------------------ */

static int tshark_lines(const char *pcap, const char *filter)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s -r %s -Y '%s' 2>/dev/null | wc -l", LINKRIG_TSHARK, pcap, filter);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    int n = -1;
    assert_int_equal(fscanf(f, "%d", &n), 1);
    pclose(f);
    return n;
}

static void test_pcap_tshark(void **state)
{
    (void)state;
    if (LINKRIG_TSHARK[0] == '\0') {
        print_message("tshark not found: capture check skipped\n");
        skip();
    }
    mkdir(LINKRIG_BUILD_DIR "/test-out", 0777);
    const char *path = LINKRIG_BUILD_DIR "/test-out/dhcps.pcap";
    struct rig *r = rig_new(NULL);
    capture_config cc = {.linktype = CAPTURE_LINKTYPE_ETHERNET, .epoch_s = CAPTURE_DEFAULT_EPOCH_S};
    sim_err err = {0};
    r->pcap = capture_open(path, &cc, &err);
    if (r->pcap == NULL)
        fail_msg("capture_open: %s", err.msg);
    bind_client(r, CL1); /* DISCOVER, OFFER, REQUEST, ACK */
    uint8_t f[60];
    assert_true(input(r, f, arp_frame(f, BCAST, CL1, POOL_FIRST, SRV_IP, 1)));
    capture_close(r->pcap);
    r->pcap = NULL;

    assert_int_equal(tshark_lines(path, "_ws.malformed"), 0);
    assert_int_equal(tshark_lines(path, "dhcp"), 4);
    assert_int_equal(tshark_lines(path, "dhcp.option.dhcp == 1"), 1);
    assert_int_equal(tshark_lines(path, "dhcp.option.dhcp == 2 && dhcp.option.ip_address_lease_time == 3600"), 1);
    assert_int_equal(tshark_lines(path, "dhcp.option.dhcp == 3"), 1);
    assert_int_equal(tshark_lines(path, "dhcp.option.dhcp == 5 && dhcp.ip.your == 10.0.2.15"), 1);
    assert_int_equal(tshark_lines(path, "arp.opcode == 2 && arp.src.proto_ipv4 == 10.0.2.254"), 1);
    /* tshark verifies both checksums of all four (a filter that named a
     * field wrongly would count 0, so the good ones are counted) */
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "%s -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -r %s "
             "-Y 'dhcp && ip.checksum.status == \"Good\" && udp.checksum.status == \"Good\"' 2>/dev/null | wc -l",
             LINKRIG_TSHARK, path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    int good = -1;
    assert_int_equal(fscanf(p, "%d", &good), 1);
    pclose(p);
    assert_int_equal(good, 4);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discover_offer),
        cmocka_unit_test(test_config_values),
        cmocka_unit_test(test_request_selecting),
        cmocka_unit_test(test_selecting_other_server),
        cmocka_unit_test(test_init_reboot),
        cmocka_unit_test(test_renewing),
        cmocka_unit_test(test_rebinding),
        cmocka_unit_test(test_release),
        cmocka_unit_test(test_decline),
        cmocka_unit_test(test_inform),
        cmocka_unit_test(test_client_id_keying),
        cmocka_unit_test(test_same_address_again),
        cmocka_unit_test(test_pool_exhaustion),
        cmocka_unit_test(test_offer_hold),
        cmocka_unit_test(test_lease_expiry),
        cmocka_unit_test(test_set_lease_time_and_forget),
        cmocka_unit_test(test_mode_ignore_renewals),
        cmocka_unit_test(test_mode_nak_renewals),
        cmocka_unit_test(test_mode_silent),
        cmocka_unit_test(test_set_pool),
        cmocka_unit_test(test_empty_pool),
        cmocka_unit_test(test_arp),
        cmocka_unit_test(test_other_traffic_passes),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_option_overload),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_pcap_tshark),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
