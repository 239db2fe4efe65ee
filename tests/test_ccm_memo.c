/*
 * Unit tests for dot11/ccm_memo (the world's memo of encrypted CCMP MPDUs)
 * through the engines of dot11/crypto.h, on each CCM implementation the
 * CPU has: a hit gives what a real decryption gives; every single flipped
 * bit of the ciphertext, MIC, AAD (MAC header), nonce (A2, PN) or TK gives
 * exactly what an engine without a memo gives (a miss, then a refusal or,
 * for a validly made variant, the right plaintext); evicted entries miss;
 * one memo serves engines of both directions; its memory is fixed.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "dot11/ccm_memo.h"
#include "dot11/crypto.h"

#define PLAIN_LEN 100u
#define BODY_CAP (DOT11_CCM_MEMO_MAX_PLAIN + 2 * DOT11_CCMP_OVERHEAD + 1024)

/* A ToDS data frame, station 02:..:01 to AP 02:..:aa, and a TK. */
static const uint8_t hdr_up[24] = { 0x08, 0x01, 0x2c, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x02, 0x00,
				    0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x30, 0x12 };
/* The same link, FromDS (the AP to the station). */
static const uint8_t hdr_down[24] = { 0x08, 0x02, 0x2c, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00,
				      0x00, 0x00, 0x00, 0xaa, 0x02, 0x00, 0x00, 0x00, 0x00, 0xaa, 0x40, 0x00 };
static const uint8_t tk0[16] = { 0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
				 0x98, 0xa9, 0xba, 0xcb, 0xdc, 0xed, 0xfe, 0x0f };

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	uint32_t s = 2463534242u ^ seed;

	for (size_t i = 0; i < n; i++) {
		s ^= s << 13;
		s ^= s >> 17;
		s ^= s << 5;
		p[i] = (uint8_t)s;
	}
}

static uint64_t hits_of(const dot11_ccm_memo *m)
{
	uint64_t h;

	dot11_ccm_memo_stats(m, NULL, &h, NULL);
	return h;
}

static uint64_t records_of(const dot11_ccm_memo *m)
{
	uint64_t r;

	dot11_ccm_memo_stats(m, NULL, NULL, &r);
	return r;
}

/* Everything a decryption returns. */
struct result {
	int rc;
	size_t len;
	uint64_t pn;
	int key_id;
	uint8_t out[BODY_CAP];
};

static void decrypt(dot11_ccm *c, const uint8_t tk[16], const uint8_t *hdr, const uint8_t *body, size_t body_len,
		    struct result *r)
{
	memset(r, 0x5a, sizeof(*r));
	r->rc = dot11_ccmp_decrypt_with(c, tk, hdr, 24, body, body_len, &r->pn, &r->key_id, r->out, sizeof(r->out),
					&r->len);
}

static void assert_same_result(const struct result *a, const struct result *b)
{
	assert_int_equal(a->rc, b->rc);
	assert_int_equal(a->len, b->len);
	assert_memory_equal(a->out, b->out, sizeof(a->out));
	assert_true(a->pn == b->pn);
	assert_int_equal(a->key_id, b->key_id);
}

/* The implementations this CPU runs. */
static int impls(int out[2])
{
	int n = 0;
	dot11_ccm *c = dot11_ccm_new_impl(DOT11_CCM_BOTH, DOT11_CCM_IMPL_FAST);

	if (c != NULL)
		out[n++] = DOT11_CCM_IMPL_FAST;
	dot11_ccm_free(c);
	out[n++] = DOT11_CCM_IMPL_PORTABLE;
	return n;
}

struct rig {
	dot11_ccm_memo *m;
	dot11_ccm *tx, *rx, *plain_rx, *plain_tx; /* plain_*: no memo */
};

static void rig_open(struct rig *g, int impl, size_t entries)
{
	g->m = dot11_ccm_memo_new(entries);
	assert_non_null(g->m);
	g->tx = dot11_ccm_new_impl(DOT11_CCM_TX, impl);
	g->rx = dot11_ccm_new_impl(DOT11_CCM_RX, impl);
	g->plain_rx = dot11_ccm_new_impl(DOT11_CCM_RX, impl);
	g->plain_tx = dot11_ccm_new_impl(DOT11_CCM_TX, impl);
	assert_non_null(g->tx);
	assert_non_null(g->rx);
	assert_non_null(g->plain_rx);
	assert_non_null(g->plain_tx);
	dot11_ccm_set_memo(g->tx, g->m);
	dot11_ccm_set_memo(g->rx, g->m);
}

