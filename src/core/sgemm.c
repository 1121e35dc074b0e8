/* sgemm.c - the blocked driver around the micro-kernels (sgemm.h).
 *
 * Loops, outermost first: columns of C in blocks of NC, the K dimension in
 * blocks of KC (op(B)[KC×NC] packed: at most 1 MB, L2), rows of C in
 * blocks of MC, then one NR-wide panel of B (KC×NR: 64 KB, L1/L2) against
 * every MR-row strip of the MC rows of A (read in place, or copied: MC×ALD,
 * 149 KB, L2; see copy_a). The first K
 * block applies beta, later ones add to C. Block sizes measured on Zen 4
 * (bench/NOTES.md): KC 512 rather than 256 halves the passes over a large
 * C (3200×2048×512: 90 → 98 GFLOP/s); MC and NC mattered less. */
#include "core/sgemm.h"

#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"

#ifndef KC
#define KC 512
#endif
#ifndef MC
#define MC 72 /* a multiple of every kernel's mr (12, 6, 4) */
#endif
#ifndef NC
#define NC 512
#endif

const recur__ukernel *recur__ukernel_for(int isa)
{
    if (!recur__cpu_has(isa))
        return NULL;
    switch (isa) {
    case RECUR_ISA_AVX512: return recur__ukernel_avx512();
    case RECUR_ISA_AVX2: return recur__ukernel_avx2();
    case RECUR_ISA_GENERIC: return &recur__ukernel_generic;
    default: return NULL;
    }
}

static int min_int(int a, int b) { return a < b ? a : b; }

/* d[0..n) = s[0..n): at the kernels' strip heights (12, 6, 4) and panel
 * widths (32, 16) a copy of known size, which the compiler inlines as a
 * few vector moves (a call to memcpy per 48 bytes cost 4.5% of an LSTM
 * 1×128 training step, bench/NOTES.md). */
static inline void copy_known(float *d, const float *s, int n)
{
    switch (n) {
    case 32: memcpy(d, s, 32 * sizeof *d); return;
    case 16: memcpy(d, s, 16 * sizeof *d); return;
    case 12: memcpy(d, s, 12 * sizeof *d); return;
    case 6: memcpy(d, s, 6 * sizeof *d); return;
    case 4: memcpy(d, s, 4 * sizeof *d); return;
    default:
        for (int i = 0; i < n; i++)
            d[i] = s[i];
    }
}

/* Pack op(B)[k0..k0+kc)[j0..j0+nc) as panels of nr columns, panel q at
 * dst + q·nr·kc, each [kc][nr], zero past nc. Untransposed B is read a
 * whole row at a time (row k's nc values go to every panel's row k): one
 * sequential stream, where a panel at a time had swept kc rows 2 KB apart
 * for 128 bytes each, nc/nr times (bench/NOTES.md). */
static void pack_block(int nr, int trans_b, const float *B, int ldb, int k0, int kc,
                       int j0, int nc, float *dst)
{
    if (!trans_b) {
        for (int k = 0; k < kc; k++) {
            const float *src = B + (long)(k0 + k) * ldb + j0;
            for (int jr = 0; jr < nc; jr += nr) {
                float *row = dst + (long)jr * kc + (long)k * nr;
                int n = min_int(nr, nc - jr);
                copy_known(row, src + jr, n);
                for (int j = n; j < nr; j++)
                    row[j] = 0;
            }
        }
        return;
    }
    for (int jr = 0; jr < nc; jr += nr) {
        int n = min_int(nr, nc - jr);
        float *d = dst + (long)jr * kc;
        /* op(B)[k][j] = B[j][k]: read along rows of B */
        for (int jj = 0; jj < n; jj++) {
            const float *src = B + (long)(j0 + jr + jj) * ldb + k0;
            for (int k = 0; k < kc; k++)
                d[(long)k * nr + jj] = src[k];
        }
        for (int jj = n; jj < nr; jj++)
            for (int k = 0; k < kc; k++)
                d[(long)k * nr + jj] = 0;
    }
}

