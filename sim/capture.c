#define _DEFAULT_SOURCE
#include "sim/capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The classic pcap layout libpcap writes: what ring_bytes is counted in. */
#define PCAP_FILE_HDR 24u
#define PCAP_REC_HDR 16u

struct capture {
    pcap_t *dead;
    pcap_dumper_t *dumper; /* NULL after a rotation failed to reopen */
    FILE *f;
    char *path;
    char *name_a, *name_b; /* PATH.N scratch for the rotation's renames */
    size_t name_size;
    uint32_t snaplen;
    int64_t epoch_s;
    bool flush_each;
    bool rotate;
    uint64_t ring_bytes;
    int ring_files;
    uint64_t file_bytes, file_packets; /* the current file */
    uint64_t bytes, packets;           /* the whole capture */
    bool broken;
    int broken_errno;
    sim_err err;
    char *buf; /* the file's stdio buffer (not for flush_each captures) */
    size_t buf_size;
    int linktype;
    capture *events;
    void (*tap)(void *ctx, sim_time t, const uint8_t *frame, size_t len);
    void *tap_ctx;
};

/* Frames are written in bursts of a few hundred bytes; a large buffer of
 * our own turns them into few write calls (glibc picks 4 KiB for a file by
 * itself, and ignores a size given with a NULL buffer). One buffer per
 * capture: a ring's next file takes it over once the previous file is
 * closed (its last bytes flushed), and it is freed after the last close. */
#define CAPTURE_BUF (1024 * 1024)

static void ring_name(const capture *c, char *buf, int n)
{
    snprintf(buf, c->name_size, "%s.%d", c->path, n);
}

/* Opened by us, not by pcap_dump_open, so that a FIFO whose reader left
 * gives EPIPE on write (SIGPIPE ignored) rather than libpcap exiting. */
static int capture_start_file(capture *c, sim_err *err)
{
    c->f = fopen(c->path, "wb");
    if (c->f == NULL)
        return sim_err_set(err, SIM_EIO, "cannot create capture file %s: %s", c->path, strerror(errno));
    /* Only the simulation thread writes a capture: no lock per call (the
     * watchdog's thread makes glibc lock every stdio call otherwise). */
    __fsetlocking(c->f, FSETLOCKING_BYCALLER);
    if (!c->flush_each) {
        if (c->buf == NULL)
            c->buf = malloc(c->buf_size);
        if (c->buf != NULL)
            setvbuf(c->f, c->buf, _IOFBF, c->buf_size);
    }
    c->dumper = pcap_dump_fopen(c->dead, c->f);
    if (c->dumper == NULL) {
        sim_err_set(err, SIM_EIO, "cannot write capture %s: %s", c->path, pcap_geterr(c->dead));
        fclose(c->f);
        c->f = NULL;
        return SIM_EIO;
    }
    c->file_bytes = PCAP_FILE_HDR;
    c->file_packets = 0;
    c->bytes += PCAP_FILE_HDR;
    if (c->flush_each && pcap_dump_flush(c->dumper) != 0)
        return sim_err_set(err, SIM_EIO, "writing capture %s failed: %s", c->path, strerror(errno));
    return SIM_OK;
}

static void capture_free(capture *c)
{
    if (c->dumper != NULL)
        pcap_dump_close(c->dumper); /* closes c->f */
    else if (c->f != NULL)
        fclose(c->f);
    if (c->dead != NULL)
        pcap_close(c->dead);
    free(c->path);
    free(c->name_a);
    free(c->name_b);
    free(c->buf); /* after the stream that used it is closed */
    free(c);
}

