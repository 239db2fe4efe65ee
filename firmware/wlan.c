/* The WLAN half of the network API (see network.h), on the chip driver API
 * and the lwIP netif glue.
 *
 * Device-lifetime state (the interface objects, the last error) is kept in
 * statics, as MicroPython keeps its module-level interface singletons: on
 * the rig, one process is one device. */
#include <stdio.h>
#include <string.h>

#include "hal.h"
#include "lwip/dns.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "net_internal.h"
#include "network.h"
#include "wifi_ap_netif.h"
#include "wifi_chip.h"
#include "wifi_netif.h"

struct wlan {
    int itf;
    char hostname[33];
    /* AP interface: what config() stored, used at the next activation.
     * Defaults are the cyw43-driver's cyw43_init: channel 3, WPA2-AES,
     * key "picoW123"; the SSID is the device's (MicroPython's is "PICO" and
     * MAC digits). */
    char ap_ssid[33];
    char ap_key[64];
    int ap_channel;
};

static struct wlan sta = {WLAN_IF_STA, "camera", "", "", 0};
static struct wlan ap_itf = {WLAN_IF_AP, "camera-ap", "camera-setup", "picoW123", 3};
static char last_error[128] = "";

int net_set_error(int code, const char *msg)
{
    snprintf(last_error, sizeof last_error, "%s", msg);
    return code;
}

const char *net_last_error(void)
{
    return last_error;
}

static int chip_error(int rc, const char *what)
{
    char msg[128];
    switch (rc) {
    case CHIP_OK: return NET_OK;
    case CHIP_EPERM:
        snprintf(msg, sizeof msg, "%s: WLAN interface not active", what);
        return net_set_error(NET_EPERM, msg);
    case CHIP_EINVAL:
        snprintf(msg, sizeof msg, "%s: invalid argument", what);
        return net_set_error(NET_EINVAL, msg);
    case CHIP_EBUSY:
        snprintf(msg, sizeof msg, "%s: the chip is busy (scan in progress)", what);
        return net_set_error(NET_EBUSY, msg);
    case CHIP_ETIMEDOUT:
        snprintf(msg, sizeof msg, "%s: the Wi-Fi chip did not answer", what);
        return net_set_error(NET_ETIMEDOUT, msg);
    case CHIP_ENOTCONN:
        snprintf(msg, sizeof msg, "%s: not connected", what);
        return net_set_error(NET_ENOTCONN, msg);
    default:
        snprintf(msg, sizeof msg, "%s: chip error %d", what, rc);
        return net_set_error(NET_EIO, msg);
    }
}

static int ap_unsupported(const char *what)
{
    char msg[128];
    snprintf(msg, sizeof msg, "%s: not an operation of the access-point interface", what);
    return net_set_error(NET_ENOTSUP, msg);
}

/* AP active(True): the stored configuration goes to the chip, the BSS comes
 * up, and the interface's netif (192.168.4.1/24) is added, as
 * MicroPython's rp2 binding does through cyw43_wifi_set_up(.., AP, ..). */
static int ap_active(wlan *w, int on)
{
    if (on == WLAN_QUERY)
        return chip_wifi_is_up(CHIP_ITF_AP) ? 1 : 0;
    if (!on) {
        wifi_ap_netif_remove();
        int rc = chip_wifi_set_up(CHIP_ITF_AP, false);
        if (rc != CHIP_OK)
            return chip_error(rc, "active");
        HAL_TRACE("wlan_ap_active", HAL_INT("on", 0));
        return NET_OK;
    }
    size_t klen = strlen(w->ap_key);
    int rc = chip_wifi_ap_set_config(strlen(w->ap_ssid), (const uint8_t *)w->ap_ssid, klen,
                                     (const uint8_t *)w->ap_key, klen ? CHIP_AUTH_WPA2_AES_PSK : CHIP_AUTH_OPEN,
                                     (uint32_t)w->ap_channel);
    if (rc == CHIP_OK)
        rc = chip_wifi_set_up(CHIP_ITF_AP, true);
    if (rc != CHIP_OK)
        return chip_error(rc, "active");
    if (wifi_ap_netif_init(NULL, NULL) == NULL)
        return net_set_error(NET_EIO, "active: lwIP could not add the AP network interface");
    HAL_TRACE("wlan_ap_active", HAL_INT("on", 1), HAL_STR("ssid", w->ap_ssid), HAL_INT("channel", w->ap_channel));
    return NET_OK;
}

