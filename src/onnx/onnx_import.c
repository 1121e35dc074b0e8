/* onnx_import.c - an ONNX graph of RNN / LSTM / GRU operators to a recur model.
 *
 * The graph is read by abstract interpretation: its nodes, in their
 * (topological) order, each map the descriptions of their inputs to
 * descriptions of their outputs, never to numbers. A value is
 *   - a constant (an initializer or a Constant node's tensor),
 *   - a shape vector whose entries are numbers or the graph input's two
 *     leading, named axes (what torch.onnx.export's Shape/Gather/Concat glue
 *     computes to size the initial states),
 *   - zeros of such a shape (ConstantOfShape, Expand, Slices of them: the
 *     initial states), or
 *   - the data: token ids, a feature sequence at some depth of the stack, a
 *     layer's final states, a pooled vector, a dense layer's output; each
 *     with its axes (time, batch, direction, features, size-1), so that
 *     Transpose / Squeeze / Unsqueeze / Reshape are followed exactly.
 * Each recurrent node must read the features its predecessor produced, with
 * axes [time, batch, features]; the dense layer (MatMul [+ Add] or Gemm)
 * must read the top of the stack; the graph's first output must be one of
 * recur's readouts (any further outputs final states: a bare nn.LSTM's
 * h_n, c_n). Any other operator, attribute or layout is refused with a
 * message that names the node; nothing is skipped.
 *
 * Gate orders: ONNX stacks LSTM gates i,o,f,c and GRU gates z,r,h; recur
 * (PyTorch) stacks i,f,g,o and r,z,n. ONNX's B is [Wb | Rb] per direction,
 * PyTorch's bias_ih and bias_hh. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/utf8.h"
#include "nn/model.h"
#include "onnx/onnx.h"
#include "onnx/onnx_proto.h"

enum { AV_UNSET, AV_CONST, AV_SHAPE, AV_ZEROS, AV_DATA };
/* Axis kinds of data values. The graph input's two leading axes are the
 * symbols S0 and S1; which is time is learnt at the first recurrent node. */
enum { AX_S0 = 1, AX_S1 = 2, AX_D, AX_F, AX_ONE };
/* ST_STATES: final states of several layers concatenated (torch's h_n, c_n),
 * allowed only as an extra graph output. */
enum { ST_IDS, ST_FEAT, ST_FINAL, ST_CELL, ST_MEAN, ST_DENSE, ST_STATES };

#define MAXD OX_MAX_DIMS

typedef struct {
    int kind;
    int64_t size; /* AX_D, AX_F, AX_ONE */
} axis;

typedef struct {
    int sym; /* 0: the number val; AX_S0 / AX_S1: that axis of the input */
    int64_t val;
} sdim;

typedef struct {
    int kind;
    /* AV_CONST */
    int is_int;
    int ndim;
    int64_t dims[MAXD], numel;
    float *f;
    int64_t *i;
    /* AV_SHAPE (a vector, or a scalar when scalar) and AV_ZEROS (dims) */
    int nsd, scalar;
    sdim sd[MAXD];
    /* AV_DATA */
    int stage, nax;
    axis ax[MAXD];
    int chain;   /* the last chain record below this value */
    int readout; /* ST_DENSE: what the dense layer reads */
    int states_of_hidden; /* ST_STATES: all of them hidden states (h_n, not c_n) */
    const float *dw, *db; /* ST_DENSE: weight [O][F] (recur's layout), bias or NULL */
    int64_t dense_in, dense_out;
} aval;

/* The stack below a data value: a root (the input) and layers. */
typedef struct {
    int prev;
    int is_layer;
    /* root */
    recur_input input;
    int64_t input_size, embed_dim;
    const float *emb;
    /* layer */
    recur_cell cell;
    int dirs;
    int reverse;        /* direction="reverse": one direction, read backward */
    int64_t hidden, in_size;
    const float *W, *R, *B; /* ONNX layouts; B may be NULL */
    const ox_node *node;
} chain_rec;

typedef struct {
    const ox_model *m;
    const char *label;
    aval *av;           /* one per value name */
    ox_str *names;
    int nav, cap;
    int *hash;          /* open addressing into av, -1 empty */
    size_t hcap;
    chain_rec *chain;
    int nchain, chain_cap;
    void **allocs;      /* decoded arrays, freed at the end */
    int nallocs, allocs_cap;
    int time_sym;       /* AX_S0 / AX_S1 once known, else 0 */
    const ox_node *node; /* the node being read, for messages */
} ctx;

/* ---- bookkeeping ----------------------------------------------------------- */

static uint64_t hash_str(ox_str s)
{
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < s.n; i++)
        h = (h ^ (unsigned char)s.p[i]) * 1099511628211u;
    return h;
}

static aval *lookup(ctx *c, ox_str name)
{
    size_t i = hash_str(name) & (c->hcap - 1);
    while (c->hash[i] >= 0) {
        ox_str n = c->names[c->hash[i]];
        if (n.n == name.n && (n.n == 0 || memcmp(n.p, name.p, n.n) == 0))
            return &c->av[c->hash[i]];
        i = (i + 1) & (c->hcap - 1);
    }
    return NULL;
}

/* A new value called name; NULL (with a message) if the name is taken. */
static aval *define(ctx *c, ox_str name)
{
    char buf[80];
    if (lookup(c, name)) {
        recur__fail(RECUR_E_FORMAT, "%s: value '%s' is defined twice", c->label,
                   recur__ox_str_print(name, buf, sizeof buf));
        return NULL;
    }
    if (c->nav >= c->cap) {
        recur__fail(RECUR_E_FORMAT, "%s: too many values", c->label);
        return NULL;
    }
    size_t i = hash_str(name) & (c->hcap - 1);
    while (c->hash[i] >= 0)
        i = (i + 1) & (c->hcap - 1);
    c->hash[i] = c->nav;
    c->names[c->nav] = name;
    aval *a = &c->av[c->nav++];
    memset(a, 0, sizeof *a);
    return a;
}

static void *track(ctx *c, void *p)
{
    if (!p)
        return NULL;
    if (c->nallocs >= c->allocs_cap) {
        int cap = c->allocs_cap ? 2 * c->allocs_cap : 64;
        void **a = realloc(c->allocs, (size_t)cap * sizeof *a);
        if (!a) {
            free(p);
            return NULL;
        }
        c->allocs = a;
        c->allocs_cap = cap;
    }
    c->allocs[c->nallocs++] = p;
    return p;
}

static int new_chain(ctx *c, int prev)
{
    if (c->nchain >= c->chain_cap) {
        int cap = c->chain_cap ? 2 * c->chain_cap : 16;
        chain_rec *r = realloc(c->chain, (size_t)cap * sizeof *r);
        if (!r)
            return -1;
        c->chain = r;
        c->chain_cap = cap;
    }
    memset(&c->chain[c->nchain], 0, sizeof c->chain[0]);
    c->chain[c->nchain].prev = prev;
    return c->nchain++;
}

/* "LABEL: node 'NAME' (OP): message" */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int refuse(ctx *c, const char *fmt, ...)
{
    char msg[400], name[80], op[40];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!c->node)
        return recur__fail(RECUR_E_FORMAT, "%s: %s", c->label, msg);
    recur__ox_str_print(c->node->op_type, op, sizeof op);
    if (!c->node->name.n) /* unnamed: its position in the graph */
        return recur__fail(RECUR_E_FORMAT, "%s: node #%ld (%s): %s", c->label,
                          (long)(c->node - c->m->nodes) + 1, op, msg);
    return recur__fail(RECUR_E_FORMAT, "%s: node '%s' (%s): %s", c->label,
                      recur__ox_str_print(c->node->name, name, sizeof name), op, msg);
}

/* Input i of the node: NULL when absent or "" (optional), else its value;
 * *missing is set when the name is unknown. */
static aval *in_val(ctx *c, int i, int *missing)
{
    const ox_node *n = c->node;
    if (i >= n->nin || n->in[i].n == 0)
        return NULL;
    aval *a = lookup(c, n->in[i]);
    if (!a)
        *missing = 1;
    return a;
}

/* ---- constants ---------------------------------------------------------- */

static int const_from_tensor(ctx *c, const ox_tensor *t, aval *a)
{
    a->kind = AV_CONST;
    a->ndim = t->ndim;
    memcpy(a->dims, t->dims, sizeof a->dims);
    a->numel = t->numel;
    int rc;
    if (t->dtype == OX_FLOAT || t->dtype == OX_DOUBLE) {
        rc = recur__ox_tensor_floats(t, &a->f);
        if (!rc && !track(c, a->f))
            rc = recur__fail(RECUR_E_NOMEM, "out of memory");
    } else if (t->dtype == OX_INT64 || t->dtype == OX_INT32) {
        a->is_int = 1;
        rc = recur__ox_tensor_ints(t, &a->i);
        if (!rc && !track(c, a->i))
            rc = recur__fail(RECUR_E_NOMEM, "out of memory");
    } else {
        return refuse(c, "a constant of ONNX data type %d (recur reads float, double, "
                         "int32 and int64)", t->dtype);
    }
    if (rc && rc != RECUR_E_NOMEM)
        return refuse(c, "%s", recur_last_error());
    return rc;
}

