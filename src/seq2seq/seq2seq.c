/* seq2seq.c - the encoder-decoder: two recurrent models chained through the
 * state (the encoder's final state of each layer, both directions
 * concatenated, is the decoder's initial state of that layer), trained with
 * teacher forcing on padded, masked batches, and decoded greedily, by beam
 * search or by sampling. */
#include "seq2seq/seq2seq.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "nn/loss.h"
#include "train/trainer.h"

/* ---- configuration and the model ------------------------------------------ */

void recur__s2s_encoder_config(const recur_seq2seq_config *c, recur_config *e)
{
    recur_config_default(e);
    e->cell = c->cell;
    e->input = c->embed_dim > 0 ? RECUR_INPUT_EMBEDDING : RECUR_INPUT_ONEHOT;
    e->input_size = c->src_vocab;
    e->embed_dim = c->embed_dim;
    if (c->src_features > 0) {
        /* One step from a zero state: h = tanh(W_ih x + b_ih + b_hh), a dense
         * layer (see recur_seq2seq_config). */
        e->cell = RECUR_RNN_TANH;
        e->input = RECUR_INPUT_DENSE;
        e->input_size = c->src_features;
        e->embed_dim = 0;
    }
    e->hidden = c->hidden;
    e->layers = c->layers;
    e->bidirectional = c->bidirectional;
    e->dropout = c->dropout;
    e->output_size = 0;
    e->loss = RECUR_LOSS_XENT;
    e->readout = RECUR_READOUT_SEQUENCE;
}

void recur__s2s_decoder_config(const recur_seq2seq_config *c, recur_config *d)
{
    recur_config_default(d);
    d->cell = c->cell;
    d->input = c->embed_dim > 0 ? RECUR_INPUT_EMBEDDING : RECUR_INPUT_ONEHOT;
    d->input_size = c->tgt_vocab;
    d->embed_dim = c->embed_dim;
    d->hidden = c->hidden * (c->bidirectional ? 2 : 1);
    d->layers = c->layers;
    d->bidirectional = 0;
    d->dropout = c->dropout;
    /* With attention the head (attention.c) holds the output layer. */
    d->output_size = c->attention == RECUR_ATTN_NONE ? c->tgt_vocab : 0;
    d->loss = RECUR_LOSS_XENT;
    d->readout = RECUR_READOUT_SEQUENCE;
}

int recur__s2s_config_check(const recur_seq2seq_config *c)
{
    if (!c)
        return recur__fail(RECUR_E_INVALID, "no seq2seq configuration given");
    if (c->tgt_vocab < 3)
        return recur__fail(RECUR_E_INVALID, "the target vocabulary needs at least "
                          "3 tokens (bos, eos and one more), got %d", c->tgt_vocab);
    if (c->bos < 0 || c->bos >= c->tgt_vocab || c->eos < 0 ||
        c->eos >= c->tgt_vocab || c->bos == c->eos)
        return recur__fail(RECUR_E_INVALID, "bos %d and eos %d must be distinct "
                          "tokens of the target vocabulary of %d", c->bos, c->eos,
                          c->tgt_vocab);
    if (c->embed_dim < 0)
        return recur__fail(RECUR_E_INVALID, "embedding size %d is negative",
                          c->embed_dim);
    if (!recur_attention_name(c->attention))
        return recur__fail(RECUR_E_INVALID, "unknown attention kind %d",
                          (int)c->attention);
    if (c->src_features < 0)
        return recur__fail(RECUR_E_INVALID, "source features %d is negative",
                          c->src_features);
    if (c->src_features > 0 && (c->src_vocab != 0 || c->bidirectional ||
                                c->attention != RECUR_ATTN_NONE))
        return recur__fail(RECUR_E_INVALID, "a model of feature-vector sources has "
                          "no source vocabulary (got %d), no bidirectional encoder "
                          "and no attention", c->src_vocab);
    if (c->bidirectional && c->hidden > RECUR_MAX_WIDTH / 2)
        return recur__fail(RECUR_E_LIMIT, "hidden size %d is too large for a "
                          "bidirectional encoder", c->hidden);
    recur_config e, d;
    recur__s2s_encoder_config(c, &e);
    recur__s2s_decoder_config(c, &d);
    int rc = recur_config_check(&e);
    if (!rc)
        rc = recur_config_check(&d);
    return rc;
}

int recur__s2s_wrap(const recur_seq2seq_config *c, recur_model *enc, recur_model *dec,
             recur_seq2seq **out)
{
    *out = NULL;
    recur_seq2seq *s = calloc(1, sizeof *s);
    if (!s)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    s->cfg = *c;
    int rc = recur__attn_alloc(&s->att, c->attention, c->hidden * (c->bidirectional ? 2 : 1),
                               c->tgt_vocab);
    if (rc) {
        free(s);
        return rc;
    }
    s->enc = enc;
    s->dec = dec;
    *out = s;
    return RECUR_OK;
}

int recur_seq2seq_create(const recur_seq2seq_config *c, uint64_t seed,
                         recur_seq2seq **out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "no output pointer");
    *out = NULL;
    int rc = recur__s2s_config_check(c);
    if (rc)
        return rc;
    recur_config e, d;
    recur__s2s_encoder_config(c, &e);
    recur__s2s_decoder_config(c, &d);
    recur_model *enc = NULL, *dec = NULL;
    if ((rc = recur_model_create(&e, seed, &enc)) ||
        (rc = recur_model_create(&d, seed ^ 0x5DEECE66DULL, &dec)) ||
        (rc = recur__s2s_wrap(c, enc, dec, out))) {
        recur_model_free(enc);
        recur_model_free(dec);
        return rc;
    }
    recur__attn_init(&(*out)->att, seed ^ 0xA77E4710ULL);
    return RECUR_OK;
}

void recur_seq2seq_free(recur_seq2seq *s)
{
    if (!s)
        return;
    recur_model_free(s->enc);
    recur_model_free(s->dec);
    recur__attn_free(&s->att);
    for (int side = 0; side < 2; side++) {
        for (int i = 0; s->names[side] && i < s->nnames[side]; i++)
            free(s->names[side][i]);
        free(s->names[side]);
    }
    for (int i = 0; i < s->nmeta; i++) {
        free(s->meta_key[i]);
        free(s->meta_val[i]);
    }
    free(s);
}

