/* stream.c - streaming inference: one time step of one sequence per call,
 * carrying the hidden (and cell) states between calls.
 *
 * A step is batch 1, where BLAS call overhead and row-wise reductions cost
 * more than the arithmetic of a small model, and where the step's time is
 * mostly the latency of h_{t-1} → gates → h_t. So the state keeps its own
 * copy of each layer packed for one register-blocked kernel
 * (stream_kernel.h): W_ih·x + W_hh·h + b with every gate's block in
 * registers, the gate equations in its epilogue (the training loops' own,
 * nn/cell_gates.h, so both give the same outputs to float rounding), and
 * a single output fused in while h is still in registers. The kernel is
 * chosen from cpuid when the state is created, never per step.
 *
 * Large models (8 M multiply-adds per step and up) use two threads inside a step: the hidden units are split
 * in two parts, each with its own packed rows of every gate, so a part
 * computes its units' gates and states alone; the two meet at a barrier
 * after each layer (the next layer, and the next step's W_hh·h, read every
 * unit). States are double-buffered for that: a step reads h_{t-1} from one
 * buffer and writes h_t to the other. The helper thread lives as long as the
 * state. Every buffer is allocated in recur_state_create: recur_state_step never
 * allocates (tests/test_stream.c counts allocations). Each output is the
 * same sum in the same order whatever the split, so results do not depend
 * on the thread count.
 *
 * An LSTM with a projection (proj, model.h) carries h_t = W_hr·m_t of R =
 * proj units, m_t = σ(o)⊙tanh(c_t) of H: the kernel writes m_t to s->mt
 * and one more product makes h_t. It steps on one thread: the projection
 * needs all of m_t, so two parts would have to meet twice per layer. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/gemm.h"
#include "core/thread_pool.h"
#include "infer/stream_kernel.h"
#include "nn/model.h"
#include "infer/stream_hook.h"

#define MAX_PARTS 2
/* Multiply-adds per step from which a second thread pays for its wake-ups
 * (one per layer), measured at load 2 on 2 cores (bench/NOTES.md): a 2×512
 * LSTM (3.2 M) sampled slower on two threads than on one, a 2×1024 LSTM
 * (12.7 M) 1.2–1.5× faster. */
#define MIN_MACS_FOR_THREADS 8000000L

typedef struct {
    int j0, Hp; /* hidden units [j0, j0 + Hp) */
    stream_layer lay[MODEL_MAX_LAYERS]; /* their rows of every gate, packed */
    stream_layer_fn fn;                 /* the kernel, chosen at creation */
} stream_part;

struct recur_state {
    const recur_model *m;
    int kind, L, H, G, O, nparts;
    int P, R;      /* projection size (0: none); state width, P or H */
    stream_part part[MAX_PARTS];
    stream_dense_fn dense; /* the output layer's kernel */
    int fused;             /* or the top layer's kernel writes y (O = 1) */
    real *hbuf[2]; /* [L][R] each: h_{t-1} in hbuf[cur], h_t goes to the other */
    int cur;
    real *c;       /* [L][H] LSTM cell states (each part updates its own) */
    real *mt;      /* [H] a projected LSTM's σ(o)⊙tanh(c) before W_hr */
    real *x;       /* [input width] dense or embedded input of layer 0 */
    int32_t token; /* one-hot input of the current step (x unused) */
    int onehot;
    real *mem;     /* everything above, one block */
    real *wmem;    /* the parts' packed layers, 64-byte aligned */
    /* the helper thread running part 1 */
    pthread_t helper;
    int have_helper, quit;
    unsigned go, phase;
    int arrived;
    pthread_mutex_t lock;
    pthread_cond_t wake, met;
    struct recur__q8 *q8; /* hook: an int8 stream (stream_q8.c) runs instead */
};

/* ---- one part of one layer ------------------------------------------------ */

/* h = W_hr·m: a projected LSTM's h_t [P] from m_t [H] (eight partial sums
 * per row, so that the loop vectorises). */
static void project(const real *W, int P, int H, const real *m, real *h)
{
    for (int p = 0; p < P; p++, W += H) {
        real a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int j = 0;
        for (; j + 8 <= H; j += 8)
            for (int u = 0; u < 8; u++)
                a[u] += W[j + u] * m[j + u];
        real t = ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
        for (; j < H; j++)
            t += W[j] * m[j];
        h[p] = recur__flush(t);
    }
}

static void run_part(recur_state *s, int p, int l, float *y)
{
    stream_part *q = &s->part[p];
    int H = s->H, R = s->R;
    const real *hprev = s->hbuf[s->cur] + (long)l * R;
    real *hnext = s->hbuf[!s->cur] + (long)l * R;
    const real *x = l > 0 ? s->hbuf[!s->cur] + (long)(l - 1) * R : s->onehot ? NULL : s->x;
    real *c = s->c + (long)l * H + q->j0;
    if (s->P) { /* one part (see the top): m_t, then h_t = W_hr·m_t */
        q->fn(&q->lay[l], x, s->token, hprev, c, s->mt, NULL);
        project(s->m->cells[l][0].w_hr, s->P, H, s->mt, hnext);
        return;
    }
    q->fn(&q->lay[l], x, s->token, hprev, c, hnext + q->j0, y);
}

