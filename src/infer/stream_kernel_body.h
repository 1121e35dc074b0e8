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
 *   VFMS(a, b, c)           a·b − c
 *   VLOADU(p), VSTOREU(p, v)
 *   VLOADN(p, n), VSTOREN(p, v, n)  the first n < V lanes, the rest of the
 *                           load 0 (masked: nothing past p + n is touched)
 *   VSCALE(p, n, k)         p·2^n for n integral, k = n + 1.5·2^23 (act_exp's
 *                           exponent bits, or AVX-512's scalef: one
 *                           operation instead of three)
 *   VHSUM(v)                the sum of the lanes
 *   VFLUSH(v)               0 in the lanes below the smallest normal float
 *                           in magnitude (recur__flush, stream_kernel.h)
 *   TARGET        the function attribute that enables the instruction set
 *   NAME(x)       the name of kernel x for this instruction set
 *   WIDE_CHAINS   (optional) 32 vector registers: four FMA chains per slot
 * The accumulators are named variables, not an array (GCC kept an array of
 * vectors in registers but stored it to the stack every k: sgemm_avx512.c). */

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

/* 4 slots, four chains per slot (k mod 4 into a*, b*, c*, d*): for the
 * 32 vector registers of AVX-512 (AVX2's 16 would spill). */
#define ROWS4X4(v, n, a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3, d0, d1, d2, d3) \
    do {                                                                       \
        int q_ = 0;                                                            \
        for (; q_ + 4 <= (n); q_ += 4, w += 16 * V) {                          \
            VEC e_ = VSET1((v)[q_]), o_ = VSET1((v)[q_ + 1]);                  \
            VEC f_ = VSET1((v)[q_ + 2]), g_ = VSET1((v)[q_ + 3]);              \
            a0 = VFMA(e_, VLOAD(w), a0);                                       \
            a1 = VFMA(e_, VLOAD(w + V), a1);                                   \
            a2 = VFMA(e_, VLOAD(w + 2 * V), a2);                               \
            a3 = VFMA(e_, VLOAD(w + 3 * V), a3);                               \
            b0 = VFMA(o_, VLOAD(w + 4 * V), b0);                               \
            b1 = VFMA(o_, VLOAD(w + 5 * V), b1);                               \
            b2 = VFMA(o_, VLOAD(w + 6 * V), b2);                               \
            b3 = VFMA(o_, VLOAD(w + 7 * V), b3);                               \
            c0 = VFMA(f_, VLOAD(w + 8 * V), c0);                               \
            c1 = VFMA(f_, VLOAD(w + 9 * V), c1);                               \
            c2 = VFMA(f_, VLOAD(w + 10 * V), c2);                              \
            c3 = VFMA(f_, VLOAD(w + 11 * V), c3);                              \
            d0 = VFMA(g_, VLOAD(w + 12 * V), d0);                              \
            d1 = VFMA(g_, VLOAD(w + 13 * V), d1);                              \
            d2 = VFMA(g_, VLOAD(w + 14 * V), d2);                              \
            d3 = VFMA(g_, VLOAD(w + 15 * V), d3);                              \
        }                                                                      \
        ROWS4((v) + q_, (n) - q_, a0, a1, a2, a3, b0, b1, b2, b3);             \
    } while (0)

