/* sim/runner.h — runs one scenario and judges it.
 *
 * runner_run builds the scenario's world (APs, DHCP, uplink with an in-rig
 * TCP sink at the scenario's sink address, 10.0.2.100:9000 by default, given to the
 * firmware as settings sink.ip and sink.port, the scenario's other services,
 * each given as NAME.ip and NAME.port, the device with the camera firmware and the
 * scenario's settings), applies the timeline's faults at their virtual times,
 * runs for the scenario's duration, and checks each expectation against what
 * the rig itself observed (sim/verdict.h: the device's driver calls, the
 * air, the DHCP servers, the PHY, the sink), never against the firmware's own
 * reports. It writes air.pcap, wire.pcap, their events captures
 * (air-events.pcap, wire-events.pcap), trace.jsonl and result.jsonl to the
 * scenario's output folder (README, "The output folder"), and
 * air-decrypted.pcap with opts.decrypted.
 *
 * One scenario per process: the firmware's lwIP is global state. The CLI
 * forks a child per scenario; the child calls runner_run on a result in
 * memory shared with the parent (the struct is flat: no pointers) and says
 * it is complete with one byte on a pipe.
 *
 * Live mode adds a fault console: one command per line on an fd (stdin) or
 * a Unix socket, one reply line each ("ok: ...", "error: ...", or the status
 * line). Commands: help, status, quit, ap reboot [AP] DURATION, ap off [AP],
 * ap on [AP], ap passphrase [AP] PASS, ap power [AP] DBM, move camera X [Y]
 * [speed M/S], radio wedge [commands|frames|both], dhcp [AP]
 * normal|ignore|nak|silent|empty, cable pull, cable plug, ap radius [AP]
 * down|up|slow DELAY, ap spoof-deauth [AP] [REASON] [DEVICE], ap
 * sae-anti-clogging [AP] [off], ap downgrade TWIN [off]. */
#ifndef LINKRIG_SIM_RUNNER_H
#define LINKRIG_SIM_RUNNER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/err.h"
#include "sim/scenario.h"

#define RUNNER_MAX_SETS 32
#define RUNNER_MAX_DROPS 64
#define RUNNER_MAX_CHECKS 512 /* expectations times the devices they judge */

typedef struct runner_opts {
    bool has_seed;
    uint64_t seed;          /* overrides the scenario's */
    const char *out_dir;    /* the scenario's folder is out_dir/<name> */
    int log_level;          /* SIM_LOG_* for stderr */
    bool progress;          /* a progress line on stderr (a terminal) */
    double pacing;          /* 0: free running */
    const char *sets[RUNNER_MAX_SETS]; /* "key=value" firmware settings, applied last */
    int nsets;
    bool has_snaplen;
    uint32_t snaplen;
    bool has_ring;
    uint32_t ring_mb;
    bool no_capture;        /* --no-capture: neither capture, whatever the scenario says */
    /* Live mode ("linkrig live"): paced to the wall clock, no end time; the
     * run stops when *stop becomes nonzero (the CLI's SIGINT handler) or a
     * console says "quit". Expectations are judged when it stops. */
    bool live;
    /* Live mode, and `run` too: nonzero (the signal's number, from the
     * CLI's handler) stops the run between two events. */
    volatile int *stop;
    const char *pcap_air;      /* capture paths (a FIFO is fine); NULL: in the output folder */
    const char *pcap_wire;
    const char *hostfwd[8];    /* QEMU hostfwd specs, e.g. "tcp:127.0.0.1:8080-:80" */
    int nhostfwd;
    int console_in;            /* fd of a fault console (stdin), -1: none */
    FILE *console_out;         /* where console replies go */
    const char *console_socket; /* a Unix socket path for the same console, NULL: none */
    FILE *events_out;          /* live: one line per state change as it happens (sim/report.h's
                                * feed: faults, link, firmware status, DHCP); NULL: none */
    sim_time live_duration;    /* live: stop at this virtual time; 0: when stopped */
    bool decrypted;            /* also air-decrypted.pcap (sim/airdecrypt.h) */
    /* The firmware image: this path if set, else the scenario's
     * `firmware:`, else default_firmware (the bundled camera). */
    const char *firmware;
    const char *default_firmware;
    unsigned watchdog_ms;      /* wall ms a task may run without blocking; 0: off (default 10000) */
    /* Every sample_period of virtual time, one "<dev>.radio" "sample" event
     * per device (position, mean RSSI and SNR to each AP): what a report
     * plots. 0: none. Default 1 s. docs/trace-schema.md. */
    sim_time sample_period;
    /* Every mem_sample_period of virtual time, the process's resident set
     * size (from /proc/self/statm) as a line "<virtual ns>\t<kB>" in
     * mem.tsv beside the trace: how a long run's memory is watched without
     * touching the trace, which must stay reproducible. 0: none (default). */
    sim_time mem_sample_period;
} runner_opts;

typedef struct runner_check {
    char name[128];    /* the expectation as the file wrote it, with its line: for people */
    char test[128];    /* the same without the line: a test name that survives edits (JUnit) */
    bool ok;
    bool not_reached;  /* a live run stopped before the expectation could be judged:
                        * neither passed nor failed (ok stays true) */
    char message[400]; /* expected vs seen */
} runner_check;

/* One device's recovery figures (scenario.h, "The summary"), as the top
 * level of runner_result holds them for the first device: in a world of
 * several devices the summary, result.jsonl, JUnit and the report give
 * each device's own. The drop list is shorter than the top level's; the
 * totals count every drop. */
