/* sgemm_ceiling.c - the machine's single-precision GEMM rate through
 * OpenBLAS, with 1 and 2 threads (or OpenBLAS's default count if smaller):
 *   sgemm_ceiling N [M,N,K ...]
 * first on large N×N×N squares, then on each given shape, e.g. the per-step
 * recurrent products of a training run: [batch × H]·W_hhᵀ is M = batch,
 * N = gates·H, K = H. Median of the repetitions of a ~0.2 s budget (at
 * least 3). Prints tab-separated lines "ceiling SHAPE openblas-Tt gflops G". */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "timing.h"

/* GFLOP/s of C[M×N] = A[M×K]·B[N×K]ᵀ (the layout of h·W_hhᵀ). */
static double rate(int M, int N, int K)
{
    float *a = malloc(sizeof(float) * M * K), *b = malloc(sizeof(float) * N * K),
          *c = malloc(sizeof(float) * M * N);
    if (!a || !b || !c) {
        fprintf(stderr, "sgemm_ceiling: out of memory\n");
        exit(1);
    }
    for (long i = 0; i < (long)M * K; i++)
        a[i] = (float)(i % 7) * 0.1f;
    for (long i = 0; i < (long)N * K; i++)
        b[i] = (float)(i % 5) * 0.1f;
    double flops = 2.0 * M * N * K, g[1000];
    int reps = 0;
    double start = bench_now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1, a, K, b, K, 0, c, N);
    while (reps < 1000 && (reps < 3 || bench_now() - start < 0.2)) {
        double t = bench_now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1, a, K, b, K, 0,
                    c, N);
        g[reps++] = flops / (bench_now() - t) / 1e9;
    }
    qsort(g, (size_t)reps, sizeof *g, bench_cmp);
    free(a), free(b), free(c);
    return g[reps / 2];
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 0, most = openblas_get_num_threads();
    if (n < 1) {
        fprintf(stderr, "usage: sgemm_ceiling N [M,N,K ...]\n");
        return 2;
    }
    most = most < 2 ? most : 2;
    for (int i = 1; i < argc; i++) {
        int M = n, N = n, K = n;
        if (i > 1 && sscanf(argv[i], "%d,%d,%d", &M, &N, &K) != 3) {
            fprintf(stderr, "sgemm_ceiling: bad shape %s (want M,N,K)\n", argv[i]);
            return 2;
        }
        for (int threads = 1; threads <= most; threads++) {
            openblas_set_num_threads(threads);
            printf("ceiling\t%dx%dx%d\topenblas-%dt\tgflops\t%.1f\n", M, N, K, threads,
                   rate(M, N, K));
            fflush(stdout);
        }
    }
    return 0;
}
