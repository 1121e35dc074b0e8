/* dataset.c - supervised training and evaluation over variable-length
 * examples: shuffled mini-batches padded to their longest example, with
 * the padding masked (model_input.len), for many-to-one readouts (one label
 * or target vector per example) and many-to-many ones (one per step). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "nn/loss.h"
#include "train/trainer.h"

static long example_len(const recur_dataset *ds, long i, int max_len)
{
    long n = ds->offsets[i + 1] - ds->offsets[i];
    return max_len > 0 && n > max_len ? max_len : n;
}

int recur_dataset_check(const recur_model *m, const recur_dataset *ds)
{
    const recur_config *c = &m->cfg;
    int pooled = c->readout != RECUR_READOUT_SEQUENCE, O = c->output_size;
    if (!ds || ds->count < 1 || !ds->offsets)
        return recur__fail(RECUR_E_INVALID, "the data set is empty");
    if (O < 1)
        return recur__fail(RECUR_E_MISMATCH, "the model has no output layer to train");
    if (ds->offsets[0] != 0)
        return recur__fail(RECUR_E_INVALID, "data set offsets must start at 0");
    for (long i = 0; i < ds->count; i++)
        if (ds->offsets[i + 1] <= ds->offsets[i])
            return recur__fail(RECUR_E_INVALID, "example %ld of the data set is empty",
                              i + 1);
    long steps = ds->offsets[ds->count];
    if (c->input == RECUR_INPUT_DENSE) {
        if (!ds->x)
            return recur__fail(RECUR_E_MISMATCH, "a dense-input model needs feature "
                                                "vectors");
        for (long i = 0; i < steps * c->input_size; i++)
            if (!isfinite(ds->x[i]))
                return recur__fail(RECUR_E_INVALID, "input value %ld is not finite", i);
    } else {
        if (!ds->tokens)
            return recur__fail(RECUR_E_MISMATCH, "a token model needs tokens");
        int rc = recur__model_check_tokens(m, ds->tokens, steps, RECUR_E_MISMATCH);
        if (rc)
            return rc;
    }
    long rows = pooled ? ds->count : steps;
    if (c->loss == RECUR_LOSS_XENT) {
        if (!ds->labels)
            return recur__fail(RECUR_E_MISMATCH, "a classifier needs labels");
        for (long i = 0; i < rows; i++)
            if (ds->labels[i] >= O || (pooled && ds->labels[i] < 0))
                return recur__fail(RECUR_E_MISMATCH, "label %d of %s %ld is outside "
                                  "the model's %d classes", (int)ds->labels[i],
                                  pooled ? "example" : "step", i + 1, O);
    } else {
        if (!ds->targets)
            return recur__fail(RECUR_E_MISMATCH, "a regression model needs targets");
        for (long i = 0; i < rows * O; i++)
            if (!isfinite(ds->targets[i]))
                return recur__fail(RECUR_E_INVALID, "target value %ld is not finite", i);
    }
    return RECUR_OK;
}

void recur__data_batch_free(data_batch *db)
{
    free(db->tokens);
    free(db->x);
    free(db->len);
    free(db->labels);
    free(db->targets);
    free(db->weight);
    memset(db, 0, sizeof *db);
}

static int data_batch_alloc(const recur_model *m, int T, int B, data_batch *db)
{
    const recur_config *c = &m->cfg;
    long TB = (long)T * B, O = c->output_size;
    memset(db, 0, sizeof *db);
    db->tokens = calloc((size_t)TB, sizeof *db->tokens);
    db->x = c->input == RECUR_INPUT_DENSE
                ? calloc((size_t)(TB * c->input_size), sizeof *db->x) : NULL;
    db->len = calloc((size_t)B, sizeof *db->len);
    db->labels = calloc((size_t)TB, sizeof *db->labels);
    db->targets = c->loss == RECUR_LOSS_MSE ? calloc((size_t)(TB * O), sizeof(real))
                                            : NULL;
    db->weight = calloc((size_t)TB, sizeof *db->weight);
    if (!db->tokens || !db->len || !db->labels || !db->weight ||
        (c->input == RECUR_INPUT_DENSE && !db->x) ||
        (c->loss == RECUR_LOSS_MSE && !db->targets)) {
        recur__data_batch_free(db);
        return recur__fail(RECUR_E_NOMEM, "out of memory for a batch");
    }
    return RECUR_OK;
}

/* The longest example (after the cap): the time capacity of a batch. */
static int longest(const recur_dataset *ds, int max_len)
{
    long T = 1;
    for (long i = 0; i < ds->count; i++)
        if (example_len(ds, i, max_len) > T)
            T = example_len(ds, i, max_len);
    return T > 1000000 ? 1000000 : (int)T;
}

