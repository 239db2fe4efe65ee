/*
 * Unit tests for dot11/pmk_cache (a world's memo of PSK derivations): a
 * hit gives the PMK of IEEE 802.11-2020 J.4.2's test vector as the
 * derivation does; any other SSID or passphrase (a prefix, one more
 * character) is derived anew; refused inputs are refused every time and
 * never remembered; the oldest pair goes when it is full; NULL derives.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "dot11/crypto.h"
#include "dot11/pmk_cache.h"

/* J.4.2, test case 1: passphrase "password", SSID "IEEE". */
static const uint8_t pmk_ieee[32] = { 0xf4, 0x2c, 0x6f, 0xc5, 0x2d, 0xf0, 0xeb, 0xef, 0x9e, 0xbb, 0x4b,
				      0x90, 0xb3, 0x8a, 0x5f, 0x90, 0x2e, 0x83, 0xfe, 0x1b, 0x13, 0x5a,
				      0x70, 0xe2, 0x3a, 0xed, 0x76, 0x2e, 0x97, 0x10, 0xa1, 0x2e };

static uint64_t derived_of(const dot11_pmk_cache *c)
{
	uint64_t d;

	dot11_pmk_cache_stats(c, &d, NULL);
	return d;
}

static uint64_t hits_of(const dot11_pmk_cache *c)
{
	uint64_t h;

	dot11_pmk_cache_stats(c, NULL, &h);
	return h;
}

static void test_vector_and_hit(void **state)
{
	dot11_pmk_cache *c = dot11_pmk_cache_new();
	uint8_t pmk[32], want[32];

	(void)state;
	assert_non_null(c);
	memset(pmk, 0, sizeof(pmk));
	assert_int_equal(dot11_pmk_cache_derive(c, "password", (const uint8_t *)"IEEE", 4, pmk), 0);
	assert_memory_equal(pmk, pmk_ieee, 32);
	assert_true(derived_of(c) == 1 && hits_of(c) == 0);
	memset(pmk, 0, sizeof(pmk));
	assert_int_equal(dot11_pmk_cache_derive(c, "password", (const uint8_t *)"IEEE", 4, pmk), 0);
	assert_memory_equal(pmk, pmk_ieee, 32);
	assert_true(derived_of(c) == 1 && hits_of(c) == 1);

	/* Neighbours of the remembered pair are derived, and differ. */
	assert_int_equal(dot11_pmk_cache_derive(c, "password1", (const uint8_t *)"IEEE", 4, pmk), 0);
	assert_int_equal(dot11_pmk_from_passphrase("password1", (const uint8_t *)"IEEE", 4, want), 0);
	assert_memory_equal(pmk, want, 32);
	assert_memory_not_equal(pmk, pmk_ieee, 32);
	assert_int_equal(dot11_pmk_cache_derive(c, "password", (const uint8_t *)"IEEE!", 5, pmk), 0);
	assert_memory_not_equal(pmk, pmk_ieee, 32);
	assert_int_equal(dot11_pmk_cache_derive(c, "password", (const uint8_t *)"IEE", 3, pmk), 0);
	assert_memory_not_equal(pmk, pmk_ieee, 32);
	assert_true(derived_of(c) == 4 && hits_of(c) == 1);
	dot11_pmk_cache_free(c);
	dot11_pmk_cache_free(NULL);
}

static void test_refusals_not_remembered(void **state)
{
	dot11_pmk_cache *c = dot11_pmk_cache_new();
	char long_pass[80];
	uint8_t pmk[32];

	(void)state;
	assert_non_null(c);
	memset(long_pass, 'a', 64);
	long_pass[64] = '\0'; /* 64 characters: a hex PSK's length, refused (J.4.1) */
	for (int k = 0; k < 2; k++) {
		assert_int_equal(dot11_pmk_cache_derive(c, "short", (const uint8_t *)"IEEE", 4, pmk),
				 DOT11_CRYPTO_EINVAL);
		assert_int_equal(dot11_pmk_cache_derive(c, long_pass, (const uint8_t *)"IEEE", 4, pmk),
				 DOT11_CRYPTO_EINVAL);
		assert_int_equal(dot11_pmk_cache_derive(c, "password", (const uint8_t *)"IEEE", 0, pmk),
				 DOT11_CRYPTO_EINVAL);
		assert_int_equal(dot11_pmk_cache_derive(c, "password", (const uint8_t *)"0123456789abcdef0123456789abcdefX",
							33, pmk),
				 DOT11_CRYPTO_EINVAL);
		assert_int_equal(dot11_pmk_cache_derive(c, NULL, (const uint8_t *)"IEEE", 4, pmk), DOT11_CRYPTO_EINVAL);
	}
	assert_true(derived_of(c) == 0 && hits_of(c) == 0);
	dot11_pmk_cache_free(c);
}

static void test_eviction_and_null(void **state)
{
	dot11_pmk_cache *c = dot11_pmk_cache_new();
	uint8_t pmk[32];
	char ssid[16];
	unsigned n = DOT11_PMK_CACHE_ENTRIES;

	(void)state;
	assert_non_null(c);
	for (unsigned i = 0; i <= n; i++) { /* one more than fits: the first goes */
		snprintf(ssid, sizeof(ssid), "net%u", i);
		assert_int_equal(dot11_pmk_cache_derive(c, "password", (const uint8_t *)ssid, strlen(ssid), pmk), 0);
	}
	assert_true(derived_of(c) == n + 1);
	for (unsigned i = 1; i <= n; i++) {
		snprintf(ssid, sizeof(ssid), "net%u", i);
		assert_int_equal(dot11_pmk_cache_derive(c, "password", (const uint8_t *)ssid, strlen(ssid), pmk), 0);
	}
	assert_true(derived_of(c) == n + 1 && hits_of(c) == n);
	assert_int_equal(dot11_pmk_cache_derive(c, "password", (const uint8_t *)"net0", 4, pmk), 0);
	assert_true(derived_of(c) == n + 2);
	dot11_pmk_cache_free(c);

	/* No cache: a plain derivation. */
	memset(pmk, 0, sizeof(pmk));
	assert_int_equal(dot11_pmk_cache_derive(NULL, "password", (const uint8_t *)"IEEE", 4, pmk), 0);
	assert_memory_equal(pmk, pmk_ieee, 32);
	assert_true(derived_of(NULL) == 0 && hits_of(NULL) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_and_hit),
		cmocka_unit_test(test_refusals_not_remembered),
		cmocka_unit_test(test_eviction_and_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
