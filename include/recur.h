/* recur.h - the public API of librecur, recurrent neural networks in C.
 *
 * Conventions
 *   - Every function that can fail returns an int status: RECUR_OK (0) or a
 *     negative RECUR_E_* code. The message for the last failure on the calling
 *     thread is recur_last_error(). The library never prints, exits or aborts
 *     on bad input; the functions declared here refuse a NULL where an
 *     object or a buffer is needed with RECUR_E_INVALID (those that return a
 *     pointer return NULL, recur_state_size 0, the parse functions -1).
 *   - Objects are opaque; whoever creates one frees it with the matching
 *     *_free function (NULL is accepted and ignored).
 *   - Names: recur_<object>_<verb> acts on an object (recur_model_save,
 *     recur_state_step, recur_trainer_step). A property that can be written
 *     is read with recur_<object>_get_<noun> and written with
 *     recur_<object>_set_<noun> (config, vocab, meta, classes, tensor); a
 *     getter returns a pointer owned by the object, or a status when it
 *     copies into caller memory, and counts come back through an int *n.
 *     Lists are read as recur_<object>_<noun>_count and _<noun>_at(i).
 *   - Data is time-major: a sequence batch is [T][B][features], contiguous.
 *   - Weights follow PyTorch's nn.RNN / nn.LSTM / nn.GRU: gate order
 *     (LSTM i,f,g,o; GRU r,z,n), equations and state_dict tensor names, so a
 *     model trained there loads here and computes the same numbers.
 *   - Thread-safety: distinct objects may be used from distinct threads at
 *     once. A recur_model is only read by recur_state / recur_state_step /
 *     recur_forward, so one loaded model may serve many threads, each with
 *     its own recur_state. Training (recur_trainer) mutates its model and is
 *     single-threaded from the caller's side.
 *   - Threads inside: large matrix products and the recurrent time loops are
 *     split over recur_get_threads() threads of the library's own (by batch
 *     rows), kept between calls: after a call they watch for the next one
 *     for 1 ms (yielding the core), then sleep; they block the program's
 *     signals and are joined at exit. OpenBLAS itself is set to one thread
 *     for the whole process on first use, since its spinning workers would
 *     compete with ours.
 */
#ifndef RECUR_H
#define RECUR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RECUR_VERSION_MAJOR 0
#define RECUR_VERSION_MINOR 2
#define RECUR_VERSION_PATCH 0
#define RECUR_VERSION_STRING "0.2.0"

/* RECUR_API marks the public functions: the only symbols the shared library
 * exports (it is built with -fvisibility=hidden). Internal functions carry
 * the recur__ prefix, so they cannot collide with a program's own symbols
 * in the static library either. */
#if defined(_WIN32) && defined(RECUR_BUILD_DLL)
#define RECUR_API __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define RECUR_API __attribute__((visibility("default")))
#else
#define RECUR_API
#endif

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
RECUR_API const char *recur_strerror(int code);
/* The message of the last failure on the calling thread ("" if none). The
 * pointer stays valid until the next failing call on this thread. */
RECUR_API const char *recur_last_error(void);


/* ---- threads --------------------------------------------------------------- */
/* Threads the library uses inside one call (matrix products, time loops),
 * process-wide; the default is OpenBLAS's (OPENBLAS_NUM_THREADS, else the
 * number of cores). Returns the previous value. Results are bit-identical
 * for a given seed and thread count. */
RECUR_API int recur_set_threads(int n);
RECUR_API int recur_get_threads(void);

/* ---- limits -------------------------------------------------------------- */
#define RECUR_MAX_WIDTH 65536          /* any input, hidden or output size */
#define RECUR_MAX_VOCAB 65536          /* distinct characters of a corpus */
#define RECUR_MAX_WORK_BYTES 8.0e9     /* activations of one training window */
#define RECUR_MAX_TEXT_BYTES (1L << 30) /* a file read whole: labelled texts, pairs */
/* A corpus (recur_text_load): read in chunks and held at 1 or 2 bytes per
 * character, so the limit is memory, not the format; 1 TiB. */
