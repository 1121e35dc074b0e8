/* model_io.c - a model is one safetensors file: PyTorch-named tensors, and
 * the architecture, vocabulary and training settings in __metadata__. Plain
 * files without that metadata are read through model_infer.c. */
#include "nn/model_io.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/utf8.h"

static const char *const input_names[] = {"onehot", "embedding", "dense"};
static const char *const loss_names[] = {"xent", "mse"};

/* Metadata keys that describe the architecture (not copied as free meta). */
static const char *const arch_keys[] = {
    "format", "recur.version", "cell", "input", "input_size", "embed_dim",
    "hidden", "layers", "bidirectional", "dropout", "output_size", "loss", "readout",
    "vocab", "proj", "reverse"};

static int is_arch_key(const char *k)
{
    for (size_t i = 0; i < sizeof arch_keys / sizeof *arch_keys; i++)
        if (strcmp(k, arch_keys[i]) == 0)
            return 1;
    return 0;
}

int recur__parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    if (!s || !*s)
        return RECUR_E_FORMAT;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return RECUR_E_FORMAT;
    *out = v;
    return RECUR_OK;
}

/* Numbers in metadata always use '.', whatever LC_NUMERIC the host
 * application set: strtod and printf follow the locale's decimal point, so
 * it is swapped in before parsing and out after formatting. */
int recur__parse_double(const char *s, double *out)
{
    char buf[64], *end;
    if (!s || !*s || strlen(s) >= sizeof buf - 8)
        return RECUR_E_FORMAT;
    const char *point = localeconv()->decimal_point;
    if (!point || !*point)
        point = ".";
    size_t o = 0, plen = strlen(point);
    for (const char *c = s; *c && o + plen < sizeof buf; c++) {
        if (*c == '.') {
            memcpy(buf + o, point, plen);
            o += plen;
        } else {
            buf[o++] = *c;
        }
    }
    buf[o] = 0;
    errno = 0;
    double v = strtod(buf, &end);
    if (errno || *end || !isfinite(v))
        return RECUR_E_FORMAT;
    *out = v;
    return RECUR_OK;
}

/* prefix + key in buf (model files use no prefix; a sequence-to-sequence
 * file holds two models under "encoder." and "decoder."). */
static const char *pkey(const char *prefix, const char *key, char *buf, size_t size)
{
    snprintf(buf, size, "%s%s", prefix, key);
    return buf;
}

typedef struct {
    st_writer *w;
    const char *prefix;
} pwriter;

static int put_meta(pwriter *p, const char *key, const char *value)
{
    char k[256];
    return recur__st_writer_meta(p->w, pkey(p->prefix, key, k, sizeof k), value);
}

static int add_meta_long(pwriter *w, const char *key, long v)
{
    char buf[ST_META_NUM];
    return put_meta(w, key, recur__st_meta_int(buf, v));
}

int recur__model_to_writer(const recur_model *m, st_writer *w)
{
    return recur__model_to_writer_prefixed(m, w, "");
}

int recur__model_to_writer_prefixed(const recur_model *m, st_writer *sw, const char *prefix)
{
    const recur_config *c = &m->cfg;
    char buf[ST_META_NUM];
    pwriter pw = {sw, prefix}, *w = &pw;
    int rc = put_meta(w, "format", "recur");
    if (!rc) rc = put_meta(w, "recur.version", RECUR_VERSION_STRING);
    if (!rc) rc = put_meta(w, "cell", recur_cell_name(c->cell));
    if (!rc) rc = put_meta(w, "input", input_names[c->input]);
    if (!rc) rc = add_meta_long(w, "input_size", c->input_size);
    if (!rc) rc = add_meta_long(w, "embed_dim", c->embed_dim);
    if (!rc) rc = add_meta_long(w, "hidden", c->hidden);
    if (!rc) rc = add_meta_long(w, "layers", c->layers);
    if (!rc) rc = add_meta_long(w, "bidirectional", c->bidirectional);
    if (!rc) rc = put_meta(w, "dropout", recur__st_meta_real(buf, (double)c->dropout));
    if (!rc) rc = add_meta_long(w, "output_size", c->output_size);
    if (!rc) rc = put_meta(w, "loss", loss_names[c->loss]);
    if (!rc) rc = put_meta(w, "readout", recur_readout_name(c->readout));
    if (!rc && c->proj) /* absent: none (files before projections had none) */
        rc = add_meta_long(w, "proj", c->proj);
    if (!rc && c->reverse) /* absent: forward (files before reverse models) */
        rc = add_meta_long(w, "reverse", c->reverse);
    if (!rc && m->nvocab > 0) {
        char *v = malloc((size_t)m->nvocab * 4 + 1);
        if (!v)
            return recur__fail(RECUR_E_NOMEM, "out of memory");
        size_t len = 0;
        for (int i = 0; i < m->nvocab; i++)
            len += (size_t)recur_utf8_encode(m->vocab[i], v + len);
        v[len] = 0;
        rc = put_meta(w, "vocab", v);
        free(v);
    }
    for (int i = 0; !rc && i < m->nmeta; i++)
        if (!is_arch_key(m->meta_key[i]))
            rc = put_meta(w, m->meta_key[i], m->meta_val[i]);
    for (int i = 0; !rc && i < m->ntensors; i++) {
        const param_tensor *t = &m->tensors[i];
        char name[256];
        rc = recur__st_writer_add(sw, pkey(prefix, t->name, name, sizeof name), t->ndim,
                           t->shape, t->p);
    }
    return rc;
}