static int is_zero_const(const aval *a)
{
    if (a->kind != AV_CONST)
        return 0;
    for (int64_t k = 0; k < a->numel; k++)
        if (a->is_int ? a->i[k] != 0 : a->f[k] != 0.0f)
            return 0;
    return 1;
}

/* A constant integer list (scalar or 1-D) into v[cap]. */
static int const_ints(ctx *c, const aval *a, int64_t *v, int cap, int *n, const char *what)
{
    *n = 0;
    if (!a || a->kind != AV_CONST || !a->is_int || a->ndim > 1 || a->numel > cap)
        return refuse(c, "%s must be a constant list of at most %d integers", what, cap);
    for (int64_t k = 0; k < a->numel; k++)
        v[k] = a->i[k];
    *n = (int)a->numel;
    return RECUR_OK;
}

/* Axes from input 1 (opset 13+) or the "axes" attribute (older). */
static int axes_of(ctx *c, int input, int64_t *v, int *n, int *given)
{
    int missing = 0;
    aval *a = in_val(c, input, &missing);
    *given = 1;
    if (missing)
        return refuse(c, "input %d is not computed before this node", input);
    if (a)
        return const_ints(c, a, v, MAXD, n, "axes");
    const ox_attr *at = recur__ox_attr(c->node, "axes");
    if (at) {
        int rc = recur__ox_attr_ints(at, v, MAXD, n);
        return rc ? refuse(c, "%s", recur_last_error()) : RECUR_OK;
    }
    *given = 0;
    *n = 0;
    return RECUR_OK;
}

static int norm_axis(ctx *c, int64_t ax, int rank, int *out)
{
    if (ax < -rank || ax >= rank)
        return refuse(c, "axis %lld is outside a rank-%d value", (long long)ax, rank);
    *out = (int)(ax < 0 ? ax + rank : ax);
    return RECUR_OK;
}

/* ---- data values ---------------------------------------------------------- */

/* The axes without size-1 ones (AX_ONE, a direction axis of 1). */
static int norm_axes(const aval *a, axis *out)
{
    int n = 0;
    for (int k = 0; k < a->nax; k++) {
        if (a->ax[k].kind == AX_ONE || (a->ax[k].kind == AX_D && a->ax[k].size == 1))
            continue;
        out[n++] = a->ax[k];
    }
    return n;
}

static int batch_sym(const ctx *c) { return c->time_sym == AX_S0 ? AX_S1 : AX_S0; }

static int is_sym(int kind) { return kind == AX_S0 || kind == AX_S1; }

/* Whether a's axes, without size-1 ones, are [time, batch, F] or [batch,
 * time, F] (seq: a batch-first model's outputs), or [batch, F] (pooled);
 * the feature width in *width. */
static int is_seq(const ctx *c, const aval *a, int64_t *width)
{
    axis n[MAXD];
    int k = norm_axes(a, n);
    if (k != 3 || !c->time_sym || !is_sym(n[0].kind) || !is_sym(n[1].kind) ||
        n[0].kind == n[1].kind || n[2].kind != AX_F)
        return 0;
    *width = n[2].size;
    return 1;
}

static int is_pooled(const ctx *c, const aval *a, int64_t *width)
{
    axis n[MAXD];
    int k = norm_axes(a, n);
    if (k != 2 || !c->time_sym || n[0].kind != batch_sym(c) || n[1].kind != AX_F)
        return 0;
    *width = n[1].size;
    return 1;
}

/* ---- the operators -------------------------------------------------------- */

static int op_constant(ctx *c, aval *out)
{
    const ox_attr *a = recur__ox_attr(c->node, "value");
    if (!a) {
        const ox_attr *ai = recur__ox_attr(c->node, "value_ints");
        const ox_attr *a1 = recur__ox_attr(c->node, "value_int");
        if (!ai && !a1)
            return refuse(c, "only the attributes value, value_int and value_ints are "
                             "supported");
        int64_t v[MAXD];
        int n = 1;
        int rc = ai ? recur__ox_attr_ints(ai, v, MAXD, &n) : recur__ox_attr_int(a1, v);
        if (rc)
            return refuse(c, "%s", recur_last_error());
        out->kind = AV_CONST;
        out->is_int = 1;
        out->ndim = ai ? 1 : 0;
        out->dims[0] = n;
        out->numel = n;
        out->i = track(c, malloc(MAXD * sizeof *out->i));
        if (!out->i)
            return recur__fail(RECUR_E_NOMEM, "out of memory");
        memcpy(out->i, v, (size_t)n * sizeof *v);
        return RECUR_OK;
    }
    ox_tensor t;
    int rc = recur__ox_attr_tensor(a, &t);
    if (rc)
        return refuse(c, "%s", recur_last_error());
    return const_from_tensor(c, &t, out);
}

static int op_shape(ctx *c, const aval *x, aval *out)
{
    if (recur__ox_attr(c->node, "start") || recur__ox_attr(c->node, "end"))
        return refuse(c, "the start and end attributes are not supported");
    out->kind = AV_SHAPE;
    if (x->kind == AV_DATA) {
        out->nsd = x->nax;
        for (int k = 0; k < x->nax; k++) {
            out->sd[k].sym = is_sym(x->ax[k].kind) ? x->ax[k].kind : 0;
            out->sd[k].val = x->ax[k].size;
        }
    } else if (x->kind == AV_ZEROS) {
        out->nsd = x->nsd;
        memcpy(out->sd, x->sd, sizeof out->sd);
    } else if (x->kind == AV_CONST) {
        out->nsd = x->ndim;
        for (int k = 0; k < x->ndim; k++)
            out->sd[k].val = x->dims[k];
    } else {
        return refuse(c, "the shape of a shape is not supported");
    }
    return RECUR_OK;
}

/* A shape vector from a SHAPE value or a constant integer list. */
static int shape_vec(ctx *c, const aval *a, sdim *sd, int *n, const char *what)
{
    if (a && a->kind == AV_SHAPE && !a->scalar) {
        *n = a->nsd;
        memcpy(sd, a->sd, sizeof a->sd);
        return RECUR_OK;
    }
    int64_t v[MAXD];
    int rc = const_ints(c, a, v, MAXD, n, what);
    for (int k = 0; !rc && k < *n; k++) {
        sd[k].sym = 0;
        sd[k].val = v[k];
    }
    return rc;
}

static int is_state(const aval *a)
{
    return a && a->kind == AV_DATA &&
           (a->stage == ST_FINAL || a->stage == ST_CELL || a->stage == ST_STATES);
}

/* h_n[-1] (PyTorch's idiom for a classifier's input): the last entry of a
 * layer's final states Y_h [directions, batch, hidden] on its direction
 * axis. torch.onnx.export takes it from the top layer's Y_h itself. For a
 * one-direction layer that is the layer's final state, recur's LAST
 * readout; of a bidirectional layer it would be the reverse direction's
 * alone, which recur has no readout for. */
static int gather_final_state(ctx *c, const aval *data, const aval *idx, int ax, aval *out)
{
    int several = data->stage == ST_STATES;
    if (data->stage == ST_CELL || (several && !data->states_of_hidden))
        return refuse(c, "of final states only hidden states (Y_h, h_n) can be indexed, "
                         "not cell states (Y_c, c_n)");
    if (data->ax[ax].kind != AX_D || idx->ndim != 0 ||
        (idx->i[0] != -1 && (several || idx->i[0] != data->ax[ax].size - 1)))
        return refuse(c, "of a layer's final states (Y_h) only the last entry of the "
                         "direction axis (h_n[-1]) can be taken");
    if (c->chain[data->chain].dirs != 1)
        return refuse(c, "h_n[-1] of a bidirectional layer is its reverse direction's final "
                         "state alone; recur's LAST readout of such a layer is both "
                         "directions (h_n[-2:] side by side)");
    *out = *data;
    out->stage = ST_FINAL;
    memmove(out->ax + ax, out->ax + ax + 1, (size_t)(out->nax - ax - 1) * sizeof(axis));
    out->nax--;
    return RECUR_OK;
}

