/* train_speed.c - training throughput of a char-LM on the bundled corpus:
 *   train_speed CELL HIDDEN LAYERS BATCH SEQ STEPS [--bidir] [--threads N] [--text FILE]
 *               [--cpu-time]
 * (--cpu-time, with --threads 1 only: time steps by the thread's CPU time, so
 * that on a machine loaded by other work the time descheduled does not
 * count; for A/B comparisons of single-thread code.)
 * Warm-up steps until WARMUP_S seconds after the start (one at least), then
 * STEPS timed steps (Adam, lr 2e-3, clip 5); prints
 * tab-separated result lines "train CONFIG IMPL METRIC VALUE":
 * tok_s (median of the per-step rates), peak RSS of the process in MB, and
 * the useful FLOPs per token (bench/NOTES.md defines them) from which the
 * report derives GFLOP/s for recur and its peers alike.
 *
 * Unidirectional models train through the public trainer (recur_trainer,
 * stateful windows, as `recur train`). The trainer refuses bidirectional
 * models for language modelling (they see the future), so --bidir runs the
 * same step — forward, softmax cross-entropy, backward, clipping, Adam —
 * through the library's internal calls on shuffled windows from a zero
 * state, which is what bench/torch_train.py --bidir does too. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "timing.h"
#include "nn/loss.h"
#include "nn/model.h"
#include "train/optim.h"
#include "recur.h"

/* Multiply-adds per token of one training step that are matrix products:
 * each weight matrix W is used three times (forward, input gradient, weight
 * gradient), except layer 0's input weights: the one-hot input makes them a
 * column gather and a scatter (no product) and needs no input gradient. */
static double train_flops_per_token(const recur_config *c)
{
    int G = c->cell == RECUR_LSTM ? 4 : c->cell == RECUR_GRU ? 3 : 1;
    int D = c->bidirectional ? 2 : 1;
    double H = c->hidden, macs = 0;
    for (int l = 0; l < c->layers; l++) {
        macs += D * 3.0 * G * H * H;               /* W_hh */
        if (l > 0)
            macs += D * 3.0 * G * H * (D * H);     /* W_ih */
    }
    macs += 3.0 * c->output_size * D * H;          /* dense output */
    return 2 * macs;
}

typedef struct {
    recur_model *m;
    model_work w;
    optimizer opt;
    int32_t *inp, *tgt;
    const int32_t *tok;
    long n, pos;
    int T, B;
} bidir_trainer;

/* One step over the next B windows of T (consecutive, wrapping around). */
static double bidir_step(bidir_trainer *t)
{
    recur_model *m = t->m;
    long TB = (long)t->T * t->B;
    for (int b = 0; b < t->B; b++) {
        if (t->pos + t->T + 1 >= t->n)
            t->pos = 0;
        for (int s = 0; s < t->T; s++) {
            t->inp[(long)s * t->B + b] = t->tok[t->pos + s];
            t->tgt[(long)s * t->B + b] = t->tok[t->pos + s + 1];
        }
        t->pos += t->T;
    }
    model_input in = {.tokens = t->inp};
    recur__model_zero_grads(m);
    recur__model_forward(m, &t->w, t->T, t->B, in, NULL, NULL, NULL);
    long counted, correct;
    double loss = recur__loss_softmax_xent(t->w.logits, t->tgt, TB, m->cfg.output_size,
                                    t->w.dlogits, (real)(1.0 / (double)TB), &counted,
                                    &correct);
    recur__model_backward(m, &t->w, t->T, t->B, in, NULL, NULL, NULL, NULL, NULL);
    double clip = recur__clip_factor(recur__grad_norm(m->grads, m->nparams), 5.0);
    recur__optim_step(&t->opt, m->params, m->grads, (real)clip, 2e-3);
    return loss / (double)counted;
}

/* OpenBLAS, which the library links for the CPUs without recur's own
 * kernels, starts its threads as it loads and they spin for about 0.1 s
 * (strace: sched_yield from the first ms to the 100th), taking a core from
 * a 2-thread run of a small model whose timed steps last 40 ms in all
 * (bench/NOTES.md). */
#define WARMUP_S 0.25

static int one_step(bidir_trainer *bt, recur_trainer *tr, int bidir, double *loss)
{
    if (bidir) {
        *loss = bidir_step(bt);
        return 0;
    }
    recur_batch_stats st;
    if (recur_trainer_step(tr, &st)) {
        fprintf(stderr, "train_speed: %s\n", recur_last_error());
        return 1;
    }
    *loss = st.loss;
    return 0;
}

