/* test_api.c - the public API end to end: save/load round trips, validation
 * of hostile model files, streaming vs whole-sequence forward, sampling,
 * bit-identical resume, NaN detection, evaluation with carried state. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/parallel.h"
#include "nn/model.h"
#include "nn/model_io.h"
#include "train/optim.h"
#include "recur.h"
#include "io/safetensors.h"
#include "testlib.h"

static const char *corpus =
    "It is a truth universally acknowledged, that a single man in possession "
    "of a good fortune, must be in want of a wife. However little known the "
    "feelings or views of such a man may be on his first entering a "
    "neighbourhood, this truth is so well fixed in the minds of the "
    "surrounding families, that he is considered the rightful property of "
    "some one or other of their daughters.\n";

static char tmpdir[64];

static const char *tmp(const char *name)
{
    static char buf[4][128];
    static int k;
    k = (k + 1) % 4;
    if (!tmpdir[0]) {
        strcpy(tmpdir, "/tmp/recur-api-XXXXXX");
        if (!mkdtemp(tmpdir))
            abort();
    }
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

static recur_text *text_of(const char *s)
{
    recur_text *t = NULL;
    CHECK(recur_text_from_string(s, strlen(s), NULL, &t) == RECUR_OK);
    return t;
}

static recur_model *char_model(recur_cell kind, int hidden, int layers,
                               const recur_text *t, float dropout, int embed)
{
    int nv;
    const uint32_t *v = recur_text_vocab(t, &nv);
    recur_config c;
    recur_config_default(&c);
    c.cell = kind;
    c.hidden = hidden;
    c.layers = layers;
    c.input_size = c.output_size = nv;
    c.dropout = dropout;
    if (embed) {
        c.input = RECUR_INPUT_EMBEDDING;
        c.embed_dim = embed;
    }
    recur_model *m = NULL;
    CHECK(recur_model_create(&c, 7, &m) == RECUR_OK);
    CHECK(recur_model_set_vocab(m, v, nv) == RECUR_OK);
    return m;
}

typedef struct {
    char buf[4096];
    size_t len;
} sink;

static void emit(const char *s, int n, void *user)
{
    sink *k = user;
    if (k->len + (size_t)n < sizeof k->buf) {
        memcpy(k->buf + k->len, s, (size_t)n);
        k->len += (size_t)n;
        k->buf[k->len] = 0;
    }
}

static void save_load_sample_identical(void)
{
    recur_text *t = text_of(corpus);
    recur_model *m = char_model(RECUR_LSTM, 16, 2, t, 0, 0), *m2 = NULL;
    CHECK(recur_model_set_meta(m, "train.note", "quote \" and \\ and é") == RECUR_OK);
    CHECK(recur_model_save(m, tmp("m.safetensors")) == RECUR_OK);
    CHECK(recur_model_load(tmp("m.safetensors"), &m2) == RECUR_OK);
    if (!m2)
        return;
    CHECK(strcmp(recur_model_get_meta(m2, "train.note"), "quote \" and \\ and é") == 0);
    CHECK(recur_model_param_count(m2) == recur_model_param_count(m));
    CHECK(memcmp(m->params, m2->params, (size_t)m->nparams * sizeof(real)) == 0);
    recur_sample_config sc = {.temperature = 0.8f, .top_k = 5, .seed = 42};
    sink a = {{0}, 0}, b = {{0}, 0}, c = {{0}, 0};
    CHECK(recur_sample(m, "It is", &sc, 200, emit, &a) == RECUR_OK);
    CHECK(recur_sample(m2, "It is", &sc, 200, emit, &b) == RECUR_OK);
    CHECK(a.len > 0 && a.len == b.len && memcmp(a.buf, b.buf, a.len) == 0);
    sc.seed = 43;
    CHECK(recur_sample(m2, "It is", &sc, 200, emit, &c) == RECUR_OK);
    CHECK(c.len != a.len || memcmp(a.buf, c.buf, a.len) != 0);
    /* Saving again gives the same bytes: nothing time-dependent in a file. */
    CHECK(recur_model_save(m2, tmp("m2.safetensors")) == RECUR_OK);
    FILE *f1 = fopen(tmp("m.safetensors"), "rb"), *f2 = fopen(tmp("m2.safetensors"), "rb");
    int same = f1 && f2;
    while (same) {
        int x = fgetc(f1), y = fgetc(f2);
        same = x == y;
        if (x == EOF || y == EOF)
            break;
    }
    CHECK(same);
    if (f1) fclose(f1);
    if (f2) fclose(f2);
    recur_model_free(m);
    recur_model_free(m2);
    recur_text_free(t);
}

