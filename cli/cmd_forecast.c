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
 * forecasts, season, baselines, metrics, the forecast.* metadata); the
 * training loop is the driver's (train_driver.c: time limit, Ctrl-C); this
 * file holds the options, the table, the CSV and the SVG. */
#include <errno.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "commands.h"
#include "dist.h"
#include "progress.h"
#include "recur.h"
#include "svg.h"
#include "train_common.h"
#include "train_driver.h"

#define MAX_WINDOW RECUR_FORECAST_MAX_WINDOW
#define MAX_HORIZON 100000

/* An x coordinate for plots: years for a calendar, else the row number.
 * Daily and weekly positions count days or weeks: a year is 365.2425 days. */
static double plot_x(const recur_series *s, long tix)
{
    int p = recur_series_period(s);
    if (p == 365 || p == 52)
        return (double)tix * (p == 52 ? 7 : 1) / 365.2425;
    return p ? (double)tix / p : (double)tix + 1;
}

/* ---- metadata ---------------------------------------------------------------- */

/* The forecasting settings of a saved model (one error line naming it). */
static int read_encoding(const recur_model *m, const char *path, recur_forecast_encoding *e)
{
    if (recur_forecast_read_meta(m, e))
        return cli_error("%s: %s", path, recur_last_error());
    return 0;
}

/* ---- small helpers -------------------------------------------------------------- */

/* Load the series with the --missing mode (checked by the parser), and say
 * how many values were filled or dropped: a filled series is not the raw
 * data. */
static int load_series(const char *path, const char *column, const char *missing,
                       recur_series **s)
{
    recur_missing how = (recur_missing)recur_missing_parse(missing);
    int rc = recur_series_load_missing(path, column, how, s);
    if (rc)
        return cli_lib_error(rc);
    long k = recur_series_missing(*s);
    if (k)
        fprintf(stderr, "%s: %ld missing value%s %s (--missing %s).\n", path, k,
                k == 1 ? "" : "s", how == RECUR_MISSING_DROP ? "dropped" :
                how == RECUR_MISSING_PREVIOUS ? "filled with the previous value" :
                "interpolated", missing);
    return 0;
}

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
    const forecast_train_opts *o;
    const char *path;
    recur_series *s;
    const double *y;
    long n, ntrain, ntest;
    long *tix;
    int season;
    recur_season_source how;
    recur_forecast_encoding e;
    recur_dataset ds;
    recur_model *m;
    recur_trainer *tr;
    double *fc, *buf;
    /* forecasts over the test part, [ntest] each (in fc) */
    double *one_step, *rec, *last1, *snaive1, *lastH, *snaiveH;
    train_driver d;
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

/* The forecaster's metadata, then the model, to --save (a library status). */
static int save_forecaster(const forecast_run *r)
{
    const forecast_train_opts *o = r->o;
    recur_model *m = r->m;
    int rc = recur_model_set_meta(m, "forecast.series", r->path);
    if (!rc) rc = recur_model_set_meta(m, "forecast.column", recur_series_value_name(r->s));
    if (!rc) rc = recur_forecast_write_meta(m, &r->e);
    if (!rc) rc = cli_set_meta(m, "forecast.train_points", "%.0f", (double)r->ntrain);
    if (!rc) rc = cli_set_meta(m, "forecast.test_points", "%.0f", (double)r->ntest);
    if (!rc) rc = recur_model_set_meta(m, "train.optimizer", o->optim);
    if (!rc) rc = cli_set_meta(m, "train.lr", "%.9g", o->lr);
    if (!rc) rc = cli_set_meta(m, "train.epochs", "%.0f", (double)o->epochs);
    if (!rc) {
        char buf[32];
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)o->seed);
        rc = recur_model_set_meta(m, "train.seed", buf);
    }
    if (!rc) rc = recur_model_save(m, o->save);
    return rc;
}

/* The series and its split: the last --test points for testing. */
static int load_split(forecast_run *r)
{
    const forecast_train_opts *o = r->o;
    if (load_series(r->path, o->column, o->missing, &r->s))
        return EXIT_RUNTIME;
    long n = r->n = recur_series_length(r->s);
    const double *y = r->y = recur_series_values(r->s);
    long ntest = o->test < 1 ? (long)floor(o->test * (double)n + 0.5) : (long)o->test;
    if (o->test >= 1 && o->test != floor(o->test))
        return cli_error("--test %g: give a whole number of points or a fraction below 1",
                         o->test);
    if (ntest < 1 || ntest >= n)
        return cli_error("--test %g asks for %ld test points of a series of %ld; it must "
                         "leave at least one point on each side", o->test, ntest, n);
    r->ntest = ntest;
    long ntrain = r->ntrain = n - ntest;
    if (o->es && o->diff)
        return cli_error("--es normalises by the level instead of differencing: drop --diff");
    if ((long)o->window + o->diff >= ntrain)
        return cli_error("--window %d%s is not shorter than the training part (%ld points): "
                         "no training example fits (use a smaller --window or --test)",
                         o->window, o->diff ? " plus --diff" : "", ntrain);
    for (long i = 0; o->log && i < n; i++)
        if (!(y[i] > 0))
            return cli_error("--log needs positive values; %s has %g at %s", r->path, y[i],
                             recur_series_time(r->s, i));
    return 0;
}

