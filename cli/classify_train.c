/* classify_train.c - `recur classify train`: a many-to-one recurrent
 * classifier of texts (LABEL<TAB>TEXT lines), with a held-out test split or
 * a test file, per-epoch test accuracy, the naive Bayes baseline on the same
 * split, atomic checkpoints every epoch, resume, a time limit and a clean
 * stop on Ctrl-C (the loop is train_driver.c's; the options are
 * classify_opts.c's). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "commands.h"
#include "dist.h"
#include "progress.h"
#include "recur.h"
#include "train_common.h"
#include "train_driver.h"

typedef struct {
    const classify_train_opts *o;
    classify_data data;
    char **classes, **words;
    uint32_t *chars;
    int ncls, nchars, nwords;
    recur_model *m;
    recur_trainer *tr;
    recur_dataset train, test;
    long unk_train, unk_test, nb_features, nbw_features;
    double nb_accuracy, nbw_accuracy, test_acc;
    FILE *log;
    train_driver driver;
} classify_run;

/* What a later eval or predict needs, and what shaped the model. */
static int record_settings(recur_model *m, const classify_train_opts *o, const char *data,
                           const classify_data *d)
{
    int rc = recur_model_set_meta(m, "task", "classify");
    if (!rc) rc = recur_model_set_meta(m, "classify.data", data);
    if (!rc) rc = recur_model_set_meta(m, "classify.test", o->test ? o->test : "");
    if (!rc) rc = cli_set_meta(m, "classify.test_split", "%.9g", o->test ? 0 : o->split);
    if (!rc) rc = cli_set_meta(m, "classify.max_len", "%.0f", (double)o->max_len);
    if (!rc && !o->words)
        rc = cli_set_meta(m, "classify.min_char_count", "%.0f", (double)o->min_count);
    if (!rc && o->words)
        rc = cli_set_meta(m, "classify.min_word_count", "%.0f", (double)o->min_word_count);
    if (!rc && o->words)
        rc = cli_set_meta(m, "classify.max_vocab", "%.0f", (double)o->max_vocab);
    if (!rc) rc = recur_model_set_meta(m, "classify.bucket", o->no_bucket ? "0" : "1");
    if (!rc) rc = recur_model_set_meta(m, "classify.escapes", o->raw ? "0" : "1");
    if (!rc) rc = cli_set_meta(m, "classify.train_examples", "%.0f", (double)d->ntrain);
    if (!rc) rc = cli_set_meta(m, "classify.test_examples", "%.0f", (double)d->ntest);
    if (!rc) rc = recur_model_set_meta(m, "train.optimizer", o->optim);
    if (!rc) rc = cli_set_meta(m, "train.lr", "%.9g", o->lr);
    if (!rc) rc = cli_set_meta(m, "train.clip", "%.9g", o->clip);
    if (!rc) rc = cli_set_meta(m, "train.dropout", "%.9g", o->dropout);
    if (!rc) {
        char buf[32];
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)o->seed);
        rc = recur_model_set_meta(m, "train.seed", buf);
    }
    return rc;
}

/* ---- the hooks of the driver --------------------------------------------- */

static int evaluate(train_driver *d, double *loss)
{
    classify_run *r = d->ctx;
    recur_eval_stats es;
    int rc = recur_evaluate_dataset(r->m, &r->test, 64, 0, &es);
    if (rc)
        return rc;
    *loss = es.loss;
    r->test_acc = es.accuracy;
    rc = cli_set_meta(r->m, "classify.test_loss", "%.6f", es.loss);
    if (!rc)
        rc = cli_set_meta(r->m, "classify.test_accuracy", "%.6f", es.accuracy);
    return rc;
}

/* At each epoch end: the test line and the --log row. */
static int epoch_report(train_driver *d, const recur_batch_stats *st, int evaluated,
                        int epoch_end)
{
    classify_run *r = d->ctx;
    if (!epoch_end)
        return 0;
    long step = train_driver_step(d), spe = d->steps_per_epoch;
    int epoch = (int)((step + spe - 1) / spe);
    double acc, loss = progress_train_loss(&d->prog, &acc);
    if (d->has_eval && !r->o->quiet)
        progress_message(&d->prog, "epoch %d: test_loss: %.4f - test_accuracy: %.4f",
                         epoch, d->eval_loss, r->test_acc);
    if (r->log) {
        fprintf(r->log, "%d,%ld,%.3f,%.6f,%.6f,", epoch, step,
                progress_now() - d->prog.t0, loss, acc);
        if (d->has_eval)
            fprintf(r->log, "%.6f,%.6f\n", d->eval_loss, r->test_acc);
        else
            fprintf(r->log, ",\n");
        fflush(r->log);
    }
    return 0;
}

