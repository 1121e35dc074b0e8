/* series_scale.c - scaling a series for a network: min-max to [0, 1] or
 * z-score, with the parameters fitted on the values given (the training
 * part only, so that nothing about the test part leaks into the model). */
#include <math.h>
#include <string.h>

#include "core/error.h"

const char *recur_scale_name(recur_scale_kind k)
{
    switch (k) {
    case RECUR_SCALE_MINMAX: return "minmax";
    case RECUR_SCALE_ZSCORE: return "zscore";
    case RECUR_SCALE_NONE: return "none";
    }
    return "?";
}

int recur_scale_parse(const char *name)
{
    if (!name)
        return -1;
    if (strcmp(name, "minmax") == 0)
        return RECUR_SCALE_MINMAX;
    if (strcmp(name, "zscore") == 0)
        return RECUR_SCALE_ZSCORE;
    if (strcmp(name, "none") == 0)
        return RECUR_SCALE_NONE;
    return -1;
}

int recur_scaler_fit(recur_scaler *sc, recur_scale_kind kind, const double *v, long n)
{
    if (!sc || !v || n < 1)
        return recur__fail(RECUR_E_INVALID, "recur_scaler_fit: no values to fit");
    if (kind != RECUR_SCALE_MINMAX && kind != RECUR_SCALE_ZSCORE &&
        kind != RECUR_SCALE_NONE)
        return recur__fail(RECUR_E_INVALID, "recur_scaler_fit: unknown scaling %d",
                          (int)kind);
    for (long i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return recur__fail(RECUR_E_INVALID, "recur_scaler_fit: value %ld is not "
                              "finite", i + 1);
    double offset = 0, scale = 1;
    if (kind == RECUR_SCALE_MINMAX) {
        double lo = v[0], hi = v[0];
        for (long i = 1; i < n; i++) {
            lo = v[i] < lo ? v[i] : lo;
            hi = v[i] > hi ? v[i] : hi;
        }
        offset = lo;
        scale = hi - lo;
    } else if (kind == RECUR_SCALE_ZSCORE) {
        double mean = 0, ss = 0;
        for (long i = 0; i < n; i++)
            mean += v[i];
        mean /= (double)n;
        for (long i = 0; i < n; i++)
            ss += (v[i] - mean) * (v[i] - mean);
        offset = mean;
        scale = sqrt(ss / (double)n);
    }
    /* A constant part (or one too flat to divide by) keeps unit scale. */
    if (!(scale > 1e-12 * (fabs(offset) > 1 ? fabs(offset) : 1)) || !isfinite(scale))
        scale = 1;
    sc->kind = kind;
    sc->offset = offset;
    sc->scale = scale;
    return RECUR_OK;
}

double recur_scaler_apply(const recur_scaler *sc, double v)
{
    return (v - sc->offset) / sc->scale;
}

double recur_scaler_invert(const recur_scaler *sc, double s)
{
    return s * sc->scale + sc->offset;
}
