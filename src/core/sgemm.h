/* sgemm.h - recur's own single-precision matrix product (sgemm.c) and the
 * register-blocked micro-kernels it drives (sgemm_avx512.c, sgemm_avx2.c,
 * sgemm_generic.c), one per instruction set, chosen from cpuid (cpu.h).
 *
 * The layout is the classic one (Goto, BLIS): op(B) is copied into panels
 * of NR columns, each panel K rows of NR contiguous floats (zero-padded
 * past N), so that the micro-kernel's inner loop loads NR floats of B,
 * broadcasts MR floats of A and does MR·NR/16 (or /8) vector FMAs with the
 * MR×NR tile of C in registers. The kernel reads A with a row and a column
 * stride, which covers op(A) = A and op(A) = Aᵀ alike (for Aᵀ the MR values
 * of one k are contiguous); the driver decides whether A is read in place
 * or copied first (sgemm.c). A weight matrix that feeds many products (W_hh
 * inside a time loop) is packed once (sgemm_pack_b) and reused. */
#ifndef RECUR_SGEMM_H
#define RECUR_SGEMM_H

/* c[i][j] = alpha·Σ_k a[i·rs + k·cs]·b[k·nr + j] + beta·c[i][j] for
 * i < m (1 <= m <= mr), j < n (1 <= n <= nr; the last panel of a width
 * that is not a multiple of nr: masked loads and stores); beta = 0 writes
 * c without reading it. */
typedef void (*recur__ukernel_fn)(int m, int n, long K, const float *a, long rs, long cs,
                                  const float *b, float *c, long ldc, float alpha,
                                  float beta);

typedef struct {
    int isa, mr, nr;
    recur__ukernel_fn run;
} recur__ukernel;

#define RECUR_MAX_NR 32 /* the widest kernel panel */
#define RECUR_MAX_MR 12 /* the tallest kernel strip */

/* The kernels compiled into this build (NULL where an instruction set is
 * not available to the compiler); sgemm_generic always is. */
extern const recur__ukernel recur__ukernel_generic;
const recur__ukernel *recur__ukernel_avx2(void);
const recur__ukernel *recur__ukernel_avx512(void);

/* The kernel for isa (cpu.h), or NULL if not built or not supported. */
const recur__ukernel *recur__ukernel_for(int isa);

/* op(B) [K×N] packed for one kernel, all of it, once. */
typedef struct {
    const recur__ukernel *uk;
    int K, N, Npad; /* Npad: N rounded up to the kernel's nr */
    float *p;
} recur__packed_b;

/* Floats that sgemm_pack_b needs for op(B) [K×N], for any kernel. */
long recur__sgemm_packed_size(int K, int N);
void recur__sgemm_pack_b(recur__packed_b *pb, const recur__ukernel *uk, int trans_b,
                         int K, int N, const float *B, int ldb, float *dst);

/* C[M×N] = alpha·op(A)·op(B) + beta·C, single-threaded. sgemm allocates
 * its packing buffers (1.2 MB at most) per call and returns -1, computing
 * nothing, if it cannot; sgemm_packed never allocates. */
int recur__sgemm(const recur__ukernel *uk, int trans_a, int trans_b, int M, int N,
                 int K, float alpha, const float *A, int lda, const float *B, int ldb,
                 float beta, float *C, int ldc);
void recur__sgemm_packed(int trans_a, int M, float alpha, const float *A, int lda,
                         const recur__packed_b *pb, float beta, float *C, int ldc);

#endif
