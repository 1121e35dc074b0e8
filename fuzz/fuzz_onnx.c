/* fuzz_onnx.c - fuzz target for the ONNX importer: the bytes of an ONNX file
 * through recur_onnx_import_memory. An input either fails with a one-line
 * message and no model, or gives a model that passes recur_config_check,
 * runs (recur_forward), and exports to ONNX and imports back with the same
 * configuration and the same tensors, bit for bit. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recur.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_onnx: %s: %s\n", what, recur_last_error());
    abort();
}

static void same_tensors(const recur_model *a, const recur_model *b)
{
    const recur_config *x = recur_model_get_config(a), *y = recur_model_get_config(b);
    if (x->cell != y->cell || x->input != y->input || x->input_size != y->input_size ||
        x->hidden != y->hidden || x->layers != y->layers ||
        x->bidirectional != y->bidirectional || x->reverse != y->reverse ||
        x->output_size != y->output_size ||
        x->readout != y->readout || x->loss != y->loss ||
        recur_model_tensor_count(a) != recur_model_tensor_count(b))
        fail("export and import changed the configuration");
    for (int i = 0; i < recur_model_tensor_count(a); i++) {
        int nd;
        int64_t shape[2];
        const char *name = recur_model_tensor_at(a, i, &nd, shape);
        long n = (long)(nd == 2 ? shape[0] * shape[1] : shape[0]);
        float *p = malloc((size_t)n * sizeof *p), *q = malloc((size_t)n * sizeof *q);
        if (!p || !q)
            abort();
        if (recur_model_get_tensor(a, name, p, n) || recur_model_get_tensor(b, name, q, n) ||
            memcmp(p, q, (size_t)n * sizeof *p))
            fail("export and import changed a tensor");
        free(p);
        free(q);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    recur_model *m = NULL;
    int rc = recur_onnx_import_memory(data, size, "fuzz", &m);
    if (rc != RECUR_OK) {
        const char *msg = recur_last_error();
        if (m || !*msg || strchr(msg, '\n'))
            fail("a refusal without a one-line message, or with a model");
        return 0;
    }
    const recur_config *c = recur_model_get_config(m);
    if (recur_config_check(c) != RECUR_OK)
        fail("an imported configuration fails recur_config_check");
    /* Run it when its buffers are small (the fuzzer finds huge widths). */
    long width = (long)c->hidden * (c->bidirectional ? 2 : 1) + c->output_size;
    if (recur_model_param_count(m) < 2000000 && width < 100000 &&
        (c->input != RECUR_INPUT_DENSE || c->input_size < 100000)) {
        int32_t tok[2] = {0, c->input_size - 1};
        float *x = calloc(2 * (size_t)c->input_size, sizeof *x);
        float *y = malloc(2 * (size_t)width * sizeof *y);
        if (!x || !y)
            abort();
        if (recur_forward(m, 2, 1, tok, x, y) != RECUR_OK)
            fail("recur_forward");
        free(x);
        free(y);
    }
    unsigned char *bytes = NULL;
    size_t len = 0;
    if (recur_onnx_export_memory(m, &bytes, &len) != RECUR_OK)
        fail("exporting an imported model");
    recur_model *back = NULL;
    if (recur_onnx_import_memory(bytes, len, "export", &back) != RECUR_OK)
        fail("importing an export");
    same_tensors(m, back);
    free(bytes);
    recur_model_free(back);
    recur_model_free(m);
    return 0;
}
