/*
 * dot11/radiotap.c - radiotap header writer and parser (see radiotap.h).
 *
 * Field sizes and alignments are from the radiotap.org "defined fields"
 * pages; alignment is counted from the start of the radiotap header, which
 * capture formats place at a suitably aligned address.
 */
#include "radiotap.h"

#include <string.h>

/* Size and required alignment of the fields in the default namespace, by
 * it_present bit. Size 0 marks bits whose layout we do not know (bit 18 is
 * unassigned, 28 is the variable-size TLV area, 29-31 are special). */
struct rt_field {
    uint8_t size;
    uint8_t align;
};

static const struct rt_field rt_fields[29] = {
    [0] = {8, 8},  /* TSFT u64 */
    [1] = {1, 1},  /* Flags u8 */
    [2] = {1, 1},  /* Rate u8 */
    [3] = {4, 2},  /* Channel u16 freq, u16 flags */
    [4] = {2, 1},  /* FHSS u8 hop set, u8 hop pattern */
    [5] = {1, 1},  /* dBm Antenna Signal s8 */
    [6] = {1, 1},  /* dBm Antenna Noise s8 */
    [7] = {2, 2},  /* Lock Quality u16 */
    [8] = {2, 2},  /* TX Attenuation u16 */
    [9] = {2, 2},  /* dB TX Attenuation u16 */
    [10] = {1, 1}, /* dBm TX Power s8 */
    [11] = {1, 1}, /* Antenna u8 */
    [12] = {1, 1}, /* dB Antenna Signal u8 */
    [13] = {1, 1}, /* dB Antenna Noise u8 */
    [14] = {2, 2}, /* RX Flags u16 */
    [15] = {2, 2}, /* TX Flags u16 */
    [16] = {1, 1}, /* RTS Retries u8 */
    [17] = {1, 1}, /* Data Retries u8 */
    [19] = {3, 1}, /* MCS u8 known, u8 flags, u8 mcs */
    [20] = {8, 4}, /* A-MPDU status u32, u16, u8, u8 */
    [21] = {12, 2}, /* VHT u16 known, u8, u8, u8[4], u8, u8, u16 */
    [22] = {12, 8}, /* timestamp u64, u16, u8, u8 */
    [23] = {12, 2}, /* HE 6 x u16 */
    [24] = {12, 2}, /* HE-MU u16, u16, u8[4], u8[4] */
    [25] = {6, 2},  /* HE-MU-other-user u16, u16, u8, u8 */
    [26] = {1, 1},  /* 0-length-PSDU u8 */
    [27] = {4, 2},  /* L-SIG u16, u16 */
};

/* Every radiotap alignment is a power of two (1, 2, 4, 8): a mask, not a
 * division, which showed in the profile of every captured frame. */
static size_t align_up(size_t off, size_t align)
{
    return (off + align - 1) & ~(align - 1);
}

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v & 0xff);
    p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

int dot11_radiotap_field_offset(uint32_t present, unsigned field)
{
    present |= DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_FLAGS);
    if (field > DOT11_RADIOTAP_ANTENNA || !(present & DOT11_RADIOTAP_BIT(field)))
        return -1;
    size_t off = DOT11_RADIOTAP_HDR_LEN;
    for (unsigned bit = 0; bit < field; bit++)
        if (present & DOT11_RADIOTAP_BIT(bit))
            off = align_up(off, rt_fields[bit].align) + rt_fields[bit].size;
    return (int)align_up(off, rt_fields[field].align);
}

int dot11_radiotap_write(uint8_t *buf, size_t cap, const struct dot11_radiotap *rt)
{
    const uint32_t writable =
        DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_TSFT) | DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_FLAGS) |
        DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_RATE) | DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_CHANNEL) |
        DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_DBM_ANTSIGNAL) |
        DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_DBM_ANTNOISE) |
        DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_ANTENNA);
    uint32_t present;
    size_t off = DOT11_RADIOTAP_HDR_LEN;

    if (!rt || (rt->present & ~writable))
        return DOT11_E_INVAL;
    /* Flags is always there so that readers know for sure there is no FCS. */
    present = rt->present | DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_FLAGS);

    /* First pass: the length, so nothing is written unless it all fits. */
    for (unsigned bit = 0; bit <= DOT11_RADIOTAP_ANTENNA; bit++) {
        if (present & DOT11_RADIOTAP_BIT(bit))
            off = align_up(off, rt_fields[bit].align) + rt_fields[bit].size;
    }
    if (!buf || off > cap)
        return DOT11_E_NOSPC;
    const size_t it_len = off;

    memset(buf, 0, it_len); /* padding octets are zero */
    buf[0] = 0;             /* it_version */
    buf[1] = 0;             /* it_pad */
    put_le16(buf + 2, (uint16_t)it_len);
    put_le32(buf + 4, present);

    off = DOT11_RADIOTAP_HDR_LEN;
    for (unsigned bit = 0; bit <= DOT11_RADIOTAP_ANTENNA; bit++) {
        if (!(present & DOT11_RADIOTAP_BIT(bit)))
            continue;
        off = align_up(off, rt_fields[bit].align);
        uint8_t *p = buf + off;
        switch (bit) {
        case DOT11_RADIOTAP_TSFT:
            put_le64(p, rt->tsft);
            break;
        case DOT11_RADIOTAP_FLAGS:
            p[0] = (uint8_t)(rt->flags & ~DOT11_RADIOTAP_F_FCS);
            break;
        case DOT11_RADIOTAP_RATE:
            p[0] = rt->rate;
            break;
        case DOT11_RADIOTAP_CHANNEL:
            put_le16(p, rt->chan_freq);
            put_le16(p + 2, rt->chan_flags);
            break;
        case DOT11_RADIOTAP_DBM_ANTSIGNAL:
            p[0] = (uint8_t)rt->dbm_antsignal;
            break;
        case DOT11_RADIOTAP_DBM_ANTNOISE:
            p[0] = (uint8_t)rt->dbm_antnoise;
            break;
        case DOT11_RADIOTAP_ANTENNA:
            p[0] = rt->antenna;
            break;
        default:
            break;
        }
        off += rt_fields[bit].size;
    }
    return (int)it_len;
}

