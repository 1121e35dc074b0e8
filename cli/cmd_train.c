/* cmd_train.c - `recur train`: a character-level language model on a text
 * file, char-rnn style (stateful truncated BPTT by default), with Keras-like
 * progress, validation on the end of the text, atomic checkpoints, resume,
 * a CSV log, a time limit and a clean stop on Ctrl-C. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "commands.h"
#include "progress.h"
#include "recur.h"
#include "train.h"
#include "dist.h"
#include "train_common.h"

#ifndef RECUR_DEFAULT_CORPUS
#define RECUR_DEFAULT_CORPUS "data/austen.txt"
#endif


/* ---- helpers ----------------------------------------------------------------- */

int set_meta(recur_model *m, const char *key, const char *fmt, double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, fmt, v);
    return recur_model_set_meta(m, key, buf);
}

/* The settings that shaped the model, in the model file (see `recur info`).
 * train.seq_len, train.batch and train.stateful are written by the trainer's
 * checkpoint itself, so they are not set here. Nothing that differs between
 * a straight run and a resumed one (step targets, time limits) is recorded. */
int record_settings(recur_model *m, const train_opts *o, const char *corpus,
                    long ntrain, long nval)
{
    int rc = recur_model_set_meta(m, "train.corpus", corpus);
    int opt = recur_optimizer_parse(o->optim);
    if (!rc) rc = recur_model_set_meta(m, "train.optimizer", o->optim);
    if (!rc) rc = set_meta(m, "train.lr", "%.9g", o->lr);
    if (!rc && opt == RECUR_SGD) rc = set_meta(m, "train.momentum", "%.9g", o->momentum);
    if (!rc && (opt == RECUR_ADAM || opt == RECUR_ADAMW)) {
        rc = set_meta(m, "train.beta1", "%.9g", o->beta1);
        if (!rc) rc = set_meta(m, "train.beta2", "%.9g", o->beta2);
    }
    if (!rc && opt == RECUR_RMSPROP) rc = set_meta(m, "train.rho", "%.9g", o->rho);
    if (!rc && opt != RECUR_SGD) rc = set_meta(m, "train.eps", "%.9g", o->eps);
    if (!rc) rc = set_meta(m, "train.weight_decay", "%.9g", o->weight_decay);
    if (!rc) rc = set_meta(m, "train.clip", "%.9g", o->clip);
    if (!rc) rc = set_meta(m, "train.lr_decay", "%.9g", o->lr_decay);
    if (!rc) rc = set_meta(m, "train.lr_decay_after", "%.0f", (double)o->lr_decay_after);
    if (!rc) rc = set_meta(m, "train.dropout", "%.9g", o->dropout);
    if (!rc) rc = set_meta(m, "train.val_fraction", "%.9g", o->val);
    if (!rc) rc = set_meta(m, "train.train_chars", "%.0f", (double)ntrain);
    if (!rc) rc = set_meta(m, "train.val_chars", "%.0f", (double)nval);
    if (!rc) {
        char buf[32];
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)o->seed);
        rc = recur_model_set_meta(m, "train.seed", buf);
    }
    return rc;
}

void train_model_config(const train_opts *o, int vocab, recur_config *cfg)
{
    recur_config_default(cfg);
    cfg->cell = (recur_cell)recur_cell_parse(o->model);
    cfg->input = o->embed > 0 ? RECUR_INPUT_EMBEDDING : RECUR_INPUT_ONEHOT;
    cfg->embed_dim = o->embed;
    cfg->input_size = cfg->output_size = vocab;
    cfg->hidden = o->hidden;
    cfg->layers = o->layers;
    cfg->bidirectional = o->bidirectional;
    cfg->dropout = (float)o->dropout;
    cfg->loss = RECUR_LOSS_XENT;
}

int load_training_text(const train_opts *o, const char *corpus, recur_text **out)
{
    int rc = o->text_string
                 ? recur_text_from_string(o->text_string, strlen(o->text_string), NULL, out)
                 : recur_text_load(corpus, NULL, out);
    return rc ? cli_lib_error(rc) : 0;
}

