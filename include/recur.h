/* recur.h - the public API of librecur, recurrent neural networks in C.
 *
 * Conventions
 *   - Every function that can fail returns an int status: RECUR_OK (0) or a
 *     negative RECUR_E_* code. The message for the last failure on the calling
 *     thread is recur_last_error(). The library never prints, exits or aborts
 *     on bad input.
 *   - Objects are opaque; whoever creates one frees it with the matching
 *     *_free function (NULL is accepted and ignored).
 *   - Data is time-major: a sequence batch is [T][B][features], contiguous.
 *   - Weights follow PyTorch's nn.RNN / nn.LSTM / nn.GRU: gate order
 *     (LSTM i,f,g,o; GRU r,z,n), equations and state_dict tensor names, so a
 *     model trained there loads here and computes the same numbers.
 *   - Thread-safety: distinct objects may be used from distinct threads at
 *     once. A recur_model is only read by recur_state / recur_step /
 *     recur_forward, so one loaded model may serve many threads, each with
 *     its own recur_state. Training (recur_trainer) mutates its model and is
 *     single-threaded from the caller's side.
 *   - Threads inside: large matrix products and the recurrent time loops are
 *     split over recur_get_threads() threads of the library's own (by batch
 *     rows). OpenBLAS itself is set to one thread for the whole process on
 *     first use, since its spinning workers would compete with ours.
 */
#ifndef RECUR_H
#define RECUR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RECUR_VERSION_MAJOR 0
#define RECUR_VERSION_MINOR 1
#define RECUR_VERSION_PATCH 0
#define RECUR_VERSION_STRING "0.1.0"

/* ---- status codes ------------------------------------------------------ */
enum {
    RECUR_OK = 0,
    RECUR_E_NOMEM = -1,    /* an allocation failed */
    RECUR_E_IO = -2,       /* a file could not be read or written */
    RECUR_E_FORMAT = -3,   /* malformed input: file, text, number */
    RECUR_E_INVALID = -4,  /* an argument is out of range or inconsistent */
    RECUR_E_MISMATCH = -5, /* model and data (or two models) do not match */
    RECUR_E_LIMIT = -6,    /* a size exceeds a documented limit */
    RECUR_E_NUMERIC = -7   /* NaN or Inf appeared in a loss or gradient */
};

/* A short fixed description of a status code. Never NULL. */
const char *recur_strerror(int code);
/* The message of the last failure on the calling thread ("" if none). The
 * pointer stays valid until the next failing call on this thread. */
const char *recur_last_error(void);


/* ---- threads --------------------------------------------------------------- */
/* Threads the library uses inside one call (matrix products, time loops),
 * process-wide; the default is OpenBLAS's (OPENBLAS_NUM_THREADS, else the
 * number of cores). Returns the previous value. Results are bit-identical
 * for a given seed and thread count. */
int recur_set_threads(int n);
int recur_get_threads(void);

/* ---- limits -------------------------------------------------------------- */
#define RECUR_MAX_WIDTH 65536          /* any input, hidden or output size */
#define RECUR_MAX_VOCAB 65536          /* distinct characters of a corpus */
#define RECUR_MAX_WORK_BYTES 8.0e9     /* activations of one training window */
#define RECUR_MAX_TEXT_BYTES (1L << 30) /* a text file to train or evaluate on */
/* Parameters of one model: 1 GiB as float32, so that a training checkpoint
 * (with Adam's two moments) stays under the 4 GiB model-file limit. */
#define RECUR_MAX_PARAMS (1L << 28)

/* ---- model configuration -------------------------------------------------- */
typedef enum { RECUR_RNN_TANH, RECUR_RNN_RELU, RECUR_LSTM, RECUR_GRU } recur_cell;
typedef enum {
    RECUR_INPUT_ONEHOT,    /* token ids, one-hot of input_size (the vocabulary) */
    RECUR_INPUT_EMBEDDING, /* token ids through an embedding of embed_dim */
    RECUR_INPUT_DENSE      /* real feature vectors of input_size */
} recur_input;
typedef enum { RECUR_LOSS_XENT, RECUR_LOSS_MSE } recur_loss;
/* What the dense output layer reads (the network's "shape"):
 *   SEQUENCE: every step's top-layer output: many to many (aligned), e.g. a
 *             char language model or a tagger; outputs are [T][B][O];
 *   LAST:     each sequence's last state (for a bidirectional model the
 *             forward direction at its last valid step and the reverse
 *             direction at step 0): many to one; outputs are [B][O];
 *   MEAN:     the mean of the top-layer outputs over each sequence's valid
 *             steps: many to one; outputs are [B][O]. */
