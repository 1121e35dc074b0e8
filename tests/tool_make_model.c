/* tool_make_model.c - a test helper: a randomly initialised model of a given
 * configuration saved as a recur file, for tests that export it.
 *
 *   tool_make_model CELL INPUT LAYERS BIDIRECTIONAL READOUT OUTPUTS SEED PATH [VOCAB]
 *
 * CELL rnn_tanh|rnn_relu|lstm|gru; INPUT onehot|embedding|dense (6 tokens,
 * an embedding of 4, or 3 features); hidden 5; BIDIRECTIONAL 0, 1, or 2 for
 * a reverse model (every layer from the last step to the first); READOUT
 * sequence|last|mean;
 * OUTPUTS 0 (no dense layer) or the dense layer's width; VOCAB, optional:
 * the characters of a token model (a text model, as `recur sample` needs). Errors: one line
 * on stderr, exit status 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recur.h"

int main(int argc, char **argv)
{
    if (argc != 9 && argc != 10) {
        fprintf(stderr, "usage: tool_make_model CELL INPUT LAYERS BI READOUT OUTPUTS SEED PATH "
                        "[VOCAB]\n");
        return 1;
    }
    recur_config c;
    recur_config_default(&c);
    int cell = recur_cell_parse(argv[1]), ro = recur_readout_parse(argv[5]);
    if (cell < 0 || ro < 0) {
        fprintf(stderr, "tool_make_model: bad cell or readout\n");
        return 1;
    }
    c.cell = (recur_cell)cell;
    c.readout = (recur_readout)ro;
    c.input = strcmp(argv[2], "dense") == 0       ? RECUR_INPUT_DENSE
              : strcmp(argv[2], "embedding") == 0 ? RECUR_INPUT_EMBEDDING
                                                  : RECUR_INPUT_ONEHOT;
    c.input_size = c.input == RECUR_INPUT_DENSE ? 3 : 6;
    c.embed_dim = 4;
    c.hidden = 5;
    c.layers = atoi(argv[3]);
    c.bidirectional = atoi(argv[4]) == 1;
    c.reverse = atoi(argv[4]) == 2;
    c.output_size = atoi(argv[6]);
    c.loss = c.input == RECUR_INPUT_DENSE ? RECUR_LOSS_MSE : RECUR_LOSS_XENT;
    recur_model *m = NULL;
    int rc = recur_model_create(&c, strtoull(argv[7], NULL, 10), &m);
    if (!rc && argc == 10) { /* ASCII characters, one token each */
        uint32_t v[128];
        int n = 0;
        for (const char *p = argv[9]; *p && n < 128; p++)
            v[n++] = (unsigned char)*p;
        rc = recur_model_set_vocab(m, v, n);
    }
    if (!rc)
        rc = recur_model_save(m, argv[8]);
    recur_model_free(m);
    if (rc) {
        fprintf(stderr, "tool_make_model: %s\n", recur_last_error());
        return 1;
    }
    return 0;
}
