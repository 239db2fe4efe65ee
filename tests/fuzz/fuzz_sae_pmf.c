/* Fuzz target: what WPA3 and PMF read from the air. The first byte picks:
 * an SAE Commit body (dot11/sae.c, after our own commit, with or without a
 * token), an SAE Confirm body, an anti-clogging token request, a
 * group-addressed management frame with an MME (dot11/bip.c: bip_verify),
 * a protected management frame (dot11_mgmt_unprotect), or key data with an
 * IGTK KDE (dot11_key_data_find_igtk). */
#include <stdlib.h>
#include <string.h>

#include "dot11/bip.h"
#include "dot11/sae.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t own[6] = {0x02, 0, 0, 0, 0, 1}, peer[6] = {0x02, 0, 0, 0, 0xaa, 1};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    static const uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    switch (sel % 6) {
    case 0:
    case 1: {
        /* The password element costs 40 hunting-and-pecking rounds: made
         * once and reused (a new exchange per input would be too slow). */
        static dot11_sae *s;
        if (s == NULL)
            s = dot11_sae_new(own, peer, "correct horse battery", NULL);
        if (s == NULL)
            abort();
        uint8_t out[DOT11_SAE_COMMIT_MAX];
        size_t ol = 0;
        if (dot11_sae_write_commit(s, NULL, 0, out, sizeof out, &ol) != 0)
            abort();
        if (sel % 6 == 0) {
            int rc = dot11_sae_process_commit(s, d, n, (sel >> 3) & 1 ? 32 : 0);
            if (rc == 0 && dot11_sae_write_confirm(s, 1, out, sizeof out, &ol) != 0)
                abort();
        } else {
            dot11_sae_check_confirm(s, d, n);
        }
        break;
    }
    case 2: {
        uint16_t g;
        const uint8_t *tok;
        size_t tl;
        if (dot11_sae_parse_token_request(d, n, &g, &tok, &tl) == 0 && (tok + tl > d + n))
            abort();
        break;
    }
    case 3: {
        uint64_t last = 0;
        bip_verify(key, 4, &last, d, n);
        break;
    }
    case 4: {
        static uint8_t out[4096];
        size_t ol = 0;
        uint64_t pn;
        if (dot11_mgmt_unprotect(key, d, n, out, sizeof out, &ol, &pn) == 0 && ol > n)
            abort();
        break;
    }
    default: {
        uint16_t id;
        uint64_t ipn;
        uint8_t igtk[16];
        dot11_key_data_find_igtk(d, n, &id, &ipn, igtk);
        break;
    }
    }
    return 0;
}
