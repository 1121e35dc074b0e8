/* train_driver.c - the training loop every training command runs: steps
 * until the target, the time limit or a signal; evaluations, progress and
 * checkpoints on the way; one report for a failure and for a stop. */
#include "train_driver.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "dist.h"
#include "train_common.h"

/* The signal that asked training to stop (0: none yet). */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    if (stop_signal) { /* a second Ctrl-C: stop at once */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    stop_signal = sig;
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* The one report of a failed run (NaN/Inf, a failed evaluation or save):
 * the library's message, and that the last good checkpoint was kept. */
static int training_failed(int rc, const char *save)
{
    if (save && cli_file_exists(save))
        return cli_error("%s (%s was left as it was)", recur_last_error(), save);
    return cli_lib_error(rc);
}

static long step_count(const train_driver *d)
{
    return d->hooks->step_count ? d->hooks->step_count(d)
                                : recur_trainer_step_count(d->trainer);
}

long train_driver_step(const train_driver *d) { return step_count(d); }

int train_driver_stopped_early(const train_driver *d) { return step_count(d) < d->target; }

void train_driver_elapsed(const train_driver *d, char *buf, size_t size)
{
    progress_fmt_time(progress_now() - d->prog.t0, buf, size);
}

progress_mode train_progress_mode(int quiet, progress_mode otherwise)
{
    return quiet ? PROGRESS_QUIET : isatty(fileno(stderr)) ? PROGRESS_BAR : otherwise;
}

int train_nothing_to_do(const char *save, long start, long target)
{
    if (start < target)
        return 0;
    fprintf(stderr, "%s is already at step %ld, the target is step %ld: nothing to train "
            "(raise --steps or --epochs)\n", save, start, target);
    return 1;
}

int train_check_save(int resume, const char *save)
{
    if (resume && !cli_file_exists(save))
        return cli_error("--resume: %s does not exist (nothing to resume; leave out "
                         "--resume to start afresh, or name the checkpoint with --save)",
                         save);
    return cli_check_model_path("--save", save);
}

static int save(train_driver *d)
{
    /* Over MPI every rank holds the same parameters and state: rank 0
     * writes. */
    int rc = dist_rank() != 0 ? 0
             : d->hooks->save ? d->hooks->save(d)
                              : recur_trainer_save(d->trainer, d->save);
    if (!rc)
        d->last_saved = step_count(d);
    return rc;
}

static int evaluate(train_driver *d)
{
    if (dist_rank() != 0) /* over MPI, rank 0 scores, reports and saves */
        return 0;
    int rc = d->hooks->evaluate(d, &d->eval_loss);
    if (!rc)
        d->has_eval = 1;
    return rc;
}

static int time_is_up(const train_driver *d)
{
    return d->time_limit > 0 && progress_now() - d->prog.t0 >= d->time_limit;
}

/* One step and what follows it: the display, an evaluation when one is due,
 * the command's reporting, a checkpoint when one is due. */
static int one_step(train_driver *d)
{
    recur_batch_stats st;
    int rc = d->hooks->step ? d->hooks->step(d, &st) : recur_trainer_step(d->trainer, &st);
    if (rc)
        return rc;
    long step = step_count(d), spe = d->steps_per_epoch;
    progress_step(&d->prog, step, st.loss, st.accuracy, st.tokens);
    int epoch_end = step % spe == 0 || step == d->target;
    int evaluated = d->hooks->evaluate &&
                    (epoch_end || (d->eval_every && step % d->eval_every == 0));
    if (evaluated && (rc = evaluate(d)))
        return rc;
    int shown = evaluated && d->eval_on_bar;
    if (epoch_end)
        progress_epoch_end(&d->prog, step, shown, d->eval_loss);
    else if (shown)
        progress_eval(&d->prog, step, d->eval_loss);
    if (d->hooks->after_step && dist_rank() == 0 && (rc = d->hooks->after_step(d, &st, evaluated, epoch_end)))
        return rc;
    int due = step == d->target || (d->checkpoint_every && step % d->checkpoint_every == 0) ||
              (d->checkpoint_epochs && step % spe == 0);
    return due && !d->model_only ? save(d) : 0;
}

/* A run that stopped before its first step trained and saved nothing. */
static int stopped_at_once(train_driver *d)
{
    progress_break(&d->prog);
    if (dist_rank() != 0)
        return stop_signal ? 128 + (int)stop_signal : 0;
    if (stop_signal) {
        cli_error("interrupted before the first step; nothing was trained or saved");
        return 128 + (int)stop_signal;
    }
    fprintf(stderr, "The time limit was reached before the first step; nothing was "
                    "trained%s.\n", d->model_only ? "" : " or saved");
    return 0;
}

/* After the loop: close a partial epoch stopped by the time limit (with a
 * fresh evaluation), save what is not saved yet. */
static int finish(train_driver *d)
{
    long step = step_count(d);
    int rc;
    if (step < d->target && !stop_signal && step % d->steps_per_epoch != 0) {
        int evaluated = d->hooks->evaluate != NULL;
        if (evaluated && (rc = evaluate(d)))
            return rc;
        progress_epoch_end(&d->prog, step, evaluated && d->eval_on_bar, d->eval_loss);
    }
    progress_break(&d->prog);
    if (d->model_only && !(stop_signal && d->save))
        return 0;
    return step > d->last_saved ? save(d) : 0;
}

/* The one line for a run stopped by a signal, after its step and save. */
static int interrupted(const train_driver *d)
{
    long step = step_count(d);
    if (dist_rank() != 0)
        return 128 + (int)stop_signal;
    if (!d->save)
        cli_error("interrupted at step %ld; nothing was saved (no --save)", step);
    else if (d->model_only)
        cli_error("interrupted at step %ld; the model so far saved to %s", step, d->save);
    else
        cli_error("interrupted at step %ld; checkpoint saved to %s (continue with "
                  "--resume)", step, d->save);
    return 128 + (int)stop_signal;
}

/* Over MPI (build/recur-mpi under mpirun): this rank's share of the
 * trainer's batches; only rank 0 shows progress. */
static int join_ranks(train_driver *d)
{
    if (dist_init())
        return EXIT_RUNTIME;
    if (dist_size() == 1)
        return 0;
    const train_hooks *h = d->hooks;
    if (h->step ? !h->set_shard : !d->trainer)
        return cli_error("this training command does not run on several processes "
                         "(mpirun started %d)", dist_size());
    int rc = h->set_shard ? h->set_shard(d, dist_rank(), dist_size(), dist_sum_function())
                          : recur_trainer_set_shard(d->trainer, dist_rank(), dist_size(),
                                                    dist_sum_function(), NULL);
    /* The layers' gradients summed as backward finishes them (not for a
     * command's own trainer: seq2seq sums after backward). */
    if (!rc && !h->set_shard)
        rc = recur_trainer_set_overlap(d->trainer, dist_begin_function());
    if (rc)
        return cli_lib_error(rc);
    if (dist_rank() != 0)
        d->mode = PROGRESS_QUIET;
    return 0;
}

/* The closing line of a run over MPI: what the sums cost. */
static void report_sums(const train_driver *d)
{
    long steps = step_count(d) - d->start;
    double el = progress_now() - d->prog.t0;
    if (dist_size() > 1 && dist_rank() == 0 && steps > 0 && d->mode != PROGRESS_QUIET)
        fprintf(stderr, "%d ranks: each summed %.2f MB of gradients per step in %.2f ms "
                "(%.0f%% of the run)\n", dist_size(), dist_sum_bytes() / 1e6 / (double)steps,
                1e3 * dist_sum_seconds() / (double)steps,
                100 * dist_sum_seconds() / (el > 0 ? el : 1));
}

int train_drive(train_driver *d)
{
    int jr = join_ranks(d);
    if (jr)
        return jr;
    d->start = d->last_saved = step_count(d);
    d->has_eval = 0;
    progress_init(&d->prog, d->mode, stderr, d->steps_per_epoch, d->start, d->target);
    catch_signals();
    int rc = 0;
    while (!rc && step_count(d) < d->target) {
        /* Over MPI the request travels with the next step's sum and every
         * rank stops after that same step; with one process, at once. */
        if (stop_signal || time_is_up(d))
            dist_request_stop();
        if (dist_stop_agreed())
            break;
        rc = one_step(d);
    }
    if (!rc && step_count(d) == d->start)
        return stopped_at_once(d);
    if (!rc)
        rc = finish(d);
    if (rc) { /* NaN/Inf, or a failed evaluation or save: keep the last good file */
        progress_break(&d->prog);
        /* (over MPI the same NaN reaches every rank: rank 0 says it; a
         * failed sum: each survivor) */
        if (dist_rank() == 0 || rc == RECUR_E_IO)
            training_failed(rc, d->save);
        dist_fail(EXIT_RUNTIME);
        return EXIT_RUNTIME;
    }
    if (stop_signal)
        return interrupted(d);
    if (dist_rank() != 0)
        return 0;
    int code = d->hooks->summary ? d->hooks->summary(d) : 0;
    report_sums(d);
    return code;
}
