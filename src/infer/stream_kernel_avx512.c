/* stream_kernel_avx512.c - the streaming kernels (stream_kernel.h) for
 * AVX-512 F: blocks of 16 units, one zmm per gate slot.
 *
 * Compiled with a target attribute rather than a global -mavx512f, so the
 * rest of the library keeps the baseline instruction set; only
 * recur__stream_kernel_pick hands it out, when cpuid says the CPU has
 * AVX-512 F. Float build only. */
#include "infer/stream_kernel.h"

#include "core/cpu.h"

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && \
    !defined(RECUR_NO_DISPATCH) && !defined(RECUR_REAL_DOUBLE)
#include <immintrin.h>

#define TARGET __attribute__((target("avx512f,avx2,fma")))
#define V 16
#define VEC __m512
#define VLOAD(p) _mm512_load_ps(p)
#define VSET1(x) _mm512_set1_ps(x)
#define VZERO _mm512_setzero_ps()
#define VFMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define VADD(a, b) _mm512_add_ps(a, b)
#define VSUB(a, b) _mm512_sub_ps(a, b)
#define VMUL(a, b) _mm512_mul_ps(a, b)
#define VDIV(a, b) _mm512_div_ps(a, b)
#define VMAX(a, b) _mm512_max_ps(a, b)
#define VMIN(a, b) _mm512_min_ps(a, b)
#define VFNMA(a, b, c) _mm512_fnmadd_ps(a, b, c)
#define VFMS(a, b, c) _mm512_fmsub_ps(a, b, c)
#define VLOADU(p) _mm512_loadu_ps(p)
#define VSTOREU(p, v) _mm512_storeu_ps(p, v)
#define VMASK(n) ((__mmask16)((1u << (n)) - 1))
#define VLOADN(p, n) _mm512_maskz_loadu_ps(VMASK(n), p)
#define VSTOREN(p, v, n) _mm512_mask_storeu_ps(p, VMASK(n), v)
#define VSCALE(p, n, k) _mm512_scalef_ps(p, n)
#define VHSUM(v) _mm512_reduce_add_ps(v)
/* keep the lanes whose exponent bits are not all 0 (zeros and denormals
 * become +0; NaN and infinities stay): one test and one masked move */
#define VFLUSH(v)                                                              \
    _mm512_maskz_mov_ps(_mm512_test_epi32_mask(_mm512_castps_si512(v),        \
                                               _mm512_set1_epi32(0x7F800000)), \
                        v)
#define NAME(x) x##_avx512
#define WIDE_CHAINS 1

#include "infer/stream_kernel_body.h"

static const stream_kernel kernel = {RECUR_ISA_AVX512, V, lstm_avx512, gru_avx512,
                                     rnn_tanh_avx512, rnn_relu_avx512, dense_avx512};

const stream_kernel *recur__stream_kernel_avx512(void) { return &kernel; }
#else
const stream_kernel *recur__stream_kernel_avx512(void) { return 0; }
#endif
