/* sim/world.h — builds and wires a simulated world: the medium, access
 * points, and the device (board + radio) on one engine.
 *
 * The models never see each other: each AP and the device's radio get a
 * dot11_air_port onto their own medium node, and the world routes what the
 * medium delivers to the model's receive function. The device's board gets
 * the radio as its Wi-Fi chip (wifi_chip.h). Captures are opened here.
 * This is the assembly the scenario runner and the tests share.
 *
 * The wire: each AP's bridge port joins one LAN with its network's DHCP
 * server and the uplink (libslirp). A network is a LAN with its router and
 * DHCP server: by default each AP has its own (the AP's dhcp/dhcps below),
 * and APs that name one of nets[] share that network's server, as the APs
 * of one ESS behind one home router do, so a station that roams between
 * them keeps its lease. The default pools never overlap: the first AP's
 * network is the uplink's 10.0.2.0/24 (pool .15-.99, router 10.0.2.2), AP
 * n's (n >= 1) is 10.0.(2+n).0/24 (pool .15-.99, router .2, server .254,
 * DNS still 10.0.2.3); the uplink answers ARP for every router outside its
 * own network (uplink_add_router), so all reach the same services. The
 * bridge forwards by destination: frames for a DHCP server's MAC or DHCP/ARP
 * it claims go to it, everything else from stations goes to the uplink, and
 * frames from a DHCP server go to its network's APs. Frames from the uplink
 * to a station's MAC go to the AP that last carried a frame from that MAC
 * (a learning bridge, as the LAN's switch learns from the 802.11F Layer 2
 * Update frame or the station's first frame after a roam), to every AP
 * while unknown; group frames to every AP. The wire capture records every
 * frame the bridge forwards, once, as a tap on the AP's LAN port would.
 * The router keeps an ARP cache of its own in front of libslirp's 16
 * entries (sim/router_arp.h): a request for a station it learnt is answered
 * inside the router and is on neither the wire nor the air.
 *
 * Devices: any number up to WORLD_MAX_DEVICES, each its own board (with its
 * own firmware image instance), radio and medium node, named in the trace.
 *
 * The air capture is what a monitor hears (medium.h): beside the first
 * device and moving with it, unless medium.monitor_fixed places it.
 *
 * The wired ports (optional, dev[i].lan): such a device's board gets an
 * Ethernet MAC/PHY (sim/ethphy.h) as its Ethernet port (eth_chip.h). The
 * cables meet on one segment, a switch that floods (each MAC filters), with
 * a DHCP server of its own (pool 10.0.2.150-199 by default, apart from the
 * APs' 15-99 and from the in-rig services at .100) and the same uplink:
 * frames from a PHY go to that server first, then to the other ports and
 * the uplink; frames from the uplink reach the PHYs as they reach the APs.
 * The segment does not exchange frames with the APs' stations (a device's
 * two interfaces never hear each other). Its frames are on the same wire
 * capture. */
#ifndef LINKRIG_SIM_WORLD_H
#define LINKRIG_SIM_WORLD_H

#include <stdbool.h>

#include "ap_model/ap.h"
#include "ap_model/dhcps.h"
#include "firmware_shim/board.h"
#include "radio_model/medium.h"
#include "radio_model/radio.h"
#include "sim/ethphy.h"
#include "sim/sim.h"
#include "sim/uplink.h"

#define WORLD_MAX_APS 8
#define WORLD_MAX_DEVICES 128

typedef struct world_ap_config {
    ap_config ap;
    double x, y, z;
    double tx_power_dbm;
    int network;        /* index into world_config.nets; -1 (default): its own network below */
    bool dhcp;          /* its own network: run a DHCP server on this AP's bridge (default on) */
    dhcps_config dhcps; /* its own network's server (world_add_ap: the distinct default pool) */
} world_ap_config;

/* A network that several APs share (world_ap_config.network). */
typedef struct world_network_config {
    bool dhcp;          /* a DHCP server (default on) */
    dhcps_config dhcps; /* its name is the trace component; MAC 02:00:00:00:d1:<i+1> */
} world_network_config;

/* One device: a board running a firmware image, its Wi-Fi chip (radio) on
 * the medium, and optionally a wired port on the LAN segment. */
typedef struct world_device_config {
    char name[32];            /* trace component of the rig's observations; the
                               * radio is "<name>.radio", the port "<name>.eth" */
    radio_config radio;       /* .name is set by the world; MAC 02:00:00:00:00:<i+1> */
    double x, y, z;
    double tx_power_dbm;      /* default 20 */
    board_config board;       /* .name is set by the world */
    bool lan;                 /* a wired port (default off) */
    ethphy_config lan_phy;    /* MAC 02:00:00:00:e0:<i+1>, cable in, negotiation_ms 1500
                               * (link up after power-on or plug-in) */
} world_device_config;

