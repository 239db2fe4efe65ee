/* sim/report.c — the trace reader, the HTML report and the timeline
 * (sim/report.h). */
#define _POSIX_C_SOURCE 200809L
#include "sim/report.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/trace.h"

/* ---- the parser ---- */

struct cur {
    char *p, *end;
};

static void skip_ws(struct cur *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
        c->p++;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* A string at c->p (on its opening quote), decoded in place: the decoded
 * form is never longer than the escaped one, so the write position stays
 * behind the read position and the closing quote's byte can take the NUL. */
static const char *parse_string(struct cur *c, const char **why)
{
    if (c->p >= c->end || *c->p != '"') {
        *why = "expected a string";
        return NULL;
    }
    char *start = ++c->p, *w = start;
    while (c->p < c->end) {
        unsigned char ch = (unsigned char)*c->p++;
        if (ch == '"') {
            *w = '\0';
            return start;
        }
        if (ch < 0x20) {
            *why = "control character in a string";
            return NULL;
        }
        if (ch != '\\') {
            *w++ = (char)ch;
            continue;
        }
        if (c->p >= c->end)
            break;
        char e = *c->p++;
        switch (e) {
        case '"': case '\\': case '/': *w++ = e; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u': {
            if (c->end - c->p < 4) {
                *why = "short \\u escape";
                return NULL;
            }
            unsigned v = 0;
            for (int i = 0; i < 4; i++) {
                int h = hexval(c->p[i]);
                if (h < 0) {
                    *why = "bad \\u escape";
                    return NULL;
                }
                v = v << 4 | (unsigned)h;
            }
            c->p += 4;
            /* UTF-8 of a BMP code point is at most 3 bytes, the escape 6;
             * a surrogate (the trace never writes one) becomes '?' */
            if (v >= 0xD800 && v <= 0xDFFF)
                *w++ = '?';
            else if (v < 0x80)
                *w++ = (char)(v ? v : '?'); /* an embedded NUL would cut the string */
            else if (v < 0x800) {
                *w++ = (char)(0xC0 | v >> 6);
                *w++ = (char)(0x80 | (v & 0x3F));
            } else {
                *w++ = (char)(0xE0 | v >> 12);
                *w++ = (char)(0x80 | (v >> 6 & 0x3F));
                *w++ = (char)(0x80 | (v & 0x3F));
            }
            break;
        }
        default:
            *why = "unknown escape in a string";
            return NULL;
        }
    }
    *why = "unterminated string";
    return NULL;
}

static bool word(struct cur *c, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n) != 0)
        return false;
    c->p += n;
    return true;
}

int rpt_parse_line(char *line, size_t len, rpt_obj *out, char *why, size_t whylen)
{
    struct cur c = {line, line + len};
    const char *msg = NULL;
    out->n = 0;
    skip_ws(&c);
    if (c.p >= c.end || *c.p != '{') {
        msg = "not a JSON object";
        goto bad;
    }
    c.p++;
    skip_ws(&c);
    if (c.p < c.end && *c.p == '}') {
        c.p++;
        goto close;
    }
    for (;;) {
        skip_ws(&c);
        const char *key = parse_string(&c, &msg);
        if (key == NULL)
            goto bad;
        skip_ws(&c);
        if (c.p >= c.end || *c.p != ':') {
            msg = "expected ':' after a key";
            goto bad;
        }
        c.p++;
        skip_ws(&c);
        if (c.p >= c.end) {
            msg = "missing value";
            goto bad;
        }
        rpt_field f = {.key = key};
        bool absent = false;
        if (*c.p == '"') {
            f.type = RPT_STR;
            f.str = parse_string(&c, &msg);
            if (f.str == NULL)
                goto bad;
        } else if (*c.p == '-' || isdigit((unsigned char)*c.p)) {
            bool neg = *c.p == '-';
            if (neg)
                c.p++;
            if (c.p >= c.end || !isdigit((unsigned char)*c.p)) {
                msg = "bad number";
                goto bad;
            }
            /* magnitude in uint64 with an overflow check: INT64_MIN fits */
            uint64_t m = 0;
            while (c.p < c.end && isdigit((unsigned char)*c.p)) {
                unsigned d = (unsigned)(*c.p++ - '0');
                if (m > (UINT64_MAX - d) / 10) {
                    msg = "integer out of range";
                    goto bad;
                }
                m = m * 10 + d;
            }
            if (c.p < c.end && (*c.p == '.' || *c.p == 'e' || *c.p == 'E')) {
                msg = "fractions are not part of the trace";
                goto bad;
            }
            if (m > (uint64_t)INT64_MAX + (neg ? 1u : 0u)) {
                msg = "integer out of range";
                goto bad;
            }
            f.type = RPT_INT;
            f.num = neg ? (int64_t)(0 - m) : (int64_t)m;
        } else if (word(&c, "true")) {
            f.type = RPT_BOOL;
            f.num = 1;
        } else if (word(&c, "false")) {
            f.type = RPT_BOOL;
            f.num = 0;
        } else if (word(&c, "null")) {
            absent = true;
        } else {
            msg = *c.p == '{' || *c.p == '[' ? "nested values are not part of the trace" : "bad value";
            goto bad;
        }
        if (!absent) {
            if (out->n == RPT_MAX_FIELDS) {
                msg = "too many fields";
                goto bad;
            }
            out->f[out->n++] = f;
        }
        skip_ws(&c);
        if (c.p < c.end && *c.p == ',') {
            c.p++;
            continue;
        }
        if (c.p < c.end && *c.p == '}') {
            c.p++;
            break;
        }
        msg = "expected ',' or '}'";
        goto bad;
    }
close:
    skip_ws(&c);
    if (c.p != c.end) {
        msg = "text after the object";
        goto bad;
    }
    return 0;
bad:
    if (why != NULL && whylen > 0)
        snprintf(why, whylen, "%s (column %zu)", msg, (size_t)(c.p - line) + 1);
    out->n = 0;
    return -1;
}

const rpt_field *rpt_get(const rpt_obj *o, const char *key)
{
    for (size_t i = 0; i < o->n; i++)
        if (strcmp(o->f[i].key, key) == 0)
            return &o->f[i];
    return NULL;
}

/* ---- the model: what one scenario folder says ---- */

#define RPT_MAX_DEV 128
#define RPT_MAX_AP 8
#define RPT_MAX_LINE (1u << 20) /* the trace's longest lines are short; a longer one is not ours */
#define GAP_NS 10000000000LL     /* a silence at the sink worth a mark: 10 s (a camera sends each second) */

/* One line of the story: a state change (the timeline, and the report's
 * event lanes). Never decimated. */
enum mark_kind { MK_FAULT, MK_ONLINE, MK_OFFLINE, MK_STATUS, MK_JOIN, MK_LINK_UP, MK_LINK_DOWN, MK_JOIN_FAIL,
                 MK_DEAUTH, MK_DHCP_ACK, MK_DHCP_BAD, MK_POWER, MK_AP, MK_GAP, MK_END };
struct mark {
    int64_t t;
    size_t seq; /* trace order: ties keep it */
    int dev;    /* -1: the world (faults, APs) */
    enum mark_kind kind;
    char who[40];
    char what[240];
};

struct band {
    int64_t from, to; /* to -1: open */
    int64_t entry, occ;
    char name[120];
};

struct sample {
    int64_t t;
    int32_t v; /* tenths of a dBm; INT32_MIN: AP off */
};

struct status {
    int64_t t;
    int64_t v;
};

struct upload {
    int64_t first, last, bytes;
};

struct span {
    int64_t from, to;
};

struct check {
    bool ok;
    bool not_reached; /* a live run stopped before it was due */
    char *name, *message;
};

struct dev {
    char name[40], mac[24];
    struct sample *rssi[RPT_MAX_AP];
    size_t nrssi[RPT_MAX_AP], caprssi[RPT_MAX_AP];
    struct status *st;
    size_t nst, capst;
    const char *st_call; /* the poll the lane shows: tcpip_link_status if the firmware uses it */
    struct upload *up;
    size_t nup, capup;
    struct span *on;
    size_t non, capon;
};