/* The row stride of a copied A block: KC plus one cache line, so that a
 * strip's elements at one k (what the kernel reads together) never share
 * an L1 set, whatever A's own stride was. */
#define ALD (KC + 16)

/* Copy rows [0, mc) of op(A)'s K block (strides rs, cs) to dst for the
 * kernel. op(A) = Aᵀ (rs = 1): as strips of mr rows, strip s at
 * dst + s·mr·kc, each [kc][mr]: row k of A holds every strip's values of
 * k. op(A) = A (cs = 1): row by row, ALD floats apart, read in place by
 * the kernel; returns the row stride the kernel reads with (1 packed). */
static long copy_a(int mr, int mc, int kc, const float *A, long rs, long cs, float *dst)
{
    if (rs == 1) {
        for (int k = 0; k < kc; k++) {
            if (k + 8 < kc)
                for (int i = 0; i < mc; i += 16)
                    __builtin_prefetch(A + (k + 8) * cs + i);
            for (int ir = 0; ir < mc; ir += mr)
                copy_known(dst + (long)ir * kc + (long)k * mr, A + k * cs + ir,
                           min_int(mr, mc - ir));
        }
        return 1;
    }
    for (int i = 0; i < mc; i++)
        memcpy(dst + (long)i * ALD, A + (long)i * rs, (size_t)kc * sizeof *dst);
    return ALD;
}

/* C[M×nc] (= alpha·op(A)[M×kc]·Bblock + beta·C); A points at op(A)'s
 * element (0, 0) of this K block, read with strides rs (rows) and cs (k),
 * through acopy (min(M, MC)·ALD floats) if given (copy_a). */
static void macro(const recur__ukernel *uk, int M, int nc, int kc, float alpha,
                  const float *A, long rs, long cs, const float *Bblk, float beta,
                  float *C, int ldc, float *acopy)
{
    int mr = uk->mr, nr = uk->nr;
    for (int ic = 0; ic < M; ic += MC) {
        int mc = min_int(MC, M - ic);
        long ars = rs, acs = cs; /* the kernel's strides */
        if (acopy) {
            ars = copy_a(mr, mc, kc, A + (long)ic * rs, rs, cs, acopy);
            acs = ars == 1 ? mr : 1;
        }
        for (int jr = 0; jr < nc; jr += nr) {
            const float *bp = Bblk + (long)jr * kc;
            int n = min_int(nr, nc - jr);
            for (int ir = 0; ir < mc; ir += mr) {
                int m = min_int(mr, mc - ir);
                const float *a = !acopy  ? A + (long)(ic + ir) * rs
                                 : ars == 1 ? acopy + (long)ir * kc
                                            : acopy + (long)ir * ALD;
                float *c = C + (long)(ic + ir) * ldc + jr;
                uk->run(m, n, kc, a, ars, acs, bp, c, ldc, alpha, beta);
            }
        }
    }
}

static const float *a_at(int trans_a, const float *A, int lda, int k0, long *rs, long *cs)
{
    *rs = trans_a ? 1 : lda;
    *cs = trans_a ? lda : 1;
    return A + (long)k0 * *cs;
}

