/* safetensors.c - validating safetensors reader and atomic writer.
 * See safetensors.h for the format and the guarantees. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* open, fstat, fsync, getpid */
#endif
#include "io/safetensors.h"

#include "core/error.h"
#include "core/utf8.h"
#include "io/file.h"
#include "io/json.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <float.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct st_file {
    unsigned char *buf; /* the whole file */
    size_t size;
    char *label;        /* file name for messages */
    json_value *header; /* owns the strings that names and metadata use */
    st_tensor *tensors; /* header order */
    size_t count;
    const st_tensor **by_name; /* sorted by name, for recur__st_find */
    const char **meta_keys, **meta_values;
    size_t nmeta;
};

static const struct {
    const char *name;
    size_t size;
} dtypes[ST_DTYPE_COUNT] = {
    [ST_BOOL] = {"BOOL", 1},       [ST_U8] = {"U8", 1},
    [ST_I8] = {"I8", 1},           [ST_U16] = {"U16", 2},
    [ST_I16] = {"I16", 2},         [ST_U32] = {"U32", 4},
    [ST_I32] = {"I32", 4},         [ST_U64] = {"U64", 8},
    [ST_I64] = {"I64", 8},         [ST_F16] = {"F16", 2},
    [ST_BF16] = {"BF16", 2},       [ST_F32] = {"F32", 4},
    [ST_F64] = {"F64", 8},         [ST_F8_E4M3] = {"F8_E4M3", 1},
    [ST_F8_E5M2] = {"F8_E5M2", 1},
};

const char *recur__st_dtype_name(int dtype)
{
    return dtype >= 0 && dtype < ST_DTYPE_COUNT ? dtypes[dtype].name : NULL;
}

size_t recur__st_dtype_size(int dtype)
{
    return dtype >= 0 && dtype < ST_DTYPE_COUNT ? dtypes[dtype].size : 0;
}

static int dtype_from_name(const char *s)
{
    for (int d = 0; d < ST_DTYPE_COUNT; d++)
        if (strcmp(s, dtypes[d].name) == 0)
            return d;
    return -1;
}

/* ---- messages ---------------------------------------------------------- */

