/* linkrig — the command line.
 *
 *   linkrig demo [options]    run the demo camera firmware on the rig
 *   linkrig --help | --version
 *
 * Exit status: 0 the run passed its checks, 1 a check failed (or the firmware
 * failed), 2 bad input (options, files), 4 an output could not be written,
 * 128 + the signal's number when SIGHUP, SIGINT or SIGTERM stopped a run. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "firmware_shim/board.h"
#include "firmware_shim/fwimage.h"
#include "sim/junit.h"
#include "sim/report.h"
#include "sim/sim.h"
#include "sim/runner.h"
#include "sim/sweep.h"
#include "sim/scenario.h"
#include "sim/world.h"
#include <sys/select.h>
#include <sys/wait.h>

#define EXIT_PASS 0
#define EXIT_CHECK_FAILED 1
#define EXIT_BAD_INPUT 2
#define EXIT_WRITE_FAILED 4 /* an output (capture, trace, result, JUnit, report, summary) not written in full */
#define EXIT_SIGNAL_BASE 128 /* + SIGHUP (129), SIGINT (130), SIGTERM (143), as shells report it */

static const char usage_text[] =
    "usage: linkrig <command> [options]\n"
    "\n"
    "Commands:\n"
    "  run SCENARIO... run scenario files (YAML) and judge their expectations\n"
    "  live [SCENARIO] the same world in real time, with a fault console on stdin,\n"
    "                  live captures and the camera's web page on 127.0.0.1:8080\n"
    "  demo            run the demo camera on the rig: one WPA2 AP, DHCP, an uplink\n"
    "                  with a TCP sink; the camera uploads a frame each second\n"
    "  info IMAGE      what a firmware image is: its name, board ABI, lwIP, and\n"
    "                  the settings it declares (for --set)\n"
    "  sweep SCENARIO  draw random fault schedules from the scenario's sweep: section,\n"
    "                  run each, shrink each failing one to a minimal scenario file\n"
    "  junit-merge OUT.xml IN.xml...   join JUnit files (e.g. of shards) into one\n"
    "  report OUTDIR   an HTML report per scenario of a run's output folder:\n"
    "                  OUTDIR/<name>/report.html (one self-contained file: faults, link\n"
    "                  state, chip status, RSSI, DHCP, delivery on one zoomable time\n"
    "                  axis), and OUTDIR/index.html linking them\n"
    "  timeline DIR    the same story as text, one line per state change, for\n"
    "                  terminals and CI logs (DIR: OUTDIR/<name>)\n"
    "\n"
    "Options of demo:\n"
    "  --duration D    virtual time to run (default 10m; e.g. 90s, 2h, 1h30m; at most 365d)\n"
    "  --seed N        seed of the run's random streams (default 1)\n"
    "  --out DIR       output folder (default out/): DIR/demo/ as for run (README, \"The\n"
    "                  output folder\"), so that linkrig report DIR and timeline DIR/demo work\n"
    "  --log-level L   stderr log level: debug, info, warn, error, off (default warn)\n"
    "  --verbose       same as --log-level info\n"
    "  --quiet         errors only, log level error: nothing when the run passed (the exit\n"
    "                  status says so); one that failed prints its verdict line and each\n"
    "                  expectation that failed (run: no totals line)\n"
    "  --realtime[=R]  pace virtual time to the wall clock (R times real time,\n"
    "                  0.001..1000000)\n"
    "  --firmware IMG  the firmware image (default: the bundled camera.so)\n"
    "\n"
    "Options of run:\n"
    "  --firmware IMG  run this firmware image (a .so built with linkrig_add_firmware)\n"
    "                  instead of the scenario's world.device.firmware or the bundled camera\n"
    "  --hostfwd SPEC  forward a port of this machine to the device (QEMU syntax,\n"
    "                  tcp:127.0.0.1:8080-:80; repeatable; makes the run depend on\n"
    "                  host timing); a scenario's forwards: do the same\n"
    "  --watchdog D    stop a task that runs D of wall-clock time without blocking\n"
    "                  (default 10s; 0 = never): exit 1 naming device, task and time\n"
    "  --seed N        seed for every scenario (default: each file's own)\n"
    "  --out DIR       output folder (default out/): DIR/<name>/air.pcap, wire.pcap, trace.jsonl\n"
    "                  (at most 900 characters)\n"
    "  --junit FILE    JUnit XML: a testsuite per scenario (properties: seed, firmware,\n"
    "                  --set, version), a testcase per expectation named as the file\n"
    "                  writes it, and the command that reproduces the run; its folder is\n"
    "                  made, and a path that cannot be written is exit 2 before any run\n"
    "  --shard K/N     run only shard K of N (1 <= K <= N): the files sorted by path,\n"
    "                  every Nth from the Kth. Without it, TEST_SHARD_INDEX (0-based)\n"
    "                  and TEST_TOTAL_SHARDS are read when set (Bazel's convention)\n"
    "  --set KEY=VAL   a firmware setting after the file's (repeatable), e.g. lm.power_cycle=0;\n"
    "                  checked against the settings the image declares (linkrig info IMAGE)\n"
    "  --snaplen N     cut captured frames to N bytes (management, EAPOL, DHCP and ARP\n"
    "                  frames stay whole)\n"
    "  --ring-mb N     keep only the last N MB of each capture in all, across its ring of\n"
    "                  files (capture.ring_files); air-events.pcap and wire-events.pcap\n"
    "                  keep every management, EAPOL, DHCP and ARP frame of the run\n"
    "  --no-capture    write no capture at all (verdict and trace only)\n"
    "  --realtime[=R]  pace virtual time to the wall clock (R times real time,\n"
    "                  0.001..1000000)\n"
    "  --sample P      trace each device's position and RSSI to each AP every P of\n"
    "                  virtual time (default 1s; 0 = off): docs/trace-schema.md\n"
    "  --mem-sample P  write the process's resident memory every P of virtual time\n"
    "                  to DIR/<name>/mem.tsv (<virtual ns> TAB <RSS kB> TAB <live heap kB>;\n"
    "                  default off)\n"
    "  SIGINT, SIGTERM or SIGHUP (to linkrig, its process group or the scenario's\n"
    "                  process) stop the run between two events: captures and trace\n"
    "                  end complete, the summary and JUnit say \"interrupted\"\n"
    "  --report        then write the HTML reports, as `linkrig report OUTDIR` does\n"
    "  --decrypted     also write air-decrypted.pcap: the air capture with every CCMP data\n"
    "                  frame decrypted (Protected bit cleared) from the handshakes it\n"
    "                  heard and the networks' passphrases, as a sniffer with the keys would\n"
    "  --log-level L, --verbose, --quiet   as for demo\n"
    "\n"
    "Options of sweep (and --firmware, --set, --watchdog, --log-level, --quiet as for run):\n"
    "  -n N            schedules to draw (default 50)\n"
    "  --seed N        seed of the draws (default 1); schedule k is the same whatever\n"
    "                  -n, -j or --shard, and each run uses the scenario's own seed\n"
    "  -j N            runs at a time, each in its own process (default: the cores)\n"
    "  --out DIR       where reproducers go (default out/sweep): DIR/<name>_fail_<k>.yaml,\n"
    "                  a plain scenario that `linkrig run` fails on its own\n"
    "  --junit FILE    JUnit XML: a testcase per schedule, failures name the reproducer\n"
    "  --shard K/N     only schedules k with k mod N = K-1 (and the environment, as for run)\n"
    "  --max-shrink N  runs spent shrinking each failing schedule (default 150)\n"
    "  --verbose       every schedule in the table, with what was drawn\n"
    "  SIGINT, SIGTERM or SIGHUP stops the sweep: no run starts, the running ones stop,\n"
    "  and it reports what ran (the others as skipped in JUnit) and writes a reproducer\n"
    "  for each failure found, shrunk as far as it got (not checked alone); exit 128+N\n"
    "\n"
    "junit-merge OUT.xml IN.xml...: every testsuite of the inputs in one file, sorted\n"
    "  by suite name, totals summed: run each shard with --junit, then merge.\n"
    "\n"
    "Options of live:\n"
    "  --pcap-air P, --pcap-wire P   capture paths; a FIFO works (mkfifo air.fifo;\n"
    "                  wireshark -k -i air.fifo; the run waits for its reader), flushed\n"
    "                  per packet; files in the output folder can be opened during the run\n"
    "  --duration D    stop after D of virtual time (e.g. 30s, for CI); default: Ctrl-C or quit\n"
    "  --decrypted     also write air-decrypted.pcap (as for run)\n"
    "  --quiet-events  do not print a line per state change (faults, link up/down, the\n"
    "                  firmware's status, DHCP) as it happens\n"
    "  --hostfwd SPEC  port forward, QEMU syntax (default tcp:127.0.0.1:8080-:80)\n"
    "  --no-hostfwd    none\n"
    "  --console-socket PATH   the fault console on a Unix socket too\n"
    "  --no-console    do not read commands from stdin\n"
    "  --realtime=R    R times real time (default 1; 0.001..1000000); --out, --seed, --set, --firmware,\n"
    "                  --watchdog as for run\n"
    "  Console commands: help, status, quit, ap reboot [AP] DURATION, ap off|on [AP],\n"
    "  ap passphrase [AP] PASS, ap power [AP] DBM, ap deauth|disassoc [AP] REASON [DEVICE],\n"
    "  ap refuse [AP] STATUS DURATION, ap rekey [AP], move camera X [Y] [speed M/S],\n"
    "  radio wedge [commands|frames|both], dhcp [AP] normal|ignore|nak|silent|empty,\n"
    "  cable pull|plug, ap radius [AP] down|up|slow DELAY, ap spoof-deauth [AP] [REASON] [DEVICE],\n"
    "  ap sae-anti-clogging [AP] [off], ap downgrade TWIN [off],\n"
    "  ap radius [AP] cert ok|expired|untrusted, ap radius [AP] revoke|unrevoke CN,\n"
    "  ap radius [AP] password USER NEWPASS, ap radius [AP] remove USER,\n"
    "  console DEVICE LINE (a line to the device's serial console; its output is printed\n"
    "  as DEVICE> LINE). With several APs, AP is required. Ctrl-C stops: captures stay\n"
    "  valid, a summary is printed.\n"
    "\n"
    "  --help          this text\n"
    "  --version       version of linkrig and the board ABI its images must speak\n"
    "\n"
    "Exit status: 0 every expectation held, 1 one failed (or the firmware failed),\n"
    "2 bad input (options, scenario files: file:line:col: message), 4 an output\n"
    "(capture, trace, result, JUnit, report, summary) could not be written in full\n"
    "(the message names the file and the reason), 128+N stopped by signal N\n"
    "(129 SIGHUP, 130 SIGINT, 143 SIGTERM; live ends on Ctrl-C with its verdict, 0 or 1).\n";

