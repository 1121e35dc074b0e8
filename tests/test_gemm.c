/* test_gemm.c - recur's own matrix-product kernels against a naive triple
 * loop in double: every kernel this CPU can run (generic, AVX2, AVX-512,
 * each forced in turn), awkward sizes around the tile and block edges,
 * both transposes, alpha and beta (beta = 0 must not read C), the
 * pre-packed operand, and the row split over two threads. */
#include <string.h>

#include "core/cpu.h"
#include "core/gemm.h"
#include "core/sgemm.h"
#include "recur.h"
#include "testlib.h"

static unsigned long long seed = 88172645463325252ull;

static float uniform(void)
{
    seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
    return (float)((seed >> 11) * (1.0 / 9007199254740992.0)) * 2 - 1;
}

static float *random_matrix(long n)
{
    float *m = malloc((size_t)(n > 0 ? n : 1) * sizeof *m);
    for (long i = 0; i < n; i++)
        m[i] = uniform();
    return m;
}

/* Largest |got − want| / (Σ_k |a||b| + |beta·c|), the rounding scale of a sum. */
static double gemm_error(int ta, int tb, int M, int N, int K, float alpha, const float *A,
                         int lda, const float *B, int ldb, float beta, const float *C0,
                         const float *C, int ldc)
{
    double worst = 0;
    for (int i = 0; i < M; i++) /* the columns past N are not C's: untouched */
        for (int j = N; j < ldc; j++)
            if (memcmp(&C[(long)i * ldc + j], &C0[(long)i * ldc + j], sizeof *C))
                return 1e30;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = 0, scale = 0;
            for (int k = 0; k < K; k++) {
                double a = ta ? A[(long)k * lda + i] : A[(long)i * lda + k];
                double b = tb ? B[(long)j * ldb + k] : B[(long)k * ldb + j];
                s += a * b, scale += fabs(a * b);
            }
            double c0 = beta == 0 ? 0 : C0[(long)i * ldc + j];
            double want = alpha * s + beta * c0;
            scale = fabs(alpha) * scale + fabs(beta * c0) + 1e-30;
            double e = fabs(C[(long)i * ldc + j] - want) / scale;
            if (!(e <= worst))
                worst = e != e ? 1e30 : e;
        }
    return worst;
}

enum { PLAIN, KERNEL, PACKED };

/* A's row stride for the next product when not 0 (else 3 past its width). */
static int lda_next;

/* One product through one path; returns the relative error. */
static double one(int path, const recur__ukernel *uk, int ta, int tb, int M, int N, int K,
                  float alpha, float beta)
{
    int lda = lda_next ? lda_next : (ta ? M : K) + 3, ldb = (tb ? K : N) + 5, ldc = N + 2;
    float *A = random_matrix((long)(ta ? K : M) * lda);
    float *B = random_matrix((long)(tb ? N : K) * ldb);
    float *C = random_matrix((long)M * ldc), *C0 = malloc((size_t)M * ldc * sizeof *C0);
    if (beta == 0)
        for (long i = 0; i < (long)M * ldc; i++)
            if (i % ldc < N)
                C[i] = NAN; /* must be overwritten, not multiplied by 0 */
    memcpy(C0, C, (size_t)M * ldc * sizeof *C);
    if (path == PLAIN) {
        recur__gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    } else if (path == KERNEL) {
        CHECK(recur__sgemm(uk, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc) == 0);
    } else {
        float *buf = malloc((size_t)recur__sgemm_packed_size(K, N) * sizeof *buf);
        recur__packed_b pb;
        recur__sgemm_pack_b(&pb, uk, tb, K, N, B, ldb, buf);
        recur__sgemm_packed(ta, M, alpha, A, lda, &pb, beta, C, ldc);
        free(buf);
    }
    double e = gemm_error(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C0, C, ldc);
    free(A), free(B), free(C), free(C0);
    return e;
}

