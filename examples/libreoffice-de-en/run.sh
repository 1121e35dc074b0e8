#!/bin/sh
# German -> English on LibreOffice's interface strings and help (short
# sentences and labels), in subword units: recur with and without attention,
# the copy-the-source baseline, and a PyTorch model of the same architecture
# trained for the same wall-clock time on the same pairs and subwords
# (tools/seq2seq_torch.py, Debian's python3-torch, skipped without it).
#   examples/libreoffice-de-en/run.sh [attention|plain|torch|all]   (default all)
# TIME_LIMIT (seconds of training per model, default 420); QUICK=1: a few
# hundred pairs and seconds, for the test suite (writes to $OUT, default a
# temporary folder, and checks the pipeline, not the numbers).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
if [ -z "${RECUR:-}" ]; then
    make -s -j2 build/recur
    RECUR=build/recur
fi
step=${1:-all}
train=data/libreoffice-de-en-train.tsv
test=data/libreoffice-de-en-test.tsv
limit=${TIME_LIMIT:-420}
out=$here
if [ -n "${QUICK:-}" ]; then
    out=${OUT:-$(mktemp -d)}
    head -n 300 $train >"$out/train.tsv"
    head -n 40 $test >"$out/test.tsv"
    train=$out/train.tsv
    test=$out/test.tsv
    limit=${TIME_LIMIT:-3}
fi
model="--src-tokens bpe --tgt-tokens bpe --bpe-merges ${MERGES:-2000} --bidirectional --hidden 128 --embed 128 --dropout 0.2"
fit="--batch 32 --lr 2e-3 --clip 5 --epochs 1000 --time-limit $limit --val 0 --seed 1 --threads 2"
load() { echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"; }
# The CPU time a training got in its wall-clock time (the machine is shared).
timed() { /usr/bin/time -f "time: %e s wall, %U s user + %S s system CPU" "$@"; }

score() { # MODEL NAME [EVAL OPTIONS]: score on the test split
    m=$1 name=$2
    shift 2
    echo "## $name ($(load))"
    nice -n 19 $RECUR seq2seq eval "$m" $test "$@" 2>&1
}

if [ "$step" = attention ] || [ "$step" = all ]; then
    {
        echo "# recur seq2seq, subwords, attention general, $train ($(date -u '+%Y-%m-%d %H:%M UTC'), $(load))"
        timed nice -n 19 $RECUR seq2seq train $train $model --attention general $fit \
            --save "$out/model_attention.safetensors" 2>&1
        score "$out/model_attention.safetensors" "recur + attention, greedy" --show 25
        score "$out/model_attention.safetensors" "recur + attention, beam 4" --beam 4
        score "$out/model_attention.safetensors" "baseline: copy the source" --baseline copy
        printf 'Die Datei wurde nicht gespeichert.\nTabelle einfügen\nWählen Sie eine Farbe aus.\n' |
            $RECUR seq2seq translate "$out/model_attention.safetensors" --beam 4 \
            --attention-svg "$out/attention.svg"
    } | tee "$out/results_attention.txt"
fi
if [ "$step" = plain ] || [ "$step" = all ]; then
    {
        echo "# recur seq2seq, subwords, no attention, $train ($(date -u '+%Y-%m-%d %H:%M UTC'), $(load))"
        timed nice -n 19 $RECUR seq2seq train $train $model $fit --save "$out/model_plain.safetensors" 2>&1
        score "$out/model_plain.safetensors" "recur, no attention, greedy" --show 25
        score "$out/model_plain.safetensors" "recur, no attention, beam 4" --beam 4
    } | tee "$out/results_plain.txt"
fi
if [ "$step" = torch ] || [ "$step" = all ]; then
    py=${PYTHON:-/usr/bin/python3}
    if ! $py -c 'import torch' 2>/dev/null; then
        echo "torch step skipped: $py cannot import torch (Debian: apt-get install python3-torch)"
        exit 0
    fi
    {
        echo "# PyTorch $($py -c 'import torch; print(torch.__version__)'), the same model, subwords and time ($(date -u '+%Y-%m-%d %H:%M UTC'), $(load))"
        timed nice -n 19 $py tools/seq2seq_torch.py --subwords "$out/model_attention.safetensors" \
            --train $train --test $test --attention general --bidirectional --hidden 128 \
            --embed 128 --dropout 0.2 --batch 32 --lr 2e-3 --clip 5 --time-limit $limit \
            --threads 2 --seed 1 --hypotheses "$out/torch_attention.txt" 2>&1
        score "$out/model_attention.safetensors" "PyTorch + attention, greedy" \
            --hypotheses "$out/torch_attention.txt" --show 25
    } | tee "$out/results_torch.txt"
fi
