/* test_dataset.c - supervised training through the public API: variable-
 * length classification and regression learn, predictions equal running
 * each sequence alone, resume is bit-identical, bad data sets are refused. */
#include "recur.h"
#include "testlib.h"
#include "train/trainer.h" /* the epoch order, to measure padding */

#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define CKPT "test_dataset.ckpt.safetensors"

/* N token sequences of length 3..12 over {0..4}; label 1 iff token 4 occurs
 * (a many-to-one task that needs memory of the whole sequence). */
typedef struct {
    long offsets[401];
    int32_t tokens[400 * 12], labels[400];
    float x[400 * 12], targets[400];
    recur_dataset tok, dense;
} synth;

static void make_synth(synth *s, long n, uint64_t seed)
{
    uint64_t r = seed * 2654435761u + 1;
    long pos = 0;
    s->offsets[0] = 0;
    for (long i = 0; i < n; i++) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        int len = 3 + (int)((r >> 33) % 10), has = 0;
        float sum = 0;
        for (int t = 0; t < len; t++) {
            r = r * 6364136223846793005ULL + 1442695040888963407ULL;
            int32_t k = (int32_t)((r >> 33) % 16);
            k = k < 15 ? k % 4 : 4; /* token 4 is rare */
            s->tokens[pos] = k;
            has |= k == 4;
            s->x[pos] = (float)((r >> 20) % 1000) / 1000.0f - 0.5f;
            sum += s->x[pos];
            pos++;
        }
        s->labels[i] = has;
        s->targets[i] = sum;
        s->offsets[i + 1] = pos;
    }
    s->tok = (recur_dataset){.count = n, .offsets = s->offsets, .tokens = s->tokens,
                             .labels = s->labels};
    s->dense = (recur_dataset){.count = n, .offsets = s->offsets, .x = s->x,
                               .targets = s->targets};
}

/* bidir: 0 forward, 1 bidirectional, 2 reverse (from the last step back). */
static recur_model *classifier(recur_cell kind, int bidir, recur_readout how)
{
    recur_config c;
    recur_config_default(&c);
    c.cell = kind;
    c.input = RECUR_INPUT_EMBEDDING;
    c.input_size = 5;
    c.embed_dim = 4;
    c.hidden = 12;
    c.bidirectional = bidir == 1;
    c.reverse = bidir == 2;
    c.output_size = 2;
    c.readout = how;
    recur_model *m = NULL;
    int rc = recur_model_create(&c, 7, &m);
    CHECK_MSG(rc == RECUR_OK, "create: %s", recur_last_error());
    return m;
}

static recur_train_config train_config(void)
{
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.lr = 0.02f;
    tc.batch = 16;
    tc.seed = 3;
    return tc;
}

static const char *dir_label(int bidir)
{
    return bidir == 1 ? "bi" : bidir == 2 ? "rev" : "uni";
}

static void learn_classifier(recur_cell kind, int bidir, recur_readout how)
{
    static synth train, test;
    make_synth(&train, 400, 1);
    make_synth(&test, 200, 2);
    recur_model *m = classifier(kind, bidir, how);
    if (!m)
        return;
    recur_train_config tc = train_config();
    recur_trainer *tr = NULL;
    CHECK(recur_trainer_create_dataset(m, &tc, &train.tok, &tr) == RECUR_OK);
    CHECK(recur_trainer_steps_per_epoch(tr) == 25);
    recur_eval_stats before, after;
    CHECK(recur_evaluate_dataset(m, &test.tok, 64, 0, &before) == RECUR_OK);
    for (int i = 0; tr && i < 500; i++)
        if (recur_trainer_step(tr, NULL) != RECUR_OK) {
            CHECK_MSG(0, "step %d: %s", i, recur_last_error());
            break;
        }
    CHECK(recur_evaluate_dataset(m, &test.tok, 64, 0, &after) == RECUR_OK);
    CHECK(after.tokens == 200);
    CHECK_MSG(after.accuracy >= 0.95, "%s %s %s: test accuracy %.3f (before %.3f)",
              recur_cell_name(kind), dir_label(bidir), recur_readout_name(how),
              after.accuracy, before.accuracy);
    fprintf(stderr, "     %s %s %s: test accuracy %.3f -> %.3f, loss %.3f -> %.3f\n",
            recur_cell_name(kind), dir_label(bidir), recur_readout_name(how),
            before.accuracy, after.accuracy, before.loss, after.loss);
    recur_trainer_free(tr);
    recur_model_free(m);
}

