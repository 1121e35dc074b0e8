/* file.c - the bounded whole-file reader that every loader uses (file.h). */
#define _XOPEN_SOURCE 700 /* realpath */
#include "io/file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"

int recur__file_open(const char *path, uint64_t max_bytes, const char *what, int *fd,
                     size_t *size)
{
    struct stat st;
    *fd = -1;
    if (!path)
        return recur__fail(RECUR_E_INVALID, "no file name");
    int f = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (f < 0)
        return recur__fail(RECUR_E_IO, "%s: cannot open: %s", path, strerror(errno));
    int rc = RECUR_OK;
    if (fstat(f, &st) != 0)
        rc = recur__fail(RECUR_E_IO, "%s: cannot stat: %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = recur__fail(RECUR_E_IO, "%s: not a regular file", path);
    else if ((uint64_t)st.st_size > max_bytes || (uint64_t)st.st_size > SIZE_MAX / 2)
        rc = recur__fail(RECUR_E_LIMIT, "%s: %lld bytes is over the %llu-byte limit for %s "
                        "(a file over the limit is refused before it is read)", path,
                        (long long)st.st_size, (unsigned long long)max_bytes, what);
    if (rc) {
        close(f);
        return rc;
    }
    *fd = f;
    *size = (size_t)st.st_size;
    return RECUR_OK;
}

int recur__file_read_all(int fd, void *buf, size_t size, const char *path)
{
    size_t got = 0;
    while (got < size) {
        size_t chunk = size - got < (1u << 30) ? size - got : (1u << 30);
        ssize_t k = read(fd, (char *)buf + got, chunk);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return recur__fail(RECUR_E_IO, "%s: read failed: %s", path, strerror(errno));
        if (k == 0)
            return recur__fail(RECUR_E_IO, "%s: the file shrank while it was read", path);
        got += (size_t)k;
    }
    return RECUR_OK;
}

int recur__read_file(const char *path, uint64_t max_bytes, const char *what, int nonempty,
                     char **data, size_t *len)
{
    int fd, rc;
    size_t size;
    *data = NULL;
    *len = 0;
    if ((rc = recur__file_open(path, max_bytes, what, &fd, &size)))
        return rc;
    if (size == 0 && nonempty) {
        close(fd);
        return recur__fail(RECUR_E_FORMAT, "%s: the file is empty", path);
    }
    char *buf = malloc(size + 1);
    if (!buf) {
        close(fd);
        return recur__fail(RECUR_E_NOMEM, "out of memory reading %s", path);
    }
    rc = recur__file_read_all(fd, buf, size, path);
    char extra;
    ssize_t more = 0;
    while (!rc && (more = read(fd, &extra, 1)) < 0 && errno == EINTR)
        ;
    close(fd);
    if (!rc && more != 0)
        rc = recur__fail(RECUR_E_IO, "%s: the file changed while it was read", path);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[size] = 0;
    *data = buf;
    *len = size;
    return RECUR_OK;
}

int recur__save_target(const char *path, char **out)
{
    struct stat st, lst;
    *out = NULL;
    if (stat(path, &st) != 0) { /* nothing there (or a dangling link): path */
        if (!(*out = strdup(path)))
            return recur__fail(RECUR_E_NOMEM, "%s: out of memory", path);
        return RECUR_OK;
    }
    if (!S_ISREG(st.st_mode))
        return recur__fail(RECUR_E_IO, "%s is not a regular file (a device, pipe or "
                                       "directory): refusing to replace it",
                           path);
    if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
        if (!(*out = realpath(path, NULL)))
            return recur__fail(RECUR_E_IO, "%s: cannot resolve the link: %s", path,
                               strerror(errno));
        return RECUR_OK;
    }
    if (!(*out = strdup(path)))
        return recur__fail(RECUR_E_NOMEM, "%s: out of memory", path);
    return RECUR_OK;
}
