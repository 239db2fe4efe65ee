/* ap_model/ap_ps.c — power save on the AP side, and inactivity ageing.
 *
 * Power save (IEEE 802.11-2020 11.2.3): a station's power management mode
 * is the PM bit of the last frame it sent (11.2.3.3 b). Individually
 * addressed frames for a station in power save are buffered, at most
 * AP_PS_BUFFER_MAX of them (mac80211's STA_MAX_TX_BUFFER, 64; the oldest
 * is dropped first), and its AID is set in the TIM of every beacon while
 * any are (9.4.2.5). A PS-Poll (9.3.1.5) from it releases one, with More
 * Data set when others wait (11.2.3.7); a frame with PM=0 releases all.
 * Group-addressed frames are not held for DTIM beacons (not modelled).
 *
 * Inactivity ageing, as hostapd's ap_handle_timer (src/ap/sta_info.c):
 * when a station has sent nothing for max_inactivity seconds
 * (ap_max_inactivity, default AP_MAX_INACTIVITY = 300 s), the AP polls it
 * with a Null data frame; if neither an ACK of that frame nor any frame
 * from the station arrives within AP_DISASSOC_DELAY (3 s), it is
 * disassociated with reason 4 (WLAN_REASON_DISASSOC_DUE_TO_INACTIVITY),
 * and deauthenticated with reason 2 (WLAN_REASON_PREV_AUTH_NOT_VALID)
 * AP_DEAUTH_DELAY (1 s) later. A poll to a station in power save is
 * buffered like any frame, so a dozing station answers it through the TIM.
 * Traced under the AP: "ps" (sta, on), "inactivity_poll" (sta, idle_ms),
 * "inactivity_ok" (sta), and the disassociation and deauthentication. */
#include <stdlib.h>
#include <string.h>

#include "ap_model/ap_internal.h"

#define AP_DISASSOC_DELAY_S 3
#define AP_DEAUTH_DELAY_S 1

struct ap_ps_frame {
    struct ap_ps_frame *next;
    dot11_tx_params p;
    size_t len;
    uint8_t frame[];
};

static void trace_sta(ap *a, const char *event, const uint8_t mac[6], const char *key, int64_t val)
{
    sim_trace_rec *r = sim_trace_begin(sim_trace_of(a->s), SIM_LOG_INFO, a->name, event);
    if (r == NULL)
        return;
    char m[18];
    ap_mac_str(mac, m);
    sim_trace_str(r, "sta", m);
    if (key != NULL)
        sim_trace_int(r, key, val);
    sim_trace_end(r);
}

static void ps_clear(ap_sta *sta)
{
    sta->owner->ps_frames -= sta->ps_count;
    while (sta->ps_head != NULL) {
        struct ap_ps_frame *f = sta->ps_head;
        sta->ps_head = f->next;
        free(f);
    }
    sta->ps_tail = NULL;
    sta->ps_count = 0;
}

static void ps_send(ap_sta *sta, struct ap_ps_frame *f, bool more)
{
    if (more)
        f->frame[1] |= DOT11_FC_MORE_DATA;
    else
        f->frame[1] &= (uint8_t)~DOT11_FC_MORE_DATA;
    ap_tx_ex(sta->owner, f->frame, (int)f->len, &f->p);
    free(f);
}

static struct ap_ps_frame *ps_pop(ap_sta *sta)
{
    struct ap_ps_frame *f = sta->ps_head;
    if (f == NULL)
        return NULL;
    sta->ps_head = f->next;
    if (sta->ps_head == NULL)
        sta->ps_tail = NULL;
    sta->ps_count--;
    sta->owner->ps_frames--;
    return f;
}

bool ap_ps_hold(ap_sta *sta, const uint8_t *frame, int len, const dot11_tx_params *p)
{
    if (!sta->ps || len <= 0)
        return false;
    struct ap_ps_frame *f = malloc(sizeof *f + (size_t)len);
    if (f == NULL)
        return false; /* sent now rather than lost */
    f->next = NULL;
    f->p = *p;
    f->len = (size_t)len;
    memcpy(f->frame, frame, (size_t)len);
    if (sta->ps_count >= AP_PS_BUFFER_MAX)
        free(ps_pop(sta));
    if (sta->ps_tail != NULL)
        sta->ps_tail->next = f;
    else
        sta->ps_head = f;
    sta->ps_tail = f;
    sta->ps_count++;
    sta->owner->ps_frames++;
    return true;
}

void ap_ps_rx(ap_sta *sta, const struct dot11_hdr *hdr)
{
    ap *a = sta->owner;
    sta->last_rx = sim_now(a->s);
    if (sta->state < AP_STA_STATE_3)
        return;
    /* 11.2.3.3: a PS-Poll is sent with PM=1 and does not change the mode. */
    bool ps_poll = hdr->type == DOT11_FTYPE_CTRL && hdr->subtype == DOT11_STYPE_PS_POLL;
    if (ps_poll || hdr->pwr_mgt == sta->ps)
        return;
    sta->ps = hdr->pwr_mgt;
    trace_sta(a, "ps", sta->mac, "on", sta->ps);
    if (!sta->ps)
        while (sta->ps_head != NULL)
            ps_send(sta, ps_pop(sta), false);
}

