/* cmd_import.c - `recur import`: an ONNX model (RNN / LSTM / GRU graphs as
 * torch.onnx.export writes them) to a recur model file. */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "recur.h"

int cmd_import(int argc, char **argv)
{
    const char *output = NULL;
    cli_opt opts[] = {
        {"output", NULL, OPT_STRING, &output, "FILE", NULL,
         "the recur model to write (.safetensors, replaced atomically); also -o FILE",
         0, 0, 0, 0, 0, 0, 0},
    };
    static const char *const pos_names[] = {"MODEL.onnx"};
    cli_spec spec = {
        .cmd = "import",
        .usage = "recur import MODEL.onnx -o MODEL.safetensors",
        .description =
            "Convert an ONNX model to a recur model: a graph of ONNX RNN, LSTM or GRU\n"
            "nodes (stacked, forward or bidirectional; GRU with linear_before_reset=1,\n"
            "PyTorch's) over token ids (Gather: an embedding; OneHot) or float\n"
            "features, optionally read out (last state, mean) and through a dense\n"
            "layer (MatMul + Add, Gemm), as torch.onnx.export writes such models.\n"
            "Anything else in the graph is refused with a message naming the node.\n"
            "The model's outputs are the ONNX graph's output.",
        .opts = opts,
        .nopts = (int)(sizeof opts / sizeof *opts),
        .pos_names = pos_names,
        .pos_min = 1,
        .pos_max = 1,
        .epilog = "examples:\n"
                  "  recur import lstm.onnx -o lstm.safetensors\n"
                  "  recur export lstm.safetensors --format onnx -o lstm2.onnx",
    };
    /* -o FILE is --output FILE (the parser knows long options only). */
    char *args[64];
    if (argc > 63)
        return args_error(&spec, "too many arguments"), EXIT_USAGE;
    int only_pos = 0;
    for (int i = 0; i < argc; i++) {
        only_pos = only_pos || strcmp(argv[i], "--") == 0;
        args[i] = !only_pos && i > 0 && strcmp(argv[i], "-o") == 0 ? "--output" : argv[i];
    }
    args[argc] = NULL;
    const char *pos[1];
    int npos;
    int a = args_parse(&spec, argc, args, pos, &npos);
    if (a == ARGS_HELP)
        return 0;
    if (a)
        return EXIT_USAGE;
    if (!output || !*output) {
        args_error(&spec, "-o FILE is required: where to write the recur model");
        return EXIT_USAGE;
    }
    if (strcmp(output, pos[0]) == 0)
        return cli_error("%s is the ONNX model itself: choose another output file", output);
    recur_model *m = NULL;
    int rc = recur_onnx_import(pos[0], &m);
    if (rc)
        return cli_lib_error(rc);
    rc = recur_model_save(m, output);
    if (rc) {
        recur_model_free(m);
        return cli_lib_error(rc);
    }
    const recur_config *c = recur_model_get_config(m);
    printf("%s: %s, %d layer%s of %d%s, %ld parameters -> %s\n", pos[0],
           recur_cell_name(c->cell), c->layers, c->layers > 1 ? "s" : "", c->hidden,
           c->bidirectional ? " (bidirectional)" : "", recur_model_param_count(m), output);
    const char *unused = recur_model_get_meta(m, "onnx.unused_outputs");
    if (unused)
        printf("note: the graph's outputs %s are final states, which recur_forward does not "
               "return\n", unused);
    recur_model_free(m);
    return 0;
}
