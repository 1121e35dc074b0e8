/* fuzz_bpe.c - fuzz target for byte-pair encoding (recur_bpe_*). The first
 * byte picks what the rest is:
 *   even: a subword table as text (what a model's metadata holds). It
 *     either fails with a one-line message and no object, or loads, and then
 *     its text form loads again to the same text, and the rest of the input
 *     encodes and decodes back to itself byte for byte;
 *   odd: texts (split at "\n") to learn at most (first byte / 2) merges
 *     from. Learning succeeds, learning again gives the same table, the
 *     table's text loads back to the same table, and every text - and the
 *     whole input - encodes and decodes back to itself. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recur.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_bpe: %s (%s)\n", what, recur_last_error());
    abort();
}

static void round_trip(const recur_bpe *b, const char *s, size_t len)
{
    int32_t *ids = NULL;
    int n = 0;
    char *back = NULL;
    size_t blen = 0;
    if (recur_bpe_encode(b, s, len, &ids, &n))
        fail("encode failed");
    if (recur_bpe_decode(b, ids, n, &back, &blen))
        fail("decode failed");
    if (blen != len || memcmp(back, s, len) != 0)
        fail("decode(encode(text)) is not the text");
    free(ids);
    free(back);
}

static char *text_of(const recur_bpe *b)
{
    char *t = NULL;
    if (recur_bpe_to_text(b, &t))
        fail("to_text failed");
    return t;
}

static void table_input(const char *s, size_t size)
{
    char *t = malloc(size + 1);
    if (!t)
        return;
    memcpy(t, s, size);
    t[size] = 0;
    recur_bpe *b = (recur_bpe *)1;
    if (recur_bpe_from_text(t, &b)) {
        const char *msg = recur_last_error();
        if (b != NULL || !*msg || strchr(msg, '\n'))
            fail("a refused table left an object or no one-line message");
        free(t);
        return;
    }
    char *again = text_of(b);
    recur_bpe *c = NULL;
    if (recur_bpe_from_text(again, &c))
        fail("a table's own text does not load");
    char *third = text_of(c);
    if (strcmp(again, third))
        fail("text -> table -> text changed");
    round_trip(b, s, size);
    free(again);
    free(third);
    recur_bpe_free(b);
    recur_bpe_free(c);
    free(t);
}

static void learn_input(const char *s, size_t size, int merges)
{
    char *all = malloc(size + 1);
    const char **texts = malloc((size + 1) * sizeof *texts);
    if (!all || !texts) {
        free(all);
        free(texts);
        return;
    }
    memcpy(all, s, size);
    all[size] = 0;
    long n = 0;
    for (char *p = all, *e = all + size; p <= e;) {
        char *nl = memchr(p, '\n', (size_t)(e - p));
        if (nl)
            *nl = 0;
        texts[n++] = p;
        p = nl ? nl + 1 : e + 1;
    }
    recur_bpe *a = NULL, *b = NULL, *c = NULL;
    if (recur_bpe_learn(texts, n, merges, &a) || recur_bpe_learn(texts, n, merges, &b))
        fail("learning failed");
    char *ta = text_of(a), *tb = text_of(b);
    if (strcmp(ta, tb))
        fail("learning twice gave two tables");
    if (recur_bpe_from_text(ta, &c))
        fail("a learned table's text does not load");
    char *tc = text_of(c);
    if (strcmp(ta, tc))
        fail("a learned table's text loads to another table");
    for (long i = 0; i < n; i++)
        round_trip(c, texts[i], strlen(texts[i]));
    round_trip(a, s, size);
    free(ta), free(tb), free(tc);
    recur_bpe_free(a), recur_bpe_free(b), recur_bpe_free(c);
    free(all);
    free(texts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    const char *s = (const char *)data + 1;
    if (data[0] % 2 == 0)
        table_input(s, size - 1);
    else
        learn_input(s, size - 1, data[0] / 2);
    return 0;
}
