#!/usr/bin/env bash
# run.sh - the forecasting example: an LSTM forecaster on four real series
# (AirPassengers, Nottingham temperatures, yearly and monthly sunspots),
# each trained with several seeds, against the last-value and
# seasonal-naive baselines, and again with exponential-smoothing
# normalisation (--es); R's ets/auto.arima/thetaf rows come from the
# committed baselines_r.tsv (tools/forecast_baselines.R). Writes, next to
# this script:
#   results.md          the table of RMSE/MAE (mean and range over seeds)
#   NAME.svg, NAME.csv  plot and forecasts of the first seed
#   airpassengers-future.svg/.csv  24 months beyond the data (predict)
# Models and per-seed tables go to $WORK (default: a temporary directory,
# removed at the end).
#   examples/forecasting/run.sh            (SEEDS="1 2 3" to change seeds)
#   QUICK=1 OUT=DIR examples/forecasting/run.sh   the test suite's setting:
#       one seed, one epoch each, every output written to DIR instead of
#       next to this script (seconds; the numbers mean nothing)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${RECUR:-$ROOT/build/recur}
DATA=$ROOT/data/timeseries
SEEDS=${SEEDS:-1 2 3 4 5}
OUT=${OUT:-$HERE}
QUICKOPT=()
if [ -n "${QUICK:-}" ]; then
    SEEDS=1
    QUICKOPT=(--epochs 1)
fi
[ -x "$BIN" ] || make -C "$ROOT" -j2 cli >/dev/null
if [ -z "${WORK:-}" ]; then
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/recur_forecasting.XXXXXX")
    trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK"
export OPENBLAS_NUM_THREADS=1
t0=$(date +%s)
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2

# The settings of each series (chosen by trying a few; see README.md).
AIR=(--test 24 --window 12 --log --diff 1 --epochs 200)
NOTTEM=(--test 24 --window 24 --season-input --epochs 200)
SUN_Y=(--test 40 --window 12 --scale zscore --epochs 200)
SUN_M=(--test 240 --window 132 --scale zscore --epochs 30)
# The same windows with exponential-smoothing normalisation (--es, Smyl's
# ES-RNN idea) instead of differencing or the phase inputs.
AIR_ES=(--test 24 --window 12 --log --es --epochs 200)
NOTTEM_ES=(--test 24 --window 12 --es --epochs 200)
SUN_Y_ES=(--test 40 --window 12 --scale zscore --es --epochs 200)
SUN_M_ES=(--test 240 --window 132 --scale zscore --es --epochs 30)

# series NAME FILE OPTIONS...: train once per seed; keep the outputs of the
# first (not for the .es runs, whose tables only are kept).
series() {
    local name=$1 file=$2 first=1
    shift 2
    for seed in $SEEDS; do
        local extra=()
        if [ "$first" = 1 ] && [ "${name%.es}" = "$name" ]; then
            extra=(--csv "$OUT/$name.csv" --svg "$OUT/$name.svg" --save "$WORK/$name.safetensors")
        fi
        local s0
        s0=$(date +%s)
        nice -n 19 "$BIN" forecast train "$DATA/$file" --seed "$seed" --quiet "$@" "${QUICKOPT[@]}" "${extra[@]}" \
            >"$WORK/$name.seed$seed.txt"
        echo "$name seed $seed: $(( $(date +%s) - s0 ))s: $(awk '$1 == "rnn" { print "one-step RMSE " $4 ", recursive RMSE " $6 }' "$WORK/$name.seed$seed.txt")" >&2
        first=0
    done
}

series airpassengers airpassengers_monthly.csv "${AIR[@]}"
series nottingham nottingham_temp_monthly.csv "${NOTTEM[@]}"
series sunspots-yearly sunspots_yearly.csv "${SUN_Y[@]}"
series sunspots-monthly sunspots_monthly.csv "${SUN_M[@]}"
series airpassengers.es airpassengers_monthly.csv "${AIR_ES[@]}"
series nottingham.es nottingham_temp_monthly.csv "${NOTTEM_ES[@]}"
series sunspots-yearly.es sunspots_yearly.csv "${SUN_Y_ES[@]}"
series sunspots-monthly.es sunspots_monthly.csv "${SUN_M_ES[@]}"

# Beyond the data: two years after December 1960 with the saved model.
nice -n 19 "$BIN" forecast predict "$WORK/airpassengers.safetensors" "$DATA/airpassengers_monthly.csv" \
    --horizon 24 --csv "$OUT/airpassengers-future.csv" --svg "$OUT/airpassengers-future.svg"

# The table: for each series and method, RMSE and MAE one step ahead and
# recursive over the test part; RNN rows are the mean over seeds with the
# range in brackets; then R's ets, auto.arima and thetaf on the same split
# (baselines_r.tsv, from tools/forecast_baselines.R: R is not needed here).
rnn_row() { # FILES... LABEL_SUFFIX: the mean [range] row of the rnn lines
    local suffix=$1
    shift
    cat "$@" | awk -v suffix="$suffix" '
        $1 == "rnn" { k++; for (i = 4; i <= 7; i++) { v = $i; s[i] += v; if (k == 1 || v < lo[i]) lo[i] = v; if (k == 1 || v > hi[i]) hi[i] = v }; label = $1 " " $2 " " $3 }
        END {
            printf "|  |  | %s%s, %d seeds |", label, suffix, k
            for (i = 4; i <= 7; i++) printf " %.2f [%.2f-%.2f] |", s[i] / k, lo[i], hi[i]
            printf "\n"
        }'
}
{
    echo "| series | test points | method | one-step RMSE | one-step MAE | recursive RMSE | recursive MAE |"
    echo "|---|---|---|---|---|---|---|"
    for name in airpassengers nottingham sunspots-yearly sunspots-monthly; do
        awk -v name="$name" '/^Forecast of/ { print "| " name " | " $7 " | | | | | |"; exit }' \
            "$WORK/$name".seed1.txt
        rnn_row "" "$WORK/$name".seed*.txt
        rnn_row " + es" "$WORK/$name".es.seed*.txt
        awk '
            $1 == "last" { printf "|  |  | last value |"; for (i = 3; i <= 6; i++) printf " %.2f |", $i; printf "\n" }
            $1 == "seasonal" { printf "|  |  | %s %s %s |", $1, $2, $3; for (i = 4; i <= 7; i++) printf " %.2f |", $i; printf "\n" }
        ' "$WORK/$name".seed1.txt
        awk -F'\t' -v name="$name" '
            $1 == name { printf "|  |  | R %s |", $2; for (i = 3; i <= 6; i++) printf " %.2f |", $i; printf "\n" }
        ' "$HERE/baselines_r.tsv"
    done
} >"$OUT/results.md"
cat "$OUT/results.md"
echo "total $(( $(date +%s) - t0 ))s; load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
