/* cpu.c - instruction sets from cpuid (cpu.h). */
#include "core/cpu.h"

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__) && \
    !defined(RECUR_NO_DISPATCH)
#define RECUR_X86_KERNELS 1
#endif

int recur__cpu_has(int isa)
{
#ifdef RECUR_X86_KERNELS
    __builtin_cpu_init(); /* cheap; needed if called before constructors */
#endif
    switch (isa) {
    case RECUR_ISA_GENERIC:
        return 1;
#ifdef RECUR_X86_KERNELS
    case RECUR_ISA_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case RECUR_ISA_AVX512:
        return __builtin_cpu_supports("avx512f") && recur__cpu_has(RECUR_ISA_AVX2);
#endif
    default:
        return 0;
    }
}

int recur__cpu_isa(void)
{
    for (int isa = RECUR_ISA_COUNT - 1; isa > RECUR_ISA_GENERIC; isa--)
        if (recur__cpu_has(isa))
            return isa;
    return RECUR_ISA_GENERIC;
}

const char *recur__isa_name(int isa)
{
    static const char *const names[RECUR_ISA_COUNT] = {"generic", "avx2", "avx512"};
    return isa >= 0 && isa < RECUR_ISA_COUNT ? names[isa] : "?";
}
