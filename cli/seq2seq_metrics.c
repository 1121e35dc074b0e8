/* seq2seq_metrics.c - scoring decoded output of `recur seq2seq` against its
 * references: exact match, token error rate (edit distance), corpus BLEU-4
 * and corpus chrF. Reading, tokenising and encoding the pairs is the library's
 * (recur_pairs_*, recur_vocab_*). */
#include "seq2seq_metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

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

/* For k = 1..maxn: the clipped matches of the k-grams of h[0..nh) in
 * r[0..nr) (each reference k-gram matches at most once) into match[k-1],
 * the hypothesis's and (ref not NULL) the reference's k-gram counts into
 * hyp[k-1] and ref[k-1]. 0, or EXIT_RUNTIME after one error line. */
static int add_ngrams(char **h, int nh, char **r, int nr, int maxn, long *match, long *hyp,
                      long *ref)
{
    char *used = malloc((size_t)nr + 1);
    if (!used)
        return cli_error("out of memory");
    for (int k = 1; k <= maxn; k++) {
        hyp[k - 1] += nh >= k ? nh - k + 1 : 0;
        if (ref)
            ref[k - 1] += nr >= k ? nr - k + 1 : 0;
        memset(used, 0, (size_t)nr + 1);
        for (int i = 0; i + k <= nh; i++)
            for (int j = 0; j + k <= nr; j++)
                if (!used[j] && same_gram(h + i, r + j, k)) {
                    used[j] = 1;
                    match[k - 1]++;
                    break;
                }
    }
    free(used);
    return 0;
}

/* ---- chrF ---- */

typedef struct {
    const char *p;
    size_t n;
} gram;

static int cmp_gram(const void *x, const void *y)
{
    const gram *a = x, *b = y;
    int c = memcmp(a->p, b->p, a->n < b->n ? a->n : b->n);
    return c ? c : (a->n > b->n) - (a->n < b->n);
}

/* The characters of s without whitespace: *chars (malloc'd) holds them back
 * to back, (*start)[i] where character i begins ((*start)[*n] = the end). */
static int chrf_chars(const char *s, char **chars, size_t **start, int *n)
{
    char *buf, **toks;
    int nt, rc = recur_tokenize(s, RECUR_TOKENS_CHARS, &buf, &toks, &nt);
    if (rc)
        return cli_lib_error(rc);
    *chars = malloc(strlen(s) + 1);
    *start = malloc((size_t)(nt + 1) * sizeof **start);
    *n = 0;
    if (!*chars || !*start) {
        free(buf), free(toks), free(*chars), free(*start);
        return cli_error("out of memory");
    }
    size_t o = 0;
    for (int i = 0; i < nt; i++) {
        if (strchr(" \t\n\r\v\f", toks[i][0]))
            continue;
        (*start)[(*n)++] = o;
        memcpy(*chars + o, toks[i], strlen(toks[i]));
        o += strlen(toks[i]);
    }
    (*start)[*n] = o;
    free(buf);
    free(toks);
    return 0;
}

/* The k-grams of a character sequence, sorted. */
static gram *chrf_grams(const char *c, const size_t *start, int n, int k, int *ng)
{
    *ng = n >= k ? n - k + 1 : 0;
    gram *g = malloc((size_t)(*ng ? *ng : 1) * sizeof *g);
    for (int i = 0; g && i < *ng; i++)
        g[i] = (gram){c + start[i], start[i + k] - start[i]};
    if (g)
        qsort(g, (size_t)*ng, sizeof *g, cmp_gram);
    return g;
}

static int chrf_add(s2s_metrics *m, const char *hyp, const char *ref)
{
    char *hc, *rc;
    size_t *hs, *rs;
    int nh, nr;
    if (chrf_chars(hyp, &hc, &hs, &nh))
        return EXIT_RUNTIME;
    if (chrf_chars(ref, &rc, &rs, &nr)) {
        free(hc), free(hs);
        return EXIT_RUNTIME;
    }
    int code = 0;
    for (int k = 1; !code && k <= 6; k++) {
        int gh, gr;
        gram *a = chrf_grams(hc, hs, nh, k, &gh), *b = chrf_grams(rc, rs, nr, k, &gr);
        if (!a || !b) {
            code = cli_error("out of memory");
        } else {
            /* Clipped matches: a merge of the two sorted lists. */
            long match = 0;
            for (int i = 0, j = 0; i < gh && j < gr;) {
                int c = cmp_gram(&a[i], &b[j]);
                if (c == 0)
                    match++, i++, j++;
                else if (c < 0)
                    i++;
                else
                    j++;
            }
            m->chr_match[k - 1] += match;
            m->chr_hyp[k - 1] += gh;
            m->chr_ref[k - 1] += gr;
        }
        free(a);
        free(b);
    }
    free(hc), free(hs), free(rc), free(rs);
    return code;
}

double metrics_chrf(const s2s_metrics *m)
{
    double p = 0, r = 0;
    for (int k = 0; k < 6; k++) {
        p += m->chr_hyp[k] ? (double)m->chr_match[k] / (double)m->chr_hyp[k] : 0;
        r += m->chr_ref[k] ? (double)m->chr_match[k] / (double)m->chr_ref[k] : 0;
    }
    p /= 6;
    r /= 6;
    return p + r > 0 ? 100 * 5 * p * r / (4 * p + r) : 0;
}

int metrics_add(s2s_metrics *m, const char *hyp, const char *ref, recur_tokens mode)
{
    if (chrf_add(m, hyp, ref))
        return EXIT_RUNTIME;
    char *hb, *rb, **ht, **rt;
    int nh, nr, rc;
    if ((rc = recur_tokenize(hyp, mode, &hb, &ht, &nh)))
        return cli_lib_error(rc);
    if ((rc = recur_tokenize(ref, mode, &rb, &rt, &nr))) {
        free(hb);
        free(ht);
        return cli_lib_error(rc);
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
    int code = add_ngrams(ht, nh, rt, nr, 4, m->match, m->total, NULL);
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
