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
        return recur__fail(RECUR_E_INVALID, "%s: no encoding", fn);
    if (e->window < 1 || e->window > RECUR_FORECAST_MAX_WINDOW)
        return recur__fail(RECUR_E_INVALID, "%s: window %d is outside 1..%d", fn, e->window,
                          RECUR_FORECAST_MAX_WINDOW);
    if (e->season < 1 || e->season > RECUR_FORECAST_MAX_SEASON)
        return recur__fail(RECUR_E_INVALID, "%s: season %d is outside 1..%d", fn, e->season,
                          RECUR_FORECAST_MAX_SEASON);
    if (e->diff < 0 || e->diff > RECUR_FORECAST_MAX_DIFF)
        return recur__fail(RECUR_E_INVALID, "%s: difference lag %d is outside 0..%d", fn,
                          e->diff, RECUR_FORECAST_MAX_DIFF);
    if ((e->season_input != 0 && e->season_input != 1) || (e->log != 0 && e->log != 1) ||
        (e->es != 0 && e->es != 1))
        return recur__fail(RECUR_E_INVALID, "%s: season_input, log and es must be 0 or 1", fn);
    if (e->es && e->diff)
        return recur__fail(RECUR_E_INVALID, "%s: es normalises by the level instead of "
                          "differencing: give diff 0 with es", fn);
    if (e->es && (!(e->es_alpha > 0 && e->es_alpha <= 1) ||
                  !(e->es_gamma >= 0 && e->es_gamma <= 1)))
        return recur__fail(RECUR_E_INVALID, "%s: es smoothing constants alpha %g (0 < alpha "
                          "<= 1) and gamma %g (0 <= gamma <= 1) are out of range", fn,
                          e->es_alpha, e->es_gamma);
    const recur_scaler *sc = &e->scaler;
    if ((sc->kind != RECUR_SCALE_MINMAX && sc->kind != RECUR_SCALE_ZSCORE &&
         sc->kind != RECUR_SCALE_NONE) ||
        !isfinite(sc->offset) || !(sc->scale > 0) || !isfinite(sc->scale))
        return recur__fail(RECUR_E_INVALID, "%s: the scaler is not fitted (kind %d, offset "
                          "%g, scale %g; the scale must be finite and > 0)", fn,
                          (int)sc->kind, sc->offset, sc->scale);
    return RECUR_OK;
}