#define RUNNER_MAX_DEV_SUMMARIES 16
#define RUNNER_DEV_DROPS 16
typedef struct runner_dev_summary {
    char name[32];
    sim_time first_link;                /* -1: never */
    int ndrops;                         /* listed below, at most RUNNER_DEV_DROPS */
    sim_time drop_at[RUNNER_DEV_DROPS], drop_react[RUNNER_DEV_DROPS], drop_down[RUNNER_DEV_DROPS];
    sim_time detect[RUNNER_DEV_DROPS], recover[RUNNER_DEV_DROPS];
    char drop_fault[RUNNER_DEV_DROPS][64];
    char drop_cause[RUNNER_DEV_DROPS][40];
    long long attempts, power_cycles, uploads, connections;
    uint64_t sink_bytes;
    sim_time longest_gap;               /* -1: no data */
    long long drops_total, drops_unrecovered;
    sim_time down_longest, down_median; /* -1: no drops */
    sim_time first_delivery;            /* -1: nothing delivered */
    double availability;
} runner_dev_summary;

typedef struct runner_result {
    char name[64];
    bool ran;          /* false: the world could not be built (see failure) */
    bool passed;
    char failure[512]; /* a firmware crash or build error, "" otherwise */
    /* The signal (SIGINT, SIGTERM, SIGHUP) that stopped the run between two
     * events (runner_opts.stop), 0 otherwise: the outputs are complete up to
     * there, the expectations were judged on what had happened (and are
     * reported as not judged), and the run did not pass. */
    int interrupted;
    /* An output that could not be written in full (a capture, the trace,
     * result.jsonl, mem.tsv): its name and the system's reason. A run with
     * one never passes. "" otherwise. */
    char output_error[600];
    double wall_s;
    sim_time virtual_end;
    uint64_t seed;
    int nchecks;
    runner_check checks[RUNNER_MAX_CHECKS];
    /* recovery metrics */
    sim_time first_link;   /* -1: never */
    int ndrops;
    sim_time detect[RUNNER_MAX_DROPS];  /* the firmware's first reaction, after the fault that caused it (-1 unknown) */
    sim_time recover[RUNNER_MAX_DROPS]; /* from that reaction to data at the sink again (-1: never) */
    long long attempts, power_cycles;   /* joins; power-down/up pairs */
    long long uploads, connections;     /* at the sink */
    uint64_t sink_bytes;
    sim_time longest_gap;               /* longest silence at the sink after its first data (-1: no data) */
    /* Each listed drop (same index as detect and recover; scenario.h, "The
     * summary"): when, after which timeline occurrence, why, the firmware's
     * first reaction, and its down time. */
    sim_time drop_at[RUNNER_MAX_DROPS];
    sim_time drop_react[RUNNER_MAX_DROPS]; /* -1: the firmware never reacted */
    sim_time drop_down[RUNNER_MAX_DROPS];  /* loss to data at the sink again; -1: not by the end */
    char drop_fault[RUNNER_MAX_DROPS][64]; /* "reboot#3 (ap_reboot at 15m00.000s)"; "": none had started */
    char drop_cause[RUNNER_MAX_DROPS][40]; /* "the chip's link down" */
    /* Totals over every drop, listed or not. */
    long long drops_total, drops_unrecovered;
    sim_time down_longest, down_median;    /* -1: no drops (an unrecovered one counts to the end) */
    sim_time first_delivery;               /* -1: the sink received nothing */
    double availability;                   /* 0..1: the share of the run from the first delivery on
                                            * outside every drop's down time; 0: nothing delivered */
    /* Where the captures went, and the Wireshark key of each WPA2 network
     * ("wpa-pwd" entries: passphrase:SSID), printed after the verdict: the
     * scenario's APs', then each AP-mode device's own network's. */
    char air_pcap[1100], wire_pcap[1100];
    char keys[SCN_MAX_APS][100];
    int nkeys;
    bool captures_set; /* the paths above were decided (empty then means off) */
    /* With a WPA3 or Enterprise AP: the PMK of each device joined at the end
     * of the run ("wpa-psk" entries, 64 hex digits), after the verdict. */
    char pmks[8][100];
    int npmks;
    /* Each device's figures (not the clients'), in the scenario's order:
     * the first is the top level's. ndevs_total counts the devices beyond
     * RUNNER_MAX_DEV_SUMMARIES too, which are not summarised. */
    runner_dev_summary devs[RUNNER_MAX_DEV_SUMMARIES];
    int ndevs, ndevs_total;
} runner_result;

void runner_opts_default(runner_opts *o);
/* Tells the device's firmware where the world's sink is (settings sink.ip,
 * a dotted quad, and sink.port), from the uplink's configuration. */
struct world;
int runner_sink_settings(struct world *w, sim_err *err);
/* mkdir -p, with a message naming the folder that could not be made. */
int runner_make_dirs(const char *path, sim_err *err);
/* Runs s; returns 0 when it ran (passed or not: see out->passed), or a
 * negative code when it could not (bad output folder, bad --set). */
int runner_run(const scenario *s, const runner_opts *o, runner_result *out, sim_err *err);

/* The version of the trace's schema (docs/trace-schema.md), written in the
 * "scenario" "start" event; a reader refuses what it does not know. */
#define RUNNER_TRACE_SCHEMA 1

/* The per-scenario summary a person reads. */
void runner_print_summary(FILE *f, const runner_result *r);
/* What --quiet prints of a run: nothing when it passed; else its verdict
 * line, its failure and the expectations that failed. */
void runner_print_failures(FILE *f, const runner_result *r);
/* JUnit XML is written by sim/junit.h. */

#endif
