/*
 * tests/test_dot11_frame.c - unit tests for dot11/frame and dot11/radiotap.
 *
 * Round trips for every builder/parser pair, known bytes for a beacon, an
 * EAPOL-Key message 1 and a radiotap header, every truncation of every
 * sample frame, and a seeded random-input loop. Inputs to parsers are copied
 * into heap blocks of exactly their length so that AddressSanitizer catches
 * any read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dot11/frame.h"
#include "dot11/radiotap.h"

static const uint8_t AP[6] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x00};
static const uint8_t STA[6] = {0x02, 0x00, 0x00, 0x00, 0x02, 0x00};
static const uint8_t HOST[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static const uint8_t RATES_BG[12] = {0x82, 0x84, 0x8b, 0x96, 0x0c, 0x12,
                                     0x18, 0x24, 0x30, 0x48, 0x60, 0x6c};
static const uint8_t RATES_B[4] = {0x82, 0x84, 0x8b, 0x96};
static const uint8_t SSID[] = "linkrig";
#define SSID_LEN 7

/* Exact-size heap copy: reading buf[len] is an ASan error. */
static uint8_t *dup_exact(const uint8_t *src, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    assert_non_null(p);
    if (len)
        memcpy(p, src, len);
    return p;
}

static bool inside(const uint8_t *p, size_t n, const uint8_t *buf, size_t len)
{
    if (n == 0)
        return true;
    return p && p >= buf && n <= len && p - buf <= (ptrdiff_t)(len - n);
}

static void mgmt_hdr(struct dot11_mgmt_hdr *h, const uint8_t *da, const uint8_t *sa,
                     const uint8_t *bssid, uint16_t seq)
{
    memset(h, 0, sizeof(*h));
    memcpy(h->da, da, 6);
    memcpy(h->sa, sa, 6);
    memcpy(h->bssid, bssid, 6);
    h->seq_num = seq;
}

static void bss_desc(struct dot11_bss_desc *b, const struct dot11_rsn *rsn)
{
    memset(b, 0, sizeof(*b));
    b->ssid = SSID;
    b->ssid_len = SSID_LEN;
    b->timestamp = 0x0102030405060708ull;
    b->beacon_interval = 100;
    b->capability = DOT11_CAP_ESS | DOT11_CAP_SHORT_SLOT_TIME;
    b->rates = RATES_BG;
    b->n_rates = sizeof(RATES_BG);
    b->channel = 6;
    b->dtim_count = 0;
    b->dtim_period = 2;
    b->rsn = rsn;
}

/* ------------------------------------------------------------------ */
/* Sample frames shared by the truncation and random-input tests        */
/* ------------------------------------------------------------------ */

enum { SAMPLE_MAX = 16, SAMPLE_CAP = 512 };

struct sample {
    const char *name;
    uint8_t buf[SAMPLE_CAP];
    size_t len;
};

struct samples {
    struct sample s[SAMPLE_MAX];
    size_t n;
};

static struct sample *add_sample(struct samples *ss, const char *name)
{
    assert_true(ss->n < SAMPLE_MAX);
    struct sample *s = &ss->s[ss->n++];
    s->name = name;
    s->len = 0;
    return s;
}

static void set_len(struct sample *s, int rc)
{
    assert_true(rc > 0);
    s->len = (size_t)rc;
}

static void build_eapol_m1(uint8_t *buf, size_t cap, size_t *len)
{
    struct dot11_eapol_key k;
    memset(&k, 0, sizeof(k));
    k.protocol_version = DOT11_EAPOL_VERSION_2004;
    k.descriptor_type = DOT11_EAPOL_KEY_DESC_RSN;
    k.info.descriptor_version = DOT11_KEY_INFO_VERSION_HMAC_SHA1_AES;
    k.info.pairwise = true;
    k.info.ack = true;
    k.key_length = 16;
    k.replay_counter = 1;
    for (int i = 0; i < 32; i++)
        k.nonce[i] = (uint8_t)i;
    int rc = dot11_eapol_key_build(buf, cap, &k);
    assert_int_equal(rc, DOT11_EAPOL_KEY_FIXED_LEN);
    *len = (size_t)rc;
}

static size_t build_key_data(uint8_t *kd, size_t cap, const uint8_t *gtk)
{
    struct dot11_rsn rsn;
    dot11_rsn_init_wpa2_psk_ccmp(&rsn, 0);
    int a = dot11_rsn_build(kd, cap, &rsn);
    assert_int_equal(a, 22);
    int b = dot11_kde_build_gtk(kd + a, cap - (size_t)a, 1, true, gtk, 16);
    assert_int_equal(b, 24);
    int c = dot11_key_data_pad(kd, (size_t)(a + b), cap);
    assert_int_equal(c, 48);
    return (size_t)c;
}

static void make_samples(struct samples *ss)
{
    struct dot11_mgmt_hdr h;
    struct dot11_bss_desc b;
    struct dot11_rsn rsn;
    struct sample *s;

    memset(ss, 0, sizeof(*ss));
    dot11_rsn_init_wpa2_psk_ccmp(&rsn, 0x000c);

    mgmt_hdr(&h, BCAST, AP, AP, 1);
    bss_desc(&b, &rsn);
    s = add_sample(ss, "beacon");
    set_len(s, dot11_build_beacon(s->buf, sizeof(s->buf), &h, &b));

    mgmt_hdr(&h, STA, AP, AP, 2);
    s = add_sample(ss, "probe_resp");
    set_len(s, dot11_build_probe_resp(s->buf, sizeof(s->buf), &h, &b));

    mgmt_hdr(&h, BCAST, STA, BCAST, 3);
    s = add_sample(ss, "probe_req");
    set_len(s, dot11_build_probe_req(s->buf, sizeof(s->buf), &h, NULL, 0, RATES_BG,
                                     sizeof(RATES_BG)));

    mgmt_hdr(&h, AP, STA, AP, 4);
    s = add_sample(ss, "auth");
    set_len(s, dot11_build_auth(s->buf, sizeof(s->buf), &h, DOT11_AUTH_ALG_OPEN_SYSTEM, 1,
                                DOT11_STATUS_SUCCESS));

    struct dot11_assoc_req_params ap = {
        .capability = DOT11_CAP_ESS,
        .listen_interval = 10,
        .ssid = SSID,
        .ssid_len = SSID_LEN,
        .rates = RATES_BG,
        .n_rates = sizeof(RATES_BG),
        .rsn = &rsn,
    };
    s = add_sample(ss, "assoc_req");
    set_len(s, dot11_build_assoc_req(s->buf, sizeof(s->buf), &h, &ap));

    mgmt_hdr(&h, STA, AP, AP, 5);
    s = add_sample(ss, "assoc_resp");
    set_len(s, dot11_build_assoc_resp(s->buf, sizeof(s->buf), &h, DOT11_CAP_ESS,
                                      DOT11_STATUS_SUCCESS, 1, RATES_BG, sizeof(RATES_BG)));

    s = add_sample(ss, "deauth");
    set_len(s, dot11_build_deauth(s->buf, sizeof(s->buf), &h,
                                  DOT11_REASON_4WAY_HANDSHAKE_TIMEOUT));

    s = add_sample(ss, "disassoc");
    set_len(s, dot11_build_disassoc(s->buf, sizeof(s->buf), &h,
                                    DOT11_REASON_LEAVING_NETWORK_DISASSOC));

    /* EAPOL-Key message 1 inside a FromDS data frame. */
    uint8_t eapol[128];
    size_t eapol_len;
    build_eapol_m1(eapol, sizeof(eapol), &eapol_len);
    struct dot11_data_hdr_params dp = {.dir = DOT11_DIR_FROM_DS, .seq_num = 6};
    memcpy(dp.bssid, AP, 6);
    memcpy(dp.da, STA, 6);
    memcpy(dp.sa, AP, 6);
    s = add_sample(ss, "data_eapol");
    set_len(s, dot11_build_data(s->buf, sizeof(s->buf), &dp, DOT11_ETHERTYPE_EAPOL, eapol,
                                eapol_len));

    /* QoS ToDS data frame. */
    const uint8_t ip[20] = {0x45, 0, 0, 20};
    struct dot11_data_hdr_params qp = {.dir = DOT11_DIR_TO_DS, .seq_num = 7, .qos = true,
                                       .tid = 5};
    memcpy(qp.bssid, AP, 6);
    memcpy(qp.da, HOST, 6);
    memcpy(qp.sa, STA, 6);
    s = add_sample(ss, "qos_data");
    set_len(s, dot11_build_data(s->buf, sizeof(s->buf), &qp, DOT11_ETHERTYPE_IPV4, ip,
                                sizeof(ip)));

    s = add_sample(ss, "eapol_m1");
    memcpy(s->buf, eapol, eapol_len);
    s->len = eapol_len;

    uint8_t gtk[16];
    for (int i = 0; i < 16; i++)
        gtk[i] = (uint8_t)(0xA0 + i);
    s = add_sample(ss, "key_data");
    s->len = build_key_data(s->buf, sizeof(s->buf), gtk);

    struct dot11_radiotap rt = {
        .present = DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_TSFT) |
                   DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_RATE) |
                   DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_CHANNEL) |
                   DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_DBM_ANTSIGNAL) |
                   DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_DBM_ANTNOISE) |
                   DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_ANTENNA),
        .tsft = 123456789,
        .rate = 12,
        .chan_freq = 2437,
        .chan_flags = DOT11_RADIOTAP_CHAN_2GHZ | DOT11_RADIOTAP_CHAN_OFDM,
        .dbm_antsignal = -40,
        .dbm_antnoise = -95,
        .antenna = 0,
    };
    s = add_sample(ss, "radiotap");
    set_len(s, dot11_radiotap_write(s->buf, sizeof(s->buf), &rt));
}

/* ------------------------------------------------------------------ */
/* MAC header                                                           */
/* ------------------------------------------------------------------ */

static void test_header_mgmt(void **state)
{
    (void)state;
    struct samples ss;
    struct dot11_hdr h;
    make_samples(&ss);

    int rc = dot11_parse_header(ss.s[0].buf, ss.s[0].len, &h);
    assert_int_equal(rc, 24);
    assert_int_equal(h.type, DOT11_FTYPE_MGMT);
    assert_int_equal(h.subtype, DOT11_STYPE_BEACON);
    assert_false(h.to_ds);
    assert_false(h.from_ds);
    assert_int_equal(h.n_addr, 3);
    assert_memory_equal(h.addr1, BCAST, 6);
    assert_memory_equal(h.addr2, AP, 6);
    assert_memory_equal(h.addr3, AP, 6);
    assert_true(h.has_seq_ctrl);
    assert_int_equal(h.seq_num, 1);
    assert_int_equal(h.frag_num, 0);
    assert_false(h.has_qos_ctrl);
    assert_false(h.has_ht_ctrl);
}

