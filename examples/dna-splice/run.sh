#!/usr/bin/env bash
# The measured runs of examples/dna-splice/README.md: splice-junction class
# (exon→intron, intron→exon, neither) of 60-base primate DNA windows.
# A fixed stratified split (every 5th example of each class is a test
# example), two naive Bayes baselines (recur's character bigrams, and the
# textbook positional one), then a bidirectional GRU over the bases with
# three seeds.
#   examples/dna-splice/run.sh        (about 3 minutes on 2 cores)
set -eu
cd "$(dirname "$0")/../.."
make -s -j2
out=build/dna-splice
examples/dna-splice/split.sh "$out"
./build/recur classify baseline "$out/train.tsv" --test "$out/test.tsv"
awk -f examples/dna-splice/positional_nb.awk "$out/train.tsv" "$out/test.tsv"
for seed in 1 2 3; do
    ./build/recur classify train "$out/train.tsv" --test "$out/test.tsv" --seed "$seed" \
        --cell gru --hidden 128 --embed 8 --bidirectional --readout last --dropout 0.3 \
        --epochs 20 --lr 3e-3 --time-limit 240 --save "$out/bigru-seed$seed.safetensors" \
        --log "$out/bigru-seed$seed.csv" --quiet
done
