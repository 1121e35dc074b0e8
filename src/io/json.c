/* json.c - strict recursive-descent JSON parser and string writer.
 * See json.h for what "strict" means here. */
#include "io/json.h"
#include "core/utf8.h"

#include "core/error.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct json_member {
    char *key;
    size_t key_pos; /* byte offset of the key in the text, for messages */
    json_value *value;
};

struct json_value {
    enum json_type type;
    union {
        int boolean;
        struct {
            double d;
            int64_t i;
            int is_int;
        } num;
        struct {
            char *s;
            size_t len;
        } str;
        struct {
            json_value **items;
            size_t n;
        } arr;
        struct {
            struct json_member *m;               /* text order */
            const struct json_member **sorted; /* by key, for lookups */
            size_t n;
        } obj;
    } u;
};

/* ---- UTF-8 ------------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at s, or 0 (src/core/utf8.c). */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
    uint32_t cp;
    return (size_t)recur__utf8_decode(s, avail, &cp);
}

void recur__json_excerpt(char *dst, size_t cap, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s), i = 0, o = 0;

    if (cap < 4)
        return;
    /* Reserve room for "..." only when the text will not fit whole. */
    size_t room = n < cap ? cap - 1 : cap - 4;
    while (i < n) {
        size_t k = utf8_len(u + i, n - i);
        if (k == 0)
            k = 1;
        if (o + k > room)
            break;
        for (size_t j = 0; j < k; j++)
            dst[o++] = (u[i + j] < 0x20 || u[i + j] == 0x7F) ? '?' : s[i + j];
        i += k;
    }
    if (i < n) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
}

/* ---- parser ------------------------------------------------------------ */

typedef struct {
    const char *text;
    size_t len, pos;
    int depth;
} parser;

static int fail_at(size_t pos, const char *what)
{
    return recur__fail(RECUR_E_FORMAT, "JSON: %s at byte %zu", what, pos);
}

/* "unexpected character 'x'" or, for unprintable bytes, "... 0x01". */
static int fail_char(const parser *p, const char *context)
{
    if (p->pos >= p->len)
        return recur__fail(RECUR_E_FORMAT,
                          "JSON: unexpected end of input %s at byte %zu", context,
                          p->pos);
    unsigned char c = (unsigned char)p->text[p->pos];
    if (c >= 0x20 && c < 0x7F)
        return recur__fail(RECUR_E_FORMAT,
                          "JSON: unexpected character '%c' %s at byte %zu",
                          (char)c, context, p->pos);
    return recur__fail(RECUR_E_FORMAT,
                      "JSON: unexpected byte 0x%02X %s at byte %zu", c,
                      context, p->pos);
}

static int nomem(void)
{
    return recur__fail(RECUR_E_NOMEM, "JSON: out of memory");
}

