/* console.h — the camera's serial console: a small command set over the
 * board's UART (hal_console_*) that maps to the network API (network.h)
 * through the link manager, and prints what came of each command.
 *
 *   command              does                                      prints
 *   help                 -                                         the commands
 *   status               wlan_status, ifconfig, rssi, lm state     status NAME ip A rssi R lm STATE
 *   connect SSID [KEY]   lm_start: a join now, then the link       connecting to SSID; later
 *                        manager's recipes with these credentials  "connected IP" or
 *                                                                  "connect failed: STATUS" (the
 *                                                                  attempt's end: WRONG_PASSWORD,
 *                                                                  NO_AP_FOUND, CONNECT_FAIL, timeout)
 *   disconnect           lm_stop: leave, no reconnects             disconnected
 *   active 0|1           wlan_active (0 also stops the manager)    active 0 | active 1
 *   scan                 wlan_scan (blocks the main task ~0.5 s)   scan: N networks, then one
 *                                                                  "ssid: S bssid B channel C rssi R
 *                                                                  security K" line each
 *
 * SSID and KEY are single words. A failure prints "error: ..." with the
 * network API's message. A line longer than CAMERA_CONSOLE_LINE - 1
 * characters is refused whole ("error: line too long"). */
#ifndef LINKRIG_FIRMWARE_CONSOLE_H
#define LINKRIG_FIRMWARE_CONSOLE_H

#include <stdint.h>

#include "link_manager.h"

#define CAMERA_CONSOLE_LINE 160

/* Starts the task that reads the UART. Returns 0 or a HAL_E* code. */
int camera_console_start(lm *l);
/* The main loop's sleep: returns after ms, or as soon as a command line
 * arrived, which it then runs (in the main task: commands never race the
 * link manager's own steps). Also reports a pending connect's outcome. */
void camera_console_wait(uint32_t ms);

#endif
