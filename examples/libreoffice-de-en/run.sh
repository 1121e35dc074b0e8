#!/bin/sh
# German -> English on LibreOffice's interface strings and help (labels and
# short sentences), in subword units: recur with and without attention, the
# copy-the-source baseline, and a PyTorch model of the same architecture on
# the same pairs and subwords (tools/seq2seq_torch.py with Debian's
# python3-torch; skipped without it). The three train at the same time, for
# the same wall-clock time, with the same threads, so that they share
# whatever else the machine is doing; each reports the CPU time it got.
#   examples/libreoffice-de-en/run.sh
# TIME_LIMIT: seconds of training (default 900). QUICK=1: 300 pairs and a
# few seconds, for the test suite (into $OUT, default a temporary folder;
# it checks the pipeline, not the numbers). PIN=1: give each training one
# core of its own (taskset, 1 thread): recur with attention on CPU 0 and
# PyTorch on CPU 1 at the same time, then recur without attention on CPU 0,
# so that the two compared models get exactly the same CPU whatever else
# the machine does (needs 2 cores; twice the wall-clock time).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
if [ -z "${RECUR:-}" ]; then
    make -s -j2 build/recur
    RECUR=build/recur
fi
case $RECUR in /*) ;; *) RECUR=$root/$RECUR ;; esac
py=${PYTHON:-/usr/bin/python3}
train=data/libreoffice-de-en-train.tsv
test=data/libreoffice-de-en-test.tsv
limit=${TIME_LIMIT:-900}
out=$here
if [ -n "${QUICK:-}" ]; then
    out=${OUT:-$(mktemp -d)}
    mkdir -p "$out"
    head -n 300 $train >"$out/train.tsv"
    head -n 40 $test >"$out/test.tsv"
    train=$out/train.tsv
    test=$out/test.tsv
    limit=${TIME_LIMIT:-3}
fi
units="--src-tokens bpe --tgt-tokens bpe --bpe-merges ${MERGES:-2000}"
model="--bidirectional --hidden 128 --embed 128 --dropout 0.2"
threads=2 on0= on1=
if [ -n "${PIN:-}" ]; then
    threads=1 on0="taskset -c 0" on1="taskset -c 1"
fi
fit="--batch 32 --lr 2e-3 --clip 5 --time-limit $limit --seed 1 --threads $threads"
load() { echo "load $(cut -d' ' -f1-3 /proc/loadavg)"; }
# The CPU time a training got in its wall-clock time.
timed() { /usr/bin/time -f "time: %e s wall, %U s user + %S s system CPU" "$@"; }
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores, $(load)"

# The subword tables alone (learning them is deterministic: the same as the
# models'), for the PyTorch peer.
$RECUR seq2seq train $train $units --hidden 8 --embed 4 --steps 1 --val 0 --quiet \
    --save "$out/subwords.safetensors" 2>/dev/null

train_plain() {
    timed $on0 $RECUR seq2seq train $train $units $model $fit --epochs 100000 --val 0 \
        --save "$out/model_plain.safetensors" >"$out/train_plain.log" 2>&1
}
timed $on0 $RECUR seq2seq train $train $units $model --attention general $fit --epochs 100000 \
    --val 0 --save "$out/model_attention.safetensors" >"$out/train_attention.log" 2>&1 &
pa=$!
pp=
if [ -z "${PIN:-}" ]; then
    train_plain &
    pp=$!
fi
pt=
if $py -c 'import torch' 2>/dev/null; then
    timed $on1 $py tools/seq2seq_torch.py --subwords "$out/subwords.safetensors" --train $train \
        --test $test --attention general $model --batch 32 --lr 2e-3 --clip 5 \
        --time-limit $limit --threads $threads --seed 1 --hypotheses "$out/torch_attention.txt" \
        >"$out/train_torch.log" 2>&1 &
    pt=$!
else
    echo "PyTorch skipped: $py cannot import torch (Debian: apt-get install python3-torch)"
fi
wait $pa
[ -z "$pt" ] || wait $pt
if [ -n "$pp" ]; then wait $pp; else train_plain; fi
echo "# trained ($(load))"
for f in attention plain torch; do
    [ -e "$out/train_$f.log" ] || continue
    echo "## training log: $f"
    grep -v '^step ' "$out/train_$f.log" | grep -v '^epoch ' || true
done

score() { # NAME MODEL DATA [EVAL OPTIONS]: the scores on DATA
    name=$1 m=$2 data=$3
    shift 3
    echo "## $name"
    $RECUR seq2seq eval "$m" "$data" "$@" 2>&1
}
score "baseline: copy the German source" "$out/model_attention.safetensors" $test --baseline copy
score "recur, no attention, greedy" "$out/model_plain.safetensors" $test --show 30
score "recur, no attention, beam 4" "$out/model_plain.safetensors" $test --beam 4
score "recur + attention, greedy" "$out/model_attention.safetensors" $test --show 30
score "recur + attention, beam 4" "$out/model_attention.safetensors" $test --beam 4 --show 30
[ -z "$pt" ] || score "PyTorch + attention, greedy" "$out/model_attention.safetensors" $test \
    --hypotheses "$out/torch_attention.txt" --show 30
tail -n 20 $test >"$out/test_last20.tsv"
echo "## recur + attention, beam 4: the last 20 test pairs (help sentences)"
score "" "$out/model_attention.safetensors" "$out/test_last20.tsv" --beam 4 --show 20 | grep ' -> '
printf 'Die Datei wurde nicht gespeichert.\nTabelle einfügen\nWählen Sie eine Farbe aus.\n' |
    $RECUR seq2seq translate "$out/model_attention.safetensors" --beam 4 \
    --attention-svg "$out/attention.svg"