struct demo_opts {
    sim_time duration;
    uint64_t seed;
    const char *out;
    int log_level;
    int quiet;
    double pacing;
    const char *firmware;
};

/* argv[0]: the first word of the commands JUnit gives to reproduce a run. */
static const char *program_name = "linkrig";

static int bad_input(const char *fmt, const char *arg)
{
    fprintf(stderr, "linkrig: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see linkrig --help)\n");
    return EXIT_BAD_INPUT;
}

/* Numeric options: each has an explicit range and says which was broken
 * (not a number, or a number out of range). */
#define REALTIME_MIN 0.001 /* slower than this, a second takes over 16 minutes */
#define REALTIME_MAX 1e6
#define CLI_DUR_MAX SIM_SEC(365LL * 86400) /* as the scenario format's durations */

/* --realtime=R: a finite rate in REALTIME_MIN..REALTIME_MAX. */
static int parse_realtime(const char *v, double *out)
{
    char *end;
    double r = strtod(v, &end);
    if (*v == '\0' || *end || isnan(r))
        return bad_input("--realtime=R: '%s' is not a number (a rate such as 1, 10 or 0.5)", v);
    if (!(r >= REALTIME_MIN && r <= REALTIME_MAX))
        return bad_input("--realtime=R: %s is out of range (0.001..1000000 times real time)", v);
    *out = r;
    return 0;
}

/* --seed N: 0..2^64-1. */
static int parse_seed(const char *v, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long s = strtoull(v, &end, 0);
    if (*end || *v == '\0' || *v == '-' || (errno != 0 && errno != ERANGE))
        return bad_input("--seed: '%s' is not an unsigned integer", v);
    if (errno == ERANGE)
        return bad_input("--seed: %s is out of range (0..18446744073709551615)", v);
    *out = s;
    return 0;
}

/* A duration option: 0 = "not a duration", 1 = "out of range" (beyond a
 * sim_time, or beyond max), both reported by the caller with its own words. */
static int cli_duration(const char *v, sim_time max, sim_time *out)
{
    int rc = sim_time_parse(v, out);
    if (rc == SIM_TIME_RANGE || (rc == 0 && *out > max))
        return 1;
    return rc == 0 ? -1 : 0;
}

/* --out DIR: the folders and files made below it (DIR/SCENARIO/trace.jsonl,
 * DIR/.sweep-work/...) must fit the paths the runner builds and the
 * system's limits, or outputs would land elsewhere. */
#define OUT_DIR_MAX 900
static int check_out_dir(const char *v)
{
    size_t len = strlen(v);
    if (len == 0)
        return bad_input("--out: %s", "the path is empty");
    if (len > OUT_DIR_MAX) {
        fprintf(stderr, "linkrig: --out: the path is %zu characters long (at most %d, so that the outputs' paths "
                "below it fit)\n(see linkrig --help)\n", len, OUT_DIR_MAX);
        return EXIT_BAD_INPUT;
    }
    for (const char *p = v; *p;) {
        size_t n = strcspn(p, "/");
        if (n > NAME_MAX) {
            fprintf(stderr, "linkrig: --out: a folder name in the path is %zu characters long (the system allows "
                    "%d)\n(see linkrig --help)\n", n, NAME_MAX);
            return EXIT_BAD_INPUT;
        }
        p += n;
        p += *p == '/';
    }
    return 0;
}

/* "--opt=value" gives the name "--opt" (copied into name) and *val "value";
 * any other argument comes back unchanged with *val NULL. --realtime keeps
 * its '=' because its value is optional. */
static const char *split_option(const char *arg, char name[64], const char **val)
{
    const char *eq = strchr(arg, '=');
    *val = NULL;
    if (strncmp(arg, "--", 2) != 0 || eq == NULL || strncmp(arg, "--realtime", 10) == 0 || eq - arg >= 64)
        return arg;
    memcpy(name, arg, (size_t)(eq - arg));
    name[eq - arg] = '\0';
    *val = eq + 1;
    return name;
}

/* Whether an existing file may be overwritten by a JUnit file: it is empty
 * or begins as XML does. A forgotten file name (`--junit *.yaml`, or
 * `junit-merge *.xml` without OUT) would otherwise replace a scenario or a
 * trace without a word. */
static bool replaceable_by_junit(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
        return true; /* new, empty, or a device or pipe (/dev/full, a FIFO) */
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return true;
    char head[16] = {0};
    size_t n = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    size_t i = 0;
    while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
        i++;
    return i == n || head[i] == '<';
}

/* An output file written only after the runs (--junit): its folder is made
 * as --out's is, and a path that still cannot be written is refused before
 * anything runs, with the system's reason, rather than after an hour of
 * scenarios. Called once the scenarios are read, so that bad input makes
 * nothing. The probe opens the file without truncating it, or creates it
 * and removes it again, so that it leaves no file behind; a full disk is
 * still found when the file is written (exit 4). */
static int check_output_file(const char *opt, const char *path)
{
    struct stat st;
    if (path[0] == '\0')
        return bad_input("%s: the path is empty", opt);
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "linkrig: %s %s: is a folder, not a file (give a file name, e.g. %s/junit.xml); nothing "
                "was run\n", opt, path, path);
        return EXIT_BAD_INPUT;
    }
    if (!replaceable_by_junit(path)) {
        fprintf(stderr, "linkrig: %s %s: the file exists and is not XML (a scenario? a trace?): it would be "
                "overwritten; give the JUnit file's own name; nothing was run\n", opt, path);
        return EXIT_BAD_INPUT;
    }
    const char *slash = strrchr(path, '/');
    if (slash != NULL && slash != path) {
        char dir[4096];
        sim_err err = {0};
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
        if (runner_make_dirs(dir, &err) != SIM_OK) {
            fprintf(stderr, "linkrig: %s %s: cannot write there: %s; nothing was run\n", opt, path, err.msg);
            return EXIT_BAD_INPUT;
        }
    }
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    bool created = false;
    if (fd < 0 && errno == ENOENT) {
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        created = fd >= 0;
    }
    if (fd < 0) {
        fprintf(stderr, "linkrig: %s %s: cannot write there: %s; nothing was run\n", opt, path, strerror(errno));
        return EXIT_BAD_INPUT;
    }
    close(fd);
    if (created)
        unlink(path);
    return 0;
}

/* An option's value: after '=' or the next argument (uses i, argc, argv, a, val). */
#define OPTION_VALUE()                                                          \
    do {                                                                        \
        if (val == NULL) {                                                      \
            if (i + 1 >= argc)                                                  \
                return bad_input("option %s needs a value", a);                 \
            val = argv[++i];                                                    \
        }                                                                       \
    } while (0)

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The bundled camera image: beside the program in a build tree, or in
 * <prefix>/<libdir>/linkrig when installed. "" when neither exists. */
