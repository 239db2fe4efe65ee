/*
 * dot11/frame.h - IEEE 802.11 frame builders and parsers.
 *
 * Contract:
 *  - A frame is the byte string that crosses the simulated medium: MAC header
 *    and body, never an FCS (captures carry radiotap Flags saying "no FCS").
 *  - Builders write into a caller buffer of capacity `cap`, never past it,
 *    and return the number of bytes written, or DOT11_E_NOSPC when the frame
 *    does not fit (the buffer contents are then unspecified), or
 *    DOT11_E_INVAL for arguments that cannot be encoded.
 *  - Parsers treat their input as untrusted: every length is checked before
 *    it is used, truncated or inconsistent input is rejected with a negative
 *    code, and results are decoded into plain structs. Pointers in those
 *    structs point into the caller's buffer and are valid as long as it is.
 *  - Byte order is explicit per field: 802.11 fields are little-endian,
 *    LLC/SNAP and EAPOL fields are big-endian (network order).
 *  - No global state; every function is reentrant. No cryptography here:
 *    EAPOL-Key MIC computation and key wrap belong to dot11/crypto; this
 *    module only lays out and locates the fields.
 *
 * References are to IEEE Std 802.11-2016 unless stated otherwise.
 */
#ifndef LINKRIG_DOT11_FRAME_H
#define LINKRIG_DOT11_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Return codes shared by the dot11 modules. */
enum dot11_err {
    DOT11_OK = 0,
    DOT11_E_INVAL = -1,       /* caller argument cannot be encoded */
    DOT11_E_NOSPC = -2,       /* output buffer too small */
    DOT11_E_MALFORMED = -3,   /* input truncated or inconsistent */
    DOT11_E_NOTFOUND = -4,    /* requested element/field absent */
    DOT11_E_UNSUPPORTED = -5, /* well-formed but outside what we handle */
};

#define DOT11_ADDR_LEN 6
#define DOT11_SSID_MAX_LEN 32
#define DOT11_MGMT_HDR_LEN 24 /* 9.3.3.2: FC, Duration, A1-A3, Seq Ctrl */
#define DOT11_ETHER_HDR_LEN 14
#define DOT11_LLC_SNAP_LEN 8
#define DOT11_MAX_RATES (8 + 255) /* Supported Rates + Extended Supported Rates */
#define DOT11_AID_MAX 2007        /* 9.4.1.8 */

/* Frame Control, 9.2.4.1: byte 0 = version(2) type(2) subtype(4) */
#define DOT11_FTYPE_MGMT 0
#define DOT11_FTYPE_CTRL 1
#define DOT11_FTYPE_DATA 2
#define DOT11_FTYPE_EXT 3

/* Management subtypes (9.2.4.1.3) */
#define DOT11_STYPE_ASSOC_REQ 0
#define DOT11_STYPE_ASSOC_RESP 1
#define DOT11_STYPE_REASSOC_REQ 2
#define DOT11_STYPE_REASSOC_RESP 3
#define DOT11_STYPE_PROBE_REQ 4
#define DOT11_STYPE_PROBE_RESP 5
#define DOT11_STYPE_BEACON 8
#define DOT11_STYPE_ATIM 9
#define DOT11_STYPE_DISASSOC 10
#define DOT11_STYPE_AUTH 11
#define DOT11_STYPE_DEAUTH 12
#define DOT11_STYPE_ACTION 13

/* Control subtypes */
#define DOT11_STYPE_BLOCK_ACK_REQ 8
#define DOT11_STYPE_BLOCK_ACK 9
#define DOT11_STYPE_PS_POLL 10
#define DOT11_STYPE_RTS 11
#define DOT11_STYPE_CTS 12
#define DOT11_STYPE_ACK 13
#define DOT11_STYPE_CF_END 14
#define DOT11_STYPE_CF_END_ACK 15

