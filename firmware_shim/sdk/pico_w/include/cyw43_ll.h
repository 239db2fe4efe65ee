/* cyw43_ll.h — the cyw43-driver's low-level definitions a program sees:
 * interface numbers, auth types, power-save modes and the scan structures
 * (georgerobotics/cyw43-driver src/cyw43_ll.h; values as the driver defines
 * them). The rig's chip (wifi_chip.h) uses the same auth values. */
#ifndef LINKRIG_CYW43_LL_H
#define LINKRIG_CYW43_LL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Auth types for cyw43_wifi_join and cyw43_arch_wifi_connect_*. The rig's
 * chip joins open and WPA2-PSK networks (WPA2_MIXED is treated as WPA2, as
 * the driver documents); WPA/TKIP and WPA3 are not modelled and the join
 * fails with -CYW43_EINVAL (PICO_ERROR_INVALID_ARG). */
#define CYW43_AUTH_OPEN (0)
#define CYW43_AUTH_WPA_TKIP_PSK (0x00200002)
#define CYW43_AUTH_WPA2_AES_PSK (0x00400004)
#define CYW43_AUTH_WPA2_MIXED_PSK (0x00400006)
#define CYW43_AUTH_WPA3_SAE_AES_PSK (0x01000004)
#define CYW43_AUTH_WPA3_WPA2_AES_PSK (0x01400004)

#define CYW43_NO_POWERSAVE_MODE (0)
#define CYW43_PM1_POWERSAVE_MODE (1)
#define CYW43_PM2_POWERSAVE_MODE (2)

/* Any channel: the channel argument of a join without a BSSID. */
#define CYW43_CHANNEL_NONE (0xffffffff)

enum {
    CYW43_ITF_STA,
    CYW43_ITF_AP,
};

/* One BSS heard during a scan. The padding members stand where the
 * driver's event carries fields it does not expose; the rig zeroes them.
 * auth_mode holds the driver's bits: 1 privacy (WEP), 2 WPA, 4 WPA2 (RSN),
 * 0 open (cyw43_ll.c, scan result parsing). */
typedef struct _cyw43_ev_scan_result_t {
    uint32_t _0[5];
    uint8_t bssid[6];
    uint16_t _1[2];
    uint8_t ssid_len;
    uint8_t ssid[32];
    uint32_t _2[5];
    uint16_t channel;
    uint16_t _3;
    uint8_t auth_mode;
    int16_t rssi;
} cyw43_ev_scan_result_t;

/* The driver reads ssid_len/ssid (0: every network) and scan_type
 * (0 active, 1 passive); the rig does too. The rest is unused there and
 * here. */
typedef struct _cyw43_wifi_scan_options_t {
    uint32_t version;
    uint16_t action;
    uint16_t _;
    uint32_t ssid_len;
    uint8_t ssid[32];
    uint8_t bssid[6];
    int8_t bss_type;
    int8_t scan_type;
    int32_t nprobes;
    int32_t active_time;
    int32_t passive_time;
    int32_t home_time;
    int32_t channel_num;
    uint16_t channel_list[1];
} cyw43_wifi_scan_options_t;

#ifdef __cplusplus
}
#endif

#endif
