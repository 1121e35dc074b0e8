/* trainer.c - next-token training over a token stream: batching (stateful
 * streams for truncated BPTT, or shuffled independent windows), one
 * forward/backward per step, NaN/Inf detection, clipping, the update. */
#include "train/trainer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "nn/loss.h"

static const char *const optim_names[] = {"sgd", "adam", "adamw", "rmsprop"};

const char *recur_optimizer_name(recur_optimizer o)
{
    return o >= RECUR_SGD && o <= RECUR_RMSPROP ? optim_names[o] : "unknown";
}

int recur_optimizer_parse(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, optim_names[i]) == 0)
            return i;
    return -1;
}

void recur_train_config_default(recur_train_config *tc)
{
    memset(tc, 0, sizeof *tc);
    tc->optimizer = RECUR_ADAM;
    tc->lr = 2e-3f;
    tc->beta1 = 0.9f;
    tc->beta2 = 0.999f;
    tc->eps = 1e-8f;
    tc->momentum = 0.9f;
    tc->rho = 0.99f;
    tc->clip = 5;
    tc->lr_decay = 1;
    tc->lr_decay_after = 0;
    tc->seq_len = 100;
    tc->batch = 32;
    tc->stateful = 1;
    tc->seed = 1;
}

int recur__trainer_check_config(const recur_train_config *tc, int uses_seq_len)
{
    if (!tc)
        return recur__fail(RECUR_E_INVALID, "no training configuration");
    if (tc->optimizer < RECUR_SGD || tc->optimizer > RECUR_RMSPROP)
        return recur__fail(RECUR_E_INVALID, "unknown optimizer %d", (int)tc->optimizer);
    if (!(tc->lr > 0 && tc->lr < 100))
        return recur__fail(RECUR_E_INVALID, "learning rate %g is outside (0, 100)",
                          (double)tc->lr);
    if (!(tc->beta1 >= 0 && tc->beta1 < 1 && tc->beta2 >= 0 && tc->beta2 < 1))
        return recur__fail(RECUR_E_INVALID, "Adam betas must be in [0, 1)");
    if (!(tc->eps > 0) || !(tc->momentum >= 0 && tc->momentum < 1) ||
        !(tc->rho >= 0 && tc->rho < 1) || !(tc->weight_decay >= 0))
        return recur__fail(RECUR_E_INVALID, "optimizer settings out of range "
                          "(eps > 0, momentum and rho in [0, 1), weight decay >= 0)");
    if (!(tc->clip >= 0))
        return recur__fail(RECUR_E_INVALID, "clip must be >= 0 (0 = off)");
    if (!(tc->lr_decay > 0 && tc->lr_decay <= 1) || tc->lr_decay_after < 0)
        return recur__fail(RECUR_E_INVALID, "lr decay must be in (0, 1] and start "
                                           "at an epoch >= 0");
    if (uses_seq_len && (tc->seq_len < 1 || tc->seq_len > 100000))
        return recur__fail(RECUR_E_LIMIT, "sequence length %d is outside 1..100000",
                          tc->seq_len);
    if (tc->batch < 1 || tc->batch > 100000)
        return recur__fail(RECUR_E_LIMIT, "batch size %d is outside 1..100000",
                          tc->batch);
    return RECUR_OK;
}

/* A fresh permutation of the windows for each epoch, derived from the seed
 * and the epoch alone, so that a resumed run shuffles exactly the same. */
void recur__trainer_shuffle(recur_trainer *tr)
{
    rng r;
    recur__rng_seed(&r, tr->tc.seed * 0x9E3779B97F4A7C15ULL + (uint64_t)tr->epoch + 1);
    for (long i = 0; i < tr->nwindows; i++)
        tr->order[i] = i;
    for (long i = tr->nwindows - 1; i > 0; i--) {
        long j = (long)recur__rng_below(&r, (uint64_t)i + 1), t = tr->order[i];
        tr->order[i] = tr->order[j];
        tr->order[j] = t;
    }
    if (tr->ds.count > 0 && tr->tc.bucket)
        recur__dataset_bucket(tr, &r);
}

