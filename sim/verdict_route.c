#define _POSIX_C_SOURCE 200809L
#include "sim/verdict_route.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One component seen: the verdicts (device indices, ascending) that care. */
struct comp_ent {
    char *comp; /* NULL: free slot */
    int *to;
    int nto;
};

struct verdict_route {
    verdict *const *v;
    int n;
    struct comp_ent *tab; /* open addressing, power-of-two size */
    size_t cap, used;
    int *all;  /* 0..n-1, shared by the components every verdict watches */
    bool oom;  /* a table that could not grow: hand events to all (correct, slower) */
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

verdict_route *verdict_route_create(verdict *const *v, int n)
{
    verdict_route *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->v = v;
    r->n = n;
    r->cap = 64;
    r->tab = calloc(r->cap, sizeof *r->tab);
    r->all = malloc((size_t)(n > 0 ? n : 1) * sizeof *r->all);
    if (r->tab == NULL || r->all == NULL) {
        verdict_route_free(r);
        return NULL;
    }
    for (int i = 0; i < n; i++)
        r->all[i] = i;
    return r;
}

void verdict_route_free(verdict_route *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->cap && r->tab != NULL; i++) {
        free(r->tab[i].comp);
        if (r->tab[i].to != r->all)
            free(r->tab[i].to);
    }
    free(r->tab);
    free(r->all);
    free(r);
}

static struct comp_ent *slot(struct comp_ent *tab, size_t cap, const char *comp, uint64_t h)
{
    for (size_t i = (size_t)h & (cap - 1);; i = (i + 1) & (cap - 1))
        if (tab[i].comp == NULL || strcmp(tab[i].comp, comp) == 0)
            return &tab[i];
}

static bool grow(verdict_route *r)
{
    size_t cap = r->cap * 2;
    struct comp_ent *tab = calloc(cap, sizeof *tab);
    if (tab == NULL)
        return false;
    for (size_t i = 0; i < r->cap; i++)
        if (r->tab[i].comp != NULL)
            *slot(tab, cap, r->tab[i].comp, hash_str(r->tab[i].comp)) = r->tab[i];
    free(r->tab);
    r->tab = tab;
    r->cap = cap;
    return true;
}

/* Which verdicts care about comp, as verdict_observe would decide. */
static bool learn(verdict_route *r, struct comp_ent *e, const char *comp)
{
    int *to = malloc((size_t)(r->n > 0 ? r->n : 1) * sizeof *to);
    char *name = strdup(comp);
    if (to == NULL || name == NULL) {
        free(to);
        free(name);
        return false;
    }
    int nto = 0;
    for (int i = 0; i < r->n; i++)
        if (verdict_interest(r->v[i], comp) > 0)
            to[nto++] = i;
    e->comp = name;
    e->nto = nto;
    if (nto == r->n) {
        free(to);
        e->to = r->all;
    } else {
        e->to = to;
    }
    r->used++;
    return true;
}

void verdict_route_observe(void *ctx, const sim_trace_event *ev)
{
    verdict_route *r = ctx;
    if (!r->oom) {
        uint64_t h = hash_str(ev->comp);
        struct comp_ent *e = slot(r->tab, r->cap, ev->comp, h);
        if (e->comp == NULL) {
            if ((2 * (r->used + 1) > r->cap && !grow(r)) ||
                !learn(r, (e = slot(r->tab, r->cap, ev->comp, h)), ev->comp)) {
                r->oom = true;
                goto all;
            }
        }
        for (int i = 0; i < e->nto; i++)
            verdict_observe(r->v[e->to[i]], ev);
        return;
    }
all:
    for (int i = 0; i < r->n; i++)
        verdict_observe(r->v[i], ev);
}
