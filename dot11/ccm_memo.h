/*
 * dot11/ccm_memo.h - a small, bounded memo of the CCMP MPDUs one world's
 * engines have just encrypted, so that the receiver in the same world
 * does not run AES-CCM again over the very bytes another engine produced.
 *
 * Why it is sound: CCM decryption-verification (RFC 3610 2.5; IEEE
 * 802.11-2020 12.5.3.4.4) is a pure function of exactly (TK, nonce, AAD,
 * ciphertext, MIC), and CCM is correct: if encryption of P under (TK,
 * nonce, AAD) gave ciphertext C and MIC T, decryption of (TK, nonce, AAD,
 * C, T) gives P and success. So when all five inputs of a decryption are
 * byte-for-byte those of a recorded encryption, its result is P, without
 * AES. Anything else - a frame the device under test forged, corrupted,
 * replayed under another PN (another nonce), or sent under another key -
 * differs in at least one input byte and misses, and goes through the
 * real decryption. The 64-bit hash only chooses which entries to compare;
 * a hit is always confirmed by memcmp of the TK, nonce, AAD, ciphertext
 * and MIC in full. Replay detection (the PN against the last accepted,
 * 12.5.3.4.4) stays with the callers of dot11_ccmp_decrypt_with, above
 * this memo, and sees the same PN either way.
 *
 * What it saves: in a world a station's uplink MPDU is encrypted by its
 * radio and decrypted by the AP (and by the air capture's decryptor), a
 * downlink MPDU the other way round, a group-addressed one by every
 * station: each decryption of such an MPDU is a lookup and a copy
 * instead of an AES-CCM pass (two AES blocks per 16 octets).
 *
 * Contract:
 *  - One memo per world, created by its owner and handed to the engines
 *    (dot11_ccm_set_memo in dot11/crypto.h), which it must outlive. It is
 *    not shared between threads (a world runs on one).
 *  - It holds at most `entries` MPDUs (1..DOT11_CCM_MEMO_MAX_ENTRIES) of
 *    at most DOT11_CCM_MEMO_MAX_PLAIN plaintext octets each, in memory
 *    allocated once by dot11_ccm_memo_new; a longer MPDU is not recorded.
 *    When full, a new record replaces the oldest (first in, first out);
 *    a lookup walks one bucket of a hash index, not every entry;
 *    a hit does not remove an entry (a retransmission, a second receiver
 *    or the capture's decryptor may decrypt the same MPDU again).
 *  - It keeps keys and plaintexts: dot11_ccm_memo_free wipes them.
 *  - Off with LINKRIG_CCM_MEMO=0 in the environment: dot11_ccm_memo_enabled
 *    says whether an owner should make one (independent of LINKRIG_CCM,
 *    which chooses the AES implementation; the memo works with both).
 */
#ifndef LINKRIG_DOT11_CCM_MEMO_H
#define LINKRIG_DOT11_CCM_MEMO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DOT11_CCM_MEMO_MAX_ENTRIES 16384u
/* The largest MSDU (802.11-2020 9.2.4.7.1 without A-MSDU): 2304 octets. */
#define DOT11_CCM_MEMO_MAX_PLAIN 2304u
/*
 * What a world makes: 32 entries (~150 KB) plus 40 per radio (AP or
 * device, ~190 KB each), at most the maximum (~77 MB, some 400 radios).
 * An MPDU is encrypted when the model queues it and decrypted when the
 * air delivers it, so every radio's queued frames are in flight at once,
 * and in a busy world frames wait in queues: in the 24-hour soak (one
 * camera) 8 entries gave 66% hits, 32 and 64 gave 100%; in a world of 100
 * cameras on 4 APs (10 minutes) 32 + 8 per radio gave 63%, 32 + 40 per
 * radio 100% (LINKRIG_CCM_MEMO_STATS=1). The memory is touched only as
 * entries fill.
 */
#define DOT11_CCM_MEMO_DEFAULT_ENTRIES 32u
#define DOT11_CCM_MEMO_ENTRIES_PER_RADIO 40u

typedef struct dot11_ccm_memo dot11_ccm_memo;

/* 1 unless the environment sets LINKRIG_CCM_MEMO=0. */
int dot11_ccm_memo_enabled(void);

/* NULL when entries is 0 or above the maximum, or out of memory. Memory
 * for entries is reserved, and touched only as entries fill. */
dot11_ccm_memo *dot11_ccm_memo_new(size_t entries);
/* The entries a world of `radios` APs and devices gets (see above). */
size_t dot11_ccm_memo_entries_for(size_t radios);
/* Wipes and frees; NULL is ignored. */
void dot11_ccm_memo_free(dot11_ccm_memo *m);

/*
 * Records a successful encryption: tk, the 13-octet nonce, the AAD, the
 * plaintext, the ciphertext (len octets each) and the 8-octet MIC.
 * Nothing is recorded when len is 0 or above DOT11_CCM_MEMO_MAX_PLAIN or
 * aad_len above 32.
 */
void dot11_ccm_memo_put(dot11_ccm_memo *m, const uint8_t tk[16], const uint8_t nonce[13], const uint8_t *aad,
			size_t aad_len, const uint8_t *plain, const uint8_t *cipher, size_t len,
			const uint8_t mic[8]);

/*
 * Looks a decryption up: 1 when an entry has exactly this tk, nonce, AAD,
 * ciphertext (len octets) and MIC, its plaintext then copied to out (len
 * octets); 0 otherwise, out untouched.
 */
int dot11_ccm_memo_get(dot11_ccm_memo *m, const uint8_t tk[16], const uint8_t nonce[13], const uint8_t *aad,
		       size_t aad_len, const uint8_t *cipher, size_t len, const uint8_t mic[8], uint8_t *out);

/* Counters since creation (benchmarks and debugging): lookups, hits,
 * records. Any pointer may be NULL. */
void dot11_ccm_memo_stats(const dot11_ccm_memo *m, uint64_t *lookups, uint64_t *hits, uint64_t *records);

/* Bytes the memo holds (its struct and entries), fixed at creation. */
size_t dot11_ccm_memo_size(const dot11_ccm_memo *m);

#ifdef __cplusplus
}
#endif

#endif /* LINKRIG_DOT11_CCM_MEMO_H */
