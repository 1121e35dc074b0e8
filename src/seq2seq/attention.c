/* attention.c - the decoder's attention head, forward and backward (see
 * attention.h). Scores and contexts are per-row matrix products over the
 * time-major arrays (row strides of B·M), every other product one GEMM over
 * all steps; the additive score's tanh is recomputed in backward rather than
 * stored ([Tt][Ts][B][M] would not fit long sentences). Padded source steps
 * are never read: their weights are 0 and their gradients are 0. */
#include "seq2seq/attention.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/gemm.h"
#include "core/parallel.h"
#include "core/rng.h"

const char *recur_attention_name(recur_attention a)
{
    switch (a) {
    case RECUR_ATTN_NONE: return "none";
    case RECUR_ATTN_DOT: return "dot";
    case RECUR_ATTN_GENERAL: return "general";
    case RECUR_ATTN_ADDITIVE: return "additive";
    }
    return NULL;
}

int recur_attention_parse(const char *name, recur_attention *out)
{
    for (int k = RECUR_ATTN_NONE; name && k <= RECUR_ATTN_ADDITIVE; k++)
        if (!strcmp(name, recur_attention_name((recur_attention)k))) {
            if (out)
                *out = (recur_attention)k;
            return RECUR_OK;
        }
    return recur__fail(RECUR_E_INVALID, "unknown attention '%.40s' (none, dot, "
                      "general, additive)", name ? name : "");
}

/* A tensor of the table; its views are set once the arrays exist. */
static void add(s2s_attention *a, const char *name, int rows, int cols, long *off,
                real **p, real **g)
{
    attn_tensor *t = &a->t[a->ntensors++];
    strcpy(t->name, name);
    t->ndim = cols ? 2 : 1;
    t->shape[0] = rows;
    t->shape[1] = cols;
    t->n = (long)rows * (cols ? cols : 1);
    /* Offsets until the arrays exist. */
    a->view_p[a->ntensors - 1] = p;
    a->view_g[a->ntensors - 1] = g;
    a->off[a->ntensors - 1] = *off;
    *off += t->n;
}

int recur__attn_alloc(s2s_attention *a, recur_attention kind, int M, int V)
{
    memset(a, 0, sizeof *a);
    a->kind = kind;
    a->M = M;
    a->V = V;
    if (kind == RECUR_ATTN_NONE)
        return RECUR_OK;
    long off = 0;
    if (kind == RECUR_ATTN_GENERAL)
        add(a, "attention.W_a", M, M, &off, &a->w_a, &a->g_a);
    if (kind == RECUR_ATTN_ADDITIVE) {
        add(a, "attention.W_q", M, M, &off, &a->w_q, &a->g_q);
        add(a, "attention.W_k", M, M, &off, &a->w_k, &a->g_k);
        add(a, "attention.v", M, 0, &off, &a->v, &a->g_v);
    }
    add(a, "attention.W_c", M, 2 * M, &off, &a->w_c, &a->g_c);
    add(a, "out.weight", V, M, &off, &a->w_o, &a->g_o);
    add(a, "out.bias", V, 0, &off, &a->b_o, &a->g_bo);
    a->n = off;
    a->params = calloc((size_t)off * 2, sizeof *a->params);
    if (!a->params) {
        memset(a, 0, sizeof *a);
        return recur__fail(RECUR_E_NOMEM, "out of memory for the attention head");
    }
    a->grads = a->params + off;
    for (int i = 0; i < a->ntensors; i++) {
        attn_tensor *t = &a->t[i];
        t->p = *a->view_p[i] = a->params + a->off[i];
        t->g = *a->view_g[i] = a->grads + a->off[i];
    }
    return RECUR_OK;
}

void recur__attn_free(s2s_attention *a)
{
    free(a->params);
    memset(a, 0, sizeof *a);
}

void recur__attn_init(s2s_attention *a, uint64_t seed)
{
    rng r;
    recur__rng_seed(&r, seed);
    for (int i = 0; i < a->ntensors; i++) {
        attn_tensor *t = &a->t[i];
        /* fan_in: the columns of a matrix; a vector's own length (M). */
        double bound = 1.0 / sqrt(t->ndim == 2 ? (double)t->shape[1] : (double)a->M);
        for (long k = 0; k < t->n; k++)
            t->p[k] = (real)((2 * recur__rng_uniform(&r) - 1) * bound);
    }
}

const attn_tensor *recur__attn_find(const s2s_attention *a, const char *name)
{
    for (int i = 0; i < a->ntensors; i++)
        if (!strcmp(a->t[i].name, name))
            return &a->t[i];
    return NULL;
}

void recur__attn_work_free(attn_work *w)
{
    free(w->mem);
    memset(w, 0, sizeof *w);
}

