#!/usr/bin/env bash
# seq2seq_test.sh - end-to-end tests of `recur seq2seq train|eval|translate`
#   bash tests/seq2seq_test.sh [path/to/recur]      (default build/recur)
# Quick real runs on a tiny generated task (reverse 3-5 letter strings) and
# the bundled CMUdict subset, resume, and every bad input as a one-line
# error. Prints "seq2seq_test: N passed, N failed".
# shellcheck disable=SC2016
set -u

. "$(dirname "$0")/cli_lib.sh"
cli_setup seq2seq_test "${1:-}"

# A task a tiny model learns in seconds: reverse strings of 3-5 letters a-f.
awk 'BEGIN { srand(7); for (i = 0; i < 3000; i++) { n = 3 + int(rand() * 3); s = "";
      for (j = 0; j < n; j++) s = s substr("abcdef", 1 + int(rand() * 6), 1);
      r = ""; for (j = n; j >= 1; j--) r = r substr(s, j, 1); print s "\t" r } }' >rev.tsv

# ---- help ----
expect_ok "seq2seq --help" seq2seq --help
check "seq2seq --help names the subcommands" 'grep -q translate out'
expect_ok "seq2seq train --help" seq2seq train --help
check "train --help lists --tgt-tokens and --beam" 'grep -q -- --tgt-tokens out && grep -q -- --beam out'
expect_fail "no subcommand" 2 "no subcommand" seq2seq
expect_fail "unknown subcommand" 2 "unknown subcommand 'fly'" seq2seq fly

# ---- train, eval, translate ----
expect_ok "train a reverser (GRU, bidirectional) for 400 steps" seq2seq train rev.tsv \
    --model gru --bidirectional --hidden 48 --embed 16 --batch 32 --lr 5e-3 --steps 400 \
    --val 0.1 --save rev.safetensors --eval-max 200 --quiet
check "train prints held-out metrics" 'grep -q "held-out: 200 examples" out && grep -q "BLEU-4" out' "$(cat out)"
exact=$(awk '/exact match/ { print $3 }' out)
check "the reverser is >= 90% exact on held-out strings ($exact)" \
    'awk -v e="$exact" "BEGIN { exit !(e >= 0.9) }"'
expect_ok "eval on the held-out split, beam 3" seq2seq eval rev.safetensors rev.tsv --val 0.1 --beam 3
check "eval reports loss, exact match, character error rate" \
    'grep -q "teacher-forced loss" out && grep -q "exact match" out && grep -q "character error rate" out' "$(cat out)"
expect_ok "info describes a seq2seq file" info rev.safetensors
check "info shows the encoder and the decoder" \
    'grep -q "Sequence-to-sequence model" out && grep -q ": encoder" out && grep -q ": decoder" out && grep -q "dense (Dense, softmax)" out'
expect_ok "eval the copy baseline" seq2seq eval rev.safetensors rev.tsv --val 0.1 --baseline copy
copy=$(awk '/exact match/ { print $3 }' out)
check "copying is a worse reverser than the model ($copy < $exact)" \
    'awk -v a="$copy" -v b="$exact" "BEGIN { exit !(a < b) }"'
expect_ok "eval the nearest-neighbour baseline" seq2seq eval rev.safetensors rev.tsv --val 0.1 --baseline nn
printf 'abc\nfed\tignored\ncafe\n' >src.txt
expect_ok "translate greedy" seq2seq translate rev.safetensors --input src.txt
check "translate reverses (cba, def, efac)" '[ "$(tr "\n" " " <out)" = "cba def efac " ]' "$(tr '\n' ' ' <out)"
expect_ok "translate from stdin with beam 4" seq2seq translate rev.safetensors --beam 4 <src.txt
check "beam 4 agrees here" '[ "$(tr "\n" " " <out)" = "cba def efac " ]' "$(tr '\n' ' ' <out)"
expect_ok "translate --sample --count 3" seq2seq translate rev.safetensors --sample \
    --temperature 2 --count 3 --seed 5 --input src.txt
check "three samples per source" '[ "$(wc -l <out)" -eq 9 ]'
cp out s1
r seq2seq translate rev.safetensors --sample --temperature 2 --count 3 --seed 5 --input src.txt
check "sampling is deterministic for a seed" 'cmp -s out s1'
printf 'xyz\n' | "$BIN" seq2seq translate rev.safetensors >out 2>err
check "unknown source characters are read as <unk>, with a note" 'grep -q "unknown to the model" err'

# ---- attention, length penalty, heat map ----
expect_ok "train a reverser with dot attention for 200 steps" seq2seq train rev.tsv \
    --attention dot --model gru --bidirectional --hidden 32 --embed 16 --batch 32 --lr 5e-3 \
    --steps 200 --val 0.1 --save att.safetensors --eval-max 200 --quiet
att_exact=$(awk '/exact match/ { print $3 }' out)
check "the attention reverser is >= 90% exact after 200 steps ($att_exact)" \
    'awk -v e="$att_exact" "BEGIN { exit !(e >= 0.9) }"'
expect_ok "info describes the attention head" info att.safetensors
check "info names the attention kind" 'grep -q "Attention: dot" out' "$(tail -3 out)"
expect_ok "translate with beam 3, length penalty 0.6 and --attention-svg" seq2seq translate \
    att.safetensors --beam 3 --length-penalty 0.6 --attention-svg att.svg --input src.txt
check "the attention model reverses (cba, def, efac)" '[ "$(tr "\n" " " <out)" = "cba def efac " ]' \
    "$(tr '\n' ' ' <out)"
