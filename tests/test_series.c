/* test_series.c - the CSV time-series loader (good files, every malformed
 * case with its line number) and scaling fitted on the training part. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "recur.h"
#include "testlib.h"

static recur_series *load_str(const char *csv, const char *column, int *rc)
{
    recur_series *s = (recur_series *)1;
    *rc = recur_series_from_memory(csv, strlen(csv), column, &s);
    return s;
}

/* csv must fail with code and a message containing want. */
static void expect_error(const char *csv, const char *column, int code, const char *want)
{
    int rc;
    recur_series *s = load_str(csv, column, &rc);
    CHECK_MSG(rc == code, "rc %d, expected %d for %s", rc, code, csv);
    CHECK(s == NULL);
    const char *msg = recur_last_error();
    CHECK_MSG(strstr(msg, want) != NULL, "message '%s' lacks '%s'", msg, want);
    CHECK_MSG(strchr(msg, '\n') == NULL, "message '%s' has a newline", msg);
    recur_series_free(s);
}

static void test_monthly(void)
{
    int rc;
    recur_series *s = load_str("month,passengers\n1949-01,112\n1949-02,118\n"
                               "1949-03,132.5\n", NULL, &rc);
    CHECK(rc == RECUR_OK);
    if (!s)
        return;
    CHECK(recur_series_length(s) == 3);
    CHECK_NEAR(recur_series_values(s)[2], 132.5, 0);
    CHECK(strcmp(recur_series_time(s, 1), "1949-02") == 0);
    CHECK(recur_series_time(s, 3) == NULL);
    CHECK(strcmp(recur_series_time_name(s), "month") == 0);
    CHECK(strcmp(recur_series_value_name(s), "passengers") == 0);
    CHECK(recur_series_period(s) == 12);
    char buf[32];
    CHECK(recur_series_time_after(s, 10, buf, sizeof buf) == RECUR_OK);
    CHECK_MSG(strcmp(buf, "1950-01") == 0, "got %s", buf);
    CHECK(recur_series_time_index(s, 1) == 1949 * 12 + 1);
    CHECK(recur_series_time_index(s, 3) == -1);
    recur_series_free(s);
}

static void test_quoted_yearly_crlf(void)
{
    int rc;
    recur_series *s = load_str("\xEF\xBB\xBF\"YEAR\",\"SUNACTIVITY\"\r\n1700,5\r\n1701,11\r\n"
                               "1702, 16 \r\n", NULL, &rc);
    CHECK(rc == RECUR_OK);
    if (!s)
        return;
    CHECK(recur_series_length(s) == 3);
    CHECK(strcmp(recur_series_value_name(s), "SUNACTIVITY") == 0);
    CHECK(recur_series_period(s) == 1);
    CHECK_NEAR(recur_series_values(s)[2], 16, 0);
    char buf[16];
    CHECK(recur_series_time_after(s, 2, buf, sizeof buf) == RECUR_OK);
    CHECK(strcmp(buf, "1704") == 0);
    recur_series_free(s);
}

static void test_columns(void)
{
    const char *csv = "t,a,b,note\n1,1.5,-2e3,x\n2,2.5,4,y\n";
    int rc;
    recur_series *s = load_str(csv, NULL, &rc); /* last numeric: b */
    CHECK(rc == RECUR_OK && s && strcmp(recur_series_value_name(s), "b") == 0);
    if (s)
        CHECK_NEAR(recur_series_values(s)[0], -2000, 0);
    recur_series_free(s);
    s = load_str(csv, "a", &rc);
    CHECK(rc == RECUR_OK && s && recur_series_value_column(s) == 2);
    recur_series_free(s);
    s = load_str(csv, "3", &rc);
    CHECK(rc == RECUR_OK && s && strcmp(recur_series_value_name(s), "b") == 0);
    recur_series_free(s);
    expect_error(csv, "zz", RECUR_E_INVALID, "no column named 'zz'");
    expect_error(csv, "9", RECUR_E_INVALID, "column 9 does not exist");
    expect_error(csv, "note", RECUR_E_FORMAT, "line 2: column 'note': not a number");
    /* gaps in the calendar: no period */
    s = load_str("m,v\n2000-01,1\n2000-03,2\n", NULL, &rc);
    CHECK(rc == RECUR_OK && s && recur_series_period(s) == 0);
    recur_series_free(s);
    /* one column: rows are numbered */
    s = load_str("value\n3\n4\n5\n", NULL, &rc);
    CHECK(rc == RECUR_OK && s && recur_series_length(s) == 3);
    if (s)
        CHECK(strcmp(recur_series_time(s, 2), "3") == 0);
    recur_series_free(s);
}

