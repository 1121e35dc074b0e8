/* cmd_train.c - `recur train`: a character-level language model on a text
 * file, char-rnn style (stateful truncated BPTT by default), with Keras-like
 * progress, validation on the end of the text, atomic checkpoints, resume,
 * a CSV log, a time limit and a clean stop on Ctrl-C (the loop itself is
 * train_driver.c's; the options are train_opts.c's). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "commands.h"
#include "dist.h"
#include "corpus.h"
#include "progress.h"
#include "recur.h"
#include "train.h"
#include "train_common.h"
#include "train_driver.h"

typedef struct {
    const train_opts *o;
    const char *corpus;
    recur_text *text;      /* all of it, or (over MPI) this rank's streams */
    recur_text *val;       /* over MPI, rank 0: the held-out tail (else in text) */
    recur_model *m;
    recur_trainer *tr;
    long n, ntrain, nval;
    FILE *log;
    train_driver d;
} lm_run;

/* ---- the hooks of the driver --------------------------------------------- */

/* Tokens [first, first + n) of a text held from its character `from`, as
 * a whole stream of n, at the width it holds them. */
static recur_token_array token_slice(const recur_text *t, long first, long n)
{
    recur_token_array a = recur_text_token_array(t);
    a.ids = (const char *)a.ids + (size_t)(first - a.first) * (size_t)a.width;
    a.n = a.held = n;
    a.first = 0;
    return a;
}

static int evaluate(train_driver *d, double *loss)
{
    lm_run *r = d->ctx;
    recur_eval_stats es;
    int rc = recur_evaluate_tokens(r->m, token_slice(r->val ? r->val : r->text, r->ntrain,
                                                     r->nval),
                                   r->o->seq, r->o->batch, &es);
    if (rc)
        return rc;
    *loss = es.loss;
    rc = cli_set_meta(r->m, "train.val_loss", "%.6f", es.loss);
    if (!rc)
        rc = cli_set_meta(r->m, "train.val_bpc", "%.6f", es.loss / log(2.0));
    return rc;
}

/* A CSV row per step. */
static int log_row(train_driver *d, const recur_batch_stats *st, int evaluated,
                   int epoch_end)
{
    lm_run *r = d->ctx;
    if (!r->log)
        return 0;
    long step = recur_trainer_step_count(r->tr), spe = d->steps_per_epoch;
    fprintf(r->log, "%ld,%ld,%ld,%.3f,%.6f,%.6f,%.6f,%.6g,", step, (step - 1) / spe + 1,
            step * (long)r->o->seq * r->o->batch, progress_now() - d->prog.t0,
            st->loss, st->accuracy, st->grad_norm, st->lr);
    if (evaluated)
        fprintf(r->log, "%.6f,%.6f\n", d->eval_loss, d->eval_loss / log(2.0));
    else
        fprintf(r->log, ",\n");
    fflush(r->log); /* readable while training (tail -f) */
    return 0;
}

static int summary(train_driver *d)
{
    lm_run *r = d->ctx;
    long step = train_driver_step(d);
    double acc, loss = progress_train_loss(&d->prog, &acc);
    char elapsed[32], val[96] = "";
    train_driver_elapsed(d, elapsed, sizeof elapsed);
    if (d->has_eval)
        snprintf(val, sizeof val, " - val_loss: %.4f - val_bpc: %.4f", d->eval_loss,
                 d->eval_loss / log(2.0));
    fprintf(stderr, "%s at step %ld (%.2f epochs) in %s - loss: %.4f - accuracy: %.4f%s"
            " - saved %s\n", train_driver_stopped_early(d) ? "Stopped at the time limit"
            : "Trained", step, (double)step / (double)d->steps_per_epoch, elapsed, loss,
            acc, val, r->o->save);
    return train_print_sample(r->m, r->o, 0);
}

/* ---- setting up ------------------------------------------------------------ */

