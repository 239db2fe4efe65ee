/* radio_model/medium.h — the air between radios.
 *
 * Nodes (a station's radio, an access point) sit at positions in metres, each
 * tuned to one channel. A transmitted frame is bytes (an 802.11 MPDU, no FCS)
 * and is heard by every other enabled node on the same channel whose received
 * power clears its sensitivity, less a loss that rises as the SNR falls:
 *
 *   P_rx = P_tx - PL(d) + X            X ~ N(0, sigma), drawn per frame and receiver
 *   PL(d) = PL(d0) + 10 n log10(d / d0)  (log-distance path loss; d < d0 counts as d0)
 *   SNR  = P_rx - noise floor
 *   P(frame lost | P_rx >= sensitivity) = 1 / (1 + exp((SNR - snr50(rate)) / 1.5 dB))
 *
 * Defaults (indoor office at 2.4 GHz): d0 = 1 m, PL(d0) = 40.05 dB (free
 * space at 2437 MHz), n = 3.0, sigma = 4 dB, noise floor -95 dBm, receiver
 * sensitivity -88 dBm. snr50 is a rule-of-thumb threshold per rate (e.g. 2 dB
 * at 1 Mb/s, 13 dB at 24 Mb/s, 23 dB at 54 Mb/s), not a PHY model.
 *
 * Time: a frame occupies the air for its airtime (802.11b long preamble for
 * 1/2/5.5/11 Mb/s, OFDM for the rest) and is delivered to each receiver at the
 * end of it, plus propagation delay.
 *
 * MAC (IEEE 802.11-2020 clause 10, radio_model/README.md has the table): a
 * node sends one frame at a time, after DIFS of idle channel, deferring
 * and backing off (CWmin 15) when another node's exchange holds the
 * channel, the counter frozen while others' exchanges hold it and resumed,
 * not redrawn, after them (10.3.4.3), and backing off again after each
 * exchange. A group-addressed
 * frame is sent once to every node on the channel. An individually
 * addressed data or management frame (or PS-Poll) is one exchange with its
 * addressee (the node whose mac is Address 1): the addressee's ACK a SIFS
 * later, retransmissions with the Retry bit after the ACK timeout, DIFS and
 * a backoff from a doubling window, at most 7 attempts; the addressee gets
 * the first copy it hears, once; other nodes get nothing. With rate_ctl
 * (medium_transmit_ex) each attempt's rate comes from AARF per transmitter
 * and addressee. The exchange is decided when it starts. Not modelled:
 * collisions, hidden nodes, RTS/CTS, fragmentation, the FCS's airtime.
 *
 * Reception is decided at the start of a transmission (position, channel,
 * enabled) and confirmed at its end: a receiver that left the channel, was
 * disabled or detached in between gets nothing.
 *
 * Capture: the air capture is what a monitor at one position hears (a
 * sniffer that listens on every channel at once). Each transmission (each
 * attempt, each ACK) is written at its start, in time order, as radiotap + the frame (channel frequency and
 * flags, rate, noise floor, and the signal as the monitor receives it:
 * P_tx - PL(d_monitor) + X, with its own shadowing draw), when the monitor
 * hears it by the same rules as any receiver: at or above the monitor's
 * sensitivity (default -88 dBm, the nodes' default) and past the SNR loss
 * draw. A frame the monitor cannot hear is not written. The monitor sits
 * beside a node and moves with it (medium_set_monitor_node; the first
 * attached node when none was named) or at a fixed position
 * (medium_config.monitor_fixed). Beacons can be left out of the capture.
 *
 * Randomness: the run's "medium" stream, drawn in a fixed order (receivers in
 * the order they were attached), so runs are deterministic. The monitor
 * draws from a stream of its own ("medium.monitor"), so whether and where a
 * capture listens never changes what the nodes hear.
 *
 * Cost: a group-addressed frame visits only the nodes on its channel
 * (medium_index.h keeps them per channel, in attach order, so the draws are
 * the same as a scan of every node): O(nodes on the channel) per frame, not
 * O(nodes in the world); each of them receives it, so each draw is needed.
 * An individually addressed frame finds its addressee by MAC (a hash of
 * every node) and draws for it alone: O(1) per attempt. A receiver keeps
 * the path loss from each transmitter it has heard while neither moves
 * (a table per receiver, O(1) per lookup however many it hears). */
#ifndef LINKRIG_RADIO_MODEL_MEDIUM_H
#define LINKRIG_RADIO_MODEL_MEDIUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dot11/air.h"
#include "sim/capture.h"
#include "sim/sim.h"

#define MEDIUM_MAX_FRAME 2346 /* largest MPDU without FCS we accept */

typedef struct medium medium;
typedef struct medium_node medium_node;

