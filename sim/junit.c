/* sim/junit.c — JUnit XML out, and several shards' files joined (junit.h). */
#define _POSIX_C_SOURCE 200809L
#include "sim/junit.h"
#include "sim/verdict.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef LINKRIG_VERSION
#define LINKRIG_VERSION "unknown"
#endif

/* ---- writing ---- */

struct junit_doc {
    FILE *body; /* the finished suites */
    char *body_buf;
    size_t body_len;
    FILE *props, *cases; /* the open suite's parts, until its counts are known */
    char *props_buf, *cases_buf;
    size_t props_len, cases_len;
    char *suite_name;
    double suite_time;
    int suite_tests, suite_failures, suite_errors, suite_skipped;
    int tests, failures, errors, skipped;
    double time;
    bool failed; /* out of memory somewhere: the write reports it */
};

/* Text for an attribute value or element content. XML 1.0 cannot carry
 * most control characters at all, so they are dropped, not escaped. */
static void xml_text(FILE *f, const char *s)
{
    for (; s != NULL && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\n': fputs("&#10;", f); break; /* kept inside attribute values too */
        case '\t': fputs("&#9;", f); break;
        default:
            if ((unsigned char)*s >= 0x20)
                fputc(*s, f);
        }
    }
}

/* Element content: newlines stay newlines there. */
static void xml_body(FILE *f, const char *s)
{
    for (; s != NULL && *s; s++) {
        if (*s == '\n')
            fputc('\n', f);
        else
            xml_text(f, (char[2]){*s, '\0'});
    }
}

junit_doc *junit_doc_new(void)
{
    junit_doc *j = calloc(1, sizeof *j);
    if (j == NULL)
        return NULL;
    j->body = open_memstream(&j->body_buf, &j->body_len);
    if (j->body == NULL) {
        free(j);
        return NULL;
    }
    return j;
}

void junit_suite_begin(junit_doc *j, const char *name, double time_s)
{
    j->props = open_memstream(&j->props_buf, &j->props_len);
    j->cases = open_memstream(&j->cases_buf, &j->cases_len);
    j->suite_name = strdup(name);
    if (j->props == NULL || j->cases == NULL || j->suite_name == NULL)
        j->failed = true;
    j->suite_time = time_s;
    j->suite_tests = j->suite_failures = j->suite_errors = j->suite_skipped = 0;
}

void junit_prop(junit_doc *j, const char *name, const char *value)
{
    if (j->props == NULL)
        return;
    fputs("      <property name=\"", j->props);
    xml_text(j->props, name);
    fputs("\" value=\"", j->props);
    xml_text(j->props, value);
    fputs("\"/>\n", j->props);
}

void junit_case(junit_doc *j, const char *classname, const char *name, double time_s, const char *failure,
                const char *failure_text, const char *out)
{
    junit_case_kind(j, classname, name, time_s, failure != NULL ? JUNIT_FAILURE : JUNIT_PASSED, failure,
                    failure_text, out);
}

void junit_case_kind(junit_doc *j, const char *classname, const char *name, double time_s, junit_outcome kind,
                     const char *failure, const char *failure_text, const char *out)
{
    static const char *const element[] = {[JUNIT_FAILURE] = "failure", [JUNIT_ERROR] = "error",
                                          [JUNIT_SKIPPED] = "skipped"};
    if (j->cases == NULL)
        return;
    if (kind == JUNIT_PASSED)
        failure = NULL;
    else if (failure == NULL)
        failure = element[kind];
    FILE *f = j->cases;
    j->suite_tests++;
    fputs("    <testcase classname=\"", f);
    xml_text(f, classname);
    fputs("\" name=\"", f);
    xml_text(f, name);
    fprintf(f, "\" time=\"%.3f\"", time_s);
    if (failure == NULL && out == NULL) {
        fputs("/>\n", f);
        return;
    }
    fputs(">\n", f);
    if (failure != NULL) {
        j->suite_failures += kind == JUNIT_FAILURE;
        j->suite_errors += kind == JUNIT_ERROR;
        j->suite_skipped += kind == JUNIT_SKIPPED;
        fprintf(f, "      <%s message=\"", element[kind]);
        xml_text(f, failure);
        fputs("\" type=\"", f);
        fputs(kind != JUNIT_FAILURE ? failure : failure_text != NULL ? "expectation" : "failure", f);
        fputs("\">", f);
        xml_body(f, failure_text != NULL ? failure_text : failure);
        fprintf(f, "</%s>\n", element[kind]);
    }
    if (out != NULL) {
        fputs("      <system-out>", f);
        xml_body(f, out);
        fputs("</system-out>\n", f);
    }
    fputs("    </testcase>\n", f);
}

