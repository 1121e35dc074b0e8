/* cmd_export.c - `recur export`: every tensor of a model as JSON or CSV, for
 * inspection in other tools. Values are printed with %.9g, which round-trips
 * a float exactly. Output goes to stdout, or to a file replaced atomically
 * (temporary file in the same directory, fsync, rename). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "recur.h"

/* s as a JSON string: quotes, backslashes and control characters escaped;
 * the rest (valid UTF-8, as the loader guarantees) copied. */
static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

static const char *input_name(recur_input i)
{
    return i == RECUR_INPUT_ONEHOT ? "onehot" : i == RECUR_INPUT_EMBEDDING ? "embedding"
                                                                           : "dense";
}

/* The values of tensor i (a new array of *n floats), or NULL. */
static float *tensor_values(const recur_model *m, int i, const char **name, int *ndim,
                            int64_t shape[2], long *n)
{
    *name = recur_model_tensor_at(m, i, ndim, shape);
    *n = (long)(*ndim == 2 ? shape[0] * shape[1] : shape[0]);
    float *v = malloc((size_t)*n * sizeof *v);
    if (v && recur_model_get_tensor(m, *name, v, *n) != RECUR_OK) {
        free(v);
        v = NULL;
    }
    return v;
}

static int write_json(FILE *f, const recur_model *m)
{
    const recur_config *c = recur_model_get_config(m);
    fprintf(f, "{\n  \"config\": {\n");
    fprintf(f, "    \"cell\": \"%s\",\n    \"input\": \"%s\",\n", recur_cell_name(c->cell),
            input_name(c->input));
    fprintf(f, "    \"input_size\": %d,\n    \"embed_dim\": %d,\n    \"hidden\": %d,\n",
            c->input_size, c->input == RECUR_INPUT_EMBEDDING ? c->embed_dim : 0, c->hidden);
    fprintf(f, "    \"proj\": %d,\n", c->proj); /* an LSTM's projection, 0: none */
    fprintf(f, "    \"layers\": %d,\n    \"bidirectional\": %s,\n    \"reverse\": %s,\n"
            "    \"dropout\": %.9g,\n", c->layers, c->bidirectional ? "true" : "false",
            c->reverse ? "true" : "false", (double)c->dropout);
    fprintf(f, "    \"output_size\": %d,\n    \"loss\": \"%s\",\n    \"readout\": \"%s\",\n",
            c->output_size, c->loss == RECUR_LOSS_XENT ? "xent" : "mse",
            recur_readout_name(c->readout));
    fprintf(f, "    \"params\": %ld,\n", recur_model_param_count(m));
    int nv;
    const uint32_t *vocab = recur_model_get_vocab(m, &nv);
    fprintf(f, "    \"vocab\": ");
    if (nv > 0) {
        char *s = malloc((size_t)nv * 4 + 1);
        if (!s)
            return cli_error("out of memory");
        size_t len = 0;
        for (int i = 0; i < nv; i++)
            len += (size_t)recur_utf8_encode(vocab[i], s + len);
        s[len] = 0;
        json_string(f, s);
        free(s);
    } else {
        fputs("null", f);
    }
    fprintf(f, "\n  },\n  \"metadata\": {");
    for (int i = 0; i < recur_model_meta_count(m); i++) {
        const char *value = NULL, *key = recur_model_meta_at(m, i, &value);
        fprintf(f, "%s\n    ", i ? "," : "");
        json_string(f, key);
        fputs(": ", f);
        json_string(f, value ? value : "");
    }
    fprintf(f, "%s},\n  \"tensors\": {", recur_model_meta_count(m) ? "\n  " : "");
    for (int i = 0; i < recur_model_tensor_count(m); i++) {
        const char *name;
        int ndim;
        int64_t shape[2];
        long n;
        float *v = tensor_values(m, i, &name, &ndim, shape, &n);
        if (!v)
            return cli_error("cannot read tensor %d of the model", i);
        fprintf(f, "%s\n    ", i ? "," : "");
        json_string(f, name);
        if (ndim == 2)
            fprintf(f, ": {\n      \"shape\": [%lld, %lld],\n      \"data\": [",
                    (long long)shape[0], (long long)shape[1]);
        else
            fprintf(f, ": {\n      \"shape\": [%lld],\n      \"data\": [", (long long)shape[0]);
        long row = ndim == 2 ? (long)shape[1] : n;
        for (long j = 0; j < n; j++)
            fprintf(f, "%s%.9g", j == 0 ? "\n        " : j % row ? ", " : ",\n        ",
                    (double)v[j]);
        fprintf(f, "\n      ]\n    }");
        free(v);
    }
    fprintf(f, "\n  }\n}\n");
    return 0;
}

static int write_csv(FILE *f, const recur_model *m)
{
    fprintf(f, "tensor,index0,index1,value\n");
    for (int i = 0; i < recur_model_tensor_count(m); i++) {
        const char *name;
        int ndim;
        int64_t shape[2];
        long n;
        float *v = tensor_values(m, i, &name, &ndim, shape, &n);
        if (!v)
            return cli_error("cannot read tensor %d of the model", i);
        for (long j = 0; j < n; j++) {
            if (ndim == 2)
                fprintf(f, "%s,%ld,%ld,%.9g\n", name, j / (long)shape[1],
                        j % (long)shape[1], (double)v[j]);
            else
                fprintf(f, "%s,%ld,,%.9g\n", name, j, (double)v[j]);
        }
        free(v);
    }
    return 0;
}

static int write_to(FILE *f, const recur_model *m, int json)
{
    return json ? write_json(f, m) : write_csv(f, m);
}

typedef struct {
    const recur_model *m;
    int json;
} export_job;