#define RECUR_MAX_CORPUS_BYTES (1L << 40)
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
 *             direction at step 0; for a reverse model the state at
 *             step 0): many to one; outputs are [B][O];
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
    int proj;          /* LSTM only: PyTorch's proj_size, 1..hidden-1, or 0
                          (none). Each layer's output (and recurrent state)
                          is then h = W_hr·(o ⊙ tanh(c)) of proj units, the
                          cell state c keeps hidden units; so the next layer,
                          the dense layer and encoder outputs see proj
                          (2·proj bidirectional) values per step, W_hh is
                          [4·hidden × proj], and weight_hr_l{k}[_reverse] is
                          [proj × hidden] */
    int reverse;       /* 0 or 1: with bidirectional 0, every layer reads its
                          sequence from the last (valid) step to the first,
                          as ONNX's direction="reverse" (Keras go_backwards);
                          y_t is then the state after reading steps T-1..t,
                          the LAST readout is the state after step 0, and
                          the model cannot stream (recur_state_create
                          refuses it). Tensor names are unchanged. */
} recur_config;

/* A one-layer LSTM of 128 units over a one-hot vocabulary of 1, XENT. */
RECUR_API void recur_config_default(recur_config *c);
/* RECUR_OK or the first problem found, with a message. */
RECUR_API int recur_config_check(const recur_config *c);
/* "rnn_tanh", "rnn_relu", "lstm", "gru"; and back (-1 if unknown). */
RECUR_API const char *recur_cell_name(recur_cell c);
RECUR_API int recur_cell_parse(const char *name);
/* "sequence", "last", "mean"; and back (-1 if unknown). */
RECUR_API const char *recur_readout_name(recur_readout r);
RECUR_API int recur_readout_parse(const char *name);

/* ---- models ------------------------------------------------------------- */
typedef struct recur_model recur_model;

/* A new model with PyTorch's default initialisation drawn from seed. */
RECUR_API int recur_model_create(const recur_config *cfg, uint64_t seed, recur_model **out);
/* Re-initialise every parameter from seed: PYTORCH is PyTorch's default
 * (what recur_model_create uses); KERAS is Keras's: Glorot-uniform input
 * and dense kernels, orthogonal recurrent kernels, zero biases (LSTM forget
 * bias 1), embeddings U(-0.05, 0.05). */
typedef enum { RECUR_INIT_PYTORCH, RECUR_INIT_KERAS } recur_init;
RECUR_API int recur_model_init(recur_model *m, recur_init scheme, uint64_t seed);
/* Load a safetensors model (or checkpoint): recur's own, or a PyTorch
 * state_dict as it is (model_infer.c). Every header field, offset, shape
 * and dtype is validated before use; the file is untrusted input. An ONNX
 * file (told apart by its first bytes: safetensors starts with a length and
 * '{', ONNX with the ir_version field's tag) is read by recur_onnx_import
 * (recur/onnx.h). */
RECUR_API int recur_model_load(const char *path, recur_model **out);
/* Write atomically (temporary file, fsync, rename): on failure any existing
 * file at path is left as it was. A successful save also removes the
 * temporary files of earlier writers to path that were killed mid-save. */
RECUR_API int recur_model_save(const recur_model *m, const char *path);
RECUR_API void recur_model_free(recur_model *m);

RECUR_API const recur_config *recur_model_get_config(const recur_model *m);
RECUR_API long recur_model_param_count(const recur_model *m);
/* Named parameter tensors in PyTorch state_dict order. shape has room for 2. */
RECUR_API int recur_model_tensor_count(const recur_model *m);
RECUR_API const char *recur_model_tensor_at(const recur_model *m, int i, int *ndim,
                               int64_t shape[2]);
/* Copy a named tensor's values out / in (n must equal its element count). */
RECUR_API int recur_model_get_tensor(const recur_model *m, const char *name, float *dst,
                           long n);
