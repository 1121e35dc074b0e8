/* test_forecast.c - the forecasting API (include/recur/forecast.h): the
 * encoding inverts, windows and examples equal ones written by hand, the
 * baselines and errors equal hand-checked numbers, the season is found,
 * the metadata round-trips and bad metadata is refused with one message,
 * and a recursive forecast equals stepping the network by hand. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recur.h"
#include "testlib.h"

#define PI 3.14159265358979323846

/* A positive seasonal series with a trend: 60 values. */
static void make_series(double *y, long n)
{
    for (long i = 0; i < n; i++)
        y[i] = 100 + 2.5 * (double)i + 20 * sin(2 * PI * (double)i / 12) +
               3 * cos(0.7 * (double)i * (double)i);
}

/* encode then invert returns every value, for every transform and scaling;
 * the scaler sees only the training part. */
static void test_encoding_round_trip(void)
{
    double y[60], z[60];
    make_series(y, 60);
    for (int kind = 0; kind < 3; kind++)
        for (int lg = 0; lg < 2; lg++)
            for (int diff = 0; diff <= 12; diff += 6) {
                recur_forecast_encoding e = {.window = 5, .season = 12, .log = lg,
                                             .diff = diff};
                CHECK(recur_forecast_fit(&e, (recur_scale_kind)kind, y, 40) == RECUR_OK);
                CHECK(recur_forecast_encode(&e, y, 60, z) == RECUR_OK);
                for (long t = diff; t < 60; t++)
                    CHECK_NEAR(recur_forecast_invert(&e, y, t, z[t - diff]), y[t], 1e-12);
                if (kind == RECUR_SCALE_MINMAX) {
                    /* the training part's encoded values span exactly [0, 1] */
                    double lo = 1e300, hi = -1e300;
                    for (long t = diff; t < 40; t++) {
                        lo = z[t - diff] < lo ? z[t - diff] : lo;
                        hi = z[t - diff] > hi ? z[t - diff] : hi;
                    }
                    CHECK_NEAR(lo, 0, 1e-12);
                    CHECK_NEAR(hi, 1, 1e-12);
                }
            }
    /* by hand: log, lag 1, no scaling: z = log y[t] - log y[t-1] */
    recur_forecast_encoding e = {.window = 2, .season = 1, .log = 1, .diff = 1};
    CHECK(recur_forecast_fit(&e, RECUR_SCALE_NONE, y, 40) == RECUR_OK);
    CHECK(e.scaler.offset == 0 && e.scaler.scale == 1);
    CHECK(recur_forecast_encode(&e, y, 60, z) == RECUR_OK);
    CHECK_NEAR(z[9], log(y[10] / y[9]), 1e-13);
    /* a log encoding refuses a value <= 0, naming its position */
    y[7] = 0;
    CHECK(recur_forecast_fit(&e, RECUR_SCALE_MINMAX, y, 40) == RECUR_E_INVALID);
    CHECK(strstr(recur_last_error(), "position 7") != NULL);
    recur_forecast_encoding bad = {.window = 0, .season = 1};
    CHECK(recur_forecast_fit(&bad, RECUR_SCALE_NONE, y, 40) == RECUR_E_INVALID);
}

