/* onnx_export.c - a recur model as an ONNX graph (opset 14), and the file
 * entry points of the importer.
 *
 * The graph, for L layers of D directions and hidden size H:
 *   x ─ [Gather(embedding.weight) | OneHot] ─ layer 0 ─ ... ─ layer L−1 ─
 *       readout ─ [dense] ─ y
 * where a layer is one RNN / LSTM / GRU node (weights reordered to ONNX's
 * gate order) whose Y [T, D, B, H] is turned into recur's [T, B, D·H] by
 * Transpose(0, 2, 1, 3) and Reshape(0, 0, −1); the readouts are that
 * sequence (SEQUENCE), the top node's Y_h [D, B, H] through Transpose(1, 0,
 * 2) and Reshape(0, −1) (LAST: the forward direction's last state and the
 * reverse direction's state after step 0, as recur defines it; a reverse
 * model's layers are direction="reverse" nodes, its LAST their Y_h), or
 * ReduceMean over time (MEAN); the dense layer is MatMul by fc.weightᵀ plus
 * Add (on sequences) or Gemm (on [B, F]). Missing initial states are zeros
 * in ONNX, as in recur. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "io/protobuf.h"
#include "io/file.h"
#include "io/safetensors.h"
#include "onnx/onnx.h"
#include "onnx/onnx_proto.h"

/* ---- protobuf pieces ------------------------------------------------------ */

static void put_float_tensor(pb_buf *graph, const char *name, int ndim, const int64_t *dims,
                             const float *v, long n)
{
    pb_buf t = {0};
    recur__pb_put_packed_i64(&t, 1, dims, ndim);
    recur__pb_put_varint(&t, 2, OX_FLOAT);
    recur__pb_put_string(&t, 8, name);
    unsigned char *raw = malloc((size_t)(n ? n : 1) * 4);
    if (!raw) {
        t.failed = 1;
    } else {
        for (long i = 0; i < n; i++) {
            uint32_t b;
            memcpy(&b, &v[i], 4);
            for (int k = 0; k < 4; k++)
                raw[4 * i + k] = (unsigned char)(b >> (8 * k));
        }
        recur__pb_put_bytes(&t, 9, raw, (size_t)n * 4);
        free(raw);
    }
    recur__pb_put_msg(graph, 5, &t);
}

static void put_int_tensor(pb_buf *graph, const char *name, int ndim, const int64_t *v, int n)
{
    pb_buf t = {0};
    int64_t dim = n;
    recur__pb_put_packed_i64(&t, 1, &dim, ndim);
    recur__pb_put_varint(&t, 2, OX_INT64);
    recur__pb_put_string(&t, 8, name);
    recur__pb_put_packed_i64(&t, 7, v, n);
    recur__pb_put_msg(graph, 5, &t);
}

static void attr_int(pb_buf *node, const char *name, int64_t v)
{
    pb_buf a = {0};
    recur__pb_put_string(&a, 1, name);
    recur__pb_put_varint(&a, 20, OX_ATTR_INT);
    recur__pb_put_varint(&a, 3, (uint64_t)v);
    recur__pb_put_msg(node, 5, &a);
}

static void attr_ints(pb_buf *node, const char *name, const int64_t *v, int n)
{
    pb_buf a = {0};
    recur__pb_put_string(&a, 1, name);
    recur__pb_put_varint(&a, 20, OX_ATTR_INTS);
    recur__pb_put_packed_i64(&a, 8, v, n);
    recur__pb_put_msg(node, 5, &a);
}

static void attr_string(pb_buf *node, const char *name, const char *v)
{
    pb_buf a = {0};
    recur__pb_put_string(&a, 1, name);
    recur__pb_put_varint(&a, 20, OX_ATTR_STRING);
    recur__pb_put_string(&a, 4, v);
    recur__pb_put_msg(node, 5, &a);
}

static void attr_strings(pb_buf *node, const char *name, const char *v, int n)
{
    pb_buf a = {0};
    recur__pb_put_string(&a, 1, name);
    recur__pb_put_varint(&a, 20, OX_ATTR_STRINGS);
    for (int i = 0; i < n; i++)
        recur__pb_put_string(&a, 9, v);
    recur__pb_put_msg(node, 5, &a);
}

