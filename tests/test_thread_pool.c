/* test_thread_pool.c - recur__parallel_rows on the worker pool
 * (src/core/thread_pool.c): every part runs once per call and sees what
 * the caller wrote; calls from several threads at once, calls from inside
 * a part, calls after the workers fell asleep, after a part outlasted the
 * caller's wait, and in a child of fork(); and signals sent to the
 * process never land on the pool's threads. */
#define _DEFAULT_SOURCE
#include <stdatomic.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/gemm.h"
#include "core/parallel.h"
#include "core/thread_pool.h"
#include "testlib.h"

#define ROWS 37
#define BIG 1e12 /* flops: always worth every thread */

typedef struct {
    long value;         /* set by the caller before each call */
    long out[ROWS];     /* out[b] = value + b, written by the part owning b */
    atomic_int parts;   /* parts run in this call */
    int sleep_ms_part1; /* the part starting past row 0 sleeps this long */
} job;

static void sleep_ms(int ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static void fill(void *arg, int b0, int b1)
{
    job *j = arg;
    atomic_fetch_add(&j->parts, 1);
    if (b0 > 0 && j->sleep_ms_part1)
        sleep_ms(j->sleep_ms_part1);
    for (int b = b0; b < b1; b++)
        j->out[b] += j->value + b + 1; /* += : a row run twice would show */
}

/* One call; returns 0 if every row was written once with this value and
 * `parts` parts ran. */
static int one_call(job *j, long value, int parts)
{
    j->value = value;
    memset(j->out, 0, sizeof j->out);
    atomic_store(&j->parts, 0);
    recur__parallel_rows(ROWS, BIG, fill, j);
    int bad = atomic_load(&j->parts) != parts;
    for (int b = 0; b < ROWS; b++)
        bad |= j->out[b] != value + b + 1;
    return bad;
}

/* A lost part hangs its call: each test has a minute, then SIGALRM fails
 * the program instead of leaving the suite waiting. */
static void deadline(void) { alarm(60); }

static void every_row_once_per_call(void)
{
    deadline();
    int old = recur__gemm_set_threads(4);
    job j = {0};
    int bad = 0;
    for (long c = 0; c < 3000; c++)
        bad += one_call(&j, c * 1000, 4);
    CHECK_MSG(bad == 0, "%d of 3000 calls lost or repeated a row", bad);
    /* fewer threads than workers: the extra workers sit the call out */
    recur__gemm_set_threads(2);
    for (long c = 0; c < 300; c++)
        bad += one_call(&j, c, 2);
    CHECK(bad == 0);
    recur__gemm_set_threads(old);
}

static void after_the_workers_sleep(void)
{
    deadline();
    int old = recur__gemm_set_threads(3);
    job j = {0};
    CHECK(one_call(&j, 7, 3) == 0);
    sleep_ms(20); /* past the workers' watch: they sleep on the condition */
    CHECK(one_call(&j, 8, 3) == 0);
    /* a worker's part outlasting the caller's watch: the caller sleeps */
    j.sleep_ms_part1 = 5;
    CHECK(one_call(&j, 9, 3) == 0);
    j.sleep_ms_part1 = 0;
    recur__gemm_set_threads(old);
}

static void *caller_thread(void *arg)
{
    long id = (long)(intptr_t)arg, bad = 0;
    job j = {0};
    for (long c = 0; c < 500; c++)
        bad += one_call(&j, id * 100000 + c, 2);
    return (void *)(intptr_t)bad;
}

static void callers_on_several_threads(void)
{
    deadline();
    int old = recur__gemm_set_threads(2);
    pthread_t t[3];
    for (long i = 0; i < 3; i++)
        CHECK(pthread_create(&t[i], NULL, caller_thread, (void *)(intptr_t)(i + 1)) == 0);
    for (int i = 0; i < 3; i++) {
        void *bad;
        pthread_join(t[i], &bad);
        CHECK_MSG(bad == NULL, "caller %d: %ld bad calls", i, (long)(intptr_t)bad);
    }
    recur__gemm_set_threads(old);
}

static atomic_int inner_parts;

static void inner(void *arg, int b0, int b1)
{
    (void)arg;
    atomic_fetch_add(&inner_parts, 1);
    CHECK(b0 == 0 && b1 == ROWS);
}

static void outer(void *arg, int b0, int b1)
{
    (void)arg, (void)b0, (void)b1;
    recur__parallel_rows(ROWS, BIG, inner, NULL);
}

static void a_call_inside_a_part_stays_on_its_thread(void)
{
    deadline();
    int old = recur__gemm_set_threads(2);
    atomic_store(&inner_parts, 0);
    recur__parallel_rows(ROWS, BIG, outer, NULL);
    CHECK(atomic_load(&inner_parts) == 2); /* once per outer part, unsplit */
    CHECK(recur__parallel_parts(ROWS, BIG) == 2); /* and the caller is outside again */
    recur__gemm_set_threads(old);
}

static void in_a_child_of_fork(void)
{
    deadline();
    int old = recur__gemm_set_threads(3);
    job j = {0};
    CHECK(one_call(&j, 1, 3) == 0); /* the parent's workers exist */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(30); /* a child hung on workers it does not have */
        int bad = 0;
        for (long c = 0; c < 200; c++)
            bad += one_call(&j, c, 3);
        _exit(bad ? 1 : 0);
    }
    CHECK(pid > 0);
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child's calls failed");
    CHECK(one_call(&j, 2, 3) == 0); /* and the parent's pool still works */
    recur__gemm_set_threads(old);
}

