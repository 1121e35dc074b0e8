/* classify.h - the parts of `recur classify` shared by its subcommands
 * (cmd_classify.c: dispatch, data, baseline, eval, predict;
 * classify_train.c: training). */
#ifndef RECUR_CLI_CLASSIFY_H
#define RECUR_CLI_CLASSIFY_H

#include <stdint.h>

#include "commands.h"
#include "recur.h"

/* Training examples and test examples: test indices refer to test_tsv,
 * which is the data file itself (a held-out split) or a --test file. */
typedef struct {
    recur_tsv *tsv, *test_file;
    const recur_tsv *test_tsv;
    long *train, *test;
    long ntrain, ntest;
} classify_data;

/* Load DATA (and TEST, or hold out split of DATA, stratified by label, from
 * seed). flags are RECUR_TSV_* flags. On failure prints one error line and
 * returns EXIT_RUNTIME; 0 on success. Lines skipped (RECUR_TSV_SKIP_BAD)
 * are reported on stderr with their count per kind. */
int classify_load(const char *data, const char *test, double split, uint64_t seed,
                  int flags, classify_data *d);
/* recur_tsv_load with the messages of classify_load: lines skipped
 * (RECUR_TSV_SKIP_BAD) are reported on stderr with their count per kind,
 * and a bad line's error names the options that get through it (--raw,
 * and --skip-bad-lines but for RECUR_TSV_UNLABELLED: predict has none). */
int classify_load_tsv(const char *path, int flags, recur_tsv **t);
/* Two classes or more among the training examples of data (train and
 * baseline); else one error line and EXIT_RUNTIME. */
int classify_require_classes(const char *data, int ncls);
void classify_data_free(classify_data *d);

/* A naive Bayes baseline (recur_naive_bayes_*, over words or character
 * bigrams) on d: its test accuracy,
 * or -1 after printing the library's error (a test label that is not a
 * training label, no memory). */
double classify_baseline_accuracy(const classify_data *d, char *const *classes,
                                  int nclasses, double alpha, int max_len, int words,
                                  long *features);

/* `recur classify train` (classify_train.c); returns the exit status. */
int classify_train(const classify_train_opts *o);

#endif
