#include "netif_glue.h"

#include "lwip/dhcp.h"

void netif_glue_link_up(struct netif *n, netif_addressing *a)
{
    netif_set_link_up(n);
#if LWIP_DHCP
    if (!a->use_static && !a->dhcp_started) {
        dhcp_start(n);
        a->dhcp_started = true;
    }
#else
    (void)a;
#endif
}

void netif_glue_set_static(struct netif *n, netif_addressing *a, const ip4_addr_t *ip, const ip4_addr_t *netmask,
                           const ip4_addr_t *gw)
{
    bool none = ip == NULL || ip4_addr_isany(ip);
#if LWIP_DHCP
    if (a->dhcp_started) {
        dhcp_stop(n);
        a->dhcp_started = false;
    }
#endif
    a->use_static = !none;
    if (!none) {
        netif_set_addr(n, ip, netmask, gw);
        return;
    }
    netif_set_addr(n, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4);
#if LWIP_DHCP
    if (netif_is_link_up(n)) {
        dhcp_start(n);
        a->dhcp_started = true;
    }
#endif
}
