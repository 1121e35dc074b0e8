/* cmd_forecast.c - `recur forecast`: time-series forecasting with an RNN.
 *
 *   recur forecast train SERIES.csv [options]   train on the start of a
 *       series, test on its end: one-step-ahead and recursive forecasts
 *       against the last-value and seasonal-naive baselines (RMSE, MAE in
 *       the series' units), a CSV of every forecast, an SVG plot, a model;
 *   recur forecast predict MODEL SERIES.csv --horizon H   forecast H steps
 *       beyond the end of a series with a saved model.
 *
 * The method is the library's (include/recur/forecast.h: encoding, windows,
 * forecasts, season, baselines, metrics, the forecast.* metadata); this file
 * holds the options, the training loop's progress, the table, the CSV and
 * the SVG. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "commands.h"
#include "progress.h"
#include "recur.h"
#include "svg.h"
#include "train_common.h"

#define MAX_WINDOW RECUR_FORECAST_MAX_WINDOW
#define MAX_HORIZON 100000

/* An x coordinate for plots: years for a calendar, else the row number. */
static double plot_x(const recur_series *s, long tix)
{
    int p = recur_series_period(s);
    return p ? (double)tix / p : (double)tix + 1;
}

/* ---- metadata ---------------------------------------------------------------- */

static int set_meta_num(recur_model *m, const char *key, const char *fmt, double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, fmt, v);
    return recur_model_set_meta(m, key, buf);
}

/* The forecasting settings of a saved model (one error line naming it). */
static int read_encoding(const recur_model *m, const char *path, recur_forecast_encoding *e)
{
    if (recur_forecast_read_meta(m, e))
        return cli_error("%s: %s", path, recur_last_error());
    return 0;
}

/* ---- small helpers -------------------------------------------------------------- */

/* A CSV field: quoted when it holds a comma or a quote. */
static void put_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* ---- training ----------------------------------------------------------------- */

typedef struct {
    const char *column, *cell, *scale, *init, *optim;
    double test, lr, clip, time_limit;
    int window, season, season_input, log, diff, many, hidden, layers, batch, threads,
        quiet, history;
    long epochs;
    uint64_t seed;
    const char *csv, *svg, *save;
} forecast_train_opts;

typedef struct {
    const char *path;
    const recur_series *s;
    const double *y;
    long n, ntrain, ntest;
    const long *tix;
    recur_forecast_encoding e;
    /* forecasts over the test part, [ntest] each */
    double *one_step, *rec, *last1, *snaive1, *lastH, *snaiveH;
} forecast_run;

static int write_csv(const forecast_run *r, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return cli_error("--csv %s: %s", path, strerror(errno));
    fprintf(f, "time,truth,rnn_one_step,rnn_recursive,last_value_one_step,"
               "seasonal_naive_one_step,last_value_recursive,seasonal_naive_recursive\n");
    for (long h = 0; h < r->ntest; h++) {
        long t = r->ntrain + h;
        put_field(f, recur_series_time(r->s, t));
        fprintf(f, ",%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g\n", r->y[t], r->one_step[h],
                r->rec[h], r->last1[h], r->snaive1[h], r->lastH[h], r->snaiveH[h]);
    }
    if (fclose(f) != 0)
        return cli_error("--csv %s: %s", path, strerror(errno));
    return 0;
}

static int write_plot(const forecast_run *r, const char *path, long history,
                      const char *title)
{
    long h0 = r->ntrain - history < 0 ? 0 : r->ntrain - history;
    long nh = r->ntrain - h0 + 1; /* history, joined to the first test point */
    double *xs = malloc((size_t)(r->n - h0 + 1) * sizeof *xs);
    if (!xs)
        return cli_error("out of memory");
    for (long i = h0; i < r->n; i++)
        xs[i - h0] = plot_x(r->s, r->tix[i]);
    const double *xt = xs + (r->ntrain - h0);
    int p = recur_series_period(r->s);
    svg_plot *pl = svg_plot_new(title, p ? "year" : recur_series_time_name(r->s),
                                recur_series_value_name(r->s), SVG_LINEAR_Y);
    int rc = !pl ||
             svg_plot_add_styled(pl, "history (training part)", xs, r->y + h0, nh,
                                 "#7f7f7f", 0) ||
             svg_plot_add_styled(pl, "truth (test part)", xt, r->y + r->ntrain, r->ntest,
                                 "#000000", 0) ||
             svg_plot_add_styled(pl, "RNN one step ahead", xt, r->one_step, r->ntest,
                                 "#1f77b4", 0) ||
             svg_plot_add_styled(pl, "RNN recursive", xt, r->rec, r->ntest, "#d62728", 0) ||
             svg_plot_add_styled(pl, "seasonal naive", xt, r->snaiveH, r->ntest,
                                 "#2ca02c", 1);
    if (rc)
        errno = ENOMEM;
    else
        rc = svg_plot_write(pl, path);
    svg_plot_free(pl);
    free(xs);
    if (rc)
        return cli_error("--svg %s: %s", path, strerror(errno));
    return 0;
}

