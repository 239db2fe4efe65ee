/* The rig's client station: a phone or a laptop that a scenario declares
 * under clients: (sim/scenario.h). It is a firmware image like any other
 * (its own chip on the medium, its own lwIP) so that it joins, keys, gets
 * an address and talks TCP exactly as a device does; it is the rig's own
 * code, built with linkrig, and what it reports (trace events under
 * "<name>.fw": client_address, client_fetched, client_connected,
 * client_failed, client_left) is the rig's record of what the client saw.
 *
 * Its script comes from settings (the runner writes them from the
 * scenario's clients: entry):
 *   client.ssid, client.key       the network to join ("" key: open)
 *   client.join_ms                when to join (virtual ms since power-on)
 *   client.url                    "" | http://A.B.C.D[:port]/path (HTTP/1.0 GET)
 *                                 | tcp://A.B.C.D:port (open, then close)
 *   client.fetch_delay_ms         after the address, before the URL
 *   client.leave_ms               when to leave (0: never)
 * One attempt per run: a scripted user who tries once and reports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal.h"
#include "lwip/init.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "tcp_client.h"
#include "wifi_chip.h"
#include "wifi_netif.h"

HAL_SETTINGS(
    {"client.ssid", HAL_SETTING_STR, "", "the network the client joins"},
    {"client.key", HAL_SETTING_STR, "", "its passphrase; empty for an open network"},
    {"client.join_ms", HAL_SETTING_INT, "0", "when the client joins (ms after power-on)"},
    {"client.url", HAL_SETTING_STR, "", "http://IP[:port]/path to fetch, or tcp://IP:port to open"},
    {"client.fetch_delay_ms", HAL_SETTING_INT, "500", "wait between getting an address and the fetch"},
    {"client.leave_ms", HAL_SETTING_INT, "0", "when the client leaves (ms after power-on); 0 = never"});

#define BODY_MAX 4096

struct url {
    bool http;
    ip_addr_t ip;
    uint16_t port;
    char host[16];
    char path[128];
};

static bool parse_url(const char *text, struct url *u)
{
    const char *rest;
    memset(u, 0, sizeof *u);
    if (strncmp(text, "http://", 7) == 0) {
        u->http = true;
        u->port = 80;
        rest = text + 7;
    } else if (strncmp(text, "tcp://", 6) == 0) {
        rest = text + 6;
    } else {
        return false;
    }
    size_t hl = strcspn(rest, ":/");
    if (hl == 0 || hl >= sizeof u->host)
        return false;
    memcpy(u->host, rest, hl);
    if (!ipaddr_aton(u->host, &u->ip))
        return false;
    rest += hl;
    if (*rest == ':') {
        char *end;
        unsigned long p = strtoul(rest + 1, &end, 10);
        if (end == rest + 1 || p == 0 || p > 65535)
            return false;
        u->port = (uint16_t)p;
        rest = end;
    } else if (!u->http) {
        return false;
    }
    snprintf(u->path, sizeof u->path, "%s", *rest ? rest : "/");
    return u->http ? u->path[0] == '/' : *rest == '\0';
}

static void fetch(const char *text)
{
    struct url u;
    if (!parse_url(text, &u)) {
        HAL_TRACE("client_failed", HAL_STR("url", text), HAL_STR("why", "not a URL the client understands"));
        return;
    }
    tcpc *c = NULL;
    int rc = tcpc_connect(&c, &u.ip, u.port, 5000);
    if (rc != TCPC_OK) {
        HAL_TRACE("client_failed", HAL_STR("url", text), HAL_STR("why", tcpc_strerror(rc)));
        return;
    }
    if (!u.http) {
        HAL_TRACE("client_connected", HAL_STR("url", text));
        tcpc_close(c);
        return;
    }
    char req[256];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: linkrig-client\r\n\r\n", u.path,
                     u.host);
    rc = tcpc_send(c, req, (size_t)n, 5000);
    char *resp = calloc(1, BODY_MAX + 1);
    size_t got = 0;
    while (rc == TCPC_OK && resp != NULL && got < BODY_MAX) {
        int r = tcpc_recv(c, resp + got, BODY_MAX - got, 10000);
        if (r <= 0) {
            rc = r;
            break;
        }
        got += (size_t)r;
    }
    tcpc_close(c);
    if (resp == NULL || (rc != TCPC_OK && got == 0)) {
        HAL_TRACE("client_failed", HAL_STR("url", text), HAL_STR("why", resp ? tcpc_strerror(rc) : "out of memory"));
        free(resp);
        return;
    }
    /* "HTTP/1.x SSS reason" (RFC 9112 4) */
    int status = 0;
    if (strncmp(resp, "HTTP/1.", 7) == 0 && got >= 12)
        status = atoi(resp + 9);
    const char *body = strstr(resp, "\r\n\r\n");
    body = body ? body + 4 : "";
    char shown[1024];
    snprintf(shown, sizeof shown, "%s", body);
    HAL_TRACE("client_fetched", HAL_STR("url", text), HAL_INT("status", status),
              HAL_INT("bytes", (long long)(got - (size_t)(body - resp))), HAL_STR("body", shown));
    free(resp);
}

int app_main(void)
{
    const char *ssid = hal_config_str("client.ssid", "");
    const char *key = hal_config_str("client.key", "");
    const char *url = hal_config_str("client.url", "");
    long long join_ms = hal_config_int("client.join_ms", 0);
    long long delay_ms = hal_config_int("client.fetch_delay_ms", 500);
    long long leave_ms = hal_config_int("client.leave_ms", 0);
    size_t slen = strlen(ssid), klen = strlen(key);
    if (slen == 0 || slen > 32 || (klen != 0 && (klen < 8 || klen > 63)) || join_ms < 0 || delay_ms < 0 ||
        leave_ms < 0)
        return HAL_EINVAL;
    lwip_init();
    if (wifi_netif_init("linkrig-client") == NULL)
        return HAL_ENOMEM;
    if (chip_wifi_set_up(CHIP_ITF_STA, true) != CHIP_OK)
        return HAL_EINVAL;
    uint32_t boot = hal_ticks_ms();
    bool joined = false, addressed = false, fetched = false, left = false;
    uint32_t addressed_at = 0;
    for (;;) {
        int32_t t = hal_ticks_diff(hal_ticks_ms(), boot);
        if (!joined && !left && t >= join_ms) {
            int rc = chip_wifi_join(slen, (const uint8_t *)ssid, klen, (const uint8_t *)key,
                                    klen ? CHIP_AUTH_WPA2_AES_PSK : CHIP_AUTH_OPEN, NULL, 0);
            if (rc != CHIP_OK) {
                HAL_TRACE("client_failed", HAL_STR("why", "the chip refused the join"), HAL_INT("rc", rc));
                return 0;
            }
            joined = true;
        }
        if (joined && !addressed && wifi_netif_has_ip()) {
            addressed = true;
            addressed_at = hal_ticks_ms();
            HAL_TRACE("client_address", HAL_STR("ip", ip4addr_ntoa(netif_ip4_addr(wifi_netif()))));
        }
        if (addressed && !fetched && url[0] != '\0' && hal_ticks_diff(hal_ticks_ms(), addressed_at) >= delay_ms) {
            fetched = true;
            fetch(url);
        }
        if (leave_ms > 0 && !left && t >= leave_ms) {
            left = true;
            chip_wifi_leave(CHIP_ITF_STA);
            HAL_TRACE("client_left", HAL_INT("at_ms", t));
        }
        hal_sleep_ms(50);
    }
}
