#include "camera.h"
#include "console.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal.h"
#include "link_manager.h"
#include "lwip/apps/fs.h"
#include "lwip/apps/httpd.h"
#include "lwip/init.h"
#include "lwip/ip_addr.h"
#include "network.h"
#include "dhcp_server.h"
#include "tcp_client.h"
#include "wifi_ap_netif.h"

#define STATS_PERIOD_MS 10000

/* Device-lifetime state, as on the board: static, never freed. */
static struct camera {
    lm *lm;
    tcpc *conn;
    ip_addr_t sink;
    uint16_t sink_port;
    uint32_t period_ms;
    uint32_t frame_bytes;
    uint8_t *frame;
    uint32_t seq;
    uint32_t sent, skipped, failed;
    uint64_t bytes_sent;
    uint32_t boot;
    dhcp_server *dhcps; /* on the setup network (AP mode), when configured */
    bool ap_wanted;
    uint32_t ap_lease_s;
    wlan_eap eap; /* WPA2-Enterprise credentials from the settings (wlan.eap.*) */
} cam;

static void parse_backoff(lm_config *c, const char *text)
{
    int n = 0;
    const char *p = text;
    while (*p && n < LM_MAX_BACKOFF) {
        char *end;
        unsigned long v = strtoul(p, &end, 10);
        if (end == p)
            break;
        c->backoff_ms[n++] = (uint32_t)v;
        p = *end == ',' ? end + 1 : end;
    }
    c->backoff_len = n;
}

/* A deterministic stand-in for image data, so anyone can recompute the
 * sink's checksum: 256-byte rows of a pattern that depends on the frame
 * number, each row stamped with its index. */
static void capture_frame(void)
{
    uint8_t row[256];
    for (uint32_t j = 0; j < sizeof row; j++)
        row[j] = (uint8_t)(cam.seq * 31 + j * 7);
    for (uint32_t off = 0, k = 0; off < cam.frame_bytes; off += sizeof row, k++) {
        uint32_t n = cam.frame_bytes - off < sizeof row ? cam.frame_bytes - off : (uint32_t)sizeof row;
        row[0] = (uint8_t)k;
        row[1] = (uint8_t)(k >> 8);
        memcpy(cam.frame + off, row, n);
    }
}

static void drop_connection(void)
{
    tcpc_close(cam.conn);
    cam.conn = NULL;
}

/* While an upload waits on TCP, the main loop's link check keeps running:
 * a drop is noticed within one check period, not after the send timeout. */
static bool keep_waiting(void *ctx)
{
    (void)ctx;
    lm_step(cam.lm);
    return lm_healthy(cam.lm);
}

static const char *upload(void)
{
    if (cam.conn == NULL) {
        int rc = tcpc_connect(&cam.conn, &cam.sink, cam.sink_port, 3000);
        if (rc != TCPC_OK) {
            cam.conn = NULL;
            return tcpc_strerror(rc);
        }
        tcpc_set_poll(cam.conn, keep_waiting, NULL, 100);
    }
    int rc = tcpc_send(cam.conn, cam.frame, cam.frame_bytes, 3000);
    if (rc != TCPC_OK) {
        drop_connection();
        return tcpc_strerror(rc);
    }
    return NULL;
}

static void one_frame(void)
{
    cam.seq++;
    capture_frame();
    if (!lm_healthy(cam.lm)) {
        cam.skipped++;
        HAL_TRACE("frame", HAL_INT("seq", cam.seq), HAL_STR("result", "skipped"));
        return;
    }
    const char *err = upload();
    if (err == NULL) {
        cam.sent++;
        cam.bytes_sent += cam.frame_bytes;
        HAL_TRACE("frame", HAL_INT("seq", cam.seq), HAL_STR("result", "sent"), HAL_INT("bytes", cam.frame_bytes));
        return;
    }
    cam.failed++;
    HAL_TRACE("frame", HAL_INT("seq", cam.seq), HAL_STR("result", "failed"), HAL_STR("why", err));
    lm_report_send_failure(cam.lm);
}

size_t camera_status_text(char *buf, size_t cap)
{
    wlan *w = wlan_get(WLAN_IF_STA);
    net_ifconfig ifc;
    memset(&ifc, 0, sizeof ifc);
    wlan_ifconfig(w, &ifc);
    int rssi = 0;
    int has_rssi = wlan_rssi(w, &rssi) == NET_OK;
    int n = snprintf(buf, cap,
                     "<html><head><title>camera</title></head><body><h1>camera status</h1><pre>\n"
                     "uptime_ms %ld\nwlan_status %d\nip %s\nrssi %d%s\nlink_manager %s\nhealthy %d\n"
                     "frames_sent %u\nframes_skipped %u\nframes_failed %u\nbytes_sent %llu\n</pre></body></html>\n",
                     (long)hal_ticks_diff(hal_ticks_ms(), cam.boot), wlan_status(w), ifc.ip, rssi,
                     has_rssi ? "" : " (n/a)", cam.lm ? lm_state_name(lm_get_state(cam.lm)) : "none",
                     lm_healthy(cam.lm), (unsigned)cam.sent, (unsigned)cam.skipped, (unsigned)cam.failed,
                     (unsigned long long)cam.bytes_sent);
    return n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}

