/* sim/uplink.c — libslirp behind the AP, on virtual time.
 *
 * Clock and timers. Slirp reads the engine's virtual clock (clock_get_ns)
 * and its own timers (timer_new_opaque, which 4.7 uses with a version 4
 * config; timer_new is provided too) are scheduler events. In libslirp 4.7 those timers only drive IPv6 router
 * advertisements, which stay off here; the TCP/IP timers that matter
 * (delayed ACK "fasttimo" every 2 ms, retransmit/keepalive/2MSL "slowtimo"
 * every 500 ms, fragment and UDP expiry) are not timers at all: they run
 * inside slirp_pollfds_poll when enough virtual time has passed, and
 * slirp_pollfds_fill lowers the timeout it is given to 2 or 499 ms when one
 * is pending (and to at most 1000 ms otherwise, which we read as "nothing
 * due").
 *
 * The tick. So the uplink keeps one scheduler event, the tick, which polls
 * every fd slirp asks for with a zero timeout and then calls
 * slirp_pollfds_poll. After every input frame, tick and timer the uplink
 * asks slirp_pollfds_fill again and re-arms the tick for the earliest of:
 *   - now + slirp's timeout, when a TCP/IP timer is pending (< 1000 ms);
 *   - now + 10 ms, when slirp has any host socket to poll (listening port
 *     forwards included, so that they accept while virtual time runs free);
 *   - the end of the pacing hold (below), while the uplink has pacing on.
 * With none of these, no tick is queued, so an idle in-rig network leaves the
 * event queue alone and a run can end for lack of events.
 *
 * Fills skipped. slirp_pollfds_fill walks every socket (so its cost grows
 * with the stations of a world, once per guest frame), and it is not a pure
 * query: it sets time_fasttimo to curtime when a TCP socket has a delayed
 * ACK (TF_DELACK) and none is flagged yet, sets do_slowtimo (TCP sockets or
 * fragments present, or a UDP/ICMP socket yet to expire), detaches expired
 * UDP/ICMP sockets and adds the host fds. So the uplink skips it only when
 * it provably changes nothing and returns what the last one did (libslirp
 * 4.7.0's slirp.c, tcp_input.c, tcp_output.c, if.c). "Clean" (fill_clean)
 * holds from a fill that added no fd while no host socket is registered (so
 * no UDP/ICMP socket exists either) and timed out slow: no delayed ACK on
 * any socket (its curtime was not 0, which would read as unset) and
 * do_slowtimo set, so TCP sockets exist (fragments never reach slirp). It
 * survives:
 *   - slirp_sync: no fasttimo is flagged, and only TCP_REASS in tcp_input
 *     sets TF_DELACK. Its tcp_slowtimo may close sockets, though, so a sync
 *     that may run it sets slow_maybe: one at a curtime other than the last
 *     clean sync's (after a poll with do_slowtimo set, the slow timer is not
 *     due again within the same curtime);
 *   - an ARP frame: arp_input only answers and fills slirp's ARP table;
 *   - a guest segment with data and ACK and no SYN/FIN/RST/URG, during which
 *     its service's write callback got the bytes (tcp_input appended them:
 *     the fast path, which never sets TF_DELACK, or TCP_REASS) and after
 *     that slirp sent a frame with no SYN/FIN/RST. During slirp_input of a
 *     TCP segment slirp sends only from if_start inside if_output, which
 *     after the append only tcp_input's final tcp_output reaches, and
 *     tcp_output clears TF_DELACK once ip_output has taken its segment,
 *     whether what left is that segment or the ARP request slirp sends for
 *     it when the guest's address has left its 16-entry ARP table. Its
 *     connection then exists: slow_maybe is cleared.
 * A fill while clean and not slow_maybe is skipped. Any other call into
 * slirp (slirp_touch) makes the next fill a real one.
 *
 * Pacing. While slirp has host sockets carrying data (see host_active
 * below), the uplink turns the clock's pacing on at rate 1.0 (only if nobody
 * had it on already, and it only turns off what it turned on). It turns it
 * off 250 ms of virtual (= wall) time after the last such socket went
 * quiet: request after request to a host server then stays paced instead of
 * flapping between paced and free-running, and an observer that samples the
 * clock now and then still sees that a host exchange happened. While paced,
 * the clock's idle hook does the same poll as the tick but waits in ppoll()
 * for up to the wall time the clock has left, so the engine sleeps in the
 * kernel and host data is handled as it arrives. The idle hook never touches the
 * scheduler or the pacing itself: changing the rate inside the clock's wait
 * loop would break its arithmetic, so those decisions are taken in event
 * context (tick, input frame, timer, echo flush), at most 10 ms later.
 *
 * host_active. libslirp 4.7 calls register_poll_fd for the sockets it opens
 * for connections — NAT TCP connects (tcp_fconnect), accepted forward
 * connections (tcp_connect), NAT UDP (udp_attach) and ICMP (icmp_send) — and
 * never for listening forward sockets (tcpx_listen, udpx_listen), and it
 * calls unregister_poll_fd when it closes them. An fd in that set counts as
 * carrying data when the latest slirp_pollfds_fill asked to poll it, so a TCP
 * connection whose both directions are shut (slirp's TIME_WAIT) no longer
 * counts. Datagram sockets count only within 2 s of traffic through them,
 * because slirp keeps them for 240 s after the last packet (10 s for DNS)
 * and pacing a run for minutes after a single lookup would be wrong.
 *
 * In-rig services use slirp_add_guestfwd: the guest's bytes arrive through
 * a write callback, synchronously inside slirp_input, and bytes go back with
 * slirp_socket_recv. Limits of that API in 4.7, which shape this code:
 *  - the write callback has no connection identity, and slirp_socket_recv
 *    addresses the newest socket whose foreign address is the service's
 *    ip:port. So connections are counted by watching the guest's SYNs in
 *    uplink_input, the sink's CRC covers bytes in arrival order across all
 *    its connections, and the echo answers correctly only one connection at
 *    a time;
 *  - a guestfwd socket has no fd, so slirp never learns that the "service
 *    side" closed: after the guest's FIN slirp ACKs it and would stay in
 *    CLOSE_WAIT for good, with both socket buffers (about 260 KB), until
 *    uplink_destroy, and it never sends a FIN of its own. The only way 4.7
 *    offers to make slirp close one itself (and send that FIN) is an error
 *    path of slirp_socket_recv that also logs a glib critical, and it
 *    reaches only the newest connection to the service, not the one the
 *    guest closed. So the uplink closes the service's side itself, as a
 *    real server's close() after reading EOF would: once slirp has
 *    acknowledged the guest's FIN, the service owes nothing and the guest
 *    has acknowledged all slirp sent, it sends the guest the service's FIN
 *    (closing_send_fin: sequence number, acknowledgment and window taken
 *    from the connection's segments both ways, checksums computed, resent
 *    on the RTO until acknowledged). The guest's PCB then goes to TIME_WAIT
 *    as with a real server (lwIP reuses those; a PCB left in FIN_WAIT_2
 *    blocks a new connection for lwIP's 20 s). The guest's ACK of that FIN
 *    is not given to slirp, which never sent it: the uplink hands slirp a
 *    reset in the guest's name instead, at the sequence number after the
 *    guest's FIN — RFC 9293 §3.10.7.4: a reset in the window closes the
 *    connection in any synchronized state — and slirp frees the socket.
 *    The reset never reaches the wire or the captures. UPLINK_CLOSE_LINGER
 *    after the guest's FIN slirp's side ends that way in any case (a guest
 *    that never acknowledges the FIN); until then slirp's side is there to
 *    acknowledge a FIN whose first ACK was lost on the air. A connection
 *    that a DOWN service resets is ended in slirp the same way, at once,
 *    and so is one the guest abandoned (TCP keepalive, keepalive_check);
 *  - the callback's return value is ignored and slirp never stops reading
 *    from the guest, so the echo cannot push back: it keeps at most 4 MiB
 *    the guest has not taken yet and drops (and traces) the rest.
 * Echo replies are handed to slirp from a scheduler event rather than from
 * inside the write callback, which runs in the middle of slirp's tcp_input.
 * The greeter uses the same backlog: its greeting is queued at the guest's
 * SYN and leaves once slirp has completed the handshake (before that
 * slirp_socket_can_recv says 0), and the guest's segment being handled
 * (cur_*) tells whose partial line the bytes extend.
 *
 * UDP services do not go through slirp: 4.7's guest forwarding is TCP only,
 * and its UDP path either drops datagrams (restricted) or opens host
 * sockets. uplink_input hands them, and ARP for addresses only they use, to
 * services_intercept, which answers in the same event. Fault modes act there
 * too: a TCP service that is down is answered with resets without slirp
 * seeing the segment, and a slow one's segments are held back as scheduler
 * events and fed to slirp in their order. The DNS service may take slirp's
 * own DNS address because slirp never sees the datagrams sent to it.
 *
 * libslirp keeps its clock reading (curtime) in a process-wide variable that
 * only slirp_pollfds_poll updates, and reads it in slirp_pollfds_fill and
 * when it creates sockets. So before slirp_input and slirp_pollfds_fill the
 * uplink calls slirp_pollfds_poll with select_error set (due timers and
 * queued frames only, no sockets): sockets get expiry times from the present
 * and not from the last tick, which may be hours back, and uplinks of
 * different runs in one process do not see each other's time. */
#define _GNU_SOURCE /* ppoll: the idle wait is in ns; poll()'s ms would spin below 1 ms */
#include "sim/uplink.h"
#include "sim/bytes.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libdeflate.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <slirp/libslirp.h>

#define HOST_POLL_PERIOD SIM_MS(10)
#define DGRAM_LINGER SIM_SEC(2)
#define PACING_HOLD SIM_MS(250)
#define SLIRP_NOTHING_DUE_MS 1000u /* slirp_pollfds_fill's cap when no timer is pending */
#define SLIRP_TIMEOUT_FAST_MS 2u    /* its timeout while a delayed ACK is pending (TIMEOUT_FAST) */
#define ECHO_BACKLOG_MAX ((size_t)4 << 20)
/* How long slirp's side of a connection the guest closed stays (see the top
 * of the file): well past a station's FIN retransmissions over a lossy air
 * (lwIP's RTO starts at 3 s and doubles) and lwIP's 20 s FIN_WAIT_2 timeout,
 * the same order as TCP's 2 MSL (RFC 9293 §3.4.2). */
#define UPLINK_CLOSE_LINGER SIM_SEC(60)
#define SLIRP_CONFIG_VERSION_USED 4 /* disable_dhcp and timer_new_opaque need 4 */

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10
#define TCP_URG 0x20

struct upload { /* a run of bytes on one connection (UPLINK_UPLOAD_PAUSE) */
    bool open;
    uint32_t ip;
    uint16_t port;
    uint64_t conn;
    sim_time first, last;
    uint64_t bytes;
};

/* A connection's sequence space as the segments between the guest and
 * slirp show it: what the service's FIN takes its numbers from (the top of
 * the file). */
struct tcp_side {
    bool seen;           /* slirp has sent a segment */
    uint32_t snd_max;    /* the sequence number after the last slirp sent */
    uint16_t wnd;        /* the window slirp last advertised */
    bool acked;
    uint32_t ack;        /* the last acknowledgment slirp sent */
    bool guest_acked;
    uint32_t guest_ack;  /* the last acknowledgment the guest sent */
};

struct flow { /* a connection to a service the guest has not closed yet */
    uint32_t ip;
    uint16_t port;
    uint8_t mac[6];  /* the sender of its SYN: the device, whatever its address */
    struct upload up; /* sink: the upload in progress on this connection */
    uint64_t n;      /* the service's connection number */
    uint64_t bytes;  /* delivered to the service on it */
    sim_time opened; /* the guest's SYN */
    svc_greeter_conn *gc; /* greeter: the partial line */
    struct tcp_side sd;
    uint8_t slirp_mac[6]; /* where the guest sent its SYN */
    sim_time last_rx;     /* the guest's last segment on it (keepalive) */
    int probes;           /* keepalive probes unanswered */
};

struct service {
    uplink *u;
    uplink_service_kind kind;
    char name[32];
    bool udp;
    uint32_t ip;
    uint16_t port;
    uplink_service_mode mode;
    sim_time delay;    /* SLOW */
    size_t pending;    /* frames held back (SLOW), still queued */
    sim_time last_due; /* when the newest of them is due */
    svc_greeter *greeter;
    svc_dns_entry *names; /* DNS: the table, names owned */
    size_t nnames;
    int64_t epoch_s;   /* NTP */
    uplink_sink_stats stats;
    struct flow *flows;
    size_t nflows, capflows;
    uint8_t *backlog; /* echo: bytes slirp has not taken back yet */
    size_t boff, blen, bcap; /* they start at backlog + boff */
    struct upload up;  /* sink: bytes on no known connection (kept apart) */
    sim_timer_id up_ev; /* ends uploads after a pause */
    sim_timer_id ka_ev; /* the keepalive check, while it has connections */
};

