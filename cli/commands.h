/* commands.h - the subcommands of the recur CLI and the error helpers they
 * share. Each cmd_* takes argv with argv[0] = the subcommand's name and
 * returns the process exit status: 0, 1 for a runtime failure, 2 for a
 * usage error (130 for an interrupted training run). */
#ifndef RECUR_CLI_COMMANDS_H
#define RECUR_CLI_COMMANDS_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

enum { EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* Each command's options, parsed from its argv by *_parse apart from running
 * it (so that fuzz/fuzz_args.c can exercise the option tables alone). The
 * parsers return args.h's ARGS_OK; ARGS_HELP after printing the help; or
 * ARGS_ERROR after one line on stderr. On ARGS_OK every number is in the
 * range its option declares and every choice is one the command knows;
 * strings point into argv (or are the defaults). Commands made of
 * subcommands fill the member their .sub names. */

/* recur train (train_opts.c). */
typedef struct {
    const char *text; /* the corpus: the TEXT file, "--text-string" when
                         text_string is used, or NULL: the bundled one */
    const char *model;
    int hidden, layers, embed, bidirectional;
    int proj; /* an LSTM's projection size (PyTorch's proj_size), 0: none */
    double dropout;
    int seq, batch;
    long epochs, steps;
    double time_limit;
    const char *optim;
    double lr, momentum, rho, weight_decay, beta1, beta2, eps, clip, lr_decay;
    int lr_decay_after;
    double val;
    uint64_t seed;
    int threads;
    const char *save;
    long checkpoint_every, eval_every, sample;
    int resume, stateless, quiet;
    const char *log;
    int window;              /* > 0: many-to-one windows (train_windows) */
    const char *init;        /* "pytorch" or "keras" */
    const char *text_string; /* train on this string instead of a file */
} train_opts;

typedef struct {
    const char *model, *prime;
    long length;
    double temperature;
    int top_k, greedy;
    uint64_t seed;
    int window; /* -1: the model's train.window, else 0 */
} sample_opts;

typedef struct {
    const char *model, *text;
    int seq, batch;
} eval_opts;

typedef struct {
    const char *model;
} info_opts;

typedef struct {
    const char *model, *format, *output; /* output NULL: stdout; --format c: NAME */
    const char *quantize, *prefix;       /* --format c: "none" or "int8"; NULL: NAME */
} export_opts;

typedef struct {
    const char *onnx, *output; /* recur import ONNX -o OUTPUT */
} import_opts;

typedef struct {
    const char *model, *text; /* text NULL: the bundled corpus */
    const char *compare, *csv, *svg;
    int seq_len, batch, threads;
    double threshold;
} grad_report_opts;

/* recur classify train|eval|predict|baseline (classify_opts.c). */
typedef struct {
    const char *data, *save, *test, *cell, *readout, *optim, *log, *tokens;
    double split, dropout, lr, clip, alpha, time_limit;
    int hidden, layers, embed, bidirectional, batch, max_len, min_count, threads;
    int min_word_count, max_vocab;
    long epochs;
    uint64_t seed;
    int resume, raw, header, quiet, bucket, no_bucket, skip_bad, words;
} classify_train_opts;

typedef struct {
    const char *data, *test;
    double split, alpha;
    int max_len, max_words, raw, header, skip_bad;
    uint64_t seed;
} classify_baseline_opts;

/* eval and predict */
typedef struct {
    const char *model, *data; /* data NULL or "-": stdin (predict) */
    int max_len, max_len_given, batch, threads, raw, header, prob, skip_bad;
} classify_use_opts;

enum { CLASSIFY_TRAIN, CLASSIFY_EVAL, CLASSIFY_PREDICT, CLASSIFY_BASELINE };

typedef struct {
    int sub; /* CLASSIFY_*: which member is filled (use: eval and predict) */
    classify_train_opts train;
    classify_baseline_opts baseline;
    classify_use_opts use;
} classify_opts;

/* recur seq2seq train|eval|translate (seq2seq_opts.c). */
typedef struct {
    const char *data; /* DATA */
    const char *model, *src_tokens, *tgt_tokens, *optim, *save;
    const char *attention; /* "none", "dot", "general", "additive" */
    int hidden, layers, embed, bidirectional, batch, threads, beam, quiet, resume;
    int max_len, show, bpe_merges;
    double dropout, lr, clip, val, time_limit, lr_decay, length_penalty;
    long epochs, steps, eval_max, checkpoint_every;
    uint64_t seed;
} seq2seq_train_opts;

typedef struct {
    const char *model, *data;
    int beam, max_len, show;
    long max_examples;
    double val; /* 0: score all of DATA */
    double length_penalty;
    uint64_t seed;
    const char *baseline; /* "none", "copy" or "nn" */
    const char *hypotheses; /* score this file's lines instead of decoding */
} seq2seq_eval_opts;

typedef struct {
    const char *model, *input;
    const char *svg; /* --attention-svg, or NULL */
    int beam, max_len, sample, count;
    double temperature, length_penalty;
    uint64_t seed;
} seq2seq_translate_opts;

enum { SEQ2SEQ_TRAIN, SEQ2SEQ_EVAL, SEQ2SEQ_TRANSLATE };

typedef struct {
    int sub; /* SEQ2SEQ_*: which member is filled */
    seq2seq_train_opts train;
    seq2seq_eval_opts eval;
    seq2seq_translate_opts translate;
} seq2seq_opts;

/* recur forecast train|predict (cmd_forecast.c). */
typedef struct {
    const char *series; /* SERIES.csv */
    const char *column, *cell, *scale, *init, *optim, *missing;
    double test, lr, clip, time_limit;
    int window, season, season_input, log, diff, es, many, hidden, layers, batch, threads,
        quiet, history;
    long epochs;
    uint64_t seed;
    const char *csv, *svg, *save;
} forecast_train_opts;

typedef struct {
    const char *model, *series;
    const char *column, *csv, *svg, *missing;
    long horizon, history;
    int threads;
} forecast_predict_opts;

enum { FORECAST_TRAIN, FORECAST_PREDICT };

typedef struct {
    int sub; /* FORECAST_TRAIN or FORECAST_PREDICT: which of the two is filled */
    forecast_train_opts train;
    forecast_predict_opts predict;
} forecast_opts;

/* recur tag train|eval|predict (cmd_tag.c): one struct for the three, .sub
 * says which; eval's --train FILE is kept in .test. */
enum { TAG_TRAIN, TAG_EVAL, TAG_PREDICT };
typedef struct {
    int sub;
    const char *data, *model, *save, *test, *cell;
    int test_every, min_count, embed, hidden, layers, batch, epochs, threads, quiet;
    int resume, no_baseline, max_len, bucket_off, baseline;
    long steps;
    double lr, clip, dropout, time_limit, lr_decay;
    uint64_t seed;
} tag_opts;

/* recur caption train|eval|predict (cmd_caption.c): one struct for the
 * three, .sub says which. */
enum { CAPTION_TRAIN, CAPTION_EVAL, CAPTION_PREDICT };
typedef struct {
    int sub;
    const char *data, *model, *save, *cell, *tokens, *svg_dir;
    int image_size, hidden, layers, embed, batch, threads, beam, quiet, resume, show;
    int val_given, seed_given;
    long epochs, steps;
    double val, dropout, lr, clip, lr_decay, time_limit, length_penalty;
    uint64_t seed;
} caption_opts;

int train_parse(int argc, char **argv, train_opts *o);
int sample_parse(int argc, char **argv, sample_opts *o);
int eval_parse(int argc, char **argv, eval_opts *o);
int info_parse(int argc, char **argv, info_opts *o);
int export_parse(int argc, char **argv, export_opts *o);
int grad_report_parse(int argc, char **argv, grad_report_opts *o);
int import_parse(int argc, char **argv, import_opts *o);
int classify_parse(int argc, char **argv, classify_opts *o);
int forecast_parse(int argc, char **argv, forecast_opts *o);
int seq2seq_parse(int argc, char **argv, seq2seq_opts *o);
int tag_parse(int argc, char **argv, tag_opts *o);
int caption_parse(int argc, char **argv, caption_opts *o);

int cmd_train(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_grad_report(int argc, char **argv);
int cmd_forecast(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_seq2seq(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_tag(int argc, char **argv);
int cmd_caption(int argc, char **argv);

/* "recur: <message>" on stderr, one line; returns EXIT_RUNTIME. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
int cli_error(const char *fmt, ...);
/* "recur: <recur_last_error()>" for a failed library call with status rc
 * (the fixed description of rc if the library left no message). */
int cli_lib_error(int rc);
/* recur_set_threads(n), with a one-line warning when n exceeds the CPUs
 * this process may run on (more threads than cores only slow it down:
 * 2.5× on 2 cores with --threads 64). Once per process. */
void cli_set_threads(int n);
/* All of stdin (malloc'd, NUL-terminated after its *len bytes), refusing
 * more than RECUR_MAX_TEXT_BYTES; NULL after one error line. */
char *cli_read_stdin(size_t *len);
/* The same for a file, or for stdin when path is "-". */
char *cli_read_path(const char *path, size_t *len);
/* fn(arg, f) into the file path: written to a temporary file beside it,
 * fsync'd and renamed over it, so that on any failure path is left as it
 * was; through a symbolic link to the file it points to; a character
 * device or pipe (/dev/stdout, a FIFO) written directly, not replaced.
 * 0; fn's own non-zero result when fn fails (fn has said why, if it
 * prints); or -1 with errno (a directory: EISDIR), nothing printed. */
int cli_write_output(const char *path, int (*fn)(const void *arg, FILE *f), const void *arg);

#endif
