/* cmd_classify.c - `recur classify`: many-to-one sequence classification of
 * texts. Dispatches to train (classify_train.c), eval, predict and
 * baseline (the character-bigram naive Bayes baseline alone). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "classify.h"
#include "commands.h"
#include "recur.h"

/* ---- data shared by the subcommands ------------------------------------------ */

void classify_data_free(classify_data *d)
{
    recur_tsv_free(d->tsv);
    recur_tsv_free(d->test_file);
    free(d->train);
    free(d->test);
    memset(d, 0, sizeof *d);
}

/* Never silently: how many lines were skipped, and why. */
static void report_skipped(const recur_tsv *t, const char *path)
{
    long first, n = recur_tsv_skipped(t, -1, &first);
    if (!n)
        return;
    fprintf(stderr, "%s: skipped %ld bad line%s (--skip-bad-lines):", path, n,
            n == 1 ? "" : "s");
    const char *sep = " ";
    for (int k = 0; k < RECUR_TSV_BAD_KINDS; k++) {
        long m = recur_tsv_skipped(t, k, &first);
        if (m) {
            fprintf(stderr, "%s%ld with %s (first: line %ld)", sep, m,
                    recur_tsv_bad_name(k), first);
            sep = ", ";
        }
    }
    fprintf(stderr, "\n");
}

int classify_load_tsv(const char *path, int flags, recur_tsv **t)
{
    int rc = recur_tsv_load(path, flags, t);
    if (!rc) {
        report_skipped(*t, path);
        return 0;
    }
    const char *m = recur_last_error();
    /* Only the error of one line (not the header's) can be skipped. */
    int one_line = strstr(m, ": line ") &&
                   !((flags & RECUR_TSV_HEADER) && strstr(m, ": line 1"));
    if ((rc != RECUR_E_FORMAT && rc != RECUR_E_LIMIT) || (flags & RECUR_TSV_SKIP_BAD) ||
        !one_line)
        return cli_lib_error(rc);
    int escape = (flags & RECUR_TSV_ESCAPES) && strstr(m, "backslash");
    return cli_error("%s (%s--skip-bad-lines skips such lines and counts them)", m,
                     escape ? "--raw takes backslashes literally; " : "");
}

int classify_load(const char *data, const char *test, double split, uint64_t seed,
                  int flags, classify_data *d)
{
    memset(d, 0, sizeof *d);
    if (classify_load_tsv(data, flags, &d->tsv) ||
        (test && classify_load_tsv(test, flags, &d->test_file))) {
        classify_data_free(d);
        return EXIT_RUNTIME;
    }
    long n = recur_tsv_count(d->tsv);
    d->test_tsv = test ? d->test_file : d->tsv;
    long nt = test ? recur_tsv_count(d->test_file) : n;
    d->train = malloc((size_t)n * sizeof *d->train);
    d->test = malloc((size_t)nt * sizeof *d->test);
    if (!d->train || !d->test) {
        classify_data_free(d);
        return cli_error("out of memory");
    }
    if (test) {
        for (long i = 0; i < n; i++)
            d->train[i] = i;
        for (long i = 0; i < nt; i++)
            d->test[i] = i;
        d->ntrain = n;
        d->ntest = nt;
        return 0;
    }
    int rc;
    if ((rc = recur_tsv_split(d->tsv, split, seed, 1, d->train, &d->ntrain, d->test,
                              &d->ntest))) {
        classify_data_free(d);
        return cli_lib_error(rc);
    }
    return 0;
}

double classify_baseline_accuracy(const classify_data *d, char *const *classes,
                                  int nclasses, double alpha, int max_len, int words,
                                  long *features)
{
    recur_naive_bayes *nb;
    double acc = -1;
    int rc = (words ? recur_naive_bayes_train_words : recur_naive_bayes_train)(
        d->tsv, d->train, d->ntrain, (const char *const *)classes, nclasses, alpha, max_len,
        &nb);
    if (!rc)
        rc = recur_naive_bayes_accuracy(nb, d->test_tsv, d->test, d->ntest, &acc);
    if (!rc && features)
        *features = recur_naive_bayes_features(nb);
    recur_naive_bayes_free(nb);
    if (rc) {
        cli_lib_error(rc);
        return -1;
    }
    return acc;
}

/* The name of the test example whose label the training data lacks. */
static int unknown_test_label(const classify_data *d, char *const *classes, int n)
{
    for (long i = 0; i < d->ntest; i++) {
        const char *l = recur_tsv_label(d->test_tsv, d->test[i]);
        int found = 0;
        for (int k = 0; k < n && !found; k++)
            found = strcmp(classes[k], l) == 0;
        if (!found)
            return cli_error("line %ld of the test data: label '%s' does not occur in "
                             "the training data", recur_tsv_line(d->test_tsv, d->test[i]),
                             l);
    }
    return 0;
}

