/* BIP-CMAC-128 and SA Query (dot11/bip.c): the CMAC against RFC 4493's
 * examples, then protect/verify of a broadcast deauthentication with the
 * IGTK of IEEE 802.11 Annex M.9.1, tampering, replay, and the FC bits the
 * AAD masks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdint.h>
#include <string.h>

#include "dot11/bip.h"

static void cmac_rfc4493(void **state)
{
	(void)state;
	const uint8_t key[16] = { 0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
				  0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c };
	const uint8_t m[16] = { 0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96,
				0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a };
	const uint8_t empty_mac[16] = { 0xbb, 0x1d, 0x69, 0x29, 0xe9, 0x59, 0x37, 0x28,
					0x7f, 0xa3, 0x7d, 0x12, 0x9b, 0x75, 0x67, 0x46 };
	const uint8_t m16_mac[16] = { 0x07, 0x0a, 0x16, 0xb4, 0x6b, 0x4d, 0x41, 0x44,
				      0xf7, 0x9b, 0xdd, 0x9d, 0xd0, 0x4a, 0x28, 0x7c };
	uint8_t out[16];
	assert_int_equal(bip_aes_cmac(key, m, 0, m, 0, out), 0);
	assert_memory_equal(out, empty_mac, 16);
	/* Split input gives the same as whole. */
	assert_int_equal(bip_aes_cmac(key, m, 5, m + 5, 11, out), 0);
	assert_memory_equal(out, m16_mac, 16);
}

static const uint8_t igtk[16] = { 0x4e, 0xa9, 0x54, 0x3e, 0x09, 0xcf, 0x2b, 0x1e,
				  0xca, 0x66, 0xff, 0xc5, 0x8b, 0xde, 0xcb, 0xcf };
static const uint8_t deauth[26] = { 0xc0, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				    0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
				    0x00, 0x00, 0x09, 0x00, 0x02, 0x00 };

static void protect_and_verify(void **state)
{
	(void)state;
	uint8_t f[64];
	size_t n;
	memcpy(f, deauth, sizeof deauth);
	assert_int_equal(bip_protect(igtk, 4, 4, f, sizeof deauth, sizeof f, &n), 0);
	assert_int_equal(n, sizeof deauth + BIP_MME_LEN);
	/* MME: 76, 16, key id 4, IPN 4 little-endian. */
	const uint8_t mme_head[10] = { 76, 16, 4, 0, 4, 0, 0, 0, 0, 0 };
	assert_memory_equal(f + sizeof deauth, mme_head, 10);
	uint64_t last = 3;
	assert_int_equal(bip_verify(igtk, 4, &last, f, n), 0);
	assert_int_equal(last, 4);
	/* The same IPN again is a replay. */
	assert_int_equal(bip_verify(igtk, 4, &last, f, n), BIP_EREPLAY);
	last = 0;
	/* Retry, Power Management and More Data are masked out of the AAD. */
	f[1] |= 0x38;
	assert_int_equal(bip_verify(igtk, 4, &last, f, n), 0);
	last = 0;
	f[1] &= (uint8_t)~0x38;
	/* Another reason code, another transmitter, or another key fail. */
	f[24] = 0x07;
	assert_int_equal(bip_verify(igtk, 4, &last, f, n), BIP_EAUTH);
	f[24] = 0x02;
	f[11] ^= 1;
	assert_int_equal(bip_verify(igtk, 4, &last, f, n), BIP_EAUTH);
	f[11] ^= 1;
	assert_int_equal(bip_verify(igtk, 5, &last, f, n), BIP_EAUTH);
	uint8_t other[16];
	memcpy(other, igtk, 16);
	other[0] ^= 0x80;
	assert_int_equal(bip_verify(other, 4, &last, f, n), BIP_EAUTH);
	/* Too short, or no MME at the end. */
	assert_int_equal(bip_verify(igtk, 4, &last, f, 30), BIP_EINVAL);
	assert_int_equal(bip_verify(igtk, 4, &last, deauth, sizeof deauth), BIP_EINVAL);
	assert_int_equal(bip_protect(igtk, 1, 4, f, sizeof deauth, sizeof f, &n), BIP_EINVAL);
	assert_int_equal(bip_protect(igtk, 4, 4, f, sizeof deauth, 30, &n), BIP_ENOSPC);
}

static void sa_query_frames(void **state)
{
	(void)state;
	uint8_t b[8], id[2] = { 0x12, 0x34 }, got[2];
	size_t n;
	int action;
	assert_int_equal(dot11_sa_query_build(b, sizeof b, DOT11_SA_QUERY_REQUEST, id, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(dot11_sa_query_parse(b, n, &action, got), 0);
	assert_int_equal(action, DOT11_SA_QUERY_REQUEST);
	assert_memory_equal(got, id, 2);
	b[1] = 7;
	assert_int_equal(dot11_sa_query_parse(b, n, &action, got), BIP_EINVAL);
	assert_int_equal(dot11_sa_query_parse(b, 3, &action, got), BIP_EINVAL);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(cmac_rfc4493),
		cmocka_unit_test(protect_and_verify),
		cmocka_unit_test(sa_query_frames),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
