#!/usr/bin/env bash
# Install what recur needs from Debian 12 packages (run as root).
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --torch  also PyTorch and the onnx package, for
#                                    tools/, bench/, tests/torch_export_test.sh
#                                    and tests/onnx_export_test.sh
#   scripts/install-deps.sh --fuzz   also clang and its libFuzzer, for fuzz/run.sh
set -eu
# clang, arm-none-eabi-gcc (with newlib's headers) and qemu-system-arm: the
# exported C is built with both host compilers and run on an emulated
# Cortex-M4 and M3 by tests/test_export_c.c.
pkgs="build-essential pkg-config libopenblas-dev python3 valgrind clang gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm"
for opt in "$@"; do
    case $opt in
    --torch) pkgs="$pkgs python3-torch python3-onnx python3-numpy" ;;
    --fuzz) pkgs="$pkgs clang libclang-rt-dev" ;;
    *) echo "install-deps.sh: unknown option '$opt' (--torch, --fuzz)" >&2; exit 2 ;;
    esac
done
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
