/* fuzz_pairs.c - fuzz target for the sequence-pair loader,
 * recur_pairs_from_memory, and the vocabularies and encodings built on it.
 * The first byte picks the flags (bit 0: RECUR_PAIRS_NEED_TARGET) and the
 * token modes (bit 1: source words, bit 2: target words). An input either
 * fails with a one-line message and no object, or:
 *   - every non-empty line of the input (split here, independently, at
 *     "\n", a final "\r" dropped) is exactly one pair, in order, and the
 *     pair spells that line back byte for byte: source, then a tab and the
 *     target when the line has a tab. A field cut short at a NUL byte (or
 *     anywhere) fails this, as does a field's length that differs from its
 *     strlen;
 *   - sources are non-empty; with NEED_TARGET targets are not only spaces;
 *   - the vocabularies of both sides over all pairs hold every token, so
 *     encoding gives no <unk> except for a token named like a special one,
 *     and the ids name the tokens again. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recur.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_pairs: %s (%s)\n", what, recur_last_error());
    abort();
}

/* The next line of s from *pos: its start and its length without the "\n"
 * and a "\r" before it. 0 at the end of s. */
static int next_line(const char *s, size_t len, size_t *pos, const char **l, size_t *n)
{
    if (*pos >= len)
        return 0;
    const char *start = s + *pos;
    const char *nl = memchr(start, '\n', len - *pos);
    *n = nl ? (size_t)(nl - start) : len - *pos;
    *pos += *n + (nl != NULL);
    *l = start;
    if (*n > 0 && start[*n - 1] == '\r')
        (*n)--;
    return 1;
}

static void check_lines(const recur_pairs *p, const char *s, size_t len)
{
    size_t pos = 0, n;
    const char *l;
    long i = 0, line = 0, count = recur_pairs_count(p);
    while (next_line(s, len, &pos, &l, &n)) {
        line++;
        if (n == 0)
            continue;
        if (i >= count)
            fail("a non-empty line without its pair");
        if (recur_pairs_line(p, i) != line)
            fail("a pair with the wrong line number");
        size_t ns, nt;
        const char *src = recur_pairs_source(p, i, &ns);
        const char *tgt = recur_pairs_target(p, i, &nt);
        if (!src || !tgt || strlen(src) != ns || strlen(tgt) != nt)
            fail("a field whose length is not its strlen");
        const char *tab = memchr(l, '\t', n);
        size_t want = tab ? ns + 1 + nt : ns;
        if (want != n || memcmp(l, src, ns) != 0 || (tab && (l[ns] != '\t' ||
                                                              memcmp(l + ns + 1, tgt, nt))))
            fail("a pair does not spell its line back exactly (truncated?)");
        if (!tab && nt)
            fail("a target on a line without a tab");
        i++;
    }
    if (i != count)
        fail("more pairs than non-empty lines");
}

static void check_side(const recur_pairs *p, int side, recur_tokens mode)
{
    long n = recur_pairs_count(p);
    long *idx = malloc((size_t)n * sizeof *idx);
    if (!idx)
        fail("out of memory");
    for (long i = 0; i < n; i++)
        idx[i] = i;
    recur_vocab *v = NULL;
    if (recur_pairs_vocab(p, idx, n, side, mode, &v) != RECUR_OK) {
        free(idx);
        return; /* over RECUR_MAX_VOCAB or out of memory: a clean refusal */
    }
    int nv;
    const char *const *names = recur_vocab_names(v, &nv);
    for (int k = 1; k < nv; k++)
        if (!names[k] || !*names[k])
            fail("an empty token name");
    long *off = NULL, unknown = 0;
    int32_t *ids = NULL;
    if (recur_pairs_encode(p, idx, n, side, mode, v, &off, &ids, &unknown) == RECUR_OK) {
        for (long i = 0; i < n; i++) {
            const char *text = side ? recur_pairs_target(p, i, NULL)
                                    : recur_pairs_source(p, i, NULL);
            char *buf, **toks;
            int nt;
            if (recur_tokenize(text, mode, &buf, &toks, &nt) != RECUR_OK)
                fail("a loaded field does not split into tokens");
            if (off[i + 1] - off[i] != nt)
                fail("encoding gives another number of tokens");
            for (int t = 0; t < nt; t++) {
                int32_t id = ids[off[i] + t];
                if (id < 0 || id >= nv)
                    fail("a token id out of range");
                if (id == recur_vocab_unk(v)) {
                    if (strcmp(toks[t], RECUR_TOKEN_UNK) && strcmp(toks[t], RECUR_TOKEN_BOS) &&
                        strcmp(toks[t], RECUR_TOKEN_EOS))
                        fail("a token of the data is unknown to its own vocabulary");
                } else if (strcmp(names[id], toks[t]) != 0) {
                    fail("an id names another token");
                }
            }
            free(buf);
            free(toks);
        }
    }
    free(off);
    free(ids);
    recur_vocab_free(v);
    free(idx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int flags = data[0] & 1;
    recur_tokens sm = (data[0] & 2) ? RECUR_TOKENS_WORDS : RECUR_TOKENS_CHARS;
    recur_tokens tm = (data[0] & 4) ? RECUR_TOKENS_WORDS : RECUR_TOKENS_CHARS;
    const char *s = (const char *)data + 1;
    size_t len = size - 1;
    recur_pairs *p = NULL;
    int rc = recur_pairs_from_memory(s, len, "fuzz", flags, &p);
    if (rc != RECUR_OK) {
        const char *msg = recur_last_error();
        if (p || !*msg || strchr(msg, '\n'))
            fail("a refusal must leave no object and one line of message");
        return 0;
    }
    if (memchr(s, 0, len))
        fail("an input with a NUL byte was accepted");
    check_lines(p, s, len);
    for (long i = 0; i < recur_pairs_count(p); i++) {
        size_t ns, nt;
        const char *src = recur_pairs_source(p, i, &ns);
        const char *tgt = recur_pairs_target(p, i, &nt);
        if (ns == 0)
            fail("an empty source");
        if ((flags & RECUR_PAIRS_NEED_TARGET) && strspn(tgt, " ") == nt)
            fail("an empty target was accepted");
        if (memchr(src, '\t', ns) || memchr(tgt, '\t', nt))
            fail("a tab inside a field");
    }
    check_side(p, 0, sm);
    check_side(p, 1, tm);
    recur_pairs_free(p);
    return 0;
}
