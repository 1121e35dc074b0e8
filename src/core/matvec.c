/* matvec.c - packed matrix-vector products for batch-1 steps (matvec.h). */
#include "core/matvec.h"

#include "core/kernel.h"

/* Below this many outputs the transposed form's vectors would be mostly
 * empty: use dot products along the rows instead. */
#define MIN_TRANSPOSED_N 8

long recur__packed_size(int N, int K)
{
    return (long)N * K;
}

void recur__packed_init(packed_mat *p, int N, int K, const real *W, real *dst)
{
    p->N = N, p->K = K, p->w = dst;
    p->transposed = N >= MIN_TRANSPOSED_N;
    if (!p->transposed) {
        for (long i = 0; i < (long)N * K; i++)
            dst[i] = W[i];
        return;
    }
    for (int n = 0; n < N; n++)
        for (int k = 0; k < K; k++)
            dst[(long)k * N + n] = W[(long)n * K + k];
}

/* y[N] += Σ_k v[k]·Wt[k][0..N): four rows of Wᵀ per pass over y, so that y
 * is loaded and stored once per four multiply-adds. */
RECUR_KERNEL
static void apply_transposed(int N, int K, const real *restrict Wt,
                             const real *restrict v, real *restrict y)
{
    int k = 0;
    for (; k + 8 <= K; k += 8) {
        const real *w0 = Wt + (long)k * N, *w1 = w0 + N, *w2 = w1 + N, *w3 = w2 + N;
        const real *w4 = w3 + N, *w5 = w4 + N, *w6 = w5 + N, *w7 = w6 + N;
        real a0 = v[k], a1 = v[k + 1], a2 = v[k + 2], a3 = v[k + 3];
        real a4 = v[k + 4], a5 = v[k + 5], a6 = v[k + 6], a7 = v[k + 7];
        for (int n = 0; n < N; n++)
            y[n] += (a0 * w0[n] + a1 * w1[n] + a2 * w2[n] + a3 * w3[n]) +
                    (a4 * w4[n] + a5 * w5[n] + a6 * w6[n] + a7 * w7[n]);
    }
    for (; k + 4 <= K; k += 4) {
        const real *w0 = Wt + (long)k * N, *w1 = w0 + N, *w2 = w1 + N, *w3 = w2 + N;
        real a0 = v[k], a1 = v[k + 1], a2 = v[k + 2], a3 = v[k + 3];
        for (int n = 0; n < N; n++)
            y[n] += a0 * w0[n] + a1 * w1[n] + a2 * w2[n] + a3 * w3[n];
    }
    for (; k < K; k++) {
        const real *w0 = Wt + (long)k * N;
        real a0 = v[k];
        for (int n = 0; n < N; n++)
            y[n] += a0 * w0[n];
    }
}

/* y[n] += W[n]·v, eight partial sums per row so that the loop vectorises. */
RECUR_KERNEL
static void apply_rows(int N, int K, const real *restrict W, const real *restrict v,
                       real *restrict y)
{
    for (int n = 0; n < N; n++) {
        const real *w = W + (long)n * K;
        real s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int k = 0;
        for (; k + 8 <= K; k += 8)
            for (int j = 0; j < 8; j++)
                s[j] += w[k + j] * v[k + j];
        real t = 0;
        for (; k < K; k++)
            t += w[k] * v[k];
        y[n] += ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7])) + t;
    }
}

void recur__packed_apply(const packed_mat *p, const real *v, real *y)
{
    if (p->transposed)
        apply_transposed(p->N, p->K, p->w, v, y);
    else
        apply_rows(p->N, p->K, p->w, v, y);
}

void recur__packed_add_column(const packed_mat *p, int k, real *y)
{
    if (p->transposed) {
        const real *col = p->w + (long)k * p->N;
        for (int n = 0; n < p->N; n++)
            y[n] += col[n];
    } else {
        for (int n = 0; n < p->N; n++)
            y[n] += p->w[(long)n * p->K + k];
    }
}
