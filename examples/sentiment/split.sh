#!/usr/bin/env bash
# The file's own split of data/fine_foods_reviews.tsv (split, score,
# product, review): LABEL<TAB>REVIEW lines, the label the score (great =
# 5 stars, other), "<br />" line breaks turned into spaces, to
# OUT_DIR/train.tsv (4,000) and OUT_DIR/test.tsv (1,000).
#   examples/sentiment/split.sh OUT_DIR
set -eu
out=$1
mkdir -p "$out"
awk -F'\t' -v out="$out" 'NR > 1 {
    text = $4
    gsub(/<br *\/?>/, " ", text)
    print $2 "\t" text > (out "/" $1 ".tsv")
}' data/fine_foods_reviews.tsv
