/* test_attention.c - parity of the seq2seq attention head (src/seq2seq/
 * attention.c) with the same equations written in PyTorch
 * (tools/gen_attention_reference.py, vectors in tests/ref/attention_*):
 * logits, attention weights, loss and every gradient (the encoder outputs,
 * the decoder states and each weight) within 1e-5·(1 + |reference|), for the
 * dot, general and additive scores on a batch with padded sources and
 * unscored target rows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/safetensors.h"
#include "nn/loss.h"
#include "nn/model_io.h"
#include "seq2seq/attention.h"
#include "testlib.h"

#ifndef REF_DIR
#define REF_DIR "tests/ref"
#endif
#define TOL 1e-5

/* Tensor name of f as n reals into a fresh array. */
static double *get(const st_file *f, const char *name, long n)
{
    const st_tensor *t = recur__st_find(f, name);
    CHECK_MSG(t && (long)t->numel == n, "tensor %s missing or not %ld long", name, n);
    if (!t || (long)t->numel != n)
        return NULL;
    real *r = malloc((size_t)n * sizeof *r);
    double *d = malloc((size_t)n * sizeof *d);
    CHECK(recur__st_read_real(t, r, n) == RECUR_OK);
    for (long i = 0; i < n; i++)
        d[i] = r[i];
    free(r);
    return d;
}

/* Worst |got − want| / (1 + |want|) over n values (got in real). */
static double compare(const char *what, const real *got, const double *want, long n)
{
    double worst = 0;
    for (long i = 0; want && i < n; i++) {
        double e = fabs((double)got[i] - want[i]) / (1 + fabs(want[i]));
        worst = e > worst ? e : worst;
    }
    CHECK_MSG(want && worst <= TOL, "%s: off by %.3g (relative)", what, worst);
    return worst;
}

static void run_kind(const char *kind)
{
    char path[256];
    snprintf(path, sizeof path, "%s/attention_%s.safetensors", REF_DIR, kind);
    st_file *f = NULL;
    CHECK_MSG(recur__st_read(path, &f) == RECUR_OK, "%s: %s", path, recur_last_error());
    if (!f)
        return;
    long Ts, Tt, B, M, V;
    CHECK(!recur__parse_long(recur__st_meta(f, "Ts"), 1, 100, &Ts));
    CHECK(!recur__parse_long(recur__st_meta(f, "Tt"), 1, 100, &Tt));
    CHECK(!recur__parse_long(recur__st_meta(f, "B"), 1, 100, &B));
    CHECK(!recur__parse_long(recur__st_meta(f, "M"), 1, 100, &M));
    CHECK(!recur__parse_long(recur__st_meta(f, "V"), 1, 100, &V));
    recur_attention k = RECUR_ATTN_NONE;
    CHECK(recur_attention_parse(kind, &k) == RECUR_OK);
    s2s_attention a;
    attn_work w;
    CHECK(recur__attn_alloc(&a, k, (int)M, (int)V) == RECUR_OK);
    CHECK(recur__attn_work_alloc(&a, (int)Ts, (int)Tt, (int)B, &w) == RECUR_OK);
    long ne = Ts * B * M, nh = Tt * B * M, nl = Tt * B;
    double *e_d = get(f, "e", ne), *h_d = get(f, "h", nh), *len_d = get(f, "src_len", B);
    double *lab_d = get(f, "labels", nl);
    real *e = malloc((size_t)ne * sizeof *e), *h = malloc((size_t)nh * sizeof *h);
    int32_t *src_len = malloc((size_t)B * sizeof *src_len);
    int32_t *labels = malloc((size_t)nl * sizeof *labels);
    for (long i = 0; e_d && i < ne; i++)
        e[i] = (real)e_d[i];
    for (long i = 0; h_d && i < nh; i++)
        h[i] = (real)h_d[i];
    for (long i = 0; len_d && i < B; i++)
        src_len[i] = (int32_t)len_d[i];
    for (long i = 0; lab_d && i < nl; i++)
        labels[i] = (int32_t)lab_d[i];
    for (int i = 0; i < a.ntensors; i++) {
        double *v = get(f, a.t[i].name, a.t[i].n);
        for (long j = 0; v && j < a.t[i].n; j++)
            a.t[i].p[j] = (real)v[j];
        free(v);
    }
    recur__attn_keys(&a, &w, e, Ts * B);
    recur__attn_forward(&a, &w, e, (int)B, src_len, (int)Ts, h, (int)Tt, (int)B);
    double *want = get(f, "logits", nl * V);
    double worst = compare("logits", w.logits, want, nl * V);
    free(want);
    want = get(f, "weights", B * Tt * Ts);
    double wa = compare("weights", w.a, want, B * Tt * Ts);
    worst = wa > worst ? wa : worst;
    free(want);
    long counted = 0, correct;
    for (long i = 0; i < nl; i++)
        counted += labels[i] >= 0;
    double loss = recur__loss_softmax_xent(w.logits, labels, nl, (int)V, w.dlogits,
                                           (real)(1.0 / (double)counted), &counted,
                                           &correct) / (double)counted;
    want = get(f, "loss", 1);
    CHECK_MSG(want && fabs(loss - want[0]) <= TOL * (1 + fabs(want[0])),
              "loss %.9g, reference %.9g", loss, want ? want[0] : 0);
    free(want);
    recur__attn_backward(&a, &w, e, src_len, (int)Ts, h, (int)Tt, (int)B);
    want = get(f, "grad.e", ne);
    wa = compare("grad.e", w.de, want, ne);
    worst = wa > worst ? wa : worst;
    free(want);
    want = get(f, "grad.h", nh);
    wa = compare("grad.h", w.dh, want, nh);
    worst = wa > worst ? wa : worst;
    free(want);
    for (int i = 0; i < a.ntensors; i++) {
        char name[64];
        snprintf(name, sizeof name, "grad.%s", a.t[i].name);
        want = get(f, name, a.t[i].n);
        wa = compare(name, a.t[i].g, want, a.t[i].n);
        worst = wa > worst ? wa : worst;
        free(want);
    }
    fprintf(stderr, "  %-8s worst relative difference %.2e\n", kind, worst);
    free(e_d), free(h_d), free(len_d), free(lab_d);
    free(e), free(h), free(src_len), free(labels);
    recur__attn_work_free(&w);
    recur__attn_free(&a);
    recur__st_free(f);
}

static void dot(void) { run_kind("dot"); }
static void general(void) { run_kind("general"); }
static void additive(void) { run_kind("additive"); }

/* Names round-trip; unknown names are refused. */
static void names(void)
{
    for (int k = RECUR_ATTN_NONE; k <= RECUR_ATTN_ADDITIVE; k++) {
        recur_attention got = (recur_attention)-1;
        CHECK(recur_attention_parse(recur_attention_name((recur_attention)k), &got) ==
              RECUR_OK);
        CHECK(got == (recur_attention)k);
    }
    CHECK(recur_attention_parse("luong", NULL) == RECUR_E_INVALID);
    CHECK(recur_attention_parse(NULL, NULL) == RECUR_E_INVALID);
    CHECK(recur_attention_name((recur_attention)7) == NULL);
}

TEST_MAIN("test_attention", TL_CASE(dot), TL_CASE(general), TL_CASE(additive),
          TL_CASE(names))
