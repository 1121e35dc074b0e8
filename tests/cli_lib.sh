# cli_lib.sh - the helpers of the CLI shell tests (sourced, not run):
#   cli_setup NAME [path/to/recur]   checks the binary, makes a temporary
#                                    directory and enters it; sets BIN, ROOT
#   ok / bad / check / r / expect_ok / expect_fail   as in tests/cli_test.sh
#   cli_summary                      prints "NAME: N passed, N failed" and
#                                    returns non-zero if a case failed
# shellcheck disable=SC2034
set -u
PASS=0
FAIL=0

cli_setup() {
    TEST_NAME=$1
    ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    BIN=${2:-$ROOT/build/recur}
    case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
    if [ ! -x "$BIN" ]; then
        echo "$TEST_NAME: $BIN is not an executable (build it with make)" >&2
        exit 2
    fi
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/recur_$TEST_NAME.XXXXXX")
    trap '[ -n "${KEEP:-}" ] || rm -rf "$TMP"' EXIT
    cd "$TMP" || exit 2
    export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-2}
}

ok() { echo "ok   - $1"; PASS=$((PASS + 1)); }
bad() {
    echo "FAIL - $1${2:+ ($2)}"
    FAIL=$((FAIL + 1))
}

# check NAME COMMAND [DETAIL]: passes when the shell COMMAND succeeds
check() {
    if eval "$2"; then ok "$1"; else bad "$1" "${3:-}"; fi
}

# r ARGS...: run recur, stdout -> out, stderr -> err, status -> $RC
r() {
    "$BIN" "$@" >out 2>err
    RC=$?
}

# expect_ok NAME ARGS...: exit status 0
expect_ok() {
    local name=$1
    shift
    r "$@"
    if [ "$RC" -eq 0 ]; then ok "$name"; else bad "$name" "exit $RC: $(head -c 300 err)"; fi
}

# expect_fail NAME CODE PATTERN ARGS...: a clean failure: exit status CODE
# (or any 1..127 if CODE is "-"), exactly one line on stderr starting with
# "recur" and matching the extended regex PATTERN (if not empty).
expect_fail() {
    local name=$1 code=$2 pat=$3
    shift 3
    r "$@"
    local why=""
    if [ "$RC" -eq 0 ]; then
        why="exit 0"
    elif [ "$RC" -ge 128 ]; then
        why="crashed: exit $RC"
    elif [ "$code" != "-" ] && [ "$RC" -ne "$code" ]; then
        why="exit $RC, expected $code"
    elif [ "$(wc -l <err)" -ne 1 ] || [ "$(wc -c <err)" -lt 8 ]; then
        why="$(wc -l <err) lines on stderr"
    elif ! head -n 1 err | grep -q '^recur'; then
        why="stderr does not start with 'recur'"
    elif [ -n "$pat" ] && ! grep -Eq -- "$pat" err; then
        why="stderr does not match /$pat/"
    fi
    [ -n "${SHOW:-}" ] && echo "     [$RC] $(cat err)"
    if [ -z "$why" ]; then ok "$name"; else bad "$name" "$why: $(head -c 300 err | tr '\n' '|')"; fi
}

cli_summary() {
    echo "$TEST_NAME: $PASS passed, $FAIL failed"
    [ "$FAIL" -eq 0 ]
}
