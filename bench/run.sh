#!/usr/bin/env bash
# recur against PyTorch on this machine, every number measured in this run:
#   make bench            (7 training steps, 3 rounds; 5 stream repetitions, 5 rounds)
#   make bench QUICK=1    (3 training steps, 1 round; shorter PyTorch streams)
# Writes the raw tab-separated numbers to bench/results/<UTC date-time>.tsv
# (lines "section config impl metric value"; '#' lines: machine and load) and
# prints the tables of bench/report.sh. PyTorch (Debian's python3-torch, run
# with /usr/bin/python3) is optional: without it only recur's numbers appear.
set -eu
cd "$(dirname "$0")/.."
QUICK=${QUICK:-0}
PY=${PYTHON:-/usr/bin/python3}
if [ "$QUICK" = 1 ]; then
    TRAIN_STEPS=3 TRAIN_ROUNDS=1 STREAM_STEPS=48000 STREAM_REPS=3 STREAM_ROUNDS=3 TORCH_STREAM_STEPS=4800 SAMPLE_CHARS=1000 SQUARE=1024
else
    TRAIN_STEPS=7 TRAIN_ROUNDS=3 STREAM_STEPS=48000 STREAM_REPS=5 STREAM_ROUNDS=5 TORCH_STREAM_STEPS=24000 SAMPLE_CHARS=4000 SQUARE=2048
fi
# PyTorch's streaming loops run fewer steps than recur's (their cost per
# step does not depend on the position); every time is scaled to 48,000.
B=64 T=100
TRAIN_CONFIGS=("lstm 128 1" "lstm 512 2" "gru 512 1" "rnn_tanh 512 1" "lstm 256 1 --bidir")
STREAM_HIDDEN="8 16 32 64 128"
# Small models (cell, hidden, layers, batch): 2 threads must never be
# slower than 1 (the threading threshold, src/core/parallel.c).
SMALL_CONFIGS=("lstm 32 1 8" "lstm 32 1 32" "gru 64 1 16" "rnn_tanh 32 1 4" "lstm 32 1 8 --bidir"
               "lstm 128 1 8")

echo "building..." >&2
make -s -j2 lib cli >/dev/null
mkdir -p build/bench bench/results
BLAS=$(pkg-config --libs openblas 2>/dev/null || echo -lopenblas)
CFLAGS="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -Wall -Wextra -Werror"
cc $CFLAGS -Iinclude -Isrc bench/train_speed.c build/librecur.a $BLAS -lm -lpthread -o build/bench/train_speed
cc $CFLAGS -Iinclude bench/stream_speed.c build/librecur.a $BLAS -lm -lpthread -o build/bench/stream_speed
cc $CFLAGS $(pkg-config --cflags openblas 2>/dev/null) \
   bench/sgemm_ceiling.c $BLAS -lm -lpthread -o build/bench/sgemm_ceiling
# recur's kernels per shape against OpenBLAS, and oneDNN's dnnl_sgemm when
# Debian's libdnnl-dev is installed.
DNNL=""
if [ -r /usr/include/oneapi/dnnl/dnnl.h ]; then
    DNNL="-DHAVE_DNNL -ldnnl"
else
    echo "oneDNN not found (Debian: apt-get install libdnnl-dev): no oneDNN column" >&2
fi
cc $CFLAGS -Iinclude -Isrc $(pkg-config --cflags openblas 2>/dev/null) bench/gemm_shapes.c \
   build/librecur.a $BLAS $DNNL -lm -lpthread -o build/bench/gemm_shapes
# The streaming peer: Eigen fixed-size products (what RTNeural's Eigen
# backend runs), when Debian's libeigen3-dev is installed.
have_eigen=0
if [ -r /usr/include/eigen3/Eigen/Dense ] && command -v g++ >/dev/null; then
    g++ -std=c++17 -O3 -march=native -DEIGEN_STACK_ALLOCATION_LIMIT=0 -isystem /usr/include/eigen3 \
        bench/eigen_stream.cpp -o build/bench/eigen_stream && have_eigen=1
else
    echo "Eigen not found (Debian: apt-get install libeigen3-dev): no Eigen column" >&2
