/* cmd_caption.c - `recur caption train|eval|predict`: one to many, an image
 * to its caption. The model is the library's encoder-decoder with a
 * feature-vector source (recur_seq2seq_config.src_features): the image's
 * pixels go through a dense layer into the decoder's initial state, and the
 * decoder writes the caption token by token (words by default). This
 * file adds the image files (caption_data.c), the held-out split, the
 * training run (train_driver.c), the two baselines and the scores. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "caption_data.h"
#include "commands.h"
#include "progress.h"
#include "recur.h"
#include "seq2seq_metrics.h"
#include "train_common.h"
#include "train_driver.h"

#define AT(field) offsetof(caption_opts, field)

#define OPT_IMAGE_SIZE                                                                       \
    {.name = "image-size", .kind = OPT_INT, .at = AT(image_size), .metavar = "N",           \
     .def = "32", .help = "images are N x N pixels", .lo = 1, .hi = 256,                   \
     .bounds = AT_LEAST | AT_MOST}
#define OPT_BEAM                                                                             \
    {.name = "beam", .kind = OPT_INT, .at = AT(beam), .metavar = "K", .def = "0",           \
     .help = "beam search of width K (0: greedy)", .lo = 0, .hi = 1000,                     \
     .bounds = AT_LEAST | AT_MOST}
#define OPT_LENGTH_PENALTY                                                                   \
    {.name = "length-penalty", .kind = OPT_FLOAT, .at = AT(length_penalty),                 \
     .metavar = "A", .def = "1", .help = "beam: rank by log-probability / length^A",       \
     .lo = 0, .hi = 10, .bounds = AT_LEAST | AT_MOST}
#define OPT_THREADS                                                                          \
    {.name = "threads", .kind = OPT_INT, .at = AT(threads), .metavar = "N", .def = "2",     \
     .help = "threads", .lo = 1, .hi = 256, .bounds = AT_LEAST | AT_MOST}
#define OPT_SPLIT(what)                                                                      \
    {.name = "val", .kind = OPT_DOUBLE, .at = AT(val), .metavar = "F", .def = "0.1",        \
     .help = what, .lo = 0, .hi = 1, .bounds = AT_LEAST | BELOW},                           \
    {.name = "seed", .kind = OPT_U64, .at = AT(seed), .metavar = "N", .def = "1",           \
     .help = "the held-out split (and, training, initialisation, dropout, shuffling)"}

static const cli_option train_options[] = {
    {.name = "save", .kind = OPT_STRING, .at = AT(save), .metavar = "FILE",
     .def = "caption.safetensors", .help = "the model (a checkpoint, written every epoch)"},
    OPT_SPLIT("hold out this fraction of the images (a shuffle by --seed)"),
    OPT_IMAGE_SIZE,
    {.name = "tokens", .kind = OPT_STRING, .at = AT(tokens), .metavar = "KIND",
     .def = "words", .help = "the caption as words (split at spaces) or chars"},
    {.name = "cell", .kind = OPT_STRING, .at = AT(cell), .metavar = "CELL", .def = "gru",
     .help = "the decoder: lstm, gru, rnn_tanh or rnn_relu"},
    {.name = "embed", .kind = OPT_INT, .at = AT(embed), .metavar = "N", .def = "32",
     .help = "token embedding size (0: one-hot)", .lo = 0, .hi = RECUR_MAX_WIDTH,
     .bounds = AT_LEAST | AT_MOST},
    {.name = "hidden", .kind = OPT_INT, .at = AT(hidden), .metavar = "N", .def = "256",
     .help = "decoder units per layer", .lo = 1, .hi = RECUR_MAX_WIDTH,
     .bounds = AT_LEAST | AT_MOST},
    {.name = "layers", .kind = OPT_INT, .at = AT(layers), .metavar = "N", .def = "1",
     .help = "decoder layers (each gets its initial state from the image)", .lo = 1,
     .hi = 16, .bounds = AT_LEAST | AT_MOST},
    {.name = "dropout", .kind = OPT_FLOAT, .at = AT(dropout), .metavar = "P", .def = "0.2",
     .help = "dropout on each layer's output", .lo = 0, .hi = 1,
     .bounds = AT_LEAST | BELOW},
    {.name = "lr", .kind = OPT_FLOAT, .at = AT(lr), .metavar = "LR", .def = "0.002",
     .help = "Adam's learning rate", .lo = 0, .hi = 10, .bounds = ABOVE | AT_MOST},
    {.name = "lr-decay", .kind = OPT_FLOAT, .at = AT(lr_decay), .metavar = "F", .def = "1",
     .help = "multiply the learning rate by F after each epoch", .lo = 0, .hi = 1,
     .bounds = ABOVE | AT_MOST},
    {.name = "clip", .kind = OPT_FLOAT, .at = AT(clip), .metavar = "C", .def = "5",
     .help = "global gradient-norm clip (0: none)", .lo = 0, .hi = 1e6,
     .bounds = AT_LEAST | AT_MOST},
    {.name = "batch", .kind = OPT_INT, .at = AT(batch), .metavar = "B", .def = "32",
     .help = "images per step", .lo = 1, .hi = 100000, .bounds = AT_LEAST | AT_MOST},
    {.name = "epochs", .kind = OPT_LONG, .at = AT(epochs), .metavar = "N", .def = "20",
     .help = "passes over the training images", .lo = 1, .hi = 1000000,
     .bounds = AT_LEAST | AT_MOST},
    {.name = "steps", .kind = OPT_LONG, .at = AT(steps), .metavar = "N",
     .help = "stop at this step instead", .lo = 1, .hi = 1e15, .bounds = AT_LEAST | AT_MOST},
    {.name = "time-limit", .kind = OPT_DOUBLE, .at = AT(time_limit), .metavar = "S",
     .help = "stop training after S seconds (then save and score)", .lo = 0, .hi = 1e9,
     .bounds = ABOVE | AT_MOST},
    OPT_BEAM,
    OPT_LENGTH_PENALTY,
    {.name = "resume", .kind = OPT_FLAG, .at = AT(resume),
     .help = "continue the checkpoint at --save (same data and settings)"},
    OPT_THREADS,
    {.name = "quiet", .kind = OPT_FLAG, .at = AT(quiet), .help = "no progress display"},
};

static const cli_option eval_options[] = {
    OPT_SPLIT("score the images this fraction holds out (default: the model's "
              "training split; 0: all, without the baselines)"),
    OPT_BEAM,
    OPT_LENGTH_PENALTY,
    {.name = "show", .kind = OPT_INT, .at = AT(show), .metavar = "N", .def = "0",
     .help = "print the first N held-out captions (and draw them with --svg-dir)",
     .lo = 0, .hi = 1000000, .bounds = AT_LEAST | AT_MOST},
    {.name = "svg-dir", .kind = OPT_STRING, .at = AT(svg_dir), .metavar = "DIR",
     .help = "write --show's images as DIR/ID.svg with both captions (DIR is made "
             "if missing)"},
    OPT_THREADS,
};

static const cli_option predict_options[] = {
    OPT_BEAM,
    OPT_LENGTH_PENALTY,
    OPT_THREADS,
};

static const char *const train_pos[] = {"DATA"};
static const char *const use_pos[] = {"MODEL", "DATA"};

static const cli_options train_spec = {
    .cmd = "caption train",
    .usage = "recur caption train DATA [OPTIONS]",
    .description =
        "Train an image captioner on DATA: a TSV file whose header names a caption\n"
        "and a pixels_hex column (N x N grey bytes as hex, row by row; the first\n"
        "column names the image). The pixels go through a dense layer (tanh) into\n"
        "the initial state of a recurrent decoder, which writes the caption one\n"
        "token at a time (teacher forcing). After training, the held-out images\n"
        "are captioned and scored (exact match, BLEU-4, chrF, word accuracy) beside\n"
        "two baselines: the caption of the nearest training image (L2 over pixels)\n"
        "and the most frequent training caption.",
    .opts = train_options,
    .nopts = ARGS_COUNT(train_options),
    .pos_names = train_pos,
    .pos_min = 1,
    .pos_max = 1,
};

static const cli_options eval_spec = {
    .cmd = "caption eval",
    .usage = "recur caption eval MODEL DATA [OPTIONS]",
    .description = "Caption the held-out images of DATA (the split the model was trained\n"
                   "with, or that of --val and --seed) and score them beside the\n"
                   "nearest-image and most-frequent-caption baselines.",
    .opts = eval_options,
    .nopts = ARGS_COUNT(eval_options),
    .pos_names = use_pos,
    .pos_min = 2,
    .pos_max = 2,
};

static const cli_options predict_spec = {
    .cmd = "caption predict",
    .usage = "recur caption predict MODEL DATA|- [OPTIONS]",
    .description = "Caption every image of DATA (a header naming a pixels_hex column;\n"
                   "a caption column is not needed). Prints ID<TAB>CAPTION lines.",
    .opts = predict_options,
    .nopts = ARGS_COUNT(predict_options),
    .pos_names = use_pos,
    .pos_min = 2,
    .pos_max = 2,
};

static const cli_subcommands caption_subcommands = {
    .cmd = "caption",
    .help = "usage: recur caption train|eval|predict ...\n"
            "\n"
            "Image captioning (one to many): the image sets the decoder's initial\n"
            "state, the decoder writes its caption.\n"
            "  train DATA        train on an image TSV, then score the held-out part\n"
            "  eval MODEL DATA   score the held-out part beside the baselines\n"
            "  predict MODEL DATA  caption every image\n"
            "'recur caption SUBCOMMAND --help' lists the options.\n",
    .names = (const char *const[]){"train", "eval", "predict"},
    .n = 3,
};

static void defaults(caption_opts *o)
{
    *o = (caption_opts){.save = "caption.safetensors", .cell = "gru", .tokens = "words",
                        .image_size = 32, .hidden = 256, .layers = 1, .embed = 32,
                        .batch = 32, .threads = 2, .epochs = 20, .val = 0.1,
                        .dropout = 0.2, .lr = 0.002, .clip = 5, .lr_decay = 1,
                        .length_penalty = 1, .seed = 1};
}

/* ---- the split, the model's inputs ----------------------------------------------- */

