/* lexicon.c - a tagger's vocabulary: known words and the signature tokens
 * that rare and unseen words read as (suffix, capitalisation, digits,
 * hyphens: Petrov and Klein's unknown-word classes, simplified), the tag
 * set, both kept in the model's metadata; sentences as a recur_dataset; and
 * the most-frequent-tag baseline. Running and scoring a tagger is
 * src/train/tagger.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/lexicon.h"
#include "recur.h"

#define RULES_KEY "tag.rules"
#define WORDS_KEY "tag.words"
#define SIG_PREFIX "<unk"

struct recur_lexicon {
    int n, nsig;   /* ids: signatures 0..nsig-1, then known words; each sorted */
    int unk;       /* the id of RECUR_LEXICON_UNK, one of the signatures */
    char **names;  /* [n] */
    int ntags;
    char **tags;   /* [ntags], sorted */
};

void recur_lexicon_free(recur_lexicon *lx)
{
    if (!lx)
        return;
    for (int i = 0; i < lx->n; i++)
        free(lx->names[i]);
    for (int i = 0; i < lx->ntags; i++)
        free(lx->tags[i]);
    free(lx->names);
    free(lx->tags);
    free(lx);
}

int recur_lexicon_word_count(const recur_lexicon *lx) { return lx ? lx->n : 0; }
int recur_lexicon_tag_count(const recur_lexicon *lx) { return lx ? lx->ntags : 0; }

const char *recur_lexicon_word_at(const recur_lexicon *lx, int id)
{
    return lx && id >= 0 && id < lx->n ? lx->names[id] : NULL;
}

const char *recur_lexicon_tag_at(const recur_lexicon *lx, int id)
{
    return lx && id >= 0 && id < lx->ntags ? lx->tags[id] : NULL;
}

/* ---- signatures ----------------------------------------------------------------- */

/* Longest first, so the first that fits is the longest. "ss", "us" and "is"
 * come before "s" so that they do not read as plurals. */
static const char *const suffixes[] = {
    "ation", "ness", "ment", "ship", "able", "ible", "less", "ing", "ion", "ity",
    "ous", "ive", "ful", "ism", "ist", "ize", "ise", "est", "ant", "ent", "ary",
    "ory", "ed", "er", "ly", "al", "ic", "en", "es", "'s", "ss", "us", "is", "s", "y",
};

static int is_upper(unsigned char ch) { return ch >= 'A' && ch <= 'Z'; }
static int is_letter(unsigned char ch)
{
    return is_upper(ch) || (ch >= 'a' && ch <= 'z') || ch >= 0x80;
}

static const char *suffix_of(const char *w, size_t len)
{
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        size_t k = strlen(suffixes[i]);
        if (len < k + 2)
            continue;
        size_t j = 0;
        while (j < k) {
            unsigned char ch = (unsigned char)w[len - k + j];
            if ((is_upper(ch) ? ch + 32 : ch) != (unsigned char)suffixes[i][j])
                break;
            j++;
        }
        if (j == k)
            return suffixes[i];
    }
    return NULL;
}

int recur_lexicon_signature(const char *word, char *buf, size_t size)
{
    if (!word || !buf)
        return recur__fail(RECUR_E_INVALID, "recur_lexicon_signature: a NULL argument");
    size_t len = strlen(word);
    int letters = 0, upper = 0, digit = 0, hyphen = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)word[i];
        letters += is_letter(ch);
        upper += is_upper(ch);
        digit |= ch >= '0' && ch <= '9';
        hyphen |= ch == '-';
    }
    const char *cap = "";
    if (upper && is_upper((unsigned char)word[0]))
        cap = upper == letters && letters >= 2 ? "-CAPS" : "-C";
    else if (upper)
        cap = "-c";
    const char *suf = letters ? suffix_of(word, len) : NULL;
    int k = snprintf(buf, size, SIG_PREFIX "%s%s%s%s%s%s>", cap, digit ? "-N" : "",
                     hyphen ? "-H" : "", !letters && !digit ? "-P" : "", suf ? "-" : "",
                     suf ? suf : "");
    if (k < 0 || (size_t)k >= size)
        return recur__fail(RECUR_E_INVALID, "a signature needs %d bytes, the buffer has "
                          "%zu", k + 1, size);
    return RECUR_OK;
}

