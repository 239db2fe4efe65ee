/* sim/scenario.c — scenario files: YAML in, a checked scenario out.
 *
 * libyaml's event parser feeds a small tree that keeps every node's mark;
 * validation then walks that tree with the key path in hand, so that every
 * message can say where (file:line:col, 1-based), what (the key path) and
 * what would be allowed. The first error wins and the file is refused whole.
 *
 * Choices the header leaves open (they are part of the format):
 * - Anchors (&a) and aliases (*a) are refused. An alias would make a message
 *   point at the anchor instead of the place that uses it, libyaml has no
 *   merge keys (<<) anyway, and refusing them rules out alias bombs and
 *   cycles in a file fed to CI from anywhere.
 * - Explicit tags (!!str, !foo) are refused: the key decides the type.
 * - Numbers are plain (unquoted) scalars. Integers are decimal with an
 *   optional sign; a key that takes an integer refuses 6.0. Keys that take a
 *   real number (positions, dBm, m/s) accept integers and decimals with an
 *   optional exponent, never inf or nan.
 * - Durations go through sim_time_parse, quoted or not; a bare number is
 *   seconds. Every duration is at most 365 days so that sums of them cannot
 *   overflow in the runner. Durations that become millisecond settings in
 *   the firmware must be whole milliseconds, DHCP leases whole seconds.
 * - Booleans are true/false (True, TRUE, False, FALSE): YAML 1.1's yes/no/
 *   on/off are refused, as quoted "true" is.
 * - A string key accepts any scalar's text (ssid: 1234 is the SSID "1234"),
 *   but a key written with no value (ssid:, ~, null) is an error.
 * - An optional section written with no value (timeline:, capture:) is the
 *   same as leaving it out, so that commenting out every entry works.
 * - One document per file; input larger than 1 MiB or nested deeper than 16
 *   levels is refused before it costs memory or stack.
 * - Names (scenario and AP) are [A-Za-z0-9_.-]; the scenario's name becomes
 *   a folder, so "." and ".." are refused too.
 * - Unspecified ranges: capture.snaplen 0..262144, capture.ring_mb
 *   0..1048576, capture.ring_files 2..1000, device tx_power -10..30 dBm,
 *   positions within +-100 km, move_device speed 0 (a jump) or 0.001..1000
 *   m/s (a slower walk across +-100 km would outlast int64 nanoseconds),
 *   radio_wedge survives_power_cycles 0..1000.
 * - Fault keys: ap is required for every ap_* fault and dhcp; dhcp and
 *   radio_wedge need mode; a dhcp pool may come with netmask (default
 *   255.255.255.0) and router (default: the pool's network address + 1), and
 *   all of them must lie in one subnet.
 * - Expectations: status_reaches takes optional within (left out: 0, no
 *   bound) and after, as the shipped scenarios use it; recovery_within and
 *   drop_detected_within need after (they are defined relative to an entry).
 *   power_cycles {min, max}: either may be left out (0 and unbounded).
 * - A description longer than the struct holds is shortened with "...",
 *   not refused: it is only ever shown to people.
 * - A timeline entry exactly at the end of the run is allowed; later is not.
 * - scn_status_name of an unknown value is "UNKNOWN", never NULL, since
 *   callers print it straight into messages.
 * - Repeats: every >= 1ms; until or count (not both); jitter and until
 *   only with every. An id that is only digits is refused, so that after: 3
 *   keeps meaning entry 3; after: and exclude: read a plain number the old
 *   way (same messages) and anything else as ID, ID#K or N#K.
 * - associated_with takes at or after, not both; max_outage's grace only
 *   with exclude. drops and connections take a number or {min, max}, as
 *   power_cycles does. */
#define _POSIX_C_SOURCE 200809L
#include "sim/scenario.h"

#include "dot11/frame.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "sim/capture.h"

#define SCN_MAX_INPUT (1u << 20)
#define SCN_MAX_DEPTH 16
#define SCN_DUR_MAX ((sim_time)365 * 86400 * 1000000000)
#define SCN_SPEED_MIN 0.001 /* m/s */
#define SCN_PATH 128

/* ------------------------------------------------------------------ */
/* Arena: every node and scalar of one parse, freed in one go. Garbage
 * input must never leak, and one free per parse makes that easy to keep. */

typedef struct scn_chunk {
    struct scn_chunk *next;
    size_t used, cap;
    alignas(max_align_t) unsigned char data[];
} scn_chunk;

typedef struct scn_arena {
    scn_chunk *head;
} scn_arena;

static void *scn_alloc(scn_arena *a, size_t n)
{
    const size_t align = alignof(max_align_t);
    n = (n + align - 1) / align * align;
    if (a->head == NULL || a->head->cap - a->head->used < n) {
        size_t cap = n > 16384 ? n : 16384;
        scn_chunk *ch = malloc(sizeof *ch + cap);
        if (ch == NULL)
            return NULL;
        ch->next = a->head;
        ch->used = 0;
        ch->cap = cap;
        a->head = ch;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += n;
    return p;
}

static void scn_arena_free(scn_arena *a)
{
    while (a->head != NULL) {
        scn_chunk *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

/* ------------------------------------------------------------------ */
/* The tree. Children are a linked list; a mapping's children alternate
 * key, value (in file order, so duplicates can be found). */

typedef enum { SCN_N_SCALAR, SCN_N_SEQ, SCN_N_MAP } scn_ntype;

typedef struct scn_node {
    scn_ntype type;
    bool plain;          /* scalar written without quotes */
    const char *text;    /* scalar: NUL-terminated copy */
    size_t len;
    int line, col;       /* 1-based */
    int n;               /* children */
    struct scn_node *first, *last, *next, *parent;
} scn_node;

typedef struct scn_ctx {
    const char *path;
    const char *text;
    size_t len;
    sim_err *err;
    scn_arena arena;
    scenario *s;
    const scn_node *duration; /* for messages about times past the end */
} scn_ctx;

static int scn_fail_at(scn_ctx *c, int code, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int scn_fail_at(scn_ctx *c, int code, int line, int col, const char *fmt, ...)
{
    char msg[sizeof c->err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sim_err_set(c->err, code, "%s:%d:%d: %s", c->path, line, col, msg);
}

#define scn_fail(c, node, ...) scn_fail_at((c), SIM_EINVAL, (node)->line, (node)->col, __VA_ARGS__)
#define scn_fail_limit(c, node, ...) scn_fail_at((c), SIM_ELIMIT, (node)->line, (node)->col, __VA_ARGS__)

/* Key paths ("world.aps[0].channel") are short by construction; the
 * bounded copy only guards against that assumption breaking. */
static void scn_path_cat(char *buf, const char *a, const char *sep, const char *b)
{
    size_t k = 0;
    const char *parts[3] = {a, sep, b};
    for (int i = 0; i < 3; i++)
        for (const char *t = parts[i]; *t && k + 1 < SCN_PATH; t++)
            buf[k++] = *t;
    buf[k] = '\0';
}

static void scn_path(char *buf, const char *parent, const char *key)
{
    scn_path_cat(buf, parent, parent[0] ? "." : "", key);
}

static void scn_path_index(char *buf, const char *parent, int i)
{
    char idx[16];
    snprintf(idx, sizeof idx, "[%d]", i);
    scn_path_cat(buf, parent, "", idx);
}

/* ------------------------------------------------------------------ */
/* Reading: libyaml events -> tree. */

/* 1-based line and column of a byte offset (libyaml's reader errors only
 * give the offset). */
static void scn_offset_pos(const scn_ctx *c, size_t off, int *line, int *col)
{
    int l = 1, k = 1;
    for (size_t i = 0; i < off && i < c->len; i++) {
        if (c->text[i] == '\n') {
            l++;
            k = 1;
        } else if (((unsigned char)c->text[i] & 0xC0) != 0x80) {
            k++;
        }
    }
    *line = l;
    *col = k;
}

/* True when the indentation of the mark's line holds a tab: the usual
 * cause of libyaml's "found character that cannot start any token". */
static bool scn_tab_near(const scn_ctx *c, const yaml_mark_t *m)
{
    size_t i = 0;
    for (size_t line = 0; line < m->line && i < c->len; i++)
        if (c->text[i] == '\n')
            line++;
    for (; i < c->len && (c->text[i] == ' ' || c->text[i] == '\t'); i++)
        if (c->text[i] == '\t')
            return true;
    return false;
}

static int scn_syntax_error(scn_ctx *c, const yaml_parser_t *p)
{
    if (p->error == YAML_MEMORY_ERROR)
        return sim_err_set(c->err, SIM_ENOMEM, "%s: out of memory while reading YAML", c->path);
    const char *problem = p->problem != NULL ? p->problem : "unknown problem";
    if (p->error == YAML_READER_ERROR) {
        int line, col;
        scn_offset_pos(c, p->problem_offset, &line, &col);
        if (p->problem_value == -1)
            return scn_fail_at(c, SIM_EINVAL, line, col, "YAML syntax error: %s; a scenario is UTF-8 text", problem);
        return scn_fail_at(c, SIM_EINVAL, line, col, "YAML syntax error: %s (0x%02x); a scenario is UTF-8 text",
                           problem, (unsigned)p->problem_value);
    }
    /* Something left open at the end of the file (a quote, a bracket) is
     * best shown where it was opened, not at the end of the file. */
    const yaml_mark_t *at = &p->problem_mark;
    bool eof = strstr(problem, "end of stream") != NULL;
    if (eof && p->context != NULL)
        at = &p->context_mark;
    const char *hint = "";
    if (scn_tab_near(c, &p->problem_mark))
        hint = "; tabs cannot indent YAML, use spaces";
    else if (p->context != NULL && strstr(p->context, "quoted scalar") != NULL)
        hint = "; is a closing quote missing?";
    else if (p->context != NULL && strstr(p->context, "flow sequence") != NULL)
        hint = "; is a closing ']' missing?";
    else if (p->context != NULL && strstr(p->context, "flow mapping") != NULL)
        hint = "; is a closing '}' missing?";
    else if (p->context != NULL && strstr(p->context, "block") != NULL)
        hint = "; check the indentation";
    bool same = p->context_mark.line == p->problem_mark.line && p->context_mark.column == p->problem_mark.column;
    if (p->context != NULL && same)
        return scn_fail_at(c, SIM_EINVAL, (int)at->line + 1, (int)at->column + 1, "YAML syntax error: %s (%s)%s",
                           problem, p->context, hint);
    if (p->context != NULL)
        return scn_fail_at(c, SIM_EINVAL, (int)at->line + 1, (int)at->column + 1,
                           "YAML syntax error: %s (%s started at line %d, column %d)%s", problem, p->context,
                           (int)p->context_mark.line + 1, (int)p->context_mark.column + 1, hint);
    return scn_fail_at(c, SIM_EINVAL, (int)at->line + 1, (int)at->column + 1, "YAML syntax error: %s%s", problem,
                       hint);
}

static int scn_check_props(scn_ctx *c, const yaml_event_t *e, const yaml_char_t *anchor, const yaml_char_t *tag)
{
    int line = (int)e->start_mark.line + 1, col = (int)e->start_mark.column + 1;
    if (anchor != NULL)
        return scn_fail_at(c, SIM_EINVAL, line, col,
                           "YAML anchor '&%s' is not supported in scenario files: write each value where it is used",
                           (const char *)anchor);
    if (tag != NULL)
        return scn_fail_at(c, SIM_EINVAL, line, col,
                           "YAML tag '%s' is not supported in scenario files: the key decides the type",
                           (const char *)tag);
    return 0;
}

static scn_node *scn_new_node(scn_ctx *c, scn_ntype type, const yaml_event_t *e)
{
    scn_node *n = scn_alloc(&c->arena, sizeof *n);
    if (n == NULL)
        return NULL;
    memset(n, 0, sizeof *n);
    n->type = type;
    n->line = (int)e->start_mark.line + 1;
    n->col = (int)e->start_mark.column + 1;
    n->text = "";
    return n;
}

static void scn_attach(scn_node *parent, scn_node *n)
{
    n->parent = parent;
    if (parent == NULL)
        return;
    if (parent->last != NULL)
        parent->last->next = n;
    else
        parent->first = n;
    parent->last = n;
    parent->n++;
}

static int scn_read_tree(scn_ctx *c, scn_node **root)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return sim_err_set(c->err, SIM_ENOMEM, "%s: out of memory", c->path);
    yaml_parser_set_input_string(&p, (const unsigned char *)c->text, c->len);
    scn_node *cur = NULL;
    int depth = 0, docs = 0, rc = 0;
    *root = NULL;
    for (bool done = false; !done && rc == 0;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e)) {
            rc = scn_syntax_error(c, &p);
            break;
        }
        scn_node *n = NULL;
        switch (e.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1)
                rc = scn_fail_at(c, SIM_EINVAL, (int)e.start_mark.line + 1, (int)e.start_mark.column + 1,
                                 "a second YAML document ('---'): a scenario file holds exactly one");
            break;
        case YAML_ALIAS_EVENT:
            rc = scn_fail_at(c, SIM_EINVAL, (int)e.start_mark.line + 1, (int)e.start_mark.column + 1,
                             "YAML alias '*%s' is not supported in scenario files: write the value out",
                             (const char *)e.data.alias.anchor);
            break;
        case YAML_SCALAR_EVENT:
            rc = scn_check_props(c, &e, e.data.scalar.anchor, e.data.scalar.tag);
            if (rc == 0) {
                n = scn_new_node(c, SCN_N_SCALAR, &e);
                char *t = n != NULL ? scn_alloc(&c->arena, e.data.scalar.length + 1) : NULL;
                if (t == NULL) {
                    rc = sim_err_set(c->err, SIM_ENOMEM, "%s: out of memory", c->path);
                    break;
                }
                memcpy(t, e.data.scalar.value, e.data.scalar.length);
                t[e.data.scalar.length] = '\0';
                n->text = t;
                n->len = e.data.scalar.length;
                n->plain = e.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
                scn_attach(cur, n);
            }
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (e.type == YAML_SEQUENCE_START_EVENT)
                rc = scn_check_props(c, &e, e.data.sequence_start.anchor, e.data.sequence_start.tag);
            else
                rc = scn_check_props(c, &e, e.data.mapping_start.anchor, e.data.mapping_start.tag);
            if (rc != 0)
                break;
            if (++depth > SCN_MAX_DEPTH) {
                rc = scn_fail_at(c, SIM_ELIMIT, (int)e.start_mark.line + 1, (int)e.start_mark.column + 1,
                                 "nested deeper than %d levels: a scenario never needs that", SCN_MAX_DEPTH);
                break;
            }
            n = scn_new_node(c, e.type == YAML_SEQUENCE_START_EVENT ? SCN_N_SEQ : SCN_N_MAP, &e);
            if (n == NULL) {
                rc = sim_err_set(c->err, SIM_ENOMEM, "%s: out of memory", c->path);
                break;
            }
            scn_attach(cur, n);
            cur = n;
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (cur != NULL) {
                depth--;
                cur = cur->parent;
            }
            break;
        default:
            break;
        }
        if (n != NULL && n->parent == NULL && *root == NULL)
            *root = n;
        yaml_event_delete(&e);
    }
    yaml_parser_delete(&p);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Values. */

static const char *scn_kind_text(const scn_node *n)
{
    switch (n->type) {
    case SCN_N_SEQ: return "a list";
    case SCN_N_MAP: return "a mapping";
    default: return "a scalar";
    }
}

static bool scn_is_null(const scn_node *n)
{
    return n->type == SCN_N_SCALAR && n->plain &&
           (n->len == 0 || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
            strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0);
}

/* A scalar's text fit for a message: short, without control characters. */
static const char *scn_show(const scn_node *n, char *buf, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n->len && k + 4 < cap; i++) {
        unsigned char ch = (unsigned char)n->text[i];
        buf[k++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    if (k < n->len && k + 4 >= cap && cap > 4) {
        memcpy(buf + k, "...", 3);
        k += 3;
    }
    buf[k] = '\0';
    return buf;
}

static int scn_scalar(scn_ctx *c, const scn_node *n, const char *path, const char *want)
{
    if (n->type != SCN_N_SCALAR)
        return scn_fail(c, n, "%s: expected %s, not %s", path, want, scn_kind_text(n));
    if (scn_is_null(n))
        return scn_fail(c, n, "%s: no value given (expected %s)", path, want);
    return 0;
}

/* Decimal integer with an optional sign, nothing else. */
static bool scn_text_ll(const char *t, long long *out)
{
    bool neg = false;
    if (*t == '+' || *t == '-')
        neg = *t++ == '-';
    if (*t == '\0')
        return false;
    unsigned long long v = 0;
    for (; *t; t++) {
        if (*t < '0' || *t > '9')
            return false;
        unsigned d = (unsigned)(*t - '0');
        if (v > (ULLONG_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (neg ? v > (unsigned long long)LLONG_MAX + 1 : v > (unsigned long long)LLONG_MAX)
        return false;
    *out = neg ? (v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v) : (long long)v;
    return true;
}

/* [+-] digits: an integer by its syntax, whether or not it fits. */
static bool scn_text_is_int(const char *t)
{
    if (*t == '+' || *t == '-')
        t++;
    if (*t == '\0')
        return false;
    for (; *t; t++)
        if (*t < '0' || *t > '9')
            return false;
    return true;
}

/* [+-] digits [. digits] [e [+-] digits], or [+-] . digits [...]: what
 * people write for a real number, and nothing strtod would add (inf, nan,
 * hex floats). */
static bool scn_text_double(const char *t, double *out)
{
    const char *p = t;
    if (*p == '+' || *p == '-')
        p++;
    size_t digits = 0;
    while (*p >= '0' && *p <= '9') {
        p++;
        digits++;
    }
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            p++;
            digits++;
        }
    }
    if (digits == 0)
        return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p != '\0')
        return false;
    double v = strtod(t, NULL);
    if (!isfinite(v))
        return false;
    *out = v;
    return true;
}

/* An integer, any size; want says what was expected, for messages. */
static int scn_int_text(scn_ctx *c, const scn_node *n, const char *path, const char *want, long long *out)
{
    char shown[64];
    int rc = scn_scalar(c, n, path, want);
    if (rc != 0)
        return rc;
    double d;
    if (!n->plain)
        return scn_fail(c, n, "%s: expected %s, not the quoted string '%s' (write numbers without quotes)", path,
                        want, scn_show(n, shown, sizeof shown));
    if (!scn_text_ll(n->text, out)) {
        if (scn_text_is_int(n->text) && strlen(n->text) == n->len)
            return scn_fail(c, n, "%s: %s is out of range (expected %s)", path, scn_show(n, shown, sizeof shown),
                            want);
        if (scn_text_double(n->text, &d))
            return scn_fail(c, n, "%s: %s is not a whole number (expected %s)", path,
                            scn_show(n, shown, sizeof shown), want);
        return scn_fail(c, n, "%s: '%s' is not a number (expected %s)", path, scn_show(n, shown, sizeof shown),
                        want);
    }
    return 0;
}

static int scn_int(scn_ctx *c, const scn_node *n, const char *path, long long min, long long max, const char *unit,
                   long long *out)
{
    char want[128], range[96], shown[64];
    if (max == LLONG_MAX)
        snprintf(range, sizeof range, ">= %lld%s", min, unit);
    else
        snprintf(range, sizeof range, "%lld..%lld%s", min, max, unit);
    snprintf(want, sizeof want, "an integer, %s", range);
    long long v;
    int rc = scn_int_text(c, n, path, want, &v);
    if (rc != 0)
        return rc;
    if (v < min || v > max)
        return scn_fail(c, n, "%s: %s is out of range (%s)", path, scn_show(n, shown, sizeof shown), range);
    *out = v;
    return 0;
}

static int scn_u64(scn_ctx *c, const scn_node *n, const char *path, uint64_t *out)
{
    const char *want = "an integer, 0..18446744073709551615";
    char shown[64];
    int rc = scn_scalar(c, n, path, want);
    if (rc != 0)
        return rc;
    if (!n->plain)
        return scn_fail(c, n, "%s: expected %s, not the quoted string '%s' (write numbers without quotes)", path,
                        want, scn_show(n, shown, sizeof shown));
    const char *t = n->text;
    if (*t == '+')
        t++;
    uint64_t v = 0;
    bool ok = *t != '\0';
    for (; ok && *t; t++) {
        if (*t < '0' || *t > '9' || v > (UINT64_MAX - (uint64_t)(*t - '0')) / 10)
            ok = false;
        else
            v = v * 10 + (uint64_t)(*t - '0');
    }
    if (!ok && scn_text_is_int(n->text) && n->text[0] != '-' && strlen(n->text) == n->len)
        return scn_fail(c, n, "%s: %s is out of range (expected %s)", path, scn_show(n, shown, sizeof shown), want);
    if (!ok)
        return scn_fail(c, n, "%s: '%s' is not %s", path, scn_show(n, shown, sizeof shown), want);
    *out = v;
    return 0;
}

int scn_value_number(const char *text, const char *shown, double min, double max, const char *unit, double *out,
                     char *msg, size_t cap)
{
    char want[128], range[96];
    snprintf(range, sizeof range, "%g..%g%s", min, max, unit);
    snprintf(want, sizeof want, "a number, %s", range);
    double v;
    if (!scn_text_double(text, &v)) {
        /* Digits and an exponent too large for a double: a number, out of range. */
        if (strspn(text, "+-0123456789.eE") == strlen(text) && isinf(strtod(text, NULL))) {
            snprintf(msg, cap, "%s is out of range (%s)", shown, range);
            return -1;
        }
        snprintf(msg, cap, "'%s' is not a number (expected %s)", shown, want);
        return -1;
    }
    if (v < min || v > max) {
        snprintf(msg, cap, "%s is out of range (%s)", shown, range);
        return -1;
    }
    *out = v;
    return 0;
}

static int scn_num(scn_ctx *c, const scn_node *n, const char *path, double min, double max, const char *unit,
                   double *out)
{
    char want[128], range[96], shown[64], msg[256];
    snprintf(range, sizeof range, "%g..%g%s", min, max, unit);
    snprintf(want, sizeof want, "a number, %s", range);
    int rc = scn_scalar(c, n, path, want);
    if (rc != 0)
        return rc;
    if (!n->plain)
        return scn_fail(c, n, "%s: expected %s, not the quoted string '%s' (write numbers without quotes)", path,
                        want, scn_show(n, shown, sizeof shown));
    if (scn_value_number(n->text, scn_show(n, shown, sizeof shown), min, max, unit, out, msg, sizeof msg) != 0)
        return scn_fail(c, n, "%s: %s", path, msg);
    return 0;
}

static int scn_bool(scn_ctx *c, const scn_node *n, const char *path, bool *out)
{
    char shown[64];
    int rc = scn_scalar(c, n, path, "true or false");
    if (rc != 0)
        return rc;
    if (n->plain && (strcmp(n->text, "true") == 0 || strcmp(n->text, "True") == 0 || strcmp(n->text, "TRUE") == 0)) {
        *out = true;
        return 0;
    }
    if (n->plain &&
        (strcmp(n->text, "false") == 0 || strcmp(n->text, "False") == 0 || strcmp(n->text, "FALSE") == 0)) {
        *out = false;
        return 0;
    }
    return scn_fail(c, n, "%s: expected true or false (unquoted), not %s'%s'", path, n->plain ? "" : "the string ",
                    scn_show(n, shown, sizeof shown));
}

/* Durations. allowed describes the range for messages ("> 0"). */
int scn_value_duration(const char *text, size_t len, const char *shown, sim_time min, const char *allowed,
                       sim_time *out, char *msg, size_t cap)
{
    sim_time v;
    if (text[0] == '-') {
        snprintf(msg, cap, "%s is negative (%s)", shown, allowed);
        return -1;
    }
    int prc = strlen(text) != len ? -1 : sim_time_parse(text, &v);
    if (prc == SIM_TIME_RANGE) {
        snprintf(msg, cap, "%s is out of range (365d is the most any duration may be)", shown);
        return -1;
    }
    if (prc != 0) {
        snprintf(msg, cap,
                 "'%s' is not a duration (write a number with a unit: ns, us, ms, s, m, h or d, "
                 "e.g. 250ms, 30s, 5m, 1h30m; a bare number is seconds)",
                 shown);
        return -1;
    }
    if (v > SCN_DUR_MAX) {
        snprintf(msg, cap, "%s is longer than a year (365d is the most any duration may be)", shown);
        return -1;
    }
    if (v < min) {
        snprintf(msg, cap, "%s is too short (%s)", shown, allowed);
        return -1;
    }
    *out = v;
    return 0;
}

static int scn_dur(scn_ctx *c, const scn_node *n, const char *path, sim_time min, const char *allowed, sim_time *out)
{
    char shown[64], msg[300];
    int rc = scn_scalar(c, n, path, "a duration such as 250ms, 30s, 5m or 1h30m");
    if (rc != 0)
        return rc;
    scn_show(n, shown, sizeof shown);
    if (scn_value_duration(n->text, n->len, shown, min, allowed, out, msg, sizeof msg) != 0)
        return scn_fail(c, n, "%s: %s", path, msg);
    return 0;
}

/* A duration the firmware reads as a uint32_t of milliseconds. */
static int scn_dur_ms(scn_ctx *c, const scn_node *n, const char *path, sim_time min, const char *allowed,
                      sim_time *out)
{
    char shown[64];
    int rc = scn_dur(c, n, path, min, allowed, out);
    if (rc != 0)
        return rc;
    if (*out % SIM_MS(1) != 0)
        return scn_fail(c, n, "%s: %s is not a whole number of milliseconds (the firmware setting is in ms)", path,
                        scn_show(n, shown, sizeof shown));
    if (*out / SIM_MS(1) > UINT32_MAX)
        return scn_fail(c, n, "%s: %s does not fit the firmware's 32-bit millisecond setting (at most 49d17h)",
                        path, scn_show(n, shown, sizeof shown));
    return 0;
}

/* A string into buf (cap includes the NUL); minlen..maxlen bytes. */
static int scn_str(scn_ctx *c, const scn_node *n, const char *path, size_t minlen, size_t maxlen, const char *what,
                   char *buf, size_t cap)
{
    char shown[64];
    int rc = scn_scalar(c, n, path, what);
    if (rc != 0)
        return rc;
    if (strlen(n->text) != n->len)
        return scn_fail(c, n, "%s: contains a NUL character (expected %s)", path, what);
    if (n->len < minlen || n->len > maxlen) {
        if (n->len == 0)
            return scn_fail(c, n, "%s: is empty (expected %s)", path, what);
        return scn_fail(c, n, "%s: '%s' is %zu bytes long (expected %s)", path, scn_show(n, shown, sizeof shown),
                        n->len, what);
    }
    if (n->len >= cap)
        return scn_fail(c, n, "%s: too long", path);
    memcpy(buf, n->text, n->len + 1);
    return 0;
}

static int scn_name(scn_ctx *c, const scn_node *n, const char *path, size_t maxlen, const char *what, char *buf,
                    size_t cap)
{
    char shown[64];
    int rc = scn_str(c, n, path, 1, maxlen, what, buf, cap);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < n->len; i++) {
        char ch = n->text[i];
        bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' ||
                  ch == '.' || ch == '-';
        if (!ok) {
            char what_ch[16];
            if (ch == ' ')
                snprintf(what_ch, sizeof what_ch, "a space");
            else if (ch > 0x20 && ch < 0x7f)
                snprintf(what_ch, sizeof what_ch, "'%c'", ch);
            else
                snprintf(what_ch, sizeof what_ch, "byte 0x%02x", (unsigned char)ch);
            return scn_fail(c, n, "%s: '%s' has %s at position %zu (expected %s)", path,
                            scn_show(n, shown, sizeof shown), what_ch, i + 1, what);
        }
    }
    if (strcmp(buf, ".") == 0 || strcmp(buf, "..") == 0)
        return scn_fail(c, n, "%s: '%s' is not a usable name (expected %s)", path, buf, what);
    return 0;
}

/* WPA2 passphrase: "" (open) or 8..63 printable ASCII characters. */
int scn_value_passphrase(const char *text, size_t len, char *msg, size_t cap)
{
    const char *what = "a WPA2 passphrase of 8..63 printable ASCII characters, or \"\" for an open network";
    if (len != 0 && (len < 8 || len > 63)) {
        if (len == 64)
            snprintf(msg, cap, "is 64 characters long (expected %s; a 64-hex-digit raw PSK is not supported)", what);
        else
            snprintf(msg, cap, "is %zu characters long (expected %s)", len, what);
        return -1;
    }
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] > 0x7e) {
            snprintf(msg, cap, "character %zu is not printable ASCII (expected %s)", i + 1, what);
            return -1;
        }
    return 0;
}

