/* pairs.c - sequence pairs for sequence to sequence: SOURCE<TAB>TARGET lines
 * read and checked as strictly as labelled text (tsv.c: UTF-8, no NUL byte,
 * the same size limits), each side split into characters or words, the
 * token vocabularies of both sides with their special tokens, examples
 * encoded as token ids, and a seeded order for a held-out split. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"
#include "core/utf8.h"
#include "data/lines.h"
#include "io/file.h"
#include "recur.h"

struct recur_pairs {
    long count;
    char *bytes;    /* the fields, each NUL-terminated */
    long *src, *tgt; /* [count] offsets into bytes */
    long *src_len, *tgt_len;
    long *line;     /* [count], 1-based */
};

void recur_pairs_free(recur_pairs *p)
{
    if (!p)
        return;
    free(p->bytes);
    free(p->src);
    free(p->tgt);
    free(p->src_len);
    free(p->tgt_len);
    free(p->line);
    free(p);
}

long recur_pairs_count(const recur_pairs *p) { return p ? p->count : 0; }

const char *recur_pairs_source(const recur_pairs *p, long i, size_t *len)
{
    if (!p || i < 0 || i >= p->count) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = (size_t)p->src_len[i];
    return p->bytes + p->src[i];
}

const char *recur_pairs_target(const recur_pairs *p, long i, size_t *len)
{
    if (!p || i < 0 || i >= p->count) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = (size_t)p->tgt_len[i];
    return p->bytes + p->tgt[i];
}

long recur_pairs_line(const recur_pairs *p, long i)
{
    return p && i >= 0 && i < p->count ? p->line[i] : 0;
}

/* ---- parsing ---------------------------------------------------------------- */

/* Check line `line` (l[0..n), without its newline) and store its fields. */
static int parse_line(recur_pairs *p, long *used, const unsigned char *l, size_t n,
                      const char *name, long line, int flags)
{
    if (memchr(l, 0, n))
        return recur__fail(RECUR_E_FORMAT, "%s:%ld: a NUL byte: this looks like a "
                          "binary file, not text", name, line);
    if (n > 0 && l[n - 1] == '\r')
        n--;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int k = recur__utf8_decode(l + i, n - i, &cp);
        if (!k)
            return recur__fail(RECUR_E_FORMAT, "%s:%ld: invalid UTF-8 at byte %zu of "
                              "the line", name, line, i + 1);
        i += (size_t)k;
    }
    if (n == 0)
        return RECUR_OK; /* empty lines are skipped */
    const unsigned char *tab = memchr(l, '\t', n);
    if (!tab && (flags & RECUR_PAIRS_NEED_TARGET))
        return recur__fail(RECUR_E_FORMAT, "%s:%ld: no tab: expected "
                          "'source<TAB>target'", name, line);
    size_t ns = tab ? (size_t)(tab - l) : n, nt = tab ? n - ns - 1 : 0;
    if (tab && memchr(tab + 1, '\t', nt))
        return recur__fail(RECUR_E_FORMAT, "%s:%ld: more than one tab: expected "
                          "'source<TAB>target'", name, line);
    if (ns == 0)
        return recur__fail(RECUR_E_FORMAT, "%s:%ld: empty source", name, line);
    size_t spaces = 0;
    while (spaces < nt && tab[1 + spaces] == ' ')
        spaces++;
    if ((flags & RECUR_PAIRS_NEED_TARGET) && spaces == nt)
        return recur__fail(RECUR_E_FORMAT, "%s:%ld: empty target", name, line);
    long i = p->count++;
    p->src[i] = *used;
    p->src_len[i] = (long)ns;
    memcpy(p->bytes + *used, l, ns);
    *used += (long)ns;
    p->bytes[(*used)++] = 0;
    p->tgt[i] = *used;
    p->tgt_len[i] = (long)nt;
    if (nt)
        memcpy(p->bytes + *used, tab + 1, nt);
    *used += (long)nt;
    p->bytes[(*used)++] = 0;
    p->line[i] = line;
    return RECUR_OK;
}