/* ---- lookup --------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The index of s in sorted v[0..n), or -1. */
static int find(char *const *v, int n, const char *s)
{
    char *const *p = bsearch(&s, v, (size_t)n, sizeof *v, cmp_str);
    return p ? (int)(p - v) : -1;
}

static int is_signature(const char *w) { return strncmp(w, SIG_PREFIX, 4) == 0; }

static int signature_id(const recur_lexicon *lx, const char *word)
{
    char sig[64];
    if (recur_lexicon_signature(word, sig, sizeof sig))
        return lx->unk;
    int id = find(lx->names, lx->nsig, sig);
    if (id >= 0)
        return id;
    char *dash = strrchr(sig, '-');
    if (dash && suffix_of(word, strlen(word))) { /* drop the suffix */
        dash[0] = '>';
        dash[1] = 0;
        id = find(lx->names, lx->nsig, sig);
    }
    return id >= 0 ? id : lx->unk;
}

int recur_lexicon_word_id(const recur_lexicon *lx, const char *word, int *known)
{
    if (known)
        *known = 0;
    if (!lx || !word)
        return recur__fail(RECUR_E_INVALID, "recur_lexicon_word_id: a NULL argument");
    int id = is_signature(word) ? -1 : find(lx->names + lx->nsig, lx->n - lx->nsig, word);
    if (id >= 0) {
        if (known)
            *known = 1;
        return lx->nsig + id;
    }
    return signature_id(lx, word);
}

int recur_lexicon_tag_id(const recur_lexicon *lx, const char *tag)
{
    return lx && tag ? find(lx->tags, lx->ntags, tag) : -1;
}

/* ---- building ------------------------------------------------------------------- */

static int add_name(char **v, int *n, const char *s)
{
    if (!(v[*n] = strdup(s)))
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    (*n)++;
    return RECUR_OK;
}

/* Every word (or tag) of the chosen sentences, sorted: *out[*count]. */
static int gather(const recur_conll *c, const long *idx, long n, int tags,
                  const char ***out, long *count)
{
    long total = 0;
    for (long i = 0; i < n; i++) {
        int k;
        if (!recur_conll_sentence(c, idx ? idx[i] : i, &k, NULL))
            return recur__fail(RECUR_E_INVALID, "sentence %ld is out of range",
                              idx ? idx[i] : i);
        total += k;
    }
    const char **v = malloc((size_t)(total ? total : 1) * sizeof *v);
    if (!v)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    long o = 0;
    for (long i = 0; i < n; i++) {
        int k;
        const char *const *t;
        const char *const *w = recur_conll_sentence(c, idx ? idx[i] : i, &k, &t);
        for (int j = 0; j < k; j++)
            v[o++] = tags ? t[j] : w[j];
    }
    qsort(v, (size_t)total, sizeof *v, cmp_str);
    *out = v;
    *count = total;
    return RECUR_OK;
}

