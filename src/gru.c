/* gru.c - the GRU cell, PyTorch's gate order r, z, n:
 *   r = σ(W_ir x + b_ir + W_hr h' + b_hr),  z likewise,
 *   n = tanh(W_in x + b_in + r⊙(W_hn h' + b_hn)),  h = (1−z)⊙n + z⊙h'.
 * Because r multiplies the recurrent part of n, the gate gradients on the
 * input side (dgi) and the recurrent side (dgh) differ in the n block. */
#include <stddef.h>

#include "activation.h"
#include "cell.h"
#include "gemm.h"

void gru_forward(const cell *c, cell_work *w, int T, int B, int reverse)
{
    int H = c->H, GH = 3 * H;
    long BH = (long)B * H;
    const real *bh = c->b_hh;
    for (int s = 0; s < T; s++) {
        int t = reverse ? T - 1 - s : s;
        const real *hp = w->hs + (t + reverse) * BH;
        real *h = w->hs + (t + !reverse) * BH;
        gemm(0, 1, B, GH, H, 1, hp, H, c->w_hh, H, 0, w->hg, GH);
        for (int b = 0; b < B; b++) {
            const real *xg = w->xg + ((long)t * B + b) * GH;
            const real *hg = w->hg + (long)b * GH;
            real *a = w->acts + ((long)t * B + b) * 4 * H;
            for (int j = 0; j < H; j++) {
                long k = (long)b * H + j;
                real r = act_sigmoid(xg[j] + hg[j] + bh[j]);
                real z = act_sigmoid(xg[H + j] + hg[H + j] + bh[H + j]);
                real hn = hg[2 * H + j] + bh[2 * H + j];
                real n = act_tanh(xg[2 * H + j] + r * hn);
                h[k] = (1 - z) * n + z * hp[k];
                a[j] = r, a[H + j] = z, a[2 * H + j] = n, a[3 * H + j] = hn;
            }
        }
    }
}

void gru_backward(cell *c, cell_work *w, int T, int B, int reverse,
                  const real *dy, int ldy)
{
    int H = c->H, GH = 3 * H;
    long BH = (long)B * H;
    for (int s = 0; s < T; s++) {
        int t = reverse ? s : T - 1 - s;
        const real *hp = w->hs + (t + reverse) * BH;
        for (int b = 0; b < B; b++) {
            const real *dyr = dy ? dy + ((long)t * B + b) * ldy : NULL;
            const real *a = w->acts + ((long)t * B + b) * 4 * H;
            real *dgi = w->dgi + ((long)t * B + b) * GH;
            real *dgh = w->dgh + ((long)t * B + b) * GH;
            for (int j = 0; j < H; j++) {
                long k = (long)b * H + j;
                real r = a[j], z = a[H + j], n = a[2 * H + j], hn = a[3 * H + j];
                real dh = w->dh[k] + (dyr ? dyr[j] : 0);
                real dn = dh * (1 - z) * (1 - n * n);
                real dz = dh * (hp[k] - n) * z * (1 - z);
                real dr = dn * hn * r * (1 - r);
                dgi[j] = dgh[j] = dr;
                dgi[H + j] = dgh[H + j] = dz;
                dgi[2 * H + j] = dn;
                dgh[2 * H + j] = dn * r;
                w->dh[k] = dh * z; /* the direct path through z⊙h' */
            }
        }
        gemm(0, 0, B, H, GH, 1, w->dgh + (long)t * B * GH, GH, c->w_hh, H, 1,
             w->dh, H);
    }
}
