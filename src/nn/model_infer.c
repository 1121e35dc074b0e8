/* model_infer.c - reading a plain safetensors file, one written by another
 * tool from a PyTorch state_dict without recur's __metadata__: the
 * architecture is inferred from the tensor names and shapes.
 *
 *   recurrent layers  one module prefix P ("rnn.", "lstm.", "encoder.gru.",
 *                     or none) holding P weight_ih_l{k}[_reverse],
 *                     weight_hh_l{k}..., and either every bias_ih/bias_hh or
 *                     none (bias=False: zeros, which is exact);
 *                     cell from the gate multiple of weight_hh_l0's rows
 *                     (1 RNN, 3 GRU, 4 LSTM); RNN is tanh unless the metadata
 *                     says cell = rnn_relu or nonlinearity = relu;
 *                     layers and bidirectional from the names; an LSTM
 *                     with weight_hr_l{k}[_reverse] [P, H] in every layer
 *                     and direction has a projection (proj_size P, its
 *                     weight_hh [4H, P]);
 *   Linear            optional, a group Q "weight" [outputs, D*H] (D*P
 *                     with a projection) and
 *                     optional "bias"; without one the model is an encoder
 *                     (output_size 0: its outputs are the top layer's states,
 *                     as a bare nn.RNN/LSTM/GRU's);
 *   Embedding         optional, a group E with only "weight" [V, input width].
 * Where a weight fits both roles a name containing "emb" decides; anything
 * still ambiguous, or any other tensor, is an error. Only shapes needed to derive the configuration are read here; the
 * loader then checks every tensor against the plan before allocating. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "io/json.h"
#include "nn/model_io.h"

#define MAX_PREFIX 200

/* The file's name for recur tensor `name` into buf (cap >= MAX_PREFIX + 40).
 * Returns 1 if the file holds it, 0 if it is absent and stays zero. */
int recur__tensor_map_name(const tensor_map *tm, const char *name, char *buf, size_t cap)
{
    const char *prefix, *rest;
    size_t len;
    int present = 1;
    if (strncmp(name, "embedding.", 10) == 0) {
        prefix = tm->emb, len = tm->emb_len, rest = name + 10;
    } else if (strncmp(name, "fc.", 3) == 0) {
        prefix = tm->fc, len = tm->fc_len, rest = name + 3;
        present = tm->fc_bias || strcmp(rest, "bias") != 0;
    } else {
        prefix = tm->rnn, len = tm->rnn_len, rest = name + 4; /* "rnn." */
        present = tm->rnn_bias || strncmp(rest, "bias_", 5) != 0;
    }
    snprintf(buf, cap, "%.*s%s", (int)len, prefix, rest);
    return present;
}

void recur__tensor_map_recur(tensor_map *tm)
{
    recur__tensor_map_recur_prefixed(tm, "");
}

void recur__tensor_map_recur_prefixed(tensor_map *tm, const char *prefix)
{
    static const char *const parts[3] = {"rnn.", "fc.", "embedding."};
    memset(tm, 0, sizeof *tm);
    for (int i = 0; i < 3; i++)
        snprintf(tm->own[i], sizeof tm->own[i], "%.60s%s", prefix, parts[i]);
    tm->rnn = tm->own[0], tm->rnn_len = strlen(tm->own[0]);
    tm->fc = tm->own[1], tm->fc_len = strlen(tm->own[1]);
    tm->emb = tm->own[2], tm->emb_len = strlen(tm->own[2]);
    tm->rnn_bias = tm->fc_bias = 1;
}


/* "weight_ih_l3_reverse" → kind 0..4 (weight_ih, weight_hh, bias_ih,
 * bias_hh, weight_hr), layer 3, dir 1. Returns 1 for such a name, 0
 * otherwise; -1 for a layer number past what recur holds. */
enum { KINDS = 5, KIND_HR = 4 };
static int parse_recurrent(const char *attr, int *kind, int *layer, int *dir)
{
    static const char *const kinds[KINDS] = {"weight_ih_l", "weight_hh_l", "bias_ih_l",
                                             "bias_hh_l", "weight_hr_l"};
    for (int k = 0; k < KINDS; k++) {
        size_t n = strlen(kinds[k]);
        if (strncmp(attr, kinds[k], n) != 0)
            continue;
        const char *p = attr + n;
        long l = 0;
        int digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 6)
            l = l * 10 + (*p++ - '0'), digits++;
        if (!digits || (digits > 1 && attr[n] == '0'))
            return 0;
        if (*p && strcmp(p, "_reverse") != 0)
            return 0;
        *kind = k;
        *dir = *p != 0;
        *layer = (int)l;
        return l < MODEL_MAX_LAYERS ? 1 : -1;
    }
    return 0;
}

