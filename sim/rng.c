#include "sim/rng.h"
#include "sim/ziggurat_table.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

struct sim_rng {
    uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t fnv1a64(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) {
        h ^= (uint8_t)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

sim_rng *sim_rng_create(uint64_t seed, const char *stream_name)
{
    sim_rng *r = malloc(sizeof *r);
    if (r == NULL)
        return NULL;
    uint64_t x = seed ^ fnv1a64(stream_name ? stream_name : "");
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
    return r;
}

void sim_rng_destroy(sim_rng *r)
{
    free(r);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t sim_rng_u64(sim_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint32_t sim_rng_u32(sim_rng *r)
{
    return (uint32_t)(sim_rng_u64(r) >> 32);
}

uint64_t sim_rng_below(sim_rng *r, uint64_t n)
{
    if (n == 0)
        return 0;
    /* Rejection sampling on the largest multiple of n. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do {
        v = sim_rng_u64(r);
    } while (v >= limit);
    return v % n;
}

double sim_rng_uniform(sim_rng *r)
{
    return (double)(sim_rng_u64(r) >> 11) * 0x1.0p-53;
}

/* The ziggurat method (Marsaglia & Tsang 2000; table: sim/ziggurat_table.h).
 * One 64-bit draw picks the layer (bits 0-6), the sign (bit 7) and the
 * position j within the layer (bits 11-63): disjoint bits, so the layer
 * does not bias the position (Doornik 2005 found that flaw in the original,
 * which used one value for both). About 98.8 % of calls return from the
 * rectangle test with one draw and no libm call; the rest test the wedge
 * against exp(-x^2/2), or sample the tail beyond R by Marsaglia's 1964
 * method. Box-Muller, used before, cost a log, a cos and a sqrt per value:
 * on a beacon's path (two draws: a receiver and the capture's monitor) it
 * was a tenth of an idle camera's run. */
double sim_rng_normal(sim_rng *r)
{
    for (;;) {
        uint64_t u = sim_rng_u64(r);
        unsigned layer = (unsigned)(u & (ZIG_LAYERS - 1));
        bool negative = (u >> 7) & 1;
        uint64_t j = u >> 11;
        double x = (double)j * zig_w[layer];
        if (j < zig_k[layer])
            return negative ? -x : x;
        if (layer == 0) {
            double y;
            do {
                x = -log(1.0 - sim_rng_uniform(r)) / ZIG_R; /* 1 - u: in (0, 1] */
                y = -log(1.0 - sim_rng_uniform(r));
            } while (y + y < x * x);
            return negative ? -(ZIG_R + x) : ZIG_R + x;
        }
        double fy = zig_f[layer] + sim_rng_uniform(r) * (zig_f[layer - 1] - zig_f[layer]);
        if (fy < exp(-0.5 * x * x))
            return negative ? -x : x;
    }
}

void sim_rng_bytes(sim_rng *r, uint8_t *out, uint64_t n)
{
    while (n > 0) {
        uint64_t v = sim_rng_u64(r);
        for (int i = 0; i < 8 && n > 0; i++, n--) {
            *out++ = (uint8_t)v;
            v >>= 8;
        }
    }
}

sim_rng *sim_rng_from_state(const uint64_t state[4])
{
    sim_rng *r = malloc(sizeof *r);
    if (r != NULL)
        for (int i = 0; i < 4; i++)
            r->s[i] = state[i];
    return r;
}
