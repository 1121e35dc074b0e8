/* test_onnx.c - ONNX in and out.
 *   - PyTorch models exported by torch.onnx.export (tests/onnx/NAME.onnx, from
 *     tools/gen_onnx_reference.py: every cell, 1-3 layers, bidirectional,
 *     embedding or dense input, batch-first, with and without a Linear,
 *     sequence / last-step / final-state / mean readouts, bare modules, weights
 *     in typed fields and Constant nodes, opsets 9, 10 and 14) import and give
 *     PyTorch's outputs: max |recur - torch| <= 1e-5 * max |torch|;
 *   - direction="reverse" graphs (edited exports and graphs built with
 *     onnx.helper) give PyTorch's outputs on time-flipped input, or the
 *     numpy ONNX interpreter's, to the same limit;
 *   - the graphs recur must refuse (tests/onnx/refusals.txt) are refused in
 *     one line naming the problem;
 *   - export then import is the identity: configuration, every tensor bit
 *     for bit, vocabulary and loss, for every cell, input kind, readout,
 *     direction (forward, bidirectional, reverse), 1-3 layers, with and
 *     without a dense layer;
 *   - hostile bytes: every truncation and thousands of mutations of an
 *     exported model are refused with a message or give a model that runs;
 *   - recur_model_load (and its in-memory form) read ONNX files as the
 *     importer does, and safetensors files as before, even one whose first
 *     bytes begin as an ONNX file's do.
 */
#include <unistd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/safetensors.h"
#include "recur.h"
#include "testlib.h"

/* nn/model_io.h's in-memory recur_model_load (that header's own names would
 * shadow this file's). */
int recur__model_load_memory(const unsigned char *bytes, size_t len, const char *label,
                             recur_model **out);

#ifndef ONNX_DIR
#define ONNX_DIR "tests/onnx"
#endif
#define TOL 1e-5

static const char *const torch_cases[] = {
    "lstm_emb_l1_fc", "lstm_emb_bi_l2_fc", "lstm_dense_l3", "lstm_dense_bi_l1_fc_bf",
    "lstm_emb_l2_last_fc", "lstm_emb_bi_l1_mean_fc", "gru_dense_l1_fc", "gru_emb_bi_l3",
    "gru_dense_bi_l2_fc", "gru_dense_bi_l1_final_fc", "gru_emb_l1_final",
    "rnn_tanh_dense_l1_fc_bf", "rnn_tanh_dense_bi_l1", "rnn_relu_emb_l2_fc",
    "rnn_relu_dense_bi_l3_mean_fc", "lstm_bare_bi_l2", "gru_bare_l3",
    "lstm_emb_bi_l2_fc_typed", "gru_dense_bi_l1_final_fc_typed", "lstm_emb_bi_l2_fc_opset9",
    "gru_dense_l2_last_fc_bf_opset10", "gru_dense_l1_hn_last_fc", "lstm_emb_l2_hn_last_fc",
    "rnn_tanh_dense_l3_hn_last_fc_bf",
};

/* direction="reverse" graphs: PyTorch exports edited to reverse, whose "y"
 * is PyTorch's on the time-flipped input (flipped back), and graphs built
 * with onnx.helper as tf2onnx lays out Keras's go_backwards layers, whose
 * "y" is the numpy ONNX interpreter's (tests/onnx_numpy_runtime.py; the
 * generator checks it against PyTorch on the edited exports). */
static const char *const reverse_cases[] = {
    "rnn_tanh_dense_rev_l1_fc", "rnn_relu_emb_rev_l2", "lstm_emb_rev_l2_fc",
    "lstm_dense_rev_l1_final_fc", "gru_dense_rev_l2_mean_fc", "gru_emb_rev_l1_final",
    "gru_rev_l2_last_helper", "lstm_rev_l1_fc_helper", "rnn_rev_l2_last_helper",
};

