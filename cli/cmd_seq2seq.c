/* cmd_seq2seq.c - `recur seq2seq train|eval|translate`: encoder-decoder
 * models on parallel text (TSV "source<TAB>target"), e.g. spelling to
 * pronunciation (CMUdict), German to English, or a language code to words
 * of that language (one to many). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "dist.h"
#include "progress.h"
#include "recur.h"
#include "seq2seq_metrics.h"
#include "svg.h"
#include "train_common.h"
#include "train_driver.h"



/* ---- a loaded model with its vocabularies ------------------------------------ */

typedef struct {
    recur_seq2seq *s;
    recur_vocab *src, *tgt;
    recur_tokens src_mode, tgt_mode;
    int max_len;
} loaded_model;

static void loaded_free(loaded_model *lm)
{
    recur_seq2seq_free(lm->s);
    recur_vocab_free(lm->src);
    recur_vocab_free(lm->tgt);
}

static const char *const bpe_keys[2] = {"data.src_bpe", "data.tgt_bpe"};

/* One side's vocabulary: from its token names, or for subwords from the
 * table in the metadata, whose token names must be the ones stored. A
 * library status, or EXIT_RUNTIME after one error line. */
static int side_vocab(const recur_seq2seq *s, const char *path, int side, recur_tokens mode,
                      const char *const *names, int n, recur_vocab **out)
{
    if (mode != RECUR_TOKENS_BPE)
        return recur_vocab_from_names(names, n, side, out);
    const char *text = recur_seq2seq_get_meta(s, bpe_keys[side]);
    recur_bpe *b = NULL;
    if (!text)
        return cli_error("%s: a subword model without its table (metadata '%s')", path,
                         bpe_keys[side]);
    if (recur_bpe_from_text(text, &b))
        return cli_error("%s: metadata '%s': %s", path, bpe_keys[side], recur_last_error());
    int rc = recur_vocab_from_bpe(b, side, out), nv = 0;
    recur_bpe_free(b);
    if (rc)
        return rc;
    const char *const *mine = recur_vocab_names(*out, &nv);
    int same = nv == n;
    for (int i = 0; same && i < n; i++)
        same = strcmp(mine[i], names[i]) == 0;
    if (!same) {
        recur_vocab_free(*out);
        *out = NULL;
        return cli_error("%s: metadata '%s' makes %d tokens that are not the model's %d "
                         "token names", path, bpe_keys[side], nv, n);
    }
    return 0;
}

static int loaded_open(const char *path, loaded_model *lm)
{
    memset(lm, 0, sizeof *lm);
    int rc = recur_seq2seq_load(path, &lm->s);
    if (rc)
        return cli_lib_error(rc);
    int ns, nt;
    const char *const *sn = recur_seq2seq_get_vocab(lm->s, 0, &ns);
    const char *const *tn = recur_seq2seq_get_vocab(lm->s, 1, &nt);
    const char *sm = recur_seq2seq_get_meta(lm->s, "data.src_tokens");
    const char *tm = recur_seq2seq_get_meta(lm->s, "data.tgt_tokens");
    const char *ml = recur_seq2seq_get_meta(lm->s, "data.max_len");
    const recur_seq2seq_config *c = recur_seq2seq_get_config(lm->s);
    if (!sn || !tn || !sm || !tm || recur_tokens_parse(sm) < 0 ||
        recur_tokens_parse(tm) < 0 || c->bos != 0 || c->eos != 1 ||
        strcmp(sn[0], RECUR_TOKEN_UNK) || strcmp(tn[2], RECUR_TOKEN_UNK)) {
        loaded_free(lm);
        return cli_error("%s: a sequence-to-sequence model without the token names and "
                         "modes that 'recur seq2seq train' stores", path);
    }
    lm->src_mode = (recur_tokens)recur_tokens_parse(sm);
    lm->tgt_mode = (recur_tokens)recur_tokens_parse(tm);
    lm->max_len = ml ? atoi(ml) : 100;
    if (lm->max_len < 1 || lm->max_len > 100000)
        lm->max_len = 100;
    if ((rc = side_vocab(lm->s, path, 0, lm->src_mode, sn, ns, &lm->src)) ||
        (rc = side_vocab(lm->s, path, 1, lm->tgt_mode, tn, nt, &lm->tgt))) {
        loaded_free(lm);
        return rc == EXIT_RUNTIME ? rc : cli_lib_error(rc);
    }
    return 0;
}

