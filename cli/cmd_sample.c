/* cmd_sample.c - `recur sample`: generate text from a character model. The
 * prime is printed first, then the generated characters, then a newline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "recur.h"

typedef struct {
    const char *prime;
    int printed_prime;
} emit_state;

static void emit(const char *utf8, int bytes, void *user)
{
    emit_state *e = user;
    if (!e->printed_prime) { /* only once the library accepted the prime */
        fputs(e->prime, stdout);
        e->printed_prime = 1;
    }
    fwrite(utf8, 1, (size_t)bytes, stdout);
}

int cmd_sample(int argc, char **argv)
{
    const char *prime = "";
    long length = 500;
    double temperature = 1.0;
    int top_k = 0, greedy = 0, window = 0;
    uint64_t seed = 1;
    cli_opt opts[] = {
        {"prime", "primetext", OPT_STRING, &prime, "TEXT", NULL,
         "text to start from; printed before the generated text", 0, 0, 0, 0, 0, 0, 0},
        {"length", NULL, OPT_LONG, &length, "N", "500", "characters to generate",
         1, 0, 0, 0, 0, 0, 0},
        {"temperature", NULL, OPT_DOUBLE, &temperature, "T", "1.0",
         "below 1 more conservative, above 1 more surprising", 1, 1, 1, 0, 0, 100, 0},
        {"top-k", NULL, OPT_INT, &top_k, "K", "0",
         "draw only from the K most likely characters; 0 = all", 1, 0, 0, 0, 0, 0, 0},
        {"greedy", "argmax", OPT_FLAG, &greedy, NULL, NULL,
         "always take the most likely character", 0, 0, 0, 0, 0, 0, 0},
        {"seed", NULL, OPT_U64, &seed, "N", "1", "random seed (same seed, same text)",
         0, 0, 0, 0, 0, 0, 0},
        {"window", NULL, OPT_INT, &window, "W",
         "the model's train.window (recur train --window), else 0",
         "predict each character from only the last W, read from a zero state; 0 = "
         "carry the state through the whole text", 1, 1, 0, 0, 0, 100000, 0},
    };
    static const char *const pos_names[] = {"MODEL"};
    cli_spec spec = {
        .cmd = "sample",
        .usage = "recur sample MODEL [OPTIONS]",
        .description = "Generate text from a trained character model (a .safetensors\n"
                       "model or checkpoint) and print it to stdout. The output is a\n"
                       "deterministic function of the model, the prime and the options.",
        .opts = opts,
        .nopts = (int)(sizeof opts / sizeof *opts),
        .pos_names = pos_names,
        .pos_min = 1,
        .pos_max = 1,
        .epilog = "example:\n  recur sample model.safetensors --prime 'It is a truth' "
                  "--length 300 --temperature 0.8",
    };
    const char *pos[1];
    int npos;
    int a = args_parse(&spec, argc, argv, pos, &npos);
    if (a == ARGS_HELP)
        return 0;
    if (a)
        return EXIT_USAGE;

    recur_model *m = NULL;
    int rc = recur_model_load(pos[0], &m);
    if (rc)
        return cli_lib_error(rc);
    if (!args_given(&spec, "window")) {
        const char *w = recur_model_meta(m, "train.window");
        window = w ? atoi(w) : 0;
        if (window < 0 || window > 100000) {
            recur_model_free(m);
            return cli_error("%s: bad train.window '%s' in the model (override it with "
                             "--window)", pos[0], w);
        }
    }
    recur_sample_config sc = {.temperature = (float)temperature, .top_k = top_k,
                              .greedy = greedy, .seed = seed, .window = window};
    emit_state e = {prime, 0};
    rc = recur_sample(m, prime, &sc, length, emit, &e);
    recur_model_free(m);
    if (rc)
        return cli_lib_error(rc);
    if (!e.printed_prime)
        fputs(prime, stdout);
    fputc('\n', stdout);
    return 0;
}
