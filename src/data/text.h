/* text.h - what text.c (character corpora) shares with the rest of the
 * library: the character vocabulary lookup (also used by tsv.c for
 * classifiers) and tokenising a string under a name of its own (sample.c's
 * prime text). A vocabulary is a strictly increasing array of code points,
 * the token id a character's index in it. */
#ifndef RECUR_DATA_TEXT_H
#define RECUR_DATA_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "recur.h"

/* The bytes recur_text_load reads at a time (16 MiB; tests make it tiny
 * to put characters across the chunks' edges). */
extern size_t recur__text_chunk_bytes;

/* Index of code point cp in a sorted vocabulary of n, or -1. */
int recur__text_vocab_index(const uint32_t *vocab, int n, uint32_t cp);
/* recur_text_from_string with the name that error messages give the text
 * (e.g. "prime text"). */
int recur__text_from_string_labelled(const char *s, size_t len, const recur_model *vocab_of,
                                     const char *label, recur_text **out);

#endif
