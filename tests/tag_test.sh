#!/usr/bin/env bash
# tag_test.sh - end-to-end tests of `recur tag` (train, eval, predict) on a
# slice of the bundled Brown corpus: a tiny tagger learns and beats the
# most-frequent-tag baseline, eval repeats train's held-out score, predict keeps the
# sentences' shape and tags unseen words, and bad input is one line.
#   bash tests/tag_test.sh [path/to/recur]      (default build/recur)
# Prints "ok" or "FAIL" per case and a final "tag_test: N passed, N failed"
# line; the exit status is non-zero if any case failed.
# check() evaluates conditions given in single quotes on purpose:
# shellcheck disable=SC2016
set -u

. "$(dirname "$0")/cli_lib.sh"
cli_setup tag_test "${1:-}"

# ---- data: the first 600 sentences of the Brown corpus (about 12,000 words) ----
awk 'BEGIN { RS = ""; ORS = "\n\n" } NR <= 600' "$ROOT"/data/brown_pos.tsv >slice.tsv
check "the slice has 600 sentences" '[ "$(grep -c "^$" slice.tsv)" -eq 600 ]'

# ---- training ---------------------------------------------------------------------
QUICK=(--embed 24 --hidden 24 --batch 16 --lr 0.01 --lr-decay 1 --dropout 0 --seed 3 --quiet)
expect_ok "train a tiny tagger" tag train slice.tsv --test-every 5 "${QUICK[@]}" \
    --epochs 10 --save m.st
check "the model file is written" '[ -s m.st ]'
check "train prints the tagger's and the baseline's held-out scores" \
    'grep -q "^tagger: *accuracy" out && grep -q "^baseline: *accuracy" out' "$(cat out)"
acc=$(sed -n 's/^tagger: *accuracy \([0-9.]*\).*/\1/p' out)
base=$(sed -n 's/^baseline: *accuracy \([0-9.]*\).*/\1/p' out)
check "the tagger learns (held-out accuracy $acc >= 0.70; baseline $base)" \
    'awk -v a="$acc" "BEGIN { exit !(a != \"\" && a >= 0.70) }"' "$(cat out)"
check "the baseline is scored on the same words (accuracy $base in 0.6..0.95)" \
    'awk -v a="$base" "BEGIN { exit !(a != \"\" && a >= 0.6 && a <= 0.95) }"'
# measured: tagger 0.895, unknown words 0.726; baseline 0.865, 0.636
check "the tagger beats the baseline by a point ($acc against $base)" \
    'awk -v a="$acc" -v b="$base" "BEGIN { exit !(a >= b + 0.01) }"' "$(cat out)"
uacc=$(sed -n 's/^tagger: .*unknown words \([0-9.]*\).*/\1/p' out)
ubase=$(sed -n 's/^baseline: .*unknown words \([0-9.]*\).*/\1/p' out)
check "and on unknown words ($uacc against $ubase)" \
    'awk -v a="$uacc" -v b="$ubase" "BEGIN { exit !(a != \"\" && a > b) }"' "$(cat out)"
cp out train_out

# ---- eval: the same split gives the same numbers ---------------------------------------
expect_ok "eval on train's held-out split" tag eval m.st slice.tsv --test-every 5 --baseline
check "eval repeats train's held-out tagger score" \
    '[ "$(grep "^tagger:" out)" = "$(grep "^tagger:" train_out)" ]' "$(cat out)"
check "eval repeats train's baseline score" \
    '[ "$(grep "^baseline:" out)" = "$(grep "^baseline:" train_out)" ]' "$(cat out)"
check "eval counts unknown words" 'grep -Eq "[0-9]+ unknown \(" out' "$(cat out)"
expect_ok "eval on every sentence" tag eval m.st slice.tsv
check "every sentence: 600 sentences" 'grep -q "600 sentences" out' "$(cat out)"

