/* eth_netif.h — the lwIP network interface over the Ethernet driver API
 * (eth_chip.h), the wired twin of wifi_netif.h. Part of the board boundary:
 * firmware calls it after lwip_init().
 *
 * What it does:
 *  - adds one Ethernet netif ("en", the port's MAC, MTU 1500); it becomes the
 *    default route when there is none, and again at each link up when the
 *    default netif has no link (so a device with Wi-Fi and a cable uses
 *    whichever is up, the cable when it was plugged last);
 *  - PHY link up: netif link up, and DHCP started (on later link ups lwIP's
 *    dhcp_network_changed re-confirms the lease it holds: INIT-REBOOT);
 *  - PHY link down: netif link down; the address stays until DHCP gives it
 *    up, as with a pulled cable on the device;
 *  - frames from the port enter lwIP (netif->input) at the firmware's yield
 *    points; lwIP's linkoutput sends through eth_send.
 *
 * It takes the driver's callbacks (eth_set_callbacks); firmware that wants
 * link events too registers a hook here instead.
 *
 * lwipopts: as wifi_netif.h (NO_SYS 1, LWIP_ETHERNET, LWIP_ARP, LWIP_IPV4,
 * LWIP_DHCP unless static). LWIP_NETIF_HOSTNAME 1 sends the hostname in
 * DHCP option 12. */
#ifndef LINKRIG_ETH_NETIF_H
#define LINKRIG_ETH_NETIF_H

#include <stdbool.h>

#include "lwip/ip4_addr.h"
#include "lwip/netif.h"

/* Returns the netif, or NULL (lwIP could not add it). hostname (copied, at
 * most 32 characters) may be NULL. Calling it again returns the same netif. */
struct netif *eth_netif_init(const char *hostname);
/* The netif added by eth_netif_init, or NULL. */
struct netif *eth_netif(void);
/* Link up and an address in use: a static one, or one DHCP holds bound
 * (not while it is re-confirming an old lease after a link up). */
bool eth_netif_has_ip(void);
/* A fixed address instead of DHCP (NULL or 0.0.0.0: back to DHCP). */
void eth_netif_set_static(const ip4_addr_t *ip, const ip4_addr_t *netmask, const ip4_addr_t *gw);
/* Called (at yield points) after the netif's link went up or down. */
void eth_netif_set_link_hook(void (*hook)(void *ctx, bool up), void *ctx);
/* For a port being powered down (call after eth_set_up(false)): link down,
 * DHCP stopped, address cleared and the ARP cache flushed, as MicroPython's
 * LAN.active(False) leaves it. The DHCPRELEASE lwIP tries on the way is lost
 * at the powered-down port, as on the device, so the server keeps the lease.
 * The next link up starts DHCP afresh (DISCOVER). */
void eth_netif_stop(void);

#endif