/* Token i of a stream held at 1, 2 or 4 bytes (first <= i < first + held). */
static inline int32_t token_at(recur_token_array a, long i)
{
    i -= a.first;
    return a.width == 1 ? ((const uint8_t *)a.ids)[i]
           : a.width == 2 ? ((const uint16_t *)a.ids)[i]
                          : ((const int32_t *)a.ids)[i];
}

static int whole(recur_token_array a) { return a.first == 0 && a.held == a.n; }

/* RECUR_OK if every token held is a valid input of m (code on failure). */
static int check_tokens(const recur_model *m, recur_token_array a, int code)
{
    if (a.width != 1 && a.width != 2 && a.width != 4)
        return recur__fail(RECUR_E_INVALID, "tokens of %d bytes: 1, 2 or 4 expected",
                          a.width);
    if (a.first < 0 || a.held < 0 || a.first > a.n - a.held)
        return recur__fail(RECUR_E_INVALID, "tokens %ld .. %ld held of a stream of %ld",
                          a.first, a.first + a.held, a.n);
    if (a.held > 0 && !a.ids)
        return recur__fail(RECUR_E_INVALID, "no tokens");
    if (a.width == 4)
        return recur__model_check_tokens(m, a.ids, a.held, code);
    for (long i = a.first; i < a.first + a.held; i++)
        if (token_at(a, i) >= m->cfg.input_size)
            return recur__fail(code, "token %d at position %ld is outside the model's "
                              "vocabulary of %d", (int)token_at(a, i), i,
                              m->cfg.input_size);
    return RECUR_OK;
}

/* 0 if the tokens held cover what rank of nranks reads: for stateful
 * text its streams [lo, hi) (tokens lo·L .. hi·L, L the stream length),
 * otherwise everything (the windows of a shuffled epoch are anywhere). */
static int holds_share(const recur_trainer *tr, int rank, int nranks)
{
    recur_token_array a = tr->tokens;
    if (tr->ds.count > 0 || whole(a))
        return RECUR_OK;
    long B = tr->tc.batch, lo = rank * B / nranks, hi = (rank + 1) * B / nranks;
    if (tr->tc.stateful && a.first <= lo * tr->stream_len &&
        hi * tr->stream_len < a.first + a.held)
        return RECUR_OK;
    return recur__fail(RECUR_E_INVALID, "process %d of %d reads %s of the text, but only "
                      "characters %ld .. %ld are held", rank, nranks,
                      tr->tc.stateful ? "its streams" : "all", a.first,
                      a.first + a.held - 1);
}

int recur_trainer_create(recur_model *m, const recur_train_config *tc,
                         const int32_t *tokens, long n, recur_trainer **out)
{
    recur_token_array a = {tokens, 4, n, 0, n};
    return recur_trainer_create_tokens(m, tc, a, out);
}

