/* seq2seq_io.c - an encoder-decoder is one safetensors file: the two models
 * under "encoder." and "decoder." (model_io.c with a prefix), and in the
 * metadata the format, bos/eos, the token names of both sides (JSON arrays)
 * and free settings. A training checkpoint adds both optimizers' moments and
 * the position in the data. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/checkpoint.h"
#include "core/error.h"
#include "io/json.h"
#include "nn/model_io.h"
#include "recur.h"
#include "seq2seq/seq2seq.h"

#define S2S_FORMAT "recur-seq2seq"
static const char *const vocab_keys[2] = {"seq2seq.src_vocab", "seq2seq.tgt_vocab"};

static int meta_long(st_writer *w, const char *key, long v)
{
    char buf[ST_META_NUM];
    return recur__st_writer_meta(w, key, recur__st_meta_int(buf, v));
}

/* Everything but checkpoint state into w. */
static int s2s_to_writer(const recur_seq2seq *s, st_writer *w)
{
    int rc = recur__st_writer_meta(w, "format", S2S_FORMAT);
    if (!rc) rc = recur__st_writer_meta(w, "recur.version", RECUR_VERSION_STRING);
    if (!rc) rc = meta_long(w, "seq2seq.bos", s->cfg.bos);
    if (!rc) rc = meta_long(w, "seq2seq.eos", s->cfg.eos);
    for (int side = 0; !rc && side < 2; side++) {
        if (!s->names[side])
            continue;
        json_buf b = {0};
        rc = recur__json_buf_puts(&b, "[");
        for (int i = 0; !rc && i < s->nnames[side]; i++) {
            if (i)
                rc = recur__json_buf_puts(&b, ",");
            if (!rc)
                rc = recur__json_write_string(&b, s->names[side][i]);
        }
        if (!rc)
            rc = recur__json_buf_puts(&b, "]");
        if (!rc)
            rc = recur__st_writer_meta(w, vocab_keys[side], b.data);
        recur__json_buf_free(&b);
    }
    for (int i = 0; !rc && i < s->nmeta; i++)
        rc = recur__st_writer_meta(w, s->meta_key[i], s->meta_val[i]);
    if (!rc)
        rc = recur__model_to_writer_prefixed(s->enc, w, "encoder.");
    if (!rc)
        rc = recur__model_to_writer_prefixed(s->dec, w, "decoder.");
    /* Attention models only: files without it stay as they were. */
    if (!rc && s->att.kind != RECUR_ATTN_NONE)
        rc = recur__st_writer_meta(w, "seq2seq.attention", recur_attention_name(s->att.kind));
    for (int i = 0; !rc && i < s->att.ntensors; i++) {
        const attn_tensor *t = &s->att.t[i];
        rc = recur__st_writer_add(w, t->name, t->ndim, t->shape, t->p);
    }
    return rc;
}

int recur_seq2seq_save(const recur_seq2seq *s, const char *path)
{
    if (!s || !path)
        return recur__fail(RECUR_E_INVALID, "save: missing argument");
    int rc = recur__s2s_check_finite(s, path);
    if (rc)
        return rc;
    st_writer *w = recur__st_writer_new();
    if (!w)
        return RECUR_E_NOMEM;
    rc = s2s_to_writer(s, w);
    if (!rc)
        rc = recur__st_writer_save(w, path);
    recur__st_writer_free(w);
    return rc;
}

/* ---- reading -------------------------------------------------------------- */

static int read_names(const st_file *f, const char *label, recur_seq2seq *s, int side)
{
    const char *text = recur__st_meta(f, vocab_keys[side]);
    if (!text)
        return RECUR_OK;
    json_value *v = NULL;
    int rc = recur__json_parse(text, strlen(text), &v);
    if (rc || recur__json_type_of(v) != JSON_ARRAY) {
        recur__json_free(v);
        return recur__fail(RECUR_E_FORMAT, "%s: metadata '%s' is not a JSON array of "
                          "token names", label, vocab_keys[side]);
    }
    size_t n = recur__json_array_size(v);
    const char **names = calloc(n ? n : 1, sizeof *names);
    if (!names) {
        recur__json_free(v);
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; !rc && i < n; i++)
        if (!(names[i] = recur__json_string(recur__json_array_at(v, i))))
            rc = recur__fail(RECUR_E_FORMAT, "%s: metadata '%s': item %zu is not a "
                            "string", label, vocab_keys[side], i);
    if (!rc && (rc = recur_seq2seq_set_vocab(s, side, names, (int)n)))
        rc = recur__fail(RECUR_E_FORMAT, "%s: %s", label, recur_last_error());
    free(names);
    recur__json_free(v);
    return rc;
}

