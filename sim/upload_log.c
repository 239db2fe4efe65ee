/* sim/upload_log.c — the sink's uploads in bounded memory (upload_log.h).
 *
 * Why segments make the answers exact. An upload is added when it ends, so
 * every upload added before mark T passed has a <= (time added) < T: it
 * neither began nor ended at or after T, and every question from T skips
 * it. The uploads of the segment starting at mark q that began at or after
 * q are counted by every question from a mark at or before q. Within the
 * fold of the silences, prev before such an upload is at most M, the
 * largest of q and the last bytes added before it in the segment (earlier
 * segments end before q; a question's own start is at most q). So an
 * upload with a >= M ("in step") sets prev to its own a whatever the
 * question, and the gap before the next in-step upload, t - a, is the same
 * for every question: a run of in-step uploads needs only its first gap
 * (from the question's prev) and its longest inner gap. Inner gaps lie
 * between q and the next mark, so an interval whose ends are marks holds
 * each of them whole or not at all. */
#include "sim/upload_log.h"

#include <stdlib.h>

/* n == 0: one upload kept whole, t..a. n >= 1: a run of n in-step uploads,
 * t the first one's first byte, a the last one's last byte, gfrom..gto the
 * run's first longest inner gap (n >= 2). */
struct item {
    sim_time t, a;
    long long n;
    sim_time gfrom, gto;
};

struct segment {
    sim_time q;       /* the mark it starts at */
    sim_time m;       /* the largest of q and every last byte added in it */
    struct item *it;
    size_t n, cap;
};

struct pending { /* added at the current instant: a mark at this instant goes before them */
    sim_time t, a;
};

struct upload_log {
    struct segment *seg;
    size_t nseg, capseg;
    sim_time *cuts; /* marks still ahead, ascending */
    size_t ncuts, capcuts;
    struct pending *pend;
    size_t npend, cappend;
    sim_time pend_at;
    sim_time now;
    long long count;
    sim_time earliest;
};

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t n = *cap ? *cap * 2 : 4;
    void *q = realloc(p, n * elem);
    if (q == NULL)
        abort(); /* losing evidence would make the verdict a lie */
    *cap = n;
    return q;
}

static void open_segment(upload_log *l, sim_time q)
{
    if (l->nseg > 0 && l->seg[l->nseg - 1].q == q)
        return;
    l->seg = grow(l->seg, &l->capseg, l->nseg + 1, sizeof *l->seg);
    l->seg[l->nseg++] = (struct segment){.q = q, .m = q};
}

upload_log *upload_log_create(void)
{
    upload_log *l = calloc(1, sizeof *l);
    if (l == NULL)
        return NULL;
    l->earliest = -1;
    open_segment(l, 0);
    return l;
}

void upload_log_free(upload_log *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->nseg; i++)
        free(l->seg[i].it);
    free(l->seg);
    free(l->cuts);
    free(l->pend);
    free(l);
}

static void commit(upload_log *l, sim_time t, sim_time a)
{
    struct segment *s = &l->seg[l->nseg - 1];
    bool in_step = t >= s->q && a >= s->m;
    struct item *last = s->n > 0 ? &s->it[s->n - 1] : NULL;
    if (in_step && last != NULL && last->n > 0) {
        if (last->n == 1 || t - last->a > last->gto - last->gfrom) {
            last->gfrom = last->a;
            last->gto = t;
        }
        last->a = a;
        last->n++;
    } else {
        s->it = grow(s->it, &s->cap, s->n + 1, sizeof *s->it);
        s->it[s->n++] = (struct item){.t = t, .a = a, .n = in_step ? 1 : 0};
    }
    if (a > s->m)
        s->m = a;
}

static void commit_pending(upload_log *l)
{
    for (size_t i = 0; i < l->npend; i++)
        commit(l, l->pend[i].t, l->pend[i].a);
    l->npend = 0;
}

void upload_log_advance(upload_log *l, sim_time now)
{
    while (l->ncuts > 0 && l->cuts[0] <= now) {
        sim_time q = l->cuts[0];
        l->ncuts--;
        for (size_t i = 0; i < l->ncuts; i++)
            l->cuts[i] = l->cuts[i + 1];
        if (l->npend > 0 && l->pend_at < q)
            commit_pending(l);
        open_segment(l, q);
    }
    if (l->npend > 0 && l->pend_at < now)
        commit_pending(l);
    if (now > l->now)
        l->now = now;
}

