/* loss.h - losses over a batch of rows, each writing its own gradient. */
#ifndef RECUR_LOSS_H
#define RECUR_LOSS_H

#include <stdint.h>

#include "core/real.h"

/* Softmax cross-entropy of logits [N][O] against class targets; rows whose
 * target is negative are padding and count for nothing. Returns the summed
 * loss (nats, accumulated in double); *counted gets the number of scored
 * rows and *correct how many of them have the target as arg-max. With
 * dlogits non-NULL it receives scale·(softmax − onehot) (0 on padding). */
double recur__loss_softmax_xent(const real *logits, const int32_t *targets, long N,
                         int O, real *dlogits, real scale, long *counted,
                         long *correct);

/* Squared error Σ (pred − target)² over n values; dpred = scale·2(pred − target). */
double recur__loss_squared_error(const real *pred, const real *target, long n,
                          real *dpred, real scale);

#endif
