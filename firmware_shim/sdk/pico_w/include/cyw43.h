/* cyw43.h — the cyw43-driver's interface (georgerobotics/cyw43-driver
 * src/cyw43.h, driver 1.1.0) over the rig's chip (wifi_chip.h), for Pico W
 * programs on linkrig.
 *
 * cyw43_state.netif[CYW43_ITF_STA] is THE lwIP netif of the device, as on a
 * Pico W: added when STA mode is enabled (cyw43_wifi_set_up), named "w0",
 * hostname CYW43_HOST_NAME ("PicoW"), the default route, DHCP started at
 * once (lwIP sends DISCOVER when the link comes up), DNS server 8.8.8.8
 * until DHCP gives one (the driver's defaults, cyw43_lwip.c). Link up and
 * down follow the chip's join and loss; frames enter lwIP only while the
 * link is up. The layer owns this glue (firmware_shim/sdk/pico_w/src).
 *
 * Return values: 0 on success, else a negative error: -CYW43_EPERM
 * (= PICO_ERROR_NOT_PERMITTED: interface not up), -CYW43_EINVAL (bad
 * argument, or an auth type the rig does not model), -CYW43_ETIMEDOUT (the
 * chip did not answer its host interface: a wedged radio), -CYW43_EIO
 * (anything else the chip refused: a scan while one runs, BSSID while not
 * associated). The values are the Pico SDK's (cyw43_configport.h).
 *
 * AP mode: cyw43_wifi_set_up(.., CYW43_ITF_AP, true, ..) (and so
 * cyw43_arch_enable_ap_mode) starts the chip's AP interface (wifi_chip.h,
 * radio_model/softap.h) with the SSID, key, auth and channel stored by the
 * cyw43_wifi_ap_set_* calls (defaults as cyw43_init: channel 3, WPA2-AES,
 * "picoW123"; the SSID "PICO" without the driver's MAC digits) and adds
 * netif[CYW43_ITF_AP] at 192.168.4.1/24. No DHCP server comes with it (the
 * driver has one only with CYW43_NETUTILS): the program brings its own. A
 * configuration the chip refuses (WPA-TKIP, a key of 1..7 characters)
 * leaves the interface down with a line in the log, since the driver
 * returns nothing. The AP interface's link status is CYW43_LINK_DOWN, as
 * the driver answers for any interface but STA.
 *
 * Not modelled, and failing rather than pretending:
 *  - raw ioctls (cyw43_ioctl): -CYW43_EIO, logged once;
 *  - Bluetooth: not declared.
 * Power management (cyw43_wifi_pm) reaches the chip model (chip_wifi_pm):
 * PM1 and PM2 doze, the AP buffers for them (radio_model/README.md); as in
 * the driver, cyw43_wifi_set_up starts the chip in CYW43_DEFAULT_PM. The
 * multicast filter is accepted: the rig's chip passes every group frame. */
#ifndef LINKRIG_CYW43_H
#define LINKRIG_CYW43_H

#include <string.h>

#include "cyw43_country.h"
#include "cyw43_ll.h"
#include "lwip/dhcp.h"
#include "lwip/netif.h"
#include "pico.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CYW43_LWIP 1
#define CYW43_VERSION_MAJOR 1
#define CYW43_VERSION_MINOR 1
#define CYW43_VERSION_MICRO 0
#define CYW43_VERSION (CYW43_VERSION_MAJOR << 16 | CYW43_VERSION_MINOR << 8 | CYW43_VERSION_MICRO)

#ifndef CYW43_HOST_NAME
#define CYW43_HOST_NAME "PicoW"
#endif

/* Error numbers as the Pico SDK configures the driver: functions return
 * their negation, which equals the PICO_ERROR_* of the same meaning. */
#define CYW43_EPERM (-PICO_ERROR_NOT_PERMITTED)
#define CYW43_EIO (-PICO_ERROR_IO)
#define CYW43_EINVAL (-PICO_ERROR_INVALID_ARG)
#define CYW43_ETIMEDOUT (-PICO_ERROR_TIMEOUT)

#define CYW43_NUM_GPIOS CYW43_WL_GPIO_COUNT

/* Link status (cyw43_wifi_link_status, cyw43_tcpip_link_status); the rig's
 * chip reports the same values (CHIP_LINK_*). Negative values are errors. */
