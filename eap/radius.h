/*
 * eap/radius.h - RADIUS messages as an 802.1X authenticator (the AP) sends
 * and reads them: Access-Request out, Access-Accept/Reject/Challenge in.
 *
 * Contract:
 *  - RFC 2865 (packet, attributes, Response Authenticator), RFC 3579 (EAP-
 *    Message and Message-Authenticator, HMAC-MD5 over the packet), RFC 2548
 *    section 2.4 (MS-MPPE-Send/Recv-Key, the MSK halves the AP turns into
 *    the PMK: IEEE 802.11-2020 12.7.1.3, PMK = first 256 bits of the MSK).
 *  - A received packet is untrusted bytes: every length is checked, nothing
 *    is laid over the buffer, and a packet whose authenticators do not verify
 *    is refused whole (RFC 2865 3, RFC 3579 3.2).
 *  - No global state. Digests from OpenSSL libcrypto.
 *  - Functions return 0 or a negative RADIUS_E* code and write a message
 *    into err (may be NULL).
 */
#ifndef LINKRIG_EAP_RADIUS_H
#define LINKRIG_EAP_RADIUS_H

#include <stddef.h>
#include <stdint.h>

#define RADIUS_EINVAL (-1) /* malformed packet or bad argument */
#define RADIUS_ENOSPC (-2) /* output buffer too small */
#define RADIUS_EAUTH  (-3) /* an authenticator did not verify */
#define RADIUS_ELIB   (-4) /* libcrypto failed */

/* RFC 2865 4: codes. */
#define RADIUS_ACCESS_REQUEST   1
#define RADIUS_ACCESS_ACCEPT    2
#define RADIUS_ACCESS_REJECT    3
#define RADIUS_ACCESS_CHALLENGE 11

#define RADIUS_AUTH_LEN   16u
#define RADIUS_HDR_LEN    20u
#define RADIUS_MAX_LEN    4096u  /* RFC 2865 3: maximum packet length */
#define RADIUS_EAP_MAX    4096u  /* one EAP packet, reassembled */
#define RADIUS_STATE_MAX  253u
#define RADIUS_MPPE_KEY_LEN 32u

/* What the authenticator puts in one Access-Request. Strings are C strings;
 * NULL leaves the attribute out. */
typedef struct {
	const char *user_name;          /* 1: from EAP-Response/Identity */
	const char *calling_station_id; /* 31: the station, "02-00-00-00-00-01" */
	const char *called_station_id;  /* 30: "BSSID:SSID" (RFC 3580 3.20) */
	uint32_t nas_ip;                /* 4: host order, 0 = leave out */
	const uint8_t *eap;             /* 79: one EAP packet, split by 253 */
	size_t eap_len;
	const uint8_t *state;           /* 24: echoed from the last Challenge */
	size_t state_len;
	uint16_t framed_mtu;            /* 12: 0 = leave out */
} radius_request;

/* What the authenticator reads from one reply. */
typedef struct {
	int code;                          /* RADIUS_ACCESS_* */
	uint8_t eap[RADIUS_EAP_MAX];       /* the EAP-Message attributes, joined */
	size_t eap_len;
	uint8_t state[RADIUS_STATE_MAX];
	size_t state_len;
	int have_mppe;                     /* both keys present and decrypted */
	uint8_t mppe_recv[RADIUS_MPPE_KEY_LEN]; /* MSK[0..31]: the PMK */
	uint8_t mppe_send[RADIUS_MPPE_KEY_LEN]; /* MSK[32..63] */
	char reply_message[128];           /* 18, truncated, printable only */
} radius_reply;

/* Build an Access-Request with identifier id and Request Authenticator
 * req_auth (16 random octets the caller keeps to check the reply), signed
 * with a Message-Authenticator. */
int radius_build_request(uint8_t *out, size_t cap, size_t *out_len,
			 uint8_t id, const uint8_t req_auth[RADIUS_AUTH_LEN],
			 const char *secret, const radius_request *rq,
			 char *err, size_t errlen);

/* Check and read a reply to the request (id, req_auth). A reply with a bad
 * Response Authenticator, a missing or bad Message-Authenticator (required
 * whenever EAP-Message is present, RFC 3579 3.2), another identifier, or
 * malformed attributes returns an error and leaves *out unspecified. */
int radius_parse_reply(const uint8_t *pkt, size_t len, uint8_t id,
		       const uint8_t req_auth[RADIUS_AUTH_LEN],
		       const char *secret, radius_reply *out,
		       char *err, size_t errlen);

#endif
