/* The camera's DHCP server (dhcp_server.h). Messages are parsed as
 * untrusted bytes: every length is checked before it is read. */
#include "dhcp_server.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hal.h"
#include "lwip/ip.h"
#include "lwip/ip4_addr.h"
#include "lwip/pbuf.h"
#include "lwip/udp.h"

/* RFC 2131 section 2 (message format), RFC 2132 (options). */
#define BOOTP_FIXED 236
#define DHCP_MAGIC 0x63825363u
#define DHCP_MAX_MSG 576
#define OPT_PAD 0
#define OPT_SUBNET_MASK 1
#define OPT_ROUTER 3
#define OPT_DNS 6
#define OPT_REQUESTED_IP 50
#define OPT_LEASE_TIME 51
#define OPT_MSG_TYPE 53
#define OPT_SERVER_ID 54
#define OPT_END 255
enum { DHCPDISCOVER = 1, DHCPOFFER, DHCPREQUEST, DHCPDECLINE, DHCPACK, DHCPNAK, DHCPRELEASE, DHCPINFORM };
#define OFFER_HOLD_MS 60000u

struct lease {
    enum { FREE, OFFERED, BOUND } state;
    uint8_t mac[6];
    uint32_t since_ms; /* hal_ticks_ms of the offer or the ACK */
};

struct dhcp_server {
    struct udp_pcb *pcb;
    struct netif *nif;
    uint32_t base; /* host order: the first pool address */
    int count;
    uint32_t lease_s;
    struct lease leases[DHCP_SERVER_MAX_LEASES];
};

static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t own_ip(const dhcp_server *d) { return lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(d->nif))); }

/* Ends leases and offers whose time is over (checked at each message). */
static void expire(dhcp_server *d)
{
    uint32_t now = hal_ticks_ms();
    for (int i = 0; i < d->count; i++) {
        struct lease *l = &d->leases[i];
        uint32_t age = (uint32_t)hal_ticks_diff(now, l->since_ms);
        if ((l->state == OFFERED && age >= OFFER_HOLD_MS) ||
            (l->state == BOUND && (uint64_t)age >= (uint64_t)d->lease_s * 1000u))
            l->state = FREE;
    }
}

static int find_mac(const dhcp_server *d, const uint8_t mac[6])
{
    for (int i = 0; i < d->count; i++)
        if (d->leases[i].state != FREE && memcmp(d->leases[i].mac, mac, 6) == 0)
            return i;
    return -1;
}

static int index_of(const dhcp_server *d, uint32_t ip)
{
    if (ip < d->base || ip >= d->base + (uint32_t)d->count)
        return -1;
    return (int)(ip - d->base);
}

/* Finds option code in the options area; its value and length, or NULL. */
static const uint8_t *find_opt(const uint8_t *opt, size_t len, uint8_t code, uint8_t *olen)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = opt[i];
        if (c == OPT_END)
            break;
        if (c == OPT_PAD) {
            i++;
            continue;
        }
        if (i + 1 >= len || i + 2 + opt[i + 1] > len)
            return NULL; /* truncated: the message is not trusted further */
        if (c == code) {
            *olen = opt[i + 1];
            return opt + i + 2;
        }
        i += 2u + opt[i + 1];
    }
    return NULL;
}

static void reply(dhcp_server *d, const uint8_t *req, uint8_t type, uint32_t yiaddr)
{
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 300, PBUF_RAM);
    if (p == NULL)
        return;
    uint8_t *m = p->payload;
    memset(m, 0, 300);
    m[0] = 2;                 /* op: BOOTREPLY */
    m[1] = 1;                 /* htype: Ethernet */
    m[2] = 6;                 /* hlen */
    memcpy(m + 4, req + 4, 4); /* xid */
    memcpy(m + 10, req + 10, 2); /* flags (broadcast bit) */
    uint32_t ciaddr = rd32(req + 12);
    if (type != DHCPNAK)
        wr32(m + 16, yiaddr); /* yiaddr */
    memcpy(m + 28, req + 28, 16); /* chaddr */
    wr32(m + BOOTP_FIXED, DHCP_MAGIC);
    uint8_t *o = m + BOOTP_FIXED + 4;
    uint32_t me = own_ip(d);
    *o++ = OPT_MSG_TYPE, *o++ = 1, *o++ = type;
    *o++ = OPT_SERVER_ID, *o++ = 4, wr32(o, me), o += 4;
    if (type != DHCPNAK) {
        *o++ = OPT_LEASE_TIME, *o++ = 4, wr32(o, d->lease_s), o += 4;
        *o++ = OPT_SUBNET_MASK, *o++ = 4, wr32(o, lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(d->nif)))), o += 4;
        *o++ = OPT_ROUTER, *o++ = 4, wr32(o, me), o += 4;
        *o++ = OPT_DNS, *o++ = 4, wr32(o, me), o += 4;
    }
    *o++ = OPT_END;
    ip_addr_t dst;
    /* 4.1: to ciaddr when the client has one (RENEWING); a NAK and
     * everything else to the broadcast address */
    if (ciaddr != 0 && type != DHCPNAK)
        ip_addr_set_ip4_u32(&dst, lwip_htonl(ciaddr));
    else
        ip_addr_set_ip4_u32(&dst, IPADDR_BROADCAST);
    udp_sendto_if(d->pcb, p, &dst, 68, d->nif);
    pbuf_free(p);
    char ip[16], mac[18];
    ip4_addr_t a;
    ip4_addr_set_u32(&a, lwip_htonl(yiaddr));
    ip4addr_ntoa_r(&a, ip, sizeof ip);
    static const char hex[] = "0123456789abcdef";
    for (int k = 0; k < 6; k++) {
        mac[3 * k] = hex[req[28 + k] >> 4];
        mac[3 * k + 1] = hex[req[28 + k] & 15];
        mac[3 * k + 2] = k < 5 ? ':' : '\0';
    }
    HAL_TRACE("dhcps", HAL_STR("msg", type == DHCPOFFER ? "offer" : type == DHCPACK ? "ack" : "nak"),
              HAL_STR("mac", mac), HAL_STR("ip", type == DHCPNAK ? "" : ip));
}

