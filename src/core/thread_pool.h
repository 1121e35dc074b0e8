/* thread_pool.h - the threads that run recur__parallel_rows' parts.
 *
 * Workers are started on first use and kept until exit (they sleep when
 * there is nothing to do; a destructor joins them), so that handing out a part
 * costs about a µs instead of a thread's start and join (43 µs on the
 * 2-core Zen 4 VM, bench/NOTES.md). */
#ifndef RECUR_THREAD_POOL_H
#define RECUR_THREAD_POOL_H

#include <pthread.h>

/* The most tasks that run at once (more run on the caller after its own). */
#define RECUR_POOL_MAX_TASKS 64

typedef struct {
    void (*fn)(void *arg, int b0, int b1);
    void *arg;
    int b0, b1;
} recur__task;

/* Run tasks[0 .. n) at once, tasks[0] on the calling thread, and return
 * when all are done. Everything the caller wrote before the call is
 * visible to every task, and everything the tasks wrote to the caller
 * after it. One call uses the pool at a time: a call made while another
 * thread's call holds it (two models trained on two of the caller's
 * threads) runs its tasks on threads started for it, as does a task that
 * no worker could be started for. */
void recur__pool_run(recur__task *tasks, int n);

/* pthread_create with the new thread blocking every signal but the faults
 * (SIGSEGV, SIGBUS, SIGFPE, SIGILL, delivered to the thread that caused
 * them): the library's threads never take a signal meant for the program
 * (SIGINT, SIGTERM, SIGPIPE go to a thread of the caller's). Returns its
 * status. */
int recur__start_thread(pthread_t *tid, void *(*fn)(void *), void *arg);

/* Whether the calling thread is running a task (so that a product inside
 * a split time loop stays on its thread instead of splitting again). */
int recur__pool_inside(void);

#endif
