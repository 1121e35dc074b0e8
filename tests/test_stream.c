/* test_stream.c - the streaming path (recur_state / recur_state_step): stepping
 * gives the whole-sequence forward's outputs (recur_forward) to 1e-6 for
 * every cell kind, input kind, a range of widths and depths, including the
 * shapes of the streaming benchmark (input 1, hidden 8..128, Dense(1)); and
 * a step performs no heap allocation at all, counted by wrapping malloc. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "infer/stream_kernel.h"
#include "recur.h"
#include "testlib.h"

/* Counting allocations: alloc_count.h (not under the sanitizers). */
#include "alloc_count.h"

static uint64_t lcg = 12345;
static float uniform(void) /* in [-1, 1) */
{
    lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)((lcg >> 40) * (1.0 / (1 << 24))) * 2 - 1;
}

static recur_model *make_model(recur_cell cell, recur_input input, int in_size,
                               int embed, int hidden, int layers, int out)
{
    recur_config c;
    recur_config_default(&c);
    c.cell = cell;
    c.input = input;
    c.input_size = in_size;
    c.embed_dim = embed;
    c.hidden = hidden;
    c.layers = layers;
    c.output_size = out;
    c.loss = input == RECUR_INPUT_DENSE ? RECUR_LOSS_MSE : RECUR_LOSS_XENT;
    recur_model *m = NULL;
    CHECK(recur_model_create(&c, 7, &m) == RECUR_OK);
    return m;
}

/* Step through T inputs and compare with one whole-sequence forward. The
 * reference runs the sequence twice, as a batch of 2 (a single sequence
 * would itself go through the streaming kernels), on the training path's
 * forward; row 0 is compared. */
static double step_vs_sequence(recur_model *m, int T)
{
    const recur_config *c = recur_model_get_config(m);
    int dense = c->input == RECUR_INPUT_DENSE, I = c->input_size;
    /* an encoder (no dense layer) outputs its top layer's state */
    int O = c->output_size ? c->output_size : c->proj ? c->proj : c->hidden;
    int32_t *tok = malloc((size_t)T * 2 * sizeof *tok);
    float *x = malloc((size_t)T * 2 * I * sizeof *x);
    float *ys = malloc((size_t)T * 2 * O * sizeof *ys), *y = malloc((size_t)O * sizeof *y);
    for (int t = 0; t < T; t++)
        tok[2 * t] = tok[2 * t + 1] = (int32_t)((t * 7 + t / 3) % I);
    for (long i = 0; i < (long)T * I; i++)
        x[2 * I * (i / I) + i % I] = x[2 * I * (i / I) + I + i % I] = uniform();
    CHECK(recur_forward(m, T, 2, tok, x, ys) == RECUR_OK);
    recur_state *s = NULL;
    CHECK(recur_state_create(m, &s) == RECUR_OK);
    double worst = 0;
    for (int pass = 0; pass < 2 && s; pass++) { /* reset must restart cleanly */
        recur_state_reset(s);
        for (int t = 0; t < T; t++) {
            CHECK(recur_state_step(s, tok[2 * t], dense ? x + 2L * t * I : NULL, y) ==
                  RECUR_OK);
            for (int o = 0; o < O; o++) {
                double d = fabs((double)y[o] - ys[2L * t * O + o]);
                worst = d > worst ? d : worst;
            }
        }
    }
    recur_state_free(s);
    free(tok), free(x), free(ys), free(y);
    return worst;
}

static const recur_cell cells[] = {RECUR_RNN_TANH, RECUR_RNN_RELU, RECUR_LSTM, RECUR_GRU};

/* All cells and input kinds, widths below, at and above the kernels' vector
 * widths and unrolling (1, 3, 8, 13, 33), one and three layers, narrow and
 * wide outputs (both packed layouts). */
static void step_equals_sequence(void)
{
    const int widths[] = {1, 3, 8, 13, 33};
    for (int k = 0; k < 4; k++)
        for (int w = 0; w < 5; w++)
            for (int layers = 1; layers <= 3; layers += 2)
                for (int input = 0; input < 3; input++) {
                    int H = widths[w], O = input == 0 ? 1 + w * 5 : 2 + w;
                    recur_model *m = make_model(cells[k], (recur_input)input,
                                                input == 0 ? 11 : 17, input == 1 ? 5 : 0,
                                                H, layers, O);
                    if (!m)
                        continue;
                    double worst = step_vs_sequence(m, 40);
                    CHECK_MSG(worst <= 1e-6, "%s H=%d L=%d input %d: step vs sequence "
                              "differ by %g", recur_cell_name(cells[k]), H, layers,
                              input, worst);
                    recur_model_free(m);
                }
}

