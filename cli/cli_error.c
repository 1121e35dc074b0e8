/* cli_error.c - the one-line error messages every subcommand shares. */
#include <stdarg.h>
#include <stdio.h>

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
