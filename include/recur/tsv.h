/* recur/tsv.h - labelled text: TSV files for sequence classification.
 * Part of the public API: include <recur.h>, which includes this file. */
#ifndef RECUR_API_TSV_H
#define RECUR_API_TSV_H

#ifndef RECUR_H
#error "include <recur.h>; recur/tsv.h is one of its parts"
#endif

/* ---- labelled text: TSV files for sequence classification ----------------- */
/* A labelled-text file has one example per line: LABEL, a TAB, then TEXT
 * (everything after the first tab, further tabs included). Lines end in
 * "\n" (a "\r" before it is dropped); completely empty lines are skipped.
 * The label is 1..RECUR_TSV_MAX_LABEL_BYTES bytes without control
 * characters; the text must not be empty. The whole input must be UTF-8
 * without NUL bytes, at most RECUR_MAX_TEXT_BYTES, each line at most
 * RECUR_TSV_MAX_LINE_BYTES. Any problem is RECUR_E_FORMAT (or _LIMIT) with a
 * message naming the line. Flags:
 *   RECUR_TSV_ESCAPES   decode the escapes \n (newline), \t (tab) and \\
 *                       (backslash) in the text; any other backslash
 *                       sequence is an error;
 *   RECUR_TSV_HEADER    the first line is a header and is skipped;
 *   RECUR_TSV_UNLABELLED each line is a text alone (no label; tabs are part
 *                       of the text): input to predict on. */
#define RECUR_TSV_MAX_LINE_BYTES (1L << 18)
#define RECUR_TSV_MAX_LABEL_BYTES 256
/* Characters outside a classifier's vocabulary read as this one (U+FFFD,
 * the replacement character), which every classifier vocabulary holds. */
#define RECUR_UNKNOWN_CHAR 0xFFFDu
enum { RECUR_TSV_ESCAPES = 1, RECUR_TSV_HEADER = 2, RECUR_TSV_UNLABELLED = 4 };

typedef struct recur_tsv recur_tsv;

/* Read a file (its size is checked before reading it) or a buffer; name is
 * what messages call the buffer ("stdin", a file name). */
RECUR_API int recur_tsv_load(const char *path, int flags, recur_tsv **out);
RECUR_API int recur_tsv_from_memory(const char *data, size_t len, const char *name, int flags,
                          recur_tsv **out);
RECUR_API void recur_tsv_free(recur_tsv *t);
RECUR_API long recur_tsv_count(const recur_tsv *t);
/* Example i: its label ("" when unlabelled), its text as code points, and
 * the line of the input it came from (1-based). */
RECUR_API const char *recur_tsv_label(const recur_tsv *t, long i);
RECUR_API const uint32_t *recur_tsv_text(const recur_tsv *t, long i, long *len);
RECUR_API long recur_tsv_line(const recur_tsv *t, long i);

/* A deterministic split into test and training examples: with stratified,
 * each label's examples are shuffled (from seed) and round(fraction * n) of
 * them, at most n - 1, are held out; otherwise round(fraction * count) of
 * all examples. train and test receive ascending example indices (room for
 * recur_tsv_count each); the counts go to *ntrain, *ntest. */
RECUR_API int recur_tsv_split(const recur_tsv *t, double fraction, uint64_t seed, int stratified,
                    long *train, long *ntrain, long *test, long *ntest);

/* The vocabularies of a classifier built from examples idx[0..n) (all when
 * idx is NULL): the sorted distinct labels (*classes, *nclasses) and the
 * sorted characters seen at least min_count times, plus RECUR_UNKNOWN_CHAR
 * (*chars, *nchars). Free with recur_tsv_vocab_free. */
RECUR_API int recur_tsv_vocab(const recur_tsv *t, const long *idx, long n, int min_count,
                    char ***classes, int *nclasses, uint32_t **chars, int *nchars);
RECUR_API void recur_tsv_vocab_free(char **classes, int nclasses, uint32_t *chars);

/* A classifier's class names, kept in its metadata ("classes", the names
 * joined by tabs) so that predictions map back to names. n must equal the
 * model's output size. recur_model_get_classes gives a copy (free it with
 * recur_tsv_vocab_free(names, n, NULL)); RECUR_E_MISMATCH if the model has
 * none or they do not fit its outputs. */
RECUR_API int recur_model_set_classes(recur_model *m, const char *const *names, int n);
RECUR_API int recur_model_get_classes(const recur_model *m, char ***names, int *n);

/* Examples idx[0..n) (all when idx is NULL) as a data set for classifier m:
 * characters through m's vocabulary (unknown ones as RECUR_UNKNOWN_CHAR,
 * counted in *unknown if not NULL), labels through m's classes (a label
 * that is not one is RECUR_E_MISMATCH naming its line; unlabelled examples
 * get label 0); at most max_len characters of each text (0: all). The
 * arrays belong to ds; free them with recur_tsv_dataset_free. */
RECUR_API int recur_tsv_dataset(const recur_tsv *t, const long *idx, long n, const recur_model *m,
                      int max_len, recur_dataset *ds, long *unknown);
RECUR_API void recur_tsv_dataset_free(recur_dataset *ds);

/* ---- the naive Bayes baseline ------------------------------------------------ */
/* A multinomial naive Bayes classifier over character bigrams (each text
 * with a start and an end marker), add-alpha smoothing, and the class prior
 * with add-one smoothing: the baseline a recurrent classifier should beat.
 * Trained on examples idx[0..n) of t, at most max_len characters of each
 * text (0: all), into classes[0..nclasses) (sorted and distinct, as
 * recur_tsv_vocab gives them; copied; training examples with other labels
 * are skipped). alpha > 0. Bigrams never seen in training are ignored when
 * predicting. The model is only read after training: several threads may
 * predict with it at once. */
typedef struct recur_naive_bayes recur_naive_bayes;
RECUR_API int recur_naive_bayes_train(const recur_tsv *t, const long *idx, long n,
                                      const char *const *classes, int nclasses,
                                      double alpha, int max_len, recur_naive_bayes **out);
RECUR_API void recur_naive_bayes_free(recur_naive_bayes *nb);
/* The most probable class (an index into classes) of text[0..len), or a
 * negative status; scores (NULL, or room for nclasses) receives each class's
 * log-probability up to a shared constant. */
RECUR_API int recur_naive_bayes_predict(const recur_naive_bayes *nb, const uint32_t *text,
                                        long len, double *scores);
/* The fraction of examples idx[0..n) of t whose label is predicted;
 * RECUR_E_MISMATCH naming the line if a label is not one of the classes. */
RECUR_API int recur_naive_bayes_accuracy(const recur_naive_bayes *nb, const recur_tsv *t,
                                         const long *idx, long n, double *accuracy);
/* Distinct bigrams seen in training. */
RECUR_API long recur_naive_bayes_features(const recur_naive_bayes *nb);

#endif /* RECUR_API_TSV_H */