static const char *default_firmware(void)
{
    static char path[4200];
    char exe[4000];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return "";
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash == NULL)
        return "";
    *slash = '\0';
    if (snprintf(path, sizeof path, "%s/camera.so", exe) < (int)sizeof path && access(path, R_OK) == 0)
        return path;
    /* installed: <prefix>/bin/linkrig -> <prefix>/lib/linkrig/camera.so */
    char *up = strrchr(exe, '/');
    if (up != NULL) {
        *up = '\0';
        if (snprintf(path, sizeof path, "%s/%s/camera.so", exe, LINKRIG_LIBDIR_REL) < (int)sizeof path &&
            access(path, R_OK) == 0)
            return path;
    }
    return "";
}

static int parse_watchdog(const char *val, unsigned *out)
{
    sim_time t;
    int rc = cli_duration(val, SIM_SEC(86400), &t);
    if (rc == 1)
        return bad_input("--watchdog: %s is out of range (0..24h)", val);
    if (rc == 0)
        return bad_input("--watchdog: '%s' is not a duration of 0..24h (e.g. 10s, 500ms; 0 = off)", val);
    *out = (unsigned)(t / SIM_MS(1));
    if (t > 0 && *out == 0)
        *out = 1;
    return 0;
}

/* What the run learns from the firmware's own trace events: shown, never
 * judged (the verdict comes from the sink). */
struct demo_watch {
    int booted;
    int64_t frames, sent, skipped, failed, bytes_sent;
    int stats_events;
};

static int64_t field_int(const sim_trace_event *ev, const char *key)
{
    const sim_trace_field *f = sim_trace_event_field(ev, key);
    return f != NULL ? f->num : -1;
}

static const char *field_str(const sim_trace_event *ev, const char *key)
{
    for (size_t i = 0; i < ev->nfields; i++)
        if (strcmp(ev->fields[i].key, key) == 0 && ev->fields[i].str)
            return ev->fields[i].str;
    return "";
}

static void demo_sink(void *ctx, const sim_trace_event *ev)
{
    struct demo_watch *w = ctx;
    if (strcmp(ev->comp, "cam.fw") != 0)
        return;
    if (strcmp(ev->event, "camera_boot") == 0) {
        w->booted = 1;
    } else if (strcmp(ev->event, "frame") == 0) {
        const char *r = field_str(ev, "result");
        w->frames++;
        if (strcmp(r, "sent") == 0) {
            w->sent++;
            w->bytes_sent += field_int(ev, "bytes");
        } else if (strcmp(r, "skipped") == 0) {
            w->skipped++;
        } else {
            w->failed++;
        }
    } else if (strcmp(ev->event, "camera_stats") == 0) {
        w->stats_events++;
    }
}

static int parse_demo(int argc, char **argv, struct demo_opts *o)
{
    o->duration = SIM_SEC(600);
    o->seed = 1;
    o->out = "out";
    o->log_level = SIM_LOG_WARN;
    o->quiet = 0;
    o->pacing = 0;
    o->firmware = NULL;
    for (int i = 0; i < argc; i++) {
        char name[64];
        const char *val;
        const char *a = split_option(argv[i], name, &val);
        if (strcmp(a, "--duration") == 0) {
            OPTION_VALUE();
            int rc = cli_duration(val, CLI_DUR_MAX, &o->duration);
            if (rc == 1)
                return bad_input("--duration: %s is out of range (at most 365d)", val);
            if (rc == 0 || o->duration <= 0)
                return bad_input("--duration: '%s' is not a positive duration (e.g. 90s, 10m, 2h)", val);
        } else if (strcmp(a, "--seed") == 0) {
            OPTION_VALUE();
            if (parse_seed(val, &o->seed) != 0)
                return EXIT_BAD_INPUT;
        } else if (strcmp(a, "--out") == 0) {
            OPTION_VALUE();
            if (check_out_dir(val) != 0)
                return EXIT_BAD_INPUT;
            o->out = val;
        } else if (strcmp(a, "--firmware") == 0) {
            OPTION_VALUE();
            o->firmware = val;
        } else if (strcmp(a, "--log-level") == 0) {
            OPTION_VALUE();
            o->log_level = sim_log_level_parse(val);
            if (o->log_level < 0)
                return bad_input("--log-level: '%s' is not one of debug, info, warn, error, off", val);
        } else if (strcmp(a, "--verbose") == 0) {
            o->log_level = SIM_LOG_INFO;
        } else if (strcmp(a, "--quiet") == 0) {
            o->quiet = 1;
            o->log_level = SIM_LOG_ERROR;
        } else if (strncmp(a, "--realtime", 10) == 0 && (a[10] == '\0' || a[10] == '=')) {
            o->pacing = 1.0;
            if (a[10] == '=') {
                if (parse_realtime(a + 11, &o->pacing) != 0)
                    return EXIT_BAD_INPUT;
            }
        } else {
            return bad_input("unknown option '%s' for demo", argv[i]);
        }
    }
    return -1;
}

/* OUTDIR/demo/result.jsonl: the verdict in the form every run writes
 * (docs/trace-schema.md), so that `linkrig report` reads the demo too. */
static void demo_result_file(const char *path, const struct demo_opts *o, sim_time end, int pass, const char *why,
                             const uplink_sink_stats *sink)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return; /* the report then says the verdict is missing */
    char msg[300];
    snprintf(msg, sizeof msg, "%s", why ? why : "the sink received at least 90% of a frame a second");
    for (char *p = msg; *p; p++)
        if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
            *p = '\'';
    fprintf(f,
            "{\"kind\":\"result\",\"schema\":%d,\"name\":\"demo\",\"passed\":%s,\"seed\":%" PRIu64
            ",\"end\":%" PRId64 ",\"failure\":\"\",\"uploads\":%" PRIu64 ",\"bytes\":%" PRIu64 "}\n",
            RUNNER_TRACE_SCHEMA, pass ? "true" : "false", o->seed, (int64_t)end, sink->uploads, sink->bytes);
    fprintf(f, "{\"kind\":\"check\",\"name\":\"sink receives 90%% of a frame a second\",\"ok\":%s,"
               "\"message\":\"%s\"}\n",
            pass ? "true" : "false", msg);
    fclose(f);
}

#define DEMO_SSID "camnet"
#define DEMO_PASS "linkrig-demo-pass"

