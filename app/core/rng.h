/*
 * rng — the one pseudo-random generator of wb: xoshiro256** seeded through
 * splitmix64 (DESIGN.md §4).  A run has one seed; each step derives its own
 * independent stream with rng_derive(seed, label), so adding a step never
 * shifts the random numbers another step sees.
 */
#ifndef WB_RNG_H
#define WB_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);
/* A stream for (seed, label): the same pair always gives the same stream. */
void rng_derive(struct rng *r, uint64_t seed, const char *label);
uint64_t rng_next(struct rng *r);
/* Uniform double in [0, 1) with 53 random bits. */
double rng_uniform(struct rng *r);
/* Uniform integer in [0, n) without modulo bias; n > 0. */
uint64_t rng_below(struct rng *r, uint64_t n);
/* Standard normal (Box–Muller, no cached second value, so streams stay simple). */
double rng_normal(struct rng *r);

#endif
