/* encoding.h - what the forecasting files share: the encoding's checks and
 * its unchecked inner loops (the public functions check once, then call
 * these per position). */
#ifndef RECUR_FORECAST_ENCODING_H
#define RECUR_FORECAST_ENCODING_H

#include "recur.h"

/* RECUR_OK if every field of e is in range (scaler included), else
 * RECUR_E_INVALID with a message starting with fn. */
int recur__forecast_check(const recur_forecast_encoding *e, const char *fn);
/* RECUR_OK if y[0 .. n-1] are all > 0 (or e is not a log encoding). */
int recur__forecast_check_positive(const recur_forecast_encoding *e, const double *y, long n,
                                   const char *fn);
/* The transformed value at position j >= diff, before scaling (no es). */
double recur__forecast_value(const recur_forecast_encoding *e, const double *y, long j);

/* The smoothing states of an es encoding (smoothing.c): level[j] (L_j) and
 * index[j] (P_j) for j < n, s_at[season] the current seasonal indices. */
typedef struct {
    long n;
    double *level, *index, *s_at;
} recur__es;
/* States of y[0 .. n-1] (n >= season) with room for cap >= n values. */
int recur__es_run(const recur_forecast_encoding *e, const double *y, long n, long cap,
                  recur__es *st);
void recur__es_free(recur__es *st);
/* What z_j loses in the window for position t >= season: L_{t-1} + P_j;
 * past the known values (t > st->n, j >= st->n) the last level and each
 * phase's last seasonal index. */
double recur__es_base(const recur__es *st, const recur_forecast_encoding *e, long t, long j);
/* Fit e->es_alpha and e->es_gamma on y[0 .. ntrain-1] (ntrain > season). */
int recur__es_fit(recur_forecast_encoding *e, const double *y, long ntrain);

/* The first position that can be forecast: W + diff, or max(W, season)
 * with es. */
long recur__forecast_first(const recur_forecast_encoding *e);
/* States for an es encoding of y[0 .. n-1] with room for cap (none: st
 * zeroed and RECUR_OK when e is not es). */
int recur__forecast_states(const recur_forecast_encoding *e, const double *y, long n, long cap,
                           recur__es *st);
/* The scaled encoded value the network predicts for position t (st: the
 * states of the values before t at least, or unused without es). */
double recur__forecast_target(const recur_forecast_encoding *e, const double *y,
                              const recur__es *st, long t);
/* recur_forecast_window without the checks. */
void recur__forecast_window(const recur_forecast_encoding *e, const double *y,
                            const recur__es *st, const long *tix, long t, float *x);
/* recur_forecast_invert given the states. */
double recur__forecast_invert(const recur_forecast_encoding *e, const double *y,
                              const recur__es *st, long t, double out);

#endif