static int summary(train_driver *d)
{
    classify_run *r = d->ctx;
    char elapsed[32], test[160] = "";
    double acc, loss = progress_train_loss(&d->prog, &acc);
    train_driver_elapsed(d, elapsed, sizeof elapsed);
    if (d->has_eval)
        snprintf(test, sizeof test, " - test_accuracy: %.4f (naive Bayes: words %.4f, "
                 "bigrams %.4f)", r->test_acc, r->nbw_accuracy, r->nb_accuracy);
    fprintf(stderr, "%s at epoch %.2f in %s - loss: %.4f - accuracy: %.4f%s - saved "
            "%s\n", train_driver_stopped_early(d) ? "Stopped at the time limit" : "Trained",
            (double)train_driver_step(d) / (double)d->steps_per_epoch, elapsed, loss, acc,
            test, r->o->save);
    return 0;
}

/* ---- setting up ------------------------------------------------------------ */

static FILE *open_log(const char *path, int append)
{
    int has_rows = append && cli_file_exists(path);
    FILE *f = fopen(path, append ? "a" : "w");
    if (!f) {
        cli_error("--log %s: %s", path, strerror(errno));
        return NULL;
    }
    if (!has_rows)
        fprintf(f, "epoch,step,elapsed_s,loss,accuracy,test_loss,test_accuracy\n");
    return f;
}

/* The checkpoint we resume must classify into the same classes. */
static int check_resume_classes(const char *path, char *const *classes, int n)
{
    recur_model *saved = NULL;
    char **names = NULL;
    int k = 0, rc = recur_model_load(path, &saved);
    if (!rc)
        rc = recur_model_get_classes(saved, &names, &k);
    if (rc) {
        recur_model_free(saved);
        return cli_error("--resume %s: %s", path, recur_last_error());
    }
    int same = k == n;
    for (int i = 0; same && i < n; i++)
        same = strcmp(names[i], classes[i]) == 0;
    recur_tsv_vocab_free(names, k, NULL);
    recur_model_free(saved);
    if (!same)
        return cli_error("--resume %s: the checkpoint's classes differ from this "
                         "data's; resume with the same data and settings", path);
    return 0;
}

/* The examples, their classes and characters; the checkpoint's classes
 * with --resume. */
static int load_data(classify_run *r, const char *data)
{
    const classify_train_opts *o = r->o;
    int flags = (o->raw ? 0 : RECUR_TSV_ESCAPES) | (o->header ? RECUR_TSV_HEADER : 0) |
                (o->skip_bad ? RECUR_TSV_SKIP_BAD : 0);
    if (classify_load(data, o->test, o->split, o->seed, flags, &r->data))
        return EXIT_RUNTIME;
    const classify_data *d = &r->data;
    int rc = recur_tsv_vocab(d->tsv, d->train, d->ntrain, o->min_count, &r->classes,
                             &r->ncls, &r->chars, &r->nchars);
    if (!rc && o->words)
        rc = recur_tsv_word_vocab(d->tsv, d->train, d->ntrain, o->min_word_count,
                                  o->max_vocab, o->max_len, &r->words, &r->nwords);
    if (rc)
        return cli_lib_error(rc);
    if (classify_require_classes(data, r->ncls))
        return EXIT_RUNTIME;
    if (o->resume && check_resume_classes(o->save, r->classes, r->ncls))
        return EXIT_RUNTIME;
    return 0;
}

