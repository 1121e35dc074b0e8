/* recur/train.h - training: optimizers, trainers over text and data sets, gradient reports.
 * Part of the public API: include <recur.h>, which includes this file. */
#ifndef RECUR_API_TRAIN_H
#define RECUR_API_TRAIN_H

#ifndef RECUR_H
#error "include <recur.h>; recur/train.h is one of its parts"
#endif

/* ---- training ------------------------------------------------------------- */
typedef enum { RECUR_SGD, RECUR_ADAM, RECUR_ADAMW, RECUR_RMSPROP } recur_optimizer;

typedef struct {
    recur_optimizer optimizer;
    float lr;
    float beta1, beta2, eps;  /* Adam/AdamW; eps also RMSprop */
    float momentum;           /* SGD */
    float rho;                /* RMSprop smoothing (PyTorch's alpha) */
    float weight_decay;       /* L2 (SGD, Adam, RMSprop) or decoupled (AdamW) */
    float clip;               /* max global gradient norm; 0 = no clipping */
    float lr_decay;           /* multiply lr by this at the end of each epoch ... */
    int lr_decay_after;       /* ... from the end of this epoch on (0 or 1:
                                 from the first); lr_decay = 1: no decay */
    int seq_len;              /* BPTT window T */
    int batch;                /* sequences per batch B */
    int stateful;             /* 1: carry hidden state between consecutive
                                 windows (truncated BPTT, as char-rnn);
                                 0: shuffled windows from a zero state
                                 (full BPTT over each window) */
    uint64_t seed;            /* dropout and shuffling */
    int bucket;               /* data sets (recur_trainer_create_dataset): 1 =
                                 batches of examples of similar length (sorted
                                 within runs of 64 batches of the shuffled
                                 order, the batch order shuffled again), so
                                 less of each batch is padding; 0 = plain
                                 shuffled batches */
} recur_train_config;

/* Adam, lr 2e-3, clip 5, T 100, B 32, stateful, seed 1. */
RECUR_API void recur_train_config_default(recur_train_config *tc);
RECUR_API const char *recur_optimizer_name(recur_optimizer o);
RECUR_API int recur_optimizer_parse(const char *name);

typedef struct recur_trainer recur_trainer;

typedef struct {
    double loss;     /* mean loss of the batch (nats per token for XENT) */
    double accuracy; /* fraction of arg-max hits (XENT) */
    double grad_norm;/* global gradient norm before clipping */
    long tokens;     /* tokens (time steps × sequences) scored */
    double lr;       /* learning rate used */
} recur_batch_stats;

/* A trainer over a token stream for next-token prediction (language
 * modelling): the model must be a one-hot or embedding XENT model whose
 * output size is its vocabulary. tokens must outlive the trainer. */
RECUR_API int recur_trainer_create(recur_model *m, const recur_train_config *tc,
                         const int32_t *tokens, long n, recur_trainer **out);
/* The same over tokens held at 1, 2 or 4 bytes (recur_text_token_array):
 * a corpus of up to 256 characters costs 1 byte per character. tokens may
 * hold a part of the stream (recur_text_load_part) for stateful training
 * on several processes: recur_trainer_set_shard and recur_trainer_step
 * refuse (RECUR_E_INVALID) a share whose streams are not all held, and
 * stateless training needs the whole stream. */
RECUR_API int recur_trainer_create_tokens(recur_model *m, const recur_train_config *tc,
                                          recur_token_array tokens, recur_trainer **out);
RECUR_API void recur_trainer_free(recur_trainer *tr);
/* One optimisation step on the next window; advances the position and the
 * epoch. Fails with RECUR_E_NUMERIC (parameters left as before the step) if
 * the loss or a gradient is NaN or Inf. */
RECUR_API int recur_trainer_step(recur_trainer *tr, recur_batch_stats *st);
RECUR_API long recur_trainer_steps_per_epoch(const recur_trainer *tr);
RECUR_API long recur_trainer_step_count(const recur_trainer *tr);  /* steps taken */
RECUR_API int recur_trainer_epoch(const recur_trainer *tr);        /* 0-based */
/* Save a checkpoint (model + optimizer + position + RNG) atomically, and
 * restore one into a trainer created with the same model shape, data size
 * and settings, so that training continues bit-identically. */
RECUR_API int recur_trainer_save(const recur_trainer *tr, const char *path);
RECUR_API int recur_trainer_resume(recur_trainer *tr, const char *path);

/* ---- data-parallel training (several processes, e.g. MPI ranks) ------------ */
/* A sum over all processes, in place: v[0..n) and d[0..nd) must be replaced
 * on every process by their element-wise sums over all processes (an
 * allreduce with MPI_SUM; v is float, d is double). Returns 0, or non-zero
 * if the sum failed (a process died): the step then fails with RECUR_E_IO. */
typedef int (*recur_allreduce_fn)(void *user, float *v, long n, double *d, int nd);

/* Make tr one of nranks processes (rank 0..nranks-1) that train one model
 * together, each on a disjoint share of every batch: rows
 * [rank·B/nranks, (rank+1)·B/nranks) of a batch of B (for text, those
 * streams or windows; for a data set, that slice of each shuffled batch —
 * the shuffle depends only on the seed and the epoch, so it is the same on
 * every process and the shares together are the one-process batch). After
 * each backward pass, sum(user, grads, nparams, stats, 3) adds up the
 * gradients and {loss, scored, correct} of the shares; the loss is
 * normalised by the whole batch's count, so the summed gradient is the
 * one-process gradient of batch B, clipped on its global norm, and every
 * process takes the same optimizer step. The state carried between text
 * windows is summed too (after each step), so every process holds all of
 * it and any one of them can save a checkpoint (the same file as one
 * process writes; it resumes on any number of processes). The parameters
 * must start identical (the same seed, or the same file). With dropout each
 * process draws its own masks (from the shared RNG and its rank), so runs
 * with dropout are reproducible for one nranks but differ between them.
 * Call between steps (after a resume, too); nranks = 1 and sum = NULL undo it. Not
 * available in the double-precision test build (RECUR_E_INVALID). */