/* Source text to ids (unknown tokens: <unk>). *n = 0 for an empty source. */
static int encode_source(const loaded_model *lm, const char *text, int32_t **ids, int *n,
                         long *unknown)
{
    int rc = recur_vocab_encode(lm->src, text, lm->src_mode, ids, n, unknown);
    return rc ? cli_lib_error(rc) : 0;
}

/* Decode a source text into a newly allocated target text. */
static int translate_one(const loaded_model *lm, const char *text,
                         const recur_seq2seq_decode_config *dc, char **out, long *unknown)
{
    int32_t *src, *res;
    int n = 0, len = 0;
    *out = NULL;
    if (encode_source(lm, text, &src, &n, unknown))
        return EXIT_RUNTIME;
    if (n == 0) {
        free(src);
        return cli_error("empty source");
    }
    res = malloc((size_t)(dc->max_len + 1) * sizeof *res);
    if (!res) {
        free(src);
        return cli_error("out of memory");
    }
    int rc = recur_seq2seq_decode(lm->s, src, n, dc, res, &len, NULL);
    free(src);
    if (rc) {
        free(res);
        return cli_lib_error(rc);
    }
    rc = recur_vocab_decode(lm->tgt, res, len, lm->tgt_mode, out);
    free(res);
    return rc ? cli_lib_error(rc) : 0;
}

/* The attention matrix of text's translation (dc) as a heat map: one row per
 * output token and </s>, one column per source token. */
static int attention_svg(const loaded_model *lm, const char *text,
                         const recur_seq2seq_decode_config *dc, const char *path)
{
    if (recur_seq2seq_get_config(lm->s)->attention == RECUR_ATTN_NONE)
        return cli_error("--attention-svg: the model has no attention (train with "
                         "--attention)");
    int32_t *src = NULL, *out = malloc((size_t)(dc->max_len + 1) * sizeof *out);
    int n = 0, m = 0, rc, code = 0, ns, nt;
    long unknown = 0;
    if (!out)
        return cli_error("out of memory");
    if (encode_source(lm, text, &src, &n, &unknown)) {
        free(out);
        return EXIT_RUNTIME;
    }
    float *w = NULL;
    const char **rows = NULL, **cols = NULL;
    if (n == 0)
        code = cli_error("empty source");
    else if ((rc = recur_seq2seq_decode(lm->s, src, n, dc, out, &m, NULL)))
        code = cli_lib_error(rc);
    if (!code) {
        w = malloc((size_t)(m + 1) * n * sizeof *w);
        rows = malloc((size_t)(m + 1) * sizeof *rows);
        cols = malloc((size_t)n * sizeof *cols);
        if (!w || !rows || !cols)
            code = cli_error("out of memory");
    }
    if (!code && (rc = recur_seq2seq_attention_weights(lm->s, src, n, out, m, w)))
        code = cli_lib_error(rc);
    if (!code) {
        const char *const *sn = recur_vocab_names(lm->src, &ns);
        const char *const *tn = recur_vocab_names(lm->tgt, &nt);
        for (int j = 0; j < n; j++)
            cols[j] = sn[src[j]];
        for (int t = 0; t < m; t++)
            rows[t] = tn[out[t]];
        rows[m] = RECUR_TOKEN_EOS;
        svg_heatmap h = {text, m + 1, n, rows, cols, w};
        if (svg_heatmap_write(&h, path))
            code = cli_error("--attention-svg: cannot write %s: %s", path, strerror(errno));
    }
    free(src), free(out), free(w), free(rows), free(cols);
    return code;
}

/* ---- evaluation of decoded output ---------------------------------------------- */

typedef enum { BASE_NONE, BASE_COPY, BASE_NN, BASE_FILE } baseline_kind;

/* The error rate of subword output is counted over words. */
static recur_tokens metric_tokens(recur_tokens mode)
{
    return mode == RECUR_TOKENS_BPE ? RECUR_TOKENS_WORDS : mode;
}

/* Nearest neighbour: the target of the memory pair whose source is closest
 * in edit distance (over source token ids). */
static long nearest(const int32_t *q, int nq, const long *mso, const int32_t *ms,
                    long nmem, long *row)
{
    long best = -1, bestd = 0;
    for (long k = 0; k < nmem; k++) {
        const int32_t *m = ms + mso[k];
        int nm = (int)(mso[k + 1] - mso[k]);
        if (best >= 0 && labs((long)nm - nq) >= bestd)
            continue; /* cannot be closer */
        for (int j = 0; j <= nq; j++)
            row[j] = j;
        for (int i = 1; i <= nm; i++) {
            long diag = row[0];
            row[0] = i;
            for (int j = 1; j <= nq; j++) {
                long up = row[j], c = diag + (m[i - 1] != q[j - 1]);
                if (up + 1 < c) c = up + 1;
                if (row[j - 1] + 1 < c) c = row[j - 1] + 1;
                diag = up;
                row[j] = c;
            }
        }
        if (best < 0 || row[nq] < bestd)
            best = k, bestd = row[nq];
    }
    return best;
}