#define NUM(nm, kind, dst, mv, df, hl, hasl, lo_, loo, hash, hi_, hio) \
    {nm, NULL, kind, dst, mv, df, hl, hasl, hash, loo, hio, lo_, hi_, 0}
#define STR(nm, dst, mv, df, hl) {nm, NULL, OPT_STRING, dst, mv, df, hl, 0, 0, 0, 0, 0, 0, 0}
#define FLAG(nm, dst, hl) {nm, NULL, OPT_FLAG, dst, NULL, NULL, hl, 0, 0, 0, 0, 0, 0, 0}

/* ---- baseline ------------------------------------------------------------------------ */

static int classify_baseline(int argc, char **argv)
{
    const char *test = NULL;
    double split = 0.2, alpha = 1;
    int max_len = 400, max_words = 0, raw = 0, header = 0, skip = 0;
    uint64_t seed = 1;
    cli_opt opts[] = {
        STR("test", &test, "FILE.tsv", NULL,
            "test examples from this file instead of a held-out split"),
        NUM("test-split", OPT_DOUBLE, &split, "FRACTION", "0.2",
            "part of each class held out for testing (as classify train)",
            1, 0, 1, 1, 1, 1),
        NUM("seed", OPT_U64, &seed, "N", "1", "seed of the split", 0, 0, 0, 0, 0, 0),
        NUM("alpha", OPT_DOUBLE, &alpha, "A", "1", "add-alpha smoothing", 1, 0, 1, 0, 0, 0),
        NUM("max-len", OPT_INT, &max_len, "N", "400",
            "use the first N characters of each text (bigrams); 0 = all", 1, 0, 0, 1,
            100000, 0),
        NUM("max-words", OPT_INT, &max_words, "N", "0",
            "use the first N words of each text (words); 0 = all", 1, 0, 0, 1, 100000, 0),
        FLAG("raw", &raw, "take texts literally (no \\n, \\t, \\\\ escapes)"),
        FLAG("header", &header, "the first line of each TSV file is a header"),
        FLAG("skip-bad-lines", &skip, "skip lines with a bad escape, label or encoding "
             "or an empty text, and say how many (default: stop at the first)"),
    };
    static const char *const pos_names[] = {"DATA.tsv"};
    cli_spec spec = {
        .cmd = "classify baseline",
        .usage = "recur classify baseline DATA.tsv [OPTIONS]",
        .description =
            "Train and test the baselines of `recur classify train` alone: two\n"
            "multinomial naive Bayes classifiers with add-alpha smoothing, one over\n"
            "character bigrams (with start and end markers), one over words\n"
            "(lower-cased runs of letters, digits and apostrophes), on the same\n"
            "seeded split.",
        .opts = opts,
        .nopts = (int)(sizeof opts / sizeof *opts),
        .pos_names = pos_names,
        .pos_min = 1,
        .pos_max = 1,
    };
    const char *pos[1];
    int npos, a = args_parse(&spec, argc, argv, pos, &npos);
    if (a == ARGS_HELP)
        return 0;
    if (a)
        return EXIT_USAGE;
    if (test && args_given(&spec, "test-split")) {
        args_error(&spec, "give --test FILE or --test-split, not both");
        return EXIT_USAGE;
    }
    classify_data d;
    int flags = (raw ? 0 : RECUR_TSV_ESCAPES) | (header ? RECUR_TSV_HEADER : 0) |
                (skip ? RECUR_TSV_SKIP_BAD : 0);
    if (classify_load(pos[0], test, split, seed, flags, &d))
        return EXIT_RUNTIME;
    char **classes;
    uint32_t *chars;
    int ncls, nchars, code = EXIT_RUNTIME;
    int rc = recur_tsv_vocab(d.tsv, d.train, d.ntrain, 1, &classes, &ncls, &chars,
                             &nchars);
    if (rc) {
        classify_data_free(&d);
        return cli_lib_error(rc);
    }
    if (unknown_test_label(&d, classes, ncls))
        goto done;
    long features = 0, wfeatures = 0;
    double acc = classify_baseline_accuracy(&d, classes, ncls, alpha, max_len, 0, &features);
    if (acc < 0)
        goto done;
    double wacc = classify_baseline_accuracy(&d, classes, ncls, alpha, max_words, 1,
                                             &wfeatures);
    if (wacc < 0)
        goto done;
    printf("naive Bayes over character bigrams (add-%g, %ld bigrams, %d classes, %ld "
           "training examples): test_accuracy: %.4f on %ld test examples\n", alpha,
           features, ncls, d.ntrain, acc, d.ntest);
    printf("naive Bayes over words (add-%g, %ld words, %d classes, %ld training "
           "examples): test_accuracy: %.4f on %ld test examples\n", alpha, wfeatures,
           ncls, d.ntrain, wacc, d.ntest);
    code = 0;
done:
    recur_tsv_vocab_free(classes, ncls, chars);
    classify_data_free(&d);
    return code;
}