/* Bucketing: batches of similar lengths (less padding), still learns, and
 * a resumed run is still bit-identical. */
static double padding_share(const synth *d, const long *order, long n, int B)
{
    long used = 0, padded = 0;
    for (long s0 = 0; s0 < n; s0 += B) {
        long T = 0, sum = 0;
        for (long k = s0; k < s0 + B && k < n; k++) {
            long len = d->offsets[order[k] + 1] - d->offsets[order[k]];
            T = len > T ? len : T;
            sum += len;
        }
        used += sum;
        padded += T * (s0 + B < n ? B : n - s0) - sum;
    }
    return (double)padded / (double)(used + padded);
}

static void bucketing(void)
{
    static synth train;
    make_synth(&train, 400, 1);
    recur_model *m = classifier(RECUR_GRU, 0, RECUR_READOUT_LAST);
    recur_train_config tc = train_config();
    recur_trainer *plain = NULL, *bucketed = NULL;
    CHECK(recur_trainer_create_dataset(m, &tc, &train.tok, &plain) == RECUR_OK);
    tc.bucket = 1;
    CHECK(recur_trainer_create_dataset(m, &tc, &train.tok, &bucketed) == RECUR_OK);
    if (!plain || !bucketed)
        return;
    /* The same examples, each once, in both orders. */
    long seen[400] = {0};
    for (long i = 0; i < 400; i++)
        seen[bucketed->order[i]]++;
    int once = 1;
    for (long i = 0; i < 400; i++)
        once &= seen[i] == 1;
    CHECK_MSG(once, "the bucketed order loses or repeats examples");
    double p0 = padding_share(&train, plain->order, 400, 16);
    double p1 = padding_share(&train, bucketed->order, 400, 16);
    CHECK_MSG(p1 < p0 / 3, "padding share: %.3f shuffled, %.3f bucketed", p0, p1);
    fprintf(stderr, "     padding share of the batches: %.3f shuffled, %.3f bucketed\n",
            p0, p1);
    for (int i = 0; i < 500; i++)
        CHECK(recur_trainer_step(bucketed, NULL) == RECUR_OK);
    static synth test;
    make_synth(&test, 200, 2);
    recur_eval_stats st;
    CHECK(recur_evaluate_dataset(m, &test.tok, 64, 0, &st) == RECUR_OK);
    CHECK_MSG(st.accuracy >= 0.95, "bucketed training: test accuracy %.3f", st.accuracy);
    recur_trainer_free(plain);
    recur_trainer_free(bucketed);
    recur_model_free(m);
}

static void gru_last_learns(void) { learn_classifier(RECUR_GRU, 0, RECUR_READOUT_LAST); }
static void lstm_bi_mean_learns(void) { learn_classifier(RECUR_LSTM, 1, RECUR_READOUT_MEAN); }
static void rnn_bi_last_learns(void) { learn_classifier(RECUR_RNN_TANH, 1, RECUR_READOUT_LAST); }
static void lstm_rev_last_learns(void) { learn_classifier(RECUR_LSTM, 2, RECUR_READOUT_LAST); }

/* Regression many to one: the sum of a variable-length series. */
static void regression_learns(void)
{
    static synth train, test;
    make_synth(&train, 400, 5);
    make_synth(&test, 200, 6);
    recur_config c;
    recur_config_default(&c);
    c.cell = RECUR_GRU;
    c.input = RECUR_INPUT_DENSE;
    c.input_size = 1;
    c.hidden = 16;
    c.output_size = 1;
    c.loss = RECUR_LOSS_MSE;
    c.readout = RECUR_READOUT_LAST;
    recur_model *m = NULL;
    CHECK(recur_model_create(&c, 9, &m) == RECUR_OK);
    recur_train_config tc = train_config();
    tc.lr = 0.01f;
    recur_trainer *tr = NULL;
    CHECK(recur_trainer_create_dataset(m, &tc, &train.dense, &tr) == RECUR_OK);
    double var = 0;
    for (long i = 0; i < 200; i++)
        var += (double)test.targets[i] * test.targets[i] / 200;
    for (int i = 0; tr && i < 600; i++)
        CHECK(recur_trainer_step(tr, NULL) == RECUR_OK);
    recur_eval_stats st;
    CHECK(recur_evaluate_dataset(m, &test.dense, 50, 0, &st) == RECUR_OK);
    CHECK_MSG(st.loss < var / 10, "test MSE %.4f, target variance %.4f", st.loss, var);
    fprintf(stderr, "     sum of a series: test MSE %.4f (predicting 0: %.4f)\n",
            st.loss, var);
    recur_trainer_free(tr);
    recur_model_free(m);
}

