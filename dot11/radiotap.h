/*
 * dot11/radiotap.h - radiotap capture header (https://www.radiotap.org).
 *
 * Contract:
 *  - The writer emits version 0, one it_present word, and the fields below in
 *    bit order, each at its required alignment counted from the first octet
 *    of the radiotap header; all fields little-endian. Flags is always
 *    written and never carries 0x10 (FCS at end): linkrig frames have no FCS.
 *  - The parser is bounds-checked against both the buffer and it_len. It
 *    decodes the fields it knows and stops at the first field whose size it
 *    cannot know (then `partial` is set); the 802.11 frame still starts at
 *    it_len, which it returns.
 *  - Return codes are those of dot11/frame.h. No global state.
 */
#ifndef LINKRIG_DOT11_RADIOTAP_H
#define LINKRIG_DOT11_RADIOTAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"

/* it_present bit numbers (radiotap.org defined fields) */
#define DOT11_RADIOTAP_TSFT 0
#define DOT11_RADIOTAP_FLAGS 1
#define DOT11_RADIOTAP_RATE 2
#define DOT11_RADIOTAP_CHANNEL 3
#define DOT11_RADIOTAP_DBM_ANTSIGNAL 5
#define DOT11_RADIOTAP_DBM_ANTNOISE 6
#define DOT11_RADIOTAP_ANTENNA 11
#define DOT11_RADIOTAP_EXT 31

#define DOT11_RADIOTAP_BIT(n) ((uint32_t)1 << (n))

/* Flags field */
#define DOT11_RADIOTAP_F_CFP 0x01
#define DOT11_RADIOTAP_F_SHORTPRE 0x02
#define DOT11_RADIOTAP_F_WEP 0x04
#define DOT11_RADIOTAP_F_FRAG 0x08
#define DOT11_RADIOTAP_F_FCS 0x10
#define DOT11_RADIOTAP_F_DATAPAD 0x20
#define DOT11_RADIOTAP_F_BADFCS 0x40

/* Channel flags */
#define DOT11_RADIOTAP_CHAN_TURBO 0x0010
#define DOT11_RADIOTAP_CHAN_CCK 0x0020
#define DOT11_RADIOTAP_CHAN_OFDM 0x0040
#define DOT11_RADIOTAP_CHAN_2GHZ 0x0080
#define DOT11_RADIOTAP_CHAN_5GHZ 0x0100
#define DOT11_RADIOTAP_CHAN_PASSIVE 0x0200
#define DOT11_RADIOTAP_CHAN_DYN 0x0400
#define DOT11_RADIOTAP_CHAN_GFSK 0x0800

#define DOT11_RADIOTAP_HDR_LEN 8 /* it_version, it_pad, it_len, it_present */

struct dot11_radiotap {
    /* Write: which optional fields to emit, as DOT11_RADIOTAP_BIT() of
     * TSFT, RATE, CHANNEL, DBM_ANTSIGNAL, DBM_ANTNOISE, ANTENNA (FLAGS is
     * always emitted). Parse: the fields actually decoded. */
    uint32_t present;
    uint64_t tsft;          /* microseconds */
    uint8_t flags;
    uint8_t rate;           /* 500 kb/s units */
    uint16_t chan_freq;     /* MHz */
    uint16_t chan_flags;
    int8_t dbm_antsignal;
    int8_t dbm_antnoise;
    uint8_t antenna;
    /* Parse only. */
    uint32_t it_present;    /* first present word as received */
    uint16_t it_len;
    bool partial;           /* stopped at a field it cannot size */
};

/* Returns it_len (the header length written) or a negative code. */
int dot11_radiotap_write(uint8_t *buf, size_t cap, const struct dot11_radiotap *rt);
/* Where dot11_radiotap_write puts `field` (a DOT11_RADIOTAP_* number) in a
 * header with these present bits, or -1 when it is not written: a writer
 * that caches a header patches one field there. */
int dot11_radiotap_field_offset(uint32_t present, unsigned field);
/* Returns it_len: the offset of the 802.11 frame in buf. */
int dot11_radiotap_parse(const uint8_t *buf, size_t len, struct dot11_radiotap *out);

/* 2.4 GHz: 1..13 -> 2412 + 5 (ch - 1), 14 -> 2484; 5 GHz: 32..177 ->
 * 5000 + 5 ch. Returns MHz or DOT11_E_INVAL. */
int dot11_channel_to_freq(unsigned channel);
/* Inverse of dot11_channel_to_freq; DOT11_E_INVAL for other frequencies. */
int dot11_freq_to_channel(unsigned freq_mhz);
/* Channel flags for a frame at `freq_mhz` sent at `rate` (500 kb/s units):
 * 2 GHz with CCK for 1/2/5.5/11 Mb/s and OFDM otherwise, 5 GHz with OFDM.
 * 0 for a frequency in neither band. */
uint16_t dot11_radiotap_chan_flags(unsigned freq_mhz, uint8_t rate);

#endif /* LINKRIG_DOT11_RADIOTAP_H */