static float *tensor(const st_file *f, const char *name, const st_tensor **t)
{
    *t = recur__st_find(f, name);
    CHECK_MSG(*t != NULL, "reference tensor '%s' missing", name);
    if (!*t)
        return NULL;
    float *v = malloc((size_t)(*t)->numel * sizeof *v);
    CHECK(recur__st_read_real(*t, v, (*t)->numel) == RECUR_OK);
    return v;
}

/* One PyTorch case: import, run recur_forward on the reference input, compare. */
static double run_case(const char *name)
{
    char path[256], ref[256];
    snprintf(path, sizeof path, "%s/%s.onnx", ONNX_DIR, name);
    snprintf(ref, sizeof ref, "%s/%s.ref.safetensors", ONNX_DIR, name);
    recur_model *m = NULL;
    st_file *f = NULL;
    int rc = recur_onnx_import(path, &m);
    CHECK_MSG(rc == RECUR_OK, "%s: %s", path, recur_last_error());
    CHECK(recur__st_read(ref, &f) == RECUR_OK);
    if (!m || !f) {
        recur_model_free(m);
        recur__st_free(f);
        return 1;
    }
    const recur_config *c = recur_model_get_config(m);
    int bf = strcmp(recur__st_meta(f, "batch_first"), "1") == 0;
    int tokens = strcmp(recur__st_meta(f, "input"), "tokens") == 0;
    const st_tensor *tx, *ty;
    float *x = tensor(f, "x", &tx), *want = tensor(f, "y", &ty);
    int T = (int)tx->shape[bf ? 1 : 0], B = (int)tx->shape[bf ? 0 : 1];
    int feat = tokens ? 1 : (int)tx->shape[2];
    CHECK(tokens == (c->input != RECUR_INPUT_DENSE));
    /* To recur's time-major layout. */
    float *xt = malloc((size_t)T * B * feat * sizeof *xt);
    int32_t *tok = malloc((size_t)T * B * sizeof *tok);
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++)
            for (int k = 0; k < feat; k++) {
                size_t src = ((size_t)(bf ? b * T + t : t * B + b)) * feat + k;
                xt[((size_t)t * B + b) * feat + k] = x[src];
                if (tokens)
                    tok[t * B + b] = (int32_t)x[src];
            }
    int seq = c->readout == RECUR_READOUT_SEQUENCE;
    long O = (long)ty->shape[ty->ndim - 1];
    long n = (long)ty->numel;
    CHECK(n == (seq ? (long)T * B * O : (long)B * O));
    float *y = malloc((size_t)n * sizeof *y);
    rc = recur_forward(m, T, B, tok, xt, y);
    CHECK_MSG(rc == RECUR_OK, "%s: forward: %s", name, recur_last_error());
    double maxref = 0, maxdiff = 0;
    for (long i = 0; i < n; i++) {
        long src = i;
        if (bf && seq) { /* torch's [B][T][O] */
            long t = i / (B * O), b = (i / O) % B, o = i % O;
            src = (b * T + t) * O + o;
        }
        double d = fabs((double)y[i] - (double)want[src]);
        maxdiff = d > maxdiff ? d : maxdiff;
        maxref = fabs((double)want[src]) > maxref ? fabs((double)want[src]) : maxref;
    }
    double rel = maxdiff / (maxref > 1e-12 ? maxref : 1e-12);
    CHECK_MSG(rel <= TOL, "%s: max diff %.3g, max |torch| %.3g, relative %.3g", name,
              maxdiff, maxref, rel);
    free(x);
    free(want);
    free(xt);
    free(tok);
    free(y);
    recur_model_free(m);
    recur__st_free(f);
    return rel;
}

static void pytorch_exports_match(void)
{
    double worst = 0;
    for (size_t i = 0; i < sizeof torch_cases / sizeof *torch_cases; i++) {
        double r = run_case(torch_cases[i]);
        worst = r > worst ? r : worst;
    }
    fprintf(stderr, "  %zu PyTorch exports: worst relative difference %.2g (limit %g)\n",
            sizeof torch_cases / sizeof *torch_cases, worst, TOL);
}

