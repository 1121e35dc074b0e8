/* smoothing.c - exponential-smoothing normalisation before the network, the
 * idea behind Smyl's ES-RNN (winner of the M4 competition, 2018): each
 * window is divided by the series' current level and each value by its
 * seasonal index, so the network sees the shape of the recent past around
 * 1 whatever the level, and forecasts a ratio to the level.
 *
 * Here, on z = y or log y (so "divide" is "subtract" for a log model):
 * Holt-Winters without trend, additive in z,
 *     L_j = alpha (z_j - P_j) + (1 - alpha) L_{j-1}       the level
 *     P_j = S_{j-m}                                       index in effect at j
 *     S_j = gamma (z_j - L_j) + (1 - gamma) P_j           the seasonal index
 * started by the first season: L_j = the mean of z_0 .. z_{m-1} and
 * P_j = S_j = z_j - L_j for j < m (m = 1: L_0 = z_0 and no index). The
 * network's inputs for position t are z_j - P_j - L_{t-1} (j = t-W .. t-1)
 * and its target is z_t - P_t - L_{t-1}: every state is that of the values
 * before t, so a forecast never sees what it forecasts. Positions t < m
 * have no state before them: with es, t >= max(W, m).
 *
 * A recursive forecast from the end of the known values n keeps their
 * states, as Holt-Winters and ES-RNN forecasts do: the level stays L_{n-1}
 * and the index of a later position j is the last one of its phase,
 * S_{n-m+((j-n) mod m)}; only the window takes in the forecasts. Feeding
 * forecasts into the level instead (L_t = L_{t-1} + alpha * output) is a
 * feedback loop: measured on the example's series (5 seeds) it followed
 * AirPassengers' trend better (recursive RMSE 41.9 against 72.4) but ran
 * away on monthly sunspots (223 against 40.0).
 *
 * Smyl learned alpha and gamma per series by gradient descent together with
 * the network; here they are fitted before it, by the smoothing's own
 * one-step squared error on the training part over a grid (alpha 0.02 ..
 * 1 by 0.02, gamma 0 .. 0.5 by 0.05), and then fixed: the normalisation
 * is a plain function of the past values that a model file carries in two
 * numbers (forecast.es_alpha, forecast.es_gamma). */
#include <math.h>
#include <stdlib.h>

#include "core/error.h"
#include "forecast/encoding.h"

static double zval(const recur_forecast_encoding *e, double v)
{
    return e->log ? log(v) : v;
}

void recur__es_free(recur__es *st)
{
    free(st->level);
    free(st->index);
    free(st->s_at);
    st->level = st->index = st->s_at = NULL;
    st->n = 0;
}

/* The first season: y holds at least m values. */
static void es_start(const recur_forecast_encoding *e, const double *y, recur__es *st)
{
    long m = e->season;
    double mean = 0;
    for (long j = 0; j < m; j++)
        mean += zval(e, y[j]);
    mean /= (double)m;
    for (long j = 0; j < m; j++) {
        st->level[j] = m == 1 ? zval(e, y[0]) : mean;
        st->index[j] = st->s_at[j] = m == 1 ? 0 : zval(e, y[j]) - mean;
    }
    st->n = m;
}

static void es_push(const recur_forecast_encoding *e, recur__es *st, const double *y)
{
    long j = st->n, m = e->season;
    double z = zval(e, y[j]), P = st->s_at[j % m];
    st->index[j] = P;
    st->level[j] = e->es_alpha * (z - P) + (1 - e->es_alpha) * st->level[j - 1];
    st->s_at[j % m] = m > 1 ? e->es_gamma * (z - st->level[j]) + (1 - e->es_gamma) * P : 0;
    st->n++;
}

int recur__es_run(const recur_forecast_encoding *e, const double *y, long n, long cap,
                  recur__es *st)
{
    st->level = malloc((size_t)cap * sizeof *st->level);
    st->index = malloc((size_t)cap * sizeof *st->index);
    st->s_at = malloc((size_t)e->season * sizeof *st->s_at);
    st->n = 0;
    if (!st->level || !st->index || !st->s_at) {
        recur__es_free(st);
        return recur__fail(RECUR_E_NOMEM, "out of memory for the smoothing of %ld values",
                          cap);
    }
    es_start(e, y, st);
    while (st->n < n)
        es_push(e, st, y);
    return RECUR_OK;
}

double recur__es_base(const recur__es *st, const recur_forecast_encoding *e, long t, long j)
{
    /* past the known values: the last level and each phase's last index */
    double P = j < st->n ? st->index[j] : st->s_at[j % e->season];
    return st->level[(t - 1 < st->n ? t : st->n) - 1] + P;
}

/* One-step squared error of the smoothing with alpha, gamma over
 * positions m .. n-1 (forecast z_j by L_{j-1} + P_j). */
static double sse(recur_forecast_encoding *e, const double *y, long n, recur__es *st)
{
    es_start(e, y, st);
    double s = 0;
    while (st->n < n) {
        long j = st->n;
        double d = zval(e, y[j]) - (st->level[j - 1] + st->s_at[j % e->season]);
        s += d * d;
        es_push(e, st, y);
    }
    return s;
}

int recur__es_fit(recur_forecast_encoding *e, const double *y, long ntrain)
{
    recur__es st;
    e->es_alpha = 1, e->es_gamma = 0;
    int rc = recur__es_run(e, y, e->season, ntrain, &st);
    if (rc)
        return rc;
    double best = INFINITY, ba = 1, bg = 0;
    for (int a = 1; a <= 50; a++)
        for (int g = 0; g <= (e->season > 1 ? 10 : 0); g++) {
            e->es_alpha = 0.02 * a;
            e->es_gamma = 0.05 * g;
            double s = sse(e, y, ntrain, &st);
            if (s < best) /* ties keep the first (smallest) constants */
                best = s, ba = e->es_alpha, bg = e->es_gamma;
        }
    recur__es_free(&st);
    e->es_alpha = ba;
    e->es_gamma = bg;
    return RECUR_OK;
}
