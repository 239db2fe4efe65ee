/* ap_model/ap.h — a simulated Wi-Fi access point.
 *
 * An AP is a node of the medium that speaks real 802.11: beacons every
 * beacon interval (SSID, rates, DS parameter set, TIM, and the RSN element
 * for WPA2), probe responses, open-system authentication, association with
 * AIDs, and for WPA2-PSK the authenticator side of the EAPOL-Key 4-way
 * handshake (802.11-2016 12.7.6) with real crypto from dot11/crypto: a wrong
 * passphrase fails because message 2's MIC does not verify. Retry timing
 * follows hostapd's defaults: message 1 and 3 are resent after 100 ms the
 * first time and 1000 ms after that, 4 attempts in all, then the station is
 * deauthenticated with reason 15 (4-way handshake timeout).
 *
 * Station table states (802.11-2016 11.3.1): State 1 (unauthenticated),
 * State 2 (authenticated), State 3 (associated, port blocked until the
 * 4-way handshake completes on WPA2), authorized. Data from a station that is
 * not associated is answered with a deauthentication, reason 7.
 *
 * Power save and ageing (ap_ps.c): frames for a station in power save are
 * buffered and announced in the TIM, released by PS-Poll or PM=0; a station
 * silent for max_inactivity_s is polled with a Null frame and, unanswered,
 * disassociated with reason 4 (hostapd's ap_handle_timer).
 *
 * Data: frames from stations are CCMP-decrypted (replay-checked by PN) and
 * handed to the bridge port as Ethernet frames; EAPOL frames go to the
 * authenticator, never to the bridge. Ethernet frames sent into the bridge
 * port go to the addressed station (pairwise key) or to all (group key).
 *
 * The AP reaches the air only through the dot11_air_port it is given; the
 * code that wires the world passes it the frames it hears (ap_receive).
 * Every received frame is parsed as untrusted bytes. Events go to the trace
 * under the AP's name. Randomness (ANonce, GTK) comes from the run's stream
 * named after the AP. */
#ifndef LINKRIG_AP_MODEL_AP_H
#define LINKRIG_AP_MODEL_AP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dot11/air.h"
#include "dot11/ccm_memo.h"
#include "dot11/pmk_cache.h"
#include "sim/sim.h"

typedef struct ap ap;

typedef struct ap_config {
    const char *name;            /* trace component; default "ap" */
    const char *ssid;            /* 1..32 bytes */
    const char *passphrase;      /* NULL or "": open network; else WPA2-PSK/CCMP, 8..63 chars */
    const char *radius_secret;   /* non-empty: WPA2-Enterprise (AKM 00-0F-AC:1, IEEE 802.1X
                                  * through ap_8021x.h); passphrase must then be empty */
    uint32_t nas_ip;             /* NAS-IP-Address in Access-Requests (host order); 0 none */
    const char *sae_password;    /* non-empty: WPA3-Personal (SAE, AKM 00-0F-AC:8, group 19);
                                  * with a passphrase too: WPA2/WPA3 transition (AKMs PSK
                                  * and SAE) */
    int pmf;                     /* protected management frames (802.11w): 0 by security
                                  * (WPA3-only: required, transition: capable, else none),
                                  * 1 none, 2 capable (MFPC), 3 required (MFPR) */
    int sae_anti_clogging_threshold; /* SAE exchanges in progress beyond which a Commit
                                      * must carry a token (status 76); default 5
                                      * (hostapd sae_anti_clogging_threshold); 0 = always */
    uint8_t bssid[6];
    int channel;
    uint16_t beacon_interval_tu; /* default 100 TU = 102.4 ms */
    uint32_t eapol_timeout_first_ms; /* default 100 */
    uint32_t eapol_timeout_ms;       /* default 1000 */
    int eapol_attempts;              /* default 4 */
    int max_stations;                /* associated stations; default 16 (beyond: status 17) */
    bool hidden;                     /* empty SSID in beacons, wildcard probes ignored */
    uint32_t gtk_rekey_s;            /* group rekey period (hostapd wpa_group_rekey); 0 = never */
    uint8_t mgmt_rate;               /* default 2 (1 Mb/s) */
    uint8_t data_rate;               /* default 48 (24 Mb/s) */
    uint8_t dtim_period;             /* beacons per DTIM; default 2 (hostapd's dtim_period); 0: default */
    uint32_t max_inactivity_s;       /* ageing (ap_ps.c): poll, then disassociate (reason 4) a station
                                      * silent this long; default 300 (hostapd's ap_max_inactivity);
                                      * 0 = never */
    dot11_ccm_memo *ccm_memo;        /* the world's CCM memo for its engines (not owned); NULL: none */
    dot11_pmk_cache *pmk_cache;      /* the world's PSK derivations (not owned); NULL: derive each time */
} ap_config;
void ap_config_default(ap_config *c);