static void test_header_data_4addr_qos_htc(void **state)
{
    (void)state;
    /* QoS Data, ToDS|FromDS|Retry|Protected|Order: A4, QoS Control and HT
     * Control all present = 24 + 6 + 2 + 4. */
    const uint8_t f[] = {
        0x88, 0xCB, 0x34, 0x12,                   /* FC, Duration */
        1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2,       /* A1 A2 */
        3, 3, 3, 3, 3, 3, 0x52, 0x34,             /* A3, Seq Ctrl */
        4, 4, 4, 4, 4, 4,                         /* A4 */
        0x86, 0x00,                               /* QoS: TID 6, A-MSDU */
        0x11, 0x22, 0x33, 0x44,                   /* HT Control */
        0xEE};
    uint8_t *b = dup_exact(f, sizeof(f));
    struct dot11_hdr h;

    assert_int_equal(dot11_parse_header(b, sizeof(f), &h), 36);
    assert_int_equal(h.type, DOT11_FTYPE_DATA);
    assert_int_equal(h.subtype, DOT11_STYPE_QOS_DATA);
    assert_true(h.to_ds && h.from_ds && h.retry && h.protected_frame && h.order);
    assert_false(h.more_frag || h.pwr_mgt || h.more_data);
    assert_int_equal(h.duration_id, 0x1234);
    assert_int_equal(h.n_addr, 4);
    assert_int_equal(h.addr4[5], 4);
    assert_int_equal(h.seq_num, 0x345);
    assert_int_equal(h.frag_num, 2);
    assert_true(h.has_qos_ctrl);
    assert_int_equal(h.tid, 6);
    assert_true(h.amsdu_present);
    assert_true(h.has_ht_ctrl);
    assert_int_equal(h.ht_ctrl, 0x44332211u);

    /* Order on non-QoS data means StrictlyOrdered, not HT Control. */
    b[0] = 0x08;
    assert_int_equal(dot11_parse_header(b, sizeof(f), &h), 30);
    assert_false(h.has_ht_ctrl);
    free(b);
}

