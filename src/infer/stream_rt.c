/* stream_rt.c - what a real-time caller and a stream's keeper see around
 * the streaming step: the public recur_state_step (denormals flushed to zero for
 * the duration of a step; the int8 stream's dispatch) and a state's bytes
 * (recur_state_size / _save / _load, recur.h).
 *
 * Why flush to zero: a stream that falls silent after a loud input decays
 * its states geometrically towards 0 and, on the way, through the
 * denormal range, where each multiply or add can take a slow path
 * (microcode assists on many x86 cores; bench/export_step.c times it, and
 * examples/microcontroller/README.md has the numbers). With
 * FTZ (results) and DAZ (inputs) set, the step's cost no longer depends
 * on the values. The caller's mode is put back before returning, so the
 * rest of the program computes as it did; the helper thread that large
 * models use inside a step (stream.c) is the library's own and keeps the
 * flush on for its whole life. */
#include <string.h>

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define FTZ_X86 1
#elif defined(__aarch64__)
#define FTZ_ARM64 1
#endif

#include "core/error.h"
#include "infer/stream_hook.h"
#include "nn/cell.h"

typedef unsigned long fp_mode;

fp_mode recur__ftz_enter(void)
{
#if defined(FTZ_X86)
    unsigned csr = _mm_getcsr();
    _mm_setcsr(csr | 0x8040u); /* FTZ (bit 15) | DAZ (bit 6) */
    return csr;
#elif defined(FTZ_ARM64)
    unsigned long fpcr;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
    __asm__ __volatile__("msr fpcr, %0" : : "r"(fpcr | (1ul << 24))); /* FZ */
    return fpcr;
#else
    return 0;
#endif
}

void recur__ftz_leave(fp_mode m)
{
#if defined(FTZ_X86)
    _mm_setcsr((unsigned)m);
#elif defined(FTZ_ARM64)
    __asm__ __volatile__("msr fpcr, %0" : : "r"(m));
#else
    (void)m;
#endif
}

/* Reading and writing the mode costs more than a small model's step: the
 * read waits for every floating-point operation in flight (for their
 * exception flags), 11 ns a step on Zen 4 (bench/NOTES.md). A caller that
 * keeps flush-to-zero on (audio hosts often do) skips both writes. */
static int ftz_already(fp_mode m)
{
#if defined(FTZ_X86)
    return (m & 0x8040u) == 0x8040u;
#elif defined(FTZ_ARM64)
    return (m >> 24) & 1;
#else
    (void)m;
    return 1;
#endif
}

static fp_mode ftz_read(void)
{
#if defined(FTZ_X86)
    return _mm_getcsr();
#elif defined(FTZ_ARM64)
    unsigned long fpcr;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
    return fpcr;
#else
    return 0;
#endif
}

int recur_state_step(recur_state *s, int32_t token, const float *x, float *y)
{
    fp_mode mode = ftz_read();
    int set = !ftz_already(mode);
    if (set)
        recur__ftz_enter();
    struct recur__q8 *q = recur__state_q8(s);
    int rc = q ? recur__q8_step(q, token, x, y) : recur__step_f32(s, token, x, y);
    if (set)
        recur__ftz_leave(mode);
    return rc;
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
    stream_view v;
    recur__state_view((recur_state *)s, &v);
    size_t need = recur_state_size(s), nh = (size_t)v.L * v.R, nc = (size_t)v.L * v.H;
    if (!buf || n < need)
        return recur__fail(RECUR_E_INVALID, "a state of this model needs %zu bytes, "
                          "the buffer has %zu", need, buf ? n : 0);
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
    stream_view v;
    recur__state_view(s, &v);
    size_t need = recur_state_size(s), nh = (size_t)v.L * v.R, nc = (size_t)v.L * v.H;
    const unsigned char *p = buf;
    if (!buf || n != need)
        return recur__fail(RECUR_E_INVALID, "a saved state of this model has %zu bytes, "
                          "not %zu", need, buf ? n : 0);
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
