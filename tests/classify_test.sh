#!/usr/bin/env bash
# classify_test.sh - end-to-end tests of `recur classify` (train, eval,
# predict, baseline) on small TSV files made here.
#   bash tests/classify_test.sh [path/to/recur]      (default build/recur)
# Prints "ok" or "FAIL" per case and a final "classify_test: N passed, N
# failed" line; the exit status is non-zero if any case failed.
# check() evaluates conditions given in single quotes on purpose:
# shellcheck disable=SC2016
set -u

. "$(dirname "$0")/cli_lib.sh"
cli_setup classify_test "${1:-}"

# ---- data: two classes told apart by one character ----------------------------
# "yes" texts hold a 'z' somewhere among random letters a-h, "no" texts do
# not; a \n escape now and then exercises the escapes.
awk 'BEGIN {
    srand(7);
    for (i = 0; i < 400; i++) {
        n = 4 + int(rand() * 10); s = "";
        for (k = 0; k < n; k++) s = s substr("abcdefgh", 1 + int(rand() * 8), 1);
        if (i % 2) { p = 1 + int(rand() * length(s)); s = substr(s, 1, p - 1) "z" substr(s, p) }
        if (rand() < 0.1) s = s "\\n" s;
        print (i % 2 ? "yes" : "no") "\t" s
    } }' >data.tsv
head -n 300 data.tsv >train.tsv
tail -n 100 data.tsv >test.tsv

# ---- training and the learning check --------------------------------------------
QUICK=(--hidden 24 --embed 8 --batch 16 --lr 0.01 --seed 3)
expect_ok "train a tiny classifier" classify train train.tsv --test test.tsv \
    "${QUICK[@]}" --epochs 6 --save m.st --log log.csv
check "the model file is written" '[ -s m.st ]'
check "train prints the test accuracy each epoch" \
    '[ "$(grep -c "test_accuracy" err)" -ge 6 ]' "$(tail -n 3 err)"
check "train prints the naive Bayes baseline" 'grep -q "Baseline: character-bigram naive Bayes" err'
acc=$(sed -n 's/.*Trained .*test_accuracy: \([0-9.]*\) .*/\1/p' err)
check "the classifier learns the rule (test accuracy $acc >= 0.9)" \
    'awk -v a="$acc" "BEGIN { exit !(a != \"\" && a >= 0.9) }"' "$(tail -n 2 err)"
expect_ok "train with --bucket (batches of similar lengths)" classify train train.tsv \
    --test test.tsv "${QUICK[@]}" --epochs 6 --bucket --save mb.st
bacc=$(sed -n 's/.*Trained .*test_accuracy: \([0-9.]*\) .*/\1/p' err)
check "a bucketed run learns the rule too ($bacc >= 0.9)" \
    'awk -v a="$bacc" "BEGIN { exit !(a != \"\" && a >= 0.9) }"' "$(tail -n 2 err)"
{ printf 'label\ttext\n'; cat train.tsv; } >headed.tsv
expect_ok "a file with a header line trains" classify baseline headed.tsv --test test.tsv
check "a line-1 label found nowhere else is flagged as a likely header" \
    'grep -q "line 1.s label .label. is on no other line; if line 1 is a header, add --header" err' "$(head -n 3 err)"
expect_ok "with --header it is read as one" classify baseline headed.tsv --test test.tsv --header
check "and no warning then" '! grep -q "warning" err' "$(head -n 3 err)"
expect_ok "a file without a header" classify baseline train.tsv --test test.tsv
check "gets no header warning" '! grep -q "warning" err' "$(head -n 3 err)"
check "log CSV has a header and one row per epoch" \
    '[ "$(head -n 1 log.csv)" = "epoch,step,elapsed_s,loss,accuracy,test_loss,test_accuracy" ] && [ "$(wc -l <log.csv)" -eq 7 ]'
expect_ok "the model file loads (recur info)" info m.st
check "info shows the class names" 'grep -q "classes = \"no\\\\tyes\"" out' "$(grep classes out)"

# ---- eval -------------------------------------------------------------------------------
expect_ok "eval on the test file" classify eval m.st test.tsv
check "eval prints accuracy and per-class rows" \
    'grep -Eq "^accuracy: [0-9.]+ \([0-9]+ of 100\)" out && grep -Eq "^no +50 " out && grep -Eq "^yes +50 " out' \
    "$(head -n 3 out)"
