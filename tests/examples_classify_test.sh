#!/usr/bin/env bash
# examples_classify_test.sh - the quick settings of the three many-to-one
# examples on real texts (QUICK=1 examples/{sentiment,spam,dna-splice}/run.sh:
# a few hundred examples, a tiny network, one epoch), checking the shape of
# what they print (the baselines, one training summary), not the accuracy.
#   bash tests/examples_classify_test.sh [path/to/recur]
# shellcheck disable=SC2016
. "$(dirname "$0")/cli_lib.sh"
cli_setup examples_classify_test "${1:-}"
NUM='[01]\.[0-9]{4}'

quick() { # quick NAME: run the example's quick setting into $TMP/NAME
    ex=$1
    QUICK=1 RECUR=$BIN OUT=$TMP/$ex bash "$ROOT/examples/$ex/run.sh" >"$ex.out" 2>"$ex.err"
    RC=$?
    check "$ex: QUICK=1 run.sh succeeds" '[ "$RC" -eq 0 ]' "exit $RC: $(tail -n 3 "$ex.err")"
    check "$ex: both naive Bayes baselines" \
        'grep -Eq "^naive Bayes over character bigrams .*test_accuracy: $NUM on [0-9]+ test examples$" "$ex.out" &&
         grep -Eq "^naive Bayes over words .*test_accuracy: $NUM on [0-9]+ test examples$" "$ex.out"' \
        "$(cat "$ex.out")"
    check "$ex: one training summary with the test accuracy and both baselines" \
        '[ "$(grep -Ec "^Trained at epoch 1.00 .* - test_accuracy: $NUM \(naive Bayes: words $NUM, bigrams $NUM\) - saved " "$ex.err")" -eq 1 ]' \
        "$(tail -n 3 "$ex.err")"
    check "$ex: the model and its log are written" \
        '[ -s "$TMP/$ex/bigru-seed1.safetensors" ] && [ "$(wc -l <"$TMP/$ex/bigru-seed1.csv")" -eq 2 ]'
}

quick sentiment
check "sentiment: the awk word naive Bayes runs beside recur's" \
    'grep -Eq "^word naive Bayes: test_accuracy: $NUM on 100 test examples" sentiment.out'
check "sentiment: 400 training and 100 test reviews" \
    '[ "$(wc -l <"$TMP/sentiment/train.tsv")" -eq 400 ] && [ "$(wc -l <"$TMP/sentiment/test.tsv")" -eq 100 ]'
quick spam
check "spam: the full split keeps all 6,046 e-mails (NUL byte included)" \
    '[ "$(cat "$TMP/spam/all/train.tsv" "$TMP/spam/all/test.tsv" | wc -l)" -eq 6046 ]'
quick dna-splice
check "dna-splice: the positional naive Bayes runs" \
    'grep -Eq "^positional naive Bayes: test_accuracy: $NUM on [0-9]+ test examples" dna-splice.out'
# The full split: every 5th example of each class is a test example.
check "dna-splice: the full split is 2,550 + 636 sequences" \
    '[ "$(wc -l <"$TMP/dna-splice/all/train.tsv")" -eq 2550 ] && [ "$(wc -l <"$TMP/dna-splice/all/test.tsv")" -eq 636 ]' \
    "$(wc -l "$TMP/dna-splice/all/"*.tsv)"

cli_summary