static void test_malformed(void)
{
    expect_error("", NULL, RECUR_E_FORMAT, "empty");
    expect_error("\n1,2\n", NULL, RECUR_E_FORMAT, "line 1: empty");
    expect_error("t,v\n", NULL, RECUR_E_FORMAT, "0 data rows");
    expect_error("t,v\n1,2\n", NULL, RECUR_E_FORMAT, "1 data row;");
    expect_error("1,2\n3,4\n5,6\n", NULL, RECUR_E_FORMAT, "line 1: '1' looks like data");
    expect_error("t,v\n1,2\n2,\n3,4\n", NULL, RECUR_E_FORMAT, "line 3: column 'v': "
                 "missing value");
    expect_error("t,v\n1,2\n2,abc\n", NULL, RECUR_E_FORMAT, "line 3: column 'v': not a "
                 "number ('abc')");
    expect_error("t,v\n1,2\n2,NaN\n", NULL, RECUR_E_FORMAT, "line 3: column 'v': NaN "
                 "and Inf");
    expect_error("t,v\n1,2\n2,-inf\n", NULL, RECUR_E_FORMAT, "NaN and Inf");
    expect_error("t,v\n1,2\n2,0x10\n", NULL, RECUR_E_FORMAT, "not a number");
    expect_error("t,v\n1,2\n2,1e999\n", NULL, RECUR_E_FORMAT, "out of range");
    expect_error("t,v\n1,2\n2,3,4\n", NULL, RECUR_E_FORMAT, "line 3: 3 fields, the "
                 "header has 2");
    expect_error("t,v\n1,2\n2\n", NULL, RECUR_E_FORMAT, "line 3: 1 field, the header");
    expect_error("t,v\n1,2\n\n3,4\n", NULL, RECUR_E_FORMAT, "line 3: empty line");
    expect_error("t,v\n1,2\n,4\n", NULL, RECUR_E_FORMAT, "line 3: column 't': missing "
                 "time");
    expect_error("t,v\n1,2\n\"2,4\n", NULL, RECUR_E_FORMAT, "line 3: column 1: a quoted "
                 "field is not closed");
    expect_error("t,v\n1,2\n2,4\"\n", NULL, RECUR_E_FORMAT, "line 3: column 2: a quote");
    expect_error("t,v\n1,2\n\"2\"x,4\n", NULL, RECUR_E_FORMAT, "text after a closing");
    expect_error("t,\n1,2\n2,3\n", NULL, RECUR_E_FORMAT, "column 2 of the header has no "
                 "name");
    expect_error("t,v\n1,2\n2\x01,3\n", NULL, RECUR_E_FORMAT, "control character");
    expect_error("t,notes\n1,a\n2,b\n", NULL, RECUR_E_FORMAT, "no numeric value column");
    /* a NUL byte in the middle */
    recur_series *s = (recur_series *)1;
    CHECK(recur_series_from_memory("t,v\n1,2\0\n2,3\n", 12, NULL, &s) == RECUR_E_FORMAT);
    CHECK(s == NULL && strstr(recur_last_error(), "NUL"));
    /* limits */
    char field[RECUR_MAX_SERIES_FIELD + 40];
    memset(field, 'a', sizeof field - 1);
    field[sizeof field - 1] = 0;
    char *csv = malloc(sizeof field + 64);
    snprintf(csv, sizeof field + 64, "t,v\n%s,1\n2,3\n", field);
    expect_error(csv, NULL, RECUR_E_LIMIT, "line 2: column 1 is longer than");
    free(csv);
    size_t n = 2 * (RECUR_MAX_SERIES_COLUMNS + 1) + 1;
    csv = malloc(n + 1);
    for (size_t i = 0; i + 1 < n; i += 2)
        csv[i] = 'c', csv[i + 1] = ',';
    csv[n - 1] = 'c';
    csv[n] = 0;
    expect_error(csv, NULL, RECUR_E_LIMIT, "line 1: more than 1024 columns");
    free(csv);
    CHECK(recur_series_from_memory("x", (size_t)RECUR_MAX_SERIES_BYTES + 1, NULL, &s) ==
          RECUR_E_LIMIT);
    CHECK(recur_series_from_memory(NULL, 3, NULL, &s) == RECUR_E_INVALID);
}

