/* train_windows.c - `recur train --window W`: the "many to one" character
 * model of Keras's SimpleRNN text example. Every run of W characters of the
 * text (stride 1) is one example, labelled with the character that follows
 * it; the model reads each window from a zero state and its dense layer sees
 * only the last state (readout LAST). Shuffled mini-batches, one Keras line
 * per epoch, checkpoints, --resume, --time-limit and Ctrl-C by the same
 * driver as the language-model trainer (train_driver.c); the window is kept
 * in the model ("train.window") so that `recur sample` feeds the model the
 * same way. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "dist.h"
#include "progress.h"
#include "recur.h"
#include "train.h"
#include "train_common.h"
#include "train_driver.h"

/* The windows of tokens[0..n): example i is tokens[i .. i+W), its label
 * tokens[i+W]. The arrays are owned by the caller (free_windows). */
typedef struct {
    recur_dataset ds;
    int32_t *tokens, *labels;
    long *offsets;
} windows;

static void free_windows(windows *w)
{
    free(w->tokens);
    free(w->labels);
    free(w->offsets);
}

static int make_windows(const int32_t *tokens, long n, int W, windows *w)
{
    memset(w, 0, sizeof *w);
    long count = n - W;
    w->tokens = malloc((size_t)(count * W) * sizeof *w->tokens);
    w->labels = malloc((size_t)count * sizeof *w->labels);
    w->offsets = malloc((size_t)(count + 1) * sizeof *w->offsets);
    if (!w->tokens || !w->labels || !w->offsets) {
        free_windows(w);
        return cli_error("out of memory for %ld windows of %d characters", count, W);
    }
    for (long i = 0; i < count; i++) {
        memcpy(w->tokens + i * W, tokens + i, (size_t)W * sizeof *tokens);
        w->labels[i] = tokens[i + W];
        w->offsets[i] = i * W;
    }
    w->offsets[count] = count * W;
    w->ds.count = count;
    w->ds.offsets = w->offsets;
    w->ds.tokens = w->tokens;
    w->ds.labels = w->labels;
    return 0;
}

static FILE *open_epoch_log(const char *path, int append)
{
    FILE *f = fopen(path, append ? "a" : "w");
    if (!f) {
        cli_error("--log %s: %s", path, strerror(errno));
        return NULL;
    }
    if (!append || ftell(f) == 0)
        fprintf(f, "epoch,step,elapsed_s,loss,accuracy\n");
    return f;
}

static recur_model *create_model(const train_opts *o, const recur_text *text,
                                 const char *corpus, long nwindows)
{
    int vocab;
    const uint32_t *cps = recur_text_vocab(text, &vocab);
    recur_config cfg;
    train_model_config(o, vocab, &cfg);
    cfg.readout = RECUR_READOUT_LAST; /* one label per window */
    recur_model *m = NULL;
    train_opts rec = *o;
    rec.val = 0; /* every window trains */
    int rc = recur_config_check(&cfg);
    if (!rc)
        rc = recur_model_create(&cfg, o->seed, &m);
    if (!rc)
        rc = apply_init(m, o);
    if (!rc)
        rc = recur_model_set_vocab(m, cps, vocab);
    if (!rc)
        rc = record_settings(m, &rec, corpus, nwindows, 0);
    if (!rc)
        rc = cli_set_meta(m, "train.window", "%.0f", (double)o->window);
    if (rc) {
        cli_lib_error(rc);
        recur_model_free(m);
        return NULL;
    }
    return m;
}

typedef struct {
    const train_opts *o;
    const char *corpus;
    recur_text *text;
    windows win;
    recur_model *m;
    recur_trainer *tr;
    FILE *log;
    train_driver d;
} window_run;

/* Keras's epoch row in the --log CSV. */
static int log_epoch(train_driver *d, const recur_batch_stats *st, int evaluated,
                     int epoch_end)
{
    window_run *r = d->ctx;
    if (!r->log || !epoch_end)
        return 0;
    long step = recur_trainer_step_count(r->tr), spe = d->steps_per_epoch;
    double acc, loss = progress_train_loss(&d->prog, &acc);
    fprintf(r->log, "%ld,%ld,%.3f,%.6f,%.6f\n", (step - 1) / spe + 1, step,
            progress_now() - d->prog.t0, loss, acc);
    fflush(r->log);
    return 0;
}

/* Keras reports the running mean of the last epoch; the trained model
 * itself, scored on every window, is the second number. */
