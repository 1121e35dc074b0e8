/* test_pairs.c - sequence pairs (recur_pairs_*, recur_vocab_*): good input,
 * every malformed case refused with one line naming the line (a NUL byte in
 * a target above all: it must not truncate the target), size limits, files,
 * tokens, vocabularies with their special tokens, encoding and the seeded
 * order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recur.h"
#include "testlib.h"

static recur_pairs *load_str(const char *s, size_t len, int flags)
{
    recur_pairs *p = NULL;
    int rc = recur_pairs_from_memory(s, len, "mem", flags, &p);
    CHECK_MSG(rc == RECUR_OK, "load failed: %s", recur_last_error());
    return p;
}

/* The input must fail with code and a one-line message holding want. */
static void expect_error(const char *s, size_t len, int flags, int code, const char *want)
{
    recur_pairs *p = (recur_pairs *)1;
    int rc = recur_pairs_from_memory(s, len, "mem", flags, &p);
    CHECK_MSG(rc == code, "expected %d, got %d (%s) for \"%.40s\"", code, rc,
              recur_last_error(), s);
    CHECK(p == NULL);
    const char *msg = recur_last_error();
    CHECK_MSG(strstr(msg, want) != NULL, "message \"%s\" lacks \"%s\"", msg, want);
    CHECK_MSG(strchr(msg, '\n') == NULL, "message \"%s\" has a newline", msg);
}

static int field_is(const char *got, size_t len, const char *want)
{
    return got && len == strlen(want) && strlen(got) == len && strcmp(got, want) == 0;
}

static void test_good_input(void)
{
    const char s[] = "abc\tcba\r\n\n\xc3\xa9t\xc3\xa9\tsummer\nx y\t  z  \nlast\tline";
    recur_pairs *p = load_str(s, sizeof s - 1, RECUR_PAIRS_NEED_TARGET);
    if (!p)
        return;
    CHECK(recur_pairs_count(p) == 4);
    size_t n;
    const char *src = recur_pairs_source(p, 0, &n);
    CHECK(field_is(src, n, "abc"));
    src = recur_pairs_target(p, 0, &n);
    CHECK(field_is(src, n, "cba")); /* \r dropped */
    CHECK(recur_pairs_line(p, 0) == 1);
    src = recur_pairs_source(p, 1, &n);
    CHECK(field_is(src, n, "\xc3\xa9t\xc3\xa9"));
    CHECK(recur_pairs_line(p, 1) == 3); /* the empty line is skipped */
    src = recur_pairs_target(p, 2, &n);
    CHECK(field_is(src, n, "  z  "));
    src = recur_pairs_target(p, 3, &n);
    CHECK(field_is(src, n, "line")); /* no final newline */
    CHECK(recur_pairs_line(p, 3) == 5);
    CHECK(recur_pairs_source(p, 4, &n) == NULL && n == 0);
    CHECK(recur_pairs_source(p, -1, NULL) == NULL);
    CHECK(recur_pairs_line(p, 4) == 0);
    recur_pairs_free(p);
    /* Without NEED_TARGET a line may be a source alone. */
    const char t[] = "one\ntwo\tzwei\n";
    p = load_str(t, sizeof t - 1, 0);
    if (!p)
        return;
    CHECK(recur_pairs_count(p) == 2);
    src = recur_pairs_target(p, 0, &n);
    CHECK(field_is(src, n, ""));
    src = recur_pairs_target(p, 1, &n);
    CHECK(field_is(src, n, "zwei"));
    recur_pairs_free(p);
    recur_pairs_free(NULL);
}

