/* radio_model/radio.h — the simulated Wi-Fi chip (station side).
 *
 * The chip a device's driver talks to: power, scan, join, leave, send and
 * receive, link monitor. It speaks real 802.11 through a dot11_air_port:
 * probe requests, open-system authentication, association, and the
 * supplicant side of the WPA2-PSK 4-way handshake (802.11-2016 12.7.6) with
 * real crypto (PMK by PBKDF2-SHA1, cached per SSID and passphrase; PTK by the
 * 802.11 PRF; MIC HMAC-SHA1-128; GTK unwrapped with AES key wrap); data
 * frames are CCMP-protected on WPA2.
 *
 * Station states (read as a table in radio.c): OFF, IDLE, SCANNING (a host
 * scan), and the join sequence JOIN_SCAN -> AUTHENTICATING (802.11 State 1)
 * -> ASSOCIATING (State 2) -> HANDSHAKE (State 3, port blocked) -> JOINED
 * (State 3, keys installed, port open).
 *
 * The link status the host reads is the cyw43-driver's wifi_join_state
 * (src/cyw43_ctrl.c): set to JOIN (ACTIVE) by a join and changed only by
 * the chip's events, never by the state above alone. So it persists across
 * a link loss until the host leaves (the table with the source of each row
 * is in firmware_shim/include/wifi_chip.h):
 *   join called; joining; joined               -> RADIO_LINK_JOIN
 *   no BSS with the SSID in join_scan_passes passes -> NONET
 *   authentication or association refused or unanswered -> FAIL
 *   handshake ended by a deauthentication      -> BADAUTH at once; the chip
 *       retries the whole join badauth_retries times, and a retry's
 *       successful authentication sets JOIN again
 *   handshake timeout (no message 1 or 3 within handshake_timeout_ms)
 *                                              -> JOIN: the driver rejoins
 *   joined link lost (beacon loss, deauthentication with any reason but 2,
 *       disassociation)                        -> JOIN: the chip rejoins on its own
 *   deauthentication reason 2                  -> DOWN: the driver disassociates
 *   leave, power off                           -> DOWN
 *
 * The chip's own rejoin (cyw43's firmware keeps the SSID of its join and
 * reconnects; the host sees link_down, then link_up, with no call of its
 * own): an attempt at once after the loss, then one every roam_period_ms.
 * The 10 s default is an estimate: the CYW43439 firmware's cadence is not
 * documented and the cyw43-driver sets no roam parameter; Broadcom's roam
 * scan period (the WLC_SET_ROAM_SCAN_PERIOD ioctl, wlioctl.h) is 10 s in
 * the Broadcom Wi-Fi settings we could read (ROAM_SCANPERIOD_DEFAULT = 10).
 * Each attempt is one pass over the channels, authentication, association and the
 * handshake. A failed attempt is silent (the host issued no join, so no
 * SET_SSID result reaches it) except a failed handshake, which reads
 * BADAUTH until the next good authentication. A leave or a join by the
 * host, or a power-off, ends it.
 *
 * Roaming (the chip firmware's, never the host's): while joined, the chip
 * keeps a running mean of the beacon RSSI of its BSS (weight 1/8 to each
 * new beacon). When it is below roam_trigger_dbm, at most once every
 * roam_period_ms, the chip scans every channel for its SSID (away from its
 * channel as for a host scan; the host sees no scan) and, if a BSS with the
 * same SSID and security is at least roam_delta_db stronger than the mean,
 * moves there: Open System authentication (SAE for a WPA3 join), a
 * Reassociation Request naming the current AP (802.11-2016 11.3.5.4), an
 * 802.1X exchange with the new AP's server for an Enterprise join (no PMK
 * caching), and a new 4-way handshake with a new PTK, with the same join
 * parameters (SSID, passphrase or credentials). The
 * defaults are Broadcom's: brcmfmac (Linux, drivers/net/wireless/broadcom/
 * brcm80211/brcmfmac/cfg80211.h) writes the "roam_trigger" iovar as
 * WL_ROAM_TRIGGER_LEVEL -75 dBm and "roam_delta" as WL_ROAM_DELTA 20 dB;
 * bcmdhd's DEFAULT_ROAM_TRIGGER_VALUE is -75 dBm too. The cyw43-driver sets
 * neither, so the firmware's own defaults apply. The host's view: the link
 * stays up (radio_joined) throughout; no link_down, no new link_up. In the
 * cyw43-driver a roam's events change nothing the host reads: there is no
 * handler for WLC_E_ROAM, a STA link-up event only sets a bit of
 * wifi_join_state, and a KEYED PSK_SUP event re-raises a link that is up
 * already (cyw43_ctrl.c, cyw43_cb_process_async_event). Frames the host
 * sends during the roam's scan, authentication, reassociation and
 * handshake are dropped (RADIO_EIO), as in a host scan. A roam whose
 * authentication or reassociation fails returns to the old BSS, which
 * never saw it leave; one whose handshake fails is a link loss (link_down,
 * then the chip's own rejoin). Traced: "roam_scan" (rssi, trigger),
 * "roam_start" (from, to, rssi, candidate_rssi), "roamed" (from, to, aid),
 * "roam_none" (the scan found no better BSS), "roam_failed" (status, why).
 *
 * Rates: management frames and EAPOL to the BSS at the lowest rate of its
 * BSSBasicRateSet (as mac80211 sends them), data at data_rate.
 *
 * Link monitor: once joined, the link is declared lost when no beacon from
 * the BSS arrived for beacon_loss_count beacon intervals (default 8, Intel
 * iwlwifi's IWL_MLD_MISSED_BEACONS_THRESHOLD); until then the link is still
 * reported up — the "isconnected() lies briefly" of the field. A received
 * deauthentication or disassociation drops the link at once.
 *
 * Host events (received Ethernet frames, link up/down, scan results) go out
 * through radio_host_ops, called from scheduler events, never from inside a
 * radio_* command. Every received frame is parsed as untrusted bytes.
 *
 * Radio wedge (a fault from the field): the chip's firmware hangs, and only a
 * power cycle clears it — power is a GPIO on the board, not a command, so
 * radio_power works throughout. Two parts of the chip can hang:
 *   COMMANDS  the host interface and the state machine behind it. Every
 *             command but radio_power returns RADIO_ETIMEDOUT, sending a
 *             frame included. The state freezes where it was: a join or
 *             scan in progress never finishes (its timers are dropped), no
 *             management frame is acted on (beacons, deauthentication,
 *             EAPOL), the link monitor is stopped, so no link_up, link_down
 *             or scan event comes; radio_link_status, radio_joined and
 *             radio_scanning keep answering from the frozen state (stale).
 *             Data frames from the AP on a joined link still reach the host
 *             (the receive path is not the part that hung).
 *   FRAMES    the frame path, both ways: nothing reaches the air (sends are
 *             accepted with RADIO_OK and vanish), nothing received is
 *             processed or delivered, beacons included; the link monitor is
 *             hung too, so a joined link stays reported up for good. Commands
 *             still answer and run: a leave drops the link (its
 *             deauthentication vanishes), a scan completes empty, a join
 *             fails (NONET, or FAIL if the BSS was heard before the wedge)
 *             because no answer arrives.
 *   BOTH      both (BOTH == COMMANDS | FRAMES; a second radio_wedge adds its
 *             mode to the current one).
 * A power-on after a power-off is a power cycle: with survives_power_cycles
 * = N the first N cycles leave the wedge in place (the chip powers on into
 * IDLE and is hung again), the next one clears it. A power-off while wedged
 * and joined still gives the host its link_down. A wedge set while powered
 * down hits at the next power-on (the chip hangs as it boots), which is not
 * counted as a cycle. Host events the chip issued before the wedge (a
 * deferred link_down) are still delivered. Traced: "wedge" (mode,
 * survives, state), "wedge_survived" (mode, left), "wedge_cleared" (mode). */
