/* args.c - the option parser and --help generator shared by the commands. */
#include "args.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int args_error(const cli_spec *spec, const char *fmt, ...)
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
static int usage_error(const cli_spec *spec, const char *fmt, ...)
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

static cli_opt *find_opt(cli_spec *spec, const char *name, size_t len)
{
    for (int i = 0; i < spec->nopts; i++) {
        cli_opt *o = &spec->opts[i];
        if ((strlen(o->name) == len && strncmp(o->name, name, len) == 0) ||
            (o->alias && strlen(o->alias) == len && strncmp(o->alias, name, len) == 0))
            return o;
    }
    return NULL;
}

int args_given(const cli_spec *spec, const char *name)
{
    for (int i = 0; i < spec->nopts; i++)
        if (strcmp(spec->opts[i].name, name) == 0)
            return spec->opts[i].seen;
    return 0;
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
static void describe_range(const cli_opt *o, char *buf, size_t size)
{
    int integer = o->kind != OPT_DOUBLE && o->kind != OPT_FLOAT;
    const char *what = integer ? "an integer" : "a number";
    char lo[32], hi[32];
    fmt_bound(lo, sizeof lo, o->lo, integer);
    fmt_bound(hi, sizeof hi, o->hi, integer);
    if (o->has_lo && o->has_hi) {
        if (integer)
            snprintf(buf, size, "%s in %s..%s", what, lo, hi);
        else
            snprintf(buf, size, "%s in %c%s, %s%c", what, o->lo_open ? '(' : '[', lo,
                     hi, o->hi_open ? ')' : ']');
    } else if (o->has_lo) {
        snprintf(buf, size, "%s %s %s", what, o->lo_open ? ">" : ">=", lo);
    } else if (o->has_hi) {
        snprintf(buf, size, "%s %s %s", what, o->hi_open ? "<" : "<=", hi);
    } else {
        snprintf(buf, size, "%s", what);
    }
}

static int in_range(const cli_opt *o, double v)
{
    if (o->has_lo && (o->lo_open ? !(v > o->lo) : !(v >= o->lo)))
        return 0;
    if (o->has_hi && (o->hi_open ? !(v < o->hi) : !(v <= o->hi)))
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

static int set_value(const cli_spec *spec, cli_opt *o, const char *v)
{
    char range[96];
    describe_range(o, range, sizeof range);
    switch (o->kind) {
    case OPT_STRING:
        *(const char **)o->dest = v;
        return ARGS_OK;
    case OPT_DOUBLE: {
        char *end;
        errno = 0;
        double d = *v ? strtod(v, &end) : 0;
        if (!*v || *end || errno == ERANGE || !isfinite(d) || !in_range(o, d))
            return args_error(spec, "--%s expects %s, got '%s'", o->name, range, v);
        *(double *)o->dest = d;
        return ARGS_OK;
    }
    case OPT_FLOAT: {
        char *end;
        errno = 0;
        double d = *v ? strtod(v, &end) : 0;
        if (!*v || *end || errno == ERANGE || !isfinite(d) || !in_range(o, d))
            return args_error(spec, "--%s expects %s, got '%s'", o->name, range, v);
        /* The conversion to float is only defined within its range. */
        if (fabs(d) > FLT_MAX || (d != 0 && fabs(d) < FLT_MIN))
            return args_error(spec, "--%s expects %s within single precision "
                              "(1.2e-38 to 3.4e38 in magnitude, or 0), got '%s'",
                              o->name, range, v);
        if (!in_range(o, (double)(float)d))
            return args_error(spec, "--%s expects %s, got '%s', which is %.9g in "
                              "single precision", o->name, range, v, (double)(float)d);
        *(double *)o->dest = d;
        return ARGS_OK;
    }
    case OPT_U64: {
        unsigned long long u;
        if (parse_integer(v, 0, NULL, &u) || !in_range(o, (double)u))
            return args_error(spec, "--%s expects %s, got '%s'", o->name,
                              o->has_lo || o->has_hi ? range : "a non-negative integer", v);
        *(uint64_t *)o->dest = (uint64_t)u;
        return ARGS_OK;
    }
    case OPT_INT:
    case OPT_LONG: {
        long long x;
        double lim = o->kind == OPT_INT ? 2147483647.0 : 9.2e18;
        if (parse_integer(v, 1, &x, NULL) || !in_range(o, (double)x) ||
            (double)x > lim || (double)x < -lim)
            return args_error(spec, "--%s expects %s, got '%s'", o->name, range, v);
        if (o->kind == OPT_INT)
            *(int *)o->dest = (int)x;
        else
            *(long *)o->dest = (long)x;
        return ARGS_OK;
    }
    case OPT_FLAG:
        break;
    }
    return args_error(spec, "internal error: option --%s", o->name);
}

int args_parse(cli_spec *spec, int argc, char **argv, const char **pos, int *npos)
{
    int n = 0, only_pos = 0;
    *npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (!only_pos && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
            args_help(spec);
            return ARGS_HELP;
        }
        if (!only_pos && a[0] == '-' && a[1] == '-') {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            cli_opt *o = find_opt(spec, name, len);
            if (!o)
                return usage_error(spec, "unknown option '--%.*s'", (int)len, name);
            o->seen = 1;
            if (o->kind == OPT_FLAG) {
                if (eq)
                    return args_error(spec, "--%s is a flag and takes no value "
                                      "(got '%s')", o->name, eq + 1);
                *(int *)o->dest = 1;
                continue;
            }
            const char *v;
            if (eq) {
                v = eq + 1;
            } else if (i + 1 < argc) {
                v = argv[++i];
            } else {
                return args_error(spec, "--%s needs a value (%s)", o->name,
                                  o->metavar ? o->metavar : "VALUE");
            }
            if (set_value(spec, o, v))
                return ARGS_ERROR;
            continue;
        }
        if (!only_pos && a[0] == '-' && a[1] != 0)
            return usage_error(spec, "unknown option '%s'", a);
        if (n >= spec->pos_max) {
            if (spec->pos_max == 0)
                return usage_error(spec, "unexpected argument '%s'", a);
            return usage_error(spec, "unexpected extra argument '%s'", a);
        }
        pos[n++] = a;
    }
    if (n < spec->pos_min)
        return usage_error(spec, "missing %s argument", spec->pos_names[n]);
    *npos = n;
    return ARGS_OK;
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

void args_help(const cli_spec *spec)
{
    printf("usage: %s\n\n", spec->usage);
    if (spec->description)
        printf("%s\n\n", spec->description);
    printf("options:\n");
    for (int i = 0; i < spec->nopts; i++) {
        const cli_opt *o = &spec->opts[i];
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
