/* train_windows.c - `recur train --window W`: the "many to one" character
 * model of Keras's SimpleRNN text example. Every run of W characters of the
 * text (stride 1) is one example, labelled with the character that follows
 * it; the model reads each window from a zero state and its dense layer sees
 * only the last state (readout LAST). Shuffled mini-batches, one Keras line
 * per epoch, checkpoints, --resume, --time-limit and Ctrl-C as in the
 * language-model trainer; the window is kept in the model ("train.window")
 * so that `recur sample` feeds the model the same way. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "progress.h"
#include "recur.h"
#include "train.h"
#include "train_common.h"

/* The windows of tokens[0..n): example i is tokens[i .. i+W), its label
 * tokens[i+W]. The arrays are owned by the caller (free_windows). */
typedef struct {
    recur_dataset ds;
    int32_t *tokens, *labels;
    long *offsets;
} windows;

static void free_windows(windows *w)
{
    free(w->tokens);
    free(w->labels);
    free(w->offsets);
}

static int make_windows(const int32_t *tokens, long n, int W, windows *w)
{
    memset(w, 0, sizeof *w);
    long count = n - W;
    w->tokens = malloc((size_t)(count * W) * sizeof *w->tokens);
    w->labels = malloc((size_t)count * sizeof *w->labels);
    w->offsets = malloc((size_t)(count + 1) * sizeof *w->offsets);
    if (!w->tokens || !w->labels || !w->offsets) {
        free_windows(w);
        return cli_error("out of memory for %ld windows of %d characters", count, W);
    }
    for (long i = 0; i < count; i++) {
        memcpy(w->tokens + i * W, tokens + i, (size_t)W * sizeof *tokens);
        w->labels[i] = tokens[i + W];
        w->offsets[i] = i * W;
    }
    w->offsets[count] = count * W;
    w->ds.count = count;
    w->ds.offsets = w->offsets;
    w->ds.tokens = w->tokens;
    w->ds.labels = w->labels;
    return 0;
}

static FILE *open_epoch_log(const char *path, int append)
{
    FILE *f = fopen(path, append ? "a" : "w");
    if (!f) {
        cli_error("--log %s: %s", path, strerror(errno));
        return NULL;
    }
    if (!append || ftell(f) == 0)
        fprintf(f, "epoch,step,elapsed_s,loss,accuracy\n");
    return f;
}

static void emit_stdout(const char *utf8, int bytes, void *user)
{
    (void)user;
    fwrite(utf8, 1, (size_t)bytes, stdout);
}

static recur_model *create_model(const train_opts *o, const recur_text *text,
                                 const char *corpus, long nwindows)
{
    int vocab;
    const uint32_t *cps = recur_text_vocab(text, &vocab);
    recur_config cfg;
    train_model_config(o, vocab, &cfg);
    cfg.readout = RECUR_READOUT_LAST; /* one label per window */
    recur_model *m = NULL;
    train_opts rec = *o;
    rec.val = 0; /* every window trains */
    int rc = recur_config_check(&cfg);
    if (!rc)
        rc = recur_model_create(&cfg, o->seed, &m);
    if (!rc)
        rc = apply_init(m, o);
    if (!rc)
        rc = recur_model_set_vocab(m, cps, vocab);
    if (!rc)
        rc = record_settings(m, &rec, corpus, nwindows, 0);
    if (!rc)
        rc = set_meta(m, "train.window", "%.0f", (double)o->window);
    if (rc) {
        cli_lib_error(rc);
        recur_model_free(m);
        return NULL;
    }
    return m;
}

