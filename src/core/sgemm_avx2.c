/* sgemm_avx2.c - the AVX2 + FMA micro-kernel: a 6×16 tile of C in 12 ymm
 * registers; per k, two loads of B, six broadcasts of A, 12 FMAs (the
 * shape of OpenBLAS's and BLIS's Haswell kernels). Target attribute and
 * dispatch as in sgemm_avx512.c. */
#include "core/sgemm.h"

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && \
    !defined(RECUR_NO_DISPATCH)
#include <immintrin.h>

#define TARGET __attribute__((target("avx2,fma")))
#define MR 6
#define NR 16
_Static_assert(MR <= RECUR_MAX_MR && NR <= RECUR_MAX_NR, "sgemm.h's bounds");

/* The accumulators are named variables, not an array: GCC kept an array
 * of vectors in registers but also stored it to the stack every k. */
#define DECL(i) __m256 c##i##0 = _mm256_setzero_ps(), c##i##1 = c##i##0;
/* C's tile is fetched while the k loop runs, not stalled on at the end. */
#define PREFETCH(i)                                                            \
    if (i < m) {                                                               \
        _mm_prefetch((const char *)(c + (i) * ldc), _MM_HINT_T0);              \
        _mm_prefetch((const char *)(c + (i) * ldc + NR - 1), _MM_HINT_T0);     \
    }
#define FMA(i)                                                                 \
    if (i < m) {                                                               \
        __m256 ai = _mm256_broadcast_ss(a + (i) * rs);                                  \
        c##i##0 = _mm256_fmadd_ps(ai, b0, c##i##0);                            \
        c##i##1 = _mm256_fmadd_ps(ai, b1, c##i##1);                            \
    }
#define STORE(i)                                                               \
    if (i < m) {                                                               \
        float *ci = c + (i) * ldc;                                             \
        __m256 r0 = _mm256_mul_ps(va, c##i##0), r1 = _mm256_mul_ps(va, c##i##1);  \
        if (n == NR) {                                                         \
            if (beta != 0) {                                                   \
                r0 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(ci), r0);              \
                r1 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(ci + 8), r1);          \
            }                                                                  \
            _mm256_storeu_ps(ci, r0);                                          \
            _mm256_storeu_ps(ci + 8, r1);                                      \
        } else {                                                               \
            if (beta != 0) {                                                   \
                r0 = _mm256_fmadd_ps(vb, _mm256_maskload_ps(ci, k0), r0);       \
                r1 = _mm256_fmadd_ps(vb, _mm256_maskload_ps(ci + 8, k1), r1);   \
            }                                                                  \
            _mm256_maskstore_ps(ci, k0, r0);                                   \
            _mm256_maskstore_ps(ci + 8, k1, r1);                               \
        }                                                                      \
    }

static inline __attribute__((always_inline)) TARGET void
tile(const int m, int n, long K, const float *a, long rs, long cs, const float *b, float *c,
     long ldc, float alpha, float beta)
{
    DECL(0) DECL(1) DECL(2) DECL(3) DECL(4) DECL(5)
    PREFETCH(0) PREFETCH(1) PREFETCH(2) PREFETCH(3) PREFETCH(4) PREFETCH(5)
    for (long k = 0; k < K; k++) {
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
        b += NR;
        FMA(0) FMA(1) FMA(2) FMA(3) FMA(4) FMA(5)
        a += cs;
    }
    __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    /* columns [0, n) of the two 8-wide halves, for a partial panel */
    __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), vn = _mm256_set1_epi32(n);
    __m256i k0 = _mm256_cmpgt_epi32(vn, lane);
    __m256i k1 = _mm256_cmpgt_epi32(vn, _mm256_add_epi32(lane, _mm256_set1_epi32(8)));
    STORE(0) STORE(1) STORE(2) STORE(3) STORE(4) STORE(5)
}

#define ROWS(r)                                                                \
    case r: tile(r, n, K, a, rs, cs, b, c, ldc, alpha, beta); break;

static TARGET void run(int m, int n, long K, const float *a, long rs, long cs, const float *b,
                       float *c, long ldc, float alpha, float beta)
{
    switch (m) {
        ROWS(1) ROWS(2) ROWS(3) ROWS(4) ROWS(5)
    default: tile(MR, n, K, a, rs, cs, b, c, ldc, alpha, beta); break;
    }
}

static const recur__ukernel kernel = {1 /* RECUR_ISA_AVX2 */, MR, NR, run};

const recur__ukernel *recur__ukernel_avx2(void) { return &kernel; }
#else
const recur__ukernel *recur__ukernel_avx2(void) { return 0; }
#endif
