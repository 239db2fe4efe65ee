#include "sim/airdecrypt.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dot11/crypto.h"
#include "dot11/frame.h"

#define AD_MAX_NETS 16
#define AD_MAX_BSS 16
#define AD_MAX_STA 256
#define AD_FRAME_MAX 4096

struct ad_net {
    char ssid[33];
    uint8_t pmk[32];
};

struct ad_bss {
    uint8_t bssid[6];
    char ssid[33]; /* "" until heard */
    uint8_t gtk[4][16];
    bool gtk_valid[4];
};

struct ad_sta {
    uint8_t bssid[6], sta[6];
    uint8_t anonce[32], ptk[48];
    bool has_anonce, ptk_valid;
};

struct airdecrypt {
    capture *out;
    struct ad_net net[AD_MAX_NETS];
    int nnet;
    struct ad_bss bss[AD_MAX_BSS];
    int nbss;
    struct ad_sta sta[AD_MAX_STA];
    int nsta, next_sta; /* a full table replaces its oldest entry */
    dot11_ccm *ccm;
    dot11_pmk_cache *pmk_cache; /* the world's; NULL: derive each time */
    uint64_t decrypted;
    uint8_t buf[AD_FRAME_MAX];
};

airdecrypt *airdecrypt_create(capture *out, sim_err *err)
{
    airdecrypt *d = calloc(1, sizeof *d);
    if (d == NULL || (d->ccm = dot11_ccm_new()) == NULL) {
        free(d);
        sim_err_set(err, SIM_ENOMEM, "out of memory for the decrypted air capture");
        return NULL;
    }
    d->out = out;
    return d;
}

void airdecrypt_set_pmk_cache(airdecrypt *d, dot11_pmk_cache *c)
{
    d->pmk_cache = c;
}

void airdecrypt_set_ccm_memo(airdecrypt *d, dot11_ccm_memo *m)
{
    dot11_ccm_set_memo(d->ccm, m);
}

int airdecrypt_add_network(airdecrypt *d, const char *ssid, const char *passphrase, sim_err *err)
{
    size_t n = strlen(ssid);
    if (d->nnet == AD_MAX_NETS || n == 0 || n > 32)
        return sim_err_set(err, SIM_EINVAL, "decrypted capture: cannot add network '%s'", ssid);
    struct ad_net *net = &d->net[d->nnet];
    if (dot11_pmk_cache_derive(d->pmk_cache, passphrase, (const uint8_t *)ssid, n, net->pmk) != 0)
        return sim_err_set(err, SIM_EINVAL, "decrypted capture: bad passphrase for '%s'", ssid);
    memcpy(net->ssid, ssid, n + 1);
    d->nnet++;
    return SIM_OK;
}

uint64_t airdecrypt_decrypted(const airdecrypt *d)
{
    return d->decrypted;
}

void airdecrypt_free(airdecrypt *d)
{
    if (d == NULL)
        return;
    dot11_ccm_free(d->ccm);
    free(d);
}

static struct ad_bss *bss_of(airdecrypt *d, const uint8_t bssid[6], bool add)
{
    for (int i = 0; i < d->nbss; i++)
        if (memcmp(d->bss[i].bssid, bssid, 6) == 0)
            return &d->bss[i];
    if (!add || d->nbss == AD_MAX_BSS)
        return NULL;
    struct ad_bss *b = &d->bss[d->nbss++];
    memset(b, 0, sizeof *b);
    memcpy(b->bssid, bssid, 6);
    return b;
}

static struct ad_sta *sta_of(airdecrypt *d, const uint8_t bssid[6], const uint8_t sta[6], bool add)
{
    for (int i = 0; i < d->nsta; i++)
        if (memcmp(d->sta[i].bssid, bssid, 6) == 0 && memcmp(d->sta[i].sta, sta, 6) == 0)
            return &d->sta[i];
    if (!add)
        return NULL;
    struct ad_sta *s;
    if (d->nsta < AD_MAX_STA) {
        s = &d->sta[d->nsta++];
    } else {
        s = &d->sta[d->next_sta];
        d->next_sta = (d->next_sta + 1) % AD_MAX_STA;
    }
    memset(s, 0, sizeof *s);
    memcpy(s->bssid, bssid, 6);
    memcpy(s->sta, sta, 6);
    return s;
}