static void skip_ws(parser *p)
{
    while (p->pos < p->len) {
        char c = p->text[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

static int peek(const parser *p)
{
    return p->pos < p->len ? (unsigned char)p->text[p->pos] : -1;
}

static json_value *new_value(enum json_type type)
{
    json_value *v = calloc(1, sizeof *v);
    if (v)
        v->type = type;
    return v;
}

static int parse_value(parser *p, json_value **out);

/* -- literals -- */

static int parse_literal(parser *p, json_value **out)
{
    static const struct {
        const char *word;
        enum json_type type;
        int boolean;
    } words[] = {{"true", JSON_BOOL, 1},
                 {"false", JSON_BOOL, 0},
                 {"null", JSON_NULL, 0}};

    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++) {
        size_t n = strlen(words[k].word);
        if (p->len - p->pos >= n && !memcmp(p->text + p->pos, words[k].word, n)) {
            json_value *v = new_value(words[k].type);
            if (!v)
                return nomem();
            v->u.boolean = words[k].boolean;
            p->pos += n;
            *out = v;
            return RECUR_OK;
        }
    }
    return fail_char(p, "(expected a value)");
}

/* -- numbers -- */

static int is_digit(int c) { return c >= '0' && c <= '9'; }

/* Exact int64 value of the integer token [s, s+n), or 0 if out of range. */
static int integer_token_value(const char *s, size_t n, int64_t *out)
{
    int neg = (*s == '-');
    uint64_t mag = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;

    for (size_t i = (size_t)neg; i < n; i++) {
        uint64_t d = (uint64_t)(s[i] - '0');
        if (mag > (limit - d) / 10)
            return 0;
        mag = mag * 10 + d;
    }
    if (neg)
        *out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    else
        *out = (int64_t)mag;
    return 1;
}

/* strtod follows the C locale's decimal point, which may not be '.', so the
 * token is copied with '.' replaced by the current locale's point. */
static int token_to_double(const char *s, size_t n, double *out)
{
    const char *point = localeconv()->decimal_point;
    char small[128], *buf = small;

    if (!point || !*point)
        point = ".";
    size_t plen = strlen(point), need = n + plen + 1;
    if (need > sizeof small && !(buf = malloc(need)))
        return nomem();
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            memcpy(buf + o, point, plen);
            o += plen;
        } else {
            buf[o++] = s[i];
        }
    }
    buf[o] = '\0';
    *out = strtod(buf, NULL);
    if (buf != small)
        free(buf);
    return RECUR_OK;
}

static int scan_digits(parser *p)
{
    size_t start = p->pos;
    while (is_digit(peek(p)))
        p->pos++;
    return p->pos > start;
}

static int parse_number(parser *p, json_value **out)
{
    size_t start = p->pos;
    int is_int = 1;

    if (peek(p) == '-')
        p->pos++;
    if (peek(p) == '0') {
        p->pos++;
        if (is_digit(peek(p)))
            return fail_at(p->pos, "leading zero in number");
    } else if (!scan_digits(p)) {
        return fail_at(p->pos, "expected a digit");
    }
    if (peek(p) == '.') {
        p->pos++;
        is_int = 0;
        if (!scan_digits(p))
            return fail_at(p->pos, "expected a digit after '.'");
    }
    if (peek(p) == 'e' || peek(p) == 'E') {
        p->pos++;
        is_int = 0;
        if (peek(p) == '+' || peek(p) == '-')
            p->pos++;
        if (!scan_digits(p))
            return fail_at(p->pos, "expected a digit in exponent");
    }

    const char *s = p->text + start;
    size_t n = p->pos - start;
    int64_t i = 0;
    double d = 0.0;
    is_int = is_int && integer_token_value(s, n, &i);
    if (is_int) {
        d = (i == 0 && *s == '-') ? -0.0 : (double)i;
    } else {
        int rc = token_to_double(s, n, &d);
        if (rc)
            return rc;
        if (isinf(d))
            return fail_at(start, "number out of range");
    }
    json_value *v = new_value(JSON_NUMBER);
    if (!v)
        return nomem();
    v->u.num.d = d;
    v->u.num.i = i;
    v->u.num.is_int = is_int;
    *out = v;
    return RECUR_OK;
}

/* -- strings -- */