/* Windows and examples against ones written out by hand. */
static void test_windows_by_hand(void)
{
    /* differences 1, 2, 3, ... of a quadratic */
    double y[10] = {1, 2, 4, 7, 11, 16, 22, 29, 37, 46};
    recur_forecast_encoding e = {.window = 3, .season = 4, .season_input = 1, .diff = 1};
    e.scaler = (recur_scaler){RECUR_SCALE_MINMAX, 1, 2}; /* (v - 1) / 2 */
    CHECK(recur_forecast_features(&e) == 3);
    float x[9];
    CHECK(recur_forecast_window(&e, y, NULL, 5, x) == RECUR_OK);
    /* positions 2, 3, 4: differences 2, 3, 4 -> 0.5, 1, 1.5; phases 2/4, 3/4, 0 */
    const float want[9] = {0.5f, 0, -1, 1, -1, 0, 1.5f, 0, 1};
    for (int i = 0; i < 9; i++)
        CHECK_NEAR(x[i], want[i], 1e-7);
    /* calendar positions shift the phase: tix[j] = j + 1 */
    long tix[10];
    for (int i = 0; i < 10; i++)
        tix[i] = i + 1;
    CHECK(recur_forecast_window(&e, y, tix, 5, x) == RECUR_OK);
    CHECK_NEAR(x[1], -1, 1e-7); /* phase 3/4 */
    CHECK_NEAR(x[2], 0, 1e-7);
    CHECK(recur_forecast_window(&e, y, NULL, 3, x) == RECUR_E_INVALID); /* needs 4 before */

    recur_dataset ds;
    e.season_input = 0;
    CHECK(recur_forecast_examples(&e, y, NULL, 4, 10, 0, &ds) == RECUR_OK);
    CHECK(ds.count == 6);
    for (long i = 0; i <= 6; i++)
        CHECK(ds.offsets[i] == 3 * i);
    for (long i = 0; i < 6; i++) {
        long t = 4 + i;
        for (int k = 0; k < 3; k++) /* difference at t-3+k is t-3+k */
            CHECK_NEAR(ds.x[i * 3 + k], ((double)(t - 3 + k) - 1) / 2, 1e-7);
        CHECK_NEAR(ds.targets[i], ((double)t - 1) / 2, 1e-7);
    }
    recur_forecast_examples_free(&ds);
    CHECK(ds.offsets == NULL && ds.x == NULL && ds.targets == NULL);
    /* many to many: the value after every step of the window */
    CHECK(recur_forecast_examples(&e, y, NULL, 8, 10, 1, &ds) == RECUR_OK);
    CHECK(ds.count == 2);
    for (long i = 0; i < 2; i++)
        for (int k = 0; k < 3; k++)
            CHECK_NEAR(ds.targets[i * 3 + k], ((double)(8 + i - 3 + k + 1) - 1) / 2, 1e-7);
    recur_forecast_examples_free(&ds);
    CHECK(recur_forecast_examples(&e, y, NULL, 3, 10, 0, &ds) == RECUR_E_INVALID);
    CHECK(recur_forecast_examples(&e, y, NULL, 5, 5, 0, &ds) == RECUR_E_INVALID);

    recur_config c;
    recur_config_default(&c);
    e.season_input = 1;
    CHECK(recur_forecast_config(&e, 1, &c) == RECUR_OK);
    CHECK(c.input == RECUR_INPUT_DENSE && c.input_size == 3 && c.output_size == 1 &&
          c.loss == RECUR_LOSS_MSE && c.readout == RECUR_READOUT_SEQUENCE);
    CHECK(recur_config_check(&c) == RECUR_OK);
}

/* The baselines and errors on a short series checked by hand. */
static void test_baselines_and_metrics(void)
{
    const double y[9] = {10, 20, 30, 12, 22, 32, 14, 24, 34};
    double out[4];
    CHECK(recur_forecast_last_value(y, 6, 3, 0, out) == RECUR_OK);
    CHECK(out[0] == 32 && out[1] == 14 && out[2] == 24);
    CHECK(recur_forecast_last_value(y, 6, 3, 1, out) == RECUR_OK);
    CHECK(out[0] == 32 && out[1] == 32 && out[2] == 32);
    CHECK(recur_forecast_seasonal_naive(y, 6, 3, 3, 0, out) == RECUR_OK);
    CHECK(out[0] == 12 && out[1] == 22 && out[2] == 32);
    /* recursive: the last known season (positions 3, 4, 5) repeated */
    CHECK(recur_forecast_seasonal_naive(y, 6, 4, 3, 1, out) == RECUR_OK);
    CHECK(out[0] == 12 && out[1] == 22 && out[2] == 32 && out[3] == 12);
    CHECK(recur_forecast_seasonal_naive(y, 2, 1, 3, 0, out) == RECUR_E_INVALID);
    CHECK(recur_forecast_last_value(y, 0, 1, 0, out) == RECUR_E_INVALID);

    recur_forecast_errors err;
    const double sn[3] = {12, 22, 32}, lv[3] = {32, 14, 24};
    CHECK(recur_forecast_metrics(y + 6, sn, 3, &err) == RECUR_OK);
    CHECK_NEAR(err.rmse, 2, 1e-15);
    CHECK_NEAR(err.mae, 2, 1e-15);
    /* errors 18, -10, -10 */
    CHECK(recur_forecast_metrics(y + 6, lv, 3, &err) == RECUR_OK);
    CHECK_NEAR(err.rmse, sqrt(524.0 / 3), 1e-15);
    CHECK_NEAR(err.mae, 38.0 / 3, 1e-15);
    CHECK(recur_forecast_metrics(y, lv, 0, &err) == RECUR_E_INVALID);
}

static void test_season(void)
{
    double y[300];
    uint64_t r = 12345;
    for (int i = 0; i < 300; i++) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        double noise = (double)(r >> 11) / 9007199254740992.0 - 0.5;
        y[i] = 50 + 10 * sin(2 * PI * i / 7.0) + 4 * cos(4 * PI * i / 7.0) + 3 * noise;
    }
    int season = 0;
    recur_season_source how = RECUR_SEASON_CALENDAR;
    CHECK(recur_forecast_infer_season(y, 300, 0, &season, &how) == RECUR_OK);
    CHECK_MSG(season == 7, "season %d, expected 7", season);
    CHECK(how == RECUR_SEASON_PERIODOGRAM);
    /* yearly labels (period 1) do not decide it: the periodogram does */
    for (int i = 0; i < 300; i++)
        y[i] = 80 + 60 * sin(2 * PI * i / 11.0);
    CHECK(recur_forecast_infer_season(y, 300, 1, &season, &how) == RECUR_OK);
    CHECK_MSG(season == 11, "season %d, expected 11", season);
    /* monthly and quarterly calendars decide it */
    CHECK(recur_forecast_infer_season(y, 300, 12, &season, &how) == RECUR_OK);
    CHECK(season == 12 && how == RECUR_SEASON_CALENDAR);
    CHECK(recur_forecast_infer_season(y, 300, 4, &season, NULL) == RECUR_OK);
    CHECK(season == 4);
    /* a constant series has none */
    for (int i = 0; i < 300; i++)
        y[i] = 5;
    CHECK(recur_forecast_infer_season(y, 300, 0, &season, &how) == RECUR_OK);
    CHECK(season == 1);
    CHECK(recur_forecast_infer_season(y, 0, 0, &season, &how) == RECUR_E_INVALID);
}

