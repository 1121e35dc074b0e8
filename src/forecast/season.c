/* season.c - the season of a series: from its calendar (monthly 12,
 * quarterly 4), else the strongest integer period of its periodogram
 * (11 for yearly sunspots). */
#include <math.h>

#include "core/error.h"
#include "forecast/encoding.h"

#define PI 3.14159265358979323846

int recur_forecast_infer_season(const double *y, long n, int period, int *season,
                                recur_season_source *how)
{
    if (!y || !season || n < 1)
        return recur_fail(RECUR_E_INVALID, "recur_forecast_infer_season: no values");
    if (period == 12 || period == 4) {
        if (how)
            *how = RECUR_SEASON_CALENDAR;
        *season = period;
        return RECUR_OK;
    }
    if (how)
        *how = RECUR_SEASON_PERIODOGRAM;
    long len = n < 4096 ? n : 4096;
    const double *v = y + n - len;
    double mean = 0;
    for (long i = 0; i < len; i++)
        mean += v[i];
    mean /= (double)len;
    int best = 1;
    double best_pow = 0;
    for (long P = 2; P <= len / 4 && P <= 1000; P++) {
        double re = 0, im = 0;
        for (long t = 0; t < len; t++) {
            double ang = 2 * PI * (double)(t % P) / (double)P;
            re += (v[t] - mean) * cos(ang);
            im -= (v[t] - mean) * sin(ang);
        }
        double pw = re * re + im * im;
        /* a later period must be clearly stronger (not a rounding tie) */
        if (pw > best_pow * (1 + 1e-12)) {
            best_pow = pw;
            best = (int)P;
        }
    }
    *season = best;
    return RECUR_OK;
}
