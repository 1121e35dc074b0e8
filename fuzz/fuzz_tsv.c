/* fuzz_tsv.c - fuzz target for the labelled-text (TSV) loader,
 * recur_tsv_from_memory. The first byte picks the flags (escapes, header,
 * unlabelled, skip bad lines). An input either fails with a one-line
 * message, or every example has a non-empty text of valid code points, a
 * label without control characters (empty only when unlabelled),
 * increasing line numbers, and skipped lines only when asked for; and the
 * split, the vocabulary and the words built from it must be consistent. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recur.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_tsv: %s (%s)\n", what, recur_last_error());
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int flags = data[0] & 15;
    recur_tsv *t = NULL;
    int rc = recur_tsv_from_memory((const char *)data + 1, size - 1, "fuzz", flags, &t);
    if (rc != RECUR_OK) {
        const char *msg = recur_last_error();
        if (t || !*msg || strchr(msg, '\n'))
            fail("a refusal must leave no object and one line of message");
        return 0;
    }
    long n = recur_tsv_count(t), prev_line = 0;
    for (long i = 0; i < n; i++) {
        long len = 0;
        const uint32_t *text = recur_tsv_text(t, i, &len);
        const char *label = recur_tsv_label(t, i);
        long line = recur_tsv_line(t, i);
        if (!text || len < 1 || !label || line <= prev_line)
            fail("an example without text, label or increasing line");
        if (!(flags & RECUR_TSV_UNLABELLED) && !*label)
            fail("an empty label");
        for (const char *c = label; *c; c++)
            if ((unsigned char)*c < 0x20)
                fail("a control character in a label");
        for (long k = 0; k < len; k++)
            if (text[k] == 0 || text[k] > 0x10FFFF || (text[k] >= 0xD800 && text[k] <= 0xDFFF))
                fail("an invalid code point in a text");
        prev_line = line;
        char *wbuf;
        long *woff, nw;
        if (recur_text_words(text, len, &wbuf, &woff, &nw) != RECUR_OK)
            fail("the words of a text");
        for (long k = 0; k < nw; k++) {
            const char *w = wbuf + woff[k];
            if (!*w || strpbrk(w, " \t\n,.") || (long)strlen(w) != woff[k + 1] - woff[k] - 1)
                fail("an empty word, or one holding a separator");
        }
        free(wbuf);
        free(woff);
    }
    long skipped = recur_tsv_skipped(t, -1, NULL);
    if ((skipped && !(flags & RECUR_TSV_SKIP_BAD)) || skipped < 0)
        fail("lines skipped without RECUR_TSV_SKIP_BAD");
    if (n > 0) {
        long *train = malloc((size_t)n * sizeof *train), *test = malloc((size_t)n * sizeof *test);
        long ntrain = 0, ntest = 0;
        if (!train || !test)
            fail("out of memory");
        if (recur_tsv_split(t, 0.25, 7, 1, train, &ntrain, test, &ntest) == RECUR_OK &&
            ntrain + ntest != n)
            fail("the split loses or repeats examples");
        char **classes = NULL;
        uint32_t *chars = NULL;
        int ncls = 0, nch = 0;
        if (recur_tsv_vocab(t, NULL, n, 1, &classes, &ncls, &chars, &nch) == RECUR_OK) {
            for (int i = 1; i < nch; i++)
                if (chars[i] <= chars[i - 1])
                    fail("the character vocabulary is not strictly sorted");
            for (int i = 1; i < ncls; i++)
                if (strcmp(classes[i - 1], classes[i]) >= 0)
                    fail("the class names are not strictly sorted");
            recur_tsv_vocab_free(classes, ncls, chars);
        }
        char **words = NULL;
        int nwords = 0;
        if (recur_tsv_word_vocab(t, NULL, n, 1, 0, 0, &words, &nwords) == RECUR_OK) {
            if (nwords < 1 || strcmp(words[0], "<unk>") != 0)
                fail("the word vocabulary does not start with <unk>");
            for (int i = 2; i < nwords; i++)
                if (strcmp(words[i - 1], words[i]) >= 0)
                    fail("the word vocabulary is not strictly sorted");
            recur_tsv_vocab_free(words, nwords, NULL);
        }
        free(train);
        free(test);
    }
    recur_tsv_free(t);
    return 0;
}
