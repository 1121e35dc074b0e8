#!/usr/bin/env bash
# caption_test.sh - end-to-end tests of `recur caption` (train, eval,
# predict) on a slice of the bundled OpenMoji images: a small captioner
# trains and scores itself beside the two baselines, eval repeats train's
# table, a reloaded model captions as it did, beam 1 equals greedy, eval
# draws SVGs, the example's quick setting runs, and bad input (a malformed
# TSV, the wrong image size) is one line and a non-zero exit.
#   bash tests/caption_test.sh [path/to/recur]      (default build/recur)
# Prints "ok" or "FAIL" per case and a final "caption_test: N passed, N failed".
# shellcheck disable=SC2016
set -u

. "$(dirname "$0")/cli_lib.sh"
cli_setup caption_test "${1:-}"

head -n 301 "$ROOT"/data/openmoji_32x32.tsv >slice.tsv
check "the slice has a header and 300 images" '[ "$(wc -l <slice.tsv)" -eq 301 ]'

# ---- train and eval ---------------------------------------------------------------------
QUICK=(--tokens chars --hidden 48 --embed 8 --batch 16 --lr 0.005 --dropout 0 --seed 2 --quiet)
expect_ok "train a small captioner" caption train slice.tsv "${QUICK[@]}" --epochs 15 \
    --save m.st
check "the model file is written" '[ -s m.st ]'
check "train prints the held-out table with both baselines" \
    'grep -q "^held-out: 30 images" out && grep -q "^model (greedy)" out &&
     grep -q "^baseline: nearest training image" out &&
     grep -q "^baseline: most frequent caption" out' "$(cat out)"
loss=$(sed -n 's/.* - loss: \([0-9.]*\) .*/\1/p' err)
check "the captioner learns its training captions (loss $loss < 1.5 nats/char)" \
    'awk -v a="$loss" "BEGIN { exit !(a != \"\" && a < 1.5) }"' "$(cat err)"
cp out train_out
expect_ok "eval on train's split" caption eval m.st slice.tsv
check "eval repeats train's table" 'cmp -s out train_out' "$(diff out train_out)"
expect_ok "eval with beam 1" caption eval m.st slice.tsv --beam 1
check "beam 1 scores as greedy" \
    '[ "$(grep "^model" out | sed "s/(beam 1)/(greedy)/")" = "$(grep "^model" train_out)" ]' \
    "$(grep "^model" out train_out)"
