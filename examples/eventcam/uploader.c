/* uploader.c — the frame uploader: one TCP connection to the sink, driven
 * entirely by lwIP raw-API callbacks.
 *
 * State table (states x events -> action, next):
 *
 *   state       SUBMIT        CONNECTED   ACKED          POLL           FIN            ERROR         ABORT
 *   IDLE        open,SETTLE   -           -              -              -              -             -
 *   CONNECTING  (busy)        pump,SETTLE -              watch,SETTLE   -              lost,IDLE     kill,IDLE
 *   SENDING     (busy)        -           progress,SETTLE watch,SETTLE  cut,IDLE       lost,IDLE     kill,IDLE
 *   READY       begin,SETTLE  -           -              -              closed,IDLE    -,IDLE        kill,IDLE
 *
 * SETTLE is a choice: no pcb -> IDLE; not yet connected -> CONNECTING; bytes
 * of the frame unwritten or unacknowledged -> SENDING; else READY.
 *
 * A frame counts as delivered when the sink has acknowledged its last byte,
 * not when lwIP has queued it: that is what a camera can honestly report.
 * Frame data is generated chunk by chunk straight into lwIP's send buffer
 * (TCP_WRITE_FLAG_COPY), so no frame-sized buffer exists. */
#include "uploader.h"

#include <string.h>

#include "eventcam.h"
#include "hal.h"
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"

typedef enum { U_IDLE, U_CONNECTING, U_SENDING, U_READY, U_COUNT, UX_STAY, UX_SETTLE } ustate;
typedef enum { UE_SUBMIT, UE_CONNECTED, UE_ACKED, UE_POLL, UE_FIN, UE_ERROR, UE_ABORT, UE_COUNT } uevent;

typedef void (*uaction)(void);
typedef struct ucell {
    uaction act;
    ustate next;
} ucell;

static void u_open(void);
static void u_pump(void);
static void u_watch(void);
static void u_progress(void);
static void u_cut(void);
static void u_lost(void);
static void u_kill(void);
static void u_begin(void);
static void u_closed(void);

#define UNONE {NULL, UX_STAY}

static const ucell utable[U_COUNT][UE_COUNT] = {
    /*                 SUBMIT               CONNECTED            ACKED                  POLL                  FIN                 ERROR             ABORT */
    [U_IDLE]       = {{u_open, UX_SETTLE}, UNONE,               UNONE,                 UNONE,                UNONE,              UNONE,            UNONE},
    [U_CONNECTING] = {UNONE,               {u_pump, UX_SETTLE}, UNONE,                 {u_watch, UX_SETTLE}, UNONE,              {u_lost, U_IDLE}, {u_kill, U_IDLE}},
    [U_SENDING]    = {UNONE,               UNONE,               {u_progress, UX_SETTLE}, {u_watch, UX_SETTLE}, {u_cut, U_IDLE},  {u_lost, U_IDLE}, {u_kill, U_IDLE}},
    [U_READY]      = {{u_begin, UX_SETTLE}, UNONE,              UNONE,                 UNONE,                {u_closed, U_IDLE}, {NULL, U_IDLE},   {u_kill, U_IDLE}},
};

#define FRAME_MAGIC "EVCM"
#define HEADER_BYTES 16

static struct uploader {
    ip_addr_t ip;
    uint16_t port;
    uint32_t stall_ms;
    ustate st;
    struct tcp_pcb *pcb; /* NULL once lwIP freed it or we let it go */
    bool connected;
    bool have_frame;
    uint32_t seq, len, written, acked;
    uint32_t last_progress;
    bool killed_in_cb; /* the pcb of the running callback was aborted: return ERR_ABRT */
    err_t last_err;
    uint8_t chunk[TCP_MSS];
} up;

static ustate settle(void)
{
    if (up.pcb == NULL)
        return U_IDLE;
    if (!up.connected)
        return U_CONNECTING;
    if (up.have_frame)
        return U_SENDING;
    return U_READY;
}