/* ---- the helper thread ---------------------------------------------------- */

static void barrier(recur_state *s)
{
    pthread_mutex_lock(&s->lock);
    if (++s->arrived == s->nparts) {
        s->arrived = 0;
        s->phase++;
        pthread_cond_broadcast(&s->met);
    } else {
        unsigned phase = s->phase;
        while (phase == s->phase)
            pthread_cond_wait(&s->met, &s->lock);
    }
    pthread_mutex_unlock(&s->lock);
}

static void *helper_main(void *arg)
{
    recur_state *s = arg;
    unsigned seen = 0;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        while (s->go == seen && !s->quit)
            pthread_cond_wait(&s->wake, &s->lock);
        seen = s->go;
        int quit = s->quit;
        pthread_mutex_unlock(&s->lock);
        if (quit)
            return NULL;
        for (int l = 0; l < s->L; l++) {
            run_part(s, 1, l, NULL);
            barrier(s);
        }
    }
}

/* ---- creating a state ----------------------------------------------------- */

int recur_state_create(const recur_model *m, recur_state **out)
{
    RECUR_NEED(out);
    *out = NULL;
    RECUR_NEED(m);
    const recur_config *c = &m->cfg;
    if (c->bidirectional)
        return recur__fail(RECUR_E_INVALID, "a bidirectional model needs the whole "
                          "sequence and cannot be run step by step");
    if (c->reverse)
        return recur__fail(RECUR_E_INVALID, "a reverse model reads the sequence from "
                          "its last step to its first and cannot be run step by step "
                          "(use recur_forward)");
    /* A step's output is the dense layer over the current state: the
     * per-step output (SEQUENCE) or what a LAST readout would give if the
     * sequence ended here. A MEAN readout needs the whole sequence. */
    if (c->readout == RECUR_READOUT_MEAN)
        return recur__fail(RECUR_E_INVALID, "a model that reads out the mean over a "
                          "sequence cannot be run step by step (use recur_forward)");
    recur_state *s = calloc(1, sizeof *s);
    if (!s)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    s->m = m;
    s->kind = m->cells[0][0].kind;
    s->L = c->layers, s->H = c->hidden, s->O = c->output_size;
    s->P = c->proj, s->R = model_state_width(c);
    s->G = recur__cell_gates(s->kind);
    s->onehot = c->input == RECUR_INPUT_ONEHOT;
    int H = s->H, R = s->R, P = s->P, G = s->G, xw = m->cells[0][0].I;
    long macs = (long)s->O * R;
    for (int l = 0; l < s->L; l++)
        macs += (long)G * H * ((s->onehot && l == 0 ? 0 : m->cells[l][0].I) + R) + (long)P * H;
    s->nparts = !P && H >= 2 && recur__gemm_get_threads() >= 2 && macs >= MIN_MACS_FOR_THREADS
                    ? 2 : 1;
    long n = 2L * s->L * R + (long)s->L * H + H + xw, nw = 0;
    const stream_kernel *kern[MAX_PARTS];
    for (int k = 0; k < s->nparts; k++) {
        stream_part *q = &s->part[k];
        q->j0 = (int)((long)H * k / s->nparts);
        q->Hp = (int)((long)H * (k + 1) / s->nparts) - q->j0;
        kern[k] = recur__stream_kernel_pick(q->Hp);
        q->fn = recur__stream_kernel_fn(kern[k], s->kind);
        for (int l = 0; l < s->L; l++)
            nw += recur__stream_layer_size(kern[k], s->kind, m->cells[l][0].I, R, q->Hp);
    }
    /* One output of a one-part model: fused into the top layer's kernel. */
    s->fused = s->nparts == 1 && s->O == 1 && !P;
    if (s->fused)
        nw += recur__stream_fc_size(kern[0], H);
    real *p = s->mem = calloc((size_t)n, sizeof *p);
    /* aligned_alloc wants a size that is a multiple of the alignment */
    s->wmem = aligned_alloc(64, ((size_t)(nw > 0 ? nw : 1) * sizeof *s->wmem + 63) / 64 * 64);
    if (!p || !s->wmem) {
        free(s->mem);
        free(s->wmem);
        free(s);
        return recur__fail(RECUR_E_NOMEM, "out of memory for a stream of this model");
    }
    s->hbuf[0] = p, p += (long)s->L * R;
    s->hbuf[1] = p, p += (long)s->L * R;
    s->c = p, p += (long)s->L * H;
    s->mt = p, p += H;
    s->x = p, p += xw;
    real *w = s->wmem;
    for (int k = 0; k < s->nparts; k++) {
        stream_part *q = &s->part[k];
        for (int l = 0; l < s->L; l++) {
            const cell *ce = &m->cells[l][0];
            recur__stream_layer_pack(&q->lay[l], kern[k], s->kind, ce->I, H, R, q->j0,
                                     q->Hp, ce->w_ih, ce->w_hh, ce->b_ih, ce->b_hh, w);
            w += recur__stream_layer_size(kern[k], s->kind, ce->I, R, q->Hp);
        }
    }
    if (s->fused)
        recur__stream_fc_pack(&s->part[0].lay[s->L - 1], kern[0], m->fc_w, m->fc_b[0], w);
    s->dense = recur__stream_kernel_pick(R)->dense;
    if (s->nparts > 1) {
        pthread_mutex_init(&s->lock, NULL);
        pthread_cond_init(&s->wake, NULL);
        pthread_cond_init(&s->met, NULL);
        s->have_helper = recur__start_thread(&s->helper, helper_main, s) == 0;
    }
    *out = s;
    return RECUR_OK;
}

