#include "tcp_client.h"

#include <stdlib.h>
#include <string.h>

#include "hal.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"

struct tcpc {
    struct tcp_pcb *pcb; /* NULL once lwIP has freed it (error callback) */
    hal_event *ev;
    err_t err;
    int connected;
    int eof;
    struct pbuf *rx;
    tcpc_poll_fn poll;
    void *poll_ctx;
    uint32_t poll_ms;
    bool aborted;
};

static void on_err(void *arg, err_t err)
{
    struct tcpc *c = arg;
    c->pcb = NULL; /* lwIP frees the pcb before calling this */
    c->err = err;
    hal_event_set(c->ev);
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct tcpc *c = arg;
    (void)pcb;
    c->connected = err == ERR_OK;
    hal_event_set(c->ev);
    return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    struct tcpc *c = arg;
    (void)pcb;
    (void)len;
    hal_event_set(c->ev);
    return ERR_OK;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct tcpc *c = arg;
    (void)pcb;
    (void)err;
    if (p == NULL)
        c->eof = 1;
    else if (c->rx == NULL)
        c->rx = p;
    else
        pbuf_cat(c->rx, p);
    hal_event_set(c->ev);
    return ERR_OK;
}

/* Waits for the next callback, up to the deadline (HAL_ETIMEDOUT after it),
 * running the poll function every poll period meanwhile. */
static int wait_event(struct tcpc *c, uint32_t deadline)
{
    for (;;) {
        int32_t left = hal_ticks_diff(deadline, hal_ticks_ms());
        if (left <= 0)
            return HAL_ETIMEDOUT;
        uint32_t slice = (uint32_t)left;
        if (c->poll != NULL && c->poll_ms > 0 && slice > c->poll_ms)
            slice = c->poll_ms;
        int rc = hal_event_wait(c->ev, slice);
        if (rc != HAL_ETIMEDOUT)
            return rc;
        if (c->poll != NULL && !c->poll(c->poll_ctx)) {
            c->aborted = true;
            return HAL_ETIMEDOUT;
        }
    }
}

void tcpc_set_poll(tcpc *c, tcpc_poll_fn fn, void *ctx, uint32_t period_ms)
{
    c->poll = fn;
    c->poll_ctx = ctx;
    c->poll_ms = period_ms;
}

static int timeout_or_abort(struct tcpc *c)
{
    if (c->aborted) {
        c->aborted = false;
        return TCPC_EABORTED;
    }
    return TCPC_ETIMEDOUT;
}

static int lwip_error(const struct tcpc *c)
{
    return c->err == ERR_MEM ? TCPC_ENOMEM : TCPC_ERESET;
}

int tcpc_connect(tcpc **out, const ip_addr_t *ip, uint16_t port, uint32_t timeout_ms)
{
    *out = NULL;
    struct tcpc *c = calloc(1, sizeof *c);
    if (c == NULL)
        return TCPC_ENOMEM;
    c->ev = hal_event_create();
    c->pcb = tcp_new_ip_type(IP_GET_TYPE(ip));
    if (c->ev == NULL || c->pcb == NULL) {
        if (c->pcb)
            tcp_abort(c->pcb);
        hal_event_destroy(c->ev);
        free(c);
        return TCPC_ENOMEM;
    }
    tcp_arg(c->pcb, c);
    tcp_err(c->pcb, on_err);
    tcp_recv(c->pcb, on_recv);
    tcp_sent(c->pcb, on_sent);
    if (tcp_connect(c->pcb, ip, port, on_connected) != ERR_OK) {
        tcp_abort(c->pcb);
        hal_event_destroy(c->ev);
        free(c);
        return TCPC_ECONNECT;
    }
    uint32_t deadline = hal_ticks_add(hal_ticks_ms(), (int32_t)timeout_ms);
    while (!c->connected && c->pcb != NULL) {
        if (wait_event(c, deadline) == HAL_ETIMEDOUT) {
            tcpc_close(c);
            return TCPC_ETIMEDOUT;
        }
    }
    if (!c->connected) {
        tcpc_close(c);
        return TCPC_ECONNECT;
    }
    *out = c;
    return TCPC_OK;
}