eacc=$(sed -n 's/^accuracy: \([0-9.]*\) .*/\1/p' out)
check "eval agrees with the training run's test accuracy" '[ -n "$eacc" ] && [ "$eacc" = "$acc" ]' "$eacc vs $acc"
printf 'yes\tabz\nmaybe\tabc\n' >unknown_label.tsv
expect_fail "eval: a label the model does not know" 1 "unknown_label.tsv: line 2: label 'maybe'" \
    classify eval m.st unknown_label.tsv

# ---- predict ----------------------------------------------------------------------------
printf 'abczdefg\nabcdefgh\n\nhgfzdcba\nhhhhhh\n' >texts.txt
expect_ok "predict on a file" classify predict m.st texts.txt
check "predict gives one class per text, right" '[ "$(tr "\n" " " <out)" = "yes no yes no " ]' \
    "$(tr '\n' ' ' <out)"
r classify predict m.st --prob <texts.txt
check "predict reads stdin and prints probabilities" \
    '[ "$RC" -eq 0 ] && [ "$(wc -l <out)" -eq 4 ] && awk -F"\t" "NF != 2 || \$2 < 0.5 || \$2 > 1 { exit 1 }" out' \
    "$(head -c 200 out) $(head -c 200 err)"
printf 'ab\xc3\xa9Q\xe2\x82\xacz\n' | "$BIN" classify predict m.st - >out 2>err
check "unseen characters read as unknown, not an error" '[ $? -eq 0 ] && [ "$(wc -l <out)" -eq 1 ]' "$(cat err)"
printf 'ab\xffc\n' >badutf.txt
expect_fail "predict: invalid UTF-8 names the line" 1 "line 1: invalid UTF-8" \
    classify predict m.st badutf.txt
check "predict's error offers no --skip-bad-lines (it has none)" '! grep -q -- "--skip-bad-lines" err' \
    "$(cat err)"
expect_fail "eval: a classifier is not a language model" 1 "m.st: not a character language model" \
    eval m.st texts.txt
expect_fail "grad-report: a classifier is not a language model" 1 "not a character language model" \
    grad-report m.st texts.txt

# ---- resume continues bit-identically ----------------------------------------------------
expect_ok "train 1 epoch" classify train train.tsv --test test.tsv "${QUICK[@]}" \
    --epochs 1 --save r.st --quiet
expect_ok "resume to 2 epochs" classify train train.tsv --test test.tsv "${QUICK[@]}" \
    --epochs 2 --save r.st --resume
check "resume says so" 'grep -q "Resuming from r.st at epoch 2" err'
expect_ok "train 2 epochs straight" classify train train.tsv --test test.tsv "${QUICK[@]}" \
    --epochs 2 --save s.st --quiet
"$BIN" classify predict r.st texts.txt --prob >pr 2>/dev/null
"$BIN" classify predict s.st texts.txt --prob >ps 2>/dev/null
check "resumed and straight runs predict the same" '[ -s pr ] && cmp -s pr ps'
sed 's/^yes/si/' train.tsv >other.tsv
expect_fail "resume with other classes" 1 "classes differ" classify train other.tsv \
    --save r.st --resume --epochs 3 --quiet

# ---- held-out split and the baseline -------------------------------------------------------
expect_ok "train with a held-out split" classify train data.tsv --test-split 0.25 \
    "${QUICK[@]}" --epochs 1 --save split.st
check "the split holds out a quarter of each class" \
    'grep -q "300 training examples, 100 test examples (stratified held-out split)" err' \
    "$(grep Data: err)"
cp err split.err
expect_ok "baseline alone" classify baseline data.tsv --test-split 0.25 --seed 3
nb=$(sed -n 's/^naive Bayes over character bigrams.*test_accuracy: \([0-9.]*\) on 100 test examples/\1/p' out)
nbw=$(sed -n 's/^naive Bayes over words.*test_accuracy: \([0-9.]*\) on 100 test examples/\1/p' out)
check "baseline reports its accuracies on the same split" \
    '[ -n "$nb" ] && [ -n "$nbw" ] && grep -q "(naive Bayes: words $nbw, bigrams $nb)" split.err' \
    "baseline $nb $nbw; $(tail -n 1 split.err)"
check "naive Bayes learns the rule too (>= 0.9)" 'awk -v a="$nb" "BEGIN { exit !(a >= 0.9) }"' "$nb"

# ---- bad input: one line, non-zero exit, the model file unharmed -----------------------------
cp m.st keep.st
printf 'yes\tabz\nno\tabc\nno tab here\n' >notab.tsv
expect_fail "a line without a tab" 1 "notab.tsv: line 3: no tab" classify train notab.tsv \
    --save m.st --quiet