static void rig_close(struct rig *g)
{
	dot11_ccm_free(g->tx);
	dot11_ccm_free(g->rx);
	dot11_ccm_free(g->plain_rx);
	dot11_ccm_free(g->plain_tx);
	dot11_ccm_memo_free(g->m);
}

static size_t encrypt(dot11_ccm *c, const uint8_t tk[16], const uint8_t *hdr, uint64_t pn, int key_id,
		      const uint8_t *plain, size_t len, uint8_t *body)
{
	size_t n = 0;

	assert_int_equal(dot11_ccmp_encrypt_with(c, tk, hdr, 24, pn, key_id, plain, len, body, BODY_CAP, &n), 0);
	assert_int_equal(n, len + DOT11_CCMP_OVERHEAD);
	return n;
}

static void test_hit_equals_real(void **state)
{
	int im[2], n = impls(im);
	static uint8_t plain[PLAIN_LEN], body[BODY_CAP];
	static struct result hit, real;

	(void)state;
	fill(plain, sizeof(plain), 1);
	for (int k = 0; k < n; k++) {
		struct rig g;

		rig_open(&g, im[k], DOT11_CCM_MEMO_DEFAULT_ENTRIES);
		size_t bl = encrypt(g.tx, tk0, hdr_up, 0x0102030405ull, 2, plain, sizeof(plain), body);
		assert_true(records_of(g.m) == 1);
		decrypt(g.rx, tk0, hdr_up, body, bl, &hit);
		assert_true(hits_of(g.m) == 1);
		decrypt(g.plain_rx, tk0, hdr_up, body, bl, &real);
		assert_int_equal(hit.rc, 0);
		assert_int_equal(hit.len, sizeof(plain));
		assert_memory_equal(hit.out, plain, sizeof(plain));
		assert_true(hit.pn == 0x0102030405ull);
		assert_int_equal(hit.key_id, 2);
		assert_same_result(&hit, &real);
		/* A hit leaves the entry: a second receiver hits too. */
		decrypt(g.rx, tk0, hdr_up, body, bl, &hit);
		assert_true(hits_of(g.m) == 2);
		assert_same_result(&hit, &real);
		rig_close(&g);
	}
}

/* The memo itself returns what was recorded, without AES: a put of made-up
 * bytes is handed back verbatim for exactly those inputs. */
static void test_memo_put_get(void **state)
{
	dot11_ccm_memo *m = dot11_ccm_memo_new(2);
	uint8_t nonce[13], aad[30], plain[64], cipher[64], mic[8], out[64];

	(void)state;
	assert_non_null(m);
	fill(nonce, sizeof(nonce), 2);
	fill(aad, sizeof(aad), 3);
	fill(plain, sizeof(plain), 4);
	fill(cipher, sizeof(cipher), 5);
	fill(mic, sizeof(mic), 6);
	dot11_ccm_memo_put(m, tk0, nonce, aad, 22, plain, cipher, sizeof(plain), mic);
	memset(out, 0, sizeof(out));
	assert_int_equal(dot11_ccm_memo_get(m, tk0, nonce, aad, 22, cipher, sizeof(cipher), mic, out), 1);
	assert_memory_equal(out, plain, sizeof(plain));
	/* Another AAD length or message length over the same bytes misses. */
	memset(out, 0, sizeof(out));
	assert_int_equal(dot11_ccm_memo_get(m, tk0, nonce, aad, 24, cipher, sizeof(cipher), mic, out), 0);
	assert_int_equal(dot11_ccm_memo_get(m, tk0, nonce, aad, 22, cipher, sizeof(cipher) - 1, mic, out), 0);
	for (size_t i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 0); /* a miss writes nothing */
	dot11_ccm_memo_free(m);
}

/*
 * Every single bit of TK, nonce (A2 in the header, PN in the CCMP header),
 * AAD (the MAC header), ciphertext and MIC: the memo engine's result is
 * the no-memo engine's, and it misses whenever that bit is a CCM input.
 */
