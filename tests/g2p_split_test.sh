#!/usr/bin/env bash
# g2p_split_test.sh - the whole-dictionary G2P data keeps its promise
# (examples/cmudict-g2p/run_full.sh): data/cmudict-g2p-test.tsv holds
# exactly the 2,000 words that `recur seq2seq train data/cmudict-g2p.tsv
# --val 0.05 --seed 1` holds out (the words every G2P example scores), with
# the same pronunciations, and none of them is in data/cmudict-g2p-all.tsv.
# A change to how recur splits pairs, or to either file, fails here.
#   bash tests/g2p_split_test.sh [path/to/recur]      (default build/recur)
# Prints "g2p_split_test: N passed, N failed".
set -u

. "$(dirname "$0")/cli_lib.sh"
cli_setup g2p_split_test "${1:-}"

d=$ROOT/data
expect_ok "a one-step model on the 40k words (for its split)" seq2seq train "$d/cmudict-g2p.tsv" \
    --tgt-tokens words --hidden 4 --embed 4 --steps 1 --val 0.05 --seed 1 --eval-max 0 \
    --quiet --save split.safetensors
expect_ok "list the held-out words" seq2seq eval split.safetensors "$d/cmudict-g2p.tsv" \
    --val 0.05 --seed 1 --show 2000 --max-len 1
grep ' -> ' err | awk '{ print $1 }' | sort >held.txt
check "2,000 held-out words listed" '[ "$(wc -l <held.txt)" -eq 2000 ]' "$(wc -l <held.txt)"
cut -f1 "$d/cmudict-g2p-test.tsv" | sort >test.txt
check "cmudict-g2p-test.tsv is exactly those words" 'cmp -s held.txt test.txt' \
    "$(diff held.txt test.txt | head -3)"
sort "$d/cmudict-g2p-test.tsv" | join -t $'\t' - <(sort "$d/cmudict-g2p.tsv") >joined.txt
check "with the 40k file's pronunciations" \
    '[ "$(wc -l <joined.txt)" -eq 2000 ] && [ -z "$(awk -F "\t" "\$2 != \$3" joined.txt)" ]' \
    "$(wc -l <joined.txt) joined; $(awk -F '\t' '$2 != $3' joined.txt | head -2)"
check "no test word is a training word of cmudict-g2p-all.tsv" \
    '[ -z "$(cut -f1 "$d/cmudict-g2p-all.tsv" | sort | comm -12 - test.txt)" ]'
check "cmudict-g2p-all.tsv has the other 114,506 words" \
    '[ "$(wc -l <"$d/cmudict-g2p-all.tsv")" -eq 114506 ]'
cli_summary