static int parse(recur_pairs *p, const char *s, size_t len, const char *name, int flags)
{
    line_reader r;
    long lines;
    int rc = recur__lines_begin(&r, s, len, name, &lines);
    if (rc)
        return rc;
    /* Each line's fields and their two NUL bytes fit in its bytes plus one. */
    p->bytes = malloc(len + (size_t)lines + 1);
    p->src = malloc((size_t)lines * sizeof *p->src);
    p->tgt = malloc((size_t)lines * sizeof *p->tgt);
    p->src_len = malloc((size_t)lines * sizeof *p->src_len);
    p->tgt_len = malloc((size_t)lines * sizeof *p->tgt_len);
    p->line = malloc((size_t)lines * sizeof *p->line);
    if (!p->bytes || !p->src || !p->tgt || !p->src_len || !p->tgt_len || !p->line)
        return recur__fail(RECUR_E_NOMEM, "out of memory reading %s", name);
    long used = 0;
    const unsigned char *l;
    size_t n;
    while (recur__lines_next(&r, &l, &n)) {
        if (n > (size_t)RECUR_TSV_MAX_LINE_BYTES)
            return recur__fail(RECUR_E_LIMIT, "%s:%ld: the line has %zu bytes, over the "
                              "limit of %ld for a line", name, r.line, n,
                              (long)RECUR_TSV_MAX_LINE_BYTES);
        if ((rc = parse_line(p, &used, l, n, name, r.line, flags)))
            return rc;
    }
    if (p->count == 0)
        return recur__fail(RECUR_E_FORMAT, "%s: no pairs (only empty lines)", name);
    return RECUR_OK;
}

int recur_pairs_from_memory(const char *data, size_t len, const char *name, int flags,
                            recur_pairs **out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "no output for the pairs");
    *out = NULL;
    if (!data && len)
        return recur__fail(RECUR_E_INVALID, "no input buffer");
    if (!name)
        name = "input";
    if (flags & ~RECUR_PAIRS_NEED_TARGET)
        return recur__fail(RECUR_E_INVALID, "unknown pairs flags 0x%x", (unsigned)flags);
    recur_pairs *p = calloc(1, sizeof *p);
    if (!p)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    int rc = parse(p, data, len, name, flags);
    if (rc) {
        recur_pairs_free(p);
        return rc;
    }
    *out = p;
    return RECUR_OK;
}

int recur_pairs_load(const char *path, int flags, recur_pairs **out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "no output for the pairs");
    *out = NULL;
    char *buf;
    size_t len;
    int rc = recur__read_file(path, (uint64_t)RECUR_MAX_TEXT_BYTES, "a text file", 1,
                              &buf, &len);
    if (rc)
        return rc;
    rc = recur_pairs_from_memory(buf, len, path, flags, out);
    free(buf);
    return rc;
}

