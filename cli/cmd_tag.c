/* cmd_tag.c - `recur tag train|eval|predict`: a part-of-speech (or any
 * word-level) tagger over WORD<TAB>TAG files with an empty line after each
 * sentence. The method is the library's (include/recur/tag.h: the CoNLL
 * loader, the lexicon of known words and signature tokens, the data set,
 * the most-frequent-tag baseline, the scores); this file adds the options,
 * the held-out split, the training run (train_driver.c) and the printing. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "progress.h"
#include "recur.h"
#include "train_common.h"
#include "train_driver.h"

#define AT(field) offsetof(tag_opts, field)

static const cli_option train_options[] = {
    {.name = "save", .kind = OPT_STRING, .at = AT(save), .metavar = "FILE",
     .def = "tagger.safetensors", .help = "the model (a checkpoint, written every epoch)"},
    {.name = "test", .kind = OPT_STRING, .at = AT(test), .metavar = "FILE",
     .help = "held-out sentences (default: every --test-every-th sentence of DATA)"},
    {.name = "test-every", .kind = OPT_INT, .at = AT(test_every), .metavar = "N",
     .def = "10", .help = "hold out sentences N-1, 2N-1, ... of DATA (without --test)",
     .lo = 2, .hi = 1000000, .bounds = AT_LEAST | AT_MOST},
    {.name = "min-count", .kind = OPT_INT, .at = AT(min_count), .metavar = "N", .def = "2",
     .help = "words seen fewer times in training read as their signature",
     .lo = 1, .hi = 1000000, .bounds = AT_LEAST | AT_MOST},
    {.name = "cell", .kind = OPT_STRING, .at = AT(cell), .metavar = "CELL", .def = "lstm",
     .help = "lstm, gru, rnn_tanh or rnn_relu (bidirectional)"},
    {.name = "embed", .kind = OPT_INT, .at = AT(embed), .metavar = "N", .def = "100",
     .help = "word embedding size", .lo = 1, .hi = RECUR_MAX_WIDTH,
     .bounds = AT_LEAST | AT_MOST},
    {.name = "hidden", .kind = OPT_INT, .at = AT(hidden), .metavar = "N", .def = "128",
     .help = "units per direction", .lo = 1, .hi = RECUR_MAX_WIDTH,
     .bounds = AT_LEAST | AT_MOST},
    {.name = "layers", .kind = OPT_INT, .at = AT(layers), .metavar = "N", .def = "1",
     .help = "stacked bidirectional layers", .lo = 1, .hi = 64, .bounds = AT_LEAST | AT_MOST},
    {.name = "dropout", .kind = OPT_FLOAT, .at = AT(dropout), .metavar = "P", .def = "0.2",
     .help = "dropout on each layer's output", .lo = 0, .hi = 1,
     .bounds = AT_LEAST | BELOW},
    {.name = "lr", .kind = OPT_FLOAT, .at = AT(lr), .metavar = "LR", .def = "0.003",
     .help = "Adam's learning rate", .lo = 0, .hi = 10, .bounds = ABOVE | AT_MOST},
    {.name = "lr-decay", .kind = OPT_FLOAT, .at = AT(lr_decay), .metavar = "F", .def = "0.7",
     .help = "multiply the learning rate by F after each epoch from the second",
     .lo = 0, .hi = 1, .bounds = ABOVE | AT_MOST},
    {.name = "clip", .kind = OPT_FLOAT, .at = AT(clip), .metavar = "C", .def = "5",
     .help = "global gradient-norm clip (0: none)", .lo = 0, .hi = 1e6,
     .bounds = AT_LEAST | AT_MOST},
    {.name = "batch", .kind = OPT_INT, .at = AT(batch), .metavar = "B", .def = "32",
     .help = "sentences per step", .lo = 1, .hi = 100000, .bounds = AT_LEAST | AT_MOST},
    {.name = "max-len", .kind = OPT_INT, .at = AT(max_len), .metavar = "N", .def = "400",
     .help = "train on at most the first N words of a sentence", .lo = 1,
     .hi = RECUR_CONLL_MAX_WORDS, .bounds = AT_LEAST | AT_MOST},
    {.name = "no-bucket", .kind = OPT_FLAG, .at = AT(bucket_off),
     .help = "plain shuffled batches (default: sentences of similar length together)"},
    {.name = "epochs", .kind = OPT_INT, .at = AT(epochs), .metavar = "N", .def = "5",
     .help = "passes over the training sentences", .lo = 1, .hi = 1000000,
     .bounds = AT_LEAST | AT_MOST},
    {.name = "steps", .kind = OPT_LONG, .at = AT(steps), .metavar = "N",
     .help = "stop at this step instead", .lo = 1, .hi = 1e15, .bounds = AT_LEAST | AT_MOST},
    {.name = "time-limit", .kind = OPT_DOUBLE, .at = AT(time_limit), .metavar = "S",
     .help = "stop training after S seconds (then evaluate and save)", .lo = 0, .hi = 1e9,
     .bounds = ABOVE | AT_MOST},
    {.name = "resume", .kind = OPT_FLAG, .at = AT(resume),
     .help = "continue the checkpoint at --save (same data and settings)"},
    {.name = "no-baseline", .kind = OPT_FLAG, .at = AT(no_baseline),
     .help = "do not score the most-frequent-tag baseline"},
    {.name = "seed", .kind = OPT_U64, .at = AT(seed), .metavar = "N", .def = "1",
     .help = "initialisation, dropout and shuffling"},
    {.name = "threads", .kind = OPT_INT, .at = AT(threads), .metavar = "N", .def = "2",
     .help = "threads", .lo = 1, .hi = 256, .bounds = AT_LEAST | AT_MOST},
    {.name = "quiet", .kind = OPT_FLAG, .at = AT(quiet), .help = "no progress display"},
};

static const cli_option eval_options[] = {
    {.name = "baseline", .kind = OPT_FLAG, .at = AT(baseline),
     .help = "also score the most-frequent-tag baseline, learned from the sentences "
             "--test-every leaves for training (or from --train FILE)"},
    {.name = "train", .kind = OPT_STRING, .at = AT(test), .metavar = "FILE",
     .help = "the training sentences the baseline learns from"},
    {.name = "test-every", .kind = OPT_INT, .at = AT(test_every), .metavar = "N",
     .help = "score only sentences N-1, 2N-1, ... of DATA (the train command's split)",
     .lo = 2, .hi = 1000000, .bounds = AT_LEAST | AT_MOST},
    {.name = "batch", .kind = OPT_INT, .at = AT(batch), .metavar = "B", .def = "32",
     .help = "sentences per batch", .lo = 1, .hi = 100000, .bounds = AT_LEAST | AT_MOST},
    {.name = "threads", .kind = OPT_INT, .at = AT(threads), .metavar = "N", .def = "2",
     .help = "threads", .lo = 1, .hi = 256, .bounds = AT_LEAST | AT_MOST},
};

static const cli_option predict_options[] = {
    {.name = "batch", .kind = OPT_INT, .at = AT(batch), .metavar = "B", .def = "32",
     .help = "sentences per batch", .lo = 1, .hi = 100000, .bounds = AT_LEAST | AT_MOST},
    {.name = "threads", .kind = OPT_INT, .at = AT(threads), .metavar = "N", .def = "2",
     .help = "threads", .lo = 1, .hi = 256, .bounds = AT_LEAST | AT_MOST},
};

static const char *const train_pos[] = {"DATA"};
static const char *const eval_pos[] = {"MODEL", "DATA"};
static const char *const predict_pos[] = {"MODEL", "FILE"};

static const cli_options train_spec = {
    .cmd = "tag train",
    .usage = "recur tag train DATA [OPTIONS]",
    .description =
        "Train a tagger on DATA: one WORD<TAB>TAG per line, an empty line after each\n"
        "sentence (CoNLL style). Words seen fewer than --min-count times in training\n"
        "read as their signature (capitalisation, digits, hyphens, suffix), so that\n"
        "unseen words still get a tag; the words go through an embedding and a\n"
        "bidirectional LSTM, and a dense layer scores the tags at every word.\n"
        "Prints the held-out token accuracy and unknown-word accuracy after every\n"
        "epoch, beside the most-frequent-tag baseline (unknown words: their\n"
        "signature's most frequent tag). The lexicon and tag set are kept in the\n"
        "model file.",
    .opts = train_options,
    .nopts = ARGS_COUNT(train_options),
    .pos_names = train_pos,
    .pos_min = 1,
    .pos_max = 1,
};

static const cli_options eval_spec = {
    .cmd = "tag eval",
    .usage = "recur tag eval MODEL DATA [OPTIONS]",
    .description = "Score a tagger on DATA (WORD<TAB>TAG, sentences separated by empty\n"
                   "lines): token accuracy, and accuracy on the words it reads as\n"
                   "signatures (rare or unseen in training).",
    .opts = eval_options,
    .nopts = ARGS_COUNT(eval_options),
    .pos_names = eval_pos,
    .pos_min = 2,
    .pos_max = 2,
};

static const cli_options predict_spec = {
    .cmd = "tag predict",
    .usage = "recur tag predict MODEL [FILE|-] [OPTIONS]",
    .description = "Tag FILE (or standard input): one word per line (anything after a\n"
                   "tab is ignored), an empty line after each sentence. Prints\n"
                   "WORD<TAB>TAG lines in the same shape.",
    .opts = predict_options,
    .nopts = ARGS_COUNT(predict_options),
    .pos_names = predict_pos,
    .pos_min = 1,
    .pos_max = 2,
};

static void defaults(tag_opts *o)
{
    *o = (tag_opts){.save = "tagger.safetensors", .cell = "lstm", .test_every = 10,
                    .min_count = 2, .embed = 100, .hidden = 128, .layers = 1,
                    .batch = 32, .epochs = 5, .threads = 2, .max_len = 400,
                    .lr = 0.003, .lr_decay = 0.7, .clip = 5, .dropout = 0.2, .seed = 1};
}

/* ---- data ------------------------------------------------------------------------ */