#define CYW43_LINK_DOWN (0)     /* not joined */
#define CYW43_LINK_JOIN (1)     /* joining, or joined at the Wi-Fi level */
#define CYW43_LINK_NOIP (2)     /* joined, no IP address yet */
#define CYW43_LINK_UP (3)       /* joined with an IP address */
#define CYW43_LINK_FAIL (-1)    /* the join failed */
#define CYW43_LINK_NONET (-2)   /* no network with that SSID heard */
#define CYW43_LINK_BADAUTH (-3) /* authentication failed (wrong passphrase) */

typedef struct _cyw43_t {
    uint8_t itf_state; /* bit CYW43_ITF_STA: STA interface up (its netif added) */
    uint32_t trace_flags;
    volatile uint32_t wifi_scan_state; /* 1 while a scan runs */
    uint32_t wifi_join_state;          /* nonzero after a join was started, until a leave */
    void *wifi_scan_env;
    int (*wifi_scan_cb)(void *, const cyw43_ev_scan_result_t *);
    bool initted;
    uint32_t ap_auth;
    uint8_t ap_channel;
    uint8_t ap_ssid_len;
    uint8_t ap_key_len;
    uint8_t ap_ssid[32];
    uint8_t ap_key[64];
    struct netif netif[2];
#if LWIP_IPV4 && LWIP_DHCP
    struct dhcp dhcp_client;
#endif
    uint8_t mac[6];
} cyw43_t;

extern cyw43_t cyw43_state;
/* The driver's poll hook: NULL on the rig, where the chip's events arrive at
 * the program's blocking points (cyw43_arch_poll, waits, sleeps). */
extern void (*cyw43_poll)(void);
extern uint32_t cyw43_sleep;

void cyw43_init(cyw43_t *self);
void cyw43_deinit(cyw43_t *self);
int cyw43_ioctl(cyw43_t *self, uint32_t cmd, size_t len, uint8_t *buf, uint32_t iface);
int cyw43_send_ethernet(cyw43_t *self, int itf, size_t len, const void *buf, bool is_pbuf);
int cyw43_wifi_pm(cyw43_t *self, uint32_t pm);
int cyw43_wifi_get_pm(cyw43_t *self, uint32_t *pm);
int cyw43_wifi_link_status(cyw43_t *self, int itf);
/* Powers the chip on the first call (loading its firmware), adds the
 * interface's netif. up=false for STA removes the netif (the driver's
 * current behaviour) without leaving the network; for AP it stops the
 * network and removes the AP netif. */
void cyw43_wifi_set_up(cyw43_t *self, int itf, bool up, uint32_t country);
int cyw43_wifi_get_mac(cyw43_t *self, int itf, uint8_t mac[6]);
int cyw43_wifi_update_multicast_filter(cyw43_t *self, uint8_t *addr, bool add);
/* Results arrive through result_cb while the program blocks (one call per
 * BSS heard; the driver ignores the callback's return value, and so does
 * the rig); the scan is over when cyw43_wifi_scan_active is false (a full
 * active scan of channels 1-13 takes about 0.6 s on the rig).
 * -CYW43_EPERM when no interface is up. */
int cyw43_wifi_scan(cyw43_t *self, cyw43_wifi_scan_options_t *opts, void *env,
                    int (*result_cb)(void *, const cyw43_ev_scan_result_t *));

static inline bool cyw43_wifi_scan_active(cyw43_t *self)
{
    return self->wifi_scan_state == 1;
}

/* Starts a join and returns; poll cyw43_wifi_link_status or
 * cyw43_tcpip_link_status. channel matters only with a bssid. */
int cyw43_wifi_join(cyw43_t *self, size_t ssid_len, const uint8_t *ssid, size_t key_len, const uint8_t *key,
                    uint32_t auth_type, const uint8_t *bssid, uint32_t channel);
int cyw43_wifi_leave(cyw43_t *self, int itf);
/* 0 with *rssi = 0 when not associated, as the driver documents. */
int cyw43_wifi_get_rssi(cyw43_t *self, int32_t *rssi);
int cyw43_wifi_get_bssid(cyw43_t *self, uint8_t bssid[6]);

