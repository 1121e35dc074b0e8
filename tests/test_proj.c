/* test_proj.c - LSTMs with projections (recur_config.proj, PyTorch's
 * proj_size) through the public API: what the configuration accepts, the
 * tensors' PyTorch names, shapes and order, the model file (proj kept;
 * files without it unchanged), initialisation, and the exports that cannot
 * hold a projection refusing it with a status and a message. The numbers
 * themselves are checked against PyTorch in test_parity.c, the gradients by
 * finite differences in f64_gradcheck.c, streaming in test_stream.c. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recur.h"
#include "testlib.h"

static char tmpdir[64];

static const char *tmp(const char *name)
{
    static char buf[4][128];
    static int k;
    k = (k + 1) % 4;
    if (!tmpdir[0]) {
        strcpy(tmpdir, "/tmp/recur-proj-XXXXXX");
        if (!mkdtemp(tmpdir))
            abort();
    }
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

static void config(recur_config *c, int hidden, int proj, int layers, int bi)
{
    recur_config_default(c);
    c->input = RECUR_INPUT_EMBEDDING;
    c->input_size = 7;
    c->embed_dim = 3;
    c->hidden = hidden;
    c->proj = proj;
    c->layers = layers;
    c->bidirectional = bi;
    c->output_size = 7;
}

static void config_limits(void)
{
    recur_config c;
    config(&c, 6, 2, 1, 0);
    CHECK(recur_config_check(&c) == RECUR_OK);
    c.proj = 6; /* PyTorch: proj_size must be smaller than hidden_size */
    CHECK(recur_config_check(&c) == RECUR_E_INVALID);
    CHECK(strstr(recur_last_error(), "projection size 6") != NULL);
    c.proj = -1;
    CHECK(recur_config_check(&c) == RECUR_E_INVALID);
    c.proj = 2;
    c.cell = RECUR_GRU;
    CHECK(recur_config_check(&c) == RECUR_E_INVALID);
    CHECK(strstr(recur_last_error(), "LSTM") != NULL);
    recur_model *m = (recur_model *)&m;
    CHECK(recur_model_create(&c, 1, &m) == RECUR_E_INVALID && m == NULL);
}

/* PyTorch's state_dict of nn.LSTM(3, 6, 2, bidirectional=True,
 * proj_size=2), then the Linear reading 2·proj features. */
static void tensor_names_and_shapes(void)
{
    recur_config c;
    config(&c, 6, 2, 2, 1);
    recur_model *m = NULL;
    CHECK(recur_model_create(&c, 3, &m) == RECUR_OK);
    if (!m)
        return;
    static const struct {
        const char *name;
        int64_t d0, d1;
    } want[] = {
        {"embedding.weight", 7, 3},
        {"rnn.weight_ih_l0", 24, 3}, {"rnn.weight_hh_l0", 24, 2},
        {"rnn.bias_ih_l0", 24, 0}, {"rnn.bias_hh_l0", 24, 0}, {"rnn.weight_hr_l0", 2, 6},
        {"rnn.weight_ih_l0_reverse", 24, 3}, {"rnn.weight_hh_l0_reverse", 24, 2},
        {"rnn.bias_ih_l0_reverse", 24, 0}, {"rnn.bias_hh_l0_reverse", 24, 0},
        {"rnn.weight_hr_l0_reverse", 2, 6},
        {"rnn.weight_ih_l1", 24, 4}, {"rnn.weight_hh_l1", 24, 2},
        {"rnn.bias_ih_l1", 24, 0}, {"rnn.bias_hh_l1", 24, 0}, {"rnn.weight_hr_l1", 2, 6},
        {"rnn.weight_ih_l1_reverse", 24, 4}, {"rnn.weight_hh_l1_reverse", 24, 2},
        {"rnn.bias_ih_l1_reverse", 24, 0}, {"rnn.bias_hh_l1_reverse", 24, 0},
        {"rnn.weight_hr_l1_reverse", 2, 6},
        {"fc.weight", 7, 4}, {"fc.bias", 7, 0},
    };
    int n = (int)(sizeof want / sizeof *want);
    CHECK(recur_model_tensor_count(m) == n);
    long total = 0;
    for (int i = 0; i < n && i < recur_model_tensor_count(m); i++) {
        int nd;
        int64_t shape[2];
        const char *name = recur_model_tensor_at(m, i, &nd, shape);
        CHECK_MSG(strcmp(name, want[i].name) == 0, "tensor %d is %s, not %s", i, name,
                  want[i].name);
        CHECK_MSG(shape[0] == want[i].d0 && (nd == 1 || shape[1] == want[i].d1),
                  "%s: [%lld, %lld]", name, (long long)shape[0],
                  nd == 2 ? (long long)shape[1] : 0LL);
        total += (long)(shape[0] * (nd == 2 ? shape[1] : 1));
    }
    CHECK(recur_model_param_count(m) == total);
    recur_model_free(m);
}