static int scn_passphrase(scn_ctx *c, const scn_node *n, const char *path, char *buf, size_t cap)
{
    const char *what = "a WPA2 passphrase of 8..63 printable ASCII characters, or \"\" for an open network";
    char msg[300];
    int rc = scn_scalar(c, n, path, what);
    if (rc != 0)
        return rc;
    if (scn_value_passphrase(n->text, n->len, msg, sizeof msg) != 0)
        return scn_fail(c, n, "%s: %s", path, msg);
    return scn_str(c, n, path, 0, 63, what, buf, cap);
}

/* A line for a device's console: 1..SCN_CONSOLE_LINE-1 printable bytes
 * (ASCII or UTF-8), no control character (the UART's '\n' ends it). */
int scn_value_console_line(const char *text, size_t len, char *msg, size_t cap)
{
    if (len == 0 || len > SCN_CONSOLE_LINE - 1) {
        snprintf(msg, cap, "is %zu bytes long (expected one line of 1..%d bytes for the device's console)", len,
                 SCN_CONSOLE_LINE - 1);
        return -1;
    }
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f) {
            snprintf(msg, cap, "byte %zu is a control character (expected one line of printable text; the console "
                               "adds the line end)", i + 1);
            return -1;
        }
    return 0;
}

/* Dotted quad, exactly four decimal numbers 0..255; host order out. */
static bool scn_text_ipv4(const char *t, uint32_t *out)
{
    uint32_t v = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0 && *t++ != '.')
            return false;
        unsigned x = 0;
        int digits = 0;
        while (*t >= '0' && *t <= '9' && digits < 4) {
            x = x * 10 + (unsigned)(*t++ - '0');
            digits++;
        }
        if (digits == 0 || digits > 3 || x > 255)
            return false;
        v = v << 8 | x;
    }
    if (*t != '\0')
        return false;
    *out = v;
    return true;
}

static int scn_ipv4(scn_ctx *c, const scn_node *n, const char *path, uint32_t *out)
{
    char shown[64];
    const char *want = "an IPv4 address: four numbers 0..255 with dots, e.g. 10.0.2.15";
    int rc = scn_scalar(c, n, path, want);
    if (rc != 0)
        return rc;
    if (strlen(n->text) != n->len || !scn_text_ipv4(n->text, out))
        return scn_fail(c, n, "%s: '%s' is not %s", path, scn_show(n, shown, sizeof shown), want);
    return 0;
}

static int scn_seq(scn_ctx *c, const scn_node *n, const char *path, const char *want)
{
    if (n->type != SCN_N_SEQ)
        return scn_fail(c, n, "%s: expected %s, not %s", path, want,
                        scn_is_null(n) ? "nothing" : scn_kind_text(n));
    return 0;
}

static int scn_position(scn_ctx *c, const scn_node *n, const char *path, scn_pos *out)
{
    const char *want = "a position in metres, [x, y] or [x, y, z]";
    char p[SCN_PATH];
    int rc = scn_seq(c, n, path, want);
    if (rc != 0)
        return rc;
    if (n->n < 2 || n->n > 3)
        return scn_fail(c, n, "%s: has %d number%s (expected %s)", path, n->n, n->n == 1 ? "" : "s", want);
    double v[3] = {0, 0, 0};
    int i = 0;
    for (const scn_node *e = n->first; e != NULL; e = e->next, i++) {
        scn_path_index(p, path, i);
        if ((rc = scn_num(c, e, p, -SCN_POS_MAX, SCN_POS_MAX, " m", &v[i])) != 0)
            return rc;
    }
    out->x = v[0];
    out->y = v[1];
    out->z = v[2];
    return 0;
}

/* ------------------------------------------------------------------ */
/* Mappings. */

static int scn_levenshtein(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40)
        return 99;
    int row[41];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* "; did you mean 'x'?" for a near miss among names, else "". */
static const char *scn_suggest(const char *word, const char *const *names, int nnames, char *buf, size_t cap)
{
    int best = 3;
    const char *pick = NULL;
    for (int i = 0; i < nnames; i++) {
        int d = scn_levenshtein(word, names[i]);
        if (d < best) {
            best = d;
            pick = names[i];
        }
    }
    if (pick == NULL || (best == 2 && strlen(word) < 5))
        return "";
    snprintf(buf, cap, "; did you mean '%s'?", pick);
    return buf;
}

static void scn_join(const char *const *names, int n, char *buf, size_t cap)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && k < cap; i++) {
        int w = snprintf(buf + k, cap - k, "%s%s", i ? ", " : "", names[i]);
        if (w < 0)
            break;
        k += (size_t)w;
    }
}

static int scn_count(const char *const *keys)
{
    int n = 0;
    while (keys[n] != NULL)
        n++;
    return n;
}

/* Checks that n is a mapping whose keys are all in keys (NULL-terminated)
 * and none twice; vals[i] gets the value of keys[i] or NULL. qual names
 * the kind of entry in messages (" for ap_reboot") or is "". */
static int scn_fields(scn_ctx *c, const scn_node *n, const char *path, const char *qual, const char *const *keys,
                      const scn_node **vals)
{
    const char *where = path[0] ? path : "top level";
    int nkeys = scn_count(keys);
    for (int i = 0; i < nkeys; i++)
        vals[i] = NULL;
    if (n->type != SCN_N_MAP)
        return scn_fail(c, n, "%s: expected a mapping (key: value lines or {key: value}), not %s", where,
                        scn_is_null(n) ? "nothing" : scn_kind_text(n));
    const scn_node *firstkey[64] = {NULL};
    char shown[64], known[400], hint[80];
    for (const scn_node *k = n->first; k != NULL && k->next != NULL; k = k->next->next) {
        if (k->type != SCN_N_SCALAR)
            return scn_fail(c, k, "%s: a key must be a plain name, not %s", where, scn_kind_text(k));
        int idx = -1;
        for (int i = 0; i < nkeys; i++)
            if (strcmp(k->text, keys[i]) == 0 && strlen(k->text) == k->len)
                idx = i;
        if (idx < 0) {
            scn_join(keys, nkeys, known, sizeof known);
            return scn_fail(c, k, "%s: unknown key '%s'%s (known: %s%s)", where, scn_show(k, shown, sizeof shown),
                            qual, known, scn_suggest(k->text, keys, nkeys, hint, sizeof hint));
        }
        if (vals[idx] != NULL)
            return scn_fail(c, k, "%s: duplicate key '%s' (first given at line %d)", where, keys[idx],
                            firstkey[idx]->line);
        vals[idx] = k->next;
        firstkey[idx] = k;
    }
    return 0;
}

static const scn_node *scn_get(const char *const *keys, const scn_node **vals, const char *key)
{
    for (int i = 0; keys[i] != NULL; i++)
        if (strcmp(keys[i], key) == 0)
            return vals[i];
    return NULL;
}

/* An optional section written with no value counts as absent. */
static const scn_node *scn_section(const char *const *keys, const scn_node **vals, const char *key)
{
    const scn_node *v = scn_get(keys, vals, key);
    return v != NULL && scn_is_null(v) ? NULL : v;
}

/* The value of key in a mapping already checked by scn_fields. */
static const scn_node *scn_child(const scn_node *map, const char *key)
{
    for (const scn_node *k = map->first; k != NULL && k->next != NULL; k = k->next->next)
        if (k->type == SCN_N_SCALAR && strcmp(k->text, key) == 0)
            return k->next;
    return map;
}

static bool scn_in(const char *const *keys, const char *word)
{
    for (int i = 0; keys[i] != NULL; i++)
        if (strcmp(keys[i], word) == 0)
            return true;
    return false;
}

static int scn_missing(scn_ctx *c, const scn_node *map, const char *path, const char *key, const char *what)
{
    return scn_fail(c, map, "%s: missing required key '%s' (%s)", path[0] ? path : "top level", key, what);
}


/* ------------------------------------------------------------------ */
/* Names. */

static const char *const scn_fault_names[] = {
    [SCN_F_AP_REBOOT] = "ap_reboot",     [SCN_F_AP_OFF] = "ap_off",         [SCN_F_AP_ON] = "ap_on",
    [SCN_F_AP_PASSPHRASE] = "ap_passphrase", [SCN_F_AP_TX_POWER] = "ap_tx_power", [SCN_F_MOVE_DEVICE] = "move_device",
    [SCN_F_DHCP] = "dhcp",               [SCN_F_RADIO_WEDGE] = "radio_wedge", [SCN_F_CABLE_PULL] = "cable_pull",
    [SCN_F_SERVICE] = "service",         [SCN_F_AP_DEAUTH] = "ap_deauth",   [SCN_F_AP_DISASSOC] = "ap_disassoc",
    [SCN_F_AP_REFUSE] = "ap_refuse",     [SCN_F_GROUP_KEY_MISS] = "group_key_miss", [SCN_F_RADIUS_DOWN] = "radius_down",
    [SCN_F_RADIUS_SLOW] = "radius_slow", [SCN_F_SPOOFED_DEAUTH] = "spoofed_deauth",
    [SCN_F_SAE_ANTI_CLOGGING] = "sae_anti_clogging", [SCN_F_DOWNGRADE] = "downgrade",
    [SCN_F_CABLE_MOVE] = "cable_move",  [SCN_F_CONSOLE] = "console",
    [SCN_F_RADIUS_SERVER_CERT] = "radius_server_cert", [SCN_F_RADIUS_REVOKE] = "radius_revoke",
    [SCN_F_RADIUS_USER] = "radius_user",
};
#define SCN_NFAULTS ((int)(sizeof scn_fault_names / sizeof scn_fault_names[0]))

static const char *const scn_expect_names[] = {
    [SCN_E_LINK_UP_WITHIN] = "link_up_within",
    [SCN_E_STATUS_REACHES] = "status_reaches",
    [SCN_E_CONNECT_TIMEOUT_REPORTED] = "connect_timeout_reported",
    [SCN_E_RECONNECT_SPACING] = "reconnect_spacing",
    [SCN_E_POWER_CYCLES] = "power_cycles",
    [SCN_E_RECOVERY_WITHIN] = "recovery_within",
    [SCN_E_DROP_DETECTED_WITHIN] = "drop_detected_within",
    [SCN_E_BYTES_DELIVERED_MIN] = "bytes_delivered_min",
    [SCN_E_UPLOADS_MIN] = "uploads_min",
    [SCN_E_DELIVERY_GAP_MAX] = "delivery_gap_max",
    [SCN_E_MARKER] = "marker",
    [SCN_E_MAX_OUTAGE] = "max_outage",
    [SCN_E_STATUS_NEVER] = "status_never",
    [SCN_E_ASSOCIATED_WITH] = "associated_with",
    [SCN_E_DROPS] = "drops",
    [SCN_E_CONNECTIONS] = "connections",
    [SCN_E_CONSOLE_LINE] = "console_line",
    [SCN_E_CLIENT_JOINED] = "client_joined",
    [SCN_E_CLIENT_GOT_ADDRESS] = "client_got_address",
    [SCN_E_CLIENT_FETCHED] = "client_fetched",
    [SCN_E_CLIENT_DEAUTHED] = "client_deauthed",
};
#define SCN_NEXPECTS ((int)(sizeof scn_expect_names / sizeof scn_expect_names[0]))

/* Expectations that were judged from the firmware's own reports, which a
 * verdict may no longer trust: a file that still uses one is told what
 * replaces it. */
static const struct {
    const char *name, *instead;
} scn_retired[] = {
    {"frames_sent_min", "uploads_min (uploads the rig's sink received) or bytes_delivered_min"},
    {"frames_lost_while_healthy", "delivery_gap_max (the longest time the rig's sink received nothing)"},
};

static const struct {
    const char *name;
    int value;
} scn_statuses[] = {
    {"IDLE", 0}, {"CONNECTING", 1}, {"NO_IP", 2}, {"GOT_IP", 3},
    {"CONNECT_FAIL", -1}, {"NO_AP_FOUND", -2}, {"WRONG_PASSWORD", -3},
};
#define SCN_NSTATUS ((int)(sizeof scn_statuses / sizeof scn_statuses[0]))

/* IEEE 802.11-2016 Table 9-45 (9.4.1.7, reason codes) by hostapd's names
 * (src/common/ieee802_11_defs.h, WLAN_REASON_*, lower case), then short
 * aliases; the first name of a code is the one messages use. */
static const struct {
    const char *name;
    int code;
} scn_reasons[] = {
    {"unspecified", 1},
    {"prev_auth_not_valid", 2},
    {"deauth_leaving", 3},
    {"disassoc_due_to_inactivity", 4},
    {"disassoc_ap_busy", 5},
    {"class2_frame_from_nonauth_sta", 6},
    {"class3_frame_from_nonassoc_sta", 7},
    {"disassoc_sta_has_left", 8},
    {"sta_req_assoc_without_auth", 9},
    {"pwr_capability_not_valid", 10},
    {"supported_channel_not_valid", 11},
    {"bss_transition_disassoc", 12},
    {"invalid_ie", 13},
    {"michael_mic_failure", 14},
    {"4way_handshake_timeout", 15},
    {"group_key_update_timeout", 16},
    {"ie_in_4way_differs", 17},
    {"group_cipher_not_valid", 18},
    {"pairwise_cipher_not_valid", 19},
    {"akmp_not_valid", 20},
    {"unsupported_rsn_ie_version", 21},
    {"invalid_rsn_ie_capab", 22},
    {"ieee_802_1x_auth_failed", 23},
    {"cipher_suite_rejected", 24},
    {"disassoc_low_ack", 34},
    {"leaving", 3},
    {"inactivity", 4},
    {"ap_busy", 5},
    {"class2_frame_from_nonauth", 6},
    {"class3_frame_from_nonassoc", 7},
    {"sta_has_left", 8},
    {"mic_failure", 14},
};
#define SCN_NREASONS ((int)(sizeof scn_reasons / sizeof scn_reasons[0]))

/* IEEE 802.11-2016 Table 9-46 (9.4.1.9, status codes), the same way
 * (WLAN_STATUS_*), then aliases. */
static const struct {
    const char *name;
    int code;
} scn_status_codes[] = {
    {"unspecified_failure", 1},
    {"caps_unsupported", 10},
    {"reassoc_no_assoc", 11},
    {"assoc_denied_unspec", 12},
    {"not_supported_auth_alg", 13},
    {"unknown_auth_transaction", 14},
    {"challenge_fail", 15},
    {"auth_timeout", 16},
    {"ap_unable_to_handle_new_sta", 17},
    {"assoc_denied_rates", 18},
    {"assoc_denied_noshort", 19},
    {"spec_mgmt_required", 22},
    {"pwr_capability_not_valid", 23},
    {"supported_channel_not_valid", 24},
    {"assoc_denied_no_short_slot_time", 25},
    {"assoc_denied_no_ht", 27},
    {"assoc_rejected_temporarily", 30},
    {"robust_mgmt_frame_policy_violation", 31},
    {"unspecified_qos_failure", 32},
    {"denied_insufficient_bandwidth", 33},
    {"denied_poor_channel_conditions", 34},
    {"request_declined", 37},
    {"invalid_parameters", 38},
    {"invalid_ie", 40},
    {"group_cipher_not_valid", 41},
    {"pairwise_cipher_not_valid", 42},
    {"akmp_not_valid", 43},
    {"unsupported_rsn_ie_version", 44},
    {"invalid_rsn_ie_capab", 45},
    {"cipher_rejected_per_policy", 46},
    {"invalid_pmkid", 53},
    {"unspecified", 1},
    {"ap_full", 17},
    {"try_later", 30},
};
#define SCN_NSTATUS_CODES ((int)(sizeof scn_status_codes / sizeof scn_status_codes[0]))

int scn_reason_value(const char *name)
{
    for (int i = 0; name != NULL && i < SCN_NREASONS; i++)
        if (strcmp(name, scn_reasons[i].name) == 0)
            return scn_reasons[i].code;
    return -1;
}

int scn_status_code_value(const char *name)
{
    for (int i = 0; name != NULL && i < SCN_NSTATUS_CODES; i++)
        if (strcmp(name, scn_status_codes[i].name) == 0)
            return scn_status_codes[i].code;
    return -1;
}

const char *scn_fault_name(scn_fault_kind k)
{
    return (int)k >= 0 && (int)k < SCN_NFAULTS ? scn_fault_names[k] : NULL;
}

const char *scn_expect_name(scn_expect_kind k)
{
    return (int)k >= 0 && (int)k < SCN_NEXPECTS ? scn_expect_names[k] : NULL;
}

int scn_status_value(const char *name)
{
    for (int i = 0; name != NULL && i < SCN_NSTATUS; i++)
        if (strcmp(name, scn_statuses[i].name) == 0)
            return scn_statuses[i].value;
    return -100;
}

const char *scn_status_name(int value)
{
    for (int i = 0; i < SCN_NSTATUS; i++)
        if (scn_statuses[i].value == value)
            return scn_statuses[i].name;
    /* Callers print it straight into messages about what the firmware did. */
    return "UNKNOWN";
}

/* ------------------------------------------------------------------ */
/* Sections. */

static int scn_do_capture(scn_ctx *c, const scn_node *n)
{
    static const char *const keys[] = {"snaplen", "ring_mb", "ring_files", "beacons", "monitor", "air", "wire", NULL};
    const scn_node *v[7];
    scenario *s = c->s;
    long long x;
    int rc = scn_fields(c, n, "capture", "", keys, v);
    if (rc != 0)
        return rc;
    if (v[0] != NULL) {
        if ((rc = scn_int(c, v[0], "capture.snaplen", 0, 262144, " bytes; 0 = whole frames", &x)) != 0)
            return rc;
        s->snaplen = (uint32_t)x;
    }
    if (v[1] != NULL) {
        if ((rc = scn_int(c, v[1], "capture.ring_mb", 0, 1048576, " MB; 0 = one unbounded file", &x)) != 0)
            return rc;
        s->ring_mb = (uint32_t)x;
    }
    if (v[2] != NULL) {
        if ((rc = scn_int(c, v[2], "capture.ring_files", 2, 1000, " files", &x)) != 0)
            return rc;
        s->ring_files = (int)x;
    }
    if (v[3] != NULL && (rc = scn_bool(c, v[3], "capture.beacons", &s->capture_beacons)) != 0)
        return rc;
    /* Where the air capture listens (radio_model/medium.h "Capture"). */
    if (v[4] != NULL) {
        if ((rc = scn_position(c, v[4], "capture.monitor", &s->monitor)) != 0)
            return rc;
        s->has_monitor = true;
    }
    /* Verdict-only runs: no file at all for a capture turned off. */
    if (v[5] != NULL && (rc = scn_bool(c, v[5], "capture.air", &s->capture_air)) != 0)
        return rc;
    if (v[6] != NULL && (rc = scn_bool(c, v[6], "capture.wire", &s->capture_wire)) != 0)
        return rc;
    return 0;
}

static int scn_channel(scn_ctx *c, const scn_node *n, const char *path, int *out)
{
    long long x = 0; /* set by scn_int_text on success; -O3 cannot tell */
    char shown[64];
    int rc = scn_int_text(c, n, path, "a 2.4 GHz channel, 1..13", &x);
    if (rc != 0)
        return rc;
    if (x < 1 || x > 13)
        return scn_fail(c, n, "%s: %s is not a 2.4 GHz channel (1..13)", path, scn_show(n, shown, sizeof shown));
    *out = (int)x;
    return 0;
}

static int scn_pool(scn_ctx *c, const scn_node *n, const char *path, uint32_t *start, uint32_t *end)
{
    const char *want = "a pool [first, last] of two IPv4 addresses, e.g. [10.0.2.15, 10.0.2.99]";
    char p[SCN_PATH];
    int rc = scn_seq(c, n, path, want);
    if (rc != 0)
        return rc;
    if (n->n != 2)
        return scn_fail(c, n, "%s: has %d entr%s (expected %s)", path, n->n, n->n == 1 ? "y" : "ies", want);
    uint32_t a[2];
    int i = 0;
    for (const scn_node *e = n->first; e != NULL; e = e->next, i++) {
        scn_path_index(p, path, i);
        if ((rc = scn_ipv4(c, e, p, &a[i])) != 0)
            return rc;
        if (a[i] == 0)
            return scn_fail(c, e, "%s: 0.0.0.0 is not a usable address", p);
    }
    if (a[0] > a[1])
        return scn_fail(c, n, "%s: first address %s is after last address %s (expected first <= last)", path,
                        n->first->text, n->last->text);
    *start = a[0];
    *end = a[1];
    return 0;
}

static int scn_pick(scn_ctx *c, const scn_node *n, const char *path, const char *what, const char *const *names,
                    int nnames, int *out);

static int scn_do_radius(scn_ctx *c, const scn_node *n, const char *path, scn_radius *r)
{
    static const char *const keys[] = {"secret", "latency", "server_cert", "users", "client_certs", NULL};
    static const char *const certs[] = {"ok", "expired", "untrusted"};
    const scn_node *v[5];
    char p[SCN_PATH], q[SCN_PATH];
    int rc = scn_fields(c, n, path, "", keys, v);
    if (rc != 0)
        return rc;
    snprintf(r->secret, sizeof r->secret, "linkrig");
    r->latency = SIM_MS(2);
    scn_path(p, path, "secret");
    if (v[0] != NULL && (rc = scn_str(c, v[0], p, 1, 63, "a shared secret of 1..63 bytes", r->secret,
                                      sizeof r->secret)) != 0)
        return rc;
    scn_path(p, path, "latency");
    if (v[1] != NULL && (rc = scn_dur(c, v[1], p, 0, "must be >= 0", &r->latency)) != 0)
        return rc;
    scn_path(p, path, "server_cert");
    if (v[2] != NULL && (rc = scn_pick(c, v[2], p, "server certificate", certs, 3, &r->server_cert)) != 0)
        return rc;
    if (v[3] != NULL) {
        scn_path(p, path, "users");
        if ((rc = scn_seq(c, v[3], p, "a list of {name, password}")) != 0)
            return rc;
        for (const scn_node *e = v[3]->first; e != NULL; e = e->next) {
            static const char *const ukeys[] = {"name", "password", NULL};
            const scn_node *uv[2];
            if (r->nusers == SCN_MAX_RADIUS_USERS)
                return scn_fail(c, e, "%s: at most %d users", p, SCN_MAX_RADIUS_USERS);
            scn_path_index(q, p, r->nusers);
            if ((rc = scn_fields(c, e, q, "", ukeys, uv)) != 0)
                return rc;
            if (uv[0] == NULL || uv[1] == NULL)
                return scn_missing(c, e, q, uv[0] == NULL ? "name" : "password", "a user needs both");
            char k[SCN_PATH];
            scn_path(k, q, "name");
            if ((rc = scn_name(c, uv[0], k, 63, "a user name of 1..63 characters from A-Z a-z 0-9 _ . -",
                               r->users[r->nusers].name, sizeof r->users[r->nusers].name)) != 0)
                return rc;
            scn_path(k, q, "password");
            if ((rc = scn_str(c, uv[1], k, 1, 63, "a password of 1..63 bytes", r->users[r->nusers].password,
                              sizeof r->users[r->nusers].password)) != 0)
                return rc;
            for (const char *ch = r->users[r->nusers].password; *ch; ch++)
                if (*ch == '"' || *ch == '\\' || (unsigned char)*ch < 32)
                    return scn_fail(c, uv[1], "%s: no quote, backslash or control character (FreeRADIUS's users "
                                              "file)", k);
            r->nusers++;
        }
    }
    if (v[4] != NULL) {
        scn_path(p, path, "client_certs");
        if ((rc = scn_seq(c, v[4], p, "a list of {cn, revoked}")) != 0)
            return rc;
        for (const scn_node *e = v[4]->first; e != NULL; e = e->next) {
            static const char *const ckeys[] = {"cn", "revoked", NULL};
            const scn_node *cv[2];
            if (r->nclient_certs == SCN_MAX_CLIENT_CERTS)
                return scn_fail(c, e, "%s: at most %d client certificates", p, SCN_MAX_CLIENT_CERTS);
            scn_path_index(q, p, r->nclient_certs);
            if ((rc = scn_fields(c, e, q, "", ckeys, cv)) != 0)
                return rc;
            if (cv[0] == NULL)
                return scn_missing(c, e, q, "cn", "the certificate's subject CN");
            char k[SCN_PATH];
            scn_path(k, q, "cn");
            if ((rc = scn_name(c, cv[0], k, 63, "a CN of 1..63 characters from A-Z a-z 0-9 _ . -",
                               r->client_certs[r->nclient_certs].cn, sizeof r->client_certs[r->nclient_certs].cn)) != 0)
                return rc;
            scn_path(k, q, "revoked");
            if (cv[1] != NULL && (rc = scn_bool(c, cv[1], k, &r->client_certs[r->nclient_certs].revoked)) != 0)
                return rc;
            r->nclient_certs++;
        }
    }
    return 0;
}