void junit_suite_end(junit_doc *j, const char *out)
{
    if (j->props == NULL || j->cases == NULL || j->suite_name == NULL) {
        j->failed = true;
    } else {
        fclose(j->props);
        fclose(j->cases);
        j->props = j->cases = NULL;
        FILE *f = j->body;
        fputs("  <testsuite name=\"", f);
        xml_text(f, j->suite_name);
        fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\">\n",
                j->suite_tests, j->suite_failures, j->suite_errors, j->suite_skipped, j->suite_time);
        if (j->props_len > 0) {
            fputs("    <properties>\n", f);
            fwrite(j->props_buf, 1, j->props_len, f);
            fputs("    </properties>\n", f);
        }
        fwrite(j->cases_buf, 1, j->cases_len, f);
        if (out != NULL) {
            fputs("    <system-out>", f);
            xml_body(f, out);
            fputs("</system-out>\n", f);
        }
        fputs("  </testsuite>\n", f);
        j->tests += j->suite_tests;
        j->failures += j->suite_failures;
        j->errors += j->suite_errors;
        j->skipped += j->suite_skipped;
        j->time += j->suite_time;
    }
    if (j->props != NULL)
        fclose(j->props);
    if (j->cases != NULL)
        fclose(j->cases);
    j->props = j->cases = NULL;
    free(j->props_buf);
    free(j->cases_buf);
    free(j->suite_name);
    j->props_buf = j->cases_buf = j->suite_name = NULL;
}

void junit_doc_free(junit_doc *j)
{
    if (j == NULL)
        return;
    if (j->props != NULL)
        fclose(j->props);
    if (j->cases != NULL)
        fclose(j->cases);
    free(j->props_buf);
    free(j->cases_buf);
    free(j->suite_name);
    if (j->body != NULL)
        fclose(j->body);
    free(j->body_buf);
    free(j);
}

int junit_doc_write(junit_doc *j, const char *path, sim_err *err)
{
    if (j == NULL)
        return sim_err_set(err, SIM_ENOMEM, "out of memory writing %s", path);
    if (j->failed || fflush(j->body) != 0) {
        junit_doc_free(j);
        return sim_err_set(err, SIM_ENOMEM, "out of memory writing %s", path);
    }
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        int e = errno;
        junit_doc_free(j);
        return sim_err_set(err, SIM_EIO, "cannot write %s: %s", path, strerror(e));
    }
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"linkrig\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\">\n",
            j->tests, j->failures, j->errors, j->skipped, j->time);
    fwrite(j->body_buf, 1, j->body_len, f);
    fputs("</testsuites>\n", f);
    junit_doc_free(j);
    int e = fflush(f) != 0 || ferror(f) ? errno : 0;
    if (fclose(f) != 0 && e == 0)
        e = errno;
    if (e != 0)
        return sim_err_set(err, SIM_EIO, "writing %s failed: %s", path, strerror(e));
    return SIM_OK;
}

/* ---- what a run was ---- */

