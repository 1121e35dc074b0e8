/* recur/tsv.h - TSV data: labelled text for sequence classification (and
 * its naive Bayes baseline), sequence pairs for sequence to sequence.
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

/* ---- sequence pairs: TSV files for sequence to sequence ------------------------ */
/* A pairs file has one example per line: SOURCE, a TAB, TARGET (at most one
 * tab). It is checked as labelled text is: UTF-8 without NUL bytes, at most
 * RECUR_MAX_TEXT_BYTES, each line at most RECUR_TSV_MAX_LINE_BYTES; lines
 * end in "\n" (a "\r" before it is dropped) and empty lines are skipped. The
 * source must not be empty. With RECUR_PAIRS_NEED_TARGET every line needs a
 * target that is not empty or only spaces; without it a line may be a
 * source alone (its target is ""): input to translate. Any problem is
 * RECUR_E_FORMAT (or _LIMIT) with one line "NAME:LINE: what". */
enum { RECUR_PAIRS_NEED_TARGET = 1 };
typedef struct recur_pairs recur_pairs;

/* Read a file (its size checked before it is read) or a buffer; name is what
 * messages call the buffer ("stdin", a file name). */
RECUR_API int recur_pairs_load(const char *path, int flags, recur_pairs **out);
RECUR_API int recur_pairs_from_memory(const char *data, size_t len, const char *name,
                                      int flags, recur_pairs **out);
RECUR_API void recur_pairs_free(recur_pairs *p);
RECUR_API long recur_pairs_count(const recur_pairs *p);
/* Pair i's source and target as NUL-terminated UTF-8 (the target "" when the
 * line has none), *len (if not NULL) receiving the field's length in bytes,
 * which always equals its strlen; and the line it came from (1-based). */
RECUR_API const char *recur_pairs_source(const recur_pairs *p, long i, size_t *len);
RECUR_API const char *recur_pairs_target(const recur_pairs *p, long i, size_t *len);
RECUR_API long recur_pairs_line(const recur_pairs *p, long i);
/* A permutation of 0..n-1 into order[n] that depends on seed alone (for a
 * held-out split: hold out its last k entries). */
RECUR_API int recur_pairs_shuffle(long n, uint64_t seed, long *order);

/* Each side of a pair is read as characters (every code point a token) or
 * as words (split at spaces; runs of spaces separate like one). */
typedef enum { RECUR_TOKENS_CHARS, RECUR_TOKENS_WORDS } recur_tokens;
/* "chars", "words"; and back (-1 if unknown). */
RECUR_API const char *recur_tokens_name(recur_tokens mode);
RECUR_API int recur_tokens_parse(const char *name);
/* Split s (UTF-8, at most RECUR_TSV_MAX_LINE_BYTES) into *n tokens: (*toks)[i]
 * are NUL-terminated strings inside *buf; free both *buf and *toks. */
RECUR_API int recur_tokenize(const char *s, recur_tokens mode, char **buf, char ***toks,
                             int *n);

/* Token vocabularies (names to ids) of the two sides (side 0 = source, 1 =
 * target, as recur_seq2seq_set_vocab). Ids start with the side's special
 * tokens: the source side with <unk> (id 0); the target side with <s> (bos,
 * 0), </s> (eos, 1) and <unk> (2), so that a recur_seq2seq_config with bos 0
 * and eos 1 fits. Then come the distinct tokens in strcmp order. */
#define RECUR_TOKEN_UNK "<unk>"
#define RECUR_TOKEN_BOS "<s>"
#define RECUR_TOKEN_EOS "</s>"
typedef struct recur_vocab recur_vocab;

/* The vocabulary of one side of pairs idx[0..n) (a special token's name in
 * the data is not added: it reads as <unk>). RECUR_E_LIMIT beyond
 * RECUR_MAX_VOCAB tokens. */
RECUR_API int recur_pairs_vocab(const recur_pairs *p, const long *idx, long n, int side,
                                recur_tokens mode, recur_vocab **out);
/* From names[0..n) (as recur_seq2seq_get_vocab gives them), which must start
 * with the side's special tokens (RECUR_E_MISMATCH) and be distinct. */
RECUR_API int recur_vocab_from_names(const char *const *names, int n, int side,
                                     recur_vocab **out);
RECUR_API void recur_vocab_free(recur_vocab *v);
/* The names by id (owned by v; for recur_seq2seq_set_vocab), *n the count. */
RECUR_API const char *const *recur_vocab_names(const recur_vocab *v, int *n);
/* The id of <unk>; the id of a token, <unk> for an unknown or special one. */
RECUR_API int recur_vocab_unk(const recur_vocab *v);
RECUR_API int recur_vocab_id(const recur_vocab *v, const char *name);
/* A text as token ids (*ids malloc'd, *n of them); *unknown (if not NULL)
 * grows by the tokens read as <unk>. */
RECUR_API int recur_vocab_encode(const recur_vocab *v, const char *s, recur_tokens mode,
                                 int32_t **ids, int *n, long *unknown);
/* One side of pairs idx[0..n) as token ids: example i is (*ids)[(*offsets)[i]
 * .. (*offsets)[i+1]) (*offsets has n + 1 entries; both malloc'd), as
 * recur_seq2seq_data wants them; *unknown (if not NULL) counts <unk>s. */
RECUR_API int recur_pairs_encode(const recur_pairs *p, const long *idx, long n, int side,
                                 recur_tokens mode, const recur_vocab *v, long **offsets,
                                 int32_t **ids, long *unknown);

#endif /* RECUR_API_TSV_H */