int main(int argc, char **argv)
{
    double started = bench_now();
    if (argc < 7) {
        fprintf(stderr, "usage: train_speed CELL HIDDEN LAYERS BATCH SEQ STEPS "
                        "[--bidir] [--threads N] [--text FILE] [--cpu-time]\n");
        return 2;
    }
    const char *path = "data/austen.txt";
    int bidir = 0, threads = 2, cpu_time = 0;
    for (int i = 7; i < argc; i++) {
        if (strcmp(argv[i], "--bidir") == 0)
            bidir = 1;
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--cpu-time") == 0)
            cpu_time = 1;
        else if (strcmp(argv[i], "--text") == 0 && i + 1 < argc)
            path = argv[++i];
        else {
            fprintf(stderr, "train_speed: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (cpu_time && threads != 1) {
        fprintf(stderr, "train_speed: --cpu-time measures one thread: use --threads 1\n");
        return 2;
    }
    recur_set_threads(threads);
    recur_text *text;
    if (recur_text_load(path, NULL, &text)) {
        fprintf(stderr, "train_speed: %s\n", recur_last_error());
        return 1;
    }
    long n;
    const int32_t *tok = recur_text_tokens(text, &n);
    int nv;
    recur_text_vocab(text, &nv);
    recur_config c;
    recur_config_default(&c);
    c.cell = (recur_cell)recur_cell_parse(argv[1]);
    c.hidden = atoi(argv[2]);
    c.layers = atoi(argv[3]);
    c.bidirectional = bidir;
    c.input_size = c.output_size = nv;
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.batch = atoi(argv[4]);
    tc.seq_len = atoi(argv[5]);
    int steps = atoi(argv[6]);
    if (steps < 1 || recur_cell_parse(argv[1]) < 0) {
        fprintf(stderr, "train_speed: bad cell or step count\n");
        return 2;
    }
    recur_model *m;
    recur_trainer *tr = NULL;
    bidir_trainer bt = {0};
    int rc = recur_model_create(&c, 1, &m);
    if (!rc && !bidir)
        rc = recur_trainer_create(m, &tc, tok, n, &tr);
    if (!rc && bidir) {
        bt = (bidir_trainer){.m = m, .tok = tok, .n = n, .T = tc.seq_len, .B = tc.batch};
        bt.inp = malloc((size_t)tc.seq_len * tc.batch * sizeof *bt.inp);
        bt.tgt = malloc((size_t)tc.seq_len * tc.batch * sizeof *bt.tgt);
        rc = recur__model_work_alloc(m, tc.seq_len, tc.batch, &bt.w);
        if (!rc)
            rc = recur__optim_init(&bt.opt, &tc, m->nparams);
    }
    if (rc) {
        fprintf(stderr, "train_speed: %s\n", recur_last_error());
        return 1;
    }
    double *rate = malloc((size_t)steps * sizeof *rate), loss = 0;
    long tokens = (long)tc.batch * tc.seq_len;
    do
        if (one_step(&bt, tr, bidir, &loss))
            return 1;
    while (bench_now() - started < WARMUP_S);
    for (int i = 0; i < steps; i++) {
        double a = cpu_time ? bench_thread_cpu() : bench_now();
        if (one_step(&bt, tr, bidir, &loss))
            return 1;
        rate[i] = (double)tokens / ((cpu_time ? bench_thread_cpu() : bench_now()) - a);
    }
    double med = bench_median(rate, steps);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    char cfg[64], impl[32];
    snprintf(cfg, sizeof cfg, "%s %s%dx%d", argv[1], bidir ? "bidir " : "", c.layers,
             c.hidden);
    snprintf(impl, sizeof impl, "recur-%dt", threads);
    printf("train\t%s\t%s\ttok_s\t%.0f\n", cfg, impl, med);
    printf("train\t%s\t%s\trss_mb\t%.1f\n", cfg, impl, ru.ru_maxrss / 1024.0);
    printf("train\t%s\t%s\tloss\t%.3f\n", cfg, impl, loss);
    printf("train\t%s\tflops\tflops_per_token\t%.0f\n", cfg, train_flops_per_token(&c));
    printf("train\t%s\tvocab\tsize\t%d\n", cfg, c.input_size);
    free(rate);
    free(bt.inp);
    free(bt.tgt);
    recur__model_work_free(&bt.w);
    recur__optim_free(&bt.opt);
    recur_trainer_free(tr);
    recur_model_free(m);
    recur_text_free(text);
    return 0;
}
