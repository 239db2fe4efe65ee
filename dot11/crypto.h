/*
 * dot11/crypto.h - WPA2-PSK cryptography (IEEE 802.11 RSN with CCMP-128)
 * for linkrig's simulated stations and access points.
 *
 * Contract:
 *  - Every function returns 0 on success or a negative DOT11_CRYPTO_E* code.
 *  - Every byte buffer is treated as untrusted: lengths are checked before
 *    anything is read, nothing is read past a stated length, and no structure
 *    is ever laid over a buffer.
 *  - No global state, no heap allocation of our own except the CCM engines;
 *    the primitives come from OpenSSL 3 libcrypto (link with -lcrypto),
 *    CCM from dot11/ccm_fast.h when the CPU has AES-NI. Safe to call from
 *    any thread.
 *  - Input and output buffers must not overlap.
 *  - When a call fails after it may have written part of a secret or of a
 *    plaintext, the output is zeroed before returning, so a caller that
 *    forgets to check the result does not act on half-made data.
 *
 * Clause numbers below are those of IEEE Std 802.11-2016.
 */
#ifndef LINKRIG_DOT11_CRYPTO_H
#define LINKRIG_DOT11_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "dot11/ccm_memo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes (always negative). */
#define DOT11_CRYPTO_EINVAL  (-1) /* bad argument or malformed input */
#define DOT11_CRYPTO_ENOSPC  (-2) /* output buffer too small */
#define DOT11_CRYPTO_EAUTH   (-3) /* MIC / key-wrap integrity check failed */
#define DOT11_CRYPTO_EUNSUPP (-4) /* well formed, but not implemented here */
#define DOT11_CRYPTO_ELIB    (-5) /* libcrypto reported a failure */

/*
 * Frame-layout constants (EAPOL-Key offsets, address length) belong to
 * dot11/frame.h; this header defines only what the cryptography needs, so
 * both can be included together.
 */
#define DOT11_PMK_LEN   32u
#define DOT11_NONCE_LEN 32u

/* PTK for CCMP-128 (12.7.1.3): KCK(16) | KEK(16) | TK(16), 384 bits. */
#define DOT11_PTK_LEN         48u
#define DOT11_KCK_LEN         16u
#define DOT11_KEK_LEN         16u
#define DOT11_TK_LEN          16u
#define DOT11_PTK_KCK_OFFSET  0u
#define DOT11_PTK_KEK_OFFSET  16u
#define DOT11_PTK_TK_OFFSET   32u

static inline const uint8_t *dot11_ptk_kck(const uint8_t *ptk)
{
	return ptk + DOT11_PTK_KCK_OFFSET;
}

static inline const uint8_t *dot11_ptk_kek(const uint8_t *ptk)
{
	return ptk + DOT11_PTK_KEK_OFFSET;
}

static inline const uint8_t *dot11_ptk_tk(const uint8_t *ptk)
{
	return ptk + DOT11_PTK_TK_OFFSET;
}

/* Key Descriptor Version, Key Information bits 0-2 (12.7.2); the same
 * numbers as frame.h's DOT11_KEY_INFO_VERSION_*. */
#define DOT11_CRYPTO_KEYVER_HMAC_MD5   1 /* WPA1/TKIP: HMAC-MD5 MIC */
#define DOT11_CRYPTO_KEYVER_HMAC_SHA1  2 /* WPA2/CCMP: HMAC-SHA1-128 MIC */

/* CCMP MPDU body (12.5.3.2): CCMP header(8) | ciphertext | MIC(8). */
#define DOT11_CCMP_HDR_LEN    8u
#define DOT11_CCMP_MIC_LEN    8u
#define DOT11_CCMP_OVERHEAD   (DOT11_CCMP_HDR_LEN + DOT11_CCMP_MIC_LEN)
#define DOT11_CCMP_PN_MAX     UINT64_C(0xFFFFFFFFFFFF)
/* CCM with a 13-octet nonce leaves a 2-octet length field. */
#define DOT11_CCMP_MAX_PLAIN  65535u

/*
 * PMK = PBKDF2-HMAC-SHA1(passphrase, SSID, 4096 iterations, 256 bits)
 * (J.4.1). The passphrase must be 8..63 characters, each in 32..126
 * (printable ASCII); the SSID 1..32 octets.
 */