static int write_job(const void *arg, FILE *f)
{
    const export_job *j = arg;
    return write_to(f, j->m, j->json);
}

#define AT(field) offsetof(export_opts, field)

static const cli_option export_options[] = {
    {.name = "format", .kind = OPT_STRING, .at = AT(format), .metavar = "json|csv|c|onnx",
     .def = "json",
     .help = "json: {\"config\", \"metadata\", \"tensors\": {name: {\"shape\", \"data\"}}}; "
             "csv: one row per value: tensor,index0,index1,value; "
             "c: the streaming step as dependency-free C99, NAME.c and NAME.h (-o NAME); "
             "onnx: the model as an ONNX graph (opset 14; needs -o FILE)"},
    {.name = "quantize", .kind = OPT_STRING, .at = AT(quantize), .metavar = "none|int8",
     .def = "none", .help = "--format c: int8 weights with a float scale per row"},
    {.name = "prefix", .kind = OPT_STRING, .at = AT(prefix), .metavar = "P",
     .def = "NAME's file name", .help = "--format c: the C names' prefix (P_step, P_state, ...)"},
    {.name = "output", .letter = 'o', .kind = OPT_STRING, .at = AT(output),
     .metavar = "FILE", .def = "stdout",
     .help = "write to FILE (replaced atomically) instead of stdout; also -o FILE"},
};

static const char *const export_pos[] = {"MODEL"};

static const cli_options export_spec = {
    .cmd = "export",
    .usage = "recur export MODEL [--format json|csv|onnx] [-o FILE]\n"
             "       recur export MODEL --format c -o NAME [--quantize int8] [--prefix P]",
    .description = "Dump every tensor of a model (a .safetensors model, checkpoint\n"
                   "or plain PyTorch file) for inspection, with its configuration\n"
                   "and metadata (JSON). Values are printed with 9 significant\n"
                   "digits, enough to give back each float exactly; tensors are\n"
                   "in PyTorch state_dict order, data row-major.\n"
                   "--format c writes NAME.c and NAME.h: the model's streaming step\n"
                   "(what recur_state_step computes) as C99 for a microcontroller or any C\n"
                   "program: no malloc, no libm, weights as const arrays.",
    .opts = export_options,
    .nopts = ARGS_COUNT(export_options),
    .pos_names = export_pos,
    .pos_min = 1,
    .pos_max = 1,
    .epilog = "examples:\n  recur export model.safetensors --format json -o model.json\n"
              "  recur export model.safetensors --format csv | head\n"
              "  recur export model.safetensors --format c -o kws --quantize int8\n"
              "  recur export model.safetensors --format onnx -o model.onnx",
};

int export_parse(int argc, char **argv, export_opts *out)
{
    static const char *const formats[] = {"json", "csv", "c", "onnx"};
    static const char *const quants[] = {"none", "int8"};
    export_opts o = {.format = "json", .output = NULL, .quantize = "none", .prefix = NULL};
    options_result res;
    int a = options_parse(&export_spec, &o, argc, argv, &res);
    if (a)
        return a;
    if (options_choice(o.format, formats, 4) < 0)
        return options_error(&export_spec, "--format expects json, csv, c or onnx, got '%s'",
                             o.format);
    if (options_choice(o.quantize, quants, 2) < 0)
        return options_error(&export_spec, "--quantize expects none or int8, got '%s'",
                             o.quantize);
    int c_src = strcmp(o.format, "c") == 0;
    if (!c_src && (strcmp(o.quantize, "none") != 0 || o.prefix))
        return options_error(&export_spec, "--quantize and --prefix go with --format c");
    if (o.output && !*o.output && !c_src)
        return options_error(&export_spec, "--output expects a file name");
    if (o.output && strcmp(o.output, "-") == 0)
        o.output = NULL;
    if (c_src) {
        size_t n = o.output ? strlen(o.output) : 0;
        if (!n)
            return options_error(&export_spec,
                                 "--format c needs -o NAME (writes NAME.c and NAME.h)");
        if (n > 2 && (strcmp(o.output + n - 2, ".c") == 0 ||
                      strcmp(o.output + n - 2, ".h") == 0))
            return options_error(&export_spec,
                                 "-o takes NAME without .c or .h (writes NAME.c and NAME.h)");
    }
    if (strcmp(o.format, "onnx") == 0 && !o.output)
        return options_error(&export_spec, "--format onnx writes a binary file: give -o FILE");
    o.model = res.pos[0];
    *out = o;
    return ARGS_OK;
}

int cmd_export(int argc, char **argv)
{
    export_opts o;
    int a = export_parse(argc, argv, &o);
    if (a)
        return a == ARGS_HELP ? 0 : EXIT_USAGE;
    recur_model *m = NULL;
    int rc = recur_model_load(o.model, &m);
    if (rc)
        return cli_lib_error(rc);
    if (strcmp(o.format, "c") == 0 || strcmp(o.format, "onnx") == 0) {
        if (strcmp(o.format, "c") == 0)
            rc = recur_export_c(m, o.output, o.prefix,
                                strcmp(o.quantize, "int8") == 0 ? RECUR_QUANT_INT8
                                                                : RECUR_QUANT_NONE);
        else
            rc = recur_onnx_export(m, o.output);
        recur_model_free(m);
        return rc ? cli_lib_error(rc) : 0;
    }
    int json = strcmp(o.format, "json") == 0;
    export_job job = {m, json};
    rc = o.output ? cli_write_output(o.output, write_job, &job) : write_to(stdout, m, json);
    if (rc < 0)
        rc = cli_error("cannot write %s: %s", o.output, strerror(errno));
    recur_model_free(m);
    return rc;
}
