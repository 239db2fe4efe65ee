/* pico_w_api — a Pico W program that includes every header of the rig's
 * Pico W layer and checks, on the board, what each part promises: virtual
 * time and busy-waits, alarms and repeating timers, the async context's
 * workers and waits, GPIO, clocks, the board ID, and the cyw43 driver and
 * arch calls (refused auth type, connect, status, RSSI, BSSID, power
 * management, scan). Built with -Werror (CMakeLists.txt), so a declaration
 * missing from a header breaks the build; run by test pico_w_api, which
 * expects "api: all checks passed" and exit 0. */
#include <stdio.h>
#include <string.h>

#include "cyw43.h"
#include "cyw43_country.h"
#include "cyw43_ll.h"
#include "hardware/clocks.h"
#include "hardware/gpio.h"
#include "hardware/timer.h"
#include "pico.h"
#include "pico/async_context.h"
#include "pico/async_context_poll.h"
#include "pico/cyw43_arch.h"
#include "pico/error.h"
#include "pico/rig.h"
#include "pico/stdio.h"
#include "pico/stdlib.h"
#include "pico/time.h"
#include "pico/types.h"
#include "pico/unique_id.h"

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond))                                                                       \
            panic("api check failed: %s (line %d)", #cond, __LINE__);                     \
    } while (0)

static volatile bool alarm_fired;
static uint64_t alarm_at_us;

static int64_t on_alarm(alarm_id_t id, void *user_data)
{
    (void)id;
    (void)user_data;
    alarm_fired = true;
    alarm_at_us = time_us_64();
    return 0;
}

static int ticks;

static bool on_tick(repeating_timer_t *rt)
{
    (void)rt;
    return ++ticks < 5;
}

static int order[4], norder;

static void pending_work(async_context_t *ctx, async_when_pending_worker_t *w)
{
    (void)ctx;
    (void)w;
    order[norder++] = 1;
}

static void timed_work(async_context_t *ctx, async_at_time_worker_t *w)
{
    (void)ctx;
    (void)w;
    order[norder++] = 2;
}

static int scan_seen;

static int on_scan(void *env, const cyw43_ev_scan_result_t *r)
{
    (void)env;
    if (r->ssid_len > 0)
        scan_seen++;
    return 0;
}

static void check_time(void)
{
    CHECK(to_us_since_boot(at_the_end_of_time) == (uint64_t)INT64_MAX);
    CHECK(is_nil_time(nil_time));
    CHECK(is_at_the_end_of_time(delayed_by_us(at_the_end_of_time, 5)));
    absolute_time_t t0 = get_absolute_time();
    sleep_ms(100);
    CHECK(absolute_time_diff_us(t0, get_absolute_time()) == 100000);
    sleep_us(250);
    CHECK(absolute_time_diff_us(t0, get_absolute_time()) == 100250);
    /* An SDK busy-wait on the clock alone terminates, close to its time. */
    absolute_time_t t = make_timeout_time_ms(5);
    while (!time_reached(t)) {
    }
    CHECK(absolute_time_diff_us(t, get_absolute_time()) >= 0);
    CHECK(absolute_time_diff_us(t, get_absolute_time()) < 1000);
    uint32_t a = time_us_32();
    busy_wait_us(300);
    CHECK(time_us_32() - a == 300);
    busy_wait_ms(2);
    CHECK(!best_effort_wfe_or_timeout(make_timeout_time_ms(10)));
    CHECK(to_ms_since_boot(get_absolute_time()) == us_to_ms(time_us_64()));
}

static void check_alarms(void)
{
    uint64_t start = time_us_64();
    CHECK(add_alarm_in_ms(20, on_alarm, NULL, false) > 0);
    while (!alarm_fired)
        tight_loop_contents();
    CHECK(alarm_at_us - start == 20000);
    CHECK(add_alarm_at(from_us_since_boot(1), on_alarm, NULL, false) == 0); /* in the past */
    alarm_id_t id = add_alarm_in_ms(1000, on_alarm, NULL, false);
    CHECK(id > 0 && remaining_alarm_time_ms(id) == 1000);
    CHECK(cancel_alarm(id) && !cancel_alarm(id) && remaining_alarm_time_us(id) < 0);
    repeating_timer_t rt;
    start = time_us_64();
    CHECK(add_repeating_timer_ms(-10, on_tick, NULL, &rt));
    sleep_ms(100);
    CHECK(ticks == 5);
    CHECK(!cancel_repeating_timer(&rt)); /* it stopped itself */
}

