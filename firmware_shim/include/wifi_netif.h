/* wifi_netif.h — the lwIP network interface over the Wi-Fi chip, as the
 * cyw43-driver's lwIP glue (cyw43_lwip.c) is on a Pico W. Part of the board
 * boundary: firmware calls it after lwip_init().
 *
 * What it does:
 *  - adds one Ethernet-type netif ("wl", the chip's MAC, MTU 1500) and makes
 *    it the default route;
 *  - chip link up: netif link up, and DHCP started (or, on later link ups,
 *    lwIP's own dhcp_network_changed re-confirms the old lease: INIT-REBOOT);
 *  - chip link down: netif link down; the address stays until DHCP gives it
 *    up (lease end) — as on the device;
 *  - frames from the chip enter lwIP (netif->input) at the firmware's yield
 *    points; lwIP's linkoutput sends through chip_send_ethernet.
 *
 * It takes the chip's callbacks (chip_set_callbacks); firmware that wants
 * link events too registers a hook here instead.
 *
 * lwipopts the firmware needs for it: NO_SYS 1, LWIP_ETHERNET 1, LWIP_ARP 1,
 * LWIP_IPV4 1, LWIP_DHCP 1 (unless a static address is set), and enough
 * PBUF_POOL_SIZE for a burst of received frames (one pbuf per frame).
 * LWIP_NETIF_HOSTNAME 1 makes the hostname go out in DHCP option 12. */
#ifndef LINKRIG_WIFI_NETIF_H
#define LINKRIG_WIFI_NETIF_H

#include <stdbool.h>

#include "lwip/ip4_addr.h"
#include "lwip/netif.h"

/* Returns the netif, or NULL (lwIP could not add it). hostname may be NULL.
 * Calling it again returns the same netif. */
struct netif *wifi_netif_init(const char *hostname);
/* The netif added by wifi_netif_init, or NULL. */
struct netif *wifi_netif(void);
/* Link up and an IPv4 address (lwIP's view). */
bool wifi_netif_has_ip(void);
/* A fixed address instead of DHCP (all zero: back to DHCP). */
void wifi_netif_set_static(const ip4_addr_t *ip, const ip4_addr_t *netmask, const ip4_addr_t *gw);
/* Called (at yield points) after the netif's link went up or down. */
void wifi_netif_set_link_hook(void (*hook)(void *ctx, bool up), void *ctx);

#endif
