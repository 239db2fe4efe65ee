/* Fuzz target: EAPOL-Key frames and their key data (dot11/frame.c), and
 * the key data after AES key unwrap with a fixed KEK (dot11/crypto.c), as
 * the supplicant reads message 3 and the group message 1. */
#include <stdlib.h>
#include <string.h>

#include "dot11/crypto.h"
#include "dot11/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *b = malloc(size ? size : 1);
    if (b == NULL)
        return 0;
    memcpy(b, data, size);
    struct dot11_eapol_key k;
    if (dot11_eapol_key_parse(b, size, &k) == 0) {
        struct dot11_key_info ki;
        dot11_key_info_decode(dot11_key_info_encode(&k.info), &ki);
        struct dot11_key_data kd;
        (void)dot11_key_data_parse(k.key_data, k.key_data_len, &kd);
        static const uint8_t kek[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
        uint8_t plain[1024];
        if (k.key_data_len >= 24 && k.key_data_len - 8 <= sizeof plain &&
            dot11_aes_unwrap(kek, sizeof kek, k.key_data, k.key_data_len, plain) == 0)
            (void)dot11_key_data_parse(plain, k.key_data_len - 8, &kd);
    }
    struct dot11_key_data kd;
    (void)dot11_key_data_parse(b, size, &kd);
    free(b);
    return 0;
}