int recur__attn_work_alloc(const s2s_attention *a, int Ts, int Tt, int B, attn_work *w)
{
    memset(w, 0, sizeof *w);
    if (a->kind == RECUR_ATTN_NONE)
        return RECUR_OK;
    w->Ts = Ts, w->Tt = Tt, w->B = B;
    long M = a->M, S = (long)Ts * B, T = (long)Tt * B, A = (long)Tt * Ts * B;
    double total = (double)S * M * 3 + (double)T * M * 11 + 2.0 * A + 2.0 * T * a->V;
    if (total > 1e10)
        return recur__fail(RECUR_E_LIMIT, "attention buffers for %d x %d steps of "
                          "%d rows are too large", Ts, Tt, B);
    real *p = w->mem = calloc((size_t)total, sizeof *p);
    if (!p)
        return recur__fail(RECUR_E_NOMEM, "out of memory for attention buffers");
    w->keys = p, p += S * M;
    w->dkeys = p, p += S * M;
    w->de = p, p += S * M;
    w->q = p, p += T * M;
    w->x = p, p += T * M * 2;
    w->ht = p, p += T * M;
    w->dht = p, p += T * M;
    w->dx = p, p += T * M * 2;
    w->dq = p, p += T * M;
    w->dh = p, p += T * M;
    w->htc = p, p += T * M;
    w->dhtc = p, p += T * M;
    w->a = p, p += A;
    w->da = p, p += A;
    w->logits = p, p += T * a->V;
    w->dlogits = p;
    return RECUR_OK;
}

void recur__attn_keys(const s2s_attention *a, attn_work *w, const real *e, long rows)
{
    int M = a->M;
    if (a->kind == RECUR_ATTN_GENERAL)
        recur__gemm(0, 1, (int)rows, M, M, 1, e, M, a->w_a, M, 0, w->keys, M);
    else if (a->kind == RECUR_ATTN_ADDITIVE)
        recur__gemm(0, 1, (int)rows, M, M, 1, e, M, a->w_k, M, 0, w->keys, M);
}

/* v · tanh(q + k) over M. */
static real additive_score(const real *v, const real *q, const real *k, int M)
{
    real s = 0;
    for (int j = 0; j < M; j++)
        s += v[j] * (real)tanh(q[j] + k[j]);
    return s;
}

void recur__attn_forward(const s2s_attention *a, attn_work *w, const real *e, int eB,
                  const int32_t *src_len, int ts, const real *h, int tt, int B)
{
    int M = a->M, V = a->V, ld = eB * M;
    long T = (long)tt * B;
    const real *keys = a->kind == RECUR_ATTN_DOT ? e : w->keys;
    if (a->kind == RECUR_ATTN_ADDITIVE)
        recur__gemm(0, 1, (int)T, M, M, 1, h, M, a->w_q, M, 0, w->q, M);
    for (int b = 0; b < B; b++) {
        int n = src_len[b];
        real *ab = w->a + (long)b * tt * ts;
        if (a->kind == RECUR_ATTN_ADDITIVE) {
            for (int t = 0; t < tt; t++)
                for (int s = 0; s < n; s++)
                    ab[(long)t * ts + s] = additive_score(
                        a->v, w->q + ((long)t * B + b) * M,
                        keys + ((long)s * eB + b) * M, M);
        } else {
            recur__gemm(0, 1, tt, n, M, 1, h + (long)b * M, B * M, keys + (long)b * M, ld,
                        0, ab, ts);
        }
        for (int t = 0; t < tt; t++) {
            real *row = ab + (long)t * ts, mx = row[0];
            for (int s = 1; s < n; s++)
                mx = row[s] > mx ? row[s] : mx;
            double sum = 0;
            for (int s = 0; s < n; s++)
                sum += row[s] = (real)exp(row[s] - mx);
            for (int s = 0; s < n; s++)
                row[s] = (real)(row[s] / sum);
            for (int s = n; s < ts; s++)
                row[s] = 0;
        }
        /* Contexts into the first half of x's rows. */
        recur__gemm(0, 0, tt, M, n, 1, ab, ts, e + (long)b * M, ld, 0, w->x + (long)b * 2 * M,
                    B * 2 * M);
    }
    for (long r = 0; r < T; r++)
        memcpy(w->x + r * 2 * M + M, h + r * M, (size_t)M * sizeof(real));
    recur__gemm(0, 1, (int)T, M, 2 * M, 1, w->x, 2 * M, a->w_c, 2 * M, 0, w->ht, M);
    for (long i = 0; i < T * M; i++)
        w->ht[i] = (real)tanh(w->ht[i]);
    const real *out = w->ht;
    long n = T;
    if (w->rows) { /* only the rows that have a label */
        recur__gather_rows(w->htc, w->ht, w->rows, w->nrows, M);
        out = w->htc, n = w->nrows;
    }
    recur__gemm(0, 1, (int)n, V, M, 1, out, M, a->w_o, M, 0, w->logits, V);
    recur__add_row_bias(w->logits, n, V, a->b_o);
}

