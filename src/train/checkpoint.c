/* checkpoint.c - a trainer's checkpoint is a model file plus the optimizer
 * moments, the carried hidden state, the position in the data and the RNG,
 * so that a resumed run continues bit-identically. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/checkpoint.h"
#include "core/error.h"
#include "nn/model_io.h"
#include "train/trainer.h"

static int set_model_meta(void *m, const char *key, const char *value)
{
    return recur__model_set_meta(m, key, value);
}

static int model_meta_int(recur_model *m, const char *key, long long v)
{
    char buf[ST_META_NUM];
    return recur__model_set_meta(m, key, recur__st_meta_int(buf, v));
}

static const char *input_name(recur_input k)
{
    return k == RECUR_INPUT_ONEHOT ? "one-hot" : k == RECUR_INPUT_EMBEDDING ? "embedding"
                                                                           : "dense";
}

int recur_trainer_save(const recur_trainer *tr, const char *path)
{
    const recur_train_config *tc = &tr->tc;
    int bad = recur__model_check_finite(tr->m, path);
    if (bad)
        return bad;
    st_writer *w = recur__st_writer_new();
    if (!w)
        return RECUR_E_NOMEM;
    int64_t np = tr->m->nparams, ns = tr->nstate;
    /* The position goes into the model's own metadata (replacing that of an
     * earlier checkpoint), so the saved model also tells how far it trained. */
    recur_model *m = tr->m;
    train_position pos = {tr->step, tr->epoch, tr->batch_in_epoch, tr->opt.step, {0}};
    memcpy(pos.rng, tr->dropout_rng.s, sizeof pos.rng);
    int rc = recur__checkpoint_write_position(&pos, set_model_meta, m);
    if (!rc) rc = model_meta_int(m, "train.tokens", tr->n);
    if (!rc) rc = model_meta_int(m, "train.seq_len", tc->seq_len);
    if (!rc) rc = model_meta_int(m, "train.batch", tc->batch);
    if (!rc) rc = model_meta_int(m, "train.stateful", tc->stateful);
    if (!rc) rc = model_meta_int(m, "train.bucket", tc->bucket ? 1 : 0);
    if (!rc) rc = model_meta_int(m, "train.optimizer_id", (int)tc->optimizer);
    if (!rc) rc = model_meta_int(m, "train.seed_id",
                                 (long long)(tc->seed & 0x7fffffffffffffffULL));
    if (!rc) rc = recur__model_to_writer(m, w);
    if (!rc) rc = recur__st_writer_add(w, "optim.m", 1, &np, tr->opt.m);
    if (!rc) rc = recur__st_writer_add(w, "optim.v", 1, &np, tr->opt.v);
    if (!rc) rc = recur__st_writer_add(w, "train.carry_h", 1, &ns, tr->carry_h);
    if (!rc) rc = recur__st_writer_add(w, "train.carry_c", 1, &ns, tr->carry_c);
    if (!rc) rc = recur__st_writer_save(w, path);
    recur__st_writer_free(w);
    return rc;
}

int recur__checkpoint_expect_long(const st_file *f, const char *path, const char *key,
                           long want, long *got)
{
    long v;
    const char *s = recur__st_meta(f, key);
    if (!s || recur__parse_long(s, 0, 0x7fffffffffffffffL, &v))
        return recur__fail(RECUR_E_FORMAT, "%s: not a training checkpoint "
                          "(metadata '%s' missing or malformed)", path, key);
    if (want >= 0 && v != want && strcmp(key, "train.optimizer_id") == 0)
        return recur__fail(RECUR_E_MISMATCH, "%s: the checkpoint was made with the %s "
                          "optimizer, this run uses %s; resume with --optim %s", path,
                          recur_optimizer_name((recur_optimizer)v),
                          recur_optimizer_name((recur_optimizer)want),
                          recur_optimizer_name((recur_optimizer)v));
    if (want >= 0 && v != want)
        return recur__fail(RECUR_E_MISMATCH, "%s: the checkpoint was made with "
                          "%s = %ld, this run has %ld; resume with the same "
                          "data and settings", path, key + 6, v, want);
    if (got)
        *got = v;
    return RECUR_OK;
}

