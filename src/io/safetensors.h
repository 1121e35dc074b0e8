/* safetensors.h - read and write the safetensors format.
 *
 * Layout: an 8-byte little-endian uint64 N, then N bytes of JSON header,
 * then the data region. The header is an object mapping each tensor name to
 *   {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}
 * (offsets relative to the start of the data region), plus an optional
 * "__metadata__" object of string → string.
 *
 * The reader trusts nothing: before recur__st_read / recur__st_parse return a file, the
 * whole header is checked (strict JSON, every entry well-formed, known dtype,
 * at most ST_MAX_DIMS dimensions, sizes computed without overflow and equal
 * to end − begin, ranges inside the data region, no two tensors overlapping).
 * Gaps between tensors are tolerated. Failures are one-line messages that
 * name the file and the problem; codes: RECUR_E_IO (cannot open/read, not a
 * regular file), RECUR_E_LIMIT (file or header over the limits below),
 * RECUR_E_FORMAT (anything malformed), RECUR_E_NOMEM.
 *
 * The writer stores F32 (or F64) little-endian tensors in insertion order,
 * pads the header with spaces so the data region starts 8-byte aligned, and
 * replaces the target file atomically. */
#ifndef RECUR_SAFETENSORS_H
#define RECUR_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "core/real.h"

#define ST_MAX_DIMS 8
/* Headers of real models are kilobytes (a 65,536-character vocabulary is
 * under 2 MB escaped); 16 MiB bounds what a hostile header costs to parse. */
#define ST_MAX_HEADER_SIZE ((uint64_t)16 << 20) /* 16 MiB */
#define ST_MAX_FILE_SIZE ((uint64_t)4 << 30)     /* 4 GiB, whole file */

/* Element types, named in the header as in the comments. */
enum st_dtype {
    ST_BOOL,    /* "BOOL", 1 byte, 0 or 1 */
    ST_U8,      /* "U8" */
    ST_I8,      /* "I8" */
    ST_U16,     /* "U16" */
    ST_I16,     /* "I16" */
    ST_U32,     /* "U32" */
    ST_I32,     /* "I32" */
    ST_U64,     /* "U64" */
    ST_I64,     /* "I64" */
    ST_F16,     /* "F16", IEEE binary16 */
    ST_BF16,    /* "BF16", bfloat16 */
    ST_F32,     /* "F32" */
    ST_F64,     /* "F64" */
    ST_F8_E4M3, /* "F8_E4M3", the "fn" variant: no infinities */
    ST_F8_E5M2, /* "F8_E5M2" */
    ST_DTYPE_COUNT
};

/* "F32" etc., or NULL for an unknown code. */
const char *recur__st_dtype_name(int dtype);
/* Bytes per element, or 0 for an unknown code. */
size_t recur__st_dtype_size(int dtype);

typedef struct st_tensor {
    const char *name;           /* UTF-8, NUL-terminated */
    int dtype;                  /* enum st_dtype */
    int ndim;                   /* 0 ... ST_MAX_DIMS (0: a scalar) */
    int64_t shape[ST_MAX_DIMS]; /* shape[ndim..] are 0 */
    int64_t numel;              /* product of the shape (1 for a scalar) */
    size_t nbytes;              /* numel × recur__st_dtype_size(dtype) */
    const unsigned char *data;  /* nbytes raw little-endian bytes, possibly
                                   unaligned; use recur__st_read_real */
} st_tensor;

typedef struct st_file st_file;

/* Read and validate a whole file. On success *out is to be released with
 * recur__st_free; on failure *out is NULL. */
int recur__st_read(const char *path, st_file **out);
/* The same over bytes[0..len) in memory. The bytes are copied, so the
 * caller's buffer may be freed at once. label names the input in messages
 * (NULL: "<memory>"). */
int recur__st_parse(const unsigned char *bytes, size_t len, const char *label,
             st_file **out);