struct hostfd {
    int fd;
    bool stream;
    bool polled;   /* asked for by the latest slirp_pollfds_fill */
    sim_time last; /* datagram sockets: last traffic */
};

/* A connection the guest closed (its FIN): the service closes too (its
 * FIN at fin_seq, resent until the guest acknowledges it), then slirp's
 * side ends with a reset at `seq` (the sequence number after the guest's
 * FIN); ev ends it at the latest after UPLINK_CLOSE_LINGER. */
struct closing {
    uplink *u;
    struct service *sv;
    uint32_t ip;
    uint16_t port;
    uint32_t seq;
    uint8_t guest_mac[6], slirp_mac[6];
    sim_timer_id ev;
    struct tcp_side sd;
    bool fin_sent;
    uint32_t fin_seq;
    int fin_tries;
    sim_timer_id fin_ev;
    struct closing *prev, *next;
};

/* A frame held back by a SLOW service: to slirp (the guest's segment) or
 * to the guest (a UDP service's reply). */
struct delayed {
    uplink *u;
    struct service *sv;
    bool to_guest;
    sim_timer_id ev;
    struct delayed *prev, *next;
    size_t len;
    uint8_t b[];
};

struct utimer {
    uplink *u;
    SlirpTimerCb cb; /* timer_new; NULL for timer_new_opaque */
    SlirpTimerId id;
    void *cb_opaque;
    sim_timer_id ev;
    struct utimer *prev, *next;
};

struct uplink {
    sim *s;
    char *name;
    uplink_config cfg;
    uplink_send_fn send;
    void *ctx;
    SlirpCb cb; /* slirp keeps a pointer to it */
    Slirp *slirp;

    struct pollfd *pfds;
    size_t npfds, cappfds;
    struct hostfd *hfds;
    size_t nhfds, caphfds;
    struct service **svcs;
    size_t nsvcs;
    uint32_t routers[16]; /* uplink_add_router */
    size_t nrouters;
    struct utimer *timers;

    uint32_t want_ms; /* slirp's timeout from the latest fill */
    sim_timer_id tick_ev;
    sim_time tick_at;
    sim_timer_id flush_ev;
    bool pacing_owned;
    sim_time active_at; /* when host_active was last seen true */
    bool in_idle;
    sim_time dgram_touch; /* the guest's last UDP/ICMP packet */
    uint64_t frames_out;
    uint16_t ip_id;       /* IPv4 identification of the frames services build */
    struct delayed *delayed;
    struct closing *closing;
    /* The guest segment slirp_input is handling: the write callbacks of
     * guestfwd carry no connection identity, and they run inside it. */
    struct service *cur_sv;
    uint32_t cur_ip;
    uint16_t cur_port;
    uint8_t cur_flags;
    uint32_t cur_fin_next;          /* a FIN's: the sequence number after it */
    uint8_t cur_dst_mac[6];         /* where the guest sent it: slirp's MAC */
    /* Skipping slirp_pollfds_fill when it would change nothing (top of the
     * file, "Fills skipped"). */
    bool fill_clean;   /* what the last fill found still holds (top of the file) */
    bool slow_maybe;   /* slirp's slow timer may have run since it was known to hold */
    bool nodue_valid;  /* slirp's slow timer is not due again at curtime nodue_ms */
    uint32_t nodue_ms;
    struct fill_probe {
        bool on;       /* a guest data segment is in slirp_input */
        bool written;  /* its service's write callback got bytes */
        bool answered; /* then slirp sent a frame */
        uint32_t sip; /* the service the segment is for */
        uint16_t sport;
    } probe;
    uint64_t fills_skipped;
};

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap * 2 : 8;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (q == NULL)
        return false;
    *p = q;
    *cap = n;
    return true;
}



static void ip_str(uint32_t ip, char out[16])
{
    snprintf(out, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff);
}

static struct in_addr in_addr_of(uint32_t ip)
{
    struct in_addr a = {.s_addr = htonl(ip)};
    return a;
}


static void trace_addr(sim_trace_rec *r, const char *key, uint32_t ip, uint16_t port)
{
    char a[16];
    ip_str(ip, a);
    sim_trace_strf(r, key, "%s:%u", a, port);
}

static int prefix_len(uint32_t netmask)
{
    int n = 0;
    while (n < 32 && (netmask & (0x80000000u >> n)))
        n++;
    return n;
}

/* The address lies in the virtual network and is not its network or
 * broadcast address. */
static bool in_net(const uplink_config *c, uint32_t ip)
{
    return (ip & c->netmask) == c->net && (ip & ~c->netmask) != 0 && (ip | c->netmask) != 0xffffffffu;
}

/* ------------------------------------------------------------------ */
/* Host sockets slirp opened for connections                           */
/* ------------------------------------------------------------------ */

static struct hostfd *hostfd_find(const uplink *u, int fd)
{
    for (size_t i = 0; i < u->nhfds; i++)
        if (u->hfds[i].fd == fd)
            return &u->hfds[i];
    return NULL;
}

static bool host_active(const uplink *u)
{
    sim_time now = sim_now(u->s);
    for (size_t i = 0; i < u->nhfds; i++) {
        const struct hostfd *h = &u->hfds[i];
        if (!h->polled)
            continue;
        if (h->stream)
            return true;
        sim_time last = h->last > u->dgram_touch ? h->last : u->dgram_touch;
        if (now - last < DGRAM_LINGER)
            return true;
    }
    return false;
}

static void cb_register_poll_fd(int fd, void *opaque)
{
    uplink *u = opaque;
    if (fd < 0 || hostfd_find(u, fd) != NULL)
        return;
    if (!grow((void **)&u->hfds, &u->caphfds, u->nhfds + 1, sizeof *u->hfds)) {
        sim_trace_msg(sim_trace_of(u->s), SIM_LOG_ERROR, u->name, "oom",
                      "cannot track host socket %d; pacing may stay off for it", fd);
        return;
    }
    int type = 0;
    socklen_t len = sizeof type;
    bool stream = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM;
    u->hfds[u->nhfds++] = (struct hostfd){.fd = fd, .stream = stream, .last = sim_now(u->s)};
    sim_trace_rec *r = sim_trace_begin(sim_trace_of(u->s), SIM_LOG_DEBUG, u->name, "host_socket");
    sim_trace_int(r, "fd", fd);
    sim_trace_str(r, "type", stream ? "stream" : "dgram");
    sim_trace_bool(r, "open", true);
    sim_trace_end(r);
}

static void cb_unregister_poll_fd(int fd, void *opaque)
{
    uplink *u = opaque;
    struct hostfd *h = hostfd_find(u, fd);
    if (h == NULL) /* listening sockets and guestfwd sockets (fd -1) land here */
        return;
    *h = u->hfds[--u->nhfds];
    sim_trace_rec *r = sim_trace_begin(sim_trace_of(u->s), SIM_LOG_DEBUG, u->name, "host_socket");
    sim_trace_int(r, "fd", fd);
    sim_trace_bool(r, "open", false);
    sim_trace_end(r);
}

/* ------------------------------------------------------------------ */
/* Polling                                                             */
/* ------------------------------------------------------------------ */

static int cb_add_poll(int fd, int events, void *opaque)
{
    uplink *u = opaque;
    if (!grow((void **)&u->pfds, &u->cappfds, u->npfds + 1, sizeof *u->pfds))
        return -1; /* slirp then treats the socket as not polled this round */
    short ev = 0;
    if (events & SLIRP_POLL_IN)
        ev |= POLLIN;
    if (events & SLIRP_POLL_OUT)
        ev |= POLLOUT;
    if (events & SLIRP_POLL_PRI)
        ev |= POLLPRI;
    u->pfds[u->npfds] = (struct pollfd){.fd = fd, .events = ev};
    struct hostfd *h = hostfd_find(u, fd);
    if (h != NULL)
        h->polled = true;
    return (int)u->npfds++;
}

static int cb_get_revents(int idx, void *opaque)
{
    uplink *u = opaque;
    if (idx < 0 || (size_t)idx >= u->npfds)
        return 0;
    short re = u->pfds[idx].revents;
    int out = 0;
    if (re & POLLIN)
        out |= SLIRP_POLL_IN;
    if (re & POLLOUT)
        out |= SLIRP_POLL_OUT;
    if (re & POLLPRI)
        out |= SLIRP_POLL_PRI;
    if (re & POLLERR)
        out |= SLIRP_POLL_ERR;
    if (re & POLLHUP)
        out |= SLIRP_POLL_HUP;
    if (out != 0) {
        struct hostfd *h = hostfd_find(u, u->pfds[idx].fd);
        if (h != NULL)
            h->last = sim_now(u->s);
    }
    return out;
}

/* libslirp's clock reading: unsigned milliseconds (curtime). */
static uint32_t slirp_curtime(const uplink *u)
{
    return (uint32_t)(sim_now(u->s) / SIM_MS(1));
}

/* Runs slirp's due timers and sends its queued frames, without touching
 * sockets, and brings libslirp's clock reading to the present. */
static void slirp_sync(uplink *u)
{
    /* Its timers run here: tcp_slowtimo when do_slowtimo is set and 499 ms
     * of slirp's curtime passed since the last run. While clean it is set,
     * so after this poll it is not due again within the same curtime. */
    uint32_t ms = slirp_curtime(u);
    if (u->fill_clean) {
        if (!u->nodue_valid || u->nodue_ms != ms)
            u->slow_maybe = true;
        u->nodue_valid = true;
        u->nodue_ms = ms;
    } else {
        u->nodue_valid = false;
    }
    slirp_pollfds_poll(u->slirp, 1, cb_get_revents, u);
}

/* Any call into slirp but slirp_sync and a probed guest segment: what
 * slirp_pollfds_fill would find is no longer known. */
static void slirp_touch(uplink *u)
{
    u->fill_clean = false;
    u->probe.on = false;
}

static void slirp_fill(uplink *u)
{
    slirp_sync(u);
    if (u->fill_clean && !u->slow_maybe && u->nhfds == 0) {
        /* The same state, want_ms and (no) pollfds as a fill would leave. */
        u->fills_skipped++;
        return;
    }
    u->npfds = 0;
    for (size_t i = 0; i < u->nhfds; i++)
        u->hfds[i].polled = false;
    uint32_t t = UINT32_MAX;
    slirp_pollfds_fill(u->slirp, &t, cb_add_poll, u);
    u->want_ms = t;
    /* Clean: no TCP delayed ACK pending (time_fasttimo 0: a timeout above
     * SLIRP_TIMEOUT_FAST_MS; its "curtime" was not 0, which would look unset),
     * TCP sockets present (the slow timeout), and no host socket at all. */
    u->fill_clean = u->npfds == 0 && u->nhfds == 0 && t > SLIRP_TIMEOUT_FAST_MS && t < SLIRP_NOTHING_DUE_MS &&
                    slirp_curtime(u) != 0;
    u->slow_maybe = false;
}

/* One round of host I/O: waits up to wait_ns for slirp's sockets. Returns
 * nonzero when something happened (a socket was ready or a frame went to
 * the guest). */
static int host_io(uplink *u, int64_t wait_ns)
{
    uint64_t out_before = u->frames_out;
    slirp_fill(u);
    if (wait_ns < 0)
        wait_ns = 0;
    struct timespec ts = {.tv_sec = (time_t)(wait_ns / 1000000000), .tv_nsec = (long)(wait_ns % 1000000000)};
    /* Nothing to watch and no time to wait: ppoll would return 0 at once,
     * and a system call per slirp tick is most of an idle uplink's cost. */
    int rc = u->npfds == 0 && wait_ns == 0 ? 0 : ppoll(u->pfds, (nfds_t)u->npfds, &ts, NULL);
    if (rc < 0)
        for (size_t i = 0; i < u->npfds; i++)
            u->pfds[i].revents = 0;
    slirp_touch(u);
    slirp_pollfds_poll(u->slirp, rc < 0, cb_get_revents, u);
    return rc > 0 || u->frames_out != out_before;
}

static void tick_event(void *arg);
static void flush_event(void *arg);

