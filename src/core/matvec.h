/* matvec.h - matrix-vector products for batch-1 steps (streaming inference).
 *
 * At batch 1 a BLAS call costs more in overhead than a small product takes,
 * and row-major W·v reduces across each row. A packed matrix is a copy of a
 * weight matrix W [N×K] (PyTorch's [out×in]) laid out for the product
 * y += W·v: transposed ([K][N], "column k of W is contiguous") when N is wide
 * enough for vector registers, so the product is K vectorised updates
 * y += v[k]·Wᵀ[k] with no horizontal sums; as stored ([N][K], dot products)
 * when N is narrow (a Dense(1) output). Packing happens once; applying it
 * never allocates. */
#ifndef RECUR_MATVEC_H
#define RECUR_MATVEC_H

#include "core/real.h"

typedef struct {
    int N, K;       /* outputs, inputs */
    int transposed; /* w is [K][N] (else [N][K]) */
    real *w;
} packed_mat;

/* Reals the packed copy of an N×K matrix needs. */
long recur__packed_size(int N, int K);
/* Copy row-major W [N×K] into dst (recur__packed_size reals) and describe it. */
void recur__packed_init(packed_mat *p, int N, int K, const real *W, real *dst);
/* y[N] += W·v[K] */
void recur__packed_apply(const packed_mat *p, const real *v, real *y);
/* y[N] += column k of W (W·e_k: a one-hot input). */
void recur__packed_add_column(const packed_mat *p, int k, real *y);

#endif