check "the heat map has a cell per source character and output token (3 x 4)" \
    '[ "$(grep -c "<rect x=.*<title>" att.svg)" -eq 12 ]' "$(grep -c '<title>' att.svg)"
expect_ok "eval an attention model with a length penalty" seq2seq eval att.safetensors rev.tsv \
    --val 0.1 --beam 2 --length-penalty 0 --max 50
expect_fail "--attention-svg without attention" 1 "has no attention" seq2seq translate \
    rev.safetensors --attention-svg x.svg --input src.txt
check "no heat map was written" '[ ! -e x.svg ]'
expect_fail "unknown attention kind" 2 "--attention expects none, dot, general or additive" \
    seq2seq train rev.tsv --attention luong
expect_fail "negative length penalty" 2 "length-penalty" seq2seq translate att.safetensors \
    --length-penalty -1 --input src.txt

# ---- resume: 15 + 15 steps equal 30 straight, byte for byte ----
expect_ok "train 30 steps straight" seq2seq train rev.tsv --hidden 16 --embed 8 --steps 30 \
    --batch 16 --dropout 0.1 --save a.safetensors --eval-max 0 --quiet
expect_ok "train 15 steps" seq2seq train rev.tsv --hidden 16 --embed 8 --steps 15 \
    --batch 16 --dropout 0.1 --save b.safetensors --eval-max 0 --quiet
expect_ok "resume to 30 steps" seq2seq train rev.tsv --hidden 16 --embed 8 --steps 30 \
    --batch 16 --dropout 0.1 --save b.safetensors --eval-max 0 --quiet --resume
check "the resumed checkpoint equals the straight one" 'cmp -s a.safetensors b.safetensors'
expect_fail "resume with other settings" 1 "checkpoint" seq2seq train rev.tsv --hidden 16 \
    --embed 8 --steps 40 --batch 8 --save b.safetensors --quiet --resume

# ---- CMUdict: phonemes as space-separated target tokens ----
head -n 400 "$ROOT/data/cmudict-g2p.tsv" >g2p.tsv
expect_ok "train on CMUdict words -> phonemes (tokens)" seq2seq train g2p.tsv \
    --tgt-tokens words --hidden 16 --embed 8 --steps 10 --save g2p.safetensors --quiet
check "phoneme error rate is reported as a token error rate" 'grep -q "token error rate" out' "$(cat out)"
echo AARDVARK | "$BIN" seq2seq translate g2p.safetensors >out 2>err
check "translate prints space-separated phonemes" '[ $? -eq 0 ] && grep -Eq "^[A-Z]+( [A-Z]+)*$" out' "$(cat out err)"

# ---- bad input: one line, non-zero exit, no harm to an existing model ----
cp rev.safetensors keep.safetensors
printf 'abc\tcba\nno tab here\n' >notab.tsv
expect_fail "malformed line (no tab)" 1 "notab.tsv:2: no tab" seq2seq train notab.tsv --save keep.safetensors
printf 'abc\tcba\na\tb\tc\n' >twotabs.tsv
expect_fail "more than one tab" 1 "twotabs.tsv:2: more than one tab" seq2seq train twotabs.tsv
printf 'abc\tcba\nabd\t\n' >emptytgt.tsv
expect_fail "empty target" 1 "emptytgt.tsv:2: empty target" seq2seq train emptytgt.tsv --save keep.safetensors
printf '\tcba\n' >emptysrc.tsv
expect_fail "empty source" 1 "emptysrc.tsv:1: empty source" seq2seq eval rev.safetensors emptysrc.tsv
: >empty.tsv
expect_fail "empty file" 1 "empty" seq2seq train empty.tsv
printf 'ab\xffc\tx\n' >bad.tsv
expect_fail "invalid UTF-8" 1 "bad.tsv:1: invalid UTF-8" seq2seq train bad.tsv
expect_fail "missing data file" 1 "nosuch.tsv" seq2seq train nosuch.tsv
check "a failed run leaves the model file alone" 'cmp -s rev.safetensors keep.safetensors'
printf 'hello world\n' >text.txt
"$BIN" train text.txt --hidden 8 --layers 1 --seq 4 --batch 2 --steps 1 --val 0 --save lm.safetensors --quiet 2>/dev/null
expect_fail "a language model is not a seq2seq model" 1 "not a sequence-to-sequence model" \
    seq2seq eval lm.safetensors rev.tsv
expect_fail "translate with a language model" 1 "not a sequence-to-sequence model" \
    seq2seq translate lm.safetensors --input src.txt
printf '1234\t4321\n5678\t8765\n' >digits.tsv
expect_fail "data that does not match the model" 1 "does not match the model" \
    seq2seq eval rev.safetensors digits.tsv
expect_fail "bad --tgt-tokens" 2 "--tgt-tokens" seq2seq train rev.tsv --tgt-tokens bytes
expect_fail "bad --model" 2 "--model" seq2seq train rev.tsv --model transformer
expect_fail "--baseline nn without --val" 2 "needs --val" seq2seq eval rev.safetensors rev.tsv --baseline nn
expect_fail "unknown --baseline" 2 "--baseline" seq2seq eval rev.safetensors rev.tsv --baseline oracle
expect_fail "--resume without a checkpoint" 1 "does not exist" seq2seq train rev.tsv --save none.safetensors --resume
expect_fail "--val that holds out nothing" 1 "holds out none" seq2seq train digits.tsv --val 0.1
expect_fail "--temperature 0" 2 "temperature" seq2seq translate rev.safetensors --sample --temperature 0
expect_fail "unknown option" 2 "--frobnicate" seq2seq eval rev.safetensors rev.tsv --frobnicate

cli_summary
