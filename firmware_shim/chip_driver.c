/* The chip driver API (wifi_chip.h) implemented on the radio model.
 *
 * Commands go straight to the radio; the radio's events come back from
 * scheduler events and enter the firmware through board_call, which is what
 * makes them "run at the firmware's yield points": no firmware task is
 * running when a scheduler event fires. */
#include <stdlib.h>
#include <string.h>

#include "firmware_shim/board.h"
#include "radio_model/radio.h"
#include "radio_model/softap.h"
#include "sim/trace.h"
#include "wifi_chip.h"

/* Status polls, recorded only when their value changes (chip_note). */
enum { CHIP_POLL_NONE = -1, CHIP_POLL_LINK, CHIP_POLL_TCPIP, CHIP_POLL_IS_UP, CHIP_POLL_SCAN, CHIP_NPOLLS };

struct chip {
    board *b;
    radio *r;
    chip_callbacks cb;
    bool scanning;
    bool scan_stopped; /* the firmware's callback asked to stop */
    void *scan_env;
    chip_scan_result_fn scan_cb;
    int polled[CHIP_NPOLLS]; /* the value each status poll returned last */
    bool polled_once[CHIP_NPOLLS];
    /* The AP interface (softap.h): what chip_wifi_ap_set_config stored,
     * applied when the interface comes up (cyw43_ll_wifi_ap_init). */
    softap *ap;
    uint8_t ap_ssid[32];
    size_t ap_ssid_len;
    char ap_key[64];
    uint32_t ap_auth;
    int ap_channel;
};

/* What a chip call costs the calling task in virtual time (ARCHITECTURE.md rule 2:
 * a busy poll must advance the clock as it would on a board). Estimates for
 * a Pico W, whose CYW43439 sits on a gSPI bus clocked by the RP2040's PIO at
 * 31.25 MHz (Pico SDK cyw43_bus_pio_spi.c, divider 2 at 125 MHz):
 *  - an ioctl (cyw43_do_ioctl in cyw43_ll.c: an SDPCM control packet out,
 *    then the host polls the bus until the chip's response is read back,
 *    each 64..200 bytes plus bus commands and the chip's processing):
 *    about 250 us;
 *  - a status read: cyw43_wifi_link_status itself reads driver state, but
 *    a status loop only sees a change because the driver polls the bus
 *    between reads (cyw43_poll: one 32-bit gSPI status register read plus
 *    the host's DMA set-up), about 20 us;
 *  - an Ethernet frame to the chip: its bytes at 31.25 Mbit/s plus 20 us of
 *    SDPCM header and bus overhead (1514 bytes: about 408 us). */
#define CHIP_COST_IOCTL SIM_US(250)
#define CHIP_COST_STATUS SIM_US(20)
#define CHIP_COST_TX_FIXED SIM_US(20)
#define CHIP_BUS_BITS_PER_US 31.25

/* The call acts at once (the command reaches the chip during the
 * transaction); the firmware gets the answer when the transaction is over. */
#define COSTED(type, name, cost, params, args)                                  \
    static type name##_costed params                                          \
    {                                                                         \
        type rc = name args;                                                  \
        if (board_driver(vb) != NULL)                                         \
            board_chip_cost(vb, (cost), true);                                \
        return rc;                                                            \
    }

static int map_err(int rc)
{
    switch (rc) {
    case RADIO_OK: return CHIP_OK;
    case RADIO_EPERM: return CHIP_EPERM;
    case RADIO_EINVAL: return CHIP_EINVAL;
    case RADIO_EBUSY: return CHIP_EBUSY;
    case RADIO_ETIMEDOUT: return CHIP_ETIMEDOUT;
    case RADIO_ENOTCONN: return CHIP_ENOTCONN;
    default: return CHIP_EIO;
    }
}

/* The rig's record of a call the firmware made and what it returned: event
 * "chip" under the device's own component, fields call, rc and the call's
 * arguments that matter (up; ssid and auth). Scenario verdicts are judged
 * from these and from what the models saw, never from the firmware's own
 * words (sim/runner.c). A status poll (poll >= 0) is recorded only when it
 * returns something else than the previous poll of the same call did, so a
 * 100 ms poll loop costs one event per change. Returns rc, so that it wraps
 * the value an API function returns. */