static int hex4(const parser *p, size_t at, uint32_t *out)
{
    uint32_t v = 0;
    if (p->len - at < 4)
        return fail_at(at, "truncated \\u escape");
    for (size_t k = 0; k < 4; k++) {
        char c = p->text[at + k];
        uint32_t d;
        if (c >= '0' && c <= '9')
            d = (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (uint32_t)(c - 'A' + 10);
        else
            return fail_at(at + k, "invalid hex digit in \\u escape");
        v = v * 16 + d;
    }
    *out = v;
    return RECUR_OK;
}

/* Decode the \uXXXX escape at p->pos (pointing at 'u'), combining a
 * surrogate pair into one code point. */
static int unicode_escape(parser *p, uint32_t *cp)
{
    size_t at = p->pos - 1; /* the backslash */
    int rc = hex4(p, p->pos + 1, cp);
    if (rc)
        return rc;
    p->pos += 5;
    if (*cp == 0)
        return fail_at(at, "\\u0000 (NUL) in string");
    if (*cp >= 0xDC00 && *cp <= 0xDFFF)
        return fail_at(at, "unpaired low surrogate in \\u escape");
    if (*cp < 0xD800 || *cp > 0xDBFF)
        return RECUR_OK;
    uint32_t lo;
    if (p->len - p->pos < 2 || p->text[p->pos] != '\\' ||
        p->text[p->pos + 1] != 'u')
        return fail_at(at, "unpaired high surrogate in \\u escape");
    if ((rc = hex4(p, p->pos + 2, &lo)))
        return rc;
    if (lo < 0xDC00 || lo > 0xDFFF)
        return fail_at(at, "unpaired high surrogate in \\u escape");
    p->pos += 6;
    *cp = 0x10000 + ((*cp - 0xD800) << 10) + (lo - 0xDC00);
    return RECUR_OK;
}

/* Decode one escape sequence (p->pos at the character after '\'), appending
 * its UTF-8 bytes at dst; *n gets their count. */
static int escape(parser *p, char *dst, size_t *n)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    int c = peek(p);
    const char *hit = c > 0 ? strchr(from, c) : NULL;

    if (hit) {
        *dst = to[hit - from];
        *n = 1;
        p->pos++;
        return RECUR_OK;
    }
    if (c != 'u')
        return fail_at(p->pos - 1, "invalid escape in string");
    uint32_t cp;
    int rc = unicode_escape(p, &cp);
    if (rc)
        return rc;
    *n = (size_t)recur_utf8_encode(cp, dst);
    return RECUR_OK;
}

/* Bytes between the opening quote at p->pos and the closing one, which
 * bounds the decoded length (every escape decodes to fewer bytes). */
static int raw_string_length(const parser *p, size_t *n)
{
    size_t i = p->pos + 1;
    while (i < p->len && p->text[i] != '"')
        i += p->text[i] == '\\' ? 2 : 1;
    if (i >= p->len)
        return fail_at(p->pos, "unterminated string");
    *n = i - p->pos - 1;
    return RECUR_OK;
}

/* Parse a string token into a new NUL-terminated buffer. */
static int parse_string_raw(parser *p, char **out, size_t *out_len)
{
    size_t raw = 0, n = 0;
    int rc = raw_string_length(p, &raw);
    if (rc)
        return rc;
    char *s = malloc(raw + 1);
    if (!s)
        return nomem();
    p->pos++; /* opening quote */
    while (rc == RECUR_OK && p->text[p->pos] != '"') {
        const unsigned char *u = (const unsigned char *)p->text + p->pos;
        size_t k = 0;
        if (*u == '\\') {
            p->pos++;
            rc = escape(p, s + n, &k);
        } else if (*u < 0x20) {
            rc = recur__fail(RECUR_E_FORMAT,
                            "JSON: control character 0x%02X in string at byte %zu",
                            *u, p->pos);
        } else if ((k = utf8_len(u, p->len - p->pos)) == 0) {
            rc = fail_at(p->pos, "invalid UTF-8 in string");
        } else {
            memcpy(s + n, u, k);
            p->pos += k;
        }
        if (rc == RECUR_OK)
            n += k;
    }
    if (rc) {
        free(s);
        return rc;
    }
    p->pos++; /* closing quote */
    s[n] = '\0';
    *out = s;
    *out_len = n;
    return RECUR_OK;
}

static int parse_string(parser *p, json_value **out)
{
    json_value *v = new_value(JSON_STRING);
    if (!v)
        return nomem();
    int rc = parse_string_raw(p, &v->u.str.s, &v->u.str.len);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    return RECUR_OK;
}

