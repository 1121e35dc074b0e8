/* forward.c - whole-sequence inference through the public API. */
#include <stdlib.h>

#include "error.h"
#include "model.h"

int recur_forward(const recur_model *m, int T, int B, const int32_t *tokens,
                  const float *x, float *y)
{
    const recur_config *c = &m->cfg;
    int dense = c->input == RECUR_INPUT_DENSE;
    if (!y || (dense ? !x : !tokens))
        return recur_fail(RECUR_E_INVALID, "recur_forward needs %s and y",
                          dense ? "x" : "tokens");
    if (T < 1 || B < 1)
        return recur_fail(RECUR_E_INVALID, "T and B must be >= 1");
    long TB = (long)T * B;
    /* The size limits first: T and B say how much of tokens[] may be read. */
    model_work w;
    int rc = model_work_alloc(m, T, B, &w);
    if (rc)
        return rc;
    if (!dense && (rc = model_check_tokens(m, tokens, TB, RECUR_E_INVALID))) {
        model_work_free(&w);
        return rc;
    }
    real *xr = NULL;
    if (dense) {
        long n = TB * c->input_size;
        xr = malloc((size_t)n * sizeof *xr);
        if (!xr) {
            model_work_free(&w);
            return recur_fail(RECUR_E_NOMEM, "out of memory");
        }
        for (long i = 0; i < n; i++)
            xr[i] = (real)x[i];
    }
    model_input in = {.tokens = dense ? NULL : tokens, .x = xr};
    model_forward(m, &w, T, B, in, NULL, NULL, NULL);
    /* Outputs per step, or per sequence for a pooled readout; without a
     * dense layer, the top layer's states (or their readout) themselves. */
    int pooled = c->readout != RECUR_READOUT_SEQUENCE;
    long n = (pooled ? B : TB) *
             (c->output_size ? c->output_size : (long)c->hidden * m->dirs);
    const real *src = c->output_size ? w.logits : pooled ? w.pool : w.y[c->layers - 1];
    for (long i = 0; i < n; i++)
        y[i] = (float)src[i];
    free(xr);
    model_work_free(&w);
    return RECUR_OK;
}
