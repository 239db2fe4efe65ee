/*
 * dot11/crypto.c - linkrig's glue between IEEE 802.11 RSN key management /
 * CCMP and OpenSSL 3 libcrypto. See crypto.h for the contract.
 */
#include "dot11/crypto.h"
#include "dot11/ccm_fast.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

/* Frame Control, second octet (9.2.4.1.1). */
#define FC1_TODS      0x01u
#define FC1_FROMDS    0x02u
#define FC1_RETRY     0x08u
#define FC1_PWRMGT    0x10u
#define FC1_MOREDATA  0x20u
#define FC1_PROTECTED 0x40u
#define FC1_ORDER     0x80u

#define FC_TYPE_MGMT  0u
#define FC_TYPE_DATA  2u

#define SHA1_LEN 20u
#define ADDR_LEN 6u

/* EAPOL-Key frame with a 16-octet MIC, offsets from the EAPOL header's
 * first octet (12.7.2); frame.h has the public copies. */
#define EAPOL_MIC_LEN    16u
#define EAPOL_MIC_OFFSET 81u
#define EAPOL_KEY_MIN    99u

/* PRF-n's counter is one octet, so 256 blocks is all it can produce. */
#define PRF_MAX_OUT (256u * SHA1_LEN)

/* FC(2) A1-A3(18) SC(2) A4(6) QC(2) */
#define CCMP_AAD_MAX   30u
#define CCMP_NONCE_LEN 13u

/* The CCMP header's Key ID octet: ExtIV must be 1 for CCMP (12.5.3.2). */
#define CCMP_EXT_IV 0x20u

struct span {
	const uint8_t *p;
	size_t n;
};

enum hmac_digest {
	HMAC_SHA1,
	HMAC_MD5,
};

/*
 * HMAC over several pieces, so that callers never have to glue label, data
 * and counter (or the parts of an EAPOL frame around its MIC field) into a
 * scratch buffer whose size we would then have to bound.
 */
static int hmac_spans(enum hmac_digest digest, const uint8_t *key,
		      size_t key_len, const struct span *parts, size_t nparts,
		      uint8_t md[EVP_MAX_MD_SIZE], size_t *md_len)
{
	/* OSSL_PARAM wants a mutable string; these are never written. */
	char sha1[] = "SHA1";
	char md5[] = "MD5";
	OSSL_PARAM params[2];
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	int ret = DOT11_CRYPTO_ELIB;
	size_t i;

	params[0] = OSSL_PARAM_construct_utf8_string(
		OSSL_MAC_PARAM_DIGEST, digest == HMAC_MD5 ? md5 : sha1, 0);
	params[1] = OSSL_PARAM_construct_end();

	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (mac == NULL)
		goto out;
	ctx = EVP_MAC_CTX_new(mac);
	if (ctx == NULL)
		goto out;
	if (EVP_MAC_init(ctx, key, key_len, params) != 1)
		goto out;
	for (i = 0; i < nparts; i++) {
		if (parts[i].n == 0)
			continue;
		if (EVP_MAC_update(ctx, parts[i].p, parts[i].n) != 1)
			goto out;
	}
	if (EVP_MAC_final(ctx, md, md_len, EVP_MAX_MD_SIZE) != 1)
		goto out;
	ret = 0;
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ret;
}

int dot11_pmk_from_passphrase(const char *passphrase, const uint8_t *ssid,
			      size_t ssid_len, uint8_t pmk[32])
{
	size_t n;

	if (passphrase == NULL || ssid == NULL || pmk == NULL)
		return DOT11_CRYPTO_EINVAL;
	if (ssid_len == 0 || ssid_len > 32)
		return DOT11_CRYPTO_EINVAL;

	/* Bounded scan: a missing NUL must not walk us off into memory. */
	for (n = 0; n < 64 && passphrase[n] != '\0'; n++) {
		unsigned char c = (unsigned char)passphrase[n];

		if (c < 32 || c > 126)
			return DOT11_CRYPTO_EINVAL;
	}
	/* 64 characters would be indistinguishable from a hex PSK (J.4.1). */
	if (n < 8 || n > 63)
		return DOT11_CRYPTO_EINVAL;

	if (PKCS5_PBKDF2_HMAC(passphrase, (int)n, ssid, (int)ssid_len, 4096,
			      EVP_sha1(), (int)DOT11_PMK_LEN, pmk) != 1) {
		OPENSSL_cleanse(pmk, DOT11_PMK_LEN);
		return DOT11_CRYPTO_ELIB;
	}
	return 0;
}

