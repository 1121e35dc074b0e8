/* gemm.c - the one place the library multiplies matrices: recur's own
 * kernels (sgemm.c) in the float build, BLAS for the double build.
 *
 * OpenBLAS itself always runs single-threaded here: its worker threads spin
 * after each call, which steals the cores from our own row-parallel time
 * loops (bench/NOTES.md). Large products are split by rows of C over our
 * threads (recur__parallel_rows), each part a single-threaded product. */
#include "core/gemm.h"

#include <cblas.h>
#include <pthread.h>

#include "core/cpu.h"
#include "core/parallel.h"

/* The kernel of the float products: the best this CPU has, chosen once. */
static const recur__ukernel *_Atomic active_kernel;
static pthread_once_t kernel_once = PTHREAD_ONCE_INIT;

static void kernel_init(void)
{
    active_kernel = recur__ukernel_for(recur__cpu_isa());
}

static const recur__ukernel *kernel(void)
{
    pthread_once(&kernel_once, kernel_init);
    return active_kernel;
}

/* The kernel the products use, or NULL for BLAS: the portable kernel
 * reached only 5–8 GFLOP/s where OpenBLAS's SSE or NEON kernels reach
 * several times that (bench/NOTES.md), so CPUs without AVX2 — and non-x86
 * ones — keep BLAS; the portable kernel remains the tested reference. */
#ifndef RECUR_REAL_DOUBLE
static const recur__ukernel *own_kernel(void)
{
    const recur__ukernel *uk = kernel();
    return uk->isa == RECUR_ISA_GENERIC ? NULL : uk;
}
#endif

int recur__gemm_isa(void)
{
    return kernel()->isa;
}

int recur__gemm_force_isa(int isa)
{
    const recur__ukernel *uk = recur__ukernel_for(isa);
    if (!uk)
        return -1;
    int old = recur__gemm_isa();
    active_kernel = uk;
    return old;
}

static void blas(int trans_a, int trans_b, int M, int N, int K, real alpha,
                 const real *A, int lda, const real *B, int ldb, real beta,
                 real *C, int ldc)
{
    enum CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans;
    enum CBLAS_TRANSPOSE tb = trans_b ? CblasTrans : CblasNoTrans;
#ifdef RECUR_REAL_DOUBLE
    cblas_dgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
    cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
}

static void blas_gemv(int trans, int rows, int cols, real alpha, const real *A,
                      int lda, const real *x, int incx, real beta, real *y, int incy)
{
    enum CBLAS_TRANSPOSE t = trans ? CblasTrans : CblasNoTrans;
#ifdef RECUR_REAL_DOUBLE
    cblas_dgemv(CblasRowMajor, t, rows, cols, alpha, A, lda, x, incx, beta, y, incy);
#else
    cblas_sgemv(CblasRowMajor, t, rows, cols, alpha, A, lda, x, incx, beta, y, incy);
#endif
}

/* A product with one row or one column of C is a matrix-vector product.
 * sgemm would pack the whole weight matrix on every call: a batch-1 time
 * loop (an LSTM 128 over 48,000 steps) took 2.1 s with sgemm, 1.2 s with
 * gemv (bench/NOTES.md). Single-threaded: a mat-vec is memory-bound.
 * beta = 0 clears C first, so that stale NaNs cannot leak through 0·NaN. */
static int gemv_if_vector(int trans_a, int trans_b, int M, int N, int K, real alpha,
                          const real *A, int lda, const real *B, int ldb, real beta,
                          real *C, int ldc)
{
    if (M != 1 && N != 1)
        return 0;
    if (beta == 0) {
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++)
                C[(long)i * ldc + j] = 0;
    }
    if (M == 1) { /* C row = op(A) row · op(B): op(B)ᵀ times a vector */
        int inca = trans_a ? lda : 1;
        if (trans_b) /* B is [N×K] */
            blas_gemv(0, N, K, alpha, B, ldb, A, inca, beta, C, 1);
        else /* B is [K×N] */
            blas_gemv(1, K, N, alpha, B, ldb, A, inca, beta, C, 1);
    } else { /* C column = op(A) · op(B) column */
        int incb = trans_b ? 1 : ldb;
        if (trans_a) /* A is [K×M] */
            blas_gemv(1, K, M, alpha, A, lda, B, incb, beta, C, ldc);
        else
            blas_gemv(0, M, K, alpha, A, lda, B, incb, beta, C, ldc);
    }
    return 1;
}

