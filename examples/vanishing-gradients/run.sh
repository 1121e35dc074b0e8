#!/usr/bin/env bash
# Vanishing gradients, measured: an Elman RNN (tanh) and an LSTM of the same
# size (1 layer of 128) trained for the same 1,500 steps (4.8 million
# characters) on the bundled Jane Austen corpus, then `recur grad-report` on
# both (and on their untrained starting points) over the same 32 windows of
# 200 characters: how much of the gradient of the last step's loss reaches
# each earlier hidden state.
#   examples/vanishing-gradients/run.sh      (RECUR=path/to/recur OUT=dir)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
RECUR=${RECUR:-$HERE/../../build/recur}
OUT=${OUT:-$HERE}
CORPUS=$HERE/../../data/austen.txt
COMMON=(--hidden 128 --layers 1 --seq 100 --batch 32 --lr 2e-3 --clip 5 --seed 1 --threads 2)
for cell in rnn_tanh lstm; do
    # The untrained starting point: one Adam step of lr 1e-12 moves no weight
    # by more than about 1e-12 (recur has no "create only" command).
    "$RECUR" train "$CORPUS" --model "$cell" "${COMMON[@]}" --steps 1 --lr 1e-12 --val 0 \
        --quiet --save "$OUT/$cell-untrained.safetensors"
    "$RECUR" train "$CORPUS" --model "$cell" "${COMMON[@]}" --steps 1500 \
        --quiet --save "$OUT/$cell.safetensors" --log "$OUT/train-$cell.csv"
done
"$RECUR" grad-report "$OUT/rnn_tanh.safetensors" "$CORPUS" \
    --compare "$OUT/lstm.safetensors,$OUT/rnn_tanh-untrained.safetensors,$OUT/lstm-untrained.safetensors" \
    --seq-len 200 --batch 32 --csv "$OUT/grad-report.csv" --svg "$OUT/grad-report.svg"