static void test_header_ctrl(void **state)
{
    (void)state;
    const uint8_t ack[] = {0xD4, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5, 6};
    const uint8_t rts[] = {0xB4, 0x00, 0x10, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    struct dot11_hdr h;

    assert_int_equal(dot11_parse_header(ack, sizeof(ack), &h), 10);
    assert_int_equal(h.type, DOT11_FTYPE_CTRL);
    assert_int_equal(h.subtype, DOT11_STYPE_ACK);
    assert_int_equal(h.n_addr, 1);
    assert_false(h.has_seq_ctrl);
    assert_int_equal(dot11_parse_header(rts, sizeof(rts), &h), 16);
    assert_int_equal(h.n_addr, 2);
    assert_int_equal(h.addr2[5], 12);
    assert_int_equal(dot11_parse_header(rts, 15, &h), DOT11_E_MALFORMED);
}

static void test_header_rejects(void **state)
{
    (void)state;
    uint8_t f[40] = {0x80, 0x00};
    struct dot11_hdr h;

    assert_int_equal(dot11_parse_header(f, sizeof(f), &h), 24);
    assert_int_equal(dot11_parse_header(NULL, 0, &h), DOT11_E_MALFORMED);
    assert_int_equal(dot11_parse_header(f, 23, &h), DOT11_E_MALFORMED);
    f[0] = 0x81; /* protocol version 1 */
    assert_int_equal(dot11_parse_header(f, sizeof(f), &h), DOT11_E_MALFORMED);
    f[0] = 0x8C; /* extension type */
    assert_int_equal(dot11_parse_header(f, sizeof(f), &h), DOT11_E_UNSUPPORTED);
    f[0] = 0x80;
    f[1] = DOT11_FC_TO_DS; /* management through the DS */
    assert_int_equal(dot11_parse_header(f, sizeof(f), &h), DOT11_E_MALFORMED);
    f[0] = 0x74; /* control wrapper */
    f[1] = 0;
    assert_int_equal(dot11_parse_header(f, sizeof(f), &h), DOT11_E_UNSUPPORTED);
    f[0] = 0x80;
    f[1] = DOT11_FC_ORDER; /* +HTC management: 28 octets */
    assert_int_equal(dot11_parse_header(f, 27, &h), DOT11_E_MALFORMED);
    assert_int_equal(dot11_parse_header(f, 28, &h), 28);
}

/* ------------------------------------------------------------------ */
/* Management frames                                                    */
/* ------------------------------------------------------------------ */

static const uint8_t BEACON_BYTES[] = {
    /* MAC header */
    0x80, 0x00, 0x00, 0x00,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x02, 0x00, 0x00, 0x00, 0x01, 0x00,
    0x02, 0x00, 0x00, 0x00, 0x01, 0x00,
    0x30, 0x12, /* sequence 0x123, fragment 0 */
    /* Timestamp, Beacon Interval 100 TU, Capability ESS|Privacy|ShortSlot */
    0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
    0x64, 0x00,
    0x11, 0x04,
    /* SSID "linkrig" */
    0x00, 0x07, 'l', 'i', 'n', 'k', 'r', 'i', 'g',
    /* Supported Rates: 1(B) 2(B) 5.5(B) 11(B) 6 9 12 18 */
    0x01, 0x08, 0x82, 0x84, 0x8b, 0x96, 0x0c, 0x12, 0x18, 0x24,
    /* DS Parameter Set: channel 6 */
    0x03, 0x01, 0x06,
    /* TIM: DTIM count 0, period 2, bitmap control 0, PVB 0 */
    0x05, 0x04, 0x00, 0x02, 0x00, 0x00,
    /* Extended Supported Rates: 24 36 48 54 */
    0x32, 0x04, 0x30, 0x48, 0x60, 0x6c,
    /* RSN: v1, group CCMP, 1 pairwise CCMP, 1 AKM PSK, caps 0x000c */
    0x30, 0x14, 0x01, 0x00,
    0x00, 0x0f, 0xac, 0x04,
    0x01, 0x00, 0x00, 0x0f, 0xac, 0x04,
    0x01, 0x00, 0x00, 0x0f, 0xac, 0x02,
    0x0c, 0x00,
};

static void test_beacon_known_bytes(void **state)
{
    (void)state;
    struct dot11_mgmt_hdr h;
    struct dot11_bss_desc b;
    struct dot11_rsn rsn;
    uint8_t buf[256];

    dot11_rsn_init_wpa2_psk_ccmp(&rsn, 0x000c);
    mgmt_hdr(&h, BCAST, AP, AP, 0x123);
    bss_desc(&b, &rsn);
    int rc = dot11_build_beacon(buf, sizeof(buf), &h, &b);
    assert_int_equal(rc, (int)sizeof(BEACON_BYTES));
    assert_memory_equal(buf, BEACON_BYTES, sizeof(BEACON_BYTES));
}

/* The template writes exactly what the builder makes, for every mix of
 * what it patches (sequence, timestamp, DTIM count, TIM bitmap) and what it
 * keeps (open / RSN, hidden SSID, 4 or 12 rates, extra elements). */
static void test_beacon_template_same_bytes(void **state)
{
    (void)state;
    static const uint8_t rates4[] = {0x82, 0x84, 0x8b, 0x96};
    static const uint8_t extra[] = {0xdd, 0x03, 0x00, 0x50, 0xf2};
    struct dot11_rsn rsn;
    dot11_rsn_init_wpa2_psk_ccmp(&rsn, 0x000c);
    uint32_t x = 7;
    for (int cfg = 0; cfg < 16; cfg++) {
        struct dot11_mgmt_hdr h;
        struct dot11_bss_desc b;
        mgmt_hdr(&h, BCAST, AP, AP, 0);
        bss_desc(&b, (cfg & 1) ? &rsn : NULL);
        if (cfg & 2)
            b.ssid_len = 0;
        if (cfg & 4) {
            b.rates = rates4;
            b.n_rates = sizeof rates4;
        }
        if (cfg & 8) {
            b.extra_ies = extra;
            b.extra_ies_len = sizeof extra;
        }
        b.dtim_period = (uint8_t)(1 + cfg % 3);
        struct dot11_beacon_tpl t;
        assert_int_equal(dot11_beacon_tpl_build(&t, &h, &b), DOT11_OK);
        for (int k = 0; k < 50; k++) {
            uint8_t bitmap[DOT11_TIM_BITMAP_LEN];
            memset(bitmap, 0, sizeof bitmap);
            x = x * 1103515245u + 12345u;
            int nbits = (int)((x >> 16) % 4);
            for (int i = 0; i < nbits; i++) {
                x = x * 1103515245u + 12345u;
                unsigned aid = (x >> 16) % (8 * DOT11_TIM_BITMAP_LEN);
                bitmap[aid / 8] |= (uint8_t)(1u << (aid % 8));
            }
            h.seq_num = (uint16_t)(x & 0x0fff);
            b.timestamp = ((uint64_t)x << 29) ^ (uint64_t)k;
            b.dtim_count = (uint8_t)(k % b.dtim_period);
            b.tim_bitmap = (k % 3 == 0) ? NULL : bitmap;
            uint8_t want[512], got[512];
            int n = dot11_build_beacon(want, sizeof want, &h, &b);
            assert_true(n > 0);
            int m = dot11_beacon_tpl_write(&t, got, sizeof got, h.seq_num, b.timestamp, b.dtim_count,
                                           b.tim_bitmap);
            assert_int_equal(m, n);
            assert_memory_equal(got, want, (size_t)n);
            assert_int_equal(dot11_beacon_tpl_write(&t, got, (size_t)n - 1, h.seq_num, b.timestamp,
                                                    b.dtim_count, b.tim_bitmap),
                             DOT11_E_NOSPC);
        }
        assert_int_equal(dot11_beacon_tpl_write(&t, (uint8_t[512]){0}, 512, 0x1000, 0, 0, NULL), DOT11_E_INVAL);
        assert_int_equal(dot11_beacon_tpl_write(&t, (uint8_t[512]){0}, 512, 0, 0, b.dtim_period, NULL),
                         DOT11_E_INVAL);
    }
}

static void test_beacon_roundtrip(void **state)
{
    (void)state;
    uint8_t *b = dup_exact(BEACON_BYTES, sizeof(BEACON_BYTES));
    struct dot11_mgmt m;
    const uint8_t *ssid;
    size_t ssid_len, n_rates;
    uint8_t ch, rates[DOT11_MAX_RATES];
    struct dot11_rsn rsn;
    struct dot11_ie tim;

    assert_int_equal(dot11_parse_mgmt(b, sizeof(BEACON_BYTES), &m), DOT11_OK);
    assert_int_equal(m.hdr.subtype, DOT11_STYPE_BEACON);
    assert_int_equal(m.hdr.seq_num, 0x123);
    assert_true(m.u.beacon.timestamp == 0x0102030405060708ull);
    assert_int_equal(m.u.beacon.beacon_interval, 100);
    assert_true(m.u.beacon.capability & DOT11_CAP_PRIVACY);
    assert_true(inside(m.ies, m.ies_len, b, sizeof(BEACON_BYTES)));

    assert_int_equal(dot11_ie_get_ssid(m.ies, m.ies_len, &ssid, &ssid_len), DOT11_OK);
    assert_int_equal(ssid_len, SSID_LEN);
    assert_memory_equal(ssid, SSID, SSID_LEN);
    assert_int_equal(dot11_ie_get_ds_channel(m.ies, m.ies_len, &ch), DOT11_OK);
    assert_int_equal(ch, 6);
    assert_int_equal(dot11_ie_get_rates(m.ies, m.ies_len, rates, sizeof(rates), &n_rates),
                     DOT11_OK);
    assert_int_equal(n_rates, sizeof(RATES_BG));
    assert_memory_equal(rates, RATES_BG, sizeof(RATES_BG));
    assert_int_equal(dot11_ie_get_rates(m.ies, m.ies_len, rates, 11, &n_rates),
                     DOT11_E_NOSPC);
    assert_int_equal(dot11_ie_find(m.ies, m.ies_len, DOT11_EID_TIM, &tim), DOT11_OK);
    assert_int_equal(tim.len, 4);
    assert_int_equal(tim.data[1], 2);

    assert_int_equal(dot11_ie_get_rsn(m.ies, m.ies_len, &rsn), DOT11_OK);
    assert_int_equal(rsn.version, 1);
    assert_int_equal(rsn.group_cipher, DOT11_CIPHER_CCMP);
    assert_int_equal(rsn.n_pairwise, 1);
    assert_int_equal(rsn.pairwise[0], DOT11_CIPHER_CCMP);
    assert_int_equal(rsn.n_akm, 1);
    assert_int_equal(rsn.akm[0], DOT11_AKM_PSK);
    assert_int_equal(rsn.capabilities, 0x000c);
    assert_false(rsn.has_pmkid_list);
    assert_false(rsn.has_group_mgmt_cipher);
    free(b);
}

static void test_probe_resp_open(void **state)
{
    (void)state;
    struct dot11_mgmt_hdr h;
    struct dot11_bss_desc b;
    struct dot11_mgmt m;
    struct dot11_rsn rsn;
    uint8_t buf[256];
    const uint8_t vendor[] = {DOT11_EID_VENDOR_SPECIFIC, 4, 0x00, 0x50, 0xf2, 0x02};

    mgmt_hdr(&h, STA, AP, AP, 77);
    bss_desc(&b, NULL);
    b.capability |= DOT11_CAP_PRIVACY; /* must be cleared: no RSN */
    b.rates = RATES_B;
    b.n_rates = sizeof(RATES_B);
    b.extra_ies = vendor;
    b.extra_ies_len = sizeof(vendor);
    int rc = dot11_build_probe_resp(buf, sizeof(buf), &h, &b);
    assert_true(rc > 0);
    uint8_t *f = dup_exact(buf, (size_t)rc);
    assert_int_equal(dot11_parse_mgmt(f, (size_t)rc, &m), DOT11_OK);
    assert_int_equal(m.hdr.subtype, DOT11_STYPE_PROBE_RESP);
    assert_memory_equal(m.hdr.addr1, STA, 6);
    assert_int_equal(m.hdr.seq_num, 77);
    assert_false(m.u.beacon.capability & DOT11_CAP_PRIVACY);
    assert_int_equal(dot11_ie_get_rsn(m.ies, m.ies_len, &rsn), DOT11_E_NOTFOUND);
    assert_int_equal(dot11_ie_find(m.ies, m.ies_len, DOT11_EID_TIM, NULL), DOT11_E_NOTFOUND);
    assert_int_equal(dot11_ie_find(m.ies, m.ies_len, DOT11_EID_EXT_SUPP_RATES, NULL),
                     DOT11_E_NOTFOUND);
    struct dot11_ie v;
    assert_int_equal(dot11_ie_find(m.ies, m.ies_len, DOT11_EID_VENDOR_SPECIFIC, &v), DOT11_OK);
    assert_int_equal(v.len, 4);
    /* The vendor element is last. */
    assert_ptr_equal(v.data + v.len, m.ies + m.ies_len);
    free(f);
}

static void test_probe_req(void **state)
{
    (void)state;
    struct dot11_mgmt_hdr h;
    struct dot11_mgmt m;
    uint8_t buf[128];
    const uint8_t *ssid;
    size_t ssid_len;

    mgmt_hdr(&h, BCAST, STA, BCAST, 9);
    int rc = dot11_build_probe_req(buf, sizeof(buf), &h, NULL, 0, RATES_B, sizeof(RATES_B));
    assert_int_equal(rc, 24 + 2 + 2 + 4);
    assert_int_equal(dot11_parse_mgmt(buf, (size_t)rc, &m), DOT11_OK);
    assert_int_equal(m.hdr.subtype, DOT11_STYPE_PROBE_REQ);
    assert_int_equal(dot11_ie_get_ssid(m.ies, m.ies_len, &ssid, &ssid_len), DOT11_OK);
    assert_int_equal(ssid_len, 0); /* wildcard */

    rc = dot11_build_probe_req(buf, sizeof(buf), &h, SSID, SSID_LEN, RATES_BG,
                               sizeof(RATES_BG));
    assert_int_equal(rc, 24 + 2 + SSID_LEN + 2 + 8 + 2 + 4);
    assert_int_equal(dot11_parse_mgmt(buf, (size_t)rc, &m), DOT11_OK);
    assert_int_equal(dot11_ie_get_ssid(m.ies, m.ies_len, &ssid, &ssid_len), DOT11_OK);
    assert_int_equal(ssid_len, SSID_LEN);
    assert_memory_equal(ssid, SSID, SSID_LEN);
}

static void test_auth(void **state)
{
    (void)state;
    struct dot11_mgmt_hdr h;
    struct dot11_mgmt m;
    uint8_t buf[64];
    const uint8_t body[] = {0x00, 0x00, 0x02, 0x00, 0x11, 0x00};

    mgmt_hdr(&h, STA, AP, AP, 4095);
    h.fc_flags = DOT11_FC_RETRY;
    int rc = dot11_build_auth(buf, sizeof(buf), &h, DOT11_AUTH_ALG_OPEN_SYSTEM, 2, 17);
    assert_int_equal(rc, 30);
    assert_int_equal(buf[0], 0xB0);
    assert_int_equal(buf[1], DOT11_FC_RETRY);
    assert_memory_equal(buf + 24, body, sizeof(body));
    assert_int_equal(dot11_parse_mgmt(buf, (size_t)rc, &m), DOT11_OK);
    assert_true(m.hdr.retry);
    assert_int_equal(m.hdr.seq_num, 4095);
    assert_int_equal(m.u.auth.algorithm, 0);
    assert_int_equal(m.u.auth.transaction_seq, 2);
    assert_int_equal(m.u.auth.status, 17);
    assert_int_equal(m.ies_len, 0);
    assert_null(m.ies);
}

static void test_assoc_req(void **state)
{
    (void)state;
    struct dot11_mgmt_hdr h;
    struct dot11_mgmt m;
    struct dot11_rsn rsn, got;
    uint8_t buf[256];

    dot11_rsn_init_wpa2_psk_ccmp(&rsn, 0);
    mgmt_hdr(&h, AP, STA, AP, 10);
    struct dot11_assoc_req_params p = {
        .capability = DOT11_CAP_ESS,
        .listen_interval = 3,
        .ssid = SSID,
        .ssid_len = SSID_LEN,
        .rates = RATES_BG,
        .n_rates = sizeof(RATES_BG),
        .rsn = &rsn,
    };
    int rc = dot11_build_assoc_req(buf, sizeof(buf), &h, &p);
    assert_int_equal(rc, 24 + 4 + 9 + 10 + 6 + 22);
    assert_int_equal(dot11_parse_mgmt(buf, (size_t)rc, &m), DOT11_OK);
    assert_int_equal(m.hdr.subtype, DOT11_STYPE_ASSOC_REQ);
    assert_int_equal(m.u.assoc_req.capability, DOT11_CAP_ESS | DOT11_CAP_PRIVACY);
    assert_int_equal(m.u.assoc_req.listen_interval, 3);
    assert_int_equal(dot11_ie_get_rsn(m.ies, m.ies_len, &got), DOT11_OK);
    assert_int_equal(got.akm[0], DOT11_AKM_PSK);
    assert_int_equal(got.pairwise[0], DOT11_CIPHER_CCMP);
    /* RSN comes after the rate elements (9.3.3.6). */
    struct dot11_ie last;
    struct dot11_ie_iter it;
    dot11_ie_iter_init(&it, m.ies, m.ies_len);
    while (dot11_ie_next(&it, &last) > 0)
        ;
    assert_int_equal(last.id, DOT11_EID_RSN);

    /* Reassociation request: Current AP Address after Listen Interval. */
    buf[0] = 0x20;
    memmove(buf + 34, buf + 28, (size_t)rc - 28);
    memcpy(buf + 28, AP, 6);
    assert_int_equal(dot11_parse_mgmt(buf, (size_t)rc + 6, &m), DOT11_OK);
    assert_int_equal(m.hdr.subtype, DOT11_STYPE_REASSOC_REQ);
    assert_memory_equal(m.u.assoc_req.current_ap, AP, 6);
    assert_int_equal(dot11_ie_get_rsn(m.ies, m.ies_len, &got), DOT11_OK);
}

static void test_assoc_resp(void **state)
{
    (void)state;
    struct dot11_mgmt_hdr h;
    struct dot11_mgmt m;
    uint8_t buf[128];

    mgmt_hdr(&h, STA, AP, AP, 11);
    int rc = dot11_build_assoc_resp(buf, sizeof(buf), &h, DOT11_CAP_ESS, DOT11_STATUS_SUCCESS,
                                    1, RATES_B, sizeof(RATES_B));
    assert_int_equal(rc, 24 + 6 + 6);
    assert_int_equal(buf[0], 0x10);
    /* AID 1 with both MSBs set: 0xC001 little-endian. */
    assert_int_equal(buf[28], 0x01);
    assert_int_equal(buf[29], 0xC0);
    assert_int_equal(dot11_parse_mgmt(buf, (size_t)rc, &m), DOT11_OK);
    assert_int_equal(m.u.assoc_resp.status, 0);
    assert_int_equal(m.u.assoc_resp.aid, 1);
    assert_int_equal(m.u.assoc_resp.aid_field, 0xC001);

    rc = dot11_build_assoc_resp(buf, sizeof(buf), &h, DOT11_CAP_ESS, DOT11_STATUS_SUCCESS,
                                DOT11_AID_MAX, RATES_B, sizeof(RATES_B));
    assert_true(rc > 0);
    assert_int_equal(dot11_parse_mgmt(buf, (size_t)rc, &m), DOT11_OK);
    assert_int_equal(m.u.assoc_resp.aid, DOT11_AID_MAX);
    assert_int_equal(dot11_build_assoc_resp(buf, sizeof(buf), &h, 0, 0, DOT11_AID_MAX + 1,
                                            RATES_B, sizeof(RATES_B)),
                     DOT11_E_INVAL);
}

static void test_deauth_disassoc(void **state)
{
    (void)state;
    struct dot11_mgmt_hdr h;
    struct dot11_mgmt m;
    uint8_t buf[64];

    mgmt_hdr(&h, STA, AP, AP, 12);
    int rc = dot11_build_deauth(buf, sizeof(buf), &h, DOT11_REASON_4WAY_HANDSHAKE_TIMEOUT);
    assert_int_equal(rc, 26);
    assert_int_equal(buf[0], 0xC0);
    assert_int_equal(buf[24], 15);
    assert_int_equal(buf[25], 0);
    assert_int_equal(dot11_parse_mgmt(buf, (size_t)rc, &m), DOT11_OK);
    assert_int_equal(m.hdr.subtype, DOT11_STYPE_DEAUTH);
    assert_int_equal(m.u.deauth.reason, 15);

    rc = dot11_build_disassoc(buf, sizeof(buf), &h, DOT11_REASON_INACTIVITY);
    assert_int_equal(rc, 26);
    assert_int_equal(buf[0], 0xA0);
    assert_int_equal(dot11_parse_mgmt(buf, (size_t)rc, &m), DOT11_OK);
    assert_int_equal(m.hdr.subtype, DOT11_STYPE_DISASSOC);
    assert_int_equal(m.u.deauth.reason, DOT11_REASON_INACTIVITY);
}

static void test_parse_mgmt_rejects(void **state)
{
    (void)state;
    struct samples ss;
    struct dot11_mgmt m;
    make_samples(&ss);
    uint8_t f[SAMPLE_CAP];

    /* A data frame is not a management frame. */
    assert_int_equal(dot11_parse_mgmt(ss.s[8].buf, ss.s[8].len, &m), DOT11_E_MALFORMED);
    /* Protected management body is ciphertext. */
    memcpy(f, ss.s[3].buf, ss.s[3].len);
    f[1] |= DOT11_FC_PROTECTED;
    assert_int_equal(dot11_parse_mgmt(f, ss.s[3].len, &m), DOT11_E_UNSUPPORTED);
    /* Action frames are not handled. */
    memcpy(f, ss.s[7].buf, ss.s[7].len);
    f[0] = 0xD0;
    assert_int_equal(dot11_parse_mgmt(f, ss.s[7].len, &m), DOT11_E_UNSUPPORTED);
}

static void test_builders_nospc_and_guard(void **state)
{
    (void)state;
    struct samples ss;
    make_samples(&ss);
    struct dot11_mgmt_hdr h;
    struct dot11_bss_desc b;
    struct dot11_rsn rsn;
    dot11_rsn_init_wpa2_psk_ccmp(&rsn, 0x000c);
    mgmt_hdr(&h, BCAST, AP, AP, 1);
    bss_desc(&b, &rsn);

    const size_t full = ss.s[0].len;
    uint8_t buf[SAMPLE_CAP + 16];
    for (size_t cap = 0; cap < full; cap++) {
        memset(buf, 0xA5, sizeof(buf));
        assert_int_equal(dot11_build_beacon(buf, cap, &h, &b), DOT11_E_NOSPC);
        for (size_t i = cap; i < sizeof(buf); i++)
            assert_int_equal(buf[i], 0xA5);
    }
    assert_int_equal(dot11_build_beacon(buf, full, &h, &b), (int)full);

    uint8_t eapol[DOT11_EAPOL_KEY_FIXED_LEN];
    size_t elen;
    build_eapol_m1(eapol, sizeof(eapol), &elen);
    struct dot11_eapol_key k;
    assert_int_equal(dot11_eapol_key_parse(eapol, elen, &k), DOT11_OK);
    for (size_t cap = 0; cap < elen; cap++) {
        memset(buf, 0xA5, sizeof(buf));
        assert_int_equal(dot11_eapol_key_build(buf, cap, &k), DOT11_E_NOSPC);
        for (size_t i = cap; i < sizeof(buf); i++)
            assert_int_equal(buf[i], 0xA5);
    }

    struct dot11_radiotap rt = {.present = DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_CHANNEL)};
    for (size_t cap = 0; cap < 14; cap++)
        assert_int_equal(dot11_radiotap_write(buf, cap, &rt), DOT11_E_NOSPC);
    assert_int_equal(dot11_radiotap_write(buf, 14, &rt), 14);
    assert_int_equal(dot11_build_deauth(buf, 25, &h, 1), DOT11_E_NOSPC);
    assert_int_equal(dot11_build_deauth(NULL, 0, &h, 1), DOT11_E_NOSPC);
}