static void check_async_context(void)
{
    async_context_poll_t poll;
    CHECK(async_context_poll_init_with_defaults(&poll));
    async_context_t *ctx = &poll.core;
    async_context_wait_for_work_until(ctx, make_timeout_time_ms(500)); /* first permit: at once */
    async_when_pending_worker_t pw = {.do_work = pending_work};
    async_at_time_worker_t tw = {.do_work = timed_work};
    CHECK(async_context_add_when_pending_worker(ctx, &pw));
    CHECK(!async_context_add_when_pending_worker(ctx, &pw));
    absolute_time_t t0 = get_absolute_time();
    CHECK(async_context_add_at_time_worker_in_ms(ctx, &tw, 30));
    async_context_wait_for_work_until(ctx, make_timeout_time_ms(1000));
    CHECK(absolute_time_diff_us(t0, get_absolute_time()) == 30000); /* woke for the worker */
    async_context_set_work_pending(ctx, &pw);
    async_context_poll(ctx);
    CHECK(norder == 2 && order[0] == 1 && order[1] == 2); /* pending work first */
    CHECK(!async_context_remove_at_time_worker(ctx, &tw)); /* removed as it ran */
    CHECK(async_context_remove_when_pending_worker(ctx, &pw));
    CHECK(async_context_core_num(ctx) == 0);
    async_context_deinit(ctx);
}

static void check_board(void)
{
    char id[2 * PICO_UNIQUE_BOARD_ID_SIZE_BYTES + 1];
    pico_get_unique_board_id_string(id, sizeof id);
    CHECK(strlen(id) == 16);
    pico_unique_board_id_t raw;
    pico_get_unique_board_id(&raw);
    CHECK(count_of(raw.id) == 8);
    CHECK(clock_get_hz(clk_sys) == 125000000u && clock_get_hz(clk_usb) == 48000000u);
    CHECK(set_sys_clock_khz(133000, false) && clock_get_hz(clk_sys) == 133000000u);
    gpio_init(15);
    gpio_set_dir(15, GPIO_OUT);
    gpio_put(15, 1);
    CHECK(gpio_get(15) && gpio_is_dir_out(15));
    gpio_init(14);
    gpio_pull_up(14);
    CHECK(gpio_get(14) && gpio_get_function(14) == GPIO_FUNC_SIO);
    CHECK(MIN(3, 4) == 3 && MAX(3, 4) == 4 && get_core_num() == 0);
    CHECK(PICO_ERROR_TIMEOUT == -2 && PICO_ERROR_BADAUTH == -7 && PICO_ERROR_CONNECT_FAILED == -8);
    CHECK(-CYW43_EPERM == PICO_ERROR_NOT_PERMITTED);
    CHECK(CYW43_COUNTRY_UK == 0x4247u && CYW43_ITF_STA == 0 && CYW43_ITF_AP == 1);
    CHECK(CYW43_AUTH_WPA2_AES_PSK == 0x00400004 && CYW43_LINK_BADAUTH == -3);
    CHECK(cyw43_pm_value(CYW43_PM2_POWERSAVE_MODE, 200, 1, 1, 10) == 0xa11142u);
}

