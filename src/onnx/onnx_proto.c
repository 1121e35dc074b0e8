/* onnx_proto.c - ONNX's ModelProto from the wire format (see onnx_proto.h).
 * Field numbers are those of onnx.proto (ONNX 1.12). Unknown fields are
 * skipped, as protobuf readers do; what the importer needs is checked. */
#include "onnx/onnx_proto.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "io/protobuf.h"

static _Thread_local const char *lbl; /* the file's name, for messages */

#define BAD(...) recur__fail(RECUR_E_FORMAT, __VA_ARGS__)

int recur__ox_str_eq(ox_str s, const char *c)
{
    size_t n = strlen(c);
    return s.n == n && (n == 0 || memcmp(s.p, c, n) == 0);
}

const char *recur__ox_str_print(ox_str s, char *buf, size_t cap)
{
    size_t n = s.n < cap - 1 ? s.n : cap - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        buf[i] = c >= 0x20 && c < 0x7F ? (char)c : '?';
    }
    buf[n] = 0;
    return buf;
}

static ox_str str_of(const pb_field *f)
{
    ox_str s = {(const char *)f->data, f->len};
    return s;
}

int recur__ox_tensor(const uint8_t *msg, size_t len, ox_tensor *t)
{
    memset(t, 0, sizeof *t);
    t->msg = msg;
    t->msg_len = len;
    pb_reader r = recur__pb_reader(msg, len);
    pb_field f;
    int k;
    while ((k = recur__pb_next(&r, &f)) > 0) {
        if (f.field == 1) { /* dims: packed or one per field */
            const uint8_t *p = f.wire == PB_LEN ? f.data : NULL;
            const uint8_t *end = p ? p + f.len : NULL;
            if (f.wire == PB_VARINT) {
                if (t->ndim >= OX_MAX_DIMS)
                    return BAD("a tensor has more than %d dimensions", OX_MAX_DIMS);
                t->dims[t->ndim++] = (int64_t)f.v;
            } else if (p) {
                while (p < end) {
                    uint64_t v;
                    if (!recur__pb_varint(&p, end, &v))
                        return BAD("a tensor's dims are malformed");
                    if (t->ndim >= OX_MAX_DIMS)
                        return BAD("a tensor has more than %d dimensions", OX_MAX_DIMS);
                    t->dims[t->ndim++] = (int64_t)v;
                }
            } else {
                return BAD("a tensor's dims are malformed");
            }
        } else if (f.field == 2 && f.wire == PB_VARINT) {
            t->dtype = (int)(f.v & 0x7FFFFFFF);
        } else if (f.field == 8 && f.wire == PB_LEN) {
            t->name = str_of(&f);
        } else if (f.field == 13) {
            t->external = 1;
        } else if (f.field == 14 && f.wire == PB_VARINT) {
            t->external |= f.v == 1;
        } else if (f.field == 3) {
            return BAD("a tensor is split into segments, which is not supported");
        }
    }
    if (k < 0)
        return BAD("a tensor's bytes are malformed");
    t->numel = 1;
    for (int i = 0; i < t->ndim; i++) {
        if (t->dims[i] < 0 || t->dims[i] > ((int64_t)1 << 40))
            return BAD("a tensor has a dimension of %lld", (long long)t->dims[i]);
        if (t->dims[i] && t->numel > ((int64_t)1 << 40) / t->dims[i])
            return BAD("a tensor's size overflows");
        t->numel *= t->dims[i];
    }
    return RECUR_OK;
}

static float le_float(const uint8_t *p)
{
    uint32_t b = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                 (uint32_t)p[3] << 24;
    float v;
    memcpy(&v, &b, 4);
    return v;
}

static double le_double(const uint8_t *p)
{
    uint64_t b = 0;
    for (int i = 0; i < 8; i++)
        b |= (uint64_t)p[i] << (8 * i);
    double v;
    memcpy(&v, &b, 8);
    return v;
}

/* Fixed-width values: from raw_data when present, else from the typed field
 * (packed, or one value per field). */