int wlan_config_ap(wlan *w, const char *ssid, const char *key, int channel)
{
    if (w == NULL || w->itf != WLAN_IF_AP)
        return net_set_error(NET_EINVAL, "config(ssid=, key=, channel=): the AP interface only");
    if (ssid != NULL && (strlen(ssid) == 0 || strlen(ssid) > 32))
        return net_set_error(NET_EINVAL, "config(ssid=): 1 to 32 bytes");
    if (key != NULL && key[0] != '\0' && (strlen(key) < 8 || strlen(key) > 63))
        return net_set_error(NET_EINVAL, "config(key=): a WPA2 key is 8 to 63 characters");
    if (channel != 0 && (channel < 1 || channel > 13))
        return net_set_error(NET_EINVAL, "config(channel=): 1 to 13");
    if (ssid != NULL)
        snprintf(w->ap_ssid, sizeof w->ap_ssid, "%s", ssid);
    if (key != NULL)
        snprintf(w->ap_key, sizeof w->ap_key, "%s", key);
    if (channel != 0)
        w->ap_channel = channel;
    return NET_OK;
}

int wlan_ap_config(wlan *w, char ssid[33], int *channel)
{
    if (w == NULL || w->itf != WLAN_IF_AP)
        return net_set_error(NET_EINVAL, "config('ssid'): the AP interface only");
    if (ssid != NULL)
        snprintf(ssid, 33, "%s", w->ap_ssid);
    if (channel != NULL)
        *channel = w->ap_channel;
    return NET_OK;
}

int wlan_ap_stations(wlan *w, uint8_t (*macs)[6], size_t max, size_t *n)
{
    if (w == NULL || w->itf != WLAN_IF_AP || n == NULL || (macs == NULL && max > 0))
        return net_set_error(NET_EINVAL, "status('stations'): the AP interface only");
    uint8_t buf[8 * 6];
    int num = 0;
    int rc = chip_wifi_ap_get_stas(&num, buf, 8);
    if (rc != CHIP_OK)
        return chip_error(rc, "status('stations')");
    *n = (size_t)num;
    for (size_t i = 0; i < max && i < (size_t)num && i < 8; i++)
        memcpy(macs[i], buf + 6 * i, 6);
    return NET_OK;
}

wlan *wlan_get(int itf)
{
    if (itf == WLAN_IF_STA)
        return &sta;
    if (itf == WLAN_IF_AP)
        return &ap_itf;
    net_set_error(NET_EINVAL, "WLAN: unknown interface");
    return NULL;
}

int wlan_active(wlan *w, int on)
{
    if (w == NULL)
        return net_set_error(NET_EINVAL, "active: no interface");
    if (w->itf == WLAN_IF_AP)
        return ap_active(w, on);
    if (on == WLAN_QUERY)
        return chip_wifi_is_up(CHIP_ITF_STA) ? 1 : 0;
    int rc = chip_wifi_set_up(CHIP_ITF_STA, on != 0);
    if (rc != CHIP_OK)
        return chip_error(rc, "active");
    /* The netif exists from the first activation on, as MicroPython's
     * cyw43 binding creates it when the interface comes up. */
    if (on && wifi_netif() == NULL && wifi_netif_init(w->hostname) == NULL)
        return net_set_error(NET_EIO, "active: lwIP could not add the network interface");
    HAL_TRACE("wlan_active", HAL_INT("on", on != 0));
    return NET_OK;
}

int wlan_eap_method(const char *name)
{
    if (name == NULL)
        return 0;
    if (strcmp(name, "peap") == 0)
        return WLAN_EAP_PEAP;
    if (strcmp(name, "ttls") == 0)
        return WLAN_EAP_TTLS;
    if (strcmp(name, "tls") == 0)
        return WLAN_EAP_TLS;
    return 0;
}

