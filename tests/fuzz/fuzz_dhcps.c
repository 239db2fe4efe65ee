/* Fuzz target: the DHCP server (ap_model/dhcps.c). Input: Ethernet frames
 * as records of length (2, little endian) | bytes; between frames virtual
 * time runs (leases expire, offers time out). Frames are copied into heap
 * blocks of exactly their length. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap_model/dhcps.h"
#include "sim/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sent(void *ctx, const uint8_t *eth, size_t len)
{
    (void)ctx;
    (void)eth;
    (void)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sim_config sc = {.seed = 1};
    sim *s = sim_create(&sc, NULL);
    if (s == NULL)
        abort();
    sim_trace_set_log(sim_trace_of(s), NULL, SIM_LOG_OFF);
    dhcps_config c;
    dhcps_config_default(&c);
    c.lease_s = 60;
    sim_err err = {0};
    dhcps *d = dhcps_create(s, &c, sent, NULL, &err);
    if (d == NULL) {
        fprintf(stderr, "dhcps_create: %s\n", err.msg);
        abort();
    }
    size_t i = 0;
    while (i + 2 <= size) {
        size_t n = (size_t)data[i] | (size_t)(data[i + 1] & 0x07) << 8;
        uint8_t wait = data[i + 1] >> 3;
        i += 2;
        if (n > size - i)
            n = size - i;
        uint8_t *f = malloc(n ? n : 1);
        if (f == NULL)
            abort();
        memcpy(f, data + i, n);
        i += n;
        (void)dhcps_input(d, f, n);
        free(f);
        sim_run_until(s, sim_now(s) + SIM_SEC(4) * wait);
    }
    dhcps_destroy(d);
    sim_destroy(s);
    return 0;
}
