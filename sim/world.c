#include "sim/world.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dot11/ccm_memo.h"
#include "radio_model/softap.h"
#include "sim/airdecrypt.h"
#include "sim/capture.h"
#include "sim/router_arp.h"

struct world;

/* What a frame on the bridge came from, so it is not sent back there. */
struct bridge_port {
    struct world *w;
    int ap; /* index of the AP, or -1 for the uplink */
};

/* A DHCP server's place on the bridge: the network whose APs it serves. */
struct server_port {
    struct world *w;
    int net; /* index into world.servers */
};

#define WORLD_MAX_SERVERS (2 * WORLD_MAX_APS)
#define WORLD_MAX_LEARNED 256
/* An events capture fills at about 1 MB a day (capture_config.buffer_bytes). */
#define WORLD_EVENTS_CAPTURE_BUF ((size_t)16 * 1024)

struct world {
    sim *s;
    /* The CCMP MPDUs the models just encrypted, for their receivers and the
     * decrypted capture (dot11/ccm_memo.h); NULL with LINKRIG_CCM_MEMO=0.
     * Freed after every engine. */
    dot11_ccm_memo *ccm_memo;
    /* PSK derivations shared by the APs, the radios and the decrypted
     * capture (dot11/pmk_cache.h): one PBKDF2 per network, not per model. */
    dot11_pmk_cache *pmk_cache;
    capture *air;
    capture *wire;
    capture *air_events, *wire_events; /* closed after air and wire, which write into them */
    capture *air_dec;                  /* likewise, through dec */
    airdecrypt *dec;
    uplink *up;
    router_arp *rarp; /* the router's ARP cache before libslirp's (router_arp.h) */
    dhcps *dh[WORLD_MAX_APS];   /* AP i's network's server (shared; owned by servers[]) */
    int ap_net[WORLD_MAX_APS];  /* AP i's network: index into servers[] */
    dhcps *servers[WORLD_MAX_SERVERS]; /* one per network (NULL: that network has none) */
    struct server_port sports[WORLD_MAX_SERVERS];
    int nservers;
    /* the learning bridge: which AP last carried a frame from a MAC */
    struct learned {
        uint8_t mac[6];
        int ap;
    } learned[WORLD_MAX_LEARNED];
    int nlearned;
    /* learned[] by MAC: index + 1, 0 empty (open addressing; entries are
     * never removed). A scan of learned[] per frame was O(stations). */
    uint16_t learned_by_mac[4 * WORLD_MAX_LEARNED];
    struct bridge_port ports[WORLD_MAX_APS];
    struct bridge_port up_port;
    medium *m;
    int naps;
    ap *aps[WORLD_MAX_APS];
    medium_node *ap_nodes[WORLD_MAX_APS];
    int ndev;
    int nphy; /* devices with a wired port: frames skip the scan of every device without */
    struct device {
        struct world *w;
        char name[32];
        char radio_name[40];
        char eth_name[40];
        radio *r;
        medium_node *sta;
        board *b;
        ethphy *phy; /* the wired port, when dev[i].lan */
        softap *ap;  /* the chip's AP interface (silent until the firmware starts it) */
    } dev[WORLD_MAX_DEVICES];
    dhcps *lan_dh; /* the LAN segment's DHCP server */
    void (*on_destroy)(void *ctx); /* world_on_destroy */
    void *on_destroy_ctx;
};

void world_config_default(world_config *c)
{
    memset(c, 0, sizeof *c);
    c->seed = 1;
    medium_config_default(&c->medium);
    for (int i = 0; i < WORLD_MAX_DEVICES; i++) {
        world_device_config *d = &c->dev[i];
        if (i == 0)
            snprintf(d->name, sizeof d->name, "cam");
        else
            snprintf(d->name, sizeof d->name, "cam%d", i + 1);
        radio_config_default(&d->radio);
        d->radio.mac[4] = (uint8_t)((i + 1) >> 8);
        d->radio.mac[5] = (uint8_t)(i + 1);
        d->tx_power_dbm = 20;
        board_config_default(&d->board);
        ethphy_config_default(&d->lan_phy);
        d->lan_phy.mac[4] = (uint8_t)(0xe0 + ((i + 1) >> 8));
        d->lan_phy.mac[5] = (uint8_t)(i + 1);
    }
    c->ndevices = 1;
    c->uplink = true;
    uplink_config_default(&c->up);
    c->lan_dhcp = true;
    dhcps_config_default(&c->lan_dhcps);
    c->lan_dhcps.name = "lan_dhcp";
    const uint8_t lan_dhcps_mac[6] = {0x02, 0x00, 0x00, 0x00, 0xd0, 0xe0};
    memcpy(c->lan_dhcps.mac, lan_dhcps_mac, 6);
    /* Its own pool and server address, so that a device on Wi-Fi and cable
     * holds two distinct addresses and .100 stays free for in-rig services. */
    c->lan_dhcps.server_ip = 0x0a0002fd;  /* 10.0.2.253 */
    c->lan_dhcps.pool_start = 0x0a000296; /* 10.0.2.150 */
    c->lan_dhcps.pool_end = 0x0a0002c7;   /* 10.0.2.199 */
}

