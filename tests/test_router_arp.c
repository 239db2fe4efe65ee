/* tests/test_router_arp.c — the router's ARP cache (sim/router_arp.h):
 * answers the router's request for an address a station announced, with
 * that station's MAC, at the same virtual time but not from within the
 * request; leaves unknown and expired addresses to the wire. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sim/router_arp.h"
#include "sim/sim.h"

static const uint8_t STA[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x07};
static const uint8_t ROUTER[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};

struct got {
    uint8_t eth[64];
    size_t len;
    int n;
};

static void got_fn(void *ctx, const uint8_t *eth, size_t len)
{
    struct got *g = ctx;
    memcpy(g->eth, eth, len < sizeof g->eth ? len : sizeof g->eth);
    g->len = len;
    g->n++;
}

/* An ARP frame: op, sender, target. */
static size_t arp(uint8_t *f, unsigned op, const uint8_t *sha, uint32_t spa, const uint8_t *tha, uint32_t tpa)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    memcpy(f, op == 1 ? bcast : tha, 6);
    memcpy(f + 6, sha, 6);
    f[12] = 0x08, f[13] = 0x06;
    uint8_t *a = f + 14;
    a[0] = 0, a[1] = 1, a[2] = 0x08, a[3] = 0, a[4] = 6, a[5] = 4, a[6] = 0, a[7] = (uint8_t)op;
    memcpy(a + 8, sha, 6);
    for (int i = 0; i < 4; i++)
        a[14 + i] = (uint8_t)(spa >> (24 - 8 * i)), a[24 + i] = (uint8_t)(tpa >> (24 - 8 * i));
    memcpy(a + 18, tha, 6);
    return 42;
}

static void test_answers_from_the_cache(void **state)
{
    (void)state;
    sim *s = sim_create(&(sim_config){.seed = 1}, NULL);
    assert_non_null(s);
    struct got g = {0};
    router_arp *ra = router_arp_create(s, got_fn, &g);
    assert_non_null(ra);
    uint8_t f[64];
    static const uint8_t zero[6] = {0};
    const uint32_t sta_ip = 0x0a00020fu, router_ip = 0x0a000202u;

    /* never announced: asked on the wire */
    size_t n = arp(f, 1, ROUTER, router_ip, zero, sta_ip);
    assert_false(router_arp_answer(ra, f, n));
    /* a truncated frame teaches nothing and is not answered */
    router_arp_learn(ra, f, 30);
    /* the station asks for its gateway: its own address is learnt */
    router_arp_learn(ra, f, arp(f, 1, STA, sta_ip, zero, router_ip));
    n = arp(f, 1, ROUTER, router_ip, zero, sta_ip);
    assert_false(router_arp_answer(ra, f, 30));
    assert_true(router_arp_answer(ra, f, n));
    assert_int_equal(g.n, 0); /* not from within the request */
    sim_run_until(s, 0);
    assert_int_equal(g.n, 1);
    uint8_t want[64];
    size_t wn = arp(want, 2, STA, sta_ip, ROUTER, router_ip);
    assert_int_equal(g.len, wn);
    assert_memory_equal(g.eth, want, wn);
    /* another address, and a reply, are not answered */
    assert_false(router_arp_answer(ra, f, arp(f, 1, ROUTER, router_ip, zero, sta_ip + 1)));
    assert_false(router_arp_answer(ra, f, arp(f, 2, ROUTER, router_ip, STA, sta_ip)));

    /* past the max age without a word from the station: asked on the wire */
    sim_run_until(s, ROUTER_ARP_MAX_AGE + SIM_SEC(1));
    assert_false(router_arp_answer(ra, f, arp(f, 1, ROUTER, router_ip, zero, sta_ip)));
    /* a gratuitous ARP refreshes it */
    router_arp_learn(ra, f, arp(f, 1, STA, sta_ip, zero, sta_ip));
    assert_true(router_arp_answer(ra, f, arp(f, 1, ROUTER, router_ip, zero, sta_ip)));
    /* an answer still pending when the cache goes is cancelled, not leaked */
    router_arp_destroy(ra);
    sim_run_until(s, ROUTER_ARP_MAX_AGE + SIM_SEC(2));
    assert_int_equal(g.n, 1);
    sim_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answers_from_the_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
