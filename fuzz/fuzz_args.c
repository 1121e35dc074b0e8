/* fuzz_args.c - fuzz target for the CLI's option parsing (cli/args.c with
 * each command's real option table, through the command's *_parse). The
 * first byte picks the command (modulo the twelve: train, sample, eval, info,
 * export, grad-report, classify, forecast, seq2seq, import, tag, caption; a
 * subcommand is the first argument); the rest, split on NUL bytes, is its
 * argv. A parse either
 * fails (one line on stderr), prints the help, or succeeds with every number
 * inside the range its option declares and every choice one of its own. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "recur.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

static void fail(const char *cmd, const char *what)
{
    fprintf(stderr, "fuzz_args: %s: parsed, but %s\n", cmd, what);
    abort();
}

static int in(double v, double lo, double hi) { return v >= lo && v <= hi; }

static void check_train(const train_opts *o)
{
    if (!o->model || !o->optim || !o->save || !*o->save)
        fail("train", "a string is missing");
    if (recur_cell_parse(o->model) < 0 || recur_optimizer_parse(o->optim) < 0)
        fail("train", "--model or --optim is unknown");
    if (strcmp(o->init, "pytorch") != 0 && strcmp(o->init, "keras") != 0)
        fail("train", "--init is unknown");
    if (o->text_string && (!o->text || strcmp(o->text, "--text-string") != 0))
        fail("train", "--text-string did not name the corpus");
    if (!in(o->hidden, 1, RECUR_MAX_WIDTH) || o->layers < 1 ||
        !in(o->embed, 0, RECUR_MAX_WIDTH) || !in(o->seq, 1, 100000) ||
        !in(o->batch, 1, 100000) || !in((double)o->epochs, 1, 1e9) || o->steps < 0 ||
        !in(o->threads, 1, 1024) || !in((double)o->sample, 0, 1e9) ||
        o->checkpoint_every < 0 || o->eval_every < 0 || o->lr_decay_after < 0)
        fail("train", "an integer is out of range");
    if (!(o->dropout >= 0 && o->dropout < 1) || !(o->lr > 0) || !isfinite(o->lr) ||
        !(o->momentum >= 0 && o->momentum < 1) || !(o->rho >= 0 && o->rho < 1) ||
        !(o->beta1 >= 0 && o->beta1 < 1) || !(o->beta2 >= 0 && o->beta2 < 1) ||
        !(o->eps > 0) || !isfinite(o->eps) || !(o->weight_decay >= 0) ||
        !isfinite(o->weight_decay) || !(o->clip >= 0) || !isfinite(o->clip) ||
        !(o->lr_decay > 0 && o->lr_decay <= 1) || !(o->val >= 0 && o->val < 1) ||
        !(o->time_limit >= 0) || !isfinite(o->time_limit))
        fail("train", "a number is out of range");
    /* What the library receives as floats, rounded as it will be. */
    float lr = (float)o->lr, drop = (float)o->dropout, mom = (float)o->momentum,
          rho = (float)o->rho, b1 = (float)o->beta1, b2 = (float)o->beta2,
          eps = (float)o->eps, decay = (float)o->lr_decay;
    if (fabs(o->lr) > FLT_MAX || fabs(o->clip) > FLT_MAX || fabs(o->eps) > FLT_MAX ||
        fabs(o->weight_decay) > FLT_MAX || !(lr > 0 && lr < 100) ||
        !(drop >= 0 && drop < 1) || !(mom >= 0 && mom < 1) || !(rho >= 0 && rho < 1) ||
        !(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1) || !(eps > 0) ||
        !(decay > 0 && decay <= 1))
        fail("train", "a number is out of range in single precision");
    if (o->bidirectional & ~1 || o->resume & ~1 || o->stateless & ~1 || o->quiet & ~1)
        fail("train", "a flag is not 0 or 1");
}

static void check_sample(const sample_opts *o)
{
    if (!o->model || !o->prime)
        fail("sample", "a string is missing");
    float t = (float)o->temperature;
    if (o->length < 0 || o->top_k < 0 || !(o->temperature > 0 && o->temperature <= 100) ||
        !(t > 0 && t <= 100) ||
        o->greedy & ~1)
        fail("sample", "a number is out of range");
}

static void check_eval(const eval_opts *o)
{
    if (!o->model || !o->text)
        fail("eval", "a string is missing");
    if (!in(o->seq, 1, 100000) || !in(o->batch, 1, 100000))
        fail("eval", "a number is out of range");
}

