#!/usr/bin/env bash
# torch_export_test.sh - PyTorch models exported with tools/export_pytorch.py
# compute the same outputs in recur (<= 1e-5 relative to max(1, |y|)):
# RNN tanh/relu, LSTM, GRU; 1-3 layers; bidirectional; embedding, one-hot
# and dense input; batch_first or not; bias=False; plain files without
# recur metadata; the exporter's command line and its refusals.
#   bash tests/torch_export_test.sh [BUILD_DIR]     (default build)
# Needs Debian's python3-torch (scripts/install-deps.sh --torch); without it
# prints "skipped" and "0 passed, 0 failed". Trains nothing.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
PY=/usr/bin/python3
if ! "$PY" -c 'import torch' >/dev/null 2>&1; then
    echo "torch_export_test: skipped: PyTorch not installed ($PY -c 'import torch' failed;" \
         "scripts/install-deps.sh --torch installs it)"
    echo "torch_export_test: 0 passed, 0 failed"
    exit 0
fi
for f in "$BUILD/tests/tool_forward" "$BUILD/recur"; do
    if [ ! -x "$f" ]; then
        echo "torch_export_test: $f is missing (run make tests)"
        echo "torch_export_test: 0 passed, 1 failed"
        exit 1
    fi
done
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-2}
exec nice -n 10 "$PY" "$ROOT/tests/torch_export_cases.py" "$BUILD"