/* Data subtypes: bit 3 = QoS, bit 2 = no Frame Body (Null) */
#define DOT11_STYPE_DATA 0
#define DOT11_STYPE_NULL 4
#define DOT11_STYPE_QOS_DATA 8
#define DOT11_STYPE_QOS_NULL 12

/* Frame Control byte 1 flags */
#define DOT11_FC_TO_DS 0x01
#define DOT11_FC_FROM_DS 0x02
#define DOT11_FC_MORE_FRAG 0x04
#define DOT11_FC_RETRY 0x08
#define DOT11_FC_PWR_MGT 0x10
#define DOT11_FC_MORE_DATA 0x20
#define DOT11_FC_PROTECTED 0x40
#define DOT11_FC_ORDER 0x80 /* +HTC/Order */

/* Capability Information, 9.4.1.4 */
#define DOT11_CAP_ESS 0x0001
#define DOT11_CAP_IBSS 0x0002
#define DOT11_CAP_PRIVACY 0x0010
#define DOT11_CAP_SHORT_PREAMBLE 0x0020
#define DOT11_CAP_SPECTRUM_MGMT 0x0100
#define DOT11_CAP_QOS 0x0200
#define DOT11_CAP_SHORT_SLOT_TIME 0x0400

/* Element IDs (9.4.2.1) */
#define DOT11_EID_SSID 0
#define DOT11_EID_SUPP_RATES 1
#define DOT11_EID_DS_PARAMS 3
#define DOT11_EID_TIM 5
#define DOT11_EID_RSN 48
#define DOT11_EID_TIMEOUT_INTERVAL 56 /* 9.4.2.49 */
#define DOT11_TIE_ASSOC_COMEBACK 3    /* Timeout Interval type: association comeback time, TUs */
#define DOT11_EID_EXT_SUPP_RATES 50
#define DOT11_EID_VENDOR_SPECIFIC 221

/* Authentication Algorithm Number, 9.4.1.1 */
#define DOT11_AUTH_ALG_OPEN_SYSTEM 0
#define DOT11_AUTH_ALG_SHARED_KEY 1
#define DOT11_AUTH_ALG_SAE 3 /* 9.4.1.1; its body is SAE's, not elements */

/* Status codes (9.4.1.9, subset) */
#define DOT11_STATUS_SUCCESS 0
#define DOT11_STATUS_REFUSED 1
#define DOT11_STATUS_NOT_SUPPORTED_AUTH_ALG 13
#define DOT11_STATUS_UNKNOWN_AUTH_TRANSACTION 14
#define DOT11_STATUS_AP_UNABLE_TO_HANDLE_NEW_STA 17
#define DOT11_STATUS_ASSOC_DENIED_RATES 18
#define DOT11_STATUS_REFUSED_TEMPORARILY 30
#define DOT11_STATUS_ROBUST_MGMT_POLICY_VIOLATION 31 /* "try again later" (9.4.1.9) */
#define DOT11_STATUS_INVALID_ELEMENT 40
#define DOT11_STATUS_INVALID_GROUP_CIPHER 41
#define DOT11_STATUS_INVALID_PAIRWISE_CIPHER 42
#define DOT11_STATUS_INVALID_AKMP 43
#define DOT11_STATUS_UNSUPPORTED_RSNE_VERSION 44
#define DOT11_STATUS_INVALID_RSNE_CAPABILITIES 45

/* Reason codes (9.4.1.7, subset) */
#define DOT11_REASON_UNSPECIFIED 1
#define DOT11_REASON_INVALID_AUTHENTICATION 2
#define DOT11_REASON_LEAVING_NETWORK_DEAUTH 3
#define DOT11_REASON_INACTIVITY 4
#define DOT11_REASON_NO_MORE_STAS 5
#define DOT11_REASON_INVALID_CLASS2_FRAME 6
#define DOT11_REASON_INVALID_CLASS3_FRAME 7
#define DOT11_REASON_LEAVING_NETWORK_DISASSOC 8
#define DOT11_REASON_NOT_AUTHENTICATED 9
#define DOT11_REASON_MIC_FAILURE 14
#define DOT11_REASON_4WAY_HANDSHAKE_TIMEOUT 15
#define DOT11_REASON_GK_HANDSHAKE_TIMEOUT 16
#define DOT11_REASON_HANDSHAKE_ELEMENT_MISMATCH 17
#define DOT11_REASON_IEEE_802_1X_AUTH_FAILED 23

