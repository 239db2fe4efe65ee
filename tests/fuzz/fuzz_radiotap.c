/* Fuzz target: radiotap headers (dot11/radiotap.c), as a capture reader
 * meets them. */
#include <stdlib.h>
#include <string.h>

#include "dot11/radiotap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *b = malloc(size ? size : 1);
    if (b == NULL)
        return 0;
    memcpy(b, data, size);
    struct dot11_radiotap rt;
    int n = dot11_radiotap_parse(b, size, &rt);
    if (n >= 0) {
        /* What was read writes back into a header that parses again. */
        uint8_t out[64];
        struct dot11_radiotap w = rt;
        w.present &= DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_TSFT) | DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_RATE) |
                     DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_CHANNEL) | DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_DBM_ANTSIGNAL) |
                     DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_DBM_ANTNOISE) | DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_ANTENNA);
        int wn = dot11_radiotap_write(out, sizeof out, &w);
        if (wn > 0) {
            struct dot11_radiotap again;
            if (dot11_radiotap_parse(out, (size_t)wn, &again) != wn)
                abort();
        }
    }
    if (size >= 2) {
        unsigned v = (unsigned)b[0] << 8 | b[1];
        int ch = dot11_freq_to_channel(v);
        if (ch >= 0 && dot11_channel_to_freq((unsigned)ch) != (int)v)
            abort();
        (void)dot11_radiotap_chan_flags(v, b[0]);
    }
    free(b);
    return 0;
}
