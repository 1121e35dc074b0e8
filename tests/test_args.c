/* test_args.c - the CLI's option parser (cli/args.c, compiled in here since
 * it is not part of the library): values of every kind into the options
 * struct by offset, long names, aliases, --name=value, one-letter forms,
 * flags, positionals and "--"; each range bound at its edge; the one-line
 * errors; the generated --help; subcommand dispatch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cli/args.c"
#include "testlib.h"

typedef struct {
    int n, flag;
    long big;
    uint64_t seed;
    double ratio, lr;
    const char *name, *out;
} demo_opts;

#define AT(field) offsetof(demo_opts, field)

static const cli_option demo_options[] = {
    {.name = "n", .alias = "count", .kind = OPT_INT, .at = AT(n), .metavar = "N",
     .def = "3", .help = "how many", .lo = 1, .hi = 10, .bounds = AT_LEAST | AT_MOST},
    {.name = "flag", .kind = OPT_FLAG, .at = AT(flag), .help = "a switch"},
    {.name = "big", .kind = OPT_LONG, .at = AT(big), .metavar = "N", .help = "a long",
     .lo = 0, .bounds = AT_LEAST},
    {.name = "seed", .kind = OPT_U64, .at = AT(seed), .metavar = "N", .help = "a seed"},
    {.name = "ratio", .kind = OPT_DOUBLE, .at = AT(ratio), .metavar = "F", .help = "a ratio",
     .lo = 0, .hi = 1, .bounds = ABOVE | BELOW},
    {.name = "lr", .kind = OPT_FLOAT, .at = AT(lr), .metavar = "RATE", .help = "a rate",
     .lo = 0, .hi = 100, .bounds = ABOVE | AT_MOST},
    {.name = "name", .kind = OPT_STRING, .at = AT(name), .metavar = "S", .def = "x",
     .help = "a string"},
    {.name = "output", .letter = 'o', .kind = OPT_STRING, .at = AT(out), .metavar = "FILE",
     .help = "a file; also -o FILE"},
};

static const char *const demo_pos[] = {"MODEL", "TEXT"};

static const cli_options demo_spec = {
    .cmd = "demo",
    .usage = "recur demo MODEL [TEXT] [OPTIONS]",
    .description = "A demonstration.",
    .opts = demo_options,
    .nopts = ARGS_COUNT(demo_options),
    .pos_names = demo_pos,
    .pos_min = 1,
    .pos_max = 2,
    .epilog = "the end",
};

/* Run f with stdout or stderr (fd) going to a buffer; returns what it wrote
 * (caller frees) and f's result in *rc. */
static char *capture(int fd, int (*f)(void *), void *arg, int *rc)
{
    fflush(NULL);
    FILE *tmp = tmpfile();
    int saved = dup(fd);
    if (!tmp || saved < 0)
        return NULL;
    dup2(fileno(tmp), fd);
    *rc = f(arg);
    fflush(NULL);
    dup2(saved, fd);
    close(saved);
    long len = ftell(tmp);
    char *s = calloc((size_t)(len > 0 ? len : 0) + 1, 1);
    rewind(tmp);
    if (s && len > 0 && fread(s, 1, (size_t)len, tmp) != (size_t)len)
        s[0] = 0;
    fclose(tmp);
    return s;
}

typedef struct {
    char **argv;
    int argc;
    demo_opts o;
    options_result res;
} parse_call;

static int do_parse(void *arg)
{
    parse_call *c = arg;
    c->o = (demo_opts){.n = 3, .name = "x"};
    return options_parse(&demo_spec, &c->o, c->argc, c->argv, &c->res);
}

/* Parse a NULL-terminated argv (after the command's name); *err gets what
 * went to stderr (caller frees). */
static int parse(parse_call *c, char **err, ...)
{
    static char *store[32];
    va_list ap;
    va_start(ap, err);
    int n = 0;
    store[n++] = "demo";
    for (char *a; n < 31 && (a = va_arg(ap, char *));)
        store[n++] = a;
    va_end(ap);
    store[n] = NULL;
    c->argv = store;
    c->argc = n;
    int rc = ARGS_ERROR;
    char *e = capture(2, do_parse, c, &rc);
    if (err)
        *err = e;
    else
        free(e);
    return rc;
}