typedef struct {
    int beam;
    double length_penalty;
    int max_len;
    long max_examples;
    baseline_kind baseline;
    const long *memory; /* nearest-neighbour baseline: the training pairs, */
    long nmemory;       /* and their sources as token ids */
    const long *mem_so;
    const int32_t *mem_s;
    char **hyp_lines;   /* BASE_FILE: the outputs to score */
    int show;           /* print this many examples to stderr */
} decode_eval_opts;

/* Decode pairs idx[0..n) (or apply the baseline) and print the metrics. */
static int decode_and_score(const loaded_model *lm, const recur_pairs *p, const long *idx,
                            long n, const decode_eval_opts *o, const char *title)
{
    recur_seq2seq_decode_config dc;
    recur_seq2seq_decode_config_default(&dc);
    dc.beam = o->beam;
    dc.length_penalty = (float)o->length_penalty;
    dc.max_len = o->max_len > 0 ? o->max_len : lm->max_len;
    if (o->max_examples > 0 && n > o->max_examples)
        n = o->max_examples;
    s2s_metrics m;
    memset(&m, 0, sizeof m);
    long unknown = 0;
    double t0 = progress_now();
    for (long i = 0; i < n; i++) {
        const char *src = recur_pairs_source(p, idx[i], NULL);
        const char *ref = recur_pairs_target(p, idx[i], NULL);
        char *hyp = NULL;
        if (o->baseline == BASE_COPY) {
            hyp = strdup(src);
        } else if (o->baseline == BASE_FILE) {
            hyp = strdup(o->hyp_lines[i]);
        } else if (o->baseline == BASE_NN) {
            int32_t *q;
            int nq = 0;
            if (encode_source(lm, src, &q, &nq, &unknown))
                return EXIT_RUNTIME;
            long *row = malloc((size_t)(nq + 1) * sizeof *row), k = -1;
            if (row)
                k = nearest(q, nq, o->mem_so, o->mem_s, o->nmemory, row);
            free(row);
            free(q);
            hyp = strdup(k >= 0 ? recur_pairs_target(p, o->memory[k], NULL) : "");
        } else if (translate_one(lm, src, &dc, &hyp, &unknown)) {
            return EXIT_RUNTIME;
        }
        if (!hyp)
            return cli_error("out of memory");
        if (i < o->show)
            fprintf(stderr, "  %s -> %s (reference: %s)\n", src, hyp, ref);
        int code = metrics_add(&m, hyp, ref, metric_tokens(lm->tgt_mode));
        free(hyp);
        if (code)
            return code;
    }
    double el = progress_now() - t0;
    const char *unit = lm->tgt_mode == RECUR_TOKENS_CHARS ? "character"
                       : lm->tgt_mode == RECUR_TOKENS_BPE ? "word" : "token";
    printf("%s: %ld examples%s%s\n", title, m.sentences,
           o->baseline == BASE_COPY ? " (baseline: copy the source)"
           : o->baseline == BASE_NN ? " (baseline: target of the nearest training source)"
           : o->baseline == BASE_FILE ? " (the outputs of --hypotheses)"
           : "",
           o->baseline == BASE_NONE ? (o->beam ? " (beam search)" : " (greedy)") : "");
    if (o->baseline == BASE_NONE && o->beam)
        printf("  beam width:          %d\n", o->beam);
    printf("  exact match:         %.4f (sequence error rate %.4f)\n",
           m.sentences ? (double)m.exact / (double)m.sentences : 0,
           m.sentences ? 1 - (double)m.exact / (double)m.sentences : 0);
    printf("  %s error rate: %s%.4f (%ld edits / %ld reference %ss)\n", unit,
           lm->tgt_mode == RECUR_TOKENS_CHARS ? "" : "    ", m.ref_tokens ? (double)m.edits /
                                                    (double)m.ref_tokens : 0,
           m.edits, m.ref_tokens, unit);
    printf("  BLEU-4 (corpus):     %.2f\n", metrics_bleu(&m));
    printf("  chrF (corpus):       %.2f\n", metrics_chrf(&m));
    if (unknown)
        printf("  unknown source tokens: %ld\n", unknown);
    fprintf(stderr, "Decoded %ld examples in %.1f s.\n", m.sentences, el);
    return 0;
}

