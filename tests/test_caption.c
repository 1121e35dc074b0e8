/* test_caption.c - the encoder-decoder with a feature-vector source (image
 * captioning, `recur caption`): greedy decoding equals beam search of width
 * 1, a model captions the same after saving and loading, a small captioner
 * learns four "images" (a learning check that can fail, and that fails
 * when the image does not reach the decoder), and the
 * refusals: feature sources with a source vocabulary, attention or a
 * bidirectional encoder, non-finite pixels, the wrong decode call. The
 * gradient of the image -> initial state path is checked by f64_seq2seq. */
#include "recur.h"
#include "testlib.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define P 16 /* pixels of the test images (4 x 4) */

static recur_seq2seq *make_captioner(recur_cell cell, int layers, int H, uint64_t seed)
{
    recur_seq2seq_config c = {.cell = cell, .tgt_vocab = 9, .bos = 0, .eos = 1,
                              .embed_dim = 5, .hidden = H, .layers = layers,
                              .src_features = P};
    recur_seq2seq *s = NULL;
    CHECK(recur_seq2seq_create(&c, seed, &s) == RECUR_OK);
    return s;
}

static void random_image(uint64_t *state, float *x)
{
    for (int j = 0; j < P; j++) {
        *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
        x[j] = (float)((*state >> 40) & 0xff) / 255.0f;
    }
}

static void greedy_equals_beam1_case(recur_cell cell, int layers)
{
    recur_seq2seq *s = make_captioner(cell, layers, 24, 3);
    if (!s)
        return;
    recur_seq2seq_decode_config dg, db;
    recur_seq2seq_decode_config_default(&dg);
    dg.max_len = 12;
    db = dg;
    db.beam = 1;
    uint64_t st = 11;
    int nonempty = 0;
    for (int trial = 0; trial < 20; trial++) {
        float x[P];
        random_image(&st, x);
        int32_t a[12], b[12];
        int la, lb;
        double sa, sb;
        CHECK(recur_seq2seq_decode_features(s, x, &dg, a, &la, &sa) == RECUR_OK);
        CHECK(recur_seq2seq_decode_features(s, x, &db, b, &lb, &sb) == RECUR_OK);
        CHECK(la == lb && sa == sb && la <= 12);
        CHECK(memcmp(a, b, (size_t)(la < lb ? la : lb) * sizeof *a) == 0);
        nonempty += la > 0;
    }
    CHECK(nonempty > 0);
    recur_seq2seq_free(s);
}

static void greedy_equals_beam1(void)
{
    greedy_equals_beam1_case(RECUR_GRU, 1);
    greedy_equals_beam1_case(RECUR_LSTM, 2);
    greedy_equals_beam1_case(RECUR_RNN_TANH, 1);
}

/* Four 4x4 "images" (a bar in each quadrant) and their captions (token ids
 * 2..8 of a 9-token vocabulary, bos 0, eos 1). */
static const int32_t captions[4][4] = {{2, 3, 4, -1}, {2, 5, 6, -1}, {7, 3, -1, -1},
                                       {8, 8, 6, 2}};
typedef struct {
    float x[4 * P];
    long to[5];
    int32_t tgt[16];
    recur_seq2seq_data d;
} quadrant_set;

static void quadrant_set_make(quadrant_set *q)
{
    memset(q, 0, sizeof *q);
    long k = 0;
    for (int i = 0; i < 4; i++) {
        int r0 = (i / 2) * 2, c0 = (i % 2) * 2;
        for (int r = r0; r < r0 + 2; r++)
            for (int c = c0; c < c0 + 2; c++)
                q->x[i * P + r * 4 + c] = 1;
        q->to[i] = k;
        for (int t = 0; t < 4 && captions[i][t] >= 0; t++)
            q->tgt[k++] = captions[i][t];
    }
    q->to[4] = k;
    q->d = (recur_seq2seq_data){.count = 4, .tgt_offsets = q->to, .tgt = q->tgt,
                                .features = q->x};
}

static void learns_four_images(void)
{
    recur_seq2seq *s = make_captioner(RECUR_GRU, 1, 16, 7);
    if (!s)
        return;
    quadrant_set q;
    quadrant_set_make(&q);
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.lr = 0.02f;
    tc.batch = 4;
    recur_seq2seq_trainer *tr = NULL;
    CHECK(recur_seq2seq_trainer_create(s, &tc, &q.d, &tr) == RECUR_OK);
    for (int i = 0; tr && i < 200; i++)
        CHECK(recur_seq2seq_trainer_step(tr, NULL) == RECUR_OK);
    recur_eval_stats es;
    CHECK(recur_seq2seq_evaluate(s, &q.d, 4, &es) == RECUR_OK);
    recur_seq2seq_decode_config dc;
    recur_seq2seq_decode_config_default(&dc);
    dc.max_len = 8;
    int exact = 0;
    for (int i = 0; i < 4; i++) {
        int32_t out[8];
        int n;
        CHECK(recur_seq2seq_decode_features(s, q.x + i * P, &dc, out, &n, NULL) == RECUR_OK);
        int want = (int)(q.to[i + 1] - q.to[i]);
        exact += n == want && memcmp(out, q.tgt + q.to[i], (size_t)n * sizeof *out) == 0;
    }
    fprintf(stderr, "  four images, 200 steps: loss %.4f, %d of 4 captioned exactly\n",
            es.loss, exact);
    CHECK(exact == 4);
    CHECK(es.loss < 0.1);
    recur_seq2seq_trainer_free(tr);
    recur_seq2seq_free(s);
}

