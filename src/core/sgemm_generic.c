/* sgemm_generic.c - the portable micro-kernel: a 4×16 tile of C in a local
 * array that the compiler keeps in vector registers of whatever the
 * baseline instruction set is (SSE2 on x86-64, NEON on AArch64). It is the
 * fallback on CPUs without AVX2 and the reference the others are tested
 * against (tests/test_gemm.c). */
#include "core/sgemm.h"

#define MR 4
#define NR 16
_Static_assert(MR <= RECUR_MAX_MR && NR <= RECUR_MAX_NR, "sgemm.h's bounds");

static inline void tile(const int m, int n, long K, const float *restrict a, long rs, long cs,
                        const float *restrict b, float *restrict c, long ldc,
                        float alpha, float beta)
{
    float acc[MR][NR] = {{0}};
    for (long k = 0; k < K; k++) {
        for (int i = 0; i < m; i++) {
            float ai = a[i * rs];
            for (int j = 0; j < NR; j++)
                acc[i][j] += ai * b[j];
        }
        a += cs;
        b += NR;
    }
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            float *cij = c + i * ldc + j;
            *cij = beta == 0 ? alpha * acc[i][j] : alpha * acc[i][j] + beta * *cij;
        }
}

static void run(int m, int n, long K, const float *a, long rs, long cs, const float *b, float *c,
                long ldc, float alpha, float beta)
{
    switch (m) {
    case 1: tile(1, n, K, a, rs, cs, b, c, ldc, alpha, beta); break;
    case 2: tile(2, n, K, a, rs, cs, b, c, ldc, alpha, beta); break;
    case 3: tile(3, n, K, a, rs, cs, b, c, ldc, alpha, beta); break;
    default: tile(MR, n, K, a, rs, cs, b, c, ldc, alpha, beta); break;
    }
}

const recur__ukernel recur__ukernel_generic = {0 /* RECUR_ISA_GENERIC */, MR, NR, run};