/* The lines of path (without "\n" or "\r\n") into *lines (malloc'd, one
 * block: free *lines alone), which must be exactly n. */
static int read_hypotheses(const char *path, long n, char ***lines)
{
    *lines = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return cli_error("--hypotheses %s: %s", path, strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0, k;
    char chunk[65536];
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + k + 1 > cap) {
            cap = (len + k + 1) * 2;
            char *b = realloc(buf, cap);
            if (!b) {
                free(buf);
                fclose(f);
                return cli_error("out of memory");
            }
            buf = b;
        }
        memcpy(buf + len, chunk, k);
        len += k;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return cli_error("--hypotheses %s: cannot read it", path);
    }
    long count = 0;
    for (size_t i = 0; i < len; i++)
        count += buf[i] == '\n';
    count += len > 0 && buf[len - 1] != '\n';
    if (count != n) {
        free(buf);
        return cli_error("--hypotheses %s: %ld lines for %ld pairs to score", path, count, n);
    }
    char **l = malloc((size_t)(n ? n : 1) * sizeof *l + len + 1);
    if (!l) {
        free(buf);
        return cli_error("out of memory");
    }
    char *text = (char *)(l + (n ? n : 1));
    if (len)
        memcpy(text, buf, len);
    text[len] = 0;
    free(buf);
    for (long i = 0, at = 0; i < n; i++) {
        l[i] = text + at;
        char *nl = strchr(text + at, '\n');
        if (nl) {
            *nl = 0;
            at = nl - text + 1;
        }
        size_t ll = strlen(l[i]);
        if (ll && l[i][ll - 1] == '\r')
            l[i][ll - 1] = 0;
    }
    *lines = l;
    return 0;
}

/* ---- train ------------------------------------------------------------------ */

typedef struct {
    recur_pairs *pairs;
    long *order, ntrain, nval;
    recur_vocab *src, *tgt;
    long *tr_so, *tr_to, *va_so, *va_to;
    int32_t *tr_s, *tr_t, *va_s, *va_t;
    recur_seq2seq_data train, held;
} train_data;

static void train_data_free(train_data *d)
{
    recur_pairs_free(d->pairs);
    free(d->order);
    recur_vocab_free(d->src);
    recur_vocab_free(d->tgt);
    free(d->tr_so), free(d->tr_to), free(d->va_so), free(d->va_to);
    free(d->tr_s), free(d->tr_t), free(d->va_s), free(d->va_t);
}

typedef struct {
    const seq2seq_train_opts *o;
    recur_tokens sm, tm;
    train_data d;
    recur_seq2seq *s;
    recur_seq2seq_trainer *tr;
    int max_len;
    train_driver driver;
} s2s_run;

static int set_meta_num(recur_seq2seq *s, const char *key, const char *fmt, double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, fmt, v);
    return recur_seq2seq_set_meta(s, key, buf);
}

/* One side's vocabulary from the training pairs: its tokens, or subwords
 * learned from its text. */
static int side_vocab_learn(const recur_pairs *p, const long *idx, long n, int side,
                            recur_tokens mode, int merges, recur_vocab **out)
{
    if (mode == RECUR_TOKENS_BPE)
        return recur_pairs_vocab_bpe(p, idx, n, side, merges, out);
    return recur_pairs_vocab(p, idx, n, side, mode, out);
}