/* recur__fail with "<label>: " in front. */
static int st_fail(int code, const char *label, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int st_fail(int code, const char *label, const char *fmt, ...)
{
    char msg[448];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return recur__fail(code, "%s: %s", label, msg);
}


/* "[64, 16]" */
typedef struct {
    char s[ST_MAX_DIMS * 22 + 4];
} shape_text;

static shape_text fmt_shape(int ndim, const int64_t *shape)
{
    shape_text r;
    size_t o = 0;
    r.s[o++] = '[';
    for (int i = 0; i < ndim && i < ST_MAX_DIMS; i++)
        o += (size_t)snprintf(r.s + o, sizeof r.s - o, "%s%" PRId64,
                              i ? ", " : "", shape[i]);
    snprintf(r.s + o, sizeof r.s - o, "]");
    return r;
}

/* ---- little-endian decoding -------------------------------------------- */

static uint64_t le_bytes(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void put_le(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++, v >>= 8)
        p[i] = (unsigned char)(v & 0xFF);
}

static float f32_from_bits(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static double f64_from_bits(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* IEEE binary16. */
static double f16_value(unsigned h)
{
    int sign = (h >> 15) & 1, e = (h >> 10) & 0x1F;
    unsigned m = h & 0x3FF;
    double v;
    if (e == 0)
        v = ldexp((double)m, -24); /* zero or subnormal */
    else if (e == 31)
        v = m ? NAN : INFINITY;
    else
        v = ldexp((double)(m | 0x400), e - 25);
    return sign ? -v : v;
}

/* float8 e4m3fn: bias 7, no infinities, only S.1111.111 is NaN. */
static double f8_e4m3_value(unsigned b)
{
    int sign = (b >> 7) & 1, e = (b >> 3) & 0xF;
    unsigned m = b & 7;
    double v;
    if (e == 0)
        v = ldexp((double)m, -9);
    else if (e == 15 && m == 7)
        v = NAN;
    else
        v = ldexp((double)(m | 8), e - 10);
    return sign ? -v : v;
}

/* One element of dtype at p, as a double (exact for every dtype except
 * 64-bit integers beyond 2^53, which round). */
static double element_value(int dtype, const unsigned char *p)
{
    switch (dtype) {
    case ST_BOOL:
    case ST_U8: return p[0];
    case ST_I8: return (int8_t)p[0];
    case ST_U16: return (double)le_bytes(p, 2);
    case ST_I16: return (int16_t)(uint16_t)le_bytes(p, 2);
    case ST_U32: return (double)le_bytes(p, 4);
    case ST_I32: return (int32_t)(uint32_t)le_bytes(p, 4);
    case ST_U64: return (double)le_bytes(p, 8);
    case ST_I64: return (double)(int64_t)le_bytes(p, 8);
    case ST_F16: return f16_value((unsigned)le_bytes(p, 2));
    case ST_BF16: return f32_from_bits((uint32_t)le_bytes(p, 2) << 16);
    case ST_F32: return f32_from_bits((uint32_t)le_bytes(p, 4));
    case ST_F64: return f64_from_bits(le_bytes(p, 8));
    case ST_F8_E4M3: return f8_e4m3_value(p[0]);
    case ST_F8_E5M2: return f16_value((unsigned)p[0] << 8);
    default: return NAN;
    }
}

/* double → float with IEEE overflow to ±infinity, spelled out because a
 * C conversion of an out-of-range value is undefined. Values between
 * FLT_MAX and FLT_MAX + half an ulp still round to FLT_MAX. */
static float narrow(double x)
{
    if (fabs(x) > FLT_MAX) {
        float big = fabs(x) < 0x1.ffffffp127 ? FLT_MAX : INFINITY;
        return x < 0 ? -big : big;
    }
    return (float)x;
}

static real to_real(double x)
{
#ifdef RECUR_REAL_DOUBLE
    return x;
#else
    return narrow(x);
#endif
}

int recur__st_read_real(const st_tensor *t, real *dst, int64_t n)
{
    if (!t || (!dst && n > 0))
        return recur__fail(RECUR_E_INVALID, "NULL argument");
    if (n != t->numel)
        return recur__fail(RECUR_E_MISMATCH,
                          "tensor '%s' has %" PRId64 " elements, expected %" PRId64,
                          recur__json_quote(t->name).s, t->numel, n);
    size_t esize = recur__st_dtype_size(t->dtype);
    if (esize == 0)
        return recur__fail(RECUR_E_INVALID, "tensor '%s' has an invalid dtype",
                          recur__json_quote(t->name).s);
    const unsigned char *p = t->data;
    for (int64_t i = 0; i < n; i++, p += esize) {
        if (t->dtype == ST_BOOL && p[0] > 1)
            return recur__fail(RECUR_E_FORMAT,
                              "tensor '%s': BOOL element %" PRId64
                              " is %u, not 0 or 1",
                              recur__json_quote(t->name).s, i, (unsigned)p[0]);
        dst[i] = to_real(element_value(t->dtype, p));
    }
    return RECUR_OK;
}

/* ---- header validation ------------------------------------------------- */

/* The bounds every tensor is checked against. */
typedef struct {
    const char *label;
    const unsigned char *region; /* start of the data region */
    size_t region_size;
} region;

/* Non-negative int64 from a JSON number, or 0. */
static int get_count(const json_value *v, int64_t *out)
{
    return recur__json_is_int64(v, out) && *out >= 0;
}

static int check_fields(const region *r, const char *name, const json_value *e)
{
    for (size_t i = 0; i < recur__json_object_size(e); i++) {
        const char *k = recur__json_object_key_at(e, i);
        if (strcmp(k, "dtype") && strcmp(k, "shape") && strcmp(k, "data_offsets"))
            return st_fail(RECUR_E_FORMAT, r->label,
                           "tensor '%s' has unexpected field '%s'", recur__json_quote(name).s,
                           recur__json_quote(k).s);
    }
    return RECUR_OK;
}

static int parse_dtype(const region *r, const char *name, const json_value *e,
                       st_tensor *t)
{
    const char *s = recur__json_string(recur__json_object_get(e, "dtype"));
    if (!s)
        return st_fail(RECUR_E_FORMAT, r->label,
                       "tensor '%s' has no \"dtype\" string", recur__json_quote(name).s);
    t->dtype = dtype_from_name(s);
    if (t->dtype < 0)
        return st_fail(RECUR_E_FORMAT, r->label,
                       "tensor '%s' has unknown dtype '%s'", recur__json_quote(name).s, recur__json_quote(s).s);
    return RECUR_OK;
}

/* Shape, element count and byte size, all without overflow. */
static int parse_shape(const region *r, const char *name, const json_value *e,
                       st_tensor *t)
{
    const json_value *s = recur__json_object_get(e, "shape");
    size_t nd = recur__json_array_size(s);
    int has_zero = 0;

    if (recur__json_type_of(s) != JSON_ARRAY)
        return st_fail(RECUR_E_FORMAT, r->label,
                       "tensor '%s' has no \"shape\" array", recur__json_quote(name).s);
    if (nd > ST_MAX_DIMS)
        return st_fail(RECUR_E_FORMAT, r->label,
                       "tensor '%s' has %zu dimensions, more than %d",
                       recur__json_quote(name).s, nd, ST_MAX_DIMS);
    t->ndim = (int)nd;
    for (size_t i = 0; i < nd; i++) {
        if (!get_count(recur__json_array_at(s, i), &t->shape[i]))
            return st_fail(RECUR_E_FORMAT, r->label,
                           "tensor '%s': shape[%zu] is not a non-negative integer",
                           recur__json_quote(name).s, i);
        has_zero |= t->shape[i] == 0;
    }
    /* A zero dimension makes the count 0 whatever the others are. */
    t->numel = has_zero ? 0 : 1;
    for (size_t i = 0; i < nd && !has_zero; i++) {
        if (t->numel > INT64_MAX / t->shape[i])
            return st_fail(RECUR_E_FORMAT, r->label,
                           "tensor '%s' shape %s has too many elements",
                           recur__json_quote(name).s, fmt_shape(t->ndim, t->shape).s);
        t->numel *= t->shape[i];
    }
    size_t esize = recur__st_dtype_size(t->dtype);
    if ((uint64_t)t->numel > SIZE_MAX / esize)
        return st_fail(RECUR_E_FORMAT, r->label,
                       "tensor '%s' shape %s is too large", recur__json_quote(name).s,
                       fmt_shape(t->ndim, t->shape).s);
    t->nbytes = (size_t)t->numel * esize;
    return RECUR_OK;
}

/* data_offsets: in range, and spanning exactly nbytes. */
static int parse_offsets(const region *r, const char *name, const json_value *e,
                         st_tensor *t)
{
    const json_value *o = recur__json_object_get(e, "data_offsets");
    int64_t b, end;

    if (recur__json_array_size(o) != 2 || !get_count(recur__json_array_at(o, 0), &b) ||
        !get_count(recur__json_array_at(o, 1), &end))
        return st_fail(RECUR_E_FORMAT, r->label,
                       "tensor '%s': \"data_offsets\" must be two non-negative integers",
                       recur__json_quote(name).s);
    if (b > end)
        return st_fail(RECUR_E_FORMAT, r->label,
                       "tensor '%s' data_offsets [%" PRId64 ", %" PRId64
                       "] end before they begin",
                       recur__json_quote(name).s, b, end);
    if ((uint64_t)end > r->region_size)
        return st_fail(RECUR_E_FORMAT, r->label,
                       "tensor '%s' data_offsets [%" PRId64 ", %" PRId64
                       "] exceed the data region (%zu bytes)",
                       recur__json_quote(name).s, b, end, r->region_size);
    if ((uint64_t)(end - b) != (uint64_t)t->nbytes)
        return st_fail(RECUR_E_FORMAT, r->label,
                       "tensor '%s' is %s %s (%zu bytes) but data_offsets [%" PRId64
                       ", %" PRId64 "] span %" PRId64 " bytes",
                       recur__json_quote(name).s, dtypes[t->dtype].name,
                       fmt_shape(t->ndim, t->shape).s, t->nbytes, b, end, end - b);
    t->data = r->region + b;
    return RECUR_OK;
}

static int parse_tensor(const region *r, const char *name, const json_value *e,
                        st_tensor *t)
{
    int rc;
    memset(t, 0, sizeof *t);
    t->name = name;
    if (!*name)
        return st_fail(RECUR_E_FORMAT, r->label, "a tensor has an empty name");
    if (recur__json_type_of(e) != JSON_OBJECT)
        return st_fail(RECUR_E_FORMAT, r->label,
                       "entry for tensor '%s' is not an object", recur__json_quote(name).s);
    if ((rc = check_fields(r, name, e)) || (rc = parse_dtype(r, name, e, t)) ||
        (rc = parse_shape(r, name, e, t)) || (rc = parse_offsets(r, name, e, t)))
        return rc;
    return RECUR_OK;
}

static int parse_metadata(st_file *f, const json_value *m)
{
    size_t n = recur__json_object_size(m);
    if (recur__json_type_of(m) != JSON_OBJECT)
        return st_fail(RECUR_E_FORMAT, f->label,
                       "\"__metadata__\" is not an object");
    if (n == 0)
        return RECUR_OK;
    f->meta_keys = malloc(n * sizeof *f->meta_keys);
    f->meta_values = malloc(n * sizeof *f->meta_values);
    if (!f->meta_keys || !f->meta_values)
        return st_fail(RECUR_E_NOMEM, f->label, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *k = recur__json_object_key_at(m, i);
        const char *v = recur__json_string(recur__json_object_value_at(m, i));
        if (!v)
            return st_fail(RECUR_E_FORMAT, f->label,
                           "metadata value for '%s' is not a string", recur__json_quote(k).s);
        f->meta_keys[i] = k;
        f->meta_values[i] = v;
    }
    f->nmeta = n;
    return RECUR_OK;
}

static int by_data(const void *a, const void *b)
{
    const st_tensor *x = *(const st_tensor *const *)a;
    const st_tensor *y = *(const st_tensor *const *)b;
    return x->data < y->data ? -1 : x->data > y->data;
}

/* Sorted by start, each non-empty tensor must begin at or after the end of
 * every one before it. Empty tensors occupy no bytes and cannot overlap. */
static int check_overlaps(const st_file *f, const region *r)
{
    const st_tensor **v = malloc((f->count ? f->count : 1) * sizeof *v);
    size_t n = 0;
    int rc = RECUR_OK;

    if (!v)
        return st_fail(RECUR_E_NOMEM, f->label, "out of memory");
    for (size_t i = 0; i < f->count; i++)
        if (f->tensors[i].nbytes)
            v[n++] = &f->tensors[i];
    qsort(v, n, sizeof *v, by_data);
    for (size_t i = 1; i < n && rc == RECUR_OK; i++) {
        const st_tensor *a = v[i - 1], *b = v[i];
        if (a->data + a->nbytes > b->data) {
            size_t ab = (size_t)(a->data - r->region);
            size_t bb = (size_t)(b->data - r->region);
            rc = st_fail(RECUR_E_FORMAT, f->label,
                         "tensors '%s' [%zu, %zu] and '%s' [%zu, %zu] overlap",
                         recur__json_quote(a->name).s, ab, ab + a->nbytes, recur__json_quote(b->name).s, bb,
                         bb + b->nbytes);
        }
    }
    free(v);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    const st_tensor *x = *(const st_tensor *const *)a;
    const st_tensor *y = *(const st_tensor *const *)b;
    return strcmp(x->name, y->name);
}

static int index_names(st_file *f)
{
    f->by_name = malloc((f->count ? f->count : 1) * sizeof *f->by_name);
    if (!f->by_name)
        return st_fail(RECUR_E_NOMEM, f->label, "out of memory");
    for (size_t i = 0; i < f->count; i++)
        f->by_name[i] = &f->tensors[i];
    qsort(f->by_name, f->count, sizeof *f->by_name, by_name);
    return RECUR_OK;
}

/* The length prefix: present, within the file and within the limit, and
 * followed by '{'. p holds the first min(size, 9) bytes of a file of size
 * bytes, so a file can be refused from its first bytes before it is read. */
static int check_prefix(const unsigned char *p, size_t size, const char *label,
                        size_t *hlen)
{
    if (size < 8)
        return st_fail(RECUR_E_FORMAT, label,
                       "file is %zu bytes, too short for the 8-byte header length",
                       size);
    uint64_t n = le_bytes(p, 8);
    if (n > size - 8)
        return st_fail(RECUR_E_FORMAT, label,
                       "header length %" PRIu64 " exceeds the %zu bytes that follow it",
                       n, size - 8);
    if (n > ST_MAX_HEADER_SIZE)
        return st_fail(RECUR_E_LIMIT, label,
                       "header length %" PRIu64 " exceeds the limit of %" PRIu64
                       " bytes",
                       n, ST_MAX_HEADER_SIZE);
    if (n == 0 || p[8] != '{')
        return st_fail(RECUR_E_FORMAT, label, "header does not begin with '{'");
    *hlen = (size_t)n;
    return RECUR_OK;
}

static int parse_header_json(st_file *f, size_t hlen)
{
    int rc = recur__json_parse((const char *)f->buf + 8, hlen, &f->header);
    if (rc == RECUR_E_FORMAT) {
        /* Keep the parser's message (with its byte offset) but name the
         * file; copied first because recur__fail rewrites that buffer. */
        char why[400];
        const char *m = recur_last_error(), *at = strstr(m, " at byte ");
        if (strncmp(m, "JSON: ", 6) == 0)
            m += 6;
        if (at) /* the offset counts from the header, not the file */
            snprintf(why, sizeof why, "%.*s at header byte %s", (int)(at - m), m,
                     at + 9);
        else
            snprintf(why, sizeof why, "%s", m);
        return st_fail(rc, f->label, "header is not valid JSON: %s", why);
    }
    if (rc)
        return st_fail(rc, f->label, "cannot parse the header");
    if (recur__json_type_of(f->header) != JSON_OBJECT)
        return st_fail(RECUR_E_FORMAT, f->label, "header is not a JSON object");
    return RECUR_OK;
}

static int parse_entries(st_file *f, const region *r)
{
    const json_value *h = f->header;
    size_t n = recur__json_object_size(h);
    int rc = RECUR_OK;

    f->tensors = malloc((n ? n : 1) * sizeof *f->tensors);
    if (!f->tensors)
        return st_fail(RECUR_E_NOMEM, f->label, "out of memory");
    for (size_t i = 0; i < n && rc == RECUR_OK; i++) {
        const char *k = recur__json_object_key_at(h, i);
        const json_value *v = recur__json_object_value_at(h, i);
        if (strcmp(k, "__metadata__") == 0)
            rc = parse_metadata(f, v);
        else if ((rc = parse_tensor(r, k, v, &f->tensors[f->count])) == RECUR_OK)
            f->count++;
    }
    return rc;
}

/* Validate f->buf[0..f->size). */
static int parse_file(st_file *f)
{
    size_t hlen = 0;
    int rc;
    if ((rc = check_prefix(f->buf, f->size, f->label, &hlen)) ||
        (rc = parse_header_json(f, hlen)))
        return rc;
    region r = {f->label, f->buf + 8 + hlen, f->size - 8 - hlen};
    if ((rc = parse_entries(f, &r)) || (rc = check_overlaps(f, &r)) ||
        (rc = index_names(f)))
        return rc;
    return RECUR_OK;
}

static char *copy_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c)
        memcpy(c, s, n);
    return c;
}

/* Takes ownership of buf (freed on failure). */
static int parse_owned(unsigned char *buf, size_t size, const char *label,
                       st_file **out)
{
    st_file *f = calloc(1, sizeof *f);
    char *l = copy_string(label);
    if (!f || !l) {
        free(f);
        free(l);
        free(buf);
        return recur__fail(RECUR_E_NOMEM, "%s: out of memory", label);
    }
    f->buf = buf;
    f->size = size;
    f->label = l;
    int rc = parse_file(f);
    if (rc) {
        recur__st_free(f);
        return rc;
    }
    *out = f;
    return RECUR_OK;
}

int recur__st_parse(const unsigned char *bytes, size_t len, const char *label,
             st_file **out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "no output pointer");
    *out = NULL;
    if (!label)
        label = "<memory>";
    if (!bytes && len)
        return recur__fail(RECUR_E_INVALID, "%s: NULL buffer", label);
    unsigned char *copy = malloc(len ? len : 1);
    if (!copy)
        return recur__fail(RECUR_E_NOMEM, "%s: out of memory", label);
    if (len)
        memcpy(copy, bytes, len);
    return parse_owned(copy, len, label, out);
}