static int scn_ap_security(scn_ctx *c, const scn_node *n, const char *path, const scn_node *sec,
                           const scn_node *radius, scn_ap *ap)
{
    static const char *const names[] = {"open", "wpa2", "wpa3", "wpa3-transition", "wpa2-enterprise"};
    char p[SCN_PATH];
    int rc, i = -1;
    scn_path(p, path, "security");
    if (sec != NULL && (rc = scn_pick(c, sec, p, "security", names, 5, &i)) != 0)
        return rc;
    ap->security = i < 0 ? SCN_SEC_DEFAULT : SCN_SEC_OPEN + i;
    if (ap->security == SCN_SEC_OPEN && ap->passphrase[0] != '\0')
        return scn_fail(c, sec, "%s: an open network has no passphrase", p);
    if ((ap->security == SCN_SEC_WPA2 || ap->security == SCN_SEC_WPA3 || ap->security == SCN_SEC_WPA3_TRANSITION) &&
        ap->passphrase[0] == '\0')
        return scn_fail(c, sec, "%s: %s needs a passphrase (the SAE password for WPA3)", p, names[i]);
    if (ap->security == SCN_SEC_WPA2_ENTERPRISE) {
        if (ap->passphrase[0] != '\0')
            return scn_fail(c, sec, "%s: wpa2-enterprise has no passphrase (the RADIUS server holds the accounts)", p);
        if (radius == NULL)
            return scn_missing(c, n, path, "radius", "wpa2-enterprise needs its RADIUS server");
    }
    if (radius != NULL) {
        scn_path(p, path, "radius");
        if (ap->security != SCN_SEC_WPA2_ENTERPRISE)
            return scn_fail(c, radius, "%s: only a wpa2-enterprise AP has a RADIUS server", p);
        return scn_do_radius(c, radius, p, &ap->radius);
    }
    return 0;
}

static int scn_do_ap(scn_ctx *c, const scn_node *n, const char *path, scn_ap *ap)
{
    static const char *const keys[] = {"name",     "ssid", "passphrase",   "channel",   "position", "tx_power",
                                       "dhcp",     "max_stations", "hidden", "gtk_rekey", "network", "dtim_period",
                                       "max_inactivity", "security", "radius", NULL};
    const scn_node *v[15];
    char p[SCN_PATH];
    int rc = scn_fields(c, n, path, "", keys, v);
    if (rc != 0)
        return rc;
    ap->line = n->line;
    ap->network = -1;
    if (v[10] != NULL) {
        scn_path(p, path, "network");
        const scenario *s = c->s;
        char names[SCN_MAX_APS * 34] = "";
        size_t len = 0;
        for (int i = 0; i < s->nnetworks; i++) {
            if (v[10]->type == SCN_N_SCALAR && strcmp(s->networks[i].name, v[10]->text) == 0)
                ap->network = i;
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "", s->networks[i].name);
        }
        if (ap->network < 0)
            return scn_fail(c, v[10], "%s: no network named '%s' in world.networks (%s)", p,
                            v[10]->type == SCN_N_SCALAR ? v[10]->text : "?", s->nnetworks ? names : "there is none");
        if (v[6] != NULL)
            return scn_fail(c, v[6], "%s.dhcp: the AP is on network %s, whose DHCP server is set in "
                                     "world.networks (line %d)", path, v[10]->text, s->networks[ap->network].line);
    }
    ap->channel = 6;
    ap->tx_power_dbm = 20;
    ap->lease = SIM_SEC(3600);
    ap->max_stations = 16;
    ap->dtim_period = 2;
    ap->max_inactivity = SIM_SEC(300);
    if (v[0] == NULL)
        return scn_missing(c, n, path, "name", "a unique name such as ap1");
    scn_path(p, path, "name");
    if ((rc = scn_name(c, v[0], p, sizeof ap->name - 1, "a name of 1..31 characters from A-Z a-z 0-9 _ . -",
                       ap->name, sizeof ap->name)) != 0)
        return rc;
    if (v[1] == NULL)
        return scn_missing(c, n, path, "ssid", "the network name, 1..32 bytes");
    scn_path(p, path, "ssid");
    if ((rc = scn_str(c, v[1], p, 1, 32, "an SSID of 1..32 bytes", ap->ssid, sizeof ap->ssid)) != 0)
        return rc;
    scn_path(p, path, "passphrase");
    if (v[2] != NULL && (rc = scn_passphrase(c, v[2], p, ap->passphrase, sizeof ap->passphrase)) != 0)
        return rc;
    scn_path(p, path, "channel");
    if (v[3] != NULL && (rc = scn_channel(c, v[3], p, &ap->channel)) != 0)
        return rc;
    scn_path(p, path, "position");
    if (v[4] != NULL && (rc = scn_position(c, v[4], p, &ap->pos)) != 0)
        return rc;
    scn_path(p, path, "tx_power");
    if (v[5] != NULL && (rc = scn_num(c, v[5], p, -10, 30, " dBm", &ap->tx_power_dbm)) != 0)
        return rc;
    long long x;
    scn_path(p, path, "max_stations");
    /* Each associated station needs an AID (9.4.1.8: 1..2007). */
    if (v[7] != NULL) {
        if ((rc = scn_int(c, v[7], p, 1, 2007, " stations", &x)) != 0)
            return rc;
        ap->max_stations = (int)x;
    }
    scn_path(p, path, "hidden");
    if (v[8] != NULL && (rc = scn_bool(c, v[8], p, &ap->hidden)) != 0)
        return rc;
    scn_path(p, path, "gtk_rekey");
    if (v[9] != NULL) {
        if ((rc = scn_dur(c, v[9], p, SIM_SEC(1), "must be >= 1s", &ap->gtk_rekey)) != 0)
            return rc;
        if (ap->gtk_rekey % SIM_SEC(1) != 0)
            return scn_fail(c, v[9], "%s: %s is not a whole number of seconds (hostapd's wpa_group_rekey is in "
                                     "seconds)", p, v[9]->text);
        if (ap->passphrase[0] == '\0')
            return scn_fail(c, v[9], "%s: an open network has no group key to rekey (give a passphrase)", p);
    }
    scn_path(p, path, "dtim_period");
    if (v[11] != NULL) {
        if ((rc = scn_int(c, v[11], p, 1, 255, " beacons", &x)) != 0)
            return rc;
        ap->dtim_period = (int)x;
    }
    scn_path(p, path, "max_inactivity");
    if (v[12] != NULL) {
        if ((rc = scn_dur(c, v[12], p, 0, "must be >= 0 (0 = never)", &ap->max_inactivity)) != 0)
            return rc;
        if (ap->max_inactivity % SIM_SEC(1) != 0)
            return scn_fail(c, v[12], "%s: %s is not a whole number of seconds (hostapd's ap_max_inactivity is in "
                                      "seconds)", p, v[12]->text);
    }
    const scn_node *dhcp = scn_section(keys, v, "dhcp");
    if (dhcp != NULL) {
        static const char *const dkeys[] = {"lease", "pool", NULL};
        const scn_node *dv[2];
        char dpath[SCN_PATH];
        scn_path(dpath, path, "dhcp");
        if ((rc = scn_fields(c, dhcp, dpath, "", dkeys, dv)) != 0)
            return rc;
        scn_path(p, dpath, "lease");
        if (dv[0] != NULL && (rc = scn_dur(c, dv[0], p, SIM_SEC(1), "must be >= 1s", &ap->lease)) != 0)
            return rc;
        if (dv[0] != NULL && ap->lease % SIM_SEC(1) != 0)
            return scn_fail(c, dv[0], "%s: %s is not a whole number of seconds (DHCP leases are in seconds)", p,
                            dv[0]->text);
        scn_path(p, dpath, "pool");
        if (dv[1] != NULL && (rc = scn_pool(c, dv[1], p, &ap->pool_start, &ap->pool_end)) != 0)
            return rc;
    }
    return scn_ap_security(c, n, path, v[13], v[14], ap);
}

/* The chip's power management as cyw43_wifi_pm takes it: a name of the
 * cyw43-driver's presets (src/cyw43.h: CYW43_NONE_PM, CYW43_AGGRESSIVE_PM,
 * CYW43_PERFORMANCE_PM = CYW43_DEFAULT_PM, from cyw43_pm_value) or a raw
 * pm value whose mode (bits 0-3) is 0, 1 or 2. */
static int scn_pm(scn_ctx *c, const scn_node *n, const char *path, uint32_t *out)
{
    static const struct {
        const char *name;
        uint32_t pm;
    } presets[] = {
        {"none", 0x000010u},        /* CYW43_NONE_PM: mode 0 */
        {"aggressive", 0x000011u},  /* CYW43_AGGRESSIVE_PM: PM1 */
        {"performance", 0xa11142u}, /* CYW43_PERFORMANCE_PM: PM2, 200 ms, li 1/1/10 */
        {"default", 0xa11142u},     /* CYW43_DEFAULT_PM */
    };
    int rc = scn_scalar(c, n, path, "none, aggressive, performance, default or a cyw43 pm value");
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
        if (n->len == strlen(presets[i].name) && memcmp(n->text, presets[i].name, n->len) == 0) {
            *out = presets[i].pm;
            return 0;
        }
    long long x;
    /* Not a preset and not a number: name the presets, not just the range. */
    if (n->len == 0 || strspn(n->text, "0123456789xXabcdefABCDEF") != n->len)
        return scn_fail(c, n, "%s: '%s' is not a power-management mode (none, aggressive, performance, default, or "
                              "a cyw43 pm value 0..16777215)",
                        path, n->text);
    if ((rc = scn_int(c, n, path, 0, 0xffffff, "", &x)) != 0)
        return rc;
    if ((x & 0xf) > 2)
        return scn_fail(c, n, "%s: pm mode %lld (bits 0-3) is not one of 0 (none), 1 (PM1), 2 (PM2)", path, x & 0xf);
    *out = (uint32_t)x;
    return 0;
}

static int scn_do_device(scn_ctx *c, const scn_node *n, const char *path, scn_device *d, bool named)
{
    static const char *const keys[] = {"position", "tx_power", "lan", "firmware", "name", "settings", "pm", NULL};
    static const char *const one_keys[] = {"position", "tx_power", "lan", "firmware", "pm", NULL};
    const scn_node *dv[7] = {0};
    char p[SCN_PATH];
    int rc;
    if ((rc = scn_fields(c, n, path, "", named ? keys : one_keys, dv)) != 0)
        return rc;
    d->line = n->line;
    if (named) {
        if (dv[4] == NULL)
            return scn_missing(c, n, path, "name", "a unique name such as cam1");
        scn_path(p, path, "name");
        if ((rc = scn_name(c, dv[4], p, sizeof d->name - 1, "a name of 1..31 characters from A-Z a-z 0-9 _ . -",
                           d->name, sizeof d->name)) != 0)
            return rc;
    }
    scn_path(p, path, "position");
    if (dv[0] != NULL && (rc = scn_position(c, dv[0], p, &d->pos)) != 0)
        return rc;
    scn_path(p, path, "tx_power");
    if (dv[1] != NULL && (rc = scn_num(c, dv[1], p, -10, 30, " dBm", &d->tx_power_dbm)) != 0)
        return rc;
    scn_path(p, path, "lan");
    if (dv[2] != NULL && (rc = scn_bool(c, dv[2], p, &d->lan)) != 0)
        return rc;
    scn_path(p, path, "pm");
    const scn_node *pmn = named ? dv[6] : dv[4];
    if (pmn != NULL && (rc = scn_pm(c, pmn, p, &d->pm)) != 0)
        return rc;
    if (dv[3] != NULL) {
        char rel[512];
        scn_path(p, path, "firmware");
        if ((rc = scn_str(c, dv[3], p, 1, sizeof rel - 1, "a path to a firmware image", rel, sizeof rel)) != 0)
            return rc;
        /* A relative path is relative to the scenario file, so a scenario
         * and its image can move together. */
        const scenario *s = c->s;
        const char *slash = strrchr(s->path, '/');
        if (rel[0] == '/' || slash == NULL)
            snprintf(d->firmware, sizeof d->firmware, "%s", rel);
        else if (snprintf(d->firmware, sizeof d->firmware, "%.*s/%s", (int)(slash - s->path), s->path, rel) >=
                 (int)sizeof d->firmware)
            return scn_fail(c, dv[3], "%s: path too long", p);
        /* The image the scenario is for may be built later or elsewhere
         * (--firmware then names it), so an unreadable one is not a parse
         * error; a run that needs it refuses with this position
         * (scenario.firmware_missing) and never runs the bundled camera
         * in its place. */
        if (access(d->firmware, R_OK) != 0 && c->s->firmware_missing[0] == '\0')
            snprintf(c->s->firmware_missing, sizeof c->s->firmware_missing,
                     "%s:%d:%d: %s: cannot read the image %s this scenario is for (%s; a relative path is relative "
                     "to this file): build it, or give --firmware IMAGE.so; the bundled camera is not run in its "
                     "place", c->path, dv[3]->line, dv[3]->col, p, d->firmware, strerror(errno));
    }
    if (named && dv[5] != NULL) {
        scn_path(p, path, "settings");
        if (dv[5]->type != SCN_N_MAP)
            return scn_fail(c, dv[5], "%s: expected a mapping of firmware settings such as {camera.period_ms: 500}",
                            p);
        for (const scn_node *k = dv[5]->first; k != NULL && k->next != NULL; k = k->next->next) {
            if (d->nsettings == SCN_MAX_DEVICE_SETTINGS)
                return scn_fail_limit(c, k, "%s: too many settings (at most %d)", p, SCN_MAX_DEVICE_SETTINGS);
            const scn_node *val = k->next;
            if (k->type != SCN_N_SCALAR || k->len == 0 || k->len >= sizeof d->settings[0].key)
                return scn_fail(c, k, "%s: a setting's key must be a name of 1..63 characters", p);
            if (val->type != SCN_N_SCALAR || val->len >= sizeof d->settings[0].value)
                return scn_fail(c, val, "%s.%s: a setting's value must be a plain value of at most 127 characters",
                                p, k->text);
            snprintf(d->settings[d->nsettings].key, sizeof d->settings[0].key, "%s", k->text);
            snprintf(d->settings[d->nsettings].value, sizeof d->settings[0].value, "%s", val->text);
            d->nsettings++;
        }
    }
    return 0;
}

/* A reference by name to one of names[0..count-1]: its index, or a located
 * error listing the names there are ("no NOUN named 'x'WHERE (there: ...)"). */
static int scn_name_ref(scn_ctx *c, const scn_node *n, const char *path, const char *const *names, int count,
                        const char *want, const char *noun, const char *where, int *out)
{
    char shown[64], known[400];
    scn_join(names, count, known, sizeof known);
    int rc = scn_scalar(c, n, path, want);
    if (rc != 0)
        return rc;
    for (int i = 0; i < count; i++)
        if (strcmp(n->text, names[i]) == 0 && strlen(n->text) == n->len) {
            *out = i;
            return 0;
        }
    return scn_fail(c, n, "%s: no %s named '%s'%s (there: %s)", path, noun, scn_show(n, shown, sizeof shown), where,
                    known);
}

static int scn_device_ref(scn_ctx *c, const scn_node *n, const char *path, int *out)
{
    const scenario *s = c->s;
    const char *names[SCN_MAX_DEVICES];
    for (int i = 0; i < s->ndevices; i++)
        names[i] = s->devices[i].name;
    return scn_name_ref(c, n, path, names, s->ndevices, "the name of a device in world.devices", "device", "", out);
}

#define SCN_UPLINK_NET 0x0a000200u  /* slirp's network, 10.0.2.0/24 */
#define SCN_UPLINK_MASK 0xffffff00u
#define SCN_UPLINK_GW 0x0a000202u   /* slirp's gateway */

static int scn_moved_pool(scn_ctx *c, const char *path, const scn_node *pool, const scn_node *mask,
                          const scn_node *router, scn_fault *f);

/* One entry of world.networks: a pool (required), netmask, router (on the
 * uplink's 10.0.2.0/24 its gateway .2, else the subnet's first address),
 * lease; checked as a moved pool is (what the uplink can serve). */
static int scn_do_network(scn_ctx *c, const scn_node *n, const char *path, scn_network *net)
{
    static const char *const keys[] = {"name", "pool", "netmask", "router", "lease", NULL};
    const scn_node *v[5];
    char p[SCN_PATH];
    int rc = scn_fields(c, n, path, "", keys, v);
    if (rc != 0)
        return rc;
    net->line = n->line;
    net->lease = SIM_SEC(3600);
    if (v[0] == NULL)
        return scn_missing(c, n, path, "name", "a unique name such as lan1, for the APs' network: key");
    scn_path(p, path, "name");
    if ((rc = scn_name(c, v[0], p, sizeof net->name - 1, "a name of 1..31 characters from A-Z a-z 0-9 _ . -",
                       net->name, sizeof net->name)) != 0)
        return rc;
    if (v[1] == NULL)
        return scn_missing(c, n, path, "pool", "the DHCP pool, e.g. pool: [10.0.2.15, 10.0.2.99]");
    scn_fault f;
    memset(&f, 0, sizeof f);
    if ((rc = scn_moved_pool(c, path, v[1], v[2], v[3], &f)) != 0)
        return rc;
    net->pool_start = f.pool_start;
    net->pool_end = f.pool_end;
    net->netmask = f.netmask;
    net->router = f.router;
    uint32_t sub = f.pool_start & f.netmask;
    if (net->router == 0) {
        net->router = sub == SCN_UPLINK_NET ? SCN_UPLINK_GW : sub + 1;
        if (net->router >= net->pool_start && net->router <= net->pool_end)
            return scn_fail(c, v[1], "%s.pool: holds %u.%u.%u.%u, the default router; give router:", path,
                            net->router >> 24, net->router >> 16 & 255, net->router >> 8 & 255, net->router & 255);
    }
    /* The server takes the highest host address outside pool and router. */
    uint32_t h = (sub | ~f.netmask) - 1;
    while (h > sub && (h == net->router || (h >= net->pool_start && h <= net->pool_end)))
        h--;
    if (h == sub)
        return scn_fail(c, v[1], "%s.pool: leaves no address in the subnet for the DHCP server", path);
    scn_path(p, path, "lease");
    if (v[4] != NULL && (rc = scn_dur(c, v[4], p, SIM_SEC(1), "must be >= 1s", &net->lease)) != 0)
        return rc;
    if (v[4] != NULL && net->lease % SIM_SEC(1) != 0)
        return scn_fail(c, v[4], "%s: %s is not a whole number of seconds (DHCP leases are in seconds)", p,
                        v[4]->text);
    return 0;
}

/* The pool an AP's own network hands out (sim/world.h): the AP's dhcp.pool,
 * else .15-.99 of 10.0.2.0/24 for the first AP and of 10.0.(2+i).0/24 for
 * AP i. */
void scn_ap_pool(const scenario *s, int i, uint32_t *start, uint32_t *end)
{
    const scn_ap *a = &s->aps[i];
    if (a->pool_start != 0) {
        *start = a->pool_start;
        *end = a->pool_end;
        return;
    }
    uint32_t net = SCN_UPLINK_NET + ((uint32_t)i << 8);
    *start = net | 15;
    *end = net | 99;
}

/* Two DHCP servers never hand out one address: the pools of every network
 * (shared ones and each AP's own) are disjoint, and every shared network
 * has an AP. */
static int scn_check_networks(scn_ctx *c, const scn_node *nets_node, const scn_node *aps_node)
{
    const scenario *s = c->s;
    struct {
        uint32_t a, b;
        const scn_node *node;
        char what[64];
        char path[48];
    } pools[2 * SCN_MAX_APS];
    int n = 0;
    const scn_node *e = nets_node != NULL ? nets_node->first : NULL;
    for (int i = 0; i < s->nnetworks; i++, e = e->next) {
        bool used = false;
        for (int k = 0; k < s->naps; k++)
            used = used || s->aps[k].network == i;
        if (!used)
            return scn_fail(c, e, "world.networks[%d]: no AP is on network %s (give an AP network: %s)", i,
                            s->networks[i].name, s->networks[i].name);
        pools[n].a = s->networks[i].pool_start;
        pools[n].b = s->networks[i].pool_end;
        pools[n].node = scn_child(e, "pool");
        snprintf(pools[n].path, sizeof pools[0].path, "world.networks[%d].pool", i);
        snprintf(pools[n++].what, sizeof pools[0].what, "network %s", s->networks[i].name);
    }
    e = aps_node->first;
    for (int i = 0; i < s->naps; i++, e = e->next) {
        if (s->aps[i].network >= 0)
            continue;
        scn_ap_pool(s, i, &pools[n].a, &pools[n].b);
        bool given = s->aps[i].pool_start != 0;
        pools[n].node = given ? scn_child(scn_child(e, "dhcp"), "pool") : e;
        snprintf(pools[n].path, sizeof pools[0].path, given ? "world.aps[%d].dhcp.pool" : "world.aps[%d]", i);
        snprintf(pools[n++].what, sizeof pools[0].what, given ? "AP %s's own network" : "AP %s's own network (its default)",
                 s->aps[i].name);
    }
    for (int i = 1; i < n; i++)
        for (int k = 0; k < i; k++)
            if (pools[i].a <= pools[k].b && pools[k].a <= pools[i].b)
                return scn_fail(c, pools[i].node,
                                "%s: the DHCP pool %u.%u.%u.%u-%u.%u.%u.%u of %s overlaps the pool of %s (line %d), "
                                "so two servers could hand one address to two devices; put APs that share a LAN "
                                "on one network (world.networks) or give the pools apart", pools[i].path,
                                pools[i].a >> 24, pools[i].a >> 16 & 255, pools[i].a >> 8 & 255, pools[i].a & 255,
                                pools[i].b >> 24, pools[i].b >> 16 & 255, pools[i].b >> 8 & 255, pools[i].b & 255,
                                pools[i].what, pools[k].what, pools[k].node->line);
    return 0;
}

static int scn_do_world(scn_ctx *c, const scn_node *n)
{
    static const char *const keys[] = {"aps", "device", "devices", "networks", NULL};
    const scn_node *v[4];
    scenario *s = c->s;
    char p[SCN_PATH];
    int rc = scn_fields(c, n, "world", "", keys, v);
    if (rc != 0)
        return rc;
    /* Networks first: the APs name them. */
    const scn_node *nets = scn_section(keys, v, "networks");
    if (nets != NULL) {
        if ((rc = scn_seq(c, nets, "world.networks", "a list of networks")) != 0)
            return rc;
        for (const scn_node *e = nets->first; e != NULL; e = e->next) {
            if (s->nnetworks == SCN_MAX_APS)
                return scn_fail_limit(c, e, "world.networks[%d]: too many networks (at most %d)", s->nnetworks,
                                      SCN_MAX_APS);
            scn_path_index(p, "world.networks", s->nnetworks);
            scn_network *net = &s->networks[s->nnetworks];
            if ((rc = scn_do_network(c, e, p, net)) != 0)
                return rc;
            for (int i = 0; i < s->nnetworks; i++)
                if (strcmp(s->networks[i].name, net->name) == 0)
                    return scn_fail(c, scn_child(e, "name"),
                                    "%s.name: duplicate network name '%s' (first used at line %d)", p, net->name,
                                    s->networks[i].line);
            s->nnetworks++;
        }
    }
    if (v[0] == NULL)
        return scn_missing(c, n, "world", "aps", "a list of 1..8 access points");
    if ((rc = scn_seq(c, v[0], "world.aps", "a list of 1..8 access points")) != 0)
        return rc;
    if (v[0]->n == 0)
        return scn_fail(c, v[0], "world.aps: is empty (expected 1..%d access points)", SCN_MAX_APS);
    for (const scn_node *e = v[0]->first; e != NULL; e = e->next) {
        if (s->naps == SCN_MAX_APS)
            return scn_fail_limit(c, e, "world.aps[%d]: too many access points (at most %d)", s->naps, SCN_MAX_APS);
        scn_path_index(p, "world.aps", s->naps);
        scn_ap *ap = &s->aps[s->naps];
        if ((rc = scn_do_ap(c, e, p, ap)) != 0)
            return rc;
        for (int i = 0; i < s->naps; i++)
            if (strcmp(s->aps[i].name, ap->name) == 0)
                return scn_fail(c, scn_child(e, "name"),
                                "%s.name: duplicate access point name '%s' (first used at line %d)", p, ap->name,
                                s->aps[i].line);
        s->naps++;
    }
    if ((rc = scn_check_networks(c, nets, v[0])) != 0)
        return rc;
    const scn_node *dev = scn_section(keys, v, "device");
    const scn_node *devs = scn_section(keys, v, "devices");
    if (dev != NULL && devs != NULL)
        return scn_fail(c, devs, "world.devices: give either world.device (one device) or world.devices, not both "
                                 "(world.device is at line %d)",
                        dev->line);
    if (dev != NULL && (rc = scn_do_device(c, dev, "world.device", &s->devices[0], false)) != 0)
        return rc;
    if (devs != NULL) {
        if ((rc = scn_seq(c, devs, "world.devices", "a list of devices")) != 0)
            return rc;
        if (devs->n == 0)
            return scn_fail(c, devs, "world.devices: is empty (expected 1..%d devices)", SCN_MAX_DEVICES);
        s->ndevices = 0;
        for (const scn_node *e = devs->first; e != NULL; e = e->next) {
            if (s->ndevices == SCN_MAX_DEVICES)
                return scn_fail_limit(c, e, "world.devices[%d]: too many devices (at most %d)", s->ndevices,
                                      SCN_MAX_DEVICES);
            scn_path_index(p, "world.devices", s->ndevices);
            scn_device *d = &s->devices[s->ndevices];
            d->tx_power_dbm = 20;
            if ((rc = scn_do_device(c, e, p, d, true)) != 0)
                return rc;
            for (int i = 0; i < s->ndevices; i++)
                if (strcmp(s->devices[i].name, d->name) == 0)
                    return scn_fail(c, scn_child(e, "name"),
                                    "%s.name: duplicate device name '%s' (first used at line %d)", p, d->name,
                                    s->devices[i].line);
            s->ndevices++;
        }
    }
    return 0;
}

