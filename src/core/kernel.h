/* kernel.h - marking the fused element-wise kernels for runtime dispatch.
 *
 * With GCC on x86-64, RECUR_KERNEL compiles a function three times, for the
 * baseline, for AVX2 + FMA and for AVX-512 F, and glibc picks the version
 * the running CPU supports (from cpuid) when the library loads. Elsewhere
 * it is a plain function. The AVX-512 clone (16 lanes) made the gate
 * passes faster wherever a gate block has 16 units or more: training LSTM
 * 1×128 +8%, GRU 1×512 +20%, streaming LSTM/GRU 16–128 10–30% (Zen 4,
 * bench/NOTES.md); at 8 units the wider loop runs mostly in its epilogue
 * (streaming LSTM 8: 6.0 → 7.9 ms per 48k steps). */
#ifndef RECUR_KERNEL_H
#define RECUR_KERNEL_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    !defined(RECUR_NO_DISPATCH) && !defined(RECUR_REAL_DOUBLE)
#define RECUR_KERNEL __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define RECUR_KERNEL
#endif

#endif
