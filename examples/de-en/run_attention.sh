#!/bin/sh
# German -> English with attention: the run.sh model (bidirectional LSTM,
# 128 units per direction, dropout 0.3, 11 minutes) plus a Luong "general"
# attention head; the same 301 held-out pairs, greedy and beam 4, and the
# attention matrix of "Ich habe Hunger." as a heat map. Writes
# model_attention.safetensors, results_attention.txt and attention.svg here.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
make -s -j2 build/recur
recur=build/recur
data=data/de-en.tsv
{
    echo "# recur seq2seq --attention general on $data ($(date -u '+%Y-%m-%d %H:%M UTC'), load: $(cut -d' ' -f1-3 /proc/loadavg))"
    nice -n 19 $recur seq2seq train $data --bidirectional --model lstm --hidden 128 --dropout 0.3 \
        --embed 64 --batch 32 --lr 3e-3 --epochs 200 --time-limit "${TIME_LIMIT:-660}" \
        --attention general --val 0.05 --seed 1 --show 10 --save "$here/model_attention.safetensors" 2>&1
    nice -n 19 $recur seq2seq eval "$here/model_attention.safetensors" $data --val 0.05 --seed 1 \
        --beam 4 --show 12
    printf 'Ich habe Hunger.\nWo ist der Bahnhof?\nDas ist gut.\n' |
        $recur seq2seq translate "$here/model_attention.safetensors" --beam 4 \
        --attention-svg "$here/attention.svg"
} | tee "$here/results_attention.txt"
