/* error.c - the per-thread last-error message behind recur_last_error(). */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_error[512];

int recur__fail(int code, const char *fmt, ...)
{
    /* Format into a local buffer first: the arguments may include
     * recur_last_error() itself, when a caller adds context to a message. */
    char buf[sizeof last_error];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    memcpy(last_error, buf, sizeof buf);
    return code;
}

const char *recur_last_error(void) { return last_error; }

const char *recur_strerror(int code)
{
    switch (code) {
    case RECUR_OK: return "success";
    case RECUR_E_NOMEM: return "out of memory";
    case RECUR_E_IO: return "input/output error";
    case RECUR_E_FORMAT: return "malformed input";
    case RECUR_E_INVALID: return "invalid argument";
    case RECUR_E_MISMATCH: return "model and data do not match";
    case RECUR_E_LIMIT: return "resource limit exceeded";
    case RECUR_E_NUMERIC: return "non-finite value (NaN or Inf)";
    default: return "unknown error";
    }
}
