/* train_common.h - what the training commands share: a clean stop on
 * Ctrl-C/SIGTERM, and the checks made before a model file is written. */
#ifndef RECUR_CLI_TRAIN_COMMON_H
#define RECUR_CLI_TRAIN_COMMON_H

#include <signal.h>

/* The signal that asked training to stop (0: none yet). A second one
 * stops the process at once. */
extern volatile sig_atomic_t cli_stop_signal;
void cli_catch_signals(void);

int cli_file_exists(const char *path);
/* path must be a non-empty name whose directory exists and is writable
 * (for an atomic save or an output file), and not a directory; otherwise one error line (naming the
 * option, e.g. "--save") and EXIT_RUNTIME. */
int cli_check_save_dir(const char *option, const char *path);

/* A training failure (status rc, message in recur_last_error()): one error
 * line, saying that the checkpoint at save, if there is one, was left as
 * it was. Returns EXIT_RUNTIME. */
int cli_training_failed(int rc, const char *save);

#endif
