/* naive_bayes.c - character-bigram multinomial naive Bayes, the baseline
 * that `recur classify` reports next to the recurrent network. */
#include "naive_bayes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct nb_model {
    char *const *classes;
    int nclasses;
    int max_len;
    uint64_t *keys; /* open-addressing table of bigrams; 0 = empty slot */
    long *ids;      /* feature id of each slot */
    long cap, nfeat;
    double *logp;   /* [nfeat][nclasses]: log P(bigram | class) */
    double *prior;  /* [nclasses]: log P(class) */
    double *score;  /* [nclasses]: scratch for nb_predict */
};

/* Bigram (a, b) of code points, 0 marking the start and end: never 0. */
static uint64_t bigram_key(uint32_t a, uint32_t b)
{
    return ((uint64_t)a << 21 | b) + 1;
}

static uint64_t hash64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb3f97a4fe63bULL;
    return x ^ (x >> 33);
}

static long slot_of(const nb_model *m, uint64_t key)
{
    long s = (long)(hash64(key) & (uint64_t)(m->cap - 1));
    while (m->keys[s] && m->keys[s] != key)
        s = (s + 1) & (m->cap - 1);
    return s;
}

static int grow(nb_model *m)
{
    long cap = m->cap ? 2 * m->cap : 1 << 12;
    uint64_t *ok = m->keys;
    long *oi = m->ids, ocap = m->cap;
    m->keys = calloc((size_t)cap, sizeof *m->keys);
    m->ids = malloc((size_t)cap * sizeof *m->ids);
    if (!m->keys || !m->ids) {
        free(m->keys);
        free(m->ids);
        m->keys = ok;
        m->ids = oi;
        return -1;
    }
    m->cap = cap;
    for (long i = 0; i < ocap; i++)
        if (ok[i]) {
            long s = slot_of(m, ok[i]);
            m->keys[s] = ok[i];
            m->ids[s] = oi[i];
        }
    free(ok);
    free(oi);
    return 0;
}

static int class_of(const nb_model *m, const char *label)
{
    int lo = 0, hi = m->nclasses - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2, c = strcmp(m->classes[mid], label);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

void nb_free(nb_model *m)
{
    if (!m)
        return;
    free(m->keys);
    free(m->ids);
    free(m->logp);
    free(m->prior);
    free(m->score);
    free(m);
}

long nb_features(const nb_model *m) { return m->nfeat; }

/* Visit the bigrams of a text (with the start and end markers). */
#define FOR_BIGRAMS(text, len, key, body)                                      \
    for (long k_ = 0; k_ <= (len); k_++) {                                     \
        uint64_t key = bigram_key(k_ ? (text)[k_ - 1] : 0,                     \
                                  k_ < (len) ? (text)[k_] : 0);                \
        body                                                                   \
    }

nb_model *nb_train(const recur_tsv *t, const long *idx, long n, char *const *classes,
                   int nclasses, double alpha, int max_len)
{
    nb_model *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->classes = classes;
    m->nclasses = nclasses;
    m->max_len = max_len;
    if (grow(m)) {
        nb_free(m);
        return NULL;
    }
    /* First pass: the feature ids. */
    for (long e = 0; e < n; e++) {
        long len;
        const uint32_t *s = recur_tsv_text(t, idx[e], &len);
        if (max_len > 0 && len > max_len)
            len = max_len;
        FOR_BIGRAMS(s, len, key, {
            long slot = slot_of(m, key);
            if (m->keys[slot])
                continue;
            if (2 * (m->nfeat + 1) > m->cap) {
                if (grow(m)) {
                    nb_free(m);
                    return NULL;
                }
                slot = slot_of(m, key);
            }
            m->keys[slot] = key;
            m->ids[slot] = m->nfeat++;
        })
    }
    long F = m->nfeat, C = nclasses;
    m->logp = calloc((size_t)(F * C), sizeof *m->logp);
    m->prior = calloc((size_t)C, sizeof *m->prior);
    m->score = calloc((size_t)C, sizeof *m->score);
    double *total = calloc((size_t)C, sizeof *total);
    if (!m->logp || !m->prior || !m->score || !total) {
        free(total);
        nb_free(m);
        return NULL;
    }
    /* Second pass: counts per class. */
    for (long e = 0; e < n; e++) {
        int c = class_of(m, recur_tsv_label(t, idx[e]));
        if (c < 0)
            continue;
        m->prior[c] += 1;
        long len;
        const uint32_t *s = recur_tsv_text(t, idx[e], &len);
        if (max_len > 0 && len > max_len)
            len = max_len;
        FOR_BIGRAMS(s, len, key, {
            m->logp[m->ids[slot_of(m, key)] * C + c] += 1;
            total[c] += 1;
        })
    }
    for (long c = 0; c < C; c++) {
        double denom = log(total[c] + alpha * (double)F);
        for (long f = 0; f < F; f++)
            m->logp[f * C + c] = log(m->logp[f * C + c] + alpha) - denom;
        m->prior[c] = log((m->prior[c] + 1) / ((double)n + (double)C));
    }
    free(total);
    return m;
}

int nb_predict(nb_model *m, const uint32_t *text, long len)
{
    long C = m->nclasses;
    double *score = m->score;
    memcpy(score, m->prior, (size_t)C * sizeof *score);
    if (m->max_len > 0 && len > m->max_len)
        len = m->max_len;
    FOR_BIGRAMS(text, len, key, {
        long slot = slot_of(m, key);
        if (!m->keys[slot])
            continue; /* never seen in training */
        const double *lp = m->logp + m->ids[slot] * C;
        for (long c = 0; c < C; c++)
            score[c] += lp[c];
    })
    int best = 0;
    for (long c = 1; c < C; c++)
        if (score[c] > score[best])
            best = (int)c;
    return best;
}

double nb_accuracy(nb_model *m, const recur_tsv *t, const long *idx, long n)
{
    long correct = 0;
    for (long e = 0; e < n; e++) {
        int c = class_of(m, recur_tsv_label(t, idx[e]));
        if (c < 0)
            return -1;
        long len;
        const uint32_t *s = recur_tsv_text(t, idx[e], &len);
        correct += nb_predict(m, s, len) == c;
    }
    return n ? (double)correct / (double)n : 0;
}
