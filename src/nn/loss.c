/* loss.c - softmax cross-entropy (with accuracy) and squared error. */
#include "nn/loss.h"

#include <math.h>
#include <stddef.h>

double recur__loss_softmax_xent(const real *logits, const int32_t *targets, long N,
                         int O, real *dlogits, real scale, long *counted,
                         long *correct)
{
    double total = 0;
    long n = 0, hits = 0;
    for (long i = 0; i < N; i++) {
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
        double zmax = z[best], sum = 0;
        for (int o = 0; o < O; o++) {
            double e = exp((double)z[o] - zmax);
            sum += e;
            if (dz)
                dz[o] = (real)e; /* kept to form the softmax below */
        }
        total += zmax + log(sum) - z[y];
        hits += best == y;
        n++;
        if (dz) {
            real f = (real)(scale / sum);
            for (int o = 0; o < O; o++)
                dz[o] *= f;
            dz[y] -= scale;
        }
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
