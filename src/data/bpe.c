/* bpe.c - byte-level byte-pair encoding (recur/bpe.h): learning merges from
 * text, encoding and decoding, and the table as one line of text for a
 * model's metadata. Learning keeps the count of every adjacent pair over
 * the distinct pieces of the text and updates it as each merge rewrites
 * the pieces that hold the pair, so a merge costs one pass over the
 * pieces, not a recount. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/utf8.h"
#include "recur.h"

struct recur_bpe {
    int nmerge;
    int32_t *merge;      /* [nmerge][2] */
    char *bytes;         /* every token's bytes, back to back */
    size_t *off, *len;   /* [256 + nmerge] */
    /* pair -> merge rank, open addressing over a power-of-two table */
    uint64_t *key;
    int32_t *rank;
    size_t mask;
};

/* ---- pair tables ------------------------------------------------------------ */

#define EMPTY_KEY UINT64_MAX

static uint64_t pair_key(int32_t a, int32_t b) { return (uint64_t)(uint32_t)a << 32 | (uint32_t)b; }

static size_t pair_hash(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return (size_t)k;
}

static int bpe_rank(const recur_bpe *b, int32_t x, int32_t y)
{
    uint64_t k = pair_key(x, y);
    for (size_t i = pair_hash(k) & b->mask;; i = (i + 1) & b->mask) {
        if (b->key[i] == k)
            return b->rank[i];
        if (b->key[i] == EMPTY_KEY)
            return -1;
    }
}

/* ---- pieces ------------------------------------------------------------------ */

enum { CL_SPACE, CL_WORD, CL_SYMBOL };

