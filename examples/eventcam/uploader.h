/* uploader.h — streams camera frames to a TCP sink over lwIP's raw API,
 * without ever blocking: every step happens in an lwIP callback (connected,
 * sent, recv, err, poll) or in a call from the main task that returns at
 * once. Its own state machine is in uploader.c; outcomes are posted to the
 * main task's mailbox (MSG_UPLOAD_*). */
#ifndef EVENTCAM_UPLOADER_H
#define EVENTCAM_UPLOADER_H

#include <stdbool.h>
#include <stdint.h>

/* ip in network byte order. stall_ms: how long a frame may make no progress
 * (no connect, no acknowledged byte) before the uploader gives up on it. */
void up_init(uint32_t ip, uint16_t port, uint32_t stall_ms);
/* Starts sending frame number seq of len bytes (connecting first if needed).
 * Returns false when a frame is still in flight: the caller skips this one. */
bool up_submit(uint32_t seq, uint32_t len);
/* Drops the connection at once (the link went away): a fresh connection
 * follows with the next frame. */
void up_abort(void);
bool up_busy(void);

#endif