/* The pairs, split by --seed into training and held-out ones, as token ids. */
static int load_pairs(s2s_run *r)
{
    const seq2seq_train_opts *o = r->o;
    train_data *d = &r->d;
    int rc = recur_pairs_load(o->data, RECUR_PAIRS_NEED_TARGET, &d->pairs);
    if (rc)
        return cli_lib_error(rc);
    long n = recur_pairs_count(d->pairs);
    d->nval = (long)floor((double)n * o->val);
    d->ntrain = n - d->nval;
    if (o->val > 0 && d->nval < 1)
        return cli_error("%s: --val %g of %ld pairs holds out none (use --val 0 for no "
                         "held-out part)", o->data, o->val, n);
    if (d->ntrain < 1)
        return cli_error("%s: --val %g leaves no pairs for training", o->data, o->val);
    if (!(d->order = malloc((size_t)n * sizeof *d->order)))
        return cli_error("out of memory");
    recur_pairs_shuffle(n, o->seed, d->order);
    const long *tri = d->order, *vai = d->order + d->ntrain;
    if ((rc = side_vocab_learn(d->pairs, tri, d->ntrain, 0, r->sm, o->bpe_merges, &d->src)) ||
        (rc = side_vocab_learn(d->pairs, tri, d->ntrain, 1, r->tm, o->bpe_merges, &d->tgt)) ||
        (rc = recur_pairs_encode(d->pairs, tri, d->ntrain, 0, r->sm, d->src, &d->tr_so,
                                 &d->tr_s, NULL)) ||
        (rc = recur_pairs_encode(d->pairs, tri, d->ntrain, 1, r->tm, d->tgt, &d->tr_to,
                                 &d->tr_t, NULL)))
        return cli_lib_error(rc);
    d->train = (recur_seq2seq_data){d->ntrain, d->tr_so, d->tr_s, d->tr_to, d->tr_t, NULL};
    if (d->nval == 0)
        return 0;
    if ((rc = recur_pairs_encode(d->pairs, vai, d->nval, 0, r->sm, d->src, &d->va_so,
                                 &d->va_s, NULL)) ||
        (rc = recur_pairs_encode(d->pairs, vai, d->nval, 1, r->tm, d->tgt, &d->va_to,
                                 &d->va_t, NULL)))
        return cli_lib_error(rc);
    d->held = (recur_seq2seq_data){d->nval, d->va_so, d->va_s, d->va_to, d->va_t, NULL};
    return 0;
}

/* A subword side's table into the model's metadata (nothing for others). */
static int set_bpe_meta(recur_seq2seq *s, int side, const recur_vocab *v)
{
    const recur_bpe *b = recur_vocab_bpe(v);
    char *text = NULL;
    if (!b)
        return RECUR_OK;
    int rc = recur_bpe_to_text(b, &text);
    if (!rc)
        rc = recur_seq2seq_set_meta(s, bpe_keys[side], text);
    free(text);
    return rc;
}

/* The model, its vocabularies and settings; the trainer (resumed with
 * --resume). */
static int build(s2s_run *r)
{
    const seq2seq_train_opts *o = r->o;
    const train_data *d = &r->d;
    long longest = 1;
    for (long i = 0; i < d->ntrain; i++)
        if (d->tr_to[i + 1] - d->tr_to[i] > longest)
            longest = d->tr_to[i + 1] - d->tr_to[i];
    int nsrc, ntgt;
    const char *const *src_names = recur_vocab_names(d->src, &nsrc);
    const char *const *tgt_names = recur_vocab_names(d->tgt, &ntgt);
    recur_seq2seq_config cfg = {
        .cell = (recur_cell)recur_cell_parse(o->model), .src_vocab = nsrc,
        .tgt_vocab = ntgt, .bos = 0, .eos = 1, .embed_dim = o->embed,
        .hidden = o->hidden, .layers = o->layers, .bidirectional = o->bidirectional,
        .dropout = (float)o->dropout};
    recur_attention_parse(o->attention, &cfg.attention); /* checked by seq2seq_parse */
    r->max_len = o->max_len > 0 ? o->max_len : (int)(2 * longest + 5);
    int rc = recur_seq2seq_create(&cfg, o->seed, &r->s);
    if (rc)
        return cli_lib_error(rc);
    recur_seq2seq *s = r->s;
    if ((rc = recur_seq2seq_set_vocab(s, 0, src_names, nsrc)) ||
        (rc = recur_seq2seq_set_vocab(s, 1, tgt_names, ntgt)) ||
        (rc = recur_seq2seq_set_meta(s, "data.src_tokens", recur_tokens_name(r->sm))) ||
        (rc = recur_seq2seq_set_meta(s, "data.tgt_tokens", recur_tokens_name(r->tm))) ||
        (rc = set_meta_num(s, "data.max_len", "%.0f", r->max_len)) ||
        (rc = recur_seq2seq_set_meta(s, "train.data", o->data)) ||
        (rc = set_meta_num(s, "train.val_fraction", "%.9g", o->val)) ||
        (rc = set_meta_num(s, "train.lines", "%.0f", (double)(d->ntrain + d->nval))) ||
        (rc = set_meta_num(s, "train.split_seed", "%.0f", (double)o->seed)) ||
        (rc = recur_seq2seq_set_meta(s, "train.optimizer", o->optim)) ||
        (rc = set_meta_num(s, "train.lr", "%.9g", o->lr)) ||
        (rc = set_meta_num(s, "train.clip", "%.9g", o->clip)) ||
        (rc = set_bpe_meta(s, 0, d->src)) || (rc = set_bpe_meta(s, 1, d->tgt)))
        return cli_lib_error(rc);
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.optimizer = (recur_optimizer)recur_optimizer_parse(o->optim);
    tc.lr = (float)o->lr;
    tc.clip = (float)o->clip;
    tc.lr_decay = (float)o->lr_decay;
    tc.batch = o->batch;
    tc.seed = o->seed;
    if ((rc = recur_seq2seq_trainer_create(s, &tc, &r->d.train, &r->tr)) ||
        (o->resume && (rc = recur_seq2seq_trainer_resume(r->tr, o->save))))
        return cli_lib_error(rc);
    return 0;
}

