#include "radio_model/softap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap_model/ap.h"

struct softap {
    sim *s;
    medium *m;
    medium_node *follow;
    medium_node *node; /* while running */
    ap *ap;            /* while running */
    char name[48];     /* "<device>.ap" */
    uint8_t bssid[6];
    softap_host host;
    /* the network it last brought up, for the run's decryption hint */
    char last_ssid[33];
    char last_passphrase[65];
    bool started;
};

/* The AP's port: the medium node's, with the device's position copied in
 * before each frame so the network moves with the device. */
static int64_t port_transmit(void *ctx, const uint8_t *frame, size_t len, uint8_t rate)
{
    softap *a = ctx;
    double x, y, z;
    medium_node_position(a->follow, &x, &y, &z);
    medium_node_move(a->node, x, y, z);
    medium_node_set_tx_power(a->node, medium_node_tx_power(a->follow));
    return medium_transmit(a->node, frame, len, rate);
}

static int port_set_channel(void *ctx, int channel)
{
    softap *a = ctx;
    return medium_node_set_channel(a->node, channel);
}

static void port_set_enabled(void *ctx, bool on)
{
    softap *a = ctx;
    medium_node_set_enabled(a->node, on);
}

static void from_ap(void *ctx, const uint8_t *eth, size_t len)
{
    softap *a = ctx;
    if (a->host.rx_ethernet != NULL)
        a->host.rx_ethernet(a->host.ctx, eth, len);
}

softap *softap_create(sim *s, medium *m, medium_node *follow, const char *name, const uint8_t sta_mac[6],
                      sim_err *err)
{
    if (s == NULL || m == NULL || follow == NULL || name == NULL || sta_mac == NULL) {
        sim_err_set(err, SIM_EINVAL, "softap: sim, medium, node, name and MAC are required");
        return NULL;
    }
    softap *a = calloc(1, sizeof *a);
    if (a == NULL) {
        sim_err_set(err, SIM_ENOMEM, "softap: out of memory");
        return NULL;
    }
    a->s = s;
    a->m = m;
    a->follow = follow;
    snprintf(a->name, sizeof a->name, "%s.ap", name);
    memcpy(a->bssid, sta_mac, 6);
    a->bssid[3] = 0x0a;
    return a;
}

void softap_stop(softap *a)
{
    if (a == NULL || a->ap == NULL)
        return;
    ap_destroy(a->ap);
    a->ap = NULL;
    medium_detach(a->node);
    a->node = NULL;
}

void softap_destroy(softap *a)
{
    if (a == NULL)
        return;
    softap_stop(a);
    free(a);
}

void softap_set_host(softap *a, const softap_host *host)
{
    if (host != NULL)
        a->host = *host;
    else
        memset(&a->host, 0, sizeof a->host);
}

int softap_start(softap *a, const uint8_t *ssid, size_t ssid_len, const char *passphrase, int channel, sim_err *err)
{
    if (ssid == NULL || ssid_len == 0 || ssid_len > 32)
        return sim_err_set(err, SIM_EINVAL, "softap: SSID must be 1..32 bytes");
    if (memchr(ssid, '\0', ssid_len) != NULL)
        return sim_err_set(err, SIM_EINVAL, "softap: the SSID holds a NUL byte, which the AP model cannot carry");
    softap_stop(a);
    char text[33];
    memcpy(text, ssid, ssid_len);
    text[ssid_len] = '\0';
    double x, y, z;
    medium_node_position(a->follow, &x, &y, &z);
    medium_node_config nc;
    medium_node_config_default(&nc);
    nc.name = a->name;
    memcpy(nc.mac, a->bssid, 6);
    nc.x = x;
    nc.y = y;
    nc.z = z;
    nc.channel = channel;
    nc.tx_power_dbm = medium_node_tx_power(a->follow);
    a->node = medium_attach(a->m, &nc, err);
    if (a->node == NULL)
        return err != NULL ? err->code : SIM_EINVAL;
    dot11_air_port port = {.ctx = a,
                           .transmit = port_transmit,
                           .set_channel = port_set_channel,
                           .set_enabled = port_set_enabled};
    ap_config c;
    ap_config_default(&c);
    c.name = a->name;
    c.ssid = text;
    c.passphrase = passphrase;
    memcpy(c.bssid, a->bssid, 6);
    c.channel = channel;
    c.max_stations = SOFTAP_MAX_STATIONS;
    a->ap = ap_create(a->s, &port, &c, err);
    if (a->ap == NULL) {
        medium_detach(a->node);
        a->node = NULL;
        return err != NULL ? err->code : SIM_EINVAL;
    }
    medium_node_set_rx(a->node, ap_receive, a->ap);
    ap_set_bridge(a->ap, from_ap, a);
    snprintf(a->last_ssid, sizeof a->last_ssid, "%s", text);
    snprintf(a->last_passphrase, sizeof a->last_passphrase, "%s", passphrase != NULL ? passphrase : "");
    a->started = true;
    return SIM_OK;
}

bool softap_last_network(const softap *a, const char **ssid, const char **passphrase)
{
    if (a == NULL || !a->started)
        return false;
    *ssid = a->last_ssid;
    *passphrase = a->last_passphrase;
    return true;
}

bool softap_running(const softap *a) { return a != NULL && a->ap != NULL; }

void softap_bssid(const softap *a, uint8_t bssid[6]) { memcpy(bssid, a->bssid, 6); }

int softap_send(softap *a, const uint8_t *eth, size_t len)
{
    if (a == NULL || a->ap == NULL)
        return SIM_ESTATE;
    return ap_bridge_send(a->ap, eth, len);
}

size_t softap_stations(const softap *a, uint8_t (*macs)[6], size_t max)
{
    return a != NULL ? ap_station_list(a->ap, macs, max) : 0;
}
