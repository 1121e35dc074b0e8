/* stream.c - streaming inference: one time step of one sequence per call,
 * carrying the hidden (and cell) states between calls.
 *
 * A step is batch 1, where BLAS call overhead and row-wise reductions cost
 * more than the arithmetic of a small model. So the state keeps its own
 * copy of the weights packed for mat-vec products (matvec.h), and a step is
 * per layer: gx = b_ih + W_ih·x, gh = W_hh·h, one fused gate pass; then the
 * dense output. The gate equations are the training loops' own
 * (nn/cell_gates.h), so both give the same outputs to float rounding.
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
 * proj units, m_t = σ(o)⊙tanh(c_t) of H: the gate pass writes m_t to s->mt
 * and one more product makes h_t. It steps on one thread: the projection
 * needs all of m_t, so two parts would have to meet twice per layer. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/gemm.h"
#include "core/kernel.h"
#include "core/matvec.h"
#include "nn/cell_gates.h"
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
    packed_mat wih[MODEL_MAX_LAYERS], whh[MODEL_MAX_LAYERS]; /* their G·Hp rows */
    packed_mat whr[MODEL_MAX_LAYERS]; /* a projection's W_hr [P×H] (one part) */
    real *bih[MODEL_MAX_LAYERS], *bhh[MODEL_MAX_LAYERS];     /* [G][Hp] */
    real *gx, *gh; /* [G][Hp] input and recurrent projections */
} stream_part;

struct recur_state {
    const recur_model *m;
    int kind, L, H, G, O, nparts;
    int P, R;      /* projection size (0: none); state width, P or H */
    stream_part part[MAX_PARTS];
    packed_mat fc;
    real *hbuf[2]; /* [L][R] each: h_{t-1} in hbuf[cur], h_t goes to the other */
    int cur;
    real *c;       /* [L][H] LSTM cell states (each part updates its own) */
    real *mt;      /* [H] a projected LSTM's σ(o)⊙tanh(c) before W_hr */
    real *x;       /* [input width] dense or embedded input of layer 0 */
    real *y;       /* [O] outputs */
    int32_t token; /* one-hot input of the current step (x unused) */
    int onehot;
    real *mem;     /* everything above, one block */
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

/* The fused gate passes over Hp units; gx, gh, bh are [G][Hp], hp the
 * previous states of these units, h the new ones (cell_gates.h). */
RECUR_KERNEL_BODY lstm_step_body(int H, const real *restrict gx, const real *restrict gh,
                      const real *restrict bh, real *restrict c, real *restrict h)
{
    for (int j = 0; j < H; j++) {
        lstm_unit_out u = lstm_unit(gx, gh, bh, H, j, c[j]);
        c[j] = u.c;
        h[j] = u.h;
    }
}
RECUR_KERNEL_PAIR(lstm_step, (int H, const real *restrict gx, const real *restrict gh,
                       const real *restrict bh, real *restrict c, real *restrict h),
                  (H, gx, gh, bh, c, h))

RECUR_KERNEL_BODY gru_step_body(int H, const real *restrict gx, const real *restrict gh,
                     const real *restrict bh, const real *restrict hp, real *restrict h)
{
    for (int j = 0; j < H; j++)
        h[j] = gru_unit(gx, gh, bh, H, j, hp[j]).h;
}
RECUR_KERNEL_PAIR(gru_step, (int H, const real *restrict gx, const real *restrict gh,
                      const real *restrict bh, const real *restrict hp, real *restrict h),
                  (H, gx, gh, bh, hp, h))

RECUR_KERNEL_BODY rnn_step_body(int H, int relu, const real *restrict gx,
                     const real *restrict gh, const real *restrict bh,
                     real *restrict h)
{
    if (relu)
        for (int j = 0; j < H; j++)
            h[j] = rnn_unit(gx, gh, bh, j, 1);
    else
        for (int j = 0; j < H; j++)
            h[j] = rnn_unit(gx, gh, bh, j, 0);
}
RECUR_KERNEL_PAIR(rnn_step, (int H, int relu, const real *restrict gx,
                      const real *restrict gh, const real *restrict bh,
                      real *restrict h),
                  (H, relu, gx, gh, bh, h))

static void run_part(recur_state *s, int p, int l)
{
    stream_part *q = &s->part[p];
    int H = s->H, R = s->R, Hp = q->Hp, GHp = s->G * Hp;
    const real *hprev = s->hbuf[s->cur] + (long)l * R;
    real *hnext = s->hbuf[!s->cur] + (long)l * R;
    memcpy(q->gx, q->bih[l], (size_t)GHp * sizeof *q->gx);
    memset(q->gh, 0, (size_t)GHp * sizeof *q->gh);
    if (l == 0 && s->onehot)
        recur__packed_add_column(&q->wih[0], s->token, q->gx);
    else
        recur__packed_apply(&q->wih[l], l == 0 ? s->x : s->hbuf[!s->cur] + (long)(l - 1) * R,
                     q->gx);
    recur__packed_apply(&q->whh[l], hprev, q->gh);
    switch (s->kind) {
    case CELL_LSTM:
        if (s->P) { /* one part (see the top): m_t, then h_t = W_hr·m_t */
            lstm_step(Hp, q->gx, q->gh, q->bhh[l], s->c + (long)l * H, s->mt);
            memset(hnext, 0, (size_t)R * sizeof *hnext);
            recur__packed_apply(&q->whr[l], s->mt, hnext);
            break;
        }
        lstm_step(Hp, q->gx, q->gh, q->bhh[l], s->c + (long)l * H + q->j0, hnext + q->j0);
        break;
    case CELL_GRU:
        gru_step(Hp, q->gx, q->gh, q->bhh[l], hprev + q->j0, hnext + q->j0);
        break;
    default:
        rnn_step(Hp, s->kind == CELL_RNN_RELU, q->gx, q->gh, q->bhh[l], hnext + q->j0);
        break;
    }
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
    recur__ftz_enter(); /* hook: the library's own thread flushes denormals for good */
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
            run_part(s, 1, l);
            barrier(s);
        }
    }
}

