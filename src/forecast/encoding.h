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
/* The transformed value at position j >= diff, before scaling. */
double recur__forecast_value(const recur_forecast_encoding *e, const double *y, long j);
/* recur_forecast_window without the checks. */
void recur__forecast_window(const recur_forecast_encoding *e, const double *y,
                            const long *tix, long t, float *x);

#endif