/* A model without a dense layer streams its top layer's state, as
 * recur_forward gives it: every cell, input kind, one and two layers, an
 * LSTM with a projection; the int8 stream too, against the float one
 * (every y value written, none left as the -777 it was filled with). */
static void encoder_streams(void)
{
    for (int k = 0; k < 4; k++)
        for (int layers = 1; layers <= 2; layers++)
            for (int input = 0; input < 3; input++)
                for (int proj = 0; proj <= (cells[k] == RECUR_LSTM ? 3 : 0); proj += 3) {
                    recur_config c;
                    recur_config_default(&c);
                    c.cell = cells[k];
                    c.input = (recur_input)input;
                    c.input_size = input == 0 ? 11 : 17;
                    c.embed_dim = input == 1 ? 5 : 0;
                    c.hidden = 16, c.layers = layers, c.proj = proj, c.output_size = 0;
                    c.loss = RECUR_LOSS_MSE;
                    recur_model *m = NULL;
                    CHECK(recur_model_create(&c, 3, &m) == RECUR_OK);
                    if (!m)
                        continue;
                    double worst = step_vs_sequence(m, 30);
                    CHECK_MSG(worst <= 1e-6, "%s encoder L=%d input %d proj %d: step vs "
                              "sequence differ by %g", recur_cell_name(cells[k]), layers,
                              input, proj, worst);
                    recur_state *f = NULL, *q = NULL;
                    if (!proj && recur_state_create(m, &f) == RECUR_OK &&
                        recur_state_create_quantized(m, RECUR_QUANT_INT8, &q) == RECUR_OK) {
                        float x[17], yf[16], yq[16];
                        double diff = 0;
                        for (int t = 0; t < 10; t++) {
                            for (int i = 0; i < 17; i++)
                                x[i] = uniform();
                            for (int j = 0; j < 16; j++)
                                yf[j] = yq[j] = -777;
                            CHECK(recur_state_step(f, t % 11, x, yf) == RECUR_OK);
                            CHECK(recur_state_step(q, t % 11, x, yq) == RECUR_OK);
                            for (int j = 0; j < 16; j++)
                                diff = fmax(diff, fabs((double)yf[j] - yq[j]));
                        }
                        CHECK_MSG(diff < 0.05, "%s encoder L=%d input %d: int8 stream "
                                  "%g from the float one", recur_cell_name(cells[k]),
                                  layers, input, diff);
                    }
                    recur_state_free(f);
                    recur_state_free(q);
                    recur_model_free(m);
                }
}

/* The streaming benchmark's shapes: dense input 1, hidden 8..128, Dense(1),
 * over a longer stream. */
static void benchmark_shapes(void)
{
    for (int k = 2; k < 4; k++)
        for (int H = 8; H <= 128; H *= 2) {
            recur_model *m = make_model(cells[k], RECUR_INPUT_DENSE, 1, 0, H, 1, 1);
            if (!m)
                continue;
            double worst = step_vs_sequence(m, 1100); /* > 2 windows */
            CHECK_MSG(worst <= 1e-6, "%s H=%d: step vs sequence differ by %g",
                      recur_cell_name(cells[k]), H, worst);
            recur_model_free(m);
        }
}

/* recur_forward runs long unidirectional sequences in windows with the
 * state carried: B interleaved sequences over several windows and a partial
 * one equal B separate streams. */
