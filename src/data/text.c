/* text.c - UTF-8 text files as token streams, one token per code point. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/utf8.h"
#include "data/text.h"
#include "io/file.h"
#include "recur.h"

struct recur_text {
    int32_t *tokens;
    long n;
    uint32_t *vocab;
    int nvocab;
};

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

int recur__text_vocab_index(const uint32_t *vocab, int n, uint32_t cp)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (vocab[mid] == cp)
            return mid;
        if (vocab[mid] < cp)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}


/* The model's vocabulary must be sorted for the lookup: it is by
 * construction (recur_model_set_vocab checks). */
static int tokenize(recur_text *t, const unsigned char *s, size_t len,
                    const recur_model *vocab_of, const char *label)
{
    uint32_t *cps = malloc((len ? len : 1) * sizeof *cps);
    if (!cps)
        return recur__fail(RECUR_E_NOMEM, "out of memory reading %s", label);
    long n = 0, line = 1;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        if (s[i] == 0) {
            free(cps);
            return recur__fail(RECUR_E_FORMAT, "%s: a NUL byte at offset %zu: "
                              "this looks like a binary file, not text", label, i);
        }
        int k = recur__utf8_decode(s + i, len - i, &cp);
        if (!k) {
            free(cps);
            return recur__fail(RECUR_E_FORMAT, "%s: invalid UTF-8 at byte %zu "
                              "(line %ld): not a UTF-8 text file", label, i, line);
        }
        line += cp == '\n';
        cps[n++] = cp;
        i += (size_t)k;
    }
    t->n = n;
    t->tokens = malloc((size_t)(n ? n : 1) * sizeof *t->tokens);
    if (!t->tokens) {
        free(cps);
        return recur__fail(RECUR_E_NOMEM, "out of memory reading %s", label);
    }
    if (vocab_of) {
        int nv;
        const uint32_t *v = recur_model_get_vocab(vocab_of, &nv);
        if (nv <= 0) {
            free(cps);
            return recur__fail(RECUR_E_MISMATCH, "the model has no character "
                                                "vocabulary (not a text model)");
        }
        line = 1;
        for (long i = 0; i < n; i++) {
            int id = recur__text_vocab_index(v, nv, cps[i]);
            if (id < 0) {
                char what[48];
                recur__describe_char(cps[i], what, sizeof what);
                free(cps);
                return recur__fail(RECUR_E_MISMATCH, "%s: line %ld: character %s "
                                  "is not in the model's vocabulary", label, line, what);
            }
            line += cps[i] == '\n';
            t->tokens[i] = id;
        }
        t->vocab = malloc((size_t)nv * sizeof *t->vocab);
        if (!t->vocab) {
            free(cps);
            return recur__fail(RECUR_E_NOMEM, "out of memory");
        }
        memcpy(t->vocab, v, (size_t)nv * sizeof *v);
        t->nvocab = nv;
        free(cps);
        return RECUR_OK;
    }
    /* The vocabulary: sorted distinct code points. */
    uint32_t *sorted = malloc((size_t)(n ? n : 1) * sizeof *sorted);
    if (!sorted) {
        free(cps);
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    memcpy(sorted, cps, (size_t)n * sizeof *cps);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_u32);
    int nv = 0;
    for (long i = 0; i < n; i++)
        if (nv == 0 || sorted[nv - 1] != sorted[i]) {
            if (nv == RECUR_MAX_VOCAB) {
                free(cps);
                free(sorted);
                return recur__fail(RECUR_E_LIMIT, "%s has more than %d distinct "
                                  "characters", label, RECUR_MAX_VOCAB);
            }
            sorted[nv++] = sorted[i];
        }
    for (long i = 0; i < n; i++)
        t->tokens[i] = recur__text_vocab_index(sorted, nv, cps[i]);
    free(cps);
    t->vocab = sorted;
    t->nvocab = nv;
    return RECUR_OK;
}

static int text_make(const unsigned char *s, size_t len, const recur_model *vocab_of,
                     const char *label, recur_text **out)
{
    recur_text *t = calloc(1, sizeof *t);
    if (!t)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    int rc = tokenize(t, s, len, vocab_of, label);
    if (rc) {
        recur_text_free(t);
        return rc;
    }
    *out = t;
    return RECUR_OK;
}

int recur__text_from_string_labelled(const char *s, size_t len, const recur_model *vocab_of,
                              const char *label, recur_text **out)
{
    *out = NULL;
    return text_make((const unsigned char *)s, len, vocab_of, label, out);
}

int recur_text_from_string(const char *s, size_t len, const recur_model *vocab_of,
                           recur_text **out)
{
    return recur__text_from_string_labelled(s, len, vocab_of, "text", out);
}

int recur_text_load(const char *path, const recur_model *vocab_of, recur_text **out)
{
    *out = NULL;
    char *buf;
    size_t len;
    int rc = recur__read_file(path, (uint64_t)RECUR_MAX_TEXT_BYTES, "a text file", 1, &buf,
                              &len);
    if (rc)
        return rc;
    rc = text_make((const unsigned char *)buf, len, vocab_of, path, out);
    free(buf);
    return rc;
}

void recur_text_free(recur_text *t)
{
    if (!t)
        return;
    free(t->tokens);
    free(t->vocab);
    free(t);
}

const int32_t *recur_text_tokens(const recur_text *t, long *n)
{
    *n = t->n;
    return t->tokens;
}

const uint32_t *recur_text_vocab(const recur_text *t, int *n)
{
    *n = t->nvocab;
    return t->vocab;
}
