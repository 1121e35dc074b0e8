#!/usr/bin/env bash
# run.sh - build the libFuzzer targets with clang and fuzz each in turn.
#   fuzz/run.sh [SECONDS] [TARGET...]     (default 60 s each; json model text args tsv series pairs conll)
# Needs clang and libclang-rt (scripts/install-deps.sh --fuzz). Each target
# starts from its seeds in fuzz/corpus/<target>/ and its saved findings in
# fuzz/regress/<target>/; new interesting inputs go to a scratch corpus in
# build/fuzzer/corpus/<target>/ (kept between runs, not committed; `-merge`
# them into fuzz/corpus by hand when they are worth keeping). A crash,
# leak, timeout or out-of-memory is written to build/fuzzer/findings/<target>/;
# once fixed, copy it into fuzz/regress/<target>/ so `make test` replays it.
# fuzz/<target>.dict, where present, gives libFuzzer the format's keywords.
# Prints, per target, the executions and the findings; exits non-zero if any
# target found something. Runs at nice 19 and one target at a time.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
SECONDS_EACH=${1:-60}
shift $(($# > 0 ? 1 : 0))
TARGETS=${*:-json model text args tsv series pairs conll}
OUT=build/fuzzer

if ! command -v clang >/dev/null; then
    echo "fuzz/run.sh: clang is not installed (scripts/install-deps.sh --fuzz)" >&2
    exit 2
fi
nice -n 19 make -s -j2 fuzz >/dev/null || { echo "fuzz/run.sh: build failed" >&2; exit 2; }

export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
total_findings=0
summary=""
for t in $TARGETS; do
    scratch=$OUT/corpus/$t
    findings=$OUT/findings/$t
    log=$OUT/fuzz_$t.log
    mkdir -p "$scratch" "$findings" fuzz/regress/"$t"
    before=$(find "$findings" -type f | wc -l)
    echo "== $t: fuzzing for $SECONDS_EACH s"
    # -close_fd_mask=3: the targets' own stdout/stderr (help text, one-line
    # errors) are discarded; libFuzzer's and the sanitizers' reports are not.
    dict=()
    [ -f fuzz/"$t".dict ] && dict=(-dict=fuzz/"$t".dict)
    nice -n 19 "$OUT/fuzz/fuzz_$t" "$scratch" fuzz/corpus/"$t" fuzz/regress/"$t" "${dict[@]}" \
        -max_total_time="$SECONDS_EACH" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
        -malloc_limit_mb=1024 -close_fd_mask=3 -print_final_stats=1 \
        -artifact_prefix="$findings/" >"$log" 2>&1
    rc=$?
    execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -n 1)
    [ -n "$execs" ] || execs=$(grep -oE '#[0-9]+' "$log" | tail -n 1 | tr -d '#')
    after=$(find "$findings" -type f | wc -l)
    new=$((after - before))
    [ "$rc" -ne 0 ] && [ "$new" -eq 0 ] && new=1 # a failure that left no input
    total_findings=$((total_findings + new))
    line="$t: ${execs:-0} executions, $new finding(s)"
    [ "$new" -gt 0 ] && line="$line (see $log and $findings/)"
    echo "   $line"
    summary="$summary$line"$'\n'
done
echo
printf '%s' "$summary"
[ "$total_findings" -eq 0 ]