typedef struct medium_config {
    double ref_distance_m;     /* d0 */
    double ref_loss_db;        /* PL(d0) */
    double path_loss_exponent; /* n */
    double shadowing_sigma_db; /* 0 turns shadowing off */
    double noise_floor_dbm;
    capture *air;              /* NULL: no air capture (not owned) */
    bool capture_beacons;
    /* The capture's monitor: at (monitor_x, monitor_y, monitor_z) when
     * monitor_fixed, else beside the node medium_set_monitor_node named (the
     * first attached node by default). */
    bool monitor_fixed;
    double monitor_x, monitor_y, monitor_z;
    double monitor_sensitivity_dbm; /* default -88 */
} medium_config;
void medium_config_default(medium_config *c);

/* Receivers get dot11_rx_info (dot11/air.h), called at the end of the
 * frame's airtime from a scheduler event; the frame is valid only during the
 * call. */

typedef struct medium_node_config {
    const char *name;       /* for the trace */
    uint8_t mac[6];         /* lets the capture pick the addressed receiver */
    double x, y, z;         /* metres */
    int channel;            /* 1..14 (2.4 GHz) or 32..177 (5 GHz) */
    double tx_power_dbm;
    double sensitivity_dbm;
    dot11_rx_fn rx;          /* may be set later with medium_node_set_rx */
    void *rx_ctx;
    /* Deliver only what this receiver acts on: frames whose A1 is its mac or
     * a group address (and any frame whose header does not parse). For a
     * receiver that drops everything else unseen, as a station's radio does
     * (radio_receive: "not for us"); the receiver's draws (shadowing, loss)
     * are made all the same, so nothing else changes, but a bystander costs
     * no delivery event. false: every frame it hears. */
    bool rx_addressed_only;
} medium_node_config;
/* tx 20 dBm, sensitivity -88 dBm, channel 1, at the origin. */
void medium_node_config_default(medium_node_config *c);

medium *medium_create(sim *s, const medium_config *cfg, sim_err *err);
/* Frees every node too. */
void medium_destroy(medium *m);

medium_node *medium_attach(medium *m, const medium_node_config *nc, sim_err *err);
/* The capture's monitor sits beside n and moves with it (ignored when the
 * config fixed the monitor's position). */
void medium_set_monitor_node(medium *m, const medium_node *n);
/* The node stops hearing and being heard at once; frames it queued are not
 * sent. Its memory is released by medium_destroy. */
void medium_detach(medium_node *n);

void medium_node_set_rx(medium_node *n, dot11_rx_fn rx, void *ctx);
/* Fills a port whose operations act on this node (for radio and AP models). */
void medium_node_air_port(medium_node *n, dot11_air_port *port);

void medium_node_move(medium_node *n, double x, double y, double z);
void medium_node_position(const medium_node *n, double *x, double *y, double *z);
int medium_node_set_channel(medium_node *n, int channel); /* SIM_EINVAL for a channel that does not exist, SIM_ENOMEM (node unchanged) */
int medium_node_channel(const medium_node *n);
void medium_node_set_tx_power(medium_node *n, double dbm);
double medium_node_tx_power(const medium_node *n);
/* A disabled node neither hears nor is heard (radio powered down, AP silent);
 * its queued frames are dropped. */
void medium_node_set_enabled(medium_node *n, bool on);
bool medium_node_enabled(const medium_node *n);

/* Queues one frame (copied). Returns the virtual time at which its
 * transmission ends, or a negative SIM_E* code: empty or oversize frame, rate
 * not one of 2,4,11,22,12,18,24,36,48,72,96,108, node disabled or detached. */
sim_time medium_transmit(medium_node *n, const uint8_t *frame, size_t len, uint8_t rate);
/* The same with the MAC's options (dot11/air.h): rate adaptation for
 * unicast data, and the exchange's outcome reported at its end. The
 * returned end is an estimate when the frame must wait for the air. */
sim_time medium_transmit_ex(medium_node *n, const uint8_t *frame, size_t len, const dot11_tx_params *p);

/* Mean received power (no shadowing) from one node at another. */
double medium_mean_rssi(const medium_node *from, const medium_node *to);
/* Airtime of a frame of len bytes at rate (500 kb/s units); -1 for a bad rate. */
sim_time medium_airtime(size_t len, uint8_t rate);

typedef struct medium_stats {
    uint64_t tx_frames;
    uint64_t rx_frames;        /* deliveries */
    uint64_t lost_sensitivity; /* below sensitivity at a receiver on the channel */
    uint64_t lost_snr;         /* cleared sensitivity, lost to the SNR draw */
    uint64_t lost_moved;       /* receiver left the channel / was disabled mid-frame */
    uint64_t capture_unheard;  /* frames the capture's monitor could not hear (not written) */
    uint64_t retries;          /* retransmissions (attempts after the first) */
    uint64_t acks;             /* ACK frames sent */
    uint64_t tx_failed;        /* unicast frames given up after the retry limit */
} medium_stats;
void medium_get_stats(const medium *m, medium_stats *out);

#endif
