/* ap_model/ap_internal.h — shared between the AP's translation units only.
 *
 * ap.c          lifecycle, configuration, beacons, probe responses, the
 *               transmit path and the bridge port
 * ap_sta.c      the station table and its state machine (802.11-2016 11.3),
 *               authentication, association, the receive path
 * ap_wpa_auth.c the authenticator's 4-way handshake (12.7.6, 12.7.10)
 * ap_ps.c       power save (buffering, TIM, PS-Poll; 11.2.3) and inactivity
 *               ageing (hostapd's ap_handle_timer)
 *
 * Nothing here is part of the contract in ap.h. */
#ifndef LINKRIG_AP_MODEL_AP_INTERNAL_H
#define LINKRIG_AP_MODEL_AP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ap_model/ap.h"
#include "ap_model/ap_8021x.h"
#include "dot11/crypto.h"
#include "dot11/frame.h"
#include "sim/sim.h"

/* The largest MSDU (9.2.4.7.1 / Table 9-19: 2304 octets) plus MAC header,
 * CCMP header and MIC fits comfortably. */
#define AP_MSDU_MAX 2304
#define AP_FRAME_MAX 2400
#define AP_RSNE_MAX (2 + 255)
#define AP_GTK_LEN 16
/* Key IDs 1 and 2 take turns (hostapd's GN/GM); 0 stays for pairwise. */
#define AP_GTK_FIRST_ID 1
/* Slots for stations that authenticated but are not (yet) associated, on
 * top of max_stations: max_stations limits associations (status 17). */
#define AP_AUTH_SPARE_SLOTS 4
/* 12.5.3.4.4: one replay counter per TID for QoS data, and one more for
 * everything else (index 16). */
#define AP_REPLAY_COUNTERS 17

/* Station state (802.11-2016 11.3.1). State 1 stations are not kept: a MAC
 * that is not in the table is in State 1. */
typedef enum {
    AP_STA_STATE_1 = 1, /* unauthenticated, unassociated */
    AP_STA_STATE_2,     /* authenticated, not associated */
    AP_STA_STATE_3,     /* associated, pending RSN authentication (port blocked) */
    AP_STA_STATE_4,     /* associated, authorized */
} ap_sta_state;

/* Authenticator per-STA states (12.7.10, names as in its state diagram).
 * AUTHENTICATION2/INITPSK and PTKCALCNEGOTIATING(2) are passed through
 * within a single event here, so they have no resting value. */
typedef enum {
    AP_PTK_INITIALIZE,
    AP_PTK_PTKSTART,           /* message 1 sent, waiting for message 2 */
    AP_PTK_PTKINITNEGOTIATING, /* message 3 sent, waiting for message 4 */
    AP_PTK_PTKINITDONE,        /* PTK installed, port open */
    AP_PTK_DISCONNECTED,       /* the station was deauthenticated and forgotten */
} ap_ptk_state;

