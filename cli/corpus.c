/* corpus.c - where the bundled corpus is (corpus.h). */
#define _XOPEN_SOURCE 700 /* realpath */
#include "corpus.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef RECUR_DEFAULT_CORPUS
#define RECUR_DEFAULT_CORPUS "data/austen.txt"
#endif

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* <dir of the executable>/../share/recur/austen.txt, resolved, if it is a
 * readable file; else 0. Linux names the executable in /proc/self/exe. */
static int installed_corpus(char *out)
{
    char exe[PATH_MAX], path[PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return 0;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash)
        return 0;
    *slash = 0;
    snprintf(path, sizeof path, "%s/../share/recur/austen.txt", exe);
    return access(path, R_OK) == 0 && realpath(path, out) != NULL;
}

const char *cli_default_corpus(void)
{
    static char found[PATH_MAX];
    return installed_corpus(found) ? found : RECUR_DEFAULT_CORPUS;
}
