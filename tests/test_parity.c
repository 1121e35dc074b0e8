/* test_parity.c - forward outputs, final states and every gradient against
 * PyTorch, on the reference vectors in tests/ref (tools/gen_reference.py)
 * and tests/ref/proj (LSTMs with projections, tools/gen_proj_reference.py).
 * Tolerance: max |recur − torch| ≤ 1e-5 · max |torch| for every tensor. */
#include <stdlib.h>
#include <string.h>

#include "nn/loss.h"
#include "nn/model.h"
#include "io/safetensors.h"
#include "testlib.h"

#ifndef REF_DIR
#define REF_DIR "tests/ref"
#endif
#define TOL 1e-5

static double worst_seen;

static long meta_int(const st_file *f, const char *key)
{
    const char *s = recur__st_meta(f, key);
    return s ? atol(s) : -1;
}

/* Read a whole tensor as real; NULL (with a failed CHECK) if absent. */
static real *load(const st_file *f, const char *name, long *n)
{
    const st_tensor *t = recur__st_find(f, name);
    CHECK_MSG(t != NULL, "reference tensor '%s' missing", name);
    if (!t)
        return NULL;
    real *v = malloc((size_t)(t->numel ? t->numel : 1) * sizeof *v);
    CHECK(recur__st_read_real(t, v, t->numel) == RECUR_OK);
    if (n)
        *n = (long)t->numel;
    return v;
}

static void compare(const char *file, const char *what, const real *got,
                    const st_file *f, const char *ref_name)
{
    long n;
    real *want = load(f, ref_name, &n);
    if (!want)
        return;
    double maxref = 0, maxdiff = 0;
    for (long i = 0; i < n; i++) {
        double d = fabs((double)got[i] - (double)want[i]);
        maxdiff = d > maxdiff ? d : maxdiff;
        maxref = fabs((double)want[i]) > maxref ? fabs((double)want[i]) : maxref;
    }
    double rel = maxdiff / (maxref > 1e-12 ? maxref : 1e-12);
    if (rel > worst_seen)
        worst_seen = rel;
    CHECK_MSG(rel <= TOL, "%s: %s differs from PyTorch: max diff %.3g, max |ref| "
              "%.3g, relative %.3g", file, what, maxdiff, maxref, rel);
    free(want);
}

static int cell_of(const char *s) { return recur_cell_parse(s); }

static void load_params(recur_model *m, const st_file *f)
{
    for (int i = 0; i < m->ntensors; i++) {
        param_tensor *t = &m->tensors[i];
        if (strcmp(t->name, "fc.weight") == 0 || strcmp(t->name, "fc.bias") == 0) {
            if (!recur__st_find(f, t->name))
                continue; /* stack cases: set by the caller */
        }
        const st_tensor *st = NULL;
        CHECK_MSG(recur__st_expect(f, t->name, t->ndim, t->shape, &st) == RECUR_OK,
                  "%s", recur_last_error());
        if (st)
            CHECK(recur__st_read_real(st, t->p, t->n) == RECUR_OK);
    }
}

/* A recurrent stack alone: a dense-input model whose output layer is the
 * identity, so that logits = y and dlogits = dy reach the stack unchanged. */
