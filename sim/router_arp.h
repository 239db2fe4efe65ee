/* sim/router_arp.h — the LAN router's ARP cache, in front of libslirp's.
 *
 * libslirp keeps 16 ARP entries (ARP_TABLE_SIZE in its slirp.h) and
 * replaces them in turn. With more stations than that on the LAN, the
 * router asks for a station's MAC before nearly every packet it sends it,
 * and each ask is a broadcast that every station of every AP receives (the
 * medium's draws, a group-key decryption and lwIP's ARP input each): work
 * that grows with the square of the stations, which a real router does not
 * cause: its cache holds hundreds of entries (Linux keeps 128 without
 * collecting any, gc_thresh1) for minutes.
 *
 * So the world keeps the router's cache: it learns the sender of every ARP
 * frame a station puts on the LAN (requests, replies, gratuitous ARP), and
 * an entry lives ROUTER_ARP_MAX_AGE after its last refresh (FreeBSD's
 * net.link.ether.inet.max_age, 1200 s). When libslirp asks for an address
 * the cache holds, the cache answers it inside the router, a moment later
 * (an event at the same virtual time: never from within libslirp's own
 * output), and the request never reaches the wire: neither is on the wire
 * capture, as neither would leave a router that had the entry. An address
 * the cache does not hold (never seen, expired) is asked on the wire as
 * before. With at most 16 stations libslirp's own table holds every
 * station and never asks. */
#ifndef LINKRIG_SIM_ROUTER_ARP_H
#define LINKRIG_SIM_ROUTER_ARP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"

#define ROUTER_ARP_MAX_ENTRIES 512
#define ROUTER_ARP_MAX_AGE SIM_SEC(1200)

typedef struct router_arp router_arp;
/* How an answer reaches the router's own stack (libslirp's input). */
typedef void (*router_arp_send_fn)(void *ctx, const uint8_t *eth, size_t len);

router_arp *router_arp_create(sim *s, router_arp_send_fn send, void *ctx);
/* Cancels answers not yet given. */
void router_arp_destroy(router_arp *ra);
/* A frame a station put on the LAN (untrusted bytes): learns its ARP. */
void router_arp_learn(router_arp *ra, const uint8_t *eth, size_t len);
/* A frame the router put on the LAN: true when it is an ARP request the
 * cache answers (the caller then drops it), false to forward it as is. */
bool router_arp_answer(router_arp *ra, const uint8_t *eth, size_t len);

#endif