static int byte_class(unsigned char c)
{
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
        return CL_SPACE;
    if (c >= 0x80 || (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z'))
        return CL_WORD;
    return CL_SYMBOL;
}

/* The length of the piece at the start of s[0..n) (n > 0). */
static size_t piece_len(const unsigned char *s, size_t n)
{
    size_t i = 0;
    if (n >= 2 && s[0] == ' ' && byte_class(s[1]) != CL_SPACE)
        i = 1; /* a single space joins the piece after it */
    int c = byte_class(s[i]);
    size_t j = i + 1;
    while (j < n && j < RECUR_BPE_MAX_PIECE && byte_class(s[j]) == c)
        j++;
    return j;
}

/* ---- the table --------------------------------------------------------------- */

void recur_bpe_free(recur_bpe *b)
{
    if (!b)
        return;
    free(b->merge);
    free(b->bytes);
    free(b->off);
    free(b->len);
    free(b->key);
    free(b->rank);
    free(b);
}

int recur_bpe_size(const recur_bpe *b) { return b ? RECUR_BPE_BYTES + b->nmerge : 0; }

int recur_bpe_merge_count(const recur_bpe *b) { return b ? b->nmerge : 0; }

const char *recur_bpe_token(const recur_bpe *b, int id, size_t *len)
{
    if (!b || id < 0 || id >= recur_bpe_size(b))
        return NULL;
    if (len)
        *len = b->len[id];
    return b->bytes + b->off[id];
}

typedef struct {
    const char *p;
    size_t n;
    int id;
} token_ref;

static int cmp_token(const void *x, const void *y)
{
    const token_ref *a = x, *b = y;
    size_t n = a->n < b->n ? a->n : b->n;
    int c = memcmp(a->p, b->p, n);
    if (c)
        return c;
    return a->n < b->n ? -1 : a->n > b->n;
}

/* A table from merges[0..m) (taken over): token bytes, the rank index, and
 * the check that every merge refers to earlier tokens and that no two
 * tokens have the same bytes. */
static int bpe_build(int32_t *merge, int m, recur_bpe **out)
{
    *out = NULL;
    int V = RECUR_BPE_BYTES + m;
    size_t total = RECUR_BPE_BYTES;
    for (int k = 0; k < m; k++) {
        int32_t x = merge[2 * k], y = merge[2 * k + 1];
        if (x < 0 || y < 0 || x >= RECUR_BPE_BYTES + k || y >= RECUR_BPE_BYTES + k) {
            free(merge);
            return recur__fail(RECUR_E_FORMAT, "subword table: merge %d joins tokens %d and "
                               "%d, which are not both earlier tokens", k + 1, x, y);
        }
    }
    recur_bpe *b = calloc(1, sizeof *b);
    if (!b) {
        free(merge);
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    b->merge = merge;
    b->nmerge = m;
    b->off = malloc((size_t)V * sizeof *b->off);
    b->len = malloc((size_t)V * sizeof *b->len);
    size_t cap = 1;
    while (cap < (size_t)m * 2 + 2)
        cap *= 2;
    b->mask = cap - 1;
    b->key = malloc(cap * sizeof *b->key);
    b->rank = malloc(cap * sizeof *b->rank);
    if (!b->off || !b->len || !b->key || !b->rank) {
        recur_bpe_free(b);
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    for (int i = 0; i < RECUR_BPE_BYTES; i++)
        b->len[i] = 1;
    for (int k = 0; k < m; k++) {
        b->len[RECUR_BPE_BYTES + k] = b->len[merge[2 * k]] + b->len[merge[2 * k + 1]];
        total += b->len[RECUR_BPE_BYTES + k];
        if (b->len[RECUR_BPE_BYTES + k] > RECUR_BPE_MAX_PIECE) {
            /* No piece is longer, so learning never makes such a token. */
            recur_bpe_free(b);
            return recur__fail(RECUR_E_FORMAT, "subword table: token %d is longer than a "
                               "piece (%d bytes)", RECUR_BPE_BYTES + k, RECUR_BPE_MAX_PIECE);
        }
    }
    if (!(b->bytes = malloc(total))) {
        recur_bpe_free(b);
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    size_t o = 0;
    for (int i = 0; i < V; i++) {
        b->off[i] = o;
        if (i < RECUR_BPE_BYTES) {
            b->bytes[o] = (char)i;
        } else {
            int32_t x = merge[2 * (i - RECUR_BPE_BYTES)], y = merge[2 * (i - RECUR_BPE_BYTES) + 1];
            memcpy(b->bytes + o, b->bytes + b->off[x], b->len[x]);
            memcpy(b->bytes + o + b->len[x], b->bytes + b->off[y], b->len[y]);
        }
        o += b->len[i];
    }
    for (size_t i = 0; i < cap; i++)
        b->key[i] = EMPTY_KEY;
    int rc = RECUR_OK;
    for (int k = 0; !rc && k < m; k++) {
        uint64_t key = pair_key(merge[2 * k], merge[2 * k + 1]);
        size_t i = pair_hash(key) & b->mask;
        while (b->key[i] != EMPTY_KEY && b->key[i] != key)
            i = (i + 1) & b->mask;
        if (b->key[i] == key)
            rc = recur__fail(RECUR_E_FORMAT, "subword table: merges %d and %d join the same "
                             "pair", b->rank[i] + 1, k + 1);
        b->key[i] = key;
        b->rank[i] = k;
    }
    token_ref *t = rc ? NULL : malloc((size_t)V * sizeof *t);
    if (!rc && !t)
        rc = recur__fail(RECUR_E_NOMEM, "out of memory");
    for (int i = 0; !rc && i < V; i++)
        t[i] = (token_ref){b->bytes + b->off[i], b->len[i], i};
    if (!rc)
        qsort(t, (size_t)V, sizeof *t, cmp_token);
    for (int i = 1; !rc && i < V; i++)
        if (cmp_token(&t[i - 1], &t[i]) == 0)
            rc = recur__fail(RECUR_E_FORMAT, "subword table: tokens %d and %d have the same "
                             "bytes", t[i - 1].id < t[i].id ? t[i - 1].id : t[i].id,
                             t[i - 1].id < t[i].id ? t[i].id : t[i - 1].id);
    free(t);
    if (rc) {
        recur_bpe_free(b);
        return rc;
    }
    *out = b;
    return RECUR_OK;
}

int recur_bpe_token_name(const recur_bpe *b, int id, char *buf, size_t cap)
{
    size_t n;
    const char *p = recur_bpe_token(b, id, &n);
    if (!p || !buf)
        return recur__fail(RECUR_E_INVALID, "subword token %d: out of range", id);
    int plain = 1;
    for (size_t i = 0; plain && i < n;) {
        uint32_t cp;
        int k = recur__utf8_decode((const unsigned char *)p + i, n - i, &cp);
        plain = k > 0 && cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp < 0xa0);
        i += k > 0 ? (size_t)k : 1;
    }
    size_t need = plain ? n + 1 : 6 * n + 1;
    if (need > cap)
        return recur__fail(RECUR_E_LIMIT, "subword token %d: a name of %zu bytes", id, need);
    if (plain) {
        memcpy(buf, p, n);
        buf[n] = 0;
    } else {
        for (size_t i = 0; i < n; i++)
            snprintf(buf + 6 * i, 7, "<0x%02X>", (unsigned char)p[i]);
    }
    return RECUR_OK;
}

/* ---- encoding ------------------------------------------------------------------ */

/* Merge the symbols w[0..*n) in rank order until no pair has a rank. */
static void merge_piece(const recur_bpe *b, int32_t *w, int *n)
{
    while (*n > 1) {
        int best = -1, at = -1;
        for (int i = 0; i + 1 < *n; i++) {
            int r = bpe_rank(b, w[i], w[i + 1]);
            if (r >= 0 && (best < 0 || r < best))
                best = r, at = i;
        }
        if (best < 0)
            return;
        int32_t x = w[at], y = w[at + 1], o = 0;
        for (int i = 0; i < *n;) {
            if (i + 1 < *n && w[i] == x && w[i + 1] == y) {
                w[o++] = RECUR_BPE_BYTES + best;
                i += 2;
            } else {
                w[o++] = w[i++];
            }
        }
        *n = o;
    }
}

int recur_bpe_encode(const recur_bpe *b, const char *s, size_t len, int32_t **ids, int *n)
{
    if (!b || (!s && len) || !ids || !n)
        return recur__fail(RECUR_E_INVALID, "recur_bpe_encode: a NULL argument");
    *ids = NULL;
    *n = 0;
    if (len > (size_t)RECUR_TSV_MAX_LINE_BYTES)
        return recur__fail(RECUR_E_LIMIT, "a text of %zu bytes to split into subwords: over "
                           "the limit of %ld", len, (long)RECUR_TSV_MAX_LINE_BYTES);
    int32_t *out = malloc((len ? len : 1) * sizeof *out);
    if (!out)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    const unsigned char *u = (const unsigned char *)s;
    int k = 0;
    for (size_t i = 0; i < len;) {
        size_t p = piece_len(u + i, len - i);
        int m = (int)p;
        for (size_t j = 0; j < p; j++)
            out[k + (int)j] = u[i + j];
        merge_piece(b, out + k, &m);
        k += m;
        i += p;
    }
    *ids = out;
    *n = k;
    return RECUR_OK;
}

int recur_bpe_decode(const recur_bpe *b, const int32_t *ids, int n, char **out, size_t *len)
{
    if (!b || (!ids && n) || n < 0 || !out)
        return recur__fail(RECUR_E_INVALID, "recur_bpe_decode: a NULL argument");
    *out = NULL;
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        if (ids[i] < 0 || ids[i] >= recur_bpe_size(b))
            return recur__fail(RECUR_E_INVALID, "subword id %d: out of range (%d tokens)",
                               (int)ids[i], recur_bpe_size(b));
        total += b->len[ids[i]];
    }
    char *s = malloc(total + 1);
    if (!s)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        memcpy(s + o, b->bytes + b->off[ids[i]], b->len[ids[i]]);
        o += b->len[ids[i]];
    }
    s[o] = 0;
    *out = s;
    if (len)
        *len = o;
    return RECUR_OK;
}

/* ---- the table as text ------------------------------------------------------------ */

#define BPE_MAGIC "recur-bpe-1"

int recur_bpe_to_text(const recur_bpe *b, char **out)
{
    if (!b || !out)
        return recur__fail(RECUR_E_INVALID, "recur_bpe_to_text: a NULL argument");
    size_t cap = 32 + (size_t)b->nmerge * 16, o = 0;
    char *s = malloc(cap);
    if (!s)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    o += (size_t)snprintf(s, cap, "%s %d", BPE_MAGIC, b->nmerge);
    for (int k = 0; k < b->nmerge; k++)
        o += (size_t)snprintf(s + o, cap - o, " %d %d", (int)b->merge[2 * k],
                              (int)b->merge[2 * k + 1]);
    *out = s;
    return RECUR_OK;
}

/* A decimal number of at most 7 digits at *p (then a space or the end). */
static int read_num(const char **p, long *v)
{
    const char *s = *p;
    long x = 0;
    int d = 0;
    while (*s >= '0' && *s <= '9' && d < 8)
        x = x * 10 + (*s++ - '0'), d++;
    if (d == 0 || d > 7 || (*s && *s != ' '))
        return -1;
    *v = x;
    *p = *s ? s + 1 : s;
    return 0;
}

int recur_bpe_from_text(const char *text, recur_bpe **out)
{
    if (!text || !out)
        return recur__fail(RECUR_E_INVALID, "recur_bpe_from_text: a NULL argument");
    *out = NULL;
    size_t ml = strlen(BPE_MAGIC);
    if (strncmp(text, BPE_MAGIC, ml) || text[ml] != ' ')
        return recur__fail(RECUR_E_FORMAT, "subword table: does not start with '%s'",
                           BPE_MAGIC);
    const char *p = text + ml + 1;
    long m;
    if (read_num(&p, &m) || m > RECUR_BPE_MAX_MERGES)
        return recur__fail(RECUR_E_FORMAT, "subword table: no merge count (at most %d) "
                           "after '%s'", RECUR_BPE_MAX_MERGES, BPE_MAGIC);
    int32_t *merge = malloc((size_t)(m ? m : 1) * 2 * sizeof *merge);
    if (!merge)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    for (long k = 0; k < 2 * m; k++) {
        long v;
        if (!*p || read_num(&p, &v)) {
            free(merge);
            return recur__fail(RECUR_E_FORMAT, "subword table: merge %ld of %ld is %s",
                               k / 2 + 1, m, *p ? "not two numbers" : "missing");
        }
        merge[k] = (int32_t)v;
    }
    if (*p) {
        free(merge);
        return recur__fail(RECUR_E_FORMAT, "subword table: more than the %ld merges it "
                           "announces", m);
    }
    return bpe_build(merge, (int)m, out);
}

/* ---- learning ---------------------------------------------------------------------- */

/* The distinct pieces of the texts with their counts. */
typedef struct {
    char *bytes;
    size_t nbytes, cap_bytes;
    size_t *off;
    int *len;
    long *count;
    long n, cap;
    long *slot;  /* hash table of piece indices, -1 empty */
    size_t mask;
} piece_set;

static size_t bytes_hash(const unsigned char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ULL;
    return (size_t)(h ^ h >> 29);
}

static int pieces_grow(piece_set *ps)
{
    long cap = ps->cap ? ps->cap * 2 : 4096;
    size_t *off = realloc(ps->off, (size_t)cap * sizeof *off);
    if (off)
        ps->off = off;
    int *len = realloc(ps->len, (size_t)cap * sizeof *len);
    if (len)
        ps->len = len;
    long *count = realloc(ps->count, (size_t)cap * sizeof *count);
    if (count)
        ps->count = count;
    long *slot = malloc((size_t)cap * 2 * sizeof *slot);
    if (!off || !len || !count || !slot) {
        free(slot);
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    ps->cap = cap;
    ps->mask = (size_t)cap * 2 - 1;
    for (size_t i = 0; i <= ps->mask; i++)
        slot[i] = -1;
    for (long k = 0; k < ps->n; k++) {
        size_t i = bytes_hash((unsigned char *)ps->bytes + ps->off[k], (size_t)ps->len[k]) &
                   ps->mask;
        while (slot[i] >= 0)
            i = (i + 1) & ps->mask;
        slot[i] = k;
    }
    free(ps->slot);
    ps->slot = slot;
    return RECUR_OK;
}

static int pieces_add(piece_set *ps, const unsigned char *s, size_t n)
{
    if (ps->n == ps->cap && pieces_grow(ps))
        return RECUR_E_NOMEM;
    size_t i = bytes_hash(s, n) & ps->mask;
    for (; ps->slot[i] >= 0; i = (i + 1) & ps->mask) {
        long k = ps->slot[i];
        if ((size_t)ps->len[k] == n && !memcmp(ps->bytes + ps->off[k], s, n)) {
            ps->count[k]++;
            return RECUR_OK;
        }
    }
    if (ps->nbytes + n > ps->cap_bytes) {
        size_t c = ps->cap_bytes ? ps->cap_bytes * 2 : 65536;
        while (ps->nbytes + n > c)
            c *= 2;
        char *nb = realloc(ps->bytes, c);
        if (!nb)
            return recur__fail(RECUR_E_NOMEM, "out of memory");
        ps->bytes = nb;
        ps->cap_bytes = c;
    }
    memcpy(ps->bytes + ps->nbytes, s, n);
    ps->off[ps->n] = ps->nbytes;
    ps->len[ps->n] = (int)n;
    ps->count[ps->n] = 1;
    ps->nbytes += n;
    ps->slot[i] = ps->n++;
    return RECUR_OK;
}

static void pieces_free(piece_set *ps)
{
    free(ps->bytes);
    free(ps->off);
    free(ps->len);
    free(ps->count);
    free(ps->slot);
}

/* Adjacent-pair counts: entries in arrays, found through a hash index. */
typedef struct {
    uint64_t *key;
    long *count;
    unsigned char *banned; /* its merge would repeat a token's bytes */
    long n, cap;
    long *slot;
    size_t mask;
} pair_counts;

static int pairs_rehash(pair_counts *pc, long cap)
{
    uint64_t *key = realloc(pc->key, (size_t)cap * sizeof *key);
    if (key)
        pc->key = key;
    long *count = realloc(pc->count, (size_t)cap * sizeof *count);
    if (count)
        pc->count = count;
    unsigned char *banned = realloc(pc->banned, (size_t)cap);
    if (banned)
        pc->banned = banned;
    long *slot = malloc((size_t)cap * 2 * sizeof *slot);
    if (!key || !count || !banned || !slot) {
        free(slot);
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    pc->cap = cap;
    pc->mask = (size_t)cap * 2 - 1;
    for (size_t i = 0; i <= pc->mask; i++)
        slot[i] = -1;
    for (long k = 0; k < pc->n; k++) {
        size_t i = pair_hash(pc->key[k]) & pc->mask;
        while (slot[i] >= 0)
            i = (i + 1) & pc->mask;
        slot[i] = k;
    }
    free(pc->slot);
    pc->slot = slot;
    return RECUR_OK;
}

static int pairs_add(pair_counts *pc, int32_t a, int32_t b, long c)
{
    uint64_t k = pair_key(a, b);
    size_t i = pair_hash(k) & pc->mask;
    for (; pc->slot[i] >= 0; i = (i + 1) & pc->mask)
        if (pc->key[pc->slot[i]] == k) {
            pc->count[pc->slot[i]] += c;
            return RECUR_OK;
        }
    if (pc->n == pc->cap) {
        if (pairs_rehash(pc, pc->cap * 2))
            return RECUR_E_NOMEM;
        return pairs_add(pc, a, b, c);
    }
    pc->key[pc->n] = k;
    pc->count[pc->n] = c;
    pc->banned[pc->n] = 0;
    pc->slot[i] = pc->n++;
    return RECUR_OK;
}

static void pairs_free(pair_counts *pc)
{
    free(pc->key);
    free(pc->count);
    free(pc->banned);
    free(pc->slot);
}

/* The most frequent pair not banned (smallest key on a tie), -1 if none
 * occurs twice. */
static long pairs_best(const pair_counts *pc)
{
    long best = -1;
    for (long k = 0; k < pc->n; k++)
        if (!pc->banned[k] && pc->count[k] >= 2 &&
            (best < 0 || pc->count[k] > pc->count[best] ||
             (pc->count[k] == pc->count[best] && pc->key[k] < pc->key[best])))
            best = k;
    return best;
}

/* The learner's state: pieces as symbol arrays, pair counts, the tokens'
 * bytes made so far (to keep them distinct). */
typedef struct {
    piece_set ps;
    int32_t *sym;      /* the pieces' symbols, back to back */
    int *nsym;         /* [ps.n] */
    pair_counts pc;
    int32_t *merge;
    int nmerge;
    char *tok;         /* token bytes */
    size_t *toff, *tlen, ntok_bytes, tok_cap;
    piece_set known;   /* the tokens' bytes, for the distinctness check */
} learner;

static void learner_free(learner *L)
{
    pieces_free(&L->ps);
    free(L->sym);
    free(L->nsym);
    pairs_free(&L->pc);
    free(L->merge);
    free(L->tok);
    free(L->toff);
    free(L->tlen);
    pieces_free(&L->known);
}

static int learner_setup(learner *L, const char *const *texts, long n, int merges)
{
    int rc = RECUR_OK;
    for (long t = 0; !rc && t < n; t++) {
        const unsigned char *s = (const unsigned char *)texts[t];
        if (!s)
            return recur__fail(RECUR_E_INVALID, "recur_bpe_learn: text %ld is NULL", t);
        size_t len = strlen(texts[t]);
        for (size_t i = 0; !rc && i < len;) {
            size_t p = piece_len(s + i, len - i);
            rc = pieces_add(&L->ps, s + i, p);
            i += p;
        }
    }
    if (rc)
        return rc;
    long np = L->ps.n;
    L->sym = malloc((L->ps.nbytes ? L->ps.nbytes : 1) * sizeof *L->sym);
    L->nsym = malloc((size_t)(np ? np : 1) * sizeof *L->nsym);
    L->merge = malloc((size_t)(merges ? merges : 1) * 2 * sizeof *L->merge);
    int V = RECUR_BPE_BYTES + merges;
    L->toff = malloc((size_t)V * sizeof *L->toff);
    L->tlen = malloc((size_t)V * sizeof *L->tlen);
    L->tok_cap = 4096;
    L->tok = malloc(L->tok_cap);
    if (!L->sym || !L->nsym || !L->merge || !L->toff || !L->tlen || !L->tok ||
        pairs_rehash(&L->pc, 1024))
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    for (int i = 0; i < RECUR_BPE_BYTES; i++) {
        L->tok[i] = (char)i;
        L->toff[i] = (size_t)i;
        L->tlen[i] = 1;
    }
    L->ntok_bytes = RECUR_BPE_BYTES;
    for (long k = 0; !rc && k < np; k++) {
        const unsigned char *s = (const unsigned char *)L->ps.bytes + L->ps.off[k];
        int32_t *w = L->sym + L->ps.off[k];
        L->nsym[k] = L->ps.len[k];
        for (int i = 0; i < L->ps.len[k]; i++)
            w[i] = s[i];
        for (int i = 0; !rc && i + 1 < L->ps.len[k]; i++)
            rc = pairs_add(&L->pc, w[i], w[i + 1], L->ps.count[k]);
    }
    return rc;
}

/* Is a ++ b already a token's bytes? If not, remember it as one. */
static int new_token(learner *L, int32_t a, int32_t b, int *dup)
{
    size_t n = L->tlen[a] + L->tlen[b];
    if (L->ntok_bytes + n > L->tok_cap) {
        size_t c = L->tok_cap * 2;
        while (L->ntok_bytes + n > c)
            c *= 2;
        char *t = realloc(L->tok, c);
        if (!t)
            return recur__fail(RECUR_E_NOMEM, "out of memory");
        L->tok = t;
        L->tok_cap = c;
    }
    char *o = L->tok + L->ntok_bytes;
    memcpy(o, L->tok + L->toff[a], L->tlen[a]);
    memcpy(o + L->tlen[a], L->tok + L->toff[b], L->tlen[b]);
    long before = L->known.n;
    int rc = pieces_add(&L->known, (unsigned char *)o, n);
    if (rc)
        return rc;
    *dup = L->known.n == before;
    if (*dup)
        return RECUR_OK;
    int id = RECUR_BPE_BYTES + L->nmerge;
    L->toff[id] = L->ntok_bytes;
    L->tlen[id] = n;
    L->ntok_bytes += n;
    return RECUR_OK;
}

/* Rewrite every piece holding the pair (a, b) with token id, updating the
 * pair counts. */
static int apply_merge(learner *L, int32_t a, int32_t b, int32_t id)
{
    int rc = RECUR_OK;
    for (long k = 0; !rc && k < L->ps.n; k++) {
        int32_t *w = L->sym + L->ps.off[k];
        int n = L->nsym[k], o = 0;
        long c = L->ps.count[k];
        for (int r = 0; !rc && r < n;) {
            if (r + 1 < n && w[r] == a && w[r + 1] == b) {
                if (o > 0 && !(rc = pairs_add(&L->pc, w[o - 1], a, -c)))
                    rc = pairs_add(&L->pc, w[o - 1], id, c);
                if (!rc && r + 2 < n && !(rc = pairs_add(&L->pc, b, w[r + 2], -c)))
                    rc = pairs_add(&L->pc, id, w[r + 2], c);
                if (!rc)
                    rc = pairs_add(&L->pc, a, b, -c);
                w[o++] = id;
                r += 2;
            } else {
                w[o++] = w[r++];
            }
        }
        L->nsym[k] = o;
    }
    return rc;
}

int recur_bpe_learn(const char *const *texts, long n, int merges, recur_bpe **out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "recur_bpe_learn: no output");
    *out = NULL;
    if ((!texts && n) || n < 0 || merges < 0 || merges > RECUR_BPE_MAX_MERGES)
        return recur__fail(RECUR_E_INVALID, "recur_bpe_learn: %d merges (0 to %d) over %ld "
                           "texts", merges, RECUR_BPE_MAX_MERGES, n);
    learner L;
    memset(&L, 0, sizeof L);
    int rc = learner_setup(&L, texts, n, merges);
    for (int i = 0; !rc && i < RECUR_BPE_BYTES; i++) {
        unsigned char byte = (unsigned char)i;
        rc = pieces_add(&L.known, &byte, 1);
    }
    while (!rc && L.nmerge < merges) {
        long best = pairs_best(&L.pc);
        if (best < 0)
            break;
        int32_t a = (int32_t)(L.pc.key[best] >> 32), b = (int32_t)(L.pc.key[best] & 0xffffffffu);
        int dup = 0;
        if ((rc = new_token(&L, a, b, &dup)))
            break;
        if (dup) {
            L.pc.banned[best] = 1;
            continue;
        }
        int32_t id = RECUR_BPE_BYTES + L.nmerge;
        L.merge[2 * L.nmerge] = a;
        L.merge[2 * L.nmerge + 1] = b;
        L.nmerge++;
        rc = apply_merge(&L, a, b, id);
    }
    if (!rc) {
        rc = bpe_build(L.merge, L.nmerge, out);
        L.merge = NULL; /* taken over */
    }
    learner_free(&L);
    return rc;
}
