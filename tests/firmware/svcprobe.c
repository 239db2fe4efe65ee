/* svcprobe — a test firmware that uses every in-rig service a scenario can
 * declare (sim/scenario.h, "Services"), once per period:
 *
 *   1. resolves probe.name through DNS (lwIP's resolver, asking the server
 *      DHCP announced) and probe.missing, which must not resolve;
 *   2. asks the resolved address for the time over NTP (a mode 3 request
 *      over raw UDP, RFC 5905) and checks the reply's origin timestamp;
 *   3. reads the greeter's greeting, sends "HELO svcprobe" and reads the
 *      reply line;
 *   4. sends a datagram to the UDP echo and compares what comes back;
 *   5. uploads one line saying what it learned to the sink.
 *
 * Each step that worked is a marker (dns_ok, nxdomain_ok, ntp_ok, greet_ok,
 * uecho_ok, report_ok); what the rig judges is only the sink's upload. The
 * service addresses come from the settings the runner gives every device
 * (NAME.ip and NAME.port; the scenario names its services greeter and
 * uecho). lwIP caches a DNS answer for its TTL (60 s at the rig's server),
 * so a period over a minute (65 s) asks the server every round. */
#include <stdio.h>
#include <string.h>

#include "hal.h"
#include "lwip/dns.h"
#include "lwip/init.h"
#include "lwip/ip_addr.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "wifi_chip.h"
#include "wifi_netif.h"

HAL_SETTINGS({"wlan.ssid", HAL_SETTING_STR, "camnet", "network to join"},
             {"wlan.key", HAL_SETTING_STR, "", "WPA2 passphrase; empty for an open network"},
             {"sink.ip", HAL_SETTING_IPV4, "10.0.2.100", "where the report goes"},
             {"sink.port", HAL_SETTING_INT, "9000", "the sink's TCP port"},
             {"greeter.ip", HAL_SETTING_IPV4, "10.0.2.102", "the TCP greeter"},
             {"greeter.port", HAL_SETTING_INT, "2323", "its port"},
             {"uecho.ip", HAL_SETTING_IPV4, "10.0.2.103", "the UDP echo"},
             {"uecho.port", HAL_SETTING_INT, "7", "its port"},
             {"probe.name", HAL_SETTING_STR, "time.rig", "a name the DNS server knows: the NTP server"},
             {"probe.missing", HAL_SETTING_STR, "nowhere.rig", "a name it does not know"},
             {"probe.period_ms", HAL_SETTING_INT, "65000", "one round of probes per period"});

#define NTP_UNIX_OFFSET 2208988800u

static void wait_for(volatile int *flag, int ms)
{
    for (int waited = 0; !*flag && waited < ms; waited += 10)
        hal_sleep_ms(10);
}

/* ---- DNS ---- */

static struct {
    volatile int done;
    int found;
    ip_addr_t addr;
} dq;

static void on_dns(const char *name, const ip_addr_t *addr, void *arg)
{
    (void)name;
    (void)arg;
    dq.found = addr != NULL;
    if (addr != NULL)
        dq.addr = *addr;
    dq.done = 1;
}

/* 1: found (addr set), 0: not found, -1: no answer. */
static int resolve(const char *name, ip_addr_t *addr)
{
    memset(&dq, 0, sizeof dq);
    err_t e = dns_gethostbyname(name, &dq.addr, on_dns, NULL);
    if (e == ERR_OK) {
        *addr = dq.addr;
        return 1;
    }
    if (e != ERR_INPROGRESS)
        return -1;
    wait_for(&dq.done, 15000);
    if (!dq.done)
        return -1;
    *addr = dq.addr;
    return dq.found;
}

/* ---- UDP: NTP and echo ---- */

static struct {
    volatile int done;
    uint8_t buf[64];
    size_t len;
} uq;

static void on_udp(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    (void)arg;
    (void)pcb;
    (void)addr;
    (void)port;
    uq.len = pbuf_copy_partial(p, uq.buf, sizeof uq.buf, 0);
    uq.done = 1;
    pbuf_free(p);
}

/* Sends len bytes to addr:port and waits for one datagram back. */
static int udp_ask(const ip_addr_t *addr, uint16_t port, const uint8_t *msg, size_t len)
{
    memset(&uq, 0, sizeof uq);
    struct udp_pcb *pcb = udp_new();
    if (pcb == NULL)
        return -1;
    udp_recv(pcb, on_udp, NULL);
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
    int rc = -1;
    if (p != NULL) {
        memcpy(p->payload, msg, len);
        if (udp_sendto(pcb, p, addr, port) == ERR_OK) {
            wait_for(&uq.done, 3000);
            rc = uq.done ? 0 : -1;
        }
        pbuf_free(p);
    }
    udp_remove(pcb);
    return rc;
}

