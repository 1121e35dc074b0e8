/* season.c - the season of a series: from its calendar (monthly 12,
 * quarterly 4), else the strongest integer period of the periodogram of
 * the detrended series (11 for yearly sunspots), where daily and weekly
 * dates make the calendar's periods (7 and 365 days, 52 or 53 weeks) the
 * first choice.
 *
 * Why detrend: a trend puts most of a series' variance into the longest
 * periods, so the raw periodogram of weekly CO2 (a strong rising trend,
 * a 52-week cycle) peaks at the longest period searched (456 weeks, not
 * 52). A least-squares quadratic removes a linear or gently curving trend
 * and leaves cycles of a few dozen steps untouched.
 *
 * Why prefer the calendar: a year is 52.18 weeks or 365.24 days, so its
 * power is split between neighbouring integer periods and a leftover trend
 * or a harmonic can edge it out; when the dates say "weekly" or "daily", a
 * calendar period holding at least a quarter of the strongest period's
 * power is the season (CALENDAR_SHARE below). */
#include <math.h>
#include <stdlib.h>

#include "core/error.h"
#include "forecast/encoding.h"

#define PI 3.14159265358979323846
#define CALENDAR_SHARE 0.25
#define MAX_LEN 4096

/* v[len] minus its least-squares quadratic in t, through the orthogonal
 * polynomials 1, t - c, (t - c)^2 - q of equally spaced t (c the mean of t,
 * q the mean of (t - c)^2): each coefficient is one projection. */
static void detrend(const double *y, long len, double *v)
{
    double c = (double)(len - 1) / 2, q = 0;
    for (long t = 0; t < len; t++)
        q += ((double)t - c) * ((double)t - c);
    q /= (double)len;
    double s0 = 0, s1 = 0, s2 = 0, n1 = 0, n2 = 0;
    for (long t = 0; t < len; t++) {
        double p1 = (double)t - c, p2 = p1 * p1 - q;
        s0 += y[t];
        s1 += y[t] * p1, n1 += p1 * p1;
        s2 += y[t] * p2, n2 += p2 * p2;
    }
    double a0 = s0 / (double)len, a1 = n1 > 0 ? s1 / n1 : 0, a2 = n2 > 0 ? s2 / n2 : 0;
    for (long t = 0; t < len; t++) {
        double p1 = (double)t - c;
        v[t] = y[t] - a0 - a1 * p1 - a2 * (p1 * p1 - q);
    }
}

/* |sum_t v_t e^(-2 pi i t / P)|^2 */
static double power(const double *v, long len, long P)
{
    double re = 0, im = 0;
    for (long t = 0; t < len; t++) {
        double ang = 2 * PI * (double)(t % P) / (double)P;
        re += v[t] * cos(ang);
        im -= v[t] * sin(ang);
    }
    return re * re + im * im;
}

int recur_forecast_infer_season(const double *y, long n, int period, int *season,
                                recur_season_source *how)
{
    if (!y || !season || n < 1)
        return recur__fail(RECUR_E_INVALID, "recur_forecast_infer_season: no values");
    if (period == 12 || period == 4) {
        if (how)
            *how = RECUR_SEASON_CALENDAR;
        *season = period;
        return RECUR_OK;
    }
    if (how)
        *how = RECUR_SEASON_PERIODOGRAM;
    *season = 1;
    long len = n < MAX_LEN ? n : MAX_LEN;
    const double *raw = y + n - len;
    double *v = malloc((size_t)len * sizeof *v);
    if (!v)
        return recur__fail(RECUR_E_NOMEM, "recur_forecast_infer_season: out of memory");
    detrend(raw, len, v);
    /* nothing left but rounding: a constant, linear or quadratic series */
    double ss = 0, ss_raw = 0;
    for (long t = 0; t < len; t++)
        ss += v[t] * v[t], ss_raw += raw[t] * raw[t];
    if (!(ss > 1e-20 * ss_raw)) {
        free(v);
        return RECUR_OK;
    }
    int best = 1;
    double best_pow = 0;
    for (long P = 2; P <= len / 4 && P <= 1000; P++) {
        double pw = power(v, len, P);
        /* a later period must be clearly stronger (not a rounding tie) */
        if (pw > best_pow * (1 + 1e-12)) {
            best_pow = pw;
            best = (int)P;
        }
    }
    /* the calendar's periods, each needing two whole cycles */
    static const int weekly[] = {52, 53}, daily[] = {7, 365};
    const int *cand = period == 52 ? weekly : period == 365 ? daily : NULL;
    int cal = 0;
    double cal_pow = 0;
    for (int k = 0; cand && k < 2; k++) {
        if (2L * cand[k] > len)
            continue;
        double pw = power(v, len, cand[k]);
        if (pw > cal_pow * (1 + 1e-12)) {
            cal_pow = pw;
            cal = cand[k];
        }
    }
    free(v);
    if (cal && cal_pow >= CALENDAR_SHARE * (best_pow > cal_pow ? best_pow : cal_pow)) {
        if (how)
            *how = RECUR_SEASON_CALENDAR;
        *season = cal;
    } else {
        *season = best;
    }
    return RECUR_OK;
}
