/* Captures: pcap files on virtual time, read back byte by byte (24-byte
 * file header, 16-byte record headers, magic a1b23c4d for nanoseconds,
 * little-endian as written on this host). Checked here: nanosecond
 * timestamps = epoch + virtual time, the snap length (caplen cut, len kept),
 * bounded captures (a ring of files that keeps the newest packets in order,
 * every file valid and within ring_bytes, leftovers of an earlier run
 * removed), flush_each, bad ring settings, and a FIFO whose reader goes
 * away (never rotated, marked broken, no crash); with the writer thread
 * (sim/spool.h): the same bytes and ring files as without it, and its
 * failures (ENOSPC, EPIPE) reaching capture_finish. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "sim/capture.h"

#define OUT LINKRIG_BUILD_DIR "/test-out/"
#define MAX_PKTS 64

/* ---- reading a pcap by hand ---- */

struct pkt {
    uint32_t ts_sec, ts_nsec, caplen, len;
    uint8_t data[512];
};

struct pcap_file {
    uint32_t snaplen, linktype;
    int n;
    struct pkt p[MAX_PKTS];
};

static uint32_t le32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* 0 when the file is a complete, well-formed nanosecond pcap. */
static int read_pcap(const char *path, struct pcap_file *out)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    uint8_t h[24];
    int rc = -1;
    if (fread(h, 1, 24, f) != 24)
        goto done;
    static const uint8_t magic[4] = {0x4d, 0x3c, 0xb2, 0xa1};
    if (memcmp(h, magic, 4) != 0 || h[4] != 2 || h[5] != 0 || h[6] != 4 || h[7] != 0)
        goto done;
    out->snaplen = le32(h + 16);
    out->linktype = le32(h + 20);
    uint8_t r[16];
    size_t got;
    while ((got = fread(r, 1, 16, f)) == 16) {
        if (out->n == MAX_PKTS)
            goto done;
        struct pkt *p = &out->p[out->n];
        p->ts_sec = le32(r);
        p->ts_nsec = le32(r + 4);
        p->caplen = le32(r + 8);
        p->len = le32(r + 12);
        if (p->ts_nsec >= 1000000000u || p->caplen > sizeof p->data || p->caplen > out->snaplen ||
            p->caplen > p->len || fread(p->data, 1, p->caplen, f) != p->caplen)
            goto done;
        out->n++;
    }
    rc = got == 0 ? 0 : -1; /* no torn record at the end */
done:
    fclose(f);
    return rc;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* tshark reads the file without error and finds nothing malformed; -1 when
 * there is no tshark. */
static int tshark_ok(const char *pcap)
{
    if (LINKRIG_TSHARK[0] == '\0')
        return -1;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s -r '%s' >/dev/null 2>&1", LINKRIG_TSHARK, pcap);
    if (system(cmd) != 0)
        return 0;
    snprintf(cmd, sizeof cmd, "%s -r '%s' -Y _ws.malformed 2>/dev/null | wc -l", LINKRIG_TSHARK, pcap);
    FILE *f = popen(cmd, "r");
    int n = -1;
    if (f == NULL || fscanf(f, "%d", &n) != 1)
        n = -1;
    if (f)
        pclose(f);
    return n == 0;
}

/* ---- packets ---- */

/* An Ethernet frame of len bytes (>= 20) carrying seq, with the IEEE local
 * experimental EtherType, so that tshark shows plain data. */
static void frame(uint8_t *f, size_t len, uint32_t seq)
{
    static const uint8_t dst[6] = {0x02, 0, 0, 0, 0, 0x01}, src[6] = {0x02, 0, 0, 0, 0, 0x02};
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    f[12] = 0x88;
    f[13] = 0xb5;
    f[14] = (uint8_t)(seq >> 24);
    f[15] = (uint8_t)(seq >> 16);
    f[16] = (uint8_t)(seq >> 8);
    f[17] = (uint8_t)seq;
    for (size_t i = 18; i < len; i++)
        f[i] = (uint8_t)(seq + i);
}

static uint32_t seq_of(const struct pkt *p)
{
    return (uint32_t)p->data[14] << 24 | (uint32_t)p->data[15] << 16 | (uint32_t)p->data[16] << 8 | p->data[17];
}

