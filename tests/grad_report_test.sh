#!/usr/bin/env bash
# grad_report_test.sh - `recur grad-report` as a user runs it: the table,
# the summary, --compare, --csv and --svg on tiny models, and bad input.
#   bash tests/grad_report_test.sh [path/to/recur]
# shellcheck disable=SC2016
. "$(dirname "$0")/cli_lib.sh"
cli_setup grad_report_test "${1:-}"
head -c 20000 "$ROOT/data/austen.txt" >small.txt
printf 'It is a truth' >short.txt
printf 'Zürich €€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€' >foreign.txt
TINY=(--hidden 16 --seq 32 --batch 8 --steps 5 --quiet)
expect_ok "train a tiny tanh RNN" train small.txt --model rnn_tanh --layers 1 "${TINY[@]}" --save rnn.st
expect_ok "train a tiny 2-layer LSTM" train small.txt --model lstm --layers 2 "${TINY[@]}" --save lstm.st

# ---- the report ------------------------------------------------------------------
expect_ok "grad-report with CSV and SVG" grad-report rnn.st small.txt --seq-len 40 --batch 4 \
    --csv g.csv --svg g.svg
check "the table starts at distance 0 with relative 1" \
    'grep -Eq "^ +0  [0-9.e+-]+  1\.000e\+00" out' "$(head -n 5 out)"
check "the table ends at distance 39" 'grep -Eq "^ +39  " out' "$(tail -n 4 out)"
check "a one-line summary" 'grep -Eq "^rnn: the gradient (falls to 0.001 of its value at distance 0 by distance [0-9]+|stays above)" out' "$(tail -n 2 out)"
check "CSV: header and 40 rows" '[ "$(head -n 1 g.csv)" = "distance,rnn_norm,rnn_relative" ] && [ "$(wc -l <g.csv)" -eq 41 ]' "$(head -n 2 g.csv)"
check "CSV: relative = norm / norm at 0" 'awk -F, "NR == 2 { n0 = \$2 } NR > 2 { r = \$2 / n0; if (r - \$3 > 1e-5 * r + 1e-30 || \$3 - r > 1e-5 * r + 1e-30) bad = 1 } END { exit bad }" g.csv'
check "CSV: the gradient fades with distance (tanh RNN)" 'awk -F, "NR == 41 { exit !(\$3 < 0.5) }" g.csv' "$(tail -n 1 g.csv)"
check "SVG: a complete document with a line and a legend" \
    'head -c 4 g.svg | grep -q "<svg" && tail -n 1 g.svg | grep -q "</svg>" && grep -q "<polyline" g.svg && grep -q ">rnn</text>" g.svg'
expect_ok "--compare a 2-layer LSTM on the same windows" grad-report rnn.st small.txt --seq-len 20 \
    --batch 3 --compare lstm.st --csv c.csv
check "CSV: one column pair per model and layer" \
    '[ "$(head -n 1 c.csv)" = "distance,rnn_norm,rnn_relative,lstm.l0_norm,lstm.l0_relative,lstm.l1_norm,lstm.l1_relative" ]' "$(head -n 1 c.csv)"
check "the same windows: rnn's numbers do not change with --compare" \
    '"$BIN" grad-report rnn.st small.txt --seq-len 20 --batch 3 --csv c1.csv >/dev/null && [ "$(cut -d, -f1-3 c.csv)" = "$(cat c1.csv)" ]'
check "a summary per model and layer" '[ "$(grep -c "the gradient" out)" -eq 3 ]' "$(tail -n 3 out)"
expect_ok "a window model (readout last)" train --text-string "abcabcabdabcabd" --window 3 --hidden 4 \
    --layers 1 --steps 3 --quiet --save win.st
printf 'abcabdabcabcabcab' >abc.txt
expect_ok "grad-report on a window model over its own alphabet" grad-report win.st abc.txt --seq-len 3 --batch 2

# ---- bad input ---------------------------------------------------------------------
expect_fail "no MODEL" 2 "MODEL" grad-report
expect_fail "--seq-len 0" 2 "--seq-len" grad-report rnn.st small.txt --seq-len 0
expect_fail "--batch 0" 2 "--batch" grad-report rnn.st small.txt --batch 0
expect_fail "--threshold 2" 2 "--threshold" grad-report rnn.st small.txt --threshold 2
expect_fail "--compare ''" 2 "--compare" grad-report rnn.st small.txt --compare ""
expect_fail "--compare a missing model names it once" 1 "recur: nope.st: cannot open" \
    grad-report rnn.st small.txt --compare nope.st
expect_fail "missing model" 1 "nope.st" grad-report nope.st small.txt
expect_fail "a text file as the model" 1 "small.txt" grad-report small.txt small.txt
expect_fail "a bad model in --compare" 1 "short.txt" grad-report rnn.st small.txt --compare short.txt --seq-len 5
expect_fail "text too short for the window" 1 "too few" grad-report rnn.st short.txt --seq-len 40
expect_fail "characters outside the vocabulary" 1 "vocabulary" grad-report rnn.st foreign.txt --seq-len 5
expect_ok "a bidirectional window model trains" train --text-string "abcabcabdabcabd" --window 3 --hidden 4 \
    --layers 1 --bidirectional --steps 2 --quiet --save bi.st
expect_fail "a bidirectional model is refused" 1 "bidirectional" grad-report bi.st abc.txt --seq-len 3
expect_fail "--csv into a missing directory" 1 "no/such/dir" grad-report rnn.st small.txt --seq-len 5 --csv no/such/dir/g.csv
expect_fail "--svg into a missing directory" 1 "no/such/dir" grad-report rnn.st small.txt --seq-len 5 --svg no/such/dir/g.svg

cli_summary
