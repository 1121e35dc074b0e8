#!/usr/bin/env bash
# Tables (Markdown) from one raw results file of bench/run.sh:
#   bench/report.sh bench/results/DATE.tsv
# Ratios are always between numbers of the same file (the same run).
set -eu
[ $# -eq 1 ] && [ -r "$1" ] || { echo "usage: bench/report.sh RESULTS.tsv" >&2; exit 2; }
awk -F'\t' '
/^# / { sub(/^# /, ""); hdr[++nh] = $0; next }
NF == 5 {
    key = $1 SUBSEP $2 SUBSEP $3 SUBSEP $4
    v[key] = $5
    if (!(($1 SUBSEP $2) in seen)) { seen[$1 SUBSEP $2] = 1; order[$1, ++n[$1]] = $2 }
}
function get(s, c, i, m) { return ((s SUBSEP c SUBSEP i SUBSEP m) in v) ? v[s SUBSEP c SUBSEP i SUBSEP m] : "" }
function num(x, d) { return x == "" ? "–" : sprintf("%." d "f", x) }
function big(x) { return x == "" ? "–" : sprintf("%\047d", x) }
function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "–" : sprintf("%.2f×", a / b) }
function mb(x) { return x == "" ? "–" : sprintf("%.0f MB", x) }
function best(a, b) { return a == "" ? b : (b == "" ? a : (a < b ? a : b)) }
END {
    for (i = 1; i <= nh; i++) if (hdr[i] !~ /^load /) print "    " hdr[i]
    printf "    load:"
    for (i = 1; i <= nh; i++) if (hdr[i] ~ /^load /) { h = hdr[i]; sub(/^load /, "", h); printf " [%s]", h }
    print "\n"

    print "**Ceiling: OpenBLAS sgemm, C = A·Bᵀ (GFLOP/s)**\n"
    print "| M×N×K | 1 thread | 2 threads |"
    print "|---|---:|---:|"
    ceil = ""
    for (i = 1; i <= n["ceiling"]; i++) {
        c = order["ceiling", i]
        one = get("ceiling", c, "openblas-1t", "gflops"); two = get("ceiling", c, "openblas-2t", "gflops")
        if (i == 1) ceil = two != "" && two > one ? two : one  # the best square rate
        printf "| %s%s | %s | %s |\n", c, i == 1 ? " (square)" : "", num(one, 1), num(two, 1)
    }

    if (n["peak"] + n["gemm"] > 0) {
        printf "\n**recur'"'"'s kernels per shape, one thread (GFLOP/s, thread CPU time, median)**"
        for (i = 1; i <= n["peak"]; i++) {
            c = order["peak", i]
            for (isa = 0; isa < 2; isa++) {
                nm = isa ? "avx2" : "avx512"
                if (get("peak", c, nm, "gflops") != "") printf "; peak (FMA loop, %s): %s", nm, num(get("peak", c, nm, "gflops"), 1)
            }
        }
        print "\n"
        print "| shape | recur | recur AVX2 | recur generic | OpenBLAS | oneDNN | recur / OpenBLAS | recur / oneDNN |"
        print "|---|---:|---:|---:|---:|---:|---:|---:|"
        for (i = 1; i <= n["gemm"]; i++) {
            c = order["gemm", i]
            r = get("gemm", c, "recur", "gflops"); ob = get("gemm", c, "openblas", "gflops"); od = get("gemm", c, "onednn", "gflops")
            printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", c, num(r, 1), num(get("gemm", c, "recur-avx2", "gflops"), 1),
                   num(get("gemm", c, "recur-generic", "gflops"), 1), num(ob, 1), num(od, 1), ratio(r, ob), ratio(r, od)
        }
    }

    print "\n(\"Of ceiling\" below is recur'"'"'s GFLOP/s over the better square rate, " num(ceil, 1) " GFLOP/s.)"
    print "\n**Training: char-LM on data/austen.txt, one-hot input, batch 64, sequence 100, Adam, clip 5 (tokens/s: median of steps; recur and oneDNN the best of their alternating rounds)**\n"
    print "| config | recur 2 threads | recur 1 thread | oneDNN 2 threads | oneDNN 1 thread | recur / oneDNN, 2 threads | 1 thread | PyTorch 2 threads | recur / PyTorch | target | recur GFLOP/s | of ceiling | PyTorch GFLOP/s | peak RSS recur | peak RSS PyTorch |"
    print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|"
    for (i = 1; i <= n["train"]; i++) {
        c = order["train", i]
        r2 = get("train", c, "recur-2t", "tok_s"); r1 = get("train", c, "recur-1t", "tok_s")
        t2 = get("train", c, "torch-2t", "tok_s"); f = get("train", c, "flops", "flops_per_token")
        want = c ~ / 1x128$/ ? 4 : 2
        met = (r2 == "" || t2 == "") ? "–" : (r2 / t2 >= want ? "≥" want "× met" : "≥" want "× **not met**")
        g = r2 != "" && f != "" ? r2 * f / 1e9 : ""
        tg = t2 != "" && f != "" ? t2 * f / 1e9 : ""
        frac = g != "" && ceil != "" ? sprintf("%.0f%%", 100 * g / ceil) : "–"
        rr = get("train", c, "recur-2t", "rss_mb"); tr = get("train", c, "torch-2t", "rss_mb")
        d2 = get("train", c, "onednn-2t", "tok_s"); d1 = get("train", c, "onednn-1t", "tok_s")
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c, big(r2), big(r1),
               big(d2), big(d1), ratio(r2, d2), ratio(r1, d1),
               big(t2), ratio(r2, t2), met, num(g, 1), frac, num(tg, 1), mb(rr), mb(tr)
    }

    if (n["small"] > 0) {
        print "\n**Small models: the same char-LM step at batch b, sequence 100 (tokens/s, the best of alternating rounds); 2 threads must never be slower than 1 (within 5%, the noise of this VM)**\n"
        print "| config | 1 thread | 2 threads | 2 threads / 1 | never slower |"
        print "|---|---:|---:|---:|---|"
        for (i = 1; i <= n["small"]; i++) {
            c = order["small", i]
            s1 = get("small", c, "recur-1t", "tok_s"); s2 = get("small", c, "recur-2t", "tok_s")
            # within 5%: at 1-5 ms a step this VM drifts by that much between
            # rounds, even where both thread counts run the same code
            ok = (s1 == "" || s2 == "") ? "–" : (s2 >= 0.95 * s1 ? "met" : "**not met**")
            printf "| %s | %s | %s | %s | %s |\n", c, big(s1), big(s2), ratio(s2, s1), ok
        }
    }

    print "\n**Streaming: batch 1, one step per call, input 1 → cell → Dense(1); seconds per 48,000 steps (= real-time factor at 48 kHz; recur and Eigen the fastest of their alternating rounds)**\n"
    print "| model | recur step | recur whole sequence | Eigen fixed-size | PyTorch step loop | PyTorch whole sequence | recur step vs Eigen | recur step vs PyTorch step | vs PyTorch whole sequence |"
    print "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    for (i = 1; i <= n["stream"]; i++) {
        c = order["stream", i]
        rs = get("stream", c, "recur-step", "s_per_48k"); rq = get("stream", c, "recur-seq", "s_per_48k")
        ts = best(get("stream", c, "torch-step-1t", "s_per_48k"), get("stream", c, "torch-step-2t", "s_per_48k"))
        tq = best(get("stream", c, "torch-seq-1t", "s_per_48k"), get("stream", c, "torch-seq-2t", "s_per_48k"))
        ei = get("stream", c, "eigen-fixed", "s_per_48k")
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c, num(rs, 4), num(rq, 4), num(ei, 4), num(ts, 3),
               num(tq, 3), ratio(ei, rs), ratio(ts, rs), ratio(tq, rs)
    }
    print "\n(PyTorch: the better of 1 and 2 threads; ratios are how many times faster recur'"'"'s step is.)"

    if (n["mpi"] > 0) {
        print "\n**Data-parallel training over MPI: the same char-LM steps, 1 process × 2 threads beside 2 ranks × 1 thread (tokens/s, median of runs)**\n"
        print "| config | params | 1 process, 2 threads | 2 ranks, 1 thread each | 2 ranks / 1 process | 2 ranks, sums after backward | overlap gain | MB summed per step | ms per step in the sums, shared memory | TCP loopback |"
        print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        for (i = 1; i <= n["mpi"]; i++) {
            c = order["mpi", i]
            o1 = get("mpi", c, "recur-1x2t", "tok_s"); r2 = get("mpi", c, "recur-2x1r", "tok_s")
            no = get("mpi", c, "recur-2x1r-no-overlap", "tok_s")
            printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c, big(get("mpi", c, "params", "count")),
                   big(o1), big(r2), ratio(r2, o1), big(no), ratio(r2, no), num(get("mpi", c, "recur-2x1r", "mb_step"), 2),
                   num(get("mpi", c, "recur-2x1r", "sum_ms_shm"), 1), num(get("mpi", c, "recur-2x1r", "sum_ms_tcp"), 1)
        }
    }

    for (i = 1; i <= n["sample"]; i++) {
        c = order["sample", i]
        printf "\n**Sampling:** `recur sample` on an LSTM %s: %s characters/s with 2 threads, %s with 1\n", substr(c, 6),
               big(get("sample", c, "recur-2t", "chars_s")), big(get("sample", c, "recur-1t", "chars_s"))
    }
}' "$1"
