/*
 * dot11/frame.c - IEEE 802.11 frame builders and parsers (see frame.h).
 *
 * Every field goes through the small bounded writer/reader below, so no
 * code here indexes a buffer directly with an unchecked length.
 */
#include "frame.h"

#include <limits.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Bounded writer and reader                                            */
/* ------------------------------------------------------------------ */

struct wr {
    uint8_t *buf;
    size_t cap;
    size_t len;
    bool overflow;
};

static void wr_init(struct wr *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = buf ? cap : 0;
    w->len = 0;
    w->overflow = false;
}

static bool wr_room(struct wr *w, size_t n)
{
    if (w->overflow || n > w->cap - w->len) {
        w->overflow = true;
        return false;
    }
    return true;
}

static void wr_bytes(struct wr *w, const uint8_t *src, size_t n)
{
    if (!wr_room(w, n))
        return;
    if (n)
        memcpy(w->buf + w->len, src, n);
    w->len += n;
}

static void wr_zero(struct wr *w, size_t n)
{
    if (!wr_room(w, n))
        return;
    if (n)
        memset(w->buf + w->len, 0, n);
    w->len += n;
}

static void wr_u8(struct wr *w, uint8_t v)
{
    wr_bytes(w, &v, 1);
}

static void wr_le16(struct wr *w, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v & 0xff), (uint8_t)(v >> 8)};
    wr_bytes(w, b, 2);
}

static void wr_be16(struct wr *w, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)(v & 0xff)};
    wr_bytes(w, b, 2);
}

static void wr_le64(struct wr *w, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    wr_bytes(w, b, 8);
}

static void wr_be64(struct wr *w, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * (7 - i)));
    wr_bytes(w, b, 8);
}

/* Suite selectors go out as OUI (3 octets, first octet first) then type. */
static void wr_suite(struct wr *w, uint32_t suite)
{
    uint8_t b[4] = {(uint8_t)(suite >> 24), (uint8_t)(suite >> 16),
                    (uint8_t)(suite >> 8), (uint8_t)suite};
    wr_bytes(w, b, 4);
}

static int wr_result(const struct wr *w)
{
    if (w->overflow || w->len > (size_t)INT_MAX)
        return DOT11_E_NOSPC;
    return (int)w->len;
}

struct rd {
    const uint8_t *p;
    size_t len;
    size_t off;
    bool bad;
};

static void rd_init(struct rd *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = p ? len : 0;
    r->off = 0;
    r->bad = false;
}

static size_t rd_left(const struct rd *r)
{
    return r->bad ? 0 : r->len - r->off;
}

static const uint8_t *rd_take(struct rd *r, size_t n)
{
    if (r->bad || n > r->len - r->off) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *at = r->p + r->off;
    r->off += n;
    return at;
}

static uint8_t rd_u8(struct rd *r)
{
    const uint8_t *b = rd_take(r, 1);
    return b ? b[0] : 0;
}

static uint16_t rd_le16(struct rd *r)
{
    const uint8_t *b = rd_take(r, 2);
    return b ? (uint16_t)(b[0] | (uint16_t)b[1] << 8) : 0;
}

static uint16_t rd_be16(struct rd *r)
{
    const uint8_t *b = rd_take(r, 2);
    return b ? (uint16_t)((uint16_t)b[0] << 8 | b[1]) : 0;
}

static uint32_t rd_le32(struct rd *r)
{
    const uint8_t *b = rd_take(r, 4);
    if (!b)
        return 0;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
           (uint32_t)b[3] << 24;
}

static uint64_t rd_le64(struct rd *r)
{
    const uint8_t *b = rd_take(r, 8);
    uint64_t v = 0;
    if (!b)
        return 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | b[i];
    return v;
}

static uint64_t rd_be64(struct rd *r)
{
    const uint8_t *b = rd_take(r, 8);
    uint64_t v = 0;
    if (!b)
        return 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | b[i];
    return v;
}