/* The season: --season, the calendar's, or the periodogram's. */
static int choose_season(forecast_run *r)
{
    const forecast_train_opts *o = r->o;
    r->how = RECUR_SEASON_CALENDAR;
    r->season = o->season;
    int rc = r->season ? 0 : recur_forecast_infer_season(r->y, r->ntrain,
                                                          recur_series_period(r->s),
                                                          &r->season, &r->how);
    if (rc)
        return cli_lib_error(rc);
    if (r->season > r->ntrain)
        return cli_error("--season %d is longer than the training part (%ld points)",
                         r->season, r->ntrain);
    if (o->season_input && r->season < 2)
        return cli_error("--season-input needs a season of at least 2 steps (give --season)");
    return 0;
}

/* The encoding fitted on the training part, and the training windows. */
static int encode(forecast_run *r)
{
    const forecast_train_opts *o = r->o;
    r->e.window = o->window;
    r->e.season = r->season;
    r->e.season_input = o->season_input;
    r->e.log = o->log;
    r->e.diff = o->diff;
    r->e.es = o->es;
    if (o->es && 2L * r->season >= r->ntrain)
        return cli_error("--es needs more than two seasons (%d steps each) of training "
                         "values, the training part has %ld", r->season, r->ntrain);
    /* the first target: after the window and the lag, or with es after the
     * first season too (the smoothing's start) */
    long first = o->es && r->season > o->window ? r->season : (long)o->window + o->diff;
    int rc = recur_forecast_fit(&r->e, (recur_scale_kind)recur_scale_parse(o->scale), r->y,
                                r->ntrain);
    if (rc)
        return cli_lib_error(rc);
    r->tix = malloc((size_t)r->n * sizeof *r->tix);
    if (!r->tix || recur_forecast_time_indices(r->s, r->n, r->tix))
        return cli_error("out of memory");
    long count = r->ntrain - first;
    r->fc = calloc((size_t)r->ntest * 6, sizeof *r->fc);
    r->buf = malloc((size_t)r->n * sizeof *r->buf);
    rc = r->fc && r->buf ? recur_forecast_examples(&r->e, r->y, r->tix, first, r->ntrain,
                                                   o->many, &r->ds)
                         : RECUR_E_NOMEM;
    if (rc == RECUR_E_NOMEM)
        return cli_error("out of memory for %ld windows of %d", count, o->window);
    return rc ? cli_lib_error(rc) : 0;
}

static int create_model(forecast_run *r)
{
    const forecast_train_opts *o = r->o;
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.cell = (recur_cell)recur_cell_parse(o->cell);
    cfg.hidden = o->hidden;
    cfg.layers = o->layers;
    recur_forecast_config(&r->e, o->many, &cfg);
    int rc = recur_config_check(&cfg);
    if (!rc)
        rc = recur_model_create(&cfg, o->seed, &r->m);
    if (!rc && strcmp(o->init, "keras") == 0)
        rc = recur_model_init(r->m, RECUR_INIT_KERAS, o->seed);
    return rc ? cli_lib_error(rc) : 0;
}