/* The model, and the examples as its token ids. */
static int build_model(classify_run *r, const char *data)
{
    const classify_train_opts *o = r->o;
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.cell = (recur_cell)recur_cell_parse(o->cell);
    cfg.input = o->embed > 0 ? RECUR_INPUT_EMBEDDING : RECUR_INPUT_ONEHOT;
    cfg.embed_dim = o->embed;
    cfg.input_size = o->words ? r->nwords : r->nchars;
    cfg.output_size = r->ncls;
    cfg.hidden = o->hidden;
    cfg.layers = o->layers;
    cfg.bidirectional = o->bidirectional;
    cfg.dropout = (float)o->dropout;
    cfg.loss = RECUR_LOSS_XENT;
    cfg.readout = (recur_readout)recur_readout_parse(o->readout);
    const classify_data *d = &r->data;
    int rc;
    if ((rc = recur_config_check(&cfg)) || (rc = recur_model_create(&cfg, o->seed, &r->m)) ||
        (rc = o->words ? recur_model_set_words(r->m, (const char *const *)r->words, r->nwords)
                       : recur_model_set_vocab(r->m, r->chars, r->nchars)) ||
        (rc = recur_model_set_classes(r->m, (const char *const *)r->classes, r->ncls)) ||
        (rc = record_settings(r->m, o, data, d)) ||
        (rc = recur_tsv_dataset(d->tsv, d->train, d->ntrain, r->m, o->max_len, &r->train,
                                &r->unk_train)) ||
        (d->ntest && (rc = recur_tsv_dataset(d->test_tsv, d->test, d->ntest, r->m,
                                             o->max_len, &r->test, &r->unk_test))))
        return cli_lib_error(rc);
    return 0;
}

/* The trainer (resumed with --resume), windows as long as the longest text. */
static int build_trainer(classify_run *r)
{
    const classify_train_opts *o = r->o;
    long longest = 1;
    for (long i = 0; i < r->train.count; i++)
        if (r->train.offsets[i + 1] - r->train.offsets[i] > longest)
            longest = r->train.offsets[i + 1] - r->train.offsets[i];
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.optimizer = (recur_optimizer)recur_optimizer_parse(o->optim);
    tc.lr = (float)o->lr;
    tc.clip = (float)o->clip;
    tc.seq_len = (int)(longest < 100000 ? longest : 100000);
    tc.batch = o->batch;
    tc.stateful = 0;
    tc.seed = o->seed;
    tc.bucket = !o->no_bucket;
    int rc = recur_trainer_create_dataset(r->m, &tc, &r->train, &r->tr);
    if (!rc && o->resume)
        rc = recur_trainer_resume(r->tr, o->save);
    return rc ? cli_lib_error(rc) : 0;
}

/* The baselines on the same split: the one over the network's tokens sees
 * the same first max_len of them, the other one what `classify baseline`
 * gives it by default (the first 400 characters, all words). */
static int baseline(classify_run *r)
{
    const classify_train_opts *o = r->o;
    if (!r->data.ntest)
        return 0;
    r->nb_accuracy = classify_baseline_accuracy(&r->data, r->classes, r->ncls, o->alpha,
                                                o->words ? 400 : o->max_len, 0,
                                                &r->nb_features);
    if (r->nb_accuracy < 0)
        return EXIT_RUNTIME;
    r->nbw_accuracy = classify_baseline_accuracy(&r->data, r->classes, r->ncls, o->alpha,
                                                 o->words ? o->max_len : 0, 1,
                                                 &r->nbw_features);
    if (r->nbw_accuracy < 0)
        return EXIT_RUNTIME;
    int rc = cli_set_meta(r->m, "classify.naive_bayes_accuracy", "%.6f", r->nb_accuracy);
    if (!rc)
        rc = cli_set_meta(r->m, "classify.word_naive_bayes_accuracy", "%.6f",
                          r->nbw_accuracy);
    return rc ? cli_lib_error(rc) : 0;
}

