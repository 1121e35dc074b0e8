#!/usr/bin/env bash
# The measured runs of examples/dna-splice/README.md: splice-junction class
# (exon→intron, intron→exon, neither) of 60-base primate DNA windows.
# A fixed stratified split (every 5th example of each class is a test
# example), recur's two naive Bayes baselines (character bigrams, and words,
# which here are whole sequences: useless, shown for completeness) and the
# textbook positional one, then a bidirectional GRU over the bases with
# three seeds.
#   examples/dna-splice/run.sh          (about 10 minutes on 2 busy cores)
#   QUICK=1 examples/dna-splice/run.sh  (seconds: 300 sequences, a tiny
#                                        network; the test suite runs this)
set -eu
cd "$(dirname "$0")/../.."
# RECUR and OUT (the test suite's): the recur binary, the output folder.
R=${RECUR:-./build/recur}
[ -n "${RECUR:-}" ] || make -s -j2
if [ "${QUICK:-0}" = 1 ]; then
    out=${OUT:-build/dna-splice-quick}
    examples/dna-splice/split.sh "$out/all"
    awk "NR % 10 == 0" "$out/all/train.tsv" >"$out/train.tsv"
    awk "NR % 10 == 0" "$out/all/test.tsv" >"$out/test.tsv"
    net=(--hidden 8 --epochs 1 --time-limit 20)
    seeds=1
else
    out=${OUT:-build/dna-splice}
    examples/dna-splice/split.sh "$out"
    net=(--hidden 128 --epochs 20 --time-limit 240)
    seeds="1 2 3"
fi
$R classify baseline "$out/train.tsv" --test "$out/test.tsv"
awk -f examples/dna-splice/positional_nb.awk "$out/train.tsv" "$out/test.tsv"
for seed in $seeds; do
    $R classify train "$out/train.tsv" --test "$out/test.tsv" --seed "$seed" \
        --cell gru --embed 8 --bidirectional --readout last --dropout 0.3 --lr 3e-3 \
        "${net[@]}" --save "$out/bigru-seed$seed.safetensors" \
        --log "$out/bigru-seed$seed.csv" --quiet
done
