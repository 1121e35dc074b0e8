/* recur/bpe.h - subword units: byte-level byte-pair encoding (Sennrich et al.
 * 2016, over bytes as GPT-2 does), learned from text and stored as text.
 * Part of the public API; include <recur.h>, not this file.
 *
 * The first 256 tokens are the bytes 0..255; merge k makes token 256 + k,
 * the concatenation of two earlier tokens. Every byte string (UTF-8 or not)
 * is encoded, and decoding the ids gives back exactly the same bytes: there
 * is no unknown token. Text is cut into pieces before merging - a run of
 * letters (ASCII letters and digits, and every byte of a multi-byte UTF-8
 * character), a run of other ASCII symbols, or a run of whitespace, with a
 * single space joining the piece after it ("the cat" -> "the", " cat") -
 * and pieces are at most RECUR_BPE_MAX_PIECE bytes, so merges never span
 * two words. Learning is deterministic: the most frequent adjacent pair
 * (the smaller ids on a tie) is merged next; a pair whose bytes already
 * are a token is passed over, so that every token's bytes are distinct. */
#ifndef RECUR_API_BPE_H
#define RECUR_API_BPE_H

#ifndef RECUR_H
#error "include <recur.h>; recur/bpe.h is one of its parts"
#endif

#define RECUR_BPE_BYTES 256
#define RECUR_BPE_MAX_PIECE 32
#define RECUR_BPE_MAX_MERGES 1000000

typedef struct recur_bpe recur_bpe;

/* Learn at most `merges` merges from texts[0..n) (NUL-terminated); fewer
 * when no adjacent pair occurs twice any more. */
RECUR_API int recur_bpe_learn(const char *const *texts, long n, int merges,
                              recur_bpe **out);
RECUR_API void recur_bpe_free(recur_bpe *b);
/* Tokens (256 + merges) and merges. */
RECUR_API int recur_bpe_size(const recur_bpe *b);
RECUR_API int recur_bpe_merge_count(const recur_bpe *b);
/* Token id's bytes (not NUL-terminated; *len of them), NULL out of range. */
RECUR_API const char *recur_bpe_token(const recur_bpe *b, int id, size_t *len);
/* A printable, distinct name for token id into buf (cap bytes): its bytes
 * when they are UTF-8 without control characters, else "<0xNN>" per byte.
 * RECUR_E_LIMIT if cap is too small. */
RECUR_API int recur_bpe_token_name(const recur_bpe *b, int id, char *buf, size_t cap);
/* The tokens of s[0..len) as ids (*ids malloc'd, *n of them; none for an
 * empty text). */
RECUR_API int recur_bpe_encode(const recur_bpe *b, const char *s, size_t len, int32_t **ids,
                               int *n);
/* The bytes of ids[0..n) (*out malloc'd and NUL-terminated, *len bytes
 * without the NUL; len may be NULL). RECUR_E_INVALID for an id out of range. */
RECUR_API int recur_bpe_decode(const recur_bpe *b, const int32_t *ids, int n, char **out,
                               size_t *len);
/* The merges as one line of text, "recur-bpe-1 M a1 b1 a2 b2 ...", for a
 * model's metadata (*out malloc'd); and back: a table that is not exactly
 * that (ids out of order, a count that does not match, two tokens with the
 * same bytes, a token longer than a piece) is RECUR_E_FORMAT with one line. */
RECUR_API int recur_bpe_to_text(const recur_bpe *b, char **out);
RECUR_API int recur_bpe_from_text(const char *text, recur_bpe **out);

#endif /* RECUR_API_BPE_H */