int dot11_pmk_from_passphrase(const char *passphrase, const uint8_t *ssid,
			      size_t ssid_len, uint8_t pmk[32]);

/*
 * PRF-n of 12.7.1.2: concatenated HMAC-SHA1(key, label | 0x00 | data | i)
 * for i = 0, 1, ..., truncated to out_len octets (1..5120). label is a
 * NUL-terminated string; data may be NULL only when data_len is 0.
 */
int dot11_prf_sha1(const uint8_t *key, size_t key_len, const char *label,
		   const uint8_t *data, size_t data_len, uint8_t *out,
		   size_t out_len);

/*
 * PTK = PRF-384(PMK, "Pairwise key expansion", Min(AA,SPA) | Max(AA,SPA) |
 * Min(ANonce,SNonce) | Max(ANonce,SNonce)) (12.7.1.3). Use the DOT11_PTK_*
 * offsets or dot11_ptk_kck/kek/tk() to reach the parts.
 */
int dot11_ptk_derive(const uint8_t pmk[32], const uint8_t aa[6],
		     const uint8_t spa[6], const uint8_t anonce[32],
		     const uint8_t snonce[32], uint8_t ptk[48]);

/*
 * EAPOL-Key MIC (12.7.2): version 2 is HMAC-SHA1 truncated to 128 bits,
 * version 1 is HMAC-MD5. eapol_frame starts at the EAPOL protocol version
 * octet and must be an EAPOL-Key frame (packet type 3) of at least 99
 * octets with its 16-octet Key MIC field at octet 81. The MIC covers exactly
 * the 4 + Packet Body Length octets the EAPOL header declares (len may be
 * larger, e.g. Ethernet padding, never smaller), with the Key MIC field
 * taken as zero whatever it holds - so a sender may compute the MIC and
 * then store it into the same buffer.
 */
int dot11_eapol_mic(const uint8_t kck[16], int key_descriptor_version,
		    const uint8_t *eapol_frame, size_t len, uint8_t mic[16]);

/*
 * Receiver's check: recomputes the MIC as above and compares it, in constant
 * time, with the Key MIC field of the frame. DOT11_CRYPTO_EAUTH on mismatch.
 */
int dot11_eapol_mic_verify(const uint8_t kck[16], int key_descriptor_version,
			   const uint8_t *eapol_frame, size_t len);

/*
 * RFC 3394 AES key wrap with the default IV. kek_len is 16, 24 or 32.
 * len is a multiple of 8 and at least 16; out receives len + 8 octets.
 */
int dot11_aes_wrap(const uint8_t *kek, size_t kek_len, const uint8_t *plain,
		   size_t len, uint8_t *out);

/*
 * RFC 3394 AES key unwrap. len (the wrapped length) is a multiple of 8 and at
 * least 24; out receives len - 8 octets. DOT11_CRYPTO_EAUTH when the
 * integrity check fails (out is then zeroed).
 */
int dot11_aes_unwrap(const uint8_t *kek, size_t kek_len,
		     const uint8_t *wrapped, size_t len, uint8_t *out);

/*
 * A reusable AES-128-CCM engine for one temporal key at a time. It holds
 * one context per direction - transmit (encrypt) and receive (decrypt);
 * an AES-NI key schedule or a libcrypto context, see
 * dot11_ccm_new_impl - each keyed once per TK: a call with the TK the context
 * already holds only loads the MPDU's nonce; a call with another TK keys
 * that direction afresh. So keep one engine per key in use (a station's
 * pairwise key, its group key; an AP's key per station and its group key):
 * alternating TKs on one engine re-keys on every frame, which is correct
 * but slow. dot11_ccm_new_dir makes an engine for one direction only
 * (DOT11_CCM_TX or DOT11_CCM_RX); used the other way it returns
 * DOT11_CRYPTO_EINVAL. NULL when out of memory or libcrypto lacks CCM.
 * The plain functions below make a temporary context per call.
 */
typedef struct dot11_ccm dot11_ccm;
#define DOT11_CCM_RX   1 /* decrypt only */
#define DOT11_CCM_TX   2 /* encrypt only */
#define DOT11_CCM_BOTH 3
dot11_ccm *dot11_ccm_new(void); /* both directions */
dot11_ccm *dot11_ccm_new_dir(int directions);
void dot11_ccm_free(dot11_ccm *c);

