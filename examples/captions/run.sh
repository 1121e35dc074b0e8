#!/usr/bin/env bash
# The measured run of examples/captions/README.md: image captioning (one to
# many) on 2,465 OpenMoji emoji (data/openmoji_32x32.tsv, 32x32 grey), 10%
# held out by --seed 1. The pixels set the initial state of a GRU decoder
# through a dense layer; the decoder writes the emoji's name word by word. Training prints the held-out scores beside the nearest-image and
# most-frequent-caption baselines; eval repeats them with beam search and
# draws eight held-out images with their captions as SVG.
#   examples/captions/run.sh [--quick]
# --quick (or QUICK=1): the first 300 images and a tiny model (seconds; the
# test suite runs it). RECUR=path/to/recur uses that binary instead of building;
# OUT=DIR puts the model and the SVGs there (default build/captions).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
recur=${RECUR:-}
if [ -z "$recur" ]; then
    make -s -j2 -C "$root"
    recur=$root/build/recur
fi
out=${OUT:-$root/build/captions}
mkdir -p "$out/svg"
data=$root/data/openmoji_32x32.tsv
settings=(--tokens words --hidden 512 --embed 32 --dropout 0.5 --lr 0.002 --batch 32 --epochs 20)
if [ "${1:-}" = --quick ] || [ -n "${QUICK:-}" ]; then
    head -n 301 "$data" >"$out/quick.tsv"
    data=$out/quick.tsv
    settings=(--tokens words --hidden 32 --embed 8 --dropout 0 --lr 0.005 --batch 16 --epochs 3
        --quiet)
fi
"$recur" caption train "$data" --val 0.1 --seed 1 "${settings[@]}" --threads 2 \
    --save "$out/caption.safetensors"
"$recur" caption eval "$out/caption.safetensors" "$data" --val 0.1 --seed 1 --beam 3 \
    --show 8 --svg-dir "$out/svg"