bool upload_log_mark(upload_log *l, sim_time t)
{
    if (t < l->now)
        return false;
    if (t == l->now) { /* uploads added at this instant are still pending: they go after it */
        open_segment(l, t);
        return true;
    }
    size_t i = 0;
    while (i < l->ncuts && l->cuts[i] < t)
        i++;
    if (i < l->ncuts && l->cuts[i] == t)
        return true;
    l->cuts = grow(l->cuts, &l->capcuts, l->ncuts + 1, sizeof *l->cuts);
    for (size_t k = l->ncuts; k > i; k--)
        l->cuts[k] = l->cuts[k - 1];
    l->cuts[i] = t;
    l->ncuts++;
    return true;
}

void upload_log_add(upload_log *l, sim_time now, sim_time t, sim_time a)
{
    upload_log_advance(l, now);
    l->pend = grow(l->pend, &l->cappend, l->npend + 1, sizeof *l->pend);
    l->pend[l->npend++] = (struct pending){t, a};
    l->pend_at = l->now;
    l->count++;
    if (l->earliest < 0 || t < l->earliest)
        l->earliest = t;
}

long long upload_log_count(const upload_log *l)
{
    return l->count;
}

sim_time upload_log_earliest(const upload_log *l)
{
    return l->earliest;
}

/* The first segment that starts at or after t (nseg: none). */
static size_t seg_from(const upload_log *l, sim_time t)
{
    size_t lo = 0, hi = l->nseg;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->seg[mid].q < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool upload_log_known(const upload_log *l, sim_time t)
{
    if (t > l->now)
        return true;
    size_t k = seg_from(l, t);
    return k < l->nseg && l->seg[k].q == t;
}

sim_time upload_log_first_from(const upload_log *l, sim_time t)
{
    for (size_t k = seg_from(l, t); k < l->nseg; k++)
        for (size_t i = 0; i < l->seg[k].n; i++) {
            const struct item *it = &l->seg[k].it[i];
            if (it->n > 0 || it->t >= t) /* a run began at or after its segment's start */
                return it->t;
        }
    for (size_t i = 0; i < l->npend; i++)
        if (l->pend[i].t >= t)
            return l->pend[i].t;
    return -1;
}

struct fold {
    sim_time from, prev;
    size_t used;
    upload_log_gap_fn *gap;
    void *ctx;
};

static void fold_one(struct fold *f, sim_time t, sim_time a)
{
    if (f->from >= 0 && a < f->from)
        return;
    if (f->prev >= 0)
        f->gap(f->ctx, f->prev, t);
    if (f->prev < 0 || a > f->prev)
        f->prev = a;
    f->used++;
}

void upload_log_silences(const upload_log *l, sim_time from, upload_log_gap_fn *gap, void *ctx, sim_time *prev,
                         size_t *used)
{
    struct fold f = {.from = from, .prev = from, .gap = gap, .ctx = ctx};
    for (size_t k = from >= 0 ? seg_from(l, from) : 0; k < l->nseg; k++)
        for (size_t i = 0; i < l->seg[k].n; i++) {
            const struct item *it = &l->seg[k].it[i];
            if (it->n == 0) {
                fold_one(&f, it->t, it->a);
                continue;
            }
            /* a run: its first gap from prev; then prev is each one's end */
            if (f.prev >= 0)
                gap(ctx, f.prev, it->t);
            if (it->n >= 2)
                gap(ctx, it->gfrom, it->gto);
            f.prev = it->a;
            f.used += (size_t)it->n;
        }
    for (size_t i = 0; i < l->npend; i++)
        fold_one(&f, l->pend[i].t, l->pend[i].a);
    *prev = f.prev;
    *used = f.used;
}

size_t upload_log_items(const upload_log *l)
{
    size_t n = l->nseg + l->ncuts + l->npend;
    for (size_t k = 0; k < l->nseg; k++)
        n += l->seg[k].n;
    return n;
}
