/* stream_kernel_avx2.c - the streaming kernels (stream_kernel.h) for
 * AVX2 + FMA: blocks of 8 units, one ymm per gate slot.
 *
 * Compiled with a target attribute rather than a global -mavx2, so the
 * rest of the library keeps the baseline instruction set; only
 * recur__stream_kernel_pick hands it out, when cpuid says the CPU has
 * AVX2 and FMA. Float build only. */
#include "infer/stream_kernel.h"

#include "core/cpu.h"

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && \
    !defined(RECUR_NO_DISPATCH) && !defined(RECUR_REAL_DOUBLE)
#include <immintrin.h>

#define TARGET __attribute__((target("avx2,fma")))
#define V 8
#define VEC __m256
#define VLOAD(p) _mm256_load_ps(p)
#define VSET1(x) _mm256_set1_ps(x)
#define VZERO _mm256_setzero_ps()
#define VFMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define VADD(a, b) _mm256_add_ps(a, b)
#define VSUB(a, b) _mm256_sub_ps(a, b)
#define VMUL(a, b) _mm256_mul_ps(a, b)
#define VDIV(a, b) _mm256_div_ps(a, b)
#define VMAX(a, b) _mm256_max_ps(a, b)
#define VMIN(a, b) _mm256_min_ps(a, b)
#define VFNMA(a, b, c) _mm256_fnmadd_ps(a, b, c)
#define VFMS(a, b, c) _mm256_fmsub_ps(a, b, c)
#define VLOADU(p) _mm256_loadu_ps(p)
#define VSTOREU(p, v) _mm256_storeu_ps(p, v)
/* lanes [0, n) of a mask: the sign bit set where lane < n */
#define VMASK(n) _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
#define VLOADN(p, n) _mm256_maskload_ps(p, VMASK(n))
#define VSTOREN(p, v, n) _mm256_maskstore_ps(p, VMASK(n), v)
#define VSCALE(p, n, k) _mm256_mul_ps(p, VEXP2I(k))
#define VEXP2I(k)                                                              \
    _mm256_castsi256_ps(_mm256_slli_epi32(                                     \
        _mm256_add_epi32(_mm256_castps_si256(k), _mm256_set1_epi32(127 - 0x4B400000)), 23))
#define VHSUM(v) hsum(v)
/* keep the lanes that are not (|v| < FLT_MIN): NaN is kept */
#define VFLUSH(v)                                                              \
    _mm256_and_ps(_mm256_cmp_ps(_mm256_andnot_ps(VSET1(-0.0f), v),             \
                                VSET1(1.17549435e-38f), _CMP_NLT_UQ),          \
                  v)
#define NAME(x) x##_avx2

static inline __attribute__((always_inline)) TARGET float hsum(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

#include "infer/stream_kernel_body.h"

static const stream_kernel kernel = {RECUR_ISA_AVX2, V, lstm_avx2, gru_avx2,
                                     rnn_tanh_avx2, rnn_relu_avx2, dense_avx2};

const stream_kernel *recur__stream_kernel_avx2(void) { return &kernel; }
#else
const stream_kernel *recur__stream_kernel_avx2(void) { return 0; }
#endif
