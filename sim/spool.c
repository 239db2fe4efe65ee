#define _DEFAULT_SOURCE
#include "sim/spool.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 256 KiB blocks, four of them: the 1 MiB a capture's stdio buffer took
 * before, and a write call per quarter of it. */
#define SPOOL_BLOCK (256 * 1024)
#define SPOOL_BLOCKS 4
/* A writer thread is not free: every block the simulation thread refills
 * was last read by the writer, on the other core, so each of its cache
 * lines is fetched back from there. On an idle camera's day (115 MB of
 * captures and trace) that made the simulation thread's own time 10-15 %
 * longer than doing the write calls itself, and the wall time longer too.
 * A long run that writes far more (the 24-hour soak: 830 MB) gains wall
 * time from it (measured: about 0.2 s of 5.5). So the thread starts once a
 * spool has taken 128 MiB (over all its ring files), which of the library's
 * scenarios only the soak reaches. */
#define SPOOL_THREAD_AFTER ((uint64_t)128 * 1024 * 1024)

struct block {
    uint8_t *data;
    size_t len;
    int rotations; /* done before data is written: spool_rotate's marks */
    int index;     /* in spool.all */
};

struct spool {
    /* the appending thread's */
    struct block *cur; /* NULL: none yet (or handed to the writer) */
    size_t block_bytes;
    uint64_t thread_after, written_here;
    bool threaded;
    spool_config cfg;
    /* the writing thread's (the appender's until the thread starts) */
    int fd;
    /* the first failure: claimed once, then published (release) */
    atomic_int claimed;
    atomic_int err;
    /* under mu, once threaded */
    pthread_mutex_t mu;
    pthread_cond_t to_writer, to_appender;
    struct block **queue; /* FIFO ring of nblocks */
    int qhead, qlen;
    struct block **spare; /* written blocks, ready to fill */
    int nspare;
    bool busy, stop;
    pthread_t thread;
    /* every block, for the free */
    struct block **all;
    int nblocks, nall;
};

static void spool_fail(spool *s, int e, bool writing)
{
    if (atomic_exchange(&s->claimed, 1) != 0)
        return;
    if (writing && s->cfg.write_failed != NULL)
        s->cfg.write_failed(s->cfg.ctx, e);
    atomic_store_explicit(&s->err, e != 0 ? e : EIO, memory_order_release);
}

int spool_error(const spool *s)
{
    return atomic_load_explicit(&((spool *)s)->err, memory_order_acquire);
}

/* On the writing thread: the block's rotations, then its bytes. */
static void write_block(spool *s, struct block *b)
{
    if (atomic_load_explicit(&s->err, memory_order_relaxed) != 0)
        return;
    for (int i = 0; i < b->rotations; i++) {
        int fd = s->cfg.rotate != NULL ? s->cfg.rotate(s->cfg.ctx, s->fd) : s->fd;
        if (fd < 0) {
            int e = errno;
            s->fd = -1;
            spool_fail(s, e, false);
            return;
        }
        s->fd = fd;
    }
    size_t off = 0;
    while (off < b->len) {
        ssize_t n = write(s->fd, b->data + off, b->len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            spool_fail(s, errno, true);
            return;
        }
        off += (size_t)n;
    }
}

static struct block *new_block(spool *s)
{
    if (s->nall == s->nblocks)
        return NULL;
    struct block *b = calloc(1, sizeof *b);
    if (b != NULL && (b->data = malloc(s->block_bytes)) == NULL) {
        free(b);
        b = NULL;
    }
    if (b != NULL) {
        b->index = s->nall;
        s->all[s->nall++] = b;
    }
    return b;
}

static void *writer_main(void *arg)
{
    spool *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (s->qlen == 0 && !s->stop)
            pthread_cond_wait(&s->to_writer, &s->mu);
        if (s->qlen == 0)
            break;
        struct block *b = s->queue[s->qhead];
        s->qhead = (s->qhead + 1) % s->nblocks;
        s->qlen--;
        s->busy = true;
        pthread_mutex_unlock(&s->mu);
        write_block(s, b);
        b->len = 0;
        b->rotations = 0;
        pthread_mutex_lock(&s->mu);
        s->spare[s->nspare++] = b;
        s->busy = false;
        pthread_cond_signal(&s->to_appender);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static void start_thread(spool *s)
{
    if (pthread_mutex_init(&s->mu, NULL) != 0)
        return;
    if (pthread_cond_init(&s->to_writer, NULL) != 0) {
        pthread_mutex_destroy(&s->mu);
        return;
    }
    if (pthread_cond_init(&s->to_appender, NULL) != 0) {
        pthread_cond_destroy(&s->to_writer);
        pthread_mutex_destroy(&s->mu);
        return;
    }
    /* Signals stay the simulation thread's (it is the one that stops the
     * run on SIGINT); the writer inherits this mask. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&s->thread, NULL, writer_main, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) { /* stay on this thread: slower, not wrong */
        pthread_cond_destroy(&s->to_appender);
        pthread_cond_destroy(&s->to_writer);
        pthread_mutex_destroy(&s->mu);
        s->thread_after = SPOOL_THREAD_NEVER;
        return;
    }
    s->threaded = true;
}

