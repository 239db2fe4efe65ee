/* eap/eap_peer.c - see eap_peer.h. */
#include "eap_peer.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RFC 5216 3.1: flags octet of EAP-TLS (and of TTLS and PEAP, whose low
 * three bits carry the version). */
#define TLS_FLAG_L 0x80
#define TLS_FLAG_M 0x40
#define TLS_FLAG_S 0x20
#define TLS_VERSION_MASK 0x07
#define TLS_MSG_MAX 65536u /* refuse reassembly beyond this */

/* PEAP Result TLV (draft-josefsson-pppext-eap-tls-eap 3.2 / MS-PEAP 2.2.8.1). */
#define TLV_TYPE_RESULT 3
#define TLV_MANDATORY 0x8000
#define TLV_RESULT_SUCCESS 1
#define TLV_RESULT_FAILURE 2

/* EAP-MSCHAPv2 opcodes (draft-kamath-pppext-eap-mschapv2-02 2). */
#define MSCHAPV2_CHALLENGE 1
#define MSCHAPV2_RESPONSE 2
#define MSCHAPV2_SUCCESS 3
#define MSCHAPV2_FAILURE 4

/* RFC 5281 10.1: AVP header; 10.2 codes from RADIUS. */
#define AVP_FLAG_M 0x40
#define AVP_USER_NAME 1
#define AVP_USER_PASSWORD 2

typedef enum {
	ST_IDLE,      /* before the method starts */
	ST_HANDSHAKE, /* TLS handshake running */
	ST_PHASE2,    /* tunnel up (PEAP/TTLS), inner exchange */
	ST_DONE,      /* method finished; waiting for Success */
	ST_FAILED,
} state;

struct eap_peer {
	eap_peer_config cfg;
	char *identity, *anon, *password;
	state st;
	eap_peer_fail fail;
	char reason[160];
	int last_id;      /* identifier of the last request answered, -1 none */
	uint8_t last_resp[EAP_PEER_MAX_PACKET];
	size_t last_resp_len;

	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rbio, *wbio;
	char alert[64];   /* the last TLS alert the server sent */

	uint8_t *in;      /* reassembly of a fragmented TLS message */
	size_t in_len, in_total;
	uint8_t *out;     /* TLS octets still to be sent, fragmented */
	size_t out_len, out_off;

	int ttls_sent;    /* TTLS: the PAP AVPs have gone */
	int inner_ok;     /* PEAP: MSCHAPv2 success verified */
	uint8_t auth_challenge[16], peer_challenge[16], nt_response[24];
	int have_msk;
	uint8_t msk[EAP_MSK_LEN];

	OSSL_LIB_CTX *legacy;  /* MD4 and DES live in OpenSSL's legacy provider */
	OSSL_PROVIDER *prov_legacy, *prov_default;
};

static void set_reason(eap_peer *p, eap_peer_fail f, const char *fmt, ...)
{
	if (p->fail == EAP_FAIL_NONE) {
		p->fail = f;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->reason, sizeof p->reason, fmt, ap);
		va_end(ap);
	}
}

static char *dupstr(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static unsigned get16(const uint8_t *p)
{
	return ((unsigned)p[0] << 8) | p[1];
}

static void info_cb(const SSL *ssl, int where, int ret)
{
	if (!(where & SSL_CB_READ_ALERT))
		return;
	eap_peer *p = SSL_get_app_data(ssl);
	if (p)
		snprintf(p->alert, sizeof p->alert, "%s", SSL_alert_desc_string_long(ret));
}

static int load_pem_cert(SSL_CTX *ctx, const char *pem, int as_ca)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	int n = 0;
	X509 *x;
	while (b && (x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
		int ok = as_ca ? X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), x)
			       : SSL_CTX_use_certificate(ctx, x);
		X509_free(x);
		if (!ok)
			break;
		n++;
		if (!as_ca)
			break;
	}
	ERR_clear_error(); /* the end of the PEM list is reported as an error */
	BIO_free(b);
	return n > 0 ? 0 : -1;
}

