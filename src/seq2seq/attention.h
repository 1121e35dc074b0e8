/* attention.h - the decoder's attention head (Luong et al. 2015, without
 * input feeding): scores of the decoder's top-layer states against the
 * encoder's top-layer outputs (dot, general or additive), a softmax masked to
 * each source's valid steps, the context, the attentional state
 * h~ = tanh(W_c [c; h]) and the output layer over the target vocabulary.
 * Equations in include/recur/seq2seq.h; batched over time-major [T][B][M]
 * arrays, forward and backward. */
#ifndef RECUR_S2S_ATTENTION_H
#define RECUR_S2S_ATTENTION_H

#include <stdint.h>

#include "core/real.h"
#include "recur.h"

#define ATTN_MAX_TENSORS 7

typedef struct {
    char name[32];
    int ndim;
    int64_t shape[2];
    long n;
    real *p, *g; /* views into params / grads */
} attn_tensor;

typedef struct {
    recur_attention kind; /* RECUR_ATTN_NONE: no parameters, nothing to run */
    int M, V;             /* state width (both sides), output vocabulary */
    long n;               /* parameter count */
    real *params, *grads;
    int ntensors;
    attn_tensor t[ATTN_MAX_TENSORS];
    real *w_a, *w_q, *w_k, *v, *w_c, *w_o, *b_o;       /* views (NULL if unused) */
    real *g_a, *g_q, *g_k, *g_v, *g_c, *g_o, *g_bo;
    real **view_p[ATTN_MAX_TENSORS], **view_g[ATTN_MAX_TENSORS]; /* set up by alloc */
    long off[ATTN_MAX_TENSORS];
} s2s_attention;

/* Activations and gradients of one pass over at most Ts source steps, Tt
 * decoder steps and B rows. */
typedef struct {
    int Ts, Tt, B;
    real *mem;
    real *keys;    /* [Ts][B][M] general: W_a e; additive: W_k e */
    real *q;       /* [Tt][B][M] additive: W_q h */
    real *a;       /* [B][tt][ts] attention weights (packed by the last pass) */
    real *x;       /* [Tt][B][2M] [context; h] */
    real *ht;      /* [Tt][B][M] the attentional state */
    /* The output layer's rows. NULL rows: every decoder row, and logits
     * and dlogits are [tt][B][V]. Otherwise (set by the caller before the
     * forward pass: training, where rows without a label are padding) only
     * rows[0 .. nrows) (row t·B + b, ascending), and logits and dlogits
     * hold just those, [nrows][V]: the largest product of a step is not
     * spent on padding. */
    const int32_t *rows;
    long nrows;
    real *htc, *dhtc; /* [nrows][M]: ht of those rows, and its gradient */
    real *logits, *dlogits; /* [Tt][B][V], or [nrows][V] (rows) */
    real *dht;     /* [Tt][B][M] */
    real *dx;      /* [Tt][B][2M] */
    real *da;      /* [B][tt][ts] */
    real *dkeys;   /* [Ts][B][M] */
    real *dq;      /* [Tt][B][M] */
    real *dh;      /* [Tt][B][M] gradient w.r.t. the decoder's top outputs */
    real *de;      /* [Ts][B][M] gradient w.r.t. the encoder's top outputs */
} attn_work;

/* Lay out (and allocate, zeroed) the parameters of kind for width M and
 * vocabulary V; kind NONE gives an empty head. */
int recur__attn_alloc(s2s_attention *a, recur_attention kind, int M, int V);
void recur__attn_free(s2s_attention *a);
/* PyTorch's Linear initialisation: U(±1/sqrt(fan_in)) for every tensor. */
void recur__attn_init(s2s_attention *a, uint64_t seed);
const attn_tensor *recur__attn_find(const s2s_attention *a, const char *name);

int recur__attn_work_alloc(const s2s_attention *a, int Ts, int Tt, int B, attn_work *w);
void recur__attn_work_free(attn_work *w);

/* The keys of the memory e ([rows][M]; rows = source steps × memory rows). */
void recur__attn_keys(const s2s_attention *a, attn_work *w, const real *e, long rows);
/* Scores, weights, contexts, attentional states and logits of the queries h
 * ([tt][B][M]) against the memory e ([ts][eB][M], row b of the queries
 * reading memory row b; eB >= B), source b valid for src_len[b] steps; the
 * keys must be current (recur__attn_keys over ts·eB rows). */
void recur__attn_forward(const s2s_attention *a, attn_work *w, const real *e, int eB,
                  const int32_t *src_len, int ts, const real *h, int tt, int B);
/* From w->dlogits: accumulates the parameter gradients and writes w->dh
 * ([tt][B][M]) and w->de ([ts][B][M], zero at padded steps); the forward
 * pass with eB == B must precede it. */
void recur__attn_backward(s2s_attention *a, attn_work *w, const real *e,
                   const int32_t *src_len, int ts, const real *h, int tt, int B);

#endif
