/* tool_forward.c - a test helper: load a model and print its outputs for
 * inputs read from a file, so that other tools (tests/torch_export_test.sh)
 * can compare recur with PyTorch.
 *
 *   tool_forward MODEL INPUT [--step]
 *
 * INPUT is text: "T B", then T*B token ids (one-hot and embedding models)
 * or T*B*input_size numbers (dense models), time-major ([T][B][...]).
 * Prints the outputs of recur_forward, one per line with %.9g: [T][B][O]
 * (or [B][O] for a last/mean readout), O = output_size, or D*hidden for an
 * encoder without a dense layer. With --step, each of the B sequences is
 * run through its own recur_state with recur_state_step instead (unidirectional
 * per-step models with a dense layer only).
 * Errors: one line on stderr, exit status 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recur.h"

static int fail(const char *what, const char *detail)
{
    fprintf(stderr, "tool_forward: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    return 1;
}

/* recur_state_step over each sequence b of the batch into y[T][B][O]. */
static int run_steps(const recur_model *m, int T, int B, const int32_t *tok,
                     const float *x, float *y)
{
    const recur_config *c = recur_model_get_config(m);
    int dense = c->input == RECUR_INPUT_DENSE, I = c->input_size, O = c->output_size;
    float *out = malloc((size_t)O * sizeof *out);
    recur_state *s = NULL;
    int rc = out ? recur_state_create(m, &s) : RECUR_E_NOMEM;
    for (int b = 0; !rc && b < B; b++) {
        recur_state_reset(s);
        for (int t = 0; !rc && t < T; t++) {
            long r = (long)t * B + b;
            rc = recur_state_step(s, dense ? 0 : tok[r], dense ? x + r * I : NULL, out);
            if (!rc)
                memcpy(y + r * O, out, (size_t)O * sizeof *out);
        }
    }
    recur_state_free(s);
    free(out);
    return rc;
}

int main(int argc, char **argv)
{
    int step = argc == 4 && strcmp(argv[3], "--step") == 0;
    if (argc != 3 && !step)
        return fail("usage: tool_forward MODEL INPUT [--step]", NULL);
    recur_model *m = NULL;
    if (recur_model_load(argv[1], &m))
        return fail("cannot load the model", recur_last_error());
    const recur_config *c = recur_model_get_config(m);
    int pooled = c->readout != RECUR_READOUT_SEQUENCE;
    long O = c->output_size ? c->output_size : (long)(c->proj ? c->proj : c->hidden) * (c->bidirectional ? 2 : 1);
    if (step && (pooled || !c->output_size)) {
        recur_model_free(m);
        return fail("--step needs a per-step model with a dense layer", NULL);
    }
    FILE *f = fopen(argv[2], "r");
    int T = 0, B = 0, rc = 1;
    int32_t *tok = NULL;
    float *x = NULL, *y = NULL;
    if (!f || fscanf(f, "%d %d", &T, &B) != 2 || T < 1 || B < 1 || (double)T * B > 1e6) {
        fail("cannot read T and B (1..10^6 values) from", argv[2]);
        goto done;
    }
    long TB = (long)T * B, nx = c->input == RECUR_INPUT_DENSE ? TB * c->input_size : 0;
    tok = malloc((size_t)TB * sizeof *tok);
    x = malloc((size_t)(nx ? nx : 1) * sizeof *x);
    long ny = (pooled ? B : TB) * O;
    y = malloc((size_t)ny * sizeof *y);
    if (!tok || !x || !y) {
        fail("out of memory", NULL);
        goto done;
    }
    for (long i = 0; i < (nx ? nx : TB); i++) {
        int ok = nx ? fscanf(f, "%f", &x[i]) == 1 : fscanf(f, "%d", &tok[i]) == 1;
        if (!ok) {
            fail("too few or malformed input values in", argv[2]);
            goto done;
        }
    }
    int r = step ? run_steps(m, T, B, tok, x, y) : recur_forward(m, T, B, tok, x, y);
    if (r) {
        fail(step ? "recur_state_step failed" : "recur_forward failed", recur_last_error());
        goto done;
    }
    for (long i = 0; i < ny; i++)
        printf("%.9g\n", (double)y[i]);
    rc = 0;
done:
    if (f)
        fclose(f);
    free(tok);
    free(x);
    free(y);
    recur_model_free(m);
    return rc;
}