int dot11_prf_sha1(const uint8_t *key, size_t key_len, const char *label,
		   const uint8_t *data, size_t data_len, uint8_t *out,
		   size_t out_len)
{
	static const uint8_t zero = 0;
	uint8_t md[EVP_MAX_MD_SIZE];
	uint8_t counter;
	size_t md_len, off, take;
	struct span parts[4];
	int ret = 0;

	if (key == NULL || key_len == 0 || label == NULL || out == NULL)
		return DOT11_CRYPTO_EINVAL;
	if (data == NULL && data_len != 0)
		return DOT11_CRYPTO_EINVAL;
	if (out_len == 0 || out_len > PRF_MAX_OUT)
		return DOT11_CRYPTO_EINVAL;

	parts[0] = (struct span){ (const uint8_t *)label, strlen(label) };
	parts[1] = (struct span){ &zero, 1 };
	parts[2] = (struct span){ data, data_len };
	parts[3] = (struct span){ &counter, 1 };

	for (off = 0, counter = 0; off < out_len; counter++) {
		ret = hmac_spans(HMAC_SHA1, key, key_len, parts, 4, md,
				 &md_len);
		if (ret == 0 && md_len != SHA1_LEN)
			ret = DOT11_CRYPTO_ELIB;
		if (ret != 0)
			break;
		take = out_len - off < SHA1_LEN ? out_len - off : SHA1_LEN;
		memcpy(out + off, md, take);
		off += take;
	}

	OPENSSL_cleanse(md, sizeof(md));
	if (ret != 0)
		OPENSSL_cleanse(out, out_len);
	return ret;
}

int dot11_ptk_derive(const uint8_t pmk[32], const uint8_t aa[6],
		     const uint8_t spa[6], const uint8_t anonce[32],
		     const uint8_t snonce[32], uint8_t ptk[48])
{
	uint8_t data[2 * ADDR_LEN + 2 * DOT11_NONCE_LEN];
	const uint8_t *lo, *hi;

	if (pmk == NULL || aa == NULL || spa == NULL || anonce == NULL ||
	    snonce == NULL || ptk == NULL)
		return DOT11_CRYPTO_EINVAL;

	/* Min/Max are over the octet strings read as big-endian numbers,
	 * which is exactly memcmp's unsigned lexicographic order. */
	if (memcmp(aa, spa, ADDR_LEN) < 0) {
		lo = aa;
		hi = spa;
	} else {
		lo = spa;
		hi = aa;
	}
	memcpy(data, lo, ADDR_LEN);
	memcpy(data + ADDR_LEN, hi, ADDR_LEN);

	if (memcmp(anonce, snonce, DOT11_NONCE_LEN) < 0) {
		lo = anonce;
		hi = snonce;
	} else {
		lo = snonce;
		hi = anonce;
	}
	memcpy(data + 2 * ADDR_LEN, lo, DOT11_NONCE_LEN);
	memcpy(data + 2 * ADDR_LEN + DOT11_NONCE_LEN, hi,
	       DOT11_NONCE_LEN);

	return dot11_prf_sha1(pmk, DOT11_PMK_LEN, "Pairwise key expansion",
			      data, sizeof(data), ptk, DOT11_PTK_LEN);
}

/*
 * Shared by mic and mic_verify: checks the frame and computes the MIC over
 * the declared frame with the MIC field read as zeros.
 */