static void print_header(const s2s_run *r, long spe, long target, long start)
{
    const seq2seq_train_opts *o = r->o;
    char params[32];
    int nsrc, ntgt;
    recur_vocab_names(r->d.src, &nsrc);
    recur_vocab_names(r->d.tgt, &ntgt);
    progress_fmt_count(recur_seq2seq_param_count(r->s), params, sizeof params);
    fprintf(stderr, "Model: %s encoder-decoder, %d layer(s) of %d units%s, %s, "
            "attention %s; %s parameters.\n", o->model, o->layers, o->hidden,
            o->bidirectional ? " per direction (bidirectional encoder)" : "",
            o->embed ? "embeddings" : "one-hot input", o->attention, params);
    fprintf(stderr, "Data: %s, %ld pairs: %ld for training, %ld held out (seed "
            "%llu); vocabularies %d source %s, %d target %s (with specials).\n",
            o->data, r->d.ntrain + r->d.nval, r->d.ntrain, r->d.nval,
            (unsigned long long)o->seed, nsrc, recur_tokens_name(r->sm), ntgt,
            recur_tokens_name(r->tm));
    fprintf(stderr, "Training: %s lr %g, clip %g, batches of %d, %ld steps per "
            "epoch, to step %ld; checkpoint %s.\n", o->optim, o->lr, o->clip,
            o->batch, spe, target, o->save);
    if (start > 0)
        fprintf(stderr, "Resuming from %s at step %ld.\n", o->save, start);
}

/* ---- the hooks of the driver --------------------------------------------- */

static int s2s_step(train_driver *d, recur_batch_stats *st)
{
    return recur_seq2seq_trainer_step(((s2s_run *)d->ctx)->tr, st);
}

static long s2s_step_count(const train_driver *d)
{
    return recur_seq2seq_trainer_step_count(((const s2s_run *)d->ctx)->tr);
}

static int s2s_save(train_driver *d)
{
    return recur_seq2seq_trainer_save(((s2s_run *)d->ctx)->tr, d->save);
}

static int s2s_set_shard(train_driver *d, int rank, int nranks, recur_allreduce_fn sum)
{
    return recur_seq2seq_trainer_set_shard(((s2s_run *)d->ctx)->tr, rank, nranks, sum, NULL);
}

static int s2s_evaluate(train_driver *d, double *loss)
{
    s2s_run *r = d->ctx;
    recur_eval_stats es;
    int rc = recur_seq2seq_evaluate(r->s, &r->d.held, 64, &es);
    if (!rc)
        *loss = es.loss;
    return rc;
}

/* The closing line, then the held-out pairs decoded and scored. */
static int s2s_summary(train_driver *d)
{
    s2s_run *r = d->ctx;
    const seq2seq_train_opts *o = r->o;
    long step = train_driver_step(d);
    double acc, loss = progress_train_loss(&d->prog, &acc);
    char el[32];
    train_driver_elapsed(d, el, sizeof el);
    fprintf(stderr, "%s at step %ld (%.2f epochs) in %s - loss: %.4f - accuracy: %.4f",
            train_driver_stopped_early(d) ? "Stopped at the time limit" : "Trained", step,
            (double)step / (double)d->steps_per_epoch, el, loss, acc);
    if (d->has_eval)
        fprintf(stderr, " - val_loss: %.4f", d->eval_loss);
    fprintf(stderr, " - saved %s\n", o->save);
    if (r->d.nval == 0 || o->eval_max == 0)
        return 0;
    loaded_model lm = {.s = r->s, .src = r->d.src, .tgt = r->d.tgt, .src_mode = r->sm,
                       .tgt_mode = r->tm, .max_len = r->max_len};
    decode_eval_opts eo = {.beam = o->beam, .length_penalty = o->length_penalty,
                           .max_len = r->max_len,
                           .max_examples = o->eval_max, .show = o->show};
    return decode_and_score(&lm, r->d.pairs, r->d.order + r->d.ntrain, r->d.nval, &eo,
                            "held-out");
}

/* ---- the run ----------------------------------------------------------------- */