/* -- containers -- */

/* Make room for index n in an array of elem-sized entries. Returns the
 * (possibly moved) array, or NULL with the old one still valid. */
static void *grow(void *items, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return items;
    size_t nc = *cap ? *cap * 2 : 4;
    if (nc > SIZE_MAX / elem)
        return NULL;
    void *q = realloc(items, nc * elem);
    if (q)
        *cap = nc;
    return q;
}

static int enter(parser *p)
{
    if (++p->depth > JSON_MAX_DEPTH)
        return recur__fail(RECUR_E_FORMAT,
                          "JSON: nesting deeper than %d at byte %zu",
                          JSON_MAX_DEPTH, p->pos);
    return RECUR_OK;
}

static int parse_array(parser *p, json_value **out)
{
    size_t cap = 0;
    int rc = enter(p);
    if (rc)
        return rc;
    json_value *a = new_value(JSON_ARRAY);
    if (!a)
        return nomem();
    p->pos++; /* '[' */
    skip_ws(p);
    if (peek(p) == ']') {
        p->pos++;
    } else {
        for (;;) {
            json_value *item = NULL;
            if ((rc = parse_value(p, &item)))
                break;
            json_value **items =
                grow(a->u.arr.items, &cap, a->u.arr.n, sizeof item);
            if (!items) {
                recur__json_free(item);
                rc = nomem();
                break;
            }
            a->u.arr.items = items;
            items[a->u.arr.n++] = item;
            skip_ws(p);
            if (peek(p) == ',') {
                p->pos++;
            } else if (peek(p) == ']') {
                p->pos++;
                break;
            } else {
                rc = fail_char(p, "(expected ',' or ']')");
                break;
            }
        }
    }
    if (rc) {
        recur__json_free(a);
        return rc;
    }
    p->depth--;
    *out = a;
    return RECUR_OK;
}

static int member_cmp(const void *a, const void *b)
{
    const struct json_member *x = *(const struct json_member *const *)a;
    const struct json_member *y = *(const struct json_member *const *)b;
    return strcmp(x->key, y->key);
}

/* Build the sorted lookup index and refuse duplicate keys. Sorting keeps
 * this O(n log n), so a hostile header with many keys stays cheap. */
static int index_object(json_value *o)
{
    size_t n = o->u.obj.n;
    if (n == 0)
        return RECUR_OK;
    o->u.obj.sorted = malloc(n * sizeof *o->u.obj.sorted);
    if (!o->u.obj.sorted)
        return nomem();
    for (size_t i = 0; i < n; i++)
        o->u.obj.sorted[i] = &o->u.obj.m[i];
    qsort(o->u.obj.sorted, n, sizeof *o->u.obj.sorted, member_cmp);
    for (size_t i = 1; i < n; i++) {
        const struct json_member *a = o->u.obj.sorted[i - 1];
        const struct json_member *b = o->u.obj.sorted[i];
        if (strcmp(a->key, b->key) == 0) {
            char key[64];
            recur__json_excerpt(key, sizeof key, b->key);
            return recur__fail(RECUR_E_FORMAT,
                              "JSON: duplicate key '%s' at byte %zu", key,
                              a->key_pos > b->key_pos ? a->key_pos : b->key_pos);
        }
    }
    return RECUR_OK;
}

/* One "key": value pair, appended to o. */
static int parse_member(parser *p, json_value *o, size_t *cap)
{
    struct json_member m = {NULL, p->pos, NULL};
    size_t key_len;
    int rc;

    if (peek(p) != '"')
        return fail_char(p, "(expected a string key)");
    if ((rc = parse_string_raw(p, &m.key, &key_len)))
        return rc;
    skip_ws(p);
    if (peek(p) != ':')
        rc = fail_char(p, "(expected ':')");
    else {
        p->pos++;
        rc = parse_value(p, &m.value);
    }
    if (rc == RECUR_OK) {
        struct json_member *ms = grow(o->u.obj.m, cap, o->u.obj.n, sizeof m);
        if (ms)
            o->u.obj.m = ms;
        else
            rc = nomem();
    }
    if (rc) {
        free(m.key);
        recur__json_free(m.value);
        return rc;
    }
    o->u.obj.m[o->u.obj.n++] = m;
    return RECUR_OK;
}

