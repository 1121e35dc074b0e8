/* main.c - the recur command: dispatch to a subcommand, --help, --version. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "dist.h"
#include "recur.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"train", cmd_train, "train a character-level language model on a text file"},
    {"sample", cmd_sample, "generate text from a trained model"},
    {"eval", cmd_eval, "score a text with a model: loss, bits per character, perplexity"},
    {"info", cmd_info, "show a model's layers, parameters, tensors and settings"},
    {"grad-report", cmd_grad_report, "how far back in time a model's gradient reaches (BPTT)"},
    {"forecast", cmd_forecast, "forecast a time series (CSV) with an RNN: train, predict"},
    {"export", cmd_export, "dump a model's tensors as JSON or CSV, or write it as ONNX"},
    {"import", cmd_import, "convert an ONNX model (RNN, LSTM, GRU) to a recur model"},
    {"classify", cmd_classify, "classify texts (LABEL<TAB>TEXT): train, eval, predict, baseline"},
    {"seq2seq", cmd_seq2seq, "encoder-decoder models: train, eval, translate (TSV pairs)"},
    {"caption", cmd_caption, "describe images in words: train, eval, predict (image TSV)"},
    {"tag", cmd_tag, "tag every word (WORD<TAB>TAG sentences): train, eval, predict"},
};
#define NCOMMANDS (int)(sizeof commands / sizeof *commands)

static void usage(FILE *f)
{
    fprintf(f,
            "usage: recur COMMAND [ARGUMENTS] [OPTIONS]\n"
            "\n"
            "Recurrent neural networks (RNN, LSTM, GRU): character-level language\n"
            "models in the spirit of char-rnn, many-to-one text models, sequence\n"
            "classifiers, forecasters and sequence-to-sequence models, with\n"
            "Keras-style reporting.\n"
            "\n"
            "commands:\n");
    for (int i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
    fprintf(f,
            "  %-11s show the help of a command\n"
            "\n"
            "options:\n"
            "  --help     show this help and exit\n"
            "  --version  show the version and exit\n"
            "\n"
            "Run 'recur COMMAND --help' for the options of a command. For example:\n"
            "  recur train --hidden 256 --epochs 10 --save austen.safetensors\n"
            "  recur sample austen.safetensors --prime 'It is a truth' --length 300\n"
            "  recur eval austen.safetensors some.txt\n"
            "  recur info austen.safetensors\n"
            "  recur forecast train data/timeseries/airpassengers_monthly.csv --test 24\n"
            "  recur classify train langs.tsv --save langs.safetensors\n"
            "  recur export austen.safetensors --format csv -o austen.csv\n"
            "  recur import model.onnx -o model.safetensors\n",
            "help");
}

static const command *find_command(const char *name)
{
    for (int i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* The commands that train over MPI ranks (train_driver.c): every other
 * one, run by several processes, would do all the work N times. */
static int trains_over_ranks(const char *cmd, const char *sub)
{
    static const char *const with_train[] = {"classify", "forecast", "seq2seq"};
    if (strcmp(cmd, "train") == 0)
        return 1;
    for (int i = 0; i < 3; i++)
        if (strcmp(cmd, with_train[i]) == 0)
            return strcmp(sub, "train") == 0;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "recur: no command given: train, sample, eval, info, classify, "
                        "forecast, ... (try 'recur --help')\n");
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("recur %s\n", RECUR_VERSION_STRING);
        return 0;
    }
    if (strcmp(name, "help") == 0) {
        if (argc == 2) {
            usage(stdout);
            return 0;
        }
        if (argc > 3) {
            fprintf(stderr, "recur help: unexpected extra argument '%s' "
                            "(try 'recur help COMMAND')\n", argv[3]);
            return EXIT_USAGE;
        }
        const command *c = find_command(argv[2]);
        if (!c) {
            fprintf(stderr, "recur help: unknown command '%s' (try 'recur --help')\n",
                    argv[2]);
            return EXIT_USAGE;
        }
        char *help_argv[] = {(char *)c->name, "--help", NULL};
        return c->run(2, help_argv);
    }
    const command *c = find_command(name);
    if (!c) {
        if (name[0] == '-')
            fprintf(stderr, "recur: unknown option '%s' (try 'recur --help')\n", name);
        else
            fprintf(stderr, "recur: unknown command '%s' (try 'recur --help')\n", name);
        return EXIT_USAGE;
    }
    /* Under mpirun: `train` and the `train` of classify, forecast and
     * seq2seq run over the ranks (dist.h); join the job before anything is
     * printed. */
    if (dist_launched_size() > 1) {
        if (!trains_over_ranks(c->name, argc > 2 ? argv[2] : "") && dist_only_one(c->name))
            return EXIT_USAGE;
        if (dist_init())
            return EXIT_RUNTIME;
    }
    int rc = c->run(argc - 1, argv + 1);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (!rc) /* a command that failed has said why, in its one line */
            fprintf(stderr, "recur: error writing the output\n");
        return rc ? rc : EXIT_RUNTIME;
    }
    return rc;
}
