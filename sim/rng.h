/* sim/rng.h — seeded randomness, split into independent named streams.
 *
 * Generator: xoshiro256** 1.0 (Blackman & Vigna), 256-bit state, period
 * 2^256-1. A stream's state is derived from (run seed, stream name) alone:
 * SplitMix64 seeded with seed XOR FNV-1a-64(name) fills the four state words.
 * So a component's numbers depend only on the seed and its own name — adding
 * a component, or creating streams in another order, shifts nothing else.
 * Nothing else in linkrig may be a source of randomness (ARCHITECTURE.md rule 7, determinism). */
#ifndef LINKRIG_SIM_RNG_H
#define LINKRIG_SIM_RNG_H

#include <stdint.h>

typedef struct sim_rng sim_rng;

sim_rng *sim_rng_create(uint64_t seed, const char *stream_name);
void sim_rng_destroy(sim_rng *r);

uint64_t sim_rng_u64(sim_rng *r);
uint32_t sim_rng_u32(sim_rng *r);
/* Uniform in [0, n) without modulo bias; n == 0 gives 0. */
uint64_t sim_rng_below(sim_rng *r, uint64_t n);
/* Uniform double in [0, 1) with 53 random bits. */
double sim_rng_uniform(sim_rng *r);
/* Standard normal deviate (the ziggurat method, sim/rng.c; nothing is cached
 * between calls, so a value depends only on the stream's draws so far). Takes
 * one u64 from the stream about 98.8 % of the time, more otherwise. */
double sim_rng_normal(sim_rng *r);
void sim_rng_bytes(sim_rng *r, uint8_t *out, uint64_t n);

#endif

#ifndef LINKRIG_SIM_RNG_STATE
#define LINKRIG_SIM_RNG_STATE
/* A generator with an explicit xoshiro256** state, for known-answer tests
 * against the reference implementation. */
sim_rng *sim_rng_from_state(const uint64_t state[4]);
#endif