fi
# The training peer: oneDNN's RNN primitives, when libdnnl-dev is installed.
have_onednn=0
if [ -n "$DNNL" ] && command -v g++ >/dev/null; then
    g++ -std=c++17 -O2 bench/onednn_rnn.cpp -ldnnl -o build/bench/onednn_rnn && have_onednn=1
fi

have_torch=0
if "$PY" -c "import torch" 2>/dev/null; then
    have_torch=1
else
    echo "PyTorch not found ($PY -c 'import torch' failed; Debian: apt-get install python3-torch):" \
         "measuring recur only" >&2
fi

out=bench/results/$(date -u +%Y%m%d-%H%M%S).tsv
load() { echo "# load $1: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out"; }
{
    echo "# date $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "# cpu $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
    echo "# kernel $(uname -sr)"
    echo "# openblas $(dpkg-query -W -f '${Version}' libopenblas0-pthread 2>/dev/null || echo '?')"
    echo "# recur $(git describe --always --dirty 2>/dev/null || echo '?')"
    echo "# quick $QUICK, training batch $B, sequence $T, $TRAIN_STEPS timed steps"
    if [ $have_torch = 1 ]; then
        echo "# torch $("$PY" -c 'import torch; print(torch.__version__)')"
    else
        echo "# torch not found: recur only"
    fi
} >"$out"
say() { echo "$*" >&2; }
run() { "$@" | tee -a "$out" >/dev/null; }
# The best of each result line over the lines of stdin that share its
# first four fields (rounds of the same measurement; interference only
# costs time): the largest tokens/s, the smallest seconds per 48k steps,
# the first value of every other metric (memory, loss, FLOPs per token,
# vocabulary).
best_of_rounds() {
    awk -F'\t' 'NF == 5 { k = $1 FS $2 FS $3 FS $4
                           if (!(k in v)) { order[++m] = k; v[k] = $5 }
                           else if (($4 == "tok_s" && $5 > v[k]) || ($4 == "s_per_48k" && $5 < v[k])) v[k] = $5 }
        END { for (i = 1; i <= m; i++) printf "%s\t%s\n", order[i], v[order[i]] }'
}

say "sgemm ceiling..."
load ceiling
shapes=""
for cfg in "${TRAIN_CONFIGS[@]}"; do
    set -- $cfg
    G=1
    [ "$1" = lstm ] && G=4
    [ "$1" = gru ] && G=3
    shapes="$shapes $B,$((G * $2)),$2"
done
run build/bench/sgemm_ceiling "$SQUARE" $(echo $shapes | tr ' ' '\n' | sort -u)
say "kernels per shape and peak FLOP/s..."
load gemm
OMP_NUM_THREADS=1 run build/bench/gemm_shapes "$([ "$QUICK" = 1 ] && echo 3 || echo 7)"

for cfg in "${TRAIN_CONFIGS[@]}"; do
    set -- $cfg
    say "training $cfg..."
    load "train $cfg"
    # recur (2 and 1 threads) and oneDNN (2 and 1) take turns, TRAIN_ROUNDS
    # times; each keeps its best tokens/s: this VM's speed drifts by 5–10%
    # within minutes (bench/NOTES.md), and a ratio of two numbers taken
    # minutes apart carried that drift.
    rounds=$(mktemp)
    for r in $(seq "$TRAIN_ROUNDS"); do
        build/bench/train_speed "$1" "$2" "$3" $B $T "$TRAIN_STEPS" --threads 2 ${4:-} >>"$rounds"
        build/bench/train_speed "$1" "$2" "$3" $B $T "$TRAIN_STEPS" --threads 1 ${4:-} >>"$rounds"
        if [ $have_onednn = 1 ]; then
            vocab=$(awk -F'\t' '$3 == "vocab" { v = $5 } END { print v }' "$rounds")
            for th in 2 1; do
                OMP_NUM_THREADS=$th build/bench/onednn_rnn "$1" "$2" "$3" $B $T "$TRAIN_STEPS" "$vocab" ${4:-} >>"$rounds"
            done
        fi
    done
    best_of_rounds <"$rounds" | tee -a "$out" >/dev/null
    rm -f "$rounds"
    if [ $have_torch = 1 ]; then
        run "$PY" bench/torch_train.py "$1" "$2" "$3" $B $T "$TRAIN_STEPS" --threads 2 ${4:-}
    fi