static void test_bit_flips(void **state)
{
	int im[2], n = impls(im);
	static uint8_t plain[PLAIN_LEN], body[BODY_CAP], bad[BODY_CAP], good[BODY_CAP];
	static struct result got, want;
	uint8_t hdr[24], tk[16];

	(void)state;
	fill(plain, sizeof(plain), 7);
	for (int k = 0; k < n; k++) {
		struct rig g;
		const uint64_t pn = 0x00a0b0c0d0e0ull;

		rig_open(&g, im[k], DOT11_CCM_MEMO_DEFAULT_ENTRIES);
		size_t bl = encrypt(g.tx, tk0, hdr_up, pn, 0, plain, sizeof(plain), body);

		/* Ciphertext and MIC: always a miss, always refused. */
		for (size_t bit = 8 * DOT11_CCMP_HDR_LEN; bit < 8 * bl; bit++) {
			uint64_t h = hits_of(g.m);

			memcpy(bad, body, bl);
			bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			decrypt(g.rx, tk0, hdr_up, bad, bl, &got);
			decrypt(g.plain_rx, tk0, hdr_up, bad, bl, &want);
			assert_true(hits_of(g.m) == h);
			assert_int_equal(got.rc, DOT11_CRYPTO_EAUTH);
			assert_same_result(&got, &want);
		}
		/* The CCMP header: the PN bits change the nonce (a miss and a
		 * refusal); Rsvd and Key ID are no CCM input (a hit, with the
		 * same result as a real decryption); no ExtIV is refused. */
		for (size_t bit = 0; bit < 8 * DOT11_CCMP_HDR_LEN; bit++) {
			uint64_t h = hits_of(g.m);
			int pn_bit = bit / 8 != 2 && bit / 8 != 3;

			memcpy(bad, body, bl);
			bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			decrypt(g.rx, tk0, hdr_up, bad, bl, &got);
			decrypt(g.plain_rx, tk0, hdr_up, bad, bl, &want);
			assert_same_result(&got, &want);
			if (pn_bit) {
				assert_true(hits_of(g.m) == h);
				assert_int_equal(got.rc, DOT11_CRYPTO_EAUTH);
				/* Validly made with that PN (not by a memo engine):
				 * a miss, decrypted right. */
				uint64_t pn2 = pn ^ (bit < 16 ? 1ull << bit : 1ull << (bit - 16));
				size_t gl = encrypt(g.plain_tx, tk0, hdr_up, pn2, 0, plain, sizeof(plain), good);
				decrypt(g.rx, tk0, hdr_up, good, gl, &got);
				assert_true(hits_of(g.m) == h);
				assert_int_equal(got.rc, 0);
				assert_true(got.pn == pn2);
				assert_memory_equal(got.out, plain, sizeof(plain));
			}
		}
		/* The MAC header: masked bits (Retry, sequence number, ...) leave
		 * AAD and nonce as they were; any other bit makes a miss. */
		for (size_t bit = 0; bit < 8 * sizeof(hdr); bit++) {
			uint64_t h = hits_of(g.m);

			memcpy(hdr, hdr_up, sizeof(hdr));
			hdr[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			decrypt(g.rx, tk0, hdr, body, bl, &got);
			decrypt(g.plain_rx, tk0, hdr, body, bl, &want);
			assert_same_result(&got, &want);
			if (got.rc != 0) /* refused: the memo must have missed */
				assert_true(hits_of(g.m) == h);
			else
				assert_memory_equal(got.out, plain, sizeof(plain));
			/* Validly made under this header by an engine without the
			 * memo: decrypted right (a hit only when the AAD and nonce
			 * are unchanged, which the real decryption confirms). */
			size_t gl;
			if (dot11_ccmp_encrypt_with(g.plain_tx, tk0, hdr, 24, pn, 0, plain, sizeof(plain), good, BODY_CAP,
						    &gl) != 0)
				continue; /* a header CCMP does not protect */
			decrypt(g.rx, tk0, hdr, good, gl, &got);
			decrypt(g.plain_rx, tk0, hdr, good, gl, &want);
			assert_int_equal(got.rc, 0);
			assert_same_result(&got, &want);
			assert_memory_equal(got.out, plain, sizeof(plain));
		}
		/* The TK: a miss, refused; validly made under that TK: a miss,
		 * decrypted right. */
		for (size_t bit = 0; bit < 128; bit++) {
			uint64_t h = hits_of(g.m);

			memcpy(tk, tk0, sizeof(tk));
			tk[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			decrypt(g.rx, tk, hdr_up, body, bl, &got);
			decrypt(g.plain_rx, tk, hdr_up, body, bl, &want);
			assert_true(hits_of(g.m) == h);
			assert_int_equal(got.rc, DOT11_CRYPTO_EAUTH);
			assert_same_result(&got, &want);
			size_t gl = encrypt(g.plain_tx, tk, hdr_up, pn, 0, plain, sizeof(plain), good);
			decrypt(g.rx, tk, hdr_up, good, gl, &got);
			assert_true(hits_of(g.m) == h);
			assert_int_equal(got.rc, 0);
			assert_memory_equal(got.out, plain, sizeof(plain));
		}
		/* And the original still hits after all that. */
		uint64_t h = hits_of(g.m);
		decrypt(g.rx, tk0, hdr_up, body, bl, &got);
		assert_true(hits_of(g.m) == h + 1);
		assert_int_equal(got.rc, 0);
		assert_memory_equal(got.out, plain, sizeof(plain));
		rig_close(&g);
	}
}

/* Oldest out: with two entries, the first of three MPDUs misses (and is
 * decrypted for real, correctly), the last two hit. */
static void test_eviction(void **state)
{
	int im[2], n = impls(im);
	static uint8_t plain[3][PLAIN_LEN], body[3][BODY_CAP];
	static struct result got;

	(void)state;
	for (int k = 0; k < n; k++) {
		struct rig g;
		size_t bl[3];

		rig_open(&g, im[k], 2);
		for (int i = 0; i < 3; i++) {
			fill(plain[i], PLAIN_LEN, 10u + (unsigned)i);
			bl[i] = encrypt(g.tx, tk0, hdr_up, 100u + (uint64_t)i, 0, plain[i], PLAIN_LEN, body[i]);
		}
		assert_true(records_of(g.m) == 3);
		decrypt(g.rx, tk0, hdr_up, body[0], bl[0], &got);
		assert_true(hits_of(g.m) == 0);
		assert_int_equal(got.rc, 0);
		assert_memory_equal(got.out, plain[0], PLAIN_LEN);
		for (int i = 1; i < 3; i++) {
			decrypt(g.rx, tk0, hdr_up, body[i], bl[i], &got);
			assert_true(hits_of(g.m) == (uint64_t)i);
			assert_int_equal(got.rc, 0);
			assert_memory_equal(got.out, plain[i], PLAIN_LEN);
		}
		/* A fourth evicts the second. */
		encrypt(g.tx, tk0, hdr_up, 103, 0, plain[0], PLAIN_LEN, body[0]);
		decrypt(g.rx, tk0, hdr_up, body[1], bl[1], &got);
		assert_true(hits_of(g.m) == 2);
		assert_memory_equal(got.out, plain[1], PLAIN_LEN);
		decrypt(g.rx, tk0, hdr_up, body[2], bl[2], &got);
		assert_true(hits_of(g.m) == 3);
		rig_close(&g);
	}
}

/*
 * One memo, a station's engine (both directions) and an AP's transmit-only
 * and receive-only engines: uplink and downlink both hit. The memo sits
 * below the direction checks: a transmit-only engine asked to decrypt an
 * MPDU the memo holds is still refused, a receive-only engine asked to
 * encrypt records nothing.
 */
static void test_shared_directions(void **state)
{
	int im[2], n = impls(im);
	static uint8_t plain[PLAIN_LEN], body[BODY_CAP];
	static struct result got;

	(void)state;
	fill(plain, sizeof(plain), 20);
	for (int k = 0; k < n; k++) {
		dot11_ccm_memo *m = dot11_ccm_memo_new(DOT11_CCM_MEMO_DEFAULT_ENTRIES);
		dot11_ccm *sta = dot11_ccm_new_impl(DOT11_CCM_BOTH, im[k]);
		dot11_ccm *ap_tx = dot11_ccm_new_impl(DOT11_CCM_TX, im[k]);
		dot11_ccm *ap_rx = dot11_ccm_new_impl(DOT11_CCM_RX, im[k]);
		size_t bl;

		assert_non_null(m);
		assert_non_null(sta);
		assert_non_null(ap_tx);
		assert_non_null(ap_rx);
		dot11_ccm_set_memo(sta, m);
		dot11_ccm_set_memo(ap_tx, m);
		dot11_ccm_set_memo(ap_rx, m);

		bl = encrypt(sta, tk0, hdr_up, 1, 0, plain, sizeof(plain), body);
		decrypt(ap_rx, tk0, hdr_up, body, bl, &got);
		assert_int_equal(got.rc, 0);
		assert_true(hits_of(m) == 1);
		assert_memory_equal(got.out, plain, sizeof(plain));
		decrypt(ap_tx, tk0, hdr_up, body, bl, &got);
		assert_int_equal(got.rc, DOT11_CRYPTO_EINVAL);
		assert_true(hits_of(m) == 1);

		bl = encrypt(ap_tx, tk0, hdr_down, 1, 0, plain, sizeof(plain), body);
		decrypt(sta, tk0, hdr_down, body, bl, &got);
		assert_int_equal(got.rc, 0);
		assert_true(hits_of(m) == 2);
		assert_memory_equal(got.out, plain, sizeof(plain));
		/* The downlink MPDU under the uplink's header: another AAD and
		 * nonce, a miss, refused. */
		decrypt(ap_rx, tk0, hdr_up, body, bl, &got);
		assert_int_equal(got.rc, DOT11_CRYPTO_EAUTH);
		assert_true(hits_of(m) == 2);

		uint64_t r = records_of(m);
		size_t out_len;
		assert_int_equal(dot11_ccmp_encrypt_with(ap_rx, tk0, hdr_up, 24, 2, 0, plain, sizeof(plain), body, BODY_CAP,
							 &out_len),
				 DOT11_CRYPTO_EINVAL);
		assert_true(records_of(m) == r);
		dot11_ccm_free(sta);
		dot11_ccm_free(ap_tx);
		dot11_ccm_free(ap_rx);
		dot11_ccm_memo_free(m);
	}
}

/* Memory is allocated once and bounded; an MPDU above the entry size is
 * not recorded (and is still decrypted right). */
static void test_bounded(void **state)
{
	static uint8_t plain[DOT11_CCM_MEMO_MAX_PLAIN + 1], body[BODY_CAP];
	static struct result got;
	dot11_ccm_memo *m;
	dot11_ccm *tx = dot11_ccm_new_dir(DOT11_CCM_TX), *rx = dot11_ccm_new_dir(DOT11_CCM_RX);
	size_t size, bl;

	(void)state;
	assert_null(dot11_ccm_memo_new(0));
	assert_null(dot11_ccm_memo_new(DOT11_CCM_MEMO_MAX_ENTRIES + 1));
	m = dot11_ccm_memo_new(DOT11_CCM_MEMO_DEFAULT_ENTRIES);
	assert_non_null(m);
	size = dot11_ccm_memo_size(m);
	/* Two copies of the largest MPDU per entry and a little more. */
	assert_true(size >= DOT11_CCM_MEMO_DEFAULT_ENTRIES * 2 * DOT11_CCM_MEMO_MAX_PLAIN);
	assert_true(size <= DOT11_CCM_MEMO_DEFAULT_ENTRIES * (2 * DOT11_CCM_MEMO_MAX_PLAIN + 256) + 256);
	assert_true(size <= 160 * 1024);
	dot11_ccm_set_memo(tx, m);
	dot11_ccm_set_memo(rx, m);
	fill(plain, sizeof(plain), 30);
	for (uint64_t pn = 1; pn <= 100; pn++)
		encrypt(tx, tk0, hdr_up, pn, 0, plain, DOT11_CCM_MEMO_MAX_PLAIN, body);
	assert_true(records_of(m) == 100);
	assert_true(dot11_ccm_memo_size(m) == size);
	decrypt(rx, tk0, hdr_up, body, DOT11_CCM_MEMO_MAX_PLAIN + DOT11_CCMP_OVERHEAD, &got);
	assert_true(hits_of(m) == 1);
	assert_memory_equal(got.out, plain, DOT11_CCM_MEMO_MAX_PLAIN);

	bl = encrypt(tx, tk0, hdr_up, 101, 0, plain, sizeof(plain), body);
	assert_true(records_of(m) == 100);
	decrypt(rx, tk0, hdr_up, body, bl, &got);
	assert_true(hits_of(m) == 1);
	assert_int_equal(got.rc, 0);
	assert_memory_equal(got.out, plain, sizeof(plain));
	dot11_ccm_free(tx);
	dot11_ccm_free(rx);
	dot11_ccm_memo_free(m);
	dot11_ccm_memo_free(NULL);
}

/*
 * The bucket index over many entries: with 300 entries (not a power of
 * two, so buckets and entries differ) and 1000 records, exactly the last
 * 300 are found, each with its own plaintext, and every older one misses
 * although the chains it sat in were relinked as entries were replaced.
 * Lookups with the same TK, nonce, MIC and lengths but one ciphertext
 * octet off (same hash, same bucket) check that the hash never decides.
 */
static void test_index(void **state)
{
	enum { ENTRIES = 300, RECORDS = 1000, LEN = 40 };
	dot11_ccm_memo *m = dot11_ccm_memo_new(ENTRIES);
	uint8_t nonce[13], aad[22], plain[LEN], cipher[LEN], mic[8], out[LEN];

	(void)state;
	assert_non_null(m);
	assert_true(dot11_ccm_memo_size(m) >= (size_t)ENTRIES * 2 * DOT11_CCM_MEMO_MAX_PLAIN);
	fill(aad, sizeof(aad), 7);
	fill(mic, sizeof(mic), 8);
	for (uint32_t r = 0; r < RECORDS; r++) {
		memset(nonce, 0, sizeof(nonce));
		memcpy(nonce, &r, sizeof(r));
		fill(plain, sizeof(plain), 1000u + r);
		fill(cipher, sizeof(cipher), 5000u + r);
		dot11_ccm_memo_put(m, tk0, nonce, aad, sizeof(aad), plain, cipher, LEN, mic);
	}
	for (uint32_t r = 0; r < RECORDS; r++) {
		uint8_t want[LEN];

		memset(nonce, 0, sizeof(nonce));
		memcpy(nonce, &r, sizeof(r));
		fill(want, sizeof(want), 1000u + r);
		fill(cipher, sizeof(cipher), 5000u + r);
		memset(out, 0, sizeof(out));
		assert_int_equal(dot11_ccm_memo_get(m, tk0, nonce, aad, sizeof(aad), cipher, LEN, mic, out),
				 r >= RECORDS - ENTRIES);
		if (r >= RECORDS - ENTRIES)
			assert_memory_equal(out, want, LEN);
		/* Same hash inputs, one ciphertext octet off: a miss. */
		cipher[LEN - 1] ^= 1;
		assert_int_equal(dot11_ccm_memo_get(m, tk0, nonce, aad, sizeof(aad), cipher, LEN, mic, out), 0);
	}
	assert_true(hits_of(m) == ENTRIES);
	assert_true(records_of(m) == RECORDS);
	dot11_ccm_memo_free(m);
	/* A world's size grows with its radios, within the bounds. */
	assert_int_equal(dot11_ccm_memo_entries_for(0), DOT11_CCM_MEMO_DEFAULT_ENTRIES);
	assert_int_equal(dot11_ccm_memo_entries_for(104),
			 DOT11_CCM_MEMO_DEFAULT_ENTRIES + 104 * DOT11_CCM_MEMO_ENTRIES_PER_RADIO);
	assert_int_equal(dot11_ccm_memo_entries_for(1000000), DOT11_CCM_MEMO_MAX_ENTRIES);
}

static void test_switch(void **state)
{
	(void)state;
	assert_int_equal(setenv("LINKRIG_CCM_MEMO", "0", 1), 0);
	assert_int_equal(dot11_ccm_memo_enabled(), 0);
	assert_int_equal(setenv("LINKRIG_CCM_MEMO", "1", 1), 0);
	assert_int_equal(dot11_ccm_memo_enabled(), 1);
	assert_int_equal(unsetenv("LINKRIG_CCM_MEMO"), 0);
	assert_int_equal(dot11_ccm_memo_enabled(), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit_equals_real),  cmocka_unit_test(test_memo_put_get),
		cmocka_unit_test(test_bit_flips),        cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_shared_directions), cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_index),            cmocka_unit_test(test_switch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
