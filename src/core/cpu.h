/* cpu.h - which instruction sets the running CPU offers, from cpuid.
 *
 * The hot loops (sgemm.c's micro-kernels, the streaming kernels of
 * src/infer/stream_kernel.h) are compiled for
 * several instruction sets and pick one at run time from what cpuid says
 * the CPU and the operating system support (GCC's __builtin_cpu_supports
 * checks both the CPU bits and the register state the OS saves). Never
 * from an environment variable, never from a BLAS library's guess. */
#ifndef RECUR_CPU_H
#define RECUR_CPU_H

enum recur__isa {
    RECUR_ISA_GENERIC, /* portable C, whatever the compiler's baseline is */
    RECUR_ISA_AVX2,    /* AVX2 + FMA (Haswell, Zen 1 and later) */
    RECUR_ISA_AVX512,  /* AVX-512 F (Skylake-X, Ice Lake, Sapphire Rapids, Zen 4) */
    RECUR_ISA_COUNT
};

/* The best instruction set this CPU supports and this build has kernels for. */
int recur__cpu_isa(void);
/* Does this CPU (and build) support isa? */
int recur__cpu_has(int isa);
/* "generic", "avx2", "avx512". */
const char *recur__isa_name(int isa);

#endif
