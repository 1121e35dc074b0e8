/* classify_train.c - `recur classify train`: a many-to-one recurrent
 * classifier of texts (LABEL<TAB>TEXT lines), with a held-out test split or
 * a test file, per-epoch test accuracy, the naive Bayes baseline on the same
 * split, atomic checkpoints every epoch, resume, a time limit and a clean
 * stop on Ctrl-C. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "classify.h"
#include "commands.h"
#include "progress.h"
#include "recur.h"
#include "train_common.h"

typedef struct {
    const char *save, *test, *cell, *readout, *optim, *log, *tokens;
    double split, dropout, lr, clip, alpha, time_limit;
    int hidden, layers, embed, bidirectional, batch, max_len, min_count, threads;
    int min_word_count, max_vocab;
    long epochs;
    uint64_t seed;
    int resume, raw, header, quiet, bucket, no_bucket, skip_bad, words;
} train_opts;

typedef struct {
    const train_opts *o;
    recur_model *m;
    recur_trainer *tr;
    recur_dataset train, test;
    FILE *log;
    progress prog;
    long last_saved_step;
    int has_test;
    double test_loss, test_acc, best_acc;
    int best_epoch;
} run_state;

static int set_meta(recur_model *m, const char *key, const char *fmt, double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, fmt, v);
    return recur_model_set_meta(m, key, buf);
}

/* What a later eval or predict needs, and what shaped the model. */
static int record_settings(recur_model *m, const train_opts *o, const char *data,
                           const classify_data *d)
{
    int rc = recur_model_set_meta(m, "task", "classify");
    if (!rc) rc = recur_model_set_meta(m, "classify.data", data);
    if (!rc) rc = recur_model_set_meta(m, "classify.test", o->test ? o->test : "");
    if (!rc) rc = set_meta(m, "classify.test_split", "%.9g", o->test ? 0 : o->split);
    if (!rc) rc = set_meta(m, "classify.max_len", "%.0f", (double)o->max_len);
    if (!rc && !o->words)
        rc = set_meta(m, "classify.min_char_count", "%.0f", (double)o->min_count);
    if (!rc && o->words)
        rc = set_meta(m, "classify.min_word_count", "%.0f", (double)o->min_word_count);
    if (!rc && o->words)
        rc = set_meta(m, "classify.max_vocab", "%.0f", (double)o->max_vocab);
    if (!rc) rc = recur_model_set_meta(m, "classify.bucket", o->no_bucket ? "0" : "1");
    if (!rc) rc = recur_model_set_meta(m, "classify.escapes", o->raw ? "0" : "1");
    if (!rc) rc = set_meta(m, "classify.train_examples", "%.0f", (double)d->ntrain);
    if (!rc) rc = set_meta(m, "classify.test_examples", "%.0f", (double)d->ntest);
    if (!rc) rc = recur_model_set_meta(m, "train.optimizer", o->optim);
    if (!rc) rc = set_meta(m, "train.lr", "%.9g", o->lr);
    if (!rc) rc = set_meta(m, "train.clip", "%.9g", o->clip);
    if (!rc) rc = set_meta(m, "train.dropout", "%.9g", o->dropout);
    if (!rc) {
        char buf[32];
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)o->seed);
        rc = recur_model_set_meta(m, "train.seed", buf);
    }
    return rc;
}

static int evaluate(run_state *r)
{
    if (!r->test.count)
        return 0;
    recur_eval_stats es;
    int rc = recur_evaluate_dataset(r->m, &r->test, 64, 0, &es);
    if (rc)
        return rc;
    r->has_test = 1;
    r->test_loss = es.loss;
    r->test_acc = es.accuracy;
    rc = set_meta(r->m, "classify.test_loss", "%.6f", es.loss);
    if (!rc)
        rc = set_meta(r->m, "classify.test_accuracy", "%.6f", es.accuracy);
    return rc;
}

static int save(run_state *r)
{
    int rc = recur_trainer_save(r->tr, r->o->save);
    if (!rc)
        r->last_saved_step = recur_trainer_step_count(r->tr);
    return rc;
}

