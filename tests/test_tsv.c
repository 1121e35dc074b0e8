/* test_tsv.c - the labelled-text (TSV) loader: good input, every malformed
 * case with its one-line message naming the line, size limits, the seeded
 * split, vocabularies, class names in the model and the encoded data set. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recur.h"
#include "testlib.h"

static recur_tsv *load_str(const char *s, int flags)
{
    recur_tsv *t = NULL;
    int rc = recur_tsv_from_memory(s, strlen(s), "mem", flags, &t);
    CHECK_MSG(rc == RECUR_OK, "load failed: %s", recur_last_error());
    return t;
}

/* The input must fail with code, a message holding want, on one line. */
static void expect_error(const char *s, size_t len, int flags, int code, const char *want)
{
    recur_tsv *t = (recur_tsv *)1;
    int rc = recur_tsv_from_memory(s, len, "mem", flags, &t);
    CHECK_MSG(rc == code, "expected %d, got %d (%s) for \"%.40s\"", code, rc,
              recur_last_error(), s);
    CHECK(t == NULL);
    const char *msg = recur_last_error();
    CHECK_MSG(strstr(msg, want) != NULL, "message \"%s\" lacks \"%s\"", msg, want);
    CHECK_MSG(strchr(msg, '\n') == NULL, "message \"%s\" has a newline", msg);
}

static int text_is(const recur_tsv *t, long i, const char *utf8)
{
    long n;
    const uint32_t *cps = recur_tsv_text(t, i, &n);
    char buf[256];
    int o = 0;
    for (long k = 0; k < n && o < 250; k++)
        o += recur_utf8_encode(cps[k], buf + o);
    buf[o] = 0;
    return strcmp(buf, utf8) == 0;
}

static void test_good_file(void)
{
    const char *s = "en\tHello, world\r\n"
                    "\n"
                    "fr\tBonjour \xc3\xa0 tous\tet\n"
                    "en\tx";
    recur_tsv *t = load_str(s, 0);
    if (!t)
        return;
    CHECK(recur_tsv_count(t) == 3);
    CHECK(strcmp(recur_tsv_label(t, 0), "en") == 0);
    CHECK(strcmp(recur_tsv_label(t, 1), "fr") == 0);
    CHECK(text_is(t, 0, "Hello, world")); /* \r dropped */
    CHECK(text_is(t, 1, "Bonjour \xc3\xa0 tous\tet")); /* further tabs are text */
    CHECK(text_is(t, 2, "x")); /* no final newline */
    CHECK(recur_tsv_line(t, 0) == 1 && recur_tsv_line(t, 1) == 3 &&
          recur_tsv_line(t, 2) == 4);
    CHECK(recur_tsv_label(t, 3) == NULL);
    recur_tsv_free(t);
}

static void test_escapes_header_unlabelled(void)
{
    recur_tsv *t = load_str("label\ttext\na\tone\\ntwo\\tthree\\\\four\n", RECUR_TSV_ESCAPES | RECUR_TSV_HEADER);
    if (t) {
        CHECK(recur_tsv_count(t) == 1);
        CHECK(text_is(t, 0, "one\ntwo\tthree\\four"));
        CHECK(recur_tsv_line(t, 0) == 2);
        recur_tsv_free(t);
    }
    t = load_str("a\tone\\ntwo\n", 0); /* without the flag: literal */
    if (t) {
        CHECK(text_is(t, 0, "one\\ntwo"));
        recur_tsv_free(t);
    }
    t = load_str("just\ttext\nmore text\n", RECUR_TSV_UNLABELLED);
    if (t) {
        CHECK(recur_tsv_count(t) == 2);
        CHECK(strcmp(recur_tsv_label(t, 0), "") == 0);
        CHECK(text_is(t, 0, "just\ttext"));
        recur_tsv_free(t);
    }
}

