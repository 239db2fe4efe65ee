/* firmware_shim/lwip_port.h — the board's handle on lwIP's timers (internal).
 *
 * Kept apart from board.c so that only this file includes lwIP headers (and
 * thereby the firmware's lwipopts.h). With NO_SYS=1 nothing in lwIP runs by
 * itself: the board calls lwip_port_run_timers at lwIP's next deadline, which
 * it learns from lwip_port_next_deadline after any firmware code ran. */
#ifndef LINKRIG_FIRMWARE_SHIM_LWIP_PORT_H
#define LINKRIG_FIRMWARE_SHIM_LWIP_PORT_H

#include <stdbool.h>
#include <stdint.h>

/* False when lwIP has no timeout pending; else the absolute virtual ms of the
 * earliest one (never before now_ms). */
bool lwip_port_next_deadline(int64_t now_ms, int64_t *due_ms);
/* Runs every lwIP timeout that is due (sys_check_timeouts). */
void lwip_port_run_timers(void *unused);

#endif
