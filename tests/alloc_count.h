/* alloc_count.h - counting heap allocations in a test program, to show
 * that a call allocates nothing: this file's malloc family replaces the C
 * library's for the whole process (the library is linked statically into
 * the test) and counts calls. Include it in one test program only once.
 * The sanitizer builds bring their own allocator, so there the count is
 * not available (COUNTING 0, allocations() always 0) and such tests check
 * outputs only. */
#ifndef RECUR_TEST_ALLOC_COUNT_H
#define RECUR_TEST_ALLOC_COUNT_H

#include <stdatomic.h>
#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__) || !defined(__GLIBC__)
#define COUNTING 0
static long allocations(void) { return 0; }
#else
#define COUNTING 1
static atomic_long n_alloc;
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t k, size_t n);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);
void *malloc(size_t n)
{
    n_alloc++;
    return __libc_malloc(n);
}
void *calloc(size_t k, size_t n)
{
    n_alloc++;
    return __libc_calloc(k, n);
}
void *realloc(void *p, size_t n)
{
    n_alloc++;
    return __libc_realloc(p, n);
}
void free(void *p) { __libc_free(p); }
static long allocations(void) { return n_alloc; }
#endif

#endif