int dot11_radiotap_parse(const uint8_t *buf, size_t len, struct dot11_radiotap *out)
{
    if (!out)
        return DOT11_E_INVAL;
    memset(out, 0, sizeof(*out));
    if (!buf || len < DOT11_RADIOTAP_HDR_LEN)
        return DOT11_E_MALFORMED;
    if (buf[0] != 0)
        return DOT11_E_UNSUPPORTED;

    const size_t it_len = get_le16(buf + 2);
    if (it_len < DOT11_RADIOTAP_HDR_LEN || it_len > len)
        return DOT11_E_MALFORMED;
    out->it_len = (uint16_t)it_len;
    out->it_present = get_le32(buf + 4);

    /* Extended present words follow while bit 31 is set; fields start after
     * the last one. */
    size_t off = 4;
    uint32_t word = out->it_present;
    while (word & DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_EXT)) {
        off += 4;
        if (it_len - off < 4)
            return DOT11_E_MALFORMED;
        word = get_le32(buf + off);
    }
    off += 4;

    /* Only the first word's fields are decoded: they come first in the data
     * whatever later words hold. */
    for (unsigned bit = 0; bit < 29; bit++) {
        if (!(out->it_present & DOT11_RADIOTAP_BIT(bit)))
            continue;
        const struct rt_field f = rt_fields[bit];
        if (f.size == 0) {
            out->partial = true;
            break;
        }
        off = align_up(off, f.align);
        if (off > it_len || f.size > it_len - off)
            return DOT11_E_MALFORMED;
        const uint8_t *p = buf + off;
        switch (bit) {
        case DOT11_RADIOTAP_TSFT:
            out->tsft = get_le64(p);
            break;
        case DOT11_RADIOTAP_FLAGS:
            out->flags = p[0];
            break;
        case DOT11_RADIOTAP_RATE:
            out->rate = p[0];
            break;
        case DOT11_RADIOTAP_CHANNEL:
            out->chan_freq = get_le16(p);
            out->chan_flags = get_le16(p + 2);
            break;
        case DOT11_RADIOTAP_DBM_ANTSIGNAL:
            out->dbm_antsignal = (int8_t)p[0];
            break;
        case DOT11_RADIOTAP_DBM_ANTNOISE:
            out->dbm_antnoise = (int8_t)p[0];
            break;
        case DOT11_RADIOTAP_ANTENNA:
            out->antenna = p[0];
            break;
        default:
            break; /* known size, skipped */
        }
        switch (bit) {
        case DOT11_RADIOTAP_TSFT:
        case DOT11_RADIOTAP_FLAGS:
        case DOT11_RADIOTAP_RATE:
        case DOT11_RADIOTAP_CHANNEL:
        case DOT11_RADIOTAP_DBM_ANTSIGNAL:
        case DOT11_RADIOTAP_DBM_ANTNOISE:
        case DOT11_RADIOTAP_ANTENNA:
            out->present |= DOT11_RADIOTAP_BIT(bit);
            break;
        default:
            break;
        }
        off += f.size;
    }
    return (int)it_len;
}

int dot11_channel_to_freq(unsigned channel)
{
    if (channel >= 1 && channel <= 13)
        return (int)(2407 + 5 * channel);
    if (channel == 14)
        return 2484;
    if (channel >= 32 && channel <= 177)
        return (int)(5000 + 5 * channel);
    return DOT11_E_INVAL;
}

int dot11_freq_to_channel(unsigned freq_mhz)
{
    if (freq_mhz == 2484)
        return 14;
    if (freq_mhz >= 2412 && freq_mhz <= 2472 && (freq_mhz - 2407) % 5 == 0)
        return (int)((freq_mhz - 2407) / 5);
    if (freq_mhz >= 5160 && freq_mhz <= 5885 && freq_mhz % 5 == 0)
        return (int)((freq_mhz - 5000) / 5);
    return DOT11_E_INVAL;
}

uint16_t dot11_radiotap_chan_flags(unsigned freq_mhz, uint8_t rate)
{
    if (freq_mhz >= 2412 && freq_mhz <= 2484) {
        /* 1, 2, 5.5 and 11 Mb/s are the DSSS/CCK rates; the rest OFDM. */
        uint8_t r = rate & 0x7f;
        bool cck = r == 2 || r == 4 || r == 11 || r == 22;
        return (uint16_t)(DOT11_RADIOTAP_CHAN_2GHZ |
                          (cck ? DOT11_RADIOTAP_CHAN_CCK : DOT11_RADIOTAP_CHAN_OFDM));
    }
    if (freq_mhz >= 5160 && freq_mhz <= 5885)
        return DOT11_RADIOTAP_CHAN_5GHZ | DOT11_RADIOTAP_CHAN_OFDM;
    return 0;
}
