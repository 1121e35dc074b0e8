/* test_safetensors.c - the strict JSON parser and the safetensors reader and
 * writer: round trips, dtype conversion, malformed input, atomic saves. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* mkdtemp, ftruncate, setrlimit */
#endif
#include "core/error.h"
#include "io/json.h"
#include "core/real.h"
#include "io/safetensors.h"
#include "testlib.h"

#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ----------------------------------------------------------- */

static void make_dir(char dir[64])
{
    strcpy(dir, "/tmp/recur-test-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(2);
    }
}

static int count_entries(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d)
        return -1;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

/* Remove dir and the plain files and empty directories directly in it. */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];
    if (!d)
        return;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path) != 0)
            rmdir(path);
    }
    closedir(d);
    rmdir(dir);
}

static int write_bytes(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(p, 1, n, f);
    return (fclose(f) == 0 && w == n) ? 0 : -1;
}

/* Whole file into a malloc'd buffer (NULL on failure). */
static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long sz;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)sz + 1)) &&
        fread(buf, 1, (size_t)sz, f) == (size_t)sz) {
        *n = (size_t)sz;
    } else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++, v >>= 8)
        p[i] = (unsigned char)(v & 0xFF);
}

/* A safetensors image: length prefix, header text, then data. */
static unsigned char *image(const char *header, const void *data, size_t dlen,
                            size_t *len)
{
    size_t h = strlen(header);
    unsigned char *b = malloc(8 + h + dlen + 1);
    if (!b)
        exit(2);
    put_u64(b, h);
    memcpy(b + 8, header, h);
    if (dlen)
        memcpy(b + 8 + h, data, dlen);
    *len = 8 + h + dlen;
    return b;
}

/* recur__st_parse status of header + dlen zero bytes of data. */
static int parse_code(const char *header, size_t dlen)
{
    unsigned char *zeros = calloc(dlen + 1, 1);
    size_t len;
    unsigned char *b = image(header, zeros, dlen, &len);
    st_file *f = NULL;
    int rc = recur__st_parse(b, len, "bad.safetensors", &f);
    if (rc == RECUR_OK)
        CHECK(f != NULL);
    else
        CHECK(f == NULL);
    recur__st_free(f);
    free(b);
    free(zeros);
    return rc;
}

static int json_code(const char *text, size_t len)
{
    json_value *v = NULL;
    int rc = recur__json_parse(text, len, &v);
    if (rc != RECUR_OK)
        CHECK(v == NULL);
    recur__json_free(v);
    return rc;
}

#define JSON_REJECTS(s) CHECK_MSG(json_code(s, sizeof(s) - 1) == RECUR_E_FORMAT, \
                                  "JSON accepted: %s", s)

/* ---- JSON -------------------------------------------------------------- */

static void test_json_values(void)
{
    const char *t = " {\"b\": [1, -2.5e1, true, false, null],\n"
                    "  \"a\": \"x\\u00e9\\ud83d\\ude00\\n\\\"\\\\\\/\", \"c\": {}} ";
    json_value *v = NULL;
    int64_t i;

    CHECK(recur__json_parse(t, strlen(t), &v) == RECUR_OK);
    CHECK(recur__json_type_of(v) == JSON_OBJECT);
    CHECK(recur__json_object_size(v) == 3);
    CHECK(!strcmp(recur__json_object_key_at(v, 0), "b")); /* text order kept */
    CHECK(!strcmp(recur__json_object_key_at(v, 1), "a"));
    CHECK(!strcmp(recur__json_object_key_at(v, 2), "c"));
    const json_value *b = recur__json_object_get(v, "b");
    CHECK(recur__json_array_size(b) == 5);
    CHECK(recur__json_is_int64(recur__json_array_at(b, 0), &i) && i == 1);
    CHECK(!recur__json_is_int64(recur__json_array_at(b, 1), NULL));
    CHECK(recur__json_number(recur__json_array_at(b, 1)) == -25.0);
    CHECK(recur__json_type_of(recur__json_array_at(b, 2)) == JSON_BOOL && recur__json_bool(recur__json_array_at(b, 2)));
    CHECK(!recur__json_bool(recur__json_array_at(b, 3)));
    CHECK(recur__json_type_of(recur__json_array_at(b, 4)) == JSON_NULL);
    CHECK(recur__json_array_at(b, 5) == NULL);
    const char *a = recur__json_string(recur__json_object_get(v, "a"));
    CHECK(a && !strcmp(a, "x\xC3\xA9\xF0\x9F\x98\x80\n\"\\/"));
    CHECK(recur__json_string_len(recur__json_object_get(v, "a")) == strlen(a));
    CHECK(recur__json_object_size(recur__json_object_get(v, "c")) == 0);
    CHECK(recur__json_object_get(v, "zz") == NULL);
    CHECK(recur__json_object_get(recur__json_object_get(v, "zz"), "x") == NULL); /* chains */
    recur__json_free(v);
}