/* Cipher and AKM suite selectors (9.4.2.25.2, 9.4.2.25.3), as OUI << 8 | type */
#define DOT11_SUITE(oui, type) ((uint32_t)(oui) << 8 | (uint32_t)(type))
#define DOT11_OUI_IEEE80211 0x000FACu
#define DOT11_CIPHER_USE_GROUP DOT11_SUITE(DOT11_OUI_IEEE80211, 0)
#define DOT11_CIPHER_WEP40 DOT11_SUITE(DOT11_OUI_IEEE80211, 1)
#define DOT11_CIPHER_TKIP DOT11_SUITE(DOT11_OUI_IEEE80211, 2)
#define DOT11_CIPHER_CCMP DOT11_SUITE(DOT11_OUI_IEEE80211, 4)
#define DOT11_CIPHER_WEP104 DOT11_SUITE(DOT11_OUI_IEEE80211, 5)
#define DOT11_CIPHER_BIP_CMAC_128 DOT11_SUITE(DOT11_OUI_IEEE80211, 6)
#define DOT11_AKM_8021X DOT11_SUITE(DOT11_OUI_IEEE80211, 1)
#define DOT11_AKM_PSK DOT11_SUITE(DOT11_OUI_IEEE80211, 2)

/* LLC/SNAP and EtherTypes carried in data frames */
#define DOT11_ETHERTYPE_IPV4 0x0800
#define DOT11_ETHERTYPE_ARP 0x0806
#define DOT11_ETHERTYPE_IPV6 0x86DD
#define DOT11_ETHERTYPE_EAPOL 0x888E

/* ------------------------------------------------------------------ */
/* MAC header                                                           */
/* ------------------------------------------------------------------ */

/* Decoded view of a MAC header; not laid over the buffer. */
struct dot11_hdr {
    uint16_t frame_control; /* raw, host order */
    uint8_t protocol_version;
    uint8_t type;
    uint8_t subtype;
    bool to_ds;
    bool from_ds;
    bool more_frag;
    bool retry;
    bool pwr_mgt;
    bool more_data;
    bool protected_frame;
    bool order;
    uint16_t duration_id;
    uint8_t n_addr; /* addresses present: 1 (ACK/CTS), 2, 3 or 4 */
    uint8_t addr1[DOT11_ADDR_LEN];
    uint8_t addr2[DOT11_ADDR_LEN];
    uint8_t addr3[DOT11_ADDR_LEN];
    uint8_t addr4[DOT11_ADDR_LEN];
    bool has_seq_ctrl;
    uint16_t seq_num;  /* 12 bits */
    uint8_t frag_num;  /* 4 bits */
    bool has_qos_ctrl; /* QoS data subtypes */
    uint16_t qos_ctrl;
    uint8_t tid;       /* qos_ctrl bits 0-3 */
    bool amsdu_present; /* qos_ctrl bit 7 */
    bool has_ht_ctrl;  /* +HTC: Order set on a QoS data or management frame */
    uint32_t ht_ctrl;
    size_t hdr_len;
};

/*
 * Decode the MAC header at buf. Returns the header length (> 0) or a
 * negative code: DOT11_E_MALFORMED for truncation or inconsistent flags
 * (protocol version != 0, DS bits on a management/control frame),
 * DOT11_E_UNSUPPORTED for extension frames and control subtypes whose
 * layout is not handled here (control wrapper/extension, reserved).
 */
int dot11_parse_header(const uint8_t *buf, size_t len, struct dot11_hdr *out);

/* ------------------------------------------------------------------ */
/* Information elements                                                 */
/* ------------------------------------------------------------------ */