printf 'yes\tabz\n\tabc\n' >nolabel.tsv
expect_fail "an empty label" 1 "line 2: the label is empty" classify train nolabel.tsv --save m.st
printf 'yes\tabz\nno\t\n' >notext.tsv
expect_fail "an empty text" 1 "line 2: the text is empty" classify train notext.tsv --save m.st
cp err err1
printf 'yes\tabz\nno\ta\xc0\xafb\n' >badutf.tsv
expect_fail "invalid UTF-8" 1 "line 2: invalid UTF-8" classify train badutf.tsv --save m.st
printf 'yes\tab\\qz\nno\tabc\n' >escape.tsv
expect_fail "an unknown escape" 1 "line 1: unknown escape" classify train escape.tsv --save m.st
cp err err0
: >empty.tsv
expect_fail "an empty file" 1 "empty" classify train empty.tsv --save m.st
printf 'yes\tabz\nyes\tabc\n' >oneclass.tsv
expect_fail "a single class" 1 "at least 2" classify train oneclass.tsv --save m.st --test-split 0
printf 'yes\tabz\nyes\tabc\nyes\tabd\nyes\tabe\n' >oneclass4.tsv
expect_fail "baseline: a single class, as train says" 1 "at least 2" classify baseline oneclass4.tsv
check "failed runs left the model file as it was" 'cmp -s m.st keep.st'
expect_ok "--raw takes backslashes literally" classify train escape.tsv --raw --test-split 0 \
    "${QUICK[@]}" --epochs 1 --save raw.st --quiet

# ---- messy input: the refusal names the way through; --skip-bad-lines counts -----------
check "the escape error names --raw and --skip-bad-lines" \
    'grep -q -- "--raw takes backslashes literally" err0 && grep -q -- "--skip-bad-lines" err0' \
    "$(cat err0)"
check "the empty-text error names --skip-bad-lines" 'grep -q -- "--skip-bad-lines" err1' "$(cat err1)"
check "the errors stay one line" '[ "$(wc -l <err0)" -eq 1 ] && [ "$(wc -l <err1)" -eq 1 ]'
{ head -n 200 train.tsv; printf 'yes\tab\\qz\nno\t\n\tlost label\nyes\tx\\\n'; tail -n 100 train.tsv; } >messy.tsv
expect_ok "--skip-bad-lines trains past bad lines" classify train messy.tsv --test test.tsv \
    --skip-bad-lines "${QUICK[@]}" --epochs 1 --save messy.st --quiet
check "it says how many lines it skipped and why" \
    'grep -q "messy.tsv: skipped 4 bad lines (--skip-bad-lines): 2 with an unknown escape or a lone backslash (first: line 201), 1 with a missing, empty or bad label (first: line 203), 1 with an empty text (first: line 202)" err' \
    "$(head -n 2 err)"
expect_ok "baseline --skip-bad-lines" classify baseline messy.tsv --skip-bad-lines
check "baseline reports the skipped lines too" 'grep -q "skipped 4 bad lines" err'
expect_fail "without it the first bad line stops training" 1 "messy.tsv: line 201: unknown escape" \
    classify train messy.tsv --test test.tsv --save messy.st
printf 'yes\tab\\qz\n\tx\n' >allbad.tsv
expect_fail "a file of bad lines only" 1 "all 2 non-empty lines are bad" classify train \
    allbad.tsv --skip-bad-lines --save m.st
expect_ok "eval --skip-bad-lines" classify eval m.st messy.tsv --skip-bad-lines
check "eval scores the good lines" 'grep -Eq "^accuracy: [0-9.]+ \([0-9]+ of 300\)" out' "$(head -n 1 out)"

# ---- words: a rule about words, word vocabulary in the model, word baseline ---------------
# "yes" texts hold the word "zebra" among common words, "no" texts do not;
# case and punctuation vary so that only the tokenizer makes them equal.
awk 'BEGIN {
    srand(11); split("the a cat dog runs sat on mat Big small red", w, " ");
    for (i = 0; i < 400; i++) {
        n = 3 + int(rand() * 8); s = "";
        for (k = 0; k < n; k++) s = s (k ? " " : "") w[1 + int(rand() * 11)];
        if (i % 2) { p = index(s " ", " "); s = substr(s, 1, p - 1) (rand() < 0.5 ? ", ZEBRA! " : " zebra ") substr(s, p + 1) }
        print (i % 2 ? "yes" : "no") "\t" s
    } }' >words.tsv
head -n 300 words.tsv >wtrain.tsv
tail -n 100 words.tsv >wtest.tsv
expect_ok "train a word classifier" classify train wtrain.tsv --test wtest.tsv --tokens word \
    --hidden 16 --embed 8 --batch 16 --lr 0.01 --seed 2 --epochs 4 --save w.st
