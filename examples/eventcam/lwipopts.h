/* lwipopts.h — eventcam's lwIP configuration.
 *
 * What the board requires (wifi_netif.h, eth_netif.h, and the compile-time
 * checks of the rig's lwIP port): NO_SYS 1 with lwIP's own timeout list
 * (LWIP_TIMERS 1, LWIP_TIMERS_CUSTOM 0), LWIP_ETHERNET, LWIP_ARP, LWIP_IPV4,
 * LWIP_DHCP, and PBUF_POOL_SIZE for a burst of received frames (one pbuf per
 * frame). The rest is sized for one outgoing TCP stream of camera frames:
 * no sockets, no DNS (the sink is an address), no HTTP server. */
#ifndef EVENTCAM_LWIPOPTS_H
#define EVENTCAM_LWIPOPTS_H

#define NO_SYS 1
#define LWIP_TIMERS 1
#define LWIP_TIMERS_CUSTOM 0
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0

/* 8: the rig runs the firmware on a 64-bit host */
#define MEM_ALIGNMENT 8
#define MEM_SIZE (48 * 1024)
#define MEMP_NUM_PBUF 16
#define MEMP_NUM_UDP_PCB 4
#define MEMP_NUM_TCP_PCB 4
#define MEMP_NUM_TCP_PCB_LISTEN 1
#define MEMP_NUM_TCP_SEG 48
#define PBUF_POOL_SIZE 24

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ETHERNET 1
#define LWIP_ARP 1
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_UDP 1 /* DHCP runs on it */
#define LWIP_TCP 1
#define LWIP_DHCP 1
/* MicroPython's ports turn the ARP probe of an offered address off, so the
 * address is usable as soon as the server ACKs; a camera that must resume
 * uploads quickly after a reconnect wants the same. */
#define DHCP_DOES_ARP_CHECK 0
#define LWIP_DNS 0
#define LWIP_IGMP 0

#define TCP_MSS 1460
#define TCP_WND (4 * TCP_MSS)
#define TCP_SND_BUF (6 * TCP_MSS)
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)

/* The link supervisor learns of DHCP binding and losing the address from the
 * status callback; link changes come through the board's netif hooks. */
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_HOSTNAME 1
#define LWIP_NETIF_API 0
#define LWIP_HAVE_LOOPIF 0
#define LWIP_NETIF_LOOPBACK 0

#define LWIP_CHKSUM_ALGORITHM 3
#define LWIP_STATS 0
#define LWIP_STATS_DISPLAY 0

#endif