static void print_header(const forecast_run *r)
{
    const forecast_train_opts *o = r->o;
    const recur_series *s = r->s;
    int F = recur_forecast_features(&r->e), period = recur_series_period(s);
    char what[96];
    snprintf(what, sizeof what, "%s%s%s%s%s", F == 1 ? "" : "(", o->log ? "log " : "",
             o->diff ? "changes" : "values", o->diff ? " over the lag" : "",
             F == 1 ? "" : ", phase sin, phase cos)");
    char np[32];
    progress_fmt_count(recur_model_param_count(r->m), np, sizeof np);
    fprintf(stderr, "Series: %s, column '%s', %ld points (%s): %ld for training "
            "(%s .. %s), %ld for testing (%s .. %s).\n", r->path,
            recur_series_value_name(s), r->n,
            period == 12 ? "monthly" : period == 4 ? "quarterly" :
            period == 1 ? "yearly" : period == 365 ? "daily" : period == 52 ? "weekly" :
            "no calendar",
            r->ntrain, recur_series_time(s, 0), recur_series_time(s, r->ntrain - 1),
            r->ntest, recur_series_time(s, r->ntrain), recur_series_time(s, r->n - 1));
    char es[96] = "";
    if (o->es)
        snprintf(es, sizeof es, " less level and season (smoothing alpha %.2f, gamma %.2f)",
                 r->e.es_alpha, r->e.es_gamma);
    fprintf(stderr, "Model: %d-layer %s of %d units over windows of %d %s%s, %s scaling "
            "fitted on the training part, Dense(1) on %s; %s parameters; "
            "season %d (%s).\n", o->layers, o->cell, o->hidden, o->window, what, es,
            o->scale, o->many ? "every state (many to many)" : "the last state", np,
            r->season,
            o->season ? "given" : r->how == RECUR_SEASON_CALENDAR ? "the calendar" :
            "periodogram");
}

/* The driver's hooks: a line every tenth of the epochs (scaled MSE), the
 * time-limit line, the model saved when a signal stops training. */
static int epoch_line(train_driver *d, const recur_batch_stats *st, int evaluated,
                      int epoch_end)
{
    const forecast_run *r = d->ctx;
    const forecast_train_opts *o = r->o;
    long ep = train_driver_step(d) / d->steps_per_epoch;
    long every = o->epochs >= 10 ? o->epochs / 10 : 1;
    if (o->quiet || !epoch_end || (ep % every != 0 && ep != o->epochs))
        return 0;
    char el[32];
    train_driver_elapsed(d, el, sizeof el);
    double loss = progress_train_loss(&d->prog, NULL);
    fprintf(stderr, "epoch %ld/%ld - loss: %.6f (scaled MSE) - %s\n", ep, o->epochs,
            d->prog.sum_tokens ? loss : 0.0, el);
    return 0;
}

static int time_limit_line(train_driver *d)
{
    const forecast_run *r = d->ctx;
    long step = train_driver_step(d);
    if (!r->o->quiet && train_driver_stopped_early(d))
        fprintf(stderr, "Stopped at the time limit (%gs) in epoch %ld, after %ld steps.\n",
                r->o->time_limit, step / d->steps_per_epoch + 1, step);
    return 0;
}

static int save_hook(train_driver *d) { return save_forecaster(d->ctx); }

static int train_model(forecast_run *r)
{
    const forecast_train_opts *o = r->o;
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.optimizer = (recur_optimizer)recur_optimizer_parse(o->optim);
    tc.lr = (float)o->lr;
    tc.clip = (float)o->clip;
    tc.seq_len = r->e.window;
    tc.batch = o->batch;
    tc.stateful = 0;
    tc.seed = o->seed;
    int rc = recur_trainer_create_dataset(r->m, &tc, &r->ds, &r->tr);
    if (rc)
        return cli_lib_error(rc);
    long spe = recur_trainer_steps_per_epoch(r->tr);
    if (!o->quiet && dist_rank() == 0) /* over MPI, rank 0 prints (dist.h) */
        fprintf(stderr, "Training: %s lr %g, batches of %d windows, %ld steps per epoch, "
                "%ld epochs.\n", o->optim, o->lr, tc.batch < r->ds.count ? tc.batch :
                (int)r->ds.count, spe, o->epochs);
    static const train_hooks hooks = {.save = save_hook, .after_step = epoch_line,
                                      .summary = time_limit_line};
    r->d = (train_driver){.hooks = &hooks, .ctx = r, .trainer = r->tr, .save = o->save,
                          .model_only = 1, .steps_per_epoch = spe,
                          .target = o->epochs * spe, .time_limit = o->time_limit,
                          .mode = PROGRESS_QUIET};
    return train_drive(&r->d);
}

/* (a) one step ahead over the test part, each from the true W values
 * before; (b) recursive over the whole test horizon, from the training part
 * alone; and the baselines of each. */
static int forecast_test_part(forecast_run *r)
{
    long ntrain = r->ntrain, ntest = r->ntest;
    const double *y = r->y;
    double *fc = r->fc;
    r->one_step = fc, r->rec = fc + ntest, r->last1 = fc + 2 * ntest;
    r->snaive1 = fc + 3 * ntest, r->lastH = fc + 4 * ntest, r->snaiveH = fc + 5 * ntest;
    memcpy(r->buf, y, (size_t)ntrain * sizeof *r->buf);
    int rc;
    if ((rc = recur_forecast_one_step(r->m, &r->e, y, r->tix, ntrain, ntest, r->one_step)) ||
        (rc = recur_forecast_last_value(y, ntrain, ntest, 0, r->last1)) ||
        (rc = recur_forecast_seasonal_naive(y, ntrain, ntest, r->season, 0, r->snaive1)) ||
        (rc = recur_forecast_last_value(y, ntrain, ntest, 1, r->lastH)) ||
        (rc = recur_forecast_seasonal_naive(y, ntrain, ntest, r->season, 1, r->snaiveH)) ||
        (rc = recur_forecast_recursive(r->m, &r->e, r->buf, r->tix, ntrain, ntest, r->rec)))
        return cli_lib_error(rc);
    return 0;
}