/* A CoNLL file, or standard input for "-". */
static int load_conll(const char *path, int flags, recur_conll **out)
{
    int rc;
    if (strcmp(path, "-") == 0) {
        size_t len;
        char *buf = cli_read_stdin(&len);
        if (!buf)
            return EXIT_RUNTIME;
        rc = recur_conll_from_memory(buf, len, "stdin", flags, out);
        free(buf);
    } else
        rc = recur_conll_load(path, flags, out);
    return rc ? cli_lib_error(rc) : 0;
}

/* Sentence indices: the held-out ones (every k-th, the k-th first) and the
 * others. */
static int split_every(long n, int k, long **train, long *ntrain, long **test, long *ntest)
{
    *train = malloc((size_t)n * sizeof **train);
    *test = malloc((size_t)n * sizeof **test);
    if (!*train || !*test)
        return cli_error("out of memory");
    *ntrain = *ntest = 0;
    for (long i = 0; i < n; i++) {
        if (i % k == k - 1)
            (*test)[(*ntest)++] = i;
        else
            (*train)[(*ntrain)++] = i;
    }
    if (*ntrain == 0 || *ntest == 0)
        return cli_error("%ld sentences: too few to hold out every %d-th (use --test FILE)",
                         n, k);
    return 0;
}

static double frac(long a, long b) { return b ? (double)a / (double)b : 0.0; }

