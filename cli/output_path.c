/* output_path.c - where an output file written by a temporary file and a
 * rename may go (commands.h: cli_output_path). */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"

int cli_output_path(const char *path, char **out)
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
