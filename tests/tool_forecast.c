/* tool_forecast.c - a test helper: a C program that forecasts with a model
 * trained by `recur forecast train --save`, through the public API only
 * (recur_model_load, recur_forecast_read_meta, recur_series_load,
 * recur_forecast_beyond), printing what `recur forecast predict` prints, so
 * that tests/forecast_c_test.sh can compare the two byte for byte.
 *
 *   tool_forecast MODEL SERIES.csv HORIZON
 *
 * Errors: one line on stderr, exit status 1. */
#include <stdio.h>
#include <stdlib.h>

#include "recur.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "tool_forecast: usage: tool_forecast MODEL SERIES.csv HORIZON\n");
        return 1;
    }
    long horizon = strtol(argv[3], NULL, 10);
    recur_model *m = NULL;
    recur_series *s = NULL;
    recur_forecast_encoding e;
    double *out = horizon > 0 ? malloc((size_t)horizon * sizeof *out) : NULL;
    int code = 1;
    if (!out)
        fprintf(stderr, "tool_forecast: bad horizon '%s'\n", argv[3]);
    else if (recur_model_load(argv[1], &m) || recur_forecast_read_meta(m, &e))
        fprintf(stderr, "tool_forecast: %s: %s\n", argv[1], recur_last_error());
    else if (recur_series_load(argv[2], recur_model_get_meta(m, "forecast.column"), &s) ||
             recur_forecast_beyond(m, &e, s, horizon, out))
        fprintf(stderr, "tool_forecast: %s: %s\n", argv[2], recur_last_error());
    else
        code = 0;
    if (!code) {
        printf("%s,forecast\n", recur_series_time_name(s));
        for (long h = 0; h < horizon; h++) {
            char label[64];
            recur_series_time_after(s, h + 1, label, sizeof label);
            printf("%s,%.10g\n", label, out[h]);
        }
    }
    free(out);
    recur_series_free(s);
    recur_model_free(m);
    return code;
}
