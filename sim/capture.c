#define _DEFAULT_SOURCE
#include "sim/capture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/spool.h"

/* The classic pcap layout (libpcap's savefile.c, pcap/pcap.h): what
 * ring_bytes is counted in. */
#define PCAP_FILE_HDR 24u
#define PCAP_REC_HDR 16u
#define PCAP_MAGIC_NSEC 0xa1b23c4du /* nanosecond timestamps */
#define PCAP_MAX_SNAPLEN 262144u

struct capture {
    spool *out;
    char *path;
    char *name_a, *name_b; /* PATH.N scratch for the rotation's renames (the writing thread's) */
    size_t name_size;
    uint32_t snaplen;
    int64_t epoch_s;
    bool flush_each;
    bool rotate;
    uint64_t ring_bytes;
    int ring_files;
    uint64_t file_bytes, file_packets; /* the current file */
    uint64_t bytes, packets;           /* the whole capture */
    /* why it broke: set once, by the thread that saw the failure, before
     * the spool makes the failure (and so this) visible */
    int broken_errno;
    sim_err err;
    uint8_t header[PCAP_FILE_HDR];
    int linktype;
    capture *events;
    void (*tap)(void *ctx, sim_time t, const uint8_t *frame, size_t len);
    void *tap_ctx;
};

/* Frames come a few hundred bytes at a time; the spool turns them into
 * few write calls, and once a capture is large, moves those calls to a
 * thread of their own. 2 MiB in all unless the caller says otherwise (1 MiB
 * woke the writer twice as often: a system call each, see spool.c). */
#define CAPTURE_BUF (2 * 1024 * 1024)

static void ring_name(const capture *c, char *buf, int n)
{
    snprintf(buf, c->name_size, "%s.%d", c->path, n);
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4); /* host order, as libpcap writes */
}

/* The file header libpcap's pcap_dump_open writes: magic, version 2.4,
 * thiszone 0, sigfigs 0, snap length, link type (DLT and LINKTYPE agree
 * for Ethernet and radiotap). */
static void pcap_file_header(capture *c, uint32_t snaplen)
{
    uint16_t version[2] = {2, 4};
    put32(c->header, PCAP_MAGIC_NSEC);
    memcpy(c->header + 4, version, 4);
    put32(c->header + 8, 0);
    put32(c->header + 12, 0);
    put32(c->header + 16, snaplen);
    put32(c->header + 20, (uint32_t)c->linktype);
}

/* As fopen(path, "wb") opens it; not inherited by a child (FreeRADIUS). */
static int open_capture_file(const char *path)
{
    return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
}

static void capture_break(capture *c, int e, const char *what)
{
    c->broken_errno = e;
    sim_err_set(&c->err, SIM_EIO, "%s %s failed: %s", what, c->path, strerror(e));
}

static void capture_write_failed(void *ctx, int e)
{
    capture_break(ctx, e, "writing capture");
}

/* A failed rotation: why, in the capture's words, then -1 with errno kept
 * for the spool. */
static int rotate_failed(capture *c, int e, const char *what)
{
    if (what != NULL) {
        capture_break(c, e, what);
    } else {
        c->broken_errno = e;
        sim_err_set(&c->err, SIM_EIO, "cannot create capture file %s: %s", c->path, strerror(e));
    }
    errno = e;
    return -1;
}

/* On the writing thread, where the simulation put its rotate mark:
 * PATH -> PATH.1 -> ... -> PATH.<ring_files-1> (replaced), then a new PATH. */
static int capture_rotate_file(void *ctx, int fd)
{
    capture *c = ctx;
    if (close(fd) != 0)
        return rotate_failed(c, errno, "writing capture");
    for (int i = c->ring_files - 2; i >= 1; i--) {
        ring_name(c, c->name_a, i);
        ring_name(c, c->name_b, i + 1);
        /* A ring still filling up has gaps at its old end. */
        if (rename(c->name_a, c->name_b) != 0 && errno != ENOENT)
            return rotate_failed(c, errno, "rotating capture");
    }
    ring_name(c, c->name_a, 1);
    if (rename(c->path, c->name_a) != 0)
        return rotate_failed(c, errno, "rotating capture");
    int nfd = open_capture_file(c->path);
    return nfd >= 0 ? nfd : rotate_failed(c, errno, NULL);
}

static void capture_free(capture *c)
{
    spool_close(c->out);
    free(c->path);
    free(c->name_a);
    free(c->name_b);
    free(c);
}