/* A reverse model's file says so ("reverse": "1", only when set, so other
 * files are as before); it loads back reverse with the same outputs, and a
 * bad value is refused. */
static void reverse_model_saved_and_loaded(void)
{
    recur_config c;
    recur_config_default(&c);
    c.cell = RECUR_GRU;
    c.input = RECUR_INPUT_DENSE;
    c.input_size = 3;
    c.hidden = 6;
    c.layers = 2;
    c.output_size = 2;
    c.loss = RECUR_LOSS_MSE;
    c.readout = RECUR_READOUT_LAST;
    c.reverse = 1;
    recur_model *m = NULL, *m2 = NULL, *fwd = NULL;
    CHECK(recur_model_create(&c, 7, &m) == RECUR_OK);
    c.reverse = 0;
    CHECK(recur_model_create(&c, 7, &fwd) == RECUR_OK);
    if (!m || !fwd)
        return;
    CHECK(recur_model_save(m, tmp("rev.safetensors")) == RECUR_OK);
    CHECK(recur_model_save(fwd, tmp("fwd.safetensors")) == RECUR_OK);
    CHECK(recur_model_load(tmp("rev.safetensors"), &m2) == RECUR_OK);
    CHECK(m2 && recur_model_get_config(m2)->reverse == 1);
    float x[4 * 2 * 3], y[2 * 2], y2[2 * 2], yf[2 * 2];
    for (int i = 0; i < 24; i++)
        x[i] = (float)((i * 7) % 11) / 5.0f - 1.0f;
    CHECK(recur_forward(m, 4, 2, NULL, x, y) == RECUR_OK);
    CHECK(m2 && recur_forward(m2, 4, 2, NULL, x, y2) == RECUR_OK);
    CHECK(recur_forward(fwd, 4, 2, NULL, x, yf) == RECUR_OK);
    CHECK(memcmp(y, y2, sizeof y) == 0);
    CHECK(memcmp(y, yf, sizeof y) != 0); /* same weights, other direction */
    recur_model_free(m2);
    m2 = NULL;
    CHECK(recur_model_load(tmp("fwd.safetensors"), &m2) == RECUR_OK);
    CHECK(m2 && recur_model_get_config(m2)->reverse == 0);
    CHECK(m2 && recur_model_get_meta(m2, "reverse") == NULL);
    recur_model_free(m2);
    m2 = NULL;
    /* "reverse": "2" (on the forward model's file, which has no such key) */
    st_writer *w = recur__st_writer_new();
    CHECK(recur__model_to_writer(fwd, w) == RECUR_OK);
    recur__st_writer_meta(w, "reverse", "2");
    CHECK(recur__st_writer_save(w, tmp("rev2.safetensors")) == RECUR_OK);
    recur__st_writer_free(w);
    CHECK(recur_model_load(tmp("rev2.safetensors"), &m2) == RECUR_E_FORMAT);
    CHECK_MSG(strstr(recur_last_error(), "reverse") != NULL, "%s", recur_last_error());
    recur_model_free(m);
    recur_model_free(fwd);
}