static int scn_do_eap(scn_ctx *c, const scn_node *n)
{
    static const char *const keys[] = {"method", "identity", "anonymous_identity", "password", "ca_cert",
                                       "client_cert", NULL};
    static const char *const methods[] = {"peap", "ttls", "tls"};
    const scn_node *v[6];
    scenario *s = c->s;
    int rc = scn_fields(c, n, "firmware.eap", "", keys, v), m;
    if (rc != 0)
        return rc;
    if (v[0] == NULL)
        return scn_missing(c, n, "firmware.eap", "method", "peap, ttls or tls");
    if ((rc = scn_pick(c, v[0], "firmware.eap.method", "EAP method", methods, 3, &m)) != 0)
        return rc;
    snprintf(s->fw_eap_method, sizeof s->fw_eap_method, "%s", methods[m]);
    if (v[1] == NULL)
        return scn_missing(c, n, "firmware.eap", "identity", "the user name");
    if ((rc = scn_str(c, v[1], "firmware.eap.identity", 1, 127, "an identity of 1..127 bytes", s->fw_eap_identity,
                      sizeof s->fw_eap_identity)) != 0)
        return rc;
    if (v[2] != NULL && (rc = scn_str(c, v[2], "firmware.eap.anonymous_identity", 1, 127,
                                      "an identity of 1..127 bytes", s->fw_eap_anonymous, sizeof s->fw_eap_anonymous)) != 0)
        return rc;
    if (v[3] != NULL && (rc = scn_str(c, v[3], "firmware.eap.password", 1, 127, "a password of 1..127 bytes",
                                      s->fw_eap_password, sizeof s->fw_eap_password)) != 0)
        return rc;
    if (m != 2 && v[3] == NULL)
        return scn_missing(c, n, "firmware.eap", "password", "peap and ttls need one");
    s->fw_eap_ca = true;
    if (v[4] != NULL && (rc = scn_bool(c, v[4], "firmware.eap.ca_cert", &s->fw_eap_ca)) != 0)
        return rc;
    if (v[5] != NULL && (rc = scn_name(c, v[5], "firmware.eap.client_cert", 63,
                                       "the CN of a radius.client_certs entry", s->fw_eap_client_cert,
                                       sizeof s->fw_eap_client_cert)) != 0)
        return rc;
    if (m == 2 && v[5] == NULL)
        return scn_missing(c, n, "firmware.eap", "client_cert", "tls needs a client certificate");
    return 0;
}

static int scn_do_firmware(scn_ctx *c, const scn_node *n)
{
    static const char *const keys[] = {"ssid",        "key",         "connect_timeout", "attempt_timeout",
                                       "backoff",     "power_cycle", "frame_period",    "frame_bytes",
                                       "security",    "eap",         NULL};
    const scn_node *v[10];
    scenario *s = c->s;
    long long x;
    int rc = scn_fields(c, n, "firmware", "", keys, v);
    if (rc != 0)
        return rc;
    if (v[8] != NULL) {
        static const char *const secs[] = {"auto", "wpa2", "wpa-wpa2", "wpa3", "wpa2-wpa3"};
        int i;
        if ((rc = scn_pick(c, v[8], "firmware.security", "security", secs, 5, &i)) != 0)
            return rc;
        snprintf(s->fw_security, sizeof s->fw_security, "%s", secs[i]);
    }
    if (v[9] != NULL && (rc = scn_do_eap(c, v[9])) != 0)
        return rc;
    if (v[0] != NULL && (rc = scn_str(c, v[0], "firmware.ssid", 1, 32, "an SSID of 1..32 bytes", s->fw_ssid,
                                      sizeof s->fw_ssid)) != 0)
        return rc;
    if (v[1] != NULL) {
        if ((rc = scn_passphrase(c, v[1], "firmware.key", s->fw_key, sizeof s->fw_key)) != 0)
            return rc;
        s->fw_key_set = true;
    }
    const char *tmo = "0 = wait forever, else >= 1ms";
    if (v[2] != NULL && (rc = scn_dur_ms(c, v[2], "firmware.connect_timeout", 0, tmo, &s->connect_timeout)) != 0)
        return rc;
    if (v[3] != NULL && (rc = scn_dur_ms(c, v[3], "firmware.attempt_timeout", 0, tmo, &s->attempt_timeout)) != 0)
        return rc;
    if (v[4] != NULL) {
        char p[SCN_PATH];
        if ((rc = scn_seq(c, v[4], "firmware.backoff", "a list of 0..16 durations, e.g. [1s, 2s, 4s]")) != 0)
            return rc;
        s->nbackoff = 0;
        for (const scn_node *e = v[4]->first; e != NULL; e = e->next) {
            if (s->nbackoff == SCN_MAX_BACKOFF)
                return scn_fail_limit(c, e, "firmware.backoff[%d]: too many entries (at most %d)", s->nbackoff,
                                      SCN_MAX_BACKOFF);
            scn_path_index(p, "firmware.backoff", s->nbackoff);
            if ((rc = scn_dur_ms(c, e, p, 0, "must be >= 0", &s->backoff[s->nbackoff])) != 0)
                return rc;
            s->nbackoff++;
        }
    }
    if (v[5] != NULL && (rc = scn_bool(c, v[5], "firmware.power_cycle", &s->power_cycle)) != 0)
        return rc;
    if (v[6] != NULL &&
        (rc = scn_dur_ms(c, v[6], "firmware.frame_period", SIM_MS(1), "must be >= 1ms", &s->frame_period)) != 0)
        return rc;
    if (v[7] != NULL) {
        if ((rc = scn_int(c, v[7], "firmware.frame_bytes", 1, 1048576, " bytes", &x)) != 0)
            return rc;
        s->frame_bytes = (uint32_t)x;
    }
    return 0;
}

static const char *const *scn_fault_keys(scn_fault_kind k)
{
    static const char *const reboot[] = {"at", "fault", "ap", "duration", "keep_leases", "channel", NULL};
    static const char *const onoff[] = {"at", "fault", "ap", NULL};
    static const char *const pass[] = {"at", "fault", "ap", "passphrase", NULL};
    static const char *const txp[] = {"at", "fault", "ap", "tx_power", NULL};
    static const char *const move[] = {"at", "fault", "to", "speed", "device", NULL};
    static const char *const dhcp[] = {"at", "fault", "ap", "lan", "mode", "lease", "pool", "netmask", "router", NULL};
    static const char *const kick[] = {"at", "fault", "ap", "reason", "device", NULL};
    static const char *const refuse[] = {"at", "fault", "ap", "status", "duration", "comeback", NULL};
    static const char *const gkmiss[] = {"at", "fault", "duration", "device", NULL};
    static const char *const cmove[] = {"at", "fault", "pool", "netmask", "router", "pause", "lease", "device", NULL};
    static const char *const wedge[] = {"at", "fault", "mode", "survives_power_cycles", "device", NULL};
    static const char *const cable[] = {"at", "fault", "duration", "device", NULL};
    static const char *const service[] = {"at", "fault", "service", "mode", "delay", "duration", NULL};
    static const char *const console[] = {"at", "console", "device", NULL};
    static const char *const rdown[] = {"at", "fault", "ap", "duration", NULL};
    static const char *const rslow[] = {"at", "fault", "ap", "delay", "duration", NULL};
    static const char *const spoof[] = {"at", "fault", "ap", "device", "reason", NULL};
    static const char *const rcert[] = {"at", "fault", "ap", "cert", "duration", NULL};
    static const char *const rrevoke[] = {"at", "fault", "ap", "cn", "revoked", "duration", NULL};
    static const char *const ruser[] = {"at", "fault", "ap", "user", "password", "removed", "duration", NULL};
    switch (k) {
    case SCN_F_RADIUS_SERVER_CERT: return rcert;
    case SCN_F_RADIUS_REVOKE: return rrevoke;
    case SCN_F_RADIUS_USER: return ruser;
    case SCN_F_CONSOLE: return console;
    case SCN_F_SERVICE: return service;
    case SCN_F_AP_REBOOT: return reboot;
    case SCN_F_AP_OFF:
    case SCN_F_AP_ON: return onoff;
    case SCN_F_AP_PASSPHRASE: return pass;
    case SCN_F_AP_TX_POWER: return txp;
    case SCN_F_MOVE_DEVICE: return move;
    case SCN_F_DHCP: return dhcp;
    case SCN_F_RADIO_WEDGE: return wedge;
    case SCN_F_CABLE_PULL: return cable;
    case SCN_F_AP_DEAUTH:
    case SCN_F_AP_DISASSOC: return kick;
    case SCN_F_AP_REFUSE: return refuse;
    case SCN_F_GROUP_KEY_MISS: return gkmiss;
    case SCN_F_CABLE_MOVE: return cmove;
    case SCN_F_RADIUS_DOWN:
    case SCN_F_DOWNGRADE:
    case SCN_F_SAE_ANTI_CLOGGING: return rdown;
    case SCN_F_RADIUS_SLOW: return rslow;
    case SCN_F_SPOOFED_DEAUTH: return spoof;
    }
    return onoff;
}

/* Picks one of names by a scalar's text; -1 with a message otherwise. */
static int scn_pick(scn_ctx *c, const scn_node *n, const char *path, const char *what, const char *const *names,
                    int nnames, int *out)
{
    char shown[64], known[400], hint[80], want[460];
    scn_join(names, nnames, known, sizeof known);
    snprintf(want, sizeof want, "%s: %s", what, known);
    int rc = scn_scalar(c, n, path, want);
    if (rc != 0)
        return rc;
    for (int i = 0; i < nnames; i++)
        if (strcmp(n->text, names[i]) == 0 && strlen(n->text) == n->len) {
            *out = i;
            return 0;
        }
    return scn_fail(c, n, "%s: unknown %s '%s' (known: %s%s)", path, what, scn_show(n, shown, sizeof shown), known,
                    scn_suggest(n->text, names, nnames, hint, sizeof hint));
}

static int scn_ap_ref(scn_ctx *c, const scn_node *n, const char *path, int *out)
{
    const scenario *s = c->s;
    const char *names[SCN_MAX_APS];
    for (int i = 0; i < s->naps; i++)
        names[i] = s->aps[i].name;
    return scn_name_ref(c, n, path, names, s->naps, "the name of an access point in world.aps", "access point",
                        " in world.aps", out);
}

/* ------------------------------------------------------------------ */
/* Services (scenario.h: "Services"). */

static const char *const scn_service_kinds[] = {
    [SCN_S_SINK] = "sink",         [SCN_S_TCP_ECHO] = "tcp_echo", [SCN_S_TCP_GREETER] = "tcp_greeter",
    [SCN_S_UDP_ECHO] = "udp_echo", [SCN_S_DNS] = "dns",           [SCN_S_NTP] = "ntp",
};
#define SCN_NSERVICE_KINDS ((int)(sizeof scn_service_kinds / sizeof scn_service_kinds[0]))

static const struct {
    uint32_t ip;
    uint16_t port;
} scn_service_default[] = {
    [SCN_S_SINK] = {0x0a000264u, 9000},    [SCN_S_TCP_ECHO] = {0x0a000265u, 7}, [SCN_S_TCP_GREETER] = {0x0a000266u, 2323},
    [SCN_S_UDP_ECHO] = {0x0a000267u, 7},   [SCN_S_DNS] = {0x0a000203u, 53},     [SCN_S_NTP] = {0x0a00027bu, 123},
};

#define SCN_NTP_EPOCH_MAX 2085978495LL /* 2036-02-07T06:28:15Z: the end of NTP era 0 */
#define SCN_DNS_NAME_MAX 253

/* The rule sim/services.h's svc_dns_name_ok keeps (this library does not
 * link the services): labels of 1..63 letters, digits, '-' or '_'. */
static bool scn_dns_name_ok(const char *t)
{
    size_t label = 0;
    for (;; t++) {
        if (*t == '.' || *t == '\0') {
            if (label == 0 || label > 63)
                return false;
            if (*t == '\0')
                return true;
            label = 0;
            continue;
        }
        char ch = *t;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
              ch == '_'))
            return false;
        label++;
    }
}

static bool scn_service_udp(scn_service_kind k)
{
    return k == SCN_S_UDP_ECHO || k == SCN_S_DNS || k == SCN_S_NTP;
}

/* Why an address cannot hold a service, or NULL when it can. */
static const char *scn_service_addr_bad(const scenario *s, scn_service_kind kind, uint32_t ip)
{
    uint32_t host = ip & 0xffu;
    if ((ip & 0xffffff00u) != 0x0a000200u)
        return "is not on the rig's network 10.0.2.0/24";
    if (host == 0 || host == 255)
        return "is the network's own or broadcast address";
    if (host == 2)
        return "is slirp's gateway";
    if (host == 3 && kind != SCN_S_DNS)
        return "is slirp's DNS address (only a dns service may take it)";
    if (host == 253 || host == 254)
        return "is a DHCP server's address";
    if (host >= 150 && host <= 199)
        return "is in the wired segment's DHCP pool (.150-.199)";
    if (host == 15)
        return "is where slirp expects its guest (the first pool address)";
    for (int i = 0; i < s->naps; i++) {
        uint32_t a, b;
        scn_ap_pool(s, i, &a, &b);
        if (s->aps[i].network < 0 && ip >= a && ip <= b)
            return "is in an access point's DHCP pool";
    }
    for (int i = 0; i < s->nnetworks; i++)
        if (ip >= s->networks[i].pool_start && ip <= s->networks[i].pool_end)
            return "is in a network's DHCP pool";
    return NULL;
}

/* One line of greeter text: 0..255 bytes, no CR, LF or NUL. */
static int scn_line_text(scn_ctx *c, const scn_node *n, const char *path, char *buf, size_t cap)
{
    int rc = scn_str(c, n, path, 0, 255, "one line of text, at most 255 bytes", buf, cap);
    if (rc != 0)
        return rc;
    if (strpbrk(buf, "\r\n") != NULL)
        return scn_fail(c, n, "%s: holds a line break (expected one line of text; the greeter adds CR LF)", path);
    return 0;
}

static int scn_do_service(scn_ctx *c, const scn_node *n, const char *path, scn_service *sv)
{
    static const char *const all[] = {"name", "kind", "address", "port", "greeting", "replies", "names", "epoch", NULL};
    static const char *const k_plain[] = {"name", "kind", "address", "port", NULL};
    static const char *const k_greeter[] = {"name", "kind", "address", "port", "greeting", "replies", NULL};
    static const char *const k_dns[] = {"name", "kind", "address", "port", "names", NULL};
    static const char *const k_ntp[] = {"name", "kind", "address", "port", "epoch", NULL};
    const scn_node *v[8];
    char p[SCN_PATH], qual[48];
    const scenario *s = c->s;
    long long num;
    int rc, kind = 0; /* set by scn_pick on success; -O3 cannot tell */
    sv->line = n->line;
    if (n->type != SCN_N_MAP)
        return scn_fail(c, n, "%s: expected a mapping such as {name: dns, kind: dns}, not %s", path,
                        scn_is_null(n) ? "nothing" : scn_kind_text(n));
    const scn_node *kn = NULL;
    for (const scn_node *k = n->first; k != NULL && k->next != NULL; k = k->next->next)
        if (k->type == SCN_N_SCALAR && strcmp(k->text, "kind") == 0 && kn == NULL)
            kn = k->next;
    if (kn == NULL) {
        if ((rc = scn_fields(c, n, path, "", all, v)) != 0)
            return rc;
        char known[200];
        scn_join(scn_service_kinds, SCN_NSERVICE_KINDS, known, sizeof known);
        return scn_missing(c, n, path, "kind", known);
    }
    scn_path(p, path, "kind");
    if ((rc = scn_pick(c, kn, p, "service kind", scn_service_kinds, SCN_NSERVICE_KINDS, &kind)) != 0)
        return rc;
    sv->kind = (scn_service_kind)kind;
    const char *const *keys = kind == SCN_S_TCP_GREETER ? k_greeter
                              : kind == SCN_S_DNS       ? k_dns
                              : kind == SCN_S_NTP       ? k_ntp
                                                        : k_plain;
    snprintf(qual, sizeof qual, " for %s", scn_service_kinds[kind]);
    if ((rc = scn_fields(c, n, path, qual, keys, v)) != 0)
        return rc;
    const scn_node *x_name = scn_get(keys, v, "name");
    if (x_name == NULL)
        return scn_missing(c, n, path, "name", "a unique name; the firmware gets NAME.ip and NAME.port");
    scn_path(p, path, "name");
    if ((rc = scn_name(c, x_name, p, sizeof sv->name - 1, "a name of 1..31 characters from A-Z a-z 0-9 _ . -",
                       sv->name, sizeof sv->name)) != 0)
        return rc;
    if (strcmp(sv->name, "sink") == 0 && sv->kind != SCN_S_SINK)
        return scn_fail(c, x_name, "%s: 'sink' names the sink only (its settings are sink.ip and sink.port)", p);
    for (int i = 0; i < s->nservices; i++)
        if (strcmp(s->services[i].name, sv->name) == 0)
            return scn_fail(c, x_name, "%s: duplicate service name '%s' (first used at line %d)", p, sv->name,
                            s->services[i].line);
    sv->ip = scn_service_default[kind].ip;
    sv->port = scn_service_default[kind].port;
    const scn_node *a = scn_get(keys, v, "address");
    if (a != NULL) {
        scn_path(p, path, "address");
        if ((rc = scn_ipv4(c, a, p, &sv->ip)) != 0)
            return rc;
    }
    const char *why = scn_service_addr_bad(s, sv->kind, sv->ip);
    if (why != NULL)
        return scn_fail(c, a != NULL ? a : n, "%s.address: %u.%u.%u.%u %s", path, sv->ip >> 24, sv->ip >> 16 & 255,
                        sv->ip >> 8 & 255, sv->ip & 255, why);
    const scn_node *pn = scn_get(keys, v, "port");
    if (pn != NULL) {
        scn_path(p, path, "port");
        if ((rc = scn_int(c, pn, p, 1, 65535, "", &num)) != 0)
            return rc;
        sv->port = (uint16_t)num;
    }
    for (int i = 0; i < s->nservices; i++) {
        const scn_service *o = &s->services[i];
        if (o->ip == sv->ip && o->port == sv->port && scn_service_udp(o->kind) == scn_service_udp(sv->kind))
            return scn_fail(c, pn != NULL ? pn : a != NULL ? a : n,
                            "%s: %s port %u at %u.%u.%u.%u is taken by service '%s' (line %d)", path,
                            scn_service_udp(sv->kind) ? "UDP" : "TCP", sv->port, sv->ip >> 24, sv->ip >> 16 & 255,
                            sv->ip >> 8 & 255, sv->ip & 255, o->name, o->line);
        if (o->kind == SCN_S_SINK && sv->kind == SCN_S_SINK)
            return scn_fail(c, kn, "%s.kind: a second sink (the first, '%s', is at line %d); the verdict judges one",
                            path, o->name, o->line);
    }
    const scn_node *x;
    switch (sv->kind) {
    case SCN_S_TCP_GREETER:
        snprintf(sv->greeting, sizeof sv->greeting, "hello");
        if ((x = scn_get(keys, v, "greeting")) != NULL) {
            scn_path(p, path, "greeting");
            if ((rc = scn_line_text(c, x, p, sv->greeting, sizeof sv->greeting)) != 0)
                return rc;
        }
        if ((x = scn_section(keys, v, "replies")) != NULL) {
            static const char *const rk[] = {"expect", "reply", NULL};
            char rp[SCN_PATH], fp[SCN_PATH];
            scn_path(p, path, "replies");
            if ((rc = scn_seq(c, x, p, "a list of {expect: TEXT, reply: TEXT}")) != 0)
                return rc;
            for (const scn_node *e = x->first; e != NULL; e = e->next) {
                if (sv->nrules == SCN_MAX_GREETER_RULES)
                    return scn_fail_limit(c, e, "%s[%d]: too many replies (at most %d)", p, sv->nrules,
                                          SCN_MAX_GREETER_RULES);
                const scn_node *rv[2];
                scn_path_index(rp, p, sv->nrules);
                if ((rc = scn_fields(c, e, rp, "", rk, rv)) != 0)
                    return rc;
                if (rv[0] == NULL)
                    return scn_missing(c, e, rp, "expect", "text the line must hold; \"\" for every line");
                if (rv[1] == NULL)
                    return scn_missing(c, e, rp, "reply", "the line sent back");
                scn_path(fp, rp, "expect");
                /* an empty expect is written "" and arrives as an empty quoted scalar */
                if (rv[0]->type == SCN_N_SCALAR && !rv[0]->plain && rv[0]->len == 0)
                    sv->rules[sv->nrules].expect[0] = '\0';
                else if ((rc = scn_line_text(c, rv[0], fp, sv->rules[sv->nrules].expect,
                                             sizeof sv->rules[0].expect)) != 0)
                    return rc;
                scn_path(fp, rp, "reply");
                if ((rc = scn_line_text(c, rv[1], fp, sv->rules[sv->nrules].reply, sizeof sv->rules[0].reply)) !=
                    0)
                    return rc;
                sv->nrules++;
            }
        }
        break;
    case SCN_S_DNS:
        if ((x = scn_section(keys, v, "names")) != NULL) {
            char np[SCN_PATH], shown[64];
            scn_path(p, path, "names");
            if (x->type != SCN_N_MAP)
                return scn_fail(c, x, "%s: expected a mapping of names to addresses such as {time.rig: 10.0.2.123}, "
                                      "not %s",
                                p, scn_kind_text(x));
            for (const scn_node *k = x->first; k != NULL && k->next != NULL; k = k->next->next) {
                if (sv->nnames == SCN_MAX_DNS_NAMES)
                    return scn_fail_limit(c, k, "%s: too many names (at most %d)", p, SCN_MAX_DNS_NAMES);
                char *name = sv->names[sv->nnames].name;
                if (k->type != SCN_N_SCALAR || strlen(k->text) != k->len || k->len > SCN_DNS_NAME_MAX ||
                    !scn_dns_name_ok(k->text))
                    return scn_fail(c, k,
                                    "%s: '%s' is not a DNS name (labels of 1..63 letters, digits, '-' or '_' "
                                    "joined by dots, at most %d characters)",
                                    p, k->type == SCN_N_SCALAR ? scn_show(k, shown, sizeof shown) : "?", SCN_DNS_NAME_MAX);
                memcpy(name, k->text, k->len + 1);
                for (int i = 0; i < sv->nnames; i++)
                    if (strcasecmp(sv->names[i].name, name) == 0)
                        return scn_fail(c, k, "%s: '%s' is listed twice (names compare without case)", p, name);
                scn_path(np, p, name);
                if ((rc = scn_ipv4(c, k->next, np, &sv->names[sv->nnames].ip)) != 0)
                    return rc;
                if (sv->names[sv->nnames].ip == 0)
                    return scn_fail(c, k->next, "%s: 0.0.0.0 is not an address to answer with", np);
                sv->nnames++;
            }
        }
        break;
    case SCN_S_NTP:
        sv->epoch_s = CAPTURE_DEFAULT_EPOCH_S;
        if ((x = scn_get(keys, v, "epoch")) != NULL) {
            scn_path(p, path, "epoch");
            if ((rc = scn_int(c, x, p, 0, SCN_NTP_EPOCH_MAX, " Unix seconds, NTP era 0", &num)) != 0)
                return rc;
            sv->epoch_s = num;
        }
        break;
    default:
        break;
    }
    return 0;
}

static int scn_do_services(scn_ctx *c, const scn_node *n)
{
    scenario *s = c->s;
    char p[SCN_PATH];
    int rc;
    if (n != NULL) {
        if ((rc = scn_seq(c, n, "services", "a list of services (- name: dns ...)")) != 0)
            return rc;
        for (const scn_node *e = n->first; e != NULL; e = e->next) {
            if (s->nservices == SCN_MAX_SERVICES)
                return scn_fail_limit(c, e, "services[%d]: too many services (at most %d)", s->nservices,
                                      SCN_MAX_SERVICES);
            scn_path_index(p, "services", s->nservices);
            if ((rc = scn_do_service(c, e, p, &s->services[s->nservices])) != 0)
                return rc;
            s->nservices++;
        }
    }
    for (int i = 0; i < s->nservices; i++)
        if (s->services[i].kind == SCN_S_SINK)
            return 0;
    /* The sink is always there: it is what the verdict counts deliveries at. */
    if (s->nservices == SCN_MAX_SERVICES)
        return scn_fail_limit(c, n, "services: %d services and no sink; the rig needs one (at most %d in all)",
                              s->nservices, SCN_MAX_SERVICES);
    for (int i = 0; i < s->nservices; i++) {
        const scn_service *o = &s->services[i];
        if (o->ip == scn_service_default[SCN_S_SINK].ip && o->port == scn_service_default[SCN_S_SINK].port &&
            !scn_service_udp(o->kind))
            return scn_fail(c, n, "services: service '%s' (line %d) takes TCP 10.0.2.100:9000, where the default sink "
                                  "goes; declare a sink elsewhere ({name: sink, kind: sink, address: ...})",
                            o->name, o->line);
    }
    scn_service *sv = &s->services[s->nservices++];
    memset(sv, 0, sizeof *sv);
    snprintf(sv->name, sizeof sv->name, "sink");
    sv->kind = SCN_S_SINK;
    sv->ip = scn_service_default[SCN_S_SINK].ip;
    sv->port = scn_service_default[SCN_S_SINK].port;
    sv->implicit = true;
    return 0;
}

