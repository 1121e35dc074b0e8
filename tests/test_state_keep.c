/* test_state_keep.c - keeping a stream, int8 streaming, and denormals:
 *   - recur_state_save after step t, recur_state_load into a fresh state
 *     (of a second copy of the model, as another process would load it):
 *     the rest of the stream is bit-identical to the uninterrupted one, for
 *     every cell and input kind, float and int8; wrong sizes, another
 *     model's state and bad bytes are refused before anything changes;
 *   - the int8 stream (recur_state_create_quantized) stays within
 *     0.02·max(1, |y|) of the float stream over 64 steps of random models
 *     of every kind (the bound recur/export.h states), differs from it (the
 *     weights really are int8), and allocates nothing per step;
 *   - a stream decaying after a loud input never holds a denormal state
 *     (the kernels flush to zero in software: each float kernel this CPU
 *     has, and int8), a denormal input leaves none either, and
 *     recur_state_step leaves the caller's floating-point mode as it was. */
#include <float.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "core/cpu.h"
#include "infer/stream_kernel.h"
#include "recur.h"
#include "testlib.h"

#include "alloc_count.h" /* allocations(): heap allocations so far */

static uint64_t lcg = 2024;
static float uniform(void) /* in [-1, 1) */
{
    lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)((lcg >> 40) * (1.0 / (1 << 24))) * 2 - 1;
}

static recur_model *make_model(recur_cell cell, recur_input input, int hidden, int layers,
                               uint64_t seed)
{
    recur_config c;
    recur_config_default(&c);
    c.cell = cell;
    c.input = input;
    c.input_size = input == RECUR_INPUT_DENSE ? 3 : 9;
    c.embed_dim = 4;
    c.hidden = hidden;
    c.layers = layers;
    c.output_size = input == RECUR_INPUT_DENSE ? 2 : 9;
    c.loss = input == RECUR_INPUT_DENSE ? RECUR_LOSS_MSE : RECUR_LOSS_XENT;
    recur_model *m = NULL;
    CHECK(recur_model_create(&c, seed, &m) == RECUR_OK);
    return m;
}

enum { T = 64, MAXO = 9 };
static int32_t tok[T];
static float xs[T][3];

static void make_inputs(void)
{
    for (int t = 0; t < T; t++) {
        tok[t] = (int32_t)((t * 5 + t / 3) % 9);
        for (int k = 0; k < 3; k++)
            xs[t][k] = 2 * uniform();
    }
}

/* y [T][MAXO]: the outputs of steps t0..T-1 of s */
static void run(recur_state *s, int t0, float y[][MAXO])
{
    for (int t = t0; t < T; t++)
        CHECK(recur_state_step(s, tok[t], xs[t], y[t]) == RECUR_OK);
}

static const recur_cell cells[] = {RECUR_RNN_TANH, RECUR_RNN_RELU, RECUR_LSTM, RECUR_GRU};

/* ---- save / load ------------------------------------------------------------ */

