/* words.c - word tokens of labelled text for word classifiers and the word
 * naive Bayes baseline: lower-cased runs of letters, digits and apostrophes
 * (recur_text_words), the vocabulary of the training examples with a
 * minimum count and an unknown-word token (recur_tsv_word_vocab), and the
 * vocabulary kept in a model's metadata (recur_model_set_words). */
#include "data/words.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

/* Letters and digits: ASCII ones, and every code point from U+00C0 on
 * except the symbol and punctuation blocks below (a rule, not Unicode's
 * tables: the library carries none). */
static int is_word_char(uint32_t c)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (c < 0xC0 || c == 0xD7 || c == 0xF7)
        return 0;
    if ((c >= 0x2000 && c <= 0x2BFF) ||  /* punctuation, symbols, arrows, boxes */
        (c >= 0x3000 && c <= 0x303F) ||  /* CJK punctuation */
        (c >= 0xD800 && c <= 0xF8FF) ||  /* surrogates, private use */
        (c >= 0xFE00 && c <= 0xFE0F) ||  /* variation selectors */
        (c >= 0xFF00 && c <= 0xFF0F) ||  /* full-width punctuation */
        c >= 0xFFF0)                     /* specials (U+FFFD), emoji and beyond */
        return c >= 0x10000 && c < 0x1F000; /* but other astral scripts are letters */
    return 1;
}

static int is_apostrophe(uint32_t c) { return c == '\'' || c == 0x2019; }

/* Lower case for ASCII, Latin-1, Greek and Cyrillic capitals. */
static uint32_t lower(uint32_t c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) ||
        (c >= 0x391 && c <= 0x3AB && c != 0x3A2) || (c >= 0x410 && c <= 0x42F))
        return c + 0x20;
    if (c >= 0x400 && c <= 0x40F)
        return c + 0x50;
    return c;
}

int recur__word_next(const uint32_t *s, long len, long *pos, uint32_t *word, int *wlen)
{
    long i = *pos;
    while (i < len && !is_word_char(s[i]))
        i++; /* a word starts with a letter or digit ... */
    if (i >= len) {
        *pos = len;
        return 0;
    }
    long end = i;
    while (end < len && (is_word_char(s[end]) || is_apostrophe(s[end])))
        end++;
    long stop = end; /* ... and ends with one: "'tis'" reads as tis */
    while (stop > i && is_apostrophe(s[stop - 1]))
        stop--;
    int n = 0;
    for (long k = i; k < stop && n < RECUR_WORD_MAX_CHARS; k++)
        word[n++] = is_apostrophe(s[k]) ? '\'' : lower(s[k]);
    *pos = end;
    *wlen = n;
    return 1;
}

size_t recur__word_utf8(const uint32_t *word, int wlen, char *buf)
{
    size_t o = 0;
    for (int k = 0; k < wlen; k++)
        o += (size_t)recur_utf8_encode(word[k], buf + o);
    buf[o] = 0;
    return o;
}

