#!/bin/sh
# Grapheme to phoneme on CMUdict with attention: the run.sh model (a
# bidirectional-LSTM encoder-decoder, 128 units per direction, 64-wide
# embeddings) plus a Luong "general" attention head, dropout 0.25 and a
# learning rate decaying by 0.8 per epoch, trained for 20 minutes; then the
# same 2,000 held-out words, greedy and beam 4, and one word's attention
# matrix as a heat map. Writes model_attention.safetensors,
# results_attention.txt and attention.svg here. TIME_LIMIT=60 for a quick try.
# Other settings for the record: LR_DECAY (default 0.8), NICE (default 19),
# TAG (a suffix for the three file names, e.g. _30min), HIDDEN (128),
# DROPOUT (0.25), EPOCHS (40), THREADS (2).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
make -s -j2 build/recur
recur=build/recur
data=data/cmudict-g2p.tsv
{
    echo "# recur seq2seq --attention general on $data ($(date -u '+%Y-%m-%d %H:%M UTC'), load: $(cut -d' ' -f1-3 /proc/loadavg), CPUs allowed: $(taskset -pc $$ 2>/dev/null | sed 's/.*: //'))"
    nice -n "${NICE:-19}" $recur seq2seq train $data --tgt-tokens words --bidirectional \
        --attention general --dropout "${DROPOUT:-0.25}" --lr-decay "${LR_DECAY:-0.8}" \
        --model lstm --hidden "${HIDDEN:-128}" --embed 64 --batch 64 --lr 3e-3 \
        --epochs "${EPOCHS:-40}" --threads "${THREADS:-2}" \
        --time-limit "${TIME_LIMIT:-1200}" --val 0.05 --seed 1 --eval-max 2000 --show 8 \
        --save "$here/model_attention${TAG:-}.safetensors" 2>&1
    nice -n "${NICE:-19}" $recur seq2seq eval "$here/model_attention${TAG:-}.safetensors" $data \
        --val 0.05 --seed 1 --beam 4
    printf 'RECURRENT\nSAFETENSORS\nKERAS\n' | $recur seq2seq translate \
        "$here/model_attention${TAG:-}.safetensors" --beam 4 --attention-svg "$here/attention${TAG:-}.svg"
} | tee "$here/results_attention${TAG:-}.txt"
