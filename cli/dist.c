/* dist.c - data-parallel training over MPI (see dist.h). Compiled twice:
 * into build/recur without RECUR_MPI (one process; several started by
 * mpirun are refused), and into build/recur-mpi with mpicc and RECUR_MPI. */
#include "dist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

#ifdef RECUR_MPI
#include <limits.h>
#include <mpi.h>
#endif

static int g_rank, g_size = 1, g_ready, g_stop_local, g_stop_agreed;
static double g_sum_s, g_sum_bytes;

int dist_rank(void) { return g_rank; }
int dist_size(void) { return g_size; }
double dist_sum_seconds(void) { return g_sum_s; }
double dist_sum_bytes(void) { return g_sum_bytes; }

void dist_request_stop(void)
{
    g_stop_local = 1;
    if (g_size == 1)
        g_stop_agreed = 1;
}

int dist_stop_agreed(void) { return g_stop_agreed; }

/* Set by mpirun (Open MPI, then MPICH/PMI) in every process it starts. */
int dist_launched_size(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"};
    for (int i = 0; i < 2; i++) {
        const char *s = getenv(vars[i]);
        if (s && atoi(s) > 1)
            return atoi(s);
    }
    return 1;
}

int dist_only_one(const char *what)
{
    int n = dist_launched_size();
    if (n == 1)
        return 0;
    cli_error("recur %s does not run on several processes (mpirun started %d): only "
              "'recur train' and the train of classify, forecast and seq2seq do", what, n);
    return EXIT_USAGE;
}

#ifdef RECUR_MPI

static void finalize(void)
{
    int done = 0;
    MPI_Finalized(&done);
    if (!done)
        MPI_Finalize();
}

int dist_init(void)
{
    if (g_ready)
        return 0;
    if (MPI_Init(NULL, NULL) != MPI_SUCCESS)
        return cli_error("MPI_Init failed");
    g_ready = 1;
    atexit(finalize);
    /* A failed sum (a rank died) returns an error instead of aborting, so
     * the step fails with one line. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    return 0;
}

/* The sums begun during backward (recur_trainer_set_overlap), not yet
 * completed: one request per bucket (a layer's gradients) and per 2^30
 * floats of it. */
#define MAX_BEGUN 256
static MPI_Request g_begun[MAX_BEGUN];
static int g_nbegun;

/* Complete every begun sum. */
static int finish_begun(void)
{
    int rc = g_nbegun ? MPI_Waitall(g_nbegun, g_begun, MPI_STATUSES_IGNORE) : MPI_SUCCESS;
    g_nbegun = 0;
    return rc != MPI_SUCCESS;
}

/* Start summing a bucket; Open MPI moves non-blocking collectives on only
 * inside MPI calls, so test the earlier ones on the way. */
static int mpi_begin(void *user, float *v, long n)
{
    (void)user;
    double t0 = MPI_Wtime();
    int rc = 0;
    for (long off = 0; off < n && !rc; off += INT_MAX / 2) {
        int len = (int)(n - off < INT_MAX / 2 ? n - off : INT_MAX / 2);
        if (g_nbegun == MAX_BEGUN && finish_begun())
            return 1;
        rc = MPI_Iallreduce(MPI_IN_PLACE, v + off, len, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD,
                            &g_begun[g_nbegun++]) != MPI_SUCCESS;
    }
    int done;
    if (!rc)
        rc = MPI_Testall(g_nbegun, g_begun, &done, MPI_STATUSES_IGNORE) != MPI_SUCCESS;
    g_sum_s += MPI_Wtime() - t0;
    g_sum_bytes += (double)n * sizeof *v;
    return rc;
}

/* The shares' gradients (and stats, with the stop requests appended),
 * summed in place on every rank, after the begun sums. */
static int mpi_sum(void *user, float *v, long n, double *d, int nd)
{
    (void)user;
    double t0 = MPI_Wtime();
    if (finish_begun())
        return 1;
    for (long off = 0; off < n; off += INT_MAX / 2) {
        int len = (int)(n - off < INT_MAX / 2 ? n - off : INT_MAX / 2);
        if (MPI_Allreduce(MPI_IN_PLACE, v + off, len, MPI_FLOAT, MPI_SUM,
                          MPI_COMM_WORLD) != MPI_SUCCESS)
            return 1;
    }
    if (nd > 0) {
        double buf[16];
        if (nd > 15)
            return 1;
        memcpy(buf, d, (size_t)nd * sizeof *d);
        buf[nd] = g_stop_local;
        if (MPI_Allreduce(MPI_IN_PLACE, buf, nd + 1, MPI_DOUBLE, MPI_SUM,
                          MPI_COMM_WORLD) != MPI_SUCCESS)
            return 1;
        memcpy(d, buf, (size_t)nd * sizeof *d);
        g_stop_agreed = buf[nd] > 0;
    }
    g_sum_s += MPI_Wtime() - t0;
    g_sum_bytes += (double)n * sizeof *v;
    return 0;
}

recur_allreduce_fn dist_sum_function(void) { return g_size > 1 ? mpi_sum : NULL; }

recur_allreduce_begin_fn dist_begin_function(void)
{
    const char *e = getenv("RECUR_MPI_OVERLAP");
    return g_size > 1 && !(e && strcmp(e, "0") == 0) ? mpi_begin : NULL;
}

void dist_fail(int code)
{
    if (g_size > 1 && g_rank != 0) {
        fflush(NULL);
        _exit(code);
    }
}

#else /* one process */

int dist_init(void)
{
    if (g_ready)
        return 0;
    g_ready = 1;
    int n = dist_launched_size();
    if (n > 1)
        return cli_error("mpirun started %d processes, but this recur was built "
                         "without MPI: run build/recur-mpi (make builds it when "
                         "mpicc is installed)", n);
    return 0;
}

recur_allreduce_fn dist_sum_function(void) { return NULL; }

recur_allreduce_begin_fn dist_begin_function(void) { return NULL; }

void dist_fail(int code) { (void)code; }

#endif
