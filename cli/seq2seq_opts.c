/* seq2seq_opts.c - the options of `recur seq2seq` and its three
 * subcommands (train, eval, translate): their tables and seq2seq_parse. */
#include <stddef.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "recur.h"

#define AT(field) offsetof(seq2seq_train_opts, field)

static const cli_option train_options[] = {
    {.name = "model", .kind = OPT_STRING, .at = AT(model), .metavar = "TYPE", .def = "lstm",
     .help = "recurrent cell: rnn_tanh, rnn_relu, lstm, gru"},
    {.name = "hidden", .kind = OPT_INT, .at = AT(hidden), .metavar = "N", .def = "128",
     .help = "encoder units per direction (the decoder has this x directions)",
     .lo = 1, .hi = 32768, .bounds = AT_LEAST | AT_MOST},
    {.name = "layers", .kind = OPT_INT, .at = AT(layers), .metavar = "N", .def = "1",
     .help = "layers of encoder and decoder", .lo = 1, .hi = 16, .bounds = AT_LEAST | AT_MOST},
    {.name = "embed", .kind = OPT_INT, .at = AT(embed), .metavar = "N", .def = "64",
     .help = "embedding size; 0 = one-hot", .lo = 0, .hi = 65536, .bounds = AT_LEAST | AT_MOST},
    {.name = "bidirectional", .kind = OPT_FLAG, .at = AT(bidirectional),
     .help = "bidirectional encoder"},
    {.name = "attention", .kind = OPT_STRING, .at = AT(attention), .metavar = "KIND",
     .def = "none", .help = "attention in the decoder (Luong): none, dot, general, additive"},
    {.name = "dropout", .kind = OPT_DOUBLE, .at = AT(dropout), .metavar = "P", .def = "0",
     .help = "dropout on each layer's output while training", .lo = 0, .hi = 1,
     .bounds = AT_LEAST | BELOW},
    {.name = "src-tokens", .kind = OPT_STRING, .at = AT(src_tokens), .metavar = "MODE",
     .def = "chars",
     .help = "source side as 'chars', space-separated 'words' or subwords 'bpe'"},
    {.name = "tgt-tokens", .kind = OPT_STRING, .at = AT(tgt_tokens), .metavar = "MODE",
     .def = "chars",
     .help = "target side as 'chars', space-separated 'words' (e.g. phonemes) or 'bpe'"},
    {.name = "bpe-merges", .kind = OPT_INT, .at = AT(bpe_merges), .metavar = "N",
     .def = "4000",
     .help = "byte-pair merges learned from each 'bpe' side's training text (kept in "
             "the model)", .lo = 0, .hi = RECUR_BPE_MAX_MERGES, .bounds = AT_LEAST | AT_MOST},
    {.name = "batch", .kind = OPT_INT, .at = AT(batch), .metavar = "B", .def = "64",
     .help = "pairs per batch", .lo = 1, .hi = 100000, .bounds = AT_LEAST | AT_MOST},
    {.name = "epochs", .kind = OPT_LONG, .at = AT(epochs), .metavar = "N", .def = "1",
     .help = "passes over the training pairs", .lo = 1, .hi = 1e9, .bounds = AT_LEAST | AT_MOST},
    {.name = "steps", .kind = OPT_LONG, .at = AT(steps), .metavar = "N",
     .help = "train to this many steps in all (overrides --epochs)", .lo = 1,
     .bounds = AT_LEAST},
    {.name = "time-limit", .kind = OPT_DOUBLE, .at = AT(time_limit), .metavar = "SECONDS",
     .help = "stop cleanly after this much time, with a checkpoint", .lo = 0, .bounds = ABOVE},
    {.name = "optim", .kind = OPT_STRING, .at = AT(optim), .metavar = "NAME", .def = "adam",
     .help = "optimizer: sgd, adam, adamw, rmsprop"},
    {.name = "lr", .kind = OPT_DOUBLE, .at = AT(lr), .metavar = "RATE", .def = "2e-3",
     .help = "learning rate", .lo = 0, .hi = 100, .bounds = ABOVE | BELOW},
    {.name = "lr-decay", .kind = OPT_DOUBLE, .at = AT(lr_decay), .metavar = "F", .def = "1",
     .help = "multiply the learning rate by F after every epoch", .lo = 0, .hi = 1,
     .bounds = ABOVE | AT_MOST},
    {.name = "clip", .kind = OPT_DOUBLE, .at = AT(clip), .metavar = "NORM", .def = "5",
     .help = "clip the gradient norm over encoder and decoder; 0 = off", .lo = 0,
     .bounds = AT_LEAST},
    {.name = "val", .kind = OPT_DOUBLE, .at = AT(val), .metavar = "FRACTION", .def = "0.05",
     .help = "pairs held out (chosen by --seed) for validation and the final metrics",
     .lo = 0, .hi = 1, .bounds = AT_LEAST | BELOW},
    {.name = "seed", .kind = OPT_U64, .at = AT(seed), .metavar = "N", .def = "1",
     .help = "seed of the weights, the split, shuffling and dropout"},
    {.name = "threads", .kind = OPT_INT, .at = AT(threads), .metavar = "N", .def = "2",
     .help = "threads", .lo = 1, .hi = 1024, .bounds = AT_LEAST | AT_MOST},
    {.name = "save", .kind = OPT_STRING, .at = AT(save), .metavar = "FILE",
     .def = "seq2seq.safetensors",
     .help = "model file and checkpoint (written every epoch and at the end)"},
    {.name = "checkpoint-every", .kind = OPT_LONG, .at = AT(checkpoint_every),
     .metavar = "N", .help = "also save every N steps", .lo = 1, .bounds = AT_LEAST},
    {.name = "resume", .kind = OPT_FLAG, .at = AT(resume),
     .help = "continue from the --save checkpoint"},
    {.name = "beam", .kind = OPT_INT, .at = AT(beam), .metavar = "K", .def = "0",
     .help = "final held-out decoding: 0 greedy, K beam search", .lo = 0, .hi = 1000,
     .bounds = AT_LEAST | AT_MOST},
    {.name = "length-penalty", .kind = OPT_DOUBLE, .at = AT(length_penalty),
     .metavar = "ALPHA", .def = "1",
     .help = "beam search ranks by log-probability / length^ALPHA (0: the sum)", .lo = 0,
     .hi = 10, .bounds = AT_LEAST | AT_MOST},
    {.name = "max-len", .kind = OPT_INT, .at = AT(max_len), .metavar = "N",
     .help = "longest output decoded (default: 2 x the longest training target + 5)",
     .lo = 1, .hi = 100000, .bounds = AT_LEAST | AT_MOST},
    {.name = "eval-max", .kind = OPT_LONG, .at = AT(eval_max), .metavar = "N", .def = "1000",
     .help = "held-out pairs decoded at the end (0: none)", .lo = 0, .bounds = AT_LEAST},
    {.name = "show", .kind = OPT_INT, .at = AT(show), .metavar = "N", .def = "0",
     .help = "print the first N held-out translations to stderr", .lo = 0, .hi = 1e6,
     .bounds = AT_LEAST | AT_MOST},
    {.name = "quiet", .kind = OPT_FLAG, .at = AT(quiet),
     .help = "print only the summary and metrics"},
};

