/* eap/eapol.c - see eapol.h. */
#include "eap/eapol.h"

#include <string.h>

size_t eapol_build(uint8_t *out, size_t cap, int type, const uint8_t *body, size_t body_len)
{
	if (!out || body_len > 0xffff || EAPOL_HDR_LEN + body_len > cap || (body_len && !body))
		return 0;
	out[0] = EAPOL_VERSION;
	out[1] = (uint8_t)type;
	out[2] = (uint8_t)(body_len >> 8);
	out[3] = (uint8_t)body_len;
	if (body_len)
		memcpy(out + EAPOL_HDR_LEN, body, body_len);
	return EAPOL_HDR_LEN + body_len;
}

int eapol_parse(const uint8_t *frame, size_t len, int *type, const uint8_t **body, size_t *body_len)
{
	if (!frame || len < EAPOL_HDR_LEN)
		return -1;
	size_t n = ((size_t)frame[2] << 8) | frame[3];
	if (n > len - EAPOL_HDR_LEN)
		return -1;
	/* 11.3.1: any version is accepted; the type decides. */
	if (type)
		*type = frame[1];
	if (body)
		*body = frame + EAPOL_HDR_LEN;
	if (body_len)
		*body_len = n;
	return 0;
}
