/* cmd_export.c - `recur export`: every tensor of a model as JSON or CSV, for
 * inspection in other tools. Values are printed with %.9g, which round-trips
 * a float exactly. Output goes to stdout, or to a file replaced atomically
 * (temporary file in the same directory, fsync, rename). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    fprintf(f, "    \"layers\": %d,\n    \"bidirectional\": %s,\n    \"dropout\": %.9g,\n",
            c->layers, c->bidirectional ? "true" : "false", (double)c->dropout);
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

/* Write to path atomically: a temporary file beside it, fsync, rename. On
 * any failure the temporary file is removed and path is left as it was. */
static int write_file(const char *path, const recur_model *m, int json)
{
    size_t cap = strlen(path) + 48;
    char *tmp = malloc(cap);
    if (!tmp)
        return cli_error("out of memory");
    snprintf(tmp, cap, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        free(tmp);
        return cli_error("cannot write %s: %s", path, strerror(e));
    }
    int rc = write_to(f, m, json);
    if (!rc && (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0))
        rc = cli_error("cannot write %s: %s", path, strerror(errno));
    if (fclose(f) != 0 && !rc)
        rc = cli_error("cannot write %s: %s", path, strerror(errno));
    if (!rc && rename(tmp, path) != 0)
        rc = cli_error("cannot write %s: %s", path, strerror(errno));
    if (rc)
        unlink(tmp);
    free(tmp);
    return rc;
}

static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

int cmd_export(int argc, char **argv)
{
    const char *format = "json", *output = NULL;
    cli_opt opts[] = {
        {"format", NULL, OPT_STRING, &format, "json|csv", "json",
         "json: {\"config\", \"metadata\", \"tensors\": {name: {\"shape\", \"data\"}}}; "
         "csv: one row per value: tensor,index0,index1,value",
         0, 0, 0, 0, 0, 0, 0},
        {"output", NULL, OPT_STRING, &output, "FILE", "stdout",
         "write to FILE (replaced atomically) instead of stdout; also -o FILE",
         0, 0, 0, 0, 0, 0, 0},
    };
    static const char *const pos_names[] = {"MODEL"};
    cli_spec spec = {
        .cmd = "export",
        .usage = "recur export MODEL [--format json|csv] [-o FILE]",
        .description = "Dump every tensor of a model (a .safetensors model, checkpoint\n"
                       "or plain PyTorch file) for inspection, with its configuration\n"
                       "and metadata (JSON). Values are printed with 9 significant\n"
                       "digits, enough to give back each float exactly; tensors are\n"
                       "in PyTorch state_dict order, data row-major.",
        .opts = opts,
        .nopts = (int)(sizeof opts / sizeof *opts),
        .pos_names = pos_names,
        .pos_min = 1,
        .pos_max = 1,
        .epilog = "examples:\n  recur export model.safetensors --format json -o model.json\n"
                  "  recur export model.safetensors --format csv | head",
    };
    /* -o FILE is --output FILE (the parser knows long options only). */
    char **args = malloc((size_t)(argc + 1) * sizeof *args);
    if (!args)
        return cli_error("out of memory");
    int only_pos = 0;
    for (int i = 0; i < argc; i++) {
        only_pos = only_pos || strcmp(argv[i], "--") == 0;
        args[i] = !only_pos && i > 0 && strcmp(argv[i], "-o") == 0 ? "--output" : argv[i];
    }
    args[argc] = NULL;
    const char *pos[1];
    int npos;
    int a = args_parse(&spec, argc, args, pos, &npos);
    free(args);
    if (a == ARGS_HELP)
        return 0;
    if (a)
        return EXIT_USAGE;
    int json = strcmp(format, "json") == 0;
    if (!json && strcmp(format, "csv") != 0) {
        args_error(&spec, "--format expects json or csv, got '%s'", format);
        return EXIT_USAGE;
    }
    if (output && !*output) {
        args_error(&spec, "--output expects a file name");
        return EXIT_USAGE;
    }
    if (output && strcmp(output, "-") == 0)
        output = NULL;
    if (output && same_file(output, pos[0]))
        return cli_error("%s is the model itself: choose another output file", output);
    recur_model *m = NULL;
    int rc = recur_model_load(pos[0], &m);
    if (rc)
        return cli_lib_error(rc);
    rc = output ? write_file(output, m, json) : write_to(stdout, m, json);
    recur_model_free(m);
    return rc;
}