struct model {
    char name[128];
    int64_t end, sample_ns, seed;
    int schema;
    bool have_end;
    struct dev *dev;
    int ndev;
    char ap[RPT_MAX_AP][40];
    int nap;
    struct band *band;
    size_t nband, capband;
    struct mark *mark;
    size_t nmark, capmark;
    size_t bad_lines;
    /* result.jsonl */
    bool have_result;
    rpt_obj result;
    char *result_line;
    struct check *check;
    size_t ncheck, capcheck;
    /* result.jsonl's device lines: each device's own figures */
    struct devsum {
        rpt_obj o;
        char *line; /* the fields point into it */
    } *devsum;
    size_t ndevsum, capdevsum;
};

/* Grows an array to hold n+1 elements; aborts on memory exhaustion since a
 * report with silently missing events would mislead. */
static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return p;
    size_t c = *cap ? *cap * 2 : 64;
    void *q = realloc(p, c * size);
    if (q == NULL) {
        fputs("linkrig: out of memory reading the trace\n", stderr);
        abort();
    }
    *cap = c;
    return q;
}

static const char *fstr(const rpt_obj *o, const char *key)
{
    const rpt_field *f = rpt_get(o, key);
    return f != NULL && f->type == RPT_STR ? f->str : "";
}

static int64_t fnum(const rpt_obj *o, const char *key, int64_t dflt)
{
    const rpt_field *f = rpt_get(o, key);
    return f != NULL && f->type != RPT_STR ? f->num : dflt;
}

/* Times as linkrig prints them everywhere: 1h02m03.456s */
static char *fmt_time(int64_t t, char *buf, size_t len)
{
    const char *sign = t < 0 ? "-" : "";
    uint64_t ms = (uint64_t)(t < 0 ? -(t / 1000000) : t / 1000000);
    if (t >= 0 && t % 1000000 >= 500000)
        ms++;
    uint64_t h = ms / 3600000, m = ms / 60000 % 60, sec = ms / 1000 % 60, frac = ms % 1000;
    if (h > 0)
        snprintf(buf, len, "%s%" PRIu64 "h%02" PRIu64 "m%02" PRIu64 ".%03" PRIu64 "s", sign, h, m, sec, frac);
    else if (m > 0)
        snprintf(buf, len, "%s%" PRIu64 "m%02" PRIu64 ".%03" PRIu64 "s", sign, m, sec, frac);
    else
        snprintf(buf, len, "%s%" PRIu64 ".%03" PRIu64 "s", sign, sec, frac);
    return buf;
}

static void add_mark(struct model *m, int64_t t, int dev, enum mark_kind kind, const char *who, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static void add_mark(struct model *m, int64_t t, int dev, enum mark_kind kind, const char *who, const char *fmt, ...)
{
    m->mark = grow(m->mark, &m->capmark, m->nmark, sizeof *m->mark);
    struct mark *k = &m->mark[m->nmark];
    k->t = t;
    k->seq = m->nmark++;
    k->dev = dev;
    k->kind = kind;
    snprintf(k->who, sizeof k->who, "%s", who);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->what, sizeof k->what, fmt, ap);
    va_end(ap);
}

/* The firmware-visible status values (the cyw43 link status the chip
 * driver returns; sim/scenario.c's table). */
static const char *status_name(const char *call, int64_t v)
{
    if (strcmp(call, "eth_link_status") == 0)
        return v == 2 ? "UP" : v == 1 ? "NEGOTIATING" : "DOWN";
    switch (v) {
    case 0: return "IDLE";
    case 1: return "CONNECTING";
    case 2: return "NO_IP";
    case 3: return "GOT_IP";
    case -1: return "CONNECT_FAIL";
    case -2: return "NO_AP_FOUND";
    case -3: return "WRONG_PASSWORD";
    default: return "UNKNOWN";
    }
}

/* Splits "a,b,c" into fixed-size names; returns the count. */
static int split_names(const char *list, char *names, size_t stride, int max)
{
    int n = 0;
    while (*list && n < max) {
        size_t k = strcspn(list, ",");
        snprintf(names + (size_t)n * stride, stride, "%.*s", (int)k, list);
        n++;
        list += k;
        if (*list == ',')
            list++;
    }
    return n;
}

static int dev_by_comp(const struct model *m, const char *comp, const char *suffix)
{
    for (int i = 0; i < m->ndev; i++) {
        size_t n = strlen(m->dev[i].name);
        if (strncmp(comp, m->dev[i].name, n) == 0 && strcmp(comp + n, suffix) == 0)
            return i;
    }
    return -1;
}

static int dev_by_mac(const struct model *m, const char *mac)
{
    /* one device: everything is its own (its Ethernet MAC is not listed),
     * as the verdict's only_device */
    if (m->ndev == 1)
        return 0;
    for (int i = 0; i < m->ndev; i++)
        if (m->dev[i].mac[0] && strcmp(m->dev[i].mac, mac) == 0)
            return i;
    return -1;
}

static int ap_index(const struct model *m, const char *comp)
{
    for (int i = 0; i < m->nap; i++)
        if (strcmp(m->ap[i], comp) == 0)
            return i;
    return -1;
}

static void on_start(struct model *m, const rpt_obj *o)
{
    snprintf(m->name, sizeof m->name, "%s", fstr(o, "name"));
    m->schema = (int)fnum(o, "schema", 0);
    m->seed = fnum(o, "seed", 0);
    m->end = fnum(o, "duration_ns", 0);
    m->sample_ns = fnum(o, "sample_ns", 0);
    char names[RPT_MAX_DEV][40];
    int n = split_names(fstr(o, "devices"), &names[0][0], sizeof names[0], RPT_MAX_DEV);
    char macs[RPT_MAX_DEV][40];
    int nm = split_names(fstr(o, "macs"), &macs[0][0], sizeof macs[0], RPT_MAX_DEV);
    free(m->dev);
    m->dev = calloc((size_t)(n > 0 ? n : 1), sizeof *m->dev);
    if (m->dev == NULL)
        abort();
    m->ndev = n;
    for (int i = 0; i < n; i++) {
        snprintf(m->dev[i].name, sizeof m->dev[i].name, "%s", names[i]);
        if (i < nm)
            snprintf(m->dev[i].mac, sizeof m->dev[i].mac, "%s", macs[i]);
    }
    m->nap = split_names(fstr(o, "aps"), &m->ap[0][0], sizeof m->ap[0], RPT_MAX_AP);
}

static void on_fault(struct model *m, const rpt_obj *o, int64_t t)
{
    const char *phase = fstr(o, "phase");
    int64_t entry = fnum(o, "entry", -1), occ = fnum(o, "occurrence", 1);
    const char *id = fstr(o, "id"), *ap = fstr(o, "ap"), *kind = fstr(o, "fault");
    char name[120];
    if (id[0])
        snprintf(name, sizeof name, "%s", id);
    else if (entry >= 0)
        snprintf(name, sizeof name, "entry %" PRId64, entry);
    else
        snprintf(name, sizeof name, "console");
    if (occ > 1 || rpt_get(o, "occurrence") != NULL) {
        size_t l = strlen(name);
        snprintf(name + l, sizeof name - l, "#%" PRId64, occ);
    }
    size_t l = strlen(name);
    snprintf(name + l, sizeof name - l, " %s%s%s", kind, ap[0] ? " " : "", ap);
    if (strcmp(phase, "start") == 0) {
        m->band = grow(m->band, &m->capband, m->nband, sizeof *m->band);
        struct band *b = &m->band[m->nband++];
        *b = (struct band){.from = t, .to = fnum(o, "instant", 0) ? t : -1, .entry = entry, .occ = occ};
        snprintf(b->name, sizeof b->name, "%s", name);
        add_mark(m, t, -1, MK_FAULT, "scenario", "fault %s starts", name);
    } else if (strcmp(phase, "end") == 0) {
        for (size_t i = m->nband; i-- > 0;)
            if (m->band[i].to < 0 && m->band[i].entry == entry && m->band[i].occ == occ) {
                m->band[i].to = t;
                break;
            }
        add_mark(m, t, -1, MK_FAULT, "scenario", "fault %s ends", name);
    }
}

