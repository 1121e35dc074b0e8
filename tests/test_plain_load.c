/* test_plain_load.c - loading plain safetensors files (PyTorch state_dict
 * names, no recur architecture metadata): the configuration inferred from
 * names and shapes, other module prefixes, missing biases as zeros, and
 * hostile or ambiguous files refused with a message. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn/model.h"
#include "nn/model_io.h"
#include "recur.h"
#include "io/safetensors.h"
#include "testlib.h"

static char tmpdir[64];

static const char *tmp(const char *name)
{
    static char buf[4][128];
    static int k;
    k = (k + 1) % 4;
    if (!tmpdir[0]) {
        strcpy(tmpdir, "/tmp/recur-plain-XXXXXX");
        if (!mkdtemp(tmpdir))
            abort();
    }
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

static recur_model *make_proj(recur_cell kind, recur_input input, int in, int emb,
                              int hidden, int proj, int layers, int bi, int out,
                              uint64_t seed)
{
    recur_config c;
    recur_config_default(&c);
    c.proj = proj;
    c.cell = kind;
    c.input = input;
    c.input_size = in;
    c.embed_dim = emb;
    c.hidden = hidden;
    c.layers = layers;
    c.bidirectional = bi;
    c.output_size = out;
    recur_model *m = NULL;
    CHECK(recur_model_create(&c, seed, &m) == RECUR_OK);
    return m;
}

static recur_model *make(recur_cell kind, recur_input input, int in, int emb, int hidden,
                         int layers, int bi, int out, uint64_t seed)
{
    return make_proj(kind, input, in, emb, hidden, 0, layers, bi, out, seed);
}

/* How to write a model's tensors as another tool would. */
typedef struct {
    const char *rnn, *fc, *emb; /* prefixes replacing "rnn.", "fc.", "embedding." */
    int no_rnn_bias, no_fc_bias;
    const char *meta[4][2];     /* optional metadata pairs */
    const char *skip;           /* a recur tensor name to leave out */
    const char *extra;          /* an extra 1-D tensor name to add */
} plain_spec;

static void write_plain(const recur_model *m, const plain_spec *ps, const char *path)
{
    st_writer *w = recur__st_writer_new();
    char name[256];
    for (int i = 0; i < m->ntensors; i++) {
        const param_tensor *t = &m->tensors[i];
        if (ps->skip && strcmp(t->name, ps->skip) == 0)
            continue;
        if (!strncmp(t->name, "rnn.", 4)) {
            if (ps->no_rnn_bias && strstr(t->name, ".bias_"))
                continue;
            snprintf(name, sizeof name, "%s%s", ps->rnn, t->name + 4);
        } else if (!strncmp(t->name, "fc.", 3)) {
            if (ps->no_fc_bias && !strcmp(t->name, "fc.bias"))
                continue;
            snprintf(name, sizeof name, "%s%s", ps->fc, t->name + 3);
        } else {
            snprintf(name, sizeof name, "%s%s", ps->emb, t->name + 10);
        }
        CHECK(recur__st_writer_add(w, name, t->ndim, t->shape, t->p) == RECUR_OK);
    }
    if (ps->extra) {
        int64_t n = 3;
        static const real three[3] = {1, 2, 3};
        CHECK(recur__st_writer_add(w, ps->extra, 1, &n, three) == RECUR_OK);
    }
    for (int i = 0; i < 4 && ps->meta[i][0]; i++)
        CHECK(recur__st_writer_meta(w, ps->meta[i][0], ps->meta[i][1]) == RECUR_OK);
    CHECK(recur__st_writer_save(w, path) == RECUR_OK);
    recur__st_writer_free(w);
}

/* Largest |a - b| of the two models' recur_forward outputs on one input. */
static double forward_diff(const recur_model *a, const recur_model *b)
{
    const recur_config *c = recur_model_get_config(a);
    int T = 7, B = 3;
    int O = c->output_size ? c->output_size : c->hidden * (c->bidirectional ? 2 : 1);
    long TB = (long)T * B, nx = TB * c->input_size;
    int32_t *tok = malloc((size_t)TB * sizeof *tok);
    float *x = malloc((size_t)nx * sizeof *x);
    float *ya = malloc((size_t)(TB * O) * sizeof *ya), *yb = malloc((size_t)(TB * O) * sizeof *yb);
    for (long i = 0; i < TB; i++)
        tok[i] = (int32_t)((i * 7 + 3) % c->input_size);
    for (long i = 0; i < nx; i++)
        x[i] = (float)((i * 37 % 101) - 50) / 25.0f;
    double worst = 1e30;
    if (recur_forward(a, T, B, tok, x, ya) == RECUR_OK &&
        recur_forward(b, T, B, tok, x, yb) == RECUR_OK) {
        worst = 0;
        for (long i = 0; i < TB * O; i++) {
            double d = fabs((double)ya[i] - yb[i]);
            worst = d > worst ? d : worst;
        }
    }
    free(tok), free(x), free(ya), free(yb);
    return worst;
}