done

say "small models, 2 threads against 1..."
load small
for cfg in "${SMALL_CONFIGS[@]}"; do
    set -- $cfg
    # Steps of 1-5 ms: 60 of them and five rounds even in QUICK, or one
    # slow phase of the VM decides the ratio.
    rounds=$(mktemp)
    for r in 1 2 3 4 5; do
        for th in 1 2; do
            build/bench/train_speed "$1" "$2" "$3" "$4" $T 60 --threads $th ${5:-} |
                awk -F'\t' -v b="$4" '$4 == "tok_s" { print "small\t" $2 " b" b "\t" $3 "\t" $4 "\t" $5 }' >>"$rounds"
        done
    done
    best_of_rounds <"$rounds" | tee -a "$out" >/dev/null
    rm -f "$rounds"
done

for cell in lstm gru; do
    for h in $STREAM_HIDDEN; do
        say "streaming $cell $h..."
        load "stream $cell $h"
        # recur and Eigen take turns, STREAM_ROUNDS processes each, timed by
        # the thread's CPU time (single-threaded at these sizes): at 40–2,500
        # ns a step, one process runs up to 30% slower than the next on this
        # VM, for the whole process (bench/NOTES.md), so each column is its
        # fastest round.
        rounds=$(mktemp)
        for r in $(seq "$STREAM_ROUNDS"); do
            build/bench/stream_speed $cell "$h" "$STREAM_STEPS" "$STREAM_REPS" cpu >>"$rounds"
            if [ $have_eigen = 1 ]; then
                build/bench/eigen_stream $cell "$h" "$STREAM_STEPS" "$STREAM_REPS" cpu >>"$rounds"
            fi
        done
        best_of_rounds <"$rounds" | tee -a "$out" >/dev/null
        rm -f "$rounds"
        if [ $have_torch = 1 ]; then
            for th in 1 2; do
                run "$PY" bench/torch_stream.py $cell "$h" "$TORCH_STREAM_STEPS" 3 --threads $th
            done
        fi
    done
done

say "sampling..."
load sample
model=build/bench/sample-lstm-2x512.safetensors
rm -f "$model"
./build/recur train --model lstm --hidden 512 --layers 2 --batch 4 --seq 16 --steps 1 \
    --val 0 --save "$model" >/dev/null 2>&1
sample_time() { # threads length
    local a b
    a=$(date +%s.%N)
    OPENBLAS_NUM_THREADS=$1 ./build/recur sample "$model" --length "$2" --seed 1 >/dev/null
    b=$(date +%s.%N)
    echo "$a $b" | awk '{ print $2 - $1 }'
}
for th in 2 1; do
    rates=""
    for r in 1 2 3; do
        # Two lengths, so that loading the model does not count.
        short=$(sample_time $th 100)
        long=$(sample_time $th $((100 + SAMPLE_CHARS)))
        rates="$rates $(awk -v s="$short" -v l="$long" -v n="$SAMPLE_CHARS" 'BEGIN { printf "%.0f", n / (l - s) }')"
    done
    median=$(echo $rates | tr ' ' '\n' | sort -n | sed -n 2p)
    printf "sample\tlstm 2x512\trecur-%dt\tchars_s\t%s\n" "$th" "$median" >>"$out"
done
# Data-parallel training (issue 12): tokens/s of one process with 2 threads
# beside 2 MPI ranks with 1 thread each, with and without overlapping the
# sums with backward; skipped without Open MPI (build/recur-mpi, mpirun).
if [ -x build/recur-mpi ] && command -v mpirun >/dev/null; then
    say "data-parallel: 1 process x 2 threads beside 2 MPI ranks x 1 thread..."
    load mpi
    CONFIGS="lstm 128 1;lstm 512 2" TSV=1 run bench/mpi_speed.sh \
        "$([ "$QUICK" = 1 ] && echo 5 || echo 9)" "$([ "$QUICK" = 1 ] && echo 1 || echo 3)"
else
    say "Open MPI not found (build/recur-mpi, mpirun; scripts/install-deps.sh): no MPI section"
fi
load end

bench/report.sh "$out"
say "raw numbers: $out"
