/* recur/forecast.h - forecasting a time series with a many-to-one network.
 * Part of the public API: include <recur.h>, which includes this file.
 *
 * The method (what `recur forecast` does, and what a C program can do with
 * these functions): a window of the last W values of a series, encoded
 * (optionally log, then differenced over a lag, then scaled with parameters
 * fitted on the training part only; optionally with the sine and cosine of
 * each step's phase in the season), goes through the recurrent layers; the
 * last state (readout LAST) or every state (readout SEQUENCE, trained on
 * the next value after every step) goes through Dense(1), trained with
 * squared error to give the next encoded value. A forecast is inverted back
 * into the series' units. "One step ahead" forecasts each point from the
 * true values before it; "recursive" feeds each forecast back as the
 * newest input. The baselines are the last value and the seasonal naive
 * forecast; the errors are RMSE and MAE in the series' units.
 *
 * A model trained by `recur forecast train --save` carries its encoding in
 * its metadata (forecast.* keys), so that
 *
 *     recur_model *m; recur_series *s; recur_forecast_encoding e;
 *     recur_model_load("air.safetensors", &m);
 *     recur_forecast_read_meta(m, &e);
 *     recur_series_load("air.csv", recur_model_get_meta(m, "forecast.column"), &s);
 *     double out[24];
 *     recur_forecast_beyond(m, &e, s, 24, out);   // 24 steps after the end
 *
 * forecasts with it (each call returns a status; see recur.h). Positions
 * are 0-based indices into the series' values y[]. */
#ifndef RECUR_API_FORECAST_H
#define RECUR_API_FORECAST_H

#ifndef RECUR_H
#error "include <recur.h>; recur/forecast.h is one of its parts"
#endif

#define RECUR_FORECAST_MAX_WINDOW 10000    /* past values per forecast */
#define RECUR_FORECAST_MAX_SEASON 1000000  /* steps per season */
#define RECUR_FORECAST_MAX_DIFF 1000000    /* difference lag */

/* How a series is turned into network inputs and back. A plain struct:
 * set the first five fields and es, then fit the scaler (and the smoothing)
 * with recur_forecast_fit (or read all of it from a model's metadata).
 * Wherever "W + diff" bounds a position below, an es encoding needs
 * max(W, season). */
typedef struct {
    int window;         /* W past values per forecast, 1..RECUR_FORECAST_MAX_WINDOW */
    int season;         /* steps per season, >= 1 (1: none); used for the
                           phase inputs (and, by callers, for the seasonal-naive
                           baseline) */
    int season_input;   /* 1: each step's inputs add sin and cos of its phase
                           (time index mod season); 0: the value alone */
    int log;            /* 1: model log(y) (every y must be > 0) */
    int diff;           /* lag d > 0: the network sees and predicts
                           z[t] - z[t-d] of z = y or log y; 0: z itself */
    recur_scaler scaler; /* applied to those values; fitted on the training part */
    int es;             /* 1: exponential-smoothing normalisation (Smyl's
                           ES-RNN): the window z[t-W .. t-1] and the target
                           z[t] less the level before t and each value's
                           seasonal index (Holt-Winters without trend, on z,
                           season `season`); needs diff 0 and positions
                           t >= season. A recursive forecast keeps the
                           states of the known values (the forecasts are
                           not smoothed in). See src/forecast/smoothing.c */
    double es_alpha, es_gamma; /* its smoothing constants (level, seasonal
                           index), fitted on the training part by
                           recur_forecast_fit when es is 1 */
} recur_forecast_encoding;

/* Features per step of the network's input: 3 with season_input, else 1. */
RECUR_API int recur_forecast_features(const recur_forecast_encoding *e);

/* Fit e->scaler (of the given kind) on the encoded values of the training
 * part y[0 .. ntrain-1] (positions diff .. ntrain-1, before scaling). The
 * other fields of e must already be set; with log every value must be > 0.
 * With es, first es_alpha and es_gamma (the grid of smoothing.c, by the
 * smoothing's one-step squared error), then the scaler on positions
 * season .. ntrain-1 (ntrain > season). */