/* The configuration page a phone on the camera's setup network opens. */
static size_t camera_config_text(char *buf, size_t cap)
{
    wlan *ap = wlan_get(WLAN_IF_AP);
    char ap_ssid[33] = "";
    int ch = 0;
    wlan_ap_config(ap, ap_ssid, &ch);
    size_t nsta = 0;
    wlan_ap_stations(ap, NULL, 0, &nsta);
    int n = snprintf(buf, cap,
                     "<!DOCTYPE html>\n<html><head><title>camera setup</title></head><body>\n"
                     "<h1>camera setup</h1>\n<form method=\"get\" action=\"/config.html\">\n"
                     "<p>network <input name=\"ssid\" value=\"%s\"></p>\n"
                     "<p>passphrase <input name=\"key\" type=\"password\"></p>\n"
                     "<p>frame period (ms) <input name=\"period\" value=\"%u\"></p>\n"
                     "<input type=\"submit\" value=\"save\"></form>\n"
                     "<p>setup network %s, channel %d, %u station%s, %d lease%s</p>\n</body></html>\n",
                     hal_config_str("wlan.ssid", "camnet"), (unsigned)cam.period_ms, ap_ssid, ch, (unsigned)nsta,
                     nsta == 1 ? "" : "s", dhcp_server_leases(cam.dhcps), dhcp_server_leases(cam.dhcps) == 1 ? "" : "s");
    return n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}

/* The setup network: the AP interface, its address and its DHCP server.
 * Started again when it went down (the chip was power-cycled). */
static void ap_keep_up(void)
{
    wlan *ap = wlan_get(WLAN_IF_AP);
    if (!cam.ap_wanted || wlan_active(ap, WLAN_QUERY) == 1)
        return;
    if (wlan_active(ap, 1) != NET_OK) {
        hal_log(HAL_LOG_WARN, "setup network: %s", net_last_error());
        cam.ap_wanted = false; /* a configuration error: no retry loop */
        return;
    }
    if (cam.dhcps == NULL)
        cam.dhcps = dhcp_server_start(wifi_ap_netif(), 16, 8, cam.ap_lease_s);
    if (cam.dhcps == NULL)
        hal_log(HAL_LOG_WARN, "setup network: no DHCP server (lwIP has no UDP PCB left)");
}

/* lwIP httpd's custom-file hooks: "/", "/index.html" and "/status" are
 * rendered at request time, and "/config.html" (the setup page). */
int fs_open_custom(struct fs_file *file, const char *name);
void fs_close_custom(struct fs_file *file);

int fs_open_custom(struct fs_file *file, const char *name)
{
    bool config = strncmp(name, "/config.html", 12) == 0 && (name[12] == '\0' || name[12] == '?');
    if (strcmp(name, "/index.html") != 0 && strcmp(name, "/status.html") != 0 && !config)
        return 0;
    char *buf = malloc(2048);
    if (buf == NULL)
        return 0;
    size_t n = config ? camera_config_text(buf, 2048) : camera_status_text(buf, 2048);
    memset(file, 0, sizeof *file);
    file->data = buf;
    file->len = (int)n;
    file->index = (int)n;
    file->pextension = buf;
    return 1;
}

void fs_close_custom(struct fs_file *file)
{
    free(file->pextension);
}