/* A node: inputs and outputs are NULL-terminated lists; "" is an absent
 * optional input. The attributes are in *attrs (emptied). */
static void put_node(pb_buf *graph, const char *op, const char *name,
                     const char *const *in, const char *const *out, pb_buf *attrs)
{
    pb_buf n = {0};
    for (; *in; in++)
        recur__pb_put_string(&n, 1, *in);
    for (; *out; out++)
        recur__pb_put_string(&n, 2, *out);
    recur__pb_put_string(&n, 3, name);
    recur__pb_put_string(&n, 4, op);
    if (attrs)
        recur__pb_append(&n, attrs); /* complete attribute fields */
    recur__pb_put_msg(graph, 1, &n);
}

/* ValueInfo: a tensor of elem_type with dims (0 = the named dim names[i]). */
static void put_value_info(pb_buf *graph, uint32_t field, const char *name, int elem,
                           int ndim, const int64_t *dims, const char *const *names)
{
    pb_buf shape = {0}, tensor = {0}, type = {0}, vi = {0};
    for (int i = 0; i < ndim; i++) {
        pb_buf d = {0};
        if (dims[i] > 0)
            recur__pb_put_varint(&d, 1, (uint64_t)dims[i]);
        else
            recur__pb_put_string(&d, 2, names[i]);
        recur__pb_put_msg(&shape, 1, &d);
    }
    recur__pb_put_varint(&tensor, 1, (uint64_t)elem);
    recur__pb_put_msg(&tensor, 2, &shape);
    recur__pb_put_msg(&type, 1, &tensor);
    recur__pb_put_string(&vi, 1, name);
    recur__pb_put_msg(&vi, 2, &type);
    recur__pb_put_msg(graph, field, &vi);
}

/* ---- the model ------------------------------------------------------------- */

static float *get(const recur_model *m, const char *name, long n)
{
    float *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    if (v && recur_model_get_tensor(m, name, v, n) != RECUR_OK) {
        free(v);
        return NULL;
    }
    return v;
}

/* W, R, B of layer l in ONNX's layouts and gate orders. */
static int put_layer_weights(pb_buf *g, const recur_model *m, int l)
{
    const recur_config *c = recur_model_get_config(m);
    static const int lstm_dst[4] = {0, 2, 3, 1}; /* recur i f g o → ONNX slots */
    static const int gru_dst[3] = {1, 0, 2};     /* recur r z n → ONNX z r h */
    static const int rnn_dst[1] = {0};
    int G = c->cell == RECUR_LSTM ? 4 : c->cell == RECUR_GRU ? 3 : 1;
    const int *dst = c->cell == RECUR_LSTM ? lstm_dst : c->cell == RECUR_GRU ? gru_dst
                                                                            : rnn_dst;
    int D = c->bidirectional ? 2 : 1;
    long H = c->hidden;
    long I = l ? H * D : c->input == RECUR_INPUT_EMBEDDING ? c->embed_dim : c->input_size;
    long sizes[3] = {G * H * I, G * H * H, 2 * G * H};
    float *out[3];
    int rc = RECUR_OK;
    for (int k = 0; k < 3; k++)
        out[k] = malloc((size_t)(D * sizes[k]) * sizeof(float));
    for (int d = 0; d < D && !rc; d++) {
        const char *sfx = d ? "_reverse" : "";
        const char *what[4] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};
        for (int k = 0; k < 4 && !rc; k++) {
            long cols = k == 0 ? I : k == 1 ? H : 1;
            char name[64];
            snprintf(name, sizeof name, "rnn.%s_l%d%s", what[k], l, sfx);
            float *v = get(m, name, G * H * cols);
            int slot = k < 2 ? k : 2;
            if (!v || !out[slot]) {
                free(v);
                rc = recur__fail(RECUR_E_NOMEM, "out of memory");
                break;
            }
            float *base = out[slot] + d * sizes[slot] + (k == 3 ? G * H : 0);
            for (int gate = 0; gate < G; gate++)
                memcpy(base + dst[gate] * H * cols, v + gate * H * cols,
                       (size_t)(H * cols) * sizeof(float));
            free(v);
        }
    }
    if (!rc) {
        char name[32];
        int64_t dw[3] = {D, G * H, I}, dr[3] = {D, G * H, H}, db[2] = {D, 2 * G * H};
        snprintf(name, sizeof name, "W_l%d", l);
        put_float_tensor(g, name, 3, dw, out[0], D * sizes[0]);
        snprintf(name, sizeof name, "R_l%d", l);
        put_float_tensor(g, name, 3, dr, out[1], D * sizes[1]);
        snprintf(name, sizeof name, "B_l%d", l);
        put_float_tensor(g, name, 2, db, out[2], D * sizes[2]);
    }
    for (int k = 0; k < 3; k++)
        free(out[k]);
    return rc;
}

