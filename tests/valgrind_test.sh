#!/usr/bin/env bash
# valgrind_test.sh - the CLI's main paths under valgrind's memcheck: no
# invalid read or write, no use of uninitialised values, no leak.
#   bash tests/valgrind_test.sh [path/to/recur]      (default build/recur)
# A tiny model on a tiny corpus: train (one and two threads, then a resume),
# sample, eval, info, and error paths (a missing text, a bad option, a
# truncated model). Each case must keep its usual exit status; valgrind's
# own status 99 means it found an error. Skipped (0 passed, 0 failed) when
# valgrind is not installed. Prints "valgrind_test: N passed, N failed".
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/build/recur}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
[ -x "$BIN" ] || { echo "valgrind_test: $BIN is not an executable" >&2; exit 2; }
if ! command -v valgrind >/dev/null; then
    echo "valgrind_test: valgrind is not installed (scripts/install-deps.sh); skipped"
    echo "valgrind_test: 0 passed, 0 failed"
    exit 0
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/recur_valgrind_test.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
cd "$T" || exit 2
export OPENBLAS_NUM_THREADS=1

PASS=0
FAIL=0
# vg NAME EXPECTED_STATUS ARGS...: recur ARGS under memcheck
vg() {
    local name=$1 want=$2
    shift 2
    valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
        --error-exitcode=99 --log-file=vg.log "$BIN" "$@" >out 2>err
    local rc=$?
    if [ "$rc" -eq "$want" ] && [ ! -s vg.log ]; then
        echo "ok   - $name"
        PASS=$((PASS + 1))
    else
        echo "FAIL - $name (exit $rc, expected $want)"
        head -n 30 vg.log err
        FAIL=$((FAIL + 1))
    fi
}

for _ in 1 2 3 4 5 6 7 8; do printf 'the cat sat on the mat.\nthe dog ate the hat!\n'; done >c.txt
TINY=(c.txt --hidden 8 --layers 2 --seq 8 --batch 2 --val 0.1 --quiet)
vg "train an LSTM, 1 thread" 0 train "${TINY[@]}" --steps 3 --threads 1 --save m.st
vg "train a GRU with embedding and dropout, 2 threads" 0 train "${TINY[@]}" --model gru \
    --embed 4 --dropout 0.2 --stateless --steps 2 --threads 2 --save g.st --sample 10
vg "train --resume" 0 train "${TINY[@]}" --steps 5 --threads 1 --save m.st --resume
vg "sample" 0 sample m.st --prime "the " --length 40 --top-k 3
vg "eval" 0 eval m.st c.txt --seq 8 --batch 2
vg "info" 0 info m.st
vg "error: missing text" 1 train missing.txt --save x.st
vg "error: bad option value" 2 sample m.st --temperature nan
head -c 200 m.st >trunc.st
vg "error: truncated model" 1 info trunc.st

echo "valgrind_test: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