int recur_trainer_create_tokens(recur_model *m, const recur_train_config *tc,
                                recur_token_array tokens, recur_trainer **out)
{
    *out = NULL;
    long n = tokens.n;
    const recur_config *c = &m->cfg;
    int rc = recur__trainer_check_config(tc, 1);
    if (rc)
        return rc;
    if (c->input == RECUR_INPUT_DENSE || c->loss != RECUR_LOSS_XENT ||
        c->output_size != c->input_size)
        return recur__fail(RECUR_E_MISMATCH, "next-token training needs a token "
                          "model whose output is its vocabulary");
    if (c->readout != RECUR_READOUT_SEQUENCE)
        return recur__fail(RECUR_E_MISMATCH, "next-token training needs a model "
                          "that reads out every step (readout 'sequence')");
    if (c->bidirectional)
        return recur__fail(RECUR_E_INVALID, "a bidirectional model sees the future "
                          "and cannot be trained to predict the next token");
    if (c->reverse)
        return recur__fail(RECUR_E_INVALID, "a reverse model reads each window from "
                          "its end and cannot be trained to predict the next token");
    int T = tc->seq_len, B = tc->batch;
    if ((rc = check_tokens(m, tokens, RECUR_E_MISMATCH)))
        return rc;
    if (!tc->stateful && !whole(tokens))
        return recur__fail(RECUR_E_INVALID, "shuffled windows (stateless) need the "
                                           "whole token stream, not a part");
    long stream_len = n > 1 ? (n - 1) / B : 0;
    long nwindows = n > 1 ? (n - 1) / T : 0;
    long steps = tc->stateful ? stream_len / T : nwindows / B;
    if (steps < 1)
        return recur__fail(RECUR_E_INVALID, "the training text has %ld characters: "
                          "too few for one batch of %d sequences of %d (need %ld)",
                          n, B, T, (long)B * T + 1);
    recur_trainer *tr = calloc(1, sizeof *tr);
    if (!tr)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    tr->m = m;
    tr->tc = *tc;
    tr->tokens = tokens;
    tr->n = n;
    tr->nranks = 1;
    tr->stream_len = stream_len;
    tr->nwindows = nwindows;
    tr->steps_per_epoch = steps;
    tr->nstate = (long)c->layers * B * c->hidden;
    /* One block, so that a sharded trainer sums both in one call. */
    tr->carry_h = calloc(2 * (size_t)tr->nstate, sizeof(real));
    tr->carry_c = tr->carry_h ? tr->carry_h + tr->nstate : NULL;
    tr->inp = malloc((size_t)T * B * sizeof(int32_t));
    tr->tgt = malloc((size_t)T * B * sizeof(int32_t));
    tr->order = tc->stateful ? NULL : malloc((size_t)nwindows * sizeof(long));
    if (!tr->carry_h || !tr->carry_c || !tr->inp || !tr->tgt ||
        (!tc->stateful && !tr->order)) {
        recur_trainer_free(tr);
        return recur__fail(RECUR_E_NOMEM, "out of memory for the trainer");
    }
    rc = recur__model_work_alloc(m, T, B, &tr->w);
    if (!rc)
        rc = recur__optim_init(&tr->opt, tc, m->nparams);
    if (rc) {
        recur_trainer_free(tr);
        return rc;
    }
    recur__rng_seed(&tr->dropout_rng, tc->seed);
    if (!tc->stateful)
        recur__trainer_shuffle(tr);
    *out = tr;
    return RECUR_OK;
}

void recur_trainer_free(recur_trainer *tr)
{
    if (!tr)
        return;
    recur__model_work_free(&tr->w);
    recur__optim_free(&tr->opt);
    free(tr->carry_h); /* carry_c is its second half */
    free(tr->carry_loc);
    free(tr->inp);
    free(tr->tgt);
    free(tr->order);
    free(tr->scratch);
    recur__data_batch_free(&tr->db);
    free(tr);
}

long recur_trainer_steps_per_epoch(const recur_trainer *tr) { return tr->steps_per_epoch; }
long recur_trainer_step_count(const recur_trainer *tr) { return tr->step; }
int recur_trainer_epoch(const recur_trainer *tr) { return tr->epoch; }

/* Fill inp/tgt with rows [lo, hi) of the window for the current position
 * (time-major, hi - lo rows). */
static void load_window(recur_trainer *tr, long lo, long hi)
{
    int T = tr->tc.seq_len, B = tr->tc.batch;
    long Bl = hi - lo;
    for (long b = lo; b < hi; b++) {
        long start = tr->tc.stateful
                         ? b * tr->stream_len + tr->batch_in_epoch * T
                         : tr->order[tr->batch_in_epoch * B + b] * T;
        for (int t = 0; t < T; t++) {
            tr->inp[(long)t * Bl + b - lo] = token_at(tr->tokens, start + t);
            tr->tgt[(long)t * Bl + b - lo] = token_at(tr->tokens, start + t + 1);
        }
    }
}

void recur__trainer_share(const recur_trainer *tr, long B, long *lo, long *hi)
{
    *lo = (long)tr->rank * B / tr->nranks;
    *hi = (long)(tr->rank + 1) * B / tr->nranks;
}

void recur__share_rng(rng *shared, int rank, rng *out)
{
    recur__rng_seed(out, recur__rng_next(shared) ^
                             (uint64_t)(rank + 1) * 0xD1B54A32D192ED03ULL);
}