/* ---- eval and predict ------------------------------------------------------------- */

/* A classifier, its classes, and the text settings it was trained with. */
typedef struct {
    recur_model *m;
    char **classes;
    int ncls;
    int flags;   /* RECUR_TSV_ESCAPES unless trained (or asked) raw */
    int max_len; /* the training cap unless overridden */
    int words;   /* reads words (else characters) */
} classifier;

static void classifier_free(classifier *c)
{
    recur_tsv_vocab_free(c->classes, c->ncls, NULL);
    recur_model_free(c->m);
}

static int classifier_load(const char *path, int raw, int max_len, int max_len_given,
                           classifier *c)
{
    memset(c, 0, sizeof *c);
    int rc = recur_model_load(path, &c->m);
    if (rc) {
        classifier_free(c);
        return cli_lib_error(rc);
    }
    if ((rc = recur_model_get_classes(c->m, &c->classes, &c->ncls))) {
        classifier_free(c);
        return cli_error("%s: %s", path, recur_last_error());
    }
    const char *tok = recur_model_get_meta(c->m, "classify.tokens");
    c->words = tok && strcmp(tok, "words") == 0;
    const char *esc = recur_model_get_meta(c->m, "classify.escapes");
    c->flags = raw || (esc && strcmp(esc, "0") == 0) ? 0 : RECUR_TSV_ESCAPES;
    c->max_len = max_len;
    const char *ml = recur_model_get_meta(c->m, "classify.max_len");
    if (!max_len_given && ml) {
        char *end;
        long v = strtol(ml, &end, 10);
        if (!*end && v >= 0 && v <= 100000)
            c->max_len = (int)v;
    }
    return 0;
}

/* Logits [count][ncls] of the model for every example of t. */
static int classify_all(const classifier *c, const recur_tsv *t, int batch,
                        recur_dataset *ds, float **logits, long *unknown)
{
    int rc = recur_tsv_dataset(t, NULL, 0, c->m, c->max_len, ds, unknown);
    if (rc)
        return cli_lib_error(rc);
    *logits = malloc((size_t)ds->count * (size_t)c->ncls * sizeof **logits);
    if (!*logits) {
        recur_tsv_dataset_free(ds);
        return cli_error("out of memory for %ld predictions", ds->count);
    }
    if ((rc = recur_predict_dataset(c->m, ds, batch, 0, *logits))) {
        free(*logits);
        *logits = NULL;
        recur_tsv_dataset_free(ds);
        return cli_lib_error(rc);
    }
    return 0;
}

/* Arg-max of a row; *p its softmax probability, *logp the label's log-probability. */
static int best_of(const float *z, int n, int label, double *p, double *logp)
{
    int best = 0;
    for (int k = 1; k < n; k++)
        if (z[k] > z[best])
            best = k;
    double sum = 0;
    for (int k = 0; k < n; k++)
        sum += exp((double)z[k] - (double)z[best]);
    *p = 1.0 / sum;
    if (logp)
        *logp = (double)z[label] - (double)z[best] - log(sum);
    return best;
}