void recur__st_free(st_file *f);

/* Tensors in the order of the header. Pointers into f stay valid until
 * recur__st_free(f). */
size_t recur__st_count(const st_file *f);
const st_tensor *recur__st_at(const st_file *f, size_t i);      /* NULL if out of range */
const st_tensor *recur__st_find(const st_file *f, const char *name); /* NULL if absent */

/* Find tensor name and check that it has exactly the given shape. Returns
 * RECUR_E_MISMATCH with "<file>: missing tensor 'x'" or "<file>: tensor 'x'
 * has shape [64, 16], expected [64, 32]". out may be NULL. */
int recur__st_expect(const st_file *f, const char *name, int ndim,
              const int64_t *shape, const st_tensor **out);

/* Convert the n = t->numel elements of t (any dtype above) to real.
 * RECUR_E_MISMATCH when n != t->numel; RECUR_E_FORMAT for a BOOL byte other
 * than 0 or 1. Values too large for real become ±infinity. */
int recur__st_read_real(const st_tensor *t, real *dst, int64_t n);

/* Metadata, in the order of the header. recur__st_meta gives NULL when absent. */
const char *recur__st_meta(const st_file *f, const char *key);
size_t recur__st_meta_count(const st_file *f);
const char *recur__st_meta_key_at(const st_file *f, size_t i);
const char *recur__st_meta_value_at(const st_file *f, size_t i);

/* ---- writer ------------------------------------------------------------ */

typedef struct st_writer st_writer;

/* NULL when out of memory (with the message recorded). */
st_writer *recur__st_writer_new(void);
/* Add a metadata pair (both copied; UTF-8). RECUR_E_INVALID for a repeated
 * key or text that is not valid UTF-8. */
int recur__st_writer_meta(st_writer *w, const char *key, const char *value);
/* The one text form of a number in metadata, used by every writer of model,
 * checkpoint and seq2seq metadata: an integer in decimal; a real as %.9g
 * with '.' as the decimal point whatever the locale. buf has room for
 * ST_META_NUM bytes; both return buf. */
#define ST_META_NUM 40
const char *recur__st_meta_int(char *buf, long long v);
const char *recur__st_meta_real(char *buf, double v);
/* Add a tensor stored as F32; in RECUR_REAL_DOUBLE builds the values are
 * rounded to float when saved. The name is copied but data is NOT: it must
 * stay alive and unchanged until recur__st_writer_save returns. data may be NULL
 * only when the shape has no elements. RECUR_E_INVALID for an empty,
 * repeated or reserved ("__metadata__") name, non-UTF-8 name, ndim outside
 * 0..ST_MAX_DIMS or a negative dimension; RECUR_E_LIMIT when the element
 * count overflows. */
int recur__st_writer_add(st_writer *w, const char *name, int ndim,
                  const int64_t *shape, const real *data);
/* The same for double data, stored as F64. */
int recur__st_writer_add_f64(st_writer *w, const char *name, int ndim,
                      const int64_t *shape, const double *data);
/* Write the file atomically: to "<path>.tmp.<pid>.<n>" in the same directory,
 * then fflush, fsync, fclose and rename over path. On any failure the
 * temporary file is removed and whatever was at path is left untouched
 * (RECUR_E_IO; RECUR_E_LIMIT when the file would exceed ST_MAX_FILE_SIZE).
 * Two saves to the same path at once from one process are not supported.
 * After a successful save, temporary files of this pattern left by writers
 * that were killed mid-save (their process no longer exists) are removed. */
int recur__st_writer_save(st_writer *w, const char *path);
void recur__st_writer_free(st_writer *w);

/* Replace path with bytes[0..len) atomically, as recur__st_writer_save does
 * (a temporary file beside it, fsync, rename; stale temporaries of killed
 * writers removed): for other file formats (ONNX). */
int recur__write_file_atomic(const char *path, const void *bytes, size_t len);

#endif
