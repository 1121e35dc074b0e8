/* words.h - the word tokens of labelled text (words.c): what tsv.c (data
 * sets of word classifiers) and naive_bayes.c (its word features) share. */
#ifndef RECUR_DATA_WORDS_H
#define RECUR_DATA_WORDS_H

#include <stddef.h>
#include <stdint.h>

#include "recur.h"

/* The next word of text[*pos..len) as lower-cased code points in
 * word[0..RECUR_WORD_MAX_CHARS) (*wlen of them; a longer run is cut there);
 * *pos moves past it. 0 when no word is left. */
int recur__word_next(const uint32_t *text, long len, long *pos, uint32_t *word, int *wlen);
/* A word's code points as NUL-terminated UTF-8 in buf (room for
 * 4 * RECUR_WORD_MAX_CHARS + 1 bytes); returns its length. */
size_t recur__word_utf8(const uint32_t *word, int wlen, char *buf);

#endif