bool wlan_security(const char *name, uint32_t *out)
{
    static const struct {
        const char *name;
        uint32_t sec;
    } table[] = {{"auto", WLAN_SEC_AUTO},
                 {"wpa2", WLAN_SEC_WPA2},
                 {"wpa-wpa2", WLAN_SEC_WPA_WPA2},
                 {"wpa3", WLAN_SEC_WPA3},
                 {"wpa2-wpa3", WLAN_SEC_WPA2_WPA3}};
    for (size_t i = 0; name != NULL && i < sizeof table / sizeof table[0]; i++)
        if (strcmp(name, table[i].name) == 0) {
            *out = table[i].sec;
            return true;
        }
    return false;
}

static int connect_eap(const char *ssid, size_t slen, const wlan_eap *e, const uint8_t *bssid)
{
    if (e->method != WLAN_EAP_PEAP && e->method != WLAN_EAP_TTLS && e->method != WLAN_EAP_TLS)
        return net_set_error(NET_EINVAL, "connect: eap_method must be PEAP, TTLS or TLS");
    if (e->identity == NULL || e->identity[0] == '\0')
        return net_set_error(NET_EINVAL, "connect: an Enterprise network needs an identity");
    if (e->method != WLAN_EAP_TLS && (e->password == NULL || e->password[0] == '\0'))
        return net_set_error(NET_EINVAL, "connect: PEAP and TTLS need a password");
    if (e->method == WLAN_EAP_TLS && (e->client_cert == NULL || e->client_cert[0] == '\0' ||
                                      e->client_key == NULL || e->client_key[0] == '\0'))
        return net_set_error(NET_EINVAL, "connect: EAP-TLS needs a client certificate and key");
    chip_eap_params p = {
        .method = (uint32_t)e->method,
        .identity = e->identity,
        .anonymous_identity = e->anonymous_identity,
        .password = e->password,
        .ca_cert = e->ca_cert,
        .client_cert = e->client_cert,
        .client_key = e->client_key,
    };
    int rc = chip_wifi_join_enterprise(slen, (const uint8_t *)ssid, &p, bssid, 0);
    if (rc != CHIP_OK)
        return chip_error(rc, "connect");
    HAL_TRACE("wlan_connect", HAL_STR("ssid", ssid), HAL_INT("eap_method", e->method));
    return NET_OK;
}

int wlan_connect_with(wlan *w, const char *ssid, const char *key, const wlan_connect_opts *opts)
{
    if (w == NULL || ssid == NULL)
        return net_set_error(NET_EINVAL, "connect: no SSID");
    if (w->itf == WLAN_IF_AP)
        return ap_unsupported("connect");
    const uint8_t *bssid = opts ? opts->bssid : NULL;
    size_t slen = strlen(ssid), klen = key ? strlen(key) : 0;
    if (slen == 0 || slen > 32)
        return net_set_error(NET_EINVAL, "connect: SSID must be 1 to 32 bytes");
    if (opts != NULL && opts->eap != NULL)
        return connect_eap(ssid, slen, opts->eap, bssid);
    if (klen != 0 && (klen < 8 || klen > 63))
        return net_set_error(NET_EINVAL, "connect: a WPA2 key is 8 to 63 characters");
    /* As MicroPython's cyw43 binding: security= as given, else a key means
     * WPA2 (mixed) and none means open. */
    uint32_t auth = opts != NULL && opts->security != WLAN_SEC_AUTO ? opts->security
                    : klen                                          ? CHIP_AUTH_WPA2_MIXED_PSK
                                                                    : CHIP_AUTH_OPEN;
    if (auth != CHIP_AUTH_OPEN && klen == 0)
        return net_set_error(NET_EINVAL, "connect: this security needs a key");
    int rc = chip_wifi_join(slen, (const uint8_t *)ssid, klen, (const uint8_t *)key, auth, bssid, 0);
    if (rc != CHIP_OK)
        return chip_error(rc, "connect");
    if (opts != NULL && opts->security != WLAN_SEC_AUTO)
        HAL_TRACE("wlan_connect", HAL_STR("ssid", ssid), HAL_INT("security", (long long)auth));
    else
        HAL_TRACE("wlan_connect", HAL_STR("ssid", ssid));
    return NET_OK;
}

