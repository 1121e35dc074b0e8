#!/usr/bin/env bash
# forecast_test.sh - end-to-end tests of `recur forecast` on a small
# synthetic sine series (a few seconds): the RNN must beat the last-value
# baseline one step ahead, the CSV and SVG outputs must be well-formed, a
# saved model must forecast beyond the end, and every bad input must give
# one clean line on stderr.
#   bash tests/forecast_test.sh [path/to/recur]      (default build/recur)
# Prints "ok"/"FAIL" per case and "forecast_test: N passed, N failed".
# shellcheck disable=SC2016
set -u

. "$(dirname "$0")/cli_lib.sh"
cli_setup forecast_test "${1:-}"
export OPENBLAS_NUM_THREADS=1

# This file's own expect_fail (it replaces cli_lib.sh's): exit status 1
# or 2 only.
# expect_fail NAME PATTERN ARGS...: exit status 1 or 2, exactly one line on
# stderr, starting "recur" and matching the extended regex PATTERN.
expect_fail() {
    local name=$1 pat=$2
    shift 2
    r "$@"
    local why=""
    if [ "$RC" -eq 0 ]; then
        why="exit 0"
    elif [ "$RC" -gt 2 ]; then
        why="exit $RC"
    elif [ "$(wc -l <err)" -ne 1 ]; then
        why="$(wc -l <err) lines on stderr"
    elif ! grep -q '^recur' err; then
        why="stderr does not start with 'recur'"
    elif ! grep -Eq -- "$pat" err; then
        why="stderr does not match /$pat/"
    fi
    if [ -z "$why" ]; then ok "$name"; else bad "$name" "$why: $(head -c 300 err | tr '\n' '|')"; fi
}

# A clean sine with a period of 16 steps, 160 points, integer time.
awk 'BEGIN { print "t,value"; for (i = 1; i <= 160; i++) printf "%d,%.6f\n", i, 10 + 3 * sin(2 * 3.14159265358979 * i / 16) }' >sine.csv

FAST=(--window 8 --hidden 12 --epochs 40 --batch 16 --lr 0.02 --test 24 --quiet)

# ---- training, metrics, outputs ------------------------------------------
expect_ok "train on a sine" forecast train sine.csv "${FAST[@]}" --csv f.csv --svg f.svg \
    --save m.safetensors
cp out table.txt
# column 2 is the one-step RMSE of each method
rnn=$(awk '$1 == "rnn" { print $4 }' table.txt)
last=$(awk '$1 == "last" { print $3 }' table.txt)
check "table has the RNN and the baselines" \
    '[ -n "$rnn" ] && [ -n "$last" ] && grep -q "^seasonal naive (16)" table.txt' \
    "$(cat table.txt)"
check "RNN one-step RMSE beats the last value on a clean sine" \
    'awk -v a="$rnn" -v b="$last" "BEGIN { exit !(a + 0 < 0.5 * b) }"' "rnn $rnn, last $last"
check "season 16 found by the periodogram" 'grep -q "seasonal naive (16)" table.txt'
check "CSV: header and 24 rows of 8 numeric fields" \
    '[ "$(head -n 1 f.csv)" = "time,truth,rnn_one_step,rnn_recursive,last_value_one_step,seasonal_naive_one_step,last_value_recursive,seasonal_naive_recursive" ] &&
     [ "$(tail -n +2 f.csv | awk -F, "NF == 8 && \$2 + 0 == \$2" | wc -l)" -eq 24 ] &&
     [ "$(sed -n 2p f.csv | cut -d, -f1)" = 137 ]'
check "CSV one-step baseline is the previous true value" \
    '[ "$(sed -n 3p f.csv | cut -d, -f5)" = "$(sed -n 2p f.csv | cut -d, -f2)" ]'
if [ -x /usr/bin/python3 ]; then
    check "SVG parses as XML with 5 series" \
        '/usr/bin/python3 -c "import sys, xml.dom.minidom as m; d = m.parse(\"f.svg\"); sys.exit(len(d.getElementsByTagName(\"polyline\")) < 5)"'
else
    check "SVG is an SVG document" 'grep -q "^<svg" f.svg && tail -n 1 f.svg | grep -q "</svg>"'
fi

