/* optim.c - SGD (with momentum), Adam, AdamW and RMSprop as PyTorch defines
 * them, over one flat vector; and clipping by global gradient norm, the
 * standard cure for exploding gradients in BPTT. */
#include "train/optim.h"

#include <math.h>
#include <stdlib.h>

#include "core/activation.h"
#include "core/error.h"

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

void recur__optim_step(optimizer *o, real *p, const real *g, double lr)
{
    long n = o->n;
    o->step++;
    switch (o->kind) {
    case RECUR_SGD: {
        real mu = (real)o->momentum, wd = (real)o->weight_decay, a = (real)lr;
        for (long i = 0; i < n; i++) {
            real gi = g[i] + wd * p[i];
            if (mu != 0) {
                o->m[i] = o->step == 1 ? gi : mu * o->m[i] + gi;
                gi = o->m[i];
            }
            p[i] -= a * gi;
        }
        break;
    }
    case RECUR_ADAM:
    case RECUR_ADAMW: {
        double bc1 = 1 - pow(o->beta1, (double)o->step);
        double bc2 = 1 - pow(o->beta2, (double)o->step);
        real b1 = (real)o->beta1, b2 = (real)o->beta2, eps = (real)o->eps;
        real step = (real)(lr / bc1), rbc2 = (real)(1 / sqrt(bc2));
        real wd = (real)o->weight_decay;
        int decoupled = o->kind == RECUR_ADAMW;
        for (long i = 0; i < n; i++) {
            real gi = g[i];
            if (decoupled)
                p[i] -= (real)lr * wd * p[i];
            else
                gi += wd * p[i];
            o->m[i] = b1 * o->m[i] + (1 - b1) * gi;
            o->v[i] = b2 * o->v[i] + (1 - b2) * gi * gi;
            p[i] -= step * o->m[i] / (act_sqrt(o->v[i]) * rbc2 + eps);
        }
        break;
    }
    case RECUR_RMSPROP: {
        real al = (real)o->alpha, eps = (real)o->eps, a = (real)lr;
        real wd = (real)o->weight_decay;
        for (long i = 0; i < n; i++) {
            real gi = g[i] + wd * p[i];
            o->m[i] = al * o->m[i] + (1 - al) * gi * gi;
            p[i] -= a * gi / (act_sqrt(o->m[i]) + eps);
        }
        break;
    }
    }
}

double recur__grad_norm(const real *g, long n)
{
    double s = 0;
    for (long i = 0; i < n; i++)
        s += (double)g[i] * g[i];
    return sqrt(s);
}

double recur__clip_factor(double norm, double max_norm)
{
    return max_norm > 0 && norm > max_norm ? max_norm / (norm + 1e-6) : 1;
}