/* The same for 3 slots. */
#define ROWS3X4(v, n, a0, a1, a2, b0, b1, b2, c0, c1, c2, d0, d1, d2)          \
    do {                                                                       \
        int q_ = 0;                                                            \
        for (; q_ + 4 <= (n); q_ += 4, w += 12 * V) {                          \
            VEC e_ = VSET1((v)[q_]), o_ = VSET1((v)[q_ + 1]);                  \
            VEC f_ = VSET1((v)[q_ + 2]), g_ = VSET1((v)[q_ + 3]);              \
            a0 = VFMA(e_, VLOAD(w), a0);                                       \
            a1 = VFMA(e_, VLOAD(w + V), a1);                                   \
            a2 = VFMA(e_, VLOAD(w + 2 * V), a2);                               \
            b0 = VFMA(o_, VLOAD(w + 3 * V), b0);                               \
            b1 = VFMA(o_, VLOAD(w + 4 * V), b1);                               \
            b2 = VFMA(o_, VLOAD(w + 5 * V), b2);                               \
            c0 = VFMA(f_, VLOAD(w + 6 * V), c0);                               \
            c1 = VFMA(f_, VLOAD(w + 7 * V), c1);                               \
            c2 = VFMA(f_, VLOAD(w + 8 * V), c2);                               \
            d0 = VFMA(g_, VLOAD(w + 9 * V), d0);                               \
            d1 = VFMA(g_, VLOAD(w + 10 * V), d1);                              \
            d2 = VFMA(g_, VLOAD(w + 11 * V), d2);                              \
        }                                                                      \
        ROWS3((v) + q_, (n) - q_, a0, a1, a2, b0, b1, b2);                     \
    } while (0)

/* Where the registers allow (WIDE_CHAINS), the recurrent rows run four
 * chains per slot instead of two: the product's share of the latency. */
#ifdef WIDE_CHAINS
#define H_ROWS4(v, n, a0, a1, a2, a3, b0, b1, b2, b3)                          \
    do {                                                                       \
        VEC c0_ = VZERO, c1_ = VZERO, c2_ = VZERO, c3_ = VZERO;                \
        VEC d0_ = VZERO, d1_ = VZERO, d2_ = VZERO, d3_ = VZERO;                \
        ROWS4X4(v, n, a0, a1, a2, a3, b0, b1, b2, b3, c0_, c1_, c2_, c3_, d0_, d1_, \
                d2_, d3_);                                                     \
        a0 = VADD(a0, c0_), a1 = VADD(a1, c1_), a2 = VADD(a2, c2_), a3 = VADD(a3, c3_); \
        b0 = VADD(b0, d0_), b1 = VADD(b1, d1_), b2 = VADD(b2, d2_), b3 = VADD(b3, d3_); \
    } while (0)
#define H_ROWS3(v, n, a0, a1, a2, b0, b1, b2)                                  \
    do {                                                                       \
        VEC c0_ = VZERO, c1_ = VZERO, c2_ = VZERO;                             \
        VEC d0_ = VZERO, d1_ = VZERO, d2_ = VZERO;                             \
        ROWS3X4(v, n, a0, a1, a2, b0, b1, b2, c0_, c1_, c2_, d0_, d1_, d2_);   \
        a0 = VADD(a0, c0_), a1 = VADD(a1, c1_), a2 = VADD(a2, c2_);            \
        b0 = VADD(b0, d0_), b1 = VADD(b1, d1_), b2 = VADD(b2, d2_);            \
    } while (0)
#else
#define H_ROWS4 ROWS4
#define H_ROWS3 ROWS3
#endif

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

/* activation.h's exp, sigmoid and tanh on vectors, shaped for latency: at
 * small hidden sizes a step's time is the chain h_{t-1} → gates → c → h_t
 * (bench/NOTES.md), so
 *   - exp(−s·x) (s = 1 for σ, 2 for tanh) folds −s into the constants
 *     (powers of two: exact) instead of negating and scaling first;
 *   - the reduction r = x − n·ln2 is one fused multiply-add with ln2 in
 *     float (its error, |n|·2e-9, is below an ulp of exp for |x| < 20,
 *     where the gates are not yet saturated);
 *   - the degree-6 polynomial (activation.h's) runs by Estrin's scheme:
 *     four dependent operations instead of six;
 *   - tanh is left as 2/(1 + e^{−2x}), its −1 folded by the caller into
 *     the multiply-add that uses it. */
