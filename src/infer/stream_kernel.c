/* stream_kernel.c - packing a layer for the streaming kernels, choosing
 * one from cpuid, and the portable kernel (stream_kernel.h).
 *
 * The portable kernel runs the same panels with V = 8 in plain C loops: it
 * is what CPUs without AVX2, non-x86 CPUs and the double build (gradient
 * checks) run, and the reference the vector kernels are tested against. */
#include "infer/stream_kernel.h"

#include <string.h>

#include "core/cpu.h"
#include "nn/cell.h"
#include "nn/cell_gates.h"

#define GV 8 /* the portable kernel's lanes per block */

/* Gate slots per x or h row, and bias slots (stream_kernel.h). */
static int row_slots(int kind) { return recur__cell_gates(kind); }
static int bias_slots(int kind) { return kind == CELL_GRU ? 4 : recur__cell_gates(kind); }

static long block_size(int kind, int V, int I, int R)
{
    return ((long)bias_slots(kind) + (long)(I + R) * row_slots(kind)) * V;
}

long recur__stream_layer_size(const stream_kernel *k, int kind, int I, int R, int Hp)
{
    long nb = (Hp + k->V - 1) / k->V;
    return (nb * block_size(kind, k->V, I, R) + 15) / 16 * 16;
}

void recur__stream_layer_pack(stream_layer *L, const stream_kernel *k, int kind, int I,
                              int H, int R, int j0, int Hp, const real *w_ih,
                              const real *w_hh, const real *b_ih, const real *b_hh,
                              real *dst)
{
    int V = k->V, A = row_slots(kind), Bs = bias_slots(kind);
    long per = block_size(kind, V, I, R), nb = (Hp + V - 1) / V;
    L->I = I, L->R = R, L->j0 = j0, L->Hp = Hp, L->w = dst, L->fc = NULL, L->fc_b = 0;
    memset(dst, 0, (size_t)recur__stream_layer_size(k, kind, I, R, Hp) * sizeof *dst);
    for (long b = 0; b < nb; b++) {
        real *p = dst + b * per;
        for (int u = 0; u < V && b * V + u < Hp; u++) {
            long j = j0 + b * V + u; /* the unit; gate a's row is a·H + j */
            for (int a = 0; a < A; a++)
                p[a * V + u] = recur__flush(b_ih[a * H + j] + b_hh[a * H + j]);
            if (kind == CELL_GRU) { /* n: b_in and b_hn apart */
                p[2 * V + u] = recur__flush(b_ih[2 * H + j]);
                p[3 * V + u] = recur__flush(b_hh[2 * H + j]);
            }
            real *x = p + (long)Bs * V, *h = x + (long)I * A * V;
            for (int a = 0; a < A; a++) {
                for (int i = 0; i < I; i++)
                    x[((long)i * A + a) * V + u] = recur__flush(w_ih[(a * H + j) * I + i]);
                for (int i = 0; i < R; i++)
                    h[((long)i * A + a) * V + u] = recur__flush(w_hh[(a * H + j) * R + i]);
            }
        }
    }
}

long recur__stream_fc_size(const stream_kernel *k, int H)
{
    return ((long)H + 15) / 16 * 16; /* whole blocks of 8 or 16, a multiple of 16 */
}

void recur__stream_fc_pack(stream_layer *L, const stream_kernel *k, const real *fc, real fc_b,
                           real *dst)
{
    memset(dst, 0, (size_t)recur__stream_fc_size(k, L->Hp) * sizeof *dst);
    for (int j = 0; j < L->Hp; j++)
        dst[j] = recur__flush(fc[L->j0 + j]);
    L->fc = dst;
    L->fc_b = recur__flush(fc_b);
}

/* ---- the portable kernel ---------------------------------------------------- */

/* An output row's GV lane sums, added up (the fused output and the dense
 * layer alike, so that outputs do not depend on the thread split). */
