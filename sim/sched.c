#include "sim/sched.h"

#include <stdlib.h>

enum node_state { NODE_FREE, NODE_QUEUED, NODE_FIRING, NODE_CANCELLED };

struct node {
    sim_time period;
    sim_timer_fn fn;
    void *arg;
    uint32_t gen;
    uint32_t heap_pos; /* heap mode only: a sorted queue is searched (node_pos) */
    uint32_t next_free;
    uint8_t state;
};

/* The heap holds the sort key inline so that sifting touches one array. */
struct heap_ent {
    sim_time when;
    uint64_t seq;
    uint32_t node;
};

struct sim_sched {
    sim_clock *clock;
    struct node *nodes;
    uint32_t nodes_cap;
    uint32_t free_head; /* UINT32_MAX: empty */
    uint32_t nodes_used;
    struct heap_ent *heap;
    uint32_t heap_len;
    uint32_t heap_cap;
    uint64_t seq;
    uint64_t fired;
    /* Heap mode: while an event runs, its heap slot (the root) is kept as a hole
     * instead of being refilled from the last entry at once: the first
     * timer the callback adds (or a periodic timer's next run) takes it
     * with one sift down, where a removal and an add would sift twice. The
     * hole keeps the fired event's key, which is below every other key, so
     * no entry sifts up into it. */
    bool hole;
    /* Few timers pending (an idle device: about ten): the entries are kept
     * sorted instead, latest first, so the next event is the last entry.
     * Taking it is a decrement; a new timer is placed by a scan from the
     * end, which for the near events that dominate stops after a few
     * entries, where a heap sifts through every level, and no hole is
     * needed. An add that finds SORTED_MAX entries turns the queue into a
     * heap (a sorted array read from its end is one once reversed); a heap
     * down to SORTED_BACK at an event is sorted again. The gap between the
     * limits keeps a queue near one from switching back and forth. */
    bool sorted;
};

#define SORTED_MAX 24  /* an add to a sorted queue this long makes it a heap */
#define SORTED_BACK 12 /* a heap this short at an event is sorted again */

#define NO_NODE UINT32_MAX

static sim_timer_id make_id(uint32_t idx, uint32_t gen)
{
    return ((uint64_t)gen << 32) | (uint64_t)(idx + 1);
}

static struct node *node_of(const sim_sched *s, sim_timer_id id, uint32_t *idx_out)
{
    uint32_t idx = (uint32_t)(id & 0xffffffffu);
    if (idx == 0 || idx > s->nodes_used)
        return NULL;
    idx -= 1;
    struct node *n = &s->nodes[idx];
    if (n->gen != (uint32_t)(id >> 32) || n->state == NODE_FREE)
        return NULL;
    if (idx_out)
        *idx_out = idx;
    return n;
}

sim_sched *sim_sched_create(sim_clock *clock)
{
    sim_sched *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->clock = clock;
    s->free_head = NO_NODE;
    s->sorted = true;
    return s;
}

void sim_sched_destroy(sim_sched *s)
{
    if (s == NULL)
        return;
    free(s->nodes);
    free(s->heap);
    free(s);
}

/* (when, seq) as one 128-bit number: times are never negative, so the
 * order is the same, and a comparison is a compare and a subtract with
 * borrow instead of two branches (sift_down picks among four children
 * without a branch). A compiler without 128-bit integers (32-bit targets)
 * gets a pair compared field by field: the same order. */
#ifdef __SIZEOF_INT128__
__extension__ typedef unsigned __int128 heap_key;

static heap_key key_of(sim_time when, uint64_t seq)
{
    return ((heap_key)(uint64_t)when << 64) | seq;
}

static bool key_lt(heap_key a, heap_key b)
{
    return a < b;
}
#else
typedef struct {
    uint64_t hi, lo;
} heap_key;

static heap_key key_of(sim_time when, uint64_t seq)
{
    heap_key k = {(uint64_t)when, seq};
    return k;
}

static bool key_lt(heap_key a, heap_key b)
{
    return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo);
}
#endif

static bool key_before(sim_time aw, uint64_t as, sim_time bw, uint64_t bs)
{
    return key_lt(key_of(aw, as), key_of(bw, bs));
}

static heap_key ent_key(const struct heap_ent *e)
{
    return key_of(e->when, e->seq);
}