static int eapol_mic_compute(const uint8_t kck[16], int version,
			     const uint8_t *frame, size_t len,
			     uint8_t mic[16])
{
	static const uint8_t zeros[EAPOL_MIC_LEN];
	uint8_t md[EVP_MAX_MD_SIZE];
	enum hmac_digest digest;
	size_t md_len, frame_len;
	struct span parts[3];
	int ret;

	if (kck == NULL || frame == NULL)
		return DOT11_CRYPTO_EINVAL;
	if (version == DOT11_CRYPTO_KEYVER_HMAC_MD5)
		digest = HMAC_MD5;
	else if (version == DOT11_CRYPTO_KEYVER_HMAC_SHA1)
		digest = HMAC_SHA1;
	else
		return DOT11_CRYPTO_EUNSUPP;

	if (len < EAPOL_KEY_MIN)
		return DOT11_CRYPTO_EINVAL;
	/* Packet Type 3 is EAPOL-Key; anything else has no Key MIC field. */
	if (frame[1] != 3)
		return DOT11_CRYPTO_EINVAL;
	frame_len = 4 + (((size_t)frame[2] << 8) | frame[3]);
	if (frame_len < EAPOL_KEY_MIN || frame_len > len)
		return DOT11_CRYPTO_EINVAL;

	parts[0] = (struct span){ frame, EAPOL_MIC_OFFSET };
	parts[1] = (struct span){ zeros, EAPOL_MIC_LEN };
	parts[2] = (struct span){
		frame + EAPOL_MIC_OFFSET + EAPOL_MIC_LEN,
		frame_len - EAPOL_MIC_OFFSET - EAPOL_MIC_LEN
	};

	ret = hmac_spans(digest, kck, DOT11_KCK_LEN, parts, 3, md, &md_len);
	if (ret == 0 && md_len < EAPOL_MIC_LEN)
		ret = DOT11_CRYPTO_ELIB;
	if (ret == 0)
		memcpy(mic, md, EAPOL_MIC_LEN);
	OPENSSL_cleanse(md, sizeof(md));
	return ret;
}

int dot11_eapol_mic(const uint8_t kck[16], int key_descriptor_version,
		    const uint8_t *eapol_frame, size_t len, uint8_t mic[16])
{
	int ret;

	if (mic == NULL)
		return DOT11_CRYPTO_EINVAL;
	ret = eapol_mic_compute(kck, key_descriptor_version, eapol_frame, len,
				mic);
	if (ret != 0)
		memset(mic, 0, EAPOL_MIC_LEN);
	return ret;
}

int dot11_eapol_mic_verify(const uint8_t kck[16], int key_descriptor_version,
			   const uint8_t *eapol_frame, size_t len)
{
	uint8_t mic[EAPOL_MIC_LEN];
	int ret;

	ret = eapol_mic_compute(kck, key_descriptor_version, eapol_frame, len,
				mic);
	/* Constant time, so the comparison does not leak how much matched. */
	if (ret == 0 && CRYPTO_memcmp(mic, eapol_frame +
				      EAPOL_MIC_OFFSET,
				      EAPOL_MIC_LEN) != 0)
		ret = DOT11_CRYPTO_EAUTH;
	OPENSSL_cleanse(mic, sizeof(mic));
	return ret;
}

static const EVP_CIPHER *wrap_cipher(size_t kek_len)
{
	switch (kek_len) {
	case 16:
		return EVP_aes_128_wrap();
	case 24:
		return EVP_aes_192_wrap();
	case 32:
		return EVP_aes_256_wrap();
	default:
		return NULL;
	}
}

/*
 * One RFC 3394 pass. in_len/out_len are the exact sizes; libcrypto is
 * expected to produce exactly out_len octets, anything else is its failure
 * (or, when unwrapping, an integrity failure, which it reports the same way).
 */
static int key_wrap_run(int enc, const uint8_t *kek, size_t kek_len,
			const uint8_t *in, size_t in_len, uint8_t *out,
			size_t out_len)
{
	const EVP_CIPHER *cipher = wrap_cipher(kek_len);
	EVP_CIPHER_CTX *ctx;
	int n = 0, fin = 0, ok;

	if (cipher == NULL)
		return DOT11_CRYPTO_EINVAL;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		return DOT11_CRYPTO_ELIB;
	/* Without this flag libcrypto refuses wrap modes through EVP. */
	EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);

	/* A NULL IV selects RFC 3394's default A6A6A6A6A6A6A6A6. */
	if (EVP_CipherInit_ex(ctx, cipher, NULL, kek, NULL, enc) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return DOT11_CRYPTO_ELIB;
	}
	ok = EVP_CipherUpdate(ctx, out, &n, in, (int)in_len) == 1 &&
	     n >= 0 && (size_t)n == out_len &&
	     EVP_CipherFinal_ex(ctx, out + n, &fin) == 1 && fin == 0;
	EVP_CIPHER_CTX_free(ctx);

	if (!ok) {
		OPENSSL_cleanse(out, out_len);
		return enc ? DOT11_CRYPTO_ELIB : DOT11_CRYPTO_EAUTH;
	}
	return 0;
}

/* Room for the 8-octet integrity block on top, inside EVP's int lengths. */
#define KEY_WRAP_MAX ((size_t)INT_MAX - 16u)