capture *capture_open(const char *path, const capture_config *cfg, sim_err *err)
{
    if (cfg->ring_bytes > 0 && (cfg->ring_files < 2 || cfg->ring_files > CAPTURE_RING_FILES_MAX)) {
        sim_err_set(err, SIM_EINVAL, "capture %s: a ring needs 2..%d files, not %d", path, CAPTURE_RING_FILES_MAX,
                    cfg->ring_files);
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
    c->snaplen = cfg->snaplen ? cfg->snaplen : 262144;
    c->epoch_s = cfg->epoch_s;
    c->flush_each = cfg->flush_each;
    c->ring_bytes = cfg->ring_bytes;
    c->ring_files = cfg->ring_files;
    c->linktype = cfg->linktype;
    c->events = cfg->events;
    c->buf_size = cfg->buffer_bytes > 0 ? cfg->buffer_bytes : CAPTURE_BUF;
    c->tap = cfg->tap;
    c->tap_ctx = cfg->tap_ctx;
    /* the header's snap length is the largest frame in the file: with a
     * short snaplen, management and EAPOL frames still come whole */
    c->dead = pcap_open_dead_with_tstamp_precision(cfg->linktype, 262144, PCAP_TSTAMP_PRECISION_NANO);
    if (c->dead == NULL) {
        capture_free(c);
        sim_err_set(err, SIM_EINVAL, "libpcap refused link type %d", cfg->linktype);
        return NULL;
    }
    if (capture_start_file(c, err) != SIM_OK) {
        capture_free(c);
        return NULL;
    }
    /* A FIFO cannot be renamed out from under its reader, nor can a device:
     * only a regular file is rotated. */
    struct stat st;
    c->rotate = c->ring_bytes > 0 && fstat(fileno(c->f), &st) == 0 && S_ISREG(st.st_mode);
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
    return c;
}

static void capture_break(capture *c, const char *what)
{
    if (c->broken)
        return;
    c->broken = true;
    c->broken_errno = errno;
    sim_err_set(&c->err, SIM_EIO, "%s %s failed: %s", what, c->path, strerror(errno));
}

/* PATH -> PATH.1 -> ... -> PATH.<ring_files-1> (replaced), then a new PATH. */
static int capture_rotate(capture *c)
{
    if (pcap_dump_flush(c->dumper) != 0 || ferror(c->f)) {
        capture_break(c, "writing capture");
        return SIM_EIO;
    }
    pcap_dump_close(c->dumper);
    c->dumper = NULL;
    c->f = NULL;
    for (int i = c->ring_files - 2; i >= 1; i--) {
        ring_name(c, c->name_a, i);
        ring_name(c, c->name_b, i + 1);
        /* A ring still filling up has gaps at its old end. */
        if (rename(c->name_a, c->name_b) != 0 && errno != ENOENT) {
            capture_break(c, "rotating capture");
            return SIM_EIO;
        }
    }
    ring_name(c, c->name_a, 1);
    if (rename(c->path, c->name_a) != 0) {
        capture_break(c, "rotating capture");
        return SIM_EIO;
    }
    sim_err e = {0};
    if (capture_start_file(c, &e) != SIM_OK) {
        c->broken = true;
        c->err = e;
        return e.code;
    }
    return SIM_OK;
}

void capture_write(capture *c, sim_time t, const uint8_t *frame, size_t len)
{
    if (c != NULL && c->tap != NULL)
        c->tap(c->tap_ctx, t, frame, len);
    if (c == NULL || c->broken)
        return;
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    /* With nanosecond precision libpcap stores tv_usec as nanoseconds. */
    h.ts.tv_sec = (time_t)(c->epoch_s + t / 1000000000);
    h.ts.tv_usec = (suseconds_t)(t % 1000000000);
    h.len = (bpf_u_int32)len;
    unsigned kind = len > c->snaplen || c->events != NULL ? capture_frame_kind(c->linktype, frame, len) : 0;
    h.caplen = (bpf_u_int32)(len < c->snaplen || kind != 0 ? len : c->snaplen);
    if (c->events != NULL && kind != 0 && !(kind & CAPTURE_KIND_BEACON))
        capture_write(c->events, t, frame, len);
    uint64_t rec = PCAP_REC_HDR + h.caplen;
    if (c->rotate && c->file_packets > 0 && c->file_bytes + rec > c->ring_bytes && capture_rotate(c) != SIM_OK)
        return;
    /* The record as libpcap's pcap_dump lays it out (a pcap_sf_pkthdr: 32-bit
     * seconds, nanoseconds, caplen, len, in host order, then the bytes),
     * written here without pcap_dump's ferror call per packet. */
    uint32_t rh[4] = {(uint32_t)h.ts.tv_sec, (uint32_t)h.ts.tv_usec, h.caplen, h.len};
    fwrite_unlocked(rh, sizeof rh, 1, c->f);
    fwrite_unlocked(frame, 1, h.caplen, c->f);
    c->packets++;
    c->file_packets++;
    c->file_bytes += rec;
    c->bytes += rec;
    if (c->flush_each && pcap_dump_flush(c->dumper) != 0)
        capture_break(c, "writing capture");
    /* ferror takes the stream's lock: every 64 frames is soon enough to
     * notice a failed write, and the close checks again. */
    else if ((c->packets & 63) == 0 && ferror(c->f))
        capture_break(c, "writing capture");
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
    return c->broken;
}

const char *capture_error(const capture *c)
{
    return c->broken ? c->err.msg : NULL;
}

int capture_finish(capture *c, sim_err *err)
{
    if (c == NULL)
        return SIM_OK;
    if (!c->broken && c->dumper != NULL && (pcap_dump_flush(c->dumper) != 0 || ferror(c->f)))
        capture_break(c, "writing capture");
    /* a FIFO's reader that went away is the documented end of a live
     * capture (the header), not a lost file */
    if (c->broken && c->broken_errno != EPIPE)
        return sim_err_set(err, SIM_EIO, "%s", c->err.msg);
    return SIM_OK;
}
