/* commands.h - the subcommands of the recur CLI and the error helpers they
 * share. Each cmd_* takes argv with argv[0] = the subcommand's name and
 * returns the process exit status: 0, 1 for a runtime failure, 2 for a
 * usage error (130 for an interrupted training run). */
#ifndef RECUR_CLI_COMMANDS_H
#define RECUR_CLI_COMMANDS_H

#include <stddef.h>
#include <stdint.h>

enum { EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* Each command's options, parsed from its argv by *_parse apart from running
 * it (so that fuzz/fuzz_args.c can exercise the option tables alone). The
 * parsers return args.h's ARGS_OK; ARGS_HELP after printing the help; or
 * ARGS_ERROR after one line on stderr. On ARGS_OK every number is in the
 * range its option declares. Strings point into argv. */

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

int sample_parse(int argc, char **argv, sample_opts *o);
int eval_parse(int argc, char **argv, eval_opts *o);
int info_parse(int argc, char **argv, info_opts *o);

int cmd_train(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_grad_report(int argc, char **argv);
int cmd_forecast(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_seq2seq(int argc, char **argv);

/* "recur: <message>" on stderr, one line; returns EXIT_RUNTIME. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
int cli_error(const char *fmt, ...);
/* "recur: <recur_last_error()>" for a failed library call with status rc
 * (the fixed description of rc if the library left no message). */
int cli_lib_error(int rc);
/* All of stdin (malloc'd), refusing more than RECUR_MAX_TEXT_BYTES; NULL
 * after one error line. */
char *cli_read_stdin(size_t *len);

#endif
