/* parallel.h - running independent batch rows on several threads.
 *
 * The recurrent time loop is sequential in t but independent across the
 * batch rows, so on a multi-core CPU each thread can run its own slice of
 * rows through all T steps — its own small recurrent GEMM and gate pass per
 * step, with no synchronisation inside the loop. Large GEMMs are split the
 * same way, by rows of the product (gemm.c). A call made from inside a part
 * runs on its own thread. */
#ifndef RECUR_PARALLEL_H
#define RECUR_PARALLEL_H

#include <stdint.h>

#include "core/real.h"

/* Run fn(arg, b0, b1) over disjoint ranges covering [0, B), concurrently
 * when the thread setting allows and the work (about `flops` in all) is large
 * enough to pay for it; otherwise once over [0, B) on the calling thread.
 * The split depends only on B and the thread setting, so results are
 * reproducible for a given thread count. */
void recur__parallel_rows(int B, double flops, void (*fn)(void *arg, int b0, int b1),
                   void *arg);
/* How many parts recur__parallel_rows(B, flops, ...) would run (1: on the
 * calling thread, over all of [0, B)). */
int recur__parallel_parts(int B, double flops);

/* fn(arg, i0, i1) over disjoint ranges covering [0, n), each a whole
 * number of `block` elements (but the last): recur__parallel_rows over the
 * blocks, for passes whose count may exceed an int. */
void recur__parallel_ranges(long n, long block, double flops,
                            void (*fn)(void *arg, long i0, long i1), void *arg);

/* acc[j] += m[r·cols + j] for r = 0 .. rows-1 in that order, for every
 * column j < cols, and the same into acc2 when it is not NULL: the bias
 * gradients. Threads take disjoint column ranges, so every sum is the same
 * for any thread count. */
void recur__add_column_sums(real *acc, real *acc2, const real *m, long rows, int cols);

/* m[r·cols + j] += b[j] for every row r < rows: a bias added to each row. */
void recur__add_row_bias(real *m, long rows, int cols, const real *b);

/* dst[r] = table[tokens[r]] for r < rows, rows of `width` reals (an
 * embedding lookup, or the one-hot input projection), in row ranges. */
void recur__gather_rows(real *dst, const real *table, const int32_t *tokens, long rows,
                        int width);

/* table[tokens[r]] += src[r] for r = 0 .. rows-1 in that order: the
 * transpose of recur__gather_rows. Threads take disjoint column ranges, so
 * each sum is the same for any thread count. */
void recur__scatter_add_rows(real *table, const real *src, const int32_t *tokens, long rows,
                             int width);
/* The same over steps × step_rows rows, a step's rows in order and the
 * steps first to last, or last to first when last_first is set (the order
 * of a backward time loop, which scatters step by step: cell.c). */
void recur__scatter_add_steps(real *table, const real *src, const int32_t *tokens, long steps,
                              long step_rows, int width, int last_first);

#endif
