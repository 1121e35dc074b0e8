/* series_csv.c - one time series from a CSV file: a header line naming the
 * columns, then one row per time step; the first column is the time label
 * and one numeric column (by name, by 1-based index, or by default the last
 * numeric one) is the value. Parsing is strict: every problem is an error
 * naming its line. The input is untrusted (this is a fuzzing target). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "io/file.h"

struct recur_series {
    long n;
    double *values;   /* [n] */
    char *labels;     /* n NUL-terminated time labels, back to back */
    long *label_at;   /* [n] offsets into labels */
    char time_name[RECUR_MAX_SERIES_FIELD + 1];
    char value_name[RECUR_MAX_SERIES_FIELD + 1];
    int value_column; /* 1-based */
    int period;       /* 12 monthly, 4 quarterly, 1 yearly, 365 daily, 52 weekly,
                         0 unknown */
    int step;         /* steps of the time labels' unit per row: 7 for weekly
                         dates, else 1 */
    long missing;     /* rows whose value was missing (filled or dropped) */
};

/* ---- lines and fields ------------------------------------------------------ */

typedef struct {
    const char *s;
    size_t len, pos;
    long line; /* 1-based number of the line just read */
} reader;

/* The next line (without its "\n" or "\r\n"); 0 at the end of the input. */
static int next_line(reader *r, const char **line, size_t *len)
{
    if (r->pos >= r->len)
        return 0;
    const char *start = r->s + r->pos;
    const char *nl = memchr(start, '\n', r->len - r->pos);
    size_t n = nl ? (size_t)(nl - start) : r->len - r->pos;
    r->pos += n + (nl != NULL);
    if (n > 0 && start[n - 1] == '\r')
        n--;
    r->line++;
    *line = start;
    *len = n;
    return 1;
}

/* Split one line into at most RECUR_MAX_SERIES_COLUMNS fields, each copied
 * (unquoted, surrounding blanks trimmed) into fields[k] of
 * RECUR_MAX_SERIES_FIELD + 1 bytes. Returns the field count or a status. */
static int split_fields(const char *line, size_t len, char (*fields)[RECUR_MAX_SERIES_FIELD + 1],
                        const char *label, long lineno)
{
    int nf = 0;
    size_t i = 0;
    for (;;) {
        if (nf == RECUR_MAX_SERIES_COLUMNS)
            return recur__fail(RECUR_E_LIMIT, "%s: line %ld: more than %d columns", label,
                              lineno, RECUR_MAX_SERIES_COLUMNS);
        char *f = fields[nf];
        size_t k = 0;
        while (i < len && (line[i] == ' ' || line[i] == '\t'))
            i++;
        int quoted = i < len && line[i] == '"';
        if (quoted) {
            i++;
            for (;;) {
                if (i >= len)
                    return recur__fail(RECUR_E_FORMAT, "%s: line %ld: column %d: a "
                                      "quoted field is not closed", label, lineno, nf + 1);
                if (line[i] == '"') {
                    if (i + 1 < len && line[i + 1] == '"')
                        i++; /* "" is one quote */
                    else
                        break;
                }
                if (k == RECUR_MAX_SERIES_FIELD)
                    return recur__fail(RECUR_E_LIMIT, "%s: line %ld: column %d is longer "
                                      "than %d bytes", label, lineno, nf + 1,
                                      RECUR_MAX_SERIES_FIELD);
                f[k++] = line[i++];
            }
            i++; /* the closing quote */
            while (i < len && (line[i] == ' ' || line[i] == '\t'))
                i++;
            if (i < len && line[i] != ',')
                return recur__fail(RECUR_E_FORMAT, "%s: line %ld: column %d: text after "
                                  "a closing quote", label, lineno, nf + 1);
        } else {
            while (i < len && line[i] != ',') {
                if (line[i] == '"')
                    return recur__fail(RECUR_E_FORMAT, "%s: line %ld: column %d: a quote "
                                      "inside an unquoted field", label, lineno, nf + 1);
                if (k == RECUR_MAX_SERIES_FIELD)
                    return recur__fail(RECUR_E_LIMIT, "%s: line %ld: column %d is longer "
                                      "than %d bytes", label, lineno, nf + 1,
                                      RECUR_MAX_SERIES_FIELD);
                f[k++] = line[i++];
            }
            while (k > 0 && (f[k - 1] == ' ' || f[k - 1] == '\t'))
                k--;
        }
        f[k] = 0;
        for (size_t j = 0; j < k; j++) {
            unsigned char c = (unsigned char)f[j];
            if (c < 0x20 || c == 0x7F)
                return recur__fail(RECUR_E_FORMAT, "%s: line %ld: column %d holds a "
                                  "control character (byte 0x%02X)", label, lineno, nf + 1,
                                  c);
        }
        nf++;
        if (i >= len)
            return nf;
        i++; /* the comma */
    }
}

