/* cell.h - one direction of one recurrent layer over a whole sequence.
 *
 * The cuDNN recipe: the caller fills w->xg with the input projections of all
 * time steps at once (one GEMM; for one-hot input it points w->xtab at a
 * table of them, a row per token, instead: cell_xg_row); the cell's
 * time loop does only the recurrent product h_{t-1}·W_hhᵀ and one fused pass
 * over the gates. Backward carries dh (and dc) back through time, stores the
 * pre-activation gate gradients of every step, and forms the recurrent weight
 * gradient as one GEMM over all steps after the loop.
 *
 * Equations, gate order and weight shapes are PyTorch's; the per-unit
 * equations are written once, in cell_gates.h. G gate blocks of H rows:
 * RNN 1, LSTM 4 (i f g o), GRU 3 (r z n); W_ih [G·H×I], W_hh [G·H×H].
 *
 * Hidden states live in w->hs, T+1 slots of [B][H] in time order: the forward
 * direction keeps h0 in slot 0 and h_t in slot t+1; the reverse direction
 * keeps h0 in slot T and h_t in slot t. So h_t is slot t+fwd and the state
 * that fed step t is slot t+rev, and "all previous states" are T contiguous
 * slots starting at slot rev — ready for one GEMM. Cell states likewise.
 *
 * An LSTM with a projection (PyTorch's proj_size P > 0) outputs and carries
 * h_t = W_hr·m_t, m_t = σ(o)⊙tanh(c_t): hidden states are P wide (R = P,
 * else R = H below), cell states H wide, W_hh is [4H×P], W_hr [P×H]. */
#ifndef RECUR_CELL_H
#define RECUR_CELL_H

#include <stdint.h>

#include "core/gemm.h"
#include "core/real.h"

enum cell_kind { CELL_RNN_TANH, CELL_RNN_RELU, CELL_LSTM, CELL_GRU };

/* Gate blocks per cell kind: 1, 1, 4, 3. */
int recur__cell_gates(int kind);
/* Activations saved per step and batch row, in units of H. */
int recur__cell_saved(int kind);

typedef struct {
    int kind, I, H;
    int P;                               /* LSTM projection size, 0: none */
    real *w_ih, *w_hh, *b_ih, *b_hh;     /* [GH×I] [GH×R] [GH] [GH] */
    real *gw_ih, *gw_hh, *gb_ih, *gb_hh; /* gradients, accumulated */
    real *w_hr, *gw_hr;                  /* [P×H] (P > 0 only) */
} cell;

/* Width of the cell's output and hidden state: P if projected, else H. */
static inline int cell_out_width(const cell *c)
{
    return c->P ? c->P : c->H;
}

/* Buffers for one direction over a window of at most T_cap × B_cap. */
typedef struct {
    real *xg;   /* [T][B][GH] input projections incl. b_ih, time-indexed */
    real *hs;   /* [T+1][B][R] hidden states (layout above) */
    real *cs;   /* [T+1][B][H] LSTM cell states */
    real *acts; /* [T][B][saved·H] activations kept for backward */
    real *hg;   /* [B][GH] recurrent projection of the current step */
    real *dgi;  /* [T][B][GH] gate gradients on the input side */
    real *dgh;  /* [T][B][GH] on the recurrent side (GRU; else = dgi) */
    real *dh;   /* [B][R] gradient carried to the previous step */
    real *dc;   /* [B][H] LSTM cell gradient carried back */
    /* W_hh packed for the time loop's products (gemm.h), once per pass:
     * as W_hhᵀ [H×GH] by forward, as W_hh [GH×H] by backward. */
    gemm_packed whh;
    real *whh_mem;
    /* With a projection (P > 0), else NULL: */
    real *ms;   /* [T][B][H] m_t = σ(o)⊙tanh(c_t), before W_hr */
    real *dhs;  /* [T][B][P] ∂L/∂h_t of every step (for dW_hr) */
    real *dm;   /* [B][H] ∂L/∂m_t of the current step */
    gemm_packed whr; /* W_hrᵀ [H×P] by forward, W_hr [P×H] by backward */
    real *whr_mem;
    /* Set by the caller before a pass, not owned: */
    const int32_t *len; /* [B] valid steps of each row, or NULL: all T. A
                           row's steps t >= len[b] are padding: the state
                           passes through them unchanged (h_t = h_{t-1}),
                           so padding changes no output, loss or gradient,
                           and a reverse direction starts at its row's
                           last valid step, as PyTorch's packed sequences. */
    real *dhsq;         /* [T][B] or NULL: backward records ‖∂L/∂h_t‖² */
    /* A one-hot input's projections are rows of a table (model.c: W_ihᵀ
     * + b_ih, a row per token): with xtab set, the row of step t, batch row
     * b is xtab + xtok[t·B + b]·GH, read in place instead of gathered into
     * xg (a 13 MB copy a step of LSTM 1×128: 3%, bench/NOTES.md). */
    const real *xtab;
    const int32_t *xtok;
    /* With xtab, the caller may set dtab (zeroed, a row per token like
     * xtab) for backward to add every step's dG_i rows into by token, the
     * transpose of reading xtab. When one thread runs the whole batch the
     * time loop does it at the end of each step, while the rows are still
     * in cache (recur__cell_scatter_step); else recur__cell_backward does it
     * after the loop, in the same order: the same sums either way. */
    real *dtab;
    int dtab_in_loop;
} cell_work;

