#!/usr/bin/env bash
# The measured runs of examples/sentiment/README.md: is an Amazon fine-food
# review a 5-star one ("great") or not ("other")? 4,000 training and 1,000
# test reviews, the file's own split. Both naive Bayes baselines of recur,
# the textbook word naive Bayes written in awk (an independent check of
# recur's), then a bidirectional GRU over word embeddings with three seeds.
#   examples/sentiment/run.sh           (about 3 minutes on 2 busy cores)
#   QUICK=1 examples/sentiment/run.sh   (seconds: 500 reviews, a tiny network;
#                                        the test suite runs this)
set -eu
cd "$(dirname "$0")/../.."
# RECUR and OUT (the test suite's): the recur binary, the output folder.
R=${RECUR:-./build/recur}
[ -n "${RECUR:-}" ] || make -s -j2
if [ "${QUICK:-0}" = 1 ]; then
    out=${OUT:-build/sentiment-quick}
    examples/sentiment/split.sh "$out/all"
    head -n 400 "$out/all/train.tsv" >"$out/train.tsv"
    head -n 100 "$out/all/test.tsv" >"$out/test.tsv"
    net=(--embed 8 --hidden 8 --epochs 1 --max-len 50 --time-limit 20)
    seeds=1
else
    out=${OUT:-build/sentiment}
    examples/sentiment/split.sh "$out"
    net=(--embed 64 --hidden 64 --min-word-count 5 --lr 1e-3 --epochs 6 --max-len 300
         --time-limit 200)
    seeds="1 2 3"
fi
# Reviews are raw text: a backslash is a backslash.
$R classify baseline "$out/train.tsv" --test "$out/test.tsv" --raw
awk -f examples/sentiment/word_nb.awk "$out/train.tsv" "$out/test.tsv"
for seed in $seeds; do
    $R classify train "$out/train.tsv" --test "$out/test.tsv" --raw --tokens word \
        --cell gru --bidirectional --readout mean --dropout 0.5 "${net[@]}" \
        --seed "$seed" --save "$out/bigru-seed$seed.safetensors" \
        --log "$out/bigru-seed$seed.csv" --quiet
done
