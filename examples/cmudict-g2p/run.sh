#!/bin/sh
# Grapheme to phoneme on CMUdict: spelling (characters) -> phonemes (tokens).
# Trains a bidirectional-LSTM encoder-decoder for 11 minutes, then scores the
# 2,000 held-out words (greedy and beam 4) next to a nearest-neighbour
# baseline. Writes model.safetensors and results.txt here.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
make -s -j2 build/recur
recur=build/recur
data=data/cmudict-g2p.tsv
{
    echo "# recur seq2seq on $data ($(date -u '+%Y-%m-%d %H:%M UTC'), load: $(cut -d' ' -f1-3 /proc/loadavg))"
    nice -n 19 $recur seq2seq train $data --tgt-tokens words --bidirectional \
        --model lstm --hidden 128 --embed 64 --batch 64 --lr 3e-3 --epochs 40 \
        --time-limit "${TIME_LIMIT:-660}" --val 0.05 --seed 1 --eval-max 2000 --show 8 \
        --save "$here/model.safetensors" 2>&1
    nice -n 19 $recur seq2seq eval "$here/model.safetensors" $data --val 0.05 --seed 1 --beam 4
    nice -n 19 $recur seq2seq eval "$here/model.safetensors" $data --val 0.05 --seed 1 --baseline nn
    printf 'RECURRENT\nSAFETENSORS\nKERAS\n' | $recur seq2seq translate "$here/model.safetensors" --beam 4
} | tee "$here/results.txt"