static void save_load_resumes_exactly(void)
{
    make_inputs();
    for (int k = 0; k < 4; k++)
        for (int input = 0; input < 3; input++)
            for (int q = 0; q < 2; q++) {
                recur_quant quant = q ? RECUR_QUANT_INT8 : RECUR_QUANT_NONE;
                recur_model *m = make_model(cells[k], (recur_input)input, 7, 2, 5);
                recur_model *m2 = make_model(cells[k], (recur_input)input, 7, 2, 5);
                recur_state *a = NULL, *b = NULL;
                CHECK(recur_state_create_quantized(m, quant, &a) == RECUR_OK);
                CHECK(recur_state_create_quantized(m2, quant, &b) == RECUR_OK);
                if (!a || !b) {
                    recur_state_free(a), recur_state_free(b);
                    recur_model_free(m), recur_model_free(m2);
                    continue;
                }
                size_t n = recur_state_size(a);
                CHECK(n == 16 + 4 * 2 * 7 * (cells[k] == RECUR_LSTM ? 2u : 1u));
                unsigned char *buf = malloc(n);
                float whole[T][MAXO], resumed[T][MAXO];
                memset(whole, 0, sizeof whole);
                memset(resumed, 0, sizeof resumed);
                for (int t = 0; t < 23; t++)
                    CHECK(recur_state_step(a, tok[t], xs[t], whole[t]) == RECUR_OK);
                CHECK(recur_state_save(a, buf, n) == RECUR_OK);
                run(a, 23, whole);
                /* b has stepped elsewhere first: the load replaces it all */
                run(b, 40, resumed);
                CHECK(recur_state_load(b, buf, n) == RECUR_OK);
                run(b, 23, resumed);
                CHECK_MSG(memcmp(whole[23], resumed[23], sizeof(float) * MAXO * (T - 23)) == 0,
                          "%s input %d %s: the resumed stream differs",
                          recur_cell_name(cells[k]), input, q ? "int8" : "float");
                /* a reset after a load is the zero state again */
                recur_state_reset(b);
                run(b, 0, resumed);
                recur_state_reset(a);
                run(a, 0, whole);
                CHECK(memcmp(whole, resumed, sizeof whole) == 0);
                free(buf);
                recur_state_free(a), recur_state_free(b);
                recur_model_free(m), recur_model_free(m2);
            }
}

static void load_refuses_other_states(void)
{
    recur_model *lstm = make_model(RECUR_LSTM, RECUR_INPUT_DENSE, 6, 1, 1);
    recur_model *gru = make_model(RECUR_GRU, RECUR_INPUT_DENSE, 6, 1, 1);
    recur_model *wide = make_model(RECUR_GRU, RECUR_INPUT_DENSE, 12, 1, 1);
    recur_state *a = NULL, *b = NULL, *w = NULL;
    CHECK(recur_state_create(lstm, &a) == RECUR_OK);
    CHECK(recur_state_create(gru, &b) == RECUR_OK);
    CHECK(recur_state_create(wide, &w) == RECUR_OK);
    if (a && b && w) {
        unsigned char buf[1024], before[1024];
        size_t na = recur_state_size(a), nb = recur_state_size(b);
        CHECK(na == 16 + 2 * 6 * 4 && nb == 16 + 6 * 4);
        CHECK(recur_state_save(a, buf, na - 1) == RECUR_E_INVALID);
        CHECK(recur_state_save(a, NULL, na) == RECUR_E_INVALID);
        float y[2];
        CHECK(recur_state_step(b, 0, xs[0], y) == RECUR_OK);
        CHECK(recur_state_save(b, before, nb) == RECUR_OK);
        CHECK(recur_state_save(a, buf, na) == RECUR_OK);
        CHECK(recur_state_load(b, buf, na) == RECUR_E_INVALID); /* LSTM's size */
        CHECK(recur_state_save(w, buf, recur_state_size(w)) == RECUR_OK);
        CHECK(recur_state_load(b, buf, recur_state_size(w)) == RECUR_E_INVALID);
        /* same size, another model: a GRU state of 6 units vs an RNN's 12? no:
         * a GRU of 6 and a GRU header claiming 12 */
        CHECK(recur_state_save(b, buf, nb) == RECUR_OK);
        buf[12] = 12; /* H = 12 in the header */
        CHECK(recur_state_load(b, buf, nb) == RECUR_E_MISMATCH);
        buf[12] = 6;
        buf[0] = 'X';
        CHECK(recur_state_load(b, buf, nb) == RECUR_E_FORMAT);
        unsigned char after[1024];
        CHECK(recur_state_save(b, after, nb) == RECUR_OK);
        CHECK(memcmp(before, after, nb) == 0); /* nothing changed */
    }
    recur_state_free(a), recur_state_free(b), recur_state_free(w);
    recur_model_free(lstm), recur_model_free(gru), recur_model_free(wide);
}

/* ---- int8 ------------------------------------------------------------------ */

