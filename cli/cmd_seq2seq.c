/* cmd_seq2seq.c - `recur seq2seq train|eval|translate`: encoder-decoder
 * models on parallel text (TSV "source<TAB>target"), e.g. spelling to
 * pronunciation (CMUdict), German to English, or a language code to words
 * of that language (one to many). */
#include <math.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "commands.h"
#include "progress.h"
#include "svg.h"
#include "recur.h"
#include "seq2seq_metrics.h"
#include "train_common.h"


#define NUM(nm, al, kind, dst, mv, df, hl, hasl, lo_, loo, hash, hi_, hio) \
    {nm, al, kind, dst, mv, df, hl, hasl, hash, loo, hio, lo_, hi_, 0}
#define STR(nm, dst, mv, df, hl) {nm, NULL, OPT_STRING, dst, mv, df, hl, 0, 0, 0, 0, 0, 0, 0}
#define FLAG(nm, dst, hl) {nm, NULL, OPT_FLAG, dst, NULL, NULL, hl, 0, 0, 0, 0, 0, 0, 0}

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
    if ((rc = recur_vocab_from_names(sn, ns, 0, &lm->src)) ||
        (rc = recur_vocab_from_names(tn, nt, 1, &lm->tgt))) {
        loaded_free(lm);
        return cli_lib_error(rc);
    }
    return 0;
}

/* The target tokens as text: characters joined, or tokens with spaces. */
static char *join_tokens(const recur_vocab *v, recur_tokens mode, const int32_t *ids,
                         int n)
{
    int nv;
    const char *const *names = recur_vocab_names(v, &nv);
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += strlen(names[ids[i]]) + 1;
    char *s = malloc(len), *o = s;
    if (!s)
        return NULL;
    for (int i = 0; i < n; i++) {
        if (mode == RECUR_TOKENS_WORDS && i)
            *o++ = ' ';
        size_t k = strlen(names[ids[i]]);
        memcpy(o, names[ids[i]], k);
        o += k;
    }
    *o = 0;
    return s;
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
    *out = join_tokens(lm->tgt, lm->tgt_mode, res, len);
    free(res);
    return *out ? 0 : cli_error("out of memory");
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

typedef enum { BASE_NONE, BASE_COPY, BASE_NN } baseline_kind;

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
        int code = metrics_add(&m, hyp, ref, lm->tgt_mode);
        free(hyp);
        if (code)
            return code;
    }
    double el = progress_now() - t0;
    const char *unit = lm->tgt_mode == RECUR_TOKENS_WORDS ? "token" : "character";
    printf("%s: %ld examples%s%s\n", title, m.sentences,
           o->baseline == BASE_COPY ? " (baseline: copy the source)"
           : o->baseline == BASE_NN ? " (baseline: target of the nearest training source)"
           : "",
           o->baseline == BASE_NONE ? (o->beam ? " (beam search)" : " (greedy)") : "");
    if (o->baseline == BASE_NONE && o->beam)
        printf("  beam width:          %d\n", o->beam);
    printf("  exact match:         %.4f (sequence error rate %.4f)\n",
           m.sentences ? (double)m.exact / (double)m.sentences : 0,
           m.sentences ? 1 - (double)m.exact / (double)m.sentences : 0);
    printf("  %s error rate: %s%.4f (%ld edits / %ld reference %ss)\n", unit,
           lm->tgt_mode == RECUR_TOKENS_WORDS ? "    " : "", m.ref_tokens ? (double)m.edits /
                                                    (double)m.ref_tokens : 0,
           m.edits, m.ref_tokens, unit);
    printf("  BLEU-4 (corpus):     %.2f\n", metrics_bleu(&m));
    if (unknown)
        printf("  unknown source tokens: %ld\n", unknown);
    fprintf(stderr, "Decoded %ld examples in %.1f s.\n", m.sentences, el);
    return 0;
}

/* ---- train ------------------------------------------------------------------ */

typedef struct {
    const char *model, *src_tokens, *tgt_tokens, *optim, *save, *attention;
    int hidden, layers, embed, bidirectional, batch, threads, beam, quiet, resume;
    int max_len, show;
    double dropout, lr, clip, val, time_limit, lr_decay, length_penalty;
    long epochs, steps, eval_max, checkpoint_every;
    uint64_t seed;
} train_opts;

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