static void test_builders_inval(void **state)
{
    (void)state;
    struct dot11_mgmt_hdr h;
    struct dot11_bss_desc b;
    uint8_t buf[512];
    const uint8_t long_ssid[33] = {0};

    mgmt_hdr(&h, BCAST, AP, AP, 4096);
    bss_desc(&b, NULL);
    assert_int_equal(dot11_build_beacon(buf, sizeof(buf), &h, &b), DOT11_E_INVAL);
    h.seq_num = 1;
    h.fc_flags = DOT11_FC_TO_DS;
    assert_int_equal(dot11_build_beacon(buf, sizeof(buf), &h, &b), DOT11_E_INVAL);
    h.fc_flags = 0;
    assert_true(dot11_build_beacon(buf, sizeof(buf), &h, &b) > 0);
    b.ssid = long_ssid;
    b.ssid_len = 33;
    assert_int_equal(dot11_build_beacon(buf, sizeof(buf), &h, &b), DOT11_E_INVAL);
    bss_desc(&b, NULL);
    b.n_rates = 0;
    assert_int_equal(dot11_build_beacon(buf, sizeof(buf), &h, &b), DOT11_E_INVAL);
    bss_desc(&b, NULL);
    b.dtim_period = 0;
    assert_int_equal(dot11_build_beacon(buf, sizeof(buf), &h, &b), DOT11_E_INVAL);
    /* DTIM period is irrelevant to probe responses. */
    assert_true(dot11_build_probe_resp(buf, sizeof(buf), &h, &b) > 0);
    assert_int_equal(dot11_build_beacon(buf, sizeof(buf), NULL, &b), DOT11_E_INVAL);
    assert_int_equal(dot11_build_probe_req(buf, sizeof(buf), &h, NULL, 0, NULL, 0),
                     DOT11_E_INVAL);

    struct dot11_data_hdr_params dp = {.dir = DOT11_DIR_TO_DS, .qos = true, .tid = 16};
    assert_int_equal(dot11_build_data_hdr(buf, sizeof(buf), &dp), DOT11_E_INVAL);
    dp.tid = 0;
    dp.fc_flags = DOT11_FC_FROM_DS;
    assert_int_equal(dot11_build_data_hdr(buf, sizeof(buf), &dp), DOT11_E_INVAL);
    dp.fc_flags = DOT11_FC_PROTECTED;
    assert_int_equal(dot11_build_data_hdr(buf, sizeof(buf), &dp), 26);
    assert_int_equal(dot11_build_data(buf, sizeof(buf), &dp, 0x0800, NULL, 0), DOT11_E_INVAL);
    assert_int_equal(dot11_build_null_data(buf, sizeof(buf), &dp), DOT11_E_INVAL);
    dp.fc_flags = 0;
    assert_int_equal(dot11_build_data(buf, sizeof(buf), &dp, 0x05DC, NULL, 0), DOT11_E_INVAL);
    dp.dir = (enum dot11_ds_dir)7;
    assert_int_equal(dot11_build_data_hdr(buf, sizeof(buf), &dp), DOT11_E_INVAL);

    assert_int_equal(dot11_ie_write(buf, sizeof(buf), 0, NULL, 1), DOT11_E_INVAL);
    assert_int_equal(dot11_ie_write(buf, sizeof(buf), 0, buf, 256), DOT11_E_INVAL);
    assert_int_equal(dot11_kde_build_gtk(buf, sizeof(buf), 4, false, buf, 16), DOT11_E_INVAL);
    assert_int_equal(dot11_kde_build_gtk(buf, sizeof(buf), 1, false, buf, 33), DOT11_E_INVAL);
}

/* ------------------------------------------------------------------ */
/* Information elements and RSN                                         */
/* ------------------------------------------------------------------ */

static void test_ie_iterator(void **state)
{
    (void)state;
    const uint8_t ok[] = {0, 0, 1, 2, 0x82, 0x84, 221, 0};
    const uint8_t overlong[] = {0, 2, 'a', 'b', 1, 1, 0x82, 3, 3, 5, 6};
    const uint8_t lone_id[] = {0, 1, 'a', 3};
    struct dot11_ie_iter it;
    struct dot11_ie ie;
    uint8_t *b;

    b = dup_exact(ok, sizeof(ok));
    dot11_ie_iter_init(&it, b, sizeof(ok));
    assert_int_equal(dot11_ie_next(&it, &ie), 1);
    assert_int_equal(ie.id, 0);
    assert_int_equal(ie.len, 0);
    assert_int_equal(dot11_ie_next(&it, &ie), 1);
    assert_int_equal(ie.id, 1);
    assert_int_equal(ie.len, 2);
    assert_int_equal(ie.data[1], 0x84);
    assert_int_equal(dot11_ie_next(&it, &ie), 1);
    assert_int_equal(ie.id, 221);
    assert_int_equal(dot11_ie_next(&it, &ie), 0);
    assert_int_equal(dot11_ie_next(&it, &ie), 0);
    assert_int_equal(dot11_ie_validate(b, sizeof(ok)), 0);
    free(b);

    /* Last element claims 3 octets but only 2 remain. */
    b = dup_exact(overlong, sizeof(overlong));
    assert_int_equal(dot11_ie_validate(b, sizeof(overlong)), DOT11_E_MALFORMED);
    dot11_ie_iter_init(&it, b, sizeof(overlong));
    assert_int_equal(dot11_ie_next(&it, &ie), 1);
    assert_int_equal(dot11_ie_next(&it, &ie), 1);
    assert_int_equal(dot11_ie_next(&it, &ie), DOT11_E_MALFORMED);
    assert_int_equal(dot11_ie_next(&it, &ie), 0);
    /* Found before the broken element: fine; searched past it: malformed. */
    assert_int_equal(dot11_ie_find(b, sizeof(overlong), 1, &ie), DOT11_OK);
    assert_int_equal(dot11_ie_find(b, sizeof(overlong), 3, &ie), DOT11_E_MALFORMED);
    free(b);

    b = dup_exact(lone_id, sizeof(lone_id));
    assert_int_equal(dot11_ie_validate(b, sizeof(lone_id)), DOT11_E_MALFORMED);
    free(b);
    assert_int_equal(dot11_ie_validate(NULL, 0), 0);

    uint8_t out[8];
    const uint8_t ch = 11;
    assert_int_equal(dot11_ie_write(out, sizeof(out), DOT11_EID_DS_PARAMS, &ch, 1), 3);
    assert_int_equal(out[0], 3);
    assert_int_equal(out[1], 1);
    assert_int_equal(out[2], 11);
    assert_int_equal(dot11_ie_write(out, 2, DOT11_EID_DS_PARAMS, &ch, 1), DOT11_E_NOSPC);
    assert_int_equal(dot11_ie_write(out, 2, DOT11_EID_SSID, NULL, 0), 2);
    assert_int_equal(dot11_ie_find(NULL, 0, 0, &ie), DOT11_E_NOTFOUND);
}

static void test_ie_helpers_reject(void **state)
{
    (void)state;
    uint8_t ssid33[2 + 33] = {0, 33};
    const uint8_t ds2[] = {3, 2, 6, 6};
    const uint8_t rates9[] = {1, 9, 2, 4, 11, 22, 12, 18, 24, 36, 48};
    const uint8_t ext0[] = {1, 1, 2, 50, 0};
    const uint8_t *s;
    size_t n;
    uint8_t ch, rates[300];

    assert_int_equal(dot11_ie_get_ssid(ssid33, sizeof(ssid33), &s, &n), DOT11_E_MALFORMED);
    assert_int_equal(dot11_ie_get_ds_channel(ds2, sizeof(ds2), &ch), DOT11_E_MALFORMED);
    assert_int_equal(dot11_ie_get_rates(rates9, sizeof(rates9), rates, sizeof(rates), &n),
                     DOT11_E_MALFORMED);
    assert_int_equal(dot11_ie_get_rates(ext0, sizeof(ext0), rates, sizeof(rates), &n),
                     DOT11_E_MALFORMED);
    assert_int_equal(dot11_ie_get_rates(ds2, sizeof(ds2), rates, sizeof(rates), &n),
                     DOT11_E_NOTFOUND);
}

static void test_beacon_overlong_ie_rejected(void **state)
{
    (void)state;
    uint8_t f[sizeof(BEACON_BYTES)];
    struct dot11_mgmt m;

    memcpy(f, BEACON_BYTES, sizeof(f));
    f[sizeof(f) - 21] = 0x15; /* RSN length 21, one more than present */
    uint8_t *b = dup_exact(f, sizeof(f));
    assert_int_equal(dot11_parse_mgmt(b, sizeof(f), &m), DOT11_E_MALFORMED);
    free(b);
    memcpy(f, BEACON_BYTES, sizeof(f));
    f[37] = 0xff; /* SSID length 255 */
    b = dup_exact(f, sizeof(f));
    assert_int_equal(dot11_parse_mgmt(b, sizeof(f), &m), DOT11_E_MALFORMED);
    free(b);
}

static int rsn_parse_exact(const uint8_t *body, size_t len, struct dot11_rsn *out)
{
    uint8_t *b = dup_exact(body, len);
    int rc = dot11_rsn_parse(b, len, out);
    free(b);
    return rc;
}

