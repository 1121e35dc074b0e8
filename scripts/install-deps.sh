#!/usr/bin/env bash
# Install what recur needs from Debian 12 packages (run as root).
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --torch  also PyTorch, for tools/, bench/ and
#                                    tests/torch_export_test.sh
set -eu
pkgs="build-essential pkg-config libopenblas-dev python3"
if [ "${1:-}" = "--torch" ]; then
    pkgs="$pkgs python3-torch"
fi
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
