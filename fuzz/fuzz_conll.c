/* fuzz_conll.c - fuzz target for the tagged-sentence (CoNLL) loader,
 * recur_conll_from_memory, and the lexicon built from what it accepts. The
 * first byte's low bit picks RECUR_CONLL_UNTAGGED. An input either fails
 * with a one-line message, or every sentence has 1..RECUR_CONLL_MAX_WORDS
 * words and tags of valid UTF-8 without control characters and increasing
 * line numbers; for tagged input the lexicon maps every training word seen
 * min_count times to itself and every other to a signature, its data set
 * and baseline agree with it, and the baseline scores at least as well on
 * its own training sentences as it does on an unknown word's class. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recur.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_conll: %s (%s)\n", what, recur_last_error());
    abort();
}

static void check_field(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > RECUR_CONLL_MAX_FIELD_BYTES)
        fail("a field of a bad length");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
            fail("a control character in a field");
}

static void check_lexicon(const recur_conll *c, int min_count)
{
    long n = recur_conll_count(c);
    recur_lexicon *lx = NULL;
    if (recur_lexicon_build(c, NULL, n, min_count, &lx) != RECUR_OK) {
        if (lx || strchr(recur_last_error(), '\n'))
            fail("a refused lexicon left an object or a long message");
        return;
    }
    int nw = recur_lexicon_word_count(lx), nt = recur_lexicon_tag_count(lx);
    if (nw < 1 || nt < 1 || recur_lexicon_word_id(lx, RECUR_LEXICON_UNK, NULL) < 0)
        fail("an empty lexicon");
    for (long i = 0; i < n; i++) {
        int k;
        const char *const *tags;
        const char *const *w = recur_conll_sentence(c, i, &k, &tags);
        for (int j = 0; j < k; j++) {
            int known, id = recur_lexicon_word_id(lx, w[j], &known);
            if (id < 0 || id >= nw || recur_lexicon_tag_id(lx, tags[j]) < 0)
                fail("a training word or tag outside the lexicon");
            if (known && strcmp(recur_lexicon_word_at(lx, id), w[j]) != 0)
                fail("a known word that does not map to itself");
            if (!known && strncmp(recur_lexicon_word_at(lx, id), "<unk", 4) != 0)
                fail("an unknown word that does not map to a signature");
        }
    }
    recur_dataset ds;
    long unknown;
    int32_t *best = malloc((size_t)nw * sizeof *best);
    if (!best)
        fail("out of memory");
    if (recur_lexicon_dataset(lx, c, NULL, n, 0, &ds, &unknown) == RECUR_OK) {
        if (ds.count != n || ds.offsets[n] != recur_conll_words(c) || unknown < 0 ||
            unknown > ds.offsets[n])
            fail("a data set that does not cover the sentences");
        recur_tag_score sc;
        if (recur_lexicon_baseline(lx, c, NULL, n, best) != RECUR_OK ||
            recur_tagger_run(NULL, best, lx, c, NULL, n, 0, NULL, &sc) != RECUR_OK)
            fail("the baseline failed on its own training data");
        for (int w = 0; w < nw; w++)
            if (best[w] < 0 || best[w] >= nt)
                fail("a baseline tag out of range");
        if (sc.words != ds.offsets[n] || sc.unknown != unknown || sc.unseen_tags != 0 ||
            sc.correct > sc.words || sc.unknown_correct > sc.unknown || sc.correct < 1)
            fail("inconsistent baseline scores");
        recur_lexicon_dataset_free(&ds);
    }
    free(best);
    recur_lexicon_free(lx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int flags = data[0] & 1;
    recur_conll *c = NULL;
    int rc = recur_conll_from_memory((const char *)data + 1, size - 1, "fuzz", flags, &c);
    if (rc != RECUR_OK) {
        const char *msg = recur_last_error();
        if (c || !*msg || strchr(msg, '\n'))
            fail("a refusal must leave no object and one line of message");
        return 0;
    }
    long n = recur_conll_count(c), words = 0, prev_line = 0;
    for (long i = 0; i < n; i++) {
        int k;
        const char *const *tags;
        const char *const *w = recur_conll_sentence(c, i, &k, &tags);
        if (!w || k < 1 || k > RECUR_CONLL_MAX_WORDS || recur_conll_line(c, i) <= prev_line)
            fail("a sentence without words or increasing line");
        if ((tags == NULL) != (flags == RECUR_CONLL_UNTAGGED))
            fail("tags where there should be none, or none where there should be");
        for (int j = 0; j < k; j++) {
            check_field(w[j]);
            if (tags)
                check_field(tags[j]);
        }
        words += k;
        prev_line = recur_conll_line(c, i);
    }
    if (words != recur_conll_words(c))
        fail("the word count disagrees with the sentences");
    if (!flags) {
        check_lexicon(c, 1);
        check_lexicon(c, 2);
    }
    recur_conll_free(c);
    return 0;
}