static int chip_note(struct chip *c, int poll, const char *call, int rc, const char *key, int64_t val,
                     const uint8_t *ssid, size_t ssid_len)
{
    if (poll >= 0) {
        if (c->polled_once[poll] && c->polled[poll] == rc)
            return rc;
        c->polled_once[poll] = true;
        c->polled[poll] = rc;
    }
    sim_trace_rec *t = sim_trace_begin(sim_trace_of(board_sim(c->b)), SIM_LOG_INFO, board_name(c->b), "chip");
    sim_trace_str(t, "call", call);
    sim_trace_int(t, "rc", rc);
    if (key != NULL)
        sim_trace_int(t, key, val);
    if (ssid != NULL) {
        char text[33];
        size_t n = ssid_len < sizeof text - 1 ? ssid_len : sizeof text - 1;
        memcpy(text, ssid, n);
        text[n] = '\0';
        sim_trace_str(t, "ssid", text);
    }
    sim_trace_end(t);
    return rc;
}

/* ---- radio events into the firmware ---- */

struct eth_call {
    struct chip *c;
    const uint8_t *eth;
    size_t len;
};

static void fw_process_ethernet(void *arg)
{
    struct eth_call *e = arg;
    e->c->cb.process_ethernet(e->c->cb.ctx, CHIP_ITF_STA, e->len, e->eth);
}

static void on_rx_ethernet(void *ctx, const uint8_t *eth, size_t len)
{
    struct chip *c = ctx;
    if (c->cb.process_ethernet == NULL)
        return;
    struct eth_call e = {c, eth, len};
    board_call(c->b, fw_process_ethernet, &e);
}

static void fw_link_up(void *arg)
{
    struct chip *c = arg;
    c->cb.link_up(c->cb.ctx, CHIP_ITF_STA);
}

static void on_link_up(void *ctx)
{
    struct chip *c = ctx;
    if (c->cb.link_up)
        board_call(c->b, fw_link_up, c);
}

static void fw_link_down(void *arg)
{
    struct chip *c = arg;
    c->cb.link_down(c->cb.ctx, CHIP_ITF_STA);
}

static void on_link_down(void *ctx)
{
    struct chip *c = ctx;
    if (c->cb.link_down)
        board_call(c->b, fw_link_down, c);
}

struct scan_call {
    struct chip *c;
    chip_scan_result res;
};

static void fw_scan_result(void *arg)
{
    struct scan_call *s = arg;
    if (s->c->scan_cb(s->c->scan_env, &s->res) != 0)
        s->c->scan_stopped = true;
}

static void on_scan_result(void *ctx, const radio_scan_result *r)
{
    struct chip *c = ctx;
    if (!c->scanning || c->scan_stopped || c->scan_cb == NULL)
        return;
    struct scan_call s = {.c = c};
    s.res.ssid_len = r->ssid_len;
    memcpy(s.res.ssid, r->ssid, r->ssid_len);
    memcpy(s.res.bssid, r->bssid, 6);
    s.res.channel = r->channel;
    s.res.rssi = r->rssi;
    s.res.auth_mode = (uint8_t)((r->wpa2 ? CHIP_SCAN_AUTH_WPA2 : 0) |
                                (r->privacy && !r->wpa2 ? CHIP_SCAN_AUTH_WEP : 0));
    board_call(c->b, fw_scan_result, &s);
}

static void fw_scan_done(void *arg)
{
    struct chip *c = arg;
    c->cb.scan_done(c->cb.ctx);
}

static void on_scan_done(void *ctx)
{
    struct chip *c = ctx;
    c->scanning = false;
    if (c->cb.scan_done)
        board_call(c->b, fw_scan_done, c);
}

static void chip_free(void *p)
{
    struct chip *c = p;
    radio_set_host(c->r, NULL);
    free(c);
}

int board_attach_radio(board *b, struct radio *r, sim_err *err)
{
    struct chip *c = calloc(1, sizeof *c);
    if (c == NULL)
        return sim_err_set(err, SIM_ENOMEM, "out of memory attaching the radio");
    c->b = b;
    c->r = r;
    radio_host_ops ops = {
        .ctx = c,
        .rx_ethernet = on_rx_ethernet,
        .link_up = on_link_up,
        .link_down = on_link_down,
        .scan_result = on_scan_result,
        .scan_done = on_scan_done,
    };
    radio_set_host(r, &ops);
    board_set_driver(b, c, chip_free);
    return SIM_OK;
}