/* ---- reading -------------------------------------------------------------- */

static const char *pmeta(const st_file *f, const char *prefix, const char *key)
{
    char k[256];
    return recur__st_meta(f, pkey(prefix, key, k, sizeof k));
}

static int meta_long(const st_file *f, const char *label, const char *prefix,
                     const char *key, long lo, long hi, long *out)
{
    const char *s = pmeta(f, prefix, key);
    if (!s)
        return recur__fail(RECUR_E_FORMAT, "%s: metadata '%s%s' is missing (is this "
                          "a recur model?)",
                          label, prefix, key);
    if (recur__parse_long(s, lo, hi, out))
        return recur__fail(RECUR_E_FORMAT, "%s: metadata '%s%s' = \"%.40s\" is not an "
                          "integer in %ld..%ld", label, prefix, key, s, lo, hi);
    return RECUR_OK;
}

static int meta_choice(const st_file *f, const char *label, const char *prefix,
                       const char *key, const char *const *names, int n, int *out)
{
    const char *s = pmeta(f, prefix, key);
    if (!s)
        return recur__fail(RECUR_E_FORMAT, "%s: metadata '%s%s' is missing (is this "
                          "a recur model?)", label, prefix, key);
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = i;
            return RECUR_OK;
        }
    return recur__fail(RECUR_E_FORMAT, "%s: metadata '%s%s' = \"%.40s\" is not "
                      "recognised", label, prefix, key, s);
}

static int read_config(const st_file *f, const char *label, const char *prefix,
                       recur_config *c)
{
    static const char *const cells[] = {"rnn_tanh", "rnn_relu", "lstm", "gru"};
    static const char *const readout_names[] = {"sequence", "last", "mean"};
    int kind = 0, input = 0, loss = 0, readout = 0;
    long in = 0, emb = 0, hid = 0, lay = 0, bi = 0, out = 0, proj = 0, rev = 0;
    double drop = 0;
    int rc = meta_choice(f, label, prefix, "cell", cells, 4, &kind);
    if (!rc) rc = meta_choice(f, label, prefix, "input", input_names, 3, &input);
    if (!rc) rc = meta_long(f, label, prefix, "input_size", 1, RECUR_MAX_WIDTH, &in);
    if (!rc && input == RECUR_INPUT_EMBEDDING)
        rc = meta_long(f, label, prefix, "embed_dim", 1, RECUR_MAX_WIDTH, &emb);
    if (!rc) rc = meta_long(f, label, prefix, "hidden", 1, RECUR_MAX_WIDTH, &hid);
    if (!rc) rc = meta_long(f, label, prefix, "layers", 1, 1000, &lay);
    if (!rc) rc = meta_long(f, label, prefix, "bidirectional", 0, 1, &bi);
    if (!rc) rc = meta_long(f, label, prefix, "output_size", 0, RECUR_MAX_WIDTH, &out);
    if (!rc) rc = meta_choice(f, label, prefix, "loss", loss_names, 2, &loss);
    if (!rc && pmeta(f, prefix, "proj")) /* absent in older files: none */
        rc = meta_long(f, label, prefix, "proj", 0, RECUR_MAX_WIDTH, &proj);
    if (!rc && pmeta(f, prefix, "reverse")) /* absent in older files: forward */
        rc = meta_long(f, label, prefix, "reverse", 0, 1, &rev);
    if (!rc && pmeta(f, prefix, "readout")) /* absent in older files: SEQUENCE */
        rc = meta_choice(f, label, prefix, "readout", readout_names, 3, &readout);
    if (!rc && pmeta(f, prefix, "dropout") &&
        (recur__parse_double(pmeta(f, prefix, "dropout"), &drop) || drop < 0 || drop >= 1))
        rc = recur__fail(RECUR_E_FORMAT, "%s: metadata '%sdropout' is not a number "
                                        "in [0, 1)", label, prefix);
    if (rc)
        return rc;
    memset(c, 0, sizeof *c);
    c->cell = (recur_cell)kind;
    c->input = (recur_input)input;
    c->input_size = (int)in;
    c->embed_dim = (int)emb;
    c->hidden = (int)hid;
    c->layers = (int)lay;
    c->bidirectional = (int)bi;
    c->dropout = (float)drop;
    c->output_size = (int)out;
    c->loss = (recur_loss)loss;
    c->readout = (recur_readout)readout;
    c->proj = (int)proj;
    c->reverse = (int)rev;
    return RECUR_OK;
}

