/* sim/enterprise.h — a scenario's WPA3 and Enterprise networks in a run.
 *
 * Contract:
 *  - enterprise_ap_config: sets an AP's security from the scenario
 *    (scenario.h world.aps[].security): SAE password, transition, RADIUS
 *    secret and NAS address.
 *  - enterprise_start: for each wpa2-enterprise AP, a FreeRADIUS
 *    (eap/freeradius.h) with its files in DIR/radius/<ap>/, reached through
 *    sim/radius_link.h and wired to the AP (ap_set_radius); each RADIUS
 *    packet is written into the wire capture as IPv4/UDP between the AP's
 *    LAN address (10.0.2.240 + AP index) and the server's (10.0.2.250,
 *    port 1812). The servers stop when the world is destroyed
 *    (world_on_destroy), and with the process (PR_SET_PDEATHSIG). No
 *    server wanted: nothing started, SIM_OK. The binary missing: SIM_EINVAL
 *    with a message (the run's exit 2).
 *  - enterprise_settings: a device's wlan.security and wlan.eap.* from the
 *    scenario's firmware section, with the server's CA and client
 *    certificates as PEM.
 *  Runs with an Enterprise AP are not byte-identical: FreeRADIUS's TLS
 *  randoms are its own (nor are SAE runs: dot11/sae.c draws from OpenSSL). */
#ifndef LINKRIG_SIM_ENTERPRISE_H
#define LINKRIG_SIM_ENTERPRISE_H

#include "sim/err.h"
#include "sim/scenario.h"
#include "sim/world.h"

#define ENTERPRISE_SERVER_IP 0x0a0002fau /* 10.0.2.250: where RADIUS is shown in the wire capture */
#define ENTERPRISE_NAS_IP(i) (0x0a0002f0u + (uint32_t)(i)) /* 10.0.2.240 + AP index */

void enterprise_ap_config(const scn_ap *a, int index, world_ap_config *ac);
/* dir: the run's output folder. */
int enterprise_start(const scenario *s, world *w, const char *dir, sim_err *err);
int enterprise_settings(const scenario *s, world *w, board *b, sim_err *err);
/* The fault hooks (radius_down, radius_slow) for AP index i; false when it has no server. */
bool enterprise_set_down(world *w, int ap_index, bool down);
bool enterprise_set_latency(world *w, int ap_index, sim_time latency);
/* The credential faults (radius_server_cert, radius_revoke, radius_user):
 * what AP i's server presents and accepts from now on. A change restarts
 * its FreeRADIUS with new files (the same CA and client keys, so devices
 * keep what they were given); the restart costs wall time only, virtual
 * time waits, and an EAP conversation under way is lost with the old
 * process. No change: nothing restarts. cert: SCN_CERT_*; password NULL:
 * the user is removed (the server knows no such identity). A server that
 * cannot restart stays down (trace radius_restart_failed) and the error
 * says why. Unknown AP, CN or user: SIM_EINVAL. */
int enterprise_set_server_cert(world *w, int ap_index, int cert, sim_err *err);
int enterprise_set_revoked(world *w, int ap_index, const char *cn, bool revoked, sim_err *err);
int enterprise_set_user(world *w, int ap_index, const char *name, const char *password, sim_err *err);

#endif
