/* classify_opts.c - the options of `recur classify` and its four
 * subcommands (train, eval, predict, baseline): their tables and
 * classify_parse. */
#include <stddef.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "recur.h"

#define RAW_HELP "take texts literally (no \\n, \\t, \\\\ escapes)"
#define AT(field) offsetof(classify_train_opts, field)

static const cli_option train_options[] = {
    {.name = "save", .kind = OPT_STRING, .at = AT(save), .metavar = "FILE",
     .def = "classifier.safetensors",
     .help = "model file, written atomically at every epoch end (a checkpoint for --resume)"},
    {.name = "test", .kind = OPT_STRING, .at = AT(test), .metavar = "FILE.tsv",
     .help = "test examples from this file instead of a held-out split"},
    {.name = "test-split", .kind = OPT_DOUBLE, .at = AT(split), .metavar = "FRACTION",
     .def = "0.2", .help = "part of each class held out for testing (seeded, stratified); 0 = none",
     .lo = 0, .hi = 1, .bounds = AT_LEAST | BELOW},
    {.name = "cell", .kind = OPT_STRING, .at = AT(cell), .metavar = "TYPE", .def = "gru",
     .help = "rnn_tanh, rnn_relu, lstm, gru"},
    {.name = "hidden", .kind = OPT_INT, .at = AT(hidden), .metavar = "N", .def = "128",
     .help = "units per layer and direction", .lo = 1, .hi = RECUR_MAX_WIDTH,
     .bounds = AT_LEAST | AT_MOST},
    {.name = "layers", .kind = OPT_INT, .at = AT(layers), .metavar = "N", .def = "1",
     .help = "stacked recurrent layers", .lo = 1, .hi = 16, .bounds = AT_LEAST | AT_MOST},
    {.name = "bidirectional", .kind = OPT_FLAG, .at = AT(bidirectional),
     .help = "bidirectional layers"},
    {.name = "readout", .kind = OPT_STRING, .at = AT(readout), .metavar = "last|mean",
     .def = "last", .help = "what the dense layer reads: the last state or the mean of all states"},
    {.name = "embed", .kind = OPT_INT, .at = AT(embed), .metavar = "N", .def = "32",
     .help = "character embedding size; 0 = one-hot", .lo = 0, .hi = RECUR_MAX_WIDTH,
     .bounds = AT_LEAST | AT_MOST},
    {.name = "dropout", .kind = OPT_DOUBLE, .at = AT(dropout), .metavar = "P", .def = "0",
     .help = "dropout on each recurrent layer's output", .lo = 0, .hi = 1,
     .bounds = AT_LEAST | BELOW},
    {.name = "epochs", .kind = OPT_LONG, .at = AT(epochs), .metavar = "N", .def = "10",
     .help = "passes over the training examples", .lo = 1, .hi = 1e9,
     .bounds = AT_LEAST | AT_MOST},
    {.name = "batch", .kind = OPT_INT, .at = AT(batch), .metavar = "B", .def = "32",
     .help = "examples per batch", .lo = 1, .hi = 100000, .bounds = AT_LEAST | AT_MOST},
    {.name = "optim", .kind = OPT_STRING, .at = AT(optim), .metavar = "NAME", .def = "adam",
     .help = "sgd, adam, adamw, rmsprop"},
    {.name = "lr", .kind = OPT_DOUBLE, .at = AT(lr), .metavar = "RATE", .def = "2e-3",
     .help = "learning rate", .lo = 0, .hi = 100, .bounds = ABOVE | BELOW},
    {.name = "clip", .kind = OPT_DOUBLE, .at = AT(clip), .metavar = "NORM", .def = "5",
     .help = "clip the global gradient norm; 0 = off", .lo = 0, .bounds = AT_LEAST},
    {.name = "max-len", .kind = OPT_INT, .at = AT(max_len), .metavar = "N", .def = "400",
     .help = "use the first N characters of each text; 0 = all", .lo = 0, .hi = 100000,
     .bounds = AT_LEAST | AT_MOST},
    {.name = "min-char-count", .kind = OPT_INT, .at = AT(min_count), .metavar = "N",
     .def = "2", .help = "characters seen fewer times in training read as unknown (U+FFFD)",
     .lo = 1, .hi = 1000000000, .bounds = AT_LEAST | AT_MOST},
    {.name = "alpha", .kind = OPT_DOUBLE, .at = AT(alpha), .metavar = "A", .def = "1",
     .help = "add-alpha smoothing of the naive Bayes baseline", .lo = 0, .bounds = ABOVE},
    {.name = "seed", .kind = OPT_U64, .at = AT(seed), .metavar = "N", .def = "1",
     .help = "seed for the split, the initial weights, dropout and shuffling"},
    {.name = "time-limit", .kind = OPT_DOUBLE, .at = AT(time_limit), .metavar = "SECONDS",
     .help = "stop cleanly after this much time, with a checkpoint", .lo = 0, .bounds = ABOVE},
    {.name = "threads", .kind = OPT_INT, .at = AT(threads), .metavar = "N", .def = "2",
     .help = "threads for the matrix products", .lo = 1, .hi = 1024,
     .bounds = AT_LEAST | AT_MOST},
    {.name = "resume", .kind = OPT_FLAG, .at = AT(resume),
     .help = "continue from the --save checkpoint"},
    {.name = "log", .kind = OPT_STRING, .at = AT(log), .metavar = "FILE.csv",
     .help = "write a CSV row per epoch (appended to with --resume)"},
    {.name = "raw", .kind = OPT_FLAG, .at = AT(raw), .help = RAW_HELP},
    {.name = "header", .kind = OPT_FLAG, .at = AT(header),
     .help = "the first line of each TSV file is a header"},
    {.name = "quiet", .kind = OPT_FLAG, .at = AT(quiet), .help = "print only the final summary"},
    {.name = "bucket", .kind = OPT_FLAG, .at = AT(bucket),
     .help = "batch texts of similar length together (less padding, faster epochs; the "
             "batch order stays shuffled)"},
};

