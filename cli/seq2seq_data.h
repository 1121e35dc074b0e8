/* seq2seq_data.h - parallel text for `recur seq2seq`: TSV lines
 * "source<TAB>target", each side read as characters or as space-separated
 * tokens (words, phonemes), vocabularies with special tokens, a seeded
 * held-out split, and the metrics: exact match, token error rate (edit
 * distance) and corpus BLEU-4. */
#ifndef RECUR_CLI_SEQ2SEQ_DATA_H
#define RECUR_CLI_SEQ2SEQ_DATA_H

#include <stdint.h>

#include "recur.h"

enum { TOK_CHARS = 0, TOK_WORDS = 1 };

/* Special tokens. Source ids: 0 = <unk>. Target ids: 0 = <s> (bos),
 * 1 = </s> (eos), 2 = <unk>. */
#define S2S_UNK "<unk>"
#define S2S_BOS "<s>"
#define S2S_EOS "</s>"

typedef struct {
    long n;
    char **src, **tgt; /* the two fields of each line (UTF-8, NUL-terminated) */
    long *line;        /* 1-based line numbers */
} s2s_pairs;

/* Read a TSV file of pairs. need_target: every line must have a non-empty
 * target (training, evaluation); otherwise a line may be a bare source.
 * On failure: one error line (naming file and line) and EXIT_RUNTIME. */
int pairs_load(const char *path, int need_target, s2s_pairs *p);
void pairs_free(s2s_pairs *p);

/* Split a string into tokens (pointers into *buf, which the caller frees). */
int tokenize(const char *s, int mode, char **buf, char ***toks, int *n);

/* A sorted vocabulary of token names; ids follow the `first` specials. */
typedef struct {
    int n;
    char **names;  /* [n], specials first */
    int nspecial;
    int *order;    /* ids sorted by name, for lookup */
} s2s_vocab;

/* The vocabulary of one side of pairs idx[0..count) (specials first). */
int vocab_build(const s2s_pairs *p, const long *idx, long count, int side, int mode,
                s2s_vocab *v);
/* From a model's names. */
int vocab_from_names(const char *const *names, int n, int nspecial, s2s_vocab *v);
void vocab_free(s2s_vocab *v);
/* The id of name, or unk (-1 when unk < 0). */
int vocab_id(const s2s_vocab *v, const char *name, int unk);

/* Token ids of one side of pairs idx[0..count): offsets [count + 1].
 * *unknown counts tokens mapped to <unk>. */
int encode_side(const s2s_pairs *p, const long *idx, long count, int side, int mode,
                const s2s_vocab *v, int unk, long **offsets, int32_t **ids,
                long *unknown);

/* A seeded permutation of 0..n-1: the last nval entries are held out. */
long *split_order(long n, uint64_t seed);

/* ---- metrics ----------------------------------------------------------- */

typedef struct {
    long sentences, exact;
    long edits, ref_tokens;      /* token error rate = edits / ref_tokens */
    long match[4], total[4];     /* BLEU n-gram statistics */
    long hyp_words, ref_words;
} s2s_metrics;

/* Add one hypothesis/reference pair (strings of the target side). */
int metrics_add(s2s_metrics *m, const char *hyp, const char *ref, int mode);
double metrics_bleu(const s2s_metrics *m);

#endif
