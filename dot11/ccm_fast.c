/*
 * dot11/ccm_fast.c - AES-128-CCM for CCMP with AES-NI. See ccm_fast.h.
 *
 * Why this exists: every simulated MPDU is CCMP-protected once and opened
 * at least once (receiver, air-capture decryption), so CCM runs for every
 * data frame of a scenario. Through OpenSSL 3's EVP interface each MPDU
 * paid for EVP_CipherInit_ex (the provider's parameter lookup:
 * OSSL_PARAM_locate and string compares on parameter names),
 * EVP_CIPHER_CTX_ctrl and the nonce/tag-length parameters again, even
 * with the key schedule kept. Measured on the 24-hour soak scenario
 * (Release build, perf): CCM was ~36% of the run's CPU time, of which
 * ~10-13 points were that per-call set-up and ~25 the AES loops. Here the
 * key schedule is expanded once per key and a message costs only its AES
 * blocks.
 *
 * The algorithm is CCM of RFC 3610 (NIST SP 800-38C) with the parameters
 * of IEEE 802.11-2020 12.5.3.1: M = 8 (an 8-octet MIC), L = 2 (a 2-octet
 * length field, hence the 13-octet nonce of 12.5.3.3.4). The CBC-MAC
 * (RFC 3610 2.2) and the CTR keystream (2.3) are two independent AES
 * chains, so each step runs one block of each through the AES rounds
 * together: the CPU overlaps them and a block costs about one AES latency
 * rather than two. The CBC-MAC chain is inherently serial, so that latency
 * is the floor for one message; EVP's AES-NI loop is at the same floor,
 * and what this module saves is the set-up around it. With it the soak
 * took 9.10 s of CPU against 10.45 s through EVP (median of 5 interleaved
 * runs, bench/run.py --only soak), CCM falling from ~37% to ~30% of the
 * profile - all of that now the AES rounds themselves.
 *
 * Fallback: compiled for x86 only, and used only when the CPU reports AES
 * (and SSE4.1) at run time (__builtin_cpu_supports). The functions carry
 * their own target attribute: the program is not built with -maes, so it
 * still runs on CPUs without AES-NI, where dot11/crypto.c keeps using
 * OpenSSL's EVP CCM (also forced with LINKRIG_CCM=portable).
 */
#include "dot11/ccm_fast.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/* RFC 3610 2.2, first octet of B_0: Adata, M' = (M-2)/2, L' = L-1. */
#define FLAGS_ADATA 0x40u
#define FLAGS_M     (((CCM_FAST_MIC_LEN - 2u) / 2u) << 3)
#define FLAGS_L     0x01u
#define MAX_LEN     65535u
#define MAX_AAD     0xFEFFu

#if defined(__x86_64__) || defined(__i386__)

#include <emmintrin.h>
#include <wmmintrin.h>

#define TARGET __attribute__((target("aes,sse4.1")))

struct ccm_fast {
	uint8_t rk[11][16]; /* AES-128 round keys, FIPS-197 5.2 */
};

int ccm_fast_supported(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("aes") && __builtin_cpu_supports("sse4.1");
}

/* One step of FIPS-197's KeyExpansion for AES-128: w[i] = w[i-4] ^ ...,
 * four words at once, t from AESKEYGENASSIST (SubWord(RotWord()) ^ Rcon). */
TARGET static inline __m128i key_step(__m128i k, __m128i t)
{
	t = _mm_shuffle_epi32(t, 0xff);
	k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
	k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
	k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
	return _mm_xor_si128(k, t);
}

TARGET static void expand_key(ccm_fast *c, const uint8_t key[16])
{
	__m128i k = _mm_loadu_si128((const __m128i *)(const void *)key);

	_mm_storeu_si128((__m128i *)(void *)c->rk[0], k);
/* AESKEYGENASSIST needs its round constant as an immediate. */
#define STEP(i, rcon)                                                   \
	do {                                                            \
		k = key_step(k, _mm_aeskeygenassist_si128(k, rcon));    \
		_mm_storeu_si128((__m128i *)(void *)c->rk[i], k);       \
	} while (0)
	STEP(1, 0x01);
	STEP(2, 0x02);
	STEP(3, 0x04);
	STEP(4, 0x08);
	STEP(5, 0x10);
	STEP(6, 0x20);
	STEP(7, 0x40);
	STEP(8, 0x80);
	STEP(9, 0x1b);
	STEP(10, 0x36);
#undef STEP
}