capture *capture_open(const char *path, const capture_config *cfg, sim_err *err)
{
    if (cfg->ring_bytes > 0 && (cfg->ring_files < 2 || cfg->ring_files > CAPTURE_RING_FILES_MAX)) {
        sim_err_set(err, SIM_EINVAL, "capture %s: a ring needs 2..%d files, not %d", path, CAPTURE_RING_FILES_MAX,
                    cfg->ring_files);
        return NULL;
    }
    if (cfg->linktype != CAPTURE_LINKTYPE_ETHERNET && cfg->linktype != CAPTURE_LINKTYPE_IEEE802_11_RADIOTAP) {
        sim_err_set(err, SIM_EINVAL, "capture %s: link type %d is not Ethernet or radiotap", path, cfg->linktype);
        return NULL;
    }
    capture *c = calloc(1, sizeof *c);
    if (c == NULL) {
        sim_err_set(err, SIM_ENOMEM, "out of memory opening capture %s", path);
        return NULL;
    }
    c->name_size = strlen(path) + 16;
    c->path = strdup(path);
    c->name_a = malloc(c->name_size);
    c->name_b = malloc(c->name_size);
    if (c->path == NULL || c->name_a == NULL || c->name_b == NULL) {
        capture_free(c);
        sim_err_set(err, SIM_ENOMEM, "out of memory opening capture %s", path);
        return NULL;
    }
    c->snaplen = cfg->snaplen ? cfg->snaplen : PCAP_MAX_SNAPLEN;
    c->epoch_s = cfg->epoch_s;
    c->flush_each = cfg->flush_each;
    c->ring_bytes = cfg->ring_bytes;
    c->ring_files = cfg->ring_files;
    c->linktype = cfg->linktype;
    c->events = cfg->events;
    c->tap = cfg->tap;
    c->tap_ctx = cfg->tap_ctx;
    /* the header's snap length is the largest frame in the file: with a
     * short snaplen, management and EAPOL frames still come whole */
    pcap_file_header(c, PCAP_MAX_SNAPLEN);
    int fd = open_capture_file(c->path);
    if (fd < 0) {
        sim_err_set(err, SIM_EIO, "cannot create capture file %s: %s", c->path, strerror(errno));
        capture_free(c);
        return NULL;
    }
    /* A FIFO cannot be renamed out from under its reader, nor can a device:
     * only a regular file is rotated. */
    struct stat st;
    c->rotate = c->ring_bytes > 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    size_t buf = cfg->buffer_bytes > 0 ? cfg->buffer_bytes : CAPTURE_BUF;
    spool_config sc = {
        .block_bytes = buf / 4 > 0 ? buf / 4 : 1,
        .blocks = 4,
        /* a live capture is written packet by packet: no thread to hand to */
        .thread_after = c->flush_each ? SPOOL_THREAD_NEVER : cfg->thread_after,
        .rotate = capture_rotate_file,
        .write_failed = capture_write_failed,
        .ctx = c,
    };
    c->out = spool_create(fd, &sc);
    if (c->out == NULL) {
        close(fd);
        capture_free(c);
        sim_err_set(err, SIM_ENOMEM, "out of memory opening capture %s", path);
        return NULL;
    }
    if (c->rotate) {
        /* Leftovers of an earlier run would read as this run's older packets. */
        for (int i = 1; i < c->ring_files; i++) {
            ring_name(c, c->name_a, i);
            if (unlink(c->name_a) != 0 && errno != ENOENT) {
                sim_err_set(err, SIM_EIO, "cannot remove old ring file %s: %s", c->name_a, strerror(errno));
                capture_free(c);
                return NULL;
            }
        }
    }
    spool_write(c->out, c->header, PCAP_FILE_HDR);
    c->file_bytes = PCAP_FILE_HDR;
    c->bytes = PCAP_FILE_HDR;
    if (c->flush_each && spool_flush(c->out) != 0) {
        sim_err_set(err, SIM_EIO, "%s", c->err.msg);
        capture_free(c);
        return NULL;
    }
    return c;
}

void capture_write(capture *c, sim_time t, const uint8_t *frame, size_t len)
{
    if (c != NULL && c->tap != NULL)
        c->tap(c->tap_ctx, t, frame, len);
    if (c == NULL || spool_error(c->out) != 0)
        return;
    uint32_t caplen = (uint32_t)len;
    if (len > c->snaplen || c->events != NULL) {
        unsigned kind = capture_frame_kind(c->linktype, frame, len);
        if (len > c->snaplen && kind == 0)
            caplen = c->snaplen;
        if (c->events != NULL && kind != 0 && !(kind & CAPTURE_KIND_BEACON))
            capture_write(c->events, t, frame, len);
    }
    uint64_t rec = PCAP_REC_HDR + caplen;
    if (c->rotate && c->file_packets > 0 && c->file_bytes + rec > c->ring_bytes) {
        spool_rotate(c->out);
        if (spool_error(c->out) != 0)
            return;
        spool_write(c->out, c->header, PCAP_FILE_HDR);
        c->file_bytes = PCAP_FILE_HDR;
        c->file_packets = 0;
        c->bytes += PCAP_FILE_HDR;
    }
    /* The record as libpcap's pcap_dump lays it out (a pcap_sf_pkthdr: 32-bit
     * seconds, nanoseconds with nanosecond precision, caplen, len, in host
     * order, then the bytes). */
    uint32_t rh[4] = {(uint32_t)(c->epoch_s + t / 1000000000), (uint32_t)(t % 1000000000), caplen, (uint32_t)len};
    spool_write(c->out, rh, sizeof rh);
    spool_write(c->out, frame, caplen);
    c->packets++;
    c->file_packets++;
    c->file_bytes += rec;
    c->bytes += rec;
    if (c->flush_each)
        spool_flush(c->out);
}

