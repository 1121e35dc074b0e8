/* model.c - building the network, its parameter table, and the forward and
 * backward passes of the whole stack (one call each per batch window). */
#include "nn/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/gemm.h"
#include "core/parallel.h"

static int cell_kind_of(recur_cell c)
{
    switch (c) {
    case RECUR_RNN_RELU: return CELL_RNN_RELU;
    case RECUR_LSTM: return CELL_LSTM;
    case RECUR_GRU: return CELL_GRU;
    default: return CELL_RNN_TANH;
    }
}

/* Width of the vector fed to the first recurrent layer. */
static int first_input_width(const recur_config *c)
{
    return c->input == RECUR_INPUT_EMBEDDING ? c->embed_dim : c->input_size;
}

int recur_config_check(const recur_config *c)
{
    if (!c)
        return recur__fail(RECUR_E_INVALID, "no model configuration given");
    if (c->cell < RECUR_RNN_TANH || c->cell > RECUR_GRU)
        return recur__fail(RECUR_E_INVALID, "unknown cell type %d", (int)c->cell);
    if (c->input < RECUR_INPUT_ONEHOT || c->input > RECUR_INPUT_DENSE)
        return recur__fail(RECUR_E_INVALID, "unknown input kind %d", (int)c->input);
    if (c->input_size < 1 || c->input_size > RECUR_MAX_WIDTH)
        return recur__fail(RECUR_E_LIMIT, "input size %d is outside 1..%d",
                          c->input_size, RECUR_MAX_WIDTH);
    if (c->input == RECUR_INPUT_EMBEDDING &&
        (c->embed_dim < 1 || c->embed_dim > RECUR_MAX_WIDTH))
        return recur__fail(RECUR_E_LIMIT, "embedding size %d is outside 1..%d",
                          c->embed_dim, RECUR_MAX_WIDTH);
    if (c->hidden < 1 || c->hidden > RECUR_MAX_WIDTH)
        return recur__fail(RECUR_E_LIMIT, "hidden size %d is outside 1..%d",
                          c->hidden, RECUR_MAX_WIDTH);
    if (c->layers < 1 || c->layers > MODEL_MAX_LAYERS)
        return recur__fail(RECUR_E_LIMIT, "layer count %d is outside 1..%d",
                          c->layers, MODEL_MAX_LAYERS);
    if (c->bidirectional != 0 && c->bidirectional != 1)
        return recur__fail(RECUR_E_INVALID, "bidirectional must be 0 or 1");
    if (c->reverse != 0 && c->reverse != 1)
        return recur__fail(RECUR_E_INVALID, "reverse must be 0 or 1");
    if (c->reverse && c->bidirectional)
        return recur__fail(RECUR_E_INVALID, "a model is bidirectional or reverse, not both");
    if (c->output_size < 0 || c->output_size > RECUR_MAX_WIDTH)
        return recur__fail(RECUR_E_LIMIT, "output size %d is outside 0..%d",
                          c->output_size, RECUR_MAX_WIDTH);
    if (c->readout < RECUR_READOUT_SEQUENCE || c->readout > RECUR_READOUT_MEAN)
        return recur__fail(RECUR_E_INVALID, "unknown readout %d", (int)c->readout);
    if (!(c->dropout >= 0 && c->dropout < 1))
        return recur__fail(RECUR_E_INVALID, "dropout %g is outside [0, 1)",
                          (double)c->dropout);
    if (c->loss != RECUR_LOSS_XENT && c->loss != RECUR_LOSS_MSE)
        return recur__fail(RECUR_E_INVALID, "unknown loss %d", (int)c->loss);
    if (c->proj && c->cell != RECUR_LSTM)
        return recur__fail(RECUR_E_INVALID, "a projection (proj %d) is an LSTM's only, "
                          "not a %s's", c->proj, recur_cell_name(c->cell));
    if (c->proj < 0 || c->proj >= c->hidden)
        return recur__fail(RECUR_E_INVALID, "projection size %d is outside 0..%d "
                          "(0: none; else below the hidden size, as PyTorch's "
                          "proj_size)", c->proj, c->hidden - 1);
    /* The largest tensor must stay far below what an int indexes. */
    int G = recur__cell_gates(cell_kind_of(c->cell)), D = c->bidirectional ? 2 : 1;
    int R = model_state_width(c);
    double widest = (double)G * c->hidden *
                    fmax(fmax(first_input_width(c), (double)R * D), c->hidden);
    if (widest > 1e9 || (double)c->output_size * R * D > 1e9 ||
        (double)c->input_size * c->embed_dim > 1e9)
        return recur__fail(RECUR_E_LIMIT, "model too large (a tensor would "
                                         "exceed 10^9 elements)");
    /* Every parameter, as layout() below lays them out, before allocating. */
    double params = (c->input == RECUR_INPUT_EMBEDDING ? (double)c->input_size * c->embed_dim
                                                        : 0) +
                    (double)c->output_size * ((double)R * D + 1);
    for (int l = 0; l < c->layers; l++) {
        double in = l == 0 ? first_input_width(c) : (double)R * D;
        params += D * ((double)G * c->hidden * (in + R + 2) + (double)c->proj * c->hidden);
    }
    if (params > RECUR_MAX_PARAMS)
        return recur__fail(RECUR_E_LIMIT, "model too large: %.0f parameters, over the "
                          "limit of %ld", params, (long)RECUR_MAX_PARAMS);
    return RECUR_OK;
}