static int fixed_values(const ox_tensor *t, uint32_t typed_field, int width, float *dst)
{
    pb_reader r = recur__pb_reader(t->msg, t->msg_len);
    pb_field f, raw = {0};
    int k, have_raw = 0;
    while ((k = recur__pb_next(&r, &f)) > 0)
        if (f.field == 9 && f.wire == PB_LEN) {
            raw = f;
            have_raw = 1;
        }
    if (k < 0)
        return BAD("a tensor's bytes are malformed");
    if (have_raw) {
        if (raw.len % (size_t)width || (int64_t)(raw.len / (size_t)width) != t->numel)
            return BAD("a tensor's raw data does not hold its %lld values",
                       (long long)t->numel);
        for (int64_t i = 0; i < t->numel; i++)
            dst[i] = width == 4 ? le_float(raw.data + 4 * i)
                                : (float)le_double(raw.data + 8 * i);
        return RECUR_OK;
    }
    int64_t got = 0;
    r = recur__pb_reader(t->msg, t->msg_len);
    while (recur__pb_next(&r, &f) > 0) {
        if (f.field != typed_field)
            continue;
        if (f.wire == PB_LEN) {
            if (f.len % (size_t)width || (int64_t)(f.len / (size_t)width) > t->numel - got)
                return BAD("a tensor's values do not match its shape");
            for (size_t i = 0; i < f.len / (size_t)width; i++)
                dst[got++] = width == 4 ? le_float(f.data + 4 * i)
                                        : (float)le_double(f.data + 8 * i);
        } else if (f.wire == (width == 4 ? PB_I32 : PB_I64)) {
            uint8_t le[8];
            for (int i = 0; i < width; i++)
                le[i] = (uint8_t)(f.v >> (8 * i));
            if (got >= t->numel)
                return BAD("a tensor holds more values than its shape");
            dst[got++] = width == 4 ? le_float(le) : (float)le_double(le);
        }
    }
    if (got != t->numel)
        return BAD("a tensor holds %lld values where its shape has %lld", (long long)got,
                   (long long)t->numel);
    return RECUR_OK;
}

/* Sizes are checked against the message before the array is allocated:
 * numel values cannot take fewer bytes than numel (varints) or 4·numel. */
static int check_room(const ox_tensor *t, int64_t min_bytes_each)
{
    if (t->external) {
        char name[80];
        return BAD("tensor '%s' keeps its data in an external file, which recur does "
                   "not read: save the model with its weights inside",
                   recur__ox_str_print(t->name, name, sizeof name));
    }
    if (t->numel > (int64_t)t->msg_len / min_bytes_each)
        return BAD("a tensor's shape claims more values than its bytes hold");
    return RECUR_OK;
}

int recur__ox_tensor_floats(const ox_tensor *t, float **out)
{
    *out = NULL;
    if (t->dtype != OX_FLOAT && t->dtype != OX_DOUBLE)
        return BAD("a tensor of data type %d where float was expected", t->dtype);
    int width = t->dtype == OX_FLOAT ? 4 : 8;
    int rc = check_room(t, width);
    if (rc)
        return rc;
    float *v = malloc((size_t)(t->numel ? t->numel : 1) * sizeof *v);
    if (!v)
        return recur__fail(RECUR_E_NOMEM, "out of memory for a tensor");
    rc = fixed_values(t, t->dtype == OX_FLOAT ? 4 : 10, width, v);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    return RECUR_OK;
}

