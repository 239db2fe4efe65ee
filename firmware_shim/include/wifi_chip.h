/* wifi_chip.h — the Wi-Fi chip driver API: the firmware's only door to the
 * radio (ARCHITECTURE.md, "Images and the rig").
 *
 * Modelled on the public API of the cyw43-driver (Raspberry Pi Pico W,
 * MicroPython's rp2 port), so that link-manager code written against it
 * ports by renaming: the same calls, link states, auth types and scan result
 * fields. There is one chip, so the driver-state pointer of cyw43 is gone.
 *
 *   this API                  cyw43-driver                  what the chip does on the air
 *   chip_wifi_set_up(itf, 1)  cyw43_wifi_set_up             powers the radio, loads its firmware; nothing sent
 *   chip_wifi_set_up(itf, 0)  (cyw43_deinit)                radio off: drops the link silently (no deauth)
 *   chip_wifi_get_mac         cyw43_wifi_get_mac            —
 *   chip_wifi_scan            cyw43_wifi_scan               per channel: probe request, listen for probe
 *                                                           responses and beacons for the dwell time
 *   chip_wifi_join            cyw43_wifi_join               scan for the SSID (or tune to bssid/channel),
 *                                                           open-system authentication, association,
 *                                                           then the WPA2-PSK 4-way handshake (supplicant);
 *                                                           WPA3: SAE authentication first
 *   chip_wifi_join_enterprise (WHD whd_wifi_join, ENT)      as join, then EAP over EAPOL with the AP's
 *                                                           RADIUS server, then the 4-way handshake
 *   chip_wifi_leave           cyw43_wifi_leave              deauthentication (reason 3) to the AP
 *   chip_wifi_link_status     cyw43_wifi_link_status        — (the join state: table below)
 *   chip_tcpip_link_status    cyw43_tcpip_link_status       — (adds the IP state of the host's netif)
 *   chip_wifi_get_rssi        cyw43_wifi_get_rssi           — (RSSI of the last beacon from the AP)
 *   chip_send_ethernet        cyw43_send_ethernet           802.11 data frame to the AP, CCMP on WPA2
 *   chip_wifi_set_tx_power    cyw43_ioctl "qtxpower"        transmit power of every later frame
 *   chip_wifi_pm              cyw43_wifi_pm                 power management: none, PM1, PM2 (the AP
 *                                                           buffers for the dozing chip; TIM, PS-Poll)
 *   callbacks.process_ethernet  cyw43_cb_process_ethernet   a data frame arrived (decrypted)
 *   callbacks.link_up/down      cyw43_cb_tcpip_set_link_up/down  join completed (also the chip's own
 *                                                                rejoin) / link lost
 * Management frames and EAPOL go at the BSS's lowest basic rate (1 Mb/s on
 * an 11b/g AP), data at 24 Mb/s.
 *
 * Calls return at once (a join takes seconds on the air; poll the link
 * status or wait for link_up). Callbacks run at the firmware's yield points
 * (while a task sleeps or waits), never inside another call of this API, and
 * must not block. All calls return CHIP_EPERM while the chip is powered down
 * and CHIP_ETIMEDOUT when the chip does not answer its host interface. */
#ifndef LINKRIG_WIFI_CHIP_H
#define LINKRIG_WIFI_CHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHIP_ITF_STA 0
#define CHIP_ITF_AP 1