ccm_fast *ccm_fast_new(const uint8_t key[16])
{
	ccm_fast *c;

	if (!ccm_fast_supported())
		return NULL;
	c = malloc(sizeof(*c));
	if (c != NULL)
		expand_key(c, key);
	return c;
}

void ccm_fast_set_key(ccm_fast *c, const uint8_t key[16])
{
	expand_key(c, key);
}

/* Two blocks through AES-128 side by side: independent chains overlap. */
#define AES_ROUND2(r)                           \
	do {                                    \
		*a = _mm_aesenc_si128(*a, k[r]); \
		*b = _mm_aesenc_si128(*b, k[r]); \
	} while (0)

TARGET static inline __attribute__((always_inline)) void aes2(const __m128i k[11], __m128i *a, __m128i *b)
{
	*a = _mm_xor_si128(*a, k[0]);
	*b = _mm_xor_si128(*b, k[0]);
	AES_ROUND2(1);
	AES_ROUND2(2);
	AES_ROUND2(3);
	AES_ROUND2(4);
	AES_ROUND2(5);
	AES_ROUND2(6);
	AES_ROUND2(7);
	AES_ROUND2(8);
	AES_ROUND2(9);
	*a = _mm_aesenclast_si128(*a, k[10]);
	*b = _mm_aesenclast_si128(*b, k[10]);
}

TARGET static inline __attribute__((always_inline)) __m128i aes1(const __m128i k[11], __m128i a)
{
	a = _mm_xor_si128(a, k[0]);
	a = _mm_aesenc_si128(a, k[1]);
	a = _mm_aesenc_si128(a, k[2]);
	a = _mm_aesenc_si128(a, k[3]);
	a = _mm_aesenc_si128(a, k[4]);
	a = _mm_aesenc_si128(a, k[5]);
	a = _mm_aesenc_si128(a, k[6]);
	a = _mm_aesenc_si128(a, k[7]);
	a = _mm_aesenc_si128(a, k[8]);
	a = _mm_aesenc_si128(a, k[9]);
	return _mm_aesenclast_si128(a, k[10]);
}

/* A_i of RFC 3610 2.3: the counter i in the last two octets, big-endian.
 * The intrinsic takes a 16-bit lane as a short, so the swapped counter
 * goes in as its two's-complement bit pattern by explicit conversion
 * (from block 128 on, 0x8000 and up would not fit a short implicitly:
 * clang's implicit-conversion check found it through fuzz_sae_pmf). */
TARGET static inline __attribute__((always_inline)) __m128i ctr_block(__m128i a0, size_t i)
{
	uint16_t be = (uint16_t)(((i & 0xffu) << 8) | ((i >> 8) & 0xffu));

	return _mm_insert_epi16(a0, (int)(int16_t)be, 7);
}

/* Up to 16 octets, zero-padded to a block (RFC 3610 2.2's padding). */
TARGET static inline __m128i load_part(const uint8_t *p, size_t n)
{
	uint8_t blk[16];

	if (n == 16)
		return _mm_loadu_si128((const __m128i *)(const void *)p);
	memset(blk, 0, sizeof(blk));
	memcpy(blk, p, n);
	return _mm_loadu_si128((const __m128i *)(const void *)blk);
}

/* The rounds after the first AddRoundKey, for blocks already whitened
 * with k[0]: the callers fold that XOR into values computed earlier. */
TARGET static inline __attribute__((always_inline)) __m128i aes_rest1(const __m128i k[11], __m128i a)
{
	a = _mm_aesenc_si128(a, k[1]);
	a = _mm_aesenc_si128(a, k[2]);
	a = _mm_aesenc_si128(a, k[3]);
	a = _mm_aesenc_si128(a, k[4]);
	a = _mm_aesenc_si128(a, k[5]);
	a = _mm_aesenc_si128(a, k[6]);
	a = _mm_aesenc_si128(a, k[7]);
	a = _mm_aesenc_si128(a, k[8]);
	a = _mm_aesenc_si128(a, k[9]);
	return _mm_aesenclast_si128(a, k[10]);
}

/* Rounds 1-9 of two whitened blocks side by side (the last is the
 * caller's, which may fold more into its round key). */
TARGET static inline __attribute__((always_inline)) void aes_mid2(const __m128i k[11], __m128i *a, __m128i *b)
{
	AES_ROUND2(1);
	AES_ROUND2(2);
	AES_ROUND2(3);
	AES_ROUND2(4);
	AES_ROUND2(5);
	AES_ROUND2(6);
	AES_ROUND2(7);
	AES_ROUND2(8);
	AES_ROUND2(9);
}