int recur__forecast_check_positive(const recur_forecast_encoding *e, const double *y, long n,
                                   const char *fn)
{
    for (long i = 0; e->log && i < n; i++)
        if (!(y[i] > 0))
            return recur__fail(RECUR_E_INVALID, "%s: a log encoding needs positive values, "
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

long recur__forecast_first(const recur_forecast_encoding *e)
{
    if (e->es)
        return e->window > e->season ? e->window : e->season;
    return (long)e->window + e->diff;
}

int recur__forecast_states(const recur_forecast_encoding *e, const double *y, long n, long cap,
                           recur__es *st)
{
    st->n = 0;
    st->level = st->index = st->s_at = NULL;
    if (!e->es)
        return RECUR_OK;
    return recur__es_run(e, y, n, cap, st);
}

double recur__forecast_target(const recur_forecast_encoding *e, const double *y,
                              const recur__es *st, long t)
{
    if (!e->es)
        return recur_scaler_apply(&e->scaler, recur__forecast_value(e, y, t));
    return recur_scaler_apply(&e->scaler, level(e, y[t]) - recur__es_base(st, e, t, t));
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
        return recur__fail(RECUR_E_INVALID, "%s: no encoding or no values", fn);
    /* check the fields the fit does not set, with a placeholder scaler */
    recur_forecast_encoding probe = *e;
    probe.scaler.kind = kind;
    probe.scaler.offset = 0;
    probe.scaler.scale = 1;
    probe.es_alpha = 1, probe.es_gamma = 0; /* fitted below */
    int rc = recur__forecast_check(&probe, fn);
    if (rc)
        return rc;
    if (ntrain <= e->diff)
        return recur__fail(RECUR_E_INVALID, "%s: %ld training values leave nothing to fit "
                          "after a difference lag of %d", fn, ntrain, e->diff);
    if ((rc = recur__forecast_check_positive(e, y, ntrain, fn)))
        return rc;
    if (e->es && ntrain <= e->season)
        return recur__fail(RECUR_E_INVALID, "%s: es needs more than one season (%d) of "
                          "training values, got %ld", fn, e->season, ntrain);
    recur__es st;
    if (e->es && ((rc = recur__es_fit(e, y, ntrain)) ||
                  (rc = recur__forecast_states(e, y, ntrain, ntrain, &st))))
        return rc;
    /* the values the network predicts, unscaled: those after the lag, or
     * with es those after the first season */
    long first = e->es ? e->season : e->diff;
    double *tv = malloc((size_t)(ntrain - first) * sizeof *tv);
    if (!tv) {
        if (e->es)
            recur__es_free(&st);
        return recur__fail(RECUR_E_NOMEM, "%s: out of memory for %ld values", fn, ntrain);
    }
    for (long j = first; j < ntrain; j++)
        tv[j - first] = e->es ? level(e, y[j]) - recur__es_base(&st, e, j, j)
                              : recur__forecast_value(e, y, j);
    rc = recur_scaler_fit(&e->scaler, kind, tv, ntrain - first);
    free(tv);
    if (e->es)
        recur__es_free(&st);
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
        return recur__fail(RECUR_E_INVALID, "%s: no values, or fewer than the lag %d", fn,
                          e->diff);
    if ((rc = recur__forecast_check_positive(e, y, n, fn)))
        return rc;
    if (!e->es) {
        for (long j = e->diff; j < n; j++)
            z[j - e->diff] = recur_scaler_apply(&e->scaler, recur__forecast_value(e, y, j));
        return RECUR_OK;
    }
    /* es: positions from the first season on; those before it encode as 0 */
    if (n < e->season)
        return recur__fail(RECUR_E_INVALID, "%s: es needs a season (%d) of values, got %ld",
                          fn, e->season, n);
    recur__es st;
    if ((rc = recur__forecast_states(e, y, n, n, &st)))
        return rc;
    for (long j = 0; j < n; j++)
        z[j] = recur_scaler_apply(&e->scaler, j < e->season ? 0 :
                                  level(e, y[j]) - recur__es_base(&st, e, j, j));
    recur__es_free(&st);
    return RECUR_OK;
}

double recur__forecast_invert(const recur_forecast_encoding *e, const double *y,
                              const recur__es *st, long t, double out)
{
    double z = recur_scaler_invert(&e->scaler, out);
    if (e->es)
        z += recur__es_base(st, e, t, t);
    else if (e->diff)
        z += level(e, y[t - e->diff]);
    if (e->log)
        z = exp(z < 700 ? z : 700);
    return z;
}

double recur_forecast_invert(const recur_forecast_encoding *e, const double *y, long t,
                             double out)
{
    if (!e->es)
        return recur__forecast_invert(e, y, NULL, t, out);
    recur__es st;
    if (t < e->season || recur__forecast_states(e, y, t, t, &st))
        return NAN; /* before the first season's end, or out of memory */
    double v = recur__forecast_invert(e, y, &st, t, out);
    recur__es_free(&st);
    return v;
}

void recur__forecast_window(const recur_forecast_encoding *e, const double *y,
                            const recur__es *st, const long *tix, long t, float *x)
{
    int F = recur_forecast_features(e);
    for (int k = 0; k < e->window; k++) {
        long j = t - e->window + k;
        double v = e->es ? level(e, y[j]) - recur__es_base(st, e, t, j)
                         : recur__forecast_value(e, y, j);
        x[k * F] = (float)recur_scaler_apply(&e->scaler, v);
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
        return recur__fail(RECUR_E_INVALID, "%s: no values or no output", fn);
    if (t < recur__forecast_first(e))
        return recur__fail(RECUR_E_INVALID, "%s: position %ld has fewer than the window %d "
                          "plus the lag %d%s before it", fn, t, e->window, e->diff,
                          e->es ? " (with es: or a season)" : "");
    if (e->es) { /* the states read every value before t */
        recur__es st;
        if ((rc = recur__forecast_check_positive(e, y, t, fn)) ||
            (rc = recur__forecast_states(e, y, t, t, &st)))
            return rc;
        recur__forecast_window(e, y, &st, tix, t, x);
        recur__es_free(&st);
        return RECUR_OK;
    }
    if ((rc = recur__forecast_check_positive(e, y + t - e->window - e->diff,
                                             (long)e->window + e->diff, fn)))
        return rc;
    recur__forecast_window(e, y, NULL, tix, t, x);
    return RECUR_OK;
}