static int same_config(const recur_config *a, const recur_config *b)
{
    return a->cell == b->cell && a->input == b->input && a->input_size == b->input_size &&
           a->embed_dim == b->embed_dim && a->hidden == b->hidden &&
           a->layers == b->layers && a->bidirectional == b->bidirectional &&
           a->output_size == b->output_size && a->proj == b->proj;
}

/* Each kind under other module names loads as the same network. */
static void plain_files_load(void)
{
    struct {
        recur_cell cell;
        recur_input input;
        int in, emb, hidden, layers, bi, out;
        plain_spec ps;
        int proj;
    } cases[] = {
        {RECUR_LSTM, RECUR_INPUT_EMBEDDING, 11, 5, 6, 2, 1, 11,
         {"lstm.", "decoder.", "encoder.", 0, 0, {{0}}, 0, 0}, 0},
        {RECUR_GRU, RECUR_INPUT_DENSE, 4, 0, 7, 1, 0, 2,
         {"gru.", "linear.", "", 0, 0, {{"format", "pt"}}, 0, 0}, 0},
        {RECUR_RNN_TANH, RECUR_INPUT_DENSE, 3, 0, 5, 3, 0, 4,
         {"", "head.out.", "", 0, 0, {{0}}, 0, 0}, 0},
        {RECUR_RNN_RELU, RECUR_INPUT_EMBEDDING, 9, 4, 5, 2, 1, 9,
         {"model.rnn.", "model.fc.", "model.emb.", 0, 0, {{"cell", "rnn_relu"}}, 0, 0}, 0},
        {RECUR_RNN_RELU, RECUR_INPUT_DENSE, 6, 0, 4, 1, 0, 3,
         {"rnn.", "fc.", "", 0, 0, {{"nonlinearity", "relu"}, {"note", "kept"}}, 0, 0}, 0},
        /* Embedding and a bias-free Linear of the same shape [8, 8]: told
         * apart by name. */
        {RECUR_GRU, RECUR_INPUT_EMBEDDING, 8, 8, 8, 1, 0, 8,
         {"rnn.", "out.", "my_embedding.", 0, 1, {{0}}, 0, 0}, 0},
        /* Encoders: a bare recurrent module, with and without an Embedding. */
        {RECUR_LSTM, RECUR_INPUT_DENSE, 3, 0, 5, 2, 1, 0,
         {"", "", "", 0, 0, {{0}}, 0, 0}, 0},
        {RECUR_GRU, RECUR_INPUT_EMBEDDING, 9, 4, 6, 1, 0, 0,
         {"encoder.rnn.", "", "encoder.embedding.", 0, 0, {{0}}, 0, 0}, 0},
        /* LSTMs with projections (weight_hr_l*): proj from its shape. */
        {RECUR_LSTM, RECUR_INPUT_EMBEDDING, 10, 4, 7, 2, 1, 10,
         {"lstm.", "fc.", "emb.", 0, 0, {{0}}, 0, 0}, 3},
        {RECUR_LSTM, RECUR_INPUT_DENSE, 3, 0, 6, 1, 0, 0,
         {"encoder.", "", "", 1, 0, {{0}}, 0, 0}, 2},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        recur_model *m = make_proj(cases[k].cell, cases[k].input, cases[k].in, cases[k].emb,
                                   cases[k].hidden, cases[k].proj, cases[k].layers,
                                   cases[k].bi, cases[k].out, 100 + k),
                    *p = NULL;
        if (cases[k].ps.no_rnn_bias) /* what the file will say: zeros */
            for (int i = 0; i < m->ntensors; i++)
                if (strstr(m->tensors[i].name, ".bias_"))
                    memset(m->tensors[i].p, 0, (size_t)m->tensors[i].n * sizeof(real));
        if (cases[k].ps.no_fc_bias) /* what the file will say: zeros */
            memset(m->fc_b, 0, (size_t)cases[k].out * sizeof *m->fc_b);
        write_plain(m, &cases[k].ps, tmp("plain.safetensors"));
        int rc = recur_model_load(tmp("plain.safetensors"), &p);
        CHECK_MSG(rc == RECUR_OK, "case %zu: %s", k, recur_last_error());
        if (p) {
            CHECK_MSG(same_config(recur_model_get_config(m), recur_model_get_config(p)),
                      "case %zu: configuration differs", k);
            int nv = -1;
            CHECK(recur_model_get_vocab(p, &nv) == NULL && nv == 0);
            CHECK(recur_model_param_count(p) == recur_model_param_count(m));
            if (same_config(recur_model_get_config(m), recur_model_get_config(p)))
                CHECK(memcmp(m->params, p->params,
                             (size_t)m->nparams * sizeof *m->params) == 0);
            CHECK_MSG(forward_diff(m, p) == 0, "case %zu: outputs differ", k);
            if (k == 4)
                CHECK(recur_model_get_meta(p, "note") && !strcmp(recur_model_get_meta(p, "note"), "kept"));
            /* Saved by recur, it reads back as a recur file. */
            recur_model *again = NULL;
            CHECK(recur_model_save(p, tmp("resaved.safetensors")) == RECUR_OK);
            CHECK(recur_model_load(tmp("resaved.safetensors"), &again) == RECUR_OK);
            if (again)
                CHECK(forward_diff(m, again) == 0);
            recur_model_free(again);
        }
        recur_model_free(p);
        recur_model_free(m);
    }
}

