/* export_step.c - the generated C (recur_export_c) against recur_state_step on
 * this machine, and what denormals cost a step.
 *
 *   export_step CELL HIDDEN STEPS REPS
 *     A model of the streaming benchmark's shape (input 1, one layer of
 *     HIDDEN units, Dense(1)) runs over a STEPS-long signal, REPS times,
 *     four ways, interleaved: recur_state_step on float weights, recur_state_step on
 *     int8 weights (recur_state_create_quantized), and the generated C
 *     with float and with int8 weights, compiled with `cc -O2` (what a
 *     user's build would do; no -march) into a shared object and called
 *     through dlopen. Prints "export CONFIG IMPL ns_per_step MEDIAN".
 *
 *   export_step denormal HIDDEN
 *     A relu RNN whose state shrinks by 0.9 per step (W_hh = 0.9·I, no
 *     biases) falls silent after a loud input and decays through the
 *     denormal range. Times each step of the decay with recur_state_step
 *     (whose kernels flush states below FLT_MIN to zero) and with a plain C
 *     step of the same model that flushes nothing (the dense H×H product
 *     and the relu, here), and prints each one's median ns per step over
 *     the steps where the unflushed state was denormal, and over as many
 *     normal steps before them: what denormals cost this CPU, and that
 *     recur's step does not pay it.
 *
 * Needs a C compiler named cc at run time (first mode). */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* M_PI */
#include <dlfcn.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recur.h"
#include "timing.h"

typedef int (*gen_step)(void *s, const float *x, float *y);
typedef void (*gen_reset)(void *s);

/* The relu RNN step of `denormal` in plain C, flushing nothing: h ← relu(w_ih·x
 * + W_hh·h) (no biases), y = Σ h. The compiler's code for the same sums as
 * recur's kernel, and what denormal operands cost it on this CPU. */
static float plain_relu_step(int H, const float *wih, const float *whh, float x, float *h,
                             float *tmp)
{
    for (int i = 0; i < H; i++) {
        float a = wih[i] * x;
        for (int j = 0; j < H; j++)
            a += whh[(long)i * H + j] * h[j];
        tmp[i] = a > 0 ? a : 0;
    }
    float y = 0;
    for (int i = 0; i < H; i++)
        y += (h[i] = tmp[i]);
    return y;
}

static recur_model *model(recur_cell cell, int H)
{
    recur_config c;
    recur_config_default(&c);
    c.cell = cell;
    c.input = RECUR_INPUT_DENSE;
    c.input_size = 1, c.hidden = H, c.layers = 1, c.output_size = 1;
    c.loss = RECUR_LOSS_MSE;
    recur_model *m = NULL;
    if (recur_model_create(&c, 1, &m)) {
        fprintf(stderr, "export_step: %s\n", recur_last_error());
        exit(1);
    }
    return m;
}

/* Export, compile to DIR/P.so, dlopen: P_step and P_reset. */
static void *load_generated(const recur_model *m, const char *dir, const char *p,
                            recur_quant q, gen_step *step, gen_reset *reset)
{
    char base[256], cmd[1024], sym[64];
    snprintf(base, sizeof base, "%s/%s", dir, p);
    if (recur_export_c(m, base, p, q)) {
        fprintf(stderr, "export_step: %s\n", recur_last_error());
        exit(1);
    }
    snprintf(cmd, sizeof cmd, "cc -std=c99 -O2 -shared -fPIC -o %s.so %s.c", base, base);
    if (system(cmd) != 0) {
        fprintf(stderr, "export_step: `%s` failed\n", cmd);
        exit(1);
    }
    snprintf(cmd, sizeof cmd, "%s.so", base);
    void *h = dlopen(cmd, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "export_step: %s\n", dlerror());
        exit(1);
    }
    snprintf(sym, sizeof sym, "%s_step", p);
    *(void **)step = dlsym(h, sym);
    snprintf(sym, sizeof sym, "%s_reset", p);
    *(void **)reset = dlsym(h, sym);
    if (!*step || !*reset) {
        fprintf(stderr, "export_step: missing symbols in %s\n", cmd);
        exit(1);
    }
    return h;
}