static int save_model(recur_model *m, const forecast_run *r, const forecast_train_opts *o)
{
    int rc = recur_model_set_meta(m, "forecast.series", r->path);
    if (!rc) rc = recur_model_set_meta(m, "forecast.column", recur_series_value_name(r->s));
    if (!rc) rc = recur_forecast_write_meta(m, &r->e);
    if (!rc) rc = set_meta_num(m, "forecast.train_points", "%.0f", (double)r->ntrain);
    if (!rc) rc = set_meta_num(m, "forecast.test_points", "%.0f", (double)r->ntest);
    if (!rc) rc = recur_model_set_meta(m, "train.optimizer", o->optim);
    if (!rc) rc = set_meta_num(m, "train.lr", "%.9g", o->lr);
    if (!rc) rc = set_meta_num(m, "train.epochs", "%.0f", (double)o->epochs);
    if (!rc) {
        char buf[32];
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)o->seed);
        rc = recur_model_set_meta(m, "train.seed", buf);
    }
    if (!rc) rc = recur_model_save(m, o->save);
    return rc ? cli_lib_error(rc) : 0;
}

static int train_model(recur_model *m, const forecast_run *r, const forecast_train_opts *o,
                       const recur_dataset *ds)
{
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.optimizer = (recur_optimizer)recur_optimizer_parse(o->optim);
    tc.lr = (float)o->lr;
    tc.clip = (float)o->clip;
    tc.seq_len = r->e.window;
    tc.batch = o->batch;
    tc.stateful = 0;
    tc.seed = o->seed;
    recur_trainer *tr;
    int rc = recur_trainer_create_dataset(m, &tc, ds, &tr);
    if (rc)
        return cli_lib_error(rc);
    long spe = recur_trainer_steps_per_epoch(tr);
    long every = o->epochs >= 10 ? o->epochs / 10 : 1;
    double t0 = progress_now();
    if (!o->quiet)
        fprintf(stderr, "Training: %s lr %g, batches of %d windows, %ld steps per epoch, "
                "%ld epochs.\n", o->optim, o->lr, tc.batch < ds->count ? tc.batch :
                (int)ds->count, spe, o->epochs);
    int timed_out = 0;
    for (long ep = 0; ep < o->epochs && !timed_out; ep++) {
        double sum = 0;
        long tok = 0;
        for (long k = 0; k < spe; k++) {
            if (o->time_limit > 0 && progress_now() - t0 >= o->time_limit) {
                if (!o->quiet)
                    fprintf(stderr, "Stopped at the time limit (%gs) in epoch %ld, after "
                            "%ld steps.\n", o->time_limit, ep + 1,
                            recur_trainer_step_count(tr));
                timed_out = 1;
                break;
            }
            recur_batch_stats st;
            if ((rc = recur_trainer_step(tr, &st))) {
                recur_trainer_free(tr);
                return cli_lib_error(rc);
            }
            sum += st.loss * (double)st.tokens;
            tok += st.tokens;
        }
        if (!o->quiet && !timed_out && ((ep + 1) % every == 0 || ep + 1 == o->epochs)) {
            char el[32];
            progress_fmt_time(progress_now() - t0, el, sizeof el);
            fprintf(stderr, "epoch %ld/%ld - loss: %.6f (scaled MSE) - %s\n", ep + 1,
                    o->epochs, tok ? sum / (double)tok : 0.0, el);
        }
    }
    recur_trainer_free(tr);
    return 0;
}

