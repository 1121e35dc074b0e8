/* train_opts.c - the options of `recur train` (its table and train_parse)
 * and what the language-model and window trainers build from them alike:
 * the model configuration, the trainer configuration, the settings recorded
 * in the model file, the training text. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "corpus.h"
#include "recur.h"
#include "train.h"
#include "train_common.h"
#include "train_driver.h"

/* The optimizer's own settings: only those it uses. */
static int record_optimizer(recur_model *m, const train_opts *o)
{
    int opt = recur_optimizer_parse(o->optim);
    int rc = recur_model_set_meta(m, "train.optimizer", o->optim);
    if (!rc) rc = cli_set_meta(m, "train.lr", "%.9g", o->lr);
    if (!rc && opt == RECUR_SGD) rc = cli_set_meta(m, "train.momentum", "%.9g", o->momentum);
    if (!rc && (opt == RECUR_ADAM || opt == RECUR_ADAMW)) {
        rc = cli_set_meta(m, "train.beta1", "%.9g", o->beta1);
        if (!rc) rc = cli_set_meta(m, "train.beta2", "%.9g", o->beta2);
    }
    if (!rc && opt == RECUR_RMSPROP) rc = cli_set_meta(m, "train.rho", "%.9g", o->rho);
    if (!rc && opt != RECUR_SGD) rc = cli_set_meta(m, "train.eps", "%.9g", o->eps);
    return rc;
}

/* The settings that shaped the model, in the model file (see `recur info`).
 * train.seq_len, train.batch and train.stateful are written by the trainer's
 * checkpoint itself, so they are not set here. Nothing that differs between
 * a straight run and a resumed one (step targets, time limits) is recorded. */
int record_settings(recur_model *m, const train_opts *o, const char *corpus,
                    long ntrain, long nval)
{
    int rc = recur_model_set_meta(m, "train.corpus", corpus);
    if (!rc) rc = record_optimizer(m, o);
    if (!rc) rc = cli_set_meta(m, "train.weight_decay", "%.9g", o->weight_decay);
    if (!rc) rc = cli_set_meta(m, "train.clip", "%.9g", o->clip);
    if (!rc) rc = cli_set_meta(m, "train.lr_decay", "%.9g", o->lr_decay);
    if (!rc) rc = cli_set_meta(m, "train.lr_decay_after", "%.0f", (double)o->lr_decay_after);
    if (!rc) rc = cli_set_meta(m, "train.dropout", "%.9g", o->dropout);
    if (!rc) rc = cli_set_meta(m, "train.val_fraction", "%.9g", o->val);
    if (!rc) rc = cli_set_meta(m, "train.train_chars", "%.0f", (double)ntrain);
    if (!rc) rc = cli_set_meta(m, "train.val_chars", "%.0f", (double)nval);
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
    cfg->proj = o->proj;
    cfg->layers = o->layers;
    cfg->bidirectional = o->bidirectional;
    cfg->dropout = (float)o->dropout;
    cfg->loss = RECUR_LOSS_XENT;
}

void train_fill_config(const train_opts *o, int seq_len, int stateful,
                       recur_train_config *tc)
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
    tc->seq_len = seq_len;
    tc->batch = o->batch;
    tc->stateful = stateful;
    tc->seed = o->seed;
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

int train_plan(const train_opts *o, const recur_trainer *tr, long *spe, long *target)
{
    *spe = recur_trainer_steps_per_epoch(tr);
    *target = o->steps > 0 ? o->steps : o->epochs * *spe;
    return train_nothing_to_do(o->save, recur_trainer_step_count(tr), *target);
}

static void emit_stdout(const char *utf8, int bytes, void *user)
{
    (void)user;
    fwrite(utf8, 1, (size_t)bytes, stdout);
}

