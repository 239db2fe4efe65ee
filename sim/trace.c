#include "sim/trace.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 48

struct buf {
    char *p;
    size_t len, cap;
};

struct field_slot {
    size_t key_off; /* offsets into arena: stable across realloc */
    int type;
    size_t str_off;
    int64_t num;
};

struct sim_trace_rec {
    sim_trace *t;
    sim_log_level level;
    bool active;
    bool want_log;
    struct buf json;
    struct buf human;
    struct buf arena;
    struct field_slot fields[MAX_FIELDS];
    size_t nfields;
    size_t comp_off, event_off;
};

struct sim_trace {
    const sim_clock *clock;
    FILE *out;
    bool own_out;
    FILE *log;
    sim_log_level log_level;
    struct trace_sink {
        sim_trace_sink_fn fn;
        void *ctx;
    } *sinks; /* one per observer: a verdict per device, so no fixed bound */
    size_t nsinks, capsinks;
    uint64_t count;
    sim_trace_rec rec;
};

static void buf_reserve(struct buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (p == NULL)
        abort(); /* a trace that silently loses events would lie */
    b->p = p;
    b->cap = cap;
}

static void buf_put(struct buf *b, const char *s, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_puts(struct buf *b, const char *s)
{
    buf_put(b, s, strlen(s));
}

static void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return;
    buf_reserve(b, (size_t)n);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

static void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

/* Arena strings keep their terminating NUL so sinks can use them directly. */
static size_t arena_add(struct buf *a, const char *s, size_t n)
{
    size_t off = a->len;
    buf_put(a, s, n);
    buf_put(a, "", 1);
    return off;
}

static void json_string(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    buf_put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[7];
        switch (*p) {
        case '"': buf_put(b, "\\\"", 2); break;
        case '\\': buf_put(b, "\\\\", 2); break;
        case '\n': buf_put(b, "\\n", 2); break;
        case '\r': buf_put(b, "\\r", 2); break;
        case '\t': buf_put(b, "\\t", 2); break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                memcpy(esc, "\\u00", 4);
                esc[4] = hex[*p >> 4];
                esc[5] = hex[*p & 15];
                buf_put(b, esc, 6);
            } else {
                buf_put(b, (const char *)p, 1);
            }
        }
    }
    buf_put(b, "\"", 1);
}

sim_trace *sim_trace_create(const sim_clock *clock)
{
    sim_trace *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->clock = clock;
    t->log = stderr;
    t->log_level = SIM_LOG_WARN;
    t->rec.t = t;
    return t;
}

void sim_trace_destroy(sim_trace *t)
{
    if (t == NULL)
        return;
    if (t->out != NULL && t->own_out)
        fclose(t->out);
    else if (t->out != NULL)
        fflush(t->out);
    free(t->rec.json.p);
    free(t->rec.human.p);
    free(t->rec.arena.p);
    free(t->sinks);
    free(t);
}

int sim_trace_open(sim_trace *t, const char *path, sim_err *err)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return sim_err_set(err, SIM_EIO, "cannot create trace file %s", path);
    /* Written by the simulation thread alone: no stdio lock per event. */
    __fsetlocking(f, FSETLOCKING_BYCALLER);
    if (t->out != NULL && t->own_out)
        fclose(t->out);
    t->out = f;
    t->own_out = true;
    return SIM_OK;
}

void sim_trace_set_stream(sim_trace *t, FILE *f)
{
    if (t->out != NULL && t->own_out)
        fclose(t->out);
    t->out = f;
    t->own_out = false;
}

void sim_trace_set_log(sim_trace *t, FILE *f, sim_log_level level)
{
    t->log = f;
    t->log_level = level;
}

int sim_trace_add_sink(sim_trace *t, sim_trace_sink_fn fn, void *ctx)
{
    if (t->nsinks == t->capsinks) {
        size_t cap = t->capsinks ? t->capsinks * 2 : 8;
        struct trace_sink *n = realloc(t->sinks, cap * sizeof *n);
        if (n == NULL)
            return SIM_ENOMEM;
        t->sinks = n;
        t->capsinks = cap;
    }
    t->sinks[t->nsinks].fn = fn;
    t->sinks[t->nsinks].ctx = ctx;
    t->nsinks++;
    return SIM_OK;
}