static const char *const train_pos[] = {"DATA"};

static const cli_options train_spec = {
    .cmd = "seq2seq train",
    .usage = "recur seq2seq train DATA [OPTIONS]",
    .description =
        "Train an encoder-decoder on DATA, a UTF-8 TSV file of 'source<TAB>target'\n"
        "lines, with teacher forcing. --val of the pairs (chosen by --seed) are\n"
        "held out: their loss is reported every epoch and, at the end, they are\n"
        "decoded and scored (exact match, token error rate, BLEU-4).",
    .opts = train_options,
    .nopts = ARGS_COUNT(train_options),
    .pos_names = train_pos,
    .pos_min = 1,
    .pos_max = 1,
    .epilog = "examples:\n"
              "  recur seq2seq train g2p.tsv --tgt-tokens words --bidirectional "
              "--epochs 5 --save g2p.safetensors\n"
              "  recur seq2seq train de-en.tsv --time-limit 600 --beam 4",
};

#undef AT
#define AT(field) offsetof(seq2seq_eval_opts, field)

static const cli_option eval_options[] = {
    {.name = "beam", .kind = OPT_INT, .at = AT(beam), .metavar = "K", .def = "0",
     .help = "0 greedy, K beam search", .lo = 0, .hi = 1000, .bounds = AT_LEAST | AT_MOST},
    {.name = "length-penalty", .kind = OPT_DOUBLE, .at = AT(length_penalty),
     .metavar = "ALPHA", .def = "1",
     .help = "beam search ranks by log-probability / length^ALPHA (0: the sum)", .lo = 0,
     .hi = 10, .bounds = AT_LEAST | AT_MOST},
    {.name = "max-len", .kind = OPT_INT, .at = AT(max_len), .metavar = "N",
     .help = "longest output (default: the model's)", .lo = 1, .hi = 100000,
     .bounds = AT_LEAST | AT_MOST},
    {.name = "val", .kind = OPT_DOUBLE, .at = AT(val), .metavar = "FRACTION",
     .help = "score only the held-out part of a split made as 'train --val F --seed N' does",
     .lo = 0, .hi = 1, .bounds = ABOVE | BELOW},
    {.name = "seed", .kind = OPT_U64, .at = AT(seed), .metavar = "N", .def = "1",
     .help = "seed of that split"},
    {.name = "max", .kind = OPT_LONG, .at = AT(max_examples), .metavar = "N",
     .help = "score at most N pairs", .lo = 1, .bounds = AT_LEAST},
    {.name = "baseline", .kind = OPT_STRING, .at = AT(baseline), .metavar = "KIND",
     .def = "none",
     .help = "score a baseline instead of the model: 'copy' (the source as output) or "
             "'nn' (the target of the nearest training source; needs --val)"},
    {.name = "show", .kind = OPT_INT, .at = AT(show), .metavar = "N", .def = "0",
     .help = "print the first N outputs to stderr", .lo = 0, .hi = 1e6,
     .bounds = AT_LEAST | AT_MOST},
    {.name = "hypotheses", .kind = OPT_STRING, .at = AT(hypotheses), .metavar = "FILE",
     .help = "score FILE's lines (one per scored pair, in order; e.g. another system's "
             "output) instead of decoding"},
};

