/* f64_gradcheck.c - finite-difference check of every analytic gradient of the
 * model, in double precision (built with -DRECUR_REAL_DOUBLE against
 * librecur_f64.a).
 *
 * For each case a small model is built, its parameters drawn U(-0.8, 0.8)
 * (smaller for the wide cases) so the nonlinearities are exercised, and the
 * scalar
 *
 *   L = loss(logits) [+ Σ hn·Rh + Σ cn·Rc]
 *
 * is differentiated two ways: recur__model_backward (with dlogits from the loss, the
 * final-state gradients dhn = Rh, dcn = Rc, and dx / dh0 / dc0 requested) and
 * central differences with h = 1e-6. loss is softmax cross-entropy averaged
 * over the scored rows (some targets are -1, padding) or the mean squared
 * error over all outputs. Every element of every parameter tensor is checked
 * (a random 48 when a tensor has more than 160), and so are the
 * gradients w.r.t. dense inputs x and the initial states h0 / c0. An element
 * passes when |a − n| / max(|a| + |n|, 1e-8) ≤ 1e-5. An element that misses
 * this (only tiny gradients do, through round-off: see fd_check) is
 * re-estimated with the five-point stencil at h = 1e-4 (then 1e-3) and must
 * meet the same tolerance there.
 *
 * Dropout cases pass an rng seeded identically in every evaluation, so the
 * mask is the same in all of them; the eval-mode cases configure dropout but
 * pass rng NULL (after one training-mode forward), so backward must
 * differentiate the network without dropout. ReLU cases pick a seed whose
 * pre-activations all stay at least 1e-4 away from the kink at 0. The
 * padding cases check that the logits of padded rows affect neither the
 * loss nor any gradient. */
#include "nn/loss.h"
#include "nn/model.h"
#include "core/rng.h"
#include "testlib.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#ifndef RECUR_REAL_DOUBLE
#error "f64_gradcheck must be compiled with -DRECUR_REAL_DOUBLE"
#endif

#define FD_STEP 1e-6
/* Steps of the five-point re-check of noise-limited elements. */
static const double fd_refined_steps[] = {1e-4, 1e-3};
#define REL_TOL 1e-5
#define REL_FLOOR 1e-8
#define FULL_CHECK_MAX 160 /* tensors up to this size are checked in full */
#define SAMPLE_COUNT 48    /* elements sampled from a larger tensor */
#define KINK_MARGIN 1e-4   /* ReLU pre-activations must stay this far from 0 */

/* ---- a case --------------------------------------------------------------- */

typedef struct {
    recur_cell cell;
    recur_input input;
    int layers, bidir;
    int T, B, H;
    int V;          /* input_size: vocabulary or features */
    int E;          /* embedding size (embedding input) */
    int O;          /* outputs */
    recur_loss loss;
    float dropout;  /* > 0: an identically seeded rng in every evaluation */
    int states;     /* 1: non-zero h0/c0, state terms dhn/dcn, dh0/dc0 */
    uint64_t seed;
    int eval_mode;  /* dropout configured, but every forward gets rng NULL */
    double scale;   /* parameters are drawn U(-scale, scale); 0: 0.8 */
    recur_readout readout; /* LAST / MEAN: one output row per sequence */
    int varlen;     /* 1: random lengths 1..T per sequence (masked padding) */
    int P;          /* LSTM projection size (proj), 0: none */
    int reverse;    /* 1: every layer reads from the last valid step back */
} gc_spec;

typedef struct {
    gc_spec s;
    recur_model *m;
    model_work w;
    int lstm, dense;
    long TB, nstate; /* nstate: L·D·B·H */
    int32_t *tokens, *targets, *len;
    long rows; /* output rows: T·B, or B for a pooled readout */
    real *x, *ytgt, *h0, *c0, *rh, *rc;
    real *dx, *dh0, *dc0;
    long scored; /* cross-entropy rows with a target */
    rng *drop;   /* NULL: no dropout in this evaluation */
    rng drop_state;
} gc_ctx;

typedef struct {
    double worst;            /* of the accepted estimate per element */
    char worst_at[80];
    double worst_primary;    /* of the h = 1e-6 central difference */
    double worst_refined;    /* of the five-point re-checks */
    long checked, refined, failed;
} gc_stat;

static void fill_uniform(real *p, long n, double lo, double hi, rng *r)
{
    for (long i = 0; i < n; i++)
        p[i] = (real)(lo + (hi - lo) * recur__rng_uniform(r));
}