struct dot11_ie {
    uint8_t id;
    uint8_t len;
    const uint8_t *data; /* len bytes, inside the walked buffer */
};

struct dot11_ie_iter {
    const uint8_t *pos;
    size_t left;
};

void dot11_ie_iter_init(struct dot11_ie_iter *it, const uint8_t *ies, size_t len);
/* 1: *ie filled; 0: clean end; DOT11_E_MALFORMED: element runs past the end
 * (the iterator then stays at the end). */
int dot11_ie_next(struct dot11_ie_iter *it, struct dot11_ie *ie);
/* 0 if every element fits exactly, else DOT11_E_MALFORMED. */
int dot11_ie_validate(const uint8_t *ies, size_t len);
/* First element with `id`: 0, DOT11_E_NOTFOUND, or DOT11_E_MALFORMED when a
 * broken element is met before it. */
int dot11_ie_find(const uint8_t *ies, size_t len, uint8_t id, struct dot11_ie *out);
/* Writes id, len, data; returns 2 + len. */
int dot11_ie_write(uint8_t *buf, size_t cap, uint8_t id, const uint8_t *data, size_t len);

/* SSID element (0..32 octets; length 0 is the wildcard SSID). */
/* The TIM element's bit for aid (9.4.2.5): frames are buffered for it. */
#define DOT11_TIM_BITMAP_LEN 32 /* AIDs 0..255 */
int dot11_ie_tim_aid(const uint8_t *ies, size_t len, uint16_t aid, bool *buffered);
int dot11_ie_get_ssid(const uint8_t *ies, size_t len, const uint8_t **ssid,
                      size_t *ssid_len);
/* DS Parameter Set: Current Channel. */
int dot11_ie_get_ds_channel(const uint8_t *ies, size_t len, uint8_t *channel);
/* Supported Rates followed by Extended Supported Rates, 500 kb/s units with
 * bit 7 = basic rate. DOT11_E_NOSPC if more than `cap` rates. */
int dot11_ie_get_rates(const uint8_t *ies, size_t len, uint8_t *rates, size_t cap,
                       size_t *n_rates);

/* RSN element, 9.4.2.25 */
#define DOT11_RSN_VERSION 1
#define DOT11_RSN_MAX_SUITES 16
struct dot11_rsn {
    uint16_t version;
    uint32_t group_cipher;
    size_t n_pairwise;
    uint32_t pairwise[DOT11_RSN_MAX_SUITES];
    size_t n_akm;
    uint32_t akm[DOT11_RSN_MAX_SUITES];
    uint16_t capabilities;
    /* Optional trailing fields (parse: set when present; build: written
     * when has_pmkid_list / has_group_mgmt_cipher). */
    bool has_pmkid_list;
    size_t n_pmkid;
    const uint8_t *pmkid; /* n_pmkid * 16 octets */
    bool has_group_mgmt_cipher;
    uint32_t group_mgmt_cipher;
};

/* WPA2-PSK/CCMP: version 1, group CCMP, pairwise {CCMP}, AKM {PSK}. */
void dot11_rsn_init_wpa2_psk_ccmp(struct dot11_rsn *rsn, uint16_t capabilities);
/* Parse an RSN element body (the octets after ID and Length). Absent
 * trailing fields take the defaults of 9.4.2.25.1 (group/pairwise CCMP,
 * AKM 802.1X); a partial field or a count running past the end is
 * DOT11_E_MALFORMED; version != 1 or more than DOT11_RSN_MAX_SUITES suites
 * is DOT11_E_UNSUPPORTED. */
int dot11_rsn_parse(const uint8_t *data, size_t len, struct dot11_rsn *out);
/* Writes the whole element (ID 48, Length, body). */
int dot11_rsn_build(uint8_t *buf, size_t cap, const struct dot11_rsn *rsn);
/* Find the RSN element among `ies` and parse it. */
int dot11_ie_get_rsn(const uint8_t *ies, size_t len, struct dot11_rsn *out);

