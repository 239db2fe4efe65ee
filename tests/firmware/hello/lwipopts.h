/* tests/firmware/hello/lwipopts.h — the README's "Bring your own firmware"
 * options, unchanged: lwIP's defaults fill in the rest, among them
 * MEMP_NUM_TCP_PCB 5, which the hello_steady test is about. */
#ifndef HELLO_LWIPOPTS_H
#define HELLO_LWIPOPTS_H

#define NO_SYS 1
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_DHCP 1
#define LWIP_NETIF_HOSTNAME 1
#define MEM_ALIGNMENT 8
#define MEM_SIZE (32 * 1024)
#define PBUF_POOL_SIZE 24
#define TCP_MSS 1460
#define TCP_SND_BUF (4 * TCP_MSS)
#define TCP_WND (4 * TCP_MSS)

#endif
