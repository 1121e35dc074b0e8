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
 *                       of the text): input to predict on;
 *   RECUR_TSV_SKIP_BAD  skip a line with any of the problems of
 *                       recur_tsv_bad (instead of failing), counting the
 *                       lines skipped for each (recur_tsv_skipped). A bad
 *                       header, an input that is empty, too large or holds
 *                       no good line still fails. */
#define RECUR_TSV_MAX_LINE_BYTES (1L << 18)
#define RECUR_TSV_MAX_LABEL_BYTES 256
/* Characters outside a classifier's vocabulary read as this one (U+FFFD,
 * the replacement character), which every classifier vocabulary holds. */
#define RECUR_UNKNOWN_CHAR 0xFFFDu
enum { RECUR_TSV_ESCAPES = 1, RECUR_TSV_HEADER = 2, RECUR_TSV_UNLABELLED = 4,
       RECUR_TSV_SKIP_BAD = 8 };
/* What is wrong with a line that RECUR_TSV_SKIP_BAD skipped. */
typedef enum {
    RECUR_TSV_BAD_ENCODING, /* invalid UTF-8 or a NUL byte */
    RECUR_TSV_BAD_ESCAPE,   /* a backslash before anything but n, t, \ */
    RECUR_TSV_BAD_LABEL,    /* no tab, an empty label, a control character in it,
                               or one over RECUR_TSV_MAX_LABEL_BYTES */
    RECUR_TSV_BAD_EMPTY,    /* an empty text */
    RECUR_TSV_BAD_LONG,     /* a line over RECUR_TSV_MAX_LINE_BYTES */
    RECUR_TSV_BAD_KINDS
} recur_tsv_bad;

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
/* Lines skipped (RECUR_TSV_SKIP_BAD) for problem `kind` (a recur_tsv_bad),
 * or for any problem when kind is -1; *first_line (if not NULL) receives the
 * first such line (0 if none). recur_tsv_bad_name describes a kind in a few
 * words ("an unknown escape"). */
RECUR_API long recur_tsv_skipped(const recur_tsv *t, int kind, long *first_line);
RECUR_API const char *recur_tsv_bad_name(int kind);

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

/* ---- word tokens --------------------------------------------------------------- */
/* A classifier may read words instead of characters. The words of a text
 * are its runs of letters, digits and apostrophes (' or U+2019, read as ')
 * that start and end with a letter or digit, lower-cased (ASCII, Latin-1,
 * Greek, Cyrillic), each cut to its first RECUR_WORD_MAX_CHARS characters;
 * everything else separates words. Letters are the ASCII ones and every
 * code point from U+00C0 on outside the punctuation and symbol blocks
 * (U+2000-2BFF, U+3000-303F, U+FF00-FF0F, ...) and emoji (U+1F000 on).
 * E.g. "Don't STOP -- it's 2x, naïve!" has the words don't, stop, it's, 2x
 * and naïve. */
#define RECUR_WORD_MAX_CHARS 32
/* The words of text[0..len) as NUL-terminated UTF-8 strings in *buf, word k
 * at *buf + (*offsets)[k], *n of them; free *buf and *offsets. */
RECUR_API int recur_text_words(const uint32_t *text, long len, char **buf, long **offsets,
                               long *n);
/* The word vocabulary of a classifier from examples idx[0..n) (all when idx
 * is NULL), counting only each text's first max_len words (0: all): word 0
 * is RECUR_TOKEN_UNK ("<unk>", what every other word reads as), then the
 * words seen at least min_count times, at most max_words - 1 of them (the
 * most frequent; ties by strcmp; max_words 0: no cap), in strcmp order.
 * Free with recur_tsv_vocab_free(words, nwords, NULL). */
RECUR_API int recur_tsv_word_vocab(const recur_tsv *t, const long *idx, long n,
                                   int min_count, int max_words, int max_len,
                                   char ***words, int *nwords);
