/* picow_tcp_client — join the network, keep one TCP connection to a server
 * and send it UPLOAD_BYTES every UPLOAD_PERIOD_MS, and come back after the
 * network goes away.
 *
 * The connection: opened when there is none; a chunk is written only when
 * the previous one was acknowledged; a chunk left unacknowledged for
 * UPLOAD_TIMEOUT_MS (or a connection error) drops the connection, and the
 * next period opens a new one. (One connection rather than one per chunk:
 * closed connections wait in FIN_WAIT_2 for the server's FIN, and lwIP's
 * five default PCBs run out.)
 *
 * Recovery: the main loop reads cyw43_tcpip_link_status on every turn (at
 * least every 100 ms); when the link is no longer UP it drops the
 * connection and reconnects with cyw43_arch_wifi_connect_timeout_ms,
 * waiting 1, 2, 4, 8, 16 then 30 s between failed attempts.
 * Built with -DPICOW_NO_RECONNECT it connects once at start and never
 * checks the link again — the shape of most getting-started examples — and
 * never recovers from a drop.
 *
 * SERVER_IP and SERVER_PORT come from the build, as pico-examples take
 * TEST_TCP_SERVER_IP; WIFI_SSID and WIFI_PASSWORD too (on the rig they read
 * the scenario's network, pico/rig.h). */
#include <stdio.h>
#include <string.h>

#include "lwip/ip_addr.h"
#include "lwip/tcp.h"
#include "pico/cyw43_arch.h"
#include "pico/stdlib.h"

#ifndef SERVER_IP
#error SERVER_IP is needed (the build sets it)
#endif
#ifndef SERVER_PORT
#define SERVER_PORT 9000
#endif
#define UPLOAD_BYTES 4096
#define UPLOAD_PERIOD_MS 1000
#define UPLOAD_TIMEOUT_MS 5000
#define CONNECT_TIMEOUT_MS 10000

static struct {
    struct tcp_pcb *pcb;
    bool connected;
    uint32_t unacked;        /* bytes of the current chunk not yet acknowledged */
    absolute_time_t stalled; /* give up on the connection at this time */
} conn;

static uint8_t payload[UPLOAD_BYTES];
static uint32_t chunks_done, conns_dropped;

static void conn_drop(const char *why)
{
    if (conn.pcb != NULL) {
        tcp_arg(conn.pcb, NULL);
        tcp_sent(conn.pcb, NULL);
        tcp_err(conn.pcb, NULL);
        tcp_abort(conn.pcb);
    }
    printf("tcp: connection dropped (%s) after %u chunks\n", why, (unsigned)chunks_done);
    memset(&conn, 0, sizeof conn);
    conns_dropped++;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)arg;
    (void)pcb;
    conn.unacked = len < conn.unacked ? conn.unacked - len : 0;
    if (conn.unacked == 0)
        chunks_done++;
    return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
    (void)arg;
    printf("tcp: connection error %d\n", err);
    conn.pcb = NULL; /* lwIP has freed it */
    conn_drop("error");
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    (void)pcb;
    if (err == ERR_OK)
        conn.connected = true;
    return ERR_OK;
}

static void conn_open(void)
{
    ip_addr_t server;
    if (!ipaddr_aton(SERVER_IP, &server)) {
        printf("tcp: bad server address %s\n", SERVER_IP);
        return;
    }
    cyw43_arch_lwip_begin();
    conn.pcb = tcp_new_ip_type(IP_GET_TYPE(&server));
    if (conn.pcb != NULL) {
        tcp_sent(conn.pcb, on_sent);
        tcp_err(conn.pcb, on_err);
        conn.stalled = make_timeout_time_ms(UPLOAD_TIMEOUT_MS);
        err_t e = tcp_connect(conn.pcb, &server, SERVER_PORT, on_connected);
        if (e != ERR_OK) {
            printf("tcp: connect failed %d\n", e);
            conn_drop("connect");
        }
    }
    cyw43_arch_lwip_end();
}

/* One period: open the connection, or send the next chunk once the last
 * one was acknowledged. */
static void upload_tick(void)
{
    if (conn.pcb == NULL) {
        conn_open();
        return;
    }
    if (!conn.connected || conn.unacked != 0)
        return;
    cyw43_arch_lwip_begin();
    err_t e = tcp_write(conn.pcb, payload, UPLOAD_BYTES, 0);
    if (e == ERR_OK)
        e = tcp_output(conn.pcb);
    cyw43_arch_lwip_end();
    if (e != ERR_OK) {
        conn_drop("write");
        return;
    }
    conn.unacked = UPLOAD_BYTES;
    conn.stalled = make_timeout_time_ms(UPLOAD_TIMEOUT_MS);
}

#ifndef PICOW_NO_RECONNECT
/* Sleeps ms while keeping the driver and lwIP serviced. */
static void wait_ms(uint32_t ms)
{
    absolute_time_t until = make_timeout_time_ms(ms);
    while (!time_reached(until)) {
        cyw43_arch_poll();
        cyw43_arch_wait_for_work_until(until);
    }
}

#endif

static int connect_wifi(void)
{
    return cyw43_arch_wifi_connect_timeout_ms(WIFI_SSID, WIFI_PASSWORD, CYW43_AUTH_WPA2_AES_PSK,
                                              CONNECT_TIMEOUT_MS);
}

#ifndef PICOW_NO_RECONNECT
static void connect_with_backoff(void)
{
    static const uint32_t backoff_ms[] = {1000, 2000, 4000, 8000, 16000, 30000};
    for (unsigned attempt = 0;; attempt++) {
        int err = connect_wifi();
        if (err == 0) {
            printf("connected, ip %s\n", ip4addr_ntoa(netif_ip4_addr(&cyw43_state.netif[CYW43_ITF_STA])));
            return;
        }
        uint32_t wait = backoff_ms[attempt < count_of(backoff_ms) ? attempt : count_of(backoff_ms) - 1];
        printf("connect failed (%d), retrying in %u ms\n", err, (unsigned)wait);
        wait_ms(wait);
    }
}
#endif

int main(void)
{
    stdio_init_all();
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)i;
    if (cyw43_arch_init()) {
        printf("failed to initialise\n");
        return 1;
    }
    cyw43_arch_enable_sta_mode();
#ifdef PICOW_NO_RECONNECT
    if (connect_wifi() != 0) {
        printf("failed to connect\n");
        return 1;
    }
    printf("connected\n");
#else
    connect_with_backoff();
#endif

    absolute_time_t next_upload = get_absolute_time();
    for (;;) {
#ifndef PICOW_NO_RECONNECT
        if (cyw43_tcpip_link_status(&cyw43_state, CYW43_ITF_STA) != CYW43_LINK_UP) {
            printf("link lost after %u chunks; reconnecting\n", (unsigned)chunks_done);
            if (conn.pcb != NULL)
                conn_drop("link lost");
            connect_with_backoff();
            next_upload = get_absolute_time();
        }
#endif
        if (conn.pcb != NULL && (!conn.connected || conn.unacked != 0) && time_reached(conn.stalled))
            conn_drop("stalled");
        if (time_reached(next_upload)) {
            next_upload = make_timeout_time_ms(UPLOAD_PERIOD_MS);
            upload_tick();
        }
        cyw43_arch_poll();
        cyw43_arch_wait_for_work_until(absolute_time_min(next_upload, make_timeout_time_ms(100)));
    }
}