/* ---- numbers --------------------------------------------------------------- */

static int is_nan_or_inf(const char *f)
{
    const char *p = f + (*f == '+' || *f == '-');
    char low[4] = {0};
    for (int i = 0; i < 3 && p[i]; i++)
        low[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] - 'A' + 'a' : p[i]);
    return strcmp(low, "nan") == 0 || strcmp(low, "inf") == 0;
}

/* A missing value as spreadsheets, R and pandas write it: an empty field,
 * NA, N/A, NaN, null or "?" (any case). */
static int is_missing(const char *f)
{
    static const char *const marks[] = {"", "na", "n/a", "nan", "+nan", "-nan", "null", "?"};
    char low[8] = {0};
    size_t n = strlen(f);
    if (n >= sizeof low)
        return 0;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)(f[i] >= 'A' && f[i] <= 'Z' ? f[i] - 'A' + 'a' : f[i]);
    for (size_t i = 0; i < sizeof marks / sizeof *marks; i++)
        if (strcmp(low, marks[i]) == 0)
            return 1;
    return 0;
}

/* A plain decimal number: [+-]digits[.digits][e[+-]digits]. No hex, no
 * NaN/Inf, no locale surprises. 0 on success, else a short reason. */
static const char *parse_number(const char *f, double *v)
{
    if (!*f)
        return "missing value";
    if (is_nan_or_inf(f))
        return "NaN and Inf are not allowed";
    const char *p = f;
    if (*p == '+' || *p == '-')
        p++;
    int digits = 0;
    while (*p >= '0' && *p <= '9')
        p++, digits++;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9')
            p++, digits++;
    }
    if (!digits)
        return "not a number";
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return "not a number";
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p)
        return "not a number";
    errno = 0;
    double d = strtod(f, NULL);
    if (!isfinite(d) || fabs(d) > RECUR_MAX_SERIES_VALUE)
        return "out of range (the limit is 1e30 in magnitude)";
    *v = d;
    return NULL;
}

/* ---- time labels ------------------------------------------------------------ */

/* Days from 0000-03-01 to year-month-day in the proleptic Gregorian
 * calendar (Howard Hinnant's days_from_civil, shifted to year 0), and back. */
static long days_from_civil(long y, int m, int d)
{
    y -= m <= 2;
    long era = y / 400; /* y >= 0 here */
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy;
}