static void test_malformed(void)
{
    expect_error("", 0, 0, RECUR_E_FORMAT, "empty");
    expect_error("\n\n\r\n", 4, 0, RECUR_E_FORMAT, "no examples");
    expect_error("a\tok\nno tab here\n", 16, 0, RECUR_E_FORMAT, "line 2: no tab");
    expect_error("a\tok\n\ttext\n", 10, 0, RECUR_E_FORMAT, "line 2: the label is empty");
    expect_error("a\tok\nb\t\n", 7, 0, RECUR_E_FORMAT, "line 2: the text is empty");
    expect_error("a\tok\nb\t\r\n", 8, 0, RECUR_E_FORMAT, "line 2: the text is empty");
    expect_error("a\tok\nb\tbad \xff byte\n", 17, 0, RECUR_E_FORMAT,
                 "line 2: invalid UTF-8 at byte 7");
    expect_error("a\tok\nb\tover\xc0\xaflong\n", 17, 0, RECUR_E_FORMAT, "line 2: invalid UTF-8");
    expect_error("a\tok\nb\tcut \xe2\x82", 13, 0, RECUR_E_FORMAT, "line 2: invalid UTF-8");
    expect_error("\xff\tx\n", 4, 0, RECUR_E_FORMAT, "line 1: the label is not valid UTF-8");
    expect_error("a\x01z\tx\n", 6, 0, RECUR_E_FORMAT, "line 1: the label holds a control");
    expect_error("a\tok\nb\tnul\0byte\n", 15, 0, RECUR_E_FORMAT, "line 2: a NUL byte");
    expect_error("a\tok\nb\tx\\qy\n", 11, RECUR_TSV_ESCAPES, RECUR_E_FORMAT,
                 "line 2: unknown escape");
    expect_error("a\tok\nb\tx\\\n", 9, RECUR_TSV_ESCAPES, RECUR_E_FORMAT,
                 "line 2: a lone backslash");
    expect_error("h\xff\n", 3, RECUR_TSV_HEADER, RECUR_E_FORMAT, "line 1 (the header)");
    expect_error("header only\n", 12, RECUR_TSV_HEADER, RECUR_E_FORMAT, "after the header");
    recur_tsv *t = (recur_tsv *)1;
    CHECK(recur_tsv_from_memory("a\tb", 3, "mem", 64, &t) == RECUR_E_INVALID && !t);
}

static void test_limits(void)
{
    /* A line over the limit is refused, naming it; one at the limit is read. */
    size_t n = (size_t)RECUR_TSV_MAX_LINE_BYTES;
    char *buf = malloc(n + 16);
    memcpy(buf, "a\tok\nb\t", 7);
    memset(buf + 7, 'x', n - 2);
    buf[7 + n - 2] = '\n';
    recur_tsv *t = NULL;
    CHECK(recur_tsv_from_memory(buf, 7 + n - 1, "mem", 0, &t) == RECUR_OK);
    CHECK(t && recur_tsv_count(t) == 2);
    recur_tsv_free(t);
    buf[7 + n - 2] = 'x';
    buf[7 + n - 1] = '\n';
    expect_error(buf, 7 + n, 0, RECUR_E_LIMIT, "line 2 has 262145 bytes");
    /* A label over 256 bytes. */
    memset(buf, 'L', 257);
    memcpy(buf + 257, "\tx\n", 3);
    expect_error(buf, 260, 0, RECUR_E_LIMIT, "line 1: a label of 257 bytes");
    free(buf);

    /* A file over RECUR_MAX_TEXT_BYTES is refused before it is read: a
     * sparse file costs no disk. */
    char path[] = "/tmp/recur_tsv_test.XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK(ftruncate(fd, (off_t)RECUR_MAX_TEXT_BYTES + 1) == 0);
        close(fd);
        t = NULL;
        CHECK(recur_tsv_load(path, 0, &t) == RECUR_E_LIMIT && !t);
        CHECK(strstr(recur_last_error(), "over the") != NULL);
        CHECK(truncate(path, 0) == 0);
        CHECK(recur_tsv_load(path, 0, &t) == RECUR_E_FORMAT && !t);
        CHECK(strstr(recur_last_error(), "empty") != NULL);
        FILE *f = fopen(path, "w");
        fputs("x\thello\n", f);
        fclose(f);
        CHECK(recur_tsv_load(path, 0, &t) == RECUR_OK && recur_tsv_count(t) == 1);
        recur_tsv_free(t);
        unlink(path);
    }
    CHECK(recur_tsv_load("/nonexistent/x.tsv", 0, &t) == RECUR_E_IO && !t);
    CHECK(recur_tsv_load("/tmp", 0, &t) == RECUR_E_IO && !t);
}

/* 30 'a', 10 'b', 1 'c' examples. */
static recur_tsv *make_three_classes(void)
{
    char s[2048];
    int o = 0;
    for (int i = 0; i < 41; i++)
        o += snprintf(s + o, sizeof s - (size_t)o, "%s\ttext %d\n",
                      i < 30 ? "a" : i < 40 ? "b" : "c", i);
    return load_str(s, 0);
}