static void test_file(void)
{
    char path[] = "/tmp/recur_test_series_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    const char *csv = "month,temp_f\n1920-01,40.6\n1920-02,40.8\n1920-03,44.4\n";
    CHECK(write(fd, csv, strlen(csv)) == (ssize_t)strlen(csv));
    close(fd);
    recur_series *s = NULL;
    CHECK(recur_series_load(path, "temp_f", &s) == RECUR_OK);
    CHECK(recur_series_length(s) == 3);
    recur_series_free(s);
    fd = open(path, O_WRONLY | O_TRUNC);
    close(fd);
    CHECK(recur_series_load(path, NULL, &s) == RECUR_E_FORMAT);
    CHECK(strstr(recur_last_error(), path) && strstr(recur_last_error(), "empty"));
    unlink(path);
    CHECK(recur_series_load(path, NULL, &s) == RECUR_E_IO);
    CHECK(recur_series_load("/tmp", NULL, &s) == RECUR_E_IO);
}

/* Scaling is fitted on the training part only: a test part far above the
 * training range scales to values above 1 (min-max), and inverting gives
 * the original values back. */
static void test_scaling_fitted_on_train(void)
{
    double v[12] = {10, 12, 11, 14, 13, 15, 20, 19, /* train: 10..20 */ 40, 50, 60, 70};
    recur_scaler sc;
    CHECK(recur_scaler_fit(&sc, RECUR_SCALE_MINMAX, v, 8) == RECUR_OK);
    CHECK_NEAR(recur_scaler_apply(&sc, 10), 0, 1e-12);
    CHECK_NEAR(recur_scaler_apply(&sc, 20), 1, 1e-12);
    for (int i = 8; i < 12; i++) {
        double z = recur_scaler_apply(&sc, v[i]);
        CHECK_MSG(z > 1, "test value %g scaled to %g, inside [0,1]", v[i], z);
        CHECK_NEAR(recur_scaler_invert(&sc, z), v[i], 1e-12);
    }
    CHECK_NEAR(recur_scaler_apply(&sc, 70), 6, 1e-12);
    /* fitted on everything instead, the test values would fit in [0,1]: the
     * check above can tell the two apart */
    recur_scaler all;
    CHECK(recur_scaler_fit(&all, RECUR_SCALE_MINMAX, v, 12) == RECUR_OK);
    CHECK(recur_scaler_apply(&all, 70) <= 1.0);

    CHECK(recur_scaler_fit(&sc, RECUR_SCALE_ZSCORE, v, 8) == RECUR_OK);
    double mean = 0, ss = 0;
    for (int i = 0; i < 8; i++)
        mean += recur_scaler_apply(&sc, v[i]);
    for (int i = 0; i < 8; i++)
        ss += recur_scaler_apply(&sc, v[i]) * recur_scaler_apply(&sc, v[i]);
    CHECK_NEAR(mean / 8, 0, 1e-12);
    CHECK_NEAR(ss / 8, 1, 1e-12);
    CHECK(recur_scaler_apply(&sc, 40) > 3);

    double flat[3] = {5, 5, 5};
    CHECK(recur_scaler_fit(&sc, RECUR_SCALE_MINMAX, flat, 3) == RECUR_OK);
    CHECK_NEAR(sc.scale, 1, 0);
    CHECK_NEAR(recur_scaler_apply(&sc, 6), 1, 0);
    double bad[2] = {1, NAN};
    CHECK(recur_scaler_fit(&sc, RECUR_SCALE_MINMAX, bad, 2) == RECUR_E_INVALID);
    CHECK(recur_scaler_fit(&sc, RECUR_SCALE_MINMAX, v, 0) == RECUR_E_INVALID);
    CHECK(recur_scale_parse("zscore") == RECUR_SCALE_ZSCORE);
    CHECK(recur_scale_parse("log") == -1);
    CHECK(strcmp(recur_scale_name(RECUR_SCALE_MINMAX), "minmax") == 0);
}

