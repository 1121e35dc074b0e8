/* forward.c - whole-sequence inference through the public API: batches
 * through the training path's forward (nn/model.h), one sequence through
 * the streaming kernels. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "infer/stream_hook.h"
#include "nn/model.h"

/* Long unidirectional sequences run in windows of this many steps, the
 * state carried from one to the next: the buffers of one window (sized
 * for training: activations kept for a backward pass) stay small and
 * cache-warm instead of growing with T (a 48,000-step stream of an LSTM 128
 * spent most of its time faulting in 400 MB of them, bench/NOTES.md). */
#define WINDOW 512

/* One call of recur__model_forward over steps [t0, t0+T) of the caller's arrays,
 * from the state (h0, c0), copying the outputs to y. */
static void forward_window(const recur_model *m, model_work *w, int t0, int T, int B,
                           const int32_t *tokens, const float *x, real *xr,
                           const real *h0, const real *c0, float *y)
{
    const recur_config *c = &m->cfg;
    long TB = (long)T * B;
    model_input in = {.tokens = tokens ? tokens + (long)t0 * B : NULL, .x = xr};
    if (x) {
        const float *xs = x + (long)t0 * B * c->input_size;
        for (long i = 0; i < TB * c->input_size; i++)
            xr[i] = (real)xs[i];
    }
    recur__model_forward(m, w, T, B, in, h0, c0, NULL);
    /* Outputs per step, or per sequence for a pooled readout; without a
     * dense layer, the top layer's states (or their readout) themselves. */
    int pooled = c->readout != RECUR_READOUT_SEQUENCE;
    long width = c->output_size ? c->output_size : (long)model_state_width(c) * m->dirs;
    long n = (pooled ? B : TB) * width;
    const real *src = c->output_size ? w->logits : pooled ? w->pool : w->y[c->layers - 1];
    float *dst = y + (pooled ? 0 : (long)t0 * B * width);
    for (long i = 0; i < n; i++)
        dst[i] = (float)src[i];
}

/* One sequence of a model that can run step by step goes through a
 * stream (stream_kernel.h): at batch 1 the window path's products are
 * mat-vecs with a call, a packing and a gate pass per step, and ran
 * 1.1–2.7× slower than stepping (bench/NOTES.md). Both paths give the same
 * outputs to float rounding (tests/test_stream.c); the stream's states
 * are flushed to zero below the smallest normal float (stream_kernel.h),
 * which moves no output by more than that. */
static int stepwise(const recur_model *m, int T, const int32_t *tokens, const float *x,
                    float *y)
{
    const recur_config *c = &m->cfg;
    recur_state *s;
    int rc = recur_state_create(m, &s);
    long O = c->output_size, last = c->readout == RECUR_READOUT_LAST;
    for (int t = 0; t < T && !rc; t++)
        rc = recur__step_f32(s, tokens ? tokens[t] : 0, x ? x + (long)t * c->input_size : NULL,
                             last ? y : y + t * O);
    recur_state_free(s);
    return rc;
}

int recur_forward(const recur_model *m, int T, int B, const int32_t *tokens,
                  const float *x, float *y)
{
    RECUR_NEED(m);
    const recur_config *c = &m->cfg;
    int dense = c->input == RECUR_INPUT_DENSE;
    if (!y || (dense ? !x : !tokens))
        return recur__fail(RECUR_E_INVALID, "recur_forward needs %s and y",
                          dense ? "x" : "tokens");
    if (T < 1 || B < 1)
        return recur__fail(RECUR_E_INVALID, "T and B must be >= 1");
    long TB = (long)T * B;
    /* The size limit first: T and B say how much of tokens[] may be read. */
    if ((double)T * B > 1e8)
        return recur__fail(RECUR_E_LIMIT, "%d steps x %d sequences is outside the "
                          "supported range", T, B);
    int rc = dense ? RECUR_OK : recur__model_check_tokens(m, tokens, TB, RECUR_E_INVALID);
    if (rc)
        return rc;
    if (B == 1 && !c->bidirectional && !c->reverse && c->readout != RECUR_READOUT_MEAN &&
        c->output_size > 0) /* what a stream can run (recur__stream_refusal) */
        return stepwise(m, T, dense ? NULL : tokens, dense ? x : NULL, y);
    /* Windows need a state that flows forward only and an output per step. */
    int Tw = c->bidirectional || c->reverse || c->readout != RECUR_READOUT_SEQUENCE ||
                     T <= WINDOW
                 ? T : WINDOW;
    long nstate = (long)c->layers * B * c->hidden; /* room for h and c (model.h) */
    model_work w;
    if ((rc = recur__model_work_alloc(m, Tw, B, &w)))
        return rc;
    real *xr = dense ? malloc((size_t)Tw * B * c->input_size * sizeof *xr) : NULL;
    real *h = Tw < T ? malloc(2 * (size_t)nstate * sizeof *h) : NULL;
    if ((dense && !xr) || (Tw < T && !h)) {
        free(xr);
        free(h);
        recur__model_work_free(&w);
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    for (int t0 = 0; t0 < T; t0 += Tw) {
        int n = T - t0 < Tw ? T - t0 : Tw;
        forward_window(m, &w, t0, n, B, dense ? NULL : tokens, dense ? x : NULL, xr,
                       t0 ? h : NULL, t0 ? h + nstate : NULL, y);
        if (h) {
            memcpy(h, w.hn, (size_t)nstate * sizeof *h);
            memcpy(h + nstate, w.cn, (size_t)nstate * sizeof *h);
        }
    }
    free(xr);
    free(h);
    recur__model_work_free(&w);
    return RECUR_OK;
}