/* Lay the examples idx[0..B) out time-major, padded to the longest. */
static void pack(const recur_model *m, const recur_dataset *ds, const long *idx,
                 int B, int max_len, data_batch *db)
{
    const recur_config *c = &m->cfg;
    int I = c->input_size, O = c->output_size;
    int pooled = c->readout != RECUR_READOUT_SEQUENCE;
    int T = 1;
    for (int b = 0; b < B; b++) {
        db->len[b] = (int32_t)example_len(ds, idx[b], max_len);
        if (db->len[b] > T)
            T = db->len[b];
    }
    db->T = T, db->B = B;
    long TB = (long)T * B;
    for (int b = 0; b < B; b++) {
        long base = ds->offsets[idx[b]];
        for (int t = 0; t < T; t++) {
            long r = (long)t * B + b, src = base + t;
            int valid = t < db->len[b];
            db->tokens[r] = valid && ds->tokens ? ds->tokens[src] : 0;
            if (db->x)
                for (int k = 0; k < I; k++)
                    db->x[r * I + k] = valid ? (real)ds->x[src * I + k] : 0;
            if (pooled)
                continue;
            db->weight[r] = valid;
            if (ds->labels)
                db->labels[r] = valid ? ds->labels[src] : -1;
            if (db->targets)
                for (int o = 0; o < O; o++)
                    db->targets[r * O + o] = valid ? (real)ds->targets[src * O + o] : 0;
        }
        if (pooled) {
            db->weight[b] = 1;
            if (ds->labels)
                db->labels[b] = ds->labels[idx[b]];
            if (db->targets)
                for (int o = 0; o < O; o++)
                    db->targets[(long)b * O + o] = (real)ds->targets[idx[b] * O + o];
        }
    }
    (void)TB;
}

/* Loss summed over what the batch scores; with dlogits, its gradient scaled
 * to the mean over `whole` scored items (0: the batch's own count).
 * *counted: labels (XENT) or values (MSE) scored. */
static double score(const recur_model *m, const data_batch *db, const real *logits,
                    real *dlogits, long whole, long *counted, long *correct)
{
    const recur_config *c = &m->cfg;
    int O = c->output_size;
    long rows = c->readout != RECUR_READOUT_SEQUENCE ? db->B : (long)db->T * db->B;
    long n = 0;
    for (long r = 0; r < rows; r++)
        n += c->loss == RECUR_LOSS_XENT ? db->labels[r] >= 0 : (db->weight[r] > 0) * O;
    *counted = n;
    *correct = 0;
    long norm = whole > 0 ? whole : n;
    real scale = norm ? (real)(1.0 / (double)norm) : 0;
    if (c->loss == RECUR_LOSS_XENT) {
        long k;
        return recur__loss_softmax_xent(logits, db->labels, rows, O, dlogits, scale, &k,
                                 correct);
    }
    double total = 0;
    for (long r = 0; r < rows; r++) {
        real *d = dlogits ? dlogits + r * O : NULL;
        if (db->weight[r] > 0)
            total += recur__loss_squared_error(logits + r * O, db->targets + r * O, O, d, scale);
        else if (d)
            memset(d, 0, (size_t)O * sizeof *d);
    }
    return total;
}

/* Examples are sorted by length (ties by position, so the sort is
 * deterministic) within runs of BUCKET_RUN batches of the shuffled order;
 * the batches so formed are then put in a shuffled order, keeping the
 * short last batch (if any) last. */
#define BUCKET_RUN 64

/* An example's length and position, sorted by length, then position (so
 * the sort is deterministic); no global state, so trainers on different
 * threads may shuffle at once. */
typedef struct {
    long len, idx;
} length_key;