static void check_export(const export_opts *o)
{
    if (!o->model || !o->format)
        fail("export", "a string is missing");
    int c_src = strcmp(o->format, "c") == 0, onnx = strcmp(o->format, "onnx") == 0;
    if (strcmp(o->format, "json") != 0 && strcmp(o->format, "csv") != 0 && !c_src && !onnx)
        fail("export", "--format is not json, csv, c or onnx");
    if (o->output && (!*o->output || strcmp(o->output, "-") == 0))
        fail("export", "--output is empty or '-'");
    if ((c_src || onnx) && !o->output)
        fail("export", "--format c or onnx without -o");
    if (!o->quantize || (strcmp(o->quantize, "none") != 0 && strcmp(o->quantize, "int8") != 0))
        fail("export", "--quantize is neither none nor int8");
    if (!c_src && (o->prefix || strcmp(o->quantize, "none") != 0))
        fail("export", "--quantize or --prefix without --format c");
}

static void check_grad_report(const grad_report_opts *o)
{
    if (!o->model)
        fail("grad-report", "MODEL is missing");
    if (!in(o->seq_len, 1, 100000) || !in(o->batch, 1, 100000) ||
        !in(o->threads, 1, 1024) || !(o->threshold > 0 && o->threshold < 1))
        fail("grad-report", "a number is out of range");
    if (o->compare && strspn(o->compare, ",") == strlen(o->compare))
        fail("grad-report", "--compare names no model");
}

static int one_of(const char *s, const char *a, const char *b, const char *c)
{
    return s && (strcmp(s, a) == 0 || strcmp(s, b) == 0 || (c && strcmp(s, c) == 0));
}

static void check_classify(const classify_opts *c)
{
    if (c->sub == CLASSIFY_TRAIN) {
        const classify_train_opts *o = &c->train;
        if (!o->data || !o->save || !*o->save || recur_cell_parse(o->cell) < 0 ||
            !one_of(o->readout, "last", "mean", NULL) || recur_optimizer_parse(o->optim) < 0)
            fail("classify train", "a string is missing or unknown");
        if (!in(o->hidden, 1, RECUR_MAX_WIDTH) || !in(o->layers, 1, 16) ||
            !in(o->embed, 0, RECUR_MAX_WIDTH) || !(o->dropout >= 0 && o->dropout < 1) ||
            !in((double)o->epochs, 1, 1e9) || !in(o->batch, 1, 100000) ||
            !(o->lr > 0 && o->lr < 100) || !(o->clip >= 0) || !isfinite(o->clip) ||
            !in(o->max_len, 0, 100000) || !in(o->min_count, 1, 1e9) || !(o->alpha > 0) ||
            !isfinite(o->alpha) || !(o->time_limit >= 0) || !isfinite(o->time_limit) ||
            !in(o->threads, 1, 1024) || !(o->split >= 0 && o->split < 1))
            fail("classify train", "a number is out of range");
    } else if (c->sub == CLASSIFY_BASELINE) {
        const classify_baseline_opts *o = &c->baseline;
        if (!o->data || !(o->split > 0 && o->split < 1) || !(o->alpha > 0) ||
            !isfinite(o->alpha) || !in(o->max_len, 0, 100000))
            fail("classify baseline", "a value is out of range");
    } else if (c->sub == CLASSIFY_EVAL || c->sub == CLASSIFY_PREDICT) {
        const classify_use_opts *o = &c->use;
        if (!o->model || (c->sub == CLASSIFY_EVAL && !o->data) ||
            !in(o->max_len, 0, 100000) || !in(o->batch, 1, 100000) ||
            !in(o->threads, 1, 1024))
            fail("classify eval/predict", "a value is out of range");
    } else {
        fail("classify", "an unknown subcommand");
    }
}

static void check_forecast(const forecast_opts *f)
{
    if (f->sub == FORECAST_TRAIN) {
        const forecast_train_opts *o = &f->train;
        if (!o->series || recur_cell_parse(o->cell) < 0 || recur_scale_parse(o->scale) < 0 ||
            !one_of(o->init, "keras", "pytorch", NULL) || recur_optimizer_parse(o->optim) < 0 ||
            recur_missing_parse(o->missing) < 0)
            fail("forecast train", "a string is missing or unknown");
        if (!(o->test > 0 && o->test <= 1e9) || !in(o->window, 1, RECUR_FORECAST_MAX_WINDOW) ||
            !in(o->season, 0, 1e6) || !in(o->diff, 0, 1e6) ||
            !in(o->hidden, 1, RECUR_MAX_WIDTH) || !in(o->layers, 1, 16) ||
            !in((double)o->epochs, 1, 1e7) || !(o->lr > 0) || !isfinite(o->lr) ||
            !(o->clip >= 0) || !isfinite(o->clip) || !in(o->batch, 1, 100000) ||
            !in(o->threads, 1, 1024) || !(o->time_limit >= 0) || !isfinite(o->time_limit) ||
            o->history < 0)
            fail("forecast train", "a number is out of range");
    } else if (f->sub == FORECAST_PREDICT) {
        const forecast_predict_opts *o = &f->predict;
        if (!o->model || !o->series || !in((double)o->horizon, 1, 100000) ||
            o->history < 0 || !in(o->threads, 1, 1024) || recur_missing_parse(o->missing) < 0)
            fail("forecast predict", "a value is out of range");
    } else {
        fail("forecast", "an unknown subcommand");
    }
}