int dot11_aes_wrap(const uint8_t *kek, size_t kek_len, const uint8_t *plain,
		   size_t len, uint8_t *out)
{
	if (kek == NULL || plain == NULL || out == NULL)
		return DOT11_CRYPTO_EINVAL;
	if (wrap_cipher(kek_len) == NULL)
		return DOT11_CRYPTO_EINVAL;
	/* RFC 3394 wraps n >= 2 64-bit blocks. */
	if (len < 16 || len % 8 != 0 || len > KEY_WRAP_MAX)
		return DOT11_CRYPTO_EINVAL;
	return key_wrap_run(1, kek, kek_len, plain, len, out, len + 8);
}

int dot11_aes_unwrap(const uint8_t *kek, size_t kek_len,
		     const uint8_t *wrapped, size_t len, uint8_t *out)
{
	if (kek == NULL || wrapped == NULL || out == NULL)
		return DOT11_CRYPTO_EINVAL;
	if (wrap_cipher(kek_len) == NULL)
		return DOT11_CRYPTO_EINVAL;
	if (len < 24 || len % 8 != 0 || len > KEY_WRAP_MAX)
		return DOT11_CRYPTO_EINVAL;
	return key_wrap_run(0, kek, kek_len, wrapped, len, out, len - 8);
}

/*
 * Reads the MAC header and builds CCMP's AAD and nonce (12.5.3.3.3,
 * 12.5.3.3.4). The header length has to match Frame Control exactly: a
 * mismatch would mean A4 or QoS Control is not where we are about to read
 * it, and a peer would compute a different AAD.
 */
static int ccmp_aad_nonce(const uint8_t *hdr, size_t hdr_len, uint64_t pn,
			  uint8_t aad[CCMP_AAD_MAX], size_t *aad_len,
			  uint8_t nonce[CCMP_NONCE_LEN])
{
	unsigned fc0, fc1, type;
	int a4, qos, htc;
	size_t want, pos, i;
	uint8_t flags = 0;

	if (hdr == NULL || hdr_len < 24)
		return DOT11_CRYPTO_EINVAL;
	fc0 = hdr[0];
	fc1 = hdr[1];
	type = (fc0 >> 2) & 3u;

	/* Protocol version 1 frames have another header layout altogether. */
	if ((fc0 & 3u) != 0)
		return DOT11_CRYPTO_EUNSUPP;
	if (type != FC_TYPE_DATA && type != FC_TYPE_MGMT)
		return DOT11_CRYPTO_EUNSUPP;

	a4 = type == FC_TYPE_DATA &&
	     (fc1 & (FC1_TODS | FC1_FROMDS)) == (FC1_TODS | FC1_FROMDS);
	qos = type == FC_TYPE_DATA && (fc0 & 0x80u) != 0;
	/* The Order bit announces +HTC only in QoS Data and Management
	 * frames; in other Data frames it is the old StrictlyOrdered flag. */
	htc = (fc1 & FC1_ORDER) != 0 && (qos || type == FC_TYPE_MGMT);
	want = 24 + (a4 ? 6u : 0u) + (qos ? 2u : 0u) + (htc ? 4u : 0u);
	if (hdr_len != want)
		return DOT11_CRYPTO_EINVAL;

	/* Masked Frame Control. Subtype bits 4-6 of Data frames go (bit 7,
	 * QoS, stays); Retry, PwrMgt and MoreData go because they may change
	 * on retransmission; Protected is always 1; Order is cleared in QoS
	 * Data frames, where it means +HTC rather than a service class. */
	aad[0] = (uint8_t)(type == FC_TYPE_DATA ? fc0 & 0x8fu : fc0);
	fc1 &= ~(FC1_RETRY | FC1_PWRMGT | FC1_MOREDATA);
	fc1 |= FC1_PROTECTED;
	if (qos)
		fc1 &= ~FC1_ORDER;
	aad[1] = (uint8_t)fc1;
	memcpy(aad + 2, hdr + 4, 18); /* A1, A2, A3 */
	/* Sequence Control: keep the fragment number, drop the sequence
	 * number, which a retransmitted fragment may not reuse verbatim. */
	aad[20] = (uint8_t)(hdr[22] & 0x0fu);
	aad[21] = 0;
	pos = 22;
	if (a4) {
		memcpy(aad + pos, hdr + 24, 6);
		pos += 6;
	}
	if (qos) {
		/* Only the TID is protected; the rest of QoS Control may be
		 * rewritten hop by hop. */
		uint8_t tid = (uint8_t)(hdr[24 + (a4 ? 6u : 0u)] & 0x0fu);

		aad[pos++] = tid;
		aad[pos++] = 0;
		flags = tid;
	}
	*aad_len = pos;

	if (type == FC_TYPE_MGMT)
		flags |= 0x10u; /* Nonce Flags: Management */
	nonce[0] = flags;
	memcpy(nonce + 1, hdr + 10, 6); /* A2 */
	/* PN5 first: the nonce carries the PN big-endian. */
	for (i = 0; i < 6; i++)
		nonce[7 + i] = (uint8_t)(pn >> (8 * (5 - i)));
	return 0;
}

