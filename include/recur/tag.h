/* recur/tag.h - sequence tagging (many to many, aligned): CoNLL-style files
 * of tagged words, the word vocabulary with signature tokens for rare and
 * unseen words, the tag set, the most-frequent-tag baseline, and a tagger's
 * accuracy on all words and on unknown ones.
 * Part of the public API: include <recur.h>, which includes this file. */
#ifndef RECUR_API_TAG_H
#define RECUR_API_TAG_H

#ifndef RECUR_H
#error "include <recur.h>; recur/tag.h is one of its parts"
#endif

/* ---- tagged sentences: CoNLL-style files --------------------------------------- */
/* One word per line, WORD<TAB>TAG, and an empty line (or only spaces) after
 * each sentence (the last one may end the file instead). Lines end in "\n"
 * (a "\r" before it is dropped). A word and a tag are 1 to
 * RECUR_CONLL_MAX_FIELD_BYTES bytes of UTF-8 without control characters; a
 * line has exactly one tab; a sentence has at most RECUR_CONLL_MAX_WORDS
 * words. The whole input must be UTF-8 without NUL bytes and at most
 * RECUR_MAX_TEXT_BYTES. Any problem is RECUR_E_FORMAT (or _LIMIT) with one
 * line "NAME: line N: what". With RECUR_CONLL_UNTAGGED a line is a word
 * alone, or a word, a tab and anything (ignored): input to tag. */
#define RECUR_CONLL_MAX_FIELD_BYTES 128
#define RECUR_CONLL_MAX_WORDS 4096
enum { RECUR_CONLL_UNTAGGED = 1 };

typedef struct recur_conll recur_conll;

/* Read a file (its size checked before it is read) or a buffer; name is what
 * messages call the buffer ("stdin", a file name). */
RECUR_API int recur_conll_load(const char *path, int flags, recur_conll **out);
RECUR_API int recur_conll_from_memory(const char *data, size_t len, const char *name,
                                      int flags, recur_conll **out);
RECUR_API void recur_conll_free(recur_conll *c);
/* Sentences, and words in all of them. */
RECUR_API long recur_conll_count(const recur_conll *c);
RECUR_API long recur_conll_words(const recur_conll *c);
/* Sentence i: its *n words and their tags (NULL when untagged), arrays of
 * NUL-terminated strings owned by c; NULL (and *n = 0) if i is out of range. */
RECUR_API const char *const *recur_conll_sentence(const recur_conll *c, long i, int *n,
                                                  const char *const **tags);
/* The line of sentence i's first word (1-based). */
RECUR_API long recur_conll_line(const recur_conll *c, long i);

/* ---- the lexicon: words and signatures to ids, tags to ids ------------------------ */
/* A word seen at least min_count times in the training sentences is a known
 * word with its own id; every other word (rare, or never seen) reads as its
 * signature, a token that keeps what predicts a tag when the word itself
 * is unknown (after Petrov and Klein's unknown-word classes):
 *   "<unk" + "-C" (first character upper case), "-CAPS" (and every letter upper
 *   case, two or more), "-c" (an upper-case letter later), or nothing (no
 *   upper case) + "-N" (a digit) + "-H" (a hyphen) + "-P" (no letter or
 *   digit) + "-SUFFIX" (the longest of a fixed list of English suffixes the
 *   lower-cased word ends with, its stem at least 2 characters) + ">",
 * e.g. "<unk-C-N>", "<unk-ing>", "<unk-H-ed>". Ids are the signatures seen
 * in training (and "<unk>" always) in strcmp order, then the known words
 * in strcmp order. A signature not in the lexicon falls back to the
 * same signature without its suffix, then to "<unk>". A word spelled like a
 * signature ("<unk...") is never a known word. Tags are the distinct
 * training tags in strcmp order. The rules are versioned
 * (RECUR_LEXICON_RULES); a model file records the version it was built with. */
#define RECUR_LEXICON_RULES "petrov-klein-1"
#define RECUR_LEXICON_UNK "<unk>"
typedef struct recur_lexicon recur_lexicon;

/* The lexicon of sentences idx[0..n) of c (all when idx is NULL), which
 * must be tagged. min_count >= 1. RECUR_E_LIMIT when the ids or tags would
 * exceed RECUR_MAX_VOCAB. */
