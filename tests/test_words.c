/* test_words.c - word input for classifiers: the word tokenizer
 * (recur_text_words) on hand-written cases, the word vocabulary (minimum
 * count, cap, <unk> first), the word list kept in a model file, word data
 * sets (ids, unknown words, max_len, a text without words), the word naive
 * Bayes scores against the formula evaluated by hand-written counting, and
 * RECUR_TSV_SKIP_BAD (what is skipped, counted and kept). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recur.h"
#include "testlib.h"

static recur_tsv *load_str(const char *s, int flags)
{
    recur_tsv *t = NULL;
    int rc = recur_tsv_from_memory(s, strlen(s), "mem", flags, &t);
    CHECK_MSG(rc == RECUR_OK, "load failed: %s", recur_last_error());
    return t;
}

/* The words of example i of t joined by single spaces into out. */
static void words_of(const recur_tsv *t, long i, char *out, size_t cap)
{
    long len, n, *off;
    char *buf;
    const uint32_t *s = recur_tsv_text(t, i, &len);
    out[0] = 0;
    if (recur_text_words(s, len, &buf, &off, &n) != RECUR_OK) {
        CHECK(0);
        return;
    }
    size_t o = 0;
    for (long k = 0; k < n; k++)
        o += (size_t)snprintf(out + o, cap - o, "%s%s", k ? " " : "", buf + off[k]);
    free(buf);
    free(off);
}

static void test_tokenizer(void)
{
    static const char *const cases[][2] = {
        {"Don't STOP -- it's 2x, naïve!", "don't stop it's 2x naïve"},
        {"'tis the 'season' ''", "tis the season"},
        {"rock’n’roll", "rock'n'roll"},           /* U+2019 reads as ' */
        {"ÉCOLE Straße ПРИВЕТ Ωμέγα", "école straße привет ωμέγα"},
        {"a<b>c@d.e 3.14 ... €5", "a b c d e 3 14 5"},
        {"—— … ", ""},
        {"x\xf0\x9f\x98\x80y", "x y"},             /* an emoji separates */
        {"aaaaaaaaaabbbbbbbbbbccccccccccdddddddddd", "aaaaaaaaaabbbbbbbbbbccccccccccdd"},
    };
    int n = (int)(sizeof cases / sizeof *cases);
    char text[1024] = "";
    size_t o = 0;
    for (int i = 0; i < n; i++)
        o += (size_t)snprintf(text + o, sizeof text - o, "%s\n", cases[i][0]);
    recur_tsv *t = load_str(text, RECUR_TSV_UNLABELLED);
    /* "—— … " has no words but is a text; all lines load. */
    CHECK(t && recur_tsv_count(t) == n);
    for (int i = 0; t && i < n; i++) {
        char got[512];
        words_of(t, i, got, sizeof got);
        CHECK_MSG(strcmp(got, cases[i][1]) == 0, "words of '%s': '%s', expected '%s'",
                  cases[i][0], got, cases[i][1]);
    }
    recur_tsv_free(t);
    char *buf = (char *)1;
    long *off = NULL, k = 7;
    CHECK(recur_text_words(NULL, 0, &buf, &off, &k) == RECUR_OK && k == 0);
    free(buf);
    free(off);
    CHECK(recur_text_words(NULL, 3, &buf, &off, &k) == RECUR_E_INVALID);
}

static const char *const corpus =
    "pos\tGood good food, GOOD!\n"
    "pos\tgood tea\n"
    "neg\tbad food\n"
    "neg\tBad, bad tea; awful.\n";

