/* gemm.h - row-major matrix products through BLAS, in the core's real type.
 *
 * C[M×N] = alpha · op(A) · op(B) + beta · C, op(X) = X or Xᵀ as trans_* says.
 * lda, ldb, ldc are the row strides of A, B, C as stored. */
#ifndef RECUR_GEMM_H
#define RECUR_GEMM_H

#include "core/real.h"

void recur__gemm(int trans_a, int trans_b, int M, int N, int K, real alpha,
          const real *A, int lda, const real *B, int ldb, real beta, real *C,
          int ldc);

/* Threads for products and time loops (>= 1); returns the previous value. */
int recur__gemm_set_threads(int n);
int recur__gemm_get_threads(void);

#endif