/* ---- the AP interface (CHIP_ITF_AP, radio_model/softap.h) ---- */

static void fw_ap_process_ethernet(void *arg)
{
    struct eth_call *e = arg;
    e->c->cb.process_ethernet(e->c->cb.ctx, CHIP_ITF_AP, e->len, e->eth);
}

static void on_ap_rx_ethernet(void *ctx, const uint8_t *eth, size_t len)
{
    struct chip *c = ctx;
    if (c->cb.process_ethernet == NULL)
        return;
    struct eth_call e = {c, eth, len};
    board_call(c->b, fw_ap_process_ethernet, &e);
}

int board_attach_softap(board *b, struct softap *a, sim_err *err)
{
    struct chip *c = board_driver(b);
    if (c == NULL)
        return sim_err_set(err, SIM_ESTATE, "the AP interface needs the chip: attach the radio first");
    c->ap = a;
    softap_host h = {.ctx = c, .rx_ethernet = on_ap_rx_ethernet};
    softap_set_host(a, &h);
    return SIM_OK;
}

/* cyw43_wifi_set_up(self, CYW43_ITF_AP, up, country): the chip powers up
 * if it is not (cyw43_ensure_up), then cyw43_ll_wifi_ap_init with the
 * stored SSID, key, auth and channel and cyw43_ll_wifi_ap_set_up: the BSS
 * starts beaconing. Down: the BSS stops at once, stations are dropped
 * without a frame. */
static int chip_ap_set_up(struct chip *c, bool up)
{
    if (c->ap == NULL)
        return chip_note(c, CHIP_POLL_NONE, "wifi_set_up_ap", CHIP_EINVAL, "up", up, NULL, 0);
    if (!up) {
        softap_stop(c->ap);
        return chip_note(c, CHIP_POLL_NONE, "wifi_set_up_ap", CHIP_OK, "up", 0, NULL, 0);
    }
    if (c->ap_ssid_len == 0)
        return chip_note(c, CHIP_POLL_NONE, "wifi_set_up_ap", CHIP_EINVAL, "up", 1, NULL, 0);
    if (!radio_powered(c->r)) {
        int rc = map_err(radio_power(c->r, true));
        if (rc != CHIP_OK)
            return chip_note(c, CHIP_POLL_NONE, "wifi_set_up_ap", rc, "up", 1, c->ap_ssid, c->ap_ssid_len);
    }
    sim_err err = {0};
    int rc = softap_start(c->ap, c->ap_ssid, c->ap_ssid_len, c->ap_auth == CHIP_AUTH_OPEN ? NULL : c->ap_key,
                          c->ap_channel, &err);
    return chip_note(c, CHIP_POLL_NONE, "wifi_set_up_ap", rc == SIM_OK ? CHIP_OK : CHIP_EINVAL, "channel",
                     c->ap_channel, c->ap_ssid, c->ap_ssid_len);
}

static int drv_wifi_ap_set_config(void *vb, size_t ssid_len, const uint8_t *ssid, size_t key_len, const uint8_t *key,
                                  uint32_t auth_type, uint32_t channel)
{
    struct chip *c = board_driver(vb);
    if (c == NULL)
        return CHIP_EPERM;
    bool ok = ssid != NULL && ssid_len >= 1 && ssid_len <= 32 && channel >= 1 && channel <= 13;
    if (ok && auth_type == CHIP_AUTH_OPEN)
        key_len = 0;
    else if (ok && (auth_type == CHIP_AUTH_WPA2_AES_PSK || auth_type == CHIP_AUTH_WPA2_MIXED_PSK))
        ok = key != NULL && key_len >= 8 && key_len <= 63; /* passphrases only, as for joins */
    else
        ok = false; /* WPA-TKIP and WPA3 are not modelled */
    if (!ok)
        return chip_note(c, CHIP_POLL_NONE, "wifi_ap_set_config", CHIP_EINVAL, "auth", auth_type, ssid,
                         ssid != NULL && ssid_len <= 32 ? ssid_len : 0);
    memcpy(c->ap_ssid, ssid, ssid_len);
    c->ap_ssid_len = ssid_len;
    memset(c->ap_key, 0, sizeof c->ap_key);
    if (key_len > 0)
        memcpy(c->ap_key, key, key_len);
    c->ap_auth = auth_type;
    c->ap_channel = (int)channel;
    return chip_note(c, CHIP_POLL_NONE, "wifi_ap_set_config", CHIP_OK, "auth", auth_type, ssid, ssid_len);
}