/* uniform noise in [-0.5, 0.5) */
static double noise(uint64_t *r)
{
    *r = *r * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*r >> 11) / 9007199254740992.0 - 0.5;
}

/* Weekly data with a strong trend (like Mauna Loa CO2: 2,284 weeks rising
 * 100 units, a yearly cycle of 52.18 weeks): the raw periodogram peaks at
 * the longest period (the trend); the detrended one at 52, and weekly dates
 * make 52 the calendar's choice. */
static void test_season_weekly_trend(void)
{
    enum { N = 2284 };
    static double y[N];
    uint64_t r = 99;
    for (int t = 0; t < N; t++)
        y[t] = 315 + 0.03 * t + 1e-5 * t * t + 3 * sin(2 * PI * t / 52.1775) + noise(&r);
    int season = 0;
    recur_season_source how;
    CHECK(recur_forecast_infer_season(y, N, 52, &season, &how) == RECUR_OK);
    CHECK_MSG(season == 52 && how == RECUR_SEASON_CALENDAR, "season %d (how %d)", season,
              (int)how);
    CHECK(recur_forecast_infer_season(y, N, 0, &season, &how) == RECUR_OK);
    CHECK_MSG(season == 52 && how == RECUR_SEASON_PERIODOGRAM, "no calendar: season %d",
              season);
    /* a weekly calendar does not force 52 on a series without a yearly cycle */
    for (int t = 0; t < N; t++)
        y[t] = 100 + 0.05 * t + 5 * sin(2 * PI * t / 13.0) + noise(&r);
    CHECK(recur_forecast_infer_season(y, N, 52, &season, &how) == RECUR_OK);
    CHECK_MSG(season == 13 && how == RECUR_SEASON_PERIODOGRAM, "season %d", season);
    /* a trend alone, linear or quadratic, has no season */
    for (int t = 0; t < N; t++)
        y[t] = 7 + 0.5 * t - 1e-4 * t * t;
    CHECK(recur_forecast_infer_season(y, N, 52, &season, NULL) == RECUR_OK);
    CHECK_MSG(season == 1, "season %d", season);
}

/* Daily data with a trend and two seasons, a week and a year: whichever is
 * stronger is the season; the year is beyond the periodogram's n/4 search
 * but the dates put it on the list. Loaded from a CSV of dates, so the
 * calendar comes from recur_series_period. */