const recur_seq2seq_config *recur_seq2seq_get_config(const recur_seq2seq *s)
{
    return &s->cfg;
}
recur_model *recur_seq2seq_encoder(recur_seq2seq *s) { return s->enc; }
recur_model *recur_seq2seq_decoder(recur_seq2seq *s) { return s->dec; }
long recur_seq2seq_param_count(const recur_seq2seq *s)
{
    return s->enc->nparams + s->dec->nparams + s->att.n;
}

int recur__s2s_check_finite(const recur_seq2seq *s, const char *what)
{
    int rc = recur__model_check_finite(s->enc, what);
    if (!rc)
        rc = recur__model_check_finite(s->dec, what);
    for (int i = 0; !rc && i < s->att.ntensors; i++)
        for (long j = 0; j < s->att.t[i].n; j++)
            if (!isfinite(s->att.t[i].p[j]))
                return recur__fail(RECUR_E_NUMERIC, "%s: tensor '%s' holds NaN or "
                                  "infinite values", what, s->att.t[i].name);
    return rc;
}

int recur_seq2seq_init(recur_seq2seq *s, recur_init scheme, uint64_t seed)
{
    if (!s)
        return recur__fail(RECUR_E_INVALID, "no model");
    int rc = recur_model_init(s->enc, scheme, seed);
    if (!rc)
        rc = recur_model_init(s->dec, scheme, seed ^ 0x5DEECE66DULL);
    if (!rc)
        recur__attn_init(&s->att, seed ^ 0xA77E4710ULL);
    return rc;
}