static int cmd_demo(int argc, char **argv)
{
    struct demo_opts o;
    int rc = parse_demo(argc, argv, &o);
    if (rc >= 0)
        return rc;
    /* OUTDIR/<name>/ as run and live lay it out (README, "The output folder") */
    char dir[4000];
    if (snprintf(dir, sizeof dir, "%s/demo", o.out) >= (int)sizeof dir)
        return bad_input("--out: '%s' is too long", o.out);
    sim_err derr = {0};
    if (runner_make_dirs(dir, &derr) != SIM_OK) {
        fprintf(stderr, "linkrig: %s\n", derr.msg);
        return EXIT_BAD_INPUT;
    }
    char trace_path[4200], air_path[4200], wire_path[4200], air_ev[4200], wire_ev[4200], result_path[4200];
    snprintf(trace_path, sizeof trace_path, "%s/trace.jsonl", dir);
    snprintf(air_path, sizeof air_path, "%s/air.pcap", dir);
    snprintf(wire_path, sizeof wire_path, "%s/wire.pcap", dir);
    snprintf(air_ev, sizeof air_ev, "%s/air-events.pcap", dir);
    snprintf(wire_ev, sizeof wire_ev, "%s/wire-events.pcap", dir);
    snprintf(result_path, sizeof result_path, "%s/result.jsonl", dir);

    /* The demo world: one WPA2 AP 8 m away on channel 6, its DHCP server,
     * slirp behind it with an in-rig TCP sink, and the camera firmware. */
    world_config wc;
    world_config_default(&wc);
    wc.seed = o.seed;
    world_add_ap(&wc, "ap", DEMO_SSID, DEMO_PASS, 6, 8, 0);
    wc.air_pcap = air_path;
    wc.wire_pcap = wire_path;
    wc.air_events_pcap = air_ev;
    wc.wire_events_pcap = wire_ev;
    wc.up.restricted = true; /* in-rig services only: the run is reproducible */
    wc.up.sink_ip = UPLINK_DEFAULT_SINK_IP;
    wc.up.sink_port = UPLINK_DEFAULT_SINK_PORT;
    sim_err err = {0};
    const char *fw_path = o.firmware ? o.firmware : default_firmware();
    if (fw_path[0] == '\0') {
        fprintf(stderr, "linkrig: the bundled camera.so was not found next to linkrig: give --firmware IMAGE.so\n");
        return EXIT_BAD_INPUT;
    }
    fwimage *img = fwimage_open(fw_path, &err);
    if (img == NULL || (wc.dev[0].board.image = fwimage_instantiate(img, &err)) == NULL) {
        fprintf(stderr, "linkrig: %s\n", err.msg);
        fwimage_close(img);
        return EXIT_BAD_INPUT;
    }
    world *w = world_create(&wc, &err);
    if (w == NULL) {
        fprintf(stderr, "linkrig: %s\n", err.msg);
        fwimage_close(img);
        return EXIT_BAD_INPUT;
    }
    sim *s = world_sim(w);
    if (o.pacing > 0)
        sim_clock_set_pacing(sim_clock_of(s), o.pacing);
    sim_trace *tr = sim_trace_of(s);
    sim_trace_set_log(tr, stderr, (sim_log_level)o.log_level);
    if (sim_trace_open(tr, trace_path, &err) != SIM_OK) {
        fprintf(stderr, "linkrig: %s\n", err.msg);
        world_destroy(w);
        return EXIT_BAD_INPUT;
    }
    struct demo_watch watch = {0};
    sim_trace_add_sink(tr, demo_sink, &watch);
    board *b = world_board(w);
    if (runner_sink_settings(w, &err) != SIM_OK || board_config_set(b, "wlan.ssid", DEMO_SSID, &err) != SIM_OK ||
        board_config_set(b, "wlan.key", DEMO_PASS, &err) != SIM_OK ||
        board_config_set(b, "camera.period_ms", "1000", &err) != SIM_OK || board_power_on(b, &err) != SIM_OK) {
        fprintf(stderr, "linkrig: %s\n", err.msg);
        world_destroy(w);
        fwimage_close(img);
        return EXIT_CHECK_FAILED;
    }
    sim_trace_rec *r = sim_trace_begin(tr, SIM_LOG_INFO, "sim", "run_start");
    sim_trace_int(r, "seed", (int64_t)o.seed);
    sim_trace_int(r, "duration_ns", o.duration);
    sim_trace_end(r);
    /* what a reader of any run's trace needs first (docs/trace-schema.md) */
    r = sim_trace_begin(tr, SIM_LOG_INFO, "scenario", "start");
    sim_trace_str(r, "name", "demo");
    sim_trace_int(r, "seed", (int64_t)o.seed);
    sim_trace_int(r, "duration_ns", o.duration);
    sim_trace_int(r, "schema", RUNNER_TRACE_SCHEMA);
    sim_trace_str(r, "devices", board_name(b));
    sim_trace_str(r, "aps", "ap");
    uint8_t mac[6];
    radio_get_mac(world_radio(w), mac);
    sim_trace_strf(r, "macs", "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    sim_trace_int(r, "sample_ns", 0);
    sim_trace_end(r);

    double w0 = wall_seconds();
    sim_run_result res = sim_run_until(s, o.duration);
    double wall = wall_seconds() - w0;

    board_stats st;
    board_get_stats(b, &st);
    uplink_sink_stats sink = {0};
    uplink_sink_flush(world_uplink(w));
    uplink_sink_stats_get(world_uplink(w), wc.up.sink_ip, wc.up.sink_port, &sink);
    r = sim_trace_begin(tr, SIM_LOG_INFO, "sim", "run_end");
    sim_trace_str(r, "result", res == SIM_RUN_FAILED ? "failed" : "done");
    sim_trace_int(r, "events", (int64_t)sim_sched_fired(sim_sched_of(s)));
    sim_trace_int(r, "sink_bytes", (int64_t)sink.bytes);
    sim_trace_end(r);

    /* The verdict, from the sink alone (what the firmware says about itself
     * is shown above, never judged): the firmware ran the whole time, and
     * with a stable AP a camera uploading 20 KiB each second delivers at
     * least 90% of that after the first 30 s for joining and DHCP. */
    const char *why = NULL;
    double expect = ((double)o.duration / 1e9 - 30.0) * 20480.0 * 0.9;
    if (res == SIM_RUN_FAILED)
        why = sim_failure(s);
    else if (sink.bytes == 0)
        why = "the sink received nothing";
    else if (expect > 0 && (double)sink.bytes < expect)
        why = "the sink received less than 90% of a frame a second";
    int pass = why == NULL;
    r = sim_trace_begin(tr, SIM_LOG_INFO, "scenario", "end");
    sim_trace_bool(r, "passed", pass);
    sim_trace_end(r);
    demo_result_file(result_path, &o, sim_now(s), pass, why, &sink);

    if (o.quiet && !pass) /* errors only: the verdict and why */
        printf("verdict: FAIL%s%s\n", why ? " - " : "", why ? why : "");
    if (!o.quiet) {
        char vt[64];
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        printf("linkrig demo: seed %" PRIu64 ", %s of virtual time in %.3f s of wall time (%.0fx real time)\n",
               o.seed, sim_time_format(sim_now(s), vt, sizeof vt), wall,
               wall > 0 ? (double)sim_now(s) / 1e9 / wall : 0.0);
        printf("  camera says (not judged): frames %" PRId64 " captured, %" PRId64 " sent, %" PRId64 " skipped, %" PRId64 " failed\n",
               watch.frames, watch.sent, watch.skipped, watch.failed);
        printf("  sink %u.%u.%u.%u:%u received %" PRIu64 " bytes in %" PRIu64 " uploads (camera sent %" PRId64
               "), crc32 %08x\n",
               (unsigned)(wc.up.sink_ip >> 24), (unsigned)(wc.up.sink_ip >> 16 & 0xff),
               (unsigned)(wc.up.sink_ip >> 8 & 0xff), (unsigned)(wc.up.sink_ip & 0xff), (unsigned)wc.up.sink_port,
               sink.bytes, sink.uploads, watch.bytes_sent, sink.crc32);
        printf("  engine: %" PRIu64 " events, %" PRIu64 " task switches, %" PRIu64 " lwIP timer runs, peak RSS %ld KiB\n",
               sim_sched_fired(sim_sched_of(s)), st.switches, st.lwip_timer_runs, ru.ru_maxrss);
        printf("  captures: %s, %s\n  trace: %s (%" PRIu64 " events)\n", air_path, wire_path, trace_path,
               sim_trace_count(tr));
        printf("  decrypt: tshark -o wlan.enable_decryption:TRUE -o 'uat:80211_keys:\"wpa-pwd\",\"%s:%s\"' -r %s\n",
               DEMO_PASS, DEMO_SSID, air_path);
        printf("verdict: %s%s%s\n", pass ? "PASS" : "FAIL", why ? " - " : "", why ? why : "");
    }
    world_destroy(w);
    fwimage_close(img);
    return pass ? EXIT_PASS : EXIT_CHECK_FAILED;
}


static int parse_uint(const char *opt, const char *v, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 0);
    if (*end == '\0' && *v != '\0' && *v != '-' && (errno == ERANGE || n > max)) {
        fprintf(stderr, "linkrig: %s: %s is out of range (0..%llu)\n(see linkrig --help)\n", opt, v, max);
        return -1;
    }
    if (errno || *end || *v == '\0' || *v == '-') {
        fprintf(stderr, "linkrig: %s: '%s' is not a number in 0..%llu\n(see linkrig --help)\n", opt, v, max);
        return -1;
    }
    *out = n;
    return 0;
}

/* Which shard this process runs: --shard K/N (1-based, as CI matrices
 * count), else Bazel's TEST_SHARD_INDEX (0-based) and TEST_TOTAL_SHARDS,
 * else the one shard. text gets "K/N" (NULL: not sharded). -1: bad input,
 * reported. */
static int shard_select(const char *arg, int *index, int *total, char text[32], const char **textp)
{
    *index = 0;
    *total = 1;
    *textp = NULL;
    long long k, n;
    char *end;
    if (arg != NULL) {
        errno = 0;
        k = strtoll(arg, &end, 10);
        if (errno || end == arg || *end != '/' || arg[0] == '-' || arg[0] == '+')
            goto bad_opt;
        const char *ns = end + 1;
        n = strtoll(ns, &end, 10);
        if (errno || end == ns || *end || ns[0] == '-' || ns[0] == '+' || n < 1 || n > 100000 || k < 1 || k > n)
            goto bad_opt;
        *index = (int)(k - 1);
        *total = (int)n;
    } else {
        const char *ti = getenv("TEST_SHARD_INDEX"), *tt = getenv("TEST_TOTAL_SHARDS");
        if ((ti == NULL || *ti == '\0') && (tt == NULL || *tt == '\0'))
            return 0;
        if (ti == NULL || *ti == '\0' || tt == NULL || *tt == '\0') {
            fprintf(stderr, "linkrig: TEST_SHARD_INDEX and TEST_TOTAL_SHARDS go together (only %s is set)\n",
                    ti != NULL && *ti ? "TEST_SHARD_INDEX" : "TEST_TOTAL_SHARDS");
            return -1;
        }
        errno = 0;
        n = strtoll(tt, &end, 10);
        if (errno || *end || tt[0] == '-' || tt[0] == '+' || n < 1 || n > 100000) {
            fprintf(stderr, "linkrig: TEST_TOTAL_SHARDS='%s' is not a number of shards in 1..100000\n", tt);
            return -1;
        }
        k = strtoll(ti, &end, 10);
        if (errno || *end || ti[0] == '-' || ti[0] == '+' || k < 0 || k >= n) {
            fprintf(stderr, "linkrig: TEST_SHARD_INDEX='%s' is not a shard index in 0..%lld (0-based)\n", ti, n - 1);
            return -1;
        }
        *index = (int)k;
        *total = (int)n;
        /* Bazel asks a test that shards to say so by touching this file. */
        const char *status = getenv("TEST_SHARD_STATUS_FILE");
        if (status != NULL && *status) {
            int fd = open(status, O_WRONLY | O_CREAT, 0644);
            if (fd >= 0)
                close(fd);
        }
    }
    snprintf(text, 32, "%d/%d", *index + 1, *total);
    *textp = text;
    return 0;
bad_opt:
    fprintf(stderr,
            "linkrig: --shard: '%s' is not K/N with 1 <= K <= N <= 100000 (e.g. --shard 2/3: the second of "
            "three)\n(see linkrig --help)\n",
            arg);
    return -1;
}

