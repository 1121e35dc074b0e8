/* json.h - a small strict JSON parser (RFC 8259) producing a DOM, and a
 * growable text buffer with a JSON string writer.
 *
 * Strictness, on purpose (the input is often a file header we must trust):
 *   - exactly one value, surrounded only by JSON whitespace (space, tab, LF,
 *     CR); anything after it is an error; no BOM, no comments, no trailing
 *     commas, no NaN/Infinity, no leading zeros;
 *   - strings must be valid UTF-8 (no overlong forms, no surrogates, nothing
 *     above U+10FFFF) without raw control characters; escapes, including
 *     \uXXXX and surrogate pairs, are decoded to UTF-8; \u0000 is refused so
 *     that every string is an ordinary NUL-terminated C string;
 *   - numbers that overflow a double are refused;
 *   - duplicate keys in an object are refused;
 *   - arrays and objects nest at most JSON_MAX_DEPTH deep.
 * Errors are RECUR_E_FORMAT with a message naming the byte offset, e.g.
 * "JSON: duplicate key 'a' at byte 9".
 *
 * Accessors accept NULL and values of the wrong type and then return the
 * "empty" answer (NULL, 0, 0.0), so lookups may be chained. A DOM is
 * immutable after parsing and may be read from several threads at once. */
#ifndef RECUR_JSON_H
#define RECUR_JSON_H

#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 64

typedef struct json_value json_value;

enum json_type {
    JSON_NULL,
    JSON_BOOL,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT
};

/* Parse text[0..len) (it need not be NUL-terminated). On success *out is the
 * root value, to be released with recur__json_free. On failure *out is NULL and the
 * status is RECUR_E_FORMAT (or RECUR_E_NOMEM, or RECUR_E_INVALID for NULL
 * arguments). */
int recur__json_parse(const char *text, size_t len, json_value **out);
void recur__json_free(json_value *v);

/* JSON_NULL for a NULL pointer as well as for a JSON null. */
enum json_type recur__json_type_of(const json_value *v);
/* 1 for true, 0 for false and for anything that is not a boolean. */
int recur__json_bool(const json_value *v);
/* The value of a number (0.0 for non-numbers). */
double recur__json_number(const json_value *v);
/* 1 and *out set when v is a number written as an integer (no fraction, no
 * exponent) that fits in int64_t, exactly (not through a double); else 0. */
int recur__json_is_int64(const json_value *v, int64_t *out);
/* The decoded UTF-8 text of a string, NUL-terminated; NULL for non-strings.
 * The pointer lives as long as the DOM. */
const char *recur__json_string(const json_value *v);
/* Its length in bytes (0 for non-strings). */
size_t recur__json_string_len(const json_value *v);

size_t recur__json_array_size(const json_value *v);
/* NULL when out of range or v is not an array. */
const json_value *recur__json_array_at(const json_value *v, size_t i);

/* Members keep the order of the text. */
size_t recur__json_object_size(const json_value *v);
const char *recur__json_object_key_at(const json_value *v, size_t i);
const json_value *recur__json_object_value_at(const json_value *v, size_t i);
/* The value for key, or NULL; O(log n). */
const json_value *recur__json_object_get(const json_value *v, const char *key);


/* Copy s into dst[cap] for quoting inside a one-line error message: control
 * characters become '?', and text longer than fits is cut at a UTF-8
 * character boundary and ends in "...". cap must be at least 4. */
void recur__json_excerpt(char *dst, size_t cap, const char *s);
/* recur__json_excerpt of s by value, for naming a tensor or key in a
 * one-line message: recur__json_quote(name).s */
typedef struct {
    char s[80];
} json_quoted;
json_quoted recur__json_quote(const char *s);

/* ---- writing ----------------------------------------------------------- */

/* A growable byte buffer. Start from json_buf b = {0}; after any successful
 * append, b.data is NUL-terminated (the NUL is not counted in b.len). */
typedef struct {
    char *data;
    size_t len, cap;
} json_buf;

/* Each returns RECUR_OK or RECUR_E_NOMEM; on failure the buffer keeps its
 * previous contents. */
int recur__json_buf_append(json_buf *b, const char *s, size_t n);
int recur__json_buf_puts(json_buf *b, const char *s);
int recur__json_buf_printf(json_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Append s (NUL-terminated, UTF-8) as a quoted JSON string: '"', '\\' and
 * control characters are escaped, other text is copied as is. Returns
 * RECUR_E_INVALID (buffer unchanged) when s is not valid UTF-8. */
int recur__json_write_string(json_buf *b, const char *s);
void recur__json_buf_free(json_buf *b);

#endif