static int run_train(const forecast_train_opts *o, const char *path)
{
    int code = EXIT_RUNTIME, rc;
    recur_series *s = NULL;
    recur_model *m = NULL;
    long *tix = NULL;
    double *fc = NULL, *buf = NULL;
    recur_dataset ds;
    memset(&ds, 0, sizeof ds);
    forecast_run r;
    memset(&r, 0, sizeof r);

    if ((o->save && cli_check_save_dir("--save", o->save)) ||
        (o->csv && cli_check_save_dir("--csv", o->csv)) ||
        (o->svg && cli_check_save_dir("--svg", o->svg)))
        return EXIT_RUNTIME;
    recur_set_threads(o->threads);
    if ((rc = recur_series_load(path, o->column, &s)))
        return cli_lib_error(rc);
    long n = recur_series_length(s);
    const double *y = recur_series_values(s);
    long ntest = o->test < 1 ? (long)floor(o->test * (double)n + 0.5) : (long)o->test;
    if (o->test >= 1 && o->test != floor(o->test)) {
        cli_error("--test %g: give a whole number of points or a fraction below 1",
                  o->test);
        goto done;
    }
    if (ntest < 1 || ntest >= n) {
        cli_error("--test %g asks for %ld test points of a series of %ld; it must leave "
                  "at least one point on each side", o->test, ntest, n);
        goto done;
    }
    long ntrain = n - ntest;
    if ((long)o->window + o->diff >= ntrain) {
        cli_error("--window %d%s is not shorter than the training part (%ld points): no "
                  "training example fits (use a smaller --window or --test)", o->window,
                  o->diff ? " plus --diff" : "", ntrain);
        goto done;
    }
    for (long i = 0; o->log && i < n; i++)
        if (!(y[i] > 0)) {
            cli_error("--log needs positive values; %s has %g at %s", path, y[i],
                      recur_series_time(s, i));
            goto done;
        }
    recur_season_source how = RECUR_SEASON_CALENDAR;
    int season = o->season;
    if (!season &&
        (rc = recur_forecast_infer_season(y, ntrain, recur_series_period(s), &season, &how))) {
        cli_lib_error(rc);
        goto done;
    }
    if (season > ntrain) {
        cli_error("--season %d is longer than the training part (%ld points)", season,
                  ntrain);
        goto done;
    }
    if (o->season_input && season < 2) {
        cli_error("--season-input needs a season of at least 2 steps (give --season)");
        goto done;
    }
    r.path = path, r.s = s, r.y = y, r.n = n, r.ntrain = ntrain, r.ntest = ntest;
    r.e.window = o->window;
    r.e.season = season;
    r.e.season_input = o->season_input;
    r.e.log = o->log;
    r.e.diff = o->diff;
    if ((rc = recur_forecast_fit(&r.e, (recur_scale_kind)recur_scale_parse(o->scale), y,
                                 ntrain))) {
        cli_lib_error(rc);
        goto done;
    }
    tix = malloc((size_t)n * sizeof *tix);
    if (!tix || recur_forecast_time_indices(s, n, tix)) {
        cli_error("out of memory");
        goto done;
    }
    r.tix = tix;

    int F = recur_forecast_features(&r.e);
    long count = ntrain - o->window - o->diff;
    fc = calloc((size_t)ntest * 6, sizeof *fc);
    buf = malloc((size_t)n * sizeof *buf);
    rc = fc && buf ? recur_forecast_examples(&r.e, y, tix, (long)o->window + o->diff, ntrain,
                                             o->many, &ds)
                   : RECUR_E_NOMEM;
    if (rc) {
        rc == RECUR_E_NOMEM ? cli_error("out of memory for %ld windows of %d", count, o->window)
                            : cli_lib_error(rc);
        goto done;
    }

    recur_config cfg;
    recur_config_default(&cfg);
    cfg.cell = (recur_cell)recur_cell_parse(o->cell);
    cfg.hidden = o->hidden;
    cfg.layers = o->layers;
    recur_forecast_config(&r.e, o->many, &cfg);
    if ((rc = recur_config_check(&cfg)) || (rc = recur_model_create(&cfg, o->seed, &m)) ||
        (strcmp(o->init, "keras") == 0 &&
         (rc = recur_model_init(m, RECUR_INIT_KERAS, o->seed)))) {
        cli_lib_error(rc);
        goto done;
    }
    int period = recur_series_period(s);
    if (!o->quiet) {
        char what[96];
        snprintf(what, sizeof what, "%s%s%s%s%s", F == 1 ? "" : "(", o->log ? "log " : "",
                 o->diff ? "changes" : "values", o->diff ? " over the lag" : "",
                 F == 1 ? "" : ", phase sin, phase cos)");
        char np[32];
        progress_fmt_count(recur_model_param_count(m), np, sizeof np);
        fprintf(stderr, "Series: %s, column '%s', %ld points (%s): %ld for training "
                "(%s .. %s), %ld for testing (%s .. %s).\n", path,
                recur_series_value_name(s), n,
                period == 12 ? "monthly" : period == 4 ? "quarterly" :
                period == 1 ? "yearly" : "no calendar",
                ntrain, recur_series_time(s, 0), recur_series_time(s, ntrain - 1), ntest,
                recur_series_time(s, ntrain), recur_series_time(s, n - 1));
        fprintf(stderr, "Model: %d-layer %s of %d units over windows of %d %s, %s scaling "
                "fitted on the training part, Dense(1) on %s; %s parameters; "
                "season %d (%s).\n", o->layers, o->cell, o->hidden, o->window, what,
                o->scale, o->many ? "every state (many to many)" : "the last state", np,
                season,
                o->season ? "given" : how == RECUR_SEASON_CALENDAR ? "the calendar" :
                "periodogram");
    }
    if (train_model(m, &r, o, &ds))
        goto done;

    r.one_step = fc, r.rec = fc + ntest, r.last1 = fc + 2 * ntest;
    r.snaive1 = fc + 3 * ntest, r.lastH = fc + 4 * ntest, r.snaiveH = fc + 5 * ntest;
    /* (a) one step ahead over the test part, each from the true W values
     * before; (b) recursive over the whole test horizon, from the training
     * part alone; and the baselines of each */
    memcpy(buf, y, (size_t)ntrain * sizeof *buf);
    if ((rc = recur_forecast_one_step(m, &r.e, y, tix, ntrain, ntest, r.one_step)) ||
        (rc = recur_forecast_last_value(y, ntrain, ntest, 0, r.last1)) ||
        (rc = recur_forecast_seasonal_naive(y, ntrain, ntest, season, 0, r.snaive1)) ||
        (rc = recur_forecast_last_value(y, ntrain, ntest, 1, r.lastH)) ||
        (rc = recur_forecast_seasonal_naive(y, ntrain, ntest, season, 1, r.snaiveH)) ||
        (rc = recur_forecast_recursive(m, &r.e, buf, tix, ntrain, ntest, r.rec))) {
        cli_lib_error(rc);
        goto done;
    }

    const double *truth = y + ntrain;
    recur_forecast_errors m1, mr, l1, lh, s1, sh;
    recur_forecast_metrics(truth, r.one_step, ntest, &m1);
    recur_forecast_metrics(truth, r.rec, ntest, &mr);
    recur_forecast_metrics(truth, r.last1, ntest, &l1);
    recur_forecast_metrics(truth, r.lastH, ntest, &lh);
    recur_forecast_metrics(truth, r.snaive1, ntest, &s1);
    recur_forecast_metrics(truth, r.snaiveH, ntest, &sh);
    char rnn_name[64], sn_name[64];
    snprintf(rnn_name, sizeof rnn_name, "rnn (%s %dx%d)", o->cell, o->layers, o->hidden);
    snprintf(sn_name, sizeof sn_name, "seasonal naive (%d)", season);
    printf("Forecast of '%s' over the last %ld points (%s .. %s), errors in the series' "
           "units:\n", recur_series_value_name(s), ntest, recur_series_time(s, ntrain),
           recur_series_time(s, n - 1));
    printf("%-24s %14s %14s %14s %14s\n", "method", "one-step RMSE", "one-step MAE",
           "recursive RMSE", "recursive MAE");
    printf("%-24s %14.4f %14.4f %14.4f %14.4f\n", rnn_name, m1.rmse, m1.mae, mr.rmse, mr.mae);
    printf("%-24s %14.4f %14.4f %14.4f %14.4f\n", "last value", l1.rmse, l1.mae, lh.rmse,
           lh.mae);
    printf("%-24s %14.4f %14.4f %14.4f %14.4f\n", sn_name, s1.rmse, s1.mae, sh.rmse, sh.mae);
    if (o->csv && write_csv(&r, o->csv))
        goto done;
    if (o->svg) {
        char title[256];
        snprintf(title, sizeof title, "%s: %s %dx%d, window %d, %ld test points",
                 recur_series_value_name(s), o->cell, o->layers, o->hidden, o->window,
                 ntest);
        long hist = o->history > 0 ? o->history : (4 * ntest > 48 ? 4 * ntest : 48);
        if (write_plot(&r, o->svg, hist, title))
            goto done;
    }
    if (o->save && save_model(m, &r, o))
        goto done;
    if (!o->quiet && (o->save || o->csv || o->svg))
        fprintf(stderr, "Wrote%s%s%s%s%s%s.\n", o->save ? " model " : "",
                o->save ? o->save : "", o->csv ? " csv " : "", o->csv ? o->csv : "",
                o->svg ? " plot " : "", o->svg ? o->svg : "");
    code = 0;
done:
    recur_forecast_examples_free(&ds);
    free(tix);
    free(fc);
    free(buf);
    recur_model_free(m);
    recur_series_free(s);
    return code;
}