int recur__sum_shares(recur_allreduce_fn sum, void *user, int nranks, long step, real *v,
                      long n, double *d, int nd)
{
#ifdef RECUR_REAL_DOUBLE
    (void)sum, (void)user, (void)v, (void)n, (void)d, (void)nd;
    return recur__fail(RECUR_E_INVALID, "no data-parallel training in the "
                                       "double-precision build");
#else
    if (sum(user, v, n, d, nd))
        return recur__fail(RECUR_E_IO, "step %ld: the sum over the %d processes "
                          "failed (did one of them stop?)", step + 1, nranks);
    return RECUR_OK;
#endif
}

static int sum_shares(recur_trainer *tr, real *v, long n, double *d, int nd)
{
    return recur__sum_shares(tr->sum, tr->sum_user, tr->nranks, tr->step, v, n, d, nd);
}

/* backward's grads_ready: grads[from .. unsent) are final; start their sum. */
static void begin_bucket(void *user, long from)
{
    recur_trainer *tr = user;
    if (from >= tr->unsent)
        return;
#ifndef RECUR_REAL_DOUBLE
    if (!tr->begin_failed && tr->begin(tr->sum_user, tr->m->grads + from, tr->unsent - from))
        tr->begin_failed = 1;
#endif
    tr->unsent = from;
}

void recur__trainer_overlap_backward(recur_trainer *tr)
{
    tr->unsent = tr->m->nparams;
    tr->begin_failed = 0;
    tr->w.grads_ready = tr->begin ? begin_bucket : NULL;
    tr->w.grads_user = tr;
}

int recur__trainer_sum_grads(recur_trainer *tr, double *loss, long *counted,
                             long *correct)
{
    double d[3] = {*loss, (double)*counted, (double)*correct};
    /* A share without rows ran no backward: it begins the same sums. */
    if (tr->begin && tr->unsent == tr->m->nparams)
        recur__model_announce_grads(tr->m, &tr->w);
    tr->w.grads_ready = NULL;
    int rc = sum_shares(tr, tr->m->grads, tr->begin ? tr->unsent : tr->m->nparams, d, 3);
    if (!rc && tr->begin_failed)
        rc = recur__fail(RECUR_E_IO, "step %ld: the sum over the %d processes failed "
                        "(did one of them stop?)", tr->step + 1, tr->nranks);
    *loss = d[0];
    *counted = (long)d[1];
    *correct = (long)d[2];
    return rc;
}

int recur__check_shard(int rank, int nranks, recur_allreduce_fn sum, int batch,
                       const char *row)
{
    if (nranks < 1 || rank < 0 || rank >= nranks || (nranks > 1 && !sum))
        return recur__fail(RECUR_E_INVALID, "rank %d of %d processes (with a sum "
                          "function when more than one) expected", rank, nranks);
#ifdef RECUR_REAL_DOUBLE
    if (nranks > 1)
        return recur__fail(RECUR_E_INVALID, "no data-parallel training in the "
                                           "double-precision build");
#endif
    if (nranks > batch)
        return recur__fail(RECUR_E_INVALID, "a batch of %d cannot be shared among "
                          "%d processes (each needs at least one %s)", batch, nranks, row);
    return RECUR_OK;
}

int recur_trainer_set_shard(recur_trainer *tr, int rank, int nranks,
                            recur_allreduce_fn sum, void *user)
{
    if (!tr)
        return recur__fail(RECUR_E_INVALID, "no trainer");
    int rc = recur__check_shard(rank, nranks, sum, tr->tc.batch, "sequence");
    if (!rc)
        rc = holds_share(tr, nranks > 1 ? rank : 0, nranks);
    if (rc)
        return rc;
    free(tr->carry_loc);
    tr->carry_loc = NULL;
    tr->rank = nranks > 1 ? rank : 0;
    tr->nranks = nranks;
    tr->sum = nranks > 1 ? sum : NULL;
    tr->sum_user = user;
    tr->begin = NULL;
    if (nranks > 1 && tr->ds.count == 0 && tr->tc.stateful) {
        long lo, hi;
        recur__trainer_share(tr, tr->tc.batch, &lo, &hi);
        long n = (long)tr->m->cfg.layers * (hi - lo) * tr->m->cfg.hidden;
        tr->carry_loc = calloc(2 * (size_t)n, sizeof(real));
        if (!tr->carry_loc)
            return recur__fail(RECUR_E_NOMEM, "out of memory for the trainer");
    }
    return RECUR_OK;
}

