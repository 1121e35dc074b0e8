#!/usr/bin/env bash
# signal_test.sh - every training command stops cleanly on SIGINT (Ctrl-C)
# and SIGTERM: the step in progress finishes, the checkpoint (or, for
# forecast, the model so far) is saved, one "interrupted" line goes to
# stderr and the exit status is 128 + the signal; the file loads, and a
# resumable run continues from it with --resume. This is the training
# driver's (cli/train_driver.c) behaviour, run through each command:
# train, train --window, classify train, seq2seq train, forecast train.
#   bash tests/signal_test.sh [path/to/recur]      (default build/recur)
# Prints "ok"/"FAIL" per case and "signal_test: N passed, N failed".
# shellcheck disable=SC2016
set -u

. "$(dirname "$0")/cli_lib.sh"
cli_setup signal_test "${1:-}"
export OPENBLAS_NUM_THREADS=1

head -c 20000 "$ROOT/data/austen.txt" >small.txt
printf 'This is GeeksforGeeks a software training institute' >sentence.txt
head -n 200 "$ROOT/data/udhr_language_40.tsv" >langs.tsv
head -n 200 "$ROOT/data/cmudict-g2p.tsv" >g2p.tsv
awk 'BEGIN { print "t,value"; for (i = 1; i <= 160; i++) printf "%d,%.6f\n", i, 10 + 3 * sin(2 * 3.14159265358979 * i / 16) }' >sine.csv

# interrupt NAME SIG PATTERN ARGS...: start recur ARGS in the background,
# wait until its header line matching PATTERN is on stderr and a moment
# more, send SIG, and wait (a run still alive 10 s later is killed and
# fails). Sets SRC (exit status) and WANT (128 + the signal's number).
interrupt() {
    local name=$1 sig=$2 pat=$3
    shift 3
    "$BIN" "$@" >"$name.out" 2>"$name.err" &
    local pid=$!
    for _ in $(seq 100); do
        grep -q "$pat" "$name.err" 2>/dev/null && break
        sleep 0.1
    done
    sleep 0.3
    kill -"$sig" "$pid"
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid"
    SRC=$?
    WANT=$((128 + $(kill -l "$sig")))
}

# stopped NAME SIG WHAT: the run stopped with 128+SIG and exactly one line
# "recur: interrupted at step N; WHAT" on stderr.
stopped() {
    local name=$1 sig=$2 what=$3
    check "$name: SIG$sig stops it with exit $WANT and one 'interrupted' line" \
        '[ "$SRC" -eq "$WANT" ] && [ "$(grep -c "^recur: interrupted at step [0-9]*; $what" "$name.err")" -eq 1 ] && [ "$(grep -c "^recur" "$name.err")" -eq 1 ]' \
        "exit $SRC: $(tail -n 2 "$name.err" | tr '\n' '|')"
}

# the step a checkpoint records
ckpt_step() { "$BIN" info "$1" 2>/dev/null | sed -n 's/^  train\.step = "\([0-9]*\)"$/\1/p'; }

for sig in INT TERM; do
    n=lm_$sig
    interrupt $n $sig '^Training' train small.txt --hidden 32 --layers 1 --seq 32 --batch 8 \
        --steps 1000000 --save $n.safetensors
    stopped $n $sig "checkpoint saved to $n.safetensors (continue with --resume)"
    step=$(ckpt_step $n.safetensors)
    check "$n: the checkpoint loads and holds the step it stopped at" \
        '[ -n "$step" ] && grep -q "interrupted at step $step;" $n.err' "step '$step'"
    expect_ok "$n: --resume continues from it" train small.txt --hidden 32 --layers 1 \
        --seq 32 --batch 8 --steps $((step + 2)) --save $n.safetensors --resume --quiet
    check "$n: ... to the new target" '[ "$(ckpt_step $n.safetensors)" = $((step + 2)) ]'

    n=window_$sig
    interrupt $n $sig '^Training' train sentence.txt --window 3 --hidden 16 --layers 1 \
        --batch 4 --epochs 1000000000 --save $n.safetensors
    stopped $n $sig "checkpoint saved to $n.safetensors (continue with --resume)"
    check "$n: the checkpoint loads" '[ -n "$(ckpt_step $n.safetensors)" ]'

    n=classify_$sig
    interrupt $n $sig '^Training' classify train langs.tsv --hidden 16 --embed 8 \
        --epochs 1000000000 --max-len 64 --save $n.safetensors
    stopped $n $sig "checkpoint saved to $n.safetensors (continue with --resume)"
    step=$(ckpt_step $n.safetensors)
    check "$n: the checkpoint loads" '[ -n "$step" ]'
    expect_ok "$n: the classifier it saved classifies" classify eval $n.safetensors langs.tsv

    n=seq2seq_$sig
    interrupt $n $sig '^Training' seq2seq train g2p.tsv --tgt-tokens words --hidden 16 \
        --embed 8 --batch 8 --epochs 1000000000 --eval-max 0 --save $n.safetensors
    stopped $n $sig "checkpoint saved to $n.safetensors (continue with --resume)"
    expect_ok "$n: the model it saved decodes" seq2seq eval $n.safetensors g2p.tsv --max 5

    n=forecast_$sig
    interrupt $n $sig '^Training' forecast train sine.csv --test 16 --window 8 --hidden 8 \
        --epochs 10000000 --save $n.safetensors --csv $n.csv
    stopped $n $sig "the model so far saved to $n.safetensors$"
    check "$n: no forecast table and no CSV after the stop" "[ ! -s $n.out ] && [ ! -e $n.csv ]"
    expect_ok "$n: the model it saved forecasts" forecast predict $n.safetensors sine.csv \
        --horizon 3
done

# Without --save, forecast has nothing to save and says so.
interrupt forecast_nosave INT '^Training' forecast train sine.csv --test 16 --window 8 \
    --hidden 8 --epochs 10000000
stopped forecast_nosave INT "nothing was saved (no --save)$"

cli_summary
