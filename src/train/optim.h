/* optim.h - optimizers over the flat parameter vector, and gradient clipping. */
#ifndef RECUR_OPTIM_H
#define RECUR_OPTIM_H

#include "core/real.h"
#include "recur.h"

typedef struct {
    recur_optimizer kind;
    double lr, beta1, beta2, eps, momentum, weight_decay, alpha;
    long n;
    long step;  /* updates taken (Adam's bias correction) */
    real *m;    /* first moment / momentum buffer / RMSprop square average */
    real *v;    /* second moment (Adam, AdamW) */
} optimizer;

int recur__optim_init(optimizer *o, const recur_train_config *tc, long n);
void recur__optim_free(optimizer *o);
/* One update p -= f(gscale·g) at learning rate lr (gscale: the clipping
 * factor, 1 for none). Returns 1 if it left a parameter infinite or NaN
 * (a finite gradient can still overflow one), else 0. */
int recur__optim_step(optimizer *o, real *p, const real *g, real gscale, double lr);

/* Euclidean norm of g, accumulated in double. */
double recur__grad_norm(const real *g, long n);
/* The factor that brings a gradient of this norm down to max_norm: 1 when
 * it is already within (or max_norm is 0, clipping off). */
double recur__clip_factor(double norm, double max_norm);

#endif