static capture *open_or_fail(const char *path, const capture_config *cc)
{
    sim_err err = {0};
    capture *c = capture_open(path, cc, &err);
    if (c == NULL)
        fail_msg("capture_open %s: %s", path, err.msg);
    return c;
}

static void ring_path(char *buf, size_t size, const char *path, int n)
{
    if (n == 0)
        snprintf(buf, size, "%s", path);
    else
        snprintf(buf, size, "%s.%d", path, n);
}

static void remove_ring(const char *path, int upto)
{
    char name[512];
    for (int i = 0; i <= upto; i++) {
        ring_path(name, sizeof name, path, i);
        unlink(name);
    }
}

/* Reads the ring oldest file first and checks what every ring must hold:
 * at most `files` files, each valid, each within ring_bytes unless it holds
 * a single packet, each full (the next file's first packet would not have
 * fitted), and the packets consecutive and ending with the last written.
 * Returns the number of packets kept and the first one kept. */
static int check_ring(const char *path, int files, uint64_t ring_bytes, uint32_t last_seq, uint32_t *first_seq)
{
    char name[512];
    ring_path(name, sizeof name, path, files);
    assert_false(exists(name));
    static struct pcap_file pf[8];
    long size[8];
    assert_true(files <= 8);
    int nfiles = 0;
    while (nfiles < files) {
        ring_path(name, sizeof name, path, nfiles);
        if (!exists(name))
            break;
        assert_int_equal(read_pcap(name, &pf[nfiles]), 0);
        assert_true(pf[nfiles].n >= 1);
        size[nfiles] = file_size(name);
        uint64_t counted = 24;
        for (int i = 0; i < pf[nfiles].n; i++)
            counted += 16 + pf[nfiles].p[i].caplen;
        assert_int_equal((uint64_t)size[nfiles], counted);
        assert_true((uint64_t)size[nfiles] <= ring_bytes || pf[nfiles].n == 1);
        int ok = tshark_ok(name);
        if (ok >= 0)
            assert_int_equal(ok, 1);
        nfiles++;
    }
    assert_true(nfiles >= 1);
    /* PATH.i was closed only because the first packet of PATH.(i-1) did not fit */
    for (int i = nfiles - 1; i >= 1; i--)
        assert_true((uint64_t)size[i] + 16 + pf[i - 1].p[0].caplen > ring_bytes);
    int kept = 0;
    bool have = false;
    uint32_t expect = 0;
    for (int i = nfiles - 1; i >= 0; i--) {
        for (int k = 0; k < pf[i].n; k++) {
            uint32_t s = seq_of(&pf[i].p[k]);
            if (!have)
                *first_seq = s;
            else
                assert_int_equal(s, expect);
            have = true;
            expect = s + 1;
            kept++;
        }
    }
    assert_int_equal(expect - 1, last_seq);
    return kept;
}

/* ---- tests ---- */

static void test_ring_keeps_newest(void **state)
{
    (void)state;
    (void)system("mkdir -p " OUT);
    const char *path = OUT "cap_ring.pcap";
    remove_ring(path, 8);
    /* leftovers of an earlier, longer run */
    FILE *junk = fopen(OUT "cap_ring.pcap.2", "w");
    assert_non_null(junk);
    fputs("stale", junk);
    fclose(junk);

    const uint64_t ring = 24 + 5 * (16 + 100); /* five 100-byte packets, exactly */
    capture_config cc = {.linktype = CAPTURE_LINKTYPE_ETHERNET, .epoch_s = CAPTURE_DEFAULT_EPOCH_S,
                         .ring_bytes = ring, .ring_files = 3};
    capture *c = open_or_fail(path, &cc);
    assert_false(exists(OUT "cap_ring.pcap.2"));
    uint8_t f[100];
    for (uint32_t i = 0; i < 23; i++) {
        frame(f, sizeof f, i);
        capture_write(c, SIM_MS(10 * i), f, sizeof f);
    }
    assert_int_equal(capture_packets(c), 23);
    assert_int_equal(capture_bytes_written(c), 5 * 24 + 23 * (16 + 100)); /* five files were started */
    assert_false(capture_broken(c));
    assert_null(capture_error(c));
    capture_close(c);

    /* 23 = 4 full files + 3: the newest 3 in PATH, 5 each in .1 and .2 */
    struct pcap_file pf;
    const char *names[3] = {path, OUT "cap_ring.pcap.1", OUT "cap_ring.pcap.2"};
    const uint32_t first[3] = {20, 15, 10};
    const int count[3] = {3, 5, 5};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(read_pcap(names[i], &pf), 0);
        assert_int_equal(pf.n, count[i]);
        assert_int_equal(pf.linktype, CAPTURE_LINKTYPE_ETHERNET);
        for (int k = 0; k < pf.n; k++) {
            assert_int_equal(seq_of(&pf.p[k]), first[i] + (uint32_t)k);
            assert_int_equal(pf.p[k].caplen, 100);
            uint64_t t = SIM_MS(10 * (first[i] + (uint32_t)k));
            assert_int_equal(pf.p[k].ts_sec, CAPTURE_DEFAULT_EPOCH_S + t / 1000000000);
            assert_int_equal(pf.p[k].ts_nsec, t % 1000000000);
        }
        assert_true(file_size(names[i]) <= (long)ring);
    }
    assert_int_equal(file_size(names[1]), (long)ring); /* filled to the byte, not one packet early */
    uint32_t first_kept = 0;
    assert_int_equal(check_ring(path, 3, ring, 22, &first_kept), 13);
    assert_int_equal(first_kept, 10);
}

