/* dot11/sae.c - see sae.h. Clause numbers are IEEE 802.11-2020's. */
#include "dot11/sae.h"
#include "dot11/akm.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#define PRIME_LEN 32u
#define HP_ROUNDS 40 /* 12.4.4.2.2: k, "at least 40" */
#define EID_EXTENSION 255
#define EID_EXT_PASSWORD_IDENTIFIER 33

struct dot11_sae {
	EC_GROUP *g;
	BN_CTX *bn;
	BIGNUM *p, *a, *b, *r;
	EC_POINT *pwe;
	BIGNUM *rand, *mask;
	BIGNUM *scalar, *peer_scalar;
	EC_POINT *element, *peer_element;
	char identifier[256];
	int have_commit, have_peer, confirmed;
	uint8_t kck[DOT11_SAE_KCK_LEN], pmk[DOT11_SAE_PMK_LEN], pmkid[DOT11_SAE_PMKID_LEN];
};

static int hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *a, size_t an,
		       const uint8_t *b, size_t bn, uint8_t out[32])
{
	uint8_t msg[600];
	if (an + bn > sizeof msg)
		return DOT11_SAE_EINVAL;
	memcpy(msg, a, an);
	if (bn)
		memcpy(msg + an, b, bn);
	unsigned int n = 0;
	int ok = HMAC(EVP_sha256(), key, (int)key_len, msg, an + bn, out, &n) && n == 32;
	OPENSSL_cleanse(msg, sizeof msg);
	return ok ? 0 : DOT11_SAE_ELIB;
}

void dot11_sae_free(dot11_sae *s)
{
	if (!s)
		return;
	EC_POINT_free(s->pwe);
	EC_POINT_free(s->element);
	EC_POINT_free(s->peer_element);
	BN_clear_free(s->rand);
	BN_clear_free(s->mask);
	BN_free(s->scalar);
	BN_free(s->peer_scalar);
	BN_free(s->p);
	BN_free(s->a);
	BN_free(s->b);
	BN_free(s->r);
	BN_CTX_free(s->bn);
	EC_GROUP_free(s->g);
	OPENSSL_cleanse(s, sizeof *s);
	free(s);
}

/* Is v a quadratic residue mod p (Euler's criterion)? v = x^3 + ax + b. */
static int is_qr(dot11_sae *s, const BIGNUM *x, BIGNUM *rhs)
{
	BIGNUM *t = BN_CTX_get(s->bn), *e = BN_CTX_get(s->bn);
	if (!t || !e)
		return -1;
	/* rhs = x^3 + a x + b mod p */
	if (!BN_mod_sqr(t, x, s->p, s->bn) || !BN_mod_mul(t, t, x, s->p, s->bn) ||
	    !BN_mod_mul(rhs, s->a, x, s->p, s->bn) || !BN_mod_add(rhs, rhs, t, s->p, s->bn) ||
	    !BN_mod_add(rhs, rhs, s->b, s->p, s->bn))
		return -1;
	if (BN_is_zero(rhs))
		return 0;
	if (!BN_copy(e, s->p) || !BN_sub_word(e, 1) || !BN_rshift1(e, e) ||
	    !BN_mod_exp(t, rhs, e, s->p, s->bn))
		return -1;
	return BN_is_one(t);
}

/* 12.4.4.2.2: hunting and pecking for the password element. */
static int derive_pwe(dot11_sae *s, const uint8_t own[6], const uint8_t peer[6],
		      const char *password, const char *identifier)
{
	uint8_t macs[12], base[512], seed[32], saved[32], prime[PRIME_LEN], val[PRIME_LEN];
	const uint8_t *hi = memcmp(own, peer, 6) > 0 ? own : peer;
	const uint8_t *lo = hi == own ? peer : own;
	memcpy(macs, hi, 6);
	memcpy(macs + 6, lo, 6);
	size_t pl = strlen(password), il = identifier ? strlen(identifier) : 0;
	if (pl + il + 1 > sizeof base)
		return DOT11_SAE_EINVAL;
	memcpy(base, password, pl);
	if (il)
		memcpy(base + pl, identifier, il);
	if (BN_bn2binpad(s->p, prime, PRIME_LEN) != (int)PRIME_LEN)
		return DOT11_SAE_ELIB;

	BN_CTX_start(s->bn);
	BIGNUM *x = BN_CTX_get(s->bn), *v = BN_CTX_get(s->bn), *rhs = BN_CTX_get(s->bn);
	int rc = DOT11_SAE_ELIB, found = 0;
	if (!v)
		goto out;
	/* Every round runs whatever was found, as the clause requires. */
	for (int counter = 1; counter <= HP_ROUNDS; counter++) {
		base[pl + il] = (uint8_t)counter;
		if (hmac_sha256(macs, sizeof macs, base, pl + il + 1, NULL, 0, seed) ||
		    dot11_kdf_sha256(seed, sizeof seed, "SAE Hunting and Pecking", prime, PRIME_LEN,
			       val, PRIME_LEN * 8))
			goto out;
		if (!BN_bin2bn(val, PRIME_LEN, v))
			goto out;
		if (BN_cmp(v, s->p) >= 0)
			continue;
		int qr = is_qr(s, v, rhs);
		if (qr < 0)
			goto out;
		if (qr && !found) {
			if (!BN_copy(x, v))
				goto out;
			memcpy(saved, seed, sizeof seed);
			found = 1;
		}
	}
	if (!found) {
		rc = DOT11_SAE_EINVAL;
		goto out;
	}
	/* y with the parity of the saved seed's last bit (LSB(save) = LSB(y)). */
	s->pwe = EC_POINT_new(s->g);
	if (s->pwe && EC_POINT_set_compressed_coordinates(s->g, s->pwe, x, saved[31] & 1, s->bn))
		rc = 0;
out:
	BN_CTX_end(s->bn);
	OPENSSL_cleanse(base, sizeof base);
	OPENSSL_cleanse(seed, sizeof seed);
	OPENSSL_cleanse(saved, sizeof saved);
	return rc;
}

