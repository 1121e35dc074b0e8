/* sample.c - generating text from a character model: prime the state, then
 * draw each next character from the softmax of the logits (with temperature
 * and top-k), or take the arg-max (greedy). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "model.h"
#include "utf8.h"

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
    double u = rng_uniform(r) * sum;
    for (int i = 0; i < V; i++) {
        u -= p[i];
        if (u < 0 && p[i] > 0)
            return i;
    }
    return best;
}

int recur_sample(const recur_model *m, const char *prime,
                 const recur_sample_config *sc, long length,
                 void (*emit)(const char *utf8, int bytes, void *user), void *user)
{
    const recur_config *c = &m->cfg;
    if (m->nvocab <= 0)
        return recur_fail(RECUR_E_MISMATCH, "the model has no character vocabulary "
                          "(a plain safetensors file or a non-text model): sampling "
                          "needs a character language model");
    if (c->output_size != c->input_size || c->loss != RECUR_LOSS_XENT)
        return recur_fail(RECUR_E_MISMATCH, "the model is not a character "
                                            "language model");
    if (!sc->greedy && !(sc->temperature > 0 && sc->temperature <= 100))
        return recur_fail(RECUR_E_INVALID, "temperature must be in (0, 100]");
    if (sc->top_k < 0 || length < 0)
        return recur_fail(RECUR_E_INVALID, "top-k and length must not be negative");
    recur_text *pt = NULL;
    int rc = text_from_string_labelled(prime ? prime : "", prime ? strlen(prime) : 0,
                                       m, "prime text", &pt);
    if (rc)
        return rc;
    long np;
    const int32_t *ptoks = recur_text_tokens(pt, &np);
    recur_state *st = NULL;
    int V = c->output_size;
    float *z = malloc((size_t)V * sizeof *z);
    double *p = malloc((size_t)V * sizeof *p);
    rc = z && p ? recur_state_create(m, &st) : recur_fail(RECUR_E_NOMEM, "out of memory");
    if (rc)
        goto done;
    rng r;
    rng_seed(&r, sc->seed);
    /* With no prime, start from a newline if the vocabulary has one. */
    int32_t tok = 0;
    for (int i = 0; i < m->nvocab; i++)
        if (m->vocab[i] == '\n')
            tok = i;
    for (long i = 0; i < np; i++) {
        tok = ptoks[i];
        if ((rc = recur_step(st, tok, NULL, z)))
            goto done;
    }
    if (np == 0 && (rc = recur_step(st, tok, NULL, z)))
        goto done;
    for (long i = 0; i < length; i++) {
        for (int k = 0; k < V; k++)
            if (!isfinite(z[k])) {
                rc = recur_fail(RECUR_E_NUMERIC, "the model produced a non-finite "
                                "output after %ld characters", i);
                goto done;
            }
        tok = pick(z, V, sc, p, &r);
        char buf[5];
        emit(buf, recur_utf8_encode(m->vocab[tok], buf), user);
        if (i + 1 < length && (rc = recur_step(st, tok, NULL, z)))
            goto done;
    }
done:
    recur_state_free(st);
    recur_text_free(pt);
    free(z);
    free(p);
    return rc;
}