/* Mutated copies of a good file: each parse succeeds with finite values or
 * fails with a one-line message; never a crash (this runs under ASan too). */
static void test_mutations(void)
{
    const char *good = "\"month\",value,other\r\n1949-01,112,3\r\n1949-02,118,4\r\n"
                       "1949-03,\"132\",5\r\n";
    size_t n = strlen(good);
    char buf[128];
    uint64_t x = 88172645463325252ull;
    int oks = 0, fails = 0;
    for (int it = 0; it < 20000; it++) {
        memcpy(buf, good, n);
        size_t len = n;
        int edits = 1 + it % 4;
        for (int e = 0; e < edits && len > 1; e++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            size_t at = (size_t)(x % len);
            static const char pool[] = ",\"\r\n0-.eE+9aN \t\x01";
            switch ((x >> 32) % 3) {
            case 0: buf[at] = pool[(x >> 40) % (sizeof pool - 1)]; break;
            case 1: memmove(buf + at, buf + at + 1, len - at - 1), len--; break;
            default: len = at + 1; break;
            }
        }
        recur_series *s = NULL;
        /* every missing-value mode: whatever parses holds finite values only */
        int rc = recur_series_from_memory_missing(buf, len, it % 5 == 0 ? "value" : NULL,
                                                  (recur_missing)(it % 4), &s);
        if (rc == RECUR_OK) {
            oks++;
            CHECK(s && recur_series_length(s) >= RECUR_MIN_SERIES_ROWS);
            for (long i = 0; s && i < recur_series_length(s); i++)
                CHECK(isfinite(recur_series_values(s)[i]));
        } else {
            fails++;
            CHECK(s == NULL);
            CHECK(recur_last_error()[0] != 0 && !strchr(recur_last_error(), '\n'));
        }
        recur_series_free(s);
    }
    CHECK_MSG(oks > 100 && fails > 100, "%d parsed, %d refused", oks, fails);
}

/* Each mode on one series with holes at the start, inside and at the end:
 * the exact values expected. */
