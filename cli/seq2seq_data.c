/* seq2seq_data.c - reading, tokenising, splitting and scoring parallel text
 * for `recur seq2seq`. */
#include "seq2seq_data.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

#define MAX_LINE_BYTES 65536
#define MAX_PAIRS 10000000L

/* Bytes of the UTF-8 character at s (1..4), or 0 if it is not valid. */
static int utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return c ? 1 : 0;
    int n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (!n || c > 0xF4)
        return 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0) ||
        (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
        return 0;
    return n;
}

void pairs_free(s2s_pairs *p)
{
    for (long i = 0; i < p->n; i++) {
        free(p->src[i]); /* tgt points into the same allocation */
    }
    free(p->src);
    free(p->tgt);
    free(p->line);
    memset(p, 0, sizeof *p);
}

static int grow(s2s_pairs *p, long *cap)
{
    long nc = *cap ? *cap * 2 : 1024;
    char **a = realloc(p->src, (size_t)nc * sizeof *a);
    if (a)
        p->src = a;
    char **b = realloc(p->tgt, (size_t)nc * sizeof *b);
    if (b)
        p->tgt = b;
    long *l = realloc(p->line, (size_t)nc * sizeof *l);
    if (l)
        p->line = l;
    if (!a || !b || !l)
        return cli_error("out of memory reading the data");
    *cap = nc;
    return 0;
}

int pairs_load(const char *path, int need_target, s2s_pairs *p)
{
    memset(p, 0, sizeof *p);
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return cli_error("%s: %s", path, strerror(errno));
    char *buf = malloc(MAX_LINE_BYTES + 2);
    long cap = 0, lineno = 0;
    int code = buf ? 0 : cli_error("out of memory");
    while (!code && fgets(buf, MAX_LINE_BYTES + 2, f)) {
        lineno++;
        size_t len = strlen(buf);
        if (len > MAX_LINE_BYTES) {
            code = cli_error("%s:%ld: line longer than %d bytes", path, lineno,
                             MAX_LINE_BYTES);
            break;
        }
        if (len && buf[len - 1] == '\n')
            buf[--len] = 0;
        if (len && buf[len - 1] == '\r')
            buf[--len] = 0;
        if (memchr(buf, 0, len) != NULL) {
            code = cli_error("%s:%ld: NUL byte (a binary file?)", path, lineno);
            break;
        }
        for (size_t i = 0; i < len;) {
            int k = utf8_len((const unsigned char *)buf + i);
            if (!k) {
                code = cli_error("%s:%ld: invalid UTF-8 at byte %zu", path, lineno, i + 1);
                break;
            }
            i += (size_t)k;
        }
        if (code)
            break;
        if (len == 0)
            continue; /* blank lines are skipped */
        char *tab = strchr(buf, '\t');
        if (!tab && need_target) {
            code = cli_error("%s:%ld: no tab: expected 'source<TAB>target'", path, lineno);
            break;
        }
        if (tab && strchr(tab + 1, '\t')) {
            code = cli_error("%s:%ld: more than one tab: expected 'source<TAB>target'",
                             path, lineno);
            break;
        }
        if (tab)
            *tab = 0;
        const char *tgt = tab ? tab + 1 : "";
        if (!*buf) {
            code = cli_error("%s:%ld: empty source", path, lineno);
            break;
        }
        if (need_target && strspn(tgt, " ") == strlen(tgt)) {
            code = cli_error("%s:%ld: empty target", path, lineno);
            break;
        }
        if (p->n == MAX_PAIRS) {
            code = cli_error("%s: more than %ld lines", path, MAX_PAIRS);
            break;
        }
        if (p->n == cap && (code = grow(p, &cap)))
            break;
        size_t ls = strlen(buf), lt = strlen(tgt);
        char *mem = malloc(ls + lt + 2);
        if (!mem) {
            code = cli_error("out of memory reading the data");
            break;
        }
        memcpy(mem, buf, ls + 1);
        memcpy(mem + ls + 1, tgt, lt + 1);
        p->src[p->n] = mem;
        p->tgt[p->n] = mem + ls + 1;
        p->line[p->n++] = lineno;
    }
    if (!code && ferror(f))
        code = cli_error("%s: read error", path);
    if (!code && p->n == 0)
        code = cli_error("%s: no data (the file is empty)", path);
    free(buf);
    if (f != stdin)
        fclose(f);
    if (code)
        pairs_free(p);
    return code;
}

