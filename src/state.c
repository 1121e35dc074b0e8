/* state.c - streaming inference: one time step of one sequence per call,
 * carrying the hidden (and cell) states between calls. */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "model.h"

struct recur_state {
    const recur_model *m;
    model_work w;
    real *h, *c; /* [L][H] states carried between steps */
    real *x;     /* [input_size] dense input in the core's type */
    long nstate;
};

int recur_state_create(const recur_model *m, recur_state **out)
{
    *out = NULL;
    if (m->cfg.bidirectional)
        return recur_fail(RECUR_E_INVALID, "a bidirectional model needs the whole "
                          "sequence and cannot be run step by step");
    recur_state *s = calloc(1, sizeof *s);
    if (!s)
        return recur_fail(RECUR_E_NOMEM, "out of memory");
    s->m = m;
    s->nstate = (long)m->cfg.layers * m->cfg.hidden;
    s->h = calloc((size_t)s->nstate, sizeof *s->h);
    s->c = calloc((size_t)s->nstate, sizeof *s->c);
    s->x = calloc((size_t)m->cfg.input_size, sizeof *s->x);
    int rc = s->h && s->c && s->x ? model_work_alloc(m, 1, 1, &s->w)
                                  : recur_fail(RECUR_E_NOMEM, "out of memory");
    if (rc) {
        recur_state_free(s);
        return rc;
    }
    *out = s;
    return RECUR_OK;
}

void recur_state_reset(recur_state *s)
{
    memset(s->h, 0, (size_t)s->nstate * sizeof *s->h);
    memset(s->c, 0, (size_t)s->nstate * sizeof *s->c);
}

void recur_state_free(recur_state *s)
{
    if (!s)
        return;
    model_work_free(&s->w);
    free(s->h);
    free(s->c);
    free(s->x);
    free(s);
}

int recur_step(recur_state *s, int32_t token, const float *x, float *y)
{
    const recur_config *c = &s->m->cfg;
    model_input in = {0};
    if (c->input == RECUR_INPUT_DENSE) {
        if (!x)
            return recur_fail(RECUR_E_INVALID, "a dense-input model needs x");
        for (int i = 0; i < c->input_size; i++)
            s->x[i] = (real)x[i];
        in.x = s->x;
    } else {
        int rc = model_check_tokens(s->m, &token, 1, RECUR_E_INVALID);
        if (rc)
            return rc;
        in.tokens = &token;
    }
    model_forward(s->m, &s->w, 1, 1, in, s->h, s->c, NULL);
    memcpy(s->h, s->w.hn, (size_t)s->nstate * sizeof *s->h);
    if (c->cell == RECUR_LSTM)
        memcpy(s->c, s->w.cn, (size_t)s->nstate * sizeof *s->c);
    for (int o = 0; o < c->output_size; o++)
        y[o] = (float)s->w.logits[o];
    return RECUR_OK;
}