# ---- a saved model forecasts beyond the end ---------------------------------
expect_ok "predict 5 steps beyond the end" forecast predict m.safetensors sine.csv \
    --horizon 5 --svg p.svg
check "predict: header and time labels after the end" \
    '[ "$(head -n 1 out)" = "t,forecast" ] && [ "$(tail -n +2 out | cut -d, -f1 | tr "\n" " ")" = "161 162 163 164 165 " ]' \
    "$(head -c 200 out)"
# the truth continues the sine; the forecast should be close to it
check "predict: the forecasts follow the sine" \
    'tail -n +2 out | awk -F, "{ e = \$2 - (10 + 3 * sin(2 * 3.14159265358979 * \$1 / 16)); s += e * e } END { exit !(sqrt(s / NR) < 1.0) }"' \
    "$(cat out | tr '\n' ' ')"
check "predict: the plot was written" 'grep -q "</svg>" p.svg'
expect_ok "the model records its window and scaling" info m.safetensors
check "info shows forecast settings" 'grep -q "forecast.window = \"8\"" out && grep -q "forecast.scale = \"minmax\"" out'
expect_ok "train many to many" forecast train sine.csv "${FAST[@]}" --many-to-many \
    --save mm.safetensors
mm=$(awk '$1 == "rnn" { print $4 }' out)
check "many to many: one-step RMSE beats the last value" \
    'awk -v a="$mm" -v b="$last" "BEGIN { exit !(a + 0 < 0.5 * b) }"' "rnn $mm, last $last"
expect_ok "predict with a many-to-many model" forecast predict mm.safetensors sine.csv --horizon 4
check "many to many: 4 forecasts" '[ "$(tail -n +2 out | wc -l)" -eq 4 ]'
expect_ok "train with --log --diff 1 --season-input --scale zscore" forecast train sine.csv \
    "${FAST[@]}" --epochs 3 --log --diff 1 --season-input --scale zscore --cell gru --save m2.safetensors
expect_ok "predict with a transformed model" forecast predict m2.safetensors sine.csv --horizon 3 --csv p.csv
check "predict --csv writes the file" '[ "$(wc -l <p.csv)" -eq 4 ]'

# missing values: the sine with holes at t = 150 (test part) and 20 (training)
awk -F, 'NR == 1 || ($1 != 150 && $1 != 20) { print; next } { print $1 "," ($1 == 150 ? "NA" : "") }' sine.csv >holes.csv
v149=$(awk -F, '$1 == 149 { print $2 }' sine.csv)
v151=$(awk -F, '$1 == 151 { print $2 }' sine.csv)
expect_ok "--missing interpolate" forecast train holes.csv "${FAST[@]}" --epochs 2 --missing interpolate --csv h.csv
check "--missing interpolate: says how many" 'grep -q "holes.csv: 2 missing values interpolated (--missing interpolate)" err' "$(cat err)"
check "--missing interpolate: the hole is the mean of its neighbours" \
    'awk -F, -v a="$v149" -v b="$v151" "\$1 == 150 { d = \$2 - (a + b) / 2; exit !(d < 1e-9 && d > -1e-9) }" h.csv' "$(grep "^150," h.csv)"
expect_ok "--missing previous" forecast train holes.csv "${FAST[@]}" --epochs 2 --missing previous --csv h.csv
check "--missing previous: the hole holds the value before it" \
    '[ "$(awk -F, "\$1 == 150 { print \$2 }" h.csv)" = "$v149" ]' "$(grep "^150," h.csv)"
expect_ok "--missing drop" forecast train holes.csv "${FAST[@]}" --epochs 2 --missing drop --csv h.csv
check "--missing drop: the row is gone, 24 test rows remain" \
    '! grep -q "^150," h.csv && [ "$(tail -n +2 h.csv | wc -l)" -eq 24 ] && grep -q "2 missing values dropped" err'
expect_ok "predict --missing previous" forecast predict m.safetensors holes.csv --horizon 2 --missing previous
expect_fail "predict refuses holes by default" "line 21: column 'value': missing value; --missing" \
    forecast predict m.safetensors holes.csv --horizon 2