static void update_pacing(uplink *u)
{
    sim_clock *c = sim_clock_of(u->s);
    sim_time now = sim_now(u->s);
    bool active = host_active(u);
    if (active)
        u->active_at = now;
    else if (u->pacing_owned && now - u->active_at < PACING_HOLD)
        active = true;
    bool change = false;
    if (active && !sim_clock_pacing(c)) {
        sim_clock_set_pacing(c, 1.0);
        u->pacing_owned = true;
        change = true;
    } else if (!active && u->pacing_owned) {
        if (sim_clock_pacing(c))
            sim_clock_set_pacing(c, 0);
        u->pacing_owned = false;
        change = true;
    }
    if (change) {
        sim_trace_rec *r = sim_trace_begin(sim_trace_of(u->s), SIM_LOG_INFO, u->name, "pacing");
        sim_trace_bool(r, "on", active);
        sim_trace_int(r, "host_sockets", (int64_t)u->nhfds);
        sim_trace_end(r);
    }
}

static void schedule_tick(uplink *u)
{
    sim_time now = sim_now(u->s);
    sim_time want = SIM_TIME_MAX;
    if (u->want_ms < SLIRP_NOTHING_DUE_MS)
        want = now + SIM_MS(u->want_ms);
    if (u->npfds > 0 && want > now + HOST_POLL_PERIOD)
        want = now + HOST_POLL_PERIOD;
    if (u->pacing_owned && want > u->active_at + PACING_HOLD)
        want = u->active_at + PACING_HOLD; /* to end the hold */
    if (want == SIM_TIME_MAX)
        return; /* a tick already queued is harmless: it finds nothing */
    if (u->tick_ev != 0) {
        if (u->tick_at <= want)
            return;
        sim_cancel(u->s, u->tick_ev);
    }
    u->tick_at = want;
    u->tick_ev = sim_at(u->s, want, tick_event, u);
}

static void closings_consider(uplink *u);

/* After anything that may have changed slirp's state; never from the idle hook. */
static void after_slirp(uplink *u)
{
    closings_consider(u);
    slirp_fill(u);
    update_pacing(u);
    schedule_tick(u);
}

static int idle_hook(void *ctx, int64_t max_wait_ns)
{
    uplink *u = ctx;
    u->in_idle = true;
    int did = host_io(u, max_wait_ns);
    u->in_idle = false;
    return did;
}

/* ------------------------------------------------------------------ */
/* In-rig services                                                     */
/* ------------------------------------------------------------------ */

static struct service *service_find_p(const uplink *u, bool udp, uint32_t ip, uint16_t port)
{
    for (size_t i = 0; i < u->nsvcs; i++)
        if (u->svcs[i]->udp == udp && u->svcs[i]->ip == ip && u->svcs[i]->port == port)
            return u->svcs[i];
    return NULL;
}

/* A TCP service (a guest forward). */
static struct service *service_find(const uplink *u, uint32_t ip, uint16_t port)
{
    return service_find_p(u, false, ip, port);
}

static struct service *service_named(const uplink *u, const char *name)
{
    for (size_t i = 0; i < u->nsvcs; i++)
        if (strcmp(u->svcs[i]->name, name) == 0)
            return u->svcs[i];
    return NULL;
}

static void schedule_flush(uplink *u)
{
    /* From the idle hook the tick does it instead (no scheduling there). */
    if (u->flush_ev == 0 && !u->in_idle)
        u->flush_ev = sim_after(u->s, 0, flush_event, u);
}

static void trace_echo_drop(uplink *u, const struct service *sv, size_t bytes, const char *why)
{
    sim_trace_rec *r = sim_trace_begin(sim_trace_of(u->s), SIM_LOG_WARN, u->name, "echo_drop");
    trace_addr(r, "service", sv->ip, sv->port);
    sim_trace_int(r, "bytes", (int64_t)bytes);
    sim_trace_str(r, "why", why);
    sim_trace_end(r);
}

static struct flow *flow_find(const struct service *sv, uint32_t ip, uint16_t port);

