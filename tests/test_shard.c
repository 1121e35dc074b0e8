/* test_shard.c - data-parallel training without MPI: N trainers on N
 * threads, each taking its share of every batch (recur_trainer_set_shard)
 * and summing gradients through a thread "allreduce", follow the
 * one-process run of the whole batch to <= 1e-5 relative (text, stateful
 * and stateless, with clipping active; data sets with a last batch smaller
 * than the number of shares; classification and regression), runs with the
 * same N are bit-identical, and a checkpoint written by a sharded run
 * resumes on another number of shares along the same curve.
 * tests/mpi_test.sh does the same across processes with Open MPI. */
#include "recur.h"
#include "testlib.h"
#include "train/trainer.h" /* the parameter vector, to compare runs */

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define CKPT "test_shard.ckpt.safetensors"
#define MAXR 3

/* ---- a sum over threads, in rank order (deterministic) -------------------- */
typedef struct {
    pthread_barrier_t bar;
    int n;
    float *v[MAXR];
    double *d[MAXR];
    float *acc;
    double dacc[8];
} group;

typedef struct {
    group *g;
    int rank;
    recur_trainer *tr;
    long steps;
    int rc;
} member;

static int thread_sum(void *user, float *v, long n, double *d, int nd)
{
    member *me = user;
    group *g = me->g;
    g->v[me->rank] = v;
    g->d[me->rank] = d;
    pthread_barrier_wait(&g->bar);
    if (me->rank == 0) {
        for (long i = 0; i < n; i++) {
            float s = g->v[0][i];
            for (int r = 1; r < g->n; r++)
                s += g->v[r][i];
            g->acc[i] = s;
        }
        for (int k = 0; k < nd; k++) {
            double s = g->d[0][k];
            for (int r = 1; r < g->n; r++)
                s += g->d[r][k];
            g->dacc[k] = s;
        }
    }
    pthread_barrier_wait(&g->bar);
    memcpy(v, g->acc, (size_t)n * sizeof *v);
    if (nd > 0)
        memcpy(d, g->dacc, (size_t)nd * sizeof *d);
    /* Nobody may start the next sum (rank 0 rewriting acc) before all
     * have copied this one. */
    pthread_barrier_wait(&g->bar);
    return 0;
}

/* recur_trainer_set_overlap's begin: here the sum is done at once (allowed:
 * begin need not return before it completes); counted. */
static long begun[MAXR];

static int thread_begin(void *user, float *v, long n)
{
    begun[((member *)user)->rank]++;
    return thread_sum(user, v, n, NULL, 0);
}

static void *run_member(void *arg)
{
    member *me = arg;
    me->rc = RECUR_OK;
    for (long k = 0; k < me->steps && !me->rc; k++)
        me->rc = recur_trainer_step(me->tr, NULL);
    return NULL;
}

/* ---- runs ------------------------------------------------------------------- */
typedef struct {
    recur_config cfg;
    recur_train_config tc;
    const int32_t *text;
    long n;                   /* text length, or 0 for the data set */
    const recur_dataset *ds;
    int overlap;              /* sum each layer's gradients as backward ends it */
} job;

static recur_trainer *make_trainer(const job *j, recur_model **m)
{
    *m = NULL;
    recur_trainer *tr = NULL;
    int rc = recur_model_create(&j->cfg, 5, m);
    CHECK_MSG(rc == RECUR_OK, "create: %s", recur_last_error());
    if (rc)
        return NULL;
    rc = j->ds ? recur_trainer_create_dataset(*m, &j->tc, j->ds, &tr)
               : recur_trainer_create(*m, &j->tc, j->text, j->n, &tr);
    CHECK_MSG(rc == RECUR_OK, "trainer: %s", recur_last_error());
    return tr;
}

/* Train `steps` steps on N shares (N = 1: the plain trainer), optionally
 * resuming from `resume` first and saving (share 0) to `save` after; the
 * parameters of share 0 into out[nparams]. */
