/* examples.c - a series as a data set of windows for training (and for
 * one-step forecasts), the calendar positions that give each step its
 * phase, and the network shape a forecaster needs. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/error.h"
#include "forecast/encoding.h"

int recur_forecast_time_indices(const recur_series *s, long n, long *tix)
{
    if (!s || !tix || n < 0)
        return recur__fail(RECUR_E_INVALID, "recur_forecast_time_indices: no series, no "
                          "output or a negative count");
    long len = recur_series_length(s);
    for (long i = 0; i < n; i++)
        tix[i] = i < len ? recur_series_time_index(s, i)
                         : recur_series_time_index(s, len - 1) + (i - len + 1);
    return RECUR_OK;
}

void recur_forecast_examples_free(recur_dataset *ds)
{
    if (!ds)
        return;
    free((void *)ds->offsets);
    free((void *)ds->x);
    free((void *)ds->targets);
    ds->offsets = NULL;
    ds->x = NULL;
    ds->targets = NULL;
    ds->count = 0;
}

int recur_forecast_examples(const recur_forecast_encoding *e, const double *y,
                            const long *tix, long first, long end, int many,
                            recur_dataset *out)
{
    static const char fn[] = "recur_forecast_examples";
    int rc = recur__forecast_check(e, fn);
    if (rc)
        return rc;
    if (!y || !out)
        return recur__fail(RECUR_E_INVALID, "%s: no values or no output", fn);
    long W = e->window, F = recur_forecast_features(e);
    if (first < recur__forecast_first(e) || end <= first)
        return recur__fail(RECUR_E_INVALID, "%s: targets %ld..%ld: the first needs the "
                          "window %ld plus the lag %d%s before it, and there must be one",
                          fn, first, end - 1, W, e->diff,
                          e->es ? " (with es: or a season)" : "");
    if ((rc = recur__forecast_check_positive(e, y, end, fn)))
        return rc;
    long count = end - first, per = many ? W : 1; /* targets per example */
    if ((uint64_t)count > (uint64_t)(SIZE_MAX / 4) / (uint64_t)(W * F * (long)sizeof(float)))
        return recur__fail(RECUR_E_NOMEM, "%s: %ld windows of %ld do not fit in memory", fn,
                          count, W);
    recur__es st;
    if ((rc = recur__forecast_states(e, y, end, end, &st)))
        return rc;
    long *offsets = malloc((size_t)(count + 1) * sizeof *offsets);
    float *x = malloc((size_t)count * (size_t)(W * F) * sizeof *x);
    float *targets = malloc((size_t)count * (size_t)per * sizeof *targets);
    if (!offsets || !x || !targets) {
        free(offsets);
        free(x);
        free(targets);
        recur__es_free(&st);
        return recur__fail(RECUR_E_NOMEM, "%s: out of memory for %ld windows of %ld", fn,
                          count, W);
    }
    for (long i = 0; i <= count; i++)
        offsets[i] = i * W;
    for (long i = 0; i < count; i++) {
        long t = first + i;
        recur__forecast_window(e, y, &st, tix, t, x + i * W * F);
        if (!many) {
            targets[i] = (float)recur__forecast_target(e, y, &st, t);
            continue;
        }
        /* many to many: at every step of the window, the next value (with
         * es, relative to the window's level, as the inputs are) */
        for (long k = 0; k < W; k++) {
            long j = t - W + k + 1;
            targets[i * W + k] =
                (float)(e->es ? recur_scaler_apply(&e->scaler,
                                                   (e->log ? log(y[j]) : y[j]) -
                                                       recur__es_base(&st, e, t, j))
                              : recur__forecast_target(e, y, &st, j));
        }
    }
    recur__es_free(&st);
    *out = (recur_dataset){.count = count, .offsets = offsets, .x = x, .targets = targets};
    return RECUR_OK;
}

int recur_forecast_config(const recur_forecast_encoding *e, int many, recur_config *c)
{
    if (!e || !c)
        return recur__fail(RECUR_E_INVALID, "recur_forecast_config: no encoding or no "
                          "configuration");
    c->input = RECUR_INPUT_DENSE;
    c->input_size = recur_forecast_features(e);
    c->output_size = 1;
    c->loss = RECUR_LOSS_MSE;
    c->readout = many ? RECUR_READOUT_SEQUENCE : RECUR_READOUT_LAST;
    return RECUR_OK;
}
