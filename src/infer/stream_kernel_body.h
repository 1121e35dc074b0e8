/* stream_kernel_body.h - the vector streaming kernels (stream_kernel.h),
 * written once for every instruction set: stream_kernel_avx512.c and
 * stream_kernel_avx2.c include it after defining
 *   V             lanes per vector (and per block of units)
 *   VEC           the vector type
 *   VLOAD(p)      V floats from p (aligned to the vector: the panels are)
 *   VSET1(x)      x in every lane
 *   VZERO         zeros
 *   VFMA(a, b, c) a·b + c
 *   VADD(a, b), VSUB(a, b), VMUL(a, b), VDIV(a, b)
 *   VMAX(a, b), VMIN(a, b)  (b where either is NaN, as maxps and minps)
 *   VFNMA(a, b, c)          c − a·b
 *   VLOADU(p), VSTOREU(p, v), VSTORE(p, v)
 *   VEXP2I(k)               the float whose bits are (bits(k) + 127 −
 *                           bits(1.5·2^23)) << 23 (act_exp's scale)
 *   TARGET        the function attribute that enables the instruction set
 *   NAME(x)       the name of kernel x for this instruction set
 * The accumulators are named variables, not an array (GCC kept an array of
 * vectors in registers but stored it to the stack every k: sgemm_avx512.c). */
#include <string.h>


#define INLINE static inline __attribute__((always_inline)) TARGET

/* n rows of a panel of 4 slots: even k into a*, odd k into b*. */
#define ROWS4(v, n, a0, a1, a2, a3, b0, b1, b2, b3)                            \
    do {                                                                       \
        int k_ = 0;                                                            \
        for (; k_ + 2 <= (n); k_ += 2, w += 8 * V) {                           \
            VEC e_ = VSET1((v)[k_]), o_ = VSET1((v)[k_ + 1]);                  \
            a0 = VFMA(e_, VLOAD(w), a0);                                       \
            a1 = VFMA(e_, VLOAD(w + V), a1);                                   \
            a2 = VFMA(e_, VLOAD(w + 2 * V), a2);                               \
            a3 = VFMA(e_, VLOAD(w + 3 * V), a3);                               \
            b0 = VFMA(o_, VLOAD(w + 4 * V), b0);                               \
            b1 = VFMA(o_, VLOAD(w + 5 * V), b1);                               \
            b2 = VFMA(o_, VLOAD(w + 6 * V), b2);                               \
            b3 = VFMA(o_, VLOAD(w + 7 * V), b3);                               \
        }                                                                      \
        if (k_ < (n)) {                                                        \
            VEC e_ = VSET1((v)[k_]);                                           \
            a0 = VFMA(e_, VLOAD(w), a0);                                       \
            a1 = VFMA(e_, VLOAD(w + V), a1);                                   \
            a2 = VFMA(e_, VLOAD(w + 2 * V), a2);                               \
            a3 = VFMA(e_, VLOAD(w + 3 * V), a3);                               \
            w += 4 * V;                                                        \
        }                                                                      \
    } while (0)

/* The same for 3 slots. */
#define ROWS3(v, n, a0, a1, a2, b0, b1, b2)                                    \
    do {                                                                       \
        int k_ = 0;                                                            \
        for (; k_ + 2 <= (n); k_ += 2, w += 6 * V) {                           \
            VEC e_ = VSET1((v)[k_]), o_ = VSET1((v)[k_ + 1]);                  \
            a0 = VFMA(e_, VLOAD(w), a0);                                       \
            a1 = VFMA(e_, VLOAD(w + V), a1);                                   \
            a2 = VFMA(e_, VLOAD(w + 2 * V), a2);                               \
            b0 = VFMA(o_, VLOAD(w + 3 * V), b0);                               \
            b1 = VFMA(o_, VLOAD(w + 4 * V), b1);                               \
            b2 = VFMA(o_, VLOAD(w + 5 * V), b2);                               \
        }                                                                      \
        if (k_ < (n)) {                                                        \
            VEC e_ = VSET1((v)[k_]);                                           \
            a0 = VFMA(e_, VLOAD(w), a0);                                       \
            a1 = VFMA(e_, VLOAD(w + V), a1);                                   \
            a2 = VFMA(e_, VLOAD(w + 2 * V), a2);                               \
            w += 3 * V;                                                        \
        }                                                                      \
    } while (0)

