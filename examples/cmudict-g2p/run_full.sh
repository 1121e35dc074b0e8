#!/bin/sh
# Grapheme to phoneme with attention, trained on the whole dictionary as the
# published systems are: every alphabetic CMUdict word except the 2,000
# held-out words that run.sh and run_attention.sh score (114,506 words,
# data/cmudict-g2p-all.tsv; scripts/make_g2p_split.py), and scored on those
# same 2,000 (data/cmudict-g2p-test.tsv). The run_attention.sh model at 192
# units per direction, trained for 28 minutes on one thread; 1% of the
# training words are held out for the loss per epoch (the test words are
# never seen). Writes model_full.safetensors and results_full.txt here.
# Settings: TIME_LIMIT (1680 s), HIDDEN (192), DROPOUT (0.25), EPOCHS (9),
# LR_DECAY (0.75), THREADS (1), CPU (the core to run on; default any).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
make -s -j2 build/recur
recur=build/recur
pin=
[ -z "${CPU:-}" ] || pin="taskset -c $CPU"
{
    echo "# recur seq2seq --attention general on data/cmudict-g2p-all.tsv, scored on data/cmudict-g2p-test.tsv ($(date -u '+%Y-%m-%d %H:%M UTC'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load: $(cut -d' ' -f1-3 /proc/loadavg))"
    /usr/bin/time -f "time: %e s wall, %U s user CPU" $pin $recur seq2seq train data/cmudict-g2p-all.tsv \
        --tgt-tokens words --bidirectional --attention general --dropout "${DROPOUT:-0.25}" \
        --model lstm --hidden "${HIDDEN:-192}" --embed 64 --batch 64 --lr 3e-3 \
        --lr-decay "${LR_DECAY:-0.75}" --epochs "${EPOCHS:-9}" --threads "${THREADS:-1}" \
        --time-limit "${TIME_LIMIT:-1680}" --val 0.01 --seed 1 --eval-max 0 \
        --save "$here/model_full.safetensors" 2>&1 | tr '\r' '\n' | grep -v '^step '
    $pin $recur seq2seq eval "$here/model_full.safetensors" data/cmudict-g2p-test.tsv --show 8
    $pin $recur seq2seq eval "$here/model_full.safetensors" data/cmudict-g2p-test.tsv --beam 4
    printf 'RECURRENT\nSAFETENSORS\nKERAS\n' | $recur seq2seq translate \
        "$here/model_full.safetensors" --beam 4 --attention-svg "$here/attention_full.svg"
    echo "# done $(date -u '+%H:%M UTC')"
} 2>&1 | tee "$here/results_full.txt"
