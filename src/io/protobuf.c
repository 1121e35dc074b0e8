/* protobuf.c - the protocol buffers wire format (see protobuf.h). */
#include "io/protobuf.h"

#include <stdlib.h>
#include <string.h>

int recur__pb_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    uint64_t x = 0;
    const uint8_t *q = *p;
    for (int i = 0; i < 10; i++) {
        if (q >= end)
            return 0;
        uint8_t b = *q++;
        if (i == 9 && b > 1)
            return 0; /* more than 64 bits */
        x |= (uint64_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80)) {
            *p = q;
            *v = x;
            return 1;
        }
    }
    return 0;
}

int recur__pb_next(pb_reader *r, pb_field *f)
{
    if (r->p >= r->end)
        return 0;
    uint64_t key;
    if (!recur__pb_varint(&r->p, r->end, &key))
        return -1;
    uint64_t field = key >> 3;
    if (field == 0 || field > 0x1FFFFFFF)
        return -1;
    f->field = (uint32_t)field;
    f->wire = (int)(key & 7);
    f->v = 0;
    f->data = NULL;
    f->len = 0;
    size_t left = (size_t)(r->end - r->p);
    switch (f->wire) {
    case PB_VARINT:
        return recur__pb_varint(&r->p, r->end, &f->v) ? 1 : -1;
    case PB_I64:
    case PB_I32: {
        size_t n = f->wire == PB_I64 ? 8 : 4;
        if (left < n)
            return -1;
        for (size_t i = 0; i < n; i++)
            f->v |= (uint64_t)r->p[i] << (8 * i);
        r->p += n;
        return 1;
    }
    case PB_LEN: {
        uint64_t len;
        if (!recur__pb_varint(&r->p, r->end, &len))
            return -1;
        left = (size_t)(r->end - r->p);
        if (len > left)
            return -1;
        f->data = r->p;
        f->len = (size_t)len;
        r->p += len;
        return 1;
    }
    default:
        return -1; /* groups (3, 4) and the unused 6, 7 */
    }
}

static void put_raw(pb_buf *b, const void *data, size_t len)
{
    if (b->failed)
        return;
    if (len > b->cap - b->n) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->n < len) {
            if (cap > SIZE_MAX / 2) {
                b->failed = 1;
                return;
            }
            cap *= 2;
        }
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    if (len)
        memcpy(b->p + b->n, data, len);
    b->n += len;
}

static void put_uvarint(pb_buf *b, uint64_t v)
{
    uint8_t tmp[10];
    int n = 0;
    do {
        tmp[n] = (uint8_t)(v & 0x7F);
        v >>= 7;
        if (v)
            tmp[n] |= 0x80;
        n++;
    } while (v);
    put_raw(b, tmp, (size_t)n);
}

void recur__pb_put_varint(pb_buf *b, uint32_t field, uint64_t v)
{
    put_uvarint(b, (uint64_t)field << 3 | PB_VARINT);
    put_uvarint(b, v);
}

void recur__pb_put_bytes(pb_buf *b, uint32_t field, const void *data, size_t len)
{
    put_uvarint(b, (uint64_t)field << 3 | PB_LEN);
    put_uvarint(b, len);
    put_raw(b, data, len);
}

void recur__pb_put_string(pb_buf *b, uint32_t field, const char *s)
{
    recur__pb_put_bytes(b, field, s, strlen(s));
}

void recur__pb_put_msg(pb_buf *b, uint32_t field, pb_buf *child)
{
    if (child->failed)
        b->failed = 1;
    else
        recur__pb_put_bytes(b, field, child->p, child->n);
    recur__pb_free(child);
}

void recur__pb_put_packed_i64(pb_buf *b, uint32_t field, const int64_t *v, int n)
{
    pb_buf tmp = {0};
    for (int i = 0; i < n; i++)
        put_uvarint(&tmp, (uint64_t)v[i]);
    recur__pb_put_msg(b, field, &tmp);
}

void recur__pb_put_float(pb_buf *b, uint32_t field, float v)
{
    uint32_t bits;
    memcpy(&bits, &v, 4);
    uint8_t le[4] = {(uint8_t)bits, (uint8_t)(bits >> 8), (uint8_t)(bits >> 16),
                     (uint8_t)(bits >> 24)};
    put_uvarint(b, (uint64_t)field << 3 | PB_I32);
    put_raw(b, le, 4);
}

void recur__pb_append(pb_buf *b, pb_buf *src)
{
    if (src->failed)
        b->failed = 1;
    else
        put_raw(b, src->p, src->n);
    recur__pb_free(src);
}

void recur__pb_free(pb_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
    b->failed = 0;
}