#ifndef LINKRIG_RADIO_MODEL_RADIO_H
#define LINKRIG_RADIO_MODEL_RADIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dot11/air.h"
#include "dot11/ccm_memo.h"
#include "dot11/pmk_cache.h"
#include "sim/sim.h"

/* Same values as the chip driver API's CHIP_LINK_* (and cyw43's). */
enum {
    RADIO_LINK_DOWN = 0,
    RADIO_LINK_JOIN = 1,
    RADIO_LINK_FAIL = -1,
    RADIO_LINK_NONET = -2,
    RADIO_LINK_BADAUTH = -3,
};

/* Command results. */
enum {
    RADIO_OK = 0,
    RADIO_EPERM = -1,     /* powered down */
    RADIO_EINVAL = -2,
    RADIO_EBUSY = -3,     /* a scan or join is in progress */
    RADIO_ETIMEDOUT = -4, /* chip wedged: does not answer */
    RADIO_ENOTCONN = -5,
    RADIO_EIO = -6,
};

#define RADIO_AUTH_OPEN 0
#define RADIO_AUTH_WPA2_PSK 1
/* WPA2-Enterprise (AKM 00-0F-AC:1): the chip's supplicant runs EAP
 * (eap/eap_peer.h) and takes the PMK from the MSK. The cyw43-driver's
 * public API has no Enterprise auth type; Infineon's WHD names it
 * WHD_SECURITY_WPA2_AES_ENT (0x02400004), the value the chip driver API
 * uses (firmware_shim/include/wifi_chip.h). */