/* 802.2 LLC + SNAP with an ethertype (RFC 1042), as 802.11 data carries it. */
static int snap_ethertype(const uint8_t *p, size_t len)
{
    static const uint8_t snap[6] = {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00};
    if (len < 8 || memcmp(p, snap, 6) != 0)
        return -1;
    return p[6] << 8 | p[7];
}

/* ARP, EAPOL, or DHCP over IPv4/UDP, from the ethertype on. */
static unsigned ether_kind(int type, const uint8_t *p, size_t len)
{
    if (type == 0x888e)
        return CAPTURE_KIND_EAPOL;
    if (type == 0x0806)
        return CAPTURE_KIND_ARP;
    if (type != 0x0800 || len < 20 || (p[0] >> 4) != 4 || p[9] != 17)
        return 0;
    size_t ihl = (size_t)(p[0] & 15) * 4;
    /* a fragment past the first has no UDP header */
    if (ihl < 20 || len < ihl + 8 || ((p[6] & 0x1f) | p[7]) != 0)
        return 0;
    unsigned sport = (unsigned)(p[ihl] << 8 | p[ihl + 1]), dport = (unsigned)(p[ihl + 2] << 8 | p[ihl + 3]);
    return sport == 67 || sport == 68 || dport == 67 || dport == 68 ? CAPTURE_KIND_DHCP : 0;
}

unsigned capture_frame_kind(int linktype, const uint8_t *f, size_t len)
{
    if (linktype == CAPTURE_LINKTYPE_ETHERNET) {
        if (len < 14)
            return 0;
        size_t off = 12;
        int type = f[12] << 8 | f[13];
        if (type == 0x8100 && len >= 18) { /* one 802.1Q tag */
            off = 16;
            type = f[16] << 8 | f[17];
        }
        return ether_kind(type, f + off + 2, len - off - 2);
    }
    if (linktype != CAPTURE_LINKTYPE_IEEE802_11_RADIOTAP || len < 4 || f[0] != 0)
        return 0;
    size_t rt = (size_t)(f[2] | f[3] << 8); /* radiotap's length, little-endian */
    if (rt < 8 || len < rt + 24)
        return 0;
    const uint8_t *h = f + rt;
    size_t n = len - rt;
    unsigned type = (h[0] >> 2) & 3, subtype = h[0] >> 4;
    if (type == 0) /* 802.11-2016 9.2.4.1.3: management; beacon is subtype 8 */
        return CAPTURE_KIND_MGMT | (subtype == 8 ? CAPTURE_KIND_BEACON : 0);
    if (type != 2 || (h[1] & 0x40) || (subtype & 4)) /* data, unprotected, with a body (not null) */
        return 0;
    size_t hl = 24 + ((h[1] & 3) == 3 ? 6 : 0) + ((subtype & 8) ? 2 : 0); /* 4 addresses; QoS control */
    if (n < hl)
        return 0;
    int et = snap_ethertype(h + hl, n - hl);
    return et < 0 ? 0 : ether_kind(et, h + hl + 8, n - hl - 8);
}

void capture_close(capture *c)
{
    if (c == NULL)
        return;
    capture_free(c);
}

uint64_t capture_packets(const capture *c)
{
    return c->packets;
}

uint64_t capture_bytes_written(const capture *c)
{
    return c->bytes;
}

bool capture_broken(const capture *c)
{
    return spool_error(c->out) != 0;
}

const char *capture_error(const capture *c)
{
    return spool_error(c->out) != 0 ? c->err.msg : NULL;
}

int capture_finish(capture *c, sim_err *err)
{
    if (c == NULL)
        return SIM_OK;
    /* A FIFO's reader that went away is the documented end of a live
     * capture (flush_each), not a lost file. A run's capture that lost its
     * reader is cut short, and the README calls that exit status 4. */
    if (spool_flush(c->out) != 0 && !(c->flush_each && c->broken_errno == EPIPE))
        return sim_err_set(err, SIM_EIO, "%s", c->err.msg);
    return SIM_OK;
}