static int drv_wifi_ap_get_stas(void *vb, int *num_stas, uint8_t *macs, int max_stas)
{
    struct chip *c = board_driver(vb);
    if (c == NULL)
        return CHIP_EPERM;
    if (num_stas == NULL || max_stas < 0 || (macs == NULL && max_stas > 0))
        return CHIP_EINVAL;
    uint8_t list[SOFTAP_MAX_STATIONS][6];
    size_t n = softap_stations(c->ap, list, SOFTAP_MAX_STATIONS);
    if (n > SOFTAP_MAX_STATIONS)
        n = SOFTAP_MAX_STATIONS;
    for (size_t i = 0; i < n && (int)i < max_stas; i++)
        memcpy(macs + 6 * i, list[i], 6);
    *num_stas = (int)n;
    return CHIP_OK;
}

static int drv_wifi_ap_get_max_stas(void *vb, int *max_stas)
{
    struct chip *c = board_driver(vb);
    if (c == NULL)
        return CHIP_EPERM;
    if (max_stas == NULL)
        return CHIP_EINVAL;
    *max_stas = SOFTAP_MAX_STATIONS;
    return CHIP_OK;
}

/* ---- the API the firmware calls ---- */

static void drv_set_callbacks(void *vb, const chip_callbacks *cb)
{
    struct chip *c = board_driver(vb);
    if (c == NULL)
        return;
    if (cb)
        c->cb = *cb;
    else
        memset(&c->cb, 0, sizeof c->cb);
}

static int drv_wifi_set_up(void *vb, int itf, bool up)
{
    struct chip *c = board_driver(vb);
    if (c == NULL)
        return CHIP_EPERM;
    if (itf == CHIP_ITF_AP)
        return chip_ap_set_up(c, up);
    if (itf != CHIP_ITF_STA)
        return chip_note(c, CHIP_POLL_NONE, "wifi_set_up", CHIP_EINVAL, "up", up, NULL, 0);
    if (!up) {
        c->scanning = false;
        softap_stop(c->ap); /* the chip is off: its AP interface goes with it */
    }
    return chip_note(c, CHIP_POLL_NONE, "wifi_set_up", map_err(radio_power(c->r, up)), "up", up, NULL, 0);
}

static bool drv_wifi_is_up(void *vb, int itf)
{
    struct chip *c = board_driver(vb);
    if (c != NULL && itf == CHIP_ITF_AP)
        return softap_running(c->ap);
    return c != NULL && chip_note(c, CHIP_POLL_IS_UP, "wifi_is_up", itf == CHIP_ITF_STA && radio_powered(c->r), NULL, 0, NULL, 0);
}

static int drv_wifi_get_mac(void *vb, int itf, uint8_t mac[6])
{
    /* The driver keeps the MAC it read at power-on (cyw43_wifi_get_mac
     * copies it), and lwIP asks for it from inside netif_add: free. */
    struct chip *c = board_driver(vb);
    if (c == NULL)
        return CHIP_EPERM;
    if (itf == CHIP_ITF_AP && c->ap != NULL && mac != NULL) {
        softap_bssid(c->ap, mac);
        return CHIP_OK;
    }
    if (itf != CHIP_ITF_STA || mac == NULL)
        return CHIP_EINVAL;
    radio_get_mac(c->r, mac);
    return CHIP_OK;
}