/* Link status: same values as CYW43_LINK_*.
 *
 * chip_wifi_link_status is cyw43_wifi_link_status: the kind of the
 * driver's wifi_join_state, which a join sets to ACTIVE (JOIN) and only the
 * chip's events change. It is not "is the link up": it stays JOIN through a
 * link loss until the host leaves. chip_tcpip_link_status is
 * cyw43_tcpip_link_status (src/cyw43_lwip.c): NOIP or UP while the netif's
 * link is up, else the wifi status; MicroPython's WLAN.status() on rp2
 * returns it unchanged and isconnected() is status() == 3
 * (extmod/network_cyw43.c). Sources: cyw43-driver src/cyw43_ctrl.c
 * (cyw43_wifi_join, cyw43_wifi_leave, cyw43_cb_process_async_event), event
 * and reason numbers from Broadcom's wlioctl.h / bcmevent.h.
 *
 *   phase                                  wifi  tcpip  source (cyw43_ctrl.c unless said)
 *   powered down, or up and never joined   DOWN  DOWN   wifi_join_state 0
 *   chip_wifi_join returned OK: scanning,  JOIN  JOIN   cyw43_wifi_join: state = ACTIVE
 *     authenticating, associating, keying
 *   keyed and associated (link_up)         JOIN  NOIP   ACTIVE|AUTH|LINK|KEYED -> ACTIVE,
 *                                                       cyw43_cb_tcpip_set_link_up
 *   ... and DHCP bound                     JOIN  UP     cyw43_tcpip_link_status (cyw43_lwip.c)
 *   link lost: beacon loss, AP off,        JOIN  JOIN   CYW43_EV_LINK down: set_link_down only,
 *     deauth with reason != 2, disassoc                 wifi_join_state untouched; the chip
 *     (link_down callback)                              rejoins on its own (radio.h: at once,
 *                                                       then every 10 s, an estimate)
 *   the chip rejoined (link_up again,      JOIN  NOIP   as keyed and associated; no host call
 *     no host call)
 *   the chip roamed to another AP of the   JOIN  UP     no handler for WLC_E_ROAM; a STA CYW43_EV_LINK
 *     SSID (no link_down, no link_up;                   up only sets the LINK flag; KEYED re-raises a
 *     radio.h "Roaming")                                link already up
 *   deauth reason 2 (joining or joined)    DOWN  DOWN   CYW43_EV_DEAUTH_IND reason 2 ->
 *                                                       pend_disassoc -> CYW43_EV_DISASSOC: 0
 *   no BSS with the SSID (2 scan passes)   NONET NONET  CYW43_EV_SET_SSID status 3 (NO_NETWORKS)
 *   auth/assoc refused or unanswered       FAIL  FAIL   CYW43_EV_SET_SSID, other failure
 *   handshake ended by a deauthentication  BADAUTH      CYW43_EV_PSK_SUP, reason WLC_E_SUP_DEAUTH
 *     (wrong passphrase: the AP's reason 15)            (14): "PSK_SUP failure" -> BADAUTH
 *   ... the chip's retry authenticates     JOIN  JOIN   CYW43_EV_AUTH status 0: "A good-auth
 *     (a later good auth)                               follows a bad-auth" -> ACTIVE
 *   key exchange timed out (no message 1   JOIN  JOIN   CYW43_EV_PSK_SUP status 4/8/10, reason
 *     or 3 within 2.5 s: lost to the air,               WLC_E_SUP_WPA_PSK_TMO (15): "Probably at
 *     AP silent): not a MIC failure                     edge of the cell, retry" -> pend_rejoin,
 *                                                       ACTIVE; the rejoin's NONET/FAIL show
 *   chip_wifi_leave                        DOWN  DOWN   WLC_DISASSOC -> CYW43_EV_DISASSOC: 0
 *   chip_wifi_set_up(itf, 0)               DOWN  DOWN   the chip is off
 *
 * A firmware that waits for "not connected" must therefore read
 * chip_tcpip_link_status (or isconnected()): after a loss it reads JOIN, as
 * during a join, and the chip may come back by itself; a program that wants
 * its own reconnect calls chip_wifi_leave, then chip_wifi_join. */
#define CHIP_LINK_DOWN 0     /* never joined, or left */
#define CHIP_LINK_JOIN 1     /* joining, joined (wifi level), or rejoining after a loss */
#define CHIP_LINK_NOIP 2     /* joined, host has no IP address (tcpip level) */
#define CHIP_LINK_UP 3       /* joined with an IP address (tcpip level) */
#define CHIP_LINK_FAIL (-1)  /* join failed: AP refused auth/assoc, or lost during join */
#define CHIP_LINK_NONET (-2) /* no matching SSID heard */
#define CHIP_LINK_BADAUTH (-3) /* credentials refused: 4-way handshake failed (wrong passphrase),
                                  * SAE Confirm did not verify, or the Enterprise exchange ended
                                  * in EAP-Failure / a server certificate the chip rejected */

/* Auth types: same values as CYW43_AUTH_*. */
#define CHIP_AUTH_OPEN 0u
#define CHIP_AUTH_WPA_TKIP_PSK 0x00200002u
#define CHIP_AUTH_WPA2_AES_PSK 0x00400004u
#define CHIP_AUTH_WPA2_MIXED_PSK 0x00400006u
/* WPA3-Personal (SAE, with protected management frames required) and the
 * WPA2/WPA3 transition mode (SAE where the BSS offers it, else PSK; PMF
 * capable): cyw43-driver's CYW43_AUTH_WPA3_SAE_AES_PSK and
 * CYW43_AUTH_WPA3_WPA2_AES_PSK. The key is the SAE password (8..63 here, as
 * for WPA2: the chip's own limit). */
