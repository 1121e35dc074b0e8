/* naive_bayes.c - multinomial naive Bayes over labelled text (recur_tsv),
 * with character bigrams or words as features: the baselines a recurrent
 * classifier is measured against (`recur classify` reports them next to
 * the network). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/words.h"
#include "recur.h"

typedef struct recur_naive_bayes nb_model;

struct recur_naive_bayes {
    char **classes;  /* a sorted copy */
    int nclasses;
    int max_len;
    int words;      /* features: 0 character bigrams, 1 words */
    uint64_t *keys; /* open-addressing table of features; 0 = empty slot */
    long *ids;      /* feature id of each slot */
    long cap, nfeat;
    double *logp;   /* [nfeat][nclasses]: log P(bigram | class) */
    double *prior;  /* [nclasses]: log P(class) */
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

void recur_naive_bayes_free(recur_naive_bayes *m)
{
    if (!m)
        return;
    if (m->classes)
        for (int c = 0; c < m->nclasses; c++)
            free(m->classes[c]);
    free(m->classes);
    free(m->keys);
    free(m->ids);
    free(m->logp);
    free(m->prior);
    free(m);
}

long recur_naive_bayes_features(const recur_naive_bayes *m) { return m->nfeat; }

/* The feature keys of text[0..len) into keys (room for len + 1): its
 * bigrams with the start and end markers (at most max_len characters), or
 * its words (at most max_len), each hashed with the word's length so that
 * no key is 0. Returns their number. */
static long text_keys(const nb_model *m, const uint32_t *text, long len, uint64_t *keys)
{
    long k = 0;
    if (m->words) {
        uint32_t w[RECUR_WORD_MAX_CHARS];
        long pos = 0;
        int wl;
        while ((m->max_len == 0 || k < m->max_len) &&
               recur__word_next(text, len, &pos, w, &wl)) {
            uint64_t h = 1469598103934665603ULL; /* FNV-1a over the code points */
            for (int j = 0; j < wl; j++)
                h = (h ^ w[j]) * 1099511628211ULL;
            keys[k++] = hash64(h) | 1;
        }
        return k;
    }
    if (m->max_len > 0 && len > m->max_len)
        len = m->max_len;
    for (long j = 0; j <= len; j++)
        keys[k++] = bigram_key(j ? text[j - 1] : 0, j < len ? text[j] : 0);
    return k;
}

/* The longest text of examples idx[0..n), plus one: room for text_keys. */
static long keys_room(const recur_tsv *t, const long *idx, long n)
{
    long most = 0, len;
    for (long e = 0; e < n; e++) {
        recur_tsv_text(t, idx[e], &len);
        if (len > most)
            most = len;
    }
    return most + 1;
}

static int check_train_args(const recur_tsv *t, const long *idx, long n,
                            const char *const *classes, int nclasses, double alpha,
                            int max_len)
{
    if (!t || !idx || !classes)
        return recur__fail(RECUR_E_INVALID, "recur_naive_bayes_train: a NULL argument");
    if (n < 1 || nclasses < 1)
        return recur__fail(RECUR_E_INVALID, "naive Bayes needs at least one example and "
                          "one class");
    if (!(alpha > 0) || !isfinite(alpha))
        return recur__fail(RECUR_E_INVALID, "the smoothing alpha %g is not > 0", alpha);
    if (max_len < 0)
        return recur__fail(RECUR_E_INVALID, "maximum length must be >= 0");
    for (long e = 0; e < n; e++)
        if (idx[e] < 0 || idx[e] >= recur_tsv_count(t))
            return recur__fail(RECUR_E_INVALID, "example index %ld is out of range",
                              idx[e]);
    for (int c = 0; c < nclasses; c++)
        if (!classes[c] || (c > 0 && strcmp(classes[c - 1], classes[c]) >= 0))
            return recur__fail(RECUR_E_INVALID, "the class names are not sorted and "
                              "distinct (as recur_tsv_vocab gives them)");
    return RECUR_OK;
}

static int nomem(nb_model *m)
{
    recur_naive_bayes_free(m);
    return recur__fail(RECUR_E_NOMEM, "out of memory for the naive Bayes model");
}