eap_peer *eap_peer_new(const eap_peer_config *cfg, char *err, size_t errlen)
{
#define FAIL(...) do { if (err && errlen) snprintf(err, errlen, __VA_ARGS__); eap_peer_free(p); return NULL; } while (0)
	eap_peer *p = calloc(1, sizeof *p);
	if (!p || !cfg)
		FAIL("eap: out of memory");
	p->cfg = *cfg;
	p->last_id = -1;
	if (cfg->method != EAP_METHOD_TLS && cfg->method != EAP_METHOD_TTLS_PAP &&
	    cfg->method != EAP_METHOD_PEAP_MSCHAPV2)
		FAIL("eap: unknown method %d", (int)cfg->method);
	if (!cfg->identity || !*cfg->identity)
		FAIL("eap: an identity is required");
	if (cfg->method != EAP_METHOD_TLS && (!cfg->password || !*cfg->password))
		FAIL("eap: %s needs a password", cfg->method == EAP_METHOD_TTLS_PAP ? "TTLS-PAP" : "PEAP-MSCHAPv2");
	if (cfg->method == EAP_METHOD_TLS && (!cfg->client_cert_pem || !cfg->client_key_pem))
		FAIL("eap: EAP-TLS needs a client certificate and key");
	p->identity = dupstr(cfg->identity);
	p->anon = dupstr(cfg->anonymous_identity && *cfg->anonymous_identity ? cfg->anonymous_identity : cfg->identity);
	p->password = dupstr(cfg->password);
	if (!p->identity || !p->anon || (cfg->password && !p->password))
		FAIL("eap: out of memory");
	if (!p->cfg.fragment_size)
		p->cfg.fragment_size = 1024;
	if (p->cfg.fragment_size < 64 || p->cfg.fragment_size > EAP_PEER_MAX_PACKET - 16)
		FAIL("eap: fragment size %u out of range 64..%u", p->cfg.fragment_size, EAP_PEER_MAX_PACKET - 16);

	p->ctx = SSL_CTX_new(TLS_client_method());
	if (!p->ctx)
		FAIL("eap: cannot create a TLS context");
	/* FreeRADIUS 3.2 offers TLS 1.3 for EAP only experimentally; devices
	 * of the cyw43 generation speak 1.2. */
	SSL_CTX_set_min_proto_version(p->ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(p->ctx, TLS1_2_VERSION);
	SSL_CTX_set_info_callback(p->ctx, info_cb);
	if (cfg->ca_cert_pem) {
		if (load_pem_cert(p->ctx, cfg->ca_cert_pem, 1))
			FAIL("eap: the CA certificate is not PEM");
		SSL_CTX_set_verify(p->ctx, SSL_VERIFY_PEER, NULL);
	} else {
		SSL_CTX_set_verify(p->ctx, SSL_VERIFY_NONE, NULL);
	}
	if (cfg->method == EAP_METHOD_TLS) {
		if (load_pem_cert(p->ctx, cfg->client_cert_pem, 0))
			FAIL("eap: the client certificate is not PEM");
		BIO *b = BIO_new_mem_buf(cfg->client_key_pem, -1);
		EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
		int ok = k && SSL_CTX_use_PrivateKey(p->ctx, k) && SSL_CTX_check_private_key(p->ctx);
		EVP_PKEY_free(k);
		if (!ok) {
			ERR_clear_error();
			FAIL("eap: the client key is not PEM or does not match the certificate");
		}
	}
	if (cfg->method == EAP_METHOD_PEAP_MSCHAPV2) {
		p->legacy = OSSL_LIB_CTX_new();
		p->prov_legacy = p->legacy ? OSSL_PROVIDER_load(p->legacy, "legacy") : NULL;
		p->prov_default = p->legacy ? OSSL_PROVIDER_load(p->legacy, "default") : NULL;
		if (!p->prov_legacy || !p->prov_default) {
			ERR_clear_error();
			FAIL("eap: OpenSSL's legacy provider (MD4, DES for MSCHAPv2) is not available");
		}
	}
	return p;
#undef FAIL
}

static void drop_tls(eap_peer *p)
{
	if (p->ssl)
		SSL_free(p->ssl); /* frees both BIOs */
	p->ssl = NULL;
	p->rbio = p->wbio = NULL;
}

void eap_peer_free(eap_peer *p)
{
	if (!p)
		return;
	drop_tls(p);
	SSL_CTX_free(p->ctx);
	OSSL_PROVIDER_unload(p->prov_legacy);
	OSSL_PROVIDER_unload(p->prov_default);
	OSSL_LIB_CTX_free(p->legacy);
	if (p->password)
		OPENSSL_cleanse(p->password, strlen(p->password));
	free(p->identity);
	free(p->anon);
	free(p->password);
	free(p->in);
	free(p->out);
	OPENSSL_cleanse(p->msk, sizeof p->msk);
	free(p);
}

int eap_peer_msk(const eap_peer *p, uint8_t msk[EAP_MSK_LEN])
{
	if (!p || !p->have_msk)
		return -1;
	memcpy(msk, p->msk, EAP_MSK_LEN);
	return 0;
}

eap_peer_fail eap_peer_failure(const eap_peer *p)
{
	return p ? p->fail : EAP_FAIL_PROTOCOL;
}

const char *eap_peer_reason(const eap_peer *p)
{
	return p ? p->reason : "";
}

/* ---- responses ---- */

static eap_peer_result respond(eap_peer *p, uint8_t id, uint8_t type,
			       const uint8_t *data, size_t n,
			       uint8_t *resp, size_t cap, size_t *resp_len)
{
	size_t len = 5 + n;
	if (len > cap || len > sizeof p->last_resp)
		return EAP_PEER_IGNORE;
	resp[0] = EAP_CODE_RESPONSE;
	resp[1] = id;
	put16(resp + 2, len);
	resp[4] = type;
	if (n)
		memcpy(resp + 5, data, n);
	memcpy(p->last_resp, resp, len);
	p->last_resp_len = len;
	p->last_id = id;
	*resp_len = len;
	return EAP_PEER_RESPOND;
}

static uint8_t method_type(const eap_peer *p)
{
	return (uint8_t)p->cfg.method;
}

/* Send the next fragment of p->out (RFC 5216 2.1.5): the first carries L and
 * the total length, all but the last carry M. An empty message is an ACK. */
static eap_peer_result send_tls(eap_peer *p, uint8_t id, uint8_t *resp,
				size_t cap, size_t *resp_len)
{
	uint8_t buf[EAP_PEER_MAX_PACKET];
	size_t left = p->out_len - p->out_off;
	size_t n = left > p->cfg.fragment_size ? p->cfg.fragment_size : left;
	size_t h = 1;
	buf[0] = 0; /* version 0 for PEAP and TTLS; EAP-TLS has none */
	if (left > n) {
		buf[0] |= TLS_FLAG_M;
		if (p->out_off == 0) {
			buf[0] |= TLS_FLAG_L;
			buf[1] = (uint8_t)(p->out_len >> 24);
			buf[2] = (uint8_t)(p->out_len >> 16);
			buf[3] = (uint8_t)(p->out_len >> 8);
			buf[4] = (uint8_t)p->out_len;
			h = 5;
		}
	}
	if (n)
		memcpy(buf + h, p->out + p->out_off, n);
	p->out_off += n;
	if (p->out_off == p->out_len) {
		free(p->out);
		p->out = NULL;
		p->out_len = p->out_off = 0;
	}
	return respond(p, id, method_type(p), buf, h + n, resp, cap, resp_len);
}

/* Move what TLS wrote into p->out. */
static int take_tls_output(eap_peer *p)
{
	size_t pending = BIO_ctrl_pending(p->wbio);
	if (!pending)
		return 0;
	uint8_t *o = realloc(p->out, p->out_len + pending);
	if (!o)
		return -1;
	p->out = o;
	int r = BIO_read(p->wbio, p->out + p->out_len, (int)pending);
	if (r > 0)
		p->out_len += (size_t)r;
	return 0;
}

static int tls_write(eap_peer *p, const uint8_t *d, size_t n)
{
	if (SSL_write(p->ssl, d, (int)n) != (int)n)
		return -1;
	return take_tls_output(p);
}

static int derive_msk(eap_peer *p)
{
	const char *label = p->cfg.method == EAP_METHOD_TTLS_PAP ? "ttls keying material"
								 : "client EAP encryption";
	if (SSL_export_keying_material(p->ssl, p->msk, EAP_MSK_LEN, label, strlen(label),
				       NULL, 0, 0) != 1)
		return -1;
	p->have_msk = 1;
	return 0;
}

/* ---- MSCHAPv2 (RFC 2759 8) ---- */

static int digest(EVP_MD *md, const void *a, size_t an, const void *b, size_t bn,
		  const void *c, size_t cn, uint8_t *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && md && EVP_DigestInit_ex(ctx, md, NULL) &&
		 EVP_DigestUpdate(ctx, a, an) && (!bn || EVP_DigestUpdate(ctx, b, bn)) &&
		 (!cn || EVP_DigestUpdate(ctx, c, cn)) && EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* RFC 2759 8.3: NtPasswordHash = MD4 of the password in UTF-16LE. Only
 * ASCII passwords are widened here; others are refused upstream. */
static int nt_password_hash(eap_peer *p, uint8_t out[16])
{
	size_t n = strlen(p->password);
	if (n > 256)
		return -1;
	uint8_t u[512];
	for (size_t i = 0; i < n; i++) {
		u[2 * i] = (uint8_t)p->password[i];
		u[2 * i + 1] = 0;
	}
	EVP_MD *md4 = EVP_MD_fetch(p->legacy, "MD4", NULL);
	int r = digest(md4, u, 2 * n, NULL, 0, NULL, 0, out);
	EVP_MD_free(md4);
	OPENSSL_cleanse(u, sizeof u);
	return r;
}

/* RFC 2759 8.2: the user name without any domain part. */
static const char *mschap_user(const char *id)
{
	const char *bs = strrchr(id, '\\');
	return bs ? bs + 1 : id;
}

static int challenge_hash(const eap_peer *p, uint8_t out[8])
{
	uint8_t d[20];
	const char *u = mschap_user(p->identity);
	EVP_MD *sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	int r = digest(sha1, p->peer_challenge, 16, p->auth_challenge, 16, u, strlen(u), d);
	EVP_MD_free(sha1);
	memcpy(out, d, 8);
	return r;
}

/* RFC 2759 8.6: expand 7 key octets to a DES key with (ignored) parity bits. */
static void des_key(const uint8_t k7[7], uint8_t k8[8])
{
	k8[0] = k7[0];
	for (int i = 1; i < 7; i++)
		k8[i] = (uint8_t)((k7[i - 1] << (8 - i)) | (k7[i] >> i));
	k8[7] = (uint8_t)(k7[6] << 1);
}

static int nt_response(eap_peer *p)
{
	uint8_t ch[8], ph[21] = { 0 };
	if (challenge_hash(p, ch) || nt_password_hash(p, ph))
		return -1;
	EVP_CIPHER *des = EVP_CIPHER_fetch(p->legacy, "DES-ECB", NULL);
	int ok = des != NULL;
	for (int i = 0; ok && i < 3; i++) {
		uint8_t k[8];
		int n = 0;
		des_key(ph + 7 * i, k);
		EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
		ok = c && EVP_EncryptInit_ex(c, des, NULL, k, NULL) &&
		     EVP_CIPHER_CTX_set_padding(c, 0) &&
		     EVP_EncryptUpdate(c, p->nt_response + 8 * i, &n, ch, 8) && n == 8;
		EVP_CIPHER_CTX_free(c);
	}
	EVP_CIPHER_free(des);
	OPENSSL_cleanse(ph, sizeof ph);
	return ok ? 0 : -1;
}

/* RFC 2759 8.7: the "S=" string a genuine server sends in its Success. */
static int authenticator_response(eap_peer *p, char out[43])
{
	static const char magic1[] = "Magic server to client signing constant";
	static const char magic2[] = "Pad to make it do more than one iteration";
	uint8_t ph[16], phh[16], d[20], ch[8];
	EVP_MD *md4 = EVP_MD_fetch(p->legacy, "MD4", NULL);
	EVP_MD *sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	int r = nt_password_hash(p, ph) || digest(md4, ph, 16, NULL, 0, NULL, 0, phh) ||
		digest(sha1, phh, 16, p->nt_response, 24, magic1, sizeof magic1 - 1, d) ||
		challenge_hash(p, ch) ||
		digest(sha1, d, 20, ch, 8, magic2, sizeof magic2 - 1, d);
	EVP_MD_free(md4);
	EVP_MD_free(sha1);
	OPENSSL_cleanse(ph, sizeof ph);
	if (r)
		return -1;
	out[0] = 'S';
	out[1] = '=';
	for (int i = 0; i < 20; i++)
		snprintf(out + 2 + 2 * i, 3, "%02X", d[i]);
	return 0;
}

/* One inner EAP-MSCHAPv2 request (type octet onwards), answered into
 * inner[] (type octet onwards). Returns the answer's length or -1. */
static long mschapv2(eap_peer *p, const uint8_t *d, size_t n, uint8_t *inner, size_t cap)
{
	if (n < 5)
		return -1;
	uint8_t op = d[1], msid = d[2];
	if (op == MSCHAPV2_CHALLENGE) {
		if (n < 5 + 1 + 16 || d[5] != 16)
			return -1;
		memcpy(p->auth_challenge, d + 6, 16);
		if (RAND_bytes(p->peer_challenge, 16) != 1 || nt_response(p))
			return -1;
		const char *u = p->identity;
		size_t ul = strlen(u);
		size_t len = 1 + 1 + 1 + 2 + 1 + 49 + ul;
		if (len > cap)
			return -1;
		uint8_t *o = inner;
		o[0] = EAP_TYPE_MSCHAPV2;
		o[1] = MSCHAPV2_RESPONSE;
		o[2] = msid;
		put16(o + 3, len - 1);  /* MS-Length counts from the OpCode */
		o[5] = 49;
		memcpy(o + 6, p->peer_challenge, 16);
		memset(o + 22, 0, 8);
		memcpy(o + 30, p->nt_response, 24);
		o[54] = 0;
		memcpy(o + 55, u, ul);
		return (long)len;
	}
	if (op == MSCHAPV2_SUCCESS) {
		char want[43];
		if (authenticator_response(p, want))
			return -1;
		/* "S=<40 hex> M=..." after the 4-octet MSCHAPv2 header. */
		if (n < 5 + 42 || memcmp(d + 5, want, 42) != 0) {
			set_reason(p, EAP_FAIL_PROTOCOL, "MSCHAPv2: the server's authenticator response does not match (not the real server)");
			p->st = ST_FAILED;
			return -1;
		}
		p->inner_ok = 1;
		inner[0] = EAP_TYPE_MSCHAPV2;
		inner[1] = MSCHAPV2_SUCCESS;
		return 2;
	}
	if (op == MSCHAPV2_FAILURE) {
		/* "E=691 ..." : authentication failure (RFC 2759 6). */
		set_reason(p, EAP_FAIL_REJECTED, "the server refused the credentials (MSCHAPv2 failure)");
		inner[0] = EAP_TYPE_MSCHAPV2;
		inner[1] = MSCHAPV2_FAILURE;
		return 2;
	}
	return -1;
}

/* PEAPv0 phase 2: data is one decrypted inner packet. */
static int peap_inner(eap_peer *p, uint8_t outer_id, const uint8_t *d, size_t n)
{
	uint8_t o[600];
	size_t on = 0;
	/* Extensions (Result TLV) travel with a full EAP header; every other
	 * inner packet without one, its code and identifier taken from the outer
	 * request (draft-kamath-pppext-peapv0-00 1.1). */
	if (n >= 5 && d[0] == EAP_CODE_REQUEST && get16(d + 2) == n && d[4] == EAP_TYPE_EXTENSIONS) {
		int status = 0;
		for (size_t off = 5; off + 4 <= n;) {
			unsigned t = get16(d + off) & 0x3fff, l = get16(d + off + 2);
			if (off + 4 + l > n)
				return -1;
			if (t == TLV_TYPE_RESULT && l == 2)
				status = (int)get16(d + off + 4);
			off += 4 + l;
		}
		if (status != TLV_RESULT_SUCCESS && status != TLV_RESULT_FAILURE)
			return -1;
		int ok = status == TLV_RESULT_SUCCESS && p->inner_ok;
		o[0] = EAP_CODE_RESPONSE;
		o[1] = d[1];
		put16(o + 2, 11);
		o[4] = EAP_TYPE_EXTENSIONS;
		put16(o + 5, TLV_MANDATORY | TLV_TYPE_RESULT);
		put16(o + 7, 2);
		put16(o + 9, ok ? TLV_RESULT_SUCCESS : TLV_RESULT_FAILURE);
		on = 11;
		if (ok)
			p->st = ST_DONE;
		else
			set_reason(p, EAP_FAIL_REJECTED, "the server refused the credentials (PEAP result: failure)");
	} else if (n >= 1 && d[0] == EAP_TYPE_IDENTITY) {
		size_t il = strlen(p->identity);
		if (1 + il > sizeof o)
			return -1;
		o[0] = EAP_TYPE_IDENTITY;
		memcpy(o + 1, p->identity, il);
		on = 1 + il;
	} else if (n >= 1 && d[0] == EAP_TYPE_MSCHAPV2) {
		long r = mschapv2(p, d, n, o, sizeof o);
		if (r < 0)
			return -1;
		on = (size_t)r;
	} else if (n >= 1) {
		o[0] = EAP_TYPE_NAK;
		o[1] = EAP_TYPE_MSCHAPV2;
		on = 2;
	} else {
		return -1;
	}
	(void)outer_id;
	return tls_write(p, o, on);
}

/* RFC 5281 11.2.5: User-Name and User-Password AVPs, the password padded
 * with zero octets to a multiple of 16. */
static int ttls_send_pap(eap_peer *p)
{
	uint8_t o[600];
	size_t off = 0;
	const char *vals[2] = { p->identity, p->password };
	for (int i = 0; i < 2; i++) {
		size_t vl = strlen(vals[i]);
		size_t padded = i == 1 ? (vl + 15) / 16 * 16 : vl;
		if (padded == 0)
			padded = 16;
		size_t alen = 8 + padded;
		size_t total = (alen + 3) & ~(size_t)3;
		if (off + total > sizeof o)
			return -1;
		memset(o + off, 0, total);
		o[off + 3] = (uint8_t)(i == 0 ? AVP_USER_NAME : AVP_USER_PASSWORD);
		o[off + 4] = AVP_FLAG_M;
		o[off + 5] = (uint8_t)(alen >> 16);
		o[off + 6] = (uint8_t)(alen >> 8);
		o[off + 7] = (uint8_t)alen;
		memcpy(o + off + 8, vals[i], vl);
		off += total;
	}
	p->ttls_sent = 1;
	int r = tls_write(p, o, off);
	OPENSSL_cleanse(o, sizeof o);
	return r;
}

static void note_tls_failure(eap_peer *p)
{
	long v = p->ssl ? SSL_get_verify_result(p->ssl) : X509_V_OK;
	if (v != X509_V_OK && p->cfg.ca_cert_pem) {
		set_reason(p, EAP_FAIL_SERVER_CERT, "server certificate %s%s%s",
			   v == X509_V_ERR_CERT_HAS_EXPIRED ? "expired" : "not trusted (",
			   v == X509_V_ERR_CERT_HAS_EXPIRED ? "" : X509_verify_cert_error_string(v),
			   v == X509_V_ERR_CERT_HAS_EXPIRED ? "" : ")");
	} else if (p->alert[0]) {
		int client = p->cfg.method == EAP_METHOD_TLS &&
			     (strstr(p->alert, "revoked") || strstr(p->alert, "certificate") || strstr(p->alert, "unknown CA"));
		set_reason(p, client ? EAP_FAIL_CLIENT_CERT : EAP_FAIL_PROTOCOL,
			   "the server ended TLS: %s", p->alert);
	} else {
		set_reason(p, EAP_FAIL_PROTOCOL, "TLS handshake failed");
	}
	ERR_clear_error();
}

/* A complete TLS message from the server (or none, for a start). */
static int tls_step(eap_peer *p, const uint8_t *msg, size_t n)
{
	if (n && BIO_write(p->rbio, msg, (int)n) != (int)n)
		return -1;
	if (p->st == ST_HANDSHAKE) {
		int r = SSL_do_handshake(p->ssl);
		if (r != 1) {
			int e = SSL_get_error(p->ssl, r);
			if (e != SSL_ERROR_WANT_READ) {
				note_tls_failure(p);
				/* The alert OpenSSL wrote still goes to the server. */
				take_tls_output(p);
				p->st = ST_FAILED;
				return 0;
			}
			return take_tls_output(p);
		}
		if (take_tls_output(p))
			return -1;
		if (p->cfg.method == EAP_METHOD_TLS) {
			p->st = ST_DONE;
			return 0;
		}
		p->st = ST_PHASE2;
		if (p->cfg.method == EAP_METHOD_TTLS_PAP && !p->ttls_sent) {
			/* RFC 5281 7.3: the PAP AVPs end the peer's part; the
			 * server answers with Success or Failure. */
			p->st = ST_DONE;
			return ttls_send_pap(p);
		}
		/* PEAP: the server speaks first inside the tunnel. */
	}
	if (p->st == ST_PHASE2 || p->st == ST_DONE) {
		uint8_t buf[4096];
		for (;;) {
			int r = SSL_read(p->ssl, buf, sizeof buf);
			if (r <= 0) {
				int e = SSL_get_error(p->ssl, r);
				if (e == SSL_ERROR_WANT_READ)
					break;
				note_tls_failure(p);
				p->st = ST_FAILED;
				return 0;
			}
			if (p->cfg.method == EAP_METHOD_PEAP_MSCHAPV2) {
				if (peap_inner(p, 0, buf, (size_t)r))
					return -1;
			}
			/* TTLS-PAP: the server answers with Success or Failure
			 * outside the tunnel; data inside is not expected. */
		}
		if (p->cfg.method == EAP_METHOD_TTLS_PAP && p->ttls_sent)
			p->st = ST_DONE;
	}
	return 0;
}

static eap_peer_result method_request(eap_peer *p, uint8_t id, const uint8_t *d, size_t n,
				      uint8_t *resp, size_t cap, size_t *resp_len)
{
	if (n < 1)
		return EAP_PEER_IGNORE;
	uint8_t flags = d[0];
	const uint8_t *data = d + 1;
	size_t dn = n - 1;

	if (flags & TLS_FLAG_S) {
		if (p->st != ST_IDLE)
			return EAP_PEER_IGNORE;
		p->ssl = SSL_new(p->ctx);
		p->rbio = BIO_new(BIO_s_mem());
		p->wbio = BIO_new(BIO_s_mem());
		if (!p->ssl || !p->rbio || !p->wbio) {
			BIO_free(p->rbio);
			BIO_free(p->wbio);
			p->rbio = p->wbio = NULL;
			return EAP_PEER_IGNORE;
		}
		SSL_set_bio(p->ssl, p->rbio, p->wbio);
		SSL_set_app_data(p->ssl, p);
		SSL_set_connect_state(p->ssl);
		p->st = ST_HANDSHAKE;
		if (tls_step(p, NULL, 0))
			return EAP_PEER_IGNORE;
		return send_tls(p, id, resp, cap, resp_len);
	}
	if (p->st == ST_IDLE)
		return EAP_PEER_IGNORE;

	/* The server's ACK of our fragment: send the next one. */
	if (dn == 0 && p->out_len && !(flags & (TLS_FLAG_L | TLS_FLAG_M)))
		return send_tls(p, id, resp, cap, resp_len);

	if (flags & TLS_FLAG_L) {
		if (dn < 4)
			return EAP_PEER_IGNORE;
		size_t total = ((size_t)data[0] << 24) | ((size_t)data[1] << 16) |
			       ((size_t)data[2] << 8) | data[3];
		data += 4;
		dn -= 4;
		if (p->in_len == 0) {
			if (total == 0 || total > TLS_MSG_MAX)
				return EAP_PEER_IGNORE;
			p->in_total = total;
		}
	}
	if (p->in_len + dn > TLS_MSG_MAX || (p->in_total && p->in_len + dn > p->in_total))
		return EAP_PEER_IGNORE;
	if (dn) {
		uint8_t *b = realloc(p->in, p->in_len + dn);
		if (!b)
			return EAP_PEER_IGNORE;
		p->in = b;
		memcpy(p->in + p->in_len, data, dn);
		p->in_len += dn;
	}
	if (flags & TLS_FLAG_M) /* RFC 5216 2.1.5: ACK each fragment */
		return respond(p, id, method_type(p), (const uint8_t[]){ 0 }, 1, resp, cap, resp_len);

	int r = tls_step(p, p->in, p->in_len);
	free(p->in);
	p->in = NULL;
	p->in_len = p->in_total = 0;
	if (r)
		return EAP_PEER_IGNORE;
	return send_tls(p, id, resp, cap, resp_len);
}

eap_peer_result eap_peer_rx(eap_peer *p, const uint8_t *pkt, size_t len,
			    uint8_t *resp, size_t cap, size_t *resp_len)
{
	if (!p || !pkt || !resp || !resp_len)
		return EAP_PEER_IGNORE;
	*resp_len = 0;
	if (len < 4)
		return EAP_PEER_IGNORE;
	size_t plen = get16(pkt + 2);
	if (plen < 4 || plen > len) /* RFC 3748 4.1: octets past Length are padding */
		return EAP_PEER_IGNORE;
	uint8_t code = pkt[0], id = pkt[1];

	if (code == EAP_CODE_SUCCESS) {
		if (p->st == ST_DONE && p->ssl && derive_msk(p) == 0)
			return EAP_PEER_SUCCESS;
		set_reason(p, EAP_FAIL_PROTOCOL, "EAP-Success before the method finished");
		p->st = ST_FAILED;
		return EAP_PEER_FAILURE;
	}
	if (code == EAP_CODE_FAILURE) {
		if (p->st == ST_HANDSHAKE || (p->st == ST_IDLE && p->last_id >= 0))
			set_reason(p, p->cfg.method == EAP_METHOD_TLS ? EAP_FAIL_CLIENT_CERT : EAP_FAIL_REJECTED,
				   "the server refused %s", p->cfg.method == EAP_METHOD_TLS ? "the client certificate" : "the identity");
		set_reason(p, EAP_FAIL_REJECTED, "the server refused the credentials");
		p->st = ST_FAILED;
		return EAP_PEER_FAILURE;
	}
	if (code != EAP_CODE_REQUEST || plen < 5)
		return EAP_PEER_IGNORE;
	/* RFC 3748 4.1: a retransmitted request gets the same response. */
	if ((int)id == p->last_id && p->last_resp_len) {
		if (p->last_resp_len > cap)
			return EAP_PEER_IGNORE;
		memcpy(resp, p->last_resp, p->last_resp_len);
		*resp_len = p->last_resp_len;
		return EAP_PEER_RESPOND;
	}
	uint8_t type = pkt[4];
	const uint8_t *d = pkt + 5;
	size_t dn = plen - 5;
	switch (type) {
	case EAP_TYPE_IDENTITY:
		return respond(p, id, EAP_TYPE_IDENTITY, (const uint8_t *)p->anon,
			       strlen(p->anon), resp, cap, resp_len);
	case EAP_TYPE_NOTIFICATION:
		return respond(p, id, EAP_TYPE_NOTIFICATION, NULL, 0, resp, cap, resp_len);
	default:
		if (type != method_type(p)) {
			/* RFC 3748 5.3.1: propose the one method we have. */
			uint8_t want = method_type(p);
			return respond(p, id, EAP_TYPE_NAK, &want, 1, resp, cap, resp_len);
		}
		if (p->st == ST_FAILED && !p->out_len)
			return EAP_PEER_IGNORE;
		return method_request(p, id, d, dn, resp, cap, resp_len);
	}
}