static void trace_mac(sim_trace_rec *r, const char *key, const uint8_t mac[6])
{
    sim_trace_strf(r, key, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

/* mac NULL: the bytes came on no connection the uplink saw open. */
static void upload_end(uplink *u, struct service *sv, struct upload *up, const uint8_t *mac)
{
    if (!up->open)
        return;
    up->open = false;
    sim_trace_rec *r = sim_trace_begin(sim_trace_of(u->s), SIM_LOG_INFO, u->name, "upload");
    trace_addr(r, "service", sv->ip, sv->port);
    trace_addr(r, "from", up->ip, up->port);
    if (mac != NULL)
        trace_mac(r, "mac", mac);
    sim_trace_int(r, "conn", (int64_t)up->conn);
    sim_trace_int(r, "first", up->first);
    sim_trace_int(r, "last", up->last);
    sim_trace_int(r, "bytes", (int64_t)up->bytes);
    sim_trace_end(r);
}

/* Ends every upload that has been quiet for the pause; each connection
 * has its own, so two devices uploading at once stay two uploads. */
static void upload_check(void *arg)
{
    struct service *sv = arg;
    uplink *u = sv->u;
    sim_time now = sim_now(u->s), next = -1;
    sv->up_ev = 0;
    for (size_t i = 0; i <= sv->nflows; i++) {
        struct upload *up = i < sv->nflows ? &sv->flows[i].up : &sv->up;
        if (!up->open)
            continue;
        sim_time quiet_at = up->last + UPLINK_UPLOAD_PAUSE;
        if (now >= quiet_at)
            upload_end(u, sv, up, i < sv->nflows ? sv->flows[i].mac : NULL);
        else if (next < 0 || quiet_at < next)
            next = quiet_at;
    }
    if (next >= 0)
        sv->up_ev = sim_at(u->s, next, upload_check, sv);
}

/* Bytes for the sink, from the guest segment slirp is handling (cur_*). */
static void upload_add(uplink *u, struct service *sv, size_t len)
{
    sim_time now = sim_now(u->s);
    bool mine = u->cur_sv == sv;
    uint32_t ip = mine ? u->cur_ip : 0;
    uint16_t port = mine ? u->cur_port : 0;
    struct flow *f = mine ? flow_find(sv, ip, port) : NULL;
    if (f != NULL)
        f->bytes += len;
    struct upload *up = f != NULL ? &f->up : &sv->up;
    if (up->open && (up->ip != ip || up->port != port || now - up->last >= UPLINK_UPLOAD_PAUSE))
        upload_end(u, sv, up, f != NULL ? f->mac : NULL);
    if (!up->open) {
        *up = (struct upload){.open = true, .ip = ip, .port = port, .conn = f ? f->n : 0, .first = now};
        sv->stats.uploads++;
    }
    up->last = now;
    up->bytes += len;
    /* From the idle hook no event may be queued; the next write or the
     * flush ends the upload instead. */
    if (sv->up_ev == 0 && !u->in_idle)
        sv->up_ev = sim_at(u->s, now + UPLINK_UPLOAD_PAUSE, upload_check, sv);
}

/* The write callback of the probed segment's service ran: slirp appended its
 * data (the fast path or TCP_REASS of tcp_input). */
static void probe_written(struct service *sv)
{
    struct fill_probe *pr = &sv->u->probe;
    if (pr->on && sv->ip == pr->sip && sv->port == pr->sport)
        pr->written = true;
}

static ssize_t sink_write(const void *buf, size_t len, void *opaque)
{
    struct service *sv = opaque;
    probe_written(sv);
    sv->stats.bytes += len;
    /* libdeflate's CRC-32 (IEEE, zlib's convention) folds with carry-less
     * multiplication where the CPU has it: the sink checksums every byte of
     * a day of uploads, and this is the fastest well-kept implementation. */
    sv->stats.crc32 = libdeflate_crc32(sv->stats.crc32, buf, len);
    upload_add(sv->u, sv, len);
    return (ssize_t)len;
}

/* Bytes a TCP service sends to the guest: queued for flush_echoes. In
 * WRONG mode every byte's lowest bit is flipped on the way in. */
static void backlog_push(struct service *sv, const uint8_t *buf, size_t len)
{
    uplink *u = sv->u;
    size_t take = len;
    if (take > ECHO_BACKLOG_MAX - sv->blen)
        take = ECHO_BACKLOG_MAX - sv->blen;
    if (sv->boff > 0 && sv->boff + sv->blen + take > sv->bcap) {
        memmove(sv->backlog, sv->backlog + sv->boff, sv->blen);
        sv->boff = 0;
    }
    if (take > 0 && grow((void **)&sv->backlog, &sv->bcap, sv->boff + sv->blen + take, 1)) {
        uint8_t *dst = sv->backlog + sv->boff + sv->blen;
        memcpy(dst, buf, take);
        if (sv->mode == UPLINK_SVC_WRONG)
            for (size_t i = 0; i < take; i++)
                dst[i] ^= 0x01;
        sv->blen += take;
    } else {
        take = 0;
    }
    if (take < len)
        trace_echo_drop(u, sv, len - take, "the guest does not read its echo");
    if (sv->blen > 0)
        schedule_flush(u);
}

static ssize_t echo_write(const void *buf, size_t len, void *opaque)
{
    struct service *sv = opaque;
    probe_written(sv);
    sv->stats.bytes += len;
    backlog_push(sv, buf, len);
    return (ssize_t)len;
}

static void greeter_out(void *ctx, const uint8_t *bytes, size_t len)
{
    backlog_push(ctx, bytes, len);
}

/* The guest's bytes to a greeter, on the connection slirp_input is handling
 * (cur_*): each connection has its own partial line. */
static ssize_t greeter_write(const void *buf, size_t len, void *opaque)
{
    struct service *sv = opaque;
    probe_written(sv);
    uplink *u = sv->u;
    sv->stats.bytes += len;
    struct flow *f = u->cur_sv == sv ? flow_find(sv, u->cur_ip, u->cur_port) : NULL;
    if (f == NULL)
        return (ssize_t)len; /* bytes of a connection seen before its SYN: no line state to add them to */
    if (f->gc == NULL && (f->gc = calloc(1, sizeof *f->gc)) == NULL)
        return (ssize_t)len;
    f->bytes += len;
    svc_greeter_input(sv->greeter, f->gc, buf, len, greeter_out, sv);
    return (ssize_t)len;
}

static void flush_echoes(uplink *u)
{
    for (size_t i = 0; i < u->nsvcs; i++) {
        struct service *sv = u->svcs[i];
        if ((sv->kind != UPLINK_SERVICE_ECHO && sv->kind != UPLINK_SERVICE_GREETER) || sv->blen == 0)
            continue;
        struct in_addr a = in_addr_of(sv->ip);
        while (sv->blen > 0) {
            /* Never more than can_recv allows: a larger slirp_socket_recv
             * takes slirp's "buffer too small" path, which closes the
             * connection. */
            slirp_touch(u);
            size_t room = slirp_socket_can_recv(u->slirp, a, sv->port);
            if (room == 0)
                break;
            size_t n = sv->blen < room ? sv->blen : room;
            if (n > INT_MAX)
                n = INT_MAX;
            slirp_socket_recv(u->slirp, a, sv->port, sv->backlog + sv->boff, (int)n);
            sv->boff += n;
            sv->blen -= n;
        }
        if (sv->blen == 0)
            sv->boff = 0;
    }
}

static void flush_event(void *arg)
{
    uplink *u = arg;
    u->flush_ev = 0;
    flush_echoes(u);
    after_slirp(u);
}

static void cb_notify(void *opaque)
{
    uplink *u = opaque;
    for (size_t i = 0; i < u->nsvcs; i++)
        if (u->svcs[i]->blen > 0) {
            schedule_flush(u);
            return;
        }
}

static struct flow *flow_find(const struct service *sv, uint32_t ip, uint16_t port)
{
    for (size_t i = 0; i < sv->nflows; i++)
        if (sv->flows[i].ip == ip && sv->flows[i].port == port)
            return &sv->flows[i];
    return NULL;
}

static void closing_add(uplink *u, struct service *sv, uint32_t ip, uint16_t port, uint32_t seq,
                        const uint8_t guest_mac[6], const uint8_t slirp_mac[6], const struct tcp_side *sd);
static void closing_drop(uplink *u, const struct service *sv, uint32_t ip, uint16_t port);

static void keepalive_schedule(uplink *u, struct service *sv);

static void flow_syn(uplink *u, struct service *sv, uint32_t ip, uint16_t port, const uint8_t mac[6],
                     const uint8_t slirp_mac[6])
{
    if (flow_find(sv, ip, port) != NULL)
        return; /* a retransmitted SYN, not a new connection */
    /* the port reused: what slirp had of the old connection is its own now */
    closing_drop(u, sv, ip, port);
    if (!grow((void **)&sv->flows, &sv->capflows, sv->nflows + 1, sizeof *sv->flows))
        return;
    sv->stats.connections++;
    struct flow *f = &sv->flows[sv->nflows++];
    *f = (struct flow){.ip = ip, .port = port, .n = sv->stats.connections, .opened = sim_now(u->s),
                       .last_rx = sim_now(u->s)};
    memcpy(f->mac, mac, 6);
    memcpy(f->slirp_mac, slirp_mac, 6);
    keepalive_schedule(u, sv);
    sim_trace_rec *r = sim_trace_begin(sim_trace_of(u->s), SIM_LOG_INFO, u->name, "service_conn");
    trace_addr(r, "service", sv->ip, sv->port);
    trace_addr(r, "from", ip, port);
    trace_mac(r, "mac", mac);
    sim_trace_int(r, "n", (int64_t)sv->stats.connections);
    sim_trace_end(r);
    /* The greeter speaks first; the bytes wait in the backlog until slirp
     * has completed the handshake (slirp_socket_can_recv is 0 before). */
    if (sv->kind == UPLINK_SERVICE_GREETER)
        svc_greeter_hello(sv->greeter, greeter_out, sv);
}

/* A FIN or RST from the guest. After a FIN the echo still owes the guest
 * what it sent (a half-close); after a reset, with no other connection
 * open, nobody will take those bytes. */
static void flow_end(uplink *u, struct service *sv, uint32_t ip, uint16_t port, bool reset)
{
    struct flow *f = flow_find(sv, ip, port);
    if (reset)
        closing_drop(u, sv, ip, port); /* slirp has freed it already */
    else if (f != NULL)
        closing_add(u, sv, ip, port, u->cur_fin_next, f->mac, u->cur_dst_mac, &f->sd);
    if (f != NULL) {
        upload_end(u, sv, &f->up, f->mac);
        sim_trace_rec *r = sim_trace_begin(sim_trace_of(u->s), SIM_LOG_INFO, u->name, "service_close");
        trace_addr(r, "service", sv->ip, sv->port);
        trace_addr(r, "from", ip, port);
        trace_mac(r, "mac", f->mac);
        sim_trace_int(r, "n", (int64_t)f->n);
        sim_trace_int(r, "bytes", (int64_t)f->bytes);
        sim_trace_int(r, "opened", f->opened);
        sim_trace_bool(r, "reset", reset);
        sim_trace_end(r);
        free(f->gc);
        *f = sv->flows[--sv->nflows];
        if (sv->nflows == 0) { /* no keepalive event left to keep the queue busy */
            sim_cancel(u->s, sv->ka_ev);
            sv->ka_ev = 0;
        }
    }
    if (reset && sv->nflows == 0 && sv->blen > 0) {
        trace_echo_drop(u, sv, sv->blen, "connection reset");
        sv->blen = 0;
        sv->boff = 0;
    }
}

/* Ones' complement sum over the TCP pseudo-header and segment. */
static bool tcp_checksum_ok(const uint8_t *ip, const uint8_t *seg, size_t len)
{
    uint32_t sum = 0;
    for (int i = 12; i < 20; i += 2)
        sum += rd16(ip + i);
    sum += 6 + (uint32_t)len;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += rd16(seg + i);
    if (len & 1)
        sum += (uint32_t)seg[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
}

/* The guest's TCP segments to a service tell connections apart, which the
 * guestfwd API does not (see the top of the file). */
static void inspect_guest_frame(uplink *u, const uint8_t *eth, size_t len)
{
    if (len < 14 + 20 || rd16(eth + 12) != 0x0800)
        return;
    const uint8_t *ip = eth + 14;
    size_t iplen = len - 14;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    if ((ip[0] >> 4) != 4 || ihl < 20 || ihl > iplen)
        return;
    size_t total = rd16(ip + 2);
    if (total < ihl || total > iplen)
        return;
    uint8_t proto = ip[9];
    if (proto == 1 || proto == 17) {
        u->dgram_touch = sim_now(u->s);
        return;
    }
    if (proto != 6 || (rd16(ip + 6) & 0x1fff) != 0 || total - ihl < 20 || u->nsvcs == 0)
        return;
    const uint8_t *tcp = ip + ihl;
    struct service *sv = service_find(u, rd32(ip + 16), rd16(tcp + 2));
    if (sv == NULL)
        return;
    uint32_t src = rd32(ip + 12);
    uint16_t sport = rd16(tcp);
    uint8_t flags = tcp[13];
    u->cur_sv = sv;
    u->cur_ip = src;
    u->cur_port = sport;
    u->cur_flags = 0;
    if ((flags & (TCP_FIN | TCP_SYN | TCP_RST | TCP_ACK | TCP_URG)) == TCP_SYN) {
        /* What slirp's tcp_input takes as a new connection; a SYN it would
         * drop for a bad checksum is not one. */
        if (tcp_checksum_ok(ip, tcp, total - ihl))
            flow_syn(u, sv, src, sport, eth + 6, eth);
    } else {
        /* A FIN may carry the last bytes: the flow ends after slirp_input
         * has delivered them (uplink_input). */
        u->cur_flags = flags & (TCP_FIN | TCP_RST);
        size_t doff = (size_t)(tcp[12] >> 4) * 4;
        size_t payload = doff >= 20 && doff <= total - ihl ? total - ihl - doff : 0;
        u->cur_fin_next = rd32(tcp + 4) + (uint32_t)payload + 1;
        memcpy(u->cur_dst_mac, eth, 6);
    }
}


/* ------------------------------------------------------------------ */
/* Services before slirp: UDP services, ARP for their addresses, and    */
/* the fault modes of TCP services                                     */
/* ------------------------------------------------------------------ */

static void deliver(uplink *u, const uint8_t *eth, size_t len);
static void service_free(struct service *sv);

/* A checked IPv4 packet in a guest frame. */
struct ip4 {
    const uint8_t *ip, *l4;
    size_t ihl, l4len;
    uint8_t proto;
    uint32_t src, dst;
};

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += rd16(p + i);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

/* The pseudo-header sum of RFC 768 / RFC 9293 §3.1. */
static uint32_t pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
    return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + (uint32_t)len;
}

/* Version, header length, total length, header checksum, not a fragment
 * (services do not reassemble). */
static bool parse_ip4(const uint8_t *eth, size_t len, struct ip4 *p)
{
    if (len < 14 + 20 || rd16(eth + 12) != 0x0800)
        return false;
    const uint8_t *ip = eth + 14;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    size_t total = rd16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < 20 || total < ihl || total > len - 14)
        return false;
    if (fold(sum16(ip, ihl, 0)) != 0xffff)
        return false;
    if ((rd16(ip + 6) & 0x3fff) != 0) /* MF or a fragment offset */
        return false;
    *p = (struct ip4){.ip = ip, .l4 = ip + ihl, .ihl = ihl, .l4len = total - ihl, .proto = ip[9],
                      .src = rd32(ip + 12), .dst = rd32(ip + 16)};
    return true;
}



static void delayed_fire(void *arg)
{
    struct delayed *d = arg;
    uplink *u = d->u;
    if (d->prev != NULL)
        d->prev->next = d->next;
    else
        u->delayed = d->next;
    if (d->next != NULL)
        d->next->prev = d->prev;
    d->sv->pending--;
    if (d->to_guest) {
        u->frames_out++;
        u->send(u->ctx, d->b, d->len);
    } else {
        deliver(u, d->b, d->len);
    }
    free(d);
}

/* Holds a frame back for the service's delay, behind any it already holds,
 * so that a service's frames keep their order when the delay changes. */
static void hold_frame(uplink *u, struct service *sv, bool to_guest, const uint8_t *b, size_t len)
{
    struct delayed *d = malloc(sizeof *d + len);
    if (d == NULL)
        return; /* lost, as on a congested path */
    *d = (struct delayed){.u = u, .sv = sv, .to_guest = to_guest, .len = len, .next = u->delayed};
    memcpy(d->b, b, len);
    sim_time due = sim_now(u->s) + (sv->mode == UPLINK_SVC_SLOW ? sv->delay : 0);
    if (sv->pending > 0 && due < sv->last_due)
        due = sv->last_due;
    d->ev = sim_at(u->s, due, delayed_fire, d);
    if (d->ev == 0) {
        free(d);
        return;
    }
    if (u->delayed != NULL)
        u->delayed->prev = d;
    u->delayed = d;
    sv->pending++;
    sv->last_due = due;
}

/* An IPv4 packet to the guest: Ethernet addresses swapped from the guest's
 * frame req, IPv4 header built here (TTL 64, RFC 1122 §3.2.1.7), the
 * transport checksum (at ck_off in l4) filled in. */
static void send_ip4(uplink *u, struct service *sv, bool may_hold, const uint8_t *req, uint8_t proto, uint32_t src,
                     uint32_t dst, uint8_t *l4, size_t l4len, size_t ck_off)
{
    size_t len = 14 + 20 + l4len;
    if (l4len > 65535 - 20)
        return;
    uint8_t *f = malloc(len < 60 ? 60 : len);
    if (f == NULL)
        return;
    memcpy(f, req + 6, 6);
    memcpy(f + 6, req, 6);
    wr16(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    wr16(ip + 2, (uint16_t)(20 + l4len));
    wr16(ip + 4, u->ip_id++);
    ip[8] = 64;
    ip[9] = proto;
    wr32(ip + 12, src);
    wr32(ip + 16, dst);
    wr16(ip + 10, (uint16_t)~fold(sum16(ip, 20, 0)));
    wr16(l4 + ck_off, 0);
    uint16_t ck = (uint16_t)~fold(sum16(l4, l4len, pseudo_sum(src, dst, proto, l4len)));
    if (proto == 17 && ck == 0)
        ck = 0xffff; /* RFC 768: a computed 0 is sent as all ones */
    wr16(l4 + ck_off, ck);
    memcpy(ip + 20, l4, l4len);
    if (len < 60) { /* the Ethernet minimum, zero padding */
        memset(f + len, 0, 60 - len);
        len = 60;
    }
    if (may_hold && (sv->mode == UPLINK_SVC_SLOW || sv->pending > 0)) {
        hold_frame(u, sv, true, f, len);
    } else {
        u->frames_out++;
        u->send(u->ctx, f, len);
    }
    free(f);
}

/* RFC 9293 §3.10.7.1 (a segment for a connection that does not exist): a
 * reset, never one in answer to a reset. */
static void send_rst(uplink *u, struct service *sv, const uint8_t *req, const struct ip4 *p)
{
    const uint8_t *t = p->l4;
    size_t off = (size_t)(t[12] >> 4) * 4;
    uint8_t flags = t[13];
    if ((flags & TCP_RST) || off < 20 || off > p->l4len)
        return;
    uint8_t seg[20] = {0};
    wr16(seg, rd16(t + 2));
    wr16(seg + 2, rd16(t));
    if (flags & TCP_ACK) {
        wr32(seg + 4, rd32(t + 8));
        seg[13] = TCP_RST;
    } else {
        uint32_t seglen = (uint32_t)(p->l4len - off) + ((flags & TCP_SYN) ? 1 : 0) + ((flags & TCP_FIN) ? 1 : 0);
        wr32(seg + 8, rd32(t + 4) + seglen);
        seg[13] = TCP_RST | TCP_ACK;
    }
    seg[12] = 5 << 4;
    send_ip4(u, sv, false, req, 6, p->dst, p->src, seg, sizeof seg, 16);
}

/* A datagram for a UDP service: answered (or not) here, never seen by slirp. */
static void udp_service_input(uplink *u, struct service *sv, const uint8_t *eth, const struct ip4 *p)
{
    const uint8_t *udp = p->l4;
    size_t ulen = rd16(udp + 4);
    uint16_t sport = rd16(udp);
    const uint8_t *data = udp + 8;
    size_t dlen = ulen - 8;
    if (sv->mode == UPLINK_SVC_DOWN)
        return;
    uint8_t *reply = malloc(8 + (dlen > SVC_DNS_MAX ? dlen : SVC_DNS_MAX));
    if (reply == NULL)
        return;
    uint8_t *out = reply + 8;
    size_t n = 0;
    sim_trace_rec *r = NULL;
    switch (sv->kind) {
    case UPLINK_SERVICE_UDP_ECHO:
        memcpy(out, data, dlen);
        if (sv->mode == UPLINK_SVC_WRONG)
            for (size_t i = 0; i < dlen; i++)
                out[i] ^= 0x01;
        n = dlen;
        break;
    case UPLINK_SERVICE_DNS: {
        svc_dns_info info;
        n = svc_dns_answer(sv->names, sv->nnames, sv->mode == UPLINK_SVC_WRONG, data, dlen, out, SVC_DNS_MAX, &info);
        r = sim_trace_begin(sim_trace_of(u->s), SIM_LOG_INFO, u->name, "dns_query");
        sim_trace_str(r, "service", sv->name);
        trace_addr(r, "from", p->src, sport);
        sim_trace_str(r, "name", info.qname);
        sim_trace_int(r, "qtype", info.qtype);
        if (n == 0)
            sim_trace_str(r, "result", "dropped");
        else
            sim_trace_int(r, "rcode", info.rcode);
        if (info.answer != 0) {
            char a[16];
            ip_str(info.answer, a);
            sim_trace_str(r, "answer", a);
        }
        break;
    }
    case UPLINK_SERVICE_NTP: {
        int64_t epoch = sv->epoch_s + (sv->mode == UPLINK_SVC_WRONG ? UPLINK_NTP_WRONG_S : 0);
        sim_time now = sim_now(u->s);
        sim_time leave = now + (sv->mode == UPLINK_SVC_SLOW ? sv->delay : 0);
        n = svc_ntp_answer(data, dlen, svc_ntp_timestamp(epoch, now), svc_ntp_timestamp(epoch, leave), out);
        r = sim_trace_begin(sim_trace_of(u->s), SIM_LOG_INFO, u->name, "ntp_query");
        sim_trace_str(r, "service", sv->name);
        trace_addr(r, "from", p->src, sport);
        sim_trace_int(r, "bytes", (int64_t)dlen);
        sim_trace_str(r, "result", n == 0 ? "dropped" : "answered");
        break;
    }
    default:
        break;
    }
    if (r != NULL) {
        if (sv->mode != UPLINK_SVC_NORMAL)
            sim_trace_str(r, "mode", sv->mode == UPLINK_SVC_SLOW ? "slow" : "wrong");
        sim_trace_end(r);
    }
    if (n > 0 || sv->kind == UPLINK_SERVICE_UDP_ECHO) {
        wr16(reply, sv->port);
        wr16(reply + 2, sport);
        wr16(reply + 4, (uint16_t)(8 + n));
        send_ip4(u, sv, true, eth, 17, p->dst, p->src, reply, 8 + n, 6);
    }
    free(reply);
}

/* The MAC slirp gives an address it answers ARP for: 52:55 and the address. */
static void service_mac(uint32_t ip, uint8_t mac[6])
{
    mac[0] = 0x52;
    mac[1] = 0x55;
    wr32(mac + 2, ip);
}

/* An ARP request (RFC 826: Ethernet, IPv4 over Ethernet, opcode 1) read as
 * untrusted bytes; *tpa is the address asked for. */
static bool arp_request_for(const uint8_t *eth, size_t len, uint32_t *tpa)
{
    if (len < 42 || rd16(eth + 12) != 0x0806)
        return false;
    const uint8_t *a = eth + 14;
    if (rd16(a) != 1 || rd16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4 || rd16(a + 6) != 1)
        return false;
    *tpa = rd32(a + 24);
    return true;
}

/* The ARP reply to the request in eth (arp_request_for): tpa is at mac. */
static void arp_reply(uplink *u, const uint8_t *eth, uint32_t tpa, const uint8_t mac[6])
{
    const uint8_t *a = eth + 14;
    uint8_t f[60] = {0};
    memcpy(f, eth + 6, 6);
    memcpy(f + 6, mac, 6);
    wr16(f + 12, 0x0806);
    uint8_t *r = f + 14;
    wr16(r, 1);
    wr16(r + 2, 0x0800);
    r[4] = 6;
    r[5] = 4;
    wr16(r + 6, 2);
    memcpy(r + 8, mac, 6);
    wr32(r + 14, tpa);
    memcpy(r + 18, a + 8, 6);  /* the requester's hardware address */
    memcpy(r + 24, a + 14, 4); /* and protocol address */
    u->frames_out++;
    u->send(u->ctx, f, sizeof f);
}

/* ARP (RFC 826) for an address only UDP services use: slirp would not
 * answer it. */
static bool arp_for_services(uplink *u, const uint8_t *eth, size_t len)
{
    uint32_t tpa;
    if (!arp_request_for(eth, len, &tpa))
        return false;
    if (tpa == u->cfg.gateway || tpa == u->cfg.dns)
        return false;
    bool udp = false;
    for (size_t i = 0; i < u->nsvcs; i++) {
        if (u->svcs[i]->ip != tpa)
            continue;
        if (!u->svcs[i]->udp)
            return false; /* a guest forward is there: slirp answers */
        udp = true;
    }
    if (!udp)
        return false;
    uint8_t mac[6];
    service_mac(tpa, mac);
    arp_reply(u, eth, tpa, mac);
    return true;
}

/* ARP for a router of a moved subnet (uplink_add_router): answered with the
 * gateway's MAC. The request is read as untrusted bytes: Ethernet, IPv4
 * over Ethernet, a request (RFC 826). */
static bool arp_for_routers(uplink *u, const uint8_t *eth, size_t len)
{
    uint32_t tpa;
    if (u->nrouters == 0 || !arp_request_for(eth, len, &tpa))
        return false;
    bool ours = false;
    for (size_t i = 0; i < u->nrouters; i++)
        ours |= u->routers[i] == tpa;
    if (!ours)
        return false;
    uint8_t mac[6];
    service_mac(u->cfg.gateway, mac);
    arp_reply(u, eth, tpa, mac);
    return true;
}

int uplink_add_router(uplink *u, uint32_t ip, sim_err *err)
{
    if (u == NULL || ip == 0 || ip == u->cfg.gateway)
        return sim_err_set(err, SIM_EINVAL, "uplink: no router to add");
    for (size_t i = 0; i < u->nrouters; i++)
        if (u->routers[i] == ip)
            return SIM_OK;
    if (u->nrouters == sizeof u->routers / sizeof u->routers[0])
        return sim_err_set(err, SIM_ELIMIT, "uplink: too many routers");
    u->routers[u->nrouters++] = ip;
    char a[16];
    ip_str(ip, a);
    sim_trace_rec *r = sim_trace_begin(sim_trace_of(u->s), SIM_LOG_INFO, u->name, "router");
    sim_trace_str(r, "ip", a);
    sim_trace_end(r);
    return SIM_OK;
}

/* ---- ending slirp's side of closed connections (top of the file) ---- */

/* A reset from the guest's address and port to the service, at seq, fed to
 * slirp only. */
static void slirp_reset(uplink *u, const struct service *sv, uint32_t ip, uint16_t port, uint32_t seq,
                        const uint8_t guest_mac[6], const uint8_t slirp_mac[6])
{
    uint8_t f[14 + 20 + 20];
    memset(f, 0, sizeof f);
    memcpy(f, slirp_mac, 6);
    memcpy(f + 6, guest_mac, 6);
    wr16(f + 12, 0x0800);
    uint8_t *ip4 = f + 14, *tcp = f + 34;
    ip4[0] = 0x45;
    wr16(ip4 + 2, 40);
    ip4[8] = 64;
    ip4[9] = 6;
    wr32(ip4 + 12, ip);
    wr32(ip4 + 16, sv->ip);
    wr16(ip4 + 10, (uint16_t)~fold(sum16(ip4, 20, 0)));
    wr16(tcp, port);
    wr16(tcp + 2, sv->port);
    wr32(tcp + 4, seq);
    tcp[12] = 5 << 4;
    tcp[13] = TCP_RST;
    wr16(tcp + 16, (uint16_t)~fold(sum16(tcp, 20, pseudo_sum(ip, sv->ip, 6, 20))));
    slirp_sync(u);
    slirp_touch(u);
    slirp_input(u->slirp, f, (int)sizeof f);
}

static void closing_unlink(uplink *u, struct closing *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        u->closing = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
}

/* slirp's side ends: a reset at the sequence number after the guest's FIN. */
static void closing_end(uplink *u, struct closing *c)
{
    sim_cancel(u->s, c->ev);
    sim_cancel(u->s, c->fin_ev);
    closing_unlink(u, c);
    slirp_reset(u, c->sv, c->ip, c->port, c->seq, c->guest_mac, c->slirp_mac);
    free(c);
}

/* The service's FIN (RFC 9293 §3.6: the server's close after the client's
 * FIN, CLOSE-WAIT to LAST-ACK), built here because libslirp 4.7 cannot
 * close a guestfwd socket itself (see the top of the file). Its numbers are
 * the connection's own, as slirp's segments and the guest's show them: the
 * sequence number after the last slirp sent, the acknowledgment of the
 * guest's FIN, slirp's last window. Resent after 1, 2, 4 and 8 s (RFC 6298
 * §2.1's initial RTO, doubled) until the guest acknowledges it; the linger
 * ends slirp's side in any case. */
#define UPLINK_FIN_RTO SIM_SEC(1)
#define UPLINK_FIN_TRIES 5

static void closing_send_fin(void *arg)
{
    struct closing *c = arg;
    uplink *u = c->u;
    c->fin_ev = 0;
    uint8_t seg[20] = {0};
    wr16(seg, c->sv->port);
    wr16(seg + 2, c->port);
    wr32(seg + 4, c->sd.snd_max);
    wr32(seg + 8, c->seq);
    seg[12] = 5 << 4;
    seg[13] = TCP_FIN | TCP_ACK;
    wr16(seg + 14, c->sd.wnd);
    uint8_t req[12]; /* send_ip4 answers a frame: from the guest to slirp */
    memcpy(req, c->slirp_mac, 6);
    memcpy(req + 6, c->guest_mac, 6);
    send_ip4(u, c->sv, false, req, 6, c->sv->ip, c->ip, seg, sizeof seg, 16);
    c->fin_sent = true;
    c->fin_seq = c->sd.snd_max;
    if (++c->fin_tries < UPLINK_FIN_TRIES)
        c->fin_ev = sim_after(u->s, UPLINK_FIN_RTO << (c->fin_tries - 1), closing_send_fin, c);
}

/* The service closes once the guest's FIN is acknowledged, it owes nothing
 * (an echo's backlog is empty) and the guest has acknowledged everything
 * slirp sent: a real server's close() after reading EOF. */
static void closing_consider(uplink *u, struct closing *c)
{
    const struct tcp_side *sd = &c->sd;
    if (c->fin_sent || c->fin_ev != 0 || u->in_idle || c->sv->blen > 0 || !sd->seen || !sd->acked ||
        sd->ack != c->seq || !sd->guest_acked || sd->guest_ack != sd->snd_max)
        return;
    c->fin_ev = sim_after(u->s, 0, closing_send_fin, c);
}

static struct closing *closing_find(const uplink *u, const struct service *sv, uint32_t ip, uint16_t port)
{
    for (struct closing *c = u->closing; c != NULL; c = c->next)
        if (c->sv == sv && c->ip == ip && c->port == port)
            return c;
    return NULL;
}

static void closings_consider(uplink *u)
{
    for (struct closing *c = u->closing; c != NULL; c = c->next)
        closing_consider(u, c);
}

/* A TCP segment in a checked IPv4 packet (parse_ip4), read as untrusted
 * bytes. */
struct tcp_seg {
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t wnd;
    size_t payload;
};

static bool parse_tcp(const struct ip4 *p, struct tcp_seg *t)
{
    if (p->proto != 6 || p->l4len < 20)
        return false;
    size_t off = (size_t)(p->l4[12] >> 4) * 4;
    if (off < 20 || off > p->l4len)
        return false;
    *t = (struct tcp_seg){.sport = rd16(p->l4), .dport = rd16(p->l4 + 2), .seq = rd32(p->l4 + 4),
                          .ack = rd32(p->l4 + 8), .flags = p->l4[13], .wnd = rd16(p->l4 + 14),
                          .payload = p->l4len - off};
    return true;
}

/* The connection a segment between the guest (gip:gport) and a service
 * belongs to: its flow, or its closing. */
static struct tcp_side *side_of(uplink *u, struct service *sv, uint32_t gip, uint16_t gport, struct closing **cl)
{
    *cl = NULL;
    struct flow *f = flow_find(sv, gip, gport);
    if (f != NULL)
        return &f->sd;
    *cl = closing_find(u, sv, gip, gport);
    return *cl != NULL ? &(*cl)->sd : NULL;
}

/* slirp's segment to the guest (cb_send_packet): its numbers. */
static void note_slirp_segment(uplink *u, const uint8_t *eth, size_t len)
{
    struct ip4 p;
    struct tcp_seg t;
    if (u->nsvcs == 0 || !parse_ip4(eth, len, &p) || !parse_tcp(&p, &t))
        return;
    struct service *sv = service_find(u, p.src, t.sport);
    struct closing *c;
    struct tcp_side *sd = sv != NULL ? side_of(u, sv, p.dst, t.dport, &c) : NULL;
    if (sd == NULL)
        return;
    uint32_t end = t.seq + (uint32_t)t.payload + ((t.flags & TCP_SYN) ? 1 : 0) + ((t.flags & TCP_FIN) ? 1 : 0);
    if (!sd->seen || (int32_t)(end - sd->snd_max) > 0)
        sd->snd_max = end;
    sd->seen = true;
    sd->wnd = t.wnd;
    if (t.flags & TCP_ACK) {
        sd->acked = true;
        sd->ack = t.ack;
    }
}

/* The guest's segment to a service, before slirp sees it: its
 * acknowledgment; true when it is the guest's acknowledgment of the
 * service's FIN, which ends the connection here (slirp, which never sent
 * that FIN, would answer it as an acknowledgment of data not yet sent). */
static bool note_guest_segment(uplink *u, const uint8_t *eth, size_t len)
{
    struct ip4 p;
    struct tcp_seg t;
    if (u->nsvcs == 0 || !parse_ip4(eth, len, &p) || !parse_tcp(&p, &t))
        return false;
    struct service *sv = service_find(u, p.dst, t.dport);
    struct closing *c;
    struct tcp_side *sd = sv != NULL ? side_of(u, sv, p.src, t.sport, &c) : NULL;
    if (sd != NULL && c == NULL) { /* a flow: the guest is there */
        struct flow *f = flow_find(sv, p.src, t.sport);
        f->last_rx = sim_now(u->s);
        f->probes = 0;
    }
    if (sd == NULL || !(t.flags & TCP_ACK))
        return false;
    sd->guest_acked = true;
    sd->guest_ack = t.ack;
    if (c == NULL || !c->fin_sent || (t.flags & (TCP_RST | TCP_SYN)) || t.ack != c->fin_seq + 1 ||
        !tcp_checksum_ok(p.ip, p.l4, p.l4len))
        return false;
    closing_end(u, c);
    return true;
}

static void closing_fire(void *arg)
{
    struct closing *c = arg;
    uplink *u = c->u;
    c->ev = 0;
    /* an echo or greeter still owes bytes (its backlog is per service) */
    if (c->sv->blen > 0 && (c->ev = sim_after(u->s, UPLINK_CLOSE_LINGER, closing_fire, c)) != 0)
        return;
    closing_end(u, c);
    after_slirp(u);
}

static void closing_add(uplink *u, struct service *sv, uint32_t ip, uint16_t port, uint32_t seq,
                        const uint8_t guest_mac[6], const uint8_t slirp_mac[6], const struct tcp_side *sd)
{
    struct closing *c = malloc(sizeof *c);
    if (c == NULL)
        return; /* slirp keeps the socket until uplink_destroy, as it would anyway */
    *c = (struct closing){.u = u, .sv = sv, .ip = ip, .port = port, .seq = seq, .sd = *sd, .next = u->closing};
    memcpy(c->guest_mac, guest_mac, 6);
    memcpy(c->slirp_mac, slirp_mac, 6);
    c->ev = u->in_idle ? 0 : sim_after(u->s, UPLINK_CLOSE_LINGER, closing_fire, c);
    if (c->ev == 0) {
        free(c);
        return;
    }
    if (u->closing != NULL)
        u->closing->prev = c;
    u->closing = c;
}

static void closing_drop(uplink *u, const struct service *sv, uint32_t ip, uint16_t port)
{
    struct closing *c = closing_find(u, sv, ip, port);
    if (c == NULL)
        return;
    sim_cancel(u->s, c->ev);
    sim_cancel(u->s, c->fin_ev);
    closing_unlink(u, c);
    free(c);
}

/* Takes the frames services handle before slirp; true when it took it. */
static bool services_intercept(uplink *u, const uint8_t *eth, size_t len)
{
    if (u->nsvcs == 0)
        return false;
    if (arp_for_services(u, eth, len))
        return true;
    struct ip4 p;
    if (!parse_ip4(eth, len, &p))
        return false;
    if (p.proto == 17) {
        if (p.l4len < 8)
            return false;
        struct service *sv = service_find_p(u, true, p.dst, rd16(p.l4 + 2));
        size_t ulen = rd16(p.l4 + 4);
        if (sv == NULL)
            return false;
        if (ulen < 8 || ulen > p.l4len)
            return true; /* malformed: dropped, as a host's stack would */
        uint16_t ck = rd16(p.l4 + 6);
        if (ck != 0 && fold(sum16(p.l4, ulen, pseudo_sum(p.src, p.dst, 17, ulen))) != 0xffff)
            return true;
        udp_service_input(u, sv, eth, &p);
        return true;
    }
    if (p.proto != 6 || p.l4len < 20)
        return false;
    struct service *sv = service_find(u, p.dst, rd16(p.l4 + 2));
    if (sv == NULL)
        return false;
    if (sv->mode == UPLINK_SVC_DOWN) {
        send_rst(u, sv, eth, &p);
        /* An open connection the reset ends: slirp's side ends with it,
         * at the segment's own sequence number (what slirp expects next). */
        uint16_t sport = rd16(p.l4);
        if ((p.l4[13] & TCP_RST) == 0 && flow_find(sv, p.src, sport) != NULL) {
            slirp_reset(u, sv, p.src, sport, rd32(p.l4 + 4), eth + 6, eth);
            flow_end(u, sv, p.src, sport, true);
            after_slirp(u);
        }
        return true;
    }
    if (sv->mode == UPLINK_SVC_SLOW || sv->pending > 0) {
        hold_frame(u, sv, false, eth, len);
        return true;
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* Slirp's other callbacks                                             */
/* ------------------------------------------------------------------ */

/* Keepalive (RFC 1122 §4.2.3.6), as a server with SO_KEEPALIVE on Linux
 * (tcp_keepalive_time 7200 s, tcp_keepalive_intvl 75 s, tcp_keepalive_probes
 * 9): a connection the guest has sent nothing on for two hours is probed
 * (a segment at the sequence number before slirp's next, which a live peer
 * answers with an ACK and a peer that forgot the connection with a reset,
 * which ends it in slirp). Nine probes unanswered and slirp's side ends
 * (a reset in the guest's name, as for a closed connection). Without it a
 * connection the device abandoned out of range (its reset lost on the air)
 * kept slirp's socket and buffers, about 260 KB, for the rest of the run. */
#define UPLINK_KEEPALIVE_IDLE SIM_SEC(7200)
#define UPLINK_KEEPALIVE_INTVL SIM_SEC(75)
#define UPLINK_KEEPALIVE_PROBES 9

static sim_time keepalive_due(const struct flow *f)
{
    return f->last_rx + UPLINK_KEEPALIVE_IDLE + (sim_time)f->probes * UPLINK_KEEPALIVE_INTVL;
}

static void keepalive_check(void *arg);

static void keepalive_schedule(uplink *u, struct service *sv)
{
    if (u->in_idle || sv->nflows == 0)
        return;
    sim_time next = SIM_TIME_MAX;
    for (size_t i = 0; i < sv->nflows; i++)
        if (keepalive_due(&sv->flows[i]) < next)
            next = keepalive_due(&sv->flows[i]);
    sim_cancel(u->s, sv->ka_ev);
    sv->ka_ev = sim_at(u->s, next, keepalive_check, sv);
}

static void keepalive_check(void *arg)
{
    struct service *sv = arg;
    uplink *u = sv->u;
    sv->ka_ev = 0;
    sim_time now = sim_now(u->s);
    for (size_t i = 0; i < sv->nflows;) {
        struct flow *f = &sv->flows[i];
        if (now < keepalive_due(f)) {
            i++;
            continue;
        }
        if (!f->sd.seen || !f->sd.acked) { /* slirp never answered: nothing to probe from */
            f->last_rx = now;
            i++;
            continue;
        }
        if (f->probes < UPLINK_KEEPALIVE_PROBES) {
            uint8_t seg[20] = {0};
            wr16(seg, sv->port);
            wr16(seg + 2, f->port);
            wr32(seg + 4, f->sd.snd_max - 1);
            wr32(seg + 8, f->sd.ack);
            seg[12] = 5 << 4;
            seg[13] = TCP_ACK;
            wr16(seg + 14, f->sd.wnd);
            uint8_t req[12]; /* send_ip4 answers a frame: from the guest to slirp */
            memcpy(req, f->slirp_mac, 6);
            memcpy(req + 6, f->mac, 6);
            send_ip4(u, sv, false, req, 6, sv->ip, f->ip, seg, sizeof seg, 16);
            f->probes++;
            i++;
            continue;
        }
        /* the peer is gone: slirp's side ends, and the flow with it */
        uint32_t ip = f->ip;
        uint16_t port = f->port;
        slirp_reset(u, sv, ip, port, f->sd.ack, f->mac, f->slirp_mac);
        flow_end(u, sv, ip, port, true); /* moves the last flow here */
    }
    keepalive_schedule(u, sv);
    after_slirp(u);
}

/* A frame slirp sends while the probed segment is in slirp_input: the
 * segment's answer, or the ARP request slirp sends instead when the guest's
 * address has left its ARP table (16 entries: a world has more stations). */
static void probe_sent(uplink *u, const uint8_t *eth, size_t len)
{
    struct fill_probe *pr = &u->probe;
    struct ip4 p;
    struct tcp_seg t;
    if (parse_ip4(eth, len, &p) && parse_tcp(&p, &t) && (t.flags & (TCP_SYN | TCP_FIN | TCP_RST))) {
        pr->on = false; /* not what the rule is about: fill */
        return;
    }
    if (pr->written)
        pr->answered = true;
}

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
    uplink *u = opaque;
    note_slirp_segment(u, buf, len);
    if (u->probe.on)
        probe_sent(u, buf, len);
    u->frames_out++;
    u->send(u->ctx, buf, len);
    return (ssize_t)len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
    uplink *u = opaque;
    sim_trace_msg(sim_trace_of(u->s), SIM_LOG_WARN, u->name, "guest_error", "%s", msg);
}

static int64_t cb_clock_get_ns(void *opaque)
{
    uplink *u = opaque;
    return sim_now(u->s);
}

static void timer_fire(void *arg)
{
    struct utimer *t = arg;
    uplink *u = t->u;
    t->ev = 0;
    slirp_touch(u);
    if (t->cb != NULL)
        t->cb(t->cb_opaque);
    else
        slirp_handle_timer(u->slirp, t->id, t->cb_opaque);
    after_slirp(u);
}

static struct utimer *timer_alloc(uplink *u)
{
    struct utimer *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->u = u;
    t->next = u->timers;
    if (u->timers != NULL)
        u->timers->prev = t;
    u->timers = t;
    return t;
}

static void *cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
    struct utimer *t = timer_alloc(opaque);
    if (t != NULL) {
        t->cb = cb;
        t->cb_opaque = cb_opaque;
    }
    return t;
}

static void *cb_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
    struct utimer *t = timer_alloc(opaque);
    if (t != NULL) {
        t->id = id;
        t->cb_opaque = cb_opaque;
    }
    return t;
}

static void cb_timer_free(void *timer, void *opaque)
{
    uplink *u = opaque;
    struct utimer *t = timer;
    if (t == NULL)
        return;
    sim_cancel(u->s, t->ev);
    if (t->prev != NULL)
        t->prev->next = t->next;
    else
        u->timers = t->next;
    if (t->next != NULL)
        t->next->prev = t->prev;
    free(t);
}

/* expire_ms is on the clock slirp was given, i.e. virtual time in ms. */
static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
    uplink *u = opaque;
    struct utimer *t = timer;
    if (t == NULL)
        return;
    sim_cancel(u->s, t->ev);
    sim_time when = expire_ms <= 0 ? 0 : expire_ms >= SIM_TIME_MAX / 1000000 ? SIM_TIME_MAX : SIM_MS(expire_ms);
    t->ev = sim_at(u->s, when, timer_fire, t);
}