static void check_wifi(void)
{
    CHECK(cyw43_arch_init_with_country(CYW43_COUNTRY_UK) == 0);
    CHECK(cyw43_arch_get_country_code() == CYW43_COUNTRY_UK);
    CHECK(cyw43_arch_async_context() != NULL);
    /* Before STA mode: joins are refused as the driver refuses them. */
    CHECK(cyw43_arch_wifi_connect_async(WIFI_SSID, WIFI_PASSWORD, CYW43_AUTH_WPA2_AES_PSK) == -CYW43_EPERM);
    cyw43_arch_gpio_put(CYW43_WL_GPIO_LED_PIN, true);
    CHECK(cyw43_arch_gpio_get(CYW43_WL_GPIO_LED_PIN));
    CHECK(cyw43_arch_gpio_get(CYW43_WL_GPIO_VBUS_PIN));
    cyw43_arch_enable_sta_mode();
    CHECK(cyw43_state.itf_state & (1u << CYW43_ITF_STA));
    uint32_t pm = 0;
    CHECK(cyw43_wifi_get_pm(&cyw43_state, &pm) == 0 && pm == CYW43_DEFAULT_PM);
    CHECK(cyw43_wifi_pm(&cyw43_state, CYW43_NONE_PM) == 0);
    int32_t rssi = 1;
    CHECK(cyw43_wifi_get_rssi(&cyw43_state, &rssi) == 0 && rssi == 0); /* not joined yet */
    /* WPA/TKIP is not modelled: refused, not pretended. */
    CHECK(cyw43_arch_wifi_connect_timeout_ms(WIFI_SSID, "whatever1", CYW43_AUTH_WPA_TKIP_PSK, 1000) ==
          PICO_ERROR_INVALID_ARG);
    CHECK(cyw43_arch_wifi_connect_timeout_ms(WIFI_SSID, WIFI_PASSWORD, CYW43_AUTH_WPA2_AES_PSK, 20000) == 0);
    CHECK(cyw43_tcpip_link_status(&cyw43_state, CYW43_ITF_STA) == CYW43_LINK_UP);
    CHECK(cyw43_wifi_link_status(&cyw43_state, CYW43_ITF_STA) == CYW43_LINK_JOIN);
    CHECK(cyw43_tcpip_link_status(&cyw43_state, CYW43_ITF_AP) == CYW43_LINK_DOWN);
    CHECK(!ip4_addr_isany_val(*netif_ip4_addr(&cyw43_state.netif[CYW43_ITF_STA])));
    CHECK(netif_default == &cyw43_state.netif[CYW43_ITF_STA]);
    CHECK(cyw43_wifi_get_rssi(&cyw43_state, &rssi) == 0 && rssi < 0);
    uint8_t bssid[6] = {0};
    CHECK(cyw43_wifi_get_bssid(&cyw43_state, bssid) == 0 && (bssid[0] | bssid[5]) != 0);
    cyw43_wifi_scan_options_t opts = {0};
    CHECK(cyw43_wifi_scan(&cyw43_state, &opts, NULL, on_scan) == 0);
    CHECK(cyw43_wifi_scan_active(&cyw43_state));
    while (cyw43_wifi_scan_active(&cyw43_state)) {
        cyw43_arch_poll();
        cyw43_arch_wait_for_work_until(make_timeout_time_ms(100));
    }
    CHECK(scan_seen >= 1);
    cyw43_arch_lwip_begin();
    cyw43_arch_lwip_check();
    cyw43_arch_lwip_end();
    int max_stas = 1;
    cyw43_wifi_ap_get_max_stas(&cyw43_state, &max_stas);
    CHECK(max_stas == 4);
    cyw43_arch_disable_sta_mode();
    CHECK(cyw43_tcpip_link_status(&cyw43_state, CYW43_ITF_STA) <= CYW43_LINK_JOIN);
    /* AP mode (after the station is gone: the examples' lwipopts.h has
     * LWIP_SINGLE_NETIF, as a program with one interface may): the netif at 192.168.4.1, no station yet,
     * the AP's own MAC, link status DOWN as the driver answers for AP */
    cyw43_arch_enable_ap_mode("picoap", "picoW123-pass", CYW43_AUTH_WPA2_AES_PSK);
    CHECK(netif_is_up(&cyw43_state.netif[CYW43_ITF_AP]));
    CHECK(ip4_addr_get_u32(netif_ip4_addr(&cyw43_state.netif[CYW43_ITF_AP])) == PP_HTONL(0xc0a80401u));
    size_t ap_ssid_len = 0;
    const uint8_t *ap_ssid = NULL;
    cyw43_wifi_ap_get_ssid(&cyw43_state, &ap_ssid_len, &ap_ssid);
    CHECK(ap_ssid_len == 6 && memcmp(ap_ssid, "picoap", 6) == 0);
    CHECK(cyw43_wifi_ap_get_auth(&cyw43_state) == CYW43_AUTH_WPA2_AES_PSK);
    int nsta = 4;
    uint8_t stas[4 * 6];
    cyw43_wifi_ap_get_stas(&cyw43_state, &nsta, stas);
    CHECK(nsta == 0);
    uint8_t ap_mac[6], sta_mac[6];
    CHECK(cyw43_wifi_get_mac(&cyw43_state, CYW43_ITF_AP, ap_mac) == 0);
    CHECK(cyw43_wifi_get_mac(&cyw43_state, CYW43_ITF_STA, sta_mac) == 0 && memcmp(ap_mac, sta_mac, 6) != 0);
    CHECK(cyw43_wifi_link_status(&cyw43_state, CYW43_ITF_AP) == CYW43_LINK_DOWN);
    cyw43_arch_disable_ap_mode();
    CHECK(!netif_is_up(&cyw43_state.netif[CYW43_ITF_AP]));
    cyw43_arch_deinit();
}

int main(void)
{
    CHECK(stdio_init_all());
    printf("api: start, ssid '%s'\n", WIFI_SSID);
    check_time();
    check_alarms();
    check_async_context();
    check_board();
    check_wifi();
    puts("api: all checks passed");
    stdio_flush();
    return 0;
}