/* A word classifier keeps its words in its metadata ("classify.tokens" =
 * "words", "classify.words" = the words joined by newlines); n must equal
 * the model's token inputs and words[0] must be "<unk>". recur_model_get_words
 * gives a copy (free with recur_tsv_vocab_free(words, n, NULL)), or
 * RECUR_E_MISMATCH for a character model. */
RECUR_API int recur_model_set_words(recur_model *m, const char *const *words, int n);
RECUR_API int recur_model_get_words(const recur_model *m, char ***words, int *n);

/* Examples idx[0..n) (all when idx is NULL) as a data set for classifier m.
 * A character model reads characters through m's vocabulary (unknown ones
 * as RECUR_UNKNOWN_CHAR), a word model (recur_model_set_words) reads words
 * through its word list (unknown ones as <unk>); either way the unknown
 * tokens are counted in *unknown if not NULL. Labels go through m's classes
 * (a label that is not one is RECUR_E_MISMATCH naming its line; unlabelled
 * examples get label 0). At most max_len tokens (characters or words) of
 * each text are used (0: all); a text with no words reads as the one token
 * <unk>. The arrays belong to ds; free them with recur_tsv_dataset_free. */
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
/* Distinct bigrams (or words) seen in training. */
RECUR_API long recur_naive_bayes_features(const recur_naive_bayes *nb);
/* The same classifier over the words of each text (recur_text_words; each
 * distinct word a feature, no start or end marker), max_len counting words:
 * the usual bag-of-words baseline for long texts. Words are told apart by a
 * 64-bit hash of their characters (two distinct words of a corpus sharing
 * one has probability about words^2 / 2^65). predict and accuracy work on
 * it as on the character one. */
RECUR_API int recur_naive_bayes_train_words(const recur_tsv *t, const long *idx, long n,
                                            const char *const *classes, int nclasses,
                                            double alpha, int max_len,
                                            recur_naive_bayes **out);

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

/* Each side of a pair is read as characters (every code point a token), as
 * words (split at spaces; runs of spaces separate like one), or as subwords
 * (byte-pair encoding, recur/bpe.h: learned from the training side, kept in
 * its vocabulary; recur_tokenize cannot split them without that table). */
typedef enum { RECUR_TOKENS_CHARS, RECUR_TOKENS_WORDS, RECUR_TOKENS_BPE } recur_tokens;
/* "chars", "words", "bpe"; and back (-1 if unknown). */
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
/* The subword vocabulary of one side of pairs idx[0..n): at most `merges`
 * merges learned from its text (recur_bpe_learn), the side's specials, then
 * the 256 bytes and the merged tokens, named by recur_bpe_token_name. */
RECUR_API int recur_pairs_vocab_bpe(const recur_pairs *p, const long *idx, long n, int side,
                                    int merges, recur_vocab **out);
/* The same vocabulary around a subword table b (v keeps its own copy). */
RECUR_API int recur_vocab_from_bpe(const recur_bpe *b, int side, recur_vocab **out);
/* The subword table of a vocabulary made by those two, else NULL. */
RECUR_API const recur_bpe *recur_vocab_bpe(const recur_vocab *v);
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
/* Token ids back to text (*out malloc'd): characters and subwords joined,
 * words joined with single spaces; a special token as its name. Subwords
 * that do not make well-formed UTF-8 (a model may emit part of a
 * character) give U+FFFD for each stray byte. */
RECUR_API int recur_vocab_decode(const recur_vocab *v, const int32_t *ids, int n,
                                 recur_tokens mode, char **out);
/* One side of pairs idx[0..n) as token ids: example i is (*ids)[(*offsets)[i]
 * .. (*offsets)[i+1]) (*offsets has n + 1 entries; both malloc'd), as
 * recur_seq2seq_data wants them; *unknown (if not NULL) counts <unk>s. */
RECUR_API int recur_pairs_encode(const recur_pairs *p, const long *idx, long n, int side,
                                 recur_tokens mode, const recur_vocab *v, long **offsets,
                                 int32_t **ids, long *unknown);

#endif /* RECUR_API_TSV_H */