static void civil_from_days(long z, long *y, int *m, int *d)
{
    long era = z / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* "YYYY-MM-DD" (a real date, year >= 1) into days since 0000-03-01. */
static int parse_date(const char *s, size_t n, long *days)
{
    if (n != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !(s[i] >= '0' && s[i] <= '9'))
            return 0;
    long y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return 0;
    if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        return 0;
    *days = days_from_civil(y, m, d);
    return 1;
}

/* Parse "YYYY-MM" (1), "YYYY-Qn" (2), "YYYY" / a plain integer (3) or
 * "YYYY-MM-DD" (4, in days) into a step count; 0 if the label is none of
 * those. */
static int time_kind(const char *s, long *step)
{
    size_t n = strlen(s);
    long year = 0;
    size_t i = 0;
    int neg = s[0] == '-';
    i = (size_t)neg;
    size_t d0 = i;
    while (i < n && s[i] >= '0' && s[i] <= '9' && i - d0 < 9)
        year = year * 10 + (s[i++] - '0');
    if (i == d0)
        return 0;
    if (i == n) {
        *step = neg ? -year : year;
        return 3;
    }
    if (neg || i - d0 != 4 || s[i] != '-')
        return 0;
    if (parse_date(s, n, step))
        return 4;
    if (n == i + 3 && s[i + 1] >= '0' && s[i + 1] <= '1' && s[i + 2] >= '0' &&
        s[i + 2] <= '9') {
        int month = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
        if (month < 1 || month > 12)
            return 0;
        *step = year * 12 + month - 1;
        return 1;
    }
    if (n == i + 3 && (s[i + 1] == 'Q' || s[i + 1] == 'q') && s[i + 2] >= '1' &&
        s[i + 2] <= '4') {
        *step = year * 4 + (s[i + 2] - '1');
        return 2;
    }
    return 0;
}

/* The calendar of the labels: every label of one kind and one step after
 * the previous; dates one day (daily, 365 a year) or seven days (weekly,
 * 52 a year: the nearest whole number to 52.18) apart. */
static void infer_period(recur_series *s)
{
    static const int period_of[] = {0, 12, 4, 1, 365};
    long prev = 0;
    int kind = 0, d = 1;
    s->period = 0;
    s->step = 1;
    for (long i = 0; i < s->n; i++) {
        long step;
        int k = time_kind(s->labels + s->label_at[i], &step);
        if (i == 1 && k == 4 && kind == 4 && step == prev + 7)
            d = 7;
        if (k == 0 || (i > 0 && (k != kind || step != prev + d)))
            return;
        kind = k;
        prev = step;
    }
    s->period = d == 7 ? 52 : period_of[kind];
    s->step = d;
}

/* ---- building the series ---------------------------------------------------- */

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* Which column holds the value: by name, else a 1-based index, else (NULL)
 * the last column whose first data field is a number (or, with a
 * missing-value mode, a missing marker; not the time column, unless it is
 * the only one). Returns the 1-based column or a status. */
static int pick_column(char (*head)[RECUR_MAX_SERIES_FIELD + 1], int ncols,
                       char (*first)[RECUR_MAX_SERIES_FIELD + 1], const char *column,
                       const char *label, recur_missing missing)
{
    if (column && *column) {
        for (int c = 0; c < ncols; c++)
            if (strcmp(head[c], column) == 0)
                return c + 1;
        int digits = 1;
        long idx = 0;
        for (const char *p = column; *p; p++) {
            if (*p < '0' || *p > '9' || idx > RECUR_MAX_SERIES_COLUMNS) {
                digits = 0;
                break;
            }
            idx = idx * 10 + (*p - '0');
        }
        if (digits && idx >= 1 && idx <= ncols)
            return (int)idx;
        if (digits)
            return recur__fail(RECUR_E_INVALID, "%s: column %ld does not exist (the "
                              "file has %d)", label, idx, ncols);
        char names[256] = "";
        size_t used = 0;
        for (int c = 0; c < ncols && used + 4 < sizeof names; c++) {
            int w = snprintf(names + used, sizeof names - used, "%s'%s'", c ? ", " : "",
                             head[c]);
            if (w < 0 || (size_t)w >= sizeof names - used)
                break;
            used += (size_t)w;
        }
        return recur__fail(RECUR_E_INVALID, "%s: no column named '%.64s' (the columns "
                          "are %s)", label, column, names);
    }
    int holes = 0, huge = -1;
    const char *huge_why = NULL;
    for (int c = ncols - 1; c >= (ncols > 1 ? 1 : 0); c--) {
        double v;
        const char *why = parse_number(first[c], &v);
        if (!why || (missing != RECUR_MISSING_REFUSE && is_missing(first[c])))
            return c + 1;
        holes |= is_missing(first[c]);
        if (huge < 0 && strncmp(why, "out of range", 12) == 0)
            huge = c, huge_why = why;
    }
    if (huge >= 0) /* a number, but not one a series may hold: say that */
        return recur__fail(RECUR_E_FORMAT, "%s: line 2: column '%.64s': %s", label, head[huge],
                          huge_why);
    return recur__fail(RECUR_E_FORMAT, "%s: line 2: no numeric value column (the first "
                      "column is the time; a value column must hold numbers)%s", label,
                      holes ? "; if a value is missing there, --missing interpolate, "
                      "previous or drop fills or skips missing values" : "");
}

/* Fill the NaN holes of v[n] (how: INTERPOLATE or PREVIOUS). Interpolation
 * is linear in the row number between the known values on either side; a
 * hole before the first known value takes that value, one after the last
 * known value takes the last (there is nothing to interpolate to), and so
 * does PREVIOUS for holes at the start. */
static void fill_holes(double *v, long n, recur_missing how)
{
    long prev = -1; /* the last known position */
    for (long i = 0; i <= n; i++) {
        if (i < n && isnan(v[i]))
            continue;
        /* holes prev+1 .. i-1 lie between known values prev and i */
        for (long j = prev + 1; j < i; j++) {
            if (prev < 0)
                v[j] = v[i];
            else if (i == n || how == RECUR_MISSING_PREVIOUS)
                v[j] = v[prev];
            else
                v[j] = v[prev] + (v[i] - v[prev]) * (double)(j - prev) / (double)(i - prev);
        }
        prev = i;
    }
}

static int parse(recur_series *s, const char *data, size_t len, const char *label,
                 const char *column, recur_missing missing)
{
    if (len > (size_t)RECUR_MAX_SERIES_BYTES)
        return recur__fail(RECUR_E_LIMIT, "%s: %zu bytes is over the %ld-byte limit for "
                          "a series", label, len, (long)RECUR_MAX_SERIES_BYTES);
    if (len == 0)
        return recur__fail(RECUR_E_FORMAT, "%s: the file is empty", label);
    if (memchr(data, 0, len))
        return recur__fail(RECUR_E_FORMAT, "%s: a NUL byte: this is not a CSV text file",
                          label);
    /* Two field tables: the header and the current row. */
    char (*head)[RECUR_MAX_SERIES_FIELD + 1] =
        malloc(2 * RECUR_MAX_SERIES_COLUMNS * sizeof *head);
    if (!head)
        return recur__fail(RECUR_E_NOMEM, "out of memory reading %s", label);
    char (*row)[RECUR_MAX_SERIES_FIELD + 1] = head + RECUR_MAX_SERIES_COLUMNS;
    int rc = RECUR_OK;
    reader r = {data, len, 0, 0};
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        r.pos = 3; /* a UTF-8 byte-order mark */
    const char *line = NULL;
    size_t ll = 0;
    if (!next_line(&r, &line, &ll) || ll == 0) {
        rc = recur__fail(RECUR_E_FORMAT, "%s: line 1: empty; the first line must be a "
                        "header naming the columns", label);
        goto done;
    }
    int ncols = split_fields(line, ll, head, label, 1);
    if (ncols < 0) {
        rc = ncols;
        goto done;
    }
    int all_numeric = 1;
    for (int c = 0; c < ncols; c++) {
        double v;
        if (!head[c][0]) {
            rc = recur__fail(RECUR_E_FORMAT, "%s: line 1: column %d of the header has no "
                            "name", label, c + 1);
            goto done;
        }
        all_numeric &= parse_number(head[c], &v) == NULL;
    }
    if (all_numeric && ncols > 0) {
        rc = recur__fail(RECUR_E_FORMAT, "%s: line 1: '%s' looks like data, not a header "
                        "(the first line must name the columns)", label, head[0]);
        goto done;
    }
    size_t cap_v = 0, cap_l = 0, cap_a = 0, used_l = 0;
    int col = 0;
    while (next_line(&r, &line, &ll)) {
        if (ll == 0) {
            if (r.pos >= r.len)
                break; /* one blank line at the very end is tolerated */
            rc = recur__fail(RECUR_E_FORMAT, "%s: line %ld: empty line", label, r.line);
            goto done;
        }
        int nf = split_fields(line, ll, row, label, r.line);
        if (nf < 0) {
            rc = nf;
            goto done;
        }
        if (nf != ncols) {
            rc = recur__fail(RECUR_E_FORMAT, "%s: line %ld: %d field%s, the header has %d",
                            label, r.line, nf, nf == 1 ? "" : "s", ncols);
            goto done;
        }
        if (s->n == 0) {
            col = pick_column(head, ncols, row, column, label, missing);
            if (col < 0) {
                rc = col;
                goto done;
            }
        }
        if (s->n == RECUR_MAX_SERIES_ROWS) {
            rc = recur__fail(RECUR_E_LIMIT, "%s: more than %ld rows", label,
                            (long)RECUR_MAX_SERIES_ROWS);
            goto done;
        }
        double v = 0;
        const char *f = row[col - 1];
        const char *why = parse_number(f, &v);
        int hole = why && is_missing(f);
        if (why && (!hole || missing == RECUR_MISSING_REFUSE)) {
            rc = recur__fail(RECUR_E_FORMAT, "%s: line %ld: column '%s': %s%s%.40s%s%s", label,
                            r.line, head[col - 1], why, f[0] ? " ('" : "", f,
                            f[0] ? "')" : "", hole ? "; --missing interpolate, previous or "
                            "drop fills or skips missing values" : "");
            goto done;
        }
        if (hole) {
            s->missing++;
            if (missing == RECUR_MISSING_DROP)
                continue;
            v = NAN; /* filled in by fill_holes */
        }
        char num[32];
        const char *t = row[0];
        if (ncols == 1) { /* no time column: the row number */
            snprintf(num, sizeof num, "%ld", s->n + 1);
            t = num;
        } else if (!*t) {
            rc = recur__fail(RECUR_E_FORMAT, "%s: line %ld: column '%s': missing time",
                            label, r.line, head[0]);
            goto done;
        }
        size_t tl = strlen(t) + 1;
        if (grow((void **)&s->values, &cap_v, (size_t)s->n + 1, sizeof *s->values) ||
            grow((void **)&s->label_at, &cap_a, (size_t)s->n + 1, sizeof *s->label_at) ||
            grow((void **)&s->labels, &cap_l, used_l + tl, 1)) {
            rc = recur__fail(RECUR_E_NOMEM, "out of memory reading %s", label);
            goto done;
        }
        s->values[s->n] = v;
        s->label_at[s->n] = (long)used_l;
        memcpy(s->labels + used_l, t, tl);
        used_l += tl;
        s->n++;
    }
    if (s->n < RECUR_MIN_SERIES_ROWS) {
        rc = recur__fail(RECUR_E_FORMAT, "%s: %ld data row%s%s; a series needs at least %d",
                        label, s->n, s->n == 1 ? "" : "s",
                        s->missing ? " with a value" : "", RECUR_MIN_SERIES_ROWS);
        goto done;
    }
    if (s->missing == s->n) {
        rc = recur__fail(RECUR_E_FORMAT, "%s: column '%s': every value is missing", label,
                        head[col - 1]);
        goto done;
    }
    if (s->missing && missing != RECUR_MISSING_DROP)
        fill_holes(s->values, s->n, missing);
    s->value_column = col;
    snprintf(s->time_name, sizeof s->time_name, "%s", ncols > 1 ? head[0] : "row");
    snprintf(s->value_name, sizeof s->value_name, "%s", head[col - 1]);
    infer_period(s);
done:
    free(head);
    return rc;
}

/* ---- public ------------------------------------------------------------------ */

void recur_series_free(recur_series *s)
{
    if (!s)
        return;
    free(s->values);
    free(s->labels);
    free(s->label_at);
    free(s);
}

static int series_make(const char *data, size_t len, const char *label,
                       const char *column, recur_missing missing, recur_series **out)
{
    recur_series *s = calloc(1, sizeof *s);
    if (!s)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    int rc = parse(s, data, len, label, column, missing);
    if (rc) {
        recur_series_free(s);
        return rc;
    }
    *out = s;
    return RECUR_OK;
}

static int check_missing(recur_missing missing)
{
    if ((int)missing < RECUR_MISSING_REFUSE || (int)missing > RECUR_MISSING_DROP)
        return recur__fail(RECUR_E_INVALID, "missing-value mode %d is not one of "
                          "RECUR_MISSING_*", (int)missing);
    return RECUR_OK;
}

int recur_series_from_memory_missing(const char *data, size_t len, const char *column,
                                     recur_missing missing, recur_series **out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "recur_series_from_memory: out is NULL");
    *out = NULL;
    if (!data && len)
        return recur__fail(RECUR_E_INVALID, "recur_series_from_memory: data is NULL");
    if (check_missing(missing))
        return RECUR_E_INVALID;
    return series_make(data ? data : "", len, "series", column, missing, out);
}