static void test_season_daily_two(void)
{
    enum { N = 3 * 365 + 1 };
    for (int yearly_strong = 0; yearly_strong < 2; yearly_strong++) {
        static char csv[N * 32 + 32];
        size_t used = (size_t)snprintf(csv, sizeof csv, "date,sales\n");
        uint64_t r = 7;
        for (int t = 0; t < N; t++) {
            /* 2021-01-01 + t days (2021..2023 are not leap years, 2024 is) */
            static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
            int y = 2021, m = 0, d = t;
            while (d >= (m == 1 && y % 4 == 0 ? 29 : md[m])) {
                d -= m == 1 && y % 4 == 0 ? 29 : md[m];
                if (++m == 12)
                    m = 0, y++;
            }
            double a7 = yearly_strong ? 2 : 8, a365 = yearly_strong ? 20 : 3;
            double v = 200 + 0.1 * t + a7 * sin(2 * PI * t / 7) +
                       a365 * sin(2 * PI * t / 365.2425) + 2 * noise(&r);
            used += (size_t)snprintf(csv + used, sizeof csv - used, "%04d-%02d-%02d,%.4f\n", y,
                                     m + 1, d + 1, v);
        }
        recur_series *s = NULL;
        CHECK(recur_series_from_memory(csv, used, NULL, &s) == RECUR_OK);
        if (!s)
            return;
        CHECK_MSG(recur_series_period(s) == 365, "period %d", recur_series_period(s));
        CHECK(strcmp(recur_series_time(s, N - 1), "2024-01-01") == 0);
        char next[32];
        CHECK(recur_series_time_after(s, 60, next, sizeof next) == RECUR_OK);
        CHECK_MSG(strcmp(next, "2024-03-01") == 0, "60 days after 2024-01-01: %s", next);
        CHECK(recur_series_time_index(s, 1) - recur_series_time_index(s, 0) == 1);
        int season = 0;
        recur_season_source how;
        CHECK(recur_forecast_infer_season(recur_series_values(s), N, recur_series_period(s),
                                          &season, &how) == RECUR_OK);
        CHECK_MSG(season == (yearly_strong ? 365 : 7) && how == RECUR_SEASON_CALENDAR,
                  "yearly %s: season %d", yearly_strong ? "strong" : "weak", season);
        recur_series_free(s);
    }
    /* weekly dates: period 52, week numbers as positions, dates after */
    const char *wk = "week,ppm\n2023-12-18,1\n2023-12-25,2\n2024-01-01,3\n";
    recur_series *s = NULL;
    CHECK(recur_series_from_memory(wk, strlen(wk), NULL, &s) == RECUR_OK);
    if (s) {
        char next[32];
        CHECK(recur_series_period(s) == 52);
        CHECK(recur_series_time_index(s, 2) - recur_series_time_index(s, 1) == 1);
        CHECK(recur_series_time_after(s, 9, next, sizeof next) == RECUR_OK);
        CHECK_MSG(strcmp(next, "2024-03-04") == 0, "9 weeks after 2024-01-01: %s", next);
    }
    recur_series_free(s);
    /* a gap, a mixed step or an impossible date: no calendar */
    static const char *const none[] = {"d,v\n2024-01-01,1\n2024-01-02,2\n2024-01-04,3\n",
                                       "d,v\n2024-01-01,1\n2024-01-08,2\n2024-01-09,3\n",
                                       "d,v\n2023-02-28,1\n2023-02-29,2\n2023-03-01,3\n",
                                       "d,v\n2024-01-01,1\n2024-01-02,2\n2024-01,3\n"};
    for (int k = 0; k < 4; k++) {
        s = NULL;
        CHECK(recur_series_from_memory(none[k], strlen(none[k]), NULL, &s) == RECUR_OK);
        CHECK_MSG(s && recur_series_period(s) == 0, "case %d: period %d", k,
                  s ? recur_series_period(s) : -1);
        recur_series_free(s);
    }
}

static recur_model *forecaster(const recur_forecast_encoding *e, int many, int hidden)
{
    recur_config c;
    recur_config_default(&c);
    c.cell = RECUR_LSTM;
    c.hidden = hidden;
    recur_forecast_config(e, many, &c);
    recur_model *m = NULL;
    CHECK(recur_model_create(&c, 7, &m) == RECUR_OK);
    return m;
}

/* read_meta on m must fail with code and a one-line message holding want. */
static void expect_refused(const recur_model *m, int code, const char *want)
{
    recur_forecast_encoding e;
    memset(&e, 0x5a, sizeof e);
    recur_forecast_encoding before = e;
    int rc = recur_forecast_read_meta(m, &e);
    CHECK_MSG(rc == code, "rc %d, expected %d (%s)", rc, code, recur_last_error());
    CHECK_MSG(strstr(recur_last_error(), want) != NULL, "message '%s' lacks '%s'",
              recur_last_error(), want);
    CHECK(strchr(recur_last_error(), '\n') == NULL);
    CHECK(memcmp(&e, &before, sizeof e) == 0); /* untouched on failure */
}

static void set_all_meta(recur_model *m, const char *const kv[][2], int skip)
{
    for (int i = 0; kv[i][0]; i++)
        if (i != skip)
            CHECK(recur_model_set_meta(m, kv[i][0], kv[i][1]) == RECUR_OK);
}

