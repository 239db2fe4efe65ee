/* dot11/bip.c - see bip.h. Clause numbers are IEEE 802.11-2020's. */
#include "dot11/bip.h"
#include "dot11/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <string.h>

#define HDR_LEN 24u
#define FC_MASK_BITS 0x38 /* Retry, Pwr Mgt, More Data in FC octet 1 */

int bip_aes_cmac(const uint8_t key[BIP_IGTK_LEN], const uint8_t *a, size_t an,
		 const uint8_t *b, size_t bn, uint8_t out[16])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	EVP_MAC_CTX *c = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *)"AES-128-CBC", 0),
		OSSL_PARAM_construct_end(),
	};
	size_t n = 0;
	int ok = c && EVP_MAC_init(c, key, BIP_IGTK_LEN, params) &&
		 EVP_MAC_update(c, a, an) && EVP_MAC_update(c, b, bn) &&
		 EVP_MAC_final(c, out, &n, 16) && n == 16;
	EVP_MAC_CTX_free(c);
	EVP_MAC_free(mac);
	return ok ? 0 : BIP_ELIB;
}

/* 12.5.4.3: AAD = FC (masked) | A1 | A2 | A3. */
static void aad(const uint8_t *frame, uint8_t out[20])
{
	out[0] = frame[0];
	out[1] = (uint8_t)(frame[1] & ~FC_MASK_BITS);
	memcpy(out + 2, frame + 4, 18);
}

static int mic_over(const uint8_t igtk[BIP_IGTK_LEN], const uint8_t *frame, size_t len,
		    uint8_t mic[8])
{
	/* The body with the MME's MIC field zero: the last 8 octets. */
	uint8_t body[2304 + BIP_MME_LEN];
	size_t bl = len - HDR_LEN;
	if (bl > sizeof body)
		return BIP_EINVAL;
	memcpy(body, frame + HDR_LEN, bl);
	memset(body + bl - 8, 0, 8);
	uint8_t a[20], full[16];
	aad(frame, a);
	int rc = bip_aes_cmac(igtk, a, sizeof a, body, bl, full);
	if (rc == 0)
		memcpy(mic, full, 8);
	return rc;
}

int bip_protect(const uint8_t igtk[BIP_IGTK_LEN], uint16_t key_id, uint64_t ipn,
		uint8_t *frame, size_t len, size_t cap, size_t *out_len)
{
	if (!igtk || !frame || !out_len || len < HDR_LEN || ipn > 0xFFFFFFFFFFFFull ||
	    (key_id != 4 && key_id != 5)) /* 12.7.2: IGTK key IDs are 4 and 5 */
		return BIP_EINVAL;
	if (cap < len + BIP_MME_LEN || len + BIP_MME_LEN - HDR_LEN > 2304 + BIP_MME_LEN)
		return BIP_ENOSPC;
	uint8_t *m = frame + len;
	m[0] = DOT11_EID_MME;
	m[1] = 16;
	m[2] = (uint8_t)key_id;
	m[3] = (uint8_t)(key_id >> 8);
	for (int i = 0; i < 6; i++)
		m[4 + i] = (uint8_t)(ipn >> (8 * i));
	memset(m + 10, 0, 8);
	size_t n = len + BIP_MME_LEN;
	int rc = mic_over(igtk, frame, n, m + 10);
	if (rc == 0)
		*out_len = n;
	return rc;
}

int bip_verify(const uint8_t igtk[BIP_IGTK_LEN], uint16_t key_id, uint64_t *last_ipn,
	       const uint8_t *frame, size_t len)
{
	if (!igtk || !frame || !last_ipn || len < HDR_LEN + BIP_MME_LEN)
		return BIP_EINVAL;
	const uint8_t *m = frame + len - BIP_MME_LEN;
	if (m[0] != DOT11_EID_MME || m[1] != 16)
		return BIP_EINVAL;
	if ((uint16_t)(m[2] | (m[3] << 8)) != key_id)
		return BIP_EAUTH;
	uint64_t ipn = 0;
	for (int i = 5; i >= 0; i--)
		ipn = (ipn << 8) | m[4 + i];
	if (ipn <= *last_ipn)
		return BIP_EREPLAY;
	uint8_t want[8];
	int rc = mic_over(igtk, frame, len, want);
	if (rc)
		return rc;
	if (CRYPTO_memcmp(want, m + 10, 8) != 0)
		return BIP_EAUTH;
	*last_ipn = ipn;
	return 0;
}

int dot11_sa_query_build(uint8_t *body, size_t cap, int action,
			 const uint8_t id[DOT11_SA_QUERY_ID_LEN], size_t *len)
{
	if (!body || !id || !len || (action != DOT11_SA_QUERY_REQUEST && action != DOT11_SA_QUERY_RESPONSE))
		return BIP_EINVAL;
	if (cap < 4)
		return BIP_ENOSPC;
	body[0] = DOT11_ACTION_CATEGORY_SA_QUERY;
	body[1] = (uint8_t)action;
	body[2] = id[0];
	body[3] = id[1];
	*len = 4;
	return 0;
}