/* Write a file with the model's tensors but one of them reshaped. */
static void bad_files_refused(void)
{
    recur_text *t = text_of(corpus);
    recur_model *m = char_model(RECUR_GRU, 8, 1, t, 0, 0), *out = NULL;
    CHECK(recur_model_save(m, tmp("good.safetensors")) == RECUR_OK);
    /* Truncations at many lengths: each refused with a message, no crash. */
    FILE *f = fopen(tmp("good.safetensors"), "rb");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    unsigned char *bytes = malloc((size_t)size);
    CHECK(fread(bytes, 1, (size_t)size, f) == (size_t)size);
    fclose(f);
    for (long cut = 0; cut < size; cut += 1 + cut / 3) {
        FILE *g = fopen(tmp("cut.safetensors"), "wb");
        fwrite(bytes, 1, (size_t)cut, g);
        fclose(g);
        int rc = recur_model_load(tmp("cut.safetensors"), &out);
        CHECK_MSG(rc != RECUR_OK && out == NULL && recur_last_error()[0],
                  "truncated at %ld bytes was accepted", cut);
    }
    free(bytes);
    /* Wrong shape. */
    st_writer *w = recur__st_writer_new();
    int64_t wrong[2] = {3 * 8, 5};
    for (int i = 0; i < m->ntensors; i++) {
        const param_tensor *p = &m->tensors[i];
        if (strcmp(p->name, "rnn.weight_hh_l0") == 0)
            recur__st_writer_add(w, p->name, 2, wrong, p->p);
        else
            recur__st_writer_add(w, p->name, p->ndim, p->shape, p->p);
    }
    recur__st_writer_meta(w, "cell", "gru");
    recur__st_writer_meta(w, "input", "onehot");
    char num[16];
    snprintf(num, sizeof num, "%d", m->cfg.input_size);
    recur__st_writer_meta(w, "input_size", num);
    recur__st_writer_meta(w, "output_size", num);
    recur__st_writer_meta(w, "hidden", "8");
    recur__st_writer_meta(w, "layers", "1");
    recur__st_writer_meta(w, "bidirectional", "0");
    recur__st_writer_meta(w, "loss", "xent");
    CHECK(recur__st_writer_save(w, tmp("shape.safetensors")) == RECUR_OK);
    recur__st_writer_free(w);
    CHECK(recur_model_load(tmp("shape.safetensors"), &out) == RECUR_E_MISMATCH);
    CHECK(strstr(recur_last_error(), "rnn.weight_hh_l0") != NULL);
    /* A model claiming more layers than it has tensors for. */
    CHECK(recur_model_set_meta(m, "x", "y") == RECUR_OK);
    m->cfg.layers = 2; /* lie in the metadata only */
    CHECK(recur_model_save(m, tmp("lie.safetensors")) == RECUR_OK);
    m->cfg.layers = 1;
    CHECK(recur_model_load(tmp("lie.safetensors"), &out) != RECUR_OK);
    CHECK(strstr(recur_last_error(), "missing tensor") != NULL);
    /* NaN in the weights. */
    m->params[3] = NAN;
    /* recur_model_save refuses to write it (and leaves no file) ... */
    CHECK(recur_model_save(m, tmp("nan.safetensors")) == RECUR_E_NUMERIC);
    CHECK(access(tmp("nan.safetensors"), F_OK) != 0);
    /* ... and the loader refuses one written by another tool. */
    st_writer *wn = recur__st_writer_new();
    CHECK(recur__model_to_writer(m, wn) == RECUR_OK);
    CHECK(recur__st_writer_save(wn, tmp("nan.safetensors")) == RECUR_OK);
    recur__st_writer_free(wn);
    CHECK(recur_model_load(tmp("nan.safetensors"), &out) == RECUR_E_FORMAT);
    /* Metadata asking for ~6e9 parameters in a tiny file: refused for the
     * missing tensors before anything that size is allocated. */
    st_writer *wh = recur__st_writer_new();
    const char *huge[][2] = {{"cell", "lstm"}, {"input", "dense"}, {"input_size", "4000"},
                             {"hidden", "4000"}, {"layers", "16"}, {"bidirectional", "1"},
                             {"output_size", "4000"}, {"loss", "mse"}};
    for (int i = 0; i < 8; i++)
        recur__st_writer_meta(wh, huge[i][0], huge[i][1]);
    CHECK(recur__st_writer_save(wh, tmp("huge.safetensors")) == RECUR_OK);
    recur__st_writer_free(wh);
    CHECK(recur_model_load(tmp("huge.safetensors"), &out) == RECUR_E_LIMIT);
    CHECK_MSG(strstr(recur_last_error(), "too large") != NULL, "%s", recur_last_error());
    /* Under the parameter limit (1.3e8) but still half a gigabyte: refused
     * for the missing tensors. */
    st_writer *wm = recur__st_writer_new();
    huge[4][1] = "1";
    huge[5][1] = "0";
    for (int i = 0; i < 8; i++)
        recur__st_writer_meta(wm, huge[i][0], huge[i][1]);
    CHECK(recur__st_writer_save(wm, tmp("big.safetensors")) == RECUR_OK);
    recur__st_writer_free(wm);
    CHECK(recur_model_load(tmp("big.safetensors"), &out) == RECUR_E_MISMATCH);
    CHECK(strstr(recur_last_error(), "missing tensor") != NULL);
    CHECK(recur_model_load(tmp("does-not-exist"), &out) == RECUR_E_IO);
    CHECK(out == NULL);
    recur_model_free(m);
    recur_text_free(t);
}

