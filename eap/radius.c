/* eap/radius.c - see radius.h. Section numbers are RFC 2865's unless named. */
#include "radius.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ATTR_USER_NAME          1
#define ATTR_NAS_IP_ADDRESS     4
#define ATTR_FRAMED_MTU         12
#define ATTR_REPLY_MESSAGE      18
#define ATTR_STATE              24
#define ATTR_VENDOR_SPECIFIC    26
#define ATTR_CALLED_STATION_ID  30
#define ATTR_CALLING_STATION_ID 31
#define ATTR_NAS_PORT_TYPE      61
#define ATTR_EAP_MESSAGE        79
#define ATTR_MESSAGE_AUTH       80

#define NAS_PORT_TYPE_WIRELESS_80211 19 /* RFC 2865 5.41 */
#define VENDOR_MICROSOFT        311     /* RFC 2548 2 */
#define MS_MPPE_SEND_KEY        16      /* RFC 2548 2.4.2 */
#define MS_MPPE_RECV_KEY        17      /* RFC 2548 2.4.3 */
#define MSG_AUTH_LEN            16u

static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static unsigned get16(const uint8_t *p)
{
	return ((unsigned)p[0] << 8) | p[1];
}

typedef struct {
	uint8_t *buf;
	size_t cap, len;
	int overflow;
} writer;

static uint8_t *attr(writer *w, uint8_t type, const void *val, size_t n)
{
	if (n > 253 || w->len + 2 + n > w->cap) {
		w->overflow = 1;
		return NULL;
	}
	uint8_t *a = w->buf + w->len;
	a[0] = type;
	a[1] = (uint8_t)(2 + n);
	if (n)
		memcpy(a + 2, val, n);
	w->len += 2 + n;
	return a;
}

static void attr_str(writer *w, uint8_t type, const char *s)
{
	if (s)
		attr(w, type, s, strlen(s));
}

static void attr_u32(writer *w, uint8_t type, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	attr(w, type, b, 4);
}

static int hmac_md5(const char *secret, const uint8_t *data, size_t len,
		    uint8_t out[MSG_AUTH_LEN])
{
	unsigned int n = 0;
	if (!HMAC(EVP_md5(), secret, (int)strlen(secret), data, len, out, &n) ||
	    n != MSG_AUTH_LEN)
		return RADIUS_ELIB;
	return 0;
}

/* MD5 over up to three parts: enough for every digest RADIUS uses. */
static int md5_parts(uint8_t out[16], const void *a, size_t an, const void *b,
		     size_t bn, const void *c, size_t cn)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_md5(), NULL) &&
		 EVP_DigestUpdate(ctx, a, an) &&
		 (!bn || EVP_DigestUpdate(ctx, b, bn)) &&
		 (!cn || EVP_DigestUpdate(ctx, c, cn)) &&
		 EVP_DigestFinal_ex(ctx, out, &n) && n == 16;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : RADIUS_ELIB;
}

int radius_build_request(uint8_t *out, size_t cap, size_t *out_len,
			 uint8_t id, const uint8_t req_auth[RADIUS_AUTH_LEN],
			 const char *secret, const radius_request *rq,
			 char *err, size_t errlen)
{
	if (!out || !out_len || !req_auth || !secret || !*secret || !rq)
		return fail(err, errlen, RADIUS_EINVAL, "radius: missing argument");
	if (rq->state_len > RADIUS_STATE_MAX || rq->eap_len > RADIUS_EAP_MAX)
		return fail(err, errlen, RADIUS_EINVAL, "radius: attribute too long");
	if (cap > RADIUS_MAX_LEN)
		cap = RADIUS_MAX_LEN;
	writer w = { out, cap, RADIUS_HDR_LEN, 0 };
	if (cap < RADIUS_HDR_LEN)
		return fail(err, errlen, RADIUS_ENOSPC, "radius: buffer too small");
	out[0] = RADIUS_ACCESS_REQUEST;
	out[1] = id;
	memcpy(out + 4, req_auth, RADIUS_AUTH_LEN);

	attr_str(&w, ATTR_USER_NAME, rq->user_name);
	if (rq->nas_ip)
		attr_u32(&w, ATTR_NAS_IP_ADDRESS, rq->nas_ip);
	attr_str(&w, ATTR_CALLED_STATION_ID, rq->called_station_id);
	attr_str(&w, ATTR_CALLING_STATION_ID, rq->calling_station_id);
	attr_u32(&w, ATTR_NAS_PORT_TYPE, NAS_PORT_TYPE_WIRELESS_80211);
	if (rq->framed_mtu)
		attr_u32(&w, ATTR_FRAMED_MTU, rq->framed_mtu);
	if (rq->state_len)
		attr(&w, ATTR_STATE, rq->state, rq->state_len);
	/* RFC 3579 3.1: an EAP packet longer than one attribute is split over
	 * consecutive EAP-Message attributes. */
	for (size_t off = 0; off < rq->eap_len;) {
		size_t n = rq->eap_len - off > 253 ? 253 : rq->eap_len - off;
		attr(&w, ATTR_EAP_MESSAGE, rq->eap + off, n);
		off += n;
	}
	static const uint8_t zero[MSG_AUTH_LEN];
	uint8_t *ma = attr(&w, ATTR_MESSAGE_AUTH, zero, MSG_AUTH_LEN);
	if (w.overflow || !ma)
		return fail(err, errlen, RADIUS_ENOSPC, "radius: request does not fit in %zu bytes", cap);
	put16(out + 2, (unsigned)w.len);
	/* RFC 3579 3.2: HMAC-MD5 over the whole request, its own value zero. */
	uint8_t mac[MSG_AUTH_LEN];
	if (hmac_md5(secret, out, w.len, mac))
		return fail(err, errlen, RADIUS_ELIB, "radius: HMAC-MD5 failed");
	memcpy(ma + 2, mac, MSG_AUTH_LEN);
	*out_len = w.len;
	return 0;
}

