/* recur/seq2seq.h - sequence to sequence: encoder-decoder models, training and decoding.
 * Part of the public API: include <recur.h>, which includes this file. */
#ifndef RECUR_API_SEQ2SEQ_H
#define RECUR_API_SEQ2SEQ_H

#ifndef RECUR_H
#error "include <recur.h>; recur/seq2seq.h is one of its parts"
#endif

/* ---- sequence to sequence ------------------------------------------------ */
/* An encoder-decoder of two recurrent models (many to many, unaligned; and
 * one to many, with a one-token source):
 *   encoder: source tokens (one-hot, or an embedding of embed_dim) through
 *            `layers` layers of `hidden` units, optionally bidirectional;
 *            no dense layer;
 *   decoder: target tokens (same input kind) through `layers` unidirectional
 *            layers of hidden × directions units, a dense layer over the
 *            target vocabulary (with attention, below: the attention head's
 *            output layer instead), softmax cross-entropy. Its initial state (h0,
 *            and c0 for LSTM) of layer l is the encoder's final state of
 *            layer l, forward and reverse halves concatenated.
 * Target vocabularies include a begin (bos) and an end (eos) token: the
 * decoder reads [bos, y1 .. yn] and is trained to emit [y1 .. yn, eos]
 * (teacher forcing: it is fed the previous target token, not its own
 * prediction). Token vocabularies may carry names (UTF-8 strings, e.g.
 * characters or phonemes), stored with the model. */
typedef struct recur_seq2seq recur_seq2seq;

/* Attention in the decoder (Luong et al. 2015, without input feeding): at
 * each target step t the decoder's top-layer state h_t scores every valid
 * step s of the encoder's top-layer outputs e_s (both directions
 * concatenated, width M = hidden × directions; padded source steps get
 * weight 0):
 *   DOT      score = h_t · e_s
 *   GENERAL  score = h_t · (W_a e_s)                  W_a [M×M]
 *   ADDITIVE score = v · tanh(W_q h_t + W_k e_s)      (Bahdanau's form
 *            scored with the current state)           W_q, W_k [M×M], v [M]
 * a_t = softmax over s, context c_t = Σ_s a_ts e_s, the attentional state
 * h~_t = tanh(W_c [c_t; h_t]) (W_c [M×2M], no bias), and the logits
 * W_o h~_t + b_o. The decoder model then has no dense layer of its own. */
typedef enum {
    RECUR_ATTN_NONE = 0,
    RECUR_ATTN_DOT,
    RECUR_ATTN_GENERAL,
    RECUR_ATTN_ADDITIVE
} recur_attention;

/* "none", "dot", "general", "additive"; NULL for other values. */
RECUR_API const char *recur_attention_name(recur_attention a);
/* The attention kind of a name above; RECUR_E_INVALID if unknown. */
RECUR_API int recur_attention_parse(const char *name, recur_attention *out);

typedef struct {
    recur_cell cell;
    int src_vocab;     /* source tokens 0 .. src_vocab-1 */
    int tgt_vocab;     /* target tokens, bos and eos included */
    int bos, eos;      /* distinct target token ids */
    int embed_dim;     /* embedding size of both sides; 0: one-hot */
    int hidden;        /* encoder units per direction */
    int layers;
    int bidirectional; /* encoder only */
    float dropout;
    recur_attention attention; /* RECUR_ATTN_NONE (0): the final state only */
    int src_features;  /* 0: token sources (above). > 0: each source is one
                          vector of src_features reals (an image's pixels, say:
                          one to many, captioning), and the encoder is a dense
                          layer per decoder layer, h0_l = tanh(W_l h0_{l-1} + b_l)
                          with h0_0 = the vector, stored as a one-step Elman
                          RNN from a zero state (its weight_hh tensors multiply
                          that zero state: unused, zero gradient). The decoder's
                          cell may then be any; an LSTM decoder starts from
                          c0 = 0. src_vocab must be 0, attention NONE and
                          bidirectional 0. */
} recur_seq2seq_config;