static void reverse_graphs_match(void)
{
    double worst = 0;
    for (size_t i = 0; i < sizeof reverse_cases / sizeof *reverse_cases; i++) {
        double r = run_case(reverse_cases[i]);
        worst = r > worst ? r : worst;
    }
    fprintf(stderr, "  %zu direction=reverse graphs: worst relative difference %.2g "
            "(limit %g)\n", sizeof reverse_cases / sizeof *reverse_cases, worst, TOL);
}

static int one_line(const char *s) { return *s && !strchr(s, '\n'); }

static void refusals_name_the_problem(void)
{
    char list[256], line[512];
    snprintf(list, sizeof list, "%s/refusals.txt", ONNX_DIR);
    FILE *fp = fopen(list, "r");
    CHECK(fp != NULL);
    int n = 0;
    while (fp && fgets(line, sizeof line, fp)) {
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = 0;
        char *words = tab + 1;
        words[strcspn(words, "\n")] = 0;
        char path[800];
        snprintf(path, sizeof path, "%s/%s", ONNX_DIR, line);
        recur_model *m = NULL;
        int rc = recur_onnx_import(path, &m);
        CHECK_MSG(rc == RECUR_E_FORMAT && !m, "%s: not refused (%d)", line, rc);
        const char *msg = recur_last_error();
        CHECK_MSG(strstr(msg, words) && one_line(msg), "%s: message '%s' lacks '%s'", line,
                  msg, words);
        recur_model_free(m);
        n++;
    }
    if (fp)
        fclose(fp);
    CHECK(n >= 6);
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005u + 1442695040888963407u;
    return *s >> 33;
}

/* A random model of the configuration, with a vocabulary for token input. */
/* bi: 0 forward, 1 bidirectional, 2 reverse. */
static recur_model *make_model(recur_cell cell, recur_input in, int layers, int bi,
                               recur_readout ro, int out, uint64_t seed)
{
    recur_config c;
    recur_config_default(&c);
    c.cell = cell;
    c.input = in;
    c.input_size = in == RECUR_INPUT_DENSE ? 3 : 6;
    c.embed_dim = 4;
    c.hidden = 5;
    c.layers = layers;
    c.bidirectional = bi == 1;
    c.reverse = bi == 2;
    c.output_size = out;
    c.readout = ro;
    c.loss = out && in != RECUR_INPUT_DENSE ? RECUR_LOSS_XENT : RECUR_LOSS_MSE;
    recur_model *m = NULL;
    CHECK(recur_model_create(&c, seed, &m) == RECUR_OK);
    if (m && in != RECUR_INPUT_DENSE) {
        uint32_t v[6] = {'a', 'b', 0xE9, 0x3B1, 0x4E2D, 0x1F600};
        CHECK(recur_model_set_vocab(m, v, 6) == RECUR_OK);
    }
    return m;
}

static void same_model(const recur_model *a, const recur_model *b, const char *what)
{
    const recur_config *x = recur_model_get_config(a), *y = recur_model_get_config(b);
    CHECK_MSG(x->cell == y->cell && x->input == y->input && x->input_size == y->input_size &&
                  (x->input != RECUR_INPUT_EMBEDDING || x->embed_dim == y->embed_dim) &&
                  x->hidden == y->hidden && x->layers == y->layers &&
                  x->bidirectional == y->bidirectional && x->reverse == y->reverse &&
                  x->output_size == y->output_size &&
                  x->readout == y->readout && x->loss == y->loss,
              "%s: configuration differs", what);
    CHECK(recur_model_tensor_count(a) == recur_model_tensor_count(b));
    for (int i = 0; i < recur_model_tensor_count(a); i++) {
        int nd;
        int64_t sh[2];
        const char *name = recur_model_tensor_at(a, i, &nd, sh);
        long n = (long)(nd == 2 ? sh[0] * sh[1] : sh[0]);
        float *p = malloc((size_t)n * sizeof *p), *q = malloc((size_t)n * sizeof *q);
        CHECK(recur_model_get_tensor(a, name, p, n) == RECUR_OK);
        CHECK_MSG(recur_model_get_tensor(b, name, q, n) == RECUR_OK, "%s: %s missing", what,
                  name);
        CHECK_MSG(memcmp(p, q, (size_t)n * sizeof *p) == 0, "%s: %s differs", what, name);
        free(p);
        free(q);
    }
    int na, nb;
    const uint32_t *va = recur_model_get_vocab(a, &na), *vb = recur_model_get_vocab(b, &nb);
    CHECK_MSG(na == nb && (!na || memcmp(va, vb, (size_t)na * sizeof *va) == 0),
              "%s: vocabulary differs", what);
}