int dot11_sa_query_parse(const uint8_t *body, size_t len, int *action,
			 uint8_t id[DOT11_SA_QUERY_ID_LEN])
{
	if (!body || len < 4 || body[0] != DOT11_ACTION_CATEGORY_SA_QUERY ||
	    (body[1] != DOT11_SA_QUERY_REQUEST && body[1] != DOT11_SA_QUERY_RESPONSE))
		return BIP_EINVAL;
	if (action)
		*action = body[1];
	if (id) {
		id[0] = body[2];
		id[1] = body[3];
	}
	return 0;
}

int dot11_kde_build_igtk(uint8_t *buf, size_t cap, uint16_t key_id, uint64_t ipn,
                         const uint8_t igtk[BIP_IGTK_LEN])
{
	if (!buf || !igtk || (key_id != 4 && key_id != 5))
		return BIP_EINVAL;
	if (cap < 2 + 4 + 2 + 6 + BIP_IGTK_LEN)
		return BIP_ENOSPC;
	buf[0] = 0xdd;
	buf[1] = 4 + 2 + 6 + BIP_IGTK_LEN;
	buf[2] = 0x00;
	buf[3] = 0x0f;
	buf[4] = 0xac;
	buf[5] = 9;
	buf[6] = (uint8_t)key_id;
	buf[7] = (uint8_t)(key_id >> 8);
	for (int i = 0; i < 6; i++)
		buf[8 + i] = (uint8_t)(ipn >> (8 * i));
	memcpy(buf + 14, igtk, BIP_IGTK_LEN);
	return 2 + buf[1];
}

int dot11_key_data_find_igtk(const uint8_t *kd, size_t len, uint16_t *key_id, uint64_t *ipn,
                             uint8_t igtk[BIP_IGTK_LEN])
{
	for (size_t off = 0; kd && off + 2 <= len;) {
		uint8_t id = kd[off], l = kd[off + 1];
		/* 12.7.2 j: padding starts with 0xdd followed by zeros. */
		if (id == 0xdd && l == 0)
			break;
		if (off + 2 + l > len)
			return BIP_EINVAL;
		const uint8_t *d = kd + off + 2;
		if (id == 0xdd && l >= 4 && d[0] == 0x00 && d[1] == 0x0f && d[2] == 0xac && d[3] == 9) {
			if (l != 4 + 2 + 6 + BIP_IGTK_LEN)
				return BIP_EINVAL;
			uint16_t k = (uint16_t)(d[4] | d[5] << 8);
			if (k != 4 && k != 5)
				return BIP_EINVAL;
			uint64_t p = 0;
			for (int i = 5; i >= 0; i--)
				p = (p << 8) | d[6 + i];
			if (key_id)
				*key_id = k;
			if (ipn)
				*ipn = p;
			if (igtk)
				memcpy(igtk, d + 12, BIP_IGTK_LEN);
			return 0;
		}
		off += 2 + (size_t)l;
	}
	return BIP_EINVAL;
}

int dot11_mgmt_protect(const uint8_t tk[16], uint64_t pn, const uint8_t *frame, size_t len,
                       uint8_t *out, size_t cap, size_t *out_len)
{
	if (!tk || !frame || !out || !out_len || len < HDR_LEN || cap < len + 16)
		return BIP_EINVAL;
	/* 9.2.4.1.9: the Protected bit is part of the header the MIC covers. */
	memcpy(out, frame, HDR_LEN);
	out[1] |= 0x40;
	size_t n = 0;
	if (dot11_ccmp_encrypt(tk, out, HDR_LEN, pn, 0, frame + HDR_LEN, len - HDR_LEN, out + HDR_LEN,
			       cap - HDR_LEN, &n) != 0)
		return BIP_ELIB;
	*out_len = HDR_LEN + n;
	return 0;
}

int dot11_mgmt_unprotect(const uint8_t tk[16], const uint8_t *frame, size_t len, uint8_t *out,
                         size_t cap, size_t *out_len, uint64_t *pn)
{
	if (!tk || !frame || !out || !out_len || len < HDR_LEN + 16 || cap < len || !(frame[1] & 0x40))
		return BIP_EINVAL;
	size_t n = 0;
	int key_id = 0;
	uint64_t p = 0;
	if (dot11_ccmp_decrypt(tk, frame, HDR_LEN, frame + HDR_LEN, len - HDR_LEN, &p, &key_id,
			       out + HDR_LEN, cap - HDR_LEN, &n) != 0)
		return BIP_EAUTH;
	memcpy(out, frame, HDR_LEN);
	out[1] &= (uint8_t)~0x40;
	*out_len = HDR_LEN + n;
	if (pn)
		*pn = p;
	return 0;
}