typedef enum { RECUR_READOUT_SEQUENCE, RECUR_READOUT_LAST, RECUR_READOUT_MEAN } recur_readout;

typedef struct {
    recur_cell cell;
    recur_input input;
    int input_size;    /* vocabulary size, or features per step */
    int embed_dim;     /* RECUR_INPUT_EMBEDDING only */
    int hidden;        /* units per direction */
    int layers;        /* stacked recurrent layers */
    int bidirectional; /* 0 or 1 */
    float dropout;     /* on each recurrent layer's output while training */
    int output_size;   /* dense outputs per step (vocabulary for a char LM);
                          0: no dense layer, the outputs are the top layer's
                          states (an encoder) */
    recur_loss loss;   /* softmax cross-entropy or mean squared error */
    recur_readout readout; /* SEQUENCE (the default), LAST or MEAN */
} recur_config;

/* A one-layer LSTM of 128 units over a one-hot vocabulary of 1, XENT. */
void recur_config_default(recur_config *c);
/* RECUR_OK or the first problem found, with a message. */
int recur_config_check(const recur_config *c);
/* "rnn_tanh", "rnn_relu", "lstm", "gru"; and back (-1 if unknown). */
const char *recur_cell_name(recur_cell c);
int recur_cell_parse(const char *name);
/* "sequence", "last", "mean"; and back (-1 if unknown). */
const char *recur_readout_name(recur_readout r);
int recur_readout_parse(const char *name);

/* ---- models ------------------------------------------------------------- */
typedef struct recur_model recur_model;

/* A new model with PyTorch's default initialisation drawn from seed. */
int recur_model_create(const recur_config *cfg, uint64_t seed, recur_model **out);
/* Re-initialise every parameter from seed: PYTORCH is PyTorch's default
 * (what recur_model_create uses); KERAS is Keras's: Glorot-uniform input
 * and dense kernels, orthogonal recurrent kernels, zero biases (LSTM forget
 * bias 1), embeddings U(-0.05, 0.05). */
typedef enum { RECUR_INIT_PYTORCH, RECUR_INIT_KERAS } recur_init;
int recur_model_init(recur_model *m, recur_init scheme, uint64_t seed);
/* Load a safetensors model (or checkpoint). Every header field, offset, shape
 * and dtype is validated before use; the file is untrusted input. */
int recur_model_load(const char *path, recur_model **out);
/* Write atomically (temporary file, fsync, rename): on failure any existing
 * file at path is left as it was. A successful save also removes the
 * temporary files of earlier writers to path that were killed mid-save. */
int recur_model_save(const recur_model *m, const char *path);
void recur_model_free(recur_model *m);

const recur_config *recur_model_config(const recur_model *m);
long recur_model_param_count(const recur_model *m);
/* Named parameter tensors in PyTorch state_dict order. shape has room for 2. */
int recur_model_tensor_count(const recur_model *m);
const char *recur_model_tensor(const recur_model *m, int i, int *ndim,
                               int64_t shape[2]);
/* Copy a named tensor's values out / in (n must equal its element count). */
int recur_model_get_tensor(const recur_model *m, const char *name, float *dst,
                           long n);
int recur_model_set_tensor(recur_model *m, const char *name, const float *src,
                           long n);

/* Character vocabulary of a text model: Unicode code points, index = token. */
int recur_model_set_vocab(recur_model *m, const uint32_t *codepoints, int n);
int recur_model_vocab(const recur_model *m, const uint32_t **codepoints);
/* Free-form string metadata stored in the model file (training settings). */
int recur_model_set_meta(recur_model *m, const char *key, const char *value);
const char *recur_model_meta(const recur_model *m, const char *key);
int recur_model_meta_count(const recur_model *m);
const char *recur_model_meta_at(const recur_model *m, int i, const char **value);

/* ---- text ----------------------------------------------------------------- */
typedef struct recur_text recur_text;