static void test_json_numbers(void)
{
    static const struct {
        const char *text;
        int is_int;
        int64_t i;
        double d;
    } cases[] = {
        {"0", 1, 0, 0.0},
        {"-0", 1, 0, -0.0},
        {"9223372036854775807", 1, INT64_MAX, 9223372036854775807.0},
        {"-9223372036854775808", 1, INT64_MIN, -9223372036854775808.0},
        {"9223372036854775808", 0, 0, 9223372036854775808.0},
        {"9007199254740993", 1, 9007199254740993LL, 9007199254740992.0},
        {"1.0", 0, 0, 1.0},
        {"1e3", 0, 0, 1000.0},
        {"2.5E-3", 0, 0, 0.0025},
        {"1e-400", 0, 0, 0.0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        json_value *v = NULL;
        int64_t i = 42;
        CHECK(recur__json_parse(cases[k].text, strlen(cases[k].text), &v) == RECUR_OK);
        CHECK_MSG(recur__json_is_int64(v, &i) == cases[k].is_int, "%s", cases[k].text);
        if (cases[k].is_int)
            CHECK(i == cases[k].i);
        CHECK(recur__json_number(v) == cases[k].d);
        recur__json_free(v);
    }
    JSON_REJECTS("1e400");
    JSON_REJECTS("-1e999");
}

static void test_json_rejects(void)
{
    JSON_REJECTS("");
    JSON_REJECTS("   ");
    JSON_REJECTS("[1,]");
    JSON_REJECTS("{\"a\":1,}");
    JSON_REJECTS("[1 2]");
    JSON_REJECTS("{\"a\" 1}");
    JSON_REJECTS("{a:1}");
    JSON_REJECTS("01");
    JSON_REJECTS("-");
    JSON_REJECTS("1.");
    JSON_REJECTS(".5");
    JSON_REJECTS("+1");
    JSON_REJECTS("1e");
    JSON_REJECTS("NaN");
    JSON_REJECTS("Infinity");
    JSON_REJECTS("tru");
    JSON_REJECTS("nul");
    JSON_REJECTS("[1] x");
    JSON_REJECTS("{} {}");
    JSON_REJECTS("\xEF\xBB\xBF{}");       /* BOM */
    JSON_REJECTS("[1] // comment");
    JSON_REJECTS("\"abc");               /* unterminated */
    JSON_REJECTS("\"a\\\"");              /* escaped quote, unterminated */
    JSON_REJECTS("\"\\x\"");             /* bad escape */
    JSON_REJECTS("\"\\u12\"");           /* short \u */
    JSON_REJECTS("\"\\u12G4\"");
    JSON_REJECTS("\"\\u0000\"");         /* embedded NUL */
    JSON_REJECTS("\"\\ud800\"");         /* lone high surrogate */
    JSON_REJECTS("\"\\ud800x\"");
    JSON_REJECTS("\"\\ud800\\u0041\"");
    JSON_REJECTS("\"\\udc00\"");         /* lone low surrogate */
    JSON_REJECTS("\"a\tb\"");            /* raw control character */
    JSON_REJECTS("\"\x7f\x01\"");
    JSON_REJECTS("\"\xC0\x80\"");        /* overlong NUL */
    JSON_REJECTS("\"\xE0\x80\xAF\"");    /* overlong '/' */
    JSON_REJECTS("\"\xED\xA0\x80\"");    /* UTF-8 encoded surrogate */
    JSON_REJECTS("\"\xF4\x90\x80\x80\""); /* above U+10FFFF */
    JSON_REJECTS("\"\x80\"");            /* stray continuation */
    JSON_REJECTS("\"\xC3\"");            /* truncated sequence */
    JSON_REJECTS("\"\xFF\"");
    JSON_REJECTS("{\"a\":1,\"b\":2,\"a\":3}"); /* duplicate key */
    CHECK(json_code("[1]\0", 4) == RECUR_E_FORMAT); /* NUL after the value */
    CHECK(json_code("\"a\0b\"", 5) == RECUR_E_FORMAT); /* raw NUL in string */

    /* The message names the byte offset. */
    CHECK(json_code("[1, 2,, 3]", 10) == RECUR_E_FORMAT);
    CHECK_MSG(strstr(recur_last_error(), "at byte 6") != NULL, "%s",
              recur_last_error());
    CHECK(json_code("{\"k\":1,\"k\":2}", 13) == RECUR_E_FORMAT);
    CHECK_MSG(strstr(recur_last_error(), "duplicate key 'k' at byte 7") != NULL,
              "%s", recur_last_error());
}

static void test_json_depth(void)
{
    char text[2 * (JSON_MAX_DEPTH + 1) + 1];
    for (int depth = JSON_MAX_DEPTH; depth <= JSON_MAX_DEPTH + 1; depth++) {
        int n = 0;
        for (int i = 0; i < depth; i++)
            text[n++] = '[';
        for (int i = 0; i < depth; i++)
            text[n++] = ']';
        text[n] = '\0';
        int rc = json_code(text, (size_t)n);
        CHECK(rc == (depth <= JSON_MAX_DEPTH ? RECUR_OK : RECUR_E_FORMAT));
    }
    /* Far too deep, mixing objects and arrays, unterminated. */
    char deep[4000];
    size_t n = 0;
    while (n + 6 < sizeof deep) {
        memcpy(deep + n, "{\"a\":[", 6);
        n += 6;
    }
    CHECK(json_code(deep, n) == RECUR_E_FORMAT);
}

static void test_json_write(void)
{
    const char *s = "q\"b\\n\nt\tc\x01\x1f del\x7f \xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
    json_buf b = {0};
    json_value *v = NULL;

    CHECK(recur__json_buf_puts(&b, "[") == RECUR_OK);
    CHECK(recur__json_write_string(&b, s) == RECUR_OK);
    CHECK(recur__json_buf_printf(&b, ",%d]", 7) == RECUR_OK);
    CHECK(strstr(b.data, "\\u0001") && strstr(b.data, "\\u001F"));
    CHECK(recur__json_parse(b.data, b.len, &v) == RECUR_OK);
    CHECK(!strcmp(recur__json_string(recur__json_array_at(v, 0)), s));
    recur__json_free(v);

    size_t before = b.len;
    CHECK(recur__json_write_string(&b, "bad \xC0\x80") == RECUR_E_INVALID);
    CHECK(b.len == before && b.data[before] == '\0');
    recur__json_buf_free(&b);
    CHECK(b.data == NULL && b.len == 0);

    char ex[12];
    recur__json_excerpt(ex, sizeof ex, "a\nb");
    CHECK(!strcmp(ex, "a?b"));
    recur__json_excerpt(ex, sizeof ex, "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9");
    CHECK(!strcmp(ex, "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9..."));
}

/* ---- safetensors: round trip ------------------------------------------- */

static const char *tricky_key = "ke\"y\\\n\xC3\xA9";
static const char *tricky_val = "v\"al\\ue\n\t\xE2\x82\xAC \xF0\x9F\x98\x80";

static void test_roundtrip(void)
{
    char dir[64], path[128];
    real w[6] = {0.5f, -1.25f, 3.0f, 1e-3f, -0.0f, 123456.75f};
    real bias[3] = {1, 2, 3};
    real scalar[1] = {-7.5f};
    int64_t sw[2] = {2, 3}, sb[1] = {3}, se[2] = {0, 4};
    st_file *f = NULL;

    make_dir(dir);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    st_writer *wr = recur__st_writer_new();
    CHECK(wr != NULL);
    CHECK(recur__st_writer_meta(wr, "format", "pt") == RECUR_OK);
    CHECK(recur__st_writer_meta(wr, tricky_key, tricky_val) == RECUR_OK);
    CHECK(recur__st_writer_add(wr, "rnn.weight_ih_l0", 2, sw, w) == RECUR_OK);
    CHECK(recur__st_writer_add(wr, "rnn.bias", 1, sb, bias) == RECUR_OK);
    CHECK(recur__st_writer_add(wr, "scalar", 0, NULL, scalar) == RECUR_OK);
    CHECK(recur__st_writer_add(wr, "empty", 2, se, NULL) == RECUR_OK);
    CHECK(recur__st_writer_add(wr, "\xC3\xBCnicode \"name\"", 1, sb, bias) == RECUR_OK);
    CHECK(recur__st_writer_save(wr, path) == RECUR_OK);
    recur__st_writer_free(wr);
    CHECK(count_entries(dir) == 1); /* no temporary left behind */

    int rc = recur__st_read(path, &f);
    CHECK_MSG(rc == RECUR_OK, "%s", recur_last_error());
    if (!f) {
        remove_dir(dir);
        return;
    }
    CHECK(recur__st_count(f) == 5);
    const char *order[] = {"rnn.weight_ih_l0", "rnn.bias", "scalar", "empty",
                           "\xC3\xBCnicode \"name\""};
    for (size_t i = 0; i < 5; i++)
        CHECK(!strcmp(recur__st_at(f, i)->name, order[i]));
    CHECK(recur__st_at(f, 5) == NULL);

    const st_tensor *t = recur__st_find(f, "rnn.weight_ih_l0");
    CHECK(t && t->dtype == ST_F32 && t->ndim == 2 && t->shape[0] == 2 &&
          t->shape[1] == 3 && t->numel == 6 && t->nbytes == 24);
    real got[6];
    CHECK(recur__st_read_real(t, got, 6) == RECUR_OK);
    for (int i = 0; i < 6; i++)
        CHECK(got[i] == (real)(float)w[i]);
    CHECK(recur__st_read_real(t, got, 5) == RECUR_E_MISMATCH);

    t = recur__st_find(f, "scalar");
    CHECK(t && t->ndim == 0 && t->numel == 1);
    CHECK(recur__st_read_real(t, got, 1) == RECUR_OK && got[0] == (real)-7.5);
    t = recur__st_find(f, "empty");
    CHECK(t && t->numel == 0 && t->nbytes == 0 && t->shape[1] == 4);
    CHECK(recur__st_read_real(t, NULL, 0) == RECUR_OK);
    CHECK(recur__st_find(f, "nope") == NULL);

    /* Metadata: order, lookup and the tricky characters. */
    CHECK(recur__st_meta_count(f) == 2);
    CHECK(!strcmp(recur__st_meta_key_at(f, 0), "format"));
    CHECK(!strcmp(recur__st_meta(f, "format"), "pt"));
    CHECK(recur__st_meta(f, tricky_key) && !strcmp(recur__st_meta(f, tricky_key), tricky_val));
    CHECK(!strcmp(recur__st_meta_value_at(f, 1), tricky_val));
    CHECK(recur__st_meta(f, "absent") == NULL && recur__st_meta_key_at(f, 2) == NULL);

    /* recur__st_expect: success, wrong shape, missing. */
    const st_tensor *e = NULL;
    CHECK(recur__st_expect(f, "rnn.bias", 1, sb, &e) == RECUR_OK && e &&
          !strcmp(e->name, "rnn.bias"));
    int64_t want[2] = {2, 4};
    CHECK(recur__st_expect(f, "rnn.weight_ih_l0", 2, want, &e) == RECUR_E_MISMATCH && !e);
    CHECK_MSG(strstr(recur_last_error(),
                     "model.safetensors: tensor 'rnn.weight_ih_l0' has shape "
                     "[2, 3], expected [2, 4]") != NULL,
              "%s", recur_last_error());
    CHECK(recur__st_expect(f, "rnn.weight_hh_l0", 2, want, NULL) == RECUR_E_MISMATCH);
    CHECK_MSG(strstr(recur_last_error(), "missing tensor 'rnn.weight_hh_l0'"),
              "%s", recur_last_error());
    CHECK(recur__st_expect(f, "rnn.bias", 2, want, NULL) == RECUR_E_MISMATCH);
    recur__st_free(f);

    /* Layout: header padded so the data region is 8-byte aligned, and the
     * data region is exactly the tensors back to back. */
    size_t n = 0;
    unsigned char *raw = slurp(path, &n);
    CHECK(raw != NULL);
    if (raw) {
        uint64_t h = 0;
        for (int i = 7; i >= 0; i--)
            h = (h << 8) | raw[i];
        CHECK((8 + h) % 8 == 0);
        CHECK(n == 8 + h + 24 + 12 + 4 + 0 + 12);
        CHECK(raw[8] == '{' && raw[8 + h - 1] != '\0');
        free(raw);
    }
    remove_dir(dir);
}

static void test_f64_writer(void)
{
    char dir[64], path[128];
    /* The last two lie just below and at the point where rounding to float
     * overflows to infinity. */
    double d[5] = {0.1, -1e300, 1.0 / 3.0, -0x1.fffffe8p127, 0x1.ffffffp127};
    int64_t s[1] = {5};
    st_file *f = NULL;

    make_dir(dir);
    snprintf(path, sizeof path, "%s/d.safetensors", dir);
    st_writer *w = recur__st_writer_new();
    CHECK(recur__st_writer_add_f64(w, "d", 1, s, d) == RECUR_OK);
    CHECK(recur__st_writer_save(w, path) == RECUR_OK);
    recur__st_writer_free(w);
    CHECK(recur__st_read(path, &f) == RECUR_OK);
    const st_tensor *t = recur__st_find(f, "d");
    CHECK(t && t->dtype == ST_F64 && t->nbytes == 40);
    real got[5];
    CHECK(t && recur__st_read_real(t, got, 5) == RECUR_OK);
#ifdef RECUR_REAL_DOUBLE
    for (int i = 0; i < 5; i++)
        CHECK(got[i] == d[i]);
#else
    CHECK(got[0] == 0.1f && isinf(got[1]) && got[1] < 0 && got[2] == 1.0f / 3.0f);
    CHECK(got[3] == -FLT_MAX && isinf(got[4]) && got[4] > 0);
#endif
    recur__st_free(f);
    remove_dir(dir);
}

/* ---- dtype conversion from hand-made bytes ----------------------------- */

static void test_dtypes(void)
{
    static const unsigned char data[] = {
        /* F16 [0,10): 1, -2, 65504, 2^-24, +inf */
        0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00, 0x00, 0x7C,
        /* BF16 [10,16): 1, -0.5, 3.140625 */
        0x80, 0x3F, 0x00, 0xBF, 0x49, 0x40,
        /* F64 [16,32): 0.1, -2.5 */
        0x9A, 0x99, 0x99, 0x99, 0x99, 0x99, 0xB9, 0x3F,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0xC0,
        /* I64 [32,48): -5, 2^40 */
        0xFB, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
        /* I32 [48,56): -3, 70000 */
        0xFD, 0xFF, 0xFF, 0xFF, 0x70, 0x11, 0x01, 0x00,
        /* I16 [56,60): -300, 300 */
        0xD4, 0xFE, 0x2C, 0x01,
        /* U8 [60,62): 0, 255 ; I8 [62,64): -128, 127 */
        0x00, 0xFF, 0x80, 0x7F,
        /* U16 [64,66): 65535 ; U32 [66,70): 4000000000 */
        0xFF, 0xFF, 0x00, 0x28, 0x6B, 0xEE,
        /* BOOL [70,72): 1, 0 ; F8_E4M3 [72,75): 1, 448, -0.015625 ;
         * F8_E5M2 [75,77): 1, -57344 */
        0x01, 0x00, 0x38, 0x7E, 0x88, 0x3C, 0xFB,
        /* F32 [77,81): 1.5, unaligned */
        0x00, 0x00, 0xC0, 0x3F,
        /* U64 [81,89): 2^53 + 2 ; BOOL [89,90): 2 (invalid value) */
        0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x02,
    };
    const char *hdr =
        "{\"h\":{\"dtype\":\"F16\",\"shape\":[5],\"data_offsets\":[0,10]},"
        "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[10,16]},"
        "\"d\":{\"dtype\":\"F64\",\"shape\":[2,1],\"data_offsets\":[16,32]},"
        "\"l\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[32,48]},"
        "\"i\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[48,56]},"
        "\"s\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[56,60]},"
        "\"u8\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[60,62]},"
        "\"i8\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[62,64]},"
        "\"u16\":{\"dtype\":\"U16\",\"shape\":[1],\"data_offsets\":[64,66]},"
        "\"u32\":{\"dtype\":\"U32\",\"shape\":[],\"data_offsets\":[66,70]},"
        "\"bo\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[70,72]},"
        "\"e4\":{\"dtype\":\"F8_E4M3\",\"shape\":[3],\"data_offsets\":[72,75]},"
        "\"e5\":{\"dtype\":\"F8_E5M2\",\"shape\":[2],\"data_offsets\":[75,77]},"
        "\"f\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[77,81]},"
        "\"u64\":{\"dtype\":\"U64\",\"shape\":[1],\"data_offsets\":[81,89]},"
        "\"bad\":{\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[89,90]}}";
    size_t len;
    unsigned char *img = image(hdr, data, sizeof data, &len);
    st_file *f = NULL;
    real v[5];

    CHECK_MSG(recur__st_parse(img, len, "dtypes", &f) == RECUR_OK, "%s",
              recur_last_error());
    free(img); /* recur__st_parse took a copy */
    if (!f)
        return;
#define GET(name, n) CHECK(recur__st_read_real(recur__st_find(f, name), v, n) == RECUR_OK)
    GET("h", 5);
    CHECK(v[0] == 1 && v[1] == -2 && v[2] == 65504 &&
          v[3] == (real)ldexp(1, -24) && isinf(v[4]) && v[4] > 0);
    GET("b", 3);
    CHECK(v[0] == 1 && v[1] == (real)-0.5 && v[2] == (real)3.140625);
    GET("d", 2);
    CHECK(v[0] == (real)0.1 && v[1] == (real)-2.5);
    GET("l", 2);
    CHECK(v[0] == -5 && v[1] == (real)1099511627776.0);
    GET("i", 2);
    CHECK(v[0] == -3 && v[1] == 70000);
    GET("s", 2);
    CHECK(v[0] == -300 && v[1] == 300);
    GET("u8", 2);
    CHECK(v[0] == 0 && v[1] == 255);
    GET("i8", 2);
    CHECK(v[0] == -128 && v[1] == 127);
    GET("u16", 1);
    CHECK(v[0] == 65535);
    GET("u32", 1);
    CHECK(v[0] == (real)4000000000.0);
    GET("bo", 2);
    CHECK(v[0] == 1 && v[1] == 0);
    GET("e4", 3);
    CHECK(v[0] == 1 && v[1] == 448 && v[2] == (real)-0.015625);
    GET("e5", 2);
    CHECK(v[0] == 1 && v[1] == -57344);
    GET("f", 1);
    CHECK(v[0] == (real)1.5);
    GET("u64", 1);
    CHECK(v[0] == (real)9007199254740994.0);
#undef GET
    CHECK(recur__st_read_real(recur__st_find(f, "bad"), v, 1) == RECUR_E_FORMAT);
    CHECK(recur__st_find(f, "d")->ndim == 2 && recur__st_find(f, "u32")->ndim == 0);
    CHECK(recur__st_dtype_size(ST_BF16) == 2 && !strcmp(recur__st_dtype_name(ST_F8_E4M3), "F8_E4M3"));
    CHECK(recur__st_dtype_name(ST_DTYPE_COUNT) == NULL && recur__st_dtype_size(-1) == 0);
    recur__st_free(f);
}

/* ---- malformed input --------------------------------------------------- */

#define T1(dtype, shape, offsets)                                              \
    "{\"t\":{\"dtype\":\"" dtype "\",\"shape\":" shape                         \
    ",\"data_offsets\":" offsets "}}"

static void test_malformed_headers(void)
{
    static const struct {
        const char *what, *header;
        size_t dlen;
        int code;
    } cases[] = {
        {"valid control", T1("F32", "[2,2]", "[0,16]"), 16, RECUR_OK},
        {"valid with gap", T1("F32", "[2]", "[8,16]"), 16, RECUR_OK},
        {"not JSON", "{not json}", 0, RECUR_E_FORMAT},
        {"garbage after JSON", "{}xyz", 0, RECUR_E_FORMAT},
        {"second object", "{} {}", 0, RECUR_E_FORMAT},
        {"not an object", "[]", 0, RECUR_E_FORMAT},
        {"leading space", " {}", 0, RECUR_E_FORMAT},
        {"unknown dtype", T1("F4", "[2]", "[0,1]"), 1, RECUR_E_FORMAT},
        {"lowercase dtype", T1("f32", "[2]", "[0,8]"), 8, RECUR_E_FORMAT},
        {"size mismatch", T1("F32", "[2,3]", "[0,20]"), 24, RECUR_E_FORMAT},
        {"offsets past data", T1("F32", "[2]", "[0,8]"), 4, RECUR_E_FORMAT},
        {"offsets reversed", T1("U8", "[0]", "[8,4]"), 8, RECUR_E_FORMAT},
        {"negative offset", T1("U8", "[1]", "[-1,0]"), 8, RECUR_E_FORMAT},
        {"one offset", T1("U8", "[1]", "[0]"), 8, RECUR_E_FORMAT},
        {"fractional offset", T1("U8", "[1]", "[0,1.0]"), 8, RECUR_E_FORMAT},
        {"negative dim", T1("F32", "[-1,2]", "[0,0]"), 8, RECUR_E_FORMAT},
        {"fractional dim", T1("F32", "[1.5]", "[0,4]"), 8, RECUR_E_FORMAT},
        {"string dim", T1("F32", "[\"2\"]", "[0,8]"), 8, RECUR_E_FORMAT},
        {"numel overflow", T1("F32", "[4294967296,4294967296,4]", "[0,0]"), 0,
         RECUR_E_FORMAT},
        {"numel just over", T1("U8", "[3037000500,3037000500]", "[0,0]"), 0,
         RECUR_E_FORMAT},
        {"bytes overflow", T1("F64", "[4611686018427387904]", "[0,0]"), 0,
         RECUR_E_FORMAT},
        {"dim beyond int64", T1("U8", "[18446744073709551616]", "[0,0]"), 0,
         RECUR_E_FORMAT},
        {"9 dims", T1("U8", "[1,1,1,1,1,1,1,1,1]", "[0,1]"), 1, RECUR_E_FORMAT},
        {"8 dims ok", T1("U8", "[1,1,1,1,1,1,1,2]", "[0,2]"), 2, RECUR_OK},
        {"zero dim beside huge", T1("F32", "[0,9223372036854775807]", "[0,0]"),
         0, RECUR_OK},
        {"missing dtype", "{\"t\":{\"shape\":[1],\"data_offsets\":[0,1]}}", 1,
         RECUR_E_FORMAT},
        {"missing shape", "{\"t\":{\"dtype\":\"U8\",\"data_offsets\":[0,1]}}", 1,
         RECUR_E_FORMAT},
        {"missing offsets", "{\"t\":{\"dtype\":\"U8\",\"shape\":[1]}}", 1,
         RECUR_E_FORMAT},
        {"extra field",
         "{\"t\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"x\":1}}",
         1, RECUR_E_FORMAT},
        {"entry not object", "{\"t\":[1]}", 0, RECUR_E_FORMAT},
        {"empty name", "{\"\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}",
         1, RECUR_E_FORMAT},
        {"overlap",
         "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
         "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}",
         20, RECUR_E_FORMAT},
        {"same range",
         "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
         "\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]}}",
         4, RECUR_E_FORMAT},
        {"empty inside another",
         "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
         "\"b\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[2,2]}}",
         4, RECUR_OK},
        {"duplicate tensor",
         "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
         "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}",
         2, RECUR_E_FORMAT},
        {"metadata ok", "{\"__metadata__\":{\"a\":\"b\"}}", 0, RECUR_OK},
        {"metadata number", "{\"__metadata__\":{\"epoch\":3}}", 0, RECUR_E_FORMAT},
        {"metadata null", "{\"__metadata__\":{\"a\":null}}", 0, RECUR_E_FORMAT},
        {"metadata array", "{\"__metadata__\":[\"a\"]}", 0, RECUR_E_FORMAT},
        {"duplicate metadata key", "{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}}",
         0, RECUR_E_FORMAT},
        {"two metadata", "{\"__metadata__\":{},\"__metadata__\":{}}", 0,
         RECUR_E_FORMAT},
        {"bad UTF-8 name",
         "{\"\xFF\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1,
         RECUR_E_FORMAT},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int rc = parse_code(cases[k].header, cases[k].dlen);
        CHECK_MSG(rc == cases[k].code, "%s: got %d, expected %d (%s)",
                  cases[k].what, rc, cases[k].code, recur_last_error());
    }
    /* NUL padding after the JSON (only spaces are allowed). */
    unsigned char nul[8 + 4] = {4, 0, 0, 0, 0, 0, 0, 0, '{', '}', 0, 0};
    st_file *f = NULL;
    CHECK(recur__st_parse(nul, sizeof nul, NULL, &f) == RECUR_E_FORMAT && !f);
    /* Space padding is allowed. */
    CHECK(parse_code("{}      ", 0) == RECUR_OK);

    /* Deeply nested JSON inside the header. */
    char deep[1000];
    size_t n = 0;
    n += (size_t)sprintf(deep, "{\"__metadata__\":{\"a\":\"b\"},\"x\":");
    for (int i = 0; i < 100; i++)
        deep[n++] = '[';
    for (int i = 0; i < 100; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    deep[n] = '\0';
    CHECK(parse_code(deep, 0) == RECUR_E_FORMAT);
    CHECK(strstr(recur_last_error(), "bad.safetensors: header is not valid JSON"));
}

static void test_malformed_prefix(void)
{
    st_file *f = NULL;
    unsigned char b[16] = {0};

    /* Truncated: fewer than 8 bytes. */
    for (size_t n = 0; n < 8; n++)
        CHECK(recur__st_parse(b, n, "short", &f) == RECUR_E_FORMAT && !f);
    CHECK(recur__st_parse(NULL, 0, "empty", &f) == RECUR_E_FORMAT && !f);
    /* Header length beyond the file, including absurd lengths. */
    put_u64(b, 9);
    memcpy(b + 8, "{}      ", 8);
    CHECK(recur__st_parse(b, 16, "long", &f) == RECUR_E_FORMAT && !f);
    CHECK_MSG(strstr(recur_last_error(), "long: header length 9 exceeds the 8 bytes"),
              "%s", recur_last_error());
    put_u64(b, UINT64_MAX);
    CHECK(recur__st_parse(b, 16, "huge", &f) == RECUR_E_FORMAT);
    put_u64(b, 0);
    CHECK(recur__st_parse(b, 16, "zero", &f) == RECUR_E_FORMAT);
    /* The message names the file and the problem. */
    CHECK(parse_code(T1("F32", "[25]", "[0,100]"), 64) == RECUR_E_FORMAT);
    CHECK_MSG(!strcmp(recur_last_error(),
                      "bad.safetensors: tensor 't' data_offsets [0, 100] exceed "
                      "the data region (64 bytes)"),
              "%s", recur_last_error());
    CHECK(parse_code(T1("F32", "[2,3]", "[0,20]"), 24) == RECUR_E_FORMAT);
    CHECK_MSG(strstr(recur_last_error(), "tensor 't' is F32 [2, 3] (24 bytes) but "
                                         "data_offsets [0, 20] span 20 bytes"),
              "%s", recur_last_error());
}

/* Every truncation and many single-byte corruptions of a valid file must
 * be refused or accepted cleanly (the sanitizers watch for the rest). */
static void test_corruptions(void)
{
    static const unsigned char data[24] = {1, 2, 3};
    const char *hdr = "{\"__metadata__\":{\"k\":\"v\"},"
                      "\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                      "\"b\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[16,24]}}";
    size_t len;
    unsigned char *img = image(hdr, data, sizeof data, &len);
    st_file *f = NULL;
    int ok = 0;

    for (size_t n = 0; n < len; n++) {
        CHECK(recur__st_parse(img, n, "cut", &f) != RECUR_OK && !f);
    }
    CHECK(recur__st_parse(img, len, "whole", &f) == RECUR_OK);
    recur__st_free(f);
    static const unsigned char subst[] = {0, '"', '[', ']', '{', '}', ',', ':',
                                          '9', '-', 0x80, 0xFF, ' '};
    for (size_t pos = 0; pos < len - sizeof data; pos++) {
        for (size_t s = 0; s < sizeof subst; s++) {
            unsigned char keep = img[pos];
            img[pos] = subst[s];
            f = NULL;
            int rc = recur__st_parse(img, len, "mut", &f);
            CHECK(rc == RECUR_OK || rc == RECUR_E_FORMAT || rc == RECUR_E_LIMIT);
            CHECK((rc == RECUR_OK) == (f != NULL));
            ok += rc == RECUR_OK;
            recur__st_free(f);
            img[pos] = keep;
        }
    }
    CHECK(ok > 0); /* e.g. a space for a space */
    free(img);
}

static void test_read_errors(void)
{
    char dir[64], path[128];
    st_file *f = NULL;

    make_dir(dir);
    snprintf(path, sizeof path, "%s/missing.safetensors", dir);
    CHECK(recur__st_read(path, &f) == RECUR_E_IO && !f);
    CHECK(strstr(recur_last_error(), "missing.safetensors: cannot open"));
    CHECK(recur__st_read(dir, &f) == RECUR_E_IO && !f); /* a directory */
    CHECK(strstr(recur_last_error(), "not a regular file"));

    snprintf(path, sizeof path, "%s/short.safetensors", dir);
    CHECK(write_bytes(path, "\x02\0\0", 3) == 0);
    CHECK(recur__st_read(path, &f) == RECUR_E_FORMAT && !f);
    CHECK(strstr(recur_last_error(), "short.safetensors: file is 3 bytes"));

    /* Over the whole-file limit: refused from the size alone (sparse file,
     * never allocated). */
    snprintf(path, sizeof path, "%s/big.safetensors", dir);
    FILE *fp = fopen(path, "wb");
    CHECK(fp && ftruncate(fileno(fp), (off_t)(ST_MAX_FILE_SIZE + 1)) == 0);
    if (fp)
        fclose(fp);
    CHECK(recur__st_read(path, &f) == RECUR_E_LIMIT && !f);
    unlink(path);

    /* A header over the limit in a file that really holds it. */
    size_t hl = (size_t)ST_MAX_HEADER_SIZE + 8;
    fp = fopen(path, "wb");
    unsigned char pre[8];
    put_u64(pre, hl);
    CHECK(fp && fwrite(pre, 1, 8, fp) == 8 && fputc('{', fp) == '{' &&
          ftruncate(fileno(fp), (off_t)(8 + hl)) == 0);
    if (fp)
        fclose(fp);
    CHECK(recur__st_read(path, &f) == RECUR_E_LIMIT && !f);
    CHECK_MSG(strstr(recur_last_error(), "exceeds the limit"), "%s",
              recur_last_error());
    unlink(path);
    remove_dir(dir);
}

/* ---- writer ------------------------------------------------------------ */

static void test_writer_rejects(void)
{
    st_writer *w = recur__st_writer_new();
    real x[4] = {0};
    int64_t s1[1] = {4}, neg[1] = {-1}, big[2] = {INT64_MAX, 2};
    int64_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 4};

    CHECK(recur__st_writer_add(w, "a", 1, s1, x) == RECUR_OK);
    CHECK(recur__st_writer_add(w, "a", 1, s1, x) == RECUR_E_INVALID);
    CHECK(recur__st_writer_add(w, "", 1, s1, x) == RECUR_E_INVALID);
    CHECK(recur__st_writer_add(w, "__metadata__", 1, s1, x) == RECUR_E_INVALID);
    CHECK(recur__st_writer_add(w, "\xC0\x80", 1, s1, x) == RECUR_E_INVALID);
    CHECK(recur__st_writer_add(w, NULL, 1, s1, x) == RECUR_E_INVALID);
    CHECK(recur__st_writer_add(w, "n", 9, nine, x) == RECUR_E_INVALID);
    CHECK(recur__st_writer_add(w, "n", -1, s1, x) == RECUR_E_INVALID);
    CHECK(recur__st_writer_add(w, "n", 1, NULL, x) == RECUR_E_INVALID);
    CHECK(recur__st_writer_add(w, "n", 1, neg, x) == RECUR_E_INVALID);
    CHECK(recur__st_writer_add(w, "n", 1, s1, NULL) == RECUR_E_INVALID);
    CHECK(recur__st_writer_add(w, "n", 2, big, x) == RECUR_E_LIMIT);
    CHECK(recur__st_writer_meta(w, "k", "v") == RECUR_OK);
    CHECK(recur__st_writer_meta(w, "k", "w") == RECUR_E_INVALID);
    CHECK(recur__st_writer_meta(w, "k2", "\xFF") == RECUR_E_INVALID);
    CHECK(recur__st_writer_meta(w, "k3", NULL) == RECUR_E_INVALID);
    CHECK(recur__st_writer_save(w, NULL) == RECUR_E_INVALID);
    CHECK(recur__st_writer_save(NULL, "x") == RECUR_E_INVALID);
    recur__st_writer_free(w);
    recur__st_writer_free(NULL);
    recur__st_free(NULL);
}

static int file_is(const char *path, const char *content)
{
    size_t n = 0;
    unsigned char *b = slurp(path, &n);
    int same = b && n == strlen(content) && !memcmp(b, content, n);
    free(b);
    return same;
}

static void test_atomic_save(void)
{
    char dir[64], path[512];
    real x[4] = {1, 2, 3, 4};
    int64_t s1[1] = {4};
    st_writer *w = recur__st_writer_new();
    CHECK(recur__st_writer_add(w, "x", 1, s1, x) == RECUR_OK);
    make_dir(dir);

    /* A directory that does not exist. */
    snprintf(path, sizeof path, "%s/no/such/dir/m.safetensors", dir);
    CHECK(recur__st_writer_save(w, path) == RECUR_E_IO);
    CHECK_MSG(strstr(recur_last_error(), "cannot create temporary file"), "%s",
              recur_last_error());

    /* An existing file whose temporary name would be too long: the save
     * fails before touching it. */
    int len = snprintf(path, sizeof path, "%s/", dir);
    memset(path + len, 'm', 250);
    path[len + 250] = '\0';
    CHECK(write_bytes(path, "precious", 8) == 0);
    CHECK(recur__st_writer_save(w, path) == RECUR_E_IO);
    CHECK(file_is(path, "precious"));
    unlink(path);

    /* The target is a directory: everything is written, the rename fails,
     * and the temporary file is removed. */
    snprintf(path, sizeof path, "%s/adir", dir);
    CHECK(mkdir(path, 0700) == 0);
    snprintf(path, sizeof path, "%s/adir/inside", dir);
    CHECK(write_bytes(path, "x", 1) == 0);
    snprintf(path, sizeof path, "%s/adir", dir);
    CHECK(recur__st_writer_save(w, path) == RECUR_E_IO);
    CHECK(count_entries(dir) == 1);
    snprintf(path, sizeof path, "%s/adir/inside", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/adir", dir);
    rmdir(path);

    /* A write failing midway (file size limit): existing file intact, no
     * temporary left. The limit is far above any log file's size. */
    snprintf(path, sizeof path, "%s/m.safetensors", dir);
    CHECK(write_bytes(path, "precious", 8) == 0);
    enum { BIG = 1 << 20 };
    real *big = calloc(BIG, sizeof *big);
    int64_t sb[1] = {BIG};
    st_writer *wb = recur__st_writer_new();
    CHECK(big && recur__st_writer_add(wb, "big", 1, sb, big) == RECUR_OK);
    struct rlimit old, lim;
    CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
#ifdef SIGXFSZ
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
#endif
    lim = old;
    lim.rlim_cur = 256 * 1024;
    if (old.rlim_cur == RLIM_INFINITY || old.rlim_cur > lim.rlim_cur) {
        CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
        CHECK(recur__st_writer_save(wb, path) == RECUR_E_IO);
        CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
        CHECK(file_is(path, "precious"));
        CHECK(count_entries(dir) == 1);
    }
#ifdef SIGXFSZ
    signal(SIGXFSZ, prev);
#endif
    /* Now it succeeds and replaces the file. */
    CHECK(recur__st_writer_save(wb, path) == RECUR_OK);
    CHECK(count_entries(dir) == 1);
    st_file *f = NULL;
    CHECK(recur__st_read(path, &f) == RECUR_OK && recur__st_count(f) == 1 &&
          recur__st_find(f, "big")->numel == BIG);
    recur__st_free(f);
    recur__st_writer_free(wb);
    free(big);

    /* A relative path in the current directory works too. */
    char cwd[512];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK(chdir(dir) == 0);
    CHECK(recur__st_writer_save(w, "rel.safetensors") == RECUR_OK);
    CHECK(recur__st_read("rel.safetensors", &f) == RECUR_OK);
    recur__st_free(f);
    CHECK(chdir(cwd) == 0);

    recur__st_writer_free(w);
    remove_dir(dir);
}

TEST_MAIN("test_safetensors", TL_CASE(test_json_values),
          TL_CASE(test_json_numbers), TL_CASE(test_json_rejects),
          TL_CASE(test_json_depth), TL_CASE(test_json_write),
          TL_CASE(test_roundtrip), TL_CASE(test_f64_writer),
          TL_CASE(test_dtypes), TL_CASE(test_malformed_headers),
          TL_CASE(test_malformed_prefix), TL_CASE(test_corruptions),
          TL_CASE(test_read_errors), TL_CASE(test_writer_rejects),
          TL_CASE(test_atomic_save))