static param_tensor *add_tensor(recur_model *m, const char *name, int64_t d0,
                                int64_t d1, long *offset)
{
    param_tensor *t = &m->tensors[m->ntensors++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->ndim = d1 ? 2 : 1;
    t->shape[0] = d0;
    t->shape[1] = d1;
    t->n = (long)(d1 ? d0 * d1 : d0);
    t->p = (real *)(intptr_t)*offset; /* turned into pointers below */
    *offset += t->n;
    return t;
}

/* Lay out every tensor in PyTorch's state_dict order; returns the count. */
static long layout(recur_model *m)
{
    const recur_config *c = &m->cfg;
    int H = c->hidden, GH = recur__cell_gates(cell_kind_of(c->cell)) * H;
    int R = model_state_width(c);
    long off = 0;
    char name[40];
    m->ntensors = 0;
    if (c->input == RECUR_INPUT_EMBEDDING)
        add_tensor(m, "embedding.weight", c->input_size, c->embed_dim, &off);
    for (int l = 0; l < c->layers; l++) {
        int in = l == 0 ? first_input_width(c) : R * m->dirs;
        for (int d = 0; d < m->dirs; d++) {
            const char *sfx = d ? "_reverse" : "";
            snprintf(name, sizeof name, "rnn.weight_ih_l%d%s", l, sfx);
            add_tensor(m, name, GH, in, &off);
            snprintf(name, sizeof name, "rnn.weight_hh_l%d%s", l, sfx);
            add_tensor(m, name, GH, R, &off);
            snprintf(name, sizeof name, "rnn.bias_ih_l%d%s", l, sfx);
            add_tensor(m, name, GH, 0, &off);
            snprintf(name, sizeof name, "rnn.bias_hh_l%d%s", l, sfx);
            add_tensor(m, name, GH, 0, &off);
            if (c->proj) {
                snprintf(name, sizeof name, "rnn.weight_hr_l%d%s", l, sfx);
                add_tensor(m, name, c->proj, H, &off);
            }
        }
    }
    if (c->output_size > 0) {
        add_tensor(m, "fc.weight", c->output_size, (int64_t)R * m->dirs, &off);
        add_tensor(m, "fc.bias", c->output_size, 0, &off);
    }
    return off;
}

/* Point the named views and the per-layer cells into the flat arrays. */
static void bind(recur_model *m)
{
    const recur_config *c = &m->cfg;
    int k = 0;
    for (int i = 0; i < m->ntensors; i++) {
        long off = (long)(intptr_t)m->tensors[i].p;
        m->tensors[i].p = m->params + off;
        m->tensors[i].g = m->grads + off;
    }
    if (c->input == RECUR_INPUT_EMBEDDING) {
        m->emb = m->tensors[k].p, m->gemb = m->tensors[k].g;
        k++;
    }
    for (int l = 0; l < c->layers; l++)
        for (int d = 0; d < m->dirs; d++) {
            cell *ce = &m->cells[l][d];
            ce->kind = cell_kind_of(c->cell);
            ce->H = c->hidden;
            ce->P = c->proj;
            ce->I = l == 0 ? first_input_width(c) : model_state_width(c) * m->dirs;
            ce->w_ih = m->tensors[k].p, ce->gw_ih = m->tensors[k].g;
            ce->w_hh = m->tensors[k + 1].p, ce->gw_hh = m->tensors[k + 1].g;
            ce->b_ih = m->tensors[k + 2].p, ce->gb_ih = m->tensors[k + 2].g;
            ce->b_hh = m->tensors[k + 3].p, ce->gb_hh = m->tensors[k + 3].g;
            k += 4;
            if (c->proj) {
                ce->w_hr = m->tensors[k].p, ce->gw_hr = m->tensors[k].g;
                k++;
            }
        }
    if (c->output_size > 0) {
        m->fc_w = m->tensors[k].p, m->gfc_w = m->tensors[k].g;
        m->fc_b = m->tensors[k + 1].p, m->gfc_b = m->tensors[k + 1].g;
    }
}

int recur__model_plan(const recur_config *cfg, recur_model *m)
{
    int rc = recur_config_check(cfg);
    if (rc)
        return rc;
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    if (m->cfg.input != RECUR_INPUT_EMBEDDING)
        m->cfg.embed_dim = 0;
    m->dirs = cfg->bidirectional ? 2 : 1;
    m->nparams = layout(m);
    return RECUR_OK;
}

int recur__model_alloc(const recur_config *cfg, recur_model **out)
{
    *out = NULL;
    recur_model *m = calloc(1, sizeof *m);
    if (!m)
        return recur__fail(RECUR_E_NOMEM, "out of memory for the model");
    int rc = recur__model_plan(cfg, m);
    if (rc) {
        free(m);
        return rc;
    }
    m->params = calloc((size_t)m->nparams, sizeof *m->params);
    m->grads = calloc((size_t)m->nparams, sizeof *m->grads);
    if (!m->params || !m->grads) {
        recur_model_free(m);
        return recur__fail(RECUR_E_NOMEM, "out of memory for %ld parameters",
                          m->nparams);
    }
    bind(m);
    *out = m;
    return RECUR_OK;
}

/* PyTorch's defaults: recurrent weights, biases (and W_hr) U(-1/√H, 1/√H); Linear
 * U(-1/√fan_in, 1/√fan_in); Embedding N(0, 1). */
void recur__model_init_params(recur_model *m, uint64_t seed)
{
    rng r;
    recur__rng_seed(&r, seed);
    for (int i = 0; i < m->ntensors; i++) {
        param_tensor *t = &m->tensors[i];
        if (strcmp(t->name, "embedding.weight") == 0) {
            for (long j = 0; j < t->n; j++)
                t->p[j] = (real)recur__rng_normal(&r);
            continue;
        }
        double fan = strncmp(t->name, "fc.", 3) == 0
                         ? (double)model_state_width(&m->cfg) * m->dirs
                                                     : (double)m->cfg.hidden;
        double k = 1.0 / sqrt(fan);
        for (long j = 0; j < t->n; j++)
            t->p[j] = (real)((2 * recur__rng_uniform(&r) - 1) * k);
    }
}

const param_tensor *recur__model_find_tensor(const recur_model *m, const char *name)
{
    for (int i = 0; i < m->ntensors; i++)
        if (strcmp(m->tensors[i].name, name) == 0)
            return &m->tensors[i];
    return NULL;
}

int recur__model_check_tokens(const recur_model *m, const int32_t *tokens, long n, int code)
{
    for (long i = 0; i < n; i++)
        if (tokens[i] < 0 || tokens[i] >= m->cfg.input_size)
            return recur__fail(code, "token %d at position %ld is outside the model's "
                              "vocabulary of %d", (int)tokens[i], i, m->cfg.input_size);
    return RECUR_OK;
}

int recur__model_check_finite(const recur_model *m, const char *what)
{
    for (int i = 0; i < m->ntensors; i++)
        for (long j = 0; j < m->tensors[i].n; j++)
            if (!isfinite(m->tensors[i].p[j]))
                return recur__fail(RECUR_E_NUMERIC, "%s: tensor '%s' holds NaN or "
                                  "infinite values", what, m->tensors[i].name);
    return RECUR_OK;
}

void recur__model_zero_grads(recur_model *m)
{
    memset(m->grads, 0, (size_t)m->nparams * sizeof *m->grads);
}

void recur_model_free(recur_model *m)
{
    if (!m)
        return;
    free(m->params);
    free(m->grads);
    free(m->vocab);
    for (int i = 0; i < m->nmeta; i++) {
        free(m->meta_key[i]);
        free(m->meta_val[i]);
    }
    free(m);
}

int recur__model_set_meta(recur_model *m, const char *key, const char *value)
{
    char *v = strdup(value);
    if (!v)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    for (int i = 0; i < m->nmeta; i++)
        if (strcmp(m->meta_key[i], key) == 0) {
            free(m->meta_val[i]);
            m->meta_val[i] = v;
            return RECUR_OK;
        }
    char *k = strdup(key);
    if (!k || m->nmeta == MODEL_MAX_META) {
        free(k);
        free(v);
        return recur__fail(RECUR_E_LIMIT, "too many metadata entries");
    }
    m->meta_key[m->nmeta] = k;
    m->meta_val[m->nmeta++] = v;
    return RECUR_OK;
}

const char *recur__model_get_meta(const recur_model *m, const char *key)
{
    for (int i = 0; i < m->nmeta; i++)
        if (strcmp(m->meta_key[i], key) == 0)
            return m->meta_val[i];
    return NULL;
}

/* ---- work buffers --------------------------------------------------------- */

int recur__model_work_alloc(const recur_model *m, int T, int B, model_work *w)
{
    const recur_config *c = &m->cfg;
    memset(w, 0, sizeof *w);
    if (T < 1 || B < 1 || (double)T * B > 1e8)
        return recur__fail(RECUR_E_LIMIT, "window of %d steps x %d sequences "
                                         "is outside the supported range", T, B);
    long TB = (long)T * B, DH = (long)model_state_width(c) * m->dirs;
    long widest = DH > first_input_width(c) ? DH : first_input_width(c);
    long LDBH = (long)c->layers * m->dirs * B * c->hidden;
    int kind = cell_kind_of(c->cell);
    double total = (double)TB * (c->embed_dim + 2 * widest + 2 * c->output_size) +
                   2.0 * LDBH + 2.0 * B * DH +
                   (double)c->layers * TB * DH * (c->dropout > 0 ? 2 : 1);
    for (int l = 0; l < c->layers; l++)
        total += (double)m->dirs * recur__cell_work_size(kind, c->hidden, c->proj, T, B);
    /* One-hot input: a transposed copy of W_ih (plus b_ih) per direction,
     * a contiguous row per token, which the time loop reads in place and
     * the backward pass scatters the gate gradients into; worth it when
     * there are more rows than vocabulary entries, and kept to a few MB. */
    long GH = (long)recur__cell_gates(kind) * c->hidden;
    int transposed = c->input == RECUR_INPUT_ONEHOT && TB >= c->input_size &&
                     (double)c->input_size * GH <= (1 << 22);
    if (transposed)
        total += (double)m->dirs * c->input_size * GH;
    if (total * sizeof(real) > RECUR_MAX_WORK_BYTES)
        return recur__fail(RECUR_E_LIMIT,
                          "a window of %d x %d needs %.1f GB of activations "
                          "(limit %.1f GB): lower the batch or sequence length",
                          T, B, total * sizeof(real) / 1e9,
                          RECUR_MAX_WORK_BYTES / 1e9);
    real *p = calloc((size_t)total, sizeof *p);
    if (!p)
        return recur__fail(RECUR_E_NOMEM, "out of memory for activations");
    w->mem = p;
    w->T = T, w->B = B;
    w->x0 = p, p += TB * c->embed_dim;
    w->dya = p, p += TB * widest;
    w->dyb = p, p += TB * widest;
    w->logits = p, p += TB * c->output_size;
    w->dlogits = p, p += TB * c->output_size;
    w->hn = p, p += LDBH;
    w->cn = p, p += LDBH;
    w->pool = p, p += (long)B * DH;
    for (int d = 0; transposed && d < m->dirs; d++)
        w->onehot_t[d] = p, p += c->input_size * GH;
    w->dpool = p, p += (long)B * DH;
    for (int l = 0; l < c->layers; l++) {
        w->y[l] = w->ybuf[l] = p, p += TB * DH;
        if (c->dropout > 0)
            w->mask[l] = p, p += TB * DH;
        for (int d = 0; d < m->dirs; d++) {
            recur__cell_work_bind(&w->cw[l][d], kind, c->hidden, c->proj, T, B, p);
            p += recur__cell_work_size(kind, c->hidden, c->proj, T, B);
        }
    }
    return RECUR_OK;
}

void recur__model_work_free(model_work *w)
{
    free(w->mem);
    memset(w, 0, sizeof *w);
}

/* ---- forward -------------------------------------------------------------- */

/* xg[t][b] = W_ih · x_t + b_ih for every step: one GEMM; for one-hot input
 * the table wt of W_ih's columns plus b_ih, which the cell reads by token
 * (cw->xtab), or where there is no table, a column gather into xg. */
static void input_projection(const cell *ce, cell_work *cw, long TB,
                             const int32_t *tokens, const real *x, real *wt)
{
    int GH = recur__cell_gates(ce->kind) * ce->H, I = ce->I;
    cw->xtab = NULL, cw->xtok = NULL;
    if (tokens && wt && TB >= I) {
        /* wt[v] = W_ih[:, v] + b_ih: each step's row of projections is a
         * row of wt, which the time loop reads in place (cell.h). */
        for (int g = 0; g < GH; g++)
            for (int v = 0; v < I; v++)
                wt[(long)v * GH + g] = ce->w_ih[(long)g * I + v] + ce->b_ih[g];
        cw->xtab = wt, cw->xtok = tokens;
        return;
    }
    if (tokens) {
        for (long r = 0; r < TB; r++) {
            real *out = cw->xg + r * GH;
            const real *col = ce->w_ih + tokens[r];
            for (int g = 0; g < GH; g++)
                out[g] = col[(long)g * I] + ce->b_ih[g];
        }
        return;
    }
    recur__gemm(0, 1, (int)TB, GH, I, 1, x, I, ce->w_ih, I, 0, cw->xg, GH);
    recur__add_row_bias(cw->xg, TB, GH, ce->b_ih);
}

/* Valid steps of sequence b. */
static int seq_len_of(const int32_t *len, int T, int b)
{
    return len ? len[b] : T;
}

/* The many-to-one readouts of the top layer's outputs y [T][B][D·H]:
 * LAST takes the forward half at each sequence's last valid step and the
 * reverse half at step 0 (where the reverse direction ends; a reverse
 * model's only direction, rev = 1, likewise); MEAN averages over the valid
 * steps. */
static void readout_pool(recur_readout how, const real *y, const int32_t *len,
                         int T, int B, int H, int D, int rev, real *pool)
{
    int DH = D * H;
    for (int b = 0; b < B; b++) {
        int n = seq_len_of(len, T, b);
        real *p = pool + (long)b * DH;
        if (how == RECUR_READOUT_LAST) {
            memcpy(p, y + ((long)(rev ? 0 : n - 1) * B + b) * DH, (size_t)H * sizeof(real));
            if (D == 2)
                memcpy(p + H, y + (long)b * DH + H, (size_t)H * sizeof(real));
            continue;
        }
        memset(p, 0, (size_t)DH * sizeof(real));
        for (int t = 0; t < n; t++) {
            const real *yt = y + ((long)t * B + b) * DH;
            for (int j = 0; j < DH; j++)
                p[j] += yt[j];
        }
        for (int j = 0; j < DH; j++)
            p[j] /= (real)n;
    }
}

/* The transpose of readout_pool: dy [T][B][D·H] from dpool [B][D·H]. */
static void readout_unpool(recur_readout how, const real *dpool, const int32_t *len,
                           int T, int B, int H, int D, int rev, real *dy)
{
    int DH = D * H;
    memset(dy, 0, (size_t)T * B * DH * sizeof(real));
    for (int b = 0; b < B; b++) {
        int n = seq_len_of(len, T, b);
        const real *dp = dpool + (long)b * DH;
        if (how == RECUR_READOUT_LAST) {
            memcpy(dy + ((long)(rev ? 0 : n - 1) * B + b) * DH, dp, (size_t)H * sizeof(real));
            if (D == 2)
                memcpy(dy + (long)b * DH + H, dp + H, (size_t)H * sizeof(real));
            continue;
        }
        for (int t = 0; t < n; t++) {
            real *d = dy + ((long)t * B + b) * DH;
            for (int j = 0; j < DH; j++)
                d[j] = dp[j] / (real)n;
        }
    }
}

static void make_dropout_mask(real *mask, long n, real p, rng *r)
{
    real keep = 1 / (1 - p);
    for (long i = 0; i < n; i++)
        mask[i] = recur__rng_uniform(r) < p ? 0 : keep;
}

/* Does direction d run from the last step to the first? The second of a
 * bidirectional layer, and the only one of a reverse model. */
static int direction_reversed(const recur_model *m, int d)
{
    return d == 1 || m->cfg.reverse;
}

/* One layer's directions, for forward or backward: [d0, d1) of them. */
typedef struct {
    const recur_model *m;
    model_work *w;
    int T, B;
    model_input in;
    const real *h0, *c0;                       /* forward */
    const real *dhn, *dcn;                     /* backward */
    real *dh0, *dc0;
    real *dy;
    int l;
    const int32_t *tokens; /* one-hot tokens of layer 0, else NULL */
    const real *x;         /* the layer's input */
} direction_job;

static void forward_directions(void *arg, int d0, int d1)
{
    direction_job *j = arg;
    const recur_model *m = j->m;
    model_work *w = j->w;
    int H = m->cfg.hidden, R = model_state_width(&m->cfg), D = m->dirs, DR = R * D;
    int T = j->T, B = j->B, l = j->l;
    long TB = (long)T * B, BH = (long)B * H, BR = (long)B * R;
    for (int d = d0; d < d1; d++) {
        const cell *ce = &m->cells[l][d];
        cell_work *cw = &w->cw[l][d];
        long s = (long)(l * D + d) * BR, sc = (long)(l * D + d) * BH;
        int rev = direction_reversed(m, d);
        input_projection(ce, cw, TB, j->tokens, j->x, w->onehot_t[d]);
        cw->len = j->in.len;
        recur__cell_forward(ce, cw, T, B, rev, j->h0 ? j->h0 + s : NULL,
                            j->c0 ? j->c0 + sc : NULL);
        /* One direction whose output dropout will not scale in place: the
         * layer's output is its states [T][B][R] as the cell keeps them, not
         * a copy (13 MB a step of RNN 1×512: 3% of it, bench/NOTES.md). */
        int copy = D > 1 || w->dropout_applied;
        if (!copy)
            w->y[l] = recur__cell_h_at(cw, R, B, T, rev, 0);
        for (int t = 0; copy && t < T; t++) {
            const real *h = recur__cell_h_at(cw, R, B, T, rev, t);
            for (int b = 0; b < B; b++)
                memcpy(w->y[l] + ((long)t * B + b) * DR + d * R, h + (long)b * R,
                       (size_t)R * sizeof(real));
        }
        memcpy(w->hn + s, recur__cell_h_final(cw, R, B, T, rev), (size_t)BR * sizeof(real));
        if (ce->kind == CELL_LSTM)
            memcpy(w->cn + sc, recur__cell_c_final(cw, H, B, T, rev), (size_t)BH * sizeof(real));
    }
}

/* recur__cell_backward and the input-weight gradient of directions [d0, d1). */
static void backward_directions(void *arg, int d0, int d1)
{
    direction_job *j = arg;
    recur_model *m = (recur_model *)j->m;
    model_work *w = j->w;
    int H = m->cfg.hidden, R = model_state_width(&m->cfg), D = m->dirs, DR = R * D;
    int T = j->T, B = j->B, l = j->l;
    long TB = (long)T * B, BH = (long)B * H, BR = (long)B * R;
    int I = m->cells[l][0].I;
    for (int d = d0; d < d1; d++) {
        cell *ce = &m->cells[l][d];
        cell_work *cw = &w->cw[l][d];
        long s = (long)(l * D + d) * BR, sc = (long)(l * D + d) * BH;
        int GH = recur__cell_gates(ce->kind) * H;
        cw->len = j->in.len;
        cw->dhsq = d == 0 ? w->dhsq[l] : NULL;
        /* The forward pass read its projections from the table wt
         * (input_projection): backward scatters dG_i into the same rows
         * (cell.h's dtab), then one transposed add makes them dW_ih, and
         * their sums the bias gradients (cell.c leaves them to us). */
        real *wt = w->onehot_t[d];
        cw->dtab = cw->xtab ? wt : NULL;
        if (cw->dtab)
            memset(wt, 0, (size_t)I * GH * sizeof(real));
        recur__cell_backward(ce, cw, T, B, direction_reversed(m, d), j->dy + d * R, DR,
                      j->dhn ? j->dhn + s : NULL, j->dcn ? j->dcn + sc : NULL,
                      j->dh0 ? j->dh0 + s : NULL, j->dc0 ? j->dc0 + sc : NULL);
        if (cw->xtab) {
            for (int g = 0; g < GH; g++)
                for (int v = 0; v < I; v++)
                    ce->gw_ih[(long)g * I + v] += wt[(long)v * GH + g];
            recur__add_column_sums(ce->gb_ih, cw->dgh == cw->dgi ? ce->gb_hh : NULL, wt, I, GH);
        } else if (j->tokens && m->cfg.input == RECUR_INPUT_ONEHOT) {
            /* dW_ih[:, tok] += dG_t: a scatter, the transpose of the gather. */
            for (long r = 0; r < TB; r++) {
                const real *dg = cw->dgi + r * GH;
                real *col = ce->gw_ih + j->tokens[r];
                for (int g = 0; g < GH; g++)
                    col[(long)g * I] += dg[g];
            }
        } else {
            recur__gemm(1, 0, GH, I, (int)TB, 1, cw->dgi, GH, j->x, I, 1, ce->gw_ih, I);
        }
    }
}

/* Both directions of a layer at once, one thread each (recur__parallel_rows over
 * the 2 directions; inside, each direction's time loop and products stay on
 * its thread with the whole batch); one direction as before. */
static void run_directions(direction_job *j, void (*fn)(void *, int, int))
{
    const recur_model *m = j->m;
    if (m->dirs == 1) {
        fn(j, 0, 1);
        return;
    }
    double H = m->cfg.hidden, R = model_state_width(&m->cfg);
    recur__parallel_rows(2, 2.0 * 2 * j->T * j->B * recur__cell_gates(m->cells[0][0].kind) * H * R,
                  fn, j);
}

void recur__model_forward(const recur_model *m, model_work *w, int T, int B,
                   model_input in, const real *h0, const real *c0, rng *r)
{
    const recur_config *c = &m->cfg;
    int H = model_state_width(c), D = m->dirs, DH = H * D; /* H: the output width */
    long TB = (long)T * B;
    const real *x = in.x;
    const int32_t *onehot = c->input == RECUR_INPUT_ONEHOT ? in.tokens : NULL;
    if (c->input == RECUR_INPUT_EMBEDDING) {
        recur__gather_rows(w->x0, m->emb, in.tokens, TB, c->embed_dim);
        x = w->x0;
    }
    w->dropout_applied = r != NULL && c->dropout > 0;
    for (int l = 0; l < c->layers; l++) {
        /* The two directions of a bidirectional layer are independent: one
         * thread each, with the whole batch (see run_directions). */
        direction_job job = {m, w, T, B, in, h0, c0, NULL, NULL, NULL, NULL, NULL,
                             l, l == 0 ? onehot : NULL, x};
        w->y[l] = w->ybuf[l]; /* forward_directions may point it at the states */
        run_directions(&job, forward_directions);
        if (w->dropout_applied) {
            make_dropout_mask(w->mask[l], TB * DH, (real)c->dropout, r);
            for (long i = 0; i < TB * DH; i++)
                w->y[l][i] *= w->mask[l][i];
        }
        x = w->y[l];
    }
    int O = c->output_size;
    long rows = TB;
    if (c->readout != RECUR_READOUT_SEQUENCE) {
        readout_pool(c->readout, x, in.len, T, B, H, D, c->reverse, w->pool);
        x = w->pool;
        rows = B;
    }
    if (O == 0)
        return;
    recur__gemm(0, 1, (int)rows, O, DH, 1, x, DH, m->fc_w, DH, 0, w->logits, O);
    recur__add_row_bias(w->logits, rows, O, m->fc_b);
}

/* ---- backward ------------------------------------------------------------- */

/* Where the gradients of layer l begin in m->grads (l = layers: the dense
 * layer's, or nparams without one); layout() puts the embedding first,
 * then the layers bottom up (each starting with its forward direction's
 * W_ih), then the dense layer. */
static long layer_grads_from(const recur_model *m, int l)
{
    if (l < m->cfg.layers)
        return (long)(m->cells[l][0].gw_ih - m->grads);
    return m->cfg.output_size > 0 ? (long)(m->gfc_w - m->grads) : m->nparams;
}

static void grads_ready(model_work *w, long from)
{
    if (w->grads_ready)
        w->grads_ready(w->grads_user, from);
}

void recur__model_announce_grads(const recur_model *m, model_work *w)
{
    for (int l = m->cfg.layers; l >= 0; l--)
        grads_ready(w, layer_grads_from(m, l));
    if (m->cfg.input == RECUR_INPUT_EMBEDDING)
        grads_ready(w, 0);
}

void recur__model_backward(recur_model *m, model_work *w, int T, int B,
                    model_input in, const real *dhn, const real *dcn,
                    real *dx, real *dh0, real *dc0)
{
    const recur_config *c = &m->cfg;
    int H = model_state_width(c), D = m->dirs, DH = H * D, O = c->output_size;
    long TB = (long)T * B;
    int pooled = c->readout != RECUR_READOUT_SEQUENCE;
    const real *feat = pooled ? w->pool : w->y[c->layers - 1];
    long rows = pooled ? B : TB;
    real *dy = w->dya, *dnext = w->dyb;
    real *dfeat = pooled ? w->dpool : dy;
    if (O > 0) {
        /* Dense: dW += dlogitsᵀ·F, db += Σ dlogits, dF = dlogits·W. */
        recur__gemm(1, 0, O, DH, (int)rows, 1, w->dlogits, O, feat, DH, 1, m->gfc_w, DH);
        recur__add_column_sums(m->gfc_b, NULL, w->dlogits, rows, O);
        recur__gemm(0, 0, (int)rows, DH, O, 1, w->dlogits, O, m->fc_w, DH, 0, dfeat, DH);
    } else {
        memset(dfeat, 0, (size_t)rows * DH * sizeof(real));
    }
    if (w->dtop && !pooled)
        for (long i = 0; i < rows * DH; i++)
            dfeat[i] += w->dtop[i];
    if (pooled)
        readout_unpool(c->readout, w->dpool, in.len, T, B, H, D, c->reverse, dy);
    grads_ready(w, layer_grads_from(m, c->layers));

    for (int l = c->layers - 1; l >= 0; l--) {
        if (w->dropout_applied)
            for (long i = 0; i < TB * DH; i++)
                dy[i] *= w->mask[l][i];
        int first = l == 0;
        const int32_t *tokens = first && c->input != RECUR_INPUT_DENSE ? in.tokens : NULL;
        const real *x = first ? (c->input == RECUR_INPUT_EMBEDDING ? w->x0 : in.x)
                              : w->y[l - 1];
        int I = m->cells[l][0].I;
        /* The gradient w.r.t. this layer's input is needed below layer 0,
         * and at layer 0 for embeddings or when the caller asks for it. */
        int want_dx = !first || c->input == RECUR_INPUT_EMBEDDING || (dx && !tokens);
        direction_job job = {m, w, T, B, in, NULL, NULL, dhn, dcn, dh0, dc0, dy,
                             l, tokens, x};
        run_directions(&job, backward_directions);
        grads_ready(w, layer_grads_from(m, l));
        /* dX = Σ_d dG_d·W_ih,d: after both directions, in order. */
        for (int d = 0; d < D && want_dx; d++) {
            const cell *ce = &m->cells[l][d];
            int GH = recur__cell_gates(ce->kind) * ce->H;
            recur__gemm(0, 0, (int)TB, I, GH, 1, w->cw[l][d].dgi, GH, ce->w_ih, I, d ? 1 : 0,
                        dnext, I);
        }
        if (first) {
            if (c->input == RECUR_INPUT_EMBEDDING) {
                recur__scatter_add_rows(m->gemb, dnext, in.tokens, TB, c->embed_dim);
            } else if (dx && c->input == RECUR_INPUT_DENSE) {
                memcpy(dx, dnext, (size_t)(TB * I) * sizeof(real));
            }
        }
        real *tmp = dy;
        dy = dnext;
        dnext = tmp;
    }
    if (c->input == RECUR_INPUT_EMBEDDING)
        grads_ready(w, 0);
}