int recur_series_from_memory(const char *data, size_t len, const char *column,
                             recur_series **out)
{
    return recur_series_from_memory_missing(data, len, column, RECUR_MISSING_REFUSE, out);
}

int recur_series_load(const char *path, const char *column, recur_series **out)
{
    return recur_series_load_missing(path, column, RECUR_MISSING_REFUSE, out);
}

int recur_series_load_missing(const char *path, const char *column, recur_missing missing,
                              recur_series **out)
{
    if (!out || !path)
        return recur__fail(RECUR_E_INVALID, "recur_series_load: NULL argument");
    *out = NULL;
    if (check_missing(missing))
        return RECUR_E_INVALID;
    char *buf;
    size_t len;
    int rc = recur__read_file(path, (uint64_t)RECUR_MAX_SERIES_BYTES, "a series", 0, &buf,
                              &len);
    if (rc)
        return rc;
    rc = series_make(buf, len, path, column, missing, out);
    free(buf);
    return rc;
}

long recur_series_length(const recur_series *s) { return s ? s->n : 0; }
const double *recur_series_values(const recur_series *s) { return s ? s->values : NULL; }

const char *recur_series_time(const recur_series *s, long i)
{
    return s && i >= 0 && i < s->n ? s->labels + s->label_at[i] : NULL;
}