int recur_seq2seq_set_vocab(recur_seq2seq *s, int side, const char *const *names, int n)
{
    if (!s || side < 0 || side > 1 || !names)
        return recur__fail(RECUR_E_INVALID, "set_vocab: bad arguments");
    int want = side ? s->cfg.tgt_vocab : s->cfg.src_vocab;
    if (n != want || n < 1)
        return recur__fail(RECUR_E_MISMATCH, "%s vocabulary of %d names for %d tokens",
                          side ? "target" : "source", n, want);
    for (int i = 0; i < n; i++) {
        if (!names[i] || !*names[i] || strchr(names[i], '\n'))
            return recur__fail(RECUR_E_INVALID, "%s token %d has an empty name or "
                              "one with a newline", side ? "target" : "source", i);
        for (int j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                return recur__fail(RECUR_E_INVALID, "%s tokens %d and %d are both "
                                  "named '%.40s'", side ? "target" : "source", j, i,
                                  names[i]);
    }
    char **copy = calloc((size_t)n, sizeof *copy);
    if (!copy)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    for (int i = 0; i < n; i++)
        if (!(copy[i] = strdup(names[i]))) {
            for (int j = 0; j < i; j++)
                free(copy[j]);
            free(copy);
            return recur__fail(RECUR_E_NOMEM, "out of memory");
        }
    for (int i = 0; s->names[side] && i < s->nnames[side]; i++)
        free(s->names[side][i]);
    free(s->names[side]);
    s->names[side] = copy;
    s->nnames[side] = n;
    return RECUR_OK;
}

const char *const *recur_seq2seq_get_vocab(const recur_seq2seq *s, int side, int *n)
{
    if (n)
        *n = 0;
    if (!s || side < 0 || side > 1 || !s->names[side])
        return NULL;
    if (n)
        *n = s->nnames[side];
    return (const char *const *)s->names[side];
}

int recur_seq2seq_set_meta(recur_seq2seq *s, const char *key, const char *value)
{
    if (!s || !key || !*key || !value)
        return recur__fail(RECUR_E_INVALID, "set_meta: bad arguments");
    if (!strncmp(key, "encoder.", 8) || !strncmp(key, "decoder.", 8) ||
        !strncmp(key, "seq2seq.", 8) || !strcmp(key, "format") ||
        !strcmp(key, "recur.version"))
        return recur__fail(RECUR_E_INVALID, "metadata key '%.40s' is reserved", key);
    char *v = strdup(value);
    if (!v)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    for (int i = 0; i < s->nmeta; i++)
        if (strcmp(s->meta_key[i], key) == 0) {
            free(s->meta_val[i]);
            s->meta_val[i] = v;
            return RECUR_OK;
        }
    char *k = strdup(key);
    if (!k || s->nmeta == S2S_MAX_META) {
        free(k);
        free(v);
        return recur__fail(RECUR_E_LIMIT, "too many metadata entries");
    }
    s->meta_key[s->nmeta] = k;
    s->meta_val[s->nmeta++] = v;
    return RECUR_OK;
}

const char *recur_seq2seq_get_meta(const recur_seq2seq *s, const char *key)
{
    for (int i = 0; s && key && i < s->nmeta; i++)
        if (strcmp(s->meta_key[i], key) == 0)
            return s->meta_val[i];
    return NULL;
}

/* ---- data ---------------------------------------------------------------- */

static int targets_check(const recur_seq2seq *s, const recur_seq2seq_data *d);

/* Feature-vector sources: every value finite; then the targets. */
static int features_check(const recur_seq2seq *s, const recur_seq2seq_data *d)
{
    long n = d->count * (long)s->cfg.src_features;
    for (long i = 0; i < n; i++)
        if (!isfinite(d->features[i]))
            return recur__fail(RECUR_E_INVALID, "example %ld: source feature %ld is "
                              "not finite", i / s->cfg.src_features + 1,
                              i % s->cfg.src_features + 1);
    return targets_check(s, d);
}

int recur_seq2seq_data_check(const recur_seq2seq *s, const recur_seq2seq_data *d)
{
    int feat = s && s->cfg.src_features > 0;
    if (!s || !d || d->count < 1 || !d->tgt_offsets ||
        (feat ? !d->features : !d->src_offsets || !d->src))
        return recur__fail(RECUR_E_INVALID, "the data set is empty");
    if (feat)
        return features_check(s, d);
    if (d->src_offsets[0] != 0 || d->tgt_offsets[0] != 0)
        return recur__fail(RECUR_E_INVALID, "data set offsets must start at 0");
    for (long i = 0; i < d->count; i++) {
        if (d->src_offsets[i + 1] <= d->src_offsets[i])
            return recur__fail(RECUR_E_INVALID, "example %ld has an empty source", i + 1);
        if (d->tgt_offsets[i + 1] < d->tgt_offsets[i])
            return recur__fail(RECUR_E_INVALID, "example %ld: target offsets decrease",
                              i + 1);
        if (d->src_offsets[i + 1] - d->src_offsets[i] > 100000 ||
            d->tgt_offsets[i + 1] - d->tgt_offsets[i] > 100000)
            return recur__fail(RECUR_E_LIMIT, "example %ld is longer than 100000 "
                              "tokens", i + 1);
    }
    long ns = d->src_offsets[d->count];
    for (long i = 0; i < ns; i++)
        if (d->src[i] < 0 || d->src[i] >= s->cfg.src_vocab)
            return recur__fail(RECUR_E_MISMATCH, "source token %d at position %ld is "
                              "outside the model's vocabulary of %d", (int)d->src[i],
                              i, s->cfg.src_vocab);
    return targets_check(s, d);
}

/* The targets of d: offsets from 0, non-decreasing, tokens of the target
 * vocabulary other than bos and eos. */
static int targets_check(const recur_seq2seq *s, const recur_seq2seq_data *d)
{
    if (d->tgt_offsets[0] != 0)
        return recur__fail(RECUR_E_INVALID, "data set offsets must start at 0");
    for (long i = 0; i < d->count; i++) {
        if (d->tgt_offsets[i + 1] < d->tgt_offsets[i])
            return recur__fail(RECUR_E_INVALID, "example %ld: target offsets decrease",
                              i + 1);
        if (d->tgt_offsets[i + 1] - d->tgt_offsets[i] > 100000)
            return recur__fail(RECUR_E_LIMIT, "example %ld is longer than 100000 "
                              "tokens", i + 1);
    }
    long nt = d->tgt_offsets[d->count];
    if (nt > 0 && !d->tgt)
        return recur__fail(RECUR_E_INVALID, "the data set has no target tokens");
    for (long i = 0; i < nt; i++)
        if (d->tgt[i] < 0 || d->tgt[i] >= s->cfg.tgt_vocab || d->tgt[i] == s->cfg.bos ||
            d->tgt[i] == s->cfg.eos)
            return recur__fail(RECUR_E_MISMATCH, "target token %d at position %ld is "
                              "outside the model's vocabulary of %d (or is bos/eos)",
                              (int)d->tgt[i], i, s->cfg.tgt_vocab);
    return RECUR_OK;
}

void recur__s2s_data_longest(const recur_seq2seq *s, const recur_seq2seq_data *d, int *src,
                             int *tgt)
{
    long a = 1, b = 0;
    int feat = s->cfg.src_features > 0;
    for (long i = 0; i < d->count; i++) {
        long ns = feat ? 1 : d->src_offsets[i + 1] - d->src_offsets[i];
        long nt = d->tgt_offsets[i + 1] - d->tgt_offsets[i];
        a = ns > a ? ns : a;
        b = nt > b ? nt : b;
    }
    *src = (int)a;
    *tgt = (int)b;
}

/* ---- batches and the teacher-forced pass ---------------------------------- */

void recur__s2s_batch_free(s2s_batch *b)
{
    free(b->src);
    free(b->src_len);
    free(b->dec_in);
    free(b->dec_len);
    free(b->labels);
    free(b->rows);
    free(b->labels_c);
    free(b->h0);
    free(b->x);
    recur__model_work_free(&b->we);
    recur__model_work_free(&b->wd);
    recur__attn_work_free(&b->wa);
    memset(b, 0, sizeof *b);
}

int recur__s2s_batch_alloc(const recur_seq2seq *s, int Ts, int Tt, int B, s2s_batch *b)
{
    memset(b, 0, sizeof *b);
    b->Ts = Ts, b->Tt = Tt, b->B = B;
    long ns = (long)s->enc->cfg.layers * s->enc->dirs * B * s->enc->cfg.hidden;
    b->src = calloc((size_t)Ts * B, sizeof *b->src);
    b->src_len = calloc((size_t)B, sizeof *b->src_len);
    b->dec_in = calloc((size_t)Tt * B, sizeof *b->dec_in);
    b->dec_len = calloc((size_t)B, sizeof *b->dec_len);
    b->labels = calloc((size_t)Tt * B, sizeof *b->labels);
    b->rows = calloc((size_t)Tt * B, sizeof *b->rows);
    b->labels_c = calloc((size_t)Tt * B, sizeof *b->labels_c);
    b->h0 = calloc((size_t)ns * 6, sizeof *b->h0);
    int P = s->cfg.src_features;
    b->x = P > 0 ? calloc((size_t)B * P, sizeof *b->x) : NULL;
    if (!b->src || !b->src_len || !b->dec_in || !b->dec_len || !b->labels || !b->rows ||
        !b->labels_c || !b->h0 || (P > 0 && !b->x)) {
        recur__s2s_batch_free(b);
        return recur__fail(RECUR_E_NOMEM, "out of memory for a batch");
    }
    b->c0 = b->h0 + ns;
    b->dh0 = b->c0 + ns;
    b->dc0 = b->dh0 + ns;
    b->dhn = b->dc0 + ns;
    b->dcn = b->dhn + ns;
    int rc = recur__model_work_alloc(s->enc, Ts, B, &b->we);
    if (!rc)
        rc = recur__model_work_alloc(s->dec, Tt, B, &b->wd);
    if (!rc)
        rc = recur__attn_work_alloc(&s->att, Ts, Tt, B, &b->wa);
    if (rc)
        recur__s2s_batch_free(b);
    return rc;
}

void recur__s2s_batch_pack(s2s_batch *b, const recur_seq2seq *s, const recur_seq2seq_data *d,
                    const long *idx, int B)
{
    int ts = 1, tt = 1, P = s->cfg.src_features;
    for (int k = 0; k < B; k++) {
        long i = idx[k];
        b->src_len[k] = P > 0 ? 1 : (int32_t)(d->src_offsets[i + 1] - d->src_offsets[i]);
        b->dec_len[k] = (int32_t)(d->tgt_offsets[i + 1] - d->tgt_offsets[i] + 1);
        ts = b->src_len[k] > ts ? b->src_len[k] : ts;
        tt = b->dec_len[k] > tt ? b->dec_len[k] : tt;
    }
    b->ts = ts, b->tt = tt, b->b = B;
    for (int k = 0; k < B; k++) {
        const int32_t *tgt = d->tgt ? d->tgt + d->tgt_offsets[idx[k]] : NULL;
        int n = b->dec_len[k] - 1;
        if (P > 0) {
            for (int j = 0; j < P; j++)
                b->x[(long)k * P + j] = (real)d->features[idx[k] * P + j];
        } else {
            const int32_t *src = d->src + d->src_offsets[idx[k]];
            for (int t = 0; t < ts; t++)
                b->src[(long)t * B + k] = t < b->src_len[k] ? src[t] : 0;
        }
        for (int t = 0; t < tt; t++) {
            long r = (long)t * B + k;
            /* Teacher forcing: step t reads the previous target token. */
            b->dec_in[r] = t == 0 ? s->cfg.bos : t <= n ? tgt[t - 1] : 0;
            b->labels[r] = t < n ? tgt[t] : t == n ? s->cfg.eos : -1;
        }
    }
}

/* h0 [L][B][D·H] from the encoder's final states [L·D][B][H], and back. */
static void bridge(const real *hn, real *h0, int L, int D, int B, int H, int back)
{
    for (int l = 0; l < L; l++)
        for (int d = 0; d < D; d++)
            for (int b = 0; b < B; b++) {
                const long e = (((long)l * D + d) * B + b) * H;
                const long k = ((long)l * B + b) * D * H + (long)d * H;
                if (back)
                    memcpy((real *)hn + e, h0 + k, (size_t)H * sizeof(real));
                else
                    memcpy(h0 + k, hn + e, (size_t)H * sizeof(real));
            }
}

real *recur__s2s_logits(const recur_seq2seq *s, s2s_batch *b, int grad)
{
    if (s->att.kind == RECUR_ATTN_NONE)
        return grad ? b->wd.dlogits : b->wd.logits;
    return grad ? b->wa.dlogits : b->wa.logits;
}

double recur__s2s_forward_backward(recur_seq2seq *s, s2s_batch *b, rng *r, int backward,
                            long *counted, long *correct)
{
    return recur__s2s_forward_backward_of(s, b, r, backward, 0, counted, correct);
}

double recur__s2s_forward_backward_of(recur_seq2seq *s, s2s_batch *b, rng *r, int backward,
                                      long whole, long *counted, long *correct)
{
    recur_model *enc = s->enc, *dec = s->dec;
    int L = enc->cfg.layers, D = enc->dirs, H = enc->cfg.hidden, B = b->b;
    /* A feature encoder (an Elman step) leaves an LSTM decoder's c0 at 0. */
    int lstm = dec->cfg.cell == RECUR_LSTM, enc_lstm = enc->cfg.cell == RECUR_LSTM;
    model_input ein = {.tokens = b->src, .len = b->src_len};
    if (s->cfg.src_features > 0)
        ein = (model_input){.x = b->x};
    model_input din = {.tokens = b->dec_in, .len = b->dec_len};
    recur__model_forward(enc, &b->we, b->ts, B, ein, NULL, NULL, r);
    bridge(b->we.hn, b->h0, L, D, B, H, 0);
    if (enc_lstm)
        bridge(b->we.cn, b->c0, L, D, B, H, 0);
    recur__model_forward(dec, &b->wd, b->tt, B, din, b->h0, lstm ? b->c0 : NULL, r);
    const s2s_attention *att = &s->att;
    const real *mem = b->we.y[L - 1], *top = b->wd.y[L - 1];
    long rows = (long)b->tt * B, n = 0;
    for (long i = 0; i < rows; i++)
        if (b->labels[i] >= 0) {
            b->rows[n] = (int32_t)i;
            b->labels_c[n++] = b->labels[i];
        }
    const int32_t *labels = b->labels;
    if (att->kind != RECUR_ATTN_NONE) {
        /* The output layer on the labelled rows only (attn_work.rows). */
        b->wa.rows = b->rows, b->wa.nrows = n;
        labels = b->labels_c, rows = n;
        recur__attn_keys(att, &b->wa, mem, (long)b->ts * B);
        recur__attn_forward(att, &b->wa, mem, B, b->src_len, b->ts, top, b->tt, B);
    }
    long denom = whole > 0 ? whole : n;
    real scale = denom ? (real)(1.0 / (double)denom) : 0;
    long k;
    double loss = recur__loss_softmax_xent(recur__s2s_logits(s, b, 0), labels, rows,
                                    s->cfg.tgt_vocab,
                                    backward ? recur__s2s_logits(s, b, 1) : NULL, scale, &k,
                                    correct);
    *counted = n;
    if (!backward)
        return loss;
    b->we.dtop = b->wd.dtop = NULL;
    if (att->kind != RECUR_ATTN_NONE) {
        recur__attn_backward(&s->att, &b->wa, mem, b->src_len, b->ts, top, b->tt, B);
        b->wd.dtop = b->wa.dh;
        b->we.dtop = b->wa.de;
    }
    recur__model_backward(dec, &b->wd, b->tt, B, din, NULL, NULL, NULL, b->dh0,
                   lstm ? b->dc0 : NULL);
    bridge(b->dhn, b->dh0, L, D, B, H, 1);
    if (enc_lstm)
        bridge(b->dcn, b->dc0, L, D, B, H, 1);
    recur__model_backward(enc, &b->we, b->ts, B, ein, b->dhn, enc_lstm ? b->dcn : NULL, NULL,
                   NULL, NULL);
    return loss;
}

/* ---- training -------------------------------------------------------------- */

void recur__s2s_trainer_shuffle(recur_seq2seq_trainer *tr)
{
    rng r;
    recur__rng_seed(&r, tr->tc.seed * 0x9E3779B97F4A7C15ULL + (uint64_t)tr->epoch + 1);
    for (long i = 0; i < tr->d.count; i++)
        tr->order[i] = i;
    for (long i = tr->d.count - 1; i > 0; i--) {
        long j = (long)recur__rng_below(&r, (uint64_t)i + 1), t = tr->order[i];
        tr->order[i] = tr->order[j];
        tr->order[j] = t;
    }
}

int recur_seq2seq_trainer_create(recur_seq2seq *s, const recur_train_config *tc,
                                 const recur_seq2seq_data *d,
                                 recur_seq2seq_trainer **out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "no output pointer");
    *out = NULL;
    int rc = recur__trainer_check_config(tc, 0);
    if (!rc)
        rc = recur_seq2seq_data_check(s, d);
    if (rc)
        return rc;
    recur_seq2seq_trainer *tr = calloc(1, sizeof *tr);
    if (!tr)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    tr->s = s;
    tr->tc = *tc;
    tr->d = *d;
    tr->nranks = 1;
    tr->steps_per_epoch = (d->count + tc->batch - 1) / tc->batch;
    tr->order = malloc((size_t)d->count * sizeof *tr->order);
    int ts, tt, B = tc->batch > d->count ? (int)d->count : tc->batch;
    recur__s2s_data_longest(s, d, &ts, &tt);
    if (!tr->order)
        rc = recur__fail(RECUR_E_NOMEM, "out of memory for the trainer");
    if (!rc)
        rc = recur__s2s_batch_alloc(s, ts, tt + 1, B, &tr->b);
    if (!rc)
        rc = recur__optim_init(&tr->oe, tc, s->enc->nparams);
    if (!rc)
        rc = recur__optim_init(&tr->od, tc, s->dec->nparams);
    if (!rc && s->att.n)
        rc = recur__optim_init(&tr->oa, tc, s->att.n);
    if (rc) {
        recur_seq2seq_trainer_free(tr);
        return rc;
    }
    recur__rng_seed(&tr->dropout_rng, tc->seed);
    recur__s2s_trainer_shuffle(tr);
    *out = tr;
    return RECUR_OK;
}