static void epoch_report(run_state *r, int epoch)
{
    double acc, loss = progress_train_loss(&r->prog, &acc);
    if (r->has_test && r->test_acc > r->best_acc) {
        r->best_acc = r->test_acc;
        r->best_epoch = epoch;
    }
    if (r->has_test && !r->o->quiet)
        progress_message(&r->prog, "epoch %d: test_loss: %.4f - test_accuracy: %.4f",
                         epoch, r->test_loss, r->test_acc);
    if (r->log) {
        fprintf(r->log, "%d,%ld,%.3f,%.6f,%.6f,", epoch,
                recur_trainer_step_count(r->tr), progress_now() - r->prog.t0, loss, acc);
        if (r->has_test)
            fprintf(r->log, "%.6f,%.6f\n", r->test_loss, r->test_acc);
        else
            fprintf(r->log, ",\n");
        fflush(r->log);
    }
}

/* Train until the target step, the time limit or a signal. */
static int train_loop(run_state *r, long target)
{
    const train_opts *o = r->o;
    long spe = recur_trainer_steps_per_epoch(r->tr);
    while (recur_trainer_step_count(r->tr) < target) {
        if (cli_stop_signal)
            break;
        if (o->time_limit > 0 && progress_now() - r->prog.t0 >= o->time_limit)
            break;
        recur_batch_stats st;
        int rc = recur_trainer_step(r->tr, &st);
        if (rc) {
            progress_break(&r->prog);
            return rc;
        }
        long step = recur_trainer_step_count(r->tr);
        progress_step(&r->prog, step, st.loss, st.accuracy, st.tokens);
        if (step % spe != 0 && step != target)
            continue;
        if ((rc = evaluate(r))) {
            progress_break(&r->prog);
            return rc;
        }
        progress_epoch_end(&r->prog, step, 0, 0);
        epoch_report(r, (int)((step + spe - 1) / spe));
        if ((rc = save(r))) {
            progress_break(&r->prog);
            return rc;
        }
    }
    return 0;
}

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

