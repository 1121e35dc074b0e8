/* stream_q8.c - streaming inference on int8 weights
 * (recur_state_create_quantized, RECUR_QUANT_INT8 in recur/export.h).
 *
 * Every weight matrix is quantized once at creation (core/quant.h: int8,
 * one float scale per output row), a quarter of the float weights'
 * memory; biases, states and activations stay float. The int8 matrices are
 * stored transposed, [in][out], as stream.c packs its float weights: a
 * product is `in` vectorised updates acc[n] += q[k][n]·v[k] over all
 * outputs n (each int8 widened and converted on the way; no horizontal
 * sums), then one multiply by the row scales. Then the cell's equations
 * (cell.h) over the gate vectors, as stream.c's fused passes. The C that
 * recur_export_c generates with RECUR_QUANT_INT8 uses the same integers and
 * scales row by row (for a microcontroller), so the two agree to float
 * rounding (tests/test_export_c.c). Always on the calling thread; every
 * buffer is allocated here, a step allocates nothing. */
#include <stdlib.h>
#include <string.h>

#include "core/activation.h"
#include "core/error.h"
#include "core/kernel.h"
#include "core/quant.h"
#include "infer/stream_hook.h"
#include "infer/stream_kernel.h"
#include "nn/model.h"

typedef struct {
    int in;                    /* input width */
    const int8_t *wih, *whh;   /* transposed: [in][G·H], [H][G·H] */
    const float *sih, *shh;    /* [G·H] scales of the output rows */
    const real *bih, *bhh;     /* the model's biases */
} q8_layer;

struct recur__q8 {
    const recur_model *m;
    int kind, L, H, G, O, E, onehot, embed;
    q8_layer layer[MODEL_MAX_LAYERS];
    const int8_t *fcw, *emb; /* [H][O] transposed; [V][E] as stored (a row per token) */
    const float *fcs, *embs; /* [O], [V] */
    real *h, *c;   /* [L][H] states */
    real *gx, *gh; /* [G·H] gate pre-activations: input side, recurrent side */
    real *x, *y;   /* [E] the (embedded) input; [O] outputs */
    void *mem;     /* the int8 weights, scales and states, one block */
};

/* acc[N] = scale ⊙ (W·v) for W stored transposed as q [K][N]. */
RECUR_KERNEL
static void matvec_q8(const int8_t *restrict q, const float *restrict scale,
                      const real *restrict v, int K, int N, real *restrict acc)
{
    for (int n = 0; n < N; n++)
        acc[n] = 0;
    for (int k = 0; k < K; k++) {
        const int8_t *col = q + (long)k * N;
        real vk = v[k];
        for (int n = 0; n < N; n++)
            acc[n] += (real)col[n] * vk;
    }
    for (int n = 0; n < N; n++)
        acc[n] *= scale[n];
}

/* The fused gate pass over H units: g = gx + gh (biases included), the
 * cell's equations (cell.h); hp the previous states, new ones into h. */
RECUR_KERNEL
static void gates(int kind, int H, const real *restrict gx, const real *restrict gh,
                  real *restrict c, real *restrict h)
{
    switch (kind) {
    case CELL_LSTM:
        for (int j = 0; j < H; j++) {
            real i = act_sigmoid(gx[j] + gh[j]);
            real f = act_sigmoid(gx[H + j] + gh[H + j]);
            real g = act_tanh(gx[2 * H + j] + gh[2 * H + j]);
            real o = act_sigmoid(gx[3 * H + j] + gh[3 * H + j]);
            real cv = recur__flush(f * c[j] + i * g);
            c[j] = cv;
            h[j] = recur__flush(o * act_tanh(cv));
        }
        break;
    case CELL_GRU:
        for (int j = 0; j < H; j++) {
            real r = act_sigmoid(gx[j] + gh[j]);
            real z = act_sigmoid(gx[H + j] + gh[H + j]);
            real n = act_tanh(gx[2 * H + j] + r * gh[2 * H + j]);
            h[j] = recur__flush((1 - z) * n + z * h[j]);
        }
        break;
    case CELL_RNN_RELU:
        for (int j = 0; j < H; j++) {
            real a = gx[j] + gh[j];
            h[j] = recur__flush(a > 0 ? a : 0);
        }
        break;
    default:
        for (int j = 0; j < H; j++)
            h[j] = recur__flush(act_tanh(gx[j] + gh[j]));
        break;
    }
}

