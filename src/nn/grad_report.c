/* grad_report.c - backpropagation through time made visible: how large is
 * the gradient of a loss at the last step with respect to the hidden state
 * k steps before it? B windows of T characters, the next-character
 * cross-entropy at the last step only, one backward pass with the per-step
 * gradient norms recorded (model_work.dhsq), averaged over the windows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "nn/loss.h"
#include "nn/model.h"

static int check_model(const recur_model *m)
{
    const recur_config *c = &m->cfg;
    if (c->input == RECUR_INPUT_DENSE || c->loss != RECUR_LOSS_XENT ||
        c->output_size != c->input_size)
        return recur__fail(RECUR_E_MISMATCH, "a gradient report needs a character "
                          "model (token input, cross-entropy over the same "
                          "vocabulary)");
    if (c->bidirectional)
        return recur__fail(RECUR_E_MISMATCH, "a bidirectional model sees the whole "
                          "window from both ends: its gradient has no single "
                          "distance from the loss; give a unidirectional model");
    if (c->reverse)
        return recur__fail(RECUR_E_MISMATCH, "a reverse model reads each window from "
                          "its end: the report measures distances back from the "
                          "loss; give a forward model");
    if (c->readout == RECUR_READOUT_MEAN)
        return recur__fail(RECUR_E_MISMATCH, "a model with a mean readout has its "
                          "loss on every step; the report needs the loss at the "
                          "last step (readout sequence or last)");
    return RECUR_OK;
}

int recur_grad_report(const recur_model *m, const int32_t *tokens, long n, int T,
                      int B, double *norms)
{
    if (!m || !tokens || !norms)
        return recur__fail(RECUR_E_INVALID, "recur_grad_report needs a model, "
                                           "tokens and a result array");
    int rc = check_model(m);
    if (rc)
        return rc;
    if (T < 1 || B < 1)
        return recur__fail(RECUR_E_INVALID, "the sequence length (%d) and the number "
                          "of windows (%d) must be >= 1", T, B);
    if (n < (long)T + 1)
        return recur__fail(RECUR_E_INVALID, "the text has %ld characters: too few for "
                          "a window of %d and the character after it", n, T);
    if ((rc = recur__model_check_tokens(m, tokens, n, RECUR_E_MISMATCH)))
        return rc;
    const recur_config *c = &m->cfg;
    int L = c->layers, O = c->output_size;
    long TB = (long)T * B;
    /* The backward pass accumulates parameter gradients: into a copy, so
     * that m is only read (and may be shared between threads). */
    recur_model *g = NULL;
    model_work w;
    memset(&w, 0, sizeof w);
    int32_t *inp = malloc((size_t)TB * sizeof *inp), *tgt = malloc((size_t)B * sizeof *tgt);
    real *sq = malloc((size_t)(L * TB) * sizeof *sq);
    if (!inp || !tgt || !sq) {
        rc = recur__fail(RECUR_E_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = recur__model_alloc(c, &g)) || (rc = recur__model_work_alloc(g, T, B, &w)))
        goto done;
    memcpy(g->params, m->params, (size_t)m->nparams * sizeof *m->params);
    /* Window b starts at b·(n−T−1)/B: spread evenly over the text. */
    for (int b = 0; b < B; b++) {
        long start = (long)b * (n - T - 1) / B;
        for (int t = 0; t < T; t++)
            inp[(long)t * B + b] = tokens[start + t];
        tgt[b] = tokens[start + T];
    }
    model_input in = {.tokens = inp};
    recur__model_forward(g, &w, T, B, in, NULL, NULL, NULL);
    /* Each window's own loss (scale 1), only at its last step. */
    int per_step = c->readout == RECUR_READOUT_SEQUENCE;
    long last = per_step ? (long)(T - 1) * B * O : 0;
    memset(w.dlogits, 0, (size_t)(per_step ? TB : B) * O * sizeof(real));
    long counted, correct;
    double loss = recur__loss_softmax_xent(w.logits + last, tgt, B, O, w.dlogits + last, 1,
                                    &counted, &correct);
    if (!isfinite(loss)) {
        rc = recur__fail(RECUR_E_NUMERIC, "the model's loss on these windows is not "
                                         "finite");
        goto done;
    }
    for (int l = 0; l < L; l++)
        w.dhsq[l] = sq + (long)l * TB;
    recur__model_zero_grads(g);
    recur__model_backward(g, &w, T, B, in, NULL, NULL, NULL, NULL, NULL);
    for (int l = 0; l < L; l++)
        for (int k = 0; k < T; k++) {
            const real *row = w.dhsq[l] + (long)(T - 1 - k) * B;
            double s = 0;
            for (int b = 0; b < B; b++)
                s += sqrt((double)row[b]);
            norms[(long)l * T + k] = s / B;
        }
done:
    recur__model_work_free(&w);
    recur_model_free(g);
    free(inp);
    free(tgt);
    free(sq);
    return rc;
}