static void on_event(struct model *m, const rpt_obj *o)
{
    int64_t t = fnum(o, "t", 0);
    const char *comp = fstr(o, "comp"), *ev = fstr(o, "event");
    if (strcmp(comp, "scenario") == 0) {
        if (strcmp(ev, "start") == 0) {
            if (m->dev == NULL) /* a ring file's copy of the start line (sim/trace.h) is not a new run */
                on_start(m, o);
        }
        else if (strcmp(ev, "fault") == 0)
            on_fault(m, o, t);
        else if (strcmp(ev, "end") == 0) {
            m->end = t;
            m->have_end = true;
            add_mark(m, t, -1, MK_END, "scenario", "end of the run: %s", fnum(o, "passed", 0) ? "PASS" : "FAIL");
        }
        return;
    }
    int d;
    char buf[32];
    if ((d = dev_by_comp(m, comp, ".radio")) >= 0) {
        struct dev *dv = &m->dev[d];
        if (strcmp(ev, "sample") == 0) {
            for (int a = 0; a < m->nap; a++) {
                char key[64];
                snprintf(key, sizeof key, "rssi_%s", m->ap[a]);
                const rpt_field *f = rpt_get(o, key);
                dv->rssi[a] = grow(dv->rssi[a], &dv->caprssi[a], dv->nrssi[a], sizeof *dv->rssi[a]);
                int32_t v = INT32_MIN;
                if (f != NULL && f->type == RPT_INT && f->num > -100000 && f->num < 100000)
                    v = (int32_t)f->num;
                dv->rssi[a][dv->nrssi[a]++] = (struct sample){t, v};
            }
        } else if (strcmp(ev, "join_start") == 0) {
            add_mark(m, t, d, MK_JOIN, dv->name, "join attempt to '%s'", fstr(o, "ssid"));
        } else if (strcmp(ev, "link_up") == 0) {
            add_mark(m, t, d, MK_LINK_UP, dv->name, "joined %s (aid %" PRId64 ")", fstr(o, "bssid"),
                     fnum(o, "aid", 0));
        } else if (strcmp(ev, "link_down") == 0) {
            /* "why" often names the reason already ("deauthenticated reason 4") */
            if (rpt_get(o, "reason") != NULL && strstr(fstr(o, "why"), "reason") == NULL)
                add_mark(m, t, d, MK_LINK_DOWN, dv->name, "link down: %s (reason %" PRId64 ")", fstr(o, "why"),
                         fnum(o, "reason", 0));
            else
                add_mark(m, t, d, MK_LINK_DOWN, dv->name, "link down: %s", fstr(o, "why"));
        } else if (strcmp(ev, "join_failed") == 0) {
            add_mark(m, t, d, MK_JOIN_FAIL, dv->name, "join failed: %s (status %" PRId64 ")", fstr(o, "why"),
                     fnum(o, "status", 0));
        } else if (strcmp(ev, "power") == 0) {
            add_mark(m, t, d, MK_POWER, dv->name, "chip power %s", fstr(o, "state"));
        } else if (strcmp(ev, "wedge") == 0) {
            add_mark(m, t, d, MK_LINK_DOWN, dv->name, "chip wedged (%s)", fstr(o, "mode"));
        }
        return;
    }
    if ((d = dev_by_comp(m, comp, ".eth")) >= 0) {
        /* the wired port: its PHY's link and cable */
        if (strcmp(ev, "link_up") == 0)
            add_mark(m, t, d, MK_LINK_UP, m->dev[d].name, "Ethernet link up (%" PRId64 " Mb/s)", fnum(o, "speed", 0));
        else if (strcmp(ev, "link_down") == 0)
            add_mark(m, t, d, MK_LINK_DOWN, m->dev[d].name, "Ethernet link down: %s", fstr(o, "why"));
        else if (strcmp(ev, "cable") == 0)
            add_mark(m, t, d, MK_LINK_DOWN, m->dev[d].name, "cable %s", fstr(o, "state"));
        return;
    }
    if ((d = dev_by_comp(m, comp, "")) >= 0) {
        struct dev *dv = &m->dev[d];
        if (strcmp(ev, "chip") != 0 && strcmp(ev, "eth") != 0)
            return;
        const char *call = fstr(o, "call");
        /* the chip driver traces a poll only when its value changed */
        if (strstr(call, "link_status") == NULL)
            return;
        int64_t v = fnum(o, "rc", 0);
        add_mark(m, t, d, MK_STATUS, dv->name, "firmware sees %s = %s", call, status_name(call, v));
        if (dv->st_call == NULL || (strcmp(call, "tcpip_link_status") == 0 && strcmp(dv->st_call, call) != 0)) {
            dv->st_call = strcmp(call, "tcpip_link_status") == 0 ? "tcpip_link_status"
                          : strcmp(call, "wifi_link_status") == 0 ? "wifi_link_status"
                                                                  : "eth_link_status";
            dv->nst = 0; /* the preferred poll's history only */
        }
        if (strcmp(call, dv->st_call) == 0) {
            dv->st = grow(dv->st, &dv->capst, dv->nst, sizeof *dv->st);
            dv->st[dv->nst++] = (struct status){t, v};
        }
        return;
    }
    if (strcmp(ev, "upload") == 0) {
        d = dev_by_mac(m, fstr(o, "mac"));
        if (d < 0)
            return;
        struct dev *dv = &m->dev[d];
        int64_t first = fnum(o, "first", t), last = fnum(o, "last", t);
        if (dv->nup > 0 && first - dv->up[dv->nup - 1].last >= GAP_NS)
            add_mark(m, first, d, MK_GAP, dv->name, "data at the sink again after %s of silence",
                     fmt_time(first - dv->up[dv->nup - 1].last, buf, sizeof buf));
        dv->up = grow(dv->up, &dv->capup, dv->nup, sizeof *dv->up);
        dv->up[dv->nup++] = (struct upload){first, last, fnum(o, "bytes", 0)};
        return;
    }
    if (strcmp(ev, "ack") == 0 || strcmp(ev, "nak") == 0 || strcmp(ev, "expire") == 0 ||
        strcmp(ev, "release") == 0) {
        const char *mac = fstr(o, "mac");
        if (mac[0] == '\0' || (d = dev_by_mac(m, mac)) < 0)
            return;
        if (strcmp(ev, "ack") == 0) {
            if (rpt_get(o, "lease") == NULL)
                return; /* an INFORM's ACK grants no address */
            add_mark(m, t, d, MK_DHCP_ACK, m->dev[d].name, "DHCP ack %s (lease %" PRId64 " s) from %s",
                     fstr(o, "ip"), fnum(o, "lease", 0), comp);
        } else {
            add_mark(m, t, d, MK_DHCP_BAD, m->dev[d].name, "DHCP %s %s from %s", ev, fstr(o, "ip"), comp);
        }
        return;
    }
    int a = ap_index(m, comp);
    if (a >= 0) {
        if (strcmp(ev, "enabled") == 0) {
            add_mark(m, t, -1, MK_AP, comp, "AP %s", fnum(o, "on", 0) ? "on" : "off");
        } else if (strcmp(ev, "deauth") == 0 || strcmp(ev, "disassoc") == 0) {
            d = dev_by_mac(m, fstr(o, "sta"));
            if (d < 0)
                return;
            bool to = strcmp(fstr(o, "dir"), "to") == 0;
            add_mark(m, t, d, MK_DEAUTH, m->dev[d].name, "%s %s %s, reason %" PRId64, ev, to ? "from" : "to", comp,
                     fnum(o, "reason", 0));
        }
    }
}

