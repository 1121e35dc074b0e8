/* optim.c - SGD (with momentum), Adam, AdamW and RMSprop as PyTorch defines
 * them, over one flat vector; and clipping by global gradient norm, the
 * standard cure for exploding gradients in BPTT. */
#include "train/optim.h"

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/activation.h"
#include "core/error.h"
#include "core/parallel.h"

int recur__optim_init(optimizer *o, const recur_train_config *tc, long n)
{
    o->kind = tc->optimizer;
    o->lr = tc->lr;
    o->beta1 = tc->beta1;
    o->beta2 = tc->beta2;
    o->eps = tc->eps;
    o->momentum = tc->momentum;
    o->weight_decay = tc->weight_decay;
    o->alpha = tc->rho;
    o->n = n;
    o->step = 0;
    o->m = calloc((size_t)n, sizeof *o->m);
    o->v = calloc((size_t)n, sizeof *o->v);
    if (!o->m || !o->v) {
        recur__optim_free(o);
        return recur__fail(RECUR_E_NOMEM, "out of memory for optimizer state");
    }
    return RECUR_OK;
}

void recur__optim_free(optimizer *o)
{
    free(o->m);
    free(o->v);
    o->m = o->v = NULL;
}

/* One step's constants, and the parameters it updates. */
typedef struct {
    optimizer *o;
    real *p;
    const real *g;
    real gscale;
    double lr;
    real step, rbc2; /* Adam: lr / (1 − β1^t) and 1 / √(1 − β2^t) */
    atomic_int nonfinite;
} step_job;

/* 1 if x is an infinity or a NaN, from its exponent bits (a test the
 * compiler vectorizes, unlike isfinite's early exit). */
static inline int exponent_full(real x)
{
#ifdef RECUR_DOUBLE
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return (u & 0x7ff0000000000000u) == 0x7ff0000000000000u;
#else
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return (u & 0x7f800000u) == 0x7f800000u;
#endif
}

/* Parameters are updated in blocks of this many, shared among threads;
 * each element's update is the same whichever thread makes it. */
#define STEP_BLOCK 4096

static void step_range(void *arg, long i0, long i1)
{
    step_job *j = arg;
    optimizer *o = j->o;
    real *p = j->p, *m = o->m, *v = o->v;
    const real *g = j->g;
    real gs = j->gscale;
    int bad = 0;
    real wd = (real)o->weight_decay, a = (real)j->lr;
    switch (o->kind) {
    case RECUR_SGD: {
        real mu = (real)o->momentum;
        for (long i = i0; i < i1; i++) {
            real gi = g[i] * gs + wd * p[i];
            if (mu != 0) {
                m[i] = o->step == 1 ? gi : mu * m[i] + gi;
                gi = m[i];
            }
            p[i] -= a * gi;
            bad |= exponent_full(p[i]);
        }
        break;
    }
    case RECUR_ADAM:
    case RECUR_ADAMW: {
        real b1 = (real)o->beta1, b2 = (real)o->beta2, eps = (real)o->eps;
        real step = j->step, rbc2 = j->rbc2;
        int decoupled = o->kind == RECUR_ADAMW;
        for (long i = i0; i < i1; i++) {
            real gi = g[i] * gs;
            if (decoupled)
                p[i] -= a * wd * p[i];
            else
                gi += wd * p[i];
            m[i] = b1 * m[i] + (1 - b1) * gi;
            v[i] = b2 * v[i] + (1 - b2) * gi * gi;
            p[i] -= step * m[i] / (act_sqrt(v[i]) * rbc2 + eps);
            bad |= exponent_full(p[i]);
        }
        break;
    }
    case RECUR_RMSPROP: {
        real al = (real)o->alpha, eps = (real)o->eps;
        for (long i = i0; i < i1; i++) {
            real gi = g[i] * gs + wd * p[i];
            m[i] = al * m[i] + (1 - al) * gi * gi;
            p[i] -= a * gi / (act_sqrt(m[i]) + eps);
            bad |= exponent_full(p[i]);
        }
        break;
    }
    }
    if (bad)
        atomic_store(&j->nonfinite, 1);
}

int recur__optim_step(optimizer *o, real *p, const real *g, real gscale, double lr)
{
    o->step++;
    step_job j = {o, p, g, gscale, lr, 0, 0, 0};
    if (o->kind == RECUR_ADAM || o->kind == RECUR_ADAMW) {
        double bc1 = 1 - pow(o->beta1, (double)o->step);
        double bc2 = 1 - pow(o->beta2, (double)o->step);
        j.step = (real)(lr / bc1);
        j.rbc2 = (real)(1 / sqrt(bc2));
    }
    recur__parallel_ranges(o->n, STEP_BLOCK, 10.0 * (double)o->n, step_range, &j);
    return atomic_load(&j.nonfinite);
}

/* The squares are summed in NORM_PARTS fixed parts (fewer for short
 * vectors), each in 8 interleaved double sums, and the parts added in
 * order: the same norm for any thread count. */
#define NORM_PARTS 64

typedef struct {
    const real *g;
    long n;
    int parts;
    double sums[NORM_PARTS];
} norm_job;

static void norm_parts(void *arg, int p0, int p1)
{
    norm_job *j = arg;
    for (int p = p0; p < p1; p++) {
        long i = j->n * p / j->parts, end = j->n * (p + 1) / j->parts;
        double s[8] = {0};
        for (; i + 8 <= end; i += 8)
            for (int k = 0; k < 8; k++)
                s[k] += (double)j->g[i + k] * j->g[i + k];
        for (int k = 0; i < end; i++, k++)
            s[k] += (double)j->g[i] * j->g[i];
        j->sums[p] = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    }
}

double recur__grad_norm(const real *g, long n)
{
    norm_job j = {g, n, n < NORM_PARTS ? (n > 0 ? (int)n : 1) : NORM_PARTS, {0}};
    recur__parallel_rows(j.parts, 2.0 * (double)n, norm_parts, &j);
    double s = 0;
    for (int p = 0; p < j.parts; p++)
        s += j.sums[p];
    return sqrt(s);
}

double recur__clip_factor(double norm, double max_norm)
{
    return max_norm > 0 && norm > max_norm ? max_norm / (norm + 1e-6) : 1;
}