static void test_malformed(void)
{
    const int T = RECUR_PAIRS_NEED_TARGET;
    /* A NUL byte anywhere is refused, never a truncated field. */
    expect_error("x\ty\0z\n", 6, T, RECUR_E_FORMAT, "mem:1: a NUL byte");
    expect_error("ab\tc\nx\0yz\tw\n", 12, T, RECUR_E_FORMAT, "mem:2: a NUL byte");
    expect_error("ab\tc\nx\tw\0", 9, 0, RECUR_E_FORMAT, "mem:2: a NUL byte");
    expect_error("\0", 1, 0, RECUR_E_FORMAT, "NUL");
    expect_error("abc\tcba\nno tab here\n", 20, T, RECUR_E_FORMAT, "mem:2: no tab");
    expect_error("abc\tcba\na\tb\tc\n", 14, T, RECUR_E_FORMAT, "mem:2: more than one tab");
    expect_error("a\tb\tc\n", 6, 0, RECUR_E_FORMAT, "mem:1: more than one tab");
    expect_error("abc\tcba\nabd\t\n", 13, T, RECUR_E_FORMAT, "mem:2: empty target");
    expect_error("abc\t   \n", 8, T, RECUR_E_FORMAT, "mem:1: empty target");
    expect_error("\tcba\n", 5, T, RECUR_E_FORMAT, "mem:1: empty source");
    expect_error("\tcba\n", 5, 0, RECUR_E_FORMAT, "mem:1: empty source");
    expect_error("ab\xff" "c\tx\n", 7, T, RECUR_E_FORMAT, "mem:1: invalid UTF-8");
    expect_error("ab\tx\xc3\n", 6, T, RECUR_E_FORMAT, "mem:1: invalid UTF-8");
    expect_error("", 0, T, RECUR_E_FORMAT, "empty");
    expect_error("\n\r\n\n", 4, T, RECUR_E_FORMAT, "no pairs");
    recur_pairs *p = (recur_pairs *)1;
    CHECK(recur_pairs_from_memory("a\tb", 3, "mem", 8, &p) == RECUR_E_INVALID && !p);
    CHECK(recur_pairs_from_memory(NULL, 3, "mem", 0, &p) == RECUR_E_INVALID);
    CHECK(recur_pairs_from_memory("a\tb", 3, "mem", 0, NULL) == RECUR_E_INVALID);
}

static void test_limits_and_files(void)
{
    /* A line over RECUR_TSV_MAX_LINE_BYTES, as for labelled text. */
    size_t n = (size_t)RECUR_TSV_MAX_LINE_BYTES + 3;
    char *big = malloc(n);
    if (!big)
        return;
    memset(big, 'a', n);
    big[1] = '\t';
    big[n - 1] = '\n';
    expect_error(big, n, RECUR_PAIRS_NEED_TARGET, RECUR_E_LIMIT, "mem:1:");
    recur_pairs *p = load_str(big, n - 3, RECUR_PAIRS_NEED_TARGET); /* at the limit */
    CHECK(p && recur_pairs_count(p) == 1);
    recur_pairs_free(p);
    free(big);
    /* Files: the same checks, the file name in the message. */
    char path[64];
    snprintf(path, sizeof path, "/tmp/recur_test_pairs.%ld.tsv", (long)getpid());
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    fwrite("ab\tba\nx\tyz\0w\n", 1, 13, f);
    fclose(f);
    p = (recur_pairs *)1;
    CHECK(recur_pairs_load(path, RECUR_PAIRS_NEED_TARGET, &p) == RECUR_E_FORMAT && !p);
    CHECK(strstr(recur_last_error(), path) && strstr(recur_last_error(), ":2: a NUL"));
    f = fopen(path, "wb");
    if (f) {
        fputs("ab\tba\nx\tyz\n", f);
        fclose(f);
    }
    CHECK(recur_pairs_load(path, RECUR_PAIRS_NEED_TARGET, &p) == RECUR_OK);
    CHECK(p && recur_pairs_count(p) == 2 && strcmp(recur_pairs_target(p, 1, NULL), "yz") == 0);
    recur_pairs_free(p);
    f = fopen(path, "wb");
    if (f)
        fclose(f);
    CHECK(recur_pairs_load(path, 0, &p) == RECUR_E_FORMAT);
    CHECK(strstr(recur_last_error(), "empty") != NULL);
    unlink(path);
    CHECK(recur_pairs_load(path, 0, &p) == RECUR_E_IO);
    CHECK(recur_pairs_load("/tmp", 0, &p) == RECUR_E_IO);
    CHECK(strstr(recur_last_error(), "not a regular file") != NULL);
}

