/* error.h - status codes and the per-thread last-error message. */
#ifndef RECUR_ERROR_H
#define RECUR_ERROR_H

#include "recur.h"

/* Record a formatted message for the calling thread and return code, so that
 * a failing path reads: return recur_fail(RECUR_E_FORMAT, "bad %s", what); */
int recur__fail(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* The name the library's code calls it by: the symbol carries the internal
 * recur__ prefix (tests/symbols_test.sh), while the hundreds of call sites,
 * several of them being edited on other branches, keep reading recur_fail. */
#define recur_fail recur__fail

#endif