/* The SSID a management frame names, for its BSS (hidden networks' beacons
 * name none; their probe responses and the stations' association requests
 * do). Fixed fields before the elements: 9.3.3.3 (beacon, probe response:
 * 12 octets), 9.3.3.6 (association request: 4), 9.3.3.8 (reassociation
 * request: 10). */
static void learn_ssid(airdecrypt *d, const struct dot11_hdr *h, const uint8_t *body, size_t n)
{
    size_t fixed;
    const uint8_t *bssid = h->addr3;
    switch (h->subtype) {
    case 8: /* beacon */
    case 5: /* probe response */
        fixed = 12;
        break;
    case 0: /* association request */
        fixed = 4;
        break;
    case 2: /* reassociation request */
        fixed = 10;
        break;
    default:
        return;
    }
    const uint8_t *ssid;
    size_t len;
    if (n < fixed || dot11_ie_get_ssid(body + fixed, n - fixed, &ssid, &len) != 0 || len == 0 || len > 32)
        return;
    struct ad_bss *b = bss_of(d, bssid, true);
    if (b != NULL && (b->ssid[0] == '\0' || strlen(b->ssid) != len || memcmp(b->ssid, ssid, len) != 0)) {
        memcpy(b->ssid, ssid, len);
        b->ssid[len] = '\0';
    }
}

/* Message 3's or the group handshake's key data (AES key wrap under the
 * KEK, 12.7.2): the GTK KDE into the BSS's key slot. */
static void take_gtk(struct ad_bss *b, const struct ad_sta *s, const struct dot11_eapol_key *k)
{
    uint8_t kd[512];
    if (b == NULL || !k->info.encrypted_key_data || k->key_data_len < 24 || k->key_data_len % 8 != 0 ||
        k->key_data_len - 8 > sizeof kd)
        return;
    if (dot11_aes_unwrap(dot11_ptk_kek(s->ptk), 16, k->key_data, k->key_data_len, kd) != 0)
        return;
    struct dot11_key_data parsed;
    if (dot11_key_data_parse(kd, k->key_data_len - 8, &parsed) != 0 || !parsed.has_gtk || parsed.gtk.gtk_len != 16)
        return;
    memcpy(b->gtk[parsed.gtk.key_id & 3], parsed.gtk.gtk, 16);
    b->gtk_valid[parsed.gtk.key_id & 3] = true;
}

/* One EAPOL-Key frame between bssid and sta (12.7.6: 4-way handshake,
 * 12.7.7: group key handshake). */
static void on_eapol(airdecrypt *d, const uint8_t bssid[6], const uint8_t sta[6], bool from_ap, const uint8_t *p,
                     size_t n)
{
    struct dot11_eapol_key k;
    if (dot11_eapol_key_parse(p, n, &k) != 0)
        return;
    struct ad_bss *b = bss_of(d, bssid, true);
    struct ad_sta *s = sta_of(d, bssid, sta, from_ap && k.info.pairwise && k.info.ack && !k.info.mic);
    if (s == NULL)
        return;
    if (from_ap && k.info.pairwise && k.info.ack && !k.info.mic) { /* message 1 */
        memcpy(s->anonce, k.nonce, 32);
        s->has_anonce = true;
        return;
    }
    if (!from_ap && k.info.pairwise && k.info.mic && !k.info.secure && s->has_anonce) { /* message 2 */
        /* each passphrase known for the SSID; the one whose KCK verifies the MIC */
        for (int i = 0; i < d->nnet; i++) {
            if (b == NULL || strcmp(d->net[i].ssid, b->ssid) != 0)
                continue;
            uint8_t ptk[48];
            if (dot11_ptk_derive(d->net[i].pmk, bssid, sta, s->anonce, k.nonce, ptk) != 0)
                continue;
            if (dot11_eapol_mic_verify(dot11_ptk_kck(ptk), k.info.descriptor_version, p, k.frame_len) == 0) {
                memcpy(s->ptk, ptk, sizeof ptk);
                s->ptk_valid = true;
                return;
            }
        }
        s->ptk_valid = false;
        return;
    }
    if (from_ap && k.info.ack && k.info.mic && s->ptk_valid) /* message 3, or group message 1 */
        take_gtk(b, s, &k);
}