static void test_missing(void)
{
    static const char csv[] = "t,v\n1,\n2,NA\n3,10\n4,\n5,n/a\n6,\"\"\n7,18\n8,NaN\n"
                              "9,20\n10,?\n11,null\n";
    struct {
        recur_missing how;
        long n;
        double v[11];
        const char *t7; /* the label of the row at index 7 */
    } want[] = {
        {RECUR_MISSING_INTERPOLATE, 11, {10, 10, 10, 12, 14, 16, 18, 19, 20, 20, 20}, "8"},
        {RECUR_MISSING_PREVIOUS, 11, {10, 10, 10, 10, 10, 10, 18, 18, 20, 20, 20}, "8"},
        {RECUR_MISSING_DROP, 3, {10, 18, 20}, NULL},
    };
    for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
        recur_series *s = NULL;
        int rc = recur_series_from_memory_missing(csv, strlen(csv), NULL, want[k].how, &s);
        CHECK_MSG(rc == RECUR_OK, "%s: %s", recur_missing_name(want[k].how),
                  recur_last_error());
        if (!s)
            continue;
        CHECK(recur_series_missing(s) == 8);
        CHECK_MSG(recur_series_length(s) == want[k].n, "%s: %ld values",
                  recur_missing_name(want[k].how), recur_series_length(s));
        for (long i = 0; i < want[k].n && i < recur_series_length(s); i++)
            CHECK_MSG(recur_series_values(s)[i] == want[k].v[i], "%s: [%ld] = %g, want %g",
                      recur_missing_name(want[k].how), i, recur_series_values(s)[i],
                      want[k].v[i]);
        if (want[k].t7)
            CHECK(strcmp(recur_series_time(s, 7), want[k].t7) == 0);
        else /* dropped rows take their labels with them */
            CHECK(strcmp(recur_series_time(s, 1), "7") == 0 &&
                  strcmp(recur_series_time(s, 2), "9") == 0);
        recur_series_free(s);
    }
    /* interpolation is linear in the row number, not just halfway */
    recur_series *s = NULL;
    const char *lin = "t,v\n1,1\n2,\n3,\n4,\n5,9\n";
    CHECK(recur_series_from_memory_missing(lin, strlen(lin), NULL, RECUR_MISSING_INTERPOLATE,
                                           &s) == RECUR_OK);
    for (long i = 0; s && i < 5; i++)
        CHECK(recur_series_values(s)[i] == 1 + 2 * (double)i);
    recur_series_free(s);
    /* dropping a month breaks the monthly calendar; filling keeps it */
    const char *mon = "m,v\n2000-01,1\n2000-02,\n2000-03,3\n";
    s = NULL;
    CHECK(recur_series_from_memory_missing(mon, strlen(mon), NULL, RECUR_MISSING_DROP, &s) ==
          RECUR_OK && s && recur_series_period(s) == 0 && recur_series_length(s) == 2);
    recur_series_free(s);
    s = NULL;
    CHECK(recur_series_from_memory_missing(mon, strlen(mon), NULL, RECUR_MISSING_PREVIOUS,
                                           &s) == RECUR_OK && s && recur_series_period(s) == 12);
    recur_series_free(s);
    /* refused by default, the message naming the option; NaN too */
    expect_error(csv, "v", RECUR_E_FORMAT, "line 2: column 'v': missing value; --missing "
                 "interpolate, previous or drop");
    expect_error(csv, NULL, RECUR_E_FORMAT, "no numeric value column (the first column is the "
                 "time; a value column must hold numbers); if a value is missing there, "
                 "--missing interpolate");
    expect_error("t,v\n1,2\n2,NaN\n", NULL, RECUR_E_FORMAT, "--missing interpolate");
    /* what is not a missing marker stays an error in every mode */
    for (int how = RECUR_MISSING_INTERPOLATE; how <= RECUR_MISSING_DROP; how++) {
        static const char *const bad[] = {"t,v\n1,2\n2,inf\n3,4\n", "t,v\n1,2\n2,abc\n3,4\n",
                                          "t,v\n1,2\n2,NAN!\n3,4\n"};
        for (int b = 0; b < 3; b++) {
            s = (recur_series *)1;
            CHECK(recur_series_from_memory_missing(bad[b], strlen(bad[b]), NULL,
                                                   (recur_missing)how, &s) == RECUR_E_FORMAT &&
                  s == NULL);
        }
        const char *none = "t,v\n1,\n2,NA\n";
        s = (recur_series *)1;
        CHECK(recur_series_from_memory_missing(none, strlen(none), NULL, (recur_missing)how,
                                               &s) == RECUR_E_FORMAT && s == NULL);
        CHECK(strstr(recur_last_error(), how == RECUR_MISSING_DROP ? "0 data rows with a value"
                                                                   : "every value is missing"));
        const char *one = "t,v\n1,\n2,5\n";
        s = NULL;
        int rc = recur_series_from_memory_missing(one, strlen(one), NULL, (recur_missing)how, &s);
        CHECK(how == RECUR_MISSING_DROP ? rc == RECUR_E_FORMAT
                                        : rc == RECUR_OK && s && recur_series_values(s)[0] == 5);
        recur_series_free(s);
    }
    /* names and bad modes */
    for (int how = 0; how <= RECUR_MISSING_DROP; how++)
        CHECK(recur_missing_parse(recur_missing_name((recur_missing)how)) == how);
    CHECK(recur_missing_parse("linear") == -1 && recur_missing_parse(NULL) == -1);
    s = (recur_series *)1;
    CHECK(recur_series_from_memory_missing(mon, strlen(mon), NULL, (recur_missing)7, &s) ==
          RECUR_E_INVALID && s == NULL);
    CHECK(recur_series_load_missing("/nonexistent.csv", NULL, RECUR_MISSING_DROP, &s) ==
          RECUR_E_IO);
}

TEST_MAIN("test_series", TL_CASE(test_monthly), TL_CASE(test_quoted_yearly_crlf),
          TL_CASE(test_columns), TL_CASE(test_malformed), TL_CASE(test_file),
          TL_CASE(test_scaling_fitted_on_train), TL_CASE(test_mutations),
          TL_CASE(test_missing))
