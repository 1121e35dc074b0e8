/* stream_kernel.h - the streaming step's one kernel per layer: a
 * register-blocked mat-vec over [b | W_ih | W_hh] packed at state creation,
 * with the gate equations in its epilogue.
 *
 * The hidden units are cut into blocks of V lanes (16 for AVX-512, 8 for
 * AVX2 and the portable kernel). A block's weights are one contiguous panel:
 *   bias  [B][V]      B bias slots (below)
 *   x rows [I][A][V]  row k holds column k of W_ih for the block's units,
 *   h rows [R][A][V]  and of W_hh; A gate slots per row, zero past Hp
 * (R: the width of h, H, or P for an LSTM with a projection, whose m_t
 * the caller then projects: h_t = W_hr·m_t)
 * so a block is G·V accumulators held in registers for the whole sum: per
 * input k, one broadcast and A vector FMAs, each FMA with one load and no
 * store (the old transposed loop reloaded and stored its output every few
 * columns). Even and odd k go to separate accumulators, so the FMA chains
 * are twice as many as the gates. Then the block's pre-activations go
 * through the gate equations of nn/cell_gates.h and the new c and h are
 * stored: the only stores of the step.
 *
 *   LSTM: A = 4 (i f g o), B = 4 (b_ih + b_hh)
 *   RNN : A = 1,           B = 1 (b_ih + b_hh)
 *   GRU : A = 3 (r z n),   B = 4 (b_ir + b_hr, b_iz + b_hz, b_in, b_hn):
 *         the n slot of an x row feeds W_in·x and of an h row W_hn·h, two
 *         accumulators, since n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)).
 *
 * A one-hot input (layer 0 of a token model) adds x row `token` instead of
 * the I-row product. The kernel is chosen from cpuid once, when the state is
 * created (never per step), as a function pointer per cell kind. */
#ifndef RECUR_STREAM_KERNEL_H
#define RECUR_STREAM_KERNEL_H

#include "core/real.h"

/* Flush to zero in software: a value below the smallest normal float in
 * magnitude becomes 0 (NaN stays NaN). The kernels apply it (VFLUSH for
 * vectors) to every state they store and the stream to its inputs and
 * packed weights, so a stream never holds a denormal and its step costs
 * the same whatever the values, without touching the caller's
 * floating-point mode (reading MXCSR waits for every operation in flight:
 * 11 ns a step, bench/NOTES.md). The generated C (export_c.c) and the int8
 * stream (stream_q8.c) flush the same values. */
static inline real recur__flush(real v)
{
    return v > -1.17549435e-38f && v < 1.17549435e-38f ? 0 : v;
}

/* One layer's units [j0, j0 + Hp) packed for one kernel. */
typedef struct {
    int I, R, j0, Hp; /* input width, h width (W_hh's columns), this part's units */
    const real *w; /* ceil(Hp/V) block panels, one after the other */
    /* A single output of a one-part top layer, fused into the epilogue
     * while h is in registers: y = fc_b + fc·h, fc padded with zeros to
     * whole blocks (recur__stream_fc_pack). NULL: the caller's dense. */
    const real *fc;
    real fc_b;
} stream_layer;

/* x: the layer's input [I] (NULL: one-hot, use `token`); hp: the layer's
 * previous hidden state [R]; c: the cell states of the part's Hp units,
 * updated in place (LSTM only; else unused); hn: where their new h goes
 * [Hp]. hn must not overlap hp. y: the fused output (L->fc set). */
typedef void (*stream_layer_fn)(const stream_layer *L, const real *x, int token,
                                const real *hp, real *c, real *hn, float *y);

/* The dense output layer: y[o] = b[o] + W[o]·h, W [O×H] as the model
 * keeps it. */
typedef void (*stream_dense_fn)(int O, int H, const real *W, const real *b, const real *h,
                                float *y);

typedef struct {
    int isa, V;                /* cpu.h's instruction set, lanes per block */
    stream_layer_fn lstm, gru, rnn_tanh, rnn_relu;
    stream_dense_fn dense;
} stream_kernel;

/* The kernels built in (NULL where the compiler cannot target the ISA). */
extern const stream_kernel recur__stream_kernel_generic;
const stream_kernel *recur__stream_kernel_avx2(void);
const stream_kernel *recur__stream_kernel_avx512(void);

/* The kernel a part of Hp units uses on this CPU: AVX-512 above 8 units,
 * AVX2 otherwise (a 16-lane block of 8 units would be half empty), the
 * portable one without AVX2 or in the double build. A forced ISA
 * (recur__stream_force_isa) is used as it is, whatever Hp. */
const stream_kernel *recur__stream_kernel_pick(int Hp);
/* For tests and benchmarks: states created from now on use exactly isa's
 * kernel (cpu.h; RECUR_ISA_COUNT: back to the automatic choice). Returns 0,
 * or -1 if this CPU or build lacks it (nothing changes). */
int recur__stream_force_isa(int isa);

/* The stream_layer_fn of a cell kind (cell.h). */
stream_layer_fn recur__stream_kernel_fn(const stream_kernel *k, int kind);

/* Reals the panels of Hp units need (a multiple of 16: each block's panel
 * starts 64-byte aligned when the first does). */
long recur__stream_layer_size(const stream_kernel *k, int kind, int I, int R, int Hp);
/* Pack rows {g·H + j0 + u : gate g, u < Hp} of W_ih [G·H×I], W_hh [G·H×R]
 * and the biases [G·H] into dst (recur__stream_layer_size reals). */
void recur__stream_layer_pack(stream_layer *L, const stream_kernel *k, int kind, int I,
                              int H, int R, int j0, int Hp, const real *w_ih,
                              const real *w_hh, const real *b_ih, const real *b_hh,
                              real *dst);

/* Reals the fused output row of H units needs, and packing fc [H] (a
 * model's only output row) into dst for L. */
long recur__stream_fc_size(const stream_kernel *k, int H);
void recur__stream_fc_pack(stream_layer *L, const stream_kernel *k, const real *fc, real fc_b,
                           real *dst);

#endif
