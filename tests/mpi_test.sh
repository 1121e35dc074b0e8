#!/usr/bin/env bash
# mpi_test.sh - data-parallel training across processes with Open MPI
# (build/recur-mpi under mpirun --oversubscribe):
#   - 2 and 3 ranks of batch B/N follow one process of batch B to <= 1e-5
#     relative after 20 steps (stateful LSTM, clipping active), and two
#     3-rank runs write byte-identical files; with and without overlapping
#     the sums with backward (RECUR_MPI_OVERLAP=0);
#   - train --window and classify train (data sets) on 2 ranks = 1 process;
#   - forecast train and seq2seq train on 2 and 3 ranks = 1 process, and
#     a seq2seq checkpoint of 2 ranks resumed on 3;
#   - a checkpoint written by 2 ranks resumes on 1 and on 3 ranks along the
#     one-process curve;
#   - a time limit stops every rank after the same step;
#   - a SIGKILLed rank stops the job within seconds with a non-zero exit,
#     and the last checkpoint is intact and resumable.
# Skipped (with a message) without mpirun or build/recur-mpi.
#   tests/mpi_test.sh [BUILD_DIR]
# Prints "mpi_test: N passed, N failed".
set -u
B=${1:-build}
R=$B/recur
RM=$B/recur-mpi
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   - $1"; }
bad() { failed=$((failed + 1)); echo "FAIL - $1"; }
finish() {
    echo "mpi_test: $passed passed, $failed failed"
    exit $((failed > 0))
}
if ! command -v mpirun >/dev/null 2>&1 || [ ! -x "$RM" ]; then
    echo "mpi_test: skipped: needs mpirun and $RM (apt-get install openmpi-bin" \
         "libopenmpi-dev, or scripts/install-deps.sh; then make)"
    finish
fi
# As root (CI), Open MPI needs --allow-run-as-root; --oversubscribe: more
# ranks than the 2 cores; --bind-to none: ranks not pinned to one core.
MPIRUN="mpirun --oversubscribe --allow-run-as-root --bind-to none"
# One thread per rank: the ranks already fill the cores.
export OPENBLAS_NUM_THREADS=1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
head -c 40000 data/austen.txt >"$T/text.txt"
TRAIN=(train "$T/text.txt" --hidden 32 --layers 2 --batch 6 --seq 16 --val 0
       --clip 0.3 --threads 1 --quiet)

# max |a-b| / max |b| over every tensor value of two model files.
reldiff() {
    paste -d, <("$R" export "$1" --format csv) <("$R" export "$2" --format csv) |
        awk -F, 'NR > 1 { d = $4 - $8; d = d < 0 ? -d : d; b = $8 < 0 ? -$8 : $8;
                          if (d > m) m = d; if (b > s) s = b }
                 END { printf "%.3g\n", (s > 0 ? m / s : 1) }'
}
close_enough() { [ -n "$1" ] && awk -v d="$1" 'BEGIN { exit !(d + 0 <= 1e-5) }'; }
# Two printed tables alike: the same words, numbers within 1e-5 relative
# (the models of 1 and N ranks differ by float rounding, which can flip a
# last printed digit: 204.1812 against 204.1813).
same_table() {
    awk 'function num(v) { return v ~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/ }
         NR == FNR { a[FNR] = $0; n = FNR; next }
         { m = FNR
           if (split(a[FNR], x) != split($0, y)) bad = 1
           for (i in y) if (x[i] != y[i]) {
               if (!num(x[i]) || !num(y[i])) { bad = 1; continue }
               d = x[i] - y[i]; d = d < 0 ? -d : d
               s = x[i] < 0 ? -x[i] : x[i]; s = s > 1 ? s : 1
               if (d > 1e-5 * s) bad = 1
           } }
         END { exit bad || n != m }' "$1" "$2"
}

# ---- exactness ----------------------------------------------------------------
"$R" "${TRAIN[@]}" --steps 20 --save "$T/one.st" >/dev/null 2>&1 ||
    bad "one-process reference run"
for n in 2 3; do
    if $MPIRUN -np $n "$RM" "${TRAIN[@]}" --steps 20 --save "$T/n$n.st" >"$T/out" 2>&1; then
        d=$(reldiff "$T/n$n.st" "$T/one.st")
        if close_enough "$d"; then
            ok "$n ranks of batch 6/$n = one process of 6 after 20 steps (relative $d)"
        else
            bad "$n ranks differ from one process by $d (> 1e-5)"
        fi
    else
        bad "$n-rank run failed: $(tail -n 3 "$T/out")"
    fi
done
if $MPIRUN -np 3 "$RM" "${TRAIN[@]}" --steps 20 --save "$T/n3b.st" >"$T/out" 2>&1 &&
    cmp -s "$T/n3.st" "$T/n3b.st"; then
    ok "two 3-rank runs write byte-identical checkpoints"
