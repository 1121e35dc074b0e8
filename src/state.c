/* state.c - streaming inference: one time step of one sequence per call,
 * carrying the hidden (and cell) states between calls.
 *
 * A step is batch 1, where BLAS call overhead and row-wise reductions cost
 * more than the arithmetic of a small model. So the state keeps its own
 * copy of the weights packed for mat-vec products (matvec.h), and a step is
 * per layer: gx = b_ih + W_ih·x, gh = W_hh·h, one fused gate pass; then the
 * dense output. Every buffer is allocated once in recur_state_create:
 * recur_step never allocates (tests/test_stream.c counts allocations). The
 * equations and the order of the sums follow the whole-sequence forward
 * (cell.h), so both give the same outputs to float rounding. */
#include <stdlib.h>
#include <string.h>

#include "activation.h"
#include "error.h"
#include "kernel.h"
#include "matvec.h"
#include "model.h"

struct recur_state {
    const recur_model *m;
    int kind, L, H, GH, O;
    packed_mat wih[MODEL_MAX_LAYERS], whh[MODEL_MAX_LAYERS], fc;
    real *h, *c;   /* [L][H] states carried between steps */
    real *gx, *gh; /* [GH] input and recurrent projections of one layer */
    real *x;       /* [input width] dense or embedded input of layer 0 */
    real *y;       /* [O] outputs */
    real *mem;     /* everything above, one block */
};

int recur_state_create(const recur_model *m, recur_state **out)
{
    *out = NULL;
    const recur_config *c = &m->cfg;
    if (c->bidirectional)
        return recur_fail(RECUR_E_INVALID, "a bidirectional model needs the whole "
                          "sequence and cannot be run step by step");
    recur_state *s = calloc(1, sizeof *s);
    if (!s)
        return recur_fail(RECUR_E_NOMEM, "out of memory");
    s->m = m;
    s->kind = m->cells[0][0].kind;
    s->L = c->layers, s->H = c->hidden, s->O = c->output_size;
    s->GH = cell_gates(s->kind) * s->H;
    int xw = m->cells[0][0].I;
    long n = 2L * s->L * s->H + 2L * s->GH + xw + s->O +
             packed_size(s->O, s->H);
    for (int l = 0; l < s->L; l++)
        n += packed_size(s->GH, m->cells[l][0].I) + packed_size(s->GH, s->H);
    real *p = s->mem = calloc((size_t)n, sizeof *p);
    if (!p) {
        free(s);
        return recur_fail(RECUR_E_NOMEM, "out of memory for a stream of this model");
    }
    s->h = p, p += (long)s->L * s->H;
    s->c = p, p += (long)s->L * s->H;
    s->gx = p, p += s->GH;
    s->gh = p, p += s->GH;
    s->x = p, p += xw;
    s->y = p, p += s->O;
    for (int l = 0; l < s->L; l++) {
        const cell *ce = &m->cells[l][0];
        packed_init(&s->wih[l], s->GH, ce->I, ce->w_ih, p);
        p += packed_size(s->GH, ce->I);
        packed_init(&s->whh[l], s->GH, s->H, ce->w_hh, p);
        p += packed_size(s->GH, s->H);
    }
    if (s->O > 0) /* else no dense layer: nothing to output (an encoder) */
        packed_init(&s->fc, s->O, s->H, m->fc_w, p);
    *out = s;
    return RECUR_OK;
}

void recur_state_reset(recur_state *s)
{
    memset(s->h, 0, (size_t)s->L * s->H * sizeof *s->h);
    memset(s->c, 0, (size_t)s->L * s->H * sizeof *s->c);
}

void recur_state_free(recur_state *s)
{
    if (!s)
        return;
    free(s->mem);
    free(s);
}

/* The fused gate passes of one step; h is updated in place (gh already
 * holds W_hh·h_{t-1}). Same equations as rnn.c, lstm.c and gru.c. */