int recur__ox_tensor_ints(const ox_tensor *t, int64_t **out)
{
    *out = NULL;
    if (t->dtype != OX_INT64 && t->dtype != OX_INT32)
        return BAD("a tensor of data type %d where integers were expected", t->dtype);
    int rc = check_room(t, 1);
    if (rc)
        return rc;
    int64_t *v = malloc((size_t)(t->numel ? t->numel : 1) * sizeof *v);
    if (!v)
        return recur__fail(RECUR_E_NOMEM, "out of memory for a tensor");
    uint32_t typed = t->dtype == OX_INT64 ? 7 : 5;
    int width = t->dtype == OX_INT64 ? 8 : 4;
    pb_reader r = recur__pb_reader(t->msg, t->msg_len);
    pb_field f;
    int64_t got = 0;
    int k, raw = 0;
    while ((k = recur__pb_next(&r, &f)) > 0) {
        if (f.field == 9 && f.wire == PB_LEN) {
            if (f.len % (size_t)width || (int64_t)(f.len / (size_t)width) != t->numel) {
                free(v);
                return BAD("a tensor's raw data does not hold its %lld values",
                           (long long)t->numel);
            }
            for (int64_t i = 0; i < t->numel; i++) {
                uint64_t b = 0;
                for (int j = 0; j < width; j++)
                    b |= (uint64_t)f.data[i * width + j] << (8 * j);
                v[i] = width == 8 ? (int64_t)b : (int64_t)(int32_t)(uint32_t)b;
            }
            raw = 1;
            got = t->numel;
        } else if (!raw && f.field == typed && (f.wire == PB_LEN || f.wire == PB_VARINT)) {
            const uint8_t *p = f.data, *end = f.data ? f.data + f.len : NULL;
            uint64_t x = f.v;
            int one = f.wire == PB_VARINT;
            while (one || p < end) {
                if (!one && !recur__pb_varint(&p, end, &x)) {
                    free(v);
                    return BAD("a tensor's integers are malformed");
                }
                if (got >= t->numel) {
                    free(v);
                    return BAD("a tensor holds more values than its shape");
                }
                v[got++] = width == 8 ? (int64_t)x : (int64_t)(int32_t)(uint32_t)x;
                if (one)
                    break;
            }
        }
    }
    if (k < 0 || got != t->numel) {
        free(v);
        return k < 0 ? BAD("a tensor's bytes are malformed")
                     : BAD("a tensor holds %lld values where its shape has %lld",
                           (long long)got, (long long)t->numel);
    }
    *out = v;
    return RECUR_OK;
}

/* ---- attributes ---------------------------------------------------------- */

const ox_attr *recur__ox_attr(const ox_node *n, const char *name)
{
    for (int i = 0; i < n->nattr; i++)
        if (recur__ox_str_eq(n->attr[i].name, name))
            return &n->attr[i];
    return NULL;
}

/* The first field number `field` of the attribute's message. */
static int attr_field(const ox_attr *a, uint32_t field, int wire, pb_field *out)
{
    pb_reader r = recur__pb_reader(a->msg, a->msg_len);
    pb_field f;
    int k;
    while ((k = recur__pb_next(&r, &f)) > 0)
        if (f.field == field && f.wire == wire) {
            *out = f;
            return 1;
        }
    return 0;
}

static int attr_type(const ox_attr *a, int type, const char *what)
{
    if (a->type != type) {
        char name[64];
        return BAD("attribute '%s' is not %s", recur__ox_str_print(a->name, name, sizeof name),
                   what);
    }
    return RECUR_OK;
}

int recur__ox_attr_int(const ox_attr *a, int64_t *v)
{
    pb_field f;
    int rc = attr_type(a, OX_ATTR_INT, "an integer");
    if (rc)
        return rc;
    *v = attr_field(a, 3, PB_VARINT, &f) ? (int64_t)f.v : 0;
    return RECUR_OK;
}

int recur__ox_attr_float(const ox_attr *a, float *v)
{
    pb_field f;
    int rc = attr_type(a, OX_ATTR_FLOAT, "a float");
    if (rc)
        return rc;
    *v = 0;
    if (attr_field(a, 2, PB_I32, &f)) {
        uint32_t b = (uint32_t)f.v;
        memcpy(v, &b, 4);
    }
    return RECUR_OK;
}

int recur__ox_attr_string(const ox_attr *a, ox_str *s)
{
    pb_field f;
    int rc = attr_type(a, OX_ATTR_STRING, "a string");
    if (rc)
        return rc;
    s->p = "";
    s->n = 0;
    if (attr_field(a, 4, PB_LEN, &f))
        *s = str_of(&f);
    return RECUR_OK;
}