else
    bad "two 3-rank runs differ"
fi
# Overlap (each layer's gradients summed by MPI_Iallreduce as backward
# finishes them; the default) against one sum after backward: the same
# bits on 2 ranks (a + b either way); on 3, MPI's non-blocking and blocking
# sums add in their own orders, both within 1e-5 of one process.
for n in 2 3; do
    RECUR_MPI_OVERLAP=0 $MPIRUN -x RECUR_MPI_OVERLAP -np $n "$RM" "${TRAIN[@]}" --steps 20 \
        --save "$T/no$n.st" >"$T/out" 2>&1
    d=$(reldiff "$T/no$n.st" "$T/one.st")
    if [ $n = 2 ] && cmp -s "$T/n2.st" "$T/no2.st"; then
        ok "2 ranks: overlapped sums = one sum after backward, byte for byte"
    elif [ $n = 3 ] && close_enough "$d"; then
        ok "3 ranks without overlap = one process (relative $d)"
    else
        bad "RECUR_MPI_OVERLAP=0 on $n ranks: $(tail -n 2 "$T/out") ${d:-}"
    fi
done
# Each rank keeps only its streams of the corpus, rank 0 the held-out tail
# too: the same losses and validation as one process.
VAL=(train "$T/text.txt" --hidden 32 --batch 6 --seq 16 --val 0.1 --threads 1 --steps 15)
"$R" "${VAL[@]}" --save "$T/v1.st" 2>&1 | grep '^Trained' | sed 's/ in [0-9:]* / /; s/saved .*//' >"$T/v1.out"
$MPIRUN -np 3 "$RM" "${VAL[@]}" --save "$T/v3.st" 2>&1 | grep '^Trained' |
    sed 's/ in [0-9:]* / /; s/saved .*//' >"$T/v3.out"
if [ -s "$T/v1.out" ] && cmp -s "$T/v1.out" "$T/v3.out" && grep -q val_loss "$T/v3.out"; then
    ok "3 ranks, each with its own streams of the corpus: $(cat "$T/v3.out")"
else
    bad "3 ranks with --val: $(cat "$T/v3.out") against $(cat "$T/v1.out")"
fi
# A projected LSTM (each layer's bucket holds its W_hr too), SGD without
# clipping, overlapped on 3 ranks.
PRJ=(train "$T/text.txt" --hidden 32 --proj 16 --layers 2 --batch 6 --seq 16 --val 0
     --optim sgd --lr 0.5 --clip 0 --threads 1 --quiet --steps 12)
"$R" "${PRJ[@]}" --save "$T/p1.st" >/dev/null 2>&1
if $MPIRUN -np 3 "$RM" "${PRJ[@]}" --save "$T/p3.st" >"$T/out" 2>&1 &&
    d=$(reldiff "$T/p3.st" "$T/p1.st") && close_enough "$d"; then
    ok "projected LSTM, SGD, overlapped sums: 3 ranks = one process (relative $d)"
else
    bad "projected LSTM on 3 ranks: $(tail -n 2 "$T/out") ${d:-}"
fi
# The stateless (shuffled windows) path, with SGD.
"$R" "${TRAIN[@]}" --stateless --optim sgd --lr 0.5 --steps 12 --save "$T/sl1.st" \
    >/dev/null 2>&1
if $MPIRUN -np 2 "$RM" "${TRAIN[@]}" --stateless --optim sgd --lr 0.5 --steps 12 \
        --save "$T/sl2.st" >"$T/out" 2>&1 &&
    d=$(reldiff "$T/sl2.st" "$T/sl1.st") && close_enough "$d"; then
    ok "stateless windows with SGD: 2 ranks = one process (relative $d)"
else
    bad "stateless 2-rank run: $(tail -n 2 "$T/out") ${d:-}"
fi

# ---- checkpoints across rank counts ---------------------------------------------
if $MPIRUN -np 2 "$RM" "${TRAIN[@]}" --steps 8 --save "$T/r.st" >"$T/out" 2>&1; then
    cp "$T/r.st" "$T/r3.st"
    "$R" "${TRAIN[@]}" --steps 20 --save "$T/r.st" --resume >/dev/null 2>&1
    d1=$(reldiff "$T/r.st" "$T/one.st")
    $MPIRUN -np 3 "$RM" "${TRAIN[@]}" --steps 20 --save "$T/r3.st" --resume >/dev/null 2>&1
    d3=$(reldiff "$T/r3.st" "$T/one.st")
    if close_enough "$d1" && close_enough "$d3"; then
        ok "8 steps on 2 ranks, resumed to 20 on 1 ($d1) and on 3 ranks ($d3)"
    else
        bad "resumed on another rank count: relative $d1 (1 rank), $d3 (3 ranks)"
    fi