# ---- predict ------------------------------------------------------------------------
awk 'BEGIN { RS = ""; ORS = "\n\n" } NR <= 20' slice.tsv | cut -f1 >words.txt
printf 'The\nZyxwvutsrqing\nof\n1987-88\nQuibblesome\n.\n' >>words.txt
expect_ok "predict a file" tag predict m.st words.txt
cp out pred_file
check "predict keeps every word and empty line" \
    '[ "$(cut -f1 pred_file)" = "$(cat words.txt; echo)" ]' "$(head -n 3 pred_file)"
check "every word gets one tag" \
    '[ "$(awk -F"\t" "NF == 2 && \$2 != \"\"" pred_file | wc -l)" -eq "$(grep -c . words.txt)" ]'
check "unseen words are tagged" 'grep -q "^Zyxwvutsrqing	." pred_file'
r tag predict m.st - <words.txt
check "predict from stdin equals predict from the file" \
    '[ "$RC" -eq 0 ] && cmp -s out pred_file'
if [ -w /dev/full ]; then
    "$BIN" tag predict m.st words.txt >/dev/full 2>err
    RC=$?
    check "predict into a full disk: exit 1, one line" '[ "$RC" -eq 1 ] && [ "$(wc -l <err)" -eq 1 ]' \
        "exit $RC: $(cat err)"
fi
r tag predict m.st slice.tsv
check "predict ignores the tags of a tagged file" \
    '[ "$RC" -eq 0 ] && [ "$(grep -c . out)" -eq "$(grep -c . slice.tsv)" ]'
check "the tags are the model's" \
    '[ -z "$(cut -f2 out | grep . | sort -u | comm -23 - <(cut -f2 slice.tsv | grep . | sort -u))" ]'

# ---- resume ---------------------------------------------------------------------------
expect_ok "train one epoch" tag train slice.tsv "${QUICK[@]}" --epochs 1 --save r.st
expect_ok "resume to two epochs" tag train slice.tsv "${QUICK[@]}" --epochs 2 --save r.st --resume
expect_ok "two epochs straight" tag train slice.tsv "${QUICK[@]}" --epochs 2 --save s.st
check "a resumed run equals a straight one" 'cmp -s r.st s.st'

# ---- bad input: one line, a non-zero exit --------------------------------------------------
printf 'The\tat\nword\n' >notab.tsv
expect_fail "a line without a tab" 1 "notab.tsv: line 2: no tab" tag train notab.tsv
printf 'The\tat\tx\n' >twotabs.tsv
expect_fail "a second tab" 1 "line 1: the tag holds a second tab" tag train twotabs.tsv
: >empty.tsv
expect_fail "an empty file" 1 "empty" tag train empty.tsv
printf 'a\tb\n\n' >one.tsv
expect_fail "too few sentences to hold out" 1 "too few" tag train one.tsv
expect_fail "a missing file" 1 "nothing.tsv" tag train nothing.tsv
expect_fail "no subcommand" 2 "" tag
expect_fail "an unknown subcommand" 2 "frob" tag frob
expect_fail "a bad number" 2 "hidden" tag train slice.tsv --hidden 0
expect_fail "an unknown cell" 2 "cell" tag train slice.tsv --cell xyz
expect_fail "--test with --test-every" 2 "exclude" tag train slice.tsv --test slice.tsv --test-every 3
expect_fail "eval without data" 2 "" tag eval m.st
expect_fail "--baseline without training sentences" 2 "baseline" tag eval m.st slice.tsv --baseline
expect_fail "a missing model" 1 "nope.st" tag eval nope.st slice.tsv
expect_fail "--resume without a checkpoint" 1 "resume" tag train slice.tsv --resume --save none.st
"$BIN" train --text-string "abcabcabcabcabcabcabcabc" --hidden 2 --steps 1 \
    --seq 4 --batch 1 --val 0 --quiet --save lm.st >/dev/null 2>&1
if [ -s lm.st ]; then
    expect_fail "a model that is not a tagger" 1 "not a tagger" tag eval lm.st slice.tsv
fi
printf 'a\tb\n' >bad_model.st
expect_fail "a file that is not a model" 1 "" tag predict bad_model.st words.txt

cli_summary