static const int sizes[] = {1, 3, 5, 12, 17, 33, 63, 65, 129};
#define NSIZES (int)(sizeof sizes / sizeof *sizes)

/* Every kernel this CPU has, every path, sizes around the tile edges. */
static void kernels_small(void)
{
    int tested = 0;
    for (int isa = 0; isa < RECUR_ISA_COUNT; isa++) {
        const recur__ukernel *uk = recur__ukernel_for(isa);
        if (!uk) {
            printf("kernel %s: not supported by this CPU, skipped\n", recur__isa_name(isa));
            continue;
        }
        tested++;
        double worst = 0;
        for (int path = KERNEL; path <= PACKED; path++)
            for (int t = 0; t < 4; t++)
                for (int mi = 0; mi < NSIZES; mi++)
                    for (int ni = 0; ni < NSIZES; ni += 2)
                        for (int ki = 0; ki < NSIZES; ki += 3) {
                            float alpha = (mi + ni) % 3 ? 1.0f : -0.75f;
                            float beta = ki % 2 ? 0.0f : (ni % 4 ? 1.0f : 0.5f);
                            double e = one(path, uk, t & 1, t >> 1, sizes[mi], sizes[ni],
                                           sizes[ki], alpha, beta);
                            CHECK_MSG(e < 1e-6, "%s path %d ta %d tb %d %dx%dx%d: error %g",
                                      recur__isa_name(isa), path, t & 1, t >> 1, sizes[mi],
                                      sizes[ni], sizes[ki], e);
                            worst = e > worst ? e : worst;
                        }
        printf("kernel %s (%dx%d): worst relative error %.3g\n", recur__isa_name(isa),
               uk->mr, uk->nr, worst);
    }
    CHECK(tested >= 1);
    CHECK(recur__ukernel_for(recur__cpu_isa()) != NULL);
}

/* Across the K (512) and N (512) block edges and the M block (72); K = 257
 * reads an untransposed A in place, K = 520 and 600 pack it (sgemm.c). */
static void kernels_blocks(void)
{
    static const int shapes[][3] = {{150, 1030, 257}, {13, 1100, 520}, {290, 70, 600}};
    for (int isa = 0; isa < RECUR_ISA_COUNT; isa++) {
        const recur__ukernel *uk = recur__ukernel_for(isa);
        if (!uk)
            continue;
        for (int s = 0; s < 3; s++)
            for (int path = KERNEL; path <= PACKED; path++) {
                int t = (s + path) % 4;
                double e = one(path, uk, t & 1, t >> 1, shapes[s][0], shapes[s][1],
                               shapes[s][2], 1.0f, s == 1 ? 0.0f : 1.0f);
                CHECK_MSG(e < 1e-6, "%s path %d %dx%dx%d: error %g", recur__isa_name(isa),
                          path, shapes[s][0], shapes[s][1], shapes[s][2], e);
            }
    }
}

/* Rows of A a multiple of 4 KB apart: sgemm copies them to another
 * stride (both paths; full strips and tails of 5, 4 and 1 rows; K across a
 * block edge). The packed path copies strips only for kernels taller than
 * 8 rows (AVX-512's 12), which this CPU may not have. */
static void kernels_aliased(void)
{
    static const int shapes[][4] = {{29, 70, 1000, 1024}, {64, 256, 1024, 1024},
                                    {13, 40, 600, 2048}, {1, 33, 512, 1024}};
    int tall = 0;
    for (int isa = 0; isa < RECUR_ISA_COUNT; isa++) {
        const recur__ukernel *uk = recur__ukernel_for(isa);
        if (!uk)
            continue;
        tall += uk->mr > 8;
        for (int s = 0; s < 4; s++)
            for (int path = KERNEL; path <= PACKED; path++) {
                lda_next = shapes[s][3];
                double e = one(path, uk, 0, s & 1, shapes[s][0], shapes[s][1], shapes[s][2],
                               s == 2 ? -1.0f : 1.0f, s & 1 ? 0.0f : 0.5f);
                lda_next = 0;
                CHECK_MSG(e < 1e-6, "%s path %d %dx%dx%d, lda %d: error %g",
                          recur__isa_name(isa), path, shapes[s][0], shapes[s][1],
                          shapes[s][2], shapes[s][3], e);
            }
    }
    printf("aliased rows: the packed path's strip copy %s\n",
           tall ? "ran (a kernel taller than 8 rows)"
                : "did not run: no kernel here is taller than 8 rows");
}

