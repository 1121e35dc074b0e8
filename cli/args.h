/* args.h - the option tables of the recur subcommands, their one parser and
 * their one --help generator.
 *
 * A command describes its options as a static table of cli_option with named
 * fields, each naming the member of the command's options struct it fills
 * (by offsetof):
 *
 *     static const cli_option opts[] = {
 *         {.name = "hidden", .alias = "rnn-size", .kind = OPT_INT,
 *          .at = offsetof(train_opts, hidden), .metavar = "N", .def = "128",
 *          .help = "units per layer", .lo = 1, .hi = RECUR_MAX_WIDTH,
 *          .bounds = AT_LEAST | AT_MOST},
 *         ...
 *     };
 *
 * Options are `--name value` or `--name=value` (or `-c value` where the
 * option has a .letter); flags take no value. Numbers are parsed strictly
 * (the whole argument, finite) and range-checked. Every problem is reported
 * as one line on stderr, prefixed with the command ("recur train: ..."), and
 * makes options_parse return ARGS_ERROR; the caller then exits with status 2.
 * Parsing writes only the options struct and the result: no files, no
 * library calls (fuzz/fuzz_args.c drives every table). Its one look at the
 * file system: an output (--save, --csv, -o, ...) that names an input file
 * (a positional argument, --test, --train, --input) is refused. */
#ifndef RECUR_CLI_ARGS_H
#define RECUR_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    OPT_FLAG,   /* int: set to 1 when given */
    OPT_INT,    /* int */
    OPT_LONG,   /* long */
    OPT_U64,    /* uint64_t, no sign */
    OPT_DOUBLE, /* double */
    OPT_FLOAT,  /* double holding a value the library keeps as a float: within
                   float's range, not flushed to 0, and still in the option's
                   range once rounded to float */
    OPT_STRING  /* const char * (points into argv) */
} opt_kind;

/* Which of .lo/.hi bound a number, and how: lo <= v, lo < v, v <= hi, v < hi. */
enum { AT_LEAST = 1, ABOVE = 2, AT_MOST = 4, BELOW = 8 };

typedef struct {
    const char *name;    /* without the leading "--" */
    const char *alias;   /* another long name, or NULL */
    char letter;         /* a short form "-x", or 0 */
    opt_kind kind;
    size_t at;           /* offsetof the member it fills in the options struct */
    const char *metavar; /* "N", "FILE", ... shown in --help */
    const char *def;     /* default shown in --help, or NULL */
    const char *help;
    double lo, hi;       /* range of a number, as .bounds says */
    unsigned bounds;     /* AT_LEAST/ABOVE | AT_MOST/BELOW, or 0: unbounded */
} cli_option;

typedef struct {
    const char *cmd;         /* "train": messages read "recur train: ..." */
    const char *usage;       /* the synopsis line after "usage: " */
    const char *description; /* a paragraph for --help */
    const cli_option *opts;
    int nopts;
    const char *const *pos_names; /* positional argument names, "TEXT" ... */
    int pos_min, pos_max;
    const char *epilog; /* extra --help text, or NULL */
} cli_options;

#define ARGS_COUNT(table) ((int)(sizeof(table) / sizeof *(table)))

enum { ARGS_MAX_OPTS = 64, ARGS_MAX_POS = 4 };

/* What a parse found besides the option values. */
typedef struct {
    const char *pos[ARGS_MAX_POS]; /* positional arguments, in order */
    int npos;
    unsigned char seen[ARGS_MAX_OPTS]; /* seen[i]: opts[i] was given */
} options_result;

enum { ARGS_OK = 0, ARGS_HELP = 1, ARGS_ERROR = 2 };

/* Parse argv[1..argc-1] (argv[0] is the subcommand's name) into the options
 * struct at opts (already holding the defaults) and *res. ARGS_HELP means
 * --help was given and the help was printed. */
int options_parse(const cli_options *spec, void *opts, int argc, char **argv,
                  options_result *res);

/* Print the --help text of a command to stdout. */
void options_help(const cli_options *spec);

/* Whether the option called name was given on the command line. */
int options_given(const cli_options *spec, const options_result *res, const char *name);

/* A usage error in the command's voice: "recur CMD: <message>"; returns
 * ARGS_ERROR. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
int options_error(const cli_options *spec, const char *fmt, ...);
/* Do a and b name the same existing file? */
int args_same_file(const char *a, const char *b);

/* A command made of subcommands (classify, forecast, seq2seq). */
typedef struct {
    const char *cmd;          /* "forecast" */
    const char *help;         /* its --help text */
    const char *const *names; /* "train", "predict" */
    int n;
} cli_subcommands;

/* The subcommand argv[1] names: ARGS_OK with its index in *sub; ARGS_HELP
 * after printing the help (for --help, -h or help); or ARGS_ERROR after one
 * line when it is missing or unknown. */
int options_subcommand(const cli_subcommands *sc, int argc, char **argv, int *sub);

/* The index in names[0..n) of s, or -1. */
int options_choice(const char *s, const char *const *names, int n);

#endif