static int train(const recur_tsv *t, const long *idx, long n, const char *const *classes,
                 int nclasses, double alpha, int max_len, int words,
                 recur_naive_bayes **out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "no output for the naive Bayes model");
    *out = NULL;
    int rc = check_train_args(t, idx, n, classes, nclasses, alpha, max_len);
    if (rc)
        return rc;
    nb_model *m = calloc(1, sizeof *m);
    if (!m || !(m->classes = calloc((size_t)nclasses, sizeof *m->classes)))
        return nomem(m);
    m->nclasses = nclasses;
    for (int c = 0; c < nclasses; c++)
        if (!(m->classes[c] = strdup(classes[c])))
            return nomem(m);
    m->max_len = max_len;
    m->words = words;
    uint64_t *keys = malloc((size_t)keys_room(t, idx, n) * sizeof *keys);
    if (!keys || grow(m)) {
        free(keys);
        return nomem(m);
    }
    /* First pass: the feature ids. */
    for (long e = 0; e < n; e++) {
        long len;
        const uint32_t *s = recur_tsv_text(t, idx[e], &len);
        long nk = text_keys(m, s, len, keys);
        for (long j = 0; j < nk; j++) {
            long slot = slot_of(m, keys[j]);
            if (m->keys[slot])
                continue;
            if (2 * (m->nfeat + 1) > m->cap) {
                if (grow(m)) {
                    free(keys);
                    return nomem(m);
                }
                slot = slot_of(m, keys[j]);
            }
            m->keys[slot] = keys[j];
            m->ids[slot] = m->nfeat++;
        }
    }
    long F = m->nfeat, C = nclasses;
    m->logp = calloc((size_t)(F * C), sizeof *m->logp);
    m->prior = calloc((size_t)C, sizeof *m->prior);
    double *total = calloc((size_t)C, sizeof *total);
    if (!m->logp || !m->prior || !total) {
        free(total);
        free(keys);
        return nomem(m);
    }
    /* Second pass: counts per class. */
    for (long e = 0; e < n; e++) {
        int c = class_of(m, recur_tsv_label(t, idx[e]));
        if (c < 0)
            continue;
        m->prior[c] += 1;
        long len;
        const uint32_t *s = recur_tsv_text(t, idx[e], &len);
        long nk = text_keys(m, s, len, keys);
        for (long j = 0; j < nk; j++)
            m->logp[m->ids[slot_of(m, keys[j])] * C + c] += 1;
        total[c] += (double)nk;
    }
    for (long c = 0; c < C; c++) {
        double denom = log(total[c] + alpha * (double)F);
        for (long f = 0; f < F; f++)
            m->logp[f * C + c] = log(m->logp[f * C + c] + alpha) - denom;
        m->prior[c] = log((m->prior[c] + 1) / ((double)n + (double)C));
    }
    free(total);
    free(keys);
    *out = m;
    return RECUR_OK;
}

int recur_naive_bayes_train(const recur_tsv *t, const long *idx, long n,
                            const char *const *classes, int nclasses, double alpha,
                            int max_len, recur_naive_bayes **out)
{
    return train(t, idx, n, classes, nclasses, alpha, max_len, 0, out);
}

int recur_naive_bayes_train_words(const recur_tsv *t, const long *idx, long n,
                                  const char *const *classes, int nclasses, double alpha,
                                  int max_len, recur_naive_bayes **out)
{
    return train(t, idx, n, classes, nclasses, alpha, max_len, 1, out);
}

/* The most probable class; score[nclasses] receives the log-scores; keys
 * has room for len + 1 feature keys. */
static int predict(const nb_model *m, const uint32_t *text, long len, double *score,
                   uint64_t *keys)
{
    long C = m->nclasses;
    memcpy(score, m->prior, (size_t)C * sizeof *score);
    long nk = text_keys(m, text, len, keys);
    for (long j = 0; j < nk; j++) {
        long slot = slot_of(m, keys[j]);
        if (!m->keys[slot])
            continue; /* never seen in training */
        const double *lp = m->logp + m->ids[slot] * C;
        for (long c = 0; c < C; c++)
            score[c] += lp[c];
    }
    int best = 0;
    for (long c = 1; c < C; c++)
        if (score[c] > score[best])
            best = (int)c;
    return best;
}

int recur_naive_bayes_predict(const recur_naive_bayes *m, const uint32_t *text, long len,
                              double *scores)
{
    if (!m || (!text && len) || len < 0)
        return recur__fail(RECUR_E_INVALID, "recur_naive_bayes_predict: a NULL argument "
                          "or a negative length");
    double *own = scores ? NULL : malloc((size_t)m->nclasses * sizeof *own);
    uint64_t *keys = malloc(((size_t)len + 1) * sizeof *keys);
    if ((!scores && !own) || !keys) {
        free(own);
        free(keys);
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    int best = predict(m, text, len, scores ? scores : own, keys);
    free(own);
    free(keys);
    return best;
}

int recur_naive_bayes_accuracy(const recur_naive_bayes *m, const recur_tsv *t,
                               const long *idx, long n, double *accuracy)
{
    if (!m || !t || !idx || !accuracy)
        return recur__fail(RECUR_E_INVALID, "recur_naive_bayes_accuracy: a NULL argument");
    *accuracy = 0;
    for (long e = 0; e < n; e++)
        if (idx[e] < 0 || idx[e] >= recur_tsv_count(t))
            return recur__fail(RECUR_E_INVALID, "example index %ld is out of range",
                              idx[e]);
    double *score = malloc((size_t)m->nclasses * sizeof *score);
    uint64_t *keys = malloc((size_t)keys_room(t, idx, n) * sizeof *keys);
    if (!score || !keys) {
        free(score);
        free(keys);
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    long correct = 0;
    for (long e = 0; e < n; e++) {
        int c = idx[e] >= 0 && idx[e] < recur_tsv_count(t)
                    ? class_of(m, recur_tsv_label(t, idx[e])) : -2;
        if (c < 0) {
            free(score);
            free(keys);
            if (c == -2)
                return recur__fail(RECUR_E_INVALID, "example index %ld is out of range",
                                  idx[e]);
            return recur__fail(RECUR_E_MISMATCH, "line %ld: label '%s' is not one of the "
                              "classes", recur_tsv_line(t, idx[e]),
                              recur_tsv_label(t, idx[e]));
        }
        long len;
        const uint32_t *s = recur_tsv_text(t, idx[e], &len);
        correct += predict(m, s, len, score, keys) == c;
    }
    free(score);
    free(keys);
    *accuracy = n > 0 ? (double)correct / (double)n : 0;
    return RECUR_OK;
}
