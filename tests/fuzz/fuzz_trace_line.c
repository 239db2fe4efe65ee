/* Fuzz target: the trace-line parser of `linkrig report` and `linkrig
 * timeline` (sim/report.c: rpt_parse_line), which reads trace.jsonl and
 * result.jsonl files kept by CI as untrusted input. */
#include <stdlib.h>
#include <string.h>

#include "sim/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = malloc(size + 1); /* line[len] must be writable */
    if (line == NULL)
        return 0;
    memcpy(line, data, size);
    rpt_obj o;
    char why[128];
    if (rpt_parse_line(line, size, &o, why, sizeof why) == 0) {
        if (o.n > RPT_MAX_FIELDS)
            abort();
        for (size_t i = 0; i < o.n; i++)
            if (o.f[i].type == RPT_STR && strlen(o.f[i].str) > size)
                abort();
        (void)rpt_get(&o, "event");
    } else if (memchr(why, '\0', sizeof why) == NULL) {
        abort();
    }
    free(line);
    return 0;
}