typedef struct ap_sta {
    ap *owner;
    bool in_use;
    uint8_t mac[6];
    ap_sta_state state;
    uint16_t aid; /* 0 while not associated */

    /* The RSNE of the (Re)Association Request, which message 2 must repeat
     * (12.7.6.3). */
    uint8_t rsne[AP_RSNE_MAX];
    size_t rsne_len;

    /* Authenticator (12.7.10). The PMK is this association's PMKSA: a
     * passphrase change applies from the next handshake on. */
    ap_ptk_state ptk_state;
    uint8_t pmk[DOT11_PMK_LEN];
    bool pmk_from_aaa; /* set by 802.1X or SAE before the 4-way handshake */
    uint32_t akm;      /* the AKM of the association's RSNE */
    struct dot11_sae *sae; /* the SAE exchange (ap_sae.c) */
    bool sae_accepted;
    uint8_t sae_pmk[DOT11_PMK_LEN];
    bool mfp;              /* PMF negotiated for this association */
    uint64_t rx_mgmt_pn;   /* replay counter of its protected management frames */
    uint8_t anonce[DOT11_NONCE_LEN];
    uint8_t ptk[DOT11_PTK_LEN];
    bool ptk_installed;
    uint64_t replay_counter;    /* last value sent */
    uint64_t replay_first;      /* first value sent for the pending message */
    int pending_msg;            /* 1 or 3 while waiting, else 0 */
    int attempts;               /* sends of the pending message so far */
    sim_timer_id eapol_timer;

    /* Group key handshake (12.7.7), hostapd's WPA_PTK_GROUP machine. */
    bool gk_pending;            /* REKEYNEGOTIATING: message 1 out */
    int gk_sends;               /* GTimeoutCtr */
    uint64_t gk_replay_first;   /* first Key Replay Counter of this handshake */
    sim_timer_id gk_timer;

    /* Data path. */
    uint64_t tx_pn; /* last PN used towards the station */
    uint64_t rx_pn[AP_REPLAY_COUNTERS];
    bool rx_seq_valid;
    uint16_t rx_seq_ctrl; /* Sequence Control (9.2.4.4) of the last data frame, for retries */

    /* Power save and ageing (ap_ps.c). */
    bool ps;                       /* in power save: frames are buffered */
    struct ap_ps_frame *ps_head, *ps_tail;
    int ps_count;
    sim_time last_rx;              /* last frame heard from it (or ACK of the poll) */
    enum { AP_AGE_POLL, AP_AGE_DISASSOC, AP_AGE_DEAUTH } age_step;
    sim_time poll_at;
    sim_timer_id age_timer;
} ap_sta;

#define AP_PS_BUFFER_MAX 64 /* mac80211 STA_MAX_TX_BUFFER */

/* Everything of a beacon but what changes from one TBTT to the next: when
 * it differs from the template's, the template is built again (so no
 * setter has to remember to invalidate it). */
struct ap_beacon_key {
    uint8_t bssid[6];
    uint8_t ssid[DOT11_SSID_MAX_LEN]; /* as advertised: empty when hidden */
    size_t ssid_len;
    uint16_t beacon_interval;
    uint16_t capability;
    uint8_t channel;
    uint8_t dtim_period;
    bool has_rsn;
    struct dot11_rsn rsn; /* copied and compared byte for byte */
    const uint8_t *rates;
    size_t n_rates;
};

struct ap {
    sim *s;
    dot11_air_port port;
    dot11_ccm *ccm; /* the group key's engine (dot11/crypto.h: one engine per key) */
    dot11_ccm **sta_ccm; /* per station slot, made on first use: each keyed once per PTK */
    dot11_ccm_memo *ccm_memo; /* the world's, for every engine above (ap_config.ccm_memo) */
    dot11_pmk_cache *pmk_cache; /* the world's (ap_config.pmk_cache) */
    char *name;
    uint8_t ssid[DOT11_SSID_MAX_LEN];
    size_t ssid_len;
    char passphrase[64]; /* "" for an open network */
    bool rsn;            /* WPA2-PSK/CCMP, or WPA2-Enterprise */
    bool enterprise;     /* AKM 802.1X: the PMK comes from the RADIUS server */
    bool sae;            /* AKM SAE offered (alone, or beside PSK: transition mode) */
    char sae_password[256];
    int sae_threshold, sae_threshold_cfg;
    uint8_t sae_token_key[32]; /* drawn at the first token handed out */
    bool sae_token_ready;
    int pmf;               /* 0 none, 1 capable, 2 required */
    int pmf_cfg;           /* ap_config.pmf */
    uint8_t igtk[16];      /* BIP's key, Key ID 4, drawn at the first handshake */
    bool igtk_ready;
    uint64_t ipn;
    ap_8021x *dot1x;
    void (*radius_send)(void *ctx, const uint8_t *pkt, size_t len);
    void *radius_ctx;
    struct dot11_rsn rsn_desc;
    uint8_t pmk[DOT11_PMK_LEN]; /* cached for (ssid, passphrase) */
    uint8_t bssid[6];
    int channel;
    uint16_t beacon_interval_tu;
    uint32_t eapol_timeout_first_ms;
    uint32_t eapol_timeout_ms;
    int eapol_attempts;
    int max_stations; /* associated stations */
    int nslots;       /* station table: max_stations + AP_AUTH_SPARE_SLOTS */
    bool hidden;
    uint16_t refuse_status; /* 0: associations accepted */
    uint32_t refuse_comeback_tu;
    uint8_t mgmt_rate;
    uint8_t data_rate;
    uint8_t dtim_period;
    uint32_t max_inactivity_s;