/* One slot: four chains, k mod 4. */
#define ROWS1(v, n, a0, a1, a2, a3)                                            \
    do {                                                                       \
        int k_ = 0;                                                            \
        for (; k_ + 4 <= (n); k_ += 4, w += 4 * V) {                           \
            a0 = VFMA(VSET1((v)[k_]), VLOAD(w), a0);                           \
            a1 = VFMA(VSET1((v)[k_ + 1]), VLOAD(w + V), a1);                   \
            a2 = VFMA(VSET1((v)[k_ + 2]), VLOAD(w + 2 * V), a2);               \
            a3 = VFMA(VSET1((v)[k_ + 3]), VLOAD(w + 3 * V), a3);               \
        }                                                                      \
        for (; k_ < (n); k_++, w += V)                                         \
            a0 = VFMA(VSET1((v)[k_]), VLOAD(w), a0);                           \
    } while (0)

/* x row `token` of a panel of A slots, added to A accumulators. */
#define ONEHOT(A, token) (w + (long)(token) * (A) * V)

/* activation.h's exp, sigmoid and tanh on vectors: the same range
 * reduction, clamps and degree-6 polynomial, with fused multiply-adds and
 * the polynomial split in halves (Estrin's scheme) to shorten the chain of
 * dependent operations: at small hidden sizes a step's time is the latency
 * of h_{t-1} → gates → h_t (bench/NOTES.md). */
INLINE VEC v_exp(VEC x)
{
    x = VMAX(VSET1(-87.0f), x); /* NaN stays NaN */
    x = VMIN(VSET1(88.0f), x);
    VEC k = VFMA(x, VSET1(1.44269504088896341f), VSET1(12582912.0f));
    VEC n = VSUB(k, VSET1(12582912.0f));
    VEC r = VFNMA(n, VSET1(0.693145751953125f), x);
    r = VFNMA(n, VSET1(1.428606765330187e-06f), r);
    VEC r2 = VMUL(r, r);
    VEC p01 = VADD(VSET1(1.0f), r);
    VEC p23 = VFMA(r, VSET1(0.166666672f), VSET1(0.5f));
    VEC p45 = VFMA(r, VSET1(0.00833333377f), VSET1(0.0416666679f));
    VEC p46 = VFMA(r2, VSET1(0.00138888892f), p45);
    VEC p = VFMA(r2, VFMA(r2, p46, p23), p01);
    return VMUL(p, VEXP2I(k));
}

INLINE VEC v_sigmoid(VEC x)
{
    VEC one = VSET1(1.0f);
    return VDIV(one, VADD(one, v_exp(VSUB(VZERO, x))));
}

INLINE VEC v_tanh(VEC x)
{
    VEC one = VSET1(1.0f);
    return VSUB(VDIV(VSET1(2.0f), VADD(one, v_exp(VMUL(VSET1(-2.0f), x)))), one);
}

/* A block's V lanes of p (the last block may have n < V units: through a
 * copy, so that no load or store passes the end of the caller's array). */
INLINE VEC load_lanes(const float *p, int n)
{
    if (n >= V)
        return VLOADU(p);
    float t[V] __attribute__((aligned(64))) = {0};
    memcpy(t, p, (size_t)n * sizeof *t);
    return VLOAD(t);
}

INLINE void store_lanes(float *p, VEC v, int n)
{
    if (n >= V) {
        VSTOREU(p, v);
        return;
    }
    float t[V] __attribute__((aligned(64)));
    VSTORE(t, v);
    memcpy(p, t, (size_t)n * sizeof *t);
}