/* bias=False modules: the absent biases are zeros. */
static void missing_biases_are_zero(void)
{
    recur_model *m = make(RECUR_LSTM, RECUR_INPUT_DENSE, 3, 0, 5, 2, 1, 2, 7), *p = NULL;
    plain_spec ps = {"lstm.", "fc.", "", 1, 1, {{0}}, 0, 0};
    write_plain(m, &ps, tmp("nobias.safetensors"));
    CHECK_MSG(recur_model_load(tmp("nobias.safetensors"), &p) == RECUR_OK, "%s",
              recur_last_error());
    for (int i = 0; i < m->ntensors; i++)
        if (strstr(m->tensors[i].name, "bias"))
            for (long j = 0; j < m->tensors[i].n; j++)
                m->tensors[i].p[j] = 0;
    if (p)
        CHECK(forward_diff(m, p) == 0);
    recur_model_free(p);
    recur_model_free(m);
}

/* A plain model has no vocabulary: streaming and forward work, sampling is
 * refused with a message. */
static void plain_model_cannot_sample(void)
{
    recur_model *m = make(RECUR_GRU, RECUR_INPUT_EMBEDDING, 6, 3, 4, 1, 0, 6, 3), *p = NULL;
    plain_spec ps = {"rnn.", "fc.", "embedding.", 0, 0, {{0}}, 0, 0};
    write_plain(m, &ps, tmp("novocab.safetensors"));
    CHECK(recur_model_load(tmp("novocab.safetensors"), &p) == RECUR_OK);
    if (!p) {
        recur_model_free(m);
        return;
    }
    recur_state *s = NULL;
    float y[6];
    CHECK(recur_state_create(p, &s) == RECUR_OK);
    CHECK(recur_state_step(s, 2, NULL, y) == RECUR_OK);
    recur_state_free(s);
    recur_sample_config sc = {.temperature = 1, .seed = 1};
    CHECK(recur_sample(p, "", &sc, 5, NULL, NULL) == RECUR_E_MISMATCH);
    CHECK(strstr(recur_last_error(), "vocabulary") != NULL);
    recur_model_free(p);
    recur_model_free(m);
}

/* load must fail with `code`, a message containing `want`, and no model. */
static void refused(const char *what, const char *path, int code, const char *want)
{
    recur_model *out = (recur_model *)&out;
    int rc = recur_model_load(path, &out);
    CHECK_MSG(rc == code && out == NULL, "%s: status %d (want %d)", what, rc, code);
    CHECK_MSG(strstr(recur_last_error(), want) != NULL, "%s: message '%s' lacks '%s'",
              what, recur_last_error(), want);
}

