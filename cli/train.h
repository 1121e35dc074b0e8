/* train.h - what the two forms of `recur train` share: the options, the
 * checkpoint helpers (signals and save checks: train_common.h) of cmd_train.c, and the
 * windowed (many-to-one) trainer of train_windows.c. */
#ifndef RECUR_CLI_TRAIN_H
#define RECUR_CLI_TRAIN_H

#include <signal.h>
#include <stdint.h>

#include "recur.h"

/* The options of `recur train`, parsed by train_parse (commands.h). */
typedef struct {
    const char *text; /* the corpus: the TEXT file, the bundled one, or
                         "--text-string" when text_string is used */
    const char *model;
    int hidden, layers, embed, bidirectional;
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


int set_meta(recur_model *m, const char *key, const char *fmt, double v);
/* Parse recur train's options (ARGS_OK, ARGS_HELP or ARGS_ERROR after one
 * line on stderr; see commands.h). */
int train_parse(int argc, char **argv, train_opts *o);

/* The training settings, in the model file's metadata. */
int record_settings(recur_model *m, const train_opts *o, const char *corpus,
                    long ntrain, long nval);
/* The model the options describe over a vocabulary of vocab characters
 * (a next-character model: output over the same vocabulary). */
void train_model_config(const train_opts *o, int vocab, recur_config *cfg);
/* The training text: --text-string if given, else the file corpus. */
int load_training_text(const train_opts *o, const char *corpus, recur_text **out);
/* The --init scheme applied to a freshly created model. */
int apply_init(recur_model *m, const train_opts *o);

/* 0, or one error line if the checkpoint save was trained with another
 * window (0: a language model) than this run's. */
int check_resume_window(const char *save, int window);

/* `recur train --window W`: every window of W characters (stride 1) labelled
 * with the character after it, a readout-LAST model, shuffled mini-batches,
 * Keras-style epoch lines. Returns the exit status. */
int train_windows(const train_opts *o, const char *corpus);

#endif