void recur_seq2seq_trainer_free(recur_seq2seq_trainer *tr)
{
    if (!tr)
        return;
    recur__s2s_batch_free(&tr->b);
    recur__optim_free(&tr->oe);
    recur__optim_free(&tr->od);
    if (tr->s->att.n)
        recur__optim_free(&tr->oa);
    free(tr->order);
    free(tr);
}

long recur_seq2seq_trainer_steps_per_epoch(const recur_seq2seq_trainer *tr)
{
    return tr->steps_per_epoch;
}
long recur_seq2seq_trainer_step_count(const recur_seq2seq_trainer *tr) { return tr->step; }
int recur_seq2seq_trainer_epoch(const recur_seq2seq_trainer *tr) { return tr->epoch; }

int recur_seq2seq_trainer_set_shard(recur_seq2seq_trainer *tr, int rank, int nranks,
                                    recur_allreduce_fn sum, void *user)
{
    if (!tr)
        return recur__fail(RECUR_E_INVALID, "no trainer");
    int rc = recur__check_shard(rank, nranks, sum, tr->tc.batch, "pair");
    if (rc)
        return rc;
    tr->rank = nranks > 1 ? rank : 0;
    tr->nranks = nranks;
    tr->sum = nranks > 1 ? sum : NULL;
    tr->sum_user = user;
    return RECUR_OK;
}