/* A 4-ary heap: half the levels of a binary one, and the four children of
 * a node share a cache line or two. Keys are unique (seq), so the order in
 * which events come out does not depend on the heap's shape. The entry
 * being placed travels as scalars, not as a struct on the stack (whose
 * reload stalled on the stores just made). */
#define HEAP_D 4

static void heap_set(sim_sched *s, uint32_t pos, sim_time when, uint64_t seq, uint32_t node)
{
    struct heap_ent *h = &s->heap[pos];
    h->when = when;
    h->seq = seq;
    h->node = node;
    s->nodes[node].heap_pos = pos;
}

static void sift_up(sim_sched *s, uint32_t pos, sim_time when, uint64_t seq, uint32_t node)
{
    struct heap_ent *h = s->heap;
    while (pos > 0) {
        uint32_t parent = (pos - 1) / HEAP_D;
        if (!key_before(when, seq, h[parent].when, h[parent].seq))
            break;
        h[pos] = h[parent];
        s->nodes[h[pos].node].heap_pos = pos;
        pos = parent;
    }
    heap_set(s, pos, when, seq, node);
}

/* The least of the children h[first .. min(first + HEAP_D, len)) (first <
 * len), and its key. All four present: a tournament of selects, no branch. */
static uint32_t min_child(const struct heap_ent *h, uint32_t first, uint32_t len, heap_key *key)
{
    if (first + HEAP_D <= len) {
        heap_key k0 = ent_key(&h[first]), k1 = ent_key(&h[first + 1]);
        heap_key k2 = ent_key(&h[first + 2]), k3 = ent_key(&h[first + 3]);
        uint32_t a = key_lt(k1, k0) ? first + 1 : first;
        heap_key ka = key_lt(k1, k0) ? k1 : k0;
        uint32_t b = key_lt(k3, k2) ? first + 3 : first + 2;
        heap_key kb = key_lt(k3, k2) ? k3 : k2;
        *key = key_lt(kb, ka) ? kb : ka;
        return key_lt(kb, ka) ? b : a;
    }
    uint32_t best = first;
    *key = ent_key(&h[first]);
    for (uint32_t c = first + 1; c < len; c++) {
        heap_key kc = ent_key(&h[c]);
        if (key_lt(kc, *key)) {
            best = c;
            *key = kc;
        }
    }
    return best;
}

static void sift_down(sim_sched *s, uint32_t pos, sim_time when, uint64_t seq, uint32_t node)
{
    struct heap_ent *h = s->heap;
    const uint32_t len = s->heap_len;
    const heap_key k = key_of(when, seq);
    for (;;) {
        uint32_t first = HEAP_D * pos + 1;
        if (first >= len)
            break;
        heap_key bk;
        uint32_t best = min_child(h, first, len, &bk);
        if (!key_lt(bk, k))
            break;
        h[pos] = h[best];
        s->nodes[h[pos].node].heap_pos = pos;
        pos = best;
    }
    heap_set(s, pos, when, seq, node);
}

/* Sorted mode: entries latest first, so the last is the next to run. seq
 * is always the newest sequence number (an add or a rearm takes it then),
 * so every entry due at the same time was queued before it and comes
 * first: the place is found by the time alone. */
static void sorted_insert(sim_sched *s, sim_time when, uint64_t seq, uint32_t node)
{
    struct heap_ent *h = s->heap;
    uint32_t i = s->heap_len;
    while (i > 0 && h[i - 1].when <= when) {
        h[i] = h[i - 1];
        i--;
    }
    s->heap_len++;
    h[i].when = when;
    h[i].seq = seq;
    h[i].node = node;
}

static void sorted_remove(sim_sched *s, uint32_t pos)
{
    struct heap_ent *h = s->heap;
    s->heap_len--;
    for (uint32_t i = pos; i < s->heap_len; i++)
        h[i] = h[i + 1];
}

/* Where a queued node's entry is. A sorted queue keeps no positions: its
 * inserts and removals shift entries, and updating each shifted node's
 * position cost more than this scan of at most SORTED_MAX entries does on
 * the rarer cancel or rearm. The scan starts at the near end, where the
 * timers that get cancelled (timeouts, deliveries) usually are. */
static uint32_t node_pos(const sim_sched *s, uint32_t idx)
{
    if (!s->sorted)
        return s->nodes[idx].heap_pos;
    uint32_t i = s->heap_len;
    while (i > 0 && s->heap[i - 1].node != idx)
        i--;
    return i - 1; /* the node is queued, so it is found */
}

