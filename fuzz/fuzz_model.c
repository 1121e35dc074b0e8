/* fuzz_model.c - fuzz target for the model loader: the bytes of a
 * safetensors model file (or checkpoint) through model_load_memory, the
 * in-memory form of recur_model_load. An input either fails with a one-line
 * message and no model, or gives a model that runs (streaming steps, a
 * whole-sequence forward, sampling for character models) and that saves
 * and loads back with the same tensors. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model_io.h"
#include "recur.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_model: %s: %s\n", what, recur_last_error());
    abort();
}

static void sink(const char *utf8, int bytes, void *user)
{
    (void)utf8;
    *(long *)user += bytes;
}

/* Run the model a little: every path that reads its tensors. */
static void run_model(const recur_model *m)
{
    const recur_config *c = recur_model_config(m);
    int V = c->output_size, in = c->input_size;
    int tokens_in = c->input != RECUR_INPUT_DENSE;
    float *y = malloc(2 * (size_t)V * sizeof *y);
    float *x = calloc(2 * (size_t)in, sizeof *x);
    int32_t tok[2] = {0, in - 1};
    if (!y || !x)
        abort();
    if (recur_forward(m, 2, 1, tok, x, y) != RECUR_OK)
        fail("recur_forward");
    if (!c->bidirectional) {
        recur_state *s = NULL;
        if (recur_state_create(m, &s) != RECUR_OK)
            fail("recur_state_create");
        for (int t = 0; t < 2; t++)
            if (recur_step(s, tok[t], x + (size_t)t * in, y) != RECUR_OK)
                fail("recur_step");
        /* Out-of-range tokens are refused, not read. */
        if (tokens_in && recur_step(s, in, NULL, y) == RECUR_OK)
            fail("recur_step accepted token == input_size");
        recur_state_free(s);
    }
    const uint32_t *vocab;
    int nv = recur_model_vocab(m, &vocab);
    if (nv > 0 && !c->bidirectional && c->loss == RECUR_LOSS_XENT &&
        c->output_size == c->input_size && tokens_in) {
        recur_sample_config sc = {.temperature = 1.0f, .top_k = 3, .greedy = 0,
                                  .seed = 7};
        long bytes = 0;
        int rc = recur_sample(m, "", &sc, 8, sink, &bytes);
        if (rc != RECUR_OK && rc != RECUR_E_NUMERIC)
            fail("recur_sample");
    }
    free(x);
    free(y);
}

/* Save to a temporary file and load it back: the same tensors, bit for bit. */
static void round_trip(const recur_model *m)
{
    static char path[64];
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/recur_fuzz_model.%ld.safetensors",
                 (long)getpid());
    if (recur_model_save(m, path) != RECUR_OK)
        fail("saving a loaded model");
    recur_model *back = NULL;
    if (recur_model_load(path, &back) != RECUR_OK)
        fail("loading a saved model");
    unlink(path);
    if (recur_model_tensor_count(back) != recur_model_tensor_count(m) ||
        recur_model_meta_count(back) != recur_model_meta_count(m))
        fail("round trip changed the tensor or metadata count");
    for (int i = 0; i < recur_model_tensor_count(m); i++) {
        int nd;
        int64_t shape[2];
        const char *name = recur_model_tensor(m, i, &nd, shape);
        long n = (long)(nd == 2 ? shape[0] * shape[1] : shape[0]);
        float *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b);
        if (!a || !b)
            abort();
        if (recur_model_get_tensor(m, name, a, n) ||
            recur_model_get_tensor(back, name, b, n) ||
            memcmp(a, b, (size_t)n * sizeof *a))
            fail("round trip changed a tensor");
        free(a);
        free(b);
    }
    recur_model_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    recur_model *m = NULL;
    int rc = model_load_memory(data, size, "fuzz", &m);
    if (rc) {
        if (m || !*recur_last_error() || strchr(recur_last_error(), '\n'))
            fail("a refusal without a one-line message, or with a model");
        return 0;
    }
    if (recur_config_check(recur_model_config(m)) != RECUR_OK)
        fail("a loaded model fails recur_config_check");
    long total = 0;
    for (int i = 0; i < recur_model_tensor_count(m); i++) {
        int nd;
        int64_t shape[2];
        recur_model_tensor(m, i, &nd, shape);
        total += (long)(nd == 2 ? shape[0] * shape[1] : shape[0]);
    }
    if (total != recur_model_param_count(m))
        fail("tensor sizes do not add up to the parameter count");
    run_model(m);
    round_trip(m);
    recur_model_free(m);
    return 0;
}
