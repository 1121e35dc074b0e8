/* kernel.h - marking the fused element-wise kernels for runtime dispatch.
 *
 * With GCC on x86-64, RECUR_KERNEL compiles a function twice, for the
 * baseline and for Haswell-class CPUs (AVX2 + FMA), and glibc picks the
 * version the running CPU supports when the library loads. Elsewhere it is
 * a plain function. */
#ifndef RECUR_KERNEL_H
#define RECUR_KERNEL_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    !defined(RECUR_NO_DISPATCH) && !defined(RECUR_REAL_DOUBLE)
#define RECUR_KERNEL __attribute__((target_clones("avx2", "default")))
#else
#define RECUR_KERNEL
#endif

#endif
