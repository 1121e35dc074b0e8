#!/usr/bin/env bash
# The measured run of examples/austen-lstm/README.md: a 2-layer LSTM of 256
# units on the bundled Jane Austen corpus for 30 minutes of wall time, then
# its validation score, a sample, and the learning curve as SVG.
#   examples/austen-lstm/run.sh [BATCH] [LR]
set -eu
cd "$(dirname "$0")/../.."
make -s -j2
B=${1:-32}
LR=${2:-4e-3}
out=examples/austen-lstm
./build/recur train --model lstm --hidden 256 --layers 2 --seq 100 --batch "$B" \
    --lr "$LR" --lr-decay 0.8 --lr-decay-after 3 --dropout 0.1 --clip 5 --val 0.05 --epochs 50 \
    --time-limit 1800 --eval-every 1000 --seed 1 \
    --save "$out/austen-2x256.safetensors" --log "$out/train.csv"
python3 tools/plot_curve.py "$out/train.csv" "$out/curve.svg" \
    --title "LSTM 2x256 on Jane Austen, 2 cores, 30 minutes"
./build/recur sample "$out/austen-2x256.safetensors" --prime "It is a truth universally acknowledged" \
    --temperature 0.6 --length 600 --seed 1
