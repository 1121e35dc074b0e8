/* seq2seq_metrics.h - how `recur seq2seq` scores decoded output against
 * references: exact match, token error rate (edit distance over the target
 * side's tokens), corpus BLEU-4 over words and corpus chrF. */
#ifndef RECUR_CLI_SEQ2SEQ_METRICS_H
#define RECUR_CLI_SEQ2SEQ_METRICS_H

#include "recur.h"

typedef struct {
    long sentences, exact;
    long edits, ref_tokens;      /* token error rate = edits / ref_tokens */
    long match[4], total[4];     /* BLEU n-gram statistics */
    long hyp_words, ref_words;
    long chr_match[6], chr_hyp[6], chr_ref[6]; /* chrF character n-grams */
} s2s_metrics;

/* Add one hypothesis/reference pair (strings of the target side, split into
 * tokens as mode says). 0, or EXIT_RUNTIME after one error line. */
int metrics_add(s2s_metrics *m, const char *hyp, const char *ref, recur_tokens mode);
double metrics_bleu(const s2s_metrics *m);
/* Corpus chrF (Popović 2015, as sacreBLEU's default): character 1..6-grams
 * with whitespace removed, precision and recall each averaged over n, F with
 * beta 2; 0..100. */
double metrics_chrf(const s2s_metrics *m);

#endif