static int drv_wifi_scan(void *vb, const chip_scan_options *opts, void *env, chip_scan_result_fn result_cb)
{
    struct chip *c = board_driver(vb);
    if (c == NULL)
        return CHIP_EPERM;
    radio_scan_opts o;
    memset(&o, 0, sizeof o);
    if (opts != NULL) {
        if (opts->ssid_len > 32)
            return chip_note(c, CHIP_POLL_NONE, "wifi_scan", CHIP_EINVAL, NULL, 0, NULL, 0);
        o.passive = opts->passive;
        o.dwell_ms = opts->dwell_ms;
        o.ssid_len = opts->ssid_len;
        memcpy(o.ssid, opts->ssid, opts->ssid_len);
    }
    int rc = radio_scan(c->r, &o);
    if (rc == RADIO_OK) {
        c->scanning = true;
        c->scan_stopped = false;
        c->scan_env = env;
        c->scan_cb = result_cb;
    }
    return chip_note(c, CHIP_POLL_NONE, "wifi_scan", map_err(rc), NULL, 0, NULL, 0);
}

static bool drv_wifi_scan_active(void *vb)
{
    struct chip *c = board_driver(vb);
    return c != NULL && chip_note(c, CHIP_POLL_SCAN, "scan_active", c->scanning, NULL, 0, NULL, 0);
}

static int drv_wifi_join(void *vb, size_t ssid_len, const uint8_t *ssid, size_t key_len, const uint8_t *key, uint32_t auth_type,
                   const uint8_t *bssid, uint32_t channel)
{
    struct chip *c = board_driver(vb);
    if (c == NULL)
        return CHIP_EPERM;
    if (ssid == NULL || ssid_len == 0 || ssid_len > 32)
        return chip_note(c, CHIP_POLL_NONE, "wifi_join", CHIP_EINVAL, "auth", auth_type, ssid, ssid ? ssid_len : 0);
    radio_join_params p;
    memset(&p, 0, sizeof p);
    p.ssid_len = (uint8_t)ssid_len;
    memcpy(p.ssid, ssid, ssid_len);
    switch (auth_type) {
    case CHIP_AUTH_OPEN:
        p.auth = RADIO_AUTH_OPEN;
        break;
    case CHIP_AUTH_WPA2_AES_PSK:
    case CHIP_AUTH_WPA2_MIXED_PSK:
    case CHIP_AUTH_WPA3_SAE_AES_PSK:
    case CHIP_AUTH_WPA3_WPA2_AES_PSK:
        p.auth = auth_type == CHIP_AUTH_WPA3_SAE_AES_PSK    ? RADIO_AUTH_WPA3_SAE
                 : auth_type == CHIP_AUTH_WPA3_WPA2_AES_PSK ? RADIO_AUTH_WPA3_WPA2
                                                            : RADIO_AUTH_WPA2_PSK;
        /* A 64-hex-digit raw PSK is not accepted: passphrases only (and
         * the SAE password within the same limits). */
        if (key == NULL || key_len < 8 || key_len > 63)
            return chip_note(c, CHIP_POLL_NONE, "wifi_join", CHIP_EINVAL, "auth", auth_type, ssid, ssid ? ssid_len : 0);
        memcpy(p.passphrase, key, key_len);
        break;
    default:
        /* WPA1/TKIP is not modelled; Enterprise goes through chip_wifi_join_enterprise */
        return chip_note(c, CHIP_POLL_NONE, "wifi_join", CHIP_EINVAL, "auth", auth_type, ssid, ssid ? ssid_len : 0);
    }
    if (bssid != NULL) {
        p.has_bssid = true;
        memcpy(p.bssid, bssid, 6);
        p.channel = (int)channel;
    }
    return chip_note(c, CHIP_POLL_NONE, "wifi_join", map_err(radio_join(c->r, &p)), "auth", auth_type, ssid, ssid_len);
}

/* Copies s into dst (size n) when it is 1..n-1 bytes (0.. with allow_empty). */
static bool eap_str(char *dst, size_t n, const char *s, bool allow_empty)
{
    if (s == NULL)
        return allow_empty;
    size_t l = strlen(s);
    if ((l == 0 && !allow_empty) || l >= n)
        return false;
    memcpy(dst, s, l + 1);
    return true;
}

