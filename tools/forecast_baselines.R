# forecast_baselines.R - the models forecasters use, on the splits of
# examples/forecasting/run.sh: R's forecast package (Hyndman) fits ets(),
# auto.arima() and thetaf() on the training part of each series, then
#   one step:  each test point is forecast from the true values before it
#              with the parameters fitted on the training part (no refit):
#              ets(y, model = fit, use.initial.values = TRUE) and
#              Arima(y, model = fit) run the fitted model's filter over the
#              whole series; their fitted values on the test part are
#              one-step forecasts. Theta has no such call, so its filter
#              (simple exponential smoothing of the seasonally adjusted
#              series, plus half the training trend, times the training
#              seasonal index) is written out below and checked against
#              thetaf() on the training part.
#   recursive: forecast(fit, h = test points), the whole test part from the
#              end of the training part.
# Errors are RMSE and MAE in the series' units, as `recur forecast train`
# prints them. Needs Debian's r-cran-forecast (apt-get install
# r-cran-forecast); the test suite does not: the output is committed.
#
#   Rscript tools/forecast_baselines.R [OUT.tsv [FORECASTS.csv]]
#     (defaults: examples/forecasting/baselines_r.tsv and
#      examples/forecasting/baselines_r_forecasts.csv)
suppressPackageStartupMessages(library(forecast))

args <- commandArgs(trailingOnly = TRUE)
here <- local({
    f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
    normalizePath(file.path(dirname(f), ".."))
})
out_tsv <- if (length(args) >= 1) args[1] else file.path(here, "examples/forecasting/baselines_r.tsv")
out_csv <- if (length(args) >= 2) args[2] else file.path(here, "examples/forecasting/baselines_r_forecasts.csv")
data_dir <- file.path(here, "data/timeseries")

# The series and test sizes of run.sh (its AIR, NOTTEM, SUN_Y, SUN_M).
series <- list(
    list(name = "airpassengers", file = "airpassengers_monthly.csv", test = 24, freq = 12, log = TRUE),
    list(name = "nottingham", file = "nottingham_temp_monthly.csv", test = 24, freq = 12),
    list(name = "sunspots-yearly", file = "sunspots_yearly.csv", test = 40, freq = 1),
    list(name = "sunspots-monthly", file = "sunspots_monthly.csv", test = 240, freq = 12)
)

errors <- function(truth, pred) c(rmse = sqrt(mean((truth - pred)^2)), mae = mean(abs(truth - pred)))

# thetaf() written out so that the same fitted model can forecast one step
# ahead over the test part. Returns list(one_step, recursive, check).
theta <- function(train, full, h) {
    n <- length(train)
    m <- frequency(train)
    ref <- thetaf(train, h = h)
    # thetaf's own seasonality test and decomposition (forecast 8.20)
    seasonal <- FALSE
    if (m > 1 && !is.constant(train) && n > 2 * m) {
        r <- as.numeric(acf(train, lag.max = m, plot = FALSE)$acf)[-1]
        stat <- sqrt((1 + 2 * sum(r[-m]^2)) / n)
        seasonal <- abs(r[m]) / stat > qnorm(0.95)
    }
    idx <- rep(1, length(full))
    x <- train
    if (seasonal) {
        d <- decompose(train, type = "multiplicative")
        idx <- rep(as.numeric(d$seasonal[1:m]), length.out = length(full))
        x <- seasadj(d)
    }
    fc <- ses(x, h = h)
    alpha <- pmax(1e-10, fc$model$par["alpha"])
    b <- lsfit(0:(n - 1), x)$coefficients[2] / 2
    # recursive, as thetaf computes it
    rec <- (as.numeric(fc$mean) + b * (0:(h - 1) + (1 - (1 - alpha)^n) / alpha)) * idx[n + 1:h]
    stopifnot(isTRUE(all.equal(rec, as.numeric(ref$mean), tolerance = 1e-9)))
    # one step: the level of simple exponential smoothing with the fitted
    # alpha and initial level, run over the whole (adjusted) series; at
    # origin t (t values known) the forecast adds b (1 - (1 - alpha)^t) / alpha.
    xa <- as.numeric(full) / idx
    level <- as.numeric(fc$model$states[1, "l"])
    one <- numeric(length(full))
    for (t in seq_along(full)) {
        k <- t - 1 # values known before position t
        one[t] <- (level + b * (1 - (1 - alpha)^k) / alpha) * idx[t]
        level <- level + alpha * (xa[t] - level)
    }
    # the SES part of the filter equals ses()'s fitted values on the training part
    stopifnot(isTRUE(all.equal(one[1:n] / idx[1:n] - b * (1 - (1 - alpha)^(0:(n - 1))) / alpha,
                               as.numeric(fitted(fc$model)), tolerance = 1e-9)))
    list(one_step = one[n + 1:h], recursive = rec, label = sprintf("theta%s", if (seasonal) " (seasonally adjusted)" else ""))
}