static void tick_event(void *arg)
{
    uplink *u = arg;
    u->tick_ev = 0;
    host_io(u, 0);
    flush_echoes(u); /* covers a notify that came while in the idle hook */
    after_slirp(u);
}

/* ------------------------------------------------------------------ */
/* Public API                                                          */
/* ------------------------------------------------------------------ */

void uplink_config_default(uplink_config *c)
{
    *c = (uplink_config){
        .name = "uplink",
        .net = 0x0a000200,
        .netmask = 0xffffff00,
        .gateway = 0x0a000202,
        .dns = 0x0a000203,
        .guest_default = 0x0a00020f,
        .restricted = false,
    };
}

static int check_config(const uplink_config *c, sim_err *err)
{
    char a[16], b[16];
    uint32_t host = ~c->netmask;
    /* contiguous, and room for at least the gateway and the DNS address */
    if ((host & (host + 1)) != 0 || host < 3) {
        ip_str(c->netmask, a);
        return sim_err_set(err, SIM_EINVAL, "uplink: netmask %s is not a contiguous mask of /30 or wider", a);
    }
    if ((c->net & host) != 0) {
        ip_str(c->net, a);
        ip_str(c->netmask, b);
        return sim_err_set(err, SIM_EINVAL, "uplink: network %s has host bits set for netmask %s", a, b);
    }
    const struct {
        const char *what;
        uint32_t ip;
    } addrs[] = {{"gateway", c->gateway}, {"dns", c->dns}, {"guest_default", c->guest_default}};
    for (size_t i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
        if (!in_net(c, addrs[i].ip)) {
            ip_str(addrs[i].ip, a);
            ip_str(c->net, b);
            return sim_err_set(err, SIM_EINVAL, "uplink: %s %s is not a host address of the network %s/%d",
                               addrs[i].what, a, b, prefix_len(c->netmask));
        }
    }
    if (c->dns == c->gateway || c->guest_default == c->gateway || c->guest_default == c->dns) {
        ip_str(c->guest_default == c->dns ? c->dns : c->gateway, a);
        return sim_err_set(err, SIM_EINVAL, "uplink: gateway, dns and guest_default must differ (%s used twice)", a);
    }
    return SIM_OK;
}