int recur__st_read(const char *path, st_file **out)
{
    int fd = -1, rc;
    size_t size = 0;

    if (!out)
        return recur__fail(RECUR_E_INVALID, "no output pointer");
    *out = NULL;
    if (!path)
        return recur__fail(RECUR_E_INVALID, "no file name given");
    if ((rc = recur__file_open(path, ST_MAX_FILE_SIZE, "a model file", &fd, &size)))
        return rc;
    /* The first bytes decide whether the file is worth reading at all: a
     * large file that is not safetensors is refused without allocating. */
    unsigned char head[9];
    size_t nhead = size < sizeof head ? size : sizeof head, hlen;
    if ((rc = recur__file_read_all(fd, head, nhead, path)) ||
        (rc = check_prefix(head, size, path, &hlen))) {
        close(fd);
        return rc;
    }
    unsigned char *buf = malloc(size);
    if (!buf) {
        close(fd);
        return recur__fail(RECUR_E_NOMEM, "%s: out of memory for %zu bytes",
                          path, size);
    }
    memcpy(buf, head, nhead);
    rc = recur__file_read_all(fd, buf + nhead, size - nhead, path);
    close(fd);
    if (rc) {
        free(buf);
        return rc;
    }
    return parse_owned(buf, size, path, out);
}

