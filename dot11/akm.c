/* dot11/akm.c - see akm.h. */
#include "dot11/akm.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "dot11/bip.h"
#include "dot11/crypto.h"

#define EAPOL_MIC_OFFSET 81u /* header 4 + descriptor 77 (12.7.2 Figure 12-32) */
#define EAPOL_MIC_LEN 16u
#define EAPOL_KEY_MIN (EAPOL_MIC_OFFSET + EAPOL_MIC_LEN + 2u)

int dot11_kdf_sha256(const uint8_t *key, size_t key_len, const char *label,
                     const uint8_t *context, size_t context_len, uint8_t *out, size_t bits)
{
    size_t need = (bits + 7) / 8, done = 0, ll = label ? strlen(label) : 0;
    uint8_t m[2 + 64 + 128 + 2];
    if (!key || !out || ll > 64 || context_len > 128 || bits == 0 || bits > 0xffff)
        return DOT11_CRYPTO_EINVAL;
    for (uint16_t i = 1; done < need; i++) {
        size_t n = 0;
        m[n++] = (uint8_t)i;
        m[n++] = (uint8_t)(i >> 8);
        memcpy(m + n, label, ll);
        n += ll;
        if (context_len)
            memcpy(m + n, context, context_len);
        n += context_len;
        m[n++] = (uint8_t)bits;
        m[n++] = (uint8_t)(bits >> 8);
        uint8_t h[32];
        unsigned int hl = 0;
        if (!HMAC(EVP_sha256(), key, (int)key_len, m, n, h, &hl) || hl != 32) {
            OPENSSL_cleanse(out, need);
            return DOT11_CRYPTO_ELIB;
        }
        size_t k = need - done > 32 ? 32 : need - done;
        memcpy(out + done, h, k);
        OPENSSL_cleanse(h, sizeof h);
        done += k;
    }
    return 0;
}

int dot11_akm_key_descriptor_version(uint32_t akm)
{
    return akm == DOT11_AKM_SAE ? 0 : DOT11_CRYPTO_KEYVER_HMAC_SHA1;
}

int dot11_akm_ptk_derive(uint32_t akm, const uint8_t pmk[32], const uint8_t aa[6],
                         const uint8_t spa[6], const uint8_t anonce[32],
                         const uint8_t snonce[32], uint8_t ptk[48])
{
    if (akm != DOT11_AKM_SAE)
        return dot11_ptk_derive(pmk, aa, spa, anonce, snonce, ptk);
    if (!pmk || !aa || !spa || !anonce || !snonce || !ptk)
        return DOT11_CRYPTO_EINVAL;
    /* 12.7.1.3: the same context as PRF-384, Min/Max as big-endian numbers
     * (memcmp order), hashed with KDF-SHA-256. */
    uint8_t ctx[2 * 6 + 2 * 32];
    int a_lo = memcmp(aa, spa, 6) < 0, n_lo = memcmp(anonce, snonce, 32) < 0;
    memcpy(ctx, a_lo ? aa : spa, 6);
    memcpy(ctx + 6, a_lo ? spa : aa, 6);
    memcpy(ctx + 12, n_lo ? anonce : snonce, 32);
    memcpy(ctx + 44, n_lo ? snonce : anonce, 32);
    return dot11_kdf_sha256(pmk, 32, "Pairwise key expansion", ctx, sizeof ctx, ptk, 384);
}

/* AES-128-CMAC over the declared EAPOL frame with the MIC field zero. */
static int cmac_mic(const uint8_t kck[16], const uint8_t *frame, size_t len, uint8_t mic[16])
{
    if (!kck || !frame || !mic || len < EAPOL_KEY_MIN || frame[1] != 3)
        return DOT11_CRYPTO_EINVAL;
    size_t flen = 4 + (((size_t)frame[2] << 8) | frame[3]);
    if (flen < EAPOL_KEY_MIN || flen > len || flen > 4096)
        return DOT11_CRYPTO_EINVAL;
    uint8_t copy[4096];
    memcpy(copy, frame, flen);
    memset(copy + EAPOL_MIC_OFFSET, 0, EAPOL_MIC_LEN);
    int rc = bip_aes_cmac(kck, copy, flen, copy, 0, mic);
    return rc == 0 ? 0 : DOT11_CRYPTO_ELIB;
}

int dot11_akm_eapol_mic(uint32_t akm, const uint8_t kck[16], const uint8_t *eapol_frame,
                        size_t len, uint8_t mic[16])
{
    if (akm != DOT11_AKM_SAE)
        return dot11_eapol_mic(kck, DOT11_CRYPTO_KEYVER_HMAC_SHA1, eapol_frame, len, mic);
    return cmac_mic(kck, eapol_frame, len, mic);
}

int dot11_akm_eapol_mic_verify(uint32_t akm, const uint8_t kck[16], const uint8_t *eapol_frame,
                               size_t len)
{
    if (akm != DOT11_AKM_SAE)
        return dot11_eapol_mic_verify(kck, DOT11_CRYPTO_KEYVER_HMAC_SHA1, eapol_frame, len);
    uint8_t mic[16];
    int rc = cmac_mic(kck, eapol_frame, len, mic);
    if (rc == 0 && CRYPTO_memcmp(mic, eapol_frame + EAPOL_MIC_OFFSET, 16) != 0)
        rc = DOT11_CRYPTO_EAUTH;
    OPENSSL_cleanse(mic, sizeof mic);
    return rc;
}
