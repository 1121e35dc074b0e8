/* tagger.c - running a tagger (a model over a lexicon's ids, or the
 * most-frequent-tag baseline) over sentences, and its token and
 * unknown-word accuracy (include/recur/tag.h). The logits are computed a
 * chunk of sentences at a time, so that a held-out set of 100,000 words and
 * 472 tags needs 1 MB per chunk instead of 200 MB at once. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/lexicon.h"
#include "recur.h"

/* Arg-max of each of rows rows of logits[rows][O]. */
static void argmax_rows(const float *logits, long rows, int O, int32_t *out)
{
    for (long r = 0; r < rows; r++) {
        const float *y = logits + r * O;
        int b = 0;
        for (int k = 1; k < O; k++)
            if (y[k] > y[b])
                b = k;
        out[r] = b;
    }
}

/* The model's tags of ds's steps into tags, a chunk of sentences at a time
 * so that the logits stay small. */
static int model_tags(const recur_model *m, const recur_dataset *ds, int B, int32_t *tags)
{
    enum { CHUNK = 512 };
    int O = recur_model_get_config(m)->output_size;
    long maxsteps = 0;
    for (long s = 0; s < ds->count; s += CHUNK) {
        long e = s + CHUNK < ds->count ? s + CHUNK : ds->count;
        if (ds->offsets[e] - ds->offsets[s] > maxsteps)
            maxsteps = ds->offsets[e] - ds->offsets[s];
    }
    float *logits = malloc((size_t)maxsteps * (size_t)O * sizeof *logits);
    long *off = malloc((CHUNK + 1) * sizeof *off);
    int32_t *lab = malloc((size_t)maxsteps * sizeof *lab);
    int rc = RECUR_OK;
    if (!logits || !off || !lab)
        rc = recur__fail(RECUR_E_NOMEM, "out of memory for the tagger's outputs");
    for (long s = 0; !rc && s < ds->count; s += CHUNK) {
        long e = s + CHUNK < ds->count ? s + CHUNK : ds->count, base = ds->offsets[s];
        for (long i = s; i <= e; i++)
            off[i - s] = ds->offsets[i] - base;
        for (long i = 0; i < off[e - s]; i++) /* the model's check wants in-range labels */
            lab[i] = -1;
        recur_dataset part = {.count = e - s, .offsets = off, .tokens = ds->tokens + base,
                              .labels = lab};
        rc = recur_predict_dataset(m, &part, B, 0, logits);
        if (!rc)
            argmax_rows(logits, off[e - s], O, tags + base);
    }
    free(logits);
    free(off);
    free(lab);
    return rc;
}

int recur_tagger_run(const recur_model *m, const int32_t *best, const recur_lexicon *lx,
                     const recur_conll *c, const long *idx, long n, int B, int32_t *tags,
                     recur_tag_score *score)
{
    if (score)
        memset(score, 0, sizeof *score);
    if (!m && !best)
        return recur__fail(RECUR_E_INVALID, "recur_tagger_run needs a model or a baseline");
    if (!lx || !c)
        return recur__fail(RECUR_E_INVALID, "recur_tagger_run needs a lexicon and "
                          "sentences");
    if (m) {
        int rc = recur__lexicon_check_model(m, lx);
        if (rc)
            return rc;
    }
    const char *const *ct;
    if (score && (!recur_conll_sentence(c, 0, NULL, &ct) || !ct))
        return recur__fail(RECUR_E_INVALID, "scoring needs tagged sentences");
    recur_dataset ds;
    int rc = recur_lexicon_dataset(lx, c, idx, n, 0, &ds, NULL);
    if (rc)
        return rc;
    long steps = ds.offsets[n];
    int nsig = recur_lexicon_signature_count(lx);
    int32_t *out = tags ? tags : malloc((size_t)steps * sizeof *out);
    if (!out)
        rc = recur__fail(RECUR_E_NOMEM, "out of memory");
    else if (m)
        rc = model_tags(m, &ds, B > 0 ? B : 32, out);
    else
        for (long i = 0; i < steps; i++)
            out[i] = best[ds.tokens[i]];
    if (!rc && score)
        for (long i = 0; i < steps; i++) {
            int unknown = ds.tokens[i] < nsig, right = out[i] == ds.labels[i];
            score->words++;
            score->correct += right;
            score->unknown += unknown;
            score->unknown_correct += unknown && right;
            score->unseen_tags += ds.labels[i] < 0;
        }
    if (out != tags)
        free(out);
    recur_lexicon_dataset_free(&ds);
    return rc;
}