static void test_values(void)
{
    parse_call c;
    CHECK(parse(&c, NULL, "m.st", "--count", "7", "--flag", "--big=123456789012",
                "--seed", "18446744073709551615", "--ratio", "0.25", "--lr=1e-3",
                "--name", "--odd", "-o", "out.csv", "text.txt", NULL) == ARGS_OK);
    CHECK(c.o.n == 7 && c.o.flag == 1 && c.o.big == 123456789012L);
    CHECK(c.o.seed == UINT64_MAX && c.o.ratio == 0.25 && c.o.lr == 1e-3);
    CHECK(c.o.name && strcmp(c.o.name, "--odd") == 0); /* a value may start with -- */
    CHECK(c.o.out && strcmp(c.o.out, "out.csv") == 0);
    CHECK(c.res.npos == 2 && strcmp(c.res.pos[0], "m.st") == 0 &&
          strcmp(c.res.pos[1], "text.txt") == 0);
    CHECK(options_given(&demo_spec, &c.res, "n") && options_given(&demo_spec, &c.res, "output"));
    CHECK(!options_given(&demo_spec, &c.res, "nonesuch"));
    /* defaults stay where nothing was given */
    CHECK(parse(&c, NULL, "m.st", NULL) == ARGS_OK);
    CHECK(c.o.n == 3 && c.o.flag == 0 && strcmp(c.o.name, "x") == 0 && c.res.npos == 1);
    CHECK(!options_given(&demo_spec, &c.res, "n"));
    /* after --, everything is positional; a lone - is positional */
    CHECK(parse(&c, NULL, "--", "--flag", "-", NULL) == ARGS_OK);
    CHECK(c.o.flag == 0 && c.res.npos == 2 && strcmp(c.res.pos[0], "--flag") == 0 &&
          strcmp(c.res.pos[1], "-") == 0);
}

/* Parsing "--name value" fails with one line on stderr containing want. */
static void expect_error(const char *name, const char *value, const char *want)
{
    parse_call c;
    char *err = NULL, arg[64];
    snprintf(arg, sizeof arg, "--%s", name);
    int rc = parse(&c, &err, "m.st", arg, value, NULL);
    CHECK_MSG(rc == ARGS_ERROR, "--%s %s: status %d", name, value, rc);
    CHECK_MSG(err && strstr(err, want) && strchr(err, '\n') == err + strlen(err) - 1 &&
                  strncmp(err, "recur demo: ", 12) == 0,
              "--%s %s: stderr '%s', expected one line with '%s'", name, value,
              err ? err : "", want);
    free(err);
}

static void expect_ok(const char *name, const char *value)
{
    parse_call c;
    char arg[64];
    snprintf(arg, sizeof arg, "--%s", name);
    CHECK_MSG(parse(&c, NULL, "m.st", arg, value, NULL) == ARGS_OK, "--%s %s refused",
              name, value);
}

static void test_bounds(void)
{
    expect_ok("n", "1");
    expect_ok("n", "10");
    expect_error("n", "0", "--n expects an integer in 1..10, got '0'");
    expect_error("n", "11", "an integer in 1..10");
    expect_error("n", "2.5", "an integer in 1..10");
    expect_error("n", "1e1", "an integer in 1..10");
    expect_error("n", "", "an integer in 1..10");
    expect_ok("big", "0");
    expect_error("big", "-1", "--big expects an integer >= 0, got '-1'");
    expect_error("big", "99999999999999999999", "an integer >= 0");
    expect_ok("seed", "0");
    expect_error("seed", "-1", "--seed expects a non-negative integer");
    expect_error("seed", "18446744073709551616", "a non-negative integer");
    expect_error("ratio", "0", "--ratio expects a number in (0, 1), got '0'");
    expect_error("ratio", "1", "a number in (0, 1)");
    expect_ok("ratio", "0.999");
    expect_error("ratio", "nan", "a number in (0, 1)");
    expect_ok("lr", "100");
    expect_error("lr", "100.0001", "--lr expects a number in (0, 100]");
    expect_error("lr", "inf", "a number in (0, 100]");
    /* positive as a double, 0 once the library rounds it to a float */
    expect_error("lr", "1e-46", "within single precision");
}