/*
 * AES-128-CCM with M = 8 and L = 2, as CCMP uses it. For decryption tag is
 * the received MIC and a mismatch is reported as DOT11_CRYPTO_EAUTH.
 *
 * An engine keeps one EVP context per direction (transmit = encrypt,
 * receive = decrypt), each keyed once per temporal key: the AES key
 * schedule and the cipher's parameters (nonce and MIC length) are set when
 * the TK changes, and each MPDU only loads its nonce (and, receiving, its
 * MIC). Re-keying and re-parameterising a context for every MPDU cost
 * more than the AES work itself for short frames. The directions never
 * share a context: CCM keeps per-message state (the expected tag, the
 * length block) that one direction must not leave behind for the other.
 *
 * Even so, EVP's per-MPDU parameter handling stayed a large share of a
 * long scenario's CPU time, so where the CPU has AES-NI an engine uses
 * dot11/ccm_fast.c instead (the same CCM, key schedule kept per direction,
 * no per-MPDU set-up); EVP remains the portable path.
 */
struct ccm_dir {
	EVP_CIPHER_CTX *ctx; /* portable; NULL: not this direction */
	ccm_fast *fast; /* AES-NI; NULL until keyed */
	int used; /* this engine works this way */
	uint8_t tk[DOT11_TK_LEN];
	int keyed;
};

struct dot11_ccm {
	int impl; /* DOT11_CCM_IMPL_PORTABLE or DOT11_CCM_IMPL_FAST */
	EVP_CIPHER *cipher; /* fetched once (portable) */
	struct ccm_dir dir[2]; /* [0] receive (decrypt), [1] transmit */
	dot11_ccm_memo *memo; /* the world's, not owned; NULL: none */
};

/* DOT11_CCM_IMPL_AUTO resolved: AES-NI unless absent or refused. */
static int ccm_auto_impl(void)
{
	const char *env = getenv("LINKRIG_CCM");

	if (env != NULL && strcmp(env, "portable") == 0)
		return DOT11_CCM_IMPL_PORTABLE;
	return ccm_fast_supported() ? DOT11_CCM_IMPL_FAST
				    : DOT11_CCM_IMPL_PORTABLE;
}

dot11_ccm *dot11_ccm_new_impl(int directions, int impl)
{
	dot11_ccm *c;
	int i;

	if (directions < DOT11_CCM_RX || directions > DOT11_CCM_BOTH)
		return NULL;
	if (impl == DOT11_CCM_IMPL_AUTO)
		impl = ccm_auto_impl();
	else if (impl == DOT11_CCM_IMPL_FAST && !ccm_fast_supported())
		return NULL;
	else if (impl != DOT11_CCM_IMPL_FAST && impl != DOT11_CCM_IMPL_PORTABLE)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->impl = impl;
	if (impl == DOT11_CCM_IMPL_PORTABLE) {
		c->cipher = EVP_CIPHER_fetch(NULL, "AES-128-CCM", NULL);
		if (c->cipher == NULL) {
			dot11_ccm_free(c);
			return NULL;
		}
	}
	for (i = 0; i < 2; i++) {
		if ((directions & (i ? DOT11_CCM_TX : DOT11_CCM_RX)) == 0)
			continue;
		c->dir[i].used = 1;
		if (impl != DOT11_CCM_IMPL_PORTABLE)
			continue;
		c->dir[i].ctx = EVP_CIPHER_CTX_new();
		if (c->dir[i].ctx == NULL) {
			dot11_ccm_free(c);
			return NULL;
		}
	}
	return c;
}