/* Target tokens scored in examples idx[0 .. B) (each its tokens and eos). */
static long batch_targets(const recur_seq2seq_data *d, const long *idx, int B)
{
    long n = 0;
    for (int k = 0; k < B; k++)
        n += d->tgt_offsets[idx[k] + 1] - d->tgt_offsets[idx[k]] + 1;
    return n;
}

/* This process's slice [lo, hi) of the batch of B starting at first (it
 * may be empty when the last batch is shorter than the number of
 * processes), scaled by the whole batch's count so that the summed
 * gradients are the one-process gradient; the sums, in the order encoder,
 * decoder, attention (with the stats). */
static double shared_pass(recur_seq2seq_trainer *tr, long first, int B, long *counted,
                          long *correct, int *rc)
{
    recur_seq2seq *s = tr->s;
    long lo = (long)tr->rank * B / tr->nranks, hi = (long)(tr->rank + 1) * B / tr->nranks;
    rng drop;
    recur__share_rng(&tr->dropout_rng, tr->rank, &drop);
    double loss = 0;
    *counted = *correct = 0;
    if (hi > lo) {
        recur__s2s_batch_pack(&tr->b, s, &tr->d, tr->order + first + lo, (int)(hi - lo));
        loss = recur__s2s_forward_backward_of(s, &tr->b, s->cfg.dropout > 0 ? &drop : NULL,
                                              1, batch_targets(&tr->d, tr->order + first, B),
                                              counted, correct);
    }
    double d[3] = {loss, (double)*counted, (double)*correct};
    *rc = recur__sum_shares(tr->sum, tr->sum_user, tr->nranks, tr->step, s->enc->grads,
                            s->enc->nparams, NULL, 0);
    if (!*rc)
        *rc = recur__sum_shares(tr->sum, tr->sum_user, tr->nranks, tr->step,
                                s->dec->grads, s->dec->nparams, NULL, 0);
    if (!*rc)
        *rc = recur__sum_shares(tr->sum, tr->sum_user, tr->nranks, tr->step, s->att.grads,
                                s->att.n, d, 3);
    *counted = (long)d[1];
    *correct = (long)d[2];
    return d[0];
}

int recur_seq2seq_trainer_step(recur_seq2seq_trainer *tr, recur_batch_stats *st)
{
    if (!tr)
        return recur__fail(RECUR_E_INVALID, "no trainer");
    recur_seq2seq *s = tr->s;
    long first = tr->batch_in_epoch * tr->tc.batch;
    int B = (int)(tr->d.count - first < tr->tc.batch ? tr->d.count - first
                                                     : tr->tc.batch);
    recur__model_zero_grads(s->enc);
    recur__model_zero_grads(s->dec);
    if (s->att.n)
        memset(s->att.grads, 0, (size_t)s->att.n * sizeof *s->att.grads);
    long counted, correct;
    double loss;
    int rc = 0;
    if (tr->nranks > 1) {
        loss = shared_pass(tr, first, B, &counted, &correct, &rc);
        if (rc)
            return rc;
    } else {
        recur__s2s_batch_pack(&tr->b, s, &tr->d, tr->order + first, B);
        loss = recur__s2s_forward_backward(s, &tr->b, s->cfg.dropout > 0 ? &tr->dropout_rng
                                                                          : NULL,
                                           1, &counted, &correct);
    }
    param_group g[3] = {{&tr->oe, s->enc->params, s->enc->grads, s->enc->nparams},
                        {&tr->od, s->dec->params, s->dec->grads, s->dec->nparams},
                        {&tr->oa, s->att.params, s->att.grads, s->att.n}};
    rc = recur__train_update(&tr->tc, tr->epoch, tr->step, g, s->att.n ? 3 : 2, loss,
                             counted, correct, st);
    if (rc)
        return rc;
    tr->step++;
    if (++tr->batch_in_epoch == tr->steps_per_epoch) {
        tr->batch_in_epoch = 0;
        tr->epoch++;
        recur__s2s_trainer_shuffle(tr);
    }
    return RECUR_OK;
}

