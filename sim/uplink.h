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
 *  - in-rig services at virtual addresses, with no host socket at all, so
 *    they are deterministic: TCP ones through slirp's guest forwarding (a
 *    sink that counts and checksums what it receives, an echo, a greeter
 *    that speaks first), UDP ones answered before slirp (an echo, a DNS
 *    server, an NTP server; see uplink_add_service_ex). Each has a name and
 *    fault modes (uplink_service_set_mode).
 *    The sink is the rig's witness of delivery: it traces each connection
 *    ("service_conn" at the guest's SYN, "service_close" at its FIN or RST
 *    with the bytes it delivered) and each upload ("upload": a run of bytes
 *    on one connection with no pause of UPLINK_UPLOAD_PAUSE or more, with
 *    its first and last arrival times and its size), so a verdict can say
 *    when data arrived without one event per segment. Once the guest has
 *    closed a connection to a TCP service (its FIN) and the service has
 *    nothing left to send, slirp's side of it is ended a minute later and
 *    its buffers freed (sim/uplink.c explains how), so a long run's memory
 *    stays flat.
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

#include "sim/services.h"
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
    uint32_t sink_ip;     /* an in-rig TCP sink made with the uplink (host order); 0: none (default) */
    uint16_t sink_port;   /* its port (with sink_ip) */
    const char *sink_name; /* its name for faults; default "sink" */
} uplink_config;

/* Where the scenario runner and the demo put the sink, and the camera's
 * defaults for its settings sink.ip and sink.port. */
#define UPLINK_DEFAULT_SINK_IP 0x0a000264u /* 10.0.2.100 */
#define UPLINK_DEFAULT_SINK_PORT 9000
/* A pause in a sink's input this long ends an upload. The camera sends a
 * frame (20 KB by default) a second, each within a few ms: one frame is one
 * upload, and TCP's retransmission timeout (>= 1 s in lwIP) splits a frame
 * only when a segment was lost. */
#define UPLINK_UPLOAD_PAUSE SIM_MS(200)
void uplink_config_default(uplink_config *c);

typedef void (*uplink_send_fn)(void *ctx, const uint8_t *eth, size_t len);

uplink *uplink_create(sim *s, const uplink_config *cfg, uplink_send_fn send, void *ctx, sim_err *err);
void uplink_destroy(uplink *u);

/* An Ethernet frame from the bridge into the uplink's network. Frames are
 * untrusted: an ARP frame cut short, a malformed IPv4 header or any IPv4
 * fragment (not reassembled) is dropped before slirp sees it, with a
 * "guest_drop" trace event (why: arp_short, ip_header, ip_fragment). */
void uplink_input(uplink *u, const uint8_t *eth, size_t len);

/* "tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT" (udp: too). */
int uplink_add_hostfwd(uplink *u, const char *spec, sim_err *err);

typedef enum {
    UPLINK_SERVICE_SINK,     /* TCP: counts and checksums what it receives */
    UPLINK_SERVICE_ECHO,     /* TCP: sends back what it receives */
    UPLINK_SERVICE_GREETER,  /* TCP: a greeting line, then scripted replies (sim/services.h) */
    UPLINK_SERVICE_UDP_ECHO, /* UDP: sends each datagram back */
    UPLINK_SERVICE_DNS,      /* UDP: authoritative A records (sim/services.h) */
    UPLINK_SERVICE_NTP,      /* UDP: an NTP server on the virtual wall clock (sim/services.h) */
} uplink_service_kind;
/* A TCP service at a virtual address and port (ip in host byte order),
 * named after its kind ("sink", "echo"). */
int uplink_add_service(uplink *u, uplink_service_kind kind, uint32_t ip, uint16_t port, sim_err *err);

/* Every kind, with a name (for faults and the trace) and what the kind needs.
 *
 * TCP services are slirp guest forwards (above). UDP services are served
 * before slirp: uplink_input takes the guest's datagrams to a UDP service's
 * address and port (checked IPv4 and UDP headers and checksums; fragments
 * are not reassembled and are dropped) and answers with a frame built from
 * the request (the MAC addresses and the address/port pairs swapped), in the
 * same instant of virtual time. For an address that only UDP services use,
 * the uplink answers ARP itself with slirp's convention (52:55 and the
 * address), since slirp answers only for its own and guest-forward
 * addresses. A DNS service may sit at the uplink's DNS address (10.0.2.3,
 * what the DHCP servers announce): its port there is taken before slirp,
 * whose own DNS proxy would otherwise drop the query (restricted) or ask the
 * host's resolver (not reproducible). */
