/* seq2seq.h - the encoder-decoder's insides, shared by seq2seq.c (model,
 * teacher-forced forward/backward, training, decoding), seq2seq_io.c (files
 * and checkpoints) and the gradient check. */
#ifndef RECUR_SEQ2SEQ_H
#define RECUR_SEQ2SEQ_H

#include "nn/model.h"
#include "seq2seq/attention.h"
#include "train/optim.h"

#define S2S_MAX_META 64

struct recur_seq2seq {
    recur_seq2seq_config cfg;
    recur_model *enc, *dec;
    s2s_attention att; /* kind NONE: the decoder's own dense layer */
    char **names[2]; /* token names of the source / target side, or NULL */
    int nnames[2];
    int nmeta;
    char *meta_key[S2S_MAX_META], *meta_val[S2S_MAX_META];
};

/* One padded batch and the activations of both halves. */
typedef struct {
    int Ts, Tt, B;     /* capacity: source steps, decoder steps (target + 1) */
    int ts, tt, b;     /* the packed batch */
    int32_t *src;      /* [Ts][B] */
    int32_t *src_len;  /* [B] */
    int32_t *dec_in;   /* [Tt][B]: bos, y1 .. yn, padding */
    int32_t *dec_len;  /* [B]: n + 1 */
    int32_t *labels;   /* [Tt][B]: y1 .. yn, eos, then -1 */
    int32_t *rows;     /* the rows t·B + b that have a label (attention's output layer) */
    int32_t *labels_c; /* their labels, in that order */
    real *x;           /* [B][src_features]: feature sources, or NULL */
    model_work we, wd;
    attn_work wa;      /* attention models */
    real *h0, *c0;     /* [L][B][D·H] the decoder's initial state */
    real *dh0, *dc0;   /* its gradient */
    real *dhn, *dcn;   /* [L·D][B][H] the encoder's final-state gradient */
} s2s_batch;

/* The decoder's configuration implied by a seq2seq configuration, and the
 * encoder's. */
void recur__s2s_encoder_config(const recur_seq2seq_config *c, recur_config *out);
void recur__s2s_decoder_config(const recur_seq2seq_config *c, recur_config *out);
int recur__s2s_config_check(const recur_seq2seq_config *c);
/* An empty seq2seq around two existing models (taken over on success),
 * with a zeroed attention head of c->attention. */
int recur__s2s_wrap(const recur_seq2seq_config *c, recur_model *enc, recur_model *dec,
             recur_seq2seq **out);

/* Longest source and target (without bos/eos) of d. */
void recur__s2s_data_longest(const recur_seq2seq *s, const recur_seq2seq_data *d, int *src,
                             int *tgt);
int recur__s2s_batch_alloc(const recur_seq2seq *s, int Ts, int Tt, int B, s2s_batch *b);
void recur__s2s_batch_free(s2s_batch *b);
/* Lay out examples idx[0 .. B) of d. */
void recur__s2s_batch_pack(s2s_batch *b, const recur_seq2seq *s, const recur_seq2seq_data *d,
                    const long *idx, int B);
/* The logits (and their gradient) of a batch's last pass: [tt][b][V], or
 * with attention only the rows that have a label, [b->wa.nrows][V]. */
real *recur__s2s_logits(const recur_seq2seq *s, s2s_batch *b, int grad);
/* RECUR_E_NUMERIC naming the first non-finite tensor of s, prefixed by what. */
int recur__s2s_check_finite(const recur_seq2seq *s, const char *what);
/* Encoder, bridge, decoder (and attention) over the packed batch (dropout when r is
 * non-NULL): the summed cross-entropy; *counted target tokens scored,
 * *correct of them arg-max hits. With backward, the gradient of the mean
 * (sum / counted) is accumulated into both models' grads (zero them first). */
double recur__s2s_forward_backward(recur_seq2seq *s, s2s_batch *b, rng *r, int backward,
                            long *counted, long *correct);
/* The same with the gradient of sum / whole instead (whole > 0: the count
 * of the whole batch that this one is a share of; 0: *counted). */
double recur__s2s_forward_backward_of(recur_seq2seq *s, s2s_batch *b, rng *r, int backward,
                                      long whole, long *counted, long *correct);

/* Checkpoint support (seq2seq_io.c). */
struct recur_seq2seq_trainer {
    recur_seq2seq *s;
    recur_train_config tc;
    recur_seq2seq_data d;
    s2s_batch b;
    optimizer oe, od, oa; /* one optimizer's settings over the two halves
                             and the attention head (oa unused without) */
    rng dropout_rng;
    long *order;
    long steps_per_epoch, step, batch_in_epoch;
    int epoch;
    /* Data parallel (recur_seq2seq_trainer_set_shard); nranks = 1: one
     * process. */
    int rank, nranks;
    recur_allreduce_fn sum;
    void *sum_user;
};
void recur__s2s_trainer_shuffle(recur_seq2seq_trainer *tr);

#endif
