/* main.c — eventcam's entry point: settings, the mailbox, and the one task
 * that waits on a hal_event and feeds the state machines.
 *
 * Loop shape: wait for the event (bounded by the nearest deadline of the
 * link supervisor and the frame clock), drain the mailbox, run what is due.
 * Nothing here sleeps for a fixed time: an idle camera waits exactly until
 * its next frame or its next link check. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eventcam.h"
#include "hal.h"
#include "link.h"
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "uploader.h"

/* A frame may sit this long without a connect or an acknowledged byte before
 * the uploader gives up on it and the link is suspected: several TCP
 * retransmission rounds on a live link, and well inside the seconds a
 * scenario allows for noticing a dead one. */
#define STALL_MS 3000u
#define STATS_PERIOD_MS 60000u

/* ---- settings ---- */

static bool parse_bool(const char *v, bool def)
{
    /* The rig writes "0"/"1"; people write "true"/"false". Accept both, and
     * anything strtoll reads as a number (firmware/ treats nonzero as on). */
    if (v == NULL || *v == '\0')
        return def;
    char low[8];
    size_t i = 0;
    for (; v[i] != '\0' && i < sizeof low - 1; i++)
        low[i] = (char)tolower((unsigned char)v[i]);
    low[i] = '\0';
    if (strcmp(low, "true") == 0 || strcmp(low, "yes") == 0 || strcmp(low, "on") == 0)
        return true;
    if (strcmp(low, "false") == 0 || strcmp(low, "no") == 0 || strcmp(low, "off") == 0)
        return false;
    char *end;
    long long n = strtoll(v, &end, 0);
    if (*end != '\0') {
        hal_log(HAL_LOG_WARN, "config: '%s' is not a boolean, using %s", v, def ? "true" : "false");
        return def;
    }
    return n != 0;
}

/* A non-negative millisecond setting; a negative one is a typo, not "forever". */
static uint32_t cfg_ms(const char *key, uint32_t def)
{
    long long v = hal_config_int(key, def);
    if (v < 0 || v > INT32_MAX) {
        hal_log(HAL_LOG_WARN, "config: %s=%lld out of range, using %u", key, v, (unsigned)def);
        return def;
    }
    return (uint32_t)v;
}

static int parse_backoff(ec_config *c, const char *text)
{
    /* "1000,2000,4000": the same list firmware/ reads; an empty list means
     * no waits at all (straight to the power cycle after the first failure). */
    c->backoff_len = 0;
    const char *p = text;
    while (*p != '\0') {
        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end == p || v < 0 || v > INT32_MAX || c->backoff_len == EC_MAX_BACKOFF)
            return HAL_EINVAL;
        c->backoff_ms[c->backoff_len++] = (uint32_t)v;
        while (*end == ' ')
            end++;
        if (*end != ',' && *end != '\0')
            return HAL_EINVAL;
        p = *end == ',' ? end + 1 : end;
    }
    return HAL_OK;
}

int ec_config_load(ec_config *c)
{
    memset(c, 0, sizeof *c);
    const char *ssid = hal_config_str("wlan.ssid", "camnet");
    const char *key = hal_config_str("wlan.key", "");
    if (strlen(ssid) < 1 || strlen(ssid) > 32) {
        hal_log(HAL_LOG_ERROR, "config: wlan.ssid must be 1 to 32 bytes");
        return HAL_EINVAL;
    }
    if (strlen(key) > 63) {
        hal_log(HAL_LOG_ERROR, "config: wlan.key is longer than a WPA2 passphrase can be");
        return HAL_EINVAL;
    }
    snprintf(c->ssid, sizeof c->ssid, "%s", ssid);
    snprintf(c->key, sizeof c->key, "%s", key);

    c->connect_timeout_ms = cfg_ms("lm.connect_timeout_ms", 10000);
    c->attempt_timeout_ms = cfg_ms("lm.attempt_timeout_ms", 10000);
    c->check_period_ms = cfg_ms("lm.check_period_ms", 100);
    c->stable_ms = cfg_ms("lm.stable_ms", 30000);
    c->power_cycle = parse_bool(hal_config_str("lm.power_cycle", NULL), true);
    const char *table = hal_config_str("lm.backoff_ms", "1000,2000,4000,8000,16000,32000,60000");
    if (parse_backoff(c, table) != HAL_OK) {
        hal_log(HAL_LOG_ERROR, "config: lm.backoff_ms '%s' is not a list of at most %d ms values", table,
                EC_MAX_BACKOFF);
        return HAL_EINVAL;
    }

    /* As firmware/camera.c: a zero period or an empty or over-1-MiB frame
     * is a configuration error, not something to run with. */
    long long period = hal_config_int("camera.period_ms", 1000);
    long long bytes = hal_config_int("camera.frame_bytes", 20480);
    if (period <= 0 || period > INT32_MAX || bytes <= 0 || bytes > (1 << 20)) {
        hal_log(HAL_LOG_ERROR, "config: camera.period_ms=%lld / camera.frame_bytes=%lld unusable", period, bytes);
        return HAL_EINVAL;
    }
    c->period_ms = (uint32_t)period;
    c->frame_bytes = (uint32_t)bytes;

    /* Only "lan" selects the wire; firmware/ says "wlan", the rig's brief
     * says "wifi": both mean the radio. */
    const char *itf = hal_config_str("camera.interface", "wifi");
    c->lan = strcmp(itf, "lan") == 0;
    if (!c->lan && strcmp(itf, "wifi") != 0 && strcmp(itf, "wlan") != 0)
        hal_log(HAL_LOG_WARN, "config: camera.interface '%s' unknown, using Wi-Fi", itf);

    const char *sink = hal_config_str("sink.ip", "10.0.2.100");
    ip4_addr_t a;
    if (!ip4addr_aton(sink, &a)) {
        hal_log(HAL_LOG_ERROR, "config: sink.ip '%s' is not a dotted quad", sink);
        return HAL_EINVAL;
    }
    c->sink_ip = ip4_addr_get_u32(&a);
    long long port = hal_config_int("sink.port", 9000);
    if (port < 1 || port > 65535) {
        hal_log(HAL_LOG_ERROR, "config: sink.port=%lld is not a TCP port", port);
        return HAL_EINVAL;
    }
    c->sink_port = (uint16_t)port;
    return HAL_OK;
}