/* {at, fault: service, service: NAME, mode: down|slow|wrong|normal, delay, duration} */
static int scn_service_fault(scn_ctx *c, const scn_node *n, const char *path, const char *const *keys,
                             const scn_node **v, scn_fault *f)
{
    static const char *const modes[] = {[SCN_SVC_NORMAL] = "normal", [SCN_SVC_DOWN] = "down",
                                        [SCN_SVC_SLOW] = "slow", [SCN_SVC_WRONG] = "wrong"};
    const scenario *s = c->s;
    char p[SCN_PATH];
    const scn_node *x;
    int rc, m;
    if ((x = scn_get(keys, v, "service")) == NULL)
        return scn_missing(c, n, path, "service", "which service, by name");
    scn_path(p, path, "service");
    const char *names[SCN_MAX_SERVICES];
    for (int i = 0; i < s->nservices; i++)
        names[i] = s->services[i].name;
    if ((rc = scn_name_ref(c, x, p, names, s->nservices, "the name of a service", "service", "", &f->service)) != 0)
        return rc;
    const scn_service *sv = &s->services[f->service];
    if ((x = scn_get(keys, v, "mode")) == NULL)
        return scn_missing(c, n, path, "mode", "down, slow, wrong or normal");
    scn_path(p, path, "mode");
    if ((rc = scn_pick(c, x, p, "service mode", modes, 4, &m)) != 0)
        return rc;
    f->service_mode = (scn_service_mode)m;
    if (f->service_mode == SCN_SVC_WRONG && sv->kind == SCN_S_SINK)
        return scn_fail(c, x, "%s: a sink sends nothing, so it cannot answer wrong (down or slow)", p);
    const scn_node *d = scn_get(keys, v, "delay");
    scn_path(p, path, "delay");
    if (f->service_mode == SCN_SVC_SLOW) {
        if (d == NULL)
            return scn_missing(c, n, path, "delay", "how much later the service answers, e.g. delay: 2s");
        if ((rc = scn_dur(c, d, p, 1, "must be > 0", &f->delay)) != 0)
            return rc;
    } else if (d != NULL) {
        return scn_fail(c, d, "%s: only meaningful with mode: slow", p);
    }
    if ((x = scn_get(keys, v, "duration")) != NULL) {
        scn_path(p, path, "duration");
        if ((rc = scn_dur(c, x, p, 1, "must be > 0", &f->duration)) != 0)
            return rc;
    }
    return 0;
}

/* Every fault kind also takes the keys that name and repeat an entry; the
 * kind's own list comes first so that messages list them first. */
#define SCN_FAULT_KEYS 40
static const char *const scn_repeat_names[] = {"id", "every", "until", "count", "jitter", NULL};

static void scn_repeat_keys(const char *const *kind_keys, const char **out)
{
    int n = 0;
    for (int i = 0; kind_keys[i] != NULL && n < SCN_FAULT_KEYS - 6; i++)
        out[n++] = kind_keys[i];
    for (int i = 0; scn_repeat_names[i] != NULL; i++)
        out[n++] = scn_repeat_names[i];
    out[n] = NULL;
}

static bool scn_all_digits(const char *t)
{
    for (; *t; t++)
        if (*t < '0' || *t > '9')
            return false;
    return true;
}

/* id, every, until, count, jitter (scenario.h, "The timeline"). */
/* Every occurrence of an entry must start before the run ends, and a fault
 * with a duration must be over by then: a fault cut short by the end has no
 * end for after: and exclude: to measure from, so the expectations about it
 * would fail for a reason the scenario's author did not mean (scenario.h,
 * "The timeline"). A fault meant to last to the end is written without an
 * end (ap_off, a service down with no duration). A fault with a duration
 * must be over by the end with its largest jitter too: otherwise the seed
 * decides whether the run cuts it short. An occurrence without a duration
 * that jitter pushes past the end does not happen. */
static int scn_fits_run(scn_ctx *c, const char *path, const char *const *keys, const scn_node **v,
                        const scn_fault *f)
{
    const scenario *s = c->s;
    char a[32], b[32], e[32];
    const scn_node *at = scn_get(keys, v, "at");
    const scn_node *rep = scn_get(keys, v, "until") ? scn_get(keys, v, "until") : scn_get(keys, v, "count");
    sim_time last = f->at + (sim_time)(f->count > 0 ? f->count - 1 : 0) * f->every;
    if (f->at >= s->duration && at != NULL)
        return scn_fail(c, at, "%s.at: %s is the end of the run (duration: %s, line %d): the %s would never %s",
                        path, at->text, c->duration->text, c->duration->line,
                        f->kind == SCN_F_CONSOLE ? "line" : "fault", f->kind == SCN_F_CONSOLE ? "be written" : "happen");
    if (last >= s->duration && rep != NULL)
        return scn_fail(c, rep, "%s.%s: the last occurrence would be due at %s, the end of the run (duration: %s, "
                                "line %d), and never happen", path, rep == scn_get(keys, v, "until") ? "until" : "count",
                        sim_time_format(last, a, sizeof a), c->duration->text, c->duration->line);
    if (f->duration <= 0 || f->kind == SCN_F_CONSOLE)
        return 0;
    const scn_node *dn = scn_get(keys, v, "duration") ? scn_get(keys, v, "duration") : scn_get(keys, v, "pause");
    if (dn == NULL || last + f->jitter + f->duration <= s->duration)
        return 0;
    return scn_fail(c, dn,
                    "%s.%s: %s from %s%s%s ends at %s, after the end of the run at %s (duration: %s, line %d): "
                    "nothing after it could be judged; shorten it, start it earlier or lengthen the run",
                    path, dn == scn_get(keys, v, "duration") ? "duration" : "pause", dn->text,
                    sim_time_format(last, a, sizeof a), f->count > 1 ? " (the last occurrence)" : "",
                    f->jitter > 0 ? " plus the largest jitter" : "",
                    sim_time_format(last + f->jitter + f->duration, b, sizeof b),
                    sim_time_format(s->duration, e, sizeof e), c->duration->text, c->duration->line);
}

static int scn_do_repeat(scn_ctx *c, const scn_node *n, const char *path, const char *const *keys,
                         const scn_node **v, scn_fault *f)
{
    scenario *s = c->s;
    char p[SCN_PATH], a[32], b[32];
    int rc;
    const scn_node *id = scn_get(keys, v, "id"), *every = scn_get(keys, v, "every");
    const scn_node *until = scn_get(keys, v, "until"), *count = scn_get(keys, v, "count");
    const scn_node *jitter = scn_get(keys, v, "jitter");
    f->count = 1;
    if (id != NULL) {
        scn_path(p, path, "id");
        if ((rc = scn_name(c, id, p, sizeof f->id - 1, "an id of 1..31 characters from A-Z a-z 0-9 _ . -", f->id,
                           sizeof f->id)) != 0)
            return rc;
        /* after: 3 must keep meaning entry 3 */
        if (scn_all_digits(f->id))
            return scn_fail(c, id, "%s: '%s' is only digits, which after: would read as an entry number (use a name "
                                   "such as reboot)", p, f->id);
        for (int i = 0; i < s->nfaults; i++)
            if (strcmp(s->faults[i].id, f->id) == 0)
                return scn_fail(c, id, "%s: duplicate id '%s' (first used by timeline[%d] at line %d)", p, f->id, i,
                                s->faults[i].line);
    }
    if (every == NULL) {
        const scn_node *x = until != NULL ? until : count != NULL ? count : jitter;
        if (x != NULL)
            return scn_fail(c, x, "%s.%s: only meaningful with every (an entry that repeats, e.g. every: 5m)", path,
                            x == until ? "until" : x == count ? "count" : "jitter");
        return scn_fits_run(c, path, keys, v, f);
    }
    scn_path(p, path, "every");
    if ((rc = scn_dur(c, every, p, SIM_MS(1), "must be >= 1ms", &f->every)) != 0)
        return rc;
    if (until != NULL && count != NULL)
        return scn_fail(c, count, "%s.count: give until or count, not both (until is at line %d)", path, until->line);
    if (until == NULL && count == NULL)
        return scn_missing(c, n, path, "until",
                           "with every: when the repeats stop, e.g. until: 2h, or how many there are, e.g. count: 10");
    if (jitter != NULL) {
        scn_path(p, path, "jitter");
        if ((rc = scn_dur(c, jitter, p, 0, "must be >= 0", &f->jitter)) != 0)
            return rc;
        if (f->jitter >= f->every)
            return scn_fail(c, jitter, "%s: %s is not shorter than every (%s): the occurrences could swap places", p,
                            jitter->text, every->text);
    }
    /* One occurrence's fault must be over before the next is due, or the
     * end of one would cut the next short (an AP switched on mid-reboot). */
    if (f->duration > 0 && f->duration + f->jitter >= f->every)
        return scn_fail(c, every,
                        "%s.every: %s is not longer than duration (%s)%s: the occurrences would overlap", path,
                        every->text, sim_time_format(f->duration, a, sizeof a),
                        f->jitter > 0 ? " plus jitter" : "");
    long long fit = (s->duration - f->at) / f->every + 1; /* occurrences due within the run */
    if (until != NULL) {
        sim_time t;
        scn_path(p, path, "until");
        if ((rc = scn_dur(c, until, p, 0, "must be >= 0", &t)) != 0)
            return rc;
        if (t < f->at)
            return scn_fail(c, until, "%s: %s is before at (%s): the entry would never happen", p, until->text,
                            sim_time_format(f->at, a, sizeof a));
        if (t > s->duration)
            return scn_fail(c, until, "%s: %s is after the end of the run (duration: %s, line %d)", p, until->text,
                            c->duration->text, c->duration->line);
        f->count = (t - f->at) / f->every + 1;
    } else {
        scn_path(p, path, "count");
        if ((rc = scn_int(c, count, p, 1, SCN_MAX_OCCURRENCES, " occurrences", &f->count)) != 0)
            return rc;
        if (f->count > fit)
            return scn_fail(c, count, "%s: %lld occurrences every %s from %s do not fit in the run (duration: %s, "
                                      "line %d): the last would be due after its end; %lld fit", p, f->count,
                            every->text, sim_time_format(f->at, a, sizeof a), c->duration->text, c->duration->line,
                            fit);
    }
    long long total = f->count;
    for (int i = 0; i < s->nfaults; i++)
        total += s->faults[i].count;
    if (total > SCN_MAX_OCCURRENCES)
        return scn_fail_limit(c, until != NULL ? until : count,
                              "%s: the timeline would expand to %lld occurrences (at most %d in all; this entry "
                              "has %lld at every %s)", path, total, SCN_MAX_OCCURRENCES, f->count,
                              sim_time_format(f->every, b, sizeof b));
    return scn_fits_run(c, path, keys, v, f);
}

/* True when device (or any device, with -1) has a wired interface. */
static bool scn_any_lan(const scenario *s, int device)
{
    for (int i = 0; i < s->ndevices; i++)
        if ((device < 0 || device == i) && s->devices[i].lan)
            return true;
    return false;
}

/* A reason code (9.4.1.7) or a status code (9.4.1.9): a number 1..65535
 * (the field is two octets; 0 is reserved, or success) or a name. */
static int scn_code(scn_ctx *c, const scn_node *n, const char *path, bool reason, int *out)
{
    const char *what = reason ? "reason" : "status";
    char shown[64], hint[80], want[160];
    snprintf(want, sizeof want, "a %s code 1..65535 or its name", what);
    int rc = scn_scalar(c, n, path, want);
    if (rc != 0)
        return rc;
    long long v;
    if (scn_text_ll(n->text, &v)) {
        if (v < 1 || v > 65535)
            return scn_fail(c, n, "%s: %s is out of range (a %s code is 1..65535: IEEE 802.11 %s%s)", path, n->text,
                            what, reason ? "9.4.1.7" : "9.4.1.9", v == 0 ? (reason ? "; 0 is reserved" : "; 0 is "
                            "success, not a refusal") : "");
        *out = (int)v;
        return 0;
    }
    if (scn_text_is_int(n->text))
        return scn_fail(c, n, "%s: %s is out of range (a %s code is 1..65535: IEEE 802.11 %s)", path,
                        scn_show(n, shown, sizeof shown), what, reason ? "9.4.1.7" : "9.4.1.9");
    int code = reason ? scn_reason_value(n->text) : scn_status_code_value(n->text);
    if (code > 0 && strlen(n->text) == n->len) {
        *out = code;
        return 0;
    }
    const char *names[64];
    int nn = 0;
    if (reason)
        for (int i = 0; i < SCN_NREASONS && nn < 64; i++)
            names[nn++] = scn_reasons[i].name;
    else
        for (int i = 0; i < SCN_NSTATUS_CODES && nn < 64; i++)
            names[nn++] = scn_status_codes[i].name;
    return scn_fail(c, n, "%s: unknown %s '%s' (a number 1..65535, or a name such as %s; sim/scenario.h lists "
                          "them%s)", path, what, scn_show(n, shown, sizeof shown),
                    reason ? "unspecified, leaving, inactivity, ap_busy, class3_frame_from_nonassoc, "
                             "4way_handshake_timeout, group_key_update_timeout"
                           : "unspecified_failure, ap_unable_to_handle_new_sta (ap_full), "
                             "assoc_rejected_temporarily (try_later)",
                    scn_suggest(n->text, names, nn, hint, sizeof hint));
}


/* Why the uplink cannot serve a subnet (NULL when it can): it routes for
 * unicast networks only, and its own 10.0.2.0/24 is either the whole subnet
 * or none of it (a subnet that holds part of it would put the in-rig
 * services "on the link", where nothing answers for them). */
static const char *scn_subnet_bad(uint32_t net, uint32_t mask)
{
    uint32_t top = net >> 24;
    if (top == 0 || top == 127 || top >= 224)
        return "is not a unicast network the uplink can route (not 0/8, 127/8 or 224.0.0.0 and above)";
    if ((net & 0xffff0000u) == 0xa9fe0000u)
        return "is link-local (169.254/16), which no router forwards";
    uint32_t common = mask & SCN_UPLINK_MASK;
    if ((net & common) == (SCN_UPLINK_NET & common) && (net != SCN_UPLINK_NET || mask != SCN_UPLINK_MASK))
        return "overlaps the uplink's own network 10.0.2.0/24 without being it";
    return NULL;
}

/* A dhcp or cable_move fault's pool: [first, last], netmask (default
 * 255.255.255.0) and router, all in one subnet the uplink can serve
 * (scn_subnet_bad). Without router, f->router stays 0: scn_check_moves
 * gives it the router the server had, when that fits. */
static int scn_moved_pool(scn_ctx *c, const char *path, const scn_node *pool, const scn_node *mask,
                          const scn_node *router, scn_fault *f)
{
    char p[SCN_PATH];
    int rc;
    scn_path(p, path, "pool");
    if ((rc = scn_pool(c, pool, p, &f->pool_start, &f->pool_end)) != 0)
        return rc;
    f->has_pool = true;
    f->pool_line = pool->line;
    f->pool_col = pool->col;
    f->netmask = SCN_UPLINK_MASK;
    if (mask != NULL) {
        scn_path(p, path, "netmask");
        if ((rc = scn_ipv4(c, mask, p, &f->netmask)) != 0)
            return rc;
        uint32_t inv = ~f->netmask;
        if (f->netmask == 0 || (inv & (inv + 1)) != 0)
            return scn_fail(c, mask, "%s: %s is not a netmask (ones then zeros, e.g. 255.255.255.0)", p, mask->text);
        if (f->netmask < 0xff000000u || f->netmask > 0xfffffffcu)
            return scn_fail(c, mask, "%s: %s is not a subnet of /8 to /30", p, mask->text);
    }
    uint32_t net = f->pool_start & f->netmask, bcast = net | ~f->netmask;
    if ((f->pool_end & f->netmask) != net)
        return scn_fail(c, pool, "%s.pool: %s and %s are not in one subnet (netmask %u.%u.%u.%u)", path,
                        pool->first->text, pool->last->text, f->netmask >> 24, f->netmask >> 16 & 255,
                        f->netmask >> 8 & 255, f->netmask & 255);
    const char *bad = scn_subnet_bad(net, f->netmask);
    if (bad != NULL)
        return scn_fail(c, pool, "%s.pool: the subnet %u.%u.%u.%u/%d %s", path, net >> 24, net >> 16 & 255,
                        net >> 8 & 255, net & 255, 32 - __builtin_ctz(f->netmask), bad);
    if (f->pool_start == net || f->pool_end == bcast)
        return scn_fail(c, pool, "%s.pool: holds the subnet's %s address", path,
                        f->pool_start == net ? "network" : "broadcast");
    bool own = net == SCN_UPLINK_NET;
    if (own) {
        /* 10.0.2.0/24 is slirp's: its gateway and DNS, the DHCP servers and
         * the services keep their addresses. */
        static const uint32_t taken[] = {SCN_UPLINK_GW, 0x0a000203u, 0x0a0002fdu, 0x0a0002feu};
        for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++)
            if (taken[i] >= f->pool_start && taken[i] <= f->pool_end)
                return scn_fail(c, pool, "%s.pool: holds 10.0.2.%u, which the rig uses (.2 gateway, .3 DNS, .253 "
                                         "and .254 the DHCP servers)", path, taken[i] & 255);
        for (int i = 0; i < c->s->nservices; i++) {
            uint32_t ip = c->s->services[i].ip;
            if (ip >= f->pool_start && ip <= f->pool_end)
                return scn_fail(c, pool, "%s.pool: holds %u.%u.%u.%u, service %s's address", path, ip >> 24,
                                ip >> 16 & 255, ip >> 8 & 255, ip & 255, c->s->services[i].name);
        }
    }
    f->router = 0;
    if (router != NULL) {
        scn_path(p, path, "router");
        if ((rc = scn_ipv4(c, router, p, &f->router)) != 0)
            return rc;
        if ((f->router & f->netmask) != net)
            return scn_fail(c, router, "%s: %s is not in the pool's subnet", p, router->text);
        if (f->router == net || f->router == bcast)
            return scn_fail(c, router, "%s: %s is the subnet's %s address", p, router->text,
                            f->router == net ? "network" : "broadcast");
        if (f->router >= f->pool_start && f->router <= f->pool_end)
            return scn_fail(c, router, "%s: %s is in the pool, which hands it to a client", p, router->text);
        if (own && f->router != SCN_UPLINK_GW)
            return scn_fail(c, router, "%s: on 10.0.2.0/24 the router is the uplink's gateway 10.0.2.2 (nothing "
                                       "else routes there)", p);
    }
    return 0;
}

/* ap_deauth, ap_disassoc, ap_refuse, group_key_miss, cable_move. */
/* The credential faults of an Enterprise AP's server (scenario.h: the
 * timeline): radius_server_cert, radius_revoke, radius_user. */
static int scn_radius_fault(scn_ctx *c, const scn_node *n, const scn_node *fn, const char *path,
                            const char *const *keys, const scn_node **v, scn_fault *f)
{
    const scn_ap *a = &c->s->aps[f->ap];
    const char *fname = scn_fault_names[f->kind];
    char p[SCN_PATH];
    const scn_node *x;
    int rc;
    if (a->security != SCN_SEC_WPA2_ENTERPRISE)
        return scn_fail(c, fn, "%s: %s needs a wpa2-enterprise AP (%s is not)", path, fname, a->name);
    switch (f->kind) {
    case SCN_F_RADIUS_SERVER_CERT: {
        static const char *const certs[] = {"ok", "expired", "untrusted"};
        if ((x = scn_get(keys, v, "cert")) == NULL)
            return scn_missing(c, n, path, "cert", "the certificate the server presents: ok, expired or untrusted");
        scn_path(p, path, "cert");
        if ((rc = scn_pick(c, x, p, "server certificate", certs, 3, &f->server_cert)) != 0)
            return rc;
        break;
    }
    case SCN_F_RADIUS_REVOKE: {
        const char *names[SCN_MAX_CLIENT_CERTS];
        int k = 0;
        for (int i = 0; i < a->radius.nclient_certs; i++)
            names[i] = a->radius.client_certs[i].cn;
        if ((x = scn_get(keys, v, "cn")) == NULL)
            return scn_missing(c, n, path, "cn", "the CN of one of the AP's radius.client_certs");
        scn_path(p, path, "cn");
        if ((rc = scn_name_ref(c, x, p, names, a->radius.nclient_certs, "the CN of a radius.client_certs entry",
                               "client certificate", " in the AP's radius.client_certs", &k)) != 0)
            return rc;
        snprintf(f->cn, sizeof f->cn, "%s", names[k]);
        f->revoked = true;
        if ((x = scn_get(keys, v, "revoked")) != NULL) {
            scn_path(p, path, "revoked");
            if ((rc = scn_bool(c, x, p, &f->revoked)) != 0)
                return rc;
        }
        break;
    }
    case SCN_F_RADIUS_USER: {
        const char *names[SCN_MAX_RADIUS_USERS];
        int k = 0;
        for (int i = 0; i < a->radius.nusers; i++)
            names[i] = a->radius.users[i].name;
        if ((x = scn_get(keys, v, "user")) == NULL)
            return scn_missing(c, n, path, "user", "the name of one of the AP's radius.users");
        scn_path(p, path, "user");
        if ((rc = scn_name_ref(c, x, p, names, a->radius.nusers, "the name of a radius.users entry", "user",
                               " in the AP's radius.users", &k)) != 0)
            return rc;
        snprintf(f->user, sizeof f->user, "%s", names[k]);
        const scn_node *pw = scn_get(keys, v, "password"), *rm = scn_get(keys, v, "removed");
        if (rm != NULL) {
            scn_path(p, path, "removed");
            if ((rc = scn_bool(c, rm, p, &f->removed)) != 0)
                return rc;
        }
        if ((pw != NULL) == f->removed || (rm != NULL && !f->removed))
            return scn_fail(c, pw != NULL && rm != NULL ? rm : fn,
                            "%s: radius_user takes the server's new password (password: \"...\") or removed: true, "
                            "one of them", path);
        if (pw != NULL) {
            scn_path(p, path, "password");
            if ((rc = scn_str(c, pw, p, 1, 63, "a password of 1..63 bytes", f->password, sizeof f->password)) != 0)
                return rc;
            for (const char *ch = f->password; *ch; ch++)
                if (*ch == '"' || *ch == '\\' || (unsigned char)*ch < 32)
                    return scn_fail(c, pw, "%s: no quote, backslash or control character (FreeRADIUS's users file)",
                                    p);
        }
        break;
    }
    default:
        break;
    }
    if ((x = scn_get(keys, v, "duration")) != NULL) {
        scn_path(p, path, "duration");
        if ((rc = scn_dur(c, x, p, 1, "must be > 0", &f->duration)) != 0)
            return rc;
    }
    return 0;
}

static int scn_more_fault(scn_ctx *c, const scn_node *n, const scn_node *fn, const char *path,
                          const char *const *keys, const scn_node **v, scn_fault *f)
{
    scenario *s = c->s;
    char p[SCN_PATH];
    const scn_node *x;
    int rc, code = 0;
    switch (f->kind) {
    case SCN_F_AP_DEAUTH:
    case SCN_F_AP_DISASSOC:
        if ((x = scn_get(keys, v, "reason")) == NULL)
            return scn_missing(c, n, path, "reason", "a reason code (IEEE 802.11 9.4.1.7), e.g. reason: inactivity");
        scn_path(p, path, "reason");
        if ((rc = scn_code(c, x, p, true, &code)) != 0)
            return rc;
        f->code = (uint16_t)code;
        break;
    case SCN_F_AP_REFUSE: {
        if ((x = scn_get(keys, v, "status")) == NULL)
            return scn_missing(c, n, path, "status", "a status code (IEEE 802.11 9.4.1.9), e.g. status: ap_full");
        scn_path(p, path, "status");
        if ((rc = scn_code(c, x, p, false, &code)) != 0)
            return rc;
        f->code = (uint16_t)code;
        if ((x = scn_get(keys, v, "duration")) == NULL)
            return scn_missing(c, n, path, "duration", "how long associations are refused, e.g. duration: 30s");
        scn_path(p, path, "duration");
        if ((rc = scn_dur(c, x, p, 1, "must be > 0", &f->duration)) != 0)
            return rc;
        if ((x = scn_get(keys, v, "comeback")) != NULL) {
            sim_time cb;
            scn_path(p, path, "comeback");
            if (f->code != DOT11_STATUS_REFUSED_TEMPORARILY)
                return scn_fail(c, x, "%s: only meaningful with status 30 (assoc_rejected_temporarily), whose "
                                      "response carries the comeback time", p);
            if ((rc = scn_dur(c, x, p, SIM_US(1024), "must be >= 1 TU (1.024 ms)", &cb)) != 0)
                return rc;
            if (cb / SIM_US(1024) > 0xffffffffLL)
                return scn_fail(c, x, "%s: %s does not fit the Timeout Interval element (2^32 - 1 TUs)", p, x->text);
            f->comeback_tu = (uint32_t)(cb / SIM_US(1024));
        }
        break;
    }
    case SCN_F_GROUP_KEY_MISS: {
        bool rsn = false;
        for (int i = 0; i < s->naps; i++)
            rsn |= s->aps[i].passphrase[0] != '\0';
        if (!rsn)
            return scn_fail(c, fn, "%s: group_key_miss needs a WPA2 access point (an open network has no group "
                                   "key handshake)", path);
        if ((x = scn_get(keys, v, "duration")) != NULL) {
            scn_path(p, path, "duration");
            if ((rc = scn_dur(c, x, p, 1, "must be > 0", &f->duration)) != 0)
                return rc;
        }
        break;
    }
    case SCN_F_CABLE_MOVE: {
        if (!scn_any_lan(s, f->device))
            return scn_fail(c, fn, "%s: cable_move needs a wired interface: set world.device.lan: true", path);
        const scn_node *pool = scn_get(keys, v, "pool");
        if (pool == NULL)
            return scn_missing(c, n, path, "pool", "the new network's DHCP pool, e.g. pool: [192.168.7.20, "
                                                   "192.168.7.50]");
        f->lan = true;
        if ((rc = scn_moved_pool(c, path, pool, scn_get(keys, v, "netmask"), scn_get(keys, v, "router"), f)) != 0)
            return rc;
        f->duration = SIM_SEC(1);
        if ((x = scn_get(keys, v, "pause")) != NULL) {
            scn_path(p, path, "pause");
            if ((rc = scn_dur(c, x, p, SIM_MS(1), "must be >= 1ms", &f->duration)) != 0)
                return rc;
        }
        f->pause = f->duration;
        if ((x = scn_get(keys, v, "lease")) != NULL) {
            scn_path(p, path, "lease");
            if ((rc = scn_dur(c, x, p, SIM_SEC(1), "must be >= 1s", &f->lease)) != 0)
                return rc;
            if (f->lease % SIM_SEC(1) != 0)
                return scn_fail(c, x, "%s: %s is not a whole number of seconds (DHCP leases are in seconds)", p,
                                x->text);
        }
        break;
    }
    default:
        break;
    }
    return scn_do_repeat(c, n, path, keys, v, f);
}