rows <- character(0)
fc_rows <- character(0)
for (s in series) {
    d <- read.csv(file.path(data_dir, s$file), check.names = FALSE)
    y <- as.numeric(d[[ncol(d)]])
    n <- length(y)
    ntrain <- n - s$test
    h <- s$test
    full <- ts(y, frequency = s$freq)
    train <- ts(y[1:ntrain], frequency = s$freq)
    truth <- y[ntrain + 1:h]
    t0 <- proc.time()[["elapsed"]]

    e_fit <- ets(train)
    e_all <- ets(full, model = e_fit, use.initial.values = TRUE)
    stopifnot(isTRUE(all.equal(as.numeric(fitted(e_all))[1:ntrain], as.numeric(fitted(e_fit)),
                               tolerance = 1e-6)))
    e_one <- as.numeric(fitted(e_all))[ntrain + 1:h]
    e_rec <- as.numeric(forecast(e_fit, h = h)$mean)

    a_fit <- auto.arima(train)
    a_all <- Arima(full, model = a_fit)
    # the filter is causal: over the training part it gives the fit's own values
    stopifnot(isTRUE(all.equal(as.numeric(fitted(a_all))[1:ntrain], as.numeric(fitted(a_fit)),
                               tolerance = 1e-6)))
    a_one <- as.numeric(fitted(a_all))[ntrain + 1:h]
    a_rec <- as.numeric(forecast(a_fit, h = h)$mean)

    th <- theta(train, full, h)
    methods <- list(
        list(label = sprintf("ets %s", e_fit$method), one = e_one, rec = e_rec),
        list(label = sprintf("auto.arima %s", sub("^ARIMA", "", forecast:::arima.string(a_fit, padding = FALSE))), one = a_one, rec = a_rec),
        list(label = th$label, one = th$one_step, rec = th$recursive)
    )
    # Where the RNN models logarithms (run.sh's --log), the same models on
    # log y (lambda = 0: Box-Cox of 0), forecasts transformed back.
    if (isTRUE(s$log)) {
        el <- ets(train, lambda = 0)
        el_all <- ets(full, model = el, use.initial.values = TRUE)
        al <- auto.arima(train, lambda = 0)
        al_all <- Arima(full, model = al)
        methods <- c(methods, list(
            list(label = sprintf("ets %s on log", el$method), one = as.numeric(fitted(el_all))[ntrain + 1:h],
                 rec = as.numeric(forecast(el, h = h)$mean)),
            list(label = sprintf("auto.arima %s on log", sub("^ARIMA", "", forecast:::arima.string(al, padding = FALSE))),
                 one = as.numeric(fitted(al_all))[ntrain + 1:h], rec = as.numeric(forecast(al, h = h)$mean))))
    }
    secs <- proc.time()[["elapsed"]] - t0
    for (mth in methods) {
        e1 <- errors(truth, mth$one)
        eh <- errors(truth, mth$rec)
        rows <- c(rows, sprintf("%s\t%s\t%.4f\t%.4f\t%.4f\t%.4f", s$name, mth$label,
                                e1[["rmse"]], e1[["mae"]], eh[["rmse"]], eh[["mae"]]))
    }
    for (i in 1:h)
        fc_rows <- c(fc_rows, sprintf("%s,%s,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g", s$name,
                                      d[[1]][ntrain + i], truth[i], e_one[i], e_rec[i], a_one[i],
                                      a_rec[i], th$one_step[i], th$recursive[i]))
    message(sprintf("%s: %d training, %d test points, %.1fs", s$name, ntrain, h, secs))
}
writeLines(c(sprintf("# tools/forecast_baselines.R, R %s, forecast %s: RMSE and MAE over the test part",
                     getRversion(), packageVersion("forecast")),
             "series\tmethod\tone_step_rmse\tone_step_mae\trecursive_rmse\trecursive_mae", rows),
           out_tsv)
writeLines(c("series,time,truth,ets_one_step,ets_recursive,arima_one_step,arima_recursive,theta_one_step,theta_recursive",
             fc_rows), out_csv)
cat(rows, sep = "\n")
