/* activation.h - activations of the core's real type.
 *
 * The float build uses its own exp (range reduction to [-ln2/2, ln2/2], a
 * degree-6 polynomial, and 2^n built in the exponent bits), written without
 * branches or libm calls so that the compiler vectorises the fused gate
 * loops that call it. tests/test_activation.c measures its error against
 * libm's double-precision functions: about 2 ulp for exp and sigmoid, and an
 * absolute error below 2e-7 for tanh. The double build (gradient checks)
 * uses libm. */
#ifndef RECUR_ACTIVATION_H
#define RECUR_ACTIVATION_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/real.h"

#ifdef RECUR_REAL_DOUBLE
static inline real act_exp(real x) { return exp(x); }
static inline real act_tanh(real x) { return tanh(x); }
static inline real act_sigmoid(real x) { return 1.0 / (1.0 + exp(-x)); }
static inline real act_sqrt(real x) { return sqrt(x); }
#else
static inline float act_exp(float x)
{
    /* [-87, 87]: every result a normal float, and so is a saturated
     * gate's σ = 1/(1 + e^87) = 1.6e-38 (with 88 it was 6e-39, a denormal
     * that the streaming step, which flushes only what it stores, would
     * have multiplied every step) */
    x = x < -87.0f ? -87.0f : x;
    x = x > 87.0f ? 87.0f : x;
    /* k = x/ln2 + 1.5·2^23 rounds x/ln2 to an integer n held in k's low
     * mantissa bits: n = bits(k) − bits(1.5·2^23). Unsigned arithmetic on the
     * bits keeps a NaN input well-defined (it stays NaN through p). */
    float k = x * 1.44269504088896341f + 12582912.0f;
    float n = k - 12582912.0f;
    float r = x - n * 0.693145751953125f - n * 1.428606765330187e-06f;
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (0.166666672f + r * (0.0416666679f +
                  r * (0.00833333377f + r * 0.00138888892f)))));
    uint32_t kb, bits;
    memcpy(&kb, &k, sizeof kb);
    bits = (kb - 0x4B400000u + 127u) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}
static inline float act_sigmoid(float x) { return 1.0f / (1.0f + act_exp(-x)); }
static inline float act_tanh(float x) { return 2.0f / (1.0f + act_exp(-2.0f * x)) - 1.0f; }
static inline float act_sqrt(float x) { return sqrtf(x); }
#endif

#endif
