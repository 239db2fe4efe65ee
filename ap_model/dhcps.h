/* ap_model/dhcps.h — the AP's DHCP server (RFC 2131), on the AP's bridge.
 *
 * It sits on the AP's LAN with its own MAC and IP address (the server
 * identifier), sees every Ethernet frame the bridge carries, consumes the
 * ones meant for it (DHCP to UDP port 67, ARP for its address) and answers
 * with Ethernet frames through a send callback. Addresses in this API are
 * IPv4 in host byte order.
 *
 * Protocol (RFC 2131 4.3): DISCOVER -> OFFER (an address from the pool,
 * the client's previous one when free); REQUEST in SELECTING (server id is
 * ours), INIT-REBOOT, RENEWING (unicast, T1) and REBINDING (broadcast, T2)
 * -> ACK, or NAK when the requested address is wrong for this network or
 * taken; RELEASE frees the lease; DECLINE marks the address unusable;
 * INFORM -> ACK without a lease. Options sent: message type, server id,
 * lease time, renewal (T1) and rebinding (T2) time, subnet mask, router,
 * DNS. The lease table is keyed by client identifier (option 61) when the
 * client sends one, else by MAC, and leases expire on virtual time.
 *
 * Faults for scenarios: ignore renewals (RENEWING/REBINDING requests get no
 * answer), NAK renewals, stop answering entirely, move the pool to another
 * subnet (renewals are NAKed, new clients get the new subnet), empty pool
 * (DISCOVERs from clients without a lease get no OFFER), forget all leases.
 *
 * Every frame is parsed as untrusted bytes; malformed DHCP packets (short,
 * bad magic, bad option lengths, overlong) are dropped with a "drop" trace
 * event saying why. */
#ifndef LINKRIG_AP_MODEL_DHCPS_H
#define LINKRIG_AP_MODEL_DHCPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"

typedef struct dhcps dhcps;

typedef struct dhcps_config {
    const char *name;     /* trace component; default "dhcp" */
    uint8_t mac[6];       /* the server's own MAC on the LAN */
    uint32_t server_ip;   /* default 10.0.2.254 */
    uint32_t netmask;     /* default 255.255.255.0 */
    uint32_t router;      /* default 10.0.2.2 (the uplink's gateway) */
    uint32_t dns;         /* default 10.0.2.3 */
    uint32_t pool_start;  /* default 10.0.2.15 */
    uint32_t pool_end;    /* default 10.0.2.99 (inclusive) */
    uint32_t lease_s;     /* default 3600 */
    uint32_t t1_s;        /* 0: lease / 2 */
    uint32_t t2_s;        /* 0: lease * 7 / 8 */
} dhcps_config;
void dhcps_config_default(dhcps_config *c);

typedef void (*dhcps_send_fn)(void *ctx, const uint8_t *eth, size_t len);

dhcps *dhcps_create(sim *s, const dhcps_config *cfg, dhcps_send_fn send, void *ctx, sim_err *err);
void dhcps_destroy(dhcps *d);

/* Offers a frame from the bridge. Returns true when it was for the server
 * (and is consumed), false when the bridge should carry it on. Besides
 * frames to its MAC and broadcasts, DHCP to its address and port sent to
 * another MAC is its too: a client whose pool moved to another subnet
 * reaches the server through its router. */
bool dhcps_input(dhcps *d, const uint8_t *eth, size_t len);

typedef enum {
    DHCPS_NORMAL,
    DHCPS_IGNORE_RENEWALS, /* RENEWING and REBINDING requests get no answer */
    DHCPS_NAK_RENEWALS,    /* RENEWING and REBINDING requests get a NAK */
    DHCPS_SILENT,          /* nothing is answered */
} dhcps_mode;
void dhcps_set_mode(dhcps *d, dhcps_mode mode);
dhcps_mode dhcps_get_mode(const dhcps *d);
/* New pool, netmask and router (the server keeps its own address unless
 * server_ip is nonzero). pool_end < pool_start makes the pool empty. */
int dhcps_set_pool(dhcps *d, uint32_t pool_start, uint32_t pool_end, uint32_t netmask, uint32_t router,
                   uint32_t server_ip, sim_err *err);
/* The current pool, netmask, router and server address (any may be NULL). */
void dhcps_get_pool(const dhcps *d, uint32_t *pool_start, uint32_t *pool_end, uint32_t *netmask, uint32_t *router,
                    uint32_t *server_ip);
/* Applies to leases granted or renewed from now on. */
int dhcps_set_lease_time(dhcps *d, uint32_t lease_s, uint32_t t1_s, uint32_t t2_s, sim_err *err);
void dhcps_forget_leases(dhcps *d);

size_t dhcps_lease_count(const dhcps *d);
/* The active lease of a client by MAC: false when it has none. */
bool dhcps_lease_of(const dhcps *d, const uint8_t mac[6], uint32_t *ip, sim_time *expires);

typedef struct dhcps_stats {
    uint64_t discover, offer, request, ack, nak, release, decline, inform, dropped, ignored;
} dhcps_stats;
void dhcps_get_stats(const dhcps *d, dhcps_stats *out);

#endif
