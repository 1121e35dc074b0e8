/* fuzz_series.c - fuzz target for the CSV time-series loader,
 * recur_series_from_memory_missing. The first byte picks the value column
 * (bits 0-1; none: the default, or a 1-based index) and the missing-value
 * mode (bits 2-3: refuse, interpolate, previous, drop). An input either fails with a one-line
 * message, or gives at least RECUR_MIN_SERIES_ROWS finite values within
 * RECUR_MAX_SERIES_VALUE, a label per row, and calendar helpers that stay
 * in range; a scaler fitted on the values inverts what it applies (to
 * rounding at the scale's size: fuzz/regress/series/ holds the input that
 * showed an absolute tolerance was wrong). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recur.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_series: %s (%s)\n", what, recur_last_error());
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char column[8];
    const char *col = NULL;
    if (data[0] % 4) {
        snprintf(column, sizeof column, "%d", data[0] % 4);
        col = column;
    }
    recur_series *s = NULL;
    int rc = recur_series_from_memory_missing((const char *)data + 1, size - 1, col,
                                              (recur_missing)((data[0] >> 2) % 4), &s);
    if (rc != RECUR_OK) {
        const char *msg = recur_last_error();
        if (s || !*msg || strchr(msg, '\n'))
            fail("a refusal must leave no object and one line of message");
        return 0;
    }
    long n = recur_series_length(s);
    const double *v = recur_series_values(s);
    if (n < RECUR_MIN_SERIES_ROWS || !v || !recur_series_value_name(s))
        fail("a series too short or without values");
    for (long i = 0; i < n; i++) {
        if (!isfinite(v[i]) || fabs(v[i]) > RECUR_MAX_SERIES_VALUE)
            fail("a value not finite or out of range");
        if (!recur_series_time(s, i))
            fail("a row without a time label");
        if (recur_series_time_index(s, i) < 0)
            fail("a row outside the calendar");
    }
    int p = recur_series_period(s);
    if (p != 0 && p != 1 && p != 4 && p != 12 && p != 52 && p != 365)
        fail("an unknown period");
    char buf[64];
    if (recur_series_time_after(s, 1 + (long)(data[0] % 30), buf, sizeof buf) == RECUR_OK &&
        !memchr(buf, 0, sizeof buf))
        fail("an unterminated time label");
    recur_scaler sc;
    for (int k = 0; k < 3; k++)
        if (recur_scaler_fit(&sc, (recur_scale_kind)k, v, n) == RECUR_OK) {
            /* Exact up to rounding at the size of the scale and offset:
             * 2 among values of 1e22 comes back only to within ~1e6. */
            double back = recur_scaler_invert(&sc, recur_scaler_apply(&sc, v[0]));
            double mag = fmax(fmax(1, fabs(v[0])), fmax(fabs(sc.scale), fabs(sc.offset)));
            if (!isfinite(back) || fabs(back - v[0]) > 1e-9 * mag)
                fail("scaling does not invert");
        }
    recur_series_free(s);
    return 0;
}