static int read_id(const st_file *f, const char *label, const char *key, long *out)
{
    const char *v = recur__st_meta(f, key);
    if (!v || recur__parse_long(v, 0, RECUR_MAX_WIDTH, out))
        return recur__fail(RECUR_E_FORMAT, "%s: metadata '%s' is missing or not a "
                          "token id", label, key);
    return RECUR_OK;
}

/* The two models, checked against each other, and the metadata. */
static int s2s_from_file(const st_file *f, const char *label, recur_seq2seq **out)
{
    *out = NULL;
    const char *fmt = recur__st_meta(f, "format");
    if (!fmt || strcmp(fmt, S2S_FORMAT) != 0)
        return recur__fail(RECUR_E_FORMAT, "%s: not a sequence-to-sequence model "
                          "(metadata 'format' is %s%s%s, expected \"" S2S_FORMAT "\")",
                          label, fmt ? "\"" : "missing", fmt ? fmt : "",
                          fmt ? "\"" : "");
    for (size_t i = 0; i < recur__st_count(f); i++) {
        const char *n = recur__st_at(f, i)->name;
        if (strncmp(n, "encoder.", 8) && strncmp(n, "decoder.", 8) &&
            strncmp(n, "optim.", 6) && strncmp(n, "train.", 6) &&
            strncmp(n, "attention.", 10) && strncmp(n, "out.", 4))
            return recur__fail(RECUR_E_MISMATCH, "%s: unexpected tensor '%s' in a "
                              "sequence-to-sequence model", label, n);
    }
    long bos, eos;
    recur_attention attention = RECUR_ATTN_NONE; /* files from before attention */
    const char *an = recur__st_meta(f, "seq2seq.attention");
    if (an && recur_attention_parse(an, &attention))
        return recur__fail(RECUR_E_FORMAT, "%s: metadata 'seq2seq.attention' is \"%.40s\", "
                          "expected none, dot, general or additive", label, an);
    int rc = read_id(f, label, "seq2seq.bos", &bos);
    if (!rc)
        rc = read_id(f, label, "seq2seq.eos", &eos);
    if (rc)
        return rc;
    recur_model *enc = NULL, *dec = NULL;
    if ((rc = recur__model_from_file_prefixed(f, label, "encoder.", &enc)) ||
        (rc = recur__model_from_file_prefixed(f, label, "decoder.", &dec))) {
        recur_model_free(enc);
        return rc;
    }
    const recur_config *e = &enc->cfg, *d = &dec->cfg;
    recur_seq2seq_config c = {
        .cell = e->cell, .src_vocab = e->input_size, .tgt_vocab = d->input_size,
        .bos = (int)bos, .eos = (int)eos, .embed_dim = e->embed_dim,
        .hidden = e->hidden, .layers = e->layers, .bidirectional = e->bidirectional,
        .dropout = e->dropout, .attention = attention};
    if (e->input == RECUR_INPUT_DENSE) {
        /* Feature-vector sources: the encoder is the dense step. */
        c.cell = d->cell;
        c.src_vocab = 0;
        c.src_features = e->input_size;
        c.embed_dim = d->embed_dim;
    }
    recur_config we, wd;
    rc = recur__s2s_config_check(&c);
    if (rc)
        rc = recur__fail(rc, "%s: %s", label, recur_last_error());
    if (!rc) {
        /* The stored halves must be exactly what the configuration implies. */
        recur__s2s_encoder_config(&c, &we);
        recur__s2s_decoder_config(&c, &wd);
        if (memcmp(&we, e, sizeof we) != 0 ||
            d->cell != wd.cell || d->input != wd.input || d->embed_dim != wd.embed_dim ||
            d->hidden != wd.hidden || d->layers != wd.layers || d->bidirectional ||
            d->output_size != wd.output_size || d->loss != wd.loss ||
            d->readout != wd.readout || d->proj || d->reverse)
            rc = recur__fail(RECUR_E_MISMATCH, "%s: the encoder (%s %dx%d%s) and "
                            "decoder (%s %dx%d, %d outputs) do not fit together",
                            label, recur_cell_name(e->cell), e->layers, e->hidden,
                            e->bidirectional ? ", bidirectional" : "",
                            recur_cell_name(d->cell), d->layers, d->hidden,
                            d->output_size);
    }
    recur_seq2seq *s = NULL;
    if (!rc && !(rc = recur__s2s_wrap(&c, enc, dec, &s)))
        enc = dec = NULL;
    for (size_t i = 0; !rc && i < recur__st_count(f); i++) {
        const char *n = recur__st_at(f, i)->name;
        if ((!strncmp(n, "attention.", 10) || !strncmp(n, "out.", 4)) &&
            !recur__attn_find(&s->att, n))
            rc = recur__fail(RECUR_E_MISMATCH, "%s: unexpected tensor '%s' for attention "
                            "'%s'", label, n, recur_attention_name(attention));
    }
    for (int i = 0; !rc && i < s->att.ntensors; i++) {
        const attn_tensor *t = &s->att.t[i];
        const st_tensor *st;
        rc = recur__st_expect(f, t->name, t->ndim, t->shape, &st);
        if (!rc)
            rc = recur__st_read_real(st, t->p, t->n);
    }
    for (int side = 0; !rc && side < 2; side++)
        rc = read_names(f, label, s, side);
    for (size_t i = 0; !rc && i < recur__st_meta_count(f); i++) {
        const char *k = recur__st_meta_key_at(f, i);
        if (strncmp(k, "encoder.", 8) && strncmp(k, "decoder.", 8) &&
            strncmp(k, "seq2seq.", 8) && strcmp(k, "format") && strcmp(k, "recur.version"))
            rc = recur_seq2seq_set_meta(s, k, recur__st_meta_value_at(f, i));
    }
    recur_model_free(enc);
    recur_model_free(dec);
    if (rc) {
        recur_seq2seq_free(s);
        return rc;
    }
    *out = s;
    return RECUR_OK;
}