static int drv_wifi_join_enterprise(void *vb, size_t ssid_len, const uint8_t *ssid, const chip_eap_params *eap,
                                    const uint8_t *bssid, uint32_t channel)
{
    struct chip *c = board_driver(vb);
    if (c == NULL)
        return CHIP_EPERM;
    size_t sl = ssid != NULL && ssid_len <= 32 ? ssid_len : 0;
    radio_join_params p;
    memset(&p, 0, sizeof p);
    bool ok = ssid != NULL && ssid_len >= 1 && ssid_len <= 32 && eap != NULL;
    if (ok) {
        p.ssid_len = (uint8_t)ssid_len;
        memcpy(p.ssid, ssid, ssid_len);
        p.auth = RADIO_AUTH_WPA2_ENTERPRISE;
        switch (eap->method) {
        case CHIP_EAP_TLS: p.eap_method = RADIO_EAP_TLS; break;
        case CHIP_EAP_TTLS_PAP: p.eap_method = RADIO_EAP_TTLS_PAP; break;
        case CHIP_EAP_PEAP_MSCHAPV2: p.eap_method = RADIO_EAP_PEAP_MSCHAPV2; break;
        default: ok = false;
        }
    }
    ok = ok && eap_str(p.identity, sizeof p.identity, eap->identity, false) &&
         eap_str(p.anonymous_identity, sizeof p.anonymous_identity, eap->anonymous_identity, true);
    if (ok && eap->method != CHIP_EAP_TLS)
        ok = eap_str(p.eap_password, sizeof p.eap_password, eap->password, false);
    if (ok && eap->method == CHIP_EAP_TLS)
        ok = eap->client_cert != NULL && eap->client_key != NULL && eap->client_cert[0] && eap->client_key[0];
    if (!ok)
        return chip_note(c, CHIP_POLL_NONE, "wifi_join", CHIP_EINVAL, "auth", CHIP_AUTH_WPA2_AES_ENT, ssid, sl);
    /* radio_join copies the PEM texts */
    p.ca_cert_pem = eap->ca_cert != NULL && eap->ca_cert[0] ? eap->ca_cert : NULL;
    p.client_cert_pem = eap->method == CHIP_EAP_TLS ? eap->client_cert : NULL;
    p.client_key_pem = eap->method == CHIP_EAP_TLS ? eap->client_key : NULL;
    if (bssid != NULL) {
        p.has_bssid = true;
        memcpy(p.bssid, bssid, 6);
        p.channel = (int)channel;
    }
    return chip_note(c, CHIP_POLL_NONE, "wifi_join", map_err(radio_join(c->r, &p)), "auth", CHIP_AUTH_WPA2_AES_ENT,
                     ssid, ssid_len);
}

static int drv_wifi_leave(void *vb, int itf)
{
    struct chip *c = board_driver(vb);
    if (c == NULL)
        return CHIP_EPERM;
    if (itf != CHIP_ITF_STA)
        return chip_note(c, CHIP_POLL_NONE, "wifi_leave", CHIP_EINVAL, NULL, 0, NULL, 0);
    return chip_note(c, CHIP_POLL_NONE, "wifi_leave", map_err(radio_leave(c->r)), NULL, 0, NULL, 0);
}

static int drv_wifi_link_status(void *vb, int itf)
{
    struct chip *c = board_driver(vb);
    if (c == NULL || itf != CHIP_ITF_STA)
        return CHIP_LINK_DOWN;
    return chip_note(c, CHIP_POLL_LINK, "wifi_link_status", radio_link_status(c->r), NULL, 0, NULL, 0);
}

static int drv_tcpip_link_status(void *vb, int itf)
{
    struct chip *c = board_driver(vb);
    if (c == NULL || itf != CHIP_ITF_STA)
        return CHIP_LINK_DOWN;
    int s = radio_link_status(c->r);
    if (s == CHIP_LINK_JOIN && radio_joined(c->r))
        s = c->cb.has_ip != NULL && c->cb.has_ip(c->cb.ctx, itf) ? CHIP_LINK_UP : CHIP_LINK_NOIP;
    return chip_note(c, CHIP_POLL_TCPIP, "tcpip_link_status", s, NULL, 0, NULL, 0);
}

static int drv_wifi_get_rssi(void *vb, int32_t *rssi)
{
    struct chip *c = board_driver(vb);
    if (c == NULL)
        return CHIP_EPERM;
    if (rssi == NULL)
        return chip_note(c, CHIP_POLL_NONE, "wifi_get_rssi", CHIP_EINVAL, NULL, 0, NULL, 0);
    return chip_note(c, CHIP_POLL_NONE, "wifi_get_rssi", map_err(radio_rssi(c->r, rssi)), NULL, 0, NULL, 0);
}