static int op_gather(ctx *c, const aval *data, const aval *idx, aval *out)
{
    int64_t axis_attr = 0;
    const ox_attr *a = recur__ox_attr(c->node, "axis");
    if (a && recur__ox_attr_int(a, &axis_attr))
        return refuse(c, "%s", recur_last_error());
    /* An embedding: rows of a [V, E] matrix picked by token ids. */
    if (idx->kind == AV_DATA && idx->stage == ST_IDS) {
        if (data->kind != AV_CONST || data->is_int || data->ndim != 2 || axis_attr != 0)
            return refuse(c, "an embedding must gather rows (axis 0) of a constant "
                             "[vocabulary, size] float matrix");
        if (idx->chain >= 0)
            return refuse(c, "the token ids are embedded twice");
        *out = *idx;
        out->stage = ST_FEAT;
        out->ax[out->nax].kind = AX_F;
        out->ax[out->nax++].size = data->dims[1];
        int r = new_chain(c, -1);
        if (r < 0)
            return recur__fail(RECUR_E_NOMEM, "out of memory");
        c->chain[r].input = RECUR_INPUT_EMBEDDING;
        c->chain[r].input_size = data->dims[0];
        c->chain[r].embed_dim = data->dims[1];
        c->chain[r].emb = data->f;
        out->chain = r;
        return RECUR_OK;
    }
    if (idx->kind != AV_CONST || !idx->is_int || idx->ndim > 1 || idx->numel > MAXD)
        return refuse(c, "only embeddings and constant indices are supported");
    /* The last time step of a unidirectional layer's outputs: its final state. */
    if (data->kind == AV_DATA) {
        int ax = 0, rc = norm_axis(c, axis_attr, data->nax, &ax);
        if (rc)
            return rc;
        if (is_state(data))
            return gather_final_state(c, data, idx, ax, out);
        if (data->stage != ST_FEAT || idx->ndim != 0 || idx->i[0] != -1 || !c->time_sym ||
            data->ax[ax].kind != c->time_sym || data->chain < 0 ||
            !c->chain[data->chain].is_layer)
            return refuse(c, "of a layer's outputs only the last time step (index -1 "
                             "on the time axis) can be taken");
        if (c->chain[data->chain].dirs != 1 || c->chain[data->chain].reverse)
            return refuse(c, "the last time step of a %s layer is not its final state "
                             "(the reverse direction ends at step 0): use the layer's "
                             "Y_h output for recur's LAST readout",
                          c->chain[data->chain].reverse ? "reverse" : "bidirectional");
        *out = *data;
        out->stage = ST_FINAL;
        memmove(out->ax + ax, out->ax + ax + 1, (size_t)(out->nax - ax - 1) * sizeof(axis));
        out->nax--;
        return RECUR_OK;
    }
    sdim src[MAXD];
    int n;
    int rc = shape_vec(c, data, src, &n, "the gathered data");
    if (rc)
        return rc;
    if (axis_attr != 0 && axis_attr != -1)
        return refuse(c, "a shape vector is gathered on axis 0 only");
    out->kind = AV_SHAPE;
    out->scalar = idx->ndim == 0;
    out->nsd = (int)idx->numel;
    for (int k = 0; k < out->nsd; k++) {
        int64_t j = idx->i[k];
        if (j < -n || j >= n)
            return refuse(c, "index %lld is outside 0..%d", (long long)j, n - 1);
        out->sd[k] = src[j < 0 ? j + n : j];
    }
    if (data->kind == AV_CONST) { /* stays a constant */
        aval cst = *out;
        cst.kind = AV_CONST;
        cst.is_int = 1;
        cst.ndim = out->scalar ? 0 : 1;
        cst.dims[0] = out->nsd;
        cst.numel = out->nsd;
        cst.i = track(c, malloc(MAXD * sizeof *cst.i));
        if (!cst.i)
            return recur__fail(RECUR_E_NOMEM, "out of memory");
        for (int k = 0; k < out->nsd; k++)
            cst.i[k] = out->sd[k].val;
        *out = cst;
    }
    return RECUR_OK;
}

static int op_unsqueeze(ctx *c, const aval *x, aval *out)
{
    int64_t axes[MAXD];
    int n, given;
    int rc = axes_of(c, 1, axes, &n, &given);
    if (rc)
        return rc;
    if (!given)
        return refuse(c, "no axes given");
    *out = *x;
    if (x->kind == AV_SHAPE || (x->kind == AV_CONST && x->is_int && x->ndim == 0)) {
        if (x->kind == AV_CONST) {
            out->kind = AV_SHAPE;
            out->scalar = 1;
            out->nsd = 1;
            out->sd[0].sym = 0;
            out->sd[0].val = x->i[0];
        }
        if (!out->scalar || n != 1 || (axes[0] != 0 && axes[0] != -1))
            return refuse(c, "only a scalar of a shape can be unsqueezed (to a vector)");
        out->scalar = 0;
        return RECUR_OK;
    }
    int rank = x->kind == AV_DATA ? x->nax : x->kind == AV_ZEROS ? x->nsd : x->ndim;
    if (rank + n > MAXD)
        return refuse(c, "more than %d dimensions", MAXD);
    int is_new[MAXD] = {0};
    for (int k = 0; k < n; k++) {
        int a = 0;
        if ((rc = norm_axis(c, axes[k], rank + n, &a)))
            return rc;
        is_new[a] = 1;
    }
    int src = 0;
    for (int k = 0; k < rank + n; k++) {
        if (x->kind == AV_DATA) {
            out->ax[k].kind = is_new[k] ? AX_ONE : x->ax[src].kind;
            out->ax[k].size = is_new[k] ? 1 : x->ax[src].size;
        } else if (x->kind == AV_ZEROS) {
            out->sd[k].sym = is_new[k] ? 0 : x->sd[src].sym;
            out->sd[k].val = is_new[k] ? 1 : x->sd[src].val;
        } else {
            out->dims[k] = is_new[k] ? 1 : x->dims[src];
        }
        src += !is_new[k];
    }
    out->nax = x->kind == AV_DATA ? rank + n : out->nax;
    out->nsd = x->kind == AV_ZEROS ? rank + n : out->nsd;
    out->ndim = x->kind == AV_CONST ? rank + n : out->ndim;
    return RECUR_OK;
}

static int op_squeeze(ctx *c, const aval *x, aval *out)
{
    int64_t axes[MAXD];
    int n, given;
    int rc = axes_of(c, 1, axes, &n, &given);
    if (rc)
        return rc;
    int rank = x->kind == AV_DATA ? x->nax : x->kind == AV_ZEROS ? x->nsd
               : x->kind == AV_CONST ? x->ndim : -1;
    if (rank < 0)
        return refuse(c, "a shape vector cannot be squeezed");
    int drop[MAXD] = {0};
    for (int k = 0; k < n; k++) {
        int a = 0;
        if ((rc = norm_axis(c, axes[k], rank, &a)))
            return rc;
        drop[a] = 1;
    }
    *out = *x;
    int m = 0;
    for (int k = 0; k < rank; k++) {
        int one = x->kind == AV_DATA   ? x->ax[k].kind == AX_ONE ||
                                           (x->ax[k].kind == AX_D && x->ax[k].size == 1)
                  : x->kind == AV_ZEROS ? !x->sd[k].sym && x->sd[k].val == 1
                                        : x->dims[k] == 1;
        if (!given && one)
            drop[k] = 1;
        if (drop[k] && !one)
            return refuse(c, "axis %d does not have size 1", k);
        if (drop[k])
            continue;
        if (x->kind == AV_DATA)
            out->ax[m] = x->ax[k];
        else if (x->kind == AV_ZEROS)
            out->sd[m] = x->sd[k];
        else
            out->dims[m] = x->dims[k];
        m++;
    }
    if (x->kind == AV_DATA)
        out->nax = m;
    else if (x->kind == AV_ZEROS)
        out->nsd = m;
    else
        out->ndim = m;
    return RECUR_OK;
}

static int op_concat(ctx *c, aval *out)
{
    int missing = 0;
    aval *first = in_val(c, 0, &missing);
    if (is_state(first)) { /* torch's h_n / c_n: the layers' final states */
        aval *last = first;
        int hidden = 1;
        for (int k = 0; k < c->node->nin; k++) {
            aval *a = in_val(c, k, &missing);
            if (missing || !is_state(a))
                return refuse(c, "final states can be concatenated only with final states");
            hidden &= a->stage == ST_FINAL;
            last = a;
        }
        int64_t axis_attr = 0;
        int ax = 0;
        const ox_attr *at = recur__ox_attr(c->node, "axis");
        if (at && recur__ox_attr_int(at, &axis_attr))
            return refuse(c, "%s", recur_last_error());
        int rc = norm_axis(c, axis_attr, first->nax, &ax);
        if (rc)
            return rc;
        if (first->ax[ax].kind != AX_D)
            return refuse(c, "final states are concatenated on their first (direction) axis");
        /* The last input, the top layer's when in torch's order: h_n[-1] is
         * its last direction (gather_final_state). */
        *out = *last;
        out->stage = ST_STATES;
        out->states_of_hidden = hidden;
        return RECUR_OK;
    }
    out->kind = AV_SHAPE;
    out->nsd = 0;
    for (int k = 0; k < c->node->nin; k++) {
        missing = 0;
        aval *a = in_val(c, k, &missing);
        sdim sd[MAXD];
        int n;
        if (missing || !a)
            return refuse(c, "input %d is missing", k);
        if (a->kind == AV_DATA || a->kind == AV_ZEROS)
            return refuse(c, "only shape vectors can be concatenated (recur's "
                             "bidirectional layers concatenate their directions "
                             "themselves)");
        int rc = shape_vec(c, a, sd, &n, "each concatenated value");
        if (rc)
            return rc;
        if (out->nsd + n > MAXD)
            return refuse(c, "the shape has more than %d entries", MAXD);
        memcpy(out->sd + out->nsd, sd, (size_t)n * sizeof *sd);
        out->nsd += n;
    }
    return RECUR_OK;
}

