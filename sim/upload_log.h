/* sim/upload_log.h — the sink's uploads as the verdict asks about them, in
 * memory that does not grow with the number of uploads.
 *
 * An upload is (t, a): its first and last byte, reported when it ends, so
 * t <= a <= the time it is added. The verdict's questions all start from a
 * reference time T (a fault's start or end, the end of an excluded window,
 * a loss of the link) and are answered exactly when the log was told of T
 * before T passed (upload_log_mark):
 *   - the first upload, in the order added, that began at or after T;
 *   - the silences of the sink from T on, as scenario.h defines them (each
 *     upload's first byte minus the largest last byte before it).
 * Marks cut the log into segments; inside a segment, consecutive uploads
 * that began after its start and end after everything before them (a
 * device uploading one connection at a time) are kept as one run: their
 * count, the first one's start, the last one's end and their longest
 * silence. Anything else (an upload that began before the segment, or
 * overlaps an earlier one) is kept whole, so the memory is one run per
 * segment plus the uploads in flight across a mark. */
#ifndef LINKRIG_SIM_UPLOAD_LOG_H
#define LINKRIG_SIM_UPLOAD_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/clock.h"

typedef struct upload_log upload_log;

upload_log *upload_log_create(void);
void upload_log_free(upload_log *l);

/* Virtual time is now (every event the owner sees, in time order). */
void upload_log_advance(upload_log *l, sim_time now);
/* T will be a reference time. False (and nothing kept) when T has already
 * passed (the latest upload_log_advance): answers from T would not be
 * exact (upload_log_known says so). */
bool upload_log_mark(upload_log *l, sim_time t);
/* An upload that ended, reported at now: first byte t, last byte a. */
void upload_log_add(upload_log *l, sim_time now, sim_time t, sim_time a);

long long upload_log_count(const upload_log *l);
/* The earliest first byte of any upload; -1: none. */
sim_time upload_log_earliest(const upload_log *l);

/* Answers from T are exact: T was marked in time, or no upload ended at or
 * after T. */
bool upload_log_known(const upload_log *l, sim_time t);
/* The first byte of the first upload (in the order added) that began at or
 * after t; -1: none. */
sim_time upload_log_first_from(const upload_log *l, sim_time t);

/* The silences from `from` on (from < 0: from the first upload): the
 * uploads whose last byte is at or after from, in the order added, each
 * gives the gap [prev, its first byte) when prev >= 0, where prev is from,
 * then the largest last byte so far. gap() is called for those gaps in
 * order, except that within a run only the run's longest (the first of
 * equals) is given: enough for a caller that keeps the first longest gap,
 * or the first longest part of the gaps outside intervals whose ends were
 * all marked. *prev is the largest last byte at the end (from, or -1 when
 * no upload counted), *used how many uploads counted. */
typedef void upload_log_gap_fn(void *ctx, sim_time prev, sim_time t);
void upload_log_silences(const upload_log *l, sim_time from, upload_log_gap_fn *gap, void *ctx, sim_time *prev,
                         size_t *used);

/* Segments and items kept, for tests of the bound. */
size_t upload_log_items(const upload_log *l);

#endif
