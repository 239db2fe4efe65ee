/* firmware_shim/netif_glue.h — what the Wi-Fi and the Ethernet netif glue
 * share (internal to the shim): how an interface gets its address across
 * link changes. DHCP starts at the first link up and then lives on (lwIP's
 * dhcp_network_changed re-confirms the lease at later link ups); a static
 * address stops DHCP, and clearing it hands the interface back to DHCP. */
#ifndef LINKRIG_FIRMWARE_SHIM_NETIF_GLUE_H
#define LINKRIG_FIRMWARE_SHIM_NETIF_GLUE_H

#include <stdbool.h>

#include "lwip/ip4_addr.h"
#include "lwip/netif.h"

typedef struct netif_addressing {
    bool dhcp_started;
    bool use_static;
} netif_addressing;

/* Link up: the netif's link, and DHCP unless a static address is set. */
void netif_glue_link_up(struct netif *n, netif_addressing *a);
/* ip NULL or 0.0.0.0: back to DHCP; otherwise this static address. */
void netif_glue_set_static(struct netif *n, netif_addressing *a, const ip4_addr_t *ip, const ip4_addr_t *netmask,
                           const ip4_addr_t *gw);

#endif