int recur__checkpoint_read_state(const st_file *f, const char *path, const char *name,
                          long n, int nonneg, real *dst)
{
    const st_tensor *t;
    int64_t shape = n;
    int rc = recur__st_expect(f, name, 1, &shape, &t);
    if (!rc)
        rc = recur__st_read_real(t, dst, n);
    for (long i = 0; !rc && i < n; i++)
        if (!isfinite(dst[i]) || (nonneg && dst[i] < 0))
            rc = recur__fail(RECUR_E_FORMAT, "%s: tensor '%s' holds %s values", path,
                            name, isfinite(dst[i]) ? "negative" : "non-finite");
    return rc;
}

void recur__checkpoint_format_rng(const uint64_t s[4], char *buf)
{
    snprintf(buf, 65, "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64, s[0],
             s[1], s[2], s[3]);
}

int recur__checkpoint_parse_rng(const char *s, uint64_t out[4])
{
    if (!s || strlen(s) != 64)
        return RECUR_E_FORMAT;
    for (int i = 0; i < 4; i++) {
        char part[17];
        memcpy(part, s + 16 * i, 16);
        part[16] = 0;
        char *end;
        out[i] = strtoull(part, &end, 16);
        if (*end)
            return RECUR_E_FORMAT;
    }
    return out[0] | out[1] | out[2] | out[3] ? RECUR_OK : RECUR_E_FORMAT;
}

int recur_trainer_resume(recur_trainer *tr, const char *path)
{
    st_file *f = NULL;
    recur_model *saved = NULL;
    int rc = recur__st_read(path, &f);
    if (rc)
        return rc;
    if ((rc = recur__model_from_file(f, path, &saved)))
        goto done;
    const recur_config *a = &saved->cfg, *b = &tr->m->cfg;
    if (a->cell != b->cell || a->input != b->input || a->input_size != b->input_size ||
        a->embed_dim != b->embed_dim || a->hidden != b->hidden ||
        a->layers != b->layers || a->bidirectional != b->bidirectional ||
        a->output_size != b->output_size || a->loss != b->loss ||
        a->readout != b->readout || a->proj != b->proj || a->reverse != b->reverse) {
        rc = recur__fail(RECUR_E_MISMATCH, "%s: the checkpoint holds a %s %dx%d%s%s "
                        "model (%s input %d, %s readout, %d outputs), this run "
                        "builds a %s %dx%d%s%s model (%s input %d, %s readout, %d "
                        "outputs)", path,
                        recur_cell_name(a->cell), a->layers, a->hidden,
                        a->proj ? " projected" : "",
                        a->bidirectional ? " bidirectional" : a->reverse ? " reverse" : "",
                        input_name(a->input), a->input_size,
                        recur_readout_name(a->readout), a->output_size,
                        recur_cell_name(b->cell), b->layers, b->hidden,
                        b->proj ? " projected" : "",
                        b->bidirectional ? " bidirectional" : b->reverse ? " reverse" : "",
                        input_name(b->input), b->input_size,
                        recur_readout_name(b->readout), b->output_size);
        goto done;
    }
    if (saved->nvocab != tr->m->nvocab ||
        (saved->nvocab && memcmp(saved->vocab, tr->m->vocab,
                                 (size_t)saved->nvocab * sizeof *saved->vocab))) {
        rc = recur__fail(RECUR_E_MISMATCH, "%s: the checkpoint's vocabulary differs "
                        "from this text's", path);
        goto done;
    }
    train_position pos;
    if ((rc = recur__checkpoint_expect_long(f, path, "train.tokens", tr->n, NULL)) ||
        (rc = recur__checkpoint_expect_long(f, path, "train.seq_len", tr->tc.seq_len, NULL)) ||
        (rc = recur__checkpoint_expect_long(f, path, "train.batch", tr->tc.batch, NULL)) ||
        (rc = recur__checkpoint_expect_long(f, path, "train.stateful", tr->tc.stateful, NULL)) ||
        (recur__st_meta(f, "train.bucket") && /* absent in older checkpoints: 0 */
         (rc = recur__checkpoint_expect_long(f, path, "train.bucket", tr->tc.bucket ? 1 : 0, NULL))) ||
        (rc = recur__checkpoint_expect_long(f, path, "train.optimizer_id", (long)tr->tc.optimizer, NULL)) ||
        (rc = recur__checkpoint_expect_long(f, path, "train.seed_id", (long)(tr->tc.seed & 0x7fffffffffffffffULL), NULL)) ||
        (rc = recur__checkpoint_read_position(f, path, tr->steps_per_epoch, &pos)))
        goto done;
    /* Read everything into the trainer only after all of it validated. */
    real *m = malloc((size_t)tr->opt.n * sizeof(real) * 2);
    real *st = malloc((size_t)tr->nstate * sizeof(real) * 2);
    if (!m || !st) {
        free(m);
        free(st);
        rc = recur__fail(RECUR_E_NOMEM, "out of memory");
        goto done;
    }
    int rms = tr->opt.kind == RECUR_RMSPROP;
    if ((rc = recur__checkpoint_read_state(f, path, "optim.m", tr->opt.n, rms, m)) ||
        (rc = recur__checkpoint_read_state(f, path, "optim.v", tr->opt.n, 1, m + tr->opt.n)) ||
        (rc = recur__checkpoint_read_state(f, path, "train.carry_h", tr->nstate, 0, st)) ||
        (rc = recur__checkpoint_read_state(f, path, "train.carry_c", tr->nstate, 0, st + tr->nstate))) {
        free(m);
        free(st);
        goto done;
    }
    memcpy(tr->m->params, saved->params, (size_t)saved->nparams * sizeof(real));
    memcpy(tr->opt.m, m, (size_t)tr->opt.n * sizeof(real));
    memcpy(tr->opt.v, m + tr->opt.n, (size_t)tr->opt.n * sizeof(real));
    memcpy(tr->carry_h, st, (size_t)tr->nstate * sizeof(real));
    memcpy(tr->carry_c, st + tr->nstate, (size_t)tr->nstate * sizeof(real));
    free(m);
    free(st);
    tr->step = pos.step;
    tr->epoch = (int)pos.epoch;
    tr->batch_in_epoch = pos.batch_in_epoch;
    tr->opt.step = pos.optim_step;
    memcpy(tr->dropout_rng.s, pos.rng, sizeof pos.rng);
    if (!tr->tc.stateful)
        recur__trainer_shuffle(tr);
done:
    recur_model_free(saved);
    recur__st_free(f);
    return rc;
}

