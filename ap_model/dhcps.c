/* ap_model/dhcps.c — the AP's DHCP server (RFC 2131, options RFC 2132).
 *
 * Input is whole Ethernet frames from the bridge, treated as hostile bytes:
 * every header is read octet by octet and every length (IPv4 header and
 * total length, UDP length, each option's length) is checked against what
 * the frame really holds before anything behind it is read.
 *
 * Bindings. One table holds everything the server remembers, keyed by the
 * client identifier (option 61) when the client sends one and by chaddr
 * otherwise (4.2). A binding is in one of these states:
 *   OFFERED   an address is held for the client after a DHCPOFFER (4.3.1
 *             asks servers not to reuse it at once), for DHCPS_OFFER_HOLD;
 *   BOUND     DHCPACKed, until the lease runs out on virtual time;
 *   DECLINED  a client reported the address in use (4.3.3); it belongs to
 *             no client and is kept out of the pool for DHCPS_DECLINE_HOLD;
 *   EXPIRED   released (4.3.4) or run out, remembered only so that the
 *             client can be given its previous address again (4.3.1).
 * Time decides as well as timers: a binding whose deadline has passed is
 * treated as gone even if its timer has not run yet (several events can be
 * due at the same instant), and the timers only tidy up and trace.
 *
 * Address choice is deterministic (4.3.1): the client's current address,
 * else its previous one if still free, else the one it asks for if free,
 * else the lowest free address of the pool.
 *
 * Replies go out through the send callback from inside dhcps_input, as the
 * last thing done for a frame, so that a callback which re-enters the
 * server finds the table consistent. */
#include "ap_model/dhcps.h"
#include "sim/bytes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Wire constants                                                        */
/* ------------------------------------------------------------------ */

#define ETH_HDR_LEN 14
#define ETH_MIN_FRAME 60 /* without FCS: shorter frames are padded */
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806

#define IPV4_MIN_HDR 20
#define IPV4_PROTO_UDP 17
#define IPV4_TTL 64
#define UDP_HDR_LEN 8

#define ARP_LEN 28 /* RFC 826 for Ethernet/IPv4 */
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68

/* RFC 2131 section 2, figure 1: offsets of the fixed BOOTP fields. */
#define BOOTP_OP 0
#define BOOTP_HTYPE 1
#define BOOTP_HLEN 2
#define BOOTP_XID 4
#define BOOTP_FLAGS 10
#define BOOTP_CIADDR 12
#define BOOTP_YIADDR 16
#define BOOTP_GIADDR 24
#define BOOTP_CHADDR 28
#define BOOTP_SNAME 44
#define BOOTP_SNAME_LEN 64
#define BOOTP_FILE 108
#define BOOTP_FILE_LEN 128
#define BOOTP_COOKIE 236
#define BOOTP_OPTIONS 240
/* RFC 951's vend field is 64 octets, so BOOTP messages are at least 300
 * octets; replies are padded to that for relays and clients that expect it. */
#define BOOTP_MIN_LEN 300
#define BOOTREQUEST 1
#define BOOTREPLY 2
#define HTYPE_ETHERNET 1
#define FLAG_BROADCAST 0x8000 /* RFC 2131 section 2, figure 2 */

/* RFC 2132 option codes. */
#define OPT_PAD 0            /* 3.1 */
#define OPT_SUBNET_MASK 1    /* 3.3 */
#define OPT_ROUTER 3         /* 3.5 */
#define OPT_DNS 6            /* 3.8 */
#define OPT_REQUESTED_IP 50  /* 9.1 */
#define OPT_LEASE_TIME 51    /* 9.2 */
#define OPT_OVERLOAD 52      /* 9.3 */
#define OPT_MSG_TYPE 53      /* 9.6 */
#define OPT_SERVER_ID 54     /* 9.7 */
#define OPT_PARAM_LIST 55    /* 9.8 */
#define OPT_MESSAGE 56       /* 9.9 */
#define OPT_MAX_MSG_SIZE 57  /* 9.10 */
#define OPT_T1 58            /* 9.11 */
#define OPT_T2 59            /* 9.12 */
#define OPT_CLIENT_ID 61     /* 9.14 */
#define OPT_END 255          /* 3.2 */

/* RFC 2132 9.6 message types. */
enum {
    DHCPDISCOVER = 1,
    DHCPOFFER = 2,
    DHCPREQUEST = 3,
    DHCPDECLINE = 4,
    DHCPACK = 5,
    DHCPNAK = 6,
    DHCPRELEASE = 7,
    DHCPINFORM = 8,
};

#define LEASE_INFINITE 0xffffffffu /* RFC 2132 9.2 */

/* Large enough for the fixed part and every option this server sends,
 * including a full-length option 56. */
#define REPLY_FRAME_MAX (ETH_HDR_LEN + IPV4_MIN_HDR + UDP_HDR_LEN + BOOTP_OPTIONS + 64 + 2 + 255 + 1)

/* ------------------------------------------------------------------ */
/* Policy constants                                                      */
/* ------------------------------------------------------------------ */

/* 4.3.1 leaves the reuse of an offered address to the server; 30 s covers
 * a client's DHCPREQUEST with its retransmissions. */
#define DHCPS_OFFER_HOLD SIM_SEC(30)
/* 4.3.3 only says "not available"; ten minutes as dnsmasq does, so a pool
 * does not shrink forever because of one conflict. */
#define DHCPS_DECLINE_HOLD SIM_SEC(600)
/* Remembered (EXPIRED) bindings are evicted oldest first beyond this, so
 * a stream of made-up client identifiers cannot grow the table forever. */
#define DHCPS_MAX_BINDINGS 4096

/* ------------------------------------------------------------------ */
/* Types                                                                 */
/* ------------------------------------------------------------------ */

typedef enum {
    BINDING_OFFERED,
    BINDING_BOUND,
    BINDING_DECLINED,
    BINDING_EXPIRED,
    BINDING_GONE, /* never stored: a DECLINED entry past its hold, or no binding at all */
} binding_state;

typedef enum {
    KEY_NONE,      /* a DECLINED address: nobody's */
    KEY_CHADDR,    /* 4.2: no client identifier, so chaddr */
    KEY_CLIENT_ID, /* 4.2: option 61 */
} key_kind;

struct binding {
    dhcps *d;
    binding_state state;
    key_kind kind;
    uint8_t key[255];
    size_t key_len;
    uint8_t mac[6]; /* chaddr of the client's latest message */
    uint32_t ip;
    sim_time expires; /* SIM_TIME_MAX: never (EXPIRED, or an infinite lease) */
    uint64_t seq;     /* when it became EXPIRED, for eviction order */
    sim_timer_id timer;
};

struct dhcps {
    sim *s;
    char *name;
    dhcps_send_fn send;
    void *ctx;
    uint8_t mac[6];
    uint32_t server_ip, netmask, router, dns;
    uint32_t pool_start, pool_end;
    uint32_t lease_s, t1_s, t2_s; /* t1_s/t2_s 0: derived from lease_s */
    dhcps_mode mode;
    struct binding **b; /* individually allocated: timers hold pointers */
    size_t nb, cap;
    uint64_t seq;
    uint16_t ip_id;
    dhcps_stats st;
};

/* RFC 2131 4.3.2: what a DHCPREQUEST is, told apart by option 54, option 50,
 * ciaddr and whether it was unicast to us. */
typedef enum {
    REQ_SELECTING,
    REQ_INIT_REBOOT,
    REQ_RENEWING,
    REQ_REBINDING,
} request_state;

/* A client message as read from the wire. Pointers point into the frame and
 * live only while it is being handled. */