int recur_text_words(const uint32_t *text, long len, char **buf, long **offsets, long *n)
{
    if (!buf || !offsets || !n || (!text && len) || len < 0)
        return recur__fail(RECUR_E_INVALID, "recur_text_words: a NULL argument or a "
                          "negative length");
    *buf = NULL;
    *offsets = NULL;
    *n = 0;
    /* A word takes at least 2 code points of the text (itself and a
     * separator) but up to 4 bytes each plus a NUL: 5 * len + 1 is room. */
    char *b = malloc((size_t)len * 5 + 1);
    long *off = malloc(((size_t)len / 2 + 2) * sizeof *off);
    if (!b || !off) {
        free(b);
        free(off);
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    uint32_t w[RECUR_WORD_MAX_CHARS];
    long pos = 0, k = 0;
    size_t o = 0;
    int wl;
    while (recur__word_next(text, len, &pos, w, &wl)) {
        off[k++] = (long)o;
        o += recur__word_utf8(w, wl, b + o) + 1;
    }
    off[k] = (long)o;
    *buf = b;
    *offsets = off;
    *n = k;
    return RECUR_OK;
}

/* ---- the vocabulary of the training examples --------------------------------- */

/* An open-addressing table of distinct words (UTF-8) with their counts. */
typedef struct {
    char **word;
    long *count;
    long n, cap; /* cap a power of two, at most half full */
} word_table;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static long slot_of(const word_table *t, const char *w)
{
    long s = (long)(hash_str(w) & (uint64_t)(t->cap - 1));
    while (t->word[s] && strcmp(t->word[s], w) != 0)
        s = (s + 1) & (t->cap - 1);
    return s;
}

static void table_free(word_table *t)
{
    for (long i = 0; t->word && i < t->cap; i++)
        free(t->word[i]);
    free(t->word);
    free(t->count);
}

static int table_grow(word_table *t)
{
    word_table g = {calloc((size_t)(t->cap ? 2 * t->cap : 1 << 12), sizeof(char *)),
                    NULL, t->n, t->cap ? 2 * t->cap : 1 << 12};
    g.count = calloc((size_t)g.cap, sizeof *g.count);
    if (!g.word || !g.count) {
        free(g.word);
        free(g.count);
        return recur__fail(RECUR_E_NOMEM, "out of memory for the word vocabulary");
    }
    for (long i = 0; i < t->cap; i++)
        if (t->word[i]) {
            long s = slot_of(&g, t->word[i]);
            g.word[s] = t->word[i];
            g.count[s] = t->count[i];
        }
    free(t->word);
    free(t->count);
    *t = g;
    return RECUR_OK;
}

static int table_add(word_table *t, const char *w)
{
    if (2 * (t->n + 1) > t->cap) {
        int rc = table_grow(t);
        if (rc)
            return rc;
    }
    long s = slot_of(t, w);
    if (!t->word[s]) {
        if (!(t->word[s] = strdup(w)))
            return recur__fail(RECUR_E_NOMEM, "out of memory for the word vocabulary");
        t->n++;
    }
    t->count[s]++;
    return RECUR_OK;
}

typedef struct {
    const char *word;
    long count;
} counted;

static int by_count_then_name(const void *a, const void *b)
{
    const counted *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->word, y->word);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The kept words of the table: count >= min_count, the max_words most
 * frequent (0: all), sorted, after <unk>. */
static int table_vocab(const word_table *t, int min_count, int max_words, char ***words,
                       int *nwords)
{
    counted *c = malloc((size_t)(t->n ? t->n : 1) * sizeof *c);
    if (!c)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    long k = 0;
    for (long i = 0; i < t->cap; i++)
        if (t->word[i] && t->count[i] >= min_count)
            c[k++] = (counted){t->word[i], t->count[i]};
    qsort(c, (size_t)k, sizeof *c, by_count_then_name);
    if (max_words > 0 && k > max_words - 1)
        k = max_words - 1;
    if (k + 1 > RECUR_MAX_VOCAB) {
        free(c);
        return recur__fail(RECUR_E_LIMIT, "%ld distinct words seen at least %d times: "
                          "over the limit of %d (raise the minimum count or cap the "
                          "vocabulary)", k, min_count, RECUR_MAX_VOCAB - 1);
    }
    char **v = calloc((size_t)k + 1, sizeof *v);
    int rc = v && (v[0] = strdup(RECUR_TOKEN_UNK)) ? RECUR_OK : RECUR_E_NOMEM;
    for (long i = 0; !rc && i < k; i++)
        if (!(v[i + 1] = strdup(c[i].word)))
            rc = RECUR_E_NOMEM;
    free(c);
    if (rc) {
        recur_tsv_vocab_free(v, (int)k + 1, NULL);
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    qsort(v + 1, (size_t)k, sizeof *v, by_name);
    *words = v;
    *nwords = (int)k + 1;
    return RECUR_OK;
}

int recur_tsv_word_vocab(const recur_tsv *t, const long *idx, long n, int min_count,
                         int max_words, int max_len, char ***words, int *nwords)
{
    if (!t || !words || !nwords)
        return recur__fail(RECUR_E_INVALID, "recur_tsv_word_vocab: a NULL argument");
    *words = NULL;
    *nwords = 0;
    if (!idx)
        n = recur_tsv_count(t);
    if (n < 1)
        return recur__fail(RECUR_E_INVALID, "no examples to build a vocabulary from");
    if (min_count < 1 || max_words < 0 || max_words == 1 || max_len < 0)
        return recur__fail(RECUR_E_INVALID, "recur_tsv_word_vocab: the minimum count must "
                          "be >= 1, the maximum vocabulary 0 or >= 2, the maximum length "
                          ">= 0");
    word_table tab = {0};
    int rc = table_grow(&tab);
    uint32_t w[RECUR_WORD_MAX_CHARS];
    char u[4 * RECUR_WORD_MAX_CHARS + 1];
    for (long e = 0; !rc && e < n; e++) {
        long i = idx ? idx[e] : e, len, pos = 0, seen = 0;
        if (i < 0 || i >= recur_tsv_count(t)) {
            rc = recur__fail(RECUR_E_INVALID, "example index %ld is out of range", i);
            break;
        }
        const uint32_t *s = recur_tsv_text(t, i, &len);
        int wl;
        while (!rc && (max_len == 0 || seen < max_len) &&
               recur__word_next(s, len, &pos, w, &wl)) {
            recur__word_utf8(w, wl, u);
            rc = table_add(&tab, u);
            seen++;
        }
    }
    if (!rc)
        rc = table_vocab(&tab, min_count, max_words, words, nwords);
    table_free(&tab);
    return rc;
}

/* ---- the vocabulary in the model ---------------------------------------------- */

#define TOKENS_KEY "classify.tokens"
#define WORDS_KEY "classify.words"

int recur_model_set_words(recur_model *m, const char *const *words, int n)
{
    if (!m || !words)
        return recur__fail(RECUR_E_INVALID, "recur_model_set_words: a NULL argument");
    const recur_config *c = recur_model_get_config(m);
    if (c->input == RECUR_INPUT_DENSE || n != c->input_size)
        return recur__fail(RECUR_E_MISMATCH, "%d words for a model with %d token inputs",
                          n, c->input == RECUR_INPUT_DENSE ? 0 : c->input_size);
    recur_vocab *v = NULL;
    int rc = recur_vocab_from_names(words, n, 0, &v); /* <unk> first, distinct */
    recur_vocab_free(v);
    if (rc)
        return rc;
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(words[i]);
        if (strpbrk(words[i], "\n\t") || len > 4 * RECUR_WORD_MAX_CHARS)
            return recur__fail(RECUR_E_INVALID, "word %d holds a newline or a tab, or is "
                              "longer than %d bytes", i, 4 * RECUR_WORD_MAX_CHARS);
        total += len + 1;
    }
    char *joined = malloc(total);
    if (!joined)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(words[i]);
        memcpy(joined + o, words[i], len);
        o += len;
        joined[o++] = i + 1 < n ? '\n' : 0;
    }
    rc = recur_model_set_meta(m, TOKENS_KEY, "words");
    if (!rc)
        rc = recur_model_set_meta(m, WORDS_KEY, joined);
    free(joined);
    return rc;
}

