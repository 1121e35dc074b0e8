/* cmd_eval.c - `recur eval`: how well a model predicts a text: loss in nats
 * per character, bits per character, perplexity and accuracy. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include "args.h"
#include "commands.h"
#include "progress.h"
#include "train_common.h"
#include "recur.h"

#define AT(field) offsetof(eval_opts, field)

static const cli_option eval_options[] = {
    {.name = "seq", .alias = "seq-length", .kind = OPT_INT, .at = AT(seq), .metavar = "T",
     .def = "100", .help = "characters per window (the state is carried across windows)",
     .lo = 1, .hi = 100000, .bounds = AT_LEAST | AT_MOST},
    {.name = "batch", .alias = "batch-size", .kind = OPT_INT, .at = AT(batch),
     .metavar = "B", .def = "32", .help = "parallel streams the text is cut into",
     .lo = 1, .hi = 100000, .bounds = AT_LEAST | AT_MOST},
};

static const char *const eval_pos[] = {"MODEL", "TEXT"};

static const cli_options eval_spec = {
    .cmd = "eval",
    .usage = "recur eval MODEL TEXT [OPTIONS]",
    .description = "Score TEXT (UTF-8) with a character model: the mean next-character\n"
                   "loss in nats, bits per character (loss / ln 2), perplexity\n"
                   "(e^loss) and the fraction of characters predicted exactly.\n"
                   "The text is read as --batch parallel streams with the state\n"
                   "carried across windows; every character but each stream's first\n"
                   "is scored (a remainder of fewer than --batch characters at the\n"
                   "end of an uneven split is left out).",
    .opts = eval_options,
    .nopts = ARGS_COUNT(eval_options),
    .pos_names = eval_pos,
    .pos_min = 2,
    .pos_max = 2,
};

int eval_parse(int argc, char **argv, eval_opts *out)
{
    eval_opts o = {.model = NULL, .text = NULL, .seq = 100, .batch = 32};
    options_result res;
    int a = options_parse(&eval_spec, &o, argc, argv, &res);
    if (a)
        return a;
    o.model = res.pos[0];
    o.text = res.pos[1];
    *out = o;
    return ARGS_OK;
}

int cmd_eval(int argc, char **argv)
{
    eval_opts o;
    int a = eval_parse(argc, argv, &o);
    if (a)
        return a == ARGS_HELP ? 0 : EXIT_USAGE;

    recur_model *m = NULL;
    recur_text *t = NULL;
    int rc = recur_model_load(o.model, &m);
    if (!rc && cli_require_char_lm(m, o.model)) {
        recur_model_free(m);
        return EXIT_RUNTIME;
    }
    if (!rc)
        rc = recur_text_load(o.text, m, &t);
    recur_eval_stats es;
    if (!rc) {
        rc = recur_evaluate_tokens(m, recur_text_token_array(t), o.seq, o.batch, &es);
    }
    if (rc) {
        cli_lib_error(rc);
        recur_text_free(t);
        recur_model_free(m);
        return EXIT_RUNTIME;
    }
    char count[32];
    progress_fmt_count(es.tokens, count, sizeof count);
    printf("loss:       %.4f nats/char\n", es.loss);
    printf("bpc:        %.4f bits/char\n", es.loss / log(2.0));
    printf("perplexity: %.4f\n", exp(es.loss));
    printf("accuracy:   %.4f\n", es.accuracy);
    printf("characters: %s scored\n", count);
    recur_text_free(t);
    recur_model_free(m);
    return 0;
}