static void on_message(dhcp_server *d, const uint8_t *m, size_t len)
{
    if (len < BOOTP_FIXED + 4 || m[0] != 1 || m[1] != 1 || m[2] != 6 || rd32(m + BOOTP_FIXED) != DHCP_MAGIC)
        return;
    const uint8_t *opts = m + BOOTP_FIXED + 4;
    size_t olen = len - BOOTP_FIXED - 4;
    uint8_t n = 0;
    const uint8_t *t = find_opt(opts, olen, OPT_MSG_TYPE, &n);
    if (t == NULL || n != 1)
        return;
    const uint8_t *mac = m + 28;
    expire(d);
    int have = find_mac(d, mac);
    const uint8_t *sid = find_opt(opts, olen, OPT_SERVER_ID, &n);
    bool sid_ok = sid != NULL && n == 4;
    uint32_t me = own_ip(d);
    switch (t[0]) {
    case DHCPDISCOVER: {
        int i = have;
        if (i < 0) {
            /* 4.3.1: the requested address if it is free, else any free one */
            const uint8_t *rq = find_opt(opts, olen, OPT_REQUESTED_IP, &n);
            int want = rq != NULL && n == 4 ? index_of(d, rd32(rq)) : -1;
            if (want >= 0 && d->leases[want].state == FREE)
                i = want;
            for (int k = 0; i < 0 && k < d->count; k++)
                if (d->leases[k].state == FREE)
                    i = k;
        }
        if (i < 0)
            return; /* pool exhausted: no offer (4.3.1 leaves it to the server) */
        if (d->leases[i].state != BOUND) {
            d->leases[i].state = OFFERED;
            d->leases[i].since_ms = hal_ticks_ms();
        }
        memcpy(d->leases[i].mac, mac, 6);
        reply(d, m, DHCPOFFER, d->base + (uint32_t)i);
        return;
    }
    case DHCPREQUEST: {
        if (sid_ok && rd32(sid) != me) {
            /* another server was chosen: our offer is withdrawn */
            if (have >= 0 && d->leases[have].state == OFFERED)
                d->leases[have].state = FREE;
            return;
        }
        const uint8_t *rq = find_opt(opts, olen, OPT_REQUESTED_IP, &n);
        uint32_t want = rq != NULL && n == 4 ? rd32(rq) : rd32(m + 12); /* SELECTING/INIT-REBOOT : RENEWING */
        int i = index_of(d, want);
        if (!sid_ok && have < 0)
            return; /* 4.3.2 INIT-REBOOT: "no record of this client ... MUST remain silent" */
        if (i < 0 || i != have) {
            reply(d, m, DHCPNAK, 0); /* 4.3.2: not this station's address here */
            return;
        }
        d->leases[i].state = BOUND;
        d->leases[i].since_ms = hal_ticks_ms();
        reply(d, m, DHCPACK, want);
        return;
    }
    case DHCPDECLINE:
    case DHCPRELEASE:
        if (have >= 0)
            d->leases[have].state = FREE;
        return;
    default:
        return; /* INFORM: not served (no options beyond the ACK's to give) */
    }
}

static void on_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    (void)pcb;
    (void)addr;
    (void)port;
    dhcp_server *d = arg;
    uint8_t buf[DHCP_MAX_MSG + 600];
    if (ip_current_input_netif() == d->nif && p->tot_len <= sizeof buf) {
        u16_t n = pbuf_copy_partial(p, buf, p->tot_len, 0);
        on_message(d, buf, n);
    }
    pbuf_free(p);
}

dhcp_server *dhcp_server_start(struct netif *nif, uint8_t first_host, int count, uint32_t lease_s)
{
    if (nif == NULL || count < 1 || count > DHCP_SERVER_MAX_LEASES || lease_s == 0)
        return NULL;
    dhcp_server *d = calloc(1, sizeof *d);
    if (d == NULL)
        return NULL;
    d->nif = nif;
    d->count = count;
    d->lease_s = lease_s;
    uint32_t mask = lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(nif)));
    d->base = (lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(nif))) & mask) | first_host;
    d->pcb = udp_new();
    if (d->pcb == NULL) {
        free(d);
        return NULL;
    }
    ip_set_option(d->pcb, SOF_BROADCAST);
    if (udp_bind(d->pcb, IP_ANY_TYPE, 67) != ERR_OK) {
        udp_remove(d->pcb);
        free(d);
        return NULL;
    }
    udp_recv(d->pcb, on_recv, d);
    return d;
}

void dhcp_server_stop(dhcp_server *d)
{
    if (d == NULL)
        return;
    udp_remove(d->pcb);
    free(d);
}

int dhcp_server_leases(const dhcp_server *d)
{
    int n = 0;
    for (int i = 0; d != NULL && i < d->count; i++)
        n += d->leases[i].state == BOUND;
    return n;
}