int apply_init(recur_model *m, const train_opts *o)
{
    int rc = strcmp(o->init, "keras") == 0 ? recur_model_init(m, RECUR_INIT_KERAS, o->seed)
                                           : RECUR_OK;
    if (!rc)
        rc = recur_model_set_meta(m, "train.init", o->init);
    return rc;
}

/* ---- the training run ------------------------------------------------------ */

typedef struct {
    const train_opts *o;
    recur_model *m;
    recur_trainer *tr;
    const int32_t *val_tokens;
    long nval;
    FILE *log;
    progress prog;
    long last_saved_step;
    int has_val;
    double val_loss;
} run_state;

static int evaluate(run_state *r)
{
    if (dist_rank() != 0) /* only rank 0 scores, prints and saves */
        return 0;
    recur_eval_stats es;
    int rc = recur_evaluate(r->m, r->val_tokens, r->nval, r->o->seq, r->o->batch, &es);
    if (rc)
        return rc;
    r->has_val = 1;
    r->val_loss = es.loss;
    rc = set_meta(r->m, "train.val_loss", "%.6f", es.loss);
    if (!rc)
        rc = set_meta(r->m, "train.val_bpc", "%.6f", es.loss / log(2.0));
    return rc;
}

static int save(run_state *r)
{
    /* Every rank holds the same parameters and state: rank 0 writes. */
    int rc = dist_rank() == 0 ? recur_trainer_save(r->tr, r->o->save) : 0;
    if (!rc)
        r->last_saved_step = recur_trainer_step_count(r->tr);
    return rc;
}

static void log_row(run_state *r, long step, const recur_batch_stats *st, int evaluated)
{
    if (!r->log)
        return;
    long spe = recur_trainer_steps_per_epoch(r->tr);
    fprintf(r->log, "%ld,%ld,%ld,%.3f,%.6f,%.6f,%.6f,%.6g,", step, (step - 1) / spe + 1,
            step * (long)r->o->seq * r->o->batch, progress_now() - r->prog.t0,
            st->loss, st->accuracy, st->grad_norm, st->lr);
    if (evaluated)
        fprintf(r->log, "%.6f,%.6f\n", r->val_loss, r->val_loss / log(2.0));
    else
        fprintf(r->log, ",\n");
    fflush(r->log); /* readable while training (tail -f) */
}

static FILE *open_log(const char *path, int append)
{
    struct stat st;
    int has_rows = append && stat(path, &st) == 0 && st.st_size > 0;
    FILE *f = fopen(path, append ? "a" : "w");
    if (!f) {
        cli_error("--log %s: %s", path, strerror(errno));
        return NULL;
    }
    if (!has_rows)
        fprintf(f, "step,epoch,tokens_seen,elapsed_s,loss,accuracy,grad_norm,lr,"
                   "val_loss,val_bpc\n");
    return f;
}

static void emit_stdout(const char *utf8, int bytes, void *user)
{
    (void)user;
    fwrite(utf8, 1, (size_t)bytes, stdout);
}

static void print_header(const run_state *r, const char *corpus, long ntotal,
                         long ntrain, int vocab, long target, long start)
{
    const train_opts *o = r->o;
    const recur_config *c = recur_model_get_config(r->m);
    long spe = recur_trainer_steps_per_epoch(r->tr);
    char params[32], total[32], tr[32], va[32], sp[32], tg[32];
    progress_fmt_count(recur_model_param_count(r->m), params, sizeof params);
    progress_fmt_count(ntotal, total, sizeof total);
    progress_fmt_count(ntrain, tr, sizeof tr);
    progress_fmt_count(r->nval, va, sizeof va);
    progress_fmt_count(spe, sp, sizeof sp);
    progress_fmt_count(target, tg, sizeof tg);
    char input[64];
    if (c->input == RECUR_INPUT_EMBEDDING)
        snprintf(input, sizeof input, "an embedding of %d", c->embed_dim);
    else
        snprintf(input, sizeof input, "one-hot input");
    fprintf(stderr, "Model: %d-layer %s of %d units, %s, vocabulary of %d characters; "
            "%s parameters.\n", c->layers, recur_cell_name(c->cell), c->hidden, input,
            vocab, params);
    fprintf(stderr, "Data: %s, %s characters: %s for training, %s for validation.\n",
            corpus, total, tr, va);
    fprintf(stderr, "Training: %s lr %g, clip %g, batches of %d x %d (%s), %s steps "
            "per epoch, to step %s (%.*f epoch%s); checkpoint %s.\n",
            o->optim, o->lr, o->clip, o->batch, o->seq,
            o->stateless ? "stateless" : "stateful", sp, tg,
            target % spe == 0 ? 0 : 2, (double)target / (double)spe,
            target == spe ? "" : "s", o->save);
    if (start > 0)
        fprintf(stderr, "Resuming from %s at step %ld (epoch %ld).\n", o->save, start,
                start / spe + 1);
}

