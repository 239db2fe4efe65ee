/* Fuzz target: the in-rig services' parsers (sim/services.c): a DNS query,
 * an NTP request and a greeter connection's bytes, as the uplink hands them
 * over. The first byte picks the parser. */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#include <stdlib.h>
#include <string.h>

#include "sim/services.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void out(void *ctx, const uint8_t *bytes, size_t len)
{
    (void)ctx;
    (void)bytes;
    (void)len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t which = data[0];
    data++;
    size--;
    uint8_t *b = malloc(size ? size : 1);
    if (b == NULL)
        return 0;
    memcpy(b, data, size);
    switch (which % 3) {
    case 0: {
        static const svc_dns_entry names[] = {{"time.rig", 0x0a000266u}, {"a-b_c.example", 0x0a000267u}};
        uint8_t resp[SVC_DNS_MAX];
        svc_dns_info info;
        size_t n = svc_dns_answer(names, 2, (which & 0x80) != 0, b, size, resp, sizeof resp, &info);
        if (n > sizeof resp || strnlen(info.qname, sizeof info.qname) == sizeof info.qname)
            abort();
        break;
    }
    case 1: {
        uint8_t resp[SVC_NTP_LEN];
        size_t n = svc_ntp_answer(b, size, 1, 2, resp);
        if (n != 0 && n != SVC_NTP_LEN)
            abort();
        break;
    }
    default: {
        static const svc_greeter_rule rules[] = {{"HELLO", "WORLD"}, {"", "?"}};
        svc_greeter *g = svc_greeter_create("hi", rules, 2, NULL);
        if (g == NULL)
            abort();
        svc_greeter_conn c;
        memset(&c, 0, sizeof c);
        /* In pieces, as TCP segments arrive. */
        size_t piece = (which >> 2) + 1;
        for (size_t i = 0; i < size; i += piece)
            svc_greeter_input(g, &c, b + i, size - i < piece ? size - i : piece, out, NULL);
        svc_greeter_free(g);
        break;
    }
    }
    free(b);
    return 0;
}