static int speed(const char *cellname, int H, int T, int reps)
{
    recur_model *m = model((recur_cell)recur_cell_parse(cellname), H);
    char dir[] = "/tmp/recur_bench_XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    gen_step gs[2];
    gen_reset gr[2];
    void *so[2];
    so[0] = load_generated(m, dir, "gf", RECUR_QUANT_NONE, &gs[0], &gr[0]);
    so[1] = load_generated(m, dir, "gq", RECUR_QUANT_INT8, &gs[1], &gr[1]);
    recur_state *s[2];
    if (recur_state_create(m, &s[0]) ||
        recur_state_create_quantized(m, RECUR_QUANT_INT8, &s[1]))
        return 1;
    /* the generated state: at most 2·H floats (LSTM) */
    float *gstate = calloc((size_t)2 * H, sizeof *gstate);
    float *x = malloc((size_t)T * sizeof *x), y, ylib[2] = {0, 0};
    for (int t = 0; t < T; t++)
        x[t] = (float)(0.5 * sin(2 * M_PI * 440.0 * t / 48000.0));
    double *tm[4];
    for (int k = 0; k < 4; k++)
        tm[k] = malloc((size_t)reps * sizeof(double));
    for (int r = 0; r < reps; r++)
        for (int k = 0; k < 4; k++) {
            int q = k % 2;
            double a = bench_now();
            if (k < 2) {
                recur_state_reset(s[q]);
                for (int t = 0; t < T; t++)
                    recur_state_step(s[q], 0, x + t, &y);
                ylib[q] = y;
            } else {
                gr[q](gstate);
                for (int t = 0; t < T; t++)
                    gs[q](gstate, x + t, &y);
            }
            tm[k][r] = (bench_now() - a) * 1e9 / T;
            if (k >= 2 && !(fabsf(ylib[q] - y) <= 1e-5f * fmaxf(1, fabsf(ylib[q])))) {
                fprintf(stderr, "export_step: generated and library outputs differ\n");
                return 1;
            }
        }
    static const char *names[4] = {"recur-step", "recur-step-int8", "generated-c",
                                   "generated-c-int8"};
    for (int k = 0; k < 4; k++)
        printf("export\t%s h%d\t%s\tns_per_step\t%.1f\n", cellname, H, names[k],
               bench_median(tm[k], reps));
    for (int k = 0; k < 4; k++)
        free(tm[k]);
    for (int q = 0; q < 2; q++)
        recur_state_free(s[q]), dlclose(so[q]);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "export_step: could not remove %s\n", dir);
    free(x), free(gstate);
    recur_model_free(m);
    return 0;
}

static int denormal(int H)
{
    recur_model *m = model(RECUR_RNN_RELU, H);
    float *whh = calloc((size_t)H * H, sizeof *whh), *v = malloc((size_t)H * sizeof *v);
    for (int i = 0; i < H; i++)
        whh[(long)i * H + i] = 0.9f, v[i] = 1;
    recur_model_set_tensor(m, "rnn.weight_ih_l0", v, H);
    recur_model_set_tensor(m, "rnn.weight_hh_l0", whh, (long)H * H);
    for (int i = 0; i < H; i++)
        v[i] = 0;
    recur_model_set_tensor(m, "rnn.bias_ih_l0", v, H);
    recur_model_set_tensor(m, "rnn.bias_hh_l0", v, H);
    enum { N = 1800 };
    static double t_recur[N], t_plain[N];
    static int is_denormal[N];
    recur_state *s;
    if (recur_state_create(m, &s))
        return 1;
    float *wih = malloc((size_t)H * sizeof *wih), *h = calloc((size_t)H, sizeof *h),
          *tmp = malloc((size_t)H * sizeof *tmp);
    for (int i = 0; i < H; i++)
        wih[i] = 1;
    volatile float sink = 0;
    for (int pass = 0; pass < 2; pass++) {
        float x = 1e30f, y;
        recur_state_reset(s);
        for (int t = 0; t < N; t++) {
            double a = bench_now();
            if (pass == 0)
                recur_state_step(s, 0, &x, &y);
            else
                y = plain_relu_step(H, wih, whh, x, h, tmp);
            double d = (bench_now() - a) * 1e9;
            sink += y;
            x = 0;
            (pass ? t_plain : t_recur)[t] = d;
            if (pass == 1)
                is_denormal[t] = h[0] != 0 && fabsf(h[0]) < FLT_MIN;
        }
    }
    /* the denormal window of the unflushed run, and as many normal steps before */
    static double a[N], b[N], c[N], d[N];
    int na = 0, first = -1;
    for (int t = 0; t < N; t++)
        if (is_denormal[t]) {
            first = first < 0 ? t : first;
            a[na] = t_plain[t], b[na] = t_recur[t], na++;
        }
    if (na == 0) {
        fprintf(stderr, "export_step: the state never went denormal\n");
        return 1;
    }
    int nc = 0;
    for (int t = first - na; t < first; t++)
        c[nc] = t_plain[t], d[nc] = t_recur[t], nc++;
    printf("denormal\trelu h%d\tplain-c-no-flush\tdenormal-steps\t%d\tns_per_step\t%.1f\t"
           "normal\t%.1f\n", H, na, bench_median(a, na), bench_median(c, nc));
    printf("denormal\trelu h%d\trecur-state-step\tsame-steps\t%d\tns_per_step\t%.1f\t"
           "normal\t%.1f\n", H, na, bench_median(b, na), bench_median(d, nc));
    free(whh), free(v), free(wih), free(h), free(tmp);
    recur_state_free(s);
    recur_model_free(m);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "denormal") == 0)
        return denormal(atoi(argv[2]));
    if (argc != 5 || recur_cell_parse(argv[1]) < 0 || atoi(argv[2]) < 1 ||
        atoi(argv[3]) < 1 || atoi(argv[4]) < 1) {
        fprintf(stderr, "usage: export_step CELL HIDDEN STEPS REPS | export_step denormal HIDDEN\n");
        return 2;
    }
    return speed(argv[1], atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
}
