/* conll.c - tagged sentences for sequence tagging: WORD<TAB>TAG lines with an
 * empty line after each sentence (CoNLL style), read and checked (UTF-8,
 * field and sentence sizes, one tab) before anything is kept. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/utf8.h"
#include "data/lines.h"
#include "io/file.h"
#include "recur.h"

struct recur_conll {
    int flags;
    long count, nwords;
    long *sent_off;   /* [count + 1] into words/tags */
    long *line;       /* [count]: line of the sentence's first word */
    char *strings;    /* every word and tag, NUL-terminated */
    const char **words, **tags; /* [nwords]; tags NULL when untagged */
};

void recur_conll_free(recur_conll *c)
{
    if (!c)
        return;
    free(c->sent_off);
    free(c->line);
    free(c->strings);
    free(c->words);
    free(c->tags);
    free(c);
}

long recur_conll_count(const recur_conll *c) { return c ? c->count : 0; }
long recur_conll_words(const recur_conll *c) { return c ? c->nwords : 0; }

const char *const *recur_conll_sentence(const recur_conll *c, long i, int *n,
                                        const char *const **tags)
{
    if (!c || i < 0 || i >= c->count) {
        if (n)
            *n = 0;
        if (tags)
            *tags = NULL;
        return NULL;
    }
    long o = c->sent_off[i];
    if (n)
        *n = (int)(c->sent_off[i + 1] - o);
    if (tags)
        *tags = c->tags ? (const char *const *)c->tags + o : NULL;
    return (const char *const *)c->words + o;
}

long recur_conll_line(const recur_conll *c, long i)
{
    return c && i >= 0 && i < c->count ? c->line[i] : 0;
}

/* ---- parsing ------------------------------------------------------------------ */

/* Check field s[0..n) (the word or the tag) of line `line`. */
static int check_field(const unsigned char *s, size_t n, const char *what, const char *name,
                       long line)
{
    if (n == 0)
        return recur__fail(RECUR_E_FORMAT, "%s: line %ld: the %s is empty%s", name, line,
                          what, what[0] == 'w' ? " (the line starts with a tab)" : "");
    if (n > RECUR_CONLL_MAX_FIELD_BYTES)
        return recur__fail(RECUR_E_LIMIT, "%s: line %ld: a %s of %zu bytes is over the "
                          "limit of %d", name, line, what, n, RECUR_CONLL_MAX_FIELD_BYTES);
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] == 0x7F)
            return recur__fail(RECUR_E_FORMAT, "%s: line %ld: the %s holds a %s "
                              "(U+%04X)", name, line, what,
                              s[i] == '\t' ? "second tab" : "control character",
                              (unsigned)s[i]);
    if (!recur__utf8_valid((const char *)s, n))
        return recur__fail(RECUR_E_FORMAT, "%s: line %ld: the %s is not valid UTF-8",
                          name, line, what);
    return RECUR_OK;
}

static int blank(const unsigned char *l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (l[i] != ' ')
            return 0;
    return 1;
}

/* Close the sentence being read (if any) at word nwords. */
static void end_sentence(recur_conll *c, long *first_line)
{
    if (c->sent_off[c->count] == c->nwords)
        return;
    c->line[c->count] = *first_line;
    c->sent_off[++c->count] = c->nwords;
    *first_line = 0;
}

static int parse(recur_conll *c, const char *s, size_t len, const char *name)
{
    line_reader r;
    long lines;
    int rc = recur__lines_begin(&r, s, len, name, &lines);
    if (rc)
        return rc;
    int tagged = !(c->flags & RECUR_CONLL_UNTAGGED);
    c->sent_off = malloc((size_t)(lines + 1) * sizeof *c->sent_off);
    c->line = malloc((size_t)lines * sizeof *c->line);
    c->strings = malloc(len + 2);
    c->words = malloc((size_t)lines * sizeof *c->words);
    if (tagged)
        c->tags = malloc((size_t)lines * sizeof *c->tags);
    if (!c->sent_off || !c->line || !c->strings || !c->words || (tagged && !c->tags))
        return recur__fail(RECUR_E_NOMEM, "out of memory reading %s", name);
    c->sent_off[0] = 0;
    size_t o = 0;
    long first_line = 0;
    const unsigned char *l;
    size_t n;
    while (recur__lines_next(&r, &l, &n)) {
        long line = r.line;
        if (memchr(l, 0, n))
            return recur__fail(RECUR_E_FORMAT, "%s: line %ld: a NUL byte: this looks "
                              "like a binary file, not text", name, line);
        if (n > 0 && l[n - 1] == '\r')
            n--;
        if (blank(l, n)) {
            end_sentence(c, &first_line);
            continue;
        }
        const unsigned char *tab = memchr(l, '\t', n);
        size_t wlen = tab ? (size_t)(tab - l) : n;
        if (tagged && !tab)
            return recur__fail(RECUR_E_FORMAT, "%s: line %ld: no tab: expected "
                              "WORD<TAB>TAG (or an empty line between sentences)",
                              name, line);
        rc = check_field(l, wlen, "word", name, line);
        if (rc)
            return rc;
        if (c->nwords - c->sent_off[c->count] >= RECUR_CONLL_MAX_WORDS)
            return recur__fail(RECUR_E_LIMIT, "%s: line %ld: the sentence from line %ld "
                              "has more than %d words (is an empty line missing "
                              "between sentences?)", name, line, first_line,
                              RECUR_CONLL_MAX_WORDS);
        if (!first_line)
            first_line = line;
        memcpy(c->strings + o, l, wlen);
        c->strings[o + wlen] = 0;
        c->words[c->nwords] = c->strings + o;
        o += wlen + 1;
        if (tagged) {
            size_t tlen = n - wlen - 1;
            rc = check_field(tab + 1, tlen, "tag", name, line);
            if (rc)
                return rc;
            memcpy(c->strings + o, tab + 1, tlen);
            c->strings[o + tlen] = 0;
            c->tags[c->nwords] = c->strings + o;
            o += tlen + 1;
        }
        c->nwords++;
    }
    end_sentence(c, &first_line);
    if (c->count == 0)
        return recur__fail(RECUR_E_FORMAT, "%s: no sentences (only empty lines)", name);
    return RECUR_OK;
}

int recur_conll_from_memory(const char *data, size_t len, const char *name, int flags,
                            recur_conll **out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "no output for the sentences");
    *out = NULL;
    if (!data && len)
        return recur__fail(RECUR_E_INVALID, "no input buffer");
    if (!name)
        name = "input";
    if (flags & ~RECUR_CONLL_UNTAGGED)
        return recur__fail(RECUR_E_INVALID, "unknown CoNLL flags 0x%x", (unsigned)flags);
    recur_conll *c = calloc(1, sizeof *c);
    if (!c)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    c->flags = flags;
    int rc = parse(c, data, len, name);
    if (rc) {
        recur_conll_free(c);
        return rc;
    }
    *out = c;
    return RECUR_OK;
}

int recur_conll_load(const char *path, int flags, recur_conll **out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "no output for the sentences");
    *out = NULL;
    if (!path)
        return recur__fail(RECUR_E_INVALID, "no file name");
    char *buf;
    size_t len;
    int rc = recur__read_file(path, (uint64_t)RECUR_MAX_TEXT_BYTES, "a tagged text", 1,
                              &buf, &len);
    if (rc)
        return rc;
    rc = recur_conll_from_memory(buf, len, path, flags, out);
    free(buf);
    return rc;
}
