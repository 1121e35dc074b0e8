/* thread_pool.c - workers that wait for parts of recur__parallel_rows
 * (thread_pool.h).
 *
 * Waking a thread asleep on a condition variable took 40-50 µs a call on
 * the 2-core Zen 4 VM, no less than starting a new one; a worker that is
 * still awake sees the next call within a µs. So a worker, once its task
 * is done, watches for the next call for WAIT_NS before it sleeps, and the
 * caller, once its own task is done, watches for the workers' the same
 * way. The calls of a training step come well within 1 ms of each other,
 * a small model's every few tens of µs (bench/NOTES.md). A waiter looks
 * once per sched_yield, which also lets a thread waiting for that core run
 * first. Spinning on `pause` instead looked a few ns faster but made the
 * second thread of some processes on this VM far slower, their small
 * models slower on two threads than on one (likely the hypervisor's
 * pause-loop exiting, which deschedules a vCPU that loops on pause). A call with more tasks than the CPUs this
 * process may run on (sched_getaffinity) does not watch at all: its
 * waiters would only take the cores from the tasks. (A CPU quota of a
 * container is not seen.)
 *
 * Tasks must not fork: a child would wait for workers it does not have. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "core/thread_pool.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS (RECUR_POOL_MAX_TASKS - 1)
#define WAIT_NS 1000000L

static _Thread_local int inside_task;

int recur__start_thread(pthread_t *tid, void *(*fn)(void *), void *arg)
{
    sigset_t all, old;
    sigfillset(&all);
    /* faults are delivered to the thread that caused them; blocked, they
     * would kill the process past any handler the program has */
    sigdelset(&all, SIGSEGV);
    sigdelset(&all, SIGBUS);
    sigdelset(&all, SIGFPE);
    sigdelset(&all, SIGILL);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(tid, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

int recur__pool_inside(void) { return inside_task; }

static void run_task(const recur__task *t)
{
    int was = inside_task;
    inside_task = 1;
    t->fn(t->arg, t->b0, t->b1);
    inside_task = was;
}

/* What the workers share. The mutex orders every hand-over: a worker reads
 * its task and reports it done under it, so it sees what the caller wrote
 * before the call and the caller what it wrote. The counters are atomic
 * only so that a waiter can watch them without the lock. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t wake, done;
    int workers;              /* started; worker i runs tasks[i] */
    int start_failed;         /* a worker could not be started: stop trying */
    int stopping;             /* set at exit: workers return */
    _Atomic uint64_t call;    /* bumped for each call */
    _Atomic int watch;        /* whether waiters watch before sleeping */
    const recur__task *tasks; /* the current call's, ntasks of them */
    int ntasks;
    _Atomic int pending;      /* tasks handed to workers, not yet done */
} pool = {.mu = PTHREAD_MUTEX_INITIALIZER,
          .wake = PTHREAD_COND_INITIALIZER,
          .done = PTHREAD_COND_INITIALIZER};
/* Set by the one call using the pool (compare-and-swap from 0). */
static _Atomic int pool_busy;
static int cpus = 1; /* CPUs this process may run on, at first use */

static long ns_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000000000L + (t.tv_nsec - t0->tv_nsec);
}

/* Until pool.call differs from seen, or WAIT_NS have passed. */
static void watch_call(uint64_t seen)
{
    if (!pool.watch)
        return;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (pool.call == seen && ns_since(&t0) < WAIT_NS)
        sched_yield();
}

/* Until pool.pending is 0, or WAIT_NS have passed. */
static void watch_pending(void)
{
    if (!pool.watch)
        return;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (pool.pending != 0 && ns_since(&t0) < WAIT_NS)
        sched_yield();
}

typedef struct {
    int index;
    uint64_t seen; /* pool.call when the worker was started */
} worker_start;
static worker_start starts[MAX_WORKERS + 1];
static pthread_t worker_ids[MAX_WORKERS + 1];

static void *worker_main(void *arg)
{
    const worker_start *ws = arg;
    int i = ws->index;
    uint64_t seen = ws->seen;
    inside_task = 1;
    for (;;) {
        watch_call(seen);
        pthread_mutex_lock(&pool.mu);
        while (pool.call == seen)
            pthread_cond_wait(&pool.wake, &pool.mu);
        seen = pool.call;
        if (pool.stopping) {
            pthread_mutex_unlock(&pool.mu);
            return NULL;
        }
        if (i >= pool.ntasks) { /* this call needs fewer workers */
            pthread_mutex_unlock(&pool.mu);
            continue;
        }
        recur__task t = pool.tasks[i];
        pthread_mutex_unlock(&pool.mu);
        t.fn(t.arg, t.b0, t.b1);
        pthread_mutex_lock(&pool.mu);
        if (--pool.pending == 0)
            pthread_cond_signal(&pool.done);
        pthread_mutex_unlock(&pool.mu);
    }
    return NULL;
}

