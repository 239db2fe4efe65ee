/* sim/airdecrypt.h — a decrypted copy of the air capture (--decrypted).
 *
 * What a sniffer that knows the networks' passphrases writes, as hostap's
 * wlantest does for its test suite: every frame the air capture records,
 * with each CCMP-protected data frame decrypted — CCMP header and MIC
 * removed, the Protected bit cleared — so that Wireshark shows DHCP, ARP and
 * TCP on the air without a key.
 *
 * It is a passive observer of the captured frames only (a capture tap, see
 * capture_config.tap), never of the models' keys: it learns each BSS's SSID
 * from its beacons, probe responses and association requests, takes the
 * PMK from the passphrase (PBKDF2, 802.11-2016 J.4), the PTK from each 4-way
 * handshake it hears (12.7.1.3; kept only when message 2's MIC verifies
 * with it, so a wrong passphrase decrypts nothing), the GTK from message 3
 * and from the group key handshake (12.7.6, 12.7.7). A frame it has no key
 * for (a handshake the monitor did not hear) is written as it was. What it
 * decrypts, a person with Wireshark and the passphrase could decrypt too. */
#ifndef LINKRIG_SIM_AIRDECRYPT_H
#define LINKRIG_SIM_AIRDECRYPT_H

#include <stddef.h>
#include <stdint.h>

#include "dot11/ccm_memo.h"
#include "dot11/pmk_cache.h"
#include "sim/capture.h"
#include "sim/clock.h"
#include "sim/err.h"

typedef struct airdecrypt airdecrypt;

/* Writes to out (not owned: the caller closes it after airdecrypt_free). */
airdecrypt *airdecrypt_create(capture *out, sim_err *err);
/* A network it may decrypt: SSID and passphrase (8..63 characters). */
int airdecrypt_add_network(airdecrypt *d, const char *ssid, const char *passphrase, sim_err *err);
/* The tap: one captured frame (radiotap + 802.11), read as untrusted bytes. */
void airdecrypt_frame(void *ctx, sim_time t, const uint8_t *frame, size_t len);
/* The world's CCM memo (dot11/ccm_memo.h) for its engine, or NULL: the
 * captured MPDUs are those the models encrypted, so most decryptions hit. */
void airdecrypt_set_ccm_memo(airdecrypt *d, dot11_ccm_memo *m);
/* The world's PSK derivations (dot11/pmk_cache.h) for airdecrypt_add_network,
 * or NULL (the default): derive each time. Not owned; must outlive d. */
void airdecrypt_set_pmk_cache(airdecrypt *d, dot11_pmk_cache *c);
/* Protected data frames written decrypted so far. */
uint64_t airdecrypt_decrypted(const airdecrypt *d);
void airdecrypt_free(airdecrypt *d);

#endif
