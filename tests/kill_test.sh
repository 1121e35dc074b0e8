#!/usr/bin/env bash
# kill_test.sh - checkpoints survive SIGKILL at any moment.
#   bash tests/kill_test.sh [path/to/recur]      (default build/recur)
# Trains a tiny model with a checkpoint after every step and kills it with
# SIGKILL at 20 pseudo-random moments (seeded: KILL_SEED, default 42); each
# run after the first resumes from the checkpoint. After every kill the
# checkpoint must exist (once the first one was written), load (`recur
# info`), never go back in steps, and the temporary files of killed writers
# must not pile up (a later successful save removes them). At the end a run
# resumes to a final step without being killed, and its checkpoint must be
# byte-identical to that of one uninterrupted run to the same step: the
# kills lost nothing. Prints "kill_test: N passed, N failed".
# shellcheck disable=SC2016
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/build/recur}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
[ -x "$BIN" ] || { echo "kill_test: $BIN is not an executable" >&2; exit 2; }
T=$(mktemp -d "${TMPDIR:-/tmp}/recur_kill_test.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
cd "$T" || exit 2
export OPENBLAS_NUM_THREADS=1
RANDOM=${KILL_SEED:-42}
KILLS=20

PASS=0
FAIL=0
ok() { echo "ok   - $1"; PASS=$((PASS + 1)); }
bad() { echo "FAIL - $1${2:+ ($2)}"; FAIL=$((FAIL + 1)); }

head -c 20000 "$ROOT/data/austen.txt" >small.txt
ARGS=(small.txt --hidden 16 --layers 1 --seq 16 --batch 4 --val 0 --threads 1 --quiet
      --save ck.safetensors --checkpoint-every 1)

# The step recorded in the checkpoint, or "" if it does not load.
ckpt_step() {
    "$BIN" info ck.safetensors 2>/dev/null | sed -n 's/^  train\.step = "\([0-9]*\)"$/\1/p'
}
temps() { find . -maxdepth 1 -name 'ck.safetensors.tmp.*' | wc -l; }

last=0
since_advance=0
missing=0
unloadable=0
backwards=0
piled=0
max_temps=0
for i in $(seq "$KILLS"); do
    resume=()
    [ -e ck.safetensors ] && resume=(--resume)
    "$BIN" train "${ARGS[@]}" --steps 1000000 "${resume[@]}" >/dev/null 2>run.err &
    pid=$!
    delay=$(printf '0.%03d' $((50 + RANDOM % 450)))
    sleep "$delay"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if [ ! -e ck.safetensors ]; then
        # Only a first run killed before its first save may leave none.
        [ "$last" -gt 0 ] && missing=$((missing + 1))
        echo "   kill $i after ${delay}s: no checkpoint yet"
        continue
    fi
    step=$(ckpt_step)
    n=$(temps)
    [ "$n" -gt "$max_temps" ] && max_temps=$n
    if [ -z "$step" ]; then
        unloadable=$((unloadable + 1))
        echo "   kill $i after ${delay}s: the checkpoint does not load"
        continue
    fi
    if [ "$step" -lt "$last" ]; then
        backwards=$((backwards + 1))
    elif [ "$step" -gt "$last" ]; then
        since_advance=0
    else
        since_advance=$((since_advance + 1))
    fi
    # A run that saved removed the temporaries of the runs killed before it:
    # at most its own, plus one per later run that never saved.
    [ "$n" -gt $((since_advance + 1)) ] && piled=$((piled + 1))
    echo "   kill $i after ${delay}s: checkpoint at step $step, $n temporary file(s)"
    last=$step
done

check() { if eval "$2"; then ok "$1"; else bad "$1" "${3:-}"; fi; }
check "the checkpoint exists after every kill (once written)" '[ "$missing" -eq 0 ] && [ "$last" -gt 0 ]' "missing $missing times, last step $last"
check "the checkpoint loads after every kill" '[ "$unloadable" -eq 0 ]' "$unloadable failures"
check "the checkpoint never goes back in steps" '[ "$backwards" -eq 0 ]'
check "temporary files of killed writers do not pile up" '[ "$piled" -eq 0 ]' "$piled times; at most $max_temps"

final=$((last + 5))
"$BIN" train "${ARGS[@]}" --steps "$final" --resume >/dev/null 2>run.err
rc=$?
check "resume after the last kill trains to step $final" '[ "$rc" -eq 0 ] && [ "$(ckpt_step)" = "$final" ]' "exit $rc: $(cat run.err)"
check "no temporary files are left after a clean run" '[ "$(temps)" -eq 0 ]' "$(ls)"
"$BIN" train "${ARGS[@]/ck.safetensors/straight.safetensors}" --steps "$final" >/dev/null 2>run.err
check "the killed and resumed run equals an uninterrupted one (byte-identical)" 'cmp -s ck.safetensors straight.safetensors' "$(cat run.err)"

echo "kill_test: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