/* RFC 2548 2.4.3: the key string is P XOR b(i), b(1) = MD5(secret | request
 * authenticator | salt), b(i) = MD5(secret | c(i-1)); P = length octet, key,
 * padding. */
static int mppe_decrypt(const uint8_t *v, size_t vlen, const char *secret,
			const uint8_t req_auth[RADIUS_AUTH_LEN],
			uint8_t key[RADIUS_MPPE_KEY_LEN])
{
	if (vlen < 2 + 16 || (vlen - 2) % 16 != 0 || vlen - 2 > 240)
		return RADIUS_EINVAL;
	if (!(v[0] & 0x80)) /* the salt's high bit is always set (2.4.2) */
		return RADIUS_EINVAL;
	uint8_t plain[240], b[16];
	size_t n = vlen - 2;
	const uint8_t *c = v + 2;
	size_t slen = strlen(secret);
	for (size_t i = 0; i < n; i += 16) {
		int r = i == 0 ? md5_parts(b, secret, slen, req_auth, RADIUS_AUTH_LEN, v, 2)
			       : md5_parts(b, secret, slen, c + i - 16, 16, NULL, 0);
		if (r)
			return r;
		for (size_t k = 0; k < 16; k++)
			plain[i + k] = c[i + k] ^ b[k];
	}
	if (plain[0] < RADIUS_MPPE_KEY_LEN || (size_t)plain[0] + 1 > n)
		return RADIUS_EINVAL;
	memcpy(key, plain + 1, RADIUS_MPPE_KEY_LEN);
	return 0;
}