static int by_length(const void *a, const void *b)
{
    const length_key *x = a, *y = b;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

void recur__dataset_bucket(recur_trainer *tr, rng *r)
{
    long n = tr->ds.count, B = tr->tc.batch, run = BUCKET_RUN * B;
    length_key *keys = (length_key *)tr->scratch; /* 2n longs: n keys */
    for (long i = 0; i < n; i++) {
        long e = tr->order[i];
        keys[i] = (length_key){tr->ds.offsets[e + 1] - tr->ds.offsets[e], e};
    }
    for (long s0 = 0; s0 < n; s0 += run)
        qsort(keys + s0, (size_t)(s0 + run < n ? run : n - s0), sizeof *keys, by_length);
    for (long i = 0; i < n; i++)
        tr->order[i] = keys[i].idx;
    long full = n / B; /* whole batches; a short last one stays last */
    long *copy = tr->scratch, *bidx = tr->scratch + n;
    memcpy(copy, tr->order, (size_t)n * sizeof(long));
    for (long k = 0; k < full; k++)
        bidx[k] = k;
    for (long k = full - 1; k > 0; k--) {
        long j = (long)recur__rng_below(r, (uint64_t)k + 1), t = bidx[k];
        bidx[k] = bidx[j];
        bidx[j] = t;
    }
    for (long k = 0; k < full; k++)
        memcpy(tr->order + k * B, copy + bidx[k] * B, (size_t)B * sizeof(long));
}

int recur_trainer_create_dataset(recur_model *m, const recur_train_config *tc,
                                 const recur_dataset *ds, recur_trainer **out)
{
    *out = NULL;
    int rc = recur__trainer_check_config(tc, 1);
    if (!rc)
        rc = recur_dataset_check(m, ds);
    if (rc)
        return rc;
    recur_trainer *tr = calloc(1, sizeof *tr);
    if (!tr)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    int B = tc->batch > ds->count ? (int)ds->count : tc->batch;
    int T = longest(ds, tc->seq_len);
    tr->m = m;
    tr->tc = *tc;
    tr->tc.stateful = 0;
    tr->ds = *ds;
    tr->nranks = 1;
    tr->n = ds->offsets[ds->count];
    tr->nwindows = ds->count;
    tr->steps_per_epoch = (ds->count + tc->batch - 1) / tc->batch;
    tr->nstate = (long)m->cfg.layers * m->dirs * B * m->cfg.hidden;
    tr->carry_h = calloc(2 * (size_t)tr->nstate, sizeof(real));
    tr->carry_c = tr->carry_h ? tr->carry_h + tr->nstate : NULL;
    tr->order = malloc((size_t)ds->count * sizeof(long));
    tr->scratch = malloc(2 * (size_t)ds->count * sizeof(long));
    if (!tr->carry_h || !tr->carry_c || !tr->order || !tr->scratch) {
        recur_trainer_free(tr);
        return recur__fail(RECUR_E_NOMEM, "out of memory for the trainer");
    }
    rc = recur__model_work_alloc(m, T, B, &tr->w);
    if (!rc)
        rc = data_batch_alloc(m, T, B, &tr->db);
    if (!rc)
        rc = recur__optim_init(&tr->opt, &tr->tc, m->nparams);
    if (rc) {
        recur_trainer_free(tr);
        return rc;
    }
    recur__rng_seed(&tr->dropout_rng, tc->seed);
    recur__trainer_shuffle(tr);
    *out = tr;
    return RECUR_OK;
}

/* What the examples idx[0..B) score (labels or values), counted from the
 * data set: the whole batch's count, known to every process. */
static long batch_count(const recur_trainer *tr, const long *idx, long B)
{
    const recur_config *c = &tr->m->cfg;
    const recur_dataset *ds = &tr->ds;
    long O = c->loss == RECUR_LOSS_XENT ? 1 : c->output_size, n = 0;
    if (c->readout != RECUR_READOUT_SEQUENCE)
        return B * O; /* every example has its label (checked) */
    for (long b = 0; b < B; b++) {
        long len = example_len(ds, idx[b], tr->tc.seq_len), base = ds->offsets[idx[b]];
        if (c->loss != RECUR_LOSS_XENT)
            n += len * O;
        else
            for (long t = 0; t < len; t++)
                n += ds->labels[base + t] >= 0;
    }
    return n;
}

/* This process's slice [lo, hi) of the batch (it may be empty when the
 * last batch is shorter than the number of processes). */
static int shared_step(recur_trainer *tr, long first, int B, recur_batch_stats *st)
{
    recur_model *m = tr->m;
    long lo, hi, counted = 0, correct = 0;
    double loss = 0;
    recur__trainer_share(tr, B, &lo, &hi);
    rng drop;
    recur__share_rng(&tr->dropout_rng, tr->rank, &drop);
    recur__model_zero_grads(m);
    recur__trainer_overlap_backward(tr);
    if (hi > lo) {
        data_batch *db = &tr->db;
        int Bl = (int)(hi - lo);
        pack(m, &tr->ds, tr->order + first + lo, Bl, tr->tc.seq_len, db);
        model_input in = {.tokens = db->tokens, .x = db->x, .len = db->len};
        recur__model_forward(m, &tr->w, db->T, Bl, in, NULL, NULL,
                             m->cfg.dropout > 0 ? &drop : NULL);
        long whole = batch_count(tr, tr->order + first, B);
        loss = score(m, db, tr->w.logits, tr->w.dlogits, whole > 0 ? whole : 1,
                     &counted, &correct);
        recur__model_backward(m, &tr->w, db->T, Bl, in, NULL, NULL, NULL, NULL, NULL);
    }
    int rc = recur__trainer_sum_grads(tr, &loss, &counted, &correct);
    return rc ? rc : recur__trainer_update(tr, loss, counted, correct, st);
}

int recur__dataset_step(recur_trainer *tr, recur_batch_stats *st)
{
    recur_model *m = tr->m;
    long first = tr->batch_in_epoch * tr->tc.batch;
    int B = (int)(tr->ds.count - first < tr->tc.batch ? tr->ds.count - first
                                                       : tr->tc.batch);
    if (tr->nranks > 1)
        return shared_step(tr, first, B, st);
    data_batch *db = &tr->db;
    pack(m, &tr->ds, tr->order + first, B, tr->tc.seq_len, db);
    model_input in = {.tokens = db->tokens, .x = db->x, .len = db->len};
    recur__model_zero_grads(m);
    recur__model_forward(m, &tr->w, db->T, B, in, NULL, NULL,
                  m->cfg.dropout > 0 ? &tr->dropout_rng : NULL);
    long counted, correct;
    double loss = score(m, db, tr->w.logits, tr->w.dlogits, 0, &counted, &correct);
    recur__model_backward(m, &tr->w, db->T, B, in, NULL, NULL, NULL, NULL, NULL);
    return recur__trainer_update(tr, loss, counted, correct, st);
}

/* Run m over ds in order, in batches of B: the loss and, with out, the
 * outputs. */
static int run_dataset(const recur_model *m, const recur_dataset *ds, int B,
                       int max_len, recur_eval_stats *stats, float *out)
{
    const recur_config *c = &m->cfg;
    if (B < 1)
        return recur__fail(RECUR_E_INVALID, "batch size must be >= 1");
    if (max_len < 0)
        return recur__fail(RECUR_E_INVALID, "maximum length must be >= 0");
    int rc = recur_dataset_check(m, ds);
    if (rc)
        return rc;
    if (B > ds->count)
        B = (int)ds->count;
    int T = longest(ds, max_len), O = c->output_size;
    int pooled = c->readout != RECUR_READOUT_SEQUENCE;
    model_work w;
    data_batch db;
    long *idx = malloc((size_t)B * sizeof *idx);
    if (!idx)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    if ((rc = recur__model_work_alloc(m, T, B, &w))) {
        free(idx);
        return rc;
    }
    if ((rc = data_batch_alloc(m, T, B, &db))) {
        recur__model_work_free(&w);
        free(idx);
        return rc;
    }
    double total = 0;
    long counted_all = 0, correct_all = 0;
    for (long first = 0; first < ds->count; first += B) {
        int nb = (int)(ds->count - first < B ? ds->count - first : B);
        for (int b = 0; b < nb; b++)
            idx[b] = first + b;
        pack(m, ds, idx, nb, max_len, &db);
        model_input in = {.tokens = db.tokens, .x = db.x, .len = db.len};
        recur__model_forward(m, &w, db.T, nb, in, NULL, NULL, NULL);
        long counted, correct;
        total += score(m, &db, w.logits, NULL, 0, &counted, &correct);
        counted_all += counted;
        correct_all += correct;
        if (!out)
            continue;
        if (pooled) {
            for (long i = 0; i < (long)nb * O; i++)
                out[first * O + i] = (float)w.logits[i];
            continue;
        }
        for (int b = 0; b < nb; b++)
            for (int t = 0; t < db.len[b]; t++)
                for (int o = 0; o < O; o++)
                    out[(ds->offsets[first + b] + t) * O + o] =
                        (float)w.logits[((long)t * nb + b) * O + o];
    }
    if (stats) {
        stats->loss = counted_all ? total / (double)counted_all : 0;
        stats->accuracy = counted_all ? (double)correct_all / (double)counted_all : 0;
        stats->tokens = counted_all;
    }
    recur__data_batch_free(&db);
    recur__model_work_free(&w);
    free(idx);
    return RECUR_OK;
}

int recur_evaluate_dataset(const recur_model *m, const recur_dataset *ds, int B,
                           int max_len, recur_eval_stats *out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "no output for the statistics");
    memset(out, 0, sizeof *out);
    return run_dataset(m, ds, B, max_len, out, NULL);
}

int recur_predict_dataset(const recur_model *m, const recur_dataset *ds, int B,
                          int max_len, float *out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "no output buffer");
    return run_dataset(m, ds, B, max_len, NULL, out);
}
