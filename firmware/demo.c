/* The demo camera firmware: what the README's main job runs.
 *
 * A camera "captures" a frame every FRAME_PERIOD_MS and would upload it while
 * the network is healthy; a status task reports counters every STATS_PERIOD_MS.
 * It is written as device code: blocking style, HAL time only, lwIP brought up
 * by the firmware itself. This board has no network interface yet, so every
 * upload is skipped and counted as such. */
#include <stdint.h>

#include "hal.h"
#include "lwip/init.h"

#define FRAME_PERIOD_MS 100
#define FRAME_BYTES 20480
#define STATS_PERIOD_MS 10000

struct camera {
    uint32_t captured;
    uint32_t uploaded;
    uint32_t skipped;
    uint32_t boot_ticks;
};

static int network_healthy(void)
{
    return 0; /* no interface on this board */
}

static int camera_task(void *arg)
{
    struct camera *cam = arg;
    /* Deadline scheduling on ticks: the period does not drift by the time
     * spent per frame, and ticks_diff keeps it right across the wrap. */
    uint32_t next = hal_ticks_ms();
    for (;;) {
        cam->captured++;
        if (network_healthy())
            cam->uploaded++;
        else
            cam->skipped++;
        next = hal_ticks_add(next, FRAME_PERIOD_MS);
        int32_t wait = hal_ticks_diff(next, hal_ticks_ms());
        if (wait > 0)
            hal_sleep_ms((uint32_t)wait);
    }
    return 0;
}

static int status_task(void *arg)
{
    struct camera *cam = arg;
    for (;;) {
        hal_sleep_ms(STATS_PERIOD_MS);
        HAL_TRACE("camera_stats",
                  HAL_INT("uptime_ms", hal_ticks_diff(hal_ticks_ms(), cam->boot_ticks)),
                  HAL_INT("captured", cam->captured),
                  HAL_INT("uploaded", cam->uploaded),
                  HAL_INT("skipped", cam->skipped),
                  HAL_INT("frame_bytes", FRAME_BYTES));
    }
    return 0;
}

/* Device state lives for as long as the device is powered, as on a real
 * board: static, never freed. */
static struct camera camera;

int app_main(void)
{
    struct camera *cam = &camera;
    cam->boot_ticks = hal_ticks_ms();
    lwip_init();
    hal_log(HAL_LOG_INFO, "camera firmware up: lwIP %s, frame every %d ms", LWIP_VERSION_STRING,
            FRAME_PERIOD_MS);
    HAL_TRACE("camera_boot", HAL_INT("frame_period_ms", FRAME_PERIOD_MS), HAL_INT("frame_bytes", FRAME_BYTES),
              HAL_INT("stats_period_ms", STATS_PERIOD_MS));
    int rc = hal_task_create("camera", camera_task, cam, 0);
    if (rc == HAL_OK)
        rc = hal_task_create("status", status_task, cam, 0);
    return rc;
}