static void fill_train_config(const train_opts *o, recur_train_config *tc)
{
    recur_train_config_default(tc);
    tc->optimizer = (recur_optimizer)recur_optimizer_parse(o->optim);
    tc->lr = (float)o->lr;
    tc->beta1 = (float)o->beta1;
    tc->beta2 = (float)o->beta2;
    tc->eps = (float)o->eps;
    tc->momentum = (float)o->momentum;
    tc->rho = (float)o->rho;
    tc->weight_decay = (float)o->weight_decay;
    tc->clip = (float)o->clip;
    tc->lr_decay = (float)o->lr_decay;
    tc->lr_decay_after = o->lr_decay_after;
    tc->seq_len = o->window;
    tc->batch = o->batch;
    tc->stateful = 0;
    tc->seed = o->seed;
}

int check_resume_window(const char *save, int window)
{
    recur_model *saved = NULL;
    int rc = recur_model_load(save, &saved);
    if (rc)
        return cli_lib_error(rc);
    const char *w = recur_model_get_meta(saved, "train.window");
    int had = w ? atoi(w) : 0, code = 0;
    if (had != window && had > 0)
        code = cli_error("--resume: %s was trained with --window %d; resume it with "
                         "--window %d", save, had, had);
    else if (had != window)
        code = cli_error("--resume: %s was trained as a language model, not with "
                         "--window %d", save, window);
    recur_model_free(saved);
    return code;
}

