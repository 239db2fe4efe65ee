/*
 * dot11/pmk_cache.h - one world's memo of PSK derivations, so that an AP,
 * every station that joins it and the decrypted capture derive the PMK of
 * a (passphrase, SSID) pair once between them instead of once each.
 *
 * Why: the PMK of WPA2-Personal is PBKDF2-HMAC-SHA1(passphrase, SSID,
 * 4096 iterations, 256 bits) (IEEE 802.11-2020 J.4.1), a pure function of
 * those two inputs and by far the most expensive step of setting a network
 * up: about 2 ms of CPU with OpenSSL, several times in every world (the
 * AP, each station, the capture's decryptor), a tenth of a short run's
 * CPU time and most of a large world's start. The simulated chip already
 * caches its own derivations (radio.c, as real chips do); this memo is
 * below that, invisible to the models: a hit gives the PMK the derivation
 * would, and no virtual time or output depends on whether it hit.
 *
 * Contract:
 *  - One per world, made by its owner and handed to the models through
 *    their configs; it must outlive them. Not shared between threads.
 *  - At most DOT11_PMK_CACHE_ENTRIES pairs; when full, the oldest pair is
 *    replaced. Only valid inputs (what dot11_pmk_from_passphrase accepts)
 *    are remembered; invalid ones get its error every time.
 *  - It keeps passphrases and PMKs: dot11_pmk_cache_free wipes them.
 */
#ifndef LINKRIG_DOT11_PMK_CACHE_H
#define LINKRIG_DOT11_PMK_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define DOT11_PMK_CACHE_ENTRIES 16u

typedef struct dot11_pmk_cache dot11_pmk_cache;

/* NULL when out of memory. */
dot11_pmk_cache *dot11_pmk_cache_new(void);
/* Wipes and frees; NULL is ignored. */
void dot11_pmk_cache_free(dot11_pmk_cache *c);

/*
 * pmk (32 octets) for (passphrase, ssid): remembered, or derived with
 * dot11_pmk_from_passphrase (dot11/crypto.h) and then remembered. c may be
 * NULL (always derives). Returns what dot11_pmk_from_passphrase returns:
 * 0, or DOT11_CRYPTO_EINVAL for a passphrase or SSID it refuses (pmk then
 * untouched by a hit, as by a refusal).
 */
int dot11_pmk_cache_derive(dot11_pmk_cache *c, const char *passphrase, const uint8_t *ssid, size_t ssid_len,
			   uint8_t pmk[32]);

/* Derivations run and derivations answered from the memo; NULL pointers
 * are ignored (tests and benchmarks). */
void dot11_pmk_cache_stats(const dot11_pmk_cache *c, uint64_t *derived, uint64_t *hits);

#endif /* LINKRIG_DOT11_PMK_CACHE_H */