static void check_stack_at(const char *path)
{
    st_file *f = NULL;
    CHECK_MSG(recur__st_read(path, &f) == RECUR_OK, "%s", recur_last_error());
    if (!f)
        return;
    int T = (int)meta_int(f, "T"), B = (int)meta_int(f, "B");
    int L = (int)meta_int(f, "layers"), D = meta_int(f, "bidirectional") ? 2 : 1;
    int H = (int)meta_int(f, "H"), P = recur__st_meta(f, "P") ? (int)meta_int(f, "P") : 0;
    int R = P ? P : H; /* the width of outputs and hidden states */
    recur_config c;
    recur_config_default(&c);
    c.cell = (recur_cell)cell_of(recur__st_meta(f, "cell"));
    c.input = RECUR_INPUT_DENSE;
    c.input_size = (int)meta_int(f, "I");
    c.hidden = H;
    c.proj = P;
    c.layers = L;
    c.bidirectional = D == 2;
    c.output_size = D * R;
    c.loss = RECUR_LOSS_MSE;
    recur_model *m = NULL;
    CHECK(recur__model_alloc(&c, &m) == RECUR_OK);
    load_params(m, f);
    for (int i = 0; i < D * R; i++)
        for (int j = 0; j < D * R; j++)
            m->fc_w[i * D * R + j] = i == j;
    memset(m->fc_b, 0, (size_t)D * R * sizeof(real));
    int lstm = c.cell == RECUR_LSTM;
    real *x = load(f, "x", NULL), *h0 = load(f, "h0", NULL);
    real *c0 = lstm ? load(f, "c0", NULL) : NULL;
    real *dy = load(f, "dy", NULL), *dhn = load(f, "dhn", NULL);
    real *dcn = lstm ? load(f, "dcn", NULL) : NULL;
    long nstate = (long)L * D * B * H;
    real *dx = calloc((size_t)T * B * c.input_size, sizeof *dx);
    real *dh0 = calloc((size_t)nstate, sizeof *dh0), *dc0 = calloc((size_t)nstate, sizeof *dc0);
    model_work w;
    CHECK(recur__model_work_alloc(m, T, B, &w) == RECUR_OK);
    model_input in = {.x = x};
    recur__model_forward(m, &w, T, B, in, h0, c0, NULL);
    compare(path, "output y", w.logits, f, "y");
    compare(path, "final h", w.hn, f, "hn");
    if (lstm)
        compare(path, "final c", w.cn, f, "cn");
    memcpy(w.dlogits, dy, (size_t)T * B * D * R * sizeof(real));
    recur__model_zero_grads(m);
    recur__model_backward(m, &w, T, B, in, dhn, dcn, dx, dh0, lstm ? dc0 : NULL);
    compare(path, "grad x", dx, f, "grad.x");
    compare(path, "grad h0", dh0, f, "grad.h0");
    if (lstm)
        compare(path, "grad c0", dc0, f, "grad.c0");
    for (int i = 0; i < m->ntensors; i++) {
        char ref[64];
        if (strncmp(m->tensors[i].name, "rnn.", 4))
            continue;
        snprintf(ref, sizeof ref, "grad.%s", m->tensors[i].name);
        compare(path, ref, m->tensors[i].g, f, ref);
    }
    recur__model_work_free(&w);
    recur_model_free(m);
    free(x), free(h0), free(c0), free(dy), free(dhn), free(dcn);
    free(dx), free(dh0), free(dc0);
    recur__st_free(f);
}

/* The whole model: tokens → one-hot/embedding → stack → dense → mean XENT. */
static void check_model_at(const char *path)
{
    st_file *f = NULL;
    CHECK_MSG(recur__st_read(path, &f) == RECUR_OK, "%s", recur_last_error());
    if (!f)
        return;
    int T = (int)meta_int(f, "T"), B = (int)meta_int(f, "B");
    long TB = (long)T * B;
    recur_config c;
    recur_config_default(&c);
    c.cell = (recur_cell)cell_of(recur__st_meta(f, "cell"));
    c.input = strcmp(recur__st_meta(f, "input"), "embedding") == 0 ? RECUR_INPUT_EMBEDDING
                                                            : RECUR_INPUT_ONEHOT;
    c.input_size = c.output_size = (int)meta_int(f, "V");
    c.embed_dim = (int)meta_int(f, "E");
    c.hidden = (int)meta_int(f, "H");
    c.proj = recur__st_meta(f, "P") ? (int)meta_int(f, "P") : 0;
    c.layers = (int)meta_int(f, "layers");
    c.bidirectional = (int)meta_int(f, "bidirectional");
    recur_model *m = NULL;
    CHECK(recur__model_alloc(&c, &m) == RECUR_OK);
    load_params(m, f);
    real *tok = load(f, "tokens", NULL), *tgt = load(f, "targets", NULL);
    int32_t *itok = malloc((size_t)TB * sizeof *itok), *itgt = malloc((size_t)TB * sizeof *itgt);
    for (long i = 0; i < TB; i++)
        itok[i] = (int32_t)tok[i], itgt[i] = (int32_t)tgt[i];
    model_work w;
    CHECK(recur__model_work_alloc(m, T, B, &w) == RECUR_OK);
    model_input in = {.tokens = itok};
    recur__model_forward(m, &w, T, B, in, NULL, NULL, NULL);
    compare(path, "logits", w.logits, f, "logits");
    long counted;
    real loss = (real)(recur__loss_softmax_xent(w.logits, itgt, TB, c.output_size, w.dlogits,
                                         (real)(1.0 / (double)TB), &counted, NULL) /
                       (double)TB);
    CHECK(counted == TB);
    compare(path, "loss", &loss, f, "loss");
    recur__model_zero_grads(m);
    recur__model_backward(m, &w, T, B, in, NULL, NULL, NULL, NULL, NULL);
    for (int i = 0; i < m->ntensors; i++) {
        char ref[64];
        snprintf(ref, sizeof ref, "grad.%s", m->tensors[i].name);
        compare(path, ref, m->tensors[i].g, f, ref);
    }
    recur__model_work_free(&w);
    recur_model_free(m);
    free(tok), free(tgt), free(itok), free(itgt);
    recur__st_free(f);
}

