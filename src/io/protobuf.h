/* protobuf.h - the protocol buffers wire format, read and written by hand:
 * only what ONNX files need, and nothing trusted.
 *
 * Reading walks one message's bytes field by field (recur__pb_next). Every
 * varint is at most 10 bytes, every length is checked against the bytes
 * left in the enclosing message before use, and groups (wire types 3 and 4)
 * are refused, so a reader never looks outside its buffer. Nested messages
 * are read by a new reader over the field's bytes: how deep the reading goes
 * is fixed by the caller's code (ONNX: model → graph → node → attribute →
 * tensor), never by the input.
 *
 * Writing appends to a growing buffer; a nested message is built in its own
 * buffer and appended as a length-delimited field. */
#ifndef RECUR_PROTOBUF_H
#define RECUR_PROTOBUF_H

#include <stddef.h>
#include <stdint.h>

enum { PB_VARINT = 0, PB_I64 = 1, PB_LEN = 2, PB_I32 = 5 };

typedef struct {
    const uint8_t *p, *end;
} pb_reader;

typedef struct {
    uint32_t field; /* field number, >= 1 */
    int wire;       /* PB_VARINT, PB_I64, PB_LEN or PB_I32 */
    uint64_t v;     /* PB_VARINT: the value; PB_I64 / PB_I32: the raw bits */
    const uint8_t *data; /* PB_LEN: the bytes, len of them, inside the buffer */
    size_t len;
} pb_field;

static inline pb_reader recur__pb_reader(const uint8_t *p, size_t len)
{
    pb_reader r = {p, p ? p + len : p};
    return r;
}
/* The next field: 1, 0 at the end of the message, -1 when the bytes are
 * malformed (truncated varint or field, bad wire type, field number 0). */
int recur__pb_next(pb_reader *r, pb_field *f);
/* One varint from [*p, end): 1 and *p advanced, or 0 if malformed. */
int recur__pb_varint(const uint8_t **p, const uint8_t *end, uint64_t *v);

typedef struct {
    uint8_t *p;
    size_t n, cap;
    int failed; /* an allocation failed: the buffer is incomplete */
} pb_buf;

void recur__pb_put_varint(pb_buf *b, uint32_t field, uint64_t v);
void recur__pb_put_bytes(pb_buf *b, uint32_t field, const void *data, size_t len);
void recur__pb_put_string(pb_buf *b, uint32_t field, const char *s);
/* A nested message: child's bytes as field `field`; child is then emptied. */
void recur__pb_put_msg(pb_buf *b, uint32_t field, pb_buf *child);
/* A packed repeated int64 field. */
void recur__pb_put_packed_i64(pb_buf *b, uint32_t field, const int64_t *v, int n);
void recur__pb_put_float(pb_buf *b, uint32_t field, float v);
/* src's bytes as they are (fields already encoded); src is then emptied. */
void recur__pb_append(pb_buf *b, pb_buf *src);
void recur__pb_free(pb_buf *b);

#endif