/* recur_state_step one step at a time equals the whole-sequence forward. */
static void streaming_matches_sequence(void)
{
    recur_cell cells[] = {RECUR_RNN_TANH, RECUR_RNN_RELU, RECUR_LSTM, RECUR_GRU};
    recur_text *t = text_of(corpus);
    long n;
    const int32_t *tok = recur_text_tokens(t, &n);
    for (int k = 0; k < 4; k++) {
        recur_model *m = char_model(cells[k], 24, 2, t, 0, k == 3 ? 6 : 0);
        int T = 60, V = m->cfg.output_size;
        model_work w;
        CHECK(recur__model_work_alloc(m, T, 1, &w) == RECUR_OK);
        model_input in = {.tokens = tok};
        recur__model_forward(m, &w, T, 1, in, NULL, NULL, NULL);
        recur_state *s = NULL;
        CHECK(recur_state_create(m, &s) == RECUR_OK);
        float *y = malloc((size_t)V * sizeof *y);
        double worst = 0;
        for (int pass = 0; pass < 2; pass++) { /* reset must restart cleanly */
            recur_state_reset(s);
            for (int i = 0; i < T; i++) {
                CHECK(recur_state_step(s, tok[i], NULL, y) == RECUR_OK);
                for (int o = 0; o < V; o++) {
                    double d = fabs((double)y[o] - w.logits[(long)i * V + o]);
                    worst = d > worst ? d : worst;
                }
            }
        }
        CHECK_MSG(worst <= 1e-6, "%s: step vs sequence differ by %g",
                  recur_cell_name(cells[k]), worst);
        CHECK(recur_state_step(s, V + 3, NULL, y) == RECUR_E_INVALID);
        free(y);
        recur_state_free(s);
        recur__model_work_free(&w);
        recur_model_free(m);
    }
    recur_text_free(t);
}

static void train_steps(recur_trainer *tr, int k)
{
    recur_batch_stats st;
    for (int i = 0; i < k; i++)
        CHECK(recur_trainer_step(tr, &st) == RECUR_OK);
}

/* N steps, checkpoint, a fresh process-like restart, N more steps, equals
 * 2N steps straight: stateful with dropout, and stateless shuffled. */
static void resume_bit_identical(void)
{
    recur_text *t = text_of(corpus);
    long n;
    const int32_t *tok = recur_text_tokens(t, &n);
    for (int stateful = 0; stateful <= 1; stateful++) {
        recur_train_config tc;
        recur_train_config_default(&tc);
        tc.seq_len = 10;
        tc.batch = 3;
        tc.stateful = stateful;
        tc.seed = 99;
        recur_model *a = char_model(RECUR_LSTM, 12, 2, t, 0.2f, 0);
        recur_model *b = char_model(RECUR_LSTM, 12, 2, t, 0.2f, 0);
        recur_trainer *ta = NULL, *tb = NULL;
        CHECK(recur_trainer_create(a, &tc, tok, n, &ta) == RECUR_OK);
        CHECK(recur_trainer_create(b, &tc, tok, n, &tb) == RECUR_OK);
        long spe = recur_trainer_steps_per_epoch(ta);
        int first = (int)(spe + 2), second = (int)(spe + 1); /* crosses epochs */
        train_steps(ta, first + second);
        train_steps(tb, first);
        CHECK(recur_trainer_save(tb, tmp("ckpt.safetensors")) == RECUR_OK);
        recur_trainer_free(tb);
        recur_model_free(b);
        recur_model *c = char_model(RECUR_LSTM, 12, 2, t, 0.2f, 0);
        recur_trainer *tcn = NULL;
        CHECK(recur_trainer_create(c, &tc, tok, n, &tcn) == RECUR_OK);
        CHECK(recur_trainer_resume(tcn, tmp("ckpt.safetensors")) == RECUR_OK);
        CHECK(recur_trainer_step_count(tcn) == first);
        train_steps(tcn, second);
        CHECK_MSG(memcmp(a->params, c->params, (size_t)a->nparams * sizeof(real)) == 0,
                  "resumed run (stateful=%d) differs from the straight run", stateful);
        /* A checkpoint from other settings is refused with a reason. */
        tc.batch = 4;
        recur_trainer *td = NULL;
        CHECK(recur_trainer_create(c, &tc, tok, n, &td) == RECUR_OK);
        CHECK(recur_trainer_resume(td, tmp("ckpt.safetensors")) == RECUR_E_MISMATCH);
        recur_trainer_free(td);
        recur_trainer_free(ta);
        recur_trainer_free(tcn);
        recur_model_free(a);
        recur_model_free(c);
    }
    recur_text_free(t);
}