static void hostile_plain_files(void)
{
    recur_model *lstm = make(RECUR_LSTM, RECUR_INPUT_EMBEDDING, 7, 4, 5, 2, 1, 7, 11);
    recur_model *gru = make(RECUR_GRU, RECUR_INPUT_DENSE, 3, 0, 4, 1, 0, 2, 12);
    recur_model *pr2 = NULL;
    const char *p = tmp("hostile.safetensors");
    plain_spec ps;

    ps = (plain_spec){"lstm.", "fc.", "emb.", 0, 0, {{0}}, "rnn.weight_hh_l1", 0};
    write_plain(lstm, &ps, p);
    refused("missing layer tensor", p, RECUR_E_MISMATCH, "lstm.weight_hh_l1'");
    ps = (plain_spec){"lstm.", "fc.", "emb.", 0, 0, {{0}}, "rnn.bias_ih_l1_reverse", 0};
    write_plain(lstm, &ps, p);
    refused("one bias missing", p, RECUR_E_MISMATCH, "bias_ih_l1_reverse");
    ps = (plain_spec){"lstm.", "fc.", "emb.", 0, 0, {{0}}, "rnn.weight_ih_l0_reverse", 0};
    write_plain(lstm, &ps, p);
    refused("a reverse direction incomplete", p, RECUR_E_MISMATCH, "weight_ih_l0_reverse");
    ps = (plain_spec){"lstm.", "fc.", "emb.", 0, 0, {{0}}, 0, "lstm.weight_hr_l0"};
    write_plain(lstm, &ps, p);
    refused("a projection in one layer only", p, RECUR_E_MISMATCH, "weight_hr_l0_reverse");
    /* A projection whose shapes do not chain: W_hr [P, H] but W_hh [4H, H]. */
    recur_model *pr = make_proj(RECUR_LSTM, RECUR_INPUT_DENSE, 3, 0, 6, 2, 1, 0, 0, 13);
    ps = (plain_spec){"lstm.", "", "", 0, 0, {{0}}, 0, 0};
    write_plain(pr, &ps, p);
    CHECK(recur_model_load(p, &pr2) == RECUR_OK);
    recur_model_free(pr2);
    pr2 = make(RECUR_LSTM, RECUR_INPUT_DENSE, 3, 0, 6, 1, 0, 0, 14);
    ps = (plain_spec){"lstm.", "", "", 0, 0, {{0}}, 0, "lstm.weight_hr_l0"};
    write_plain(pr2, &ps, p);
    refused("a projection of the wrong shape", p, RECUR_E_MISMATCH, "LSTM projection");
    recur_model_free(pr);
    recur_model_free(pr2);
    ps = (plain_spec){"lstm.", "fc.", "emb.", 0, 0, {{0}}, 0, "decoder.lstm.bias_ih_l0"};
    write_plain(lstm, &ps, p);
    refused("two recurrent modules", p, RECUR_E_MISMATCH, "one recurrent stack");
    ps = (plain_spec){"lstm.", "fc.", "emb.", 0, 0, {{0}}, 0, "bn.running_mean"};
    write_plain(lstm, &ps, p);
    refused("an unknown tensor", p, RECUR_E_MISMATCH, "bn.running_mean");
    ps = (plain_spec){"lstm.", "fc.", "emb.", 0, 0, {{0}}, 0, "head.bias"};
    write_plain(lstm, &ps, p);
    refused("a third Linear", p, RECUR_E_MISMATCH, "head.bias");
    ps = (plain_spec){"lstm.", "fc.", "emb.", 0, 0, {{0}}, 0, "lstm.weight_ih_l16"};
    write_plain(lstm, &ps, p);
    refused("layer 16", p, RECUR_E_LIMIT, "at most 16");
    ps = (plain_spec){"lstm.", "fc.", "emb.", 0, 0, {{0}}, 0, "lstm.weight_ih_l3"};
    write_plain(lstm, &ps, p);
    refused("a gap in the layers", p, RECUR_E_MISMATCH, "lstm.weight_ih_l2'");
    ps = (plain_spec){"lstm.", "fc.", "emb.", 0, 0, {{"cell", "gru"}}, 0, 0};
    write_plain(lstm, &ps, p);
    refused("metadata cell disagrees", p, RECUR_E_MISMATCH, "4 gate");
    ps = (plain_spec){"lstm.", "fc.", "emb.", 0, 0, {{"nonlinearity", "relu"}}, 0, 0};
    write_plain(lstm, &ps, p);
    refused("relu asked of an LSTM", p, RECUR_E_MISMATCH, "relu");
    ps = (plain_spec){"lstm.", "fc.", "emb.", 0, 0, {{"cell", "transformer"}}, 0, 0};
    write_plain(lstm, &ps, p);
    refused("unknown cell hint", p, RECUR_E_FORMAT, "transformer");
    ps = (plain_spec){"lstm.", "fc.", "emb.", 0, 0, {{0}}, "fc.weight", 0};
    write_plain(lstm, &ps, p);
    refused("a bias without its weight", p, RECUR_E_MISMATCH, "no weight");
    ps = (plain_spec){"gru.", "fc.", "", 0, 0, {{0}}, "fc.weight", 0};
    write_plain(gru, &ps, p);
    refused("no Linear", p, RECUR_E_MISMATCH, "no weight");
    ps = (plain_spec){"gru.", "fc.", "", 0, 0, {{0}}, 0, "gru.weight"};
    write_plain(gru, &ps, p);
    refused("a stray weight beside the Linear", p, RECUR_E_MISMATCH,
            "are not an Embedding [ids, 3] and a Linear [outputs, 4]");
    ps = (plain_spec){"gru.", "fc.", "", 0, 0, {{"loss", "hinge"}}, 0, 0};
    write_plain(gru, &ps, p);
    refused("unknown loss", p, RECUR_E_FORMAT, "hinge");

    /* Hand-made shapes: a gate multiple of 2, a 3-D weight, a Linear of
     * the wrong width, two Linears that fit either role without names. */
    static const real zeros[64 * 64];
    struct {
        const char *what, *want;
        int code;
        const char *names[4];
        int64_t shapes[4][3];
        int ndims[4];
    } hand[] = {
        {"gate multiple 2", "2 gates", RECUR_E_MISMATCH,
         {"rnn.weight_ih_l0", "rnn.weight_hh_l0", "fc.weight", 0},
         {{8, 3}, {8, 4}, {2, 4}}, {2, 2, 2}},
        {"3-D weight", "not [gates", RECUR_E_MISMATCH,
         {"rnn.weight_ih_l0", "rnn.weight_hh_l0", "fc.weight", 0},
         {{4, 3}, {4, 4, 1}, {2, 4}}, {2, 3, 2}},
        {"Linear of the wrong width", "neither an output Linear [outputs, 4]",
         RECUR_E_MISMATCH,
         {"rnn.weight_ih_l0", "rnn.weight_hh_l0", "fc.weight", 0},
         {{4, 3}, {4, 4}, {2, 5}}, {2, 2, 2}},
        {"Embedding or Linear?", "cannot tell", RECUR_E_MISMATCH,
         {"rnn.weight_ih_l0", "rnn.weight_hh_l0", "a.weight", "b.weight"},
         {{4, 4}, {4, 4}, {4, 4}, {4, 4}}, {2, 2, 2, 2}},
        {"wrong weight_ih rows", "rnn.weight_ih_l0", RECUR_E_MISMATCH,
         {"rnn.weight_ih_l0", "rnn.weight_hh_l0", "fc.weight", 0},
         {{5, 3}, {4, 4}, {2, 4}}, {2, 2, 2}},
        {"empty file", "neither a recur model", RECUR_E_FORMAT, {0}, {{0}}, {0}},
    };
    for (size_t k = 0; k < sizeof hand / sizeof *hand; k++) {
        st_writer *w = recur__st_writer_new();
        for (int i = 0; i < 4 && hand[k].names[i]; i++)
            CHECK(recur__st_writer_add(w, hand[k].names[i], hand[k].ndims[i], hand[k].shapes[i],
                                zeros) == RECUR_OK);
        CHECK(recur__st_writer_save(w, p) == RECUR_OK);
        recur__st_writer_free(w);
        refused(hand[k].what, p, hand[k].code, hand[k].want);
    }
    recur_model_free(lstm);
    recur_model_free(gru);
}

static void cleanup(void)
{
    const char *names[] = {"plain.safetensors", "resaved.safetensors", "nobias.safetensors",
                           "novocab.safetensors", "hostile.safetensors"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        unlink(tmp(names[i]));
    CHECK(rmdir(tmpdir) == 0);
}

TEST_MAIN("test_plain_load", TL_CASE(plain_files_load), TL_CASE(missing_biases_are_zero),
          TL_CASE(plain_model_cannot_sample), TL_CASE(hostile_plain_files),
          TL_CASE(cleanup))
