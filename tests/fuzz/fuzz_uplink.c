/* Fuzz target: the uplink's input (sim/uplink.c: uplink_input, what the AP
 * bridge and the wired port call with every frame a device sends), with
 * the in-rig services a scenario has (TCP sink and echo, UDP echo, DNS,
 * NTP), so that both the checks before libslirp and slirp behind them see
 * the frames. Restricted: nothing reaches the host. Input: records of
 * length (2, little endian; the top 5 bits are a wait in ms) | bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "sim/uplink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sent(void *ctx, const uint8_t *eth, size_t len)
{
    (void)ctx;
    (void)eth;
    (void)len;
}

static void add(uplink *u, const uplink_service_config *c)
{
    sim_err err = {0};
    if (uplink_add_service_ex(u, c, &err) != SIM_OK) {
        fprintf(stderr, "uplink_add_service_ex: %s\n", err.msg);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sim_config sc = {.seed = 1};
    sim *s = sim_create(&sc, NULL);
    if (s == NULL)
        abort();
    sim_trace_set_log(sim_trace_of(s), NULL, SIM_LOG_OFF);
    uplink_config c;
    uplink_config_default(&c);
    c.restricted = true;
    c.sink_ip = UPLINK_DEFAULT_SINK_IP;
    c.sink_port = UPLINK_DEFAULT_SINK_PORT;
    sim_err err = {0};
    uplink *u = uplink_create(s, &c, sent, NULL, &err);
    if (u == NULL) {
        fprintf(stderr, "uplink_create: %s\n", err.msg);
        abort();
    }
    static const svc_dns_entry names[] = {{"time.rig", 0x0a000266u}, {"sink.rig", UPLINK_DEFAULT_SINK_IP}};
    add(u, &(uplink_service_config){.name = "echo", .kind = UPLINK_SERVICE_ECHO, .ip = 0x0a000265u, .port = 7});
    add(u, &(uplink_service_config){.name = "uecho", .kind = UPLINK_SERVICE_UDP_ECHO, .ip = 0x0a000265u, .port = 7});
    add(u, &(uplink_service_config){.name = "dns", .kind = UPLINK_SERVICE_DNS, .ip = 0x0a000203u, .port = 53,
                                    .names = names, .nnames = 2});
    add(u, &(uplink_service_config){.name = "ntp", .kind = UPLINK_SERVICE_NTP, .ip = 0x0a000266u, .port = 123,
                                    .epoch_s = 1700000000});
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
        uplink_input(u, f, n);
        free(f);
        sim_run_until(s, sim_now(s) + SIM_MS(1) * wait);
    }
    sim_run_until(s, sim_now(s) + SIM_SEC(2));
    uplink_destroy(u);
    sim_destroy(s);
    return 0;
}