static uint32_t rd_suite(struct rd *r)
{
    const uint8_t *b = rd_take(r, 4);
    if (!b)
        return 0;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void rd_copy(struct rd *r, uint8_t *dst, size_t n)
{
    const uint8_t *b = rd_take(r, n);
    if (b)
        memcpy(dst, b, n);
    else
        memset(dst, 0, n);
}

/* ------------------------------------------------------------------ */
/* MAC header                                                           */
/* ------------------------------------------------------------------ */

int dot11_parse_header(const uint8_t *buf, size_t len, struct dot11_hdr *out)
{
    struct rd r;

    if (!out)
        return DOT11_E_INVAL;
    memset(out, 0, sizeof(*out));
    rd_init(&r, buf, len);

    /* 9.2.4.1: FC is little-endian; bits 0-1 version, 2-3 type, 4-7 subtype,
     * bits 8-15 the flags. */
    uint16_t fc = rd_le16(&r);
    if (r.bad)
        return DOT11_E_MALFORMED;
    out->frame_control = fc;
    out->protocol_version = (uint8_t)(fc & 0x3);
    out->type = (uint8_t)((fc >> 2) & 0x3);
    out->subtype = (uint8_t)((fc >> 4) & 0xf);
    uint8_t flags = (uint8_t)(fc >> 8);
    out->to_ds = flags & DOT11_FC_TO_DS;
    out->from_ds = flags & DOT11_FC_FROM_DS;
    out->more_frag = flags & DOT11_FC_MORE_FRAG;
    out->retry = flags & DOT11_FC_RETRY;
    out->pwr_mgt = flags & DOT11_FC_PWR_MGT;
    out->more_data = flags & DOT11_FC_MORE_DATA;
    out->protected_frame = flags & DOT11_FC_PROTECTED;
    out->order = flags & DOT11_FC_ORDER;

    if (out->protocol_version != 0)
        return DOT11_E_MALFORMED;

    out->duration_id = rd_le16(&r);

    switch (out->type) {
    case DOT11_FTYPE_MGMT:
        /* Management frames are never relayed through the DS. */
        if (out->to_ds || out->from_ds)
            return DOT11_E_MALFORMED;
        out->n_addr = 3;
        break;
    case DOT11_FTYPE_CTRL:
        if (out->to_ds || out->from_ds)
            return DOT11_E_MALFORMED;
        switch (out->subtype) {
        case DOT11_STYPE_CTS:
        case DOT11_STYPE_ACK:
            out->n_addr = 1; /* 9.3.1.3, 9.3.1.4: RA only */
            break;
        case 4: /* Beamforming Report Poll */
        case 5: /* VHT NDP Announcement */
        case DOT11_STYPE_BLOCK_ACK_REQ:
        case DOT11_STYPE_BLOCK_ACK:
        case DOT11_STYPE_PS_POLL:
        case DOT11_STYPE_RTS:
        case DOT11_STYPE_CF_END:
        case DOT11_STYPE_CF_END_ACK:
            out->n_addr = 2; /* RA, TA; the rest is body */
            break;
        default: /* reserved, control extension, control wrapper */
            return DOT11_E_UNSUPPORTED;
        }
        break;
    case DOT11_FTYPE_DATA:
        out->n_addr = (out->to_ds && out->from_ds) ? 4 : 3;
        break;
    default:
        return DOT11_E_UNSUPPORTED;
    }

    rd_copy(&r, out->addr1, DOT11_ADDR_LEN);
    if (out->n_addr >= 2)
        rd_copy(&r, out->addr2, DOT11_ADDR_LEN);
    if (out->n_addr >= 3) {
        rd_copy(&r, out->addr3, DOT11_ADDR_LEN);
        uint16_t sc = rd_le16(&r);
        out->has_seq_ctrl = true;
        out->frag_num = (uint8_t)(sc & 0xf);
        out->seq_num = (uint16_t)(sc >> 4);
    }
    /* Address 4 follows Sequence Control (9.3.2.1). */
    if (out->n_addr == 4)
        rd_copy(&r, out->addr4, DOT11_ADDR_LEN);

    bool qos_data = out->type == DOT11_FTYPE_DATA && (out->subtype & 0x8);
    if (qos_data) {
        out->has_qos_ctrl = true;
        out->qos_ctrl = rd_le16(&r);
        out->tid = (uint8_t)(out->qos_ctrl & 0xf);
        out->amsdu_present = out->qos_ctrl & 0x0080;
    }
    /* 9.2.4.1.10: Order = 1 on a QoS data or management frame means an HT
     * Control field follows; on non-QoS data it only means StrictlyOrdered. */
    if (out->order && (qos_data || out->type == DOT11_FTYPE_MGMT)) {
        out->has_ht_ctrl = true;
        out->ht_ctrl = rd_le32(&r);
    }

    if (r.bad)
        return DOT11_E_MALFORMED;
    out->hdr_len = r.off;
    return (int)r.off;
}

static int check_seq(uint16_t seq_num)
{
    return seq_num <= 0x0fff ? DOT11_OK : DOT11_E_INVAL;
}

static void wr_fc(struct wr *w, uint8_t type, uint8_t subtype, uint8_t flags)
{
    wr_u8(w, (uint8_t)((type & 0x3) << 2 | (subtype & 0xf) << 4));
    wr_u8(w, flags);
}

static int wr_mgmt_hdr(struct wr *w, const struct dot11_mgmt_hdr *h, uint8_t subtype)
{
    const uint8_t allowed = DOT11_FC_RETRY | DOT11_FC_PWR_MGT | DOT11_FC_MORE_DATA;

    if (!h || check_seq(h->seq_num) != DOT11_OK || (h->fc_flags & ~allowed))
        return DOT11_E_INVAL;
    wr_fc(w, DOT11_FTYPE_MGMT, subtype, h->fc_flags);
    wr_le16(w, h->duration);
    wr_bytes(w, h->da, DOT11_ADDR_LEN);
    wr_bytes(w, h->sa, DOT11_ADDR_LEN);
    wr_bytes(w, h->bssid, DOT11_ADDR_LEN);
    wr_le16(w, (uint16_t)(h->seq_num << 4)); /* fragment 0 */
    return DOT11_OK;
}

/* ------------------------------------------------------------------ */
/* Information elements                                                 */
/* ------------------------------------------------------------------ */

void dot11_ie_iter_init(struct dot11_ie_iter *it, const uint8_t *ies, size_t len)
{
    it->pos = ies;
    it->left = ies ? len : 0;
}

int dot11_ie_next(struct dot11_ie_iter *it, struct dot11_ie *ie)
{
    if (it->left == 0)
        return 0;
    if (it->left < 2 || (size_t)it->pos[1] > it->left - 2) {
        it->left = 0;
        return DOT11_E_MALFORMED;
    }
    ie->id = it->pos[0];
    ie->len = it->pos[1];
    ie->data = it->pos + 2;
    it->pos += 2 + (size_t)ie->len;
    it->left -= 2 + (size_t)ie->len;
    return 1;
}

int dot11_ie_validate(const uint8_t *ies, size_t len)
{
    struct dot11_ie_iter it;
    struct dot11_ie ie;
    int rc;

    dot11_ie_iter_init(&it, ies, len);
    while ((rc = dot11_ie_next(&it, &ie)) > 0)
        ;
    return rc;
}

int dot11_ie_find(const uint8_t *ies, size_t len, uint8_t id, struct dot11_ie *out)
{
    struct dot11_ie_iter it;
    struct dot11_ie ie;
    int rc;

    dot11_ie_iter_init(&it, ies, len);
    while ((rc = dot11_ie_next(&it, &ie)) > 0) {
        if (ie.id == id) {
            if (out)
                *out = ie;
            return DOT11_OK;
        }
    }
    return rc < 0 ? rc : DOT11_E_NOTFOUND;
}

static void wr_ie(struct wr *w, uint8_t id, const uint8_t *data, size_t len)
{
    if (len > 255) {
        w->overflow = true; /* callers check lengths first; never truncate */
        return;
    }
    wr_u8(w, id);
    wr_u8(w, (uint8_t)len);
    wr_bytes(w, data, len);
}

int dot11_ie_write(uint8_t *buf, size_t cap, uint8_t id, const uint8_t *data, size_t len)
{
    struct wr w;

    if (len > 255 || (len && !data))
        return DOT11_E_INVAL;
    wr_init(&w, buf, cap);
    wr_ie(&w, id, data, len);
    return wr_result(&w);
}

int dot11_ie_tim_aid(const uint8_t *ies, size_t len, uint16_t aid, bool *buffered)
{
    struct dot11_ie ie;
    int rc = dot11_ie_find(ies, len, DOT11_EID_TIM, &ie);
    if (rc != DOT11_OK)
        return rc;
    if (ie.len < 4)
        return DOT11_E_MALFORMED;
    size_t n1 = (size_t)(ie.data[2] & 0xfe);
    size_t octet = aid / 8u;
    *buffered = octet >= n1 && octet - n1 < (size_t)ie.len - 3 && (ie.data[3 + octet - n1] >> (aid % 8u)) & 1u;
    return DOT11_OK;
}

int dot11_ie_get_ssid(const uint8_t *ies, size_t len, const uint8_t **ssid,
                      size_t *ssid_len)
{
    struct dot11_ie ie;
    int rc = dot11_ie_find(ies, len, DOT11_EID_SSID, &ie);

    if (rc != DOT11_OK)
        return rc;
    if (ie.len > DOT11_SSID_MAX_LEN)
        return DOT11_E_MALFORMED;
    if (ssid)
        *ssid = ie.data;
    if (ssid_len)
        *ssid_len = ie.len;
    return DOT11_OK;
}

int dot11_ie_get_ds_channel(const uint8_t *ies, size_t len, uint8_t *channel)
{
    struct dot11_ie ie;
    int rc = dot11_ie_find(ies, len, DOT11_EID_DS_PARAMS, &ie);

    if (rc != DOT11_OK)
        return rc;
    if (ie.len != 1)
        return DOT11_E_MALFORMED;
    if (channel)
        *channel = ie.data[0];
    return DOT11_OK;
}

int dot11_ie_get_rates(const uint8_t *ies, size_t len, uint8_t *rates, size_t cap,
                       size_t *n_rates)
{
    /* Zeroed: gcc -O3 cannot see that ext.data is read only when ext.len
     * is nonzero, and says "may be used uninitialized". */
    struct dot11_ie supp = {0}, ext = {0};
    size_t n = 0;
    int rc;

    if (!n_rates || (cap && !rates))
        return DOT11_E_INVAL;
    *n_rates = 0;
    rc = dot11_ie_find(ies, len, DOT11_EID_SUPP_RATES, &supp);
    if (rc != DOT11_OK)
        return rc;
    /* 9.4.2.3: Supported Rates carries 1..8 rates. */
    if (supp.len < 1 || supp.len > 8)
        return DOT11_E_MALFORMED;
    rc = dot11_ie_find(ies, len, DOT11_EID_EXT_SUPP_RATES, &ext);
    if (rc == DOT11_E_NOTFOUND)
        ext.len = 0;
    else if (rc != DOT11_OK)
        return rc;
    else if (ext.len < 1)
        return DOT11_E_MALFORMED;

    if ((size_t)supp.len + ext.len > cap)
        return DOT11_E_NOSPC;
    for (size_t i = 0; i < supp.len; i++)
        rates[n++] = supp.data[i];
    for (size_t i = 0; i < ext.len; i++)
        rates[n++] = ext.data[i];
    *n_rates = n;
    return DOT11_OK;
}

/* Supported Rates gets the first 8 rates, Extended Supported Rates the rest
 * (9.4.2.3, 9.4.2.13). The caller places the two where its frame's element
 * order wants them. */
static int check_rates(const uint8_t *rates, size_t n_rates)
{
    if (!rates || n_rates < 1 || n_rates > DOT11_MAX_RATES)
        return DOT11_E_INVAL;
    return DOT11_OK;
}

static void wr_supp_rates(struct wr *w, const uint8_t *rates, size_t n_rates)
{
    wr_ie(w, DOT11_EID_SUPP_RATES, rates, n_rates > 8 ? 8 : n_rates);
}

static void wr_ext_supp_rates(struct wr *w, const uint8_t *rates, size_t n_rates)
{
    if (n_rates > 8)
        wr_ie(w, DOT11_EID_EXT_SUPP_RATES, rates + 8, n_rates - 8);
}

/* ------------------------------------------------------------------ */
/* RSN element (9.4.2.25)                                               */
/* ------------------------------------------------------------------ */

void dot11_rsn_init_wpa2_psk_ccmp(struct dot11_rsn *rsn, uint16_t capabilities)
{
    memset(rsn, 0, sizeof(*rsn));
    rsn->version = DOT11_RSN_VERSION;
    rsn->group_cipher = DOT11_CIPHER_CCMP;
    rsn->n_pairwise = 1;
    rsn->pairwise[0] = DOT11_CIPHER_CCMP;
    rsn->n_akm = 1;
    rsn->akm[0] = DOT11_AKM_PSK;
    rsn->capabilities = capabilities;
}

int dot11_rsn_parse(const uint8_t *data, size_t len, struct dot11_rsn *out)
{
    struct rd r;

    if (!out)
        return DOT11_E_INVAL;
    memset(out, 0, sizeof(*out));
    rd_init(&r, data, len);

    /* 9.4.2.25.1: everything after Version is optional, but a field is only
     * absent if all later ones are too; absent suites take these defaults. */
    out->group_cipher = DOT11_CIPHER_CCMP;
    out->n_pairwise = 1;
    out->pairwise[0] = DOT11_CIPHER_CCMP;
    out->n_akm = 1;
    out->akm[0] = DOT11_AKM_8021X;

    out->version = rd_le16(&r);
    if (r.bad)
        return DOT11_E_MALFORMED;
    if (out->version != DOT11_RSN_VERSION)
        return DOT11_E_UNSUPPORTED;
    if (rd_left(&r) == 0)
        return DOT11_OK;

    out->group_cipher = rd_suite(&r);
    if (r.bad)
        return DOT11_E_MALFORMED;
    if (rd_left(&r) == 0)
        return DOT11_OK;

    uint16_t n = rd_le16(&r);
    if (r.bad || (size_t)n * 4 > rd_left(&r))
        return DOT11_E_MALFORMED;
    if (n > DOT11_RSN_MAX_SUITES)
        return DOT11_E_UNSUPPORTED;
    out->n_pairwise = n;
    for (size_t i = 0; i < n; i++)
        out->pairwise[i] = rd_suite(&r);
    if (rd_left(&r) == 0)
        return DOT11_OK;

    n = rd_le16(&r);
    if (r.bad || (size_t)n * 4 > rd_left(&r))
        return DOT11_E_MALFORMED;
    if (n > DOT11_RSN_MAX_SUITES)
        return DOT11_E_UNSUPPORTED;
    out->n_akm = n;
    for (size_t i = 0; i < n; i++)
        out->akm[i] = rd_suite(&r);
    if (rd_left(&r) == 0)
        return DOT11_OK;

    out->capabilities = rd_le16(&r);
    if (r.bad)
        return DOT11_E_MALFORMED;
    if (rd_left(&r) == 0)
        return DOT11_OK;

    n = rd_le16(&r);
    if (r.bad || (size_t)n * 16 > rd_left(&r))
        return DOT11_E_MALFORMED;
    out->has_pmkid_list = true;
    out->n_pmkid = n;
    out->pmkid = n ? rd_take(&r, (size_t)n * 16) : NULL;
    if (rd_left(&r) == 0)
        return DOT11_OK;

    out->group_mgmt_cipher = rd_suite(&r);
    if (r.bad)
        return DOT11_E_MALFORMED;
    out->has_group_mgmt_cipher = true;
    /* Octets past the last known field are left for future amendments. */
    return DOT11_OK;
}

static size_t rsn_body_len(const struct dot11_rsn *rsn)
{
    size_t n = 2 + 4 + 2 + 4 * rsn->n_pairwise + 2 + 4 * rsn->n_akm + 2;
    if (rsn->has_pmkid_list || rsn->has_group_mgmt_cipher)
        n += 2 + 16 * (rsn->has_pmkid_list ? rsn->n_pmkid : 0);
    if (rsn->has_group_mgmt_cipher)
        n += 4;
    return n;
}

static int check_rsn(const struct dot11_rsn *rsn)
{
    if (rsn->n_pairwise > DOT11_RSN_MAX_SUITES || rsn->n_akm > DOT11_RSN_MAX_SUITES)
        return DOT11_E_INVAL;
    if (rsn->has_pmkid_list && rsn->n_pmkid && !rsn->pmkid)
        return DOT11_E_INVAL;
    if (rsn->has_pmkid_list && rsn->n_pmkid > 255 / 16)
        return DOT11_E_INVAL;
    if (rsn_body_len(rsn) > 255)
        return DOT11_E_INVAL;
    return DOT11_OK;
}

static void wr_rsn(struct wr *w, const struct dot11_rsn *rsn)
{
    wr_u8(w, DOT11_EID_RSN);
    wr_u8(w, (uint8_t)rsn_body_len(rsn));
    wr_le16(w, rsn->version);
    wr_suite(w, rsn->group_cipher);
    wr_le16(w, (uint16_t)rsn->n_pairwise);
    for (size_t i = 0; i < rsn->n_pairwise; i++)
        wr_suite(w, rsn->pairwise[i]);
    wr_le16(w, (uint16_t)rsn->n_akm);
    for (size_t i = 0; i < rsn->n_akm; i++)
        wr_suite(w, rsn->akm[i]);
    wr_le16(w, rsn->capabilities);
    /* A group management cipher needs the PMKID Count before it, even if 0. */
    if (rsn->has_pmkid_list || rsn->has_group_mgmt_cipher) {
        size_t n = rsn->has_pmkid_list ? rsn->n_pmkid : 0;
        wr_le16(w, (uint16_t)n);
        wr_bytes(w, rsn->pmkid, 16 * n);
    }
    if (rsn->has_group_mgmt_cipher)
        wr_suite(w, rsn->group_mgmt_cipher);
}

int dot11_rsn_build(uint8_t *buf, size_t cap, const struct dot11_rsn *rsn)
{
    struct wr w;

    if (!rsn || check_rsn(rsn) != DOT11_OK)
        return DOT11_E_INVAL;
    wr_init(&w, buf, cap);
    wr_rsn(&w, rsn);
    return wr_result(&w);
}

int dot11_ie_get_rsn(const uint8_t *ies, size_t len, struct dot11_rsn *out)
{
    struct dot11_ie ie;
    int rc = dot11_ie_find(ies, len, DOT11_EID_RSN, &ie);

    if (rc != DOT11_OK)
        return rc;
    return dot11_rsn_parse(ie.data, ie.len, out);
}

/* ------------------------------------------------------------------ */
/* Management frame builders                                            */
/* ------------------------------------------------------------------ */

static int check_ssid(const uint8_t *ssid, size_t ssid_len)
{
    if (ssid_len > DOT11_SSID_MAX_LEN || (ssid_len && !ssid))
        return DOT11_E_INVAL;
    return DOT11_OK;
}

static int check_extra(const uint8_t *extra, size_t extra_len)
{
    return (extra_len && !extra) ? DOT11_E_INVAL : DOT11_OK;
}

/* 9.4.1.4: Privacy is 1 exactly when the BSS requires confidentiality. */
static uint16_t capability_for(uint16_t capability, const struct dot11_rsn *rsn)
{
    return rsn ? (uint16_t)(capability | DOT11_CAP_PRIVACY)
               : (uint16_t)(capability & ~DOT11_CAP_PRIVACY);
}

/* 9.4.2.5: DTIM Count, DTIM Period, Bitmap Control (the offset N1/2 in bits
 * 1-7), and the Partial Virtual Bitmap: octets N1..N2 of the traffic
 * indication virtual bitmap, N1 the largest even number with octets 0..N1-1
 * all zero, N2 the last nonzero octet; one zero octet when nothing is
 * buffered. Writes the element's body; returns its length. */
static size_t tim_body(uint8_t tim[3 + DOT11_TIM_BITMAP_LEN], uint8_t dtim_count, uint8_t dtim_period,
                       const uint8_t *bitmap)
{
    tim[0] = dtim_count;
    tim[1] = dtim_period;
    tim[2] = 0;
    tim[3] = 0;
    if (bitmap == NULL)
        return 4;
    int n1 = -1, n2 = -1;
    for (int i = 0; i < DOT11_TIM_BITMAP_LEN; i++)
        if (bitmap[i] != 0) {
            if (n1 < 0)
                n1 = i & ~1;
            n2 = i;
        }
    if (n1 < 0)
        return 4;
    tim[2] = (uint8_t)n1; /* N1/2 in bits 1-7 is N1 itself */
    memcpy(tim + 3, bitmap + n1, (size_t)(n2 - n1 + 1));
    return 3 + (size_t)(n2 - n1 + 1);
}

/* Beacon (9.3.3.3) and Probe Response (9.3.3.11) share their leading fields
 * and element order: SSID, Supported Rates, DS Parameter Set, [TIM in
 * beacons], Extended Supported Rates, RSN. tim_at (may be NULL): where the
 * TIM element starts and ends, for the beacon template. */
static int build_bss_frame(uint8_t *buf, size_t cap, const struct dot11_mgmt_hdr *h,
                           const struct dot11_bss_desc *bss, uint8_t subtype, size_t tim_at[2])
{
    struct wr w;
    int rc;

    if (!bss || check_ssid(bss->ssid, bss->ssid_len) != DOT11_OK ||
        check_rates(bss->rates, bss->n_rates) != DOT11_OK ||
        check_extra(bss->extra_ies, bss->extra_ies_len) != DOT11_OK ||
        (bss->rsn && check_rsn(bss->rsn) != DOT11_OK))
        return DOT11_E_INVAL;
    if (subtype == DOT11_STYPE_BEACON &&
        (bss->dtim_period == 0 || bss->dtim_count >= bss->dtim_period))
        return DOT11_E_INVAL;

    wr_init(&w, buf, cap);
    rc = wr_mgmt_hdr(&w, h, subtype);
    if (rc != DOT11_OK)
        return rc;
    wr_le64(&w, bss->timestamp);
    wr_le16(&w, bss->beacon_interval);
    wr_le16(&w, capability_for(bss->capability, bss->rsn));
    wr_ie(&w, DOT11_EID_SSID, bss->ssid, bss->ssid_len);
    wr_supp_rates(&w, bss->rates, bss->n_rates);
    wr_ie(&w, DOT11_EID_DS_PARAMS, &bss->channel, 1);
    if (subtype == DOT11_STYPE_BEACON) {
        uint8_t tim[3 + DOT11_TIM_BITMAP_LEN];
        size_t tim_len = tim_body(tim, bss->dtim_count, bss->dtim_period, bss->tim_bitmap);
        if (tim_at != NULL)
            tim_at[0] = w.len;
        wr_ie(&w, DOT11_EID_TIM, tim, tim_len);
        if (tim_at != NULL)
            tim_at[1] = w.len;
    }
    wr_ext_supp_rates(&w, bss->rates, bss->n_rates);
    if (bss->rsn)
        wr_rsn(&w, bss->rsn);
    wr_bytes(&w, bss->extra_ies, bss->extra_ies_len);
    return wr_result(&w);
}

int dot11_beacon_tpl_build(struct dot11_beacon_tpl *t, const struct dot11_mgmt_hdr *h,
                           const struct dot11_bss_desc *bss)
{
    size_t tim_at[2] = {0, 0};
    if (t == NULL)
        return DOT11_E_INVAL;
    t->len = 0;
    int n = build_bss_frame(t->frame, sizeof t->frame, h, bss, DOT11_STYPE_BEACON, tim_at);
    if (n < 0)
        return n;
    /* Stored without the TIM element, which is rewritten each time. */
    memmove(t->frame + tim_at[0], t->frame + tim_at[1], (size_t)n - tim_at[1]);
    t->len = (size_t)n - (tim_at[1] - tim_at[0]);
    t->tim_at = tim_at[0];
    t->dtim_period = bss->dtim_period;
    return DOT11_OK;
}

int dot11_beacon_tpl_write(const struct dot11_beacon_tpl *t, uint8_t *buf, size_t cap, uint16_t seq_num,
                           uint64_t timestamp, uint8_t dtim_count, const uint8_t *tim_bitmap)
{
    if (t == NULL || t->len == 0 || buf == NULL || check_seq(seq_num) != DOT11_OK ||
        dtim_count >= t->dtim_period)
        return DOT11_E_INVAL;
    uint8_t tim[3 + DOT11_TIM_BITMAP_LEN];
    size_t tim_len = tim_body(tim, dtim_count, t->dtim_period, tim_bitmap);
    size_t total = t->len + 2 + tim_len;
    if (total > cap)
        return DOT11_E_NOSPC;
    memcpy(buf, t->frame, t->tim_at);
    /* Sequence Control (fragment 0) and the TSF timestamp (9.4.1.10) */
    buf[22] = (uint8_t)(seq_num << 4);
    buf[23] = (uint8_t)(seq_num >> 4);
    for (int i = 0; i < 8; i++)
        buf[24 + i] = (uint8_t)(timestamp >> (8 * i));
    buf[t->tim_at] = DOT11_EID_TIM;
    buf[t->tim_at + 1] = (uint8_t)tim_len;
    memcpy(buf + t->tim_at + 2, tim, tim_len);
    memcpy(buf + t->tim_at + 2 + tim_len, t->frame + t->tim_at, t->len - t->tim_at);
    return (int)total;
}

int dot11_build_beacon(uint8_t *buf, size_t cap, const struct dot11_mgmt_hdr *h,
                       const struct dot11_bss_desc *bss)
{
    return build_bss_frame(buf, cap, h, bss, DOT11_STYPE_BEACON, NULL);
}

int dot11_build_probe_resp(uint8_t *buf, size_t cap, const struct dot11_mgmt_hdr *h,
                           const struct dot11_bss_desc *bss)
{
    return build_bss_frame(buf, cap, h, bss, DOT11_STYPE_PROBE_RESP, NULL);
}

int dot11_build_probe_req(uint8_t *buf, size_t cap, const struct dot11_mgmt_hdr *h,
                          const uint8_t *ssid, size_t ssid_len, const uint8_t *rates,
                          size_t n_rates)
{
    struct wr w;
    int rc;

    if (check_ssid(ssid, ssid_len) != DOT11_OK || check_rates(rates, n_rates) != DOT11_OK)
        return DOT11_E_INVAL;
    wr_init(&w, buf, cap);
    rc = wr_mgmt_hdr(&w, h, DOT11_STYPE_PROBE_REQ);
    if (rc != DOT11_OK)
        return rc;
    /* 9.3.3.10: SSID, Supported Rates, ..., Extended Supported Rates */
    wr_ie(&w, DOT11_EID_SSID, ssid, ssid_len);
    wr_supp_rates(&w, rates, n_rates);
    wr_ext_supp_rates(&w, rates, n_rates);
    return wr_result(&w);
}

int dot11_build_auth(uint8_t *buf, size_t cap, const struct dot11_mgmt_hdr *h,
                     uint16_t algorithm, uint16_t transaction_seq, uint16_t status)
{
    struct wr w;
    int rc;

    wr_init(&w, buf, cap);
    rc = wr_mgmt_hdr(&w, h, DOT11_STYPE_AUTH);
    if (rc != DOT11_OK)
        return rc;
    /* 9.3.3.12 */
    wr_le16(&w, algorithm);
    wr_le16(&w, transaction_seq);
    wr_le16(&w, status);
    return wr_result(&w);
}

int dot11_build_auth_body(uint8_t *buf, size_t cap, const struct dot11_mgmt_hdr *h,
                          uint16_t algorithm, uint16_t transaction_seq, uint16_t status,
                          const uint8_t *body, size_t body_len)
{
    int n = dot11_build_auth(buf, cap, h, algorithm, transaction_seq, status);
    if (n < 0)
        return n;
    if (body_len > 0 && body == NULL)
        return DOT11_E_INVAL;
    if ((size_t)n + body_len > cap)
        return DOT11_E_NOSPC;
    if (body_len)
        memcpy(buf + n, body, body_len);
    return n + (int)body_len;
}

int dot11_build_assoc_req(uint8_t *buf, size_t cap, const struct dot11_mgmt_hdr *h,
                          const struct dot11_assoc_req_params *p)
{
    struct wr w;
    int rc;

    if (!p || check_ssid(p->ssid, p->ssid_len) != DOT11_OK ||
        check_rates(p->rates, p->n_rates) != DOT11_OK ||
        check_extra(p->extra_ies, p->extra_ies_len) != DOT11_OK ||
        (p->rsn && check_rsn(p->rsn) != DOT11_OK))
        return DOT11_E_INVAL;
    wr_init(&w, buf, cap);
    rc = wr_mgmt_hdr(&w, h, p->current_ap ? DOT11_STYPE_REASSOC_REQ : DOT11_STYPE_ASSOC_REQ);
    if (rc != DOT11_OK)
        return rc;
    /* 9.3.3.6: Capability, Listen Interval, SSID, Supported Rates,
     * Extended Supported Rates, ..., RSN; 9.3.3.8: a Reassociation Request
     * has the Current AP address after the Listen Interval. */
    wr_le16(&w, capability_for(p->capability, p->rsn));
    wr_le16(&w, p->listen_interval);
    if (p->current_ap)
        wr_bytes(&w, p->current_ap, DOT11_ADDR_LEN);
    wr_ie(&w, DOT11_EID_SSID, p->ssid, p->ssid_len);
    wr_supp_rates(&w, p->rates, p->n_rates);
    wr_ext_supp_rates(&w, p->rates, p->n_rates);
    if (p->rsn)
        wr_rsn(&w, p->rsn);
    wr_bytes(&w, p->extra_ies, p->extra_ies_len);
    return wr_result(&w);
}

int dot11_build_assoc_resp(uint8_t *buf, size_t cap, const struct dot11_mgmt_hdr *h,
                           uint16_t capability, uint16_t status, uint16_t aid,
                           const uint8_t *rates, size_t n_rates)
{
    struct wr w;
    int rc;

    if (aid > DOT11_AID_MAX || check_rates(rates, n_rates) != DOT11_OK)
        return DOT11_E_INVAL;
    wr_init(&w, buf, cap);
    rc = wr_mgmt_hdr(&w, h, DOT11_STYPE_ASSOC_RESP);
    if (rc != DOT11_OK)
        return rc;
    /* 9.3.3.7: Capability, Status Code, AID, Supported Rates, Extended
     * Supported Rates. 9.4.1.8: the AID field carries the AID with its two
     * most significant bits set to 1. */
    wr_le16(&w, capability);
    wr_le16(&w, status);
    wr_le16(&w, (uint16_t)(aid | 0xC000));
    wr_supp_rates(&w, rates, n_rates);
    wr_ext_supp_rates(&w, rates, n_rates);
    return wr_result(&w);
}

static int build_reason_frame(uint8_t *buf, size_t cap, const struct dot11_mgmt_hdr *h,
                              uint8_t subtype, uint16_t reason)
{
    struct wr w;
    int rc;

    wr_init(&w, buf, cap);
    rc = wr_mgmt_hdr(&w, h, subtype);
    if (rc != DOT11_OK)
        return rc;
    wr_le16(&w, reason);
    return wr_result(&w);
}

int dot11_build_deauth(uint8_t *buf, size_t cap, const struct dot11_mgmt_hdr *h,
                       uint16_t reason)
{
    return build_reason_frame(buf, cap, h, DOT11_STYPE_DEAUTH, reason);
}

int dot11_build_disassoc(uint8_t *buf, size_t cap, const struct dot11_mgmt_hdr *h,
                         uint16_t reason)
{
    return build_reason_frame(buf, cap, h, DOT11_STYPE_DISASSOC, reason);
}

/* ------------------------------------------------------------------ */
/* Management frame parser                                              */
/* ------------------------------------------------------------------ */

int dot11_parse_mgmt(const uint8_t *buf, size_t len, struct dot11_mgmt *out)
{
    struct rd r;
    int hl;

    if (!out)
        return DOT11_E_INVAL;
    memset(out, 0, sizeof(*out));
    hl = dot11_parse_header(buf, len, &out->hdr);
    if (hl < 0)
        return hl;
    if (out->hdr.type != DOT11_FTYPE_MGMT)
        return DOT11_E_MALFORMED;
    if (out->hdr.protected_frame)
        return DOT11_E_UNSUPPORTED;

    rd_init(&r, buf, len);
    rd_take(&r, (size_t)hl);

    switch (out->hdr.subtype) {
    case DOT11_STYPE_BEACON:
    case DOT11_STYPE_PROBE_RESP:
        out->u.beacon.timestamp = rd_le64(&r);
        out->u.beacon.beacon_interval = rd_le16(&r);
        out->u.beacon.capability = rd_le16(&r);
        break;
    case DOT11_STYPE_PROBE_REQ:
        break;
    case DOT11_STYPE_AUTH:
        out->u.auth.algorithm = rd_le16(&r);
        out->u.auth.transaction_seq = rd_le16(&r);
        out->u.auth.status = rd_le16(&r);
        break;
    case DOT11_STYPE_ASSOC_REQ:
    case DOT11_STYPE_REASSOC_REQ:
        out->u.assoc_req.capability = rd_le16(&r);
        out->u.assoc_req.listen_interval = rd_le16(&r);
        if (out->hdr.subtype == DOT11_STYPE_REASSOC_REQ)
            rd_copy(&r, out->u.assoc_req.current_ap, DOT11_ADDR_LEN);
        break;
    case DOT11_STYPE_ASSOC_RESP:
    case DOT11_STYPE_REASSOC_RESP:
        out->u.assoc_resp.capability = rd_le16(&r);
        out->u.assoc_resp.status = rd_le16(&r);
        out->u.assoc_resp.aid_field = rd_le16(&r);
        out->u.assoc_resp.aid = out->u.assoc_resp.aid_field & 0x3FFF;
        break;
    case DOT11_STYPE_DEAUTH:
    case DOT11_STYPE_DISASSOC:
        out->u.deauth.reason = rd_le16(&r);
        break;
    default:
        return DOT11_E_UNSUPPORTED;
    }
    if (r.bad)
        return DOT11_E_MALFORMED;

    out->ies_len = rd_left(&r);
    out->ies = out->ies_len ? buf + r.off : NULL;
    /* 9.3.3.12: SAE's scalars and elements are not elements; dot11/sae.c
     * checks that body itself. */
    if (out->hdr.subtype == DOT11_STYPE_AUTH && out->u.auth.algorithm == DOT11_AUTH_ALG_SAE)
        return DOT11_OK;
    if (dot11_ie_validate(out->ies, out->ies_len) != 0)
        return DOT11_E_MALFORMED;
    return DOT11_OK;
}

/* ------------------------------------------------------------------ */
/* Data frames                                                          */
/* ------------------------------------------------------------------ */

static int wr_data_hdr(struct wr *w, const struct dot11_data_hdr_params *p,
                       uint8_t subtype_base)
{
    const uint8_t allowed =
        DOT11_FC_RETRY | DOT11_FC_PWR_MGT | DOT11_FC_MORE_DATA | DOT11_FC_PROTECTED;
    const uint8_t *a1, *a2, *a3;
    uint8_t flags;

    if (!p || check_seq(p->seq_num) != DOT11_OK || (p->fc_flags & ~allowed) ||
        (p->qos && p->tid > 15))
        return DOT11_E_INVAL;
    /* Address mapping per 9.3.2.1 (address field contents by ToDS/FromDS). */
    switch (p->dir) {
    case DOT11_DIR_TO_DS:
        flags = DOT11_FC_TO_DS;
        a1 = p->bssid;
        a2 = p->sa;
        a3 = p->da;
        break;
    case DOT11_DIR_FROM_DS:
        flags = DOT11_FC_FROM_DS;
        a1 = p->da;
        a2 = p->bssid;
        a3 = p->sa;
        break;
    default:
        return DOT11_E_INVAL;
    }
    wr_fc(w, DOT11_FTYPE_DATA, (uint8_t)(subtype_base | (p->qos ? 0x8 : 0)),
          (uint8_t)(flags | p->fc_flags));
    wr_le16(w, p->duration);
    wr_bytes(w, a1, DOT11_ADDR_LEN);
    wr_bytes(w, a2, DOT11_ADDR_LEN);
    wr_bytes(w, a3, DOT11_ADDR_LEN);
    wr_le16(w, (uint16_t)(p->seq_num << 4));
    if (p->qos)
        wr_le16(w, p->tid); /* normal ack, no A-MSDU, TXOP 0 */
    return DOT11_OK;
}

int dot11_build_data_hdr(uint8_t *buf, size_t cap, const struct dot11_data_hdr_params *p)
{
    struct wr w;
    int rc;

    wr_init(&w, buf, cap);
    rc = wr_data_hdr(&w, p, DOT11_STYPE_DATA);
    if (rc != DOT11_OK)
        return rc;
    return wr_result(&w);
}

int dot11_build_null_data(uint8_t *buf, size_t cap, const struct dot11_data_hdr_params *p)
{
    struct wr w;
    int rc;

    /* A frame without a body has nothing to protect. */
    if (p && (p->fc_flags & DOT11_FC_PROTECTED))
        return DOT11_E_INVAL;
    wr_init(&w, buf, cap);
    rc = wr_data_hdr(&w, p, DOT11_STYPE_NULL);
    if (rc != DOT11_OK)
        return rc;
    return wr_result(&w);
}

static const uint8_t snap_rfc1042[6] = {0xAA, 0xAA, 0x03, 0x00, 0x00, 0x00};

static void wr_llc_snap(struct wr *w, uint16_t ethertype, const uint8_t *payload,
                        size_t payload_len)
{
    wr_bytes(w, snap_rfc1042, sizeof(snap_rfc1042));
    wr_be16(w, ethertype);
    wr_bytes(w, payload, payload_len);
}

int dot11_build_llc_snap(uint8_t *buf, size_t cap, uint16_t ethertype,
                         const uint8_t *payload, size_t payload_len)
{
    struct wr w;

    if (ethertype < 0x0600 || (payload_len && !payload))
        return DOT11_E_INVAL;
    wr_init(&w, buf, cap);
    wr_llc_snap(&w, ethertype, payload, payload_len);
    return wr_result(&w);
}

int dot11_build_data(uint8_t *buf, size_t cap, const struct dot11_data_hdr_params *p,
                     uint16_t ethertype, const uint8_t *payload, size_t payload_len)
{
    struct wr w;
    int rc;

    if (ethertype < 0x0600 || (payload_len && !payload))
        return DOT11_E_INVAL;
    /* This builder writes cleartext; a protected frame needs the crypto
     * module to insert its header and encrypt. */
    if (p && (p->fc_flags & DOT11_FC_PROTECTED))
        return DOT11_E_INVAL;
    wr_init(&w, buf, cap);
    rc = wr_data_hdr(&w, p, DOT11_STYPE_DATA);
    if (rc != DOT11_OK)
        return rc;
    wr_llc_snap(&w, ethertype, payload, payload_len);
    return wr_result(&w);
}

int dot11_data_to_ether(const struct dot11_hdr *hdr, const uint8_t *body,
                        size_t body_len, struct dot11_ether *out)
{
    struct rd r;
    const uint8_t *dst, *src;

    if (!hdr || !out)
        return DOT11_E_INVAL;
    memset(out, 0, sizeof(*out));
    if (hdr->type != DOT11_FTYPE_DATA)
        return DOT11_E_MALFORMED;
    if (hdr->subtype & 0x4) /* Null and CF-only subtypes carry no body */
        return DOT11_E_UNSUPPORTED;
    if (hdr->amsdu_present)
        return DOT11_E_UNSUPPORTED;

    /* 9.3.2.1: DA and SA positions by ToDS/FromDS. */
    if (!hdr->to_ds && !hdr->from_ds) {
        dst = hdr->addr1;
        src = hdr->addr2;
    } else if (hdr->to_ds && !hdr->from_ds) {
        dst = hdr->addr3;
        src = hdr->addr2;
    } else if (!hdr->to_ds && hdr->from_ds) {
        dst = hdr->addr1;
        src = hdr->addr3;
    } else {
        dst = hdr->addr3;
        src = hdr->addr4;
    }

    rd_init(&r, body, body_len);
    const uint8_t *llc = rd_take(&r, 6);
    uint16_t ethertype = rd_be16(&r);
    if (r.bad)
        return DOT11_E_MALFORMED;
    /* RFC 1042 or 802.1H bridge-tunnel SNAP; anything else is raw LLC. */
    if (llc[0] != 0xAA || llc[1] != 0xAA || llc[2] != 0x03 || llc[3] != 0x00 ||
        llc[4] != 0x00 || (llc[5] != 0x00 && llc[5] != 0xF8))
        return DOT11_E_UNSUPPORTED;
    if (ethertype < 0x0600)
        return DOT11_E_UNSUPPORTED;

    memcpy(out->dst, dst, DOT11_ADDR_LEN);
    memcpy(out->src, src, DOT11_ADDR_LEN);
    out->ethertype = ethertype;
    out->payload_len = rd_left(&r);
    out->payload = out->payload_len ? body + r.off : NULL;
    return DOT11_OK;
}

int dot11_ether_write(uint8_t *buf, size_t cap, const struct dot11_ether *e)
{
    struct wr w;

    if (!e || e->ethertype < 0x0600 || (e->payload_len && !e->payload))
        return DOT11_E_INVAL;
    wr_init(&w, buf, cap);
    wr_bytes(&w, e->dst, DOT11_ADDR_LEN);
    wr_bytes(&w, e->src, DOT11_ADDR_LEN);
    wr_be16(&w, e->ethertype);
    wr_bytes(&w, e->payload, e->payload_len);
    return wr_result(&w);
}

int dot11_ether_parse(const uint8_t *buf, size_t len, struct dot11_ether *out)
{
    struct rd r;

    if (!out)
        return DOT11_E_INVAL;
    memset(out, 0, sizeof(*out));
    rd_init(&r, buf, len);
    rd_copy(&r, out->dst, DOT11_ADDR_LEN);
    rd_copy(&r, out->src, DOT11_ADDR_LEN);
    out->ethertype = rd_be16(&r);
    if (r.bad)
        return DOT11_E_MALFORMED;
    /* 802.3 length frames would need LLC on the wire; not bridged here. */
    if (out->ethertype < 0x0600)
        return DOT11_E_UNSUPPORTED;
    out->payload_len = rd_left(&r);
    out->payload = out->payload_len ? buf + r.off : NULL;
    return DOT11_OK;
}

/* ------------------------------------------------------------------ */
/* EAPOL-Key                                                            */
/* ------------------------------------------------------------------ */

uint16_t dot11_key_info_encode(const struct dot11_key_info *ki)
{
    uint16_t v = ki->descriptor_version & DOT11_KEY_INFO_VERSION_MASK;
    if (ki->pairwise)
        v |= DOT11_KEY_INFO_KEY_TYPE;
    if (ki->install)
        v |= DOT11_KEY_INFO_INSTALL;
    if (ki->ack)
        v |= DOT11_KEY_INFO_ACK;
    if (ki->mic)
        v |= DOT11_KEY_INFO_MIC;
    if (ki->secure)
        v |= DOT11_KEY_INFO_SECURE;
    if (ki->error)
        v |= DOT11_KEY_INFO_ERROR;
    if (ki->request)
        v |= DOT11_KEY_INFO_REQUEST;
    if (ki->encrypted_key_data)
        v |= DOT11_KEY_INFO_ENCRYPTED_KEY_DATA;
    if (ki->smk_message)
        v |= DOT11_KEY_INFO_SMK_MESSAGE;
    return v;
}

void dot11_key_info_decode(uint16_t raw, struct dot11_key_info *ki)
{
    ki->descriptor_version = (uint8_t)(raw & DOT11_KEY_INFO_VERSION_MASK);
    ki->pairwise = raw & DOT11_KEY_INFO_KEY_TYPE;
    ki->install = raw & DOT11_KEY_INFO_INSTALL;
    ki->ack = raw & DOT11_KEY_INFO_ACK;
    ki->mic = raw & DOT11_KEY_INFO_MIC;
    ki->secure = raw & DOT11_KEY_INFO_SECURE;
    ki->error = raw & DOT11_KEY_INFO_ERROR;
    ki->request = raw & DOT11_KEY_INFO_REQUEST;
    ki->encrypted_key_data = raw & DOT11_KEY_INFO_ENCRYPTED_KEY_DATA;
    ki->smk_message = raw & DOT11_KEY_INFO_SMK_MESSAGE;
}

/*
 * Layout (802.1X-2004 7.5 header, then 802.11 12.7.2 with a 16-octet MIC),
 * offsets from the EAPOL header, all multi-octet fields big-endian:
 *   0 Protocol Version   1 Packet Type   2 Packet Body Length (2)
 *   4 Descriptor Type    5 Key Information (2)   7 Key Length (2)
 *   9 Key Replay Counter (8)   17 Key Nonce (32)   49 EAPOL-Key IV (16)
 *  65 Key RSC (8)   73 Reserved (8)   81 Key MIC (16)
 *  97 Key Data Length (2)   99 Key Data
 */
int dot11_eapol_key_build(uint8_t *buf, size_t cap, const struct dot11_eapol_key *k)
{
    struct wr w;
    const size_t body_fixed = DOT11_EAPOL_KEY_FIXED_LEN - DOT11_EAPOL_HDR_LEN;

    if (!k || (k->key_data_len && !k->key_data) ||
        k->key_data_len > 0xFFFF - body_fixed)
        return DOT11_E_INVAL;
    wr_init(&w, buf, cap);
    wr_u8(&w, k->protocol_version);
    wr_u8(&w, DOT11_EAPOL_TYPE_KEY);
    wr_be16(&w, (uint16_t)(body_fixed + k->key_data_len));
    wr_u8(&w, k->descriptor_type);
    wr_be16(&w, dot11_key_info_encode(&k->info));
    wr_be16(&w, k->key_length);
    wr_be64(&w, k->replay_counter);
    wr_bytes(&w, k->nonce, sizeof(k->nonce));
    wr_bytes(&w, k->iv, sizeof(k->iv));
    wr_bytes(&w, k->rsc, sizeof(k->rsc));
    wr_zero(&w, 8);
    wr_bytes(&w, k->mic, sizeof(k->mic));
    wr_be16(&w, (uint16_t)k->key_data_len);
    wr_bytes(&w, k->key_data, k->key_data_len);
    return wr_result(&w);
}

int dot11_eapol_key_parse(const uint8_t *buf, size_t len, struct dot11_eapol_key *out)
{
    struct rd r;
    const size_t body_fixed = DOT11_EAPOL_KEY_FIXED_LEN - DOT11_EAPOL_HDR_LEN;

    if (!out)
        return DOT11_E_INVAL;
    memset(out, 0, sizeof(*out));
    rd_init(&r, buf, len);

    out->protocol_version = rd_u8(&r);
    uint8_t type = rd_u8(&r);
    uint16_t body_len = rd_be16(&r);
    if (r.bad)
        return DOT11_E_MALFORMED;
    /* Versions 1 (2001), 2 (2004) and 3 (2010) share this header. */
    if (out->protocol_version < 1 || out->protocol_version > 3)
        return DOT11_E_UNSUPPORTED;
    if (type != DOT11_EAPOL_TYPE_KEY)
        return DOT11_E_UNSUPPORTED;
    if (body_len > rd_left(&r))
        return DOT11_E_MALFORMED;
    /* Only the declared body counts; what follows is link-layer padding. */
    r.len = r.off + body_len;
    out->frame_len = r.len;

    out->descriptor_type = rd_u8(&r);
    if (r.bad)
        return DOT11_E_MALFORMED;
    if (out->descriptor_type != DOT11_EAPOL_KEY_DESC_RSN)
        return DOT11_E_UNSUPPORTED;
    if (body_len < body_fixed)
        return DOT11_E_MALFORMED;

    out->key_info_raw = rd_be16(&r);
    dot11_key_info_decode(out->key_info_raw, &out->info);
    out->key_length = rd_be16(&r);
    out->replay_counter = rd_be64(&r);
    rd_copy(&r, out->nonce, sizeof(out->nonce));
    rd_copy(&r, out->iv, sizeof(out->iv));
    rd_copy(&r, out->rsc, sizeof(out->rsc));
    rd_take(&r, 8); /* reserved */
    rd_copy(&r, out->mic, sizeof(out->mic));
    uint16_t kd_len = rd_be16(&r);
    if (r.bad || kd_len > rd_left(&r))
        return DOT11_E_MALFORMED;
    out->key_data_len = kd_len;
    out->key_data = kd_len ? rd_take(&r, kd_len) : NULL;
    return DOT11_OK;
}

/* ------------------------------------------------------------------ */
/* Key Data and KDEs (12.7.2)                                           */
/* ------------------------------------------------------------------ */

int dot11_kde_build_gtk(uint8_t *buf, size_t cap, uint8_t key_id, bool tx,
                        const uint8_t *gtk, size_t gtk_len)
{
    struct wr w;

    if (key_id > 3 || !gtk || gtk_len == 0 || gtk_len > DOT11_GTK_MAX_LEN)
        return DOT11_E_INVAL;
    wr_init(&w, buf, cap);
    /* KDE: Type 0xdd, Length, OUI 00-0F-AC, Data Type 1, then the GTK KDE
     * data: octet 0 = Key ID (bits 0-1) | Tx (bit 2), octet 1 reserved. */
    wr_u8(&w, DOT11_EID_VENDOR_SPECIFIC);
    wr_u8(&w, (uint8_t)(4 + 2 + gtk_len));
    wr_u8(&w, 0x00);
    wr_u8(&w, 0x0F);
    wr_u8(&w, 0xAC);
    wr_u8(&w, DOT11_KDE_GTK);
    wr_u8(&w, (uint8_t)(key_id | (tx ? 0x04 : 0)));
    wr_u8(&w, 0);
    wr_bytes(&w, gtk, gtk_len);
    return wr_result(&w);
}

int dot11_key_data_pad(uint8_t *buf, size_t len, size_t cap)
{
    struct wr w;
    size_t target = len;

    if (len > cap || (cap && !buf))
        return DOT11_E_INVAL;
    /* 12.7.2 j): pad if nonzero and shorter than 16, or not a multiple of 8. */
    if (len != 0 && (len < 16 || len % 8 != 0)) {
        target = len < 16 ? 16 : (len + 7) / 8 * 8;
    }
    wr_init(&w, buf, cap);
    w.len = len;
    if (target > len) {
        wr_u8(&w, 0xDD);
        wr_zero(&w, target - len - 1);
    }
    return wr_result(&w);
}

int dot11_key_data_parse(const uint8_t *kd, size_t len, struct dot11_key_data *out)
{
    size_t off = 0;

    if (!out)
        return DOT11_E_INVAL;
    memset(out, 0, sizeof(*out));
    if (!kd)
        len = 0;

    while (off < len) {
        size_t left = len - off;
        const uint8_t *e = kd + off;

        /* 12.7.2 j): the padding is 0xdd then zeros. A real KDE is never
         * that short, so a 0xdd with no length or length 0 is the pad. */
        if (e[0] == DOT11_EID_VENDOR_SPECIFIC && (left == 1 || e[1] == 0))
            break;
        if (left < 2 || e[1] > left - 2)
            return DOT11_E_MALFORMED;
        size_t elen = e[1];
        const uint8_t *data = e + 2;

        if (e[0] == DOT11_EID_RSN) {
            if (out->rsne)
                return DOT11_E_MALFORMED;
            out->rsne = e;
            out->rsne_len = 2 + elen;
        } else if (e[0] == DOT11_EID_VENDOR_SPECIFIC) {
            if (elen < 4)
                return DOT11_E_MALFORMED;
            bool ieee_oui = data[0] == 0x00 && data[1] == 0x0F && data[2] == 0xAC;
            if (ieee_oui && data[3] == DOT11_KDE_GTK) {
                size_t gtk_len = elen < 6 ? 0 : elen - 6;
                if (out->has_gtk || gtk_len == 0 || gtk_len > DOT11_GTK_MAX_LEN)
                    return DOT11_E_MALFORMED;
                out->has_gtk = true;
                out->gtk.key_id = data[4] & 0x03;
                out->gtk.tx = data[4] & 0x04;
                out->gtk.gtk = data + 6;
                out->gtk.gtk_len = gtk_len;
            }
        }
        off += 2 + elen;
    }
    return DOT11_OK;
}
