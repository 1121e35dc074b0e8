/* test_tag.c - sequence tagging in the library: the CoNLL loader (good
 * input, each refusal on one line naming the line), signatures, the
 * lexicon's word ids for known, rare and unseen words and its round trip
 * through a model file's metadata, the most-frequent-tag baseline on a
 * hand-made corpus, masking across padded sentences of different lengths,
 * and a small bidirectional tagger that tags unseen words by their
 * signature and an ambiguous word by the word after it (which the baseline
 * cannot). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recur.h"
#include "testlib.h"

static recur_conll *load_str(const char *s, int flags)
{
    recur_conll *c = NULL;
    int rc = recur_conll_from_memory(s, strlen(s), "mem", flags, &c);
    CHECK_MSG(rc == RECUR_OK, "load failed: %s", recur_last_error());
    return c;
}

static void expect_error(const char *s, size_t len, int flags, int code, const char *want)
{
    recur_conll *c = (recur_conll *)1;
    int rc = recur_conll_from_memory(s, len, "mem", flags, &c);
    CHECK_MSG(rc == code, "expected %d, got %d (%s) for \"%.40s\"", code, rc,
              recur_last_error(), s);
    CHECK(c == NULL);
    const char *msg = recur_last_error();
    CHECK_MSG(strstr(msg, want) != NULL, "message \"%s\" lacks \"%s\"", msg, want);
    CHECK_MSG(strchr(msg, '\n') == NULL, "message \"%s\" has a newline", msg);
}

static void test_loader(void)
{
    const char *s = "\n  \nThe\tat\r\nFulton\tnp-tl\n.\t.\n\n\n"
                    "caf\xc3\xa9\tnn\n  \n"
                    "x\ty"; /* no final newline */
    recur_conll *c = load_str(s, 0);
    if (!c)
        return;
    CHECK(recur_conll_count(c) == 3 && recur_conll_words(c) == 5);
    int n;
    const char *const *tags;
    const char *const *w = recur_conll_sentence(c, 0, &n, &tags);
    CHECK(n == 3 && strcmp(w[0], "The") == 0 && strcmp(tags[0], "at") == 0);
    CHECK(strcmp(w[1], "Fulton") == 0 && strcmp(tags[1], "np-tl") == 0);
    CHECK(recur_conll_line(c, 0) == 3 && recur_conll_line(c, 1) == 8 &&
          recur_conll_line(c, 2) == 10);
    w = recur_conll_sentence(c, 1, &n, &tags);
    CHECK(n == 1 && strcmp(w[0], "caf\xc3\xa9") == 0);
    CHECK(recur_conll_sentence(c, 3, &n, &tags) == NULL && n == 0);
    recur_conll_free(c);

    c = load_str("a\nb\tignored\n\nc\n", RECUR_CONLL_UNTAGGED);
    if (c) {
        w = recur_conll_sentence(c, 0, &n, &tags);
        CHECK(recur_conll_count(c) == 2 && n == 2 && tags == NULL &&
              strcmp(w[1], "b") == 0);
        recur_conll_free(c);
    }

    expect_error("", 0, 0, RECUR_E_FORMAT, "empty");
    expect_error("\n\n  \n", 4, 0, RECUR_E_FORMAT, "no sentences");
    expect_error("a\tb\nword\n", 9, 0, RECUR_E_FORMAT, "line 2: no tab");
    expect_error("a\tb\tc\n", 6, 0, RECUR_E_FORMAT, "line 1: the tag holds a second tab");
    expect_error("\tb\n", 3, 0, RECUR_E_FORMAT, "line 1: the word is empty");
    expect_error("a\t\n", 3, 0, RECUR_E_FORMAT, "line 1: the tag is empty");
    expect_error("a\tb\x01\n", 5, 0, RECUR_E_FORMAT, "control character");
    expect_error("a\tb\n\xff\tc\n", 8, 0, RECUR_E_FORMAT, "line 2: the word is not valid");
    expect_error("a\tb\n\0\tc\n", 8, 0, RECUR_E_FORMAT, "line 2: a NUL byte");
    expect_error("a\tb\n", 4, 8, RECUR_E_INVALID, "flags");

    char big[RECUR_CONLL_MAX_FIELD_BYTES + 8];
    memset(big, 'w', sizeof big);
    memcpy(big + RECUR_CONLL_MAX_FIELD_BYTES + 1, "\tnn\n", 4);
    expect_error(big, RECUR_CONLL_MAX_FIELD_BYTES + 5, 0, RECUR_E_LIMIT, "line 1: a word of");
    size_t len = (RECUR_CONLL_MAX_WORDS + 1) * 4;
    char *many = malloc(len);
    if (many) {
        for (size_t i = 0; i < len; i += 4)
            memcpy(many + i, "a\tb\n", 4);
        expect_error(many, len, 0, RECUR_E_LIMIT, "empty line missing");
        free(many);
    }
    recur_conll *f = (recur_conll *)1;
    CHECK(recur_conll_load("/nonexistent/x.tsv", 0, &f) == RECUR_E_IO && f == NULL);
}

