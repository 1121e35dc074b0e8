/* model_api.c - the public face of a model: creation, names, accessors,
 * vocabulary and metadata. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/utf8.h"
#include "core/gemm.h"
#include "io/json.h"
#include "nn/model.h"

static const char *const cell_names[] = {"rnn_tanh", "rnn_relu", "lstm", "gru"};

const char *recur_cell_name(recur_cell c)
{
    return c >= RECUR_RNN_TANH && c <= RECUR_GRU ? cell_names[c] : "unknown";
}

int recur_cell_parse(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(name, cell_names[i]) == 0)
            return i;
    if (strcmp(name, "rnn") == 0 || strcmp(name, "tanh") == 0)
        return RECUR_RNN_TANH;
    if (strcmp(name, "relu") == 0)
        return RECUR_RNN_RELU;
    return -1;
}

static const char *const readout_names[] = {"sequence", "last", "mean"};

const char *recur_readout_name(recur_readout r)
{
    return r >= RECUR_READOUT_SEQUENCE && r <= RECUR_READOUT_MEAN ? readout_names[r]
                                                                  : "unknown";
}

int recur_readout_parse(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < 3; i++)
        if (strcmp(name, readout_names[i]) == 0)
            return i;
    return -1;
}

void recur_config_default(recur_config *c)
{
    if (!c)
        return;
    memset(c, 0, sizeof *c);
    c->cell = RECUR_LSTM;
    c->input = RECUR_INPUT_ONEHOT;
    c->input_size = 1;
    c->hidden = 128;
    c->layers = 1;
    c->output_size = 1;
    c->loss = RECUR_LOSS_XENT;
}

int recur_model_create(const recur_config *cfg, uint64_t seed, recur_model **out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "no output pointer");
    int rc = recur__model_alloc(cfg, out);
    if (rc)
        return rc;
    recur__model_init_params(*out, seed);
    return RECUR_OK;
}

const recur_config *recur_model_get_config(const recur_model *m) { return m ? &m->cfg : NULL; }

long recur_model_param_count(const recur_model *m)
{
    RECUR_NEED(m);
    return m->nparams;
}

int recur_model_tensor_count(const recur_model *m)
{
    RECUR_NEED(m);
    return m->ntensors;
}

const char *recur_model_tensor_at(const recur_model *m, int i, int *ndim,
                               int64_t shape[2])
{
    if (!m || i < 0 || i >= m->ntensors)
        return NULL;
    const param_tensor *t = &m->tensors[i];
    if (ndim)
        *ndim = t->ndim;
    if (shape) {
        shape[0] = t->shape[0];
        shape[1] = t->shape[1];
    }
    return t->name;
}

static const param_tensor *tensor_checked(const recur_model *m, const char *name,
                                          long n, int *rc)
{
    const param_tensor *t = recur__model_find_tensor(m, name);
    if (!t)
        *rc = recur__fail(RECUR_E_INVALID, "the model has no tensor '%s'", name);
    else if (t->n != n)
        *rc = recur__fail(RECUR_E_MISMATCH, "tensor '%s' has %ld values, not %ld",
                         name, t->n, n);
    else
        *rc = RECUR_OK;
    return *rc ? NULL : t;
}

int recur_model_get_tensor(const recur_model *m, const char *name, float *dst, long n)
{
    RECUR_NEED(m);
    RECUR_NEED(name);
    RECUR_NEED(dst);
    int rc;
    const param_tensor *t = tensor_checked(m, name, n, &rc);
    for (long i = 0; t && i < n; i++)
        dst[i] = (float)t->p[i];
    return rc;
}

int recur_model_set_tensor(recur_model *m, const char *name, const float *src, long n)
{
    RECUR_NEED(m);
    RECUR_NEED(name);
    RECUR_NEED(src);
    int rc;
    const param_tensor *t = tensor_checked(m, name, n, &rc);
    for (long i = 0; t && i < n; i++)
        t->p[i] = (real)src[i];
    return rc;
}

int recur_model_set_vocab(recur_model *m, const uint32_t *cps, int n)
{
    RECUR_NEED(m);
    RECUR_NEED(cps);
    if (m->cfg.input == RECUR_INPUT_DENSE)
        return recur__fail(RECUR_E_INVALID, "a dense-input model has no vocabulary");
    if (n != m->cfg.input_size)
        return recur__fail(RECUR_E_MISMATCH, "vocabulary of %d characters for a "
                          "model with %d inputs", n, m->cfg.input_size);
    for (int i = 0; i < n; i++)
        if (cps[i] == 0 || cps[i] > 0x10FFFF || (i > 0 && cps[i] <= cps[i - 1]))
            return recur__fail(RECUR_E_FORMAT, "the vocabulary must be distinct "
                                              "code points in increasing order");
    uint32_t *v = malloc((size_t)n * sizeof *v);
    if (!v)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    memcpy(v, cps, (size_t)n * sizeof *v);
    free(m->vocab);
    m->vocab = v;
    m->nvocab = n;
    return RECUR_OK;
}

const uint32_t *recur_model_get_vocab(const recur_model *m, int *n)
{
    if (n)
        *n = m ? m->nvocab : 0;
    return m && m->nvocab > 0 ? m->vocab : NULL;
}

int recur_model_set_meta(recur_model *m, const char *key, const char *value)
{
    RECUR_NEED(m);
    if (!key || !*key || !value)
        return recur__fail(RECUR_E_INVALID, "metadata needs a key and a value");
    if (!recur__utf8_valid(key, strlen(key)) || !recur__utf8_valid(value, strlen(value)))
        return recur__fail(RECUR_E_INVALID, "metadata '%s' is not valid UTF-8 text",
                          recur__utf8_valid(key, strlen(key)) ? key : "(key)");
    return recur__model_set_meta(m, key, value);
}

const char *recur_model_get_meta(const recur_model *m, const char *key)
{
    if (!m || !key)
        return NULL;
    return recur__model_get_meta(m, key);
}

int recur_model_meta_count(const recur_model *m)
{
    RECUR_NEED(m);
    return m->nmeta;
}

const char *recur_model_meta_at(const recur_model *m, int i, const char **value)
{
    if (!m || i < 0 || i >= m->nmeta)
        return NULL;
    if (value)
        *value = m->meta_val[i];
    return m->meta_key[i];
}

int recur_set_threads(int n) { return recur__gemm_set_threads(n); }
int recur_get_threads(void) { return recur__gemm_get_threads(); }