const char *recur_series_time_name(const recur_series *s) { return s ? s->time_name : ""; }
const char *recur_series_value_name(const recur_series *s) { return s ? s->value_name : ""; }
int recur_series_value_column(const recur_series *s) { return s ? s->value_column : 0; }
int recur_series_period(const recur_series *s) { return s ? s->period : 0; }
long recur_series_missing(const recur_series *s) { return s ? s->missing : 0; }

static const char *const missing_names[] = {"refuse", "interpolate", "previous", "drop"};

const char *recur_missing_name(recur_missing m)
{
    return (int)m >= 0 && (int)m <= RECUR_MISSING_DROP ? missing_names[m] : "?";
}

int recur_missing_parse(const char *name)
{
    for (int i = 0; name && i <= RECUR_MISSING_DROP; i++)
        if (strcmp(name, missing_names[i]) == 0)
            return i;
    return -1;
}

long recur_series_time_index(const recur_series *s, long i)
{
    long step;
    if (!s || i < 0 || i >= s->n)
        return -1;
    if (s->period && time_kind(s->labels + s->label_at[i], &step))
        return step / s->step; /* weeks of weekly dates (all 7 days apart) */
    return i;
}

int recur_series_time_after(const recur_series *s, long k, char *buf, size_t size)
{
    if (!s || !buf || size == 0 || k < 1)
        return recur__fail(RECUR_E_INVALID, "recur_series_time_after: bad argument");
    long step;
    int kind = s->period ? time_kind(recur_series_time(s, s->n - 1), &step) : 0;
    int w;
    if (kind == 1)
        w = snprintf(buf, size, "%04ld-%02ld", (step + k) / 12, (step + k) % 12 + 1);
    else if (kind == 2)
        w = snprintf(buf, size, "%04ld-Q%ld", (step + k) / 4, (step + k) % 4 + 1);
    else if (kind == 3)
        w = snprintf(buf, size, "%ld", step + k);
    else if (kind == 4 && k <= 100000000L) { /* dates up to 270,000 years on */
        long y;
        int m, d;
        civil_from_days(step + k * s->step, &y, &m, &d);
        w = snprintf(buf, size, "%04ld-%02d-%02d", y, m, d);
    }
    else
        w = snprintf(buf, size, "+%ld", k);
    if (w < 0 || (size_t)w >= size)
        return recur__fail(RECUR_E_LIMIT, "recur_series_time_after: buffer too small");
    return RECUR_OK;
}
