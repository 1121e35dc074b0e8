/* seq2seq_metrics.c - scoring decoded output of `recur seq2seq` against its
 * references: exact match, token error rate (edit distance) and corpus
 * BLEU-4. Reading, tokenising and encoding the pairs is the library's
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

int metrics_add(s2s_metrics *m, const char *hyp, const char *ref, recur_tokens mode)
{
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