static int op_zeros_of_shape(ctx *c, const aval *shape, aval *out)
{
    const ox_attr *a = recur__ox_attr(c->node, "value");
    if (a) {
        ox_tensor t;
        aval v = {0};
        int rc = recur__ox_attr_tensor(a, &t);
        if (rc)
            return refuse(c, "%s", recur_last_error());
        if ((rc = const_from_tensor(c, &t, &v)))
            return rc;
        if (v.numel != 1 || v.is_int || !is_zero_const(&v))
            return refuse(c, "only float zeros are supported (initial states)");
    }
    int rc = shape_vec(c, shape, out->sd, &out->nsd, "the shape");
    if (rc)
        return rc;
    out->kind = AV_ZEROS;
    return RECUR_OK;
}

static int op_expand(ctx *c, const aval *x, const aval *shape, aval *out)
{
    if (!is_zero_const(x) || x->is_int || x->numel != 1)
        return refuse(c, "only a float zero can be expanded (initial states)");
    int rc = shape_vec(c, shape, out->sd, &out->nsd, "the shape");
    out->kind = AV_ZEROS;
    return rc;
}

/* A Slice start or end in 0..len, negative ones counted from the end. */
static int64_t clamp_index(int64_t i, int64_t len)
{
    if (i < 0)
        i = i < -len ? 0 : i + len;
    return i > len ? len : i;
}

/* x[-1:] on the time axis of a unidirectional layer's outputs (how opset 10
 * writes out[-1]): its final state, with a size-1 time axis left. */
static int slice_last_step(ctx *c, const aval *x, const int64_t *st, const int64_t *en,
                           const int64_t *ax, int n, const int64_t *sp, aval *out)
{
    int a = 0;
    if (n != 1 || (sp && sp[0] != 1) || norm_axis(c, ax[0], x->nax, &a) ||
        x->stage != ST_FEAT || !c->time_sym || x->ax[a].kind != c->time_sym ||
        x->chain < 0 || !c->chain[x->chain].is_layer || st[0] != -1 ||
        en[0] < ((int64_t)1 << 31))
        return refuse(c, "of a layer's outputs only the last time step ([-1:] on the "
                         "time axis) can be sliced");
    if (c->chain[x->chain].dirs != 1 || c->chain[x->chain].reverse)
        return refuse(c, "the last time step of a %s layer is not its final state (the "
                         "reverse direction ends at step 0): use the layer's Y_h output "
                         "for recur's LAST readout",
                      c->chain[x->chain].reverse ? "reverse" : "bidirectional");
    *out = *x;
    out->stage = ST_FINAL;
    out->ax[a].kind = AX_ONE;
    out->ax[a].size = 1;
    return RECUR_OK;
}

static int op_slice(ctx *c, const aval *x, aval *out)
{
    int64_t st[MAXD], en[MAXD], ax[MAXD], sp[MAXD];
    int ns = 0, ne = 0, na = 0, np = 0, missing = 0;
    aval *s = in_val(c, 1, &missing), *e = in_val(c, 2, &missing);
    aval *a = in_val(c, 3, &missing), *p = in_val(c, 4, &missing);
    const ox_attr *as = recur__ox_attr(c->node, "starts"), *ae = recur__ox_attr(c->node, "ends");
    const ox_attr *aa = recur__ox_attr(c->node, "axes");
    int rc = RECUR_OK;
    if (missing)
        return refuse(c, "an input is not computed before this node");
    if (!s && !e && as && ae) { /* opset 9: attributes */
        if (recur__ox_attr_ints(as, st, MAXD, &ns) || recur__ox_attr_ints(ae, en, MAXD, &ne) ||
            (aa && recur__ox_attr_ints(aa, ax, MAXD, &na)))
            return refuse(c, "%s", recur_last_error());
    } else if (s && e) {
        rc = const_ints(c, s, st, MAXD, &ns, "starts");
        if (!rc)
            rc = const_ints(c, e, en, MAXD, &ne, "ends");
        if (!rc && a)
            rc = const_ints(c, a, ax, MAXD, &na, "axes");
        if (!rc && p)
            rc = const_ints(c, p, sp, MAXD, &np, "steps");
        if (rc)
            return rc;
    } else {
        return refuse(c, "no starts and ends");
    }
    if (!a && !aa)
        for (na = 0; na < ns; na++)
            ax[na] = na;
    if (ns != ne || ns != na || (p && np != ns))
        return refuse(c, "starts, ends, axes and steps differ in length");
    if (x->kind == AV_DATA)
        return slice_last_step(c, x, st, en, ax, ns, p ? sp : NULL, out);
    sdim d[MAXD];
    int n;
    int vec = x->kind == AV_SHAPE || (x->kind == AV_CONST && x->is_int && x->ndim == 1);
    if (vec) {
        if ((rc = shape_vec(c, x, d, &n, "the sliced value")))
            return rc;
    } else if (x->kind == AV_ZEROS) {
        n = x->nsd;
        memcpy(d, x->sd, sizeof d);
    } else {
        return refuse(c, "only initial-state zeros and shape vectors can be sliced");
    }
    int rank = vec ? 1 : n;
    for (int k = 0; k < ns; k++) {
        int axn = 0;
        if ((rc = norm_axis(c, ax[k], rank, &axn)))
            return rc;
        if (p && sp[k] != 1)
            return refuse(c, "only steps of 1 are supported");
        int64_t len = vec ? n : d[axn].val;
        if (len < 0 || len > ((int64_t)1 << 40))
            return refuse(c, "a dimension of %lld", (long long)len);
        if (!vec && d[axn].sym) {
            if (st[k] != 0 || en[k] < ((int64_t)1 << 31))
                return refuse(c, "a batch or time axis is sliced");
            continue;
        }
        int64_t b = clamp_index(st[k], len), f = clamp_index(en[k], len);
        if (f < b)
            f = b;
        if (vec) {
            memmove(d, d + b, (size_t)(f - b) * sizeof *d);
            n = (int)(f - b);
        } else {
            d[axn].val = f - b;
        }
    }
    *out = *x;
    if (vec) {
        out->kind = AV_SHAPE;
        out->scalar = 0;
    }
    out->nsd = n;
    memcpy(out->sd, d, sizeof d);
    if (vec && x->kind == AV_CONST) {
        out->kind = AV_CONST;
        out->dims[0] = n;
        out->numel = n;
        out->i = track(c, malloc(MAXD * sizeof *out->i));
        if (!out->i)
            return recur__fail(RECUR_E_NOMEM, "out of memory");
        for (int k = 0; k < n; k++)
            out->i[k] = d[k].val;
    }
    return RECUR_OK;
}

static int op_transpose(ctx *c, const aval *x, aval *out)
{
    int rank = x->kind == AV_DATA ? x->nax : x->kind == AV_ZEROS ? x->nsd : -1;
    if (rank < 0)
        return refuse(c, "only data and zeros can be transposed");
    int64_t perm[MAXD];
    int n = rank;
    const ox_attr *a = recur__ox_attr(c->node, "perm");
    if (a) {
        if (recur__ox_attr_ints(a, perm, MAXD, &n))
            return refuse(c, "%s", recur_last_error());
    } else {
        for (int k = 0; k < rank; k++)
            perm[k] = rank - 1 - k;
    }
    int seen[MAXD] = {0};
    if (n != rank)
        return refuse(c, "perm has %d entries for a rank-%d value", n, rank);
    for (int k = 0; k < n; k++) {
        if (perm[k] < 0 || perm[k] >= rank || seen[perm[k]]++)
            return refuse(c, "perm is not a permutation");
    }
    *out = *x;
    for (int k = 0; k < n; k++) {
        if (x->kind == AV_DATA)
            out->ax[k] = x->ax[perm[k]];
        else
            out->sd[k] = x->sd[perm[k]];
    }
    return RECUR_OK;
}

/* Reshape of data: each target entry keeps one axis, merges a direction axis
 * with the feature axis after it (directions outermost: recur's [fwd | rev]
 * concatenation), or adds/drops a size-1 axis. */