/* Decode the vocabulary string into code points. */
static int read_vocab(const st_file *f, const char *label, const char *prefix,
                      recur_model *m)
{
    const char *s = pmeta(f, prefix, "vocab");
    if (!s) /* dense input, or a token model exported without characters */
        return RECUR_OK;
    size_t len = strlen(s);
    uint32_t *cps = malloc((len + 1) * sizeof *cps);
    if (!cps)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    int n = 0;
    for (size_t i = 0; i < len;) {
        int k = recur__utf8_decode((const unsigned char *)s + i, len - i, &cps[n]);
        if (!k) {
            free(cps);
            return recur__fail(RECUR_E_FORMAT, "%s: the vocabulary is not UTF-8", label);
        }
        n++;
        i += (size_t)k;
    }
    int rc = recur_model_set_vocab(m, cps, n);
    free(cps);
    if (rc)
        return recur__fail(rc, "%s: vocabulary: %s", label, recur_last_error());
    return RECUR_OK;
}

/* A file that describes itself as recur's (its architecture in metadata). */
static int has_recur_metadata(const st_file *f)
{
    const char *fmt = recur__st_meta(f, "format");
    return (fmt && strcmp(fmt, "recur") == 0) || recur__st_meta(f, "input") != NULL;
}

/* Whether the file tensor `name` is one the model reads through tm. */
static int mapped(const recur_model *m, const tensor_map *tm, const char *name)
{
    char buf[TENSOR_MAP_NAME_CAP];
    for (int i = 0; i < m->ntensors; i++)
        if (recur__tensor_map_name(tm, m->tensors[i].name, buf, sizeof buf) &&
            strcmp(buf, name) == 0)
            return 1;
    return 0;
}

int recur__model_from_file(const st_file *f, const char *label, recur_model **out)
{
    return recur__model_from_file_prefixed(f, label, "", out);
}

int recur__model_from_file_prefixed(const st_file *f, const char *label, const char *prefix,
                             recur_model **out)
{
    *out = NULL;
    recur_config c;
    tensor_map tm;
    size_t np = strlen(prefix);
    /* A file holding several models (a prefix) is always recur's own. */
    int recur_file = np > 0 || has_recur_metadata(f);
    const char *fmt = recur__st_meta(f, "format");
    if (!np && fmt && strcmp(fmt, "recur-seq2seq") == 0)
        return recur__fail(RECUR_E_FORMAT, "%s: a sequence-to-sequence model (two "
                          "models in one file): use recur_seq2seq_load / recur "
                          "seq2seq", label);
    int rc;
    if (recur_file) {
        recur__tensor_map_recur_prefixed(&tm, prefix);
        rc = read_config(f, label, prefix, &c);
    } else {
        rc = recur__model_infer_plain(f, label, &c, &tm);
    }
    if (rc)
        return rc;
    /* Every tensor the configuration implies must be in the file with its
     * shape before anything is allocated: the metadata alone could ask for
     * gigabytes. */
    char name[TENSOR_MAP_NAME_CAP];
    recur_model *plan = calloc(1, sizeof *plan), *m = NULL;
    if (!plan)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    rc = recur__model_plan(&c, plan);
    if (rc)
        rc = recur__fail(rc, "%s: %s", label, recur_last_error());
    for (int i = 0; !rc && i < plan->ntensors; i++)
        if (recur__tensor_map_name(&tm, plan->tensors[i].name, name, sizeof name))
            rc = recur__st_expect(f, name, plan->tensors[i].ndim, plan->tensors[i].shape,
                           NULL);
    free(plan);
    if (rc)
        return rc;
    if ((rc = recur__model_alloc(&c, &m)))
        return recur__fail(rc, "%s: %s", label, recur_last_error());
    for (int i = 0; !rc && i < m->ntensors; i++) {
        param_tensor *t = &m->tensors[i];
        const st_tensor *st;
        if (!recur__tensor_map_name(&tm, t->name, name, sizeof name))
            continue; /* a bias the module did not have: zeros */
        rc = recur__st_expect(f, name, t->ndim, t->shape, &st);
        if (!rc)
            rc = recur__st_read_real(st, t->p, t->n);
        for (long j = 0; !rc && j < t->n; j++)
            if (!isfinite(t->p[j]))
                rc = recur__fail(RECUR_E_FORMAT, "%s: tensor '%s' holds NaN or "
                                "infinite values", label, name);
    }
    /* With a prefix, only the tensors under it belong to this model. */
    for (size_t i = 0; !rc && i < recur__st_count(f); i++) {
        const char *full = recur__st_at(f, i)->name;
        if (strncmp(full, prefix, np))
            continue;
        const char *tn = full + np;
        if (recur_file && (!strncmp(tn, "optim.", 6) || !strncmp(tn, "train.", 6)))
            continue;
        if (!mapped(m, &tm, full))
            rc = recur__fail(RECUR_E_MISMATCH, "%s: unexpected tensor '%s' for a "
                            "%s model with %d layer(s)%s", label, full,
                            recur_cell_name(c.cell), c.layers,
                            c.bidirectional ? ", bidirectional" : c.reverse ? ", reverse" : "");
    }
    if (!rc)
        rc = read_vocab(f, label, prefix, m);
    for (size_t i = 0; !rc && i < recur__st_meta_count(f); i++) {
        const char *k = recur__st_meta_key_at(f, i);
        if (strncmp(k, prefix, np) == 0 && !is_arch_key(k + np))
            rc = recur__model_set_meta(m, k + np, recur__st_meta_value_at(f, i));
    }
    if (rc) {
        recur_model_free(m);
        return rc;
    }
    *out = m;
    return RECUR_OK;
}

