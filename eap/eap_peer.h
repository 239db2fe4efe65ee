/*
 * eap/eap_peer.h - the EAP peer (supplicant side) a Wi-Fi chip runs for
 * WPA2-Enterprise: EAP-TLS, PEAPv0 with EAP-MSCHAPv2, and EAP-TTLS with PAP.
 *
 * Contract:
 *  - One eap_peer per authentication attempt. eap_peer_rx() takes one EAP
 *    packet from the authenticator (RFC 3748 4: Request, Success, Failure)
 *    and, when the result is EAP_PEER_RESPOND, writes the one EAP-Response
 *    to send back. Input is untrusted bytes: every length is checked.
 *  - TLS is OpenSSL's (memory BIOs, TLS 1.2 as FreeRADIUS 3.2 offers for EAP);
 *    MD4, DES and SHA-1 for MSCHAPv2 come from libcrypto (MD4 and DES through
 *    a private library context with the legacy provider). This module only
 *    frames: EAP-TLS fragments (RFC 5216 2.1.5, 3.1), PEAPv0's compressed
 *    inner EAP and Result TLV (draft-kamath-pppext-peapv0-00), EAP-MSCHAPv2
 *    (draft-kamath-pppext-eap-mschapv2-02, RFC 2759 8 for the hashes), and
 *    TTLS AVPs (RFC 5281 10, 11.2.5).
 *  - Keys: after EAP_PEER_SUCCESS, eap_peer_msk() gives the 64-octet MSK
 *    (RFC 5216 2.3 label "client EAP encryption" for TLS and PEAPv0;
 *    RFC 5281 8 "ttls keying material"), whose first 32 octets are the PMK
 *    (IEEE 802.11-2020 12.7.1.3).
 *  - A Success before the method finished is refused (RFC 3748 4.2: a peer
 *    must not accept a premature Success) and ends in failure.
 *  - No global state. Not thread-safe per object.
 */
#ifndef LINKRIG_EAP_PEER_H
#define LINKRIG_EAP_PEER_H

#include <stddef.h>
#include <stdint.h>

/* RFC 3748 4 / 5: codes and the types this peer knows. */
#define EAP_CODE_REQUEST  1
#define EAP_CODE_RESPONSE 2
#define EAP_CODE_SUCCESS  3
#define EAP_CODE_FAILURE  4
#define EAP_TYPE_IDENTITY 1
#define EAP_TYPE_NOTIFICATION 2
#define EAP_TYPE_NAK      3
#define EAP_TYPE_TLS      13 /* RFC 5216 */
#define EAP_TYPE_TTLS     21 /* RFC 5281 */
#define EAP_TYPE_PEAP     25 /* draft-kamath-pppext-peapv0 */
#define EAP_TYPE_MSCHAPV2 26 /* draft-kamath-pppext-eap-mschapv2 */
#define EAP_TYPE_EXTENSIONS 33 /* PEAP's TLV carrier */

#define EAP_MSK_LEN 64u
#define EAP_PEER_MAX_PACKET 1500u /* a response never exceeds this */

typedef enum {
	EAP_METHOD_TLS = EAP_TYPE_TLS,
	EAP_METHOD_TTLS_PAP = EAP_TYPE_TTLS,
	EAP_METHOD_PEAP_MSCHAPV2 = EAP_TYPE_PEAP,
} eap_method;

typedef struct {
	eap_method method;
	const char *identity;           /* inner identity, or EAP-TLS's identity */
	const char *anonymous_identity; /* outer identity for PEAP/TTLS; NULL = identity */
	const char *password;           /* PEAP-MSCHAPv2 and TTLS-PAP */
	const char *ca_cert_pem;        /* trust anchor; NULL = server not checked */
	const char *client_cert_pem;    /* EAP-TLS */
	const char *client_key_pem;     /* EAP-TLS */
	unsigned fragment_size;         /* TLS octets per EAP fragment; 0 = 1024 */
} eap_peer_config;

typedef enum {
	EAP_PEER_RESPOND,  /* a response was written: send it */
	EAP_PEER_IGNORE,   /* drop the packet silently (RFC 3748 4.1 duplicate / bad) */
	EAP_PEER_SUCCESS,  /* authenticated; the MSK is ready */
	EAP_PEER_FAILURE,  /* finished without success: see eap_peer_failure() */
} eap_peer_result;

/* Why an attempt failed, in the words a firmware reports. */
typedef enum {
	EAP_FAIL_NONE,
	EAP_FAIL_REJECTED,     /* the server refused the credentials */
	EAP_FAIL_SERVER_CERT,  /* the server's certificate was not trusted or expired */
	EAP_FAIL_CLIENT_CERT,  /* the server refused our certificate (e.g. revoked) */
	EAP_FAIL_PROTOCOL,     /* the exchange broke off or made no sense */
} eap_peer_fail;

typedef struct eap_peer eap_peer;

/* Returns NULL with a message in err when the configuration cannot be used
 * (missing password for PEAP/TTLS, unreadable certificate or key PEM). */
eap_peer *eap_peer_new(const eap_peer_config *cfg, char *err, size_t errlen);
void eap_peer_free(eap_peer *p);

eap_peer_result eap_peer_rx(eap_peer *p, const uint8_t *pkt, size_t len,
			    uint8_t *resp, size_t cap, size_t *resp_len);

/* 0 and the MSK after EAP_PEER_SUCCESS; -1 before. */
int eap_peer_msk(const eap_peer *p, uint8_t msk[EAP_MSK_LEN]);
eap_peer_fail eap_peer_failure(const eap_peer *p);
/* A sentence for the trace: what failed and why ("" while none). */
const char *eap_peer_reason(const eap_peer *p);

#endif