typedef struct world_config {
    uint64_t seed;
    medium_config medium;     /* .air is set by the world from air_pcap */
    world_ap_config aps[WORLD_MAX_APS];
    int naps;
    world_network_config nets[WORLD_MAX_APS]; /* shared networks, from world_add_network */
    int nnets;
    /* dev[0..ndevices-1]; world_config_default gives one, "cam", at the
     * origin, and fills every slot with its defaults (distinct MACs). */
    world_device_config dev[WORLD_MAX_DEVICES];
    int ndevices;
    const char *air_pcap;     /* NULL: no air capture */
    bool air_flush_each;      /* for a FIFO read live */
    bool uplink;              /* libslirp behind the APs (default on) */
    uplink_config up;
    const char *wire_pcap;    /* NULL: no wire capture */
    bool wire_flush_each;
    uint32_t capture_snaplen;    /* 0: whole frames */
    uint64_t capture_ring_bytes; /* 0: one unbounded file per capture */
    int capture_ring_files;      /* files kept in the ring (>= 2) */
    /* Beside each capture, its events capture (sim/capture.h): whole copies
     * of management (but beacons), EAPOL, DHCP and ARP frames, never a ring.
     * NULL: none. */
    const char *air_events_pcap;
    const char *wire_events_pcap;
    /* A decrypted copy of the air capture (sim/airdecrypt.h), with the air
     * capture's snap length and ring, decrypted with the APs' passphrases
     * as a sniffer would. NULL: none. */
    const char *air_decrypted_pcap;
    bool lan_dhcp;            /* a DHCP server on the LAN segment (default on) */
    dhcps_config lan_dhcps;   /* pool 10.0.2.150-199, router 10.0.2.2, DNS 10.0.2.3,
                               * server 10.0.2.253, MAC 02:00:00:00:d0:e0 */
} world_config;

/* Defaults: seed 1, default medium, no AP, one device "cam" (default radio
 * at the origin with 20 dBm, default board, no wired port). */
void world_config_default(world_config *c);
/* Fills aps[naps] with a default AP (WPA2 if passphrase is non-NULL) and
 * returns it for further changes, or NULL when full. */
world_ap_config *world_add_ap(world_config *c, const char *name, const char *ssid, const char *passphrase,
                              int channel, double x, double y);

/* Fills nets[nnets] with a default network (DHCP on, dhcps defaults but
 * the trace name and a MAC of its own) and returns its index, or -1 when
 * full. An AP joins it with aps[i].network = index. */
int world_add_network(world_config *c, const char *name);

typedef struct world world;

world *world_create(const world_config *cfg, sim_err *err);
/* Closes the captures (valid files up to the last frame). */
void world_destroy(world *w);
/* Flushes both captures: SIM_EIO naming the first whose writes failed. */
int world_finish_captures(world *w, sim_err *err);

sim *world_sim(world *w);
/* The wire capture (NULL when none), for frames the rig adds to it (RADIUS). */
struct capture *world_wire_capture(world *w);
/* fn(ctx) runs first in world_destroy, while the sim and the APs exist
 * (one hook: the runner's Enterprise servers, sim/enterprise.h). */
void world_on_destroy(world *w, void (*fn)(void *ctx), void *ctx);
void *world_on_destroy_ctx(world *w);
medium *world_medium(world *w);
int world_device_count(const world *w);
/* Device i's parts (NULL when i is out of range; ethphy NULL without a port). */
board *world_device_board(world *w, int i);
radio *world_device_radio(world *w, int i);
medium_node *world_device_node(world *w, int i);
ethphy *world_device_ethphy(world *w, int i);
/* The chip's AP interface of device i (radio_model/softap.h: each device's
 * chip can host a network of its own, "<name>.ap" in the trace). */
struct softap *world_device_softap(world *w, int i);
/* -1 when no device has that name. */
int world_device_index(const world *w, const char *name);
/* Device 0's parts (the one-device world of most tests). */
board *world_board(world *w);
radio *world_radio(world *w);
medium_node *world_sta_node(world *w);
int world_ap_count(const world *w);
ap *world_ap(world *w, int i);
medium_node *world_ap_node(world *w, int i);
/* The DHCP server of AP i's network (shared by the APs of one network);
 * NULL when it has none. */
dhcps *world_dhcps(world *w, int i);
/* NULL when the world has no uplink. */
uplink *world_uplink(world *w);
/* Device 0's wired port; NULL without one (dev[0].lan). */
ethphy *world_ethphy(world *w);
/* NULL without a wired port or with lan_dhcp off. */
dhcps *world_lan_dhcps(world *w);

#endif
