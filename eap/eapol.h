/*
 * eap/eapol.h - EAPOL frames (IEEE 802.1X-2004 7.5, 11.3): the carrier of
 * EAP between a station and its AP, ethertype 0x888e.
 *
 *   version (1) | packet type (1) | body length (2, BE) | body
 *
 * Contract: eapol_parse() reads untrusted bytes, refuses a body length past
 * the buffer, and ignores octets after the body (padding, 7.5.1). No state.
 */
#ifndef LINKRIG_EAP_EAPOL_H
#define LINKRIG_EAP_EAPOL_H

#include <stddef.h>
#include <stdint.h>

#define EAPOL_VERSION 2 /* 802.1X-2004 */
#define EAPOL_HDR_LEN 4u
#define EAPOL_TYPE_EAP_PACKET 0
#define EAPOL_TYPE_START 1
#define EAPOL_TYPE_LOGOFF 2
#define EAPOL_TYPE_KEY 3

/* Returns the frame length, or 0 when it does not fit in cap. */
size_t eapol_build(uint8_t *out, size_t cap, int type, const uint8_t *body, size_t body_len);
/* 0 and the type and body, or -1 when malformed. */
int eapol_parse(const uint8_t *frame, size_t len, int *type, const uint8_t **body, size_t *body_len);

#endif
