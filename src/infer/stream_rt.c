/* stream_rt.c - what a real-time caller and a stream's keeper see around
 * the streaming step: the public recur_state_step (the int8 stream's
 * dispatch) and a state's bytes (recur_state_size / _save / _load, recur.h).
 *
 * Denormals: a stream that falls silent after a loud input decays its
 * states geometrically towards 0 and, on the way, through the denormal
 * range, where each multiply or add can take a slow path (microcode
 * assists on many x86 cores; bench/export_step.c times it, and
 * examples/microcontroller/README.md has the numbers). The kernels flush
 * every state they store to zero in software (recur__flush,
 * stream_kernel.h), as the generated C does, and the stream flushes its
 * inputs and packed weights, so a stream never computes on a denormal
 * state and the caller's floating-point mode is never touched. The step
 * used to set FTZ/DAZ in MXCSR around each call instead; reading MXCSR
 * waits for every floating-point operation in flight, a barrier between
 * consecutive steps that cost 8–39% of a small model's step
 * (bench/NOTES.md). */
#include <string.h>

#include "core/error.h"
#include "infer/stream_hook.h"
#include "nn/cell.h"

int recur_state_step(recur_state *s, int32_t token, const float *x, float *y)
{
    RECUR_NEED(s);
    RECUR_NEED(y);
    struct recur__q8 *q = recur__state_q8(s);
    return q ? recur__q8_step(q, token, x, y) : recur__step_f32(s, token, x, y);
}

/* The same conditions as recur_state_create's (stream.c). */
int recur__stream_refusal(const recur_model *m, const char *what)
{
    const recur_config *c = recur_model_get_config(m);
    if (c->bidirectional)
        return recur__fail(RECUR_E_INVALID, "a bidirectional model needs the whole "
                          "sequence and cannot be %s", what);
    if (c->reverse)
        return recur__fail(RECUR_E_INVALID, "a reverse model reads the sequence from "
                          "its last step to its first and cannot be %s", what);
    if (c->readout == RECUR_READOUT_MEAN)
        return recur__fail(RECUR_E_INVALID, "a model that reads out the mean over a "
                          "sequence cannot be %s (use recur_forward)", what);
    return RECUR_OK;
}

/* ---- keeping a state -------------------------------------------------------- */

#define HEADER_BYTES 16
static const unsigned char magic[4] = {'R', 'C', 'S', '1'};

static size_t floats_of(const stream_view *v)
{
    return (size_t)v->L * (v->R + (v->c ? v->H : 0));
}

size_t recur_state_size(const recur_state *s)
{
    if (!s)
        return 0;
    stream_view v;
    recur__state_view((recur_state *)s, &v);
    return HEADER_BYTES + floats_of(&v) * sizeof(float);
}

static void put_u32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static uint32_t get_u32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

int recur_state_save(const recur_state *s, void *buf, size_t n)
{
    RECUR_NEED(s);
    RECUR_NEED(buf);
    stream_view v;
    recur__state_view((recur_state *)s, &v);
    size_t need = recur_state_size(s), nh = (size_t)v.L * v.R, nc = (size_t)v.L * v.H;
    if (n < need)
        return recur__fail(RECUR_E_INVALID, "a state of this model needs %zu bytes, "
                          "the buffer has %zu", need, n);
    unsigned char *p = buf;
    memcpy(p, magic, 4);
    put_u32(p + 4, (uint32_t)v.kind);
    put_u32(p + 8, (uint32_t)v.L);
    put_u32(p + 12, (uint32_t)v.H);
    p += HEADER_BYTES;
    for (size_t i = 0; i < nh; i++, p += 4) {
        float f = (float)v.h[i];
        memcpy(p, &f, 4);
    }
    for (size_t i = 0; v.c && i < nc; i++, p += 4) {
        float f = (float)v.c[i];
        memcpy(p, &f, 4);
    }
    return RECUR_OK;
}

int recur_state_load(recur_state *s, const void *buf, size_t n)
{
    RECUR_NEED(s);
    RECUR_NEED(buf);
    stream_view v;
    recur__state_view(s, &v);
    size_t need = recur_state_size(s), nh = (size_t)v.L * v.R, nc = (size_t)v.L * v.H;
    const unsigned char *p = buf;
    if (n != need)
        return recur__fail(RECUR_E_INVALID, "a saved state of this model has %zu bytes, "
                          "not %zu", need, n);
    if (memcmp(p, magic, 4) != 0)
        return recur__fail(RECUR_E_FORMAT, "not a saved recur state (bad magic)");
    if (get_u32(p + 4) != (uint32_t)v.kind || get_u32(p + 8) != (uint32_t)v.L ||
        get_u32(p + 12) != (uint32_t)v.H)
        return recur__fail(RECUR_E_MISMATCH, "the saved state is of another model "
                          "(cell %u, %u layers of %u; this one: %d, %d of %d)",
                          get_u32(p + 4), get_u32(p + 8), get_u32(p + 12), v.kind, v.L, v.H);
    p += HEADER_BYTES;
    for (size_t i = 0; i < nh; i++, p += 4) {
        float f;
        memcpy(&f, p, 4);
        v.h[i] = f;
    }
    for (size_t i = 0; v.c && i < nc; i++, p += 4) {
        float f;
        memcpy(&f, p, 4);
        v.c[i] = f;
    }
    return RECUR_OK;
}
