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
 * returns EXIT_RUNTIME; 0 on success. */
int classify_load(const char *data, const char *test, double split, uint64_t seed,
                  int flags, classify_data *d);
void classify_data_free(classify_data *d);

/* The naive Bayes baseline (recur_naive_bayes_*) on d: its test accuracy,
 * or -1 after printing the library's error (a test label that is not a
 * training label, no memory). */
double classify_baseline_accuracy(const classify_data *d, char *const *classes,
                                  int nclasses, double alpha, int max_len,
                                  long *features);

/* `recur classify train` (classify_train.c); returns the exit status. */
int classify_train(const classify_train_opts *o);

#endif
