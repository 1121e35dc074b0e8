#!/usr/bin/env bash
# forecast_c_test.sh - a C program forecasts with a model trained by the CLI:
# tests/tool_forecast.c (recur_model_load + recur_forecast_read_meta +
# recur_forecast_beyond, the public API only) prints byte for byte what
# `recur forecast predict` prints, for plain, transformed, calendar and
# exponential-smoothing (--es) models; a model that is not a forecaster is refused with one line.
#   bash tests/forecast_c_test.sh [BUILD]      (default build)
# Prints "ok"/"FAIL" per case and "forecast_c_test: N passed, N failed".
set -u
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
TOOL=$BUILD/tests/tool_forecast
. "$(dirname "$0")/cli_lib.sh"
cli_setup forecast_c_test "$BUILD/recur"
export OPENBLAS_NUM_THREADS=1
if [ ! -x "$TOOL" ]; then
    echo "forecast_c_test: $TOOL is not built (make tests)" >&2
    exit 2
fi
DATA=$ROOT/data/timeseries

awk 'BEGIN { print "t,value"; for (i = 1; i <= 160; i++) printf "%d,%.6f\n", i, 10 + 3 * sin(2 * 3.14159265358979 * i / 16) }' >sine.csv
FAST=(--window 8 --hidden 12 --epochs 10 --batch 16 --lr 0.02 --test 24 --quiet)

# same NAME MODEL SERIES H: the C program and `forecast predict` agree exactly
same() {
    local name=$1 model=$2 series=$3 h=$4
    "$BIN" forecast predict "$model" "$series" --horizon "$h" >cli.out 2>cli.err
    local rc1=$?
    "$TOOL" "$model" "$series" "$h" >c.out 2>c.err
    local rc2=$?
    if [ "$rc1" -ne 0 ] || [ "$rc2" -ne 0 ]; then
        bad "$name" "exit $rc1 / $rc2: $(head -c 200 cli.err c.err | tr '\n' '|')"
    elif [ "$(wc -l <c.out)" -ne $((h + 1)) ]; then
        bad "$name" "$(wc -l <c.out) lines"
    elif ! cmp -s cli.out c.out; then
        bad "$name" "$(diff cli.out c.out | head -n 4 | tr '\n' '|')"
    else
        ok "$name"
    fi
}

expect_ok "train a sine forecaster" forecast train sine.csv "${FAST[@]}" --save m.safetensors
same "C = predict: plain model, 7 steps" m.safetensors sine.csv 7
expect_ok "train log, diff, season input, zscore, GRU, many to many" forecast train sine.csv \
    "${FAST[@]}" --epochs 3 --log --diff 1 --season-input --scale zscore --cell gru \
    --many-to-many --save m2.safetensors
same "C = predict: transformed many-to-many model, 5 steps" m2.safetensors sine.csv 5
expect_ok "train on monthly data (calendar phase)" forecast train \
    "$DATA/airpassengers_monthly.csv" --window 12 --hidden 8 --epochs 2 --test 24 --log \
    --diff 12 --season-input --quiet --save air.safetensors
same "C = predict: monthly calendar, 30 steps" air.safetensors "$DATA/airpassengers_monthly.csv" 30
expect_ok "train with exponential-smoothing normalisation (--es)" forecast train \
    "$DATA/airpassengers_monthly.csv" --window 12 --hidden 8 --epochs 2 --test 24 --log \
    --es --quiet --save es.safetensors
same "C = predict: es model, 30 steps" es.safetensors "$DATA/airpassengers_monthly.csv" 30

printf 'abcabcabcabcabcabcabcabcabcabc\n' >tiny.txt
"$BIN" train tiny.txt --hidden 4 --layers 1 --seq 4 --batch 2 --steps 1 --val 0 --quiet \
    --save char.safetensors >/dev/null 2>&1
"$TOOL" char.safetensors sine.csv 3 >c.out 2>c.err
RC=$?
check "C: a character model is refused with one line" \
    '[ $RC -ne 0 ] && [ "$(wc -l <c.err)" -eq 1 ] && grep -q "not a forecasting model" c.err && [ ! -s c.out ]' \
    "$(head -c 200 c.err)"
printf 't,value\n1,2\n2,3\n3,4\n' >short.csv
"$TOOL" m.safetensors short.csv 3 >c.out 2>c.err
RC=$?
check "C: a series shorter than the window is refused with one line" \
    '[ $RC -ne 0 ] && [ "$(wc -l <c.err)" -eq 1 ] && grep -q "fewer than the window" c.err' \
    "$(head -c 200 c.err)"

cli_summary