static int classify_eval(int argc, char **argv)
{
    int raw = 0, header = 0, max_len = 0, batch = 64, threads = 2, skip = 0;
    cli_opt opts[] = {
        NUM("max-len", OPT_INT, &max_len, "N", "the model's",
            "use the first N tokens (characters or words, as the model reads) of "
            "each text; 0 = all", 1, 0, 0, 1, 100000, 0),
        NUM("batch", OPT_INT, &batch, "B", "64", "examples per batch", 1, 1, 0, 1,
            100000, 0),
        NUM("threads", OPT_INT, &threads, "N", "2", "threads for the matrix products",
            1, 1, 0, 1, 1024, 0),
        FLAG("raw", &raw, "take texts literally (no \\n, \\t, \\\\ escapes)"),
        FLAG("header", &header, "the first line of the TSV file is a header"),
        FLAG("skip-bad-lines", &skip, "skip lines with a bad escape, label or encoding "
             "or an empty text, and say how many (default: stop at the first)"),
    };
    static const char *const pos_names[] = {"MODEL", "DATA.tsv"};
    cli_spec spec = {
        .cmd = "classify eval",
        .usage = "recur classify eval MODEL DATA.tsv [OPTIONS]",
        .description =
            "Score a classifier on labelled texts (LABEL<TAB>TEXT lines): accuracy,\n"
            "mean loss, and per class the examples, hits, recall, precision and the\n"
            "class it is most often taken for. A label the model does not know is\n"
            "an error naming its line.",
        .opts = opts,
        .nopts = (int)(sizeof opts / sizeof *opts),
        .pos_names = pos_names,
        .pos_min = 2,
        .pos_max = 2,
    };
    const char *pos[2];
    int npos, a = args_parse(&spec, argc, argv, pos, &npos);
    if (a == ARGS_HELP)
        return 0;
    if (a)
        return EXIT_USAGE;
    recur_set_threads(threads);
    classifier c;
    if (classifier_load(pos[0], raw, max_len, args_given(&spec, "max-len"), &c))
        return EXIT_RUNTIME;
    recur_tsv *t = NULL;
    if (classify_load_tsv(pos[1], c.flags | (header ? RECUR_TSV_HEADER : 0) |
                                      (skip ? RECUR_TSV_SKIP_BAD : 0), &t)) {
        classifier_free(&c);
        return EXIT_RUNTIME;
    }
    recur_dataset ds = {0};
    float *logits = NULL;
    long unknown = 0;
    int code = EXIT_RUNTIME, C = c.ncls;
    long *hits = NULL, *pred = NULL, *total = NULL, *conf = NULL;
    if (classify_all(&c, t, batch, &ds, &logits, &unknown))
        goto done;
    hits = calloc((size_t)C, sizeof *hits);
    pred = calloc((size_t)C, sizeof *pred);
    total = calloc((size_t)C, sizeof *total);
    /* The confusion matrix where it is small enough. */
    if ((double)C * C <= 4e6)
        conf = calloc((size_t)C * (size_t)C, sizeof *conf);
    if (!hits || !pred || !total || ((double)C * C <= 4e6 && !conf)) {
        cli_error("out of memory");
        goto done;
    }
    long correct = 0;
    double loss = 0;
    for (long i = 0; i < ds.count; i++) {
        int y = ds.labels[i];
        double p, logp;
        int k = best_of(logits + i * C, C, y, &p, &logp);
        loss -= logp;
        total[y]++;
        pred[k]++;
        if (k == y)
            hits[y]++, correct++;
        if (conf)
            conf[(long)y * C + k]++;
    }
    printf("accuracy: %.4f (%ld of %ld) - loss: %.4f - %ld unknown %s\n",
           (double)correct / (double)ds.count, correct, ds.count,
           loss / (double)ds.count, unknown, c.words ? "words" : "characters");
    int width = 5;
    for (int k = 0; k < C; k++)
        if ((int)strlen(c.classes[k]) > width)
            width = (int)strlen(c.classes[k]);
    printf("%-*s %8s %8s %7s %9s  %s\n", width, "class", "examples", "correct", "recall",
           "precision", conf ? "most often taken for" : "");
    for (int k = 0; k < C; k++) {
        if (!total[k] && !pred[k])
            continue;
        char rec[16] = "-", prec[16] = "-", other[320] = "";
        if (total[k])
            snprintf(rec, sizeof rec, "%.4f", (double)hits[k] / (double)total[k]);
        if (pred[k])
            snprintf(prec, sizeof prec, "%.4f", (double)hits[k] / (double)pred[k]);
        if (conf) {
            int worst = -1;
            for (int j = 0; j < C; j++)
                if (j != k && conf[(long)k * C + j] > 0 &&
                    (worst < 0 || conf[(long)k * C + j] > conf[(long)k * C + worst]))
                    worst = j;
            if (worst >= 0)
                snprintf(other, sizeof other, "%s (%ld)", c.classes[worst],
                         conf[(long)k * C + worst]);
        }
        printf("%-*s %8ld %8ld %7s %9s  %s\n", width, c.classes[k], total[k], hits[k],
               rec, prec, other);
    }
    code = 0;
done:
    free(hits);
    free(pred);
    free(total);
    free(conf);
    free(logits);
    recur_tsv_dataset_free(&ds);
    recur_tsv_free(t);
    classifier_free(&c);
    return code;
}

