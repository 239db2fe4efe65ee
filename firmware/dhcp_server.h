/* dhcp_server.h — the camera's own DHCP server on its AP interface (lwIP
 * 2.1 has none), written from RFC 2131 for the few stations a device's
 * setup network serves (a phone, a laptop).
 *
 * What it does (RFC 2131 section 4.3): DHCPDISCOVER -> DHCPOFFER of the
 * station's current address or the lowest free one of the pool;
 * DHCPREQUEST selecting this server (option 54), or without option 54
 * (INIT-REBOOT, RENEWING, REBINDING) for the station's own address ->
 * DHCPACK, for another address -> DHCPNAK; a REQUEST selecting another
 * server withdraws the offer; DHCPRELEASE and DHCPDECLINE free the address.
 * Leases end after lease_s; an offer not taken within 60 s is withdrawn.
 * Options given: 1 (subnet mask), 3 (router) and 6 (DNS server) as the
 * interface's own address, 51 (lease time), 54 (server identifier).
 * Replies go to the client's ciaddr when it has one, else to the broadcast
 * address (4.1: "If unicasting is not possible, the message MAY be sent as
 * an IP broadcast"; lwIP cannot unicast to an address nobody owns yet).
 *
 * It serves one netif only: requests that arrive on another one (the
 * camera's own station interface) are ignored. Not done: relay agents
 * (giaddr), client identifiers other than chaddr (option 61 is ignored),
 * static bindings, persistence of leases across a reboot. */
#ifndef LINKRIG_FIRMWARE_DHCP_SERVER_H
#define LINKRIG_FIRMWARE_DHCP_SERVER_H

#include <stdint.h>

#include "lwip/netif.h"

#define DHCP_SERVER_MAX_LEASES 8

typedef struct dhcp_server dhcp_server;

/* Pool: the netif's network, hosts first_host .. first_host + count - 1
 * (count <= DHCP_SERVER_MAX_LEASES). NULL when lwIP has no UDP PCB left. */
dhcp_server *dhcp_server_start(struct netif *nif, uint8_t first_host, int count, uint32_t lease_s);
void dhcp_server_stop(dhcp_server *d);
/* Bound leases (ACKed and not over). */
int dhcp_server_leases(const dhcp_server *d);

#endif
