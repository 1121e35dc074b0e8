/* f64_seq2seq.c - finite-difference check of the whole encoder-decoder's
 * gradient in double precision (built with -DRECUR_REAL_DOUBLE against
 * librecur_f64.a): the teacher-forced mean cross-entropy of a padded batch
 * of variable-length sources and targets, differentiated through the
 * decoder, the bridge of final states into initial states, and the
 * (bidirectional) encoder. Every parameter of both halves is checked (a
 * random sample of a large tensor) against central differences (h = 1e-6),
 * with the same tolerance as f64_gradcheck: |a − n| / max(|a| + |n|, 1e-8)
 * ≤ 1e-5, an element missing it re-checked with the five-point stencil at
 * h = 1e-4. Dropout cases reseed the same rng for every evaluation.
 * Attention cases (dot, general, additive) check the head's parameters too,
 * and that padded source steps get zero weight and zero gradient.
 * Image cases (V_src 0: a source of IMAGE_FEATURES reals through the dense
 * step into the decoder's initial state, as `recur caption` trains) check
 * that path for each decoder cell, an LSTM decoder starting from c0 = 0. */
#include "nn/model.h"
#include "core/rng.h"
#include "seq2seq/seq2seq.h"
#include "testlib.h"

#include <math.h>
#include <string.h>

#ifndef RECUR_REAL_DOUBLE
#error "f64_seq2seq must be compiled with -DRECUR_REAL_DOUBLE"
#endif

#define REL_TOL 1e-5
#define REL_FLOOR 1e-8
#define NOISE_FLOOR 1e-11
#define FULL_CHECK_MAX 160
#define SAMPLE_COUNT 40
#define IMAGE_FEATURES 7

typedef struct {
    recur_cell cell;
    int layers, bidir, embed, H, V_src, V_tgt, B;
    float dropout;
    uint64_t seed;
    recur_attention att;
} s2s_spec;

typedef struct {
    recur_seq2seq *s;
    s2s_batch b;
    recur_seq2seq_data d;
    long so[8], to[8];
    int32_t src[64], tgt[64];
    float feat[8 * IMAGE_FEATURES];
    long idx[8];
    int use_drop;
    rng drop;
} ctx;

static double loss_of(ctx *c, int backward)
{
    rng r;
    recur__rng_seed(&r, 77);
    long n, k;
    if (backward) {
        recur__model_zero_grads(c->s->enc);
        recur__model_zero_grads(c->s->dec);
        if (c->s->att.n)
            memset(c->s->att.grads, 0, (size_t)c->s->att.n * sizeof(real));
    }
    double l = recur__s2s_forward_backward(c->s, &c->b, c->use_drop ? &r : NULL, backward, &n, &k);
    return l / (double)n;
}

static double five_point(ctx *c, real *p, double h)
{
    real x0 = *p;
    *p = x0 + 2 * h;
    double a = loss_of(c, 0);
    *p = x0 + h;
    double b = loss_of(c, 0);
    *p = x0 - h;
    double cc = loss_of(c, 0);
    *p = x0 - 2 * h;
    double d = loss_of(c, 0);
    *p = x0;
    return (-a + 8 * b - 8 * cc + d) / (12 * h);
}

static double rel_err(double a, double n)
{
    double den = fabs(a) + fabs(n);
    return fabs(a - n) / (den > REL_FLOOR ? den : REL_FLOOR);
}

/* Tensor `name` (n values at p; g: its analytic gradient) against central
 * differences: all of a small tensor, a random sample of a large one. */
static long check_tensor(ctx *c, const char *which, const char *name, real *p0,
                         const real *g, long n, rng *pick, double *worst, long *checked)
{
    long failed = 0;
    long count = n <= FULL_CHECK_MAX ? n : SAMPLE_COUNT;
    for (long j = 0; j < count; j++) {
        long i = n <= FULL_CHECK_MAX ? j : (long)recur__rng_below(pick, (uint64_t)n);
        real *p = p0 + i;
        real x0 = *p;
        double h = 1e-6;
        *p = x0 + h;
        double lp = loss_of(c, 0);
        *p = x0 - h;
        double lm = loss_of(c, 0);
        *p = x0;
        double num = (lp - lm) / (2 * h), a = g[i];
        double e = rel_err(a, num);
        if (e > REL_TOL) {
            double n5 = five_point(c, p, 1e-4);
            /* The five-point estimate carries about eps·|L|/h ≈ 1e-12 of
             * rounding: a smaller difference than NOISE_FLOOR is that noise
             * (tiny gradients, e.g. attention.W_q's ~1e-9). */
            e = fabs(a - n5) <= NOISE_FLOOR ? 0 : rel_err(a, n5);
        }
        if (e > *worst)
            *worst = e;
        (*checked)++;
        if (e > REL_TOL) {
            if (failed < 5)
                fprintf(stderr, "  %s %s[%ld]: analytic %.9g numeric %.9g\n", which, name,
                        i, a, num);
            failed++;
        }
    }
    return failed;
}