world_ap_config *world_add_ap(world_config *c, const char *name, const char *ssid, const char *passphrase,
                              int channel, double x, double y)
{
    if (c->naps >= WORLD_MAX_APS)
        return NULL;
    world_ap_config *a = &c->aps[c->naps];
    memset(a, 0, sizeof *a);
    ap_config_default(&a->ap);
    a->ap.name = name;
    a->ap.ssid = ssid;
    a->ap.passphrase = passphrase;
    a->ap.channel = channel;
    /* locally administered BSSIDs, one per AP */
    const uint8_t bssid[6] = {0x02, 0xa0, 0x00, 0x00, 0x00, (uint8_t)(c->naps + 1)};
    memcpy(a->ap.bssid, bssid, 6);
    a->x = x;
    a->y = y;
    a->tx_power_dbm = 20;
    a->network = -1;
    a->dhcp = true;
    dhcps_config_default(&a->dhcps);
    /* the DHCP server's own MAC: the BSSID with the next-to-last byte set */
    memcpy(a->dhcps.mac, bssid, 6);
    a->dhcps.mac[4] = 0xd0;
    /* Pools that never overlap (world.h): the first AP keeps the uplink's
     * network, so one-AP worlds are as they always were; AP n gets
     * 10.0.(2+n).0/24 with the same host numbers. */
    if (c->naps > 0) {
        uint32_t net = 0x0a000200u + ((uint32_t)c->naps << 8);
        a->dhcps.server_ip = net | 254;
        a->dhcps.router = net | 2;
        a->dhcps.pool_start = net | 15;
        a->dhcps.pool_end = net | 99;
    }
    c->naps++;
    return a;
}

int world_add_network(world_config *c, const char *name)
{
    if (c->nnets >= WORLD_MAX_APS)
        return -1;
    world_network_config *n = &c->nets[c->nnets];
    memset(n, 0, sizeof *n);
    n->dhcp = true;
    dhcps_config_default(&n->dhcps);
    n->dhcps.name = name;
    const uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0xd1, (uint8_t)(c->nnets + 1)};
    memcpy(n->dhcps.mac, mac, 6);
    return c->nnets++;
}

/* ---- the bridge ---- */

static void to_aps(struct world *w, const uint8_t *eth, size_t len, int except)
{
    for (int i = 0; i < w->naps; i++)
        if (i != except)
            ap_bridge_send(w->aps[i], eth, len);
}

/* The AP that last carried a frame from mac, or -1. */
/* The slot of mac in learned_by_mac: its entry's, or the empty one where it
 * would go. */
static size_t learned_slot(const struct world *w, const uint8_t *mac)
{
    const size_t n = sizeof w->learned_by_mac / sizeof w->learned_by_mac[0];
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (int i = 0; i < 6; i++)
        h = (h ^ mac[i]) * 1099511628211ull;
    for (size_t i = (size_t)(h % n);; i = (i + 1) % n) {
        uint16_t k = w->learned_by_mac[i];
        if (k == 0 || memcmp(w->learned[k - 1].mac, mac, 6) == 0)
            return i;
    }
}

static int learned_ap(const struct world *w, const uint8_t *mac)
{
    uint16_t k = w->learned_by_mac[learned_slot(w, mac)];
    return k != 0 ? w->learned[k - 1].ap : -1;
}