void junit_shell_arg(char *buf, size_t cap, const char *arg)
{
    size_t k = strlen(buf);
    bool plain = arg[0] != '\0';
    for (const char *p = arg; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("_./=,:+@%-", *p) != NULL))
            plain = false;
    if (k > 0 && k + 1 < cap)
        buf[k++] = ' ';
    if (plain) {
        snprintf(buf + k, cap - k, "%s", arg);
        return;
    }
    /* '...' keeps everything but a quote, which becomes '\'' */
    if (k + 1 < cap)
        buf[k++] = '\'';
    for (const char *p = arg; *p && k + 5 < cap; p++) {
        if (*p == '\'') {
            memcpy(buf + k, "'\\''", 4);
            k += 4;
        } else {
            buf[k++] = *p;
        }
    }
    if (k + 1 < cap)
        buf[k++] = '\'';
    buf[k < cap ? k : cap - 1] = '\0';
}

void junit_repro_command(char *buf, size_t cap, const char *program, const runner_opts *o, uint64_t seed,
                         const char *scenario_path)
{
    char n[32];
    buf[0] = '\0';
    junit_shell_arg(buf, cap, program);
    junit_shell_arg(buf, cap, "run");
    junit_shell_arg(buf, cap, "--seed");
    snprintf(n, sizeof n, "%" PRIu64, seed);
    junit_shell_arg(buf, cap, n);
    if (o->firmware != NULL) {
        junit_shell_arg(buf, cap, "--firmware");
        junit_shell_arg(buf, cap, o->firmware);
    }
    /* The watchdog decides whether a slow firmware fails: part of the run. */
    if (o->watchdog_ms != 10000) {
        snprintf(n, sizeof n, "%ums", o->watchdog_ms);
        junit_shell_arg(buf, cap, "--watchdog");
        junit_shell_arg(buf, cap, n);
    }
    for (int i = 0; i < o->nsets; i++) {
        junit_shell_arg(buf, cap, "--set");
        junit_shell_arg(buf, cap, o->sets[i]);
    }
    junit_shell_arg(buf, cap, scenario_path);
}

void junit_firmware_of(char *buf, size_t cap, const scenario *s, const runner_opts *o)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int i = 0; i < s->ndevices; i++) {
        if (s->devices[i].client)
            continue; /* the rig's client image, not the firmware under test */
        const char *fw = o->firmware             ? o->firmware
                         : s->devices[i].firmware[0] ? s->devices[i].firmware
                         : o->default_firmware    ? o->default_firmware
                                                  : "";
        /* several devices usually share one image: name each image once */
        bool seen = false;
        for (int d = 0; d < i && !seen; d++) {
            const char *other = o->firmware ? o->firmware : s->devices[d].firmware[0] ? s->devices[d].firmware
                                                                                      : o->default_firmware;
            seen = other != NULL && strcmp(other, fw) == 0;
        }
        if (seen || k + 1 >= cap)
            continue;
        int w = snprintf(buf + k, cap - k, "%s%s", k ? ", " : "", fw);
        k += w > 0 ? (size_t)w : 0;
        if (k >= cap)
            k = cap - 1;
    }
}

