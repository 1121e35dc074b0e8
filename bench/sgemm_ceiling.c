/* sgemm_ceiling.c - the machine's single-precision GEMM rate through
 * OpenBLAS, on large square matrices, 1 thread and all threads:
 *   sgemm_ceiling [N]        (default 2048; median of 5 runs) */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2048, all = openblas_get_num_threads();
    float *a = malloc(sizeof(float) * n * n), *b = malloc(sizeof(float) * n * n),
          *c = malloc(sizeof(float) * n * n);
    for (long i = 0; i < (long)n * n; i++)
        a[i] = (float)(i % 7) * 0.1f, b[i] = (float)(i % 5) * 0.1f;
    for (int threads = 1; threads <= all; threads = threads == all ? all + 1 : all) {
        openblas_set_num_threads(threads);
        double g[5];
        for (int r = 0; r < 5; r++) {
            double t = now();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n,
                        b, n, 0, c, n);
            g[r] = 2.0 * n * n * n / (now() - t) / 1e9;
        }
        qsort(g, 5, sizeof *g, cmp);
        printf("sgemm %dx%d, %d thread(s): %.1f GFLOP/s\n", n, n, threads, g[2]);
    }
    free(a), free(b), free(c);
    return 0;
}