typedef struct {
    const char *prefix; /* into a tensor name; ends in '.' unless empty */
    size_t len;
    const st_tensor *weight, *bias;
} group;

static int same_prefix(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && strncmp(a, b, alen) == 0;
}

static int is_linear(const group *g, int64_t width)
{
    const st_tensor *w = g->weight, *b = g->bias;
    return w && w->ndim == 2 && w->shape[1] == width && w->shape[0] >= 1 &&
           w->shape[0] <= RECUR_MAX_WIDTH &&
           (!b || (b->ndim == 1 && b->shape[0] == w->shape[0]));
}

static int is_embedding(const group *g, int64_t width)
{
    const st_tensor *w = g->weight;
    return w && !g->bias && w->ndim == 2 && w->shape[1] == width &&
           w->shape[0] >= 1 && w->shape[0] <= RECUR_MAX_VOCAB;
}

static int names_embedding(const group *g)
{
    for (size_t i = 0; i + 3 <= g->len; i++)
        if (strncmp(g->prefix + i, "emb", 3) == 0)
            return 1;
    return 0;
}

static const char *shape_str(const st_tensor *t, char *buf, size_t cap)
{
    size_t o = (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < t->ndim && o < cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, "%s%lld", i ? ", " : "",
                              (long long)t->shape[i]);
    if (o < cap)
        snprintf(buf + o, cap - o, "]");
    return buf;
}

/* RNN, GRU or LSTM from the gate multiple and the metadata's hint. */
static int infer_cell(const st_file *f, const char *label, int gates, recur_cell *out)
{
    const char *hint = recur__st_meta(f, "cell"), *nl = recur__st_meta(f, "nonlinearity");
    int relu = nl && strcmp(nl, "relu") == 0;
    if (nl && !relu && strcmp(nl, "tanh") != 0)
        return recur__fail(RECUR_E_FORMAT, "%s: metadata 'nonlinearity' = \"%s\" is "
                          "neither tanh nor relu", label, recur__json_quote(nl).s);
    if (hint && recur_cell_parse(hint) < 0)
        return recur__fail(RECUR_E_FORMAT, "%s: metadata 'cell' = \"%s\" is not "
                          "recognised", label, recur__json_quote(hint).s);
    recur_cell c = gates == 4 ? RECUR_LSTM : gates == 3 ? RECUR_GRU
                 : relu || (hint && recur_cell_parse(hint) == RECUR_RNN_RELU)
                     ? RECUR_RNN_RELU : RECUR_RNN_TANH;
    if (hint && (recur_cell_parse(hint) == RECUR_LSTM) != (gates == 4))
        return recur__fail(RECUR_E_MISMATCH, "%s: metadata says cell '%s' but the "
                          "tensors have %d gate(s)", label, recur__json_quote(hint).s, gates);
    if (hint && (recur_cell_parse(hint) == RECUR_GRU) != (gates == 3))
        return recur__fail(RECUR_E_MISMATCH, "%s: metadata says cell '%s' but the "
                          "tensors have %d gate(s)", label, recur__json_quote(hint).s, gates);
    if (gates != 1 && relu)
        return recur__fail(RECUR_E_MISMATCH, "%s: metadata asks for relu but the "
                          "tensors are a %s", label, recur_cell_name(c));
    *out = c;
    return RECUR_OK;
}

