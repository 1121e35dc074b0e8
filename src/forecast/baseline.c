/* baseline.c - what a forecaster must beat (the last value; the value one
 * season before) and the errors that say by how much (RMSE, MAE). */
#include <math.h>

#include "core/error.h"
#include "forecast/encoding.h"

int recur_forecast_last_value(const double *y, long start, long count, int recursive,
                              double *out)
{
    if (!y || !out || start < 1 || count < 0)
        return recur__fail(RECUR_E_INVALID, "recur_forecast_last_value: no values, or "
                          "start %ld < 1", start);
    for (long h = 0; h < count; h++)
        out[h] = recursive ? y[start - 1] : y[start + h - 1];
    return RECUR_OK;
}

int recur_forecast_seasonal_naive(const double *y, long start, long count, int season,
                                  int recursive, double *out)
{
    if (!y || !out || count < 0 || season < 1 || start < season)
        return recur__fail(RECUR_E_INVALID, "recur_forecast_seasonal_naive: no values, or "
                          "a season of %d that is not in 1..start (%ld)", season, start);
    for (long h = 0; h < count; h++)
        out[h] = recursive ? y[start - season + h % season] : y[start + h - season];
    return RECUR_OK;
}

int recur_forecast_metrics(const double *truth, const double *pred, long n,
                           recur_forecast_errors *out)
{
    if (!truth || !pred || !out || n < 1)
        return recur__fail(RECUR_E_INVALID, "recur_forecast_metrics: no values");
    double se = 0, ae = 0;
    for (long i = 0; i < n; i++) {
        double d = pred[i] - truth[i];
        se += d * d;
        ae += fabs(d);
    }
    out->rmse = sqrt(se / (double)n);
    out->mae = ae / (double)n;
    return RECUR_OK;
}