uplink *uplink_create(sim *s, const uplink_config *cfg, uplink_send_fn send, void *ctx, sim_err *err)
{
    if (s == NULL || send == NULL) {
        sim_err_set(err, SIM_EINVAL, "uplink: needs an engine and a send callback");
        return NULL;
    }
    uplink_config c;
    if (cfg != NULL)
        c = *cfg;
    else
        uplink_config_default(&c);
    if (c.name == NULL || c.name[0] == '\0')
        c.name = "uplink";
    if (check_config(&c, err) != SIM_OK)
        return NULL;

    uplink *u = calloc(1, sizeof *u);
    char *name = strdup(c.name);
    if (u == NULL || name == NULL) {
        free(u);
        free(name);
        sim_err_set(err, SIM_ENOMEM, "out of memory creating the uplink");
        return NULL;
    }
    u->s = s;
    u->name = name;
    c.name = name;
    u->cfg = c;
    u->send = send;
    u->ctx = ctx;
    u->want_ms = SLIRP_NOTHING_DUE_MS;
    u->dgram_touch = INT64_MIN / 2;

    u->cb = (SlirpCb){
        .send_packet = cb_send_packet,
        .guest_error = cb_guest_error,
        .clock_get_ns = cb_clock_get_ns,
        .timer_new = cb_timer_new,
        .timer_free = cb_timer_free,
        .timer_mod = cb_timer_mod,
        .register_poll_fd = cb_register_poll_fd,
        .unregister_poll_fd = cb_unregister_poll_fd,
        .notify = cb_notify,
        .timer_new_opaque = cb_timer_new_opaque,
    };
    SlirpConfig sc = {
        .version = SLIRP_CONFIG_VERSION_USED,
        .restricted = c.restricted,
        .in_enabled = true,
        .vnetwork = in_addr_of(c.net),
        .vnetmask = in_addr_of(c.netmask),
        .vhost = in_addr_of(c.gateway),
        .in6_enabled = false,
        .vdhcp_start = in_addr_of(c.guest_default),
        .vnameserver = in_addr_of(c.dns),
        .disable_dhcp = true, /* the AP serves addresses */
    };
    u->slirp = slirp_new(&sc, &u->cb, u);
    if (u->slirp == NULL) {
        sim_err_set(err, SIM_EIO, "uplink: slirp_new refused the configuration");
        free(u->name);
        free(u);
        return NULL;
    }
    /* libslirp's clock reading is process-wide: make it this run's. */
    slirp_sync(u);
    sim_clock_set_idle(sim_clock_of(s), idle_hook, u);

    char n[16], g[16], d[16];
    ip_str(c.net, n);
    ip_str(c.gateway, g);
    ip_str(c.dns, d);
    sim_trace_rec *r = sim_trace_begin(sim_trace_of(s), SIM_LOG_INFO, u->name, "create");
    sim_trace_strf(r, "net", "%s/%d", n, prefix_len(c.netmask));
    sim_trace_str(r, "gateway", g);
    sim_trace_str(r, "dns", d);
    sim_trace_bool(r, "restricted", c.restricted);
    sim_trace_str(r, "slirp", slirp_version_string());
    sim_trace_end(r);
    if (c.sink_ip != 0) {
        uplink_service_config svc = {.name = c.sink_name != NULL && c.sink_name[0] ? c.sink_name : "sink",
                                    .kind = UPLINK_SERVICE_SINK,
                                    .ip = c.sink_ip,
                                    .port = c.sink_port};
        if (uplink_add_service_ex(u, &svc, err) != SIM_OK) {
            uplink_destroy(u);
            return NULL;
        }
    }
    return u;
}