static void learn(struct world *w, const uint8_t *mac, int port)
{
    if (mac[0] & 1)
        return;
    size_t slot = learned_slot(w, mac);
    uint16_t k = w->learned_by_mac[slot];
    if (k != 0) {
        w->learned[k - 1].ap = port;
        return;
    }
    if (w->nlearned < WORLD_MAX_LEARNED) {
        memcpy(w->learned[w->nlearned].mac, mac, 6);
        w->learned[w->nlearned++].ap = port;
        w->learned_by_mac[slot] = (uint16_t)w->nlearned;
    }
}

/* A unicast frame to the AP its destination was learnt behind (when it is
 * one of net's APs, or net < 0); else, and for group frames, to every AP
 * (of net) but except. */
static void to_stations(struct world *w, const uint8_t *eth, size_t len, int net, int except)
{
    int port = len >= 6 && !(eth[0] & 1) ? learned_ap(w, eth) : -1;
    if (port >= 0 && (net < 0 || w->ap_net[port] == net)) {
        if (port != except)
            ap_bridge_send(w->aps[port], eth, len);
        return;
    }
    for (int i = 0; i < w->naps; i++)
        if (i != except && (net < 0 || w->ap_net[i] == net))
            ap_bridge_send(w->aps[i], eth, len);
}

/* A frame from a station, through its AP. */
static void from_ap(void *ctx, const uint8_t *eth, size_t len)
{
    struct bridge_port *p = ctx;
    struct world *w = p->w;
    capture_write(w->wire, sim_now(w->s), eth, len);
    if (len >= 12)
        learn(w, eth + 6, p->ap);
    if (w->rarp != NULL)
        router_arp_learn(w->rarp, eth, len);
    if (w->dh[p->ap] != NULL && dhcps_input(w->dh[p->ap], eth, len))
        return;
    /* Broadcasts reach the other APs' stations too, as on a real LAN. */
    if (len >= 6 && (eth[0] & 1))
        to_aps(w, eth, len, p->ap);
    if (w->up != NULL)
        uplink_input(w->up, eth, len);
}

/* A frame from a network's DHCP server, for that network's stations. */
static void from_dhcps(void *ctx, const uint8_t *eth, size_t len)
{
    struct server_port *p = ctx;
    capture_write(p->w->wire, sim_now(p->w->s), eth, len);
    to_stations(p->w, eth, len, p->net, -1);
}

/* The router's ARP cache answering its own stack. */
static void to_router(void *ctx, const uint8_t *eth, size_t len)
{
    struct world *w = ctx;
    uplink_input(w->up, eth, len);
}

/* A frame from the network beyond. */
static void from_uplink(void *ctx, const uint8_t *eth, size_t len)
{
    struct bridge_port *p = ctx;
    struct world *w = p->w;
    if (w->rarp != NULL && router_arp_answer(w->rarp, eth, len))
        return; /* answered inside the router: never on the wire */
    capture_write(w->wire, sim_now(w->s), eth, len);
    for (int i = 0; i < w->nservers; i++)
        if (w->servers[i] != NULL && dhcps_input(w->servers[i], eth, len))
            return;
    if (w->lan_dh != NULL && dhcps_input(w->lan_dh, eth, len))
        return;
    to_stations(w, eth, len, -1, -1);
    for (int i = 0; i < w->ndev && w->nphy > 0; i++)
        if (w->dev[i].phy != NULL)
            ethphy_wire_input(w->dev[i].phy, eth, len);
}

/* A frame a device's wired port put on its cable. */
static void from_phy(void *ctx, const uint8_t *eth, size_t len)
{
    struct device *d = ctx;
    struct world *w = d->w;
    capture_write(w->wire, sim_now(w->s), eth, len);
    if (w->rarp != NULL)
        router_arp_learn(w->rarp, eth, len);
    if (w->lan_dh != NULL && dhcps_input(w->lan_dh, eth, len))
        return;
    /* The segment's switch floods: the other ports' MACs filter. */
    for (int i = 0; i < w->ndev; i++)
        if (w->dev[i].phy != NULL && &w->dev[i] != d)
            ethphy_wire_input(w->dev[i].phy, eth, len);
    if (w->up != NULL)
        uplink_input(w->up, eth, len);
}

/* A frame from the LAN segment's DHCP server, for the wired ports. */
static void from_lan_dhcps(void *ctx, const uint8_t *eth, size_t len)
{
    struct world *w = ctx;
    capture_write(w->wire, sim_now(w->s), eth, len);
    for (int i = 0; i < w->ndev; i++)
        if (w->dev[i].phy != NULL)
            ethphy_wire_input(w->dev[i].phy, eth, len);
}

