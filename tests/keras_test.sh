#!/usr/bin/env bash
# keras_test.sh - Keras's SimpleRNN example (examples/keras-simplernn/run.sh)
# end to end, and `recur train --window` / `recur sample --window` around it.
#   bash tests/keras_test.sh [path/to/recur]
# shellcheck disable=SC2016
. "$(dirname "$0")/cli_lib.sh"
cli_setup keras_test "${1:-}"
EX=$ROOT/examples/keras-simplernn
SENTENCE="This is GeeksforGeeks a software training institute"

# ---- the example, exactly as shipped (100 epochs of 2 steps) ------------------
RECUR=$BIN OUT=$TMP bash "$EX/run.sh" >gen.txt 2>train.txt
RC=$?
check "run.sh succeeds" '[ "$RC" -eq 0 ]' "exit $RC: $(tail -n 2 train.txt)"
check "48 windows of 3 characters" 'grep -q "51 characters: 48 windows of 3" train.txt' "$(head -n 3 train.txt)"
check "Keras epoch lines, 1 to 100" 'grep -q "^Epoch 1/100$" train.txt && grep -q "^Epoch 100/100$" train.txt &&
    [ "$(grep -c "^2/2 \[=*\] - .* - loss: [0-9.]* - accuracy: [0-9.]*$" train.txt)" -eq 100 ]' "$(tail -n 3 train.txt)"
acc=$(sed -n 's/.*all 48 windows: loss [0-9.]*, accuracy \([0-9.]*\).*/\1/p' train.txt)
check "accuracy over all windows >= 0.8 (got ${acc:-none})" \
    'awk -v a="${acc:-0}" "BEGIN { exit !(a >= 0.8) }"'
first=$(grep -m1 -o "loss: [0-9.]*" train.txt | cut -d" " -f2)
last=$(grep "^2/2" train.txt | tail -n 1 | grep -o "loss: [0-9.]*" | cut -d" " -f2)
check "epoch loss falls ($first -> $last)" 'awk -v a="$first" -v b="$last" "BEGIN { exit !(b < a / 3) }"'
gen=$(head -n 1 gen.txt)
check "generated text starts with the prime" '[ "${gen:0:9}" = "This is G" ]' "$gen"
check "generated text has 9 + 50 = 59 characters" '[ "${#gen}" -eq 59 ]' "${#gen}: $gen"
check "the model records its window" '"$BIN" info "$TMP/keras-simplernn.safetensors" | grep -q "train.window.*3"'
M=$TMP/keras-simplernn.safetensors

# ---- windowed sampling --------------------------------------------------------
expect_ok "sample --window 3 equals the model's own window" sample "$M" --prime "This is G" --length 50 --greedy --window 3
check "explicit --window 3 gives the same text" '[ "$(cat out)" = "$gen" ]' "$(cat out)"
expect_ok "sample --window 0 carries the state instead" sample "$M" --prime "This is G" --length 50 --greedy --window 0
check "carrying the state gives other text" '[ "$(cat out)" != "$gen" ]' "$(cat out)"
expect_ok "sample from the last 3 of a longer prime" sample "$M" --prime "GThis is G" --length 50 --greedy
check "only the last 3 characters matter" '[ "$(cut -c 2- out)" = "$gen" ]' "$(cat out)"
expect_ok "sample with no prime, drawing" sample "$M" --length 20 --seed 3
check "20 characters drawn" '[ "$(head -n 1 out | wc -m)" -eq 21 ]' "$(cat out)"
expect_fail "sample --window -1" 2 "--window" sample "$M" --window -1
# A recorded window that is not a number (the same length, so the file
# stays well-formed) is named in the error, which once printed freed memory.
sed 's/"train.window":"3"/"train.window":"x"/' "$M" >badwin.safetensors
expect_fail "sample: a bad train.window in the model" 1 "bad train.window 'x'" sample badwin.safetensors
expect_ok "sample: --window overrides a bad train.window" sample badwin.safetensors --window 3 --length 5

# ---- --text-string, resume, settings ------------------------------------------
KERAS=(--window 3 --model rnn_relu --hidden 50 --layers 1 --init keras --lr 0.001
       --eps 1e-7 --clip 0 --batch 32 --quiet)
expect_ok "--text-string trains as the file does" train --text-string "$SENTENCE" "${KERAS[@]}" --epochs 100 --save s.st
check "same final numbers from the string and the file" \
    '[ "$(grep -o "accuracy.*- saved" err)" = "$(grep -o "accuracy.*- saved" train.txt | tail -n 1)" ]' \
    "$(cat err) vs $(tail -n 1 train.txt)"