static const char *const data_pos[] = {"DATA.tsv"};

static const cli_options train_spec = {
    .cmd = "classify train",
    .usage = "recur classify train DATA.tsv [--save FILE] [OPTIONS]",
    .description =
        "Train a recurrent classifier of texts. DATA.tsv has one example per\n"
        "line, LABEL<TAB>TEXT, where the text may write a newline as \\n, a tab\n"
        "as \\t and a backslash as \\\\ (unless --raw). A seeded, stratified\n"
        "--test-split of each class is held out (or --test FILE is used), and\n"
        "the test accuracy is shown after each epoch, next to a character-bigram\n"
        "naive Bayes baseline trained on the same examples.",
    .opts = train_options,
    .nopts = ARGS_COUNT(train_options),
    .pos_names = data_pos,
    .pos_min = 1,
    .pos_max = 1,
    .epilog = "Ctrl-C finishes the current step, saves a checkpoint and exits with "
              "status 130.\nThe progress line's tok/s counts examples per second.\n"
              "examples:\n"
              "  recur classify train langs.tsv --save langs.safetensors --epochs 5\n"
              "  recur classify train langs.tsv --bidirectional --readout mean\n"
              "  recur classify train train.tsv --test test.tsv --cell lstm",
};

#undef AT
#define AT(field) offsetof(classify_baseline_opts, field)

static const cli_option baseline_options[] = {
    {.name = "test", .kind = OPT_STRING, .at = AT(test), .metavar = "FILE.tsv",
     .help = "test examples from this file instead of a held-out split"},
    {.name = "test-split", .kind = OPT_DOUBLE, .at = AT(split), .metavar = "FRACTION",
     .def = "0.2", .help = "part of each class held out for testing (as classify train)",
     .lo = 0, .hi = 1, .bounds = ABOVE | BELOW},
    {.name = "seed", .kind = OPT_U64, .at = AT(seed), .metavar = "N", .def = "1",
     .help = "seed of the split"},
    {.name = "alpha", .kind = OPT_DOUBLE, .at = AT(alpha), .metavar = "A", .def = "1",
     .help = "add-alpha smoothing", .lo = 0, .bounds = ABOVE},
    {.name = "max-len", .kind = OPT_INT, .at = AT(max_len), .metavar = "N", .def = "400",
     .help = "use the first N characters of each text; 0 = all", .lo = 0, .hi = 100000,
     .bounds = AT_LEAST | AT_MOST},
    {.name = "raw", .kind = OPT_FLAG, .at = AT(raw), .help = RAW_HELP},
    {.name = "header", .kind = OPT_FLAG, .at = AT(header),
     .help = "the first line of each TSV file is a header"},
};

