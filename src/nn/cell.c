/* cell.c - what the three cell kinds share: buffer layout, state hand-over,
 * and the gradients that are one GEMM or one reduction over all steps. */
#include "nn/cell.h"

#include <string.h>

#include "core/gemm.h"
#include "core/parallel.h"

int recur__cell_gates(int kind)
{
    switch (kind) {
    case CELL_LSTM: return 4;
    case CELL_GRU: return 3;
    default: return 1;
    }
}

int recur__cell_saved(int kind)
{
    switch (kind) {
    case CELL_LSTM: return 5; /* i f g o tanh(c) */
    case CELL_GRU: return 4;  /* r z n (W_hn h + b_hn) */
    default: return 0;        /* h itself is enough */
    }
}

/* Reals of a packed K×N operand, for either orientation. */
static long packed_either(int K, int N)
{
    long fwd = recur__gemm_packed_size(K, N), bwd = recur__gemm_packed_size(N, K);
    return fwd > bwd ? fwd : bwd;
}

long recur__cell_work_size(int kind, int H, int P, int T, int B)
{
    long GH = (long)recur__cell_gates(kind) * H, BH = (long)B * H, TB = (long)T * B;
    long R = P ? P : H, BR = (long)B * R;
    long n = TB * GH          /* xg */
             + (T + 1) * BR   /* hs */
             + TB * recur__cell_saved(kind) * H
             + B * GH         /* hg */
             + TB * GH        /* dgi */
             + BR + BH        /* dh, dc */
             + packed_either((int)R, (int)GH);
    if (kind == CELL_LSTM)
        n += (T + 1) * BH; /* cs */
    if (kind == CELL_GRU)
        n += TB * GH; /* dgh */
    if (P)
        n += TB * H + TB * P + BH + packed_either(H, P); /* ms, dhs, dm, whr */
    return n;
}

void recur__cell_work_bind(cell_work *w, int kind, int H, int P, int T, int B, real *mem)
{
    long GH = (long)recur__cell_gates(kind) * H, BH = (long)B * H, TB = (long)T * B;
    long R = P ? P : H, BR = (long)B * R;
    memset(w, 0, sizeof *w);
    w->xg = mem, mem += TB * GH;
    w->hs = mem, mem += (T + 1) * BR;
    w->acts = mem, mem += TB * recur__cell_saved(kind) * H;
    w->hg = mem, mem += B * GH;
    w->dgi = mem, mem += TB * GH;
    w->dh = mem, mem += BR;
    w->dc = mem, mem += BH;
    w->whh_mem = mem, mem += packed_either((int)R, (int)GH);
    w->dgh = w->dgi;
    if (kind == CELL_LSTM)
        w->cs = mem, mem += (T + 1) * BH;
    if (kind == CELL_GRU)
        w->dgh = mem, mem += TB * GH;
    if (P) {
        w->ms = mem, mem += TB * H;
        w->dhs = mem, mem += TB * P;
        w->dm = mem, mem += BH;
        w->whr_mem = mem;
    }
}

real *recur__cell_h_at(const cell_work *w, int R, int B, int T, int reverse, int t)
{
    (void)T;
    return w->hs + (long)(t + !reverse) * B * R;
}

real *recur__cell_h_final(const cell_work *w, int R, int B, int T, int reverse)
{
    return w->hs + (long)(reverse ? 0 : T) * B * R;
}

real *recur__cell_c_final(const cell_work *w, int H, int B, int T, int reverse)
{
    return w->cs + (long)(reverse ? 0 : T) * B * H;
}

/* One time loop, forward or backward, to be split over batch rows. */
typedef struct {
    const cell *c;
    cell_work *w;
    int T, B, reverse;
    const real *dy;
    int ldy;
} loop_job;

static void forward_rows(void *arg, int b0, int b1)
{
    loop_job *j = arg;
    switch (j->c->kind) {
    case CELL_LSTM: recur__lstm_forward(j->c, j->w, j->T, j->B, j->reverse, b0, b1); break;
    case CELL_GRU: recur__gru_forward(j->c, j->w, j->T, j->B, j->reverse, b0, b1); break;
    default: recur__rnn_forward(j->c, j->w, j->T, j->B, j->reverse, b0, b1); break;
    }
}

static void backward_rows(void *arg, int b0, int b1)
{
    loop_job *j = arg;
    switch (j->c->kind) {
    case CELL_LSTM: recur__lstm_backward(j->c, j->w, j->T, j->B, j->reverse, j->dy, j->ldy, b0, b1); break;
    case CELL_GRU: recur__gru_backward(j->c, j->w, j->T, j->B, j->reverse, j->dy, j->ldy, b0, b1); break;
    default: recur__rnn_backward(j->c, j->w, j->T, j->B, j->reverse, j->dy, j->ldy, b0, b1); break;
    }
}

/* Work of one time loop: the recurrent product (and projection) dominate. */
static double loop_flops(const cell *c, int T, int B)
{
    return 2.0 * T * B * (recur__cell_gates(c->kind) + !!c->P) * (double)c->H *
           cell_out_width(c);
}

static void put_state(real *slot, const real *src, long n)
{
    if (src)
        memcpy(slot, src, (size_t)n * sizeof *slot);
    else
        memset(slot, 0, (size_t)n * sizeof *slot);
}

