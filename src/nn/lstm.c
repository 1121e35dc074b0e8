/* lstm.c - the LSTM cell, PyTorch's gate order i, f, g, o:
 *   c_t = σ(f)⊙c_{t-1} + σ(i)⊙tanh(g),   h_t = σ(o)⊙tanh(c_t).
 * Forward keeps i, f, g, o (activated) and tanh(c_t) for the backward pass.
 *
 * With a projection (PyTorch's proj_size P > 0, cell.h) the gate pass
 * writes m_t = σ(o)⊙tanh(c_t) to w->ms and h_t = W_hr·m_t is one product
 * per step over the batch rows; backward turns ∂L/∂h_t (kept in w->dhs for
 * dW_hr) into ∂L/∂m_t = W_hrᵀ·∂L/∂h_t, which the gate pass then reads
 * where it would read ∂L/∂h_t without a projection. */
#include <stddef.h>
#include <string.h>

#include "nn/cell.h"
#include "nn/cell_gates.h"
#include "core/gemm.h"
#include "core/kernel.h"

/* One batch row of the fused gate pass: pre-activations from the input
 * projection xg, the recurrent projection hg and b_hh; writes c, h and the
 * activations a = [i f g o tanh(c)] kept for backward. */
RECUR_KERNEL_BODY lstm_gates_forward_body(int H, const real *restrict xg, const real *restrict hg,
                               const real *restrict bh, const real *restrict cp,
                               real *restrict c, real *restrict h, real *restrict a)
{
    for (int j = 0; j < H; j++) {
        lstm_unit_out u = lstm_unit(xg, hg, bh, H, j, cp[j]);
        c[j] = u.c;
        h[j] = u.h;
        a[j] = u.i, a[H + j] = u.f, a[2 * H + j] = u.g, a[3 * H + j] = u.o;
        a[4 * H + j] = u.tc;
    }
}
RECUR_KERNEL_PAIR(lstm_gates_forward, (int H, const real *restrict xg, const real *restrict hg,
                                const real *restrict bh, const real *restrict cp,
                                real *restrict c, real *restrict h, real *restrict a),
                  (H, xg, hg, bh, cp, c, h, a))

/* One batch row backward: from dh (carried + dy) and dc to the four
 * pre-activation gate gradients dg; dc becomes the gradient for c_{t-1}. */
RECUR_KERNEL_BODY lstm_gates_backward_body(int H, const real *restrict a, const real *restrict dy,
                                const real *restrict cp, const real *restrict dhc,
                                real *restrict dcc, real *restrict dg)
{
    for (int j = 0; j < H; j++) {
        real gi = a[j], gf = a[H + j], gg = a[2 * H + j];
        real go = a[3 * H + j], tc = a[4 * H + j];
        real dh = dhc[j] + (dy ? dy[j] : 0);
        real dc = dcc[j] + dh * go * (1 - tc * tc);
        dg[j] = dc * gg * gi * (1 - gi);
        dg[H + j] = dc * cp[j] * gf * (1 - gf);
        dg[2 * H + j] = dc * gi * (1 - gg * gg);
        dg[3 * H + j] = dh * tc * go * (1 - go);
        dcc[j] = dc * gf;
    }
}
RECUR_KERNEL_PAIR(lstm_gates_backward, (int H, const real *restrict a, const real *restrict dy,
                                 const real *restrict cp, const real *restrict dhc,
                                 real *restrict dcc, real *restrict dg),
                  (H, a, dy, cp, dhc, dcc, dg))

