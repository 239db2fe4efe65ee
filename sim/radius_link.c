/* sim/radius_link.c — see radius_link.h. */
#include "sim/radius_link.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim/trace.h"

#define PKT_MAX 4096
#define PENDING_MAX 16

typedef struct pending {
    radius_link *owner;
    int used;
    uint8_t pkt[PKT_MAX];
    size_t len;
} pending;

struct radius_link {
    sim *s;
    char name[32];
    int fd;
    sim_time latency;
    bool down;
    int wall_timeout_ms;
    radius_link_deliver_fn deliver;
    void *ctx;
    radius_link_capture_fn capture;
    void *capture_ctx;
    pending q[PENDING_MAX];
    /* Recent answers by (identifier, Request Authenticator): a resend of
     * an answered request gets the same answer, as RFC 2865 2's duplicate
     * detection has a server do, without asking a server that may still
     * count the request as in progress. */
    struct answered {
        int used;
        uint8_t key[17];
        uint8_t pkt[PKT_MAX];
        size_t len;
    } done[PENDING_MAX];
    int done_next;
};

radius_link *radius_link_create(sim *s, const char *name, uint16_t port, sim_time latency,
                                radius_link_deliver_fn deliver, void *ctx, sim_err *err)
{
    if (!s || !port || !deliver || latency < 0) {
        sim_err_set(err, SIM_EINVAL, "radius link: a port and a receiver are required");
        return NULL;
    }
    radius_link *l = calloc(1, sizeof *l);
    if (!l) {
        sim_err_set(err, SIM_ENOMEM, "radius link: out of memory");
        return NULL;
    }
    l->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct sockaddr_in me = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    /* Bound to loopback and connected: only the server's datagrams arrive. */
    if (l->fd < 0 || bind(l->fd, (struct sockaddr *)&me, sizeof me) != 0 ||
        connect(l->fd, (struct sockaddr *)&to, sizeof to) != 0) {
        sim_err_set(err, SIM_EIO, "radius link: socket to 127.0.0.1:%u: %s", port, strerror(errno));
        if (l->fd >= 0)
            close(l->fd);
        free(l);
        return NULL;
    }
    l->s = s;
    snprintf(l->name, sizeof l->name, "%s", name ? name : "radius");
    l->latency = latency;
    l->wall_timeout_ms = 2000;
    l->deliver = deliver;
    l->ctx = ctx;
    for (int i = 0; i < PENDING_MAX; i++)
        l->q[i].owner = l;
    return l;
}

void radius_link_destroy(radius_link *l)
{
    if (!l)
        return;
    close(l->fd);
    free(l);
}

void radius_link_set_capture(radius_link *l, radius_link_capture_fn fn, void *ctx)
{
    l->capture = fn;
    l->capture_ctx = ctx;
}

void radius_link_set_down(radius_link *l, bool down)
{
    l->down = down;
}

void radius_link_set_latency(radius_link *l, sim_time latency)
{
    if (latency >= 0)
        l->latency = latency;
}

int radius_link_set_port(radius_link *l, uint16_t port, sim_err *err)
{
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (!l || !port)
        return sim_err_set(err, SIM_EINVAL, "radius link: a port is required");
    /* connect() again on a datagram socket changes its peer: from now on
     * only the new server's datagrams arrive */
    if (connect(l->fd, (struct sockaddr *)&to, sizeof to) != 0)
        return sim_err_set(err, SIM_EIO, "radius link: socket to 127.0.0.1:%u: %s", port, strerror(errno));
    return SIM_OK;
}

void radius_link_set_wall_timeout(radius_link *l, int ms)
{
    if (ms > 0)
        l->wall_timeout_ms = ms;
}

static void deliver_cb(void *arg)
{
    pending *p = arg;
    radius_link *l = p->owner;
    if (l->capture)
        l->capture(l->capture_ctx, false, p->pkt, p->len);
    p->used = 0;
    l->deliver(l->ctx, p->pkt, p->len);
}

static void note(radius_link *l, const char *event, const char *msg)
{
    sim_trace_rec *r = sim_trace_begin(sim_trace_of(l->s), SIM_LOG_INFO, l->name, event);
    if (r) {
        if (msg)
            sim_trace_str(r, "msg", msg);
        sim_trace_end(r);
    }
}

void radius_link_send(void *link, const uint8_t *pkt, size_t len)
{
    radius_link *l = link;
    if (!l || !pkt || !len || len > PKT_MAX)
        return;
    if (l->capture)
        l->capture(l->capture_ctx, true, pkt, len);
    if (l->down) {
        note(l, "radius_lost", "server down");
        return;
    }
    pending *p = NULL;
    for (int i = 0; i < PENDING_MAX && !p; i++)
        if (!l->q[i].used)
            p = &l->q[i];
    if (!p) {
        note(l, "radius_lost", "too many replies in flight");
        return;
    }
    uint8_t key[17] = {0};
    if (len >= 20) {
        key[0] = pkt[1];
        memcpy(key + 1, pkt + 4, 16);
        for (int i = 0; i < PENDING_MAX; i++)
            if (l->done[i].used && memcmp(l->done[i].key, key, sizeof key) == 0) {
                memcpy(p->pkt, l->done[i].pkt, l->done[i].len);
                p->len = l->done[i].len;
                p->used = 1;
                note(l, "radius_duplicate", "answered from the earlier reply");
                sim_after(l->s, l->latency, deliver_cb, p);
                return;
            }
    }
    /* Old datagrams (answers to earlier retransmissions) are not this one's. */
    uint8_t junk[PKT_MAX];
    while (recv(l->fd, junk, sizeof junk, MSG_DONTWAIT) > 0)
        ;
    if (send(l->fd, pkt, len, 0) != (ssize_t)len) {
        note(l, "radius_lost", strerror(errno));
        return;
    }
    struct pollfd pfd = {.fd = l->fd, .events = POLLIN};
    int r;
    do
        r = poll(&pfd, 1, l->wall_timeout_ms);
    while (r < 0 && errno == EINTR);
    if (r <= 0) {
        note(l, "radius_lost", "no reply from the server");
        return;
    }
    uint8_t buf[PKT_MAX];
    ssize_t n = recv(l->fd, buf, sizeof buf, 0);
    if (n <= 0) {
        note(l, "radius_lost", strerror(errno));
        return;
    }
    struct answered *a = &l->done[l->done_next];
    l->done_next = (l->done_next + 1) % PENDING_MAX;
    a->used = len >= 20;
    memcpy(a->key, key, sizeof key);
    memcpy(a->pkt, buf, (size_t)n);
    a->len = (size_t)n;
    memcpy(p->pkt, buf, (size_t)n);
    p->len = (size_t)n;
    p->used = 1;
    sim_after(l->s, l->latency, deliver_cb, p);
}