int recur__ox_attr_tensor(const ox_attr *a, ox_tensor *t)
{
    pb_field f;
    int rc = attr_type(a, OX_ATTR_TENSOR, "a tensor");
    if (rc)
        return rc;
    if (!attr_field(a, 5, PB_LEN, &f)) {
        char name[64];
        return BAD("attribute '%s' has no tensor",
                   recur__ox_str_print(a->name, name, sizeof name));
    }
    return recur__ox_tensor(f.data, f.len, t);
}

int recur__ox_attr_ints(const ox_attr *a, int64_t *v, int cap, int *n)
{
    int rc = attr_type(a, OX_ATTR_INTS, "a list of integers");
    if (rc)
        return rc;
    *n = 0;
    pb_reader r = recur__pb_reader(a->msg, a->msg_len);
    pb_field f;
    int k;
    while ((k = recur__pb_next(&r, &f)) > 0) {
        if (f.field != 8)
            continue;
        const uint8_t *p = f.data, *end = f.data ? f.data + f.len : NULL;
        uint64_t x = f.v;
        int one = f.wire == PB_VARINT;
        if (!one && f.wire != PB_LEN)
            return BAD("a list attribute is malformed");
        while (one || p < end) {
            if (!one && !recur__pb_varint(&p, end, &x))
                return BAD("a list attribute is malformed");
            if (*n >= cap)
                return BAD("a list attribute has more than %d values", cap);
            v[(*n)++] = (int64_t)x;
            if (one)
                break;
        }
    }
    return k < 0 ? BAD("an attribute is malformed") : RECUR_OK;
}

int recur__ox_attr_strings(const ox_attr *a, ox_str *v, int cap, int *n)
{
    int rc = attr_type(a, OX_ATTR_STRINGS, "a list of strings");
    if (rc)
        return rc;
    *n = 0;
    pb_reader r = recur__pb_reader(a->msg, a->msg_len);
    pb_field f;
    int k;
    while ((k = recur__pb_next(&r, &f)) > 0)
        if (f.field == 9 && f.wire == PB_LEN) {
            if (*n >= cap)
                return BAD("a list attribute has more than %d values", cap);
            v[(*n)++] = str_of(&f);
        }
    return k < 0 ? BAD("an attribute is malformed") : RECUR_OK;
}

/* ---- nodes, value infos, graph, model ------------------------------------ */

static int parse_attr(const pb_field *af, ox_attr *a)
{
    memset(a, 0, sizeof *a);
    a->msg = af->data;
    a->msg_len = af->len;
    pb_reader r = recur__pb_reader(af->data, af->len);
    pb_field f;
    int k;
    while ((k = recur__pb_next(&r, &f)) > 0) {
        if (f.field == 1 && f.wire == PB_LEN)
            a->name = str_of(&f);
        else if (f.field == 20 && f.wire == PB_VARINT)
            a->type = (int)(f.v & 0xFF);
        else if (f.field == 21)
            return BAD("an attribute refers to a function's attribute, which is not "
                       "supported");
    }
    return k < 0 ? BAD("%s: an attribute is malformed", lbl) : RECUR_OK;
}

static int parse_node(const pb_field *nf, ox_node *n)
{
    memset(n, 0, sizeof *n);
    pb_reader r = recur__pb_reader(nf->data, nf->len);
    pb_field f;
    int k;
    while ((k = recur__pb_next(&r, &f)) > 0) {
        if (f.wire != PB_LEN)
            continue;
        if (f.field == 1 || f.field == 2) {
            int *cnt = f.field == 1 ? &n->nin : &n->nout;
            if (*cnt >= OX_MAX_NODE_IO)
                return BAD("%s: a node has more than %d inputs or outputs", lbl,
                           OX_MAX_NODE_IO);
            (f.field == 1 ? n->in : n->out)[(*cnt)++] = str_of(&f);
        } else if (f.field == 3) {
            n->name = str_of(&f);
        } else if (f.field == 4) {
            n->op_type = str_of(&f);
        } else if (f.field == 7) {
            n->domain = str_of(&f);
        } else if (f.field == 5) {
            if (n->nattr >= OX_MAX_ATTRS)
                return BAD("%s: a node has more than %d attributes", lbl, OX_MAX_ATTRS);
            int rc = parse_attr(&f, &n->attr[n->nattr++]);
            if (rc)
                return rc;
        }
    }
    return k < 0 ? BAD("%s: a node is malformed", lbl) : RECUR_OK;
}

