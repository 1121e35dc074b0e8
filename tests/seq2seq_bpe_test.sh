#!/usr/bin/env bash
# seq2seq_bpe_test.sh - `recur seq2seq` in subword units (--src-tokens bpe,
# --tgt-tokens bpe) end to end: a model learns a tiny word-for-word
# translation, its byte-pair tables travel in the model file (translate
# needs nothing else, and translates the same after reload as the trainer
# did in memory), a corrupt table is refused with one line, eval scores
# another system's output (--hypotheses) with chrF beside BLEU.
#   bash tests/seq2seq_bpe_test.sh [path/to/recur]      (default build/recur)
# Prints "seq2seq_bpe_test: N passed, N failed".
# shellcheck disable=SC2016
set -u

. "$(dirname "$0")/cli_lib.sh"
cli_setup seq2seq_bpe_test "${1:-}"

# Word for word: 2-4 of eight German words -> their English words.
awk 'BEGIN { srand(11); split("Datei Tabelle Zeile Spalte öffnen löschen neue große", de, " ");
      split("file table row column open delete new big", en, " ");
      for (i = 0; i < 3000; i++) { n = 2 + int(rand() * 3); s = ""; t = "";
        for (j = 0; j < n; j++) { k = 1 + int(rand() * 8); s = s (j ? " " : "") de[k];
          t = t (j ? " " : "") en[k] }
        print s "\t" t } }' >words.tsv

expect_ok "train word-for-word in subwords (bpe both sides, attention)" seq2seq train words.tsv \
    --src-tokens bpe --tgt-tokens bpe --bpe-merges 60 --attention general --model gru \
    --hidden 32 --embed 16 --batch 32 --lr 1e-2 --steps 250 --val 0.1 --save w.safetensors \
    --eval-max 300 --show 300
check "the header names the subword vocabularies" 'grep -q "source bpe" err && grep -q "target bpe" err' "$(grep Data: err)"
exact=$(awk '/exact match/ { print $3 }' out)
check "the subword model is >= 80% exact on held-out pairs ($exact)" \
    'awk -v e="$exact" "BEGIN { exit !(e >= 0.8) }"' "$(cat out)"
check "word error rate and chrF are reported" 'grep -q "word error rate" out && grep -q "chrF" out'
# The trainer's own translations of the held-out sources, in memory ...
sed -n 's/^  \(.*\) -> \(.*\) (reference: .*)$/\1\t\2/p' err >shown.tsv
check "the trainer printed 300 held-out translations" '[ "$(wc -l <shown.tsv)" -eq 300 ]' "$(wc -l <shown.tsv)"
cut -f1 shown.tsv >src.txt
cut -f2 shown.tsv >mem.txt
# ... and the saved model's, loaded fresh.
expect_ok "translate with the saved model" seq2seq translate w.safetensors --input src.txt
check "a saved subword model translates the same after reload" 'cmp -s out mem.txt' \
    "$(diff out mem.txt | head -5)"
printf 'Datei öffnen\n' | "$BIN" seq2seq translate w.safetensors >out 2>err
check "Datei öffnen -> file open" '[ "$(cat out)" = "file open" ]' "$(cat out err)"
printf 'Dätei ÖFFNEN 日本\n' | "$BIN" seq2seq translate w.safetensors >out 2>err
check "unseen characters are bytes, not <unk> (no note)" '[ $? -eq 0 ] && ! grep -q unknown err' "$(cat err)"

# ---- scoring another system's output ----
expect_ok "eval the copy baseline" seq2seq eval w.safetensors words.tsv --val 0.1 --baseline copy
grep -E "BLEU|chrF|error rate" out >copy.txt
expect_ok "eval the model" seq2seq eval w.safetensors words.tsv --val 0.1 --show 300
sed -n 's/^  \(.*\) -> .* (reference: .*)$/\1/p' err >sources.txt
expect_ok "eval --hypotheses (the sources themselves)" seq2seq eval w.safetensors words.tsv \
    --val 0.1 --hypotheses sources.txt
check "--hypotheses of the sources scores as the copy baseline" \
    '[ "$(grep -E "BLEU|chrF|error rate" out)" = "$(cat copy.txt)" ]' "$(cat out copy.txt)"
# chrF against sacreBLEU's documented examples (its README and the
# Hugging Face metric card): 84.64 for this two-sentence corpus, 61.58 for
# one sentence. Any model serves: --hypotheses scores text only.
printf 'x\tThe relationship between dogs and cats is not exactly friendly.\ny\tA good bookshop is just a genteel Black Hole that knows how to read.\n' >chrf.tsv
printf 'The relationship between cats and dogs is not exactly friendly.\na good bookshop is just a genteel black hole that knows how to read.\n' >chrf.txt
expect_ok "eval --hypotheses of sacreBLEU's two-sentence example" seq2seq eval w.safetensors \
    chrf.tsv --hypotheses chrf.txt
