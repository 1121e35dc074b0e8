/* lines.c - splitting a TSV input into numbered lines (lines.h). */
#include "data/lines.h"

#include <string.h>

#include "core/error.h"

int recur__lines_begin(line_reader *r, const char *s, size_t len, const char *name,
                       long *count)
{
    if (len == 0)
        return recur__fail(RECUR_E_FORMAT, "%s: the input is empty", name);
    if (len > (size_t)RECUR_MAX_TEXT_BYTES)
        return recur__fail(RECUR_E_LIMIT, "%s: %zu bytes is over the %ld-byte limit",
                          name, len, (long)RECUR_MAX_TEXT_BYTES);
    r->s = (const unsigned char *)s;
    r->len = len;
    r->pos = 0;
    r->line = 0;
    long lines = 1;
    for (const unsigned char *p = r->s; (p = memchr(p, '\n', len - (size_t)(p - r->s)));
         p++)
        lines++;
    *count = lines;
    return RECUR_OK;
}

int recur__lines_next(line_reader *r, const unsigned char **l, size_t *n)
{
    if (r->pos >= r->len)
        return 0;
    r->line++;
    *l = r->s + r->pos;
    const unsigned char *nl = memchr(*l, '\n', r->len - r->pos);
    *n = nl ? (size_t)(nl - *l) : r->len - r->pos;
    r->pos += *n + (nl != NULL);
    return 1;
}
