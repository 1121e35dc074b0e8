/* testlib.h - a minimal test harness: each test program lists its tests in
 * TEST_MAIN(...) and ends by printing "N passed, N failed". */
#ifndef RECUR_TESTLIB_H
#define RECUR_TESTLIB_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int tl_test_failed;

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, \
                    #cond);                                                    \
            tl_test_failed = 1;                                                \
        }                                                                      \
    } while (0)

#define CHECK_MSG(cond, ...)                                                   \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);                  \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
            tl_test_failed = 1;                                                \
        }                                                                      \
    } while (0)

/* |a-b| <= tol * max(1, |b|) */
#define CHECK_NEAR(a, b, tol)                                                  \
    do {                                                                       \
        double tl_a = (double)(a), tl_b = (double)(b);                         \
        double tl_s = fabs(tl_b) > 1.0 ? fabs(tl_b) : 1.0;                     \
        if (!(fabs(tl_a - tl_b) <= (tol) * tl_s)) {                            \
            fprintf(stderr, "  %s:%d: %s = %.9g, expected %s = %.9g\n",        \
                    __FILE__, __LINE__, #a, tl_a, #b, tl_b);                   \
            tl_test_failed = 1;                                                \
        }                                                                      \
    } while (0)

typedef struct {
    const char *name;
    void (*fn)(void);
} tl_case;

#define TL_CASE(f) {#f, f}

static inline int tl_run(const char *prog, const tl_case *cases, int n)
{
    int passed = 0, failed = 0;
    for (int i = 0; i < n; i++) {
        tl_test_failed = 0;
        cases[i].fn();
        if (tl_test_failed) {
            failed++;
            fprintf(stderr, "FAIL %s: %s\n", prog, cases[i].name);
        } else {
            passed++;
            fprintf(stderr, "ok   %s: %s\n", prog, cases[i].name);
        }
    }
    printf("%s: %d passed, %d failed\n", prog, passed, failed);
    return failed ? 1 : 0;
}

#define TEST_MAIN(prog, ...)                                                   \
    int main(void)                                                             \
    {                                                                          \
        static const tl_case cases[] = {__VA_ARGS__};                          \
        return tl_run(prog, cases, (int)(sizeof cases / sizeof cases[0]));     \
    }

#endif