/* ------------------------------------------------------------------ */
/* Management frames                                                    */
/* ------------------------------------------------------------------ */

/* MAC header fields every management frame builder takes. */
struct dot11_mgmt_hdr {
    uint8_t da[DOT11_ADDR_LEN];    /* Address 1 */
    uint8_t sa[DOT11_ADDR_LEN];    /* Address 2 */
    uint8_t bssid[DOT11_ADDR_LEN]; /* Address 3 */
    uint16_t duration;
    uint16_t seq_num;  /* 0..4095, supplied by the caller */
    uint8_t fc_flags;  /* only RETRY, PWR_MGT, MORE_DATA are accepted */
};

/* What a beacon / probe response advertises. */
struct dot11_bss_desc {
    const uint8_t *ssid;
    size_t ssid_len;           /* 0..32 */
    uint64_t timestamp;        /* TSF, microseconds */
    uint16_t beacon_interval;  /* TU (1024 us) */
    uint16_t capability;       /* Privacy is forced to match `rsn` */
    const uint8_t *rates;      /* 500 kb/s units | 0x80 for basic */
    size_t n_rates;            /* 1..DOT11_MAX_RATES; >8 go to Extended */
    uint8_t channel;           /* DS Parameter Set */
    uint8_t dtim_count;        /* TIM, beacons only */
    uint8_t dtim_period;       /* TIM, beacons only; >= 1 */
    const uint8_t *tim_bitmap; /* TIM: DOT11_TIM_BITMAP_LEN octets, bit n = AID n has
                                * frames buffered (9.4.2.5); NULL: none */
    const struct dot11_rsn *rsn; /* NULL: open network */
    const uint8_t *extra_ies;  /* appended verbatim (may be NULL) */
    size_t extra_ies_len;
};

struct dot11_assoc_req_params {
    uint16_t capability;       /* Privacy is forced to match `rsn` */
    uint16_t listen_interval;  /* in beacon intervals */
    const uint8_t *ssid;
    size_t ssid_len;
    const uint8_t *rates;
    size_t n_rates;
    const struct dot11_rsn *rsn; /* NULL: no RSN element */
    const uint8_t *extra_ies;
    size_t extra_ies_len;
    const uint8_t *current_ap;   /* non-NULL: a Reassociation Request (9.3.3.8) naming the AP the
                                  * station is associated with */
};

int dot11_build_beacon(uint8_t *buf, size_t cap, const struct dot11_mgmt_hdr *h,
                       const struct dot11_bss_desc *bss);
int dot11_build_probe_resp(uint8_t *buf, size_t cap, const struct dot11_mgmt_hdr *h,
                           const struct dot11_bss_desc *bss);
/* A beacon template: the beacon of one BSS configuration built once, then
 * written for each TBTT with what changes from one beacon to the next (the
 * sequence number, the TSF timestamp, the TIM element); the bytes are those
 * dot11_build_beacon makes from the same description. Build it again when
 * anything else in the description changes. */
#define DOT11_BEACON_TPL_MAX 512
struct dot11_beacon_tpl {
    uint8_t frame[DOT11_BEACON_TPL_MAX]; /* the beacon without its TIM element */
    size_t len;                          /* 0: not built */
    size_t tim_at;                       /* where the TIM element goes */
    uint8_t dtim_period;
};
/* h's seq_num and bss's timestamp, dtim_count and tim_bitmap are only
 * placeholders here (they must still be valid). */
int dot11_beacon_tpl_build(struct dot11_beacon_tpl *t, const struct dot11_mgmt_hdr *h,
                           const struct dot11_bss_desc *bss);
/* Returns the frame's length, or DOT11_E_INVAL / DOT11_E_NOSPC. */
int dot11_beacon_tpl_write(const struct dot11_beacon_tpl *t, uint8_t *buf, size_t cap, uint16_t seq_num,
                           uint64_t timestamp, uint8_t dtim_count, const uint8_t *tim_bitmap);
