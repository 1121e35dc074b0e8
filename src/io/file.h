/* file.h - the one bounded file reader behind every loader (text, labelled
 * text, sequence pairs, series CSV, safetensors): a regular file whose size
 * is checked against a limit before anything is allocated. */
#ifndef RECUR_FILE_H
#define RECUR_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Open path read-only as a regular file (O_NONBLOCK: a FIFO cannot hang the
 * open) and give its size; RECUR_E_LIMIT, before any allocation, when it is
 * over max_bytes ("PATH: N bytes is over the M-byte limit for WHAT ..."). */
int recur__file_open(const char *path, uint64_t max_bytes, const char *what, int *fd,
                     size_t *size);
/* Read exactly size bytes from fd (retrying short reads and EINTR). */
int recur__file_read_all(int fd, void *buf, size_t size, const char *path);
/* The whole file into *data (malloc'd, one NUL byte after the end so that a
 * parser may look one past it) and its length; with nonempty, an empty file
 * is RECUR_E_FORMAT "PATH: the file is empty". A file that grows or shrinks
 * while it is read is RECUR_E_IO. */
int recur__read_file(const char *path, uint64_t max_bytes, const char *what, int nonempty,
                     char **data, size_t *len);

/* Where a save to path may write its temporary file and rename it: path
 * itself when nothing is there yet or a regular file is, the file a
 * symbolic link points to (so that the link stays a link), and
 * RECUR_E_IO "PATH is not a regular file ..." for a device, FIFO, socket
 * or directory, which a rename would replace (/dev/null with a model).
 * *out is malloc'd. */
int recur__save_target(const char *path, char **out);

#endif