typedef struct uplink_service_config {
    const char *name;   /* 1..31 characters; unique in the uplink */
    uplink_service_kind kind;
    uint32_t ip;        /* host order */
    uint16_t port;
    /* GREETER */
    const char *greeting;
    const struct svc_greeter_rule *rules;
    size_t nrules;
    /* DNS */
    const struct svc_dns_entry *names; /* copied */
    size_t nnames;
    /* NTP: Unix seconds at virtual time 0 (the captures use CAPTURE_DEFAULT_EPOCH_S) */
    int64_t epoch_s;
} uplink_service_config;
int uplink_add_service_ex(uplink *u, const uplink_service_config *c, sim_err *err);

/* Fault modes of a service (a scenario's `service` fault):
 *  - NORMAL;
 *  - DOWN: a TCP service refuses, answering every segment of the guest
 *    with a reset (RFC 793 §3.4, "reset generation"), so connections are
 *    refused and open ones reset; a UDP service ignores every datagram;
 *  - SLOW: a TCP service gets the guest's segments `delay` later (in
 *    order), so its replies and acknowledgements come that much later; a
 *    UDP service answers `delay` after the request (an NTP reply's transmit
 *    timestamp is when it leaves);
 *  - WRONG: echo and greeter replies have every byte's lowest bit flipped;
 *    DNS answers every A query with SVC_DNS_WRONG_IP; NTP's clock is
 *    UPLINK_NTP_WRONG_S ahead. The sink sends nothing and has no wrong mode
 *    (SIM_EINVAL). */
typedef enum { UPLINK_SVC_NORMAL, UPLINK_SVC_DOWN, UPLINK_SVC_SLOW, UPLINK_SVC_WRONG } uplink_service_mode;
#define UPLINK_NTP_WRONG_S 86400
int uplink_service_set_mode(uplink *u, const char *name, uplink_service_mode mode, sim_time delay, sim_err *err);

typedef struct uplink_sink_stats {
    uint64_t bytes;
    uint32_t crc32;      /* CRC-32 (IEEE) of every byte received, in order */
    uint64_t connections;
    uint64_t uploads;    /* runs of bytes (see UPLINK_UPLOAD_PAUSE), the open one included */
} uplink_sink_stats;
/* Totals of the sink at ip:port; SIM_EINVAL if there is none. */
int uplink_sink_stats_get(const uplink *u, uint32_t ip, uint16_t port, uplink_sink_stats *out);

/* The sink made from uplink_config.sink_ip/sink_port: SIM_EINVAL if none. */
int uplink_sink_address(const uplink *u, uint32_t *ip, uint16_t *port);
/* Ends every upload in progress now (traces it), so that a verdict taken at
 * the end of a run sees the last one. */
void uplink_sink_flush(uplink *u);

/* A router address on another subnet (a DHCP pool moved there, a scenario's
 * `dhcp` or `cable_move` fault). Slirp's network is fixed when it starts
 * (libslirp has no call to change vnetwork, vhost or their mask at run
 * time) and it answers ARP only inside it, so the uplink stands in: it
 * answers ARP requests for ip with the gateway's MAC (52:55 and 10.0.2.2,
 * slirp's convention), so the guest sends its off-link traffic to slirp,
 * which routes it (in restricted mode it checks only the destination) and
 * reaches the guest back by ARP for the guest's own address. The in-rig
 * services keep their 10.0.2.x addresses, reached through that router.
 * Up to 16 such addresses; SIM_ELIMIT beyond, SIM_EINVAL for 0 or the
 * gateway itself (nothing to do). Traced "router" (ip). */
int uplink_add_router(uplink *u, uint32_t ip, sim_err *err);

/* True while slirp has host sockets carrying data (what turns pacing on). */
bool uplink_host_active(const uplink *u);

/* How many slirp_pollfds_fill calls the uplink skipped because they could
 * change nothing (uplink.c, "Fills skipped"); for tests and benchmarks. */
uint64_t uplink_fills_skipped(const uplink *u);

#endif
