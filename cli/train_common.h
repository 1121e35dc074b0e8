/* train_common.h - what the commands that write or read models share: the
 * checks made before a model, a checkpoint or an output file is written,
 * that a model is a character language model, and a number as metadata
 * (the rest of training is the driver's: train_driver.h). */
#ifndef RECUR_CLI_TRAIN_COMMON_H
#define RECUR_CLI_TRAIN_COMMON_H

#include "recur.h"

int cli_file_exists(const char *path);
/* path must be a non-empty name whose directory exists and is writable
 * (for an atomic save or an output file), and not a directory; otherwise one error line (naming the
 * option, e.g. "--save") and EXIT_RUNTIME. */
int cli_check_save_dir(const char *option, const char *path);
/* The same for a model file, which is also refused where a device or pipe
 * is (the library will not rename a model over one). */
int cli_check_model_path(const char *option, const char *path);
/* A character language model (a vocabulary, as many outputs as inputs,
 * cross-entropy: what `recur train` makes), as eval and grad-report need
 * (sample leaves it to recur_sample's own check); else one error line
 * naming path and EXIT_RUNTIME. */
int cli_require_char_lm(const recur_model *m, const char *path);

/* recur_model_set_meta of v formatted with fmt ("%.9g", "%.0f", ...). */
int cli_set_meta(recur_model *m, const char *key, const char *fmt, double v);

#endif