/* Two threads split a time loop's rows (and the products) where one
 * thread runs them all and scatters each step's one-hot gradient rows
 * inside the loop: the same parameters to the bit, for each cell. (A
 * bidirectional layer's directions take a thread each and scatter inside
 * their loops at any thread count: f64_gradcheck checks those.) */
static void threads_bit_identical(void)
{
    char text[6001];
    for (int i = 0; i < 6000; i++)
        text[i] = corpus[i % (int)strlen(corpus)];
    text[6000] = 0;
    recur_text *t = text_of(text);
    long n;
    const int32_t *tok = recur_text_tokens(t, &n);
    static const recur_cell kinds[] = {RECUR_LSTM, RECUR_GRU, RECUR_RNN_TANH};
    int old = recur_set_threads(1);
    for (int k = 0; k < 3; k++) {
        int hidden = kinds[k] == RECUR_RNN_TANH ? 256 : 128;
        recur_train_config tc;
        recur_train_config_default(&tc);
        tc.seq_len = 20;
        tc.batch = 64;
        tc.stateful = 1;
        tc.seed = 5;
        recur_model *m[2];
        for (int th = 0; th < 2; th++) {
            recur_set_threads(th + 1);
            m[th] = char_model(kinds[k], hidden, 1, t, 0, 0);
            recur_trainer *tr = NULL;
            CHECK(recur_trainer_create(m[th], &tc, tok, n, &tr) == RECUR_OK);
            train_steps(tr, 2);
            recur_trainer_free(tr);
        }
        /* the two-thread run did split its time loop */
        int gates = kinds[k] == RECUR_LSTM ? 4 : kinds[k] == RECUR_GRU ? 3 : 1;
        recur_set_threads(2);
        CHECK(recur__parallel_parts(tc.batch, 2.0 * tc.seq_len * tc.batch * gates * hidden *
                                                  hidden) == 2);
        CHECK_MSG(memcmp(m[0]->params, m[1]->params, (size_t)m[0]->nparams * sizeof(real)) == 0,
                  "%s: 1 and 2 threads trained different parameters", recur_cell_name(kinds[k]));
        recur_model_free(m[0]);
        recur_model_free(m[1]);
    }
    recur_set_threads(old);
    recur_text_free(t);
}

static void nan_detected_and_parameters_kept(void)
{
    recur_text *t = text_of(corpus);
    long n;
    const int32_t *tok = recur_text_tokens(t, &n);
    recur_model *m = char_model(RECUR_GRU, 8, 1, t, 0, 0);
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.seq_len = 8;
    tc.batch = 2;
    recur_trainer *tr = NULL;
    CHECK(recur_trainer_create(m, &tc, tok, n, &tr) == RECUR_OK);
    train_steps(tr, 2);
    m->fc_b[0] = INFINITY;
    real *before = malloc((size_t)m->nparams * sizeof *before);
    memcpy(before, m->params, (size_t)m->nparams * sizeof *before);
    CHECK(recur_trainer_step(tr, NULL) == RECUR_E_NUMERIC);
    CHECK(strstr(recur_last_error(), "step 3") != NULL);
    CHECK(memcmp(before, m->params, (size_t)m->nparams * sizeof *before) == 0);
    free(before);
    recur_trainer_free(tr);
    recur_model_free(m);
    recur_text_free(t);
}

/* Training lowers the loss; evaluation carries the state across windows, so
 * the window length does not change the result. */
