#!/usr/bin/env bash
# Keras's SimpleRNN text example with recur: windows of 3 characters of one
# sentence, each labelled with the next character; SimpleRNN(50, relu) ->
# Dense(vocabulary, softmax), Keras initialisation, Adam with Keras's
# defaults, no clipping, batch 32, 100 shuffled epochs; then 50 characters
# generated greedily from "This is G", each from the last 3 characters only.
#   examples/keras-simplernn/run.sh            (RECUR=path/to/recur SEED=n OUT=dir)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
RECUR=${RECUR:-$HERE/../../build/recur}
OUT=${OUT:-$HERE}
SEED=${SEED:-1}
"$RECUR" train "$HERE/sentence.txt" --window 3 \
    --model rnn_relu --hidden 50 --layers 1 --init keras \
    --optim adam --lr 0.001 --beta1 0.9 --beta2 0.999 --eps 1e-7 --clip 0 \
    --batch 32 --epochs 100 --seed "$SEED" --save "$OUT/keras-simplernn.safetensors"
"$RECUR" sample "$OUT/keras-simplernn.safetensors" --prime "This is G" --length 50 --greedy