static void check_seq2seq_train(const seq2seq_train_opts *o)
{
    if (!o->data || recur_cell_parse(o->model) < 0 || recur_optimizer_parse(o->optim) < 0 ||
        !one_of(o->src_tokens, "chars", "words", NULL) ||
        !one_of(o->tgt_tokens, "chars", "words", NULL) || !o->save || !*o->save)
        fail("seq2seq train", "a string is missing or unknown");
    if (!in(o->hidden, 1, 32768) || !in(o->layers, 1, 16) || !in(o->embed, 0, 65536) ||
        !(o->dropout >= 0 && o->dropout < 1) || !in(o->batch, 1, 100000) ||
        !in((double)o->epochs, 1, 1e9) || o->steps < 0 || !(o->time_limit >= 0) ||
        !isfinite(o->time_limit) || !(o->lr > 0 && o->lr < 100) ||
        !(o->lr_decay > 0 && o->lr_decay <= 1) || !(o->clip >= 0) || !isfinite(o->clip) ||
        !(o->val >= 0 && o->val < 1) || !in(o->threads, 1, 1024) || !in(o->beam, 0, 1000) ||
        !in(o->max_len, 0, 100000) || o->eval_max < 0 || !in(o->show, 0, 1e6) ||
        o->checkpoint_every < 0)
        fail("seq2seq train", "a number is out of range");
}

static void check_seq2seq(const seq2seq_opts *s)
{
    if (s->sub == SEQ2SEQ_TRAIN) {
        check_seq2seq_train(&s->train);
    } else if (s->sub == SEQ2SEQ_EVAL) {
        const seq2seq_eval_opts *o = &s->eval;
        if (!o->model || !o->data || !one_of(o->baseline, "none", "copy", "nn") ||
            (strcmp(o->baseline, "nn") == 0 && !(o->val > 0)))
            fail("seq2seq eval", "a string is missing or unknown");
        if (!in(o->beam, 0, 1000) || !in(o->max_len, 0, 100000) ||
            !(o->val >= 0 && o->val < 1) || o->max_examples < 0 || !in(o->show, 0, 1e6))
            fail("seq2seq eval", "a number is out of range");
    } else if (s->sub == SEQ2SEQ_TRANSLATE) {
        const seq2seq_translate_opts *o = &s->translate;
        if (!o->model || !o->input || !in(o->beam, 0, 1000) || !in(o->count, 1, 10000) ||
            !(o->temperature > 0 && o->temperature <= 100) || !in(o->max_len, 0, 100000))
            fail("seq2seq translate", "a value is out of range");
    } else {
        fail("seq2seq", "an unknown subcommand");
    }
}

static void check_tag(const tag_opts *o)
{
    if (o->sub == TAG_TRAIN) {
        if (!o->data || !o->save || !o->cell || recur_cell_parse(o->cell) < 0)
            fail("tag train", "a string is missing or unknown");
        if (o->test && o->test_every != 10)
            fail("tag train", "--test and --test-every together");
        if (!in(o->test_every, 2, 1e6) || !in(o->min_count, 1, 1e6) ||
            !in(o->embed, 1, RECUR_MAX_WIDTH) || !in(o->hidden, 1, RECUR_MAX_WIDTH) ||
            !in(o->layers, 1, 64) || !in(o->batch, 1, 1e5) || !in(o->epochs, 1, 1e6) ||
            !in(o->max_len, 1, RECUR_CONLL_MAX_WORDS) || !in(o->threads, 1, 256) ||
            !(o->dropout >= 0 && o->dropout < 1) || !(o->lr > 0 && o->lr <= 10) ||
            !(o->lr_decay > 0 && o->lr_decay <= 1) || !in(o->clip, 0, 1e6) ||
            !in(o->time_limit, 0, 1e9) || o->steps < 0)
            fail("tag train", "a number is out of range");
    } else if (o->sub == TAG_EVAL || o->sub == TAG_PREDICT) {
        if (!o->model || (o->sub == TAG_EVAL && !o->data))
            fail("tag", "MODEL or DATA is missing");
        if (o->sub == TAG_EVAL && o->baseline && !o->test && !o->test_every)
            fail("tag eval", "--baseline with nothing to learn from");
        if (!in(o->batch, 1, 1e5) || !in(o->threads, 1, 256))
            fail("tag", "a number is out of range");
    } else {
        fail("tag", "an unknown subcommand");
    }
}