static void print_row(const char *name, const double *truth, const double *one,
                      const double *rec, long n)
{
    recur_forecast_errors a, b;
    recur_forecast_metrics(truth, one, n, &a);
    recur_forecast_metrics(truth, rec, n, &b);
    printf("%-24s %14.4f %14.4f %14.4f %14.4f\n", name, a.rmse, a.mae, b.rmse, b.mae);
}

static void print_table(const forecast_run *r)
{
    const forecast_train_opts *o = r->o;
    const double *truth = r->y + r->ntrain;
    char rnn_name[64], sn_name[64];
    snprintf(rnn_name, sizeof rnn_name, "rnn (%s %dx%d)", o->cell, o->layers, o->hidden);
    snprintf(sn_name, sizeof sn_name, "seasonal naive (%d)", r->season);
    printf("Forecast of '%s' over the last %ld points (%s .. %s), errors in the series' "
           "units:\n", recur_series_value_name(r->s), r->ntest,
           recur_series_time(r->s, r->ntrain), recur_series_time(r->s, r->n - 1));
    printf("%-24s %14s %14s %14s %14s\n", "method", "one-step RMSE", "one-step MAE",
           "recursive RMSE", "recursive MAE");
    print_row(rnn_name, truth, r->one_step, r->rec, r->ntest);
    print_row("last value", truth, r->last1, r->lastH, r->ntest);
    print_row(sn_name, truth, r->snaive1, r->snaiveH, r->ntest);
}

/* --csv, --svg and --save, then the line that names them. */
static int write_outputs(const forecast_run *r)
{
    const forecast_train_opts *o = r->o;
    if (o->csv && write_csv(r, o->csv))
        return EXIT_RUNTIME;
    if (o->svg) {
        char title[256];
        snprintf(title, sizeof title, "%s: %s %dx%d, window %d, %ld test points",
                 recur_series_value_name(r->s), o->cell, o->layers, o->hidden, o->window,
                 r->ntest);
        long hist = o->history > 0 ? o->history : (4 * r->ntest > 48 ? 4 * r->ntest : 48);
        if (write_plot(r, o->svg, hist, title))
            return EXIT_RUNTIME;
    }
    int rc = o->save ? save_forecaster(r) : 0;
    if (rc)
        return cli_lib_error(rc);
    if (!o->quiet && (o->save || o->csv || o->svg))
        fprintf(stderr, "Wrote%s%s%s%s%s%s.\n", o->save ? " model " : "",
                o->save ? o->save : "", o->csv ? " csv " : "", o->csv ? o->csv : "",
                o->svg ? " plot " : "", o->svg ? o->svg : "");
    return 0;
}

static int train_and_test(forecast_run *r)
{
    int code = load_split(r);
    if (!code) code = choose_season(r);
    if (!code) code = encode(r);
    if (!code) code = create_model(r);
    if (code)
        return code;
    if (!r->o->quiet && dist_rank() == 0)
        print_header(r);
    if ((code = train_model(r)))
        return code;
    if (dist_rank() != 0) /* over MPI, rank 0 tests and writes */
        return 0;
    if ((code = forecast_test_part(r)))
        return code;
    print_table(r);
    return write_outputs(r);
}

static int run_train(const forecast_train_opts *o)
{
    if ((o->save && cli_check_model_path("--save", o->save)) ||
        (o->csv && cli_check_save_dir("--csv", o->csv)) ||
        (o->svg && cli_check_save_dir("--svg", o->svg)))
        return EXIT_RUNTIME;
    cli_set_threads(o->threads);
    forecast_run r = {.o = o, .path = o->series};
    int code = train_and_test(&r);
    recur_trainer_free(r.tr);
    recur_forecast_examples_free(&r.ds);
    free(r.tix);
    free(r.fc);
    free(r.buf);
    recur_model_free(r.m);
    recur_series_free(r.s);
    return code;
}

/* ---- prediction beyond the end -------------------------------------------------- */

