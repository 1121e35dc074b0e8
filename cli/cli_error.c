/* cli_error.c - the one-line error messages every subcommand shares, and
 * reading stdin whole (with its one-line errors). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "recur.h"

int cli_error(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* One line, whatever the message holds. */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    fflush(stdout);
    fprintf(stderr, "recur: %s\n", msg);
    return EXIT_RUNTIME;
}

int cli_lib_error(int rc)
{
    const char *m = recur_last_error();
    return cli_error("%s", m && *m ? m : recur_strerror(rc));
}

/* All of stdin, refusing more than RECUR_MAX_TEXT_BYTES. */
char *cli_read_stdin(size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        cli_error("out of memory reading stdin");
        return NULL;
    }
    for (;;) {
        if (n == cap) {
            if (cap > (size_t)RECUR_MAX_TEXT_BYTES) {
                free(buf);
                cli_error("stdin: more than %ld bytes, the limit for a text",
                          (long)RECUR_MAX_TEXT_BYTES);
                return NULL;
            }
            char *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                cli_error("out of memory reading stdin");
                return NULL;
            }
            buf = b;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, stdin);
        n += got;
        if (got == 0) {
            if (ferror(stdin)) {
                free(buf);
                cli_error("stdin: %s", strerror(errno));
                return NULL;
            }
            break;
        }
    }
    if (n > (size_t)RECUR_MAX_TEXT_BYTES) {
        free(buf);
        cli_error("stdin: more than %ld bytes, the limit for a text",
                  (long)RECUR_MAX_TEXT_BYTES);
        return NULL;
    }
    *len = n;
    return buf;
}