static void long_batch_equals_streams(void)
{
    for (int k = 0; k < 4; k++) {
        recur_model *m = make_model(cells[k], RECUR_INPUT_ONEHOT, 13, 0, 20, 2, 13);
        if (!m)
            continue;
        enum { T = 1200, B = 3, V = 13 };
        int32_t *tok = malloc((size_t)T * B * sizeof *tok);
        float *ys = malloc((size_t)T * B * V * sizeof *ys), y[V];
        for (long i = 0; i < (long)T * B; i++)
            tok[i] = (int32_t)((i * 5 + i / 7) % V);
        CHECK(recur_forward(m, T, B, tok, NULL, ys) == RECUR_OK);
        double worst = 0;
        for (int b = 0; b < B; b++) {
            recur_state *s = NULL;
            CHECK(recur_state_create(m, &s) == RECUR_OK);
            for (int t = 0; t < T && s; t++) {
                CHECK(recur_state_step(s, tok[(long)t * B + b], NULL, y) == RECUR_OK);
                for (int o = 0; o < V; o++) {
                    double d = fabs((double)y[o] - ys[((long)t * B + b) * V + o]);
                    worst = d > worst ? d : worst;
                }
            }
            recur_state_free(s);
        }
        CHECK_MSG(worst <= 1e-6, "%s: %d sequences of %d steps differ from streams by %g",
                  recur_cell_name(cells[k]), B, T, worst);
        free(tok), free(ys);
        recur_model_free(m);
    }
}

/* Models large enough for two threads inside a step (>= 8 M multiply-adds): stepping equals the
 * sequence, and the outputs are bit-identical with one thread, with no
 * allocation per step either way. */
static void threaded_step(void)
{
    struct { recur_cell cell; recur_input input; int in, H, L, O; } cases[] = {
        {RECUR_LSTM, RECUR_INPUT_ONEHOT, 20, 851, 2, 20},
        {RECUR_GRU, RECUR_INPUT_DENSE, 3, 1650, 1, 1},
        {RECUR_RNN_TANH, RECUR_INPUT_EMBEDDING, 9, 2900, 1, 9},
    };
    int old = recur_set_threads(2);
    for (int k = 0; k < 3; k++) {
        recur_model *m = make_model(cases[k].cell, cases[k].input, cases[k].in,
                                    cases[k].input == RECUR_INPUT_EMBEDDING ? 7 : 0,
                                    cases[k].H, cases[k].L, cases[k].O);
        if (!m)
            continue;
        double worst = step_vs_sequence(m, 30);
        CHECK_MSG(worst <= 1e-6, "%s H=%d: step vs sequence differ by %g",
                  recur_cell_name(cases[k].cell), cases[k].H, worst);
        enum { T = 40 };
        int O = cases[k].O, I = cases[k].in;
        float *y1 = malloc((size_t)T * O * sizeof *y1), *y2 = malloc((size_t)T * O * sizeof *y2);
        float *x = malloc((size_t)T * I * sizeof *x);
        for (int i = 0; i < T * I; i++)
            x[i] = uniform();
        recur_state *s1 = NULL, *s2 = NULL;
        recur_set_threads(1);
        CHECK(recur_state_create(m, &s1) == RECUR_OK);
        recur_set_threads(2);
        CHECK(recur_state_create(m, &s2) == RECUR_OK);
        long before = allocations();
        for (int t = 0; t < T && s1 && s2; t++) {
            CHECK(recur_state_step(s1, t % I, x + (long)t * I, y1 + (long)t * O) == RECUR_OK);
            CHECK(recur_state_step(s2, t % I, x + (long)t * I, y2 + (long)t * O) == RECUR_OK);
        }
        CHECK_MSG(allocations() == before, "%ld allocations in %d steps",
                  allocations() - before, T);
        CHECK_MSG(memcmp(y1, y2, (size_t)T * O * sizeof *y1) == 0,
                  "%s H=%d: one and two threads differ", recur_cell_name(cases[k].cell),
                  cases[k].H);
        recur_state_free(s1);
        recur_state_free(s2);
        free(y1), free(y2), free(x);
        recur_model_free(m);
    }
    recur_set_threads(old);
}

