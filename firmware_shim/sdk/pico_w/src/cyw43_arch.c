/* pico_cyw43_arch, lwip_poll flavour (pico/cyw43_arch.h), on the rig. */
#include <stdio.h>
#include <string.h>

#include "cyw43.h"
#include "hal.h"
#include "lwip/init.h"
#include "pico/async_context_poll.h"
#include "pico/cyw43_arch.h"
#include "pico_rig_internal.h"

/* What one cyw43_arch_poll costs: a status read over the chip's gSPI bus
 * (the rig's CHIP_COST_STATUS, firmware_shim/chip_driver.c). */
#define ARCH_POLL_COST_US 20u

#ifndef PICO_CYW43_ARCH_DEBUG_ENABLED
#ifndef NDEBUG
#define PICO_CYW43_ARCH_DEBUG_ENABLED 1
#else
#define PICO_CYW43_ARCH_DEBUG_ENABLED 0
#endif
#endif

static uint32_t country_code = PICO_CYW43_ARCH_DEFAULT_COUNTRY_CODE;
static async_context_t *arch_ctx;
static async_context_poll_t arch_poll_ctx;
static bool lwip_started;

void pico_rig_wake_arch(void)
{
    pico_rig_async_wake(arch_ctx);
}

/* lwip_port.c calls this after lwIP's timers ran (the rig runs them at
 * lwIP's deadlines): on a Pico those timers are an at-time worker of this
 * context, so a wait for work ends when they have run. */
void lwip_port_timers_ran(void);
void lwip_port_timers_ran(void)
{
    pico_rig_wake_arch();
}

async_context_t *cyw43_arch_async_context(void)
{
    return arch_ctx;
}

void cyw43_arch_set_async_context(async_context_t *context)
{
    arch_ctx = context;
}

async_context_t *cyw43_arch_init_default_async_context(void)
{
    return async_context_poll_init_with_defaults(&arch_poll_ctx) ? &arch_poll_ctx.core : NULL;
}

int cyw43_arch_init(void)
{
    if (arch_ctx == NULL) {
        async_context_t *c = cyw43_arch_init_default_async_context();
        if (c == NULL)
            return PICO_ERROR_GENERIC;
        arch_ctx = c;
    }
    /* lwIP cannot be shut down, so it is initialised once (the SDK's
     * lwip_nosys_init keeps the same guard). */
    if (!lwip_started) {
        lwip_init();
        lwip_started = true;
    }
    cyw43_init(&cyw43_state);
    return PICO_OK;
}

int cyw43_arch_init_with_country(uint32_t country)
{
    country_code = country;
    return cyw43_arch_init();
}

void cyw43_arch_deinit(void)
{
    cyw43_deinit(&cyw43_state);
    if (arch_ctx == &arch_poll_ctx.core) {
        async_context_deinit(arch_ctx);
        arch_ctx = NULL;
    }
}

void cyw43_arch_poll(void)
{
    /* Nothing runs behind a poll-mode program: blocking here is what lets
     * the chip's callbacks and lwIP's timers that are due run. */
    hal_sleep_us(ARCH_POLL_COST_US);
    if (arch_ctx != NULL)
        async_context_poll(arch_ctx);
}

void cyw43_arch_wait_for_work_until(absolute_time_t until)
{
    if (arch_ctx != NULL)
        async_context_wait_for_work_until(arch_ctx, until);
    else
        sleep_until(until);
}

uint32_t cyw43_arch_get_country_code(void)
{
    return country_code;
}

void cyw43_arch_enable_sta_mode(void)
{
    hard_assert(cyw43_is_initialized(&cyw43_state));
    cyw43_wifi_set_up(&cyw43_state, CYW43_ITF_STA, true, country_code);
}

void cyw43_arch_disable_sta_mode(void)
{
    hard_assert(cyw43_is_initialized(&cyw43_state));
    cyw43_wifi_set_up(&cyw43_state, CYW43_ITF_STA, false, country_code);
    if (cyw43_state.wifi_join_state)
        cyw43_wifi_leave(&cyw43_state, CYW43_ITF_STA);
}

/* As the SDK's cyw43_arch.c: the SSID, and the password with auth (or an
 * open network without one), stored in cyw43_state, then the interface up. */
void cyw43_arch_enable_ap_mode(const char *ssid, const char *password, uint32_t auth)
{
    hard_assert(cyw43_is_initialized(&cyw43_state));
    cyw43_wifi_ap_set_ssid(&cyw43_state, strlen(ssid), (const uint8_t *)ssid);
    if (password != NULL) {
        cyw43_wifi_ap_set_password(&cyw43_state, strlen(password), (const uint8_t *)password);
        cyw43_wifi_ap_set_auth(&cyw43_state, auth);
    } else {
        cyw43_wifi_ap_set_auth(&cyw43_state, CYW43_AUTH_OPEN);
    }
    cyw43_wifi_set_up(&cyw43_state, CYW43_ITF_AP, true, country_code);
}

