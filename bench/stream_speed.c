/* stream_speed.c - streaming inference, batch 1, one time step per call:
 *   stream_speed CELL HIDDEN STEPS REPS [cpu]
 * A model with input 1, one recurrent layer of HIDDEN units and Dense(1)
 * (the real-time audio / sensor shape) runs over a STEPS-long signal, REPS
 * times, two ways: recur_state_step per sample (the stream), and recur_forward
 * over the whole sequence at once. Prints tab-separated lines
 * "stream CONFIG IMPL s_per_48k SECONDS": the median time scaled to 48,000
 * steps (one second of audio at 48 kHz), i.e. the real-time factor. With
 * "cpu", times are the thread's CPU time (single-threaded models only: for
 * A/B comparisons on a machine loaded by other work). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "timing.h"
#include "recur.h"

int main(int argc, char **argv)
{
    if (argc < 5 || argc > 6 || recur_cell_parse(argv[1]) < 0) {
        fprintf(stderr, "usage: stream_speed CELL HIDDEN STEPS REPS [cpu]\n");
        return 2;
    }
    int H = atoi(argv[2]), T = atoi(argv[3]), reps = atoi(argv[4]);
    double (*now)(void) = argc == 6 ? bench_thread_cpu : bench_now;
    if (H < 1 || T < 1 || reps < 1 || reps > 100) {
        fprintf(stderr, "stream_speed: bad sizes\n");
        return 2;
    }
    recur_config c;
    recur_config_default(&c);
    c.cell = (recur_cell)recur_cell_parse(argv[1]);
    c.input = RECUR_INPUT_DENSE;
    c.input_size = 1;
    c.hidden = H;
    c.layers = 1;
    c.output_size = 1;
    c.loss = RECUR_LOSS_MSE;
    recur_model *m;
    recur_state *s;
    if (recur_model_create(&c, 1, &m) || recur_state_create(m, &s)) {
        fprintf(stderr, "stream_speed: %s\n", recur_last_error());
        return 1;
    }
    float *x = malloc((size_t)T * sizeof *x), *y = malloc((size_t)T * sizeof *y);
    for (int t = 0; t < T; t++) /* a 440 Hz tone with a little deterministic noise */
        x[t] = (float)(0.5 * sin(2 * M_PI * 440.0 * t / 48000.0) +
                       0.01 * ((t * 7919 % 1000) / 500.0 - 1));
    double step[100], seq[100], check = 0;
    for (int r = 0; r < reps; r++) {
        recur_state_reset(s);
        double a = now();
        for (int t = 0; t < T; t++)
            if (recur_state_step(s, 0, x + t, y + t))
                return 1;
        step[r] = (now() - a) * 48000.0 / T;
        check += y[T - 1];
        a = now();
        if (recur_forward(m, T, 1, NULL, x, y)) {
            fprintf(stderr, "stream_speed: %s\n", recur_last_error());
            return 1;
        }
        seq[r] = (now() - a) * 48000.0 / T;
        check -= y[T - 1];
    }
    if (!(fabs(check) < 1e-4 * reps)) { /* both ways must agree */
        fprintf(stderr, "stream_speed: step and sequence outputs differ\n");
        return 1;
    }
    printf("stream\t%s h%d\trecur-step\ts_per_48k\t%.5f\n", argv[1], H, bench_median(step, reps));
    printf("stream\t%s h%d\trecur-seq\ts_per_48k\t%.5f\n", argv[1], H, bench_median(seq, reps));
    free(x);
    free(y);
    recur_state_free(s);
    recur_model_free(m);
    return 0;
}