static const char *const eval_pos[] = {"MODEL", "DATA"};

static const cli_options eval_spec = {
    .cmd = "seq2seq eval",
    .usage = "recur seq2seq eval MODEL DATA [OPTIONS]",
    .description =
        "Decode the sources of DATA (TSV 'source<TAB>target') with MODEL and score\n"
        "the outputs against the targets: exact match, token (or character) error\n"
        "rate by edit distance, corpus BLEU-4 over words, and the teacher-forced\n"
        "loss.",
    .opts = eval_options,
    .nopts = ARGS_COUNT(eval_options),
    .pos_names = eval_pos,
    .pos_min = 2,
    .pos_max = 2,
};

#undef AT
#define AT(field) offsetof(seq2seq_translate_opts, field)

static const cli_option translate_options[] = {
    {.name = "beam", .kind = OPT_INT, .at = AT(beam), .metavar = "K", .def = "0",
     .help = "0 greedy, K beam search", .lo = 0, .hi = 1000, .bounds = AT_LEAST | AT_MOST},
    {.name = "length-penalty", .kind = OPT_DOUBLE, .at = AT(length_penalty),
     .metavar = "ALPHA", .def = "1",
     .help = "beam search ranks by log-probability / length^ALPHA (0: the sum)", .lo = 0,
     .hi = 10, .bounds = AT_LEAST | AT_MOST},
    {.name = "attention-svg", .kind = OPT_STRING, .at = AT(svg), .metavar = "FILE",
     .help = "draw the first source's attention weights as an SVG heat map"},
    {.name = "sample", .kind = OPT_FLAG, .at = AT(sample),
     .help = "draw each token from the model's distribution"},
    {.name = "temperature", .kind = OPT_DOUBLE, .at = AT(temperature), .metavar = "T",
     .def = "1", .help = "sampling temperature (lower: more conservative)", .lo = 0,
     .hi = 100, .bounds = ABOVE | AT_MOST},
    {.name = "count", .kind = OPT_INT, .at = AT(count), .metavar = "N", .def = "1",
     .help = "outputs per source (different samples with --sample)", .lo = 1, .hi = 10000,
     .bounds = AT_LEAST | AT_MOST},
    {.name = "seed", .kind = OPT_U64, .at = AT(seed), .metavar = "N", .def = "1",
     .help = "sampling seed"},
    {.name = "max-len", .kind = OPT_INT, .at = AT(max_len), .metavar = "N",
     .help = "longest output (default: the model's)", .lo = 1, .hi = 100000,
     .bounds = AT_LEAST | AT_MOST},
    {.name = "input", .kind = OPT_STRING, .at = AT(input), .metavar = "FILE", .def = "-",
     .help = "sources, one per line (text after a tab is ignored); - = stdin"},
};

static const char *const translate_pos[] = {"MODEL"};

static const cli_options translate_spec = {
    .cmd = "seq2seq translate",
    .usage = "recur seq2seq translate MODEL [OPTIONS] < sources",
    .description =
        "Decode each source line (greedy, beam search or sampling) and print\n"
        "one output line per source (--count lines with --count).",
    .opts = translate_options,
    .nopts = ARGS_COUNT(translate_options),
    .pos_names = translate_pos,
    .pos_min = 1,
    .pos_max = 1,
    .epilog = "examples:\n"
              "  echo RECURRENT | recur seq2seq translate g2p.safetensors --beam 4\n"
              "  echo deu | recur seq2seq translate words.safetensors --sample "
              "--temperature 0.8 --count 5",
};

