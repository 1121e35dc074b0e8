/* rnn.c - the Elman RNN: h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh),
 * act = tanh or relu. Forward and backward through time. */
#include <stddef.h>
#include <string.h>

#include "nn/cell.h"
#include "nn/cell_gates.h"
#include "core/gemm.h"
#include "core/kernel.h"

RECUR_KERNEL_BODY rnn_act_forward_body(int H, int relu, const real *restrict xg,
                            const real *restrict hg, const real *restrict bh,
                            real *restrict h)
{
    if (relu) /* two loops, so that each vectorises without the test */
        for (int j = 0; j < H; j++)
            h[j] = rnn_unit(xg, hg, bh, j, 1);
    else
        for (int j = 0; j < H; j++)
            h[j] = rnn_unit(xg, hg, bh, j, 0);
}
RECUR_KERNEL_PAIR(rnn_act_forward, (int H, int relu, const real *restrict xg,
                             const real *restrict hg, const real *restrict bh,
                             real *restrict h),
                  (H, relu, xg, hg, bh, h))

/* dg = (dh + dy) · act'(pre), with act' read off the output h. */
RECUR_KERNEL_BODY rnn_act_backward_body(int H, int relu, const real *restrict h,
                             const real *restrict dy, const real *restrict dh,
                             real *restrict dg)
{
    for (int j = 0; j < H; j++) {
        real d = dh[j] + (dy ? dy[j] : 0);
        dg[j] = relu ? (h[j] > 0 ? d : 0) : d * (1 - h[j] * h[j]);
    }
}
RECUR_KERNEL_PAIR(rnn_act_backward, (int H, int relu, const real *restrict h,
                              const real *restrict dy, const real *restrict dh,
                              real *restrict dg),
                  (H, relu, h, dy, dh, dg))

void recur__rnn_forward(const cell *c, cell_work *w, int T, int B, int reverse,
                 int b0, int b1)
{
    int H = c->H, relu = c->kind == CELL_RNN_RELU;
    long BH = (long)B * H;
    for (int s = 0; s < T; s++) {
        int t = reverse ? T - 1 - s : s;
        const real *hp = w->hs + (t + reverse) * BH;
        real *h = w->hs + (t + !reverse) * BH;
        recur__gemm_packed(b1 - b0, 1, hp + (long)b0 * H, H, &w->whh, 0,
                           w->hg + (long)b0 * H, H);
        for (int b = b0; b < b1; b++) {
            if (cell_padded(w, t, b))
                memcpy(h + (long)b * H, hp + (long)b * H, (size_t)H * sizeof(real));
            else
                rnn_act_forward(H, relu, cell_xg_row(w, t, B, b, H), w->hg + (long)b * H,
                                c->b_hh, h + (long)b * H);
        }
    }
}

void recur__rnn_backward(const cell *c, cell_work *w, int T, int B, int reverse,
                  const real *dy, int ldy, int b0, int b1)
{
    int H = c->H, relu = c->kind == CELL_RNN_RELU;
    long BH = (long)B * H;
    for (int s = 0; s < T; s++) {
        int t = reverse ? s : T - 1 - s; /* the forward order, backwards */
        const real *h = w->hs + (t + !reverse) * BH;
        real *dg = w->dgi + t * BH;
        for (int b = b0; b < b1; b++) {
            const real *dyr = dy ? dy + ((long)t * B + b) * ldy : NULL;
            recur__cell_record_dh(w, t, B, b, H, dyr);
            if (!recur__cell_pass_padding(w, t, B, b, H, H, dyr))
                rnn_act_backward(H, relu, h + (long)b * H, dyr, w->dh + (long)b * H,
                                 dg + (long)b * H);
        }
        /* dh_{t-1} = dG_t · W_hh */
        recur__gemm_packed(b1 - b0, 1, dg + (long)b0 * H, H, &w->whh, 0,
                           w->dh + (long)b0 * H, H);
        recur__cell_restore_padding(w, t, b0, b1, H, H);
        recur__cell_scatter_step(w, t, B, H);
    }
}
