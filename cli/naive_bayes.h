/* naive_bayes.h - the baseline for `recur classify`: a multinomial naive
 * Bayes classifier over character bigrams (with start and end markers),
 * with add-alpha smoothing. Bigrams never seen in training are ignored. */
#ifndef RECUR_CLI_NAIVE_BAYES_H
#define RECUR_CLI_NAIVE_BAYES_H

#include "recur.h"

typedef struct nb_model nb_model;

/* Train on examples idx[0..n) of t, classes[0..nclasses) (sorted, as
 * recur_tsv_vocab gives them; every training label must be one), the first
 * max_len characters of each text (0: all). NULL on failure (no memory). */
nb_model *nb_train(const recur_tsv *t, const long *idx, long n, char *const *classes,
                   int nclasses, double alpha, int max_len);
void nb_free(nb_model *m);
/* The most probable class of a text. */
int nb_predict(nb_model *m, const uint32_t *text, long len);
/* Accuracy on examples idx[0..n); -1 if a label is not among the classes. */
double nb_accuracy(nb_model *m, const recur_tsv *t, const long *idx, long n);
/* Distinct bigrams seen in training. */
long nb_features(const nb_model *m);

#endif
