/* Fuzz target: the access point's receive path (ap_receive, the function
 * the medium calls), in every stage of a real WPA2 join: before any frame,
 * after the probe, authentication and association exchanges, between the
 * messages of the 4-way handshake, and with the station keyed. The first
 * input byte picks the stage; the rest are frames (fuzz_air.h). */
#include "tests/fuzz/fuzz_air.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fuzz_air f;
    fuzz_air_open(&f, data[0] % (FUZZ_AIR_KEYED + 1));
    fuzz_air_feed(&f, 1, data + 1, size - 1);
    fuzz_air_close(&f);
    return 0;
}
