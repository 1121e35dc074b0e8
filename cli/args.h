/* args.h - a small command-line option parser for the recur subcommands.
 *
 * Options are `--name value` or `--name=value`; boolean flags take no value.
 * Numbers are parsed strictly (the whole argument, finite) and range-checked.
 * Every problem is reported as one line on stderr, prefixed with the
 * command ("recur train: ..."), and makes args_parse return ARGS_ERROR; the
 * caller then exits with status 2. The option table also drives --help. */
#ifndef RECUR_CLI_ARGS_H
#define RECUR_CLI_ARGS_H

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

/* Range checks for numbers: lo/hi bounds are used only when has_lo/has_hi;
 * lo_open/hi_open make them strict (> instead of >=). */
typedef struct {
    const char *name;  /* without the leading "--" */
    const char *alias; /* another name, or NULL */
    opt_kind kind;
    void *dest;
    const char *metavar; /* "N", "FILE", ... shown in --help */
    const char *def;     /* default shown in --help, or NULL */
    const char *help;
    int has_lo, has_hi, lo_open, hi_open;
    double lo, hi;
    int seen; /* set by the parser */
} cli_opt;

typedef struct {
    const char *cmd;         /* "train": messages read "recur train: ..." */
    const char *usage;       /* the synopsis line after "usage: " */
    const char *description; /* a paragraph for --help */
    cli_opt *opts;
    int nopts;
    const char *const *pos_names; /* positional argument names, "TEXT" ... */
    int pos_min, pos_max;
    const char *epilog; /* extra --help text, or NULL */
} cli_spec;

enum { ARGS_OK = 0, ARGS_HELP = 1, ARGS_ERROR = 2 };

/* Parse argv[1..argc-1] (argv[0] is the subcommand name). Positional
 * arguments are stored in pos[] (room for spec->pos_max) and counted in
 * *npos. ARGS_HELP means --help was given and the help was printed. */
int args_parse(cli_spec *spec, int argc, char **argv, const char **pos, int *npos);

/* Print the --help text of a command to stdout. */
void args_help(const cli_spec *spec);

/* Whether an option was given on the command line. */
int args_given(const cli_spec *spec, const char *name);

/* A usage error in the command's voice: "recur CMD: <message> (try ...)". */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
int args_error(const cli_spec *spec, const char *fmt, ...);

#endif