static long check_model(ctx *c, recur_model *m, const char *which, double *worst,
                        long *checked)
{
    long failed = 0;
    rng pick;
    recur__rng_seed(&pick, 99);
    /* the analytic gradient of this model, copied before probing */
    loss_of(c, 1);
    real *g = malloc((size_t)m->nparams * sizeof *g);
    memcpy(g, m->grads, (size_t)m->nparams * sizeof *g);
    for (int t = 0; t < m->ntensors; t++) {
        const param_tensor *pt = &m->tensors[t];
        failed += check_tensor(c, which, pt->name, pt->p, g + (pt->p - m->params), pt->n,
                               &pick, worst, checked);
    }
    free(g);
    return failed;
}

static long check_attention(ctx *c, double *worst, long *checked)
{
    s2s_attention *a = &c->s->att;
    long failed = 0;
    rng pick;
    recur__rng_seed(&pick, 98);
    loss_of(c, 1);
    real *g = malloc((size_t)a->n * sizeof *g);
    memcpy(g, a->grads, (size_t)a->n * sizeof *g);
    for (int t = 0; t < a->ntensors; t++)
        failed += check_tensor(c, "attention", a->t[t].name, a->t[t].p,
                               g + (a->t[t].p - a->params), a->t[t].n, &pick, worst,
                               checked);
    free(g);
    return failed;
}

/* Padded source steps: weight exactly 0, and exactly 0 gradient into the
 * encoder's outputs there. */
static void check_padding(ctx *c)
{
    loss_of(c, 1);
    const s2s_batch *b = &c->b;
    int M = c->s->att.M, bad = 0, padded = 0;
    for (int k = 0; k < b->b; k++)
        for (int s = b->src_len[k]; s < b->ts; s++) {
            padded++;
            for (int t = 0; t < b->tt; t++)
                bad += b->wa.a[((long)k * b->tt + t) * b->ts + s] != 0;
            for (int j = 0; j < M; j++)
                bad += b->wa.de[((long)s * b->b + k) * M + j] != 0;
        }
    CHECK(padded > 0);
    CHECK_MSG(bad == 0, "%d weights or gradients at padded source steps are not 0", bad);
}

static void run_case(const s2s_spec *sp, const char *label)
{
    recur_seq2seq_config cfg = {.cell = sp->cell, .src_vocab = sp->V_src,
                                .tgt_vocab = sp->V_tgt, .bos = 0, .eos = 1,
                                .embed_dim = sp->embed, .hidden = sp->H,
                                .layers = sp->layers, .bidirectional = sp->bidir,
                                .dropout = sp->dropout, .attention = sp->att,
                                .src_features = sp->V_src ? 0 : IMAGE_FEATURES};
    ctx c;
    memset(&c, 0, sizeof c);
    CHECK(recur_seq2seq_create(&cfg, sp->seed, &c.s) == RECUR_OK);
    if (!c.s)
        return;
    rng r;
    recur__rng_seed(&r, sp->seed + 1);
    recur_model *ms[2] = {c.s->enc, c.s->dec};
    for (int k = 0; k < 2; k++)
        for (long i = 0; i < ms[k]->nparams; i++)
            ms[k]->params[i] = (real)(recur__rng_uniform(&r) * 1.2 - 0.6);
    for (long i = 0; i < c.s->att.n; i++)
        c.s->att.params[i] = (real)(recur__rng_uniform(&r) * 1.2 - 0.6);
    /* Variable lengths on both sides, one empty target; targets avoid
     * bos/eos. */
    static const int slen[6] = {3, 1, 4, 2, 4, 1};
    static const int tlen[6] = {2, 3, 0, 4, 1, 2};
    int B = sp->B;
    long ns = 0, nt = 0;
    for (int b = 0; b < B; b++) {
        c.so[b] = ns, c.to[b] = nt;
        for (int t = 0; sp->V_src && t < slen[b]; t++)
            c.src[ns++] = (int32_t)recur__rng_below(&r, (uint64_t)sp->V_src);
        for (int j = 0; !sp->V_src && j < IMAGE_FEATURES; j++)
            c.feat[b * IMAGE_FEATURES + j] = (float)recur__rng_uniform(&r);
        for (int t = 0; t < tlen[b]; t++)
            c.tgt[nt++] = 2 + (int32_t)recur__rng_below(&r, (uint64_t)sp->V_tgt - 2);
        c.idx[b] = b;
    }
    c.so[B] = ns, c.to[B] = nt;
    c.d = (recur_seq2seq_data){.count = B, .src_offsets = c.so, .src = c.src,
                               .tgt_offsets = c.to, .tgt = c.tgt};
    if (!sp->V_src)
        c.d = (recur_seq2seq_data){.count = B, .tgt_offsets = c.to, .tgt = c.tgt,
                                   .features = c.feat};
    CHECK(recur_seq2seq_data_check(c.s, &c.d) == RECUR_OK);
    CHECK(recur__s2s_batch_alloc(c.s, 4, 5, B, &c.b) == RECUR_OK);
    recur__s2s_batch_pack(&c.b, c.s, &c.d, c.idx, B);
    c.use_drop = sp->dropout > 0;
    double worst = 0;
    long checked = 0, failed = 0;
    failed += check_model(&c, c.s->enc, "encoder", &worst, &checked);
    failed += check_model(&c, c.s->dec, "decoder", &worst, &checked);
    if (sp->att != RECUR_ATTN_NONE) {
        failed += check_attention(&c, &worst, &checked);
        check_padding(&c);
    }
    fprintf(stderr, "  %-34s %5ld elements, worst rel. error %.2e\n", label, checked,
            worst);
    CHECK_MSG(failed == 0, "%s: %ld of %ld gradient elements off", label, failed, checked);
    /* The encoder must receive gradient through the bridge. */
    loss_of(&c, 1);
    CHECK(recur__grad_norm(c.s->enc->grads, c.s->enc->nparams) > 1e-6);
    recur__s2s_batch_free(&c.b);
    recur_seq2seq_free(c.s);
}