static void test_rsn_parse(void **state)
{
    (void)state;
    struct dot11_rsn r;
    const uint8_t full[] = {0x01, 0x00, 0x00, 0x0f, 0xac, 0x04, 0x02, 0x00, 0x00,
                            0x0f, 0xac, 0x04, 0x00, 0x0f, 0xac, 0x02, 0x01, 0x00,
                            0x00, 0x0f, 0xac, 0x02, 0x80, 0x00};

    assert_int_equal(rsn_parse_exact(full, sizeof(full), &r), DOT11_OK);
    assert_int_equal(r.n_pairwise, 2);
    assert_int_equal(r.pairwise[1], DOT11_CIPHER_TKIP);
    assert_int_equal(r.capabilities, 0x0080);

    /* Pairwise count 3 with only two suites and the rest. */
    uint8_t bad[sizeof(full)];
    memcpy(bad, full, sizeof(full));
    bad[6] = 3;
    assert_int_equal(rsn_parse_exact(bad, sizeof(bad), &r), DOT11_E_MALFORMED);
    /* Huge pairwise count. */
    bad[6] = 0xff;
    bad[7] = 0xff;
    assert_int_equal(rsn_parse_exact(bad, sizeof(bad), &r), DOT11_E_MALFORMED);
    /* AKM count 2 with one suite then two octets of capabilities. */
    memcpy(bad, full, sizeof(full));
    bad[16] = 2;
    assert_int_equal(rsn_parse_exact(bad, sizeof(bad), &r), DOT11_E_MALFORMED);
    /* PMKID count 1 with no PMKID. */
    uint8_t pm[sizeof(full) + 2];
    memcpy(pm, full, sizeof(full));
    pm[sizeof(full)] = 1;
    pm[sizeof(full) + 1] = 0;
    assert_int_equal(rsn_parse_exact(pm, sizeof(pm), &r), DOT11_E_MALFORMED);
    /* Version 2. */
    memcpy(bad, full, sizeof(full));
    bad[0] = 2;
    assert_int_equal(rsn_parse_exact(bad, sizeof(bad), &r), DOT11_E_UNSUPPORTED);

    /* Version only: defaults. */
    assert_int_equal(rsn_parse_exact(full, 2, &r), DOT11_OK);
    assert_int_equal(r.group_cipher, DOT11_CIPHER_CCMP);
    assert_int_equal(r.n_pairwise, 1);
    assert_int_equal(r.pairwise[0], DOT11_CIPHER_CCMP);
    assert_int_equal(r.n_akm, 1);
    assert_int_equal(r.akm[0], DOT11_AKM_8021X);

    /* Every prefix: only field boundaries are acceptable. */
    for (size_t k = 0; k <= sizeof(full); k++) {
        bool ok = k == 2 || k == 6 || k == 16 || k == 22 || k == 24;
        int rc = rsn_parse_exact(full, k, &r);
        if (ok)
            assert_int_equal(rc, DOT11_OK);
        else
            assert_int_equal(rc, DOT11_E_MALFORMED);
    }

    /* 17 suites is well-formed but more than we keep. */
    uint8_t many[2 + 4 + 2 + 4 + 2 + 17 * 4];
    memset(many, 0, sizeof(many));
    many[0] = 1;
    many[6] = 17;
    assert_int_equal(rsn_parse_exact(many, 2 + 4 + 2 + 17 * 4, &r), DOT11_E_UNSUPPORTED);
    many[6] = 1;
    many[12] = 17;
    assert_int_equal(rsn_parse_exact(many, sizeof(many), &r), DOT11_E_UNSUPPORTED);

    /* PMKID list then a partial group management cipher; and stray octets
     * after the last known field. */
    uint8_t tail[sizeof(full) + 2 + 16 + 4 + 3];
    memcpy(tail, full, sizeof(full));
    memset(tail + sizeof(full), 0, sizeof(tail) - sizeof(full));
    tail[sizeof(full)] = 1;
    size_t with_pmkid = sizeof(full) + 2 + 16;
    assert_int_equal(rsn_parse_exact(tail, with_pmkid, &r), DOT11_OK);
    assert_true(r.has_pmkid_list);
    assert_false(r.has_group_mgmt_cipher);
    assert_int_equal(rsn_parse_exact(tail, with_pmkid + 3, &r), DOT11_E_MALFORMED);
    assert_int_equal(rsn_parse_exact(tail, with_pmkid + 4, &r), DOT11_OK);
    assert_true(r.has_group_mgmt_cipher);
    assert_int_equal(rsn_parse_exact(tail, sizeof(tail), &r), DOT11_OK);
    assert_int_equal(rsn_parse_exact(tail, sizeof(full) + 1, &r), DOT11_E_MALFORMED);
}

static void test_rsn_build_roundtrip(void **state)
{
    (void)state;
    struct dot11_rsn r, got;
    uint8_t buf[256];
    uint8_t pmkid[32];

    for (int i = 0; i < 32; i++)
        pmkid[i] = (uint8_t)(i * 7);
    dot11_rsn_init_wpa2_psk_ccmp(&r, 0x00cc);
    r.has_pmkid_list = true;
    r.n_pmkid = 2;
    r.pmkid = pmkid;
    r.has_group_mgmt_cipher = true;
    r.group_mgmt_cipher = DOT11_CIPHER_BIP_CMAC_128;
    int rc = dot11_rsn_build(buf, sizeof(buf), &r);
    assert_int_equal(rc, 2 + 20 + 2 + 32 + 4);
    assert_int_equal(buf[0], DOT11_EID_RSN);
    assert_int_equal(buf[1], rc - 2);
    assert_int_equal(rsn_parse_exact(buf + 2, (size_t)rc - 2, &got), DOT11_OK);
    assert_int_equal(got.capabilities, 0x00cc);
    assert_true(got.has_pmkid_list);
    assert_int_equal(got.n_pmkid, 2);
    assert_non_null(got.pmkid);
    assert_true(got.has_group_mgmt_cipher);
    assert_int_equal(got.group_mgmt_cipher, DOT11_CIPHER_BIP_CMAC_128);

    /* Group management cipher without PMKIDs still writes PMKID Count 0. */
    r.has_pmkid_list = false;
    rc = dot11_rsn_build(buf, sizeof(buf), &r);
    assert_int_equal(rc, 2 + 20 + 2 + 4);
    assert_int_equal(buf[22], 0);
    assert_int_equal(buf[23], 0);
    assert_int_equal(rsn_parse_exact(buf + 2, (size_t)rc - 2, &got), DOT11_OK);
    assert_true(got.has_pmkid_list);
    assert_int_equal(got.n_pmkid, 0);
    assert_null(got.pmkid);
    assert_true(got.has_group_mgmt_cipher);

    r.n_akm = DOT11_RSN_MAX_SUITES + 1;
    assert_int_equal(dot11_rsn_build(buf, sizeof(buf), &r), DOT11_E_INVAL);
}

/* ------------------------------------------------------------------ */
/* Data frames                                                          */
/* ------------------------------------------------------------------ */

static void check_data_roundtrip(enum dot11_ds_dir dir, bool qos)
{
    uint8_t payload[60];
    uint8_t buf[256];
    struct dot11_data_hdr_params p;
    struct dot11_hdr h;
    struct dot11_ether e;

    for (size_t i = 0; i < sizeof(payload); i++)
        payload[i] = (uint8_t)(i ^ 0x5a);
    memset(&p, 0, sizeof(p));
    p.dir = dir;
    p.seq_num = 321;
    p.qos = qos;
    p.tid = 3;
    p.fc_flags = DOT11_FC_PWR_MGT;
    memcpy(p.bssid, AP, 6);
    if (dir == DOT11_DIR_TO_DS) {
        memcpy(p.sa, STA, 6);
        memcpy(p.da, HOST, 6);
    } else {
        memcpy(p.sa, HOST, 6);
        memcpy(p.da, STA, 6);
    }
    int rc = dot11_build_data(buf, sizeof(buf), &p, DOT11_ETHERTYPE_IPV4, payload,
                              sizeof(payload));
    size_t hl = qos ? 26 : 24;
    assert_int_equal(rc, (int)(hl + 8 + sizeof(payload)));
    uint8_t *f = dup_exact(buf, (size_t)rc);
    assert_int_equal(dot11_parse_header(f, (size_t)rc, &h), (int)hl);
    assert_int_equal(h.type, DOT11_FTYPE_DATA);
    assert_int_equal(h.subtype, qos ? DOT11_STYPE_QOS_DATA : DOT11_STYPE_DATA);
    assert_int_equal(h.to_ds, dir == DOT11_DIR_TO_DS);
    assert_int_equal(h.from_ds, dir == DOT11_DIR_FROM_DS);
    assert_true(h.pwr_mgt);
    assert_int_equal(h.seq_num, 321);
    if (qos)
        assert_int_equal(h.tid, 3);
    if (dir == DOT11_DIR_TO_DS) {
        assert_memory_equal(h.addr1, AP, 6);
        assert_memory_equal(h.addr2, STA, 6);
        assert_memory_equal(h.addr3, HOST, 6);
    } else {
        assert_memory_equal(h.addr1, STA, 6);
        assert_memory_equal(h.addr2, AP, 6);
        assert_memory_equal(h.addr3, HOST, 6);
    }
    const uint8_t snap[8] = {0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x00};
    assert_memory_equal(f + hl, snap, 8);

    assert_int_equal(dot11_data_to_ether(&h, f + hl, (size_t)rc - hl, &e), DOT11_OK);
    assert_memory_equal(e.dst, p.da, 6);
    assert_memory_equal(e.src, p.sa, 6);
    assert_int_equal(e.ethertype, DOT11_ETHERTYPE_IPV4);
    assert_int_equal(e.payload_len, sizeof(payload));
    assert_memory_equal(e.payload, payload, sizeof(payload));

    /* And on to an Ethernet frame and back. */
    uint8_t eth[128];
    struct dot11_ether e2;
    int n = dot11_ether_write(eth, sizeof(eth), &e);
    assert_int_equal(n, 14 + (int)sizeof(payload));
    assert_memory_equal(eth, p.da, 6);
    assert_int_equal(eth[12], 0x08);
    assert_int_equal(eth[13], 0x00);
    assert_int_equal(dot11_ether_parse(eth, (size_t)n, &e2), DOT11_OK);
    assert_memory_equal(e2.src, p.sa, 6);
    assert_int_equal(e2.payload_len, sizeof(payload));
    free(f);
}

static void test_data_roundtrip(void **state)
{
    (void)state;
    check_data_roundtrip(DOT11_DIR_TO_DS, false);
    check_data_roundtrip(DOT11_DIR_TO_DS, true);
    check_data_roundtrip(DOT11_DIR_FROM_DS, false);
    check_data_roundtrip(DOT11_DIR_FROM_DS, true);
}

static void test_data_hdr_and_null(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct dot11_hdr h;
    struct dot11_ether e;
    struct dot11_data_hdr_params p = {.dir = DOT11_DIR_TO_DS, .seq_num = 5,
                                      .fc_flags = DOT11_FC_PWR_MGT};
    memcpy(p.bssid, AP, 6);
    memcpy(p.sa, STA, 6);
    memcpy(p.da, AP, 6);

    assert_int_equal(dot11_build_null_data(buf, sizeof(buf), &p), 24);
    assert_int_equal(buf[0], 0x48);
    assert_int_equal(buf[1], DOT11_FC_TO_DS | DOT11_FC_PWR_MGT);
    assert_int_equal(dot11_parse_header(buf, 24, &h), 24);
    assert_int_equal(h.subtype, DOT11_STYPE_NULL);
    assert_int_equal(dot11_data_to_ether(&h, NULL, 0, &e), DOT11_E_UNSUPPORTED);
    p.qos = true;
    assert_int_equal(dot11_build_null_data(buf, sizeof(buf), &p), 26);
    assert_int_equal(buf[0], 0xC8);

    /* Header with Protected set, ready for the crypto module. */
    p.qos = false;
    p.fc_flags = DOT11_FC_PROTECTED;
    assert_int_equal(dot11_build_data_hdr(buf, sizeof(buf), &p), 24);
    assert_int_equal(buf[1], DOT11_FC_TO_DS | DOT11_FC_PROTECTED);
    assert_int_equal(dot11_build_llc_snap(buf, 8, DOT11_ETHERTYPE_ARP, NULL, 0), 8);
    assert_int_equal(buf[7], 0x06);
}