static void test_meta_round_trip_and_refusals(void)
{
    recur_forecast_encoding e = {.window = 6, .season = 12, .season_input = 1, .log = 1,
                                 .diff = 12};
    e.scaler = (recur_scaler){RECUR_SCALE_ZSCORE, 0.1 + 1.0 / 3, 2.0 / 3 * 1e-5};
    recur_model *m = forecaster(&e, 0, 3);
    if (!m)
        return;
    CHECK(recur_forecast_write_meta(m, &e) == RECUR_OK);
    char path[] = "/tmp/recur-forecast-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
    CHECK(recur_model_save(m, path) == RECUR_OK);
    recur_model *m2 = NULL;
    CHECK(recur_model_load(path, &m2) == RECUR_OK);
    unlink(path);
    recur_forecast_encoding r;
    memset(&r, 0, sizeof r);
    CHECK(m2 && recur_forecast_read_meta(m2, &r) == RECUR_OK);
    CHECK(r.window == 6 && r.season == 12 && r.season_input == 1 && r.log == 1 &&
          r.diff == 12 && r.scaler.kind == RECUR_SCALE_ZSCORE);
    CHECK(r.scaler.offset == e.scaler.offset); /* exact, not rounded */
    CHECK(r.scaler.scale == e.scaler.scale);
    recur_model_free(m2);
    recur_model_free(m);

    /* a model with no forecasting metadata at all */
    m = forecaster(&e, 0, 3);
    expect_refused(m, RECUR_E_INVALID, "not a forecasting model (its metadata has no "
                                       "'forecast.window'");
    recur_model_free(m);
    static const char *const good[][2] = {
        {"forecast.window", "6"},       {"forecast.season", "12"},
        {"forecast.season_input", "1"}, {"forecast.log", "0"},
        {"forecast.diff", "1"},         {"forecast.scale", "minmax"},
        {"forecast.scale_offset", "-3.5"}, {"forecast.scale_factor", "2"},
        {NULL, NULL}};
    /* each key missing in turn */
    for (int skip = 0; good[skip][0]; skip++) {
        m = forecaster(&e, 0, 3);
        set_all_meta(m, good, skip);
        expect_refused(m, RECUR_E_INVALID, good[skip][0]);
        recur_model_free(m);
    }
    /* each malformed */
    static const char *const bad[][3] = {
        {"forecast.window", "0", "not an integer in 1..10000"},
        {"forecast.window", "6x", "not an integer"},
        {"forecast.window", "", "not an integer"},
        {"forecast.season", "99999999999999999999", "not an integer"},
        {"forecast.season_input", "2", "not an integer in 0..1"},
        {"forecast.log", "-1", "not an integer in 0..1"},
        {"forecast.diff", "1.5", "not an integer"},
        {"forecast.scale", "log", "is not minmax, zscore or none"},
        {"forecast.scale_offset", "nan", "not a finite number"},
        {"forecast.scale_offset", "1e999", "not a finite number"},
        {"forecast.scale_factor", "0", "must be > 0"},
        {"forecast.scale_factor", "-2", "must be > 0"},
        {NULL, NULL, NULL}};
    for (int i = 0; bad[i][0]; i++) {
        m = forecaster(&e, 0, 3);
        set_all_meta(m, good, -1);
        CHECK(recur_model_set_meta(m, bad[i][0], bad[i][1]) == RECUR_OK);
        expect_refused(m, RECUR_E_FORMAT, bad[i][2]);
        recur_model_free(m);
    }
    /* metadata that does not fit the network: 3 features, a 1-feature net */
    recur_forecast_encoding one = e;
    one.season_input = 0;
    m = forecaster(&one, 0, 3);
    set_all_meta(m, good, -1);
    expect_refused(m, RECUR_E_MISMATCH, "does not match its forecasting settings");
    recur_model_free(m);
    /* the good set reads */
    m = forecaster(&e, 1, 3);
    set_all_meta(m, good, -1);
    CHECK(recur_forecast_read_meta(m, &r) == RECUR_OK);
    CHECK(r.diff == 1 && r.scaler.offset == -3.5 && r.scaler.kind == RECUR_SCALE_MINMAX);
    recur_model_free(m);
    CHECK(recur_forecast_read_meta(NULL, &r) == RECUR_E_INVALID);
}

/* Thousands of random values for the keys: each read either succeeds with
 * every field in range or fails with one message, never anything else. */
static void test_meta_mutated(void)
{
    static const char *const keys[] = {"forecast.window", "forecast.season",
                                       "forecast.season_input", "forecast.log",
                                       "forecast.diff", "forecast.scale",
                                       "forecast.scale_offset", "forecast.scale_factor"};
    static const char alphabet[] = "0123456789.-+eExinfaINFmz ";
    static const char *const good[][2] = {
        {"forecast.window", "4"},       {"forecast.season", "1"},
        {"forecast.season_input", "0"}, {"forecast.log", "0"},
        {"forecast.diff", "0"},         {"forecast.scale", "none"},
        {"forecast.scale_offset", "0"}, {"forecast.scale_factor", "1"},
        {NULL, NULL}};
    recur_forecast_encoding e = {.window = 4, .season = 1};
    recur_model *m = forecaster(&e, 0, 2);
    if (!m)
        return;
    set_all_meta(m, good, -1);
    uint64_t r = 99;
    int ok = 0;
    for (int it = 0; it < 3000; it++) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        const char *key = keys[(r >> 33) % 8];
        char v[24];
        int len = (int)((r >> 40) % 20);
        for (int i = 0; i < len; i++) {
            r = r * 6364136223846793005ULL + 1442695040888963407ULL;
            v[i] = alphabet[(r >> 33) % (sizeof alphabet - 1)];
        }
        v[len] = 0;
        CHECK(recur_model_set_meta(m, key, v) == RECUR_OK);
        recur_forecast_encoding got;
        int rc = recur_forecast_read_meta(m, &got);
        if (rc == RECUR_OK) {
            ok++;
            CHECK(got.window >= 1 && got.window <= RECUR_FORECAST_MAX_WINDOW);
            CHECK(got.season >= 1 && got.season <= RECUR_FORECAST_MAX_SEASON);
            CHECK(got.diff >= 0 && got.diff <= RECUR_FORECAST_MAX_DIFF);
            CHECK(got.season_input == 0 && (got.log == 0 || got.log == 1));
            CHECK(isfinite(got.scaler.offset) && isfinite(got.scaler.scale) &&
                  got.scaler.scale > 0);
        } else {
            CHECK_MSG(rc == RECUR_E_FORMAT || rc == RECUR_E_MISMATCH, "rc %d for %s = '%s'",
                      rc, key, v);
            CHECK(*recur_last_error() && strchr(recur_last_error(), '\n') == NULL);
        }
        /* back to good, so that each value is tried alone */
        for (int i = 0; good[i][0]; i++)
            if (strcmp(good[i][0], key) == 0)
                CHECK(recur_model_set_meta(m, key, good[i][1]) == RECUR_OK);
    }
    CHECK_MSG(ok > 30 && ok < 2970, "%d of 3000 random values read", ok);
    recur_model_free(m);
}