int recur_seq2seq_evaluate(const recur_seq2seq *s, const recur_seq2seq_data *d,
                           int B, recur_eval_stats *out)
{
    if (!out)
        return recur__fail(RECUR_E_INVALID, "no output pointer");
    memset(out, 0, sizeof *out);
    if (B < 1)
        return recur__fail(RECUR_E_INVALID, "batch size must be >= 1");
    int rc = recur_seq2seq_data_check(s, d);
    if (rc)
        return rc;
    if (B > d->count)
        B = (int)d->count;
    int ts, tt;
    recur__s2s_data_longest(s, d, &ts, &tt);
    s2s_batch b;
    long *idx = malloc((size_t)B * sizeof *idx);
    if (!idx)
        return recur__fail(RECUR_E_NOMEM, "out of memory");
    if ((rc = recur__s2s_batch_alloc(s, ts, tt + 1, B, &b))) {
        free(idx);
        return rc;
    }
    double total = 0;
    long counted = 0, correct = 0;
    for (long first = 0; first < d->count; first += B) {
        int nb = (int)(d->count - first < B ? d->count - first : B);
        for (int k = 0; k < nb; k++)
            idx[k] = first + k;
        recur__s2s_batch_pack(&b, s, d, idx, nb);
        long n, c;
        /* The forward pass reads the models only. */
        total += recur__s2s_forward_backward((recur_seq2seq *)s, &b, NULL, 0, &n, &c);
        counted += n;
        correct += c;
    }
    out->loss = counted ? total / (double)counted : 0;
    out->accuracy = counted ? (double)correct / (double)counted : 0;
    out->tokens = counted;
    recur__s2s_batch_free(&b);
    free(idx);
    return RECUR_OK;
}

/* ---- decoding -------------------------------------------------------------- */

void recur_seq2seq_decode_config_default(recur_seq2seq_decode_config *dc)
{
    memset(dc, 0, sizeof *dc);
    dc->beam = 0;
    dc->max_len = 100;
    dc->sample = 0;
    dc->temperature = 1;
    dc->seed = 1;
    dc->length_penalty = 1;
}

/* log-softmax of z[V] into lp (double). */
static void log_softmax(const real *z, int V, double *lp)
{
    double mx = z[0], sum = 0;
    for (int v = 1; v < V; v++)
        mx = z[v] > mx ? z[v] : mx;
    for (int v = 0; v < V; v++)
        sum += exp((double)z[v] - mx);
    double lse = mx + log(sum);
    for (int v = 0; v < V; v++)
        lp[v] = (double)z[v] - lse;
}

typedef struct {
    const recur_seq2seq *s;
    model_work wd;
    int K;            /* decoder rows */
    long nstate;      /* L·K·DH */
    real *mem;
    real *h, *c, *h2, *c2; /* [L][K][DH], in mem */
    double *lp;       /* [K][V] */
    int n;            /* source steps */
    real *memory;     /* attention: the encoder's top outputs [n][K][DH] */
    int32_t *src_len; /* [K], all n */
    attn_work wa;
} decoder_run;

static void decoder_run_free(decoder_run *r)
{
    recur__model_work_free(&r->wd);
    recur__attn_work_free(&r->wa);
    free(r->mem);
    free(r->lp);
    free(r->memory);
    free(r->src_len);
}

/* Encode the source (n steps of in) and set up K decoder rows, all starting
 * from its final state. */
static int decoder_run_init(decoder_run *r, const recur_seq2seq *s, model_input in,
                            int n, int K)
{
    memset(r, 0, sizeof *r);
    r->s = s;
    r->K = K;
    const recur_model *enc = s->enc, *dec = s->dec;
    int L = enc->cfg.layers, D = enc->dirs, H = enc->cfg.hidden, DH = D * H;
    int V = s->cfg.tgt_vocab;
    r->nstate = (long)L * K * DH;
    r->mem = r->h = calloc((size_t)r->nstate * 4, sizeof *r->h);
    r->lp = malloc((size_t)K * V * sizeof *r->lp);
    if (!r->mem || !r->lp) {
        decoder_run_free(r);
        return recur__fail(RECUR_E_NOMEM, "out of memory for decoding");
    }
    r->c = r->h + r->nstate;
    r->h2 = r->c + r->nstate;
    r->c2 = r->h2 + r->nstate;
    model_work we;
    int rc = recur__model_work_alloc(enc, n, 1, &we);
    if (!rc)
        rc = recur__model_work_alloc(dec, 1, K, &r->wd);
    if (rc) {
        recur__model_work_free(&we);
        decoder_run_free(r);
        return rc;
    }
    recur__model_forward(enc, &we, n, 1, in, NULL, NULL, NULL);
    r->n = n;
    if (s->att.kind != RECUR_ATTN_NONE) {
        r->memory = malloc((size_t)n * K * DH * sizeof *r->memory);
        r->src_len = malloc((size_t)K * sizeof *r->src_len);
        rc = r->memory && r->src_len ? recur__attn_work_alloc(&s->att, n, 1, K, &r->wa)
                                     : recur__fail(RECUR_E_NOMEM, "out of memory for decoding");
        if (rc) {
            recur__model_work_free(&we);
            decoder_run_free(r);
            return rc;
        }
        for (int t = 0; t < n; t++)
            for (int k = 0; k < K; k++)
                memcpy(r->memory + ((long)t * K + k) * DH, we.y[L - 1] + (long)t * DH,
                       (size_t)DH * sizeof(real));
        for (int k = 0; k < K; k++)
            r->src_len[k] = n;
        recur__attn_keys(&s->att, &r->wa, r->memory, (long)n * K);
    }
    real *h1 = r->h2, *c1 = r->c2; /* [L][1][DH], scratch */
    bridge(we.hn, h1, L, D, 1, H, 0);
    if (enc->cfg.cell == RECUR_LSTM)
        bridge(we.cn, c1, L, D, 1, H, 0);
    for (int l = 0; l < L; l++)
        for (int k = 0; k < K; k++) {
            memcpy(r->h + ((long)l * K + k) * DH, h1 + (long)l * DH,
                   (size_t)DH * sizeof(real));
            memcpy(r->c + ((long)l * K + k) * DH, c1 + (long)l * DH,
                   (size_t)DH * sizeof(real));
        }
    recur__model_work_free(&we);
    return RECUR_OK;
}

