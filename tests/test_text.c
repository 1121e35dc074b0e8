/* test_text.c - corpora read in chunks and held at the narrowest width
 * (text.c): the same tokens and vocabulary as the string in memory whatever
 * the chunk size (characters of 1 to 4 bytes cut at every edge), 1 byte per
 * token for up to 256 characters and 2 above, errors that name the right
 * byte and line across chunks, training and evaluation over 1-byte tokens
 * equal to the 4-byte ones, and parts of a text (recur_text_load_part)
 * that a trainer uses only where they hold its streams. */
#include "recur.h"
#include "testlib.h"
#include "data/text.h"
#include "train/trainer.h"

#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define FILE_NAME "test_text.tmp.txt"

static void write_file(const char *s, size_t n)
{
    FILE *f = fopen(FILE_NAME, "wb");
    CHECK(f && fwrite(s, 1, n, f) == n);
    if (f)
        fclose(f);
}

/* A text of 1- to 4-byte characters with more than 256 distinct ones. */
static char *mixed_text(size_t *len)
{
    char *s = malloc(8192);
    size_t n = 0;
    for (int i = 0; i < 300; i++) {
        static const uint32_t base[] = {'a', 0xE9, 0x3B1, 0x4E00, 0x1F600};
        n += (size_t)recur_utf8_encode(base[i % 5] + (uint32_t)(i % 5 == 0 ? i % 26 : i),
                                       s + n);
        if (i % 17 == 0)
            s[n++] = '\n';
    }
    *len = n;
    return s;
}

static int same_tokens(const recur_text *a, const recur_text *b)
{
    recur_token_array x = recur_text_token_array(a), y = recur_text_token_array(b);
    int nva, nvb;
    const uint32_t *va = recur_text_vocab(a, &nva), *vb = recur_text_vocab(b, &nvb);
    return x.n == y.n && x.width == y.width && nva == nvb &&
           memcmp(va, vb, (size_t)nva * sizeof *va) == 0 &&
           memcmp(x.ids, y.ids, (size_t)x.n * (size_t)x.width) == 0;
}

static void chunks_do_not_matter(void)
{
    size_t len;
    char *s = mixed_text(&len);
    write_file(s, len);
    recur_text *mem = NULL;
    CHECK(recur_text_from_string(s, len, NULL, &mem) == RECUR_OK);
    size_t sizes[] = {1, 2, 3, 4, 5, 7, 64, (size_t)16 << 20};
    size_t keep = recur__text_chunk_bytes;
    for (int k = 0; k < 8; k++) {
        recur__text_chunk_bytes = sizes[k];
        recur_text *t = NULL;
        CHECK(recur_text_load(FILE_NAME, NULL, &t) == RECUR_OK);
        CHECK_MSG(t && mem && same_tokens(t, mem), "chunks of %zu bytes", sizes[k]);
        recur_text_free(t);
    }
    recur__text_chunk_bytes = keep;
    recur_text_free(mem);
    free(s);
    unlink(FILE_NAME);
}

static void narrowest_width(void)
{
    size_t len;
    char *s = mixed_text(&len);
    recur_text *wide = NULL, *narrow = NULL;
    CHECK(recur_text_from_string(s, len, NULL, &wide) == RECUR_OK);
    CHECK(recur_text_from_string("the cat sat on the mat\n", 23, NULL, &narrow) == RECUR_OK);
    recur_token_array w = recur_text_token_array(wide), a = recur_text_token_array(narrow);
    int nv;
    recur_text_vocab(wide, &nv);
    CHECK(nv > 256 && w.width == 2);
    CHECK(a.width == 1 && a.n == 23);
    long n;
    const int32_t *t32 = recur_text_tokens(wide, &n);
    CHECK(t32 && n == w.n);
    for (long i = 0; t32 && i < n; i++)
        CHECK(t32[i] == ((const uint16_t *)w.ids)[i]);
    t32 = recur_text_tokens(narrow, &n);
    for (long i = 0; t32 && i < n; i++)
        CHECK(t32[i] == ((const uint8_t *)a.ids)[i]);
    recur_text_free(wide);
    recur_text_free(narrow);
    free(s);
}

