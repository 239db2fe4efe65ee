/* Fuzz target: a RADIUS reply from the authentication server
 * (eap/radius.c: radius_parse_reply), as the AP's 802.1X authenticator reads
 * it. The first 17 input bytes are the request's identifier and Request
 * Authenticator, the rest the datagram. A reply that parses has its
 * EAP-Message within bounds; a reply re-signed with the right secret (the
 * second half of each run) reaches the attribute walk and the MS-MPPE key
 * decryption, which a random Response Authenticator never would. */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "eap/radius.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET "fuzz-secret"

/* RFC 2865 3 and RFC 3579 3.2: sign pkt as the server would. */
static void sign(uint8_t *pkt, size_t len, const uint8_t auth[16])
{
    uint8_t tmp[RADIUS_MAX_LEN];
    memcpy(tmp, pkt, len);
    memcpy(tmp + 4, auth, 16);
    unsigned int n = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c)
        return;
    EVP_DigestInit_ex(c, EVP_md5(), NULL);
    EVP_DigestUpdate(c, tmp, len);
    EVP_DigestUpdate(c, SECRET, strlen(SECRET));
    EVP_DigestFinal_ex(c, pkt + 4, &n);
    EVP_MD_CTX_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 17 + RADIUS_HDR_LEN || size > 17 + RADIUS_MAX_LEN)
        return 0;
    static radius_reply rr;
    char err[160];
    uint8_t id = data[0];
    const uint8_t *auth = data + 1;
    const uint8_t *pkt = data + 17;
    size_t len = size - 17;
    if (radius_parse_reply(pkt, len, id, auth, SECRET, &rr, err, sizeof err) == 0 &&
        rr.eap_len > sizeof rr.eap)
        abort();
    /* The same bytes with a valid Length, identifier and Response
     * Authenticator (no Message-Authenticator unless the input has one). */
    uint8_t p[RADIUS_MAX_LEN];
    memcpy(p, pkt, len);
    p[1] = id;
    p[2] = (uint8_t)(len >> 8);
    p[3] = (uint8_t)len;
    sign(p, len, auth);
    if (radius_parse_reply(p, len, id, auth, SECRET, &rr, err, sizeof err) == 0 &&
        (rr.eap_len > sizeof rr.eap || rr.state_len > sizeof rr.state))
        abort();
    return 0;
}
