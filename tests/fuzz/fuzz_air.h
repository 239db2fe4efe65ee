/* tests/fuzz/fuzz_air.h — an access point and a station radio on one medium,
 * for the fuzz targets of their receive paths.
 *
 * The rig builds what sim/world.c builds for one AP and one device (a
 * medium, an AP on channel 6 with WPA2-PSK beaconing every 500 TU, a
 * radio 3 m away) without a
 * firmware, and lets the real join run up to a stage: the number of
 * non-beacon frames the air has delivered, or the end of the 4-way
 * handshake (FUZZ_AIR_KEYED). A fuzz input then goes to ap_receive or
 * radio_receive, the functions the medium calls, in that state.
 *
 * Input layout after the stage byte: records of
 *   flags (1) | length (2, little endian, capped at FUZZ_AIR_MAX_FRAME) | bytes
 * flags bit 0: address 1 becomes the receiver's address; bit 1: address 2
 * the peer's; bit 2: address 3 the BSSID (so that random bytes reach the
 * paths of the associated station); bits 4-6: virtual time to run after the
 * frame, in steps of 20 ms. Each frame is copied into a heap block of
 * exactly its length, so AddressSanitizer sees any read past its end. */
#ifndef LINKRIG_TESTS_FUZZ_AIR_H
#define LINKRIG_TESTS_FUZZ_AIR_H

#include <stddef.h>
#include <stdint.h>

#include "ap_model/ap.h"
#include "radio_model/medium.h"
#include "radio_model/radio.h"
#include "sim/sim.h"

#define FUZZ_AIR_KEYED 15
#define FUZZ_AIR_MAX_FRAME 2346 /* the largest MPDU without FCS (802.11-2020 9.2.4.7.1, non-HT) */

typedef struct fuzz_air {
    sim *s;
    medium *m;
    medium_node *ap_node, *sta_node;
    ap *a;
    radio *r;
    unsigned delivered; /* non-beacon frames the air delivered */
    unsigned stop_after;
} fuzz_air;

/* Builds the rig and runs the join to stage (0..FUZZ_AIR_KEYED). Aborts on
 * a set-up failure: that is a bug of the rig, not a finding. */
void fuzz_air_open(fuzz_air *f, unsigned stage);
/* Feeds the records of data[0..len) to rx (ap_receive with the AP, or
 * radio_receive with the radio), then runs 2.6 s of virtual time so that
 * the timers the frames started fire (EAPOL retries, the radio's 2.5 s
 * handshake timeout). to_ap: the receiver is the AP. */
void fuzz_air_feed(fuzz_air *f, int to_ap, const uint8_t *data, size_t len);
void fuzz_air_close(fuzz_air *f);

#endif
