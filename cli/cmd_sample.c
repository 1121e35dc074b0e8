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

int sample_parse(int argc, char **argv, sample_opts *out)
{
    sample_opts o = {.model = NULL, .prime = "", .length = 500, .temperature = 1.0,
                     .top_k = 0, .greedy = 0, .seed = 1, .window = 0};
    cli_opt opts[] = {
        {"prime", "primetext", OPT_STRING, &o.prime, "TEXT", NULL,
         "text to start from; printed before the generated text", 0, 0, 0, 0, 0, 0, 0},
        {"length", NULL, OPT_LONG, &o.length, "N", "500", "characters to generate",
         1, 0, 0, 0, 0, 0, 0},
        {"temperature", NULL, OPT_FLOAT, &o.temperature, "T", "1.0",
         "below 1 more conservative, above 1 more surprising", 1, 1, 1, 0, 0, 100, 0},
        {"top-k", NULL, OPT_INT, &o.top_k, "K", "0",
         "draw only from the K most likely characters; 0 = all", 1, 0, 0, 0, 0, 0, 0},
        {"greedy", "argmax", OPT_FLAG, &o.greedy, NULL, NULL,
         "always take the most likely character", 0, 0, 0, 0, 0, 0, 0},
        {"seed", NULL, OPT_U64, &o.seed, "N", "1", "random seed (same seed, same text)",
         0, 0, 0, 0, 0, 0, 0},
        {"window", NULL, OPT_INT, &o.window, "W",
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
    if (a)
        return a;
    o.model = pos[0];
    if (!args_given(&spec, "window"))
        o.window = -1;
    *out = o;
    return ARGS_OK;
}

int cmd_sample(int argc, char **argv)
{
    sample_opts o;
    int a = sample_parse(argc, argv, &o);
    if (a == ARGS_HELP)
        return 0;
    if (a)
        return EXIT_USAGE;

    recur_model *m = NULL;
    int rc = recur_model_load(o.model, &m);
    if (rc)
        return cli_lib_error(rc);
    if (o.window < 0) {
        const char *w = recur_model_get_meta(m, "train.window");
        o.window = w ? atoi(w) : 0;
        if (o.window < 0 || o.window > 100000) {
            recur_model_free(m);
            return cli_error("%s: bad train.window '%s' in the model (override it with "
                             "--window)", o.model, w);
        }
    }
    recur_sample_config sc = {.temperature = (float)o.temperature, .top_k = o.top_k,
                              .greedy = o.greedy, .seed = o.seed, .window = o.window};
    emit_state e = {o.prime, 0};
    rc = recur_sample(m, o.prime, &sc, o.length, emit, &e);
    recur_model_free(m);
    if (rc)
        return cli_lib_error(rc);
    if (!e.printed_prime)
        fputs(o.prime, stdout);
    fputc('\n', stdout);
    return 0;
}