static TARGET void NAME(lstm)(const stream_layer *L, const float *x, int token,
                              const float *hp, float *c, float *hn)
{
    const int I = L->I, H = L->H, Hp = L->Hp;
    const float *w = L->w;
    for (int j = 0; j < Hp; j += V) {
        VEC a0 = VLOAD(w), a1 = VLOAD(w + V), a2 = VLOAD(w + 2 * V), a3 = VLOAD(w + 3 * V);
        VEC b0 = VZERO, b1 = VZERO, b2 = VZERO, b3 = VZERO;
        w += 4 * V;
        if (x) {
            ROWS4(x, I, a0, a1, a2, a3, b0, b1, b2, b3);
        } else {
            const float *r = ONEHOT(4, token);
            a0 = VADD(a0, VLOAD(r)), a1 = VADD(a1, VLOAD(r + V));
            a2 = VADD(a2, VLOAD(r + 2 * V)), a3 = VADD(a3, VLOAD(r + 3 * V));
            w += (long)I * 4 * V;
        }
        ROWS4(hp, H, a0, a1, a2, a3, b0, b1, b2, b3);
        int n = Hp - j;
        VEC i = v_sigmoid(VADD(a0, b0)), f = v_sigmoid(VADD(a1, b1));
        VEC g = v_tanh(VADD(a2, b2)), o = v_sigmoid(VADD(a3, b3));
        VEC cn = VFMA(f, load_lanes(c + j, n), VMUL(i, g)); /* c = f⊙c' + i⊙g */
        store_lanes(c + j, cn, n);
        store_lanes(hn + j, VMUL(o, v_tanh(cn)), n);
    }
}

static TARGET void NAME(gru)(const stream_layer *L, const float *x, int token,
                             const float *hp, float *c, float *hn)
{
    (void)c;
    const int I = L->I, H = L->H, Hp = L->Hp;
    const float *w = L->w, *hown = hp + L->j0;
    for (int j = 0; j < Hp; j += V) {
        /* r z: x and h sums; nx: W_in x + b_in; nh: W_hn h + b_hn */
        VEC r = VLOAD(w), z = VLOAD(w + V), nx = VLOAD(w + 2 * V), nh = VLOAD(w + 3 * V);
        VEC r1 = VZERO, z1 = VZERO, n1 = VZERO, m1 = VZERO;
        w += 4 * V;
        if (x) {
            ROWS3(x, I, r, z, nx, r1, z1, n1);
        } else {
            const float *q = ONEHOT(3, token);
            r = VADD(r, VLOAD(q)), z = VADD(z, VLOAD(q + V)), nx = VADD(nx, VLOAD(q + 2 * V));
            w += (long)I * 3 * V;
        }
        ROWS3(hp, H, r, z, nh, r1, z1, m1);
        int n = Hp - j;
        r = v_sigmoid(VADD(r, r1));
        z = v_sigmoid(VADD(z, z1));
        VEC nn = v_tanh(VFMA(r, VADD(nh, m1), VADD(nx, n1))); /* n = tanh(.. + r⊙(..)) */
        VEC hold = load_lanes(hown + j, n);
        store_lanes(hn + j, VFMA(z, VSUB(hold, nn), nn), n); /* (1−z)⊙n + z⊙h' */
    }
}

INLINE void rnn_layer(const stream_layer *L, const float *x, int token, const float *hp,
                      float *hn, int relu)
{
    const int I = L->I, H = L->H, Hp = L->Hp;
    const float *w = L->w;
    for (int j = 0; j < Hp; j += V) {
        VEC a0 = VLOAD(w), a1 = VZERO, a2 = VZERO, a3 = VZERO;
        w += V;
        if (x) {
            ROWS1(x, I, a0, a1, a2, a3);
        } else {
            a0 = VADD(a0, VLOAD(ONEHOT(1, token)));
            w += (long)I * V;
        }
        ROWS1(hp, H, a0, a1, a2, a3);
        VEC pre = VADD(VADD(a0, a1), VADD(a2, a3));
        /* relu: pre > 0 ? pre : 0 (NaN → 0, as rnn_unit) */
        store_lanes(hn + j, relu ? VMAX(pre, VZERO) : v_tanh(pre), Hp - j);
    }
}

static TARGET void NAME(rnn_tanh)(const stream_layer *L, const float *x, int token,
                                  const float *hp, float *c, float *hn)
{
    (void)c;
    rnn_layer(L, x, token, hp, hn, 0);
}

static TARGET void NAME(rnn_relu)(const stream_layer *L, const float *x, int token,
                                  const float *hp, float *c, float *hn)
{
    (void)c;
    rnn_layer(L, x, token, hp, hn, 1);
}

#undef INLINE
#undef ROWS4
#undef ROWS3
#undef ROWS1
#undef ONEHOT
