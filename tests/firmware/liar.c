/* liar — a test firmware that keeps its link like the bundled camera (the
 * same link manager and network API) and reports, in exactly the camera's
 * trace events, a frame uploaded every camera.period_ms — but never opens a
 * connection or sends a byte.
 *
 * A verdict that believes the firmware's own words passes this image; one
 * built from what the rig observes (the sink's bytes) must fail it. The
 * events copied here are those of firmware/camera.c: camera_boot at start,
 * frame {seq, result, bytes} per period ("sent" while the link manager says
 * healthy, "skipped" otherwise, as the camera does), and camera_stats every
 * 10 s. The camera emits no hal_marker, so neither does this image. */
#include <stdlib.h>
#include <string.h>

#include "hal.h"
#include "link_manager.h"
#include "lwip/init.h"

#define STATS_PERIOD_MS 10000

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

int app_main(void)
{
    uint32_t boot = hal_ticks_ms();
    uint32_t period_ms = (uint32_t)hal_config_int("camera.period_ms", 1000);
    uint32_t frame_bytes = (uint32_t)hal_config_int("camera.frame_bytes", 20480);
    if (period_ms == 0 || frame_bytes == 0)
        return HAL_EINVAL;

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
    parse_backoff(&lc, hal_config_str("lm.backoff_ms", "1000,2000,4000,8000,16000,32000,60000"));
    lm *l = lm_create(&lc);
    if (l == NULL)
        return HAL_EINVAL;
    HAL_TRACE("camera_boot", HAL_INT("period_ms", period_ms), HAL_INT("frame_bytes", frame_bytes),
              HAL_STR("lwip", LWIP_VERSION_STRING));
    if (lm_connect(l) != LM_OK)
        hal_log(HAL_LOG_WARN, "%s", lm_error(l));

    uint32_t seq = 0, sent = 0, skipped = 0;
    unsigned long long bytes_claimed = 0;
    uint32_t next_frame = hal_ticks_ms();
    uint32_t next_stats = hal_ticks_add(boot, STATS_PERIOD_MS);
    for (;;) {
        lm_step(l);
        if (hal_ticks_diff(hal_ticks_ms(), next_frame) >= 0) {
            seq++;
            if (lm_healthy(l)) {
                /* The lie: "sent", with the camera's byte count, and nothing sent. */
                sent++;
                bytes_claimed += frame_bytes;
                HAL_TRACE("frame", HAL_INT("seq", seq), HAL_STR("result", "sent"), HAL_INT("bytes", frame_bytes));
            } else {
                skipped++;
                HAL_TRACE("frame", HAL_INT("seq", seq), HAL_STR("result", "skipped"));
            }
            next_frame = hal_ticks_add(next_frame, (int32_t)period_ms);
        }
        if (hal_ticks_diff(hal_ticks_ms(), next_stats) >= 0) {
            HAL_TRACE("camera_stats", HAL_INT("sent", sent), HAL_INT("skipped", skipped), HAL_INT("failed", 0),
                      HAL_INT("bytes_sent", (long long)bytes_claimed), HAL_INT("healthy", lm_healthy(l)));
            next_stats = hal_ticks_add(next_stats, STATS_PERIOD_MS);
        }
        int32_t wait = hal_ticks_diff(next_frame, hal_ticks_ms());
        uint32_t lm_wait = lm_next_due_ms(l);
        if (wait < 0)
            wait = 0;
        if ((uint32_t)wait > lm_wait)
            wait = (int32_t)lm_wait;
        hal_sleep_ms(wait > 0 ? (uint32_t)wait : 1);
    }
    return 0;
}