struct dhcp_msg {
    uint8_t eth_src[6];
    bool unicast; /* IPv4 destination was the server's own address */
    uint8_t type; /* option 53; 0 when absent */
    uint32_t xid;
    uint16_t flags;
    uint32_t ciaddr, giaddr;
    uint8_t chaddr[16];
    bool has_requested, has_server_id;
    uint32_t requested, server_id;
    const uint8_t *client_id;
    size_t client_id_len;
    bool seen[256]; /* first instance of an option wins */
    int bad_option; /* the option a parse error is about, or -1 */
};

/* ------------------------------------------------------------------ */
/* Small helpers                                                         */
/* ------------------------------------------------------------------ */





static bool mac_eq(const uint8_t *a, const uint8_t *b)
{
    return memcmp(a, b, 6) == 0;
}

static bool mac_is_broadcast(const uint8_t *m)
{
    static const uint8_t bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    return mac_eq(m, bc);
}

static bool mac_is_usable_unicast(const uint8_t *m)
{
    static const uint8_t zero[6] = {0};
    return (m[0] & 0x01) == 0 && !mac_eq(m, zero);
}

static void mac_str(const uint8_t *m, char out[18])
{
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void ip_str(uint32_t ip, char out[16])
{
    snprintf(out, 16, "%u.%u.%u.%u", (unsigned)(ip >> 24), (unsigned)((ip >> 16) & 0xff),
             (unsigned)((ip >> 8) & 0xff), (unsigned)(ip & 0xff));
}

/* RFC 1071 one's complement sum, carried in 32 bits and folded at the end. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += rd16(p + i);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* RFC 768: the UDP checksum covers a pseudo header of both addresses,
 * the protocol and the UDP length. */
static uint16_t udp_checksum(uint32_t src, uint32_t dst, const uint8_t *udp, size_t len)
{
    uint8_t ph[12];
    wr32(ph, src);
    wr32(ph + 4, dst);
    ph[8] = 0;
    ph[9] = IPV4_PROTO_UDP;
    wr16(ph + 10, (uint16_t)len);
    return csum_fold(csum_add(csum_add(0, ph, sizeof ph), udp, len));
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

static bool netmask_ok(uint32_t m)
{
    /* Contiguous ones, and room for a network, a broadcast and at least
     * two hosts: /1 to /30. */
    uint32_t inv = ~m;
    return m != 0 && (inv & (inv + 1)) == 0 && inv >= 3;
}

static uint32_t lease_t1(uint32_t lease, uint32_t t1)
{
    if (t1 != 0)
        return t1;
    /* RFC 2131 4.4.5: T1 defaults to 0.5 * duration_of_lease. */
    return lease == LEASE_INFINITE ? LEASE_INFINITE : lease / 2;
}

static uint32_t lease_t2(uint32_t lease, uint32_t t2)
{
    if (t2 != 0)
        return t2;
    /* RFC 2131 4.4.5: T2 defaults to 0.875 * duration_of_lease. */
    return lease == LEASE_INFINITE ? LEASE_INFINITE : (uint32_t)((uint64_t)lease * 7 / 8);
}

static int check_lease_times(uint32_t lease, uint32_t t1, uint32_t t2, sim_err *err)
{
    if (lease == 0)
        return sim_err_set(err, SIM_EINVAL, "dhcps: lease time must be at least 1 s");
    uint32_t e1 = lease_t1(lease, t1), e2 = lease_t2(lease, t2);
    /* 4.4.5: renewal comes before rebinding, which comes before the end. */
    if (e1 > e2 || e2 > lease)
        return sim_err_set(err, SIM_EINVAL,
                           "dhcps: need T1 <= T2 <= lease (T1 %u s, T2 %u s, lease %u s)", e1, e2, lease);
    return SIM_OK;
}

static sim_time deadline_after(const dhcps *d, uint32_t secs)
{
    if (secs == LEASE_INFINITE)
        return SIM_TIME_MAX;
    sim_time now = sim_now(d->s);
    sim_time span = SIM_SEC((int64_t)secs);
    return now > SIM_TIME_MAX - span ? SIM_TIME_MAX : now + span;
}

/* ------------------------------------------------------------------ */
/* Trace                                                                 */
/* ------------------------------------------------------------------ */

static sim_trace_rec *ev_begin(const dhcps *d, sim_log_level level, const char *event)
{
    return sim_trace_begin(sim_trace_of(d->s), level, d->name, event);
}

static void ev_mac(sim_trace_rec *r, const char *key, const uint8_t *m)
{
    if (r == NULL)
        return;
    char s[18];
    mac_str(m, s);
    sim_trace_str(r, key, s);
}

static void ev_ip(sim_trace_rec *r, const char *key, uint32_t ip)
{
    if (r == NULL)
        return;
    char s[16];
    ip_str(ip, s);
    sim_trace_str(r, key, s);
}

static void trace_drop(dhcps *d, const uint8_t *src, const char *why, int option)
{
    d->st.dropped++;
    sim_trace_rec *r = ev_begin(d, SIM_LOG_DEBUG, "drop");
    if (r == NULL)
        return;
    sim_trace_str(r, "why", why);
    if (src != NULL)
        ev_mac(r, "src", src);
    if (option >= 0)
        sim_trace_int(r, "option", option);
    sim_trace_end(r);
}

static const char *msg_name(uint8_t type)
{
    switch (type) {
    case DHCPDISCOVER: return "discover";
    case DHCPREQUEST: return "request";
    case DHCPDECLINE: return "decline";
    case DHCPRELEASE: return "release";
    case DHCPINFORM: return "inform";
    default: return "?";
    }
}

static const char *state_name(request_state st)
{
    switch (st) {
    case REQ_SELECTING: return "selecting";
    case REQ_INIT_REBOOT: return "init-reboot";
    case REQ_RENEWING: return "renewing";
    case REQ_REBINDING: return "rebinding";
    }
    return "?";
}

static void trace_ignored(dhcps *d, const struct dhcp_msg *m, const char *why)
{
    d->st.ignored++;
    sim_trace_rec *r = ev_begin(d, SIM_LOG_INFO, "ignored");
    if (r == NULL)
        return;
    ev_mac(r, "mac", m->chaddr);
    sim_trace_str(r, "msg", msg_name(m->type));
    sim_trace_str(r, "why", why);
    sim_trace_end(r);
}

/* ------------------------------------------------------------------ */
/* Addresses and the pool                                                */
/* ------------------------------------------------------------------ */

static bool pool_empty(const dhcps *d)
{
    return d->pool_end < d->pool_start;
}

/* The subnet the server serves now: the pool's, or its own while the pool
 * is empty. */
static uint32_t serving_net(const dhcps *d)
{
    return (pool_empty(d) ? d->server_ip : d->pool_start) & d->netmask;
}

static bool on_network(const dhcps *d, uint32_t ip)
{
    return (ip & d->netmask) == serving_net(d);
}

/* Addresses that are never handed out even if the pool range covers them:
 * the subnet's network and broadcast addresses and the infrastructure. */
static bool addr_reserved(const dhcps *d, uint32_t ip)
{
    uint32_t host = ip & ~d->netmask;
    return ip == 0 || host == 0 || host == ~d->netmask || ip == d->server_ip || ip == d->router ||
           ip == d->dns;
}

static bool in_pool(const dhcps *d, uint32_t ip)
{
    return !pool_empty(d) && ip >= d->pool_start && ip <= d->pool_end && !addr_reserved(d, ip);
}

/* Whether a client that holds ip may keep it. A moved pool takes every
 * address outside it away; an empty pool only stops new leases, so the
 * clients that have one on the server's subnet keep it. */
static bool lease_valid(const dhcps *d, uint32_t ip)
{
    if (pool_empty(d))
        return on_network(d, ip) && !addr_reserved(d, ip);
    return in_pool(d, ip);
}

/* ------------------------------------------------------------------ */
/* Bindings                                                              */
/* ------------------------------------------------------------------ */

static binding_state effective_state(const dhcps *d, const struct binding *b)
{
    if (b->state == BINDING_EXPIRED || sim_now(d->s) < b->expires)
        return b->state;
    return b->state == BINDING_DECLINED ? BINDING_GONE : BINDING_EXPIRED;
}

/* OFFERED, BOUND or DECLINED and not yet run out: the address is taken. */
static bool holds_address(const dhcps *d, const struct binding *b)
{
    binding_state st = effective_state(d, b);
    return st == BINDING_OFFERED || st == BINDING_BOUND || st == BINDING_DECLINED;
}

static void binding_timeout(void *arg);

static void binding_set(struct binding *b, binding_state st, sim_time expires)
{
    dhcps *d = b->d;
    if (b->timer != 0) {
        sim_cancel(d->s, b->timer);
        b->timer = 0;
    }
    b->state = st;
    b->expires = expires;
    if (st == BINDING_EXPIRED)
        b->seq = ++d->seq;
    /* Without a timer (out of memory) the deadline still holds through
     * effective_state; only the tidy-up and its trace are lost. */
    if (expires != SIM_TIME_MAX)
        b->timer = sim_at(d->s, expires, binding_timeout, b);
}

static void binding_remove(dhcps *d, size_t i)
{
    struct binding *b = d->b[i];
    if (b->timer != 0)
        sim_cancel(d->s, b->timer);
    free(b);
    /* Order is kept so that lookups stay deterministic. */
    memmove(&d->b[i], &d->b[i + 1], (d->nb - i - 1) * sizeof d->b[0]);
    d->nb--;
}

static size_t binding_index(const dhcps *d, const struct binding *b)
{
    for (size_t i = 0; i < d->nb; i++)
        if (d->b[i] == b)
            return i;
    return d->nb;
}

static void binding_timeout(void *arg)
{
    struct binding *b = arg;
    dhcps *d = b->d;
    b->timer = 0;
    const char *event = NULL;
    sim_log_level level = SIM_LOG_DEBUG;
    uint32_t ip = b->ip;
    uint8_t mac[6];
    memcpy(mac, b->mac, 6);
    bool has_client = b->kind != KEY_NONE;
    switch (b->state) {
    case BINDING_OFFERED:
        event = "offer_expired";
        binding_set(b, BINDING_EXPIRED, SIM_TIME_MAX);
        break;
    case BINDING_BOUND:
        event = "expire";
        level = SIM_LOG_INFO;
        binding_set(b, BINDING_EXPIRED, SIM_TIME_MAX);
        break;
    case BINDING_DECLINED:
        event = "decline_expired";
        binding_remove(d, binding_index(d, b));
        break;
    default:
        return;
    }
    sim_trace_rec *r = ev_begin(d, level, event);
    if (has_client)
        ev_mac(r, "mac", mac);
    ev_ip(r, "ip", ip);
    sim_trace_end(r);
}

static void client_key(const struct dhcp_msg *m, key_kind *kind, const uint8_t **key, size_t *len)
{
    if (m->client_id != NULL) {
        *kind = KEY_CLIENT_ID;
        *key = m->client_id;
        *len = m->client_id_len;
    } else {
        *kind = KEY_CHADDR;
        *key = m->chaddr;
        *len = 6;
    }
}

static struct binding *find_client(const dhcps *d, const struct dhcp_msg *m)
{
    key_kind kind;
    const uint8_t *key;
    size_t len;
    client_key(m, &kind, &key, &len);
    for (size_t i = 0; i < d->nb; i++) {
        struct binding *b = d->b[i];
        if (b->kind == kind && b->key_len == len && memcmp(b->key, key, len) == 0)
            return b;
    }
    return NULL;
}

/* The binding that keeps ip from being handed out, if any. */
static struct binding *holder_of(const dhcps *d, uint32_t ip)
{
    for (size_t i = 0; i < d->nb; i++)
        if (d->b[i]->ip == ip && holds_address(d, d->b[i]))
            return d->b[i];
    return NULL;
}

static bool addr_free_for(const dhcps *d, uint32_t ip, const struct binding *self)
{
    if (!in_pool(d, ip))
        return false;
    const struct binding *h = holder_of(d, ip);
    return h == NULL || h == self;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The lowest address of the pool that nobody holds. Walking the range is
 * bounded by the number of held and reserved addresses, whatever its size. */
static bool lowest_free(const dhcps *d, uint32_t *out)
{
    if (pool_empty(d))
        return false;
    uint32_t *held = malloc((d->nb ? d->nb : 1) * sizeof *held);
    if (held == NULL)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < d->nb; i++)
        if (holds_address(d, d->b[i]))
            held[n++] = d->b[i]->ip;
    qsort(held, n, sizeof *held, cmp_u32);
    bool found = false;
    for (uint64_t ip = d->pool_start; ip <= d->pool_end; ip++) {
        uint32_t a = (uint32_t)ip;
        if (addr_reserved(d, a) || bsearch(&a, held, n, sizeof *held, cmp_u32) != NULL)
            continue;
        *out = a;
        found = true;
        break;
    }
    free(held);
    return found;
}

/* A new, empty binding at the end of the table; the oldest remembered one
 * makes room when the table is full. */
static struct binding *binding_new(dhcps *d, key_kind kind, const uint8_t *key, size_t key_len)
{
    if (d->nb >= DHCPS_MAX_BINDINGS) {
        size_t victim = d->nb;
        for (size_t i = 0; i < d->nb; i++)
            if (effective_state(d, d->b[i]) == BINDING_EXPIRED &&
                (victim == d->nb || d->b[i]->seq < d->b[victim]->seq))
                victim = i;
        if (victim == d->nb)
            return NULL;
        binding_remove(d, victim);
    }
    if (d->nb == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        struct binding **nbv = realloc(d->b, cap * sizeof *nbv);
        if (nbv == NULL)
            return NULL;
        d->b = nbv;
        d->cap = cap;
    }
    struct binding *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    b->d = d;
    b->kind = kind;
    b->key_len = key_len;
    if (key_len > 0)
        memcpy(b->key, key, key_len);
    b->state = BINDING_EXPIRED;
    b->expires = SIM_TIME_MAX;
    d->b[d->nb++] = b;
    return b;
}

static struct binding *client_binding(dhcps *d, const struct dhcp_msg *m)
{
    struct binding *b = find_client(d, m);
    if (b == NULL) {
        key_kind kind;
        const uint8_t *key;
        size_t len;
        client_key(m, &kind, &key, &len);
        b = binding_new(d, kind, key, len);
    }
    if (b != NULL)
        memcpy(b->mac, m->chaddr, 6);
    return b;
}

/* ------------------------------------------------------------------ */
/* Sending                                                               */
/* ------------------------------------------------------------------ */

/* Ethernet II + IPv4 (no options, no fragmentation) + UDP around a payload
 * already written at f + 42; returns the frame length. */
static size_t wrap_udp(dhcps *d, uint8_t *f, const uint8_t dst_mac[6], uint32_t dst_ip, size_t payload_len)
{
    memcpy(f, dst_mac, 6);
    memcpy(f + 6, d->mac, 6);
    wr16(f + 12, ETHERTYPE_IPV4);

    uint8_t *ip = f + ETH_HDR_LEN;
    size_t udp_len = UDP_HDR_LEN + payload_len;
    ip[0] = 0x45; /* version 4, IHL 5 */
    ip[1] = 0;
    wr16(ip + 2, (uint16_t)(IPV4_MIN_HDR + udp_len));
    wr16(ip + 4, d->ip_id++);
    wr16(ip + 6, 0);
    ip[8] = IPV4_TTL;
    ip[9] = IPV4_PROTO_UDP;
    wr16(ip + 10, 0);
    wr32(ip + 12, d->server_ip);
    wr32(ip + 16, dst_ip);
    wr16(ip + 10, csum_fold(csum_add(0, ip, IPV4_MIN_HDR)));

    uint8_t *udp = ip + IPV4_MIN_HDR;
    wr16(udp, DHCP_SERVER_PORT);
    wr16(udp + 2, DHCP_CLIENT_PORT);
    wr16(udp + 4, (uint16_t)udp_len);
    wr16(udp + 6, 0);
    uint16_t sum = udp_checksum(d->server_ip, dst_ip, udp, udp_len);
    /* RFC 768: a computed zero is sent as all ones; zero means "none". */
    wr16(udp + 6, sum == 0 ? 0xffff : sum);
    return ETH_HDR_LEN + IPV4_MIN_HDR + udp_len;
}

/* RFC 2131 4.1: where a reply goes (giaddr is always zero here: relayed
 * messages are dropped). A DHCPNAK is always broadcast; otherwise unicast to
 * ciaddr when the client has one, broadcast when the client set the
 * BROADCAST bit, else unicast to yiaddr at chaddr. */
static void reply_dest(const struct dhcp_msg *m, uint8_t type, uint32_t yiaddr, uint8_t mac[6], uint32_t *ip)
{
    bool bcast;
    if (type == DHCPNAK)
        bcast = true;
    else if (m->ciaddr != 0) {
        bcast = false;
        *ip = m->ciaddr;
    } else if ((m->flags & FLAG_BROADCAST) != 0 || yiaddr == 0)
        bcast = true;
    else {
        bcast = false;
        *ip = yiaddr;
    }
    if (bcast) {
        memset(mac, 0xff, 6);
        *ip = 0xffffffffu;
    } else {
        memcpy(mac, m->chaddr, 6);
    }
}

static uint8_t *put_opt32(uint8_t *o, uint8_t code, uint32_t v)
{
    o[0] = code;
    o[1] = 4;
    wr32(o + 2, v);
    return o + 6;
}

/* Builds and sends a DHCPOFFER, DHCPACK or DHCPNAK for m (fields and
 * options as RFC 2131 4.3.1 table 3 asks). with_lease adds options 51, 58
 * and 59; a DHCPACK to DHCPINFORM must not carry them (4.3.5). */
static void send_reply(dhcps *d, const struct dhcp_msg *m, uint8_t type, uint32_t yiaddr, bool with_lease,
                       const char *message)
{
    uint8_t f[REPLY_FRAME_MAX];
    memset(f, 0, sizeof f);
    uint8_t *p = f + ETH_HDR_LEN + IPV4_MIN_HDR + UDP_HDR_LEN;

    p[BOOTP_OP] = BOOTREPLY;
    p[BOOTP_HTYPE] = HTYPE_ETHERNET;
    p[BOOTP_HLEN] = 6;
    wr32(p + BOOTP_XID, m->xid);
    wr16(p + BOOTP_FLAGS, m->flags);
    if (type == DHCPACK)
        wr32(p + BOOTP_CIADDR, m->ciaddr);
    wr32(p + BOOTP_YIADDR, type == DHCPNAK ? 0 : yiaddr);
    wr32(p + BOOTP_GIADDR, m->giaddr);
    memcpy(p + BOOTP_CHADDR, m->chaddr, 16);
    /* RFC 2131 section 3: the magic cookie 99.130.83.99. */
    p[BOOTP_COOKIE] = 99;
    p[BOOTP_COOKIE + 1] = 130;
    p[BOOTP_COOKIE + 2] = 83;
    p[BOOTP_COOKIE + 3] = 99;

    uint8_t *o = p + BOOTP_OPTIONS;
    *o++ = OPT_MSG_TYPE;
    *o++ = 1;
    *o++ = type;
    o = put_opt32(o, OPT_SERVER_ID, d->server_ip);
    if (type != DHCPNAK) {
        if (with_lease) {
            o = put_opt32(o, OPT_LEASE_TIME, d->lease_s);
            o = put_opt32(o, OPT_T1, lease_t1(d->lease_s, d->t1_s));
            o = put_opt32(o, OPT_T2, lease_t2(d->lease_s, d->t2_s));
        }
        o = put_opt32(o, OPT_SUBNET_MASK, d->netmask);
        if (d->router != 0)
            o = put_opt32(o, OPT_ROUTER, d->router);
        if (d->dns != 0)
            o = put_opt32(o, OPT_DNS, d->dns);
    }
    if (message != NULL && message[0] != '\0') {
        size_t n = strlen(message);
        if (n > 255)
            n = 255;
        *o++ = OPT_MESSAGE;
        *o++ = (uint8_t)n;
        memcpy(o, message, n);
        o += n;
    }
    *o++ = OPT_END;
    size_t dhcp_len = (size_t)(o - p);
    if (dhcp_len < BOOTP_MIN_LEN)
        dhcp_len = BOOTP_MIN_LEN; /* the tail is already zero (Pad) */

    uint8_t dst_mac[6];
    uint32_t dst_ip = 0;
    reply_dest(m, type, yiaddr, dst_mac, &dst_ip);
    size_t len = wrap_udp(d, f, dst_mac, dst_ip, dhcp_len);
    if (d->send != NULL)
        d->send(d->ctx, f, len);
}

/* ------------------------------------------------------------------ */
/* Answers                                                               */
/* ------------------------------------------------------------------ */

static void trace_reply(dhcps *d, const char *event, const struct dhcp_msg *m, uint8_t type, uint32_t ip,
                        bool with_lease, const char *why)
{
    sim_trace_rec *r = ev_begin(d, SIM_LOG_INFO, event);
    if (r == NULL)
        return;
    uint8_t dst_mac[6];
    uint32_t dst_ip = 0;
    reply_dest(m, type, ip, dst_mac, &dst_ip);
    ev_mac(r, "mac", m->chaddr);
    ev_ip(r, "ip", ip);
    if (with_lease)
        sim_trace_int(r, "lease", d->lease_s);
    if (why != NULL)
        sim_trace_str(r, "why", why);
    ev_ip(r, "to", dst_ip);
    sim_trace_end(r);
}

static void answer_nak(dhcps *d, const struct dhcp_msg *m, uint32_t ip, const char *why)
{
    d->st.nak++;
    trace_reply(d, "nak", m, DHCPNAK, ip, false, why);
    send_reply(d, m, DHCPNAK, 0, false, why);
}

/* DHCPACK for a DHCPREQUEST: the binding becomes BOUND for a full lease. */
static void answer_ack(dhcps *d, const struct dhcp_msg *m, struct binding *b, uint32_t ip)
{
    if (b == NULL)
        b = client_binding(d, m);
    if (b == NULL) {
        trace_ignored(d, m, "lease table full");
        return;
    }
    memcpy(b->mac, m->chaddr, 6);
    b->ip = ip;
    binding_set(b, BINDING_BOUND, deadline_after(d, d->lease_s));
    d->st.ack++;
    trace_reply(d, "ack", m, DHCPACK, ip, true, NULL);
    send_reply(d, m, DHCPACK, ip, true, NULL);
}

/* 4.3.1: the client's current address, else its previous one, else the one
 * it asks for, else the lowest free one. */
static bool choose_address(const dhcps *d, const struct dhcp_msg *m, const struct binding *b, uint32_t *ip)
{
    if (b != NULL) {
        binding_state st = effective_state(d, b);
        if ((st == BINDING_OFFERED || st == BINDING_BOUND) && lease_valid(d, b->ip)) {
            *ip = b->ip;
            return true;
        }
        if (st == BINDING_EXPIRED && addr_free_for(d, b->ip, b)) {
            *ip = b->ip;
            return true;
        }
    }
    if (m->has_requested && addr_free_for(d, m->requested, b)) {
        *ip = m->requested;
        return true;
    }
    return lowest_free(d, ip);
}

static void on_discover(dhcps *d, const struct dhcp_msg *m)
{
    d->st.discover++;
    sim_trace_rec *r = ev_begin(d, SIM_LOG_INFO, "discover");
    if (r != NULL) {
        ev_mac(r, "mac", m->chaddr);
        sim_trace_strf(r, "xid", "0x%08x", (unsigned)m->xid);
        if (m->has_requested)
            ev_ip(r, "requested", m->requested);
        if (m->client_id != NULL)
            sim_trace_hex(r, "client_id", m->client_id, m->client_id_len);
        sim_trace_end(r);
    }
    if (d->mode == DHCPS_SILENT) {
        trace_ignored(d, m, "silent");
        return;
    }
    struct binding *b = find_client(d, m);
    uint32_t ip;
    if (!choose_address(d, m, b, &ip)) {
        trace_ignored(d, m, pool_empty(d) ? "pool empty" : "pool exhausted");
        return;
    }
    if (b == NULL)
        b = client_binding(d, m);
    if (b == NULL) {
        trace_ignored(d, m, "lease table full");
        return;
    }
    memcpy(b->mac, m->chaddr, 6);
    /* A bound client that starts over keeps its lease (and its address)
     * until it is ACKed again; only a new offer is held for a short time. */
    if (!(effective_state(d, b) == BINDING_BOUND && b->ip == ip)) {
        b->ip = ip;
        binding_set(b, BINDING_OFFERED, sim_now(d->s) + DHCPS_OFFER_HOLD);
    }
    /* The full configured lease is offered even to a bound client, rather
     * than what is left of its lease (4.3.1): the DHCPACK that follows
     * grants a full lease, and 4.3.2 asks that the two not conflict. */
    d->st.offer++;
    trace_reply(d, "offer", m, DHCPOFFER, ip, true, NULL);
    send_reply(d, m, DHCPOFFER, ip, true, NULL);
}

static void request_selecting(dhcps *d, const struct dhcp_msg *m, struct binding *b)
{
    binding_state st = b != NULL ? effective_state(d, b) : BINDING_GONE;
    if (m->server_id != d->server_ip) {
        /* The client took another server's offer: ours is free again. */
        if (st == BINDING_OFFERED)
            binding_set(b, BINDING_EXPIRED, SIM_TIME_MAX);
        trace_ignored(d, m, "client selected another server");
        return;
    }
    uint32_t want = m->requested;
    if (st == BINDING_OFFERED || st == BINDING_BOUND) {
        if (b->ip != want)
            answer_nak(d, m, want, "not the offered address");
        else if (!lease_valid(d, want))
            answer_nak(d, m, want, "address outside the pool");
        else
            answer_ack(d, m, b, want);
        return;
    }
    /* The offer ran out (or was never ours to remember): still fine if the
     * address is free. */
    if (addr_free_for(d, want, b))
        answer_ack(d, m, b, want);
    else
        answer_nak(d, m, want, "address not available");
}

static void request_init_reboot(dhcps *d, const struct dhcp_msg *m, struct binding *b)
{
    uint32_t want = m->requested;
    /* 4.3.2: the network is checked first, then the client's record. */
    if (!on_network(d, want)) {
        answer_nak(d, m, want, "wrong network");
        return;
    }
    if (b == NULL) {
        /* 4.3.2: with no record of the client the server MUST remain
         * silent, so that servers that do not share state can coexist. */
        trace_ignored(d, m, "no record of client");
        return;
    }
    binding_state st = effective_state(d, b);
    if (st == BINDING_OFFERED || st == BINDING_BOUND) {
        if (b->ip != want)
            answer_nak(d, m, want, "not the client's address");
        else if (!lease_valid(d, want))
            answer_nak(d, m, want, "address outside the pool");
        else
            answer_ack(d, m, b, want);
        return;
    }
    if (b->ip == want && addr_free_for(d, want, b))
        answer_ack(d, m, b, want);
    else
        answer_nak(d, m, want, "lease is gone");
}

static void request_extend(dhcps *d, const struct dhcp_msg *m, struct binding *b)
{
    uint32_t have = m->ciaddr;
    binding_state st = b != NULL ? effective_state(d, b) : BINDING_GONE;
    if (st == BINDING_OFFERED || st == BINDING_BOUND) {
        if (b->ip != have)
            answer_nak(d, m, have, "not the client's address");
        else if (!lease_valid(d, have))
            answer_nak(d, m, have, "address outside the pool");
        else
            answer_ack(d, m, b, have);
        return;
    }
    /* No lease on record (it ran out, or the server forgot it): a server
     * that lost its records rebuilds them from renewals, as dnsmasq does,
     * but only for a free address of its pool (4.3.2: REBINDING "SHOULD
     * check 'ciaddr' for correctness"). */
    if (!in_pool(d, have))
        answer_nak(d, m, have, "address outside the pool");
    else if (!addr_free_for(d, have, b))
        answer_nak(d, m, have, "address in use");
    else
        answer_ack(d, m, b, have);
}

static void on_request(dhcps *d, const struct dhcp_msg *m)
{
    /* 4.3.2 and table 4: option 54 means SELECTING; otherwise ciaddr zero
     * with option 50 is INIT-REBOOT, and ciaddr set is RENEWING when
     * unicast to us, REBINDING when broadcast. */
    request_state st;
    uint32_t ip;
    if (m->has_server_id) {
        st = REQ_SELECTING;
        ip = m->requested;
    } else if (m->ciaddr != 0) {
        st = m->unicast ? REQ_RENEWING : REQ_REBINDING;
        ip = m->ciaddr;
    } else {
        st = REQ_INIT_REBOOT;
        ip = m->requested;
    }
    if ((st == REQ_SELECTING || st == REQ_INIT_REBOOT) && !m->has_requested) {
        /* Table 5: option 50 MUST be there in both states. */
        trace_drop(d, m->eth_src, "request without requested address", OPT_REQUESTED_IP);
        return;
    }
    d->st.request++;
    sim_trace_rec *r = ev_begin(d, SIM_LOG_INFO, "request");
    if (r != NULL) {
        ev_mac(r, "mac", m->chaddr);
        sim_trace_strf(r, "xid", "0x%08x", (unsigned)m->xid);
        sim_trace_str(r, "state", state_name(st));
        ev_ip(r, "ip", ip);
        if (m->has_server_id)
            ev_ip(r, "server", m->server_id);
        sim_trace_end(r);
    }
    if (d->mode == DHCPS_SILENT) {
        trace_ignored(d, m, "silent");
        return;
    }
    bool extending = st == REQ_RENEWING || st == REQ_REBINDING;
    if (extending && d->mode == DHCPS_IGNORE_RENEWALS) {
        trace_ignored(d, m, "renewals ignored");
        return;
    }
    if (extending && d->mode == DHCPS_NAK_RENEWALS) {
        answer_nak(d, m, ip, "renewals refused");
        return;
    }
    struct binding *b = find_client(d, m);
    switch (st) {
    case REQ_SELECTING: request_selecting(d, m, b); break;
    case REQ_INIT_REBOOT: request_init_reboot(d, m, b); break;
    case REQ_RENEWING:
    case REQ_REBINDING: request_extend(d, m, b); break;
    }
}

static void on_release(dhcps *d, const struct dhcp_msg *m)
{
    d->st.release++;
    sim_trace_rec *r = ev_begin(d, SIM_LOG_INFO, "release");
    if (r != NULL) {
        ev_mac(r, "mac", m->chaddr);
        ev_ip(r, "ip", m->ciaddr);
        sim_trace_end(r);
    }
    if (d->mode == DHCPS_SILENT) {
        trace_ignored(d, m, "silent");
        return;
    }
    /* Table 5: a DHCPRELEASE names the server it is for. */
    if (m->has_server_id && m->server_id != d->server_ip)
        return;
    struct binding *b = find_client(d, m);
    if (b == NULL || b->ip != m->ciaddr)
        return;
    binding_state st = effective_state(d, b);
    /* 4.3.4: the address is no longer allocated; the binding is kept so
     * that the client can have the same address back. */
    if (st == BINDING_OFFERED || st == BINDING_BOUND)
        binding_set(b, BINDING_EXPIRED, SIM_TIME_MAX);
}

static void on_decline(dhcps *d, const struct dhcp_msg *m)
{
    d->st.decline++;
    /* 4.3.3 says to tell the administrator: a warning. */
    sim_trace_rec *r = ev_begin(d, SIM_LOG_WARN, "decline");
    if (r != NULL) {
        ev_mac(r, "mac", m->chaddr);
        if (m->has_requested)
            ev_ip(r, "ip", m->requested);
        sim_trace_end(r);
    }
    if (d->mode == DHCPS_SILENT) {
        trace_ignored(d, m, "silent");
        return;
    }
    if ((m->has_server_id && m->server_id != d->server_ip) || !m->has_requested)
        return;
    uint32_t ip = m->requested;
    struct binding *b = find_client(d, m);
    if (b != NULL && b->ip == ip && holds_address(d, b)) {
        /* The client's own binding turns into the address's: the client has
         * no address any more and gets another one on its next DISCOVER. */
        size_t i = binding_index(d, b);
        binding_remove(d, i);
    } else if (!in_pool(d, ip) || holder_of(d, ip) != NULL) {
        return; /* not ours to mark, or held by another client */
    }
    struct binding *x = binding_new(d, KEY_NONE, NULL, 0);
    if (x == NULL)
        return;
    memcpy(x->mac, m->chaddr, 6);
    x->ip = ip;
    binding_set(x, BINDING_DECLINED, sim_now(d->s) + DHCPS_DECLINE_HOLD);
}

static void on_inform(dhcps *d, const struct dhcp_msg *m)
{
    d->st.inform++;
    sim_trace_rec *r = ev_begin(d, SIM_LOG_INFO, "inform");
    if (r != NULL) {
        ev_mac(r, "mac", m->chaddr);
        ev_ip(r, "ip", m->ciaddr);
        sim_trace_end(r);
    }
    if (d->mode == DHCPS_SILENT) {
        trace_ignored(d, m, "silent");
        return;
    }
    /* 4.3.5: parameters only; no lease time, yiaddr left zero. */
    d->st.ack++;
    trace_reply(d, "ack", m, DHCPACK, m->ciaddr, false, NULL);
    send_reply(d, m, DHCPACK, 0, false, NULL);
}

/* ------------------------------------------------------------------ */
/* Parsing                                                               */
/* ------------------------------------------------------------------ */

static bool opt_len_ok(uint8_t code, size_t len)
{
    switch (code) {
    case OPT_SUBNET_MASK:
    case OPT_REQUESTED_IP:
    case OPT_LEASE_TIME:
    case OPT_SERVER_ID:
    case OPT_T1:
    case OPT_T2: return len == 4;
    case OPT_ROUTER:
    case OPT_DNS: return len >= 4 && len % 4 == 0;
    case OPT_OVERLOAD:
    case OPT_MSG_TYPE: return len == 1;
    case OPT_MAX_MSG_SIZE: return len == 2;
    case OPT_PARAM_LIST: return len >= 1;
    case OPT_CLIENT_ID: return len >= 2;
    default: return true;
    }
}

/* One option whose length is already known to fit. Returns why it is bad,
 * or NULL. Repeated options keep their first instance; the concatenation
 * of RFC 3396 is not needed for anything this server reads. */
static const char *take_option(struct dhcp_msg *m, uint8_t code, const uint8_t *v, size_t len, uint8_t *overload)
{
    if (!opt_len_ok(code, len)) {
        m->bad_option = code;
        return "bad option length";
    }
    if (m->seen[code])
        return NULL;
    m->seen[code] = true;
    switch (code) {
    case OPT_MSG_TYPE: m->type = v[0]; break;
    case OPT_REQUESTED_IP:
        m->has_requested = true;
        m->requested = rd32(v);
        break;
    case OPT_SERVER_ID:
        m->has_server_id = true;
        m->server_id = rd32(v);
        break;
    case OPT_CLIENT_ID:
        m->client_id = v;
        m->client_id_len = len;
        break;
    case OPT_OVERLOAD:
        /* 9.3: 1 'file', 2 'sname', 3 both. Only meaningful in the options
         * field itself; inside 'file' or 'sname' it is ignored. */
        if (overload == NULL)
            break;
        if (v[0] < 1 || v[0] > 3) {
            m->bad_option = code;
            return "bad option overload value";
        }
        *overload = v[0];
        break;
    default: break;
    }
    return NULL;
}

/* RFC 2132 section 2: options are code, length, data, except Pad and End,
 * which are one octet. A field may end without End. */
static const char *parse_options(struct dhcp_msg *m, const uint8_t *p, size_t len, uint8_t *overload)
{
    size_t i = 0;
    while (i < len) {
        uint8_t code = p[i];
        if (code == OPT_PAD) {
            i++;
            continue;
        }
        if (code == OPT_END)
            return NULL;
        if (len - i < 2 || p[i + 1] > len - i - 2) {
            m->bad_option = code;
            return "bad option length";
        }
        size_t olen = p[i + 1];
        const char *why = take_option(m, code, p + i + 2, olen, overload);
        if (why != NULL)
            return why;
        i += 2 + olen;
    }
    return NULL;
}

/* A BOOTP/DHCP message from a client (RFC 2131 section 2 and 4.1). */
static const char *parse_dhcp(struct dhcp_msg *m, const uint8_t *p, size_t len)
{
    if (len < BOOTP_OPTIONS)
        return "short BOOTP message";
    if (p[BOOTP_OP] != BOOTREQUEST)
        return "not BOOTREQUEST";
    if (p[BOOTP_HTYPE] != HTYPE_ETHERNET || p[BOOTP_HLEN] != 6)
        return "not an Ethernet client (htype/hlen)";
    if (p[BOOTP_COOKIE] != 99 || p[BOOTP_COOKIE + 1] != 130 || p[BOOTP_COOKIE + 2] != 83 ||
        p[BOOTP_COOKIE + 3] != 99)
        return "bad magic cookie";
    m->xid = rd32(p + BOOTP_XID);
    m->flags = rd16(p + BOOTP_FLAGS);
    m->ciaddr = rd32(p + BOOTP_CIADDR);
    m->giaddr = rd32(p + BOOTP_GIADDR);
    memcpy(m->chaddr, p + BOOTP_CHADDR, 16);

    /* 4.1: 'options' first (it holds any overload option), then 'file',
     * then 'sname'. */
    uint8_t overload = 0;
    const char *why = parse_options(m, p + BOOTP_OPTIONS, len - BOOTP_OPTIONS, &overload);
    if (why == NULL && (overload & 1))
        why = parse_options(m, p + BOOTP_FILE, BOOTP_FILE_LEN, NULL);
    if (why == NULL && (overload & 2))
        why = parse_options(m, p + BOOTP_SNAME, BOOTP_SNAME_LEN, NULL);
    if (why != NULL)
        return why;

    if (m->type == 0) {
        m->bad_option = OPT_MSG_TYPE;
        return "no DHCP message type (plain BOOTP)";
    }
    switch (m->type) {
    case DHCPDISCOVER:
    case DHCPREQUEST:
    case DHCPDECLINE:
    case DHCPRELEASE:
    case DHCPINFORM: break;
    case DHCPOFFER:
    case DHCPACK:
    case DHCPNAK: return "server message type from a client";
    default: return "unknown message type";
    }
    if (!mac_is_usable_unicast(m->chaddr))
        return "bad chaddr";
    /* There is no relay agent in this network; a reply to giaddr would go
     * nowhere. */
    if (m->giaddr != 0)
        return "relayed message (giaddr set)";
    return NULL;
}

struct ipv4_view {
    uint32_t src, dst;
    uint8_t proto;
    const uint8_t *payload;
    size_t payload_len;
};

static const char *parse_ipv4(struct ipv4_view *ip, const uint8_t *p, size_t len)
{
    if (len < IPV4_MIN_HDR)
        return "short IPv4 header";
    if ((p[0] >> 4) != 4)
        return "not IPv4";
    size_t ihl = (size_t)(p[0] & 0x0f) * 4;
    if (ihl < IPV4_MIN_HDR)
        return "bad IPv4 header length";
    if (ihl > len)
        return "short IPv4 header";
    size_t total = rd16(p + 2);
    if (total < ihl)
        return "bad IPv4 total length";
    /* Bytes past total length are Ethernet padding; fewer bytes than it
     * claims means it lies. */
    if (total > len)
        return "overlong IPv4 total length";
    if (csum_fold(csum_add(0, p, ihl)) != 0)
        return "bad IPv4 header checksum";
    /* No reassembly: DHCP messages fit one frame (RFC 2131 section 2). */
    if ((rd16(p + 6) & 0x3fff) != 0)
        return "IPv4 fragment";
    ip->proto = p[9];
    ip->src = rd32(p + 12);
    ip->dst = rd32(p + 16);
    ip->payload = p + ihl;
    ip->payload_len = total - ihl;
    return NULL;
}

static bool arp_input(dhcps *d, const uint8_t *src_mac, bool to_us, const uint8_t *p, size_t len)
{
    if (len < ARP_LEN) {
        trace_drop(d, src_mac, "short ARP", -1);
        return to_us;
    }
    /* RFC 826 for Ethernet and IPv4 only. */
    if (rd16(p) != 1 || rd16(p + 2) != ETHERTYPE_IPV4 || p[4] != 6 || p[5] != 4)
        return to_us;
    uint16_t op = rd16(p + 6);
    const uint8_t *sha = p + 8;
    uint32_t spa = rd32(p + 14);
    uint32_t tpa = rd32(p + 24);
    if (tpa != d->server_ip)
        return to_us;
    if (op != ARP_OP_REQUEST || !mac_is_usable_unicast(sha))
        return true;
    /* Answered even in SILENT mode: that fault silences the DHCP service,
     * not the host it runs on. */
    uint8_t f[ETH_MIN_FRAME];
    memset(f, 0, sizeof f);
    memcpy(f, sha, 6);
    memcpy(f + 6, d->mac, 6);
    wr16(f + 12, ETHERTYPE_ARP);
    uint8_t *a = f + ETH_HDR_LEN;
    wr16(a, 1);
    wr16(a + 2, ETHERTYPE_IPV4);
    a[4] = 6;
    a[5] = 4;
    wr16(a + 6, ARP_OP_REPLY);
    memcpy(a + 8, d->mac, 6);
    wr32(a + 14, d->server_ip);
    memcpy(a + 18, sha, 6);
    wr32(a + 24, spa);
    sim_trace_rec *r = ev_begin(d, SIM_LOG_DEBUG, "arp_reply");
    if (r != NULL) {
        ev_mac(r, "to", sha);
        ev_ip(r, "ip", spa);
        sim_trace_end(r);
    }
    if (d->send != NULL)
        d->send(d->ctx, f, sizeof f);
    return true;
}

static bool ipv4_input(dhcps *d, const uint8_t *src_mac, bool to_us, const uint8_t *p, size_t len)
{
    struct ipv4_view ip;
    const char *why = parse_ipv4(&ip, p, len);
    if (why != NULL) {
        trace_drop(d, src_mac, why, -1);
        return to_us;
    }
    bool to_our_ip = ip.dst == d->server_ip;
    bool ip_bcast = ip.dst == 0xffffffffu || ip.dst == (d->server_ip | ~d->netmask);
    if (!to_our_ip && !ip_bcast) {
        if (!to_us)
            return false;
        trace_drop(d, src_mac, "not our IPv4 address", -1);
        return true;
    }
    if (ip.proto != IPV4_PROTO_UDP) {
        if (!to_our_ip)
            return false;
        trace_drop(d, src_mac, "not UDP", -1);
        return true;
    }
    if (ip.payload_len < UDP_HDR_LEN) {
        trace_drop(d, src_mac, "short UDP", -1);
        return to_our_ip;
    }
    const uint8_t *udp = ip.payload;
    uint16_t sport = rd16(udp), dport = rd16(udp + 2), ulen = rd16(udp + 4);
    if (dport != DHCP_SERVER_PORT) {
        if (!to_our_ip)
            return false;
        trace_drop(d, src_mac, "not the DHCP server port", -1);
        return true;
    }
    /* From here on the frame is a DHCP server's, and consumed. */
    if (ulen < UDP_HDR_LEN) {
        trace_drop(d, src_mac, "short UDP", -1);
        return true;
    }
    if (ulen > ip.payload_len) {
        trace_drop(d, src_mac, "overlong UDP length", -1);
        return true;
    }
    if (rd16(udp + 6) != 0 && udp_checksum(ip.src, ip.dst, udp, ulen) != 0) {
        trace_drop(d, src_mac, "bad UDP checksum", -1);
        return true;
    }
    if (sport != DHCP_CLIENT_PORT) {
        trace_drop(d, src_mac, "source port not 68", -1);
        return true;
    }

    struct dhcp_msg m;
    memset(&m, 0, sizeof m);
    m.bad_option = -1;
    memcpy(m.eth_src, src_mac, 6);
    m.unicast = to_our_ip;
    why = parse_dhcp(&m, udp + UDP_HDR_LEN, (size_t)ulen - UDP_HDR_LEN);
    if (why != NULL) {
        trace_drop(d, src_mac, why, m.bad_option);
        return true;
    }
    switch (m.type) {
    case DHCPDISCOVER: on_discover(d, &m); break;
    case DHCPREQUEST: on_request(d, &m); break;
    case DHCPDECLINE: on_decline(d, &m); break;
    case DHCPRELEASE: on_release(d, &m); break;
    case DHCPINFORM: on_inform(d, &m); break;
    default: break;
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* API                                                                   */
/* ------------------------------------------------------------------ */

#define IPV4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

void dhcps_config_default(dhcps_config *c)
{
    if (c == NULL)
        return;
    memset(c, 0, sizeof *c);
    c->name = "dhcp";
    /* a locally administered MAC, so a config that sets nothing still works */
    const uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0xd0, 0x01};
    memcpy(c->mac, mac, 6);
    c->server_ip = IPV4(10, 0, 2, 254);
    c->netmask = IPV4(255, 255, 255, 0);
    c->router = IPV4(10, 0, 2, 2);
    c->dns = IPV4(10, 0, 2, 3);
    c->pool_start = IPV4(10, 0, 2, 15);
    c->pool_end = IPV4(10, 0, 2, 99);
    c->lease_s = 3600;
}

static int check_pool(uint32_t start, uint32_t end, uint32_t netmask, sim_err *err)
{
    if (!netmask_ok(netmask))
        return sim_err_set(err, SIM_EINVAL, "dhcps: netmask 0x%08x is not a /1../30 mask", (unsigned)netmask);
    if (end >= start && (start & netmask) != (end & netmask))
        return sim_err_set(err, SIM_EINVAL, "dhcps: pool must lie in one subnet");
    return SIM_OK;
}

dhcps *dhcps_create(sim *s, const dhcps_config *cfg, dhcps_send_fn send, void *ctx, sim_err *err)
{
    if (s == NULL || cfg == NULL) {
        sim_err_set(err, SIM_EINVAL, "dhcps: sim and config are required");
        return NULL;
    }
    dhcps_config def;
    dhcps_config_default(&def);
    /* Zero fields take the defaults, so a config filled by hand only names
     * what it changes. */
    const char *name = cfg->name != NULL && cfg->name[0] != '\0' ? cfg->name : def.name;
    uint32_t server_ip = cfg->server_ip ? cfg->server_ip : def.server_ip;
    uint32_t netmask = cfg->netmask ? cfg->netmask : def.netmask;
    uint32_t router = cfg->router ? cfg->router : def.router;
    uint32_t dns = cfg->dns ? cfg->dns : def.dns;
    uint32_t pool_start = cfg->pool_start, pool_end = cfg->pool_end;
    if (pool_start == 0 && pool_end == 0) {
        pool_start = def.pool_start;
        pool_end = def.pool_end;
    }
    uint32_t lease = cfg->lease_s ? cfg->lease_s : def.lease_s;
    if (!mac_is_usable_unicast(cfg->mac)) {
        sim_err_set(err, SIM_EINVAL, "dhcps %s: MAC must be a unicast, nonzero address", name);
        return NULL;
    }
    if (check_pool(pool_start, pool_end, netmask, err) != SIM_OK ||
        check_lease_times(lease, cfg->t1_s, cfg->t2_s, err) != SIM_OK)
        return NULL;

    dhcps *d = calloc(1, sizeof *d);
    if (d == NULL || (d->name = dup_str(name)) == NULL) {
        free(d);
        sim_err_set(err, SIM_ENOMEM, "dhcps: out of memory");
        return NULL;
    }
    d->s = s;
    d->send = send;
    d->ctx = ctx;
    memcpy(d->mac, cfg->mac, 6);
    d->server_ip = server_ip;
    d->netmask = netmask;
    d->router = router;
    d->dns = dns;
    d->pool_start = pool_start;
    d->pool_end = pool_end;
    d->lease_s = lease;
    d->t1_s = cfg->t1_s;
    d->t2_s = cfg->t2_s;
    d->mode = DHCPS_NORMAL;
    return d;
}

void dhcps_destroy(dhcps *d)
{
    if (d == NULL)
        return;
    dhcps_forget_leases(d);
    free(d->b);
    free(d->name);
    free(d);
}

bool dhcps_input(dhcps *d, const uint8_t *eth, size_t len)
{
    if (d == NULL || eth == NULL)
        return false;
    if (len < ETH_HDR_LEN) {
        trace_drop(d, NULL, "short frame", -1);
        return false;
    }
    const uint8_t *dst = eth, *src = eth + 6;
    bool to_us = mac_eq(dst, d->mac);
    if (mac_eq(src, d->mac))
        return false;
    uint16_t type = rd16(eth + 12);
    const uint8_t *p = eth + ETH_HDR_LEN;
    size_t n = len - ETH_HDR_LEN;
    if (!to_us && !mac_is_broadcast(dst)) {
        /* A client on another subnet than ours (a pool moved there) renews
         * by unicast to our address through its router: the router hands
         * it on to us, so DHCP to our address and port is ours whatever
         * MAC it was sent to. Anything else is not. */
        struct ipv4_view ip;
        if (type != ETHERTYPE_IPV4 || parse_ipv4(&ip, p, n) != NULL || ip.dst != d->server_ip ||
            ip.proto != IPV4_PROTO_UDP || ip.payload_len < UDP_HDR_LEN || rd16(ip.payload + 2) != DHCP_SERVER_PORT)
            return false;
        return ipv4_input(d, src, true, p, n);
    }
    if (type == ETHERTYPE_ARP)
        return arp_input(d, src, to_us, p, n);
    if (type != ETHERTYPE_IPV4) {
        if (!to_us)
            return false;
        trace_drop(d, src, "not IPv4", -1);
        return true;
    }
    return ipv4_input(d, src, to_us, p, n);
}

void dhcps_set_mode(dhcps *d, dhcps_mode mode)
{
    if (d == NULL || d->mode == mode)
        return;
    d->mode = mode;
    static const char *const names[] = {"normal", "ignore_renewals", "nak_renewals", "silent"};
    sim_trace_rec *r = ev_begin(d, SIM_LOG_INFO, "mode");
    if (r != NULL) {
        sim_trace_str(r, "mode", (unsigned)mode < 4 ? names[mode] : "?");
        sim_trace_end(r);
    }
}

dhcps_mode dhcps_get_mode(const dhcps *d)
{
    return d != NULL ? d->mode : DHCPS_NORMAL;
}

int dhcps_set_pool(dhcps *d, uint32_t pool_start, uint32_t pool_end, uint32_t netmask, uint32_t router,
                   uint32_t server_ip, sim_err *err)
{
    if (d == NULL)
        return sim_err_set(err, SIM_EINVAL, "dhcps: no server");
    int rc = check_pool(pool_start, pool_end, netmask, err);
    if (rc != SIM_OK)
        return rc;
    d->pool_start = pool_start;
    d->pool_end = pool_end;
    d->netmask = netmask;
    d->router = router;
    if (server_ip != 0)
        d->server_ip = server_ip;
    /* Bindings are left as they are: each is judged against the new pool
     * when its client next speaks (lease_valid). */
    sim_trace_rec *r = ev_begin(d, SIM_LOG_INFO, "pool");
    if (r != NULL) {
        ev_ip(r, "start", pool_start);
        ev_ip(r, "end", pool_end);
        ev_ip(r, "netmask", netmask);
        ev_ip(r, "router", router);
        ev_ip(r, "server", d->server_ip);
        sim_trace_bool(r, "empty", pool_empty(d));
        sim_trace_end(r);
    }
    return SIM_OK;
}

void dhcps_get_pool(const dhcps *d, uint32_t *pool_start, uint32_t *pool_end, uint32_t *netmask, uint32_t *router,
                    uint32_t *server_ip)
{
    if (d == NULL)
        return;
    if (pool_start)
        *pool_start = d->pool_start;
    if (pool_end)
        *pool_end = d->pool_end;
    if (netmask)
        *netmask = d->netmask;
    if (router)
        *router = d->router;
    if (server_ip)
        *server_ip = d->server_ip;
}

int dhcps_set_lease_time(dhcps *d, uint32_t lease_s, uint32_t t1_s, uint32_t t2_s, sim_err *err)
{
    if (d == NULL)
        return sim_err_set(err, SIM_EINVAL, "dhcps: no server");
    int rc = check_lease_times(lease_s, t1_s, t2_s, err);
    if (rc != SIM_OK)
        return rc;
    d->lease_s = lease_s;
    d->t1_s = t1_s;
    d->t2_s = t2_s;
    return SIM_OK;
}

void dhcps_forget_leases(dhcps *d)
{
    if (d == NULL)
        return;
    while (d->nb > 0)
        binding_remove(d, d->nb - 1);
}

size_t dhcps_lease_count(const dhcps *d)
{
    if (d == NULL)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < d->nb; i++)
        if (effective_state(d, d->b[i]) == BINDING_BOUND)
            n++;
    return n;
}

bool dhcps_lease_of(const dhcps *d, const uint8_t mac[6], uint32_t *ip, sim_time *expires)
{
    if (d == NULL || mac == NULL)
        return false;
    for (size_t i = 0; i < d->nb; i++) {
        const struct binding *b = d->b[i];
        if (b->kind != KEY_NONE && mac_eq(b->mac, mac) && effective_state(d, b) == BINDING_BOUND) {
            if (ip != NULL)
                *ip = b->ip;
            if (expires != NULL)
                *expires = b->expires;
            return true;
        }
    }
    return false;
}

void dhcps_get_stats(const dhcps *d, dhcps_stats *out)
{
    if (out == NULL)
        return;
    if (d == NULL)
        memset(out, 0, sizeof *out);
    else
        *out = d->st;
}
