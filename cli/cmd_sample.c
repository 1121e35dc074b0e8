/* cmd_sample.c - `recur sample`: generate text from a character model. The
 * prime is printed first, then the generated characters, then a newline. */
#include <stddef.h>
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

#define AT(field) offsetof(sample_opts, field)

static const cli_option sample_options[] = {
    {.name = "prime", .alias = "primetext", .kind = OPT_STRING, .at = AT(prime),
     .metavar = "TEXT", .help = "text to start from; printed before the generated text"},
    {.name = "length", .kind = OPT_LONG, .at = AT(length), .metavar = "N", .def = "500",
     .help = "characters to generate", .lo = 0, .bounds = AT_LEAST},
    {.name = "temperature", .kind = OPT_FLOAT, .at = AT(temperature), .metavar = "T",
     .def = "1.0", .help = "below 1 more conservative, above 1 more surprising",
     .lo = 0, .hi = 100, .bounds = ABOVE | AT_MOST},
    {.name = "top-k", .kind = OPT_INT, .at = AT(top_k), .metavar = "K", .def = "0",
     .help = "draw only from the K most likely characters; 0 = all",
     .lo = 0, .bounds = AT_LEAST},
    {.name = "greedy", .alias = "argmax", .kind = OPT_FLAG, .at = AT(greedy),
     .help = "always take the most likely character"},
    {.name = "seed", .kind = OPT_U64, .at = AT(seed), .metavar = "N", .def = "1",
     .help = "random seed (same seed, same text)"},
    {.name = "window", .kind = OPT_INT, .at = AT(window), .metavar = "W",
     .def = "the model's train.window (recur train --window), else 0",
     .help = "predict each character from only the last W, read from a zero state; 0 = "
             "carry the state through the whole text",
     .lo = 0, .hi = 100000, .bounds = AT_LEAST | AT_MOST},
};

static const char *const sample_pos[] = {"MODEL"};

static const cli_options sample_spec = {
    .cmd = "sample",
    .usage = "recur sample MODEL [OPTIONS]",
    .description = "Generate text from a trained character model (a .safetensors\n"
                   "model or checkpoint) and print it to stdout. The output is a\n"
                   "deterministic function of the model, the prime and the options.",
    .opts = sample_options,
    .nopts = ARGS_COUNT(sample_options),
    .pos_names = sample_pos,
    .pos_min = 1,
    .pos_max = 1,
    .epilog = "example:\n  recur sample model.safetensors --prime 'It is a truth' "
              "--length 300 --temperature 0.8",
};

int sample_parse(int argc, char **argv, sample_opts *out)
{
    sample_opts o = {.model = NULL, .prime = "", .length = 500, .temperature = 1.0,
                     .top_k = 0, .greedy = 0, .seed = 1, .window = 0};
    options_result res;
    int a = options_parse(&sample_spec, &o, argc, argv, &res);
    if (a)
        return a;
    o.model = res.pos[0];
    if (!options_given(&sample_spec, &res, "window"))
        o.window = -1;
    *out = o;
    return ARGS_OK;
}

int cmd_sample(int argc, char **argv)
{
    sample_opts o;
    int a = sample_parse(argc, argv, &o);
    if (a)
        return a == ARGS_HELP ? 0 : EXIT_USAGE;

    recur_model *m = NULL;
    int rc = recur_model_load(o.model, &m);
    if (rc)
        return cli_lib_error(rc);
    if (o.window < 0) {
        const char *w = recur_model_get_meta(m, "train.window");
        char *end = NULL;
        long v = w ? strtol(w, &end, 10) : 0;
        if (w && (end == w || *end || v < 0 || v > 100000)) {
            /* reported before the model (and w, its metadata) is freed */
            rc = cli_error("%s: bad train.window '%s' in the model (override it with "
                           "--window)", o.model, w);
            recur_model_free(m);
            return rc;
        }
        o.window = (int)v;
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