void uplink_destroy(uplink *u)
{
    if (u == NULL)
        return;
    sim_cancel(u->s, u->tick_ev);
    sim_cancel(u->s, u->flush_ev);
    for (size_t i = 0; i < u->nsvcs; i++) {
        sim_cancel(u->s, u->svcs[i]->up_ev);
        sim_cancel(u->s, u->svcs[i]->ka_ev);
    }
    while (u->delayed != NULL) {
        struct delayed *d = u->delayed;
        u->delayed = d->next;
        sim_cancel(u->s, d->ev);
        free(d);
    }
    while (u->closing != NULL) {
        struct closing *c = u->closing;
        u->closing = c->next;
        sim_cancel(u->s, c->ev);
        sim_cancel(u->s, c->fin_ev);
        free(c);
    }
    slirp_cleanup(u->slirp); /* may still call timer_free and unregister_poll_fd */
    while (u->timers != NULL)
        cb_timer_free(u->timers, u);
    sim_clock *c = sim_clock_of(u->s);
    if (u->pacing_owned && sim_clock_pacing(c))
        sim_clock_set_pacing(c, 0);
    sim_clock_set_idle(c, NULL, NULL);
    for (size_t i = 0; i < u->nsvcs; i++)
        service_free(u->svcs[i]);
    free(u->svcs);
    free(u->pfds);
    free(u->hfds);
    free(u->name);
    free(u);
}

/* libslirp trusts the headers of what it is given more than a rig may
 * trust a firmware: an IPv4 fragment with a nonzero offset and no first
 * fragment before it crashes libslirp 4.7.0 inside slirp_input (ip_reass),
 * and a firmware under test may send anything. So every guest frame is
 * checked here first, and what fails is dropped with a "guest_drop" trace
 * event naming why:
 *  - "arp_short": an ARP frame shorter than its Ethernet/IPv4 body (28 bytes,
 *    RFC 826);
 *  - "ip_header": an IPv4 header that is not one (version, IHL < 5, the
 *    header or the total length beyond the frame, total length < IHL;
 *    RFC 791 §3.1);
 *  - "ip_fragment": any fragment (MF set or a nonzero offset). The rig does
 *    not reassemble: the in-rig services never did (parse_ip4), and slirp's
 *    reassembly is what crashed. A firmware's datagram larger than the MTU
 *    is lost, and the trace says so.
 * IPv6 passes unchecked: slirp has it turned off (in6_enabled) and drops it
 * before reading a header. */
static const char *guest_frame_fault(const uint8_t *eth, size_t len)
{
    uint16_t type = rd16(eth + 12);
    if (type == 0x0806)
        return len < 14 + 28 ? "arp_short" : NULL;
    if (type != 0x0800)
        return NULL;
    if (len < 14 + 20)
        return "ip_header";
    const uint8_t *ip = eth + 14;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    size_t total = rd16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < 20 || ihl > len - 14 || total < ihl || total > len - 14)
        return "ip_header";
    if ((rd16(ip + 6) & 0x3fff) != 0)
        return "ip_fragment";
    return NULL;
}

void uplink_input(uplink *u, const uint8_t *eth, size_t len)
{
    if (len < 14 || len > 65535)
        return;
    const char *fault = guest_frame_fault(eth, len);
    if (fault != NULL) {
        sim_trace_rec *r = sim_trace_begin(sim_trace_of(u->s), SIM_LOG_WARN, u->name, "guest_drop");
        sim_trace_str(r, "why", fault);
        trace_mac(r, "mac", eth + 6);
        sim_trace_int(r, "bytes", (int64_t)len);
        sim_trace_end(r);
        return;
    }
    if (arp_for_routers(u, eth, len))
        return;
    if (services_intercept(u, eth, len)) {
        /* a greeter's or echo's bytes may wait for the handshake's end */
        for (size_t i = 0; i < u->nsvcs; i++)
            if (u->svcs[i]->blen > 0)
                schedule_flush(u);
        return;
    }
    deliver(u, eth, len);
}

/* A guest segment whose slirp_input may leave slirp_pollfds_fill nothing to
 * change (top of the file): IPv4 TCP with data and ACK, no SYN, FIN, RST or
 * URG. Sets up the probe; false when the frame is not one. */
static bool probe_start(uplink *u, const uint8_t *eth, size_t len)
{
    struct ip4 p;
    struct tcp_seg t;
    if (!parse_ip4(eth, len, &p) || !parse_tcp(&p, &t) || t.payload == 0 ||
        (t.flags & (TCP_SYN | TCP_FIN | TCP_RST | TCP_URG | TCP_ACK)) != TCP_ACK)
        return false;
    u->probe = (struct fill_probe){.sip = p.dst, .sport = t.dport};
    return true;
}

/* A guest frame into slirp (now, or after a slow service's delay). */
static void deliver(uplink *u, const uint8_t *eth, size_t len)
{
    if (note_guest_segment(u, eth, len)) {
        after_slirp(u);
        return;
    }
    u->cur_sv = NULL;
    inspect_guest_frame(u, eth, len);
    /* Sockets this frame creates take their expiry times from curtime. */
    slirp_sync(u);
    bool arp = eth[12] == 0x08 && eth[13] == 0x06;
    bool probe = !arp && u->fill_clean && u->nhfds == 0 && probe_start(u, eth, len);
    if (!arp) /* arp_input changes slirp's ARP table and answers: nothing a fill reads */
        slirp_touch(u);
    u->probe.on = probe;
    slirp_input(u->slirp, eth, (int)len);
    if (u->probe.on && u->probe.written && u->probe.answered && u->nhfds == 0) {
        u->fill_clean = true; /* and its connection exists */
        u->slow_maybe = false;
    }
    u->probe.on = false;
    if (u->cur_sv != NULL && u->cur_flags != 0)
        flow_end(u, u->cur_sv, u->cur_ip, u->cur_port, (u->cur_flags & TCP_RST) != 0);
    u->cur_sv = NULL;
    /* Frames slirp queued waiting for this ARP answer go now, not at the
     * next tick. */
    if (arp)
        slirp_sync(u);
    /* A connection slirp just completed may be owed a greeting. */
    for (size_t i = 0; i < u->nsvcs; i++)
        if (u->svcs[i]->blen > 0)
            schedule_flush(u);
    after_slirp(u);
}

/* ---- hostfwd ---- */

static int fwd_err(sim_err *err, int code, const char *spec, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fwd_err(sim_err *err, int code, const char *spec, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sim_err_set(err, code, "hostfwd \"%.80s\": %s", spec, msg);
}

/* [p, end) as an IPv4 dotted quad; empty text gives dflt. */
static bool parse_ip(const char *p, const char *end, uint32_t dflt, uint32_t *out)
{
    char buf[16];
    size_t n = (size_t)(end - p);
    if (n == 0) {
        *out = dflt;
        return true;
    }
    if (n >= sizeof buf)
        return false;
    memcpy(buf, p, n);
    buf[n] = '\0';
    struct in_addr a;
    if (inet_pton(AF_INET, buf, &a) != 1)
        return false;
    *out = ntohl(a.s_addr);
    return true;
}

static bool parse_port(const char *p, const char *end, uint16_t *out)
{
    size_t n = (size_t)(end - p);
    if (n == 0 || n > 5)
        return false;
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (uint32_t)(p[i] - '0');
    }
    if (v < 1 || v > 65535)
        return false;
    *out = (uint16_t)v;
    return true;
}

