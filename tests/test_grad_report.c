/* test_grad_report.c - recur_grad_report against backpropagation through
 * time done by hand on one-unit networks (an Elman tanh RNN and an LSTM, two
 * stacked layers each), where every ∂L/∂h_t is a scalar: this checks the
 * window placement, the direction of the distance axis, the layer order and
 * the averaging; plus the readout-LAST equivalence and the refusals. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "recur.h"
#include "testlib.h"

enum { V = 3, L = 2, T = 7, B = 3, N = 40, MAXT = 8 };

typedef struct {
    int gates;                      /* 1 (tanh) or 4 (LSTM i,f,g,o) */
    float wih[L][4][V], whh[L][4], bih[L][4], bhh[L][4];
    float fcw[V], fcb[V];
} scalar_net;

static double sigm(double v) { return 1 / (1 + exp(-v)); }

/* Deterministic, varied weights (recurrent ones large enough that the
 * gradient survives a few steps). */
static void make_net(scalar_net *s, int gates)
{
    memset(s, 0, sizeof *s);
    s->gates = gates;
    int k = 1;
    for (int l = 0; l < L; l++)
        for (int g = 0; g < gates; g++) {
            for (int v = 0; v < (l == 0 ? V : 1); v++)
                s->wih[l][g][v] = (float)(0.9 * sin(1.3 * k++));
            s->whh[l][g] = (float)(0.8 + 0.3 * cos(0.7 * k++));
            s->bih[l][g] = (float)(0.2 * sin(2.1 * k++));
            s->bhh[l][g] = (float)(0.1 * cos(1.7 * k++));
        }
    for (int v = 0; v < V; v++) {
        s->fcw[v] = (float)(1.2 * sin(0.9 * v + 0.4));
        s->fcb[v] = (float)(0.1 * v);
    }
}

static recur_model *load_net(const scalar_net *s, recur_cell cell, recur_readout ro)
{
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.cell = cell;
    cfg.input = RECUR_INPUT_ONEHOT;
    cfg.input_size = cfg.output_size = V;
    cfg.hidden = 1;
    cfg.layers = L;
    cfg.readout = ro;
    recur_model *m = NULL;
    if (recur_model_create(&cfg, 1, &m) != RECUR_OK)
        return NULL;
    int G = s->gates, ok = 1;
    for (int l = 0; l < L; l++) {
        char name[64];
        float wih[4 * V], whh[4], bih[4], bhh[4];
        int I = l == 0 ? V : 1;
        for (int g = 0; g < G; g++) {
            for (int v = 0; v < I; v++)
                wih[g * I + v] = s->wih[l][g][v];
            whh[g] = s->whh[l][g];
            bih[g] = s->bih[l][g];
            bhh[g] = s->bhh[l][g];
        }
        snprintf(name, sizeof name, "rnn.weight_ih_l%d", l);
        ok &= recur_model_set_tensor(m, name, wih, (long)G * I) == RECUR_OK;
        snprintf(name, sizeof name, "rnn.weight_hh_l%d", l);
        ok &= recur_model_set_tensor(m, name, whh, G) == RECUR_OK;
        snprintf(name, sizeof name, "rnn.bias_ih_l%d", l);
        ok &= recur_model_set_tensor(m, name, bih, G) == RECUR_OK;
        snprintf(name, sizeof name, "rnn.bias_hh_l%d", l);
        ok &= recur_model_set_tensor(m, name, bhh, G) == RECUR_OK;
    }
    ok &= recur_model_set_tensor(m, "fc.weight", s->fcw, V) == RECUR_OK;
    ok &= recur_model_set_tensor(m, "fc.bias", s->fcb, V) == RECUR_OK;
    CHECK(ok);
    return m;
}

/* |∂L/∂h_t| of one window by hand: forward, softmax cross-entropy of the
 * character after the window at its last step, backward through time. */
