/* model.h - the network: input (one-hot, embedding or dense features) →
 * stacked, optionally bidirectional recurrent layers → time-distributed dense.
 * All parameters live in one flat array (and their gradients in a second),
 * so optimizers, clipping and I/O see one vector; named views give PyTorch's
 * state_dict names. */
#ifndef RECUR_MODEL_H
#define RECUR_MODEL_H

#include <stdint.h>

#include "nn/cell.h"
#include "core/real.h"
#include "recur.h"
#include "core/rng.h"

#define MODEL_MAX_LAYERS 16
#define MODEL_MAX_TENSORS (2 + 5 * 2 * MODEL_MAX_LAYERS + 2)
#define MODEL_MAX_META 64

typedef struct {
    char name[40];
    int ndim;
    int64_t shape[2];
    long n;
    real *p; /* view into model->params */
    real *g; /* view into model->grads */
} param_tensor;

struct recur_model {
    recur_config cfg;
    int dirs;           /* 1 or 2 */
    long nparams;
    real *params, *grads;
    int ntensors;
    param_tensor tensors[MODEL_MAX_TENSORS];
    real *emb, *gemb;                  /* [V][E] (embedding input) */
    cell cells[MODEL_MAX_LAYERS][2];   /* [layer][direction] */
    real *fc_w, *fc_b, *gfc_w, *gfc_b; /* [O][D·H], [O] */
    int nvocab;
    uint32_t *vocab;                   /* code points (text models) */
    int nmeta;
    char *meta_key[MODEL_MAX_META], *meta_val[MODEL_MAX_META];
};

/* Width of each direction's output and hidden state: the LSTM projection
 * size if there is one, else hidden (R in the shapes below). */
static inline int model_state_width(const recur_config *c)
{
    return c->proj ? c->proj : c->hidden;
}

/* Activations and gradients of one forward/backward over at most T × B. */
typedef struct {
    int T, B;     /* capacity */
    real *mem;
    real *x0;     /* [T][B][E] embedded input */
    real *y[MODEL_MAX_LAYERS];    /* [T][B][D·R] layer outputs (after dropout): ybuf, or
                                   * the cell's own states where they are the same
                                   * (one direction, no dropout: model.c) */
    real *ybuf[MODEL_MAX_LAYERS];
    real *mask[MODEL_MAX_LAYERS]; /* dropout scale per output, or NULL */
    int dropout_applied;          /* the last forward used the masks */
    real *dya, *dyb;              /* [T][B][max width] gradient ping-pong */
    real *logits, *dlogits;       /* [T][B][O] */
    real *hn, *cn;                /* final states: hn [L·D][B][R], cn
                                     [L·D][B][H]; each has room for
                                     [L·D][B][H], so copying L·D·B·H reals
                                     carries either */
    real *pool, *dpool;           /* [B][D·R] the readout (LAST, MEAN) */
    real *onehot_t[2];            /* [V][GH] per direction, or NULL: layer 0's
                                     W_ih transposed for one-hot gathers and
                                     scatters along contiguous rows */
    real *dhsq[MODEL_MAX_LAYERS]; /* optional, the caller's [T][B]: backward
                                     records ‖∂L/∂h_t‖² of each layer's
                                     forward direction (gradient reports) */
    const real *dtop;             /* optional, the caller's [T][B][D·R]: added
                                     to the gradient of the top layer's outputs
                                     (SEQUENCE readout) by backward, for a head
                                     the caller runs itself (seq2seq attention) */
    /* Optional: backward calls grads_ready(grads_user, from) each time the
     * gradients m->grads[from .. nparams) are final (after the dense
     * layer, after each recurrent layer, top down, and last with 0), so
     * that a data-parallel trainer can start summing them while the rest
     * of backward runs. */
    void (*grads_ready)(void *user, long from);
    void *grads_user;
    cell_work cw[MODEL_MAX_LAYERS][2];
} model_work;

/* Input to one forward pass: tokens for one-hot/embedding models, features
 * for dense-input models. */
typedef struct {
    const int32_t *tokens; /* [T][B] */
    const real *x;         /* [T][B][input_size] */
    const int32_t *len;    /* [B] valid steps per sequence, 1..T; NULL: all T.
                              Padded steps change no output or gradient. */
} model_input;

/* Check cfg and lay out the tensor table of m (names, shapes, offsets)
 * without allocating anything: how a loader checks a file first. */
int recur__model_plan(const recur_config *cfg, recur_model *m);
int recur__model_alloc(const recur_config *cfg, recur_model **out);
void recur__model_init_params(recur_model *m, uint64_t seed);
const param_tensor *recur__model_find_tensor(const recur_model *m, const char *name);

int recur__model_work_alloc(const recur_model *m, int T, int B, model_work *w);
void recur__model_work_free(model_work *w);

/* Forward over T steps of B sequences. h0 is [L·D][B][R], c0 [L·D][B][H]
 * (NULL: zeros).
 * With rng != NULL dropout is applied (training). Logits land in w->logits
 * ([T][B][O] for the SEQUENCE readout, [B][O] for LAST and MEAN, whose
 * pooled vectors are in w->pool), final states in w->hn / w->cn (the state
 * after each sequence's last valid step). */
void recur__model_forward(const recur_model *m, model_work *w, int T, int B,
                   model_input in, const real *h0, const real *c0, rng *r);

/* Backward from w->dlogits (filled by a loss; unused without a dense layer)
 * and optional final-state gradients dhn ([L·D][B][R]) and dcn ([L·D][B][H]). Accumulates into m->grads. dx, when
 * non-NULL, receives the gradient w.r.t. dense input features; dh0/dc0 the
 * gradients w.r.t. the initial states. */
void recur__model_backward(recur_model *m, model_work *w, int T, int B,
                    model_input in, const real *dhn, const real *dcn,
                    real *dx, real *dh0, real *dc0);
/* The calls of w->grads_ready that a backward makes, without one (a
 * data-parallel share with no rows must start the same sums as the
 * others). */
void recur__model_announce_grads(const recur_model *m, model_work *w);

void recur__model_zero_grads(recur_model *m);
/* code (with a message) if a token is outside [0, input_size), else OK. */
int recur__model_check_tokens(const recur_model *m, const int32_t *tokens, long n, int code);
/* RECUR_E_NUMERIC naming the first tensor with a NaN or Inf, prefixed by what. */
int recur__model_check_finite(const recur_model *m, const char *what);

/* Training metadata (string key/value) kept with the model. */
int recur__model_set_meta(recur_model *m, const char *key, const char *value);
const char *recur__model_get_meta(const recur_model *m, const char *key);

#endif