/* Read a UTF-8 text file (refusing binary, invalid UTF-8, empty files and
 * files over RECUR_MAX_TEXT_BYTES) and tokenise it by code point. With
 * vocab_of == NULL the vocabulary is the sorted set of its characters;
 * otherwise the model's vocabulary is used and a character outside it is
 * an error naming the character and its line. */
int recur_text_load(const char *path, const recur_model *vocab_of, recur_text **out);
int recur_text_from_string(const char *s, size_t len, const recur_model *vocab_of,
                           recur_text **out);
void recur_text_free(recur_text *t);
const int32_t *recur_text_tokens(const recur_text *t, long *n);
const uint32_t *recur_text_vocab(const recur_text *t, int *n);
/* Encode one code point as UTF-8 into buf (>= 5 bytes); returns bytes. */
int recur_utf8_encode(uint32_t cp, char *buf);

/* ---- streaming inference -------------------------------------------------- */
typedef struct recur_state recur_state;

/* Per-sequence state (hidden and cell states, scratch) for one batch-1
 * stream over a model. The model must outlive the state and stay unchanged.
 * Bidirectional models and MEAN readouts need whole sequences and are
 * refused (RECUR_E_INVALID); with a LAST readout each step's output is what
 * the model would say if the sequence ended there. */
int recur_state_create(const recur_model *m, recur_state **out);
void recur_state_reset(recur_state *s);
void recur_state_free(recur_state *s);
/* One time step: token for one-hot/embedding models (x is then ignored),
 * x[input_size] for dense-input models. y receives output_size values
 * (logits for XENT models). Bidirectional models cannot stream. */
int recur_step(recur_state *s, int32_t token, const float *x, float *y);

/* Whole-sequence inference from a zero state: T steps of B sequences at
 * once (bidirectional models included). tokens is [T][B] for one-hot and
 * embedding models (x unused), x is [T][B][input_size] for dense-input
 * models (tokens unused); y receives [T][B][output_size] (logits for XENT
 * models), or [B][output_size] for a LAST/MEAN readout; a model without a
 * dense layer (output_size 0) gives its top layer's [T][B][D·hidden]
 * states (or their [B][D·hidden] readout). Allocates its buffers per call;
 * for a stream, use recur_step; for sequences of different lengths,
 * recur_predict_dataset. */
int recur_forward(const recur_model *m, int T, int B, const int32_t *tokens,
                  const float *x, float *y);

/* ---- sampling text -------------------------------------------------------- */
typedef struct {
    float temperature; /* > 0; 1 = the model's distribution */
    int top_k;         /* 0 = all characters */
    int greedy;        /* 1 = always the most likely character */
    uint64_t seed;
    int window;        /* 0 = the state carries the whole text so far; W > 0:
                          each next character is predicted from only the last
                          W characters, read from a zero state (a model
                          trained on windows: `recur train --window W`, its
                          "train.window" metadata) */
} recur_sample_config;

/* Feed prime (UTF-8, may be empty) and generate `length` characters, calling
 * emit(utf8, bytes, user) for each one. The output is a deterministic
 * function of model, prime and config. With a window, a prime shorter than
 * the window is read as it is (fewer steps). */
int recur_sample(const recur_model *m, const char *prime,
                 const recur_sample_config *sc, long length,
                 void (*emit)(const char *utf8, int bytes, void *user), void *user);

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
void recur_train_config_default(recur_train_config *tc);
const char *recur_optimizer_name(recur_optimizer o);
int recur_optimizer_parse(const char *name);

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
int recur_trainer_create(recur_model *m, const recur_train_config *tc,
                         const int32_t *tokens, long n, recur_trainer **out);
void recur_trainer_free(recur_trainer *tr);
/* One optimisation step on the next window; advances the position and the
 * epoch. Fails with RECUR_E_NUMERIC (parameters left as before the step) if
 * the loss or a gradient is NaN or Inf. */
int recur_trainer_step(recur_trainer *tr, recur_batch_stats *st);
long recur_trainer_steps_per_epoch(const recur_trainer *tr);
long recur_trainer_step_count(const recur_trainer *tr);  /* steps taken */
int recur_trainer_epoch(const recur_trainer *tr);        /* 0-based */
/* Save a checkpoint (model + optimizer + position + RNG) atomically, and
 * restore one into a trainer created with the same model shape, data size
 * and settings, so that training continues bit-identically. */