expect_ok "train 60 epochs" train --text-string "$SENTENCE" "${KERAS[@]}" --epochs 60 --save r.st --log r.csv
expect_ok "resume to 100 epochs" train --text-string "$SENTENCE" "${KERAS[@]}" --epochs 100 --save r.st --resume --log r.csv
check "a resumed run ends where a straight one does" \
    '[ "$(grep -o "all 48 windows.*- saved" err)" = "$(grep -o "all 48 windows.*- saved" train.txt)" ]' \
    "$(cat err)"
check "the resumed log continues: one header, epochs 1..100" \
    '[ "$(grep -c epoch r.csv)" -eq 1 ] && [ "$(cut -d, -f1 r.csv | tail -n +2 | tr "\n" " ")" = "$(seq 1 100 | tr "\n" " ")" ]' "$(head -n 3 r.csv)"
expect_ok "--log writes a row per epoch" train --text-string "$SENTENCE" "${KERAS[@]}" --epochs 5 --save l.st --log l.csv
check "epoch log" '[ "$(head -n 1 l.csv)" = "epoch,step,elapsed_s,loss,accuracy" ] && [ "$(wc -l <l.csv)" -eq 6 ]' "$(cat l.csv)"
expect_ok "train --window --sample" train --text-string "$SENTENCE" "${KERAS[@]}" --steps 4 --save t.st --sample 12
check "prints 12 generated characters" '[ "$(head -n 1 out | wc -m)" -eq 13 ]' "$(cat out)"
expect_ok "an LSTM with an embedding on windows of 5, pytorch init" train --text-string "$SENTENCE" \
    --window 5 --model lstm --embed 4 --hidden 8 --layers 2 --batch 7 --steps 10 --save w5.st --quiet
expect_ok "sample it" sample w5.st --prime "This is" --length 10 --greedy
check "its sample has 17 characters" '[ "$(head -n 1 out | wc -m)" -eq 18 ]' "$(cat out)"

expect_ok "a bidirectional window model" train --text-string "$SENTENCE" --window 4 --bidirectional \
    --hidden 8 --layers 1 --steps 5 --save bi.st --quiet
expect_ok "samples from whole windows" sample bi.st --prime "This" --length 12 --greedy
check "its sample has 16 characters" '[ "$(head -n 1 out | wc -m)" -eq 17 ]' "$(cat out)"
expect_ok "a language model (readout sequence), keras init" train --text-string "$SENTENCE" --seq 5 \
    --batch 2 --val 0 --hidden 8 --layers 1 --steps 3 --init keras --save lm.st --quiet
check "the model records its initialisation" '"$BIN" info lm.st | grep -q "train.init.*keras"'
expect_fail "a language model does not resume a window checkpoint" 1 "trained with --window 3; resume it with --window 3" train --text-string "$SENTENCE" \
    --seq 5 --batch 2 --val 0 --hidden 50 --layers 1 --steps 3 --model rnn_relu --save r.st --resume
expect_ok "samples with an explicit --window" sample lm.st --prime "This is" --length 20 --greedy --window 4
cp out lm4.txt
expect_ok "and without" sample lm.st --prime "This is" --length 20 --greedy
check "both have 27 characters" '[ "$(head -n 1 out | wc -m)" -eq 28 ] && [ "$(head -n 1 lm4.txt | wc -m)" -eq 28 ]'

# ---- bad input -------------------------------------------------------------------
expect_fail "text no longer than the window" 1 "needs at least 4" train --text-string abc --window 3 --save x.st
expect_fail "--window with --seq" 2 "--seq does not apply" train --text-string "$SENTENCE" --window 3 --seq 10
expect_fail "--window with --val" 2 "--val does not apply" train --text-string "$SENTENCE" --window 3 --val 0.1
expect_fail "--window -2" 2 "--window" train --text-string "$SENTENCE" --window -2
expect_fail "--init unknown" 2 "--init expects pytorch or keras" train --text-string "$SENTENCE" --init glorot
expect_fail "a file and --text-string" 2 "not both" train "$EX/sentence.txt" --text-string "$SENTENCE"
expect_fail "--text-string ''" 1 "empty|0 characters" train --text-string "" --window 3 --save x.st
expect_fail "resume a checkpoint of another window" 1 "trained with --window 3" train --text-string "$SENTENCE" \
    --window 4 --resume --save r.st
expect_fail "window training does not resume a language model" 1 "trained as a language model" train \
    --text-string "$SENTENCE" --window 3 --resume --save lm.st
check "a failed resume leaves the checkpoint as it was" '"$BIN" info r.st >/dev/null'
[ -e x.st ] && bad "no model file is written on bad input" || ok "no model file is written on bad input"

cli_summary