    bool enabled;
    sim_time created_at;
    sim_timer_id beacon_timer;
    struct ap_beacon_key beacon_key;
    struct {
        bool valid;
        sim_time at, period; /* the last beacon's TBTT, the beacon period then */
        uint8_t dtim_period, dtim; /* and its DTIM Count */
    } tbtt;
    long ps_frames; /* frames buffered for dozing stations, all slots together (ap_ps.c) */
    struct dot11_beacon_tpl beacon_tpl; /* len 0: none yet */
    uint16_t seq; /* one Sequence Number counter (9.2.4.4) for all our frames */

    sim_rng *rng;
    /* GTKs by key ID. gn: the one handed to stations (message 3, group
     * message 1); gtx: the one group traffic is sent with, which becomes gn
     * once every station has it (hostapd's SETKEYS -> SETKEYSDONE). */
    uint8_t gtk[4][AP_GTK_LEN];
    int gn, gtx;
    uint64_t group_pn; /* last PN used with the gtx GTK */
    int gk_waiting;    /* GKeyDoneStations */
    uint32_t gtk_rekey_s;
    sim_timer_id rekey_timer;

    ap_sta *stas; /* max_stations slots; pointers stay valid for timers */

    ap_bridge_rx_fn bridge_fn;
    void *bridge_ctx;
};

/* ap.c */
uint16_t ap_next_seq(ap *a);
/* Hands a finished frame to the air port. The port only queues it; it must
 * not call back into ap_receive from inside transmit. */
int64_t ap_tx(ap *a, const uint8_t *frame, int len, uint8_t rate);
/* The same with the MAC's options (rate adaptation, a status report). */
int64_t ap_tx_ex(ap *a, const uint8_t *frame, int len, const dot11_tx_params *p);
void ap_mgmt_hdr(ap *a, struct dot11_mgmt_hdr *h, const uint8_t *da);
uint16_t ap_capability(const ap *a);
void ap_mac_str(const uint8_t mac[6], char out[18]);
bool ap_mac_is_group(const uint8_t mac[6]);
bool ap_mac_eq(const uint8_t a[6], const uint8_t b[6]);
void ap_trace_drop(ap *a, const uint8_t *sta_mac, const char *why);
/* Supported Rates of the BSS, 500 kb/s units, basic ones flagged. */
const uint8_t *ap_rate_set(size_t *n);

void ap_rx_probe_req(ap *a, const struct dot11_mgmt *m);
/* An EAPOL frame to an authorized station, CCMP-protected with its PTK
 * (the 4-way handshake is over), at mgmt_rate. */
int ap_send_eapol_protected(ap *a, ap_sta *sta, const uint8_t *eapol, size_t len);
/* An EAPOL frame before any key (EAP of 802.1X), in the clear, at mgmt_rate. */
int ap_send_eapol_clear(ap *a, const uint8_t sta_mac[6], const uint8_t *eapol, size_t len);
/* Last PN sent with GTK key_id, as a Key RSC (12.7.2 e): 0 for one unused. */
uint64_t ap_gtk_rsc(const ap *a, int key_id);

