/* lstm.c - the LSTM cell, PyTorch's gate order i, f, g, o:
 *   c_t = σ(f)⊙c_{t-1} + σ(i)⊙tanh(g),   h_t = σ(o)⊙tanh(c_t).
 * Forward keeps i, f, g, o (activated) and tanh(c_t) for the backward pass. */
#include <stddef.h>

#include "activation.h"
#include "cell.h"
#include "gemm.h"

void lstm_forward(const cell *c, cell_work *w, int T, int B, int reverse)
{
    int H = c->H, GH = 4 * H;
    long BH = (long)B * H;
    const real *bh = c->b_hh;
    for (int s = 0; s < T; s++) {
        int t = reverse ? T - 1 - s : s;
        const real *hp = w->hs + (t + reverse) * BH;
        const real *cp = w->cs + (t + reverse) * BH;
        real *h = w->hs + (t + !reverse) * BH;
        real *cc = w->cs + (t + !reverse) * BH;
        gemm(0, 1, B, GH, H, 1, hp, H, c->w_hh, H, 0, w->hg, GH);
        for (int b = 0; b < B; b++) {
            const real *xg = w->xg + ((long)t * B + b) * GH;
            const real *hg = w->hg + (long)b * GH;
            real *a = w->acts + ((long)t * B + b) * 5 * H;
            for (int j = 0; j < H; j++) {
                real gi = act_sigmoid(xg[j] + hg[j] + bh[j]);
                real gf = act_sigmoid(xg[H + j] + hg[H + j] + bh[H + j]);
                real gg = act_tanh(xg[2 * H + j] + hg[2 * H + j] + bh[2 * H + j]);
                real go = act_sigmoid(xg[3 * H + j] + hg[3 * H + j] + bh[3 * H + j]);
                long k = (long)b * H + j;
                real cv = gf * cp[k] + gi * gg;
                real tc = act_tanh(cv);
                cc[k] = cv;
                h[k] = go * tc;
                a[j] = gi, a[H + j] = gf, a[2 * H + j] = gg, a[3 * H + j] = go;
                a[4 * H + j] = tc;
            }
        }
    }
}

void lstm_backward(cell *c, cell_work *w, int T, int B, int reverse,
                   const real *dy, int ldy)
{
    int H = c->H, GH = 4 * H;
    long BH = (long)B * H;
    for (int s = 0; s < T; s++) {
        int t = reverse ? s : T - 1 - s;
        const real *cp = w->cs + (t + reverse) * BH;
        for (int b = 0; b < B; b++) {
            const real *dyr = dy ? dy + ((long)t * B + b) * ldy : NULL;
            const real *a = w->acts + ((long)t * B + b) * 5 * H;
            real *dg = w->dgi + ((long)t * B + b) * GH;
            for (int j = 0; j < H; j++) {
                long k = (long)b * H + j;
                real gi = a[j], gf = a[H + j], gg = a[2 * H + j];
                real go = a[3 * H + j], tc = a[4 * H + j];
                real dh = w->dh[k] + (dyr ? dyr[j] : 0);
                real dc = w->dc[k] + dh * go * (1 - tc * tc);
                dg[j] = dc * gg * gi * (1 - gi);
                dg[H + j] = dc * cp[k] * gf * (1 - gf);
                dg[2 * H + j] = dc * gi * (1 - gg * gg);
                dg[3 * H + j] = dh * tc * go * (1 - go);
                w->dc[k] = dc * gf;
            }
        }
        gemm(0, 0, B, H, GH, 1, w->dgi + (long)t * B * GH, GH, c->w_hh, H, 0,
             w->dh, H);
    }
}