/* Train until the target step, the time limit or a signal. */
static int train_loop(run_state *r, long target)
{
    const train_opts *o = r->o;
    long spe = recur_trainer_steps_per_epoch(r->tr);
    while (recur_trainer_step_count(r->tr) < target) {
        /* With several ranks, all stop after the same step. */
        if (cli_stop_signal ||
            (o->time_limit > 0 && progress_now() - r->prog.t0 >= o->time_limit))
            dist_request_stop();
        if (dist_stop_agreed())
            break;
        recur_batch_stats st;
        int rc = recur_trainer_step(r->tr, &st);
        if (rc) {
            progress_break(&r->prog);
            return rc;
        }
        long step = recur_trainer_step_count(r->tr);
        progress_step(&r->prog, step, st.loss, st.accuracy, st.tokens);
        int epoch_end = step % spe == 0, last = step == target;
        int evaluated = 0;
        if (r->nval > 0 && (epoch_end || last || (o->eval_every && step % o->eval_every == 0))) {
            if ((rc = evaluate(r))) {
                progress_break(&r->prog);
                return rc;
            }
            evaluated = 1;
        }
        if (epoch_end || last)
            progress_epoch_end(&r->prog, step, evaluated, r->val_loss);
        else if (evaluated)
            progress_eval(&r->prog, step, r->val_loss);
        log_row(r, step, &st, evaluated);
        int ckpt = o->checkpoint_every ? step % o->checkpoint_every == 0 : epoch_end;
        if ((ckpt || last) && (rc = save(r))) {
            progress_break(&r->prog);
            return rc;
        }
    }
    return 0;
}