/* Frames of changing sizes: whether a packet still fits decides each cut. */
static void test_ring_variable_sizes(void **state)
{
    (void)state;
    (void)system("mkdir -p " OUT);
    const char *path = OUT "cap_ring_var.pcap";
    remove_ring(path, 8);
    const uint64_t ring = 500;
    capture_config cc = {.linktype = CAPTURE_LINKTYPE_ETHERNET, .epoch_s = CAPTURE_DEFAULT_EPOCH_S,
                         .ring_bytes = ring, .ring_files = 4};
    capture *c = open_or_fail(path, &cc);
    uint8_t f[512];
    uint32_t n = 0;
    for (; n < 40; n++) {
        size_t len = 60 + (n * 53) % 160;
        frame(f, len, n);
        capture_write(c, SIM_US(1500 * n), f, len);
    }
    /* one frame larger than the whole budget gets a file of its own */
    frame(f, sizeof f, n);
    capture_write(c, SIM_US(1500 * n), f, sizeof f);
    size_t small = 60;
    frame(f, small, n + 1);
    capture_write(c, SIM_US(1500 * (n + 1)), f, small);
    n += 2;
    assert_int_equal(capture_packets(c), n);
    capture_close(c);
    uint32_t first = 0;
    int kept = check_ring(path, 4, ring, n - 1, &first);
    print_message("ring of 4 x %u bytes kept packets %u..%u (%d)\n", (unsigned)ring, first, n - 1, kept);
    struct pcap_file pf;
    assert_int_equal(read_pcap(OUT "cap_ring_var.pcap.1", &pf), 0);
    assert_int_equal(pf.n, 1);
    assert_int_equal(pf.p[0].caplen, 512);
    assert_int_equal(read_pcap(path, &pf), 0);
    assert_int_equal(pf.n, 1);
}