dot11_ccm *dot11_ccm_new_dir(int directions)
{
	return dot11_ccm_new_impl(directions, DOT11_CCM_IMPL_AUTO);
}

dot11_ccm *dot11_ccm_new(void)
{
	return dot11_ccm_new_dir(DOT11_CCM_BOTH);
}

int dot11_ccm_impl(const dot11_ccm *c)
{
	return c->impl;
}

void dot11_ccm_set_memo(dot11_ccm *c, dot11_ccm_memo *m)
{
	if (c != NULL)
		c->memo = m;
}

void dot11_ccm_free(dot11_ccm *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < 2; i++) {
		EVP_CIPHER_CTX_free(c->dir[i].ctx);
		ccm_fast_free(c->dir[i].fast);
		OPENSSL_cleanse(c->dir[i].tk, sizeof(c->dir[i].tk));
	}
	EVP_CIPHER_free(c->cipher);
	free(c);
}

/* Sets cipher, nonce length, MIC length and key: once per TK. */
static int ccm_key(EVP_CIPHER_CTX *ctx, const EVP_CIPHER *cipher, int enc,
		   const uint8_t tk[16])
{
	if (EVP_CipherInit_ex(ctx, cipher, NULL, NULL, NULL, enc) != 1)
		return DOT11_CRYPTO_ELIB;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN,
				(int)CCMP_NONCE_LEN, NULL) != 1)
		return DOT11_CRYPTO_ELIB;
	/* CCM fixes the tag length before the key goes in. */
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
				(int)DOT11_CCMP_MIC_LEN, NULL) != 1)
		return DOT11_CRYPTO_ELIB;
	if (EVP_CipherInit_ex(ctx, NULL, NULL, tk, NULL, enc) != 1)
		return DOT11_CRYPTO_ELIB;
	return 0;
}

/*
 * The AES-NI path: the key schedule is expanded when a direction's TK
 * changes; a temporary engine (c == NULL) expands one for the call.
 */
static int ccm_run_fast(dot11_ccm *c, int enc, const uint8_t tk[16],
			const uint8_t nonce[CCMP_NONCE_LEN],
			const uint8_t *aad, size_t aad_len,
			const uint8_t *in, size_t in_len, uint8_t *out,
			uint8_t tag[DOT11_CCMP_MIC_LEN])
{
	struct ccm_dir *d = NULL;
	ccm_fast *f;
	int ret;

	if (c != NULL) {
		d = &c->dir[enc ? 1 : 0];
		if (!d->used)
			return DOT11_CRYPTO_EINVAL;
		if (d->fast == NULL) {
			d->fast = ccm_fast_new(tk);
			if (d->fast == NULL)
				return DOT11_CRYPTO_ELIB;
			memcpy(d->tk, tk, DOT11_TK_LEN);
			d->keyed = 1;
		} else if (!d->keyed ||
			   CRYPTO_memcmp(d->tk, tk, DOT11_TK_LEN) != 0) {
			ccm_fast_set_key(d->fast, tk);
			memcpy(d->tk, tk, DOT11_TK_LEN);
			d->keyed = 1;
		}
		f = d->fast;
	} else {
		f = ccm_fast_new(tk);
		if (f == NULL)
			return DOT11_CRYPTO_ELIB;
	}
	if (enc)
		ret = ccm_fast_encrypt(f, nonce, aad, aad_len, in, in_len, out,
				       tag);
	else
		ret = ccm_fast_decrypt(f, nonce, aad, aad_len, in, in_len, tag,
				       out);
	if (c == NULL)
		ccm_fast_free(f);
	if (ret == CCM_FAST_EAUTH)
		return DOT11_CRYPTO_EAUTH;
	return ret == 0 ? 0 : DOT11_CRYPTO_EINVAL;
}