INLINE VEC v_exp_neg(VEC x, const float s)
{
    /* −s·x in [−87, 87]: a saturated σ or tanh + 1 stays a normal float
     * (activation.h's act_exp); NaN stays NaN */
    x = VMAX(VSET1(-87.0f / s), x);
    x = VMIN(VSET1(87.0f / s), x);
    VEC k = VFMA(x, VSET1(-s * 1.44269504088896341f), VSET1(12582912.0f));
    VEC n = VSUB(k, VSET1(12582912.0f));
    VEC t = VFMA(n, VSET1(0.693147180559945f / s), x); /* r = −s·t */
    const float m = -s;
    VEC t2 = VMUL(t, t), t4 = VMUL(t2, t2);
    VEC q01 = VFMA(t, VSET1(m), VSET1(1.0f));
    VEC q23 = VFMA(t, VSET1(m * m * m * 0.166666672f), VSET1(m * m * 0.5f));
    VEC q45 = VFMA(t, VSET1(m * m * m * m * m * 0.00833333377f),
                   VSET1(m * m * m * m * 0.0416666679f));
    VEC q46 = VFMA(t2, VSET1(m * m * m * m * m * m * 0.00138888892f), q45);
    VEC p = VFMA(t4, q46, VFMA(t2, q23, q01));
    return VSCALE(p, n, k); /* p·2^n */
}

INLINE VEC v_sigmoid(VEC x)
{
    VEC one = VSET1(1.0f);
    return VDIV(one, VADD(one, v_exp_neg(x, 1.0f)));
}

/* tanh(x) + 1 */
INLINE VEC v_tanh1(VEC x)
{
    return VDIV(VSET1(2.0f), VADD(VSET1(1.0f), v_exp_neg(x, 2.0f)));
}

/* A block's V lanes of p (the last block may have n < V units: masked, so
 * that no load or store passes the end of the caller's array, and without
 * a buffer on the stack). */
INLINE VEC load_lanes(const float *p, int n)
{
    return n >= V ? VLOADU(p) : VLOADN(p, n);
}

INLINE void store_lanes(float *p, VEC v, int n)
{
    if (n >= V)
        VSTOREU(p, v);
    else
        VSTOREN(p, v, n);
}

/* The fused output: y += fc·h over a block while h is in a register. */
#define FC_ADD(h)                                                              \
    if (L->fc)                                                                 \
        yacc = VFMA(VLOAD(L->fc + j), h, yacc)
#define FC_STORE()                                                             \
    if (L->fc)                                                                 \
        *y = VHSUM(yacc) + L->fc_b

static TARGET void NAME(lstm)(const stream_layer *L, const float *x, int token,
                              const float *hp, float *c, float *hn, float *y)
{
    const int I = L->I, R = L->R, Hp = L->Hp;
    const float *w = L->w;
    VEC yacc = VZERO;
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
        H_ROWS4(hp, R, a0, a1, a2, a3, b0, b1, b2, b3);
        int n = Hp - j;
        VEC i = v_sigmoid(VADD(a0, b0)), f = v_sigmoid(VADD(a1, b1));
        VEC g1 = v_tanh1(VADD(a2, b2)), o = v_sigmoid(VADD(a3, b3));
        /* c = f⊙c' + i⊙g = i⊙(g + 1) + (f⊙c' − i); h = o⊙(tanh c + 1) − o */
        VEC cn = VFMA(i, g1, VFMS(f, load_lanes(c + j, n), i));
        store_lanes(c + j, VFLUSH(cn), n);
        /* h from cn as it is: where cn is denormal, h is too and flushes to
         * the same 0, and the flush of c stays off h's chain */
        VEC h = VFLUSH(VFMS(o, v_tanh1(cn), o));
        store_lanes(hn + j, h, n);
        FC_ADD(h);
    }
    FC_STORE();
}

static TARGET void NAME(gru)(const stream_layer *L, const float *x, int token,
                             const float *hp, float *c, float *hn, float *y)
{
    (void)c;
    const int I = L->I, R = L->R, Hp = L->Hp;
    const float *w = L->w, *hown = hp + L->j0;
    VEC yacc = VZERO;
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
        H_ROWS3(hp, R, r, z, nh, r1, z1, m1);
        int n = Hp - j;
        r = v_sigmoid(VADD(r, r1));
        z = v_sigmoid(VADD(z, z1));
        VEC n1p = v_tanh1(VFMA(r, VADD(nh, m1), VADD(nx, n1))); /* n + 1 */
        /* h = (1−z)⊙n + z⊙h' = (1−z)⊙(n + 1) + (z⊙h' − (1−z)) */
        VEC omz = VSUB(VSET1(1.0f), z);
        VEC rest = VFMS(z, load_lanes(hown + j, n), omz);
        VEC h = VFLUSH(VFMA(omz, n1p, rest));
        store_lanes(hn + j, h, n);
        FC_ADD(h);
    }
    FC_STORE();
}

