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
/* A character as error messages name it: "'x' (U+0078)", or "U+000A" for a
 * control character. */
void recur__describe_char(uint32_t cp, char *buf, size_t size);

#endif
