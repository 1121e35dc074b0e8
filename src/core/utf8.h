/* utf8.h - decoding and validating UTF-8 (encoding is public:
 * recur_utf8_encode). */
#ifndef RECUR_UTF8_H
#define RECUR_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decode one code point at s[0..len); returns its length in bytes, or 0 if
 * the bytes are not well-formed UTF-8 (overlong forms and surrogates too). */
int recur__utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);
/* 1 if s[0..n) is entirely well-formed UTF-8, else 0. */
int recur__utf8_valid(const char *s, size_t n);

/* recur_text_from_string with the name that error messages give the text
 * (e.g. "prime text"). Defined in text.c. */
struct recur_model;
struct recur_text;
int recur__text_from_string_labelled(const char *s, size_t len, const struct recur_model *vocab_of,
                              const char *label, struct recur_text **out);
/* Index of code point cp in a sorted vocabulary of n, or -1 (text.c). */
int recur__text_vocab_index(const uint32_t *vocab, int n, uint32_t cp);

#endif