static int drv_wifi_get_bssid(void *vb, uint8_t bssid[6])
{
    struct chip *c = board_driver(vb);
    if (c == NULL)
        return CHIP_EPERM;
    if (bssid == NULL)
        return chip_note(c, CHIP_POLL_NONE, "wifi_get_bssid", CHIP_EINVAL, NULL, 0, NULL, 0);
    return chip_note(c, CHIP_POLL_NONE, "wifi_get_bssid", map_err(radio_bssid(c->r, bssid)), NULL, 0, NULL, 0);
}

static int drv_send_ethernet(void *vb, int itf, size_t len, const void *frame)
{
    struct chip *c = board_driver(vb);
    if (c == NULL)
        return CHIP_EPERM;
    if ((itf != CHIP_ITF_STA && itf != CHIP_ITF_AP) || frame == NULL)
        return CHIP_EINVAL;
    /* Not a yield point: lwIP sends from inside its own processing, which
     * must not be re-entered; the time is spent at the task's next block. */
    board_chip_cost(vb, CHIP_COST_TX_FIXED + (sim_time)((double)len * 8.0 / CHIP_BUS_BITS_PER_US * 1000.0), false);
    if (itf == CHIP_ITF_AP) {
        /* a frame for a station that is not (or no longer) authorized is
         * dropped by the chip, as a frame to an unknown peer */
        int rc = softap_send(c->ap, frame, len);
        return rc == SIM_OK ? CHIP_OK : rc == SIM_ESTATE ? CHIP_ENOTCONN : CHIP_EINVAL;
    }
    return map_err(radio_send_ethernet(c->r, frame, len));
}

static int drv_wifi_set_tx_power(void *vb, int dbm)
{
    struct chip *c = board_driver(vb);
    if (c == NULL)
        return CHIP_EPERM;
    return chip_note(c, CHIP_POLL_NONE, "wifi_set_tx_power", map_err(radio_set_tx_power(c->r, dbm)), "dbm", dbm, NULL, 0);
}

static int drv_wifi_get_tx_power(void *vb, int *dbm)
{
    struct chip *c = board_driver(vb);
    if (c == NULL)
        return CHIP_EPERM;
    if (dbm == NULL)
        return chip_note(c, CHIP_POLL_NONE, "wifi_get_tx_power", CHIP_EINVAL, NULL, 0, NULL, 0);
    return chip_note(c, CHIP_POLL_NONE, "wifi_get_tx_power", map_err(radio_tx_power(c->r, dbm)), NULL, 0, NULL, 0);
}

/* cyw43_wifi_pm: the "PM" ioctl and the pm2_sleep_ret / bcn_li_* iovars. */
static int drv_wifi_pm(void *vb, uint32_t pm)
{
    struct chip *c = board_driver(vb);
    if (c == NULL)
        return CHIP_EPERM;
    return chip_note(c, CHIP_POLL_NONE, "wifi_pm", map_err(radio_set_pm(c->r, pm)), "pm", (int64_t)pm, NULL, 0);
}

static int drv_wifi_get_pm(void *vb, uint32_t *pm)
{
    struct chip *c = board_driver(vb);
    if (c == NULL)
        return CHIP_EPERM;
    if (pm == NULL)
        return chip_note(c, CHIP_POLL_NONE, "wifi_get_pm", CHIP_EINVAL, NULL, 0, NULL, 0);
    *pm = radio_pm(c->r);
    return chip_note(c, CHIP_POLL_NONE, "wifi_get_pm", CHIP_OK, NULL, 0, NULL, 0);
}

COSTED(int, drv_wifi_set_up, CHIP_COST_IOCTL, (void *vb, int itf, bool up), (vb, itf, up))
COSTED(bool, drv_wifi_is_up, CHIP_COST_STATUS, (void *vb, int itf), (vb, itf))
COSTED(int, drv_wifi_scan, CHIP_COST_IOCTL, (void *vb, const chip_scan_options *opts, void *env, chip_scan_result_fn cb),
       (vb, opts, env, cb))
