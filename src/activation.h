/* activation.h - scalar activations of the core's real type. */
#ifndef RECUR_ACTIVATION_H
#define RECUR_ACTIVATION_H

#include <math.h>

#include "real.h"

#ifdef RECUR_REAL_DOUBLE
static inline real act_tanh(real x) { return tanh(x); }
static inline real act_sigmoid(real x) { return 1.0 / (1.0 + exp(-x)); }
#else
static inline real act_tanh(real x) { return tanhf(x); }
static inline real act_sigmoid(real x) { return 1.0f / (1.0f + expf(-x)); }
#endif

#endif
