/* sim/report.h — what a run's output folder tells a person: an HTML report
 * per scenario and a text timeline.
 *
 * Both read OUTDIR/<name>/trace.jsonl and result.jsonl (docs/trace-schema.md)
 * and nothing else: a report can be made later, on another machine, from the
 * files CI kept. The files are untrusted input: a line that is not the flat
 * JSON the trace writes is reported with its line number and skipped. */
#ifndef LINKRIG_SIM_REPORT_H
#define LINKRIG_SIM_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/err.h"

/* ---- the trace-line parser: a flat JSON object of strings, integers and
 * booleans (null is read as absent). Nested values and fractions are
 * refused: the trace never writes them. ---- */
#define RPT_MAX_FIELDS 64

typedef struct rpt_field {
    const char *key;
    enum { RPT_STR, RPT_INT, RPT_BOOL } type;
    const char *str; /* RPT_STR: decoded, NUL-terminated, inside the line */
    int64_t num;     /* RPT_INT, RPT_BOOL */
} rpt_field;

typedef struct rpt_obj {
    rpt_field f[RPT_MAX_FIELDS];
    size_t n;
} rpt_obj;

/* Parses line (len bytes, no newline; need not be NUL-terminated, but
 * line[len] must be writable) in place: strings are decoded into the line's
 * own bytes. 0 on success; -1 with a reason in why otherwise. */
int rpt_parse_line(char *line, size_t len, rpt_obj *out, char *why, size_t whylen);
/* The field named key, NULL if absent. */
const rpt_field *rpt_get(const rpt_obj *o, const char *key);

/* ---- the outputs ---- */

/* DIR/report.html for one scenario folder DIR. Malformed lines are reported
 * on diag (NULL: not at all). */
int report_html(const char *scn_dir, FILE *diag, sim_err *err);
/* The timeline of scenario folder DIR to out: one line per state change. */
int report_timeline(const char *scn_dir, FILE *out, FILE *diag, sim_err *err);
/* Reports for names[0..n) under outdir, and outdir/index.html when n > 1;
 * each written path is printed on log (NULL: silent). 0, or -1 when one
 * could not be written (said on stderr). */
int report_write_run(const char *outdir, const char *const *names, int n, FILE *log);
/* The same for every folder under outdir holding a trace.jsonl, or for
 * outdir itself when it holds one. */
int report_write_dir(const char *outdir, FILE *log);

/* ---- the live feed (`linkrig live`): the timeline's lines as they happen.
 * Fed one trace line at a time (the trace's own JSON, e.g. from a trace
 * sink), it prints each state change the timeline would print (faults, link
 * up and down, join failures, the status the firmware saw, DHCP, chip power,
 * deauthentications, data at the sink again) to out at once, flushed. It
 * keeps only what the next line needs (the last status and upload per
 * device), so a day-long live run does not grow it. ---- */
typedef struct report_feed report_feed;
report_feed *report_feed_create(FILE *out); /* out NULL: prints nothing, keeps the status */
void report_feed_line(report_feed *f, const char *json, size_t len);
/* The last status device dev's firmware polled, by name ("GOT_IP"), with
 * the call that returned it in *call; NULL before its first poll. */
const char *report_feed_status(const report_feed *f, const char *dev, const char **call);
void report_feed_free(report_feed *f);

#endif