/* fork() while another thread holds pool.mu would leave the child a mutex
 * locked by nobody: the forking thread takes it first (workers hold it
 * only between tasks), and the child, which has no workers, starts
 * afresh. */
static void before_fork(void) { pthread_mutex_lock(&pool.mu); }
static void after_fork_in_parent(void) { pthread_mutex_unlock(&pool.mu); }
static void after_fork_in_child(void)
{
    pthread_cond_init(&pool.wake, NULL);
    pthread_cond_init(&pool.done, NULL);
    pool.workers = 0;
    pool.start_failed = 0;
    pool.stopping = 0;
    pool_busy = 0;
    pthread_mutex_unlock(&pool.mu);
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void pool_init(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        cpus = CPU_COUNT(&set);
    else
        cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 1)
        cpus = 1;
    pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
}

/* At exit (or when a shared library is unloaded) the workers are woken,
 * told to return, and joined, so that memory checkers see every thread's
 * memory freed. Not while a call is running (exit from inside a task, or
 * on another thread): then the workers are left as they are. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((destructor)) static void pool_stop(void)
{
    int idle = 0;
    if (!atomic_compare_exchange_strong(&pool_busy, &idle, 1))
        return;
    pthread_mutex_lock(&pool.mu);
    int n = pool.workers;
    pool.stopping = 1;
    pool.call++;
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.mu);
    for (int i = 1; i <= n; i++)
        pthread_join(worker_ids[i], NULL);
    pool.workers = 0;
    pool.stopping = 0;
    pool_busy = 0;
}
#endif

/* Start workers until tasks 1 .. n-1 have one (under pool.mu). Returns how
 * many tasks the pool can run: 1 + workers, at most n. */
static int grow(int n)
{
    while (pool.workers < n - 1 && pool.workers < MAX_WORKERS && !pool.start_failed) {
        int i = pool.workers + 1;
        starts[i] = (worker_start){i, pool.call};
        if (recur__start_thread(&worker_ids[i], worker_main, &starts[i]) != 0) {
            pool.start_failed = 1;
            break;
        }
        pool.workers = i;
    }
    return pool.workers + 1 < n ? pool.workers + 1 : n;
}

static void *run_task_thread(void *t)
{
    run_task(t);
    return NULL;
}

/* tasks[from .. n) on threads started for them (up to MAX_WORKERS, the
 * rest here) and tasks[0] here, then those threads joined. */
static void run_with_new_threads(recur__task *tasks, int from, int n)
{
    pthread_t tid[RECUR_POOL_MAX_TASKS];
    int started[RECUR_POOL_MAX_TASKS] = {0};
    for (int i = from; i < n && i < RECUR_POOL_MAX_TASKS; i++)
        started[i] = recur__start_thread(&tid[i], run_task_thread, &tasks[i]) == 0;
    run_task(&tasks[0]);
    for (int i = from; i < n; i++) {
        if (i < RECUR_POOL_MAX_TASKS && started[i])
            pthread_join(tid[i], NULL);
        else
            run_task(&tasks[i]); /* no thread to be had: run it here */
    }
}

void recur__pool_run(recur__task *tasks, int n)
{
    if (n <= 0)
        return;
    pthread_once(&once, pool_init);
    int idle = 0;
    if (n == 1 || !atomic_compare_exchange_strong(&pool_busy, &idle, 1)) {
        run_with_new_threads(tasks, 1, n);
        return;
    }
    pthread_mutex_lock(&pool.mu);
    int pooled = grow(n);
    pool.tasks = tasks;
    pool.ntasks = pooled;
    pool.pending = pooled - 1;
    pool.watch = n <= cpus;
    pool.call++;
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.mu);
    run_with_new_threads(tasks, pooled, n);
    watch_pending();
    pthread_mutex_lock(&pool.mu);
    while (pool.pending > 0)
        pthread_cond_wait(&pool.done, &pool.mu);
    pool.tasks = NULL, pool.ntasks = 0;
    pthread_mutex_unlock(&pool.mu);
    pool_busy = 0;
}