int radius_parse_reply(const uint8_t *pkt, size_t len, uint8_t id,
		       const uint8_t req_auth[RADIUS_AUTH_LEN],
		       const char *secret, radius_reply *out,
		       char *err, size_t errlen)
{
	if (!pkt || !req_auth || !secret || !out)
		return fail(err, errlen, RADIUS_EINVAL, "radius: missing argument");
	memset(out, 0, sizeof *out);
	if (len < RADIUS_HDR_LEN)
		return fail(err, errlen, RADIUS_EINVAL, "radius: %zu bytes is shorter than a header", len);
	size_t plen = get16(pkt + 2);
	/* 3: octets past Length are padding and ignored; fewer is malformed. */
	if (plen < RADIUS_HDR_LEN || plen > len || plen > RADIUS_MAX_LEN)
		return fail(err, errlen, RADIUS_EINVAL, "radius: length field %zu for %zu bytes", plen, len);
	int code = pkt[0];
	if (code != RADIUS_ACCESS_ACCEPT && code != RADIUS_ACCESS_REJECT &&
	    code != RADIUS_ACCESS_CHALLENGE)
		return fail(err, errlen, RADIUS_EINVAL, "radius: code %d is not a reply to Access-Request", code);
	if (pkt[1] != id)
		return fail(err, errlen, RADIUS_EINVAL, "radius: identifier %u, expected %u", pkt[1], id);

	/* 3: Response Authenticator = MD5(Code|ID|Length|RequestAuth|Attributes|Secret). */
	uint8_t tmp[RADIUS_MAX_LEN];
	memcpy(tmp, pkt, plen);
	memcpy(tmp + 4, req_auth, RADIUS_AUTH_LEN);
	uint8_t want[16];
	if (md5_parts(want, tmp, plen, secret, strlen(secret), NULL, 0))
		return fail(err, errlen, RADIUS_ELIB, "radius: MD5 failed");
	if (memcmp(want, pkt + 4, 16) != 0)
		return fail(err, errlen, RADIUS_EAUTH, "radius: Response Authenticator does not verify (wrong shared secret?)");

	size_t ma_off = 0;
	int have_recv = 0, have_send = 0;
	for (size_t off = RADIUS_HDR_LEN; off < plen;) {
		if (plen - off < 2)
			return fail(err, errlen, RADIUS_EINVAL, "radius: attribute header cut at %zu", off);
		uint8_t type = pkt[off], alen = pkt[off + 1];
		if (alen < 2 || off + alen > plen)
			return fail(err, errlen, RADIUS_EINVAL, "radius: attribute %u length %u at %zu", type, alen, off);
		const uint8_t *v = pkt + off + 2;
		size_t vlen = alen - 2u;
		switch (type) {
		case ATTR_EAP_MESSAGE:
			if (out->eap_len + vlen > sizeof out->eap)
				return fail(err, errlen, RADIUS_EINVAL, "radius: EAP-Message longer than %zu", sizeof out->eap);
			memcpy(out->eap + out->eap_len, v, vlen);
			out->eap_len += vlen;
			break;
		case ATTR_STATE:
			memcpy(out->state, v, vlen);
			out->state_len = vlen;
			break;
		case ATTR_MESSAGE_AUTH:
			if (vlen != MSG_AUTH_LEN || ma_off)
				return fail(err, errlen, RADIUS_EINVAL, "radius: bad Message-Authenticator attribute");
			ma_off = off + 2;
			break;
		case ATTR_REPLY_MESSAGE: {
			size_t n = strlen(out->reply_message);
			for (size_t i = 0; i < vlen && n + 1 < sizeof out->reply_message; i++)
				out->reply_message[n++] = (v[i] >= 0x20 && v[i] < 0x7f) ? (char)v[i] : '?';
			out->reply_message[n] = 0;
			break;
		}
		case ATTR_VENDOR_SPECIFIC: {
			/* RFC 2865 5.26 / RFC 2548 2: Vendor-Id(4) then one
			 * sub-attribute: type(1) length(1) value. */
			if (vlen < 6)
				break;
			uint32_t vendor = ((uint32_t)v[0] << 24) | ((uint32_t)v[1] << 16) |
					  ((uint32_t)v[2] << 8) | v[3];
			uint8_t vtype = v[4], vslen = v[5];
			if (vendor != VENDOR_MICROSOFT || vslen < 2 || (size_t)vslen + 4 > vlen)
				break;
			if (vtype == MS_MPPE_RECV_KEY || vtype == MS_MPPE_SEND_KEY) {
				uint8_t *dst = vtype == MS_MPPE_RECV_KEY ? out->mppe_recv : out->mppe_send;
				if (mppe_decrypt(v + 6, vslen - 2u, secret, req_auth, dst))
					return fail(err, errlen, RADIUS_EINVAL, "radius: MS-MPPE key does not decrypt");
				if (vtype == MS_MPPE_RECV_KEY)
					have_recv = 1;
				else
					have_send = 1;
			}
			break;
		}
		default:
			break;
		}
		off += alen;
	}
	if (out->eap_len && !ma_off)
		return fail(err, errlen, RADIUS_EAUTH, "radius: EAP-Message without Message-Authenticator");
	if (ma_off) {
		/* RFC 3579 3.2: HMAC-MD5 over the reply with the Request
		 * Authenticator in place and the attribute's value zeroed. */
		memset(tmp + ma_off, 0, MSG_AUTH_LEN);
		uint8_t mac[MSG_AUTH_LEN];
		if (hmac_md5(secret, tmp, plen, mac))
			return fail(err, errlen, RADIUS_ELIB, "radius: HMAC-MD5 failed");
		if (memcmp(mac, pkt + ma_off, MSG_AUTH_LEN) != 0)
			return fail(err, errlen, RADIUS_EAUTH, "radius: Message-Authenticator does not verify");
	}
	out->code = code;
	out->have_mppe = have_recv && have_send;
	return 0;
}
