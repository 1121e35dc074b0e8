/* cmd_import.c - `recur import`: an ONNX model (RNN / LSTM / GRU graphs as
 * torch.onnx.export writes them) to a recur model file. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "recur.h"

#define AT(field) offsetof(import_opts, field)

static const cli_option import_options[] = {
    {.name = "output", .letter = 'o', .kind = OPT_STRING, .at = AT(output),
     .metavar = "FILE",
     .help = "the recur model to write (.safetensors, replaced atomically); also -o FILE"},
};

static const char *const import_pos[] = {"MODEL.onnx"};

static const cli_options import_spec = {
    .cmd = "import",
    .usage = "recur import MODEL.onnx -o MODEL.safetensors",
    .description =
        "Convert an ONNX model to a recur model: a graph of ONNX RNN, LSTM or GRU\n"
        "nodes (stacked, forward, reverse or bidirectional; GRU with\n"
        "linear_before_reset=1, PyTorch's) over token ids (Gather: an embedding;\n"
        "OneHot) or float features, optionally read out (last state, mean) and\n"
        "through a dense layer (MatMul + Add, Gemm), as torch.onnx.export writes\n"
        "such models (and tf2onnx Keras's go_backwards layers: direction=reverse).\n"
        "Anything else in the graph is refused with a message naming the node.\n"
        "The model's outputs are the ONNX graph's output.",
    .opts = import_options,
    .nopts = ARGS_COUNT(import_options),
    .pos_names = import_pos,
    .pos_min = 1,
    .pos_max = 1,
    .epilog = "examples:\n"
              "  recur import lstm.onnx -o lstm.safetensors\n"
              "  recur export lstm.safetensors --format onnx -o lstm2.onnx",
};

int import_parse(int argc, char **argv, import_opts *out)
{
    import_opts o = {.onnx = NULL, .output = NULL};
    options_result res;
    int a = options_parse(&import_spec, &o, argc, argv, &res);
    if (a)
        return a;
    if (!o.output || !*o.output)
        return options_error(&import_spec,
                             "-o FILE is required: where to write the recur model");
    o.onnx = res.pos[0];
    *out = o;
    return ARGS_OK;
}

int cmd_import(int argc, char **argv)
{
    import_opts o = {.onnx = NULL, .output = NULL};
    int a = import_parse(argc, argv, &o);
    if (a)
        return a == ARGS_HELP ? 0 : EXIT_USAGE;
    recur_model *m = NULL;
    int rc = recur_onnx_import(o.onnx, &m);
    if (rc)
        return cli_lib_error(rc);
    rc = recur_model_save(m, o.output);
    if (rc) {
        recur_model_free(m);
        return cli_lib_error(rc);
    }
    const recur_config *c = recur_model_get_config(m);
    printf("%s: %s, %d layer%s of %d%s, %ld parameters -> %s\n", o.onnx,
           recur_cell_name(c->cell), c->layers, c->layers > 1 ? "s" : "", c->hidden,
           c->bidirectional ? " (bidirectional)" : c->reverse ? " (reverse)" : "",
           recur_model_param_count(m), o.output);
    const char *unused = recur_model_get_meta(m, "onnx.unused_outputs");
    if (unused)
        printf("note: the graph's outputs %s are final states, which recur_forward does not "
               "return\n", unused);
    recur_model_free(m);
    return 0;
}