RECUR_API int recur_trainer_set_shard(recur_trainer *tr, int rank, int nranks,
                                      recur_allreduce_fn sum, void *user);
/* Overlap (as PyTorch's DDP buckets do): begin(user, v, n) must start
 * summing v[0..n) over the processes without waiting for it (e.g.
 * MPI_Iallreduce); the next call of the shard's sum() must first complete
 * every begun sum. Then, in each sharded step, the gradients of the dense
 * layer and of each recurrent layer are handed to begin() as soon as
 * backward has finished them (top down), and sum() gets what is left (the
 * embedding, or nothing) with the stats. The same buckets on every process,
 * in the same order, so the calls match; the result is the same sum. NULL:
 * no overlap (one sum after backward). Call after recur_trainer_set_shard. */
typedef int (*recur_allreduce_begin_fn)(void *user, float *v, long n);
RECUR_API int recur_trainer_set_overlap(recur_trainer *tr, recur_allreduce_begin_fn begin);

typedef struct {
    double loss;       /* mean nats per token (XENT) or squared error (MSE) */
    double accuracy;   /* XENT only */
    long tokens;       /* what was scored: tokens, labels or values */
} recur_eval_stats;

/* ---- supervised data: classification, tagging, forecasting ---------------- */
/* A set of variable-length examples. Example i covers the steps
 * offsets[i] .. offsets[i+1]-1 (at least one) of the input arrays. In a
 * batch, shorter examples are padded to the longest and masked: padding
 * changes no output, loss or gradient (a bidirectional model's reverse
 * direction starts at each example's own last step). What is scored depends
 * on the model's readout and loss:
 *   readout LAST/MEAN (many to one): labels[count] (XENT) or
 *       targets[count][output_size] (MSE), one per example;
 *   readout SEQUENCE (many to many): labels[steps] (XENT; a negative label
 *       is not scored) or targets[steps][output_size] (MSE), one per step. */
typedef struct {
    long count;             /* examples */
    const long *offsets;    /* [count + 1], offsets[0] = 0, increasing */
    const int32_t *tokens;  /* [steps]: one-hot/embedding models */
    const float *x;         /* [steps][input_size]: dense-input models */
    const int32_t *labels;  /* XENT models */
    const float *targets;   /* MSE models */
} recur_dataset;

/* RECUR_OK if ds fits m (sizes, token and label ranges, finite values). */
RECUR_API int recur_dataset_check(const recur_model *m, const recur_dataset *ds);

/* A trainer over shuffled mini-batches of a data set (stateless: each
 * example starts from a zero state; full BPTT over it). tc->seq_len caps
 * the steps used of each example (longer ones keep their first seq_len);
 * tc->stateful is ignored. A batch's loss is the mean over what it scores.
 * ds and its arrays must outlive the trainer. The other trainer functions
 * (step, save, resume, ...) work as for text. */
RECUR_API int recur_trainer_create_dataset(recur_model *m, const recur_train_config *tc,
                                 const recur_dataset *ds, recur_trainer **out);

/* Mean loss (nats for XENT, squared error per value for MSE) and accuracy
 * (XENT) of m over ds in batches of B, without dropout. Examples longer
 * than max_len steps keep their first max_len (0: no cap). */
RECUR_API int recur_evaluate_dataset(const recur_model *m, const recur_dataset *ds, int B,
                           int max_len, recur_eval_stats *out);
/* Outputs of m for every example: [count][output_size] for LAST/MEAN
 * readouts, [steps][output_size] for SEQUENCE (logits for XENT models). */
RECUR_API int recur_predict_dataset(const recur_model *m, const recur_dataset *ds, int B,
                          int max_len, float *out);


/* Next-token loss over a token stream, read as B parallel streams of equal
 * length (n-1)/B, in windows of T with the state carried between windows,
 * so that each stream is scored with its whole context. The last
 * (n-1) mod B tokens are not scored; out->tokens says how many were.
 * Deterministic; no dropout. */
RECUR_API int recur_evaluate(const recur_model *m, const int32_t *tokens, long n, int T,
                   int B, recur_eval_stats *out);
/* The same over tokens held at 1, 2 or 4 bytes (the whole stream). */
RECUR_API int recur_evaluate_tokens(const recur_model *m, recur_token_array tokens, int T,
                                    int B, recur_eval_stats *out);

/* ---- gradient report (BPTT made visible) ------------------------------------ */
/* How the gradient of a loss fades (or holds) as it flows back in time. B
 * windows of T characters are taken from tokens[0..n) (window b starts at
 * b·(n−T−1)/B, so they spread over the text; n must be >= T+1); each is
 * scored only at its last step, by the cross-entropy of the character that
 * follows it, and one backward pass records ‖∂L/∂h_t‖ for every step t of
 * every layer (forward direction; for a stacked model the state of layer l
 * receives gradient from above and from the future). norms ([layers][T])
 * receives, for each distance k = 0..T-1 from the loss, the mean over the
 * windows of ‖∂L_b/∂h_{T-1-k}‖ (each window's own loss). The model must be a
 * unidirectional character model (token input, XENT over its vocabulary)
 * with readout SEQUENCE or LAST; it is only read (no dropout). */
RECUR_API int recur_grad_report(const recur_model *m, const int32_t *tokens, long n, int T,
                      int B, double *norms);

#endif /* RECUR_API_TRAIN_H */
