/* cell_gates.h - the per-unit gate equations of the three cells, written
 * once: the training time loops (rnn.c, lstm.c, gru.c) and the streaming
 * step (src/infer/stream.c) both call these. Each takes one hidden unit's
 * pre-activation sums and returns everything the unit computes; a caller
 * that keeps nothing for backward (streaming) ignores those fields and the
 * compiler drops them. Inline, branch-free and libm-free in the float
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

static inline real rnn_unit(real pre, int relu)
{
    return relu ? (pre > 0 ? pre : 0) : act_tanh(pre);
}

typedef struct {
    real i, f, g, o; /* activated gates */
    real c, tc, h;   /* cell state, tanh(c), output */
} lstm_unit_out;

/* pi..po: the four pre-activations; cp: the previous cell state. */
static inline lstm_unit_out lstm_unit(real pi, real pf, real pg, real po, real cp)
{
    lstm_unit_out u;
    u.i = act_sigmoid(pi);
    u.f = act_sigmoid(pf);
    u.g = act_tanh(pg);
    u.o = act_sigmoid(po);
    u.c = u.f * cp + u.i * u.g;
    u.tc = act_tanh(u.c);
    u.h = u.o * u.tc;
    return u;
}

typedef struct {
    real r, z, n; /* activated gates */
    real h;
} gru_unit_out;

/* pr, pz: the full pre-activations of r and z; xn = W_in x + b_in;
 * hn = W_hn h' + b_hn; hp: the previous state. */
static inline gru_unit_out gru_unit(real pr, real pz, real xn, real hn, real hp)
{
    gru_unit_out u;
    u.r = act_sigmoid(pr);
    u.z = act_sigmoid(pz);
    u.n = act_tanh(xn + u.r * hn);
    u.h = (1 - u.z) * u.n + u.z * hp;
    return u;
}

#endif
