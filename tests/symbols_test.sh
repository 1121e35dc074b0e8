#!/usr/bin/env bash
# symbols_test.sh - the library exports its API and nothing else, and its
# internals cannot collide with a program's own symbols:
#   (a) `nm -D` of librecur.so lists exactly the functions declared with
#       RECUR_API in include/recur.h and include/recur/*.h;
#   (b) every global symbol defined in librecur.a starts with recur_ (and
#       then is one of those declared functions) or recur__ (internal);
#   (c) a program with a static library of its own defining json_parse,
#       gemm, st_read, ... (tests/symbols/fake.c, other signatures) links
#       against the static and the shared librecur with the two libraries in
#       both orders, reaches its own functions, and librecur loads a model
#       file and computes its outputs correctly (tests/symbols/link_program.c).
#   tests/symbols_test.sh [BUILD_DIR]
# Prints "symbols_test: N passed, N failed".
set -u
cd "$(dirname "$0")/.."
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
ok() { echo "ok   - $1"; passed=$((passed + 1)); }
bad() { echo "FAIL - $1"; shift; printf '%s\n' "$@" | head -n 20; failed=$((failed + 1)); }

so=$build/librecur.so
ar=$build/librecur.a
if [ ! -e "$so" ] || [ ! -e "$ar" ]; then
    bad "the libraries are built ($so, $ar)"
    echo "symbols_test: $passed passed, $failed failed"
    exit 1
fi

# The declared API: each "RECUR_API <type> <name>(" line of the headers.
grep -h '^RECUR_API ' include/recur.h include/recur/*.h |
    sed -E 's/^[^(]*[^a-z0-9_](recur_[a-z0-9_]+)\(.*/\1/' | sort -u >"$tmp/declared"
if [ "$(wc -l <"$tmp/declared")" -ge 100 ] && ! grep -qv '^recur_[a-z0-9_]*$' "$tmp/declared"; then
    ok "the headers declare $(wc -l <"$tmp/declared") RECUR_API functions"
else
    bad "reading the RECUR_API declarations" "$(head "$tmp/declared")"
fi

# (a) The shared library's dynamic symbols.
nm -D --defined-only "$so" | awk 'NF == 3 { print $3 }' | sed 's/@.*//' | sort -u >"$tmp/exported"
if cmp -s "$tmp/declared" "$tmp/exported"; then
    ok "nm -D librecur.so lists exactly the RECUR_API functions"
else
    bad "nm -D librecur.so differs from the RECUR_API functions (< declared only, > exported only)" \
        "$(diff "$tmp/declared" "$tmp/exported" | grep '^[<>]')"
fi

# (b) The static library's global symbols.
nm -g --defined-only "$ar" | awk 'NF == 3 { print $3 }' | sort -u >"$tmp/globals"
stray=$(grep -v '^recur_' "$tmp/globals")
if [ -z "$stray" ]; then
    ok "every global symbol of librecur.a starts with recur_"
else
    bad "librecur.a defines global symbols without the recur_ prefix" "$stray"
fi
undeclared=$(grep '^recur_' "$tmp/globals" | grep -v '^recur__' | comm -23 - "$tmp/declared")
if [ -z "$undeclared" ]; then
    ok "every recur_ (not recur__) global of librecur.a is a declared function"
else
    bad "librecur.a has recur_ globals that no header declares (internal ones take recur__)" \
        "$undeclared"
fi

# (c) A program with its own json_parse, gemm, ... in both link orders.
blas=$(pkg-config --libs openblas 2>/dev/null || echo -lopenblas)
cflags="-std=c11 -D_POSIX_C_SOURCE=200809L -O1 -Wall -Wextra -Werror -Iinclude"
if cc $cflags -c tests/symbols/fake.c -o "$tmp/fake.o" 2>"$tmp/log" &&
    ar rcs "$tmp/libfake.a" "$tmp/fake.o" &&
    cc $cflags -c tests/symbols/link_program.c -o "$tmp/prog.o" 2>>"$tmp/log"; then
    ok "the program and its own library compile"
else
    bad "the program and its own library compile" "$(cat "$tmp/log")"
fi
link_and_run() { # NAME LINK_ARGS...
    local name=$1
    shift
    rm -f "$tmp/prog" "$tmp/model.safetensors"
    # shellcheck disable=SC2086
    if ! cc -o "$tmp/prog" "$tmp/prog.o" "$@" $blas -lm -lpthread >"$tmp/log" 2>&1; then
        bad "$name: links" "$(cat "$tmp/log")"
        return
    fi
    if "$tmp/prog" "$tmp/model.safetensors" >"$tmp/log" 2>&1; then
        ok "$name: own functions reached, model loaded, outputs right"
    else
        bad "$name: runs" "$(cat "$tmp/log")"
    fi
}
abs=$(cd "$build" && pwd)
link_and_run "static, -lfake -lrecur" -L"$tmp" -lfake "$ar"
link_and_run "static, -lrecur -lfake" "$ar" -L"$tmp" -lfake
link_and_run "shared, -lfake -lrecur" -L"$tmp" -lfake -L"$abs" -lrecur -Wl,-rpath,"$abs"
link_and_run "shared, -lrecur -lfake" -L"$abs" -lrecur -Wl,-rpath,"$abs" -L"$tmp" -lfake

echo "symbols_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