/* ---- the mailbox ---- */

static struct mailbox {
    hal_event *wake;
    ec_msg q[32];
    unsigned head, tail; /* free-running: tail - head = messages queued */
    bool overflow;       /* something was lost: re-read everything */
} mb;

void ec_post(ec_msg m)
{
    if (mb.tail - mb.head < sizeof mb.q / sizeof mb.q[0])
        mb.q[mb.tail++ % (sizeof mb.q / sizeof mb.q[0])] = m;
    else
        mb.overflow = true;
    if (mb.wake != NULL)
        hal_event_set(mb.wake);
}

static bool mb_take(ec_msg *m)
{
    if (mb.head == mb.tail)
        return false;
    *m = mb.q[mb.head++ % (sizeof mb.q / sizeof mb.q[0])];
    return true;
}

/* ---- the camera ---- */

static struct camera {
    ec_config cfg;
    uint32_t seq;
    uint32_t next_frame, next_stats;
    uint32_t delivered, skipped_offline, skipped_busy, failed;
    uint64_t bytes_delivered;
    uint32_t in_flight_bytes;
} cam;

static void on_online(bool online)
{
    if (!online)
        up_abort(); /* a fresh connection once the link is back (the old one's peer state is gone) */
}

static void frame_tick(void)
{
    cam.seq++;
    if (!link_online()) {
        cam.skipped_offline++;
        return;
    }
    if (!up_submit(cam.seq, cam.cfg.frame_bytes)) {
        cam.skipped_busy++;
        return;
    }
    cam.in_flight_bytes = cam.cfg.frame_bytes;
}

static void handle(ec_msg m)
{
    switch (m) {
    case MSG_NETIF_LINK:
    case MSG_NETIF_ADDR:
        link_notice();
        break;
    case MSG_UPLOAD_DONE:
        cam.delivered++;
        cam.bytes_delivered += cam.in_flight_bytes;
        break;
    case MSG_UPLOAD_STALLED:
        cam.failed++;
        link_upload_stalled();
        break;
    case MSG_UPLOAD_BROKEN:
        cam.failed++;
        break;
    }
}

static uint32_t ms_until(uint32_t t)
{
    int32_t d = hal_ticks_diff(t, hal_ticks_ms());
    return d > 0 ? (uint32_t)d : 0;
}

int app_main(void)
{
    int rc = ec_config_load(&cam.cfg);
    if (rc != HAL_OK)
        return rc;
    mb.wake = hal_event_create();
    if (mb.wake == NULL)
        return HAL_ENOMEM;
    lwip_init();
    up_init(cam.cfg.sink_ip, cam.cfg.sink_port, STALL_MS);
    link_init(&cam.cfg, on_online);
    hal_log(HAL_LOG_INFO, "eventcam: %s, %u-byte frame every %u ms to %s:%u", cam.cfg.lan ? "LAN" : "Wi-Fi",
            (unsigned)cam.cfg.frame_bytes, (unsigned)cam.cfg.period_ms, hal_config_str("sink.ip", "10.0.2.100"),
            (unsigned)cam.cfg.sink_port);
    link_start();

    uint32_t now = hal_ticks_ms();
    cam.next_frame = now;
    cam.next_stats = hal_ticks_add(now, (int32_t)STATS_PERIOD_MS);
    for (;;) {
        ec_msg m;
        while (mb_take(&m))
            handle(m);
        if (mb.overflow) {
            mb.overflow = false;
            link_notice();
        }
        link_service();
        if (ms_until(cam.next_frame) == 0) {
            frame_tick();
            cam.next_frame = hal_ticks_add(cam.next_frame, (int32_t)cam.cfg.period_ms);
            if (ms_until(cam.next_frame) == 0) /* fell behind: no burst of catch-up frames */
                cam.next_frame = hal_ticks_add(hal_ticks_ms(), (int32_t)cam.cfg.period_ms);
        }
        if (ms_until(cam.next_stats) == 0) {
            link_stats ls;
            link_get_stats(&ls);
            hal_log(HAL_LOG_INFO,
                    "eventcam: %u delivered (%llu bytes), %u skipped offline, %u skipped busy, %u failed; "
                    "%u drops, %u attempts, %u power cycles",
                    (unsigned)cam.delivered, (unsigned long long)cam.bytes_delivered, (unsigned)cam.skipped_offline,
                    (unsigned)cam.skipped_busy, (unsigned)cam.failed, (unsigned)ls.drops, (unsigned)ls.attempts,
                    (unsigned)ls.power_cycles);
            cam.next_stats = hal_ticks_add(cam.next_stats, (int32_t)STATS_PERIOD_MS);
        }
        uint32_t wait = ms_until(cam.next_frame);
        uint32_t link_wait = link_due_in();
        if (link_wait < wait)
            wait = link_wait;
        if (mb.head != mb.tail)
            continue; /* posted while we worked: handle it before sleeping */
        /* At least 1 ms: a zero wait returns without yielding, and the
         * callbacks we are waiting for only run when this task yields. */
        hal_event_wait(mb.wake, wait > 0 ? wait : 1);
    }
    return 0;
}