/* Padding on both sides changes nothing: the summed loss and gradient of a
 * padded batch equal those of its examples run one at a time. */
static void batch_equals_singles(recur_cell kind, recur_attention att)
{
    recur_seq2seq_config cfg = {.cell = kind, .src_vocab = 5, .tgt_vocab = 6, .bos = 0,
                                .eos = 1, .embed_dim = 3, .hidden = 3, .layers = 2,
                                .bidirectional = 1, .attention = att};
    recur_seq2seq *s = NULL;
    CHECK(recur_seq2seq_create(&cfg, 5, &s) == RECUR_OK);
    if (!s)
        return;
    static const long so[7] = {0, 3, 4, 8, 10, 14, 15}, to[7] = {0, 2, 5, 5, 9, 10, 12};
    int32_t src[15], tgt[12];
    rng r;
    recur__rng_seed(&r, 3);
    for (int i = 0; i < 15; i++)
        src[i] = (int32_t)recur__rng_below(&r, 5);
    for (int i = 0; i < 12; i++)
        tgt[i] = 2 + (int32_t)recur__rng_below(&r, 4);
    recur_seq2seq_data d = {6, so, src, to, tgt, NULL};
    long idx[6] = {0, 1, 2, 3, 4, 5}, n, k;
    long ne = s->enc->nparams, nd = s->dec->nparams, na = s->att.n;
    real *gsum = calloc((size_t)(ne + nd + na), sizeof *gsum);
    s2s_batch b;
    CHECK(recur__s2s_batch_alloc(s, 4, 5, 6, &b) == RECUR_OK);
    double singles = 0;
    for (int i = 0; i < 6; i++) {
        recur__s2s_batch_pack(&b, s, &d, idx + i, 1);
        recur__model_zero_grads(s->enc);
        recur__model_zero_grads(s->dec);
        if (na)
            memset(s->att.grads, 0, (size_t)na * sizeof(real));
        singles += recur__s2s_forward_backward(s, &b, NULL, 1, &n, &k);
        for (long j = 0; j < ne; j++)
            gsum[j] += s->enc->grads[j] * (real)n;
        for (long j = 0; j < nd; j++)
            gsum[ne + j] += s->dec->grads[j] * (real)n;
        for (long j = 0; j < na; j++)
            gsum[ne + nd + j] += s->att.grads[j] * (real)n;
    }
    recur__s2s_batch_pack(&b, s, &d, idx, 6);
    recur__model_zero_grads(s->enc);
    recur__model_zero_grads(s->dec);
    if (na)
        memset(s->att.grads, 0, (size_t)na * sizeof(real));
    double batch = recur__s2s_forward_backward(s, &b, NULL, 1, &n, &k);
    CHECK(n == 12 + 6);
    CHECK_NEAR(batch, singles, 1e-12);
    double worst = 0;
    for (long j = 0; j < ne + nd + na; j++) {
        double g = (j < ne        ? s->enc->grads[j]
                    : j < ne + nd ? s->dec->grads[j - ne]
                                  : s->att.grads[j - ne - nd]) *
                   (real)n;
        double e = fabs(g - gsum[j]);
        worst = e > worst ? e : worst;
    }
    CHECK_MSG(worst < 1e-12, "batch and single-example gradients differ by %g", worst);
    free(gsum);
    recur__s2s_batch_free(&b);
    recur_seq2seq_free(s);
}