static void test_vocab(void)
{
    recur_tsv *t = load_str(corpus, 0);
    if (!t)
        return;
    char **w;
    int n;
    /* counts: good 4, bad 3, food 2, tea 2, awful 1 */
    CHECK(recur_tsv_word_vocab(t, NULL, 0, 1, 0, 0, &w, &n) == RECUR_OK && n == 6);
    const char *all[] = {"<unk>", "awful", "bad", "food", "good", "tea"};
    for (int i = 0; i < n && n == 6; i++)
        CHECK(strcmp(w[i], all[i]) == 0);
    recur_tsv_vocab_free(w, n, NULL);
    CHECK(recur_tsv_word_vocab(t, NULL, 0, 2, 0, 0, &w, &n) == RECUR_OK && n == 5);
    CHECK(n == 5 && strcmp(w[1], "bad") == 0 && strcmp(w[4], "tea") == 0);
    recur_tsv_vocab_free(w, n, NULL);
    /* cap 3: <unk> and the two most frequent, good and bad */
    CHECK(recur_tsv_word_vocab(t, NULL, 0, 1, 3, 0, &w, &n) == RECUR_OK && n == 3);
    CHECK(n == 3 && strcmp(w[1], "bad") == 0 && strcmp(w[2], "good") == 0);
    recur_tsv_vocab_free(w, n, NULL);
    /* the first 2 words of texts 2 and 3: bad food bad bad */
    long idx[] = {2, 3};
    CHECK(recur_tsv_word_vocab(t, idx, 2, 1, 0, 2, &w, &n) == RECUR_OK && n == 3);
    CHECK(n == 3 && strcmp(w[1], "bad") == 0 && strcmp(w[2], "food") == 0);
    recur_tsv_vocab_free(w, n, NULL);
    CHECK(recur_tsv_word_vocab(t, NULL, 0, 0, 0, 0, &w, &n) == RECUR_E_INVALID);
    CHECK(recur_tsv_word_vocab(t, NULL, 0, 1, 1, 0, &w, &n) == RECUR_E_INVALID);
    recur_tsv_free(t);
}

static recur_model *word_model(char **words, int n)
{
    recur_config c;
    recur_config_default(&c);
    c.cell = RECUR_GRU;
    c.input = RECUR_INPUT_EMBEDDING;
    c.embed_dim = 4;
    c.input_size = n;
    c.hidden = 5;
    c.output_size = 2;
    c.loss = RECUR_LOSS_XENT;
    c.readout = RECUR_READOUT_MEAN;
    recur_model *m = NULL;
    CHECK(recur_model_create(&c, 3, &m) == RECUR_OK);
    const char *cls[] = {"neg", "pos"};
    CHECK(m && recur_model_set_classes(m, cls, 2) == RECUR_OK);
    CHECK(m && recur_model_set_words(m, (const char *const *)words, n) == RECUR_OK);
    return m;
}

static void test_model_and_dataset(void)
{
    recur_tsv *t = load_str(corpus, 0);
    char **w;
    int n;
    if (!t || recur_tsv_word_vocab(t, NULL, 0, 2, 0, 0, &w, &n) != RECUR_OK)
        return;
    recur_model *m = word_model(w, n);
    if (!m)
        return;
    const char *path = "build/tests/test_words.safetensors";
    recur_model *back = NULL;
    CHECK(recur_model_save(m, path) == RECUR_OK);
    CHECK(recur_model_load(path, &back) == RECUR_OK);
    remove(path);
    char **w2;
    int n2;
    CHECK(back && recur_model_get_words(back, &w2, &n2) == RECUR_OK && n2 == n);
    for (int i = 0; back && i < n && n2 == n; i++)
        CHECK(strcmp(w[i], w2[i]) == 0);
    if (back && n2 == n)
        recur_tsv_vocab_free(w2, n2, NULL);
    /* <unk> bad food good tea: "awful" is unknown, and a text of no words
     * reads as one <unk>. */
    recur_tsv *u = load_str("Good AWFUL tea\n?!\ngood good good good\n",
                            RECUR_TSV_UNLABELLED);
    recur_dataset ds;
    long unknown = -1;
    CHECK(u && recur_tsv_dataset(u, NULL, 0, back, 3, &ds, &unknown) == RECUR_OK);
    if (u && ds.count == 3) {
        long want_off[] = {0, 3, 4, 7};
        int32_t want[] = {3, 0, 4, 0, 3, 3, 3};
        for (int i = 0; i < 4; i++)
            CHECK(ds.offsets[i] == want_off[i]);
        for (int i = 0; i < 7; i++)
            CHECK_MSG(ds.tokens[i] == want[i], "token %d: %d, expected %d", i,
                      ds.tokens[i], want[i]);
        CHECK(unknown == 2);
        recur_tsv_dataset_free(&ds);
    }
    /* labelled: the labels through the classes */
    CHECK(recur_tsv_dataset(t, NULL, 0, back, 0, &ds, NULL) == RECUR_OK);
    CHECK(ds.count == 4 && ds.labels[0] == 1 && ds.labels[3] == 0);
    CHECK(ds.count == 4 && ds.offsets[1] == 4); /* all four words of text 0 */
    recur_tsv_dataset_free(&ds);
    /* refusals: a word list of the wrong size, without <unk>, twice a word;
     * words from a character model */
    const char *bad1[] = {"<unk>", "a"}, *bad2[] = {"a", "b", "c", "d", "e"},
               *bad3[] = {"<unk>", "a", "a", "b", "c"};
    CHECK(recur_model_set_words(m, bad1, 2) == RECUR_E_MISMATCH);
    CHECK(recur_model_set_words(m, bad2, 5) == RECUR_E_MISMATCH);
    CHECK(recur_model_set_words(m, bad3, 5) == RECUR_E_INVALID);
    recur_config c;
    recur_config_default(&c);
    c.input_size = 3;
    c.output_size = 2;
    c.loss = RECUR_LOSS_XENT;
    c.readout = RECUR_READOUT_LAST;
    recur_model *cm = NULL;
    CHECK(recur_model_create(&c, 1, &cm) == RECUR_OK);
    CHECK(cm && recur_model_get_words(cm, &w2, &n2) == RECUR_E_MISMATCH);
    recur_model_free(cm);
    recur_tsv_free(u);
    recur_model_free(back);
    recur_model_free(m);
    recur_tsv_vocab_free(w, n, NULL);
    recur_tsv_free(t);
}