/* ---- creating a state ----------------------------------------------------- */

/* Pack the rows {g·H + j0 .. g·H + j0 + Hp - 1 : each gate g} of W [G·H×K]. */
static void pack_part_rows(packed_mat *pm, const real *W, int G, int H, int K, int j0,
                           int Hp, real *tmp, real *dst)
{
    for (int g = 0; g < G; g++)
        memcpy(tmp + (long)g * Hp * K, W + ((long)g * H + j0) * K,
               (size_t)Hp * K * sizeof *tmp);
    recur__packed_init(pm, G * Hp, K, tmp, dst);
}

static void pick_bias(real *dst, const real *b, int G, int H, int j0, int Hp)
{
    for (int g = 0; g < G; g++)
        memcpy(dst + (long)g * Hp, b + (long)g * H + j0, (size_t)Hp * sizeof *dst);
}

int recur_state_create(const recur_model *m, recur_state **out)
{
    *out = NULL;
    const recur_config *c = &m->cfg;
    if (c->bidirectional)
        return recur__fail(RECUR_E_INVALID, "a bidirectional model needs the whole "
                          "sequence and cannot be run step by step");
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
    int widest = xw > H ? xw : H;
    long macs = (long)s->O * R;
    for (int l = 0; l < s->L; l++)
        macs += (long)G * H * ((s->onehot && l == 0 ? 0 : m->cells[l][0].I) + R) + (long)P * H;
    s->nparts = !P && H >= 2 && recur__gemm_get_threads() >= 2 && macs >= MIN_MACS_FOR_THREADS
                    ? 2 : 1;
    long n = 2L * s->L * R + (long)s->L * H + H + xw + s->O + recur__packed_size(s->O, R) +
             (long)G * H * widest;
    for (int l = 0; l < s->L; l++)
        n += recur__packed_size(G * H, m->cells[l][0].I) + recur__packed_size(G * H, R) +
             2L * G * H + (P ? recur__packed_size(P, H) : 0);
    n += 2L * G * H;
    real *p = s->mem = calloc((size_t)n, sizeof *p);
    if (!p) {
        free(s);
        return recur__fail(RECUR_E_NOMEM, "out of memory for a stream of this model");
    }
    s->hbuf[0] = p, p += (long)s->L * R;
    s->hbuf[1] = p, p += (long)s->L * R;
    s->c = p, p += (long)s->L * H;
    s->mt = p, p += H;
    s->x = p, p += xw;
    s->y = p, p += s->O;
    real *tmp = p; /* scratch for packing: G·H rows of the widest input */
    p += (long)G * H * widest;
    for (int k = 0; k < s->nparts; k++) {
        stream_part *q = &s->part[k];
        q->j0 = (int)((long)H * k / s->nparts);
        q->Hp = (int)((long)H * (k + 1) / s->nparts) - q->j0;
        q->gx = p, p += (long)G * q->Hp;
        q->gh = p, p += (long)G * q->Hp;
        for (int l = 0; l < s->L; l++) {
            const cell *ce = &m->cells[l][0];
            pack_part_rows(&q->wih[l], ce->w_ih, G, H, ce->I, q->j0, q->Hp, tmp, p);
            p += recur__packed_size(G * q->Hp, ce->I);
            pack_part_rows(&q->whh[l], ce->w_hh, G, H, R, q->j0, q->Hp, tmp, p);
            p += recur__packed_size(G * q->Hp, R);
            if (P) {
                recur__packed_init(&q->whr[l], P, H, ce->w_hr, p);
                p += recur__packed_size(P, H);
            }
            q->bih[l] = p, p += (long)G * q->Hp;
            q->bhh[l] = p, p += (long)G * q->Hp;
            pick_bias(q->bih[l], ce->b_ih, G, H, q->j0, q->Hp);
            pick_bias(q->bhh[l], ce->b_hh, G, H, q->j0, q->Hp);
        }
    }
    if (s->O > 0) /* else no dense layer: nothing to output (an encoder) */
        recur__packed_init(&s->fc, s->O, R, m->fc_w, p);
    if (s->nparts > 1) {
        pthread_mutex_init(&s->lock, NULL);
        pthread_cond_init(&s->wake, NULL);
        pthread_cond_init(&s->met, NULL);
        s->have_helper = pthread_create(&s->helper, NULL, helper_main, s) == 0;
    }
    *out = s;
    return RECUR_OK;
}

