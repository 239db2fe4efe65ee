/* lwipopts.h — the camera firmware's lwIP configuration.
 *
 * This file belongs to the firmware, not to the rig: a user's firmware brings
 * its own. What the rig's board needs from it (checked at compile time in
 * firmware_shim/lwip_port.c): NO_SYS=1 and lwIP's own timeout list
 * (LWIP_TIMERS=1, LWIP_TIMERS_CUSTOM=0). Everything else is the device's
 * choice; these values follow a MicroPython-class camera (TCP uploads, DHCP,
 * DNS, a small HTTP status page). */
#ifndef LINKRIG_FIRMWARE_LWIPOPTS_H
#define LINKRIG_FIRMWARE_LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_TIMERS 1
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0

#define MEM_ALIGNMENT 8
#define MEM_SIZE (64 * 1024)
#define MEMP_NUM_PBUF 32
#define MEMP_NUM_UDP_PCB 6
#define MEMP_NUM_TCP_PCB 8
#define MEMP_NUM_TCP_PCB_LISTEN 4
#define MEMP_NUM_TCP_SEG 64
#define PBUF_POOL_SIZE 32

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 1
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
/* As MicroPython's ports: no ARP probe of the offered address, so the address
 * is usable as soon as the server ACKs. */
#define DHCP_DOES_ARP_CHECK 0
#define LWIP_DNS 1
#define LWIP_IGMP 0

#define TCP_MSS 1460
#define TCP_WND (4 * TCP_MSS)
#define TCP_SND_BUF (8 * TCP_MSS)
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
#define LWIP_TCP_KEEPALIVE 1

#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_HOSTNAME 1
#define LWIP_NETIF_API 0
#define LWIP_HAVE_LOOPIF 0
#define LWIP_NETIF_LOOPBACK 0

/* The HTTP status page: lwIP's httpd serving pages the firmware renders
 * (custom files, headers generated from the file name). */
#define LWIP_HTTPD_CUSTOM_FILES 1
#define LWIP_HTTPD_DYNAMIC_HEADERS 1
#define LWIP_HTTPD_SUPPORT_POST 0
#define LWIP_HTTPD_CGI 0
#define LWIP_HTTPD_SSI 0
#define HTTPD_USE_MEM_POOL 0
/* Pages are rendered per request and freed when the request is closed, which
 * can be before TCP has them acknowledged: have httpd copy them into TCP's
 * queue instead of pointing at them. */
#define HTTP_IS_DATA_VOLATILE(hs) TCP_WRITE_FLAG_COPY

#define LWIP_CHKSUM_ALGORITHM 3
#define LWIP_STATS 0
#define LWIP_STATS_DISPLAY 0

#endif
