#include "sim/rng.h"

#include <math.h>
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

double sim_rng_normal(sim_rng *r)
{
    double u1 = 1.0 - sim_rng_uniform(r); /* (0, 1]: log() stays finite */
    double u2 = sim_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925286766559 * u2);
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