RECUR_API int recur_model_set_tensor(recur_model *m, const char *name, const float *src,
                           long n);

/* Character vocabulary of a text model: Unicode code points, index = token.
 * get_vocab returns the model's own array (NULL, *n = 0, when it has none). */
RECUR_API int recur_model_set_vocab(recur_model *m, const uint32_t *codepoints, int n);
RECUR_API const uint32_t *recur_model_get_vocab(const recur_model *m, int *n);
/* Free-form string metadata stored in the model file (training settings). */
RECUR_API int recur_model_set_meta(recur_model *m, const char *key, const char *value);
RECUR_API const char *recur_model_get_meta(const recur_model *m, const char *key);
RECUR_API int recur_model_meta_count(const recur_model *m);
RECUR_API const char *recur_model_meta_at(const recur_model *m, int i, const char **value);

/* ---- text ----------------------------------------------------------------- */
typedef struct recur_text recur_text;

/* Read a UTF-8 text file (refusing binary, invalid UTF-8, empty files and
 * files over RECUR_MAX_CORPUS_BYTES) and tokenise it by code point. With
 * vocab_of == NULL the vocabulary is the sorted set of its characters;
 * otherwise the model's vocabulary is used and a character outside it is
 * an error naming the character and its line. The file is read in chunks
 * (never whole) and the tokens kept at the narrowest width: 1 byte per
 * character for a vocabulary of up to 256, else 2. */
RECUR_API int recur_text_load(const char *path, const recur_model *vocab_of, recur_text **out);
RECUR_API int recur_text_from_string(const char *s, size_t len, const recur_model *vocab_of,
                           recur_text **out);
RECUR_API void recur_text_free(recur_text *t);
/* The same, keeping only the tokens of characters [first, first + count)
 * (clipped to the text): the vocabulary and every check still cover the
 * whole file, which is read twice but never held. For a data-parallel
 * process that trains on its own streams (recur_trainer_set_shard). */
RECUR_API int recur_text_load_part(const char *path, const recur_model *vocab_of,
                                   long first, long count, recur_text **out);
/* Characters in the whole text (also of a part). */
RECUR_API long recur_text_length(const recur_text *t);
/* A token stream of n tokens at its narrowest width, of which ids holds
 * tokens first .. first + held - 1 (a whole stream: first 0, held n):
 * token first + i is ((const uint8_t *)ids)[i] (width 1), ((const uint16_t
 * *)ids)[i] (width 2) or ((const int32_t *)ids)[i] (width 4). */
typedef struct {
    const void *ids;
    int width;
    long n;
    long first, held;
} recur_token_array;
/* The text's tokens as they are held (valid until recur_text_free). */
RECUR_API recur_token_array recur_text_token_array(const recur_text *t);
/* The tokens held as 4-byte ids (*n of them: of a part, only those): a
 * copy made on the first call (4 bytes per character more; NULL and *n = 0
 * when out of memory). */
RECUR_API const int32_t *recur_text_tokens(const recur_text *t, long *n);
RECUR_API const uint32_t *recur_text_vocab(const recur_text *t, int *n);
/* Encode one code point as UTF-8 into buf (>= 5 bytes); returns bytes. */
RECUR_API int recur_utf8_encode(uint32_t cp, char *buf);

/* ---- streaming inference -------------------------------------------------- */
typedef struct recur_state recur_state;

/* Per-sequence state (hidden and cell states, scratch) for one batch-1
 * stream over a model. The model must outlive the state and stay unchanged.
 * Bidirectional and reverse models and MEAN readouts need whole sequences
 * and are refused (RECUR_E_INVALID); with a LAST readout each step's output
 * is what the model would say if the sequence ended there. */
