/* fuzz_text.c - fuzz target for the text loader, recur_text_from_string.
 * The first byte picks the vocabulary:
 *   0: none (the text's own sorted characters);
 *   1: a fixed model's (ASCII, newline, tab and a few non-ASCII characters);
 *   2: a model built from the text before the first 0xFF byte (never valid
 *      UTF-8, so a natural separator), applied to the text after it.
 * An input either fails with a one-line message, or gives tokens that index
 * a strictly sorted vocabulary and spell out exactly the input bytes; with
 * a model the tokens are also scored by recur_evaluate and fed to
 * recur_sample as a prime. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recur.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_text: %s: %s\n", what, recur_last_error());
    abort();
}

static recur_model *model_with_vocab(const uint32_t *cps, int n)
{
    recur_config c;
    recur_config_default(&c);
    c.cell = RECUR_GRU;
    c.input_size = c.output_size = n;
    c.hidden = 3;
    recur_model *m = NULL;
    if (recur_model_create(&c, 1, &m) != RECUR_OK)
        fail("recur_model_create");
    if (recur_model_set_vocab(m, cps, n) != RECUR_OK)
        fail("recur_model_set_vocab");
    return m;
}

static const recur_model *fixed_model(void)
{
    static recur_model *m;
    if (!m) {
        uint32_t cps[128];
        int n = 0;
        cps[n++] = '\t';
        cps[n++] = '\n';
        for (uint32_t c = ' '; c <= '~'; c++)
            cps[n++] = c;
        cps[n++] = 0xE9;    /* é */
        cps[n++] = 0x20AC;  /* € */
        cps[n++] = 0x1F600; /* an emoji, 4 bytes */
        m = model_with_vocab(cps, n);
    }
    return m;
}

static void sink(const char *utf8, int bytes, void *user)
{
    (void)utf8;
    *(long *)user += bytes;
}

/* Tokens index the vocabulary and spell out s exactly. */
static void check_text(const recur_text *t, const char *s, size_t len)
{
    long n;
    int nv;
    const int32_t *tok = recur_text_tokens(t, &n);
    const uint32_t *vocab = recur_text_vocab(t, &nv);
    /* An empty string is a valid (empty) text, as for an empty prime. */
    if ((n == 0) != (len == 0) || (size_t)n > len || nv < 0 || nv > RECUR_MAX_VOCAB ||
        (n > 0 && nv < 1))
        fail("token or vocabulary count out of range");
    for (int i = 1; i < nv; i++)
        if (vocab[i] <= vocab[i - 1])
            fail("vocabulary not strictly sorted");
    size_t pos = 0;
    for (long i = 0; i < n; i++) {
        if (tok[i] < 0 || tok[i] >= nv)
            fail("token outside the vocabulary");
        char buf[5];
        int k = recur_utf8_encode(vocab[tok[i]], buf);
        if (k < 1 || pos + (size_t)k > len || memcmp(buf, s + pos, (size_t)k))
            fail("tokens do not spell out the input");
        pos += (size_t)k;
    }
    if (pos != len)
        fail("tokens do not cover the input");
}

/* Score the tokens and prime a sampler with the text. */
static void use_with_model(const recur_model *m, const recur_text *t, const char *s,
                           size_t len)
{
    long n;
    const int32_t *tok = recur_text_tokens(t, &n);
    if (n >= 2) {
        recur_eval_stats es;
        if (recur_evaluate(m, tok, n, 4, 2, &es) != RECUR_OK)
            fail("recur_evaluate");
    }
    if (n <= 64) {
        char *prime = malloc(len + 1);
        if (!prime)
            abort();
        memcpy(prime, s, len);
        prime[len] = 0;
        recur_sample_config sc = {.temperature = 0.5f, .top_k = 0, .greedy = 0,
                                  .seed = 3};
        long bytes = 0;
        /* The text holds no NUL (refused), so the prime is the whole text. */
        if (recur_sample(m, prime, &sc, 4, sink, &bytes) != RECUR_OK)
            fail("recur_sample with an accepted text as prime");
        free(prime);
    }
}

static int load(const char *s, size_t len, const recur_model *vocab_of,
                recur_text **t)
{
    int rc = recur_text_from_string(s, len, vocab_of, t);
    if (rc) {
        if (*t || !*recur_last_error() || strchr(recur_last_error(), '\n'))
            fail("a refusal without a one-line message, or with a text");
        return rc;
    }
    check_text(*t, s, len);
    return RECUR_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int mode = data[0] % 3;
    const char *s = (const char *)data + 1;
    size_t len = size - 1;
    recur_text *t = NULL;
    if (mode == 0) {
        load(s, len, NULL, &t);
    } else if (mode == 1) {
        if (load(s, len, fixed_model(), &t) == RECUR_OK)
            use_with_model(fixed_model(), t, s, len);
    } else {
        const char *sep = memchr(s, 0xFF, len);
        size_t la = sep ? (size_t)(sep - s) : len;
        const char *b = sep ? sep + 1 : s + len;
        size_t lb = len - la - (sep ? 1 : 0);
        recur_text *a = NULL;
        if (load(s, la, NULL, &a) == RECUR_OK) {
            int nv;
            const uint32_t *v = recur_text_vocab(a, &nv);
            if (nv > 0) {
                recur_model *m = model_with_vocab(v, nv);
                if (load(b, lb, m, &t) == RECUR_OK)
                    use_with_model(m, t, b, lb);
                recur_model_free(m);
            }
        }
        recur_text_free(a);
    }
    recur_text_free(t);
    return 0;
}
