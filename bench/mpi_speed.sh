#!/usr/bin/env bash
# Data-parallel training speed: for each benchmark model (char LM on
# data/austen.txt, batch 64, sequence 100, Adam), tokens/s of one process
# with 2 threads beside 2 MPI ranks with 1 thread each (build/recur-mpi),
# the 2 ranks with and without overlapping the gradient sums with backward
# (RECUR_MPI_OVERLAP=0), and the time per step each rank spends in the sums
# over shared memory (Open MPI's vader) and over TCP loopback. Repetitions
# interleave the configurations; medians are printed.
#   bench/mpi_speed.sh [STEPS [REPS]]      (default 12 steps, 3 repetitions)
# TSV=1: lines "mpi CONFIG IMPL METRIC VALUE" for bench/run.sh (make bench)
# instead of the table, and no bare-allreduce section.
set -eu
cd "$(dirname "$0")/.."
STEPS=${1:-12}
REPS=${2:-3}
# CONFIGS="lstm 128 1;gru 512 1" to choose (cell hidden layers; ...).
IFS=";" read -r -a CONFIGS <<<"${CONFIGS:-lstm 128 1;lstm 256 2;lstm 512 2;gru 512 1}"
make -s -j2 lib cli >/dev/null
mkdir -p build/bench
[ -x build/recur-mpi ] || { echo "bench/mpi_speed.sh: needs build/recur-mpi (Open MPI's mpicc)" >&2; exit 1; }
MPIRUN="mpirun --oversubscribe --allow-run-as-root --bind-to none -np 2"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
if [ "${TSV:-0}" != 1 ]; then
    echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "# $STEPS steps (the first 2 not timed), median of $REPS interleaved runs"
fi
# tokens/s from the --log CSV: tokens and seconds between step 2 and the last.
toks() { awk -F, 'NR == 3 { t0 = $4; k0 = $3 } END { printf "%.0f", ($3 - k0) / ($4 - t0) }' "$1"; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
TSV=${TSV:-0}
[ "$TSV" = 1 ] ||
    printf "%-16s %10s %12s %12s %14s %10s %14s %14s\n" model params "1x2 tok/s" "2x1 tok/s" \
        "2x1 no-overlap" "MB/step" "shm ms/step" "tcp ms/step"
# One 2-rank run: tokens/s into $tok, the ms per step in the sums into
# $sum, the MB summed per step into $mb.
ranks() { # btl overlap
    rm -f "$T/log.csv"
    RECUR_MPI_OVERLAP=$2 OPENBLAS_NUM_THREADS=1 $MPIRUN -x RECUR_MPI_OVERLAP --mca btl "self,$1" \
        ./build/recur-mpi "${args[@]}" --threads 1 >"$T/out" 2>&1
    sum=$(grep -oE 'in [0-9.]+ ms' "$T/out" | grep -oE '[0-9.]+')
    mb=$(grep -oE 'summed [0-9.]+ MB' "$T/out" | grep -oE '[0-9.]+')
    tok=$(toks "$T/log.csv")
}
for cfg in "${CONFIGS[@]}"; do
    set -- $cfg
    args=(train data/austen.txt --model "$1" --hidden "$2" --layers "$3" --batch 64 --seq 100
          --steps "$STEPS" --val 0 --save "$T/m.st" --log "$T/log.csv")
    one="" two="" noov="" shm="" tcp="" mb=""
    for _ in $(seq "$REPS"); do
        rm -f "$T/log.csv"
        OPENBLAS_NUM_THREADS=1 ./build/recur "${args[@]}" --threads 2 --quiet >/dev/null 2>&1
        one="$one $(toks "$T/log.csv")"
        ranks vader 1
        two="$two $tok" shm="$shm $sum"
        ranks vader 0
        noov="$noov $tok"
        ranks tcp 1
        tcp="$tcp $sum"
    done
    params=$(./build/recur info "$T/m.st" 2>/dev/null | grep -m1 -oE 'Total params: [0-9,]+' | grep -oE '[0-9,]+$' || echo '?')
    name="$1 ${3}x$2"
    if [ "$TSV" = 1 ]; then
        printf "mpi\t%s\t%s\t%s\t%s\n" "$name" params count "${params//,/}" \
            "$name" recur-1x2t tok_s "$(echo $one | median)" \
            "$name" recur-2x1r tok_s "$(echo $two | median)" \
            "$name" recur-2x1r-no-overlap tok_s "$(echo $noov | median)" \
            "$name" recur-2x1r mb_step "$mb" \
            "$name" recur-2x1r sum_ms_shm "$(echo $shm | median)" \
            "$name" recur-2x1r sum_ms_tcp "$(echo $tcp | median)"
    else
        printf "%-16s %10s %12s %12s %14s %10s %14s %14s\n" "$name" "$params" \
            "$(echo $one | median)" "$(echo $two | median)" "$(echo $noov | median)" "$mb" \
            "$(echo $shm | median)" "$(echo $tcp | median)"
    fi
done
[ "$TSV" = 1 ] && exit 0
# The bare allreduce, no training around it: each model's gradient bytes
# (4 per parameter: 0.47 MB for LSTM 1x128, 3.3 MB for 2x256, 13 MB for 2x512)
# over shared memory and over TCP loopback.
mpicc -std=c11 -O2 -Wall -Wextra -Werror bench/allreduce_speed.c -o build/bench/allreduce_speed
echo "# bare MPI_Allreduce (median of 41): shared memory (vader), then TCP loopback"
for btl in vader tcp; do
    echo "# btl $btl"
    $MPIRUN --mca btl self,$btl build/bench/allreduce_speed 4 65536 473924 4000000 16000000
done