static int build_words(recur_lexicon *lx, const char **w, long total, int min_count)
{
    char **sig = malloc(((size_t)total + 1) * sizeof *sig);
    char **known = malloc(((size_t)total + 1) * sizeof *known);
    int nsig = 0, nknown = 0, rc = RECUR_OK;
    if (!sig || !known) {
        free(sig);
        free(known);
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    rc = add_name(sig, &nsig, RECUR_LEXICON_UNK);
    for (long i = 0; i < total && !rc;) {
        long j = i;
        while (j < total && strcmp(w[j], w[i]) == 0)
            j++;
        if (j - i >= min_count && !is_signature(w[i])) {
            if (nknown >= RECUR_MAX_VOCAB - 1024) /* room for every signature */
                rc = recur__fail(RECUR_E_LIMIT, "over %d distinct words: raise the "
                                "minimum count", RECUR_MAX_VOCAB - 1024);
            else
                rc = add_name(known, &nknown, w[i]);
        } else {
            char s[64];
            rc = recur_lexicon_signature(w[i], s, sizeof s);
            if (!rc && find(sig, nsig, s) < 0) {
                rc = add_name(sig, &nsig, s);
                qsort(sig, (size_t)nsig, sizeof *sig, cmp_str);
            }
        }
        i = j;
    }
    if (!rc)
        lx->names = malloc(((size_t)nsig + (size_t)nknown) * sizeof *lx->names);
    if (!rc && !lx->names)
        rc = recur__fail(RECUR_E_NOMEM, "out of memory");
    if (rc) {
        for (int i = 0; i < nsig; i++)
            free(sig[i]);
        for (int i = 0; i < nknown; i++)
            free(known[i]);
    } else {
        memcpy(lx->names, sig, (size_t)nsig * sizeof *sig);
        memcpy(lx->names + nsig, known, (size_t)nknown * sizeof *known);
        lx->nsig = nsig;
        lx->n = nsig + nknown;
        lx->unk = find(sig, nsig, RECUR_LEXICON_UNK);
    }
    free(sig);
    free(known);
    return rc;
}

static int build_tags(recur_lexicon *lx, const char **t, long total)
{
    long distinct = 0;
    for (long i = 0; i < total; i++)
        distinct += i == 0 || strcmp(t[i], t[i - 1]) != 0;
    if (distinct > RECUR_MAX_VOCAB)
        return recur__fail(RECUR_E_LIMIT, "%ld distinct tags, over the limit of %d",
                          distinct, RECUR_MAX_VOCAB);
    if (!(lx->tags = malloc((size_t)(distinct ? distinct : 1) * sizeof *lx->tags)))
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    int rc = RECUR_OK;
    for (long i = 0; i < total && !rc; i++)
        if (i == 0 || strcmp(t[i], t[i - 1]) != 0)
            rc = add_name(lx->tags, &lx->ntags, t[i]);
    return rc;
}

int recur_lexicon_build(const recur_conll *c, const long *idx, long n, int min_count,
                        recur_lexicon **out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "no output for the lexicon");
    *out = NULL;
    if (!c || n < 1 || min_count < 1)
        return recur__fail(RECUR_E_INVALID, "a lexicon needs sentences and a minimum "
                          "count of at least 1");
    const char *const *tags;
    if (!recur_conll_sentence(c, 0, NULL, &tags) || !tags)
        return recur__fail(RECUR_E_INVALID, "a lexicon needs tagged sentences");
    recur_lexicon *lx = calloc(1, sizeof *lx);
    if (!lx)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    const char **v = NULL;
    long total;
    int rc = gather(c, idx, n, 0, &v, &total);
    if (!rc)
        rc = build_words(lx, v, total, min_count);
    free(v);
    v = NULL;
    if (!rc)
        rc = gather(c, idx, n, 1, &v, &total);
    if (!rc)
        rc = build_tags(lx, v, total);
    free(v);
    if (rc) {
        recur_lexicon_free(lx);
        return rc;
    }
    *out = lx;
    return RECUR_OK;
}

/* ---- in a model's metadata -------------------------------------------------------- */

int recur_lexicon_signature_count(const recur_lexicon *lx) { return lx ? lx->nsig : 0; }

static int check_tagger(const recur_model *m, int nwords, int ntags)
{
    const recur_config *cfg = recur_model_get_config(m);
    if (cfg->input == RECUR_INPUT_DENSE || cfg->input_size != nwords)
        return recur__fail(RECUR_E_MISMATCH, "a tagger reads the lexicon's %d word ids; "
                          "the model reads %s of %d", nwords,
                          cfg->input == RECUR_INPUT_DENSE ? "dense features" : "token ids",
                          cfg->input_size);
    if (cfg->readout != RECUR_READOUT_SEQUENCE || cfg->loss != RECUR_LOSS_XENT ||
        cfg->output_size != ntags)
        return recur__fail(RECUR_E_MISMATCH, "a tagger gives %d tag scores at every step "
                          "(readout sequence, cross-entropy); the model gives %d outputs, "
                          "readout %s", ntags, cfg->output_size,
                          recur_readout_name(cfg->readout));
    return RECUR_OK;
}

int recur__lexicon_check_model(const recur_model *m, const recur_lexicon *lx)
{
    return check_tagger(m, lx->n, lx->ntags);
}

int recur_lexicon_save(const recur_lexicon *lx, recur_model *m)
{
    if (!lx || !m)
        return recur__fail(RECUR_E_INVALID, "recur_lexicon_save: a NULL argument");
    int rc = check_tagger(m, lx->n, lx->ntags);
    if (rc)
        return rc;
    size_t total = 1;
    for (int i = 0; i < lx->n; i++)
        total += strlen(lx->names[i]) + 1;
    char *joined = malloc(total);
    if (!joined)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    size_t o = 0;
    for (int i = 0; i < lx->n; i++) {
        size_t len = strlen(lx->names[i]);
        memcpy(joined + o, lx->names[i], len);
        o += len;
        joined[o++] = '\t';
    }
    joined[o ? o - 1 : 0] = 0;
    rc = recur_model_set_meta(m, RULES_KEY, RECUR_LEXICON_RULES);
    if (!rc)
        rc = recur_model_set_meta(m, WORDS_KEY, joined);
    free(joined);
    if (!rc)
        rc = recur_model_set_classes(m, (const char *const *)lx->tags, lx->ntags);
    return rc;
}