static void test_snaplen_and_timestamps(void **state)
{
    (void)state;
    (void)system("mkdir -p " OUT);
    const char *path = OUT "cap_snap.pcap";
    remove_ring(path, 4);
    const int64_t epoch = 1000000000; /* 2001-09-09T01:46:40Z */
    /* ring budget in captured bytes: two cut packets per file */
    capture_config cc = {.linktype = CAPTURE_LINKTYPE_ETHERNET, .snaplen = 64, .epoch_s = epoch,
                         .ring_bytes = 24 + 2 * (16 + 64), .ring_files = 2};
    capture *c = open_or_fail(path, &cc);
    uint8_t f[200];
    frame(f, sizeof f, 1);
    capture_write(c, SIM_SEC(3) + 123456789, f, sizeof f);
    frame(f, 50, 2);
    capture_write(c, SIM_SEC(4000) + 1, f, 50);
    frame(f, sizeof f, 3);
    capture_write(c, SIM_SEC(4000) + 999999999, f, sizeof f);
    capture_close(c);

    struct pcap_file pf;
    assert_int_equal(read_pcap(OUT "cap_snap.pcap.1", &pf), 0);
    /* the header's maximum: management and EAPOL frames are never cut */
    assert_int_equal(pf.snaplen, 262144);
    assert_int_equal(pf.n, 2);
    assert_int_equal(pf.p[0].caplen, 64);
    assert_int_equal(pf.p[0].len, 200);
    frame(f, sizeof f, 1);
    assert_memory_equal(pf.p[0].data, f, 64);
    assert_int_equal(pf.p[0].ts_sec, epoch + 3);
    assert_int_equal(pf.p[0].ts_nsec, 123456789);
    assert_int_equal(pf.p[1].caplen, 50);
    assert_int_equal(pf.p[1].len, 50);
    assert_int_equal(pf.p[1].ts_sec, epoch + 4000);
    assert_int_equal(pf.p[1].ts_nsec, 1);
    assert_int_equal(read_pcap(path, &pf), 0);
    assert_int_equal(pf.n, 1);
    assert_int_equal(pf.p[0].caplen, 64);
    assert_int_equal(pf.p[0].len, 200);
    assert_int_equal(pf.p[0].ts_sec, epoch + 4000);
    assert_int_equal(pf.p[0].ts_nsec, 999999999);
    assert_int_equal(seq_of(&pf.p[0]), 3);
    int ok = tshark_ok(path);
    if (ok >= 0)
        assert_int_equal(ok, 1);

    /* the default epoch, virtual time 0 */
    const char *p0 = OUT "cap_epoch.pcap";
    capture_config c0 = {.linktype = CAPTURE_LINKTYPE_IEEE802_11_RADIOTAP, .epoch_s = CAPTURE_DEFAULT_EPOCH_S};
    c = open_or_fail(p0, &c0);
    capture_write(c, 0, f, 20);
    capture_close(c);
    assert_int_equal(read_pcap(p0, &pf), 0);
    assert_int_equal(pf.linktype, CAPTURE_LINKTYPE_IEEE802_11_RADIOTAP);
    assert_int_equal(pf.snaplen, 262144);
    assert_int_equal(pf.p[0].ts_sec, 1767225600u);
    assert_int_equal(pf.p[0].ts_nsec, 0);
}

/* flush_each: every packet is on disk before capture_close, in a new file
 * of the ring too. */
/* What capture_frame_kind reads, each kind from its own bytes, and a frame
 * too short for its header read as nothing. */
static void test_frame_kinds(void **state)
{
    (void)state;
    uint8_t e[64] = {0};
    e[12] = 0x88, e[13] = 0x8e;
    assert_int_equal(capture_frame_kind(CAPTURE_LINKTYPE_ETHERNET, e, sizeof e), CAPTURE_KIND_EAPOL);
    e[12] = 0x08, e[13] = 0x06;
    assert_int_equal(capture_frame_kind(CAPTURE_LINKTYPE_ETHERNET, e, sizeof e), CAPTURE_KIND_ARP);
    /* IPv4, IHL 5, UDP, 68 -> 67 */
    e[12] = 0x08, e[13] = 0x00, e[14] = 0x45, e[23] = 17, e[34] = 0, e[35] = 68, e[36] = 0, e[37] = 67;
    assert_int_equal(capture_frame_kind(CAPTURE_LINKTYPE_ETHERNET, e, sizeof e), CAPTURE_KIND_DHCP);
    assert_int_equal(capture_frame_kind(CAPTURE_LINKTYPE_ETHERNET, e, 36), 0); /* UDP header cut */
    e[37] = 53;
    e[35] = 53;
    assert_int_equal(capture_frame_kind(CAPTURE_LINKTYPE_ETHERNET, e, sizeof e), 0);
    e[21] = 1; /* a later fragment (offset 8 bytes): no UDP header to read */
    e[37] = 67;
    assert_int_equal(capture_frame_kind(CAPTURE_LINKTYPE_ETHERNET, e, sizeof e), 0);

    /* radiotap (8-byte header, no fields) + 802.11 */
    uint8_t r[80] = {0};
    r[2] = 8;
    r[8] = 0x80; /* beacon */
    assert_int_equal(capture_frame_kind(CAPTURE_LINKTYPE_IEEE802_11_RADIOTAP, r, sizeof r),
                     CAPTURE_KIND_MGMT | CAPTURE_KIND_BEACON);
    r[8] = 0xc0; /* deauthentication */
    assert_int_equal(capture_frame_kind(CAPTURE_LINKTYPE_IEEE802_11_RADIOTAP, r, sizeof r), CAPTURE_KIND_MGMT);
    assert_int_equal(capture_frame_kind(CAPTURE_LINKTYPE_IEEE802_11_RADIOTAP, r, 8 + 23), 0);
    r[8] = 0x08; /* data, FromDS, LLC/SNAP EAPOL */
    r[9] = 0x02;
    static const uint8_t snap[8] = {0xaa, 0xaa, 0x03, 0, 0, 0, 0x88, 0x8e};
    memcpy(r + 8 + 24, snap, sizeof snap);
    assert_int_equal(capture_frame_kind(CAPTURE_LINKTYPE_IEEE802_11_RADIOTAP, r, sizeof r), CAPTURE_KIND_EAPOL);
    r[8] = 0x88; /* QoS data: two more header bytes, so the SNAP is not where it was */
    assert_int_equal(capture_frame_kind(CAPTURE_LINKTYPE_IEEE802_11_RADIOTAP, r, sizeof r), 0);
    r[8] = 0x08;
    r[9] = 0x42; /* protected: unreadable */
    assert_int_equal(capture_frame_kind(CAPTURE_LINKTYPE_IEEE802_11_RADIOTAP, r, sizeof r), 0);
}

