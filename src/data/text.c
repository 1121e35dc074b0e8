/* text.c - UTF-8 text files as token streams, one token per code point,
 * held at the narrowest width that the vocabulary allows (1 byte per
 * character for up to 256 distinct characters, else 2; RECUR_MAX_VOCAB is
 * 65536).
 *
 * A file is read twice in fixed chunks, never whole: the first pass checks
 * the UTF-8 and collects the vocabulary (a bitmap of code points) or checks
 * every character against a model's, the second writes the tokens. Peak
 * memory is the tokens plus one chunk: about 1 byte per byte of an ASCII
 * corpus, where holding the file, its code points, their sorted copy and
 * 4-byte tokens took about 13 (bench/NOTES.md, issue 12). Chunks are read
 * with read(2) rather than mapped: a mapped file truncated by another
 * process kills the reader with SIGBUS, a read only comes back short. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/utf8.h"
#include "data/text.h"
#include "io/file.h"
#include "recur.h"

#define NCODEPOINTS 0x110000

size_t recur__text_chunk_bytes = (size_t)16 << 20;

struct recur_text {
    void *ids;          /* [held] tokens of `width` bytes: characters first .. */
    int width;          /* 1 or 2 */
    long n;             /* characters in the whole text */
    long first, held;   /* the part kept (recur_text_load_part): 0, n for all */
    uint32_t *vocab;
    int nvocab;
    int32_t *wide;      /* recur_text_tokens' 4-byte copy, made on first use */
};

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

/* One pass over the text. Pass 1 counts the characters, checks them and
 * marks them in `seen` (no model) or looks them up in the model's
 * vocabulary; pass 2 writes their tokens. */
typedef struct {
    int pass;
    const char *label;
    const uint32_t *vocab; /* the model's, or (pass 2) the text's own */
    int nvocab;
    int from_model;
    uint8_t *seen;         /* [NCODEPOINTS / 8], pass 1 without a model */
    int32_t ascii[128];    /* token of each ASCII code point, or -1 */
    recur_text *t;         /* pass 2: where the tokens go */
    long n, line;          /* characters and lines so far */
    uint64_t offset;       /* bytes so far */
} scan;

static int token_of(const scan *sc, uint32_t cp)
{
    return cp < 128 ? sc->ascii[cp] : recur__text_vocab_index(sc->vocab, sc->nvocab, cp);
}

static void scan_set_vocab(scan *sc, const uint32_t *vocab, int n)
{
    sc->vocab = vocab;
    sc->nvocab = n;
    for (uint32_t c = 0; c < 128; c++)
        sc->ascii[c] = recur__text_vocab_index(vocab, n, c);
}

/* Take in the whole characters of s[0..len) (all of them at the end of the
 * text; otherwise up to 3 bytes of a character cut by the chunk are left
 * for the next call). *used: the bytes taken. */
static int scan_bytes(scan *sc, const unsigned char *s, size_t len, int at_end, size_t *used)
{
    size_t i = 0;
    while (i < len && (at_end || len - i >= 4)) {
        uint32_t cp;
        if (s[i] == 0)
            return recur__fail(RECUR_E_FORMAT, "%s: a NUL byte at offset %llu: this looks "
                              "like a binary file, not text", sc->label,
                              (unsigned long long)(sc->offset + i));
        int k = recur__utf8_decode(s + i, len - i, &cp);
        if (!k)
            return recur__fail(RECUR_E_FORMAT, "%s: invalid UTF-8 at byte %llu (line %ld): "
                              "not a UTF-8 text file", sc->label,
                              (unsigned long long)(sc->offset + i), sc->line);
        if (sc->pass == 2) {
            int id = token_of(sc, cp);
            long at = sc->n - sc->t->first;
            if (sc->n >= sc->t->n || id < 0)
                return recur__fail(RECUR_E_IO, "%s: the file changed while it was read",
                                  sc->label);
            if (at >= 0 && at < sc->t->held) { /* inside the part kept */
                if (sc->t->width == 1)
                    ((uint8_t *)sc->t->ids)[at] = (uint8_t)id;
                else
                    ((uint16_t *)sc->t->ids)[at] = (uint16_t)id;
            }
        } else if (sc->from_model) {
            if (token_of(sc, cp) < 0) {
                char what[48];
                recur__describe_char(cp, what, sizeof what);
                return recur__fail(RECUR_E_MISMATCH, "%s: line %ld: character %s is not "
                                  "in the model's vocabulary", sc->label, sc->line, what);
            }
        } else {
            sc->seen[cp >> 3] |= (uint8_t)(1u << (cp & 7));
        }
        sc->line += cp == '\n';
        sc->n++;
        i += (size_t)k;
    }
    sc->offset += i;
    *used = i;
    return RECUR_OK;
}