static void training_learns_and_eval_carries_state(void)
{
    recur_text *t = text_of(corpus);
    long n;
    const int32_t *tok = recur_text_tokens(t, &n);
    recur_model *m = char_model(RECUR_LSTM, 32, 1, t, 0, 0);
    recur_eval_stats e0, e1, e2;
    CHECK(recur_evaluate(m, tok, n, 50, 1, &e0) == RECUR_OK);
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.seq_len = 20;
    tc.batch = 4;
    tc.lr = 1e-2f;
    recur_trainer *tr = NULL;
    CHECK(recur_trainer_create(m, &tc, tok, n, &tr) == RECUR_OK);
    train_steps(tr, 300);
    CHECK(recur_evaluate(m, tok, n, 7, 1, &e1) == RECUR_OK);
    CHECK(recur_evaluate(m, tok, n, (int)n, 1, &e2) == RECUR_OK);
    CHECK(e1.tokens == n - 1 && e2.tokens == n - 1);
    CHECK_NEAR(e1.loss, e2.loss, 1e-5);
    CHECK_MSG(e1.loss < 0.5 * e0.loss, "loss %g -> %g: did not learn", e0.loss, e1.loss);
    recur_trainer_free(tr);
    recur_model_free(m);
    recur_text_free(t);
}

static void adam_and_clipping_by_hand(void)
{
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.lr = 0.1f;
    optimizer o;
    real p[2] = {1, -2}, g[2] = {0.5f, -3};
    CHECK(recur__optim_init(&o, &tc, 2) == RECUR_OK);
    CHECK(recur__optim_step(&o, p, g, 1, 0.1) == 0);
    CHECK(recur__optim_step(&o, p, g, 1, 0.1) == 0);
    /* With a constant gradient Adam's bias-corrected step is lr·g/|g|. */
    CHECK_NEAR(p[0], 1 - 0.2, 1e-5);
    CHECK_NEAR(p[1], -2 + 0.2, 1e-5);
    recur__optim_free(&o);
    /* The gradient scale (clipping) is applied inside the update: SGD with
     * g scaled by 0.5 moves p by lr·0.5·g; an update that overflows a
     * parameter is reported. */
    tc.optimizer = RECUR_SGD;
    tc.lr = 1;
    real ps[3] = {1, 2, 1e38f}, gs[3] = {2, -4, -1e38f};
    CHECK(recur__optim_init(&o, &tc, 3) == RECUR_OK);
    CHECK(recur__optim_step(&o, ps, gs, 0.5f, 1.0) == 0);
    CHECK_NEAR(ps[0], 0, 1e-6);
    CHECK_NEAR(ps[1], 4, 1e-6);
    CHECK(gs[0] == 2 && gs[1] == -4); /* the gradient itself is left as it was */
    CHECK(recur__optim_step(&o, ps, gs, 4.0f, 1.0) == 1); /* 1.5e38 + 4e38 overflows */
    recur__optim_free(&o);
    /* The norm over more parts than threads, the same whatever the split. */
    static real big[100003];
    double want = 0;
    for (long i = 0; i < 100003; i++) {
        big[i] = (real)((i % 7) - 3) * 0.25f;
        want += (double)big[i] * big[i];
    }
    CHECK_NEAR(recur__grad_norm(big, 100003), sqrt(want), 1e-9 * sqrt(want));
    real gv[2] = {3, 4};
    CHECK_NEAR(recur__grad_norm(gv, 2), 5.0, 1e-6);
    CHECK_NEAR(recur__clip_factor(5.0, 1.0), 0.2, 1e-6);
    CHECK(recur__clip_factor(5.0, 5.0) == 1); /* within: untouched */
    CHECK(recur__clip_factor(5.0, 0) == 1);   /* 0: clipping off */
}

static void text_errors(void)
{
    recur_text *t = NULL;
    CHECK(recur_text_from_string("a\0b", 3, NULL, &t) == RECUR_E_FORMAT);
    CHECK(recur_text_from_string("\xff\xfe", 2, NULL, &t) == RECUR_E_FORMAT);
    CHECK(recur_text_from_string("\xed\xa0\x80", 3, NULL, &t) == RECUR_E_FORMAT);
    CHECK(recur_text_load("/nonexistent/file.txt", NULL, &t) == RECUR_E_IO);
    CHECK(recur_text_load("/tmp", NULL, &t) == RECUR_E_IO);
    recur_text *u = text_of("héllo wörld");
    int nv;
    recur_text_vocab(u, &nv);
    CHECK(nv == 9);
    recur_model *m = char_model(RECUR_RNN_TANH, 4, 1, u, 0, 0);
    CHECK(recur_text_from_string("world!", 6, m, &t) == RECUR_E_MISMATCH);
    CHECK_MSG(strstr(recur_last_error(), "'!'") != NULL, "%s", recur_last_error());
    CHECK(t == NULL);
    recur_model_free(m);
    recur_text_free(u);
}

