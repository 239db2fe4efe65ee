#define _POSIX_C_SOURCE 200809L
#include "sim/verdict_route.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One component seen: the verdicts (device indices, ascending) that care.
 * Also one MAC address seen in a gated event: the verdicts whose device
 * has it. */
struct comp_ent {
    char *comp; /* the key; NULL: free slot */
    int *to;
    int nto;
    /* The gate every verdict of to has for the component (verdict_gate_of),
     * NONE when they differ; never a MAC entry's. */
    verdict_gate gate;
};

/* An open-addressing table of comp_ent, power-of-two size. */
struct table {
    struct comp_ent *tab;
    size_t cap, used;
};

struct verdict_route {
    verdict *const *v;
    int n;
    struct table comps;
    struct table macs;
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
    r->comps.cap = r->macs.cap = 64;
    r->comps.tab = calloc(r->comps.cap, sizeof *r->comps.tab);
    r->macs.tab = calloc(r->macs.cap, sizeof *r->macs.tab);
    r->all = malloc((size_t)(n > 0 ? n : 1) * sizeof *r->all);
    if (r->comps.tab == NULL || r->macs.tab == NULL || r->all == NULL) {
        verdict_route_free(r);
        return NULL;
    }
    for (int i = 0; i < n; i++)
        r->all[i] = i;
    return r;
}

static void table_free(struct table *t, const int *all)
{
    for (size_t i = 0; i < t->cap && t->tab != NULL; i++) {
        free(t->tab[i].comp);
        if (t->tab[i].to != all)
            free(t->tab[i].to);
    }
    free(t->tab);
}

void verdict_route_free(verdict_route *r)
{
    if (r == NULL)
        return;
    table_free(&r->comps, r->all);
    table_free(&r->macs, r->all);
    free(r->all);
    free(r);
}

static struct comp_ent *slot(struct comp_ent *tab, size_t cap, const char *comp, uint64_t h)
{
    for (size_t i = (size_t)h & (cap - 1);; i = (i + 1) & (cap - 1))
        if (tab[i].comp == NULL || strcmp(tab[i].comp, comp) == 0)
            return &tab[i];
}

static bool grow(struct table *t)
{
    size_t cap = t->cap * 2;
    struct comp_ent *tab = calloc(cap, sizeof *tab);
    if (tab == NULL)
        return false;
    for (size_t i = 0; i < t->cap; i++)
        if (t->tab[i].comp != NULL)
            *slot(tab, cap, t->tab[i].comp, hash_str(t->tab[i].comp)) = t->tab[i];
    free(t->tab);
    t->tab = tab;
    t->cap = cap;
    return true;
}

/* The verdicts for which keep(v, key) holds, into e. */
static bool learn(verdict_route *r, struct table *t, struct comp_ent *e, const char *key,
                  bool (*keep)(const verdict *v, const char *key))
{
    int *to = malloc((size_t)(r->n > 0 ? r->n : 1) * sizeof *to);
    char *name = strdup(key);
    if (to == NULL || name == NULL) {
        free(to);
        free(name);
        return false;
    }
    int nto = 0;
    for (int i = 0; i < r->n; i++)
        if (keep(r->v[i], key))
            to[nto++] = i;
    e->comp = name;
    e->nto = nto;
    /* A component's events may go by MAC address when every verdict that
     * cares has the same gate for it, asked once here: an event then costs
     * no comparison per verdict of its fields, only the MAC's lookup. */
    e->gate = t == &r->comps && nto > 0 ? verdict_gate_of(r->v[to[0]], key) : VERDICT_GATE_NONE;
    for (int i = 1; i < nto && e->gate != VERDICT_GATE_NONE; i++)
        if (verdict_gate_of(r->v[to[i]], key) != e->gate)
            e->gate = VERDICT_GATE_NONE;
    if (nto == r->n) {
        free(to);
        e->to = r->all;
    } else {
        e->to = to;
    }
    t->used++;
    return true;
}

/* key's entry in t, learnt the first time; NULL: out of memory. */
static struct comp_ent *lookup(verdict_route *r, struct table *t, const char *key,
                               bool (*keep)(const verdict *v, const char *key))
{
    uint64_t h = hash_str(key);
    struct comp_ent *e = slot(t->tab, t->cap, key, h);
    if (e->comp != NULL)
        return e;
    if ((2 * (t->used + 1) > t->cap && !grow(t)) || !learn(r, t, (e = slot(t->tab, t->cap, key, h)), key, keep))
        return NULL;
    return e;
}

/* Which verdicts care about comp, as verdict_observe would decide. */
static bool cares(const verdict *v, const char *comp)
{
    return verdict_interest(v, comp) > 0;
}

/* The first field named key, as verdict_observe reads it: "" when none
 * (or no key). */
static const char *str_of(const sim_trace_event *ev, const char *key)
{
    const sim_trace_field *f = key != NULL ? sim_trace_event_field(ev, key) : NULL;
    return f != NULL && f->str != NULL ? f->str : "";
}

void verdict_route_observe(void *ctx, const sim_trace_event *ev)
{
    verdict_route *r = ctx;
    if (!r->oom) {
        struct comp_ent *e = lookup(r, &r->comps, ev->comp, cares);
        if (e == NULL) {
            r->oom = true;
            goto all;
        }
        const char *mac = e->gate != VERDICT_GATE_NONE ? str_of(ev, verdict_gate_field(e->gate, ev->event)) : "";
        struct comp_ent *m = mac[0] != '\0' ? lookup(r, &r->macs, mac, verdict_has_mac) : NULL;
        if (m != NULL) {
            /* A station's event: the verdicts of the devices with this MAC
             * address act on it, the others only keep time. */
            int k = 0;
            for (int i = 0; i < e->nto; i++) {
                int d = e->to[i];
                while (k < m->nto && m->to[k] < d)
                    k++;
                if (k < m->nto && m->to[k] == d)
                    verdict_observe(r->v[d], ev);
                else
                    verdict_advance(r->v[d], ev->t);
            }
            return;
        }
        for (int i = 0; i < e->nto; i++)
            verdict_observe(r->v[e->to[i]], ev);
        return;
    }
all:
    for (int i = 0; i < r->n; i++)
        verdict_observe(r->v[i], ev);
}