typedef struct {
    int trans_a, trans_b, N, K;
    real alpha, beta;
    const real *A, *B;
    real *C;
    int lda, ldb, ldc;
} gemm_job;

/* Rows [r0, r1) of C: row i of op(A) is row i of A, or column i of Aᵀ. */
static void gemm_rows(void *arg, int r0, int r1)
{
    const gemm_job *j = arg;
    const real *A = j->trans_a ? j->A + r0 : j->A + (long)r0 * j->lda;
    real *C = j->C + (long)r0 * j->ldc;
#ifndef RECUR_REAL_DOUBLE
    const recur__ukernel *uk = own_kernel();
    if (uk && recur__sgemm(uk, j->trans_a, j->trans_b, r1 - r0, j->N, j->K, j->alpha, A,
                     j->lda, j->B, j->ldb, j->beta, C, j->ldc) == 0)
        return;
#endif
    blas(j->trans_a, j->trans_b, r1 - r0, j->N, j->K, j->alpha, A, j->lda, j->B,
         j->ldb, j->beta, C, j->ldc);
}

void recur__gemm(int trans_a, int trans_b, int M, int N, int K, real alpha,
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
    if (gemv_if_vector(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc))
        return;
    gemm_job job = {trans_a, trans_b, N, K, alpha, beta, A, B, C, lda, ldb, ldc};
    recur__parallel_rows(M, 2.0 * M * N * K, gemm_rows, &job);
}

long recur__gemm_packed_size(int K, int N)
{
#ifdef RECUR_REAL_DOUBLE
    (void)K, (void)N;
    return 0;
#else
    return recur__sgemm_packed_size(K, N);
#endif
}

void recur__gemm_pack(gemm_packed *p, int trans_b, int K, int N, const real *B, int ldb,
                      real *dst)
{
    p->trans_b = trans_b, p->K = K, p->N = N, p->B = B, p->ldb = ldb;
    p->pb.uk = NULL; /* multiply B itself, through BLAS */
#ifndef RECUR_REAL_DOUBLE
    const recur__ukernel *uk = own_kernel();
    if (uk)
        recur__sgemm_pack_b(&p->pb, uk, trans_b, K, N, B, ldb, dst);
#else
    (void)dst;
#endif
}

void recur__gemm_packed(int M, real alpha, const real *A, int lda, const gemm_packed *p,
                        real beta, real *C, int ldc)
{
#ifndef RECUR_REAL_DOUBLE
    if (p->pb.uk && M > 0 && p->N > 0 && p->K > 0) {
        recur__sgemm_packed(0, M, alpha, A, lda, &p->pb, beta, C, ldc);
        return;
    }
#endif
    recur__gemm(0, p->trans_b, M, p->N, p->K, alpha, A, lda, p->B, p->ldb, beta, C, ldc);
}

/* The thread count in use: by default BLAS's own (OPENBLAS_NUM_THREADS, or
 * the number of cores), read once, after which BLAS is told to use one. */
static _Atomic int threads_wanted;
static pthread_once_t threads_once = PTHREAD_ONCE_INIT;

static void threads_init(void)
{
    threads_wanted = openblas_get_num_threads();
    openblas_set_num_threads(1);
}

int recur__gemm_get_threads(void)
{
    pthread_once(&threads_once, threads_init);
    return threads_wanted;
}

int recur__gemm_set_threads(int n)
{
    int old = recur__gemm_get_threads();
    threads_wanted = n < 1 ? 1 : n;
    return old;
}