/* ---- prediction beyond the end -------------------------------------------------- */

typedef struct {
    const char *column, *csv, *svg;
    long horizon, history;
    int threads;
} predict_opts;

static int run_predict(const predict_opts *o, const char *model_path, const char *path)
{
    int code = EXIT_RUNTIME, rc;
    recur_model *m = NULL;
    recur_series *s = NULL;
    double *buf = NULL, *fc = NULL, *xs = NULL;
    long *tix = NULL;
    FILE *f = NULL;
    if ((o->csv && cli_check_save_dir("--csv", o->csv)) ||
        (o->svg && cli_check_save_dir("--svg", o->svg)))
        return EXIT_RUNTIME;
    recur_set_threads(o->threads);
    if ((rc = recur_model_load(model_path, &m)))
        return cli_lib_error(rc);
    recur_forecast_encoding e;
    if (read_encoding(m, model_path, &e))
        goto done;
    const char *column = o->column ? o->column : recur_model_get_meta(m, "forecast.column");
    if ((rc = recur_series_load(path, column, &s))) {
        cli_lib_error(rc);
        goto done;
    }
    long n = recur_series_length(s), H = o->horizon;
    if (n < (long)e.window + e.diff) {
        cli_error("%s: %ld points, fewer than the model's window of %d%s", path, n,
                  e.window, e.diff ? " plus its difference lag" : "");
        goto done;
    }
    for (long i = 0; e.log && i < n; i++)
        if (!(recur_series_values(s)[i] > 0)) {
            cli_error("%s: the model works on logarithms, but the series has %g at %s",
                      path, recur_series_values(s)[i], recur_series_time(s, i));
            goto done;
        }
    buf = malloc((size_t)(n + H) * sizeof *buf);
    fc = malloc((size_t)H * sizeof *fc);
    tix = malloc((size_t)(n + H) * sizeof *tix);
    if (!buf || !fc || !tix || recur_forecast_time_indices(s, n + H, tix)) {
        cli_error("out of memory");
        goto done;
    }
    memcpy(buf, recur_series_values(s), (size_t)n * sizeof *buf);
    if ((rc = recur_forecast_recursive(m, &e, buf, tix, n, H, fc))) {
        cli_lib_error(rc);
        goto done;
    }
    f = o->csv ? fopen(o->csv, "w") : stdout;
    if (!f) {
        cli_error("--csv %s: %s", o->csv, strerror(errno));
        goto done;
    }
    fprintf(f, "%s,forecast\n", recur_series_time_name(s));
    for (long h = 0; h < H; h++) {
        char label[64];
        recur_series_time_after(s, h + 1, label, sizeof label);
        put_field(f, label);
        fprintf(f, ",%.10g\n", fc[h]);
    }
    if (o->csv) {
        FILE *g = f;
        f = NULL;
        if (fclose(g) != 0) {
            cli_error("--csv %s: %s", o->csv, strerror(errno));
            goto done;
        }
    }
    if (o->svg) {
        long hist = o->history > 0 ? o->history : (4 * H > 48 ? 4 * H : 48);
        long h0 = n - hist < 0 ? 0 : n - hist;
        xs = malloc((size_t)(n + H - h0) * sizeof *xs);
        if (!xs) {
            cli_error("out of memory");
            goto done;
        }
        for (long i = h0; i < n + H; i++)
            xs[i - h0] = plot_x(s, tix[i]);
        char title[256];
        snprintf(title, sizeof title, "%s: %ld-step forecast", recur_series_value_name(s),
                 H);
        int p = recur_series_period(s);
        svg_plot *pl = svg_plot_new(title, p ? "year" : recur_series_time_name(s),
                                    recur_series_value_name(s), SVG_LINEAR_Y);
        /* the forecast line starts at the last observed point */
        int bad = !pl ||
                  svg_plot_add_styled(pl, "history", xs, buf + h0, n - h0, "#000000", 0) ||
                  svg_plot_add_styled(pl, "RNN recursive forecast", xs + (n - 1 - h0),
                                      buf + n - 1, H + 1, "#d62728", 0);
        if (bad)
            errno = ENOMEM;
        if (bad || svg_plot_write(pl, o->svg)) {
            svg_plot_free(pl);
            cli_error("--svg %s: %s", o->svg, strerror(errno));
            goto done;
        }
        svg_plot_free(pl);
    }
    code = 0;
done:
    if (f && f != stdout)
        fclose(f);
    free(xs);
    free(buf);
    free(fc);
    free(tix);
    recur_series_free(s);
    recur_model_free(m);
    return code;
}

