#include "sim/router_arp.h"

#include <stdlib.h>
#include <string.h>

/* ARP over Ethernet for IPv4 (RFC 826): the Ethernet header, then htype 1,
 * ptype 0x0800, hlen 6, plen 4, op, sha, spa, tha, tpa. */
#define ETH_HDR 14
#define ARP_LEN 28
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

struct entry {
    uint32_t ip;
    uint8_t mac[6];
    sim_time seen;
};

struct answer {
    struct router_arp *ra;
    struct answer *next;
    sim_timer_id timer;
    uint8_t eth[ETH_HDR + ARP_LEN];
};

struct router_arp {
    sim *s;
    router_arp_send_fn send;
    void *ctx;
    struct entry e[ROUTER_ARP_MAX_ENTRIES];
    int n;
    struct answer *pending;
};

router_arp *router_arp_create(sim *s, router_arp_send_fn send, void *ctx)
{
    router_arp *ra = calloc(1, sizeof *ra);
    if (ra == NULL)
        return NULL;
    ra->s = s;
    ra->send = send;
    ra->ctx = ctx;
    return ra;
}

void router_arp_destroy(router_arp *ra)
{
    if (ra == NULL)
        return;
    while (ra->pending != NULL) {
        struct answer *a = ra->pending;
        ra->pending = a->next;
        sim_cancel(ra->s, a->timer);
        free(a);
    }
    free(ra);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The ARP payload of an Ethernet frame for IPv4, or NULL. */
static const uint8_t *arp_of(const uint8_t *eth, size_t len)
{
    if (len < ETH_HDR + ARP_LEN || eth[12] != 0x08 || eth[13] != 0x06)
        return NULL;
    const uint8_t *a = eth + ETH_HDR;
    if (a[0] != 0 || a[1] != 1 || a[2] != 0x08 || a[3] != 0x00 || a[4] != 6 || a[5] != 4)
        return NULL;
    return a;
}

static struct entry *find(router_arp *ra, uint32_t ip)
{
    for (int i = 0; i < ra->n; i++)
        if (ra->e[i].ip == ip)
            return &ra->e[i];
    return NULL;
}

void router_arp_learn(router_arp *ra, const uint8_t *eth, size_t len)
{
    const uint8_t *a = arp_of(eth, len);
    if (a == NULL)
        return;
    unsigned op = (unsigned)a[6] << 8 | a[7];
    uint32_t spa = rd32(a + 14);
    const uint8_t *sha = a + 8;
    /* an address probe (RFC 5227, sender 0.0.0.0) claims nothing yet */
    if ((op != ARP_OP_REQUEST && op != ARP_OP_REPLY) || spa == 0 || (sha[0] & 1))
        return;
    sim_time now = sim_now(ra->s);
    struct entry *e = find(ra, spa);
    if (e == NULL) {
        if (ra->n < ROUTER_ARP_MAX_ENTRIES) {
            e = &ra->e[ra->n++];
        } else {
            /* full: the least recently refreshed entry goes */
            e = &ra->e[0];
            for (int i = 1; i < ra->n; i++)
                if (ra->e[i].seen < e->seen)
                    e = &ra->e[i];
        }
        e->ip = spa;
    }
    memcpy(e->mac, sha, 6);
    e->seen = now;
}

static void answer_fire(void *arg)
{
    struct answer *a = arg;
    router_arp *ra = a->ra;
    for (struct answer **pp = &ra->pending; *pp != NULL; pp = &(*pp)->next)
        if (*pp == a) {
            *pp = a->next;
            break;
        }
    ra->send(ra->ctx, a->eth, sizeof a->eth);
    free(a);
}

bool router_arp_answer(router_arp *ra, const uint8_t *eth, size_t len)
{
    const uint8_t *a = arp_of(eth, len);
    if (a == NULL || ((unsigned)a[6] << 8 | a[7]) != ARP_OP_REQUEST)
        return false;
    struct entry *e = find(ra, rd32(a + 24));
    if (e == NULL || sim_now(ra->s) - e->seen > ROUTER_ARP_MAX_AGE)
        return false;
    struct answer *ans = calloc(1, sizeof *ans);
    if (ans == NULL)
        return false; /* asked on the wire instead: slower, still right */
    ans->ra = ra;
    uint8_t *r = ans->eth;
    memcpy(r, a + 8, 6);      /* to the asker */
    memcpy(r + 6, e->mac, 6); /* from the station */
    r[12] = 0x08;
    r[13] = 0x06;
    uint8_t *p = r + ETH_HDR;
    memcpy(p, a, 6); /* htype, ptype, hlen, plen as asked */
    p[6] = 0;
    p[7] = ARP_OP_REPLY;
    memcpy(p + 8, e->mac, 6);  /* sha */
    memcpy(p + 14, a + 24, 4); /* spa: the address asked for */
    memcpy(p + 18, a + 8, 6);  /* tha: the asker */
    memcpy(p + 24, a + 14, 4); /* tpa */
    ans->timer = sim_at(ra->s, sim_now(ra->s), answer_fire, ans);
    if (ans->timer == 0) {
        free(ans);
        return false;
    }
    ans->next = ra->pending;
    ra->pending = ans;
    return true;
}
