/* net_internal.h — shared by the network API's WLAN and LAN halves. */
#ifndef LINKRIG_FIRMWARE_NET_INTERNAL_H
#define LINKRIG_FIRMWARE_NET_INTERNAL_H

/* Records the message net_last_error() returns; returns code. */
int net_set_error(int code, const char *msg);

#endif