RECUR_API int recur_seq2seq_create(const recur_seq2seq_config *c, uint64_t seed,
                         recur_seq2seq **out);
RECUR_API void recur_seq2seq_free(recur_seq2seq *s);
RECUR_API const recur_seq2seq_config *recur_seq2seq_get_config(const recur_seq2seq *s);
/* The two halves (owned by s): for tensors, metadata and parameter counts. */
RECUR_API recur_model *recur_seq2seq_encoder(recur_seq2seq *s);
RECUR_API recur_model *recur_seq2seq_decoder(recur_seq2seq *s);
RECUR_API long recur_seq2seq_param_count(const recur_seq2seq *s);
/* Re-initialise both halves (see recur_model_init). */
RECUR_API int recur_seq2seq_init(recur_seq2seq *s, recur_init scheme, uint64_t seed);

/* Token names: side 0 = source, 1 = target; n must equal that vocabulary's
 * size; names are non-empty UTF-8 without newlines, all distinct. */
RECUR_API int recur_seq2seq_set_vocab(recur_seq2seq *s, int side, const char *const *names, int n);
/* Names of a side (NULL if none were set); *n receives the count. */
RECUR_API const char *const *recur_seq2seq_get_vocab(const recur_seq2seq *s, int side, int *n);
RECUR_API int recur_seq2seq_set_meta(recur_seq2seq *s, const char *key, const char *value);
RECUR_API const char *recur_seq2seq_get_meta(const recur_seq2seq *s, const char *key);

/* One safetensors file: the encoder's tensors and configuration under
 * "encoder.", the decoder's under "decoder.", and the bos/eos ids, the
 * vocabularies and free metadata. Loading validates all of it as strictly
 * as recur_model_load and refuses unknown tensors. Saving is atomic. */
RECUR_API int recur_seq2seq_save(const recur_seq2seq *s, const char *path);
RECUR_API int recur_seq2seq_load(const char *path, recur_seq2seq **out);

/* Parallel examples: example i has source tokens src[src_offsets[i] ..
 * src_offsets[i+1]) (at least one) and target tokens tgt[tgt_offsets[i] ..
 * tgt_offsets[i+1]) (possibly none), the target without bos and eos. */
typedef struct {
    long count;
    const long *src_offsets; /* [count + 1], from 0, increasing */
    const int32_t *src;
    const long *tgt_offsets; /* [count + 1], from 0, non-decreasing */
    const int32_t *tgt;
    const float *features; /* models with src_features: [count][src_features],
                              finite; src_offsets and src are then unused
                              (may be NULL) */
} recur_seq2seq_data;

/* RECUR_OK if d fits s (offsets, token ranges; targets hold no bos/eos). */
RECUR_API int recur_seq2seq_data_check(const recur_seq2seq *s, const recur_seq2seq_data *d);

/* Teacher-forced training on shuffled mini-batches of tc->batch examples,
 * padded and masked on both sides; the loss is the mean cross-entropy per
 * target token (eos included). One optimizer (tc) updates both halves; the
 * gradient norm for clipping is taken over both. tc->seq_len and
 * tc->stateful are not used. d and its arrays must outlive the trainer. */
typedef struct recur_seq2seq_trainer recur_seq2seq_trainer;
RECUR_API int recur_seq2seq_trainer_create(recur_seq2seq *s, const recur_train_config *tc,
                                 const recur_seq2seq_data *d,
                                 recur_seq2seq_trainer **out);