/* The input projection (incl. b_ih) of step t, batch row b. */
static inline const real *cell_xg_row(const cell_work *w, int t, int B, int b, int GH)
{
    long r = (long)t * B + b;
    return w->xtab ? w->xtab + (long)w->xtok[r] * GH : w->xg + r * GH;
}

/* Is step t of row b padding? */
static inline int cell_padded(const cell_work *w, int t, int b)
{
    return w->len && t >= w->len[b];
}

/* Backward over a padded step: h_t = h_{t-1}, so the gradient passes
 * through unchanged: dh (and dc) keep their value plus dy, and the step's
 * gate gradients are zero. Returns 1 if the step was padding. */
int recur__cell_pass_padding(cell_work *w, int t, int B, int b, int H, int GH,
                      const real *dy);
/* With w->dhsq set, record ‖dh + dy‖² of step t, row b (before it is used). */
void recur__cell_record_dh(cell_work *w, int t, int B, int b, int H, const real *dy);
/* After the recurrent gradient GEMM of step t overwrote dh for rows
 * [b0, b1): put back the carried gradient of padded rows (saved in w->hg by
 * recur__cell_pass_padding). */
void recur__cell_restore_padding(cell_work *w, int t, int b0, int b1, int H, int GH);
/* At the end of backward's step t (after padding): w->dtab[xtok] += the
 * step's dG_i rows, when w->dtab_in_loop (then [b0, b1) is the whole batch). */
void recur__cell_scatter_step(cell_work *w, int t, int B, int GH);

/* Number of reals recur__cell_work_bind needs for (kind, H, P, T, B); P is
 * the projection size (0: none). */
long recur__cell_work_size(int kind, int H, int P, int T, int B);
/* Carve the buffers of w out of mem (recur__cell_work_size reals). */
void recur__cell_work_bind(cell_work *w, int kind, int H, int P, int T, int B, real *mem);

/* Run the time loop. w->xg (or w->xtab) must hold the input projections. h0 is [B][R],
 * c0 [B][H] (LSTM only); NULL means zeros. */
void recur__cell_forward(const cell *c, cell_work *w, int T, int B, int reverse,
                  const real *h0, const real *c0);

/* Backward through time. dy is the gradient of the loss w.r.t. this
 * direction's outputs h_t, row t·B+b at dy + (t·B+b)·ldy (NULL: zero). dhT
 * and dcT are the gradients w.r.t. the final state (NULL: zero). Fills
 * w->dgi (and w->dgh), accumulates gw_hh, gb_ih, gb_hh, and writes the
 * gradients w.r.t. the initial state into dh0/dc0 when they are non-NULL.
 * The input side (gw_ih, dx) is the caller's: one GEMM each over w->dgi. */
void recur__cell_backward(cell *c, cell_work *w, int T, int B, int reverse,
                   const real *dy, int ldy, const real *dhT, const real *dcT,
                   real *dh0, real *dc0);

/* Pointer to h_t (time index t) in w->hs, and to the final state; R is the
 * state width (cell_out_width), H the cell state's. */
real *recur__cell_h_at(const cell_work *w, int R, int B, int T, int reverse, int t);
real *recur__cell_h_final(const cell_work *w, int R, int B, int T, int reverse);
real *recur__cell_c_final(const cell_work *w, int H, int B, int T, int reverse);

/* Per-kind time loops (rnn.c, lstm.c, gru.c) over the batch rows [b0, b1):
 * rows are independent through time, so disjoint row ranges may run on
 * different threads at once. */
void recur__rnn_forward(const cell *c, cell_work *w, int T, int B, int reverse, int b0, int b1);
void recur__rnn_backward(const cell *c, cell_work *w, int T, int B, int reverse,
                  const real *dy, int ldy, int b0, int b1);
void recur__lstm_forward(const cell *c, cell_work *w, int T, int B, int reverse, int b0, int b1);
void recur__lstm_backward(const cell *c, cell_work *w, int T, int B, int reverse,
                   const real *dy, int ldy, int b0, int b1);
void recur__gru_forward(const cell *c, cell_work *w, int T, int B, int reverse, int b0, int b1);
void recur__gru_backward(const cell *c, cell_work *w, int T, int B, int reverse,
                  const real *dy, int ldy, int b0, int b1);

#endif
