/* eventcam.h — what the parts of the event-driven camera share: its settings
 * and the one mailbox every callback posts into.
 *
 * The firmware has exactly one task (app_main). Everything else — the Wi-Fi
 * chip's and the PHY's link changes (through the netif link hooks), lwIP's
 * address changes (the netif status callback), the uploader's TCP callbacks —
 * runs at that task's yield points and must not block, so it only posts a
 * message and sets the task's hal_event. The task drains the mailbox and feeds
 * the state machines. This is the shape of an RTOS firmware whose callbacks
 * run in interrupt or driver context, as cyw43's do on a Pico W. */
#ifndef EVENTCAM_H
#define EVENTCAM_H

#include <stdbool.h>
#include <stdint.h>

#define EC_MAX_BACKOFF 16

typedef struct ec_config {
    /* wlan.* */
    char ssid[33];
    char key[64];
    /* lm.* (times in ms; 0 for a timeout means "no limit", as firmware/) */
    uint32_t connect_timeout_ms;
    uint32_t attempt_timeout_ms;
    uint32_t backoff_ms[EC_MAX_BACKOFF];
    int backoff_len;
    bool power_cycle;
    uint32_t check_period_ms;
    uint32_t stable_ms;
    /* camera.* */
    uint32_t period_ms;
    uint32_t frame_bytes;
    bool lan;
    /* sink.* */
    uint32_t sink_ip; /* network byte order, as lwIP's ip4_addr_t holds it */
    uint16_t sink_port;
} ec_config;

/* Reads every setting through hal_config_*; returns HAL_OK or HAL_EINVAL
 * (after logging which setting is unusable). */
int ec_config_load(ec_config *c);

typedef enum {
    MSG_NETIF_LINK,     /* a netif link hook fired (up or down: the link FSM re-reads) */
    MSG_NETIF_ADDR,     /* lwIP changed the interface address (DHCP bound / lost) */
    MSG_UPLOAD_DONE,    /* the frame in flight was acknowledged in full */
    MSG_UPLOAD_STALLED, /* no TCP progress for the stall time: evidence the link is dead */
    MSG_UPLOAD_BROKEN,  /* lwIP or the peer ended the connection: retry with the next frame */
} ec_msg;

/* Callable from anywhere (callbacks included); never blocks. */
void ec_post(ec_msg m);

#endif
