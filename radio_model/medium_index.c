/* radio_model/medium_index.c — see medium_index.h. */
#include "radio_model/medium_index.h"

#include <stdlib.h>
#include <string.h>

#include "sim/err.h"

struct chan_list {
    void **nodes;
    size_t *order;
    size_t n, cap;
};

struct medium_index {
    struct chan_list ch[MEDIUM_INDEX_CHANNELS];
};

medium_index *medium_index_create(void)
{
    return calloc(1, sizeof(medium_index));
}

void medium_index_destroy(medium_index *ix)
{
    if (ix == NULL)
        return;
    for (int c = 0; c < MEDIUM_INDEX_CHANNELS; c++) {
        free(ix->ch[c].nodes);
        free(ix->ch[c].order);
    }
    free(ix);
}

/* First position whose order is >= order (binary search). */
static size_t lower_bound(const struct chan_list *l, size_t order)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->order[mid] < order)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int medium_index_add(medium_index *ix, int channel, void *node, size_t order)
{
    if (channel < 0 || channel >= MEDIUM_INDEX_CHANNELS)
        return SIM_EINVAL;
    struct chan_list *l = &ix->ch[channel];
    size_t at = lower_bound(l, order);
    if (at < l->n && l->order[at] == order)
        return SIM_EINVAL;
    if (l->n == l->cap) {
        size_t ncap = l->cap ? 2 * l->cap : 8;
        void **nodes = realloc(l->nodes, ncap * sizeof *nodes);
        if (nodes == NULL)
            return SIM_ENOMEM;
        l->nodes = nodes;
        size_t *ord = realloc(l->order, ncap * sizeof *ord);
        if (ord == NULL)
            return SIM_ENOMEM;
        l->order = ord;
        l->cap = ncap;
    }
    memmove(l->nodes + at + 1, l->nodes + at, (l->n - at) * sizeof *l->nodes);
    memmove(l->order + at + 1, l->order + at, (l->n - at) * sizeof *l->order);
    l->nodes[at] = node;
    l->order[at] = order;
    l->n++;
    return 0;
}

void medium_index_remove(medium_index *ix, int channel, size_t order)
{
    if (channel < 0 || channel >= MEDIUM_INDEX_CHANNELS)
        return;
    struct chan_list *l = &ix->ch[channel];
    size_t at = lower_bound(l, order);
    if (at >= l->n || l->order[at] != order)
        return;
    memmove(l->nodes + at, l->nodes + at + 1, (l->n - at - 1) * sizeof *l->nodes);
    memmove(l->order + at, l->order + at + 1, (l->n - at - 1) * sizeof *l->order);
    l->n--;
}

void *const *medium_index_nodes(const medium_index *ix, int channel, size_t *n)
{
    if (channel < 0 || channel >= MEDIUM_INDEX_CHANNELS) {
        *n = 0;
        return NULL;
    }
    *n = ix->ch[channel].n;
    return ix->ch[channel].nodes;
}