static int run_shared(const job *j, int N, long steps, const char *resume,
                      const char *save, float *out)
{
    recur_model *m[MAXR] = {0};
    member mem[MAXR];
    pthread_t th[MAXR];
    group g = {.n = N};
    int ok = 1;
    pthread_barrier_init(&g.bar, NULL, (unsigned)N);
    for (int r = 0; r < N; r++) {
        mem[r] = (member){.g = &g, .rank = r, .steps = steps};
        mem[r].tr = make_trainer(j, &m[r]);
        if (!mem[r].tr)
            ok = 0;
    }
    long np = ok ? m[0]->nparams : 0;
    long big = ok ? (np > 2 * mem[0].tr->nstate ? np : 2 * mem[0].tr->nstate) : 0;
    g.acc = malloc((size_t)(big + 1) * sizeof(float));
    for (int r = 0; ok && r < N; r++) {
        if (resume && recur_trainer_resume(mem[r].tr, resume) != RECUR_OK) {
            CHECK_MSG(0, "resume: %s", recur_last_error());
            ok = 0;
        }
        if (N > 1 && (recur_trainer_set_shard(mem[r].tr, r, N, thread_sum, &mem[r]) ||
                      (j->overlap && recur_trainer_set_overlap(mem[r].tr, thread_begin)))) {
            CHECK_MSG(0, "set_shard: %s", recur_last_error());
            ok = 0;
        }
    }
    if (ok) {
        for (int r = 0; r < N; r++)
            pthread_create(&th[r], NULL, run_member, &mem[r]);
        for (int r = 0; r < N; r++) {
            pthread_join(th[r], NULL);
            CHECK_MSG(mem[r].rc == RECUR_OK, "step: %s", recur_last_error());
            ok &= mem[r].rc == RECUR_OK;
        }
        /* Every share holds the same parameters. */
        for (int r = 1; r < N; r++)
            CHECK(memcmp(m[r]->params, m[0]->params, (size_t)np * sizeof(float)) == 0);
        memcpy(out, m[0]->params, (size_t)np * sizeof(float));
        if (save && recur_trainer_save(mem[0].tr, save) != RECUR_OK) {
            CHECK_MSG(0, "save: %s", recur_last_error());
            ok = 0;
        }
    }
    for (int r = 0; r < N; r++) {
        recur_trainer_free(mem[r].tr);
        recur_model_free(m[r]);
    }
    free(g.acc);
    pthread_barrier_destroy(&g.bar);
    return ok;
}

static long nparams_of(const job *j)
{
    recur_model *m = NULL;
    recur_model_create(&j->cfg, 5, &m);
    long n = m ? m->nparams : 0;
    recur_model_free(m);
    return n;
}

/* max |a-b| / max |b| over the parameters. */
static double rel_diff(const float *a, const float *b, long n)
{
    double num = 0, den = 0;
    for (long i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        num = d > num ? d : num;
        den = fabs((double)b[i]) > den ? fabs((double)b[i]) : den;
    }
    return num / den;
}

/* One process of batch B against 2 and 3 shares (twice for 3: bit-identical),
 * and the parameters must have moved. */
static void check_job(const job *j, long steps)
{
    long np = nparams_of(j);
    float *one = malloc((size_t)np * sizeof *one), *two = malloc((size_t)np * sizeof *two);
    float *three = malloc((size_t)np * sizeof *three), *again = malloc((size_t)np * sizeof *again);
    float *init = malloc((size_t)np * sizeof *init);
    if (run_shared(j, 1, steps, NULL, NULL, one) && run_shared(j, 2, steps, NULL, NULL, two) &&
        run_shared(j, 3, steps, NULL, NULL, three) &&
        run_shared(j, 3, steps, NULL, NULL, again) && run_shared(j, 1, 0, NULL, NULL, init)) {
        double d2 = rel_diff(two, one, np), d3 = rel_diff(three, one, np);
        fprintf(stderr, "    %ld steps: 2 shares %.2g, 3 shares %.2g relative; moved %.2g\n",
                steps, d2, d3, rel_diff(one, init, np));
        CHECK(d2 <= 1e-5);
        CHECK(d3 <= 1e-5);
        CHECK(memcmp(three, again, (size_t)np * sizeof *three) == 0);
        CHECK(rel_diff(one, init, np) > 1e-3); /* it trained */
    }
    free(one), free(two), free(three), free(again), free(init);
}

static int32_t text[3000];