/* No allocation inside recur_state_step, for every cell and input kind. */
static void step_allocates_nothing(void)
{
    for (int k = 0; k < 4; k++)
        for (int input = 0; input < 3; input++) {
            recur_model *m = make_model(cells[k], (recur_input)input, 9,
                                        input == 1 ? 4 : 0, 64, 2, 9);
            recur_state *s = NULL;
            CHECK(m && recur_state_create(m, &s) == RECUR_OK);
            if (!s) {
                recur_model_free(m);
                continue;
            }
            float x[9], y[9];
            for (int i = 0; i < 9; i++)
                x[i] = uniform();
            long before = allocations();
            int bad = 0;
            for (int t = 0; t < 1000; t++)
                bad |= recur_state_step(s, t % 9, x, y) != RECUR_OK;
            long n = allocations() - before;
            CHECK(!bad);
            CHECK_MSG(n == 0, "%s input %d: %ld allocations in 1000 steps",
                      recur_cell_name(cells[k]), input, n);
            for (int o = 0; o < 9; o++)
                CHECK(isfinite(y[o]));
            recur_state_free(s);
            recur_model_free(m);
        }
    if (COUNTING) { /* the counter itself works */
        void *(*volatile alloc)(size_t) = malloc; /* not elided */
        long before = allocations();
        void *p = alloc(16);
        CHECK(allocations() == before + 1);
        free(p);
    }
}

/* LSTMs with projections (proj): steps equal the sequence (also past
 * recur_forward's 512-step windows), a step allocates nothing, the state's
 * bytes are h [L][proj] then c [L][hidden] and continue a stream exactly,
 * and the int8 stream refuses them with a status. */
static void projected_lstm_streams(void)
{
    const int widths[] = {3, 8, 33};
    for (int w = 0; w < 3; w++)
        for (int layers = 1; layers <= 3; layers += 2)
            for (int input = 0; input < 3; input++) {
                int H = widths[w], projs[3] = {1, H / 2, H - 1};
                for (int k = 0; k < 3; k++) {
                    recur_config c;
                    recur_config_default(&c);
                    c.input = (recur_input)input;
                    c.input_size = 11;
                    c.embed_dim = input == 1 ? 5 : 0;
                    c.hidden = H;
                    c.proj = projs[k];
                    c.layers = layers;
                    c.output_size = 2 + w;
                    recur_model *m = NULL;
                    CHECK(recur_model_create(&c, 70 + (uint64_t)k, &m) == RECUR_OK);
                    if (!m)
                        continue;
                    double worst = step_vs_sequence(m, w == 1 && k == 1 ? 1100 : 40);
                    CHECK_MSG(worst <= 1e-6, "proj %d of %d, L=%d input %d: step vs "
                              "sequence differ by %g", projs[k], H, layers, input, worst);
                    recur_model_free(m);
                }
            }
    recur_config c;
    recur_config_default(&c);
    c.input = RECUR_INPUT_DENSE;
    c.input_size = 9;
    c.hidden = 64;
    c.proj = 16;
    c.layers = 2;
    c.output_size = 9;
    c.loss = RECUR_LOSS_MSE;
    recur_model *m = NULL;
    CHECK(recur_model_create(&c, 5, &m) == RECUR_OK);
    recur_state *s = NULL, *s2 = NULL;
    CHECK(m && recur_state_create(m, &s) == RECUR_OK && recur_state_create(m, &s2) == RECUR_OK);
    if (!s || !s2) {
        recur_state_free(s);
        recur_model_free(m);
        return;
    }
    float x[9], y[9], y2[9];
    for (int i = 0; i < 9; i++)
        x[i] = uniform();
    long before = allocations();
    int bad = 0;
    for (int t = 0; t < 1000; t++)
        bad |= recur_state_step(s, 0, x, y) != RECUR_OK;
    long n = allocations() - before;
    CHECK(!bad);
    CHECK_MSG(n == 0, "projected LSTM: %ld allocations in 1000 steps", n);
    size_t bytes = recur_state_size(s);
    CHECK_MSG(bytes == 16 + 4 * 2 * (16 + 64), "state size %zu", bytes);
    unsigned char *buf = malloc(bytes);
    CHECK(recur_state_save(s, buf, bytes) == RECUR_OK);
    CHECK(recur_state_load(s2, buf, bytes) == RECUR_OK);
    for (int i = 0; i < 9; i++)
        x[i] = uniform();
    CHECK(recur_state_step(s, 0, x, y) == RECUR_OK && recur_state_step(s2, 0, x, y2) == RECUR_OK);
    CHECK(memcmp(y, y2, sizeof y) == 0);
    free(buf);
    recur_state *q = (recur_state *)&q;
    CHECK(recur_state_create_quantized(m, RECUR_QUANT_INT8, &q) == RECUR_E_INVALID && !q);
    CHECK(strstr(recur_last_error(), "projection") != NULL);
    recur_state_free(s);
    recur_state_free(s2);
    recur_model_free(m);
}