dot11_sae *dot11_sae_new(const uint8_t own[6], const uint8_t peer[6],
			 const char *password, const char *identifier)
{
	if (!own || !peer || !password || !*password || strlen(password) > 255 ||
	    (identifier && strlen(identifier) > 250))
		return NULL;
	dot11_sae *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	s->bn = BN_CTX_new();
	s->p = BN_new();
	s->a = BN_new();
	s->b = BN_new();
	s->r = BN_new();
	if (!s->g || !s->bn || !s->p || !s->a || !s->b || !s->r ||
	    !EC_GROUP_get_curve(s->g, s->p, s->a, s->b, s->bn) ||
	    !EC_GROUP_get_order(s->g, s->r, s->bn) ||
	    derive_pwe(s, own, peer, password, identifier) != 0) {
		dot11_sae_free(s);
		return NULL;
	}
	if (identifier)
		snprintf(s->identifier, sizeof s->identifier, "%s", identifier);
	return s;
}

int dot11_sae_set_rand_mask(dot11_sae *s, const uint8_t rand[32], const uint8_t mask[32])
{
	if (!s)
		return DOT11_SAE_EINVAL;
	BN_clear_free(s->rand);
	BN_clear_free(s->mask);
	s->rand = BN_bin2bn(rand, 32, NULL);
	s->mask = BN_bin2bn(mask, 32, NULL);
	if (!s->rand || !s->mask)
		return DOT11_SAE_ELIB;
	/* Any 32 octets will do (a simulation's random stream): reduced into
	 * [2, r) as 12.4.5.2 draws them. Values already there are kept as
	 * given (the known-answer test). */
	BIGNUM *range = BN_new();
	int ok = range && BN_copy(range, s->r) && BN_sub_word(range, 2);
	for (int i = 0; ok && i < 2; i++) {
		BIGNUM *v = i ? s->mask : s->rand;
		if (BN_cmp(v, s->r) >= 0 || BN_cmp(v, BN_value_one()) <= 0)
			ok = BN_mod(v, v, range, s->bn) && BN_add_word(v, 2);
	}
	BN_free(range);
	return ok ? 0 : DOT11_SAE_ELIB;
}

/* 12.4.5.2: scalar = (rand + mask) mod r, element = inverse(mask * PWE);
 * rand and mask drawn from [2, r) until the scalar is at least 2. */
static int make_commit(dot11_sae *s)
{
	if (s->have_commit)
		return 0;
	for (int tries = 0; tries < 16; tries++) {
		if (!s->rand || !s->mask || tries > 0) {
			BN_clear_free(s->rand);
			BN_clear_free(s->mask);
			s->rand = BN_new();
			s->mask = BN_new();
			BIGNUM *range = BN_new();
			int ok = s->rand && s->mask && range && BN_copy(range, s->r) &&
				 BN_sub_word(range, 2) && BN_rand_range(s->rand, range) &&
				 BN_add_word(s->rand, 2) && BN_rand_range(s->mask, range) &&
				 BN_add_word(s->mask, 2);
			BN_free(range);
			if (!ok)
				return DOT11_SAE_ELIB;
		}
		if (!s->scalar)
			s->scalar = BN_new();
		if (!s->scalar || !BN_mod_add(s->scalar, s->rand, s->mask, s->r, s->bn))
			return DOT11_SAE_ELIB;
		if (BN_cmp(s->scalar, BN_value_one()) > 0)
			break;
	}
	s->element = EC_POINT_new(s->g);
	if (!s->element || !EC_POINT_mul(s->g, s->element, NULL, s->pwe, s->mask, s->bn) ||
	    !EC_POINT_invert(s->g, s->element, s->bn))
		return DOT11_SAE_ELIB;
	s->have_commit = 1;
	return 0;
}