static void sig_is(const char *word, const char *want)
{
    char buf[64];
    CHECK(recur_lexicon_signature(word, buf, sizeof buf) == RECUR_OK);
    CHECK_MSG(strcmp(buf, want) == 0, "signature of '%s' is '%s', expected '%s'", word,
              buf, want);
}

static void test_signatures(void)
{
    sig_is("running", "<unk-ing>");
    sig_is("walked", "<unk-ed>");
    sig_is("Atlanta's", "<unk-C-'s>");
    sig_is("1960s", "<unk-N-s>");
    sig_is("U.S.", "<unk-CAPS>");
    sig_is("IBM", "<unk-CAPS>");
    sig_is("well-known", "<unk-H>");
    sig_is("iPhone", "<unk-c>");
    sig_is(",", "<unk-P>");
    sig_is("3.5", "<unk-N>");
    sig_is("happiness", "<unk-ness>");
    sig_is("Twenty-Seven", "<unk-C-H-en>");
    sig_is("dogs", "<unk-s>");
    sig_is("glass", "<unk-ss>");
    sig_is("is", "<unk>"); /* a stem of at least 2 characters */
    char small[4];
    CHECK(recur_lexicon_signature("running", small, sizeof small) == RECUR_E_INVALID);
}

static const char *corpus = "the\tDT\ndog\tNN\nruns\tVBZ\n\n"
                            "the\tDT\nrun\tNN\nended\tVBD\n\n"
                            "they\tPRP\nrun\tVBP\nfast\tRB\n";

static recur_model *tagger_model(const recur_lexicon *lx, int bidirectional, uint64_t seed)
{
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.cell = RECUR_LSTM;
    cfg.input = RECUR_INPUT_EMBEDDING;
    cfg.input_size = recur_lexicon_word_count(lx);
    cfg.embed_dim = 8;
    cfg.hidden = 12;
    cfg.bidirectional = bidirectional;
    cfg.output_size = recur_lexicon_tag_count(lx);
    recur_model *m = NULL;
    CHECK(recur_model_create(&cfg, seed, &m) == RECUR_OK);
    return m;
}