static int by_path(const void *a, const void *b)
{
    const char *const *x = a, *const *y = b;
    return strcmp(*x, *y);
}

/* The options run and sweep share, which fill runner_opts: --firmware,
 * --watchdog, --set, --log-level. Returns 1 when a was one of them (its
 * value taken, *i moved past it), 0 when not, or EXIT_BAD_INPUT with the
 * message printed. */
static int runner_option(const char *a, const char *val, int argc, char **argv, int *i, runner_opts *o)
{
    if (strcmp(a, "--firmware") != 0 && strcmp(a, "--watchdog") != 0 && strcmp(a, "--set") != 0 &&
        strcmp(a, "--log-level") != 0)
        return 0;
    if (val == NULL) {
        if (*i + 1 >= argc)
            return bad_input("option %s needs a value", a);
        val = argv[++*i];
    }
    if (strcmp(a, "--firmware") == 0) {
        o->firmware = val;
    } else if (strcmp(a, "--watchdog") == 0) {
        if (parse_watchdog(val, &o->watchdog_ms) != 0)
            return EXIT_BAD_INPUT;
    } else if (strcmp(a, "--set") == 0) {
        if (o->nsets == RUNNER_MAX_SETS)
            return bad_input("too many --set options (at most %s)", "32");
        if (strchr(val, '=') == NULL || val[0] == '=')
            return bad_input("--set '%s': expected KEY=VALUE", val);
        o->sets[o->nsets++] = val;
    } else {
        o->log_level = sim_log_level_parse(val);
        if (o->log_level < 0)
            return bad_input("--log-level: '%s' is not one of debug, info, warn, error, off", val);
    }
    return 1;
}

/* The signal that stops `linkrig run` (0: none); in a scenario's process
 * runner_run reads it between events (runner_opts.stop). */
static volatile int run_signal;

static void on_run_signal(int sig)
{
    run_signal = sig;
}

