/* test_shapes.c - "one to one": a recurrent network over a single time step
 * (T = 1, zero initial state) is a plain feed-forward net, so recur_forward
 * must equal, for every cell and every readout,
 *   RNN:  y = dense(act(W_ih x + b_ih + b_hh))
 *   LSTM: y = dense(o * tanh(i * g))            (c0 = 0: the forget gate is moot)
 *   GRU:  y = dense((1 - z) * n), n = tanh(W_in x + b_in + r * b_hn)
 * computed here by hand from the model's own tensors (W_hh never matters). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "recur.h"
#include "testlib.h"

enum { I = 3, H = 4, O = 2, B = 3, MAXG = 4 * H };

static double sigm(double v) { return 1 / (1 + exp(-v)); }

/* The gates' pre-activations split by side: ih[GH] = W_ih x + b_ih and
 * hh[GH] = b_hh (W_hh h0 = 0). */
static void hidden_by_hand(recur_cell cell, const double *ih, const double *hh, double *h)
{
    for (int j = 0; j < H; j++) {
        switch (cell) {
        case RECUR_RNN_TANH: h[j] = tanh(ih[j] + hh[j]); break;
        case RECUR_RNN_RELU: h[j] = fmax(0, ih[j] + hh[j]); break;
        case RECUR_LSTM: { /* gates i, f, g, o */
            double i = sigm(ih[j] + hh[j]), g = tanh(ih[2 * H + j] + hh[2 * H + j]);
            double o = sigm(ih[3 * H + j] + hh[3 * H + j]);
            h[j] = o * tanh(i * g);
            break;
        }
        case RECUR_GRU: { /* gates r, z, n */
            double r = sigm(ih[j] + hh[j]), z = sigm(ih[H + j] + hh[H + j]);
            double n = tanh(ih[2 * H + j] + r * hh[2 * H + j]);
            h[j] = (1 - z) * n;
            break;
        }
        }
    }
}

static int gates(recur_cell c) { return c == RECUR_LSTM ? 4 : c == RECUR_GRU ? 3 : 1; }

static void check_one_to_one(recur_cell cell, recur_readout readout)
{
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.cell = cell;
    cfg.input = RECUR_INPUT_DENSE;
    cfg.input_size = I;
    cfg.hidden = H;
    cfg.layers = 1;
    cfg.output_size = O;
    cfg.loss = RECUR_LOSS_MSE;
    cfg.readout = readout;
    recur_model *m = NULL;
    CHECK(recur_model_create(&cfg, 7 + (uint64_t)cell, &m) == RECUR_OK);
    if (!m)
        return;
    int GH = gates(cell) * H;
    float w_ih[MAXG * I], b_ih[MAXG], b_hh[MAXG], fc_w[O * H], fc_b[O];
    /* Larger biases than the default init, so that a missing b_hh shows. */
    for (int k = 0; k < GH; k++)
        b_hh[k] = (float)(0.5 * sin(1.0 + k));
    CHECK(recur_model_set_tensor(m, "rnn.bias_hh_l0", b_hh, GH) == RECUR_OK);
    CHECK(recur_model_get_tensor(m, "rnn.weight_ih_l0", w_ih, (long)GH * I) == RECUR_OK);
    CHECK(recur_model_get_tensor(m, "rnn.bias_ih_l0", b_ih, GH) == RECUR_OK);
    CHECK(recur_model_get_tensor(m, "fc.weight", fc_w, (long)O * H) == RECUR_OK);
    CHECK(recur_model_get_tensor(m, "fc.bias", fc_b, O) == RECUR_OK);

    float x[B * I], y[B * O];
    for (int k = 0; k < B * I; k++)
        x[k] = (float)cos(0.7 * k) * 1.5f;
    CHECK(recur_forward(m, 1, B, NULL, x, y) == RECUR_OK);
    double worst = 0;
    for (int b = 0; b < B; b++) {
        double ih[MAXG], hh[MAXG], h[H];
        for (int g = 0; g < GH; g++) {
            ih[g] = b_ih[g];
            for (int i = 0; i < I; i++)
                ih[g] += (double)w_ih[g * I + i] * x[b * I + i];
            hh[g] = b_hh[g];
        }
        hidden_by_hand(cell, ih, hh, h);
        for (int o = 0; o < O; o++) {
            double want = fc_b[o];
            for (int j = 0; j < H; j++)
                want += (double)fc_w[o * H + j] * h[j];
            double d = fabs(y[b * O + o] - want);
            if (d > worst)
                worst = d;
        }
    }
    CHECK_MSG(worst < 1e-5, "%s, readout %s: T=1 output differs from the feed-forward "
              "net by %g", recur_cell_name(cell), recur_readout_name(readout), worst);
    recur_model_free(m);
}

static void test_rnn_tanh_one_to_one(void)
{
    for (int r = RECUR_READOUT_SEQUENCE; r <= RECUR_READOUT_MEAN; r++)
        check_one_to_one(RECUR_RNN_TANH, (recur_readout)r);
}

static void test_rnn_relu_one_to_one(void)
{
    for (int r = RECUR_READOUT_SEQUENCE; r <= RECUR_READOUT_MEAN; r++)
        check_one_to_one(RECUR_RNN_RELU, (recur_readout)r);
}

static void test_lstm_one_to_one(void)
{
    for (int r = RECUR_READOUT_SEQUENCE; r <= RECUR_READOUT_MEAN; r++)
        check_one_to_one(RECUR_LSTM, (recur_readout)r);
}

static void test_gru_one_to_one(void)
{
    for (int r = RECUR_READOUT_SEQUENCE; r <= RECUR_READOUT_MEAN; r++)
        check_one_to_one(RECUR_GRU, (recur_readout)r);
}

TEST_MAIN("test_shapes", TL_CASE(test_rnn_tanh_one_to_one),
          TL_CASE(test_rnn_relu_one_to_one), TL_CASE(test_lstm_one_to_one),
          TL_CASE(test_gru_one_to_one))