/* The snap length cuts data but not EAPOL or ARP; the events capture gets
 * whole copies of those only, and stays one file while the main one rings. */
static void test_snaplen_keeps_events_whole(void **state)
{
    (void)state;
    (void)system("mkdir -p " OUT);
    const char *path = OUT "cap_ev_main.pcap", *evp = OUT "cap_ev_events.pcap";
    remove_ring(path, 2);
    capture_config ec = {.linktype = CAPTURE_LINKTYPE_ETHERNET, .epoch_s = 0};
    capture *ev = open_or_fail(evp, &ec);
    capture_config cc = {.linktype = CAPTURE_LINKTYPE_ETHERNET, .snaplen = 32, .epoch_s = 0,
                         .ring_bytes = 24 + 2 * (16 + 200), .ring_files = 2, .events = ev};
    capture *c = open_or_fail(path, &cc);
    uint8_t f[200];
    for (uint32_t i = 0; i < 12; i++) {
        frame(f, sizeof f, i);
        if (i % 3 == 0)
            f[12] = 0x88, f[13] = 0x8e; /* EAPOL */
        capture_write(c, SIM_SEC(i), f, sizeof f);
    }
    capture_close(c);
    capture_close(ev);
    struct pcap_file pf;
    assert_int_equal(read_pcap(path, &pf), 0);
    for (int i = 0; i < pf.n; i++)
        assert_int_equal(pf.p[i].caplen, seq_of(&pf.p[i]) % 3 == 0 ? 200 : 32);
    assert_int_equal(read_pcap(evp, &pf), 0);
    assert_int_equal(pf.n, 4); /* frames 0, 3, 6, 9: all of them, though the ring lost the first */
    for (int i = 0; i < pf.n; i++) {
        assert_int_equal(pf.p[i].caplen, 200);
        assert_int_equal(seq_of(&pf.p[i]), 3 * (uint32_t)i);
    }
}

static void test_flush_each(void **state)
{
    (void)state;
    (void)system("mkdir -p " OUT);
    const char *path = OUT "cap_flush.pcap";
    remove_ring(path, 4);
    capture_config cc = {.linktype = CAPTURE_LINKTYPE_ETHERNET, .epoch_s = CAPTURE_DEFAULT_EPOCH_S,
                         .flush_each = true, .ring_bytes = 24 + 3 * (16 + 80), .ring_files = 2};
    capture *c = open_or_fail(path, &cc);
    assert_int_equal(file_size(path), 24);
    uint8_t f[80];
    for (uint32_t i = 0; i < 4; i++) {
        frame(f, sizeof f, i);
        capture_write(c, SIM_MS(i), f, sizeof f);
        struct pcap_file pf;
        assert_int_equal(read_pcap(path, &pf), 0);
        assert_int_equal(pf.n, (int)(i % 3) + 1);
        assert_int_equal(seq_of(&pf.p[pf.n - 1]), i);
    }
    assert_int_equal(file_size(OUT "cap_flush.pcap.1"), 24 + 3 * (16 + 80));
    capture_close(c);
}