static void test_split(void)
{
    recur_tsv *t = make_three_classes();
    if (!t)
        return;
    long n = recur_tsv_count(t), tr[64], te[64], ntr, nte, tr2[64], te2[64], ntr2, nte2;
    CHECK(recur_tsv_split(t, 0.2, 7, 1, tr, &ntr, te, &nte) == RECUR_OK);
    CHECK(ntr + nte == n);
    CHECK(nte == 6 + 2 + 0); /* round(0.2 * 30), round(0.2 * 10), c keeps its one */
    int seen[64] = {0}, per[3] = {0};
    for (long i = 0; i < ntr; i++)
        seen[tr[i]]++;
    for (long i = 0; i < nte; i++) {
        seen[te[i]]++;
        per[recur_tsv_label(t, te[i])[0] - 'a']++;
        CHECK(i == 0 || te[i] > te[i - 1]); /* ascending */
    }
    for (long i = 0; i < n; i++)
        CHECK(seen[i] == 1);
    CHECK(per[0] == 6 && per[1] == 2 && per[2] == 0);
    /* Deterministic for a seed, different for another. */
    CHECK(recur_tsv_split(t, 0.2, 7, 1, tr2, &ntr2, te2, &nte2) == RECUR_OK);
    CHECK(nte2 == nte && memcmp(te, te2, (size_t)nte * sizeof *te) == 0);
    CHECK(recur_tsv_split(t, 0.2, 8, 1, tr2, &ntr2, te2, &nte2) == RECUR_OK);
    CHECK(nte2 == nte && memcmp(te, te2, (size_t)nte * sizeof *te) != 0);
    /* Not stratified: round(0.2 * 41) of all. */
    CHECK(recur_tsv_split(t, 0.2, 7, 0, tr, &ntr, te, &nte) == RECUR_OK);
    CHECK(nte == 8 && ntr == 33);
    CHECK(recur_tsv_split(t, 0, 7, 1, tr, &ntr, te, &nte) == RECUR_OK);
    CHECK(nte == 0 && ntr == n);
    CHECK(recur_tsv_split(t, 1.0, 7, 1, tr, &ntr, te, &nte) == RECUR_E_INVALID);
    CHECK(recur_tsv_split(t, -0.1, 7, 1, tr, &ntr, te, &nte) == RECUR_E_INVALID);
    recur_tsv_free(t);
}

