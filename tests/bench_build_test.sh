#!/usr/bin/env bash
# The benchmark programs of `make bench` still build (they use internal
# functions that the library may rename) and run a few steps: compiled with
# bench/run.sh's flags against the library of BUILD_DIR.
#   tests/bench_build_test.sh [BUILD_DIR]
set -u
cd "$(dirname "$0")/.."
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
check() { # check NAME COMMAND...
    local name=$1
    shift
    if "$@" >"$tmp/log" 2>&1; then
        echo "ok   - $name"
        passed=$((passed + 1))
    else
        echo "FAIL - $name"
        tail -n 5 "$tmp/log"
        failed=$((failed + 1))
    fi
}

BLAS=$(pkg-config --libs openblas 2>/dev/null || echo -lopenblas)
CFLAGS="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -Wall -Wextra -Werror"
check "bench/train_speed.c builds" cc $CFLAGS -Iinclude -Isrc bench/train_speed.c \
    "$build/librecur.a" $BLAS -lm -lpthread -o "$tmp/train_speed"
check "bench/stream_speed.c builds" cc $CFLAGS -Iinclude bench/stream_speed.c \
    "$build/librecur.a" $BLAS -lm -lpthread -o "$tmp/stream_speed"
check "bench/gemm_shapes.c builds (without oneDNN)" cc $CFLAGS -Iinclude -Isrc \
    $(pkg-config --cflags openblas 2>/dev/null) bench/gemm_shapes.c "$build/librecur.a" \
    $BLAS -lm -lpthread -o "$tmp/gemm_shapes"
check "bench/sgemm_ceiling.c builds" cc $CFLAGS $(pkg-config --cflags openblas 2>/dev/null) \
    bench/sgemm_ceiling.c $BLAS -lm -lpthread -o "$tmp/sgemm_ceiling"
# as examples/microcontroller/README.md builds it: the file sets its own
# feature macros (it had stopped compiling once, M_PI, unnoticed)
check "bench/export_step.c builds" cc -O2 -Wall -Wextra -Werror -Iinclude bench/export_step.c \
    "$build/librecur.a" $BLAS -lm -lpthread -ldl -o "$tmp/export_step"
check "export_step times a decay through the denormal range" "$tmp/export_step" denormal 32
check "train_speed runs two steps of an LSTM 16" "$tmp/train_speed" lstm 16 1 4 8 2 --threads 1
check "stream_speed runs a GRU 8" "$tmp/stream_speed" gru 8 480 1

echo "bench_build_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