int recur_pairs_shuffle(long n, uint64_t seed, long *order)
{
    if (n < 0 || (!order && n))
        return recur__fail(RECUR_E_INVALID, "recur_pairs_shuffle: no room for the order");
    uint64_t st = seed * 0x2545F4914F6CDD1DULL + 17;
    for (long i = 0; i < n; i++)
        order[i] = i;
    for (long i = n - 1; i > 0; i--) {
        long j = (long)(recur__splitmix64(&st) % (uint64_t)(i + 1)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    return RECUR_OK;
}

/* ---- tokens ----------------------------------------------------------------- */

static const char *const token_modes[] = {"chars", "words", "bpe"};

const char *recur_tokens_name(recur_tokens mode)
{
    return mode == RECUR_TOKENS_WORDS ? token_modes[1]
           : mode == RECUR_TOKENS_BPE ? token_modes[2]
                                      : token_modes[0];
}

int recur_tokens_parse(const char *name)
{
    for (int i = 0; name && i < 3; i++)
        if (strcmp(name, token_modes[i]) == 0)
            return i;
    return -1;
}

int recur_tokenize(const char *s, recur_tokens mode, char **buf, char ***toks, int *n)
{
    if (!buf || !toks || !n)
        return recur__fail(RECUR_E_INVALID, "recur_tokenize: a NULL argument");
    *buf = NULL;
    *toks = NULL;
    *n = 0;
    if (!s)
        return recur__fail(RECUR_E_INVALID, "recur_tokenize: no text");
    if (mode == RECUR_TOKENS_BPE)
        return recur__fail(RECUR_E_INVALID, "recur_tokenize: subwords need their table "
                          "(recur_vocab_encode with a subword vocabulary)");
    size_t len = strlen(s);
    if (len > (size_t)RECUR_TSV_MAX_LINE_BYTES)
        return recur__fail(RECUR_E_LIMIT, "a text of %zu bytes to split into tokens: over "
                          "the limit of %ld", len, (long)RECUR_TSV_MAX_LINE_BYTES);
    char *b = malloc(2 * len + 2);
    char **t = malloc((len + 1) * sizeof *t);
    if (!b || !t) {
        free(b);
        free(t);
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    int k = 0;
    char *o = b;
    for (size_t i = 0; i < len;) {
        size_t w;
        if (mode == RECUR_TOKENS_WORDS) {
            if (s[i] == ' ') {
                i++;
                continue;
            }
            w = strcspn(s + i, " ");
        } else {
            uint32_t cp;
            w = (size_t)recur__utf8_decode((const unsigned char *)s + i, len - i, &cp);
            if (!w) {
                free(b);
                free(t);
                return recur__fail(RECUR_E_FORMAT, "invalid UTF-8 at byte %zu of a text "
                                  "to split into characters", i + 1);
            }
        }
        t[k++] = o;
        memcpy(o, s + i, w);
        o[w] = 0;
        o += w + 1;
        i += w;
    }
    *buf = b;
    *toks = t;
    *n = k;
    return RECUR_OK;
}

/* ---- vocabularies ------------------------------------------------------------ */

struct recur_vocab {
    int n, nspecial, unk;
    char **names; /* [n], the specials first */
    int *order;   /* ids sorted by name, for lookup */
    recur_bpe *bpe; /* subwords: token nspecial + i is the table's token i */
};

static const char *const source_specials[] = {RECUR_TOKEN_UNK};
static const char *const target_specials[] = {RECUR_TOKEN_BOS, RECUR_TOKEN_EOS,
                                              RECUR_TOKEN_UNK};

static int specials_of(int side, const char *const **sp)
{
    *sp = side ? target_specials : source_specials;
    return side ? 3 : 1;
}

void recur_vocab_free(recur_vocab *v)
{
    if (!v)
        return;
    for (int i = 0; v->names && i < v->n; i++)
        free(v->names[i]);
    free(v->names);
    free(v->order);
    recur_bpe_free(v->bpe);
    free(v);
}

const char *const *recur_vocab_names(const recur_vocab *v, int *n)
{
    *n = v ? v->n : 0;
    return v ? (const char *const *)v->names : NULL;
}

int recur_vocab_unk(const recur_vocab *v) { return v ? v->unk : -1; }

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct {
    const char *name;
    int id;
} named_id;

static int cmp_named(const void *a, const void *b)
{
    return strcmp(((const named_id *)a)->name, ((const named_id *)b)->name);
}

/* The ids sorted by name, for recur_vocab_id's binary search. */
static int index_names(recur_vocab *v)
{
    named_id *ni = malloc((size_t)(v->n ? v->n : 1) * sizeof *ni);
    v->order = malloc((size_t)(v->n ? v->n : 1) * sizeof *v->order);
    if (!ni || !v->order) {
        free(ni);
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    for (int i = 0; i < v->n; i++)
        ni[i] = (named_id){v->names[i], i};
    qsort(ni, (size_t)v->n, sizeof *ni, cmp_named);
    for (int i = 0; i < v->n; i++)
        v->order[i] = ni[i].id;
    free(ni);
    return RECUR_OK;
}

int recur_vocab_id(const recur_vocab *v, const char *name)
{
    int lo = 0, hi = v->n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2, c = strcmp(name, v->names[v->order[mid]]);
        if (c == 0)
            return v->order[mid] < v->nspecial ? v->unk : v->order[mid];
        if (c < 0)
            hi = mid - 1;
        else
            lo = mid + 1;
    }
    return v->unk;
}

/* A vocabulary of the side's specials followed by names[0..n) (sorted,
 * distinct, none of them a special). */
static int vocab_make(int side, char **names, long n, recur_vocab **out)
{
    const char *const *sp;
    int nsp = specials_of(side, &sp);
    if (n + nsp > RECUR_MAX_VOCAB)
        return recur__fail(RECUR_E_LIMIT, "the %s side has %ld distinct tokens; at most %d "
                          "are supported", side ? "target" : "source", n,
                          RECUR_MAX_VOCAB - nsp);
    recur_vocab *v = calloc(1, sizeof *v);
    if (!v || !(v->names = calloc((size_t)(n + nsp), sizeof *v->names))) {
        free(v);
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    v->nspecial = nsp;
    v->unk = nsp - 1; /* <unk> is the last special on both sides */
    int rc = RECUR_OK;
    for (int i = 0; !rc && i < nsp; i++)
        if (!(v->names[v->n++] = strdup(sp[i])))
            rc = recur__fail(RECUR_E_NOMEM, "out of memory");
    for (long j = 0; !rc && j < n; j++)
        if (!(v->names[v->n++] = strdup(names[j])))
            rc = recur__fail(RECUR_E_NOMEM, "out of memory");
    if (!rc)
        rc = index_names(v);
    if (rc) {
        recur_vocab_free(v);
        return rc;
    }
    *out = v;
    return RECUR_OK;
}

static void free_strings(char **all, long n)
{
    for (long j = 0; all && j < n; j++)
        free(all[j]);
    free(all);
}

/* Sort all[0..*n) and drop repeats (and, with sp, the specials). */
static void sort_unique(char **all, long *n, const char *const *sp, int nsp)
{
    qsort(all, (size_t)*n, sizeof *all, cmp_str);
    long k = 0;
    for (long j = 0; j < *n; j++) {
        int drop = k && strcmp(all[j], all[k - 1]) == 0;
        for (int i = 0; !drop && i < nsp; i++)
            drop = strcmp(all[j], sp[i]) == 0;
        if (drop)
            free(all[j]);
        else
            all[k++] = all[j];
    }
    *n = k;
}

static int side_check(const recur_pairs *p, const long *idx, long n, int side,
                      recur_tokens mode, const recur_vocab *v)
{
    if (!p || (!idx && n))
        return recur__fail(RECUR_E_INVALID, "no pairs or no example indices");
    if (side != 0 && side != 1)
        return recur__fail(RECUR_E_INVALID, "side %d: 0 is the source, 1 the target", side);
    if (mode != RECUR_TOKENS_CHARS && mode != RECUR_TOKENS_WORDS &&
        (mode != RECUR_TOKENS_BPE || !v || !v->bpe))
        return recur__fail(RECUR_E_INVALID, mode == RECUR_TOKENS_BPE
                          ? "subword tokens need a subword vocabulary"
                          : "unknown token mode %d", (int)mode);
    for (long i = 0; i < n; i++)
        if (idx[i] < 0 || idx[i] >= p->count)
            return recur__fail(RECUR_E_INVALID, "example index %ld is out of range",
                              idx[i]);
    return RECUR_OK;
}

static const char *side_text(const recur_pairs *p, long i, int side)
{
    return p->bytes + (side ? p->tgt[i] : p->src[i]);
}

int recur_pairs_vocab(const recur_pairs *p, const long *idx, long n, int side,
                      recur_tokens mode, recur_vocab **out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "no output for the vocabulary");
    *out = NULL;
    int rc = side_check(p, idx, n, side, mode, NULL);
    if (rc)
        return rc;
    const char *const *sp;
    int nsp = specials_of(side, &sp);
    long cap = 1024, k = 0;
    char **all = malloc((size_t)cap * sizeof *all);
    if (!all)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    for (long i = 0; !rc && i < n; i++) {
        char *buf, **toks;
        int nt;
        if ((rc = recur_tokenize(side_text(p, idx[i], side), mode, &buf, &toks, &nt)))
            break;
        for (int t = 0; !rc && t < nt; t++) {
            if (k == cap) {
                char **a = realloc(all, (size_t)(cap *= 2) * sizeof *a);
                if (!a) {
                    rc = recur__fail(RECUR_E_NOMEM, "out of memory");
                    break;
                }
                all = a;
            }
            if (!(all[k] = strdup(toks[t])))
                rc = recur__fail(RECUR_E_NOMEM, "out of memory");
            else
                k++;
        }
        free(buf);
        free(toks);
        /* Keep the list short: deduplicate now and then. */
        if (!rc && k > 65536 * 4)
            sort_unique(all, &k, sp, nsp);
    }
    if (!rc) {
        sort_unique(all, &k, sp, nsp);
        rc = vocab_make(side, all, k, out);
    }
    free_strings(all, k);
    return rc;
}

int recur_vocab_from_names(const char *const *names, int n, int side, recur_vocab **out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "no output for the vocabulary");
    *out = NULL;
    if (!names || n < 0 || (side != 0 && side != 1))
        return recur__fail(RECUR_E_INVALID, "recur_vocab_from_names: no names or a bad side");
    const char *const *sp;
    int nsp = specials_of(side, &sp);
    if (n < nsp)
        return recur__fail(RECUR_E_MISMATCH, "%d token names: fewer than the %d special "
                          "tokens", n, nsp);
    for (int i = 0; i < nsp; i++)
        if (!names[i] || strcmp(names[i], sp[i]) != 0)
            return recur__fail(RECUR_E_MISMATCH, "token %d of the %s side is not %s", i,
                              side ? "target" : "source", sp[i]);
    char **rest = malloc((size_t)(n - nsp + 1) * sizeof *rest);
    if (!rest)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    for (int i = nsp; i < n; i++)
        rest[i - nsp] = (char *)names[i];
    /* The names keep their ids: check distinctness on a sorted copy. */
    int rc = RECUR_OK;
    for (int i = 0; !rc && i < n - nsp; i++)
        if (!rest[i] || !*rest[i])
            rc = recur__fail(RECUR_E_INVALID, "token name %d is empty", nsp + i);
    if (!rc)
        rc = vocab_make(side, rest, n - nsp, out);
    free(rest);
    for (int i = 1; !rc && i < (*out)->n; i++)
        if (strcmp((*out)->names[(*out)->order[i - 1]], (*out)->names[(*out)->order[i]]) == 0)
            rc = recur__fail(RECUR_E_INVALID, "token name '%s' appears twice",
                            (*out)->names[(*out)->order[i]]);
    if (rc) {
        recur_vocab_free(*out);
        *out = NULL;
    }
    return rc;
}

/* Make room for `more` ids after (*ids)[*k] (capacity *cap, doubled). */
static int reserve_ids(int32_t **ids, long k, long *cap, long more)
{
    if (k + more <= *cap)
        return RECUR_OK;
    long c = *cap > 0 ? *cap : 16;
    while (k + more > c)
        c *= 2;
    int32_t *a = realloc(*ids, (size_t)c * sizeof *a);
    if (!a)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    *ids = a;
    *cap = c;
    return RECUR_OK;
}

/* Subwords: the table's ids after the specials (never <unk>). */
static int append_subwords(const recur_vocab *v, const char *s, int32_t **ids, long *k,
                           long *cap)
{
    if (!v->bpe)
        return recur__fail(RECUR_E_INVALID, "subword tokens need a subword vocabulary");
    int32_t *sub;
    int ns, rc = recur_bpe_encode(v->bpe, s, strlen(s), &sub, &ns);
    if (!rc)
        rc = reserve_ids(ids, *k, cap, ns);
    for (int i = 0; !rc && i < ns; i++)
        (*ids)[(*k)++] = sub[i] + v->nspecial;
    free(sub);
    return rc;
}

/* Append the ids of the tokens of s to (*ids)[*k ..], growing the array
 * (capacity *cap, doubled as needed); *unknown counts <unk>s. */
static int append_ids(const recur_vocab *v, const char *s, recur_tokens mode,
                      int32_t **ids, long *k, long *cap, long *unknown)
{
    if (mode == RECUR_TOKENS_BPE)
        return append_subwords(v, s, ids, k, cap);
    char *buf, **toks;
    int nt, rc = recur_tokenize(s, mode, &buf, &toks, &nt);
    if (rc)
        return rc;
    if ((rc = reserve_ids(ids, *k, cap, nt))) {
        free(buf);
        free(toks);
        return rc;
    }
    for (int t = 0; t < nt; t++) {
        int32_t id = recur_vocab_id(v, toks[t]);
        if (unknown)
            *unknown += id == v->unk;
        (*ids)[(*k)++] = id;
    }
    free(buf);
    free(toks);
    return RECUR_OK;
}

int recur_vocab_encode(const recur_vocab *v, const char *s, recur_tokens mode,
                       int32_t **ids, int *n, long *unknown)
{
    if (!v || !ids || !n)
        return recur__fail(RECUR_E_INVALID, "recur_vocab_encode: a NULL argument");
    *n = 0;
    long k = 0, cap = 1;
    *ids = malloc(sizeof **ids);
    if (!*ids)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    int rc = append_ids(v, s, mode, ids, &k, &cap, unknown);
    if (rc) {
        free(*ids);
        *ids = NULL;
        return rc;
    }
    *n = (int)k;
    return RECUR_OK;
}

int recur_pairs_encode(const recur_pairs *p, const long *idx, long n, int side,
                       recur_tokens mode, const recur_vocab *v, long **offsets,
                       int32_t **ids, long *unknown)
{
    if (!v || !offsets || !ids)
        return recur__fail(RECUR_E_INVALID, "recur_pairs_encode: a NULL argument");
    *offsets = NULL;
    *ids = NULL;
    if (unknown)
        *unknown = 0;
    int rc = side_check(p, idx, n, side, mode, v);
    if (rc)
        return rc;
    long cap = n * 8 + 16, k = 0;
    long *off = malloc((size_t)(n + 1) * sizeof *off);
    int32_t *out = malloc((size_t)cap * sizeof *out);
    if (!off || !out)
        rc = recur__fail(RECUR_E_NOMEM, "out of memory");
    for (long i = 0; !rc && i < n; i++) {
        off[i] = k;
        rc = append_ids(v, side_text(p, idx[i], side), mode, &out, &k, &cap, unknown);
    }
    if (rc) {
        free(off);
        free(out);
        return rc;
    }
    off[n] = k;
    *offsets = off;
    *ids = out;
    return RECUR_OK;
}

/* ---- subword vocabularies ------------------------------------------------------- */

int recur_vocab_from_bpe(const recur_bpe *b, int side, recur_vocab **out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "no output for the vocabulary");
    *out = NULL;
    if (!b || (side != 0 && side != 1))
        return recur__fail(RECUR_E_INVALID, "recur_vocab_from_bpe: no table or a bad side");
    int V = recur_bpe_size(b), rc = RECUR_OK;
    if (V < RECUR_BPE_BYTES)
        return recur__fail(RECUR_E_INVALID, "recur_vocab_from_bpe: an empty table");
    size_t cap = 6 * RECUR_BPE_MAX_PIECE + 1;
    for (int i = 0; i < V; i++) {
        size_t len;
        recur_bpe_token(b, i, &len);
        if (6 * len + 1 > cap)
            cap = 6 * len + 1;
    }
    char **names = calloc((size_t)V, sizeof *names);
    char *text = NULL;
    if (!names)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    for (int i = 0; !rc && i < V; i++)
        if (!(names[i] = malloc(cap)))
            rc = recur__fail(RECUR_E_NOMEM, "out of memory");
        else
            rc = recur_bpe_token_name(b, i, names[i], cap);
    if (!rc)
        rc = vocab_make(side, names, V, out);
    if (!rc && ((rc = recur_bpe_to_text(b, &text)) ||
                (rc = recur_bpe_from_text(text, &(*out)->bpe)))) {
        recur_vocab_free(*out);
        *out = NULL;
    }
    free(text);
    free_strings(names, V);
    return rc;
}

const recur_bpe *recur_vocab_bpe(const recur_vocab *v) { return v ? v->bpe : NULL; }

int recur_pairs_vocab_bpe(const recur_pairs *p, const long *idx, long n, int side, int merges,
                          recur_vocab **out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "no output for the vocabulary");
    *out = NULL;
    int rc = side_check(p, idx, n, side, RECUR_TOKENS_CHARS, NULL);
    if (rc)
        return rc;
    const char **texts = malloc((size_t)(n ? n : 1) * sizeof *texts);
    if (!texts)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    for (long i = 0; i < n; i++)
        texts[i] = side_text(p, idx[i], side);
    recur_bpe *b = NULL;
    rc = recur_bpe_learn(texts, n, merges, &b);
    free(texts);
    if (!rc)
        rc = recur_vocab_from_bpe(b, side, out);
    recur_bpe_free(b);
    return rc;
}

