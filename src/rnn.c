/* rnn.c - the Elman RNN: h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh),
 * act = tanh or relu. Forward and backward through time. */
#include <stddef.h>

#include "activation.h"
#include "cell.h"
#include "gemm.h"

void rnn_forward(const cell *c, cell_work *w, int T, int B, int reverse)
{
    int H = c->H, relu = c->kind == CELL_RNN_RELU;
    long BH = (long)B * H;
    for (int s = 0; s < T; s++) {
        int t = reverse ? T - 1 - s : s;
        const real *hp = w->hs + (t + reverse) * BH;
        real *h = w->hs + (t + !reverse) * BH;
        const real *xg = w->xg + t * BH;
        gemm(0, 1, B, H, H, 1, hp, H, c->w_hh, H, 0, w->hg, H);
        for (int b = 0; b < B; b++) {
            const real *xr = xg + (long)b * H, *hr = w->hg + (long)b * H;
            real *out = h + (long)b * H;
            for (int j = 0; j < H; j++) {
                real pre = xr[j] + hr[j] + c->b_hh[j];
                out[j] = relu ? (pre > 0 ? pre : 0) : act_tanh(pre);
            }
        }
    }
}

void rnn_backward(cell *c, cell_work *w, int T, int B, int reverse,
                  const real *dy, int ldy)
{
    int H = c->H, relu = c->kind == CELL_RNN_RELU;
    long BH = (long)B * H;
    for (int s = 0; s < T; s++) {
        int t = reverse ? s : T - 1 - s; /* the forward order, backwards */
        const real *h = w->hs + (t + !reverse) * BH;
        real *dg = w->dgi + t * BH;
        for (int b = 0; b < B; b++) {
            const real *dyr = dy ? dy + ((long)t * B + b) * ldy : NULL;
            for (int j = 0; j < H; j++) {
                long k = (long)b * H + j;
                real d = w->dh[k] + (dyr ? dyr[j] : 0);
                real hv = h[k];
                dg[k] = relu ? (hv > 0 ? d : 0) : d * (1 - hv * hv);
            }
        }
        /* dh_{t-1} = dG_t · W_hh */
        gemm(0, 0, B, H, H, 1, dg, H, c->w_hh, H, 0, w->dh, H);
    }
}
