/*
 * dot11/sae.h - Simultaneous Authentication of Equals (WPA3-Personal),
 * IEEE 802.11-2020 12.4, for group 19 (NIST P-256), the group every WPA3
 * device must support.
 *
 * Contract:
 *  - One dot11_sae per authentication attempt between two MAC addresses.
 *    dot11_sae_new() derives the password element by hunting and pecking
 *    (12.4.4.2.2), with an optional password identifier (12.4.4.2.1).
 *  - Commit and Confirm are the bodies of Authentication frames with
 *    algorithm 3 after the three fixed fields (9.3.3.11, Table 9-41):
 *      commit  = group (2, LE) | [anti-clogging token] | scalar (32) |
 *                element (64: x | y) | [Password Identifier element]
 *      confirm = send-confirm (2, LE) | confirm (32)
 *  - Every received body is untrusted: a scalar outside 1 < s < r, an
 *    element not on the curve, or a peer that reflects our own commit is
 *    refused (12.4.5.4, 12.4.8.6.4).
 *  - Keys (12.4.5.4): keyseed = HMAC-SHA-256(0^32, x(K)); KCK | PMK =
 *    KDF-512(keyseed, "SAE KCK and PMK", (scalar + peer scalar) mod r);
 *    PMKID = the first 128 bits of that sum.
 *  - Arithmetic from OpenSSL (EC_POINT, BIGNUM). Not constant time: this is
 *    a simulator; the values on the air are what a real peer computes.
 *  - Functions return 0 or a negative DOT11_SAE_E* code.
 */
#ifndef LINKRIG_DOT11_SAE_H
#define LINKRIG_DOT11_SAE_H

#include <stddef.h>
#include <stdint.h>

#define DOT11_SAE_EINVAL  (-1) /* malformed body or bad argument */
#define DOT11_SAE_EGROUP  (-2) /* another finite cyclic group: status 77 */
#define DOT11_SAE_EAUTH   (-3) /* the peer's Confirm does not verify */
#define DOT11_SAE_EREFLECT (-4) /* the peer sent our own commit back */
#define DOT11_SAE_ELIB    (-5) /* libcrypto failed */
#define DOT11_SAE_ENOSPC  (-6)

#define DOT11_SAE_GROUP_19 19
#define DOT11_SAE_PMK_LEN 32u
#define DOT11_SAE_PMKID_LEN 16u
#define DOT11_SAE_KCK_LEN 32u
#define DOT11_SAE_COMMIT_MAX 256u
#define DOT11_SAE_CONFIRM_LEN 34u

/* 9.4.1.9: status codes SAE uses. */
#define DOT11_STATUS_ANTI_CLOGGING_TOKEN_REQ 76
#define DOT11_STATUS_FINITE_CYCLIC_GROUP_UNSUPPORTED 77

typedef struct dot11_sae dot11_sae;

/* identifier may be NULL. The password is 1..255 octets. */
dot11_sae *dot11_sae_new(const uint8_t own[6], const uint8_t peer[6],
			 const char *password, const char *identifier);
void dot11_sae_free(dot11_sae *s);

/* Fix rand and mask (32 octets each, big-endian) instead of drawing them
 * from OpenSSL: the Annex J.10 known-answer test, and the models, which
 * draw them from the run's random stream so that a run is reproducible.
 * Values outside [2, r) are reduced into it. */
int dot11_sae_set_rand_mask(dot11_sae *s, const uint8_t rand[32], const uint8_t mask[32]);

/* Our Commit, with the token the peer asked for (status 76), if any. */
int dot11_sae_write_commit(dot11_sae *s, const uint8_t *token, size_t token_len,
			   uint8_t *out, size_t cap, size_t *len);
/* The peer's Commit. token_len_out, when not NULL, receives the length of
 * an anti-clogging token found between group and scalar (AP side: the
 * station's echo), given the expected token length. */
int dot11_sae_process_commit(dot11_sae *s, const uint8_t *body, size_t len,
			     size_t expect_token_len);
int dot11_sae_write_confirm(dot11_sae *s, uint16_t send_confirm,
			    uint8_t *out, size_t cap, size_t *len);
int dot11_sae_check_confirm(dot11_sae *s, const uint8_t *body, size_t len);

/* After a verified Confirm (or, for the known-answer test, after the
 * commit exchange): the PMK and PMKID. */
int dot11_sae_keys(const dot11_sae *s, uint8_t pmk[DOT11_SAE_PMK_LEN],
		   uint8_t pmkid[DOT11_SAE_PMKID_LEN], uint8_t kck[DOT11_SAE_KCK_LEN]);

/* A status-76 body: group (2, LE) | token. */
int dot11_sae_parse_token_request(const uint8_t *body, size_t len,
				  uint16_t *group, const uint8_t **token,
				  size_t *token_len);

#endif
