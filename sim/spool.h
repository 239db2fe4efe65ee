/* sim/spool.h — bytes for one file, written in large blocks, off the
 * simulation thread once that pays.
 *
 * The simulation appends bytes; they reach the file in the order appended,
 * so the file is byte for byte what a plain write() of each append would
 * give. Appends fill a block (block_bytes); a full block is written. For
 * the first thread_after bytes the caller's thread writes its blocks
 * itself; after that a writer thread of the spool's own does, fed through
 * a bounded queue of `blocks` blocks (the appender waits when every block
 * is queued), so a run's memory stays bounded and a short run never starts
 * a thread. Only I/O moves: what is appended, and when, stays the caller's.
 *
 * spool_rotate marks a point in the byte stream: everything before it goes
 * to the current file, then rotate() (the caller's, run on whichever thread
 * writes, in order) closes that file and returns the next one's descriptor.
 * Before the writer thread starts, the rotation happens at once.
 *
 * spool_flush returns once every byte appended so far is written (the
 * point where a capture must be on disk: a verdict, an interruption, a
 * live reader). The first failure (a write, or rotate() returning -1)
 * stops the spool: later bytes are dropped, spool_error gives its errno
 * from then on (to any thread that sees it, with what the failing thread
 * wrote before it, such as the caller's message, visible), and write_failed
 * is called once for a failed write, on the thread that saw it.
 *
 * The writer thread blocks every signal: SIGINT and friends stay the
 * simulation thread's, and a FIFO whose reader left gives EPIPE. */
#ifndef LINKRIG_SIM_SPOOL_H
#define LINKRIG_SIM_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#define SPOOL_THREAD_NEVER UINT64_MAX

typedef struct spool spool;

typedef struct spool_config {
    size_t block_bytes;    /* 0: 256 KiB */
    int blocks;            /* blocks queued at most, the one being filled included; 0: 4 (>= 2) */
    uint64_t thread_after; /* bytes written by the caller before the thread starts; 0: 128 MiB */
    /* closes fd and returns the next file's descriptor, or -1 with errno set
     * (having recorded its own account of the failure first) */
    int (*rotate)(void *ctx, int fd);
    void (*write_failed)(void *ctx, int err);
    void *ctx;
} spool_config;

/* Takes fd (closed by spool_close). NULL when out of memory (fd untouched). */
spool *spool_create(int fd, const spool_config *cfg);
void spool_write(spool *s, const void *bytes, size_t len);
void spool_rotate(spool *s);
/* 0 once everything appended is written, or the errno of the first failure. */
int spool_flush(spool *s);
/* The errno of the first failure known so far, 0 while fine. */
int spool_error(const spool *s);
/* Flushes, stops the thread and closes the file; 0 or the first failure's errno. */
int spool_close(spool *s);

#endif
