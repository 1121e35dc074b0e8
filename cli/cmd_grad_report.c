/* cmd_grad_report.c - `recur grad-report`: backpropagation through time made
 * visible. For one model (and any given with --compare, on the same windows)
 * the mean ‖∂L/∂h‖ of each layer at each distance from a loss placed at the
 * last step of T (recur_grad_report), as a table, a one-line summary per
 * layer ("falls to 1e-3 of its value by distance 37"), a CSV and a log-scale
 * SVG plot. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "corpus.h"
#include "recur.h"
#include "svg.h"
#include "train_common.h"

#define MAX_MODELS 8

typedef struct {
    const char *path;
    char label[64];
    int layers;
    double *norms; /* [layers][T] */
} report;

/* "runs/rnn_tanh.safetensors" -> "rnn_tanh": the file name without its
 * extension (and without commas, for the CSV). */
static void label_of(const char *path, char *out, size_t size)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(out, size, "%s", base);
    char *dot = strrchr(out, '.');
    if (dot && dot != out)
        *dot = 0;
    for (char *c = out; *c; c++)
        if (*c == ',' || *c == '"')
            *c = '_';
}

static int run_one(report *r, const char *text_path, int T, int B)
{
    recur_model *m = NULL;
    recur_text *text = NULL;
    int rc = recur_model_load(r->path, &m);
    if (!rc && cli_require_char_lm(m, r->path)) {
        recur_model_free(m);
        return EXIT_RUNTIME;
    }
    if (!rc)
        rc = recur_text_load(text_path, m, &text);
    if (!rc) {
        long n;
        const int32_t *tok = recur_text_tokens(text, &n);
        r->layers = recur_model_get_config(m)->layers;
        r->norms = malloc((size_t)r->layers * (size_t)T * sizeof *r->norms);
        rc = r->norms && tok ? recur_grad_report(m, tok, n, T, B, r->norms) : RECUR_E_NOMEM;
    }
    int code = 0;
    if (rc == RECUR_E_NOMEM && !*recur_last_error())
        code = cli_error("%s: out of memory", r->path);
    else if (rc && strncmp(recur_last_error(), r->path, strlen(r->path)) == 0)
        code = cli_lib_error(rc); /* the message names the model already */
    else if (rc)
        code = cli_error("%s: %s", r->path, recur_last_error());
    recur_text_free(text);
    recur_model_free(m);
    return code;
}

static void column_name(const report *r, int l, char *buf, size_t size)
{
    if (r->layers > 1)
        snprintf(buf, size, "%s.l%d", r->label, l);
    else
        snprintf(buf, size, "%s", r->label);
}

/* The rows worth reading: all of a short window; else 0..9, every 10th
 * and the last (the CSV has every distance). */
static int shown(int k, int T)
{
    return T <= 30 || k < 10 || k % 10 == 0 || k == T - 1;
}

static void print_table(const report *rs, int nr, int T)
{
    char name[96];
    printf("%8s", "distance");
    for (int i = 0; i < nr; i++)
        for (int l = 0; l < rs[i].layers; l++) {
            column_name(&rs[i], l, name, sizeof name);
            printf("  %-22.22s", name);
        }
    printf("\n%8s", "");
    for (int i = 0; i < nr; i++)
        for (int l = 0; l < rs[i].layers; l++)
            printf("  %-10s %-11s", "norm", "relative");
    printf("\n");
    for (int k = 0; k < T; k++) {
        if (!shown(k, T))
            continue;
        printf("%8d", k);
        for (int i = 0; i < nr; i++)
            for (int l = 0; l < rs[i].layers; l++) {
                const double *nv = rs[i].norms + (long)l * T;
                printf("  %-10.3e %-11.3e", nv[k], nv[0] > 0 ? nv[k] / nv[0] : NAN);
            }
        printf("\n");
    }
}

/* The first distance where the relative norm is <= f, or -1. */
static int falls_to(const double *nv, int T, double f)
{
    for (int k = 1; k < T; k++)
        if (nv[k] / nv[0] <= f)
            return k;
    return -1;
}

/* "falls to 0.001 of its value at distance 0 by distance 23 (1e-06 by 46,
 * 1e-09 by 80)": the threshold F, then F² and F³ where reached. */