/* recur_predict_dataset on padded batches = recur_forward on each alone. */
static void predict_matches_forward(void)
{
    static synth d;
    make_synth(&d, 40, 8);
    double worst = 0;
    /* Bidirectional, then reverse: the backward pass starts at each
     * sequence's own last step, whatever the padding after it. */
    for (int bidir = 1; bidir <= 2; bidir++) {
        recur_model *mb = classifier(RECUR_LSTM, bidir, RECUR_READOUT_LAST);
        if (!mb)
            return;
        float out[40 * 2], y[2];
        CHECK(recur_predict_dataset(mb, &d.tok, 16, 0, out) == RECUR_OK);
        worst = 0;
        for (long i = 0; i < 40; i++) {
            int n = (int)(d.offsets[i + 1] - d.offsets[i]);
            CHECK(recur_forward(mb, n, 1, d.tokens + d.offsets[i], NULL, y) == RECUR_OK);
            for (int o = 0; o < 2; o++)
                worst = fmax(worst, fabs((double)y[o] - out[i * 2 + o]));
        }
        CHECK_MSG(worst <= 1e-5, "%s: batched prediction differs by %.3g",
                  dir_label(bidir), worst);
        recur_model_free(mb);
    }
    recur_model *m;

    /* A LAST readout streams: each step's output is the prediction for the
     * sequence so far; a MEAN readout does not. */
    m = classifier(RECUR_GRU, 0, RECUR_READOUT_LAST);
    recur_state *s = NULL;
    CHECK(recur_state_create(m, &s) == RECUR_OK);
    worst = 0;
    int n = (int)(d.offsets[1] - d.offsets[0]);
    for (int t = 0; s && t < n; t++) {
        float ys[2], yf[2];
        CHECK(recur_state_step(s, d.tokens[t], NULL, ys) == RECUR_OK);
        CHECK(recur_forward(m, t + 1, 1, d.tokens, NULL, yf) == RECUR_OK);
        for (int o = 0; o < 2; o++)
            worst = fmax(worst, fabs((double)ys[o] - yf[o]));
    }
    CHECK_MSG(worst <= 1e-5, "streaming a LAST readout differs by %.3g", worst);
    recur_state_free(s);
    recur_model_free(m);
    m = classifier(RECUR_GRU, 0, RECUR_READOUT_MEAN);
    s = NULL;
    CHECK(recur_state_create(m, &s) == RECUR_E_INVALID && !s);
    recur_model_free(m);
}

static void resume_bit_identical(void)
{
    static synth d;
    make_synth(&d, 100, 4);
    recur_train_config tc = train_config();
    tc.batch = 32; /* 4 steps per epoch, the last one short */
    tc.bucket = 1;
    float *p[2] = {NULL, NULL};
    long np = 0;
    for (int run = 0; run < 2; run++) {
        recur_model *m = classifier(RECUR_GRU, 1, RECUR_READOUT_MEAN);
        recur_trainer *tr = NULL;
        CHECK(recur_trainer_create_dataset(m, &tc, &d.tok, &tr) == RECUR_OK);
        if (!tr)
            return;
        if (run == 0) {
            for (int i = 0; i < 6; i++)
                CHECK(recur_trainer_step(tr, NULL) == RECUR_OK);
            CHECK(recur_trainer_save(tr, CKPT) == RECUR_OK);
        } else {
            CHECK_MSG(recur_trainer_resume(tr, CKPT) == RECUR_OK, "resume: %s",
                      recur_last_error());
            CHECK(recur_trainer_step_count(tr) == 6 && recur_trainer_epoch(tr) == 1);
        }
        for (int i = 0; i < 7; i++)
            CHECK(recur_trainer_step(tr, NULL) == RECUR_OK);
        np = recur_model_param_count(m);
        p[run] = malloc((size_t)np * sizeof(float));
        long off = 0;
        for (int t = 0; t < recur_model_tensor_count(m); t++) {
            int nd;
            int64_t sh[2];
            const char *name = recur_model_tensor_at(m, t, &nd, sh);
            long n = (long)(nd == 2 ? sh[0] * sh[1] : sh[0]);
            recur_model_get_tensor(m, name, p[run] + off, n);
            off += n;
        }
        recur_trainer_free(tr);
        recur_model_free(m);
    }
    CHECK_MSG(memcmp(p[0], p[1], (size_t)np * sizeof(float)) == 0,
              "resumed run differs from the uninterrupted one");
    free(p[0]);
    free(p[1]);
    unlink(CKPT);
}

