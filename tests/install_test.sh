#!/usr/bin/env bash
# `make install` into a temporary prefix, then build examples/embed against
# the installed library with pkg-config and run it on a freshly trained model.
#   tests/install_test.sh [BUILD_DIR]
set -u
cd "$(dirname "$0")/.."
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
passed=0
failed=0
check() { # check NAME COMMAND...
    local name=$1
    shift
    if "$@" >>"$tmp/log" 2>&1; then
        echo "ok   - $name"
        passed=$((passed + 1))
    else
        echo "FAIL - $name"
        tail -n 5 "$tmp/log"
        failed=$((failed + 1))
    fi
}

check "make install" make -s BUILD="$build" install PREFIX="$prefix"
for f in lib/librecur.a lib/librecur.so lib/librecur.so.1 include/recur.h bin/recur \
         lib/pkgconfig/recur.pc share/man/man1/recur.1; do
    check "installed $f" test -e "$prefix/$f"
done
check "shared library has SONAME librecur.so.1" \
    bash -c "readelf -d '$prefix/lib/librecur.so' | grep -q 'SONAME.*librecur.so.1'"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
check "pkg-config knows recur" pkg-config --exists recur
check "embed example builds against the installed library" \
    bash -c "cc -std=c11 -Wall -Wextra -Werror examples/embed/embed.c \
             \$(pkg-config --cflags --libs recur) -Wl,-rpath,'$prefix/lib' -o '$tmp/embed'"
head -c 30000 data/austen.txt >"$tmp/text.txt"
check "installed recur trains a model" "$prefix/bin/recur" train "$tmp/text.txt" \
    --hidden 24 --layers 1 --seq 20 --batch 4 --steps 20 --quiet --save "$tmp/m.safetensors"
# Without a TEXT, the installed recur reads the corpus `make install` put in
# PREFIX/share/recur (not the source tree's data/austen.txt).
share=$(cd "$prefix/share/recur" && pwd -P)/austen.txt
check "installed corpus is there" test -s "$share"
check "installed recur trains with no TEXT, on PREFIX/share/recur/austen.txt" \
    bash -c "'$prefix/bin/recur' train --hidden 8 --layers 1 --seq 20 --batch 4 --steps 2 \
             --val 0.001 --save '$tmp/d.safetensors' 2>'$tmp/err' &&
             grep -q '^Data: $share, ' '$tmp/err'"
check "the model records the installed corpus" \
    bash -c "'$prefix/bin/recur' info '$tmp/d.safetensors' | grep -qF 'train.corpus = \"$share\"'"
check "installed grad-report reads PREFIX/share/recur/austen.txt with no TEXT" \
    bash -c "'$prefix/bin/recur' grad-report '$tmp/d.safetensors' --seq-len 10 --batch 2 |
             grep -qF 'windows of $share'"
mv "$share" "$tmp/moved.txt"
check "without it, recur falls back to the source tree's data/austen.txt" \
    bash -c "'$prefix/bin/recur' train --hidden 8 --layers 1 --seq 20 --batch 4 --steps 1 \
             --val 0.001 --save '$tmp/d.safetensors' 2>'$tmp/err' &&
             grep -q '^Data: $PWD/data/austen.txt, ' '$tmp/err'"
check "embed runs: batch and streaming agree" \
    bash -c "'$tmp/embed' '$tmp/m.safetensors' 'It is' | grep -q 'agree on the next character: yes'"
check "embed refuses a missing model with one line" \
    bash -c "! '$tmp/embed' '$tmp/none.safetensors' x 2>'$tmp/err' && [ \$(wc -l <'$tmp/err') -eq 1 ]"
echo "install_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
