/* parallel.c - the row-parallel helper behind the recurrent time loops. */
#include "core/parallel.h"

#include <pthread.h>

#include "core/gemm.h"

#define MAX_PARTS 64
#define MIN_FLOPS_PER_PART 2e6 /* below this a thread costs more than it saves */

typedef struct {
    void (*fn)(void *arg, int b0, int b1);
    void *arg;
    int b0, b1;
} part;

/* Set on threads running a part, so that nested calls (a GEMM inside a
 * time loop) stay on their thread instead of splitting again. */
static _Thread_local int inside_part;

static void *run_part(void *p)
{
    part *q = p;
    int was = inside_part;
    inside_part = 1;
    q->fn(q->arg, q->b0, q->b1);
    inside_part = was;
    return NULL;
}

void recur__parallel_rows(int B, double flops, void (*fn)(void *arg, int b0, int b1),
                   void *arg)
{
    int n = recur__gemm_get_threads();
    if (inside_part)
        n = 1;
    if (n > B)
        n = B;
    if (n > MAX_PARTS)
        n = MAX_PARTS;
    while (n > 1 && flops / n < MIN_FLOPS_PER_PART)
        n--;
    if (n <= 1) {
        fn(arg, 0, B);
        return;
    }
    part parts[MAX_PARTS];
    pthread_t tid[MAX_PARTS];
    int started[MAX_PARTS] = {0};
    for (int i = 0; i < n; i++)
        parts[i] = (part){fn, arg, (int)((long)B * i / n), (int)((long)B * (i + 1) / n)};
    for (int i = 1; i < n; i++)
        started[i] = pthread_create(&tid[i], NULL, run_part, &parts[i]) == 0;
    run_part(&parts[0]);
    for (int i = 1; i < n; i++) {
        if (started[i])
            pthread_join(tid[i], NULL);
        else
            run_part(&parts[i]); /* no thread to be had: do it here */
    }
}