static uint32_t rd32(const uint8_t *b)
{
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

/* The server's transmit time in Unix seconds, or 0. */
static uint32_t ntp_time(const ip_addr_t *server, uint32_t tag)
{
    uint8_t req[48] = {0};
    req[0] = (0 << 6) | (4 << 3) | 3; /* no leap warning, version 4, client */
    req[40] = (uint8_t)(tag >> 24);   /* a transmit timestamp the reply must echo */
    req[41] = (uint8_t)(tag >> 16);
    req[42] = (uint8_t)(tag >> 8);
    req[43] = (uint8_t)tag;
    if (udp_ask(server, 123, req, sizeof req) != 0 || uq.len < 48)
        return 0;
    if ((uq.buf[0] & 7) != 4 || uq.buf[1] == 0 || memcmp(uq.buf + 24, req + 40, 8) != 0)
        return 0;
    return rd32(uq.buf + 40) - NTP_UNIX_OFFSET;
}

/* ---- TCP ---- */

static struct {
    volatile int connected, failed, closed;
    char buf[256];
    size_t len;
    size_t acked;
} tq;

static err_t on_tcp_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)err;
    if (p == NULL) {
        tq.closed = 1;
        return ERR_OK;
    }
    size_t room = sizeof tq.buf - 1 - tq.len;
    tq.len += pbuf_copy_partial(p, tq.buf + tq.len, (u16_t)(p->tot_len < room ? p->tot_len : room), 0);
    tq.buf[tq.len] = '\0';
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
}

static err_t on_tcp_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)arg;
    (void)pcb;
    tq.acked += len;
    return ERR_OK;
}

static err_t on_tcp_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    (void)pcb;
    if (err == ERR_OK)
        tq.connected = 1;
    else
        tq.failed = 1;
    return ERR_OK;
}

static void on_tcp_error(void *arg, err_t err)
{
    (void)arg;
    (void)err;
    tq.failed = 1; /* lwIP has freed the pcb */
}

static struct tcp_pcb *tcp_open(const ip_addr_t *addr, uint16_t port)
{
    memset(&tq, 0, sizeof tq);
    struct tcp_pcb *pcb = tcp_new();
    if (pcb == NULL)
        return NULL;
    tcp_err(pcb, on_tcp_error);
    tcp_recv(pcb, on_tcp_recv);
    tcp_sent(pcb, on_tcp_sent);
    if (tcp_connect(pcb, addr, port, on_tcp_connected) != ERR_OK) {
        tcp_abort(pcb);
        return NULL;
    }
    wait_for(&tq.connected, 5000);
    if (!tq.connected) {
        if (!tq.failed)
            tcp_abort(pcb);
        return NULL;
    }
    return pcb;
}

/* The first n lines received (n LFs), waiting up to ms. */
static int read_lines(int n, int ms)
{
    for (int waited = 0; waited < ms && !tq.failed; waited += 10) {
        int lines = 0;
        for (size_t i = 0; i < tq.len; i++)
            lines += tq.buf[i] == '\n';
        if (lines >= n)
            return 0;
        hal_sleep_ms(10);
    }
    return -1;
}

static int tcp_send_all(struct tcp_pcb *pcb, const char *text)
{
    size_t len = strlen(text);
    tq.acked = 0;
    if (tcp_write(pcb, text, (u16_t)len, TCP_WRITE_FLAG_COPY) != ERR_OK || tcp_output(pcb) != ERR_OK)
        return -1;
    for (int waited = 0; tq.acked < len && !tq.failed && waited < 5000; waited += 10)
        hal_sleep_ms(10);
    return tq.acked >= len ? 0 : -1;
}

static void tcp_finish(struct tcp_pcb *pcb)
{
    if (tq.failed)
        return;
    if (tcp_close(pcb) != ERR_OK)
        tcp_abort(pcb);
}

