/* linkrig_image.h — the binary contract between the linkrig executable (the
 * rig) and a firmware image (a shared object: the device's code, its lwIP
 * and the board glue of firmware_shim/image/).
 *
 * Firmware code never includes this file: it calls hal.h, wifi_chip.h and
 * eth_chip.h as on a board. The image-side glue implements those calls by
 * forwarding each one through the table of function pointers the rig hands
 * over at attach time, with the rig's handle of *this* device as the first
 * argument. That is how one executable runs several devices, each with its
 * own image instance (own globals, own lwIP), and always knows which device
 * is calling: the instance keeps its table in its own globals.
 *
 * Versioning. LINKRIG_BOARD_ABI changes whenever either struct below changes
 * shape or meaning. The rig refuses an image whose abi_version differs and
 * says which versions met; `size` lets the rig catch a mismatched build even
 * if someone forgot to bump the version.
 *
 * The image exports exactly one symbol, LINKRIG_IMAGE_SYMBOL, a
 * `const linkrig_image`. Everything else in an image has hidden visibility. */
#ifndef LINKRIG_IMAGE_H
#define LINKRIG_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eth_chip.h"
#include "hal.h"
#include "wifi_chip.h"

#define LINKRIG_BOARD_ABI 4u
#define LINKRIG_IMAGE_SYMBOL "linkrig_firmware_image"

/* The rig's side, called by the image. `b` is the rig's handle of the device
 * (opaque to the image). Semantics are those of the same-named calls in
 * hal.h, wifi_chip.h and eth_chip.h; only the differences are noted. */
