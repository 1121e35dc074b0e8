/* cmd_info.c - `recur info`: a Keras-like summary() of a model file: the
 * layers with output shapes and parameter counts, the totals, the tensors,
 * the vocabulary and the training settings stored as metadata. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "commands.h"
#include "progress.h"
#include "recur.h"

#define RULE_WIDTH 76

static void rule(char c)
{
    for (int i = 0; i < RULE_WIDTH; i++)
        putchar(c);
    putchar('\n');
}

static void row(const char *layer, const char *shape, long params)
{
    char count[32];
    progress_fmt_count(params, count, sizeof count);
    printf(" %-36s %-24s %12s\n", layer, shape, count);
}

/* Print s with quotes, escaping what would not show as itself. */
static void print_escaped(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '\n': fputs("\\n", stdout); break;
        case '\t': fputs("\\t", stdout); break;
        case '\r': fputs("\\r", stdout); break;
        case '\\': fputs("\\\\", stdout); break;
        case '"': fputs("\\\"", stdout); break;
        default:
            if (*p < 0x20 || *p == 0x7F)
                printf("\\x%02X", *p);
            else
                putchar(*p);
        }
    }
    putchar('"');
}

/* The layer a tensor belongs to: -1 input/embedding, 0.. recurrent layer,
 * -2 the dense output layer, -3 anything else. */
static int tensor_layer(const char *name)
{
    if (strncmp(name, "embedding.", 10) == 0)
        return -1;
    if (strncmp(name, "fc.", 3) == 0)
        return -2;
    const char *l = strstr(name, "_l");
    if (strncmp(name, "rnn.", 4) == 0 && l && l[2] >= '0' && l[2] <= '9')
        return atoi(l + 2);
    return -3;
}

static long layer_params(const recur_model *m, int layer)
{
    long total = 0;
    for (int i = 0; i < recur_model_tensor_count(m); i++) {
        int ndim;
        int64_t shape[2];
        const char *name = recur_model_tensor_at(m, i, &ndim, shape);
        if (tensor_layer(name) == layer)
            total += (long)(ndim == 2 ? shape[0] * shape[1] : shape[0]);
    }
    return total;
}

static const char *cell_title(recur_cell c)
{
    switch (c) {
    case RECUR_RNN_TANH: return "SimpleRNN";
    case RECUR_RNN_RELU: return "SimpleRNN, relu";
    case RECUR_LSTM: return "LSTM";
    case RECUR_GRU: return "GRU";
    }
    return "?";
}

/* The input row: an embedding, or the one-hot or dense input. */
static void input_rows(const recur_model *m, const recur_config *c)
{
    char layer[96], shape[48];
    if (c->input == RECUR_INPUT_EMBEDDING) {
        snprintf(layer, sizeof layer, "embedding (Embedding, %d ids)", c->input_size);
        snprintf(shape, sizeof shape, "(None, None, %d)", c->embed_dim);
        row(layer, shape, layer_params(m, -1));
    } else {
        snprintf(layer, sizeof layer, "input (%s, %d)",
                 c->input == RECUR_INPUT_ONEHOT ? "one-hot" : "dense", c->input_size);
        snprintf(shape, sizeof shape, "(None, None, %d)", c->input_size);
        row(layer, shape, 0);
    }
}

/* A row per recurrent layer, and one per dropout after it. */
static void recurrent_rows(const recur_model *m, const recur_config *c)
{
    char layer[96], shape[48], proj[40] = "";
    const char *lname = recur_cell_name(c->cell);
    /* A projected LSTM's outputs are its proj units (of hidden cell units). */
    if (c->proj)
        snprintf(proj, sizeof proj, ", %d projected to %d", c->hidden, c->proj);
    for (int l = 0; l < c->layers; l++) {
        if (c->bidirectional)
            snprintf(layer, sizeof layer, "bidirectional_%d (%s%s, both ways)", l + 1,
                     cell_title(c->cell), proj);
        else
            snprintf(layer, sizeof layer, "%s_%d (%s%s%s)", lname, l + 1, cell_title(c->cell),
                     proj, c->reverse ? ", last step to first" : "");
        snprintf(shape, sizeof shape, "(None, None, %d)",
                 (c->proj ? c->proj : c->hidden) * (c->bidirectional ? 2 : 1));
        row(layer, shape, layer_params(m, l));
        if (c->dropout > 0) { /* after every layer, the last too */
            snprintf(layer, sizeof layer, "dropout_%d (Dropout %g)", l + 1,
                     (double)c->dropout);
            row(layer, shape, 0);
        }
    }
}

