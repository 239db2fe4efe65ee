/* Fuzz target: the chip's EAP peer (eap/eap_peer.c) fed a sequence of EAP
 * packets from the authenticator, for its password methods (the first byte
 * picks PEAP-MSCHAPv2 or TTLS-PAP and the fragment size; the server is not
 * checked, so the TLS handshake can go on with any server). The
 * rest is packets, each preceded by a 2-byte big-endian length. Responses
 * never exceed the buffer, and a success always has an MSK. */
#include <stdlib.h>
#include <string.h>

#include "eap/eap_peer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int m = data[0] % 2;
    eap_peer_config c = {
        .method = m == 0 ? EAP_METHOD_PEAP_MSCHAPV2 : EAP_METHOD_TTLS_PAP,
        .identity = "alice",
        .anonymous_identity = "anonymous",
        .password = "wonderland",
        .fragment_size = 64 + (data[0] >> 2),
    };
    char err[160];
    eap_peer *p = eap_peer_new(&c, err, sizeof err);
    if (p == NULL)
        abort();
    size_t off = 1;
    uint8_t resp[EAP_PEER_MAX_PACKET];
    while (off + 2 <= size) {
        size_t n = ((size_t)data[off] << 8) | data[off + 1];
        off += 2;
        if (n > size - off)
            n = size - off;
        size_t rl = 0;
        eap_peer_result r = eap_peer_rx(p, data + off, n, resp, sizeof resp, &rl);
        off += n;
        if (r == EAP_PEER_RESPOND && (rl < 5 || rl > sizeof resp))
            abort();
        if (r == EAP_PEER_SUCCESS) {
            uint8_t msk[EAP_MSK_LEN];
            if (eap_peer_msk(p, msk) != 0)
                abort();
        }
        if (r == EAP_PEER_SUCCESS || r == EAP_PEER_FAILURE)
            break;
    }
    eap_peer_free(p);
    return 0;
}
