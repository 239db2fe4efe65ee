/* dot11/air.h — the one boundary between an 802.11 model and the air.
 *
 * A station radio or an access point never calls the medium directly: it is
 * given a dot11_air_port (like hostapd's driver ops) through which it
 * transmits frames and retunes, and whoever wires the world calls the model's
 * receive function with each frame the air delivered. This keeps ap_model/
 * free of radio_model/ (ARCHITECTURE.md's folder rules) and lets a test put a
 * scripted peer on the other end of the port.
 *
 * Frames are bytes: an 802.11 MPDU without FCS, parsed by the receiver as
 * untrusted input. Rates are in 500 kb/s units (2 = 1 Mb/s, 108 = 54 Mb/s). */
#ifndef LINKRIG_DOT11_AIR_H
#define LINKRIG_DOT11_AIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct dot11_rx_info {
    double rssi_dbm;    /* received power of this frame */
    double snr_db;
    int channel;
    uint8_t rate;
    int64_t tx_start_ns; /* virtual time the frame went on the air */
} dot11_rx_info;

typedef void (*dot11_rx_fn)(void *ctx, const uint8_t *frame, size_t len, const dot11_rx_info *info);

/* The outcome of an individually addressed frame's exchange (IEEE
 * 802.11-2020 10.3.2.9: acknowledged, or given up after the retry limit),
 * reported at the end of the exchange. ra: the frame's receiver address. */
typedef void (*dot11_tx_status_fn)(void *ctx, const uint8_t ra[6], bool acked);

typedef struct dot11_tx_params {
    uint8_t rate;      /* the fixed rate, or where rate adaptation starts */
    bool rate_ctl;     /* unicast data: the MAC's rate adaptation picks each attempt's rate */
    dot11_tx_status_fn status; /* optional: told the outcome (unicast only) */
    void *status_ctx;
} dot11_tx_params;

typedef struct dot11_air_port {
    void *ctx;
    /* Queues one frame (copied); returns the virtual time (ns) its
     * transmission ends, or a negative error code. */
    int64_t (*transmit)(void *ctx, const uint8_t *frame, size_t len, uint8_t rate);
    /* The same with rate adaptation and a status report. Optional (NULL:
     * use transmit at p->rate). */
    int64_t (*transmit_ex)(void *ctx, const uint8_t *frame, size_t len, const dot11_tx_params *p);
    /* Retunes the receiver and transmitter; negative for a bad channel. */
    int (*set_channel)(void *ctx, int channel);
    /* Radio on/off: off neither hears nor is heard. */
    void (*set_enabled)(void *ctx, bool on);
    /* Transmit power in dBm. Optional (NULL: fixed by the air). */
    void (*set_tx_power)(void *ctx, double dbm);
} dot11_air_port;

#endif