int recur_trainer_save(const recur_trainer *tr, const char *path);
int recur_trainer_resume(recur_trainer *tr, const char *path);

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
int recur_dataset_check(const recur_model *m, const recur_dataset *ds);

/* A trainer over shuffled mini-batches of a data set (stateless: each
 * example starts from a zero state; full BPTT over it). tc->seq_len caps
 * the steps used of each example (longer ones keep their first seq_len);
 * tc->stateful is ignored. A batch's loss is the mean over what it scores.
 * ds and its arrays must outlive the trainer. The other trainer functions
 * (step, save, resume, ...) work as for text. */
int recur_trainer_create_dataset(recur_model *m, const recur_train_config *tc,
                                 const recur_dataset *ds, recur_trainer **out);

/* Mean loss (nats for XENT, squared error per value for MSE) and accuracy
 * (XENT) of m over ds in batches of B, without dropout. Examples longer
 * than max_len steps keep their first max_len (0: no cap). */
int recur_evaluate_dataset(const recur_model *m, const recur_dataset *ds, int B,
                           int max_len, recur_eval_stats *out);
/* Outputs of m for every example: [count][output_size] for LAST/MEAN
 * readouts, [steps][output_size] for SEQUENCE (logits for XENT models). */
int recur_predict_dataset(const recur_model *m, const recur_dataset *ds, int B,
                          int max_len, float *out);


/* Next-token loss over a token stream, read as B parallel streams of equal
 * length (n-1)/B, in windows of T with the state carried between windows,
 * so that each stream is scored with its whole context. The last
 * (n-1) mod B tokens are not scored; out->tokens says how many were.
 * Deterministic; no dropout. */