RECUR_API int recur_forecast_fit(recur_forecast_encoding *e, recur_scale_kind kind,
                                 const double *y, long ntrain);

/* The encoded (transformed and scaled) values of positions diff .. n-1 of
 * y[n] into z[n - diff]: what the network sees and predicts. With es:
 * z[n], each value less the level before it and its seasonal index (the
 * network's target for that position; positions before the first season's
 * end encode as 0, scaled). */
RECUR_API int recur_forecast_encode(const recur_forecast_encoding *e, const double *y, long n,
                                    double *z);
/* A value in the series' units for position t (>= diff) from its encoded
 * value (a network output), given the values before t in y (only
 * y[t - diff] is read, when diff > 0). Inverts recur_forecast_encode:
 * recur_forecast_invert(e, y, t, z[t - diff]) == y[t] up to rounding. A log
 * model's value is capped at exp(700). With es it reads y[0 .. t-1] (the
 * smoothing) and needs t >= season (else NaN, also when out of memory). */
RECUR_API double recur_forecast_invert(const recur_forecast_encoding *e, const double *y,
                                       long t, double encoded);

/* Calendar positions of n steps of s (recur_series_time_index), continued
 * one per step past its end when n exceeds its length: the phase of the
 * season inputs. tix has room for n. */
RECUR_API int recur_forecast_time_indices(const recur_series *s, long n, long *tix);

/* The network's inputs for forecasting position t from the W values before
 * it: x[W][features], the encoded values at t-W .. t-1 (which reach back to
 * y[t-W-diff], so t >= W + diff; with es, each value less the level before
 * t and its own seasonal index, from all of y[0 .. t-1]) and, with
 * season_input, the sine and cosine of 2 pi (tix[j] mod season) / season
 * for each of them (tix NULL: the position j itself). */
RECUR_API int recur_forecast_window(const recur_forecast_encoding *e, const double *y,
                                    const long *tix, long t, float *x);

/* A data set of every window whose target position t is in first .. end-1
 * (first >= W + diff, end at most the values in y): example i is the window
 * before t = first + i (recur_forecast_window), its target the encoded value
 * at t (many = 0: targets[count], for a LAST readout) or the encoded value
 * after each step of the window (many = 1: targets[count][W], for a
 * SEQUENCE readout). Allocates offsets, x and targets; free them with
 * recur_forecast_examples_free. Training examples of a training part of
 * ntrain values: first = W + diff, end = ntrain. */
RECUR_API int recur_forecast_examples(const recur_forecast_encoding *e, const double *y,
                                      const long *tix, long first, long end, int many,
                                      recur_dataset *out);
RECUR_API void recur_forecast_examples_free(recur_dataset *ds);

/* The forecasting fields of a model configuration for e: dense input of
 * recur_forecast_features(e), one output, squared error, readout LAST
 * (many = 0) or SEQUENCE (many = 1). Leaves cell, hidden, layers, dropout
 * as they are. */
RECUR_API int recur_forecast_config(const recur_forecast_encoding *e, int many,
                                    recur_config *c);

/* One step ahead: out[h] is m's forecast for position start + h
 * (h < count) from the true values before it; y holds start + count - 1
 * values at least, start >= W + diff. tix as for recur_forecast_window. */
RECUR_API int recur_forecast_one_step(const recur_model *m, const recur_forecast_encoding *e,
                                      const double *y, const long *tix, long start,
                                      long count, double *out);
/* Recursive: forecast positions start .. start+horizon-1 from the history
 * buf[0 .. start-1] (start >= W + diff), feeding each forecast back as the
 * newest input. buf has room for start + horizon values: the forecasts are
 * written into buf[start ..] and into out[horizon]. tix (NULL or
 * start + horizon calendar positions) as for recur_forecast_window. */
