/* test_protobuf.c - the protocol buffers wire format reader and writer
 * (src/io/protobuf.c): what is written reads back; every malformed byte
 * string (truncated varints and fields, lengths past the end, 11-byte
 * varints, groups, field number 0) is refused without reading outside the
 * buffer (the ASan build runs this too). */
#include <stdlib.h>
#include <string.h>

#include "io/protobuf.h"
#include "testlib.h"

static void round_trip(void)
{
    pb_buf b = {0}, child = {0};
    uint64_t vals[] = {0, 1, 127, 128, 300, 0xFFFFFFFFu, UINT64_MAX};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++)
        recur__pb_put_varint(&b, (uint32_t)(i + 1), vals[i]);
    recur__pb_put_string(&child, 1, "inner");
    recur__pb_put_msg(&b, 536870911, &child); /* the largest field number */
    recur__pb_put_float(&b, 9, 1.5f);
    int64_t packed[3] = {-1, 0, 1 << 20};
    recur__pb_put_packed_i64(&b, 10, packed, 3);
    CHECK(!b.failed);
    pb_reader r = recur__pb_reader(b.p, b.n);
    pb_field f;
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        CHECK(recur__pb_next(&r, &f) == 1);
        CHECK(f.field == i + 1 && f.wire == PB_VARINT && f.v == vals[i]);
    }
    CHECK(recur__pb_next(&r, &f) == 1);
    CHECK(f.field == 536870911 && f.wire == PB_LEN);
    pb_reader in = recur__pb_reader(f.data, f.len);
    pb_field g;
    CHECK(recur__pb_next(&in, &g) == 1 && g.len == 5 && memcmp(g.data, "inner", 5) == 0);
    CHECK(recur__pb_next(&in, &g) == 0);
    CHECK(recur__pb_next(&r, &f) == 1 && f.wire == PB_I32);
    uint32_t bits = (uint32_t)f.v;
    float v;
    memcpy(&v, &bits, 4);
    CHECK(v == 1.5f);
    CHECK(recur__pb_next(&r, &f) == 1 && f.wire == PB_LEN);
    const uint8_t *p = f.data;
    for (int i = 0; i < 3; i++) {
        uint64_t x;
        CHECK(recur__pb_varint(&p, f.data + f.len, &x) == 1 && (int64_t)x == packed[i]);
    }
    CHECK(p == f.data + f.len);
    CHECK(recur__pb_next(&r, &f) == 0);
    /* Every proper prefix either ends cleanly at a field boundary or is
     * refused; none reads past its end (ASan). */
    for (size_t cut = 0; cut < b.n; cut++) {
        uint8_t *q = malloc(cut ? cut : 1);
        memcpy(q, b.p, cut);
        pb_reader t = recur__pb_reader(q, cut);
        int k;
        while ((k = recur__pb_next(&t, &f)) > 0)
            CHECK(f.wire != PB_LEN || (f.data >= q && f.data + f.len <= q + cut));
        CHECK(k == 0 || k == -1);
        free(q);
    }
    recur__pb_free(&b);
}

static int refused(const char *bytes, size_t n)
{
    uint8_t *q = malloc(n ? n : 1);
    memcpy(q, bytes, n);
    pb_reader r = recur__pb_reader(q, n);
    pb_field f;
    int k;
    while ((k = recur__pb_next(&r, &f)) > 0)
        ;
    free(q);
    return k < 0;
}

static void malformed_is_refused(void)
{
    CHECK(!refused("", 0));
    CHECK(refused("\x08", 1));                 /* varint field without its value */
    CHECK(refused("\x08\x80", 2));             /* truncated varint */
    CHECK(refused("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12)); /* 11 bytes */
    CHECK(refused("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 11)); /* > 64 bits */
    CHECK(!refused("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11)); /* 2^64-1 */
    CHECK(refused("\x12\x05" "abcd", 6));      /* length past the end */
    CHECK(refused("\x12\xff\xff\xff\xff\x0f", 6)); /* a 4 GiB length */
    CHECK(refused("\x0b", 1));                 /* start group */
    CHECK(refused("\x0c", 1));                 /* end group */
    CHECK(refused("\x0e", 1));                 /* wire type 6 */
    CHECK(refused("\x00\x01", 2));             /* field number 0 */
    CHECK(refused("\x0d\x01\x02\x03", 4));     /* fixed32 cut short */
    CHECK(refused("\x09\x01\x02\x03\x04\x05\x06\x07", 8)); /* fixed64 cut short */
    CHECK(!refused("\x0d\x01\x02\x03\x04", 5));
    uint64_t v;
    const uint8_t *p = NULL;
    pb_reader r = recur__pb_reader(NULL, 0); /* an empty message */
    pb_field f;
    CHECK(recur__pb_next(&r, &f) == 0);
    CHECK(recur__pb_varint(&p, NULL, &v) == 0);
}

TEST_MAIN("test_protobuf", TL_CASE(round_trip), TL_CASE(malformed_is_refused))