static bool is_group(const uint8_t *a)
{
    return (a[0] & 1) != 0;
}

void airdecrypt_frame(void *ctx, sim_time t, const uint8_t *frame, size_t len)
{
    airdecrypt *d = ctx;
    /* radiotap: version 0, its length little-endian; linkrig's never has an FCS */
    if (len < 8 || frame[0] != 0) {
        capture_write(d->out, t, frame, len);
        return;
    }
    size_t rt = (size_t)(frame[2] | frame[3] << 8);
    struct dot11_hdr h;
    if (rt < 8 || rt >= len || dot11_parse_header(frame + rt, len - rt, &h) <= 0) {
        capture_write(d->out, t, frame, len);
        return;
    }
    const uint8_t *mac = frame + rt, *body = mac + h.hdr_len;
    size_t blen = len - rt - h.hdr_len;
    if (h.type == 0) {
        learn_ssid(d, &h, body, blen);
        capture_write(d->out, t, frame, len);
        return;
    }
    /* data between a station and its AP: FromDS (AP to station) or ToDS */
    if (h.type != 2 || h.to_ds == h.from_ds || (h.subtype & 4) || blen == 0) {
        capture_write(d->out, t, frame, len);
        return;
    }
    const uint8_t *bssid = h.from_ds ? h.addr2 : h.addr1, *sta = h.from_ds ? h.addr1 : h.addr2;
    const uint8_t *plain = body;
    size_t plen = blen;
    if (h.protected_frame) {
        const uint8_t *tk = NULL;
        if (is_group(h.addr1)) {
            struct ad_bss *b = bss_of(d, bssid, false);
            int kid = blen >= 4 ? body[3] >> 6 : 0; /* 12.5.3.2: Key ID in the CCMP header's 4th octet */
            if (b != NULL && b->gtk_valid[kid])
                tk = b->gtk[kid];
        } else {
            struct ad_sta *s = sta_of(d, bssid, sta, false);
            if (s != NULL && s->ptk_valid)
                tk = dot11_ptk_tk(s->ptk);
        }
        uint64_t pn;
        size_t out_len = 0;
        if (tk == NULL || rt + h.hdr_len > sizeof d->buf / 2 ||
            dot11_ccmp_decrypt_with(d->ccm, tk, mac, h.hdr_len, body, blen, &pn, NULL, d->buf + rt + h.hdr_len,
                                    sizeof d->buf - rt - h.hdr_len, &out_len) != 0) {
            capture_write(d->out, t, frame, len);
            return;
        }
        /* the frame as it was before protection: same radiotap and header,
         * Protected bit (Frame Control bit 14) cleared, the plaintext */
        memcpy(d->buf, frame, rt + h.hdr_len);
        d->buf[rt + 1] &= (uint8_t)~0x40;
        plain = d->buf + rt + h.hdr_len;
        plen = out_len;
        d->decrypted++;
        capture_write(d->out, t, d->buf, rt + h.hdr_len + out_len);
    } else {
        capture_write(d->out, t, frame, len);
    }
    struct dot11_ether e;
    if (dot11_data_to_ether(&h, plain, plen, &e) == 0 && e.ethertype == DOT11_ETHERTYPE_EAPOL)
        on_eapol(d, bssid, sta, h.from_ds, e.payload, e.payload_len);
}
