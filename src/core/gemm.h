/* gemm.h - row-major matrix products in the core's real type.
 *
 * C[M×N] = alpha · op(A) · op(B) + beta · C, op(X) = X or Xᵀ as trans_* says.
 * lda, ldb, ldc are the row strides of A, B, C as stored.
 *
 * In the float build the products run on recur's own kernels (sgemm.h),
 * chosen from cpuid for this CPU (AVX-512 or AVX2), except those with one
 * row or one column (BLAS sgemv: memory-bound); CPUs without AVX2, the
 * double build (gradient checks) and a failed buffer allocation use BLAS. */
#ifndef RECUR_GEMM_H
#define RECUR_GEMM_H

#include "core/real.h"
#include "core/sgemm.h"

void recur__gemm(int trans_a, int trans_b, int M, int N, int K, real alpha,
          const real *A, int lda, const real *B, int ldb, real beta, real *C,
          int ldc);

/* A right-hand operand op(B) [K×N] packed once for many products (W_hh in
 * a time loop). The packed copy must be made again when B changes. */
typedef struct {
    int trans_b, K, N, ldb;
    const real *B; /* the double build multiplies B itself */
    recur__packed_b pb;
} gemm_packed;

/* Reals the packed copy of a K×N operand needs. */
long recur__gemm_packed_size(int K, int N);
void recur__gemm_pack(gemm_packed *p, int trans_b, int K, int N, const real *B, int ldb,
                      real *dst);
/* C[M×N] = alpha · A · op(B) + beta · C on the calling thread; never allocates. */
void recur__gemm_packed(int M, real alpha, const real *A, int lda, const gemm_packed *p,
                        real beta, real *C, int ldc);

/* Threads for products and time loops (>= 1); returns the previous value. */
int recur__gemm_set_threads(int n);
int recur__gemm_get_threads(void);

/* The instruction set whose kernels the float products use (cpu.h), and,
 * for tests and benchmarks, a way to force one this CPU supports (returns
 * the previous one, or -1 if isa is not available; RECUR_ISA_GENERIC means
 * BLAS for recur__gemm and recur__gemm_packed). */
int recur__gemm_isa(void);
int recur__gemm_force_isa(int isa);

#endif