RECUR_KERNEL
static void lstm_step(int H, const real *restrict gx, const real *restrict gh,
                      const real *restrict bh, real *restrict c, real *restrict h)
{
    for (int j = 0; j < H; j++) {
        real gi = act_sigmoid(gx[j] + gh[j] + bh[j]);
        real gf = act_sigmoid(gx[H + j] + gh[H + j] + bh[H + j]);
        real gg = act_tanh(gx[2 * H + j] + gh[2 * H + j] + bh[2 * H + j]);
        real go = act_sigmoid(gx[3 * H + j] + gh[3 * H + j] + bh[3 * H + j]);
        real cv = gf * c[j] + gi * gg;
        c[j] = cv;
        h[j] = go * act_tanh(cv);
    }
}

RECUR_KERNEL
static void gru_step(int H, const real *restrict gx, const real *restrict gh,
                     const real *restrict bh, real *restrict h)
{
    for (int j = 0; j < H; j++) {
        real r = act_sigmoid(gx[j] + gh[j] + bh[j]);
        real z = act_sigmoid(gx[H + j] + gh[H + j] + bh[H + j]);
        real hn = gh[2 * H + j] + bh[2 * H + j];
        real nv = act_tanh(gx[2 * H + j] + r * hn);
        h[j] = (1 - z) * nv + z * h[j];
    }
}

RECUR_KERNEL
static void rnn_step(int H, int relu, const real *restrict gx,
                     const real *restrict gh, const real *restrict bh,
                     real *restrict h)
{
    if (relu)
        for (int j = 0; j < H; j++) {
            real pre = gx[j] + gh[j] + bh[j];
            h[j] = pre > 0 ? pre : 0;
        }
    else
        for (int j = 0; j < H; j++)
            h[j] = act_tanh(gx[j] + gh[j] + bh[j]);
}

int recur_step(recur_state *s, int32_t token, const float *x, float *y)
{
    const recur_model *m = s->m;
    const recur_config *c = &m->cfg;
    int H = s->H, GH = s->GH;
    const real *in = s->x;
    if (c->input == RECUR_INPUT_DENSE) {
        if (!x)
            return recur_fail(RECUR_E_INVALID, "a dense-input model needs x");
        for (int i = 0; i < c->input_size; i++)
            s->x[i] = (real)x[i];
    } else {
        int rc = model_check_tokens(m, &token, 1, RECUR_E_INVALID);
        if (rc)
            return rc;
        if (c->input == RECUR_INPUT_EMBEDDING)
            memcpy(s->x, m->emb + (long)token * c->embed_dim,
                   (size_t)c->embed_dim * sizeof *s->x);
        else
            in = NULL; /* one-hot: a column of W_ih */
    }
    for (int l = 0; l < s->L; l++) {
        const cell *ce = &m->cells[l][0];
        real *h = s->h + (long)l * H;
        memset(s->gx, 0, (size_t)GH * sizeof *s->gx);
        memset(s->gh, 0, (size_t)GH * sizeof *s->gh);
        if (in)
            packed_apply(&s->wih[l], in, s->gx);
        else
            packed_add_column(&s->wih[l], token, s->gx);
        for (int g = 0; g < GH; g++)
            s->gx[g] += ce->b_ih[g];
        packed_apply(&s->whh[l], h, s->gh);
        switch (s->kind) {
        case CELL_LSTM: lstm_step(H, s->gx, s->gh, ce->b_hh, s->c + (long)l * H, h); break;
        case CELL_GRU: gru_step(H, s->gx, s->gh, ce->b_hh, h); break;
        default: rnn_step(H, s->kind == CELL_RNN_RELU, s->gx, s->gh, ce->b_hh, h); break;
        }
        in = h;
    }
    if (s->O == 0)
        return RECUR_OK;
    memset(s->y, 0, (size_t)s->O * sizeof *s->y);
    packed_apply(&s->fc, in, s->y);
    for (int o = 0; o < s->O; o++)
        y[o] = (float)(s->y[o] + m->fc_b[o]);
    return RECUR_OK;
}
