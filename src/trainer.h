/* trainer.h - the trainer's insides, shared by trainer.c and checkpoint.c. */
#ifndef RECUR_TRAINER_H
#define RECUR_TRAINER_H

#include "model.h"
#include "optim.h"

struct recur_trainer {
    recur_model *m;
    recur_train_config tc;
    const int32_t *tokens;
    long n;
    model_work w;
    optimizer opt;
    rng dropout_rng;
    real *carry_h, *carry_c; /* [L·D][B][H] state carried between windows */
    long nstate;
    int32_t *inp, *tgt;      /* [T][B] the current window */
    long stream_len;         /* stateful: tokens per stream */
    long nwindows;           /* stateless: windows in the corpus */
    long *order;             /* stateless: window order of this epoch */
    long steps_per_epoch;
    long step;               /* steps taken in all */
    int epoch;
    long batch_in_epoch;
};

/* The window order of the current epoch (stateless training). */
void trainer_shuffle(recur_trainer *tr);

#endif