int tokenize(const char *s, int mode, char **buf, char ***toks, int *n)
{
    size_t len = strlen(s);
    *buf = malloc(2 * len + 2);
    *toks = malloc((len + 1) * sizeof **toks);
    *n = 0;
    if (!*buf || !*toks) {
        free(*buf);
        free(*toks);
        *buf = NULL, *toks = NULL;
        return cli_error("out of memory");
    }
    char *o = *buf;
    if (mode == TOK_CHARS) {
        for (size_t i = 0; i < len;) {
            int k = utf8_len((const unsigned char *)s + i);
            if (!k)
                k = 1; /* validated on reading; never here */
            (*toks)[(*n)++] = o;
            memcpy(o, s + i, (size_t)k);
            o[k] = 0;
            o += k + 1;
            i += (size_t)k;
        }
        return 0;
    }
    memcpy(o, s, len + 1);
    for (char *t = strtok(o, " "); t; t = strtok(NULL, " "))
        (*toks)[(*n)++] = t;
    return 0;
}

/* ---- vocabularies ----------------------------------------------------------- */

static const s2s_vocab *sort_vocab;
static int by_name(const void *a, const void *b)
{
    return strcmp(sort_vocab->names[*(const int *)a], sort_vocab->names[*(const int *)b]);
}
static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void vocab_free(s2s_vocab *v)
{
    for (int i = 0; v->names && i < v->n; i++)
        free(v->names[i]);
    free(v->names);
    free(v->order);
    memset(v, 0, sizeof *v);
}

static int vocab_index(s2s_vocab *v)
{
    v->order = malloc((size_t)v->n * sizeof *v->order);
    if (!v->order)
        return cli_error("out of memory");
    for (int i = 0; i < v->n; i++)
        v->order[i] = i;
    sort_vocab = v;
    qsort(v->order, (size_t)v->n, sizeof *v->order, by_name);
    return 0;
}

int vocab_id(const s2s_vocab *v, const char *name, int unk)
{
    int lo = 0, hi = v->n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, c = strcmp(name, v->names[v->order[mid]]);
        if (c == 0)
            return v->order[mid];
        if (c < 0)
            hi = mid - 1;
        else
            lo = mid + 1;
    }
    return unk;
}

int vocab_build(const s2s_pairs *p, const long *idx, long count, int side, int mode,
                s2s_vocab *v)
{
    memset(v, 0, sizeof *v);
    static const char *const src_special[] = {S2S_UNK};
    static const char *const tgt_special[] = {S2S_BOS, S2S_EOS, S2S_UNK};
    const char *const *sp = side ? tgt_special : src_special;
    int nsp = side ? 3 : 1;
    long cap = 1024, n = 0;
    char **all = malloc((size_t)cap * sizeof *all);
    int code = all ? 0 : cli_error("out of memory");
    for (long i = 0; !code && i < count; i++) {
        char *buf, **toks;
        int nt;
        if ((code = tokenize(side ? p->tgt[idx[i]] : p->src[idx[i]], mode, &buf, &toks,
                             &nt)))
            break;
        for (int t = 0; !code && t < nt; t++) {
            if (n == cap) {
                char **a = realloc(all, (size_t)(cap *= 2) * sizeof *a);
                if (!a) {
                    code = cli_error("out of memory");
                    break;
                }
                all = a;
            }
            if (!(all[n++] = strdup(toks[t])))
                code = cli_error("out of memory");
        }
        free(buf);
        free(toks);
        /* Keep the list short: deduplicate now and then. */
        if (!code && n > 65536 * 4) {
            qsort(all, (size_t)n, sizeof *all, str_cmp);
            long k = 0;
            for (long j = 0; j < n; j++)
                if (k && strcmp(all[j], all[k - 1]) == 0)
                    free(all[j]);
                else
                    all[k++] = all[j];
            n = k;
        }
    }
    if (!code)
        qsort(all, (size_t)n, sizeof *all, str_cmp);
    long distinct = 0;
    for (long j = 0; !code && j < n; j++)
        distinct += j == 0 || strcmp(all[j], all[j - 1]) != 0;
    if (!code && distinct + nsp > RECUR_MAX_VOCAB)
        code = cli_error("the %s side has %ld distinct tokens; at most %d are supported",
                         side ? "target" : "source", distinct, RECUR_MAX_VOCAB - nsp);
    if (!code) {
        v->names = calloc((size_t)(distinct + nsp), sizeof *v->names);
        if (!v->names)
            code = cli_error("out of memory");
    }
    for (int i = 0; !code && i < nsp; i++)
        if (!(v->names[v->n++] = strdup(sp[i])))
            code = cli_error("out of memory");
    for (long j = 0; !code && j < n; j++) {
        if (j > 0 && strcmp(all[j], all[j - 1]) == 0)
            continue;
        int special = 0;
        for (int i = 0; i < nsp; i++)
            special |= strcmp(all[j], sp[i]) == 0;
        if (!special && !(v->names[v->n++] = strdup(all[j])))
            code = cli_error("out of memory");
    }
    for (long j = 0; all && j < n; j++)
        free(all[j]);
    free(all);
    v->nspecial = nsp;
    if (!code)
        code = vocab_index(v);
    if (code)
        vocab_free(v);
    return code;
}