int train_windows(const train_opts *o, const char *corpus)
{
    int code = EXIT_RUNTIME, rc;
    recur_text *text = NULL;
    recur_model *m = NULL;
    recur_trainer *tr = NULL;
    FILE *log = NULL;
    windows win;
    memset(&win, 0, sizeof win);

    if (o->resume && !cli_file_exists(o->save))
        return cli_error("--resume: %s does not exist (nothing to resume; leave out "
                         "--resume to start afresh, or name the checkpoint with --save)",
                         o->save);
    if (cli_check_save_dir("--save", o->save))
        return EXIT_RUNTIME;
    recur_set_threads(o->threads);
    if (load_training_text(o, corpus, &text))
        return EXIT_RUNTIME;
    long n;
    const int32_t *tokens = recur_text_tokens(text, &n);
    if (n <= o->window) {
        cli_error("%s has %ld characters: --window %d needs at least %d (a window "
                  "and the character after it)", corpus, n, o->window, o->window + 1);
        goto done;
    }
    if (make_windows(tokens, n, o->window, &win))
        goto done;
    if (o->resume && check_resume_window(o->save, o->window))
        goto done;
    if (!(m = create_model(o, text, corpus, win.ds.count)))
        goto done;
    recur_train_config tc;
    fill_train_config(o, &tc);
    if ((rc = recur_trainer_create_dataset(m, &tc, &win.ds, &tr)) ||
        (o->resume && (rc = recur_trainer_resume(tr, o->save)))) {
        cli_lib_error(rc);
        goto done;
    }
    long spe = recur_trainer_steps_per_epoch(tr);
    long start = recur_trainer_step_count(tr);
    long target = o->steps > 0 ? o->steps : o->epochs * spe;
    if (start >= target) {
        fprintf(stderr, "%s is already at step %ld, the target is step %ld: nothing "
                "to train (raise --steps or --epochs)\n", o->save, start, target);
        code = 0;
        goto done;
    }
    if (o->log && !(log = open_epoch_log(o->log, o->resume)))
        goto done;
    if (!o->quiet) {
        const recur_config *c = recur_model_get_config(m);
        fprintf(stderr, "Model: %d-layer %s of %d units (%s initialisation), readout "
                "of the last step, %d characters; %ld parameters.\n", c->layers,
                recur_cell_name(c->cell), c->hidden, o->init, c->output_size,
                recur_model_param_count(m));
        fprintf(stderr, "Data: %s, %ld characters: %ld windows of %d, each labelled "
                "with the next character.\n", corpus, n, win.ds.count, o->window);
        fprintf(stderr, "Training: %s lr %g, eps %g, clip %g, shuffled batches of %d, "
                "%ld steps per epoch, to step %ld; checkpoint %s.\n", o->optim, o->lr,
                o->eps, o->clip, o->batch, spe, target, o->save);
    }
    progress prog;
    progress_mode mode = o->quiet ? PROGRESS_QUIET
                         : isatty(fileno(stderr)) ? PROGRESS_BAR : PROGRESS_EPOCHS;
    progress_init(&prog, mode, stderr, spe, start, target);
    cli_catch_signals();
    long last_saved = start;
    while (recur_trainer_step_count(tr) < target && !cli_stop_signal &&
           !(o->time_limit > 0 && progress_now() - prog.t0 >= o->time_limit)) {
        recur_batch_stats st;
        if ((rc = recur_trainer_step(tr, &st))) {
            progress_break(&prog);
            cli_training_failed(rc, o->save);
            goto done;
        }
        long step = recur_trainer_step_count(tr);
        progress_step(&prog, step, st.loss, st.accuracy, st.tokens);
        int epoch_end = step % spe == 0, last = step == target;
        if (epoch_end || last) {
            double acc, loss = progress_train_loss(&prog, &acc);
            progress_epoch_end(&prog, step, 0, 0);
            if (log) {
                fprintf(log, "%ld,%ld,%.3f,%.6f,%.6f\n", (step - 1) / spe + 1, step,
                        progress_now() - prog.t0, loss, acc);
                fflush(log);
            }
        }
        int ckpt = o->checkpoint_every ? step % o->checkpoint_every == 0 : 0;
        if (ckpt || last) {
            if ((rc = recur_trainer_save(tr, o->save))) {
                progress_break(&prog);
                cli_lib_error(rc);
                goto done;
            }
            last_saved = step;
        }
    }
    long step = recur_trainer_step_count(tr);
    if (step == start) {
        progress_break(&prog);
        if (cli_stop_signal) {
            code = 128 + (int)cli_stop_signal;
            cli_error("interrupted before the first step; nothing was trained or saved");
        } else {
            code = 0;
            fprintf(stderr, "The time limit was reached before the first step; nothing "
                            "was trained or saved.\n");
        }
        goto done;
    }
    if (step % spe != 0 && step < target)
        progress_epoch_end(&prog, step, 0, 0);
    progress_break(&prog);
    if (step > last_saved && (rc = recur_trainer_save(tr, o->save))) {
        cli_lib_error(rc);
        goto done;
    }
    if (cli_stop_signal) {
        code = 128 + (int)cli_stop_signal;
        cli_error("interrupted at step %ld; checkpoint saved to %s (continue with "
                  "--resume)", step, o->save);
        goto done;
    }
    /* Keras reports the running mean of the last epoch; the trained model
     * itself, scored on every window, is the second number. */
    recur_eval_stats es;
    if ((rc = recur_evaluate_dataset(m, &win.ds, o->batch, 0, &es))) {
        cli_lib_error(rc);
        goto done;
    }
    double acc, loss = progress_train_loss(&prog, &acc);
    char elapsed[32];
    progress_fmt_time(progress_now() - prog.t0, elapsed, sizeof elapsed);
    fprintf(stderr, "%s at step %ld (%.2f epochs) in %s - loss: %.4f - accuracy: %.4f"
            " - all %ld windows: loss %.4f, accuracy %.4f - saved %s\n",
            step < target ? "Stopped at the time limit" : "Trained", step,
            (double)step / (double)spe, elapsed, loss, acc, win.ds.count, es.loss,
            es.accuracy, o->save);
    if (o->sample > 0) {
        recur_sample_config sc = {.temperature = 1.0f, .top_k = 0, .greedy = 0,
                                  .seed = o->seed, .window = o->window};
        if ((rc = recur_sample(m, "", &sc, o->sample, emit_stdout, NULL))) {
            cli_lib_error(rc);
            goto done;
        }
        fputc('\n', stdout);
    }
    code = 0;
done:
    if (log && fclose(log) != 0 && code == 0)
        code = cli_error("--log %s: %s", o->log, strerror(errno));
    recur_trainer_free(tr);
    recur_model_free(m);
    free_windows(&win);
    recur_text_free(text);
    return code;
}