void recur__st_free(st_file *f)
{
    if (!f)
        return;
    free(f->buf);
    free(f->label);
    recur__json_free(f->header);
    free(f->tensors);
    free(f->by_name);
    free(f->meta_keys);
    free(f->meta_values);
    free(f);
}

/* ---- accessors --------------------------------------------------------- */

size_t recur__st_count(const st_file *f) { return f ? f->count : 0; }

const st_tensor *recur__st_at(const st_file *f, size_t i)
{
    return f && i < f->count ? &f->tensors[i] : NULL;
}

const st_tensor *recur__st_find(const st_file *f, const char *name)
{
    if (!f || !name)
        return NULL;
    size_t lo = 0, hi = f->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, f->by_name[mid]->name);
        if (c == 0)
            return f->by_name[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

int recur__st_expect(const st_file *f, const char *name, int ndim,
              const int64_t *shape, const st_tensor **out)
{
    if (out)
        *out = NULL;
    if (!f || !name || ndim < 0 || ndim > ST_MAX_DIMS || (ndim && !shape))
        return recur__fail(RECUR_E_INVALID, "invalid argument");
    const st_tensor *t = recur__st_find(f, name);
    if (!t)
        return st_fail(RECUR_E_MISMATCH, f->label, "missing tensor '%s'",
                       recur__json_quote(name).s);
    int same = t->ndim == ndim;
    for (int i = 0; same && i < ndim; i++)
        same = t->shape[i] == shape[i];
    if (!same)
        return st_fail(RECUR_E_MISMATCH, f->label,
                       "tensor '%s' has shape %s, expected %s", recur__json_quote(name).s,
                       fmt_shape(t->ndim, t->shape).s, fmt_shape(ndim, shape).s);
    if (out)
        *out = t;
    return RECUR_OK;
}

const char *recur__st_meta(const st_file *f, const char *key)
{
    if (!f || !key)
        return NULL;
    for (size_t i = 0; i < f->nmeta; i++)
        if (strcmp(f->meta_keys[i], key) == 0)
            return f->meta_values[i];
    return NULL;
}

size_t recur__st_meta_count(const st_file *f) { return f ? f->nmeta : 0; }

const char *recur__st_meta_key_at(const st_file *f, size_t i)
{
    return f && i < f->nmeta ? f->meta_keys[i] : NULL;
}

const char *recur__st_meta_value_at(const st_file *f, size_t i)
{
    return f && i < f->nmeta ? f->meta_values[i] : NULL;
}

/* ---- writer ------------------------------------------------------------ */

struct st_entry {
    char *name;
    int dtype; /* ST_F32 (from real) or ST_F64 (from double) */
    int ndim;
    int64_t shape[ST_MAX_DIMS];
    size_t numel, nbytes;
    const void *data; /* borrowed until save */
};

struct st_writer {
    struct st_entry *e;
    size_t n, cap;
    char **mkeys, **mvalues;
    size_t nmeta, mcap;
};

st_writer *recur__st_writer_new(void)
{
    st_writer *w = calloc(1, sizeof *w);
    if (!w)
        recur__fail(RECUR_E_NOMEM, "out of memory");
    return w;
}

void recur__st_writer_free(st_writer *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++)
        free(w->e[i].name);
    for (size_t i = 0; i < w->nmeta; i++) {
        free(w->mkeys[i]);
        free(w->mvalues[i]);
    }
    free(w->e);
    free(w->mkeys);
    free(w->mvalues);
    free(w);
}