check "train describes the word vocabulary" 'grep -q "13 words (<unk> for unknown ones)" err' \
    "$(grep Model: err)"
check "train shows both baselines" \
    'grep -q "Baseline: word naive Bayes" err && grep -q "Baseline: character-bigram naive Bayes" err'
check "length bucketing is on by default" 'grep -q "batches of similar lengths (--no-bucket: off)" err'
wacc=$(sed -n 's/.*Trained .*test_accuracy: \([0-9.]*\) .*/\1/p' err)
check "the word classifier learns the rule ($wacc >= 0.95)" \
    'awk -v a="$wacc" "BEGIN { exit !(a != \"\" && a >= 0.95) }"' "$(tail -n 2 err)"
expect_ok "the word list is in the model" info w.st
check "info shows the tokens and words" 'grep -q "classify.tokens = \"words\"" out && grep -q "zebra" out' \
    "$(grep classify out | head -n 5)"
# A long word list is cut in recur info's listing, with its length.
awk 'BEGIN { for (i = 0; i < 120; i++) print (i % 2 ? "yes" : "no") "\tword" i " other" i " thing" i }' >many.tsv
expect_ok "train on many distinct words" classify train many.tsv --tokens word --min-word-count 1 \
    --hidden 4 --embed 4 --epochs 1 --test-split 0.2 --save many.st
expect_ok "info on a model with a long word list" info many.st
check "info cuts a long value and gives its length" \
    'grep -q "bytes in all; .recur export --format json. shows it whole" out && [ "$(awk "{ if (length > m) m = length } END { print m }" out)" -lt 400 ]' \
    "$(awk '{ if (length > m) m = length } END { print "longest line " m }' out)"
expect_ok "eval the word classifier" classify eval w.st wtest.tsv
check "eval counts unknown words and agrees with training" \
    'grep -q "unknown words" out && grep -q "^accuracy: $wacc " out' "$(head -n 1 out)"
printf 'A zebra, on the mat.\nthe cat sat\nZEBRA unknownword\n' >wpredict.txt
expect_ok "predict with the word classifier" classify predict w.st wpredict.txt
check "predict reads words (case and punctuation aside)" \
    '[ "$(tr "\n" " " <out)" = "yes no yes " ]' "$(cat out)"
expect_ok "--no-bucket" classify train wtrain.tsv --test wtest.tsv --tokens word --hidden 8 \
    --embed 4 --epochs 1 --no-bucket --save wn.st --quiet
expect_fail "--bucket and --no-bucket together" 2 "not both" classify train wtrain.tsv \
    --bucket --no-bucket
expect_fail "an unknown token kind" 2 "--tokens expects char or word" classify train \
    wtrain.tsv --tokens bpe
expect_ok "baseline prints both naive Bayes" classify baseline words.tsv
wnb=$(sed -n 's/^naive Bayes over words.*test_accuracy: \([0-9.]*\) on 80 test examples/\1/p' out)
check "the word baseline learns the word rule ($wnb >= 0.95)" \
    'awk -v a="$wnb" "BEGIN { exit !(a != \"\" && a >= 0.95) }" && grep -q "naive Bayes over character bigrams" out' \
    "$(cat out)"
expect_fail "--save into a missing directory" 1 "does not exist" classify train train.tsv \
    --save nodir/m.st
expect_fail "--resume without a checkpoint" 1 "does not exist" classify train train.tsv \
    --save none.st --resume
expect_fail "a missing data file" 1 "nofile.tsv" classify train nofile.tsv --save x.st
expect_fail "an unknown readout" 2 "--readout expects last or mean" classify train train.tsv \
    --readout sequence
expect_fail "--test and --test-split together" 2 "not both" classify train train.tsv \
    --test test.tsv --test-split 0.1
expect_fail "an unknown subcommand" 2 "unknown subcommand 'fit'" classify fit
expect_fail "eval with a TSV file for a model" 1 "data.tsv: " classify eval data.tsv test.tsv
head -c 4000 data.tsv | cut -f2 >lm.txt
"$BIN" train lm.txt --hidden 8 --layers 1 --seq 16 --batch 2 --steps 2 --save lm.st --quiet \
    --val 0 >/dev/null 2>&1
expect_fail "eval with a language model" 1 "lm.st: the model has no class names" \
    classify eval lm.st test.tsv
expect_ok "classify --help" classify --help
expect_ok "classify train --help" classify train --help

cli_summary