static void on_result(struct model *m, rpt_obj *o, char *line)
{
    const char *kind = fstr(o, "kind");
    if (strcmp(kind, "result") == 0) {
        m->have_result = true;
        free(m->result_line); /* a second result line replaces the first */
        m->result = *o;
        m->result_line = line; /* the fields point into it: keep it */
        return;
    }
    if (strcmp(kind, "device") == 0) {
        m->devsum = grow(m->devsum, &m->capdevsum, m->ndevsum, sizeof *m->devsum);
        m->devsum[m->ndevsum].o = *o;
        m->devsum[m->ndevsum++].line = line;
        return;
    }
    if (strcmp(kind, "check") == 0) {
        m->check = grow(m->check, &m->capcheck, m->ncheck, sizeof *m->check);
        struct check *c = &m->check[m->ncheck++];
        c->ok = fnum(o, "ok", 0) != 0;
        c->not_reached = fnum(o, "not_reached", 0) != 0;
        c->name = strdup(fstr(o, "name"));
        c->message = strdup(fstr(o, "message"));
        if (c->name == NULL || c->message == NULL)
            abort();
    } else if (strcmp(kind, "online") == 0) {
        const char *dn = fstr(o, "dev");
        for (int d = 0; d < m->ndev; d++)
            if (strcmp(m->dev[d].name, dn) == 0) {
                struct dev *dv = &m->dev[d];
                int64_t from = fnum(o, "from", 0), to = fnum(o, "to", 0);
                dv->on = grow(dv->on, &dv->capon, dv->non, sizeof *dv->on);
                dv->on[dv->non++] = (struct span){from, to};
                add_mark(m, from, d, MK_ONLINE, dv->name, "ONLINE (associated and leased)");
                if (to < m->end)
                    add_mark(m, to, d, MK_OFFLINE, dv->name, "OFFLINE");
            }
    }
    free(line);
}

/* Reads path line by line; each good object goes to fn. A bad line is
 * reported on diag with its number and skipped. The line buffer passed to
 * fn is the caller's to free (fn must free or keep it). */
static int read_lines(const char *path, struct model *m, FILE *diag, bool result, sim_err *err)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return sim_err_set(err, SIM_EIO, "%s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t n;
    rpt_obj *o = malloc(sizeof *o);
    if (o == NULL)
        abort();
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        size_t len = (size_t)n;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        char why[96];
        if (len == 0)
            continue;
        if (len > RPT_MAX_LINE) {
            snprintf(why, sizeof why, "longer than %u bytes", RPT_MAX_LINE);
        } else if (rpt_parse_line(line, len, o, why, sizeof why) == 0) {
            if (!result) {
                on_event(m, o);
                continue;
            }
            char *keep = line; /* on_result keeps or frees it */
            line = NULL;
            cap = 0;
            on_result(m, o, keep);
            continue;
        }
        m->bad_lines++;
        if (diag != NULL)
            fprintf(diag, "%s:%zu: skipped: %s\n", path, lineno, why);
    }
    free(line);
    free(o);
    fclose(f);
    return SIM_OK;
}

static void model_free(struct model *m)
{
    for (int d = 0; d < m->ndev; d++) {
        for (int a = 0; a < RPT_MAX_AP; a++)
            free(m->dev[d].rssi[a]);
        free(m->dev[d].st);
        free(m->dev[d].up);
        free(m->dev[d].on);
    }
    free(m->dev);
    free(m->band);
    free(m->mark);
    for (size_t i = 0; i < m->ncheck; i++) {
        free(m->check[i].name);
        free(m->check[i].message);
    }
    free(m->check);
    free(m->result_line);
    for (size_t i = 0; i < m->ndevsum; i++)
        free(m->devsum[i].line);
    free(m->devsum);
}

static int mark_cmp(const void *a, const void *b)
{
    const struct mark *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static int model_load(const char *dir, struct model *m, FILE *diag, sim_err *err)
{
    memset(m, 0, sizeof *m);
    m->schema = -1;
    char path[4200];
    if (snprintf(path, sizeof path, "%s/trace.jsonl", dir) >= (int)sizeof path)
        return sim_err_set(err, SIM_EINVAL, "output folder path too long: %.200s...", dir);
    /* A bounded trace (sim/trace.h) is a ring: trace.jsonl.N (oldest) ..
     * trace.jsonl.1, then trace.jsonl. */
    int rc = SIM_OK;
    for (int n = SIM_TRACE_RING_FILES_MAX - 1; n >= 1 && rc == SIM_OK; n--) {
        char ring[4300];
        snprintf(ring, sizeof ring, "%s.%d", path, n);
        if (access(ring, F_OK) == 0)
            rc = read_lines(ring, m, diag, false, err);
    }
    if (rc == SIM_OK)
        rc = read_lines(path, m, diag, false, err);
    if (rc != SIM_OK)
        return rc;
    if (m->schema < 0 || m->dev == NULL)
        return sim_err_set(err, SIM_EINVAL, "%s: no \"scenario\" \"start\" event: not a scenario run's trace", path);
    if (m->schema != 1)
        return sim_err_set(err, SIM_EINVAL, "%s: trace schema %d, this linkrig reads schema 1 (docs/trace-schema.md)",
                           path, m->schema);
    /* a run cut short (a crash) has no end event: its last event ends it */
    if (!m->have_end && m->nmark > 0 && m->mark[m->nmark - 1].t > m->end)
        m->end = m->mark[m->nmark - 1].t;
    for (size_t i = 0; i < m->nband; i++)
        if (m->band[i].to < 0)
            m->band[i].to = m->end;
    if (snprintf(path, sizeof path, "%s/result.jsonl", dir) >= (int)sizeof path)
        return sim_err_set(err, SIM_EINVAL, "output folder path too long: %.200s...", dir);
    sim_err ignore = {0};
    if (read_lines(path, m, diag, true, &ignore) != SIM_OK && diag != NULL)
        fprintf(diag, "%s: missing: the report has no verdict and no link state\n", path);
    qsort(m->mark, m->nmark, sizeof *m->mark, mark_cmp);
    return SIM_OK;
}

/* ---- the timeline ---- */

int report_timeline(const char *scn_dir, FILE *out, FILE *diag, sim_err *err)
{
    struct model m;
    int rc = model_load(scn_dir, &m, diag, err);
    if (rc != SIM_OK) {
        model_free(&m);
        return rc;
    }
    char buf[32];
    fprintf(out, "%s (seed %" PRId64 ", %s virtual)\n", m.name, m.seed, fmt_time(m.end, buf, sizeof buf));
    for (size_t i = 0; i < m.nmark; i++) {
        const struct mark *k = &m.mark[i];
        /* join attempts are many in a long outage and say little alone: the
         * timeline keeps their outcomes (joined, failed) */
        if (k->kind == MK_JOIN)
            continue;
        fprintf(out, "%14s  %-12s %s\n", fmt_time(k->t, buf, sizeof buf), k->who, k->what);
    }
    if (m.have_result) {
        const rpt_obj *r = &m.result;
        if (m.ndevsum > 1) { /* several devices: each one's own */
            fprintf(out, "verdict: %s", fnum(r, "passed", 0) ? "PASS" : "FAIL");
            for (size_t i = 0; i < m.ndevsum; i++)
                fprintf(out, "; %s drops %" PRId64 ", availability %.2f%%", fstr(&m.devsum[i].o, "dev"),
                        fnum(&m.devsum[i].o, "drops", 0), (double)fnum(&m.devsum[i].o, "availability_ppm", 0) / 1e4);
            fputc('\n', out);
        } else if (rpt_get(r, "availability_ppm") != NULL)
            fprintf(out, "verdict: %s; drops %" PRId64 ", availability %.2f%%\n", fnum(r, "passed", 0) ? "PASS" : "FAIL",
                    fnum(r, "drops", 0), (double)fnum(r, "availability_ppm", 0) / 1e4);
        else /* a run that measures no outages (the demo) */
            fprintf(out, "verdict: %s\n", fnum(r, "passed", 0) ? "PASS" : "FAIL");
    }
    model_free(&m);
    return SIM_OK;
}

/* ---- the live feed ---- */

struct report_feed {
    FILE *out;
    struct model m;
    char *buf;
    size_t cap;
    rpt_obj o;
};

report_feed *report_feed_create(FILE *out)
{
    report_feed *f = calloc(1, sizeof *f);
    if (f == NULL)
        return NULL;
    f->out = out;
    f->m.schema = -1;
    return f;
}

void report_feed_line(report_feed *f, const char *json, size_t len)
{
    if (f == NULL || len > RPT_MAX_LINE)
        return;
    if (len + 1 > f->cap) {
        char *b = realloc(f->buf, len + 1);
        if (b == NULL)
            return; /* a live line lost; the trace file keeps it */
        f->buf = b;
        f->cap = len + 1;
    }
    memcpy(f->buf, json, len);
    f->buf[len] = '\0';
    /* samples are plotted, never told */
    if (strstr(f->buf, "\"event\":\"sample\"") != NULL)
        return;
    char why[96];
    if (rpt_parse_line(f->buf, len, &f->o, why, sizeof why) != 0)
        return;
    struct model *m = &f->m;
    on_event(m, &f->o);
    char tb[32];
    for (size_t i = 0; f->out != NULL && i < m->nmark; i++) {
        const struct mark *k = &m->mark[i];
        if (k->kind == MK_JOIN || k->kind == MK_END)
            continue; /* as the timeline; the end is the summary's */
        fprintf(f->out, "%14s  %-12s %s\n", fmt_time(k->t, tb, sizeof tb), k->who, k->what);
    }
    if (m->nmark > 0 && f->out != NULL)
        fflush(f->out);
    m->nmark = 0;
    /* what the next line needs: each device's last status and upload */
    for (int d = 0; d < m->ndev; d++) {
        struct dev *dv = &m->dev[d];
        if (dv->nst > 1) {
            dv->st[0] = dv->st[dv->nst - 1];
            dv->nst = 1;
        }
        if (dv->nup > 1) {
            dv->up[0] = dv->up[dv->nup - 1];
            dv->nup = 1;
        }
    }
    if (m->nband > 64) {
        /* open bands are still ended by their end event; closed ones are done */
        size_t k = 0;
        for (size_t i = 0; i < m->nband; i++)
            if (m->band[i].to < 0)
                m->band[k++] = m->band[i];
        m->nband = k;
    }
}

const char *report_feed_status(const report_feed *f, const char *dev, const char **call)
{
    if (f == NULL)
        return NULL;
    for (int d = 0; d < f->m.ndev; d++) {
        const struct dev *dv = &f->m.dev[d];
        if (strcmp(dv->name, dev) != 0 || dv->nst == 0 || dv->st_call == NULL)
            continue;
        if (call != NULL)
            *call = dv->st_call;
        return status_name(dv->st_call, dv->st[dv->nst - 1].v);
    }
    return NULL;
}

void report_feed_free(report_feed *f)
{
    if (f == NULL)
        return;
    model_free(&f->m);
    free(f->buf);
    free(f);
}

/* ---- the HTML report ---- */

#define PLOT_W 1180   /* px of the time axis at full view */
#define LEFT 150      /* px of lane labels */
#define NB_RSSI 2400  /* buckets: two per pixel, so a 2x zoom stays honest */
#define NB_TPUT 600   /* throughput intervals */

static void html_esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* x in the plot's own units: seconds of virtual time */
static double xs(int64_t t)
{
    return (double)t / 1e9;
}

static const char *status_color(const char *call, int64_t v)
{
    if (strcmp(call, "eth_link_status") == 0)
        return v == 2 ? "#3a3" : v == 1 ? "#db3" : "#c33";
    if (v == 3 || (strcmp(call, "wifi_link_status") == 0 && v == 1))
        return "#3a3";
    if (v > 0)
        return "#db3";
    return v == 0 ? "#aaa" : "#c33";
}

static const char *const ap_colors[RPT_MAX_AP] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd",
                                                  "#8c564b", "#e377c2", "#17becf", "#7f7f7f"};