static job text_job(recur_cell kind, int stateful)
{
    for (long i = 0; i < 3000; i++)
        text[i] = (int32_t)((i * 7 + (i / 13) * 3 + (i * i) % 11) % 9);
    job j = {.text = text, .n = 3000};
    recur_config_default(&j.cfg);
    j.cfg.cell = kind;
    j.cfg.input_size = j.cfg.output_size = 9;
    j.cfg.hidden = 16;
    j.cfg.layers = 2;
    recur_train_config_default(&j.tc);
    j.tc.seq_len = 12;
    j.tc.batch = 7; /* shares of 3 and 4 rows (2), 2, 2 and 3 rows (3) */
    j.tc.stateful = stateful;
    j.tc.clip = 0.1f; /* active: the global norm of the summed gradient */
    j.tc.lr = 0.01f;
    return j;
}

static void text_stateful_lstm(void)
{
    job j = text_job(RECUR_LSTM, 1);
    check_job(&j, 8);
}

static void text_stateless_gru(void)
{
    job j = text_job(RECUR_GRU, 0);
    j.tc.optimizer = RECUR_SGD;
    check_job(&j, 8);
}

/* 41 examples of length 2..9 in batches of 8: the last batch has 1
 * example, so with 2 or 3 shares some share is empty then. */
static long offs[42];
static int32_t toks[400], step_labels[400];
static float xs[400], tgts[400];

static void make_data(void)
{
    long pos = 0;
    for (int i = 0; i < 41; i++) {
        offs[i] = pos;
        int len = 2 + (i * 5) % 8;
        for (int t = 0; t < len; t++, pos++) {
            toks[pos] = (int32_t)((i + t * 3) % 5);
            step_labels[pos] = t % 3 == 2 ? -1 : (int32_t)((i + t) % 3); /* some unscored */
            xs[pos] = (float)((i * 7 + t) % 10) / 10 - 0.45f;
            tgts[pos] = xs[pos] * 0.5f + 0.1f;
        }
        step_labels[i] = step_labels[i] < 0 ? 0 : step_labels[i];
    }
    offs[41] = pos;
}

static void dataset_classifier(void)
{
    make_data();
    int32_t pooled[41];
    for (int i = 0; i < 41; i++)
        pooled[i] = (int32_t)(i % 3);
    recur_dataset ds = {.count = 41, .offsets = offs, .tokens = toks, .labels = pooled};
    job j = {.ds = &ds};
    recur_config_default(&j.cfg);
    j.cfg.cell = RECUR_GRU;
    j.cfg.input = RECUR_INPUT_EMBEDDING;
    j.cfg.input_size = 5;
    j.cfg.embed_dim = 4;
    j.cfg.hidden = 10;
    j.cfg.bidirectional = 1;
    j.cfg.output_size = 3;
    j.cfg.readout = RECUR_READOUT_MEAN;
    recur_train_config_default(&j.tc);
    j.tc.batch = 8;
    j.tc.lr = 0.01f;
    j.tc.bucket = 1;
    check_job(&j, 13); /* two epochs and one step: both last batches */
}

static void dataset_tagger_and_regression(void)
{
    make_data();
    recur_dataset ds = {.count = 41, .offsets = offs, .tokens = toks, .labels = step_labels};
    job j = {.ds = &ds};
    recur_config_default(&j.cfg);
    j.cfg.cell = RECUR_LSTM;
    j.cfg.input = RECUR_INPUT_ONEHOT;
    j.cfg.input_size = 5;
    j.cfg.hidden = 8;
    j.cfg.output_size = 3;
    recur_train_config_default(&j.tc);
    j.tc.batch = 8;
    j.tc.seq_len = 6; /* caps the longer examples */
    j.tc.lr = 0.01f;
    check_job(&j, 7);

    recur_dataset dense = {.count = 41, .offsets = offs, .x = xs, .targets = tgts};
    job k = {.ds = &dense};
    recur_config_default(&k.cfg);
    k.cfg.cell = RECUR_RNN_TANH;
    k.cfg.input = RECUR_INPUT_DENSE;
    k.cfg.input_size = 1;
    k.cfg.hidden = 8;
    k.cfg.output_size = 1;
    k.cfg.loss = RECUR_LOSS_MSE;
    recur_train_config_default(&k.tc);
    k.tc.batch = 8;
    k.tc.lr = 0.01f;
    check_job(&k, 7);
}

/* 3 steps on 2 shares, saved, then 5 more on 1 and on 3 shares, against 8
 * uninterrupted steps of one process. */