static void print_summary(const report *r, int l, int T, double f)
{
    char name[96];
    column_name(r, l, name, sizeof name);
    const double *nv = r->norms + (long)l * T;
    if (!(nv[0] > 0)) {
        printf("%s: the gradient at distance 0 is zero\n", name);
        return;
    }
    int k = falls_to(nv, T, f);
    if (k < 0) {
        printf("%s: the gradient stays above %g of its value at distance 0 over all "
               "%d steps back (%.3g of it at distance %d)\n", name, f, T - 1,
               nv[T - 1] / nv[0], T - 1);
        return;
    }
    printf("%s: the gradient falls to %g of its value at distance 0 by distance %d",
           name, f, k);
    const char *sep = " (";
    for (int p = 2; p <= 3; p++) {
        int kp = falls_to(nv, T, pow(f, p));
        if (kp < 0)
            break;
        printf("%s%g by %d", sep, pow(f, p), kp);
        sep = ", ";
    }
    printf("%s\n", *sep == ',' ? ")" : "");
}

static int write_csv(const report *rs, int nr, int T, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return cli_error("--csv %s: %s", path, strerror(errno));
    char name[96];
    fprintf(f, "distance");
    for (int i = 0; i < nr; i++)
        for (int l = 0; l < rs[i].layers; l++) {
            column_name(&rs[i], l, name, sizeof name);
            fprintf(f, ",%s_norm,%s_relative", name, name);
        }
    fprintf(f, "\n");
    for (int k = 0; k < T; k++) {
        fprintf(f, "%d", k);
        for (int i = 0; i < nr; i++)
            for (int l = 0; l < rs[i].layers; l++) {
                const double *nv = rs[i].norms + (long)l * T;
                fprintf(f, ",%.6e,%.6e", nv[k], nv[0] > 0 ? nv[k] / nv[0] : NAN);
            }
        fprintf(f, "\n");
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return cli_error("--csv %s: %s", path, strerror(errno));
    return 0;
}

static int write_svg(const report *rs, int nr, int T, int B, const char *path)
{
    char title[160], name[96];
    snprintf(title, sizeof title, "Gradient of the last step's loss, back through time "
             "(T = %d, mean of %d windows)", T, B);
    svg_plot *p = svg_plot_new(title, "distance from the loss (steps back)",
                               "mean ‖∂L/∂h‖ relative to distance 0", SVG_LOG_Y);
    double *x = malloc((size_t)T * sizeof *x), *y = malloc((size_t)T * sizeof *y);
    int code = p && x && y ? 0 : cli_error("--svg %s: out of memory", path);
    for (int i = 0; i < nr && !code; i++)
        for (int l = 0; l < rs[i].layers && !code; l++) {
            const double *nv = rs[i].norms + (long)l * T;
            for (int k = 0; k < T; k++) {
                x[k] = k;
                y[k] = nv[0] > 0 ? nv[k] / nv[0] : NAN;
            }
            column_name(&rs[i], l, name, sizeof name);
            if (svg_plot_add(p, name, x, y, T))
                code = cli_error("--svg %s: too many series or out of memory", path);
        }
    if (!code && svg_plot_write(p, path))
        code = cli_error("--svg %s: %s", path, strerror(errno));
    svg_plot_free(p);
    free(x);
    free(y);
    return code;
}

/* Split "a,b,c" into paths (pointing into a copy kept in *store). */
static int split_models(const char *list, char **store, const char **paths, int room)
{
    *store = malloc(strlen(list) + 1);
    if (!*store)
        return -1;
    strcpy(*store, list);
    int n = 0;
    for (char *tok = strtok(*store, ","); tok; tok = strtok(NULL, ",")) {
        if (n == room)
            return -1;
        paths[n++] = tok;
    }
    return n;
}

#define AT(field) offsetof(grad_report_opts, field)

static const cli_option grad_report_options[] = {
    {.name = "seq-len", .alias = "seq", .kind = OPT_INT, .at = AT(seq_len), .metavar = "T",
     .def = "100", .help = "steps per window; the loss is at the last",
     .lo = 1, .hi = 100000, .bounds = AT_LEAST | AT_MOST},
    {.name = "batch", .alias = "batch-size", .kind = OPT_INT, .at = AT(batch),
     .metavar = "B", .def = "32", .help = "windows, spread evenly over the text, averaged",
     .lo = 1, .hi = 100000, .bounds = AT_LEAST | AT_MOST},
    {.name = "compare", .kind = OPT_STRING, .at = AT(compare), .metavar = "MODEL,...",
     .help = "also report these models on the same windows"},
    {.name = "csv", .kind = OPT_STRING, .at = AT(csv), .metavar = "FILE",
     .help = "write every distance: norm and relative norm per model and layer"},
    {.name = "svg", .kind = OPT_STRING, .at = AT(svg), .metavar = "FILE",
     .help = "plot the relative norms on a log scale"},
    {.name = "threshold", .kind = OPT_DOUBLE, .at = AT(threshold), .metavar = "F",
     .def = "1e-3",
     .help = "the summary gives the distance where the gradient falls to F of its start",
     .lo = 0, .hi = 1, .bounds = ABOVE | BELOW},
    {.name = "threads", .kind = OPT_INT, .at = AT(threads), .metavar = "N", .def = "2",
     .help = "threads for the matrix products",
     .lo = 1, .hi = 1024, .bounds = AT_LEAST | AT_MOST},
};

static const char *const grad_report_pos[] = {"MODEL", "TEXT"};

static const cli_options grad_report_spec = {
    .cmd = "grad-report",
    .usage = "recur grad-report MODEL [TEXT] [OPTIONS]",
    .description =
        "How far back in time does a character model's gradient reach? Takes B\n"
        "windows of T characters of TEXT (default: the bundled corpus), puts the\n"
        "next-character loss at the last step only, backpropagates through time,\n"
        "and reports the mean norm of the gradient with respect to each layer's\n"
        "hidden state at each distance from the loss, relative to distance 0.",
    .opts = grad_report_options,
    .nopts = ARGS_COUNT(grad_report_options),
    .pos_names = grad_report_pos,
    .pos_min = 1,
    .pos_max = 2,
    .epilog = "example:\n"
              "  recur grad-report rnn.safetensors --compare lstm.safetensors "
              "--seq-len 200 --svg grad.svg",
};

/* The number of models in "a,b,c" (1..room), or -1. */
static int count_models(const char *list, int room)
{
    int n = 0;
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        n += len > 0;
        p += len + (p[len] == ',');
    }
    return n >= 1 && n <= room ? n : -1;
}

