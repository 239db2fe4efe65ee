/* Fuzz target: 802.11 frames and elements (dot11/frame.c) — the MAC header,
 * management frames and every element reader, the RSN element, data frames
 * to Ethernet, Ethernet frames. Each parser gets the input in a heap block
 * of exactly its length. */
#include <stdlib.h>
#include <string.h>

#include "dot11/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void elements(const uint8_t *ies, size_t len)
{
    struct dot11_ie_iter it;
    struct dot11_ie ie;
    dot11_ie_iter_init(&it, ies, len);
    while (dot11_ie_next(&it, &ie) == 1)
        if (ie.id == 48) {
            struct dot11_rsn rsn;
            dot11_rsn_parse(ie.data, ie.len, &rsn);
        }
    (void)dot11_ie_validate(ies, len);
    (void)dot11_ie_find(ies, len, 221, &ie);
    const uint8_t *ssid;
    size_t ssid_len;
    (void)dot11_ie_get_ssid(ies, len, &ssid, &ssid_len);
    uint8_t ch;
    (void)dot11_ie_get_ds_channel(ies, len, &ch);
    uint8_t rates[16];
    size_t nrates;
    (void)dot11_ie_get_rates(ies, len, rates, sizeof rates, &nrates);
    struct dot11_rsn rsn;
    (void)dot11_ie_get_rsn(ies, len, &rsn);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *b = malloc(size ? size : 1);
    if (b == NULL)
        return 0;
    memcpy(b, data, size);
    struct dot11_hdr h;
    int hl = dot11_parse_header(b, size, &h);
    struct dot11_mgmt m;
    if (dot11_parse_mgmt(b, size, &m) == 0)
        elements(m.ies, m.ies_len);
    if (hl > 0 && (size_t)hl <= size) {
        struct dot11_ether e;
        (void)dot11_data_to_ether(&h, b + hl, size - (size_t)hl, &e);
    }
    /* The same bytes as a bare element list, an RSN body, an Ethernet frame. */
    elements(b, size);
    struct dot11_rsn rsn;
    (void)dot11_rsn_parse(b, size, &rsn);
    struct dot11_ether e;
    (void)dot11_ether_parse(b, size, &e);
    free(b);
    return 0;
}