/* ssid_len 0 = wildcard SSID. */
int dot11_build_probe_req(uint8_t *buf, size_t cap, const struct dot11_mgmt_hdr *h,
                          const uint8_t *ssid, size_t ssid_len, const uint8_t *rates,
                          size_t n_rates);
int dot11_build_auth(uint8_t *buf, size_t cap, const struct dot11_mgmt_hdr *h,
                     uint16_t algorithm, uint16_t transaction_seq, uint16_t status);
/* The same with a body after the fixed fields (SAE Commit or Confirm). */
int dot11_build_auth_body(uint8_t *buf, size_t cap, const struct dot11_mgmt_hdr *h,
                          uint16_t algorithm, uint16_t transaction_seq, uint16_t status,
                          const uint8_t *body, size_t body_len);
int dot11_build_assoc_req(uint8_t *buf, size_t cap, const struct dot11_mgmt_hdr *h,
                          const struct dot11_assoc_req_params *p);
/* aid 0..2007; the two MSBs of the AID field are set as 9.4.1.8 requires. */
int dot11_build_assoc_resp(uint8_t *buf, size_t cap, const struct dot11_mgmt_hdr *h,
                           uint16_t capability, uint16_t status, uint16_t aid,
                           const uint8_t *rates, size_t n_rates);
int dot11_build_deauth(uint8_t *buf, size_t cap, const struct dot11_mgmt_hdr *h,
                       uint16_t reason);
int dot11_build_disassoc(uint8_t *buf, size_t cap, const struct dot11_mgmt_hdr *h,
                         uint16_t reason);

/* Decoded management frame: header, fixed fields per subtype, elements. */
struct dot11_mgmt {
    struct dot11_hdr hdr;
    union {
        struct { /* beacon, probe response */
            uint64_t timestamp;
            uint16_t beacon_interval;
            uint16_t capability;
        } beacon;
        struct { /* authentication */
            uint16_t algorithm;
            uint16_t transaction_seq;
            uint16_t status;
        } auth;
        struct { /* (re)association request */
            uint16_t capability;
            uint16_t listen_interval;
            uint8_t current_ap[DOT11_ADDR_LEN]; /* reassociation only */
        } assoc_req;
        struct { /* (re)association response */
            uint16_t capability;
            uint16_t status;
            uint16_t aid;       /* with the two MSBs cleared */
            uint16_t aid_field; /* as received */
        } assoc_resp;
        struct { /* deauthentication, disassociation */
            uint16_t reason;
        } deauth;
    } u;
    const uint8_t *ies; /* elements after the fixed fields, all validated; for an
                         * SAE Authentication frame the raw SAE body instead */
    size_t ies_len;
};

/*
 * Parse a management frame of subtype assoc/reassoc req/resp, probe req/resp,
 * beacon, disassoc, auth or deauth. Every element is checked to fit.
 * DOT11_E_UNSUPPORTED for other subtypes and for protected frames (their
 * body is ciphertext); DOT11_E_MALFORMED for non-management frames too.
 */
int dot11_parse_mgmt(const uint8_t *buf, size_t len, struct dot11_mgmt *out);

/* ------------------------------------------------------------------ */
/* Data frames                                                          */
/* ------------------------------------------------------------------ */

enum dot11_ds_dir {
    DOT11_DIR_TO_DS,   /* station -> AP: A1 BSSID, A2 SA, A3 DA */
    DOT11_DIR_FROM_DS, /* AP -> station: A1 DA, A2 BSSID, A3 SA */
};

struct dot11_data_hdr_params {
    enum dot11_ds_dir dir;
    uint8_t bssid[DOT11_ADDR_LEN];
    uint8_t da[DOT11_ADDR_LEN]; /* final destination (Ethernet dst) */
    uint8_t sa[DOT11_ADDR_LEN]; /* original source (Ethernet src) */
    uint16_t duration;
    uint16_t seq_num;  /* 0..4095 */
    uint8_t fc_flags;  /* RETRY, PWR_MGT, MORE_DATA, PROTECTED accepted */
    bool qos;          /* QoS Data (adds QoS Control) */
    uint8_t tid;       /* 0..15 when qos */
};