/* The readout (many to one) and the dense output layer. */
static void head_rows(const recur_model *m, const recur_config *c)
{
    char layer[96], shape[48];
    int DH = (c->proj ? c->proj : c->hidden) * (c->bidirectional ? 2 : 1);
    if (c->readout != RECUR_READOUT_SEQUENCE) {
        snprintf(layer, sizeof layer, "%s (readout: %s)",
                 c->readout == RECUR_READOUT_LAST ? "last_state" : "mean_pool",
                 c->readout != RECUR_READOUT_LAST ? "mean of steps"
                 : c->reverse ? "state after step 0" : "last valid step");
        snprintf(shape, sizeof shape, "(None, %d)", DH);
        row(layer, shape, 0);
    }
    if (c->output_size > 0) {
        snprintf(layer, sizeof layer, "dense (Dense, %s)",
                 c->loss == RECUR_LOSS_XENT ? "softmax" : "linear");
        if (c->readout != RECUR_READOUT_SEQUENCE)
            snprintf(shape, sizeof shape, "(None, %d)", c->output_size);
        else
            snprintf(shape, sizeof shape, "(None, None, %d)", c->output_size);
        row(layer, shape, layer_params(m, -2));
    }
}

/* Totals, the file's size, the loss. */
static void totals(const char *path, const recur_model *m, const recur_config *c)
{
    int nvocab;
    (void)recur_model_get_vocab(m, &nvocab);
    long np = recur_model_param_count(m);
    char count[32], bytes[32];
    progress_fmt_count(np, count, sizeof count);
    progress_fmt_count(np * 4, bytes, sizeof bytes);
    printf("Total params: %s (%s bytes as float32)\n", count, bytes);
    struct stat st;
    if (stat(path, &st) == 0) {
        progress_fmt_count((long)st.st_size, bytes, sizeof bytes);
        printf("File size: %s bytes%s\n", bytes,
               recur_model_get_meta(m, "train.step")
                   ? " (a training checkpoint: it also holds the optimizer state)" : "");
    }
    const char *loss = c->loss == RECUR_LOSS_XENT ? "softmax cross-entropy"
                                                  : "mean squared error";
    if (c->output_size == 0)
        printf("No output layer: an encoder (its outputs are its states).\n");
    else if (c->readout != RECUR_READOUT_SEQUENCE)
        printf("Loss: %s, one per sequence (many to one)\n", loss);
    else
        printf("Loss: %s%s\n", loss, nvocab > 0 ? " over the next character" : "");
}

/* Keras's summary(): a row per layer, then the totals. */
static void print_layers(const char *path, const recur_model *m)
{
    const recur_config *c = recur_model_get_config(m);
    printf("Model: \"%s\"\n", path);
    rule('_');
    printf(" %-36s %-24s %12s\n", "Layer (type)", "Output Shape", "Param #");
    rule('=');
    input_rows(m, c);
    recurrent_rows(m, c);
    head_rows(m, c);
    rule('=');
    totals(path, m, c);
    rule('_');
    printf("Shapes are (time, batch, features); None = any length.\n");
}

static void print_tensors(const recur_model *m)
{
    printf("\nTensors (%d):\n", recur_model_tensor_count(m));
    for (int i = 0; i < recur_model_tensor_count(m); i++) {
        int ndim;
        int64_t shape[2];
        const char *name = recur_model_tensor_at(m, i, &ndim, shape);
        char dims[48], count[32];
        if (ndim == 2)
            snprintf(dims, sizeof dims, "[%lld, %lld]", (long long)shape[0],
                     (long long)shape[1]);
        else
            snprintf(dims, sizeof dims, "[%lld]", (long long)shape[0]);
        progress_fmt_count((long)(ndim == 2 ? shape[0] * shape[1] : shape[0]), count,
                           sizeof count);
        printf("  %-28s %-16s %12s\n", name, dims, count);
    }
}

/* A metadata value, cut after INFO_MAX_VALUE bytes (at a character
 * boundary) with its full length: a word classifier's word list is
 * hundreds of kilobytes; `recur export --format json` shows it whole. */
#define INFO_MAX_VALUE 240

static void print_value(const char *value)
{
    size_t n = strlen(value);
    if (n <= INFO_MAX_VALUE) {
        print_escaped(value);
        return;
    }
    size_t cut = INFO_MAX_VALUE;
    while (cut > 0 && ((unsigned char)value[cut] & 0xC0) == 0x80)
        cut--;
    char head[INFO_MAX_VALUE + 1];
    memcpy(head, value, cut);
    head[cut] = 0;
    print_escaped(head);
    printf(" ... (%zu bytes in all; 'recur export --format json' shows it whole)", n);
}