static int run(const train_opts *o, const char *data)
{
    int code = EXIT_RUNTIME, rc;
    classify_data d;
    char **classes = NULL;
    uint32_t *chars = NULL;
    char **words = NULL;
    int ncls = 0, nchars = 0, nwords = 0;
    run_state r;
    memset(&r, 0, sizeof r);
    r.o = o;
    r.best_acc = -1;

    if (o->resume && !cli_file_exists(o->save))
        return cli_error("--resume: %s does not exist (nothing to resume; leave out "
                         "--resume to start afresh, or name the checkpoint with --save)",
                         o->save);
    if (cli_check_save_dir("--save", o->save))
        return EXIT_RUNTIME;
    recur_set_threads(o->threads);
    int flags = (o->raw ? 0 : RECUR_TSV_ESCAPES) | (o->header ? RECUR_TSV_HEADER : 0) |
                (o->skip_bad ? RECUR_TSV_SKIP_BAD : 0);
    if (classify_load(data, o->test, o->split, o->seed, flags, &d))
        return EXIT_RUNTIME;
    if ((rc = recur_tsv_vocab(d.tsv, d.train, d.ntrain, o->min_count, &classes, &ncls,
                              &chars, &nchars)) ||
        (o->words && (rc = recur_tsv_word_vocab(d.tsv, d.train, d.ntrain,
                                                o->min_word_count, o->max_vocab,
                                                o->max_len, &words, &nwords)))) {
        cli_lib_error(rc);
        goto done;
    }
    if (ncls < 2) {
        cli_error("%s: the training examples have %d class%s; a classifier needs at "
                  "least 2", data, ncls, ncls == 1 ? "" : "es");
        goto done;
    }
    if (o->resume && check_resume_classes(o->save, classes, ncls))
        goto done;

    recur_config cfg;
    recur_config_default(&cfg);
    cfg.cell = (recur_cell)recur_cell_parse(o->cell);
    cfg.input = o->embed > 0 ? RECUR_INPUT_EMBEDDING : RECUR_INPUT_ONEHOT;
    cfg.embed_dim = o->embed;
    cfg.input_size = o->words ? nwords : nchars;
    cfg.output_size = ncls;
    cfg.hidden = o->hidden;
    cfg.layers = o->layers;
    cfg.bidirectional = o->bidirectional;
    cfg.dropout = (float)o->dropout;
    cfg.loss = RECUR_LOSS_XENT;
    cfg.readout = (recur_readout)recur_readout_parse(o->readout);
    if ((rc = recur_config_check(&cfg)) || (rc = recur_model_create(&cfg, o->seed, &r.m)) ||
        (rc = o->words ? recur_model_set_words(r.m, (const char *const *)words, nwords)
                       : recur_model_set_vocab(r.m, chars, nchars)) ||
        (rc = recur_model_set_classes(r.m, (const char *const *)classes, ncls)) ||
        (rc = record_settings(r.m, o, data, &d))) {
        cli_lib_error(rc);
        goto done;
    }
    long unk_train = 0, unk_test = 0;
    if ((rc = recur_tsv_dataset(d.tsv, d.train, d.ntrain, r.m, o->max_len, &r.train,
                                &unk_train)) ||
        (d.ntest && (rc = recur_tsv_dataset(d.test_tsv, d.test, d.ntest, r.m,
                                            o->max_len, &r.test, &unk_test)))) {
        cli_lib_error(rc);
        goto done;
    }
    long longest = 1;
    for (long i = 0; i < r.train.count; i++)
        if (r.train.offsets[i + 1] - r.train.offsets[i] > longest)
            longest = r.train.offsets[i + 1] - r.train.offsets[i];

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
    if ((rc = recur_trainer_create_dataset(r.m, &tc, &r.train, &r.tr))) {
        cli_lib_error(rc);
        goto done;
    }
    if (o->resume && (rc = recur_trainer_resume(r.tr, o->save))) {
        cli_lib_error(rc);
        goto done;
    }
    long spe = recur_trainer_steps_per_epoch(r.tr);
    long start = recur_trainer_step_count(r.tr);
    long target = o->epochs * spe;
    if (start >= target) {
        fprintf(stderr, "%s is already at epoch %ld of %ld: nothing to train (raise "
                "--epochs)\n", o->save, start / spe, o->epochs);
        code = 0;
        goto done;
    }
    if (o->log && !(r.log = open_log(o->log, o->resume)))
        goto done;
    r.last_saved_step = start;

    /* The baselines on the same split: the one over the network's tokens
     * sees the same first max_len of them, the other one what `classify
     * baseline` gives it by default (the first 400 characters, all words). */
    long nbf = 0, nbwf = 0;
    double nb = d.ntest ? classify_baseline_accuracy(&d, classes, ncls, o->alpha,
                                                     o->words ? 400 : o->max_len, 0, &nbf)
                        : 0;
    double nbw = d.ntest && nb >= 0
                     ? classify_baseline_accuracy(&d, classes, ncls, o->alpha,
                                                  o->words ? o->max_len : 0, 1, &nbwf)
                     : 0;
    if (nb < 0 || nbw < 0)
        goto done;
    if (d.ntest && ((rc = set_meta(r.m, "classify.naive_bayes_accuracy", "%.6f", nb)) ||
                    (rc = set_meta(r.m, "classify.word_naive_bayes_accuracy", "%.6f",
                                   nbw)))) {
        cli_lib_error(rc);
        goto done;
    }
    if (!o->quiet) {
        char params[32], input[48];
        progress_fmt_count(recur_model_param_count(r.m), params, sizeof params);
        if (o->embed)
            snprintf(input, sizeof input, "an embedding of %d", o->embed);
        else
            snprintf(input, sizeof input, "one-hot input");
        char tokens[96];
        if (o->words)
            snprintf(tokens, sizeof tokens, "%d words (<unk> for unknown ones)", nwords);
        else
            snprintf(tokens, sizeof tokens, "%d characters (U+FFFD for unknown ones)",
                     nchars);
        fprintf(stderr, "Model: %s%d-layer %s of %d units, %s readout, %s; %s -> %d "
                "classes; %s parameters.\n", o->bidirectional ? "bidirectional " : "",
                o->layers, o->cell, o->hidden, o->readout, input, tokens, ncls, params);
        const char *unit = o->words ? "words" : "characters";
        char used[64] = "whole texts";
        if (o->max_len)
            snprintf(used, sizeof used, "first %d %s of each", o->max_len, unit);
        fprintf(stderr, "Data: %s: %ld training examples, %ld test examples (%s), "
                "%s; %ld training and %ld test %s unknown; %s.\n", data, d.ntrain,
                d.ntest, o->test ? o->test : "stratified held-out split", used,
                unk_train, unk_test, unit,
                o->no_bucket ? "batches in shuffled order"
                             : "batches of similar lengths (--no-bucket: off)");
        fprintf(stderr, "Training: %s lr %g, clip %g, batches of %d, %ld steps per "
                "epoch, %ld epochs; checkpoint %s every epoch.\n", o->optim, o->lr,
                o->clip, o->batch, spe, o->epochs, o->save);
        if (d.ntest) {
            fprintf(stderr, "Baseline: character-bigram naive Bayes (add-%g, %ld "
                    "bigrams%s): test_accuracy: %.4f\n", o->alpha, nbf,
                    o->words ? ", first 400 characters" : "", nb);
            fprintf(stderr, "Baseline: word naive Bayes (add-%g, %ld words%s): "
                    "test_accuracy: %.4f\n", o->alpha, nbwf,
                    o->words ? "" : ", whole texts", nbw);
        }
        if (start > 0)
            fprintf(stderr, "Resuming from %s at epoch %ld.\n", o->save, start / spe + 1);
    }
    progress_mode mode = o->quiet ? PROGRESS_QUIET
                         : isatty(fileno(stderr)) ? PROGRESS_BAR : PROGRESS_PLAIN;
    progress_init(&r.prog, mode, stderr, spe, start, target);
    cli_catch_signals();

    rc = train_loop(&r, target);
    long step = recur_trainer_step_count(r.tr);
    if (rc) { /* NaN/Inf, or a failed evaluation or save: keep the last good file */
        cli_training_failed(rc, o->save);
        goto done;
    }
    if (step == start) {
        progress_break(&r.prog);
        if (cli_stop_signal) {
            code = 128 + (int)cli_stop_signal;
            cli_error("interrupted before the first step; nothing was trained or saved");
        } else {
            code = 0;
            fprintf(stderr, "The time limit was reached before the first step; nothing "
                            "was trained or saved.\n");
        }
        goto done;
    }
    if (step > r.last_saved_step) { /* stopped mid-epoch */
        if (!cli_stop_signal && (rc = evaluate(&r))) {
            cli_lib_error(rc);
            goto done;
        }
        progress_break(&r.prog);
        if ((rc = save(&r))) {
            cli_lib_error(rc);
            goto done;
        }
    }
    progress_break(&r.prog);
    if (cli_stop_signal) {
        code = 128 + (int)cli_stop_signal;
        cli_error("interrupted at step %ld; checkpoint saved to %s (continue with "
                  "--resume)", step, o->save);
        goto done;
    }
    char elapsed[32], test[160] = "";
    double acc, loss = progress_train_loss(&r.prog, &acc);
    progress_fmt_time(progress_now() - r.prog.t0, elapsed, sizeof elapsed);
    if (r.has_test)
        snprintf(test, sizeof test, " - test_accuracy: %.4f (naive Bayes: words %.4f, "
                 "bigrams %.4f)", r.test_acc, nbw, nb);
    fprintf(stderr, "%s at epoch %.2f in %s - loss: %.4f - accuracy: %.4f%s - saved "
            "%s\n", step < target ? "Stopped at the time limit" : "Trained",
            (double)step / (double)spe, elapsed, loss, acc, test, o->save);
    code = 0;
done:
    if (r.log && fclose(r.log) != 0 && code == 0)
        code = cli_error("--log %s: %s", o->log, strerror(errno));
    recur_trainer_free(r.tr);
    recur_tsv_dataset_free(&r.train);
    recur_tsv_dataset_free(&r.test);
    recur_model_free(r.m);
    recur_tsv_vocab_free(classes, ncls, chars);
    recur_tsv_vocab_free(words, nwords, NULL);
    classify_data_free(&d);
    return code;
}