static FILE *open_log(const char *path, int append)
{
    struct stat st;
    int has_rows = append && stat(path, &st) == 0 && st.st_size > 0;
    FILE *f = fopen(path, append ? "a" : "w");
    if (!f) {
        cli_error("--log %s: %s", path, strerror(errno));
        return NULL;
    }
    if (!has_rows)
        fprintf(f, "step,epoch,tokens_seen,elapsed_s,loss,accuracy,grad_norm,lr,"
                   "val_loss,val_bpc\n");
    return f;
}

/* Over MPI, stateful streams from a file: this rank keeps only the
 * characters of its own streams (rows [lo, hi) of the batch: characters
 * lo·L .. hi·L of the training part, L its stream length), and rank 0 the
 * held-out tail too, instead of the whole text: the file is read once for
 * its length, then once more for the part (each time in chunks). */
static int load_share(lm_run *r)
{
    const train_opts *o = r->o;
    recur_text *whole = NULL;
    int rc = recur_text_load_part(r->corpus, NULL, 0, 0, &whole);
    long n = rc ? 0 : recur_text_length(whole);
    recur_text_free(whole);
    long nval = (long)floor((double)n * o->val), ntrain = n - nval;
    long B = o->batch, L = ntrain > 1 ? (ntrain - 1) / B : 0;
    long lo = dist_rank() * B / dist_size(), hi = (dist_rank() + 1) * B / dist_size();
    if (!rc)
        rc = recur_text_load_part(r->corpus, NULL, lo * L, (hi - lo) * L + 1, &r->text);
    if (!rc && dist_rank() == 0 && nval > 0)
        rc = recur_text_load_part(r->corpus, NULL, ntrain, nval, &r->val);
    return rc ? cli_lib_error(rc) : 0;
}

/* The text, split into training and validation (its last --val). */
static int load_data(lm_run *r)
{
    const train_opts *o = r->o;
    int share = dist_size() > 1 && !o->stateless && !o->text_string &&
                o->batch >= dist_size();
    if (share ? load_share(r) : load_training_text(o, r->corpus, &r->text))
        return EXIT_RUNTIME;
    r->n = recur_text_length(r->text);
    r->nval = (long)floor((double)r->n * o->val);
    r->ntrain = r->n - r->nval;
    if (o->val > 0 && r->nval < 2)
        return cli_error("%s: --val %g of %ld characters leaves %ld for validation; it "
                         "needs at least 2 (use --val 0 for no validation)", r->corpus,
                         o->val, r->n, r->nval);
    return 0;
}

/* The training part's tokens: all of them, or this rank's streams. */
static recur_token_array training_tokens(const lm_run *r)
{
    recur_token_array a = recur_text_token_array(r->text);
    if (a.first == 0 && a.held == a.n)
        return token_slice(r->text, 0, r->ntrain);
    a.n = r->ntrain;
    return a;
}

/* The model and its trainer, resumed from --save with --resume. */
static int build(lm_run *r)
{
    const train_opts *o = r->o;
    int vocab, rc;
    const uint32_t *cps = recur_text_vocab(r->text, &vocab);
    recur_config cfg;
    train_model_config(o, vocab, &cfg);
    recur_train_config tc;
    train_fill_config(o, o->seq, !o->stateless, &tc);
    if ((rc = recur_config_check(&cfg)) || (rc = recur_model_create(&cfg, o->seed, &r->m)) ||
        (rc = apply_init(r->m, o)) || (rc = recur_model_set_vocab(r->m, cps, vocab)) ||
        (rc = record_settings(r->m, o, r->corpus, r->ntrain, r->nval)) ||
        (rc = recur_trainer_create_tokens(r->m, &tc, training_tokens(r), &r->tr)))
        return cli_lib_error(rc);
    if (o->resume && check_resume_window(o->save, 0))
        return EXIT_RUNTIME;
    if (o->resume && (rc = recur_trainer_resume(r->tr, o->save)))
        return cli_lib_error(rc);
    return 0;
}