static void step_rejects_bad_input(void)
{
    recur_model *m = make_model(RECUR_LSTM, RECUR_INPUT_ONEHOT, 5, 0, 4, 1, 5);
    recur_state *s = NULL;
    CHECK(m && recur_state_create(m, &s) == RECUR_OK);
    float y[5];
    if (s) {
        CHECK(recur_state_step(s, 5, NULL, y) == RECUR_E_INVALID);
        CHECK(recur_state_step(s, -1, NULL, y) == RECUR_E_INVALID);
        CHECK(recur_state_step(s, 4, NULL, y) == RECUR_OK);
    }
    recur_state_free(s);
    recur_model_free(m);
    m = make_model(RECUR_GRU, RECUR_INPUT_DENSE, 2, 0, 4, 1, 1);
    s = NULL;
    CHECK(m && recur_state_create(m, &s) == RECUR_OK);
    if (s)
        CHECK(recur_state_step(s, 0, NULL, y) == RECUR_E_INVALID);
    recur_state_free(s);
    recur_model_free(m);
    recur_config c;
    recur_config_default(&c);
    c.input_size = c.output_size = 3;
    c.bidirectional = 1;
    m = NULL;
    CHECK(recur_model_create(&c, 1, &m) == RECUR_OK);
    s = (recur_state *)&c; /* must be reset to NULL on failure */
    CHECK(recur_state_create(m, &s) == RECUR_E_INVALID);
    CHECK(s == NULL);
    recur_model_free(m);
    /* A reverse model (ONNX direction="reverse") reads from the last step:
     * refused by every stream, with a message saying why. */
    c.bidirectional = 0;
    c.reverse = 1;
    m = NULL;
    CHECK(recur_model_create(&c, 1, &m) == RECUR_OK);
    s = (recur_state *)&c;
    CHECK(recur_state_create(m, &s) == RECUR_E_INVALID);
    CHECK(s == NULL);
    CHECK_MSG(strstr(recur_last_error(), "reverse model") != NULL, "%s", recur_last_error());
    s = (recur_state *)&c;
    CHECK(recur_state_create_quantized(m, RECUR_QUANT_INT8, &s) == RECUR_E_INVALID);
    CHECK(s == NULL);
    recur_model_free(m);
    /* Both at once is no model. */
    c.bidirectional = 1;
    CHECK(recur_config_check(&c) == RECUR_E_INVALID);
}

/* recur_forward of one sequence (through the streaming kernels) equals the
 * same sequence in a batch of 2 (the training path's forward), per step and
 * with a LAST readout. */
static void single_sequence_forward(void)
{
    for (int k = 0; k < 4; k++)
        for (int last = 0; last < 2; last++) {
            recur_config c;
            recur_config_default(&c);
            c.cell = cells[k];
            c.input = RECUR_INPUT_DENSE;
            c.input_size = 3;
            c.hidden = 20;
            c.layers = 2;
            c.output_size = 2;
            c.loss = RECUR_LOSS_MSE;
            c.readout = last ? RECUR_READOUT_LAST : RECUR_READOUT_SEQUENCE;
            recur_model *m = NULL;
            CHECK(recur_model_create(&c, 3, &m) == RECUR_OK);
            if (!m)
                continue;
            enum { T = 30 };
            float x1[T * 3], x2[T * 2 * 3], y1[T * 2], y2[T * 2 * 2];
            for (int t = 0; t < T; t++)
                for (int i = 0; i < 3; i++)
                    x1[t * 3 + i] = x2[t * 6 + i] = x2[t * 6 + 3 + i] = uniform();
            CHECK(recur_forward(m, T, 1, NULL, x1, y1) == RECUR_OK);
            CHECK(recur_forward(m, T, 2, NULL, x2, y2) == RECUR_OK);
            double worst = 0;
            for (int t = 0; t < (last ? 1 : T); t++)
                for (int o = 0; o < 2; o++) {
                    double d = fabs((double)y1[t * 2 + o] - y2[t * 4 + o]);
                    worst = d > worst ? d : worst;
                }
            CHECK_MSG(worst <= 1e-6, "%s%s: batch 1 and batch 2 differ by %g",
                      recur_cell_name(cells[k]), last ? " (last)" : "", worst);
            recur_model_free(m);
        }
}