static int parse_value_info(const pb_field *vf, ox_value_info *v)
{
    memset(v, 0, sizeof *v);
    v->ndim = -1;
    pb_reader r = recur__pb_reader(vf->data, vf->len);
    pb_field f;
    int k;
    while ((k = recur__pb_next(&r, &f)) > 0) {
        if (f.field == 1 && f.wire == PB_LEN) {
            v->name = str_of(&f);
        } else if (f.field == 2 && f.wire == PB_LEN) { /* TypeProto */
            pb_reader tr = recur__pb_reader(f.data, f.len);
            pb_field tf;
            while ((k = recur__pb_next(&tr, &tf)) > 0) {
                if (tf.field != 1 || tf.wire != PB_LEN)
                    continue; /* not a tensor type: elem_type stays 0 */
                pb_reader er = recur__pb_reader(tf.data, tf.len);
                pb_field ef;
                while ((k = recur__pb_next(&er, &ef)) > 0) {
                    if (ef.field == 1 && ef.wire == PB_VARINT) {
                        v->elem_type = (int)(ef.v & 0xFF);
                    } else if (ef.field == 2 && ef.wire == PB_LEN) {
                        pb_reader sr = recur__pb_reader(ef.data, ef.len);
                        pb_field sf;
                        v->ndim = 0;
                        while ((k = recur__pb_next(&sr, &sf)) > 0) {
                            if (sf.field != 1 || sf.wire != PB_LEN)
                                continue;
                            if (v->ndim >= OX_MAX_DIMS) {
                                k = -1;
                                break;
                            }
                            /* Dimension: dim_value (1) or dim_param (2). */
                            int64_t d = -1;
                            pb_reader dr = recur__pb_reader(sf.data, sf.len);
                            pb_field df;
                            while ((k = recur__pb_next(&dr, &df)) > 0)
                                if (df.field == 1 && df.wire == PB_VARINT)
                                    d = (int64_t)df.v;
                            if (k < 0)
                                break;
                            v->dims[v->ndim++] = d;
                        }
                        if (k < 0)
                            break;
                    }
                }
                if (k < 0)
                    break;
            }
            if (k < 0)
                break;
        }
    }
    return k < 0 ? BAD("%s: an input or output description is malformed", lbl) : RECUR_OK;
}

/* Count the graph's repeated fields, then allocate and fill them. */
static int parse_graph(const uint8_t *g, size_t len, ox_model *m)
{
    pb_reader r = recur__pb_reader(g, len);
    pb_field f;
    int k;
    long counts[16] = {0};
    while ((k = recur__pb_next(&r, &f)) > 0)
        if (f.field < 16 && f.wire == PB_LEN)
            counts[f.field]++;
    if (k < 0)
        return BAD("%s: the graph is malformed", lbl);
    if (counts[1] > OX_MAX_NODES || counts[5] > OX_MAX_NODES || counts[11] > OX_MAX_NODES ||
        counts[12] > OX_MAX_NODES)
        return recur__fail(RECUR_E_LIMIT, "%s: the graph has more than %d nodes, "
                          "initializers, inputs or outputs", lbl, OX_MAX_NODES);
    if (counts[15])
        return BAD("%s: the graph has sparse initializers, which are not supported", lbl);
    m->nodes = calloc((size_t)counts[1] + 1, sizeof *m->nodes);
    m->init = calloc((size_t)counts[5] + 1, sizeof *m->init);
    m->inputs = calloc((size_t)counts[11] + 1, sizeof *m->inputs);
    m->outputs = calloc((size_t)counts[12] + 1, sizeof *m->outputs);
    if (!m->nodes || !m->init || !m->inputs || !m->outputs)
        return recur__fail(RECUR_E_NOMEM, "%s: out of memory for the graph", lbl);
    r = recur__pb_reader(g, len);
    int rc = RECUR_OK;
    while (!rc && recur__pb_next(&r, &f) > 0) {
        if (f.wire != PB_LEN)
            continue;
        if (f.field == 1)
            rc = parse_node(&f, &m->nodes[m->nnodes++]);
        else if (f.field == 5)
            rc = recur__ox_tensor(f.data, f.len, &m->init[m->ninit++]);
        else if (f.field == 11)
            rc = parse_value_info(&f, &m->inputs[m->ninputs++]);
        else if (f.field == 12)
            rc = parse_value_info(&f, &m->outputs[m->noutputs++]);
    }
    if (rc == RECUR_E_FORMAT && strncmp(recur_last_error(), lbl, strlen(lbl)) != 0)
        rc = BAD("%s: %s", lbl, recur_last_error());
    return rc;
}