/* Sizes that would need gigabytes are refused with RECUR_E_LIMIT before
 * anything is allocated. */
static void resource_limits(void)
{
    recur_config c;
    recur_config_default(&c);
    /* Exactly RECUR_MAX_PARAMS: 8001·(23641 + 8001 + 2) + 1906·(8001 + 1). */
    c.cell = RECUR_RNN_TANH;
    c.input = RECUR_INPUT_DENSE;
    c.input_size = 23641;
    c.hidden = 8001;
    c.output_size = 1906;
    c.loss = RECUR_LOSS_MSE;
    CHECK(recur_config_check(&c) == RECUR_OK);
    c.output_size++;
    CHECK(recur_config_check(&c) == RECUR_E_LIMIT);
    CHECK_MSG(strstr(recur_last_error(), "268435456") != NULL, "%s", recur_last_error());
    /* 16 layers of a 15000-unit LSTM: 2.9e10 parameters, 116 GB. */
    recur_config_default(&c);
    c.input_size = c.output_size = 80;
    c.hidden = 15000;
    c.layers = 16;
    recur_model *m = (recur_model *)&c; /* must be reset to NULL */
    CHECK(recur_model_create(&c, 1, &m) == RECUR_E_LIMIT);
    CHECK(m == NULL);
    c.hidden = 1000000000;
    CHECK(recur_model_create(&c, 1, &m) == RECUR_E_LIMIT);
    /* Windows: 10^9 steps, 10^9 sequences. */
    recur_config_default(&c);
    c.input_size = c.output_size = 4;
    c.hidden = 4;
    CHECK(recur_model_create(&c, 1, &m) == RECUR_OK);
    int32_t tokens[8] = {0, 1, 2, 3, 0, 1, 2, 3};
    recur_train_config tc;
    recur_train_config_default(&tc);
    recur_trainer *tr = NULL;
    tc.seq_len = 1000000000;
    CHECK(recur_trainer_create(m, &tc, tokens, 8, &tr) == RECUR_E_LIMIT);
    tc.seq_len = 2;
    tc.batch = 1000000000;
    CHECK(recur_trainer_create(m, &tc, tokens, 8, &tr) == RECUR_E_LIMIT);
    CHECK(tr == NULL);
    recur_eval_stats es;
    /* Evaluation clamps its window to the text: nothing large is allocated. */
    CHECK(recur_evaluate(m, tokens, 8, 1000000000, 1000000000, &es) == RECUR_OK);
    CHECK(es.tokens == 7);
    /* A forward over 10^18 positions is refused before tokens[] is read. */
    float y[4];
    CHECK(recur_forward(m, 1000000000, 1000000000, tokens, NULL, y) == RECUR_E_LIMIT);
    recur_model_free(m);
    /* A 2 TiB text file (sparse: no disk, no time) is refused by its size
     * before it is read; a 2 GiB one is over the old 1 GiB limit and read
     * in chunks: its first (zero) byte makes it binary. */
    FILE *f = fopen(tmp("big.txt"), "w");
    CHECK(f != NULL);
    if (f) {
        CHECK(ftruncate(fileno(f), (off_t)2 << 40) == 0);
        fclose(f);
        recur_text *t = (recur_text *)&c;
        CHECK(recur_text_load(tmp("big.txt"), NULL, &t) == RECUR_E_LIMIT);
        CHECK(t == NULL);
        CHECK_MSG(strstr(recur_last_error(), "limit") != NULL, "%s", recur_last_error());
        CHECK(truncate(tmp("big.txt"), (off_t)2 << 30) == 0);
        CHECK(recur_text_load(tmp("big.txt"), NULL, &t) == RECUR_E_FORMAT);
        CHECK_MSG(strstr(recur_last_error(), "NUL byte at offset 0") != NULL, "%s",
                  recur_last_error());
        unlink(tmp("big.txt"));
    }
}

/* Every function of recur.h refuses a NULL it needs with RECUR_E_INVALID
 * (NULL from those returning a pointer) instead of crashing. */