/* recur__gemm (vectors, row split over threads, empty sums) with each kernel. */
static void gemm_entry(void)
{
    int old_threads = recur__gemm_set_threads(2);
    int old = recur__gemm_isa();
    for (int isa = 0; isa < RECUR_ISA_COUNT; isa++) {
        if (recur__gemm_force_isa(isa) < 0)
            continue;
        CHECK(recur__gemm_isa() == isa);
        double e = 0, x;
        static const int shapes[][3] = {{1, 40, 30}, {40, 1, 30}, {300, 200, 100},
                                        {1000, 64, 64}, {7, 9, 1}};
        for (int s = 0; s < 5; s++)
            for (int t = 0; t < 4; t++) {
                x = one(PLAIN, NULL, t & 1, t >> 1, shapes[s][0], shapes[s][1], shapes[s][2],
                        0.5f, t == 2 ? 0.0f : 1.0f);
                e = x > e ? x : e;
            }
        CHECK_MSG(e < 1e-6, "recur__gemm with %s: error %g", recur__isa_name(isa), e);
        /* K = 0: C = beta·C */
        float c[4] = {1, 2, 3, 4}, a = 0, b = 0;
        recur__gemm(0, 0, 2, 2, 0, 1, &a, 1, &b, 2, 0.5f, c, 2);
        CHECK(c[0] == 0.5f && c[3] == 2.0f);
    }
    CHECK(recur__gemm_force_isa(RECUR_ISA_COUNT) == -1);
    recur__gemm_force_isa(old);
    recur__gemm_set_threads(old_threads);
}

/* A whole forward pass (input projection, the time loop on packed W_hh,
 * the dense layer) gives the same outputs with every kernel, BLAS included
 * (what RECUR_ISA_GENERIC selects for the library's products). */
static void model_every_kernel(void)
{
    recur_config c;
    recur_config_default(&c);
    c.cell = RECUR_LSTM;
    c.input = RECUR_INPUT_DENSE;
    c.input_size = 5;
    c.hidden = 37;
    c.layers = 2;
    c.output_size = 3;
    c.loss = RECUR_LOSS_MSE;
    recur_model *m;
    CHECK(recur_model_create(&c, 7, &m) == RECUR_OK);
    int T = 9, B = 13;
    float *x = random_matrix((long)T * B * 5), y[3][9 * 13 * 3];
    int old = recur__gemm_isa(), runs = 0;
    for (int isa = 0; isa < RECUR_ISA_COUNT; isa++) {
        if (recur__gemm_force_isa(isa) < 0)
            continue;
        CHECK(recur_forward(m, T, B, NULL, x, y[runs]) == RECUR_OK);
        runs++;
    }
    recur__gemm_force_isa(old);
    double worst = 0;
    for (int r = 1; r < runs; r++)
        for (int i = 0; i < T * B * 3; i++) {
            double d = fabs((double)y[r][i] - y[0][i]);
            worst = d > worst ? d : worst;
        }
    printf("forward with %d kernels: largest difference %.3g\n", runs, worst);
    CHECK(runs >= 2 && worst < 1e-5);
    free(x);
    recur_model_free(m);
}

TEST_MAIN("test_gemm", TL_CASE(kernels_small), TL_CASE(kernels_blocks), TL_CASE(kernels_aliased),
          TL_CASE(gemm_entry), TL_CASE(model_every_kernel))
