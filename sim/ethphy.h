/* sim/ethphy.h — the device's wired Ethernet controller: MAC, PHY and cable.
 *
 * The host side (the board's Ethernet driver, eth_chip.h) powers the MAC/PHY,
 * reads the link state and sends frames; the wire side (the world's bridge)
 * gets the frames the device sends through a wire callback and gives frames
 * to the device with ethphy_wire_input. The rig pulls and plugs the cable.
 *
 * Link (IEEE 802.3 clause 28 autonegotiation, as BMSR reports it):
 *   powered off, or no cable              -> ETHPHY_LINK_DOWN
 *   powered, cable in, negotiating         -> ETHPHY_LINK_NEGOTIATING
 *   negotiation_ms after the later of power-on and cable-in -> ETHPHY_LINK_UP
 * The default negotiation time is 1500 ms: autonegotiation exchanges link
 * pulses for a few hundred ms and real PHYs (LAN8742, DP83848) report link
 * 1.5 to 3 s after the cable goes in. A pulled cable or a power-down drops
 * the link at once (ethphy_link_state says so in the same instant); the
 * host's link_down callback follows from a scheduler event at that instant.
 *
 * Frames: the MAC pads short frames to 60 bytes (64 with FCS, which is not
 * modelled) and accepts 14..1518 bytes (a VLAN-tagged full frame). Both
 * directions take a fixed latency (default 10 us: MAC FIFO and PHY, not
 * line rate). A frame is delivered only if the link stayed up from when it
 * entered to when it leaves; others are counted as dropped, as are frames
 * sent or arriving while the link is down. The MAC's address filter passes
 * frames to its own MAC and group (broadcast/multicast) frames; others are
 * counted as filtered. Frames from the wire are untrusted bytes.
 *
 * Host events (rx, link_up, link_down) come from scheduler events, never from
 * inside an ethphy_* call. Trace (component cfg.name): "power" (state
 * on/off), "cable" (state plugged/pulled), "link_up" (speed, duplex),
 * "link_down" (why: cable/power), "drop" at debug level. No randomness: the
 * same calls at the same virtual times give the same frames and events. */
#ifndef LINKRIG_SIM_ETHPHY_H
#define LINKRIG_SIM_ETHPHY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"

#define ETHPHY_MIN_FRAME 60    /* without FCS: what the MAC pads to */
#define ETHPHY_MAX_FRAME 1518  /* without FCS, with one VLAN tag */

enum {
    ETHPHY_LINK_DOWN = 0,
    ETHPHY_LINK_NEGOTIATING = 1,
    ETHPHY_LINK_UP = 2,
};

enum {
    ETHPHY_OK = 0,
    ETHPHY_EPERM = -1,   /* powered down */
    ETHPHY_EINVAL = -2,  /* frame too short or too long */
    ETHPHY_ENOLINK = -3, /* no link: the frame is lost (and counted) */
};

typedef struct ethphy ethphy;

typedef struct ethphy_config {
    const char *name;      /* trace component; default "ethphy" */
    uint8_t mac[6];        /* default 02:00:00:00:e0:01 */
    double negotiation_ms; /* default 1500; 0..3600000 */
    double latency_us;     /* each direction; default 10; 0..1000000 */
    bool cable;            /* plugged at the start; default true */
} ethphy_config;
void ethphy_config_default(ethphy_config *c);

/* A frame the device put on the wire; valid only during the call. */
typedef void (*ethphy_wire_fn)(void *ctx, const uint8_t *eth, size_t len);

typedef struct ethphy_host_ops {
    void *ctx;
    void (*rx)(void *ctx, const uint8_t *eth, size_t len);
    void (*link_up)(void *ctx);
    void (*link_down)(void *ctx);
} ethphy_host_ops;

/* Starts powered down. Start cfg from ethphy_config_default (NULL: the
 * defaults); a NULL name or an all-zero MAC take the default's. */
ethphy *ethphy_create(sim *s, const ethphy_config *cfg, ethphy_wire_fn wire, void *wire_ctx, sim_err *err);
/* Frames still in flight are dropped without callbacks. */
void ethphy_destroy(ethphy *p);
void ethphy_set_host(ethphy *p, const ethphy_host_ops *ops);

/* ---- the host side ---- */
int ethphy_power(ethphy *p, bool on);
bool ethphy_powered(const ethphy *p);
void ethphy_get_mac(const ethphy *p, uint8_t mac[6]);
int ethphy_link_state(const ethphy *p);
bool ethphy_link_up(const ethphy *p);
/* The frame is copied. ETHPHY_ENOLINK: lost, as a PHY without link loses
 * what its MAC sends. */
int ethphy_send(ethphy *p, const uint8_t *eth, size_t len);

/* ---- the rig and wire side ---- */
void ethphy_set_cable(ethphy *p, bool plugged);
bool ethphy_cable(const ethphy *p);
/* A frame from the wire for the device (copied). */
void ethphy_wire_input(ethphy *p, const uint8_t *eth, size_t len);

typedef struct ethphy_stats {
    uint64_t tx_frames;   /* reached the wire */
    uint64_t tx_dropped;  /* sent without link, or link lost in flight */
    uint64_t rx_frames;   /* delivered to the host */
    uint64_t rx_dropped;  /* arrived without link, or link lost in flight */
    uint64_t rx_filtered; /* not for this MAC */
    uint64_t rx_bad;      /* runt or oversized */
    uint64_t link_ups, link_downs;
} ethphy_stats;
void ethphy_get_stats(const ethphy *p, ethphy_stats *out);

#endif