static int summary(train_driver *d)
{
    window_run *r = d->ctx;
    const train_opts *o = r->o;
    recur_eval_stats es;
    int rc = recur_evaluate_dataset(r->m, &r->win.ds, o->batch, 0, &es);
    if (rc)
        return cli_lib_error(rc);
    long step = train_driver_step(d);
    double acc, loss = progress_train_loss(&d->prog, &acc);
    char elapsed[32];
    train_driver_elapsed(d, elapsed, sizeof elapsed);
    fprintf(stderr, "%s at step %ld (%.2f epochs) in %s - loss: %.4f - accuracy: %.4f"
            " - all %ld windows: loss %.4f, accuracy %.4f - saved %s\n",
            train_driver_stopped_early(d) ? "Stopped at the time limit" : "Trained", step,
            (double)step / (double)d->steps_per_epoch, elapsed, loss, acc,
            r->win.ds.count, es.loss, es.accuracy, o->save);
    return train_print_sample(r->m, o, o->window);
}

/* The windows of the text, the model and its trainer (resumed with
 * --resume). */
static int build(window_run *r)
{
    const train_opts *o = r->o;
    if (load_training_text(o, r->corpus, &r->text))
        return EXIT_RUNTIME;
    long n;
    const int32_t *tokens = recur_text_tokens(r->text, &n);
    if (!tokens)
        return cli_lib_error(RECUR_E_NOMEM);
    if (n <= o->window)
        return cli_error("%s has %ld characters: --window %d needs at least %d (a window "
                         "and the character after it)", r->corpus, n, o->window,
                         o->window + 1);
    if (make_windows(tokens, n, o->window, &r->win))
        return EXIT_RUNTIME;
    if (o->resume && check_resume_window(o->save, o->window))
        return EXIT_RUNTIME;
    if (!(r->m = create_model(o, r->text, r->corpus, r->win.ds.count)))
        return EXIT_RUNTIME;
    recur_train_config tc;
    train_fill_config(o, o->window, 0, &tc);
    int rc = recur_trainer_create_dataset(r->m, &tc, &r->win.ds, &r->tr);
    if (!rc && o->resume)
        rc = recur_trainer_resume(r->tr, o->save);
    return rc ? cli_lib_error(rc) : 0;
}

static void print_header(const window_run *r, long spe, long target)
{
    const train_opts *o = r->o;
    const recur_config *c = recur_model_get_config(r->m);
    long n = recur_text_token_array(r->text).n;
    fprintf(stderr, "Model: %d-layer %s of %d units%s (%s initialisation), readout "
            "of the last step, %d characters; %ld parameters.\n", c->layers,
            recur_cell_name(c->cell), c->hidden, c->proj ? " (projected)" : "", o->init,
            c->output_size, recur_model_param_count(r->m));
    fprintf(stderr, "Data: %s, %ld characters: %ld windows of %d, each labelled "
            "with the next character.\n", r->corpus, n, r->win.ds.count, o->window);
    fprintf(stderr, "Training: %s lr %g, eps %g, clip %g, shuffled batches of %d, "
            "%ld steps per epoch, to step %ld; checkpoint %s.\n", o->optim, o->lr,
            o->eps, o->clip, o->batch, spe, target, o->save);
}

static int train_window_run(window_run *r)
{
    const train_opts *o = r->o;
    int code = build(r);
    if (code)
        return code;
    long spe, target;
    if (train_plan(o, r->tr, &spe, &target))
        return 0;
    /* Over MPI, rank 0 logs and prints (dist.h). */
    if (o->log && dist_rank() == 0 && !(r->log = open_epoch_log(o->log, o->resume)))
        return EXIT_RUNTIME;
    if (!o->quiet && dist_rank() == 0)
        print_header(r, spe, target);
    static const train_hooks hooks = {.after_step = log_epoch, .summary = summary};
    r->d = (train_driver){
        .hooks = &hooks, .ctx = r, .trainer = r->tr, .save = o->save,
        .steps_per_epoch = spe, .target = target, .time_limit = o->time_limit,
        .checkpoint_every = o->checkpoint_every,
        .mode = train_progress_mode(o->quiet, PROGRESS_EPOCHS)};
    return train_drive(&r->d);
}

int train_windows(const train_opts *o, const char *corpus)
{
    if (train_check_save(o->resume, o->save))
        return EXIT_RUNTIME;
    cli_set_threads(o->threads);
    window_run r = {.o = o, .corpus = corpus};
    int code = train_window_run(&r);
    if (r.log && fclose(r.log) != 0 && code == 0)
        code = cli_error("--log %s: %s", o->log, strerror(errno));
    recur_trainer_free(r.tr);
    recur_model_free(r.m);
    free_windows(&r.win);
    recur_text_free(r.text);
    return code;
}
