/* gemm_shapes.c - recur's own kernels against OpenBLAS (and oneDNN's
 * dnnl_sgemm when built with -DHAVE_DNNL) on the products a training step
 * runs, one thread each:
 *   gemm_shapes [ROUNDS [SUBSTRING]]   (only shapes whose name contains it)
 * Shapes for batch 64 (32 rows per thread in the time loops), sequence 100,
 * H = 128 and 512: the per-step recurrent product h·W_hhᵀ and its backward
 * dG·W_hh (own kernel on W_hh packed once, as the time loops use it), the
 * input projection over all steps X·W_ihᵀ, the input gradient dG·W_ih, the
 * weight gradient dGᵀ·X, the char model's output layer (81 classes: logits,
 * its weight gradient and the gradient into the top layer), and a square. The implementations take turns
 * within each round (interleaved, so a burst of load hits all of them);
 * time is the thread's CPU time (bench_thread_cpu), so that a loaded
 * machine's descheduling does not count; GFLOP/s is the median over rounds.
 * oneDNN must be told one thread (OMP_NUM_THREADS=1, as bench/run.sh does).
 * Prints "gemm SHAPE IMPL gflops G". First, the physical ceiling: a loop of
 * independent FMAs per instruction set this CPU has (12 accumulators, no
 * memory), "peak fma-loop ISA gflops G", one thread. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef HAVE_DNNL
#include <oneapi/dnnl/dnnl.h>
#endif

#include "core/cpu.h"
#include "core/sgemm.h"
#include "timing.h"

typedef struct {
    const char *name;
    int ta, tb, M, N, K, packed;
} shape;

static const shape shapes[] = {
    {"step-fwd-H128 32x512x128", 0, 1, 32, 512, 128, 1},
    {"step-bwd-H128 32x128x512", 0, 0, 32, 128, 512, 1},
    {"step-fwd-H512 32x2048x512", 0, 1, 32, 2048, 512, 1},
    {"step-bwd-H512 32x512x2048", 0, 0, 32, 512, 2048, 1},
    {"step-fwd-H512 64x2048x512", 0, 1, 64, 2048, 512, 1},
    {"inproj-H512 3200x2048x512", 0, 1, 3200, 2048, 512, 0},
    {"dx-H512 3200x512x2048", 0, 0, 3200, 512, 2048, 0},
    {"dW-H512 2048x512x3200", 1, 0, 2048, 512, 3200, 0},
    {"dW-H128 512x128x3200", 1, 0, 512, 128, 3200, 0},
    {"step-fwd-H256 64x1024x256", 0, 1, 64, 1024, 256, 1},
    {"step-bwd-H256 64x256x1024", 0, 0, 64, 256, 1024, 1},
    {"dW-H256 1024x256x6400", 1, 0, 1024, 256, 6400, 0},
    {"logits-V81 6400x81x512", 0, 1, 6400, 81, 512, 0},
    {"dWfc-V81 81x512x6400", 1, 0, 81, 512, 6400, 0},
    {"dfeat-V81 6400x512x81", 0, 0, 6400, 512, 81, 0},
    {"square 1024", 0, 1, 1024, 1024, 1024, 0},
};
#define NSHAPES (int)(sizeof shapes / sizeof *shapes)

enum { OWN_BEST, OWN_AVX2, OWN_GENERIC, OPENBLAS, DNNL, NIMPL };
static const char *impl_name[NIMPL] = {"recur", "recur-avx2", "recur-generic", "openblas",
                                       "onednn"};

/* GFLOP/s of n rounds of 12 independent vector FMAs (2 FLOPs per lane). */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define FMA_LOOP(NAME, TARGET, V, SET1, FMA, ADD, STORE, LANES)                  \
    static __attribute__((target(TARGET))) double NAME(long n)                  \
    {                                                                          \
        V a[12], x = SET1(1.0000001f), y = SET1(0.9999999f);                   \
        for (int i = 0; i < 12; i++)                                           \
            a[i] = SET1((float)i);                                             \
        double t0 = bench_thread_cpu();                                        \
        for (long r = 0; r < n; r++) {                                         \
            a[0] = FMA(a[0], x, y), a[1] = FMA(a[1], x, y);                    \
            a[2] = FMA(a[2], x, y), a[3] = FMA(a[3], x, y);                    \
            a[4] = FMA(a[4], x, y), a[5] = FMA(a[5], x, y);                    \
            a[6] = FMA(a[6], x, y), a[7] = FMA(a[7], x, y);                    \
            a[8] = FMA(a[8], x, y), a[9] = FMA(a[9], x, y);                    \
            a[10] = FMA(a[10], x, y), a[11] = FMA(a[11], x, y);                \
        }                                                                      \
        double t = bench_thread_cpu() - t0;                                    \
        for (int i = 1; i < 12; i++)                                           \
            a[0] = ADD(a[0], a[i]);                                            \
        float sink[LANES];                                                     \
        STORE(sink, a[0]);                                                     \
        if (sink[0] == 12345.0f) /* keeps the loop */                          \
            printf("#\n");                                                     \
        return 12.0 * 2 * LANES * n / t / 1e9;                                 \
    }