static int op_reshape(ctx *c, const aval *x, const aval *shape, aval *out)
{
    sdim t[MAXD];
    int n;
    int64_t allowzero = 0;
    const ox_attr *az = recur__ox_attr(c->node, "allowzero");
    if (az && recur__ox_attr_int(az, &allowzero))
        return refuse(c, "%s", recur_last_error());
    int rc = shape_vec(c, shape, t, &n, "the target shape");
    if (rc)
        return rc;
    if (x->kind != AV_DATA)
        return refuse(c, "only data values can be reshaped");
    /* The input's axes without size-1 ones, merging nothing yet. */
    axis in[MAXD];
    int nin = 0;
    for (int k = 0; k < x->nax; k++)
        if (x->ax[k].kind != AX_ONE)
            in[nin++] = x->ax[k];
    *out = *x;
    out->nax = 0;
    int i = 0;
    for (int k = 0; k < n; k++) {
        sdim e = t[k];
        if (!e.sym && e.val == 0 && !allowzero) { /* copy input axis k */
            if (k >= x->nax)
                return refuse(c, "entry %d copies an axis the input does not have", k);
            e.sym = is_sym(x->ax[k].kind) ? x->ax[k].kind : 0;
            e.val = x->ax[k].size;
        }
        axis o;
        if (e.sym) {
            while (i < nin && in[i].kind == AX_D && in[i].size == 1)
                i++;
            if (i >= nin || in[i].kind != e.sym)
                return refuse(c, "the reshape moves the time or batch axis");
            o = in[i++];
        } else if (e.val == 1 && i < nin && in[i].kind == AX_F && in[i].size == 1) {
            o = in[i++]; /* a feature axis of width 1 stays one */
        } else if (e.val == 1 && (i >= nin || in[i].size != 1)) {
            o.kind = AX_ONE;
            o.size = 1;
        } else {
            /* -1: the rest; else the product of the next axes must be e.val. */
            int64_t prod = 1;
            int j = i, last = e.val == -1 ? nin : -1;
            if (e.val == -1) {
                for (int q = k + 1; q < n; q++)
                    if (t[q].sym || !(t[q].val == 1))
                        return refuse(c, "-1 is supported only in the last entry");
            }
            while (j < nin && (last >= 0 ? j < last : prod < e.val)) {
                if (is_sym(in[j].kind))
                    return refuse(c, "the reshape merges the time or batch axis");
                if (in[j].size > 0 && prod > ((int64_t)1 << 42) / in[j].size)
                    return refuse(c, "the reshape's sizes overflow");
                prod *= in[j].size;
                j++;
            }
            if (e.val != -1 && prod != e.val)
                return refuse(c, "target size %lld does not match the input's axes",
                              (long long)e.val);
            /* What merges: one axis, or directions then features. */
            int cnt = j - i;
            if (cnt == 1) {
                o = in[i];
            } else if (cnt == 2 && in[i].kind == AX_D && in[i + 1].kind == AX_F) {
                o.kind = AX_F;
                o.size = prod;
            } else if (cnt == 0) {
                o.kind = AX_ONE;
                o.size = 1;
            } else {
                return refuse(c, "the reshape mixes axes other than directions and "
                                 "features (directions first)");
            }
            i = j;
        }
        out->ax[out->nax++] = o;
    }
    while (i < nin && in[i].size == 1 && in[i].kind != AX_F)
        i++;
    if (i != nin)
        return refuse(c, "the reshape drops axes of the input");
    return RECUR_OK;
}

static int op_onehot(ctx *c, const aval *ids, const aval *depth, const aval *values,
                     aval *out)
{
    int64_t ax = -1;
    const ox_attr *a = recur__ox_attr(c->node, "axis");
    if (a && recur__ox_attr_int(a, &ax))
        return refuse(c, "%s", recur_last_error());
    if (ids->kind != AV_DATA || ids->stage != ST_IDS || ids->chain >= 0)
        return refuse(c, "only the graph's token ids can be one-hot encoded");
    if (ax != -1 && ax != ids->nax)
        return refuse(c, "the one-hot axis must be the last");
    if (!depth || depth->kind != AV_CONST || depth->numel != 1)
        return refuse(c, "depth must be a constant");
    if (!values || values->kind != AV_CONST || values->numel != 2 || values->is_int ||
        values->f[0] != 0.0f || values->f[1] != 1.0f)
        return refuse(c, "values must be the float constants [0, 1]");
    if (!depth->is_int && !(depth->f[0] >= 1 && depth->f[0] <= RECUR_MAX_WIDTH))
        return refuse(c, "depth must be 1..%d", RECUR_MAX_WIDTH);
    int64_t v = depth->is_int ? depth->i[0] : (int64_t)depth->f[0];
    if (v < 1 || v > RECUR_MAX_WIDTH)
        return refuse(c, "depth %lld is outside 1..%d", (long long)v, RECUR_MAX_WIDTH);
    *out = *ids;
    out->stage = ST_FEAT;
    out->ax[out->nax].kind = AX_F;
    out->ax[out->nax++].size = v;
    int r = new_chain(c, -1);
    if (r < 0)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    c->chain[r].input = RECUR_INPUT_ONEHOT;
    c->chain[r].input_size = v;
    out->chain = r;
    return RECUR_OK;
}

/* A constant float weight of exactly the dims given. */
static int weight(ctx *c, const aval *w, const char *what, int64_t d0, int64_t d1,
                  int64_t d2, int ndim)
{
    int64_t want[3] = {d0, d1, d2};
    int ok = w && w->kind == AV_CONST && !w->is_int && w->ndim == ndim;
    for (int k = 0; ok && k < ndim; k++)
        ok = w->dims[k] == want[k];
    if (!ok) {
        if (ndim == 3)
            return refuse(c, "%s must be a constant float tensor [%lld, %lld, %lld]", what,
                          (long long)d0, (long long)d1, (long long)d2);
        return refuse(c, "%s must be a constant float tensor [%lld, %lld]", what,
                      (long long)d0, (long long)d1);
    }
    return RECUR_OK;
}

static int activations_ok(ctx *c, int dirs, const char *a0, const char *a1, const char *a2,
                          int per_dir, int *relu)
{
    const ox_attr *a = recur__ox_attr(c->node, "activations");
    if (!a)
        return RECUR_OK;
    ox_str v[6];
    int n;
    if (recur__ox_attr_strings(a, v, 6, &n))
        return refuse(c, "%s", recur_last_error());
    if (n != per_dir * dirs)
        return refuse(c, "%d activations for %d direction(s)", n, dirs);
    const char *want[3] = {a0, a1, a2};
    for (int k = 0; k < n; k++) {
        int j = k % per_dir;
        if (relu && j == 0 && recur__ox_str_eq(v[k], "Relu")) {
            if (k > 0 && !*relu)
                return refuse(c, "the directions use different activations");
            *relu = 1;
            continue;
        }
        if (relu && k > 0 && *relu)
            return refuse(c, "the directions use different activations");
        if (!recur__ox_str_eq(v[k], want[j])) {
            char buf[40];
            return refuse(c, "activation '%s' where recur computes %s",
                          recur__ox_str_print(v[k], buf, sizeof buf), want[j]);
        }
    }
    return RECUR_OK;
}

static int zero_state_ok(ctx *c, const aval *a, const char *what)
{
    if (!a || is_zero_const(a) || a->kind == AV_ZEROS)
        return RECUR_OK;
    return refuse(c, "%s must be absent or zeros: recur's models start from a zero "
                     "state", what);
}

