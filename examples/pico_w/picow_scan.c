/* picow_scan — scan for Wi-Fi networks every 10 seconds and print what was
 * heard, blinking the LED at each scan. Written as Pico SDK programs are
 * (pico_cyw43_arch_lwip_poll): builds for a Pico W and, unmodified, for
 * linkrig (README "Pico W programs"). */
#include <stdio.h>

#include "hardware/clocks.h"
#include "pico/cyw43_arch.h"
#include "pico/stdlib.h"
#include "pico/unique_id.h"

#define SCAN_PERIOD_MS 10000

static int on_result(void *env, const cyw43_ev_scan_result_t *r)
{
    int *count = env;
    if (r == NULL)
        return 0;
    (*count)++;
    printf("ssid: %-32.*s rssi: %4d chan: %3d mac: %02x:%02x:%02x:%02x:%02x:%02x sec: %u\n", r->ssid_len,
           (const char *)r->ssid, r->rssi, r->channel, r->bssid[0], r->bssid[1], r->bssid[2], r->bssid[3],
           r->bssid[4], r->bssid[5], r->auth_mode);
    return 0;
}

int main(void)
{
    stdio_init_all();
    char id[2 * PICO_UNIQUE_BOARD_ID_SIZE_BYTES + 1];
    pico_get_unique_board_id_string(id, sizeof id);
    printf("picow_scan on board %s, clk_sys %u Hz\n", id, (unsigned)clock_get_hz(clk_sys));

    if (cyw43_arch_init()) {
        printf("failed to initialise\n");
        return 1;
    }
    cyw43_arch_enable_sta_mode();

    absolute_time_t next_scan = nil_time;
    bool scanning = false;
    bool led = false;
    int heard = 0;
    for (;;) {
        if (absolute_time_diff_us(get_absolute_time(), next_scan) < 0) {
            if (!scanning) {
                cyw43_wifi_scan_options_t opts = {0};
                heard = 0;
                int err = cyw43_wifi_scan(&cyw43_state, &opts, &heard, on_result);
                if (err == 0) {
                    printf("scan started at %u ms\n", (unsigned)to_ms_since_boot(get_absolute_time()));
                    scanning = true;
                    led = !led;
                    cyw43_arch_gpio_put(CYW43_WL_GPIO_LED_PIN, led);
                } else {
                    printf("failed to start scan: %d\n", err);
                    next_scan = make_timeout_time_ms(SCAN_PERIOD_MS);
                }
            } else if (!cyw43_wifi_scan_active(&cyw43_state)) {
                printf("scan done: %d networks\n", heard);
                scanning = false;
                next_scan = make_timeout_time_ms(SCAN_PERIOD_MS);
            }
        }
        /* Poll mode: service the driver, then sleep until there is work or
         * the next scan is due. */
        cyw43_arch_poll();
        cyw43_arch_wait_for_work_until(scanning ? make_timeout_time_ms(50) : next_scan);
    }
}