world *world_create(const world_config *cfg, sim_err *err)
{
    world *w = calloc(1, sizeof *w);
    if (w == NULL) {
        sim_err_set(err, SIM_ENOMEM, "out of memory creating the world");
        return NULL;
    }
    w->s = sim_create(&(sim_config){.seed = cfg->seed}, err);
    if (w->s == NULL)
        goto fail;
    if (dot11_ccm_memo_enabled() &&
        (w->ccm_memo = dot11_ccm_memo_new(dot11_ccm_memo_entries_for((size_t)cfg->naps + (size_t)cfg->ndevices))) ==
            NULL) {
        sim_err_set(err, SIM_ENOMEM, "out of memory for the CCM memo");
        goto fail;
    }
    if ((w->pmk_cache = dot11_pmk_cache_new()) == NULL) {
        sim_err_set(err, SIM_ENOMEM, "out of memory for the PMK cache");
        goto fail;
    }
    medium_config mc = cfg->medium;
    if (cfg->air_pcap != NULL && cfg->air_events_pcap != NULL) {
        capture_config cc = {.linktype = CAPTURE_LINKTYPE_IEEE802_11_RADIOTAP, .epoch_s = CAPTURE_DEFAULT_EPOCH_S,
                             .flush_each = cfg->air_flush_each, .buffer_bytes = WORLD_EVENTS_CAPTURE_BUF};
        if ((w->air_events = capture_open(cfg->air_events_pcap, &cc, err)) == NULL)
            goto fail;
    }
    if (cfg->wire_pcap != NULL && cfg->wire_events_pcap != NULL) {
        capture_config cc = {.linktype = CAPTURE_LINKTYPE_ETHERNET, .epoch_s = CAPTURE_DEFAULT_EPOCH_S,
                             .flush_each = cfg->wire_flush_each, .buffer_bytes = WORLD_EVENTS_CAPTURE_BUF};
        if ((w->wire_events = capture_open(cfg->wire_events_pcap, &cc, err)) == NULL)
            goto fail;
    }
    if (cfg->air_pcap != NULL && cfg->air_decrypted_pcap != NULL) {
        capture_config cc = {.linktype = CAPTURE_LINKTYPE_IEEE802_11_RADIOTAP,
                             .epoch_s = CAPTURE_DEFAULT_EPOCH_S,
                             .snaplen = cfg->capture_snaplen,
                             .ring_bytes = cfg->capture_ring_bytes,
                             .ring_files = cfg->capture_ring_files,
                             .flush_each = cfg->air_flush_each};
        if ((w->air_dec = capture_open(cfg->air_decrypted_pcap, &cc, err)) == NULL ||
            (w->dec = airdecrypt_create(w->air_dec, err)) == NULL)
            goto fail;
        airdecrypt_set_ccm_memo(w->dec, w->ccm_memo);
        airdecrypt_set_pmk_cache(w->dec, w->pmk_cache);
        for (int i = 0; i < cfg->naps; i++) {
            const ap_config *a = &cfg->aps[i].ap;
            if (a->passphrase != NULL && a->passphrase[0] != '\0' &&
                airdecrypt_add_network(w->dec, a->ssid, a->passphrase, err) != SIM_OK)
                goto fail;
        }
    }
    if (cfg->air_pcap != NULL) {
        capture_config cc = {.linktype = CAPTURE_LINKTYPE_IEEE802_11_RADIOTAP,
                             .epoch_s = CAPTURE_DEFAULT_EPOCH_S,
                             .snaplen = cfg->capture_snaplen,
                             .ring_bytes = cfg->capture_ring_bytes,
                             .ring_files = cfg->capture_ring_files,
                             .flush_each = cfg->air_flush_each,
                             .events = w->air_events,
                             .tap = w->dec != NULL ? airdecrypt_frame : NULL,
                             .tap_ctx = w->dec};
        w->air = capture_open(cfg->air_pcap, &cc, err);
        if (w->air == NULL)
            goto fail;
    }
    mc.air = w->air;
    if (cfg->wire_pcap != NULL) {
        capture_config cc = {.linktype = CAPTURE_LINKTYPE_ETHERNET,
                             .epoch_s = CAPTURE_DEFAULT_EPOCH_S,
                             .snaplen = cfg->capture_snaplen,
                             .ring_bytes = cfg->capture_ring_bytes,
                             .ring_files = cfg->capture_ring_files,
                             .flush_each = cfg->wire_flush_each,
                             .events = w->wire_events};
        w->wire = capture_open(cfg->wire_pcap, &cc, err);
        if (w->wire == NULL)
            goto fail;
    }
    if (cfg->uplink) {
        w->up_port = (struct bridge_port){w, -1};
        w->up = uplink_create(w->s, &cfg->up, from_uplink, &w->up_port, err);
        if (w->up == NULL)
            goto fail;
        w->rarp = router_arp_create(w->s, to_router, w);
        if (w->rarp == NULL) {
            sim_err_set(err, SIM_ENOMEM, "out of memory for the router's ARP cache");
            goto fail;
        }
    }
    w->m = medium_create(w->s, &mc, err);
    if (w->m == NULL)
        goto fail;
    if (cfg->naps < 0 || cfg->naps > WORLD_MAX_APS || cfg->nnets < 0 || cfg->nnets > WORLD_MAX_APS) {
        sim_err_set(err, SIM_EINVAL, "a world has 0..%d APs and networks", WORLD_MAX_APS);
        goto fail;
    }
    /* The shared networks first (servers[0..nnets-1]), then one per AP on
     * its own (world.h). */
    for (int k = 0; k < cfg->nnets; k++) {
        w->sports[k] = (struct server_port){w, k};
        if (cfg->nets[k].dhcp &&
            (w->servers[k] = dhcps_create(w->s, &cfg->nets[k].dhcps, from_dhcps, &w->sports[k], err)) == NULL)
            goto fail;
        w->nservers = k + 1;
    }
    for (int i = 0; i < cfg->naps; i++) {
        int net = cfg->aps[i].network;
        if (net >= cfg->nnets) {
            sim_err_set(err, SIM_EINVAL, "AP %d names network %d of %d", i, net, cfg->nnets);
            goto fail;
        }
        if (net < 0) {
            net = w->nservers++;
            w->sports[net] = (struct server_port){w, net};
            if (cfg->aps[i].dhcp &&
                (w->servers[net] = dhcps_create(w->s, &cfg->aps[i].dhcps, from_dhcps, &w->sports[net], err)) == NULL)
                goto fail;
        }
        w->ap_net[i] = net;
        w->dh[i] = w->servers[net];
    }
    /* A router outside the uplink's own network: the uplink answers ARP for
     * it (uplink.h, uplink_add_router), as for a moved pool. */
    for (int k = 0; k < w->nservers && w->up != NULL; k++) {
        uint32_t router = 0;
        if (w->servers[k] != NULL)
            dhcps_get_pool(w->servers[k], NULL, NULL, NULL, &router, NULL);
        if (router != 0 && router != cfg->up.gateway && uplink_add_router(w->up, router, err) != SIM_OK)
            goto fail;
    }
    for (int i = 0; i < cfg->naps; i++) {
        const world_ap_config *a = &cfg->aps[i];
        medium_node_config nc;
        medium_node_config_default(&nc);
        nc.name = a->ap.name;
        memcpy(nc.mac, a->ap.bssid, 6);
        nc.x = a->x;
        nc.y = a->y;
        nc.z = a->z;
        nc.channel = a->ap.channel;
        nc.tx_power_dbm = a->tx_power_dbm;
        w->ap_nodes[i] = medium_attach(w->m, &nc, err);
        if (w->ap_nodes[i] == NULL)
            goto fail;
        dot11_air_port port;
        medium_node_air_port(w->ap_nodes[i], &port);
        ap_config ac = a->ap;
        ac.ccm_memo = w->ccm_memo;
        ac.pmk_cache = w->pmk_cache;
        w->aps[i] = ap_create(w->s, &port, &ac, err);
        if (w->aps[i] == NULL)
            goto fail;
        medium_node_set_rx(w->ap_nodes[i], ap_receive, w->aps[i]);
        w->ports[i] = (struct bridge_port){w, i};
        ap_set_bridge(w->aps[i], from_ap, &w->ports[i]);
        w->naps++;
    }
    if (cfg->ndevices < 1 || cfg->ndevices > WORLD_MAX_DEVICES) {
        sim_err_set(err, SIM_EINVAL, "a world has 1..%d devices, not %d", WORLD_MAX_DEVICES, cfg->ndevices);
        goto fail;
    }
    bool any_lan = false;
    for (int i = 0; i < cfg->ndevices; i++) {
        const world_device_config *dc = &cfg->dev[i];
        struct device *d = &w->dev[i];
        d->w = w;
        snprintf(d->name, sizeof d->name, "%s", dc->name[0] ? dc->name : "cam");
        for (int k = 0; k < i; k++)
            if (strcmp(w->dev[k].name, d->name) == 0) {
                sim_err_set(err, SIM_EINVAL, "two devices are named '%s'", d->name);
                goto fail;
            }
        snprintf(d->radio_name, sizeof d->radio_name, "%s.radio", d->name);
        snprintf(d->eth_name, sizeof d->eth_name, "%s.eth", d->name);
        w->ndev = i + 1;
        medium_node_config nc;
        medium_node_config_default(&nc);
        nc.name = d->radio_name;
        memcpy(nc.mac, dc->radio.mac, 6);
        /* radio_receive drops frames for other stations unseen. */
        nc.rx_addressed_only = true;
        nc.x = dc->x;
        nc.y = dc->y;
        nc.z = dc->z;
        nc.tx_power_dbm = dc->tx_power_dbm;
        nc.channel = dc->radio.nchannels > 0 ? dc->radio.channels[0] : 1;
        d->sta = medium_attach(w->m, &nc, err);
        if (d->sta == NULL)
            goto fail;
        dot11_air_port port;
        medium_node_air_port(d->sta, &port);
        radio_config rc = dc->radio;
        rc.name = d->radio_name;
        rc.ccm_memo = w->ccm_memo;
        rc.pmk_cache = w->pmk_cache;
        d->r = radio_create(w->s, &port, &rc, err);
        if (d->r == NULL)
            goto fail;
        medium_node_set_rx(d->sta, radio_receive, d->r);
        board_config bc = dc->board;
        bc.name = d->name;
        d->b = board_create(w->s, &bc, err);
        if (d->b == NULL)
            goto fail;
        if (board_attach_radio(d->b, d->r, err) != SIM_OK)
            goto fail;
        d->ap = softap_create(w->s, w->m, d->sta, d->name, dc->radio.mac, err);
        if (d->ap == NULL || board_attach_softap(d->b, d->ap, err) != SIM_OK)
            goto fail;
        if (dc->lan) {
            ethphy_config pc = dc->lan_phy;
            pc.name = d->eth_name;
            d->phy = ethphy_create(w->s, &pc, from_phy, d, err);
            if (d->phy == NULL)
                goto fail;
            w->nphy++;
            if (board_attach_ethphy(d->b, d->phy, err) != SIM_OK)
                goto fail;
            any_lan = true;
        }
    }
    /* The air capture listens beside the first device (medium.h "Capture"),
     * unless the scenario placed the monitor. */
    medium_set_monitor_node(w->m, w->dev[0].sta);
    if (any_lan && cfg->lan_dhcp) {
        w->lan_dh = dhcps_create(w->s, &cfg->lan_dhcps, from_lan_dhcps, w, err);
        if (w->lan_dh == NULL)
            goto fail;
    }
    return w;
fail:
    world_destroy(w);
    return NULL;
}