static int set_meta_num(recur_seq2seq *s, const char *key, const char *fmt, double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, fmt, v);
    return recur_seq2seq_set_meta(s, key, buf);
}

static int train_run(const train_opts *o, const char *path)
{
    int code = EXIT_RUNTIME, rc;
    recur_tokens sm = (recur_tokens)recur_tokens_parse(o->src_tokens);
    recur_tokens tm = (recur_tokens)recur_tokens_parse(o->tgt_tokens);
    train_data d;
    memset(&d, 0, sizeof d);
    recur_seq2seq *s = NULL;
    recur_seq2seq_trainer *tr = NULL;

    if (o->resume && !cli_file_exists(o->save))
        return cli_error("--resume: %s does not exist (nothing to resume)", o->save);
    if (cli_check_save_dir("--save", o->save))
        return EXIT_RUNTIME;
    recur_set_threads(o->threads);
    if ((rc = recur_pairs_load(path, RECUR_PAIRS_NEED_TARGET, &d.pairs)))
        return cli_lib_error(rc);
    long n = recur_pairs_count(d.pairs);
    d.nval = (long)floor((double)n * o->val);
    d.ntrain = n - d.nval;
    if (o->val > 0 && d.nval < 1) {
        cli_error("%s: --val %g of %ld pairs holds out none (use --val 0 for no "
                  "held-out part)", path, o->val, n);
        goto done;
    }
    if (d.ntrain < 1) {
        cli_error("%s: --val %g leaves no pairs for training", path, o->val);
        goto done;
    }
    if (!(d.order = malloc((size_t)n * sizeof *d.order))) {
        cli_error("out of memory");
        goto done;
    }
    recur_pairs_shuffle(n, o->seed, d.order);
    const long *tri = d.order, *vai = d.order + d.ntrain;
    if ((rc = recur_pairs_vocab(d.pairs, tri, d.ntrain, 0, sm, &d.src)) ||
        (rc = recur_pairs_vocab(d.pairs, tri, d.ntrain, 1, tm, &d.tgt)) ||
        (rc = recur_pairs_encode(d.pairs, tri, d.ntrain, 0, sm, d.src, &d.tr_so, &d.tr_s,
                                 NULL)) ||
        (rc = recur_pairs_encode(d.pairs, tri, d.ntrain, 1, tm, d.tgt, &d.tr_to, &d.tr_t,
                                 NULL))) {
        cli_lib_error(rc);
        goto done;
    }
    d.train = (recur_seq2seq_data){d.ntrain, d.tr_so, d.tr_s, d.tr_to, d.tr_t};
    if (d.nval > 0) {
        if ((rc = recur_pairs_encode(d.pairs, vai, d.nval, 0, sm, d.src, &d.va_so, &d.va_s,
                                     NULL)) ||
            (rc = recur_pairs_encode(d.pairs, vai, d.nval, 1, tm, d.tgt, &d.va_to, &d.va_t,
                                     NULL))) {
            cli_lib_error(rc);
            goto done;
        }
        d.held = (recur_seq2seq_data){d.nval, d.va_so, d.va_s, d.va_to, d.va_t};
    }
    long longest = 1;
    for (long i = 0; i < d.ntrain; i++)
        if (d.tr_to[i + 1] - d.tr_to[i] > longest)
            longest = d.tr_to[i + 1] - d.tr_to[i];

    int nsrc, ntgt;
    const char *const *src_names = recur_vocab_names(d.src, &nsrc);
    const char *const *tgt_names = recur_vocab_names(d.tgt, &ntgt);
    recur_seq2seq_config cfg = {
        .cell = (recur_cell)recur_cell_parse(o->model), .src_vocab = nsrc,
        .tgt_vocab = ntgt, .bos = 0, .eos = 1, .embed_dim = o->embed,
        .hidden = o->hidden, .layers = o->layers, .bidirectional = o->bidirectional,
        .dropout = (float)o->dropout};
    recur_attention_parse(o->attention, &cfg.attention); /* checked with the options */
    int max_len = o->max_len > 0 ? o->max_len : (int)(2 * longest + 5);
    if ((rc = recur_seq2seq_create(&cfg, o->seed, &s)) ||
        (rc = recur_seq2seq_set_vocab(s, 0, src_names, nsrc)) ||
        (rc = recur_seq2seq_set_vocab(s, 1, tgt_names, ntgt)) ||
        (rc = recur_seq2seq_set_meta(s, "data.src_tokens", recur_tokens_name(sm))) ||
        (rc = recur_seq2seq_set_meta(s, "data.tgt_tokens", recur_tokens_name(tm))) ||
        (rc = set_meta_num(s, "data.max_len", "%.0f", max_len)) ||
        (rc = recur_seq2seq_set_meta(s, "train.data", path)) ||
        (rc = set_meta_num(s, "train.val_fraction", "%.9g", o->val)) ||
        (rc = set_meta_num(s, "train.lines", "%.0f", (double)n)) ||
        (rc = set_meta_num(s, "train.split_seed", "%.0f", (double)o->seed)) ||
        (rc = recur_seq2seq_set_meta(s, "train.optimizer", o->optim)) ||
        (rc = set_meta_num(s, "train.lr", "%.9g", o->lr)) ||
        (rc = set_meta_num(s, "train.clip", "%.9g", o->clip))) {
        cli_lib_error(rc);
        goto done;
    }
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.optimizer = (recur_optimizer)recur_optimizer_parse(o->optim);
    tc.lr = (float)o->lr;
    tc.clip = (float)o->clip;
    tc.lr_decay = (float)o->lr_decay;
    tc.batch = o->batch;
    tc.seed = o->seed;
    if ((rc = recur_seq2seq_trainer_create(s, &tc, &d.train, &tr)) ||
        (o->resume && (rc = recur_seq2seq_trainer_resume(tr, o->save)))) {
        cli_lib_error(rc);
        goto done;
    }
    long spe = recur_seq2seq_trainer_steps_per_epoch(tr);
    long start = recur_seq2seq_trainer_step_count(tr);
    long target = o->steps > 0 ? o->steps : o->epochs * spe;
    progress prog;
    progress_mode mode = o->quiet ? PROGRESS_QUIET
                         : isatty(fileno(stderr)) ? PROGRESS_BAR : PROGRESS_PLAIN;
    progress_init(&prog, mode, stderr, spe, start, target);
    if (!o->quiet) {
        char params[32];
        progress_fmt_count(recur_seq2seq_param_count(s), params, sizeof params);
        fprintf(stderr, "Model: %s encoder-decoder, %d layer(s) of %d units%s, %s, "
                "attention %s; %s parameters.\n", o->model, o->layers, o->hidden,
                o->bidirectional ? " per direction (bidirectional encoder)" : "",
                o->embed ? "embeddings" : "one-hot input", o->attention, params);
        fprintf(stderr, "Data: %s, %ld pairs: %ld for training, %ld held out (seed "
                "%llu); vocabularies %d source %s, %d target %s (with specials).\n",
                path, n, d.ntrain, d.nval, (unsigned long long)o->seed, nsrc,
                recur_tokens_name(sm), ntgt, recur_tokens_name(tm));
        fprintf(stderr, "Training: %s lr %g, clip %g, batches of %d, %ld steps per "
                "epoch, to step %ld; checkpoint %s.\n", o->optim, o->lr, o->clip,
                o->batch, spe, target, o->save);
        if (start > 0)
            fprintf(stderr, "Resuming from %s at step %ld.\n", o->save, start);
    }
    cli_catch_signals();
    long last_saved = start;
    int has_val = 0;
    double val_loss = 0;
    while (recur_seq2seq_trainer_step_count(tr) < target && !cli_stop_signal) {
        if (o->time_limit > 0 && progress_now() - prog.t0 >= o->time_limit)
            break;
        recur_batch_stats st;
        if ((rc = recur_seq2seq_trainer_step(tr, &st))) {
            progress_break(&prog);
            cli_training_failed(rc, o->save);
            goto done;
        }
        long step = recur_seq2seq_trainer_step_count(tr);
        progress_step(&prog, step, st.loss, st.accuracy, st.tokens);
        int epoch_end = step % spe == 0, last = step == target;
        if (epoch_end || last) {
            recur_eval_stats es;
            has_val = d.nval > 0;
            if (has_val && (rc = recur_seq2seq_evaluate(s, &d.held, 64, &es))) {
                progress_break(&prog);
                cli_lib_error(rc);
                goto done;
            }
            val_loss = has_val ? es.loss : 0;
            progress_epoch_end(&prog, step, has_val, val_loss);
        }
        int ckpt = o->checkpoint_every ? step % o->checkpoint_every == 0 : epoch_end;
        if (ckpt || last) {
            if ((rc = recur_seq2seq_trainer_save(tr, o->save))) {
                progress_break(&prog);
                cli_lib_error(rc);
                goto done;
            }
            last_saved = step;
        }
    }
    long step = recur_seq2seq_trainer_step_count(tr);
    progress_break(&prog);
    if (step == start) {
        if (cli_stop_signal) {
            code = 128 + (int)cli_stop_signal;
            cli_error("interrupted before the first step; nothing was trained or saved");
        } else {
            fprintf(stderr, "%s\n", start >= target ? "Already at the target step: "
                    "nothing to train." : "The time limit was reached before the first "
                    "step; nothing was trained or saved.");
            code = 0;
        }
        goto done;
    }
    if (step % spe != 0 && step < target && !cli_stop_signal && d.nval > 0) {
        /* Stopped by the time limit between epochs: a fresh held-out loss. */
        recur_eval_stats es;
        if ((rc = recur_seq2seq_evaluate(s, &d.held, 64, &es))) {
            cli_lib_error(rc);
            goto done;
        }
        has_val = 1;
        val_loss = es.loss;
    }
    if (step > last_saved && (rc = recur_seq2seq_trainer_save(tr, o->save))) {
        cli_lib_error(rc);
        goto done;
    }
    if (cli_stop_signal) {
        code = 128 + (int)cli_stop_signal;
        cli_error("interrupted at step %ld; checkpoint saved to %s (continue with "
                  "--resume)", step, o->save);
        goto done;
    }
    double acc, loss = progress_train_loss(&prog, &acc);
    char el[32];
    progress_fmt_time(progress_now() - prog.t0, el, sizeof el);
    fprintf(stderr, "%s at step %ld (%.2f epochs) in %s - loss: %.4f - accuracy: %.4f",
            step < target ? "Stopped at the time limit" : "Trained", step,
            (double)step / (double)spe, el, loss, acc);
    if (has_val)
        fprintf(stderr, " - val_loss: %.4f", val_loss);
    fprintf(stderr, " - saved %s\n", o->save);
    if (d.nval > 0 && o->eval_max != 0) {
        loaded_model lm = {.s = s, .src = d.src, .tgt = d.tgt, .src_mode = sm,
                           .tgt_mode = tm, .max_len = max_len};
        decode_eval_opts eo = {.beam = o->beam, .length_penalty = o->length_penalty,
                               .max_len = max_len,
                               .max_examples = o->eval_max, .show = o->show};
        if (decode_and_score(&lm, d.pairs, vai, d.nval, &eo, "held-out"))
            goto done;
    }
    code = 0;
done:
    recur_seq2seq_trainer_free(tr);
    recur_seq2seq_free(s);
    train_data_free(&d);
    return code;
}

