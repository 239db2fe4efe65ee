/* tests/firmware/hello/hello.c — the README's hello example, unchanged:
 * join, get an address, and each second open a new connection to the
 * rig's sink, send "hello" and close it. With lwIP's 5 TCP PCBs it uploads
 * steadily only if the sink closes its side of each connection as a real
 * server does (tests/hello_steady.sh). */
#include <string.h>

#include "hal.h"
#include "lwip/init.h"
#include "lwip/tcp.h"
#include "wifi_chip.h"
#include "wifi_netif.h"

HAL_SETTINGS({"wlan.ssid", HAL_SETTING_STR, "camnet", "network to join"},
             {"wlan.key", HAL_SETTING_STR, "", "its passphrase"},
             {"sink.ip", HAL_SETTING_IPV4, "10.0.2.100", "where to send"},
             {"sink.port", HAL_SETTING_INT, "9000", "TCP port there"});

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err == ERR_OK) {
        tcp_write(pcb, "hello\n", 6, TCP_WRITE_FLAG_COPY);
        tcp_output(pcb);
    }
    tcp_close(pcb);
    return ERR_OK;
}

int app_main(void)
{
    const char *ssid = hal_config_str("wlan.ssid", "camnet");
    const char *key = hal_config_str("wlan.key", "");
    ip_addr_t sink;
    if (!ipaddr_aton(hal_config_str("sink.ip", "10.0.2.100"), &sink))
        return HAL_EINVAL;
    lwip_init();
    chip_wifi_set_up(CHIP_ITF_STA, true);
    wifi_netif_init("hello");
    for (;;) {
        if (chip_wifi_link_status(CHIP_ITF_STA) <= CHIP_LINK_DOWN)
            chip_wifi_join(strlen(ssid), (const uint8_t *)ssid, strlen(key), (const uint8_t *)key,
                           key[0] ? CHIP_AUTH_WPA2_AES_PSK : CHIP_AUTH_OPEN, NULL, 0);
        if (wifi_netif_has_ip()) {
            struct tcp_pcb *pcb = tcp_new();
            if (pcb != NULL)
                tcp_connect(pcb, &sink, (u16_t)hal_config_int("sink.port", 9000), on_connected);
        }
        hal_sleep_ms(1000);
    }
}