RECUR_API void recur_seq2seq_trainer_free(recur_seq2seq_trainer *tr);
/* One step; RECUR_E_NUMERIC (parameters left as before) on NaN/Inf. */
RECUR_API int recur_seq2seq_trainer_step(recur_seq2seq_trainer *tr, recur_batch_stats *st);
RECUR_API long recur_seq2seq_trainer_steps_per_epoch(const recur_seq2seq_trainer *tr);
RECUR_API long recur_seq2seq_trainer_step_count(const recur_seq2seq_trainer *tr);
RECUR_API int recur_seq2seq_trainer_epoch(const recur_seq2seq_trainer *tr);
/* Make tr one of nranks processes that train one model together, each on
 * a disjoint share of every batch (pairs [rank·B/nranks, (rank+1)·B/nranks)
 * of each shuffled batch of B), as recur_trainer_set_shard does for one
 * model (include/recur/train.h): sum() adds up the encoder's, the decoder's
 * and the attention head's gradients (three calls, the last with {loss,
 * scored, correct}), the loss is normalised by the whole batch's target
 * tokens, and every process takes the same step, so that N processes of
 * B/N follow one of B. Call between steps (after a resume, too); nranks = 1
 * and sum = NULL undo it. Not in the double-precision test build. */
RECUR_API int recur_seq2seq_trainer_set_shard(recur_seq2seq_trainer *tr, int rank,
                                              int nranks, recur_allreduce_fn sum,
                                              void *user);
/* A checkpoint: the model file plus optimizer state and position (atomic);
 * resume restores it into a trainer of the same model shape, data size and
 * settings, and training continues bit-identically. */
RECUR_API int recur_seq2seq_trainer_save(const recur_seq2seq_trainer *tr, const char *path);
RECUR_API int recur_seq2seq_trainer_resume(recur_seq2seq_trainer *tr, const char *path);

/* Teacher-forced mean loss (nats per target token, eos included) and
 * next-token accuracy over d, in batches of B, without dropout. */
RECUR_API int recur_seq2seq_evaluate(const recur_seq2seq *s, const recur_seq2seq_data *d,
                           int B, recur_eval_stats *out);

typedef struct {
    int beam;          /* 0: greedy; k >= 1: beam search of width k, finished
                          hypotheses ranked by log-probability / len^alpha
                          (len: tokens incl. eos) */
    float length_penalty; /* alpha >= 0: 1 (the default) is the mean
                          log-probability per token, 0 the plain sum */
    int max_len;       /* most target tokens generated (eos excluded) */
    int sample;        /* 1: draw each token from softmax(logits / temperature)
                          instead (beam is then ignored) */
    float temperature; /* > 0, sampling only */
    uint64_t seed;     /* sampling only */
} recur_seq2seq_decode_config;

/* Greedy, beam 0, max_len 100, temperature 1, seed 1. */
RECUR_API void recur_seq2seq_decode_config_default(recur_seq2seq_decode_config *dc);
/* Decode one source sequence src[0..n) (n >= 1): the target tokens (without
 * bos/eos) go to out (room for dc->max_len), their count to *out_len and,
 * when score is non-NULL, the hypothesis's summed log-probability (eos
 * included when it was reached) to *score. Deterministic. */
RECUR_API int recur_seq2seq_decode(const recur_seq2seq *s, const int32_t *src, int n,
                         const recur_seq2seq_decode_config *dc, int32_t *out,
                         int *out_len, double *score);

/* The same for a model with src_features: the source is x[src_features]
 * (finite); RECUR_E_INVALID for a token model (and recur_seq2seq_decode is
 * RECUR_E_INVALID for a feature model). */
RECUR_API int recur_seq2seq_decode_features(const recur_seq2seq *s, const float *x,
                                  const recur_seq2seq_decode_config *dc, int32_t *out,
                                  int *out_len, double *score);

/* The attention weights of an attention model reading src[0..n) while
 * teacher-forced with tgt[0..m) (e.g. its own translation): weights
 * [(m + 1) × n], row t for the step that emits tgt[t] (row m: eos), each
 * row summing to 1. RECUR_E_INVALID for a model without attention. */
RECUR_API int recur_seq2seq_attention_weights(const recur_seq2seq *s, const int32_t *src,
                                    int n, const int32_t *tgt, int m, float *weights);

#endif /* RECUR_API_SEQ2SEQ_H */