static void check_stack(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/stack_%s.safetensors", REF_DIR, name);
    check_stack_at(path);
}

static void check_model(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/model_%s.safetensors", REF_DIR, name);
    check_model_at(path);
}

/* LSTMs with projections: worst relative difference over these alone. */
static double worst_proj;

static void check_proj(const char *file)
{
    char path[256];
    snprintf(path, sizeof path, "%s/proj/%s.safetensors", REF_DIR, file);
    double before = worst_seen;
    worst_seen = 0;
    if (strncmp(file, "stack_", 6) == 0)
        check_stack_at(path);
    else
        check_model_at(path);
    worst_proj = worst_seen > worst_proj ? worst_seen : worst_proj;
    worst_seen = worst_seen > before ? worst_seen : before;
}

#define STACK(n) static void stack_##n(void) { check_stack(#n); }
#define MODEL(n) static void model_##n(void) { check_model(#n); }
#define PROJ(n) static void proj_##n(void) { check_proj(#n); }
STACK(rnn_tanh)
STACK(rnn_relu_l2)
STACK(rnn_tanh_bi_l2)
STACK(lstm)
STACK(lstm_l2_t50)
STACK(lstm_bi_l2)
STACK(gru)
STACK(gru_l2_t50)
STACK(gru_bi)
STACK(gru_bi_l2)
MODEL(lstm_onehot_l2)
MODEL(gru_embed_bi_l2)
MODEL(rnn_relu_onehot)
MODEL(rnn_tanh_embed)
MODEL(lstm_embed_bi)
PROJ(stack_lstm_proj)
PROJ(stack_lstm_proj_l2)
PROJ(stack_lstm_proj_bi)
PROJ(stack_lstm_proj_bi_l2)
PROJ(model_lstm_proj_embed_l2)
PROJ(model_lstm_proj_embed_bi)

static void report_worst(void)
{
    printf("parity: worst relative difference from PyTorch %.3g (limit %g); "
           "LSTMs with projections %.3g\n", worst_seen, TOL, worst_proj);
}

TEST_MAIN("test_parity", TL_CASE(stack_rnn_tanh), TL_CASE(stack_rnn_relu_l2),
          TL_CASE(stack_rnn_tanh_bi_l2), TL_CASE(stack_lstm),
          TL_CASE(stack_lstm_l2_t50), TL_CASE(stack_lstm_bi_l2), TL_CASE(stack_gru),
          TL_CASE(stack_gru_l2_t50), TL_CASE(stack_gru_bi), TL_CASE(stack_gru_bi_l2),
          TL_CASE(model_lstm_onehot_l2), TL_CASE(model_gru_embed_bi_l2),
          TL_CASE(model_rnn_relu_onehot), TL_CASE(model_rnn_tanh_embed),
          TL_CASE(model_lstm_embed_bi), TL_CASE(proj_stack_lstm_proj),
          TL_CASE(proj_stack_lstm_proj_l2), TL_CASE(proj_stack_lstm_proj_bi),
          TL_CASE(proj_stack_lstm_proj_bi_l2), TL_CASE(proj_model_lstm_proj_embed_l2),
          TL_CASE(proj_model_lstm_proj_embed_bi), TL_CASE(report_worst))
