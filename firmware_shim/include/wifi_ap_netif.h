/* wifi_ap_netif.h — the lwIP network interface over the chip's AP interface
 * (CHIP_ITF_AP), as cyw43_lwip.c adds one for CYW43_ITF_AP on a Pico W.
 * Part of the board boundary: firmware calls it after lwip_init().
 *
 *  - adds one Ethernet-type netif ("ap", the AP interface's MAC, MTU 1500)
 *    with a static address, link up at once (the BSS is the link), and never
 *    the default route;
 *  - frames from stations (process_ethernet on CHIP_ITF_AP) enter it at the
 *    firmware's yield points; lwIP's linkoutput sends through
 *    chip_send_ethernet(CHIP_ITF_AP).
 * No DHCP server comes with it (lwIP 2.1 has none): the firmware brings its
 * own. The chip's callbacks stay those of wifi_netif.h (which it sets up if
 * the firmware has not), which hands AP frames to this netif. */
#ifndef LINKRIG_WIFI_AP_NETIF_H
#define LINKRIG_WIFI_AP_NETIF_H

#include "lwip/ip4_addr.h"
#include "lwip/netif.h"

/* ip and netmask NULL: 192.168.4.1/24, cyw43_lwip.c's address for the AP
 * interface. Calling it again re-addresses and returns the same netif. */
struct netif *wifi_ap_netif_init(const ip4_addr_t *ip, const ip4_addr_t *netmask);
/* The netif, or NULL. */
struct netif *wifi_ap_netif(void);
/* Removes the netif (the AP interface went down). */
void wifi_ap_netif_remove(void);
/* A frame the chip received on CHIP_ITF_AP (called by wifi_netif.c). */
void wifi_ap_netif_input(const uint8_t *frame, size_t len);

#endif