static real *alloc_reals(long n)
{
    real *p = calloc((size_t)(n > 0 ? n : 1), sizeof *p);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

static void ctx_free(gc_ctx *c)
{
    recur__model_work_free(&c->w);
    recur_model_free(c->m);
    free(c->tokens);
    free(c->targets);
    free(c->len);
    free(c->x);
    free(c->ytgt);
    free(c->h0);
    free(c->c0);
    free(c->rh);
    free(c->rc);
    free(c->dx);
    free(c->dh0);
    free(c->dc0);
    memset(c, 0, sizeof *c);
}

/* Build the model and the data of a case from seed. Returns 0 on success. */
static int ctx_init(gc_ctx *c, const gc_spec *s, uint64_t seed)
{
    memset(c, 0, sizeof *c);
    c->s = *s;
    c->s.seed = seed;
    recur_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.cell = s->cell;
    cfg.input = s->input;
    cfg.input_size = s->V;
    cfg.embed_dim = s->input == RECUR_INPUT_EMBEDDING ? s->E : 0;
    cfg.hidden = s->H;
    cfg.proj = s->P;
    cfg.layers = s->layers;
    cfg.bidirectional = s->bidir;
    cfg.reverse = s->reverse;
    cfg.dropout = s->dropout;
    cfg.output_size = s->O;
    cfg.loss = s->loss;
    cfg.readout = s->readout;
    int rc = recur__model_alloc(&cfg, &c->m);
    CHECK_MSG(rc == 0, "recur__model_alloc failed: %d (%s)", rc, recur_last_error());
    if (rc)
        return rc;
    rc = recur__model_work_alloc(c->m, s->T, s->B, &c->w);
    CHECK_MSG(rc == 0, "recur__model_work_alloc failed: %d (%s)", rc, recur_last_error());
    if (rc)
        return rc;

    rng r;
    recur__rng_seed(&r, seed);
    /* Start from the library's initialisation (exercises it), then redraw
     * at a scale that drives tanh / sigmoid away from their linear range. */
    recur__model_init_params(c->m, seed);
    double a = s->scale > 0 ? s->scale : 0.8;
    fill_uniform(c->m->params, c->m->nparams, -a, a, &r);

    c->lstm = s->cell == RECUR_LSTM;
    c->dense = s->input == RECUR_INPUT_DENSE;
    c->TB = (long)s->T * s->B;
    /* h0 [L·D][B][R] with R = P or H lives in the first L·D·B·R; c0 uses all */
    c->nstate = (long)s->layers * (s->bidir ? 2 : 1) * s->B * s->H;

    c->rows = s->readout != RECUR_READOUT_SEQUENCE ? s->B : c->TB;
    c->tokens = calloc((size_t)c->TB, sizeof *c->tokens);
    c->targets = calloc((size_t)c->TB, sizeof *c->targets);
    c->len = calloc((size_t)s->B, sizeof *c->len);
    if (!c->tokens || !c->targets || !c->len) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    if (!c->dense) {
        /* Leave the last vocabulary entry unused: its one-hot column and
         * embedding row must get exactly zero gradient. */
        for (long i = 0; i < c->TB; i++)
            c->tokens[i] = (int32_t)recur__rng_below(&r, (uint64_t)(s->V > 1 ? s->V - 1 : 1));
    }
    c->x = alloc_reals(c->dense ? c->TB * s->V : 0);
    if (c->dense)
        fill_uniform(c->x, c->TB * s->V, -1, 1, &r);
    c->dx = alloc_reals(c->dense ? c->TB * s->V : 0);

    /* Variable lengths: the first sequence is full, the second as short as
     * can be, the rest random. */
    for (int b = 0; b < s->B; b++)
        c->len[b] = !s->varlen || b == 0 ? s->T
                    : b == 1 ? 1 : 1 + (int32_t)recur__rng_below(&r, (uint64_t)s->T);
    if (s->loss == RECUR_LOSS_XENT && c->rows == s->B) {
        for (long i = 0; i < c->rows; i++)
            c->targets[i] = (int32_t)recur__rng_below(&r, (uint64_t)s->O);
        c->scored = c->rows;
    } else if (s->loss == RECUR_LOSS_XENT) {
        /* About a quarter of the rows are padding; at least one is, and at
         * least one is not. Steps past a sequence's length are padding. */
        for (long i = 0; i < c->TB; i++)
            c->targets[i] = recur__rng_uniform(&r) < 0.25 || i / s->B >= c->len[i % s->B]
                                ? -1 : (int32_t)recur__rng_below(&r, (uint64_t)s->O);
        c->targets[c->TB / 2] = -1;
        c->targets[0] = (int32_t)recur__rng_below(&r, (uint64_t)s->O);
        for (long i = 0; i < c->TB; i++)
            c->scored += c->targets[i] >= 0;
    }
    c->ytgt = alloc_reals(c->TB * s->O);
    fill_uniform(c->ytgt, c->TB * s->O, -1, 1, &r);

    c->h0 = alloc_reals(c->nstate);
    c->c0 = alloc_reals(c->nstate);
    c->rh = alloc_reals(c->nstate);
    c->rc = alloc_reals(c->nstate);
    c->dh0 = alloc_reals(c->nstate);
    c->dc0 = alloc_reals(c->nstate);
    fill_uniform(c->h0, c->nstate, -0.8, 0.8, &r);
    fill_uniform(c->c0, c->nstate, -1, 1, &r);
    fill_uniform(c->rh, c->nstate, -1, 1, &r);
    fill_uniform(c->rc, c->nstate, -1, 1, &r);
    return 0;
}

/* The data loss of the current logits; with dl != NULL its gradient (already
 * scaled, as recur__model_backward expects it). */
static double data_loss(gc_ctx *c, real *dl)
{
    const gc_spec *s = &c->s;
    if (s->O == 0) /* an encoder: only the state terms */
        return 0;
    if (s->loss == RECUR_LOSS_XENT) {
        long counted = -1;
        double sum = recur__loss_softmax_xent(c->w.logits, c->targets, c->rows, s->O, dl,
                                       (real)(1.0 / (double)c->scored), &counted, NULL);
        CHECK(counted == c->scored);
        return sum / (double)c->scored;
    }
    long n = c->rows * s->O;
    double sum = recur__loss_squared_error(c->w.logits, c->ytgt, n, dl, (real)(1.0 / (double)n));
    return sum / (double)n;
}

static void forward(gc_ctx *c)
{
    const gc_spec *s = &c->s;
    c->drop = NULL;
    if (s->dropout > 0 && !s->eval_mode) {
        recur__rng_seed(&c->drop_state, s->seed ^ 0x5eedd50bULL);
        c->drop = &c->drop_state;
    }
    model_input in = {c->tokens, c->dense ? c->x : NULL, s->varlen ? c->len : NULL};
    recur__model_forward(c->m, &c->w, s->T, s->B, in, s->states ? c->h0 : NULL,
                  s->states && c->lstm ? c->c0 : NULL, c->drop);
}

/* L at the current parameters / inputs / states. */
static double eval_loss(gc_ctx *c)
{
    forward(c);
    double L = data_loss(c, NULL);
    if (c->s.states) {
        for (long i = 0; i < c->nstate; i++)
            L += (double)c->w.hn[i] * c->rh[i];
        if (c->lstm)
            for (long i = 0; i < c->nstate; i++)
                L += (double)c->w.cn[i] * c->rc[i];
    }
    return L;
}

/* Analytic gradients into m->grads, c->dx, c->dh0, c->dc0. */
static void eval_grads(gc_ctx *c)
{
    const gc_spec *s = &c->s;
    recur__model_zero_grads(c->m);
    forward(c);
    data_loss(c, c->w.dlogits);
    if (s->loss == RECUR_LOSS_XENT) /* padded rows get no gradient */
        for (long i = 0; i < c->rows; i++)
            if (c->targets[i] < 0)
                for (int o = 0; o < s->O; o++)
                    CHECK(c->w.dlogits[i * s->O + o] == 0);
    model_input in = {c->tokens, c->dense ? c->x : NULL, s->varlen ? c->len : NULL};
    recur__model_backward(c->m, &c->w, s->T, s->B, in, s->states ? c->rh : NULL,
                   s->states && c->lstm ? c->rc : NULL, c->dense ? c->dx : NULL,
                   s->states ? c->dh0 : NULL, s->states && c->lstm ? c->dc0 : NULL);
}

/* Smallest |pre-activation| of every ReLU unit at every step, recomputed from
 * the cell buffers of the last forward: pre = xg + W_hh·h_prev + b_hh. */
static double relu_margin(const gc_ctx *c)
{
    const gc_spec *s = &c->s;
    int H = s->H, B = s->B, T = s->T, D = s->bidir ? 2 : 1;
    long BH = (long)B * H;
    double margin = INFINITY;
    for (int l = 0; l < s->layers; l++)
        for (int d = 0; d < D; d++) {
            const cell *ce = &c->m->cells[l][d];
            const cell_work *cw = &c->w.cw[l][d];
            for (int t = 0; t < T; t++) {
                const real *hp = cw->hs + (long)(t + d) * BH;
                for (int b = 0; b < B; b++)
                    for (int j = 0; j < H && t < c->len[b]; j++) {
                        double pre = cw->xg[((long)t * B + b) * H + j] + ce->b_hh[j];
                        for (int k = 0; k < H; k++)
                            pre += (double)ce->w_hh[(long)j * H + k] * hp[(long)b * H + k];
                        if (fabs(pre) < margin)
                            margin = fabs(pre);
                    }
            }
        }
    return margin;
}

/* dL/dp[i] by the five-point stencil with step h. */
static double five_point(gc_ctx *c, real *p, long i, double h)
{
    real save = p[i];
    double f[4];
    static const double k[4] = {-2, -1, 1, 2};
    for (int j = 0; j < 4; j++) {
        p[i] = save + (real)(k[j] * h);
        f[j] = eval_loss(c);
    }
    p[i] = save;
    return (f[0] - 8 * f[1] + 8 * f[2] - f[3]) / (12 * h);
}

/* Compare analytic[i] with central differences of L in p[i] for all i (or a
 * sample of a large tensor). */
static void fd_check(gc_ctx *c, const char *what, real *p, const real *analytic,
                     long n, gc_stat *st, rng *pick)
{
    long *idx = malloc((size_t)(n > 0 ? n : 1) * sizeof *idx);
    if (!idx) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    for (long i = 0; i < n; i++)
        idx[i] = i;
    long m = n;
    if (n > FULL_CHECK_MAX) { /* partial Fisher-Yates: a random subset */
        m = SAMPLE_COUNT;
        for (long i = 0; i < m; i++) {
            long j = i + (long)recur__rng_below(pick, (uint64_t)(n - i));
            long t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
    }
    for (long k = 0; k < m; k++) {
        long i = idx[k];
        real save = p[i];
        volatile real up = save + (real)FD_STEP, down = save - (real)FD_STEP;
        p[i] = up;
        double lp = eval_loss(c);
        p[i] = down;
        double lm = eval_loss(c);
        p[i] = save;
        double num = (lp - lm) / ((double)up - (double)down);
        double a = analytic[i];
        double rel = fabs(a - num) / fmax(fabs(a) + fabs(num), REL_FLOOR);
        st->checked++;
        if (rel > st->worst_primary)
            st->worst_primary = rel;
        if (!(rel <= REL_TOL)) {
            /* A small element (|a| ≲ 1e-4) can miss the tolerance through
             * round-off alone: L carries ~1e-15 of absolute noise, which a
             * step of 1e-6 turns into ~1e-9 of noise in the difference
             * quotient. Such an element gets second estimates with far less
             * noise: the five-point stencil (truncation O(h⁴)) at h = 1e-4
             * (round-off ~1e-11) and, for the tiniest elements, h = 1e-3
             * (~1e-12). It passes if one of them meets the tolerance; a
             * real gradient error is independent of h and fails them all. */
            double num4 = 0, rel4 = INFINITY;
            for (size_t q = 0; q < sizeof fd_refined_steps / sizeof *fd_refined_steps &&
                               !(rel4 <= REL_TOL); q++) {
                double n4 = five_point(c, p, i, fd_refined_steps[q]);
                double r4 = fabs(a - n4) / fmax(fabs(a) + fabs(n4), REL_FLOOR);
                if (!(r4 >= rel4))
                    num4 = n4, rel4 = r4;
            }
            st->refined++;
            if (rel4 > st->worst_refined)
                st->worst_refined = rel4;
            if (!(rel4 <= REL_TOL) && st->failed < 8)
                CHECK_MSG(0, "%s[%ld]: analytic %.12g, numeric %.12g (rel err %.3g), "
                          "best five-point %.12g (rel err %.3g)", what, i, a, num, rel,
                          num4, rel4);
            if (rel4 < rel)
                num = num4, rel = rel4;
        }
        if (st->checked == 1 || !(rel <= st->worst)) { /* NaN counts as worst */
            st->worst = rel;
            snprintf(st->worst_at, sizeof st->worst_at, "%s[%ld]", what, i);
        }
        if (!(rel <= REL_TOL)) {
            tl_test_failed = 1;
            st->failed++;
        }
    }
    free(idx);
}

static const char *cell_label(recur_cell k)
{
    switch (k) {
    case RECUR_RNN_TANH: return "rnn_tanh";
    case RECUR_RNN_RELU: return "rnn_relu";
    case RECUR_LSTM: return "lstm";
    default: return "gru";
    }
}

static const char *input_label(recur_input k)
{
    switch (k) {
    case RECUR_INPUT_ONEHOT: return "onehot";
    case RECUR_INPUT_EMBEDDING: return "embedding";
    default: return "dense";
    }
}

/* Build a case (for ReLU: the first seed from s->seed on with no
 * pre-activation near the kink), then check every gradient it has. */
static void run_gradcheck(const gc_spec *spec)
{
    gc_ctx c;
    uint64_t seed = spec->seed;
    int tries = 0;
    for (;;) {
        if (ctx_init(&c, spec, seed)) {
            ctx_free(&c);
            return;
        }
        if (spec->cell != RECUR_RNN_RELU)
            break;
        forward(&c);
        double margin = relu_margin(&c);
        if (margin >= KINK_MARGIN)
            break;
        ctx_free(&c);
        seed++;
        if (++tries == 50) {
            CHECK_MSG(0, "no seed with ReLU pre-activations away from 0");
            return;
        }
    }

    if (spec->eval_mode) {
        /* A training-mode forward first, as a trainer's step would have
         * done: its dropout mask must not leak into an eval-mode backward. */
        rng tr;
        recur__rng_seed(&tr, seed ^ 0x7a1bULL);
        model_input tin = {c.tokens, c.dense ? c.x : NULL, spec->varlen ? c.len : NULL};
        recur__model_forward(c.m, &c.w, spec->T, spec->B, tin, NULL, NULL, &tr);
    }
    eval_grads(&c);
    /* Keep the analytic results: the finite differences run forward only,
     * but copy them anyway so nothing can disturb them. */
    long np = c.m->nparams;
    real *g = alloc_reals(np);
    memcpy(g, c.m->grads, (size_t)np * sizeof *g);
    real *gdx = alloc_reals(c.dense ? c.TB * spec->V : 0);
    if (c.dense)
        memcpy(gdx, c.dx, (size_t)(c.TB * spec->V) * sizeof *gdx);
    real *gh0 = alloc_reals(c.nstate), *gc0 = alloc_reals(c.nstate);
    memcpy(gh0, c.dh0, (size_t)c.nstate * sizeof *gh0);
    memcpy(gc0, c.dc0, (size_t)c.nstate * sizeof *gc0);

    /* Sanity: the gradient must not be identically zero. */
    double gnorm = 0;
    for (long i = 0; i < np; i++)
        gnorm += (double)g[i] * g[i];
    CHECK_MSG(gnorm > 0, "all parameter gradients are zero");
    if (spec->varlen) /* padding is real: some state passed through it */
        CHECK(c.len[1] < spec->T);

    /* Dropout must actually drop something (and keep something). */
    if (spec->dropout > 0 && !spec->eval_mode) {
        long DH = (long)(spec->P ? spec->P : spec->H) * (spec->bidir ? 2 : 1), zeros = 0, n = 0;
        for (int l = 0; l < spec->layers; l++)
            for (long i = 0; i < c.TB * DH; i++, n++)
                zeros += c.w.mask[l][i] == 0;
        CHECK_MSG(zeros > 0 && zeros < n, "dropout mask has %ld zeros of %ld", zeros, n);
    }

    gc_stat st;
    memset(&st, 0, sizeof st);
    rng pick;
    recur__rng_seed(&pick, seed ^ 0xfeedULL);
    for (int i = 0; i < c.m->ntensors; i++) {
        param_tensor *t = &c.m->tensors[i];
        fd_check(&c, t->name, t->p, g + (t->p - c.m->params), t->n, &st, &pick);
    }
    if (c.dense)
        fd_check(&c, "dx", c.x, gdx, c.TB * spec->V, &st, &pick);
    if (spec->states) {
        fd_check(&c, "dh0", c.h0, gh0, c.nstate, &st, &pick);
        if (c.lstm)
            fd_check(&c, "dc0", c.c0, gc0, c.nstate, &st, &pick);
    }

    /* An unused token's one-hot column / embedding row gets exactly 0. */
    if (!c.dense && spec->V > 1) {
        int unused = spec->V - 1;
        const param_tensor *t = spec->input == RECUR_INPUT_EMBEDDING
                                    ? recur__model_find_tensor(c.m, "embedding.weight")
                                    : recur__model_find_tensor(c.m, "rnn.weight_ih_l0");
        CHECK(t != NULL);
        if (t) {
            const real *gt = g + (t->p - c.m->params);
            if (spec->input == RECUR_INPUT_EMBEDDING) {
                for (int e = 0; e < spec->E; e++)
                    CHECK(gt[(long)unused * spec->E + e] == 0);
            } else {
                for (long r = 0; r < t->shape[0]; r++)
                    CHECK(gt[r * spec->V + unused] == 0);
            }
        }
    }

    fprintf(stderr,
            "     %-8s %-9s L=%d %s T=%d B=%d H=%d P=%d V=%d O=%d %s %s%s%s%s seed=%llu: "
            "%ld elements (%ld failed), worst rel err %.2e at %s (central h=1e-6: "
            "%.2e; %ld re-checked five-point, worst %.2e)\n",
            cell_label(spec->cell), input_label(spec->input), spec->layers,
            spec->bidir ? "bi " : spec->reverse ? "rev" : "uni", spec->T, spec->B, spec->H,
            spec->P, spec->V, spec->O,
            spec->loss == RECUR_LOSS_XENT ? "xent" : "mse",
            recur_readout_name(spec->readout), spec->varlen ? " +lengths" : "",
            spec->states ? " +states" : "",
            spec->dropout > 0 ? (spec->eval_mode ? " +dropout(eval)" : " +dropout") : "",
            (unsigned long long)seed, st.checked, st.failed, st.worst, st.worst_at,
            st.worst_primary, st.refined, st.worst_refined);

    free(g);
    free(gdx);
    free(gh0);
    free(gc0);
    ctx_free(&c);
}

/* ---- the cases ------------------------------------------------------------ */

/* One-hot tokens, one layer, cross-entropy with padding, non-zero h0/c0 and
 * final-state terms. */
static gc_spec spec_onehot(recur_cell k)
{
    gc_spec s = {.cell = k, .input = RECUR_INPUT_ONEHOT, .layers = 1, .T = 5,
                 .B = 3, .H = 4, .V = 7, .O = 5, .loss = RECUR_LOSS_XENT,
                 .states = 1, .seed = 101};
    return s;
}

/* The same with zero initial states and no state terms (the NULL paths). */
static gc_spec spec_onehot_nostate(recur_cell k)
{
    gc_spec s = {.cell = k, .input = RECUR_INPUT_ONEHOT, .layers = 1, .T = 4,
                 .B = 2, .H = 3, .V = 5, .O = 4, .loss = RECUR_LOSS_XENT,
                 .states = 0, .seed = 202};
    return s;
}

/* Embedding input, two stacked layers. */
static gc_spec spec_embed_l2(recur_cell k)
{
    gc_spec s = {.cell = k, .input = RECUR_INPUT_EMBEDDING, .layers = 2, .T = 5,
                 .B = 3, .H = 4, .V = 6, .E = 3, .O = 5, .loss = RECUR_LOSS_XENT,
                 .states = 1, .seed = 303};
    return s;
}

/* Dense input, one bidirectional layer, mean squared error, dx. */
static gc_spec spec_dense_bi(recur_cell k)
{
    gc_spec s = {.cell = k, .input = RECUR_INPUT_DENSE, .layers = 1, .bidir = 1,
                 .T = 4, .B = 3, .H = 4, .V = 3, .O = 2, .loss = RECUR_LOSS_MSE,
                 .states = 1, .seed = 404};
    return s;
}

/* Embedding input, two bidirectional layers, cross-entropy. */
static gc_spec spec_embed_bi_l2(recur_cell k)
{
    gc_spec s = {.cell = k, .input = RECUR_INPUT_EMBEDDING, .layers = 2,
                 .bidir = 1, .T = 4, .B = 2, .H = 3, .V = 6, .E = 3, .O = 4,
                 .loss = RECUR_LOSS_XENT, .states = 1, .seed = 505};
    return s;
}

/* One-hot, two bidirectional layers, cross-entropy. */
static gc_spec spec_onehot_bi_l2(recur_cell k)
{
    gc_spec s = {.cell = k, .input = RECUR_INPUT_ONEHOT, .layers = 2, .bidir = 1,
                 .T = 3, .B = 2, .H = 3, .V = 5, .O = 4, .loss = RECUR_LOSS_XENT,
                 .states = 1, .seed = 606};
    return s;
}

/* Dense input, two bidirectional layers, MSE, dropout with a fixed mask. */
static gc_spec spec_dense_bi_l2_dropout(recur_cell k)
{
    gc_spec s = {.cell = k, .input = RECUR_INPUT_DENSE, .layers = 2, .bidir = 1,
                 .T = 4, .B = 2, .H = 3, .V = 3, .O = 2, .loss = RECUR_LOSS_MSE,
                 .dropout = 0.3f, .states = 1, .seed = 707};
    return s;
}

/* Dense input, two stacked layers, MSE, dropout, zero states. */
static gc_spec spec_dense_l2_dropout(recur_cell k)
{
    gc_spec s = {.cell = k, .input = RECUR_INPUT_DENSE, .layers = 2, .T = 5,
                 .B = 3, .H = 4, .V = 3, .O = 2, .loss = RECUR_LOSS_MSE,
                 .dropout = 0.4f, .states = 0, .seed = 808};
    return s;
}

/* Wide enough that the larger tensors are sampled, not checked in full.
 * The parameter scale shrinks with the width, or unbounded ReLU activations
 * saturate the softmax and leave gradients (~1e-10) below what finite
 * differences resolve. */
static gc_spec spec_wide_sampled(recur_cell k)
{
    gc_spec s = {.cell = k, .input = RECUR_INPUT_ONEHOT, .layers = 2, .bidir = 1,
                 .T = 4, .B = 2, .H = 8, .V = 24, .O = 6, .loss = RECUR_LOSS_XENT,
                 .states = 1, .seed = 909, .scale = 0.45};
    return s;
}

/* A dropout model run in eval mode (rng NULL): the forward pass is the
 * deterministic network, and backward must differentiate that network. */
static gc_spec spec_dropout_eval_mode(recur_cell k)
{
    gc_spec s = {.cell = k, .input = RECUR_INPUT_EMBEDDING, .layers = 2, .T = 4,
                 .B = 2, .H = 3, .V = 6, .E = 3, .O = 4, .loss = RECUR_LOSS_XENT,
                 .dropout = 0.3f, .states = 1, .seed = 1001, .eval_mode = 1};
    return s;
}

/* Many to one: a bidirectional two-layer classifier over sequences of
 * different lengths, reading out the last states or the mean. */
static gc_spec spec_readout(recur_cell k, recur_readout how)
{
    gc_spec s = {.cell = k, .input = RECUR_INPUT_EMBEDDING, .layers = 2, .bidir = 1,
                 .T = 5, .B = 3, .H = 3, .V = 6, .E = 3, .O = 4,
                 .loss = RECUR_LOSS_XENT, .states = 1, .seed = 1101,
                 .readout = how, .varlen = 1};
    return s;
}

/* Many to one regression (forecasting): dense input, MSE, last state. */
static gc_spec spec_forecast(recur_cell k)
{
    gc_spec s = {.cell = k, .input = RECUR_INPUT_DENSE, .layers = 2, .T = 6,
                 .B = 3, .H = 4, .V = 2, .O = 3, .loss = RECUR_LOSS_MSE,
                 .states = 1, .seed = 1202, .readout = RECUR_READOUT_LAST,
                 .varlen = 1};
    return s;
}

/* Many to many over padded sequences (tagging), bidirectional. */
static gc_spec spec_tagging_varlen(recur_cell k)
{
    gc_spec s = {.cell = k, .input = RECUR_INPUT_ONEHOT, .layers = 1, .bidir = 1,
                 .T = 5, .B = 3, .H = 3, .V = 5, .O = 4, .loss = RECUR_LOSS_XENT,
                 .states = 1, .seed = 1303, .varlen = 1};
    return s;
}

/* An encoder: no dense layer; the loss reaches it only through its final
 * states (as from a decoder). */
static gc_spec spec_encoder(recur_cell k)
{
    gc_spec s = {.cell = k, .input = RECUR_INPUT_EMBEDDING, .layers = 2, .bidir = 1,
                 .T = 4, .B = 3, .H = 3, .V = 6, .E = 3, .O = 0,
                 .loss = RECUR_LOSS_MSE, .states = 1, .seed = 1404, .varlen = 1};
    return s;
}

#define GC_CASES(tag, kind)                                                    \
    static void tag##_onehot(void) { gc_spec s = spec_onehot(kind); run_gradcheck(&s); } \
    static void tag##_onehot_nostate(void) { gc_spec s = spec_onehot_nostate(kind); run_gradcheck(&s); } \
    static void tag##_embed_l2(void) { gc_spec s = spec_embed_l2(kind); run_gradcheck(&s); } \
    static void tag##_dense_bi(void) { gc_spec s = spec_dense_bi(kind); run_gradcheck(&s); } \
    static void tag##_embed_bi_l2(void) { gc_spec s = spec_embed_bi_l2(kind); run_gradcheck(&s); } \
    static void tag##_onehot_bi_l2(void) { gc_spec s = spec_onehot_bi_l2(kind); run_gradcheck(&s); } \
    static void tag##_dense_bi_l2_dropout(void) { gc_spec s = spec_dense_bi_l2_dropout(kind); run_gradcheck(&s); } \
    static void tag##_dense_l2_dropout(void) { gc_spec s = spec_dense_l2_dropout(kind); run_gradcheck(&s); } \
    static void tag##_wide_sampled(void) { gc_spec s = spec_wide_sampled(kind); run_gradcheck(&s); } \
    static void tag##_readout_last(void) { gc_spec s = spec_readout(kind, RECUR_READOUT_LAST); run_gradcheck(&s); } \
    static void tag##_readout_mean(void) { gc_spec s = spec_readout(kind, RECUR_READOUT_MEAN); run_gradcheck(&s); } \
    static void tag##_forecast(void) { gc_spec s = spec_forecast(kind); run_gradcheck(&s); } \
    static void tag##_tagging_varlen(void) { gc_spec s = spec_tagging_varlen(kind); run_gradcheck(&s); } \
    static void tag##_encoder(void) { gc_spec s = spec_encoder(kind); run_gradcheck(&s); }

/* The LSTM cases again with a projection of half the hidden units. */
static gc_spec with_proj(gc_spec s)
{
    s.P = s.H / 2 > 0 ? s.H / 2 : 1;
    return s;
}

#define GC_PROJ_CASES(tag)                                                     \
    static void tag##_onehot(void) { gc_spec s = with_proj(spec_onehot(RECUR_LSTM)); run_gradcheck(&s); } \
    static void tag##_onehot_nostate(void) { gc_spec s = with_proj(spec_onehot_nostate(RECUR_LSTM)); run_gradcheck(&s); } \
    static void tag##_embed_l2(void) { gc_spec s = with_proj(spec_embed_l2(RECUR_LSTM)); run_gradcheck(&s); } \
    static void tag##_dense_bi(void) { gc_spec s = with_proj(spec_dense_bi(RECUR_LSTM)); run_gradcheck(&s); } \
    static void tag##_embed_bi_l2(void) { gc_spec s = with_proj(spec_embed_bi_l2(RECUR_LSTM)); run_gradcheck(&s); } \
    static void tag##_onehot_bi_l2(void) { gc_spec s = with_proj(spec_onehot_bi_l2(RECUR_LSTM)); run_gradcheck(&s); } \
    static void tag##_dense_bi_l2_dropout(void) { gc_spec s = with_proj(spec_dense_bi_l2_dropout(RECUR_LSTM)); run_gradcheck(&s); } \
    static void tag##_dense_l2_dropout(void) { gc_spec s = with_proj(spec_dense_l2_dropout(RECUR_LSTM)); run_gradcheck(&s); } \
    static void tag##_wide_sampled(void) { gc_spec s = with_proj(spec_wide_sampled(RECUR_LSTM)); run_gradcheck(&s); } \
    static void tag##_readout_last(void) { gc_spec s = with_proj(spec_readout(RECUR_LSTM, RECUR_READOUT_LAST)); run_gradcheck(&s); } \
    static void tag##_readout_mean(void) { gc_spec s = with_proj(spec_readout(RECUR_LSTM, RECUR_READOUT_MEAN)); run_gradcheck(&s); } \
    static void tag##_forecast(void) { gc_spec s = with_proj(spec_forecast(RECUR_LSTM)); run_gradcheck(&s); } \
    static void tag##_tagging_varlen(void) { gc_spec s = with_proj(spec_tagging_varlen(RECUR_LSTM)); run_gradcheck(&s); } \
    static void tag##_encoder(void) { gc_spec s = with_proj(spec_encoder(RECUR_LSTM)); run_gradcheck(&s); }

GC_PROJ_CASES(lstm_proj)

/* Reverse models (ONNX direction="reverse"): every layer from the last
 * valid step back, over padded batches, with every readout. */
static gc_spec as_reverse(gc_spec s)
{
    s.bidir = 0;
    s.reverse = 1;
    return s;
}

#define GC_REVERSE_CASES(tag, kind)                                            \
    static void tag##_rev_onehot(void) { gc_spec s = as_reverse(spec_onehot(kind)); run_gradcheck(&s); } \
    static void tag##_rev_dense_l2_dropout(void) { gc_spec s = as_reverse(spec_dense_bi_l2_dropout(kind)); run_gradcheck(&s); } \
    static void tag##_rev_readout_last(void) { gc_spec s = as_reverse(spec_readout(kind, RECUR_READOUT_LAST)); run_gradcheck(&s); } \
    static void tag##_rev_readout_mean(void) { gc_spec s = as_reverse(spec_readout(kind, RECUR_READOUT_MEAN)); run_gradcheck(&s); } \
    static void tag##_rev_tagging_varlen(void) { gc_spec s = as_reverse(spec_tagging_varlen(kind)); run_gradcheck(&s); } \
    static void tag##_rev_encoder(void) { gc_spec s = as_reverse(spec_encoder(kind)); run_gradcheck(&s); }
GC_REVERSE_CASES(rnn_tanh, RECUR_RNN_TANH)
GC_REVERSE_CASES(lstm, RECUR_LSTM)
GC_REVERSE_CASES(gru, RECUR_GRU)
static void lstm_proj_rev_readout_last(void)
{
    gc_spec s = as_reverse(with_proj(spec_readout(RECUR_LSTM, RECUR_READOUT_LAST)));
    run_gradcheck(&s);
}
#define GC_REVERSE_LIST(tag)                                                   \
    TL_CASE(tag##_rev_onehot), TL_CASE(tag##_rev_dense_l2_dropout),           \
        TL_CASE(tag##_rev_readout_last), TL_CASE(tag##_rev_readout_mean),      \
        TL_CASE(tag##_rev_tagging_varlen), TL_CASE(tag##_rev_encoder)
GC_CASES(rnn_tanh, RECUR_RNN_TANH)
GC_CASES(rnn_relu, RECUR_RNN_RELU)
GC_CASES(lstm, RECUR_LSTM)
GC_CASES(gru, RECUR_GRU)

#define GC_LIST(tag)                                                           \
    TL_CASE(tag##_onehot), TL_CASE(tag##_onehot_nostate),                     \
        TL_CASE(tag##_embed_l2), TL_CASE(tag##_dense_bi),                      \
        TL_CASE(tag##_embed_bi_l2), TL_CASE(tag##_onehot_bi_l2),               \
        TL_CASE(tag##_dense_bi_l2_dropout), TL_CASE(tag##_dense_l2_dropout),   \
        TL_CASE(tag##_wide_sampled), TL_CASE(tag##_readout_last),             \
        TL_CASE(tag##_readout_mean), TL_CASE(tag##_forecast),                  \
        TL_CASE(tag##_tagging_varlen), TL_CASE(tag##_encoder)

/* ---- padding ---------------------------------------------------------------- */

/* Padded rows count for nothing: changing their logits (after the forward
 * pass) leaves the loss, dlogits and every gradient exactly as they were. */
static void check_padding_invariance(recur_cell kind)
{
    gc_spec s = spec_embed_bi_l2(kind);
    gc_ctx c;
    if (ctx_init(&c, &s, s.seed)) {
        ctx_free(&c);
        return;
    }
    long np = c.m->nparams, O = s.O;
    model_input in = {c.tokens, NULL, NULL};
    real *g1 = alloc_reals(np), *dl1 = alloc_reals(c.TB * O);
    double L[2];
    rng r;
    recur__rng_seed(&r, 99);
    for (int pass = 0; pass < 2; pass++) {
        recur__model_zero_grads(c.m);
        forward(&c);
        if (pass == 1)
            for (long i = 0; i < c.TB; i++)
                if (c.targets[i] < 0)
                    for (long o = 0; o < O; o++)
                        c.w.logits[i * O + o] = (real)(40 * (2 * recur__rng_uniform(&r) - 1));
        L[pass] = data_loss(&c, c.w.dlogits);
        recur__model_backward(c.m, &c.w, s.T, s.B, in, c.rh, c.lstm ? c.rc : NULL, NULL,
                       c.dh0, c.lstm ? c.dc0 : NULL);
        if (pass == 0) {
            memcpy(g1, c.m->grads, (size_t)np * sizeof *g1);
            memcpy(dl1, c.w.dlogits, (size_t)(c.TB * O) * sizeof *dl1);
        }
    }
    CHECK_MSG(L[0] == L[1], "loss changed with padded logits: %.17g vs %.17g", L[0], L[1]);
    long diff = 0;
    for (long i = 0; i < c.TB * O; i++)
        diff += dl1[i] != c.w.dlogits[i];
    for (long i = 0; i < np; i++)
        diff += g1[i] != c.m->grads[i];
    CHECK_MSG(diff == 0, "%ld gradient values changed with padded logits", diff);

    /* And the loss equals the mean over the scored rows computed directly. */
    forward(&c);
    double direct = 0;
    for (long i = 0; i < c.TB; i++) {
        if (c.targets[i] < 0)
            continue;
        const real *z = c.w.logits + i * O;
        double mx = z[0], sum = 0;
        for (long o = 1; o < O; o++)
            mx = z[o] > mx ? z[o] : mx;
        for (long o = 0; o < O; o++)
            sum += exp(z[o] - mx);
        direct += mx + log(sum) - z[c.targets[i]];
    }
    direct /= (double)c.scored;
    double got = data_loss(&c, NULL);
    CHECK_MSG(fabs(got - direct) <= 1e-12 * fabs(direct), "xent %.17g, direct %.17g",
              got, direct);
    fprintf(stderr, "     %s: %ld of %ld rows padded, loss %.6f unchanged\n",
            cell_label(kind), c.TB - c.scored, c.TB, L[0]);
    free(g1);
    free(dl1);
    ctx_free(&c);
}

static void padding_invariance_lstm(void) { check_padding_invariance(RECUR_LSTM); }
static void padding_invariance_gru(void) { check_padding_invariance(RECUR_GRU); }
static void padding_invariance_rnn_tanh(void) { check_padding_invariance(RECUR_RNN_TANH); }

static void lstm_dropout_eval_mode(void)
{
    gc_spec s = spec_dropout_eval_mode(RECUR_LSTM);
    run_gradcheck(&s);
}

static void gru_dropout_eval_mode(void)
{
    gc_spec s = spec_dropout_eval_mode(RECUR_GRU);
    run_gradcheck(&s);
}


/* ---- variable lengths: a padded batch is its sequences one by one -------- */

/* The loss summed over sequences, with dlogits for it, for a batch whose
 * sequence b has len[b] steps: per-sequence labels (pooled readouts) or
 * per-step labels with the padded steps unscored. */
static double summed_xent(const recur_model *m, model_work *w, int T, int B,
                          const int32_t *len, const int32_t *labels_of_seq,
                          const int32_t *labels_of_step, int ldl)
{
    int O = m->cfg.output_size;
    if (m->cfg.readout != RECUR_READOUT_SEQUENCE)
        return recur__loss_softmax_xent(w->logits, labels_of_seq, B, O, w->dlogits, 1, NULL,
                                 NULL);
    int32_t tg[64];
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++)
            tg[t * B + b] = t < len[b] ? labels_of_step[t * ldl + b] : -1;
    return recur__loss_softmax_xent(w->logits, tg, (long)T * B, O, w->dlogits, 1, NULL, NULL);
}

static void check_batch_equals_singles(recur_cell kind, recur_readout how, int bidir, int rev)
{
    enum { T = 6, B = 3 };
    const int32_t len[B] = {6, 2, 4};
    recur_config cfg = {.cell = kind, .input = RECUR_INPUT_EMBEDDING, .input_size = 7,
                        .embed_dim = 3, .hidden = 4, .layers = 2,
                        .bidirectional = bidir, .reverse = rev, .output_size = 5,
                        .loss = RECUR_LOSS_XENT, .readout = how};
    recur_model *m;
    if (recur__model_alloc(&cfg, &m)) {
        CHECK_MSG(0, "recur__model_alloc: %s", recur_last_error());
        return;
    }
    rng r;
    recur__rng_seed(&r, 4242 + (uint64_t)kind);
    fill_uniform(m->params, m->nparams, -0.6, 0.6, &r);
    int32_t tok[T * B], lab_seq[B], lab_step[T * B];
    for (int i = 0; i < T * B; i++) {
        tok[i] = (int32_t)recur__rng_below(&r, 7); /* padding holds junk too */
        lab_step[i] = (int32_t)recur__rng_below(&r, 5);
    }
    for (int b = 0; b < B; b++)
        lab_seq[b] = (int32_t)recur__rng_below(&r, 5);
    long np = m->nparams, nh = (long)cfg.layers * (bidir ? 2 : 1) * cfg.hidden;

    /* The padded batch. */
    model_work w;
    CHECK(recur__model_work_alloc(m, T, B, &w) == 0);
    recur__model_zero_grads(m);
    model_input in = {tok, NULL, len};
    recur__model_forward(m, &w, T, B, in, NULL, NULL, NULL);
    double Lb = summed_xent(m, &w, T, B, len, lab_seq, lab_step, B);
    recur__model_backward(m, &w, T, B, in, NULL, NULL, NULL, NULL, NULL);
    real *gb = alloc_reals(np), *hnb = alloc_reals(nh * B);
    memcpy(gb, m->grads, (size_t)np * sizeof *gb);
    memcpy(hnb, w.hn, (size_t)(nh * B) * sizeof *hnb);
    real logits_b[T * B * 5];
    memcpy(logits_b, w.logits, sizeof logits_b);
    recur__model_work_free(&w);

    /* Each sequence alone, unpadded, gradients accumulated. */
    recur__model_zero_grads(m);
    double Ls = 0, worst = 0;
    for (int b = 0; b < B; b++) {
        int n = len[b];
        int32_t t1[T], l1[T];
        for (int t = 0; t < n; t++)
            t1[t] = tok[t * B + b], l1[t] = lab_step[t * B + b];
        model_work w1;
        CHECK(recur__model_work_alloc(m, n, 1, &w1) == 0);
        model_input in1 = {t1, NULL, NULL};
        recur__model_forward(m, &w1, n, 1, in1, NULL, NULL, NULL);
        int32_t one = n;
        Ls += summed_xent(m, &w1, n, 1, &one, &lab_seq[b], l1, 1);
        recur__model_backward(m, &w1, n, 1, in1, NULL, NULL, NULL, NULL, NULL);
        /* outputs: the same logits and final states */
        if (how != RECUR_READOUT_SEQUENCE) {
            for (int o = 0; o < 5; o++)
                worst = fmax(worst, fabs(w1.logits[o] - logits_b[b * 5 + o]));
        } else {
            for (int t = 0; t < n; t++)
                for (int o = 0; o < 5; o++)
                    worst = fmax(worst, fabs(w1.logits[t * 5 + o] -
                                             logits_b[(t * B + b) * 5 + o]));
        }
        for (long ld = 0; ld < nh / cfg.hidden; ld++)
            for (int j = 0; j < cfg.hidden; j++)
                worst = fmax(worst, fabs(w1.hn[ld * cfg.hidden + j] -
                                         hnb[(ld * B + b) * cfg.hidden + j]));
        recur__model_work_free(&w1);
    }
    double gworst = 0, gmax = 0;
    for (long i = 0; i < np; i++) {
        gworst = fmax(gworst, fabs(gb[i] - m->grads[i]));
        gmax = fmax(gmax, fabs(gb[i]));
    }
    CHECK_MSG(fabs(Lb - Ls) <= 1e-12 * fabs(Ls), "loss: batch %.17g, one by one %.17g",
              Lb, Ls);
    CHECK_MSG(worst <= 1e-12, "outputs or final states differ by %.3g", worst);
    CHECK_MSG(gmax > 0 && gworst <= 1e-12 * gmax, "gradients differ by %.3g (max %.3g)",
              gworst, gmax);
    fprintf(stderr, "     %-8s %s %s: padded batch vs one by one: loss diff %.1e, "
            "outputs %.1e, gradients %.1e of %.2g\n", cell_label(kind),
            recur_readout_name(how), bidir ? "bi" : rev ? "rev" : "uni", fabs(Lb - Ls), worst,
            gworst, gmax);
    free(gb);
    free(hnb);
    recur_model_free(m);
}

/* A reverse model is the forward model read backward: over a padded batch,
 * its output at step t of a sequence of n valid steps is the forward model's
 * (same weights) at step n-1-t of that sequence flipped within its length,
 * and its LAST readout the forward model's last; the reverse pass starts at
 * each sequence's last valid step, as ONNX's with sequence_lens. */
static void check_reverse_is_flipped_forward(recur_cell kind, recur_readout how)
{
    enum { T = 6, B = 3, O = 4 };
    const int32_t len[B] = {6, 2, 4};
    recur_config cfg = {.cell = kind, .input = RECUR_INPUT_EMBEDDING, .input_size = 7,
                        .embed_dim = 3, .hidden = 4, .layers = 2, .output_size = O,
                        .loss = RECUR_LOSS_XENT, .readout = how};
    recur_model *fwd = NULL, *rev = NULL;
    CHECK(recur__model_alloc(&cfg, &fwd) == 0);
    cfg.reverse = 1;
    CHECK(recur__model_alloc(&cfg, &rev) == 0);
    if (!fwd || !rev) {
        recur_model_free(fwd);
        recur_model_free(rev);
        return;
    }
    rng r;
    recur__rng_seed(&r, 5151 + (uint64_t)kind);
    fill_uniform(fwd->params, fwd->nparams, -0.6, 0.6, &r);
    memcpy(rev->params, fwd->params, (size_t)fwd->nparams * sizeof(real));
    int32_t tok[T * B], flip[T * B];
    for (int i = 0; i < T * B; i++)
        tok[i] = flip[i] = (int32_t)recur__rng_below(&r, 7);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < len[b]; t++)
            flip[t * B + b] = tok[(len[b] - 1 - t) * B + b];
    model_work wf, wr;
    CHECK(recur__model_work_alloc(fwd, T, B, &wf) == 0);
    CHECK(recur__model_work_alloc(rev, T, B, &wr) == 0);
    recur__model_forward(fwd, &wf, T, B, (model_input){flip, NULL, len}, NULL, NULL, NULL);
    recur__model_forward(rev, &wr, T, B, (model_input){tok, NULL, len}, NULL, NULL, NULL);
    double worst = 0;
    for (int b = 0; b < B; b++) {
        int steps = how == RECUR_READOUT_SEQUENCE ? len[b] : 1;
        for (int t = 0; t < steps; t++) {
            int seq = how == RECUR_READOUT_SEQUENCE;
            const real *yr = wr.logits + (seq ? (long)t * B + b : b) * O;
            const real *yf = wf.logits + (seq ? (long)(len[b] - 1 - t) * B + b : b) * O;
            for (int o = 0; o < O; o++)
                worst = fmax(worst, fabs(yr[o] - yf[o]));
        }
    }
    /* The final states too: the reverse one is its state after step 0. */
    for (long i = 0; i < (long)cfg.layers * B * cfg.hidden; i++)
        worst = fmax(worst, fabs(wr.hn[i] - wf.hn[i]));
    CHECK_MSG(worst <= 1e-12, "reverse vs flipped forward: %.3g", worst);
    fprintf(stderr, "     %-8s %s: reverse vs forward on flipped padded input %.1e\n",
            cell_label(kind), recur_readout_name(how), worst);
    recur__model_work_free(&wf);
    recur__model_work_free(&wr);
    recur_model_free(fwd);
    recur_model_free(rev);
}

#define PAD_CASES(tag, kind)                                                   \
    static void tag##_padded_last_bi(void) { check_batch_equals_singles(kind, RECUR_READOUT_LAST, 1, 0); } \
    static void tag##_padded_mean_bi(void) { check_batch_equals_singles(kind, RECUR_READOUT_MEAN, 1, 0); } \
    static void tag##_padded_sequence_bi(void) { check_batch_equals_singles(kind, RECUR_READOUT_SEQUENCE, 1, 0); } \
    static void tag##_padded_last_uni(void) { check_batch_equals_singles(kind, RECUR_READOUT_LAST, 0, 0); } \
    static void tag##_padded_last_rev(void) { check_batch_equals_singles(kind, RECUR_READOUT_LAST, 0, 1); } \
    static void tag##_padded_sequence_rev(void) { check_batch_equals_singles(kind, RECUR_READOUT_SEQUENCE, 0, 1); } \
    static void tag##_rev_is_flipped_sequence(void) { check_reverse_is_flipped_forward(kind, RECUR_READOUT_SEQUENCE); } \
    static void tag##_rev_is_flipped_last(void) { check_reverse_is_flipped_forward(kind, RECUR_READOUT_LAST); }
PAD_CASES(pad_rnn, RECUR_RNN_TANH)
PAD_CASES(pad_lstm, RECUR_LSTM)
PAD_CASES(pad_gru, RECUR_GRU)
#define PAD_LIST(tag)                                                          \
    TL_CASE(tag##_padded_last_bi), TL_CASE(tag##_padded_mean_bi),             \
        TL_CASE(tag##_padded_sequence_bi), TL_CASE(tag##_padded_last_uni),      \
        TL_CASE(tag##_padded_last_rev), TL_CASE(tag##_padded_sequence_rev),    \
        TL_CASE(tag##_rev_is_flipped_sequence), TL_CASE(tag##_rev_is_flipped_last)

TEST_MAIN("f64_gradcheck", PAD_LIST(pad_rnn), PAD_LIST(pad_lstm), PAD_LIST(pad_gru), GC_LIST(rnn_tanh), GC_LIST(rnn_relu), GC_LIST(lstm),
          GC_LIST(gru), GC_LIST(lstm_proj), GC_REVERSE_LIST(rnn_tanh),
          GC_REVERSE_LIST(lstm), GC_REVERSE_LIST(gru), TL_CASE(lstm_proj_rev_readout_last),
          TL_CASE(padding_invariance_rnn_tanh),
          TL_CASE(padding_invariance_lstm), TL_CASE(padding_invariance_gru),
          TL_CASE(lstm_dropout_eval_mode), TL_CASE(gru_dropout_eval_mode))