static int put_graph(pb_buf *g, const recur_model *m)
{
    const recur_config *c = recur_model_get_config(m);
    int D = c->bidirectional ? 2 : 1, tokens = c->input != RECUR_INPUT_DENSE;
    long F = (long)c->hidden * D;
    static const char *const cell_op[] = {"RNN", "RNN", "LSTM", "GRU"};
    pb_buf attrs = {0};
    int rc = RECUR_OK;
    recur__pb_put_string(g, 2, "recur");
    /* Constants shared by the glue. */
    int64_t seq_shape[3] = {0, 0, -1}, pool_shape[2] = {0, -1};
    put_int_tensor(g, "seq_shape", 1, seq_shape, 3);
    put_int_tensor(g, "pool_shape", 1, pool_shape, 2);
    const char *x = "x";
    if (c->input == RECUR_INPUT_EMBEDDING) {
        long n = (long)c->input_size * c->embed_dim;
        float *e = get(m, "embedding.weight", n);
        if (!e)
            return recur__fail(RECUR_E_NOMEM, "out of memory");
        int64_t dims[2] = {c->input_size, c->embed_dim};
        put_float_tensor(g, "embedding.weight", 2, dims, e, n);
        free(e);
        put_node(g, "Gather", "embedding", (const char *[]){"embedding.weight", "x", NULL},
                 (const char *[]){"embedded", NULL}, NULL);
        x = "embedded";
    } else if (c->input == RECUR_INPUT_ONEHOT) {
        int64_t depth = c->input_size;
        float vals[2] = {0, 1};
        int64_t two = 2;
        put_int_tensor(g, "onehot_depth", 0, &depth, 1);
        put_float_tensor(g, "onehot_values", 1, &two, vals, 2);
        attr_int(&attrs, "axis", -1);
        put_node(g, "OneHot", "onehot", (const char *[]){"x", "onehot_depth", "onehot_values", NULL},
                 (const char *[]){"onehot", NULL}, &attrs);
        x = "onehot";
    }
    char prev[32], y[32], yh[32], yt[32], name[32], feat[32], w[16], r[16], b[16];
    snprintf(prev, sizeof prev, "%s", x);
    for (int l = 0; l < c->layers && !rc; l++) {
        rc = put_layer_weights(g, m, l);
        snprintf(y, sizeof y, "Y_l%d", l);
        snprintf(yh, sizeof yh, "Y_h_l%d", l);
        snprintf(w, sizeof w, "W_l%d", l);
        snprintf(r, sizeof r, "R_l%d", l);
        snprintf(b, sizeof b, "B_l%d", l);
        attr_int(&attrs, "hidden_size", c->hidden);
        attr_string(&attrs, "direction",
                    D == 2 ? "bidirectional" : c->reverse ? "reverse" : "forward");
        if (c->cell == RECUR_GRU)
            attr_int(&attrs, "linear_before_reset", 1);
        if (c->cell == RECUR_RNN_RELU)
            attr_strings(&attrs, "activations", "Relu", D);
        snprintf(name, sizeof name, "layer%d", l);
        int last = l == c->layers - 1 && c->readout == RECUR_READOUT_LAST;
        put_node(g, cell_op[c->cell], name, (const char *[]){prev, w, r, b, NULL},
                 (const char *[]){y, last ? yh : NULL, NULL}, &attrs);
        int64_t perm[4] = {0, 2, 1, 3};
        attr_ints(&attrs, "perm", perm, 4);
        snprintf(yt, sizeof yt, "Y_l%d_tbdh", l);
        snprintf(name, sizeof name, "layer%d_transpose", l);
        put_node(g, "Transpose", name, (const char *[]){y, NULL}, (const char *[]){yt, NULL},
                 &attrs);
        snprintf(feat, sizeof feat, "out_l%d", l);
        snprintf(name, sizeof name, "layer%d_reshape", l);
        put_node(g, "Reshape", name, (const char *[]){yt, "seq_shape", NULL},
                 (const char *[]){feat, NULL}, NULL);
        snprintf(prev, sizeof prev, "%s", feat);
    }
    if (rc)
        return rc;
    const char *top = prev;
    int has_dense = c->output_size > 0;
    if (c->readout == RECUR_READOUT_LAST) {
        int64_t perm[3] = {1, 0, 2};
        attr_ints(&attrs, "perm", perm, 3);
        put_node(g, "Transpose", "last_transpose", (const char *[]){yh, NULL},
                 (const char *[]){"Y_h_bdh", NULL}, &attrs);
        put_node(g, "Reshape", "last", (const char *[]){"Y_h_bdh", "pool_shape", NULL},
                 (const char *[]){has_dense ? "pooled" : "y", NULL}, NULL);
        top = "pooled";
    } else if (c->readout == RECUR_READOUT_MEAN) {
        int64_t axes[1] = {0};
        attr_ints(&attrs, "axes", axes, 1);
        attr_int(&attrs, "keepdims", 0);
        put_node(g, "ReduceMean", "mean", (const char *[]){prev, NULL},
                 (const char *[]){has_dense ? "pooled" : "y", NULL}, &attrs);
        top = "pooled";
    } else if (!has_dense) {
        put_node(g, "Identity", "output", (const char *[]){prev, NULL},
                 (const char *[]){"y", NULL}, NULL);
    }
    if (has_dense) {
        long O = c->output_size;
        float *fw = get(m, "fc.weight", O * F), *fb = get(m, "fc.bias", O);
        if (!fw || !fb) {
            free(fw);
            free(fb);
            return recur__fail(RECUR_E_NOMEM, "out of memory");
        }
        int64_t dw[2] = {O, F}, db[1] = {O};
        put_float_tensor(g, "fc.bias", 1, db, fb, O);
        if (c->readout == RECUR_READOUT_SEQUENCE) {
            float *wt = malloc((size_t)(O * F) * sizeof *wt);
            if (!wt) {
                free(fw);
                free(fb);
                return recur__fail(RECUR_E_NOMEM, "out of memory");
            }
            for (long o = 0; o < O; o++)
                for (long f = 0; f < F; f++)
                    wt[f * O + o] = fw[o * F + f];
            int64_t dwt[2] = {F, O};
            put_float_tensor(g, "fc.weight_t", 2, dwt, wt, O * F);
            free(wt);
            put_node(g, "MatMul", "dense", (const char *[]){top, "fc.weight_t", NULL},
                     (const char *[]){"dense", NULL}, NULL);
            put_node(g, "Add", "dense_bias", (const char *[]){"dense", "fc.bias", NULL},
                     (const char *[]){"y", NULL}, NULL);
        } else {
            put_float_tensor(g, "fc.weight", 2, dw, fw, O * F);
            attr_int(&attrs, "transB", 1);
            put_node(g, "Gemm", "dense", (const char *[]){top, "fc.weight", "fc.bias", NULL},
                     (const char *[]){"y", NULL}, &attrs);
        }
        free(fw);
        free(fb);
    }
    /* Input and output descriptions. */
    static const char *const tb[3] = {"T", "B", ""};
    static const char *const b_[2] = {"B", ""};
    int64_t xin[3] = {0, 0, c->input_size};
    put_value_info(g, 11, "x", tokens ? OX_INT64 : OX_FLOAT, tokens ? 2 : 3, xin, tb);
    long width = has_dense ? c->output_size : F;
    if (c->readout == RECUR_READOUT_SEQUENCE) {
        int64_t yd[3] = {0, 0, width};
        put_value_info(g, 12, "y", OX_FLOAT, 3, yd, tb);
    } else {
        int64_t yd[2] = {0, width};
        put_value_info(g, 12, "y", OX_FLOAT, 2, yd, b_);
    }
    return RECUR_OK;
}