/* One decoder step for rows 0..B-1 reading tokens[B]: log-probabilities in
 * r->lp, the new states in r->wd.hn / cn ([L][B][DH]). */
static void decoder_step(decoder_run *r, const int32_t *tokens, int B)
{
    const recur_model *dec = r->s->dec;
    int L = dec->cfg.layers, DH = dec->cfg.hidden, V = r->s->cfg.tgt_vocab;
    /* h, c are laid out [L][K][DH]; the forward pass wants [L][B][DH]. */
    if (B < r->K)
        for (int l = 1; l < L; l++) {
            memmove(r->h + (long)l * B * DH, r->h + (long)l * r->K * DH,
                    (size_t)B * DH * sizeof(real));
            memmove(r->c + (long)l * B * DH, r->c + (long)l * r->K * DH,
                    (size_t)B * DH * sizeof(real));
        }
    model_input in = {.tokens = tokens};
    recur__model_forward(dec, &r->wd, 1, B, in, r->h, dec->cfg.cell == RECUR_LSTM ? r->c : NULL,
                  NULL);
    const real *logits = r->wd.logits;
    const s2s_attention *att = &r->s->att;
    if (att->kind != RECUR_ATTN_NONE) {
        recur__attn_forward(att, &r->wa, r->memory, r->K, r->src_len, r->n, r->wd.y[L - 1], 1,
                            B);
        logits = r->wa.logits;
    }
    for (int b = 0; b < B; b++)
        log_softmax(logits + (long)b * V, V, r->lp + (long)b * V);
}

/* Row b of the step's new state into row k of (h, c) ([L][K][DH]). */
static void take_state(decoder_run *r, int B, int b, real *h, real *c, int k)
{
    const recur_model *dec = r->s->dec;
    int L = dec->cfg.layers, DH = dec->cfg.hidden;
    for (int l = 0; l < L; l++) {
        memcpy(h + ((long)l * r->K + k) * DH, r->wd.hn + ((long)l * B + b) * DH,
               (size_t)DH * sizeof(real));
        memcpy(c + ((long)l * r->K + k) * DH, r->wd.cn + ((long)l * B + b) * DH,
               (size_t)DH * sizeof(real));
    }
}

static int pick_token(const double *lp, int V, const recur_seq2seq_decode_config *dc,
                      rng *g)
{
    if (!dc->sample) {
        int best = 0;
        for (int v = 1; v < V; v++)
            if (lp[v] > lp[best])
                best = v;
        return best;
    }
    /* softmax(logits / T) = softmax(lp / T) */
    double mx = lp[0], sum = 0;
    for (int v = 1; v < V; v++)
        mx = lp[v] > mx ? lp[v] : mx;
    for (int v = 0; v < V; v++)
        sum += exp((lp[v] - mx) / dc->temperature);
    double u = recur__rng_uniform(g) * sum, acc = 0;
    for (int v = 0; v < V; v++) {
        acc += exp((lp[v] - mx) / dc->temperature);
        if (u < acc)
            return v;
    }
    return V - 1;
}

/* Greedy decoding or sampling: one row. */
static int decode_single(decoder_run *r, const recur_seq2seq_decode_config *dc,
                         int32_t *out, int *out_len, double *score)
{
    const recur_seq2seq_config *c = &r->s->cfg;
    int V = c->tgt_vocab, len = 0;
    double total = 0;
    rng g;
    recur__rng_seed(&g, dc->seed);
    int32_t tok = c->bos;
    while (len < dc->max_len) {
        decoder_step(r, &tok, 1);
        int v = pick_token(r->lp, V, dc, &g);
        total += r->lp[v];
        if (v == c->eos)
            break;
        out[len++] = tok = v;
        take_state(r, 1, 0, r->h, r->c, 0);
    }
    *out_len = len;
    if (score)
        *score = total;
    return RECUR_OK;
}

typedef struct {
    double score; /* summed log-probability */
    int parent, token;
} candidate;

/* Beam search of width K: every live hypothesis is extended by every token;
 * the K best extensions (by summed log-probability) are kept, those ending
 * in eos set aside as finished. It stops when K hypotheses have finished or
 * the live ones reach max_len (they then finish without eos). The result
 * is the finished hypothesis with the best score per token (eos counted). */
static int beam_search(decoder_run *r, const recur_seq2seq_decode_config *dc,
                       int32_t *out, int *out_len, double *score)
{
    const recur_seq2seq_config *c = &r->s->cfg;
    int K = r->K, V = c->tgt_vocab, M = dc->max_len;
    int32_t *seq = malloc((size_t)K * (M + 1) * 2 * sizeof *seq);
    int32_t *tokens = malloc((size_t)K * sizeof *tokens);
    double *live = malloc((size_t)K * sizeof *live);
    candidate *best = malloc((size_t)K * sizeof *best);
    if (!seq || !tokens || !live || !best) {
        free(seq);
        free(tokens);
        free(live);
        free(best);
        return recur__fail(RECUR_E_NOMEM, "out of memory for beam search");
    }
    int32_t *seq2 = seq + (long)K * (M + 1);
    int nlive = 1, nfinished = 0, len = 0;
    double best_norm = -INFINITY, best_score = 0;
    int best_len = 0;
    live[0] = 0;
    tokens[0] = c->bos;
    while (nlive > 0 && len < M && nfinished < K) {
        decoder_step(r, tokens, nlive);
        /* The K best of nlive × V extensions, ties to the earlier one. */
        int nb = 0;
        for (int i = 0; i < nlive; i++)
            for (int v = 0; v < V; v++) {
                double sc = live[i] + r->lp[(long)i * V + v];
                if (nb == K && sc <= best[K - 1].score)
                    continue;
                int j = nb < K ? nb++ : K - 1;
                while (j > 0 && best[j - 1].score < sc) {
                    best[j] = best[j - 1];
                    j--;
                }
                best[j] = (candidate){sc, i, v};
            }
        int nnew = 0;
        for (int j = 0; j < nb; j++) {
            const candidate *cd = &best[j];
            const int32_t *ps = seq + (long)cd->parent * (M + 1);
            if (cd->token == c->eos) {
                double norm = cd->score / pow(len + 1, dc->length_penalty);
                if (norm > best_norm) {
                    best_norm = norm;
                    best_score = cd->score;
                    best_len = len;
                    memcpy(out, ps, (size_t)len * sizeof *out);
                }
                nfinished++;
                continue;
            }
            int32_t *ns = seq2 + (long)nnew * (M + 1);
            memcpy(ns, ps, (size_t)len * sizeof *ns);
            ns[len] = cd->token;
            live[nnew] = cd->score;
            take_state(r, nlive, cd->parent, r->h2, r->c2, nnew);
            nnew++;
        }
        for (int k = 0; k < nnew; k++)
            tokens[k] = seq2[(long)k * (M + 1) + len];
        int32_t *t = seq;
        seq = seq2;
        seq2 = t;
        real *th = r->h, *tc = r->c;
        r->h = r->h2, r->c = r->c2;
        r->h2 = th, r->c2 = tc;
        nlive = nnew;
        len++;
    }
    /* Hypotheses still open at max_len finish without eos. */
    for (int i = 0; nfinished < K && i < nlive; i++) {
        double norm = live[i] / pow(len > 0 ? len : 1, dc->length_penalty);
        if (norm > best_norm) {
            best_norm = norm;
            best_score = live[i];
            best_len = len;
            memcpy(out, seq + (long)i * (M + 1), (size_t)len * sizeof *out);
        }
    }
    *out_len = best_len;
    if (score)
        *score = best_score;
    /* seq may be either half of the allocation after the swaps. */
    free(seq < seq2 ? seq : seq2);
    free(tokens);
    free(live);
    free(best);
    return RECUR_OK;
}

