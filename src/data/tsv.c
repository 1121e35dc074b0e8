/* tsv.c - labelled text for sequence classification: LABEL<TAB>TEXT lines
 * read and checked (UTF-8, sizes, escapes), a seeded train/test split, the
 * label and character vocabularies of a classifier, its class names in the
 * model's metadata, and examples encoded as a recur_dataset. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"
#include "core/utf8.h"
#include "data/lines.h"
#include "data/text.h"
#include "data/words.h"
#include "io/file.h"
#include "recur.h"

struct recur_tsv {
    char *name;      /* what messages call the input */
    int flags;
    long count;
    long *label_off; /* [count] into labels */
    char *labels;    /* NUL-terminated labels, one after another */
    long *text_off;  /* [count + 1] into cps */
    uint32_t *cps;
    long *line;      /* [count] */
    long skipped[RECUR_TSV_BAD_KINDS], first_skipped[RECUR_TSV_BAD_KINDS];
};

void recur_tsv_free(recur_tsv *t)
{
    if (!t)
        return;
    free(t->label_off);
    free(t->labels);
    free(t->text_off);
    free(t->cps);
    free(t->line);
    free(t->name);
    free(t);
}

long recur_tsv_count(const recur_tsv *t) { return t->count; }

const char *recur_tsv_label(const recur_tsv *t, long i)
{
    return i >= 0 && i < t->count ? t->labels + t->label_off[i] : NULL;
}

const uint32_t *recur_tsv_text(const recur_tsv *t, long i, long *len)
{
    if (i < 0 || i >= t->count) {
        *len = 0;
        return NULL;
    }
    *len = t->text_off[i + 1] - t->text_off[i];
    return t->cps + t->text_off[i];
}

long recur_tsv_line(const recur_tsv *t, long i)
{
    return i >= 0 && i < t->count ? t->line[i] : 0;
}

long recur_tsv_skipped(const recur_tsv *t, int kind, long *first_line)
{
    long n = 0, first = 0;
    for (int k = 0; t && k < RECUR_TSV_BAD_KINDS; k++)
        if ((kind == -1 || kind == k) && t->skipped[k]) {
            n += t->skipped[k];
            if (!first || t->first_skipped[k] < first)
                first = t->first_skipped[k];
        }
    if (first_line)
        *first_line = first;
    return n;
}

const char *recur_tsv_bad_name(int kind)
{
    static const char *const names[RECUR_TSV_BAD_KINDS] = {
        "invalid UTF-8 or a NUL byte", "an unknown escape or a lone backslash",
        "a missing, empty or bad label", "an empty text", "a line over the length limit"};
    return kind >= 0 && kind < RECUR_TSV_BAD_KINDS ? names[kind] : "unknown";
}

/* ---- parsing ----------------------------------------------------------------- */


/* Decode the text s[0..n) of line `line` onto t->cps (escapes per flags). */
static int parse_text(recur_tsv *t, long *ncps, const unsigned char *s, size_t n,
                      size_t col0, int flags, const char *name, long line, int *bad)
{
    *bad = RECUR_TSV_BAD_ENCODING;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int k = recur__utf8_decode(s + i, n - i, &cp);
        if (!k)
            return recur__fail(RECUR_E_FORMAT, "%s: line %ld: invalid UTF-8 at byte %zu "
                              "of the line", name, line, col0 + i + 1);
        i += (size_t)k;
        if (cp == '\\' && (flags & RECUR_TSV_ESCAPES)) {
            *bad = RECUR_TSV_BAD_ESCAPE;
            if (i >= n)
                return recur__fail(RECUR_E_FORMAT, "%s: line %ld: a lone backslash ends "
                                  "the text (write \\\\ for a backslash)", name, line);
            uint32_t e;
            k = recur__utf8_decode(s + i, n - i, &e);
            if (!k)
                return recur__fail(RECUR_E_FORMAT, "%s: line %ld: invalid UTF-8 at "
                                  "byte %zu of the line", name, line, col0 + i + 1);
            i += (size_t)k;
            *bad = RECUR_TSV_BAD_ENCODING;
            if (e == 'n')
                cp = '\n';
            else if (e == 't')
                cp = '\t';
            else if (e == '\\')
                cp = '\\';
            else {
                char what[32];
                *bad = RECUR_TSV_BAD_ESCAPE;
                recur__describe_char(e, what, sizeof what);
                return recur__fail(RECUR_E_FORMAT, "%s: line %ld: unknown escape: a "
                                  "backslash before %s (the escapes are \\n, \\t and "
                                  "\\\\)", name, line, what);
            }
        }
        t->cps[(*ncps)++] = cp;
    }
    return RECUR_OK;
}

