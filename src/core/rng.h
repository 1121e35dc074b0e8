/* rng.h - a small seeded generator (xoshiro256**, seeded by splitmix64):
 * the same seed gives the same stream on every platform. */
#ifndef RECUR_RNG_H
#define RECUR_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} rng;

/* splitmix64 (Steele, Lea & Flood): advances *x and returns the next value;
 * it seeds the generator and orders the sequence pairs (pairs.c). */
uint64_t recur__splitmix64(uint64_t *x);
void recur__rng_seed(rng *r, uint64_t seed);
uint64_t recur__rng_next(rng *r);
double recur__rng_uniform(rng *r);                  /* [0, 1) */
double recur__rng_normal(rng *r);                   /* N(0, 1) */
uint64_t recur__rng_below(rng *r, uint64_t n);      /* [0, n), unbiased */

#endif