/* one lane: its label (outside the zoomed plot) and its frame */
static void lane_label(FILE *f, double y, double h, const char *dev, const char *what)
{
    fprintf(f, "<text class=\"lbl\" x=\"%d\" y=\"%.1f\">", LEFT - 8, y + h / 2 + 4);
    if (dev != NULL) {
        html_esc(f, dev);
        fputc(' ', f);
    }
    html_esc(f, what);
    fputs("</text>\n", f);
}

/* A series of min/max per bucket as one path: each bucket a vertical
 * stroke from min to max, joined to the next; a bucket without data (the AP
 * off) breaks the line. This keeps a day of 1 s samples to a few thousand
 * points while every excursion still shows. */
static void rssi_path(FILE *f, const struct sample *s, size_t n, int64_t end, double y0, double h, double lo,
                      double hi, const char *color, const char *title)
{
    if (n == 0 || end <= 0)
        return;
    double bw = (double)end / NB_RSSI;
    fprintf(f, "<path class=\"rssi\" fill=\"none\" stroke=\"%s\" d=\"", color);
    bool pen = false;
    size_t i = 0;
    for (int b = 0; b < NB_RSSI && i < n; b++) {
        int64_t bend = (int64_t)(bw * (b + 1));
        int32_t mn = INT32_MAX, mx = INT32_MIN;
        int64_t tmn = 0, tmx = 0;
        bool any = false, gap = false;
        for (; i < n && (s[i].t < bend || b == NB_RSSI - 1); i++) {
            if (s[i].v == INT32_MIN) {
                gap = true;
                continue;
            }
            any = true;
            if (s[i].v < mn) {
                mn = s[i].v;
                tmn = s[i].t;
            }
            if (s[i].v > mx) {
                mx = s[i].v;
                tmx = s[i].t;
            }
        }
        if (!any) {
            if (gap)
                pen = false;
            continue;
        }
        /* the extremes in their time order, so a single sample is a point */
        int64_t ta = tmn <= tmx ? tmn : tmx, tb = tmn <= tmx ? tmx : tmn;
        int32_t va = tmn <= tmx ? mn : mx, vb = tmn <= tmx ? mx : mn;
        double ya = y0 + h - ((double)va / 10.0 - lo) / (hi - lo) * h;
        double yb = y0 + h - ((double)vb / 10.0 - lo) / (hi - lo) * h;
        fprintf(f, "%c%.3f %.1f", pen ? 'L' : 'M', xs(ta), ya);
        if (tb != ta)
            fprintf(f, "L%.3f %.1f", xs(tb), yb);
        pen = true;
        if (gap)
            pen = false;
    }
    fputs("\"><title>", f);
    html_esc(f, title);
    fputs("</title></path>\n", f);
}

static const char *mark_color(enum mark_kind k)
{
    switch (k) {
    case MK_DHCP_ACK: return "#2a2";
    case MK_DHCP_BAD: return "#e60";
    case MK_POWER: return "#93c";
    case MK_JOIN: return "#9bd";
    case MK_LINK_UP: return "#06c";
    case MK_LINK_DOWN: return "#c00";
    case MK_JOIN_FAIL: return "#c66";
    case MK_DEAUTH: return "#a00";
    case MK_GAP: return "#555";
    default: return "#000";
    }
}

static void write_outages(FILE *f, const rpt_obj *r, const char *dev);

static void write_summary(FILE *f, const struct model *m)
{
    char a[32];
    fputs("<table class=\"sum\">\n", f);
    if (!m->have_result) {
        fputs("<tr><td colspan=3>no result.jsonl: this run's verdict is unknown</td></tr></table>\n", f);
        return;
    }
    const rpt_obj *r = &m->result;
    bool passed = fnum(r, "passed", 0) != 0;
    fprintf(f, "<tr><th>verdict</th><td class=\"%s\">%s</td><td>seed %" PRId64 ", %s virtual", passed ? "ok" : "bad",
            passed ? "PASS" : "FAIL", fnum(r, "seed", 0), fmt_time(fnum(r, "end", 0), a, sizeof a));
    if (fstr(r, "failure")[0]) {
        fputs("; firmware failed: ", f);
        html_esc(f, fstr(r, "failure"));
    }
    fputs("</td></tr>\n", f);
    for (size_t i = 0; i < m->ncheck; i++) {
        fprintf(f, "<tr><th>%s</th><td class=\"%s\">",
                m->check[i].not_reached ? "not reached" : m->check[i].ok ? "ok" : "FAIL", m->check[i].ok ? "ok" : "bad");
        html_esc(f, m->check[i].name);
        fputs("</td><td>", f);
        html_esc(f, m->check[i].message);
        fputs("</td></tr>\n", f);
    }
    if (m->ndevsum > 1) {
        /* several devices: a row of figures for each, named */
        for (size_t i = 0; i < m->ndevsum; i++)
            write_outages(f, &m->devsum[i].o, fstr(&m->devsum[i].o, "dev"));
    } else {
        write_outages(f, r, NULL);
    }
    fputs("</table>\n", f);
}

