/* predict.c - forecasts with a trained network: one step ahead (each from
 * the true values before it, in batches) and recursive (each forecast fed
 * back as the newest input, one window at a time). */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "forecast/encoding.h"

/* m must read what e writes: dense input of e's features, one output, a
 * LAST or SEQUENCE readout (then the last step's output is the forecast). */
static int check_model(const recur_model *m, const recur_forecast_encoding *e, const char *fn)
{
    if (!m)
        return recur__fail(RECUR_E_INVALID, "%s: no model", fn);
    const recur_config *c = recur_model_get_config(m);
    if (c->input != RECUR_INPUT_DENSE || c->input_size != recur_forecast_features(e) ||
        c->output_size != 1 || c->readout == RECUR_READOUT_MEAN || c->bidirectional ||
        c->reverse)
        return recur__fail(RECUR_E_MISMATCH, "%s: the network does not match the encoding "
                          "(it needs forward layers over dense input of %d, readout last or "
                          "sequence and one output)", fn, recur_forecast_features(e));
    return RECUR_OK;
}

int recur_forecast_one_step(const recur_model *m, const recur_forecast_encoding *e,
                            const double *y, const long *tix, long start, long count,
                            double *out)
{
    static const char fn[] = "recur_forecast_one_step";
    int rc = recur__forecast_check(e, fn);
    if (rc || (rc = check_model(m, e, fn)))
        return rc;
    long W = e->window, F = recur_forecast_features(e);
    if (!y || !out || count < 1)
        return recur__fail(RECUR_E_INVALID, "%s: no values, or no forecasts asked for", fn);
    if (start < recur__forecast_first(e))
        return recur__fail(RECUR_E_INVALID, "%s: position %ld has fewer than the window "
                          "%ld plus the lag %d%s before it", fn, start, W, e->diff,
                          e->es ? " (with es: or a season)" : "");
    if ((rc = recur__forecast_check_positive(e, y, start + count - 1, fn)))
        return rc;
    recur__es st;
    if ((rc = recur__forecast_states(e, y, start + count - 1, start + count - 1, &st)))
        return rc;
    int seq = recur_model_get_config(m)->readout == RECUR_READOUT_SEQUENCE;
    long per = seq ? W : 1; /* outputs per window */
    long *offsets = malloc((size_t)(count + 1) * sizeof *offsets);
    float *x = malloc((size_t)count * (size_t)(W * F) * sizeof *x);
    /* zero targets, scored by nothing (prediction reads only the inputs) */
    float *targets = calloc((size_t)count * (size_t)per, sizeof *targets);
    float *pred = malloc((size_t)count * (size_t)per * sizeof *pred);
    if (!offsets || !x || !targets || !pred) {
        rc = recur__fail(RECUR_E_NOMEM, "%s: out of memory for %ld windows of %ld", fn, count,
                        W);
        goto done;
    }
    for (long h = 0; h <= count; h++)
        offsets[h] = h * W;
    for (long h = 0; h < count; h++)
        recur__forecast_window(e, y, &st, tix, start + h, x + h * W * F);
    recur_dataset ds = {.count = count, .offsets = offsets, .x = x, .targets = targets};
    if ((rc = recur_predict_dataset(m, &ds, 64, 0, pred)))
        goto done;
    for (long h = 0; h < count; h++)
        out[h] = recur__forecast_invert(e, y, &st, start + h, pred[h * per + per - 1]);
done:
    recur__es_free(&st);
    free(offsets);
    free(x);
    free(targets);
    free(pred);
    return rc;
}

int recur_forecast_recursive(const recur_model *m, const recur_forecast_encoding *e,
                             double *buf, const long *tix, long start, long horizon,
                             double *out)
{
    static const char fn[] = "recur_forecast_recursive";
    int rc = recur__forecast_check(e, fn);
    if (rc || (rc = check_model(m, e, fn)))
        return rc;
    int W = e->window, F = recur_forecast_features(e);
    if (!buf || !out || horizon < 1)
        return recur__fail(RECUR_E_INVALID, "%s: no values, or no forecasts asked for", fn);
    if (start < recur__forecast_first(e))
        return recur__fail(RECUR_E_INVALID, "%s: %ld values of history, fewer than the "
                          "window %d plus the lag %d%s", fn, start, W, e->diff,
                          e->es ? " (with es: or a season)" : "");
    if ((rc = recur__forecast_check_positive(e, buf, start, fn)))
        return rc;
    int seq = recur_model_get_config(m)->readout == RECUR_READOUT_SEQUENCE;
    recur__es st;
    if ((rc = recur__forecast_states(e, buf, start, start, &st)))
        return rc;
    float *x = malloc((size_t)W * (size_t)(F + 1) * sizeof *x);
    if (!x) {
        recur__es_free(&st);
        return recur__fail(RECUR_E_NOMEM, "%s: out of memory", fn);
    }
    float *yo = x + (size_t)W * (size_t)F; /* [W] outputs (sequence) or [1] */
    for (long h = 0; h < horizon; h++) {
        recur__forecast_window(e, buf, &st, tix, start + h, x);
        if ((rc = recur_forward(m, W, 1, NULL, x, yo)))
            break;
        buf[start + h] = recur__forecast_invert(e, buf, &st, start + h,
                                                seq ? yo[W - 1] : yo[0]);
        out[h] = buf[start + h];
        /* with es the smoothing keeps the states of the known values: a
         * forecast is not fed into the level (see smoothing.c) */
    }
    free(x);
    recur__es_free(&st);
    return rc;
}

int recur_forecast_beyond(const recur_model *m, const recur_forecast_encoding *e,
                          const recur_series *s, long horizon, double *out)
{
    static const char fn[] = "recur_forecast_beyond";
    if (!s)
        return recur__fail(RECUR_E_INVALID, "%s: no series", fn);
    long n = recur_series_length(s);
    int rc = recur__forecast_check(e, fn);
    if (rc)
        return rc;
    if (n < recur__forecast_first(e))
        return recur__fail(RECUR_E_INVALID, "%s: the series has %ld values, fewer than the "
                          "window %d plus the lag %d%s", fn, n, e->window, e->diff,
                          e->es ? " (with es: or a season)" : "");
    if (horizon < 1 || horizon > RECUR_MAX_SERIES_ROWS)
        return recur__fail(RECUR_E_INVALID, "%s: horizon %ld is outside 1..%ld", fn, horizon,
                          RECUR_MAX_SERIES_ROWS);
    double *buf = malloc((size_t)(n + horizon) * sizeof *buf);
    long *tix = malloc((size_t)(n + horizon) * sizeof *tix);
    if (!buf || !tix) {
        rc = recur__fail(RECUR_E_NOMEM, "%s: out of memory", fn);
    } else {
        memcpy(buf, recur_series_values(s), (size_t)n * sizeof *buf);
        rc = recur_forecast_time_indices(s, n + horizon, tix);
        if (!rc)
            rc = recur_forecast_recursive(m, e, buf, tix, n, horizon, out);
    }
    free(buf);
    free(tix);
    return rc;
}