static void test_data_to_ether_rejects(void **state)
{
    (void)state;
    struct dot11_hdr h;
    struct dot11_ether e;
    const uint8_t raw_llc[] = {0x42, 0x42, 0x03, 0, 0, 0, 0x08, 0x00};
    const uint8_t tunnel[] = {0xAA, 0xAA, 0x03, 0, 0, 0xF8, 0x80, 0xF3};
    const uint8_t len_type[] = {0xAA, 0xAA, 0x03, 0, 0, 0, 0x05, 0xDC};
    const uint8_t snap[] = {0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x06};

    memset(&h, 0, sizeof(h));
    h.type = DOT11_FTYPE_DATA;
    h.to_ds = true;
    h.from_ds = true;
    memcpy(h.addr3, HOST, 6);
    memcpy(h.addr4, STA, 6);
    assert_int_equal(dot11_data_to_ether(&h, snap, sizeof(snap), &e), DOT11_OK);
    assert_memory_equal(e.dst, HOST, 6); /* WDS: DA = A3, SA = A4 */
    assert_memory_equal(e.src, STA, 6);
    assert_int_equal(e.payload_len, 0);
    assert_null(e.payload);
    for (size_t k = 0; k < sizeof(snap); k++) {
        uint8_t *b = dup_exact(snap, k);
        assert_int_equal(dot11_data_to_ether(&h, b, k, &e), DOT11_E_MALFORMED);
        free(b);
    }
    assert_int_equal(dot11_data_to_ether(&h, raw_llc, sizeof(raw_llc), &e),
                     DOT11_E_UNSUPPORTED);
    assert_int_equal(dot11_data_to_ether(&h, tunnel, sizeof(tunnel), &e), DOT11_OK);
    assert_int_equal(e.ethertype, 0x80F3);
    assert_int_equal(dot11_data_to_ether(&h, len_type, sizeof(len_type), &e),
                     DOT11_E_UNSUPPORTED);
    h.amsdu_present = true;
    assert_int_equal(dot11_data_to_ether(&h, snap, sizeof(snap), &e), DOT11_E_UNSUPPORTED);
    h.amsdu_present = false;
    h.type = DOT11_FTYPE_MGMT;
    assert_int_equal(dot11_data_to_ether(&h, snap, sizeof(snap), &e), DOT11_E_MALFORMED);

    const uint8_t short_eth[13] = {0};
    assert_int_equal(dot11_ether_parse(short_eth, sizeof(short_eth), &e), DOT11_E_MALFORMED);
}

/* ------------------------------------------------------------------ */
/* EAPOL-Key                                                            */
/* ------------------------------------------------------------------ */

static void test_eapol_m1_known_bytes(void **state)
{
    (void)state;
    uint8_t buf[128];
    size_t len;
    uint8_t expect[DOT11_EAPOL_KEY_FIXED_LEN];

    memset(expect, 0, sizeof(expect));
    const uint8_t head[] = {
        0x02,       /* 802.1X-2004 */
        0x03,       /* EAPOL-Key */
        0x00, 0x5f, /* body length 95 */
        0x02,       /* RSN descriptor */
        0x00, 0x8a, /* Key Info: version 2, pairwise, ack */
        0x00, 0x10, /* Key Length 16 */
        0, 0, 0, 0, 0, 0, 0, 1, /* Replay Counter 1 */
    };
    memcpy(expect, head, sizeof(head));
    for (int i = 0; i < 32; i++)
        expect[17 + i] = (uint8_t)i; /* ANonce */
    /* IV, RSC, reserved, MIC, Key Data Length all zero. */

    build_eapol_m1(buf, sizeof(buf), &len);
    assert_int_equal(len, 99);
    assert_memory_equal(buf, expect, sizeof(expect));

    struct dot11_eapol_key k;
    uint8_t *b = dup_exact(buf, len);
    assert_int_equal(dot11_eapol_key_parse(b, len, &k), DOT11_OK);
    assert_int_equal(k.protocol_version, 2);
    assert_int_equal(k.descriptor_type, 2);
    assert_int_equal(k.key_info_raw, 0x008a);
    assert_int_equal(k.info.descriptor_version, 2);
    assert_true(k.info.pairwise && k.info.ack);
    assert_false(k.info.install || k.info.mic || k.info.secure || k.info.error ||
                 k.info.request || k.info.encrypted_key_data);
    assert_int_equal(k.key_length, 16);
    assert_true(k.replay_counter == 1);
    assert_int_equal(k.nonce[31], 31);
    assert_int_equal(k.key_data_len, 0);
    assert_null(k.key_data);
    assert_int_equal(k.frame_len, 99);
    free(b);
}

static void test_eapol_m3_roundtrip_and_mic_offset(void **state)
{
    (void)state;
    uint8_t kd[64], gtk[16], buf[256];
    for (int i = 0; i < 16; i++)
        gtk[i] = (uint8_t)(0xA0 + i);
    size_t kd_len = build_key_data(kd, sizeof(kd), gtk);

    struct dot11_eapol_key k, got;
    memset(&k, 0, sizeof(k));
    k.protocol_version = DOT11_EAPOL_VERSION_2004;
    k.descriptor_type = DOT11_EAPOL_KEY_DESC_RSN;
    k.info = (struct dot11_key_info){.descriptor_version = 2, .pairwise = true,
                                     .install = true, .ack = true, .mic = true,
                                     .secure = true, .encrypted_key_data = true};
    k.key_length = 16;
    k.replay_counter = 0x0102030405060708ull;
    for (int i = 0; i < 32; i++)
        k.nonce[i] = (uint8_t)(0xF0 ^ i);
    for (int i = 0; i < 8; i++)
        k.rsc[i] = (uint8_t)(i + 1);
    for (int i = 0; i < 16; i++)
        k.mic[i] = (uint8_t)(0x30 + i);
    k.key_data = kd;
    k.key_data_len = kd_len;

    int rc = dot11_eapol_key_build(buf, sizeof(buf), &k);
    assert_int_equal(rc, 99 + 48);
    assert_int_equal(dot11_key_info_encode(&k.info), 0x13ca);
    assert_int_equal(buf[5], 0x13);
    assert_int_equal(buf[6], 0xca);
    assert_memory_equal(buf + DOT11_EAPOL_KEY_MIC_OFFSET, k.mic, 16);
    assert_int_equal(buf[DOT11_EAPOL_KEY_DATA_LEN_OFFSET], 0);
    assert_int_equal(buf[DOT11_EAPOL_KEY_DATA_LEN_OFFSET + 1], 48);
    assert_int_equal(buf[9], 0x01); /* replay counter is big-endian */
    assert_int_equal(buf[16], 0x08);

    /* Trailing octets beyond the EAPOL body are padding, not key data. */
    buf[rc] = 0xEE;
    uint8_t *b = dup_exact(buf, (size_t)rc + 1);
    assert_int_equal(dot11_eapol_key_parse(b, (size_t)rc + 1, &got), DOT11_OK);
    assert_int_equal(got.frame_len, (size_t)rc);
    assert_true(got.info.install && got.info.secure && got.info.encrypted_key_data);
    assert_true(got.replay_counter == k.replay_counter);
    assert_memory_equal(got.rsc, k.rsc, 8);
    assert_memory_equal(got.mic, k.mic, 16);
    assert_int_equal(got.key_data_len, 48);
    assert_memory_equal(got.key_data, kd, 48);
    free(b);
}

static void test_key_info_bits(void **state)
{
    (void)state;
    struct dot11_key_info ki;

    /* Every defined bit survives decode/encode; reserved bits 4-5 and
     * 14-15 are dropped. */
    dot11_key_info_decode(0xffff, &ki);
    assert_int_equal(ki.descriptor_version, 7);
    assert_true(ki.pairwise && ki.install && ki.ack && ki.mic && ki.secure && ki.error &&
                ki.request && ki.encrypted_key_data && ki.smk_message);
    assert_int_equal(dot11_key_info_encode(&ki), 0x3fcf);
    for (unsigned bit = 0; bit < 16; bit++) {
        uint16_t v = (uint16_t)(1u << bit);
        dot11_key_info_decode(v, &ki);
        bool reserved = bit == 4 || bit == 5 || bit >= 14;
        assert_int_equal(dot11_key_info_encode(&ki), reserved ? 0 : v);
    }
}

static void test_eapol_rejects(void **state)
{
    (void)state;
    uint8_t m1[128], f[128];
    size_t len;
    struct dot11_eapol_key k;
    build_eapol_m1(m1, sizeof(m1), &len);

    memcpy(f, m1, len);
    f[1] = 0; /* EAP-Packet */
    assert_int_equal(dot11_eapol_key_parse(f, len, &k), DOT11_E_UNSUPPORTED);
    memcpy(f, m1, len);
    f[4] = 254; /* WPA descriptor */
    assert_int_equal(dot11_eapol_key_parse(f, len, &k), DOT11_E_UNSUPPORTED);
    memcpy(f, m1, len);
    f[0] = 0;
    assert_int_equal(dot11_eapol_key_parse(f, len, &k), DOT11_E_UNSUPPORTED);
    memcpy(f, m1, len);
    f[3] = 0x60; /* body longer than the buffer */
    assert_int_equal(dot11_eapol_key_parse(f, len, &k), DOT11_E_MALFORMED);
    memcpy(f, m1, len);
    f[3] = 0x5e; /* body shorter than the fixed fields */
    assert_int_equal(dot11_eapol_key_parse(f, len, &k), DOT11_E_MALFORMED);
    memcpy(f, m1, len);
    f[98] = 1; /* key data length past the body */
    assert_int_equal(dot11_eapol_key_parse(f, len, &k), DOT11_E_MALFORMED);
    f[3] = 0x60; /* ... unless the body really holds it */
    f[99] = 0xdd;
    assert_int_equal(dot11_eapol_key_parse(f, len + 1, &k), DOT11_OK);
    assert_int_equal(k.key_data_len, 1);
}

static void test_key_data_pad(void **state)
{
    (void)state;
    const struct { size_t in, out; } cases[] = {
        {0, 0}, {1, 16}, {8, 16}, {15, 16}, {16, 16}, {17, 24}, {22, 24}, {24, 24}, {46, 48},
    };
    uint8_t buf[64];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(buf, 0x77, sizeof(buf));
        int rc = dot11_key_data_pad(buf, cases[i].in, sizeof(buf));
        assert_int_equal(rc, (int)cases[i].out);
        if (cases[i].out > cases[i].in) {
            assert_int_equal(buf[cases[i].in], 0xdd);
            for (size_t j = cases[i].in + 1; j < cases[i].out; j++)
                assert_int_equal(buf[j], 0);
        }
        assert_int_equal(buf[cases[i].out], 0x77); /* nothing written past */
    }
    assert_int_equal(dot11_key_data_pad(buf, 22, 23), DOT11_E_NOSPC);
    assert_int_equal(dot11_key_data_pad(buf, 24, 23), DOT11_E_INVAL);
}