typedef struct linkrig_board_ops {
    uint32_t abi_version; /* LINKRIG_BOARD_ABI */
    uint32_t size;        /* sizeof(linkrig_board_ops) */
    void *b;

    /* ---- HAL ---- */
    uint32_t (*ticks_ms)(void *b);
    uint32_t (*ticks_us)(void *b);
    /* Virtual nanoseconds since the run's epoch, never wrapping: lwIP's
     * sys_now. Never a yield point. */
    int64_t (*now_ns)(void *b);
    /* hal_time_us: the same clock in microseconds, read by firmware code
     * (a busy-wait on it makes progress, see board.c). */
    uint64_t (*time_us)(void *b);
    int (*sleep_us)(void *b, uint64_t us);
    int (*yield)(void *b);
    hal_event *(*event_create)(void *b);
    void (*event_destroy)(void *b, hal_event *ev);
    void (*event_set)(void *b, hal_event *ev);
    void (*event_clear)(void *b, hal_event *ev);
    bool (*event_is_set)(void *b, const hal_event *ev);
    int (*event_wait)(void *b, hal_event *ev, uint32_t timeout_ms);
    int (*task_create)(void *b, const char *name, hal_task_fn fn, void *arg, size_t stack_bytes);
    uint32_t (*random_u32)(void *b);
    void (*log)(void *b, hal_log_level level, const char *msg);
    void (*trace)(void *b, const char *event, const hal_field *fields, size_t nfields);
    void (*marker)(void *b, const char *name, long long value);
    /* The setting's text, or NULL when the rig has none for key. */
    const char *(*config_get)(void *b, const char *key);
    /* Stops the device with msg (a panic, an lwIP assert). Does not return. */
    void (*fatal)(void *b, const char *msg);
    /* lwIP's debug output (LWIP_PLATFORM_DIAG), one line. */
    void (*diag)(void *b, const char *msg);

    /* ---- Wi-Fi chip ---- */
    void (*chip_set_callbacks)(void *b, const chip_callbacks *cb);
    int (*chip_wifi_set_up)(void *b, int itf, bool up);
    bool (*chip_wifi_is_up)(void *b, int itf);
    int (*chip_wifi_get_mac)(void *b, int itf, uint8_t mac[6]);
    int (*chip_wifi_scan)(void *b, const chip_scan_options *opts, void *env, chip_scan_result_fn result_cb);
    bool (*chip_wifi_scan_active)(void *b);
    int (*chip_wifi_join)(void *b, size_t ssid_len, const uint8_t *ssid, size_t key_len, const uint8_t *key,
                          uint32_t auth_type, const uint8_t *bssid, uint32_t channel);
    int (*chip_wifi_leave)(void *b, int itf);
    int (*chip_wifi_link_status)(void *b, int itf);
    int (*chip_tcpip_link_status)(void *b, int itf);
    int (*chip_wifi_get_rssi)(void *b, int32_t *rssi);
    int (*chip_wifi_get_bssid)(void *b, uint8_t bssid[6]);
    int (*chip_send_ethernet)(void *b, int itf, size_t len, const void *frame);
    int (*chip_wifi_set_tx_power)(void *b, int dbm);
    int (*chip_wifi_get_tx_power)(void *b, int *dbm);
    int (*chip_wifi_pm)(void *b, uint32_t pm);
    int (*chip_wifi_get_pm)(void *b, uint32_t *pm);

    /* ---- Ethernet port ---- */
    void (*eth_set_callbacks)(void *b, const eth_callbacks *cb);
    int (*eth_set_up)(void *b, bool up);
    bool (*eth_is_up)(void *b);
    int (*eth_get_mac)(void *b, uint8_t mac[6]);
    int (*eth_link_status)(void *b);
    int (*eth_send)(void *b, size_t len, const void *frame);

    /* ---- the serial console (ABI 3) ---- */
    void (*console_write)(void *b, const char *data, size_t len);
    /* The next received byte (0..255), or HAL_ETIMEDOUT after timeout_us
     * (0: do not wait; UINT64_MAX: no limit), or HAL_ENOTASK when it would block outside a task. */
    int (*console_getc)(void *b, uint64_t timeout_us);
    /* ---- Wi-Fi chip, AP interface (ABI 3) ---- */
    int (*chip_wifi_ap_set_config)(void *b, size_t ssid_len, const uint8_t *ssid, size_t key_len, const uint8_t *key,
                                   uint32_t auth_type, uint32_t channel);
    int (*chip_wifi_ap_get_stas)(void *b, int *num_stas, uint8_t *macs, int max_stas);
    int (*chip_wifi_ap_get_max_stas)(void *b, int *max_stas);
    /* ---- Wi-Fi chip, Enterprise join (ABI 4) ---- */
    int (*chip_wifi_join_enterprise)(void *b, size_t ssid_len, const uint8_t *ssid, const chip_eap_params *eap,
                                     const uint8_t *bssid, uint32_t channel);
} linkrig_board_ops;

/* The image's side, read by the rig. */
typedef struct linkrig_image {
    uint32_t abi_version; /* LINKRIG_BOARD_ABI */
    uint32_t size;        /* sizeof(linkrig_image) */
    const char *name;     /* the image's name (its CMake target) */
    const char *lwip_version; /* NULL for an image without lwIP */
    /* The settings the firmware declared with HAL_SETTINGS, ended by an entry
     * whose key is NULL; NULL when it declared none (the rig then cannot
     * check --set keys). */
    const hal_setting *settings;
    /* Binds this instance to a device: from now on every board call of the
     * instance goes to ops. The table must outlive the attachment. Returns 0,
     * or -1 when the instance is attached to another device already. */
    int (*attach)(const linkrig_board_ops *ops);
    void (*detach)(void);
    /* The firmware's entry point; NULL when it has none. */
    int (*app_main)(void);
    /* NULL for an image without lwIP. next_deadline: false when lwIP has no
     * timeout pending, else the absolute virtual ms of the earliest one (not
     * before now_ms). run_timers: sys_check_timeouts. */
    bool (*lwip_next_deadline)(int64_t now_ms, int64_t *due_ms);
    void (*lwip_run_timers)(void);
} linkrig_image;

#endif