static void by_hand(const scalar_net *s, const int32_t *win, int32_t target,
                    double dh[L][MAXT])
{
    int G = s->gates;
    double h[L][MAXT], c[L][MAXT], a[L][MAXT][4];
    for (int l = 0; l < L; l++)
        for (int t = 0; t < T; t++) {
            double hp = t ? h[l][t - 1] : 0, cp = t ? c[l][t - 1] : 0;
            for (int g = 0; g < G; g++) {
                double x = l == 0 ? s->wih[0][g][win[t]] : s->wih[l][g][0] * h[l - 1][t];
                a[l][t][g] = x + s->bih[l][g] + s->bhh[l][g] + s->whh[l][g] * hp;
            }
            if (G == 1) {
                h[l][t] = tanh(a[l][t][0]);
            } else {
                double i = sigm(a[l][t][0]), f = sigm(a[l][t][1]);
                double g = tanh(a[l][t][2]), o = sigm(a[l][t][3]);
                c[l][t] = f * cp + i * g;
                h[l][t] = o * tanh(c[l][t]);
            }
        }
    double z[V], zmax = -1e300, sum = 0;
    for (int v = 0; v < V; v++) {
        z[v] = s->fcw[v] * h[L - 1][T - 1] + s->fcb[v];
        zmax = fmax(zmax, z[v]);
    }
    for (int v = 0; v < V; v++)
        sum += exp(z[v] - zmax);
    double from_above[MAXT] = {0};
    for (int v = 0; v < V; v++)
        from_above[T - 1] += s->fcw[v] * (exp(z[v] - zmax) / sum - (v == target));
    for (int l = L - 1; l >= 0; l--) {
        double carry_h = 0, carry_c = 0, below[MAXT] = {0};
        for (int t = T - 1; t >= 0; t--) {
            double d = from_above[t] + carry_h, da[4];
            dh[l][t] = fabs(d);
            if (G == 1) {
                da[0] = d * (1 - h[l][t] * h[l][t]);
            } else {
                double i = sigm(a[l][t][0]), f = sigm(a[l][t][1]);
                double g = tanh(a[l][t][2]), o = sigm(a[l][t][3]);
                double tc = tanh(c[l][t]), cp = t ? c[l][t - 1] : 0;
                double dc = carry_c + d * o * (1 - tc * tc);
                da[0] = dc * g * i * (1 - i);
                da[1] = dc * cp * f * (1 - f);
                da[2] = dc * i * (1 - g * g);
                da[3] = d * tc * o * (1 - o);
                carry_c = dc * f;
            }
            carry_h = 0;
            for (int k = 0; k < G; k++) {
                carry_h += s->whh[l][k] * da[k];
                if (l > 0)
                    below[t] += s->wih[l][k][0] * da[k];
            }
        }
        memcpy(from_above, below, sizeof below);
    }
}

static void text(int32_t *tok)
{
    for (int i = 0; i < N; i++)
        tok[i] = (int32_t)((i * 7 + i / 3) % V);
}

static void check_against_hand(recur_cell cell, int gates)
{
    scalar_net s;
    make_net(&s, gates);
    int32_t tok[N];
    text(tok);
    double want[L][MAXT] = {{0}};
    for (int b = 0; b < B; b++) {
        long start = (long)b * (N - T - 1) / B;
        double dh[L][MAXT];
        by_hand(&s, tok + start, tok[start + T], dh);
        for (int l = 0; l < L; l++)
            for (int t = 0; t < T; t++)
                want[l][t] += dh[l][t] / B;
    }
    for (int ro = RECUR_READOUT_SEQUENCE; ro <= RECUR_READOUT_LAST; ro++) {
        recur_model *m = load_net(&s, cell, (recur_readout)ro);
        CHECK(m != NULL);
        if (!m)
            return;
        double got[L * T];
        CHECK(recur_grad_report(m, tok, N, T, B, got) == RECUR_OK);
        double worst = 0;
        for (int l = 0; l < L; l++)
            for (int k = 0; k < T; k++) {
                double w = want[l][T - 1 - k], g = got[l * T + k];
                double err = fabs(g - w) / (fabs(w) + 1e-6);
                if (err > worst)
                    worst = err;
            }
        CHECK_MSG(worst < 1e-4, "%s, readout %s: relative error %g against BPTT by "
                  "hand", recur_cell_name(cell), recur_readout_name((recur_readout)ro),
                  worst);
        /* The numbers are not trivially equal along the axis. */
        CHECK(fabs(got[0] - got[1]) > 1e-3 * got[0]);
        CHECK(fabs(got[T] - got[0]) > 1e-3 * got[0]);
        recur_model_free(m);
    }
}