int junit_write_run(const char *path, const scenario *const *scns, const runner_result *results, int n,
                    const junit_run_info *info, sim_err *err)
{
    junit_doc *j = junit_doc_new();
    if (j == NULL)
        return sim_err_set(err, SIM_ENOMEM, "out of memory writing %s", path);
    const runner_opts *o = info->opts;
    for (int i = 0; i < n; i++) {
        const runner_result *r = &results[i];
        const scenario *s = scns[i];
        char cls[96], cmd[4096], fw[1024], v[64];
        snprintf(cls, sizeof cls, "linkrig.%s", r->name);
        junit_repro_command(cmd, sizeof cmd, info->program, o, r->seed, s->path);
        junit_firmware_of(fw, sizeof fw, s, o);
        junit_suite_begin(j, r->name, r->wall_s);
        junit_prop(j, "linkrig.version", LINKRIG_VERSION);
        junit_prop(j, "scenario", s->path);
        snprintf(v, sizeof v, "%" PRIu64, r->seed);
        junit_prop(j, "seed", v);
        junit_prop(j, "firmware", fw);
        for (int k = 0; k < o->nsets; k++)
            junit_prop(j, "set", o->sets[k]);
        snprintf(v, sizeof v, "%ums", o->watchdog_ms);
        junit_prop(j, "watchdog", v);
        if (info->shard != NULL)
            junit_prop(j, "shard", info->shard);
        /* each device's recovery figures, named (README, "JUnit") */
        for (int d = 0; d < r->ndevs; d++) {
            const runner_dev_summary *ds = &r->devs[d];
            char pname[64], text[400], a[32], b[32];
            snprintf(pname, sizeof pname, "summary.%s", ds->name);
            snprintf(text, sizeof text,
                     "first link %s; drops %lld (%lld not recovered), down longest %s; availability %.2f%%; "
                     "joins %lld, power cycles %lld; sink %lld uploads, %" PRIu64 " bytes",
                     ds->first_link >= 0 ? verdict_fmt_time(ds->first_link, a, sizeof a) : "never", ds->drops_total,
                     ds->drops_unrecovered, ds->down_longest >= 0 ? verdict_fmt_time(ds->down_longest, b, sizeof b) : "-",
                     100.0 * ds->availability, ds->attempts, ds->power_cycles, ds->uploads, ds->sink_bytes);
            junit_prop(j, pname, text);
        }
        /* The run itself: the world was built and the firmware did not crash. */
        bool run_failed = !r->ran || r->failure[0] != '\0' || r->output_error[0] != '\0';
        if (r->interrupted) /* neither passed nor failed: stopped by a signal (the text says which) */
            junit_case_kind(j, cls, "run", r->wall_s, JUNIT_ERROR, "interrupted", r->failure, cmd);
        else
            junit_case(j, cls, "run", r->wall_s,
                       run_failed ? (r->failure[0]        ? r->failure
                                     : r->output_error[0] ? r->output_error
                                                          : "did not run")
                                  : NULL,
                       NULL, run_failed ? cmd : NULL);
        for (int k = 0; k < r->nchecks; k++) {
            const runner_check *c = &r->checks[k];
            /* A test name must be unique in its class; the same expectation
             * written twice gets #2, #3 in file order. */
            char name[160];
            int dup = 1;
            for (int m = 0; m < k; m++)
                dup += strcmp(r->checks[m].test, c->test) == 0;
            if (dup > 1)
                snprintf(name, sizeof name, "%s #%d", c->test, dup);
            else
                snprintf(name, sizeof name, "%s", c->test);
            char text[700];
            snprintf(text, sizeof text, "%s: %s", c->name, c->message);
            if (r->interrupted) /* judged on a run cut short: not a verdict */
                junit_case_kind(j, cls, name, 0.0, JUNIT_SKIPPED, "interrupted", text, NULL);
            else
                junit_case(j, cls, name, 0.0, c->ok ? NULL : c->message, c->ok ? NULL : text, c->ok ? NULL : cmd);
        }
        junit_suite_end(j, cmd);
    }
    return junit_doc_write(j, path, err);
}

/* ---- joining shards ---- */

struct suite_chunk {
    const char *start;
    size_t len;
    char name[256];
    long long tests, failures, errors, skipped;
    double time;
    int order;
};

static const char *skip_misc(const char *p, const char *end)
{
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
            p++;
        if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
            const char *q = strstr(p + 4, "-->");
            p = q ? q + 3 : end;
        } else if (end - p >= 2 && (memcmp(p, "<?", 2) == 0)) {
            const char *q = strstr(p + 2, "?>");
            p = q ? q + 2 : end;
        } else if (end - p >= 9 && memcmp(p, "<!DOCTYPE", 9) == 0) {
            const char *q = memchr(p, '>', (size_t)(end - p));
            p = q ? q + 1 : end;
        } else {
            return p;
        }
    }
}

/* Past the end of the tag that starts at p ('<'), minding quoted values;
 * *empty says whether it was <x/>. NULL when the text ends first. */
static const char *tag_end(const char *p, const char *end, bool *empty)
{
    char quote = 0;
    for (const char *q = p + 1; q < end; q++) {
        if (quote) {
            if (*q == quote)
                quote = 0;
        } else if (*q == '"' || *q == '\'') {
            quote = *q;
        } else if (*q == '>') {
            *empty = q[-1] == '/';
            return q + 1;
        }
    }
    return NULL;
}

