/* tcp_client.h — blocking TCP for device code, over lwIP's raw API.
 *
 * Device code is written in blocking style ("connect, send, close"), but
 * with NO_SYS=1 lwIP only calls back. These calls block the calling task on
 * HAL events while lwIP's callbacks (run at yield points) move the data, so
 * the rest of the device keeps running. Every wait is bounded by a timeout.
 * One task uses a connection at a time. Portable: HAL and lwIP only. */
#ifndef LINKRIG_FIRMWARE_TCP_CLIENT_H
#define LINKRIG_FIRMWARE_TCP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lwip/ip_addr.h"

enum {
    TCPC_OK = 0,
    TCPC_ETIMEDOUT = -20,
    TCPC_ERESET = -21,    /* aborted or reset by the peer / by lwIP */
    TCPC_ENOMEM = -22,
    TCPC_ECLOSED = -23,   /* connection already closed */
    TCPC_ECONNECT = -24,  /* connect refused or failed */
    TCPC_EABORTED = -25,  /* the poll function said to stop waiting */
};

typedef struct tcpc tcpc;

int tcpc_connect(tcpc **out, const ip_addr_t *ip, uint16_t port, uint32_t timeout_ms);
/* Queues all of data into lwIP (waiting for send-buffer space as needed).
 * Returns TCPC_OK or an error; on error some bytes may have been sent. */
int tcpc_send(tcpc *c, const void *data, size_t len, uint32_t timeout_ms);
/* Waits until everything sent has been acknowledged. */
int tcpc_flush(tcpc *c, uint32_t timeout_ms);
/* Up to cap bytes: returns the count (> 0), 0 at end of stream, or an error. */
int tcpc_recv(tcpc *c, void *buf, size_t cap, uint32_t timeout_ms);
/* While a call waits, fn(ctx) runs every period_ms (the device's main loop
 * keeps ticking: link checks, watchdogs); returning false abandons the wait
 * with TCPC_EABORTED. */
typedef bool (*tcpc_poll_fn)(void *ctx);
void tcpc_set_poll(tcpc *c, tcpc_poll_fn fn, void *ctx, uint32_t period_ms);

/* Closes (FIN) and frees; never blocks. */
void tcpc_close(tcpc *c);
const char *tcpc_strerror(int err);

#endif