typedef struct {
    caption_set set;
    long *order, ntrain, nval; /* order: training images, then held-out ones */
} split_set;

static void split_free(split_set *s)
{
    caption_set_free(&s->set);
    free(s->order);
}

/* Load DATA and split it as --val and --seed say. */
static int split_load(const char *path, int side, double val, uint64_t seed, split_set *s)
{
    memset(s, 0, sizeof *s);
    if (caption_set_load(path, side, 1, &s->set))
        return EXIT_RUNTIME;
    long n = s->set.n;
    s->nval = (long)floor((double)n * val);
    s->ntrain = n - s->nval;
    if (val > 0 && s->nval < 1)
        return cli_error("%s: --val %g of %ld images holds out none", path, val, n);
    if (!(s->order = malloc((size_t)n * sizeof *s->order)))
        return cli_error("out of memory");
    recur_pairs_shuffle(n, seed, s->order);
    return 0;
}

/* The pixels of images idx[0..n) in a row ([n][P]). */
static float *gather_pixels(const caption_set *c, const long *idx, long n)
{
    long P = (long)c->side * c->side;
    float *x = malloc((size_t)(n ? n : 1) * P * sizeof *x);
    if (!x) {
        cli_error("out of memory");
        return NULL;
    }
    for (long i = 0; i < n; i++)
        memcpy(x + i * P, c->pixels + idx[i] * P, (size_t)P * sizeof *x);
    return x;
}