RECUR_API int recur_lexicon_build(const recur_conll *c, const long *idx, long n,
                                  int min_count, recur_lexicon **out);
RECUR_API void recur_lexicon_free(recur_lexicon *lx);
/* The signature of a word (as above) into buf of size bytes (64 is enough). */
RECUR_API int recur_lexicon_signature(const char *word, char *buf, size_t size);
/* Word and tag counts, and names by id (owned by lx). Ids below
 * recur_lexicon_signature_count are signatures. */
RECUR_API int recur_lexicon_word_count(const recur_lexicon *lx);
RECUR_API int recur_lexicon_signature_count(const recur_lexicon *lx);
RECUR_API int recur_lexicon_tag_count(const recur_lexicon *lx);
RECUR_API const char *recur_lexicon_word_at(const recur_lexicon *lx, int id);
RECUR_API const char *recur_lexicon_tag_at(const recur_lexicon *lx, int id);
/* The id a word reads as (a known word's, else its signature's); *known
 * (if not NULL) is 1 for a known word, 0 for a signature. */
RECUR_API int recur_lexicon_word_id(const recur_lexicon *lx, const char *word, int *known);
/* A tag's id, or -1 if it is not in the tag set. */
RECUR_API int recur_lexicon_tag_id(const recur_lexicon *lx, const char *tag);

/* Keep the lexicon in a tagger's metadata ("tag.rules", "tag.words" with
 * the words joined by tabs, and the tags as the model's classes): the model
 * must read token ids of the lexicon's size (one-hot or embedding) and give
 * one output per tag at every step (readout SEQUENCE, XENT), else
 * RECUR_E_MISMATCH. recur_lexicon_from_model reads it back, checking it as
 * untrusted input (RECUR_E_MISMATCH if the model is not a tagger, its rules
 * are another version, or the lexicon does not fit the model). */
RECUR_API int recur_lexicon_save(const recur_lexicon *lx, recur_model *m);
RECUR_API int recur_lexicon_from_model(const recur_model *m, recur_lexicon **out);

/* Sentences idx[0..n) of c (all when idx is NULL) as a data set for a tagger
 * over lx: each word's id, each tag's id (a tag not in the tag set, or an
 * untagged input, is label -1: not scored). Sentences longer than max_len
 * words are refused (RECUR_E_LIMIT naming the line; 0: no cap). The arrays
 * belong to ds; free them with recur_lexicon_dataset_free. *unknown (if not
 * NULL) receives the words read as signatures. */
RECUR_API int recur_lexicon_dataset(const recur_lexicon *lx, const recur_conll *c,
                                    const long *idx, long n, int max_len,
                                    recur_dataset *ds, long *unknown);
RECUR_API void recur_lexicon_dataset_free(recur_dataset *ds);

/* ---- scoring: a tagger against the most-frequent-tag baseline ---------------------- */
typedef struct {
    long words, correct;                 /* every word */
    long unknown, unknown_correct;       /* words the lexicon reads as signatures */
    long unseen_tags;                    /* words whose tag is not in the tag set
                                            (counted in words, never correct) */
} recur_tag_score;

/* The most-frequent-tag baseline: for every id of lx, the tag most often
 * seen on training words of that id in sentences idx[0..n) of c (ties: the
 * lower tag id), and for ids never seen the most frequent tag overall. So a
 * known word gets its own most frequent tag, and a rare or unseen word its
 * signature's. best receives recur_lexicon_word_count(lx) tag ids. */
RECUR_API int recur_lexicon_baseline(const recur_lexicon *lx, const recur_conll *c,
                                     const long *idx, long n, int32_t *best);
/* Tag sentences idx[0..n) of c: with m (a tagger over lx; batches of B
 * sentences) when m is not NULL, else with the baseline best. tags receives
 * one tag id per word (room for every word of those sentences, in order);
 * NULL to score only. score (if not NULL) receives the accuracies against
 * c's tags (c must be tagged then). */
RECUR_API int recur_tagger_run(const recur_model *m, const int32_t *best,
                               const recur_lexicon *lx, const recur_conll *c,
                               const long *idx, long n, int B, int32_t *tags,
                               recur_tag_score *score);

#endif /* RECUR_API_TAG_H */