/* Moved pools, per DHCP server in time order: a pool moved without router
 * keeps the router the server had (its first one is the uplink's gateway
 * 10.0.2.2), which must lie in the new subnet. A cable_move's server is
 * the new network's: its address is the highest host address outside the
 * pool and the router (.253 on 10.0.2.0/24). */
static int scn_check_moves(scn_ctx *c)
{
    scenario *s = c->s;
    for (int target = -1; target < s->naps; target++) {
        /* the router the server has at first (sim/world.h) */
        uint32_t router = SCN_UPLINK_GW;
        if (target >= 0 && s->aps[target].network >= 0)
            router = s->networks[s->aps[target].network].router;
        else if (target > 0 && s->aps[target].pool_start == 0)
            router = (SCN_UPLINK_NET + ((uint32_t)target << 8)) | 2;
        sim_time last = -1;
        int last_i = -1;
        for (;;) {
            /* the next pool move of this server after (last, last_i) */
            int pick = -1;
            for (int i = 0; i < s->nfaults; i++) {
                const scn_fault *f = &s->faults[i];
                bool mine = f->kind == SCN_F_CABLE_MOVE ? target < 0
                                                        : f->kind == SCN_F_DHCP && (target < 0 ? f->lan : f->ap == target);
                if (!mine || !f->has_pool)
                    continue;
                if (f->at < last || (f->at == last && i <= last_i))
                    continue;
                if (pick < 0 || f->at < s->faults[pick].at)
                    pick = i;
            }
            if (pick < 0)
                break;
            scn_fault *f = &s->faults[pick];
            last = f->at;
            last_i = pick;
            uint32_t net = f->pool_start & f->netmask, bcast = net | ~f->netmask;
            if (f->router == 0) {
                if ((router & f->netmask) != net || router == net || router == bcast ||
                    (router >= f->pool_start && router <= f->pool_end))
                    return scn_fail_at(c, SIM_EINVAL, f->pool_line, f->pool_col,
                                       "timeline[%d].pool: moves %s to %u.%u.%u.%u/%d, which cannot keep its router "
                                       "%u.%u.%u.%u; give router: (e.g. %u.%u.%u.%u)", pick,
                                       target < 0 ? "the wired segment's DHCP server" : s->aps[target].name,
                                       net >> 24, net >> 16 & 255, net >> 8 & 255, net & 255,
                                       32 - __builtin_ctz(f->netmask), router >> 24, router >> 16 & 255,
                                       router >> 8 & 255, router & 255, (net + 1) >> 24, (net + 1) >> 16 & 255,
                                       (net + 1) >> 8 & 255, (net + 1) & 255);
                f->router = router;
            }
            router = f->router;
            /* A dhcp fault renumbers the network under a server that keeps
             * its address (reached through the router, dhcps.h); a
             * cable_move is another network, with its own server. */
            if (f->kind != SCN_F_CABLE_MOVE) {
                f->server_ip = 0;
            } else if (net == SCN_UPLINK_NET) {
                f->server_ip = target < 0 ? 0x0a0002fdu : 0x0a0002feu;
            } else {
                uint32_t h = bcast - 1;
                while (h > net && (h == f->router || (h >= f->pool_start && h <= f->pool_end)))
                    h--;
                if (h == net)
                    return scn_fail_at(c, SIM_EINVAL, f->pool_line, f->pool_col,
                                       "timeline[%d].pool: leaves no address in the subnet for the DHCP server", pick);
                f->server_ip = h;
            }
        }
    }
    return 0;
}

/* {at: T, console: "TEXT", device: NAME}: a line written to the console of
 * the device (of every device without device:). */
static int scn_console_entry(scn_ctx *c, const scn_node *n, const char *path, scn_fault *f)
{
    const scn_node *v[SCN_FAULT_KEYS];
    const char *keys[SCN_FAULT_KEYS];
    char p[SCN_PATH], msg[300];
    int rc;
    f->kind = SCN_F_CONSOLE;
    scn_repeat_keys(scn_fault_keys(f->kind), keys);
    if ((rc = scn_fields(c, n, path, " for a console line", keys, v)) != 0)
        return rc;
    const scn_node *at = scn_get(keys, v, "at");
    if (at == NULL)
        return scn_missing(c, n, path, "at", "when the line is written, e.g. at: 60s");
    scn_path(p, path, "at");
    if ((rc = scn_dur(c, at, p, 0, "must be >= 0", &f->at)) != 0)
        return rc;
    if (f->at > c->s->duration)
        return scn_fail(c, at, "%s: %s is after the end of the run (duration: %s, line %d)", p, at->text,
                        c->duration->text, c->duration->line);
    const scn_node *x = scn_get(keys, v, "device");
    if (x != NULL) {
        scn_path(p, path, "device");
        if ((rc = scn_device_ref(c, x, p, &f->device)) != 0)
            return rc;
    }
    x = scn_get(keys, v, "console");
    scn_path(p, path, "console");
    if ((rc = scn_scalar(c, x, p, "one line of text for the device's console")) != 0)
        return rc;
    if (scn_value_console_line(x->text, strlen(x->text) == x->len ? x->len : 0, msg, sizeof msg) != 0)
        return scn_fail(c, x, "%s: %s", p, msg);
    memcpy(f->console, x->text, x->len + 1);
    return scn_do_repeat(c, n, path, keys, v, f);
}

static int scn_do_fault(scn_ctx *c, const scn_node *n, const char *path, scn_fault *f)
{
    static const char *const all[] = {"at",      "fault",  "ap",      "duration", "keep_leases",
                                      "channel", "passphrase", "tx_power", "to",  "speed",
                                      "mode",    "lease",  "pool",    "netmask", "router",
                                      "survives_power_cycles", "device", "service", "delay", "id", "every",
                                      "until", "count", "jitter", "reason", "status", "comeback", "pause", "lan",
                                      "console", NULL};
    const scn_node *v[SCN_FAULT_KEYS];
    const char *keys[SCN_FAULT_KEYS];
    char p[SCN_PATH], qual[48];
    scenario *s = c->s;
    int rc;
    f->ap = -1;
    f->device = -1;
    f->line = n->line;
    if (n->type != SCN_N_MAP)
        return scn_fail(c, n,
                        "%s: expected a mapping such as {at: 60s, fault: ap_reboot, ap: ap1, duration: 30s}, not %s",
                        path, scn_is_null(n) ? "nothing" : scn_kind_text(n));
    const scn_node *fn = NULL, *con = NULL;
    for (const scn_node *k = n->first; k != NULL && k->next != NULL; k = k->next->next) {
        if (k->type == SCN_N_SCALAR && strcmp(k->text, "fault") == 0 && fn == NULL)
            fn = k->next;
        if (k->type == SCN_N_SCALAR && strcmp(k->text, "console") == 0 && con == NULL)
            con = k;
    }
    if (fn != NULL && con != NULL)
        return scn_fail(c, con, "%s: an entry is a fault or a console line, not both (drop 'fault' or 'console')",
                        path);
    if (con != NULL)
        return scn_console_entry(c, n, path, f);
    if (fn == NULL) {
        /* A misspelt key is the likelier mistake than a forgotten one. */
        if ((rc = scn_fields(c, n, path, "", all, v)) != 0)
            return rc;
        char known[400];
        scn_join(scn_fault_names, SCN_F_CONSOLE, known, sizeof known); /* console: is not a fault: key */
        return scn_fail(c, n, "%s: missing required key 'fault' (one of: %s)", path, known);
    }
    int kind;
    {
        char shown[64], known[400], hint[80];
        scn_join(scn_fault_names, SCN_F_CONSOLE, known, sizeof known); /* console: is not a fault: key */
        if ((rc = scn_scalar(c, fn, path, "a fault name")) != 0)
            return rc;
        kind = -1;
        for (int i = 0; i < SCN_NFAULTS; i++)
            if (strcmp(fn->text, scn_fault_names[i]) == 0)
                kind = i;
        if (kind == SCN_F_CONSOLE)
            return scn_fail(c, fn, "%s: a console line is written as {at: 5m, console: \"TEXT\"}, not as a fault",
                            path);
        if (kind < 0)
            return scn_fail(c, fn, "%s: unknown fault '%s' (known: %s%s)", path, scn_show(fn, shown, sizeof shown),
                            known, scn_suggest(fn->text, scn_fault_names, SCN_F_CONSOLE, hint, sizeof hint));
    }
    f->kind = (scn_fault_kind)kind;
    const char *fname = scn_fault_names[kind];
    scn_repeat_keys(scn_fault_keys(f->kind), keys);
    snprintf(qual, sizeof qual, " for %s", fname);
    if ((rc = scn_fields(c, n, path, qual, keys, v)) != 0)
        return rc;
    const scn_node *at = scn_get(keys, v, "at");
    if (at == NULL)
        return scn_missing(c, n, path, "at", "when the fault starts, e.g. at: 60s");
    scn_path(p, path, "at");
    if ((rc = scn_dur(c, at, p, 0, "must be >= 0", &f->at)) != 0)
        return rc;
    if (f->at > s->duration)
        return scn_fail(c, at, "%s: %s is after the end of the run (duration: %s, line %d)", p, at->text,
                        c->duration->text, c->duration->line);

    const scn_node *x;
    if ((x = scn_get(keys, v, "device")) != NULL) {
        scn_path(p, path, "device");
        if ((rc = scn_device_ref(c, x, p, &f->device)) != 0)
            return rc;
    }
    if (f->kind == SCN_F_SERVICE) {
        if ((rc = scn_service_fault(c, n, path, keys, v, f)) != 0)
            return rc;
        return scn_do_repeat(c, n, path, keys, v, f); /* id:, every: as on any entry */
    }
    if (f->kind == SCN_F_DHCP && (x = scn_get(keys, v, "lan")) != NULL) {
        scn_path(p, path, "lan");
        if ((rc = scn_bool(c, x, p, &f->lan)) != 0)
            return rc;
        if (f->lan && scn_get(keys, v, "ap") != NULL)
            return scn_fail(c, x, "%s: give ap (an access point's DHCP server) or lan: true (the wired segment's), "
                                  "not both", p);
        if (f->lan && !scn_any_lan(s, -1))
            return scn_fail(c, x, "%s: the wired segment's DHCP server needs a wired device: set world.device.lan: "
                                  "true", p);
    }
    if (f->kind == SCN_F_GROUP_KEY_MISS || f->kind == SCN_F_CABLE_MOVE)
        return scn_more_fault(c, n, fn, path, keys, v, f); /* ends with the id:/every: keys */
    if (f->kind != SCN_F_MOVE_DEVICE && f->kind != SCN_F_RADIO_WEDGE && f->kind != SCN_F_CABLE_PULL && !f->lan) {
        if ((x = scn_get(keys, v, "ap")) == NULL)
            return scn_missing(c, n, path, "ap", "which access point, by name");
        scn_path(p, path, "ap");
        if ((rc = scn_ap_ref(c, x, p, &f->ap)) != 0)
            return rc;
    }
    if (f->kind == SCN_F_AP_DEAUTH || f->kind == SCN_F_AP_DISASSOC || f->kind == SCN_F_AP_REFUSE)
        return scn_more_fault(c, n, fn, path, keys, v, f);
    switch (f->kind) {
    case SCN_F_AP_REBOOT:
    case SCN_F_CABLE_PULL:
        if ((x = scn_get(keys, v, "duration")) == NULL)
            return scn_missing(c, n, path, "duration",
                               f->kind == SCN_F_AP_REBOOT ? "how long the AP stays down, e.g. duration: 30s"
                                                          : "how long the cable stays out, e.g. duration: 30s");
        scn_path(p, path, "duration");
        if ((rc = scn_dur(c, x, p, 1, "must be > 0", &f->duration)) != 0)
            return rc;
        if (f->kind == SCN_F_CABLE_PULL) {
            bool any = false;
            for (int i = 0; i < s->ndevices; i++)
                if ((f->device < 0 || f->device == i) && s->devices[i].lan)
                    any = true;
            if (!any)
                return scn_fail(c, fn, "%s: cable_pull needs a wired interface: set world.device.lan: true", path);
        }
        if ((x = scn_get(keys, v, "keep_leases")) != NULL) {
            scn_path(p, path, "keep_leases");
            if ((rc = scn_bool(c, x, p, &f->keep_leases)) != 0)
                return rc;
        }
        if ((x = scn_get(keys, v, "channel")) != NULL) {
            scn_path(p, path, "channel");
            if ((rc = scn_channel(c, x, p, &f->channel)) != 0)
                return rc;
        }
        break;
    case SCN_F_AP_OFF:
    case SCN_F_AP_ON:
        break;
    case SCN_F_AP_PASSPHRASE:
        if ((x = scn_get(keys, v, "passphrase")) == NULL)
            return scn_missing(c, n, path, "passphrase", "the new passphrase, or \"\" for an open network");
        scn_path(p, path, "passphrase");
        if ((rc = scn_passphrase(c, x, p, f->passphrase, sizeof f->passphrase)) != 0)
            return rc;
        /* a wpa3 AP's passphrase is its SAE password (ap_set_passphrase) */
        if (s->aps[f->ap].security == SCN_SEC_WPA2_ENTERPRISE)
            return scn_fail(c, x, "%s: %s is wpa2-enterprise: it has no passphrase (radius_user changes a user's "
                                  "password on its server)", p, s->aps[f->ap].name);
        if ((s->aps[f->ap].security == SCN_SEC_WPA3 || s->aps[f->ap].security == SCN_SEC_WPA3_TRANSITION) &&
            f->passphrase[0] == '\0')
            return scn_fail(c, x, "%s: %s offers SAE: it cannot become an open network", p, s->aps[f->ap].name);
        break;
    case SCN_F_AP_TX_POWER:
        if ((x = scn_get(keys, v, "tx_power")) == NULL)
            return scn_missing(c, n, path, "tx_power", "the new power in dBm, -10..30");
        scn_path(p, path, "tx_power");
        if ((rc = scn_num(c, x, p, SCN_TX_POWER_MIN, SCN_TX_POWER_MAX, " dBm", &f->tx_power_dbm)) != 0)
            return rc;
        break;
    case SCN_F_MOVE_DEVICE:
        if ((x = scn_get(keys, v, "to")) == NULL)
            return scn_missing(c, n, path, "to", "where the device goes, [x, y] or [x, y, z] in metres");
        scn_path(p, path, "to");
        if ((rc = scn_position(c, x, p, &f->to)) != 0)
            return rc;
        if ((x = scn_get(keys, v, "speed")) != NULL) {
            scn_path(p, path, "speed");
            if ((rc = scn_num(c, x, p, 0, SCN_SPEED_MAX, " m/s; 0 = jump", &f->speed)) != 0)
                return rc;
            /* A slower walk across the widest world would not end within
             * the range of virtual time (scn_position's +-100 km). */
            if (f->speed > 0 && f->speed < SCN_SPEED_MIN) {
                char shown[64];
                return scn_fail(c, x, "%s: %s is out of range (0 to jump, or 0.001..1000 m/s)", p,
                                scn_show(x, shown, sizeof shown));
            }
        }
        break;
    case SCN_F_DHCP: {
        static const char *const modes[] = {[SCN_DHCP_NORMAL] = "normal",
                                            [SCN_DHCP_IGNORE_RENEWALS] = "ignore_renewals",
                                            [SCN_DHCP_NAK_RENEWALS] = "nak_renewals",
                                            [SCN_DHCP_SILENT] = "silent",
                                            [SCN_DHCP_EMPTY_POOL] = "empty_pool"};
        int m = 0; /* set by scn_pick on success */
        if ((x = scn_get(keys, v, "mode")) == NULL)
            return scn_missing(c, n, path, "mode", "normal, ignore_renewals, nak_renewals, silent or empty_pool");
        scn_path(p, path, "mode");
        if ((rc = scn_pick(c, x, p, "DHCP mode", modes, 5, &m)) != 0)
            return rc;
        f->dhcp_mode = (scn_dhcp_mode)m;
        if ((x = scn_get(keys, v, "lease")) != NULL) {
            scn_path(p, path, "lease");
            if ((rc = scn_dur(c, x, p, SIM_SEC(1), "must be >= 1s", &f->lease)) != 0)
                return rc;
            if (f->lease % SIM_SEC(1) != 0)
                return scn_fail(c, x, "%s: %s is not a whole number of seconds (DHCP leases are in seconds)", p,
                                x->text);
        }
        const scn_node *pool = scn_get(keys, v, "pool");
        const scn_node *mask = scn_get(keys, v, "netmask");
        const scn_node *router = scn_get(keys, v, "router");
        if (pool == NULL) {
            if (mask != NULL || router != NULL)
                return scn_fail(c, mask != NULL ? mask : router,
                                "%s.%s: only meaningful with pool (the subnet the pool moves to)", path,
                                mask != NULL ? "netmask" : "router");
            break;
        }
        if ((rc = scn_moved_pool(c, path, pool, mask, router, f)) != 0)
            return rc;
        break;
    }
    case SCN_F_RADIO_WEDGE: {
        static const char *const modes[] = {[SCN_WEDGE_COMMANDS] = "commands", [SCN_WEDGE_FRAMES] = "frames",
                                            [SCN_WEDGE_BOTH] = "both"};
        int m = 0; /* set by scn_pick on success */
        long long k;
        if ((x = scn_get(keys, v, "mode")) == NULL)
            return scn_missing(c, n, path, "mode", "commands, frames or both");
        scn_path(p, path, "mode");
        if ((rc = scn_pick(c, x, p, "wedge mode", modes, 3, &m)) != 0)
            return rc;
        f->wedge_mode = (scn_wedge_mode)m;
        if ((x = scn_get(keys, v, "survives_power_cycles")) != NULL) {
            scn_path(p, path, "survives_power_cycles");
            if ((rc = scn_int(c, x, p, 0, 1000, "", &k)) != 0)
                return rc;
            f->survives_power_cycles = (int)k;
        }
        break;
    }
    case SCN_F_DOWNGRADE: {
        const scn_ap *twin = &s->aps[f->ap];
        bool genuine = false;
        for (int i = 0; i < s->naps; i++)
            genuine |= i != f->ap && s->aps[i].security == SCN_SEC_WPA3_TRANSITION && strcmp(s->aps[i].ssid, twin->ssid) == 0;
        if ((twin->security != SCN_SEC_WPA2 && twin->security != SCN_SEC_DEFAULT) || twin->passphrase[0] == '\0' ||
            !genuine)
            return scn_fail(c, fn, "%s: downgrade needs ap: a wpa2 AP with the SSID of a wpa3-transition AP (%s is not)",
                            path, twin->name);
        if ((x = scn_get(keys, v, "duration")) != NULL) {
            scn_path(p, path, "duration");
            if ((rc = scn_dur(c, x, p, 1, "must be > 0", &f->duration)) != 0)
                return rc;
        }
        break;
    }
    case SCN_F_SAE_ANTI_CLOGGING:
        if (s->aps[f->ap].security != SCN_SEC_WPA3 && s->aps[f->ap].security != SCN_SEC_WPA3_TRANSITION)
            return scn_fail(c, fn, "%s: sae_anti_clogging needs a wpa3 or wpa3-transition AP (%s is not)", path,
                            s->aps[f->ap].name);
        if ((x = scn_get(keys, v, "duration")) != NULL) {
            scn_path(p, path, "duration");
            if ((rc = scn_dur(c, x, p, 1, "must be > 0", &f->duration)) != 0)
                return rc;
        }
        break;
    case SCN_F_RADIUS_DOWN:
    case SCN_F_RADIUS_SLOW:
        if (s->aps[f->ap].security != SCN_SEC_WPA2_ENTERPRISE)
            return scn_fail(c, fn, "%s: %s needs a wpa2-enterprise AP (%s is not)", path, fname, s->aps[f->ap].name);
        if (f->kind == SCN_F_RADIUS_SLOW) {
            if ((x = scn_get(keys, v, "delay")) == NULL)
                return scn_missing(c, n, path, "delay", "how long each RADIUS reply takes, e.g. delay: 4s");
            scn_path(p, path, "delay");
            if ((rc = scn_dur(c, x, p, 0, "must be >= 0", &f->delay)) != 0)
                return rc;
        }
        if ((x = scn_get(keys, v, "duration")) != NULL) {
            scn_path(p, path, "duration");
            if ((rc = scn_dur(c, x, p, 1, "must be > 0", &f->duration)) != 0)
                return rc;
        }
        break;
    case SCN_F_SPOOFED_DEAUTH:
        f->code = 7; /* class 3 frame from a nonassociated STA: what deauth attack tools send */
        if ((x = scn_get(keys, v, "reason")) != NULL) {
            int code;
            scn_path(p, path, "reason");
            if ((rc = scn_code(c, x, p, true, &code)) != 0)
                return rc;
            f->code = (uint16_t)code;
        }
        break;
    case SCN_F_RADIUS_SERVER_CERT:
    case SCN_F_RADIUS_REVOKE:
    case SCN_F_RADIUS_USER:
        if ((rc = scn_radius_fault(c, n, fn, path, keys, v, f)) != 0)
            return rc;
        break;
    case SCN_F_SERVICE:
    case SCN_F_AP_DEAUTH:
    case SCN_F_AP_DISASSOC:
    case SCN_F_AP_REFUSE:
    case SCN_F_GROUP_KEY_MISS:
    case SCN_F_CABLE_MOVE:
    case SCN_F_CONSOLE:
        break; /* parsed above */
    }
    return scn_do_repeat(c, n, path, keys, v, f);
}

/* "key: value, key: value" as the file wrote it, for names in reports. */
static void scn_render(const scn_node *n, char *buf, size_t cap, size_t *k, int depth)
{
    if (*k + 1 >= cap)
        return;
    if (n->type == SCN_N_SCALAR) {
        char shown[96];
        int w = snprintf(buf + *k, cap - *k, "%s", scn_show(n, shown, sizeof shown));
        *k += w > 0 ? (size_t)w : 0;
    } else {
        bool map = n->type == SCN_N_MAP;
        if (depth > 0) {
            int w = snprintf(buf + *k, cap - *k, "%s", map ? "{" : "[");
            *k += w > 0 ? (size_t)w : 0;
        }
        int i = 0;
        for (const scn_node *e = n->first; e != NULL && *k + 1 < cap; e = e->next, i++) {
            const char *sep = i == 0 ? "" : (map && i % 2 == 1) ? ": " : ", ";
            int w = snprintf(buf + *k, cap - *k, "%s", sep);
            *k += w > 0 ? (size_t)w : 0;
            if (*k + 1 < cap)
                scn_render(e, buf, cap, k, depth + 1);
        }
        if (depth > 0 && *k + 1 < cap) {
            int w = snprintf(buf + *k, cap - *k, "%s", map ? "}" : "]");
            *k += w > 0 ? (size_t)w : 0;
        }
    }
    if (*k >= cap)
        *k = cap - 1;
}

/* Bounds {min, max} as power_cycles and marker take them; either may be
 * left out (0 and unbounded). */
static int scn_bounds(scn_ctx *c, const scn_node *minv, const scn_node *maxv, const scn_node *at, const char *path,
                      scn_expect *e)
{
    char mp[SCN_PATH];
    int rc;
    e->min = 0;
    e->max = LLONG_MAX;
    scn_path(mp, path, "min");
    if (minv != NULL && (rc = scn_int(c, minv, mp, 0, LLONG_MAX, "", &e->min)) != 0)
        return rc;
    scn_path(mp, path, "max");
    if (maxv != NULL && (rc = scn_int(c, maxv, mp, 0, LLONG_MAX, "", &e->max)) != 0)
        return rc;
    if (e->min > e->max)
        return scn_fail(c, at, "%s: min %lld is greater than max %lld", path, e->min, e->max);
    return 0;
}

/* after: and exclude: take a plain number the old way (its messages
 * unchanged); anything else is an id, perhaps with #K. */
static bool scn_looks_numeric(const char *t)
{
    return (t[0] == '-' || t[0] == '+' || (t[0] >= '0' && t[0] <= '9')) && strchr(t, '#') == NULL;
}

/* A timeline entry by id or number, optionally one occurrence: "reboot",
 * "3", "reboot#3", "3#2" (scenario.h). */
