/* lines.h - the line-by-line reading the TSV loaders share (labelled text,
 * tsv.c; sequence pairs, pairs.c): the checks on the whole input, its line
 * count (what to allocate for), and the lines one by one with their numbers.
 * What a line must hold, and the messages that name it, stay with each
 * loader. */
#ifndef RECUR_DATA_LINES_H
#define RECUR_DATA_LINES_H

#include <stddef.h>

typedef struct {
    const unsigned char *s;
    size_t len, pos;
    long line; /* the line last returned, 1-based */
} line_reader;

/* Start on s[0..len): RECUR_E_FORMAT if it is empty, RECUR_E_LIMIT over
 * RECUR_MAX_TEXT_BYTES (messages start with name); *count receives its
 * number of lines, an upper bound on the examples it holds. */
int recur__lines_begin(line_reader *r, const char *s, size_t len, const char *name,
                       long *count);
/* The next line without its "\n" in *l, *n (r->line is its number): 1; or 0
 * at the end of the input. */
int recur__lines_next(line_reader *r, const unsigned char **l, size_t *n);

#endif