/* Data header only (24 or 26 octets): the crypto module puts its CCMP
 * header between this and the LLC/SNAP body. */
int dot11_build_data_hdr(uint8_t *buf, size_t cap, const struct dot11_data_hdr_params *p);
/* Null (no body) frame, e.g. to signal power management; QoS Null if p->qos. */
int dot11_build_null_data(uint8_t *buf, size_t cap, const struct dot11_data_hdr_params *p);
/* LLC/SNAP AA-AA-03-00-00-00 + EtherType, then payload (RFC 1042). */
int dot11_build_llc_snap(uint8_t *buf, size_t cap, uint16_t ethertype,
                         const uint8_t *payload, size_t payload_len);
/* Unprotected data frame: header + LLC/SNAP + payload. */
int dot11_build_data(uint8_t *buf, size_t cap, const struct dot11_data_hdr_params *p,
                     uint16_t ethertype, const uint8_t *payload, size_t payload_len);

/* An Ethernet II frame seen as fields. */
struct dot11_ether {
    uint8_t dst[DOT11_ADDR_LEN];
    uint8_t src[DOT11_ADDR_LEN];
    uint16_t ethertype;
    const uint8_t *payload;
    size_t payload_len;
};

/*
 * Recover the Ethernet frame carried by a data frame. `hdr` is the parsed
 * MAC header; `body` is the (decrypted) frame body that starts with
 * LLC/SNAP. Addresses follow 9.3.2.1 by ToDS/FromDS. Accepts RFC 1042
 * (OUI 00-00-00) and 802.1H (00-00-F8) SNAP. DOT11_E_UNSUPPORTED for Null
 * subtypes, A-MSDUs and non-SNAP LLC; DOT11_E_MALFORMED if truncated.
 */
int dot11_data_to_ether(const struct dot11_hdr *hdr, const uint8_t *body,
                        size_t body_len, struct dot11_ether *out);
/* Ethernet II frame <-> fields (EtherType must be >= 0x0600). */
int dot11_ether_write(uint8_t *buf, size_t cap, const struct dot11_ether *e);
int dot11_ether_parse(const uint8_t *buf, size_t len, struct dot11_ether *out);

/* ------------------------------------------------------------------ */
/* EAPOL-Key (802.1X-2004 packet type 3, 802.11 12.7.2)                  */
/* ------------------------------------------------------------------ */

#define DOT11_EAPOL_VERSION_2004 2
#define DOT11_EAPOL_TYPE_KEY 3
#define DOT11_EAPOL_KEY_DESC_RSN 2
#define DOT11_EAPOL_HDR_LEN 4
#define DOT11_EAPOL_KEY_NONCE_LEN 32
#define DOT11_EAPOL_KEY_IV_LEN 16
#define DOT11_EAPOL_KEY_RSC_LEN 8
#define DOT11_EAPOL_KEY_MIC_LEN 16 /* for AKM 00-0F-AC:2 (12.7.3) */
/* Offsets from the first octet of the EAPOL header (12.7.2). */
#define DOT11_EAPOL_KEY_MIC_OFFSET 81
#define DOT11_EAPOL_KEY_DATA_LEN_OFFSET 97
#define DOT11_EAPOL_KEY_FIXED_LEN 99 /* EAPOL header + Key frame without Key Data */

/* Key Information bits (12.7.2 b) */
#define DOT11_KEY_INFO_VERSION_MASK 0x0007
#define DOT11_KEY_INFO_VERSION_HMAC_MD5_RC4 1
#define DOT11_KEY_INFO_VERSION_HMAC_SHA1_AES 2
#define DOT11_KEY_INFO_VERSION_AES_CMAC 3
#define DOT11_KEY_INFO_KEY_TYPE 0x0008 /* 1 = pairwise */
#define DOT11_KEY_INFO_INSTALL 0x0040
#define DOT11_KEY_INFO_ACK 0x0080
#define DOT11_KEY_INFO_MIC 0x0100
#define DOT11_KEY_INFO_SECURE 0x0200
#define DOT11_KEY_INFO_ERROR 0x0400
#define DOT11_KEY_INFO_REQUEST 0x0800
#define DOT11_KEY_INFO_ENCRYPTED_KEY_DATA 0x1000
#define DOT11_KEY_INFO_SMK_MESSAGE 0x2000

