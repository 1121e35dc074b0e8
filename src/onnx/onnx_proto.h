/* onnx_proto.h - an ONNX ModelProto read into plain structs: the graph's
 * nodes, initializers, inputs and outputs, and the default-domain opset.
 * Strings and tensor contents stay in the file's bytes (pointers into the
 * caller's buffer, which must outlive the model); tensor values are decoded
 * on demand, with their sizes checked against the bytes that hold them
 * before anything is allocated. Every message and limit problem is a
 * RECUR_E_FORMAT (or _LIMIT) failure with a one-line message. */
#ifndef RECUR_ONNX_PROTO_H
#define RECUR_ONNX_PROTO_H

#include <stddef.h>
#include <stdint.h>

/* ONNX TensorProto.DataType codes used here. */
enum { OX_FLOAT = 1, OX_INT32 = 6, OX_INT64 = 7, OX_DOUBLE = 11 };
/* AttributeProto.AttributeType codes. */
enum { OX_ATTR_FLOAT = 1, OX_ATTR_INT = 2, OX_ATTR_STRING = 3, OX_ATTR_TENSOR = 4,
       OX_ATTR_FLOATS = 6, OX_ATTR_INTS = 7, OX_ATTR_STRINGS = 8 };

#define OX_MAX_DIMS 8
#define OX_MAX_NODES 100000
#define OX_MAX_NODE_IO 64
#define OX_MAX_ATTRS 64
#define OX_MAX_META 16
#define OX_MAX_FILE_BYTES ((size_t)2 << 30) /* protobuf's own 2 GiB limit */

typedef struct {
    const char *p; /* not NUL-terminated */
    size_t n;
} ox_str;

typedef struct {
    ox_str name;
    int dtype;
    int ndim;
    int64_t dims[OX_MAX_DIMS];
    int64_t numel;
    int external; /* data_location = EXTERNAL or external_data present */
    const uint8_t *msg; /* the TensorProto's bytes, for decoding values */
    size_t msg_len;
} ox_tensor;

typedef struct {
    ox_str name;
    int type;
    const uint8_t *msg; /* the AttributeProto's bytes */
    size_t msg_len;
} ox_attr;

typedef struct {
    ox_str name, op_type, domain;
    int nin, nout, nattr;
    ox_str in[OX_MAX_NODE_IO], out[OX_MAX_NODE_IO];
    ox_attr attr[OX_MAX_ATTRS];
} ox_node;

typedef struct {
    ox_str name;
    int elem_type; /* 0 when not given */
    int ndim;      /* -1 when no shape is given */
    int64_t dims[OX_MAX_DIMS]; /* -1 for a named (symbolic) dimension */
} ox_value_info;

typedef struct {
    int64_t ir_version, opset; /* opset of the default domain, 0 if none */
    int nnodes, ninit, ninputs, noutputs;
    ox_node *nodes;
    ox_tensor *init;
    ox_value_info *inputs, *outputs;
    int nmeta; /* the first OX_MAX_META metadata_props */
    ox_str meta_key[OX_MAX_META], meta_val[OX_MAX_META];
} ox_model;

/* Parse bytes[0..len) (label names it in messages). On failure *m is
 * emptied. Free with recur__ox_free. */
int recur__ox_parse(const uint8_t *bytes, size_t len, const char *label, ox_model *m);
void recur__ox_free(ox_model *m);

/* Parse one TensorProto (an initializer or an attribute's tensor). */
int recur__ox_tensor(const uint8_t *msg, size_t len, ox_tensor *t);
/* The values of a FLOAT or DOUBLE tensor as floats, or of an INT32/INT64
 * tensor as int64 (a new array of t->numel, at least 1 element allocated):
 * from raw_data or the typed field. RECUR_E_FORMAT if the bytes do not hold
 * exactly numel values, or for another type. */
int recur__ox_tensor_floats(const ox_tensor *t, float **out);
int recur__ox_tensor_ints(const ox_tensor *t, int64_t **out);

/* Attribute helpers: the attribute called name of node, or NULL. */
const ox_attr *recur__ox_attr(const ox_node *n, const char *name);
/* Its value: 0 and the value, or RECUR_E_FORMAT when the type differs. */
int recur__ox_attr_int(const ox_attr *a, int64_t *v);
int recur__ox_attr_float(const ox_attr *a, float *v);
int recur__ox_attr_string(const ox_attr *a, ox_str *s);
int recur__ox_attr_tensor(const ox_attr *a, ox_tensor *t);
/* INTS: up to cap values into v, the count in *n (more than cap: error). */
int recur__ox_attr_ints(const ox_attr *a, int64_t *v, int cap, int *n);
/* STRINGS: up to cap strings. */
int recur__ox_attr_strings(const ox_attr *a, ox_str *v, int cap, int *n);

int recur__ox_str_eq(ox_str s, const char *c);
/* s as a printable C string in buf (truncated, non-printing bytes as '?'). */
const char *recur__ox_str_print(ox_str s, char *buf, size_t cap);

#endif