void recur__cell_forward(const cell *c, cell_work *w, int T, int B, int reverse,
                  const real *h0, const real *c0)
{
    int R = cell_out_width(c);
    long BH = (long)B * c->H, BR = (long)B * R;
    put_state(w->hs + (reverse ? (long)T * BR : 0), h0, BR);
    if (c->kind == CELL_LSTM)
        put_state(w->cs + (reverse ? (long)T * BH : 0), c0, BH);
    int GH = recur__cell_gates(c->kind) * c->H;
    recur__gemm_pack(&w->whh, 1, R, GH, c->w_hh, R, w->whh_mem); /* h·W_hhᵀ */
    if (c->P)
        recur__gemm_pack(&w->whr, 1, c->H, c->P, c->w_hr, c->H, w->whr_mem); /* m·W_hrᵀ */
    loop_job job = {c, w, T, B, reverse, NULL, 0};
    recur__parallel_rows(B, loop_flops(c, T, B), forward_rows, &job);
}

void recur__cell_backward(cell *c, cell_work *w, int T, int B, int reverse,
                   const real *dy, int ldy, const real *dhT, const real *dcT,
                   real *dh0, real *dc0)
{
    int H = c->H, R = cell_out_width(c), GH = recur__cell_gates(c->kind) * H;
    long BH = (long)B * H, BR = (long)B * R, TB = (long)T * B;
    put_state(w->dh, dhT, BR);
    if (c->kind == CELL_LSTM)
        put_state(w->dc, dcT, BH);
    recur__gemm_pack(&w->whh, 0, GH, R, c->w_hh, R, w->whh_mem); /* dG·W_hh */
    if (c->P)
        recur__gemm_pack(&w->whr, 0, c->P, H, c->w_hr, H, w->whr_mem); /* dh·W_hr */
    loop_job job = {c, w, T, B, reverse, dy, ldy};
    double flops = loop_flops(c, T, B);
    w->dtab_in_loop = w->dtab && recur__parallel_parts(B, flops) == 1;
    recur__parallel_rows(B, flops, backward_rows, &job);
    /* The time loop ran t = T-1 .. 0 (t = 0 .. T-1 reversed): the same
     * order for the scatter it left to us. */
    if (w->dtab && !w->dtab_in_loop)
        recur__scatter_add_steps(w->dtab, w->dgi, w->xtok, T, B, GH, !reverse);
    /* dW_hh += Σ_t dG_hᵀ(t) · h_{t-1}: the previous states of all steps are
     * T contiguous slots starting at slot `reverse` (see cell.h). */
    const real *hprev = w->hs + (reverse ? BR : 0);
    recur__gemm(1, 0, GH, R, (int)TB, 1, w->dgh, GH, hprev, R, 1, c->gw_hh, R);
    /* dW_hr += Σ_t dh_tᵀ · m_t */
    if (c->P)
        recur__gemm(1, 0, c->P, H, (int)TB, 1, w->dhs, c->P, w->ms, H, 1, c->gw_hr, H);
    /* The bias gradients: one pass when both biases see the same dG. With
     * a one-hot table (w->xtab) the caller sums b_ih's (and b_hh's where
     * dgh = dgi) from the per-token rows it scatters dG into: I rows
     * instead of T·B (model.c). */
    if (w->xtab) {
        if (w->dgh != w->dgi)
            recur__add_column_sums(c->gb_hh, NULL, w->dgh, TB, GH);
    } else if (w->dgh == w->dgi) {
        recur__add_column_sums(c->gb_ih, c->gb_hh, w->dgi, TB, GH);
    } else {
        recur__add_column_sums(c->gb_ih, NULL, w->dgi, TB, GH);
        recur__add_column_sums(c->gb_hh, NULL, w->dgh, TB, GH);
    }
    if (dh0)
        memcpy(dh0, w->dh, (size_t)BR * sizeof *dh0);
    if (dc0 && c->kind == CELL_LSTM)
        memcpy(dc0, w->dc, (size_t)BH * sizeof *dc0);
}

/* ---- padding and gradient recording (see cell.h) ------------------------ */

int recur__cell_pass_padding(cell_work *w, int t, int B, int b, int H, int GH,
                      const real *dy)
{
    if (!cell_padded(w, t, b))
        return 0;
    real *dh = w->dh + (long)b * H, *keep = w->hg + (long)b * GH;
    for (int j = 0; j < H; j++)
        keep[j] = dh[j] += dy ? dy[j] : 0;
    long row = ((long)t * B + b) * GH;
    memset(w->dgi + row, 0, (size_t)GH * sizeof(real));
    if (w->dgh != w->dgi)
        memset(w->dgh + row, 0, (size_t)GH * sizeof(real));
    return 1;
}

void recur__cell_record_dh(cell_work *w, int t, int B, int b, int H, const real *dy)
{
    if (!w->dhsq)
        return;
    const real *dh = w->dh + (long)b * H;
    double s = 0;
    for (int j = 0; j < H; j++) {
        double v = (double)dh[j] + (dy ? (double)dy[j] : 0);
        s += v * v;
    }
    w->dhsq[(long)t * B + b] = (real)s;
}

void recur__cell_scatter_step(cell_work *w, int t, int B, int GH)
{
    if (w->dtab_in_loop)
        recur__scatter_add_rows(w->dtab, w->dgi + (long)t * B * GH, w->xtok + (long)t * B, B,
                                GH);
}

void recur__cell_restore_padding(cell_work *w, int t, int b0, int b1, int H, int GH)
{
    if (!w->len)
        return;
    for (int b = b0; b < b1; b++)
        if (cell_padded(w, t, b))
            memcpy(w->dh + (long)b * H, w->hg + (long)b * GH, (size_t)H * sizeof(real));
}
