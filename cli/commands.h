/* commands.h - the subcommands of the recur CLI and the error helpers they
 * share. Each cmd_* takes argv with argv[0] = the subcommand's name and
 * returns the process exit status: 0, 1 for a runtime failure, 2 for a
 * usage error (130 for an interrupted training run). */
#ifndef RECUR_CLI_COMMANDS_H
#define RECUR_CLI_COMMANDS_H

enum { EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

int cmd_train(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_seq2seq(int argc, char **argv);

/* "recur: <message>" on stderr, one line; returns EXIT_RUNTIME. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
int cli_error(const char *fmt, ...);
/* "recur: <recur_last_error()>" for a failed library call with status rc
 * (the fixed description of rc if the library left no message). */
int cli_lib_error(int rc);

#endif
