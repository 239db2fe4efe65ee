/*
 * Unit tests for dot11/ccm_fast (AES-128-CCM, M = 8, L = 2, with AES-NI):
 * RFC 3610's packet vector with these parameters, then agreement with
 * OpenSSL's EVP CCM - the portable path dot11/crypto.c falls back to - on
 * random messages and AAD of many lengths (including the empty message,
 * which CCMP never sends but CCM allows), then what decryption must
 * refuse. On a CPU without AES-NI the module is unavailable and these
 * tests are skipped (the EVP path is then the only one).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "dot11/ccm_fast.h"

#define MAX_MSG 2304u /* the largest 802.11 MSDU (9.2.4.7.1 / 9.3.2.1) */

static int skip_unsupported(void)
{
	if (!ccm_fast_supported()) {
		assert_null(ccm_fast_new((const uint8_t[16]){ 0 }));
		return 1;
	}
	return 0;
}

/* A fixed-seed generator (xorshift32) so failures reproduce. */
static void fill_random(uint32_t *s, uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		*s ^= *s << 13;
		*s ^= *s >> 17;
		*s ^= *s << 5;
		p[i] = (uint8_t)(*s & 0xffu);
	}
}

/* OpenSSL's EVP CCM, the reference: 0 or -1 (decryption: MIC failure). */
static int evp_ccm(int enc, const uint8_t key[16], const uint8_t nonce[13], const uint8_t *aad,
		   size_t aad_len, const uint8_t *in, size_t len, uint8_t *out, uint8_t mic[8])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n, ok;

	assert_non_null(ctx);
	assert_int_equal(EVP_CipherInit_ex(ctx, EVP_aes_128_ccm(), NULL, NULL, NULL, enc), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 13, NULL), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 8, enc ? NULL : mic), 1);
	assert_int_equal(EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc), 1);
	assert_int_equal(EVP_CipherUpdate(ctx, NULL, &n, NULL, (int)len), 1);
	if (aad_len > 0)
		assert_int_equal(EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len), 1);
	ok = EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1;
	if (ok && enc) {
		assert_int_equal(EVP_CipherFinal_ex(ctx, out + n, &n), 1);
		assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 8, mic), 1);
	}
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

/*
 * RFC 3610 section 8, Packet Vector #1 (M = 8, L = 2, as CCMP): 8 octets
 * of AAD, 23 of payload. Cross-checked with Python's cryptography AESCCM.
 */
static void test_rfc3610_vector(void **state)
{
	static const uint8_t key[16] = { 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
					 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf };
	static const uint8_t nonce[13] = { 0x00, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
					   0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5 };
	static const uint8_t want[31] = { 0x58, 0x8c, 0x97, 0x9a, 0x61, 0xc6, 0x63, 0xd2, 0xf0, 0x66, 0xd0,
					  0xc2, 0xc0, 0xf9, 0x89, 0x80, 0x6d, 0x5f, 0x6b, 0x61, 0xda, 0xc3,
					  0x84, 0x17, 0xe8, 0xd1, 0x2c, 0xfd, 0xf9, 0x26, 0xe0 };
	uint8_t pkt[31], out[23], mic[8], back[23];
	ccm_fast *c;
	size_t i;

	(void)state;
	if (skip_unsupported())
		skip();
	for (i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)i;
	c = ccm_fast_new(key);
	assert_non_null(c);
	assert_int_equal(ccm_fast_encrypt(c, nonce, pkt, 8, pkt + 8, 23, out, mic), 0);
	assert_memory_equal(out, want, 23);
	assert_memory_equal(mic, want + 23, 8);
	assert_int_equal(ccm_fast_decrypt(c, nonce, pkt, 8, want, 23, want + 23, back), 0);
	assert_memory_equal(back, pkt + 8, 23);
	/* The reference agrees, so the vector is transcribed right. */
	assert_int_equal(evp_ccm(1, key, nonce, pkt, 8, pkt + 8, 23, back, mic), 0);
	assert_memory_equal(back, want, 23);
	assert_memory_equal(mic, want + 23, 8);
	ccm_fast_free(c);
}

/*
 * Byte-identical to EVP in both directions: message lengths around the
 * block size and up to the largest MSDU, AAD lengths from none to past
 * two blocks (CCMP's is 22..30 octets), random content from a fixed seed.
 * One key schedule serves every message, and is replaced mid-way.
 */