/* Replace each byte of s that does not start a well-formed UTF-8 character
 * (a model may emit part of one) by U+FFFD, in place: s has room for 3
 * bytes per byte. */
static int valid_utf8(char *s)
{
    size_t n = strlen(s);
    if (recur__utf8_valid(s, n))
        return RECUR_OK;
    char *copy = malloc(n + 1);
    if (!copy)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    memcpy(copy, s, n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int k = recur__utf8_decode((const unsigned char *)copy + i, n - i, &cp);
        if (k > 0)
            memcpy(s + o, copy + i, (size_t)k);
        else
            memcpy(s + o, "\xEF\xBF\xBD", 3);
        o += k > 0 ? (size_t)k : 3;
        i += k > 0 ? (size_t)k : 1;
    }
    s[o] = 0;
    free(copy);
    return RECUR_OK;
}

int recur_vocab_decode(const recur_vocab *v, const int32_t *ids, int n, recur_tokens mode,
                       char **out)
{
    if (!v || (!ids && n) || n < 0 || !out)
        return recur__fail(RECUR_E_INVALID, "recur_vocab_decode: a NULL argument");
    *out = NULL;
    size_t len = 1;
    for (int i = 0; i < n; i++) {
        if (ids[i] < 0 || ids[i] >= v->n)
            return recur__fail(RECUR_E_INVALID, "token id %d: out of range (%d tokens)",
                              (int)ids[i], v->n);
        size_t k = strlen(v->names[ids[i]]);
        if (mode == RECUR_TOKENS_BPE && v->bpe && ids[i] >= v->nspecial)
            recur_bpe_token(v->bpe, ids[i] - v->nspecial, &k);
        len += k + 1;
    }
    char *s = malloc(3 * len), *o = s; /* room for U+FFFD (3 bytes) per byte */
    if (!s)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        if (mode == RECUR_TOKENS_WORDS && i)
            *o++ = ' ';
        size_t k = strlen(v->names[ids[i]]);
        const char *t = v->names[ids[i]];
        if (mode == RECUR_TOKENS_BPE && v->bpe && ids[i] >= v->nspecial)
            t = recur_bpe_token(v->bpe, ids[i] - v->nspecial, &k);
        memcpy(o, t, k);
        o += k;
    }
    *o = 0;
    if (mode == RECUR_TOKENS_BPE && valid_utf8(s)) {
        free(s);
        return RECUR_E_NOMEM;
    }
    *out = s;
    return RECUR_OK;
}