int recur_model_get_words(const recur_model *m, char ***words, int *n)
{
    if (!m || !words || !n)
        return recur__fail(RECUR_E_INVALID, "recur_model_get_words: a NULL argument");
    *words = NULL;
    *n = 0;
    const char *tok = recur_model_get_meta(m, TOKENS_KEY);
    const char *s = recur_model_get_meta(m, WORDS_KEY);
    if (!tok || strcmp(tok, "words") != 0 || !s)
        return recur__fail(RECUR_E_MISMATCH, "the model reads characters, not words");
    const recur_config *c = recur_model_get_config(m);
    long k = 1;
    for (const char *p = s; *p; p++)
        k += *p == '\n';
    if (c->input == RECUR_INPUT_DENSE || k != c->input_size)
        return recur__fail(RECUR_E_FORMAT, "the model has %ld words for %d token inputs",
                          k, c->input == RECUR_INPUT_DENSE ? 0 : c->input_size);
    char **v = calloc((size_t)k, sizeof *v);
    if (!v)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    const char *p = s;
    for (long i = 0; i < k; i++) {
        size_t len = strcspn(p, "\n");
        if (!(v[i] = malloc(len + 1))) {
            recur_tsv_vocab_free(v, (int)k, NULL);
            return recur__fail(RECUR_E_NOMEM, "out of memory");
        }
        memcpy(v[i], p, len);
        v[i][len] = 0;
        p += len + (p[len] == '\n');
    }
    recur_vocab *check = NULL;
    int rc = recur_vocab_from_names((const char *const *)v, (int)k, 0, &check);
    recur_vocab_free(check);
    if (rc) {
        recur_tsv_vocab_free(v, (int)k, NULL);
        return recur__fail(RECUR_E_FORMAT, "the model's word list: %s", recur_last_error());
    }
    *words = v;
    *n = (int)k;
    return RECUR_OK;
}
