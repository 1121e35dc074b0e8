#!/usr/bin/env bash
# Training throughput of recur vs PyTorch on this machine, measured in one run.
#   bench/run.sh [STEPS]      (needs `make`; PyTorch optional: python3-torch)
# Prints a table of tokens/s and the ratio recur/PyTorch, and writes the raw
# lines to bench/results.txt.
set -eu
cd "$(dirname "$0")/.."
STEPS=${1:-10}
make -s -j2 lib >/dev/null
cc -O2 -Iinclude bench/train_speed.c build/librecur.a \
   $(pkg-config --libs openblas 2>/dev/null || echo -lopenblas) -lm -lpthread -o build/train_speed
have_torch=0
/usr/bin/python3 -c "import torch" 2>/dev/null && have_torch=1
[ $have_torch = 1 ] || echo "PyTorch not installed (apt-get install python3-torch): recur only"
out=bench/results.txt
{ date -u; uname -m; grep -m1 "model name" /proc/cpuinfo; nproc; } > "$out"
printf "%-22s %12s %12s %8s\n" config "recur tok/s" "torch tok/s" ratio
for cfg in "lstm 128 1 64 100" "lstm 256 2 64 100" "lstm 512 2 64 100" "gru 512 1 64 100" "rnn_tanh 512 1 64 100"; do
    set -- $cfg
    r=$(./build/train_speed "$@" "$STEPS" | tee -a "$out" | sed -E 's/.*median ([0-9]+) tok.*/\1/')
    t=-
    if [ $have_torch = 1 ]; then
        t=$(/usr/bin/python3 bench/torch_train.py "$@" "$STEPS" | tee -a "$out" | sed -E 's/.*median ([0-9]+) tok.*/\1/')
    fi
    ratio=-
    [ "$t" != - ] && ratio=$(awk -v a="$r" -v b="$t" 'BEGIN { printf "%.2fx", a / b }')
    printf "%-22s %12s %12s %8s\n" "$1 ${3}x$2 B=$4 T=$5" "$r" "$t" "$ratio"
done
