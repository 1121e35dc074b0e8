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

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A labelled file read without --header whose line 1 has the one label
 * that no other line has (every other label on two lines or more): most
 * likely a header (data/dna_splice.tsv's "label<TAB>seq"), which would
 * otherwise become a class of one example. */
static void warn_if_header(const recur_tsv *t, const char *path, int flags)
{
    long n = recur_tsv_count(t);
    if ((flags & (RECUR_TSV_HEADER | RECUR_TSV_UNLABELLED)) || n < 3 ||
        recur_tsv_line(t, 0) != 1)
        return;
    const char *first = recur_tsv_label(t, 0);
    const char **v = malloc((size_t)n * sizeof *v);
    if (!v)
        return;
    for (long i = 0; i < n; i++)
        v[i] = recur_tsv_label(t, i);
    qsort(v, (size_t)n, sizeof *v, cmp_str);
    int header = 1;
    for (long i = 0, j; header && i < n; i = j) {
        for (j = i + 1; j < n && strcmp(v[j], v[i]) == 0; j++)
            ;
        header = (j - i == 1) == (strcmp(v[i], first) == 0);
    }
    free(v);
    if (header)
        fprintf(stderr, "recur: warning: %s: line 1's label '%s' is on no other line; if "
                        "line 1 is a header, add --header\n", path, first);
}

int classify_load_tsv(const char *path, int flags, recur_tsv **t)
{
    int rc = recur_tsv_load(path, flags, t);
    if (!rc) {
        report_skipped(*t, path);
        warn_if_header(*t, path, flags);
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
    if (flags & RECUR_TSV_UNLABELLED) /* predict: one output line per input line, no skipping */
        return escape ? cli_error("%s (--raw takes backslashes literally)", m) : cli_lib_error(rc);
    return cli_error("%s (%s--skip-bad-lines skips such lines and counts them)", m,
                     escape ? "--raw takes backslashes literally; " : "");
}

int classify_require_classes(const char *data, int ncls)
{
    if (ncls >= 2)
        return 0;
    return cli_error("%s: the training examples have %d class%s; a classifier needs at least 2",
                     data, ncls, ncls == 1 ? "" : "es");
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
    int rc;
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

/* ---- baseline ------------------------------------------------------------------------ */

static int classify_baseline(const classify_baseline_opts *o)
{
    classify_data d;
    int flags = (o->raw ? 0 : RECUR_TSV_ESCAPES) | (o->header ? RECUR_TSV_HEADER : 0) |
                (o->skip_bad ? RECUR_TSV_SKIP_BAD : 0);
    if (classify_load(o->data, o->test, o->split, o->seed, flags, &d))
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
    if (classify_require_classes(o->data, ncls) || unknown_test_label(&d, classes, ncls))
        goto done;
    long features = 0, wfeatures = 0;
    double acc = classify_baseline_accuracy(&d, classes, ncls, o->alpha, o->max_len, 0,
                                            &features);
    if (acc < 0)
        goto done;
    double wacc = classify_baseline_accuracy(&d, classes, ncls, o->alpha, o->max_words, 1,
                                             &wfeatures);
    if (wacc < 0)
        goto done;
    printf("naive Bayes over character bigrams (add-%g, %ld bigrams, %d classes, %ld "
           "training examples): test_accuracy: %.4f on %ld test examples\n", o->alpha,
           features, ncls, d.ntrain, acc, d.ntest);
    printf("naive Bayes over words (add-%g, %ld words, %d classes, %ld training "
           "examples): test_accuracy: %.4f on %ld test examples\n", o->alpha, wfeatures,
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

/* Counts per class: examples, hits, predictions, and the confusion matrix
 * where it is small enough. */
typedef struct {
    int C;
    long *hits, *pred, *total, *conf; /* conf [C][C] or NULL */
    long correct;
    double loss;
} tally;

static void tally_free(tally *t)
{
    free(t->hits);
    free(t->pred);
    free(t->total);
    free(t->conf);
}

static int tally_count(tally *t, const recur_dataset *ds, const float *logits, int C)
{
    memset(t, 0, sizeof *t);
    t->C = C;
    t->hits = calloc((size_t)C, sizeof *t->hits);
    t->pred = calloc((size_t)C, sizeof *t->pred);
    t->total = calloc((size_t)C, sizeof *t->total);
    int small = (double)C * C <= 4e6;
    if (small)
        t->conf = calloc((size_t)C * (size_t)C, sizeof *t->conf);
    if (!t->hits || !t->pred || !t->total || (small && !t->conf))
        return cli_error("out of memory");
    for (long i = 0; i < ds->count; i++) {
        int y = ds->labels[i];
        double p, logp;
        int k = best_of(logits + i * C, C, y, &p, &logp);
        t->loss -= logp;
        t->total[y]++;
        t->pred[k]++;
        if (k == y)
            t->hits[y]++, t->correct++;
        if (t->conf)
            t->conf[(long)y * C + k]++;
    }
    return 0;
}

/* The class example k is most often taken for, as "name (count)", or "". */
static void most_confused(const tally *t, char *const *classes, int k, char *buf,
                          size_t size)
{
    int worst = -1, C = t->C;
    const long *row = t->conf ? t->conf + (long)k * C : NULL;
    for (int j = 0; row && j < C; j++)
        if (j != k && row[j] > 0 && (worst < 0 || row[j] > row[worst]))
            worst = j;
    buf[0] = 0;
    if (worst >= 0)
        snprintf(buf, size, "%s (%ld)", classes[worst], row[worst]);
}

static void print_classes(const tally *t, char *const *classes)
{
    int width = 5, C = t->C;
    for (int k = 0; k < C; k++)
        if ((int)strlen(classes[k]) > width)
            width = (int)strlen(classes[k]);
    printf("%-*s %8s %8s %7s %9s  %s\n", width, "class", "examples", "correct", "recall",
           "precision", t->conf ? "most often taken for" : "");
    for (int k = 0; k < C; k++) {
        if (!t->total[k] && !t->pred[k])
            continue;
        char rec[16] = "-", prec[16] = "-", other[320];
        if (t->total[k])
            snprintf(rec, sizeof rec, "%.4f", (double)t->hits[k] / (double)t->total[k]);
        if (t->pred[k])
            snprintf(prec, sizeof prec, "%.4f", (double)t->hits[k] / (double)t->pred[k]);
        most_confused(t, classes, k, other, sizeof other);
        printf("%-*s %8ld %8ld %7s %9s  %s\n", width, classes[k], t->total[k], t->hits[k],
               rec, prec, other);
    }
}

static int classify_eval(const classify_use_opts *o)
{
    cli_set_threads(o->threads);
    classifier c;
    if (classifier_load(o->model, o->raw, o->max_len, o->max_len_given, &c))
        return EXIT_RUNTIME;
    recur_tsv *t = NULL;
    if (classify_load_tsv(o->data, c.flags | (o->header ? RECUR_TSV_HEADER : 0) |
                                       (o->skip_bad ? RECUR_TSV_SKIP_BAD : 0), &t)) {
        classifier_free(&c);
        return EXIT_RUNTIME;
    }
    recur_dataset ds = {0};
    float *logits = NULL;
    long unknown = 0;
    tally ty = {0};
    int code = classify_all(&c, t, o->batch, &ds, &logits, &unknown) ? EXIT_RUNTIME
               : tally_count(&ty, &ds, logits, c.ncls);
    if (!code) {
        printf("accuracy: %.4f (%ld of %ld) - loss: %.4f - %ld unknown %s\n",
               (double)ty.correct / (double)ds.count, ty.correct, ds.count,
               ty.loss / (double)ds.count, unknown, c.words ? "words" : "characters");
        print_classes(&ty, c.classes);
    }
    tally_free(&ty);
    free(logits);
    recur_tsv_dataset_free(&ds);
    recur_tsv_free(t);
    classifier_free(&c);
    return code;
}

static int classify_predict(const classify_use_opts *o)
{
    cli_set_threads(o->threads);
    classifier c;
    if (classifier_load(o->model, o->raw, o->max_len, o->max_len_given, &c))
        return EXIT_RUNTIME;
    int flags = c.flags | RECUR_TSV_UNLABELLED, rc;
    recur_tsv *t = NULL;
    if (o->data && strcmp(o->data, "-") != 0) {
        if (classify_load_tsv(o->data, flags, &t)) {
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
    if (classify_all(&c, t, o->batch, &ds, &logits, NULL))
        goto done;
    for (long i = 0; i < ds.count; i++) {
        double p;
        int k = best_of(logits + i * c.ncls, c.ncls, 0, &p, NULL);
        if (o->prob)
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

int cmd_classify(int argc, char **argv)
{
    classify_opts o;
    int a = classify_parse(argc, argv, &o);
    if (a)
        return a == ARGS_HELP ? 0 : EXIT_USAGE;
    switch (o.sub) {
    case CLASSIFY_TRAIN: return classify_train(&o.train);
    case CLASSIFY_EVAL: return classify_eval(&o.use);
    case CLASSIFY_PREDICT: return classify_predict(&o.use);
    default: return classify_baseline(&o.baseline);
    }
}