static void test_vocab_and_dataset(void)
{
    recur_tsv *t = load_str("pos\tabba\nneg\tcd\npos\tab\xc3\xa9\n", 0);
    if (!t)
        return;
    char **cls;
    uint32_t *chars;
    int nc, nch;
    long idx[2] = {0, 1};
    /* From the first two examples, characters seen twice or more. */
    CHECK(recur_tsv_vocab(t, idx, 2, 2, &cls, &nc, &chars, &nch) == RECUR_OK);
    CHECK(nc == 2 && strcmp(cls[0], "neg") == 0 && strcmp(cls[1], "pos") == 0);
    CHECK(nch == 3 && chars[0] == 'a' && chars[1] == 'b' && chars[2] == RECUR_UNKNOWN_CHAR);
    recur_tsv_vocab_free(cls, nc, chars);
    CHECK(recur_tsv_vocab(t, NULL, 0, 1, &cls, &nc, &chars, &nch) == RECUR_OK);
    CHECK(nc == 2 && nch == 6 && chars[4] == 0xE9 && chars[5] == RECUR_UNKNOWN_CHAR);

    recur_config c;
    recur_config_default(&c);
    c.cell = RECUR_GRU;
    c.input = RECUR_INPUT_EMBEDDING;
    c.embed_dim = 4;
    c.hidden = 5;
    c.layers = 1;
    c.input_size = 3; /* a, b, unknown */
    c.output_size = nc;
    c.readout = RECUR_READOUT_MEAN;
    recur_model *m = NULL;
    CHECK(recur_model_create(&c, 1, &m) == RECUR_OK);
    if (m) {
        const uint32_t v[3] = {'a', 'b', RECUR_UNKNOWN_CHAR};
        CHECK(recur_model_set_vocab(m, v, 3) == RECUR_OK);
        recur_dataset ds;
        /* No class names yet: not a classifier. */
        CHECK(recur_tsv_dataset(t, NULL, 0, m, 0, &ds, NULL) == RECUR_E_MISMATCH);
        const char *bad[2] = {"x", "x"};
        CHECK(recur_model_set_classes(m, bad, 2) == RECUR_E_INVALID);
        CHECK(recur_model_set_classes(m, (const char *const *)cls, 1) == RECUR_E_MISMATCH);
        CHECK(recur_model_set_classes(m, (const char *const *)cls, nc) == RECUR_OK);
        char **back;
        int nb;
        CHECK(recur_model_get_classes(m, &back, &nb) == RECUR_OK);
        CHECK(nb == 2 && strcmp(back[0], "neg") == 0 && strcmp(back[1], "pos") == 0);
        recur_tsv_vocab_free(back, nb, NULL);
        long unknown;
        CHECK(recur_tsv_dataset(t, NULL, 0, m, 2, &ds, &unknown) == RECUR_OK);
        CHECK(ds.count == 3 && ds.offsets[3] == 6);
        CHECK(ds.tokens[0] == 0 && ds.tokens[1] == 1);   /* "ab" of "abba" */
        CHECK(ds.tokens[2] == 2 && ds.tokens[3] == 2);   /* "cd": unknown */
        CHECK(unknown == 2);
        CHECK(ds.labels[0] == 1 && ds.labels[1] == 0 && ds.labels[2] == 1);
        CHECK(recur_dataset_check(m, &ds) == RECUR_OK);
        recur_tsv_dataset_free(&ds);
        /* A label the model does not know: an error naming the line. */
        recur_tsv *u = load_str("pos\tab\nmaybe\tba\n", 0);
        if (u) {
            CHECK(recur_tsv_dataset(u, NULL, 0, m, 0, &ds, NULL) == RECUR_E_MISMATCH);
            CHECK(strstr(recur_last_error(), "mem: line 2: label 'maybe'") != NULL);
            recur_tsv_free(u);
        }
        /* Unlabelled text gets label 0. */
        u = load_str("zz\n", RECUR_TSV_UNLABELLED);
        if (u) {
            CHECK(recur_tsv_dataset(u, NULL, 0, m, 0, &ds, &unknown) == RECUR_OK);
            CHECK(ds.count == 1 && ds.labels[0] == 0 && unknown == 2);
            recur_tsv_dataset_free(&ds);
            recur_tsv_free(u);
        }
        /* Class names survive a save and load. */
        char path[] = "/tmp/recur_tsv_model.XXXXXX";
        int fd = mkstemp(path);
        if (fd >= 0) {
            close(fd);
            recur_model *m2 = NULL;
            CHECK(recur_model_save(m, path) == RECUR_OK);
            CHECK(recur_model_load(path, &m2) == RECUR_OK);
            if (m2) {
                CHECK(recur_model_get_classes(m2, &back, &nb) == RECUR_OK && nb == 2);
                if (nb == 2)
                    CHECK(strcmp(back[1], "pos") == 0);
                recur_tsv_vocab_free(back, nb, NULL);
            }
            recur_model_free(m2);
            unlink(path);
        }
        recur_model_free(m);
    }
    recur_tsv_vocab_free(cls, nc, chars);
    recur_tsv_free(t);
}

/* Random short inputs from an alphabet of the bytes that matter: every call
 * either succeeds with well-formed examples or fails with a message (and,
 * under the sanitizers, touches no memory it should not). */
static void test_random_inputs(void)
{
    static const char alphabet[] = {'a', 'b', '\t', '\n', '\\', 'n', '\r', (char)0xff,
                                    (char)0xc3, (char)0xa9, 0, ' '};
    uint64_t x = 88172645463325252ULL;
    for (int iter = 0; iter < 3000; iter++) {
        char buf[40];
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t len = (size_t)(x % sizeof buf);
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[i] = alphabet[x % sizeof alphabet];
        }
        int flags = iter % 8;
        recur_tsv *t = NULL;
        int rc = recur_tsv_from_memory(buf, len, "rnd", flags, &t);
        if (rc) {
            CHECK(t == NULL && *recur_last_error() != 0);
            continue;
        }
        CHECK(t && recur_tsv_count(t) > 0);
        for (long i = 0; t && i < recur_tsv_count(t); i++) {
            long n;
            CHECK(recur_tsv_text(t, i, &n) != NULL && n > 0);
            CHECK(recur_tsv_line(t, i) >= 1);
            CHECK((flags & RECUR_TSV_UNLABELLED) ? *recur_tsv_label(t, i) == 0
                                                 : *recur_tsv_label(t, i) != 0);
        }
        recur_tsv_free(t);
    }
}

TEST_MAIN("test_tsv", TL_CASE(test_good_file), TL_CASE(test_escapes_header_unlabelled),
          TL_CASE(test_malformed), TL_CASE(test_limits), TL_CASE(test_split),
          TL_CASE(test_vocab_and_dataset), TL_CASE(test_random_inputs))