static int ccm_run(dot11_ccm *c, int enc, const uint8_t tk[16],
		   const uint8_t nonce[CCMP_NONCE_LEN], const uint8_t *aad,
		   size_t aad_len, const uint8_t *in, size_t in_len,
		   uint8_t *out, uint8_t tag[DOT11_CCMP_MIC_LEN])
{
	EVP_CIPHER_CTX *ctx;
	struct ccm_dir *d = NULL;
	int n, ret = DOT11_CRYPTO_ELIB;

	if (c != NULL ? c->impl == DOT11_CCM_IMPL_FAST
		      : ccm_auto_impl() == DOT11_CCM_IMPL_FAST)
		return ccm_run_fast(c, enc, tk, nonce, aad, aad_len, in,
				    in_len, out, tag);
	if (c != NULL) {
		d = &c->dir[enc ? 1 : 0];
		/* An engine made for the other direction only is refused
		 * rather than silently borrowing that direction's context. */
		if (d->ctx == NULL)
			return DOT11_CRYPTO_EINVAL;
		ctx = d->ctx;
		if (!d->keyed ||
		    CRYPTO_memcmp(d->tk, tk, DOT11_TK_LEN) != 0) {
			d->keyed = 0;
			if (ccm_key(ctx, c->cipher, enc, tk) != 0)
				return DOT11_CRYPTO_ELIB;
			memcpy(d->tk, tk, DOT11_TK_LEN);
			d->keyed = 1;
		}
	} else {
		ctx = EVP_CIPHER_CTX_new();
		if (ctx == NULL)
			return DOT11_CRYPTO_ELIB;
		if (ccm_key(ctx, EVP_aes_128_ccm(), enc, tk) != 0)
			goto out;
	}
	/* Receiving, the expected MIC goes in before the data. */
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
					(int)DOT11_CCMP_MIC_LEN, tag) != 1)
		goto out;
	/* The nonce alone: the key schedule stays. */
	if (EVP_CipherInit_ex(ctx, NULL, NULL, NULL, nonce, enc) != 1)
		goto out;
	/* CCM's B0 block holds the message length, so it must be known
	 * before the AAD is fed. */
	if (EVP_CipherUpdate(ctx, NULL, &n, NULL, (int)in_len) != 1)
		goto out;
	if (EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1)
		goto out;

	if (enc) {
		if (EVP_CipherUpdate(ctx, out, &n, in, (int)in_len) != 1 ||
		    n < 0 || (size_t)n != in_len)
			goto out;
		if (EVP_CipherFinal_ex(ctx, out + n, &n) != 1)
			goto out;
		if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
					(int)DOT11_CCMP_MIC_LEN, tag) != 1)
			goto out;
	} else {
		/* For CCM the tag is checked inside this very call. */
		if (EVP_CipherUpdate(ctx, out, &n, in, (int)in_len) != 1 ||
		    n < 0 || (size_t)n != in_len) {
			ret = DOT11_CRYPTO_EAUTH;
			goto out;
		}
	}
	ret = 0;
out:
	if (c == NULL)
		EVP_CIPHER_CTX_free(ctx);
	else if (ret == DOT11_CRYPTO_ELIB)
		d->keyed = 0; /* unknown state: key it afresh next time */
	return ret;
}

int dot11_ccmp_encrypt(const uint8_t tk[16], const uint8_t *hdr,
		       size_t hdr_len, uint64_t pn, int key_id,
		       const uint8_t *plain, size_t plain_len, uint8_t *out,
		       size_t out_cap, size_t *out_len)
{
	return dot11_ccmp_encrypt_with(NULL, tk, hdr, hdr_len, pn, key_id,
				       plain, plain_len, out, out_cap, out_len);
}

int dot11_ccmp_encrypt_with(dot11_ccm *c, const uint8_t tk[16],
			    const uint8_t *hdr, size_t hdr_len, uint64_t pn,
			    int key_id, const uint8_t *plain, size_t plain_len,
			    uint8_t *out, size_t out_cap, size_t *out_len)
{
	uint8_t aad[CCMP_AAD_MAX], nonce[CCMP_NONCE_LEN];
	uint8_t tag[DOT11_CCMP_MIC_LEN];
	size_t aad_len, total;
	int ret;

	if (out_len != NULL)
		*out_len = 0;
	if (tk == NULL || plain == NULL || out == NULL || out_len == NULL)
		return DOT11_CRYPTO_EINVAL;
	if (pn > DOT11_CCMP_PN_MAX || key_id < 0 || key_id > 3)
		return DOT11_CRYPTO_EINVAL;
	if (plain_len == 0 || plain_len > DOT11_CCMP_MAX_PLAIN)
		return DOT11_CRYPTO_EINVAL;
	total = plain_len + DOT11_CCMP_OVERHEAD;
	if (out_cap < total)
		return DOT11_CRYPTO_ENOSPC;

	ret = ccmp_aad_nonce(hdr, hdr_len, pn, aad, &aad_len, nonce);
	if (ret != 0)
		return ret;

	/* CCMP header: PN0 PN1 Rsvd KeyID-octet PN2 PN3 PN4 PN5. */
	out[0] = (uint8_t)pn;
	out[1] = (uint8_t)(pn >> 8);
	out[2] = 0;
	out[3] = (uint8_t)(CCMP_EXT_IV | ((unsigned)key_id << 6));
	out[4] = (uint8_t)(pn >> 16);
	out[5] = (uint8_t)(pn >> 24);
	out[6] = (uint8_t)(pn >> 32);
	out[7] = (uint8_t)(pn >> 40);

	ret = ccm_run(c, 1, tk, nonce, aad, aad_len, plain, plain_len,
		      out + DOT11_CCMP_HDR_LEN, tag);
	if (ret != 0) {
		OPENSSL_cleanse(out, total);
		return ret;
	}
	memcpy(out + DOT11_CCMP_HDR_LEN + plain_len, tag, sizeof(tag));
	if (c != NULL)
		dot11_ccm_memo_put(c->memo, tk, nonce, aad, aad_len, plain,
				   out + DOT11_CCMP_HDR_LEN, plain_len, tag);
	*out_len = total;
	return 0;
}