int recur__checkpoint_write_position(const train_position *p,
                                     int (*set)(void *obj, const char *key,
                                                const char *value),
                                     void *obj)
{
    char b[ST_META_NUM], rs[65];
    recur__checkpoint_format_rng(p->rng, rs);
    int rc = set(obj, "train.step", recur__st_meta_int(b, p->step));
    if (!rc) rc = set(obj, "train.epoch", recur__st_meta_int(b, p->epoch));
    if (!rc) rc = set(obj, "train.batch_in_epoch", recur__st_meta_int(b, p->batch_in_epoch));
    if (!rc) rc = set(obj, "train.optim_step", recur__st_meta_int(b, p->optim_step));
    if (!rc) rc = set(obj, "train.rng", rs);
    return rc;
}

int recur__checkpoint_read_position(const st_file *f, const char *path,
                                    long steps_per_epoch, train_position *p)
{
    int rc;
    if ((rc = recur__checkpoint_expect_long(f, path, "train.step", -1, &p->step)) ||
        (rc = recur__checkpoint_expect_long(f, path, "train.epoch", -1, &p->epoch)) ||
        (rc = recur__checkpoint_expect_long(f, path, "train.batch_in_epoch", -1,
                                            &p->batch_in_epoch)) ||
        (rc = recur__checkpoint_expect_long(f, path, "train.optim_step", -1,
                                            &p->optim_step)))
        return rc;
    if (p->batch_in_epoch >= steps_per_epoch || p->epoch > 1000000000L)
        return recur__fail(RECUR_E_FORMAT, "%s: position in the data is out of range", path);
    if (recur__checkpoint_parse_rng(recur__st_meta(f, "train.rng"), p->rng))
        return recur__fail(RECUR_E_FORMAT, "%s: metadata 'train.rng' is malformed", path);
    return RECUR_OK;
}