/* Past the end of the element that starts at p. */
static const char *element_end(const char *p, const char *end)
{
    int depth = 0;
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (lt == NULL)
            return NULL;
        p = lt;
        const char *close = NULL;
        if (end - p >= 4 && memcmp(p, "<!--", 4) == 0)
            close = strstr(p, "-->"), p = close ? close + 3 : end;
        else if (end - p >= 9 && memcmp(p, "<![CDATA[", 9) == 0)
            close = strstr(p, "]]>"), p = close ? close + 3 : end;
        else if (p[1] == '?')
            close = strstr(p, "?>"), p = close ? close + 2 : end;
        else {
            bool empty = false;
            bool closing = p[1] == '/';
            const char *q = tag_end(p, end, &empty);
            if (q == NULL)
                return NULL;
            p = q;
            if (closing)
                depth--;
            else if (!empty)
                depth++;
            if (depth == 0)
                return p;
        }
    }
    return NULL;
}

static bool starts_tag(const char *p, const char *end, const char *name)
{
    size_t n = strlen(name);
    if ((size_t)(end - p) < n + 2 || p[0] != '<' || memcmp(p + 1, name, n) != 0)
        return false;
    char c = p[n + 1];
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '>' || c == '/';
}

/* The value of attribute name in the start tag [p, tend), raw. */
static bool attr(const char *p, const char *tend, const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);
    for (const char *q = p + 1; q + n + 2 < tend; q++) {
        if ((q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\n' || q[-1] == '\r') && memcmp(q, name, n) == 0) {
            const char *r = q + n;
            while (r < tend && (*r == ' ' || *r == '\t'))
                r++;
            if (r >= tend || *r != '=')
                continue;
            r++;
            while (r < tend && (*r == ' ' || *r == '\t'))
                r++;
            if (r >= tend || (*r != '"' && *r != '\''))
                continue;
            const char *v = r + 1, *ve = memchr(v, *r, (size_t)(tend - v));
            if (ve == NULL)
                return false;
            size_t len = (size_t)(ve - v) < cap - 1 ? (size_t)(ve - v) : cap - 1;
            memcpy(out, v, len);
            out[len] = '\0';
            return true;
        }
    }
    return false;
}

static int add_suite(struct suite_chunk **list, int *n, const char *p, const char *e, int order)
{
    struct suite_chunk *l = realloc(*list, (size_t)(*n + 1) * sizeof **list);
    if (l == NULL)
        return SIM_ENOMEM;
    *list = l;
    struct suite_chunk *c = &l[(*n)++];
    memset(c, 0, sizeof *c);
    c->start = p;
    c->len = (size_t)(e - p);
    c->order = order;
    bool empty;
    const char *tend = tag_end(p, e, &empty);
    char v[64];
    attr(p, tend, "name", c->name, sizeof c->name);
    if (attr(p, tend, "tests", v, sizeof v))
        c->tests = strtoll(v, NULL, 10);
    if (attr(p, tend, "failures", v, sizeof v))
        c->failures = strtoll(v, NULL, 10);
    if (attr(p, tend, "errors", v, sizeof v))
        c->errors = strtoll(v, NULL, 10);
    if (attr(p, tend, "skipped", v, sizeof v))
        c->skipped = strtoll(v, NULL, 10);
    if (attr(p, tend, "time", v, sizeof v))
        c->time = strtod(v, NULL);
    return SIM_OK;
}

static int by_name(const void *a, const void *b)
{
    const struct suite_chunk *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c != 0 ? c : (x->order > y->order) - (x->order < y->order);
}