static int scn_entry_ref(scn_ctx *c, const scn_node *n, const char *path, int *entry, int *occ)
{
    const scenario *s = c->s;
    const char *want = "a timeline entry: its id (reboot), its number (0), or one occurrence (reboot#3)";
    char shown[64], name[40], known[400], hint[80];
    int rc = scn_scalar(c, n, path, want);
    if (rc != 0)
        return rc;
    scn_show(n, shown, sizeof shown);
    const char *hash = strchr(n->text, '#');
    size_t nl = hash != NULL ? (size_t)(hash - n->text) : n->len;
    if (nl == 0 || nl >= sizeof name || strlen(n->text) != n->len)
        return scn_fail(c, n, "%s: '%s' is not %s", path, shown, want);
    memcpy(name, n->text, nl);
    name[nl] = '\0';
    int idx = -1;
    long long x;
    if (scn_all_digits(name)) {
        if (!scn_text_ll(name, &x))
            return scn_fail(c, n, "%s: '%s' is not %s", path, shown, want);
        if (x >= s->nfaults) {
            if (s->nfaults == 0)
                return scn_fail(c, n, "%s: timeline entry %lld does not exist (the timeline is empty)", path, x);
            return scn_fail(c, n, "%s: timeline entry %lld does not exist (the timeline has %d entr%s: 0..%d)", path,
                            x, s->nfaults, s->nfaults == 1 ? "y" : "ies", s->nfaults - 1);
        }
        idx = (int)x;
    } else {
        const char *ids[SCN_MAX_FAULTS];
        int nids = 0;
        for (int i = 0; i < s->nfaults; i++) {
            if (strcmp(s->faults[i].id, name) == 0)
                idx = i;
            if (s->faults[i].id[0] != '\0')
                ids[nids++] = s->faults[i].id;
        }
        if (idx < 0 && nids == 0)
            return scn_fail(c, n, "%s: no timeline entry has the id '%s' (no entry has an id: give one with id: "
                                  "NAME, or use the entry's number)", path, name);
        if (idx < 0) {
            scn_join(ids, nids, known, sizeof known);
            return scn_fail(c, n, "%s: no timeline entry has the id '%s' (ids: %s%s)", path, name, known,
                            scn_suggest(name, ids, nids, hint, sizeof hint));
        }
    }
    *entry = idx;
    *occ = 0;
    if (hash != NULL) {
        const scn_fault *f = &s->faults[idx];
        if (!scn_text_ll(hash + 1, &x) || x < 1)
            return scn_fail(c, n, "%s: '%s': the occurrence after '#' is a whole number from 1", path, shown);
        if (x > f->count)
            return scn_fail(c, n, "%s: '%s': %s%.0d has %lld occurrence%s (#1..#%lld)", path, shown,
                            f->id[0] ? f->id : "entry ", f->id[0] ? 0 : idx, f->count, f->count == 1 ? "" : "s",
                            f->count);
        *occ = (int)x;
    }
    return 0;
}

/* A MicroPython status name (STAT_*): its value, or a located error that
 * lists the names and suggests the nearest. */
static int scn_status_ref(scn_ctx *c, const scn_node *val, const char *p, int *out)
{
    char names[200], shown[64], hint[80];
    const char *list[SCN_NSTATUS];
    for (int i = 0; i < SCN_NSTATUS; i++)
        list[i] = scn_statuses[i].name;
    scn_join(list, SCN_NSTATUS, names, sizeof names);
    int rc = scn_scalar(c, val, p, "a status name");
    if (rc != 0)
        return rc;
    *out = scn_status_value(val->text);
    if (*out == -100)
        return scn_fail(c, val, "%s: unknown status '%s' (known: %s%s)", p, scn_show(val, shown, sizeof shown), names,
                        scn_suggest(val->text, list, SCN_NSTATUS, hint, sizeof hint));
    return 0;
}

/* The values of max_outage, status_never and associated_with. */
static int scn_do_expect_more(scn_ctx *c, const char *path, const char *const *keys, const scn_node **v,
                              scn_expect *e)
{
    const scenario *s = c->s;
    char p[SCN_PATH], ep[SCN_PATH];
    const scn_node *val = v[0];
    const char *ename = keys[0];
    int rc;
    scn_path(p, path, ename);
    switch (e->kind) {
    case SCN_E_MAX_OUTAGE: {
        const scn_node *ex = scn_get(keys, v, "exclude"), *grace = scn_get(keys, v, "grace");
        if ((rc = scn_dur(c, val, p, 1, "must be > 0", &e->within)) != 0)
            return rc;
        if (grace != NULL && ex == NULL)
            return scn_fail(c, grace, "%s.grace: only meaningful with exclude (it lengthens the excluded windows)",
                            path);
        if (ex == NULL)
            return 0;
        scn_path(p, path, "exclude");
        if ((rc = scn_seq(c, ex, p, "a list of timeline entries, e.g. [reboot, walk#2]")) != 0)
            return rc;
        if (ex->n == 0)
            return scn_fail(c, ex, "%s: is empty (expected 1..%d timeline entries; leave exclude out to count every "
                                   "silence)", p, SCN_MAX_EXCLUDE);
        for (const scn_node *x = ex->first; x != NULL; x = x->next) {
            if (e->nexclude == SCN_MAX_EXCLUDE)
                return scn_fail_limit(c, x, "%s[%d]: too many entries (at most %d)", p, e->nexclude, SCN_MAX_EXCLUDE);
            scn_path_index(ep, p, e->nexclude);
            scn_ref *ref = &e->exclude[e->nexclude];
            if (x->type == SCN_N_SCALAR && x->plain && scn_looks_numeric(x->text)) {
                long long k;
                if ((rc = scn_int(c, x, ep, 0, LLONG_MAX, " (a timeline entry, counted from 0)", &k)) != 0)
                    return rc;
            }
            if ((rc = scn_entry_ref(c, x, ep, &ref->entry, &ref->occ)) != 0)
                return rc;
            e->nexclude++;
        }
        scn_path(p, path, "grace");
        if (grace != NULL && (rc = scn_dur(c, grace, p, 0, "must be >= 0", &e->grace)) != 0)
            return rc;
        return 0;
    }
    case SCN_E_STATUS_NEVER: {
        if ((rc = scn_status_ref(c, val, p, &e->status)) != 0)
            return rc;
        return 0;
    }
    case SCN_E_ASSOCIATED_WITH: {
        const scn_node *at = scn_get(keys, v, "at"), *after = scn_get(keys, v, "after");
        const scn_node *within = scn_get(keys, v, "within");
        if ((rc = scn_ap_ref(c, val, p, &e->ap)) != 0)
            return rc;
        if (at != NULL && after != NULL)
            return scn_fail(c, at, "%s.at: give at or after, not both (after is at line %d)", path, after->line);
        if (at != NULL) {
            scn_path(p, path, "at");
            if ((rc = scn_dur(c, at, p, 0, "must be >= 0", &e->at)) != 0)
                return rc;
            if (e->at > s->duration)
                return scn_fail(c, at, "%s: %s is after the end of the run (duration: %s, line %d)", p, at->text,
                                c->duration->text, c->duration->line);
        }
        scn_path(p, path, "within");
        if (within != NULL && (rc = scn_dur(c, within, p, 1, "must be > 0", &e->within)) != 0)
            return rc;
        return 0;
    }
    case SCN_E_CLIENT_JOINED:
    case SCN_E_CLIENT_GOT_ADDRESS:
    case SCN_E_CLIENT_FETCHED:
    case SCN_E_CLIENT_DEAUTHED: {
        /* the value names the client; the rest qualifies what it saw */
        const scn_node *within = scn_get(keys, v, "within"), *never = scn_get(keys, v, "never");
        const scn_node *status = scn_get(keys, v, "status"), *contains = scn_get(keys, v, "contains");
        const scn_node *reason = scn_get(keys, v, "reason");
        if ((rc = scn_device_ref(c, val, p, &e->device)) != 0)
            return rc;
        if (!s->devices[e->device].client)
            return scn_fail(c, val, "%s: '%s' is a device, not a client (clients: declares them)", p, val->text);
        scn_path(p, path, "within");
        if (within != NULL && (rc = scn_dur(c, within, p, 1, "must be > 0", &e->within)) != 0)
            return rc;
        scn_path(p, path, "never");
        if (never != NULL && (rc = scn_bool(c, never, p, &e->never)) != 0)
            return rc;
        if (e->never && within != NULL)
            return scn_fail(c, within, "%s.within: not with never: true (never holds for the whole run)", path);
        e->status = 200;
        long long x;
        scn_path(p, path, "status");
        if (status != NULL) {
            if ((rc = scn_int(c, status, p, 100, 599, " (an HTTP status code)", &x)) != 0)
                return rc;
            e->status = (int)x;
        }
        scn_path(p, path, "contains");
        if (contains != NULL &&
            (rc = scn_str(c, contains, p, 1, sizeof e->contains - 1, "text the body must hold", e->contains,
                          sizeof e->contains)) != 0)
            return rc;
        e->reason = -1;
        scn_path(p, path, "reason");
        if (reason != NULL) {
            if (reason->type == SCN_N_SCALAR && reason->plain && scn_looks_numeric(reason->text)) {
                if ((rc = scn_int(c, reason, p, 1, 65535, " (a reason code, 9.4.1.7)", &x)) != 0)
                    return rc;
                e->reason = (int)x;
            } else {
                if ((rc = scn_scalar(c, reason, p, "a reason code or name")) != 0)
                    return rc;
                e->reason = scn_reason_value(reason->text);
                if (e->reason < 0)
                    return scn_fail(c, reason, "%s: unknown reason '%s' (a number 1..65535 or a name such as "
                                               "4way_handshake_timeout)", p, reason->text);
            }
        }
        return 0;
    }
    default:
        return 0;
    }
}

static int scn_do_expect(scn_ctx *c, const scn_node *n, const char *path, scn_expect *e)
{
    static const char *const mods[] = {"after", "within", "min", "max", "device", "at", "exclude", "grace",
                                       "never", "status", "contains", "reason", NULL};
    scenario *s = c->s;
    char p[SCN_PATH], shown[64], known[400], hint[80];
    int rc;
    e->after = -1;
    e->device = -1;
    e->line = n->line;
    e->ap = -1;
    e->at = -1;
    if (n->type != SCN_N_MAP)
        return scn_fail(c, n, "%s: expected a mapping such as 'link_up_within: 15s', not %s", path,
                        scn_is_null(n) ? "nothing" : scn_kind_text(n));
    const scn_node *name = NULL, *bad = NULL;
    int kind = -1;
    for (const scn_node *k = n->first; k != NULL && k->next != NULL; k = k->next->next) {
        if (k->type != SCN_N_SCALAR)
            return scn_fail(c, k, "%s: a key must be a plain name, not %s", path, scn_kind_text(k));
        for (size_t i = 0; i < sizeof scn_retired / sizeof scn_retired[0]; i++)
            if (strcmp(k->text, scn_retired[i].name) == 0)
                return scn_fail(c, k,
                                "%s: '%s' is no longer an expectation: it trusted the firmware's own count; use %s",
                                path, scn_retired[i].name, scn_retired[i].instead);
        int idx = -1;
        for (int i = 0; i < SCN_NEXPECTS; i++)
            if (strcmp(k->text, scn_expect_names[i]) == 0)
                idx = i;
        if (idx >= 0 && name == NULL) {
            name = k;
            kind = idx;
        } else if (idx >= 0 && idx != kind) {
            return scn_fail(c, k, "%s: '%s' and '%s' in one entry (one expectation per '-' entry)", path, name->text,
                            k->text);
        } else if (idx < 0 && bad == NULL && !scn_in(mods, k->text)) {
            bad = k;
        }
    }
    scn_join(scn_expect_names, SCN_NEXPECTS, known, sizeof known);
    if (name == NULL) {
        if (bad != NULL)
            return scn_fail(c, bad, "%s: unknown expectation '%s' (known: %s%s)", path,
                            scn_show(bad, shown, sizeof shown), known,
                            scn_suggest(bad->text, scn_expect_names, SCN_NEXPECTS, hint, sizeof hint));
        return scn_fail(c, n, "%s: no expectation in this entry (one of: %s)", path, known);
    }
    e->kind = (scn_expect_kind)kind;
    const char *ename = scn_expect_names[kind];
    /* The keys each expectation takes besides its own (scenario.h). */
    const char *keys[8] = {ename, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    int nk = 1;
    switch (e->kind) {
    case SCN_E_LINK_UP_WITHIN:
    case SCN_E_RECOVERY_WITHIN:
    case SCN_E_DROP_DETECTED_WITHIN:
    case SCN_E_RECONNECT_SPACING:
    case SCN_E_DELIVERY_GAP_MAX:
        keys[nk++] = "after";
        break;
    case SCN_E_STATUS_REACHES:
    case SCN_E_CONSOLE_LINE:
        keys[nk++] = "after";
        keys[nk++] = "within";
        break;
    case SCN_E_MARKER:
        keys[nk++] = "min";
        keys[nk++] = "max";
        keys[nk++] = "after";
        keys[nk++] = "within";
        break;
    case SCN_E_ASSOCIATED_WITH:
        keys[nk++] = "at";
        keys[nk++] = "after";
        keys[nk++] = "within";
        break;
    case SCN_E_MAX_OUTAGE:
        keys[nk++] = "exclude";
        keys[nk++] = "grace";
        break;
    case SCN_E_CLIENT_JOINED:
    case SCN_E_CLIENT_GOT_ADDRESS:
        keys[nk++] = "within";
        keys[nk++] = "never";
        break;
    case SCN_E_CLIENT_FETCHED:
        keys[nk++] = "within";
        keys[nk++] = "never";
        keys[nk++] = "status";
        keys[nk++] = "contains";
        break;
    case SCN_E_CLIENT_DEAUTHED:
        keys[nk++] = "within";
        keys[nk++] = "reason";
        break;
    default:
        break;
    }
    bool client_kind = e->kind >= SCN_E_CLIENT_JOINED;
    if (!client_kind)
        keys[nk++] = "device"; /* device: may qualify any expectation but a client's (named by its value) */
    const scn_node *v[7];
    char qual[48];
    snprintf(qual, sizeof qual, " for %s", ename);
    if ((rc = scn_fields(c, n, path, qual, keys, v)) != 0)
        return rc;
    const scn_node *after = scn_get(keys, v, "after");
    const scn_node *within = scn_get(keys, v, "within");
    const scn_node *devn = scn_get(keys, v, "device");
    if (devn != NULL) {
        scn_path(p, path, "device");
        if ((rc = scn_device_ref(c, devn, p, &e->device)) != 0)
            return rc;
    }
    size_t k = 0;
    scn_render(n, e->text, sizeof e->text, &k, 0);
    e->text[k] = '\0';
    const scn_node *val = v[0];
    scn_path(p, path, ename);
    long long x;
    switch (e->kind) {
    case SCN_E_LINK_UP_WITHIN:
    case SCN_E_RECOVERY_WITHIN:
    case SCN_E_DROP_DETECTED_WITHIN:
        if ((rc = scn_dur(c, val, p, 1, "must be > 0", &e->within)) != 0)
            return rc;
        if (after == NULL && e->kind != SCN_E_LINK_UP_WITHIN)
            return scn_missing(c, n, path, "after", "the timeline entry this is measured from, e.g. after: 0");
        break;
    case SCN_E_STATUS_REACHES: {
        if ((rc = scn_status_ref(c, val, p, &e->status)) != 0)
            return rc;
        scn_path(p, path, "within");
        if (within != NULL && (rc = scn_dur(c, within, p, 1, "must be > 0", &e->within)) != 0)
            return rc;
        break;
    }
    case SCN_E_CONNECT_TIMEOUT_REPORTED:
        if ((rc = scn_bool(c, val, p, &e->flag)) != 0)
            return rc;
        break;
    case SCN_E_RECONNECT_SPACING: {
        char ep[SCN_PATH];
        if ((rc = scn_seq(c, val, p, "a list of 1..16 durations, e.g. [1s, 2s, 4s, 8s]")) != 0)
            return rc;
        if (val->n == 0)
            return scn_fail(c, val, "%s: is empty (expected 1..%d durations)", p, SCN_MAX_BACKOFF);
        for (const scn_node *d = val->first; d != NULL; d = d->next) {
            if (e->nspacing == SCN_MAX_BACKOFF)
                return scn_fail_limit(c, d, "%s[%d]: too many entries (at most %d)", p, e->nspacing, SCN_MAX_BACKOFF);
            scn_path_index(ep, p, e->nspacing);
            if ((rc = scn_dur(c, d, ep, 0, "must be >= 0", &e->spacing[e->nspacing])) != 0)
                return rc;
            e->nspacing++;
        }
        break;
    }
    case SCN_E_POWER_CYCLES:
    case SCN_E_DROPS:
    case SCN_E_CONNECTIONS:
        if (val->type == SCN_N_MAP) {
            static const char *const mm[] = {"min", "max", NULL};
            const scn_node *mv[2];
            if ((rc = scn_fields(c, val, p, "", mm, mv)) != 0)
                return rc;
            if (mv[0] == NULL && mv[1] == NULL)
                return scn_fail(c, val, "%s: give min, max or both (e.g. {min: 1, max: 3})", p);
            if ((rc = scn_bounds(c, mv[0], mv[1], val, p, e)) != 0)
                return rc;
        } else {
            if ((rc = scn_int(c, val, p, 0, LLONG_MAX, " (or {min: a, max: b})", &x)) != 0)
                return rc;
            e->min = e->max = x;
        }
        break;
    case SCN_E_BYTES_DELIVERED_MIN:
    case SCN_E_UPLOADS_MIN:
        if ((rc = scn_int(c, val, p, 0, LLONG_MAX, e->kind == SCN_E_UPLOADS_MIN ? " uploads at least" : " bytes at least",
                          &x)) != 0)
            return rc;
        e->min = x;
        e->max = LLONG_MAX;
        break;
    case SCN_E_DELIVERY_GAP_MAX:
        if ((rc = scn_dur(c, val, p, 1, "must be > 0", &e->within)) != 0)
            return rc;
        break;
    case SCN_E_MARKER: {
        const scn_node *minv = scn_get(keys, v, "min"), *maxv = scn_get(keys, v, "max");
        if ((rc = scn_name(c, val, p, sizeof e->marker - 1, "a marker name, [A-Za-z0-9_.-], 1..31 characters",
                           e->marker, sizeof e->marker)) != 0)
            return rc;
        if ((rc = scn_bounds(c, minv, maxv, n, path, e)) != 0)
            return rc;
        if (minv == NULL && maxv == NULL)
            e->min = 1; /* {marker: x} alone: at least one */
        scn_path(p, path, "within");
        if (within != NULL && (rc = scn_dur(c, within, p, 1, "must be > 0", &e->within)) != 0)
            return rc;
        break;
    }
    case SCN_E_CONSOLE_LINE: {
        char msg[300];
        if ((rc = scn_scalar(c, val, p, "the text a console line must contain")) != 0)
            return rc;
        if (scn_value_console_line(val->text, strlen(val->text) == val->len ? val->len : 0, msg, sizeof msg) != 0)
            return scn_fail(c, val, "%s: %s", p, msg);
        memcpy(e->console, val->text, val->len + 1);
        scn_path(p, path, "within");
        if (within != NULL && (rc = scn_dur(c, within, p, 1, "must be > 0", &e->within)) != 0)
            return rc;
        break;
    }
    case SCN_E_MAX_OUTAGE:
    case SCN_E_STATUS_NEVER:
    case SCN_E_ASSOCIATED_WITH:
    case SCN_E_CLIENT_JOINED:
    case SCN_E_CLIENT_GOT_ADDRESS:
    case SCN_E_CLIENT_FETCHED:
    case SCN_E_CLIENT_DEAUTHED:
        if ((rc = scn_do_expect_more(c, path, keys, v, e)) != 0)
            return rc;
        break;
    }
    if (after != NULL && (after->type != SCN_N_SCALAR || !after->plain || !scn_looks_numeric(after->text))) {
        scn_path(p, path, "after");
        return scn_entry_ref(c, after, p, &e->after, &e->after_occ);
    }
    if (after != NULL) {
        scn_path(p, path, "after");
        if ((rc = scn_int(c, after, p, 0, LLONG_MAX, " (a timeline entry, counted from 0)", &x)) != 0)
            return rc;
        if (x >= s->nfaults) {
            if (s->nfaults == 0)
                return scn_fail(c, after, "%s: timeline entry %lld does not exist (the timeline is empty)", p, x);
            return scn_fail(c, after, "%s: timeline entry %lld does not exist (the timeline has %d entr%s: 0..%d)", p,
                            x, s->nfaults, s->nfaults == 1 ? "y" : "ies", s->nfaults - 1);
        }
        e->after = (int)x;
    }
    return 0;
}

static int scn_do_list(scn_ctx *c, const scn_node *n, const char *key, int max, const char *want,
                       int (*one)(scn_ctx *, const scn_node *, const char *, void *), size_t stride, void *base,
                       int *count)
{
    char p[SCN_PATH];
    int rc = scn_seq(c, n, key, want);
    if (rc != 0)
        return rc;
    for (const scn_node *e = n->first; e != NULL; e = e->next) {
        if (*count == max)
            return scn_fail_limit(c, e, "%s[%d]: too many entries (at most %d)", key, *count, max);
        scn_path_index(p, key, *count);
        if ((rc = one(c, e, p, (char *)base + stride * (size_t)*count)) != 0)
            return rc;
        (*count)++;
    }
    return 0;
}

static int scn_one_fault(scn_ctx *c, const scn_node *n, const char *path, void *out)
{
    return scn_do_fault(c, n, path, out);
}

static int scn_one_expect(scn_ctx *c, const scn_node *n, const char *path, void *out)
{
    return scn_do_expect(c, n, path, out);
}

/* Free text, only shown to people: a long one is shortened (at a UTF-8
 * character boundary, marked with "...") rather than refused. */
static int scn_description(scn_ctx *c, const scn_node *n, scenario *s)
{
    int rc = scn_scalar(c, n, "description", "text");
    if (rc != 0)
        return rc;
    if (strlen(n->text) != n->len)
        return scn_fail(c, n, "description: contains a NUL character");
    size_t cap = sizeof s->description;
    size_t len = n->len;
    /* Folded block scalars (>) end with a newline nobody wants to print. */
    while (len > 0 && (n->text[len - 1] == '\n' || n->text[len - 1] == ' '))
        len--;
    if (len < cap) {
        memcpy(s->description, n->text, len);
        s->description[len] = '\0';
        return 0;
    }
    size_t keep = cap - 4;
    while (keep > 0 && ((unsigned char)n->text[keep] & 0xC0) == 0x80)
        keep--;
    memcpy(s->description, n->text, keep);
    memcpy(s->description + keep, "...", 4);
    return 0;
}

/* ------------------------------------------------------------------ */
/* sweep: what `linkrig sweep` draws fault schedules from (scenario.h).
 * A value is fixed; a two-element list [lo, hi] is a range for numbers and
 * durations; for names and booleans a list is the set to pick from. */

/* A duration or [lo, hi], whole milliseconds (schedules are drawn in ms). */
static int scn_sweep_dur(scn_ctx *c, const scn_node *n, const char *path, sim_time min, const char *allowed,
                         sim_time *lo, sim_time *hi)
{
    char p[SCN_PATH];
    const scn_node *a = n, *b = n;
    int rc;
    if (n->type == SCN_N_SEQ) {
        if (n->n != 2)
            return scn_fail(c, n, "%s: expected a duration or a range [lo, hi], not a list of %d", path, n->n);
        a = n->first;
        b = n->first->next;
    }
    scn_path_index(p, path, 0);
    if ((rc = scn_dur(c, a, a == n ? path : p, min, allowed, lo)) != 0)
        return rc;
    scn_path_index(p, path, 1);
    if ((rc = scn_dur(c, b, b == n ? path : p, min, allowed, hi)) != 0)
        return rc;
    if (*lo % SIM_MS(1) != 0 || *hi % SIM_MS(1) != 0)
        return scn_fail(c, n, "%s: not a whole number of milliseconds (schedules are drawn in ms)", path);
    if (*lo > *hi)
        return scn_fail(c, n, "%s: the range runs backwards (%s is more than %s)", path, a->text, b->text);
    return 0;
}

static int scn_sweep_int(scn_ctx *c, const scn_node *n, const char *path, long long min, long long max,
                         long long *lo, long long *hi)
{
    char p[SCN_PATH];
    const scn_node *a = n, *b = n;
    int rc;
    if (n->type == SCN_N_SEQ) {
        if (n->n != 2)
            return scn_fail(c, n, "%s: expected an integer or a range [lo, hi], not a list of %d", path, n->n);
        a = n->first;
        b = n->first->next;
    }
    scn_path_index(p, path, 0);
    if ((rc = scn_int(c, a, a == n ? path : p, min, max, "", lo)) != 0)
        return rc;
    scn_path_index(p, path, 1);
    if ((rc = scn_int(c, b, b == n ? path : p, min, max, "", hi)) != 0)
        return rc;
    if (*lo > *hi)
        return scn_fail(c, n, "%s: the range runs backwards (%lld is more than %lld)", path, *lo, *hi);
    return 0;
}

/* One name or a list of names to pick from (choices[i] = the name's index). */
static int scn_sweep_pick(scn_ctx *c, const scn_node *n, const char *path, const char *what,
                          const char *const *names, int nnames, int *choices, int *nchoices)
{
    char p[SCN_PATH];
    int rc;
    *nchoices = 0;
    if (n->type != SCN_N_SEQ)
        return scn_pick(c, n, path, what, names, nnames, &choices[(*nchoices)++]);
    if (n->n == 0)
        return scn_fail(c, n, "%s: is empty (expected one %s or a list to pick from)", path, what);
    for (const scn_node *e = n->first; e != NULL; e = e->next) {
        if (*nchoices == SCN_MAX_CHOICES)
            return scn_fail_limit(c, e, "%s: too many choices (at most %d)", path, SCN_MAX_CHOICES);
        scn_path_index(p, path, *nchoices);
        if ((rc = scn_pick(c, e, p, what, names, nnames, &choices[(*nchoices)++])) != 0)
            return rc;
    }
    return 0;
}

static int scn_sweep_one(scn_ctx *c, const scn_node *n, const char *path, void *out)
{
    static const char *const drawable[] = {"ap_reboot", "cable_pull", "radio_wedge", "ap_tx_power", "dhcp", NULL};
    static const char *const reboot[] = {"fault", "ap", "duration", "keep_leases", "channel", NULL};
    static const char *const cable[] = {"fault", "duration", "device", NULL};
    static const char *const wedge[] = {"fault", "mode", "survives_power_cycles", "device", NULL};
    static const char *const txp[] = {"fault", "ap", "tx_power", NULL};
    static const char *const dhcp[] = {"fault", "ap", "mode", "lease", NULL};
    scn_sweep_fault *f = out;
    scenario *s = c->s;
    char p[SCN_PATH], qual[48], known[200];
    const scn_node *v[5], *x;
    int rc, kind = -1;
    long long lo, hi;
    f->device = -1;
    f->keep_leases = 1;
    f->line = n->line;
    if (n->type != SCN_N_MAP)
        return scn_fail(c, n, "%s: expected a mapping such as {fault: ap_reboot, ap: ap1, duration: [5s, 30s]}, not %s",
                        path, scn_is_null(n) ? "nothing" : scn_kind_text(n));
    const scn_node *fn = NULL;
    for (const scn_node *k = n->first; k != NULL && k->next != NULL; k = k->next->next)
        if (k->type == SCN_N_SCALAR && strcmp(k->text, "fault") == 0)
            fn = k->next;
    scn_join(drawable, scn_count(drawable), known, sizeof known);
    if (fn == NULL)
        return scn_missing(c, n, path, "fault", known);
    scn_path(p, path, "fault");
    if ((rc = scn_pick(c, fn, p, "fault", scn_fault_names, SCN_NFAULTS, &kind)) != 0)
        return rc;
    if (!scn_in(drawable, scn_fault_names[kind]))
        return scn_fail(c, fn, "%s: a sweep cannot draw '%s' (it draws: %s)", p, scn_fault_names[kind], known);
    f->kind = (scn_fault_kind)kind;
    const char *const *keys = kind == SCN_F_AP_REBOOT    ? reboot
                              : kind == SCN_F_CABLE_PULL ? cable
                              : kind == SCN_F_RADIO_WEDGE ? wedge
                              : kind == SCN_F_AP_TX_POWER ? txp
                                                          : dhcp;
    snprintf(qual, sizeof qual, " for %s", scn_fault_names[kind]);
    if ((rc = scn_fields(c, n, path, qual, keys, v)) != 0)
        return rc;
    if ((x = scn_get(keys, v, "ap")) != NULL) {
        const char *names[SCN_MAX_APS];
        for (int i = 0; i < s->naps; i++)
            names[i] = s->aps[i].name;
        scn_path(p, path, "ap");
        if ((rc = scn_sweep_pick(c, x, p, "access point", names, s->naps, f->aps, &f->naps)) != 0)
            return rc;
    }
    if ((x = scn_get(keys, v, "device")) != NULL) {
        scn_path(p, path, "device");
        if ((rc = scn_device_ref(c, x, p, &f->device)) != 0)
            return rc;
    }
    if ((x = scn_get(keys, v, "duration")) != NULL) {
        scn_path(p, path, "duration");
        if ((rc = scn_sweep_dur(c, x, p, SIM_MS(1), "must be >= 1ms", &f->dur_min, &f->dur_max)) != 0)
            return rc;
        f->has_duration = true;
    }
    if ((x = scn_get(keys, v, "keep_leases")) != NULL) {
        static const char *const tf[] = {"false", "true"};
        int ch[SCN_MAX_CHOICES], nch;
        scn_path(p, path, "keep_leases");
        if ((rc = scn_sweep_pick(c, x, p, "boolean", tf, 2, ch, &nch)) != 0)
            return rc;
        f->keep_leases = 0;
        for (int i = 0; i < nch; i++)
            f->keep_leases |= 1 << ch[i];
    }
    if ((x = scn_get(keys, v, "channel")) != NULL) {
        scn_path(p, path, "channel");
        const scn_node *e = x->type == SCN_N_SEQ ? x->first : x;
        if (x->type == SCN_N_SEQ && x->n == 0)
            return scn_fail(c, x, "%s: is empty (expected a channel or a list to pick from)", p);
        for (int i = 0; e != NULL; e = x->type == SCN_N_SEQ ? e->next : NULL, i++) {
            char ep[SCN_PATH];
            if (f->nchannels == SCN_MAX_CHOICES)
                return scn_fail_limit(c, e, "%s: too many choices (at most %d)", p, SCN_MAX_CHOICES);
            scn_path_index(ep, p, i);
            if ((rc = scn_channel(c, e, x->type == SCN_N_SEQ ? ep : p, &f->channels[f->nchannels++])) != 0)
                return rc;
        }
    }
    if ((x = scn_get(keys, v, "mode")) != NULL) {
        static const char *const dmodes[] = {"normal", "ignore_renewals", "nak_renewals", "silent", "empty_pool"};
        static const char *const wmodes[] = {"commands", "frames", "both"};
        scn_path(p, path, "mode");
        bool d = kind == SCN_F_DHCP;
        if ((rc = scn_sweep_pick(c, x, p, d ? "DHCP mode" : "wedge mode", d ? dmodes : wmodes, d ? 5 : 3, f->modes,
                                 &f->nmodes)) != 0)
            return rc;
    } else if (kind == SCN_F_DHCP) {
        return scn_missing(c, n, path, "mode", "a DHCP mode or a list to pick from, e.g. [nak_renewals, silent]");
    } else if (kind == SCN_F_RADIO_WEDGE) {
        f->modes[f->nmodes++] = SCN_WEDGE_BOTH;
    }
    if ((x = scn_get(keys, v, "survives_power_cycles")) != NULL) {
        scn_path(p, path, "survives_power_cycles");
        if ((rc = scn_sweep_int(c, x, p, 0, 1000, &lo, &hi)) != 0)
            return rc;
        f->spc_min = (int)lo;
        f->spc_max = (int)hi;
    }
    if ((x = scn_get(keys, v, "tx_power")) != NULL) {
        const scn_node *a = x->type == SCN_N_SEQ && x->n == 2 ? x->first : x;
        const scn_node *b = a == x ? x : x->first->next;
        scn_path(p, path, "tx_power");
        if (x->type == SCN_N_SEQ && x->n != 2)
            return scn_fail(c, x, "%s: expected dBm or a range [lo, hi], not a list of %d", p, x->n);
        if ((rc = scn_num(c, a, p, -10, 30, " dBm", &f->txp_min)) != 0 ||
            (rc = scn_num(c, b, p, -10, 30, " dBm", &f->txp_max)) != 0)
            return rc;
        if (f->txp_min > f->txp_max)
            return scn_fail(c, x, "%s: the range runs backwards (%g is more than %g)", p, f->txp_min, f->txp_max);
    } else if (kind == SCN_F_AP_TX_POWER) {
        return scn_missing(c, n, path, "tx_power", "dBm or a range [lo, hi] in -10..30");
    }
    if ((x = scn_get(keys, v, "lease")) != NULL) {
        scn_path(p, path, "lease");
        if ((rc = scn_sweep_dur(c, x, p, SIM_SEC(1), "must be >= 1s", &f->lease_min, &f->lease_max)) != 0)
            return rc;
        if (f->lease_min % SIM_SEC(1) != 0 || f->lease_max % SIM_SEC(1) != 0)
            return scn_fail(c, x, "%s: not a whole number of seconds (DHCP leases are in seconds)", p);
    }
    if (kind == SCN_F_AP_REBOOT || kind == SCN_F_CABLE_PULL) {
        const scn_sweep *sw = &s->sweep;
        if (!f->has_duration && !sw->has_duration)
            return scn_fail(c, n, "%s: %s needs a duration: give duration: [lo, hi] here or in sweep", path,
                            scn_fault_names[kind]);
        sim_time shortest = f->has_duration ? f->dur_min : sw->dur_min;
        if (shortest > sw->window_end - sw->window_start)
            return scn_fail(c, n, "%s: its shortest %s does not fit in sweep.window", path, scn_fault_names[kind]);
    }
    if (kind == SCN_F_CABLE_PULL) {
        bool any = false;
        for (int i = 0; i < s->ndevices; i++)
            any = any || ((f->device < 0 || f->device == i) && s->devices[i].lan);
        if (!any)
            return scn_fail(c, fn, "%s: cable_pull needs a wired interface: set world.device.lan: true", path);
    }
    return 0;
}

static int scn_do_sweep(scn_ctx *c, const scn_node *n)
{
    static const char *const keys[] = {"faults", "count", "duration", "gap", "window", NULL};
    const scn_node *v[5];
    scenario *s = c->s;
    scn_sweep *sw = &s->sweep;
    char shown[64];
    long long lo, hi;
    int rc = scn_fields(c, n, "sweep", "", keys, v);
    if (rc != 0)
        return rc;
    sw->line = n->line;
    sw->count_min = sw->count_max = 1;
    sw->gap_min = sw->gap_max = SIM_SEC(10);
    sw->window_end = s->duration;
    if (v[0] == NULL)
        return scn_missing(c, n, "sweep", "faults", "the kinds of fault to draw, e.g. - {fault: ap_reboot, ap: ap1, "
                                                    "duration: [5s, 30s]}");
    if (v[1] != NULL) {
        if ((rc = scn_sweep_int(c, v[1], "sweep.count", 1, SCN_MAX_SWEEP_COUNT, &lo, &hi)) != 0)
            return rc;
        sw->count_min = (int)lo;
        sw->count_max = (int)hi;
    }
    if (s->nfaults + sw->count_max > SCN_MAX_FAULTS)
        return scn_fail(c, v[1] != NULL ? v[1] : n, "sweep.count: the timeline's %d entries and %d drawn ones make "
                        "more than %d", s->nfaults, sw->count_max, SCN_MAX_FAULTS);
    if (v[2] != NULL) {
        if ((rc = scn_sweep_dur(c, v[2], "sweep.duration", SIM_MS(1), "must be >= 1ms", &sw->dur_min,
                                &sw->dur_max)) != 0)
            return rc;
        sw->has_duration = true;
    }
    if (v[3] != NULL &&
        (rc = scn_sweep_dur(c, v[3], "sweep.gap", 0, "must be >= 0", &sw->gap_min, &sw->gap_max)) != 0)
        return rc;
    if (v[4] != NULL) {
        if (v[4]->type != SCN_N_SEQ || v[4]->n != 2)
            return scn_fail(c, v[4], "sweep.window: expected [start, end], e.g. [30s, 3m]");
        if ((rc = scn_sweep_dur(c, v[4], "sweep.window", 0, "must be >= 0", &sw->window_start, &sw->window_end)) != 0)
            return rc;
        if (sw->window_end > s->duration)
            return scn_fail(c, v[4]->last, "sweep.window[1]: %s is after the end of the run (duration: %s, line %d)",
                            scn_show(v[4]->last, shown, sizeof shown), c->duration->text, c->duration->line);
        if (sw->window_start == sw->window_end)
            return scn_fail(c, v[4], "sweep.window: is empty (start and end are both %s)",
                            scn_show(v[4]->first, shown, sizeof shown));
    }
    /* Last: each kind's checks need the window and the default duration. */
    if ((rc = scn_do_list(c, v[0], "sweep.faults", SCN_MAX_SWEEP_FAULTS, "a list of faults to draw from",
                          scn_sweep_one, sizeof sw->faults[0], sw->faults, &sw->nfaults)) != 0)
        return rc;
    if (sw->nfaults == 0)
        return scn_fail(c, v[0], "sweep.faults: is empty (expected 1..%d kinds of fault to draw from)",
                        SCN_MAX_SWEEP_FAULTS);
    return 0;
}

/* "tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT" (QEMU's hostfwd syntax,
 * which the uplink takes): checked here so that a typo is a located error
 * before anything runs. */
static bool scn_port_ok(const char *p, const char *end)
{
    if (p == end || end - p > 5)
        return false;
    long v = 0;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
    }
    return v >= 1 && v <= 65535;
}