static void export_import_is_identity(void)
{
    int n = 0;
    uint64_t seed = 1;
    for (int cell = RECUR_RNN_TANH; cell <= RECUR_GRU; cell++)
        for (int in = RECUR_INPUT_ONEHOT; in <= RECUR_INPUT_DENSE; in++)
            for (int ro = RECUR_READOUT_SEQUENCE; ro <= RECUR_READOUT_MEAN; ro++)
                for (int bi = 0; bi <= 2; bi++)
                    for (int out = 0; out <= 4; out += 4) {
                        int layers = 1 + (int)(seed % 3);
                        recur_model *m = make_model(cell, in, layers, bi, ro, out, seed++);
                        unsigned char *bytes = NULL;
                        size_t len = 0;
                        recur_model *back = NULL;
                        char what[96];
                        snprintf(what, sizeof what, "%s input %d readout %s bi %d out %d L %d",
                                 recur_cell_name(cell), in, recur_readout_name(ro), bi, out,
                                 layers);
                        CHECK(m && recur_onnx_export_memory(m, &bytes, &len) == RECUR_OK);
                        int rc = recur_onnx_import_memory(bytes, len, what, &back);
                        CHECK_MSG(rc == RECUR_OK, "%s: %s", what, recur_last_error());
                        if (m && back)
                            same_model(m, back, what);
                        free(bytes);
                        recur_model_free(m);
                        recur_model_free(back);
                        n++;
                    }
    fprintf(stderr, "  %d configurations exported and imported back\n", n);
}

/* Import must refuse with one line, or give a model that runs. */
static void try_bytes(const unsigned char *p, size_t len)
{
    recur_model *m = NULL;
    int rc = recur_onnx_import_memory(p, len, "mutant", &m);
    if (rc) {
        CHECK(m == NULL);
        CHECK_MSG(one_line(recur_last_error()), "message '%s'", recur_last_error());
        return;
    }
    const recur_config *c = recur_model_get_config(m);
    int32_t tok[2] = {0, 0};
    float x[2 * 64] = {0}, *y = malloc((size_t)(2 * (c->output_size + 2 * c->hidden)) *
                                       sizeof *y);
    if (c->input != RECUR_INPUT_DENSE || c->input_size <= 64)
        CHECK(recur_forward(m, 2, 1, tok, x, y) == RECUR_OK);
    free(y);
    recur_model_free(m);
}