/* Puts the entry at pos (a hole, or an entry whose key changed) and
 * restores the order. In sorted mode (reached from a rearm only, whose seq
 * is the newest, as sorted_insert needs) by taking it out and placing it
 * anew. */
static void heap_fix(sim_sched *s, uint32_t pos, sim_time when, uint64_t seq, uint32_t node)
{
    if (s->sorted) {
        sorted_remove(s, pos);
        sorted_insert(s, when, seq, node);
        return;
    }
    if (pos > 0) {
        const struct heap_ent *p = &s->heap[(pos - 1) / HEAP_D];
        if (key_before(when, seq, p->when, p->seq)) {
            sift_up(s, pos, when, seq, node);
            return;
        }
    }
    sift_down(s, pos, when, seq, node);
}

static int ent_later_first(const void *a, const void *b)
{
    heap_key ka = ent_key(a), kb = ent_key(b);
    return key_lt(kb, ka) ? -1 : key_lt(ka, kb) ? 1 : 0;
}

/* Turns a sorted queue into a heap or back. Only where there is no hole:
 * between events, or in sorted mode, which never has one. */
static void switch_mode(sim_sched *s)
{
    struct heap_ent *h = s->heap;
    if (s->sorted) {
        /* latest first, reversed: earliest first, which satisfies the heap order */
        for (uint32_t i = 0, j = s->heap_len - 1; i < j; i++, j--) {
            struct heap_ent t = h[i];
            h[i] = h[j];
            h[j] = t;
        }
    } else {
        qsort(h, s->heap_len, sizeof *h, ent_later_first); /* keys are unique */
    }
    s->sorted = !s->sorted;
    if (!s->sorted)
        for (uint32_t i = 0; i < s->heap_len; i++)
            s->nodes[h[i].node].heap_pos = i;
}

static void heap_remove(sim_sched *s, uint32_t pos)
{
    if (s->sorted) {
        sorted_remove(s, pos);
        return;
    }
    s->heap_len--;
    if (pos == s->heap_len)
        return;
    const struct heap_ent *last = &s->heap[s->heap_len];
    heap_fix(s, pos, last->when, last->seq, last->node);
}

static int heap_push(sim_sched *s, uint32_t node, sim_time when)
{
    if (!s->hole && s->heap_len == s->heap_cap) {
        uint32_t cap = s->heap_cap ? s->heap_cap * 2 : 64;
        struct heap_ent *h = realloc(s->heap, (size_t)cap * sizeof *h);
        if (h == NULL)
            return -1;
        s->heap = h;
        s->heap_cap = cap;
    }
    uint64_t seq = s->seq++;
    if (s->sorted) {
        if (s->heap_len < SORTED_MAX) {
            sorted_insert(s, when, seq, node);
            return 0;
        }
        /* a queue that grows within one event, or before the run, turns
         * into a heap at once instead of being sorted entry by entry */
        switch_mode(s);
    }
    if (s->hole) {
        s->hole = false;
        sift_down(s, 0, when, seq, node);
        return 0;
    }
    s->heap_len++;
    sift_up(s, s->heap_len - 1, when, seq, node);
    return 0;
}

static uint32_t node_alloc(sim_sched *s)
{
    if (s->free_head != NO_NODE) {
        uint32_t idx = s->free_head;
        s->free_head = s->nodes[idx].next_free;
        return idx;
    }
    if (s->nodes_used == s->nodes_cap) {
        if (s->nodes_cap >= (UINT32_MAX >> 1))
            return NO_NODE;
        uint32_t cap = s->nodes_cap ? s->nodes_cap * 2 : 64;
        struct node *n = realloc(s->nodes, (size_t)cap * sizeof *n);
        if (n == NULL)
            return NO_NODE;
        s->nodes = n;
        s->nodes_cap = cap;
    }
    struct node *n = &s->nodes[s->nodes_used];
    n->gen = 1;
    n->state = NODE_FREE;
    return s->nodes_used++;
}

static void node_free(sim_sched *s, uint32_t idx)
{
    struct node *n = &s->nodes[idx];
    n->state = NODE_FREE;
    n->gen++;
    if (n->gen == 0) /* id 0 must stay invalid forever */
        n->gen = 1;
    n->next_free = s->free_head;
    s->free_head = idx;
}