static real lane_total(const real *s)
{
    return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

/* pre[slot[a]][u] += Σ_k v[k] · w[k][a][u] over n rows of A slots. */
static const real *add_rows(real *pre, const int *slot, int A, const real *w,
                            const real *v, int n)
{
    for (int k = 0; k < n; k++, w += A * GV)
        for (int a = 0; a < A; a++)
            for (int u = 0; u < GV; u++)
                pre[slot[a] * GV + u] += v[k] * w[a * GV + u];
    return w;
}

/* One block's pre-activations: bias, x (or one-hot row) and h rows. The
 * GRU's h rows feed slot 3 (W_hn h) where its x rows feed slot 2. */
static const real *block_sums(const stream_layer *L, int kind, const real *w,
                              const real *x, int token, const real *hp, real *pre)
{
    static const int xs[4] = {0, 1, 2, 3}, gru_hs[3] = {0, 1, 3};
    int A = row_slots(kind), Bs = bias_slots(kind);
    memcpy(pre, w, (size_t)Bs * GV * sizeof *pre);
    w += Bs * GV;
    if (x)
        w = add_rows(pre, xs, A, w, x, L->I);
    else {
        add_rows(pre, xs, A, w + (long)token * A * GV, (const real[]){1}, 1);
        w += (long)L->I * A * GV;
    }
    return add_rows(pre, kind == CELL_GRU ? gru_hs : xs, A, w, hp, L->R);
}

static void generic_layer(const stream_layer *L, int kind, const real *x, int token,
                          const real *hp, real *c, real *hn, float *y)
{
    const real *w = L->w;
    real ylanes[GV] = {0};
    for (int j = 0; j < L->Hp; j += GV) {
        real pre[4 * GV];
        w = block_sums(L, kind, w, x, token, hp, pre);
        int n = L->Hp - j < GV ? L->Hp - j : GV;
        for (int u = 0; u < n; u++) {
            switch (kind) {
            case CELL_LSTM: {
                lstm_unit_out o = lstm_unit_summed(pre, GV, u, c[j + u]);
                c[j + u] = recur__flush(o.c);
                hn[j + u] = recur__flush(o.h);
                break;
            }
            case CELL_GRU:
                hn[j + u] = recur__flush(gru_unit_summed(pre, GV, u, hp[L->j0 + j + u]));
                break;
            default:
                hn[j + u] = recur__flush(rnn_unit_summed(pre[u], kind == CELL_RNN_RELU));
                break;
            }
            if (L->fc)
                ylanes[u] += L->fc[j + u] * hn[j + u];
        }
    }
    if (L->fc)
        *y = (float)(lane_total(ylanes) + L->fc_b);
}

#define GENERIC(name, kind)                                                    \
    static void name(const stream_layer *L, const real *x, int token, const real *hp, \
                     real *c, real *hn, float *y)                              \
    {                                                                          \
        generic_layer(L, kind, x, token, hp, c, hn, y);                        \
    }
GENERIC(generic_lstm, CELL_LSTM)
GENERIC(generic_gru, CELL_GRU)
GENERIC(generic_rnn_tanh, CELL_RNN_TANH)
GENERIC(generic_rnn_relu, CELL_RNN_RELU)

static void generic_dense(int O, int H, const real *W, const real *b, const real *h,
                          float *y)
{
    for (int o = 0; o < O; o++, W += H) {
        real s[GV] = {0};
        for (int j = 0; j < H; j++)
            s[j % GV] += W[j] * h[j];
        y[o] = (float)(lane_total(s) + b[o]);
    }
}

const stream_kernel recur__stream_kernel_generic = {RECUR_ISA_GENERIC, GV, generic_lstm,
                                                    generic_gru, generic_rnn_tanh,
                                                    generic_rnn_relu, generic_dense};

/* ---- choosing one ----------------------------------------------------------- */

static _Atomic int forced_isa = RECUR_ISA_COUNT;

static const stream_kernel *kernel_for(int isa)
{
    if (!recur__cpu_has(isa))
        return NULL;
    switch (isa) {
    case RECUR_ISA_AVX512: return recur__stream_kernel_avx512();
    case RECUR_ISA_AVX2: return recur__stream_kernel_avx2();
    case RECUR_ISA_GENERIC: return &recur__stream_kernel_generic;
    default: return NULL;
    }
}

const stream_kernel *recur__stream_kernel_pick(int Hp)
{
    int f = forced_isa;
    const stream_kernel *k = f < RECUR_ISA_COUNT ? kernel_for(f) : NULL;
    if (k)
        return k;
    int isa = recur__cpu_isa();
    if (isa == RECUR_ISA_AVX512 && Hp > 8 && (k = kernel_for(RECUR_ISA_AVX512)))
        return k;
    if (isa >= RECUR_ISA_AVX2 && (k = kernel_for(RECUR_ISA_AVX2)))
        return k;
    return &recur__stream_kernel_generic;
}

int recur__stream_force_isa(int isa)
{
    if (isa != RECUR_ISA_COUNT && !kernel_for(isa))
        return -1;
    forced_isa = isa;
    return 0;
}

stream_layer_fn recur__stream_kernel_fn(const stream_kernel *k, int kind)
{
    switch (kind) {
    case CELL_LSTM: return k->lstm;
    case CELL_GRU: return k->gru;
    case CELL_RNN_RELU: return k->rnn_relu;
    default: return k->rnn_tanh;
    }
}
