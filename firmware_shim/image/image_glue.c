/* The board boundary inside an image: hal.h, wifi_chip.h and eth_chip.h as
 * thin forwards to the rig's table (linkrig_image.h), and the image's
 * descriptor. Nothing here decides behaviour: the rig side does, where it
 * can observe every call (the verdict's evidence).
 *
 * Calls made before the rig attached the instance (a constructor, a stray
 * call from rig-less code) get the answers of a board with nothing
 * connected: no time, errors from every driver call. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_glue.h"

#ifndef LINKRIG_IMAGE_NAME
#define LINKRIG_IMAGE_NAME "firmware"
#endif

#define EXPORT __attribute__((visibility("default")))

static const linkrig_board_ops *ops;

/* Supplied by the firmware; weak so that the descriptor can say "none". */
extern int app_main(void) __attribute__((weak));
extern const hal_setting hal_settings[] __attribute__((weak));
/* Supplied by lwip_port.c in images with lwIP. */
extern bool lwip_port_next_deadline(int64_t now_ms, int64_t *due_ms) __attribute__((weak));
extern void lwip_port_run_timers(void) __attribute__((weak));
extern const char lwip_port_version[] __attribute__((weak));

const linkrig_board_ops *image_glue_ops(void)
{
    return ops;
}

static int glue_attach(const linkrig_board_ops *o)
{
    if (o == NULL || o->abi_version != LINKRIG_BOARD_ABI || o->size != sizeof *o)
        return -1;
    if (ops != NULL && ops != o)
        return -1;
    ops = o;
    return 0;
}

static void glue_detach(void)
{
    ops = NULL;
}

/* Weak references resolve to NULL when the image lacks the part, which is
 * what the descriptor promises for "none". */
EXPORT const linkrig_image linkrig_firmware_image = {
    .abi_version = LINKRIG_BOARD_ABI,
    .size = sizeof(linkrig_image),
    .name = LINKRIG_IMAGE_NAME,
    .lwip_version = lwip_port_version,
    .settings = hal_settings,
    .attach = glue_attach,
    .detach = glue_detach,
    .app_main = app_main,
    .lwip_next_deadline = lwip_port_next_deadline,
    .lwip_run_timers = lwip_port_run_timers,
};

/* ---- hal.h ---- */

uint32_t hal_ticks_ms(void)
{
    return ops ? ops->ticks_ms(ops->b) : 0;
}

uint32_t hal_ticks_us(void)
{
    return ops ? ops->ticks_us(ops->b) : 0;
}

uint64_t hal_time_us(void)
{
    return ops ? ops->time_us(ops->b) : 0;
}

uint32_t hal_ticks_add(uint32_t ticks, int32_t delta)
{
    return (uint32_t)((ticks + (uint32_t)delta) & (HAL_TICKS_PERIOD - 1));
}

int32_t hal_ticks_diff(uint32_t end, uint32_t start)
{
    /* MicroPython's ticks_diff: shift by half a period, wrap, shift back, so
     * the result lies in [-PERIOD/2, PERIOD/2). */
    uint32_t half = HAL_TICKS_PERIOD / 2;
    uint32_t d = ((end - start + half) & (HAL_TICKS_PERIOD - 1));
    return (int32_t)d - (int32_t)half;
}

int hal_sleep_ms(uint32_t ms)
{
    return ops ? ops->sleep_us(ops->b, (uint64_t)ms * 1000u) : HAL_ENOTASK;
}

int hal_sleep_us(uint32_t us)
{
    return ops ? ops->sleep_us(ops->b, us) : HAL_ENOTASK;
}

int hal_yield(void)
{
    return ops ? ops->yield(ops->b) : HAL_ENOTASK;
}

hal_event *hal_event_create(void)
{
    return ops ? ops->event_create(ops->b) : NULL;
}

void hal_event_destroy(hal_event *ev)
{
    if (ops && ev)
        ops->event_destroy(ops->b, ev);
}

void hal_event_set(hal_event *ev)
{
    if (ops && ev)
        ops->event_set(ops->b, ev);
}

void hal_event_clear(hal_event *ev)
{
    if (ops && ev)
        ops->event_clear(ops->b, ev);
}

bool hal_event_is_set(const hal_event *ev)
{
    return ops && ev && ops->event_is_set(ops->b, ev);
}

int hal_event_wait(hal_event *ev, uint32_t timeout_ms)
{
    if (ev == NULL)
        return HAL_EINVAL;
    return ops ? ops->event_wait(ops->b, ev, timeout_ms) : HAL_ENOTASK;
}