static void test_lexicon_and_baseline(void)
{
    recur_conll *c = load_str(corpus, 0);
    recur_lexicon *lx = NULL;
    if (!c || recur_lexicon_build(c, NULL, 3, 2, &lx) != RECUR_OK) {
        CHECK_MSG(0, "build failed: %s", recur_last_error());
        recur_conll_free(c);
        return;
    }
    /* signatures of the hapaxes, then the words seen twice */
    CHECK(recur_lexicon_word_count(lx) == 6 && recur_lexicon_signature_count(lx) == 4);
    CHECK(strcmp(recur_lexicon_word_at(lx, 0), "<unk-ed>") == 0);
    CHECK(strcmp(recur_lexicon_word_at(lx, 3), "<unk>") == 0);
    CHECK(strcmp(recur_lexicon_word_at(lx, 4), "run") == 0);
    CHECK(strcmp(recur_lexicon_word_at(lx, 5), "the") == 0);
    CHECK(recur_lexicon_tag_count(lx) == 7 && recur_lexicon_tag_id(lx, "DT") == 0 &&
          recur_lexicon_tag_id(lx, "VBZ") == 6 && recur_lexicon_tag_id(lx, "NP") == -1);
    int known;
    CHECK(recur_lexicon_word_id(lx, "the", &known) == 5 && known == 1);
    CHECK(recur_lexicon_word_id(lx, "dog", &known) == 3 && known == 0); /* a hapax */
    CHECK(recur_lexicon_word_id(lx, "jumped", &known) == 0 && known == 0);
    CHECK(recur_lexicon_word_id(lx, "Smith", &known) == 3);  /* <unk-C> unseen: <unk> */
    CHECK(recur_lexicon_word_id(lx, "Jumped", &known) == 3); /* <unk-C-ed>: <unk-C>: <unk> */
    CHECK(recur_lexicon_word_id(lx, "The", &known) == 3);    /* case matters */
    CHECK(recur_lexicon_word_id(lx, "<unk-s>", &known) == 3 && known == 0);

    int32_t best[6];
    CHECK(recur_lexicon_baseline(lx, c, NULL, 3, best) == RECUR_OK);
    CHECK(best[5] == 0);                         /* the: DT */
    CHECK(best[4] == 1);                         /* run: NN 1, VBP 1, the lower id */
    CHECK(best[0] == 4);                         /* <unk-ed>: VBD */
    CHECK(best[1] == 6);                         /* <unk-s>: VBZ */
    CHECK(best[2] == 2);                         /* <unk-y> (they): PRP */
    CHECK(best[3] == 1);                         /* <unk> (dog NN, fast RB): NN */

    recur_conll *t = load_str("the\tDT\ncat\tNN\njumped\tVBD\nSmith\tNP\nwalks\tVBZ\n", 0);
    recur_tag_score sc;
    int32_t tags[5];
    if (t) {
        CHECK(recur_tagger_run(NULL, best, lx, t, NULL, 1, 0, tags, &sc) == RECUR_OK);
        CHECK(sc.words == 5 && sc.correct == 4 && sc.unknown == 4 &&
              sc.unknown_correct == 3 && sc.unseen_tags == 1);
        CHECK(tags[0] == 0 && tags[1] == 1 && tags[2] == 4 && tags[3] == 1 && tags[4] == 6);
        recur_dataset ds;
        long unk;
        CHECK(recur_lexicon_dataset(lx, t, NULL, 1, 4, &ds, &unk) == RECUR_E_LIMIT);
        CHECK(recur_lexicon_dataset(lx, t, NULL, 1, 0, &ds, &unk) == RECUR_OK);
        CHECK(unk == 4 && ds.count == 1 && ds.offsets[1] == 5 && ds.labels[3] == -1 &&
              ds.tokens[0] == 5 && ds.labels[4] == 6);
        recur_lexicon_dataset_free(&ds);
        recur_conll_free(t);
    }

    /* the lexicon in a model file, and models it does not fit */
    recur_model *m = tagger_model(lx, 1, 3), *back = NULL;
    recur_lexicon *lx2 = NULL;
    char path[] = "/tmp/test_tag_XXXXXX";
    int fd = mkstemp(path);
    if (m && fd >= 0) {
        close(fd);
        CHECK(recur_lexicon_save(lx, m) == RECUR_OK);
        CHECK(recur_model_save(m, path) == RECUR_OK);
        CHECK(recur_model_load(path, &back) == RECUR_OK);
        CHECK(back && recur_lexicon_from_model(back, &lx2) == RECUR_OK);
        CHECK(lx2 && recur_lexicon_word_count(lx2) == 6 && recur_lexicon_tag_count(lx2) == 7);
        for (int i = 0; lx2 && i < 6; i++)
            CHECK(strcmp(recur_lexicon_word_at(lx, i), recur_lexicon_word_at(lx2, i)) == 0);
        CHECK(lx2 && recur_lexicon_word_id(lx2, "walked", NULL) == 0);
        recur_lexicon_free(lx2);
        lx2 = (recur_lexicon *)1;
        recur_model_set_meta(back, "tag.rules", "other-0");
        CHECK(recur_lexicon_from_model(back, &lx2) == RECUR_E_MISMATCH && lx2 == NULL);
        recur_model_set_meta(back, "tag.rules", RECUR_LEXICON_RULES);
        recur_model_set_meta(back, "tag.words", "<unk-ed>\t<unk-s>\t<unk-y>\t<unk>\tthe\trun");
        CHECK(recur_lexicon_from_model(back, &lx2) == RECUR_E_FORMAT);
        recur_model_set_meta(back, "tag.words", "<unk>\t<unk-ed>\trun\t<unk-s>\tthe\tx");
        CHECK(recur_lexicon_from_model(back, &lx2) == RECUR_E_FORMAT);
        recur_model_set_meta(back, "tag.words", "<unk-a>\t<unk-b>\t<unk-c>\t<unk-d>\tr\tt");
        CHECK(recur_lexicon_from_model(back, &lx2) == RECUR_E_FORMAT); /* no <unk> */
        recur_model_set_meta(back, "tag.words", "<unk>\tb\tc\td\te");
        CHECK(recur_lexicon_from_model(back, &lx2) == RECUR_E_MISMATCH); /* 5 for 6 */
        unlink(path);
    }
    recur_model_free(m);
    recur_model_free(back);
    CHECK(recur_lexicon_from_model(NULL, &lx2) == RECUR_E_INVALID);
    recur_config cfg;
    recur_config_default(&cfg);
    cfg.input_size = 6;
    cfg.output_size = 7;
    cfg.readout = RECUR_READOUT_LAST;
    if (recur_model_create(&cfg, 1, &m) == RECUR_OK) {
        CHECK(recur_lexicon_save(lx, m) == RECUR_E_MISMATCH); /* not per step */
        CHECK(recur_lexicon_from_model(m, &lx2) == RECUR_E_MISMATCH); /* no lexicon */
        recur_model_free(m);
    }
    recur_lexicon_free(lx);
    recur_conll_free(c);
}