/* The word naive Bayes score of class c for a text of words q[0..nq), from
 * the formula with counts written out by hand for `corpus` (max_len 0):
 * log((N_c + 1) / (N + C)) + sum over the words seen in training of
 * log((n_wc + alpha) / (n_c + alpha * V)). */
static double reference(int c, double alpha, const char *const *q, int nq)
{
    /* classes neg (0), pos (1); V = 5 words; neg: bad 3, food 1, tea 1,
     * awful 1 (6 words); pos: good 4, food 1, tea 1 (6 words). */
    static const char *const vocab[] = {"awful", "bad", "food", "good", "tea"};
    static const double counts[2][5] = {{1, 3, 1, 0, 1}, {0, 0, 1, 4, 1}};
    double s = log((2.0 + 1) / (4 + 2));
    for (int i = 0; i < nq; i++)
        for (int v = 0; v < 5; v++)
            if (strcmp(q[i], vocab[v]) == 0)
                s += log((counts[c][v] + alpha) / (6 + alpha * 5));
    return s;
}

static void test_word_naive_bayes(void)
{
    recur_tsv *t = load_str(corpus, 0);
    recur_tsv *q = load_str("GOOD food, unseen words here\nbad Bad tea\nnothing\n",
                            RECUR_TSV_UNLABELLED);
    if (!t || !q)
        return;
    const char *cls[] = {"neg", "pos"};
    long idx[] = {0, 1, 2, 3};
    const char *const q0[] = {"good", "food", "unseen", "words", "here"},
                      *q1[] = {"bad", "bad", "tea"}, *q2[] = {"nothing"};
    const char *const *qs[] = {q0, q1, q2};
    int nq[] = {5, 3, 1}, want[] = {1, 0, -1};
    const double alphas[] = {1, 0.5};
    for (int a = 0; a < 2; a++) {
        recur_naive_bayes *nb = NULL;
        CHECK(recur_naive_bayes_train_words(t, idx, 4, cls, 2, alphas[a], 0, &nb) ==
              RECUR_OK);
        if (!nb)
            continue;
        CHECK(recur_naive_bayes_features(nb) == 5);
        for (int i = 0; i < 3; i++) {
            long len;
            const uint32_t *s = recur_tsv_text(q, i, &len);
            double sc[2];
            int best = recur_naive_bayes_predict(nb, s, len, sc);
            for (int c = 0; c < 2; c++)
                CHECK_NEAR(sc[c], reference(c, alphas[a], qs[i], nq[i]), 1e-12);
            if (want[i] >= 0)
                CHECK(best == want[i]);
        }
        double acc = -1;
        CHECK(recur_naive_bayes_accuracy(nb, t, idx, 4, &acc) == RECUR_OK && acc == 1.0);
        recur_naive_bayes_free(nb);
    }
    /* max_len 1: only the first word of each text counts: good, good, bad,
     * bad, so "tea" is unseen and "bad tea" scores as "bad". */
    recur_naive_bayes *nb = NULL;
    CHECK(recur_naive_bayes_train_words(t, idx, 4, cls, 2, 1, 1, &nb) == RECUR_OK);
    if (nb) {
        CHECK(recur_naive_bayes_features(nb) == 2);
        long len;
        const uint32_t *s = recur_tsv_text(q, 1, &len);
        double sc[2];
        recur_naive_bayes_predict(nb, s, len, sc);
        double bad_neg = log((2 + 1.0) / (2 + 2)), bad_pos = log((0 + 1.0) / (2 + 2));
        CHECK_NEAR(sc[0] - sc[1], bad_neg - bad_pos, 1e-12);
        recur_naive_bayes_free(nb);
    }
    recur_tsv_free(q);
    recur_tsv_free(t);
}

