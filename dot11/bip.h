/*
 * dot11/bip.h - protected management frames (IEEE 802.11-2020, 802.11w):
 * BIP-CMAC-128 for group-addressed management frames (12.5.4) with the
 * Management MIC element (MME, 9.4.2.54), and the SA Query action frames
 * (9.6.9) a station answers to prove an association is still alive.
 *
 * Contract:
 *  - bip_protect() appends an MME to a group-addressed management frame
 *    (header + body, no FCS): Element ID 76, length 16, Key ID (2, LE),
 *    IPN (6, LE), MIC (8). bip_verify() checks one, refusing a replayed IPN
 *    (12.5.4.5: not greater than the last accepted).
 *  - The MIC is AES-128-CMAC (OpenSSL EVP_MAC "CMAC") over AAD | body with
 *    the MME's MIC field zeroed, truncated to 64 bits; AAD = masked Frame
 *    Control (Retry, Power Management and More Data cleared) | A1 | A2 | A3
 *    (12.5.4.3).
 *  - Frames are untrusted bytes; every length is checked.
 *  - Return 0 or a negative BIP_E* code.
 */
#ifndef LINKRIG_DOT11_BIP_H
#define LINKRIG_DOT11_BIP_H

#include <stddef.h>
#include <stdint.h>

#define BIP_EINVAL (-1)
#define BIP_ENOSPC (-2)
#define BIP_EAUTH  (-3) /* MIC does not verify */
#define BIP_EREPLAY (-4)
#define BIP_ELIB   (-5)

#define BIP_IGTK_LEN 16u
#define BIP_MME_LEN 18u  /* element header included */
#define DOT11_EID_MME 76
#define DOT11_ACTION_CATEGORY_SA_QUERY 8
#define DOT11_SA_QUERY_REQUEST 0
#define DOT11_SA_QUERY_RESPONSE 1
#define DOT11_SA_QUERY_ID_LEN 2

/* frame holds len octets of a management frame (24-octet header + body)
 * and has room for BIP_MME_LEN more; ipn is the 48-bit packet number to use
 * (the caller keeps it increasing). */
int bip_protect(const uint8_t igtk[BIP_IGTK_LEN], uint16_t key_id, uint64_t ipn,
		uint8_t *frame, size_t len, size_t cap, size_t *out_len);

/* *last_ipn is the replay counter for key_id: updated on success. */
int bip_verify(const uint8_t igtk[BIP_IGTK_LEN], uint16_t key_id, uint64_t *last_ipn,
	       const uint8_t *frame, size_t len);

/* IGTK KDE (12.7.2, KDE type 9): DD | len | 00-0F-AC | 09 | Key ID (2, LE) |
 * IPN (6, LE) | IGTK (16). Returns the octets written or BIP_ENOSPC. */
int dot11_kde_build_igtk(uint8_t *buf, size_t cap, uint16_t key_id, uint64_t ipn,
                         const uint8_t igtk[BIP_IGTK_LEN]);
/* Finds the IGTK KDE in (decrypted) key data: 0, or BIP_EINVAL when there
 * is none or it is malformed. */
int dot11_key_data_find_igtk(const uint8_t *kd, size_t len, uint16_t *key_id, uint64_t *ipn,
                             uint8_t igtk[BIP_IGTK_LEN]);

/* Individually addressed robust management frames under PMF (12.6.8): the
 * body CCMP-protected with the pairwise TK, Protected bit set, the CCM
 * nonce's Management flag set (dot11/crypto.c). frame/out hold a 24-octet
 * header and the body. unprotect gives the plain frame (Protected cleared)
 * and the PN, which the caller checks for replay. */
int dot11_mgmt_protect(const uint8_t tk[16], uint64_t pn, const uint8_t *frame, size_t len,
                       uint8_t *out, size_t cap, size_t *out_len);
int dot11_mgmt_unprotect(const uint8_t tk[16], const uint8_t *frame, size_t len, uint8_t *out,
                         size_t cap, size_t *out_len, uint64_t *pn);

/* AES-128-CMAC (RFC 4493) over a | b: the MIC before truncation. */
int bip_aes_cmac(const uint8_t key[BIP_IGTK_LEN], const uint8_t *a, size_t an,
		 const uint8_t *b, size_t bn, uint8_t out[16]);

/* SA Query action body (after the 24-octet header): category, action,
 * transaction identifier. */
int dot11_sa_query_build(uint8_t *body, size_t cap, int action,
			 const uint8_t id[DOT11_SA_QUERY_ID_LEN], size_t *len);
int dot11_sa_query_parse(const uint8_t *body, size_t len, int *action,
			 uint8_t id[DOT11_SA_QUERY_ID_LEN]);

#endif
