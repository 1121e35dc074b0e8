/* recur/series.h - time series: CSV loading and scaling for forecasting.
 * Part of the public API: include <recur.h>, which includes this file. */
#ifndef RECUR_API_SERIES_H
#define RECUR_API_SERIES_H

#ifndef RECUR_H
#error "include <recur.h>; recur/series.h is one of its parts"
#endif

/* ---- time series (forecasting) -------------------------------------------- */
/* A CSV time series: a header line naming the columns, then one row per
 * time step, fields separated by commas (optionally "quoted", with ""
 * for a quote; CRLF line ends and a UTF-8 BOM are accepted). The first
 * column is the time label (any text; a one-column file has none and its
 * rows are numbered); the value column is chosen by name, by 1-based
 * index ("3"), or (column NULL or "") it is the last column, other than
 * the time, whose first data row holds a number. Values are plain decimal
 * numbers. Strict: a missing (see recur_missing below) or non-numeric
 * value, NaN/Inf, a row with the wrong number of fields, a blank line
 * inside the data, a control character, a NUL byte, fewer than
 * RECUR_MIN_SERIES_ROWS rows or a size over the limits below is an error
 * (RECUR_E_FORMAT, RECUR_E_LIMIT, RECUR_E_INVALID for an unknown column)
 * with a one-line message naming the file, the line and the column. */
#define RECUR_MAX_SERIES_BYTES (256L << 20) /* a CSV file */
#define RECUR_MAX_SERIES_ROWS 10000000L     /* data rows */
#define RECUR_MAX_SERIES_COLUMNS 1024       /* fields per line */
#define RECUR_MAX_SERIES_FIELD 256          /* bytes in one field */
#define RECUR_MAX_SERIES_VALUE 1e30         /* largest magnitude of a value */
#define RECUR_MIN_SERIES_ROWS 2

typedef struct recur_series recur_series;

RECUR_API int recur_series_load(const char *path, const char *column, recur_series **out);

/* Real series have holes. A value field that is empty or reads NA, N/A,
 * NaN, null or ? (any case) is missing: recur_series_load refuses it (the
 * message names the modes below); these loaders fill or drop it instead.
 * Inf and text that is not a number stay errors. */
typedef enum {
    RECUR_MISSING_REFUSE,      /* an error naming the line (the default) */
    RECUR_MISSING_INTERPOLATE, /* linear in the row number between the known
                                  values on either side; holes before the
                                  first or after the last known value take
                                  that value */
    RECUR_MISSING_PREVIOUS,    /* the last known value before it (holes at the
                                  start: the first known value) */
    RECUR_MISSING_DROP         /* the row is left out (its time label too, so
                                  a monthly calendar with a gap becomes "no
                                  calendar": recur_series_period 0) */
} recur_missing;
RECUR_API const char *recur_missing_name(recur_missing m); /* "refuse", "interpolate", ... */
RECUR_API int recur_missing_parse(const char *name);       /* and back; -1 if unknown */
RECUR_API int recur_series_load_missing(const char *path, const char *column,
                                        recur_missing missing, recur_series **out);
RECUR_API int recur_series_from_memory_missing(const char *data, size_t len,
                                               const char *column, recur_missing missing,
                                               recur_series **out);
/* How many rows had a missing value (filled, or dropped and not counted in
 * recur_series_length): report it, a filled series is not the raw data. */
RECUR_API long recur_series_missing(const recur_series *s);
/* The same from a buffer of len bytes (need not be NUL-terminated); messages
 * name it "series". */
RECUR_API int recur_series_from_memory(const char *data, size_t len, const char *column,
                             recur_series **out);
RECUR_API void recur_series_free(recur_series *s);
RECUR_API long recur_series_length(const recur_series *s);
RECUR_API const double *recur_series_values(const recur_series *s);   /* [length] */
RECUR_API const char *recur_series_time(const recur_series *s, long i); /* row i's label */
RECUR_API const char *recur_series_time_name(const recur_series *s);   /* header names */
RECUR_API const char *recur_series_value_name(const recur_series *s);
RECUR_API int recur_series_value_column(const recur_series *s);        /* 1-based */
/* Steps per year read off the time labels when every label is one step
 * after the previous: "YYYY-MM" monthly 12, "YYYY-Qn" quarterly 4, an
 * integer (a year) 1, "YYYY-MM-DD" dates one day apart 365 (daily) or
 * seven days apart 52 (weekly); otherwise 0 (unknown). */
RECUR_API int recur_series_period(const recur_series *s);
/* Row i's position on the calendar when the period is known (months,
 * quarters or years since year 0; days, or weeks for weekly data, since
 * 0000-03-01), else i itself; -1 if i is outside. */
RECUR_API long recur_series_time_index(const recur_series *s, long i);
/* The time label k >= 1 steps after the last row ("1961-01", "2009",
 * "2024-01-08"; "+k" when the labels follow no known calendar). */
RECUR_API int recur_series_time_after(const recur_series *s, long k, char *buf, size_t size);

/* Scaling fitted on one part of a series (the training part) and applied to
 * any value: scaled = (v - offset) / scale. MINMAX maps the fitted values to
 * [0, 1] (others may land outside it), ZSCORE to mean 0 and deviation 1,
 * NONE is the identity. A constant part keeps scale 1. */
typedef enum { RECUR_SCALE_MINMAX, RECUR_SCALE_ZSCORE, RECUR_SCALE_NONE } recur_scale_kind;
typedef struct {
    recur_scale_kind kind;
    double offset, scale;
} recur_scaler;
RECUR_API const char *recur_scale_name(recur_scale_kind k); /* "minmax", "zscore", "none" */
RECUR_API int recur_scale_parse(const char *name);          /* and back; -1 if unknown */
RECUR_API int recur_scaler_fit(recur_scaler *sc, recur_scale_kind kind, const double *v, long n);
RECUR_API double recur_scaler_apply(const recur_scaler *sc, double v);
RECUR_API double recur_scaler_invert(const recur_scaler *sc, double scaled);

#endif /* RECUR_API_SERIES_H */
