/* args.c - the option parser and --help generator shared by the commands. */
#include "args.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int options_error(const cli_options *spec, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "recur %s: %s\n", spec->cmd, msg);
    return ARGS_ERROR;
}

/* A usage error with the hint to ask for help. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int usage_error(const cli_options *spec, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "recur %s: %s (try 'recur %s --help')\n", spec->cmd, msg,
            spec->cmd);
    return ARGS_ERROR;
}

static int same_name(const char *name, const char *s, size_t len)
{
    return name && strlen(name) == len && strncmp(name, s, len) == 0;
}

/* The index of the option --name (len bytes), or -1. */
static int find_opt(const cli_options *spec, const char *name, size_t len)
{
    for (int i = 0; i < spec->nopts; i++)
        if (same_name(spec->opts[i].name, name, len) ||
            same_name(spec->opts[i].alias, name, len))
            return i;
    return -1;
}

/* The index of the option -c, or -1. */
static int find_letter(const cli_options *spec, char c)
{
    for (int i = 0; i < spec->nopts; i++)
        if (spec->opts[i].letter && spec->opts[i].letter == c)
            return i;
    return -1;
}

int options_given(const cli_options *spec, const options_result *res, const char *name)
{
    for (int i = 0; i < spec->nopts; i++)
        if (strcmp(spec->opts[i].name, name) == 0)
            return res->seen[i];
    return 0;
}

