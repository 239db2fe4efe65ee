/* sim/radius_link.h — carries an AP's RADIUS packets to a real server over
 * a UDP socket on loopback, on virtual time.
 *
 * A request is sent at once; the run then waits (wall time, up to
 * wall_timeout_ms) for the server's datagram, and delivers it to the AP
 * `latency` of virtual time after the send: virtual time stands still while
 * the real server thinks, so a run's timing does not depend on the host.
 * Faults: `down` drops every request (as an unreachable server), a larger
 * latency makes the AP retransmit (a resend of an answered request gets the
 * same answer, as a server's duplicate detection gives, RFC 2865 2). Each
 * packet, both ways, can be shown to a capture callback as the UDP payload
 * it is, so the wire capture shows RADIUS as it would cross the AP's LAN.
 *
 * Not deterministic in content (the server's TLS randoms are its own); the
 * timing is.
 */
#ifndef LINKRIG_SIM_RADIUS_LINK_H
#define LINKRIG_SIM_RADIUS_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"

typedef struct radius_link radius_link;

typedef void (*radius_link_deliver_fn)(void *ctx, const uint8_t *pkt, size_t len);
/* to_server: direction; pkt is the UDP payload. */
typedef void (*radius_link_capture_fn)(void *ctx, bool to_server, const uint8_t *pkt, size_t len);

radius_link *radius_link_create(sim *s, const char *name, uint16_t port, sim_time latency,
                                radius_link_deliver_fn deliver, void *ctx, sim_err *err);
void radius_link_destroy(radius_link *l);
void radius_link_set_capture(radius_link *l, radius_link_capture_fn fn, void *ctx);
void radius_link_set_down(radius_link *l, bool down);
void radius_link_set_latency(radius_link *l, sim_time latency);
/* The server moved (restarted on another port): later requests go there. */
int radius_link_set_port(radius_link *l, uint16_t port, sim_err *err);
/* Send one request (a radius_send op for ap_8021x). */
void radius_link_send(void *link, const uint8_t *pkt, size_t len);
/* Wall milliseconds to wait for a reply before calling it lost; default 2000. */
void radius_link_set_wall_timeout(radius_link *l, int ms);

#endif