static int cmd_train_s2s(int argc, char **argv)
{
    train_opts o = {.model = "lstm", .src_tokens = "chars", .tgt_tokens = "chars",
                    .optim = "adam", .save = "seq2seq.safetensors", .hidden = 128,
                    .layers = 1, .embed = 64, .batch = 64, .threads = 2, .lr = 2e-3,
                    .clip = 5, .val = 0.05, .epochs = 1, .eval_max = 1000,
                    .lr_decay = 1, .seed = 1, .attention = "none", .length_penalty = 1};
    cli_opt opts[] = {
        STR("model", &o.model, "TYPE", "lstm", "recurrent cell: rnn_tanh, rnn_relu, lstm, gru"),
        NUM("hidden", NULL, OPT_INT, &o.hidden, "N", "128",
            "encoder units per direction (the decoder has this x directions)",
            1, 1, 0, 1, 32768, 0),
        NUM("layers", NULL, OPT_INT, &o.layers, "N", "1", "layers of encoder and decoder",
            1, 1, 0, 1, 16, 0),
        NUM("embed", NULL, OPT_INT, &o.embed, "N", "64", "embedding size; 0 = one-hot",
            1, 0, 0, 1, 65536, 0),
        FLAG("bidirectional", &o.bidirectional, "bidirectional encoder"),
        STR("attention", &o.attention, "KIND", "none",
            "attention in the decoder (Luong): none, dot, general, additive"),
        NUM("dropout", NULL, OPT_DOUBLE, &o.dropout, "P", "0",
            "dropout on each layer's output while training", 1, 0, 0, 1, 1, 1),
        STR("src-tokens", &o.src_tokens, "MODE", "chars",
            "source side as 'chars' or space-separated 'words'"),
        STR("tgt-tokens", &o.tgt_tokens, "MODE", "chars",
            "target side as 'chars' or space-separated 'words' (e.g. phonemes)"),
        NUM("batch", NULL, OPT_INT, &o.batch, "B", "64", "pairs per batch", 1, 1, 0, 1,
            100000, 0),
        NUM("epochs", NULL, OPT_LONG, &o.epochs, "N", "1", "passes over the training pairs",
            1, 1, 0, 1, 1e9, 0),
        NUM("steps", NULL, OPT_LONG, &o.steps, "N", NULL,
            "train to this many steps in all (overrides --epochs)", 1, 1, 0, 0, 0, 0),
        NUM("time-limit", NULL, OPT_DOUBLE, &o.time_limit, "SECONDS", NULL,
            "stop cleanly after this much time, with a checkpoint", 1, 0, 1, 0, 0, 0),
        STR("optim", &o.optim, "NAME", "adam", "optimizer: sgd, adam, adamw, rmsprop"),
        NUM("lr", NULL, OPT_DOUBLE, &o.lr, "RATE", "2e-3", "learning rate", 1, 0, 1, 1,
            100, 1),
        NUM("lr-decay", NULL, OPT_DOUBLE, &o.lr_decay, "F", "1",
            "multiply the learning rate by F after every epoch", 1, 0, 1, 1, 1, 0),
        NUM("clip", NULL, OPT_DOUBLE, &o.clip, "NORM", "5",
            "clip the gradient norm over encoder and decoder; 0 = off", 1, 0, 0, 0, 0, 0),
        NUM("val", NULL, OPT_DOUBLE, &o.val, "FRACTION", "0.05",
            "pairs held out (chosen by --seed) for validation and the final metrics",
            1, 0, 0, 1, 1, 1),
        NUM("seed", NULL, OPT_U64, &o.seed, "N", "1",
            "seed of the weights, the split, shuffling and dropout", 0, 0, 0, 0, 0, 0),
        NUM("threads", NULL, OPT_INT, &o.threads, "N", "2", "threads", 1, 1, 0, 1, 1024, 0),
        STR("save", &o.save, "FILE", "seq2seq.safetensors",
            "model file and checkpoint (written every epoch and at the end)"),
        NUM("checkpoint-every", NULL, OPT_LONG, &o.checkpoint_every, "N", NULL,
            "also save every N steps", 1, 1, 0, 0, 0, 0),
        FLAG("resume", &o.resume, "continue from the --save checkpoint"),
        NUM("beam", NULL, OPT_INT, &o.beam, "K", "0",
            "final held-out decoding: 0 greedy, K beam search", 1, 0, 0, 1, 1000, 0),
        NUM("length-penalty", NULL, OPT_DOUBLE, &o.length_penalty, "ALPHA", "1",
            "beam search ranks by log-probability / length^ALPHA (0: the sum)",
            1, 0, 0, 1, 10, 0),
        NUM("max-len", NULL, OPT_INT, &o.max_len, "N", NULL,
            "longest output decoded (default: 2 x the longest training target + 5)",
            1, 1, 0, 1, 100000, 0),
        NUM("eval-max", NULL, OPT_LONG, &o.eval_max, "N", "1000",
            "held-out pairs decoded at the end (0: none)", 1, 0, 0, 0, 0, 0),
        NUM("show", NULL, OPT_INT, &o.show, "N", "0",
            "print the first N held-out translations to stderr", 1, 0, 0, 1, 1e6, 0),
        FLAG("quiet", &o.quiet, "print only the summary and metrics"),
    };
    static const char *const pos_names[] = {"DATA"};
    cli_spec spec = {
        .cmd = "seq2seq train",
        .usage = "recur seq2seq train DATA [OPTIONS]",
        .description =
            "Train an encoder-decoder on DATA, a UTF-8 TSV file of 'source<TAB>target'\n"
            "lines, with teacher forcing. --val of the pairs (chosen by --seed) are\n"
            "held out: their loss is reported every epoch and, at the end, they are\n"
            "decoded and scored (exact match, token error rate, BLEU-4).",
        .opts = opts,
        .nopts = (int)(sizeof opts / sizeof *opts),
        .pos_names = pos_names,
        .pos_min = 1,
        .pos_max = 1,
        .epilog = "examples:\n"
                  "  recur seq2seq train g2p.tsv --tgt-tokens words --bidirectional "
                  "--epochs 5 --save g2p.safetensors\n"
                  "  recur seq2seq train de-en.tsv --time-limit 600 --beam 4",
    };
    const char *pos[1];
    int npos;
    int a = args_parse(&spec, argc, argv, pos, &npos);
    if (a == ARGS_HELP)
        return 0;
    if (a)
        return EXIT_USAGE;
    if (recur_cell_parse(o.model) < 0)
        return args_error(&spec, "--model expects rnn_tanh, rnn_relu, lstm or gru, got "
                          "'%s'", o.model), EXIT_USAGE;
    if (recur_attention_parse(o.attention, NULL))
        return args_error(&spec, "--attention expects none, dot, general or additive, "
                          "got '%s'", o.attention), EXIT_USAGE;
    if (recur_optimizer_parse(o.optim) < 0)
        return args_error(&spec, "--optim expects sgd, adam, adamw or rmsprop, got '%s'",
                          o.optim), EXIT_USAGE;
    if (recur_tokens_parse(o.src_tokens) < 0 || recur_tokens_parse(o.tgt_tokens) < 0)
        return args_error(&spec, "--src-tokens and --tgt-tokens expect 'chars' or "
                          "'words'"), EXIT_USAGE;
    if (!*o.save)
        return args_error(&spec, "--save expects a file name, got ''"), EXIT_USAGE;
    return train_run(&o, pos[0]);
}