/* Images idx[0..n) as the library's data: pixels and caption token ids. */
typedef struct {
    recur_pairs *pairs;
    long *offsets;
    int32_t *ids;
    float *x;
    recur_seq2seq_data d;
} encoded;

static void encoded_free(encoded *e)
{
    recur_pairs_free(e->pairs);
    free(e->offsets);
    free(e->ids);
    free(e->x);
}

static int encode_images(const caption_set *c, const long *idx, long n, recur_tokens mode,
                         recur_vocab **vocab, encoded *e)
{
    memset(e, 0, sizeof *e);
    if (!(e->pairs = caption_set_pairs(c, idx, n)) || !(e->x = gather_pixels(c, idx, n)))
        return EXIT_RUNTIME;
    long *seq = malloc((size_t)n * sizeof *seq);
    if (!seq)
        return cli_error("out of memory");
    for (long i = 0; i < n; i++)
        seq[i] = i;
    int rc = 0;
    if (!*vocab)
        rc = recur_pairs_vocab(e->pairs, seq, n, 1, mode, vocab);
    if (!rc)
        rc = recur_pairs_encode(e->pairs, seq, n, 1, mode, *vocab, &e->offsets, &e->ids, NULL);
    free(seq);
    if (rc)
        return cli_lib_error(rc);
    e->d = (recur_seq2seq_data){.count = n, .tgt_offsets = e->offsets, .tgt = e->ids,
                                .features = e->x};
    return 0;
}

