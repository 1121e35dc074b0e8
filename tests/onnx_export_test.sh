#!/usr/bin/env bash
# onnx_export_test.sh - recur's ONNX exports pass onnx.checker and run in an
# independent ONNX runtime (a numpy interpreter written from the operator
# specification, itself checked against PyTorch's exports) with recur's
# outputs; see tests/onnx_export_cases.py.
#   bash tests/onnx_export_test.sh [BUILD_DIR]     (default build)
# Needs Debian's python3-onnx and python3-numpy (scripts/install-deps.sh
# --torch); without them prints "skipped" and "0 passed, 0 failed".
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
PY=/usr/bin/python3
if ! "$PY" -c 'import onnx, numpy' >/dev/null 2>&1; then
    echo "onnx_export_test: skipped: python3-onnx or python3-numpy not installed" \
         "(scripts/install-deps.sh --torch installs them)"
    echo "onnx_export_test: 0 passed, 0 failed"
    exit 0
fi
for f in "$BUILD/tests/tool_forward" "$BUILD/tests/tool_make_model" "$BUILD/recur"; do
    if [ ! -x "$f" ]; then
        echo "onnx_export_test: $f is missing (run make tests)"
        echo "onnx_export_test: 0 passed, 1 failed"
        exit 1
    fi
done
exec "$PY" "$ROOT/tests/onnx_export_cases.py" "$BUILD"
