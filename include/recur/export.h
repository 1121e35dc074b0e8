/* recur/export.h - deployment: a model as dependency-free C source for a
 * microcontroller or any C program, and int8 weights for streaming.
 * Part of the public API: include <recur.h>, which includes this file. */
#ifndef RECUR_API_EXPORT_H
#define RECUR_API_EXPORT_H

#ifndef RECUR_H
#error "include <recur.h>; recur/export.h is one of its parts"
#endif

/* ---- weight quantization ------------------------------------------------- */
/* RECUR_QUANT_INT8: every weight matrix (W_ih, W_hh, the dense layer's
 * weights, the embedding table) is stored as int8 with one float scale per
 * output row (per token for the embedding), symmetric: scale = max|row|/127,
 * q = round(w/scale) in -127..127. Biases, states and every activation stay
 * float, and each product is accumulated in float: W·v = scale·Σ q_k·v_k.
 * A weight is off by at most scale/2, so one row's product by at most
 * (max|row| / 254)·‖v‖₁. tests/test_state_keep.c bounds the effect on
 * whole streams of random models (64 steps, every cell and input kind,
 * 2 layers of 8 and 64 units): every int8 output within
 * 0.02·max(1, |float output|) of the float model's (0.0036 measured). */
typedef enum { RECUR_QUANT_NONE = 0, RECUR_QUANT_INT8 = 1 } recur_quant;

/* A stream over m (as recur_state_create) whose recur_state_step runs on int8
 * weights: a quarter of the float weights' memory. RECUR_QUANT_NONE gives
 * recur_state_create's float stream. The state is saved, loaded, reset and
 * freed like any other (recur_state_save / recur_state_load take the same
 * bytes, so a stream may move between the float and the int8 path). The
 * int8 step runs on the calling thread and never allocates. An LSTM with a
 * projection (proj) is refused (RECUR_E_INVALID): its float stream runs it. */
RECUR_API int recur_state_create_quantized(const recur_model *m, recur_quant q,
                                           recur_state **out);

/* ---- C source export ------------------------------------------------------- */
/* Write PATH.c and PATH.h (PATH without an extension, e.g. "out/kws"): the
 * streaming step of m as C99 with no dependencies: no malloc, no libm (the
 * activations use recur's own exp, the same polynomial as the library), no
 * threads, no global mutable state, no headers but <stdint.h>; the
 * weights are const arrays (flash on a microcontroller), float or, with
 * RECUR_QUANT_INT8, int8 with per-row float scales (see above). PATH.h
 * declares, for prefix P (names P_*, so several models link into one
 * program):
 *     P_INPUT_SIZE, P_OUTPUT_SIZE, P_LAYERS, P_HIDDEN, P_TOKEN_INPUT macros;
 *     P_state    the recurrent state, a struct of compile-time size
 *                { float h[L][H]; float c[L][H] (LSTM only); } — plain
 *                data: copy it with memcpy to save and restore a stream;
 *                its bytes are recur_state_save's after the 16-byte header;
 *     void P_reset(P_state *s);
 *     int P_step(P_state *s, const float *x, float *y);  dense input, or
 *     int P_step(P_state *s, int token, float *y);       token input
 *                (-1 for a token outside the vocabulary, else 0);
 *     int P_run(P_state *s, int T, const float *x, float *y);  (or
 *                const int *tokens) T steps from the current state;
 *     P_vocab    for a text model, the code point of each token
 *                (const unsigned long[], and P_HAS_VOCAB defined).
 * y receives output_size values per step (logits for a XENT model; with a
 * LAST readout, the running prediction: what the model would say if the
 * sequence ended at this step), or the top layer's hidden units for a
 * model without a dense layer. Outputs equal recur_state_step's to about 1e-6
 * relative (float; the sums run in another order). States whose magnitude
 * falls below FLT_MIN are set to zero at each step (as the library's
 * flush-to-zero does), so a decaying stream never computes on denormals.
 * prefix: a C identifier of at most 48 characters; NULL takes PATH's file
 * name (with characters other than letters, digits and _ made _).
 * Bidirectional models and MEAN readouts cannot stream and are refused
 * (RECUR_E_INVALID), as are LSTMs with a projection (proj: the generated
 * step has none yet) and non-finite weights. Both files are written to a
 * temporary name first and renamed into place. */
RECUR_API int recur_export_c(const recur_model *m, const char *path, const char *prefix,
                             recur_quant q);

#endif
