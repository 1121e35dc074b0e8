#!/usr/bin/env bash
# Deterministic stratified split of data/dna_splice.tsv: within each
# class, every 5th example (the 5th, 10th, ...) is a test example, the rest
# train. Writes LABEL<TAB>SEQUENCE files without the header.
#   examples/dna-splice/split.sh OUT_DIR
set -eu
out=$1
mkdir -p "$out"
awk -F'\t' -v out="$out" 'NR > 1 {
    n[$1]++
    print > (out "/" (n[$1] % 5 == 0 ? "test" : "train") ".tsv")
}' data/dna_splice.tsv