static void test_skip_bad_lines(void)
{
    const char *text = "a\tgood one\n"            /* 1 */
                       "b\tbad \\q escape\n"      /* 2 */
                       "\tno label\n"             /* 3 */
                       "no tab at all\n"          /* 4 */
                       "c\t\n"                    /* 5: empty text */
                       "\n"                       /* 6: empty line: not bad */
                       "d\tbad \xff byte\n"       /* 7 */
                       "e\tlone backslash \\\n"   /* 8 */
                       "f\tgood \\t two\n";       /* 9 */
    recur_tsv *t = NULL;
    CHECK(recur_tsv_from_memory(text, strlen(text), "mem", RECUR_TSV_ESCAPES, &t) ==
          RECUR_E_FORMAT);
    CHECK(strstr(recur_last_error(), "line 2") != NULL);
    t = load_str(text, RECUR_TSV_ESCAPES | RECUR_TSV_SKIP_BAD);
    if (!t)
        return;
    CHECK(recur_tsv_count(t) == 2);
    CHECK(recur_tsv_line(t, 0) == 1 && recur_tsv_line(t, 1) == 9);
    CHECK(strcmp(recur_tsv_label(t, 1), "f") == 0);
    long len, first;
    const uint32_t *s = recur_tsv_text(t, 1, &len);
    CHECK(len == 10 && s[5] == '\t');
    CHECK(recur_tsv_skipped(t, -1, &first) == 6 && first == 2);
    CHECK(recur_tsv_skipped(t, RECUR_TSV_BAD_ESCAPE, &first) == 2 && first == 2);
    CHECK(recur_tsv_skipped(t, RECUR_TSV_BAD_LABEL, &first) == 2 && first == 3);
    CHECK(recur_tsv_skipped(t, RECUR_TSV_BAD_EMPTY, &first) == 1 && first == 5);
    CHECK(recur_tsv_skipped(t, RECUR_TSV_BAD_ENCODING, &first) == 1 && first == 7);
    CHECK(recur_tsv_skipped(t, RECUR_TSV_BAD_LONG, &first) == 0 && first == 0);
    CHECK(strcmp(recur_tsv_bad_name(RECUR_TSV_BAD_EMPTY), "an empty text") == 0);
    recur_tsv_free(t);
    /* raw: the backslashes are text, so only 4 lines are bad */
    t = load_str(text, RECUR_TSV_SKIP_BAD);
    CHECK(t && recur_tsv_count(t) == 4 && recur_tsv_skipped(t, -1, NULL) == 4);
    recur_tsv_free(t);
    /* nothing good: an error that says so */
    t = (recur_tsv *)1;
    CHECK(recur_tsv_from_memory("\tx\n\ty\n", 6, "mem", RECUR_TSV_SKIP_BAD, &t) ==
          RECUR_E_FORMAT && t == NULL);
    CHECK(strstr(recur_last_error(), "all 2") != NULL);
    /* a NUL byte in one line */
    const char nul[] = "a\tx\0y\nb\tfine\n";
    CHECK(recur_tsv_from_memory(nul, sizeof nul - 1, "mem", RECUR_TSV_SKIP_BAD, &t) ==
          RECUR_OK);
    CHECK(t && recur_tsv_count(t) == 1 &&
          recur_tsv_skipped(t, RECUR_TSV_BAD_ENCODING, NULL) == 1);
    recur_tsv_free(t);
}

TEST_MAIN("test_words", TL_CASE(test_tokenizer), TL_CASE(test_vocab), TL_CASE(test_model_and_dataset),
          TL_CASE(test_word_naive_bayes), TL_CASE(test_skip_bad_lines))