static void test_rnn_tanh_by_hand(void) { check_against_hand(RECUR_RNN_TANH, 1); }
static void test_lstm_by_hand(void) { check_against_hand(RECUR_LSTM, 4); }

/* An Elman RNN whose recurrent weight is w and whose states stay near 0
 * (tiny input weights) passes back almost exactly w per step. */
static void test_rnn_ratio_is_w_hh(void)
{
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.cell = RECUR_RNN_TANH;
    cfg.input_size = cfg.output_size = V;
    cfg.hidden = 1;
    cfg.layers = 1;
    recur_model *m = NULL;
    CHECK(recur_model_create(&cfg, 3, &m) == RECUR_OK);
    float wih[V] = {1e-4f, -2e-4f, 1.5e-4f}, whh = 0.5f, zero = 0;
    CHECK(recur_model_set_tensor(m, "rnn.weight_ih_l0", wih, V) == RECUR_OK);
    CHECK(recur_model_set_tensor(m, "rnn.weight_hh_l0", &whh, 1) == RECUR_OK);
    CHECK(recur_model_set_tensor(m, "rnn.bias_ih_l0", &zero, 1) == RECUR_OK);
    CHECK(recur_model_set_tensor(m, "rnn.bias_hh_l0", &zero, 1) == RECUR_OK);
    int32_t tok[N];
    text(tok);
    double nrm[T];
    CHECK(recur_grad_report(m, tok, N, T, 4, nrm) == RECUR_OK);
    for (int k = 0; k + 1 < T; k++)
        CHECK_NEAR(nrm[k + 1] / nrm[k], 0.5, 1e-5);
    recur_model_free(m);
}

static void test_refusals(void)
{
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.input_size = cfg.output_size = V;
    cfg.hidden = 2;
    cfg.layers = 1;
    int32_t tok[N];
    text(tok);
    double nrm[2 * N];
    recur_model *m = NULL;
    CHECK(recur_model_create(&cfg, 1, &m) == RECUR_OK);
    CHECK(recur_grad_report(m, tok, N, 0, 2, nrm) == RECUR_E_INVALID);
    CHECK(recur_grad_report(m, tok, N, 5, 0, nrm) == RECUR_E_INVALID);
    CHECK(recur_grad_report(m, tok, N, N, 2, nrm) == RECUR_E_INVALID); /* needs N+1 */
    CHECK(recur_grad_report(m, tok, N, N - 1, 2, nrm) == RECUR_OK);
    CHECK(recur_grad_report(m, NULL, N, 5, 2, nrm) == RECUR_E_INVALID);
    tok[3] = V; /* outside the vocabulary */
    CHECK(recur_grad_report(m, tok, N, 5, 2, nrm) == RECUR_E_MISMATCH);
    recur_model_free(m);
    text(tok);
    cfg.bidirectional = 1;
    CHECK(recur_model_create(&cfg, 1, &m) == RECUR_OK);
    CHECK(recur_grad_report(m, tok, N, 5, 2, nrm) == RECUR_E_MISMATCH);
    CHECK(strstr(recur_last_error(), "bidirectional") != NULL);
    recur_model_free(m);
    cfg.bidirectional = 0;
    cfg.readout = RECUR_READOUT_MEAN;
    CHECK(recur_model_create(&cfg, 1, &m) == RECUR_OK);
    CHECK(recur_grad_report(m, tok, N, 5, 2, nrm) == RECUR_E_MISMATCH);
    recur_model_free(m);
    cfg.readout = RECUR_READOUT_SEQUENCE;
    cfg.input = RECUR_INPUT_DENSE;
    CHECK(recur_model_create(&cfg, 1, &m) == RECUR_OK);
    CHECK(recur_grad_report(m, tok, N, 5, 2, nrm) == RECUR_E_MISMATCH);
    recur_model_free(m);
}

TEST_MAIN("test_grad_report", TL_CASE(test_rnn_tanh_by_hand), TL_CASE(test_lstm_by_hand),
          TL_CASE(test_rnn_ratio_is_w_hh), TL_CASE(test_refusals))