/* Whether a file's first bytes (n of them, up to 16) are an ONNX model's
 * rather than safetensors'. A safetensors file starts with its JSON header's
 * length as a little-endian uint64 (whose top three bytes are zero for any
 * header under 1 TB) and the header's '{' at byte 8. An ONNX ModelProto
 * starts with the tag of its field 1, ir_version (0x08: the ONNX spec
 * requires the field and protobuf writers emit fields in number order),
 * a small varint, and the tag of a later field (2..8: producer, domain,
 * version, doc, graph, opset; 14: metadata). */
static int starts_like_onnx(const unsigned char *p, size_t n)
{
    if (n < 16 || (p[8] == '{' && !p[5] && !p[6] && !p[7]))
        return 0;
    int next = p[2] >> 3, wire = p[2] & 7;
    return p[0] == 0x08 && p[1] >= 1 && p[1] < 0x80 &&
           ((next >= 2 && next <= 8) || next == 14) && (wire == 0 || wire == 2);
}

/* The first bytes of path into head[16]; how many (0 if unreadable: the
 * safetensors reader then reports why). */
static size_t peek(const char *path, unsigned char head[16])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(head, 1, 16, f);
    fclose(f);
    return n;
}

int recur_model_load(const char *path, recur_model **out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "no output pointer");
    *out = NULL;
    unsigned char head[16];
    if (path && starts_like_onnx(head, peek(path, head)))
        return recur_onnx_import(path, out);
    st_file *f = NULL;
    int rc = recur__st_read(path, &f);
    if (rc)
        return rc;
    rc = recur__model_from_file(f, path, out);
    recur__st_free(f);
    return rc;
}

int recur__model_load_memory(const unsigned char *bytes, size_t len, const char *label,
                      recur_model **out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "no output pointer");
    *out = NULL;
    if (!label)
        label = "<memory>";
    if (bytes && starts_like_onnx(bytes, len < 16 ? len : 16))
        return recur_onnx_import_memory(bytes, len, label, out);
    st_file *f = NULL;
    int rc = recur__st_parse(bytes, len, label, &f);
    if (rc)
        return rc;
    rc = recur__model_from_file(f, label, out);
    recur__st_free(f);
    return rc;
}

int recur_model_save(const recur_model *m, const char *path)
{
    RECUR_NEED(m);
    RECUR_NEED(path);
    /* A model that could not be loaded back is never written. */
    int rc0 = recur__model_check_finite(m, path);
    if (rc0)
        return rc0;
    st_writer *w = recur__st_writer_new();
    if (!w)
        return RECUR_E_NOMEM;
    int rc = recur__model_to_writer(m, w);
    if (!rc)
        rc = recur__st_writer_save(w, path);
    recur__st_writer_free(w);
    return rc;
}