static void lstm_batch_equals_singles(void) { batch_equals_singles(RECUR_LSTM, RECUR_ATTN_NONE); }
static void gru_batch_equals_singles(void) { batch_equals_singles(RECUR_GRU, RECUR_ATTN_NONE); }
static void attention_batch_equals_singles(void)
{
    batch_equals_singles(RECUR_LSTM, RECUR_ATTN_DOT);
    batch_equals_singles(RECUR_GRU, RECUR_ATTN_GENERAL);
    batch_equals_singles(RECUR_LSTM, RECUR_ATTN_ADDITIVE);
}

static void attn_dot_lstm_bidir(void)
{
    s2s_spec s = {RECUR_LSTM, 1, 1, 3, 2, 5, 6, 6, 0, 21, RECUR_ATTN_DOT};
    run_case(&s, "attention dot, lstm bidirectional");
}
static void attn_general_gru_2layers(void)
{
    s2s_spec s = {RECUR_GRU, 2, 0, 0, 3, 4, 5, 5, 0, 22, RECUR_ATTN_GENERAL};
    run_case(&s, "attention general, gru 2 layers");
}
static void attn_additive_lstm_bidir(void)
{
    s2s_spec s = {RECUR_LSTM, 2, 1, 3, 2, 5, 6, 6, 0, 23, RECUR_ATTN_ADDITIVE};
    run_case(&s, "attention additive, lstm bi, 2 layers");
}
static void attn_additive_rnn(void)
{
    s2s_spec s = {RECUR_RNN_TANH, 1, 0, 2, 3, 4, 5, 4, 0, 24, RECUR_ATTN_ADDITIVE};
    run_case(&s, "attention additive, rnn_tanh");
}

static void lstm_onehot(void)
{
    s2s_spec s = {RECUR_LSTM, 1, 0, 0, 3, 4, 5, 4, 0, 11, RECUR_ATTN_NONE};
    run_case(&s, "lstm one-hot");
}
static void lstm_bidir_embed_2layers(void)
{
    s2s_spec s = {RECUR_LSTM, 2, 1, 3, 2, 5, 6, 6, 0, 12, RECUR_ATTN_NONE};
    run_case(&s, "lstm bidirectional, embedding, 2 layers");
}
static void gru_bidir_onehot(void)
{
    s2s_spec s = {RECUR_GRU, 1, 1, 0, 3, 4, 5, 5, 0, 13, RECUR_ATTN_NONE};
    run_case(&s, "gru bidirectional one-hot");
}
static void gru_embed_2layers_dropout(void)
{
    s2s_spec s = {RECUR_GRU, 2, 1, 3, 2, 5, 5, 6, 0.3f, 14, RECUR_ATTN_NONE};
    run_case(&s, "gru bidirectional, 2 layers, dropout");
}
static void rnn_tanh_embed(void)
{
    s2s_spec s = {RECUR_RNN_TANH, 2, 0, 2, 3, 4, 5, 4, 0, 15, RECUR_ATTN_NONE};
    run_case(&s, "rnn_tanh embedding, 2 layers");
}

static void image_gru(void)
{
    s2s_spec s = {RECUR_GRU, 1, 0, 3, 4, 0, 6, 5, 0, 31, RECUR_ATTN_NONE};
    run_case(&s, "image -> dense -> gru decoder");
}
static void image_lstm_2layers_dropout(void)
{
    s2s_spec s = {RECUR_LSTM, 2, 0, 3, 3, 0, 6, 6, 0.3f, 32, RECUR_ATTN_NONE};
    run_case(&s, "image -> lstm 2 layers, dropout");
}
static void image_rnn_onehot(void)
{
    s2s_spec s = {RECUR_RNN_TANH, 1, 0, 0, 3, 0, 5, 4, 0, 33, RECUR_ATTN_NONE};
    run_case(&s, "image -> rnn_tanh, one-hot");
}

TEST_MAIN("f64_seq2seq", TL_CASE(lstm_onehot), TL_CASE(lstm_bidir_embed_2layers),
          TL_CASE(gru_bidir_onehot), TL_CASE(gru_embed_2layers_dropout),
          TL_CASE(rnn_tanh_embed), TL_CASE(lstm_batch_equals_singles),
          TL_CASE(gru_batch_equals_singles), TL_CASE(attention_batch_equals_singles),
          TL_CASE(attn_dot_lstm_bidir), TL_CASE(attn_general_gru_2layers),
          TL_CASE(attn_additive_lstm_bidir), TL_CASE(attn_additive_rnn),
          TL_CASE(image_gru), TL_CASE(image_lstm_2layers_dropout), TL_CASE(image_rnn_onehot))