static void checkpoint_across_counts(void)
{
    job j = text_job(RECUR_LSTM, 1);
    long np = nparams_of(&j);
    float *ref = malloc((size_t)np * sizeof *ref), *p = malloc((size_t)np * sizeof *p);
    if (run_shared(&j, 1, 8, NULL, NULL, ref) && run_shared(&j, 2, 3, NULL, CKPT, p)) {
        CHECK(run_shared(&j, 1, 5, CKPT, NULL, p));
        CHECK(rel_diff(p, ref, np) <= 1e-5);
        CHECK(run_shared(&j, 3, 5, CKPT, NULL, p));
        CHECK(rel_diff(p, ref, np) <= 1e-5);
    }
    unlink(CKPT);
    free(ref), free(p);
}

static void bad_shares_refused(void)
{
    job j = text_job(RECUR_LSTM, 1);
    recur_model *m = NULL;
    recur_trainer *tr = make_trainer(&j, &m);
    if (!tr)
        return;
    CHECK(recur_trainer_set_shard(tr, 2, 2, thread_sum, NULL) == RECUR_E_INVALID);
    CHECK(recur_trainer_set_shard(tr, 0, 2, NULL, NULL) == RECUR_E_INVALID);
    CHECK(recur_trainer_set_shard(tr, 0, 8, thread_sum, NULL) == RECUR_E_INVALID); /* B = 7 */
    CHECK(recur_trainer_set_shard(tr, 0, 1, NULL, NULL) == RECUR_OK);
    /* Overlap needs shares first. */
    CHECK(recur_trainer_set_overlap(tr, thread_begin) == RECUR_E_INVALID);
    CHECK(recur_trainer_set_overlap(tr, NULL) == RECUR_OK);
    recur_trainer_free(tr);
    recur_model_free(m);
}

/* Overlap: the layers' gradients begun during backward (top down, the
 * same buckets on every share, an empty share too) give the very same sums
 * as one sum after backward. */
static void overlap_sums_the_same(void)
{
    make_data();
    int32_t pooled[41];
    for (int i = 0; i < 41; i++)
        pooled[i] = (int32_t)(i % 3);
    recur_dataset ds = {.count = 41, .offsets = offs, .tokens = toks, .labels = pooled};
    job jobs[2] = {text_job(RECUR_LSTM, 1), {.ds = &ds}};
    recur_config_default(&jobs[1].cfg);
    jobs[1].cfg.input = RECUR_INPUT_EMBEDDING;
    jobs[1].cfg.input_size = 5;
    jobs[1].cfg.embed_dim = 4;
    jobs[1].cfg.hidden = 10;
    jobs[1].cfg.output_size = 3;
    jobs[1].cfg.readout = RECUR_READOUT_LAST;
    recur_train_config_default(&jobs[1].tc);
    jobs[1].tc.batch = 8;
    long steps[2] = {8, 13}; /* 13: both epochs' last batch of 1 (empty shares) */
    /* buckets per step: dense + each layer (+ the embedding) */
    long buckets[2] = {3, 3};
    for (int k = 0; k < 2; k++) {
        long np = nparams_of(&jobs[k]);
        float *one = malloc((size_t)np * sizeof *one), *a = malloc((size_t)np * sizeof *a);
        float *b = malloc((size_t)np * sizeof *b);
        for (int N = 2; N <= 3; N++) {
            memset(begun, 0, sizeof begun);
            jobs[k].overlap = 0;
            int ok = run_shared(&jobs[k], 1, steps[k], NULL, NULL, one) &&
                     run_shared(&jobs[k], N, steps[k], NULL, NULL, a);
            CHECK(begun[0] == 0);
            jobs[k].overlap = 1;
            ok = ok && run_shared(&jobs[k], N, steps[k], NULL, NULL, b);
            for (int r = 0; ok && r < N; r++)
                CHECK_MSG(begun[r] == buckets[k] * steps[k], "job %d: %ld sums begun by %d "
                          "of %d, expected %ld", k, begun[r], r, N, buckets[k] * steps[k]);
            CHECK(ok && memcmp(a, b, (size_t)np * sizeof *a) == 0);
            CHECK(ok && rel_diff(b, one, np) <= 1e-5);
        }
        free(one), free(a), free(b);
    }
}

TEST_MAIN("test_shard", TL_CASE(text_stateful_lstm), TL_CASE(text_stateless_gru),
          TL_CASE(dataset_classifier), TL_CASE(dataset_tagger_and_regression),
          TL_CASE(checkpoint_across_counts), TL_CASE(bad_shares_refused),
          TL_CASE(overlap_sums_the_same))
