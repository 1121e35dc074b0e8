/* cell_gates.h - the per-unit gate equations of the three cells, written
 * once: the training time loops (rnn.c, lstm.c, gru.c) and the streaming
 * step (src/infer/stream.c) both call these. Each reads one hidden unit's
 * pre-activations from the input projection xg, the recurrent projection hg
 * and b_hh (all [G][H], unit j of gate g at g·H + j) and returns everything
 * the unit computes; a caller that keeps nothing for backward (streaming)
 * ignores those fields and the compiler drops them. (Each gate's sum is
 * formed just before its activation: passing the four sums as arguments
 * kept them all live at once, and the vectorised LSTM loop spilled
 * registers and ran 9% slower, bench/NOTES.md.) Inline, branch-free and libm-free in the float
 * build, so the loops around them vectorise (activation.h).
 *
 * Equations and gate order are PyTorch's (torch.nn.RNN, LSTM, GRU):
 *   RNN : h = act(W_ih x + b_ih + W_hh h' + b_hh), act = tanh or relu
 *   LSTM: i, f, g, o from W_ih x + b_ih + W_hh h' + b_hh (stacked in that
 *         order); c = σ(f)⊙c' + σ(i)⊙tanh(g), h = σ(o)⊙tanh(c)
 *   GRU : r, z from W_i· x + b_i· + W_h· h' + b_h·;
 *         n = tanh(W_in x + b_in + r⊙(W_hn h' + b_hn)), h = (1−z)⊙n + z⊙h' */
#ifndef RECUR_CELL_GATES_H
#define RECUR_CELL_GATES_H

#include "core/activation.h"

static inline real rnn_unit(const real *xg, const real *hg, const real *bh, int j, int relu)
{
    real pre = xg[j] + hg[j] + bh[j];
    return relu ? (pre > 0 ? pre : 0) : act_tanh(pre);
}

typedef struct {
    real i, f, g, o; /* activated gates */
    real c, tc, h;   /* cell state, tanh(c), output */
} lstm_unit_out;

/* cp: the unit's previous cell state. */
static inline lstm_unit_out lstm_unit(const real *xg, const real *hg, const real *bh, int H,
                                      int j, real cp)
{
    lstm_unit_out u;
    u.i = act_sigmoid(xg[j] + hg[j] + bh[j]);
    u.f = act_sigmoid(xg[H + j] + hg[H + j] + bh[H + j]);
    u.g = act_tanh(xg[2 * H + j] + hg[2 * H + j] + bh[2 * H + j]);
    u.o = act_sigmoid(xg[3 * H + j] + hg[3 * H + j] + bh[3 * H + j]);
    u.c = u.f * cp + u.i * u.g;
    u.tc = act_tanh(u.c);
    u.h = u.o * u.tc;
    return u;
}

typedef struct {
    real r, z, n; /* activated gates */
    real hn;      /* W_hn h' + b_hn */
    real h;
} gru_unit_out;

/* hp: the unit's previous state. */
static inline gru_unit_out gru_unit(const real *xg, const real *hg, const real *bh, int H,
                                    int j, real hp)
{
    gru_unit_out u;
    u.r = act_sigmoid(xg[j] + hg[j] + bh[j]);
    u.z = act_sigmoid(xg[H + j] + hg[H + j] + bh[H + j]);
    u.hn = hg[2 * H + j] + bh[2 * H + j];
    u.n = act_tanh(xg[2 * H + j] + u.r * u.hn);
    u.h = (1 - u.z) * u.n + u.z * hp;
    return u;
}

/* The same equations from summed pre-activations (the streaming kernels
 * form W_ih x + W_hh h + b in one product, stream_kernel.h): slot a of
 * unit j at pre[a·S + j]. LSTM slots i f g o; GRU slots r z (both sums),
 * then W_in x + b_in and W_hn h + b_hn apart. */
static inline lstm_unit_out lstm_unit_summed(const real *pre, int S, int j, real cp)
{
    lstm_unit_out u;
    u.i = act_sigmoid(pre[j]);
    u.f = act_sigmoid(pre[S + j]);
    u.g = act_tanh(pre[2 * S + j]);
    u.o = act_sigmoid(pre[3 * S + j]);
    u.c = u.f * cp + u.i * u.g;
    u.tc = act_tanh(u.c);
    u.h = u.o * u.tc;
    return u;
}

static inline real gru_unit_summed(const real *pre, int S, int j, real hp)
{
    real r = act_sigmoid(pre[j]), z = act_sigmoid(pre[S + j]);
    real n = act_tanh(pre[2 * S + j] + r * pre[3 * S + j]);
    return (1 - z) * n + z * hp;
}

static inline real rnn_unit_summed(real pre, int relu)
{
    return relu ? (pre > 0 ? pre : 0) : act_tanh(pre);
}

#endif