int recur_seq2seq_load(const char *path, recur_seq2seq **out)
{
    if (!out || !path)
        return recur__fail(RECUR_E_INVALID, "load: missing argument");
    *out = NULL;
    st_file *f = NULL;
    int rc = recur__st_read(path, &f);
    if (rc)
        return rc;
    rc = s2s_from_file(f, path, out);
    recur__st_free(f);
    return rc;
}

/* ---- checkpoints ------------------------------------------------------------ */

static int set_s2s_meta(void *s, const char *key, const char *value)
{
    return recur_seq2seq_set_meta(s, key, value);
}

static int set_long(recur_seq2seq *s, const char *key, long v)
{
    char buf[ST_META_NUM];
    return recur_seq2seq_set_meta(s, key, recur__st_meta_int(buf, v));
}

int recur_seq2seq_trainer_save(const recur_seq2seq_trainer *tr, const char *path)
{
    if (!tr || !path)
        return recur__fail(RECUR_E_INVALID, "save: missing argument");
    recur_seq2seq *s = tr->s;
    int rc = recur__s2s_check_finite(s, path);
    if (rc)
        return rc;
    train_position pos = {tr->step, tr->epoch, tr->batch_in_epoch, tr->oe.step, {0}};
    memcpy(pos.rng, tr->dropout_rng.s, sizeof pos.rng);
    rc = recur__checkpoint_write_position(&pos, set_s2s_meta, s);
    if (!rc) rc = set_long(s, "train.examples", tr->d.count);
    if (!rc) rc = set_long(s, "train.batch", tr->tc.batch);
    if (!rc) rc = set_long(s, "train.optimizer_id", (long)tr->tc.optimizer);
    if (!rc) rc = set_long(s, "train.seed_id", (long)(tr->tc.seed & 0x7fffffffffffffffULL));
    if (rc)
        return rc;
    st_writer *w = recur__st_writer_new();
    if (!w)
        return RECUR_E_NOMEM;
    int64_t ne = s->enc->nparams, nd = s->dec->nparams;
    rc = s2s_to_writer(s, w);
    if (!rc) rc = recur__st_writer_add(w, "optim.encoder.m", 1, &ne, tr->oe.m);
    if (!rc) rc = recur__st_writer_add(w, "optim.encoder.v", 1, &ne, tr->oe.v);
    if (!rc) rc = recur__st_writer_add(w, "optim.decoder.m", 1, &nd, tr->od.m);
    if (!rc) rc = recur__st_writer_add(w, "optim.decoder.v", 1, &nd, tr->od.v);
    int64_t na = s->att.n;
    if (!rc && na) rc = recur__st_writer_add(w, "optim.attention.m", 1, &na, tr->oa.m);
    if (!rc && na) rc = recur__st_writer_add(w, "optim.attention.v", 1, &na, tr->oa.v);
    if (!rc) rc = recur__st_writer_save(w, path);
    recur__st_writer_free(w);
    return rc;
}

static int same_names(const recur_seq2seq *a, const recur_seq2seq *b, int side)
{
    if (a->nnames[side] != b->nnames[side] || !a->names[side] != !b->names[side])
        return 0;
    for (int i = 0; a->names[side] && i < a->nnames[side]; i++)
        if (strcmp(a->names[side][i], b->names[side][i]))
            return 0;
    return 1;
}