void recur__attn_backward(s2s_attention *a, attn_work *w, const real *e,
                   const int32_t *src_len, int ts, const real *h, int tt, int B)
{
    int M = a->M, V = a->V, ld = B * M;
    long T = (long)tt * B, S = (long)ts * B;
    /* Output layer (on w->rows only, if set) and the attentional state. */
    const real *out = w->rows ? w->htc : w->ht;
    long nout = w->rows ? w->nrows : T;
    recur__gemm(1, 0, V, M, (int)nout, 1, w->dlogits, V, out, M, 1, a->g_o, M);
    recur__add_column_sums(a->g_bo, NULL, w->dlogits, nout, V);
    if (w->rows) {
        recur__gemm(0, 0, (int)nout, M, V, 1, w->dlogits, V, a->w_o, M, 0, w->dhtc, M);
        memset(w->dht, 0, (size_t)T * M * sizeof(real));
        recur__scatter_add_rows(w->dht, w->dhtc, w->rows, nout, M);
    } else {
        recur__gemm(0, 0, (int)T, M, V, 1, w->dlogits, V, a->w_o, M, 0, w->dht, M);
    }
    for (long i = 0; i < T * M; i++)
        w->dht[i] *= 1 - w->ht[i] * w->ht[i];
    recur__gemm(1, 0, M, 2 * M, (int)T, 1, w->dht, M, w->x, 2 * M, 1, a->g_c, 2 * M);
    recur__gemm(0, 0, (int)T, 2 * M, M, 1, w->dht, M, a->w_c, 2 * M, 0, w->dx, 2 * M);
    for (long r = 0; r < T; r++)
        memcpy(w->dh + r * M, w->dx + r * 2 * M + M, (size_t)M * sizeof(real));
    memset(w->de, 0, (size_t)S * M * sizeof(real));
    memset(w->dkeys, 0, (size_t)S * M * sizeof(real));
    if (a->kind == RECUR_ATTN_ADDITIVE)
        memset(w->dq, 0, (size_t)T * M * sizeof(real));
    const real *keys = a->kind == RECUR_ATTN_DOT ? e : w->keys;
    real *dkeys = a->kind == RECUR_ATTN_DOT ? w->de : w->dkeys;
    for (int b = 0; b < B; b++) {
        int n = src_len[b];
        const real *ab = w->a + (long)b * tt * ts;
        real *db = w->da + (long)b * tt * ts;
        const real *dc = w->dx + (long)b * 2 * M;
        /* d weights = dc · eᵀ; d e += weightsᵀ · dc. */
        recur__gemm(0, 1, tt, n, M, 1, dc, B * 2 * M, e + (long)b * M, ld, 0, db, ts);
        recur__gemm(1, 0, n, M, tt, 1, ab, ts, dc, B * 2 * M, 1, w->de + (long)b * M, ld);
        /* Through the softmax: d score = a ⊙ (d a − Σ a·d a). */
        for (int t = 0; t < tt; t++) {
            const real *ar = ab + (long)t * ts;
            real *dr = db + (long)t * ts, dot = 0;
            for (int s = 0; s < n; s++)
                dot += ar[s] * dr[s];
            for (int s = 0; s < n; s++)
                dr[s] = ar[s] * (dr[s] - dot);
        }
        if (a->kind == RECUR_ATTN_ADDITIVE) {
            for (int t = 0; t < tt; t++)
                for (int s = 0; s < n; s++) {
                    real ds = db[(long)t * ts + s];
                    const real *q = w->q + ((long)t * B + b) * M;
                    const real *k = keys + ((long)s * B + b) * M;
                    real *dq = w->dq + ((long)t * B + b) * M;
                    real *dk = w->dkeys + ((long)s * B + b) * M;
                    for (int j = 0; j < M; j++) {
                        real u = (real)tanh(q[j] + k[j]);
                        a->g_v[j] += ds * u;
                        real dp = ds * a->v[j] * (1 - u * u);
                        dq[j] += dp;
                        dk[j] += dp;
                    }
                }
        } else {
            /* score = h · key: d h += d score · keys, d keys += d scoreᵀ · h. */
            recur__gemm(0, 0, tt, M, n, 1, db, ts, keys + (long)b * M, ld, 1,
                        w->dh + (long)b * M, ld);
            recur__gemm(1, 0, n, M, tt, 1, db, ts, h + (long)b * M, ld, 1,
                        dkeys + (long)b * M, ld);
        }
    }
    if (a->kind == RECUR_ATTN_GENERAL) {
        recur__gemm(1, 0, M, M, (int)S, 1, w->dkeys, M, e, M, 1, a->g_a, M);
        recur__gemm(0, 0, (int)S, M, M, 1, w->dkeys, M, a->w_a, M, 1, w->de, M);
    } else if (a->kind == RECUR_ATTN_ADDITIVE) {
        recur__gemm(1, 0, M, M, (int)T, 1, w->dq, M, h, M, 1, a->g_q, M);
        recur__gemm(0, 0, (int)T, M, M, 1, w->dq, M, a->w_q, M, 1, w->dh, M);
        recur__gemm(1, 0, M, M, (int)S, 1, w->dkeys, M, e, M, 1, a->g_k, M);
        recur__gemm(0, 0, (int)S, M, M, 1, w->dkeys, M, a->w_k, M, 1, w->de, M);
    }
}