static void test_errors(void)
{
    parse_call c;
    char *err = NULL;
    CHECK(parse(&c, &err, "m.st", "--nope", NULL) == ARGS_ERROR);
    CHECK(err && strcmp(err, "recur demo: unknown option '--nope' (try 'recur demo "
                             "--help')\n") == 0);
    free(err);
    CHECK(parse(&c, &err, "m.st", "-x", NULL) == ARGS_ERROR);
    CHECK(err && strstr(err, "unknown option '-x'"));
    free(err);
    CHECK(parse(&c, &err, "m.st", "--flag=1", NULL) == ARGS_ERROR);
    CHECK(err && strstr(err, "--flag is a flag and takes no value (got '1')"));
    free(err);
    CHECK(parse(&c, &err, "m.st", "--count", NULL) == ARGS_ERROR);
    CHECK(err && strstr(err, "--n needs a value (N)"));
    free(err);
    CHECK(parse(&c, &err, "a", "b", "c", NULL) == ARGS_ERROR);
    CHECK(err && strstr(err, "unexpected extra argument 'c'"));
    free(err);
    CHECK(parse(&c, &err, NULL) == ARGS_ERROR);
    CHECK(err && strstr(err, "missing MODEL argument"));
    free(err);
}

static int do_help(void *arg)
{
    parse_call *c = arg;
    return parse(c, NULL, "m.st", "--help", NULL);
}

static void test_help(void)
{
    parse_call c;
    int rc = -1;
    char *out = capture(1, do_help, &c, &rc);
    CHECK(rc == ARGS_HELP);
    CHECK(out && strncmp(out, "usage: recur demo MODEL [TEXT] [OPTIONS]\n\nA demonstration."
                              "\n\noptions:\n", 60) == 0);
    CHECK(out && strstr(out, "  --n N, --count          how many (default 3)\n"));
    CHECK(out && strstr(out, "  --flag                  a switch\n"));
    CHECK(out && strstr(out, "  --help                  show this help and exit\n\nthe end\n"));
    free(out);
}

typedef struct {
    int argc;
    char **argv;
    int sub;
} sub_call;

static int do_sub(void *arg)
{
    static const char *const names[] = {"train", "eval", "predict"};
    static const cli_subcommands sc = {.cmd = "demo", .help = "demo help\n", .names = names,
                                       .n = 3};
    sub_call *c = arg;
    return options_subcommand(&sc, c->argc, c->argv, &c->sub);
}

static void test_subcommands(void)
{
    char *argv_eval[] = {"demo", "eval", "x", NULL}, *argv_bad[] = {"demo", "fit", NULL};
    char *argv_none[] = {"demo", NULL}, *argv_help[] = {"demo", "help", NULL};
    sub_call c = {3, argv_eval, -1};
    int rc = -1;
    char *s = capture(2, do_sub, &c, &rc);
    CHECK(rc == ARGS_OK && c.sub == 1 && s && !*s);
    free(s);
    c = (sub_call){2, argv_bad, -1};
    s = capture(2, do_sub, &c, &rc);
    CHECK(rc == ARGS_ERROR && s && strcmp(s, "recur demo: unknown subcommand 'fit': "
                                             "expected 'train', 'eval' or 'predict' (try "
                                             "'recur demo --help')\n") == 0);
    free(s);
    c = (sub_call){1, argv_none, -1};
    s = capture(2, do_sub, &c, &rc);
    CHECK(rc == ARGS_ERROR && s && strstr(s, "no subcommand given: expected 'train'"));
    free(s);
    c = (sub_call){2, argv_help, -1};
    s = capture(1, do_sub, &c, &rc);
    CHECK(rc == ARGS_HELP && s && strcmp(s, "demo help\n") == 0);
    free(s);
}

TEST_MAIN("test_args", TL_CASE(test_values), TL_CASE(test_bounds), TL_CASE(test_errors),
          TL_CASE(test_help), TL_CASE(test_subcommands))
