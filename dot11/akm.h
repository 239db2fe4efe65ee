/*
 * dot11/akm.h - what the AKM selects in the 4-way handshake (IEEE
 * 802.11-2020 12.7.1.3, 12.7.3 Table 12-11): the PTK's KDF, the EAPOL-Key
 * MIC algorithm and the Key Descriptor Version.
 *
 *   AKM (00-0F-AC:n)    KDF                    MIC               Key Descriptor Version
 *   1 802.1X, 2 PSK     PRF-384 (HMAC-SHA-1)   HMAC-SHA-1-128    2
 *   8 SAE               KDF-SHA-256-384        AES-128-CMAC      0 (defined by the AKM)
 *
 * KCK and KEK are 128 bits and the MIC 16 octets for all three, so the
 * PTK layout of dot11/crypto.h holds. Functions return 0 or a negative
 * DOT11_CRYPTO_E* code (dot11/crypto.h).
 */
#ifndef LINKRIG_DOT11_AKM_H
#define LINKRIG_DOT11_AKM_H

#include <stddef.h>
#include <stdint.h>

#include "dot11/frame.h"

#ifndef DOT11_AKM_SAE
#define DOT11_AKM_SAE DOT11_SUITE(DOT11_OUI_IEEE80211, 8)
#endif

/* 12.7.1.7.2: KDF-Hash-Length with HMAC-SHA-256; i and Length as 16-bit
 * little-endian. out receives (bits + 7) / 8 octets. */
int dot11_kdf_sha256(const uint8_t *key, size_t key_len, const char *label,
                     const uint8_t *context, size_t context_len, uint8_t *out, size_t bits);

int dot11_akm_key_descriptor_version(uint32_t akm);
int dot11_akm_ptk_derive(uint32_t akm, const uint8_t pmk[32], const uint8_t aa[6],
                         const uint8_t spa[6], const uint8_t anonce[32],
                         const uint8_t snonce[32], uint8_t ptk[48]);
int dot11_akm_eapol_mic(uint32_t akm, const uint8_t kck[16], const uint8_t *eapol_frame,
                        size_t len, uint8_t mic[16]);
int dot11_akm_eapol_mic_verify(uint32_t akm, const uint8_t kck[16], const uint8_t *eapol_frame,
                               size_t len);

#endif