static int parse_object(parser *p, json_value **out)
{
    size_t cap = 0;
    int rc = enter(p);
    if (rc)
        return rc;
    json_value *o = new_value(JSON_OBJECT);
    if (!o)
        return nomem();
    p->pos++; /* '{' */
    skip_ws(p);
    if (peek(p) == '}') {
        p->pos++;
    } else {
        for (;;) {
            if ((rc = parse_member(p, o, &cap)))
                break;
            skip_ws(p);
            if (peek(p) == ',') {
                p->pos++;
                skip_ws(p);
            } else if (peek(p) == '}') {
                p->pos++;
                break;
            } else {
                rc = fail_char(p, "(expected ',' or '}')");
                break;
            }
        }
    }
    if (rc == RECUR_OK)
        rc = index_object(o);
    if (rc) {
        recur__json_free(o);
        return rc;
    }
    p->depth--;
    *out = o;
    return RECUR_OK;
}

static int parse_value(parser *p, json_value **out)
{
    skip_ws(p);
    int c = peek(p);
    if (c == '{')
        return parse_object(p, out);
    if (c == '[')
        return parse_array(p, out);
    if (c == '"')
        return parse_string(p, out);
    if (c == '-' || is_digit(c))
        return parse_number(p, out);
    return parse_literal(p, out);
}

int recur__json_parse(const char *text, size_t len, json_value **out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "JSON: NULL output pointer");
    *out = NULL;
    if (!text && len)
        return recur__fail(RECUR_E_INVALID, "JSON: NULL text");
    if (!text)
        text = "";

    parser p = {text, len, 0, 0};
    json_value *v = NULL;
    int rc = parse_value(&p, &v);
    if (rc)
        return rc;
    skip_ws(&p);
    if (p.pos != p.len) {
        recur__json_free(v);
        return fail_char(&p, "after the JSON value");
    }
    *out = v;
    return RECUR_OK;
}

void recur__json_free(json_value *v)
{
    if (!v)
        return;
    switch (v->type) {
    case JSON_STRING:
        free(v->u.str.s);
        break;
    case JSON_ARRAY:
        for (size_t i = 0; i < v->u.arr.n; i++)
            recur__json_free(v->u.arr.items[i]);
        free(v->u.arr.items);
        break;
    case JSON_OBJECT:
        for (size_t i = 0; i < v->u.obj.n; i++) {
            free(v->u.obj.m[i].key);
            recur__json_free(v->u.obj.m[i].value);
        }
        free(v->u.obj.m);
        free(v->u.obj.sorted);
        break;
    default:
        break;
    }
    free(v);
}

/* ---- accessors --------------------------------------------------------- */

enum json_type recur__json_type_of(const json_value *v)
{
    return v ? v->type : JSON_NULL;
}

int recur__json_bool(const json_value *v)
{
    return v && v->type == JSON_BOOL && v->u.boolean;
}

double recur__json_number(const json_value *v)
{
    return v && v->type == JSON_NUMBER ? v->u.num.d : 0.0;
}

int recur__json_is_int64(const json_value *v, int64_t *out)
{
    if (!v || v->type != JSON_NUMBER || !v->u.num.is_int)
        return 0;
    if (out)
        *out = v->u.num.i;
    return 1;
}

const char *recur__json_string(const json_value *v)
{
    return v && v->type == JSON_STRING ? v->u.str.s : NULL;
}