int hal_task_create(const char *name, hal_task_fn fn, void *arg, size_t stack_bytes)
{
    return ops ? ops->task_create(ops->b, name, fn, arg, stack_bytes) : HAL_EINVAL;
}

uint32_t hal_random_u32(void)
{
    return ops ? ops->random_u32(ops->b) : 0;
}

/* LINKRIG_IMAGE_SILENT builds an image whose firmware says nothing about
 * itself: hal_log, hal_trace and hal_marker return at once. The rig's test
 * images use it to check that a verdict stands on what the rig observes,
 * never on the firmware's own words (board.h: "NAME.fw" is no evidence). */
#ifdef LINKRIG_IMAGE_SILENT
#define SILENT_RETURN() return
#else
#define SILENT_RETURN() (void)0
#endif

void hal_log(hal_log_level level, const char *fmt, ...)
{
    SILENT_RETURN();
    if (ops == NULL)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ops->log(ops->b, level, msg);
}

void hal_trace(const char *event, const hal_field *fields, size_t nfields)
{
    SILENT_RETURN();
    if (ops && event)
        ops->trace(ops->b, event, fields, nfields);
}

void hal_marker(const char *name, long long value)
{
    SILENT_RETURN();
    if (ops && name)
        ops->marker(ops->b, name, value);
}

/* The console is the device's UART, not its word about itself: it is not
 * silenced by LINKRIG_IMAGE_SILENT (a scenario that drives it talks to it). */
void hal_console_write(const char *data, size_t len)
{
    if (ops && data && len > 0)
        ops->console_write(ops->b, data, len);
}

int hal_console_printf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return n;
    hal_console_write(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
    return n;
}

static int console_getc(uint64_t timeout_us)
{
    return ops ? ops->console_getc(ops->b, timeout_us) : HAL_ETIMEDOUT;
}

int hal_console_getc(uint32_t timeout_us)
{
    return console_getc(timeout_us == HAL_WAIT_FOREVER ? UINT64_MAX : timeout_us);
}

int hal_console_read_line(char *buf, size_t cap, uint32_t timeout_ms)
{
    if (buf == NULL || cap == 0)
        return HAL_EINVAL;
    size_t len = 0;
    bool overlong = false;
    for (;;) {
        /* the whole timeout for the first byte; a line the rig wrote is in
         * the buffer whole, so the rest never waits long */
        uint64_t wait = timeout_ms == HAL_WAIT_FOREVER ? UINT64_MAX : (uint64_t)timeout_ms * 1000u;
        int c = console_getc(len == 0 && !overlong ? wait : 1000000u);
        if (c < 0) {
            if (len == 0 && !overlong)
                return c;
            break; /* a line cut short by silence ends there */
        }
        if (c == '\n')
            break;
        if (c == '\r')
            continue;
        if (len + 1 < cap)
            buf[len++] = (char)c;
        else
            overlong = true;
    }
    buf[len] = '\0';
    return overlong ? HAL_EINVAL : (int)len;
}

const char *hal_config_str(const char *key, const char *def)
{
    const char *v = ops && key ? ops->config_get(ops->b, key) : NULL;
    return v ? v : def;
}

long long hal_config_int(const char *key, long long def)
{
    const char *v = ops && key ? ops->config_get(ops->b, key) : NULL;
    if (v == NULL || *v == '\0')
        return def;
    char *end;
    long long n = strtoll(v, &end, 0);
    return *end == '\0' ? n : def;
}

bool hal_config_bool(const char *key, bool def)
{
    const char *v = ops && key ? ops->config_get(ops->b, key) : NULL;
    if (v == NULL)
        return def;
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcmp(v, yes[i]) == 0)
            return true;
        if (strcmp(v, no[i]) == 0)
            return false;
    }
    return def;
}

_Noreturn void hal_panic(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (ops != NULL)
        ops->fatal(ops->b, msg);
    fprintf(stderr, "linkrig: hal_panic with no board attached: %s\n", msg);
    abort();
}

const char *hal_strerror(int err)
{
    switch (err) {
    case HAL_OK: return "ok";
    case HAL_ENOTASK: return "blocking call outside a task";
    case HAL_ETIMEDOUT: return "timed out";
    case HAL_EINVAL: return "invalid argument";
    case HAL_ENOMEM: return "out of memory";
    default: return "firmware-defined error";
    }
}

/* ---- wifi_chip.h ---- */

void chip_set_callbacks(const chip_callbacks *cb)
{
    if (ops)
        ops->chip_set_callbacks(ops->b, cb);
}

int chip_wifi_set_up(int itf, bool up)
{
    return ops ? ops->chip_wifi_set_up(ops->b, itf, up) : CHIP_EPERM;
}