static int op_recurrent(ctx *c, recur_cell kind, aval **outs)
{
    const ox_node *n = c->node;
    int missing = 0;
    aval *x = in_val(c, 0, &missing), *W = in_val(c, 1, &missing);
    aval *R = in_val(c, 2, &missing), *B = in_val(c, 3, &missing);
    aval *sl = in_val(c, 4, &missing), *h0 = in_val(c, 5, &missing);
    aval *c0 = kind == RECUR_LSTM ? in_val(c, 6, &missing) : NULL;
    aval *P = kind == RECUR_LSTM ? in_val(c, 7, &missing) : NULL;
    if (missing)
        return refuse(c, "an input is not computed before this node");
    if (!x || x->kind != AV_DATA || x->stage != ST_FEAT)
        return refuse(c, "X must be a feature sequence (the input, an embedding, or the "
                         "previous layer's outputs)");
    axis na[MAXD];
    int k = norm_axes(x, na);
    if (k != 3 || !is_sym(na[0].kind) || !is_sym(na[1].kind) || na[2].kind != AX_F)
        return refuse(c, "X must have the axes [time, batch, features]");
    if (!c->time_sym)
        c->time_sym = na[0].kind;
    if (na[0].kind != c->time_sym)
        return refuse(c, "X has time and batch swapped relative to an earlier layer");
    if (sl)
        return refuse(c, "sequence_lens is not supported (recur pads and masks "
                         "sequences itself: recur_predict_dataset)");
    int64_t H = 0, layout = 0, v;
    const ox_attr *a;
    if (!(a = recur__ox_attr(n, "hidden_size")) || recur__ox_attr_int(a, &H) || H < 1 ||
        H > RECUR_MAX_WIDTH)
        return refuse(c, "hidden_size must be given, 1..%d", RECUR_MAX_WIDTH);
    if ((a = recur__ox_attr(n, "layout")) && (recur__ox_attr_int(a, &layout) || layout))
        return refuse(c, "layout=1 (batch first) is not supported");
    if (recur__ox_attr(n, "clip"))
        return refuse(c, "clip is not supported: recur's cells do not clip");
    if (recur__ox_attr(n, "activation_alpha") || recur__ox_attr(n, "activation_beta"))
        return refuse(c, "activation_alpha/beta are not supported");
    if ((a = recur__ox_attr(n, "input_forget")) && (recur__ox_attr_int(a, &v) || v))
        return refuse(c, "input_forget=1 (coupled input and forget gates) is not "
                         "supported");
    int lbr = 0;
    if ((a = recur__ox_attr(n, "linear_before_reset"))) {
        if (recur__ox_attr_int(a, &v))
            return refuse(c, "%s", recur_last_error());
        lbr = v != 0;
    }
    if (kind == RECUR_GRU && !lbr)
        return refuse(c, "linear_before_reset=0 computes tanh(W x + R (r*h)), which "
                         "recur's GRU (PyTorch's) does not: it computes tanh(W x + "
                         "r*(R h + Rb)), ONNX's linear_before_reset=1 (export with "
                         "PyTorch, or Keras reset_after=True)");
    int dirs = 1, reverse = 0;
    if ((a = recur__ox_attr(n, "direction"))) {
        ox_str d;
        if (recur__ox_attr_string(a, &d))
            return refuse(c, "%s", recur_last_error());
        if (recur__ox_str_eq(d, "bidirectional"))
            dirs = 2;
        else if (recur__ox_str_eq(d, "reverse"))
            reverse = 1;
        else if (!recur__ox_str_eq(d, "forward"))
            return refuse(c, "unknown direction");
    }
    int relu = 0;
    int rc = kind == RECUR_LSTM  ? activations_ok(c, dirs, "Sigmoid", "Tanh", "Tanh", 3, NULL)
             : kind == RECUR_GRU ? activations_ok(c, dirs, "Sigmoid", "Tanh", "", 2, NULL)
                                 : activations_ok(c, dirs, "Tanh", "", "", 1, &relu);
    if (rc)
        return rc;
    int G = kind == RECUR_LSTM ? 4 : kind == RECUR_GRU ? 3 : 1;
    int64_t I = na[2].size;
    if ((rc = weight(c, W, "W", dirs, G * H, I, 3)) || (rc = weight(c, R, "R", dirs, G * H, H, 3)))
        return rc;
    if (B && (rc = weight(c, B, "B", dirs, 2 * G * H, 0, 2)))
        return rc;
    if ((rc = zero_state_ok(c, h0, "initial_h")) || (rc = zero_state_ok(c, c0, "initial_c")))
        return rc;
    if (P && !is_zero_const(P))
        return refuse(c, "peephole weights (P) are not supported: recur's LSTM has none");
    int r = new_chain(c, x->chain);
    if (r < 0)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    chain_rec *L = &c->chain[r];
    L->is_layer = 1;
    L->cell = kind == RECUR_RNN_TANH && relu ? RECUR_RNN_RELU : kind;
    L->dirs = dirs;
    L->reverse = reverse;
    L->hidden = H;
    L->in_size = I;
    L->W = W->f;
    L->R = R->f;
    L->B = B ? B->f : NULL;
    L->node = n;
    int bs = batch_sym(c);
    for (int o = 0; o < 3; o++) {
        aval *y = outs[o];
        if (!y)
            continue;
        y->kind = AV_DATA;
        y->chain = r;
        y->stage = o == 0 ? ST_FEAT : o == 1 ? ST_FINAL : ST_CELL;
        axis t = {c->time_sym, 0}, d = {AX_D, dirs}, b = {bs, 0}, h = {AX_F, H};
        axis seq[4] = {t, d, b, h}, fin[3] = {d, b, h};
        y->nax = o == 0 ? 4 : 3;
        memcpy(y->ax, o == 0 ? seq : fin, (size_t)y->nax * sizeof(axis));
    }
    return RECUR_OK;
}

/* The top of the stack a readout or dense layer may read: a layer's
 * outputs (SEQUENCE), final states (LAST) or mean (MEAN). */
static int readout_of(ctx *c, const aval *x, int *readout, int64_t *width)
{
    if (x->kind != AV_DATA || x->chain < 0 || !c->chain[x->chain].is_layer)
        return refuse(c, "the dense layer must read a recurrent layer's outputs");
    if (x->stage == ST_FEAT && is_seq(c, x, width))
        *readout = RECUR_READOUT_SEQUENCE;
    else if (x->stage == ST_FINAL && is_pooled(c, x, width))
        *readout = RECUR_READOUT_LAST;
    else if (x->stage == ST_MEAN && is_pooled(c, x, width))
        *readout = RECUR_READOUT_MEAN;
    else
        return refuse(c, "the dense layer must read [time, batch, features] outputs or "
                         "[batch, features] final states or means");
    return RECUR_OK;
}

/* out = x · w (+ b): w is [F][O] (transposed: [O][F]). */
static int make_dense(ctx *c, const aval *x, const aval *w, int w_is_OF, const aval *b,
                      aval *out)
{
    int readout = 0;
    int64_t F = 0;
    int rc = readout_of(c, x, &readout, &F);
    if (rc)
        return rc;
    if (!w || w->kind != AV_CONST || w->is_int || w->ndim != 2 ||
        w->dims[w_is_OF ? 1 : 0] != F)
        return refuse(c, "the weight must be a constant float matrix with %lld "
                         "inputs", (long long)F);
    int64_t O = w->dims[w_is_OF ? 0 : 1];
    if (O < 1 || O > RECUR_MAX_WIDTH)
        return refuse(c, "%lld outputs (1..%d)", (long long)O, RECUR_MAX_WIDTH);
    float *dw = w->f;
    if (!w_is_OF) {
        dw = track(c, malloc((size_t)(O * F) * sizeof *dw));
        if (!dw)
            return recur__fail(RECUR_E_NOMEM, "out of memory");
        for (int64_t o = 0; o < O; o++)
            for (int64_t f = 0; f < F; f++)
                dw[o * F + f] = w->f[f * O + o];
    }
    *out = *x;
    out->stage = ST_DENSE;
    out->readout = readout;
    out->dw = dw;
    out->db = NULL;
    out->dense_in = F;
    out->dense_out = O;
    for (int k = 0; k < out->nax; k++)
        if (out->ax[k].kind == AX_F)
            out->ax[k].size = O;
    if (b) {
        if (b->kind != AV_CONST || b->is_int || b->numel != O)
            return refuse(c, "the bias must be a constant of %lld floats", (long long)O);
        out->db = b->f;
    }
    return RECUR_OK;
}

static int op_gemm(ctx *c, const aval *x, const aval *w, const aval *b, aval *out)
{
    int64_t ta = 0, tb = 0;
    float alpha = 1, beta = 1;
    const ox_attr *a;
    if (((a = recur__ox_attr(c->node, "transA")) && recur__ox_attr_int(a, &ta)) ||
        ((a = recur__ox_attr(c->node, "transB")) && recur__ox_attr_int(a, &tb)) ||
        ((a = recur__ox_attr(c->node, "alpha")) && recur__ox_attr_float(a, &alpha)) ||
        ((a = recur__ox_attr(c->node, "beta")) && recur__ox_attr_float(a, &beta)))
        return refuse(c, "%s", recur_last_error());
    if (ta || alpha != 1.0f || beta != 1.0f)
        return refuse(c, "only transA=0, alpha=1 and beta=1 are supported");
    return make_dense(c, x, w, tb != 0, b, out);
}

static int op_add(ctx *c, const aval *p, const aval *q, aval *out)
{
    const aval *x = p->kind == AV_DATA ? p : q, *b = p->kind == AV_DATA ? q : p;
    if (x->kind != AV_DATA || x->stage != ST_DENSE || x->db)
        return refuse(c, "only a bias added to a dense layer without one is supported");
    if (b->kind != AV_CONST || b->is_int || b->numel != x->dense_out ||
        (b->ndim > 0 && b->dims[b->ndim - 1] != x->dense_out))
        return refuse(c, "the bias must be a constant of %lld floats",
                      (long long)x->dense_out);
    *out = *x;
    out->db = b->f;
    return RECUR_OK;
}

static int op_reduce_mean(ctx *c, const aval *x, aval *out)
{
    int64_t axes[MAXD], keep = 1;
    int n = 0;
    const ox_attr *a = recur__ox_attr(c->node, "axes");
    if (!a || recur__ox_attr_ints(a, axes, MAXD, &n) || n != 1)
        return refuse(c, "the mean must be over one axis, given by the axes attribute");
    if ((a = recur__ox_attr(c->node, "keepdims")) && recur__ox_attr_int(a, &keep))
        return refuse(c, "%s", recur_last_error());
    int64_t F;
    if (x->kind != AV_DATA || x->stage != ST_FEAT || x->chain < 0 ||
        !c->chain[x->chain].is_layer || !is_seq(c, x, &F))
        return refuse(c, "only the mean of a layer's [time, batch, features] outputs "
                         "over time is supported");
    int ax = 0, rc = norm_axis(c, axes[0], x->nax, &ax);
    if (rc)
        return rc;
    if (x->ax[ax].kind != c->time_sym)
        return refuse(c, "the mean must be over the time axis");
    *out = *x;
    out->stage = ST_MEAN;
    if (keep) {
        out->ax[ax].kind = AX_ONE;
        out->ax[ax].size = 1;
    } else {
        memmove(out->ax + ax, out->ax + ax + 1, (size_t)(out->nax - ax - 1) * sizeof(axis));
        out->nax--;
    }
    return RECUR_OK;
}