/* Line `line`, l[0..n): an example appended to t, nothing (an empty line),
 * or an error; *bad receives the kind of a line RECUR_TSV_SKIP_BAD skips. */
static int parse_line(recur_tsv *t, const unsigned char *l, size_t n, const char *name,
                      int flags, long line, long *nlab, long *ncps, int *bad)
{
    if (n > (size_t)RECUR_TSV_MAX_LINE_BYTES) {
        *bad = RECUR_TSV_BAD_LONG;
        return recur__fail(RECUR_E_LIMIT, "%s: line %ld has %zu bytes, over the limit of "
                          "%ld for a line", name, line, n, (long)RECUR_TSV_MAX_LINE_BYTES);
    }
    *bad = RECUR_TSV_BAD_ENCODING;
    if (memchr(l, 0, n))
        return recur__fail(RECUR_E_FORMAT, "%s: line %ld: a NUL byte: this looks like a "
                          "binary file, not text", name, line);
    if (n > 0 && l[n - 1] == '\r')
        n--;
    if (n == 0)
        return RECUR_OK;
    const unsigned char *text = l;
    size_t tlen = n, lablen = 0;
    if (!(flags & RECUR_TSV_UNLABELLED)) {
        *bad = RECUR_TSV_BAD_LABEL;
        const unsigned char *tab = memchr(l, '\t', n);
        if (!tab)
            return recur__fail(RECUR_E_FORMAT, "%s: line %ld: no tab: expected "
                              "LABEL<TAB>TEXT", name, line);
        lablen = (size_t)(tab - l);
        if (lablen == 0)
            return recur__fail(RECUR_E_FORMAT, "%s: line %ld: the label is empty (the "
                              "line starts with a tab)", name, line);
        if (lablen > RECUR_TSV_MAX_LABEL_BYTES)
            return recur__fail(RECUR_E_LIMIT, "%s: line %ld: a label of %zu bytes is over "
                              "the limit of %d", name, line, lablen,
                              RECUR_TSV_MAX_LABEL_BYTES);
        for (size_t i = 0; i < lablen; i++)
            if (l[i] < 0x20 || l[i] == 0x7F)
                return recur__fail(RECUR_E_FORMAT, "%s: line %ld: the label holds a "
                                  "control character (U+%04X)", name, line,
                                  (unsigned)l[i]);
        if (!recur__utf8_valid((const char *)l, lablen)) {
            *bad = RECUR_TSV_BAD_ENCODING;
            return recur__fail(RECUR_E_FORMAT, "%s: line %ld: the label is not valid "
                              "UTF-8", name, line);
        }
        text = tab + 1;
        tlen = n - lablen - 1;
    }
    long start = *ncps;
    int rc = parse_text(t, ncps, text, tlen, (size_t)(text - l), flags, name, line, bad);
    if (!rc && *ncps == start) {
        *bad = RECUR_TSV_BAD_EMPTY;
        rc = recur__fail(RECUR_E_FORMAT, "%s: line %ld: the text is empty", name, line);
    }
    if (rc) {
        *ncps = start; /* a skipped line leaves nothing behind */
        return rc;
    }
    *bad = -1;
    t->label_off[t->count] = *nlab;
    memcpy(t->labels + *nlab, l, lablen);
    *nlab += (long)lablen;
    t->labels[(*nlab)++] = 0;
    t->line[t->count] = line;
    t->text_off[++t->count] = *ncps;
    return RECUR_OK;
}