/* ---- options ------------------------------------------------------------------- */

#define NUM(nm, al, kind, dst, mv, df, hl, hasl, lo_, loo, hash, hi_, hio) \
    {nm, al, kind, dst, mv, df, hl, hasl, hash, loo, hio, lo_, hi_, 0}
#define STR(nm, al, dst, mv, df, hl) {nm, al, OPT_STRING, dst, mv, df, hl, 0, 0, 0, 0, 0, 0, 0}
#define FLAG(nm, dst, hl) {nm, NULL, OPT_FLAG, dst, NULL, NULL, hl, 0, 0, 0, 0, 0, 0, 0}

static int forecast_train(int argc, char **argv)
{
    forecast_train_opts o = {.cell = "lstm", .scale = "minmax", .init = "keras", .optim = "adam",
                    .test = 0.2, .lr = 0.01, .clip = 1, .window = 12, .hidden = 32,
                    .layers = 1, .batch = 32, .threads = 1, .epochs = 100, .seed = 1};
    cli_opt opts[] = {
        STR("column", NULL, &o.column, "NAME|N", "the last numeric column",
            "the value column, by header name or 1-based index"),
        NUM("test", NULL, OPT_DOUBLE, &o.test, "N|FRACTION", "0.2",
            "the last N points (or this fraction of the series) are the test part",
            1, 0, 1, 1, 1e9, 0),
        NUM("window", NULL, OPT_INT, &o.window, "W", "12",
            "past values the network sees for each forecast", 1, 1, 0, 1, MAX_WINDOW, 0),
        NUM("season", NULL, OPT_INT, &o.season, "S", NULL,
            "steps per season for the seasonal-naive baseline (default: 12 for monthly, "
            "4 for quarterly data, else the strongest integer period in the periodogram "
            "of the training part)", 1, 1, 0, 1, 1000000, 0),
        FLAG("season-input", &o.season_input,
             "also feed the sine and cosine of each step's phase in the season"),
        FLAG("log", &o.log, "model the logarithm of the values (all must be > 0)"),
        NUM("diff", NULL, OPT_INT, &o.diff, "LAG", "0",
            "model the change over LAG steps (1: first differences, 12: the change from "
            "a year before for monthly data); 0: the values themselves",
            1, 0, 0, 1, 1000000, 0),
        FLAG("many-to-many", &o.many,
             "train on the next value after every step of each window (readout "
             "sequence) instead of only after its last step"),
        STR("scale", NULL, &o.scale, "KIND", "minmax",
            "scaling fitted on the training part: minmax, zscore, none"),
        STR("cell", "model", &o.cell, "TYPE", "lstm",
            "recurrent cell: lstm, gru, rnn_tanh (= rnn), rnn_relu"),
        NUM("hidden", NULL, OPT_INT, &o.hidden, "N", "32", "units per layer", 1, 1, 0, 1,
            RECUR_MAX_WIDTH, 0),
        NUM("layers", NULL, OPT_INT, &o.layers, "N", "1", "stacked recurrent layers", 1, 1,
            0, 1, 16, 0),
        STR("init", NULL, &o.init, "SCHEME", "keras", "initial weights: keras, pytorch"),
        NUM("epochs", NULL, OPT_LONG, &o.epochs, "N", "100", "passes over the training "
            "windows", 1, 1, 0, 1, 1e7, 0),
        STR("optim", NULL, &o.optim, "NAME", "adam", "optimizer: sgd, adam, adamw, rmsprop"),
        NUM("lr", NULL, OPT_DOUBLE, &o.lr, "RATE", "0.01", "learning rate", 1, 0, 1, 0, 0, 0),
        NUM("clip", NULL, OPT_DOUBLE, &o.clip, "NORM", "1",
            "clip the global gradient norm; 0 = off", 1, 0, 0, 0, 0, 0),
        NUM("batch", NULL, OPT_INT, &o.batch, "B", "32", "windows per batch", 1, 1, 0, 1,
            100000, 0),
        NUM("seed", NULL, OPT_U64, &o.seed, "N", "1", "seed for the weights and shuffling",
            0, 0, 0, 0, 0, 0),
        NUM("threads", NULL, OPT_INT, &o.threads, "N", "1", "threads for the matrix products",
            1, 1, 0, 1, 1024, 0),
        NUM("time-limit", NULL, OPT_DOUBLE, &o.time_limit, "SECONDS", NULL,
            "stop training after this long (then forecast)", 1, 0, 1, 0, 0, 0),
        STR("csv", NULL, &o.csv, "FILE", NULL,
            "write every test-part forecast and baseline as CSV"),
        STR("svg", NULL, &o.svg, "FILE", NULL,
            "plot history, truth and forecasts as an SVG line chart"),
        NUM("history", NULL, OPT_INT, &o.history, "N", "4 x the test part, >= 48",
            "training points shown before the test part in the plot", 1, 1, 0, 0, 0, 0),
        STR("save", NULL, &o.save, "FILE", NULL,
            "save the model, with its window, scaling and season, for 'forecast predict'"),
        FLAG("quiet", &o.quiet, "print only the table of errors"),
    };
    static const char *const pos_names[] = {"SERIES.csv"};
    cli_spec spec = {
        .cmd = "forecast train",
        .usage = "recur forecast train SERIES.csv [OPTIONS]",
        .description =
            "Train a many-to-one RNN on the start of a time series and test it on the\n"
            "end: one-step-ahead forecasts (each from the true previous values) and a\n"
            "recursive forecast over the whole test part (feeding its own forecasts\n"
            "back), with RMSE and MAE in the series' units beside the last-value and\n"
            "seasonal-naive baselines. The CSV needs a header line; the first column\n"
            "is the time. The table goes to stdout, progress to stderr.",
        .opts = opts,
        .nopts = (int)(sizeof opts / sizeof *opts),
        .pos_names = pos_names,
        .pos_min = 1,
        .pos_max = 1,
        .epilog = "example:\n"
                  "  recur forecast train data/timeseries/airpassengers_monthly.csv --test 24 \\\n"
                  "      --window 12 --epochs 300 --svg air.svg --save air.safetensors",
    };
    const char *pos[1];
    int npos;
    int a = args_parse(&spec, argc, argv, pos, &npos);
    if (a == ARGS_HELP)
        return 0;
    if (a)
        return EXIT_USAGE;
    if (recur_cell_parse(o.cell) < 0)
        return args_error(&spec, "--cell expects one of lstm, gru, rnn_tanh, rnn, rnn_relu, "
                          "got '%s'", o.cell), EXIT_USAGE;
    if (recur_scale_parse(o.scale) < 0)
        return args_error(&spec, "--scale expects minmax, zscore or none, got '%s'",
                          o.scale), EXIT_USAGE;
    if (strcmp(o.init, "keras") != 0 && strcmp(o.init, "pytorch") != 0)
        return args_error(&spec, "--init expects keras or pytorch, got '%s'", o.init),
               EXIT_USAGE;
    if (recur_optimizer_parse(o.optim) < 0)
        return args_error(&spec, "--optim expects one of sgd, adam, adamw, rmsprop, got "
                          "'%s'", o.optim), EXIT_USAGE;
    return run_train(&o, pos[0]);
}

