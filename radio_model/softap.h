/* radio_model/softap.h — the chip's AP interface (cyw43's CYW43_ITF_AP):
 * the device hosts a network of its own.
 *
 * The chip runs the same access point as ap_model/ (ap.h): beacons, probe
 * responses, open-system authentication and association, and on WPA2-PSK
 * the authenticator's 4-way handshake with real keys, so a station with a
 * wrong passphrase fails on message 2's MIC and is deauthenticated with
 * reason 15 after hostapd's 4 attempts. What differs from an AP of the
 * world is what is behind it: no DHCP server and no uplink, but the
 * device's firmware. Ethernet frames from authorized stations go to the
 * host (softap_host.rx_ethernet, the chip driver's process_ethernet on the
 * AP interface), and the host's frames go to the stations (softap_send).
 *
 * On the air the interface is a medium node of its own, with its own BSSID
 * (the device's MAC with byte 3 set to 0x0a: a second, locally
 * administered address, as the chip's firmware gives its AP bsscfg an
 * address of its own), its own channel and the device's transmit power. It
 * sits where the device is: it takes the device node's position whenever
 * it transmits (every beacon, 102.4 ms), so a device that moves carries
 * its network along.
 *
 * Not modelled: the single radio's time-sharing between the STA and AP
 * interfaces (the real chip must keep both on one channel; here each
 * interface has its own), power save of the stations (no TIM buffering),
 * and WPA3/WPA-TKIP. The station table is that of ap_model (max_stations
 * below; cyw43-driver's default maxassoc is not documented, 4 is what the
 * layer reports).
 *
 * The AP and its node exist only while the interface is up: softap_start
 * creates them, softap_stop destroys the AP and detaches the node (a
 * restart attaches a new node under the same name). Trace component:
 * "<device>.ap" (ap.h's events: sta_authorized, deauth, ...). */
#ifndef LINKRIG_RADIO_MODEL_SOFTAP_H
#define LINKRIG_RADIO_MODEL_SOFTAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "radio_model/medium.h"
#include "sim/sim.h"

#define SOFTAP_MAX_STATIONS 4

typedef struct softap softap;

typedef struct softap_host {
    void *ctx;
    /* An Ethernet frame from an authorized station (valid during the call). */
    void (*rx_ethernet)(void *ctx, const uint8_t *eth, size_t len);
} softap_host;

/* name: the device's name (the AP traces as "<name>.ap"); follow: the
 * device's own medium node. Nothing is on the air yet. */
softap *softap_create(sim *s, medium *m, medium_node *follow, const char *name, const uint8_t sta_mac[6],
                      sim_err *err);
void softap_destroy(softap *a);
void softap_set_host(softap *a, const softap_host *host);

/* Brings the network up: ssid 1..32 bytes, passphrase NULL/"" (open) or
 * 8..63 characters (WPA2-PSK/CCMP), channel 1..13. Restarts it when it is
 * already up. */
int softap_start(softap *a, const uint8_t *ssid, size_t ssid_len, const char *passphrase, int channel, sim_err *err);
/* Silent at once; stations are forgotten without a frame (the chip's AP
 * bsscfg going down). */
void softap_stop(softap *a);
bool softap_running(const softap *a);
/* The network the firmware last brought up (its SSID and passphrase, ""
 * when open), running or not; false when it never did. What the run's
 * decryption hint gives for the device's own network. */
bool softap_last_network(const softap *a, const char **ssid, const char **passphrase);
void softap_bssid(const softap *a, uint8_t bssid[6]);
/* An Ethernet frame from the host to a station (or to all when group
 * addressed). SIM_ESTATE when the network is down or the station is not
 * authorized, SIM_EINVAL for a malformed frame. */
int softap_send(softap *a, const uint8_t *eth, size_t len);
/* Authorized stations: up to max MACs into macs; returns how many there are. */
size_t softap_stations(const softap *a, uint8_t (*macs)[6], size_t max);

#endif