static int put_element(const dot11_sae *s, const EC_POINT *pt, uint8_t out[64])
{
	uint8_t buf[65];
	if (EC_POINT_point2oct(s->g, pt, POINT_CONVERSION_UNCOMPRESSED, buf, sizeof buf, s->bn) != 65)
		return DOT11_SAE_ELIB;
	memcpy(out, buf + 1, 64);
	return 0;
}

int dot11_sae_write_commit(dot11_sae *s, const uint8_t *token, size_t token_len,
			   uint8_t *out, size_t cap, size_t *len)
{
	if (!s || !out || !len || token_len > 128)
		return DOT11_SAE_EINVAL;
	int rc = make_commit(s);
	if (rc)
		return rc;
	size_t il = strlen(s->identifier);
	size_t n = 2 + token_len + 32 + 64 + (il ? 3 + il : 0);
	if (n > cap)
		return DOT11_SAE_ENOSPC;
	out[0] = DOT11_SAE_GROUP_19;
	out[1] = 0;
	if (token_len)
		memcpy(out + 2, token, token_len);
	uint8_t *p = out + 2 + token_len;
	if (BN_bn2binpad(s->scalar, p, 32) != 32 || put_element(s, s->element, p + 32))
		return DOT11_SAE_ELIB;
	if (il) {
		/* 9.4.2.215: Password Identifier element. */
		p[96] = EID_EXTENSION;
		p[97] = (uint8_t)(1 + il);
		p[98] = EID_EXT_PASSWORD_IDENTIFIER;
		memcpy(p + 99, s->identifier, il);
	}
	*len = n;
	return 0;
}

static int derive_keys(dot11_sae *s)
{
	int rc = DOT11_SAE_ELIB;
	BN_CTX_start(s->bn);
	BIGNUM *sum = BN_CTX_get(s->bn), *kx = BN_CTX_get(s->bn);
	EC_POINT *K = EC_POINT_new(s->g);
	uint8_t k[32], keyseed[32], ctx[32], kp[64];
	static const uint8_t zero[32];
	if (!kx || !K)
		goto out;
	/* K = rand * (peer-scalar * PWE + PEER-ELEMENT) */
	if (!EC_POINT_mul(s->g, K, NULL, s->pwe, s->peer_scalar, s->bn) ||
	    !EC_POINT_add(s->g, K, K, s->peer_element, s->bn) ||
	    !EC_POINT_mul(s->g, K, NULL, K, s->rand, s->bn))
		goto out;
	if (EC_POINT_is_at_infinity(s->g, K)) {
		rc = DOT11_SAE_EINVAL;
		goto out;
	}
	if (!EC_POINT_get_affine_coordinates(s->g, K, kx, NULL, s->bn) ||
	    BN_bn2binpad(kx, k, 32) != 32 ||
	    !BN_mod_add(sum, s->scalar, s->peer_scalar, s->r, s->bn) ||
	    BN_bn2binpad(sum, ctx, 32) != 32)
		goto out;
	if (hmac_sha256(zero, sizeof zero, k, sizeof k, NULL, 0, keyseed) ||
	    dot11_kdf_sha256(keyseed, sizeof keyseed, "SAE KCK and PMK", ctx, sizeof ctx, kp, 512))
		goto out;
	memcpy(s->kck, kp, 32);
	memcpy(s->pmk, kp + 32, 32);
	memcpy(s->pmkid, ctx, 16);
	rc = 0;
out:
	OPENSSL_cleanse(k, sizeof k);
	OPENSSL_cleanse(keyseed, sizeof keyseed);
	OPENSSL_cleanse(kp, sizeof kp);
	EC_POINT_clear_free(K);
	BN_CTX_end(s->bn);
	return rc;
}