static char *slurp(const char *path, size_t *len, sim_err *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        sim_err_set(err, SIM_EIO, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 65536 + 1 > cap) {
            char *b = realloc(buf, cap = (n + 65536 + 1) * 2);
            if (b == NULL) {
                free(buf);
                fclose(f);
                sim_err_set(err, SIM_ENOMEM, "%s: out of memory", path);
                return NULL;
            }
            buf = b;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        sim_err_set(err, SIM_EIO, "%s: cannot read", path);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int junit_merge(const char *out_path, const char *const *inputs, int n, sim_err *err)
{
    char **texts = calloc((size_t)n + 1, sizeof *texts);
    struct suite_chunk *suites = NULL;
    int nsuites = 0, rc = SIM_OK;
    if (texts == NULL)
        return sim_err_set(err, SIM_ENOMEM, "out of memory");
    for (int i = 0; i < n && rc == SIM_OK; i++) {
        size_t len;
        texts[i] = slurp(inputs[i], &len, err);
        if (texts[i] == NULL) {
            rc = SIM_EIO;
            break;
        }
        const char *p = texts[i], *end = texts[i] + len;
        if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
            p += 3;
        p = skip_misc(p, end);
        bool empty = false;
        if (starts_tag(p, end, "testsuite")) {
            const char *e = element_end(p, end);
            if (e == NULL) {
                rc = sim_err_set(err, SIM_EINVAL, "%s: the <testsuite> element is not closed", inputs[i]);
                break;
            }
            rc = add_suite(&suites, &nsuites, p, e, nsuites);
        } else if (starts_tag(p, end, "testsuites")) {
            const char *q = tag_end(p, end, &empty);
            if (q == NULL) {
                rc = sim_err_set(err, SIM_EINVAL, "%s: the <testsuites> tag is not closed", inputs[i]);
                break;
            }
            while (!empty) {
                q = skip_misc(q, end);
                if (q >= end) {
                    rc = sim_err_set(err, SIM_EINVAL, "%s: <testsuites> is not closed", inputs[i]);
                    break;
                }
                if (starts_tag(q, end, "/testsuites"))
                    break;
                if (*q != '<') {
                    rc = sim_err_set(err, SIM_EINVAL, "%s: text where a <testsuite> was expected", inputs[i]);
                    break;
                }
                const char *e = element_end(q, end);
                if (e == NULL) {
                    rc = sim_err_set(err, SIM_EINVAL, "%s: an element in <testsuites> is not closed", inputs[i]);
                    break;
                }
                /* Only suites are JUnit's children of the root; anything
                 * else some tool added is not ours to carry. */
                if (starts_tag(q, end, "testsuite") && (rc = add_suite(&suites, &nsuites, q, e, nsuites)) != SIM_OK)
                    break;
                q = e;
            }
        } else {
            rc = sim_err_set(err, SIM_EINVAL, "%s: not a JUnit file (its root is not <testsuites> or <testsuite>)",
                             inputs[i]);
        }
    }
    if (rc == SIM_ENOMEM)
        sim_err_set(err, rc, "out of memory");
    if (rc == SIM_OK) {
        qsort(suites, (size_t)nsuites, sizeof *suites, by_name);
        long long t = 0, f = 0, e = 0, s = 0;
        double time = 0;
        for (int i = 0; i < nsuites; i++) {
            t += suites[i].tests;
            f += suites[i].failures;
            e += suites[i].errors;
            s += suites[i].skipped;
            time += suites[i].time;
        }
        FILE *out = fopen(out_path, "w");
        if (out == NULL) {
            rc = sim_err_set(err, SIM_EIO, "cannot write %s: %s", out_path, strerror(errno));
        } else {
            fprintf(out,
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"linkrig\" tests=\"%lld\" "
                    "failures=\"%lld\" errors=\"%lld\" skipped=\"%lld\" time=\"%.3f\">\n",
                    t, f, e, s, time);
            for (int i = 0; i < nsuites; i++) {
                fputs("  ", out);
                fwrite(suites[i].start, 1, suites[i].len, out);
                fputc('\n', out);
            }
            fputs("</testsuites>\n", out);
            if (ferror(out) | (fclose(out) != 0))
                rc = sim_err_set(err, SIM_EIO, "cannot write %s", out_path);
        }
    }
    for (int i = 0; i < n; i++)
        free(texts[i]);
    free(texts);
    free(suites);
    return rc;
}
