/* sim/capture.h — pcap files written on virtual time (libpcap's format).
 *
 * A capture is a pcap file with nanosecond timestamps: epoch + virtual time,
 * so Wireshark shows exactly when the models exchanged each frame. The epoch
 * is fixed (2026-01-01T00:00:00Z by default) so that the same run gives the
 * same bytes. Frames are written as given (radiotap + 802.11 for the air,
 * Ethernet for the wire); a snap length cuts long frames the pcap way.
 *
 * Packets are written in large blocks; once a capture has grown past 128
 * MiB (thread_after) the write calls move to a writer thread of its own
 * (sim/spool.h), so the simulation thread only copies bytes. The files are
 * the same bytes either way, rotated at the same packets; capture_finish
 * and capture_close return once everything written so far is on disk.
 *
 * With flush_each set, every packet is flushed as written — the mode for a
 * FIFO that a live Wireshark reads — and no thread is started. A reader that goes away turns writes into
 * a recorded error (capture_broken), never a crash or a stopped run. (The
 * process must ignore SIGPIPE for that, as the CLI does.)
 *
 * A bounded capture (ring_bytes > 0) keeps the newest packets, as
 * tcpdump -C/-W would if it renamed: the capture writes to PATH; when the
 * next packet would take PATH past ring_bytes, PATH is closed and becomes
 * PATH.1 (PATH.1 becomes PATH.2, ..., PATH.<ring_files-1> is replaced) and
 * a new PATH starts with a fresh pcap header. So at most ring_files files
 * remain, each a valid pcap of at most ring_bytes — except that every file
 * holds at least one packet, so a packet larger than ring_bytes gets a file
 * of its own — the newest packets in PATH, older ones in increasing N. Ring
 * files PATH.1 .. PATH.<ring_files-1> left by an earlier run are removed at
 * open, so every file of the ring belongs to this capture. Only a regular
 * file is rotated: a FIFO (or a device such as /dev/null) is one unbounded
 * stream.
 *
 * Frames that tell the story of a link (capture_frame_kind: management,
 * EAPOL, DHCP, ARP) are never cut by the snap length: a cut EAPOL-Key
 * frame would make the capture impossible to decrypt, a cut beacon or
 * association unreadable. Such a capture's file header carries the
 * largest snap length (262144), since some of its frames are whole; the
 * others are cut to snaplen.
 *
 * An events capture (capture_config.events) receives a whole copy of each
 * such frame but beacons, and is never a ring: a long run's ring keeps its
 * last hour, the events capture every handshake, deauthentication, lease
 * and ARP of the whole run. */
#ifndef LINKRIG_SIM_CAPTURE_H
#define LINKRIG_SIM_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/clock.h"
#include "sim/err.h"
#include "sim/spool.h"

#define CAPTURE_LINKTYPE_ETHERNET 1
#define CAPTURE_LINKTYPE_IEEE802_11_RADIOTAP 127
#define CAPTURE_DEFAULT_EPOCH_S 1767225600LL /* 2026-01-01T00:00:00Z */

typedef struct capture capture;

#define CAPTURE_RING_FILES_MAX 1000 /* each rotation renames every file of the ring */

/* What a frame is, for the snap length and the events capture. */
#define CAPTURE_KIND_MGMT 0x01   /* an 802.11 management frame */
#define CAPTURE_KIND_BEACON 0x02 /* ... that is a beacon (with MGMT) */
#define CAPTURE_KIND_EAPOL 0x04  /* EAPOL (802.1X, ethertype 0x888e), unprotected */
#define CAPTURE_KIND_DHCP 0x08   /* IPv4 UDP to or from port 67 or 68, unprotected */
#define CAPTURE_KIND_ARP 0x10
/* The kinds of frame (radiotap + 802.11, or Ethernet, by linktype), read
 * as untrusted bytes; 0 for anything else (a protected data frame is 0:
 * its payload cannot be read without its key). */
unsigned capture_frame_kind(int linktype, const uint8_t *frame, size_t len);

typedef struct capture_config {
    int linktype;
    uint32_t snaplen;  /* 0: 262144 */
    int64_t epoch_s;   /* wall-clock second that virtual time 0 maps to */
    bool flush_each;
    uint64_t ring_bytes; /* 0: one unbounded file */
    int ring_files;      /* files kept when ring_bytes > 0, 2..CAPTURE_RING_FILES_MAX */
    /* NULL, or called with every frame written (whole, before the snap
     * length, even once the capture is broken): a decrypted copy's input */
    void (*tap)(void *ctx, sim_time t, const uint8_t *frame, size_t len);
    void *tap_ctx;
    struct capture *events; /* NULL, or where whole copies of management (but beacons), EAPOL,
                             * DHCP and ARP frames go too (not owned; same linktype) */
    /* The write buffer (four blocks of a quarter); 0: 2 MiB. A capture that fills slowly (an events
     * capture: about 1 MB a day) wants a small one, or its pages become
     * resident one by one over days and the rig's memory seems to grow. */
    size_t buffer_bytes;
    /* Bytes written on the caller's thread before a writer thread takes the
     * write calls over; 0: 128 MiB; CAPTURE_THREAD_NEVER: never. */
    uint64_t thread_after;
} capture_config;

#define CAPTURE_THREAD_NEVER SPOOL_THREAD_NEVER

capture *capture_open(const char *path, const capture_config *cfg, sim_err *err);
void capture_write(capture *c, sim_time t, const uint8_t *frame, size_t len);
/* Flushes and closes; the file stays valid up to the last packet. */
void capture_close(capture *c);
/* Flushes what is buffered and says whether every write so far reached the
 * file: SIM_EIO with the file's name and the system's reason otherwise. A
 * FIFO whose reader went away (EPIPE) is not an error for a flush_each
 * (live) capture; for any other it is, since the capture was cut short. */
int capture_finish(capture *c, sim_err *err);
/* Every packet written, across all files of a ring. */
uint64_t capture_packets(const capture *c);
/* Bytes written to disk (file headers included), across all files of a ring. */
uint64_t capture_bytes_written(const capture *c);
/* True once a write, flush or rotation failed; later packets are dropped. */
bool capture_broken(const capture *c);
/* Why the capture broke, or NULL while it is fine. */
const char *capture_error(const capture *c);

#endif