typedef struct {
    const forecast_predict_opts *o;
    recur_model *m;
    recur_series *s;
    recur_forecast_encoding e;
    long n, H;
    double *buf, *fc; /* buf: the series, then the forecasts; fc: [H] */
    long *tix;
} predict_run;

/* The model, its encoding, the series, and the forecasts beyond its end. */
static int predict(predict_run *p)
{
    const forecast_predict_opts *o = p->o;
    int rc = recur_model_load(o->model, &p->m);
    if (rc)
        return cli_lib_error(rc);
    if (read_encoding(p->m, o->model, &p->e))
        return EXIT_RUNTIME;
    const char *column = o->column ? o->column : recur_model_get_meta(p->m, "forecast.column");
    if (load_series(o->series, column, o->missing, &p->s))
        return EXIT_RUNTIME;
    long n = p->n = recur_series_length(p->s), H = p->H = o->horizon;
    const double *y = recur_series_values(p->s);
    const recur_forecast_encoding *e = &p->e;
    if (n < (long)e->window + e->diff || (e->es && n < e->season))
        return cli_error("%s: %ld points, fewer than the model's window of %d%s", o->series,
                         n, e->window, e->diff ? " plus its difference lag" :
                         e->es && e->season > e->window ? " (and a season, for its "
                         "smoothing)" : "");
    for (long i = 0; p->e.log && i < n; i++)
        if (!(y[i] > 0))
            return cli_error("%s: the model works on logarithms, but the series has %g at "
                             "%s", o->series, y[i], recur_series_time(p->s, i));
    p->buf = malloc((size_t)(n + H) * sizeof *p->buf);
    p->fc = malloc((size_t)H * sizeof *p->fc);
    p->tix = malloc((size_t)(n + H) * sizeof *p->tix);
    if (!p->buf || !p->fc || !p->tix || recur_forecast_time_indices(p->s, n + H, p->tix))
        return cli_error("out of memory");
    memcpy(p->buf, y, (size_t)n * sizeof *p->buf);
    if ((rc = recur_forecast_recursive(p->m, &p->e, p->buf, p->tix, n, H, p->fc)))
        return cli_lib_error(rc);
    return 0;
}

/* "time,forecast" rows, to --csv or stdout. */
static int write_forecasts(const predict_run *p)
{
    const char *path = p->o->csv;
    FILE *f = path ? fopen(path, "w") : stdout;
    if (!f)
        return cli_error("--csv %s: %s", path, strerror(errno));
    fprintf(f, "%s,forecast\n", recur_series_time_name(p->s));
    for (long h = 0; h < p->H; h++) {
        char label[64];
        recur_series_time_after(p->s, h + 1, label, sizeof label);
        put_field(f, label);
        fprintf(f, ",%.10g\n", p->fc[h]);
    }
    if (path && fclose(f) != 0)
        return cli_error("--csv %s: %s", path, strerror(errno));
    return 0;
}

/* The history and the forecast, which starts at the last observed point. */
static int plot_forecasts(const predict_run *p)
{
    const forecast_predict_opts *o = p->o;
    long n = p->n, H = p->H;
    long hist = o->history > 0 ? o->history : (4 * H > 48 ? 4 * H : 48);
    long h0 = n - hist < 0 ? 0 : n - hist;
    double *xs = malloc((size_t)(n + H - h0) * sizeof *xs);
    if (!xs)
        return cli_error("out of memory");
    for (long i = h0; i < n + H; i++)
        xs[i - h0] = plot_x(p->s, p->tix[i]);
    char title[256];
    snprintf(title, sizeof title, "%s: %ld-step forecast", recur_series_value_name(p->s), H);
    int period = recur_series_period(p->s);
    svg_plot *pl = svg_plot_new(title, period ? "year" : recur_series_time_name(p->s),
                                recur_series_value_name(p->s), SVG_LINEAR_Y);
    int bad = !pl ||
              svg_plot_add_styled(pl, "history", xs, p->buf + h0, n - h0, "#000000", 0) ||
              svg_plot_add_styled(pl, "RNN recursive forecast", xs + (n - 1 - h0),
                                  p->buf + n - 1, H + 1, "#d62728", 0);
    if (bad)
        errno = ENOMEM;
    if (!bad)
        bad = svg_plot_write(pl, o->svg) != 0;
    svg_plot_free(pl);
    free(xs);
    return bad ? cli_error("--svg %s: %s", o->svg, strerror(errno)) : 0;
}

static int run_predict(const forecast_predict_opts *o)
{
    if ((o->csv && cli_check_save_dir("--csv", o->csv)) ||
        (o->svg && cli_check_save_dir("--svg", o->svg)))
        return EXIT_RUNTIME;
    cli_set_threads(o->threads);
    predict_run p = {.o = o};
    int code = predict(&p);
    if (!code)
        code = write_forecasts(&p);
    if (!code && o->svg)
        code = plot_forecasts(&p);
    free(p.buf);
    free(p.fc);
    free(p.tix);
    recur_series_free(p.s);
    recur_model_free(p.m);
    return code;
}