/* One row of recovery figures: the run's (dev NULL) or a device's. */
static void write_outages(FILE *f, const rpt_obj *r, const char *dev)
{
    char a[32];
    int64_t fl = fnum(r, "first_link", -1), lg = fnum(r, "longest_gap", -1);
    fputs("<tr><th>outages", f);
    if (dev != NULL) {
        fputs(": ", f);
        html_esc(f, dev);
    }
    fprintf(f, "</th><td colspan=2>first link %s; drops %" PRId64, fl >= 0 ? fmt_time(fl, a, sizeof a) : "never",
            fnum(r, "drops", 0));
    if (fnum(r, "unrecovered", 0) > 0)
        fprintf(f, " (%" PRId64 " not recovered)", fnum(r, "unrecovered", 0));
    if (fnum(r, "drops", 0) > 0) {
        fprintf(f, "; down longest %s", fmt_time(fnum(r, "down_longest", 0), a, sizeof a));
        fprintf(f, ", median %s", fmt_time(fnum(r, "down_median", 0), a, sizeof a));
    }
    fprintf(f, "; availability <b>%.2f%%</b>; joins %" PRId64 ", power cycles %" PRId64 "; sink %" PRId64
               " uploads, %" PRId64 " bytes, longest silence %s</td></tr>\n",
            (double)fnum(r, "availability_ppm", 0) / 1e4, fnum(r, "attempts", 0), fnum(r, "power_cycles", 0),
            fnum(r, "uploads", 0), fnum(r, "bytes", 0), lg >= 0 ? fmt_time(lg, a, sizeof a) : "n/a");
}

static const char report_css[] =
    "body{font:13px system-ui,sans-serif;margin:12px;color:#222}h1{font-size:18px;margin:0 0 8px}"
    "table.sum{border-collapse:collapse;margin-bottom:10px}table.sum td,table.sum th{border:1px solid #ccc;"
    "padding:2px 6px;text-align:left;vertical-align:top}.ok{color:#171}.bad{color:#b00;font-weight:bold}"
    "svg text{font:11px system-ui,sans-serif}text.lbl{text-anchor:end}text.flbl{fill:#a40}"
    "#ctl{margin:6px 0}#ctl button{margin-right:4px}.rssi{stroke-width:1.2}"
    "svg .nss{vector-effect:non-scaling-stroke}";

/* Zoom (wheel, buttons) and pan (drag) change the inner plot's viewBox in
 * x only; the axis ticks and fault labels outside it are placed again. */
static const char report_js[] =
    "(function(){var P=document.getElementById('plot'),A=document.getElementById('axis'),"
    "L=document.getElementById('flabels'),T=+P.dataset.end,W=+P.dataset.w,H=+P.dataset.h,v0=0,v1=T;"
    "function fmt(s){var h=Math.floor(s/3600),m=Math.floor(s%3600/60),x=s%60;"
    "return (h?h+'h':'')+(h||m?(h?String(m).padStart(2,'0'):m)+'m':'')+(x<10&&(h||m)?'0':'')+"
    "(Math.round(x*1000)/1000)+'s';}"
    "function draw(){P.setAttribute('viewBox',v0+' 0 '+(v1-v0)+' '+H);var d=v1-v0,st=[1e-3,0.01,0.1,1,5,10,30,60,"
    "300,600,1800,3600,7200,21600,43200];var s=st[st.length-1];for(var i=0;i<st.length;i++)if(d/st[i]<=12){s=st[i];break;}"
    "var h='';for(var t=Math.ceil(v0/s)*s;t<=v1;t+=s){var x=(t-v0)/d*W;h+='<line x1=\"'+x+'\" x2=\"'+x+'\" y1=\"14\" "
    "y2=\"20\" stroke=\"#444\"/><text x=\"'+x+'\" y=\"11\" text-anchor=\"middle\">'+fmt(t)+'</text>';}A.innerHTML=h;"
    "var ls=L.querySelectorAll('text'),vis=[];for(var k=0;k<ls.length;k++){var x=(+ls[k].dataset.t-v0)/d*W;"
    "ls[k].setAttribute('x',x);var on=x>=-50&&x<=W;ls[k].style.display=on?'':'none';if(on)vis.push(ls[k]);}"
    "if(vis.length>40)vis.forEach(function(e){e.style.display='none';});"
    "document.getElementById('range').textContent=fmt(v0)+' .. '+fmt(v1);}"
    "function zoom(f,c){var d=v1-v0,n=Math.min(T,Math.max(d*f,1e-3));if(c===undefined)c=v0+d/2;"
    "var a=c-(c-v0)*n/d;a=Math.max(0,Math.min(a,T-n));v0=a;v1=a+n;draw();}"
    "P.addEventListener('wheel',function(e){e.preventDefault();var r=P.getBoundingClientRect();"
    "zoom(e.deltaY<0?0.8:1.25,v0+(e.clientX-r.left)/r.width*(v1-v0));},{passive:false});"
    "var drag=null;P.addEventListener('mousedown',function(e){drag={x:e.clientX,a:v0,b:v1};});"
    "window.addEventListener('mouseup',function(){drag=null;});window.addEventListener('mousemove',function(e){"
    "if(!drag)return;var r=P.getBoundingClientRect(),dt=(e.clientX-drag.x)/r.width*(drag.b-drag.a);"
    "var a=Math.max(0,Math.min(drag.a-dt,T-(drag.b-drag.a)));v0=a;v1=a+(drag.b-drag.a);draw();});"
    "document.getElementById('zin').onclick=function(){zoom(0.5);};"
    "document.getElementById('zout').onclick=function(){zoom(2);};"
    "document.getElementById('zall').onclick=function(){v0=0;v1=T;draw();};draw();})();";