/* The current block to the file: written here, or queued for the writer. */
static void hand_off(spool *s)
{
    struct block *b = s->cur;
    if (!s->threaded) {
        write_block(s, b);
        s->written_here += b->len;
        b->len = 0;
        b->rotations = 0;
        /* The blocks take turns here too: all of them are allocated and
         * touched in the first few blocks of a run, as one large buffer
         * would be, not days later when the thread starts (the memory soak
         * holds the rig to that). */
        struct block *next = s->nall < s->nblocks ? new_block(s) : s->all[(b->index + 1) % s->nall];
        if (next != NULL)
            s->cur = next;
        if (s->written_here >= s->thread_after && spool_error(s) == 0) {
            start_thread(s);
            for (int i = 0; s->threaded && i < s->nall; i++)
                if (s->all[i] != s->cur)
                    s->spare[s->nspare++] = s->all[i];
        }
        return;
    }
    pthread_mutex_lock(&s->mu);
    s->queue[(s->qhead + s->qlen) % s->nblocks] = b;
    s->qlen++;
    /* Waking a sleeping writer is a system call and a reschedule (~10 us
     * on a virtual machine, 5% of a capturing run's CPU when done per
     * block): wake it once half the blocks are queued, so it writes them
     * in a row while the other half fills. A flush wakes it in any case;
     * a writer already awake takes the queue as it finds it. */
    if (s->qlen >= (s->nblocks + 1) / 2)
        pthread_cond_signal(&s->to_writer);
    pthread_mutex_unlock(&s->mu);
    s->cur = NULL;
}

/* A block to fill: a spare one, a new one while fewer than nblocks exist,
 * or (all queued) the first the writer gives back. */
static struct block *take_block(spool *s)
{
    pthread_mutex_lock(&s->mu);
    struct block *b = NULL;
    for (;;) {
        if (s->nspare > 0) {
            b = s->spare[--s->nspare];
            break;
        }
        if (s->nall < s->nblocks && (b = new_block(s)) != NULL)
            break;
        if (s->nall == 0) /* out of memory with nothing to wait for */
            break;
        pthread_cond_wait(&s->to_appender, &s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return b;
}

static bool have_block(spool *s)
{
    if (s->cur != NULL)
        return true;
    s->cur = s->threaded ? take_block(s) : new_block(s);
    if (s->cur == NULL)
        spool_fail(s, ENOMEM, true);
    return s->cur != NULL;
}

spool *spool_create(int fd, const spool_config *cfg)
{
    spool *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->cfg = *cfg;
    s->fd = fd;
    s->block_bytes = cfg->block_bytes > 0 ? cfg->block_bytes : SPOOL_BLOCK;
    s->nblocks = cfg->blocks >= 2 ? cfg->blocks : SPOOL_BLOCKS;
    s->thread_after = cfg->thread_after > 0 ? cfg->thread_after : SPOOL_THREAD_AFTER;
    atomic_init(&s->claimed, 0);
    atomic_init(&s->err, 0);
    s->queue = calloc((size_t)s->nblocks, sizeof *s->queue);
    s->spare = calloc((size_t)s->nblocks, sizeof *s->spare);
    s->all = calloc((size_t)s->nblocks, sizeof *s->all);
    if (s->queue == NULL || s->spare == NULL || s->all == NULL) {
        free(s->queue);
        free(s->spare);
        free(s->all);
        free(s);
        return NULL;
    }
    return s;
}

void spool_write(spool *s, const void *bytes, size_t len)
{
    const uint8_t *p = bytes;
    while (len > 0) {
        if (!have_block(s))
            return;
        size_t room = s->block_bytes - s->cur->len;
        if (room == 0) {
            hand_off(s);
            continue;
        }
        size_t n = len < room ? len : room;
        memcpy(s->cur->data + s->cur->len, p, n);
        s->cur->len += n;
        p += n;
        len -= n;
    }
}

void spool_rotate(spool *s)
{
    if (s->cur != NULL && s->cur->len > 0)
        hand_off(s);
    if (!s->threaded) {
        /* nothing is queued: the rotation happens now, as it would have */
        struct block none = {.rotations = 1};
        write_block(s, &none);
        return;
    }
    if (have_block(s))
        s->cur->rotations++;
}

int spool_flush(spool *s)
{
    if (s->cur != NULL && (s->cur->len > 0 || s->cur->rotations > 0))
        hand_off(s);
    if (s->threaded) {
        pthread_mutex_lock(&s->mu);
        if (s->qlen > 0) /* what hand_off left queued without waking it */
            pthread_cond_signal(&s->to_writer);
        while (s->qlen > 0 || s->busy)
            pthread_cond_wait(&s->to_appender, &s->mu);
        pthread_mutex_unlock(&s->mu);
    }
    return spool_error(s);
}

int spool_close(spool *s)
{
    if (s == NULL)
        return 0;
    spool_flush(s);
    if (s->threaded) {
        pthread_mutex_lock(&s->mu);
        s->stop = true;
        pthread_cond_signal(&s->to_writer);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->thread, NULL);
        pthread_cond_destroy(&s->to_appender);
        pthread_cond_destroy(&s->to_writer);
        pthread_mutex_destroy(&s->mu);
    }
    if (s->fd >= 0 && close(s->fd) != 0)
        spool_fail(s, errno, true);
    int e = spool_error(s);
    for (int i = 0; i < s->nall; i++) {
        free(s->all[i]->data);
        free(s->all[i]);
    }
    free(s->all);
    free(s->queue);
    free(s->spare);
    free(s);
    return e;
}