/* Block n (< 16 octets, or 16) of x ^ ks to out; returns the plaintext
 * block as the MAC takes it, zero-padded (RFC 3610 2.2). */
TARGET static inline __attribute__((always_inline)) __m128i last_block(int enc, const uint8_t *in, size_t n,
								     __m128i ks, uint8_t *out)
{
	uint8_t blk[16];
	__m128i x = load_part(in, n), y = _mm_xor_si128(x, ks), p;

	if (n == 16) {
		_mm_storeu_si128((__m128i *)(void *)out, y);
		return enc ? x : y;
	}
	_mm_storeu_si128((__m128i *)(void *)blk, y);
	memcpy(out, blk, n);
	if (enc)
		return x;
	/* The MAC pads the plaintext with zeros, not with keystream. */
	memset(blk + n, 0, 16 - n);
	p = _mm_loadu_si128((const __m128i *)(const void *)blk);
	OPENSSL_cleanse(blk, sizeof(blk));
	return p;
}

/*
 * RFC 3610 2.2 (authentication) and 2.3 (encryption) in one pass. The MAC
 * covers the plaintext, which is in when encrypting and in ^ keystream
 * when decrypting. Each step runs MAC block i and keystream block i+1
 * through the rounds together; the MAC chain is the critical path, so
 * the XORs that feed it (k[0], the next input block) are folded into its
 * last round key, computed off that path (AESENCLAST ends with an XOR of
 * its key). tag receives T ^ first octets of S_0, the MIC as sent.
 * enc is a constant at each (inlined) call.
 */
TARGET static inline __attribute__((always_inline)) void
ccm_pass(const ccm_fast *c, int enc, const uint8_t nonce[13], const uint8_t *aad, size_t aad_len,
	 const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[CCM_FAST_MIC_LEN])
{
	__m128i k[11], mac, s0, ctr, ks, x, p, w, kl;
	uint8_t blk[16];
	size_t nblocks = (len + 15) / 16, i, pos, n;
	int r;

	for (r = 0; r < 11; r++)
		k[r] = _mm_loadu_si128((const __m128i *)(const void *)c->rk[r]);

	/* B_0 = Flags | Nonce N | l(m); A_0 = Flags' | Nonce N | 0. */
	blk[0] = (uint8_t)((aad_len > 0 ? FLAGS_ADATA : 0u) | FLAGS_M | FLAGS_L);
	memcpy(blk + 1, nonce, CCM_FAST_NONCE_LEN);
	blk[14] = (uint8_t)(len >> 8);
	blk[15] = (uint8_t)(len & 0xffu);
	mac = _mm_loadu_si128((const __m128i *)(const void *)blk);
	blk[0] = (uint8_t)FLAGS_L;
	blk[14] = 0;
	blk[15] = 0;
	ctr = _mm_loadu_si128((const __m128i *)(const void *)blk);
	s0 = ctr;
	aes2(k, &mac, &s0);

	/* The AAD: l(a) in two octets, a, zero padding. The last AAD block
	 * goes through AES beside the first keystream block. */
	ks = _mm_setzero_si128();
	if (aad_len > 0) {
		memset(blk, 0, sizeof(blk));
		blk[0] = (uint8_t)(aad_len >> 8);
		blk[1] = (uint8_t)(aad_len & 0xffu);
		n = aad_len < 14 ? aad_len : 14;
		memcpy(blk + 2, aad, n);
		x = _mm_loadu_si128((const __m128i *)(const void *)blk);
		pos = n;
		for (;;) {
			mac = _mm_xor_si128(mac, x);
			if (pos >= aad_len)
				break;
			mac = aes1(k, mac);
			n = aad_len - pos < 16 ? aad_len - pos : 16;
			x = load_part(aad + pos, n);
			pos += n;
		}
		if (nblocks > 0) {
			ks = ctr_block(ctr, 1);
			aes2(k, &mac, &ks);
		} else {
			mac = aes1(k, mac);
		}
	} else if (nblocks > 0) {
		ks = aes1(k, ctr_block(ctr, 1));
	}
	if (nblocks == 0) {
		w = mac;
		goto tag_out;
	}

	/* Block 1; w is the MAC's next AES input, already whitened. */
	n = len < 16 ? len : 16;
	p = last_block(enc, in, n, ks, out);
	w = _mm_xor_si128(_mm_xor_si128(mac, p), k[0]);
	/* Blocks 2 .. nblocks-1, all full: w and the keystream of the block
	 * go through AES together, and the MAC's last round key already
	 * holds k[0] ^ the block read (plaintext, or ciphertext whose
	 * keystream is XORed in after). */
	kl = _mm_xor_si128(k[10], k[0]);
	for (i = 1; i + 1 < nblocks; i++) {
		x = _mm_loadu_si128((const __m128i *)(const void *)(in + 16 * i));
		ctr = ctr_block(ctr, i + 1);
		ks = _mm_xor_si128(ctr, k[0]);
		aes_mid2(k, &w, &ks);
		w = _mm_aesenclast_si128(w, _mm_xor_si128(kl, x));
		ks = _mm_aesenclast_si128(ks, k[10]);
		_mm_storeu_si128((__m128i *)(void *)(out + 16 * i), _mm_xor_si128(x, ks));
		if (!enc)
			w = _mm_xor_si128(w, ks);
	}
	/* The last block, if it is not block 1. */
	if (nblocks > 1) {
		ctr = ctr_block(ctr, nblocks);
		ks = _mm_xor_si128(ctr, k[0]);
		aes_mid2(k, &w, &ks);
		mac = _mm_aesenclast_si128(w, k[10]);
		ks = _mm_aesenclast_si128(ks, k[10]);
		p = last_block(enc, in + 16 * (nblocks - 1), len - 16 * (nblocks - 1), ks, out + 16 * (nblocks - 1));
		w = _mm_xor_si128(_mm_xor_si128(mac, p), k[0]);
	}
	w = aes_rest1(k, w);

tag_out:
	/* U = T ^ first-M-octets(S_0) (RFC 3610 2.3). */
	_mm_storeu_si128((__m128i *)(void *)blk, _mm_xor_si128(w, s0));
	memcpy(tag, blk, CCM_FAST_MIC_LEN);
	OPENSSL_cleanse(blk, sizeof(blk));
}