else
    bad "2-rank checkpoint run failed: $(tail -n 3 "$T/out")"
fi
# Only one process at a time is started by this build.
if OMPI_COMM_WORLD_SIZE=2 "$R" "${TRAIN[@]}" --steps 1 --save "$T/x.st" 2>"$T/err"; then
    bad "build/recur accepted a 2-process launch"
elif grep -q "built without MPI" "$T/err" && [ "$(wc -l <"$T/err")" -eq 1 ]; then
    ok "build/recur under a 2-process mpirun says, in one line, to use recur-mpi"
else
    bad "build/recur under mpirun: $(cat "$T/err")"
fi

# A time limit reached on one rank first: all stop after the same step
# (a rank that went on would wait in its sum for ever: timeout 60).
if timeout 60 $MPIRUN -np 2 "$RM" "${TRAIN[@]}" --steps 1000000 --time-limit 1 \
        --save "$T/tl.st" >"$T/out" 2>&1 && "$R" info "$T/tl.st" >/dev/null 2>&1; then
    ok "a time limit stops both ranks after the same step, checkpoint saved"
else
    bad "time limit on 2 ranks: $(tail -n 2 "$T/out")"
fi
# Data sets (shuffled slices of every batch): train --window, 1 vs 2 ranks.
WIN=(train --window 3 --text-string "This is GeeksforGeeks a software training institute"
     --model rnn_relu --hidden 20 --batch 8 --epochs 3 --threads 1 --quiet)
"$R" "${WIN[@]}" --save "$T/w1.st" >/dev/null 2>&1
if $MPIRUN -np 2 "$RM" "${WIN[@]}" --save "$T/w2.st" >"$T/out" 2>&1 &&
    d=$(reldiff "$T/w2.st" "$T/w1.st") && close_enough "$d"; then
    ok "train --window (a data set, 3 epochs): 2 ranks = one process (relative $d)"
else
    bad "train --window on 2 ranks: $(tail -n 2 "$T/out") ${d:-}"
fi
# classify train: labelled texts, 1 vs 2 ranks.
for i in $(seq 60); do
    if [ $((i % 2)) = 0 ]; then printf 'pos\tgood nice fine great %d\n' "$i"
    else printf 'neg\tbad awful poor sad %d\n' "$i"; fi
done >"$T/c.tsv"
CLS=(classify train "$T/c.tsv" --epochs 2 --batch 8 --hidden 8 --threads 1 --quiet)
"$R" "${CLS[@]}" --save "$T/c1.st" >/dev/null 2>&1
if $MPIRUN -np 2 "$RM" "${CLS[@]}" --save "$T/c2.st" >"$T/out" 2>&1 &&
    d=$(reldiff "$T/c2.st" "$T/c1.st") && close_enough "$d"; then
    ok "classify train: 2 ranks = one process (relative $d)"
else
    bad "classify train on 2 ranks: $(tail -n 2 "$T/out") ${d:-}"
fi
# forecast train (a data set of windows; the model saved by rank 0 after
# training) and seq2seq train (its own trainer: encoder, decoder and
# attention summed), 2 and 3 ranks against one process. SGD without
# clipping: a sum of the wrong scale would show (Adam and clipping hide it).
FC=(forecast train data/timeseries/airpassengers_monthly.csv --hidden 8 --epochs 4
    --batch 16 --optim sgd --lr 0.5 --clip 0 --threads 1 --quiet)
"$R" "${FC[@]}" --save "$T/f1.st" >"$T/f1.out" 2>&1
for n in 2 3; do
    if $MPIRUN -np $n "$RM" "${FC[@]}" --save "$T/f$n.st" >"$T/out" 2>&1 &&
        d=$(reldiff "$T/f$n.st" "$T/f1.st") && close_enough "$d" &&
        same_table "$T/out" "$T/f1.out"; then
        ok "forecast train: $n ranks = one process (relative $d), the same table once"
    else
        bad "forecast train on $n ranks: $(tail -n 2 "$T/out") ${d:-}"
    fi