FMA_LOOP(peak_avx512, "avx512f", __m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps,
         _mm512_storeu_ps, 16)
FMA_LOOP(peak_avx2, "avx2,fma", __m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps,
         _mm256_storeu_ps, 8)
#endif

static void peaks(void)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    for (int isa = RECUR_ISA_AVX512; isa >= RECUR_ISA_AVX2; isa--) {
        if (!recur__cpu_has(isa))
            continue;
        double g[5];
        for (int r = 0; r < 5; r++)
            g[r] = isa == RECUR_ISA_AVX512 ? peak_avx512(20000000) : peak_avx2(20000000);
        printf("peak\tfma-loop\t%s\tgflops\t%.1f\n", recur__isa_name(isa), bench_median(g, 5));
    }
#endif
}

static float *filled(long n, float scale)
{
    float *m = malloc((size_t)n * sizeof *m);
    if (!m) {
        fprintf(stderr, "gemm_shapes: out of memory\n");
        exit(1);
    }
    for (long i = 0; i < n; i++)
        m[i] = (float)((i * 7919) % 13 - 6) * scale;
    return m;
}

static const recur__ukernel *kernel_of(int impl)
{
    switch (impl) {
    case OWN_BEST: return recur__ukernel_for(recur__cpu_isa());
    case OWN_AVX2: return recur__cpu_isa() > RECUR_ISA_AVX2 ? recur__ukernel_for(RECUR_ISA_AVX2) : NULL;
    case OWN_GENERIC: return recur__ukernel_for(RECUR_ISA_GENERIC);
    default: return NULL;
    }
}

/* Seconds for one product (several, if it is short). */
static double run(int impl, const shape *s, const float *A, const float *B, float *C,
                  float *packbuf)
{
    int lda = s->ta ? s->M : s->K, ldb = s->tb ? s->K : s->N;
    double flops = 2.0 * s->M * s->N * s->K;
    int reps = flops < 2e7 ? (int)(2e7 / flops) + 1 : 1;
    const recur__ukernel *uk = kernel_of(impl);
    recur__packed_b pb;
    if (uk && s->packed) /* packed once per optimizer step: not timed */
        recur__sgemm_pack_b(&pb, uk, s->tb, s->K, s->N, B, ldb, packbuf);
    double t0 = bench_thread_cpu();
    for (int r = 0; r < reps; r++) {
        if (uk && s->packed)
            recur__sgemm_packed(s->ta, s->M, 1, A, lda, &pb, 0, C, s->N);
        else if (uk)
            recur__sgemm(uk, s->ta, s->tb, s->M, s->N, s->K, 1, A, lda, B, ldb, 0, C, s->N);
        else if (impl == OPENBLAS)
            cblas_sgemm(CblasRowMajor, s->ta ? CblasTrans : CblasNoTrans,
                        s->tb ? CblasTrans : CblasNoTrans, s->M, s->N, s->K, 1, A, lda, B,
                        ldb, 0, C, s->N);
#ifdef HAVE_DNNL
        else
            dnnl_sgemm(s->ta ? 'T' : 'N', s->tb ? 'T' : 'N', s->M, s->N, s->K, 1, A, lda, B,
                       ldb, 0, C, s->N);
#endif
    }
    return (bench_thread_cpu() - t0) / reps;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 7;
    if (rounds < 1)
        rounds = 1;
    openblas_set_num_threads(1);
    printf("# recur kernel: %s\n", recur__isa_name(recur__cpu_isa()));
    if (argc <= 2)
        peaks();
    for (int si = 0; si < NSHAPES; si++) {
        const shape *s = &shapes[si];
        if (argc > 2 && !strstr(s->name, argv[2]))
            continue;
        float *A = filled((long)s->M * s->K, 0.01f), *B = filled((long)s->N * s->K, 0.02f);
        float *C = filled((long)s->M * s->N, 0);
        float *pack = filled(recur__sgemm_packed_size(s->K, s->N), 0);
        double t[NIMPL][64];
        int have[NIMPL];
        for (int i = 0; i < NIMPL; i++)
            have[i] = i >= OPENBLAS || kernel_of(i) != NULL;
#ifndef HAVE_DNNL
        have[DNNL] = 0;
#endif
        if (rounds > 64)
            rounds = 64;
        for (int i = 0; i < NIMPL; i++) /* warm-up */
            if (have[i])
                run(i, s, A, B, C, pack);
        for (int r = 0; r < rounds; r++)
            for (int i = 0; i < NIMPL; i++)
                if (have[i])
                    t[i][r] = run(i, s, A, B, C, pack);
        for (int i = 0; i < NIMPL; i++)
            if (have[i])
                printf("gemm\t%s\t%s\tgflops\t%.1f\n", s->name, impl_name[i],
                       2.0 * s->M * s->N * s->K / bench_median(t[i], rounds) / 1e9);
        fflush(stdout);
        free(A), free(B), free(C), free(pack);
    }
    return 0;
}
