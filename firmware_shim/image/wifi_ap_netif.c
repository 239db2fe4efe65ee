/* lwIP netif over the chip's AP interface (wifi_ap_netif.h). Like
 * wifi_netif.c, its state hangs off lwIP's netif list, so the image keeps
 * no global for it. */
#include "wifi_ap_netif.h"

#include <stdlib.h>
#include <string.h>

#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "wifi_chip.h"
#include "wifi_netif.h"

static err_t ap_linkoutput(struct netif *nif, struct pbuf *p)
{
    (void)nif;
    uint8_t buf[1600];
    if (p->tot_len > sizeof buf)
        return ERR_BUF;
    u16_t n = pbuf_copy_partial(p, buf, p->tot_len, 0);
    /* a station that left meanwhile: dropped by the chip, not an error of
     * the interface (lwIP would otherwise count a link failure) */
    int rc = chip_send_ethernet(CHIP_ITF_AP, n, buf);
    return rc == CHIP_OK || rc == CHIP_ENOTCONN ? ERR_OK : ERR_IF;
}

struct netif *wifi_ap_netif(void)
{
    struct netif *n;
    NETIF_FOREACH(n) {
        if (n->linkoutput == ap_linkoutput)
            return n;
    }
    return NULL;
}

static err_t ap_nif_init(struct netif *nif)
{
    nif->name[0] = 'a';
    nif->name[1] = 'p';
    nif->output = etharp_output;
    nif->linkoutput = ap_linkoutput;
    nif->mtu = 1500;
    nif->hwaddr_len = 6;
    chip_wifi_get_mac(CHIP_ITF_AP, nif->hwaddr);
    nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    return ERR_OK;
}

struct netif *wifi_ap_netif_init(const ip4_addr_t *ip, const ip4_addr_t *netmask)
{
    ip4_addr_t a, m;
    IP4_ADDR(&a, 192, 168, 4, 1);
    IP4_ADDR(&m, 255, 255, 255, 0);
    if (ip != NULL)
        a = *ip;
    if (netmask != NULL)
        m = *netmask;
    if (wifi_netif() == NULL && wifi_netif_init(NULL) == NULL)
        return NULL; /* the chip's callbacks are the STA glue's */
    struct netif *n = wifi_ap_netif();
    if (n != NULL) {
        netif_set_addr(n, &a, &m, IP4_ADDR_ANY4);
        return n;
    }
    n = calloc(1, sizeof *n);
    if (n == NULL)
        return NULL;
    if (netif_add(n, &a, &m, IP4_ADDR_ANY4, NULL, ap_nif_init, netif_input) == NULL) {
        free(n);
        return NULL;
    }
    netif_set_up(n);
    netif_set_link_up(n);
    return n;
}

void wifi_ap_netif_remove(void)
{
    struct netif *n = wifi_ap_netif();
    if (n == NULL)
        return;
    netif_remove(n);
    free(n);
}

void wifi_ap_netif_input(const uint8_t *frame, size_t len)
{
    struct netif *n = wifi_ap_netif();
    if (n == NULL || len == 0 || len > 0xffff)
        return;
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
    if (p == NULL)
        return;
    pbuf_take(p, frame, (u16_t)len);
    if (n->input(p, n) != ERR_OK)
        pbuf_free(p);
}