# exponential-smoothing normalisation (--es): trains, saves its constants,
# predicts; refuses --diff
expect_ok "train with --es" forecast train sine.csv "${FAST[@]}" --es --save es.safetensors
es=$(awk '$1 == "rnn" { print $4 }' out)
check "--es: one-step RMSE beats the last value on a clean sine" \
    'awk -v a="$es" -v b="$last" "BEGIN { exit !(a + 0 < 0.5 * b) }"' "rnn $es, last $last"
expect_ok "--es model info" info es.safetensors
check "--es model records its smoothing" \
    'grep -q "forecast.es = \"1\"" out && grep -q "forecast.es_alpha = " out && grep -q "forecast.es_gamma = " out'
expect_ok "predict with an --es model" forecast predict es.safetensors sine.csv --horizon 5
check "predict --es: the forecasts follow the sine" \
    'tail -n +2 out | awk -F, "{ e = \$2 - (10 + 3 * sin(2 * 3.14159265358979 * \$1 / 16)); s += e * e } END { exit !(NR == 5 && sqrt(s / NR) < 1.5) }"' \
    "$(cat out | tr '\n' ' ')"
expect_fail "--es with --diff" '--es normalises by the level instead of differencing' \
    forecast train sine.csv "${FAST[@]}" --es --diff 1
printf 't,v\n1,2e31\n2,3e31\n3,1\n' >huge.csv
expect_fail "values over 1e30 are named as such" "line 2: column 'v': out of range" \
    forecast train huge.csv
r forecast train sine.csv --lr 1e20
check "--lr 1e20 is refused while parsing, as train refuses it" \
    '[ "$RC" -eq 2 ] && grep -q -- "--lr expects a number in (0, 100)" err' "exit $RC: $(cat err)"

# weekly dates with a strong trend: the season is the year, 52 weeks (the
# periodogram of the raw values would pick the longest period it searches)
seq 0 260 | awk '{ printf "2000-01-03 + %d days\n", 7 * $1 }' | date -u -f - +%F >weeks.txt
awk 'NR == FNR { d[FNR] = $1; next } END { print "week,ppm"; for (i = 1; i <= 261; i++) printf "%s,%.4f\n", d[i], 300 + 0.2 * i + 0.0004 * i * i + 2 * sin(2 * 3.14159265358979 * i / 52.1775) }' weeks.txt weeks.txt >weekly.csv
expect_ok "weekly dates: train" forecast train weekly.csv "${FAST[@]}" --epochs 2
check "weekly dates with a trend: season 52" 'grep -q "^seasonal naive (52)" out' "$(cat out)"
expect_ok "weekly dates: train (progress)" forecast train weekly.csv --window 8 --hidden 4 --epochs 1 --test 24
check "weekly dates: the calendar is weekly" 'grep -q "(weekly)" err && grep -q "season 52 (the calendar)" err' "$(cat err)"

expect_ok "--time-limit stops a long run" forecast train sine.csv --window 8 --hidden 8 \
    --epochs 1000000 --time-limit 0.5 --test 24
check "--time-limit: says so and still reports" \
    'grep -q "Stopped at the time limit" err && grep -q "^last value" out'

# ---- bad inputs: one line, non-zero exit, no crash --------------------------
: >empty.csv
expect_fail "empty CSV" 'empty.csv: the file is empty' forecast train empty.csv "${FAST[@]}"
printf 't,v\n1,2\n2,3\n3,x\n4,5\n' >nonnum.csv
expect_fail "non-numeric value names its line" "nonnum.csv: line 4: column 'v': not a number" \
    forecast train nonnum.csv "${FAST[@]}"
printf 't,v\n1,2\n2,\n' >missing.csv
expect_fail "missing value: refused, naming --missing" \
    "line 3: column 'v': missing value; --missing interpolate, previous or drop" \
    forecast train missing.csv
expect_fail "--missing: an unknown mode" "--missing expects refuse, interpolate, previous or drop, got 'linear'" \
    forecast train sine.csv --missing linear
expect_fail "predict --missing: an unknown mode" "--missing expects" \
    forecast predict m.safetensors sine.csv --missing zero
printf 't,v\n1,2\n2,nan\n' >nan.csv
expect_fail "NaN value" "line 3: .*NaN" forecast train nan.csv
expect_fail "window longer than the training part" '--window 200 is not shorter than the training part \(136 points\)' \
    forecast train sine.csv --window 200 --test 24
