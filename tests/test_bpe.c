/* test_bpe.c - byte-pair encoding (recur_bpe_*) and subword vocabularies:
 * any byte string (UTF-8 or not, odd whitespace, random) round-trips
 * exactly; learning is deterministic and does not depend on the order of
 * the texts; the table survives its text form, and a corrupt table is
 * refused with one line; merges follow the pieces (no merge across a word);
 * subword vocabularies encode and decode pairs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recur.h"
#include "testlib.h"

static const char *const corpus[] = {
    "Die Tabelle wird eingefügt.", "Tabelle einfügen", "Datei öffnen", "Datei speichern",
    "Die Datei wird gespeichert.", "Öffnet die Tabelle.", "Fügt eine Zeile ein.",
    "Zeile löschen", "Spalte löschen", "Die Spalte wird gelöscht.", "€ 100, 200 € – ok?",
    "  zwei  Leerzeichen\tund Tab ", "日本語のテキスト、日本語",
};
#define NCORPUS ((long)(sizeof corpus / sizeof *corpus))

static recur_bpe *learn(const char *const *texts, long n, int merges)
{
    recur_bpe *b = NULL;
    int rc = recur_bpe_learn(texts, n, merges, &b);
    CHECK_MSG(rc == RECUR_OK, "learn: %s", recur_last_error());
    return b;
}

/* s[0..len) encodes and decodes to itself. */
static int round_trips(const recur_bpe *b, const char *s, size_t len)
{
    int32_t *ids = NULL;
    int n = 0;
    char *back = NULL;
    size_t blen = 0;
    int ok = recur_bpe_encode(b, s, len, &ids, &n) == RECUR_OK &&
             recur_bpe_decode(b, ids, n, &back, &blen) == RECUR_OK && blen == len &&
             memcmp(back, s, len) == 0 && (size_t)n <= len;
    free(ids);
    free(back);
    return ok;
}