/* ---- eval --------------------------------------------------------------------- */

static int cmd_eval_s2s(int argc, char **argv)
{
    int beam = 0, max_len = 0, show = 0;
    long max_examples = 0;
    double val = 0, length_penalty = 1;
    uint64_t seed = 1;
    const char *baseline = "none";
    cli_opt opts[] = {
        NUM("beam", NULL, OPT_INT, &beam, "K", "0", "0 greedy, K beam search",
            1, 0, 0, 1, 1000, 0),
        NUM("length-penalty", NULL, OPT_DOUBLE, &length_penalty, "ALPHA", "1",
            "beam search ranks by log-probability / length^ALPHA (0: the sum)",
            1, 0, 0, 1, 10, 0),
        NUM("max-len", NULL, OPT_INT, &max_len, "N", NULL,
            "longest output (default: the model's)", 1, 1, 0, 1, 100000, 0),
        NUM("val", NULL, OPT_DOUBLE, &val, "FRACTION", NULL,
            "score only the held-out part of a split made as 'train --val F --seed N' "
            "does", 1, 0, 1, 1, 1, 1),
        NUM("seed", NULL, OPT_U64, &seed, "N", "1", "seed of that split", 0, 0, 0, 0, 0, 0),
        NUM("max", NULL, OPT_LONG, &max_examples, "N", NULL,
            "score at most N pairs", 1, 1, 0, 0, 0, 0),
        STR("baseline", &baseline, "KIND", "none",
            "score a baseline instead of the model: 'copy' (the source as output) or "
            "'nn' (the target of the nearest training source; needs --val)"),
        NUM("show", NULL, OPT_INT, &show, "N", "0",
            "print the first N outputs to stderr", 1, 0, 0, 1, 1e6, 0),
    };
    static const char *const pos_names[] = {"MODEL", "DATA"};
    cli_spec spec = {
        .cmd = "seq2seq eval",
        .usage = "recur seq2seq eval MODEL DATA [OPTIONS]",
        .description =
            "Decode the sources of DATA (TSV 'source<TAB>target') with MODEL and score\n"
            "the outputs against the targets: exact match, token (or character) error\n"
            "rate by edit distance, corpus BLEU-4 over words, and the teacher-forced\n"
            "loss.",
        .opts = opts,
        .nopts = (int)(sizeof opts / sizeof *opts),
        .pos_names = pos_names,
        .pos_min = 2,
        .pos_max = 2,
        .epilog = NULL,
    };
    const char *pos[2];
    int npos;
    int a = args_parse(&spec, argc, argv, pos, &npos);
    if (a == ARGS_HELP)
        return 0;
    if (a)
        return EXIT_USAGE;
    baseline_kind bk = !strcmp(baseline, "none") ? BASE_NONE
                       : !strcmp(baseline, "copy") ? BASE_COPY
                       : !strcmp(baseline, "nn")   ? BASE_NN
                                                   : (baseline_kind)-1;
    if ((int)bk < 0)
        return args_error(&spec, "--baseline expects none, copy or nn, got '%s'",
                          baseline), EXIT_USAGE;
    if (bk == BASE_NN && !args_given(&spec, "val"))
        return args_error(&spec, "--baseline nn needs --val (the rest of the data is "
                          "its memory)"), EXIT_USAGE;
    loaded_model lm;
    if (loaded_open(pos[0], &lm))
        return EXIT_RUNTIME;
    recur_pairs *p;
    int rc = recur_pairs_load(pos[1], RECUR_PAIRS_NEED_TARGET, &p);
    if (rc) {
        loaded_free(&lm);
        return cli_lib_error(rc);
    }
    int code = EXIT_RUNTIME;
    long n = recur_pairs_count(p), *so = NULL, *to = NULL, *mso = NULL;
    long *order = malloc((size_t)n * sizeof *order);
    int32_t *si = NULL, *ti = NULL, *msi = NULL;
    long nval = args_given(&spec, "val") ? (long)floor((double)n * val) : n;
    if (!order) {
        cli_error("out of memory");
        goto done;
    }
    recur_pairs_shuffle(n, seed, order);
    if (nval < 1) {
        cli_error("%s: --val %g of %ld pairs holds out none", pos[1], val, n);
        goto done;
    }
    const long *idx = args_given(&spec, "val") ? order + (n - nval) : NULL;
    if (!idx)
        for (long i = 0; i < n; i++)
            order[i] = i;
    if (!idx)
        idx = order;
    /* The model must fit the data: most source tokens known to it. */
    long su = 0, tu = 0;
    if ((rc = recur_pairs_encode(p, idx, nval, 0, lm.src_mode, lm.src, &so, &si, &su)) ||
        (rc = recur_pairs_encode(p, idx, nval, 1, lm.tgt_mode, lm.tgt, &to, &ti, &tu))) {
        cli_lib_error(rc);
        goto done;
    }
    if (su * 2 > so[nval]) {
        cli_error("%s does not match the model %s: %ld of %ld source tokens are not in "
                  "its vocabulary", pos[1], pos[0], su, so[nval]);
        goto done;
    }
    if (bk == BASE_NONE) {
        recur_seq2seq_data dd = {nval, so, si, to, ti};
        recur_eval_stats es;
        rc = recur_seq2seq_evaluate(lm.s, &dd, 64, &es);
        if (rc) {
            cli_lib_error(rc);
            goto done;
        }
        printf("teacher-forced loss: %.4f nats/token, next-token accuracy %.4f "
               "(%ld target tokens, %ld unknown)\n", es.loss, es.accuracy, es.tokens, tu);
    }
    long mu;
    if (bk == BASE_NN &&
        (rc = recur_pairs_encode(p, order, n - nval, 0, lm.src_mode, lm.src, &mso, &msi,
                                 &mu))) {
        cli_lib_error(rc);
        goto done;
    }
    decode_eval_opts eo = {.beam = beam, .length_penalty = length_penalty,
                           .max_len = max_len, .max_examples = max_examples,
                           .baseline = bk, .memory = order, .nmemory = n - nval,
                           .mem_so = mso, .mem_s = msi, .show = show};
    code = decode_and_score(&lm, p, idx, nval, &eo,
                            args_given(&spec, "val") ? "held-out" : "all");
done:
    free(order);
    free(so), free(to), free(si), free(ti), free(mso), free(msi);
    recur_pairs_free(p);
    loaded_free(&lm);
    return code;
}

