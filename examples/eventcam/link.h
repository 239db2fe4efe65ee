/* link.h — the link supervisor: a table-driven state machine that brings the
 * camera's interface (Wi-Fi station or the wired port) online and keeps it
 * there with the field recipes: a bounded first connect, bounded reconnect
 * attempts spaced by the backoff table, and a power cycle of the chip when it
 * stops answering or when the whole table has failed. The table itself is in
 * link.c and in README.md. */
#ifndef EVENTCAM_LINK_H
#define EVENTCAM_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "eventcam.h"

/* Called on every change of "online" (link up with an address). */
typedef void (*link_online_fn)(bool online);

void link_init(const ec_config *cfg, link_online_fn on_change);
/* Powers the interface and starts the first connect (returns at once). */
void link_start(void);
/* A hook or lwIP said something changed: look at the interface now. */
void link_notice(void);
/* The uploader saw no progress: the link is suspect. */
void link_upload_stalled(void);
/* Runs what is due (state deadlines, status sampling, the chip probe). */
void link_service(void);
/* Milliseconds until link_service has something to do (HAL_WAIT_FOREVER: nothing). */
uint32_t link_due_in(void);
bool link_online(void);

typedef struct link_stats {
    uint32_t drops, attempts, power_cycles, recoveries;
} link_stats;
void link_get_stats(link_stats *out);

#endif