/* ap_sta.c */
void ap_trace_sta(ap *a, sim_log_level lvl, const char *event, const uint8_t *mac,
                  const char *key, int64_t val, const char *dir);
ap_sta *ap_sta_find(const ap *a, const uint8_t mac[6]);
/* The CCMP engine of sta's slot (NULL when out of memory: the frame is then
 * protected through a temporary context, correct but slower). */
dot11_ccm *ap_sta_ccm(ap *a, const ap_sta *sta);
size_t ap_sta_count(const ap *a);
void ap_sta_forget(ap_sta *sta);
/* Sends a Deauthentication (reason) to the station, traces it and forgets it. */
void ap_sta_deauth(ap_sta *sta, uint16_t reason);
void ap_send_deauth(ap *a, const uint8_t *da, uint16_t reason);
/* The same with a Disassociation; the station drops to State 2. */
void ap_sta_disassoc(ap_sta *sta, uint16_t reason);
void ap_send_disassoc(ap *a, const uint8_t *da, uint16_t reason);
void ap_sta_rsna_done(ap_sta *sta);
void ap_rx_mgmt(ap *a, const uint8_t *frame, size_t len, const struct dot11_hdr *hdr);
void ap_rx_data(ap *a, const uint8_t *frame, size_t len, const struct dot11_hdr *hdr);

/* ap_sta.c: the station completed an authentication (State 2). */
void ap_sta_authenticated(ap_sta *sta);
ap_sta *ap_sta_alloc_for(ap *a, const uint8_t mac[6]);

/* ap_sae.c: Authentication frames with algorithm 3 (12.4.8). */
void ap_sae_rx_auth(ap *a, const struct dot11_mgmt *m);
void ap_sae_forget(ap_sta *sta);

/* ap_pmf.c: protected management frames (12.6.8). */
/* Applies cfg->pmf to the RSNE's capabilities (after every RSNE change). */
void ap_pmf_configure(ap *a, int cfg_pmf);
/* The IGTK KDE for message 3 when the station negotiated PMF: its length,
 * 0 when none is due, -1 on error. */
int ap_pmf_igtk_kde(ap *a, const ap_sta *sta, uint8_t *buf, size_t cap);
/* A deauthentication or disassociation for sta, protected if PMF is on. */
void ap_pmf_send_leave(ap *a, ap_sta *sta, uint8_t subtype, uint16_t reason);
/* A management frame to us: false when PMF's rules drop it; else *frame and
 * *len may now point at the decrypted copy in buf (cap octets). An SA Query
 * is answered here (true is returned with *len 0). */
bool ap_pmf_rx(ap *a, const struct dot11_hdr *hdr, const uint8_t **frame, size_t *len,
               uint8_t *buf, size_t cap);
/* ap_ps.c */
/* Buffers the frame when the station is in power save (true: held). */
bool ap_ps_hold(ap_sta *sta, const uint8_t *frame, int len, const dot11_tx_params *p);
/* Every frame heard from an associated station: its PM bit, its activity. */
void ap_ps_rx(ap_sta *sta, const struct dot11_hdr *hdr);
void ap_ps_poll(ap *a, const struct dot11_hdr *hdr);
void ap_ps_tim(const ap *a, uint8_t bitmap[DOT11_TIM_BITMAP_LEN], bool *any);
/* Association accepted: power save off, the ageing timer armed. */
void ap_age_start(ap_sta *sta);
void ap_ps_disassociated(ap_sta *sta);
void ap_ps_forget(ap_sta *sta);

/* ap_wpa_auth.c */
void ap_wpa_start(ap_sta *sta);
void ap_wpa_stop(ap_sta *sta);
void ap_wpa_rx_eapol(ap_sta *sta, const uint8_t *eapol, size_t len);
/* Group key handshake with one station (it must be PTKINITDONE). */
void ap_gk_start(ap_sta *sta);
/* Every station has the new GTK (or is gone): send with it. */
void ap_gk_setkeysdone(ap *a);

#endif