int recur_evaluate(const recur_model *m, const int32_t *tokens, long n, int T,
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
int recur_grad_report(const recur_model *m, const int32_t *tokens, long n, int T,
                      int B, double *norms);
/* ---- time series (forecasting) -------------------------------------------- */
/* A CSV time series: a header line naming the columns, then one row per
 * time step, fields separated by commas (optionally "quoted", with ""
 * for a quote; CRLF line ends and a UTF-8 BOM are accepted). The first
 * column is the time label (any text; a one-column file has none and its
 * rows are numbered); the value column is chosen by name, by 1-based
 * index ("3"), or (column NULL or "") it is the last column, other than
 * the time, whose first data row holds a number. Values are plain decimal
 * numbers. Strict: a missing or non-numeric value, NaN/Inf, a row with
 * the wrong number of fields, a blank line inside the data, a control
 * character, a NUL byte, fewer than RECUR_MIN_SERIES_ROWS rows or a size
 * over the limits below is an error (RECUR_E_FORMAT, RECUR_E_LIMIT,
 * RECUR_E_INVALID for an unknown column) with a one-line message naming
 * the file, the line and the column. */
#define RECUR_MAX_SERIES_BYTES (256L << 20) /* a CSV file */
#define RECUR_MAX_SERIES_ROWS 10000000L     /* data rows */
#define RECUR_MAX_SERIES_COLUMNS 1024       /* fields per line */
#define RECUR_MAX_SERIES_FIELD 256          /* bytes in one field */
#define RECUR_MAX_SERIES_VALUE 1e30         /* largest magnitude of a value */
#define RECUR_MIN_SERIES_ROWS 2

typedef struct recur_series recur_series;

int recur_series_load(const char *path, const char *column, recur_series **out);
/* The same from a buffer of len bytes (need not be NUL-terminated); messages
 * name it "series". */
int recur_series_from_memory(const char *data, size_t len, const char *column,
                             recur_series **out);
void recur_series_free(recur_series *s);
long recur_series_length(const recur_series *s);
const double *recur_series_values(const recur_series *s);   /* [length] */
const char *recur_series_time(const recur_series *s, long i); /* row i's label */
const char *recur_series_time_name(const recur_series *s);   /* header names */
const char *recur_series_value_name(const recur_series *s);
int recur_series_value_column(const recur_series *s);        /* 1-based */
/* Steps per year read off the time labels when every label is one step
 * after the previous: "YYYY-MM" monthly 12, "YYYY-Qn" quarterly 4, an
 * integer (a year) 1; otherwise 0 (unknown). */
int recur_series_period(const recur_series *s);
/* Row i's position on the calendar when the period is known (months,
 * quarters or years since year 0), else i itself; -1 if i is outside. */
long recur_series_time_index(const recur_series *s, long i);
/* The time label k >= 1 steps after the last row ("1961-01", "2009"; "+k"
 * when the labels follow no known calendar). */
int recur_series_time_after(const recur_series *s, long k, char *buf, size_t size);

/* Scaling fitted on one part of a series (the training part) and applied to
 * any value: scaled = (v - offset) / scale. MINMAX maps the fitted values to
 * [0, 1] (others may land outside it), ZSCORE to mean 0 and deviation 1,
 * NONE is the identity. A constant part keeps scale 1. */
typedef enum { RECUR_SCALE_MINMAX, RECUR_SCALE_ZSCORE, RECUR_SCALE_NONE } recur_scale_kind;
typedef struct {
    recur_scale_kind kind;
    double offset, scale;
} recur_scaler;
const char *recur_scale_name(recur_scale_kind k); /* "minmax", "zscore", "none" */
int recur_scale_parse(const char *name);          /* and back; -1 if unknown */
int recur_scaler_fit(recur_scaler *sc, recur_scale_kind kind, const double *v, long n);
double recur_scaler_apply(const recur_scaler *sc, double v);
double recur_scaler_invert(const recur_scaler *sc, double scaled);
/* ---- labelled text: TSV files for sequence classification ----------------- */
/* A labelled-text file has one example per line: LABEL, a TAB, then TEXT
 * (everything after the first tab, further tabs included). Lines end in
 * "\n" (a "\r" before it is dropped); completely empty lines are skipped.
 * The label is 1..RECUR_TSV_MAX_LABEL_BYTES bytes without control
 * characters; the text must not be empty. The whole input must be UTF-8
 * without NUL bytes, at most RECUR_MAX_TEXT_BYTES, each line at most
 * RECUR_TSV_MAX_LINE_BYTES. Any problem is RECUR_E_FORMAT (or _LIMIT) with a
 * message naming the line. Flags:
 *   RECUR_TSV_ESCAPES   decode the escapes \n (newline), \t (tab) and \\
 *                       (backslash) in the text; any other backslash
 *                       sequence is an error;
 *   RECUR_TSV_HEADER    the first line is a header and is skipped;
 *   RECUR_TSV_UNLABELLED each line is a text alone (no label; tabs are part
 *                       of the text): input to predict on. */
#define RECUR_TSV_MAX_LINE_BYTES (1L << 18)
#define RECUR_TSV_MAX_LABEL_BYTES 256
/* Characters outside a classifier's vocabulary read as this one (U+FFFD,
 * the replacement character), which every classifier vocabulary holds. */
#define RECUR_UNKNOWN_CHAR 0xFFFDu
enum { RECUR_TSV_ESCAPES = 1, RECUR_TSV_HEADER = 2, RECUR_TSV_UNLABELLED = 4 };

typedef struct recur_tsv recur_tsv;

/* Read a file (its size is checked before reading it) or a buffer; name is
 * what messages call the buffer ("stdin", a file name). */
int recur_tsv_load(const char *path, int flags, recur_tsv **out);
int recur_tsv_from_memory(const char *data, size_t len, const char *name, int flags,
                          recur_tsv **out);
void recur_tsv_free(recur_tsv *t);
long recur_tsv_count(const recur_tsv *t);
/* Example i: its label ("" when unlabelled), its text as code points, and
 * the line of the input it came from (1-based). */
const char *recur_tsv_label(const recur_tsv *t, long i);
const uint32_t *recur_tsv_text(const recur_tsv *t, long i, long *len);
long recur_tsv_line(const recur_tsv *t, long i);

/* A deterministic split into test and training examples: with stratified,
 * each label's examples are shuffled (from seed) and round(fraction * n) of
 * them, at most n - 1, are held out; otherwise round(fraction * count) of
 * all examples. train and test receive ascending example indices (room for
 * recur_tsv_count each); the counts go to *ntrain, *ntest. */
int recur_tsv_split(const recur_tsv *t, double fraction, uint64_t seed, int stratified,
                    long *train, long *ntrain, long *test, long *ntest);

/* The vocabularies of a classifier built from examples idx[0..n) (all when
 * idx is NULL): the sorted distinct labels (*classes, *nclasses) and the
 * sorted characters seen at least min_count times, plus RECUR_UNKNOWN_CHAR
 * (*chars, *nchars). Free with recur_tsv_vocab_free. */
int recur_tsv_vocab(const recur_tsv *t, const long *idx, long n, int min_count,
                    char ***classes, int *nclasses, uint32_t **chars, int *nchars);
void recur_tsv_vocab_free(char **classes, int nclasses, uint32_t *chars);

/* A classifier's class names, kept in its metadata ("classes", the names
 * joined by tabs) so that predictions map back to names. n must equal the
 * model's output size. recur_model_classes gives a copy (free it with
 * recur_tsv_vocab_free(names, n, NULL)); RECUR_E_MISMATCH if the model has
 * none or they do not fit its outputs. */
int recur_model_set_classes(recur_model *m, const char *const *names, int n);
int recur_model_classes(const recur_model *m, char ***names, int *n);

/* Examples idx[0..n) (all when idx is NULL) as a data set for classifier m:
 * characters through m's vocabulary (unknown ones as RECUR_UNKNOWN_CHAR,
 * counted in *unknown if not NULL), labels through m's classes (a label
 * that is not one is RECUR_E_MISMATCH naming its line; unlabelled examples
 * get label 0); at most max_len characters of each text (0: all). The
 * arrays belong to ds; free them with recur_tsv_dataset_free. */
int recur_tsv_dataset(const recur_tsv *t, const long *idx, long n, const recur_model *m,
                      int max_len, recur_dataset *ds, long *unknown);
void recur_tsv_dataset_free(recur_dataset *ds);
/* ---- sequence to sequence ------------------------------------------------ */
/* An encoder-decoder of two recurrent models (many to many, unaligned; and
 * one to many, with a one-token source):
 *   encoder: source tokens (one-hot, or an embedding of embed_dim) through
 *            `layers` layers of `hidden` units, optionally bidirectional;
 *            no dense layer;
 *   decoder: target tokens (same input kind) through `layers` unidirectional
 *            layers of hidden × directions units, a dense layer over the
 *            target vocabulary, softmax cross-entropy. Its initial state (h0,
 *            and c0 for LSTM) of layer l is the encoder's final state of
 *            layer l, forward and reverse halves concatenated.
 * Target vocabularies include a begin (bos) and an end (eos) token: the
 * decoder reads [bos, y1 .. yn] and is trained to emit [y1 .. yn, eos]
 * (teacher forcing: it is fed the previous target token, not its own
 * prediction). Token vocabularies may carry names (UTF-8 strings, e.g.
 * characters or phonemes), stored with the model. */
typedef struct recur_seq2seq recur_seq2seq;

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
} recur_seq2seq_config;