/* ---- options ------------------------------------------------------------------- */

#define AT(field) offsetof(forecast_train_opts, field)

static const cli_option train_options[] = {
    {.name = "column", .kind = OPT_STRING, .at = AT(column), .metavar = "NAME|N",
     .def = "the last numeric column",
     .help = "the value column, by header name or 1-based index"},
    {.name = "missing", .kind = OPT_STRING, .at = AT(missing), .metavar = "HOW",
     .def = "refuse",
     .help = "a missing value (empty, NA, NaN, null, ?): refuse, interpolate (linearly), "
             "previous (carry the last value) or drop (the row)"},
    {.name = "test", .kind = OPT_DOUBLE, .at = AT(test), .metavar = "N|FRACTION",
     .def = "0.2", .help = "the last N points (or this fraction of the series) are the test part",
     .lo = 0, .hi = 1e9, .bounds = ABOVE | AT_MOST},
    {.name = "window", .kind = OPT_INT, .at = AT(window), .metavar = "W", .def = "12",
     .help = "past values the network sees for each forecast",
     .lo = 1, .hi = MAX_WINDOW, .bounds = AT_LEAST | AT_MOST},
    {.name = "season", .kind = OPT_INT, .at = AT(season), .metavar = "S",
     .help = "steps per season for the seasonal-naive baseline (default: 12 for monthly, "
             "4 for quarterly data, else the strongest integer period in the periodogram "
             "of the detrended training part, the year (52 weeks; 7 or 365 days) first "
             "for weekly or daily dates)",
     .lo = 1, .hi = 1000000, .bounds = AT_LEAST | AT_MOST},
    {.name = "season-input", .kind = OPT_FLAG, .at = AT(season_input),
     .help = "also feed the sine and cosine of each step's phase in the season"},
    {.name = "log", .kind = OPT_FLAG, .at = AT(log),
     .help = "model the logarithm of the values (all must be > 0)"},
    {.name = "diff", .kind = OPT_INT, .at = AT(diff), .metavar = "LAG", .def = "0",
     .help = "model the change over LAG steps (1: first differences, 12: the change from "
             "a year before for monthly data); 0: the values themselves",
     .lo = 0, .hi = 1000000, .bounds = AT_LEAST | AT_MOST},
    {.name = "es", .kind = OPT_FLAG, .at = AT(es),
     .help = "exponential-smoothing normalisation (as Smyl's ES-RNN): each window less "
             "the level before it and each value's seasonal index, from a Holt-Winters "
             "smoothing fitted on the training part (instead of --diff)"},
    {.name = "many-to-many", .kind = OPT_FLAG, .at = AT(many),
     .help = "train on the next value after every step of each window (readout "
             "sequence) instead of only after its last step"},
    {.name = "scale", .kind = OPT_STRING, .at = AT(scale), .metavar = "KIND",
     .def = "minmax", .help = "scaling fitted on the training part: minmax, zscore, none"},
    {.name = "cell", .alias = "model", .kind = OPT_STRING, .at = AT(cell), .metavar = "TYPE",
     .def = "lstm", .help = "recurrent cell: lstm, gru, rnn_tanh (= rnn), rnn_relu"},
    {.name = "hidden", .kind = OPT_INT, .at = AT(hidden), .metavar = "N", .def = "32",
     .help = "units per layer", .lo = 1, .hi = RECUR_MAX_WIDTH, .bounds = AT_LEAST | AT_MOST},
    {.name = "layers", .kind = OPT_INT, .at = AT(layers), .metavar = "N", .def = "1",
     .help = "stacked recurrent layers", .lo = 1, .hi = 16, .bounds = AT_LEAST | AT_MOST},
    {.name = "init", .kind = OPT_STRING, .at = AT(init), .metavar = "SCHEME", .def = "keras",
     .help = "initial weights: keras, pytorch"},
    {.name = "epochs", .kind = OPT_LONG, .at = AT(epochs), .metavar = "N", .def = "100",
     .help = "passes over the training windows", .lo = 1, .hi = 1e7,
     .bounds = AT_LEAST | AT_MOST},
    {.name = "optim", .kind = OPT_STRING, .at = AT(optim), .metavar = "NAME", .def = "adam",
     .help = "optimizer: sgd, adam, adamw, rmsprop"},
    {.name = "lr", .kind = OPT_DOUBLE, .at = AT(lr), .metavar = "RATE", .def = "0.01",
     .help = "learning rate", .lo = 0, .hi = 100, .bounds = ABOVE | BELOW},
    {.name = "clip", .kind = OPT_DOUBLE, .at = AT(clip), .metavar = "NORM", .def = "1",
     .help = "clip the global gradient norm; 0 = off", .lo = 0, .bounds = AT_LEAST},
    {.name = "batch", .kind = OPT_INT, .at = AT(batch), .metavar = "B", .def = "32",
     .help = "windows per batch", .lo = 1, .hi = 100000, .bounds = AT_LEAST | AT_MOST},
    {.name = "seed", .kind = OPT_U64, .at = AT(seed), .metavar = "N", .def = "1",
     .help = "seed for the weights and shuffling"},
    {.name = "threads", .kind = OPT_INT, .at = AT(threads), .metavar = "N", .def = "1",
     .help = "threads for the matrix products", .lo = 1, .hi = 1024,
     .bounds = AT_LEAST | AT_MOST},
    {.name = "time-limit", .kind = OPT_DOUBLE, .at = AT(time_limit), .metavar = "SECONDS",
     .help = "stop training after this long (then forecast)", .lo = 0, .bounds = ABOVE},
    {.name = "csv", .kind = OPT_STRING, .at = AT(csv), .metavar = "FILE",
     .help = "write every test-part forecast and baseline as CSV"},
    {.name = "svg", .kind = OPT_STRING, .at = AT(svg), .metavar = "FILE",
     .help = "plot history, truth and forecasts as an SVG line chart"},
    {.name = "history", .kind = OPT_INT, .at = AT(history), .metavar = "N",
     .def = "4 x the test part, >= 48",
     .help = "training points shown before the test part in the plot",
     .lo = 1, .bounds = AT_LEAST},
    {.name = "save", .kind = OPT_STRING, .at = AT(save), .metavar = "FILE",
     .help = "save the model, with its window, scaling and season, for 'forecast predict'"},
    {.name = "quiet", .kind = OPT_FLAG, .at = AT(quiet), .help = "print only the table of errors"},
};

