#!/usr/bin/env bash
# Build and run the whole test suite twice: a normal optimised build
# (warnings are errors), then AddressSanitizer + UndefinedBehaviorSanitizer.
# Ends with one line "N passed, N failed" summing every test program.
set -u
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
FUZZ_TARGETS="json model text args tsv series pairs onnx conll bpe"
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Run one test program; add its "N passed, N failed" line to the totals.
run() {
    local name=$1
    shift
    echo "== $name"
    "$@" >"$log" 2>&1
    local rc=$?
    grep -E '^(FAIL|ok )' "$log" | grep -v '^ok ' || true
    grep -vE '^(ok |FAIL )' "$log" | tail -n 40
    local line
    line=$(grep -oE '[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -n "$line" ]; then
        local p f
        p=${line%% passed*}
        f=${line#*, }
        f=${f%% failed*}
        passed=$((passed + p))
        failed=$((failed + f))
        if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
            echo "   $name exited with status $rc"
            failed=$((failed + 1))
        fi
    else
        echo "   $name printed no summary (exit status $rc)"
        failed=$((failed + 1))
    fi
}

suite() {
    local build=$1
    shift
    echo "### building in $build $*"
    if ! make -s -j"$JOBS" BUILD="$build" "$@" tests; then
        echo "build failed in $build"
        failed=$((failed + 1))
        return
    fi
    for t in "$build"/tests/test_* "$build"/tests/f64_*; do
        [ -x "$t" ] && run "$(basename "$t") [$build]" "$t"
    done
    run "cli_test [$build]" bash tests/cli_test.sh "$build/recur"
    run "keras_test [$build]" bash tests/keras_test.sh "$build/recur"
    run "grad_report_test [$build]" bash tests/grad_report_test.sh "$build/recur"
    run "forecast_test [$build]" bash tests/forecast_test.sh "$build/recur"
    run "forecast_c_test [$build]" bash tests/forecast_c_test.sh "$build"
    run "classify_test [$build]" bash tests/classify_test.sh "$build/recur"
    run "examples_classify_test [$build]" bash tests/examples_classify_test.sh "$build/recur"
    run "seq2seq_test [$build]" bash tests/seq2seq_test.sh "$build/recur"
    run "seq2seq_bpe_test [$build]" bash tests/seq2seq_bpe_test.sh "$build/recur"
    run "g2p_split_test [$build]" bash tests/g2p_split_test.sh "$build/recur"
    run "onnx_cli_test [$build]" bash tests/onnx_cli_test.sh "$build/recur"
    run "tag_test [$build]" bash tests/tag_test.sh "$build/recur"
    run "caption_test [$build]" bash tests/caption_test.sh "$build/recur"
    for t in $FUZZ_TARGETS; do
        run "replay_$t [$build]" "$build/fuzz/replay_$t" fuzz/corpus/"$t" fuzz/regress/"$t"
    done
    # Timing-based (kills, signals, MPI) and slow-tool tests, the installed
    # library linking plain programs, the exported symbols and link orders
    # (programs built without the sanitizers), PyTorch exports matching
    # (skipped without python3-torch) and ONNX exports run by an independent
    # runtime (skipped without python3-onnx): the normal build only.
    if [ "$build" = build ]; then
        run "kill_test [$build]" bash tests/kill_test.sh "$build/recur"
        run "signal_test [$build]" bash tests/signal_test.sh "$build/recur"
        run "mpi_test [$build]" bash tests/mpi_test.sh "$build"
        run "valgrind_test [$build]" bash tests/valgrind_test.sh "$build/recur"
        run "install_test [$build]" bash tests/install_test.sh "$build"
        run "symbols_test [$build]" bash tests/symbols_test.sh "$build"
        run "bench_build_test [$build]" bash tests/bench_build_test.sh "$build"
        run "torch_export_test [$build]" bash tests/torch_export_test.sh "$build"
        run "onnx_export_test [$build]" bash tests/onnx_export_test.sh "$build"
    fi
}

suite build
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
suite build/asan SAN=1 OPT=-O1

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