int vocab_from_names(const char *const *names, int n, int nspecial, s2s_vocab *v)
{
    memset(v, 0, sizeof *v);
    v->names = calloc((size_t)n, sizeof *v->names);
    if (!v->names)
        return cli_error("out of memory");
    v->n = n;
    v->nspecial = nspecial;
    for (int i = 0; i < n; i++)
        if (!(v->names[i] = strdup(names[i]))) {
            vocab_free(v);
            return cli_error("out of memory");
        }
    int code = vocab_index(v);
    if (code)
        vocab_free(v);
    return code;
}

int encode_side(const s2s_pairs *p, const long *idx, long count, int side, int mode,
                const s2s_vocab *v, int unk, long **offsets, int32_t **ids,
                long *unknown)
{
    long cap = count * 8 + 16, n = 0;
    *offsets = malloc((size_t)(count + 1) * sizeof **offsets);
    *ids = malloc((size_t)cap * sizeof **ids);
    *unknown = 0;
    int code = *offsets && *ids ? 0 : cli_error("out of memory");
    for (long i = 0; !code && i < count; i++) {
        char *buf, **toks;
        int nt;
        (*offsets)[i] = n;
        if ((code = tokenize(side ? p->tgt[idx[i]] : p->src[idx[i]], mode, &buf, &toks,
                             &nt)))
            break;
        if (n + nt > cap) {
            while (n + nt > cap)
                cap *= 2;
            int32_t *a = realloc(*ids, (size_t)cap * sizeof *a);
            if (!a)
                code = cli_error("out of memory");
            else
                *ids = a;
        }
        for (int t = 0; !code && t < nt; t++) {
            int id = vocab_id(v, toks[t], unk);
            /* A special token's name in the data is an ordinary unknown. */
            if (id < v->nspecial)
                id = unk;
            *unknown += id == unk;
            (*ids)[n++] = id;
        }
        free(buf);
        free(toks);
    }
    if (!code)
        (*offsets)[count] = n;
    if (code) {
        free(*offsets);
        free(*ids);
        *offsets = NULL;
        *ids = NULL;
    }
    return code;
}

/* splitmix64: a permutation that depends on the seed alone. */
static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

long *split_order(long n, uint64_t seed)
{
    long *o = malloc((size_t)(n > 0 ? n : 1) * sizeof *o);
    if (!o)
        return NULL;
    uint64_t st = seed * 0x2545F4914F6CDD1DULL + 17;
    for (long i = 0; i < n; i++)
        o[i] = i;
    for (long i = n - 1; i > 0; i--) {
        long j = (long)(splitmix(&st) % (uint64_t)(i + 1)), t = o[i];
        o[i] = o[j];
        o[j] = t;
    }
    return o;
}