static int parse(recur_tsv *t, const char *s, size_t len, const char *name, int flags)
{
    line_reader r;
    long lines;
    int rc = recur__lines_begin(&r, s, len, name, &lines);
    if (rc)
        return rc;
    t->label_off = malloc((size_t)lines * sizeof *t->label_off);
    t->labels = malloc(len + 1);
    t->text_off = malloc((size_t)(lines + 1) * sizeof *t->text_off);
    t->cps = malloc(len * sizeof *t->cps);
    t->line = malloc((size_t)lines * sizeof *t->line);
    if (!t->label_off || !t->labels || !t->text_off || !t->cps || !t->line)
        return recur__fail(RECUR_E_NOMEM, "out of memory reading %s", name);
    long nlab = 0, ncps = 0;
    t->text_off[0] = 0;
    const unsigned char *l;
    size_t n;
    while (recur__lines_next(&r, &l, &n)) {
        long line = r.line;
        if (line == 1 && (flags & RECUR_TSV_HEADER)) { /* never skipped */
            if (n > (size_t)RECUR_TSV_MAX_LINE_BYTES)
                return recur__fail(RECUR_E_LIMIT, "%s: line 1 has %zu bytes, over the "
                                  "limit of %ld for a line", name, n,
                                  (long)RECUR_TSV_MAX_LINE_BYTES);
            if (memchr(l, 0, n))
                return recur__fail(RECUR_E_FORMAT, "%s: line 1: a NUL byte: this looks "
                                  "like a binary file, not text", name);
            if (n > 0 && l[n - 1] == '\r')
                n--;
            if (!recur__utf8_valid((const char *)l, n))
                return recur__fail(RECUR_E_FORMAT, "%s: line 1 (the header): invalid "
                                  "UTF-8", name);
            continue;
        }
        int bad = -1;
        rc = parse_line(t, l, n, name, flags, line, &nlab, &ncps, &bad);
        if (rc && bad >= 0 && (flags & RECUR_TSV_SKIP_BAD)) {
            if (!t->skipped[bad]++)
                t->first_skipped[bad] = line;
            continue;
        }
        if (rc)
            return rc;
    }
    long skipped = recur_tsv_skipped(t, -1, NULL);
    if (t->count == 0 && skipped)
        return recur__fail(RECUR_E_FORMAT, "%s: no examples: all %ld non-empty lines%s "
                          "are bad and were skipped", name, skipped,
                          flags & RECUR_TSV_HEADER ? " after the header" : "");
    if (t->count == 0)
        return recur__fail(RECUR_E_FORMAT, "%s: no examples (only empty lines%s)", name,
                          flags & RECUR_TSV_HEADER ? " after the header" : "");
    return RECUR_OK;
}

int recur_tsv_from_memory(const char *data, size_t len, const char *name, int flags,
                          recur_tsv **out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "no output for the examples");
    *out = NULL;
    if (!data && len)
        return recur__fail(RECUR_E_INVALID, "no input buffer");
    if (!name)
        name = "input";
    if (flags & ~(RECUR_TSV_ESCAPES | RECUR_TSV_HEADER | RECUR_TSV_UNLABELLED |
                  RECUR_TSV_SKIP_BAD))
        return recur__fail(RECUR_E_INVALID, "unknown TSV flags 0x%x", (unsigned)flags);
    recur_tsv *t = calloc(1, sizeof *t);
    if (!t || !(t->name = strdup(name))) {
        free(t);
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    t->flags = flags;
    int rc = parse(t, data, len, name, flags);
    if (rc) {
        recur_tsv_free(t);
        return rc;
    }
    *out = t;
    return RECUR_OK;
}

int recur_tsv_load(const char *path, int flags, recur_tsv **out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "no output for the examples");
    *out = NULL;
    char *buf;
    size_t len;
    int rc = recur__read_file(path, (uint64_t)RECUR_MAX_TEXT_BYTES, "a text file", 1, &buf,
                              &len);
    if (rc)
        return rc;
    rc = recur_tsv_from_memory(buf, len, path, flags, out);
    free(buf);
    return rc;
}

/* ---- the train/test split ------------------------------------------------------ */

typedef struct {
    const char *label;
    long index;
} labelled_index;

