/* sim/capture.h — pcap files written on virtual time (libpcap).
 *
 * A capture is a pcap file with nanosecond timestamps: epoch + virtual time,
 * so Wireshark shows exactly when the models exchanged each frame. The epoch
 * is fixed (2026-01-01T00:00:00Z by default) so that the same run gives the
 * same bytes. Frames are written as given (radiotap + 802.11 for the air,
 * Ethernet for the wire); a snap length cuts long frames the pcap way.
 *
 * With flush_each set, every packet is flushed as written — the mode for a
 * FIFO that a live Wireshark reads. A reader that goes away turns writes into
 * a recorded error (capture_broken), never a crash or a stopped run. */
#ifndef LINKRIG_SIM_CAPTURE_H
#define LINKRIG_SIM_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/clock.h"
#include "sim/err.h"

#define CAPTURE_LINKTYPE_ETHERNET 1
#define CAPTURE_LINKTYPE_IEEE802_11_RADIOTAP 127
#define CAPTURE_DEFAULT_EPOCH_S 1767225600LL /* 2026-01-01T00:00:00Z */

typedef struct capture capture;

typedef struct capture_config {
    int linktype;
    uint32_t snaplen;  /* 0: 262144 */
    int64_t epoch_s;   /* wall-clock second that virtual time 0 maps to */
    bool flush_each;
} capture_config;

capture *capture_open(const char *path, const capture_config *cfg, sim_err *err);
void capture_write(capture *c, sim_time t, const uint8_t *frame, size_t len);
/* Flushes and closes; the file stays valid up to the last packet. */
void capture_close(capture *c);
uint64_t capture_packets(const capture *c);
bool capture_broken(const capture *c);

#endif