static void check_caption(const caption_opts *o)
{
    if (!o->data || !in(o->beam, 0, 1000) || !in(o->threads, 1, 256) ||
        !(o->length_penalty >= 0 && o->length_penalty <= 10) || !in(o->val, 0, 1) ||
        o->val == 1)
        fail("caption", "DATA is missing or a number is out of range");
    if (o->sub == CAPTION_TRAIN) {
        if (!o->save || recur_cell_parse(o->cell) < 0 || recur_tokens_parse(o->tokens) < 0)
            fail("caption train", "a string is missing or unknown");
        if (!in(o->image_size, 1, 256) || !in(o->embed, 0, RECUR_MAX_WIDTH) ||
            !in(o->hidden, 1, RECUR_MAX_WIDTH) || !in(o->layers, 1, 16) ||
            !in(o->batch, 1, 1e5) || !in(o->epochs, 1, 1e6) ||
            !(o->dropout >= 0 && o->dropout < 1) || !(o->lr > 0 && o->lr <= 10) ||
            !(o->lr_decay > 0 && o->lr_decay <= 1) || !in(o->clip, 0, 1e6) ||
            !in(o->time_limit, 0, 1e9) || o->steps < 0)
            fail("caption train", "a number is out of range");
    } else if (o->sub == CAPTION_EVAL || o->sub == CAPTION_PREDICT) {
        if (!o->model)
            fail("caption", "MODEL is missing");
        if (o->svg_dir && o->show < 1)
            fail("caption eval", "--svg-dir without --show");
    } else {
        fail("caption", "an unknown subcommand");
    }
}

/* Parse argv as command cmd; check what a successful parse left. */
static int parse(int cmd, int argc, char **argv)
{
    int a;
    switch (cmd) {
    case 0: {
        train_opts o;
        if ((a = train_parse(argc, argv, &o)) == ARGS_OK)
            check_train(&o);
        return a;
    }
    case 1: {
        sample_opts o;
        if ((a = sample_parse(argc, argv, &o)) == ARGS_OK)
            check_sample(&o);
        return a;
    }
    case 2: {
        eval_opts o;
        if ((a = eval_parse(argc, argv, &o)) == ARGS_OK)
            check_eval(&o);
        return a;
    }
    case 3: {
        info_opts o;
        if ((a = info_parse(argc, argv, &o)) == ARGS_OK && !o.model)
            fail("info", "MODEL is missing");
        return a;
    }
    case 4: {
        export_opts o;
        if ((a = export_parse(argc, argv, &o)) == ARGS_OK)
            check_export(&o);
        return a;
    }
    case 5: {
        grad_report_opts o;
        if ((a = grad_report_parse(argc, argv, &o)) == ARGS_OK)
            check_grad_report(&o);
        return a;
    }
    case 6: {
        classify_opts o;
        if ((a = classify_parse(argc, argv, &o)) == ARGS_OK)
            check_classify(&o);
        return a;
    }
    case 7: {
        forecast_opts o;
        if ((a = forecast_parse(argc, argv, &o)) == ARGS_OK)
            check_forecast(&o);
        return a;
    }
    case 8: {
        seq2seq_opts o;
        if ((a = seq2seq_parse(argc, argv, &o)) == ARGS_OK)
            check_seq2seq(&o);
        return a;
    }
    case 9: {
        import_opts o;
        if ((a = import_parse(argc, argv, &o)) == ARGS_OK &&
            (!o.onnx || !o.output || !*o.output))
            fail("import", "MODEL.onnx or -o FILE is missing");
        return a;
    }
    case 10: {
        tag_opts o;
        if ((a = tag_parse(argc, argv, &o)) == ARGS_OK)
            check_tag(&o);
        return a;
    }
    default: {
        caption_opts o;
        if ((a = caption_parse(argc, argv, &o)) == ARGS_OK)
            check_caption(&o);
        return a;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"train",  "sample",   "eval",
                                        "info",   "export",   "grad-report",
                                        "classify", "forecast", "seq2seq",
                                        "import", "tag", "caption"};
    enum { NCOMMANDS = (int)(sizeof names / sizeof *names) };
    if (size < 1)
        return 0;
    int cmd = data[0] % NCOMMANDS;
    /* argv strings: the rest of the input, NUL-terminated, split on NULs. */
    size_t len = size - 1;
    char *buf = malloc(len + 1);
    if (!buf)
        abort();
    memcpy(buf, data + 1, len);
    buf[len] = 0;
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = (char *)names[cmd];
    for (size_t i = 0; len > 0 && i <= len && argc <= MAX_ARGS;) {
        argv[argc++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    argv[argc] = NULL;
    int a = parse(cmd, argc, argv);
    if (a != ARGS_OK && a != ARGS_HELP && a != ARGS_ERROR)
        fail(names[cmd], "returned an unknown status");
    free(buf);
    return 0;
}