static const char *const train_pos[] = {"SERIES.csv"};

static const cli_options train_spec = {
    .cmd = "forecast train",
    .usage = "recur forecast train SERIES.csv [OPTIONS]",
    .description =
        "Train a many-to-one RNN on the start of a time series and test it on the\n"
        "end: one-step-ahead forecasts (each from the true previous values) and a\n"
        "recursive forecast over the whole test part (feeding its own forecasts\n"
        "back), with RMSE and MAE in the series' units beside the last-value and\n"
        "seasonal-naive baselines. The CSV needs a header line; the first column\n"
        "is the time. The table goes to stdout, progress to stderr.",
    .opts = train_options,
    .nopts = ARGS_COUNT(train_options),
    .pos_names = train_pos,
    .pos_min = 1,
    .pos_max = 1,
    .epilog = "Ctrl-C finishes the current step, saves the model so far to --save and "
              "exits\nwith status 130.\n"
              "example:\n"
              "  recur forecast train data/timeseries/airpassengers_monthly.csv --test 24 \\\n"
              "      --window 12 --epochs 300 --svg air.svg --save air.safetensors",
};

#undef AT
#define AT(field) offsetof(forecast_predict_opts, field)

static const cli_option predict_options[] = {
    {.name = "horizon", .kind = OPT_LONG, .at = AT(horizon), .metavar = "H", .def = "12",
     .help = "steps to forecast beyond the end of the series",
     .lo = 1, .hi = MAX_HORIZON, .bounds = AT_LEAST | AT_MOST},
    {.name = "column", .kind = OPT_STRING, .at = AT(column), .metavar = "NAME|N",
     .def = "the model's training column",
     .help = "the value column, by header name or 1-based index"},
    {.name = "missing", .kind = OPT_STRING, .at = AT(missing), .metavar = "HOW",
     .def = "refuse", .help = "a missing value: refuse, interpolate, previous or drop (as in "
     "train)"},
    {.name = "csv", .kind = OPT_STRING, .at = AT(csv), .metavar = "FILE", .def = "stdout",
     .help = "write the forecasts here"},
    {.name = "svg", .kind = OPT_STRING, .at = AT(svg), .metavar = "FILE",
     .help = "plot the history and the forecast"},
    {.name = "history", .kind = OPT_LONG, .at = AT(history), .metavar = "N",
     .def = "4 x the horizon, >= 48", .help = "points of history shown in the plot",
     .lo = 1, .bounds = AT_LEAST},
    {.name = "threads", .kind = OPT_INT, .at = AT(threads), .metavar = "N", .def = "1",
     .help = "threads for the matrix products", .lo = 1, .hi = 1024,
     .bounds = AT_LEAST | AT_MOST},
};