int recur_trainer_set_overlap(recur_trainer *tr, recur_allreduce_begin_fn begin)
{
    if (!tr)
        return recur__fail(RECUR_E_INVALID, "no trainer");
    if (begin && tr->nranks == 1)
        return recur__fail(RECUR_E_INVALID, "overlap needs a sharded trainer "
                                           "(recur_trainer_set_shard first)");
    tr->begin = begin;
    return RECUR_OK;
}

/* Copy this share's rows of one carried state between the whole-batch
 * layout [L][B][W] (all) and the share's [L][hi-lo][W] (mine). */
static void share_rows(const recur_trainer *tr, long lo, long hi, long W, real *all,
                       real *mine, int store)
{
    long B = tr->tc.batch, Bl = hi - lo;
    for (int l = 0; l < tr->m->cfg.layers; l++) {
        long g = ((long)l * B + lo) * W, s = (long)l * Bl * W;
        size_t bytes = (size_t)(Bl * W) * sizeof(real);
        if (store)
            memcpy(all + g, mine + s, bytes);
        else
            memcpy(mine + s, all + g, bytes);
    }
}

/* The share's hidden states h (W = the state width, model.h) and cell
 * states c (W = hidden) to or from carry_h and carry_c. */
static void share_state(recur_trainer *tr, long lo, long hi, real *h, real *c,
                        int store)
{
    share_rows(tr, lo, hi, model_state_width(&tr->m->cfg), tr->carry_h, h, store);
    share_rows(tr, lo, hi, tr->m->cfg.hidden, tr->carry_c, c, store);
}

/* One step of this process's share of a text batch. */
static int shared_text_step(recur_trainer *tr, recur_batch_stats *st)
{
    recur_model *m = tr->m;
    int T = tr->tc.seq_len, V = m->cfg.output_size;
    long lo, hi;
    recur__trainer_share(tr, tr->tc.batch, &lo, &hi);
    int Bl = (int)(hi - lo);
    load_window(tr, lo, hi);
    int carry = tr->tc.stateful && tr->batch_in_epoch > 0;
    long nloc = (long)m->cfg.layers * Bl * m->cfg.hidden;
    if (carry)
        share_state(tr, lo, hi, tr->carry_loc, tr->carry_loc + nloc, 0);
    rng drop;
    recur__share_rng(&tr->dropout_rng, tr->rank, &drop);
    model_input in = {.tokens = tr->inp};
    recur__model_zero_grads(m);
    recur__model_forward(m, &tr->w, T, Bl, in, carry ? tr->carry_loc : NULL,
                         carry ? tr->carry_loc + nloc : NULL,
                         m->cfg.dropout > 0 ? &drop : NULL);
    long counted, correct;
    /* Scaled by the whole batch's count: the sum of the shares' gradients
     * is the one-process gradient. */
    double loss = recur__loss_softmax_xent(tr->w.logits, tr->tgt, (long)T * Bl, V,
                                           tr->w.dlogits,
                                           (real)(1.0 / ((double)T * tr->tc.batch)),
                                           &counted, &correct);
    recur__trainer_overlap_backward(tr);
    recur__model_backward(m, &tr->w, T, Bl, in, NULL, NULL, NULL, NULL, NULL);
    int rc = recur__trainer_sum_grads(tr, &loss, &counted, &correct);
    return rc ? rc : recur__trainer_update(tr, loss, counted, correct, st);
}

static double current_lr(const recur_train_config *tc, int epoch)
{
    /* One decay at the end of every epoch from the lr_decay_after-th on. */
    int first = tc->lr_decay_after > 1 ? tc->lr_decay_after : 1;
    int k = epoch - first + 1;
    return tc->lr * (k > 0 ? pow(tc->lr_decay, k) : 1.0);
}

