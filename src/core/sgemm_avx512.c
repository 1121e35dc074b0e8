/* sgemm_avx512.c - the AVX-512 micro-kernel: a 12×32 tile of C in 24 zmm
 * registers; per k, two loads of B, twelve broadcasts of A, 24 FMAs.
 *
 * Compiled with a target attribute rather than a global -mavx512f, so the
 * rest of the library keeps the baseline instruction set; only
 * recur__ukernel_for (sgemm.c) hands it out, and only when cpuid says the
 * CPU has AVX-512 F. Each row count 1..12 is its own unrolled copy, so a
 * short strip (a batch of 1, the last rows) keeps its accumulators in
 * registers too. */
#include "core/sgemm.h"

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && \
    !defined(RECUR_NO_DISPATCH)
#include <immintrin.h>

#define TARGET __attribute__((target("avx512f,avx2,fma")))
#define MR 12
#define NR 32
_Static_assert(MR <= RECUR_MAX_MR && NR <= RECUR_MAX_NR, "sgemm.h's bounds");

/* The accumulators are named variables, not an array: GCC kept an array
 * of vectors in registers but also stored it to the stack every k. */
#define DECL(i) __m512 c##i##0 = _mm512_setzero_ps(), c##i##1 = c##i##0;
/* C's tile is fetched while the k loop runs, not stalled on at the end. */
#define PREFETCH(i)                                                            \
    if (i < m) {                                                               \
        _mm_prefetch((const char *)(c + (i) * ldc), _MM_HINT_T0);              \
        _mm_prefetch((const char *)(c + (i) * ldc + NR - 1), _MM_HINT_T0);     \
    }
#define FMA(i)                                                                 \
    if (i < m) {                                                               \
        __m512 ai = _mm512_set1_ps(a[(i) * rs]);                                  \
        c##i##0 = _mm512_fmadd_ps(ai, b0, c##i##0);                            \
        c##i##1 = _mm512_fmadd_ps(ai, b1, c##i##1);                            \
    }
#define STORE(i)                                                               \
    if (i < m) {                                                               \
        float *ci = c + (i) * ldc;                                             \
        __m512 r0 = _mm512_mul_ps(va, c##i##0), r1 = _mm512_mul_ps(va, c##i##1);  \
        if (beta != 0) {                                                       \
            r0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(k0, ci), r0);        \
            r1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(k1, ci + 16), r1);   \
        }                                                                      \
        _mm512_mask_storeu_ps(ci, k0, r0);                                     \
        _mm512_mask_storeu_ps(ci + 16, k1, r1);                                \
    }

static inline __attribute__((always_inline)) TARGET void
tile(const int m, int n, long K, const float *a, long rs, long cs, const float *b, float *c,
     long ldc, float alpha, float beta)
{
    DECL(0) DECL(1) DECL(2) DECL(3) DECL(4) DECL(5)
    DECL(6) DECL(7) DECL(8) DECL(9) DECL(10) DECL(11)
    PREFETCH(0) PREFETCH(1) PREFETCH(2) PREFETCH(3) PREFETCH(4) PREFETCH(5)
    PREFETCH(6) PREFETCH(7) PREFETCH(8) PREFETCH(9) PREFETCH(10) PREFETCH(11)
    for (long k = 0; k < K; k++) {
        __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
        b += NR;
        FMA(0) FMA(1) FMA(2) FMA(3) FMA(4) FMA(5)
        FMA(6) FMA(7) FMA(8) FMA(9) FMA(10) FMA(11)
        a += cs;
    }
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    /* columns [0, n) of the two 16-wide halves */
    __mmask16 k0 = n >= 16 ? 0xFFFF : (__mmask16)((1u << n) - 1);
    __mmask16 k1 = n >= 32 ? 0xFFFF : n <= 16 ? 0 : (__mmask16)((1u << (n - 16)) - 1);
    STORE(0) STORE(1) STORE(2) STORE(3) STORE(4) STORE(5)
    STORE(6) STORE(7) STORE(8) STORE(9) STORE(10) STORE(11)
}

#define ROWS(r)                                                                \
    case r: tile(r, n, K, a, rs, cs, b, c, ldc, alpha, beta); break;

static TARGET void run(int m, int n, long K, const float *a, long rs, long cs, const float *b,
                       float *c, long ldc, float alpha, float beta)
{
    switch (m) {
        ROWS(1) ROWS(2) ROWS(3) ROWS(4) ROWS(5) ROWS(6)
        ROWS(7) ROWS(8) ROWS(9) ROWS(10) ROWS(11)
    default: tile(MR, n, K, a, rs, cs, b, c, ldc, alpha, beta); break;
    }
}

static const recur__ukernel kernel = {2 /* RECUR_ISA_AVX512 */, MR, NR, run};

const recur__ukernel *recur__ukernel_avx512(void) { return &kernel; }
#else
const recur__ukernel *recur__ukernel_avx512(void) { return 0; }
#endif