static const char *const predict_pos[] = {"MODEL", "SERIES.csv"};

static const cli_options predict_spec = {
    .cmd = "forecast predict",
    .usage = "recur forecast predict MODEL SERIES.csv [--horizon H] [OPTIONS]",
    .description =
        "Forecast H steps beyond the end of a series with a model saved by\n"
        "'recur forecast train --save', recursively (each forecast becomes the\n"
        "newest input of the next). The model's metadata carries its window,\n"
        "scaling and season. Prints CSV rows 'time,forecast'; the time labels\n"
        "continue the series' calendar (monthly, quarterly, yearly, daily, weekly)\n"
        "or count +1, +2.",
    .opts = predict_options,
    .nopts = ARGS_COUNT(predict_options),
    .pos_names = predict_pos,
    .pos_min = 2,
    .pos_max = 2,
    .epilog = "example:\n"
              "  recur forecast predict air.safetensors "
              "data/timeseries/airpassengers_monthly.csv --horizon 24",
};

static const char *const subcommand_names[] = {"train", "predict"};

static const cli_subcommands subcommands = {
    .cmd = "forecast",
    .help = "usage: recur forecast train SERIES.csv [OPTIONS]\n"
            "       recur forecast predict MODEL SERIES.csv --horizon H [OPTIONS]\n"
            "\n"
            "Time-series forecasting with a recurrent network:\n"
            "  train    train on the start of a CSV series, test on its end against\n"
            "           the last-value and seasonal-naive baselines, save the model\n"
            "  predict  forecast beyond the end of a series with a saved model\n"
            "\n"
            "Run 'recur forecast train --help' or 'recur forecast predict --help' for "
            "the options.\n",
    .names = subcommand_names,
    .n = 2,
};

/* The choices the table cannot say. */
static int check_train(const forecast_train_opts *o)
{
    static const char *const inits[] = {"keras", "pytorch"};
    if (recur_cell_parse(o->cell) < 0)
        return options_error(&train_spec, "--cell expects one of lstm, gru, rnn_tanh, rnn, "
                             "rnn_relu, got '%s'", o->cell);
    if (recur_scale_parse(o->scale) < 0)
        return options_error(&train_spec, "--scale expects minmax, zscore or none, got '%s'",
                             o->scale);
    if (options_choice(o->init, inits, 2) < 0)
        return options_error(&train_spec, "--init expects keras or pytorch, got '%s'",
                             o->init);
    if (recur_optimizer_parse(o->optim) < 0)
        return options_error(&train_spec, "--optim expects one of sgd, adam, adamw, "
                             "rmsprop, got '%s'", o->optim);
    if (recur_missing_parse(o->missing) < 0)
        return options_error(&train_spec, "--missing expects refuse, interpolate, previous "
                             "or drop, got '%s'", o->missing);
    return ARGS_OK;
}

int forecast_parse(int argc, char **argv, forecast_opts *out)
{
    forecast_opts o = {
        .train = {.cell = "lstm", .scale = "minmax", .init = "keras", .optim = "adam",
                  .test = 0.2, .lr = 0.01, .clip = 1, .window = 12, .hidden = 32,
                  .layers = 1, .batch = 32, .threads = 1, .epochs = 100, .seed = 1,
                  .missing = "refuse"},
        .predict = {.horizon = 12, .threads = 1, .missing = "refuse"}};
    options_result res;
    int a = options_subcommand(&subcommands, argc, argv, &o.sub);
    if (a)
        return a;
    if (o.sub == FORECAST_TRAIN) {
        a = options_parse(&train_spec, &o.train, argc - 1, argv + 1, &res);
        if (!a)
            a = check_train(&o.train);
        o.train.series = res.pos[0];
    } else {
        a = options_parse(&predict_spec, &o.predict, argc - 1, argv + 1, &res);
        if (!a && recur_missing_parse(o.predict.missing) < 0)
            a = options_error(&predict_spec, "--missing expects refuse, interpolate, "
                              "previous or drop, got '%s'", o.predict.missing);
        o.predict.model = res.pos[0];
        o.predict.series = res.pos[1];
    }
    if (!a)
        *out = o;
    return a;
}

int cmd_forecast(int argc, char **argv)
{
    forecast_opts o;
    int a = forecast_parse(argc, argv, &o);
    if (a)
        return a == ARGS_HELP ? 0 : EXIT_USAGE;
    return o.sub == FORECAST_TRAIN ? run_train(&o.train) : run_predict(&o.predict);
}