static inline void cyw43_wifi_ap_get_ssid(cyw43_t *self, size_t *len, const uint8_t **buf)
{
    *len = self->ap_ssid_len;
    *buf = self->ap_ssid;
}

static inline uint32_t cyw43_wifi_ap_get_auth(cyw43_t *self)
{
    return self->ap_auth;
}

static inline void cyw43_wifi_ap_set_channel(cyw43_t *self, uint32_t channel)
{
    self->ap_channel = (uint8_t)channel;
}

static inline void cyw43_wifi_ap_set_ssid(cyw43_t *self, size_t len, const uint8_t *buf)
{
    self->ap_ssid_len = (uint8_t)MIN(len, sizeof self->ap_ssid);
    memcpy(self->ap_ssid, buf, self->ap_ssid_len);
}

static inline void cyw43_wifi_ap_set_password(cyw43_t *self, size_t len, const uint8_t *buf)
{
    self->ap_key_len = (uint8_t)MIN(len, sizeof self->ap_key);
    memcpy(self->ap_key, buf, self->ap_key_len);
}

static inline void cyw43_wifi_ap_set_auth(cyw43_t *self, uint32_t auth)
{
    self->ap_auth = auth;
}

/* The associated, keyed stations: max_stas the chip's limit (4 on the rig),
 * get_stas with macs NULL the count, else *num_stas entries at most (its
 * value on entry) and their count. */
void cyw43_wifi_ap_get_max_stas(cyw43_t *self, int *max_stas);
void cyw43_wifi_ap_get_stas(cyw43_t *self, int *num_stas, uint8_t *macs);

static inline bool cyw43_is_initialized(cyw43_t *self)
{
    return self->initted;
}

/* The network-stack side the driver calls (provided by the layer's netif
 * glue, as cyw43_lwip.c provides them on a Pico W). */
void cyw43_cb_tcpip_init(cyw43_t *self, int itf);
void cyw43_cb_tcpip_deinit(cyw43_t *self, int itf);
void cyw43_cb_tcpip_set_link_up(cyw43_t *self, int itf);
void cyw43_cb_tcpip_set_link_down(cyw43_t *self, int itf);
void cyw43_cb_process_ethernet(void *cb_data, int itf, size_t len, const uint8_t *buf);
/* UP or NOIP from the netif when it is up with its link, else the Wi-Fi
 * link status; through the rig's chip, so the poll is on the record. */
int cyw43_tcpip_link_status(cyw43_t *self, int itf);

/* The chip's GPIOs: 0 the LED, 1 the SMPS mode, 2 VBUS sense (reads 1: the
 * rig's board is powered over USB). Each change is a trace event "cyw43_gpio"
 * (gpio, value). Powers the chip on first use, as the driver does. */
int cyw43_gpio_set(cyw43_t *self, int gpio, bool val);
int cyw43_gpio_get(cyw43_t *self, int gpio, bool *val);

/* pm = 0x00adbrrm: mode, PM2 sleep return (10 ms units), listen intervals. */
static inline uint32_t cyw43_pm_value(uint8_t pm_mode, uint16_t pm2_sleep_ret_ms, uint8_t li_beacon_period,
                                      uint8_t li_dtim_period, uint8_t li_assoc)
{
    return (uint32_t)li_assoc << 20 | (uint32_t)li_dtim_period << 16 | (uint32_t)li_beacon_period << 12 |
           (uint32_t)(pm2_sleep_ret_ms / 10) << 4 | pm_mode;
}

#define CYW43_DEFAULT_PM (CYW43_PERFORMANCE_PM)
#define CYW43_NONE_PM (cyw43_pm_value(CYW43_NO_POWERSAVE_MODE, 10, 0, 0, 0))
#define CYW43_AGGRESSIVE_PM (cyw43_pm_value(CYW43_PM1_POWERSAVE_MODE, 10, 0, 0, 0))
#define CYW43_PERFORMANCE_PM (cyw43_pm_value(CYW43_PM2_POWERSAVE_MODE, 200, 1, 1, 10))

/* The driver's lock (cyw43_configport.h): nothing to lock on the rig. */
void cyw43_thread_enter(void);
void cyw43_thread_exit(void);
void cyw43_thread_lock_check(void);

#ifdef __cplusplus
}
#endif

#endif
