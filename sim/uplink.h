/* sim/uplink.h — the network beyond the AP: libslirp on virtual time.
 *
 * The uplink takes Ethernet frames from the AP's bridge and gives frames
 * back through a send callback. Behind it is a slirp virtual network
 * (default 10.0.2.0/24, gateway 10.0.2.2, DNS 10.0.2.3) with slirp's own
 * DHCP server disabled — the AP serves addresses. Slirp's clock is the
 * engine's virtual clock and its timers are scheduler events.
 *
 * What is reachable:
 *  - the host, through the gateway address (slirp's NAT to real sockets);
 *  - port forwards from the host in QEMU's hostfwd syntax,
 *    "tcp:127.0.0.1:8080-:80" (host address defaults to 127.0.0.1; the guest
 *    address defaults to the first address the DHCP pool hands out);
 *  - in-rig services at virtual addresses, served through slirp's guest
 *    forwarding with no host socket at all, so they are deterministic:
 *    a TCP sink that counts and checksums what it receives, and a TCP echo.
 *
 * Time: while slirp has host sockets that carry data (connections through
 * the NAT or accepted port forwards), the uplink turns on the clock's pacing
 * so that virtual time follows the wall clock and host I/O is not starved;
 * when none are left, virtual time runs free again. Listening forward
 * sockets are polled (without waiting) as virtual time passes. Runs that
 * touch real host sockets are therefore not byte-for-byte reproducible;
 * runs that use only in-rig services are. */
#ifndef LINKRIG_SIM_UPLINK_H
#define LINKRIG_SIM_UPLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"

typedef struct uplink uplink;

typedef struct uplink_config {
    const char *name;     /* trace component; default "uplink" */
    uint32_t net;         /* host byte order; default 10.0.2.0 */
    uint32_t netmask;     /* default 255.255.255.0 */
    uint32_t gateway;     /* default 10.0.2.2 */
    uint32_t dns;         /* default 10.0.2.3 */
    uint32_t guest_default; /* guest address for hostfwd without one; default 10.0.2.15 */
    bool restricted;      /* no NAT to the host (only forwards and services) */
} uplink_config;
void uplink_config_default(uplink_config *c);

typedef void (*uplink_send_fn)(void *ctx, const uint8_t *eth, size_t len);

uplink *uplink_create(sim *s, const uplink_config *cfg, uplink_send_fn send, void *ctx, sim_err *err);
void uplink_destroy(uplink *u);

/* An Ethernet frame from the bridge into the uplink's network. */
void uplink_input(uplink *u, const uint8_t *eth, size_t len);

/* "tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT" (udp: too). */
int uplink_add_hostfwd(uplink *u, const char *spec, sim_err *err);

typedef enum { UPLINK_SERVICE_SINK, UPLINK_SERVICE_ECHO } uplink_service_kind;
/* A TCP service at a virtual address and port (ip in host byte order). */
int uplink_add_service(uplink *u, uplink_service_kind kind, uint32_t ip, uint16_t port, sim_err *err);

typedef struct uplink_sink_stats {
    uint64_t bytes;
    uint32_t crc32;      /* CRC-32 (IEEE) of every byte received, in order */
    uint64_t connections;
} uplink_sink_stats;
/* Totals of the sink at ip:port; SIM_EINVAL if there is none. */
int uplink_sink_stats_get(const uplink *u, uint32_t ip, uint16_t port, uplink_sink_stats *out);

/* True while slirp has host sockets carrying data (what turns pacing on). */
bool uplink_host_active(const uplink *u);

#endif