/* ---- translate ------------------------------------------------------------------- */

static int cmd_translate_s2s(int argc, char **argv)
{
    int beam = 0, max_len = 0, sample = 0, count = 1;
    double temperature = 1, length_penalty = 1;
    uint64_t seed = 1;
    const char *input = "-", *svg = NULL;
    cli_opt opts[] = {
        NUM("beam", NULL, OPT_INT, &beam, "K", "0", "0 greedy, K beam search",
            1, 0, 0, 1, 1000, 0),
        FLAG("sample", &sample, "draw each token from the model's distribution"),
        NUM("length-penalty", NULL, OPT_DOUBLE, &length_penalty, "ALPHA", "1",
            "beam search ranks by log-probability / length^ALPHA (0: the sum)",
            1, 0, 0, 1, 10, 0),
        STR("attention-svg", &svg, "FILE", NULL,
            "draw the first source's attention weights as an SVG heat map"),
        NUM("temperature", NULL, OPT_DOUBLE, &temperature, "T", "1",
            "sampling temperature (lower: more conservative)", 1, 0, 1, 1, 100, 0),
        NUM("count", NULL, OPT_INT, &count, "N", "1",
            "outputs per source (different samples with --sample)", 1, 1, 0, 1, 10000, 0),
        NUM("seed", NULL, OPT_U64, &seed, "N", "1", "sampling seed", 0, 0, 0, 0, 0, 0),
        NUM("max-len", NULL, OPT_INT, &max_len, "N", NULL,
            "longest output (default: the model's)", 1, 1, 0, 1, 100000, 0),
        STR("input", &input, "FILE", "-",
            "sources, one per line (text after a tab is ignored); - = stdin"),
    };
    static const char *const pos_names[] = {"MODEL"};
    cli_spec spec = {
        .cmd = "seq2seq translate",
        .usage = "recur seq2seq translate MODEL [OPTIONS] < sources",
        .description =
            "Decode each source line (greedy, beam search or sampling) and print\n"
            "one output line per source (--count lines with --count).",
        .opts = opts,
        .nopts = (int)(sizeof opts / sizeof *opts),
        .pos_names = pos_names,
        .pos_min = 1,
        .pos_max = 1,
        .epilog = "examples:\n"
                  "  echo RECURRENT | recur seq2seq translate g2p.safetensors --beam 4\n"
                  "  echo deu | recur seq2seq translate words.safetensors --sample "
                  "--temperature 0.8 --count 5",
    };
    const char *pos[1];
    int npos;
    int a = args_parse(&spec, argc, argv, pos, &npos);
    if (a == ARGS_HELP)
        return 0;
    if (a)
        return EXIT_USAGE;
    loaded_model lm;
    if (loaded_open(pos[0], &lm))
        return EXIT_RUNTIME;
    recur_pairs *p = NULL;
    int rc;
    if (strcmp(input, "-") == 0) {
        size_t len;
        char *buf = cli_read_stdin(&len);
        if (!buf) {
            loaded_free(&lm);
            return EXIT_RUNTIME;
        }
        rc = recur_pairs_from_memory(buf, len, "stdin", 0, &p);
        free(buf);
    } else {
        rc = recur_pairs_load(input, 0, &p);
    }
    if (rc) {
        loaded_free(&lm);
        return cli_lib_error(rc);
    }
    recur_seq2seq_decode_config dc;
    recur_seq2seq_decode_config_default(&dc);
    dc.beam = beam;
    dc.sample = sample;
    dc.temperature = (float)temperature;
    dc.length_penalty = (float)length_penalty;
    dc.max_len = max_len > 0 ? max_len : lm.max_len;
    int code = 0;
    long unknown = 0;
    for (long i = 0; !code && i < recur_pairs_count(p); i++)
        for (int k = 0; !code && k < count; k++) {
            char *out;
            dc.seed = seed + (uint64_t)(i * count + k);
            if ((code = translate_one(&lm, recur_pairs_source(p, i, NULL), &dc, &out, &unknown)))
                break;
            printf("%s\n", out);
            free(out);
        }
    if (!code && svg && recur_pairs_count(p) > 0)
        code = attention_svg(&lm, recur_pairs_source(p, 0, NULL), &dc, svg);
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
    static const char *usage =
        "usage: recur seq2seq train|eval|translate ...\n"
        "\n"
        "Encoder-decoder models on parallel text (TSV 'source<TAB>target'):\n"
        "  train      train a model, report held-out metrics\n"
        "  eval       score a model (or a baseline) on data\n"
        "  translate  decode sources read from stdin or a file\n"
        "Run 'recur seq2seq SUBCOMMAND --help' for its options.\n";
    if (argc < 2) {
        fprintf(stderr, "recur seq2seq: no subcommand given: train, eval or translate "
                        "(try 'recur seq2seq --help')\n");
        return EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(sub, "train"))
        return cmd_train_s2s(argc - 1, argv + 1);
    if (!strcmp(sub, "eval"))
        return cmd_eval_s2s(argc - 1, argv + 1);
    if (!strcmp(sub, "translate"))
        return cmd_translate_s2s(argc - 1, argv + 1);
    fprintf(stderr, "recur seq2seq: unknown subcommand '%s' (try 'recur seq2seq "
                    "--help')\n", sub);
    return EXIT_USAGE;
}