int recur_seq2seq_trainer_resume(recur_seq2seq_trainer *tr, const char *path)
{
    if (!tr || !path)
        return recur__fail(RECUR_E_INVALID, "resume: missing argument");
    st_file *f = NULL;
    recur_seq2seq *saved = NULL;
    real *buf = NULL;
    int rc = recur__st_read(path, &f);
    if (rc)
        return rc;
    if ((rc = s2s_from_file(f, path, &saved)))
        goto done;
    const recur_seq2seq_config *a = &saved->cfg, *b = &tr->s->cfg;
    if (a->cell != b->cell || a->src_vocab != b->src_vocab ||
        a->tgt_vocab != b->tgt_vocab || a->bos != b->bos || a->eos != b->eos ||
        a->embed_dim != b->embed_dim || a->hidden != b->hidden ||
        a->layers != b->layers || a->bidirectional != b->bidirectional ||
        a->attention != b->attention || a->src_features != b->src_features) {
        rc = recur__fail(RECUR_E_MISMATCH, "%s: the checkpoint holds a different "
                        "model (%s %dx%d, vocabularies %d/%d) from this run's "
                        "(%s %dx%d, %d/%d)", path, recur_cell_name(a->cell), a->layers,
                        a->hidden, a->src_vocab, a->tgt_vocab, recur_cell_name(b->cell),
                        b->layers, b->hidden, b->src_vocab, b->tgt_vocab);
        goto done;
    }
    if (!same_names(saved, tr->s, 0) || !same_names(saved, tr->s, 1)) {
        rc = recur__fail(RECUR_E_MISMATCH, "%s: the checkpoint's token names differ "
                        "from this data's", path);
        goto done;
    }
    train_position pos;
    if ((rc = recur__checkpoint_expect_long(f, path, "train.examples", tr->d.count, NULL)) ||
        (rc = recur__checkpoint_expect_long(f, path, "train.batch", tr->tc.batch, NULL)) ||
        (rc = recur__checkpoint_expect_long(f, path, "train.optimizer_id", (long)tr->tc.optimizer, NULL)) ||
        (rc = recur__checkpoint_expect_long(f, path, "train.seed_id",
                          (long)(tr->tc.seed & 0x7fffffffffffffffULL), NULL)) ||
        (rc = recur__checkpoint_read_position(f, path, tr->steps_per_epoch, &pos)))
        goto done;
    long ne = tr->oe.n, nd = tr->od.n, na = tr->s->att.n;
    buf = malloc((size_t)(ne + nd + na) * 2 * sizeof *buf);
    if (!buf) {
        rc = recur__fail(RECUR_E_NOMEM, "out of memory");
        goto done;
    }
    int rms = tr->tc.optimizer == RECUR_RMSPROP;
    if ((rc = recur__checkpoint_read_state(f, path, "optim.encoder.m", ne, rms, buf)) ||
        (rc = recur__checkpoint_read_state(f, path, "optim.encoder.v", ne, 1, buf + ne)) ||
        (rc = recur__checkpoint_read_state(f, path, "optim.decoder.m", nd, rms, buf + 2 * ne)) ||
        (rc = recur__checkpoint_read_state(f, path, "optim.decoder.v", nd, 1, buf + 2 * ne + nd)))
        goto done;
    real *abuf = buf + 2 * (ne + nd);
    if (na && ((rc = recur__checkpoint_read_state(f, path, "optim.attention.m", na, rms, abuf)) ||
               (rc = recur__checkpoint_read_state(f, path, "optim.attention.v", na, 1,
                                                  abuf + na))))
        goto done;
    /* Everything validated: now change the trainer. */
    memcpy(tr->s->enc->params, saved->enc->params, (size_t)ne * sizeof(real));
    memcpy(tr->s->dec->params, saved->dec->params, (size_t)nd * sizeof(real));
    memcpy(tr->oe.m, buf, (size_t)ne * sizeof(real));
    memcpy(tr->oe.v, buf + ne, (size_t)ne * sizeof(real));
    memcpy(tr->od.m, buf + 2 * ne, (size_t)nd * sizeof(real));
    memcpy(tr->od.v, buf + 2 * ne + nd, (size_t)nd * sizeof(real));
    if (na) {
        memcpy(tr->s->att.params, saved->att.params, (size_t)na * sizeof(real));
        memcpy(tr->oa.m, abuf, (size_t)na * sizeof(real));
        memcpy(tr->oa.v, abuf + na, (size_t)na * sizeof(real));
        tr->oa.step = pos.optim_step;
    }
    tr->step = pos.step;
    tr->epoch = (int)pos.epoch;
    tr->batch_in_epoch = pos.batch_in_epoch;
    tr->oe.step = tr->od.step = pos.optim_step;
    memcpy(tr->dropout_rng.s, pos.rng, sizeof pos.rng);
    recur__s2s_trainer_shuffle(tr);
done:
    free(buf);
    recur_seq2seq_free(saved);
    recur__st_free(f);
    return rc;
}