static int s2s_train(s2s_run *r)
{
    const seq2seq_train_opts *o = r->o;
    int code = load_pairs(r);
    if (!code)
        code = build(r);
    if (code)
        return code;
    long spe = recur_seq2seq_trainer_steps_per_epoch(r->tr);
    long start = recur_seq2seq_trainer_step_count(r->tr);
    long target = o->steps > 0 ? o->steps : o->epochs * spe;
    if (train_nothing_to_do(o->save, start, target))
        return 0;
    if (!o->quiet && dist_rank() == 0) /* over MPI, rank 0 prints (dist.h) */
        print_header(r, spe, target, start);
    train_hooks hooks = {.step = s2s_step, .step_count = s2s_step_count, .save = s2s_save,
                         .evaluate = r->d.nval > 0 ? s2s_evaluate : NULL,
                         .summary = s2s_summary, .set_shard = s2s_set_shard};
    r->driver = (train_driver){
        .hooks = &hooks, .ctx = r, .save = o->save, .steps_per_epoch = spe,
        .target = target, .time_limit = o->time_limit,
        .checkpoint_every = o->checkpoint_every, .checkpoint_epochs = !o->checkpoint_every,
        .eval_on_bar = 1, .mode = train_progress_mode(o->quiet, PROGRESS_PLAIN)};
    return train_drive(&r->driver);
}

static int run_train(const seq2seq_train_opts *o)
{
    if (train_check_save(o->resume, o->save))
        return EXIT_RUNTIME;
    cli_set_threads(o->threads);
    s2s_run r = {.o = o, .sm = (recur_tokens)recur_tokens_parse(o->src_tokens),
                 .tm = (recur_tokens)recur_tokens_parse(o->tgt_tokens)};
    int code = s2s_train(&r);
    recur_seq2seq_trainer_free(r.tr);
    recur_seq2seq_free(r.s);
    train_data_free(&r.d);
    return code;
}

/* ---- eval --------------------------------------------------------------------- */

typedef struct {
    const seq2seq_eval_opts *o;
    loaded_model lm;
    recur_pairs *p;
    long n, nval, *order, *so, *to, *mso;
    int32_t *si, *ti, *msi;
    long tu; /* unknown target tokens */
} s2s_eval;

static void s2s_eval_free(s2s_eval *e)
{
    free(e->order);
    free(e->so), free(e->to), free(e->si), free(e->ti), free(e->mso), free(e->msi);
    recur_pairs_free(e->p);
    loaded_free(&e->lm);
}

/* The pairs to score (all, or the held-out part of --val's split) as
 * token ids; refused when most of their source tokens are not the
 * model's. *idx: their indices. */
static int eval_select(s2s_eval *e, const long **idx)
{
    const seq2seq_eval_opts *o = e->o;
    int rc = recur_pairs_load(o->data, RECUR_PAIRS_NEED_TARGET, &e->p);
    if (rc)
        return cli_lib_error(rc);
    long n = e->n = recur_pairs_count(e->p);
    e->nval = o->val > 0 ? (long)floor((double)n * o->val) : n;
    if (!(e->order = malloc((size_t)n * sizeof *e->order)))
        return cli_error("out of memory");
    recur_pairs_shuffle(n, o->seed, e->order);
    if (e->nval < 1)
        return cli_error("%s: --val %g of %ld pairs holds out none", o->data, o->val, n);
    for (long i = 0; o->val == 0 && i < n; i++)
        e->order[i] = i;
    *idx = o->val > 0 ? e->order + (n - e->nval) : e->order;
    long su = 0;
    if ((rc = recur_pairs_encode(e->p, *idx, e->nval, 0, e->lm.src_mode, e->lm.src, &e->so,
                                 &e->si, &su)) ||
        (rc = recur_pairs_encode(e->p, *idx, e->nval, 1, e->lm.tgt_mode, e->lm.tgt, &e->to,
                                 &e->ti, &e->tu)))
        return cli_lib_error(rc);
    if (su * 2 > e->so[e->nval])
        return cli_error("%s does not match the model %s: %ld of %ld source tokens are not "
                         "in its vocabulary", o->data, o->model, su, e->so[e->nval]);
    return 0;
}

static int teacher_forced(const s2s_eval *e)
{
    recur_seq2seq_data dd = {e->nval, e->so, e->si, e->to, e->ti, NULL};
    recur_eval_stats es;
    int rc = recur_seq2seq_evaluate(e->lm.s, &dd, 64, &es);
    if (rc)
        return cli_lib_error(rc);
    printf("teacher-forced loss: %.4f nats/token, next-token accuracy %.4f "
           "(%ld target tokens, %ld unknown)\n", es.loss, es.accuracy, es.tokens, e->tu);
    return 0;
}