static int forecast_predict(int argc, char **argv)
{
    predict_opts o = {.horizon = 12, .threads = 1};
    cli_opt opts[] = {
        NUM("horizon", NULL, OPT_LONG, &o.horizon, "H", "12",
            "steps to forecast beyond the end of the series", 1, 1, 0, 1, MAX_HORIZON, 0),
        STR("column", NULL, &o.column, "NAME|N", "the model's training column",
            "the value column, by header name or 1-based index"),
        STR("csv", NULL, &o.csv, "FILE", "stdout", "write the forecasts here"),
        STR("svg", NULL, &o.svg, "FILE", NULL, "plot the history and the forecast"),
        NUM("history", NULL, OPT_LONG, &o.history, "N", "4 x the horizon, >= 48",
            "points of history shown in the plot", 1, 1, 0, 0, 0, 0),
        NUM("threads", NULL, OPT_INT, &o.threads, "N", "1", "threads for the matrix products",
            1, 1, 0, 1, 1024, 0),
    };
    static const char *const pos_names[] = {"MODEL", "SERIES.csv"};
    cli_spec spec = {
        .cmd = "forecast predict",
        .usage = "recur forecast predict MODEL SERIES.csv [--horizon H] [OPTIONS]",
        .description =
            "Forecast H steps beyond the end of a series with a model saved by\n"
            "'recur forecast train --save', recursively (each forecast becomes the\n"
            "newest input of the next). The model's metadata carries its window,\n"
            "scaling and season. Prints CSV rows 'time,forecast'; the time labels\n"
            "continue the series' calendar (monthly, quarterly, yearly) or count +1, +2.",
        .opts = opts,
        .nopts = (int)(sizeof opts / sizeof *opts),
        .pos_names = pos_names,
        .pos_min = 2,
        .pos_max = 2,
        .epilog = "example:\n"
                  "  recur forecast predict air.safetensors "
                  "data/timeseries/airpassengers_monthly.csv --horizon 24",
    };
    const char *pos[2];
    int npos;
    int a = args_parse(&spec, argc, argv, pos, &npos);
    if (a == ARGS_HELP)
        return 0;
    if (a)
        return EXIT_USAGE;
    return run_predict(&o, pos[0], pos[1]);
}

static void forecast_usage(FILE *f)
{
    fprintf(f, "usage: recur forecast train SERIES.csv [OPTIONS]\n"
               "       recur forecast predict MODEL SERIES.csv --horizon H [OPTIONS]\n"
               "\n"
               "Time-series forecasting with a recurrent network:\n"
               "  train    train on the start of a CSV series, test on its end against\n"
               "           the last-value and seasonal-naive baselines, save the model\n"
               "  predict  forecast beyond the end of a series with a saved model\n"
               "\n"
               "Run 'recur forecast train --help' or 'recur forecast predict --help' for "
               "the options.\n");
}

int cmd_forecast(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "recur forecast: expected 'train' or 'predict' (try 'recur "
                        "forecast --help')\n");
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        forecast_usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "train") == 0)
        return forecast_train(argc - 1, argv + 1);
    if (strcmp(argv[1], "predict") == 0)
        return forecast_predict(argc - 1, argv + 1);
    fprintf(stderr, "recur forecast: unknown subcommand '%s': expected 'train' or "
                    "'predict' (try 'recur forecast --help')\n", argv[1]);
    return EXIT_USAGE;
}
