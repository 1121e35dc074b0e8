/* kernel.h - marking the fused element-wise kernels for runtime dispatch.
 *
 * With GCC on x86-64, RECUR_KERNEL compiles a function twice, for the
 * baseline and for AVX2 + FMA, and RECUR_KERNEL_WIDE adds an AVX-512 F
 * clone; glibc picks the version the running CPU supports (from cpuid) when
 * the library loads. Elsewhere both are plain functions.
 *
 * RECUR_KERNEL_PAIR(name, (int H, ...), (H, ...)) turns an always-inline
 * loop name##_body over H units into name(H, ...), which runs the AVX-512
 * version when H >= 16 and the AVX2 one below. The 16-lane clone made the
 * gate passes faster wherever a gate block has 16 units or more (training
 * LSTM 1×128 +8%, GRU 1×512 +20%, streaming 16–128 units 10–30%; Zen 4,
 * bench/NOTES.md), but below 16 units its vectorised loop never runs and
 * the whole pass is scalar (LSTM 8 at batch 1: 3× slower). */
#ifndef RECUR_KERNEL_H
#define RECUR_KERNEL_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    !defined(RECUR_NO_DISPATCH) && !defined(RECUR_REAL_DOUBLE)
#define RECUR_KERNEL __attribute__((target_clones("avx2", "default")))
#define RECUR_KERNEL_WIDE __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define RECUR_KERNEL
#define RECUR_KERNEL_WIDE
#endif

#define RECUR_KERNEL_BODY static inline __attribute__((always_inline)) void
#define RECUR_KERNEL_PAIR(name, params, args)                                   \
    RECUR_KERNEL static void name##_narrow params { name##_body args; }        \
    RECUR_KERNEL_WIDE static void name##_wide params { name##_body args; }     \
    static void name params                                                    \
    {                                                                          \
        if (H >= 16)                                                           \
            name##_wide args;                                                  \
        else                                                                   \
            name##_narrow args;                                                \
    }

#endif