int tcpc_send(tcpc *c, const void *data, size_t len, uint32_t timeout_ms)
{
    const uint8_t *p = data;
    uint32_t deadline = hal_ticks_add(hal_ticks_ms(), (int32_t)timeout_ms);
    while (len > 0) {
        if (c->pcb == NULL)
            return lwip_error(c);
        size_t room = tcp_sndbuf(c->pcb);
        if (room == 0 || tcp_sndqueuelen(c->pcb) >= TCP_SND_QUEUELEN - 1) {
            tcp_output(c->pcb);
            if (wait_event(c, deadline) == HAL_ETIMEDOUT)
                return timeout_or_abort(c);
            continue;
        }
        size_t n = len < room ? len : room;
        if (n > 0xffff)
            n = 0xffff;
        err_t e = tcp_write(c->pcb, p, (u16_t)n, TCP_WRITE_FLAG_COPY);
        if (e == ERR_MEM) {
            tcp_output(c->pcb);
            if (wait_event(c, deadline) == HAL_ETIMEDOUT)
                return timeout_or_abort(c);
            continue;
        }
        if (e != ERR_OK)
            return TCPC_ERESET;
        p += n;
        len -= n;
    }
    if (c->pcb != NULL)
        tcp_output(c->pcb);
    return TCPC_OK;
}

int tcpc_flush(tcpc *c, uint32_t timeout_ms)
{
    uint32_t deadline = hal_ticks_add(hal_ticks_ms(), (int32_t)timeout_ms);
    while (c->pcb != NULL && (c->pcb->unacked != NULL || c->pcb->unsent != NULL)) {
        tcp_output(c->pcb);
        if (wait_event(c, deadline) == HAL_ETIMEDOUT)
            return timeout_or_abort(c);
    }
    return c->pcb != NULL ? TCPC_OK : lwip_error(c);
}

int tcpc_recv(tcpc *c, void *buf, size_t cap, uint32_t timeout_ms)
{
    uint32_t deadline = hal_ticks_add(hal_ticks_ms(), (int32_t)timeout_ms);
    while (c->rx == NULL) {
        if (c->eof)
            return 0;
        if (c->pcb == NULL)
            return lwip_error(c);
        if (wait_event(c, deadline) == HAL_ETIMEDOUT)
            return timeout_or_abort(c);
    }
    size_t n = c->rx->tot_len < cap ? c->rx->tot_len : cap;
    pbuf_copy_partial(c->rx, buf, (u16_t)n, 0);
    c->rx = pbuf_free_header(c->rx, (u16_t)n);
    if (c->pcb != NULL)
        tcp_recved(c->pcb, (u16_t)n); /* the window opens as the task reads */
    return (int)n;
}

void tcpc_close(tcpc *c)
{
    if (c == NULL)
        return;
    if (c->pcb != NULL) {
        tcp_arg(c->pcb, NULL);
        tcp_err(c->pcb, NULL);
        tcp_recv(c->pcb, NULL);
        tcp_sent(c->pcb, NULL);
        if (tcp_close(c->pcb) != ERR_OK)
            tcp_abort(c->pcb);
    }
    if (c->rx != NULL)
        pbuf_free(c->rx);
    hal_event_destroy(c->ev);
    free(c);
}

const char *tcpc_strerror(int err)
{
    switch (err) {
    case TCPC_OK: return "ok";
    case TCPC_ETIMEDOUT: return "timed out";
    case TCPC_ERESET: return "connection reset";
    case TCPC_ENOMEM: return "out of memory";
    case TCPC_ECLOSED: return "connection closed";
    case TCPC_ECONNECT: return "connect failed";
    case TCPC_EABORTED: return "abandoned (link lost)";
    default: return "unknown error";
    }
}
