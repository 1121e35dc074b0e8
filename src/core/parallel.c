/* parallel.c - the row-parallel helper behind the recurrent time loops, and
 * the element-wise passes of a training step that it shares out. */
#include "core/parallel.h"

#include <string.h>

#include "core/gemm.h"
#include "core/thread_pool.h"

#define MAX_PARTS 64
_Static_assert(MAX_PARTS <= RECUR_POOL_MAX_TASKS, "every part on a thread of its own");
/* Below this much work a part costs more than it saves. Parts go to the
 * waiting workers of thread_pool.c, about a µs a call when they are awake;
 * when each part started a thread of its own (43 µs), 3e7 was the least
 * that made no small model slower on 2 threads than on 1. With the pool,
 * training tokens/s on 2 threads against 1 (Zen 4 VM, bench/NOTES.md):
 * LSTM 1×32 at batch 32 1.0× at 3e7, 1.7× at 1e6; GRU 1×64 at batch 16
 * 1.0× / 1.7×; LSTM 1×32 at batch 8 1.0× / 1.2–1.3×. */
#define MIN_FLOPS_PER_PART 1e6

int recur__parallel_parts(int B, double flops)
{
    int n = recur__gemm_get_threads();
    if (recur__pool_inside())
        n = 1;
    if (n > B)
        n = B;
    if (n > MAX_PARTS)
        n = MAX_PARTS;
    while (n > 1 && flops / n < MIN_FLOPS_PER_PART)
        n--;
    return n < 1 ? 1 : n;
}

void recur__parallel_rows(int B, double flops, void (*fn)(void *arg, int b0, int b1),
                   void *arg)
{
    int n = recur__parallel_parts(B, flops);
    if (n <= 1) {
        fn(arg, 0, B);
        return;
    }
    recur__task parts[MAX_PARTS];
    for (int i = 0; i < n; i++)
        parts[i] = (recur__task){fn, arg, (int)((long)B * i / n), (int)((long)B * (i + 1) / n)};
    recur__pool_run(parts, n);
}

/* recur__parallel_ranges: blocks handed out by recur__parallel_rows,
 * turned back into element ranges. */
typedef struct {
    long n, block;
    void (*fn)(void *arg, long i0, long i1);
    void *arg;
} ranges_job;

static void ranges_part(void *arg, int k0, int k1)
{
    ranges_job *j = arg;
    long i0 = (long)k0 * j->block, i1 = (long)k1 * j->block;
    j->fn(j->arg, i0, i1 < j->n ? i1 : j->n);
}

void recur__parallel_ranges(long n, long block, double flops,
                            void (*fn)(void *arg, long i0, long i1), void *arg)
{
    ranges_job j = {n, block, fn, arg};
    recur__parallel_rows((int)((n + block - 1) / block), flops, ranges_part, &j);
}

/* Column passes go to threads in blocks of 16 reals (a cache line), so
 * that threads never write the same line; row passes in blocks of 64 rows. */
#define COLUMN_BLOCK 16
#define ROW_BLOCK 64

typedef struct {
    real *acc, *acc2;
    const real *m;
    long rows;
    int cols;
} column_sums_job;

static void column_sums_part(void *arg, long c0, long c1)
{
    column_sums_job *j = arg;
    for (long r = 0; r < j->rows; r++) {
        const real *row = j->m + r * j->cols;
        for (long c = c0; c < c1; c++)
            j->acc[c] += row[c];
        if (j->acc2)
            for (long c = c0; c < c1; c++)
                j->acc2[c] += row[c];
    }
}

void recur__add_column_sums(real *acc, real *acc2, const real *m, long rows, int cols)
{
    column_sums_job j = {acc, acc2, m, rows, cols};
    recur__parallel_ranges(cols, COLUMN_BLOCK, (acc2 ? 2.0 : 1.0) * 4.0 * (double)rows * cols,
                           column_sums_part, &j);
}

typedef struct {
    real *m;
    int cols;
    const real *b;
} row_bias_job;

static void row_bias_part(void *arg, long r0, long r1)
{
    row_bias_job *j = arg;
    for (long r = r0; r < r1; r++) {
        real *row = j->m + r * j->cols;
        for (int c = 0; c < j->cols; c++)
            row[c] += j->b[c];
    }
}

void recur__add_row_bias(real *m, long rows, int cols, const real *b)
{
    row_bias_job j = {m, cols, b};
    recur__parallel_ranges(rows, ROW_BLOCK, 4.0 * (double)rows * cols, row_bias_part, &j);
}

/* Rows by token: gather out[r] = in[tokens[r]], scatter out[tokens[r]] += in[r]. */
typedef struct {
    real *out;
    const real *in;
    const int32_t *tokens;
    long rows;
    int width;
    long steps, step_rows; /* scatter: rows in steps of step_rows, */
    int last_first;        /* taken last step first when set */
} rows_job;

static void gather_part(void *arg, long r0, long r1)
{
    rows_job *j = arg;
    for (long r = r0; r < r1; r++)
        memcpy(j->out + r * j->width, j->in + (long)j->tokens[r] * j->width,
               (size_t)j->width * sizeof(real));
}

void recur__gather_rows(real *dst, const real *table, const int32_t *tokens, long rows,
                        int width)
{
    rows_job j = {dst, table, tokens, rows, width, 0, 0, 0};
    recur__parallel_ranges(rows, ROW_BLOCK, 4.0 * (double)rows * width, gather_part, &j);
}

static void scatter_part(void *arg, long c0, long c1)
{
    rows_job *j = arg;
    for (long s = 0; s < j->steps; s++) {
        long first = (j->last_first ? j->steps - 1 - s : s) * j->step_rows;
        for (long r = first; r < first + j->step_rows; r++) {
            const real *in = j->in + r * j->width;
            real *row = j->out + (long)j->tokens[r] * j->width;
            for (long c = c0; c < c1; c++)
                row[c] += in[c];
        }
    }
}

void recur__scatter_add_steps(real *table, const real *src, const int32_t *tokens, long steps,
                              long step_rows, int width, int last_first)
{
    rows_job j = {table, src, tokens, steps * step_rows, width, steps, step_rows, last_first};
    recur__parallel_ranges(width, COLUMN_BLOCK, 4.0 * (double)j.rows * width, scatter_part, &j);
}

void recur__scatter_add_rows(real *table, const real *src, const int32_t *tokens, long rows,
                             int width)
{
    recur__scatter_add_steps(table, src, tokens, 1, rows, width, 0);
}