static const char *const subcommand_names[] = {"train", "eval", "translate"};

static const cli_subcommands subcommands = {
    .cmd = "seq2seq",
    .help = "usage: recur seq2seq train|eval|translate ...\n"
            "\n"
            "Encoder-decoder models on parallel text (TSV 'source<TAB>target'):\n"
            "  train      train a model, report held-out metrics\n"
            "  eval       score a model (or a baseline) on data\n"
            "  translate  decode sources read from stdin or a file\n"
            "Run 'recur seq2seq SUBCOMMAND --help' for its options.\n",
    .names = subcommand_names,
    .n = 3,
};

static int parse_train(int argc, char **argv, seq2seq_train_opts *o)
{
    static const char *const modes[] = {"chars", "words", "bpe"};
    const cli_options *spec = &train_spec;
    options_result res;
    int a = options_parse(spec, o, argc, argv, &res);
    o->data = res.pos[0];
    if (a)
        return a;
    if (recur_cell_parse(o->model) < 0)
        return options_error(spec, "--model expects rnn_tanh, rnn_relu, lstm or gru, got "
                             "'%s'", o->model);
    if (recur_attention_parse(o->attention, NULL))
        return options_error(spec, "--attention expects none, dot, general or additive, "
                             "got '%s'", o->attention);
    if (recur_optimizer_parse(o->optim) < 0)
        return options_error(spec, "--optim expects sgd, adam, adamw or rmsprop, got '%s'",
                             o->optim);
    if (options_choice(o->src_tokens, modes, 3) < 0 ||
        options_choice(o->tgt_tokens, modes, 3) < 0)
        return options_error(spec, "--src-tokens and --tgt-tokens expect 'chars', "
                             "'words' or 'bpe'");
    if (!*o->save)
        return options_error(spec, "--save expects a file name, got ''");
    return ARGS_OK;
}

static int parse_eval(int argc, char **argv, seq2seq_eval_opts *o)
{
    static const char *const baselines[] = {"none", "copy", "nn"};
    const cli_options *spec = &eval_spec;
    options_result res;
    int a = options_parse(spec, o, argc, argv, &res);
    o->model = res.pos[0];
    o->data = res.pos[1];
    if (a)
        return a;
    int kind = options_choice(o->baseline, baselines, 3);
    if (kind < 0)
        return options_error(spec, "--baseline expects none, copy or nn, got '%s'",
                             o->baseline);
    if (kind > 0 && o->hypotheses)
        return options_error(spec, "--hypotheses and --baseline exclude each other");
    if (kind == 2 && !options_given(spec, &res, "val"))
        return options_error(spec, "--baseline nn needs --val (the rest of the data is "
                             "its memory)");
    return ARGS_OK;
}

static int parse_translate(int argc, char **argv, seq2seq_translate_opts *o)
{
    options_result res;
    int a = options_parse(&translate_spec, o, argc, argv, &res);
    o->model = res.pos[0];
    return a;
}

int seq2seq_parse(int argc, char **argv, seq2seq_opts *out)
{
    seq2seq_opts o = {
        .train = {.model = "lstm", .src_tokens = "chars", .tgt_tokens = "chars",
                  .optim = "adam", .save = "seq2seq.safetensors", .hidden = 128,
                  .layers = 1, .embed = 64, .batch = 64, .threads = 2, .lr = 2e-3,
                  .clip = 5, .val = 0.05, .epochs = 1, .eval_max = 1000, .lr_decay = 1,
                  .seed = 1, .attention = "none", .length_penalty = 1,
                  .bpe_merges = 4000},
        .eval = {.seed = 1, .baseline = "none", .length_penalty = 1},
        .translate = {.count = 1, .temperature = 1, .seed = 1, .input = "-",
                      .length_penalty = 1}};
    int a = options_subcommand(&subcommands, argc, argv, &o.sub);
    if (a)
        return a;
    argc--, argv++;
    if (o.sub == SEQ2SEQ_TRAIN)
        a = parse_train(argc, argv, &o.train);
    else if (o.sub == SEQ2SEQ_EVAL)
        a = parse_eval(argc, argv, &o.eval);
    else
        a = parse_translate(argc, argv, &o.translate);
    if (!a)
        *out = o;
    return a;
}
