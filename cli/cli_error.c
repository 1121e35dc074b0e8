/* cli_error.c - the one-line error messages every subcommand shares, and
 * reading stdin or a file whole (with their one-line errors). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

void cli_set_threads(int n)
{
    static int warned;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (!warned && cpus > 0 && n > cpus) {
        warned = 1;
        fprintf(stderr, "recur: warning: --threads %d is more than the %ld CPUs here; threads "
                        "beyond the cores only slow training down\n", n, cpus);
    }
    recur_set_threads(n);
}

int cli_lib_error(int rc)
{
    const char *m = recur_last_error();
    return cli_error("%s", m && *m ? m : recur_strerror(rc));
}

/* All of f (named name in messages), NUL-terminated, refusing more than
 * RECUR_MAX_TEXT_BYTES. */
static char *read_stream(FILE *f, const char *name, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        cli_error("out of memory reading %s", name);
        return NULL;
    }
    for (;;) {
        if (n + 1 >= cap) { /* room for the NUL */
            if (cap > (size_t)RECUR_MAX_TEXT_BYTES) {
                free(buf);
                cli_error("%s: more than %ld bytes, the limit for a text", name,
                          (long)RECUR_MAX_TEXT_BYTES);
                return NULL;
            }
            char *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                cli_error("out of memory reading %s", name);
                return NULL;
            }
            buf = b;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                free(buf);
                cli_error("%s: %s", name, strerror(errno));
                return NULL;
            }
            break;
        }
    }
    if (n > (size_t)RECUR_MAX_TEXT_BYTES) {
        free(buf);
        cli_error("%s: more than %ld bytes, the limit for a text", name,
                  (long)RECUR_MAX_TEXT_BYTES);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

char *cli_read_stdin(size_t *len) { return read_stream(stdin, "stdin", len); }

char *cli_read_path(const char *path, size_t *len)
{
    if (strcmp(path, "-") == 0)
        return cli_read_stdin(len);
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_error("%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = read_stream(f, path, len);
    fclose(f);
    return buf;
}