static void print_score(const char *who, const recur_tag_score *s)
{
    printf("%-9s accuracy %.4f (%ld/%ld words), unknown words %.4f (%ld/%ld)\n", who,
           frac(s->correct, s->words), s->correct, s->words,
           frac(s->unknown_correct, s->unknown), s->unknown_correct, s->unknown);
}

/* ---- train ------------------------------------------------------------------------- */

typedef struct {
    const tag_opts *o;
    recur_conll *data, *test_data;
    long *train_idx, *test_idx, ntrain, ntest;
    recur_lexicon *lx;
    recur_dataset ds;
    recur_model *m;
    recur_trainer *tr;
    int32_t *best;
    recur_tag_score base, last; /* the baseline; the latest evaluation, at step */
    long last_step;
    train_driver d;
} tag_run;

/* The held-out score now (reusing the latest evaluation at this step). */
static int score_now(tag_run *r, recur_tag_score *s)
{
    long step = recur_trainer_step_count(r->tr);
    if (step != r->last_step) {
        int rc = recur_tagger_run(r->m, NULL, r->lx, r->test_data, r->test_idx, r->ntest,
                                  r->o->batch, NULL, &r->last);
        if (rc)
            return rc;
        r->last_step = step;
    }
    *s = r->last;
    return RECUR_OK;
}