static volatile sig_atomic_t got_usr1;
static void on_usr1(int sig) { (void)sig, got_usr1 = 1; }

static void signals_stay_with_the_program(void)
{
    deadline();
    int old = recur__gemm_set_threads(3);
    job j = {0};
    CHECK(one_call(&j, 3, 3) == 0); /* the workers exist */
    struct sigaction sa, was;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, &was);
    /* With this thread blocking it, a signal for the process must wait
     * for this thread: no worker may take it. */
    sigset_t usr1, prev, pending;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, &prev);
    got_usr1 = 0;
    kill(getpid(), SIGUSR1);
    sleep_ms(20);
    CHECK_MSG(!got_usr1, "a pool thread took the process's SIGUSR1");
    sigpending(&pending);
    CHECK(sigismember(&pending, SIGUSR1));
    pthread_sigmask(SIG_SETMASK, &prev, NULL); /* delivered here, now */
    CHECK(got_usr1);
    sigaction(SIGUSR1, &was, NULL);
    recur__gemm_set_threads(old);
}

static void many_tasks(void *arg, int b0, int b1)
{
    atomic_int *runs = arg;
    for (int b = b0; b < b1; b++)
        atomic_fetch_add(&runs[b], 1);
}

/* More tasks than can run at once, and the pool growing and shrinking
 * between calls: every task still runs once. */
static void more_tasks_than_threads(void)
{
    deadline();
    enum { N = 100 };
    static atomic_int runs[N];
    recur__task t[N];
    for (int i = 0; i < N; i++) {
        atomic_store(&runs[i], 0);
        t[i] = (recur__task){many_tasks, runs, i, i + 1};
    }
    recur__pool_run(t, N);
    int bad = 0;
    for (int i = 0; i < N; i++)
        bad += atomic_load(&runs[i]) != 1;
    CHECK_MSG(bad == 0, "%d of %d tasks did not run exactly once", bad, N);
    int old = recur__gemm_set_threads(1);
    job j = {0};
    const int counts[] = {2, 4, 64, 3, 37, 2};
    for (int k = 0; k < 6; k++) {
        recur__gemm_set_threads(counts[k]);
        int parts = counts[k] < ROWS ? counts[k] : ROWS;
        CHECK_MSG(one_call(&j, k, parts) == 0, "%d threads", counts[k]);
    }
    recur__gemm_set_threads(old);
}

/* Calls about 1 ms apart, around the time a waiter gives up watching and
 * sleeps, with 1 to 4 threads each. */
static void calls_around_the_watch(void)
{
    deadline();
    int old = recur__gemm_set_threads(1), bad = 0;
    job j = {0};
    unsigned r = 12345;
    for (int c = 0; c < 200; c++) {
        r = r * 1103515245u + 12345u;
        int th = 1 + (int)(r >> 16) % 4;
        recur__gemm_set_threads(th);
        bad += one_call(&j, c, th);
        struct timespec t = {0, 900000L + (long)((r >> 8) % 200000)};
        nanosleep(&t, NULL);
    }
    CHECK_MSG(bad == 0, "%d of 200 calls lost or repeated a row", bad);
    recur__gemm_set_threads(old);
}

static void small_work_stays_on_the_caller(void)
{
    int old = recur__gemm_set_threads(2);
    CHECK(recur__parallel_parts(64, 1.9e6) == 1);
    CHECK(recur__parallel_parts(64, 2.1e6) == 2);
    CHECK(recur__parallel_parts(1, BIG) == 1);
    recur__gemm_set_threads(old);
}

TEST_MAIN("test_thread_pool", TL_CASE(every_row_once_per_call), TL_CASE(after_the_workers_sleep),
          TL_CASE(callers_on_several_threads),
          TL_CASE(a_call_inside_a_part_stays_on_its_thread), TL_CASE(in_a_child_of_fork), TL_CASE(signals_stay_with_the_program),
          TL_CASE(more_tasks_than_threads), TL_CASE(calls_around_the_watch),
          TL_CASE(small_work_stays_on_the_caller))