#define CHIP_AUTH_WPA3_SAE_AES_PSK 0x01000004u
#define CHIP_AUTH_WPA3_WPA2_AES_PSK 0x01400004u
/* WPA2-Enterprise (802.1X, AKM 00-0F-AC:1). The cyw43-driver's public API
 * has none; Infineon's WHD (whd_types.h) names it WHD_SECURITY_WPA2_AES_ENT.
 * Only chip_wifi_join_enterprise takes it; chip_wifi_join answers EINVAL. */
#define CHIP_AUTH_WPA2_AES_ENT 0x02400004u

/* EAP methods of an Enterprise join: the EAP type numbers (IANA), as the
 * supplicant's configuration names them (WHD's WHD_EAP_TYPE_*, MicroPython
 * ESP32's eap_method). */
#define CHIP_EAP_TLS 13u          /* client certificate and key (RFC 5216) */
#define CHIP_EAP_TTLS_PAP 21u     /* identity and password inside TLS (RFC 5281) */
#define CHIP_EAP_PEAP_MSCHAPV2 25u /* PEAPv0 with EAP-MSCHAPv2: identity and password (eduroam) */

/* The credentials of an Enterprise join (chip_wifi_join_enterprise). The
 * strings are copied before the call returns. PEM texts are NUL-terminated;
 * ca_cert NULL means the server's certificate is not checked (as
 * wpa_supplicant without ca_cert: accepted, and unsafe). */
typedef struct chip_eap_params {
    uint32_t method;                /* CHIP_EAP_* */
    const char *identity;           /* inner identity (user name); 1..127 bytes */
    const char *anonymous_identity; /* outer identity sent in clear; NULL or "" = identity */
    const char *password;           /* PEAP / TTLS; up to 127 bytes */
    const char *ca_cert;            /* PEM: the CA that signed the server's certificate */
    const char *client_cert;        /* PEM, EAP-TLS */
    const char *client_key;         /* PEM (unencrypted), EAP-TLS */
} chip_eap_params;

/* Scan result auth_mode bits (as the cyw43 scan results report them). */
#define CHIP_SCAN_AUTH_WEP 1u
#define CHIP_SCAN_AUTH_WPA 2u
#define CHIP_SCAN_AUTH_WPA2 4u

enum {
    CHIP_OK = 0,
    CHIP_EPERM = -1,     /* chip powered down */
    CHIP_EINVAL = -2,    /* bad argument (SSID length, key length, auth type, interface) */
    CHIP_EBUSY = -3,     /* a scan is already running */
    CHIP_ETIMEDOUT = -4, /* the chip did not answer the command */
    CHIP_ENOTCONN = -5,  /* needs a joined link (send, RSSI, BSSID) */
    CHIP_EIO = -6,       /* frame could not be queued */
};

typedef struct chip_scan_result {
    uint8_t ssid_len;
    uint8_t ssid[32];
    uint8_t bssid[6];
    uint16_t channel;
    int16_t rssi;      /* dBm */
    uint8_t auth_mode; /* CHIP_SCAN_AUTH_* bits; 0 = open */
} chip_scan_result;

typedef struct chip_scan_options {
    bool passive;       /* listen only, no probe requests */
    uint16_t dwell_ms;  /* per channel; 0 = the chip's default (40 active, 110 passive) */
    uint8_t ssid_len;   /* 0: all networks */
    uint8_t ssid[32];
} chip_scan_options;

/* Return nonzero to stop the scan early. Called once per BSS heard. */
typedef int (*chip_scan_result_fn)(void *env, const chip_scan_result *result);

typedef struct chip_callbacks {
    void *ctx;
    void (*process_ethernet)(void *ctx, int itf, size_t len, const uint8_t *frame);
    void (*link_up)(void *ctx, int itf);
    void (*link_down)(void *ctx, int itf);
    /* Scan finished (after the last result). Optional. */
    void (*scan_done)(void *ctx);
    /* The host's IP state, for chip_tcpip_link_status. Optional. */
    bool (*has_ip)(void *ctx, int itf);
} chip_callbacks;

void chip_set_callbacks(const chip_callbacks *cb);

int chip_wifi_set_up(int itf, bool up);
bool chip_wifi_is_up(int itf);
int chip_wifi_get_mac(int itf, uint8_t mac[6]);
/* NULL opts: active scan of every channel with the default dwell. */
int chip_wifi_scan(const chip_scan_options *opts, void *env, chip_scan_result_fn result_cb);
bool chip_wifi_scan_active(void);
/* bssid may be NULL; channel is used only with a bssid (0: any). */
int chip_wifi_join(size_t ssid_len, const uint8_t *ssid, size_t key_len, const uint8_t *key,
                   uint32_t auth_type, const uint8_t *bssid, uint32_t channel);
