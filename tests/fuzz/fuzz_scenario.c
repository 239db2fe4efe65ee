/* Fuzz target: the scenario parser (sim/scenario.c: scn_parse, what
 * scn_load calls with a file's bytes). A scenario comes from anywhere a CI
 * job takes it; every input is refused with a message or parsed. */
#include <stdlib.h>
#include <string.h>

#include "sim/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *b = malloc(size ? size : 1);
    if (b == NULL)
        return 0;
    memcpy(b, data, size);
    sim_err err = {0};
    scenario *s = scn_parse("fuzz.yaml", b, size, &err);
    if (s == NULL && err.msg[0] == '\0')
        abort(); /* refused without a message */
    scn_free(s);
    free(b);
    return 0;
}