/* Benchmarks and debugging only (LINKRIG_CCM_MEMO_STATS=1): the memo's hit
 * rate on stderr, never in a run's outputs. */
static void world_ccm_memo_report(const world *w)
{
    const char *env = getenv("LINKRIG_CCM_MEMO_STATS");
    uint64_t lookups, hits, records;
    if (w->ccm_memo == NULL || env == NULL || strcmp(env, "1") != 0)
        return;
    dot11_ccm_memo_stats(w->ccm_memo, &lookups, &hits, &records);
    fprintf(stderr, "ccm memo: %" PRIu64 " encryptions recorded, %" PRIu64 " decryptions, %" PRIu64 " hits (%.1f%%)\n",
            records, lookups, hits, lookups ? 100.0 * (double)hits / (double)lookups : 0.0);
}

/* Benchmarks only (LINKRIG_WORLD_STATS=1): how much work the run was -
 * events fired and frames on the air - on stderr, so bench/run.py can tell
 * a cost per device-hour that grows because the engine scales badly from
 * one that grows because a crowded world has more to model. Never in a
 * run's outputs. Read before the medium is destroyed. */
static void world_stats_report(const world *w)
{
    const char *env = getenv("LINKRIG_WORLD_STATS");
    medium_stats ms = {0};
    if (env == NULL || strcmp(env, "1") != 0 || w->s == NULL)
        return;
    if (w->m != NULL)
        medium_get_stats(w->m, &ms);
    fprintf(stderr,
            "world stats: events %" PRIu64 " air_tx %" PRIu64 " deliveries %" PRIu64 " retries %" PRIu64
            " acks %" PRIu64 "\n",
            sim_events_fired(w->s), ms.tx_frames, ms.rx_frames, ms.retries, ms.acks);
}