/*
 * Which AES-128-CCM an engine runs; both give the same bytes.
 * DOT11_CCM_IMPL_FAST is dot11/ccm_fast.h (AES-NI, key schedule kept per
 * direction, no per-MPDU library set-up); DOT11_CCM_IMPL_PORTABLE is
 * OpenSSL's EVP CCM. DOT11_CCM_IMPL_AUTO - what dot11_ccm_new(_dir) and
 * the plain functions use - picks FAST when the CPU has AES-NI and the
 * environment does not set LINKRIG_CCM=portable. dot11_ccm_new_impl
 * returns NULL when the implementation asked for is unavailable (FAST on
 * a CPU or build without AES-NI). dot11_ccm_impl tells which one c runs.
 */
#define DOT11_CCM_IMPL_AUTO     0
#define DOT11_CCM_IMPL_PORTABLE 1
#define DOT11_CCM_IMPL_FAST     2
dot11_ccm *dot11_ccm_new_impl(int directions, int impl);
int dot11_ccm_impl(const dot11_ccm *c);

/*
 * The world's memo (dot11/ccm_memo.h), or NULL (the default): none. An
 * engine with a memo records each MPDU it encrypts, and looks each MPDU it
 * is to decrypt up there first - after the checks a decryption makes of
 * its arguments and of the engine's direction, so a refused call is still
 * refused - returning the recorded plaintext on an exact hit without
 * running AES. Results are the same bytes with or without one.
 */
void dot11_ccm_set_memo(dot11_ccm *c, dot11_ccm_memo *m);

/*
 * CCMP encapsulation (12.5.3.3). hdr is the plaintext MPDU's MAC header, and
 * hdr_len must be exactly the length its Frame Control implies: 24, +6 with
 * A4 (ToDS and FromDS), +2 with QoS Control, +4 with HT Control (Order bit
 * in a QoS Data or Management frame). Data and Management frames only,
 * protocol version 0. The AAD is built from hdr per 12.5.3.3.3 whether or
 * not the caller has set the Protected bit yet; hdr itself is not copied.
 *
 * out receives CCMP header(8) | ciphertext | MIC(8): plain_len + 16 octets,
 * stored in *out_len. pn is 48 bits, key_id 0..3, plain_len 1..65535.
 */
int dot11_ccmp_encrypt(const uint8_t tk[16], const uint8_t *hdr,
		       size_t hdr_len, uint64_t pn, int key_id,
		       const uint8_t *plain, size_t plain_len, uint8_t *out,
		       size_t out_cap, size_t *out_len);

/*
 * CCMP decapsulation. hdr as for encryption (taken from the received frame);
 * body is the CCMP-protected frame body that follows it (CCMP header |
 * ciphertext | MIC, at least 17 octets). On success *pn holds the packet
 * number carried in the CCMP header, *key_id (if key_id is not NULL) its
 * Key ID, and out (length in *out_len) the plaintext. Replay detection is
 * the caller's job: compare *pn with the last one accepted.
 * DOT11_CRYPTO_EAUTH on MIC mismatch (out is then zeroed).
 */
int dot11_ccmp_decrypt(const uint8_t tk[16], const uint8_t *hdr,
		       size_t hdr_len, const uint8_t *body, size_t body_len,
		       uint64_t *pn, int *key_id, uint8_t *out,
		       size_t out_cap, size_t *out_len);

/* The same, on a reusable engine (c may be NULL: a temporary one). */
int dot11_ccmp_encrypt_with(dot11_ccm *c, const uint8_t tk[16], const uint8_t *hdr, size_t hdr_len, uint64_t pn,
			    int key_id, const uint8_t *plain, size_t plain_len, uint8_t *out, size_t out_cap,
			    size_t *out_len);
int dot11_ccmp_decrypt_with(dot11_ccm *c, const uint8_t tk[16], const uint8_t *hdr, size_t hdr_len,
			    const uint8_t *body, size_t body_len, uint64_t *pn, int *key_id, uint8_t *out,
			    size_t out_cap, size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif /* LINKRIG_DOT11_CRYPTO_H */
