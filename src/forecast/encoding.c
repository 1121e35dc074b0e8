/* encoding.c - a series as network inputs and back: log, differencing over
 * a lag, scaling fitted on the training part, and the phase in the season
 * as a sine and cosine (so that December is next to January). */
#include "forecast/encoding.h"

#include <math.h>
#include <stdlib.h>

#include "core/error.h"

#define PI 3.14159265358979323846

int recur__forecast_check(const recur_forecast_encoding *e, const char *fn)
{
    if (!e)
        return recur_fail(RECUR_E_INVALID, "%s: no encoding", fn);
    if (e->window < 1 || e->window > RECUR_FORECAST_MAX_WINDOW)
        return recur_fail(RECUR_E_INVALID, "%s: window %d is outside 1..%d", fn, e->window,
                          RECUR_FORECAST_MAX_WINDOW);
    if (e->season < 1 || e->season > RECUR_FORECAST_MAX_SEASON)
        return recur_fail(RECUR_E_INVALID, "%s: season %d is outside 1..%d", fn, e->season,
                          RECUR_FORECAST_MAX_SEASON);
    if (e->diff < 0 || e->diff > RECUR_FORECAST_MAX_DIFF)
        return recur_fail(RECUR_E_INVALID, "%s: difference lag %d is outside 0..%d", fn,
                          e->diff, RECUR_FORECAST_MAX_DIFF);
    if ((e->season_input != 0 && e->season_input != 1) || (e->log != 0 && e->log != 1))
        return recur_fail(RECUR_E_INVALID, "%s: season_input and log must be 0 or 1", fn);
    const recur_scaler *sc = &e->scaler;
    if ((sc->kind != RECUR_SCALE_MINMAX && sc->kind != RECUR_SCALE_ZSCORE &&
         sc->kind != RECUR_SCALE_NONE) ||
        !isfinite(sc->offset) || !(sc->scale > 0) || !isfinite(sc->scale))
        return recur_fail(RECUR_E_INVALID, "%s: the scaler is not fitted (kind %d, offset "
                          "%g, scale %g; the scale must be finite and > 0)", fn,
                          (int)sc->kind, sc->offset, sc->scale);
    return RECUR_OK;
}

int recur__forecast_check_positive(const recur_forecast_encoding *e, const double *y, long n,
                                   const char *fn)
{
    for (long i = 0; e->log && i < n; i++)
        if (!(y[i] > 0))
            return recur_fail(RECUR_E_INVALID, "%s: a log encoding needs positive values, "
                              "but position %ld holds %g", fn, i, y[i]);
    return RECUR_OK;
}

static double level(const recur_forecast_encoding *e, double v)
{
    return e->log ? log(v) : v;
}

double recur__forecast_value(const recur_forecast_encoding *e, const double *y, long j)
{
    double z = level(e, y[j]);
    return e->diff ? z - level(e, y[j - e->diff]) : z;
}

int recur_forecast_features(const recur_forecast_encoding *e)
{
    return e && e->season_input ? 3 : 1;
}

int recur_forecast_fit(recur_forecast_encoding *e, recur_scale_kind kind, const double *y,
                       long ntrain)
{
    static const char fn[] = "recur_forecast_fit";
    if (!e || !y)
        return recur_fail(RECUR_E_INVALID, "%s: no encoding or no values", fn);
    /* check the fields the fit does not set, with a placeholder scaler */
    recur_forecast_encoding probe = *e;
    probe.scaler.kind = kind;
    probe.scaler.offset = 0;
    probe.scaler.scale = 1;
    int rc = recur__forecast_check(&probe, fn);
    if (rc)
        return rc;
    if (ntrain <= e->diff)
        return recur_fail(RECUR_E_INVALID, "%s: %ld training values leave nothing to fit "
                          "after a difference lag of %d", fn, ntrain, e->diff);
    if ((rc = recur__forecast_check_positive(e, y, ntrain, fn)))
        return rc;
    double *tv = malloc((size_t)(ntrain - e->diff) * sizeof *tv);
    if (!tv)
        return recur_fail(RECUR_E_NOMEM, "%s: out of memory for %ld values", fn, ntrain);
    for (long j = e->diff; j < ntrain; j++)
        tv[j - e->diff] = recur__forecast_value(e, y, j);
    rc = recur_scaler_fit(&e->scaler, kind, tv, ntrain - e->diff);
    free(tv);
    return rc;
}

int recur_forecast_encode(const recur_forecast_encoding *e, const double *y, long n,
                          double *z)
{
    static const char fn[] = "recur_forecast_encode";
    int rc = recur__forecast_check(e, fn);
    if (rc)
        return rc;
    if (!y || !z || n < e->diff)
        return recur_fail(RECUR_E_INVALID, "%s: no values, or fewer than the lag %d", fn,
                          e->diff);
    if ((rc = recur__forecast_check_positive(e, y, n, fn)))
        return rc;
    for (long j = e->diff; j < n; j++)
        z[j - e->diff] = recur_scaler_apply(&e->scaler, recur__forecast_value(e, y, j));
    return RECUR_OK;
}

double recur_forecast_invert(const recur_forecast_encoding *e, const double *y, long t,
                             double out)
{
    double z = recur_scaler_invert(&e->scaler, out);
    if (e->diff)
        z += level(e, y[t - e->diff]);
    if (e->log)
        z = exp(z < 700 ? z : 700);
    return z;
}

void recur__forecast_window(const recur_forecast_encoding *e, const double *y,
                            const long *tix, long t, float *x)
{
    int F = recur_forecast_features(e);
    for (int k = 0; k < e->window; k++) {
        long j = t - e->window + k;
        x[k * F] = (float)recur_scaler_apply(&e->scaler, recur__forecast_value(e, y, j));
        if (e->season_input) {
            long ti = tix ? tix[j] : j;
            double ph = 2 * PI * (double)(((ti % e->season) + e->season) % e->season) /
                        e->season;
            x[k * F + 1] = (float)sin(ph);
            x[k * F + 2] = (float)cos(ph);
        }
    }
}

int recur_forecast_window(const recur_forecast_encoding *e, const double *y, const long *tix,
                          long t, float *x)
{
    static const char fn[] = "recur_forecast_window";
    int rc = recur__forecast_check(e, fn);
    if (rc)
        return rc;
    if (!y || !x)
        return recur_fail(RECUR_E_INVALID, "%s: no values or no output", fn);
    if (t < (long)e->window + e->diff)
        return recur_fail(RECUR_E_INVALID, "%s: position %ld has fewer than the window %d "
                          "plus the lag %d before it", fn, t, e->window, e->diff);
    if ((rc = recur__forecast_check_positive(e, y + t - e->window - e->diff,
                                             (long)e->window + e->diff, fn)))
        return rc;
    recur__forecast_window(e, y, tix, t, x);
    return RECUR_OK;
}