check "its chrF is sacreBLEU's 84.64" 'grep -q "chrF (corpus): *84.64$" out' "$(cat out)"
printf 'x\tThe ties between Obama and Netanyahu are not particularly friendly.\n' >chrf1.tsv
printf 'The relationship between Obama and Netanyahu is not exactly friendly.\n' >chrf1.txt
expect_ok "eval --hypotheses of sacreBLEU's one-sentence example" seq2seq eval w.safetensors \
    chrf1.tsv --hypotheses chrf1.txt
check "its chrF is sacreBLEU's 61.58" 'grep -q "chrF (corpus): *61.58$" out' "$(cat out)"
head -n 5 sources.txt >short.txt
expect_fail "--hypotheses with too few lines" 1 "5 lines for 300 pairs" seq2seq eval \
    w.safetensors words.tsv --val 0.1 --hypotheses short.txt
expect_fail "--hypotheses that does not exist" 1 "nosuch.txt" seq2seq eval \
    w.safetensors words.tsv --hypotheses nosuch.txt
expect_fail "--hypotheses with --baseline" 2 "exclude each other" seq2seq eval \
    w.safetensors words.tsv --val 0.1 --hypotheses sources.txt --baseline copy

# ---- a corrupt table: one line, exit 1 ----
cp w.safetensors keep.safetensors
perl -0777 -pe 's/recur-bpe-1 /recur-bpe-7 /' w.safetensors >magic.safetensors
expect_fail "a table with a wrong header is refused" 1 "data.src_bpe.*does not start" \
    seq2seq translate magic.safetensors --input src.txt
perl -0777 -pe 's/(recur-bpe-1 \d+ )(\d+) (\d+) (\d+) (\d+)/$1$4 $5 $2 $3/' w.safetensors >swap.safetensors
check "swapping two merges keeps the file's size" '[ "$(wc -c <swap.safetensors)" -eq "$(wc -c <w.safetensors)" ] && ! cmp -s swap.safetensors w.safetensors'
expect_fail "a table whose tokens are not the model's is refused" 1 "data.src_bpe" \
    seq2seq translate swap.safetensors --input src.txt
perl -0777 -pe 's/(recur-bpe-1 \d+ \d+ )(\d+)/${1}999/' w.safetensors >range.safetensors
expect_fail "a merge of a token that does not exist yet is refused" 1 "not both earlier tokens" \
    seq2seq eval range.safetensors words.tsv --val 0.1
check "the good model file is untouched" 'cmp -s w.safetensors keep.safetensors'

# ---- options ----
expect_fail "--bpe-merges below 0" 2 "bpe-merges" seq2seq train words.tsv --src-tokens bpe --bpe-merges -1
expect_fail "an unknown token mode names bpe" 2 "'chars', 'words' or 'bpe'" seq2seq train \
    words.tsv --src-tokens pieces
expect_ok "--bpe-merges 0: bytes only" seq2seq train words.tsv --tgt-tokens bpe --bpe-merges 0 \
    --hidden 8 --embed 4 --steps 2 --save b.safetensors --eval-max 5 --quiet
expect_ok "translate with a byte-level target" seq2seq translate b.safetensors --input src.txt
check "one output line per source" '[ "$(wc -l <out)" -eq 300 ]'
check "its output is well-formed UTF-8 (stray bytes as U+FFFD)" 'iconv -f UTF-8 -t UTF-8 out >/dev/null'

# ---- the LibreOffice example's quick setting (300 pairs, 3 seconds each) ----
QUICK=1 OUT="$TMP/example" RECUR="$BIN" sh "$ROOT/examples/libreoffice-de-en/run.sh" >example.txt 2>&1
rc=$?
check "examples/libreoffice-de-en/run.sh runs in its quick setting" '[ $rc -eq 0 ]' "$(tail -5 example.txt)"
check "it scores copy, recur without and with attention (BLEU and chrF)" \
    'grep -q "^## baseline: copy" example.txt && grep -q "^## recur, no attention, beam 4" example.txt && grep -q "^## recur + attention, beam 4" example.txt && [ "$(grep -c "chrF (corpus)" example.txt)" -ge 5 ]'
check "and draws a heat map" 'grep -q "<svg" example/attention.svg'
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    att=$(grep -o "attention general; [0-9,]* parameters" example.txt | grep -o "[0-9][0-9,]*")
    pt=$(grep -o "threads: [0-9,]* parameters" example.txt | grep -o "[0-9][0-9,]*")
    check "the PyTorch peer has the recur model's parameter count ($pt = $att) and is scored" \
        '[ -n "$att" ] && [ "$att" = "$pt" ] && grep -q "^## PyTorch + attention" example.txt'
    grep -A5 "^## PyTorch + attention" example.txt | grep -E "BLEU|chrF"
else
    echo "skip - the PyTorch peer (python3-torch is not installed)"
fi

cli_summary
