/* stream_hook.h - what stream.c (the float stream) shares with stream_rt.c
 * (the public recur_state_step; keeping a state) and stream_q8.c
 * (the int8 stream). A recur_state either runs stream.c's packed float
 * weights or holds an int8 stream (q8) that runs instead. */
#ifndef RECUR_STREAM_HOOK_H
#define RECUR_STREAM_HOOK_H

#include <stdint.h>

#include "core/real.h"
#include "recur.h"

struct recur__q8;

/* The states of a stream at a step boundary: h [L][R] (the last step's;
 * R = the projection size of a projected LSTM, else H), c [L][H] for an
 * LSTM (else NULL). Writing them changes the stream. */
typedef struct {
    int kind, L, H, R; /* cell.h's cell kind */
    real *h, *c;
} stream_view;

/* stream.c */
int recur__step_f32(recur_state *s, int32_t token, const float *x, float *y);
void recur__state_view(recur_state *s, stream_view *v);
struct recur__q8 *recur__state_q8(const recur_state *s);
/* A recur_state that runs q (and frees it, also on failure). */
int recur__state_wrap_q8(struct recur__q8 *q, recur_state **out);

/* stream_rt.c: RECUR_OK, or RECUR_E_INVALID with a message if m cannot
 * run step by step (bidirectional, MEAN readout); what runs is "what". */
int recur__stream_refusal(const recur_model *m, const char *what);

/* stream_q8.c */
int recur__q8_create(const recur_model *m, struct recur__q8 **out);
int recur__q8_step(struct recur__q8 *q, int32_t token, const float *x, float *y);
void recur__q8_reset(struct recur__q8 *q);
void recur__q8_free(struct recur__q8 *q);
void recur__q8_view(struct recur__q8 *q, stream_view *v);

#endif
