/* camera.h — the demo camera application: what the README's main job runs.
 *
 * Every frame period the camera "captures" a frame of frame_bytes and, while
 * the link manager says the network is healthy, uploads it over one TCP
 * connection to a sink; while unhealthy it skips the frame instead of
 * stalling on a socket that will never write. It counts frames sent,
 * skipped and failed (a send that failed while the link looked healthy),
 * reports each frame and a summary every 10 s to the trace, serves a
 * status page over HTTP (lwIP httpd, port 80), and answers commands on its
 * serial console (console.h: connect, disconnect, active, scan, status).
 *
 * Settings (hal_config_*): wlan.ssid, wlan.key, camera.period_ms (1000),
 * camera.frame_bytes (20480), sink.ip ("10.0.2.100") and sink.port (9000)
 * (where the rig's sink is: the rig sets them), lm.connect_timeout_ms (10000), lm.attempt_timeout_ms (10000),
 * lm.backoff_ms ("1000,2000,4000,8000,16000,32000,60000"), lm.power_cycle (1),
 * lm.check_period_ms (100), lm.stable_ms (30000), camera.interface ("wlan"
 * or "lan"). */
#ifndef LINKRIG_FIRMWARE_CAMERA_H
#define LINKRIG_FIRMWARE_CAMERA_H

#include <stddef.h>

/* The status page's text (for the HTTP server); returns its length. */
size_t camera_status_text(char *buf, size_t cap);

#endif
