/* rmse.c - what int8 weights cost a forecaster: the one-step-ahead RMSE of
 * a model trained by `recur forecast train` on the test part it held out
 * (its forecast.test_points), each window streamed from a zero state with
 * float weights and with int8 weights (recur_state_create_quantized), the
 * forecast read off the last step and turned back into the series' units.
 * The float path is checked against the library's recur_forecast_one_step.
 *   rmse MODEL SERIES.csv      prints "float RMSE", "int8 RMSE" */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "recur.h"

static void die(const char *what)
{
    fprintf(stderr, "rmse: %s: %s\n", what, recur_last_error());
    exit(1);
}

/* Forecasts for positions start .. n-1, streamed with weights q. */
static void forecasts(const recur_model *m, recur_quant q, const recur_forecast_encoding *e,
                      const double *y, const long *tix, long start, long n, double *out)
{
    int F = recur_forecast_features(e), W = e->window;
    float *x = malloc((size_t)W * (size_t)F * sizeof *x);
    recur_state *s = NULL;
    if (!x || recur_state_create_quantized(m, q, &s))
        die("state");
    for (long t = start; t < n; t++) {
        float o = 0;
        if (recur_forecast_window(e, y, tix, t, x))
            die("window");
        recur_state_reset(s);
        for (int k = 0; k < W; k++)
            if (recur_state_step(s, 0, x + (size_t)k * (size_t)F, &o))
                die("step");
        out[t - start] = recur_forecast_invert(e, y, t, o);
    }
    recur_state_free(s);
    free(x);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: rmse MODEL SERIES.csv\n");
        return 2;
    }
    recur_model *m = NULL;
    recur_series *s = NULL;
    recur_forecast_encoding e;
    if (recur_model_load(argv[1], &m) || recur_forecast_read_meta(m, &e))
        die(argv[1]);
    if (recur_series_load(argv[2], recur_model_get_meta(m, "forecast.column"), &s))
        die(argv[2]);
    const char *tp = recur_model_get_meta(m, "forecast.test_points");
    long n = recur_series_length(s), ntest = tp ? atol(tp) : 0;
    if (ntest <= 0 || ntest >= n) {
        fprintf(stderr, "rmse: %s has no usable forecast.test_points\n", argv[1]);
        return 1;
    }
    const double *y = recur_series_values(s);
    long start = n - ntest, *tix = malloc((size_t)n * sizeof *tix);
    double *lib = malloc((size_t)ntest * sizeof *lib), *f32 = malloc((size_t)ntest * sizeof *f32),
           *q8 = malloc((size_t)ntest * sizeof *q8);
    if (!tix || !lib || !f32 || !q8 || recur_forecast_time_indices(s, n, tix))
        die("memory");
    if (recur_forecast_one_step(m, &e, y, tix, start, ntest, lib))
        die("one step");
    forecasts(m, RECUR_QUANT_NONE, &e, y, tix, start, n, f32);
    forecasts(m, RECUR_QUANT_INT8, &e, y, tix, start, n, q8);
    double worst = 0;
    recur_forecast_errors ef, eq;
    for (long i = 0; i < ntest; i++)
        worst = fmax(worst, fabs(f32[i] - lib[i]) / fmax(1, fabs(lib[i])));
    if (recur_forecast_metrics(y + start, f32, ntest, &ef) ||
        recur_forecast_metrics(y + start, q8, ntest, &eq))
        die("metrics");
    printf("%ld test points; streamed float vs recur_forecast_one_step: %.1e\n", ntest, worst);
    printf("float RMSE %.4f\nint8  RMSE %.4f\n", ef.rmse, eq.rmse);
    free(tix), free(lib), free(f32), free(q8);
    recur_series_free(s);
    recur_model_free(m);
    return worst < 1e-4 ? 0 : 1;
}