static void save_load_same_captions(void)
{
    recur_seq2seq *s = make_captioner(RECUR_LSTM, 2, 12, 5);
    if (!s)
        return;
    const char *names[9] = {"<s>", "</s>", "a", "b", "c", "d", "e", "f", " "};
    CHECK(recur_seq2seq_set_vocab(s, 1, names, 9) == RECUR_OK);
    CHECK(recur_seq2seq_set_meta(s, "data.image_size", "4") == RECUR_OK);
    char path[256];
    snprintf(path, sizeof path, "/tmp/recur_test_caption_%d.safetensors", (int)getpid());
    CHECK(recur_seq2seq_save(s, path) == RECUR_OK);
    recur_seq2seq *t = NULL;
    CHECK(recur_seq2seq_load(path, &t) == RECUR_OK);
    remove(path);
    if (!t) {
        recur_seq2seq_free(s);
        return;
    }
    CHECK(memcmp(recur_seq2seq_get_config(s), recur_seq2seq_get_config(t),
                 sizeof(recur_seq2seq_config)) == 0);
    CHECK(recur_seq2seq_get_config(t)->src_features == P);
    CHECK(recur_seq2seq_get_meta(t, "data.image_size") &&
          !strcmp(recur_seq2seq_get_meta(t, "data.image_size"), "4"));
    recur_seq2seq_decode_config dc;
    recur_seq2seq_decode_config_default(&dc);
    dc.max_len = 10;
    uint64_t st = 5;
    for (int beam = 0; beam <= 3; beam += 3) {
        dc.beam = beam;
        for (int trial = 0; trial < 5; trial++) {
            float x[P];
            random_image(&st, x);
            int32_t a[10], b[10];
            int la, lb;
            double sa, sb;
            CHECK(recur_seq2seq_decode_features(s, x, &dc, a, &la, &sa) == RECUR_OK);
            CHECK(recur_seq2seq_decode_features(t, x, &dc, b, &lb, &sb) == RECUR_OK);
            CHECK(la == lb && sa == sb && memcmp(a, b, (size_t)la * sizeof *a) == 0);
        }
    }
    recur_seq2seq_free(t);
    recur_seq2seq_free(s);
}

static void refusals(void)
{
    recur_seq2seq_config c = {.cell = RECUR_GRU, .tgt_vocab = 9, .bos = 0, .eos = 1,
                              .hidden = 4, .layers = 1, .src_features = P};
    recur_seq2seq *s = NULL;
    recur_seq2seq_config bad = c;
    bad.src_vocab = 3;
    CHECK(recur_seq2seq_create(&bad, 1, &s) == RECUR_E_INVALID && !s);
    bad = c;
    bad.attention = RECUR_ATTN_DOT;
    CHECK(recur_seq2seq_create(&bad, 1, &s) == RECUR_E_INVALID && !s);
    bad = c;
    bad.bidirectional = 1;
    CHECK(recur_seq2seq_create(&bad, 1, &s) == RECUR_E_INVALID && !s);
    bad = c;
    bad.src_features = -1;
    CHECK(recur_seq2seq_create(&bad, 1, &s) == RECUR_E_INVALID && !s);
    CHECK(recur_seq2seq_create(&c, 1, &s) == RECUR_OK);
    if (!s)
        return;
    recur_seq2seq_decode_config dc;
    recur_seq2seq_decode_config_default(&dc);
    dc.max_len = 5;
    int32_t out[5], src[2] = {0, 1};
    int n;
    CHECK(recur_seq2seq_decode(s, src, 2, &dc, out, &n, NULL) == RECUR_E_INVALID);
    CHECK(strstr(recur_last_error(), "feature vectors") != NULL);
    float x[P] = {0};
    x[3] = NAN;
    CHECK(recur_seq2seq_decode_features(s, x, &dc, out, &n, NULL) == RECUR_E_INVALID);
    quadrant_set q;
    quadrant_set_make(&q);
    q.x[5] = INFINITY;
    CHECK(recur_seq2seq_data_check(s, &q.d) == RECUR_E_INVALID);
    CHECK(strstr(recur_last_error(), "example 1") != NULL);
    q.x[5] = 0;
    CHECK(recur_seq2seq_data_check(s, &q.d) == RECUR_OK);
    q.d.features = NULL;
    CHECK(recur_seq2seq_data_check(s, &q.d) == RECUR_E_INVALID);
    recur_seq2seq_free(s);
    /* A token model refuses feature decoding. */
    recur_seq2seq_config tok = {.cell = RECUR_GRU, .src_vocab = 3, .tgt_vocab = 9, .bos = 0,
                                .eos = 1, .hidden = 4, .layers = 1};
    CHECK(recur_seq2seq_create(&tok, 1, &s) == RECUR_OK);
    x[3] = 0;
    CHECK(s && recur_seq2seq_decode_features(s, x, &dc, out, &n, NULL) == RECUR_E_INVALID);
    recur_seq2seq_free(s);
}

TEST_MAIN("test_caption", TL_CASE(greedy_equals_beam1), TL_CASE(learns_four_images),
          TL_CASE(save_load_same_captions), TL_CASE(refusals))