int wlan_connect(wlan *w, const char *ssid, const char *key, const uint8_t *bssid)
{
    wlan_connect_opts o = {.security = WLAN_SEC_AUTO, .bssid = bssid};
    return wlan_connect_with(w, ssid, key, &o);
}

int wlan_disconnect(wlan *w)
{
    if (w == NULL)
        return net_set_error(NET_EINVAL, "disconnect: no interface");
    if (w->itf == WLAN_IF_AP)
        return ap_unsupported("disconnect");
    int rc = chip_wifi_leave(CHIP_ITF_STA);
    if (rc != CHIP_OK)
        return chip_error(rc, "disconnect");
    HAL_TRACE("wlan_disconnect", HAL_INT("itf", w->itf));
    return NET_OK;
}

int wlan_status(wlan *w)
{
    if (w == NULL || w->itf == WLAN_IF_AP)
        return STAT_IDLE;
    /* chip_tcpip_link_status combines the join state with the netif's
     * address, exactly what MicroPython's status() returns on rp2. */
    return chip_tcpip_link_status(CHIP_ITF_STA);
}

bool wlan_isconnected(wlan *w)
{
    /* MicroPython's documentation: "In AP mode returns True when a station
     * is connected". */
    if (w != NULL && w->itf == WLAN_IF_AP) {
        size_t n = 0;
        return chip_wifi_is_up(CHIP_ITF_AP) && wlan_ap_stations(w, NULL, 0, &n) == NET_OK && n > 0;
    }
    return wlan_status(w) == STAT_GOT_IP;
}

int wlan_rssi(wlan *w, int *rssi)
{
    if (w == NULL || rssi == NULL || w->itf == WLAN_IF_AP)
        return net_set_error(NET_EINVAL, "status('rssi'): not available");
    int32_t v;
    int rc = chip_wifi_get_rssi(&v);
    if (rc != CHIP_OK)
        return chip_error(rc, "status('rssi')");
    *rssi = (int)v;
    return NET_OK;
}

struct scan_ctx {
    net_scan_entry *out;
    size_t max, n;
};

static int on_scan_result(void *env, const chip_scan_result *r)
{
    struct scan_ctx *s = env;
    /* the chip reports each BSS once; keep what fits */
    if (s->n >= s->max)
        return 0;
    net_scan_entry *e = &s->out[s->n++];
    memset(e, 0, sizeof *e);
    memcpy(e->ssid, r->ssid, r->ssid_len);
    e->ssid[r->ssid_len] = '\0';
    memcpy(e->bssid, r->bssid, 6);
    e->channel = r->channel;
    e->rssi = r->rssi;
    if (r->auth_mode & CHIP_SCAN_AUTH_WPA2)
        e->security = (r->auth_mode & CHIP_SCAN_AUTH_WPA) ? NET_SEC_WPA_WPA2_PSK : NET_SEC_WPA2_PSK;
    else if (r->auth_mode & CHIP_SCAN_AUTH_WPA)
        e->security = NET_SEC_WPA_PSK;
    else if (r->auth_mode & CHIP_SCAN_AUTH_WEP)
        e->security = NET_SEC_WEP;
    else
        e->security = NET_SEC_OPEN;
    e->hidden = r->ssid_len == 0;
    return 0;
}

int wlan_scan(wlan *w, net_scan_entry *out, size_t max, size_t *n)
{
    if (w == NULL || n == NULL || (out == NULL && max > 0))
        return net_set_error(NET_EINVAL, "scan: bad arguments");
    if (w->itf == WLAN_IF_AP)
        return ap_unsupported("scan");
    struct scan_ctx s = {out, max, 0};
    int rc = chip_wifi_scan(NULL, &s, on_scan_result);
    if (rc != CHIP_OK)
        return chip_error(rc, "scan");
    /* A full active scan takes about half a second of air time; poll as
     * MicroPython's scan() does, sleeping so the rest of the device runs. */
    for (int i = 0; i < 1000 && chip_wifi_scan_active(); i++)
        hal_sleep_ms(10);
    *n = s.n;
    if (chip_wifi_scan_active())
        return net_set_error(NET_ETIMEDOUT, "scan: did not finish in 10 s");
    return NET_OK;
}

