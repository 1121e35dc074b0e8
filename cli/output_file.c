/* output_file.c - writing an output file the way every CLI writer does
 * (commands.h: cli_write_output): a temporary file beside it, fsync,
 * rename, so that a failure leaves the old file as it was. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"

enum { OUTPUT_FILE, OUTPUT_STREAM, OUTPUT_ERROR };

/* Where the rename should land. OUTPUT_FILE: *out (malloc'd) is path, or
 * the file a symbolic link points to (so that the link stays a link).
 * OUTPUT_STREAM: a character device or a pipe (/dev/stdout, a FIFO), which
 * a rename would replace: written directly. OUTPUT_ERROR: a directory
 * (errno EISDIR) or socket (ENOTSUP), or no memory. */
static int output_target(const char *path, char **out)
{
    struct stat st, lst;
    *out = NULL;
    int exists = stat(path, &st) == 0;
    if (exists && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)))
        return OUTPUT_STREAM;
    if (exists && !S_ISREG(st.st_mode)) {
        errno = S_ISDIR(st.st_mode) ? EISDIR : ENOTSUP;
        return OUTPUT_ERROR;
    }
    if (exists && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
        *out = realpath(path, NULL);
    else
        *out = strdup(path);
    return *out ? OUTPUT_FILE : OUTPUT_ERROR;
}

int cli_write_output(const char *path, int (*fn)(const void *arg, FILE *f), const void *arg)
{
    char *target = NULL, *tmp = NULL;
    int kind = output_target(path, &target);
    if (kind == OUTPUT_ERROR)
        return -1;
    FILE *f = NULL;
    if (kind == OUTPUT_STREAM) {
        f = fopen(path, "w");
    } else {
        size_t cap = strlen(target) + 48;
        if ((tmp = malloc(cap))) {
            snprintf(tmp, cap, "%s.tmp.%ld", target, (long)getpid());
            int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
            if (fd >= 0 && !(f = fdopen(fd, "w"))) {
                int e = errno;
                close(fd);
                unlink(tmp);
                errno = e;
            }
        }
    }
    int rc = f ? fn(arg, f) : -1, saved = errno;
    if (f && !rc && (fflush(f) != 0 || ferror(f) || (tmp && fsync(fileno(f)) != 0)))
        rc = -1, saved = errno;
    if (f && fclose(f) != 0 && !rc)
        rc = -1, saved = errno;
    if (f && tmp && !rc && rename(tmp, target) != 0)
        rc = -1, saved = errno;
    if (f && tmp && rc)
        unlink(tmp);
    free(tmp);
    free(target);
    errno = saved;
    return rc;
}