void recur__lstm_forward(const cell *c, cell_work *w, int T, int B, int reverse,
                  int b0, int b1)
{
    int H = c->H, GH = 4 * H, P = c->P, R = cell_out_width(c);
    long BH = (long)B * H, BR = (long)B * R;
    const real *bh = c->b_hh;
    for (int s = 0; s < T; s++) {
        int t = reverse ? T - 1 - s : s;
        const real *hp = w->hs + (t + reverse) * BR;
        const real *cp = w->cs + (t + reverse) * BH;
        real *h = w->hs + (t + !reverse) * BR;
        real *cc = w->cs + (t + !reverse) * BH;
        /* Without a projection the gate pass writes h_t itself, else m_t. */
        real *out = P ? w->ms + (long)t * BH : h;
        recur__gemm_packed(b1 - b0, 1, hp + (long)b0 * R, R, &w->whh, 0,
                           w->hg + (long)b0 * GH, GH);
        for (int b = b0; b < b1; b++) {
            if (cell_padded(w, t, b)) {
                if (P)
                    memset(out + (long)b * H, 0, (size_t)H * sizeof(real));
                else
                    memcpy(h + (long)b * H, hp + (long)b * H, (size_t)H * sizeof(real));
                memcpy(cc + (long)b * H, cp + (long)b * H, (size_t)H * sizeof(real));
                continue;
            }
            lstm_gates_forward(H, cell_xg_row(w, t, B, b, GH), w->hg + (long)b * GH,
                               bh, cp + (long)b * H, cc + (long)b * H, out + (long)b * H,
                               w->acts + ((long)t * B + b) * 5 * H);
        }
        if (!P)
            continue;
        recur__gemm_packed(b1 - b0, 1, out + (long)b0 * H, H, &w->whr, 0,
                           h + (long)b0 * P, P);
        for (int b = b0; b < b1; b++) /* padding: the state passes through */
            if (cell_padded(w, t, b))
                memcpy(h + (long)b * P, hp + (long)b * P, (size_t)P * sizeof(real));
    }
}

/* Backward of one step's projection over rows [b0, b1): dhs_t = dh + dy
 * (zero on padded rows, which recur__cell_pass_padding carries instead),
 * then dm = dhs_t·W_hr. */
static void projection_backward(const cell *c, cell_work *w, int t, int B,
                                const real *dy, int ldy, int b0, int b1)
{
    int P = c->P, H = c->H, GH = 4 * H;
    real *dhs = w->dhs + (long)t * B * P;
    for (int b = b0; b < b1; b++) {
        const real *dyr = dy ? dy + ((long)t * B + b) * ldy : NULL;
        recur__cell_record_dh(w, t, B, b, P, dyr);
        real *d = dhs + (long)b * P;
        if (recur__cell_pass_padding(w, t, B, b, P, GH, dyr)) {
            memset(d, 0, (size_t)P * sizeof(real));
            continue;
        }
        const real *dh = w->dh + (long)b * P;
        for (int j = 0; j < P; j++)
            d[j] = dh[j] + (dyr ? dyr[j] : 0);
    }
    recur__gemm_packed(b1 - b0, 1, dhs + (long)b0 * P, P, &w->whr, 0,
                       w->dm + (long)b0 * H, H);
}

void recur__lstm_backward(const cell *c, cell_work *w, int T, int B, int reverse,
                   const real *dy, int ldy, int b0, int b1)
{
    int H = c->H, GH = 4 * H, P = c->P, R = cell_out_width(c);
    long BH = (long)B * H;
    for (int s = 0; s < T; s++) {
        int t = reverse ? s : T - 1 - s;
        const real *cp = w->cs + (t + reverse) * BH;
        if (P)
            projection_backward(c, w, t, B, dy, ldy, b0, b1);
        for (int b = b0; b < b1; b++) {
            if (P) { /* dm holds the whole ∂L/∂m_t: no dy to add */
                if (!cell_padded(w, t, b))
                    lstm_gates_backward(H, w->acts + ((long)t * B + b) * 5 * H, NULL,
                                        cp + (long)b * H, w->dm + (long)b * H,
                                        w->dc + (long)b * H,
                                        w->dgi + ((long)t * B + b) * GH);
                continue;
            }
            const real *dyr = dy ? dy + ((long)t * B + b) * ldy : NULL;
            recur__cell_record_dh(w, t, B, b, H, dyr);
            if (recur__cell_pass_padding(w, t, B, b, H, GH, dyr))
                continue;
            lstm_gates_backward(H, w->acts + ((long)t * B + b) * 5 * H, dyr,
                                cp + (long)b * H, w->dh + (long)b * H,
                                w->dc + (long)b * H, w->dgi + ((long)t * B + b) * GH);
        }
        recur__gemm_packed(b1 - b0, 1, w->dgi + ((long)t * B + b0) * GH, GH, &w->whh, 0,
                           w->dh + (long)b0 * R, R);
        recur__cell_restore_padding(w, t, b0, b1, R, GH);
        recur__cell_scatter_step(w, t, B, GH);
    }
}