static int key_data_parse_exact(const uint8_t *kd, size_t len, struct dot11_key_data *out)
{
    uint8_t *b = dup_exact(kd, len);
    int rc = dot11_key_data_parse(b, len, out);
    if (rc == DOT11_OK) {
        assert_true(inside(out->rsne, out->rsne_len, b, len));
        if (out->has_gtk)
            assert_true(inside(out->gtk.gtk, out->gtk.gtk_len, b, len));
    }
    free(b);
    return rc;
}

static void test_key_data_kdes(void **state)
{
    (void)state;
    uint8_t kd[64], gtk[16];
    struct dot11_key_data d;
    for (int i = 0; i < 16; i++)
        gtk[i] = (uint8_t)(0xA0 + i);
    size_t len = build_key_data(kd, sizeof(kd), gtk);

    const uint8_t gtk_kde_head[] = {0xdd, 22, 0x00, 0x0f, 0xac, 0x01, 0x05, 0x00};
    assert_memory_equal(kd + 22, gtk_kde_head, sizeof(gtk_kde_head));
    assert_int_equal(kd[46], 0xdd);
    assert_int_equal(kd[47], 0x00);

    uint8_t *b = dup_exact(kd, len);
    assert_int_equal(dot11_key_data_parse(b, len, &d), DOT11_OK);
    assert_ptr_equal(d.rsne, b);
    assert_int_equal(d.rsne_len, 22);
    assert_true(d.has_gtk);
    assert_int_equal(d.gtk.key_id, 1);
    assert_true(d.gtk.tx);
    assert_int_equal(d.gtk.gtk_len, 16);
    assert_memory_equal(d.gtk.gtk, gtk, 16);
    struct dot11_rsn rsn;
    assert_int_equal(dot11_rsn_parse(d.rsne + 2, d.rsne_len - 2, &rsn), DOT11_OK);
    free(b);

    /* Prefixes: element boundaries (and a lone 0xdd, which is the pad). */
    for (size_t k = 0; k <= len; k++) {
        bool ok = k == 0 || k == 22 || k == 23 || k == 46 || k == 47 || k == 48;
        int rc = key_data_parse_exact(kd, k, &d);
        if (ok)
            assert_int_equal(rc, DOT11_OK);
        else
            assert_int_equal(rc, DOT11_E_MALFORMED);
    }

    /* Unknown KDE and a vendor element are skipped; duplicates rejected. */
    uint8_t mix[96];
    size_t n = 0;
    const uint8_t pmkid_kde[] = {0xdd, 20, 0x00, 0x0f, 0xac, 0x04, 1, 2, 3, 4, 5, 6, 7, 8,
                                 9, 10, 11, 12, 13, 14, 15, 16};
    const uint8_t wpa_ie[] = {0xdd, 6, 0x00, 0x50, 0xf2, 0x01, 0x01, 0x00};
    memcpy(mix + n, pmkid_kde, sizeof(pmkid_kde));
    n += sizeof(pmkid_kde);
    memcpy(mix + n, wpa_ie, sizeof(wpa_ie));
    n += sizeof(wpa_ie);
    memcpy(mix + n, kd + 22, 24);
    n += 24;
    assert_int_equal(key_data_parse_exact(mix, n, &d), DOT11_OK);
    assert_null(d.rsne);
    assert_true(d.has_gtk);
    memcpy(mix + n, kd + 22, 24);
    assert_int_equal(key_data_parse_exact(mix, n + 24, &d), DOT11_E_MALFORMED);
    memcpy(mix, kd, 22);
    memcpy(mix + 22, kd, 22);
    assert_int_equal(key_data_parse_exact(mix, 44, &d), DOT11_E_MALFORMED);

    /* GTK KDE with no key, or a key longer than 32 octets. */
    const uint8_t empty_gtk[] = {0xdd, 6, 0x00, 0x0f, 0xac, 0x01, 0x00, 0x00};
    assert_int_equal(key_data_parse_exact(empty_gtk, sizeof(empty_gtk), &d),
                     DOT11_E_MALFORMED);
    uint8_t big_gtk[2 + 6 + 33] = {0xdd, 6 + 33, 0x00, 0x0f, 0xac, 0x01};
    assert_int_equal(key_data_parse_exact(big_gtk, sizeof(big_gtk), &d), DOT11_E_MALFORMED);
    const uint8_t short_kde[] = {0xdd, 3, 0x00, 0x0f, 0xac};
    assert_int_equal(key_data_parse_exact(short_kde, sizeof(short_kde), &d),
                     DOT11_E_MALFORMED);
}

/* ------------------------------------------------------------------ */
/* Radiotap                                                             */
/* ------------------------------------------------------------------ */

static void test_radiotap_known_bytes(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct dot11_radiotap rt = {
        .present = DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_RATE) |
                   DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_CHANNEL) |
                   DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_DBM_ANTSIGNAL) |
                   DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_DBM_ANTNOISE) |
                   DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_ANTENNA),
        .flags = DOT11_RADIOTAP_F_FCS | DOT11_RADIOTAP_F_SHORTPRE, /* FCS bit dropped */
        .rate = 12,
        .chan_freq = 2437,
        .chan_flags = DOT11_RADIOTAP_CHAN_2GHZ | DOT11_RADIOTAP_CHAN_OFDM,
        .dbm_antsignal = -40,
        .dbm_antnoise = -95,
        .antenna = 1,
    };
    const uint8_t expect[] = {
        0x00, 0x00, 0x11, 0x00,             /* version, pad, it_len 17 */
        0x6e, 0x08, 0x00, 0x00,             /* Flags Rate Channel Sig Noise Antenna */
        0x02,                               /* Flags: short preamble, no FCS */
        0x0c,                               /* 6 Mb/s */
        0x85, 0x09, 0xc0, 0x00,             /* 2437 MHz, 2 GHz | OFDM */
        0xd8, 0xa1,                         /* -40 dBm, -95 dBm */
        0x01,                               /* antenna 1 */
    };
    int rc = dot11_radiotap_write(buf, sizeof(buf), &rt);
    assert_int_equal(rc, (int)sizeof(expect));
    assert_memory_equal(buf, expect, sizeof(expect));
    /* where each field sits, for a writer that patches one */
    assert_int_equal(dot11_radiotap_field_offset(rt.present, DOT11_RADIOTAP_FLAGS), 8);
    assert_int_equal(dot11_radiotap_field_offset(rt.present, DOT11_RADIOTAP_CHANNEL), 10);
    assert_int_equal(dot11_radiotap_field_offset(rt.present, DOT11_RADIOTAP_DBM_ANTSIGNAL), 14);
    assert_int_equal(dot11_radiotap_field_offset(rt.present, DOT11_RADIOTAP_ANTENNA), 16);
    assert_int_equal(dot11_radiotap_field_offset(rt.present, DOT11_RADIOTAP_TSFT), -1);
    assert_int_equal(dot11_radiotap_field_offset(rt.present | DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_TSFT),
                                                 DOT11_RADIOTAP_DBM_ANTSIGNAL),
                     8 + 8 + 1 + 1 + 4);

    /* TSFT first, aligned to 8; Channel then lands on offset 18. */
    rt.present |= DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_TSFT);
    rt.tsft = 0x1122334455667788ull;
    rc = dot11_radiotap_write(buf, sizeof(buf), &rt);
    assert_int_equal(rc, 25);
    assert_int_equal(buf[8], 0x88);
    assert_int_equal(buf[15], 0x11);
    assert_int_equal(buf[16], 0x02);
    assert_int_equal(buf[18], 0x85);

    /* Without Rate the Channel needs one pad octet to reach offset 10. */
    struct dot11_radiotap r2 = {.present = DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_CHANNEL),
                                .chan_freq = 5180,
                                .chan_flags = dot11_radiotap_chan_flags(5180, 12)};
    memset(buf, 0xff, sizeof(buf));
    rc = dot11_radiotap_write(buf, sizeof(buf), &r2);
    assert_int_equal(rc, 14);
    assert_int_equal(buf[8], 0x00);
    assert_int_equal(buf[9], 0x00);
    assert_int_equal(buf[10], 0x3c);
    assert_int_equal(buf[11], 0x14);
    assert_int_equal(buf[12], 0x40);
    assert_int_equal(buf[13], 0x01);

    r2.present |= DOT11_RADIOTAP_BIT(7);
    assert_int_equal(dot11_radiotap_write(buf, sizeof(buf), &r2), DOT11_E_INVAL);
}

static void test_radiotap_roundtrip(void **state)
{
    (void)state;
    struct samples ss;
    struct dot11_radiotap rt;
    make_samples(&ss);
    const struct sample *s = &ss.s[12];
    assert_string_equal(s->name, "radiotap");

    uint8_t *b = dup_exact(s->buf, s->len);
    assert_int_equal(dot11_radiotap_parse(b, s->len, &rt), (int)s->len);
    assert_false(rt.partial);
    assert_true(rt.tsft == 123456789);
    assert_int_equal(rt.flags, 0);
    assert_int_equal(rt.rate, 12);
    assert_int_equal(rt.chan_freq, 2437);
    assert_int_equal(rt.chan_flags, 0x00c0);
    assert_int_equal(rt.dbm_antsignal, -40);
    assert_int_equal(rt.dbm_antnoise, -95);
    assert_int_equal(rt.antenna, 0);
    assert_int_equal(rt.present, rt.it_present);
    free(b);
}

static void test_radiotap_parse_rejects(void **state)
{
    (void)state;
    struct dot11_radiotap rt;
    uint8_t f[32];

    memset(f, 0, sizeof(f));
    f[2] = 8;
    assert_int_equal(dot11_radiotap_parse(f, 8, &rt), 8);
    assert_int_equal(dot11_radiotap_parse(f, 7, &rt), DOT11_E_MALFORMED);
    f[0] = 1;
    assert_int_equal(dot11_radiotap_parse(f, 8, &rt), DOT11_E_UNSUPPORTED);
    f[0] = 0;
    f[2] = 7;
    assert_int_equal(dot11_radiotap_parse(f, 8, &rt), DOT11_E_MALFORMED);
    f[2] = 9;
    assert_int_equal(dot11_radiotap_parse(f, 8, &rt), DOT11_E_MALFORMED);

    /* Extended present word runs past it_len. */
    f[2] = 10;
    f[7] = 0x80;
    assert_int_equal(dot11_radiotap_parse(f, sizeof(f), &rt), DOT11_E_MALFORMED);
    /* Two present words, then Flags at offset 12. */
    f[2] = 13;
    f[4] = 0x02;
    f[12] = 0x10;
    assert_int_equal(dot11_radiotap_parse(f, sizeof(f), &rt), 13);
    assert_int_equal(rt.flags, DOT11_RADIOTAP_F_FCS);
    /* Channel at offset 8 needs it_len 12. */
    memset(f, 0, sizeof(f));
    f[2] = 12;
    f[4] = 0x08;
    assert_int_equal(dot11_radiotap_parse(f, sizeof(f), &rt), 12);
    f[2] = 11;
    assert_int_equal(dot11_radiotap_parse(f, sizeof(f), &rt), DOT11_E_MALFORMED);
    /* Bit 18 has no known layout: fields from there on are not decoded. */
    memset(f, 0, sizeof(f));
    f[2] = 16;
    f[4] = 0x02;        /* Flags */
    f[6] = 0x04;        /* bit 18 */
    f[8] = 0x02;
    assert_int_equal(dot11_radiotap_parse(f, sizeof(f), &rt), 16);
    assert_true(rt.partial);
    assert_int_equal(rt.flags, 0x02);
    assert_int_equal(rt.present, DOT11_RADIOTAP_BIT(DOT11_RADIOTAP_FLAGS));
}

