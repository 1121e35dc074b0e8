#!/usr/bin/env bash
# Deterministic stratified split of data/spamassassin.tsv
# (label, subset, subject, body): within each label every 5th e-mail is a
# test e-mail. Writes LABEL<TAB>SUBJECT | BODY lines to OUT_DIR/train.tsv
# and OUT_DIR/test.tsv, as they are: one e-mail holds a NUL byte, which
# `recur classify --skip-bad-lines` skips and counts.
#   examples/spam/split.sh OUT_DIR
set -eu
out=$1
mkdir -p "$out"
awk -F'\t' -v out="$out" '{
    n[$1]++
    print $1 "\t" $3 " | " $4 > (out "/" (n[$1] % 5 == 0 ? "test" : "train") ".tsv")
}' data/spamassassin.tsv