static const cli_options baseline_spec = {
    .cmd = "classify baseline",
    .usage = "recur classify baseline DATA.tsv [OPTIONS]",
    .description =
        "Train and test the baseline of `recur classify train` alone: a\n"
        "multinomial naive Bayes classifier over character bigrams (with start\n"
        "and end markers) with add-alpha smoothing, on the same seeded split.",
    .opts = baseline_options,
    .nopts = ARGS_COUNT(baseline_options),
    .pos_names = data_pos,
    .pos_min = 1,
    .pos_max = 1,
};

#undef AT
#define AT(field) offsetof(classify_use_opts, field)

static const cli_option eval_options[] = {
    {.name = "max-len", .kind = OPT_INT, .at = AT(max_len), .metavar = "N",
     .def = "the model's", .help = "use the first N characters of each text; 0 = all",
     .lo = 0, .hi = 100000, .bounds = AT_LEAST | AT_MOST},
    {.name = "batch", .kind = OPT_INT, .at = AT(batch), .metavar = "B", .def = "64",
     .help = "examples per batch", .lo = 1, .hi = 100000, .bounds = AT_LEAST | AT_MOST},
    {.name = "threads", .kind = OPT_INT, .at = AT(threads), .metavar = "N", .def = "2",
     .help = "threads for the matrix products", .lo = 1, .hi = 1024,
     .bounds = AT_LEAST | AT_MOST},
    {.name = "raw", .kind = OPT_FLAG, .at = AT(raw), .help = RAW_HELP},
    {.name = "header", .kind = OPT_FLAG, .at = AT(header),
     .help = "the first line of the TSV file is a header"},
};

static const char *const eval_pos[] = {"MODEL", "DATA.tsv"};

static const cli_options eval_spec = {
    .cmd = "classify eval",
    .usage = "recur classify eval MODEL DATA.tsv [OPTIONS]",
    .description =
        "Score a classifier on labelled texts (LABEL<TAB>TEXT lines): accuracy,\n"
        "mean loss, and per class the examples, hits, recall, precision and the\n"
        "class it is most often taken for. A label the model does not know is\n"
        "an error naming its line.",
    .opts = eval_options,
    .nopts = ARGS_COUNT(eval_options),
    .pos_names = eval_pos,
    .pos_min = 2,
    .pos_max = 2,
};

static const cli_option predict_options[] = {
    {.name = "prob", .kind = OPT_FLAG, .at = AT(prob),
     .help = "print the class's probability after a tab"},
    {.name = "max-len", .kind = OPT_INT, .at = AT(max_len), .metavar = "N",
     .def = "the model's", .help = "use the first N characters of each text; 0 = all",
     .lo = 0, .hi = 100000, .bounds = AT_LEAST | AT_MOST},
    {.name = "batch", .kind = OPT_INT, .at = AT(batch), .metavar = "B", .def = "64",
     .help = "texts per batch", .lo = 1, .hi = 100000, .bounds = AT_LEAST | AT_MOST},
    {.name = "threads", .kind = OPT_INT, .at = AT(threads), .metavar = "N", .def = "2",
     .help = "threads for the matrix products", .lo = 1, .hi = 1024,
     .bounds = AT_LEAST | AT_MOST},
    {.name = "raw", .kind = OPT_FLAG, .at = AT(raw), .help = RAW_HELP},
};

static const char *const predict_pos[] = {"MODEL", "FILE"};

static const cli_options predict_spec = {
    .cmd = "classify predict",
    .usage = "recur classify predict MODEL [FILE|-] [OPTIONS]",
    .description =
        "Classify texts, one per line of FILE (or stdin): print one class name\n"
        "per text, on its own line (empty lines are skipped). Texts may write a\n"
        "newline as \\n, a tab as \\t and a backslash as \\\\, as in training.\n"
        "Characters the model has not seen read as unknown.",
    .opts = predict_options,
    .nopts = ARGS_COUNT(predict_options),
    .pos_names = predict_pos,
    .pos_min = 1,
    .pos_max = 2,
};