/* ---- the graph ------------------------------------------------------------- */

static int is_op(const ox_node *n, const char *op) { return recur__ox_str_eq(n->op_type, op); }

static int run_node(ctx *c)
{
    const ox_node *n = c->node;
    aval *outs[3] = {NULL, NULL, NULL};
    if (n->domain.n && !recur__ox_str_eq(n->domain, "ai.onnx"))
        return refuse(c, "operators of other domains than ONNX's are not supported");
    if (n->nout > 3)
        return refuse(c, "more than 3 outputs");
    for (int k = 0; k < n->nout; k++)
        if (n->out[k].n && !(outs[k] = define(c, n->out[k])))
            return RECUR_E_FORMAT;
    if (!outs[0] && !is_op(n, "LSTM") && !is_op(n, "GRU") && !is_op(n, "RNN"))
        return refuse(c, "no output");
    int missing = 0;
    aval *x = in_val(c, 0, &missing), *y = in_val(c, 1, &missing);
    aval *z = in_val(c, 2, &missing);
    if (missing)
        return refuse(c, "an input is not computed before this node (the graph must be "
                         "in topological order)");
    int single = 1; /* operators with one data output */
    int rc;
    if (is_op(n, "Constant")) {
        rc = op_constant(c, outs[0]);
    } else if (is_op(n, "LSTM") || is_op(n, "GRU") || is_op(n, "RNN")) {
        single = 0;
        rc = op_recurrent(c, is_op(n, "LSTM") ? RECUR_LSTM : is_op(n, "GRU") ? RECUR_GRU
                                                                             : RECUR_RNN_TANH,
                          outs);
    } else if (!x) {
        rc = refuse(c, "its first input is missing");
    } else if (is_op(n, "Identity")) {
        *outs[0] = *x;
        rc = RECUR_OK;
    } else if (is_op(n, "Shape")) {
        rc = op_shape(c, x, outs[0]);
    } else if (is_op(n, "Gather")) {
        rc = y ? op_gather(c, x, y, outs[0]) : refuse(c, "no indices");
    } else if (is_op(n, "Unsqueeze")) {
        rc = op_unsqueeze(c, x, outs[0]);
    } else if (is_op(n, "Squeeze")) {
        rc = op_squeeze(c, x, outs[0]);
    } else if (is_op(n, "Concat")) {
        rc = op_concat(c, outs[0]);
    } else if (is_op(n, "ConstantOfShape")) {
        rc = op_zeros_of_shape(c, x, outs[0]);
    } else if (is_op(n, "Expand")) {
        rc = y ? op_expand(c, x, y, outs[0]) : refuse(c, "no shape");
    } else if (is_op(n, "Slice")) {
        rc = op_slice(c, x, outs[0]);
    } else if (is_op(n, "Transpose")) {
        rc = op_transpose(c, x, outs[0]);
    } else if (is_op(n, "Reshape")) {
        rc = y ? op_reshape(c, x, y, outs[0]) : refuse(c, "no shape");
    } else if (is_op(n, "OneHot")) {
        rc = op_onehot(c, x, y, z, outs[0]);
    } else if (is_op(n, "MatMul")) {
        rc = make_dense(c, x, y, 0, NULL, outs[0]);
    } else if (is_op(n, "Gemm")) {
        rc = op_gemm(c, x, y, z, outs[0]);
    } else if (is_op(n, "Add")) {
        rc = y ? op_add(c, x, y, outs[0]) : refuse(c, "one input");
    } else if (is_op(n, "ReduceMean")) {
        rc = op_reduce_mean(c, x, outs[0]);
    } else {
        rc = refuse(c, "this operator is not supported: recur imports RNN, LSTM and GRU "
                       "nodes with an embedding (Gather) or OneHot, a dense layer "
                       "(MatMul, Gemm, Add), a mean readout (ReduceMean) and the glue "
                       "torch.onnx.export writes around them");
    }
    if (!rc && single && n->nout > 1)
        rc = refuse(c, "more outputs than the operator has");
    return rc;
}

static int define_inputs(ctx *c)
{
    const ox_model *m = c->m;
    for (int k = 0; k < m->ninit; k++) {
        aval *a = define(c, m->init[k].name);
        if (!a)
            return RECUR_E_FORMAT;
        int rc = const_from_tensor(c, &m->init[k], a);
        if (rc)
            return rc;
    }
    int ndata = 0;
    for (int k = 0; k < m->ninputs; k++) {
        const ox_value_info *v = &m->inputs[k];
        if (lookup(c, v->name))
            continue; /* an initializer also listed as an input (IR < 4) */
        char buf[80];
        if (ndata++)
            return refuse(c, "the graph has more than one input ('%s'): recur models "
                             "read one sequence", recur__ox_str_print(v->name, buf, sizeof buf));
        aval *a = define(c, v->name);
        if (!a)
            return RECUR_E_FORMAT;
        a->kind = AV_DATA;
        a->chain = -1;
        a->ax[0].kind = AX_S0;
        a->ax[1].kind = AX_S1;
        if ((v->elem_type == OX_INT64 || v->elem_type == OX_INT32) && v->ndim == 2) {
            a->stage = ST_IDS;
            a->nax = 2;
        } else if (v->elem_type == OX_FLOAT && v->ndim == 3 && v->dims[2] >= 1 &&
                   v->dims[2] <= RECUR_MAX_WIDTH) {
            a->stage = ST_FEAT;
            a->nax = 3;
            a->ax[2].kind = AX_F;
            a->ax[2].size = v->dims[2];
            int r = new_chain(c, -1);
            if (r < 0)
                return recur__fail(RECUR_E_NOMEM, "out of memory");
            c->chain[r].input = RECUR_INPUT_DENSE;
            c->chain[r].input_size = v->dims[2];
            a->chain = r;
        } else {
            return refuse(c, "input '%s' must be int64 token ids [time, batch] or float "
                             "features [time, batch, N] with N given",
                          recur__ox_str_print(v->name, buf, sizeof buf));
        }
    }
    if (!ndata)
        return refuse(c, "the graph has no input");
    return RECUR_OK;
}

/* Copy ONNX weights of layer L (gate blocks reordered) into the model. */
static int set_layer(recur_model *m, const chain_rec *L, int l)
{
    static const int lstm_src[4] = {0, 2, 3, 1}; /* i f g o from ONNX i o f c */
    static const int gru_src[3] = {1, 0, 2};     /* r z n from ONNX z r h */
    static const int rnn_src[1] = {0};
    const int *src = L->cell == RECUR_LSTM ? lstm_src : L->cell == RECUR_GRU ? gru_src
                                                                                : rnn_src;
    int G = L->cell == RECUR_LSTM ? 4 : L->cell == RECUR_GRU ? 3 : 1;
    int64_t H = L->hidden, I = L->in_size;
    size_t most = (size_t)(G * H) * (size_t)(I > H ? I : H);
    float *buf = malloc(most * sizeof *buf);
    if (!buf)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    int rc = RECUR_OK;
    for (int d = 0; d < L->dirs && !rc; d++) {
        const char *sfx = d ? "_reverse" : "";
        char name[64];
        struct { const float *p; int64_t cols; const char *what; int64_t stride, off; } t[4] = {
            {L->W, I, "weight_ih", G * H * I, 0},
            {L->R, H, "weight_hh", G * H * H, 0},
            {L->B, 1, "bias_ih", 2 * G * H, 0},
            {L->B, 1, "bias_hh", 2 * G * H, G * H},
        };
        for (int k = 0; k < 4 && !rc; k++) {
            int64_t cols = t[k].cols;
            for (int g = 0; g < G; g++)
                for (int64_t r = 0; r < H * cols; r++)
                    buf[g * H * cols + r] =
                        t[k].p ? t[k].p[d * t[k].stride + t[k].off + src[g] * H * cols + r]
                               : 0.0f;
            snprintf(name, sizeof name, "rnn.%s_l%d%s", t[k].what, l, sfx);
            rc = recur_model_set_tensor(m, name, buf, (long)(G * H * cols));
        }
    }
    free(buf);
    return rc;
}

/* recur's own metadata_props (recur_onnx_export writes them): the loss and
 * a character model's vocabulary. */
static int apply_metadata(ctx *c, recur_model *m)
{
    const ox_model *om = c->m;
    for (int k = 0; k < om->nmeta; k++) {
        ox_str v = om->meta_val[k];
        if (recur__ox_str_eq(om->meta_key[k], "recur.loss")) {
            if (!recur__ox_str_eq(v, "xent") && !recur__ox_str_eq(v, "mse"))
                return refuse(c, "metadata recur.loss must be xent or mse");
            m->cfg.loss = recur__ox_str_eq(v, "xent") ? RECUR_LOSS_XENT : RECUR_LOSS_MSE;
        } else if (recur__ox_str_eq(om->meta_key[k], "recur.vocab")) {
            int n = recur_model_get_config(m)->input_size, got = 0;
            if (recur_model_get_config(m)->input == RECUR_INPUT_DENSE)
                return refuse(c, "metadata recur.vocab on a model of dense features");
            uint32_t *cps = malloc((size_t)n * sizeof *cps);
            if (!cps)
                return recur__fail(RECUR_E_NOMEM, "out of memory");
            size_t at = 0;
            while (at < v.n && got < n) {
                int len = recur__utf8_decode((const unsigned char *)v.p + at, v.n - at,
                                             &cps[got]);
                if (!len)
                    break;
                at += (size_t)len;
                got++;
            }
            int rc = at == v.n && got == n ? recur_model_set_vocab(m, cps, n)
                                          : RECUR_E_FORMAT;
            free(cps);
            if (rc)
                return refuse(c, "metadata recur.vocab is not %d distinct characters in "
                                 "increasing order", n);
        }
    }
    return RECUR_OK;
}

