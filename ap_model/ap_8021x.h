/* ap_model/ap_8021x.h — the AP's IEEE 802.1X authenticator in pass-through
 * mode: EAP between the station (EAPOL) and a RADIUS server (RFC 3579).
 *
 * Per station (a table readable in ap_8021x.c):
 *   start (association with AKM 00-0F-AC:1) -> EAP-Request/Identity
 *   EAP-Response from the station -> Access-Request (State echoed)
 *   Access-Challenge -> its EAP-Request to the station
 *   Access-Accept    -> EAP-Success, then authorized(PMK = MS-MPPE-Recv-Key,
 *                       IEEE 802.11-2020 12.7.1.3) and the 4-way handshake
 *   Access-Reject    -> EAP-Failure, then failed(reason 23, "IEEE 802.1X
 *                       authentication failed", 9.4.1.7) as hostapd does
 *   EAPOL-Start -> start over; EAPOL-Logoff -> forget.
 * Timers: an EAP-Request unanswered for 3 s is sent again, 4 times at most
 * (RFC 3748 4.3 suggests 3 s), then failed(23). An Access-Request
 * unanswered is sent again after 3 s, doubling (hostapd radius_client.c:
 * RADIUS_CLIENT_FIRST_WAIT 3 s, exponential backoff), 5 sends in all
 * (about 45 s), then failed(23) with a "radius_timeout" trace event.
 *
 * The authenticator never touches a socket: RADIUS packets leave through
 * ops.radius_send and replies come back through ap_8021x_rx_radius, on
 * virtual time (sim/radius_link.c carries them to a real server). Replies
 * are checked (radius_parse_reply) and a stale or forged one is dropped.
 * Request Authenticators come from the run's random stream, so the
 * authenticator's own choices are deterministic; the server's are not.
 */
#ifndef LINKRIG_AP_MODEL_AP_8021X_H
#define LINKRIG_AP_MODEL_AP_8021X_H

#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"

#define AP_8021X_REASON_AUTH_FAILED 23 /* 9.4.1.7 */

typedef struct ap_8021x ap_8021x;

typedef struct ap_8021x_ops {
    void *ctx;
    /* An EAPOL frame (header included) to the station, unprotected. */
    void (*send_eapol)(void *ctx, const uint8_t sta[6], const uint8_t *eapol, size_t len);
    /* A RADIUS Access-Request to the authentication server, with its own
     * context (radius_link_send and its link fit here). */
    void (*radius_send)(void *radius_ctx, const uint8_t *pkt, size_t len);
    void *radius_ctx;
    void (*authorized)(void *ctx, const uint8_t sta[6], const uint8_t pmk[32]);
    void (*failed)(void *ctx, const uint8_t sta[6], uint16_t reason);
} ap_8021x_ops;

typedef struct ap_8021x_config {
    const char *name;      /* trace component (the AP's) */
    const char *secret;    /* RADIUS shared secret */
    const char *ssid;
    uint8_t bssid[6];
    uint32_t nas_ip;       /* host order; 0 = none */
    uint32_t eap_retrans_ms;      /* default 3000 */
    int eap_max_retrans;          /* default 4 */
    uint32_t radius_first_wait_ms; /* default 3000 */
    int radius_max_sends;         /* default 5 */
} ap_8021x_config;

ap_8021x *ap_8021x_create(sim *s, const ap_8021x_config *cfg, const ap_8021x_ops *ops,
                          sim_err *err);
void ap_8021x_destroy(ap_8021x *x);

void ap_8021x_start(ap_8021x *x, const uint8_t sta[6]);
void ap_8021x_forget(ap_8021x *x, const uint8_t sta[6]);
/* An EAPOL frame of type EAP-Packet, Start or Logoff from the station. */
void ap_8021x_rx_eapol(ap_8021x *x, const uint8_t sta[6], const uint8_t *eapol, size_t len);
/* A datagram from the RADIUS server (untrusted). */
void ap_8021x_rx_radius(ap_8021x *x, const uint8_t *pkt, size_t len);

#endif
