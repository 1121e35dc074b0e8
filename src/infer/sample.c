/* sample.c - generating text from a character model: prime the state, then
 * draw each next character from the softmax of the logits (with temperature
 * and top-k), or take the arg-max (greedy). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "nn/model.h"
#include "core/utf8.h"
#include "data/text.h"

/* Pick a token from logits z[V]. p is scratch of V doubles. */
static int32_t pick(const float *z, int V, const recur_sample_config *sc,
                    double *p, rng *r)
{
    int best = 0;
    for (int i = 1; i < V; i++)
        if (z[i] > z[best])
            best = i;
    if (sc->greedy)
        return best;
    /* Top-k: keep the k largest logits (ties at the threshold are kept). */
    double threshold = -INFINITY;
    if (sc->top_k > 0 && sc->top_k < V) {
        for (int i = 0; i < V; i++)
            p[i] = z[i];
        for (int k = 0; k < sc->top_k; k++) { /* k-th largest by selection */
            int arg = -1;
            for (int i = 0; i < V; i++)
                if (p[i] != -INFINITY && (arg < 0 || p[i] > p[arg]))
                    arg = i;
            if (arg < 0) /* fewer than k finite logits */
                break;
            threshold = p[arg];
            p[arg] = -INFINITY;
        }
    }
    double sum = 0, t = sc->temperature;
    for (int i = 0; i < V; i++) {
        p[i] = z[i] >= threshold ? exp(((double)z[i] - z[best]) / t) : 0;
        sum += p[i];
    }
    double u = recur__rng_uniform(r) * sum;
    for (int i = 0; i < V; i++) {
        u -= p[i];
        if (u < 0 && p[i] > 0)
            return i;
    }
    return best;
}

/* With no prime, start from a newline if the vocabulary has one. */
static int32_t start_token(const recur_model *m)
{
    int32_t tok = 0;
    for (int i = 0; i < m->nvocab; i++)
        if (m->vocab[i] == '\n')
            tok = i;
    return tok;
}

static int check_finite(const float *z, int V, long i)
{
    for (int k = 0; k < V; k++)
        if (!isfinite(z[k]))
            return recur__fail(RECUR_E_NUMERIC, "the model produced a non-finite "
                              "output after %ld characters", i);
    return RECUR_OK;
}

/* Windowed sampling: each character from the last W of the text so far,
 * read as one whole sequence from a zero state by recur_forward, so that
 * every readout (last, mean, sequence) and bidirectional models predict as
 * they were trained. z and p are scratch of V. */
static int windowed(const recur_model *m, const recur_sample_config *sc,
                    const int32_t *ptoks, long np, long length, float *z, double *p,
                    void (*emit)(const char *utf8, int bytes, void *user), void *user)
{
    int V = m->cfg.output_size, W = sc->window;
    int per_step = m->cfg.readout == RECUR_READOUT_SEQUENCE;
    long cap = (np > 0 ? np : 1) + length;
    int32_t *hist = malloc((size_t)cap * sizeof *hist);
    float *y = malloc((size_t)(per_step ? W : 1) * (size_t)V * sizeof *y);
    if (!hist || !y) {
        free(hist);
        free(y);
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    long nh = np;
    if (np > 0)
        memcpy(hist, ptoks, (size_t)np * sizeof *hist);
    else
        hist[nh++] = start_token(m);
    rng r;
    recur__rng_seed(&r, sc->seed);
    int rc = RECUR_OK;
    for (long i = 0; i < length; i++) {
        int T = nh < W ? (int)nh : W;
        if ((rc = recur_forward(m, T, 1, hist + nh - T, NULL, y)))
            break;
        memcpy(z, y + (per_step ? (long)(T - 1) * V : 0), (size_t)V * sizeof *z);
        if ((rc = check_finite(z, V, i)))
            break;
        int32_t tok = pick(z, V, sc, p, &r);
        hist[nh++] = tok;
        char buf[5];
        emit(buf, recur_utf8_encode(m->vocab[tok], buf), user);
    }
    free(hist);
    free(y);
    return rc;
}

int recur_sample(const recur_model *m, const char *prime,
                 const recur_sample_config *sc, long length,
                 void (*emit)(const char *utf8, int bytes, void *user), void *user)
{
    RECUR_NEED(m);
    const recur_config *c = &m->cfg;
    if (m->nvocab <= 0)
        return recur__fail(RECUR_E_MISMATCH, "the model has no character vocabulary "
                          "(a plain safetensors file or a non-text model): sampling "
                          "needs a character language model");
    if (c->output_size != c->input_size || c->loss != RECUR_LOSS_XENT)
        return recur__fail(RECUR_E_MISMATCH, "the model is not a character "
                                            "language model");
    RECUR_NEED(sc);
    RECUR_NEED(emit);
    if (!sc->greedy && !(sc->temperature > 0 && sc->temperature <= 100))
        return recur__fail(RECUR_E_INVALID, "temperature must be in (0, 100]");
    if (sc->top_k < 0 || length < 0 || sc->window < 0)
        return recur__fail(RECUR_E_INVALID, "top-k, length and window must not be "
                                           "negative");
    recur_text *pt = NULL;
    int rc = recur__text_from_string_labelled(prime ? prime : "", prime ? strlen(prime) : 0,
                                       m, "prime text", &pt);
    if (rc)
        return rc;
    long np;
    const int32_t *ptoks = recur_text_tokens(pt, &np);
    recur_state *st = NULL;
    int V = c->output_size;
    float *z = malloc((size_t)V * sizeof *z);
    double *p = malloc((size_t)V * sizeof *p);
    if (!z || !p)
        rc = recur__fail(RECUR_E_NOMEM, "out of memory");
    else if (sc->window > 0)
        rc = windowed(m, sc, ptoks, np, length, z, p, emit, user);
    else
        rc = recur_state_create(m, &st);
    if (rc || sc->window > 0)
        goto done;
    rng r;
    recur__rng_seed(&r, sc->seed);
    int32_t tok = start_token(m);
    for (long i = 0; i < np; i++) {
        tok = ptoks[i];
        if ((rc = recur_state_step(st, tok, NULL, z)))
            goto done;
    }
    if (np == 0 && (rc = recur_state_step(st, tok, NULL, z)))
        goto done;
    for (long i = 0; i < length; i++) {
        if ((rc = check_finite(z, V, i)))
            goto done;
        tok = pick(z, V, sc, p, &r);
        char buf[5];
        emit(buf, recur_utf8_encode(m->vocab[tok], buf), user);
        if (i + 1 < length && (rc = recur_state_step(st, tok, NULL, z)))
            goto done;
    }
done:
    recur_state_free(st);
    recur_text_free(pt);
    free(z);
    free(p);
    return rc;
}