int uplink_add_hostfwd(uplink *u, const char *spec, sim_err *err)
{
    if (spec == NULL)
        return sim_err_set(err, SIM_EINVAL, "hostfwd: no spec given");
    const char *p = spec;
    const char *sep = strchr(p, ':');
    if (sep == NULL)
        return fwd_err(err, SIM_EINVAL, spec, "expected \"tcp:\" or \"udp:\" first (tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT)");
    bool udp;
    if ((size_t)(sep - p) == 3 && strncmp(p, "tcp", 3) == 0)
        udp = false;
    else if ((size_t)(sep - p) == 3 && strncmp(p, "udp", 3) == 0)
        udp = true;
    else
        return fwd_err(err, SIM_EINVAL, spec, "protocol '%.*s' is not tcp or udp", (int)(sep - p), p);

    p = sep + 1;
    sep = strchr(p, ':');
    const char *dash = strchr(p, '-');
    if (sep == NULL || (dash != NULL && dash < sep))
        return fwd_err(err, SIM_EINVAL, spec, "missing ':' between the host address and the host port");
    uint32_t haddr;
    if (!parse_ip(p, sep, 0x7f000001, &haddr))
        return fwd_err(err, SIM_EINVAL, spec, "host address '%.*s' is not an IPv4 address", (int)(sep - p), p);
    p = sep + 1;
    if (dash == NULL)
        return fwd_err(err, SIM_EINVAL, spec, "missing '-' between the host port and the guest address");
    uint16_t hport;
    if (!parse_port(p, dash, &hport))
        return fwd_err(err, SIM_EINVAL, spec, "host port '%.*s' is not a number in 1..65535", (int)(dash - p), p);

    p = dash + 1;
    sep = strchr(p, ':');
    if (sep == NULL)
        return fwd_err(err, SIM_EINVAL, spec, "missing ':' between the guest address and the guest port");
    uint32_t gaddr;
    if (!parse_ip(p, sep, u->cfg.guest_default, &gaddr))
        return fwd_err(err, SIM_EINVAL, spec, "guest address '%.*s' is not an IPv4 address", (int)(sep - p), p);
    char ga[16], net[16];
    ip_str(gaddr, ga);
    if (!in_net(&u->cfg, gaddr) || gaddr == u->cfg.gateway || gaddr == u->cfg.dns) {
        ip_str(u->cfg.net, net);
        return fwd_err(err, SIM_EINVAL, spec,
                       "guest address %s is not a guest address of the virtual network %s/%d", ga, net,
                       prefix_len(u->cfg.netmask));
    }
    p = sep + 1;
    uint16_t gport;
    if (!parse_port(p, p + strlen(p), &gport))
        return fwd_err(err, SIM_EINVAL, spec, "guest port '%s' is not a number in 1..65535", p);

    char ha[16];
    ip_str(haddr, ha);
    errno = 0;
    slirp_touch(u);
    if (slirp_add_hostfwd(u->slirp, udp, in_addr_of(haddr), hport, in_addr_of(gaddr), gport) != 0) {
        int e = errno;
        if (e == EADDRINUSE)
            return fwd_err(err, SIM_EIO, spec, "host port %u on %s is in use", hport, ha);
        return fwd_err(err, SIM_EIO, spec, "cannot listen on %s:%u: %s", ha, hport,
                       e != 0 ? strerror(e) : "slirp refused it");
    }
    sim_trace_rec *r = sim_trace_begin(sim_trace_of(u->s), SIM_LOG_INFO, u->name, "hostfwd");
    sim_trace_str(r, "proto", udp ? "udp" : "tcp");
    trace_addr(r, "host", haddr, hport);
    trace_addr(r, "guest", gaddr, gport);
    sim_trace_end(r);
    /* The new listener needs polling: queue the tick. */
    slirp_fill(u);
    schedule_tick(u);
    return SIM_OK;
}

/* ---- services ---- */

static const char *const kind_names[] = {
    [UPLINK_SERVICE_SINK] = "sink",         [UPLINK_SERVICE_ECHO] = "tcp_echo", [UPLINK_SERVICE_GREETER] = "tcp_greeter",
    [UPLINK_SERVICE_UDP_ECHO] = "udp_echo", [UPLINK_SERVICE_DNS] = "dns",       [UPLINK_SERVICE_NTP] = "ntp",
};

static void service_free(struct service *sv)
{
    if (sv == NULL)
        return;
    for (size_t i = 0; i < sv->nflows; i++)
        free(sv->flows[i].gc);
    free(sv->flows);
    free(sv->backlog);
    svc_greeter_free(sv->greeter);
    for (size_t i = 0; i < sv->nnames; i++)
        free((char *)sv->names[i].name);
    free(sv->names);
    free(sv);
}

int uplink_add_service(uplink *u, uplink_service_kind kind, uint32_t ip, uint16_t port, sim_err *err)
{
    if (kind != UPLINK_SERVICE_SINK && kind != UPLINK_SERVICE_ECHO) {
        char a[16];
        ip_str(ip, a);
        return sim_err_set(err, SIM_EINVAL, "uplink service at %s:%u: unknown kind %d", a, port, (int)kind);
    }
    uplink_service_config c = {.name = kind == UPLINK_SERVICE_SINK ? "sink" : "echo", .kind = kind, .ip = ip,
                               .port = port};
    /* The first of a kind takes the kind's name; more are told apart by address. */
    char name[32];
    if (service_named(u, c.name) != NULL) {
        char a[16];
        ip_str(ip, a);
        snprintf(name, sizeof name, "%s@%s:%u", c.name, a, port);
        c.name = name;
    }
    return uplink_add_service_ex(u, &c, err);
}

int uplink_add_service_ex(uplink *u, const uplink_service_config *c, sim_err *err)
{
    char a[16], net[16];
    ip_str(c->ip, a);
    uint32_t ip = c->ip;
    uint16_t port = c->port;
    if ((int)c->kind < 0 || (size_t)c->kind >= sizeof kind_names / sizeof kind_names[0])
        return sim_err_set(err, SIM_EINVAL, "uplink service at %s:%u: unknown kind %d", a, port, (int)c->kind);
    const char *kname = kind_names[c->kind];
    if (c->name == NULL || c->name[0] == '\0' || strlen(c->name) >= sizeof ((struct service *)0)->name)
        return sim_err_set(err, SIM_EINVAL, "uplink %s service at %s:%u: needs a name of 1..31 characters", kname, a,
                           port);
    if (service_named(u, c->name) != NULL)
        return sim_err_set(err, SIM_EINVAL, "uplink service '%s': the name is taken", c->name);
    if (port == 0)
        return sim_err_set(err, SIM_EINVAL, "uplink service '%s' at %s: port 0 is not a port", c->name, a);
    if (!in_net(&u->cfg, ip)) {
        ip_str(u->cfg.net, net);
        return sim_err_set(err, SIM_EINVAL,
                           "uplink service '%s' at %s:%u: not a host address of the virtual network %s/%d", c->name,
                           a, port, net, prefix_len(u->cfg.netmask));
    }
    bool udp = c->kind == UPLINK_SERVICE_UDP_ECHO || c->kind == UPLINK_SERVICE_DNS || c->kind == UPLINK_SERVICE_NTP;
    /* slirp answers for the gateway and DNS itself; the guest default is
     * where the DHCP pool starts, and slirp would answer ARP for it too. A
     * DNS service may take the DNS address: its queries never reach slirp. */
    bool dns_here = c->kind == UPLINK_SERVICE_DNS && ip == u->cfg.dns;
    if (!dns_here && (ip == u->cfg.gateway || ip == u->cfg.dns || ip == u->cfg.guest_default))
        return sim_err_set(err, SIM_EINVAL, "uplink service '%s' at %s:%u: %s is the %s address", c->name, a, port, a,
                           ip == u->cfg.gateway ? "gateway" : ip == u->cfg.dns ? "DNS" : "guest's default");
    if (service_find_p(u, udp, ip, port) != NULL)
        return sim_err_set(err, SIM_EINVAL, "uplink service '%s' at %s %s:%u: there is one there already", c->name,
                           udp ? "udp" : "tcp", a, port);
    struct service *sv = calloc(1, sizeof *sv);
    struct service **v = sv ? realloc(u->svcs, (u->nsvcs + 1) * sizeof *v) : NULL;
    if (v == NULL) {
        free(sv);
        return sim_err_set(err, SIM_ENOMEM, "out of memory adding an uplink service");
    }
    u->svcs = v;
    *sv = (struct service){.u = u, .kind = c->kind, .udp = udp, .ip = ip, .port = port, .epoch_s = c->epoch_s};
    snprintf(sv->name, sizeof sv->name, "%s", c->name);
    if (c->kind == UPLINK_SERVICE_GREETER) {
        sv->greeter = svc_greeter_create(c->greeting != NULL ? c->greeting : "", c->rules, c->nrules, err);
        if (sv->greeter == NULL) {
            service_free(sv);
            return err != NULL ? err->code : SIM_EINVAL;
        }
    }
    if (c->kind == UPLINK_SERVICE_DNS && c->nnames > 0) {
        sv->names = calloc(c->nnames, sizeof *sv->names);
        if (sv->names == NULL) {
            service_free(sv);
            return sim_err_set(err, SIM_ENOMEM, "out of memory adding an uplink service");
        }
        for (size_t i = 0; i < c->nnames; i++, sv->nnames++) {
            if (c->names[i].name == NULL || !svc_dns_name_ok(c->names[i].name)) {
                service_free(sv);
                return sim_err_set(err, SIM_EINVAL, "uplink service '%s': '%s' is not a DNS name it can serve",
                                   c->name, c->names[i].name ? c->names[i].name : "(null)");
            }
            sv->names[i].ip = c->names[i].ip;
            if ((sv->names[i].name = strdup(c->names[i].name)) == NULL) {
                service_free(sv);
                return sim_err_set(err, SIM_ENOMEM, "out of memory adding an uplink service");
            }
        }
    }
    if (!udp) {
        struct in_addr ia = in_addr_of(ip);
        SlirpWriteCb cb = c->kind == UPLINK_SERVICE_SINK ? sink_write
                          : c->kind == UPLINK_SERVICE_GREETER ? greeter_write
                                                              : echo_write;
        slirp_touch(u);
        if (slirp_add_guestfwd(u->slirp, cb, sv, &ia, port) != 0) {
            service_free(sv);
            return sim_err_set(err, SIM_EINVAL, "uplink service '%s' at %s:%u: slirp refused the guest forward",
                               c->name, a, port);
        }
    }
    u->svcs[u->nsvcs++] = sv;
    sim_trace_rec *r = sim_trace_begin(sim_trace_of(u->s), SIM_LOG_INFO, u->name, "service");
    sim_trace_str(r, "name", sv->name);
    sim_trace_str(r, "kind", kname);
    sim_trace_str(r, "proto", udp ? "udp" : "tcp");
    trace_addr(r, "at", ip, port);
    sim_trace_end(r);
    return SIM_OK;
}

int uplink_service_set_mode(uplink *u, const char *name, uplink_service_mode mode, sim_time delay, sim_err *err)
{
    struct service *sv = name != NULL ? service_named(u, name) : NULL;
    if (sv == NULL)
        return sim_err_set(err, SIM_EINVAL, "uplink: no service named '%s'", name ? name : "(null)");
    if (mode == UPLINK_SVC_WRONG && sv->kind == UPLINK_SERVICE_SINK)
        return sim_err_set(err, SIM_EINVAL, "uplink service '%s': a sink sends nothing, so it cannot answer wrong",
                           name);
    if (mode == UPLINK_SVC_SLOW && delay <= 0)
        return sim_err_set(err, SIM_EINVAL, "uplink service '%s': slow needs a delay > 0", name);
    if ((int)mode < UPLINK_SVC_NORMAL || (int)mode > UPLINK_SVC_WRONG)
        return sim_err_set(err, SIM_EINVAL, "uplink service '%s': unknown mode %d", name, (int)mode);
    static const char *const modes[] = {"normal", "down", "slow", "wrong"};
    sv->mode = mode;
    sv->delay = mode == UPLINK_SVC_SLOW ? delay : 0;
    sim_trace_rec *r = sim_trace_begin(sim_trace_of(u->s), SIM_LOG_INFO, u->name, "service_mode");
    sim_trace_str(r, "service", sv->name);
    sim_trace_str(r, "mode", modes[mode]);
    if (mode == UPLINK_SVC_SLOW)
        sim_trace_int(r, "delay", delay);
    sim_trace_end(r);
    return SIM_OK;
}

int uplink_sink_address(const uplink *u, uint32_t *ip, uint16_t *port)
{
    if (u->cfg.sink_ip == 0)
        return SIM_EINVAL;
    *ip = u->cfg.sink_ip;
    *port = u->cfg.sink_port;
    return SIM_OK;
}

void uplink_sink_flush(uplink *u)
{
    for (size_t i = 0; i < u->nsvcs; i++) {
        struct service *sv = u->svcs[i];
        for (size_t k = 0; k < sv->nflows; k++)
            upload_end(u, sv, &sv->flows[k].up, sv->flows[k].mac);
        upload_end(u, sv, &sv->up, NULL);
        sim_cancel(u->s, sv->up_ev);
        sv->up_ev = 0;
    }
}

int uplink_sink_stats_get(const uplink *u, uint32_t ip, uint16_t port, uplink_sink_stats *out)
{
    const struct service *sv = service_find(u, ip, port);
    if (sv == NULL || sv->kind != UPLINK_SERVICE_SINK)
        return SIM_EINVAL;
    *out = sv->stats;
    return SIM_OK;
}

uint64_t uplink_fills_skipped(const uplink *u)
{
    return u->fills_skipped;
}

bool uplink_host_active(const uplink *u)
{
    return host_active(u);
}