/* Train a tiny forecaster briefly on y[0..ntrain-1]. */
static recur_model *train_tiny(const recur_forecast_encoding *e, const double *y,
                               long ntrain, int many)
{
    recur_model *m = forecaster(e, many, 5);
    recur_dataset ds;
    CHECK(recur_forecast_examples(e, y, NULL, (long)e->window + e->diff, ntrain, many, &ds) ==
          RECUR_OK);
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.optimizer = RECUR_ADAM;
    tc.lr = 0.02f;
    tc.seq_len = e->window;
    tc.batch = 8;
    tc.seed = 3;
    recur_trainer *tr = NULL;
    CHECK(recur_trainer_create_dataset(m, &tc, &ds, &tr) == RECUR_OK);
    double first = 0, last = 0;
    for (int k = 0; tr && k < 60; k++) {
        recur_batch_stats st;
        CHECK(recur_trainer_step(tr, &st) == RECUR_OK);
        if (k < 5)
            first += st.loss;
        if (k >= 55)
            last += st.loss;
    }
    CHECK_MSG(last < first, "training did not lower the loss: %g -> %g", first / 5, last / 5);
    recur_trainer_free(tr);
    recur_forecast_examples_free(&ds);
    return m;
}

/* The forecast for position t of buf by hand: the encoded window stepped
 * through the network one value at a time from a zero state, the last
 * output inverted (scaler, lag, log) with the formulas written out here. */
static double step_by_hand(const recur_model *m, const recur_forecast_encoding *e,
                           const double *buf, long t)
{
    recur_state *st = NULL;
    CHECK(recur_state_create(m, &st) == RECUR_OK);
    float out = 0;
    for (long j = t - e->window; j < t; j++) {
        double z = log(buf[j]) - log(buf[j - e->diff]);
        float x = (float)((z - e->scaler.offset) / e->scaler.scale);
        CHECK(recur_state_step(st, 0, &x, &out) == RECUR_OK);
    }
    recur_state_free(st);
    return exp((double)out * e->scaler.scale + e->scaler.offset + log(buf[t - e->diff]));
}

static void test_recursive_equals_stepping(void)
{
    double y[80];
    for (int i = 0; i < 80; i++)
        y[i] = 30 + 10 * sin(2 * PI * i / 10.0) + 0.2 * i;
    for (int many = 0; many < 2; many++) {
        recur_forecast_encoding e = {.window = 6, .season = 10, .log = 1, .diff = 1};
        CHECK(recur_forecast_fit(&e, RECUR_SCALE_MINMAX, y, 60) == RECUR_OK);
        recur_model *m = train_tiny(&e, y, 60, many);
        if (!m)
            return;
        double buf[72], rec[12], hand[72];
        memcpy(buf, y, sizeof buf);
        memcpy(hand, y, 60 * sizeof *hand);
        CHECK(recur_forecast_recursive(m, &e, buf, NULL, 60, 12, rec) == RECUR_OK);
        for (long h = 0; h < 12; h++) {
            hand[60 + h] = step_by_hand(m, &e, hand, 60 + h);
            CHECK_NEAR(rec[h], hand[60 + h], 1e-5);
            CHECK(buf[60 + h] == rec[h]);
        }
        /* one step ahead: each from the true values */
        double one[20];
        CHECK(recur_forecast_one_step(m, &e, y, NULL, 60, 20, one) == RECUR_OK);
        for (long h = 0; h < 20; h++)
            CHECK_NEAR(one[h], step_by_hand(m, &e, y, 60 + h), 1e-5);
        CHECK_NEAR(one[0], rec[0], 1e-6); /* the same window (batched: float rounding) */
        /* beyond the end of a series: recursive from all of it */
        char csv[4096];
        int len = snprintf(csv, sizeof csv, "t,v\n");
        for (int i = 0; i < 60; i++)
            len += snprintf(csv + len, sizeof csv - (size_t)len, "%d,%.17g\n", i + 1, y[i]);
        recur_series *s = NULL;
        CHECK(recur_series_from_memory(csv, (size_t)len, NULL, &s) == RECUR_OK);
        double beyond[12];
        CHECK(s && recur_forecast_beyond(m, &e, s, 12, beyond) == RECUR_OK);
        for (int h = 0; h < 12; h++)
            CHECK(beyond[h] == rec[h]);
        CHECK(recur_forecast_beyond(m, &e, s, 0, beyond) == RECUR_E_INVALID);
        recur_series_free(s);
        /* too little history, and a network that does not fit the encoding */
        CHECK(recur_forecast_recursive(m, &e, buf, NULL, 6, 1, rec) == RECUR_E_INVALID);
        recur_forecast_encoding e3 = e;
        e3.season_input = 1;
        CHECK(recur_forecast_recursive(m, &e3, buf, NULL, 60, 1, rec) == RECUR_E_MISMATCH);
        recur_model_free(m);
    }
}

