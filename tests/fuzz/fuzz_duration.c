/* Fuzz target: durations as people write them (sim/clock.c:
 * sim_time_parse), what every scenario duration and --duration, --sample
 * and --watchdog go through. A parsed duration is never negative, and its
 * formatted text never overflows. */
#include <stdlib.h>
#include <string.h>

#include "sim/clock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *t = malloc(size + 1);
    if (t == NULL)
        return 0;
    memcpy(t, data, size);
    t[size] = '\0';
    sim_time v = -1;
    int rc = sim_time_parse(t, &v);
    if (rc == 0) {
        if (v < 0)
            abort();
        char buf[64];
        sim_time_format(v, buf, sizeof buf);
    } else if (rc != -1 && rc != SIM_TIME_RANGE) {
        abort();
    }
    free(t);
    return 0;
}
