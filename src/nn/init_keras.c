/* init_keras.c - Keras's default initialisation, for reproducing Keras
 * scripts: Glorot-uniform kernels (limit √(6 / (fan_in + fan_out)) over the
 * whole stacked-gates matrix), orthogonal recurrent kernels, zero biases
 * with an LSTM forget-gate bias of 1 (unit_forget_bias), and embeddings
 * U(-0.05, 0.05). Keras has one bias per gate where PyTorch has two; the
 * 1 goes into b_ih and b_hh stays 0, which is the same function. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "nn/model.h"

static void glorot(real *w, long rows, long cols, rng *r)
{
    double lim = sqrt(6.0 / (double)(rows + cols));
    for (long i = 0; i < rows * cols; i++)
        w[i] = (real)((2 * recur__rng_uniform(r) - 1) * lim);
}

/* w is [rows][cols] with rows >= cols (W_hh is GH x H): Gram-Schmidt on the
 * columns of a Gaussian matrix gives orthonormal columns, i.e. Keras's
 * [H][GH] recurrent kernel with orthonormal rows. */
static int orthogonal(real *w, long rows, long cols, rng *r)
{
    double *a = malloc((size_t)(rows * cols) * sizeof *a);
    if (!a)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    for (long i = 0; i < rows * cols; i++)
        a[i] = recur__rng_normal(r);
    for (long j = 0; j < cols; j++) {
        for (int pass = 0; pass < 2; pass++) /* twice is enough in floats */
            for (long k = 0; k < j; k++) {
                double dot = 0;
                for (long i = 0; i < rows; i++)
                    dot += a[i * cols + j] * a[i * cols + k];
                for (long i = 0; i < rows; i++)
                    a[i * cols + j] -= dot * a[i * cols + k];
            }
        double norm = 0;
        for (long i = 0; i < rows; i++)
            norm += a[i * cols + j] * a[i * cols + j];
        norm = sqrt(norm);
        for (long i = 0; i < rows; i++)
            a[i * cols + j] /= norm > 0 ? norm : 1;
    }
    for (long i = 0; i < rows * cols; i++)
        w[i] = (real)a[i];
    free(a);
    return RECUR_OK;
}

static int init_keras(recur_model *m, uint64_t seed)
{
    const recur_config *c = &m->cfg;
    rng r;
    recur__rng_seed(&r, seed);
    if (m->emb)
        for (long i = 0; i < (long)c->input_size * c->embed_dim; i++)
            m->emb[i] = (real)((2 * recur__rng_uniform(&r) - 1) * 0.05);
    for (int l = 0; l < c->layers; l++)
        for (int d = 0; d < m->dirs; d++) {
            cell *ce = &m->cells[l][d];
            long GH = (long)recur__cell_gates(ce->kind) * ce->H;
            glorot(ce->w_ih, GH, ce->I, &r);
            int rc = orthogonal(ce->w_hh, GH, cell_out_width(ce), &r);
            if (rc)
                return rc;
            if (ce->P) /* Keras has no projection: Glorot, as its other kernels */
                glorot(ce->w_hr, ce->P, ce->H, &r);
            memset(ce->b_ih, 0, (size_t)GH * sizeof(real));
            memset(ce->b_hh, 0, (size_t)GH * sizeof(real));
            if (ce->kind == CELL_LSTM)
                for (int j = 0; j < ce->H; j++)
                    ce->b_ih[ce->H + j] = 1;
        }
    if (c->output_size > 0) {
        glorot(m->fc_w, c->output_size, (long)model_state_width(c) * m->dirs, &r);
        memset(m->fc_b, 0, (size_t)c->output_size * sizeof(real));
    }
    return RECUR_OK;
}

int recur_model_init(recur_model *m, recur_init scheme, uint64_t seed)
{
    if (!m)
        return recur__fail(RECUR_E_INVALID, "no model");
    switch (scheme) {
    case RECUR_INIT_PYTORCH: recur__model_init_params(m, seed); return RECUR_OK;
    case RECUR_INIT_KERAS: return init_keras(m, seed);
    }
    return recur__fail(RECUR_E_INVALID, "unknown initialisation scheme %d", (int)scheme);
}
