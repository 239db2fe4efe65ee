/* busypoll — a test firmware that waits for its link by busy-polling the
 * chip, as much Pico W code does (`while (cyw43_tcpip_link_status(...) !=
 * CYW43_LINK_UP) {}`), with no sleep at all.
 *
 * On a board that works because every status poll is a transaction on the
 * chip's bus that takes real time, during which the chip and lwIP move on.
 * The rig must behave the same: each poll costs virtual time and is a yield
 * point, so the join, DHCP and the upload complete and the watchdog (which
 * only fires when virtual time is frozen) stays quiet.
 *
 * After the link is up it uploads a few bytes to the sink over lwIP's raw
 * TCP API (waiting with hal_sleep_ms, which is fine once it has a link) and
 * then sleeps forever. */
#include <string.h>

#include "hal.h"
#include "lwip/init.h"
#include "lwip/ip_addr.h"
#include "lwip/tcp.h"
#include "wifi_chip.h"
#include "wifi_netif.h"

HAL_SETTINGS(
    {"wlan.ssid", HAL_SETTING_STR, "camnet", "network to join"},
    {"wlan.key", HAL_SETTING_STR, "", "WPA2 passphrase; empty for an open network"},
    {"sink.ip", HAL_SETTING_IPV4, "10.0.2.100", "where the bytes go"},
    {"sink.port", HAL_SETTING_INT, "9000", "the sink's TCP port"});

static const char payload[] = "busypoll: hello from a busy-polling firmware\n";

/* Set by lwIP's callbacks, which run at the task's yield points (inside
 * hal_sleep_ms), so the task sees them change across each sleep. */
static struct upload {
    int connected;
    int failed;
    size_t acked;
} up;

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)arg;
    (void)pcb;
    up.acked += len;
    return ERR_OK;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    (void)pcb;
    if (err == ERR_OK)
        up.connected = 1;
    else
        up.failed = 1;
    return ERR_OK;
}

static void on_error(void *arg, err_t err)
{
    (void)arg;
    (void)err;
    up.failed = 1; /* lwIP has freed the pcb already */
}

static int join(void)
{
    const char *ssid = hal_config_str("wlan.ssid", "camnet");
    const char *key = hal_config_str("wlan.key", "");
    uint32_t auth = key[0] ? CHIP_AUTH_WPA2_AES_PSK : CHIP_AUTH_OPEN;
    return chip_wifi_join(strlen(ssid), (const uint8_t *)ssid, strlen(key), (const uint8_t *)key, auth, NULL, 0);
}

/* One upload attempt; returns 0 once every byte is acknowledged. */
static int upload(const ip_addr_t *sink, uint16_t port)
{
    memset(&up, 0, sizeof up);
    struct tcp_pcb *pcb = tcp_new();
    if (pcb == NULL)
        return -1;
    tcp_err(pcb, on_error);
    tcp_sent(pcb, on_sent);
    if (tcp_connect(pcb, sink, port, on_connected) != ERR_OK) {
        tcp_abort(pcb);
        return -1;
    }
    for (int waited = 0; !up.connected && !up.failed && waited < 5000; waited += 10)
        hal_sleep_ms(10);
    if (!up.connected) {
        if (!up.failed)
            tcp_abort(pcb);
        return -1;
    }
    if (tcp_write(pcb, payload, sizeof payload - 1, TCP_WRITE_FLAG_COPY) != ERR_OK || tcp_output(pcb) != ERR_OK) {
        tcp_abort(pcb);
        return -1;
    }
    for (int waited = 0; up.acked < sizeof payload - 1 && !up.failed && waited < 5000; waited += 10)
        hal_sleep_ms(10);
    if (up.failed)
        return -1;
    if (up.acked < sizeof payload - 1) {
        tcp_abort(pcb);
        return -1;
    }
    tcp_close(pcb);
    return 0;
}

int app_main(void)
{
    ip_addr_t sink;
    if (!ipaddr_aton(hal_config_str("sink.ip", "10.0.2.100"), &sink))
        return HAL_EINVAL;
    uint16_t port = (uint16_t)hal_config_int("sink.port", 9000);

    lwip_init();
    if (wifi_netif_init("busypoll") == NULL)
        return HAL_ENOMEM;
    if (chip_wifi_set_up(CHIP_ITF_STA, true) != CHIP_OK || join() != CHIP_OK)
        return HAL_EINVAL;

    /* The point of this image: no hal_sleep, no hal_yield in this loop. A
     * failed join is retried at once, still without sleeping. */
    int st;
    unsigned long polls = 0;
    while ((st = chip_tcpip_link_status(CHIP_ITF_STA)) != CHIP_LINK_UP) {
        polls++;
        if (st < 0)
            join();
    }
    HAL_TRACE("busypoll_link_up", HAL_INT("polls", (long long)polls));

    for (int attempt = 1; attempt <= 5; attempt++) {
        int rc = upload(&sink, port);
        HAL_TRACE("busypoll_upload", HAL_INT("attempt", attempt), HAL_INT("ok", rc == 0));
        if (rc == 0)
            break;
        hal_sleep_ms(1000);
    }
    for (;;)
        hal_sleep_ms(1000);
    return 0;
}