/* Errors found in a later chunk give the offset and line in the file. */
static void errors_across_chunks(void)
{
    size_t keep = recur__text_chunk_bytes;
    recur__text_chunk_bytes = 3;
    recur_text *t = NULL;
    write_file("ab\ncd\n\xC3\xA9x\xE4\xB8", 12);
    CHECK(recur_text_load(FILE_NAME, NULL, &t) == RECUR_E_FORMAT);
    CHECK_MSG(strstr(recur_last_error(), "invalid UTF-8 at byte 9 (line 3)"), "%s",
              recur_last_error());
    write_file("abcdefg\nh\0i", 11);
    CHECK(recur_text_load(FILE_NAME, NULL, &t) == RECUR_E_FORMAT);
    CHECK_MSG(strstr(recur_last_error(), "NUL byte at offset 9"), "%s", recur_last_error());
    recur_text *v = NULL;
    CHECK(recur_text_from_string("abc\n", 4, NULL, &v) == RECUR_OK);
    recur_config c;
    recur_config_default(&c);
    c.input_size = c.output_size = 4;
    c.hidden = 4;
    recur_model *m = NULL;
    CHECK(recur_model_create(&c, 1, &m) == RECUR_OK);
    int nv;
    const uint32_t *cps = recur_text_vocab(v, &nv);
    CHECK(m && recur_model_set_vocab(m, cps, nv) == RECUR_OK);
    write_file("abc\ncab\nbca\nabd\n", 16);
    CHECK(m && recur_text_load(FILE_NAME, m, &t) == RECUR_E_MISMATCH);
    CHECK_MSG(strstr(recur_last_error(), "line 4: character 'd'"), "%s", recur_last_error());
    write_file("abc\ncab\n", 8);
    CHECK(m && recur_text_load(FILE_NAME, m, &t) == RECUR_OK);
    CHECK(t && recur_text_token_array(t).width == 1 && recur_text_token_array(t).n == 8);
    recur_text_free(t);
    recur_model_free(m);
    recur_text_free(v);
    recur__text_chunk_bytes = keep;
    unlink(FILE_NAME);
}

/* 1-byte tokens train and evaluate exactly as their 4-byte copy. */
static void narrow_training_is_exact(void)
{
    static const char corpus[] =
        "It is a truth universally acknowledged, that a single man in possession "
        "of a good fortune, must be in want of a wife. However little known the "
        "feelings or views of such a man may be on his first entering a neighbourhood.";
    recur_text *t = NULL;
    CHECK(recur_text_from_string(corpus, sizeof corpus - 1, NULL, &t) == RECUR_OK);
    if (!t)
        return;
    recur_token_array a = recur_text_token_array(t);
    long n;
    const int32_t *t32 = recur_text_tokens(t, &n);
    int nv;
    recur_text_vocab(t, &nv);
    recur_config c;
    recur_config_default(&c);
    c.input_size = c.output_size = nv;
    c.hidden = 16;
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.seq_len = 10;
    tc.batch = 4;
    recur_model *m1 = NULL, *m4 = NULL;
    recur_trainer *t1 = NULL, *t4 = NULL;
    CHECK(recur_model_create(&c, 3, &m1) == RECUR_OK && recur_model_create(&c, 3, &m4) == RECUR_OK);
    CHECK(a.width == 1 && recur_trainer_create_tokens(m1, &tc, a, &t1) == RECUR_OK);
    CHECK(recur_trainer_create(m4, &tc, t32, n, &t4) == RECUR_OK);
    for (int k = 0; t1 && t4 && k < 8; k++) {
        CHECK(recur_trainer_step(t1, NULL) == RECUR_OK);
        CHECK(recur_trainer_step(t4, NULL) == RECUR_OK);
    }
    CHECK(memcmp(m1->params, m4->params, (size_t)m1->nparams * sizeof *m1->params) == 0);
    recur_eval_stats e1, e4;
    CHECK(recur_evaluate_tokens(m1, a, 10, 3, &e1) == RECUR_OK);
    CHECK(recur_evaluate(m1, t32, n, 10, 3, &e4) == RECUR_OK);
    CHECK(e1.loss == e4.loss && e1.tokens == e4.tokens);
    recur_token_array bad = a;
    bad.width = 3;
    CHECK(recur_evaluate_tokens(m1, bad, 10, 3, &e1) == RECUR_E_INVALID);
    recur_trainer_free(t1);
    recur_trainer_free(t4);
    recur_model_free(m1);
    recur_model_free(m4);
    recur_text_free(t);
}