int options_choice(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

/* A number as "%g" without a trailing ".0" surprise: 1e-08, 0.5, 100000. */
static void fmt_bound(char *buf, size_t size, double v, int integer)
{
    if (integer)
        snprintf(buf, size, "%.0f", v);
    else
        snprintf(buf, size, "%g", v);
}

/* "a number > 0", "an integer >= 1", "a number in [0, 1)", "an integer in 1..10" */
static void describe_range(const cli_option *o, char *buf, size_t size)
{
    int integer = o->kind != OPT_DOUBLE && o->kind != OPT_FLOAT;
    const char *what = integer ? "an integer" : "a number";
    char lo[32], hi[32];
    fmt_bound(lo, sizeof lo, o->lo, integer);
    fmt_bound(hi, sizeof hi, o->hi, integer);
    int has_lo = (o->bounds & (AT_LEAST | ABOVE)) != 0, lo_open = (o->bounds & ABOVE) != 0;
    int has_hi = (o->bounds & (AT_MOST | BELOW)) != 0, hi_open = (o->bounds & BELOW) != 0;
    if (has_lo && has_hi) {
        if (integer)
            snprintf(buf, size, "%s in %s..%s", what, lo, hi);
        else
            snprintf(buf, size, "%s in %c%s, %s%c", what, lo_open ? '(' : '[', lo, hi,
                     hi_open ? ')' : ']');
    } else if (has_lo) {
        snprintf(buf, size, "%s %s %s", what, lo_open ? ">" : ">=", lo);
    } else if (has_hi) {
        snprintf(buf, size, "%s %s %s", what, hi_open ? "<" : "<=", hi);
    } else {
        snprintf(buf, size, "%s", what);
    }
}

static int in_range(const cli_option *o, double v)
{
    if ((o->bounds & AT_LEAST && !(v >= o->lo)) || (o->bounds & ABOVE && !(v > o->lo)))
        return 0;
    if ((o->bounds & AT_MOST && !(v <= o->hi)) || (o->bounds & BELOW && !(v < o->hi)))
        return 0;
    return 1;
}

/* Strict integer syntax: optional sign, then decimal digits only. */
static int parse_integer(const char *s, int allow_sign, long long *out,
                         unsigned long long *uout)
{
    const char *p = s;
    if (*p == '+' || (*p == '-' && allow_sign))
        p++;
    if (!*p)
        return -1;
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9')
            return -1;
    errno = 0;
    char *end;
    if (uout) {
        if (*s == '-')
            return -1;
        *uout = strtoull(s, &end, 10);
    } else {
        *out = strtoll(s, &end, 10);
    }
    return errno || *end ? -1 : 0;
}

/* A real number for o (OPT_DOUBLE or OPT_FLOAT) into *out. */
static int set_real(const cli_options *spec, const cli_option *o, const char *range,
                    const char *v, double *out)
{
    char *end;
    errno = 0;
    double d = *v ? strtod(v, &end) : 0;
    if (!*v || *end || errno == ERANGE || !isfinite(d) || !in_range(o, d))
        return options_error(spec, "--%s expects %s, got '%s'", o->name, range, v);
    /* The conversion to float is only defined within its range. */
    if (o->kind == OPT_FLOAT && (fabs(d) > FLT_MAX || (d != 0 && fabs(d) < FLT_MIN)))
        return options_error(spec, "--%s expects %s within single precision "
                             "(1.2e-38 to 3.4e38 in magnitude, or 0), got '%s'",
                             o->name, range, v);
    if (o->kind == OPT_FLOAT && !in_range(o, (double)(float)d))
        return options_error(spec, "--%s expects %s, got '%s', which is %.9g in "
                             "single precision", o->name, range, v, (double)(float)d);
    *out = d;
    return ARGS_OK;
}

/* An integer for o (OPT_U64, OPT_INT or OPT_LONG) into dest. */
static int set_integer(const cli_options *spec, const cli_option *o, const char *range,
                       const char *v, void *dest)
{
    if (o->kind == OPT_U64) {
        unsigned long long u;
        if (parse_integer(v, 0, NULL, &u) || !in_range(o, (double)u))
            return options_error(spec, "--%s expects %s, got '%s'", o->name,
                                 o->bounds ? range : "a non-negative integer", v);
        *(uint64_t *)dest = (uint64_t)u;
        return ARGS_OK;
    }
    long long x;
    double lim = o->kind == OPT_INT ? 2147483647.0 : 9.2e18;
    if (parse_integer(v, 1, &x, NULL) || !in_range(o, (double)x) || (double)x > lim ||
        (double)x < -lim)
        return options_error(spec, "--%s expects %s, got '%s'", o->name, range, v);
    if (o->kind == OPT_INT)
        *(int *)dest = (int)x;
    else
        *(long *)dest = (long)x;
    return ARGS_OK;
}

static int set_value(const cli_options *spec, const cli_option *o, char *base, const char *v)
{
    char range[96];
    describe_range(o, range, sizeof range);
    void *dest = base + o->at;
    switch (o->kind) {
    case OPT_STRING:
        *(const char **)dest = v;
        return ARGS_OK;
    case OPT_DOUBLE:
    case OPT_FLOAT:
        return set_real(spec, o, range, v, dest);
    case OPT_U64:
    case OPT_INT:
    case OPT_LONG:
        return set_integer(spec, o, range, v, dest);
    case OPT_FLAG:
        break;
    }
    return options_error(spec, "internal error: option --%s", o->name);
}

/* One option at argv[*i] (name: what follows the dashes; value: after '=',
 * or NULL): mark it seen and store its value, taking the next argument if
 * it needs one. */
static int take_option(const cli_options *spec, int k, char *base, const char *value,
                       int argc, char **argv, int *i, options_result *res)
{
    const cli_option *o = &spec->opts[k];
    res->seen[k] = 1;
    if (o->kind == OPT_FLAG) {
        if (value)
            return options_error(spec, "--%s is a flag and takes no value (got '%s')",
                              o->name, value);
        *(int *)(base + o->at) = 1;
        return ARGS_OK;
    }
    if (!value && *i + 1 >= argc)
        return options_error(spec, "--%s needs a value (%s)", o->name,
                          o->metavar ? o->metavar : "VALUE");
    if (!value)
        value = argv[++*i];
    return set_value(spec, o, base, value) ? ARGS_ERROR : ARGS_OK;
}

/* A positional argument, if there is room for it. */
static int take_positional(const cli_options *spec, const char *a, options_result *res)
{
    if (res->npos >= spec->pos_max) {
        if (spec->pos_max == 0)
            return usage_error(spec, "unexpected argument '%s'", a);
        return usage_error(spec, "unexpected extra argument '%s'", a);
    }
    res->pos[res->npos++] = a;
    return ARGS_OK;
}

int args_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

static int named(const char *name, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(name, *names) == 0)
            return 1;
    return 0;
}

/* No file a command writes (--save, --csv, -o, ...) may be one it reads (a
 * positional argument, --test, --train, --input): `recur train s.txt --save
 * s.txt` would replace the corpus with a model. (--resume and --save may be
 * the same checkpoint.) */
static int outputs_apart(const cli_options *spec, const void *opts, const options_result *res)
{
    static const char *const outputs[] = {"save", "csv", "svg", "output", "log",
                                          "hypotheses", "attention-svg", NULL};
    static const char *const inputs[] = {"test", "train", "input", NULL};
    for (int i = 0; i < spec->nopts; i++) {
        const cli_option *o = &spec->opts[i];
        if (!res->seen[i] || o->kind != OPT_STRING || !named(o->name, outputs))
            continue;
        const char *out = *(const char *const *)((const char *)opts + o->at);
        if (!out || strcmp(out, "-") == 0)
            continue;
        for (int p = 0; p < res->npos; p++)
            if (args_same_file(out, res->pos[p]))
                return usage_error(spec, "--%s %s is the input %s itself: choose another file",
                                   o->name, out, res->pos[p]);
        for (int k = 0; k < spec->nopts; k++) {
            const cli_option *in = &spec->opts[k];
            if (!res->seen[k] || in->kind != OPT_STRING || !named(in->name, inputs))
                continue;
            const char *path = *(const char *const *)((const char *)opts + in->at);
            if (path && args_same_file(out, path))
                return usage_error(spec, "--%s %s is the --%s file itself: choose another file",
                                   o->name, out, in->name);
        }
    }
    return ARGS_OK;
}