static int tag_evaluate(train_driver *d, double *loss)
{
    tag_run *r = d->ctx;
    recur_tag_score s;
    int rc = score_now(r, &s);
    if (rc)
        return rc;
    *loss = 1.0 - frac(s.correct, s.words); /* the driver's "val_loss": the error rate */
    if (!r->o->quiet)
        progress_message(&d->prog, "held-out accuracy %.4f, unknown words %.4f (baseline "
                         "%.4f, %.4f)", frac(s.correct, s.words),
                         frac(s.unknown_correct, s.unknown), frac(r->base.correct, r->base.words),
                         frac(r->base.unknown_correct, r->base.unknown));
    return RECUR_OK;
}

static int tag_summary(train_driver *d)
{
    tag_run *r = d->ctx;
    recur_tag_score s;
    int rc = score_now(r, &s);
    if (rc)
        return cli_lib_error(rc);
    char elapsed[32];
    train_driver_elapsed(d, elapsed, sizeof elapsed);
    long step = train_driver_step(d);
    fprintf(stderr, "%s at step %ld (%.2f epochs) in %s; saved %s\n",
            train_driver_stopped_early(d) ? "Stopped at the time limit" : "Trained", step,
            (double)step / (double)d->steps_per_epoch, elapsed, r->o->save);
    printf("held-out: %ld sentences, %ld words, %ld unknown (%.2f%%)\n", r->ntest,
           s.words, s.unknown, 100 * frac(s.unknown, s.words));
    if (s.unseen_tags)
        printf("          %ld words have a tag never seen in training (always wrong)\n",
               s.unseen_tags);
    print_score("tagger:", &s);
    if (r->best)
        print_score("baseline:", &r->base);
    return 0;
}

static int create_model(tag_run *r)
{
    const tag_opts *o = r->o;
    recur_config cfg;
    recur_config_default(&cfg);
    int cell = recur_cell_parse(o->cell);
    if (cell < 0)
        return cli_error("--cell %s: not one of lstm, gru, rnn_tanh, rnn_relu", o->cell);
    cfg.cell = (recur_cell)cell;
    cfg.input = RECUR_INPUT_EMBEDDING;
    cfg.input_size = recur_lexicon_word_count(r->lx);
    cfg.embed_dim = o->embed;
    cfg.hidden = o->hidden;
    cfg.layers = o->layers;
    cfg.bidirectional = 1;
    cfg.dropout = (float)o->dropout;
    cfg.output_size = recur_lexicon_tag_count(r->lx);
    cfg.loss = RECUR_LOSS_XENT;
    cfg.readout = RECUR_READOUT_SEQUENCE;
    int rc = recur_config_check(&cfg);
    if (!rc)
        rc = recur_model_create(&cfg, o->seed, &r->m);
    if (!rc)
        rc = recur_lexicon_save(r->lx, r->m);
    if (!rc)
        rc = recur_model_set_meta(r->m, "train.corpus", o->data);
    return rc ? cli_lib_error(rc) : 0;
}