/* One layer: x its input (NULL: the one-hot token's column of W_ih). Every
 * gate product reads the old states before the pass overwrites them. */
static void layer_step(struct recur__q8 *q, int l, const real *x, int token)
{
    const q8_layer *ly = &q->layer[l];
    int H = q->H, GH = q->G * H;
    real *h = q->h + (long)l * H, *c = q->c + (long)l * H;
    if (x)
        matvec_q8(ly->wih, ly->sih, x, ly->in, GH, q->gx);
    else
        for (int n = 0; n < GH; n++)
            q->gx[n] = (real)ly->wih[(long)token * GH + n] * ly->sih[n];
    matvec_q8(ly->whh, ly->shh, h, H, GH, q->gh);
    for (int n = 0; n < GH; n++)
        q->gx[n] += ly->bih[n], q->gh[n] += ly->bhh[n];
    gates(q->kind, H, q->gx, q->gh, c, h);
}

int recur__q8_step(struct recur__q8 *q, int32_t token, const float *x, float *y)
{
    const recur_model *m = q->m;
    const recur_config *c = &m->cfg;
    const real *in = NULL;
    if (c->input == RECUR_INPUT_DENSE) {
        if (!x)
            return recur__fail(RECUR_E_INVALID, "a dense-input model needs x");
        for (int i = 0; i < c->input_size; i++)
            q->x[i] = recur__flush((real)x[i]);
        in = q->x;
    } else {
        int rc = recur__model_check_tokens(m, &token, 1, RECUR_E_INVALID);
        if (rc)
            return rc;
        if (q->embed) {
            for (int e = 0; e < q->E; e++)
                q->x[e] = recur__flush((real)q->emb[(long)token * q->E + e] * q->embs[token]);
            in = q->x;
        }
    }
    layer_step(q, 0, in, token);
    for (int l = 1; l < q->L; l++)
        layer_step(q, l, q->h + (long)(l - 1) * q->H, 0);
    if (q->O == 0) { /* an encoder: its output is the top layer's state */
        for (int j = 0; j < q->H; j++)
            y[j] = (float)q->h[(long)(q->L - 1) * q->H + j];
        return RECUR_OK;
    }
    matvec_q8(q->fcw, q->fcs, q->h + (long)(q->L - 1) * q->H, q->H, q->O, q->y);
    for (int o = 0; o < q->O; o++)
        y[o] = (float)(m->fc_b[o] + q->y[o]);
    return RECUR_OK;
}

void recur__q8_reset(struct recur__q8 *q)
{
    memset(q->h, 0, (size_t)q->L * q->H * sizeof *q->h);
    memset(q->c, 0, (size_t)q->L * q->H * sizeof *q->c);
}

void recur__q8_free(struct recur__q8 *q)
{
    if (q)
        free(q->mem);
    free(q);
}

void recur__q8_view(struct recur__q8 *q, stream_view *v)
{
    v->kind = q->kind, v->L = q->L, v->H = q->H, v->R = q->H;
    v->h = q->h;
    v->c = q->kind == CELL_LSTM ? q->c : NULL;
}

/* ---- creating ------------------------------------------------------------ */

/* Quantize W [rows][cols] into the block at *bytes (int8, transposed to
 * [cols][rows] when transpose, else as W) and *scales; tmp holds rows·cols
 * bytes. */
static void take(const real *W, long rows, long cols, int transpose, int8_t *tmp,
                 int8_t **bytes, float **scales, const int8_t **q, const float **s)
{
    int8_t *dst = *bytes;
    recur__quantize_rows(W, rows, cols, transpose ? tmp : dst, *scales);
    if (transpose)
        for (long r = 0; r < rows; r++)
            for (long k = 0; k < cols; k++)
                dst[k * rows + r] = tmp[r * cols + k];
    *q = dst, *s = *scales;
    *bytes += rows * cols;
    *scales += rows;
}