/* Exponential-smoothing normalisation (es): the states worked by hand on a
 * small series, the round trip, the fitted constants, the metadata, and a
 * recursive forecast equal to the smoothing and the network worked by
 * hand (the known values' states kept through the horizon). */
static void test_es(void)
{
    /* season 2, alpha = gamma = 1/2, no scaling: every number is exact.
     * Start: L0 = L1 = 2, P0 = -1, P1 = 1. Then
     * j=2: P2 = -1, L2 = (3 + 2)/2 = 2.5, S = (-0.5 - 1)/2 = -0.75;
     * j=3: P3 = 1, L3 = (3 + 2.5)/2 = 2.75, S = (1.25 + 1)/2 = 1.125;
     * j=4: P4 = -0.75, L4 = (3.75 + 2.75)/2 = 3.25; P5 = 1.125. */
    double y[6] = {1, 3, 2, 4, 3, 5};
    recur_forecast_encoding e = {.window = 2, .season = 2, .es = 1, .es_alpha = 0.5,
                                 .es_gamma = 0.5,
                                 .scaler = {RECUR_SCALE_NONE, 0, 1}};
    float x[2];
    CHECK(recur_forecast_window(&e, y, NULL, 4, x) == RECUR_OK);
    CHECK_MSG(x[0] == 0.25f && x[1] == 0.25f, "t=4: %g %g", x[0], x[1]); /* z - P - L3 */
    CHECK(recur_forecast_window(&e, y, NULL, 5, x) == RECUR_OK);
    CHECK_MSG(x[0] == -0.25f && x[1] == 0.5f, "t=5: %g %g", x[0], x[1]); /* z - P - L4 */
    recur_dataset ds;
    CHECK(recur_forecast_examples(&e, y, NULL, 4, 6, 0, &ds) == RECUR_OK);
    CHECK(ds.count == 2 && ds.targets[0] == 1.0f && ds.targets[1] == 0.625f);
    recur_forecast_examples_free(&ds);
    CHECK_NEAR(recur_forecast_invert(&e, y, 5, 0.625), 5, 0);
    CHECK_NEAR(recur_forecast_invert(&e, y, 4, 0), 2.75 - 0.75, 0); /* the smoothing's own */
    /* positions before the first season have no state before them */
    CHECK(recur_forecast_window(&e, y, NULL, 1, x) == RECUR_E_INVALID);
    CHECK(strstr(recur_last_error(), "with es"));
    /* es replaces differencing; constants out of range */
    recur_forecast_encoding bad = e;
    bad.diff = 1;
    CHECK(recur_forecast_window(&bad, y, NULL, 4, x) == RECUR_E_INVALID);
    bad = e;
    bad.es_alpha = 0;
    CHECK(recur_forecast_window(&bad, y, NULL, 4, x) == RECUR_E_INVALID);

    /* the round trip, fitted: every scaling, log or not */
    double s60[60], z[60];
    make_series(s60, 60);
    for (int kind = 0; kind < 3; kind++)
        for (int lg = 0; lg < 2; lg++) {
            recur_forecast_encoding f = {.window = 5, .season = 12, .log = lg, .es = 1};
            CHECK(recur_forecast_fit(&f, (recur_scale_kind)kind, s60, 40) == RECUR_OK);
            CHECK(f.es_alpha > 0 && f.es_alpha <= 1 && f.es_gamma >= 0 && f.es_gamma <= 0.5);
            CHECK(recur_forecast_encode(&f, s60, 60, z) == RECUR_OK);
            for (long t = 12; t < 60; t++)
                CHECK_NEAR(recur_forecast_invert(&f, s60, t, z[t]), s60[t], 1e-9);
        }
    /* the fitted level constant follows the data: a random walk wants
     * alpha near 1, noise around a constant level a small alpha */
    double w[400];
    uint64_t r = 5;
    for (int i = 0; i < 400; i++)
        w[i] = (i ? w[i - 1] : 0) + noise(&r);
    recur_forecast_encoding f = {.window = 4, .season = 1, .es = 1};
    CHECK(recur_forecast_fit(&f, RECUR_SCALE_ZSCORE, w, 400) == RECUR_OK);
    CHECK_MSG(f.es_alpha >= 0.8 && f.es_gamma == 0, "random walk: alpha %g", f.es_alpha);
    for (int i = 0; i < 400; i++)
        w[i] = 10 + noise(&r);
    CHECK(recur_forecast_fit(&f, RECUR_SCALE_ZSCORE, w, 400) == RECUR_OK);
    CHECK_MSG(f.es_alpha <= 0.1, "noise: alpha %g", f.es_alpha);

    /* a trained es forecaster: metadata round trip (exact constants), and
     * the recursive forecast equals one-step forecasts over the series with
     * its own forecasts in place (the smoothing takes each one in) */
    double v[80];
    for (int i = 0; i < 80; i++)
        v[i] = 30 + 10 * sin(2 * PI * i / 4.0) + 0.3 * i;
    recur_forecast_encoding g = {.window = 6, .season = 4, .log = 1, .es = 1};
    CHECK(recur_forecast_fit(&g, RECUR_SCALE_MINMAX, v, 60) == RECUR_OK);
    recur_model *m = train_tiny(&g, v, 60, 0);
    if (!m)
        return;
    recur_forecast_encoding back;
    CHECK(recur_forecast_write_meta(m, &g) == RECUR_OK);
    CHECK(recur_forecast_read_meta(m, &back) == RECUR_OK);
    CHECK(back.es == 1 && back.es_alpha == g.es_alpha && back.es_gamma == g.es_gamma);
    CHECK(recur_model_set_meta(m, "forecast.es_alpha", "1.5") == RECUR_OK);
    CHECK(recur_forecast_read_meta(m, &back) == RECUR_E_FORMAT);
    CHECK(recur_model_set_meta(m, "forecast.es_alpha", "0.5") == RECUR_OK);
    CHECK(recur_model_set_meta(m, "forecast.diff", "1") == RECUR_OK);
    CHECK(recur_forecast_read_meta(m, &back) == RECUR_E_FORMAT);
    double buf[72], rec[12], one[1];
    memcpy(buf, v, sizeof buf);
    CHECK(recur_forecast_recursive(m, &g, buf, NULL, 60, 12, rec) == RECUR_OK);
    CHECK(recur_forecast_one_step(m, &g, v, NULL, 60, 1, one) == RECUR_OK);
    CHECK_NEAR(one[0], rec[0], 1e-6 * fabs(rec[0])); /* the same window */
    /* by hand: the smoothing of the 60 known values written out again, then
     * each window of (log) values less the frozen level and each phase's
     * last index, through the network, back into the series' units */
    double L[60], P[60], S[4], zz[72];
    for (int j = 0; j < 72; j++)
        zz[j] = j < 60 ? log(v[j]) : 0;
    double mean = (zz[0] + zz[1] + zz[2] + zz[3]) / 4;
    for (int j = 0; j < 60; j++) {
        if (j < 4) {
            L[j] = mean;
            P[j] = S[j] = zz[j] - mean;
            continue;
        }
        P[j] = S[j % 4];
        L[j] = g.es_alpha * (zz[j] - P[j]) + (1 - g.es_alpha) * L[j - 1];
        S[j % 4] = g.es_gamma * (zz[j] - L[j]) + (1 - g.es_gamma) * P[j];
    }
    for (int h = 0; h < 12; h++) {
        long t = 60 + h;
        float xin[6], yo[1];
        for (int k = 0; k < 6; k++) {
            long j = t - 6 + k;
            double base = L[59] + (j < 60 ? P[j] : S[j % 4]);
            xin[k] = (float)((zz[j] - base - g.scaler.offset) / g.scaler.scale);
        }
        CHECK(recur_forward(m, 6, 1, NULL, xin, yo) == RECUR_OK);
        double hand = exp((double)yo[0] * g.scaler.scale + g.scaler.offset + L[59] + S[t % 4]);
        CHECK_NEAR(rec[h], hand, 1e-6 * hand);
        zz[t] = log(hand);
    }
    /* one step ahead from the true values stays near them (a broken state
     * would put the level, so the forecast, far off) */
    CHECK(recur_forecast_one_step(m, &g, v, NULL, 60, 20, z) == RECUR_OK);
    for (int h = 0; h < 20; h++)
        CHECK_MSG(fabs(z[h] - v[60 + h]) < 15, "one step %d: %g vs %g", h, z[h], v[60 + h]);
    recur_model_free(m);
}

TEST_MAIN("test_forecast", TL_CASE(test_encoding_round_trip), TL_CASE(test_windows_by_hand),
          TL_CASE(test_baselines_and_metrics), TL_CASE(test_season),
          TL_CASE(test_season_weekly_trend), TL_CASE(test_season_daily_two),
          TL_CASE(test_meta_round_trip_and_refusals), TL_CASE(test_meta_mutated),
          TL_CASE(test_recursive_equals_stepping), TL_CASE(test_es))