void ap_ps_poll(ap *a, const struct dot11_hdr *hdr)
{
    if (!ap_mac_eq(hdr->addr1, a->bssid))
        return;
    ap_sta *sta = ap_sta_find(a, hdr->addr2);
    if (sta == NULL || sta->state < AP_STA_STATE_3 || (hdr->duration_id & 0x3fff) != sta->aid)
        return;
    ap_ps_rx(sta, hdr);
    struct ap_ps_frame *f = ps_pop(sta);
    if (f != NULL)
        ps_send(sta, f, sta->ps_head != NULL);
}

void ap_ps_tim(const ap *a, uint8_t bitmap[DOT11_TIM_BITMAP_LEN], bool *any)
{
    memset(bitmap, 0, DOT11_TIM_BITMAP_LEN);
    *any = false;
    if (a->ps_frames == 0)
        return; /* nothing buffered: no station's slot to look at */
    for (int i = 0; i < a->nslots; i++) {
        const ap_sta *sta = &a->stas[i];
        if (sta->in_use && sta->ps_head != NULL && sta->aid > 0 && sta->aid < 8 * DOT11_TIM_BITMAP_LEN) {
            bitmap[sta->aid / 8] |= (uint8_t)(1u << (sta->aid % 8));
            *any = true;
        }
    }
}

/* ---- ageing ---- */

static void age_fire(void *arg);

static void age_at(ap_sta *sta, sim_time t)
{
    ap *a = sta->owner;
    sim_cancel(a->s, sta->age_timer);
    sta->age_timer = sim_at(a->s, t, age_fire, sta);
}

static void poll_status(void *ctx, const uint8_t ra[6], bool acked)
{
    ap *a = ctx;
    ap_sta *sta = ap_sta_find(a, ra);
    if (sta == NULL || !acked || sta->age_step != AP_AGE_DISASSOC)
        return;
    /* hostapd: EVENT_DRIVER_CLIENT_POLL_OK clears WLAN_STA_PENDING_POLL */
    sta->last_rx = sim_now(a->s);
}

static void send_poll(ap_sta *sta)
{
    ap *a = sta->owner;
    struct dot11_data_hdr_params p;
    memset(&p, 0, sizeof p);
    p.dir = DOT11_DIR_FROM_DS;
    memcpy(p.bssid, a->bssid, 6);
    memcpy(p.da, sta->mac, 6);
    memcpy(p.sa, a->bssid, 6);
    p.seq_num = ap_next_seq(a);
    uint8_t frame[64];
    int n = dot11_build_null_data(frame, sizeof frame, &p);
    dot11_tx_params tp = {.rate = a->data_rate, .rate_ctl = true, .status = poll_status, .status_ctx = a};
    if (!ap_ps_hold(sta, frame, n, &tp))
        ap_tx_ex(a, frame, n, &tp);
}

static void age_fire(void *arg)
{
    ap_sta *sta = arg;
    ap *a = sta->owner;
    sim_time now = sim_now(a->s);
    sim_time max = SIM_SEC((sim_time)a->max_inactivity_s);
    sta->age_timer = 0;
    switch (sta->age_step) {
    case AP_AGE_POLL:
        if (sta->state < AP_STA_STATE_3)
            return;
        if (now - sta->last_rx < max) {
            age_at(sta, sta->last_rx + max);
            return;
        }
        trace_sta(a, "inactivity_poll", sta->mac, "idle_ms", (now - sta->last_rx) / SIM_MS(1));
        sta->age_step = AP_AGE_DISASSOC;
        sta->poll_at = now;
        send_poll(sta);
        age_at(sta, now + SIM_SEC(AP_DISASSOC_DELAY_S));
        return;
    case AP_AGE_DISASSOC:
        if (sta->last_rx >= sta->poll_at) {
            trace_sta(a, "inactivity_ok", sta->mac, NULL, 0);
            sta->age_step = AP_AGE_POLL;
            age_at(sta, sta->last_rx + max);
            return;
        }
        sta->age_step = AP_AGE_DEAUTH;
        age_at(sta, now + SIM_SEC(AP_DEAUTH_DELAY_S));
        if (sta->state >= AP_STA_STATE_3)
            ap_sta_disassoc(sta, DOT11_REASON_INACTIVITY);
        return;
    case AP_AGE_DEAUTH:
        /* Unless it associated again in that second. */
        if (sta->state < AP_STA_STATE_3)
            ap_sta_deauth(sta, DOT11_REASON_INVALID_AUTHENTICATION);
        else {
            sta->age_step = AP_AGE_POLL;
            age_at(sta, sta->last_rx + max);
        }
        return;
    }
}

void ap_age_start(ap_sta *sta)
{
    ap *a = sta->owner;
    sta->last_rx = sim_now(a->s);
    sta->age_step = AP_AGE_POLL;
    sta->ps = false;
    ps_clear(sta);
    if (a->max_inactivity_s > 0)
        age_at(sta, sta->last_rx + SIM_SEC((sim_time)a->max_inactivity_s));
}

void ap_ps_disassociated(ap_sta *sta)
{
    sta->ps = false;
    ps_clear(sta);
}

void ap_ps_forget(ap_sta *sta)
{
    sim_cancel(sta->owner->s, sta->age_timer);
    sta->age_timer = 0;
    ps_clear(sta);
}