/* ---- a model with its vocabulary ----------------------------------------------------- */

typedef struct {
    recur_seq2seq *s;
    recur_vocab *tgt;
    recur_tokens mode;
    int side, max_len;
} captioner;

static void captioner_free(captioner *m)
{
    recur_seq2seq_free(m->s);
    recur_vocab_free(m->tgt);
}

static int captioner_open(const char *path, captioner *m)
{
    memset(m, 0, sizeof *m);
    int rc = recur_seq2seq_load(path, &m->s);
    if (rc)
        return cli_lib_error(rc);
    const recur_seq2seq_config *c = recur_seq2seq_get_config(m->s);
    int nt;
    const char *const *tn = recur_seq2seq_get_vocab(m->s, 1, &nt);
    const char *tm = recur_seq2seq_get_meta(m->s, "data.tgt_tokens");
    const char *ml = recur_seq2seq_get_meta(m->s, "data.max_len");
    const char *is = recur_seq2seq_get_meta(m->s, "data.image_size");
    m->side = is ? atoi(is) : 0;
    m->max_len = ml ? atoi(ml) : 0;
    if (!tn || !tm || recur_tokens_parse(tm) < 0 || c->bos != 0 || c->eos != 1 ||
        m->side < 1 || m->side > 256 || c->src_features != m->side * m->side ||
        m->max_len < 1 || m->max_len > 100000) {
        captioner_free(m);
        return cli_error("%s: not an image captioner of 'recur caption train' (its "
                         "image size, tokens or vocabulary are missing)", path);
    }
    m->mode = (recur_tokens)recur_tokens_parse(tm);
    if ((rc = recur_vocab_from_names(tn, nt, 1, &m->tgt))) {
        captioner_free(m);
        return cli_lib_error(rc);
    }
    return 0;
}

/* The caption of image x (P pixels), malloc'd, or NULL after one error line. */
static char *caption_one(const captioner *m, const float *x,
                         const recur_seq2seq_decode_config *dc)
{
    int32_t *ids = malloc((size_t)(dc->max_len + 1) * sizeof *ids);
    int len = 0, rc;
    if (!ids) {
        cli_error("out of memory");
        return NULL;
    }
    if ((rc = recur_seq2seq_decode_features(m->s, x, dc, ids, &len, NULL))) {
        free(ids);
        cli_lib_error(rc);
        return NULL;
    }
    char *text = NULL;
    rc = recur_vocab_decode(m->tgt, ids, len, m->mode, &text);
    free(ids);
    if (rc)
        cli_lib_error(rc);
    return text;
}

