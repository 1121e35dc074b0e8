# Multinomial naive Bayes over lower-cased words (runs of letters, digits
# and apostrophes), add-1 smoothing: the usual bag-of-words baseline for
# text classification. Usage: awk -f word_nb.awk train.tsv test.tsv
# (LABEL<TAB>TEXT lines).
BEGIN { FS = "\t" }
function words(s, w,    n) {
    s = tolower(s)
    gsub(/[^a-z0-9']+/, " ", s)
    return split(s, w, " ")
}
FNR == NR {
    docs[$1]++; total++
    n = words($2, w)
    for (i = 1; i <= n; i++) { cnt[$1, w[i]]++; len[$1]++; vocab[w[i]] = 1 }
    next
}
{
    if (!V) for (x in vocab) V++
    n = words($2, w); best = ""
    for (c in docs) {
        s = log(docs[c] / total)
        for (i = 1; i <= n; i++) if (w[i] in vocab) s += log((cnt[c, w[i]] + 1) / (len[c] + V))
        if (best == "" || s > bs) { best = c; bs = s }
    }
    tested++; if (best == $1) right++
}
END { printf "word naive Bayes: test_accuracy: %.4f on %d test examples (%d words)\n", right / tested, tested, V }