/* Split s at tabs into lx->names, checking each name. */
static int read_words(recur_lexicon *lx, const char *s)
{
    int k = 1;
    for (const char *p = s; *p; p++)
        k += *p == '\t';
    if (k > RECUR_MAX_VOCAB)
        return recur__fail(RECUR_E_LIMIT, "the tagger's lexicon has %d words, over the "
                          "limit of %d", k, RECUR_MAX_VOCAB);
    if (!(lx->names = calloc((size_t)k, sizeof *lx->names)))
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    const char *p = s;
    for (int i = 0; i < k; i++) {
        size_t len = strcspn(p, "\t");
        if (len == 0 || len > RECUR_CONLL_MAX_FIELD_BYTES)
            return recur__fail(RECUR_E_FORMAT, "the tagger's word %d is empty or too "
                              "long", i + 1);
        if (!(lx->names[i] = malloc(len + 1)))
            return recur__fail(RECUR_E_NOMEM, "out of memory");
        lx->n = i + 1;
        memcpy(lx->names[i], p, len);
        lx->names[i][len] = 0;
        for (size_t j = 0; j < len; j++)
            if ((unsigned char)p[j] < 0x20 || p[j] == 0x7F)
                return recur__fail(RECUR_E_FORMAT, "the tagger's word %d holds a control "
                                  "character", i + 1);
        int sig = is_signature(lx->names[i]), first_word = !sig && i == lx->nsig;
        if (sig && i != lx->nsig)
            return recur__fail(RECUR_E_FORMAT, "the tagger's signature '%s' comes after "
                              "its words", lx->names[i]);
        if (i > 0 && !first_word && strcmp(lx->names[i - 1], lx->names[i]) >= 0)
            return recur__fail(RECUR_E_FORMAT, "the tagger's words are not sorted and "
                              "distinct at word %d", i + 1);
        lx->nsig += sig;
        p += len + (p[len] == '\t');
    }
    if ((lx->unk = find(lx->names, lx->nsig, RECUR_LEXICON_UNK)) < 0)
        return recur__fail(RECUR_E_FORMAT, "the tagger's lexicon has no %s",
                          RECUR_LEXICON_UNK);
    return RECUR_OK;
}

int recur_lexicon_from_model(const recur_model *m, recur_lexicon **out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "no output for the lexicon");
    *out = NULL;
    if (!m)
        return recur__fail(RECUR_E_INVALID, "no model");
    const char *rules = recur_model_get_meta(m, RULES_KEY);
    const char *words = recur_model_get_meta(m, WORDS_KEY);
    if (!rules || !words)
        return recur__fail(RECUR_E_MISMATCH, "the model has no lexicon (it is not a "
                          "tagger)");
    if (strcmp(rules, RECUR_LEXICON_RULES) != 0)
        return recur__fail(RECUR_E_MISMATCH, "the tagger's signature rules are '%.40s', "
                          "this library has '%s'", rules, RECUR_LEXICON_RULES);
    recur_lexicon *lx = calloc(1, sizeof *lx);
    if (!lx)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    int rc = read_words(lx, words);
    if (!rc)
        rc = recur_model_get_classes(m, &lx->tags, &lx->ntags);
    for (int i = 1; !rc && i < lx->ntags; i++)
        if (strcmp(lx->tags[i - 1], lx->tags[i]) >= 0)
            rc = recur__fail(RECUR_E_FORMAT, "the tagger's tags are not sorted and "
                            "distinct at tag %d", i + 1);
    if (!rc)
        rc = check_tagger(m, lx->n, lx->ntags);
    if (rc) {
        recur_lexicon_free(lx);
        return rc;
    }
    *out = lx;
    return RECUR_OK;
}

/* ---- sentences as a data set --------------------------------------------------------- */

/* The same arrays as a classifier's data set. */
void recur_lexicon_dataset_free(recur_dataset *ds) { recur_tsv_dataset_free(ds); }