static void decode_config(const captioner *m, int beam, double length_penalty,
                          recur_seq2seq_decode_config *dc)
{
    recur_seq2seq_decode_config_default(dc);
    dc->beam = beam;
    dc->length_penalty = (float)length_penalty;
    dc->max_len = m->max_len;
}

/* ---- scoring ---------------------------------------------------------------------- */

enum { BY_MODEL, BY_NEAREST, BY_FREQUENT };

/* One row of the results table: the captions of held-out images q[0..n)
 * by the model or a baseline (memory: the training images). */
static int score_row(const captioner *m, const split_set *s, int by, int beam,
                     double length_penalty, int show, const char *svg_dir)
{
    const caption_set *c = &s->set;
    const long *q = s->nval ? s->order + s->ntrain : s->order;
    long n = s->nval ? s->nval : c->n, P = (long)c->side * c->side;
    long frequent = by == BY_FREQUENT ? caption_most_frequent(c, s->order, s->ntrain) : 0;
    recur_seq2seq_decode_config dc;
    decode_config(m, beam, length_penalty, &dc);
    s2s_metrics mt;
    memset(&mt, 0, sizeof mt);
    for (long i = 0; i < n; i++) {
        char *hyp = NULL;
        const char *ref = c->captions[q[i]];
        if (by == BY_MODEL) {
            if (!(hyp = caption_one(m, c->pixels + q[i] * P, &dc)))
                return EXIT_RUNTIME;
        } else {
            long k = by == BY_NEAREST ? caption_nearest(c, q[i], s->order, s->ntrain)
                                      : frequent;
            if (!(hyp = strdup(c->captions[s->order[k]])))
                return cli_error("out of memory");
        }
        int code = 0;
        if (i < show) {
            fprintf(stderr, "  %s: %s (reference: %s)\n", c->ids[q[i]], hyp, ref);
            if (svg_dir)
                code = caption_svg(c, q[i], hyp, svg_dir);
        }
        if (!code)
            code = metrics_add(&mt, hyp, ref, RECUR_TOKENS_WORDS);
        free(hyp);
        if (code)
            return code;
    }
    static const char *const names[] = {"model", "baseline: nearest training image",
                                        "baseline: most frequent caption"};
    char label[64];
    if (by == BY_MODEL)
        snprintf(label, sizeof label, "model (%s)", beam ? "beam" : "greedy");
    if (by == BY_MODEL && beam)
        snprintf(label, sizeof label, "model (beam %d)", beam);
    printf("%-34s %7.4f %8.2f %7.2f %9.4f\n", by == BY_MODEL ? label : names[by],
           (double)mt.exact / (double)(mt.sentences ? mt.sentences : 1), metrics_bleu(&mt),
           metrics_chrf(&mt),
           1 - (double)mt.edits / (double)(mt.ref_tokens ? mt.ref_tokens : 1));
    return 0;
}

/* The results table: the model, then (with training images) the baselines. */
static int score_table(const captioner *m, const split_set *s, int beam,
                       double length_penalty, int show, const char *svg_dir)
{
    printf("%s: %ld images%s\n", s->nval ? "held-out" : "all", s->nval ? s->nval : s->set.n,
           s->nval ? "" : " (no training images: no baselines)");
    printf("%-34s %7s %8s %7s %9s\n", "", "exact", "BLEU-4", "chrF", "word acc");
    int code = score_row(m, s, BY_MODEL, beam, length_penalty, show, svg_dir);
    for (int by = BY_NEAREST; !code && s->nval && by <= BY_FREQUENT; by++)
        code = score_row(m, s, by, 0, length_penalty, 0, NULL);
    if (!code)
        printf("(BLEU-4 over words, chrF over characters, corpus-level; word accuracy "
               "1 - word error rate)\n");
    return code;
}

/* ---- train ---------------------------------------------------------------------------- */

typedef struct {
    const caption_opts *o;
    split_set s;
    recur_vocab *vocab;
    encoded train, held;
    captioner m; /* .s: the model being trained */
    recur_seq2seq_trainer *tr;
    train_driver driver;
} caption_run;

