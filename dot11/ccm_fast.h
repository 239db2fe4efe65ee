/*
 * dot11/ccm_fast.h - AES-128-CCM as CCMP uses it (RFC 3610 with M = 8,
 * L = 2; IEEE 802.11-2020 12.5.3), computed with the CPU's AES
 * instructions and a key schedule expanded once per key.
 *
 * Contract:
 *  - ccm_fast_supported() says whether this build and this CPU can run it
 *    (x86 with AES-NI and SSE4.1). When it returns 0, ccm_fast_new returns
 *    NULL and the caller uses another CCM (dot11/crypto.c: OpenSSL EVP).
 *  - One ccm_fast holds one AES-128 key schedule and nothing per message:
 *    the same object may encrypt and decrypt, and a call never changes it.
 *  - Limits of the 2-octet length field: len <= 65535, aad_len < 65280
 *    (RFC 3610 2.2: longer AAD needs another encoding). Otherwise
 *    CCM_FAST_EINVAL and nothing is written.
 *  - ccm_fast_decrypt compares the MIC in constant time; on a mismatch it
 *    returns CCM_FAST_EAUTH with out zeroed (never unauthenticated
 *    plaintext). in and out may be the same buffer, not partly overlap.
 *  - Buffers have no alignment requirement. No globals, no allocation
 *    except in ccm_fast_new.
 */
#ifndef LINKRIG_DOT11_CCM_FAST_H
#define LINKRIG_DOT11_CCM_FAST_H

#include <stddef.h>
#include <stdint.h>

#define CCM_FAST_EINVAL (-1) /* a length over the limits above */
#define CCM_FAST_EAUTH  (-3) /* MIC mismatch */

#define CCM_FAST_NONCE_LEN 13u /* 15 - L */
#define CCM_FAST_MIC_LEN   8u  /* M */

typedef struct ccm_fast ccm_fast;

int ccm_fast_supported(void);

/* A key schedule for key; NULL when unsupported or out of memory. */
ccm_fast *ccm_fast_new(const uint8_t key[16]);
/* Replaces the key schedule (a new temporal key). */
void ccm_fast_set_key(ccm_fast *c, const uint8_t key[16]);
/* Wipes the key schedule and frees it; NULL is ignored. */
void ccm_fast_free(ccm_fast *c);

/* CCM encryption-authentication: out gets len octets, mic the MIC. */
int ccm_fast_encrypt(const ccm_fast *c, const uint8_t nonce[13], const uint8_t *aad, size_t aad_len,
		     const uint8_t *in, size_t len, uint8_t *out, uint8_t mic[8]);

/* CCM decryption-verification of len octets against mic. */
int ccm_fast_decrypt(const ccm_fast *c, const uint8_t nonce[13], const uint8_t *aad, size_t aad_len,
		     const uint8_t *in, size_t len, const uint8_t mic[8], uint8_t *out);

#endif /* LINKRIG_DOT11_CCM_FAST_H */