struct dot11_key_info {
    uint8_t descriptor_version; /* 0..7 */
    bool pairwise;
    bool install;
    bool ack;
    bool mic;
    bool secure;
    bool error;
    bool request;
    bool encrypted_key_data;
    bool smk_message;
};

uint16_t dot11_key_info_encode(const struct dot11_key_info *ki);
void dot11_key_info_decode(uint16_t raw, struct dot11_key_info *ki);

struct dot11_eapol_key {
    uint8_t protocol_version; /* EAPOL header; build writes it as given */
    uint8_t descriptor_type;  /* 2 = RSN */
    struct dot11_key_info info;
    uint16_t key_info_raw;    /* parse only */
    uint16_t key_length;
    uint64_t replay_counter;
    uint8_t nonce[DOT11_EAPOL_KEY_NONCE_LEN];
    uint8_t iv[DOT11_EAPOL_KEY_IV_LEN];
    uint8_t rsc[DOT11_EAPOL_KEY_RSC_LEN];
    uint8_t mic[DOT11_EAPOL_KEY_MIC_LEN];
    const uint8_t *key_data;
    size_t key_data_len;
    size_t frame_len;         /* parse only: 4 + EAPOL body length */
};

/* Writes the EAPOL frame (from the EAPOL header on; wrap it with
 * dot11_build_data(..., DOT11_ETHERTYPE_EAPOL, ...)). The MIC is written as
 * given: pass zeros, compute over the result, store at
 * DOT11_EAPOL_KEY_MIC_OFFSET. */
int dot11_eapol_key_build(uint8_t *buf, size_t cap, const struct dot11_eapol_key *k);
/* Parse an EAPOL-Key frame. Octets after 4 + body length (padding) are
 * ignored; frame_len tells how many octets the MIC covers.
 * DOT11_E_UNSUPPORTED for EAPOL protocol versions other than 1..3, other
 * packet types and non-RSN descriptors. */
int dot11_eapol_key_parse(const uint8_t *buf, size_t len, struct dot11_eapol_key *out);

/* Key Data: KDEs (12.7.2) */
#define DOT11_KDE_GTK 1
#define DOT11_GTK_MAX_LEN 32

struct dot11_gtk_kde {
    uint8_t key_id; /* 0..3 */
    bool tx;
    const uint8_t *gtk;
    size_t gtk_len;
};

struct dot11_key_data {
    const uint8_t *rsne; /* whole RSN element (ID, Length, body) or NULL */
    size_t rsne_len;
    bool has_gtk;
    struct dot11_gtk_kde gtk;
};

/* GTK KDE: DD len 00-0F-AC 01 | KeyID/Tx | reserved | GTK (12.7.2). */
int dot11_kde_build_gtk(uint8_t *buf, size_t cap, uint8_t key_id, bool tx,
                        const uint8_t *gtk, size_t gtk_len);
/* Pad `len` octets of key data in place for AES key wrap: when len is
 * nonzero and < 16 or not a multiple of 8, append 0xdd then 0x00s
 * (12.7.2 j). Returns the padded length. */
int dot11_key_data_pad(uint8_t *buf, size_t len, size_t cap);
/* Walk (decrypted) key data: picks the RSNE and the GTK KDE, skips other
 * elements and KDEs, stops at the padding. Duplicates are malformed. */
int dot11_key_data_parse(const uint8_t *kd, size_t len, struct dot11_key_data *out);

#endif /* LINKRIG_DOT11_FRAME_H */