static int write_html(const struct model *m, FILE *f)
{
    int64_t end = m->end > 0 ? m->end : 1;
    double T = xs(end);
    /* lane geometry */
    const double fault_h = 18, link_h = 14, st_h = 14, rssi_h = 80, ev_h = 22, tp_h = 44, gap = 10;
    double dev_h = link_h + 2 + st_h + 2 + rssi_h + 2 + ev_h + 2 + tp_h + gap;
    double H = fault_h + 6 + dev_h * m->ndev;
    fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>linkrig report: ", f);
    html_esc(f, m->name);
    fprintf(f, "</title><style>%s</style></head><body>\n<h1>linkrig report: ", report_css);
    html_esc(f, m->name);
    fputs("</h1>\n", f);
    write_summary(f, m);
    if (m->bad_lines > 0)
        fprintf(f, "<p class=\"bad\">%zu malformed line(s) were skipped (see the command's output)</p>\n",
                m->bad_lines);
    fputs("<div id=\"ctl\"><button id=\"zin\">zoom in</button><button id=\"zout\">zoom out</button>"
          "<button id=\"zall\">whole run</button> <span id=\"range\"></span> &mdash; wheel to zoom, drag to pan; "
          "hover a mark for its details</div>\n",
          f);
    fprintf(f, "<svg id=\"report\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\">\n",
            LEFT + PLOT_W + 40, H + 26);
    /* the axis, then the fault labels: outside the zoomed plot, placed by the
     * script (and here for the whole run, so the page reads without it) */
    fprintf(f, "<g id=\"axis\" transform=\"translate(%d,0)\"></g>\n", LEFT);
    fputs("<g transform=\"translate(0,26)\">\n", f);
    lane_label(f, 0, fault_h, NULL, "faults");
    for (int d = 0; d < m->ndev; d++) {
        double y = fault_h + 6 + dev_h * d;
        const struct dev *dv = &m->dev[d];
        lane_label(f, y, link_h, dv->name, "link");
        lane_label(f, y + link_h + 2, st_h, dv->name, dv->st_call ? "fw status" : "fw status (none)");
        char buf[64];
        snprintf(buf, sizeof buf, "RSSI (dBm)");
        lane_label(f, y + link_h + st_h + 4, rssi_h, dv->name, buf);
        lane_label(f, y + link_h + st_h + rssi_h + 6, ev_h, dv->name, "events");
        lane_label(f, y + link_h + st_h + rssi_h + ev_h + 8, tp_h, dv->name, "delivery");
    }
    fputs("</g>\n", f);
    fprintf(f,
            "<svg id=\"plot\" x=\"%d\" y=\"26\" width=\"%d\" height=\"%.0f\" viewBox=\"0 0 %.3f %.0f\" "
            "preserveAspectRatio=\"none\" data-end=\"%.3f\" data-w=\"%d\" data-h=\"%.0f\" style=\"cursor:grab\">\n",
            LEFT, PLOT_W, H, T, H, T, PLOT_W, H);
    fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%.3f\" height=\"%.0f\" fill=\"#fcfcfc\"/>\n", T, H);
    /* faults: bands over every lane, never decimated */
    fputs("<g id=\"faults\">\n", f);
    for (size_t i = 0; i < m->nband; i++) {
        const struct band *b = &m->band[i];
        double w = xs(b->to) - xs(b->from);
        fprintf(f, "<rect class=\"fault\" x=\"%.3f\" y=\"0\" width=\"%.3f\" height=\"%.0f\" fill=\"#f93\" "
                   "fill-opacity=\"0.25\"><title>",
                xs(b->from), w, H);
        char a[32], c[32];
        html_esc(f, b->name);
        fprintf(f, ": %s .. %s</title></rect>\n", fmt_time(b->from, a, sizeof a), fmt_time(b->to, c, sizeof c));
        /* an instant fault (a passphrase change) is a line, visible at any zoom */
        fprintf(f, "<line class=\"nss\" x1=\"%.3f\" x2=\"%.3f\" y1=\"0\" y2=\"%.0f\" stroke=\"#e70\" "
                   "stroke-width=\"1\" vector-effect=\"non-scaling-stroke\"/>\n",
                xs(b->from), xs(b->from), fault_h);
    }
    fputs("</g>\n", f);
    for (int d = 0; d < m->ndev; d++) {
        const struct dev *dv = &m->dev[d];
        double y = fault_h + 6 + dev_h * d;
        char a[32], c[32];
        /* link state: the verdict's online spans; offline after the first */
        fprintf(f, "<g class=\"link\" data-dev=\"");
        html_esc(f, dv->name);
        fputs("\">\n", f);
        int64_t prev = -1;
        for (size_t i = 0; i < dv->non; i++) {
            const struct span *s = &dv->on[i];
            if (prev >= 0 && s->from > prev)
                fprintf(f, "<rect x=\"%.3f\" y=\"%.1f\" width=\"%.3f\" height=\"%.0f\" fill=\"#d33\"><title>offline "
                           "%s .. %s</title></rect>\n",
                        xs(prev), y, xs(s->from) - xs(prev), link_h, fmt_time(prev, a, sizeof a),
                        fmt_time(s->from, c, sizeof c));
            fprintf(f, "<rect x=\"%.3f\" y=\"%.1f\" width=\"%.3f\" height=\"%.0f\" fill=\"#4b4\"><title>online %s .. "
                       "%s</title></rect>\n",
                    xs(s->from), y, xs(s->to) - xs(s->from), link_h, fmt_time(s->from, a, sizeof a),
                    fmt_time(s->to, c, sizeof c));
            prev = s->to;
        }
        if (prev >= 0 && prev < end)
            fprintf(f, "<rect x=\"%.3f\" y=\"%.1f\" width=\"%.3f\" height=\"%.0f\" fill=\"#d33\"><title>offline "
                       "from %s</title></rect>\n",
                    xs(prev), y, T - xs(prev), link_h, fmt_time(prev, a, sizeof a));
        fputs("</g>\n<g class=\"status\">\n", f);
        /* the status the firmware saw: every change, held until the next */
        double ys = y + link_h + 2;
        for (size_t i = 0; i < dv->nst; i++) {
            int64_t t1 = i + 1 < dv->nst ? dv->st[i + 1].t : end;
            const char *nm = status_name(dv->st_call, dv->st[i].v);
            fprintf(f, "<rect x=\"%.3f\" y=\"%.1f\" width=\"%.3f\" height=\"%.0f\" fill=\"%s\"><title>%s = %s from "
                       "%s</title></rect>\n",
                    xs(dv->st[i].t), ys, xs(t1) - xs(dv->st[i].t), st_h, status_color(dv->st_call, dv->st[i].v),
                    dv->st_call, nm, fmt_time(dv->st[i].t, a, sizeof a));
        }
        fputs("</g>\n", f);
        /* RSSI to each AP */
        double yr = ys + st_h + 2;
        double lo = 0, hi = 0;
        bool any = false;
        for (int ap = 0; ap < m->nap; ap++)
            for (size_t i = 0; i < dv->nrssi[ap]; i++) {
                if (dv->rssi[ap][i].v == INT32_MIN)
                    continue;
                double v = dv->rssi[ap][i].v / 10.0;
                if (!any || v < lo)
                    lo = v;
                if (!any || v > hi)
                    hi = v;
                any = true;
            }
        /* whole 10 dB steps around the data, at least 20 dB of range */
        lo = any ? 10.0 * (double)(int64_t)((lo - 10.0) / 10.0) : -100;
        hi = any ? 10.0 * (double)(int64_t)((hi + 10.0) / 10.0) : -20;
        if (hi - lo < 20)
            lo = hi - 20;
        fprintf(f, "<g class=\"rssi-lane\"><rect x=\"0\" y=\"%.1f\" width=\"%.3f\" height=\"%.0f\" fill=\"#f4f6fa\"/>\n",
                yr, T, rssi_h);
        for (int ap = 0; ap < m->nap; ap++) {
            char title[128];
            snprintf(title, sizeof title, "RSSI of %s at %s (mean, dBm; %.0f .. %.0f dBm shown)", m->ap[ap], dv->name,
                     lo, hi);
            rssi_path(f, dv->rssi[ap], dv->nrssi[ap], end, yr, rssi_h, lo, hi, ap_colors[ap], title);
        }
        fputs("</g>\n", f);
        /* events: every one, as a tick with its words */
        double ye = yr + rssi_h + 2;
        fputs("<g class=\"events\">\n", f);
        for (size_t i = 0; i < m->nmark; i++) {
            const struct mark *k = &m->mark[i];
            if (k->dev != d || k->kind == MK_ONLINE || k->kind == MK_OFFLINE || k->kind == MK_STATUS)
                continue;
            /* two rows: DHCP and power above, the link's events below */
            bool upper = k->kind == MK_DHCP_ACK || k->kind == MK_DHCP_BAD || k->kind == MK_POWER;
            double y1 = upper ? ye : ye + ev_h / 2;
            fprintf(f, "<line x1=\"%.3f\" x2=\"%.3f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\" "
                       "vector-effect=\"non-scaling-stroke\"><title>%s: ",
                    xs(k->t), xs(k->t), y1, y1 + ev_h / 2 - 1, mark_color(k->kind), fmt_time(k->t, a, sizeof a));
            html_esc(f, k->what);
            fputs("</title></line>\n", f);
        }
        fputs("</g>\n", f);
        /* delivery: bytes at the sink per interval, and every silence of
         * 10 s or more as its own band */
        double yt = ye + ev_h + 2;
        fprintf(f, "<g class=\"delivery\"><rect x=\"0\" y=\"%.1f\" width=\"%.3f\" height=\"%.0f\" fill=\"#f6f6f6\"/>\n",
                yt, T, tp_h);
        double bins[NB_TPUT] = {0};
        double bw = (double)end / NB_TPUT, mx = 0;
        for (size_t i = 0; i < dv->nup; i++) {
            int b = (int)((double)dv->up[i].last / bw);
            b = b < 0 ? 0 : b >= NB_TPUT ? NB_TPUT - 1 : b;
            bins[b] += (double)dv->up[i].bytes;
        }
        for (int b = 0; b < NB_TPUT; b++)
            if (bins[b] > mx)
                mx = bins[b];
        for (size_t i = 1; i < dv->nup; i++)
            if (dv->up[i].first - dv->up[i - 1].last >= GAP_NS)
                fprintf(f, "<rect class=\"gap\" x=\"%.3f\" y=\"%.1f\" width=\"%.3f\" height=\"%.0f\" fill=\"#fbb\">"
                           "<title>no data at the sink for %s</title></rect>\n",
                        xs(dv->up[i - 1].last), yt, xs(dv->up[i].first) - xs(dv->up[i - 1].last), tp_h,
                        fmt_time(dv->up[i].first - dv->up[i - 1].last, a, sizeof a));
        if (mx > 0) {
            fputs("<path fill=\"#58a\" d=\"", f);
            for (int b = 0; b < NB_TPUT; b++)
                if (bins[b] > 0) {
                    double hh = bins[b] / mx * (tp_h - 2);
                    fprintf(f, "M%.3f %.1fh%.3fv%.1fh%.3fz", bw * b / 1e9, yt + tp_h, bw / 1e9, -hh, -bw / 1e9);
                }
            fprintf(f, "\"><title>bytes at the sink per %s (tallest %.1f kB/s)</title></path>\n",
                    fmt_time((int64_t)bw, a, sizeof a), mx / (bw / 1e9) / 1000.0);
        }
        fputs("</g>\n", f);
    }
    fputs("</svg>\n", f);
    /* after the plot, so its background does not cover them */
    fprintf(f, "<g id=\"flabels\" transform=\"translate(%d,26)\">\n", LEFT);
    for (size_t i = 0; i < m->nband; i++) {
        /* hundreds of repeats would be unreadable as labels: every band is
         * drawn (and titled); labels show when few are in view */
        fprintf(f, "<text class=\"flbl\" data-t=\"%.3f\" x=\"%.1f\" y=\"13\"%s>", xs(m->band[i].from),
                xs(m->band[i].from) / T * PLOT_W, m->nband > 40 ? " style=\"display:none\"" : "");
        html_esc(f, m->band[i].name);
        fputs("</text>\n", f);
    }
    fputs("</g>\n</svg>\n<p>Faults are orange bands; link: green online (associated and leased, as the verdict "
          "judges it), red offline; fw status: the value the firmware's last status poll returned (green connected, "
          "yellow in progress, grey idle, red failed); events: upper row DHCP (green ack, orange nak/expire) and chip "
          "power (purple), lower row joins (blue), link downs and deauthentications (red); delivery: bytes at the sink "
          "per interval, pink where it heard nothing for 10 s or more. RSSI lines:",
          f);
    for (int ap = 0; ap < m->nap; ap++) {
        fprintf(f, " <span style=\"color:%s\">&#9632; ", ap_colors[ap]);
        html_esc(f, m->ap[ap]);
        fputs("</span>", f);
    }
    fprintf(f, ".</p>\n<script>%s</script>\n</body></html>\n", report_js);
    return ferror(f) ? -1 : 0;
}

