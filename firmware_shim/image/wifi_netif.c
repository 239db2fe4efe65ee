/* lwIP netif glue over the chip driver API. Runs in the device's context:
 * the chip's callbacks arrive at yield points (board_call), so lwIP is only
 * ever entered from one context, as NO_SYS=1 requires. */
#include "wifi_netif.h"

#include <stdlib.h>
#include <string.h>

#include "netif_glue.h"
#include "wifi_ap_netif.h"
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "wifi_chip.h"

struct wifi_netif_state {
    struct netif nif; /* first: found back from lwIP's netif list */
    const char *hostname;
    netif_addressing addr;
    void (*hook)(void *ctx, bool up);
    void *hook_ctx;
};

static err_t linkoutput(struct netif *nif, struct pbuf *p);

/* The glue's state hangs off lwIP's own netif list (netif->state of the
 * netif whose linkoutput is ours), so the board keeps no global for it. */
static struct wifi_netif_state *state_of(void)
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
    return chip_send_ethernet(CHIP_ITF_STA, n, buf) == CHIP_OK ? ERR_OK : ERR_IF;
}

static err_t nif_init(struct netif *nif)
{
    struct wifi_netif_state *st = nif->state;
    nif->name[0] = 'w';
    nif->name[1] = 'l';
    nif->output = etharp_output;
    nif->linkoutput = linkoutput;
    nif->mtu = 1500;
    nif->hwaddr_len = 6;
    chip_wifi_get_mac(CHIP_ITF_STA, nif->hwaddr);
    nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
#if LWIP_NETIF_HOSTNAME
    nif->hostname = st->hostname;
#else
    (void)st;
#endif
    return ERR_OK;
}

static void on_frame(void *ctx, int itf, size_t len, const uint8_t *frame)
{
    struct wifi_netif_state *st = ctx;
    if (itf == CHIP_ITF_AP) {
        wifi_ap_netif_input(frame, len);
        return;
    }
    if (len == 0 || len > 0xffff)
        return;
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
    if (p == NULL)
        return; /* out of pbufs: dropped, as a real driver does */
    pbuf_take(p, frame, (u16_t)len);
    if (st->nif.input(p, &st->nif) != ERR_OK)
        pbuf_free(p);
}

static void on_link_up(void *ctx, int itf)
{
    struct wifi_netif_state *st = ctx;
    (void)itf;
    netif_glue_link_up(&st->nif, &st->addr);
    if (st->hook)
        st->hook(st->hook_ctx, true);
}

static void on_link_down(void *ctx, int itf)
{
    struct wifi_netif_state *st = ctx;
    (void)itf;
    netif_set_link_down(&st->nif);
    if (st->hook)
        st->hook(st->hook_ctx, false);
}

static bool has_ip(void *ctx, int itf)
{
    struct wifi_netif_state *st = ctx;
    (void)itf;
    return !ip4_addr_isany_val(*netif_ip4_addr(&st->nif));
}

struct netif *wifi_netif_init(const char *hostname)
{
    struct wifi_netif_state *st = state_of();
    if (st != NULL)
        return &st->nif;
    st = calloc(1, sizeof *st);
    if (st == NULL)
        return NULL;
    st->hostname = hostname;
    if (netif_add(&st->nif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, st, nif_init, netif_input) == NULL) {
        free(st);
        return NULL;
    }
    netif_set_default(&st->nif);
    netif_set_up(&st->nif);
    chip_callbacks cb = {
        .ctx = st,
        .process_ethernet = on_frame,
        .link_up = on_link_up,
        .link_down = on_link_down,
        .has_ip = has_ip,
    };
    chip_set_callbacks(&cb);
    return &st->nif;
}

struct netif *wifi_netif(void)
{
    struct wifi_netif_state *st = state_of();
    return st ? &st->nif : NULL;
}

bool wifi_netif_has_ip(void)
{
    struct wifi_netif_state *st = state_of();
    return st != NULL && netif_is_link_up(&st->nif) && has_ip(st, CHIP_ITF_STA);
}

void wifi_netif_set_static(const ip4_addr_t *ip, const ip4_addr_t *netmask, const ip4_addr_t *gw)
{
    struct wifi_netif_state *st = state_of();
    if (st == NULL)
        return;
    netif_glue_set_static(&st->nif, &st->addr, ip, netmask, gw);
}

void wifi_netif_set_link_hook(void (*hook)(void *ctx, bool up), void *ctx)
{
    struct wifi_netif_state *st = state_of();
    if (st == NULL)
        return;
    st->hook = hook;
    st->hook_ctx = ctx;
}