static void int8_within_bound(void)
{
    make_inputs();
    double worst = 0;
    for (int k = 0; k < 4; k++)
        for (int input = 0; input < 3; input++)
            for (int H = 8; H <= 64; H *= 8) {
                recur_model *m = make_model(cells[k], (recur_input)input, H, 2, 11 + (uint64_t)H);
                recur_state *f = NULL, *q = NULL;
                CHECK(recur_state_create(m, &f) == RECUR_OK);
                CHECK(recur_state_create_quantized(m, RECUR_QUANT_INT8, &q) == RECUR_OK);
                if (f && q) {
                    float yf[T][MAXO], yq[T][MAXO];
                    int O = input == RECUR_INPUT_DENSE ? 2 : 9;
                    run(f, 0, yf);
                    long before = allocations();
                    run(q, 0, yq);
                    CHECK(allocations() == before);
                    double w = 0;
                    for (int t = 0; t < T; t++)
                        for (int o = 0; o < O; o++)
                            w = fmax(w, fabs((double)yq[t][o] - yf[t][o]) /
                                            fmax(1.0, fabs((double)yf[t][o])));
                    CHECK_MSG(w <= 0.02, "%s input %d H=%d: int8 off by %g",
                              recur_cell_name(cells[k]), input, H, w);
                    CHECK_MSG(w > 0, "%s input %d H=%d: int8 equals float exactly",
                              recur_cell_name(cells[k]), input, H);
                    worst = fmax(worst, w);
                }
                recur_state_free(f), recur_state_free(q);
                recur_model_free(m);
            }
    fprintf(stderr, "  int8 vs float: largest difference %.3g of max(1, |y|)\n", worst);
}

/* ---- denormals ------------------------------------------------------------- */

/* Models whose state halves every step once the one loud input has passed,
 * so that it falls through the denormal range towards 0 (input 1, 4 units,
 * Dense(1)):
 *   relu RNN: W_hh = I/2, no biases;
 *   LSTM: W_hh = 0, f = σ(0) = 1/2, the input gate shut by b_i = −100 and g =
 *     tanh(0) = 0 after the loud step, so c halves (h = σ(0)·tanh(c) goes to
 *     0 sooner, below float's epsilon); the loud step opens i and g;
 *   GRU: W_hh = 0, z = σ(0) = 1/2, n = tanh(0) = 0 after the loud step, so h
 *     halves; the vector kernels' (1 − z)·(n + 1) − (1 − z) form takes it
 *     to 0 below float's epsilon instead, so there only "no denormal" and
 *     "reaches 0" are checked. */
static recur_model *halving_model(recur_cell cell)
{
    recur_config c;
    recur_config_default(&c);
    c.cell = cell;
    c.input = RECUR_INPUT_DENSE;
    c.input_size = 1, c.hidden = 4, c.output_size = 1;
    c.loss = RECUR_LOSS_MSE;
    recur_model *m = NULL;
    CHECK(recur_model_create(&c, 1, &m) == RECUR_OK);
    if (!m)
        return NULL;
    int G = cell == RECUR_LSTM ? 4 : cell == RECUR_GRU ? 3 : 1;
    float wih[16] = {0}, bih[16] = {0}, whh[16 * 4] = {0}, zero[16] = {0};
    float fc[4] = {1, 1, 1, 1};
    for (int j = 0; j < 4; j++) {
        if (cell == RECUR_LSTM) { /* gates i f g o */
            wih[j] = 1, bih[j] = -100;
            wih[8 + j] = 1;
        } else if (cell == RECUR_GRU) { /* gates r z n */
            wih[8 + j] = 1;
        } else {
            wih[j] = j == 3 ? 2 : 1.0f / (float)(1 << j);
            whh[j * 5] = 0.5f;
        }
    }
    CHECK(recur_model_set_tensor(m, "rnn.weight_ih_l0", wih, 4 * G) == RECUR_OK);
    CHECK(recur_model_set_tensor(m, "rnn.weight_hh_l0", whh, 16 * G) == RECUR_OK);
    CHECK(recur_model_set_tensor(m, "rnn.bias_ih_l0", bih, 4 * G) == RECUR_OK);
    CHECK(recur_model_set_tensor(m, "rnn.bias_hh_l0", zero, 4 * G) == RECUR_OK);
    CHECK(recur_model_set_tensor(m, "fc.weight", fc, 4) == RECUR_OK);
    CHECK(recur_model_set_tensor(m, "fc.bias", zero, 1) == RECUR_OK);
    return m;
}