/* Without a ring, one file takes everything. */
static void test_unbounded(void **state)
{
    (void)state;
    (void)system("mkdir -p " OUT);
    const char *path = OUT "cap_unbounded.pcap";
    remove_ring(path, 4);
    capture_config cc = {.linktype = CAPTURE_LINKTYPE_ETHERNET, .epoch_s = CAPTURE_DEFAULT_EPOCH_S,
                         .ring_files = 3 /* ignored without ring_bytes */};
    capture *c = open_or_fail(path, &cc);
    uint8_t f[300];
    for (uint32_t i = 0; i < MAX_PKTS; i++) {
        frame(f, sizeof f, i);
        capture_write(c, SIM_MS(i), f, sizeof f);
    }
    assert_int_equal(capture_bytes_written(c), 24 + MAX_PKTS * (16 + 300));
    capture_close(c);
    assert_false(exists(OUT "cap_unbounded.pcap.1"));
    assert_int_equal(file_size(path), 24 + MAX_PKTS * (16 + 300));
    struct pcap_file pf;
    assert_int_equal(read_pcap(path, &pf), 0);
    assert_int_equal(pf.n, MAX_PKTS);
}

static void test_bad_ring_config(void **state)
{
    (void)state;
    (void)system("mkdir -p " OUT);
    const int bad[] = {0, 1, -3, CAPTURE_RING_FILES_MAX + 1};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        capture_config cc = {.linktype = CAPTURE_LINKTYPE_ETHERNET, .ring_bytes = 4096, .ring_files = bad[i]};
        sim_err err = {0};
        assert_null(capture_open(OUT "cap_bad.pcap", &cc, &err));
        assert_int_equal(err.code, SIM_EINVAL);
        assert_non_null(strstr(err.msg, "cap_bad.pcap"));
    }
    capture_config cc = {.linktype = CAPTURE_LINKTYPE_ETHERNET};
    sim_err err = {0};
    assert_null(capture_open(OUT "no-such-dir/x.pcap", &cc, &err));
    assert_int_equal(err.code, SIM_EIO);
}

/* ---- a FIFO whose reader leaves ---- */

struct reader {
    const char *path;
    size_t want;
    size_t got;
    uint8_t buf[1024];
};

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    int fd = open(r->path, O_RDONLY);
    if (fd < 0)
        return NULL;
    while (r->got < r->want) {
        ssize_t n = read(fd, r->buf + r->got, r->want - r->got);
        if (n <= 0)
            break;
        r->got += (size_t)n;
    }
    close(fd); /* Wireshark closed */
    return NULL;
}

static void test_fifo_reader_goes_away(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    (void)system("mkdir -p " OUT);
    const char *path = OUT "cap_live.fifo";
    unlink(path);
    unlink(OUT "cap_live.fifo.1");
    assert_int_equal(mkfifo(path, 0600), 0);
    const size_t pkt = 100;
    struct reader rd = {.path = path, .want = 24 + 3 * (16 + pkt)};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, reader_main, &rd), 0);
    /* A ring small enough to rotate after every packet: a FIFO must not. */
    capture_config cc = {.linktype = CAPTURE_LINKTYPE_ETHERNET, .epoch_s = CAPTURE_DEFAULT_EPOCH_S,
                         .flush_each = true, .ring_bytes = 24 + 16 + pkt, .ring_files = 2};
    sim_err err = {0};
    capture *c = capture_open(path, &cc, &err); /* blocks until the reader opens */
    if (c == NULL) {
        int fd = open(path, O_WRONLY); /* release the reader */
        if (fd >= 0)
            close(fd);
        pthread_join(th, NULL);
        fail_msg("capture_open: %s", err.msg);
    }
    uint8_t f[100];
    for (uint32_t i = 0; i < 3; i++) {
        frame(f, pkt, i);
        capture_write(c, SIM_MS(i), f, pkt);
    }
    assert_false(capture_broken(c));
    pthread_join(th, NULL); /* it read three packets and left */
    assert_int_equal(rd.got, rd.want);
    for (uint32_t i = 3; i < 10; i++) {
        frame(f, pkt, i);
        capture_write(c, SIM_MS(i), f, pkt);
    }
    assert_true(capture_broken(c));
    assert_non_null(capture_error(c));
    assert_non_null(strstr(capture_error(c), "cap_live.fifo"));
    print_message("broken capture: %s\n", capture_error(c));
    assert_true(capture_packets(c) >= 4 && capture_packets(c) < 10); /* nothing after the break */
    assert_int_equal(capture_finish(c, &err), SIM_OK); /* the end of a live capture, not a lost file */
    capture_close(c);
    assert_false(exists(OUT "cap_live.fifo.1"));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));

    /* what the reader got: one header and three packets in a row */
    static const uint8_t magic[4] = {0x4d, 0x3c, 0xb2, 0xa1};
    assert_memory_equal(rd.buf, magic, 4);
    for (uint32_t i = 0; i < 3; i++) {
        const uint8_t *rec = rd.buf + 24 + i * (16 + pkt);
        assert_int_equal(le32(rec + 8), pkt);
        assert_int_equal(rec[16 + 17], i); /* the low byte of seq */
    }
    unlink(path);
}