static void print_header(const lm_run *r, long target, long start)
{
    const train_opts *o = r->o;
    const recur_config *c = recur_model_get_config(r->m);
    long spe = recur_trainer_steps_per_epoch(r->tr);
    char params[32], total[32], tr[32], va[32], sp[32], tg[32];
    progress_fmt_count(recur_model_param_count(r->m), params, sizeof params);
    progress_fmt_count(r->n, total, sizeof total);
    progress_fmt_count(r->ntrain, tr, sizeof tr);
    progress_fmt_count(r->nval, va, sizeof va);
    progress_fmt_count(spe, sp, sizeof sp);
    progress_fmt_count(target, tg, sizeof tg);
    char input[64];
    if (c->input == RECUR_INPUT_EMBEDDING)
        snprintf(input, sizeof input, "an embedding of %d", c->embed_dim);
    else
        snprintf(input, sizeof input, "one-hot input");
    char proj[48] = "";
    if (c->proj)
        snprintf(proj, sizeof proj, " projected to %d", c->proj);
    fprintf(stderr, "Model: %d-layer %s of %d units%s, %s, vocabulary of %d character%s; "
            "%s parameters.\n", c->layers, recur_cell_name(c->cell), c->hidden, proj, input,
            c->output_size, c->output_size == 1 ? "" : "s", params);
    fprintf(stderr, "Data: %s, %s characters: %s for training, %s for validation.\n",
            r->corpus, total, tr, va);
    fprintf(stderr, "Training: %s lr %g, clip %g, batches of %d x %d (%s), %s steps "
            "per epoch, to step %s (%.*f epoch%s); checkpoint %s.\n",
            o->optim, o->lr, o->clip, o->batch, o->seq,
            o->stateless ? "stateless" : "stateful", sp, tg,
            target % spe == 0 ? 0 : 2, (double)target / (double)spe,
            target == spe ? "" : "s", o->save);
    if (start > 0)
        fprintf(stderr, "Resuming from %s at step %ld (epoch %ld).\n", o->save, start,
                start / spe + 1);
}

/* ---- the run ----------------------------------------------------------------- */

static int train_lm(lm_run *r)
{
    const train_opts *o = r->o;
    int code = load_data(r);
    if (!code)
        code = build(r);
    if (code)
        return code;
    long spe, target;
    if (train_plan(o, r->tr, &spe, &target))
        return 0;
    /* Over MPI, rank 0 logs and prints (dist.h). */
    if (o->log && dist_rank() == 0 && !(r->log = open_log(o->log, o->resume)))
        return EXIT_RUNTIME;
    if (!o->quiet && dist_rank() == 0)
        print_header(r, target, recur_trainer_step_count(r->tr));
    train_hooks hooks = {.evaluate = r->nval > 0 ? evaluate : NULL, .after_step = log_row,
                         .summary = summary};
    r->d = (train_driver){
        .hooks = &hooks, .ctx = r, .trainer = r->tr, .save = o->save,
        .steps_per_epoch = spe, .target = target, .time_limit = o->time_limit,
        .checkpoint_every = o->checkpoint_every, .checkpoint_epochs = !o->checkpoint_every,
        .eval_every = o->eval_every, .eval_on_bar = 1,
        .mode = train_progress_mode(o->quiet, PROGRESS_PLAIN)};
    return train_drive(&r->d);
}

static int run(const train_opts *o)
{
    if (train_check_save(o->resume, o->save))
        return EXIT_RUNTIME;
    cli_set_threads(o->threads);
    lm_run r = {.o = o, .corpus = o->text};
    int code = train_lm(&r);
    if (r.log && fclose(r.log) != 0 && code == 0)
        code = cli_error("--log %s: %s", o->log, strerror(errno));
    recur_trainer_free(r.tr);
    recur_model_free(r.m);
    recur_text_free(r.text);
    recur_text_free(r.val);
    return code;
}

int cmd_train(int argc, char **argv)
{
    train_opts o;
    int a = train_parse(argc, argv, &o);
    if (a)
        return a == ARGS_HELP ? 0 : EXIT_USAGE;
    if (!o.text)
        o.text = cli_default_corpus();
    return o.window > 0 ? train_windows(&o, o.text) : run(&o);
}