/* ---- a learned tagger ------------------------------------------------------------- */

/* Sentences "the STEM+s run is STEM+ed ." or "... run to STEM ." of made-up
 * stems: "run" is NN before "is" and VB before "to", so only the word after
 * it tells; every other word but the function words is new (a signature). */
static char *toy_corpus(int sentences, uint64_t seed, long *len)
{
    size_t cap = (size_t)sentences * 128;
    char *s = malloc(cap);
    size_t o = 0;
    uint64_t x = seed * 2654435761u + 1;
    for (int i = 0; s && i < sentences; i++) {
        char stem[2][6];
        for (int k = 0; k < 2; k++) {
            for (int j = 0; j < 5; j++) {
                x = x * 6364136223846793005u + 1442695040888963407u;
                stem[k][j] = (char)('b' + (x >> 33) % 20);
            }
            stem[k][5] = 0;
        }
        int noun = (x >> 20) & 1;
        o += (size_t)snprintf(s + o, cap - o, "the\tDT\n%ss\tNNS\nrun\t%s\n%s\t%s\n"
                              "%s%s\t%s\n.\t.\n\n", stem[0], noun ? "NN" : "VB",
                              noun ? "is" : "to", noun ? "BEZ" : "TO", stem[1],
                              noun ? "ed" : "", noun ? "VBN" : "VB");
    }
    *len = (long)o;
    return s;
}