expect_fail "--test larger than the series" '--test 500 asks for 500 test points of a series of 160' \
    forecast train sine.csv --test 500
expect_fail "--test not a whole number" 'whole number' forecast train sine.csv --test 2.5
expect_fail "unknown column" "no column named 'price'" forecast train sine.csv --column price
printf 't,v\n1,-2\n2,3\n3,4\n4,5\n5,6\n6,7\n' >neg.csv
expect_fail "--log on a negative value" '--log needs positive values; neg.csv has -2 at 1' \
    forecast train neg.csv --log --test 2 --window 2
expect_fail "--season-input without a season" 'needs a season of at least 2' \
    forecast train sine.csv --season 1 --season-input
expect_fail "unknown cell" "--cell expects" forecast train sine.csv --cell transformer
expect_fail "missing series argument" 'missing SERIES.csv' forecast train
expect_fail "unknown subcommand" "unknown subcommand 'fit'" forecast fit sine.csv
expect_fail "no subcommand" "expected 'train' or 'predict'" forecast
expect_fail "--save into a missing directory" "directory 'nodir' does not exist" \
    forecast train sine.csv --save nodir/m.safetensors
expect_fail "predict: missing model" 'nope.safetensors' forecast predict nope.safetensors sine.csv
printf 't,value\n1,2\n2,3\n3,4\n' >short.csv
expect_fail "predict: series shorter than the window" 'fewer than the model.s window of 8' \
    forecast predict m.safetensors short.csv
expect_fail "predict: bad horizon" '--horizon expects' forecast predict m.safetensors sine.csv --horizon 0
# a model that is not a forecaster (a tiny character model)
printf 'abcabcabcabcabcabcabcabcabcabc\n' >tiny.txt
"$BIN" train tiny.txt --hidden 4 --layers 1 --seq 4 --batch 2 --steps 1 --val 0 --quiet \
    --save char.safetensors >/dev/null 2>&1
expect_fail "predict: a character model is not a forecaster" 'not a forecasting model' \
    forecast predict char.safetensors sine.csv
# the example's quick setting: run.sh end to end (one seed, one epoch), its
# table with every row: RNN, RNN + es, the naive baselines and R's models
mkdir -p example exwork
if QUICK=1 OUT="$PWD/example" WORK="$PWD/exwork" RECUR="$BIN" \
    bash "$ROOT/examples/forecasting/run.sh" >example.out 2>example.err; then
    ok "examples/forecasting/run.sh, quick setting"
else
    bad "examples/forecasting/run.sh, quick setting" "$(tail -c 300 example.err)"
fi
check "example: a table of 4 series, 9 + 3 x 7 rows, every cell a number" \
    '[ "$(wc -l <example/results.md)" -eq 36 ] &&
     [ "$(grep -c "^| [a-z][a-z-]* | [0-9][0-9]* |" example/results.md)" -eq 4 ] &&
     [ "$(grep -c "| rnn (lstm 1x32), 1 seeds |" example/results.md)" -eq 4 ] &&
     [ "$(grep -c "| rnn (lstm 1x32) + es, 1 seeds |" example/results.md)" -eq 4 ] &&
     [ "$(grep -c "| R ets " example/results.md)" -eq 5 ] &&
     [ "$(grep -c "| R auto.arima " example/results.md)" -eq 5 ] &&
     [ "$(grep -c "| R theta" example/results.md)" -eq 4 ] &&
     awk -F"|" "/^\|  \|/ { for (i = 5; i <= 8; i++) if (\$i !~ /^ [0-9]+\.[0-9][0-9]( \[[0-9.]+-[0-9.]+\])? \$/) exit 1 }" example/results.md' \
    "$(head -c 600 example/results.md)"
check "example: plots, forecasts and the 24-month prediction" \
    '[ "$(ls example/*.svg | wc -l)" -eq 5 ] && [ "$(wc -l <example/airpassengers-future.csv)" -eq 25 ]'

check "help lists forecast" '"$BIN" --help | grep -q forecast'
expect_ok "forecast --help" forecast --help
expect_ok "forecast train --help" forecast train --help

cli_summary