static void quad(char *out, const ip4_addr_t *a)
{
    snprintf(out, 16, "%s", ip4addr_ntoa(a));
}

int wlan_ifconfig(wlan *w, net_ifconfig *out)
{
    if (w == NULL || out == NULL)
        return net_set_error(NET_EINVAL, "ifconfig: bad arguments");
    struct netif *n = w->itf == WLAN_IF_AP ? wifi_ap_netif() : wifi_netif();
    ip4_addr_t zero;
    ip4_addr_set_zero(&zero);
    quad(out->ip, n ? netif_ip4_addr(n) : &zero);
    quad(out->netmask, n ? netif_ip4_netmask(n) : &zero);
    quad(out->gateway, n ? netif_ip4_gw(n) : &zero);
    const ip_addr_t *dns = dns_getserver(0);
    snprintf(out->dns, sizeof out->dns, "%s", dns ? ipaddr_ntoa(dns) : "0.0.0.0");
    return NET_OK;
}

int wlan_set_ifconfig(wlan *w, const net_ifconfig *cfg)
{
    if (w == NULL || cfg == NULL)
        return net_set_error(NET_EINVAL, "ifconfig: bad arguments");
    if (w->itf == WLAN_IF_AP)
        return ap_unsupported("ifconfig");
    if (wifi_netif() == NULL)
        return net_set_error(NET_EPERM, "ifconfig: WLAN interface never activated");
    if (cfg->ip[0] == '\0' || strcmp(cfg->ip, "dhcp") == 0) {
        wifi_netif_set_static(NULL, NULL, NULL);
        return NET_OK;
    }
    ip4_addr_t ip, mask, gw, dns;
    if (!ip4addr_aton(cfg->ip, &ip) || !ip4addr_aton(cfg->netmask, &mask) || !ip4addr_aton(cfg->gateway, &gw))
        return net_set_error(NET_EINVAL, "ifconfig: addresses must be dotted quads");
    wifi_netif_set_static(&ip, &mask, &gw);
    if (cfg->dns[0] != '\0' && ip4addr_aton(cfg->dns, &dns)) {
        ip_addr_t d;
        ip_addr_copy_from_ip4(d, dns);
        dns_setserver(0, &d);
    }
    return NET_OK;
}

int wlan_config_mac(wlan *w, uint8_t mac[6])
{
    if (w == NULL || mac == NULL)
        return net_set_error(NET_EINVAL, "config('mac'): bad arguments");
    return chip_error(chip_wifi_get_mac(w->itf == WLAN_IF_AP ? CHIP_ITF_AP : CHIP_ITF_STA, mac), "config('mac')");
}

int wlan_config_hostname(wlan *w, const char *hostname)
{
    if (w == NULL || hostname == NULL || strlen(hostname) == 0 || strlen(hostname) > 32)
        return net_set_error(NET_EINVAL, "config(hostname=): 1 to 32 characters");
    snprintf(w->hostname, sizeof w->hostname, "%s", hostname);
    return NET_OK;
}

const char *wlan_hostname(wlan *w)
{
    return w ? w->hostname : "";
}

int wlan_config_txpower(wlan *w, int dbm)
{
    if (w == NULL)
        return net_set_error(NET_EINVAL, "config(txpower=): no interface");
    return chip_error(chip_wifi_set_tx_power(dbm), "config(txpower=)");
}

int wlan_txpower(wlan *w, int *dbm)
{
    if (w == NULL || dbm == NULL)
        return net_set_error(NET_EINVAL, "config('txpower'): bad arguments");
    return chip_error(chip_wifi_get_tx_power(dbm), "config('txpower')");
}
