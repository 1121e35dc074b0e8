/* loss.c - softmax cross-entropy (with accuracy) and squared error. */
#include "nn/loss.h"

#include <math.h>
#include <stddef.h>

#include "core/activation.h"
#include "core/kernel.h"
#include "core/parallel.h"

/* Σ_o exp(z[o] − zmax), each term also stored in e[o] (e may be NULL):
 * activation.h's exp (about 2 ulp in float, libm's in the double build),
 * which vectorises, in blocks through a buffer on the stack when there is
 * no e; each block summed in 16 lanes, the blocks in double. libm's double
 * exp had been 5% of an LSTM 1×128 training step (bench/NOTES.md). */
RECUR_KERNEL static double exp_sum(const real *z, int O, real zmax, real *e)
{
    enum { BLOCK = 256, LANES = 16 };
    real buf[BLOCK];
    double s = 0;
    for (int o0 = 0; o0 < O; o0 += BLOCK) {
        int n = O - o0 < BLOCK ? O - o0 : BLOCK;
        real *d = e ? e + o0 : buf;
        for (int o = 0; o < n; o++)
            d[o] = act_exp(z[o0 + o] - zmax);
        real acc[LANES] = {0};
        int o = 0;
        for (; o + LANES <= n; o += LANES)
            for (int u = 0; u < LANES; u++)
                acc[u] += d[o + u];
        real t = 0;
        for (; o < n; o++)
            t += d[o];
        for (int u = 0; u < LANES; u++)
            t += acc[u];
        s += t;
    }
    return s;
}

/* The rows [i0, i1) of the softmax cross-entropy; sums into *sum. */
typedef struct {
    double total;
    long n, hits;
} xent_sum;

static void xent_rows(const real *logits, const int32_t *targets, long i0, long i1, int O,
                      real *dlogits, real scale, xent_sum *sum)
{
    double total = 0;
    long n = 0, hits = 0;
    for (long i = i0; i < i1; i++) {
        const real *z = logits + i * O;
        real *dz = dlogits ? dlogits + i * O : NULL;
        int y = targets[i];
        if (y < 0) {
            for (int o = 0; dz && o < O; o++)
                dz[o] = 0;
            continue;
        }
        int best = 0;
        for (int o = 1; o < O; o++)
            if (z[o] > z[best])
                best = o;
        double zmax = z[best];
        double s = exp_sum(z, O, z[best], dz); /* dz keeps each term for the softmax */
        total += zmax + log(s) - z[y];
        hits += best == y;
        n++;
        if (dz) {
            real f = (real)(scale / s);
            for (int o = 0; o < O; o++)
                dz[o] *= f;
            dz[y] -= scale;
        }
    }
    *sum = (xent_sum){total, n, hits};
}

/* The rows are cut into XENT_PARTS contiguous parts (fewer for fewer
 * rows), each summing its own, and the threads share out the parts; the
 * parts are added in order, so the total does not depend on the thread
 * count (nor does any row's gradient). */
#define XENT_PARTS 64

typedef struct {
    const real *logits;
    const int32_t *targets;
    long N;
    int O, parts;
    real *dlogits, scale;
    xent_sum sums[XENT_PARTS];
} xent_job;

static void xent_parts(void *arg, int p0, int p1)
{
    xent_job *j = arg;
    for (int p = p0; p < p1; p++)
        xent_rows(j->logits, j->targets, j->N * p / j->parts, j->N * (p + 1) / j->parts, j->O,
                  j->dlogits, j->scale, &j->sums[p]);
}

double recur__loss_softmax_xent(const real *logits, const int32_t *targets, long N,
                         int O, real *dlogits, real scale, long *counted,
                         long *correct)
{
    xent_job j = {logits, targets, N, O, 1, dlogits, scale, {{0, 0, 0}}};
    /* About 20 flops an element (exp, log and the passes over the row). */
    double work = 20.0 * (double)N * O;
    j.parts = N < XENT_PARTS ? (N > 0 ? (int)N : 1) : XENT_PARTS;
    recur__parallel_rows(j.parts, work, xent_parts, &j);
    double total = 0;
    long n = 0, hits = 0;
    for (int p = 0; p < j.parts; p++) {
        total += j.sums[p].total;
        n += j.sums[p].n;
        hits += j.sums[p].hits;
    }
    if (counted)
        *counted = n;
    if (correct)
        *correct = hits;
    return total;
}

double recur__loss_squared_error(const real *pred, const real *target, long n,
                          real *dpred, real scale)
{
    double total = 0;
    for (long i = 0; i < n; i++) {
        double e = (double)pred[i] - (double)target[i];
        total += e * e;
        if (dpred)
            dpred[i] = (real)(2 * e * scale);
    }
    return total;
}