static void bad_data_refused(void)
{
    static synth d;
    make_synth(&d, 10, 9);
    recur_model *m = classifier(RECUR_GRU, 0, RECUR_READOUT_LAST);
    if (!m)
        return;
    recur_train_config tc = train_config();
    recur_trainer *tr = NULL;
    recur_dataset bad = d.tok;
    bad.count = 0;
    CHECK(recur_trainer_create_dataset(m, &tc, &bad, &tr) == RECUR_E_INVALID && !tr);
    bad = d.tok;
    long offs[11];
    memcpy(offs, d.offsets, sizeof offs);
    offs[3] = offs[2]; /* an empty example */
    bad.offsets = offs;
    CHECK(recur_dataset_check(m, &bad) == RECUR_E_INVALID);
    CHECK(strstr(recur_last_error(), "example 3") != NULL);
    bad = d.tok;
    int32_t labels[10];
    memcpy(labels, d.labels, sizeof labels);
    labels[4] = 2; /* the model has 2 classes */
    bad.labels = labels;
    CHECK(recur_dataset_check(m, &bad) == RECUR_E_MISMATCH);
    labels[4] = -1; /* a many-to-one example must have a label */
    CHECK(recur_dataset_check(m, &bad) == RECUR_E_MISMATCH);
    bad = d.tok;
    int32_t toks[400 * 12];
    memcpy(toks, d.tokens, sizeof toks);
    toks[5] = 5; /* outside the vocabulary of 5 */
    bad.tokens = toks;
    CHECK(recur_dataset_check(m, &bad) == RECUR_E_MISMATCH);
    CHECK(recur_dataset_check(m, &d.dense) == RECUR_E_MISMATCH); /* no tokens */
    recur_eval_stats st;
    CHECK(recur_evaluate_dataset(m, &d.tok, 0, 0, &st) == RECUR_E_INVALID);
    recur_model_free(m);

    /* Regression targets must be finite. */
    recur_config c;
    recur_config_default(&c);
    c.input = RECUR_INPUT_DENSE;
    c.loss = RECUR_LOSS_MSE;
    c.readout = RECUR_READOUT_LAST;
    CHECK(recur_model_create(&c, 1, &m) == RECUR_OK);
    float tg[10];
    memcpy(tg, d.targets, sizeof tg);
    tg[7] = NAN;
    bad = d.dense;
    bad.targets = tg;
    CHECK(recur_dataset_check(m, &bad) == RECUR_E_INVALID);
    CHECK(recur_dataset_check(m, &d.dense) == RECUR_OK);
    recur_model_free(m);

    /* A char-LM trainer refuses a many-to-one model. */
    m = classifier(RECUR_GRU, 0, RECUR_READOUT_LAST);
    int32_t text[200];
    for (int i = 0; i < 200; i++)
        text[i] = i % 2;
    recur_config lm = *recur_model_get_config(m);
    recur_model_free(m);
    lm.output_size = lm.input_size;
    CHECK(recur_model_create(&lm, 1, &m) == RECUR_OK);
    CHECK(recur_trainer_create(m, &tc, text, 200, &tr) == RECUR_E_MISMATCH && !tr);
    recur_model_free(m);
}

TEST_MAIN("test_dataset", TL_CASE(bucketing), TL_CASE(gru_last_learns), TL_CASE(lstm_bi_mean_learns),
          TL_CASE(rnn_bi_last_learns), TL_CASE(lstm_rev_last_learns), TL_CASE(regression_learns),
          TL_CASE(predict_matches_forward), TL_CASE(resume_bit_identical),
          TL_CASE(bad_data_refused))