#define RADIO_AUTH_WPA2_ENTERPRISE 2
/* WPA3-Personal (SAE, dot11/sae.h) with the passphrase as its password, and
 * WPA2/WPA3 transition (SAE where the BSS offers it, else PSK): cyw43's
 * CYW43_AUTH_WPA3_SAE_AES_PSK (0x01000004) and CYW43_AUTH_WPA3_WPA2_AES_PSK
 * (0x01400004). A Confirm from the AP that does not verify (the passwords
 * differ) is dropped (12.4.8.6.6); when the authentication attempts run out
 * after one, the join ends in BADAUTH, else in FAIL. */
#define RADIO_AUTH_WPA3_SAE 3
#define RADIO_AUTH_WPA3_WPA2 4

/* EAP methods of an Enterprise join (the EAP type numbers). */
#define RADIO_EAP_TLS 13
#define RADIO_EAP_TTLS_PAP 21
#define RADIO_EAP_PEAP_MSCHAPV2 25

typedef struct radio radio;

/* Bit-combinable: BOTH == COMMANDS | FRAMES. */
typedef enum { RADIO_WEDGE_NONE, RADIO_WEDGE_COMMANDS, RADIO_WEDGE_FRAMES, RADIO_WEDGE_BOTH } radio_wedge_mode;

typedef struct radio_config {
    const char *name;            /* trace component; default "radio" */
    uint8_t mac[6];
    int beacon_loss_count;       /* default 8 */
    uint32_t auth_timeout_ms;    /* per attempt; default 300 */
    uint32_t assoc_timeout_ms;   /* per attempt; default 300 */
    int auth_attempts;           /* default 3 */
    int assoc_attempts;          /* default 3 */
    uint32_t handshake_timeout_ms; /* wait for message 1, and for message 3 after each message 2;
                                    * default 2500 (WICED WWD DEFAULT_EAPOL_KEY_PACKET_TIMEOUT) */
    uint32_t eap_timeout_ms;     /* Enterprise: wait for the next EAP request; default 30000
                                  * (IEEE 802.1X-2004 8.2.11.1.2 authPeriod) */
    int join_scan_passes;        /* default 2 */
    int badauth_retries;         /* whole-join retries after a failed handshake; default 1 */
    uint32_t roam_period_ms;     /* the chip's rejoin attempts after a link loss, and its roam
                                  * scans while the signal stays below roam_trigger; default 10000 */
    int roam_trigger_dbm;        /* roam scan below this averaged beacon RSSI; default -75 */
    int roam_delta_db;           /* a roam candidate must be this much stronger; default 20 */
    bool roam_off;               /* no roaming (Broadcom's roam_off iovar); default false */
    uint16_t dwell_active_ms;    /* default 40 */
    uint16_t dwell_passive_ms;   /* default 110 */
    uint8_t channels[14];        /* scanned channels; default 1..13 */
    int nchannels;
    uint8_t mgmt_rate;           /* default 2 (1 Mb/s); before a BSS's basic rates are known */
    uint8_t data_rate;           /* default 48 (24 Mb/s) */
    uint32_t pm;                 /* power management at creation (radio_set_pm); default 0 */
    dot11_ccm_memo *ccm_memo;    /* the world's CCM memo for its engines (not owned); NULL: none */
    dot11_pmk_cache *pmk_cache;  /* the world's PSK derivations, below the chip's own cache (not
                                  * owned); NULL: derive each time */
} radio_config;
void radio_config_default(radio_config *c);

typedef struct radio_scan_result {
    uint8_t ssid_len;
    uint8_t ssid[32];
    uint8_t bssid[6];
    uint8_t channel;
    int16_t rssi;
    bool wpa2;     /* RSN element present */
    bool privacy;  /* capability Privacy bit */
} radio_scan_result;

typedef struct radio_host_ops {
    void *ctx;
    void (*rx_ethernet)(void *ctx, const uint8_t *eth, size_t len);
    void (*link_up)(void *ctx);
    void (*link_down)(void *ctx);
    void (*scan_result)(void *ctx, const radio_scan_result *r);
    void (*scan_done)(void *ctx);
} radio_host_ops;

typedef struct radio_scan_opts {
    bool passive;
    uint16_t dwell_ms;   /* 0: default for the mode */
    uint8_t ssid_len;    /* 0: all */
    uint8_t ssid[32];
} radio_scan_opts;

