/* accuracy.c - what int8 weights cost a classifier: the accuracy of a
 * LAST-readout classifier (`recur classify train ... --readout last`) on
 * the test part of its TSV file (the same seeded, stratified split as the
 * CLI: --test-split 0.2, --seed 1, the first 400 characters of each text),
 * each text streamed from a zero state with float weights and with int8
 * weights (recur_state_create_quantized), the class read off the last step.
 *   accuracy MODEL DATA.tsv      prints "float ACC" and "int8 ACC" */
#include <stdio.h>
#include <stdlib.h>

#include "recur.h"

static double accuracy(const recur_model *m, recur_quant q, const recur_dataset *ds)
{
    int O = recur_model_get_config(m)->output_size;
    float *y = malloc((size_t)O * sizeof *y);
    recur_state *s = NULL;
    if (!y || recur_state_create_quantized(m, q, &s)) {
        fprintf(stderr, "accuracy: %s\n", recur_last_error());
        exit(1);
    }
    long right = 0;
    for (long i = 0; i < ds->count; i++) {
        recur_state_reset(s);
        for (long k = ds->offsets[i]; k < ds->offsets[i + 1]; k++)
            if (recur_state_step(s, ds->tokens[k], NULL, y)) {
                fprintf(stderr, "accuracy: %s\n", recur_last_error());
                exit(1);
            }
        int best = 0;
        for (int o = 1; o < O; o++)
            if (y[o] > y[best])
                best = o;
        right += best == ds->labels[i];
    }
    recur_state_free(s);
    free(y);
    return (double)right / (double)ds->count;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: accuracy MODEL DATA.tsv\n");
        return 2;
    }
    recur_model *m = NULL;
    recur_tsv *t = NULL;
    if (recur_model_load(argv[1], &m) || recur_tsv_load(argv[2], RECUR_TSV_ESCAPES, &t)) {
        fprintf(stderr, "accuracy: %s\n", recur_last_error());
        return 1;
    }
    long n = recur_tsv_count(t), ntrain, ntest;
    long *train = malloc((size_t)n * sizeof *train), *test = malloc((size_t)n * sizeof *test);
    recur_dataset ds;
    if (!train || !test || recur_tsv_split(t, 0.2, 1, 1, train, &ntrain, test, &ntest) ||
        recur_tsv_dataset(t, test, ntest, m, 400, &ds, NULL)) {
        fprintf(stderr, "accuracy: %s\n", recur_last_error());
        return 1;
    }
    printf("test examples %ld\n", ntest);
    printf("float %.4f\n", accuracy(m, RECUR_QUANT_NONE, &ds));
    printf("int8 %.4f\n", accuracy(m, RECUR_QUANT_INT8, &ds));
    recur_tsv_dataset_free(&ds);
    free(train), free(test);
    recur_tsv_free(t);
    recur_model_free(m);
    return 0;
}