static void print_vocab_and_meta(const recur_model *m)
{
    int nvocab;
    const uint32_t *vocab = recur_model_get_vocab(m, &nvocab);
    if (nvocab > 0) {
        char *s = malloc((size_t)nvocab * 4 + 1);
        if (s) {
            size_t len = 0;
            for (int i = 0; i < nvocab; i++)
                len += (size_t)recur_utf8_encode(vocab[i], s + len);
            s[len] = 0;
            printf("\nVocabulary (%d character%s): ", nvocab, nvocab == 1 ? "" : "s");
            print_escaped(s);
            putchar('\n');
            free(s);
        }
    } else {
        printf("\nVocabulary: none (not a character model)\n");
    }
    int nmeta = recur_model_meta_count(m);
    printf("\nMetadata (%d):\n", nmeta);
    for (int i = 0; i < nmeta; i++) {
        const char *value = NULL;
        const char *key = recur_model_meta_at(m, i, &value);
        if (!key)
            continue;
        printf("  %s = ", key);
        print_value(value ? value : "");
        putchar('\n');
    }
}

static const char *const info_pos[] = {"MODEL"};

static const cli_options info_spec = {
    .cmd = "info",
    .usage = "recur info MODEL",
    .description = "Describe a model file (.safetensors model or checkpoint), as\n"
                   "Keras's summary(): layers, output shapes, parameter counts, then\n"
                   "its tensors, vocabulary and the training settings it records.",
    .pos_names = info_pos,
    .pos_min = 1,
    .pos_max = 1,
};

int info_parse(int argc, char **argv, info_opts *out)
{
    options_result res;
    int a = options_parse(&info_spec, out, argc, argv, &res);
    if (a)
        return a;
    out->model = res.pos[0];
    return ARGS_OK;
}

/* A sequence-to-sequence file: both halves, as two models. */
static int info_seq2seq(const char *path, recur_seq2seq *s)
{
    int nsrc = 0, ntgt = 0;
    recur_seq2seq_get_vocab(s, 0, &nsrc);
    recur_seq2seq_get_vocab(s, 1, &ntgt);
    char count[32];
    progress_fmt_count(recur_seq2seq_param_count(s), count, sizeof count);
    int features = recur_seq2seq_get_config(s)->src_features;
    if (features > 0)
        printf("Sequence-to-sequence model: \"%s\"\n"
               "A dense layer (tanh) over %d source features (an image's pixels) sets\n"
               "the initial state of a decoder over %d target tokens; %s parameters in\n"
               "all (the encoder below is that dense layer, stored as one Elman step\n"
               "from a zero state: its weight_hh multiplies zeros).\n\n",
               path, features, ntgt, count);
    else
        printf("Sequence-to-sequence model: \"%s\"\n"
               "An encoder over %d source tokens and a decoder over %d target tokens\n"
               "(the encoder's final states start the decoder); %s parameters in all.\n\n",
               path, nsrc, ntgt, count);
    char label[4096];
    snprintf(label, sizeof label, "%s: encoder", path);
    print_layers(label, recur_seq2seq_encoder(s));
    printf("\n");
    snprintf(label, sizeof label, "%s: decoder", path);
    print_layers(label, recur_seq2seq_decoder(s));
    recur_attention att = recur_seq2seq_get_config(s)->attention;
    if (att != RECUR_ATTN_NONE) {
        char head[32];
        progress_fmt_count(recur_seq2seq_param_count(s) -
                               recur_model_param_count(recur_seq2seq_encoder(s)) -
                               recur_model_param_count(recur_seq2seq_decoder(s)),
                           head, sizeof head);
        printf("\nAttention: %s (Luong: the decoder's top state reads every encoder "
               "output),\nthen tanh(W_c [context; state]) and the output layer over %d "
               "tokens; %s parameters.\n", recur_attention_name(att), ntgt, head);
    }
    recur_seq2seq_free(s);
    return 0;
}

int cmd_info(int argc, char **argv)
{
    info_opts o;
    int a = info_parse(argc, argv, &o);
    if (a)
        return a == ARGS_HELP ? 0 : EXIT_USAGE;
    recur_model *m = NULL;
    int rc = recur_model_load(o.model, &m);
    if (rc == RECUR_E_FORMAT) {
        /* Not a single model: perhaps two, an encoder-decoder. Otherwise the
         * single-model loader's message stands. */
        char why[512];
        snprintf(why, sizeof why, "%s", recur_last_error());
        recur_seq2seq *s = NULL;
        if (recur_seq2seq_load(o.model, &s) == RECUR_OK)
            return info_seq2seq(o.model, s);
        return cli_error("%s", why);
    }
    if (rc)
        return cli_lib_error(rc);
    print_layers(o.model, m);
    print_tensors(m);
    print_vocab_and_meta(m);
    recur_model_free(m);
    return 0;
}