typedef struct radio_join_params {
    uint8_t ssid_len;
    uint8_t ssid[32];
    int auth;            /* RADIO_AUTH_* */
    char passphrase[64]; /* 8..63 characters for WPA2 */
    bool has_bssid;
    uint8_t bssid[6];
    int channel;         /* with has_bssid: 0 = any */
    /* RADIO_AUTH_WPA2_ENTERPRISE: the method and credentials. The PEM
     * strings are copied by radio_join; NULL where not used. */
    int eap_method;              /* RADIO_EAP_* */
    char identity[128];
    char anonymous_identity[128]; /* outer identity; "" = identity */
    char eap_password[128];
    const char *ca_cert_pem;     /* NULL: the server's certificate is not checked */
    const char *client_cert_pem; /* EAP-TLS */
    const char *client_key_pem;  /* EAP-TLS */
} radio_join_params;

/* The port is copied; the radio starts powered down (port disabled). */
radio *radio_create(sim *s, const dot11_air_port *air, const radio_config *cfg, sim_err *err);
void radio_destroy(radio *r);
void radio_set_host(radio *r, const radio_host_ops *ops);
/* A frame the air delivered (a dot11_rx_fn with ctx = radio). */
void radio_receive(void *radio_ctx, const uint8_t *frame, size_t len, const dot11_rx_info *info);

int radio_power(radio *r, bool on);
bool radio_powered(const radio *r);
void radio_get_mac(const radio *r, uint8_t mac[6]);
int radio_scan(radio *r, const radio_scan_opts *opts);
bool radio_scanning(const radio *r);
int radio_join(radio *r, const radio_join_params *p);
int radio_leave(radio *r);
/* The PMK of the joined link (from the passphrase, SAE or EAP), so that a
 * capture can be decrypted by Wireshark ("wpa-psk" key); RADIO_ENOTCONN
 * when not joined. */
int radio_pmk(const radio *r, uint8_t pmk[32]);
int radio_link_status(const radio *r);
/* True when joined with keys installed (the host's link is up). */
bool radio_joined(const radio *r);
/* True while a join (the host's, or the chip's own rejoin) is on the air:
 * scanning for the SSID, authenticating, associating or keying. */
bool radio_joining(const radio *r);
int radio_rssi(const radio *r, int32_t *rssi);
int radio_bssid(const radio *r, uint8_t bssid[6]);
int radio_send_ethernet(radio *r, const uint8_t *eth, size_t len);
/* Transmit power (dBm, 0..30); RADIO_ENOTSUP-like EINVAL when the air has no
 * power control. */
int radio_set_tx_power(radio *r, int dbm);
int radio_tx_power(const radio *r, int *dbm);

/* Power management as cyw43_wifi_pm sets it (the cyw43-driver's pm value:
 * mode in bits 0-3 — 0 none, 1 PM1, 2 PM2 — PM2's sleep return in bits
 * 4-11 in 10 ms units; radio.c's power-save section says what each does).
 * Applies at once when joined, else from the next join. RADIO_EINVAL for a
 * mode above 2. Traced "pm" (mode), and "ps" (state doze/awake) at DEBUG. */
int radio_set_pm(radio *r, uint32_t pm);
uint32_t radio_pm(const radio *r);

/* The radio wedge fault (see the top of this file). NONE and an invalid mode
 * change nothing: only a power cycle clears a wedge. A negative
 * survives_power_cycles counts as 0; it replaces the count of an earlier
 * wedge that has not cleared yet. */
void radio_wedge(radio *r, radio_wedge_mode mode, int survives_power_cycles);
/* The current wedge (also while powered down), RADIO_WEDGE_NONE when healthy. */
radio_wedge_mode radio_wedged(const radio *r);

/* The group_key_miss fault: while on, the supplicant ignores EAPOL-Key
 * group message 1 (the group key handshake, 12.7.7), so the AP's rekey
 * ends in a deauthentication, reason 16. Traced "group_key_miss" (on), and
 * "gkey_ignored" per message dropped. A handled message 1 installs the new
 * GTK beside the old one (traced "gkey_installed") and is answered with
 * message 2. */
void radio_set_group_key_miss(radio *r, bool on);

typedef struct radio_stats {
    uint64_t tx_data, rx_data, rx_dropped, beacons_rx, pmk_computed, pmk_cache_hits, joins, link_losses;
    uint64_t roam_scans, roams; /* the chip's own roam scans and completed roams */
    /* Frames that a FRAMES wedge kept off the air / from the host (received
     * ones counted only when addressed to this station or a group). */
    uint64_t wedge_tx_dropped, wedge_rx_dropped;
} radio_stats;
void radio_get_stats(const radio *r, radio_stats *out);

#endif
