/* bpc.c - what int8 weights cost a character model: bits per character of
 * the last FRACTION of a text (the part `recur train --val` held out),
 * streamed once with float weights and once with int8 weights
 * (recur_state_create_quantized), from a zero state.
 *   bpc MODEL TEXT [FRACTION]      prints "float BPC" and "int8 BPC" */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "recur.h"

static double bits(const recur_model *m, recur_quant q, const int32_t *tok, long n)
{
    const recur_config *c = recur_model_get_config(m);
    recur_state *s = NULL;
    float *y = malloc((size_t)c->output_size * sizeof *y);
    if (!y || recur_state_create_quantized(m, q, &s)) {
        fprintf(stderr, "bpc: %s\n", recur_last_error());
        exit(1);
    }
    double nats = 0;
    for (long i = 0; i + 1 < n; i++) {
        if (recur_state_step(s, tok[i], NULL, y)) {
            fprintf(stderr, "bpc: %s\n", recur_last_error());
            exit(1);
        }
        double mx = y[0], z = 0;
        for (int k = 1; k < c->output_size; k++)
            mx = fmax(mx, y[k]);
        for (int k = 0; k < c->output_size; k++)
            z += exp(y[k] - mx);
        nats += mx + log(z) - y[tok[i + 1]];
    }
    recur_state_free(s);
    free(y);
    return nats / (double)(n - 1) / log(2.0);
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: bpc MODEL TEXT [FRACTION]\n");
        return 2;
    }
    double frac = argc == 4 ? atof(argv[3]) : 0.05;
    recur_model *m = NULL;
    recur_text *t = NULL;
    if (recur_model_load(argv[1], &m) || recur_text_load(argv[2], m, &t)) {
        fprintf(stderr, "bpc: %s\n", recur_last_error());
        return 1;
    }
    long n;
    const int32_t *tok = recur_text_tokens(t, &n);
    long start = n - (long)(frac * (double)n);
    printf("float %.4f\n", bits(m, RECUR_QUANT_NONE, tok + start, n - start));
    printf("int8 %.4f\n", bits(m, RECUR_QUANT_INT8, tok + start, n - start));
    recur_text_free(t);
    recur_model_free(m);
    return 0;
}