/* Room for index n in an array of elem-sized entries: returns the (possibly
 * moved) array, or NULL with the old one still valid. */
static void *grow(void *items, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return items;
    size_t nc = *cap ? *cap * 2 : 8;
    void *p = nc <= SIZE_MAX / elem ? realloc(items, nc * elem) : NULL;
    if (p)
        *cap = nc;
    return p;
}

int recur__st_writer_meta(st_writer *w, const char *key, const char *value)
{
    if (!w || !key || !value)
        return recur__fail(RECUR_E_INVALID, "NULL argument");
    if (!recur__utf8_valid(key, strlen(key)) || !recur__utf8_valid(value, strlen(value)))
        return recur__fail(RECUR_E_INVALID,
                          "metadata '%s' is not valid UTF-8",
                          recur__json_quote(key).s);
    for (size_t i = 0; i < w->nmeta; i++)
        if (strcmp(w->mkeys[i], key) == 0)
            return recur__fail(RECUR_E_INVALID,
                              "metadata key '%s' given twice",
                              recur__json_quote(key).s);
    /* Two parallel arrays; a failure between the two growths only leaves
     * mkeys with spare room. */
    size_t kcap = w->mcap, vcap = w->mcap;
    char **keys = grow(w->mkeys, &kcap, w->nmeta, sizeof *keys);
    if (keys)
        w->mkeys = keys;
    char **values = keys ? grow(w->mvalues, &vcap, w->nmeta, sizeof *values) : NULL;
    if (!values)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    w->mvalues = values;
    w->mcap = vcap;
    char *k = copy_string(key), *v = copy_string(value);
    if (!k || !v) {
        free(k);
        free(v);
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    w->mkeys[w->nmeta] = k;
    w->mvalues[w->nmeta++] = v;
    return RECUR_OK;
}

static int check_name(const st_writer *w, const char *name)
{
    if (!*name)
        return recur__fail(RECUR_E_INVALID, "empty tensor name");
    if (strcmp(name, "__metadata__") == 0)
        return recur__fail(RECUR_E_INVALID,
                          "'__metadata__' is reserved");
    if (!recur__utf8_valid(name, strlen(name)))
        return recur__fail(RECUR_E_INVALID,
                          "tensor name '%s' is not valid UTF-8",
                          recur__json_quote(name).s);
    for (size_t i = 0; i < w->n; i++)
        if (strcmp(w->e[i].name, name) == 0)
            return recur__fail(RECUR_E_INVALID,
                              "tensor '%s' added twice", recur__json_quote(name).s);
    return RECUR_OK;
}

/* Shape checks and sizes for one entry; sizes stay below ST_MAX_FILE_SIZE
 * so that later sums cannot overflow. */
static int check_shape(struct st_entry *e, const char *name, int ndim,
                       const int64_t *shape)
{
    if (ndim < 0 || ndim > ST_MAX_DIMS || (ndim > 0 && !shape))
        return recur__fail(RECUR_E_INVALID,
                          "tensor '%s' has invalid ndim %d",
                          recur__json_quote(name).s, ndim);
    uint64_t numel = 1, esize = recur__st_dtype_size(e->dtype);
    for (int i = 0; i < ndim; i++)
        if (shape[i] < 0)
            return recur__fail(RECUR_E_INVALID,
                              "tensor '%s' has negative dimension %" PRId64,
                              recur__json_quote(name).s, shape[i]);
    for (int i = 0; i < ndim; i++) {
        if (shape[i] == 0) {
            numel = 0;
            break;
        }
        if (numel > ST_MAX_FILE_SIZE / (uint64_t)shape[i])
            return recur__fail(RECUR_E_LIMIT,
                              "tensor '%s' is too large", recur__json_quote(name).s);
        numel *= (uint64_t)shape[i];
    }
    if (numel * esize > ST_MAX_FILE_SIZE)
        return recur__fail(RECUR_E_LIMIT, "tensor '%s' is too large",
                          recur__json_quote(name).s);
    e->ndim = ndim;
    for (int i = 0; i < ndim; i++)
        e->shape[i] = shape[i];
    e->numel = (size_t)numel;
    e->nbytes = (size_t)(numel * esize);
    return RECUR_OK;
}

static int add_entry(st_writer *w, const char *name, int ndim,
                     const int64_t *shape, const void *data, int dtype)
{
    struct st_entry e = {NULL, dtype, 0, {0}, 0, 0, data};
    int rc;

    if (!w || !name)
        return recur__fail(RECUR_E_INVALID, "NULL argument");
    if ((rc = check_name(w, name)) || (rc = check_shape(&e, name, ndim, shape)))
        return rc;
    if (!data && e.numel > 0)
        return recur__fail(RECUR_E_INVALID,
                          "tensor '%s' has NULL data", recur__json_quote(name).s);
    struct st_entry *entries = grow(w->e, &w->cap, w->n, sizeof e);
    if (!entries)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    w->e = entries;
    if (!(e.name = copy_string(name)))
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    w->e[w->n++] = e;
    return RECUR_OK;
}

int recur__st_writer_add(st_writer *w, const char *name, int ndim,
                  const int64_t *shape, const real *data)
{
    return add_entry(w, name, ndim, shape, data, ST_F32);
}

int recur__st_writer_add_f64(st_writer *w, const char *name, int ndim,
                      const int64_t *shape, const double *data)
{
    return add_entry(w, name, ndim, shape, data, ST_F64);
}

/* {"__metadata__":{...},"name":{"dtype":..,"shape":[..],"data_offsets":[..]},..}
 * padded with spaces so that 8 + length is a multiple of 8. */
static int build_header(const st_writer *w, json_buf *b)
{
    int rc = recur__json_buf_puts(b, "{");
    if (w->nmeta && rc == RECUR_OK)
        rc = recur__json_buf_puts(b, "\"__metadata__\":{");
    for (size_t i = 0; i < w->nmeta && rc == RECUR_OK; i++) {
        if ((rc = recur__json_buf_puts(b, i ? "," : "")) ||
            (rc = recur__json_write_string(b, w->mkeys[i])) ||
            (rc = recur__json_buf_puts(b, ":")))
            break;
        rc = recur__json_write_string(b, w->mvalues[i]);
    }
    if (w->nmeta && rc == RECUR_OK)
        rc = recur__json_buf_puts(b, w->n ? "}," : "}");
    uint64_t offset = 0;
    for (size_t i = 0; i < w->n && rc == RECUR_OK; i++) {
        const struct st_entry *e = &w->e[i];
        if ((rc = recur__json_buf_puts(b, i ? "," : "")) ||
            (rc = recur__json_write_string(b, e->name)) ||
            (rc = recur__json_buf_printf(b, ":{\"dtype\":\"%s\",\"shape\":[",
                                  dtypes[e->dtype].name)))
            break;
        for (int d = 0; d < e->ndim && rc == RECUR_OK; d++)
            rc = recur__json_buf_printf(b, "%s%" PRId64, d ? "," : "", e->shape[d]);
        if (rc == RECUR_OK)
            rc = recur__json_buf_printf(b, "],\"data_offsets\":[%" PRIu64 ",%" PRIu64 "]}",
                                 offset, offset + e->nbytes);
        offset += e->nbytes;
    }
    if (rc == RECUR_OK)
        rc = recur__json_buf_puts(b, "}");
    while (rc == RECUR_OK && (8 + b->len) % 8)
        rc = recur__json_buf_puts(b, " ");
    return rc;
}

/* Encode one tensor little-endian in chunks and write it. */
static int write_entry(FILE *fp, const struct st_entry *e)
{
    unsigned char chunk[4096];
    size_t esize = recur__st_dtype_size(e->dtype), per = sizeof chunk / esize;

    for (size_t i = 0; i < e->numel; i += per) {
        size_t m = e->numel - i < per ? e->numel - i : per;
        for (size_t j = 0; j < m; j++) {
            if (e->dtype == ST_F32) {
                float x = narrow(((const real *)e->data)[i + j]);
                uint32_t bits;
                memcpy(&bits, &x, sizeof bits);
                put_le(chunk + j * 4, bits, 4);
            } else {
                uint64_t bits;
                memcpy(&bits, &((const double *)e->data)[i + j], sizeof bits);
                put_le(chunk + j * 8, bits, 8);
            }
        }
        if (fwrite(chunk, esize, m, fp) != m)
            return -1;
    }
    return 0;
}

static int write_contents(FILE *fp, const st_writer *w, const json_buf *h)
{
    unsigned char len[8];
    put_le(len, h->len, 8);
    if (fwrite(len, 1, 8, fp) != 8 || fwrite(h->data, 1, h->len, fp) != h->len)
        return -1;
    for (size_t i = 0; i < w->n; i++)
        if (write_entry(fp, &w->e[i]))
            return -1;
    return 0;
}

/* Create tmp, write everything, and make it durable. On failure the
 * temporary file is removed. */
typedef struct {
    const st_writer *w;
    const json_buf *h;
    const void *bytes; /* or these, when w is NULL */
    size_t len;
} temp_source;

static int write_source(FILE *fp, const temp_source *src)
{
    if (src->w)
        return write_contents(fp, src->w, src->h);
    return src->len && fwrite(src->bytes, 1, src->len, fp) != src->len ? -1 : 0;
}

static int write_temp(const temp_source *src, const char *tmp, const char *path)
{
    /* A stale file of ours (same pid, earlier crash) would block O_EXCL. */
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0)
        return recur__fail(RECUR_E_IO, "%s: cannot create temporary file '%s': %s",
                          path, tmp, strerror(errno));
    FILE *fp = fdopen(fd, "wb");
    if (!fp) {
        int err = errno;
        close(fd);
        unlink(tmp);
        return recur__fail(RECUR_E_IO, "%s: fdopen failed: %s", path, strerror(err));
    }
    int bad = write_source(fp, src) || fflush(fp) != 0 || fsync(fileno(fp)) != 0;
    int err = errno;
    if (fclose(fp) != 0 && !bad) {
        bad = 1;
        err = errno;
    }
    if (bad) {
        unlink(tmp);
        return recur__fail(RECUR_E_IO, "%s: write failed: %s", path, strerror(err));
    }
    return RECUR_OK;
}