void cyw43_arch_disable_ap_mode(void)
{
    hard_assert(cyw43_is_initialized(&cyw43_state));
    cyw43_wifi_set_up(&cyw43_state, CYW43_ITF_AP, false, country_code);
}

#if PICO_CYW43_ARCH_DEBUG_ENABLED
static const char *status_name(int s)
{
    switch (s) {
    case CYW43_LINK_DOWN: return "link down";
    case CYW43_LINK_JOIN: return "joining";
    case CYW43_LINK_NOIP: return "no ip";
    case CYW43_LINK_UP: return "link up";
    case CYW43_LINK_FAIL: return "link fail";
    case CYW43_LINK_NONET: return "network fail";
    case CYW43_LINK_BADAUTH: return "bad auth";
    default: return "unknown";
    }
}
#endif

int cyw43_arch_wifi_connect_bssid_async(const char *ssid, const uint8_t *bssid, const char *pw, uint32_t auth)
{
    if (ssid == NULL)
        return PICO_ERROR_INVALID_ARG;
    if (pw == NULL)
        auth = CYW43_AUTH_OPEN;
    return cyw43_wifi_join(&cyw43_state, strlen(ssid), (const uint8_t *)ssid, pw ? strlen(pw) : 0,
                           (const uint8_t *)pw, auth, bssid, CYW43_CHANNEL_NONE);
}

int cyw43_arch_wifi_connect_async(const char *ssid, const char *pw, uint32_t auth)
{
    return cyw43_arch_wifi_connect_bssid_async(ssid, NULL, pw, auth);
}

static int connect_until(const char *ssid, const uint8_t *bssid, const char *pw, uint32_t auth,
                         absolute_time_t until)
{
    int err = cyw43_arch_wifi_connect_bssid_async(ssid, bssid, pw, auth);
    if (err != 0)
        return err;
    int status = CYW43_LINK_UP + 1; /* no status seen yet */
    while (status >= 0 && status != CYW43_LINK_UP) {
        int now = cyw43_tcpip_link_status(&cyw43_state, CYW43_ITF_STA);
        if (now == CYW43_LINK_NONET) {
            /* No network heard: the SDK joins again and keeps trying until
             * the timeout. */
            now = CYW43_LINK_JOIN;
            err = cyw43_arch_wifi_connect_bssid_async(ssid, bssid, pw, auth);
            if (err != 0)
                return err;
        }
        if (now != status) {
            status = now;
#if PICO_CYW43_ARCH_DEBUG_ENABLED
            printf("connect status: %s\n", status_name(status));
#endif
        }
        if (time_reached(until))
            return PICO_ERROR_TIMEOUT;
        cyw43_arch_poll();
        cyw43_arch_wait_for_work_until(until);
    }
    if (status == CYW43_LINK_UP)
        return PICO_OK;
    return status == CYW43_LINK_BADAUTH ? PICO_ERROR_BADAUTH : PICO_ERROR_CONNECT_FAILED;
}

int cyw43_arch_wifi_connect_blocking(const char *ssid, const char *pw, uint32_t auth)
{
    return connect_until(ssid, NULL, pw, auth, at_the_end_of_time);
}

int cyw43_arch_wifi_connect_bssid_blocking(const char *ssid, const uint8_t *bssid, const char *pw, uint32_t auth)
{
    return connect_until(ssid, bssid, pw, auth, at_the_end_of_time);
}

int cyw43_arch_wifi_connect_timeout_ms(const char *ssid, const char *pw, uint32_t auth, uint32_t timeout)
{
    return connect_until(ssid, NULL, pw, auth, make_timeout_time_ms(timeout));
}

int cyw43_arch_wifi_connect_bssid_timeout_ms(const char *ssid, const uint8_t *bssid, const char *pw, uint32_t auth,
                                             uint32_t timeout)
{
    return connect_until(ssid, bssid, pw, auth, make_timeout_time_ms(timeout));
}

void cyw43_arch_gpio_put(uint wl_gpio, bool value)
{
    (void)cyw43_gpio_set(&cyw43_state, (int)wl_gpio, value);
}

bool cyw43_arch_gpio_get(uint wl_gpio)
{
    bool value = false;
    (void)cyw43_gpio_get(&cyw43_state, (int)wl_gpio, &value);
    return value;
}
