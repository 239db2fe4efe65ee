/* pico/cyw43_arch.h — pico_cyw43_arch in its lwip_poll flavour
 * (pico_cyw43_arch_lwip_poll: CYW43_LWIP=1, PICO_CYW43_ARCH_POLL=1, lwIP
 * NO_SYS=1), following the SDK's documented API (pico-sdk
 * src/rp2_common/pico_cyw43_arch/include/pico/cyw43_arch.h, SDK 2.2.0).
 *
 * Poll mode means nothing runs behind the program's back: it calls
 * cyw43_arch_poll() from its main loop and may sleep in
 * cyw43_arch_wait_for_work_until(). On the rig:
 *  - cyw43_arch_poll() blocks the task for 20 us (a status read over the
 *    chip's gSPI bus, the rig's CHIP_COST_STATUS) so the chip's callbacks
 *    and lwIP's timers due by then run, then runs the async_context's due
 *    workers. A bare `for (;;) cyw43_arch_poll();` thus advances time;
 *  - cyw43_arch_wait_for_work_until(t) sleeps until t, the next at-time
 *    worker, or work: a frame, a link change, a scan event, lwIP's timers
 *    (pico/async_context_poll.h).
 *
 * Connecting: cyw43_arch_wifi_connect_{blocking,timeout_ms,bssid_*} start a
 * join and then poll cyw43_tcpip_link_status, polling and waiting between
 * reads, until UP (0), BADAUTH (PICO_ERROR_BADAUTH), FAIL
 * (PICO_ERROR_CONNECT_FAILED) or the timeout (PICO_ERROR_TIMEOUT). When no
 * network was heard (NONET) they start the join again and keep trying until
 * the timeout, as the SDK does; an error from the join itself is returned
 * as is. A NULL password means an open network. In debug builds (NDEBUG
 * undefined) each status change is printed ("connect status: joining"), as
 * the SDK's PICO_CYW43_ARCH_DEBUG_ENABLED does.
 *
 * AP mode: cyw43_arch_enable_ap_mode(ssid, password, auth) stores them as
 * the SDK does (a NULL password: open network) and brings the chip's AP
 * interface up, netif[CYW43_ITF_AP] at 192.168.4.1/24 (cyw43.h); the
 * program runs its own DHCP server, as pico-examples' access_point does.
 * Not modelled: other flavours (threadsafe_background, freertos) and
 * Bluetooth.
 *
 * WIFI_SSID and WIFI_PASSWORD, unless the build defines them, read the
 * scenario's network at run time (pico/rig.h). */
#ifndef LINKRIG_PICO_CYW43_ARCH_H
#define LINKRIG_PICO_CYW43_ARCH_H

#include "cyw43.h"
#include "cyw43_country.h"
#include "pico.h"
#include "pico/async_context.h"
#include "pico/async_context_poll.h"
#include "pico/rig.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef PICO_CYW43_ARCH_POLL
#define PICO_CYW43_ARCH_POLL 1
#endif
#ifndef PICO_CYW43_ARCH_DEFAULT_COUNTRY_CODE
#define PICO_CYW43_ARCH_DEFAULT_COUNTRY_CODE CYW43_COUNTRY_WORLDWIDE
#endif

/* Initializes lwIP (once per run: lwIP cannot be shut down) and the driver
 * state; 0, or PICO_ERROR_GENERIC. The chip is powered by the first call
 * that needs it (enable_sta_mode, a GPIO, a scan). */
int cyw43_arch_init(void);
int cyw43_arch_init_with_country(uint32_t country);
/* Removes the netif and powers the chip down (the rig records a power-down;
 * init + enable_sta_mode after it is a power cycle). */
void cyw43_arch_deinit(void);

async_context_t *cyw43_arch_async_context(void);
/* Before cyw43_arch_init, to use a context of the program's own. */
void cyw43_arch_set_async_context(async_context_t *context);
async_context_t *cyw43_arch_init_default_async_context(void);

void cyw43_arch_poll(void);
void cyw43_arch_wait_for_work_until(absolute_time_t until);

/* No locks in poll mode; kept for code that brackets its lwIP calls. */
static inline void cyw43_arch_lwip_begin(void)
{
    cyw43_thread_enter();
}

static inline void cyw43_arch_lwip_end(void)
{
    cyw43_thread_exit();
}

static inline int cyw43_arch_lwip_protect(int (*func)(void *param), void *param)
{
    cyw43_arch_lwip_begin();
    int rc = func(param);
    cyw43_arch_lwip_end();
    return rc;
}

#define cyw43_arch_lwip_check() cyw43_thread_lock_check()

uint32_t cyw43_arch_get_country_code(void);

void cyw43_arch_enable_sta_mode(void);
/* Removes the STA netif and leaves the network if a join was made. */
void cyw43_arch_disable_sta_mode(void);
/* Not modelled: stops the run (see above). */
void cyw43_arch_enable_ap_mode(const char *ssid, const char *password, uint32_t auth);
void cyw43_arch_disable_ap_mode(void);

int cyw43_arch_wifi_connect_blocking(const char *ssid, const char *pw, uint32_t auth);
int cyw43_arch_wifi_connect_bssid_blocking(const char *ssid, const uint8_t *bssid, const char *pw, uint32_t auth);
int cyw43_arch_wifi_connect_timeout_ms(const char *ssid, const char *pw, uint32_t auth, uint32_t timeout);
int cyw43_arch_wifi_connect_bssid_timeout_ms(const char *ssid, const uint8_t *bssid, const char *pw, uint32_t auth,
                                             uint32_t timeout);
/* Starts the join and returns (0, or the join's error); then poll
 * cyw43_wifi_link_status / cyw43_tcpip_link_status. */
int cyw43_arch_wifi_connect_async(const char *ssid, const char *pw, uint32_t auth);
int cyw43_arch_wifi_connect_bssid_async(const char *ssid, const uint8_t *bssid, const char *pw, uint32_t auth);

/* The Wi-Fi chip's GPIOs (CYW43_WL_GPIO_LED_PIN is the LED); errors are not
 * reported, as the SDK documents (use cyw43_gpio_set for them). */
void cyw43_arch_gpio_put(uint wl_gpio, bool value);
bool cyw43_arch_gpio_get(uint wl_gpio);

#ifdef __cplusplus
}
#endif

#endif