TARGET static void ccm_pass_enc(const ccm_fast *c, const uint8_t nonce[13], const uint8_t *aad, size_t aad_len,
				const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[CCM_FAST_MIC_LEN])
{
	ccm_pass(c, 1, nonce, aad, aad_len, in, len, out, tag);
}

TARGET static void ccm_pass_dec(const ccm_fast *c, const uint8_t nonce[13], const uint8_t *aad, size_t aad_len,
				const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[CCM_FAST_MIC_LEN])
{
	ccm_pass(c, 0, nonce, aad, aad_len, in, len, out, tag);
}

#else /* no x86: never supported, dot11/crypto.c uses EVP */

struct ccm_fast {
	int unused;
};

int ccm_fast_supported(void)
{
	return 0;
}

ccm_fast *ccm_fast_new(const uint8_t key[16])
{
	(void)key;
	return NULL;
}

void ccm_fast_set_key(ccm_fast *c, const uint8_t key[16])
{
	(void)c;
	(void)key;
}

static void ccm_pass_stub(const ccm_fast *c, const uint8_t nonce[13], const uint8_t *aad, size_t aad_len,
			  const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[CCM_FAST_MIC_LEN])
{
	(void)c;
	(void)nonce;
	(void)aad;
	(void)aad_len;
	(void)in;
	(void)len;
	(void)out;
	memset(tag, 0, CCM_FAST_MIC_LEN);
}

#define ccm_pass_enc ccm_pass_stub
#define ccm_pass_dec ccm_pass_stub

#endif

void ccm_fast_free(ccm_fast *c)
{
	if (c == NULL)
		return;
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

int ccm_fast_encrypt(const ccm_fast *c, const uint8_t nonce[13], const uint8_t *aad, size_t aad_len,
		     const uint8_t *in, size_t len, uint8_t *out, uint8_t mic[8])
{
	if (len > MAX_LEN || aad_len > MAX_AAD)
		return CCM_FAST_EINVAL;
	ccm_pass_enc(c, nonce, aad, aad_len, in, len, out, mic);
	return 0;
}

int ccm_fast_decrypt(const ccm_fast *c, const uint8_t nonce[13], const uint8_t *aad, size_t aad_len,
		     const uint8_t *in, size_t len, const uint8_t mic[8], uint8_t *out)
{
	uint8_t want[CCM_FAST_MIC_LEN];
	int bad;

	if (len > MAX_LEN || aad_len > MAX_AAD)
		return CCM_FAST_EINVAL;
	ccm_pass_dec(c, nonce, aad, aad_len, in, len, out, want);
	bad = CRYPTO_memcmp(want, mic, CCM_FAST_MIC_LEN);
	OPENSSL_cleanse(want, sizeof(want));
	if (bad != 0) {
		OPENSSL_cleanse(out, len);
		return CCM_FAST_EAUTH;
	}
	return 0;
}