/* The greeting and the reply to our HELO, "greeting|reply", into out. */
static int greet(const ip_addr_t *addr, uint16_t port, char *out, size_t cap)
{
    struct tcp_pcb *pcb = tcp_open(addr, port);
    if (pcb == NULL)
        return -1;
    int rc = -1;
    if (read_lines(1, 3000) == 0 && tcp_send_all(pcb, "HELO svcprobe\r\n") == 0 && read_lines(2, 3000) == 0) {
        size_t k = 0;
        for (size_t i = 0; i < tq.len && k + 1 < cap; i++) {
            if (tq.buf[i] == '\r')
                continue;
            out[k++] = tq.buf[i] == '\n' ? '|' : tq.buf[i];
        }
        if (k > 0 && out[k - 1] == '|')
            k--;
        out[k] = '\0';
        rc = 0;
    }
    if (!tq.failed)
        tcp_finish(pcb);
    return rc;
}

static int upload(const ip_addr_t *addr, uint16_t port, const char *text)
{
    struct tcp_pcb *pcb = tcp_open(addr, port);
    if (pcb == NULL)
        return -1;
    int rc = tcp_send_all(pcb, text);
    if (!tq.failed)
        tcp_finish(pcb);
    return rc;
}

/* ---- the probe ---- */

static int join(void)
{
    const char *ssid = hal_config_str("wlan.ssid", "camnet");
    const char *key = hal_config_str("wlan.key", "");
    uint32_t auth = key[0] ? CHIP_AUTH_WPA2_AES_PSK : CHIP_AUTH_OPEN;
    return chip_wifi_join(strlen(ssid), (const uint8_t *)ssid, strlen(key), (const uint8_t *)key, auth, NULL, 0);
}

static void probe_round(int round)
{
    ip_addr_t sink, greeter, uecho, addr;
    ipaddr_aton(hal_config_str("sink.ip", "10.0.2.100"), &sink);
    ipaddr_aton(hal_config_str("greeter.ip", "10.0.2.102"), &greeter);
    ipaddr_aton(hal_config_str("uecho.ip", "10.0.2.103"), &uecho);
    char dns_s[20] = "none", greet_s[128] = "none";
    const char *uecho_s = "none";
    uint32_t now = 0;

    int found = resolve(hal_config_str("probe.name", "time.rig"), &addr);
    if (found == 1) {
        hal_marker("dns_ok", round);
        ipaddr_ntoa_r(&addr, dns_s, sizeof dns_s);
        now = ntp_time(&addr, 0x5c000000u | (uint32_t)round);
        if (now != 0)
            hal_marker("ntp_ok", now);
    }
    ip_addr_t missing;
    if (resolve(hal_config_str("probe.missing", "nowhere.rig"), &missing) == 0)
        hal_marker("nxdomain_ok", round);
    if (greet(&greeter, (uint16_t)hal_config_int("greeter.port", 2323), greet_s, sizeof greet_s) == 0)
        hal_marker("greet_ok", round);
    char ping[32];
    int n = snprintf(ping, sizeof ping, "svcprobe ping %d", round);
    if (udp_ask(&uecho, (uint16_t)hal_config_int("uecho.port", 7), (const uint8_t *)ping, (size_t)n) == 0) {
        uecho_s = uq.len == (size_t)n && memcmp(uq.buf, ping, (size_t)n) == 0 ? "ok" : "corrupt";
        if (uecho_s[0] == 'o')
            hal_marker("uecho_ok", round);
    }
    char report[256];
    snprintf(report, sizeof report, "svcprobe round=%d dns=%s ntp=%lu greet=%s uecho=%s\n", round, dns_s,
             (unsigned long)now, greet_s, uecho_s);
    hal_log(HAL_LOG_INFO, "%s", report);
    if (upload(&sink, (uint16_t)hal_config_int("sink.port", 9000), report) == 0)
        hal_marker("report_ok", round);
}

int app_main(void)
{
    int period = (int)hal_config_int("probe.period_ms", 65000);
    lwip_init();
    if (wifi_netif_init("svcprobe") == NULL)
        return HAL_ENOMEM;
    if (chip_wifi_set_up(CHIP_ITF_STA, true) != CHIP_OK)
        return HAL_EINVAL;
    for (int round = 1;; round++) {
        while (!wifi_netif_has_ip()) {
            if (chip_wifi_link_status(CHIP_ITF_STA) <= CHIP_LINK_DOWN)
                join();
            hal_sleep_ms(1000);
        }
        uint64_t t0 = hal_time_us();
        probe_round(round);
        uint64_t spent_ms = (hal_time_us() - t0) / 1000;
        hal_sleep_ms(spent_ms < (uint64_t)period ? (uint32_t)((uint64_t)period - spent_ms) : 0);
    }
    return 0;
}