int recur_trainer_step(recur_trainer *tr, recur_batch_stats *st)
{
    if (tr->ds.count > 0)
        return recur__dataset_step(tr, st);
    int rc = holds_share(tr, tr->rank, tr->nranks);
    if (rc)
        return rc;
    if (tr->nranks > 1)
        return shared_text_step(tr, st);
    recur_model *m = tr->m;
    int T = tr->tc.seq_len, B = tr->tc.batch, V = m->cfg.output_size;
    long TB = (long)T * B;
    load_window(tr, 0, B);
    int carry = tr->tc.stateful && tr->batch_in_epoch > 0;
    model_input in = {.tokens = tr->inp};
    recur__model_zero_grads(m);
    recur__model_forward(m, &tr->w, T, B, in, carry ? tr->carry_h : NULL,
                  carry ? tr->carry_c : NULL,
                  m->cfg.dropout > 0 ? &tr->dropout_rng : NULL);
    long counted, correct;
    double loss = recur__loss_softmax_xent(tr->w.logits, tr->tgt, TB, V, tr->w.dlogits,
                                    (real)(1.0 / (double)TB), &counted, &correct);
    recur__model_backward(m, &tr->w, T, B, in, NULL, NULL, NULL, NULL, NULL);
    return recur__trainer_update(tr, loss, counted, correct, st);
}

int recur__train_update(const recur_train_config *tc, int epoch, long step,
                        const param_group *g, int ng, double loss, long counted,
                        long correct, recur_batch_stats *st)
{
    /* One global norm over all groups, as over one parameter vector. */
    double norm = 0;
    for (int k = 0; k < ng; k++) {
        double nk = recur__grad_norm(g[k].grads, g[k].n);
        norm = ng == 1 ? nk : norm + nk * nk;
    }
    if (ng > 1)
        norm = sqrt(norm);
    if (!isfinite(loss) || !isfinite(norm))
        return recur__fail(RECUR_E_NUMERIC, "step %ld: the %s is %s; parameters "
                          "left as they were before this step", step + 1,
                          isfinite(loss) ? "gradient norm" : "loss",
                          isnan(isfinite(loss) ? norm : loss) ? "NaN" : "infinite");
    /* Clipping scales the gradient inside the update, in the same pass. */
    real clip = (real)recur__clip_factor(norm, tc->clip);
    double lr = current_lr(tc, epoch);
    int nonfinite = 0;
    for (int k = 0; k < ng; k++)
        nonfinite |= recur__optim_step(g[k].opt, g[k].params, g[k].grads, clip, lr);
    /* A finite gradient can still overflow a parameter (no clipping, a huge
     * learning rate). Checkpoints refuse such a model, so the last good one
     * on disk stays. */
    if (nonfinite)
        return recur__fail(RECUR_E_NUMERIC, "step %ld: the update made the parameters "
                          "non-finite (try a lower learning rate or gradient clipping)",
                          step + 1);
    if (st) {
        st->loss = counted ? loss / (double)counted : 0;
        st->accuracy = counted ? (double)correct / (double)counted : 0;
        st->grad_norm = norm;
        st->tokens = counted;
        st->lr = lr;
    }
    return RECUR_OK;
}

int recur__trainer_update(recur_trainer *tr, double loss, long counted, long correct,
                          recur_batch_stats *st)
{
    recur_model *m = tr->m;
    param_group g = {&tr->opt, m->params, m->grads, m->nparams};
    int rc = recur__train_update(&tr->tc, tr->epoch, tr->step, &g, 1, loss, counted,
                                 correct, st);
    if (rc)
        return rc;
    if (tr->tc.stateful && tr->nranks > 1) {
        /* Every process holds the whole carried state: its rows, the
         * others' zero, summed (x + 0 is exact). */
        long lo, hi;
        recur__trainer_share(tr, tr->tc.batch, &lo, &hi);
        memset(tr->carry_h, 0, 2 * (size_t)tr->nstate * sizeof(real));
        share_state(tr, lo, hi, tr->w.hn, tr->w.cn, 1);
        if ((rc = sum_shares(tr, tr->carry_h, 2 * tr->nstate, NULL, 0)))
            return rc;
    } else if (tr->tc.stateful) {
        memcpy(tr->carry_h, tr->w.hn, (size_t)tr->nstate * sizeof(real));
        memcpy(tr->carry_c, tr->w.cn, (size_t)tr->nstate * sizeof(real));
    }
    tr->step++;
    if (++tr->batch_in_epoch == tr->steps_per_epoch) {
        tr->batch_in_epoch = 0;
        tr->epoch++;
        if (!tr->tc.stateful)
            recur__trainer_shuffle(tr);
    }
    return RECUR_OK;
}