static float *outputs(const recur_model *m, int T, int B)
{
    int32_t *tok = malloc((size_t)T * B * sizeof *tok);
    float *y = malloc((size_t)T * B * 7 * sizeof *y);
    for (int i = 0; i < T * B; i++)
        tok[i] = (int32_t)(i * 5 % 7);
    CHECK(recur_forward(m, T, B, tok, NULL, y) == RECUR_OK);
    free(tok);
    return y;
}

/* Saved and loaded: the same model ("proj" in the metadata); a model
 * without a projection writes no "proj" key, as before. */
static void file_round_trip(void)
{
    recur_config c;
    config(&c, 5, 3, 2, 0);
    recur_model *m = NULL, *back = NULL;
    CHECK(recur_model_create(&c, 4, &m) == RECUR_OK);
    if (!m)
        return;
    CHECK(recur_model_save(m, tmp("proj.safetensors")) == RECUR_OK);
    CHECK(recur_model_load(tmp("proj.safetensors"), &back) == RECUR_OK);
    if (back) {
        CHECK(recur_model_get_config(back)->proj == 3);
        float *a = outputs(m, 6, 2), *b = outputs(back, 6, 2);
        CHECK(memcmp(a, b, 6 * 2 * 7 * sizeof *a) == 0);
        free(a);
        free(b);
    }
    recur_model_free(back);
    recur_model_free(m);

    config(&c, 5, 0, 1, 0);
    CHECK(recur_model_create(&c, 4, &m) == RECUR_OK);
    CHECK(recur_model_save(m, tmp("plain.safetensors")) == RECUR_OK);
    FILE *f = fopen(tmp("plain.safetensors"), "rb");
    char head[4096] = {0};
    CHECK(f && fread(head, 1, sizeof head - 1, f) > 0);
    if (f)
        fclose(f);
    CHECK(strstr(head + 8, "\"proj\"") == NULL);
    recur_model_free(m);
}

/* Keras's initialisation covers W_hr too (Glorot: not left at PyTorch's). */
static void keras_init(void)
{
    recur_config c;
    config(&c, 8, 3, 1, 1);
    recur_model *m = NULL;
    CHECK(recur_model_create(&c, 5, &m) == RECUR_OK);
    if (!m)
        return;
    float before[24], after[24];
    CHECK(recur_model_get_tensor(m, "rnn.weight_hr_l0_reverse", before, 24) == RECUR_OK);
    CHECK(recur_model_init(m, RECUR_INIT_KERAS, 6) == RECUR_OK);
    CHECK(recur_model_get_tensor(m, "rnn.weight_hr_l0_reverse", after, 24) == RECUR_OK);
    CHECK(memcmp(before, after, sizeof before) != 0);
    double limit = sqrt(6.0 / (3 + 8)), worst = 0;
    for (int i = 0; i < 24; i++)
        worst = fabs(after[i]) > worst ? fabs(after[i]) : worst;
    CHECK(worst > 0 && worst <= limit);
    float *y = outputs(m, 4, 1);
    for (int i = 0; i < 4 * 7; i++)
        CHECK(isfinite(y[i]));
    free(y);
    recur_model_free(m);
}

/* ONNX's LSTM operator and the generated C step have no projection. */
static void exports_refuse(void)
{
    recur_config c;
    config(&c, 6, 2, 1, 0);
    recur_model *m = NULL;
    CHECK(recur_model_create(&c, 7, &m) == RECUR_OK);
    if (!m)
        return;
    unsigned char *bytes = (unsigned char *)&bytes;
    size_t len = 1;
    CHECK(recur_onnx_export_memory(m, &bytes, &len) == RECUR_E_INVALID);
    CHECK(bytes == NULL && len == 0);
    CHECK(strstr(recur_last_error(), "ONNX LSTM operator has no projection") != NULL);
    CHECK(recur_onnx_export(m, tmp("proj.onnx")) == RECUR_E_INVALID);
    CHECK(access(tmp("proj.onnx"), F_OK) != 0);
    CHECK(recur_export_c(m, tmp("proj_step.c"), NULL, RECUR_QUANT_NONE) == RECUR_E_INVALID);
    CHECK(strstr(recur_last_error(), "projection") != NULL);
    CHECK(access(tmp("proj_step.c"), F_OK) != 0);
    recur_model_free(m);
}

static void cleanup(void)
{
    const char *names[] = {"proj.safetensors", "plain.safetensors", "proj.onnx",
                           "proj_step.c", "proj_step.h"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        unlink(tmp(names[i]));
    if (tmpdir[0])
        CHECK(rmdir(tmpdir) == 0);
}

TEST_MAIN("test_proj", TL_CASE(config_limits), TL_CASE(tensor_names_and_shapes),
          TL_CASE(file_round_trip), TL_CASE(keras_init), TL_CASE(exports_refuse),
          TL_CASE(cleanup))