static int build(tag_run *r)
{
    const tag_opts *o = r->o;
    if (load_conll(o->data, 0, &r->data))
        return EXIT_RUNTIME;
    long n = recur_conll_count(r->data);
    if (o->test) {
        if (load_conll(o->test, 0, &r->test_data))
            return EXIT_RUNTIME;
        r->ntrain = n;
        r->ntest = recur_conll_count(r->test_data);
        r->train_idx = malloc((size_t)n * sizeof *r->train_idx);
        r->test_idx = malloc((size_t)r->ntest * sizeof *r->test_idx);
        if (!r->train_idx || !r->test_idx)
            return cli_error("out of memory");
        for (long i = 0; i < n; i++)
            r->train_idx[i] = i;
        for (long i = 0; i < r->ntest; i++)
            r->test_idx[i] = i;
    } else {
        r->test_data = r->data;
        if (split_every(n, o->test_every, &r->train_idx, &r->ntrain, &r->test_idx,
                        &r->ntest))
            return EXIT_RUNTIME;
    }
    int rc = recur_lexicon_build(r->data, r->train_idx, r->ntrain, o->min_count, &r->lx);
    if (rc)
        return cli_lib_error(rc);
    if (!o->no_baseline) {
        r->best = malloc((size_t)recur_lexicon_word_count(r->lx) * sizeof *r->best);
        if (!r->best)
            return cli_error("out of memory");
        rc = recur_lexicon_baseline(r->lx, r->data, r->train_idx, r->ntrain, r->best);
        if (!rc)
            rc = recur_tagger_run(NULL, r->best, r->lx, r->test_data, r->test_idx,
                                  r->ntest, 0, NULL, &r->base);
        if (rc)
            return cli_lib_error(rc);
    }
    rc = recur_lexicon_dataset(r->lx, r->data, r->train_idx, r->ntrain, 0, &r->ds, NULL);
    if (rc)
        return cli_lib_error(rc);
    if (create_model(r))
        return EXIT_RUNTIME;
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.lr = (float)o->lr;
    tc.clip = (float)o->clip;
    tc.lr_decay = (float)o->lr_decay;
    tc.lr_decay_after = 1;
    tc.seq_len = o->max_len;
    tc.batch = o->batch;
    tc.stateful = 0;
    tc.seed = o->seed;
    tc.bucket = !o->bucket_off;
    rc = recur_trainer_create_dataset(r->m, &tc, &r->ds, &r->tr);
    if (!rc && o->resume)
        rc = recur_trainer_resume(r->tr, o->save);
    return rc ? cli_lib_error(rc) : 0;
}

static void print_header(const tag_run *r, long spe, long target)
{
    const tag_opts *o = r->o;
    fprintf(stderr, "Data: %s, %ld sentences, %ld words; training on %ld sentences, "
            "held out %ld%s.\n", o->data, recur_conll_count(r->data),
            recur_conll_words(r->data), r->ntrain, r->ntest,
            o->test ? " (--test)" : " (every --test-every-th)");
    fprintf(stderr, "Lexicon: %d ids (words seen %d+ times and signatures), %d tags.\n",
            recur_lexicon_word_count(r->lx), o->min_count, recur_lexicon_tag_count(r->lx));
    fprintf(stderr, "Model: embedding %d, bidirectional %s %d x %d, dropout %g; %ld "
            "parameters.\n", o->embed, o->cell, o->layers, o->hidden, o->dropout,
            recur_model_param_count(r->m));
    fprintf(stderr, "Training: adam lr %g (x%g per epoch), clip %g, batches of %d "
            "sentences, %ld steps per epoch, to step %ld; checkpoint %s.\n", o->lr,
            o->lr_decay, o->clip, o->batch, spe, target, o->save);
    if (r->best)
        fprintf(stderr, "Baseline (most frequent tag): held-out accuracy %.4f, unknown "
                "words %.4f.\n", frac(r->base.correct, r->base.words),
                frac(r->base.unknown_correct, r->base.unknown));
}