/* Every kernel this CPU has (float: the portable, AVX2 and AVX-512 ones,
 * each flushing in its own code; then int8), one stream each, for each
 * model above: no state (h, and an LSTM's c) is ever denormal, the states
 * reach 0, and, where the arithmetic halves exactly, at the step the flush
 * predicts: below 2^-126 after 1e30·2 = 2^100.6 (relu: about 227 steps) or
 * 1 (LSTM c: 127 steps). */
static void decay_never_denormal(void)
{
    static const struct {
        recur_cell cell;
        int lo, hi; /* the step the state reaches 0, exclusive bounds */
    } cases[] = {{RECUR_RNN_RELU, 200, 240}, {RECUR_LSTM, 120, 135}, {RECUR_GRU, 0, 240}};
    for (int n = 0; n < 3; n++) {
        recur_model *m = halving_model(cases[n].cell);
        for (int k = 0; k <= RECUR_ISA_COUNT && m; k++) {
            int q = k == RECUR_ISA_COUNT; /* the int8 stream after the float kernels */
            if (!q && recur__stream_force_isa(k) < 0)
                continue;
            recur_state *s = NULL;
            CHECK(recur_state_create_quantized(m, q ? RECUR_QUANT_INT8 : RECUR_QUANT_NONE,
                                               &s) == RECUR_OK);
            recur__stream_force_isa(RECUR_ISA_COUNT);
            if (!s)
                continue;
            const char *what = q ? "int8" : recur__isa_name(k);
            size_t size = recur_state_size(s), nv = (size - 16) / sizeof(float);
            CHECK(size <= 16 + 8 * sizeof(float));
            float x = 1e30f, y, v[8];
            unsigned char buf[16 + 8 * sizeof(float)];
            int denormal = 0, zero_at = -1;
#if defined(__x86_64__) || defined(__SSE__)
            unsigned csr = _mm_getcsr();
#endif
            for (int t = 0; t < 400 && size <= sizeof buf; t++) {
                CHECK(recur_state_step(s, 0, &x, &y) == RECUR_OK);
                x = t == 300 ? 1e-40f : 0; /* a denormal input, too */
                CHECK(recur_state_save(s, buf, size) == RECUR_OK);
                memcpy(v, buf + 16, nv * sizeof *v);
                int all_zero = 1;
                for (size_t j = 0; j < nv; j++) {
                    denormal |= v[j] != 0 && fabsf(v[j]) < FLT_MIN;
                    all_zero &= v[j] == 0;
                }
                if (zero_at < 0 && all_zero)
                    zero_at = t;
#if defined(__x86_64__) || defined(__SSE__)
                /* the caller's mode untouched (bits 0-5 are the sticky
                 * exception flags any float arithmetic sets) */
                CHECK((_mm_getcsr() & ~0x3Fu) == (csr & ~0x3Fu));
#endif
            }
            const char *cell = recur_cell_name(cases[n].cell);
            CHECK_MSG(!denormal, "%s %s: a state went denormal", cell, what);
            CHECK_MSG(zero_at > cases[n].lo && zero_at < cases[n].hi,
                      "%s %s: the state reached 0 at step %d", cell, what, zero_at);
            recur_state_free(s);
        }
        recur_model_free(m);
    }
}

TEST_MAIN("test_state_keep", TL_CASE(save_load_resumes_exactly),
          TL_CASE(load_refuses_other_states), TL_CASE(int8_within_bound),
          TL_CASE(decay_never_denormal))