static bool scn_forward_ok(const char *t)
{
    const char *rest;
    if (strncmp(t, "tcp:", 4) == 0 || strncmp(t, "udp:", 4) == 0)
        rest = t + 4;
    else
        return false;
    const char *dash = strchr(rest, '-');
    if (dash == NULL)
        return false;
    const char *c1 = memchr(rest, ':', (size_t)(dash - rest)); /* host address ends here */
    const char *c2 = strrchr(dash, ':');
    return c1 != NULL && c2 != NULL && scn_port_ok(c1 + 1, dash) && scn_port_ok(c2 + 1, t + strlen(t));
}

static int scn_do_forwards(scn_ctx *c, const scn_node *n)
{
    scenario *s = c->s;
    if (n == NULL)
        return 0;
    int rc = scn_seq(c, n, "forwards", "a list of port forwards such as \"tcp:127.0.0.1:8080-:80\"");
    if (rc != 0)
        return rc;
    char p[SCN_PATH];
    for (const scn_node *e = n->first; e != NULL; e = e->next) {
        if (s->nforwards == SCN_MAX_FORWARDS)
            return scn_fail_limit(c, e, "forwards[%d]: too many forwards (at most %d)", s->nforwards,
                                  SCN_MAX_FORWARDS);
        scn_path_index(p, "forwards", s->nforwards);
        char *f = s->forwards[s->nforwards];
        if ((rc = scn_str(c, e, p, 1, sizeof s->forwards[0] - 1, "a port forward such as \"tcp:127.0.0.1:8080-:80\"",
                          f, sizeof s->forwards[0])) != 0)
            return rc;
        if (!scn_forward_ok(f))
            return scn_fail(c, e,
                            "%s: '%s' is not a port forward (expected tcp|udp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT, "
                            "ports 1..65535, e.g. \"tcp:127.0.0.1:8080-:80\")",
                            p, f);
        s->nforwards++;
    }
    return 0;
}

/* clients: stations of the rig (a phone, a laptop), each an extra device
 * running the rig's client image, scripted by its settings (client/client.c). */
static int scn_do_client(scn_ctx *c, const scn_node *n, const char *path, scn_device *d)
{
    static const char *const keys[] = {"name", "position", "tx_power", "ssid", "passphrase", "url",
                                       "join_at", "leave_at", "fetch_delay", NULL};
    const scn_node *v[9] = {0};
    char p[SCN_PATH], text[128];
    int rc;
    if ((rc = scn_fields(c, n, path, "", keys, v)) != 0)
        return rc;
    d->line = n->line;
    d->client = true;
    d->tx_power_dbm = 20;
    if (v[0] == NULL)
        return scn_missing(c, n, path, "name", "a unique name such as phone");
    scn_path(p, path, "name");
    if ((rc = scn_name(c, v[0], p, sizeof d->name - 1, "a name of 1..31 characters from A-Z a-z 0-9 _ . -", d->name,
                       sizeof d->name)) != 0)
        return rc;
    scn_path(p, path, "position");
    if (v[1] != NULL && (rc = scn_position(c, v[1], p, &d->pos)) != 0)
        return rc;
    scn_path(p, path, "tx_power");
    if (v[2] != NULL && (rc = scn_num(c, v[2], p, -10, 30, " dBm", &d->tx_power_dbm)) != 0)
        return rc;
#define CLIENT_SET(k, val)                                                                        \
    do {                                                                                          \
        snprintf(d->settings[d->nsettings].key, sizeof d->settings[0].key, "%s", (k));            \
        snprintf(d->settings[d->nsettings].value, sizeof d->settings[0].value, "%s", (val));      \
        d->nsettings++;                                                                           \
    } while (0)
    if (v[3] == NULL)
        return scn_missing(c, n, path, "ssid", "the network the client joins");
    scn_path(p, path, "ssid");
    if ((rc = scn_str(c, v[3], p, 1, 32, "an SSID of 1..32 bytes", text, sizeof text)) != 0)
        return rc;
    CLIENT_SET("client.ssid", text);
    text[0] = '\0';
    scn_path(p, path, "passphrase");
    if (v[4] != NULL && (rc = scn_str(c, v[4], p, 8, 63, "a passphrase of 8..63 characters", text, sizeof text)) != 0)
        return rc;
    CLIENT_SET("client.key", text);
    text[0] = '\0';
    scn_path(p, path, "url");
    if (v[5] != NULL) {
        if ((rc = scn_str(c, v[5], p, 1, 127, "a URL: http://A.B.C.D[:port]/path or tcp://A.B.C.D:port", text,
                          sizeof text)) != 0)
            return rc;
        if (strncmp(text, "http://", 7) != 0 && strncmp(text, "tcp://", 6) != 0)
            return scn_fail(c, v[5], "%s: '%s' is not http://A.B.C.D[:port]/path or tcp://A.B.C.D:port", p, text);
    }
    CLIENT_SET("client.url", text);
    const char *tk[] = {"join_at", "leave_at", "fetch_delay"};
    const char *sk[] = {"client.join_ms", "client.leave_ms", "client.fetch_delay_ms"};
    for (int i = 0; i < 3; i++) {
        if (v[6 + i] == NULL)
            continue;
        sim_time t;
        scn_path(p, path, tk[i]);
        if ((rc = scn_dur(c, v[6 + i], p, i == 1 ? 1 : 0, i == 1 ? "must be > 0" : "must be >= 0", &t)) != 0)
            return rc;
        snprintf(text, sizeof text, "%lld", (long long)(t / SIM_MS(1)));
        CLIENT_SET(sk[i], text);
    }
#undef CLIENT_SET
    return 0;
}

static int scn_do_clients(scn_ctx *c, const scn_node *n)
{
    scenario *s = c->s;
    char p[SCN_PATH];
    int rc;
    if (n == NULL)
        return 0;
    if ((rc = scn_seq(c, n, "clients", "a list of client stations (- name: phone ...)")) != 0)
        return rc;
    int k = 0;
    for (const scn_node *e = n->first; e != NULL; e = e->next, k++) {
        if (s->ndevices == SCN_MAX_DEVICES)
            return scn_fail_limit(c, e, "clients: too many devices and clients (at most %d)", SCN_MAX_DEVICES);
        scn_path_index(p, "clients", k);
        scn_device *d = &s->devices[s->ndevices];
        memset(d, 0, sizeof *d);
        if ((rc = scn_do_client(c, e, p, d)) != 0)
            return rc;
        for (int i = 0; i < s->ndevices; i++)
            if (strcmp(s->devices[i].name, d->name) == 0)
                return scn_fail(c, scn_child(e, "name"), "%s.name: the name '%s' is taken (by %s)", p, d->name,
                                s->devices[i].client ? "another client" : "a device");
        s->ndevices++;
    }
    return 0;
}

static int scn_do_top(scn_ctx *c, const scn_node *root)
{
    static const char *const keys[] = {"name",  "description", "seed",     "duration", "capture",
                                       "world", "firmware",    "timeline", "expect",   "services", "sweep",
                                       "forwards", "clients", NULL};
    const scn_node *v[13];
    scenario *s = c->s;
    int rc;
    if (root == NULL)
        return scn_fail_at(c, SIM_EINVAL, 1, 1,
                           "the file has no content (a scenario needs at least name, duration and world.aps)");
    if (root->type != SCN_N_MAP)
        return scn_fail(c, root, "top level: expected a mapping (name: ..., duration: ..., world: ...), not %s",
                        scn_kind_text(root));
    if ((rc = scn_fields(c, root, "", "", keys, v)) != 0)
        return rc;

    if (v[0] == NULL)
        return scn_missing(c, root, "", "name", "the scenario's name, also its output folder");
    if ((rc = scn_name(c, v[0], "name", sizeof s->name - 1, "a name of 1..63 characters from A-Z a-z 0-9 _ . -",
                       s->name, sizeof s->name)) != 0)
        return rc;
    if (v[1] != NULL && !scn_is_null(v[1]) && (rc = scn_description(c, v[1], s)) != 0)
        return rc;
    if (v[2] != NULL && (rc = scn_u64(c, v[2], "seed", &s->seed)) != 0)
        return rc;
    if (v[3] == NULL)
        return scn_missing(c, root, "", "duration", "how long the run lasts in virtual time, e.g. duration: 10m");
    if ((rc = scn_dur(c, v[3], "duration", 1, "must be > 0", &s->duration)) != 0)
        return rc;
    c->duration = v[3];
    const scn_node *cap = scn_section(keys, v, "capture");
    if (cap != NULL && (rc = scn_do_capture(c, cap)) != 0)
        return rc;
    if (v[5] == NULL)
        return scn_missing(c, root, "", "world", "the access points and the device");
    if ((rc = scn_do_world(c, v[5])) != 0)
        return rc;
    if ((rc = scn_do_clients(c, scn_section(keys, v, "clients"))) != 0)
        return rc;

    const scn_node *fw = scn_section(keys, v, "firmware");
    if (fw != NULL && (rc = scn_do_firmware(c, fw)) != 0)
        return rc;
    if (s->fw_ssid[0] == '\0')
        memcpy(s->fw_ssid, s->aps[0].ssid, sizeof s->fw_ssid);
    if (!s->fw_key_set)
        memcpy(s->fw_key, s->aps[0].passphrase, sizeof s->fw_key);
    /* a device set up for an SAE-only first AP joins it with SAE */
    if (s->fw_security[0] == '\0' && s->aps[0].security == SCN_SEC_WPA3)
        snprintf(s->fw_security, sizeof s->fw_security, "wpa3");

    if ((rc = scn_do_forwards(c, scn_section(keys, v, "forwards"))) != 0)
        return rc;
    if ((rc = scn_do_services(c, scn_section(keys, v, "services"))) != 0)
        return rc;
    const scn_node *tl = scn_section(keys, v, "timeline");
    if (tl != NULL &&
        (rc = scn_do_list(c, tl, "timeline", SCN_MAX_FAULTS, "a list of faults (- at: 60s ...)", scn_one_fault,
                          sizeof s->faults[0], s->faults, &s->nfaults)) != 0)
        return rc;
    if ((rc = scn_check_moves(c)) != 0)
        return rc;
    const scn_node *ex = scn_section(keys, v, "expect");
    if (ex != NULL &&
        (rc = scn_do_list(c, ex, "expect", SCN_MAX_EXPECT, "a list of expectations (- link_up_within: 15s ...)",
                          scn_one_expect, sizeof s->expects[0], s->expects, &s->nexpects)) != 0)
        return rc;
    const scn_node *sw = scn_section(keys, v, "sweep");
    if (sw != NULL && (rc = scn_do_sweep(c, sw)) != 0)
        return rc;
    s->sweep.present = sw != NULL;
    return 0;
}

/* ------------------------------------------------------------------ */

static void scn_defaults(scenario *s)
{
    static const int backoff_s[] = {1, 2, 4, 8, 16, 32, 60};
    s->seed = 1;
    s->ring_files = 4;
    s->capture_beacons = true;
    s->capture_air = true;
    s->capture_wire = true;
    s->ndevices = 1;
    snprintf(s->devices[0].name, sizeof s->devices[0].name, "cam");
    s->devices[0].tx_power_dbm = 20;
    s->connect_timeout = SIM_SEC(10);
    s->attempt_timeout = SIM_SEC(10);
    s->nbackoff = (int)(sizeof backoff_s / sizeof backoff_s[0]);
    for (int i = 0; i < s->nbackoff; i++)
        s->backoff[i] = SIM_SEC(backoff_s[i]);
    s->power_cycle = true;
    s->frame_period = SIM_SEC(1);
    s->frame_bytes = 20480;
}

scenario *scn_parse(const char *path, const char *text, size_t len, sim_err *err)
{
    scn_ctx c = {.path = path != NULL ? path : "<scenario>", .text = text, .len = len, .err = err};
    if (text == NULL && len > 0) {
        sim_err_set(err, SIM_EINVAL, "%s: no text", c.path);
        return NULL;
    }
    if (len > SCN_MAX_INPUT) {
        scn_fail_at(&c, SIM_ELIMIT, 1, 1, "the file is %zu bytes; a scenario may be at most 1 MiB", len);
        return NULL;
    }
    c.s = calloc(1, sizeof *c.s);
    if (c.s == NULL) {
        sim_err_set(err, SIM_ENOMEM, "%s: out of memory", c.path);
        return NULL;
    }
    snprintf(c.s->path, sizeof c.s->path, "%s", c.path);
    scn_defaults(c.s);
    scn_node *root = NULL;
    int rc = scn_read_tree(&c, &root);
    if (rc == 0)
        rc = scn_do_top(&c, root);
    scn_arena_free(&c.arena);
    if (rc != 0) {
        free(c.s);
        return NULL;
    }
    return c.s;
}

scenario *scn_load(const char *path, sim_err *err)
{
    /* Only a regular file: a directory would fail at its first read, and a
     * FIFO with no writer would block the open (O_NONBLOCK) and the read
     * forever. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        sim_err_set(err, SIM_EIO, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        sim_err_set(err, SIM_EIO, "%s: cannot read: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        const char *what = S_ISDIR(st.st_mode)    ? "is a directory"
                           : S_ISFIFO(st.st_mode) ? "is a FIFO (named pipe)"
                           : S_ISSOCK(st.st_mode) ? "is a socket"
                                                  : "is not a regular file";
        sim_err_set(err, SIM_EINVAL, "%s: %s, not a scenario file (give the path of a .yaml file)", path, what);
        close(fd);
        return NULL;
    }
    FILE *f = fdopen(fd, "rb");
    if (f == NULL) {
        sim_err_set(err, SIM_EIO, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    /* One byte past the limit is enough to know the file is too large. */
    char *buf = malloc(SCN_MAX_INPUT + 1);
    if (buf == NULL) {
        fclose(f);
        sim_err_set(err, SIM_ENOMEM, "%s: out of memory", path);
        return NULL;
    }
    size_t n = fread(buf, 1, SCN_MAX_INPUT + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        sim_err_set(err, SIM_EIO, "%s: cannot read", path);
        return NULL;
    }
    scenario *s = scn_parse(path, buf, n, err);
    free(buf);
    return s;
}

void scn_free(scenario *s)
{
    free(s);
}