/* ---- the writer thread ---- */

/* 1 when both files hold the same bytes. */
static int same_bytes(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa != NULL && fb != NULL;
    while (same) {
        int x = fgetc(fa), y = fgetc(fb);
        if (x != y)
            same = 0;
        if (x == EOF || y == EOF)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

/* Frames of many sizes, some larger than a spool block, some EAPOL (never
 * cut), into a capture with an events copy. */
static void write_mix(capture *c, uint32_t n)
{
    static uint8_t f[3000];
    for (uint32_t i = 0; i < n; i++) {
        size_t len = 60 + (i * 197) % (sizeof f - 60);
        frame(f, len, i);
        if (i % 7 == 0)
            f[12] = 0x88, f[13] = 0x8e;
        capture_write(c, SIM_US(700 * i), f, len);
    }
}

/* One run of write_mix into PATH (and PATH-events), bounded or not, with
 * the writer thread from the first block on (tiny blocks, so the appender
 * waits for spare ones over and over) or never; returns the packets. */
static uint64_t mix_run(const char *path, const char *evpath, uint64_t ring, bool threaded)
{
    remove_ring(path, 8);
    capture_config ec = {.linktype = CAPTURE_LINKTYPE_ETHERNET, .epoch_s = CAPTURE_DEFAULT_EPOCH_S,
                         .buffer_bytes = threaded ? 2048 : 0,
                         .thread_after = threaded ? 1 : CAPTURE_THREAD_NEVER};
    capture *ev = open_or_fail(evpath, &ec);
    capture_config cc = {.linktype = CAPTURE_LINKTYPE_ETHERNET, .epoch_s = CAPTURE_DEFAULT_EPOCH_S, .snaplen = 128,
                         .ring_bytes = ring, .ring_files = 4, .events = ev,
                         .buffer_bytes = threaded ? 4096 : 0,
                         .thread_after = threaded ? 1 : CAPTURE_THREAD_NEVER};
    capture *c = open_or_fail(path, &cc);
    write_mix(c, 1500);
    sim_err err = {0};
    assert_int_equal(capture_finish(c, &err), SIM_OK);
    assert_int_equal(capture_finish(ev, &err), SIM_OK);
    if (ring == 0) /* finished: all of it on disk while still open */
        assert_int_equal(file_size(path), (long)capture_bytes_written(c));
    assert_int_equal(file_size(evpath), (long)capture_bytes_written(ev));
    uint64_t n = capture_packets(c);
    assert_false(capture_broken(c));
    capture_close(c);
    capture_close(ev);
    return n;
}

/* The writer thread writes the very bytes the simulation thread would
 * have, and rotates the ring at the same packets. */
static void test_thread_same_bytes(void **state)
{
    (void)state;
    (void)system("mkdir -p " OUT);
    const uint64_t rings[2] = {0, 24 + 40 * (16 + 128)};
    for (int r = 0; r < 2; r++) {
        assert_int_equal(mix_run(OUT "cap_thr_a.pcap", OUT "cap_thr_a_ev.pcap", rings[r], false), 1500);
        assert_int_equal(mix_run(OUT "cap_thr_b.pcap", OUT "cap_thr_b_ev.pcap", rings[r], true), 1500);
        char a[512], b[512];
        for (int i = 0; i < 4; i++) {
            ring_path(a, sizeof a, OUT "cap_thr_a.pcap", i);
            ring_path(b, sizeof b, OUT "cap_thr_b.pcap", i);
            assert_int_equal(exists(a), exists(b));
            if (exists(a))
                assert_true(same_bytes(a, b));
        }
        assert_true(exists(OUT "cap_thr_b.pcap.3") == (r == 1));
        assert_true(same_bytes(OUT "cap_thr_a_ev.pcap", OUT "cap_thr_b_ev.pcap"));
    }
}

/* A write that fails on the writer thread reaches the caller: the capture
 * is broken, and capture_finish says which file and why. The file size
 * limit (as linkrig ignores SIGXFSZ, a full disk's way of failing) lets
 * the first block through, on this thread, so the thread starts, and
 * stops a later one, on the writer thread. */
static void test_thread_write_error(void **state)
{
    (void)state;
    (void)system("mkdir -p " OUT);
    const char *path = OUT "cap_thr_limit.pcap";
    unlink(path);
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 16 * 1024;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    capture_config cc = {.linktype = CAPTURE_LINKTYPE_ETHERNET, .epoch_s = CAPTURE_DEFAULT_EPOCH_S,
                         .buffer_bytes = 4096, .thread_after = 1};
    capture *c = open_or_fail(path, &cc);
    write_mix(c, 200);
    sim_err err = {0};
    int rc = capture_finish(c, &err);
    setrlimit(RLIMIT_FSIZE, &old);
    assert_int_equal(rc, SIM_EIO);
    print_message("%s\n", err.msg);
    assert_non_null(strstr(err.msg, "cap_thr_limit.pcap"));
    assert_non_null(strstr(err.msg, strerror(EFBIG)));
    assert_true(capture_broken(c));
    assert_non_null(capture_error(c));
    uint64_t n = capture_packets(c);
    write_mix(c, 10); /* dropped */
    assert_int_equal(capture_packets(c), n);
    capture_close(c);
    assert_int_equal(file_size(path), 16 * 1024);
}

/* A FIFO's reader leaving while the writer thread writes: EPIPE there,
 * the capture broken, and, this not being a live (flush_each) capture,
 * capture_finish reports the cut file. */
static void test_thread_fifo_reader_goes_away(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    (void)system("mkdir -p " OUT);
    const char *path = OUT "cap_thr.fifo";
    unlink(path);
    assert_int_equal(mkfifo(path, 0600), 0);
    struct reader rd = {.path = path, .want = 24 + 3 * 16};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, reader_main, &rd), 0);
    capture_config cc = {.linktype = CAPTURE_LINKTYPE_ETHERNET, .epoch_s = CAPTURE_DEFAULT_EPOCH_S,
                         .buffer_bytes = 4096, .thread_after = 1, .ring_bytes = 1000, .ring_files = 2};
    sim_err err = {0};
    capture *c = capture_open(path, &cc, &err);
    if (c == NULL) {
        int fd = open(path, O_WRONLY);
        if (fd >= 0)
            close(fd);
        pthread_join(th, NULL);
        fail_msg("capture_open: %s", err.msg);
    }
    write_mix(c, 2000); /* far more than a pipe holds */
    pthread_join(th, NULL);
    assert_int_equal(rd.got, rd.want);
    assert_int_equal(capture_finish(c, &err), SIM_EIO);
    assert_non_null(strstr(err.msg, strerror(EPIPE)));
    assert_true(capture_broken(c));
    assert_non_null(strstr(capture_error(c), strerror(EPIPE)));
    capture_close(c);
    assert_false(exists(OUT "cap_thr.fifo.1"));
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_keeps_newest),
        cmocka_unit_test(test_ring_variable_sizes),
        cmocka_unit_test(test_snaplen_and_timestamps),
        cmocka_unit_test(test_frame_kinds),
        cmocka_unit_test(test_snaplen_keeps_events_whole),
        cmocka_unit_test(test_flush_each),
        cmocka_unit_test(test_unbounded),
        cmocka_unit_test(test_bad_ring_config),
        cmocka_unit_test(test_fifo_reader_goes_away),
        cmocka_unit_test(test_thread_same_bytes),
        cmocka_unit_test(test_thread_write_error),
        cmocka_unit_test(test_thread_fifo_reader_goes_away),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
