/* progress.h - the training progress display on stderr.
 *
 *   PROGRESS_BAR    stderr is a terminal: a Keras-like bar per epoch, redrawn
 *                   in place ("Epoch 3/10", then
 *                   " 120/500 [=====>.....] - ETA: 1:23 - loss: ... - 12,345 tok/s")
 *   PROGRESS_PLAIN  a log line every 10 seconds and at each epoch end
 *   PROGRESS_QUIET  nothing (the command prints its final summary itself)
 *   PROGRESS_EPOCHS Keras's lines at each epoch end, nothing in between
 *                   ("Epoch 3/10", then "2/2 [====...] - 0s 1ms/step - loss: ...")
 *
 * loss and accuracy shown are running means over the current epoch, weighted
 * by tokens. Messages printed through progress_message() first move off a
 * half-drawn bar so that they land on a line of their own. */
#ifndef RECUR_CLI_PROGRESS_H
#define RECUR_CLI_PROGRESS_H

#include <stdio.h>

typedef enum { PROGRESS_QUIET, PROGRESS_PLAIN, PROGRESS_BAR, PROGRESS_EPOCHS } progress_mode;

typedef struct {
    progress_mode mode;
    FILE *out;
    long steps_per_epoch;
    long target_step;   /* the step training stops at */
    int total_epochs;   /* epochs shown as "Epoch e/total_epochs" */
    double t0;          /* start of this run (seconds, monotonic) */
    long start_step;    /* steps already taken before this run (resume) */
    long tokens_run;    /* tokens trained on in this run */
    /* the current epoch */
    int epoch;          /* 0-based */
    double epoch_t0;
    long epoch_first_step; /* step count when this run entered the epoch */
    double sum_loss, sum_correct;
    long sum_tokens;
    double last_mean_loss, last_mean_acc; /* of the latest epoch with steps */
    /* drawing */
    int line_open;       /* a bar line is drawn without its newline */
    double last_draw;
    double last_plain;
} progress;

/* Seconds on a monotonic clock. */
double progress_now(void);
/* "1:23", "1:02:03" */
void progress_fmt_time(double seconds, char *buf, size_t size);
/* 12345 -> "12,345" */
void progress_fmt_count(long v, char *buf, size_t size);

void progress_init(progress *p, progress_mode mode, FILE *out, long steps_per_epoch,
                   long start_step, long target_step);
/* Record one step (the trainer's step count after it, its stats), redraw. */
void progress_step(progress *p, long step, double loss, double accuracy, long tokens);
/* A validation result mid-epoch (not at an epoch end). */
void progress_eval(progress *p, long step, double val_loss);
/* Close the current epoch's display; has_val says whether val_loss is set. */
void progress_epoch_end(progress *p, long step, int has_val, double val_loss);
/* The running mean training loss (and accuracy) of the latest epoch. */
double progress_train_loss(const progress *p, double *accuracy);
/* Close a half-drawn bar line (before an error or the summary). */
void progress_break(progress *p);
/* Print a line of text in a way that does not clobber the bar. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void progress_message(progress *p, const char *fmt, ...);

#endif