int recur_seq2seq_create(const recur_seq2seq_config *c, uint64_t seed,
                         recur_seq2seq **out);
void recur_seq2seq_free(recur_seq2seq *s);
const recur_seq2seq_config *recur_seq2seq_get_config(const recur_seq2seq *s);
/* The two halves (owned by s): for tensors, metadata and parameter counts. */
recur_model *recur_seq2seq_encoder(recur_seq2seq *s);
recur_model *recur_seq2seq_decoder(recur_seq2seq *s);
long recur_seq2seq_param_count(const recur_seq2seq *s);
/* Re-initialise both halves (see recur_model_init). */
int recur_seq2seq_init(recur_seq2seq *s, recur_init scheme, uint64_t seed);

/* Token names: side 0 = source, 1 = target; n must equal that vocabulary's
 * size; names are non-empty UTF-8 without newlines, all distinct. */
int recur_seq2seq_set_vocab(recur_seq2seq *s, int side, const char *const *names, int n);
/* Names of a side (NULL if none were set); *n receives the count. */
const char *const *recur_seq2seq_vocab(const recur_seq2seq *s, int side, int *n);
int recur_seq2seq_set_meta(recur_seq2seq *s, const char *key, const char *value);
const char *recur_seq2seq_meta(const recur_seq2seq *s, const char *key);