/* fsync the directory holding path so the rename itself is durable. Best
 * effort: some file systems refuse fsync on directories. */
static void sync_parent(const char *path)
{
    char *dir = copy_string(path);
    if (!dir)
        return;
    char *slash = strrchr(dir, '/');
    if (!slash)
        strcpy(dir, ".");
    else
        slash[slash == dir] = '\0'; /* keep "/" for files in the root */
    int fd = open(dir, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

/* The pid in a temporary name "<base>.tmp.<pid>.<n>" (name starts after
 * "<base>.tmp."), or 0 when the rest is not two runs of digits. */
static long temp_owner(const char *rest)
{
    char *end;
    if (*rest < '0' || *rest > '9')
        return 0;
    long pid = strtol(rest, &end, 10);
    if (*end != '.' || end[1] < '0' || end[1] > '9')
        return 0;
    for (const char *p = end + 1; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return pid;
}

/* Remove the temporary files that writers to path killed mid-save (power
 * loss, SIGKILL) left behind, so that they do not pile up over a long run
 * with frequent checkpoints: those whose process no longer exists. Only
 * names of our own pattern are touched; failures are ignored. */
static void remove_stale_temps(const char *path)
{
    char *dir = copy_string(path);
    if (!dir)
        return;
    char *slash = strrchr(dir, '/');
    const char *base = slash ? path + (slash - dir) + 1 : path;
    if (!slash)
        strcpy(dir, ".");
    else
        slash[slash == dir] = '\0';
    size_t blen = strlen(base);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        long pid;
        if (strncmp(e->d_name, base, blen) || strncmp(e->d_name + blen, ".tmp.", 5) ||
            !(pid = temp_owner(e->d_name + blen + 5)) || pid == (long)getpid() ||
            kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *stale = malloc(len);
        if (stale) {
            snprintf(stale, len, "%s/%s", dir, e->d_name);
            unlink(stale);
            free(stale);
        }
    }
    if (d)
        closedir(d);
    free(dir);
}

int recur__st_writer_save(st_writer *w, const char *user_path)
{
    json_buf h = {0};
    char *tmp = NULL, *path = NULL;
    int rc;

    if (!w || !user_path || !*user_path)
        return recur__fail(RECUR_E_INVALID, "invalid argument");
    if ((rc = recur__save_target(user_path, &path)) || (rc = build_header(w, &h)))
        goto out;
    uint64_t total = 8 + (uint64_t)h.len;
    for (size_t i = 0; i < w->n && total <= ST_MAX_FILE_SIZE; i++)
        total += w->e[i].nbytes;
    if (total > ST_MAX_FILE_SIZE) {
        rc = recur__fail(RECUR_E_LIMIT, "%s: file would exceed %" PRIu64 " bytes",
                        path, ST_MAX_FILE_SIZE);
        goto out;
    }
    size_t tlen = strlen(path) + 32;
    if (!(tmp = malloc(tlen))) {
        rc = recur__fail(RECUR_E_NOMEM, "%s: out of memory", path);
        goto out;
    }
    /* Unique per process and per save, so that two threads saving to the
     * same path never remove each other's temporary file. */
    static _Atomic unsigned long saves;
    snprintf(tmp, tlen, "%s.tmp.%ld.%lu", path, (long)getpid(), saves++);
    temp_source src = {w, &h, NULL, 0};
    if ((rc = write_temp(&src, tmp, path)))
        goto out;
    if (rename(tmp, path) != 0) {
        int err = errno;
        unlink(tmp);
        rc = recur__fail(RECUR_E_IO, "%s: cannot rename '%s' over it: %s", path,
                        tmp, strerror(err));
        goto out;
    }
    sync_parent(path);
    remove_stale_temps(path);
out:
    free(tmp);
    free(path);
    recur__json_buf_free(&h);
    return rc;
}

/* ---- numbers in metadata ----------------------------------------------- */

const char *recur__st_meta_int(char *buf, long long v)
{
    snprintf(buf, ST_META_NUM, "%lld", v);
    return buf;
}

/* printf follows the locale's decimal point, which an application may have
 * set; metadata always uses '.'. */
static const char *meta_real(char *buf, double v, int digits)
{
    char tmp[ST_META_NUM];
    snprintf(tmp, sizeof tmp, "%.*g", digits, v);
    const char *point = localeconv()->decimal_point;
    size_t plen = point ? strlen(point) : 0, o = 0;
    for (const char *c = tmp; *c && o + 1 < ST_META_NUM;) {
        if (plen && strncmp(c, point, plen) == 0) {
            buf[o++] = '.';
            c += plen;
        } else {
            buf[o++] = *c++;
        }
    }
    buf[o] = 0;
    return buf;
}

const char *recur__st_meta_real(char *buf, double v) { return meta_real(buf, v, 9); }

const char *recur__st_meta_real_exact(char *buf, double v) { return meta_real(buf, v, 17); }

int recur__write_file_atomic(const char *user_path, const void *bytes, size_t len)
{
    if (!user_path || !*user_path || (!bytes && len))
        return recur__fail(RECUR_E_INVALID, "recur__write_file_atomic: invalid argument");
    char *path = NULL;
    int trc = recur__save_target(user_path, &path);
    if (trc)
        return trc;
    size_t tlen = strlen(path) + 32;
    char *tmp = malloc(tlen);
    if (!tmp) {
        free(path);
        return recur__fail(RECUR_E_NOMEM, "%s: out of memory", user_path);
    }
    static _Atomic unsigned long writes;
    snprintf(tmp, tlen, "%s.tmp.%ld.%lu", path, (long)getpid(), writes++);
    temp_source src = {NULL, NULL, bytes, len};
    int rc = write_temp(&src, tmp, path);
    if (!rc && rename(tmp, path) != 0) {
        int err = errno;
        unlink(tmp);
        rc = recur__fail(RECUR_E_IO, "%s: cannot rename '%s' over it: %s", path, tmp,
                        strerror(err));
    }
    if (!rc) {
        sync_parent(path);
        remove_stale_temps(path);
    }
    free(tmp);
    free(path);
    return rc;
}
