/* sim/trace.h — structured events on virtual time.
 *
 * Every event has a virtual time, a component ("sched", "fw", "radio", ...),
 * an event name and typed fields. It is written as one JSON object per line
 * (JSON Lines) to the trace file — the record that scenarios and tests read —
 * and, at or above the chosen level, as a readable line to the log stream
 * (stderr by default). Both outputs are functions of virtual time and event
 * content only, so the same run gives byte-identical traces.
 *
 * JSON line shape:  {"t":<ns>,"comp":"fw","event":"boot","key":value,...}
 * Field values are strings, integers, booleans or hex strings (for bytes).
 *
 * Build an event with begin / fields / end. begin returns NULL when nobody
 * wants the event (no trace file, below the log level, no sink), and all
 * field functions accept NULL, so disabled events cost a comparison. One
 * event is built at a time. Sinks see each finished event as parsed fields,
 * which is how the scenario runner checks expectations without re-reading
 * the file. */
#ifndef LINKRIG_SIM_TRACE_H
#define LINKRIG_SIM_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/clock.h"
#include "sim/err.h"

typedef enum {
    SIM_LOG_DEBUG = 0,
    SIM_LOG_INFO = 1,
    SIM_LOG_WARN = 2,
    SIM_LOG_ERROR = 3,
    SIM_LOG_OFF = 4,
} sim_log_level;

typedef struct sim_trace sim_trace;
typedef struct sim_trace_rec sim_trace_rec;

/* A finished event as sinks see it; valid only during the sink call. */
typedef struct sim_trace_field {
    const char *key;
    enum { SIM_TF_STR, SIM_TF_INT, SIM_TF_BOOL } type;
    const char *str; /* SIM_TF_STR (hex fields arrive as strings) */
    int64_t num;     /* SIM_TF_INT, SIM_TF_BOOL */
} sim_trace_field;

typedef struct sim_trace_event {
    sim_time t;
    sim_log_level level;
    const char *comp;
    const char *event;
    const sim_trace_field *fields;
    size_t nfields;
    const char *json; /* the JSON line, without newline */
} sim_trace_event;

/* A sink's view of an event's fields: the first named key, NULL when none. */
const sim_trace_field *sim_trace_event_field(const sim_trace_event *ev, const char *key);

typedef void (*sim_trace_sink_fn)(void *ctx, const sim_trace_event *ev);

sim_trace *sim_trace_create(const sim_clock *clock);
/* Flushes and closes a trace file opened by sim_trace_open. */
void sim_trace_destroy(sim_trace *t);

/* JSON lines go to path (created or truncated). */
int sim_trace_open(sim_trace *t, const char *path, sim_err *err);
/* Each JSON line is flushed as it ends, so a reader (tail -f, a live
 * report) always sees whole lines: live mode. Off by default (a run's
 * trace is written in large blocks). */
void sim_trace_set_flush_each(sim_trace *t, bool on);
/* Bounds the file opened by sim_trace_open as the captures' ring does
 * (sim/capture.h): when the next line would take PATH past ring_bytes, PATH
 * becomes PATH.1 (PATH.1 becomes PATH.2, ..., PATH.<ring_files-1> is
 * replaced) and a new PATH starts. Each new file starts with the header
 * line (sim_trace_keep_header), so that every file says which run it
 * belongs to; lines are never split across files. Ring files PATH.N left by
 * an earlier run are removed. Not for a FIFO or a device (left unbounded).
 * ring_bytes 0: unbounded. */
#define SIM_TRACE_RING_FILES_MAX 1000
int sim_trace_set_ring(sim_trace *t, uint64_t ring_bytes, int ring_files, sim_err *err);
/* The event just ended becomes the header line of every later ring file. */
void sim_trace_keep_header(sim_trace *t);
/* Flushes and closes the file or stream (a stream is flushed, not closed);
 * SIM_EIO with the file's name and the system's reason if any write, flush,
 * rotation or close failed. Writes stop at the first failure, so the file
 * ends on a complete line. sim_trace_destroy closes too, silently. */
int sim_trace_close(sim_trace *t, sim_err *err);
bool sim_trace_broken(const sim_trace *t);
const char *sim_trace_error(const sim_trace *t); /* NULL while fine */
/* JSON lines go to an already open stream (not closed by the trace). */
void sim_trace_set_stream(sim_trace *t, FILE *f);
/* Readable log lines at or above level go to f (NULL: none). Default:
 * stderr at SIM_LOG_WARN. At SIM_LOG_WARN a warning identical to an earlier
 * one but for its time is counted, not printed, and sim_trace_close prints
 * the count ("W (N more like this: ...)"); the JSON lines keep every one. */
void sim_trace_set_log(sim_trace *t, FILE *f, sim_log_level level);
int sim_trace_add_sink(sim_trace *t, sim_trace_sink_fn fn, void *ctx);
/* Parses "debug", "info", "warn", "error", "off"; -1 if unknown. */
int sim_log_level_parse(const char *s);

sim_trace_rec *sim_trace_begin(sim_trace *t, sim_log_level level, const char *comp, const char *event);
void sim_trace_str(sim_trace_rec *r, const char *key, const char *val);
void sim_trace_int(sim_trace_rec *r, const char *key, int64_t val);
void sim_trace_bool(sim_trace_rec *r, const char *key, bool val);
void sim_trace_hex(sim_trace_rec *r, const char *key, const uint8_t *bytes, size_t len);
void sim_trace_strf(sim_trace_rec *r, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sim_trace_end(sim_trace_rec *r);

/* One-call event with a single "msg" field. */
void sim_trace_msg(sim_trace *t, sim_log_level level, const char *comp, const char *event,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

uint64_t sim_trace_count(const sim_trace *t); /* events emitted */
void sim_trace_flush(sim_trace *t);

#endif