int report_html(const char *scn_dir, FILE *diag, sim_err *err)
{
    struct model m;
    int rc = model_load(scn_dir, &m, diag, err);
    if (rc != SIM_OK) {
        model_free(&m);
        return rc;
    }
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/report.html", scn_dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        model_free(&m);
        return sim_err_set(err, SIM_EIO, "%s: %s", tmp, strerror(errno));
    }
    int w = write_html(&m, f);
    int e = w != 0 || fflush(f) != 0 ? errno : 0;
    model_free(&m);
    /* written whole or not at all: a half page would load and mislead */
    if (fclose(f) != 0 && e == 0)
        e = errno;
    if (e == 0 && rename(tmp, path) != 0)
        e = errno;
    if (e != 0 || w != 0) {
        remove(tmp);
        return sim_err_set(err, SIM_EIO, "%s: cannot write: %s", path, strerror(e ? e : EIO));
    }
    return SIM_OK;
}

/* ---- several scenarios ---- */

static int write_index(const char *outdir, const char *const *names, int n)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/index.html", outdir);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>linkrig reports</title><style>%s"
               "</style></head><body><h1>linkrig reports</h1>\n<table class=\"sum\"><tr><th>scenario</th><th>verdict"
               "</th><th>availability</th><th>drops</th></tr>\n",
            report_css);
    for (int i = 0; i < n; i++) {
        struct model m;
        char dir[4200];
        sim_err err = {0};
        snprintf(dir, sizeof dir, "%s/%s", outdir, names[i]);
        bool ok = model_load(dir, &m, NULL, &err) == SIM_OK && m.have_result;
        fputs("<tr><td><a href=\"", f);
        html_esc(f, names[i]);
        fputs("/report.html\">", f);
        html_esc(f, names[i]);
        fputs("</a></td>", f);
        if (ok) {
            bool pass = fnum(&m.result, "passed", 0) != 0;
            if (m.ndevsum > 1) {
                /* several devices: the lowest availability (whose), all their drops */
                size_t low = 0;
                int64_t drops = 0;
                for (size_t k = 0; k < m.ndevsum; k++) {
                    drops += fnum(&m.devsum[k].o, "drops", 0);
                    if (fnum(&m.devsum[k].o, "availability_ppm", 0) < fnum(&m.devsum[low].o, "availability_ppm", 0))
                        low = k;
                }
                fprintf(f, "<td class=\"%s\">%s</td><td>%.2f%% (lowest of %zu devices: ", pass ? "ok" : "bad",
                        pass ? "PASS" : "FAIL", (double)fnum(&m.devsum[low].o, "availability_ppm", 0) / 1e4,
                        m.ndevsum);
                html_esc(f, fstr(&m.devsum[low].o, "dev"));
                fprintf(f, ")</td><td>%" PRId64 " (all devices)</td></tr>\n", drops);
            } else {
                fprintf(f, "<td class=\"%s\">%s</td><td>%.2f%%</td><td>%" PRId64 "</td></tr>\n", pass ? "ok" : "bad",
                        pass ? "PASS" : "FAIL", (double)fnum(&m.result, "availability_ppm", 0) / 1e4,
                        fnum(&m.result, "drops", 0));
            }
        } else {
            fputs("<td colspan=3>no verdict</td></tr>\n", f);
        }
        model_free(&m);
    }
    fputs("</table></body></html>\n", f);
    return fclose(f) == 0 ? 0 : -1;
}

int report_write_run(const char *outdir, const char *const *names, int n, FILE *log)
{
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char dir[4200];
        sim_err err = {0};
        snprintf(dir, sizeof dir, "%s/%s", outdir, names[i]);
        if (report_html(dir, stderr, &err) != SIM_OK) {
            fprintf(stderr, "linkrig: report: %s\n", err.msg);
            rc = -1;
        } else if (log != NULL) {
            fprintf(log, "report: %s/report.html\n", dir);
        }
    }
    if (n > 1) {
        if (write_index(outdir, names, n) != 0) {
            fprintf(stderr, "linkrig: report: cannot write %s/index.html\n", outdir);
            rc = -1;
        } else if (log != NULL) {
            fprintf(log, "report: %s/index.html\n", outdir);
        }
    }
    return rc;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int report_write_dir(const char *outdir, FILE *log)
{
    char path[4200];
    struct stat st;
    snprintf(path, sizeof path, "%s/trace.jsonl", outdir);
    if (stat(path, &st) == 0) {
        sim_err err = {0};
        if (report_html(outdir, stderr, &err) != SIM_OK) {
            fprintf(stderr, "linkrig: report: %s\n", err.msg);
            return -1;
        }
        if (log != NULL)
            fprintf(log, "report: %s/report.html\n", outdir);
        return 0;
    }
    DIR *d = opendir(outdir);
    if (d == NULL) {
        fprintf(stderr, "linkrig: report: %s: %s\n", outdir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s/trace.jsonl", outdir, e->d_name);
        if (stat(path, &st) != 0)
            continue;
        names = grow(names, &cap, n, sizeof *names);
        names[n] = strdup(e->d_name);
        if (names[n] == NULL)
            abort();
        n++;
    }
    closedir(d);
    int rc;
    if (n == 0) {
        fprintf(stderr, "linkrig: report: %s holds no scenario output (no */trace.jsonl)\n", outdir);
        rc = -1;
    } else {
        /* readdir's order is the file system's: sort for a stable index */
        qsort(names, n, sizeof *names, name_cmp);
        rc = report_write_run(outdir, (const char *const *)names, (int)n, log);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}