static void test_tokens(void)
{
    CHECK(recur_tokens_parse("chars") == RECUR_TOKENS_CHARS);
    CHECK(recur_tokens_parse("words") == RECUR_TOKENS_WORDS);
    CHECK(recur_tokens_parse("bytes") == -1 && recur_tokens_parse(NULL) == -1);
    CHECK(strcmp(recur_tokens_name(RECUR_TOKENS_WORDS), "words") == 0);
    char *buf, **t;
    int n;
    CHECK(recur_tokenize("  HH  AH0 L  OW1 ", RECUR_TOKENS_WORDS, &buf, &t, &n) == RECUR_OK);
    CHECK(n == 4 && !strcmp(t[0], "HH") && !strcmp(t[1], "AH0") && !strcmp(t[3], "OW1"));
    free(buf);
    free(t);
    CHECK(recur_tokenize("a\xc3\xa9 b", RECUR_TOKENS_CHARS, &buf, &t, &n) == RECUR_OK);
    CHECK(n == 4 && !strcmp(t[1], "\xc3\xa9") && !strcmp(t[2], " "));
    free(buf);
    free(t);
    CHECK(recur_tokenize("", RECUR_TOKENS_CHARS, &buf, &t, &n) == RECUR_OK && n == 0);
    free(buf);
    free(t);
    CHECK(recur_tokenize("a\xff", RECUR_TOKENS_CHARS, &buf, &t, &n) == RECUR_E_FORMAT);
    CHECK(buf == NULL && t == NULL && n == 0);
}