static int cmp_by_label(const void *a, const void *b)
{
    const labelled_index *x = a, *y = b;
    int c = strcmp(x->label, y->label);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

static void shuffle(long *v, long n, rng *r)
{
    for (long i = n - 1; i > 0; i--) {
        long j = (long)recur__rng_below(r, (uint64_t)i + 1), x = v[i];
        v[i] = v[j];
        v[j] = x;
    }
}

/* Hold out round(fraction * n) of v[0..n), at most n - 1, marking them. */
static void hold_out(long *v, long n, double fraction, rng *r, char *is_test)
{
    shuffle(v, n, r);
    long k = (long)floor(fraction * (double)n + 0.5);
    if (k > n - 1)
        k = n - 1;
    for (long i = 0; i < k; i++)
        is_test[v[i]] = 1;
}

int recur_tsv_split(const recur_tsv *t, double fraction, uint64_t seed, int stratified,
                    long *train, long *ntrain, long *test, long *ntest)
{
    if (!t || !train || !ntrain || !test || !ntest)
        return recur__fail(RECUR_E_INVALID, "recur_tsv_split: a NULL argument");
    if (!(fraction >= 0 && fraction < 1))
        return recur__fail(RECUR_E_INVALID, "the test fraction %g is outside [0, 1)",
                          fraction);
    long n = t->count;
    long *v = malloc((size_t)n * sizeof *v);
    char *is_test = calloc((size_t)n, 1);
    if (!v || !is_test) {
        free(v);
        free(is_test);
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    for (long i = 0; i < n; i++)
        v[i] = i;
    rng r;
    recur__rng_seed(&r, seed ^ 0x5EED5EED5EED5EEDULL);
    if (stratified) {
        labelled_index *li = malloc((size_t)n * sizeof *li);
        if (!li) {
            free(v);
            free(is_test);
            return recur__fail(RECUR_E_NOMEM, "out of memory");
        }
        for (long i = 0; i < n; i++)
            li[i] = (labelled_index){recur_tsv_label(t, i), i};
        qsort(li, (size_t)n, sizeof *li, cmp_by_label);
        for (long i = 0; i < n; i++)
            v[i] = li[i].index;
        for (long a = 0; a < n;) {
            long b = a + 1;
            while (b < n && strcmp(li[a].label, li[b].label) == 0)
                b++;
            hold_out(v + a, b - a, fraction, &r, is_test);
            a = b;
        }
        free(li);
    } else {
        hold_out(v, n, fraction, &r, is_test);
    }
    *ntrain = *ntest = 0;
    for (long i = 0; i < n; i++) {
        if (is_test[i])
            test[(*ntest)++] = i;
        else
            train[(*ntrain)++] = i;
    }
    free(v);
    free(is_test);
    return RECUR_OK;
}

/* ---- vocabularies ---------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

void recur_tsv_vocab_free(char **classes, int nclasses, uint32_t *chars)
{
    if (classes)
        for (int i = 0; i < nclasses; i++)
            free(classes[i]);
    free(classes);
    free(chars);
}

static int build_classes(const recur_tsv *t, const long *idx, long n, char ***classes,
                         int *nclasses)
{
    const char **names = malloc((size_t)(n ? n : 1) * sizeof *names);
    if (!names)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    for (long i = 0; i < n; i++)
        names[i] = recur_tsv_label(t, idx ? idx[i] : i);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    long k = 0;
    for (long i = 0; i < n; i++)
        if (k == 0 || strcmp(names[k - 1], names[i]) != 0)
            names[k++] = names[i];
    if (k > RECUR_MAX_WIDTH) {
        free(names);
        return recur__fail(RECUR_E_LIMIT, "%ld distinct labels: over the limit of %d "
                          "classes", k, RECUR_MAX_WIDTH);
    }
    char **out = calloc((size_t)(k ? k : 1), sizeof *out);
    int rc = out ? RECUR_OK : RECUR_E_NOMEM;
    for (long i = 0; !rc && i < k; i++)
        if (!(out[i] = strdup(names[i])))
            rc = RECUR_E_NOMEM;
    free(names);
    if (rc) {
        recur_tsv_vocab_free(out, (int)k, NULL);
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    *classes = out;
    *nclasses = (int)k;
    return RECUR_OK;
}

static int build_chars(const recur_tsv *t, const long *idx, long n, int min_count,
                       uint32_t **chars, int *nchars)
{
    /* Basic Multilingual Plane characters are counted in a table; the rare
     * others are collected and sorted. */
    long *bmp = calloc(0x10000, sizeof *bmp);
    long nastral = 0, cap = 0;
    uint32_t *astral = NULL;
    if (!bmp)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    for (long e = 0; e < n; e++) {
        long len;
        const uint32_t *s = recur_tsv_text(t, idx ? idx[e] : e, &len);
        for (long i = 0; i < len; i++) {
            if (s[i] < 0x10000) {
                bmp[s[i]]++;
                continue;
            }
            if (nastral == cap) {
                cap = cap ? 2 * cap : 256;
                uint32_t *a = realloc(astral, (size_t)cap * sizeof *a);
                if (!a) {
                    free(bmp);
                    free(astral);
                    return recur__fail(RECUR_E_NOMEM, "out of memory");
                }
                astral = a;
            }
            astral[nastral++] = s[i];
        }
    }
    if (nastral)
        qsort(astral, (size_t)nastral, sizeof *astral, cmp_u32);
    bmp[RECUR_UNKNOWN_CHAR] = min_count > 0 ? min_count : 1; /* always present */
    long k = 0;
    for (long c = 1; c < 0x10000; c++)
        k += bmp[c] >= min_count && bmp[c] > 0;
    for (long i = 0; i < nastral;) {
        long j = i;
        while (j < nastral && astral[j] == astral[i])
            j++;
        k += j - i >= min_count;
        i = j;
    }
    if (k > RECUR_MAX_VOCAB) {
        free(bmp);
        free(astral);
        return recur__fail(RECUR_E_LIMIT, "%ld distinct characters: over the limit of "
                          "%d", k, RECUR_MAX_VOCAB);
    }
    uint32_t *v = malloc((size_t)k * sizeof *v);
    if (!v) {
        free(bmp);
        free(astral);
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    long m = 0;
    for (long c = 1; c < 0x10000; c++)
        if (bmp[c] >= min_count && bmp[c] > 0)
            v[m++] = (uint32_t)c;
    for (long i = 0; i < nastral;) {
        long j = i;
        while (j < nastral && astral[j] == astral[i])
            j++;
        if (j - i >= min_count)
            v[m++] = astral[i];
        i = j;
    }
    free(bmp);
    free(astral);
    *chars = v;
    *nchars = (int)k;
    return RECUR_OK;
}

int recur_tsv_vocab(const recur_tsv *t, const long *idx, long n, int min_count,
                    char ***classes, int *nclasses, uint32_t **chars, int *nchars)
{
    if (!t || !classes || !nclasses || !chars || !nchars)
        return recur__fail(RECUR_E_INVALID, "recur_tsv_vocab: a NULL argument");
    *classes = NULL;
    *chars = NULL;
    *nclasses = *nchars = 0;
    if (!idx)
        n = t->count;
    if (n < 1)
        return recur__fail(RECUR_E_INVALID, "no examples to build a vocabulary from");
    for (long i = 0; idx && i < n; i++)
        if (idx[i] < 0 || idx[i] >= t->count)
            return recur__fail(RECUR_E_INVALID, "example index %ld is out of range",
                              idx[i]);
    int rc = build_classes(t, idx, n, classes, nclasses);
    if (!rc && (rc = build_chars(t, idx, n, min_count, chars, nchars))) {
        recur_tsv_vocab_free(*classes, *nclasses, NULL);
        *classes = NULL;
        *nclasses = 0;
    }
    return rc;
}

/* ---- class names in the model ------------------------------------------------------ */

#define CLASSES_KEY "classes"

int recur_model_set_classes(recur_model *m, const char *const *names, int n)
{
    if (!m || !names)
        return recur__fail(RECUR_E_INVALID, "recur_model_set_classes: a NULL argument");
    int O = recur_model_get_config(m)->output_size;
    if (n != O || n < 1)
        return recur__fail(RECUR_E_MISMATCH, "%d class names for a model with %d "
                          "outputs", n, O);
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        size_t len = names[i] ? strlen(names[i]) : 0;
        if (len == 0 || len > RECUR_TSV_MAX_LABEL_BYTES ||
            !recur__utf8_valid(names[i], len))
            return recur__fail(RECUR_E_INVALID, "class name %d is empty, too long or "
                              "not UTF-8", i + 1);
        for (size_t k = 0; k < len; k++)
            if ((unsigned char)names[i][k] < 0x20 || names[i][k] == 0x7F)
                return recur__fail(RECUR_E_INVALID, "class name %d holds a control "
                                  "character", i + 1);
        for (int j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                return recur__fail(RECUR_E_INVALID, "class name '%s' appears twice",
                                  names[i]);
        total += len + 1;
    }
    char *joined = malloc(total);
    if (!joined)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        memcpy(joined + o, names[i], len);
        o += len;
        joined[o++] = i + 1 < n ? '\t' : 0;
    }
    int rc = recur_model_set_meta(m, CLASSES_KEY, joined);
    free(joined);
    return rc;
}

int recur_model_get_classes(const recur_model *m, char ***names, int *n)
{
    if (!m || !names || !n)
        return recur__fail(RECUR_E_INVALID, "recur_model_get_classes: a NULL argument");
    *names = NULL;
    *n = 0;
    const char *s = recur_model_get_meta(m, CLASSES_KEY);
    if (!s)
        return recur__fail(RECUR_E_MISMATCH, "the model has no class names (it is not "
                                            "a classifier)");
    int O = recur_model_get_config(m)->output_size, k = 1;
    for (const char *p = s; *p; p++)
        k += *p == '\t';
    if (k != O)
        return recur__fail(RECUR_E_MISMATCH, "the model has %d class names for %d "
                          "outputs", k, O);
    char **v = calloc((size_t)k, sizeof *v);
    if (!v)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    const char *p = s;
    for (int i = 0; i < k; i++) {
        size_t len = strcspn(p, "\t");
        v[i] = malloc(len + 1);
        if (!v[i]) {
            recur_tsv_vocab_free(v, k, NULL);
            return recur__fail(RECUR_E_NOMEM, "out of memory");
        }
        memcpy(v[i], p, len);
        v[i][len] = 0;
        if (len == 0) {
            recur_tsv_vocab_free(v, k, NULL);
            return recur__fail(RECUR_E_FORMAT, "the model's class name %d is empty",
                              i + 1);
        }
        p += len + (p[len] == '\t');
    }
    *names = v;
    *n = k;
    return RECUR_OK;
}

/* ---- examples as a data set ------------------------------------------------------------ */

typedef struct {
    const char *name;
    int id;
} named_id;

static int cmp_named(const void *a, const void *b)
{
    return strcmp(((const named_id *)a)->name, ((const named_id *)b)->name);
}

void recur_tsv_dataset_free(recur_dataset *ds)
{
    if (!ds)
        return;
    free((void *)ds->offsets);
    free((void *)ds->tokens);
    free((void *)ds->labels);
    memset(ds, 0, sizeof *ds);
}

/* How a classifier reads a text: characters through a vocabulary, or words
 * through a word list. */
typedef struct {
    const uint32_t *chars;
    int nchars, unk_char;
    recur_vocab *words; /* NULL for a character model */
} text_encoder;

static int encoder_open(const recur_model *m, text_encoder *e)
{
    memset(e, 0, sizeof *e);
    const char *tok = recur_model_get_meta(m, "classify.tokens");
    if (tok && strcmp(tok, "words") == 0) {
        char **names;
        int n, rc = recur_model_get_words(m, &names, &n);
        if (!rc)
            rc = recur_vocab_from_names((const char *const *)names, n, 0, &e->words);
        recur_tsv_vocab_free(names, n, NULL);
        return rc;
    }
    e->chars = recur_model_get_vocab(m, &e->nchars);
    if (e->nchars <= 0)
        return recur__fail(RECUR_E_MISMATCH, "the model has no character vocabulary");
    e->unk_char = recur__text_vocab_index(e->chars, e->nchars, RECUR_UNKNOWN_CHAR);
    return RECUR_OK;
}

/* The tokens of s[0..len) (at most max_len; 0: all) into out (room for
 * len), their number in *k; *nunk counts unknown ones. */
static int encode_text(const text_encoder *e, const recur_tsv *t, long i, int max_len,
                       int32_t *out, long *k, long *nunk)
{
    long len;
    const uint32_t *s = recur_tsv_text(t, i, &len);
    *k = 0;
    if (e->words) {
        uint32_t w[RECUR_WORD_MAX_CHARS];
        char u[4 * RECUR_WORD_MAX_CHARS + 1];
        long pos = 0;
        int wl;
        while ((max_len == 0 || *k < max_len) && recur__word_next(s, len, &pos, w, &wl)) {
            recur__word_utf8(w, wl, u);
            int id = recur_vocab_id(e->words, u);
            *nunk += id == recur_vocab_unk(e->words);
            out[(*k)++] = id;
        }
        if (*k == 0) /* no words at all: one unknown one */
            out[(*k)++] = recur_vocab_unk(e->words), ++*nunk;
        return RECUR_OK;
    }
    if (max_len > 0 && len > max_len)
        len = max_len;
    for (long j = 0; j < len; j++) {
        int id = recur__text_vocab_index(e->chars, e->nchars, s[j]);
        if (id < 0) {
            if (e->unk_char < 0) {
                char what[32];
                recur__describe_char(s[j], what, sizeof what);
                return recur__fail(RECUR_E_MISMATCH, "%s: line %ld: character %s is not "
                                  "in the model's vocabulary", t->name, t->line[i], what);
            }
            id = e->unk_char;
            ++*nunk;
        }
        out[(*k)++] = id;
    }
    return RECUR_OK;
}

int recur_tsv_dataset(const recur_tsv *t, const long *idx, long n, const recur_model *m,
                      int max_len, recur_dataset *ds, long *unknown)
{
    if (!t || !m || !ds)
        return recur__fail(RECUR_E_INVALID, "recur_tsv_dataset: a NULL argument");
    memset(ds, 0, sizeof *ds);
    if (unknown)
        *unknown = 0;
    if (!idx)
        n = t->count;
    if (n < 1)
        return recur__fail(RECUR_E_INVALID, "no examples");
    if (max_len < 0)
        return recur__fail(RECUR_E_INVALID, "maximum length must be >= 0");
    const recur_config *c = recur_model_get_config(m);
    if (c->input == RECUR_INPUT_DENSE || c->loss != RECUR_LOSS_XENT ||
        c->readout == RECUR_READOUT_SEQUENCE)
        return recur__fail(RECUR_E_MISMATCH, "the model is not a text classifier (it "
                          "needs token input, cross-entropy and a last or mean "
                          "readout)");
    text_encoder enc;
    char **classes = NULL;
    int ncls = 0, rc = encoder_open(m, &enc);
    if (rc)
        return rc;
    int labelled = !(t->flags & RECUR_TSV_UNLABELLED);
    if (labelled && (rc = recur_model_get_classes(m, &classes, &ncls))) {
        recur_vocab_free(enc.words);
        return rc;
    }
    named_id *sorted = malloc((size_t)(ncls ? ncls : 1) * sizeof *sorted);
    long *off = malloc((size_t)(n + 1) * sizeof *off);
    int32_t *lab = malloc((size_t)n * sizeof *lab);
    int32_t *tok = NULL;
    long steps = 0; /* room: a text has at least as many characters as tokens */
    for (long e = 0; e < n; e++) {
        long i = idx ? idx[e] : e;
        if (i < 0 || i >= t->count) {
            rc = recur__fail(RECUR_E_INVALID, "example index %ld is out of range", i);
            goto fail;
        }
        long len = t->text_off[i + 1] - t->text_off[i];
        steps += max_len > 0 && len > max_len && !enc.words ? max_len : len;
    }
    tok = malloc((size_t)steps * sizeof *tok);
    if (!sorted || !off || !lab || !tok) {
        rc = recur__fail(RECUR_E_NOMEM, "out of memory");
        goto fail;
    }
    for (int k = 0; k < ncls; k++)
        sorted[k] = (named_id){classes[k], k};
    qsort(sorted, (size_t)ncls, sizeof *sorted, cmp_named);
    off[0] = 0;
    long o = 0, nunk = 0;
    for (long e = 0; e < n; e++) {
        long i = idx ? idx[e] : e, k;
        if ((rc = encode_text(&enc, t, i, max_len, tok + o, &k, &nunk)))
            goto fail;
        o += k;
        off[e + 1] = o;
        lab[e] = 0;
        const char *name = recur_tsv_label(t, i);
        if (labelled) {
            named_id key = {name, 0};
            const named_id *hit = *name ? bsearch(&key, sorted, (size_t)ncls,
                                                  sizeof *sorted, cmp_named) : NULL;
            if (!hit) {
                rc = recur__fail(RECUR_E_MISMATCH, "%s: line %ld: label '%s' is not "
                                "one of the model's %d classes", t->name, t->line[i],
                                name, ncls);
                goto fail;
            }
            lab[e] = hit->id;
        }
    }
    free(sorted);
    recur_tsv_vocab_free(classes, ncls, NULL);
    recur_vocab_free(enc.words);
    ds->count = n;
    ds->offsets = off;
    ds->tokens = tok;
    ds->labels = lab;
    if (unknown)
        *unknown = nunk;
    return RECUR_OK;
fail:
    free(sorted);
    free(off);
    free(lab);
    free(tok);
    recur_tsv_vocab_free(classes, ncls, NULL);
    recur_vocab_free(enc.words);
    return rc;
}