int recur__model_infer_plain(const st_file *f, const char *label, recur_config *c,
                      tensor_map *tm)
{
    /* have[layer][dir][kind] */
    const st_tensor *have[MODEL_MAX_LAYERS][2][KINDS];
    memset(have, 0, sizeof have);
    const char *rp = NULL;
    size_t rlen = 0;
    group groups[2];
    int ngroups = 0, layers = 0, dirs = 1, nbias = 0, nproj = 0;
    memset(groups, 0, sizeof groups);
    for (size_t i = 0; i < recur__st_count(f); i++) {
        const st_tensor *t = recur__st_at(f, i);
        const char *dot = strrchr(t->name, '.');
        const char *attr = dot ? dot + 1 : t->name;
        size_t plen = (size_t)(attr - t->name);
        if (plen > MAX_PREFIX)
            return recur__fail(RECUR_E_LIMIT, "%s: tensor name '%s' is too long", label,
                              recur__json_quote(t->name).s);
        int kind, layer, dir;
        int r = parse_recurrent(attr, &kind, &layer, &dir);
        if (r < 0)
            return recur__fail(RECUR_E_LIMIT, "%s: tensor '%s': recur holds at most %d "
                              "layers", label, recur__json_quote(t->name).s, MODEL_MAX_LAYERS);
        if (r > 0) {
            if (rp && !same_prefix(rp, rlen, t->name, plen))
                return recur__fail(RECUR_E_MISMATCH, "%s: recurrent tensors of two "
                                  "modules ('%.*s' and '%s'): recur holds one "
                                  "recurrent stack", label, (int)rlen, rp,
                                  recur__json_quote(t->name).s);
            rp = t->name, rlen = plen;
            have[layer][dir][kind] = t;
            layers = layer + 1 > layers ? layer + 1 : layers;
            dirs = dir ? 2 : dirs;
            nbias += kind == 2 || kind == 3;
            nproj += kind == KIND_HR;
            continue;
        }
        int is_w = strcmp(attr, "weight") == 0, is_b = strcmp(attr, "bias") == 0;
        if (!is_w && !is_b)
            return recur__fail(RECUR_E_MISMATCH, "%s: unexpected tensor '%s' (neither "
                              "an RNN/LSTM/GRU, Embedding nor Linear parameter)",
                              label, recur__json_quote(t->name).s);
        int g = 0;
        while (g < ngroups && !same_prefix(groups[g].prefix, groups[g].len, t->name, plen))
            g++;
        if (g == 2)
            return recur__fail(RECUR_E_MISMATCH, "%s: unexpected tensor '%s': a plain "
                              "file may hold one Embedding and one Linear besides "
                              "the recurrent layers", label, recur__json_quote(t->name).s);
        if (g == ngroups)
            groups[ngroups++] = (group){t->name, plen, NULL, NULL};
        if (is_w)
            groups[g].weight = t;
        else
            groups[g].bias = t;
    }
    if (!rp)
        return recur__fail(RECUR_E_FORMAT, "%s: neither a recur model (no "
                          "architecture in the metadata) nor a PyTorch RNN/LSTM/GRU "
                          "state_dict (no 'weight_ih_l0' tensor)", label);
    /* Every layer and direction complete; biases everywhere or nowhere. */
    static const char *const kind_names[KINDS] = {"weight_ih", "weight_hh", "bias_ih",
                                                  "bias_hh", "weight_hr"};
    int with_bias = nbias > 0, with_proj = nproj > 0;
    for (int l = 0; l < layers; l++)
        for (int d = 0; d < dirs; d++)
            for (int k = 0; k < KINDS; k++)
                if (!have[l][d][k] && (k < 2 || (k < 4 && with_bias) ||
                                       (k == KIND_HR && with_proj)))
                    return recur__fail(RECUR_E_MISMATCH, "%s: missing tensor "
                                      "'%.*s%s_l%d%s'", label, (int)rlen, rp,
                                      kind_names[k], l, d ? "_reverse" : "");
    const st_tensor *hh = have[0][0][1], *ih = have[0][0][0], *hr = have[0][0][KIND_HR];
    char s1[64], s2[64];
    /* A projection: W_hr [P, H] gives both sizes; W_hh must be [4H, P]. */
    int64_t P = 0;
    if (hr && (hr->ndim != 2 || hr->shape[1] < 2 || hr->shape[1] > RECUR_MAX_WIDTH ||
               hr->shape[0] < 1 || hr->shape[0] >= hr->shape[1] || hh->ndim != 2 ||
               hh->shape[0] != 4 * hr->shape[1] || hh->shape[1] != hr->shape[0]))
        return recur__fail(RECUR_E_MISMATCH, "%s: tensors '%s' %s and '%s' %s are not "
                          "an LSTM projection [proj, hidden] (proj < hidden) and its "
                          "[4 x hidden, proj] recurrent weight", label,
                          recur__json_quote(hr->name).s, shape_str(hr, s1, sizeof s1),
                          recur__json_quote(hh->name).s, shape_str(hh, s2, sizeof s2));
    if (hr)
        P = hr->shape[0];
    if (!hr && (hh->ndim != 2 || hh->shape[1] < 1 || hh->shape[1] > RECUR_MAX_WIDTH ||
                hh->shape[0] % hh->shape[1] != 0))
        return recur__fail(RECUR_E_MISMATCH, "%s: tensor '%s' has shape %s, not "
                          "[gates x hidden, hidden]", label, recur__json_quote(hh->name).s,
                          shape_str(hh, s1, sizeof s1));
    int64_t H = hr ? hr->shape[1] : hh->shape[1], G = hh->shape[0] / H;
    if (G != 1 && G != 3 && G != 4)
        return recur__fail(RECUR_E_MISMATCH, "%s: tensor '%s' has shape %s: %lld "
                          "gates is none of RNN (1), GRU (3), LSTM (4)", label,
                          recur__json_quote(hh->name).s, shape_str(hh, s1, sizeof s1), (long long)G);
    if (ih->ndim != 2 || ih->shape[1] < 1 || ih->shape[1] > RECUR_MAX_WIDTH)
        return recur__fail(RECUR_E_MISMATCH, "%s: tensor '%s' has shape %s, not "
                          "[%lld, inputs]", label, recur__json_quote(ih->name).s,
                          shape_str(ih, s1, sizeof s1), (long long)(G * H));
    int64_t I0 = ih->shape[1], DH = (P ? P : H) * dirs; /* the Linear's width */
    for (int g = 0; g < ngroups; g++)
        if (!groups[g].weight)
            return recur__fail(RECUR_E_MISMATCH, "%s: tensor '%s' has no weight "
                              "beside it", label, recur__json_quote(groups[g].bias->name).s);
    const group *lin = NULL, *emb = NULL;
    int ok = 0;
    if (ngroups == 0) {
        ok = 1; /* an encoder: a bare recurrent module */
    } else if (ngroups == 1) {
        int l = is_linear(&groups[0], DH), e = is_embedding(&groups[0], I0);
        if (l && e) /* a bias-free [DH, DH] weight with DH == I0 */
            l = !names_embedding(&groups[0]), e = !l;
        if (l)
            lin = &groups[0];
        if (e)
            emb = &groups[0];
        ok = l || e;
    } else {
        int a = is_embedding(&groups[0], I0) && is_linear(&groups[1], DH);
        int b = is_embedding(&groups[1], I0) && is_linear(&groups[0], DH);
        if (a && b) { /* both shapes fit both roles: go by the names */
            a = names_embedding(&groups[0]) && !names_embedding(&groups[1]);
            b = names_embedding(&groups[1]) && !names_embedding(&groups[0]);
            if (!a && !b)
                return recur__fail(RECUR_E_MISMATCH, "%s: cannot tell the Embedding "
                                  "from the Linear among '%s' and '%s' (both are "
                                  "[%lld, %lld])", label, recur__json_quote(groups[0].weight->name).s,
                                  recur__json_quote(groups[1].weight->name).s, (long long)DH,
                                  (long long)DH);
        }
        if (a)
            emb = &groups[0], lin = &groups[1];
        else if (b)
            emb = &groups[1], lin = &groups[0];
        ok = a || b;
    }
    if (!ok) {
        if (ngroups == 1)
            return recur__fail(RECUR_E_MISMATCH, "%s: tensor '%s' has shape %s: neither "
                              "an output Linear [outputs, %lld] (with a bias of "
                              "[outputs], if any) nor an Embedding [ids, %lld]", label,
                              recur__json_quote(groups[0].weight->name).s,
                              shape_str(groups[0].weight, s1, sizeof s1), (long long)DH,
                              (long long)I0);
        return recur__fail(RECUR_E_MISMATCH, "%s: tensors '%s' %s and '%s' %s are not "
                          "an Embedding [ids, %lld] and a Linear [outputs, %lld]",
                          label, recur__json_quote(groups[0].weight->name).s,
                          shape_str(groups[0].weight, s1, sizeof s1),
                          recur__json_quote(groups[1].weight->name).s,
                          shape_str(groups[1].weight, s2, sizeof s2), (long long)I0,
                          (long long)DH);
    }
    recur_cell kind = RECUR_RNN_TANH;
    int rc = infer_cell(f, label, (int)G, &kind);
    if (rc)
        return rc;
    memset(c, 0, sizeof *c);
    c->cell = kind;
    c->input = emb ? RECUR_INPUT_EMBEDDING : RECUR_INPUT_DENSE;
    c->input_size = (int)(emb ? emb->weight->shape[0] : I0);
    c->embed_dim = emb ? (int)I0 : 0;
    c->hidden = (int)H;
    c->proj = (int)P;
    c->layers = layers;
    c->bidirectional = dirs == 2;
    c->output_size = lin ? (int)lin->weight->shape[0] : 0;
    c->readout = RECUR_READOUT_SEQUENCE;
    /* Logits either way; the loss only names what training would minimise. */
    c->loss = emb && lin ? RECUR_LOSS_XENT : RECUR_LOSS_MSE;
    const char *loss = recur__st_meta(f, "loss");
    if (loss && strcmp(loss, "xent") && strcmp(loss, "mse"))
        return recur__fail(RECUR_E_FORMAT, "%s: metadata 'loss' = \"%s\" is not "
                          "recognised", label, recur__json_quote(loss).s);
    if (loss)
        c->loss = strcmp(loss, "xent") == 0 ? RECUR_LOSS_XENT : RECUR_LOSS_MSE;

    memset(tm, 0, sizeof *tm);
    tm->rnn = rp, tm->rnn_len = rlen;
    if (lin)
        tm->fc = lin->prefix, tm->fc_len = lin->len;
    if (emb)
        tm->emb = emb->prefix, tm->emb_len = emb->len;
    tm->rnn_bias = with_bias;
    tm->fc_bias = lin && lin->bias;
    return RECUR_OK;
}