/* One pass over a string in memory, or over an open file of `size` bytes
 * (from its start, in chunks through buf). */
static int scan_all(scan *sc, const unsigned char *s, size_t len, int fd, size_t size,
                    unsigned char *buf)
{
    sc->n = 0;
    sc->line = 1;
    sc->offset = 0;
    size_t used;
    if (s)
        return scan_bytes(sc, s, len, 1, &used);
    if (lseek(fd, 0, SEEK_SET) != 0)
        return recur__fail(RECUR_E_IO, "%s: cannot seek: %s", sc->label, strerror(errno));
    size_t have = 0, total = 0;
    for (;;) {
        size_t chunk = recur__text_chunk_bytes, want = size - total < chunk ? size - total
                                                                             : chunk;
        int rc = recur__file_read_all(fd, buf + have, want, sc->label);
        if (rc)
            return rc;
        total += want;
        have += want;
        int at_end = total == size;
        if ((rc = scan_bytes(sc, buf, have, at_end, &used)))
            return rc;
        if (at_end)
            return RECUR_OK;
        memmove(buf, buf + used, have - used);
        have -= used;
    }
}

/* The vocabulary of pass 1 without a model: the marked code points, in
 * order. */
static int collect_vocab(const scan *sc, recur_text *t)
{
    int nv = 0;
    for (uint32_t c = 0; c < NCODEPOINTS; c++)
        nv += (sc->seen[c >> 3] >> (c & 7)) & 1;
    if (nv > RECUR_MAX_VOCAB)
        return recur__fail(RECUR_E_LIMIT, "%s has more than %d distinct characters",
                          sc->label, RECUR_MAX_VOCAB);
    t->vocab = malloc((size_t)(nv ? nv : 1) * sizeof *t->vocab);
    if (!t->vocab)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    t->nvocab = 0;
    for (uint32_t c = 0; c < NCODEPOINTS; c++)
        if ((sc->seen[c >> 3] >> (c & 7)) & 1)
            t->vocab[t->nvocab++] = c;
    return RECUR_OK;
}

/* The model's vocabulary must be sorted for the lookup: it is by
 * construction (recur_model_set_vocab checks). */