COSTED(bool, drv_wifi_scan_active, CHIP_COST_STATUS, (void *vb), (vb))
COSTED(int, drv_wifi_join, CHIP_COST_IOCTL,
       (void *vb, size_t ssid_len, const uint8_t *ssid, size_t key_len, const uint8_t *key, uint32_t auth_type,
        const uint8_t *bssid, uint32_t channel),
       (vb, ssid_len, ssid, key_len, key, auth_type, bssid, channel))
COSTED(int, drv_wifi_join_enterprise, CHIP_COST_IOCTL,
       (void *vb, size_t ssid_len, const uint8_t *ssid, const chip_eap_params *eap, const uint8_t *bssid,
        uint32_t channel),
       (vb, ssid_len, ssid, eap, bssid, channel))
COSTED(int, drv_wifi_leave, CHIP_COST_IOCTL, (void *vb, int itf), (vb, itf))
COSTED(int, drv_wifi_link_status, CHIP_COST_STATUS, (void *vb, int itf), (vb, itf))
COSTED(int, drv_tcpip_link_status, CHIP_COST_STATUS, (void *vb, int itf), (vb, itf))
COSTED(int, drv_wifi_get_rssi, CHIP_COST_IOCTL, (void *vb, int32_t *rssi), (vb, rssi))
COSTED(int, drv_wifi_get_bssid, CHIP_COST_IOCTL, (void *vb, uint8_t bssid[6]), (vb, bssid))
COSTED(int, drv_wifi_set_tx_power, CHIP_COST_IOCTL, (void *vb, int dbm), (vb, dbm))
COSTED(int, drv_wifi_get_tx_power, CHIP_COST_IOCTL, (void *vb, int *dbm), (vb, dbm))
COSTED(int, drv_wifi_ap_set_config, CHIP_COST_IOCTL,
       (void *vb, size_t ssid_len, const uint8_t *ssid, size_t key_len, const uint8_t *key, uint32_t auth_type,
        uint32_t channel),
       (vb, ssid_len, ssid, key_len, key, auth_type, channel))
COSTED(int, drv_wifi_ap_get_stas, CHIP_COST_IOCTL, (void *vb, int *num_stas, uint8_t *macs, int max_stas),
       (vb, num_stas, macs, max_stas))
COSTED(int, drv_wifi_pm, CHIP_COST_IOCTL, (void *vb, uint32_t pm), (vb, pm))
COSTED(int, drv_wifi_get_pm, CHIP_COST_IOCTL, (void *vb, uint32_t *pm), (vb, pm))

void chip_driver_fill_ops(linkrig_board_ops *o);
void chip_driver_fill_ops(linkrig_board_ops *o)
{
    o->chip_set_callbacks = drv_set_callbacks;
    o->chip_wifi_set_up = drv_wifi_set_up_costed;
    o->chip_wifi_is_up = drv_wifi_is_up_costed;
    o->chip_wifi_get_mac = drv_wifi_get_mac;
    o->chip_wifi_scan = drv_wifi_scan_costed;
    o->chip_wifi_scan_active = drv_wifi_scan_active_costed;
    o->chip_wifi_join = drv_wifi_join_costed;
    o->chip_wifi_leave = drv_wifi_leave_costed;
    o->chip_wifi_link_status = drv_wifi_link_status_costed;
    o->chip_tcpip_link_status = drv_tcpip_link_status_costed;
    o->chip_wifi_get_rssi = drv_wifi_get_rssi_costed;
    o->chip_wifi_get_bssid = drv_wifi_get_bssid_costed;
    o->chip_send_ethernet = drv_send_ethernet;
    o->chip_wifi_set_tx_power = drv_wifi_set_tx_power_costed;
    o->chip_wifi_get_tx_power = drv_wifi_get_tx_power_costed;
    o->chip_wifi_ap_set_config = drv_wifi_ap_set_config_costed;
    o->chip_wifi_ap_get_stas = drv_wifi_ap_get_stas_costed;
    o->chip_wifi_ap_get_max_stas = drv_wifi_ap_get_max_stas;
    o->chip_wifi_pm = drv_wifi_pm_costed;
    o->chip_wifi_get_pm = drv_wifi_get_pm_costed;
    o->chip_wifi_join_enterprise = drv_wifi_join_enterprise_costed;
}
