#!/usr/bin/env bash
# The measured run of examples/brown-pos/README.md: part-of-speech tagging of
# the Brown corpus (data/brown_pos.tsv, the full tag set as written, 464 tags),
# every 10th sentence held out (5,351 sentences, 108,144 words), a word
# embedding with signature tokens for words seen fewer than twice, a
# bidirectional LSTM, and the most-frequent-tag baseline on the same split.
#   examples/brown-pos/run.sh [SECONDS]      (training time limit, default 1500)
# The model goes to build/; the held-out scores are printed after every epoch
# and at the end (train), then again by eval with the baseline beside them.
set -eu
cd "$(dirname "$0")/../.."
make -s -j2
limit=${1:-1500}
./build/recur tag train data/brown_pos.tsv --test-every 10 --embed 100 --hidden 128 \
    --dropout 0.2 --lr 0.003 --lr-decay 0.7 --batch 32 --epochs 8 --time-limit "$limit" \
    --threads 2 --save build/brown-pos.safetensors
./build/recur tag eval build/brown-pos.safetensors data/brown_pos.tsv --test-every 10 --baseline
printf 'The\nquixotic\nsenator\nfilibustered\nfor\nhours\n.\n' |
    ./build/recur tag predict build/brown-pos.safetensors
