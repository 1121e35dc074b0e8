/* gru.c - the GRU cell, PyTorch's gate order r, z, n:
 *   r = σ(W_ir x + b_ir + W_hr h' + b_hr),  z likewise,
 *   n = tanh(W_in x + b_in + r⊙(W_hn h' + b_hn)),  h = (1−z)⊙n + z⊙h'.
 * Because r multiplies the recurrent part of n, the gate gradients on the
 * input side (dgi) and the recurrent side (dgh) differ in the n block. */
#include <stddef.h>
#include <string.h>

#include "nn/cell.h"
#include "nn/cell_gates.h"
#include "core/gemm.h"
#include "core/kernel.h"

/* One batch row of the fused gate pass; a = [r z n (W_hn h' + b_hn)]. */
RECUR_KERNEL_BODY gru_gates_forward_body(int H, const real *restrict xg, const real *restrict hg,
                              const real *restrict bh, const real *restrict hp,
                              real *restrict h, real *restrict a)
{
    for (int j = 0; j < H; j++) {
        gru_unit_out u = gru_unit(xg, hg, bh, H, j, hp[j]);
        h[j] = u.h;
        a[j] = u.r, a[H + j] = u.z, a[2 * H + j] = u.n, a[3 * H + j] = u.hn;
    }
}
RECUR_KERNEL_PAIR(gru_gates_forward, (int H, const real *restrict xg, const real *restrict hg,
                               const real *restrict bh, const real *restrict hp,
                               real *restrict h, real *restrict a),
                  (H, xg, hg, bh, hp, h, a))

/* One batch row backward: gate gradients on both sides, and dh (in place)
 * becomes the direct part z⊙dh of the gradient for h_{t-1}. */
RECUR_KERNEL_BODY gru_gates_backward_body(int H, const real *restrict a, const real *restrict dy,
                               const real *restrict hp, real *restrict dhc,
                               real *restrict dgi, real *restrict dgh)
{
    for (int j = 0; j < H; j++) {
        real r = a[j], z = a[H + j], n = a[2 * H + j], hn = a[3 * H + j];
        real dh = dhc[j] + (dy ? dy[j] : 0);
        real dn = dh * (1 - z) * (1 - n * n);
        real dz = dh * (hp[j] - n) * z * (1 - z);
        real dr = dn * hn * r * (1 - r);
        dgi[j] = dgh[j] = dr;
        dgi[H + j] = dgh[H + j] = dz;
        dgi[2 * H + j] = dn;
        dgh[2 * H + j] = dn * r;
        dhc[j] = dh * z;
    }
}
RECUR_KERNEL_PAIR(gru_gates_backward, (int H, const real *restrict a, const real *restrict dy,
                                const real *restrict hp, real *restrict dhc,
                                real *restrict dgi, real *restrict dgh),
                  (H, a, dy, hp, dhc, dgi, dgh))

void recur__gru_forward(const cell *c, cell_work *w, int T, int B, int reverse,
                 int b0, int b1)
{
    int H = c->H, GH = 3 * H;
    long BH = (long)B * H;
    const real *bh = c->b_hh;
    for (int s = 0; s < T; s++) {
        int t = reverse ? T - 1 - s : s;
        const real *hp = w->hs + (t + reverse) * BH;
        real *h = w->hs + (t + !reverse) * BH;
        recur__gemm_packed(b1 - b0, 1, hp + (long)b0 * H, H, &w->whh, 0,
                           w->hg + (long)b0 * GH, GH);
        for (int b = b0; b < b1; b++) {
            if (cell_padded(w, t, b)) {
                memcpy(h + (long)b * H, hp + (long)b * H, (size_t)H * sizeof(real));
                continue;
            }
            gru_gates_forward(H, cell_xg_row(w, t, B, b, GH), w->hg + (long)b * GH,
                              bh, hp + (long)b * H, h + (long)b * H,
                              w->acts + ((long)t * B + b) * 4 * H);
        }
    }
}

void recur__gru_backward(const cell *c, cell_work *w, int T, int B, int reverse,
                  const real *dy, int ldy, int b0, int b1)
{
    int H = c->H, GH = 3 * H;
    long BH = (long)B * H;
    for (int s = 0; s < T; s++) {
        int t = reverse ? s : T - 1 - s;
        const real *hp = w->hs + (t + reverse) * BH;
        for (int b = b0; b < b1; b++) {
            const real *dyr = dy ? dy + ((long)t * B + b) * ldy : NULL;
            recur__cell_record_dh(w, t, B, b, H, dyr);
            if (recur__cell_pass_padding(w, t, B, b, H, GH, dyr))
                continue;
            gru_gates_backward(H, w->acts + ((long)t * B + b) * 4 * H, dyr,
                               hp + (long)b * H, w->dh + (long)b * H,
                               w->dgi + ((long)t * B + b) * GH,
                               w->dgh + ((long)t * B + b) * GH);
        }
        recur__gemm_packed(b1 - b0, 1, w->dgh + ((long)t * B + b0) * GH, GH, &w->whh, 1,
                           w->dh + (long)b0 * H, H);
        recur__cell_restore_padding(w, t, b0, b1, H, GH);
        recur__cell_scatter_step(w, t, B, GH);
    }
}
