/* lwIP netif glue over the Ethernet driver API. Runs in the device's
 * context: the driver's callbacks arrive at yield points (board_call), so
 * lwIP is only ever entered from one context, as NO_SYS=1 requires. */
#include "eth_netif.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth_chip.h"
#include "netif_glue.h"
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"

struct eth_netif_state {
    struct netif nif; /* first: found back from lwIP's netif list */
    char hostname[33];
    netif_addressing addr;
    void (*hook)(void *ctx, bool up);
    void *hook_ctx;
};

static err_t linkoutput(struct netif *nif, struct pbuf *p);

/* The glue's state hangs off lwIP's own netif list (netif->state of the
 * netif whose linkoutput is ours), so nothing here is a global. */
static struct eth_netif_state *state_of(void)
{
    struct netif *n;
    NETIF_FOREACH(n) {
        if (n->linkoutput == linkoutput)
            return n->state;
    }
    return NULL;
}

static err_t linkoutput(struct netif *nif, struct pbuf *p)
{
    (void)nif;
    uint8_t buf[1600];
    if (p->tot_len > sizeof buf)
        return ERR_BUF;
    u16_t n = pbuf_copy_partial(p, buf, p->tot_len, 0);
    return eth_send(n, buf) == ETH_OK ? ERR_OK : ERR_IF;
}

static err_t nif_init(struct netif *nif)
{
    struct eth_netif_state *st = nif->state;
    nif->name[0] = 'e';
    nif->name[1] = 'n';
    nif->output = etharp_output;
    nif->linkoutput = linkoutput;
    nif->mtu = 1500;
    nif->hwaddr_len = 6;
    eth_get_mac(nif->hwaddr);
    nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
#if LWIP_NETIF_HOSTNAME
    nif->hostname = st->hostname[0] ? st->hostname : NULL;
#else
    (void)st;
#endif
    return ERR_OK;
}

static void on_frame(void *ctx, size_t len, const uint8_t *frame)
{
    struct eth_netif_state *st = ctx;
    if (len == 0 || len > 0xffff)
        return;
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
    if (p == NULL)
        return; /* out of pbufs: dropped, as a real driver does */
    pbuf_take(p, frame, (u16_t)len);
    if (st->nif.input(p, &st->nif) != ERR_OK)
        pbuf_free(p);
}

static void on_link_up(void *ctx)
{
    struct eth_netif_state *st = ctx;
    netif_glue_link_up(&st->nif, &st->addr);
    if (netif_default == NULL || !netif_is_link_up(netif_default))
        netif_set_default(&st->nif);
    if (st->hook)
        st->hook(st->hook_ctx, true);
}

static void on_link_down(void *ctx)
{
    struct eth_netif_state *st = ctx;
    netif_set_link_down(&st->nif);
    if (st->hook)
        st->hook(st->hook_ctx, false);
}

struct netif *eth_netif_init(const char *hostname)
{
    struct eth_netif_state *st = state_of();
    if (st != NULL)
        return &st->nif;
    st = calloc(1, sizeof *st);
    if (st == NULL)
        return NULL;
    if (hostname != NULL)
        snprintf(st->hostname, sizeof st->hostname, "%s", hostname);
    if (netif_add(&st->nif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, st, nif_init, netif_input) == NULL) {
        free(st);
        return NULL;
    }
    if (netif_default == NULL)
        netif_set_default(&st->nif);
    netif_set_up(&st->nif);
    eth_callbacks cb = {
        .ctx = st,
        .process_ethernet = on_frame,
        .link_up = on_link_up,
        .link_down = on_link_down,
    };
    eth_set_callbacks(&cb);
    /* The port may have come up before the glue existed. */
    if (eth_link_status() == ETH_LINK_UP)
        on_link_up(st);
    return &st->nif;
}

struct netif *eth_netif(void)
{
    struct eth_netif_state *st = state_of();
    return st ? &st->nif : NULL;
}

bool eth_netif_has_ip(void)
{
    struct eth_netif_state *st = state_of();
    if (st == NULL || !netif_is_link_up(&st->nif) || ip4_addr_isany_val(*netif_ip4_addr(&st->nif)))
        return false;
#if LWIP_DHCP
    if (st->addr.dhcp_started)
        return dhcp_supplied_address(&st->nif) != 0;
#endif
    return true;
}

void eth_netif_set_static(const ip4_addr_t *ip, const ip4_addr_t *netmask, const ip4_addr_t *gw)
{
    struct eth_netif_state *st = state_of();
    if (st == NULL)
        return;
    netif_glue_set_static(&st->nif, &st->addr, ip, netmask, gw);
}

void eth_netif_set_link_hook(void (*hook)(void *ctx, bool up), void *ctx)
{
    struct eth_netif_state *st = state_of();
    if (st == NULL)
        return;
    st->hook = hook;
    st->hook_ctx = ctx;
}

void eth_netif_stop(void)
{
    struct eth_netif_state *st = state_of();
    if (st == NULL)
        return;
    netif_set_link_down(&st->nif);
#if LWIP_DHCP
    if (st->addr.dhcp_started) {
        dhcp_release_and_stop(&st->nif);
        st->addr.dhcp_started = false;
    }
#endif
    if (!st->addr.use_static)
        netif_set_addr(&st->nif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4);
    /* Down and up again flushes the ARP cache, as netif_remove does in
     * MicroPython's eth_stop: a powered-down MAC keeps nothing, and the
     * DHCPRELEASE lwIP parked behind an ARP query for the server must not
     * go out after the next power-up (it would free the lease the device
     * is then using). */
    netif_set_down(&st->nif);
    netif_set_up(&st->nif);
}
