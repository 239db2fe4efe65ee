/*
 * dot11/ccm_memo.c - see ccm_memo.h for the contract and why it is sound.
 */
#include "dot11/ccm_memo.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#define MEMO_AAD_MAX 32u /* CCMP's AAD is at most 30 octets (12.5.3.3.3) */

struct memo_entry {
	uint64_t hash; /* of the lookup inputs below; picks, never decides */
	size_t len; /* 0: empty */
	size_t aad_len;
	uint32_t chain; /* the next entry of its bucket, plus one; 0 ends */
	uint8_t tk[16];
	uint8_t nonce[13];
	uint8_t mic[8];
	uint8_t aad[MEMO_AAD_MAX];
	uint8_t cipher[DOT11_CCM_MEMO_MAX_PLAIN];
	uint8_t plain[DOT11_CCM_MEMO_MAX_PLAIN];
};

/*
 * Entries are replaced first in, first out; a bucket index (chained,
 * hash & mask) makes a lookup one short chain instead of a scan of every
 * entry, so a memo sized for a world of many devices costs no more per
 * lookup than a small one.
 */
struct dot11_ccm_memo {
	size_t n;
	size_t next; /* the oldest entry: the next one replaced */
	uint64_t lookups, hits, records;
	size_t mask; /* buckets - 1, a power of two minus one */
	uint32_t *bucket; /* first entry of each bucket, plus one; 0: none */
	struct memo_entry *e;
};

int dot11_ccm_memo_enabled(void)
{
	const char *env = getenv("LINKRIG_CCM_MEMO");

	return !(env != NULL && strcmp(env, "0") == 0);
}

dot11_ccm_memo *dot11_ccm_memo_new(size_t entries)
{
	dot11_ccm_memo *m;
	size_t buckets = 1;

	if (entries == 0 || entries > DOT11_CCM_MEMO_MAX_ENTRIES)
		return NULL;
	while (buckets < entries)
		buckets <<= 1;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	/* calloc: pages of entries never filled are never touched. */
	m->e = calloc(entries, sizeof(*m->e));
	m->bucket = calloc(buckets, sizeof(*m->bucket));
	if (m->e == NULL || m->bucket == NULL) {
		free(m->e);
		free(m->bucket);
		free(m);
		return NULL;
	}
	m->n = entries;
	m->mask = buckets - 1;
	return m;
}

size_t dot11_ccm_memo_entries_for(size_t radios)
{
	size_t n = DOT11_CCM_MEMO_DEFAULT_ENTRIES + DOT11_CCM_MEMO_ENTRIES_PER_RADIO * radios;

	return n > DOT11_CCM_MEMO_MAX_ENTRIES ? DOT11_CCM_MEMO_MAX_ENTRIES : n;
}

void dot11_ccm_memo_free(dot11_ccm_memo *m)
{
	if (m == NULL)
		return;
	OPENSSL_cleanse(m->e, m->n * sizeof(*m->e));
	free(m->e);
	free(m->bucket);
	free(m);
}

/* FNV-1a over TK, nonce, MIC and lengths: the MIC already depends on every
 * octet of the MPDU, so the ciphertext need not be hashed. */
static uint64_t memo_hash(const uint8_t tk[16], const uint8_t nonce[13], const uint8_t mic[8], size_t aad_len,
			  size_t len)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	size_t i;

	for (i = 0; i < 16; i++)
		h = (h ^ tk[i]) * UINT64_C(0x100000001b3);
	for (i = 0; i < 13; i++)
		h = (h ^ nonce[i]) * UINT64_C(0x100000001b3);
	for (i = 0; i < 8; i++)
		h = (h ^ mic[i]) * UINT64_C(0x100000001b3);
	h = (h ^ (uint64_t)aad_len) * UINT64_C(0x100000001b3);
	h = (h ^ (uint64_t)len) * UINT64_C(0x100000001b3);
	return h;
}

/* Takes entry i out of its bucket's chain (before it is replaced). */
static void memo_unlink(dot11_ccm_memo *m, size_t i)
{
	uint32_t *link = &m->bucket[(size_t)m->e[i].hash & m->mask];

	while (*link != 0 && *link != i + 1)
		link = &m->e[*link - 1].chain;
	if (*link != 0)
		*link = m->e[i].chain;
	m->e[i].chain = 0;
}

void dot11_ccm_memo_put(dot11_ccm_memo *m, const uint8_t tk[16], const uint8_t nonce[13], const uint8_t *aad,
			size_t aad_len, const uint8_t *plain, const uint8_t *cipher, size_t len,
			const uint8_t mic[8])
{
	struct memo_entry *e;
	size_t i, b;

	if (m == NULL || len == 0 || len > DOT11_CCM_MEMO_MAX_PLAIN || aad_len > MEMO_AAD_MAX)
		return;
	i = m->next;
	e = &m->e[i];
	m->next = (m->next + 1) % m->n;
	if (e->len != 0)
		memo_unlink(m, i);
	e->hash = memo_hash(tk, nonce, mic, aad_len, len);
	b = (size_t)e->hash & m->mask;
	e->chain = m->bucket[b];
	m->bucket[b] = (uint32_t)(i + 1);
	e->len = len;
	e->aad_len = aad_len;
	memcpy(e->tk, tk, sizeof(e->tk));
	memcpy(e->nonce, nonce, sizeof(e->nonce));
	memcpy(e->mic, mic, sizeof(e->mic));
	memcpy(e->aad, aad, aad_len);
	memcpy(e->cipher, cipher, len);
	memcpy(e->plain, plain, len);
	m->records++;
}

int dot11_ccm_memo_get(dot11_ccm_memo *m, const uint8_t tk[16], const uint8_t nonce[13], const uint8_t *aad,
		       size_t aad_len, const uint8_t *cipher, size_t len, const uint8_t mic[8], uint8_t *out)
{
	uint64_t h;
	uint32_t link;

	if (m == NULL)
		return 0;
	m->lookups++;
	if (len == 0 || len > DOT11_CCM_MEMO_MAX_PLAIN || aad_len > MEMO_AAD_MAX)
		return 0;
	h = memo_hash(tk, nonce, mic, aad_len, len);
	for (link = m->bucket[(size_t)h & m->mask]; link != 0; link = m->e[link - 1].chain) {
		const struct memo_entry *e = &m->e[link - 1];

		/* Equality of every input decides, never the hash alone. */
		if (e->len != len || e->hash != h || e->aad_len != aad_len ||
		    memcmp(e->tk, tk, sizeof(e->tk)) != 0 || memcmp(e->nonce, nonce, sizeof(e->nonce)) != 0 ||
		    memcmp(e->mic, mic, sizeof(e->mic)) != 0 || memcmp(e->aad, aad, aad_len) != 0 ||
		    memcmp(e->cipher, cipher, len) != 0)
			continue;
		memcpy(out, e->plain, len);
		m->hits++;
		return 1;
	}
	return 0;
}

void dot11_ccm_memo_stats(const dot11_ccm_memo *m, uint64_t *lookups, uint64_t *hits, uint64_t *records)
{
	if (lookups != NULL)
		*lookups = m != NULL ? m->lookups : 0;
	if (hits != NULL)
		*hits = m != NULL ? m->hits : 0;
	if (records != NULL)
		*records = m != NULL ? m->records : 0;
}

size_t dot11_ccm_memo_size(const dot11_ccm_memo *m)
{
	return m != NULL ? sizeof(*m) + m->n * sizeof(*m->e) + (m->mask + 1) * sizeof(*m->bucket) : 0;
}