void recur_state_reset(recur_state *s)
{
    if (!s)
        return;
    if (s->q8) { /* hook: the int8 stream */
        recur__q8_reset(s->q8);
        return;
    }
    size_t n = (size_t)s->L * s->R * sizeof(real);
    memset(s->hbuf[0], 0, n);
    memset(s->hbuf[1], 0, n);
    memset(s->c, 0, (size_t)s->L * s->H * sizeof(real));
}

void recur_state_free(recur_state *s)
{
    if (!s)
        return;
    if (s->nparts > 1) {
        if (s->have_helper) {
            pthread_mutex_lock(&s->lock);
            s->quit = 1;
            pthread_cond_signal(&s->wake);
            pthread_mutex_unlock(&s->lock);
            pthread_join(s->helper, NULL);
        }
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->wake);
        pthread_cond_destroy(&s->met);
    }
    recur__q8_free(s->q8); /* hook: the int8 stream */
    free(s->mem);
    free(s->wmem);
    free(s);
}

/* ---- one step ------------------------------------------------------------- */

/* The float step. The public recur_state_step (stream_rt.c) dispatches to
 * it or to the int8 stream. */
int recur__step_f32(recur_state *s, int32_t token, const float *x, float *y)
{
    const recur_model *m = s->m;
    const recur_config *c = &m->cfg;
    if (c->input == RECUR_INPUT_DENSE) {
        if (!x)
            return recur__fail(RECUR_E_INVALID, "a dense-input model needs x");
        for (int i = 0; i < c->input_size; i++)
            s->x[i] = recur__flush((real)x[i]);
    } else {
        int rc = recur__model_check_tokens(m, &token, 1, RECUR_E_INVALID);
        if (rc)
            return rc;
        if (c->input == RECUR_INPUT_EMBEDDING)
            for (int i = 0; i < c->embed_dim; i++)
                s->x[i] = recur__flush(m->emb[(long)token * c->embed_dim + i]);
        s->token = token;
    }
    if (s->have_helper) {
        pthread_mutex_lock(&s->lock);
        s->go++;
        pthread_cond_signal(&s->wake);
        pthread_mutex_unlock(&s->lock);
        for (int l = 0; l < s->L; l++) {
            run_part(s, 0, l, NULL);
            barrier(s);
        }
    } else {
        for (int l = 0; l < s->L; l++)
            for (int k = 0; k < s->nparts; k++)
                run_part(s, k, l, y);
    }
    s->cur = !s->cur;
    if (s->fused)
        return RECUR_OK;
    const real *top = s->hbuf[s->cur] + (long)(s->L - 1) * s->R;
    if (s->O == 0) /* an encoder: its output is the top layer's state */
        memcpy(y, top, (size_t)s->R * sizeof *y);
    else
        s->dense(s->O, s->R, m->fc_w, m->fc_b, top, y);
    return RECUR_OK;
}

/* ---- hooks for stream_rt.c and stream_q8.c (stream_hook.h) ---------------- */

void recur__state_view(recur_state *s, stream_view *v)
{
    if (s->q8) {
        recur__q8_view(s->q8, v);
        return;
    }
    v->kind = s->kind, v->L = s->L, v->H = s->H, v->R = s->R;
    v->h = s->hbuf[s->cur];
    v->c = s->kind == CELL_LSTM ? s->c : NULL;
}

struct recur__q8 *recur__state_q8(const recur_state *s) { return s->q8; }

int recur__state_wrap_q8(struct recur__q8 *q, recur_state **out)
{
    recur_state *s = calloc(1, sizeof *s);
    if (!s) {
        recur__q8_free(q);
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    s->q8 = q;
    s->nparts = 1;
    *out = s;
    return RECUR_OK;
}