static int run(const train_opts *o, const char *corpus)
{
    int code = EXIT_RUNTIME, rc;
    recur_text *text = NULL;
    recur_model *m = NULL;
    run_state r;
    memset(&r, 0, sizeof r);
    r.o = o;

    if (o->resume && !cli_file_exists(o->save))
        return cli_error("--resume: %s does not exist (nothing to resume; leave out "
                         "--resume to start afresh, or name the checkpoint with --save)",
                         o->save);
    if (cli_check_save_dir("--save", o->save) || dist_init())
        return EXIT_RUNTIME;
    recur_set_threads(o->threads);
    if (load_training_text(o, corpus, &text))
        return EXIT_RUNTIME;
    long n;
    const int32_t *tokens = recur_text_tokens(text, &n);
    int vocab;
    const uint32_t *cps = recur_text_vocab(text, &vocab);
    long nval = (long)floor((double)n * o->val);
    if (o->val > 0 && nval < 2) {
        cli_error("%s: --val %g of %ld characters leaves %ld for validation; it "
                  "needs at least 2 (use --val 0 for no validation)", corpus, o->val, n,
                  nval);
        goto done;
    }
    long ntrain = n - nval;
    r.val_tokens = tokens + ntrain;
    r.nval = nval;

    recur_config cfg;
    train_model_config(o, vocab, &cfg);
    if ((rc = recur_config_check(&cfg)) || (rc = recur_model_create(&cfg, o->seed, &m)) ||
        (rc = apply_init(m, o)) ||
        (rc = recur_model_set_vocab(m, cps, vocab)) ||
        (rc = record_settings(m, o, corpus, ntrain, nval))) {
        cli_lib_error(rc);
        goto done;
    }
    r.m = m;

    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.optimizer = (recur_optimizer)recur_optimizer_parse(o->optim);
    tc.lr = (float)o->lr;
    tc.beta1 = (float)o->beta1;
    tc.beta2 = (float)o->beta2;
    tc.eps = (float)o->eps;
    tc.momentum = (float)o->momentum;
    tc.rho = (float)o->rho;
    tc.weight_decay = (float)o->weight_decay;
    tc.clip = (float)o->clip;
    tc.lr_decay = (float)o->lr_decay;
    tc.lr_decay_after = o->lr_decay_after;
    tc.seq_len = o->seq;
    tc.batch = o->batch;
    tc.stateful = !o->stateless;
    tc.seed = o->seed;
    if ((rc = recur_trainer_create(m, &tc, tokens, ntrain, &r.tr))) {
        cli_lib_error(rc);
        goto done;
    }
    if (o->resume && check_resume_window(o->save, 0))
        goto done;
    if (o->resume && (rc = recur_trainer_resume(r.tr, o->save))) {
        cli_lib_error(rc);
        goto done;
    }
    if (dist_attach(r.tr))
        goto done;
    long spe = recur_trainer_steps_per_epoch(r.tr);
    long start = recur_trainer_step_count(r.tr);
    long target = o->steps > 0 ? o->steps : o->epochs * spe;
    if (start >= target) {
        fprintf(stderr, "%s is already at step %ld, the target is step %ld: nothing "
                "to train (raise --steps or --epochs)\n", o->save, start, target);
        code = 0;
        goto done;
    }
    if (o->log && dist_rank() == 0 && !(r.log = open_log(o->log, o->resume)))
        goto done;
    r.last_saved_step = start;

    progress_mode mode = o->quiet || dist_rank() != 0 ? PROGRESS_QUIET
                         : isatty(fileno(stderr)) ? PROGRESS_BAR : PROGRESS_PLAIN;
    progress_init(&r.prog, mode, stderr, spe, start, target);
    if (!o->quiet && dist_rank() == 0)
        print_header(&r, corpus, n, ntrain, vocab, target, start);
    cli_catch_signals();

    rc = train_loop(&r, target);
    long step = recur_trainer_step_count(r.tr);
    if (rc) { /* NaN/Inf, or a failed evaluation or save: keep the last good file */
        /* (the same NaN on every rank: rank 0 says it; a failed sum: each) */
        if (dist_rank() == 0 || rc == RECUR_E_IO)
            cli_training_failed(rc, o->save);
        dist_fail(EXIT_RUNTIME);
        goto done;
    }
    int stopped_early = step < target;
    if (step == start) { /* stopped before the first step of this run */
        progress_break(&r.prog);
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
    if (stopped_early && !cli_stop_signal && r.nval > 0 && (rc = evaluate(&r))) {
        cli_lib_error(rc);
        goto done;
    }
    if (stopped_early && !cli_stop_signal)
        progress_epoch_end(&r.prog, step, r.has_val, r.val_loss);
    progress_break(&r.prog);
    if (step > r.last_saved_step && (rc = save(&r))) {
        cli_lib_error(rc);
        goto done;
    }
    if (cli_stop_signal || dist_rank() != 0) {
        code = cli_stop_signal ? 128 + (int)cli_stop_signal : 0;
        if (cli_stop_signal && dist_rank() == 0)
            cli_error("interrupted at step %ld; checkpoint saved to %s (continue with "
                      "--resume)", step, o->save);
        goto done;
    }

    double el = progress_now() - r.prog.t0, acc;
    double loss = progress_train_loss(&r.prog, &acc);
    char elapsed[32], val[96] = "";
    progress_fmt_time(el, elapsed, sizeof elapsed);
    if (r.has_val)
        snprintf(val, sizeof val, " - val_loss: %.4f - val_bpc: %.4f", r.val_loss,
                 r.val_loss / log(2.0));
    fprintf(stderr, "%s at step %ld (%.2f epochs) in %s - loss: %.4f - accuracy: %.4f%s"
            " - saved %s\n", stopped_early ? "Stopped at the time limit" : "Trained",
            step, (double)step / (double)spe, elapsed, loss, acc, val, o->save);
    if (dist_size() > 1 && step > start)
        fprintf(stderr, "%d ranks: each summed %.2f MB of gradients per step in %.2f ms "
                "(%.0f%% of the run)\n", dist_size(),
                dist_sum_bytes() / 1e6 / (double)(step - start),
                1e3 * dist_sum_seconds() / (double)(step - start),
                100 * dist_sum_seconds() / (el > 0 ? el : 1));
    if (o->sample > 0) {
        recur_sample_config sc = {.temperature = 1.0f, .top_k = 0, .greedy = 0,
                                  .seed = o->seed};
        if ((rc = recur_sample(m, "", &sc, o->sample, emit_stdout, NULL))) {
            cli_lib_error(rc);
            goto done;
        }
        fputc('\n', stdout);
    }
    code = 0;
done:
    if (r.log && fclose(r.log) != 0 && code == 0)
        code = cli_error("--log %s: %s", o->log, strerror(errno));
    recur_trainer_free(r.tr);
    recur_model_free(m);
    recur_text_free(text);
    return code;
}

/* ---- options ----------------------------------------------------------------- */

#define NUM(nm, al, kind, dst, mv, df, hl, hasl, lo_, loo, hash, hi_, hio) \
    {nm, al, kind, dst, mv, df, hl, hasl, hash, loo, hio, lo_, hi_, 0}

int train_parse(int argc, char **argv, train_opts *out)
{
    train_opts o = {
        .model = "lstm", .hidden = 128, .layers = 2, .embed = 0, .dropout = 0,
        .seq = 100, .batch = 32, .epochs = 1, .steps = 0, .time_limit = 0,
        .optim = "adam", .lr = 2e-3, .momentum = 0.9, .rho = 0.99, .weight_decay = 0,
        .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .clip = 5, .lr_decay = 1,
        .lr_decay_after = 0, .val = 0.05, .seed = 1, .threads = 2,
        .save = "model.safetensors", .checkpoint_every = 0, .eval_every = 0,
        .sample = 0, .window = 0, .init = "pytorch", .text_string = NULL,
        .text = RECUR_DEFAULT_CORPUS};
    cli_opt opts[] = {
        {"model", NULL, OPT_STRING, &o.model, "TYPE", "lstm",
         "recurrent cell: rnn (= rnn_tanh), rnn_tanh, rnn_relu, lstm, gru", 0, 0, 0, 0, 0, 0, 0},
        NUM("hidden", "rnn-size", OPT_INT, &o.hidden, "N", "128", "units per layer (and direction)",
            1, 1, 0, 1, RECUR_MAX_WIDTH, 0),
        NUM("layers", "num-layers", OPT_INT, &o.layers, "N", "2", "stacked recurrent layers",
            1, 1, 0, 0, 0, 0),
        NUM("embed", NULL, OPT_INT, &o.embed, "N", "0",
            "embedding size; 0 = one-hot characters", 1, 0, 0, 1, RECUR_MAX_WIDTH, 0),
        NUM("dropout", NULL, OPT_FLOAT, &o.dropout, "P", "0",
            "dropout on each recurrent layer's output", 1, 0, 0, 1, 1, 1),
        {"bidirectional", NULL, OPT_FLAG, &o.bidirectional, NULL, NULL,
         "bidirectional layers (not possible for a language model)", 0, 0, 0, 0, 0, 0, 0},
        NUM("seq", "seq-length", OPT_INT, &o.seq, "T", "100",
            "characters per training window (BPTT length)", 1, 1, 0, 1, 100000, 0),
        NUM("batch", "batch-size", OPT_INT, &o.batch, "B", "32",
            "sequences per batch", 1, 1, 0, 1, 100000, 0),
        NUM("epochs", "max-epochs", OPT_LONG, &o.epochs, "N", "1",
            "passes over the training text", 1, 1, 0, 1, 1e9, 0),
        NUM("steps", NULL, OPT_LONG, &o.steps, "N", NULL,
            "train to this many optimisation steps in all (overrides --epochs)",
            1, 1, 0, 0, 0, 0),
        NUM("time-limit", NULL, OPT_DOUBLE, &o.time_limit, "SECONDS", NULL,
            "stop cleanly after this much time, with a checkpoint", 1, 0, 1, 0, 0, 0),
        {"optim", "optimizer", OPT_STRING, &o.optim, "NAME", "adam",
         "optimizer: sgd, adam, adamw, rmsprop", 0, 0, 0, 0, 0, 0, 0},
        NUM("lr", "learning-rate", OPT_FLOAT, &o.lr, "RATE", "2e-3", "learning rate",
            1, 0, 1, 1, 100, 1),
        NUM("momentum", NULL, OPT_FLOAT, &o.momentum, "M", "0.9", "SGD momentum",
            1, 0, 0, 1, 1, 1),
        NUM("rho", "decay-rate", OPT_FLOAT, &o.rho, "R", "0.99", "RMSprop smoothing",
            1, 0, 0, 1, 1, 1),
        NUM("weight-decay", NULL, OPT_FLOAT, &o.weight_decay, "W", "0",
            "L2 penalty (decoupled for adamw)", 1, 0, 0, 0, 0, 0),
        NUM("beta1", NULL, OPT_FLOAT, &o.beta1, "B1", "0.9", "Adam beta1", 1, 0, 0, 1, 1, 1),
        NUM("beta2", NULL, OPT_FLOAT, &o.beta2, "B2", "0.999", "Adam beta2", 1, 0, 0, 1, 1, 1),
        NUM("eps", NULL, OPT_FLOAT, &o.eps, "E", "1e-8", "Adam/RMSprop epsilon",
            1, 0, 1, 0, 0, 0),
        NUM("clip", "grad-clip", OPT_FLOAT, &o.clip, "NORM", "5",
            "clip the global gradient norm; 0 = off", 1, 0, 0, 0, 0, 0),
        NUM("lr-decay", "learning-rate-decay", OPT_FLOAT, &o.lr_decay, "F", "1",
            "multiply the learning rate by F every epoch ...", 1, 0, 1, 1, 1, 0),
        NUM("lr-decay-after", "learning-rate-decay-after", OPT_INT, &o.lr_decay_after, "N",
            "0", "... after this many epochs", 1, 0, 0, 0, 0, 0),
        NUM("val", "val-frac", OPT_DOUBLE, &o.val, "FRACTION", "0.05",
            "part of the text held out from its end for validation; 0 = none",
            1, 0, 0, 1, 1, 1),
        NUM("seed", NULL, OPT_U64, &o.seed, "N", "1",
            "seed for the initial weights, dropout and shuffling", 0, 0, 0, 0, 0, 0),
        NUM("threads", NULL, OPT_INT, &o.threads, "N", "2",
            "threads for the matrix products",
            1, 1, 0, 1, 1024, 0),
        {"save", "checkpoint", OPT_STRING, &o.save, "FILE", "model.safetensors",
         "checkpoint file (model + optimizer state)", 0, 0, 0, 0, 0, 0, 0},
        NUM("checkpoint-every", NULL, OPT_LONG, &o.checkpoint_every, "N", NULL,
            "save every N steps (default: every epoch) and at the end", 1, 1, 0, 0, 0, 0),
        {"resume", NULL, OPT_FLAG, &o.resume, NULL, NULL,
         "continue from the --save checkpoint, bit-identically", 0, 0, 0, 0, 0, 0, 0},
        {"log", NULL, OPT_STRING, &o.log, "FILE.csv", NULL,
         "write a CSV row per step (appended to with --resume)", 0, 0, 0, 0, 0, 0, 0},
        NUM("eval-every", NULL, OPT_LONG, &o.eval_every, "N", NULL,
            "also validate every N steps (always at each epoch end and the end)",
            1, 1, 0, 0, 0, 0),
        {"stateless", NULL, OPT_FLAG, &o.stateless, NULL, NULL,
         "shuffled windows from a zero state instead of carrying the state", 0, 0, 0, 0, 0, 0, 0},
        NUM("sample", NULL, OPT_LONG, &o.sample, "N", "0",
            "after training, print N generated characters", 1, 0, 0, 1, 1e9, 0),
        {"quiet", NULL, OPT_FLAG, &o.quiet, NULL, NULL,
         "print only the final summary", 0, 0, 0, 0, 0, 0, 0},
        {"init", NULL, OPT_STRING, &o.init, "SCHEME", "pytorch",
         "initial weights: pytorch, or keras (Glorot, orthogonal, zero biases)",
         0, 0, 0, 0, 0, 0, 0},
        {"text-string", NULL, OPT_STRING, &o.text_string, "STRING", NULL,
         "train on this text instead of a file", 0, 0, 0, 0, 0, 0, 0},
        NUM("window", NULL, OPT_INT, &o.window, "W", "0",
            "many to one: every W characters (stride 1) predict the next one, "
            "one label per window (Keras's SimpleRNN example); 0 = language model",
            1, 0, 0, 1, 100000, 0),
    };
    static const char *const pos_names[] = {"TEXT"};
    cli_spec spec = {
        .cmd = "train",
        .usage = "recur train [TEXT | --text-string STRING] [OPTIONS]",
        .description =
            "Train a character-level language model on TEXT, a UTF-8 file (default:\n"
            "the bundled Jane Austen corpus, " RECUR_DEFAULT_CORPUS ").\n"
            "The last --val of the text is held out for validation. Progress goes to\n"
            "stderr; the checkpoint (--save) is written atomically every epoch and at\n"
            "the end, so an interrupted or failed run keeps the last good one.\n"
            "With --window W it trains a many-to-one model instead: every W characters\n"
            "(stride 1) predict the next one, from a zero state, in shuffled batches,\n"
            "with no validation (Keras's SimpleRNN text example).",
        .opts = opts,
        .nopts = (int)(sizeof opts / sizeof *opts),
        .pos_names = pos_names,
        .pos_min = 0,
        .pos_max = 1,
        .epilog = "Ctrl-C finishes the current step, saves a checkpoint and exits with "
                  "status 130.\nexamples:\n"
                  "  recur train --hidden 256 --layers 2 --epochs 10 --save austen.safetensors\n"
                  "  recur train notes.txt --model gru --steps 5000 --log train.csv\n"
                  "  recur train --save austen.safetensors --resume --epochs 20\n"
                  "  recur train sentence.txt --window 3 --model rnn_relu --hidden 50 "
                  "--layers 1 --init keras\n      --lr 1e-3 --eps 1e-7 --clip 0 --epochs 100",
    };
    const char *pos[1];
    int npos;
    int a = args_parse(&spec, argc, argv, pos, &npos);
    if (a)
        return a;
    if (recur_cell_parse(o.model) < 0)
        return args_error(&spec, "--model expects one of rnn, rnn_tanh, rnn_relu, lstm, "
                                 "gru, got '%s'", o.model);
    if (recur_optimizer_parse(o.optim) < 0)
        return args_error(&spec, "--optim expects one of sgd, adam, adamw, rmsprop, "
                                 "got '%s'", o.optim);
    if (!*o.save)
        return args_error(&spec, "--save expects a file name, got ''");
    if (strcmp(o.init, "pytorch") != 0 && strcmp(o.init, "keras") != 0)
        return args_error(&spec, "--init expects pytorch or keras, got '%s'", o.init);
    if (o.text_string && npos)
        return args_error(&spec, "give either a TEXT file or --text-string, not both");
    if (o.window > 0 && dist_only_one("train --window"))
        return ARGS_ERROR;
    if (o.window > 0) {
        static const char *const lm_only[] = {"val", "eval-every", "stateless", "seq"};
        for (int i = 0; i < 4; i++)
            if (args_given(&spec, lm_only[i]))
                return args_error(&spec, "--%s does not apply to --window training "
                                  "(every window is a training example of --window "
                                  "characters)", lm_only[i]);
    }
    /* The corpus: --text-string, the TEXT file, or the bundled text. */
    if (o.text_string)
        o.text = "--text-string";
    else if (npos)
        o.text = pos[0];
    *out = o;
    return ARGS_OK;
}

int cmd_train(int argc, char **argv)
{
    train_opts o;
    int a = train_parse(argc, argv, &o);
    if (a == ARGS_HELP)
        return 0;
    if (a)
        return EXIT_USAGE;
    if (o.window > 0)
        return train_windows(&o, o.text);
    return run(&o, o.text);
}