static void test_matches_evp(void **state)
{
	static const size_t lens[] = { 0, 1, 15, 16, 17, 31, 32, 33, 100, 1500, 2303, MAX_MSG };
	static const size_t aads[] = { 0, 1, 8, 13, 14, 15, 16, 22, 24, 28, 30, 31, 46, 47 };
	static uint8_t in[MAX_MSG], fast[MAX_MSG], ref[MAX_MSG], back[MAX_MSG];
	uint8_t key[16], nonce[13], aad[64], mic_f[8], mic_r[8];
	uint32_t seed = 0x1d0c0ffe;
	ccm_fast *c;
	size_t li, ai;

	(void)state;
	if (skip_unsupported())
		skip();
	fill_random(&seed, key, sizeof(key));
	c = ccm_fast_new(key);
	assert_non_null(c);
	for (li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
		for (ai = 0; ai < sizeof(aads) / sizeof(aads[0]); ai++) {
			size_t len = lens[li], alen = aads[ai];

			if (li == 6 && ai == 0) {
				fill_random(&seed, key, sizeof(key));
				ccm_fast_set_key(c, key);
			}
			fill_random(&seed, nonce, sizeof(nonce));
			fill_random(&seed, aad, alen);
			fill_random(&seed, in, len);
			assert_int_equal(ccm_fast_encrypt(c, nonce, aad, alen, in, len, fast, mic_f), 0);
			assert_int_equal(evp_ccm(1, key, nonce, aad, alen, in, len, ref, mic_r), 0);
			assert_memory_equal(fast, ref, len);
			assert_memory_equal(mic_f, mic_r, 8);
			/* Each opens the other's output. */
			memset(back, 0xa5, sizeof(back));
			assert_int_equal(ccm_fast_decrypt(c, nonce, aad, alen, ref, len, mic_r, back), 0);
			assert_memory_equal(back, in, len);
			if (len < MAX_MSG)
				assert_int_equal(back[len], 0xa5); /* nothing past len */
			assert_int_equal(evp_ccm(0, key, nonce, aad, alen, fast, len, back, mic_f), 0);
			assert_memory_equal(back, in, len);
		}
	}
	ccm_fast_free(c);
}

/*
 * Past the largest MSDU up to CCM's own limit (L = 2: 65535 octets), so
 * the counter's high octet (block 256 on) and the top bit of its swapped
 * 16-bit lane (block 128, 0x8000) are both crossed, against EVP.
 */
static void test_long_messages(void **state)
{
	static const size_t lens[] = { 2048, 2049, 4096, 4111, 32773, 65535 };
	uint8_t key[16], nonce[13], aad[30], mic_f[8], mic_r[8];
	uint8_t *in, *fast, *ref, *back;
	uint32_t seed = 0x5eed1234;
	ccm_fast *c;
	size_t li;

	(void)state;
	if (skip_unsupported())
		skip();
	in = malloc(65535);
	fast = malloc(65535);
	ref = malloc(65535);
	back = malloc(65535);
	assert_true(in && fast && ref && back);
	fill_random(&seed, key, sizeof(key));
	c = ccm_fast_new(key);
	assert_non_null(c);
	for (li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
		size_t len = lens[li];

		fill_random(&seed, nonce, sizeof(nonce));
		fill_random(&seed, aad, sizeof(aad));
		fill_random(&seed, in, len);
		assert_int_equal(ccm_fast_encrypt(c, nonce, aad, sizeof(aad), in, len, fast, mic_f), 0);
		assert_int_equal(evp_ccm(1, key, nonce, aad, sizeof(aad), in, len, ref, mic_r), 0);
		assert_memory_equal(fast, ref, len);
		assert_memory_equal(mic_f, mic_r, 8);
		assert_int_equal(ccm_fast_decrypt(c, nonce, aad, sizeof(aad), ref, len, mic_r, back), 0);
		assert_memory_equal(back, in, len);
	}
	ccm_fast_free(c);
	free(in);
	free(fast);
	free(ref);
	free(back);
}

/* In place (in == out) gives the same bytes as separate buffers. */
static void test_in_place(void **state)
{
	uint8_t key[16], nonce[13], aad[24], in[77], buf[77], sep[77], mic[8], mic2[8];
	uint32_t seed = 7;
	ccm_fast *c;

	(void)state;
	if (skip_unsupported())
		skip();
	fill_random(&seed, key, sizeof(key));
	fill_random(&seed, nonce, sizeof(nonce));
	fill_random(&seed, aad, sizeof(aad));
	fill_random(&seed, in, sizeof(in));
	c = ccm_fast_new(key);
	assert_non_null(c);
	memcpy(buf, in, sizeof(in));
	assert_int_equal(ccm_fast_encrypt(c, nonce, aad, sizeof(aad), in, sizeof(in), sep, mic), 0);
	assert_int_equal(ccm_fast_encrypt(c, nonce, aad, sizeof(aad), buf, sizeof(buf), buf, mic2), 0);
	assert_memory_equal(buf, sep, sizeof(sep));
	assert_memory_equal(mic, mic2, 8);
	assert_int_equal(ccm_fast_decrypt(c, nonce, aad, sizeof(aad), buf, sizeof(buf), mic, buf), 0);
	assert_memory_equal(buf, in, sizeof(in));
	ccm_fast_free(c);
}