static int decode_config_check(const recur_seq2seq_decode_config *dc)
{
    if (dc->beam < 0 || dc->beam > 1000 || dc->max_len < 0 || dc->max_len > 100000)
        return recur__fail(RECUR_E_INVALID, "decode: beam %d or max_len %d out of "
                          "range", dc->beam, dc->max_len);
    if (!(dc->length_penalty >= 0 && dc->length_penalty <= 10))
        return recur__fail(RECUR_E_INVALID, "decode: length penalty must be in 0..10");
    if (dc->sample && !(dc->temperature > 0))
        return recur__fail(RECUR_E_INVALID, "decode: temperature must be > 0");
    return RECUR_OK;
}

/* Encode n steps of in, then decode as dc says. */
static int decode_source(const recur_seq2seq *s, model_input in, int n,
                         const recur_seq2seq_decode_config *dc, int32_t *out,
                         int *out_len, double *score)
{
    int rc, K = dc->sample || dc->beam == 0 ? 1 : dc->beam;
    decoder_run r;
    if ((rc = decoder_run_init(&r, s, in, n, K)))
        return rc;
    if (dc->sample || dc->beam == 0)
        rc = decode_single(&r, dc, out, out_len, score);
    else
        rc = beam_search(&r, dc, out, out_len, score);
    decoder_run_free(&r);
    return rc;
}

int recur_seq2seq_decode(const recur_seq2seq *s, const int32_t *src, int n,
                         const recur_seq2seq_decode_config *dc, int32_t *out,
                         int *out_len, double *score)
{
    if (!s || !src || !dc || !out || !out_len)
        return recur__fail(RECUR_E_INVALID, "decode: missing argument");
    *out_len = 0;
    if (s->cfg.src_features > 0)
        return recur__fail(RECUR_E_INVALID, "decode: the model reads feature vectors, "
                          "not tokens (recur_seq2seq_decode_features)");
    if (n < 1 || n > 100000)
        return recur__fail(RECUR_E_INVALID, "decode: the source has %d tokens "
                          "(1..100000)", n);
    int rc = decode_config_check(dc);
    if (!rc)
        rc = recur__model_check_tokens(s->enc, src, n, RECUR_E_MISMATCH);
    if (rc)
        return rc;
    return decode_source(s, (model_input){.tokens = src}, n, dc, out, out_len, score);
}

int recur_seq2seq_decode_features(const recur_seq2seq *s, const float *x,
                                  const recur_seq2seq_decode_config *dc, int32_t *out,
                                  int *out_len, double *score)
{
    if (!s || !x || !dc || !out || !out_len)
        return recur__fail(RECUR_E_INVALID, "decode: missing argument");
    *out_len = 0;
    int P = s->cfg.src_features;
    if (P < 1)
        return recur__fail(RECUR_E_INVALID, "decode: the model reads tokens, not "
                          "feature vectors (recur_seq2seq_decode)");
    int rc = decode_config_check(dc);
    if (rc)
        return rc;
    real *v = malloc((size_t)P * sizeof *v);
    if (!v)
        return recur__fail(RECUR_E_NOMEM, "out of memory for decoding");
    for (int j = 0; j < P && !rc; j++)
        if (!isfinite(x[j]))
            rc = recur__fail(RECUR_E_INVALID, "decode: source feature %d is not finite",
                            j + 1);
        else
            v[j] = (real)x[j];
    if (!rc)
        rc = decode_source(s, (model_input){.x = v}, 1, dc, out, out_len, score);
    free(v);
    return rc;
}

int recur_seq2seq_attention_weights(const recur_seq2seq *s, const int32_t *src, int n,
                                    const int32_t *tgt, int m, float *weights)
{
    if (!s || !src || (m > 0 && !tgt) || !weights || m < 0)
        return recur__fail(RECUR_E_INVALID, "attention_weights: missing argument");
    if (s->att.kind == RECUR_ATTN_NONE)
        return recur__fail(RECUR_E_INVALID, "the model has no attention");
    long so[2] = {0, n}, to[2] = {0, m}, idx = 0;
    recur_seq2seq_data d = {1, so, src, to, tgt, NULL};
    int rc = recur_seq2seq_data_check(s, &d);
    if (rc)
        return rc;
    s2s_batch b;
    if ((rc = recur__s2s_batch_alloc(s, n, m + 1, 1, &b)))
        return rc;
    recur__s2s_batch_pack(&b, s, &d, &idx, 1);
    long counted, correct;
    /* The forward pass reads the model only. */
    recur__s2s_forward_backward((recur_seq2seq *)s, &b, NULL, 0, &counted, &correct);
    for (long i = 0; i < (long)(m + 1) * n; i++)
        weights[i] = (float)b.wa.a[i];
    recur__s2s_batch_free(&b);
    return RECUR_OK;
}