static int tokenize(recur_text *t, const unsigned char *s, size_t len, int fd, size_t size,
                    const recur_model *vocab_of, const char *label, long first, long count)
{
    scan sc = {.pass = 1, .label = label, .from_model = vocab_of != NULL, .t = t};
    unsigned char *buf = s ? NULL : malloc(recur__text_chunk_bytes + 4);
    if (!s && !buf)
        return recur__fail(RECUR_E_NOMEM, "out of memory reading %s", label);
    int rc = RECUR_OK;
    if (vocab_of) {
        int nv;
        const uint32_t *v = recur_model_get_vocab(vocab_of, &nv);
        if (nv <= 0)
            rc = recur__fail(RECUR_E_MISMATCH, "the model has no character vocabulary "
                                              "(not a text model)");
        else if (!(t->vocab = malloc((size_t)nv * sizeof *t->vocab)))
            rc = recur__fail(RECUR_E_NOMEM, "out of memory");
        else {
            memcpy(t->vocab, v, (size_t)nv * sizeof *v);
            t->nvocab = nv;
            scan_set_vocab(&sc, t->vocab, nv);
        }
    } else if (!(sc.seen = calloc(NCODEPOINTS / 8, 1))) {
        rc = recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    if (!rc)
        rc = scan_all(&sc, s, len, fd, size, buf);
    if (!rc && !vocab_of && !(rc = collect_vocab(&sc, t)))
        scan_set_vocab(&sc, t->vocab, t->nvocab);
    if (!rc) {
        t->n = sc.n;
        t->first = first < t->n ? first : t->n;
        t->held = count < t->n - t->first ? count : t->n - t->first;
        t->width = t->nvocab <= 256 ? 1 : 2;
        if (!(t->ids = malloc((size_t)(t->held ? t->held : 1) * (size_t)t->width)))
            rc = recur__fail(RECUR_E_NOMEM, "out of memory for the %ld tokens of %s",
                             t->held, label);
    }
    if (!rc && t->held > 0) {
        sc.pass = 2;
        rc = scan_all(&sc, s, len, fd, size, buf);
        if (!rc && sc.n != t->n)
            rc = recur__fail(RECUR_E_IO, "%s: the file changed while it was read", label);
    }
    free(sc.seen);
    free(buf);
    return rc;
}

static int text_make(const unsigned char *s, size_t len, int fd, size_t size,
                     const recur_model *vocab_of, const char *label, long first, long count,
                     recur_text **out)
{
    recur_text *t = calloc(1, sizeof *t);
    if (!t)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    int rc = tokenize(t, s, len, fd, size, vocab_of, label, first, count);
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
    return text_make((const unsigned char *)s, len, -1, 0, vocab_of, label, 0, LONG_MAX, out);
}

int recur_text_from_string(const char *s, size_t len, const recur_model *vocab_of,
                           recur_text **out)
{
    RECUR_NEED(out);
    *out = NULL;
    if (len > 0)
        RECUR_NEED(s);
    return recur__text_from_string_labelled(s, len, vocab_of, "text", out);
}

int recur_text_load(const char *path, const recur_model *vocab_of, recur_text **out)
{
    return recur_text_load_part(path, vocab_of, 0, LONG_MAX, out);
}

int recur_text_load_part(const char *path, const recur_model *vocab_of, long first,
                         long count, recur_text **out)
{
    RECUR_NEED(out);
    *out = NULL;
    RECUR_NEED(path);
    if (first < 0 || count < 0)
        return recur__fail(RECUR_E_INVALID, "a part of a text from %ld for %ld characters",
                          first, count);
    int fd;
    size_t size;
    int rc = recur__file_open(path, (uint64_t)RECUR_MAX_CORPUS_BYTES, "a text file", &fd,
                              &size);
    if (rc)
        return rc;
    if (size == 0)
        rc = recur__fail(RECUR_E_FORMAT, "%s: the file is empty", path);
    else
        rc = text_make(NULL, 0, fd, size, vocab_of, path, first, count, out);
    close(fd);
    return rc;
}

void recur_text_free(recur_text *t)
{
    if (!t)
        return;
    free(t->ids);
    free(t->vocab);
    free(t->wide);
    free(t);
}

recur_token_array recur_text_token_array(const recur_text *t)
{
    if (!t) {
        recur_token_array none = {0};
        return none;
    }
    recur_token_array a = {t->ids, t->width, t->n, t->first, t->held};
    return a;
}

long recur_text_length(const recur_text *t)
{
    RECUR_NEED(t);
    return t->n;
}

const int32_t *recur_text_tokens(const recur_text *t, long *n)
{
    if (!t || !n) {
        if (n)
            *n = 0;
        return NULL;
    }
    recur_text *w = (recur_text *)t; /* the copy is a cache: t is unchanged */
    if (!w->wide) {
        if (!(w->wide = malloc((size_t)(t->held ? t->held : 1) * sizeof *w->wide))) {
            *n = 0;
            recur__fail(RECUR_E_NOMEM, "out of memory for the 4-byte tokens");
            return NULL;
        }
        for (long i = 0; i < t->held; i++)
            w->wide[i] = t->width == 1 ? ((const uint8_t *)t->ids)[i]
                                       : ((const uint16_t *)t->ids)[i];
    }
    *n = t->held;
    return w->wide;
}

const uint32_t *recur_text_vocab(const recur_text *t, int *n)
{
    if (n)
        *n = t ? t->nvocab : 0;
    return t ? t->vocab : NULL;
}
