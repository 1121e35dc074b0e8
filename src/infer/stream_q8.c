/* stream_q8.c - streaming inference on int8 weights
 * (recur_state_create_quantized, RECUR_QUANT_INT8 in recur/export.h).
 *
 * Every weight matrix is quantized once at creation (core/quant.h: int8,
 * one float scale per row), a quarter of the float weights' memory;
 * biases, states and activations stay float. A step computes, per layer
 * and hidden unit, the unit's gate rows as dot products of int8 rows with
 * float vectors, accumulated in float and scaled once per row, then the
 * cell's equations (cell.h) — the same arithmetic, in the same order, as
 * the C that recur_export_c generates with RECUR_QUANT_INT8, so the two
 * agree to float rounding. Always on the calling thread; every buffer is
 * allocated here, a step allocates nothing. */
#include <stdlib.h>
#include <string.h>

#include "core/activation.h"
#include "core/error.h"
#include "core/kernel.h"
#include "core/quant.h"
#include "infer/stream_hook.h"
#include "nn/model.h"

typedef struct {
    int in;                 /* input width */
    const int8_t *wih, *whh; /* [G·H][in], [G·H][H] */
    const float *sih, *shh;  /* scales per row */
    const real *bih, *bhh;   /* the model's biases */
} q8_layer;

struct recur__q8 {
    const recur_model *m;
    int kind, L, H, G, O, E, onehot, embed;
    q8_layer layer[MODEL_MAX_LAYERS];
    const int8_t *fcw, *emb; /* [O][H], [V][E] */
    const float *fcs, *embs;
    real *h, *c;   /* [L][H] states */
    real *hn, *x;  /* [H] new states of a layer; [E] the embedded input */
    void *mem;     /* the int8 weights, scales and states, one block */
};

/* scale · (w·v) over n, in eight partial sums: lane u adds the products
 * k ≡ u (mod 8), the tail goes to lane 0, and the lanes are added as a
 * tree. Independent lanes fill a pipelined FPU, and the compiler turns the
 * lane loop into one vector (int8 widened and converted 8 at a time). The
 * generated C sums in exactly this order, so both give the same floats. */
static inline real dot_q8(const int8_t *restrict w, float scale, const real *restrict v, int n)
{
    real a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int k = 0;
    for (; k + 8 <= n; k += 8)
        for (int u = 0; u < 8; u++)
            a[u] += (real)w[k + u] * v[k + u];
    for (; k < n; k++)
        a[0] += (real)w[k] * v[k];
    return (((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))) * scale;
}

/* Gate row r: b_ih + W_ih·x (x NULL: the one-hot token's column), and
 * b_hh + W_hh·h. */
static inline real row_in(const q8_layer *ly, int r, const real *x, int token)
{
    if (!x)
        return ly->bih[r] + (real)ly->wih[(long)r * ly->in + token] * ly->sih[r];
    return ly->bih[r] + dot_q8(ly->wih + (long)r * ly->in, ly->sih[r], x, ly->in);
}

static inline real row_rec(const q8_layer *ly, int r, const real *h, int H)
{
    return ly->bhh[r] + dot_q8(ly->whh + (long)r * H, ly->shh[r], h, H);
}

/* What the hardware flush-to-zero does to a result (the generated C does
 * the same in software), so that the states agree with it everywhere. */
static real flush(real v) { return v > -1.17549435e-38f && v < 1.17549435e-38f ? 0 : v; }

RECUR_KERNEL
static void layer_step(struct recur__q8 *q, int l, const real *x, int token)
{
    const q8_layer *ly = &q->layer[l];
    int H = q->H;
    real *hp = q->h + (long)l * H, *c = q->c + (long)l * H, *hn = q->hn;
    for (int j = 0; j < H; j++) {
        switch (q->kind) {
        case CELL_LSTM: {
            real i = act_sigmoid(row_in(ly, j, x, token) + row_rec(ly, j, hp, H));
            real f = act_sigmoid(row_in(ly, H + j, x, token) + row_rec(ly, H + j, hp, H));
            real g = act_tanh(row_in(ly, 2 * H + j, x, token) + row_rec(ly, 2 * H + j, hp, H));
            real o = act_sigmoid(row_in(ly, 3 * H + j, x, token) + row_rec(ly, 3 * H + j, hp, H));
            real cv = flush(f * c[j] + i * g);
            c[j] = cv;
            hn[j] = flush(o * act_tanh(cv));
            break;
        }
        case CELL_GRU: {
            real r = act_sigmoid(row_in(ly, j, x, token) + row_rec(ly, j, hp, H));
            real z = act_sigmoid(row_in(ly, H + j, x, token) + row_rec(ly, H + j, hp, H));
            real n = act_tanh(row_in(ly, 2 * H + j, x, token) + r * row_rec(ly, 2 * H + j, hp, H));
            hn[j] = flush((1 - z) * n + z * hp[j]);
            break;
        }
        case CELL_RNN_RELU: {
            real a = row_in(ly, j, x, token) + row_rec(ly, j, hp, H);
            hn[j] = flush(a > 0 ? a : 0);
            break;
        }
        default:
            hn[j] = flush(act_tanh(row_in(ly, j, x, token) + row_rec(ly, j, hp, H)));
            break;
        }
    }
    memcpy(hp, hn, (size_t)H * sizeof *hp);
}