int dot11_ccmp_decrypt(const uint8_t tk[16], const uint8_t *hdr,
		       size_t hdr_len, const uint8_t *body, size_t body_len,
		       uint64_t *pn, int *key_id, uint8_t *out,
		       size_t out_cap, size_t *out_len)
{
	return dot11_ccmp_decrypt_with(NULL, tk, hdr, hdr_len, body, body_len,
				       pn, key_id, out, out_cap, out_len);
}

int dot11_ccmp_decrypt_with(dot11_ccm *c, const uint8_t tk[16],
			    const uint8_t *hdr, size_t hdr_len,
			    const uint8_t *body, size_t body_len, uint64_t *pn,
			    int *key_id, uint8_t *out, size_t out_cap,
			    size_t *out_len)
{
	uint8_t aad[CCMP_AAD_MAX], nonce[CCMP_NONCE_LEN];
	uint8_t tag[DOT11_CCMP_MIC_LEN];
	size_t aad_len, plain_len;
	uint64_t got_pn;
	int ret;

	if (out_len != NULL)
		*out_len = 0;
	if (tk == NULL || body == NULL || pn == NULL || out == NULL ||
	    out_len == NULL)
		return DOT11_CRYPTO_EINVAL;
	if (body_len <= DOT11_CCMP_OVERHEAD ||
	    body_len - DOT11_CCMP_OVERHEAD > DOT11_CCMP_MAX_PLAIN)
		return DOT11_CRYPTO_EINVAL;
	plain_len = body_len - DOT11_CCMP_OVERHEAD;
	if (out_cap < plain_len)
		return DOT11_CRYPTO_ENOSPC;
	/* Without ExtIV this is not a CCMP header (WEP uses that octet). */
	if ((body[3] & CCMP_EXT_IV) == 0)
		return DOT11_CRYPTO_EINVAL;

	got_pn = (uint64_t)body[0] | (uint64_t)body[1] << 8 |
		 (uint64_t)body[4] << 16 | (uint64_t)body[5] << 24 |
		 (uint64_t)body[6] << 32 | (uint64_t)body[7] << 40;

	ret = ccmp_aad_nonce(hdr, hdr_len, got_pn, aad, &aad_len, nonce);
	if (ret != 0)
		return ret;

	/* EVP wants a writable tag buffer, and body is const. */
	memcpy(tag, body + DOT11_CCMP_HDR_LEN + plain_len, sizeof(tag));
	/* An exact hit is what ccm_run would return (ccm_memo.h); a
	 * receive-less engine is refused by ccm_run as before. */
	if (c != NULL && c->memo != NULL && c->dir[0].used &&
	    dot11_ccm_memo_get(c->memo, tk, nonce, aad, aad_len,
			       body + DOT11_CCMP_HDR_LEN, plain_len, tag, out))
		ret = 0;
	else
		ret = ccm_run(c, 0, tk, nonce, aad, aad_len,
			      body + DOT11_CCMP_HDR_LEN, plain_len, out, tag);
	if (ret != 0) {
		/* Never hand out unauthenticated plaintext. */
		OPENSSL_cleanse(out, plain_len);
		return ret;
	}
	*pn = got_pn;
	if (key_id != NULL)
		*key_id = body[3] >> 6;
	*out_len = plain_len;
	return 0;
}
