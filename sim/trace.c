#define _DEFAULT_SOURCE
#include "sim/trace.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    size_t human_rest; /* where the log line's text after its time stamp starts */
};

/* A warning logged again word for word (the same component, event and
 * fields at another time: a wrong passphrase fails every 4-way handshake's
 * MIC) is counted instead of printed, and the count is printed when the
 * trace closes; the trace keeps every one. At most LOG_REPEAT_KEYS distinct
 * lines are tracked, later ones always print. */
#define LOG_REPEAT_KEYS 64
struct log_repeat {
    char *text;
    uint64_t more;
};

struct sim_trace {
    const sim_clock *clock;
    FILE *out;
    bool own_out;
    /* The buffer of a trace file we opened (TRACE_IOBUF bytes), kept from
     * one file of a ring to the next; NULL: stdio's own. */
    char *iobuf;
    bool flush_each; /* live: each line reaches the file whole, as it happens */
    /* A file opened by sim_trace_open: its path, its ring (sim_trace_set_ring),
     * the line every ring file starts with, and the first write error. */
    char *path;
    uint64_t ring_bytes, file_bytes;
    int ring_files;
    char *header;
    size_t header_len;
    bool broken;
    sim_err err;
    FILE *log;
    sim_log_level log_level;
    struct log_repeat repeats[LOG_REPEAT_KEYS];
    size_t nrepeats;
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

/* One byte: a store, where buf_put would call memcpy for it. */
static void buf_putc(struct buf *b, char c)
{
    buf_reserve(b, 1);
    b->p[b->len++] = c;
    b->p[b->len] = '\0';
}

/* Arena strings keep their terminating NUL so sinks can use them directly:
 * s[n] is that NUL (n = strlen(s)), copied with the rest. */
static size_t arena_add(struct buf *a, const char *s, size_t n)
{
    size_t off = a->len;
    buf_reserve(a, n + 1);
    memcpy(a->p + a->len, s, n + 1);
    a->len += n + 1;
    return off;
}

/* An integer in decimal, as printf's "%" PRId64 writes it (every event
 * has a few: vsnprintf twice per number was most of a trace line's cost),
 * two digits per division. */
static void buf_int(struct buf *b, int64_t v)
{
    static const char pairs[201] = "00010203040506070809101112131415161718192021222324"
                                   "25262728293031323334353637383940414243444546474849"
                                   "50515253545556575859606162636465666768697071727374"
                                   "75767778798081828384858687888990919293949596979899";
    char tmp[24];
    size_t i = sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    while (u >= 100) {
        unsigned d = (unsigned)(u % 100);
        u /= 100;
        tmp[--i] = pairs[2 * d + 1];
        tmp[--i] = pairs[2 * d];
    }
    if (u >= 10) {
        tmp[--i] = pairs[2 * u + 1];
        tmp[--i] = pairs[2 * u];
    } else {
        tmp[--i] = (char)('0' + u);
    }
    if (v < 0)
        tmp[--i] = '-';
    buf_put(b, tmp + i, sizeof tmp - i);
}

/* Bytes a JSON string must escape (RFC 8259, section 7): controls, the
 * quote and the backslash; DEL too, to keep lines printable. */
static bool json_escaped(unsigned char c)
{
    return c < 0x20 || c == 0x7f || c == '"' || c == '\\';
}

/* s (n = strlen(s)) as a JSON string. Names, keys and most values need no
 * escape: they are copied while checked, in one reservation. The first byte
 * that needs one hands the rest to the general loop. */
static void json_string(struct buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    buf_reserve(b, n + 2);
    char *d = b->p + b->len;
    *d++ = '"';
    size_t i = 0;
    while (i < n && !json_escaped((unsigned char)s[i]))
        *d++ = s[i++];
    b->len += 1 + i;
    if (i == n) {
        b->p[b->len++] = '"';
        b->p[b->len] = '\0';
        return;
    }
    for (const unsigned char *p = (const unsigned char *)s + i; *p; p++) {
        /* a run of characters that need no escape, in one piece */
        size_t run = 0;
        while (p[run] != 0 && !json_escaped(p[run]))
            run++;
        if (run > 0) {
            buf_put(b, (const char *)p, run);
            p += run - 1;
            continue;
        }
        char esc[7];
        switch (*p) {
        case '"': buf_put(b, "\\\"", 2); break;
        case '\\': buf_put(b, "\\\\", 2); break;
        case '\n': buf_put(b, "\\n", 2); break;
        case '\r': buf_put(b, "\\r", 2); break;
        case '\t': buf_put(b, "\\t", 2); break;
        default:
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[*p >> 4];
            esc[5] = hex[*p & 15];
            buf_put(b, esc, 6);
        }
    }
    buf_putc(b, '"');
}

const sim_trace_field *sim_trace_event_field(const sim_trace_event *ev, const char *key)
{
    for (size_t i = 0; i < ev->nfields; i++)
        if (strcmp(ev->fields[i].key, key) == 0)
            return &ev->fields[i];
    return NULL;
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

static void trace_break(sim_trace *t, const char *what, int e)
{
    if (t->broken)
        return;
    t->broken = true;
    sim_err_set(&t->err, SIM_EIO, "%s trace %s failed: %s", what, t->path ? t->path : "(stream)", strerror(e));
}

/* The warnings held back as repeats: one line each, with how many. */
static void log_repeats_flush(sim_trace *t)
{
    for (size_t i = 0; i < t->nrepeats; i++) {
        if (t->repeats[i].more > 0 && t->log != NULL)
            fprintf(t->log, "W (%" PRIu64 " more like this: %s; each is in the trace)\n", t->repeats[i].more,
                    t->repeats[i].text);
        free(t->repeats[i].text);
    }
    t->nrepeats = 0;
}

/* true: the line was logged before (counted, not to be printed). */
static bool log_repeat_seen(sim_trace *t, const char *text)
{
    for (size_t i = 0; i < t->nrepeats; i++)
        if (strcmp(t->repeats[i].text, text) == 0) {
            t->repeats[i].more++;
            return true;
        }
    if (t->nrepeats < LOG_REPEAT_KEYS && (t->repeats[t->nrepeats].text = strdup(text)) != NULL)
        t->repeats[t->nrepeats++].more = 0;
    return false;
}

int sim_trace_close(sim_trace *t, sim_err *err)
{
    if (t != NULL)
        log_repeats_flush(t);
    if (t == NULL || t->out == NULL)
        return t != NULL && t->broken ? sim_err_set(err, SIM_EIO, "%s", t->err.msg) : SIM_OK;
    if (fflush(t->out) != 0 || ferror(t->out))
        trace_break(t, "writing", errno);
    if (t->own_out && fclose(t->out) != 0)
        trace_break(t, "closing", errno);
    t->out = NULL;
    if (t->broken)
        return sim_err_set(err, SIM_EIO, "%s", t->err.msg);
    return SIM_OK;
}

bool sim_trace_broken(const sim_trace *t)
{
    return t->broken;
}

const char *sim_trace_error(const sim_trace *t)
{
    return t->broken ? t->err.msg : NULL;
}

void sim_trace_destroy(sim_trace *t)
{
    if (t == NULL)
        return;
    sim_trace_close(t, NULL);
    free(t->path);
    free(t->header);
    free(t->rec.json.p);
    free(t->rec.human.p);
    free(t->rec.arena.p);
    free(t->sinks);
    free(t->iobuf);
    free(t);
}

/* glibc gives a file stdio's default 4 KiB buffer (st_blksize), which made
 * an idle camera's day of trace 2,500 write calls, 3 % of its run; this
 * buffer makes it 160. It is what a process killed outright (SIGKILL, the
 * OOM killer, a crash in the rig's own code) loses of the trace's tail, so
 * it stays well below the captures' blocks. */
#define TRACE_IOBUF (64 * 1024)

/* After the previous file that used t->iobuf is closed. */
static void trace_buffer(sim_trace *t, FILE *f)
{
    if (t->iobuf == NULL)
        t->iobuf = malloc(TRACE_IOBUF);
    if (t->iobuf != NULL)
        setvbuf(f, t->iobuf, _IOFBF, TRACE_IOBUF);
}

int sim_trace_open(sim_trace *t, const char *path, sim_err *err)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return sim_err_set(err, SIM_EIO, "cannot create trace file %s: %s", path, strerror(errno));
    char *p = strdup(path);
    if (p == NULL) {
        fclose(f);
        return sim_err_set(err, SIM_ENOMEM, "out of memory opening trace %s", path);
    }
    /* Written by the simulation thread alone: no stdio lock per event. */
    __fsetlocking(f, FSETLOCKING_BYCALLER);
    if (t->out != NULL && t->own_out)
        fclose(t->out);
    trace_buffer(t, f);
    free(t->path);
    t->path = p;
    t->out = f;
    t->own_out = true;
    t->file_bytes = 0;
    return SIM_OK;
}

void sim_trace_set_flush_each(sim_trace *t, bool on)
{
    t->flush_each = on;
}

static void ring_name(const sim_trace *t, char *buf, size_t cap, int n)
{
    snprintf(buf, cap, "%s.%d", t->path, n);
}

int sim_trace_set_ring(sim_trace *t, uint64_t ring_bytes, int ring_files, sim_err *err)
{
    if (ring_bytes == 0)
        return SIM_OK;
    if (ring_files < 2 || ring_files > SIM_TRACE_RING_FILES_MAX)
        return sim_err_set(err, SIM_EINVAL, "trace: a ring needs 2..%d files, not %d", SIM_TRACE_RING_FILES_MAX,
                           ring_files);
    struct stat st;
    /* as the captures: a FIFO or a device is one unbounded stream */
    if (t->out == NULL || !t->own_out || fstat(fileno(t->out), &st) != 0 || !S_ISREG(st.st_mode))
        return SIM_OK;
    t->ring_bytes = ring_bytes;
    t->ring_files = ring_files;
    size_t cap = strlen(t->path) + 16;
    char *name = malloc(cap);
    if (name == NULL)
        return sim_err_set(err, SIM_ENOMEM, "out of memory for the trace's ring");
    int rc = SIM_OK;
    /* leftovers of an earlier run would read as this run's older events */
    for (int i = 1; i < SIM_TRACE_RING_FILES_MAX && rc == SIM_OK; i++) {
        ring_name(t, name, cap, i);
        if (unlink(name) != 0) {
            if (errno != ENOENT)
                rc = sim_err_set(err, SIM_EIO, "cannot remove old ring file %s: %s", name, strerror(errno));
            else if (i >= ring_files)
                break;
        }
    }
    free(name);
    return rc;
}

void sim_trace_keep_header(sim_trace *t)
{
    if (t == NULL || t->rec.json.p == NULL)
        return;
    char *h = malloc(t->rec.json.len + 1);
    if (h == NULL)
        return; /* ring files then start without it; readers still take the lines */
    memcpy(h, t->rec.json.p, t->rec.json.len);
    h[t->rec.json.len] = '\n';
    free(t->header);
    t->header = h;
    t->header_len = t->rec.json.len + 1;
}

/* PATH -> PATH.1 -> ... -> PATH.<ring_files-1> (replaced), then a new PATH
 * that starts with the header line. */
static void trace_rotate(sim_trace *t)
{
    if (fflush(t->out) != 0 || ferror(t->out)) {
        trace_break(t, "writing", errno);
        return;
    }
    if (fclose(t->out) != 0) {
        t->out = NULL;
        trace_break(t, "closing", errno);
        return;
    }
    t->out = NULL;
    size_t cap = strlen(t->path) + 16;
    char a[cap], b[cap];
    for (int i = t->ring_files - 2; i >= 1; i--) {
        ring_name(t, a, cap, i);
        ring_name(t, b, cap, i + 1);
        if (rename(a, b) != 0 && errno != ENOENT) {
            trace_break(t, "rotating", errno);
            return;
        }
    }
    ring_name(t, a, cap, 1);
    if (rename(t->path, a) != 0 || (t->out = fopen(t->path, "w")) == NULL) {
        trace_break(t, "rotating", errno);
        return;
    }
    __fsetlocking(t->out, FSETLOCKING_BYCALLER);
    trace_buffer(t, t->out);
    t->file_bytes = 0;
    if (t->header != NULL) {
        if (fwrite(t->header, 1, t->header_len, t->out) != t->header_len)
            trace_break(t, "writing", errno);
        t->file_bytes = t->header_len;
    }
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
    buf_puts(&r->json, "{\"t\":");
    buf_int(&r->json, now);
    size_t comp_len = strlen(comp), event_len = strlen(event);
    buf_puts(&r->json, ",\"comp\":");
    json_string(&r->json, comp, comp_len);
    buf_puts(&r->json, ",\"event\":");
    json_string(&r->json, event, event_len);
    if (want_log) {
        buf_printf(&r->human, "%s %6" PRId64 ".%09" PRId64 " ", level_tag(level), now / 1000000000,
                   now % 1000000000);
        r->human_rest = r->human.len;
        buf_printf(&r->human, "%-8s %s", comp, event);
    }
    r->comp_off = arena_add(&r->arena, comp, comp_len);
    r->event_off = arena_add(&r->arena, event, event_len);
    return r;
}

static struct field_slot *add_field(sim_trace_rec *r, const char *key, int type)
{
    if (r->nfields == MAX_FIELDS)
        return NULL;
    struct field_slot *f = &r->fields[r->nfields++];
    size_t key_len = strlen(key);
    f->key_off = arena_add(&r->arena, key, key_len);
    f->type = type;
    f->num = 0;
    f->str_off = 0;
    buf_putc(&r->json, ',');
    json_string(&r->json, key, key_len);
    buf_putc(&r->json, ':');
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
    size_t val_len = strlen(val);
    f->str_off = arena_add(&r->arena, val, val_len);
    json_string(&r->json, val, val_len);
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
    buf_int(&r->json, val);
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
    buf_putc(&r->json, '}');
    if (t->out != NULL && !t->broken) {
        uint64_t line = r->json.len + 1;
        if (t->ring_bytes > 0 && t->file_bytes > t->header_len && t->file_bytes + line > t->ring_bytes)
            trace_rotate(t);
        if (t->out != NULL && !t->broken) {
            /* a failed write is recorded, and nothing more is written */
            if (fwrite(r->json.p, 1, r->json.len, t->out) != r->json.len || fputc('\n', t->out) == EOF)
                trace_break(t, "writing", errno);
            t->file_bytes += line;
            if (t->flush_each && fflush(t->out) != 0)
                trace_break(t, "writing", errno);
        }
    }
    /* repeats are held back at the default level only: --verbose and
     * --log-level debug show every line */
    if (r->want_log && r->level == SIM_LOG_WARN && t->log_level == SIM_LOG_WARN &&
        log_repeat_seen(t, r->human.p + r->human_rest))
        r->want_log = false;
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
    if (t->out != NULL && fflush(t->out) != 0)
        trace_break(t, "writing", errno);
    if (t->log != NULL)
        fflush(t->log);
}