static void put_meta(pb_buf *model, const char *key, const char *value)
{
    pb_buf e = {0};
    recur__pb_put_string(&e, 1, key);
    recur__pb_put_string(&e, 2, value);
    recur__pb_put_msg(model, 14, &e);
}

int recur_onnx_export_memory(const recur_model *m, unsigned char **bytes, size_t *len)
{
    if (!m || !bytes || !len)
        return recur__fail(RECUR_E_INVALID, "recur_onnx_export_memory: invalid argument");
    *bytes = NULL;
    *len = 0;
    /* ONNX's LSTM operator has no projection: no standard graph computes
     * h = W_hr·(o ⊙ tanh(c)) inside the recurrence. */
    if (recur_model_get_config(m)->proj)
        return recur__fail(RECUR_E_INVALID, "an LSTM with a projection (proj %d) cannot "
                          "be exported to ONNX: the ONNX LSTM operator has no projection",
                          recur_model_get_config(m)->proj);
    pb_buf model = {0}, graph = {0}, opset = {0};
    recur__pb_put_varint(&model, 1, RECUR_ONNX_IR_VERSION);
    recur__pb_put_string(&model, 2, "recur");
    recur__pb_put_string(&model, 3, RECUR_VERSION_STRING);
    int rc = put_graph(&graph, m);
    if (rc) {
        recur__pb_free(&graph);
        recur__pb_free(&model);
        return rc;
    }
    recur__pb_put_msg(&model, 7, &graph);
    recur__pb_put_string(&opset, 1, "");
    recur__pb_put_varint(&opset, 2, RECUR_ONNX_OPSET);
    recur__pb_put_msg(&model, 8, &opset);
    const recur_config *c = recur_model_get_config(m);
    put_meta(&model, "recur.loss", c->loss == RECUR_LOSS_XENT ? "xent" : "mse");
    int nv;
    const uint32_t *vocab = recur_model_get_vocab(m, &nv);
    if (nv > 0) {
        char *s = malloc((size_t)nv * 4 + 1);
        if (!s) {
            recur__pb_free(&model);
            return recur__fail(RECUR_E_NOMEM, "out of memory");
        }
        size_t at = 0;
        for (int i = 0; i < nv; i++)
            at += (size_t)recur_utf8_encode(vocab[i], s + at);
        s[at] = 0;
        put_meta(&model, "recur.vocab", s);
        free(s);
    }
    if (model.failed) {
        recur__pb_free(&model);
        return recur__fail(RECUR_E_NOMEM, "out of memory writing the ONNX model");
    }
    if (model.n > OX_MAX_FILE_BYTES) {
        recur__pb_free(&model);
        return recur__fail(RECUR_E_LIMIT, "the ONNX model would exceed 2 GiB");
    }
    *bytes = model.p;
    *len = model.n;
    return RECUR_OK;
}

int recur_onnx_export(const recur_model *m, const char *path)
{
    if (!path || !*path)
        return recur__fail(RECUR_E_INVALID, "recur_onnx_export: no path");
    unsigned char *bytes;
    size_t len;
    int rc = recur_onnx_export_memory(m, &bytes, &len);
    if (rc)
        return rc;
    rc = recur__write_file_atomic(path, bytes, len);
    free(bytes);
    return rc;
}

int recur_onnx_import(const char *path, recur_model **out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "no output pointer");
    *out = NULL;
    if (!path)
        return recur__fail(RECUR_E_INVALID, "no path");
    char *bytes;
    size_t len;
    int rc = recur__read_file(path, OX_MAX_FILE_BYTES, "an ONNX file", 1, &bytes, &len);
    if (rc)
        return rc;
    rc = recur_onnx_import_memory((const unsigned char *)bytes, len, path, out);
    free(bytes);
    return rc;
}