int options_parse(const cli_options *spec, void *opts, int argc, char **argv, options_result *res)
{
    memset(res, 0, sizeof *res);
    if (spec->nopts > ARGS_MAX_OPTS || spec->pos_max > ARGS_MAX_POS)
        return options_error(spec, "internal error: the option table is too large");
    int only_pos = 0, rc = ARGS_OK;
    for (int i = 1; i < argc && rc == ARGS_OK; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || a[1] == 0) {
            rc = take_positional(spec, a, res);
        } else if (strcmp(a, "--") == 0) {
            only_pos = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            options_help(spec);
            return ARGS_HELP;
        } else if (a[1] == '-') {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            int k = find_opt(spec, name, len);
            if (k < 0)
                return usage_error(spec, "unknown option '--%.*s'", (int)len, name);
            rc = take_option(spec, k, opts, eq ? eq + 1 : NULL, argc, argv, &i, res);
        } else {
            int k = a[2] == 0 ? find_letter(spec, a[1]) : -1;
            if (k < 0)
                return usage_error(spec, "unknown option '%s'", a);
            rc = take_option(spec, k, opts, NULL, argc, argv, &i, res);
        }
    }
    if (rc == ARGS_OK && res->npos < spec->pos_min)
        return usage_error(spec, "missing %s argument", spec->pos_names[res->npos]);
    if (rc == ARGS_OK)
        rc = outputs_apart(spec, opts, res);
    return rc;
}

/* Print text from column indent (where the cursor is), wrapping words at
 * width and indenting continuation lines; ends the line. */
static void print_wrapped(const char *text, int indent, int width)
{
    int col = indent;
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, " ");
        if (!len)
            break;
        if (col > indent && col + 1 + (int)len > width) {
            printf("\n%*s", indent, "");
            col = indent;
        }
        if (col > indent) {
            putchar(' ');
            col++;
        }
        printf("%.*s", (int)len, p);
        col += (int)len;
        p += len;
    }
    putchar('\n');
}

void options_help(const cli_options *spec)
{
    printf("usage: %s\n\n", spec->usage);
    if (spec->description)
        printf("%s\n\n", spec->description);
    printf("options:\n");
    for (int i = 0; i < spec->nopts; i++) {
        const cli_option *o = &spec->opts[i];
        char left[96];
        int len = snprintf(left, sizeof left, "  --%s%s%s", o->name,
                           o->kind == OPT_FLAG ? "" : " ",
                           o->kind == OPT_FLAG ? "" : (o->metavar ? o->metavar : "VALUE"));
        if (o->alias)
            snprintf(left + len, sizeof left - (size_t)len, ", --%s", o->alias);
        if (strlen(left) > 24)
            printf("%s\n%26s", left, "");
        else
            printf("%-26s", left);
        char text[512];
        snprintf(text, sizeof text, "%s%s%s%s", o->help, o->def ? " (default " : "",
                 o->def ? o->def : "", o->def ? ")" : "");
        print_wrapped(text, 26, 79);
    }
    printf("  --help                  show this help and exit\n");
    if (spec->epilog)
        printf("\n%s\n", spec->epilog);
}

/* "'train', 'eval' or 'predict'" */
static void list_names(const cli_subcommands *sc, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < sc->n && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s'%s'",
                                i == 0 ? "" : i == sc->n - 1 ? " or " : ", ", sc->names[i]);
}

int options_subcommand(const cli_subcommands *sc, int argc, char **argv, int *sub)
{
    char names[256];
    list_names(sc, names, sizeof names);
    if (argc < 2) {
        fprintf(stderr, "recur %s: no subcommand given: expected %s (try 'recur %s "
                "--help')\n", sc->cmd, names, sc->cmd);
        return ARGS_ERROR;
    }
    const char *a = argv[1];
    if (!strcmp(a, "--help") || !strcmp(a, "-h") || !strcmp(a, "help")) {
        fputs(sc->help, stdout);
        return ARGS_HELP;
    }
    *sub = options_choice(a, sc->names, sc->n);
    if (*sub >= 0)
        return ARGS_OK;
    fprintf(stderr, "recur %s: unknown subcommand '%s': expected %s (try 'recur %s "
            "--help')\n", sc->cmd, a, names, sc->cmd);
    return ARGS_ERROR;
}