bool chip_wifi_is_up(int itf)
{
    return ops && ops->chip_wifi_is_up(ops->b, itf);
}

int chip_wifi_get_mac(int itf, uint8_t mac[6])
{
    return ops ? ops->chip_wifi_get_mac(ops->b, itf, mac) : CHIP_EPERM;
}

int chip_wifi_scan(const chip_scan_options *opts, void *env, chip_scan_result_fn result_cb)
{
    return ops ? ops->chip_wifi_scan(ops->b, opts, env, result_cb) : CHIP_EPERM;
}

bool chip_wifi_scan_active(void)
{
    return ops && ops->chip_wifi_scan_active(ops->b);
}

int chip_wifi_join(size_t ssid_len, const uint8_t *ssid, size_t key_len, const uint8_t *key, uint32_t auth_type,
                   const uint8_t *bssid, uint32_t channel)
{
    return ops ? ops->chip_wifi_join(ops->b, ssid_len, ssid, key_len, key, auth_type, bssid, channel) : CHIP_EPERM;
}

int chip_wifi_leave(int itf)
{
    return ops ? ops->chip_wifi_leave(ops->b, itf) : CHIP_EPERM;
}

int chip_wifi_link_status(int itf)
{
    return ops ? ops->chip_wifi_link_status(ops->b, itf) : CHIP_LINK_DOWN;
}

int chip_tcpip_link_status(int itf)
{
    return ops ? ops->chip_tcpip_link_status(ops->b, itf) : CHIP_LINK_DOWN;
}

int chip_wifi_get_rssi(int32_t *rssi)
{
    return ops ? ops->chip_wifi_get_rssi(ops->b, rssi) : CHIP_EPERM;
}

int chip_wifi_get_bssid(uint8_t bssid[6])
{
    return ops ? ops->chip_wifi_get_bssid(ops->b, bssid) : CHIP_EPERM;
}

int chip_send_ethernet(int itf, size_t len, const void *frame)
{
    return ops ? ops->chip_send_ethernet(ops->b, itf, len, frame) : CHIP_EPERM;
}

int chip_wifi_set_tx_power(int dbm)
{
    return ops ? ops->chip_wifi_set_tx_power(ops->b, dbm) : CHIP_EPERM;
}

int chip_wifi_get_tx_power(int *dbm)
{
    return ops ? ops->chip_wifi_get_tx_power(ops->b, dbm) : CHIP_EPERM;
}

int chip_wifi_ap_set_config(size_t ssid_len, const uint8_t *ssid, size_t key_len, const uint8_t *key,
                            uint32_t auth_type, uint32_t channel)
{
    return ops ? ops->chip_wifi_ap_set_config(ops->b, ssid_len, ssid, key_len, key, auth_type, channel) : CHIP_EPERM;
}

int chip_wifi_ap_get_stas(int *num_stas, uint8_t *macs, int max_stas)
{
    return ops ? ops->chip_wifi_ap_get_stas(ops->b, num_stas, macs, max_stas) : CHIP_EPERM;
}

int chip_wifi_ap_get_max_stas(int *max_stas)
{
    return ops ? ops->chip_wifi_ap_get_max_stas(ops->b, max_stas) : CHIP_EPERM;
}

int chip_wifi_pm(uint32_t pm)
{
    return ops ? ops->chip_wifi_pm(ops->b, pm) : CHIP_EPERM;
}

int chip_wifi_get_pm(uint32_t *pm)
{
    return ops ? ops->chip_wifi_get_pm(ops->b, pm) : CHIP_EPERM;
}

int chip_wifi_join_enterprise(size_t ssid_len, const uint8_t *ssid, const chip_eap_params *eap, const uint8_t *bssid,
                              uint32_t channel)
{
    return ops ? ops->chip_wifi_join_enterprise(ops->b, ssid_len, ssid, eap, bssid, channel) : CHIP_EPERM;
}

/* ---- eth_chip.h ---- */

void eth_set_callbacks(const eth_callbacks *cb)
{
    if (ops)
        ops->eth_set_callbacks(ops->b, cb);
}

int eth_set_up(bool up)
{
    return ops ? ops->eth_set_up(ops->b, up) : ETH_EIO;
}

bool eth_is_up(void)
{
    return ops && ops->eth_is_up(ops->b);
}

int eth_get_mac(uint8_t mac[6])
{
    return ops ? ops->eth_get_mac(ops->b, mac) : ETH_EIO;
}

int eth_link_status(void)
{
    return ops ? ops->eth_link_status(ops->b) : ETH_LINK_DOWN;
}

int eth_send(size_t len, const void *frame)
{
    return ops ? ops->eth_send(ops->b, len, frame) : ETH_EIO;
}