INLINE void rnn_layer(const stream_layer *L, const float *x, int token, const float *hp,
                      float *hn, float *y, int relu)
{
    const int I = L->I, R = L->R, Hp = L->Hp;
    const float *w = L->w;
    VEC yacc = VZERO;
    for (int j = 0; j < Hp; j += V) {
        VEC a0 = VLOAD(w), a1 = VZERO, a2 = VZERO, a3 = VZERO;
        w += V;
        if (x) {
            ROWS1(x, I, a0, a1, a2, a3);
        } else {
            a0 = VADD(a0, VLOAD(ONEHOT(1, token)));
            w += (long)I * V;
        }
        ROWS1(hp, R, a0, a1, a2, a3);
        VEC pre = VADD(VADD(a0, a1), VADD(a2, a3));
        /* relu: pre > 0 ? pre : 0 (NaN → 0, as rnn_unit) */
        VEC h = VFLUSH(relu ? VMAX(pre, VZERO) : VSUB(v_tanh1(pre), VSET1(1.0f)));
        store_lanes(hn + j, h, Hp - j);
        FC_ADD(h);
    }
    FC_STORE();
}

/* y[o] = b[o] + W[o]·h: the dense output. Each row is one accumulator
 * over blocks of V (the last one zero-padded) and one horizontal sum, the
 * order of the fused output (FC_ADD), so that a model's outputs do not
 * depend on whether its step was split over threads; four rows at a time
 * for independent chains. */
static TARGET void NAME(dense)(int O, int H, const float *W, const float *b,
                               const float *h, float *y)
{
    int o = 0;
    for (; o + 4 <= O; o += 4) {
        const float *w0 = W + (long)o * H, *w1 = w0 + H, *w2 = w1 + H, *w3 = w2 + H;
        VEC a0 = VZERO, a1 = VZERO, a2 = VZERO, a3 = VZERO;
        for (int j = 0; j < H; j += V) {
            VEC hv = load_lanes(h + j, H - j);
            a0 = VFMA(load_lanes(w0 + j, H - j), hv, a0);
            a1 = VFMA(load_lanes(w1 + j, H - j), hv, a1);
            a2 = VFMA(load_lanes(w2 + j, H - j), hv, a2);
            a3 = VFMA(load_lanes(w3 + j, H - j), hv, a3);
        }
        y[o] = VHSUM(a0) + b[o];
        y[o + 1] = VHSUM(a1) + b[o + 1];
        y[o + 2] = VHSUM(a2) + b[o + 2];
        y[o + 3] = VHSUM(a3) + b[o + 3];
    }
    for (; o < O; o++) {
        const float *w0 = W + (long)o * H;
        VEC a0 = VZERO;
        for (int j = 0; j < H; j += V)
            a0 = VFMA(load_lanes(w0 + j, H - j), load_lanes(h + j, H - j), a0);
        y[o] = VHSUM(a0) + b[o];
    }
}

static TARGET void NAME(rnn_tanh)(const stream_layer *L, const float *x, int token,
                                  const float *hp, float *c, float *hn, float *y)
{
    (void)c;
    rnn_layer(L, x, token, hp, hn, y, 0);
}

static TARGET void NAME(rnn_relu)(const stream_layer *L, const float *x, int token,
                                  const float *hp, float *c, float *hn, float *y)
{
    (void)c;
    rnn_layer(L, x, token, hp, hn, y, 1);
}

#undef INLINE
#undef ROWS4
#undef ROWS3
#undef ROWS1
#undef ROWS4X4
#undef ROWS3X4
#undef H_ROWS4
#undef H_ROWS3
#undef ONEHOT
#undef FC_ADD
#undef FC_STORE