static void udispatch(uevent ev)
{
    const ucell *c = &utable[up.st][ev];
    if (c->act != NULL)
        c->act();
    ustate next = c->next == UX_SETTLE ? settle() : c->next;
    if (next != UX_STAY)
        up.st = next;
}

/* ---- lwIP callbacks: each feeds one event ---- */

static err_t feed(uevent ev)
{
    up.killed_in_cb = false;
    udispatch(ev);
    /* lwIP's rule: a callback that aborted its own pcb must say so */
    return up.killed_in_cb ? ERR_ABRT : ERR_OK;
}

static err_t cb_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    (void)pcb;
    (void)err; /* lwIP 2.1 only calls this with ERR_OK; failures go to cb_err */
    return feed(UE_CONNECTED);
}

static err_t cb_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)arg;
    (void)pcb;
    up.acked += len;
    if (up.acked > up.written)
        up.acked = up.written;
    up.last_progress = hal_ticks_ms();
    return feed(UE_ACKED);
}

static err_t cb_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    (void)err;
    if (p == NULL)
        return feed(UE_FIN);
    /* the sink has nothing to say; take it so the window stays open */
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
}

static err_t cb_poll(void *arg, struct tcp_pcb *pcb)
{
    (void)arg;
    (void)pcb;
    return feed(UE_POLL);
}

static void cb_err(void *arg, err_t err)
{
    (void)arg;
    up.pcb = NULL; /* lwIP has already freed it */
    up.connected = false;
    up.last_err = err;
    udispatch(UE_ERROR);
}

/* ---- helpers ---- */