static void test_round_trip_fixed(void)
{
    recur_bpe *b = learn(corpus, NCORPUS, 200);
    if (!b)
        return;
    CHECK(recur_bpe_merge_count(b) > 50);
    CHECK(recur_bpe_size(b) == 256 + recur_bpe_merge_count(b));
    const char *const texts[] = {
        "", " ", "  ", "\t\n\r", "Die Tabelle", "Tabellen einfügen!", "ÄÖÜ äöü ß",
        "a\xff\xfe b", "\xc3", "\xe2\x82", "日本", "x  y\t z \n", "🙂 emoji 🙂🙂",
        "\x01\x02\x7f", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        CHECK_MSG(round_trips(b, texts[i], strlen(texts[i])), "round trip of \"%s\"",
                  texts[i]);
    /* A NUL byte is one more byte. */
    CHECK(round_trips(b, "a\0b", 3));
    recur_bpe_free(b);
}

static uint64_t next(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

/* Random strings drawn from bytes that stress the pieces: letters, UTF-8
 * sequences (whole and cut), spaces, tabs, symbols, any byte at all. */
static void test_round_trip_fuzz(void)
{
    static const char *const atoms[] = {"a", "e", "n", "Die", " ", "  ", "\t", "\n", ".",
                                        "ö", "€", "日", "🙂", "\xc3", "\x82", "\xff", "0",
                                        "(", "--", "ie", "Tabelle"};
    const int natoms = (int)(sizeof atoms / sizeof *atoms);
    char *texts[64];
    uint64_t st = 42;
    for (int t = 0; t < 64; t++) {
        texts[t] = malloc(200);
        size_t o = 0;
        int k = (int)(next(&st) % 30);
        for (int i = 0; i < k; i++) {
            const char *a = atoms[next(&st) % (uint64_t)natoms];
            memcpy(texts[t] + o, a, strlen(a));
            o += strlen(a);
        }
        texts[t][o] = 0;
    }
    recur_bpe *b = learn((const char *const *)texts, 64, 300);
    int failed = 0;
    for (int trial = 0; b && trial < 2000 && !failed; trial++) {
        char s[300];
        size_t len = next(&st) % 120;
        for (size_t i = 0; i < len;) {
            if (next(&st) % 4 == 0) {
                s[i++] = (char)(next(&st) % 256);
            } else {
                const char *a = atoms[next(&st) % (uint64_t)natoms];
                size_t k = strlen(a);
                if (i + k > len)
                    k = len - i;
                memcpy(s + i, a, k);
                i += k;
            }
        }
        if (!round_trips(b, s, len)) {
            failed = 1;
            CHECK_MSG(0, "random string %d (%zu bytes) does not round-trip", trial, len);
        }
    }
    recur_bpe_free(b);
    for (int t = 0; t < 64; t++)
        free(texts[t]);
}

static char *table_text(const recur_bpe *b)
{
    char *s = NULL;
    CHECK(recur_bpe_to_text(b, &s) == RECUR_OK);
    return s;
}

static void test_deterministic(void)
{
    const char *rev[NCORPUS];
    for (long i = 0; i < NCORPUS; i++)
        rev[i] = corpus[NCORPUS - 1 - i];
    recur_bpe *a = learn(corpus, NCORPUS, 40), *b = learn(corpus, NCORPUS, 40),
              *c = learn(rev, NCORPUS, 40), *d = learn(corpus, NCORPUS, 20);
    if (!a || !b || !c || !d)
        return;
    char *ta = table_text(a), *tb = table_text(b), *tc = table_text(c), *td = table_text(d);
    CHECK(ta && tb && strcmp(ta, tb) == 0);
    CHECK_MSG(tc && strcmp(ta, tc) == 0, "the order of the texts changed the merges");
    /* Fewer merges are a prefix of more. */
    CHECK(td && strncmp(ta + strlen("recur-bpe-1 40"), td + strlen("recur-bpe-1 20"),
                        strlen(td) - strlen("recur-bpe-1 20")) == 0);
    /* The first merge is the most frequent pair: 'e' 'i' (11 times: Datei,
     * ein, Zeile, speichern ...). */
    size_t len;
    const char *t0 = recur_bpe_token(a, 256, &len);
    CHECK(t0 && len == 2 && memcmp(t0, "ei", 2) == 0);
    /* No pair left that occurs twice: learning stops short of the ask. */
    recur_bpe *f = learn(corpus, NCORPUS, 1000);
    CHECK(f && recur_bpe_merge_count(f) < 1000);
    recur_bpe_free(f);
    /* Text form and back: the same table. */
    recur_bpe *e = NULL;
    CHECK(recur_bpe_from_text(ta, &e) == RECUR_OK);
    char *te = e ? table_text(e) : NULL;
    CHECK(te && strcmp(ta, te) == 0);
    for (int i = 0; e && i < recur_bpe_size(a); i++) {
        size_t l1, l2;
        const char *p1 = recur_bpe_token(a, i, &l1), *p2 = recur_bpe_token(e, i, &l2);
        CHECK(l1 == l2 && memcmp(p1, p2, l1) == 0);
    }
    free(ta), free(tb), free(tc), free(td), free(te);
    recur_bpe_free(a), recur_bpe_free(b), recur_bpe_free(c), recur_bpe_free(d);
    recur_bpe_free(e);
}

/* Merges stay inside pieces: no token joins a letter to a space after it or
 * a word to a symbol, and token bytes are distinct. */
static void test_pieces(void)
{
    const char *const texts[] = {"ab. ab. ab. ab. ab. ab.", "x ab, x ab, x ab"};
    recur_bpe *b = learn(texts, 2, 1000);
    if (!b)
        return;
    for (int i = 256; i < recur_bpe_size(b); i++) {
        size_t n;
        const char *p = recur_bpe_token(b, i, &n);
        CHECK_MSG(!(n > 1 && p[n - 1] == ' '), "token %d ends in a space", i);
        CHECK_MSG(!memchr(p, '.', n) || n == 1 || (n == 2 && p[0] == ' ') ||
                      strspn(p, ". ") == n, "token %d mixes a word and a symbol", i);
    }
    int32_t *ids;
    int n;
    CHECK(recur_bpe_encode(b, "ab ab", 5, &ids, &n) == RECUR_OK);
    if (n == 2) {
        size_t l0, l1;
        const char *p0 = recur_bpe_token(b, ids[0], &l0), *p1 = recur_bpe_token(b, ids[1], &l1);
        CHECK(l0 == 2 && memcmp(p0, "ab", 2) == 0 && l1 == 3 && memcmp(p1, " ab", 3) == 0);
    } else {
        CHECK_MSG(0, "\"ab ab\" is %d tokens, expected \"ab\" \" ab\"", n);
    }
    free(ids);
    char name[64];
    CHECK(recur_bpe_token_name(b, 'a', name, sizeof name) == RECUR_OK && !strcmp(name, "a"));
    CHECK(recur_bpe_token_name(b, 0xc3, name, sizeof name) == RECUR_OK &&
          !strcmp(name, "<0xC3>"));
    CHECK(recur_bpe_token_name(b, '\n', name, sizeof name) == RECUR_OK &&
          !strcmp(name, "<0x0A>"));
    CHECK(recur_bpe_token_name(b, 'a', name, 1) == RECUR_E_LIMIT);
    recur_bpe_free(b);
}

static void expect_bad(const char *text, const char *want)
{
    recur_bpe *b = (recur_bpe *)1;
    int rc = recur_bpe_from_text(text, &b);
    CHECK_MSG(rc == RECUR_E_FORMAT, "\"%.40s\": expected RECUR_E_FORMAT, got %d", text, rc);
    CHECK(b == NULL);
    const char *msg = recur_last_error();
    CHECK_MSG(strstr(msg, want) != NULL, "message \"%s\" lacks \"%s\"", msg, want);
    CHECK(strchr(msg, '\n') == NULL);
}

static void test_corrupt_tables(void)
{
    recur_bpe *b = NULL;
    CHECK(recur_bpe_from_text("recur-bpe-1 0", &b) == RECUR_OK && recur_bpe_size(b) == 256);
    recur_bpe_free(b);
    CHECK(recur_bpe_from_text("recur-bpe-1 2 97 98 256 99", &b) == RECUR_OK);
    size_t n;
    const char *t = b ? recur_bpe_token(b, 257, &n) : NULL;
    CHECK(t && n == 3 && memcmp(t, "abc", 3) == 0);
    recur_bpe_free(b);
    expect_bad("", "does not start with");
    expect_bad("bpe 1 97 98", "does not start with");
    expect_bad("recur-bpe-1", "does not start with");
    expect_bad("recur-bpe-1 x", "no merge count");
    expect_bad("recur-bpe-1 2 97 98", "merge 2 of 2 is missing");
    expect_bad("recur-bpe-1 1 97 98 99", "more than the 1 merges");
    expect_bad("recur-bpe-1 1 97 256", "not both earlier tokens");
    expect_bad("recur-bpe-1 1 97 -1", "not two numbers");
    expect_bad("recur-bpe-1 1 97  98", "not two numbers");
    expect_bad("recur-bpe-1 2 97 98 97 98", "join the same pair");
    expect_bad("recur-bpe-1 3 97 98 256 99 97 98", "join the same pair");
    expect_bad("recur-bpe-1 4 97 98 98 99 256 99 97 257", "the same bytes");
    expect_bad("recur-bpe-1 99999999 1 2", "no merge count");
    /* Doubling "a" six times: 64 bytes, longer than any piece. */
    expect_bad("recur-bpe-1 6 97 97 256 256 257 257 258 258 259 259 260 260",
               "token 261 is longer than a piece");
}

static void test_vocab(void)
{
    const char tsv[] = "Datei öffnen\tOpen File\nDatei speichern\tSave File\n"
                       "Tabelle einfügen\tInsert Table\nZeile löschen\tDelete Row\n";
    recur_pairs *p = NULL;
    CHECK(recur_pairs_from_memory(tsv, sizeof tsv - 1, "mem", RECUR_PAIRS_NEED_TARGET, &p) ==
          RECUR_OK);
    if (!p)
        return;
    long idx[4] = {0, 1, 2, 3};
    recur_vocab *v = NULL, *w = NULL;
    CHECK(recur_pairs_vocab_bpe(p, idx, 4, 1, 20, &v) == RECUR_OK);
    CHECK(recur_vocab_bpe(v) != NULL);
    int nv = 0;
    const char *const *names = recur_vocab_names(v, &nv);
    CHECK(nv == 3 + recur_bpe_size(recur_vocab_bpe(v)));
    CHECK(names && !strcmp(names[0], "<s>") && !strcmp(names[2], "<unk>") &&
          !strcmp(names[3 + 'O'], "O"));
    /* An unseen word: still encoded, no <unk>, and decoded exactly. */
    int32_t *ids;
    int n;
    long unknown = 0;
    const char *text = "Open Räume\t!";
    CHECK(recur_vocab_encode(v, text, RECUR_TOKENS_BPE, &ids, &n, &unknown) == RECUR_OK);
    CHECK(unknown == 0);
    char *back = NULL;
    CHECK(recur_vocab_decode(v, ids, n, RECUR_TOKENS_BPE, &back) == RECUR_OK);
    CHECK(back && !strcmp(back, text));
    free(back);
    free(ids);
    /* Part of a character: U+FFFD for each stray byte. */
    int32_t part[3] = {3 + 'a', 3 + 0xc3, 3 + 'b'};
    CHECK(recur_vocab_decode(v, part, 3, RECUR_TOKENS_BPE, &back) == RECUR_OK);
    CHECK(back && !strcmp(back, "a\xEF\xBF\xBD" "b"));
    free(back);
    CHECK(recur_vocab_from_bpe(recur_vocab_bpe(v), 1, &w) == RECUR_OK);
    int nw = 0;
    const char *const *wn = recur_vocab_names(w, &nw);
    CHECK(nw == nv);
    for (int i = 0; i < nw && i < nv; i++)
        CHECK(!strcmp(wn[i], names[i]));
    long *off;
    int32_t *all;
    CHECK(recur_pairs_encode(p, idx, 4, 1, RECUR_TOKENS_BPE, w, &off, &all, NULL) == RECUR_OK);
    CHECK(off[4] > 4 && all[0] >= 3);
    free(off);
    free(all);
    /* Subwords without a table, and splitting subwords without one. */
    recur_vocab *chars = NULL;
    CHECK(recur_pairs_vocab(p, idx, 4, 1, RECUR_TOKENS_CHARS, &chars) == RECUR_OK);
    CHECK(recur_vocab_encode(chars, "x", RECUR_TOKENS_BPE, &ids, &n, NULL) == RECUR_E_INVALID);
    char *buf, **toks;
    CHECK(recur_tokenize("x", RECUR_TOKENS_BPE, &buf, &toks, &n) == RECUR_E_INVALID);
    CHECK(recur_tokens_parse("bpe") == RECUR_TOKENS_BPE &&
          !strcmp(recur_tokens_name(RECUR_TOKENS_BPE), "bpe"));
    recur_vocab_free(chars);
    recur_vocab_free(v);
    recur_vocab_free(w);
    recur_pairs_free(p);
}

TEST_MAIN("test_bpe", TL_CASE(test_round_trip_fixed), TL_CASE(test_round_trip_fuzz),
          TL_CASE(test_deterministic), TL_CASE(test_pieces), TL_CASE(test_corrupt_tables),
          TL_CASE(test_vocab))