static int set_num(recur_seq2seq *s, const char *key, const char *fmt, double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, fmt, v);
    return recur_seq2seq_set_meta(s, key, buf);
}

/* The model, its vocabulary and settings, and the trainer (resumed with
 * --resume). */
static int build(caption_run *r)
{
    const caption_opts *o = r->o;
    recur_tokens mode = (recur_tokens)recur_tokens_parse(o->tokens);
    if (encode_images(&r->s.set, r->s.order, r->s.ntrain, mode, &r->vocab, &r->train) ||
        (r->s.nval && encode_images(&r->s.set, r->s.order + r->s.ntrain, r->s.nval, mode,
                                    &r->vocab, &r->held)))
        return EXIT_RUNTIME;
    long longest = 1;
    for (long i = 0; i < r->s.ntrain; i++)
        if (r->train.offsets[i + 1] - r->train.offsets[i] > longest)
            longest = r->train.offsets[i + 1] - r->train.offsets[i];
    int ntgt;
    const char *const *names = recur_vocab_names(r->vocab, &ntgt);
    int side = o->image_size;
    recur_seq2seq_config cfg = {
        .cell = (recur_cell)recur_cell_parse(o->cell), .tgt_vocab = ntgt, .bos = 0,
        .eos = 1, .embed_dim = o->embed, .hidden = o->hidden, .layers = o->layers,
        .dropout = (float)o->dropout, .src_features = side * side};
    r->m.mode = mode;
    r->m.side = side;
    r->m.max_len = (int)(2 * longest + 5);
    int rc = recur_seq2seq_create(&cfg, o->seed, &r->m.s);
    if (rc)
        return cli_lib_error(rc);
    recur_seq2seq *s = r->m.s;
    if ((rc = recur_seq2seq_set_vocab(s, 1, names, ntgt)) ||
        (rc = recur_seq2seq_set_meta(s, "data.tgt_tokens", recur_tokens_name(mode))) ||
        (rc = set_num(s, "data.max_len", "%.0f", r->m.max_len)) ||
        (rc = set_num(s, "data.image_size", "%.0f", side)) ||
        (rc = recur_seq2seq_set_meta(s, "train.data", o->data)) ||
        (rc = set_num(s, "train.val_fraction", "%.9g", o->val)) ||
        (rc = set_num(s, "train.images", "%.0f", (double)r->s.set.n)) ||
        (rc = set_num(s, "train.split_seed", "%.0f", (double)o->seed)) ||
        (rc = set_num(s, "train.lr", "%.9g", o->lr)) ||
        (rc = set_num(s, "train.clip", "%.9g", o->clip)))
        return cli_lib_error(rc);
    recur_train_config tc;
    recur_train_config_default(&tc);
    tc.optimizer = RECUR_ADAM;
    tc.lr = (float)o->lr;
    tc.clip = (float)o->clip;
    tc.lr_decay = (float)o->lr_decay;
    tc.batch = o->batch;
    tc.seed = o->seed;
    if ((rc = recur_seq2seq_trainer_create(s, &tc, &r->train.d, &r->tr)) ||
        (o->resume && (rc = recur_seq2seq_trainer_resume(r->tr, o->save))))
        return cli_lib_error(rc);
    return 0;
}

static int hook_step(train_driver *d, recur_batch_stats *st)
{
    return recur_seq2seq_trainer_step(((caption_run *)d->ctx)->tr, st);
}

static long hook_step_count(const train_driver *d)
{
    return recur_seq2seq_trainer_step_count(((const caption_run *)d->ctx)->tr);
}

static int hook_save(train_driver *d)
{
    return recur_seq2seq_trainer_save(((caption_run *)d->ctx)->tr, d->save);
}

static int hook_evaluate(train_driver *d, double *loss)
{
    caption_run *r = d->ctx;
    recur_eval_stats es;
    int rc = recur_seq2seq_evaluate(r->m.s, &r->held.d, 64, &es);
    if (!rc)
        *loss = es.loss;
    return rc;
}