sim_timer_id sim_sched_add(sim_sched *s, sim_time when, sim_time period, sim_timer_fn fn, void *arg)
{
    sim_time now = sim_clock_now(s->clock);
    if (when < now)
        when = now;
    uint32_t idx = node_alloc(s);
    if (idx == NO_NODE)
        return 0;
    struct node *n = &s->nodes[idx];
    n->period = period > 0 ? period : 0;
    n->fn = fn;
    n->arg = arg;
    n->state = NODE_QUEUED;
    if (heap_push(s, idx, when) != 0) {
        node_free(s, idx);
        return 0;
    }
    return make_id(idx, n->gen);
}

bool sim_sched_cancel(sim_sched *s, sim_timer_id id)
{
    uint32_t idx;
    struct node *n = node_of(s, id, &idx);
    if (n == NULL)
        return false;
    switch (n->state) {
    case NODE_QUEUED:
        heap_remove(s, node_pos(s, idx));
        node_free(s, idx);
        return true;
    case NODE_FIRING:
        /* Freed by sim_sched_step once the callback returns. */
        n->state = NODE_CANCELLED;
        return n->period > 0;
    default:
        return false;
    }
}

sim_timer_id sim_sched_rearm(sim_sched *s, sim_timer_id id, sim_time when, sim_timer_fn fn, void *arg)
{
    uint32_t idx;
    struct node *n = node_of(s, id, &idx);
    if (n == NULL || n->state != NODE_QUEUED || n->period != 0) {
        sim_sched_cancel(s, id);
        return sim_sched_add(s, when, 0, fn, arg);
    }
    /* What cancel + add would do, in place: the same clamp, and a fresh
     * sequence number taken now, so the timer queues behind everything
     * already scheduled for that instant. */
    sim_time now = sim_clock_now(s->clock);
    if (when < now)
        when = now;
    n->fn = fn;
    n->arg = arg;
    heap_fix(s, node_pos(s, idx), when, s->seq++, idx);
    return id;
}

bool sim_sched_pending(const sim_sched *s, sim_timer_id id)
{
    const struct node *n = node_of(s, id, NULL);
    return n != NULL && (n->state == NODE_QUEUED || (n->state == NODE_FIRING && n->period > 0));
}

size_t sim_sched_count(const sim_sched *s)
{
    return s->heap_len - (s->hole ? 1 : 0);
}

/* Where the next event is (heap_len > 0, no hole): the last entry of a
 * sorted queue, the root of a heap. */
static uint32_t head_pos(const sim_sched *s)
{
    return s->sorted ? s->heap_len - 1 : 0;
}

bool sim_sched_peek(const sim_sched *s, sim_time *when)
{
    if (!s->hole) { /* always so in sorted mode */
        if (s->heap_len == 0)
            return false;
        *when = s->heap[head_pos(s)].when;
        return true;
    }
    /* During an event: the earliest of the hole's children. */
    if (s->heap_len <= 1)
        return false;
    heap_key k;
    *when = s->heap[min_child(s->heap, 1, s->heap_len, &k)].when;
    return true;
}

/* Closes a hole that nothing took. */
static void hole_close(sim_sched *s)
{
    if (s->hole) {
        s->hole = false;
        heap_remove(s, 0);
    }
}

int sim_sched_step(sim_sched *s, sim_time limit)
{
    hole_close(s); /* a step from inside a callback (none today) */
    if (!s->sorted && s->heap_len <= SORTED_BACK)
        switch_mode(s);
    if (s->heap_len == 0)
        return 0;
    sim_time when = s->heap[head_pos(s)].when;
    if (when > limit || sim_clock_wait_until(s->clock, when) != 0 || s->heap_len == 0)
        return 0;
    /* The idle hook may have queued something earlier (or cancelled); take
     * the head anew. */
    const uint32_t head = head_pos(s);
    const sim_time t = s->heap[head].when;
    const uint32_t idx = s->heap[head].node;
    if (s->sorted)
        s->heap_len--;
    else
        s->hole = true;
    sim_clock_set(s->clock, t);
    struct node *n = &s->nodes[idx];
    n->state = NODE_FIRING;
    s->fired++;
    n->fn(n->arg);
    n = &s->nodes[idx]; /* the callback may have grown the pool */
    if (n->state == NODE_FIRING && n->period > 0) {
        n->state = NODE_QUEUED;
        if (heap_push(s, idx, t + n->period) != 0)
            node_free(s, idx);
    } else {
        node_free(s, idx);
    }
    hole_close(s);
    return 1;
}

uint64_t sim_sched_fired(const sim_sched *s)
{
    return s->fired;
}