static void test_masking_and_learning(void)
{
    long len;
    char *train_s = toy_corpus(160, 1, &len);
    recur_conll *train = NULL, *test = NULL;
    CHECK(recur_conll_from_memory(train_s, (size_t)len, "train", 0, &train) == RECUR_OK);
    free(train_s);
    char *test_s = toy_corpus(40, 2, &len);
    CHECK(recur_conll_from_memory(test_s, (size_t)len, "test", 0, &test) == RECUR_OK);
    free(test_s);
    recur_lexicon *lx = NULL;
    CHECK(train && recur_lexicon_build(train, NULL, recur_conll_count(train), 2, &lx) == 0);
    recur_model *m = lx ? tagger_model(lx, 1, 7) : NULL;
    if (!m || !test) {
        recur_model_free(m);
        recur_lexicon_free(lx);
        recur_conll_free(train);
        recur_conll_free(test);
        return;
    }
    /* masking: sentences of 3, 6, 1 and 5 words in one padded batch give the
     * logits each gives alone */
    recur_conll *mixed = load_str("the\tDT\nrun\tNN\nis\tBEZ\n\n"
                                  "the\tDT\nabcs\tNNS\nrun\tVB\nto\tTO\nfoo\tVB\n.\t.\n\n"
                                  "run\tNN\n\nthe\tDT\nrun\tNN\nis\tBEZ\nbared\tVBN\n.\t.\n", 0);
    recur_dataset ds;
    if (mixed && recur_lexicon_dataset(lx, mixed, NULL, 4, 0, &ds, NULL) == RECUR_OK) {
        int O = recur_lexicon_tag_count(lx);
        float *all = malloc(15 * (size_t)O * sizeof *all), *one = malloc(6 * (size_t)O * sizeof *one);
        CHECK(recur_predict_dataset(m, &ds, 4, 0, all) == RECUR_OK);
        double worst = 0;
        for (long i = 0; i < 4; i++) {
            long off[2] = {0, ds.offsets[i + 1] - ds.offsets[i]};
            recur_dataset single = {.count = 1, .offsets = off,
                                    .tokens = ds.tokens + ds.offsets[i],
                                    .labels = ds.labels + ds.offsets[i]};
            CHECK(recur_predict_dataset(m, &single, 1, 0, one) == RECUR_OK);
            for (long k = 0; k < off[1] * O; k++) {
                double d = fabs(one[k] - all[ds.offsets[i] * O + k]);
                worst = d > worst ? d : worst;
            }
        }
        CHECK_MSG(worst < 1e-5, "padded batch differs from one by one by %g", worst);
        free(all);
        free(one);
        recur_lexicon_dataset_free(&ds);
    }
    recur_conll_free(mixed);

    /* learning: unseen words by signature, "run" by the next word */
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.lr = 0.02f;
    tc.batch = 16;
    tc.seq_len = 64;
    recur_trainer *tr = NULL;
    CHECK(recur_lexicon_dataset(lx, train, NULL, recur_conll_count(train), 0, &ds, NULL) == 0);
    CHECK(recur_trainer_create_dataset(m, &tc, &ds, &tr) == RECUR_OK);
    recur_batch_stats st;
    for (int i = 0; tr && i < 150; i++)
        CHECK(recur_trainer_step(tr, &st) == RECUR_OK);
    recur_trainer_free(tr);
    recur_lexicon_dataset_free(&ds);

    int32_t *best = malloc((size_t)recur_lexicon_word_count(lx) * sizeof *best);
    recur_tag_score model_sc, base_sc;
    long n = recur_conll_count(test);
    CHECK(recur_lexicon_baseline(lx, train, NULL, recur_conll_count(train), best) == 0);
    CHECK(recur_tagger_run(NULL, best, lx, test, NULL, n, 0, NULL, &base_sc) == RECUR_OK);
    CHECK(recur_tagger_run(m, NULL, lx, test, NULL, n, 8, NULL, &model_sc) == RECUR_OK);
    double acc = (double)model_sc.correct / (double)model_sc.words;
    double bacc = (double)base_sc.correct / (double)base_sc.words;
    double uacc = (double)model_sc.unknown_correct / (double)model_sc.unknown;
    fprintf(stderr, "  toy tagger: accuracy %.3f (unknown words %.3f), baseline %.3f\n",
            acc, uacc, bacc);
    CHECK(model_sc.words == 6 * n && model_sc.unknown == 2 * n);
    /* the baseline gets all but "run" in about half of the sentences */
    CHECK_MSG(bacc > 0.85 && bacc < 0.95, "baseline accuracy %.3f", bacc);
    CHECK_MSG(acc > 0.99 && uacc > 0.99, "tagger accuracy %.3f, unknown words %.3f", acc,
              uacc);
    int32_t *tags = malloc((size_t)recur_conll_words(test) * sizeof *tags);
    CHECK(recur_tagger_run(m, NULL, lx, test, NULL, n, 8, tags, NULL) == RECUR_OK);
    free(tags);
    free(best);
    recur_model_free(m);
    recur_lexicon_free(lx);
    recur_conll_free(train);
    recur_conll_free(test);
}

TEST_MAIN("test_tag", TL_CASE(test_loader), TL_CASE(test_signatures),
          TL_CASE(test_lexicon_and_baseline), TL_CASE(test_masking_and_learning))