RECUR_API int recur_state_create(const recur_model *m, recur_state **out);
RECUR_API void recur_state_reset(recur_state *s);
RECUR_API void recur_state_free(recur_state *s);
/* One time step: token for one-hot/embedding models (x is then ignored),
 * x[input_size] for dense-input models. y receives output_size values
 * (logits for XENT models), or, for a model without a dense layer
 * (output_size 0, an encoder), the top layer's state: hidden values (proj
 * with an LSTM projection), as recur_forward gives. Bidirectional models
 * cannot stream. */
RECUR_API int recur_state_step(recur_state *s, int32_t token, const float *x, float *y);

/* Real-time guarantees of recur_state_step (audio callbacks, control loops):
 *   - no allocation, no system call and no I/O: every buffer is allocated
 *     by recur_state_create (tests/test_stream.c counts allocations);
 *   - a fixed amount of work per step, whatever the input values: no
 *     data-dependent branch except the activations' clamps, and no denormal
 *     state: every state the step stores below FLT_MIN in magnitude is set
 *     to 0 (in software, as the generated C does; so are the inputs and the
 *     packed layer weights, and the activations saturate at normal
 *     values), so a silent input after a loud one costs no more (tested in
 *     tests/test_state_keep.c, timed by bench/export_step.c); the caller's
 *     floating-point mode is neither read nor changed;
 *   - no locks on the calling thread for models under 8 M multiply-adds
 *     per step; larger ones split a step with a helper thread (a mutex and
 *     condition variables): call recur_set_threads(1) before
 *     recur_state_create for a lock-free step of any size;
 *   - the int8 stream (recur_state_create_quantized) is always single-
 *     threaded and lock-free. */

/* Keeping a stream: the state's bytes (hidden and cell states, with a
 * 16-byte header naming the cell kind, layers and hidden size) to store,
 * send, or restore later, in this or another process, on this or another
 * machine of the same byte order. A stream saved after step t and loaded
 * into a fresh state of the same model continues bit-identically (tested).
 * recur_state_size gives the bytes (16 + 4·L·H, twice the states for an
 * LSTM; 16 + 4·L·(proj + H) for an LSTM with a projection); save writes them into buf (n >= that size, else RECUR_E_INVALID);
 * load checks the header against the state's model (RECUR_E_MISMATCH) and
 * n (RECUR_E_INVALID) before changing anything. After the header come the
 * floats h[L][H] (h[L][proj] with a projection) then, for an LSTM, c[L][H]:
 * the layout of the state struct
 * of recur_export_c's generated C, so a stream may move between the
 * library and a microcontroller. */
RECUR_API size_t recur_state_size(const recur_state *s);
RECUR_API int recur_state_save(const recur_state *s, void *buf, size_t n);
RECUR_API int recur_state_load(recur_state *s, const void *buf, size_t n);

/* Whole-sequence inference from a zero state: T steps of B sequences at
 * once (bidirectional models included). tokens is [T][B] for one-hot and
 * embedding models (x unused), x is [T][B][input_size] for dense-input
 * models (tokens unused); y receives [T][B][output_size] (logits for XENT
 * models), or [B][output_size] for a LAST/MEAN readout; a model without a
 * dense layer (output_size 0) gives its top layer's [T][B][D·hidden]
 * states (or their [B][D·hidden] readout). Allocates its buffers per call;
 * for a stream, use recur_state_step; for sequences of different lengths,
 * recur_predict_dataset. */
RECUR_API int recur_forward(const recur_model *m, int T, int B, const int32_t *tokens,
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
RECUR_API int recur_sample(const recur_model *m, const char *prime,
                 const recur_sample_config *sc, long length,
                 void (*emit)(const char *utf8, int bytes, void *user), void *user);

/* The rest of the API, one part per concern. */
#include "recur/train.h"
#include "recur/series.h"
#include "recur/forecast.h"
#include "recur/bpe.h"
#include "recur/tsv.h"
#include "recur/tag.h"
#include "recur/seq2seq.h"
#include "recur/export.h"
#include "recur/onnx.h"

#ifdef __cplusplus
}
#endif
#endif