int grad_report_parse(int argc, char **argv, grad_report_opts *out)
{
    grad_report_opts o = {.seq_len = 100, .batch = 32, .threads = 2, .threshold = 1e-3};
    options_result res;
    int a = options_parse(&grad_report_spec, &o, argc, argv, &res);
    if (a)
        return a;
    if (o.compare && count_models(o.compare, MAX_MODELS - 1) < 0)
        return options_error(&grad_report_spec, "--compare expects 1 to %d model files "
                          "separated by commas, got '%s'", MAX_MODELS - 1, o.compare);
    o.model = res.pos[0];
    o.text = res.npos > 1 ? res.pos[1] : NULL;
    *out = o;
    return ARGS_OK;
}

/* The report of every model, printed and written as the options ask. */
static int report_all(const grad_report_opts *o, report *rs, int nr)
{
    int T = o->seq_len, code = 0;
    for (int i = 0; i < nr && !code; i++) {
        label_of(rs[i].path, rs[i].label, sizeof rs[i].label);
        code = run_one(&rs[i], o->text, T, o->batch);
    }
    if (code)
        return code;
    printf("Gradient of the next-character loss at the last of %d steps, with "
           "respect to each earlier hidden state: mean norm over %d windows of %s\n\n",
           T, o->batch, o->text);
    print_table(rs, nr, T);
    printf("\n");
    for (int i = 0; i < nr; i++)
        for (int l = 0; l < rs[i].layers; l++)
            print_summary(&rs[i], l, T, o->threshold);
    if (o->csv)
        code = write_csv(rs, nr, T, o->csv);
    if (!code && o->svg)
        code = write_svg(rs, nr, T, o->batch, o->svg);
    return code;
}

int cmd_grad_report(int argc, char **argv)
{
    grad_report_opts o;
    int a = grad_report_parse(argc, argv, &o);
    if (a)
        return a == ARGS_HELP ? 0 : EXIT_USAGE;
    if (!o.text)
        o.text = cli_default_corpus();
    report rs[MAX_MODELS];
    memset(rs, 0, sizeof rs);
    const char *paths[MAX_MODELS];
    char *store = NULL;
    int nr = 1;
    paths[0] = o.model;
    if (o.compare) {
        int k = split_models(o.compare, &store, paths + 1, MAX_MODELS - 1);
        if (k < 1) {
            free(store);
            return cli_error("out of memory");
        }
        nr += k;
    }
    for (int i = 0; i < nr; i++)
        rs[i].path = paths[i];
    cli_set_threads(o.threads);
    int code = report_all(&o, rs, nr);
    for (int i = 0; i < nr; i++)
        free(rs[i].norms);
    free(store);
    return code;
}