static int classify_predict(int argc, char **argv)
{
    int raw = 0, max_len = 0, batch = 64, prob = 0, threads = 2;
    cli_opt opts[] = {
        FLAG("prob", &prob, "print the class's probability after a tab"),
        NUM("max-len", OPT_INT, &max_len, "N", "the model's",
            "use the first N tokens (characters or words, as the model reads) of "
            "each text; 0 = all", 1, 0, 0, 1, 100000, 0),
        NUM("batch", OPT_INT, &batch, "B", "64", "texts per batch", 1, 1, 0, 1, 100000, 0),
        NUM("threads", OPT_INT, &threads, "N", "2", "threads for the matrix products",
            1, 1, 0, 1, 1024, 0),
        FLAG("raw", &raw, "take texts literally (no \\n, \\t, \\\\ escapes)"),
    };
    static const char *const pos_names[] = {"MODEL", "FILE"};
    cli_spec spec = {
        .cmd = "classify predict",
        .usage = "recur classify predict MODEL [FILE|-] [OPTIONS]",
        .description =
            "Classify texts, one per line of FILE (or stdin): print one class name\n"
            "per text, on its own line (empty lines are skipped). Texts may write a\n"
            "newline as \\n, a tab as \\t and a backslash as \\\\, as in training.\n"
            "Characters (or words) the model has not seen read as unknown.",
        .opts = opts,
        .nopts = (int)(sizeof opts / sizeof *opts),
        .pos_names = pos_names,
        .pos_min = 1,
        .pos_max = 2,
    };
    const char *pos[2];
    int npos, a = args_parse(&spec, argc, argv, pos, &npos);
    if (a == ARGS_HELP)
        return 0;
    if (a)
        return EXIT_USAGE;
    recur_set_threads(threads);
    classifier c;
    if (classifier_load(pos[0], raw, max_len, args_given(&spec, "max-len"), &c))
        return EXIT_RUNTIME;
    int flags = c.flags | RECUR_TSV_UNLABELLED, rc;
    recur_tsv *t = NULL;
    if (npos == 2 && strcmp(pos[1], "-") != 0) {
        if (classify_load_tsv(pos[1], flags, &t)) {
            classifier_free(&c);
            return EXIT_RUNTIME;
        }
        rc = 0;
    } else {
        size_t len;
        char *buf = cli_read_stdin(&len);
        if (!buf) {
            classifier_free(&c);
            return EXIT_RUNTIME;
        }
        rc = recur_tsv_from_memory(buf, len, "stdin", flags, &t);
        free(buf);
    }
    if (rc) {
        classifier_free(&c);
        return cli_lib_error(rc);
    }
    recur_dataset ds = {0};
    float *logits = NULL;
    int code = EXIT_RUNTIME;
    if (classify_all(&c, t, batch, &ds, &logits, NULL))
        goto done;
    for (long i = 0; i < ds.count; i++) {
        double p;
        int k = best_of(logits + i * c.ncls, c.ncls, 0, &p, NULL);
        if (prob)
            printf("%s\t%.4f\n", c.classes[k], p);
        else
            printf("%s\n", c.classes[k]);
    }
    code = 0;
    free(logits);
    recur_tsv_dataset_free(&ds);
done:
    recur_tsv_free(t);
    classifier_free(&c);
    return code;
}

/* ---- dispatch ------------------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: recur classify SUBCOMMAND ...\n"
            "\n"
            "Many-to-one sequence classification of texts (LABEL<TAB>TEXT lines).\n"
            "\n"
            "subcommands:\n"
            "  train DATA.tsv --save MODEL   train a recurrent classifier; test accuracy\n"
            "                                per epoch next to a naive Bayes baseline\n"
            "  eval MODEL DATA.tsv           accuracy and per-class counts on labelled texts\n"
            "  predict MODEL [FILE|-]        the class of each line of text\n"
            "  baseline DATA.tsv             the naive Bayes baselines (bigrams, words) alone\n"
            "\n"
            "Run 'recur classify SUBCOMMAND --help' for its options.\n");
}

int cmd_classify(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "recur classify: no subcommand given: train, eval, predict or "
                        "baseline (try 'recur classify --help')\n");
        return EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(sub, "train") == 0)
        return classify_train(argc - 1, argv + 1);
    if (strcmp(sub, "eval") == 0)
        return classify_eval(argc - 1, argv + 1);
    if (strcmp(sub, "predict") == 0)
        return classify_predict(argc - 1, argv + 1);
    if (strcmp(sub, "baseline") == 0)
        return classify_baseline(argc - 1, argv + 1);
    fprintf(stderr, "recur classify: unknown subcommand '%s': train, eval, predict or "
                    "baseline (try 'recur classify --help')\n", sub);
    return EXIT_USAGE;
}