static int tag_train(tag_opts *o)
{
    if (train_check_save(o->resume, o->save))
        return EXIT_RUNTIME;
    cli_set_threads(o->threads);
    tag_run r = {.o = o, .last_step = -1};
    int code = build(&r);
    if (!code) {
        long spe = recur_trainer_steps_per_epoch(r.tr);
        long start = recur_trainer_step_count(r.tr);
        long target = o->steps > 0 ? o->steps : (long)o->epochs * spe;
        if (train_nothing_to_do(o->save, start, target))
            code = 0;
        else {
            if (!o->quiet)
                print_header(&r, spe, target);
            static const train_hooks hooks = {.evaluate = tag_evaluate,
                                              .summary = tag_summary};
            r.d = (train_driver){
                .hooks = &hooks, .ctx = &r, .trainer = r.tr, .save = o->save,
                .steps_per_epoch = spe, .target = target, .time_limit = o->time_limit,
                .checkpoint_epochs = 1,
                .mode = train_progress_mode(o->quiet, PROGRESS_PLAIN)};
            code = train_drive(&r.d);
        }
    }
    recur_trainer_free(r.tr);
    recur_model_free(r.m);
    recur_lexicon_dataset_free(&r.ds);
    recur_lexicon_free(r.lx);
    free(r.best);
    free(r.train_idx);
    free(r.test_idx);
    if (r.test_data != r.data)
        recur_conll_free(r.test_data);
    recur_conll_free(r.data);
    return code;
}

/* ---- eval and predict --------------------------------------------------------------- */

static int load_tagger(const char *path, recur_model **m, recur_lexicon **lx)
{
    int rc = recur_model_load(path, m);
    if (!rc)
        rc = recur_lexicon_from_model(*m, lx);
    return rc ? cli_lib_error(rc) : 0;
}

static int tag_eval(const tag_opts *o)
{
    cli_set_threads(o->threads);
    recur_model *m = NULL;
    recur_lexicon *lx = NULL;
    recur_conll *c = NULL, *train = NULL;
    long *idx = NULL, *other = NULL, n = 0, nother = 0;
    int32_t *best = NULL;
    int code = load_tagger(o->model, &m, &lx);
    if (!code)
        code = load_conll(o->data, 0, &c);
    if (!code && o->test_every)
        code = split_every(recur_conll_count(c), o->test_every, &other, &nother, &idx, &n);
    else if (!code)
        n = recur_conll_count(c);
    if (!code && o->test) /* --train FILE: the baseline's */
        code = load_conll(o->test, 0, &train);
    recur_tag_score s, b;
    if (!code) {
        int rc = recur_tagger_run(m, NULL, lx, c, idx, n, o->batch, NULL, &s);
        if (!rc && o->baseline) {
            best = malloc((size_t)recur_lexicon_word_count(lx) * sizeof *best);
            rc = !best ? RECUR_E_NOMEM
                 : train ? recur_lexicon_baseline(lx, train, NULL, recur_conll_count(train),
                                                  best)
                         : recur_lexicon_baseline(lx, c, other, nother, best);
            if (!rc)
                rc = recur_tagger_run(NULL, best, lx, c, idx, n, 0, NULL, &b);
        }
        code = rc ? cli_lib_error(rc) : 0;
    }
    if (!code) {
        printf("%s: %ld sentences, %ld words, %ld unknown (%.2f%%), %ld with a tag the "
               "model does not know\n", o->data, n, s.words, s.unknown,
               100 * frac(s.unknown, s.words), s.unseen_tags);
        print_score("tagger:", &s);
        if (o->baseline)
            print_score("baseline:", &b);
    }
    free(best);
    free(idx);
    free(other);
    recur_conll_free(train);
    recur_conll_free(c);
    recur_lexicon_free(lx);
    recur_model_free(m);
    return code;
}