int recur_evaluate(const recur_model *m, const int32_t *tokens, long n, int T,
                   int B, recur_eval_stats *out)
{
    recur_token_array a = {tokens, 4, n, 0, n};
    return recur_evaluate_tokens(m, a, T, B, out);
}

int recur_evaluate_tokens(const recur_model *m, recur_token_array tokens, int T, int B,
                          recur_eval_stats *out)
{
    const recur_config *c = &m->cfg;
    long n = tokens.n;
    memset(out, 0, sizeof *out);
    if (c->input == RECUR_INPUT_DENSE || c->loss != RECUR_LOSS_XENT ||
        c->output_size != c->input_size || c->bidirectional || c->reverse ||
        c->readout != RECUR_READOUT_SEQUENCE)
        return recur__fail(RECUR_E_MISMATCH, "evaluation needs a forward next-token "
                                            "model (not bidirectional or reverse)");
    if (n < 2)
        return recur__fail(RECUR_E_INVALID, "the evaluation text needs at least "
                                           "two characters");
    if (T < 1 || B < 1)
        return recur__fail(RECUR_E_INVALID, "sequence length and batch must be >= 1");
    int rc = check_tokens(m, tokens, RECUR_E_MISMATCH);
    if (rc)
        return rc;
    if (!whole(tokens))
        return recur__fail(RECUR_E_INVALID, "evaluation needs the whole token stream");
    if (B > n - 1)
        B = (int)(n - 1);
    long L = (n - 1) / B;
    if (T > L)
        T = (int)L;
    model_work w;
    long nstate = (long)c->layers * B * c->hidden;
    rc = recur__model_work_alloc(m, T, B, &w);
    if (rc)
        return rc;
    real *h = calloc((size_t)nstate, sizeof *h), *cs = calloc((size_t)nstate, sizeof *cs);
    int32_t *inp = malloc((size_t)T * B * sizeof *inp), *tgt = malloc((size_t)T * B * sizeof *tgt);
    if (!h || !cs || !inp || !tgt) {
        rc = recur__fail(RECUR_E_NOMEM, "out of memory");
        goto done;
    }
    double total = 0;
    long counted_all = 0, correct_all = 0;
    for (long pos = 0; pos < L; pos += T) {
        int Tw = (int)(L - pos < T ? L - pos : T);
        for (int b = 0; b < B; b++)
            for (int t = 0; t < Tw; t++) {
                inp[(long)t * B + b] = token_at(tokens, b * L + pos + t);
                tgt[(long)t * B + b] = token_at(tokens, b * L + pos + t + 1);
            }
        model_input in = {.tokens = inp};
        recur__model_forward(m, &w, Tw, B, in, pos ? h : NULL, pos ? cs : NULL, NULL);
        long counted, correct;
        total += recur__loss_softmax_xent(w.logits, tgt, (long)Tw * B, c->output_size,
                                   NULL, 0, &counted, &correct);
        counted_all += counted;
        correct_all += correct;
        memcpy(h, w.hn, (size_t)nstate * sizeof *h);
        memcpy(cs, w.cn, (size_t)nstate * sizeof *cs);
    }
    out->loss = total / (double)counted_all;
    out->accuracy = (double)correct_all / (double)counted_all;
    out->tokens = counted_all;
done:
    recur__model_work_free(&w);
    free(h);
    free(cs);
    free(inp);
    free(tgt);
    return rc;
}
