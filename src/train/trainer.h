/* trainer.h - the trainer's insides, shared by trainer.c and checkpoint.c. */
#ifndef RECUR_TRAINER_H
#define RECUR_TRAINER_H

#include "nn/model.h"
#include "train/optim.h"

/* A batch of a supervised data set, padded to its longest example. */
typedef struct {
    int T, B;           /* this batch */
    int32_t *tokens;    /* [T][B] */
    real *x;            /* [T][B][input_size] */
    int32_t *len;       /* [B] */
    int32_t *labels;    /* [B] or [T][B] (-1: padding) */
    real *targets;      /* [B][O] or [T][B][O] */
    real *weight;       /* [B] or [T][B]: 1 scored, 0 padding (MSE) */
} data_batch;

struct recur_trainer {
    recur_model *m;
    recur_train_config tc;
    recur_token_array tokens; /* a token stream (n = tokens.n), or none */
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
    /* Supervised data (recur_trainer_create_dataset); ds.count == 0 for a
     * token stream. */
    recur_dataset ds;
    data_batch db;
    long *scratch;           /* [2 count] for recur__dataset_bucket */
    /* Data parallel (recur_trainer_set_shard): this process takes rows
     * [lo, hi) of every batch and sum() adds up the shares. nranks = 1:
     * one process, the code paths of before. */
    int rank, nranks;
    recur_allreduce_fn sum;
    void *sum_user;
    real *carry_loc;         /* [2][L][hi-lo][H]: this share's carried state */
    recur_allreduce_begin_fn begin; /* recur_trainer_set_overlap, or NULL */
    long unsent;             /* grads[0 .. unsent) not handed to begin() yet */
    int begin_failed;
};

/* Parameters updated together: a model's, or an encoder's and a decoder's
 * (each with its own optimizer state, the same settings). */
typedef struct {
    optimizer *opt;
    real *params, *grads;
    long n;
} param_group;

/* The update of every trainer (text, data sets, seq2seq) after a
 * forward/backward left the gradients of step `step` (0-based) of epoch
 * `epoch`: the global gradient norm over all groups (NaN or Inf refused,
 * naming the step, parameters untouched), clipping to tc->clip, the
 * optimizer step at the epoch's learning rate, then a check that the
 * parameters stayed finite; fills st (loss and accuracy per counted token). */
int recur__train_update(const recur_train_config *tc, int epoch, long step,
                        const param_group *g, int ng, double loss, long counted,
                        long correct, recur_batch_stats *st);
/* recur__train_update for a model trainer, then its bookkeeping: the
 * carried state, the step, the epoch and its shuffle. */
int recur__trainer_update(recur_trainer *tr, double loss, long counted, long correct,
                          recur_batch_stats *st);
/* This process's rows [*lo, *hi) of a batch of B rows. */
void recur__trainer_share(const recur_trainer *tr, long B, long *lo, long *hi);
/* RECUR_OK if rank of nranks (with sum when more than one) can share
 * batches of `batch` rows (a row named `row` in the message). */
int recur__check_shard(int rank, int nranks, recur_allreduce_fn sum, int batch,
                       const char *row);
/* The dropout RNG *out of a sharded step: a draw of the shared RNG (the
 * same on every process, saved with checkpoints) mixed with the rank. */
void recur__share_rng(rng *shared, int rank, rng *out);
/* v[0..n) and d[0..nd) summed over the nranks processes by sum
 * (RECUR_E_IO naming step + 1 if the sum fails). */
int recur__sum_shares(recur_allreduce_fn sum, void *user, int nranks, long step, real *v,
                      long n, double *d, int nd);
/* Before a sharded backward: with overlap, make it hand each finished
 * layer's gradients to begin(). */
void recur__trainer_overlap_backward(recur_trainer *tr);
/* Sum the shares' gradients (those not begun during backward, after the
 * begun ones) and stats {loss, counted, correct} over the processes
 * (RECUR_E_IO if a sum fails). */
int recur__trainer_sum_grads(recur_trainer *tr, double *loss, long *counted,
                             long *correct);
/* One step on supervised data (dataset.c). */
int recur__dataset_step(recur_trainer *tr, recur_batch_stats *st);
void recur__data_batch_free(data_batch *db);
/* Group the shuffled example order into batches of similar length and
 * shuffle the batches (tc.bucket); deterministic given r's state. */
void recur__dataset_bucket(recur_trainer *tr, rng *r);

/* RECUR_OK or the first setting out of range; uses_seq_len: tc->seq_len
 * matters (not for seq2seq). */
int recur__trainer_check_config(const recur_train_config *tc, int uses_seq_len);
/* The window order of the current epoch (stateless training). */
void recur__trainer_shuffle(recur_trainer *tr);

#endif