size_t recur__json_string_len(const json_value *v)
{
    return v && v->type == JSON_STRING ? v->u.str.len : 0;
}

size_t recur__json_array_size(const json_value *v)
{
    return v && v->type == JSON_ARRAY ? v->u.arr.n : 0;
}

const json_value *recur__json_array_at(const json_value *v, size_t i)
{
    return i < recur__json_array_size(v) ? v->u.arr.items[i] : NULL;
}

size_t recur__json_object_size(const json_value *v)
{
    return v && v->type == JSON_OBJECT ? v->u.obj.n : 0;
}

const char *recur__json_object_key_at(const json_value *v, size_t i)
{
    return i < recur__json_object_size(v) ? v->u.obj.m[i].key : NULL;
}

const json_value *recur__json_object_value_at(const json_value *v, size_t i)
{
    return i < recur__json_object_size(v) ? v->u.obj.m[i].value : NULL;
}

const json_value *recur__json_object_get(const json_value *v, const char *key)
{
    size_t lo = 0, hi = recur__json_object_size(v);
    if (!key)
        return NULL;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(key, v->u.obj.sorted[mid]->key);
        if (c == 0)
            return v->u.obj.sorted[mid]->value;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* ---- writing ----------------------------------------------------------- */

/* Make room for n more bytes plus the terminating NUL. */
static int buf_reserve(json_buf *b, size_t n)
{
    if (n > SIZE_MAX - b->len - 1)
        return recur__fail(RECUR_E_NOMEM, "JSON: buffer size overflow");
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return RECUR_OK;
    size_t nc = b->cap ? b->cap : 64;
    while (nc < need)
        nc = nc > SIZE_MAX / 2 ? need : nc * 2;
    char *d = realloc(b->data, nc);
    if (!d)
        return nomem();
    b->data = d;
    b->cap = nc;
    return RECUR_OK;
}

int recur__json_buf_append(json_buf *b, const char *s, size_t n)
{
    int rc = buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return RECUR_OK;
}

int recur__json_buf_puts(json_buf *b, const char *s)
{
    return recur__json_buf_append(b, s, strlen(s));
}

int recur__json_buf_printf(json_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return recur__fail(RECUR_E_INVALID, "JSON: bad format string");
    int rc = buf_reserve(b, (size_t)n);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return RECUR_OK;
}

int recur__json_write_string(json_buf *b, const char *s)
{
    size_t n, start = b->len;
    int rc;

    if (!s)
        return recur__fail(RECUR_E_INVALID, "JSON: NULL string");
    n = strlen(s);
    if (!recur__utf8_valid(s, n))
        return recur__fail(RECUR_E_INVALID, "JSON: string is not valid UTF-8");
    rc = recur__json_buf_append(b, "\"", 1);
    for (size_t i = 0; i < n && rc == RECUR_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            rc = recur__json_buf_append(b, esc, 2);
        } else if (c < 0x20) {
            /* The short forms where JSON has them, \u00XX otherwise. */
            const char *shortform = c == '\n'   ? "\\n"
                                    : c == '\t' ? "\\t"
                                    : c == '\r' ? "\\r"
                                    : c == '\b' ? "\\b"
                                    : c == '\f' ? "\\f"
                                                : NULL;
            if (shortform)
                rc = recur__json_buf_puts(b, shortform);
            else
                rc = recur__json_buf_printf(b, "\\u%04X", (unsigned)c);
        } else {
            rc = recur__json_buf_append(b, s + i, 1);
        }
    }
    if (rc == RECUR_OK)
        rc = recur__json_buf_append(b, "\"", 1);
    if (rc && b->data) {
        b->len = start; /* leave the buffer as it was */
        b->data[start] = '\0';
    }
    return rc;
}

void recur__json_buf_free(json_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

json_quoted recur__json_quote(const char *s)
{
    json_quoted r;
    recur__json_excerpt(r.s, sizeof r.s, s);
    return r;
}