RECUR_API int recur_forecast_recursive(const recur_model *m, const recur_forecast_encoding *e,
                                       double *buf, const long *tix, long start,
                                       long horizon, double *out);
/* horizon steps beyond the end of s, recursively from all of it (its
 * calendar continued for the phase): out[horizon]. The series needs at
 * least W + diff values (all > 0 for a log model). */
RECUR_API int recur_forecast_beyond(const recur_model *m, const recur_forecast_encoding *e,
                                    const recur_series *s, long horizon, double *out);

/* ---- the season ------------------------------------------------------------ */
typedef enum {
    RECUR_SEASON_CALENDAR,   /* 12 monthly, 4 quarterly; 52/53 weekly, 7/365 daily */
    RECUR_SEASON_PERIODOGRAM /* the strongest period of the values */
} recur_season_source;
/* The season of a series whose calendar has `period` steps per year
 * (recur_series_period; 0: none): 12 or 4 from the calendar for monthly or
 * quarterly data; otherwise the integer period P in 2 .. n/4 (and <= 1000)
 * with the most power in the periodogram of the last min(n, 4096) values
 * of y[n] less their least-squares quadratic trend (v_t),
 * |sum_t v_t e^(-2 pi i t / P)|^2 -- unless the calendar is weekly
 * (period 52) or daily (365): then the stronger of 52 and 53 weeks, or of
 * 7 and 365 days (each only with two whole cycles in the values), is the
 * season when it has at least a quarter of the strongest period's power.
 * 1 (none) for a series that is constant, or a line or parabola, or too
 * short. Give it the training part only. how (may be NULL) says which rule
 * gave it. */
RECUR_API int recur_forecast_infer_season(const double *y, long n, int period, int *season,
                                          recur_season_source *how);

/* ---- baselines and errors ---------------------------------------------------- */
/* Forecasts of positions start .. start+count-1 (start >= 1). One step
 * ahead (recursive = 0; y holds the values before each position): the
 * previous value y[t-1]. Recursive (only y[0 .. start-1] is known): the
 * last known value y[start-1] held flat. */
RECUR_API int recur_forecast_last_value(const double *y, long start, long count,
                                        int recursive, double *out);
/* The same with the value one season before: y[t - season] one step ahead;
 * recursive, the last known season repeated, y[start - season + h % season].
 * start >= season >= 1. */
RECUR_API int recur_forecast_seasonal_naive(const double *y, long start, long count,
                                            int season, int recursive, double *out);

typedef struct {
    double rmse; /* root mean squared error */
    double mae;  /* mean absolute error */
} recur_forecast_errors;
/* The errors of pred[n] against truth[n] (n >= 1), in their units. */
RECUR_API int recur_forecast_metrics(const double *truth, const double *pred, long n,
                                     recur_forecast_errors *out);

/* ---- the metadata of a saved forecaster ---------------------------------------- */
/* Store e in m's metadata (recur_model_set_meta): forecast.window, .season,
 * .season_input, .log, .diff, .scale (minmax, zscore, none), .scale_offset
 * and .scale_factor (exact: 17 significant digits), saved with the model.
 * `recur forecast train` adds forecast.series and forecast.column (the CSV
 * and its value column), forecast.train_points and forecast.test_points. */
RECUR_API int recur_forecast_write_meta(recur_model *m, const recur_forecast_encoding *e);
/* Read and check a forecaster's encoding from m's metadata: every key
 * above present and in range (RECUR_E_INVALID "not a forecasting model"
 * when one is missing, RECUR_E_FORMAT when one is malformed), and the
 * network fit for it (dense input of recur_forecast_features, one output,
 * readout LAST or SEQUENCE, one direction; else RECUR_E_MISMATCH). */
RECUR_API int recur_forecast_read_meta(const recur_model *m, recur_forecast_encoding *e);

#endif /* RECUR_API_FORECAST_H */