int recur_lexicon_dataset(const recur_lexicon *lx, const recur_conll *c, const long *idx,
                          long n, int max_len, recur_dataset *ds, long *unknown)
{
    if (!ds)
        return recur__fail(RECUR_E_INVALID, "no output for the data set");
    memset(ds, 0, sizeof *ds);
    if (unknown)
        *unknown = 0;
    if (!lx || !c || n < 1)
        return recur__fail(RECUR_E_INVALID, "a data set needs a lexicon and sentences");
    long steps = 0;
    for (long i = 0; i < n; i++) {
        long s = idx ? idx[i] : i;
        int k;
        if (!recur_conll_sentence(c, s, &k, NULL))
            return recur__fail(RECUR_E_INVALID, "sentence %ld is out of range", s);
        if (max_len > 0 && k > max_len)
            return recur__fail(RECUR_E_LIMIT, "the sentence at line %ld has %d words, over "
                              "the limit of %d", recur_conll_line(c, s), k, max_len);
        steps += k;
    }
    long *off = malloc(((size_t)n + 1) * sizeof *off);
    int32_t *tok = malloc((size_t)steps * sizeof *tok);
    int32_t *lab = malloc((size_t)steps * sizeof *lab);
    if (!off || !tok || !lab) {
        free(off);
        free(tok);
        free(lab);
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    long o = 0, unk = 0;
    off[0] = 0;
    for (long i = 0; i < n; i++) {
        int k;
        const char *const *t;
        const char *const *w = recur_conll_sentence(c, idx ? idx[i] : i, &k, &t);
        for (int j = 0; j < k; j++, o++) {
            int known;
            tok[o] = recur_lexicon_word_id(lx, w[j], &known);
            unk += !known;
            lab[o] = t ? recur_lexicon_tag_id(lx, t[j]) : -1;
        }
        off[i + 1] = o;
    }
    ds->count = n;
    ds->offsets = off;
    ds->tokens = tok;
    ds->labels = lab;
    if (unknown)
        *unknown = unk;
    return RECUR_OK;
}

/* ---- the baseline and scoring ---------------------------------------------------------- */

static int cmp_pair(const void *a, const void *b)
{
    const int32_t *x = a, *y = b;
    return x[0] != y[0] ? (x[0] > y[0]) - (x[0] < y[0]) : (x[1] > y[1]) - (x[1] < y[1]);
}

int recur_lexicon_baseline(const recur_lexicon *lx, const recur_conll *c, const long *idx,
                           long n, int32_t *best)
{
    if (!best)
        return recur__fail(RECUR_E_INVALID, "no output for the baseline");
    recur_dataset ds;
    int rc = recur_lexicon_dataset(lx, c, idx, n, 0, &ds, NULL);
    if (rc)
        return rc;
    long steps = ds.offsets[n];
    int32_t *pairs = malloc((size_t)steps * 2 * sizeof *pairs);
    long *tag_count = calloc((size_t)lx->ntags, sizeof *tag_count);
    if (!pairs || !tag_count) {
        free(pairs);
        free(tag_count);
        recur_lexicon_dataset_free(&ds);
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    long np = 0;
    for (long i = 0; i < steps; i++)
        if (ds.labels[i] >= 0) {
            pairs[2 * np] = ds.tokens[i];
            pairs[2 * np + 1] = ds.labels[i];
            tag_count[ds.labels[i]]++;
            np++;
        }
    int overall = 0;
    for (int t = 1; t < lx->ntags; t++)
        if (tag_count[t] > tag_count[overall])
            overall = t;
    for (int w = 0; w < lx->n; w++)
        best[w] = overall;
    qsort(pairs, (size_t)np, 2 * sizeof *pairs, cmp_pair);
    long most = 0;
    for (long i = 0; i < np;) { /* runs of one (word, tag) within runs of one word */
        long j = i;
        while (j < np && pairs[2 * j] == pairs[2 * i] && pairs[2 * j + 1] == pairs[2 * i + 1])
            j++;
        if (i == 0 || pairs[2 * i] != pairs[2 * (i - 1)])
            most = 0;
        if (j - i > most) { /* ascending tags: a tie keeps the lower one */
            most = j - i;
            best[pairs[2 * i]] = pairs[2 * i + 1];
        }
        i = j;
    }
    free(pairs);
    free(tag_count);
    recur_lexicon_dataset_free(&ds);
    return RECUR_OK;
}
