/* train_driver.h - the one training loop of the CLI, shared by every command
 * that trains (train, train --window, classify train, seq2seq train,
 * forecast train).
 *
 * The driver owns what is the same everywhere: the signals (the first
 * Ctrl-C or SIGTERM finishes the step and saves, a second one stops at
 * once), the time limit, the progress display (progress.h), the evaluation
 * cadence, the checkpoints (written atomically by the library, so a failed
 * run keeps the last good one), the one failure report (the library's
 * message, and that the last good checkpoint was kept) and the messages for
 * a run that stopped early. A
 * command fills a train_driver with its numbers and hooks (its step, its
 * evaluation, its per-step and per-epoch reporting, its summary), prints its
 * header and calls train_drive. Under mpirun (build/recur-mpi, dist.h) the
 * driver makes .trainer (or, through .set_shard, the command's own trainer)
 * this rank's share of every batch, lets only rank 0 print, log, evaluate
 * and save, and stops every rank after the same step. */
#ifndef RECUR_CLI_TRAIN_DRIVER_H
#define RECUR_CLI_TRAIN_DRIVER_H

#include "progress.h"
#include "recur.h"

typedef struct train_driver train_driver;

/* What differs between the commands. Every hook returns a library status
 * (0: go on); the ones marked optional may be NULL. */
typedef struct {
    /* One optimisation step and the step count after it. NULL: the
     * driver's recur_trainer (.trainer). */
    int (*step)(train_driver *d, recur_batch_stats *st);
    long (*step_count)(const train_driver *d);
    /* Write the checkpoint to .save (atomically). NULL: .trainer's. */
    int (*save)(train_driver *d);
    /* Optional: score the held-out data into *loss. */
    int (*evaluate)(train_driver *d, double *loss);
    /* Optional: after each step's display (logs, epoch reports); epoch_end
     * says that the step closed an epoch (or reached the target). */
    int (*after_step)(train_driver *d, const recur_batch_stats *st, int evaluated,
                      int epoch_end);
    /* Optional: the closing lines of a run that trained and saved without
     * being interrupted; returns an exit status. */
    int (*summary)(train_driver *d);
    /* Under mpirun: make the command's own trainer this rank's share
     * (recur_*_set_shard). NULL: .trainer's. A command with its own step
     * and none of this is refused over MPI. */
    int (*set_shard)(train_driver *d, int rank, int nranks, recur_allreduce_fn sum);
} train_hooks;

struct train_driver {
    /* Set by the command. */
    const train_hooks *hooks;
    void *ctx;              /* the command's own state, for its hooks */
    recur_trainer *trainer; /* for the default step, step_count and save */
    const char *save;       /* the checkpoint file, or NULL: none */
    int model_only;         /* the command saves its model itself once training
                               is over (over MPI: on rank 0 alone); the driver
                               saves (with .hooks->save, and no --resume to
                               offer) only when a signal stops training */
    long steps_per_epoch;
    long target;            /* the step to stop at */
    double time_limit;      /* seconds; 0: none */
    long checkpoint_every;  /* also save every N steps; 0: no */
    int checkpoint_epochs;  /* also save at every epoch end */
    long eval_every;        /* also evaluate every N steps (besides epoch ends) */
    int eval_on_bar;        /* show the evaluation on the epoch line (val_loss) */
    progress_mode mode;
    /* Kept by the driver, read by the hooks. */
    progress prog;
    long start;       /* the step count when training began */
    long last_saved;  /* the step of the latest checkpoint */
    int has_eval;     /* an evaluation ran; its loss: */
    double eval_loss;
};

/* Train until the target step, the time limit or a signal, then save and
 * report. Returns the exit status: 0, EXIT_RUNTIME after a failure (one
 * line; the last good checkpoint kept), 128 + the signal after an
 * interruption (the step finished and saved), or the summary hook's. */
int train_drive(train_driver *d);

/* The step count now. */
long train_driver_step(const train_driver *d);
/* Whether training ended before the target (the time limit or a signal). */
int train_driver_stopped_early(const train_driver *d);
/* Seconds since training began, as "1:23". */
void train_driver_elapsed(const train_driver *d, char *buf, size_t size);

/* The progress display for a command's --quiet and its non-terminal mode
 * (PROGRESS_PLAIN or PROGRESS_EPOCHS); a terminal gets the bar. */
progress_mode train_progress_mode(int quiet, progress_mode otherwise);

/* 1 (after a line on stderr) when a resumed run is already at its target. */
int train_nothing_to_do(const char *save, long start, long target);

/* 0, or one error line and EXIT_RUNTIME when --resume finds no checkpoint
 * or --save cannot be written (cli_check_save_dir). */
int train_check_save(int resume, const char *save);

#endif