static void hostile_bytes(void)
{
    recur_model *m = make_model(RECUR_LSTM, RECUR_INPUT_EMBEDDING, 2, 1,
                                RECUR_READOUT_LAST, 3, 7);
    unsigned char *bytes = NULL;
    size_t len = 0;
    CHECK(m && recur_onnx_export_memory(m, &bytes, &len) == RECUR_OK);
    for (size_t cut = 0; bytes && cut < len; cut++)
        try_bytes(bytes, cut);
    unsigned char *mut = malloc(len);
    uint64_t s = 42;
    for (int k = 0; bytes && k < 4000; k++) {
        memcpy(mut, bytes, len);
        int flips = 1 + (int)(lcg(&s) % 3);
        for (int j = 0; j < flips; j++)
            mut[lcg(&s) % len] = (unsigned char)lcg(&s);
        try_bytes(mut, len);
    }
    /* Not ONNX at all. */
    const char *junk[] = {"", "\x08", "{\"a\":1}", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"};
    for (size_t k = 0; k < sizeof junk / sizeof *junk; k++) {
        recur_model *j = NULL;
        CHECK(recur_onnx_import_memory(junk[k], strlen(junk[k]), "junk", &j) != RECUR_OK);
        CHECK(one_line(recur_last_error()));
    }
    recur_model *j = NULL;
    CHECK(recur_onnx_import("tests/onnx/no-such-file.onnx", &j) == RECUR_E_IO);
    free(mut);
    free(bytes);
    recur_model_free(m);
}

/* recur_model_load tells ONNX from safetensors by the first bytes. */
static void model_load_reads_onnx(void)
{
    for (size_t i = 0; i < sizeof torch_cases / sizeof *torch_cases; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s.onnx", ONNX_DIR, torch_cases[i]);
        recur_model *a = NULL, *b = NULL;
        CHECK(recur_onnx_import(path, &a) == RECUR_OK);
        int rc = recur_model_load(path, &b);
        CHECK_MSG(rc == RECUR_OK, "recur_model_load %s: %s", path, recur_last_error());
        if (a && b)
            same_model(a, b, path);
        recur_model_free(a);
        recur_model_free(b);
    }
    recur_model *m = make_model(RECUR_GRU, RECUR_INPUT_ONEHOT, 2, 0, RECUR_READOUT_SEQUENCE,
                                4, 11);
    unsigned char *bytes = NULL;
    size_t len = 0;
    recur_model *back = NULL;
    CHECK(m && recur_onnx_export_memory(m, &bytes, &len) == RECUR_OK);
    CHECK(bytes && recur__model_load_memory(bytes, len, "mem", &back) == RECUR_OK);
    if (m && back)
        same_model(m, back, "recur__model_load_memory of ONNX bytes");
    recur_model_free(back);
    back = NULL;
    /* A safetensors file whose header length, 0x120708, begins with the
     * bytes 08 07 12 of an ONNX file's ir_version 7 and producer tag. */
    char st[80]; /* per process: parallel runs (ASan and plain) share /tmp */
    snprintf(st, sizeof st, "/tmp/recur-onnx-lookalike-%ld.safetensors", (long)getpid());
    CHECK(recur_model_save(m, st) == RECUR_OK);
    FILE *f = fopen(st, "rb");
    unsigned char *file = malloc((size_t)8 << 20);
    size_t n = f ? fread(file, 1, (size_t)8 << 20, f) : 0;
    if (f)
        fclose(f);
    uint64_t hl = 0;
    for (int k = 7; k >= 0; k--)
        hl = hl << 8 | file[k];
    const uint64_t want = 0x120708;
    CHECK(n > 8 + hl && hl < want);
    unsigned char *out = malloc((size_t)(n - hl + want));
    for (int k = 0; k < 8; k++)
        out[k] = (unsigned char)(want >> (8 * k));
    memcpy(out + 8, file + 8, (size_t)hl);
    memset(out + 8 + hl, ' ', (size_t)(want - hl));
    memcpy(out + 8 + want, file + 8 + hl, n - 8 - hl);
    CHECK(out[0] == 0x08 && out[1] == 0x07 && out[2] == 0x12);
    f = fopen(st, "wb");
    CHECK(f && fwrite(out, 1, (size_t)(n - hl + want), f) == n - hl + want);
    if (f)
        fclose(f);
    int rc = recur_model_load(st, &back);
    CHECK_MSG(rc == RECUR_OK, "the look-alike: %s", recur_last_error());
    if (back)
        same_model(m, back, "a safetensors file starting 08 07 12");
    remove(st);
    free(file);
    free(out);
    free(bytes);
    recur_model_free(back);
    recur_model_free(m);
}

TEST_MAIN("test_onnx", TL_CASE(pytorch_exports_match), TL_CASE(reverse_graphs_match),
          TL_CASE(refusals_name_the_problem),
          TL_CASE(export_import_is_identity), TL_CASE(hostile_bytes),
          TL_CASE(model_load_reads_onnx))
