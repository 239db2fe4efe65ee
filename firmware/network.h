/* network.h — the camera firmware's network API: the C counterpart of
 * MicroPython's `network` module (WLAN and LAN), with the semantics of its
 * rp2/cyw43 port, on the board's chip driver API and lwIP.
 *
 *   MicroPython                       here
 *   wlan = network.WLAN(STA_IF)       wlan *w = wlan_get(WLAN_IF_STA)
 *   wlan.active(True) / active()      wlan_active(w, 1) / wlan_active(w, WLAN_QUERY)
 *   wlan.connect(ssid, key[, bssid])  wlan_connect(w, ssid, key, bssid)   returns at once
 *   wlan.connect(ssid, key, security=)   wlan_connect_with(w, ssid, key, &opts) (opts.security)
 *   wlan.connect(ssid, eap_method=, identity=, anonymous_identity=, password=, ca_cert=,
 *       client_cert=, client_key=)   wlan_connect_with(w, ssid, NULL, &opts) (opts.eap):
 *                                     WPA2-Enterprise, as MicroPython's ESP32 port and the
 *                                     WHD supplicant take them (rp2 has none)
 *   wlan.disconnect()                 wlan_disconnect(w)
 *   wlan.isconnected()                wlan_isconnected(w)   link up AND an IP address
 *   wlan.status() / status('rssi')    wlan_status(w) / wlan_rssi(w, &rssi)
 *   wlan.scan()                       wlan_scan(w, out, max, &n)           blocks the task
 *   wlan.ifconfig() / ifconfig(t)     wlan_ifconfig(w, &cfg) / wlan_set_ifconfig(w, &cfg)
 *   wlan.config('mac'), hostname=, txpower=   wlan_config_mac / _hostname / _txpower
 *   ap = network.WLAN(AP_IF)          wlan *ap = wlan_get(WLAN_IF_AP)
 *   ap.config(ssid=, key=, channel=)  wlan_config_ap(ap, ssid, key, channel)   before active(True)
 *   ap.config('ssid'), ('channel')    wlan_ap_config(ap, ssid, &channel)
 *   ap.active(True)                   wlan_active(ap, 1): the chip's BSS up, netif 192.168.4.1/24
 *   ap.isconnected()                  wlan_isconnected(ap): a station is associated (and keyed)
 *   ap.status('stations')             wlan_ap_stations(ap, macs, max, &n)
 *   ap.ifconfig()                     wlan_ifconfig(ap, &cfg)
 * The AP interface serves no addresses by itself: lwIP 2.1 has no DHCP
 * server, so the firmware runs its own (dhcp_server.h for the camera).
 *
 * Status values are MicroPython's (= CYW43_LINK_*): STAT_IDLE 0,
 * STAT_CONNECTING 1, STAT_GOT_IP 3, STAT_CONNECT_FAIL -1, STAT_NO_AP_FOUND -2,
 * STAT_WRONG_PASSWORD -3; the port also returns 2 (joined, no IP yet), named
 * STAT_NO_IP here. STAT_WRONG_PASSWORD is every refusal of the credentials
 * (the chip's CYW43_LINK_BADAUTH): a wrong WPA2 passphrase, an SAE password
 * mismatch, and on an Enterprise network the authentication server's
 * refusal (wrong identity or password, a revoked client certificate) or a
 * server certificate the chip does not trust (expired, unknown CA). An
 * Enterprise server that never answers (down) gives STAT_CONNECT_FAIL. Errors are negative NET_E* codes; net_last_error() gives
 * the message of the latest one, as MicroPython's OSError text would.
 * Blocking calls (scan) must run in a task. */
#ifndef LINKRIG_FIRMWARE_NETWORK_H
#define LINKRIG_FIRMWARE_NETWORK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WLAN_IF_STA 0
#define WLAN_IF_AP 1
#define WLAN_QUERY (-1)

#define STAT_IDLE 0
#define STAT_CONNECTING 1
#define STAT_NO_IP 2
#define STAT_GOT_IP 3
#define STAT_CONNECT_FAIL (-1)
#define STAT_NO_AP_FOUND (-2)
#define STAT_WRONG_PASSWORD (-3)

/* scan() security field, as MicroPython documents it */
#define NET_SEC_OPEN 0
#define NET_SEC_WEP 1
#define NET_SEC_WPA_PSK 2
#define NET_SEC_WPA2_PSK 3
#define NET_SEC_WPA_WPA2_PSK 4

enum {
    NET_OK = 0,
    NET_EINVAL = -30,   /* bad argument */
    NET_EPERM = -31,    /* interface not active */
    NET_ENOTSUP = -32,  /* not available on this board */
    NET_EBUSY = -33,
    NET_ETIMEDOUT = -34,
    NET_EIO = -35,      /* the chip refused or did not answer */
    NET_ENOTCONN = -36,
};

/* connect(security=): the cyw43 auth types, as MicroPython's rp2 port takes
 * them. WLAN_SEC_AUTO: a key means WPA2 (mixed), none means open. */
