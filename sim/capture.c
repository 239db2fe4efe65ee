#define _DEFAULT_SOURCE
#include "sim/capture.h"

#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct capture {
    pcap_t *dead;
    pcap_dumper_t *dumper;
    FILE *f;
    uint32_t snaplen;
    int64_t epoch_s;
    bool flush_each;
    bool broken;
    uint64_t packets;
};

capture *capture_open(const char *path, const capture_config *cfg, sim_err *err)
{
    capture *c = calloc(1, sizeof *c);
    if (c == NULL) {
        sim_err_set(err, SIM_ENOMEM, "out of memory opening capture %s", path);
        return NULL;
    }
    c->snaplen = cfg->snaplen ? cfg->snaplen : 262144;
    c->epoch_s = cfg->epoch_s;
    c->flush_each = cfg->flush_each;
    c->dead = pcap_open_dead_with_tstamp_precision(cfg->linktype, (int)c->snaplen, PCAP_TSTAMP_PRECISION_NANO);
    if (c->dead == NULL) {
        free(c);
        sim_err_set(err, SIM_EINVAL, "libpcap refused link type %d", cfg->linktype);
        return NULL;
    }
    /* Opened by us so that a FIFO whose reader left gives EPIPE on write
     * (SIGPIPE is ignored by the CLI) rather than libpcap exiting. */
    c->f = fopen(path, "wb");
    if (c->f == NULL) {
        pcap_close(c->dead);
        free(c);
        sim_err_set(err, SIM_EIO, "cannot create capture file %s", path);
        return NULL;
    }
    c->dumper = pcap_dump_fopen(c->dead, c->f);
    if (c->dumper == NULL) {
        sim_err_set(err, SIM_EIO, "cannot write capture %s: %s", path, pcap_geterr(c->dead));
        fclose(c->f);
        pcap_close(c->dead);
        free(c);
        return NULL;
    }
    if (c->flush_each)
        pcap_dump_flush(c->dumper);
    return c;
}

void capture_write(capture *c, sim_time t, const uint8_t *frame, size_t len)
{
    if (c == NULL || c->broken)
        return;
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    /* With nanosecond precision libpcap stores tv_usec as nanoseconds. */
    h.ts.tv_sec = (time_t)(c->epoch_s + t / 1000000000);
    h.ts.tv_usec = (suseconds_t)(t % 1000000000);
    h.len = (bpf_u_int32)len;
    h.caplen = (bpf_u_int32)(len < c->snaplen ? len : c->snaplen);
    pcap_dump((u_char *)c->dumper, &h, frame);
    c->packets++;
    if (c->flush_each && pcap_dump_flush(c->dumper) != 0)
        c->broken = true;
    if (ferror(c->f))
        c->broken = true;
}

void capture_close(capture *c)
{
    if (c == NULL)
        return;
    pcap_dump_close(c->dumper); /* closes c->f */
    pcap_close(c->dead);
    free(c);
}

uint64_t capture_packets(const capture *c)
{
    return c->packets;
}

bool capture_broken(const capture *c)
{
    return c->broken;
}