static void detach(struct tcp_pcb *pcb)
{
    tcp_arg(pcb, NULL);
    tcp_err(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_poll(pcb, NULL, 0);
}

static void drop_pcb(void)
{
    if (up.pcb != NULL) {
        detach(up.pcb);
        tcp_abort(up.pcb); /* RST: the sink must not wait for the rest of the frame */
        up.pcb = NULL;
        up.killed_in_cb = true;
    }
    up.connected = false;
}

static void frame_over(ec_msg outcome)
{
    up.have_frame = false;
    ec_post(outcome);
}

/* The frame's bytes as a function of (seq, offset): a 16-byte header (magic,
 * sequence number and length, big-endian) then a pattern anyone can
 * regenerate to check what the sink stored. */
static uint8_t frame_byte(uint32_t seq, uint32_t len, uint32_t off)
{
    if (off < 4)
        return (uint8_t)FRAME_MAGIC[off];
    if (off < 8)
        return (uint8_t)(seq >> (8 * (7 - off)));
    if (off < 12)
        return (uint8_t)(len >> (8 * (11 - off)));
    if (off < HEADER_BYTES)
        return 0;
    return (uint8_t)(seq * 29u + off * 13u + (off >> 9));
}

/* Writes as much of the frame as lwIP's send buffer takes now; the rest
 * follows from the sent callback as the sink acknowledges. */
static void pump(void)
{
    while (up.pcb != NULL && up.have_frame && up.written < up.len) {
        uint32_t room = tcp_sndbuf(up.pcb);
        if (room == 0)
            break;
        uint32_t n = up.len - up.written;
        if (n > room)
            n = room;
        if (n > sizeof up.chunk)
            n = sizeof up.chunk;
        for (uint32_t i = 0; i < n; i++)
            up.chunk[i] = frame_byte(up.seq, up.len, up.written + i);
        u8_t flags = TCP_WRITE_FLAG_COPY;
        if (up.written + n < up.len)
            flags |= TCP_WRITE_FLAG_MORE;
        err_t e = tcp_write(up.pcb, up.chunk, (u16_t)n, flags);
        if (e == ERR_MEM)
            break; /* segment queue full: the next ACK makes room */
        if (e != ERR_OK) {
            hal_log(HAL_LOG_WARN, "uploader: tcp_write failed (%d)", (int)e);
            drop_pcb();
            frame_over(MSG_UPLOAD_BROKEN);
            return;
        }
        up.written += n;
    }
    if (up.pcb != NULL)
        tcp_output(up.pcb);
}

/* ---- actions ---- */

static void u_begin(void)
{
    up.have_frame = true;
    up.written = up.acked = 0;
    up.last_progress = hal_ticks_ms();
    pump();
}

static void u_open(void)
{
    up.have_frame = true;
    up.written = up.acked = 0;
    up.connected = false;
    up.last_progress = hal_ticks_ms();
    up.pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (up.pcb == NULL) {
        frame_over(MSG_UPLOAD_BROKEN);
        return;
    }
    tcp_arg(up.pcb, &up);
    tcp_err(up.pcb, cb_err);
    tcp_recv(up.pcb, cb_recv);
    tcp_sent(up.pcb, cb_sent);
    /* lwIP's coarse timer: every 500 ms; the stall watchdog needs no finer */
    tcp_poll(up.pcb, cb_poll, 1);
    err_t e = tcp_connect(up.pcb, &up.ip, up.port, cb_connected);
    if (e != ERR_OK) {
        /* no route (no interface up): not the sink's fault, nor proof of a dead link */
        hal_log(HAL_LOG_INFO, "uploader: tcp_connect refused (%d)", (int)e);
        detach(up.pcb);
        tcp_abort(up.pcb);
        up.pcb = NULL;
        frame_over(MSG_UPLOAD_BROKEN);
    }
}

static void u_pump(void)
{
    up.connected = true;
    up.last_progress = hal_ticks_ms();
    pump();
}

static void u_progress(void)
{
    if (up.acked >= up.len) {
        frame_over(MSG_UPLOAD_DONE);
        return;
    }
    pump();
}

static void u_watch(void)
{
    if (!up.have_frame)
        return;
    int32_t idle = hal_ticks_diff(hal_ticks_ms(), up.last_progress);
    if (idle < (int32_t)up.stall_ms)
        return;
    hal_log(HAL_LOG_WARN, "uploader: frame %u stalled %d ms (%u of %u bytes acknowledged)", (unsigned)up.seq,
            (int)idle, (unsigned)up.acked, (unsigned)up.len);
    drop_pcb();
    frame_over(MSG_UPLOAD_STALLED);
}

static void u_cut(void)
{
    hal_log(HAL_LOG_WARN, "uploader: sink closed the connection in frame %u", (unsigned)up.seq);
    u_closed();
    frame_over(MSG_UPLOAD_BROKEN);
}

static void u_closed(void)
{
    struct tcp_pcb *pcb = up.pcb;
    up.pcb = NULL;
    up.connected = false;
    if (pcb == NULL)
        return;
    detach(pcb);
    if (tcp_close(pcb) != ERR_OK) {
        tcp_abort(pcb);
        up.killed_in_cb = true;
    }
}

static void u_lost(void)
{
    /* ERR_RST / ERR_CLSD: the sink answered, so the path works; ERR_ABRT
     * (address changed, retransmissions exhausted) is the link's business,
     * which the link supervisor sees on its own. Either way: next frame. */
    hal_log(HAL_LOG_INFO, "uploader: connection lost (%d) in frame %u", (int)up.last_err, (unsigned)up.seq);
    if (up.have_frame)
        frame_over(MSG_UPLOAD_BROKEN);
}

static void u_kill(void)
{
    drop_pcb();
    up.killed_in_cb = false; /* called from the task, not from a callback */
    up.have_frame = false;
}

/* ---- API ---- */

void up_init(uint32_t ip, uint16_t port, uint32_t stall_ms)
{
    memset(&up, 0, sizeof up);
    ip_addr_set_ip4_u32_val(up.ip, ip);
    up.port = port;
    up.stall_ms = stall_ms;
    up.st = U_IDLE;
}

bool up_submit(uint32_t seq, uint32_t len)
{
    if (up.st == U_CONNECTING || up.st == U_SENDING)
        return false;
    up.seq = seq;
    up.len = len;
    udispatch(UE_SUBMIT);
    return true;
}

void up_abort(void)
{
    udispatch(UE_ABORT);
}

bool up_busy(void)
{
    return up.st == U_CONNECTING || up.st == U_SENDING;
}