/* ---- metrics ------------------------------------------------------------- */

static long edit_distance(char **a, int na, char **b, int nb)
{
    long *row = malloc((size_t)(nb + 1) * sizeof *row);
    if (!row)
        return -1;
    for (int j = 0; j <= nb; j++)
        row[j] = j;
    for (int i = 1; i <= na; i++) {
        long diag = row[0];
        row[0] = i;
        for (int j = 1; j <= nb; j++) {
            long up = row[j];
            long best = diag + (strcmp(a[i - 1], b[j - 1]) != 0);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    long d = row[nb];
    free(row);
    return d;
}

/* Words for BLEU: split at spaces, ASCII punctuation as words of its own. */
static int bleu_words(const char *s, char **buf, char ***w, int *n)
{
    size_t len = strlen(s);
    *buf = malloc(3 * len + 2);
    *w = malloc((len + 1) * sizeof **w);
    *n = 0;
    if (!*buf || !*w) {
        free(*buf);
        free(*w);
        return cli_error("out of memory");
    }
    char *o = *buf;
    int open = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        int punct = c < 0x80 && strchr(".,!?;:\"()", c) && c;
        if (c == ' ' || punct) {
            if (open)
                *o++ = 0, open = 0;
            if (punct) {
                (*w)[(*n)++] = o;
                *o++ = (char)c;
                *o++ = 0;
            }
            continue;
        }
        if (!open)
            (*w)[(*n)++] = o, open = 1;
        *o++ = (char)c;
    }
    if (open)
        *o++ = 0;
    return 0;
}

static int same_gram(char **a, char **b, int k)
{
    for (int i = 0; i < k; i++)
        if (strcmp(a[i], b[i]))
            return 0;
    return 1;
}

int metrics_add(s2s_metrics *m, const char *hyp, const char *ref, int mode)
{
    char *hb, *rb, **ht, **rt;
    int nh, nr;
    if (tokenize(hyp, mode, &hb, &ht, &nh))
        return EXIT_RUNTIME;
    if (tokenize(ref, mode, &rb, &rt, &nr)) {
        free(hb);
        free(ht);
        return EXIT_RUNTIME;
    }
    long d = edit_distance(ht, nh, rt, nr);
    free(hb);
    free(ht);
    free(rb);
    free(rt);
    if (d < 0)
        return cli_error("out of memory");
    m->sentences++;
    m->exact += d == 0;
    m->edits += d;
    m->ref_tokens += nr;
    if (bleu_words(hyp, &hb, &ht, &nh))
        return EXIT_RUNTIME;
    if (bleu_words(ref, &rb, &rt, &nr)) {
        free(hb);
        free(ht);
        return EXIT_RUNTIME;
    }
    m->hyp_words += nh;
    m->ref_words += nr;
    char *used = calloc((size_t)nr + 1, 1);
    for (int k = 1; used && k <= 4; k++) {
        if (nh >= k)
            m->total[k - 1] += nh - k + 1;
        /* Clipped matches: each reference n-gram matches at most once. */
        memset(used, 0, (size_t)nr + 1);
        for (int i = 0; i + k <= nh; i++)
            for (int j = 0; j + k <= nr; j++)
                if (!used[j] && same_gram(ht + i, rt + j, k)) {
                    used[j] = 1;
                    m->match[k - 1]++;
                    break;
                }
    }
    int code = used ? 0 : cli_error("out of memory");
    free(used);
    free(hb);
    free(ht);
    free(rb);
    free(rt);
    return code;
}

double metrics_bleu(const s2s_metrics *m)
{
    double logp = 0;
    for (int k = 0; k < 4; k++) {
        if (m->match[k] == 0 || m->total[k] == 0)
            return 0;
        logp += log((double)m->match[k] / (double)m->total[k]) / 4;
    }
    double bp = m->hyp_words < m->ref_words && m->hyp_words > 0
                    ? exp(1 - (double)m->ref_words / (double)m->hyp_words)
                    : 1;
    return m->hyp_words ? 100 * bp * exp(logp) : 0;
}