static void test_vocab_and_encode(void)
{
    const char s[] = "ba\tB A\nab\tA <unk> B\ncc\tC\n";
    recur_pairs *p = load_str(s, sizeof s - 1, RECUR_PAIRS_NEED_TARGET);
    if (!p)
        return;
    long idx[] = {0, 1}; /* "cc" stays out of the vocabularies */
    recur_vocab *sv = NULL, *tv = NULL;
    CHECK(recur_pairs_vocab(p, idx, 2, 0, RECUR_TOKENS_CHARS, &sv) == RECUR_OK);
    CHECK(recur_pairs_vocab(p, idx, 2, 1, RECUR_TOKENS_WORDS, &tv) == RECUR_OK);
    if (!sv || !tv)
        goto done;
    int n;
    const char *const *names = recur_vocab_names(sv, &n);
    CHECK(n == 3 && !strcmp(names[0], RECUR_TOKEN_UNK) && !strcmp(names[1], "a") &&
          !strcmp(names[2], "b"));
    CHECK(recur_vocab_unk(sv) == 0);
    names = recur_vocab_names(tv, &n);
    /* The specials, then A and B; "<unk>" in the data is not added again. */
    CHECK(n == 5 && !strcmp(names[0], RECUR_TOKEN_BOS) && !strcmp(names[1], RECUR_TOKEN_EOS) &&
          !strcmp(names[2], RECUR_TOKEN_UNK) && !strcmp(names[3], "A") &&
          !strcmp(names[4], "B"));
    CHECK(recur_vocab_unk(tv) == 2);
    CHECK(recur_vocab_id(tv, "B") == 4 && recur_vocab_id(tv, "Z") == 2);
    CHECK(recur_vocab_id(tv, RECUR_TOKEN_BOS) == 2); /* a special in data: <unk> */
    long all[] = {0, 1, 2}, *off, unk = 0;
    int32_t *ids;
    CHECK(recur_pairs_encode(p, all, 3, 1, RECUR_TOKENS_WORDS, tv, &off, &ids, &unk) ==
          RECUR_OK);
    if (off) {
        const long want_off[] = {0, 2, 5, 6};
        const int32_t want[] = {4, 3, 3, 2, 4, 2};
        CHECK(memcmp(off, want_off, sizeof want_off) == 0);
        CHECK(memcmp(ids, want, sizeof want) == 0);
        CHECK(unk == 2);
    }
    free(off);
    free(ids);
    CHECK(recur_pairs_encode(p, all, 3, 0, RECUR_TOKENS_CHARS, sv, &off, &ids, NULL) ==
          RECUR_OK);
    if (off) {
        const int32_t want[] = {2, 1, 1, 2, 0, 0};
        CHECK(off[3] == 6 && memcmp(ids, want, sizeof want) == 0);
    }
    free(off);
    free(ids);
    long bad[] = {3};
    CHECK(recur_pairs_encode(p, bad, 1, 0, RECUR_TOKENS_CHARS, sv, &off, &ids, NULL) ==
          RECUR_E_INVALID);
    recur_vocab *none_v = (recur_vocab *)1;
    CHECK(recur_pairs_vocab(p, idx, 2, 2, RECUR_TOKENS_CHARS, &none_v) == RECUR_E_INVALID);
    CHECK(none_v == NULL);
    /* A vocabulary back from its names (as a model stores them). */
    recur_vocab *back = NULL;
    names = recur_vocab_names(tv, &n);
    CHECK(recur_vocab_from_names(names, n, 1, &back) == RECUR_OK);
    CHECK(back && recur_vocab_id(back, "A") == 3 && recur_vocab_unk(back) == 2);
    recur_vocab_free(back);
    CHECK(recur_vocab_from_names(names, n, 0, &back) == RECUR_E_MISMATCH && !back);
    const char *const dup[] = {RECUR_TOKEN_UNK, "x", "x"};
    CHECK(recur_vocab_from_names(dup, 3, 0, &back) == RECUR_E_INVALID && !back);
    int32_t *one;
    int none;
    unk = 0;
    CHECK(recur_vocab_encode(sv, "abz", RECUR_TOKENS_CHARS, &one, &none, &unk) == RECUR_OK);
    CHECK(none == 3 && one[0] == 1 && one[1] == 2 && one[2] == 0 && unk == 1);
    free(one);
done:
    recur_vocab_free(sv);
    recur_vocab_free(tv);
    recur_pairs_free(p);
}

/* The order `recur seq2seq` has always split by: a Fisher-Yates shuffle
 * driven by splitmix64 from seed * 0x2545F4914F6CDD1D + 17, written out
 * again here. */
static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void test_shuffle(void)
{
    enum { N = 50 };
    long a[N], b[N], want[N];
    for (uint64_t seed = 0; seed < 4; seed++) {
        CHECK(recur_pairs_shuffle(N, seed, a) == RECUR_OK);
        uint64_t st = seed * 0x2545F4914F6CDD1DULL + 17;
        for (long i = 0; i < N; i++)
            want[i] = i;
        for (long i = N - 1; i > 0; i--) {
            long j = (long)(splitmix(&st) % (uint64_t)(i + 1)), t = want[i];
            want[i] = want[j];
            want[j] = t;
        }
        CHECK(memcmp(a, want, sizeof a) == 0);
    }
    CHECK(recur_pairs_shuffle(N, 1, a) == RECUR_OK && recur_pairs_shuffle(N, 2, b) == RECUR_OK);
    CHECK(memcmp(a, b, sizeof a) != 0);
    CHECK(recur_pairs_shuffle(-1, 1, a) == RECUR_E_INVALID);
}

TEST_MAIN("test_pairs", TL_CASE(test_good_input), TL_CASE(test_malformed),
          TL_CASE(test_limits_and_files), TL_CASE(test_tokens),
          TL_CASE(test_vocab_and_encode), TL_CASE(test_shuffle))