#define NUM(nm, kind, dst, mv, df, hl, hasl, lo_, loo, hash, hi_, hio) \
    {nm, NULL, kind, dst, mv, df, hl, hasl, hash, loo, hio, lo_, hi_, 0}
#define STR(nm, dst, mv, df, hl) {nm, NULL, OPT_STRING, dst, mv, df, hl, 0, 0, 0, 0, 0, 0, 0}
#define FLAG(nm, dst, hl) {nm, NULL, OPT_FLAG, dst, NULL, NULL, hl, 0, 0, 0, 0, 0, 0, 0}

int classify_train(int argc, char **argv)
{
    train_opts o = {
        .save = "classifier.safetensors", .cell = "gru", .readout = "last",
        .optim = "adam", .split = 0.2, .lr = 2e-3, .clip = 5, .alpha = 1,
        .hidden = 128, .layers = 1, .embed = 32, .batch = 32, .max_len = 400,
        .min_count = 2, .threads = 2, .epochs = 10, .seed = 1, .tokens = "char",
        .min_word_count = 2, .max_vocab = 20000};
    cli_opt opts[] = {
        STR("save", &o.save, "FILE", "classifier.safetensors",
            "model file, written atomically at every epoch end (a checkpoint "
            "for --resume)"),
        STR("test", &o.test, "FILE.tsv", NULL,
            "test examples from this file instead of a held-out split"),
        NUM("test-split", OPT_DOUBLE, &o.split, "FRACTION", "0.2",
            "part of each class held out for testing (seeded, stratified); 0 = none",
            1, 0, 0, 1, 1, 1),
        STR("cell", &o.cell, "TYPE", "gru", "rnn_tanh, rnn_relu, lstm, gru"),
        NUM("hidden", OPT_INT, &o.hidden, "N", "128", "units per layer and direction",
            1, 1, 0, 1, RECUR_MAX_WIDTH, 0),
        NUM("layers", OPT_INT, &o.layers, "N", "1", "stacked recurrent layers",
            1, 1, 0, 1, 16, 0),
        FLAG("bidirectional", &o.bidirectional, "bidirectional layers"),
        STR("readout", &o.readout, "last|mean", "last",
            "what the dense layer reads: the last state or the mean of all states"),
        STR("tokens", &o.tokens, "char|word", "char",
            "read characters, or words (lower-cased runs of letters, digits and "
            "apostrophes: the long-text choice)"),
        NUM("embed", OPT_INT, &o.embed, "N", "32", "token embedding size; 0 = "
            "one-hot", 1, 0, 0, 1, RECUR_MAX_WIDTH, 0),
        NUM("dropout", OPT_DOUBLE, &o.dropout, "P", "0",
            "dropout on each recurrent layer's output", 1, 0, 0, 1, 1, 1),
        NUM("epochs", OPT_LONG, &o.epochs, "N", "10", "passes over the training "
            "examples", 1, 1, 0, 1, 1e9, 0),
        NUM("batch", OPT_INT, &o.batch, "B", "32", "examples per batch", 1, 1, 0, 1,
            100000, 0),
        STR("optim", &o.optim, "NAME", "adam", "sgd, adam, adamw, rmsprop"),
        NUM("lr", OPT_DOUBLE, &o.lr, "RATE", "2e-3", "learning rate", 1, 0, 1, 1, 100, 1),
        NUM("clip", OPT_DOUBLE, &o.clip, "NORM", "5",
            "clip the global gradient norm; 0 = off", 1, 0, 0, 0, 0, 0),
        NUM("max-len", OPT_INT, &o.max_len, "N", "400",
            "use the first N tokens (characters or words) of each text; 0 = all",
            1, 0, 0, 1, 100000, 0),
        NUM("min-char-count", OPT_INT, &o.min_count, "N", "2",
            "characters seen fewer times in training read as unknown (U+FFFD)",
            1, 1, 0, 1, 1000000000, 0),
        NUM("min-word-count", OPT_INT, &o.min_word_count, "N", "2",
            "with --tokens word: words seen fewer times in training read as <unk>",
            1, 1, 0, 1, 1000000000, 0),
        NUM("max-vocab", OPT_INT, &o.max_vocab, "N", "20000",
            "with --tokens word: keep at most the N - 1 most frequent words (and "
            "<unk>); 0 = no cap", 1, 0, 0, 0, 0, 0),
        NUM("alpha", OPT_DOUBLE, &o.alpha, "A", "1",
            "add-alpha smoothing of the naive Bayes baseline", 1, 0, 1, 0, 0, 0),
        NUM("seed", OPT_U64, &o.seed, "N", "1",
            "seed for the split, the initial weights, dropout and shuffling",
            0, 0, 0, 0, 0, 0),
        NUM("time-limit", OPT_DOUBLE, &o.time_limit, "SECONDS", NULL,
            "stop cleanly after this much time, with a checkpoint", 1, 0, 1, 0, 0, 0),
        NUM("threads", OPT_INT, &o.threads, "N", "2", "threads for the matrix products",
            1, 1, 0, 1, 1024, 0),
        FLAG("resume", &o.resume, "continue from the --save checkpoint"),
        STR("log", &o.log, "FILE.csv", NULL,
            "write a CSV row per epoch (appended to with --resume)"),
        FLAG("raw", &o.raw, "take texts literally (no \\n, \\t, \\\\ escapes)"),
        FLAG("header", &o.header, "the first line of each TSV file is a header"),
        FLAG("skip-bad-lines", &o.skip_bad, "skip lines with a bad escape, label or "
             "encoding or an empty text, and say how many (default: stop at the first)"),
        FLAG("quiet", &o.quiet, "print only the final summary"),
        FLAG("no-bucket", &o.no_bucket, "batch texts in plain shuffled order (default: "
             "texts of similar length together, less padding, the batch order "
             "shuffled)"),
        FLAG("bucket", &o.bucket, "length bucketing (the default; kept for old "
             "scripts)"),
    };
    static const char *const pos_names[] = {"DATA.tsv"};
    cli_spec spec = {
        .cmd = "classify train",
        .usage = "recur classify train DATA.tsv [--save FILE] [OPTIONS]",
        .description =
            "Train a recurrent classifier of texts. DATA.tsv has one example per\n"
            "line, LABEL<TAB>TEXT, where the text may write a newline as \\n, a tab\n"
            "as \\t and a backslash as \\\\ (unless --raw). A seeded, stratified\n"
            "--test-split of each class is held out (or --test FILE is used), and\n"
            "the test accuracy is shown after each epoch, next to two naive Bayes\n"
            "baselines (character bigrams, words) trained on the same examples.\n"
            "Texts are read as characters or (--tokens word) as words, whose\n"
            "vocabulary comes from the training examples and is kept in the model.",
        .opts = opts,
        .nopts = (int)(sizeof opts / sizeof *opts),
        .pos_names = pos_names,
        .pos_min = 1,
        .pos_max = 1,
        .epilog = "Ctrl-C finishes the current step, saves a checkpoint and exits with "
                  "status 130.\nThe progress line's tok/s counts examples per second.\n"
                  "examples:\n"
                  "  recur classify train langs.tsv --save langs.safetensors --epochs 5\n"
                  "  recur classify train langs.tsv --bidirectional --readout mean\n"
                  "  recur classify train train.tsv --test test.tsv --cell lstm\n"
                  "  recur classify train reviews.tsv --tokens word --embed 64 --readout mean",
    };
    const char *pos[1];
    int npos;
    int a = args_parse(&spec, argc, argv, pos, &npos);
    if (a == ARGS_HELP)
        return 0;
    if (a)
        return EXIT_USAGE;
    if (recur_cell_parse(o.cell) < 0) {
        args_error(&spec, "--cell expects one of rnn_tanh, rnn_relu, lstm, gru, got "
                          "'%s'", o.cell);
        return EXIT_USAGE;
    }
    if (strcmp(o.readout, "last") != 0 && strcmp(o.readout, "mean") != 0) {
        args_error(&spec, "--readout expects last or mean, got '%s'", o.readout);
        return EXIT_USAGE;
    }
    if (strcmp(o.tokens, "char") != 0 && strcmp(o.tokens, "word") != 0) {
        args_error(&spec, "--tokens expects char or word, got '%s'", o.tokens);
        return EXIT_USAGE;
    }
    o.words = strcmp(o.tokens, "word") == 0;
    if (o.bucket && o.no_bucket) {
        args_error(&spec, "give --bucket or --no-bucket, not both");
        return EXIT_USAGE;
    }
    if (o.max_vocab == 1) {
        args_error(&spec, "--max-vocab must be 0 (no cap) or at least 2");
        return EXIT_USAGE;
    }
    if (recur_optimizer_parse(o.optim) < 0) {
        args_error(&spec, "--optim expects one of sgd, adam, adamw, rmsprop, got '%s'",
                   o.optim);
        return EXIT_USAGE;
    }
    if (!*o.save) {
        args_error(&spec, "--save expects a file name, got ''");
        return EXIT_USAGE;
    }
    if (o.test && args_given(&spec, "test-split")) {
        args_error(&spec, "give --test FILE or --test-split, not both");
        return EXIT_USAGE;
    }
    return run(&o, pos[0]);
}