static void test_channel_freq(void **state)
{
    (void)state;
    assert_int_equal(dot11_channel_to_freq(1), 2412);
    assert_int_equal(dot11_channel_to_freq(6), 2437);
    assert_int_equal(dot11_channel_to_freq(13), 2472);
    assert_int_equal(dot11_channel_to_freq(14), 2484);
    assert_int_equal(dot11_channel_to_freq(36), 5180);
    assert_int_equal(dot11_channel_to_freq(165), 5825);
    assert_int_equal(dot11_channel_to_freq(0), DOT11_E_INVAL);
    assert_int_equal(dot11_channel_to_freq(15), DOT11_E_INVAL);
    assert_int_equal(dot11_channel_to_freq(200), DOT11_E_INVAL);
    for (unsigned ch = 1; ch <= 14; ch++)
        assert_int_equal(dot11_freq_to_channel((unsigned)dot11_channel_to_freq(ch)), (int)ch);
    for (unsigned ch = 32; ch <= 177; ch++)
        assert_int_equal(dot11_freq_to_channel((unsigned)dot11_channel_to_freq(ch)), (int)ch);
    assert_int_equal(dot11_freq_to_channel(2413), DOT11_E_INVAL);
    assert_int_equal(dot11_radiotap_chan_flags(2412, 2), 0x00a0);
    assert_int_equal(dot11_radiotap_chan_flags(2412, 0x96), 0x00a0);
    assert_int_equal(dot11_radiotap_chan_flags(2412, 12), 0x00c0);
    assert_int_equal(dot11_radiotap_chan_flags(5180, 12), 0x0140);
    assert_int_equal(dot11_radiotap_chan_flags(900, 12), 0);
}

/* ------------------------------------------------------------------ */
/* Every truncation                                                     */
/* ------------------------------------------------------------------ */

/* Offsets at which a management frame body may end: after the fixed
 * fields, and after each element. */
static size_t mgmt_fixed_end(const struct sample *s)
{
    struct dot11_mgmt m;
    assert_int_equal(dot11_parse_mgmt(s->buf, s->len, &m), DOT11_OK);
    return s->len - m.ies_len;
}

static bool on_element_boundary(const struct sample *s, size_t fixed_end, size_t k)
{
    if (k < fixed_end)
        return false;
    size_t off = fixed_end;
    while (off < k)
        off += 2 + (size_t)s->buf[off + 1];
    return off == k;
}

static void test_truncation_every_length(void **state)
{
    (void)state;
    struct samples ss;
    make_samples(&ss);

    for (size_t i = 0; i < ss.n; i++) {
        const struct sample *s = &ss.s[i];
        bool mgmt = i < 8;
        size_t fixed_end = mgmt ? mgmt_fixed_end(s) : 0;

        for (size_t k = 0; k <= s->len; k++) {
            uint8_t *b = dup_exact(s->buf, k);
            struct dot11_hdr h;
            struct dot11_mgmt m;
            struct dot11_eapol_key ek;
            struct dot11_radiotap rt;
            int rc;

            if (mgmt) {
                rc = dot11_parse_mgmt(b, k, &m);
                if (on_element_boundary(s, fixed_end, k)) {
                    assert_int_equal(rc, DOT11_OK);
                    assert_int_equal(m.ies_len, k - fixed_end);
                } else {
                    assert_true(rc < 0);
                }
            } else if (!strcmp(s->name, "data_eapol") || !strcmp(s->name, "qos_data")) {
                rc = dot11_parse_header(b, k, &h);
                size_t hl = !strcmp(s->name, "qos_data") ? 26 : 24;
                if (k < hl) {
                    assert_int_equal(rc, DOT11_E_MALFORMED);
                } else {
                    struct dot11_ether e;
                    assert_int_equal(rc, (int)hl);
                    rc = dot11_data_to_ether(&h, b + hl, k - hl, &e);
                    assert_int_equal(rc, k < hl + 8 ? DOT11_E_MALFORMED : DOT11_OK);
                    if (rc == DOT11_OK && e.ethertype == DOT11_ETHERTYPE_EAPOL) {
                        rc = dot11_eapol_key_parse(e.payload, e.payload_len, &ek);
                        assert_int_equal(rc, k == s->len ? DOT11_OK : DOT11_E_MALFORMED);
                    }
                }
            } else if (!strcmp(s->name, "eapol_m1")) {
                rc = dot11_eapol_key_parse(b, k, &ek);
                assert_int_equal(rc, k == s->len ? DOT11_OK : DOT11_E_MALFORMED);
            } else if (!strcmp(s->name, "radiotap")) {
                rc = dot11_radiotap_parse(b, k, &rt);
                if (k == s->len)
                    assert_int_equal(rc, (int)s->len);
                else
                    assert_int_equal(rc, DOT11_E_MALFORMED);
            } else {
                struct dot11_key_data d;
                assert_string_equal(s->name, "key_data");
                rc = dot11_key_data_parse(b, k, &d);
                bool ok = k == 0 || k == 22 || k == 23 || k >= 46;
                assert_int_equal(rc, ok ? DOT11_OK : DOT11_E_MALFORMED);
            }
            free(b);
        }
    }
}

/* ------------------------------------------------------------------ */
/* Random input                                                         */
/* ------------------------------------------------------------------ */

static uint64_t xorshift64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

/* Feed one input to every parser and check what they report stays inside
 * the input. */
static void parse_everything(const uint8_t *b, size_t len)
{
    struct dot11_hdr h;
    struct dot11_mgmt m;
    struct dot11_eapol_key ek;
    struct dot11_key_data kd;
    struct dot11_radiotap rt;
    struct dot11_rsn rsn;
    struct dot11_ether e;
    int rc;

    rc = dot11_parse_header(b, len, &h);
    if (rc >= 0) {
        assert_true((size_t)rc <= len);
        if (h.type == DOT11_FTYPE_DATA &&
            dot11_data_to_ether(&h, b + rc, len - (size_t)rc, &e) == DOT11_OK) {
            assert_true(inside(e.payload, e.payload_len, b, len));
            if (dot11_eapol_key_parse(e.payload, e.payload_len, &ek) == DOT11_OK)
                assert_true(inside(ek.key_data, ek.key_data_len, b, len));
        }
    }
    if (dot11_parse_mgmt(b, len, &m) == DOT11_OK) {
        const uint8_t *ssid;
        size_t n;
        uint8_t ch, rates[DOT11_MAX_RATES];
        assert_true(inside(m.ies, m.ies_len, b, len));
        if (dot11_ie_get_ssid(m.ies, m.ies_len, &ssid, &n) == DOT11_OK)
            assert_true(inside(ssid, n, b, len) && n <= 32);
        (void)dot11_ie_get_ds_channel(m.ies, m.ies_len, &ch);
        if (dot11_ie_get_rates(m.ies, m.ies_len, rates, sizeof(rates), &n) == DOT11_OK)
            assert_true(n >= 1 && n <= DOT11_MAX_RATES);
        if (dot11_ie_get_rsn(m.ies, m.ies_len, &rsn) == DOT11_OK) {
            assert_true(rsn.n_pairwise <= DOT11_RSN_MAX_SUITES);
            assert_true(rsn.n_akm <= DOT11_RSN_MAX_SUITES);
            assert_true(inside(rsn.pmkid, rsn.n_pmkid * 16, b, len));
        }
    }
    if (dot11_eapol_key_parse(b, len, &ek) == DOT11_OK) {
        assert_true(ek.frame_len <= len);
        assert_true(inside(ek.key_data, ek.key_data_len, b, len));
        (void)dot11_key_data_parse(ek.key_data, ek.key_data_len, &kd);
    }
    if (dot11_key_data_parse(b, len, &kd) == DOT11_OK) {
        assert_true(inside(kd.rsne, kd.rsne_len, b, len));
        if (kd.has_gtk)
            assert_true(inside(kd.gtk.gtk, kd.gtk.gtk_len, b, len));
    }
    if (dot11_rsn_parse(b, len, &rsn) == DOT11_OK)
        assert_true(inside(rsn.pmkid, rsn.n_pmkid * 16, b, len));
    rc = dot11_radiotap_parse(b, len, &rt);
    if (rc >= 0) {
        assert_true((size_t)rc <= len && rc >= 8);
        /* The 802.11 frame behind the header gets the same treatment. */
        (void)dot11_parse_header(b + rc, len - (size_t)rc, &h);
    }
    (void)dot11_ie_validate(b, len);
    (void)dot11_ether_parse(b, len, &e);
}

static void test_random_input(void **state)
{
    (void)state;
    struct samples ss;
    uint64_t seed = 0x9E3779B97F4A7C15ull;
    uint8_t scratch[SAMPLE_CAP];
    make_samples(&ss);

    for (int iter = 0; iter < 100000; iter++) {
        uint64_t r = xorshift64(&seed);
        size_t len;

        if (r & 1) {
            /* Pure noise; a valid Frame Control/version byte now and then. */
            len = (size_t)(xorshift64(&seed) % 300);
            for (size_t i = 0; i < len; i++)
                scratch[i] = (uint8_t)xorshift64(&seed);
            if (len && (r & 2))
                scratch[0] &= 0xFC;
        } else {
            /* A valid sample with a few octets changed and maybe cut. */
            const struct sample *s = &ss.s[(r >> 8) % ss.n];
            len = s->len;
            memcpy(scratch, s->buf, len);
            int flips = 1 + (int)((r >> 16) % 4);
            for (int f = 0; f < flips; f++)
                scratch[xorshift64(&seed) % len] = (uint8_t)xorshift64(&seed);
            if (r & 2)
                len = (size_t)(xorshift64(&seed) % (len + 1));
        }
        uint8_t *b = dup_exact(scratch, len);
        parse_everything(b, len);
        free(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_mgmt),
        cmocka_unit_test(test_header_data_4addr_qos_htc),
        cmocka_unit_test(test_header_ctrl),
        cmocka_unit_test(test_header_rejects),
        cmocka_unit_test(test_beacon_known_bytes),
        cmocka_unit_test(test_beacon_roundtrip),
        cmocka_unit_test(test_beacon_template_same_bytes),
        cmocka_unit_test(test_probe_resp_open),
        cmocka_unit_test(test_probe_req),
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_assoc_req),
        cmocka_unit_test(test_assoc_resp),
        cmocka_unit_test(test_deauth_disassoc),
        cmocka_unit_test(test_parse_mgmt_rejects),
        cmocka_unit_test(test_builders_nospc_and_guard),
        cmocka_unit_test(test_builders_inval),
        cmocka_unit_test(test_ie_iterator),
        cmocka_unit_test(test_ie_helpers_reject),
        cmocka_unit_test(test_beacon_overlong_ie_rejected),
        cmocka_unit_test(test_rsn_parse),
        cmocka_unit_test(test_rsn_build_roundtrip),
        cmocka_unit_test(test_data_roundtrip),
        cmocka_unit_test(test_data_hdr_and_null),
        cmocka_unit_test(test_data_to_ether_rejects),
        cmocka_unit_test(test_eapol_m1_known_bytes),
        cmocka_unit_test(test_eapol_m3_roundtrip_and_mic_offset),
        cmocka_unit_test(test_key_info_bits),
        cmocka_unit_test(test_eapol_rejects),
        cmocka_unit_test(test_key_data_pad),
        cmocka_unit_test(test_key_data_kdes),
        cmocka_unit_test(test_radiotap_known_bytes),
        cmocka_unit_test(test_radiotap_roundtrip),
        cmocka_unit_test(test_radiotap_parse_rejects),
        cmocka_unit_test(test_channel_freq),
        cmocka_unit_test(test_truncation_every_length),
        cmocka_unit_test(test_random_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