static int tag_predict(const tag_opts *o)
{
    cli_set_threads(o->threads);
    recur_model *m = NULL;
    recur_lexicon *lx = NULL;
    recur_conll *c = NULL;
    int32_t *tags = NULL;
    int code = load_tagger(o->model, &m, &lx);
    if (!code)
        code = load_conll(o->data ? o->data : "-", RECUR_CONLL_UNTAGGED, &c);
    if (!code && !(tags = malloc((size_t)recur_conll_words(c) * sizeof *tags)))
        code = cli_error("out of memory");
    if (!code) {
        int rc = recur_tagger_run(m, NULL, lx, c, NULL, recur_conll_count(c), o->batch,
                                  tags, NULL);
        code = rc ? cli_lib_error(rc) : 0;
    }
    for (long i = 0, k = 0; !code && i < recur_conll_count(c); i++) {
        int n;
        const char *const *w = recur_conll_sentence(c, i, &n, NULL);
        for (int j = 0; j < n; j++, k++)
            printf("%s\t%s\n", w[j], recur_lexicon_tag_at(lx, tags[k]));
        printf("\n");
    }
    if (!code && (fflush(stdout) != 0 || ferror(stdout)))
        code = cli_error("writing the tags failed");
    free(tags);
    recur_conll_free(c);
    recur_lexicon_free(lx);
    recur_model_free(m);
    return code;
}

static const char *const tag_names[] = {"train", "eval", "predict"};
static const cli_subcommands tag_subcommands = {
    .cmd = "tag",
    .help = "usage: recur tag train|eval|predict ...\n"
            "  train DATA              train a tagger on WORD<TAB>TAG sentences\n"
            "  eval MODEL DATA         token and unknown-word accuracy\n"
            "  predict MODEL [FILE]    tag words, one per line\n"
            "'recur tag SUBCOMMAND --help' for its options.\n",
    .names = tag_names,
    .n = 3};

int tag_parse(int argc, char **argv, tag_opts *out)
{
    static const cli_options *const specs[] = {&train_spec, &eval_spec, &predict_spec};
    tag_opts o;
    defaults(&o);
    int a = options_subcommand(&tag_subcommands, argc, argv, &o.sub);
    if (a)
        return a;
    if (o.sub != TAG_TRAIN)
        o.test_every = 0;
    options_result res;
    a = options_parse(specs[o.sub], &o, argc - 1, argv + 1, &res);
    if (a)
        return a;
    if (o.sub == TAG_TRAIN) {
        o.data = res.pos[0];
        if (recur_cell_parse(o.cell) < 0)
            return options_error(&train_spec, "--cell %s: not one of lstm, gru, rnn_tanh, "
                                 "rnn_relu", o.cell);
        if (o.test && options_given(&train_spec, &res, "test-every"))
            return options_error(&train_spec, "--test and --test-every exclude each other");
    } else {
        o.model = res.pos[0];
        o.data = res.npos > 1 ? res.pos[1] : NULL;
        if (o.sub == TAG_EVAL && o.baseline && !o.test && !o.test_every)
            return options_error(&eval_spec, "--baseline learns from --train FILE or from "
                                 "the sentences --test-every leaves: give one");
    }
    *out = o;
    return ARGS_OK;
}

int cmd_tag(int argc, char **argv)
{
    tag_opts o;
    int a = tag_parse(argc, argv, &o);
    if (a)
        return a == ARGS_HELP ? 0 : EXIT_USAGE;
    return o.sub == TAG_TRAIN ? tag_train(&o) : o.sub == TAG_EVAL ? tag_eval(&o)
                                                                  : tag_predict(&o);
}
