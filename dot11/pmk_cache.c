/*
 * dot11/pmk_cache.c - see pmk_cache.h for the contract and why it is sound.
 */
#include "dot11/pmk_cache.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "dot11/crypto.h"

struct pmk_entry {
	int used;
	size_t ssid_len;
	uint8_t ssid[32];
	char passphrase[64]; /* 8..63 characters and the NUL (J.4.1) */
	uint8_t pmk[32];
};

struct dot11_pmk_cache {
	struct pmk_entry e[DOT11_PMK_CACHE_ENTRIES];
	size_t next; /* the oldest entry: the next one replaced */
	uint64_t derived, hits;
};

dot11_pmk_cache *dot11_pmk_cache_new(void)
{
	return calloc(1, sizeof(dot11_pmk_cache));
}

void dot11_pmk_cache_free(dot11_pmk_cache *c)
{
	if (c == NULL)
		return;
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

int dot11_pmk_cache_derive(dot11_pmk_cache *c, const char *passphrase, const uint8_t *ssid, size_t ssid_len,
			   uint8_t pmk[32])
{
	struct pmk_entry *e;
	size_t i, n;
	int rc;

	if (c != NULL && passphrase != NULL && ssid != NULL && pmk != NULL && ssid_len <= sizeof(e->ssid)) {
		/* Bounded: a passphrase without a NUL in 64 octets is invalid
		 * anyway and goes to the derivation, which refuses it. */
		for (n = 0; n < sizeof(e->passphrase) && passphrase[n] != '\0'; n++)
			;
		for (i = 0; n < sizeof(e->passphrase) && i < DOT11_PMK_CACHE_ENTRIES; i++) {
			e = &c->e[i];
			if (e->used && e->ssid_len == ssid_len && memcmp(e->ssid, ssid, ssid_len) == 0 &&
			    memcmp(e->passphrase, passphrase, n + 1) == 0) {
				memcpy(pmk, e->pmk, sizeof(e->pmk));
				c->hits++;
				return 0;
			}
		}
	}
	rc = dot11_pmk_from_passphrase(passphrase, ssid, ssid_len, pmk);
	if (c == NULL || rc != 0)
		return rc;
	c->derived++;
	/* Valid inputs: an SSID of 1..32 octets, a passphrase of 8..63. */
	e = &c->e[c->next];
	c->next = (c->next + 1) % DOT11_PMK_CACHE_ENTRIES;
	e->used = 1;
	e->ssid_len = ssid_len;
	memcpy(e->ssid, ssid, ssid_len);
	n = strlen(passphrase);
	memcpy(e->passphrase, passphrase, n + 1);
	memcpy(e->pmk, pmk, sizeof(e->pmk));
	return 0;
}

void dot11_pmk_cache_stats(const dot11_pmk_cache *c, uint64_t *derived, uint64_t *hits)
{
	if (derived != NULL)
		*derived = c != NULL ? c->derived : 0;
	if (hits != NULL)
		*hits = c != NULL ? c->hits : 0;
}