int app_main(void)
{
    cam.boot = hal_ticks_ms();
    cam.period_ms = (uint32_t)hal_config_int("camera.period_ms", 1000);
    cam.frame_bytes = (uint32_t)hal_config_int("camera.frame_bytes", 20480);
    /* The upload's destination is the rig's to say (its sink's address). */
    long long port = hal_config_int("sink.port", 9000);
    if (port <= 0 || port > 65535)
        return HAL_EINVAL;
    cam.sink_port = (uint16_t)port;
    if (cam.period_ms == 0 || cam.frame_bytes == 0 || cam.frame_bytes > 1 << 20)
        return HAL_EINVAL;
    if (!ipaddr_aton(hal_config_str("sink.ip", "10.0.2.100"), &cam.sink))
        return HAL_EINVAL;
    cam.frame = malloc(cam.frame_bytes);
    if (cam.frame == NULL)
        return HAL_ENOMEM;

    lwip_init();
    lm_config lc;
    lm_config_default(&lc);
    lc.ssid = hal_config_str("wlan.ssid", "camnet");
    lc.key = hal_config_str("wlan.key", "");
    lc.connect_timeout_ms = (uint32_t)hal_config_int("lm.connect_timeout_ms", 10000);
    lc.attempt_timeout_ms = (uint32_t)hal_config_int("lm.attempt_timeout_ms", 10000);
    lc.power_cycle = hal_config_bool("lm.power_cycle", true);
    lc.check_period_ms = (uint32_t)hal_config_int("lm.check_period_ms", 100);
    lc.stable_ms = (uint32_t)hal_config_int("lm.stable_ms", 30000);
    lc.lan = strcmp(hal_config_str("camera.interface", "wlan"), "lan") == 0;
    if (!wlan_security(hal_config_str("wlan.security", "auto"), &lc.security)) {
        hal_log(HAL_LOG_ERROR, "wlan.security: not one of auto, wpa2, wpa-wpa2, wpa3, wpa2-wpa3");
        return HAL_EINVAL;
    }
    /* an Enterprise network when wlan.eap.method names a method */
    const char *method = hal_config_str("wlan.eap.method", "");
    if (method[0] != '\0') {
        cam.eap.method = wlan_eap_method(method);
        if (cam.eap.method == 0) {
            hal_log(HAL_LOG_ERROR, "wlan.eap.method: not one of peap, ttls, tls");
            return HAL_EINVAL;
        }
        cam.eap.identity = hal_config_str("wlan.eap.identity", "");
        cam.eap.anonymous_identity = hal_config_str("wlan.eap.anonymous_identity", "");
        cam.eap.password = hal_config_str("wlan.eap.password", "");
        cam.eap.ca_cert = hal_config_str("wlan.eap.ca_cert", "");
        cam.eap.client_cert = hal_config_str("wlan.eap.client_cert", "");
        cam.eap.client_key = hal_config_str("wlan.eap.client_key", "");
        lc.eap = &cam.eap;
    }
    parse_backoff(&lc, hal_config_str("lm.backoff_ms", "1000,2000,4000,8000,16000,32000,60000"));
    cam.lm = lm_create(&lc);
    if (cam.lm == NULL)
        return HAL_EINVAL;
    HAL_TRACE("camera_boot", HAL_INT("period_ms", cam.period_ms), HAL_INT("frame_bytes", cam.frame_bytes),
              HAL_STR("lwip", LWIP_VERSION_STRING));

    /* the console first: a command may come while the first connect waits */
    if (camera_console_start(cam.lm) != HAL_OK)
        return HAL_ENOMEM;
    if (lm_connect(cam.lm) != LM_OK)
        hal_log(HAL_LOG_WARN, "%s", lm_error(cam.lm));
    httpd_init();
    const char *ap_ssid = hal_config_str("ap.ssid", "");
    if (ap_ssid[0] != '\0') {
        long long ch = hal_config_int("ap.channel", 3), lease = hal_config_int("ap.lease_s", 3600);
        if (wlan_config_ap(wlan_get(WLAN_IF_AP), ap_ssid, hal_config_str("ap.key", "picoW123"), (int)ch) != NET_OK ||
            lease <= 0 || lease > 0x7fffffff) {
            hal_log(HAL_LOG_ERROR, "setup network: %s", lease <= 0 || lease > 0x7fffffff ? "bad ap.lease_s" : net_last_error());
            return HAL_EINVAL;
        }
        cam.ap_lease_s = (uint32_t)lease;
        cam.ap_wanted = true;
        ap_keep_up();
    }

    uint32_t next_frame = hal_ticks_ms();
    uint32_t next_stats = hal_ticks_add(cam.boot, STATS_PERIOD_MS);
    for (;;) {
        lm_step(cam.lm);
        ap_keep_up();
        if (!lm_healthy(cam.lm) && cam.conn != NULL)
            drop_connection(); /* a fresh connection after recovery */
        uint32_t now = hal_ticks_ms();
        if (hal_ticks_diff(now, next_frame) >= 0) {
            one_frame();
            next_frame = hal_ticks_add(next_frame, (int32_t)cam.period_ms);
            if (hal_ticks_diff(hal_ticks_ms(), next_frame) > 0)
                next_frame = hal_ticks_add(hal_ticks_ms(), 1); /* overran: no burst of catch-up frames */
        }
        if (hal_ticks_diff(hal_ticks_ms(), next_stats) >= 0) {
            HAL_TRACE("camera_stats", HAL_INT("sent", cam.sent), HAL_INT("skipped", cam.skipped),
                      HAL_INT("failed", cam.failed), HAL_INT("bytes_sent", (long long)cam.bytes_sent),
                      HAL_INT("healthy", lm_healthy(cam.lm)));
            next_stats = hal_ticks_add(next_stats, STATS_PERIOD_MS);
        }
        int32_t wait = hal_ticks_diff(next_frame, hal_ticks_ms());
        uint32_t lm_wait = lm_next_due_ms(cam.lm);
        if (wait < 0)
            wait = 0;
        if ((uint32_t)wait > lm_wait)
            wait = (int32_t)lm_wait;
        camera_console_wait(wait > 0 ? (uint32_t)wait : 1);
    }
    return 0;
}
