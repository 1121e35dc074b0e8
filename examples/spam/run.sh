#!/usr/bin/env bash
# The measured runs of examples/spam/README.md: ham or spam for 6,046
# SpamAssassin e-mails (subject and plain-text body), every 5th e-mail of
# each label held out. The e-mails are raw text (--raw: a backslash is a
# backslash) and one holds a NUL byte (--skip-bad-lines skips it and says
# so). Both naive Bayes baselines, then a bidirectional GRU over word
# embeddings (the first 300 words of each e-mail) with three seeds.
#   examples/spam/run.sh            (about 6 minutes on 2 busy cores)
#   QUICK=1 examples/spam/run.sh    (seconds: 400 e-mails, a tiny network;
#                                     the test suite runs this)
set -eu
cd "$(dirname "$0")/../.."
# RECUR and OUT (the test suite's): the recur binary, the output folder.
R=${RECUR:-./build/recur}
[ -n "${RECUR:-}" ] || make -s -j2
if [ "${QUICK:-0}" = 1 ]; then
    out=${OUT:-build/spam-quick}
    examples/spam/split.sh "$out/all"
    awk "NR % 12 == 0" "$out/all/train.tsv" >"$out/train.tsv"
    awk "NR % 10 == 0" "$out/all/test.tsv" >"$out/test.tsv"
    net=(--embed 8 --hidden 8 --epochs 1 --max-len 50 --time-limit 20)
    seeds=1
else
    out=${OUT:-build/spam}
    examples/spam/split.sh "$out"
    net=(--embed 64 --hidden 64 --epochs 4 --max-len 300 --time-limit 300)
    seeds="1 2 3"
fi
$R classify baseline "$out/train.tsv" --test "$out/test.tsv" --raw --skip-bad-lines
for seed in $seeds; do
    $R classify train "$out/train.tsv" --test "$out/test.tsv" --raw --skip-bad-lines \
        --tokens word --cell gru --bidirectional --readout mean --dropout 0.3 \
        "${net[@]}" --seed "$seed" --save "$out/bigru-seed$seed.safetensors" \
        --log "$out/bigru-seed$seed.csv" --quiet
done