int recur__q8_create(const recur_model *m, struct recur__q8 **out)
{
    *out = NULL;
    const recur_config *c = &m->cfg;
    struct recur__q8 *q = calloc(1, sizeof *q);
    if (!q)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    q->m = m;
    q->kind = m->cells[0][0].kind;
    q->L = c->layers, q->H = c->hidden, q->O = c->output_size;
    q->G = recur__cell_gates(q->kind);
    q->onehot = c->input == RECUR_INPUT_ONEHOT;
    q->embed = c->input == RECUR_INPUT_EMBEDDING;
    q->E = q->embed ? c->embed_dim : c->input_size;
    int H = q->H, G = q->G;
    long nw = (long)q->O * H, nrows = q->O, widest = (long)q->O * H;
    for (int l = 0; l < q->L; l++) {
        long a = (long)G * H * m->cells[l][0].I, b = (long)G * H * H;
        nw += a + b, nrows += 2L * G * H;
        widest = a > widest ? a : widest;
        widest = b > widest ? b : widest;
    }
    if (q->embed)
        nw += (long)c->input_size * q->E, nrows += c->input_size;
    long nreal = 2L * q->L * H + 2L * G * H + q->E + q->O;
    /* reals and scales first (aligned), then the bytes */
    size_t bytes = (size_t)nreal * sizeof(real) + (size_t)nrows * sizeof(float) + (size_t)nw;
    char *p = q->mem = calloc(1, bytes);
    int8_t *tmp = malloc((size_t)widest + 1);
    if (!p || !tmp) {
        free(p), free(tmp), free(q);
        return recur__fail(RECUR_E_NOMEM, "out of memory for an int8 stream of this model");
    }
    q->h = (real *)p, q->c = q->h + (long)q->L * H;
    q->gx = q->c + (long)q->L * H, q->gh = q->gx + (long)G * H;
    q->x = q->gh + (long)G * H, q->y = q->x + q->E;
    float *scales = (float *)(q->y + q->O);
    int8_t *w = (int8_t *)(scales + nrows);
    for (int l = 0; l < q->L; l++) {
        const cell *ce = &m->cells[l][0];
        q8_layer *ly = &q->layer[l];
        ly->in = ce->I;
        ly->bih = ce->b_ih, ly->bhh = ce->b_hh;
        take(ce->w_ih, (long)G * H, ce->I, 1, tmp, &w, &scales, &ly->wih, &ly->sih);
        take(ce->w_hh, (long)G * H, H, 1, tmp, &w, &scales, &ly->whh, &ly->shh);
    }
    if (q->O)
        take(m->fc_w, q->O, H, 1, tmp, &w, &scales, &q->fcw, &q->fcs);
    if (q->embed)
        take(m->emb, c->input_size, q->E, 0, tmp, &w, &scales, &q->emb, &q->embs);
    free(tmp);
    *out = q;
    return RECUR_OK;
}

int recur_state_create_quantized(const recur_model *m, recur_quant quant, recur_state **out)
{
    RECUR_NEED(out);
    *out = NULL;
    RECUR_NEED(m);
    if (quant == RECUR_QUANT_NONE)
        return recur_state_create(m, out);
    if (quant != RECUR_QUANT_INT8)
        return recur__fail(RECUR_E_INVALID, "unknown quantization %d", (int)quant);
    int rc = recur__stream_refusal(m, "run step by step");
    if (rc)
        return rc;
    if (recur_model_get_config(m)->proj)
        return recur__fail(RECUR_E_INVALID, "the int8 stream has no LSTM projection "
                          "(proj %d): use the float stream (RECUR_QUANT_NONE)",
                          recur_model_get_config(m)->proj);
    struct recur__q8 *q;
    rc = recur__q8_create(m, &q);
    return rc ? rc : recur__state_wrap_q8(q, out);
}