int dot11_sae_process_commit(dot11_sae *s, const uint8_t *body, size_t len,
			     size_t expect_token_len)
{
	if (!s || !body)
		return DOT11_SAE_EINVAL;
	if (len < 2)
		return DOT11_SAE_EINVAL;
	uint16_t group = (uint16_t)(body[0] | (body[1] << 8));
	if (group != DOT11_SAE_GROUP_19)
		return DOT11_SAE_EGROUP;
	size_t off = 2 + expect_token_len;
	if (len < off + 96)
		return DOT11_SAE_EINVAL;
	/* Anything after the element must be well-formed elements (the
	 * Password Identifier, 12.4.5.3): check the framing only. */
	for (size_t e = off + 96; e < len;) {
		if (len - e < 2 || (size_t)body[e + 1] + 2 > len - e)
			return DOT11_SAE_EINVAL;
		e += 2 + body[e + 1];
	}
	int rc = make_commit(s);
	if (rc)
		return rc;
	BIGNUM *ps = BN_bin2bn(body + off, 32, NULL);
	EC_POINT *pe = EC_POINT_new(s->g);
	uint8_t oct[65];
	oct[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(oct + 1, body + off + 32, 64);
	rc = DOT11_SAE_EINVAL;
	/* 12.4.5.4: 1 < scalar < r, and the element a point of the curve. */
	if (!ps || !pe || BN_cmp(ps, BN_value_one()) <= 0 || BN_cmp(ps, s->r) >= 0 ||
	    !EC_POINT_oct2point(s->g, pe, oct, sizeof oct, s->bn) ||
	    EC_POINT_is_on_curve(s->g, pe, s->bn) != 1 || EC_POINT_is_at_infinity(s->g, pe))
		goto bad;
	/* 12.4.8.6.4: our own commit coming back is a reflection attack. */
	if (BN_cmp(ps, s->scalar) == 0 && EC_POINT_cmp(s->g, pe, s->element, s->bn) == 0) {
		rc = DOT11_SAE_EREFLECT;
		goto bad;
	}
	BN_free(s->peer_scalar);
	EC_POINT_free(s->peer_element);
	s->peer_scalar = ps;
	s->peer_element = pe;
	s->have_peer = 1;
	s->confirmed = 0;
	return derive_keys(s);
bad:
	BN_free(ps);
	EC_POINT_free(pe);
	return rc;
}

/* 12.4.5.5: CN(KCK, send-confirm, scalar, element, peer scalar, peer element). */
static int confirm_value(dot11_sae *s, uint16_t sc, int ours, uint8_t out[32])
{
	uint8_t m[2 + 2 * 96];
	m[0] = (uint8_t)sc;
	m[1] = (uint8_t)(sc >> 8);
	const BIGNUM *s1 = ours ? s->scalar : s->peer_scalar, *s2 = ours ? s->peer_scalar : s->scalar;
	const EC_POINT *e1 = ours ? s->element : s->peer_element, *e2 = ours ? s->peer_element : s->element;
	if (BN_bn2binpad(s1, m + 2, 32) != 32 || put_element(s, e1, m + 34) ||
	    BN_bn2binpad(s2, m + 98, 32) != 32 || put_element(s, e2, m + 130))
		return DOT11_SAE_ELIB;
	return hmac_sha256(s->kck, sizeof s->kck, m, sizeof m, NULL, 0, out);
}

int dot11_sae_write_confirm(dot11_sae *s, uint16_t send_confirm, uint8_t *out, size_t cap, size_t *len)
{
	if (!s || !out || !len || !s->have_peer)
		return DOT11_SAE_EINVAL;
	if (cap < DOT11_SAE_CONFIRM_LEN)
		return DOT11_SAE_ENOSPC;
	out[0] = (uint8_t)send_confirm;
	out[1] = (uint8_t)(send_confirm >> 8);
	int rc = confirm_value(s, send_confirm, 1, out + 2);
	if (rc == 0)
		*len = DOT11_SAE_CONFIRM_LEN;
	return rc;
}

int dot11_sae_check_confirm(dot11_sae *s, const uint8_t *body, size_t len)
{
	if (!s || !body || !s->have_peer || len < DOT11_SAE_CONFIRM_LEN)
		return DOT11_SAE_EINVAL;
	uint8_t want[32];
	int rc = confirm_value(s, (uint16_t)(body[0] | (body[1] << 8)), 0, want);
	if (rc)
		return rc;
	if (CRYPTO_memcmp(want, body + 2, 32) != 0)
		return DOT11_SAE_EAUTH;
	s->confirmed = 1;
	return 0;
}

int dot11_sae_keys(const dot11_sae *s, uint8_t pmk[DOT11_SAE_PMK_LEN],
		   uint8_t pmkid[DOT11_SAE_PMKID_LEN], uint8_t kck[DOT11_SAE_KCK_LEN])
{
	if (!s || !s->have_peer)
		return DOT11_SAE_EINVAL;
	if (pmk)
		memcpy(pmk, s->pmk, DOT11_SAE_PMK_LEN);
	if (pmkid)
		memcpy(pmkid, s->pmkid, DOT11_SAE_PMKID_LEN);
	if (kck)
		memcpy(kck, s->kck, DOT11_SAE_KCK_LEN);
	return 0;
}

int dot11_sae_parse_token_request(const uint8_t *body, size_t len, uint16_t *group,
				  const uint8_t **token, size_t *token_len)
{
	if (!body || len < 3 || len > 2 + 256)
		return DOT11_SAE_EINVAL;
	if (group)
		*group = (uint16_t)(body[0] | (body[1] << 8));
	if (token)
		*token = body + 2;
	if (token_len)
		*token_len = len - 2;
	return 0;
}