void world_destroy(world *w)
{
    if (w == NULL)
        return;
    if (w->on_destroy != NULL)
        w->on_destroy(w->on_destroy_ctx); /* while the sim and the APs still exist */
    world_stats_report(w);
    for (int i = 0; i < w->ndev; i++) {
        board_destroy(w->dev[i].b);
        softap_destroy(w->dev[i].ap);
        radio_destroy(w->dev[i].r);
        ethphy_destroy(w->dev[i].phy);
    }
    if (w->lan_dh != NULL)
        dhcps_destroy(w->lan_dh);
    for (int i = 0; i < WORLD_MAX_SERVERS; i++)
        if (w->servers[i] != NULL)
            dhcps_destroy(w->servers[i]);
    for (int i = 0; i < WORLD_MAX_APS; i++)
        if (w->aps[i] != NULL)
            ap_destroy(w->aps[i]);
    if (w->m != NULL)
        medium_destroy(w->m);
    router_arp_destroy(w->rarp);
    if (w->up != NULL)
        uplink_destroy(w->up);
    capture_close(w->air);
    capture_close(w->wire);
    capture_close(w->air_events);
    capture_close(w->wire_events);
    airdecrypt_free(w->dec);
    capture_close(w->air_dec);
    world_ccm_memo_report(w);
    dot11_ccm_memo_free(w->ccm_memo);
    dot11_pmk_cache_free(w->pmk_cache);
    sim_destroy(w->s);
    free(w);
}