static int cmd_run(int argc, char **argv)
{
    runner_opts o;
    runner_opts_default(&o);
    const char *junit = NULL;
    const char *shard_arg = NULL;
    int quiet = 0;
    int want_report = 0;
    const char *files[256];
    int nfiles = 0;
    for (int i = 0; i < argc; i++) {
        char name[64];
        const char *val;
        const char *a = split_option(argv[i], name, &val);
        unsigned long long n;
        int shared = runner_option(a, val, argc, argv, &i, &o);
        if (shared == EXIT_BAD_INPUT)
            return EXIT_BAD_INPUT;
        if (shared == 1)
            continue;
        if (strcmp(a, "--seed") == 0) {
            OPTION_VALUE();
            if (parse_uint(a, val, UINT64_MAX, &n) != 0)
                return EXIT_BAD_INPUT;
            o.has_seed = true;
            o.seed = n;
        } else if (strcmp(a, "--out") == 0) {
            OPTION_VALUE();
            if (check_out_dir(val) != 0)
                return EXIT_BAD_INPUT;
            o.out_dir = val;
        } else if (strcmp(a, "--junit") == 0) {
            OPTION_VALUE();
            junit = val;
        } else if (strcmp(a, "--shard") == 0) {
            OPTION_VALUE();
            shard_arg = val;
        } else if (strcmp(a, "--hostfwd") == 0) {
            OPTION_VALUE();
            if (o.nhostfwd == 8)
                return bad_input("too many --hostfwd options (at most %s)", "8");
            o.hostfwd[o.nhostfwd++] = val;
        } else if (strcmp(a, "--sample") == 0) {
            OPTION_VALUE();
            sim_time t;
            int rc = cli_duration(val, CLI_DUR_MAX, &t);
            if (rc == 1)
                return bad_input("--sample: %s is out of range (at most 365d)", val);
            if (rc == 0 || (t > 0 && t < SIM_MS(1)))
                return bad_input("--sample: '%s' is not a period of at least 1ms (e.g. 1s, 250ms; 0 = off)", val);
            o.sample_period = t;
        } else if (strcmp(a, "--mem-sample") == 0) {
            OPTION_VALUE();
            sim_time t;
            if (sim_time_parse(val, &t) != 0 || t < 0 || (t > 0 && t < SIM_MS(1)))
                return bad_input("--mem-sample: '%s' is not a period of at least 1ms (e.g. 1h; 0 = off)", val);
            o.mem_sample_period = t;
        } else if (strcmp(a, "--report") == 0) {
            want_report = 1;
        } else if (strcmp(a, "--decrypted") == 0) {
            o.decrypted = true;
        } else if (strcmp(a, "--snaplen") == 0) {
            OPTION_VALUE();
            if (parse_uint(a, val, 262144, &n) != 0)
                return EXIT_BAD_INPUT;
            o.has_snaplen = true;
            o.snaplen = (uint32_t)n;
        } else if (strcmp(a, "--no-capture") == 0) {
            o.no_capture = true;
        } else if (strcmp(a, "--ring-mb") == 0) {
            OPTION_VALUE();
            if (parse_uint(a, val, 1 << 20, &n) != 0)
                return EXIT_BAD_INPUT;
            o.has_ring = true;
            o.ring_mb = (uint32_t)n;
        } else if (strcmp(a, "--verbose") == 0) {
            o.log_level = SIM_LOG_INFO;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
            o.log_level = SIM_LOG_ERROR;
        } else if (strncmp(a, "--realtime", 10) == 0 && (a[10] == '\0' || a[10] == '=')) {
            o.pacing = 1.0;
            if (a[10] == '=') {
                if (parse_realtime(a + 11, &o.pacing) != 0)
                    return EXIT_BAD_INPUT;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            return bad_input("unknown option '%s' for run", argv[i]);
        } else {
            if (nfiles == 256)
                return bad_input("too many scenario files (at most %s)", "256");
            files[nfiles++] = a;
        }
    }
    if (nfiles == 0)
        return bad_input("run needs at least one scenario file%s", "");

    int shard_index, shard_total;
    char shard_buf[32];
    const char *shard_text;
    if (shard_select(shard_arg, &shard_index, &shard_total, shard_buf, &shard_text) != 0)
        return EXIT_BAD_INPUT;

    /* Everything is read and checked before anything runs. */
    scenario **scns = calloc((size_t)nfiles, sizeof *scns);
    int bad = 0;
    for (int i = 0; i < nfiles; i++) {
        sim_err err = {0};
        scns[i] = scn_load(files[i], &err);
        if (scns[i] == NULL) {
            fprintf(stderr, "%s\n", err.msg);
            bad = 1;
            continue;
        }
        /* a scenario for another image never runs the bundled camera */
        if (o.firmware == NULL && scns[i]->firmware_missing[0] != '\0') {
            fprintf(stderr, "%s\n", scns[i]->firmware_missing);
            bad = 1;
        }
        for (int k = 0; k < i; k++)
            if (scns[k] && strcmp(scns[k]->name, scns[i]->name) == 0) {
                fprintf(stderr, "%s: scenario name '%s' is also used by %s (their outputs would collide)\n",
                        files[i], scns[i]->name, files[k]);
                bad = 1;
            }
    }
    if (bad || (junit != NULL && check_output_file("--junit", junit) != 0)) {
        for (int i = 0; i < nfiles; i++)
            scn_free(scns[i]);
        free(scns);
        return EXIT_BAD_INPUT;
    }
    o.progress = !quiet && isatty(STDERR_FILENO);
    o.default_firmware = default_firmware();
    if (o.firmware != NULL) {
        /* Refuse a bad image once, before any scenario runs. */
        sim_err ierr = {0};
        fwimage *img = fwimage_open(o.firmware, &ierr);
        if (img == NULL) {
            fprintf(stderr, "linkrig: %s\n", ierr.msg);
            for (int i = 0; i < nfiles; i++)
                scn_free(scns[i]);
            free(scns);
            return EXIT_BAD_INPUT;
        }
        fwimage_close(img);
    }
    /* A shard's share: the files sorted by path, every Nth from the Kth, so
     * that every shard of a CI matrix picks the same split from the same
     * glob, whatever order the shell gave. Every file is still checked
     * above: a bad scenario fails every shard alike. */
    bool *mine = calloc((size_t)nfiles, sizeof *mine);
    const char **sorted = calloc((size_t)nfiles, sizeof *sorted);
    for (int i = 0; i < nfiles; i++)
        sorted[i] = files[i];
    qsort(sorted, (size_t)nfiles, sizeof *sorted, by_path);
    for (int r = 0; r < nfiles; r++)
        if (r % shard_total == shard_index)
            for (int i = 0; i < nfiles; i++)
                if (!mine[i] && files[i] == sorted[r]) {
                    mine[i] = true;
                    break;
                }
    free(sorted);
    runner_result *results = calloc((size_t)nfiles, sizeof *results);
    /* A scenario's process writes its result here, then one byte to its
     * pipe; this process copies it out once the byte has come (a child
     * that dies half-way leaves nothing to believe). Sent through the pipe,
     * the ~390 KB result took two copies and a dozen switches between the
     * processes (7 % of a 10-second run's CPU). The slot is the only memory
     * a child shares with this one, so a child that goes wild can spoil
     * its own result but not those of the scenarios before it. */
    runner_result *slot = mmap(NULL, sizeof *slot, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (slot == MAP_FAILED) {
        perror("linkrig: mmap");
        return EXIT_CHECK_FAILED;
    }
    const scenario **ran = calloc((size_t)nfiles, sizeof *ran);
    int nran = 0;
    int status_all = EXIT_PASS;
    /* SIGINT, SIGTERM, SIGHUP: the scenario's process stops between two
     * events and reports as usual; this process passes the signal on, then
     * writes the summary and JUnit and exits 128 + the signal. The signals
     * stay blocked here except while waiting for a child (pselect), so that
     * none is missed between the check and the wait. */
    sigset_t stop_sigs, old_mask;
    sigemptyset(&stop_sigs);
    sigaddset(&stop_sigs, SIGINT);
    sigaddset(&stop_sigs, SIGTERM);
    sigaddset(&stop_sigs, SIGHUP);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_run_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigprocmask(SIG_BLOCK, &stop_sigs, &old_mask);
    sigdelset(&old_mask, SIGINT);
    sigdelset(&old_mask, SIGTERM);
    sigdelset(&old_mask, SIGHUP);
    o.stop = &run_signal;
    int stopped_by = 0;
    for (int i = 0; i < nfiles && stopped_by == 0; i++) {
        if (!mine[i])
            continue;
        /* One process per scenario: the firmware's lwIP is global state,
         * and a crashing firmware must not take the other runs with it. */
        int fds[2];
        if (pipe(fds) != 0) {
            perror("linkrig: pipe");
            return EXIT_CHECK_FAILED;
        }
        fflush(NULL);
        pid_t parent = getpid();
        pid_t pid = fork();
        if (pid == 0) {
            close(fds[0]);
            /* A parent killed outright (SIGKILL) cannot stop its child: the
             * kernel sends the child SIGTERM, which ends the run as an
             * interrupted one (its FreeRADIUS goes with it), rather than
             * leaving it to run to the end under init. */
            prctl(PR_SET_PDEATHSIG, SIGTERM);
            sigprocmask(SIG_SETMASK, &old_mask, NULL);
            if (getppid() != parent)
                raise(SIGTERM);
            runner_result *r = slot;
            sim_err err = {0};
            int rc = runner_run(scns[i], &o, r, &err);
            if (rc != SIM_OK && r->failure[0] == '\0')
                snprintf(r->failure, sizeof r->failure, "%s", err.msg);
            while (write(fds[1], "r", 1) < 0 && errno == EINTR) {
            }
            close(fds[1]);
            int interrupted = r->interrupted;
            for (int k = 0; k < nfiles; k++)
                scn_free(scns[k]);
            free(scns);
            free(results);
            free(ran);
            free(mine);
            /* exit, not _exit: LeakSanitizer checks the scenario's process
             * at exit (the parent flushed stdio before the fork) */
            if (interrupted)
                exit(EXIT_SIGNAL_BASE + interrupted);
            /* a folder that cannot be written or a setting that cannot be set is bad input */
            exit(rc == SIM_OK ? 0 : (rc == SIM_EINVAL || rc == SIM_EIO) ? 2 : 3);
        }
        close(fds[1]);
        runner_result *r = &results[nran];
        ran[nran++] = scns[i];
        /* Wait for the result; a signal meanwhile goes on to the child
         * (which may have had it already: the process group's Ctrl-C). */
        int forwarded = 0;
        for (;;) {
            if (run_signal != 0 && forwarded == 0) {
                kill(pid, run_signal);
                forwarded = run_signal;
            }
            fd_set rd;
            FD_ZERO(&rd);
            FD_SET(fds[0], &rd);
            int n = pselect(fds[0] + 1, &rd, NULL, NULL, NULL, &old_mask);
            if (n > 0 || (n < 0 && errno != EINTR))
                break;
        }
        char done = 0;
        ssize_t nread;
        while ((nread = read(fds[0], &done, 1)) < 0 && errno == EINTR) {
        }
        int got = nread == 1 ? SIM_OK : SIM_EIO;
        if (got == SIM_OK)
            memcpy(r, slot, sizeof *r);
        close(fds[0]);
        int st = 0;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
        if (got != SIM_OK) {
            memset(r, 0, sizeof *r);
            snprintf(r->name, sizeof r->name, "%s", scns[i]->name);
            snprintf(r->failure, sizeof r->failure, "the run crashed (%s %d)",
                     WIFSIGNALED(st) ? "signal" : "exit status", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
        }
        if (WIFEXITED(st) && WEXITSTATUS(st) == 2) {
            fprintf(stderr, "linkrig: %s: %s\n", files[i], r->failure);
            status_all = EXIT_BAD_INPUT;
            continue;
        }
        if (!quiet)
            runner_print_summary(stdout, r);
        else
            runner_print_failures(stdout, r);
        if (r->output_error[0] != '\0') {
            fprintf(stderr, "linkrig: %s: %s\n", files[i], r->output_error);
            status_all = EXIT_WRITE_FAILED;
        }
        if (!r->passed && status_all == EXIT_PASS)
            status_all = EXIT_CHECK_FAILED;
        /* the child's own signal (sent to it alone) stops the whole run too */
        if (r->interrupted != 0 || run_signal != 0)
            stopped_by = run_signal != 0 ? run_signal : r->interrupted;
    }
    if (stopped_by != 0) {
        int left = 0;
        for (int i = 0; i < nfiles; i++)
            left += mine[i];
        left -= nran;
        if (left > 0)
            printf("%d scenario(s) not run: interrupted\n", left);
    }
    if (junit != NULL) {
        sim_err err = {0};
        junit_run_info info = {.program = program_name, .opts = &o, .shard = shard_text};
        if (junit_write_run(junit, ran, results, nran, &info, &err) != SIM_OK) {
            fprintf(stderr, "linkrig: %s\n", err.msg);
            status_all = EXIT_WRITE_FAILED;
        }
    }
    if (want_report && nran > 0) {
        /* the reports read what the runs wrote: the same as `linkrig report` */
        const char *names[256];
        for (int i = 0; i < nran; i++)
            names[i] = results[i].name;
        if (report_write_run(o.out_dir, names, nran, quiet ? NULL : stdout) != 0)
            status_all = EXIT_WRITE_FAILED;
    }
    int passed = 0;
    for (int i = 0; i < nran; i++)
        passed += results[i].passed;
    if (!quiet)
        printf("%d of %d scenario(s) passed%s%s%s\n", passed, nran, shard_text ? " (shard " : "",
               shard_text ? shard_text : "", shard_text ? ")" : "");
    /* The summary is evidence too: a full disk or a closed pipe fails the run. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "linkrig: writing the summary to standard output failed: %s\n", strerror(errno));
        status_all = EXIT_WRITE_FAILED;
    }
    if (stopped_by == 0)
        stopped_by = run_signal;
    if (stopped_by != 0)
        status_all = EXIT_SIGNAL_BASE + stopped_by;
    for (int i = 0; i < nfiles; i++)
        scn_free(scns[i]);
    free(scns);
    free(results);
    munmap(slot, sizeof *slot);
    free(ran);
    free(mine);
    return status_all;
}


/* The world `linkrig live` uses without a scenario file. */
static const char default_live_world[] =
    "name: live\n"
    "description: one WPA2 access point and the demo camera\n"
    "duration: 1h\n"
    "world:\n"
    "  aps:\n"
    "    - {name: ap1, ssid: camnet, passphrase: \"correct horse battery\", channel: 6, position: [10, 0]}\n";

static volatile int live_stop;

static void on_sigint(int sig)
{
    (void)sig;
    live_stop = 1;
}

/* path (NULL: none) a FIFO with no reader yet: "waiting for a reader on
 * PATH" once, then wait until one opens it, holding a write end open (in
 * *fd) so that the reader does not see an end before the capture opens its
 * own. -1 when Ctrl-C came first. A regular file or an absent path: 0 at
 * once. */
static int wait_fifo_reader(const char *path, int *fd)
{
    struct stat st;
    *fd = -1;
    if (path == NULL || stat(path, &st) != 0 || !S_ISFIFO(st.st_mode))
        return 0;
    bool said = false;
    while (!live_stop) {
        *fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (*fd >= 0)
            return 0;
        if (errno != ENXIO)
            return 0; /* the capture's own open reports the problem */
        if (!said) {
            fprintf(stderr, "linkrig live: waiting for a reader on %s (e.g. wireshark -k -i %s); Ctrl-C stops\n",
                    path, path);
            said = true;
        }
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

static int cmd_live(int argc, char **argv)
{
    runner_opts o;
    runner_opts_default(&o);
    o.live = true;
    o.stop = &live_stop;
    o.console_in = STDIN_FILENO;
    o.console_out = stdout;
    o.log_level = SIM_LOG_WARN;
    o.events_out = stdout;
    bool default_fwd = true;
    const char *file = NULL;
    for (int i = 0; i < argc; i++) {
        char name[64];
        const char *val;
        const char *a = split_option(argv[i], name, &val);
        if (strcmp(a, "--pcap-air") == 0) {
            OPTION_VALUE();
            o.pcap_air = val;
        } else if (strcmp(a, "--pcap-wire") == 0) {
            OPTION_VALUE();
            o.pcap_wire = val;
        } else if (strcmp(a, "--hostfwd") == 0) {
            OPTION_VALUE();
            if (o.nhostfwd == 8)
                return bad_input("too many --hostfwd options (at most %s)", "8");
            o.hostfwd[o.nhostfwd++] = val;
            default_fwd = false;
        } else if (strcmp(a, "--no-hostfwd") == 0) {
            default_fwd = false;
        } else if (strcmp(a, "--console-socket") == 0) {
            OPTION_VALUE();
            o.console_socket = val;
        } else if (strcmp(a, "--firmware") == 0) {
            OPTION_VALUE();
            o.firmware = val;
        } else if (strcmp(a, "--watchdog") == 0) {
            OPTION_VALUE();
            if (parse_watchdog(val, &o.watchdog_ms) != 0)
                return EXIT_BAD_INPUT;
        } else if (strcmp(a, "--no-console") == 0) {
            o.console_in = -1;
        } else if (strcmp(a, "--quiet-events") == 0) {
            o.events_out = NULL;
        } else if (strcmp(a, "--decrypted") == 0) {
            o.decrypted = true;
        } else if (strcmp(a, "--duration") == 0) {
            OPTION_VALUE();
            if (sim_time_parse(val, &o.live_duration) != 0 || o.live_duration <= 0)
                return bad_input("--duration: '%s' is not a positive duration (e.g. 30s, 10m)", val);
        } else if (strcmp(a, "--out") == 0) {
            OPTION_VALUE();
            if (check_out_dir(val) != 0)
                return EXIT_BAD_INPUT;
            o.out_dir = val;
        } else if (strcmp(a, "--seed") == 0) {
            OPTION_VALUE();
            if (parse_seed(val, &o.seed) != 0)
                return EXIT_BAD_INPUT;
            o.has_seed = true;
        } else if (strcmp(a, "--set") == 0) {
            OPTION_VALUE();
            if (o.nsets == RUNNER_MAX_SETS || strchr(val, '=') == NULL)
                return bad_input("--set '%s': expected KEY=VALUE", val);
            o.sets[o.nsets++] = val;
        } else if (strncmp(a, "--realtime=", 11) == 0) {
            if (parse_realtime(a + 11, &o.pacing) != 0)
                return EXIT_BAD_INPUT;
        } else if (strcmp(a, "--log-level") == 0) {
            OPTION_VALUE();
            o.log_level = sim_log_level_parse(val);
            if (o.log_level < 0)
                return bad_input("--log-level: '%s' is not one of debug, info, warn, error, off", val);
        } else if (strcmp(a, "--verbose") == 0) {
            o.log_level = SIM_LOG_INFO;
        } else if (a[0] == '-' && a[1] != '\0') {
            return bad_input("unknown option '%s' for live", a);
        } else if (file == NULL) {
            file = a;
        } else {
            return bad_input("live takes one scenario file (got a second: %s)", a);
        }
    }
    if (default_fwd)
        o.hostfwd[o.nhostfwd++] = "tcp:127.0.0.1:8080-:80";
    sim_err err = {0};
    scenario *s = file ? scn_load(file, &err)
                       : scn_parse("(default world)", default_live_world, sizeof default_live_world - 1, &err);
    if (s == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        return EXIT_BAD_INPUT;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* A FIFO capture with no reader would block the open without a word:
     * say what the run waits for, and let Ctrl-C end the wait. */
    int fifo_fd[2] = {-1, -1};
    const char *fifo[2] = {o.pcap_air, o.pcap_wire};
    for (int k = 0; k < 2; k++) {
        if (wait_fifo_reader(fifo[k], &fifo_fd[k]) != 0) {
            fprintf(stderr, "linkrig live: stopped while waiting for a reader on %s; nothing ran\n", fifo[k]);
            for (int j = 0; j < k; j++)
                if (fifo_fd[j] >= 0)
                    close(fifo_fd[j]);
            scn_free(s);
            return EXIT_PASS;
        }
    }
    if (o.console_in >= 0 && isatty(o.console_in))
        fprintf(stderr, "linkrig live: %s running in real time; type 'help' for the fault console, Ctrl-C to stop\n",
                s->name);
    fflush(stdout);
    o.default_firmware = default_firmware();
    runner_result r;
    int rc = runner_run(s, &o, &r, &err);
    /* the capture has its own descriptor by now: the reader sees its end */
    for (int k = 0; k < 2; k++)
        if (fifo_fd[k] >= 0)
            close(fifo_fd[k]);
    if (rc != SIM_OK) {
        fprintf(stderr, "linkrig: %s\n", r.failure[0] ? r.failure : err.msg);
        scn_free(s);
        return EXIT_BAD_INPUT;
    }
    runner_print_summary(stdout, &r);
    scn_free(s);
    return r.passed ? EXIT_PASS : EXIT_CHECK_FAILED;
}

static int cmd_sweep(int argc, char **argv)
{
    sweep_opts so;
    memset(&so, 0, sizeof so);
    runner_opts_default(&so.run);
    so.run.log_level = SIM_LOG_ERROR; /* hundreds of runs: their warnings would bury the table */
    so.seed = 1;
    so.n = 50;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    so.jobs = cores > 0 ? (int)cores : 1;
    so.out_dir = "out/sweep";
    so.max_shrink_runs = 150;
    so.program = program_name;
    const char *file = NULL, *shard_arg = NULL;
    for (int i = 0; i < argc; i++) {
        char name[64];
        const char *val;
        const char *a = split_option(argv[i], name, &val);
        unsigned long long n;
        int shared = runner_option(a, val, argc, argv, &i, &so.run);
        if (shared == EXIT_BAD_INPUT)
            return EXIT_BAD_INPUT;
        if (shared == 1)
            continue;
        if (strcmp(a, "--seed") == 0) {
            OPTION_VALUE();
            if (parse_uint(a, val, UINT64_MAX, &n) != 0)
                return EXIT_BAD_INPUT;
            so.seed = n;
        } else if (strcmp(a, "-n") == 0) {
            OPTION_VALUE();
            if (parse_uint(a, val, 1000000, &n) != 0)
                return EXIT_BAD_INPUT;
            so.n = (int)n;
        } else if (strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0) {
            OPTION_VALUE();
            if (parse_uint(a, val, 1024, &n) != 0 || n == 0)
                return n == 0 ? bad_input("-j: '%s' is not a number of jobs in 1..1024", val) : EXIT_BAD_INPUT;
            so.jobs = (int)n;
        } else if (strcmp(a, "--max-shrink") == 0) {
            OPTION_VALUE();
            if (parse_uint(a, val, 100000, &n) != 0)
                return EXIT_BAD_INPUT;
            so.max_shrink_runs = (int)n;
        } else if (strcmp(a, "--out") == 0) {
            OPTION_VALUE();
            if (check_out_dir(val) != 0)
                return EXIT_BAD_INPUT;
            so.out_dir = val;
        } else if (strcmp(a, "--junit") == 0) {
            OPTION_VALUE();
            so.junit = val;
        } else if (strcmp(a, "--shard") == 0) {
            OPTION_VALUE();
            shard_arg = val;
        } else if (strcmp(a, "--verbose") == 0) {
            so.verbose = true;
        } else if (strcmp(a, "--quiet") == 0) {
            so.quiet = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            return bad_input("unknown option '%s' for sweep", argv[i]);
        } else if (file == NULL) {
            file = a;
        } else {
            return bad_input("sweep takes one scenario file (got a second: %s)", a);
        }
    }
    if (file == NULL)
        return bad_input("sweep needs a scenario file with a sweep: section%s", "");

    char shard_buf[32];
    if (shard_select(shard_arg, &so.shard_index, &so.shard_total, shard_buf, &so.shard_text) != 0)
        return EXIT_BAD_INPUT;
    sim_err err = {0};
    scenario *s = scn_load(file, &err);
    if (s == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        return EXIT_BAD_INPUT;
    }
    bool refused = so.run.firmware == NULL && s->firmware_missing[0] != '\0';
    if (refused)
        fprintf(stderr, "%s\n", s->firmware_missing);
    if (refused || (so.junit != NULL && check_output_file("--junit", so.junit) != 0)) {
        scn_free(s);
        return EXIT_BAD_INPUT;
    }
    so.run.default_firmware = default_firmware();
    if (so.run.firmware != NULL) {
        fwimage *img = fwimage_open(so.run.firmware, &err);
        if (img == NULL) {
            fprintf(stderr, "linkrig: %s\n", err.msg);
            scn_free(s);
            return EXIT_BAD_INPUT;
        }
        fwimage_close(img);
    }
    int rc = sweep_main(s, &so);
    scn_free(s);
    return rc;
}

static int cmd_junit_merge(int argc, char **argv)
{
    if (argc < 2)
        return bad_input("junit-merge takes OUT.xml and at least one IN.xml (e.g. linkrig junit-merge all.xml "
                         "shard-*.xml)%s", "");
    for (int i = 0; i < argc; i++)
        if (argv[i][0] == '-' && argv[i][1] != '\0')
            return bad_input("unknown option '%s' for junit-merge", argv[i]);
    /* The output must not be an input, nor an input given twice: each would
     * be read and lost, or counted twice, without a word. */
    struct stat st_i, st_j;
    for (int i = 0; i < argc; i++) {
        if (stat(argv[i], &st_i) != 0)
            continue;
        for (int j = i + 1; j < argc; j++)
            if (stat(argv[j], &st_j) == 0 && st_i.st_dev == st_j.st_dev && st_i.st_ino == st_j.st_ino) {
                fprintf(stderr,
                        i == 0 ? "linkrig: junit-merge: the output %s is also an input (%s): it would be "
                                 "overwritten; the output comes first, then the inputs\n"
                               : "linkrig: junit-merge: %s and %s are the same input file: its suites would "
                                 "count twice\n",
                        argv[i], argv[j]);
                return EXIT_BAD_INPUT;
            }
    }
    if (!replaceable_by_junit(argv[0]))
        return bad_input("junit-merge: the output %s exists and is not XML: it would be overwritten (the "
                         "output comes first, then the inputs)", argv[0]);
    sim_err err = {0};
    if (junit_merge(argv[0], (const char *const *)argv + 1, argc - 1, &err) != SIM_OK) {
        fprintf(stderr, "linkrig: %s\n", err.msg);
        return EXIT_BAD_INPUT;
    }
    return EXIT_PASS;
}

static int cmd_info(int argc, char **argv)
{
    if (argc != 1 || argv[0][0] == '-')
        return bad_input("info takes one firmware image (e.g. linkrig info build/camera.so)%s", "");
    sim_err err = {0};
    fwimage *f = fwimage_open(argv[0], &err);
    if (f == NULL) {
        fprintf(stderr, "linkrig: %s\n", err.msg);
        return EXIT_BAD_INPUT;
    }
    const linkrig_image *img = fwimage_info(f);
    printf("image:     %s\n", fwimage_path(f));
    printf("name:      %s\n", img->name);
    printf("board ABI: %u\n", img->abi_version);
    printf("lwIP:      %s\n", img->lwip_version ? img->lwip_version : "(none)");
    printf("app_main:  %s\n", img->app_main ? "yes" : "no (nothing to run)");
    if (img->settings == NULL || img->settings[0].key == NULL) {
        printf("settings:  none declared (--set keys cannot be checked)\n");
    } else {
        printf("settings:\n");
        for (const hal_setting *k = img->settings; k->key != NULL; k++)
            printf("  %-24s %-12s default %-12s %s\n", k->key, fwimage_setting_type_name(k->type),
                   k->def && k->def[0] ? k->def : "\"\"", k->help ? k->help : "");
    }
    fwimage_close(f);
    return EXIT_PASS;
}

/* `linkrig report OUTDIR`: every scenario folder under OUTDIR (or OUTDIR
 * itself when it holds a trace). */
static int cmd_report(int argc, char **argv)
{
    if (argc != 1 || argv[0][0] == '-')
        return bad_input("report: expected one output folder (%s)", "linkrig report OUTDIR");
    return report_write_dir(argv[0], stdout) == 0 ? EXIT_PASS : EXIT_BAD_INPUT;
}

/* `linkrig timeline OUTDIR/<name>` */
static int cmd_timeline(int argc, char **argv)
{
    if (argc != 1 || argv[0][0] == '-')
        return bad_input("timeline: expected one scenario folder (%s)", "linkrig timeline OUTDIR/NAME");
    sim_err err = {0};
    if (report_timeline(argv[0], stdout, stderr, &err) != SIM_OK) {
        fprintf(stderr, "linkrig: %s\n", err.msg);
        return EXIT_BAD_INPUT;
    }
    return EXIT_PASS;
}

/* `linkrig CMD --help`: the command's line and its own options, taken from
 * the one usage text so that the two never disagree. */
static void print_command_help(const char *cmd)
{
    char head[64];
    snprintf(head, sizeof head, "\n  %s ", cmd);
    const char *line = strstr(usage_text, head);
    if (line != NULL) {
        /* the command's entry and its continuation lines (deeper indent) */
        const char *end = strchr(line + 1, '\n');
        while (end != NULL && strncmp(end, "\n    ", 5) == 0)
            end = strchr(end + 1, '\n');
        printf("usage: linkrig %s [options]\n%.*s\n", cmd, (int)(end ? end - line - 1 : (long)strlen(line) - 1),
               line + 1);
    }
    char sect[64];
    snprintf(sect, sizeof sect, "Options of %s", cmd); /* then ':' or " (...):" */
    const char *opts = strstr(usage_text, sect);
    if (opts != NULL) {
        const char *end = strstr(opts, "\n\n");
        printf("\n%.*s\n", (int)(end ? end - opts : (long)strlen(opts)), opts);
    }
    const char *exit_status = strstr(usage_text, "Exit status:");
    if (exit_status != NULL)
        printf("\n%s", exit_status);
}

int main(int argc, char **argv)
{
    /* A capture FIFO whose reader went away must not kill the run, nor a
     * file size limit (ulimit -f): both become write errors with a message. */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);
    program_name = argv[0];
    if (argc < 2) {
        fputs(usage_text, stderr);
        return EXIT_BAD_INPUT;
    }
    const char *cmd = argv[1];
    /* The CCMP switches are read deep inside the models; a misspelt value
     * would silently mean the default. */
    const char *ccm = getenv("LINKRIG_CCM");
    if (ccm != NULL && ccm[0] != '\0' && strcmp(ccm, "portable") != 0) {
        fprintf(stderr, "linkrig: LINKRIG_CCM='%s': the only value is 'portable' (OpenSSL EVP); unset, CCMP uses "
                        "AES-NI where the CPU has it\n", ccm);
        return EXIT_BAD_INPUT;
    }
    const char *memo = getenv("LINKRIG_CCM_MEMO");
    if (memo != NULL && memo[0] != '\0' && strcmp(memo, "0") != 0 && strcmp(memo, "1") != 0) {
        fprintf(stderr, "linkrig: LINKRIG_CCM_MEMO='%s': 0 (off) or 1 (on, the default)\n", memo);
        return EXIT_BAD_INPUT;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("linkrig %s (board ABI %u; lwIP comes with each firmware image)\n", LINKRIG_VERSION,
               LINKRIG_BOARD_ABI);
        return 0;
    }
    static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
    } commands[] = {{"demo", cmd_demo},   {"run", cmd_run},   {"live", cmd_live},
                    {"info", cmd_info},   {"sweep", cmd_sweep}, {"junit-merge", cmd_junit_merge},
                    {"report", cmd_report}, {"timeline", cmd_timeline}};
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
        if (strcmp(cmd, commands[k].name) != 0)
            continue;
        for (int i = 2; i < argc; i++)
            if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                print_command_help(cmd);
                return 0;
            }
        return commands[k].fn(argc - 2, argv + 2);
    }
    fprintf(stderr, "linkrig: unknown command '%s'\n", cmd);
    fputs(usage_text, stderr);
    return EXIT_BAD_INPUT;
}