/* WPA2-Enterprise join (ABI 4): as chip_wifi_join with auth
 * CHIP_AUTH_WPA2_AES_ENT, then the chip's supplicant runs eap->method with
 * the access point's authentication server (EAPOL-EAP), takes the PMK from
 * the MSK and runs the 4-way handshake. In the style of WHD's
 * whd_wifi_join with an Enterprise security and the supplicant's
 * configuration, and of MicroPython's wlan.connect(ssid, eap_method=...,
 * identity=..., password=..., ca_cert=...). A server that refuses the
 * credentials (EAP-Failure), a server certificate the chip does not trust
 * or a client certificate the server revoked end the join in
 * CHIP_LINK_BADAUTH, as a wrong passphrase does; no EAP answer within 30 s
 * (the server down) ends it in CHIP_LINK_FAIL. CHIP_EINVAL: bad SSID, an
 * unknown method, an identity missing or too long, a password missing for
 * PEAP/TTLS, a certificate or key missing for EAP-TLS. */
int chip_wifi_join_enterprise(size_t ssid_len, const uint8_t *ssid, const chip_eap_params *eap, const uint8_t *bssid,
                              uint32_t channel);
int chip_wifi_leave(int itf);
int chip_wifi_link_status(int itf);
int chip_tcpip_link_status(int itf);
int chip_wifi_get_rssi(int32_t *rssi);
int chip_wifi_get_bssid(uint8_t bssid[6]);
int chip_send_ethernet(int itf, size_t len, const void *frame);
/* Transmit power in dBm (cyw43: the "qtxpower" iovar). */
int chip_wifi_set_tx_power(int dbm);
int chip_wifi_get_tx_power(int *dbm);
/* Power management, the cyw43-driver's pm value (src/cyw43.h,
 * cyw43_pm_value): mode in bits 0-3 (0 none, 1 PM1, 2 PM2), PM2's sleep
 * return in bits 4-11 (10 ms units), listen intervals in bits 12-23.
 * CHIP_EINVAL for a mode above 2. The chip starts with the scenario's `pm`
 * (none by default). */
int chip_wifi_pm(uint32_t pm);
int chip_wifi_get_pm(uint32_t *pm);

/* The AP interface (cyw43's CYW43_ITF_AP): the device hosts its own
 * network (beacons, open or WPA2-PSK authentication of stations; the rig's
 * model is radio_model/softap.h).
 *
 *   this API                        cyw43-driver
 *   chip_wifi_ap_set_config         cyw43_wifi_ap_set_ssid/_password/_auth/_channel (stored; used when
 *                                   the interface comes up, as cyw43_ll_wifi_ap_init does)
 *   chip_wifi_set_up(CHIP_ITF_AP,1) cyw43_wifi_set_up(.., CYW43_ITF_AP, true, ..): powers the chip if
 *                                   needed, the BSS starts beaconing. CHIP_EINVAL before any config.
 *   chip_wifi_set_up(CHIP_ITF_AP,0) the BSS stops; stations are dropped without a frame
 *   chip_wifi_is_up(CHIP_ITF_AP)    the BSS is up
 *   chip_wifi_get_mac(CHIP_ITF_AP)  the BSSID (an address of its own, locally administered)
 *   chip_wifi_ap_get_stas           cyw43_wifi_ap_get_stas: the associated, authorized stations
 *   chip_wifi_ap_get_max_stas       cyw43_wifi_ap_get_max_stas
 *   chip_send_ethernet(CHIP_ITF_AP) to a station (CCMP with its pairwise key) or all (group key);
 *                                   CHIP_ENOTCONN when the station is not authorized or the BSS down
 *   process_ethernet(CHIP_ITF_AP)   a data frame from an authorized station
 * chip_wifi_link_status(CHIP_ITF_AP) is CHIP_LINK_DOWN, as the driver's
 * cyw43_wifi_link_status answers for any interface but STA. Turning the
 * STA interface down (the chip off) takes the AP interface down too.
 * auth_type: CHIP_AUTH_OPEN (key ignored) or CHIP_AUTH_WPA2_AES_PSK /
 * _MIXED_PSK with an 8..63-character passphrase; channel 1..13. */
int chip_wifi_ap_set_config(size_t ssid_len, const uint8_t *ssid, size_t key_len, const uint8_t *key,
                            uint32_t auth_type, uint32_t channel);
/* Up to max_stas MACs (6 bytes each) into macs; *num_stas: how many there are. */
int chip_wifi_ap_get_stas(int *num_stas, uint8_t *macs, int max_stas);
int chip_wifi_ap_get_max_stas(int *max_stas);

#endif