/* One safetensors file: the encoder's tensors and configuration under
 * "encoder.", the decoder's under "decoder.", and the bos/eos ids, the
 * vocabularies and free metadata. Loading validates all of it as strictly
 * as recur_model_load and refuses unknown tensors. Saving is atomic. */
int recur_seq2seq_save(const recur_seq2seq *s, const char *path);
int recur_seq2seq_load(const char *path, recur_seq2seq **out);

/* Parallel examples: example i has source tokens src[src_offsets[i] ..
 * src_offsets[i+1]) (at least one) and target tokens tgt[tgt_offsets[i] ..
 * tgt_offsets[i+1]) (possibly none), the target without bos and eos. */
typedef struct {
    long count;
    const long *src_offsets; /* [count + 1], from 0, increasing */
    const int32_t *src;
    const long *tgt_offsets; /* [count + 1], from 0, non-decreasing */
    const int32_t *tgt;
} recur_seq2seq_data;

/* RECUR_OK if d fits s (offsets, token ranges; targets hold no bos/eos). */
int recur_seq2seq_data_check(const recur_seq2seq *s, const recur_seq2seq_data *d);

/* Teacher-forced training on shuffled mini-batches of tc->batch examples,
 * padded and masked on both sides; the loss is the mean cross-entropy per
 * target token (eos included). One optimizer (tc) updates both halves; the
 * gradient norm for clipping is taken over both. tc->seq_len and
 * tc->stateful are not used. d and its arrays must outlive the trainer. */
typedef struct recur_seq2seq_trainer recur_seq2seq_trainer;
int recur_seq2seq_trainer_create(recur_seq2seq *s, const recur_train_config *tc,
                                 const recur_seq2seq_data *d,
                                 recur_seq2seq_trainer **out);
void recur_seq2seq_trainer_free(recur_seq2seq_trainer *tr);
/* One step; RECUR_E_NUMERIC (parameters left as before) on NaN/Inf. */
int recur_seq2seq_trainer_step(recur_seq2seq_trainer *tr, recur_batch_stats *st);
long recur_seq2seq_trainer_steps_per_epoch(const recur_seq2seq_trainer *tr);
long recur_seq2seq_trainer_step_count(const recur_seq2seq_trainer *tr);
int recur_seq2seq_trainer_epoch(const recur_seq2seq_trainer *tr);
/* A checkpoint: the model file plus optimizer state and position (atomic);
 * resume restores it into a trainer of the same model shape, data size and
 * settings, and training continues bit-identically. */
int recur_seq2seq_trainer_save(const recur_seq2seq_trainer *tr, const char *path);
int recur_seq2seq_trainer_resume(recur_seq2seq_trainer *tr, const char *path);

/* Teacher-forced mean loss (nats per target token, eos included) and
 * next-token accuracy over d, in batches of B, without dropout. */
int recur_seq2seq_evaluate(const recur_seq2seq *s, const recur_seq2seq_data *d,
                           int B, recur_eval_stats *out);

typedef struct {
    int beam;          /* 0: greedy; k >= 1: beam search of width k, hypotheses
                          ranked by log-probability / (tokens incl. eos) */
    int max_len;       /* most target tokens generated (eos excluded) */
    int sample;        /* 1: draw each token from softmax(logits / temperature)
                          instead (beam is then ignored) */
    float temperature; /* > 0, sampling only */
    uint64_t seed;     /* sampling only */
} recur_seq2seq_decode_config;

/* Greedy, beam 0, max_len 100, temperature 1, seed 1. */
void recur_seq2seq_decode_config_default(recur_seq2seq_decode_config *dc);
/* Decode one source sequence src[0..n) (n >= 1): the target tokens (without
 * bos/eos) go to out (room for dc->max_len), their count to *out_len and,
 * when score is non-NULL, the hypothesis's summed log-probability (eos
 * included when it was reached) to *score. Deterministic. */
int recur_seq2seq_decode(const recur_seq2seq *s, const int32_t *src, int n,
                         const recur_seq2seq_decode_config *dc, int32_t *out,
                         int *out_len, double *score);

#ifdef __cplusplus
}
#endif
#endif
