#!/bin/sh
# German -> English, character level, on the bundled short sentence pairs.
# Trains a bidirectional-LSTM encoder-decoder for 11 minutes, then scores
# the 302 held-out pairs (BLEU-4, character error rate, exact match) with
# greedy and beam-4 decoding next to the copy-the-source baseline.
# Writes model.safetensors and results.txt here.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
make -s -j2 build/recur
recur=build/recur
data=data/de-en.tsv
{
    echo "# recur seq2seq on $data ($(date -u '+%Y-%m-%d %H:%M UTC'), load: $(cut -d' ' -f1-3 /proc/loadavg))"
    nice -n 19 $recur seq2seq train $data --bidirectional --model lstm --hidden 128 --dropout 0.3 \
        --embed 64 --batch 32 --lr 3e-3 --epochs 200 --time-limit "${TIME_LIMIT:-660}" \
        --val 0.05 --seed 1 --show 10 --save "$here/model.safetensors" 2>&1
    nice -n 19 $recur seq2seq eval "$here/model.safetensors" $data --val 0.05 --seed 1 --beam 4
    nice -n 19 $recur seq2seq eval "$here/model.safetensors" $data --val 0.05 --seed 1 --baseline copy
    printf 'Ich habe Hunger.\nWo ist der Bahnhof?\nDas ist gut.\n' |
        $recur seq2seq translate "$here/model.safetensors" --beam 4
} | tee "$here/results.txt"