int world_finish_captures(world *w, sim_err *err)
{
    int rc = capture_finish(w->air, err);
    sim_err second = {0};
    int rc2 = capture_finish(w->wire, rc == SIM_OK ? err : &second);
    return rc != SIM_OK ? rc : rc2;
}

sim *world_sim(world *w) { return w->s; }
capture *world_wire_capture(world *w) { return w->wire; }
void *world_on_destroy_ctx(world *w) { return w->on_destroy_ctx; }
void world_on_destroy(world *w, void (*fn)(void *ctx), void *ctx)
{
    w->on_destroy = fn;
    w->on_destroy_ctx = ctx;
}
medium *world_medium(world *w) { return w->m; }
int world_device_count(const world *w) { return w->ndev; }
board *world_device_board(world *w, int i) { return i >= 0 && i < w->ndev ? w->dev[i].b : NULL; }
radio *world_device_radio(world *w, int i) { return i >= 0 && i < w->ndev ? w->dev[i].r : NULL; }
medium_node *world_device_node(world *w, int i) { return i >= 0 && i < w->ndev ? w->dev[i].sta : NULL; }
ethphy *world_device_ethphy(world *w, int i) { return i >= 0 && i < w->ndev ? w->dev[i].phy : NULL; }
struct softap *world_device_softap(world *w, int i) { return i >= 0 && i < w->ndev ? w->dev[i].ap : NULL; }
int world_device_index(const world *w, const char *name)
{
    for (int i = 0; i < w->ndev; i++)
        if (strcmp(w->dev[i].name, name) == 0)
            return i;
    return -1;
}
board *world_board(world *w) { return w->dev[0].b; }
radio *world_radio(world *w) { return w->dev[0].r; }
medium_node *world_sta_node(world *w) { return w->dev[0].sta; }
int world_ap_count(const world *w) { return w->naps; }
ap *world_ap(world *w, int i) { return i >= 0 && i < w->naps ? w->aps[i] : NULL; }
medium_node *world_ap_node(world *w, int i) { return i >= 0 && i < w->naps ? w->ap_nodes[i] : NULL; }
dhcps *world_dhcps(world *w, int i) { return i >= 0 && i < w->naps ? w->dh[i] : NULL; }
uplink *world_uplink(world *w) { return w->up; }
ethphy *world_ethphy(world *w) { return w->dev[0].phy; }
dhcps *world_lan_dhcps(world *w) { return w->lan_dh; }