static const char *const subcommand_names[] = {"train", "eval", "predict", "baseline"};

static const cli_subcommands subcommands = {
    .cmd = "classify",
    .help = "usage: recur classify SUBCOMMAND ...\n"
            "\n"
            "Many-to-one sequence classification of texts (LABEL<TAB>TEXT lines).\n"
            "\n"
            "subcommands:\n"
            "  train DATA.tsv --save MODEL   train a recurrent classifier; test accuracy\n"
            "                                per epoch next to a naive Bayes baseline\n"
            "  eval MODEL DATA.tsv           accuracy and per-class counts on labelled texts\n"
            "  predict MODEL [FILE|-]        the class of each line of text\n"
            "  baseline DATA.tsv             the character-bigram naive Bayes baseline alone\n"
            "\n"
            "Run 'recur classify SUBCOMMAND --help' for its options.\n",
    .names = subcommand_names,
    .n = 4,
};

/* The choices and combinations the train table cannot say. */
static int check_train(const classify_train_opts *o, const options_result *res)
{
    static const char *const readouts[] = {"last", "mean"};
    const cli_options *spec = &train_spec;
    if (recur_cell_parse(o->cell) < 0)
        return options_error(spec, "--cell expects one of rnn_tanh, rnn_relu, lstm, gru, "
                             "got '%s'", o->cell);
    if (options_choice(o->readout, readouts, 2) < 0)
        return options_error(spec, "--readout expects last or mean, got '%s'", o->readout);
    if (recur_optimizer_parse(o->optim) < 0)
        return options_error(spec, "--optim expects one of sgd, adam, adamw, rmsprop, got "
                             "'%s'", o->optim);
    if (!*o->save)
        return options_error(spec, "--save expects a file name, got ''");
    if (o->test && options_given(spec, res, "test-split"))
        return options_error(spec, "give --test FILE or --test-split, not both");
    return ARGS_OK;
}

static int parse_train(int argc, char **argv, classify_train_opts *o)
{
    options_result res;
    int a = options_parse(&train_spec, o, argc, argv, &res);
    if (!a)
        a = check_train(o, &res);
    o->data = res.pos[0];
    return a;
}

static int parse_baseline(int argc, char **argv, classify_baseline_opts *o)
{
    options_result res;
    int a = options_parse(&baseline_spec, o, argc, argv, &res);
    if (!a && o->test && options_given(&baseline_spec, &res, "test-split"))
        a = options_error(&baseline_spec, "give --test FILE or --test-split, not both");
    o->data = res.pos[0];
    return a;
}

static int parse_use(const cli_options *spec, int argc, char **argv, classify_use_opts *o)
{
    options_result res;
    int a = options_parse(spec, o, argc, argv, &res);
    o->model = res.pos[0];
    o->data = res.pos[1];
    o->max_len_given = options_given(spec, &res, "max-len");
    return a;
}

int classify_parse(int argc, char **argv, classify_opts *out)
{
    classify_opts o = {
        .train = {.save = "classifier.safetensors", .cell = "gru", .readout = "last",
                  .optim = "adam", .split = 0.2, .lr = 2e-3, .clip = 5, .alpha = 1,
                  .hidden = 128, .layers = 1, .embed = 32, .batch = 32, .max_len = 400,
                  .min_count = 2, .threads = 2, .epochs = 10, .seed = 1},
        .baseline = {.split = 0.2, .alpha = 1, .max_len = 400, .seed = 1},
        .use = {.batch = 64, .threads = 2}};
    int a = options_subcommand(&subcommands, argc, argv, &o.sub);
    if (a)
        return a;
    argc--, argv++;
    switch (o.sub) {
    case CLASSIFY_TRAIN: a = parse_train(argc, argv, &o.train); break;
    case CLASSIFY_BASELINE: a = parse_baseline(argc, argv, &o.baseline); break;
    case CLASSIFY_EVAL: a = parse_use(&eval_spec, argc, argv, &o.use); break;
    default: a = parse_use(&predict_spec, argc, argv, &o.use); break;
    }
    if (!a)
        *out = o;
    return a;
}
