/* fuzz_model.c - fuzz target for the model loader: the bytes of a
 * safetensors model file (or checkpoint) through recur__model_load_memory, the
 * in-memory form of recur_model_load. An input either fails with a one-line
 * message and no model, or gives a model that runs (streaming steps, a
 * whole-sequence forward, sampling for character models) and that saves
 * and loads back with the same tensors. A checkpoint of a character model
 * (train.* metadata) is also resumed by a trainer built to match it, which
 * then takes a step, saves and resumes again. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn/model_io.h"
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
    const recur_config *c = recur_model_get_config(m);
    int V = c->output_size, in = c->input_size;
    int tokens_in = c->input != RECUR_INPUT_DENSE;
    float *y = malloc(2 * (size_t)V * sizeof *y);
    float *x = calloc(2 * (size_t)in, sizeof *x);
    int32_t tok[2] = {0, in - 1};
    if (!y || !x)
        abort();
    if (recur_forward(m, 2, 1, tok, x, y) != RECUR_OK)
        fail("recur_forward");
    if (c->reverse) { /* reads from the last step: no stream, said so */
        recur_state *s = NULL;
        if (recur_state_create(m, &s) != RECUR_E_INVALID || s)
            fail("recur_state_create accepted a reverse model");
    } else if (!c->bidirectional) {
        recur_state *s = NULL;
        if (recur_state_create(m, &s) != RECUR_OK)
            fail("recur_state_create");
        for (int t = 0; t < 2; t++)
            if (recur_state_step(s, tok[t], x + (size_t)t * in, y) != RECUR_OK)
                fail("recur_state_step");
        /* Out-of-range tokens are refused, not read. */
        if (tokens_in && recur_state_step(s, in, NULL, y) == RECUR_OK)
            fail("recur_state_step accepted token == input_size");
        recur_state_free(s);
    }
    int nv;
    const uint32_t *vocab = recur_model_get_vocab(m, &nv);
    if ((vocab != NULL) != (nv > 0))
        fail("recur_model_get_vocab");
    if (nv > 0 && !c->bidirectional && !c->reverse && c->loss == RECUR_LOSS_XENT &&
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

/* "/tmp/recur_fuzz_<what>.<pid>.safetensors" into path[80]. */
static const char *temp_path(char *path, const char *what)
{
    snprintf(path, 80, "/tmp/recur_fuzz_%s.%ld.safetensors", what, (long)getpid());
    return path;
}

/* Save to a temporary file and load it back: the same tensors, bit for bit. */
static void round_trip(const recur_model *m)
{
    char buf[80];
    const char *path = temp_path(buf, "model");
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
        const char *name = recur_model_tensor_at(m, i, &nd, shape);
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

static long meta_long(const recur_model *m, const char *key, long hi)
{
    const char *s = recur_model_get_meta(m, key);
    char *end;
    if (!s || !*s)
        return -1;
    long v = strtol(s, &end, 10);
    return *end || v < 0 || v > hi ? -1 : v;
}

/* The input as a training checkpoint: recur_trainer_resume reads it from a
 * file, so it is written to one. Returns quietly whenever the input does not
 * describe a run this model can be trained in (most inputs). */
static void resume_checkpoint(recur_model *m, const uint8_t *data, size_t size)
{
    const recur_config *c = recur_model_get_config(m);
    long n = meta_long(m, "train.tokens", 4096), T = meta_long(m, "train.seq_len", 4096),
         B = meta_long(m, "train.batch", 4096), st = meta_long(m, "train.stateful", 1),
         opt = meta_long(m, "train.optimizer_id", RECUR_RMSPROP),
         seed = meta_long(m, "train.seed_id", 0x7fffffffffffffffL);
    if (n < 2 || T < 1 || B < 1 || st < 0 || opt < 0 || seed < 0 ||
        c->input == RECUR_INPUT_DENSE || c->loss != RECUR_LOSS_XENT ||
        c->output_size != c->input_size || c->bidirectional || c->reverse)
        return;
    int32_t *tokens = malloc((size_t)n * sizeof *tokens);
    if (!tokens)
        abort();
    for (long i = 0; i < n; i++)
        tokens[i] = (int32_t)(i * 7 % c->input_size);
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.optimizer = (recur_optimizer)opt;
    tc.seq_len = (int)T;
    tc.batch = (int)B;
    tc.stateful = (int)st;
    tc.seed = (uint64_t)seed;
    recur_trainer *tr = NULL;
    if (recur_trainer_create(m, &tc, tokens, n, &tr) == RECUR_OK) {
        char bin[80], bout[80];
        const char *in = temp_path(bin, "ckpt_in"), *out = temp_path(bout, "ckpt_out");
        FILE *f = fopen(in, "wb");
        if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
            abort();
        int rc = recur_trainer_resume(tr, in);
        if (rc && (!*recur_last_error() || strchr(recur_last_error(), '\n')))
            fail("a refused checkpoint without a one-line message");
        recur_batch_stats bs;
        if (!rc && (rc = recur_trainer_step(tr, &bs)) != RECUR_OK && rc != RECUR_E_NUMERIC)
            fail("a step after resuming");
        if (!rc) {
            if (recur_trainer_save(tr, out) != RECUR_OK)
                fail("saving a resumed checkpoint");
            if (recur_trainer_resume(tr, out) != RECUR_OK)
                fail("resuming a checkpoint just saved");
        }
        unlink(in);
        unlink(out);
    }
    recur_trainer_free(tr);
    free(tokens);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    recur_model *m = NULL;
    int rc = recur__model_load_memory(data, size, "fuzz", &m);
    if (rc) {
        if (m || !*recur_last_error() || strchr(recur_last_error(), '\n'))
            fail("a refusal without a one-line message, or with a model");
        return 0;
    }
    if (recur_config_check(recur_model_get_config(m)) != RECUR_OK)
        fail("a loaded model fails recur_config_check");
    long total = 0;
    for (int i = 0; i < recur_model_tensor_count(m); i++) {
        int nd;
        int64_t shape[2];
        recur_model_tensor_at(m, i, &nd, shape);
        total += (long)(nd == 2 ? shape[0] * shape[1] : shape[0]);
    }
    if (total != recur_model_param_count(m))
        fail("tensor sizes do not add up to the parameter count");
    run_model(m);
    round_trip(m);
    resume_checkpoint(m, data, size);
    recur_model_free(m);
    return 0;
}