/* Decrypts msg (len octets) after flipping one bit; checks the wipe. */
static int open_flipped(const ccm_fast *c, const uint8_t nonce[13], const uint8_t *aad, size_t alen,
			const uint8_t *ct, size_t len, const uint8_t mic[8], size_t bit)
{
	uint8_t bad[40], badmic[8], nb[13], ab[30], out[40];
	size_t i;
	int ret;

	assert_true(len <= sizeof(bad) && alen <= sizeof(ab));
	memcpy(bad, ct, len);
	memcpy(badmic, mic, 8);
	memcpy(nb, nonce, 13);
	memcpy(ab, aad, alen);
	/* bit indexes ciphertext, then MIC, then nonce, then AAD */
	if (bit < 8 * len)
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	else if ((bit -= 8 * len) < 64)
		badmic[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	else if ((bit -= 64) < 8 * 13)
		nb[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	else
		ab[(bit - 8 * 13) / 8] ^= (uint8_t)(1u << ((bit - 8 * 13) % 8));
	memset(out, 0x33, sizeof(out));
	ret = ccm_fast_decrypt(c, nb, ab, alen, bad, len, badmic, out);
	for (i = 0; i < len && ret != 0; i++)
		assert_int_equal(out[i], 0); /* no unauthenticated plaintext */
	return ret;
}

/* Every bit of ciphertext, MIC, nonce and AAD is covered; a wrong key
 * fails; a failure leaves the key schedule usable. */
static void test_rejects(void **state)
{
	uint8_t key[16], key2[16], nonce[13], aad[30], in[37], ct[37], mic[8], out[37];
	uint32_t seed = 99;
	ccm_fast *c, *other;
	size_t bit, nbits = 8 * (sizeof(ct) + 8 + 13 + sizeof(aad));

	(void)state;
	if (skip_unsupported())
		skip();
	fill_random(&seed, key, sizeof(key));
	fill_random(&seed, key2, sizeof(key2));
	fill_random(&seed, nonce, sizeof(nonce));
	fill_random(&seed, aad, sizeof(aad));
	fill_random(&seed, in, sizeof(in));
	c = ccm_fast_new(key);
	other = ccm_fast_new(key2);
	assert_non_null(c);
	assert_non_null(other);
	assert_int_equal(ccm_fast_encrypt(c, nonce, aad, sizeof(aad), in, sizeof(in), ct, mic), 0);
	for (bit = 0; bit < nbits; bit++)
		assert_int_equal(open_flipped(c, nonce, aad, sizeof(aad), ct, sizeof(ct), mic, bit),
				 CCM_FAST_EAUTH);
	/* The right bytes under another key. */
	memset(out, 0x33, sizeof(out));
	assert_int_equal(ccm_fast_decrypt(other, nonce, aad, sizeof(aad), ct, sizeof(ct), mic, out), CCM_FAST_EAUTH);
	for (bit = 0; bit < sizeof(out); bit++)
		assert_int_equal(out[bit], 0);
	/* Shorter AAD (the same prefix) is another message too. */
	assert_int_equal(ccm_fast_decrypt(c, nonce, aad, sizeof(aad) - 1, ct, sizeof(ct), mic, out), CCM_FAST_EAUTH);
	/* Still good after all that. */
	assert_int_equal(ccm_fast_decrypt(c, nonce, aad, sizeof(aad), ct, sizeof(ct), mic, out), 0);
	assert_memory_equal(out, in, sizeof(in));
	ccm_fast_free(c);
	ccm_fast_free(other);
}

/* The 2-octet length field and AAD encoding bound what is accepted. */
static void test_limits(void **state)
{
	static uint8_t big[65536 + 16];
	uint8_t key[16] = { 1 }, nonce[13] = { 2 }, mic[8];
	ccm_fast *c;

	(void)state;
	if (skip_unsupported())
		skip();
	c = ccm_fast_new(key);
	assert_non_null(c);
	assert_int_equal(ccm_fast_encrypt(c, nonce, NULL, 0, big, 65536, big, mic), CCM_FAST_EINVAL);
	assert_int_equal(ccm_fast_decrypt(c, nonce, NULL, 0, big, 65536, mic, big), CCM_FAST_EINVAL);
	assert_int_equal(ccm_fast_encrypt(c, nonce, big, 0xFF00, big, 1, big + 0xFF00, mic), CCM_FAST_EINVAL);
	/* The largest of each is fine, and matches the reference. */
	{
		static uint8_t out[65535], ref[65535];
		uint8_t mic_r[8];
		uint32_t seed = 5;

		fill_random(&seed, big, 65535);
		assert_int_equal(ccm_fast_encrypt(c, nonce, big, 0xFEFF, big, 65535, out, mic), 0);
		assert_int_equal(evp_ccm(1, key, nonce, big, 0xFEFF, big, 65535, ref, mic_r), 0);
		assert_memory_equal(out, ref, sizeof(out));
		assert_memory_equal(mic, mic_r, 8);
	}
	ccm_fast_free(c);
	ccm_fast_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3610_vector),
		cmocka_unit_test(test_matches_evp),
		cmocka_unit_test(test_long_messages),
		cmocka_unit_test(test_in_place),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