/* Every streaming kernel this CPU has, forced through the internal API
 * (stream_kernel.h): each steps to recur_forward's outputs for every cell
 * and input kind, at widths below, at and past its blocks of 8 or 16 units
 * (the last block partial or not), with one output (fused into the top
 * layer) and several (the dense kernel), one and two layers, and LSTMs with
 * a projection. */
static void every_kernel(void)
{
    const int widths[] = {1, 7, 8, 9, 16, 17, 31, 33, 48};
    int ran = 0;
    for (int isa = 0; isa < RECUR_ISA_COUNT; isa++) {
        if (recur__stream_force_isa(isa) < 0) {
            printf("stream kernel %s: not available on this CPU, skipped\n",
                   recur__isa_name(isa));
            continue;
        }
        CHECK(recur__stream_kernel_pick(3)->isa == isa);
        CHECK(recur__stream_kernel_pick(300)->isa == isa);
        double worst = 0;
        for (int k = 0; k < 4; k++)
            for (int w = 0; w < 9; w++)
                for (int input = 0; input < 3; input++) {
                    int H = widths[w], layers = 1 + (w + input) % 2, O = (w + k) % 2 ? 1 : 3;
                    recur_model *m = make_model(cells[k], (recur_input)input, input == 0 ? 5 : 13,
                                                input == 1 ? 6 : 0, H, layers, O);
                    if (!m)
                        continue;
                    double d = step_vs_sequence(m, 25);
                    CHECK_MSG(d <= 1e-5, "kernel %s, %s H=%d L=%d input %d O=%d: step vs "
                              "sequence differ by %g", recur__isa_name(isa),
                              recur_cell_name(cells[k]), H, layers, input, O, d);
                    worst = d > worst ? d : worst;
                    recur_model_free(m);
                }
        for (int H = 9; H <= 33; H += 12) { /* LSTMs with a projection (R < H) */
            recur_config c;
            recur_config_default(&c);
            c.cell = RECUR_LSTM;
            c.input = RECUR_INPUT_ONEHOT;
            c.input_size = 11;
            c.hidden = H;
            c.proj = H / 2;
            c.layers = 2;
            c.output_size = 11;
            c.loss = RECUR_LOSS_XENT;
            recur_model *m = NULL;
            CHECK(recur_model_create(&c, 5, &m) == RECUR_OK);
            if (!m)
                continue;
            double d = step_vs_sequence(m, 25);
            CHECK_MSG(d <= 1e-5, "kernel %s, LSTM %d proj %d: step vs sequence differ by %g",
                      recur__isa_name(isa), H, H / 2, d);
            worst = d > worst ? d : worst;
            recur_model_free(m);
        }
        printf("stream kernel %s (%d lanes): worst step vs sequence %.3g\n",
               recur__isa_name(isa), recur__stream_kernel_pick(3)->V, worst);
        ran++;
    }
    CHECK(ran >= 1); /* the portable kernel is always there */
    CHECK(recur__stream_force_isa(-1) == -1);
    CHECK(recur__stream_force_isa(RECUR_ISA_COUNT) == 0); /* back to automatic */
    int best = recur__cpu_isa();
    if (best == RECUR_ISA_AVX512) { /* 16-lane blocks only past 8 units */
        CHECK(recur__stream_kernel_pick(8)->isa == RECUR_ISA_AVX2);
        CHECK(recur__stream_kernel_pick(9)->isa == RECUR_ISA_AVX512);
    } else {
        CHECK(recur__stream_kernel_pick(64)->isa == best);
    }
}

TEST_MAIN("test_stream", TL_CASE(step_equals_sequence), TL_CASE(encoder_streams), TL_CASE(benchmark_shapes),
          TL_CASE(long_batch_equals_streams),
          TL_CASE(threaded_step),
          TL_CASE(step_allocates_nothing), TL_CASE(projected_lstm_streams),
          TL_CASE(step_rejects_bad_input), TL_CASE(every_kernel),
          TL_CASE(single_sequence_forward))