static int hook_summary(train_driver *d)
{
    caption_run *r = d->ctx;
    long step = train_driver_step(d);
    double acc, loss = progress_train_loss(&d->prog, &acc);
    char el[32];
    train_driver_elapsed(d, el, sizeof el);
    fprintf(stderr, "%s at step %ld (%.2f epochs) in %s - loss: %.4f - accuracy: %.4f",
            train_driver_stopped_early(d) ? "Stopped at the time limit" : "Trained", step,
            (double)step / (double)d->steps_per_epoch, el, loss, acc);
    if (d->has_eval)
        fprintf(stderr, " - val_loss: %.4f", d->eval_loss);
    fprintf(stderr, " - saved %s\n", r->o->save);
    if (!r->s.nval)
        return 0;
    if (!(r->m.tgt = r->vocab) )
        return cli_error("no vocabulary");
    int code = score_table(&r->m, &r->s, r->o->beam, r->o->length_penalty, 0, NULL);
    r->m.tgt = NULL; /* r->vocab is freed with the run */
    return code;
}

static int caption_train(const caption_opts *o)
{
    if (train_check_save(o->resume, o->save))
        return EXIT_RUNTIME;
    cli_set_threads(o->threads);
    caption_run r = {.o = o};
    int code = split_load(o->data, o->image_size, o->val, o->seed, &r.s);
    if (!code && r.s.ntrain < 1)
        code = cli_error("%s: --val %g leaves no images for training", o->data, o->val);
    if (!code)
        code = build(&r);
    long spe = 0, start = 0, target = 0;
    if (!code) {
        spe = recur_seq2seq_trainer_steps_per_epoch(r.tr);
        start = recur_seq2seq_trainer_step_count(r.tr);
        target = o->steps > 0 ? o->steps : o->epochs * spe;
        if (train_nothing_to_do(o->save, start, target))
            code = -1;
    }
    if (!code && !o->quiet) {
        char params[32];
        int ntgt;
        recur_vocab_names(r.vocab, &ntgt);
        progress_fmt_count(recur_seq2seq_param_count(r.m.s), params, sizeof params);
        fprintf(stderr, "Model: %dx%d image -> dense (tanh) -> initial state of a %s "
                "decoder, %d layer(s) of %d units, %d %s (with specials); %s "
                "parameters.\n", o->image_size, o->image_size, o->cell, o->layers,
                o->hidden, ntgt, o->tokens, params);
        fprintf(stderr, "Data: %s, %ld images: %ld for training, %ld held out (seed "
                "%llu).\n", o->data, r.s.set.n, r.s.ntrain, r.s.nval,
                (unsigned long long)o->seed);
        fprintf(stderr, "Training: adam lr %g, clip %g, batches of %d, %ld steps per "
                "epoch, to step %ld; checkpoint %s.\n", o->lr, o->clip, o->batch, spe,
                target, o->save);
        if (start > 0)
            fprintf(stderr, "Resuming from %s at step %ld.\n", o->save, start);
    }
    if (!code) {
        train_hooks hooks = {.step = hook_step, .step_count = hook_step_count,
                             .save = hook_save,
                             .evaluate = r.s.nval ? hook_evaluate : NULL,
                             .summary = hook_summary};
        r.driver = (train_driver){
            .hooks = &hooks, .ctx = &r, .save = o->save, .steps_per_epoch = spe,
            .target = target, .time_limit = o->time_limit, .checkpoint_epochs = 1,
            .eval_on_bar = 1, .mode = train_progress_mode(o->quiet, PROGRESS_PLAIN)};
        code = train_drive(&r.driver);
    }
    recur_seq2seq_trainer_free(r.tr);
    captioner_free(&r.m);
    recur_vocab_free(r.vocab);
    encoded_free(&r.train);
    encoded_free(&r.held);
    split_free(&r.s);
    return code < 0 ? 0 : code;
}

/* ---- eval and predict --------------------------------------------------------------------- */