int recur__q8_step(struct recur__q8 *q, int32_t token, const float *x, float *y)
{
    const recur_model *m = q->m;
    const recur_config *c = &m->cfg;
    const real *in = NULL;
    if (c->input == RECUR_INPUT_DENSE) {
        if (!x)
            return recur_fail(RECUR_E_INVALID, "a dense-input model needs x");
        for (int i = 0; i < c->input_size; i++)
            q->x[i] = (real)x[i];
        in = q->x;
    } else {
        int rc = recur__model_check_tokens(m, &token, 1, RECUR_E_INVALID);
        if (rc)
            return rc;
        if (q->embed) {
            for (int e = 0; e < q->E; e++)
                q->x[e] = (real)q->emb[(long)token * q->E + e] * q->embs[token];
            in = q->x;
        }
    }
    layer_step(q, 0, in, token);
    for (int l = 1; l < q->L; l++)
        layer_step(q, l, q->h + (long)(l - 1) * q->H, 0);
    const real *top = q->h + (long)(q->L - 1) * q->H;
    for (int o = 0; o < q->O; o++)
        y[o] = (float)(m->fc_b[o] + dot_q8(q->fcw + (long)o * q->H, q->fcs[o], top, q->H));
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
    v->kind = q->kind, v->L = q->L, v->H = q->H;
    v->h = q->h;
    v->c = q->kind == CELL_LSTM ? q->c : NULL;
}

/* ---- creating ------------------------------------------------------------ */

/* Quantize W [rows][cols] into the block at *bytes (int8) and *scales. */
static void take(const real *W, long rows, long cols, int8_t **bytes, float **scales,
                 const int8_t **q, const float **s)
{
    recur__quantize_rows(W, rows, cols, *bytes, *scales);
    *q = *bytes, *s = *scales;
    *bytes += rows * cols;
    *scales += rows;
}

int recur__q8_create(const recur_model *m, struct recur__q8 **out)
{
    *out = NULL;
    const recur_config *c = &m->cfg;
    struct recur__q8 *q = calloc(1, sizeof *q);
    if (!q)
        return recur_fail(RECUR_E_NOMEM, "out of memory");
    q->m = m;
    q->kind = m->cells[0][0].kind;
    q->L = c->layers, q->H = c->hidden, q->O = c->output_size;
    q->G = recur__cell_gates(q->kind);
    q->onehot = c->input == RECUR_INPUT_ONEHOT;
    q->embed = c->input == RECUR_INPUT_EMBEDDING;
    q->E = q->embed ? c->embed_dim : c->input_size;
    int H = q->H, G = q->G;
    long nw = (long)q->O * H, nrows = q->O;
    for (int l = 0; l < q->L; l++)
        nw += (long)G * H * (m->cells[l][0].I + H), nrows += 2L * G * H;
    if (q->embed)
        nw += (long)c->input_size * q->E, nrows += c->input_size;
    long nreal = 2L * q->L * H + H + q->E;
    /* reals and scales first (aligned), then the bytes */
    size_t bytes = (size_t)nreal * sizeof(real) + (size_t)nrows * sizeof(float) + (size_t)nw;
    char *p = q->mem = calloc(1, bytes);
    if (!p) {
        free(q);
        return recur_fail(RECUR_E_NOMEM, "out of memory for an int8 stream of this model");
    }
    q->h = (real *)p, q->c = q->h + (long)q->L * H, q->hn = q->c + (long)q->L * H;
    q->x = q->hn + H;
    float *scales = (float *)(q->x + q->E);
    int8_t *w = (int8_t *)(scales + nrows);
    for (int l = 0; l < q->L; l++) {
        const cell *ce = &m->cells[l][0];
        q8_layer *ly = &q->layer[l];
        ly->in = ce->I;
        ly->bih = ce->b_ih, ly->bhh = ce->b_hh;
        take(ce->w_ih, (long)G * H, ce->I, &w, &scales, &ly->wih, &ly->sih);
        take(ce->w_hh, (long)G * H, H, &w, &scales, &ly->whh, &ly->shh);
    }
    if (q->O)
        take(m->fc_w, q->O, H, &w, &scales, &q->fcw, &q->fcs);
    if (q->embed)
        take(m->emb, c->input_size, q->E, &w, &scales, &q->emb, &q->embs);
    *out = q;
    return RECUR_OK;
}

int recur_state_create_quantized(const recur_model *m, recur_quant quant, recur_state **out)
{
    if (quant == RECUR_QUANT_NONE)
        return recur_state_create(m, out);
    *out = NULL;
    if (quant != RECUR_QUANT_INT8)
        return recur_fail(RECUR_E_INVALID, "unknown quantization %d", (int)quant);
    int rc = recur__stream_refusal(m, "run step by step");
    if (rc)
        return rc;
    struct recur__q8 *q;
    rc = recur__q8_create(m, &q);
    return rc ? rc : recur__state_wrap_q8(q, out);
}