static int run_eval(const seq2seq_eval_opts *o)
{
    static const char *const baselines[] = {"none", "copy", "nn"};
    baseline_kind bk = o->hypotheses ? BASE_FILE
                       : (baseline_kind)options_choice(o->baseline, baselines, 3);
    s2s_eval e = {.o = o};
    if (loaded_open(o->model, &e.lm))
        return EXIT_RUNTIME;
    const long *idx = NULL;
    int code = eval_select(&e, &idx);
    if (!code && bk == BASE_NONE)
        code = teacher_forced(&e);
    long mu, nmem = e.n - e.nval;
    int rc = 0;
    if (!code && bk == BASE_NN)
        rc = recur_pairs_encode(e.p, e.order, nmem, 0, e.lm.src_mode, e.lm.src, &e.mso,
                                &e.msi, &mu);
    if (rc)
        code = cli_lib_error(rc);
    char **hyp_lines = NULL;
    if (!code && bk == BASE_FILE) {
        long scored = o->max_examples > 0 && o->max_examples < e.nval ? o->max_examples : e.nval;
        code = read_hypotheses(o->hypotheses, scored, &hyp_lines);
    }
    if (!code) {
        decode_eval_opts eo = {.beam = o->beam, .length_penalty = o->length_penalty,
                               .hyp_lines = hyp_lines,
                               .max_len = o->max_len,
                               .max_examples = o->max_examples, .baseline = bk,
                               .memory = e.order, .nmemory = nmem, .mem_so = e.mso,
                               .mem_s = e.msi, .show = o->show};
        code = decode_and_score(&e.lm, e.p, idx, e.nval, &eo,
                                o->val > 0 ? "held-out" : "all");
    }
    free(hyp_lines);
    s2s_eval_free(&e);
    return code;
}

/* ---- translate ------------------------------------------------------------------- */

/* The sources: --input, or stdin for "-". A library status, or 1 after
 * stdin could not be read (reported). */
static int read_sources(const char *input, recur_pairs **p)
{
    if (strcmp(input, "-") != 0)
        return recur_pairs_load(input, 0, p);
    size_t len;
    char *buf = cli_read_stdin(&len);
    if (!buf)
        return 1;
    int rc = recur_pairs_from_memory(buf, len, "stdin", 0, p);
    free(buf);
    return rc;
}

static int run_translate(const seq2seq_translate_opts *o)
{
    loaded_model lm;
    if (loaded_open(o->model, &lm))
        return EXIT_RUNTIME;
    recur_pairs *p = NULL;
    int rc = read_sources(o->input, &p);
    if (rc) {
        loaded_free(&lm);
        return rc > 0 ? EXIT_RUNTIME : cli_lib_error(rc);
    }
    recur_seq2seq_decode_config dc;
    recur_seq2seq_decode_config_default(&dc);
    dc.beam = o->beam;
    dc.sample = o->sample;
    dc.temperature = (float)o->temperature;
    dc.length_penalty = (float)o->length_penalty;
    dc.max_len = o->max_len > 0 ? o->max_len : lm.max_len;
    int code = 0, count = o->count;
    long unknown = 0;
    for (long i = 0; !code && i < recur_pairs_count(p); i++)
        for (int k = 0; !code && k < count; k++) {
            char *out;
            dc.seed = o->seed + (uint64_t)(i * count + k);
            if ((code = translate_one(&lm, recur_pairs_source(p, i, NULL), &dc, &out, &unknown)))
                break;
            printf("%s\n", out);
            free(out);
        }
    if (!code && o->svg && recur_pairs_count(p) > 0)
        code = attention_svg(&lm, recur_pairs_source(p, 0, NULL), &dc, o->svg);
    if (!code && unknown)
        fprintf(stderr, "recur seq2seq translate: %ld source token(s) unknown to the "
                "model were read as %s\n", unknown, RECUR_TOKEN_UNK);
    recur_pairs_free(p);
    loaded_free(&lm);
    return code;
}

/* ---- dispatch ---------------------------------------------------------------------- */

int cmd_seq2seq(int argc, char **argv)
{
    seq2seq_opts o;
    int a = seq2seq_parse(argc, argv, &o);
    if (a)
        return a == ARGS_HELP ? 0 : EXIT_USAGE;
    if (o.sub == SEQ2SEQ_TRAIN)
        return run_train(&o.train);
    return o.sub == SEQ2SEQ_EVAL ? run_eval(&o.eval) : run_translate(&o.translate);
}
