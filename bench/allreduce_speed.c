/* allreduce_speed.c - the bare cost of summing a gradient vector over MPI
 * ranks (MPI_Allreduce, MPI_SUM, float, in place), as cli/dist.c does each
 * step, with no training around it: the median time of REPS sums for each
 * size, and the bus bandwidth 2(N-1)/N * bytes / time (what a ring
 * allreduce moves per rank). Built and run by bench/mpi_speed.sh:
 *   mpirun -np 2 build/bench/allreduce_speed [BYTES...] */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#define REPS 41

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    for (int a = 1; a < argc; a++) {
        long n = atol(argv[a]) / 4;
        float *v = calloc((size_t)(n > 0 ? n : 1), sizeof *v);
        double t[REPS];
        for (int r = 0; r < REPS; r++) {
            MPI_Barrier(MPI_COMM_WORLD);
            double t0 = MPI_Wtime();
            MPI_Allreduce(MPI_IN_PLACE, v, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
            t[r] = MPI_Wtime() - t0;
        }
        qsort(t, REPS, sizeof *t, by_value);
        if (rank == 0)
            printf("%d ranks %10ld bytes %10.3f ms %8.2f GB/s\n", size, n * 4,
                   1e3 * t[REPS / 2], 2.0 * (size - 1) / size * (double)n * 4 / t[REPS / 2] / 1e9);
        free(v);
    }
    MPI_Finalize();
    return 0;
}