static int parse_opset(const pb_field *of, ox_model *m)
{
    pb_reader r = recur__pb_reader(of->data, of->len);
    pb_field f;
    int k;
    ox_str domain = {"", 0};
    int64_t version = 0;
    while ((k = recur__pb_next(&r, &f)) > 0) {
        if (f.field == 1 && f.wire == PB_LEN)
            domain = str_of(&f);
        else if (f.field == 2 && f.wire == PB_VARINT)
            version = (int64_t)f.v;
    }
    if (k < 0)
        return BAD("%s: an opset_import is malformed", lbl);
    if (domain.n == 0 || recur__ox_str_eq(domain, "ai.onnx"))
        m->opset = version;
    return RECUR_OK;
}

void recur__ox_free(ox_model *m)
{
    free(m->nodes);
    free(m->init);
    free(m->inputs);
    free(m->outputs);
    memset(m, 0, sizeof *m);
}

int recur__ox_parse(const uint8_t *bytes, size_t len, const char *label, ox_model *m)
{
    memset(m, 0, sizeof *m);
    lbl = label;
    if (len > OX_MAX_FILE_BYTES)
        return recur__fail(RECUR_E_LIMIT, "%s: larger than ONNX's 2 GiB limit", label);
    pb_reader r = recur__pb_reader(bytes, len);
    pb_field f, graph = {0};
    int k, ngraph = 0, rc = RECUR_OK;
    while ((k = recur__pb_next(&r, &f)) > 0) {
        if (f.field == 1 && f.wire == PB_VARINT) {
            m->ir_version = (int64_t)f.v;
        } else if (f.field == 7 && f.wire == PB_LEN) {
            graph = f;
            ngraph++;
        } else if (f.field == 8 && f.wire == PB_LEN) {
            if ((rc = parse_opset(&f, m)))
                break;
        } else if (f.field == 14 && f.wire == PB_LEN && m->nmeta < OX_MAX_META) {
            pb_reader er = recur__pb_reader(f.data, f.len);
            pb_field ef;
            ox_str key = {"", 0}, val = {"", 0};
            while ((k = recur__pb_next(&er, &ef)) > 0)
                if (ef.wire == PB_LEN && (ef.field == 1 || ef.field == 2))
                    *(ef.field == 1 ? &key : &val) = str_of(&ef);
            if (k < 0)
                break;
            m->meta_key[m->nmeta] = key;
            m->meta_val[m->nmeta++] = val;
        } else if (f.field == 25) {
            rc = BAD("%s: the model defines functions, which recur does not import", label);
            break;
        }
    }
    if (!rc && k < 0)
        rc = BAD("%s: not an ONNX model (the protobuf bytes are malformed)", label);
    if (!rc && ngraph != 1)
        rc = BAD("%s: not an ONNX model (%s)", label, ngraph ? "more than one graph"
                                                             : "no graph");
    if (!rc && m->ir_version < 3)
        rc = BAD("%s: not an ONNX model (IR version %lld)", label, (long long)m->ir_version);
    if (!rc)
        rc = parse_graph(graph.data, graph.len, m);
    if (rc)
        recur__ox_free(m);
    return rc;
}