static int caption_eval(const caption_opts *o)
{
    captioner m;
    if (captioner_open(o->model, &m))
        return EXIT_RUNTIME;
    cli_set_threads(o->threads);
    /* The model's own split unless --val or --seed say otherwise. */
    double val = o->val;
    uint64_t seed = o->seed;
    const char *mv = recur_seq2seq_get_meta(m.s, "train.val_fraction");
    const char *ms = recur_seq2seq_get_meta(m.s, "train.split_seed");
    if (!o->val_given && mv)
        val = strtod(mv, NULL);
    if (!o->seed_given && ms)
        seed = strtoull(ms, NULL, 10);
    if (!(val >= 0 && val < 1))
        val = o->val;
    split_set s;
    int code = split_load(o->data, m.side, val, seed, &s);
    const char *mi = recur_seq2seq_get_meta(m.s, "train.images");
    if (!code && val > 0 && mi && atol(mi) != s.set.n)
        fprintf(stderr, "recur caption eval: note: %s has %ld images, the model was trained "
                "on a file of %ld: this held-out part is not its own\n", o->data, s.set.n,
                atol(mi));
    if (!code && o->svg_dir && mkdir(o->svg_dir, 0777) && errno != EEXIST)
        code = cli_error("--svg-dir %s: %s", o->svg_dir, strerror(errno));
    if (!code)
        code = score_table(&m, &s, o->beam, o->length_penalty, o->show, o->svg_dir);
    split_free(&s);
    captioner_free(&m);
    return code;
}

static int caption_predict(const caption_opts *o)
{
    captioner m;
    if (captioner_open(o->model, &m))
        return EXIT_RUNTIME;
    cli_set_threads(o->threads);
    caption_set c;
    int code = caption_set_load(o->data, m.side, 0, &c);
    recur_seq2seq_decode_config dc;
    decode_config(&m, o->beam, o->length_penalty, &dc);
    long P = (long)m.side * m.side;
    for (long i = 0; !code && i < c.n; i++) {
        char *text = caption_one(&m, c.pixels + i * P, &dc);
        if (!text)
            code = EXIT_RUNTIME;
        else
            printf("%s\t%s\n", c.ids[i], text);
        free(text);
    }
    caption_set_free(&c);
    captioner_free(&m);
    return code;
}

/* ---- dispatch ----------------------------------------------------------------------------- */

int caption_parse(int argc, char **argv, caption_opts *out)
{
    static const cli_options *const specs[] = {&train_spec, &eval_spec, &predict_spec};
    caption_opts o;
    defaults(&o);
    int a = options_subcommand(&caption_subcommands, argc, argv, &o.sub);
    if (a)
        return a;
    options_result res;
    a = options_parse(specs[o.sub], &o, argc - 1, argv + 1, &res);
    if (a)
        return a;
    if (o.sub == CAPTION_TRAIN) {
        o.data = res.pos[0];
        if (recur_cell_parse(o.cell) < 0)
            return options_error(&train_spec, "--cell %s: not one of lstm, gru, rnn_tanh, "
                                 "rnn_relu", o.cell);
        if (recur_tokens_parse(o.tokens) < 0)
            return options_error(&train_spec, "--tokens %s: not chars or words", o.tokens);
    } else {
        o.model = res.pos[0];
        o.data = res.pos[1];
        o.val_given = options_given(specs[o.sub], &res, "val");
        o.seed_given = options_given(specs[o.sub], &res, "seed");
        if (o.svg_dir && o.show < 1)
            return options_error(&eval_spec, "--svg-dir draws the images --show N prints: "
                                 "give --show");
    }
    *out = o;
    return ARGS_OK;
}

int cmd_caption(int argc, char **argv)
{
    caption_opts o;
    int a = caption_parse(argc, argv, &o);
    if (a)
        return a == ARGS_HELP ? 0 : EXIT_USAGE;
    return o.sub == CAPTION_TRAIN ? caption_train(&o) : o.sub == CAPTION_EVAL
                                                           ? caption_eval(&o)
                                                           : caption_predict(&o);
}