static void print_header(const classify_run *r, const char *data, long spe, long start)
{
    const classify_train_opts *o = r->o;
    char params[32], input[48];
    progress_fmt_count(recur_model_param_count(r->m), params, sizeof params);
    if (o->embed)
        snprintf(input, sizeof input, "an embedding of %d", o->embed);
    else
        snprintf(input, sizeof input, "one-hot input");
    char tokens[96];
    if (o->words)
        snprintf(tokens, sizeof tokens, "%d words (<unk> for unknown ones)", r->nwords);
    else
        snprintf(tokens, sizeof tokens, "%d characters (U+FFFD for unknown ones)",
                 r->nchars);
    fprintf(stderr, "Model: %s%d-layer %s of %d units, %s readout, %s; %s -> %d "
            "classes; %s parameters.\n", o->bidirectional ? "bidirectional " : "",
            o->layers, o->cell, o->hidden, o->readout, input, tokens, r->ncls, params);
    const char *unit = o->words ? "words" : "characters";
    char used[64] = "whole texts";
    if (o->max_len)
        snprintf(used, sizeof used, "first %d %s of each", o->max_len, unit);
    fprintf(stderr, "Data: %s: %ld training examples, %ld test examples (%s), "
            "%s; %ld training and %ld test %s unknown; %s.\n", data, r->data.ntrain,
            r->data.ntest, o->test ? o->test : "stratified held-out split", used,
            r->unk_train, r->unk_test, unit,
            o->no_bucket ? "batches in shuffled order"
                         : "batches of similar lengths (--no-bucket: off)");
    fprintf(stderr, "Training: %s lr %g, clip %g, batches of %d, %ld steps per "
            "epoch, %ld epochs; checkpoint %s every epoch.\n", o->optim, o->lr,
            o->clip, o->batch, spe, o->epochs, o->save);
    if (r->data.ntest) {
        fprintf(stderr, "Baseline: character-bigram naive Bayes (add-%g, %ld "
                "bigrams%s): test_accuracy: %.4f\n", o->alpha, r->nb_features,
                o->words ? ", first 400 characters" : "", r->nb_accuracy);
        fprintf(stderr, "Baseline: word naive Bayes (add-%g, %ld words%s): "
                "test_accuracy: %.4f\n", o->alpha, r->nbw_features,
                o->words ? "" : ", whole texts", r->nbw_accuracy);
    }
    if (start > 0)
        fprintf(stderr, "Resuming from %s at epoch %ld.\n", o->save, start / spe + 1);
}

/* ---- the run ----------------------------------------------------------------- */

static int train_classifier(classify_run *r)
{
    const classify_train_opts *o = r->o;
    int code = load_data(r, o->data);
    if (!code) code = build_model(r, o->data);
    if (!code) code = build_trainer(r);
    if (code)
        return code;
    long spe = recur_trainer_steps_per_epoch(r->tr);
    long start = recur_trainer_step_count(r->tr);
    long target = o->epochs * spe;
    if (start >= target) {
        fprintf(stderr, "%s is already at epoch %ld of %ld: nothing to train (raise "
                "--epochs)\n", o->save, start / spe, o->epochs);
        return 0;
    }
    if (o->log && !(r->log = open_log(o->log, o->resume)))
        return EXIT_RUNTIME;
    if ((code = baseline(r)))
        return code;
    if (!o->quiet && dist_rank() == 0) /* over MPI, rank 0 prints (dist.h) */
        print_header(r, o->data, spe, start);
    train_hooks hooks = {.evaluate = r->test.count ? evaluate : NULL,
                         .after_step = epoch_report, .summary = summary};
    r->driver = (train_driver){
        .hooks = &hooks, .ctx = r, .trainer = r->tr, .save = o->save,
        .steps_per_epoch = spe, .target = target, .time_limit = o->time_limit,
        .checkpoint_epochs = 1, .mode = train_progress_mode(o->quiet, PROGRESS_PLAIN)};
    return train_drive(&r->driver);
}

int classify_train(const classify_train_opts *o)
{
    if (train_check_save(o->resume, o->save))
        return EXIT_RUNTIME;
    cli_set_threads(o->threads);
    classify_run r = {.o = o};
    int code = train_classifier(&r);
    if (r.log && fclose(r.log) != 0 && code == 0)
        code = cli_error("--log %s: %s", o->log, strerror(errno));
    recur_trainer_free(r.tr);
    recur_tsv_dataset_free(&r.train);
    recur_tsv_dataset_free(&r.test);
    recur_model_free(r.m);
    recur_tsv_vocab_free(r.classes, r.ncls, r.chars);
    recur_tsv_vocab_free(r.words, r.nwords, NULL);
    classify_data_free(&r.data);
    return code;
}