static int no_sum(void *user, float *v, long n, double *d, int nd)
{
    (void)user, (void)v, (void)n, (void)d, (void)nd;
    return 1;
}

/* A part keeps only its characters, from the whole file's vocabulary; a
 * trainer over a part refuses what it does not hold. */
static void parts_of_a_text(void)
{
    size_t len;
    char *s = mixed_text(&len);
    write_file(s, len);
    recur_text *all = NULL, *part = NULL, *none = NULL, *bad = NULL;
    CHECK(recur_text_load(FILE_NAME, NULL, &all) == RECUR_OK);
    CHECK(recur_text_load_part(FILE_NAME, NULL, 100, 50, &part) == RECUR_OK);
    CHECK(recur_text_load_part(FILE_NAME, NULL, 0, 0, &none) == RECUR_OK);
    CHECK(recur_text_load_part(FILE_NAME, NULL, -1, 5, &bad) == RECUR_E_INVALID && !bad);
    if (all && part && none) {
        recur_token_array a = recur_text_token_array(all), p = recur_text_token_array(part);
        int nva, nvp;
        const uint32_t *va = recur_text_vocab(all, &nva), *vp = recur_text_vocab(part, &nvp);
        CHECK(nva == nvp && memcmp(va, vp, (size_t)nva * sizeof *va) == 0);
        CHECK(p.n == a.n && recur_text_length(part) == a.n && p.first == 100 && p.held == 50);
        CHECK(p.width == 2 && memcmp(p.ids, (const uint16_t *)a.ids + 100, 50 * 2) == 0);
        CHECK(recur_text_length(none) == a.n && recur_text_token_array(none).held == 0);
        long n;
        CHECK(recur_text_tokens(part, &n) && n == 50);
    }
    recur_text_free(none);
    recur_text_free(part);
    recur_text_free(all);
    free(s);
    /* Streams of 10 characters in a batch of 4: rows 2 and 3 read
     * characters 20 .. 40. */
    static const char text[] = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnop"; /* 42 */
    write_file(text, 41);
    recur_text *t = NULL;
    CHECK(recur_text_load_part(FILE_NAME, NULL, 20, 21, &t) == RECUR_OK);
    unlink(FILE_NAME);
    if (!t)
        return;
    recur_config c;
    recur_config_default(&c);
    c.input_size = c.output_size = 26;
    c.hidden = 4;
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.seq_len = 5;
    tc.batch = 4;
    recur_model *m = NULL;
    recur_trainer *tr = NULL;
    CHECK(recur_model_create(&c, 1, &m) == RECUR_OK);
    CHECK(m && recur_trainer_create_tokens(m, &tc, recur_text_token_array(t), &tr) == RECUR_OK);
    if (tr) {
        CHECK(recur_trainer_step(tr, NULL) == RECUR_E_INVALID); /* one process: all */
        CHECK(recur_trainer_set_shard(tr, 0, 2, no_sum, NULL) ==
              RECUR_E_INVALID); /* rows 0, 1 are not held */
        CHECK(recur_trainer_set_shard(tr, 1, 2, no_sum, NULL) == RECUR_OK);
    }
    recur_trainer_free(tr);
    tc.stateful = 0;
    tr = NULL;
    CHECK(m && recur_trainer_create_tokens(m, &tc, recur_text_token_array(t), &tr) ==
               RECUR_E_INVALID);
    recur_eval_stats es;
    CHECK(m && recur_evaluate_tokens(m, recur_text_token_array(t), 5, 2, &es) ==
               RECUR_E_INVALID);
    recur_model_free(m);
    recur_text_free(t);
}

TEST_MAIN("test_text", TL_CASE(chunks_do_not_matter), TL_CASE(narrowest_width),
          TL_CASE(errors_across_chunks), TL_CASE(narrow_training_is_exact),
          TL_CASE(parts_of_a_text))
