/* gemm.c - the one place the library calls BLAS. */
#include "gemm.h"

#include <cblas.h>

void gemm(int trans_a, int trans_b, int M, int N, int K, real alpha,
          const real *A, int lda, const real *B, int ldb, real beta, real *C,
          int ldc)
{
    if (M <= 0 || N <= 0)
        return;
    if (K <= 0) { /* an empty sum: C = beta · C */
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++)
                C[(long)i * ldc + j] = beta == 0 ? 0 : beta * C[(long)i * ldc + j];
        return;
    }
    enum CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans;
    enum CBLAS_TRANSPOSE tb = trans_b ? CblasTrans : CblasNoTrans;
#ifdef RECUR_REAL_DOUBLE
    cblas_dgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
    cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
}

int gemm_set_threads(int n)
{
    int old = openblas_get_num_threads();
    openblas_set_num_threads(n < 1 ? 1 : n);
    return old;
}

int gemm_get_threads(void) { return openblas_get_num_threads(); }
