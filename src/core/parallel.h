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

/* Run fn(arg, b0, b1) over disjoint ranges covering [0, B), concurrently
 * when the thread setting allows and the work (about `flops` in all) is large
 * enough to pay for it; otherwise once over [0, B) on the calling thread.
 * The split depends only on B and the thread setting, so results are
 * reproducible for a given thread count. */
void recur__parallel_rows(int B, double flops, void (*fn)(void *arg, int b0, int b1),
                   void *arg);

#endif