void recur_state_reset(recur_state *s)
{
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
    free(s);
}

/* ---- one step ------------------------------------------------------------- */

/* The float step. The public recur_state_step (stream_rt.c) wraps it: flush to
 * zero, and the int8 stream's dispatch. */
int recur__step_f32(recur_state *s, int32_t token, const float *x, float *y)
{
    const recur_model *m = s->m;
    const recur_config *c = &m->cfg;
    if (c->input == RECUR_INPUT_DENSE) {
        if (!x)
            return recur__fail(RECUR_E_INVALID, "a dense-input model needs x");
        for (int i = 0; i < c->input_size; i++)
            s->x[i] = (real)x[i];
    } else {
        int rc = recur__model_check_tokens(m, &token, 1, RECUR_E_INVALID);
        if (rc)
            return rc;
        if (c->input == RECUR_INPUT_EMBEDDING)
            memcpy(s->x, m->emb + (long)token * c->embed_dim,
                   (size_t)c->embed_dim * sizeof *s->x);
        s->token = token;
    }
    if (s->have_helper) {
        pthread_mutex_lock(&s->lock);
        s->go++;
        pthread_cond_signal(&s->wake);
        pthread_mutex_unlock(&s->lock);
        for (int l = 0; l < s->L; l++) {
            run_part(s, 0, l);
            barrier(s);
        }
    } else {
        for (int l = 0; l < s->L; l++)
            for (int k = 0; k < s->nparts; k++)
                run_part(s, k, l);
    }
    s->cur = !s->cur;
    if (s->O == 0)
        return RECUR_OK;
    const real *top = s->hbuf[s->cur] + (long)(s->L - 1) * s->R;
    memset(s->y, 0, (size_t)s->O * sizeof *s->y);
    recur__packed_apply(&s->fc, top, s->y);
    for (int o = 0; o < s->O; o++)
        y[o] = (float)(s->y[o] + m->fc_b[o]);
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
