/* error.h - status codes and the per-thread last-error message. */
#ifndef RECUR_ERROR_H
#define RECUR_ERROR_H

#include "recur.h"

/* Record a formatted message for the calling thread and return code, so that
 * a failing path reads: return recur__fail(RECUR_E_FORMAT, "bad %s", what); */
int recur__fail(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* A pointer argument a public function needs: NULL is refused with
 * RECUR_E_INVALID, the function and the argument named (recur.h's
 * conventions: the library never crashes on bad input). */
#define RECUR_NEED(p)                                                          \
    do {                                                                       \
        if (!(p))                                                              \
            return recur__fail(RECUR_E_INVALID, "%s: %s is NULL", __func__, #p); \
    } while (0)

#endif