done
# Seq2seq files hold two models: compared by their F32 tensors (python3).
s2s_reldiff() {
    python3 - "$1" "$2" <<'PY'
import json, struct, sys
def f32(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        h = json.loads(f.read(n))
        data = f.read()
    return {k: struct.unpack("<%df" % ((v["data_offsets"][1] - v["data_offsets"][0]) // 4),
                             data[v["data_offsets"][0]:v["data_offsets"][1]])
            for k, v in h.items() if k != "__metadata__" and v["dtype"] == "F32"}
x, y = f32(sys.argv[1]), f32(sys.argv[2])
if set(x) != set(y) or not y:
    print(1)
else:
    m = max(abs(a - b) for k in y for a, b in zip(x[k], y[k]))
    s = max(abs(b) for k in y for b in y[k])
    print("%.3g" % (m / s if s > 0 else 1))
PY
}
if command -v python3 >/dev/null 2>&1; then
    head -n 300 data/cmudict-g2p.tsv >"$T/g2p.tsv"
    S2S=(seq2seq train "$T/g2p.tsv" --tgt-tokens words --hidden 16 --embed 8 --batch 12
         --steps 30 --val 0.1 --eval-max 0 --optim sgd --lr 1 --clip 0 --attention general
         --threads 1 --quiet)
    "$R" "${S2S[@]}" --save "$T/s1.st" >/dev/null 2>&1
    for n in 2 3; do
        if $MPIRUN -np $n "$RM" "${S2S[@]}" --save "$T/s$n.st" >"$T/out" 2>&1 &&
            d=$(s2s_reldiff "$T/s$n.st" "$T/s1.st") && close_enough "$d"; then
            ok "seq2seq train (attention, 30 steps): $n ranks = one process (relative $d)"
        else
            bad "seq2seq train on $n ranks: $(tail -n 2 "$T/out") ${d:-}"
        fi
    done
    $MPIRUN -np 3 "$RM" "${S2S[@]}" --save "$T/s3b.st" >/dev/null 2>&1
    if cmp -s "$T/s3.st" "$T/s3b.st"; then
        ok "two 3-rank seq2seq runs write byte-identical checkpoints"
    else
        bad "two 3-rank seq2seq runs differ"
    fi
    # 12 steps on 2 ranks, resumed to 30 on 3.
    $MPIRUN -np 2 "$RM" "${S2S[@]/30/12}" --save "$T/sr.st" >/dev/null 2>&1
    if $MPIRUN -np 3 "$RM" "${S2S[@]}" --save "$T/sr.st" --resume >"$T/out" 2>&1 &&
        d=$(s2s_reldiff "$T/sr.st" "$T/s1.st") && close_enough "$d"; then
        ok "seq2seq: 12 steps on 2 ranks resumed to 30 on 3 (relative $d)"
    else
        bad "seq2seq resumed on 3 ranks: $(tail -n 2 "$T/out") ${d:-}"
    fi
else
    echo "skip - seq2seq over MPI: compares the files with python3, which is absent"
fi
# Commands that do not train refuse a multi-process launch.
for cmd in "info $T/one.st" "forecast predict $T/f1.st data/timeseries/airpassengers_monthly.csv"; do
    # shellcheck disable=SC2086
    if $MPIRUN -np 2 "$RM" $cmd >"$T/out" 2>&1; then
        bad "${cmd%% /*} ran on 2 ranks"
    elif grep -q "does not run on several processes" "$T/out"; then
        ok "${cmd%% /*} under a 2-rank mpirun is refused in one line per rank"
    else
        bad "${cmd%% /*} under mpirun: $(cat "$T/out")"
    fi
done

# ---- a killed rank ----------------------------------------------------------------
$MPIRUN -np 2 "$RM" "${TRAIN[@]}" --steps 1000000 --checkpoint-every 10 \
    --save "$T/k.st" >"$T/kout" 2>&1 &
job=$!
for _ in $(seq 100); do [ -f "$T/k.st" ] && break; sleep 0.1; done
ranks=($(pgrep -P "$job" 2>/dev/null))
if [ ! -f "$T/k.st" ] || [ "${#ranks[@]}" -lt 2 ]; then
    bad "the 2-rank run to kill did not start (ranks: ${ranks[*]:-none})"
    kill "$job" 2>/dev/null
    wait "$job" 2>/dev/null
else
    t0=$(date +%s%N)
    kill -KILL "${ranks[1]}"
    wait "$job"
    rc=$?
    ms=$((($(date +%s%N) - t0) / 1000000))
    if [ "$rc" -ne 0 ] && [ "$ms" -lt 10000 ] && grep -q "exited on signal 9" "$T/kout"; then
        ok "a SIGKILLed rank stops the job in $ms ms (exit $rc): $(grep 'exited on signal 9' "$T/kout")"
    else
        bad "after a SIGKILL: exit $rc after $ms ms: $(cat "$T/kout")"
    fi
    step=$("$R" info "$T/k.st" 2>/dev/null | grep -oE 'train\.step[^0-9]*[0-9]+' | grep -oE '[0-9]+$')
    if "$R" "${TRAIN[@]}" --steps $((${step:-0} + 2)) --save "$T/k.st" --resume \
            >"$T/out" 2>&1 && [ -n "$step" ]; then
        ok "the last checkpoint (step $step) is intact and resumes"
    else
        bad "the checkpoint after the kill does not resume (step '${step:-}'): $(tail -n 2 "$T/out")"
    fi
fi
finish