int train_print_sample(const recur_model *m, const train_opts *o, int window)
{
    if (o->sample <= 0)
        return 0;
    recur_sample_config sc = {.temperature = 1.0f, .top_k = 0, .greedy = 0,
                              .seed = o->seed, .window = window};
    int rc = recur_sample(m, "", &sc, o->sample, emit_stdout, NULL);
    if (rc)
        return cli_lib_error(rc);
    fputc('\n', stdout);
    return 0;
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

/* ---- options ----------------------------------------------------------------- */

#define AT(field) offsetof(train_opts, field)

static const cli_option train_options[] = {
    {.name = "model", .kind = OPT_STRING, .at = AT(model), .metavar = "TYPE", .def = "lstm",
     .help = "recurrent cell: rnn (= rnn_tanh), rnn_tanh, rnn_relu, lstm, gru"},
    {.name = "hidden", .alias = "rnn-size", .kind = OPT_INT, .at = AT(hidden),
     .metavar = "N", .def = "128", .help = "units per layer (and direction)",
     .lo = 1, .hi = RECUR_MAX_WIDTH, .bounds = AT_LEAST | AT_MOST},
    {.name = "proj", .alias = "proj-size", .kind = OPT_INT, .at = AT(proj), .metavar = "N",
     .def = "0", .help = "LSTM only: project each layer's output (and recurrent state) "
     "to N < --hidden units, as PyTorch's proj_size; 0 = none",
     .lo = 0, .hi = RECUR_MAX_WIDTH, .bounds = AT_LEAST | AT_MOST},
    {.name = "layers", .alias = "num-layers", .kind = OPT_INT, .at = AT(layers),
     .metavar = "N", .def = "2", .help = "stacked recurrent layers",
     .lo = 1, .bounds = AT_LEAST},
    {.name = "embed", .kind = OPT_INT, .at = AT(embed), .metavar = "N", .def = "0",
     .help = "embedding size; 0 = one-hot characters",
     .lo = 0, .hi = RECUR_MAX_WIDTH, .bounds = AT_LEAST | AT_MOST},
    {.name = "dropout", .kind = OPT_FLOAT, .at = AT(dropout), .metavar = "P", .def = "0",
     .help = "dropout on each recurrent layer's output",
     .lo = 0, .hi = 1, .bounds = AT_LEAST | BELOW},
    {.name = "bidirectional", .kind = OPT_FLAG, .at = AT(bidirectional),
     .help = "bidirectional layers (not possible for a language model)"},
    {.name = "seq", .alias = "seq-length", .kind = OPT_INT, .at = AT(seq), .metavar = "T",
     .def = "100", .help = "characters per training window (BPTT length)",
     .lo = 1, .hi = 100000, .bounds = AT_LEAST | AT_MOST},
    {.name = "batch", .alias = "batch-size", .kind = OPT_INT, .at = AT(batch),
     .metavar = "B", .def = "32", .help = "sequences per batch",
     .lo = 1, .hi = 100000, .bounds = AT_LEAST | AT_MOST},
    {.name = "epochs", .alias = "max-epochs", .kind = OPT_LONG, .at = AT(epochs),
     .metavar = "N", .def = "1", .help = "passes over the training text",
     .lo = 1, .hi = 1e9, .bounds = AT_LEAST | AT_MOST},
    {.name = "steps", .kind = OPT_LONG, .at = AT(steps), .metavar = "N",
     .help = "train to this many optimisation steps in all (overrides --epochs)",
     .lo = 1, .bounds = AT_LEAST},
    {.name = "time-limit", .kind = OPT_DOUBLE, .at = AT(time_limit), .metavar = "SECONDS",
     .help = "stop cleanly after this much time, with a checkpoint",
     .lo = 0, .bounds = ABOVE},
    {.name = "optim", .alias = "optimizer", .kind = OPT_STRING, .at = AT(optim),
     .metavar = "NAME", .def = "adam", .help = "optimizer: sgd, adam, adamw, rmsprop"},
    {.name = "lr", .alias = "learning-rate", .kind = OPT_FLOAT, .at = AT(lr),
     .metavar = "RATE", .def = "2e-3", .help = "learning rate",
     .lo = 0, .hi = 100, .bounds = ABOVE | BELOW},
    {.name = "momentum", .kind = OPT_FLOAT, .at = AT(momentum), .metavar = "M",
     .def = "0.9", .help = "SGD momentum", .lo = 0, .hi = 1, .bounds = AT_LEAST | BELOW},
    {.name = "rho", .alias = "decay-rate", .kind = OPT_FLOAT, .at = AT(rho),
     .metavar = "R", .def = "0.99", .help = "RMSprop smoothing",
     .lo = 0, .hi = 1, .bounds = AT_LEAST | BELOW},
    {.name = "weight-decay", .kind = OPT_FLOAT, .at = AT(weight_decay), .metavar = "W",
     .def = "0", .help = "L2 penalty (decoupled for adamw)", .lo = 0, .bounds = AT_LEAST},
    {.name = "beta1", .kind = OPT_FLOAT, .at = AT(beta1), .metavar = "B1", .def = "0.9",
     .help = "Adam beta1", .lo = 0, .hi = 1, .bounds = AT_LEAST | BELOW},
    {.name = "beta2", .kind = OPT_FLOAT, .at = AT(beta2), .metavar = "B2", .def = "0.999",
     .help = "Adam beta2", .lo = 0, .hi = 1, .bounds = AT_LEAST | BELOW},
    {.name = "eps", .kind = OPT_FLOAT, .at = AT(eps), .metavar = "E", .def = "1e-8",
     .help = "Adam/RMSprop epsilon", .lo = 0, .bounds = ABOVE},
    {.name = "clip", .alias = "grad-clip", .kind = OPT_FLOAT, .at = AT(clip),
     .metavar = "NORM", .def = "5", .help = "clip the global gradient norm; 0 = off",
     .lo = 0, .bounds = AT_LEAST},
    {.name = "lr-decay", .alias = "learning-rate-decay", .kind = OPT_FLOAT,
     .at = AT(lr_decay), .metavar = "F", .def = "1",
     .help = "multiply the learning rate by F every epoch ...",
     .lo = 0, .hi = 1, .bounds = ABOVE | AT_MOST},
    {.name = "lr-decay-after", .alias = "learning-rate-decay-after", .kind = OPT_INT,
     .at = AT(lr_decay_after), .metavar = "N", .def = "0",
     .help = "... after this many epochs", .lo = 0, .bounds = AT_LEAST},
    {.name = "val", .alias = "val-frac", .kind = OPT_DOUBLE, .at = AT(val),
     .metavar = "FRACTION", .def = "0.05",
     .help = "part of the text held out from its end for validation; 0 = none",
     .lo = 0, .hi = 1, .bounds = AT_LEAST | BELOW},
    {.name = "seed", .kind = OPT_U64, .at = AT(seed), .metavar = "N", .def = "1",
     .help = "seed for the initial weights, dropout and shuffling"},
    {.name = "threads", .kind = OPT_INT, .at = AT(threads), .metavar = "N", .def = "2",
     .help = "threads for the matrix products",
     .lo = 1, .hi = 1024, .bounds = AT_LEAST | AT_MOST},
    {.name = "save", .alias = "checkpoint", .kind = OPT_STRING, .at = AT(save),
     .metavar = "FILE", .def = "model.safetensors",
     .help = "checkpoint file (model + optimizer state)"},
    {.name = "checkpoint-every", .kind = OPT_LONG, .at = AT(checkpoint_every),
     .metavar = "N", .help = "save every N steps (default: every epoch) and at the end",
     .lo = 1, .bounds = AT_LEAST},
    {.name = "resume", .kind = OPT_FLAG, .at = AT(resume),
     .help = "continue from the --save checkpoint, bit-identically"},
    {.name = "log", .kind = OPT_STRING, .at = AT(log), .metavar = "FILE.csv",
     .help = "write a CSV row per step (appended to with --resume)"},
    {.name = "eval-every", .kind = OPT_LONG, .at = AT(eval_every), .metavar = "N",
     .help = "also validate every N steps (always at each epoch end and the end)",
     .lo = 1, .bounds = AT_LEAST},
    {.name = "stateless", .kind = OPT_FLAG, .at = AT(stateless),
     .help = "shuffled windows from a zero state instead of carrying the state"},
    {.name = "sample", .kind = OPT_LONG, .at = AT(sample), .metavar = "N", .def = "0",
     .help = "after training, print N generated characters",
     .lo = 0, .hi = 1e9, .bounds = AT_LEAST | AT_MOST},
    {.name = "quiet", .kind = OPT_FLAG, .at = AT(quiet),
     .help = "print only the final summary"},
    {.name = "init", .kind = OPT_STRING, .at = AT(init), .metavar = "SCHEME",
     .def = "pytorch",
     .help = "initial weights: pytorch, or keras (Glorot, orthogonal, zero biases)"},
    {.name = "text-string", .kind = OPT_STRING, .at = AT(text_string), .metavar = "STRING",
     .help = "train on this text instead of a file"},
    {.name = "window", .kind = OPT_INT, .at = AT(window), .metavar = "W", .def = "0",
     .help = "many to one: every W characters (stride 1) predict the next one, "
             "one label per window (Keras's SimpleRNN example); 0 = language model",
     .lo = 0, .hi = 100000, .bounds = AT_LEAST | AT_MOST},
};

static const char *const train_pos[] = {"TEXT"};

static const cli_options train_spec = {
    .cmd = "train",
    .usage = "recur train [TEXT | --text-string STRING] [OPTIONS]",
    .description =
        "Train a character-level language model on TEXT, a UTF-8 file (default:\n"
        "the bundled Jane Austen corpus, " CLI_CORPUS_HELP ").\n"
        "The last --val of the text is held out for validation. Progress goes to\n"
        "stderr; the checkpoint (--save) is written atomically every epoch and at\n"
        "the end, so an interrupted or failed run keeps the last good one.\n"
        "With --window W it trains a many-to-one model instead: every W characters\n"
        "(stride 1) predict the next one, from a zero state, in shuffled batches,\n"
        "with no validation (Keras's SimpleRNN text example).",
    .opts = train_options,
    .nopts = ARGS_COUNT(train_options),
    .pos_names = train_pos,
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

/* The choices and combinations the table cannot say. */
static int train_check(const train_opts *o, const options_result *res)
{
    static const char *const inits[] = {"pytorch", "keras"};
    const cli_options *spec = &train_spec;
    if (recur_cell_parse(o->model) < 0)
        return options_error(spec, "--model expects one of rnn, rnn_tanh, rnn_relu, lstm, "
                                "gru, got '%s'", o->model);
    if (recur_optimizer_parse(o->optim) < 0)
        return options_error(spec, "--optim expects one of sgd, adam, adamw, rmsprop, "
                                "got '%s'", o->optim);
    if (o->proj && recur_cell_parse(o->model) != RECUR_LSTM)
        return options_error(spec, "--proj is for --model lstm only, not %s", o->model);
    if (o->proj >= o->hidden)
        return options_error(spec, "--proj %d must be below --hidden %d", o->proj, o->hidden);
    if (!*o->save)
        return options_error(spec, "--save expects a file name, got ''");
    if (options_choice(o->init, inits, 2) < 0)
        return options_error(spec, "--init expects pytorch or keras, got '%s'", o->init);
    if (o->text_string && res->npos)
        return options_error(spec, "give either a TEXT file or --text-string, not both");
    static const char *const lm_only[] = {"val", "eval-every", "stateless", "seq"};
    for (int i = 0; o->window > 0 && i < 4; i++)
        if (options_given(spec, res, lm_only[i]))
            return options_error(spec, "--%s does not apply to --window training (every "
                              "window is a training example of --window characters)",
                              lm_only[i]);
    return ARGS_OK;
}

int train_parse(int argc, char **argv, train_opts *out)
{
    train_opts o = {
        .model = "lstm", .hidden = 128, .proj = 0, .layers = 2, .embed = 0, .dropout = 0,
        .seq = 100, .batch = 32, .epochs = 1, .steps = 0, .time_limit = 0,
        .optim = "adam", .lr = 2e-3, .momentum = 0.9, .rho = 0.99, .weight_decay = 0,
        .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .clip = 5, .lr_decay = 1,
        .lr_decay_after = 0, .val = 0.05, .seed = 1, .threads = 2,
        .save = "model.safetensors", .checkpoint_every = 0, .eval_every = 0,
        .sample = 0, .window = 0, .init = "pytorch", .text_string = NULL, .text = NULL};
    options_result res;
    int a = options_parse(&train_spec, &o, argc, argv, &res);
    if (!a)
        a = train_check(&o, &res);
    if (a)
        return a;
    /* The corpus: --text-string, the TEXT file, or (NULL) the bundled text. */
    if (o.text_string)
        o.text = "--text-string";
    else if (res.npos)
        o.text = res.pos[0];
    *out = o;
    return ARGS_OK;
}