expect_ok "eval with beam 4" caption eval m.st slice.tsv --beam 4
check "beam 4 is scored" 'grep -q "^model (beam 4)" out'
mkdir svg
expect_ok "eval draws 3 images" caption eval m.st slice.tsv --show 3 --svg-dir svg
check "three SVG files with the image and both captions" \
    '[ "$(ls svg/*.svg | wc -l)" -eq 3 ] && grep -q "<rect" "$(ls svg/*.svg | head -n 1)" &&
     [ "$(grep -c "<text" "$(ls svg/*.svg | head -n 1)")" -eq 2 ]'
check "and --show prints them" '[ "$(grep -c "(reference: " err)" -eq 3 ]'

# ---- predict ------------------------------------------------------------------------------
expect_ok "predict the slice" caption predict m.st slice.tsv
check "one ID<TAB>caption line per image" \
    '[ "$(wc -l <out)" -eq 300 ] && [ "$(cut -f1 out)" = "$(tail -n +2 slice.tsv | cut -f1)" ]'
check "captions are not empty" '[ "$(cut -f2 out | grep -c .)" -ge 290 ]'
cp out pred1
cut -f1,5 slice.tsv | sed '1s/.*/id\tpixels_hex/' >nocaption.tsv
r caption predict m.st - <nocaption.tsv
check "predict reads stdin, without a caption column" '[ "$RC" -eq 0 ] && cmp -s out pred1'
awk -F'\t' -v OFS='\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "caption") c = i; print; next }
    { $c = ""; print }' slice.tsv >blank.tsv
r caption predict m.st blank.tsv
check "predict ignores a caption column, even empty captions" '[ "$RC" -eq 0 ] && cmp -s out pred1' \
    "exit $RC: $(cat err)"
cp m.st copy.st
r caption predict copy.st slice.tsv
check "a copied (reloaded) model captions the same" '[ "$RC" -eq 0 ] && cmp -s out pred1'

# ---- resume -----------------------------------------------------------------------------------
expect_ok "train one epoch" caption train slice.tsv "${QUICK[@]}" --epochs 1 --save r.st
expect_ok "resume to two" caption train slice.tsv "${QUICK[@]}" --epochs 2 --save r.st --resume
expect_ok "two epochs straight" caption train slice.tsv "${QUICK[@]}" --epochs 2 --save s.st
check "a resumed run equals a straight one" 'cmp -s r.st s.st'

# ---- the example's quick setting ------------------------------------------------------------------
r_example() { RECUR=$BIN OUT=$TMP/example bash "$ROOT"/examples/captions/run.sh --quick >ex_out 2>ex_err; }
if r_example; then ok "examples/captions/run.sh --quick"; else bad "examples/captions/run.sh --quick" "$(tail -n 3 ex_err)"; fi
check "the example prints its table and draws its samples" \
    'grep -q "^baseline: nearest training image" ex_out && ls example/svg/*.svg >/dev/null 2>&1'

# ---- bad input: one line, a non-zero exit ----------------------------------------------------------
head -n 3 slice.tsv >bad.tsv
printf '1F9FF\tx\tsome name\ttags\tzz%s\n' "$(head -c 2046 /dev/zero | tr '\0' 'f')" >>bad.tsv
expect_fail "a pixel that is not hex" 1 "bad.tsv:4: .*not a hex digit" caption train bad.tsv
head -n 3 slice.tsv >short.tsv
printf '1F9FF\tx\tsome name\ttags\t%s\n' "$(head -c 2000 /dev/zero | tr '\0' 'f')" >>short.tsv
expect_fail "an image of the wrong size" 1 "short.tsv:4: the image has 1000 pixels, expected 1024" \
    caption train short.tsv
expect_fail "--image-size that does not fit" 1 "slice.tsv:2: .*expected 256 \(16x16" \
    caption train slice.tsv --image-size 16
head -n 3 slice.tsv >fields.tsv
printf '1F9FF\tx\tsome name\n' >>fields.tsv
expect_fail "a line with too few fields" 1 "fields.tsv:4: 3 tab-separated fields" caption train fields.tsv
printf 'id\tname\tpixels\n' >header.tsv
expect_fail "a header without caption and pixels_hex" 1 "header.tsv:1: the header" caption train header.tsv
head -n 1 slice.tsv >empty.tsv
expect_fail "no images" 1 "no images" caption train empty.tsv
head -n 3 slice.tsv >nocap.tsv
printf '1F9FF\tx\t \ttags\t%s\n' "$(head -c 2048 /dev/zero | tr '\0' 'f')" >>nocap.tsv
expect_fail "an empty caption" 1 "nocap.tsv:4: empty caption" caption train nocap.tsv
head -n 3 slice.tsv >utf8.tsv
printf '1F9FF\tx\tbad \377 name\ttags\t%s\n' "$(head -c 2048 /dev/zero | tr '\0' 'f')" >>utf8.tsv
expect_fail "a caption that is not UTF-8" 1 "utf8.tsv:4: the caption is not valid UTF-8" \
    caption train utf8.tsv
printf 'id\tcaption\tpixels_hex\r\nA\ta b\t%s\r\nB\tc d\t%s' "$(head -c 2048 /dev/zero | tr '\0' 'f')" \
    "$(head -c 2048 /dev/zero | tr '\0' '0')" >crlf.tsv
expect_ok "CRLF line ends and no newline at the end" caption predict m.st crlf.tsv
check "both images captioned" '[ "$(cut -f1 out | tr "\n" " ")" = "A B " ]' "$(cat out)"
expect_fail "a missing file" 1 "nothing.tsv" caption train nothing.tsv
expect_fail "no subcommand" 2 "" caption
expect_fail "an unknown subcommand" 2 "frob" caption frob
expect_fail "an unknown cell" 2 "cell" caption train slice.tsv --cell xyz
expect_fail "unknown tokens" 2 "tokens" caption train slice.tsv --tokens bytes
expect_fail "--svg-dir without --show" 2 "show" caption eval m.st slice.tsv --svg-dir svg
expect_fail "a missing model" 1 "nope.st" caption eval nope.st slice.tsv
expect_fail "--resume without a checkpoint" 1 "resume" caption train slice.tsv --resume --save none.st
"$BIN" seq2seq train "$ROOT"/data/udhr-words.tsv --src-tokens words --hidden 4 --embed 4 \
    --steps 1 --quiet --save s2s.st >/dev/null 2>&1
if [ -s s2s.st ]; then
    expect_fail "a seq2seq model that is not a captioner" 1 "not an image captioner" \
        caption eval s2s.st slice.tsv
fi
printf 'a\tb\n' >bad_model.st
expect_fail "a file that is not a model" 1 "" caption predict bad_model.st slice.tsv

cli_summary