int sim_log_level_parse(const char *s)
{
    static const char *names[] = {"debug", "info", "warn", "error", "off"};
    for (int i = 0; i < 5; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

static const char *level_tag(sim_log_level l)
{
    switch (l) {
    case SIM_LOG_DEBUG: return "D";
    case SIM_LOG_INFO: return "I";
    case SIM_LOG_WARN: return "W";
    default: return "E";
    }
}

sim_trace_rec *sim_trace_begin(sim_trace *t, sim_log_level level, const char *comp, const char *event)
{
    if (t == NULL)
        return NULL;
    bool want_log = t->log != NULL && level >= t->log_level && t->log_level != SIM_LOG_OFF;
    if (t->out == NULL && t->nsinks == 0 && !want_log)
        return NULL;
    sim_trace_rec *r = &t->rec;
    if (r->active) {
        /* Nested begin means a model emits from inside another's event
         * construction: a bug, but not worth losing the first event over. */
        fprintf(stderr, "linkrig: trace: nested event %s/%s dropped\n", comp, event);
        return NULL;
    }
    r->active = true;
    r->level = level;
    r->want_log = want_log;
    r->json.len = 0;
    r->human.len = 0;
    r->arena.len = 0;
    r->nfields = 0;
    sim_time now = sim_clock_now(t->clock);
    buf_printf(&r->json, "{\"t\":%" PRId64 ",\"comp\":", now);
    json_string(&r->json, comp);
    buf_puts(&r->json, ",\"event\":");
    json_string(&r->json, event);
    if (want_log)
        buf_printf(&r->human, "%s %6" PRId64 ".%09" PRId64 " %-8s %s", level_tag(level),
                   now / 1000000000, now % 1000000000, comp, event);
    r->comp_off = arena_add(&r->arena, comp, strlen(comp));
    r->event_off = arena_add(&r->arena, event, strlen(event));
    return r;
}

static struct field_slot *add_field(sim_trace_rec *r, const char *key, int type)
{
    if (r->nfields == MAX_FIELDS)
        return NULL;
    struct field_slot *f = &r->fields[r->nfields++];
    f->key_off = arena_add(&r->arena, key, strlen(key));
    f->type = type;
    f->num = 0;
    f->str_off = 0;
    buf_puts(&r->json, ",");
    json_string(&r->json, key);
    buf_puts(&r->json, ":");
    if (r->want_log)
        buf_printf(&r->human, " %s=", key);
    return f;
}

void sim_trace_str(sim_trace_rec *r, const char *key, const char *val)
{
    if (r == NULL)
        return;
    if (val == NULL)
        val = "";
    struct field_slot *f = add_field(r, key, SIM_TF_STR);
    if (f == NULL)
        return;
    f->str_off = arena_add(&r->arena, val, strlen(val));
    json_string(&r->json, val);
    if (r->want_log) {
        bool quote = val[0] == '\0' || strpbrk(val, " \t=\"") != NULL;
        if (quote)
            buf_puts(&r->human, "\"");
        buf_puts(&r->human, val);
        if (quote)
            buf_puts(&r->human, "\"");
    }
}

void sim_trace_int(sim_trace_rec *r, const char *key, int64_t val)
{
    if (r == NULL)
        return;
    struct field_slot *f = add_field(r, key, SIM_TF_INT);
    if (f == NULL)
        return;
    f->num = val;
    buf_printf(&r->json, "%" PRId64, val);
    if (r->want_log)
        buf_printf(&r->human, "%" PRId64, val);
}

void sim_trace_bool(sim_trace_rec *r, const char *key, bool val)
{
    if (r == NULL)
        return;
    struct field_slot *f = add_field(r, key, SIM_TF_BOOL);
    if (f == NULL)
        return;
    f->num = val;
    buf_puts(&r->json, val ? "true" : "false");
    if (r->want_log)
        buf_puts(&r->human, val ? "true" : "false");
}

void sim_trace_hex(sim_trace_rec *r, const char *key, const uint8_t *bytes, size_t len)
{
    if (r == NULL)
        return;
    static const char hex[] = "0123456789abcdef";
    char *tmp = malloc(2 * len + 1);
    if (tmp == NULL)
        abort();
    for (size_t i = 0; i < len; i++) {
        tmp[2 * i] = hex[bytes[i] >> 4];
        tmp[2 * i + 1] = hex[bytes[i] & 15];
    }
    tmp[2 * len] = '\0';
    sim_trace_str(r, key, tmp);
    free(tmp);
}

void sim_trace_strf(sim_trace_rec *r, const char *key, const char *fmt, ...)
{
    if (r == NULL)
        return;
    struct buf tmp = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&tmp, fmt, ap);
    va_end(ap);
    sim_trace_str(r, key, tmp.p ? tmp.p : "");
    free(tmp.p);
}

void sim_trace_end(sim_trace_rec *r)
{
    if (r == NULL)
        return;
    sim_trace *t = r->t;
    buf_puts(&r->json, "}");
    if (t->out != NULL) {
        fwrite(r->json.p, 1, r->json.len, t->out);
        fputc('\n', t->out);
    }
    if (r->want_log) {
        fwrite(r->human.p, 1, r->human.len, t->log);
        fputc('\n', t->log);
    }
    if (t->nsinks > 0) {
        sim_trace_field fields[MAX_FIELDS];
        for (size_t i = 0; i < r->nfields; i++) {
            const struct field_slot *s = &r->fields[i];
            fields[i].key = r->arena.p + s->key_off;
            fields[i].type = s->type;
            fields[i].str = s->type == SIM_TF_STR ? r->arena.p + s->str_off : NULL;
            fields[i].num = s->num;
        }
        sim_trace_event ev = {
            .t = sim_clock_now(t->clock),
            .level = r->level,
            .comp = r->arena.p + r->comp_off,
            .event = r->arena.p + r->event_off,
            .fields = fields,
            .nfields = r->nfields,
            .json = r->json.p,
        };
        /* Still active: a sink that emitted an event here would overwrite
         * the buffers ev points into; it must schedule its reaction. */
        for (size_t i = 0; i < t->nsinks; i++)
            t->sinks[i].fn(t->sinks[i].ctx, &ev);
    }
    r->active = false;
    t->count++;
}

void sim_trace_msg(sim_trace *t, sim_log_level level, const char *comp, const char *event,
                   const char *fmt, ...)
{
    sim_trace_rec *r = sim_trace_begin(t, level, comp, event);
    if (r == NULL)
        return;
    struct buf tmp = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&tmp, fmt, ap);
    va_end(ap);
    sim_trace_str(r, "msg", tmp.p ? tmp.p : "");
    free(tmp.p);
    sim_trace_end(r);
}

uint64_t sim_trace_count(const sim_trace *t)
{
    return t->count;
}

void sim_trace_flush(sim_trace *t)
{
    if (t->out != NULL)
        fflush(t->out);
    if (t->log != NULL)
        fflush(t->log);
}
