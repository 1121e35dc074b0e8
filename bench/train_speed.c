/* train_speed.c - training throughput of a char-LM on the bundled corpus:
 *   train_speed CELL HIDDEN LAYERS BATCH SEQ STEPS [TEXT]
 * prints tokens/s (median of the per-step rates after one warm-up step). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "recur.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: train_speed CELL HIDDEN LAYERS BATCH SEQ STEPS [TEXT]\n");
        return 2;
    }
    recur_text *text;
    if (recur_text_load(argc > 7 ? argv[7] : "data/austen.txt", NULL, &text)) {
        fprintf(stderr, "%s\n", recur_last_error());
        return 1;
    }
    long n;
    const int32_t *tok = recur_text_tokens(text, &n);
    int nv;
    recur_text_vocab(text, &nv);
    recur_config c;
    recur_config_default(&c);
    c.cell = (recur_cell)recur_cell_parse(argv[1]);
    c.hidden = atoi(argv[2]);
    c.layers = atoi(argv[3]);
    c.input_size = c.output_size = nv;
    recur_model *m;
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.batch = atoi(argv[4]);
    tc.seq_len = atoi(argv[5]);
    int steps = atoi(argv[6]);
    recur_trainer *tr;
    if (recur_model_create(&c, 1, &m) || recur_trainer_create(m, &tc, tok, n, &tr)) {
        fprintf(stderr, "%s\n", recur_last_error());
        return 1;
    }
    double *rate = malloc((size_t)steps * sizeof *rate);
    recur_batch_stats st;
    recur_trainer_step(tr, &st);
    double t0 = now();
    for (int i = 0; i < steps; i++) {
        double a = now();
        recur_trainer_step(tr, &st);
        rate[i] = st.tokens / (now() - a);
    }
    double total = now() - t0;
    qsort(rate, (size_t)steps, sizeof *rate, cmp);
    printf("%s %dx%d B=%d T=%d: median %.0f tok/s, mean %.0f tok/s, loss %.3f\n",
           argv[1], c.layers, c.hidden, tc.batch, tc.seq_len, rate[steps / 2],
           (double)steps * tc.batch * tc.seq_len / total, st.loss);
    free(rate);
    recur_trainer_free(tr);
    recur_model_free(m);
    recur_text_free(text);
    return 0;
}