static void null_arguments_refused(void)
{
    recur_text *t = text_of(corpus);
    recur_model *m = char_model(RECUR_GRU, 8, 1, t, 0, 0);
    recur_state *s = NULL;
    float y[128], buf[256];
    int n = 5;
    long ln = 5;
    const int E = RECUR_E_INVALID;
    CHECK(recur_state_create(NULL, &s) == E && s == NULL);
    CHECK(recur_state_create(m, NULL) == E);
    CHECK(recur_state_create_quantized(NULL, RECUR_QUANT_INT8, &s) == E && s == NULL);
    CHECK(recur_state_create_quantized(m, RECUR_QUANT_INT8, NULL) == E);
    CHECK(recur_state_create(m, &s) == RECUR_OK);
    CHECK(recur_state_step(NULL, 0, NULL, y) == E);
    CHECK(recur_state_step(s, 0, NULL, NULL) == E);
    CHECK(strstr(recur_last_error(), "recur_state_step") && strstr(recur_last_error(), "y"));
    CHECK(recur_state_size(NULL) == 0);
    CHECK(recur_state_save(NULL, buf, sizeof buf) == E);
    CHECK(recur_state_save(s, NULL, sizeof buf) == E);
    CHECK(recur_state_load(NULL, buf, sizeof buf) == E);
    CHECK(recur_state_load(s, NULL, recur_state_size(s)) == E);
    recur_state_reset(NULL);
    CHECK(recur_forward(NULL, 1, 1, (const int32_t[]){0}, NULL, y) == E);
    CHECK(recur_model_save(NULL, "x.safetensors") == E);
    CHECK(recur_model_save(m, NULL) == E);
    recur_model *m2 = NULL;
    CHECK(recur_model_load(NULL, &m2) < 0 && m2 == NULL);
    CHECK(recur_model_get_config(NULL) == NULL);
    CHECK(recur_model_param_count(NULL) == E);
    CHECK(recur_model_tensor_count(NULL) == E);
    CHECK(recur_model_tensor_at(NULL, 0, NULL, NULL) == NULL);
    CHECK(recur_model_get_tensor(m, NULL, buf, 1) == E);
    CHECK(recur_model_get_tensor(m, "fc.bias", NULL, 1) == E);
    CHECK(recur_model_get_tensor(NULL, "fc.bias", buf, 1) == E);
    CHECK(recur_model_set_tensor(m, "fc.bias", NULL, 1) == E);
    CHECK(recur_model_set_vocab(m, NULL, 3) == E);
    CHECK(recur_model_get_vocab(NULL, &n) == NULL && n == 0);
    CHECK(recur_model_set_meta(NULL, "k", "v") == E);
    CHECK(recur_model_get_meta(NULL, "k") == NULL && recur_model_get_meta(m, NULL) == NULL);
    CHECK(recur_model_meta_count(NULL) == E);
    CHECK(recur_model_meta_at(NULL, 0, NULL) == NULL);
    CHECK(recur_model_init(NULL, RECUR_INIT_KERAS, 1) == E);
    CHECK(recur_config_check(NULL) == E);
    recur_config_default(NULL);
    CHECK(recur_cell_parse(NULL) == -1 && recur_readout_parse(NULL) == -1);
    CHECK(recur_text_length(NULL) == E);
    CHECK(recur_text_tokens(NULL, &ln) == NULL && ln == 0);
    CHECK(recur_text_vocab(NULL, &n) == NULL && n == 0);
    CHECK(recur_text_token_array(NULL).n == 0);
    recur_text *t2 = (recur_text *)1;
    CHECK(recur_text_load(NULL, NULL, &t2) == E && t2 == NULL);
    CHECK(recur_text_from_string(NULL, 4, NULL, &t2) == E && t2 == NULL);
    CHECK(recur_sample(NULL, "a", NULL, 4, NULL, NULL) == E);
    recur_state_free(s);
    recur_model_free(m);
    recur_text_free(t);
}

static void cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    CHECK(tmpdir[0] && system(cmd) == 0);
}

TEST_MAIN("test_api", TL_CASE(save_load_sample_identical), TL_CASE(bad_files_refused),
          TL_CASE(streaming_matches_sequence), TL_CASE(resume_bit_identical),
          TL_CASE(threads_bit_identical),
          TL_CASE(nan_detected_and_parameters_kept),
          TL_CASE(training_learns_and_eval_carries_state),
          TL_CASE(adam_and_clipping_by_hand), TL_CASE(text_errors), TL_CASE(resource_limits),
          TL_CASE(reverse_model_saved_and_loaded), TL_CASE(null_arguments_refused),
          TL_CASE(cleanup))