#define WLAN_SEC_AUTO 0u
#define WLAN_SEC_WPA2 0x00400004u      /* CYW43_AUTH_WPA2_AES_PSK */
#define WLAN_SEC_WPA_WPA2 0x00400006u  /* CYW43_AUTH_WPA2_MIXED_PSK */
#define WLAN_SEC_WPA3 0x01000004u      /* CYW43_AUTH_WPA3_SAE_AES_PSK: SAE, PMF required */
#define WLAN_SEC_WPA2_WPA3 0x01400004u /* CYW43_AUTH_WPA3_WPA2_AES_PSK: transition mode */

/* connect(eap_method=): the EAP type numbers */
#define WLAN_EAP_TLS 13
#define WLAN_EAP_TTLS 21 /* TTLS with PAP inside */
#define WLAN_EAP_PEAP 25 /* PEAPv0 with EAP-MSCHAPv2 inside */

/* WPA2-Enterprise credentials. Strings are NUL-terminated; certificates
 * and the key are PEM text. ca_cert NULL or "": the server's certificate
 * is not checked. */
typedef struct wlan_eap {
    int method; /* WLAN_EAP_* */
    const char *identity;
    const char *anonymous_identity; /* NULL or "": the identity goes out in clear */
    const char *password;           /* PEAP, TTLS */
    const char *ca_cert;
    const char *client_cert, *client_key; /* TLS */
} wlan_eap;

typedef struct wlan_connect_opts {
    uint32_t security;   /* WLAN_SEC_*; ignored with eap */
    const wlan_eap *eap; /* non-NULL: WPA2-Enterprise (key ignored) */
    const uint8_t *bssid; /* NULL: any */
} wlan_connect_opts;

/* "peap", "ttls", "tls" -> WLAN_EAP_*; 0 for anything else. */
int wlan_eap_method(const char *name);
/* "auto", "wpa2", "wpa-wpa2", "wpa3", "wpa2-wpa3" -> WLAN_SEC_*; false for anything else. */
bool wlan_security(const char *name, uint32_t *out);

typedef struct net_scan_entry {
    char ssid[33];
    uint8_t bssid[6];
    int channel;
    int rssi;
    int security; /* NET_SEC_* */
    bool hidden;
} net_scan_entry;

typedef struct net_ifconfig {
    char ip[16], netmask[16], gateway[16], dns[16]; /* dotted quads */
} net_ifconfig;

const char *net_last_error(void);

typedef struct wlan wlan;
/* The interface object (one per interface, like MicroPython's). */
wlan *wlan_get(int itf);
/* on: 0 or 1 to set, WLAN_QUERY to ask; returns 0/1 or a NET_E* code. */
int wlan_active(wlan *w, int on);
/* key NULL or "": open network; otherwise WPA2-PSK. bssid may be NULL. */
int wlan_connect(wlan *w, const char *ssid, const char *key, const uint8_t *bssid);
/* opts NULL: as wlan_connect(w, ssid, key, NULL). */
int wlan_connect_with(wlan *w, const char *ssid, const char *key, const wlan_connect_opts *opts);
int wlan_disconnect(wlan *w);
bool wlan_isconnected(wlan *w);
int wlan_status(wlan *w);
int wlan_rssi(wlan *w, int *rssi);
int wlan_scan(wlan *w, net_scan_entry *out, size_t max, size_t *n);
int wlan_ifconfig(wlan *w, net_ifconfig *out);
/* A static configuration; all fields "" (or "dhcp" in ip) returns to DHCP. */
int wlan_set_ifconfig(wlan *w, const net_ifconfig *cfg);
int wlan_config_mac(wlan *w, uint8_t mac[6]);
/* Used from the next activation on (DHCP option 12). */
int wlan_config_hostname(wlan *w, const char *hostname);
const char *wlan_hostname(wlan *w);
/* dBm; WLAN_QUERY-style get with wlan_txpower. */
int wlan_config_txpower(wlan *w, int dbm);
int wlan_txpower(wlan *w, int *dbm);
/* AP interface only. ssid NULL / key NULL / channel 0: unchanged; key ""
 * makes the network open. Defaults: "camera-setup", "picoW123" (WPA2-AES),
 * channel 3 (the cyw43-driver's cyw43_init defaults but the SSID). */
int wlan_config_ap(wlan *w, const char *ssid, const char *key, int channel);
int wlan_ap_config(wlan *w, char ssid[33], int *channel);
/* The associated, authorized stations: up to max MACs, *n how many there are. */
int wlan_ap_stations(wlan *w, uint8_t (*macs)[6], size_t max, size_t *n);

/* The wired interface: same query calls, no connect step. The link is up
 * while the cable is plugged and the PHY has negotiated. */
typedef struct lan lan;
lan *lan_get(void);
int lan_active(lan *l, int on);
bool lan_isconnected(lan *l);
int lan_status(lan *l); /* STAT_IDLE (no cable or inactive), STAT_NO_IP, STAT_GOT_IP */
int lan_ifconfig(lan *l, net_ifconfig *out);
int lan_config_mac(lan *l, uint8_t mac[6]);

#endif