static int build_model(ctx *c, const aval *out, recur_model **model)
{
    c->node = NULL;
    int64_t width = 0;
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.dropout = 0;
    cfg.output_size = 0;
    if (out->kind != AV_DATA || out->chain < 0 || !c->chain[out->chain].is_layer)
        return refuse(c, "the graph's output is not computed by a recurrent layer");
    if (out->stage == ST_DENSE) {
        cfg.output_size = (int)out->dense_out;
        cfg.readout = out->readout;
        axis na[MAXD];
        int k = norm_axes(out, na);
        int seq = out->readout == RECUR_READOUT_SEQUENCE;
        if (k != (seq ? 3 : 2) || na[k - 1].kind != AX_F || !is_sym(na[0].kind) ||
            (seq && !is_sym(na[1].kind)))
            return refuse(c, "the graph's output has an unexpected layout");
    } else if (out->stage == ST_FEAT || out->stage == ST_FINAL || out->stage == ST_MEAN) {
        int ok = out->stage == ST_FEAT ? is_seq(c, out, &width) : is_pooled(c, out, &width);
        if (!ok)
            return refuse(c, "the graph's output is not [time, batch, features] outputs "
                             "or [batch, features] final states or means (for a "
                             "bidirectional layer: transposed to [time, batch, "
                             "directions, hidden] and reshaped)");
        cfg.readout = out->stage == ST_FEAT  ? RECUR_READOUT_SEQUENCE
                      : out->stage == ST_FINAL ? RECUR_READOUT_LAST
                                               : RECUR_READOUT_MEAN;
    } else {
        return refuse(c, "the graph's output is not one recur computes (an LSTM's cell "
                         "state?)");
    }
    /* The stack, top to bottom. */
    const chain_rec *layers[MODEL_MAX_LAYERS];
    int nl = 0, r = out->chain;
    for (; r >= 0 && c->chain[r].is_layer; r = c->chain[r].prev) {
        if (nl >= MODEL_MAX_LAYERS)
            return refuse(c, "more than %d recurrent layers", MODEL_MAX_LAYERS);
        layers[nl++] = &c->chain[r];
    }
    if (r < 0)
        return refuse(c, "the recurrent layers do not read the graph's input");
    const chain_rec *root = &c->chain[r], *top = layers[0];
    for (int l = 0; l < nl; l++) {
        const chain_rec *L = layers[l];
        char name[80];
        c->node = L->node;
        if (L->cell != top->cell || L->dirs != top->dirs || L->hidden != top->hidden)
            return refuse(c, "recur's layers all have one cell type, hidden size and "
                             "direction count; node '%s' differs",
                          recur__ox_str_print(top->node->name, name, sizeof name));
        if (L->reverse != top->reverse)
            return refuse(c, "recur's layers all run in one direction: node '%s' is "
                             "%s, this one %s", recur__ox_str_print(top->node->name, name,
                                                                   sizeof name),
                          top->reverse ? "reverse" : "forward",
                          L->reverse ? "reverse" : "forward");
    }
    c->node = NULL;
    if (root->input_size > RECUR_MAX_WIDTH || root->embed_dim > RECUR_MAX_WIDTH)
        return refuse(c, "an input of %lld by %lld (each at most %d)",
                      (long long)root->input_size, (long long)root->embed_dim,
                      RECUR_MAX_WIDTH);
    cfg.cell = top->cell;
    cfg.input = root->input;
    cfg.input_size = (int)root->input_size;
    cfg.embed_dim = (int)root->embed_dim;
    cfg.hidden = (int)top->hidden;
    cfg.layers = nl;
    cfg.bidirectional = top->dirs == 2;
    cfg.reverse = top->reverse;
    cfg.loss = root->input == RECUR_INPUT_DENSE ? RECUR_LOSS_MSE : RECUR_LOSS_XENT;
    recur_model *m = NULL;
    int rc = recur_model_create(&cfg, 0, &m);
    if (rc)
        return recur__fail(rc, "%s: %s", c->label, recur_last_error());
    if (root->input == RECUR_INPUT_EMBEDDING)
        rc = recur_model_set_tensor(m, "embedding.weight", root->emb,
                                    (long)(root->input_size * root->embed_dim));
    for (int l = 0; l < nl && !rc; l++)
        rc = set_layer(m, layers[nl - 1 - l], l);
    if (!rc && out->stage == ST_DENSE) {
        rc = recur_model_set_tensor(m, "fc.weight", out->dw,
                                    (long)(out->dense_in * out->dense_out));
        if (!rc && out->db)
            rc = recur_model_set_tensor(m, "fc.bias", out->db, (long)out->dense_out);
        if (!rc && !out->db) {
            float *zero = calloc((size_t)out->dense_out, sizeof *zero);
            rc = zero ? recur_model_set_tensor(m, "fc.bias", zero, (long)out->dense_out)
                      : recur__fail(RECUR_E_NOMEM, "out of memory");
            free(zero);
        }
    }
    if (!rc)
        rc = apply_metadata(c, m);
    if (!rc)
        rc = recur_model_set_meta(m, "source", "onnx");
    if (rc) {
        recur_model_free(m);
        return rc;
    }
    *model = m;
    return RECUR_OK;
}

static int import_model(const ox_model *om, const char *label, recur_model **out)
{
    ctx c = {0};
    c.m = om;
    c.label = label;
    c.cap = om->ninit + om->ninputs + 1;
    for (int k = 0; k < om->nnodes; k++)
        c.cap += om->nodes[k].nout;
    c.hcap = 16;
    while (c.hcap < 2 * (size_t)c.cap)
        c.hcap *= 2;
    c.av = malloc((size_t)c.cap * sizeof *c.av);
    c.names = malloc((size_t)c.cap * sizeof *c.names);
    c.hash = malloc(c.hcap * sizeof *c.hash);
    int rc = RECUR_OK;
    if (!c.av || !c.names || !c.hash)
        rc = recur__fail(RECUR_E_NOMEM, "%s: out of memory", label);
    if (!rc) {
        memset(c.hash, -1, c.hcap * sizeof *c.hash);
        if (om->opset && (om->opset < 9 || om->opset > 17))
            rc = refuse(&c, "opset %lld: recur imports opsets 9 to 17", (long long)om->opset);
    }
    if (!rc)
        rc = define_inputs(&c);
    for (int k = 0; !rc && k < om->nnodes; k++) {
        c.node = &om->nodes[k];
        rc = run_node(&c);
    }
    c.node = NULL;
    if (!rc && om->noutputs < 1)
        rc = refuse(&c, "the graph has no output");
    /* Outputs after the first may be final states (a bare nn.LSTM's h_n and
     * c_n): recur_forward does not return them, which the model says. */
    char states[256] = "";
    for (int k = 1; !rc && k < om->noutputs; k++) {
        const aval *o = lookup(&c, om->outputs[k].name);
        char name[64];
        recur__ox_str_print(om->outputs[k].name, name, sizeof name);
        if (!is_state(o))
            rc = refuse(&c, "the graph has several outputs and '%s' is not a layer's final "
                            "states: recur models compute one output", name);
        else if (strlen(states) + strlen(name) + 3 < sizeof states)
            snprintf(states + strlen(states), sizeof states - strlen(states), "%s%s",
                     k > 1 ? ", " : "", name);
    }
    if (!rc) {
        const aval *o = lookup(&c, om->outputs[0].name);
        rc = o ? build_model(&c, o, out) : refuse(&c, "the graph's output is not computed");
    }
    if (!rc && *states) {
        rc = recur_model_set_meta(*out, "onnx.unused_outputs", states);
        if (rc) {
            recur_model_free(*out);
            *out = NULL;
        }
    }
    for (int k = 0; k < c.nallocs; k++)
        free(c.allocs[k]);
    free(c.allocs);
    free(c.chain);
    free(c.av);
    free(c.names);
    free(c.hash);
    return rc;
}

int recur_onnx_import_memory(const void *bytes, size_t len, const char *label,
                             recur_model **out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "no output pointer");
    *out = NULL;
    if (!bytes && len)
        return recur__fail(RECUR_E_INVALID, "no bytes");
    if (!label)
        label = "<memory>";
    ox_model om;
    int rc = recur__ox_parse(bytes, len, label, &om);
    if (rc)
        return rc;
    rc = import_model(&om, label, out);
    recur__ox_free(&om);
    return rc;
}
