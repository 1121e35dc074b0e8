# Naive Bayes over (position, base) features: the textbook baseline for
# fixed-length DNA windows (each of the 60 positions is one categorical
# feature; add-1 smoothing over the bases seen). Usage:
#   awk -f positional_nb.awk train.tsv test.tsv
BEGIN { FS = "\t" }
FNR == NR {
    cls[$1]++; total++
    L = length($2)
    for (i = 1; i <= L; i++) { b = substr($2, i, 1); cnt[$1, i, b]++; bases[b] = 1 }
    next
}
{
    best = ""; L = length($2); nb = 0
    for (b in bases) nb++
    for (c in cls) {
        s = log(cls[c] / total)
        for (i = 1; i <= L; i++) s += log((cnt[c, i, substr($2, i, 1)] + 1) / (cls[c] + nb))
        if (best == "" || s > bs) { best = c; bs = s }
    }
    tested++; if (best == $1) right++
}
END { printf "positional naive Bayes: test_accuracy: %.4f on %d test examples\n", right / tested, tested }