int recur__sgemm(const recur__ukernel *uk, int trans_a, int trans_b, int M, int N,
                 int K, float alpha, const float *A, int lda, const float *B, int ldb,
                 float beta, float *C, int ldc)
{
    int nr = uk->nr, kcmax = min_int(KC, K);
    int ncmax = min_int(NC, (N + nr - 1) / nr * nr);
    int mcmax = min_int(MC, (M + uk->mr - 1) / uk->mr * uk->mr);
    float *buf = malloc(((size_t)kcmax * ncmax + (size_t)mcmax * ALD) * sizeof *buf);
    if (!buf)
        return -1;
    /* op(A) = A with rows of one K block or less (lda <= KC): the kernel
     * reads a strip's twelve rows in place, at most 2 KB apart, from L1 and
     * L2; copying them first was slower (6400×2048×512: 99.6 against 104.0
     * GFLOP/s; 6400×81×512, the logits of a char model: 55 against 81,
     * where three panels cannot amortise the copy). Longer rows are copied
     * ALD apart: twelve rows 4 KB or more apart fall into the same L1 sets
     * (3200×512×2048: 67 in place, 89 packed as strips, 106 copied as
     * rows). Aᵀ is always packed: its strips are 12 floats of rows far
     * apart. bench/NOTES.md. */
    float *acopy = trans_a || lda > KC ? buf + (long)kcmax * ncmax : NULL;
    for (int jc = 0; jc < N; jc += NC) {
        int nc = min_int(NC, N - jc);
        for (int pc = 0; pc < K; pc += KC) {
            int kc = min_int(KC, K - pc);
            pack_block(nr, trans_b, B, ldb, pc, kc, jc, nc, buf);
            long rs, cs;
            const float *a = a_at(trans_a, A, lda, pc, &rs, &cs);
            macro(uk, M, nc, kc, alpha, a, rs, cs, buf, pc == 0 ? beta : 1, C + jc, ldc, acopy);
        }
    }
    free(buf);
    return 0;
}

long recur__sgemm_packed_size(int K, int N)
{
    return (long)K * ((N + RECUR_MAX_NR - 1) / RECUR_MAX_NR * RECUR_MAX_NR);
}

/* The whole of op(B), K block after K block: block pc starts at pc·Npad,
 * and inside it the panels lie as in pack_block, so a column block jc of
 * it starts at pc·Npad + jc·kc. */
void recur__sgemm_pack_b(recur__packed_b *pb, const recur__ukernel *uk, int trans_b,
                         int K, int N, const float *B, int ldb, float *dst)
{
    pb->uk = uk, pb->K = K, pb->N = N, pb->p = dst;
    pb->Npad = (N + uk->nr - 1) / uk->nr * uk->nr;
    for (int pc = 0; pc < K; pc += KC)
        pack_block(uk->nr, trans_b, B, ldb, pc, min_int(KC, K - pc), 0, N,
                   dst + (long)pc * pb->Npad);
}

void recur__sgemm_packed(int trans_a, int M, float alpha, const float *A, int lda,
                         const recur__packed_b *pb, float beta, float *C, int ldc)
{
    int K = pb->K, N = pb->N, mr = pb->uk->mr;
    /* Rows of A a multiple of 4 KB apart (dG·W_hh of an LSTM with H = 256
     * or 512: lda = 4H) put a twelve-row strip into one set of the 8-way L1:
     * such strips are copied ALD apart one at a time, on the stack, and
     * meet every panel from there (32×512×2048: 94 → 109 GFLOP/s; 64×256×
     * 1024: 106 → 111; bench/NOTES.md). A six-row strip fits the ways.
     * The buffer is 25 KB of stack (12 × 528 floats), every call. */
    float strip[RECUR_MAX_MR * ALD];
    int restride = !trans_a && lda % 1024 == 0 && mr > 8 && mr <= RECUR_MAX_MR;
    for (int jc = 0; jc < N; jc += NC) {
        int nc = min_int(NC, N - jc);
        for (int pc = 0; pc < K; pc += KC) {
            int kc = min_int(KC, K - pc);
            long rs, cs;
            const float *a = a_at(trans_a, A, lda, pc, &rs, &cs);
            const float *bp = pb->p + (long)pc * pb->Npad + (long)jc * kc;
            float b = pc == 0 ? beta : 1;
            if (!restride) {
                macro(pb->uk, M, nc, kc, alpha, a, rs, cs, bp, b, C + jc, ldc, NULL);
                continue;
            }
            for (int ir = 0; ir < M; ir += mr)
                macro(pb->uk, min_int(mr, M - ir), nc, kc, alpha, a + (long)ir * rs, rs, cs, bp,
                      b, C + (long)ir * ldc + jc, ldc, strip);
        }
    }
}