/* The port is copied. The AP tunes it to cfg->channel and enables it. */
ap *ap_create(sim *s, const dot11_air_port *air, const ap_config *cfg, sim_err *err);
void ap_destroy(ap *a);
/* A frame the air delivered to the AP (matches dot11_rx_fn with ctx = ap). */
void ap_receive(void *ap_ctx, const uint8_t *frame, size_t len, const dot11_rx_info *info);

/* The bridge port. Ethernet frames (dst, src, type, payload) from authorized
 * stations come out through fn. */
typedef void (*ap_bridge_rx_fn)(void *ctx, const uint8_t *eth, size_t len);
void ap_set_bridge(ap *a, ap_bridge_rx_fn fn, void *ctx);
/* An Ethernet frame from the wire side: unicast to an authorized station, or
 * group-addressed to all. SIM_EINVAL for a malformed frame, SIM_ESTATE when
 * the addressed station is not authorized or the AP is off. */
int ap_bridge_send(ap *a, const uint8_t *eth, size_t len);

/* Controls for scenarios and faults. Off: silent on the air, and the station
 * table is forgotten (as after a reboot). Position and transmit power belong
 * to the medium node behind the port, not to the AP. */
void ap_set_enabled(ap *a, bool on);
bool ap_enabled(const ap *a);
/* Moves the BSS to another channel (beacons' DS parameter set follows). */
int ap_set_channel(ap *a, int channel, sim_err *err);
/* Takes effect for the next handshake; NULL or "" makes the network open.
 * On a WPA3 AP it is the SAE password (and the PSK in transition mode):
 * the next SAE uses it; such an AP cannot be made open (SIM_EINVAL). */
int ap_set_passphrase(ap *a, const char *passphrase, sim_err *err);

/* WPA2-Enterprise: where Access-Requests go (sim/radius_link.c's
 * radius_link_send fits), and the server's datagrams coming back. Without
 * a sender every request is lost (the RADIUS timeout path). */
void ap_set_radius(ap *a, void (*send)(void *ctx, const uint8_t *pkt, size_t len), void *ctx);
void ap_radius_receive(ap *a, const uint8_t *pkt, size_t len);
bool ap_enterprise(const ap *a);
/* Anti-clogging tokens demanded from every SAE Commit (the threshold 0) or
 * back to the configured threshold. */
void ap_set_sae_anti_clogging(ap *a, bool always);
/* Sends a deauthentication to one station (or all with NULL) and forgets it. */
void ap_deauth(ap *a, const uint8_t *sta_mac, uint16_t reason);
/* Sends a disassociation to one station (or each associated one with NULL):
 * it drops back to State 2 (authenticated, keys gone; 11.3.5.5), so its
 * data is then answered with a deauthentication, reason 7. */
void ap_disassoc(ap *a, const uint8_t *sta_mac, uint16_t reason);
/* Refuses every (Re)Association Request with status (9.4.1.9) until called
 * again with 0. For status 30 a nonzero comeback_tu adds a Timeout Interval
 * element, type 3 "association comeback time" (9.4.2.49). Authentication
 * still succeeds. */
void ap_set_refusal(ap *a, uint16_t status, uint32_t comeback_tu);
/* Starts a group rekey now (hostapd's wpa_group_rekey timer firing): a new
 * GTK under the other key ID, the group key handshake (12.7.7) with every
 * authorized station; the AP keeps sending group traffic with the old GTK
 * until every station has answered or been deauthenticated (reason 16 after
 * 4 unanswered messages 1, hostapd's dot11RSNAConfigGroupUpdateCount).
 * SIM_ESTATE on an open network or when off. */
int ap_gtk_rekey(ap *a);
/* The key ID group traffic goes out under (1 or 2). */
int ap_gtk_tx_key_id(const ap *a);
const uint8_t *ap_bssid(const ap *a);
size_t ap_station_count(const ap *a);
/* Stations in State 3 or 4 (what max_stations limits). */
size_t ap_associated_count(const ap *a);
/* True when the station is associated and (on WPA2) its 4-way handshake done. */
bool ap_station_authorized(const ap *a, const uint8_t sta_mac[6]);
/* The authorized stations (State 4) in table order: copies up to max MACs
 * into macs (may be NULL) and returns how many there are. */
size_t ap_station_list(const ap *a, uint8_t (*macs)[6], size_t max);

#endif
