/* fuzz_json.c - fuzz target for the strict JSON parser (src/io/json.c), which
 * reads every safetensors header. An input either fails with a message and
 * no DOM, or parses to a DOM whose accessors agree with each other and that
 * survives being written out and parsed again unchanged. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "io/json.h"
#include "recur.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int write_value(json_buf *b, const json_value *v)
{
    int64_t i;
    int rc = RECUR_OK;
    switch (recur__json_type_of(v)) {
    case JSON_NULL: return recur__json_buf_puts(b, "null");
    case JSON_BOOL: return recur__json_buf_puts(b, recur__json_bool(v) ? "true" : "false");
    case JSON_NUMBER:
        if (recur__json_is_int64(v, &i))
            return recur__json_buf_printf(b, "%" PRId64, i);
        return recur__json_buf_printf(b, "%.17g", recur__json_number(v));
    case JSON_STRING: return recur__json_write_string(b, recur__json_string(v));
    case JSON_ARRAY:
        rc = recur__json_buf_puts(b, "[");
        for (size_t k = 0; !rc && k < recur__json_array_size(v); k++) {
            if (k)
                rc = recur__json_buf_puts(b, ",");
            if (!rc)
                rc = write_value(b, recur__json_array_at(v, k));
        }
        return rc ? rc : recur__json_buf_puts(b, "]");
    case JSON_OBJECT:
        rc = recur__json_buf_puts(b, "{");
        for (size_t k = 0; !rc && k < recur__json_object_size(v); k++) {
            if (k)
                rc = recur__json_buf_puts(b, ",");
            if (!rc)
                rc = recur__json_write_string(b, recur__json_object_key_at(v, k));
            if (!rc)
                rc = recur__json_buf_puts(b, ":");
            if (!rc)
                rc = write_value(b, recur__json_object_value_at(v, k));
        }
        return rc ? rc : recur__json_buf_puts(b, "}");
    }
    abort();
}

/* Accessors agree: string lengths, keys found by lookup, excerpts bounded. */
static void check_value(const json_value *v, int depth)
{
    if (depth > JSON_MAX_DEPTH + 1)
        abort();
    char ex[16];
    switch (recur__json_type_of(v)) {
    case JSON_STRING:
        if (!recur__json_string(v) || strlen(recur__json_string(v)) != recur__json_string_len(v))
            abort();
        recur__json_excerpt(ex, sizeof ex, recur__json_string(v));
        if (strlen(ex) >= sizeof ex)
            abort();
        break;
    case JSON_ARRAY:
        for (size_t k = 0; k < recur__json_array_size(v); k++)
            check_value(recur__json_array_at(v, k), depth + 1);
        if (recur__json_array_at(v, recur__json_array_size(v)) != NULL)
            abort();
        break;
    case JSON_OBJECT:
        for (size_t k = 0; k < recur__json_object_size(v); k++) {
            const char *key = recur__json_object_key_at(v, k);
            if (!key || recur__json_object_get(v, key) != recur__json_object_value_at(v, k))
                abort();
            recur__json_excerpt(ex, 4, key);
            if (strlen(ex) >= 4)
                abort();
            check_value(recur__json_object_value_at(v, k), depth + 1);
        }
        break;
    default:
        if (recur__json_string(v) || recur__json_array_size(v) || recur__json_object_size(v))
            abort();
    }
}

static int same(const json_value *a, const json_value *b)
{
    int64_t x, y;
    if (recur__json_type_of(a) != recur__json_type_of(b))
        return 0;
    switch (recur__json_type_of(a)) {
    case JSON_NULL: return 1;
    case JSON_BOOL: return recur__json_bool(a) == recur__json_bool(b);
    case JSON_NUMBER:
        if (recur__json_is_int64(a, &x) && !(recur__json_is_int64(b, &y) && x == y))
            return 0;
        return recur__json_number(a) == recur__json_number(b);
    case JSON_STRING:
        return recur__json_string_len(a) == recur__json_string_len(b) &&
               memcmp(recur__json_string(a), recur__json_string(b), recur__json_string_len(a)) == 0;
    case JSON_ARRAY:
        if (recur__json_array_size(a) != recur__json_array_size(b))
            return 0;
        for (size_t k = 0; k < recur__json_array_size(a); k++)
            if (!same(recur__json_array_at(a, k), recur__json_array_at(b, k)))
                return 0;
        return 1;
    case JSON_OBJECT:
        if (recur__json_object_size(a) != recur__json_object_size(b))
            return 0;
        for (size_t k = 0; k < recur__json_object_size(a); k++)
            if (strcmp(recur__json_object_key_at(a, k), recur__json_object_key_at(b, k)) ||
                !same(recur__json_object_value_at(a, k), recur__json_object_value_at(b, k)))
                return 0;
        return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_value *v = NULL;
    int rc = recur__json_parse((const char *)data, size, &v);
    if (rc) {
        /* A refusal: no DOM, and a one-line message. */
        if (v || !*recur_last_error() || strchr(recur_last_error(), '\n'))
            abort();
        return 0;
    }
    check_value(v, 0);
    json_buf b = {0};
    if (write_value(&b, v) == RECUR_OK) {
        json_value *w = NULL;
        if (recur__json_parse(b.data, b.len, &w) != RECUR_OK) {
            fprintf(stderr, "re-parse of %s failed: %s\n", b.data, recur_last_error());
            abort();
        }
        if (!same(v, w)) {
            fprintf(stderr, "round trip changed the value: %s\n", b.data);
            abort();
        }
        recur__json_free(w);
    }
    recur__json_buf_free(&b);
    recur__json_free(v);
    return 0;
}
