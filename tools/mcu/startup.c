/* startup.c - the least a Cortex-M program under QEMU needs: a vector table,
 * a reset handler that zeroes .bss and turns the FPU on (when the build
 * uses it), output and exit through semihosting (QEMU's
 * -semihosting-config enable=on,target=native prints to its stdout), and
 * the memcpy/memset a compiler may call. The program provides
 * `void mcu_main(void)`; it writes with mcu_puts and ends by returning
 * (exit status 0) or with mcu_exit. No newlib, no libm: what a generated
 * model needs is exactly this and libgcc. */
#include <stddef.h>
#include <stdint.h>

#include "mcu.h"

extern uint32_t __bss_start, __bss_end, __stack_top;
void reset_handler(void);
void mcu_main(void);

static void fault_handler(void) { mcu_exit(3); }

/* The first entry is the initial stack pointer, the rest are handlers. */
typedef union {
    uint32_t *sp;
    void (*fn)(void);
} vector;

__attribute__((section(".vectors"), used)) static const vector vectors[16] = {
    {.sp = &__stack_top}, {.fn = reset_handler}, {.fn = fault_handler},
    {.fn = fault_handler}, {.fn = fault_handler}, {.fn = fault_handler},
    {.fn = fault_handler}, {0}, {0}, {0}, {0}, {.fn = fault_handler},
    {.fn = fault_handler}, {0}, {.fn = fault_handler}, {.fn = fault_handler},
};

static int semihost(int op, const void *arg)
{
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ __volatile__("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void mcu_puts(const char *s) { semihost(0x04, s); } /* SYS_WRITE0 */

void mcu_exit(int status)
{
    /* SYS_EXIT: ADP_Stopped_ApplicationExit (0x20026) exits QEMU with 0;
     * ADP_Stopped_RunTimeErrorUnknown (0x20023) with 1. */
    semihost(0x18, (const void *)(uintptr_t)(status ? 0x20023 : 0x20026));
    for (;;)
        ;
}

/* The reset handler touches no floating-point register: the FPU is off
 * until CPACR enables it. */
__attribute__((noinline)) static void run(void)
{
    mcu_main();
    mcu_exit(0);
}

void reset_handler(void)
{
    for (uint32_t *p = &__bss_start; p < &__bss_end; p++)
        *p = 0;
#if defined(__ARM_FP)
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20; /* CPACR: CP10, CP11 full access */
    __asm__ __volatile__("dsb\n\tisb");
#endif
    run();
}

/* SysTick counts down at the CPU clock (25 MHz on MPS2; QEMU with -icount
 * advances it by instructions executed). */
void mcu_tick_start(void)
{
    *(volatile uint32_t *)0xE000E014u = 0xFFFFFFu; /* reload */
    *(volatile uint32_t *)0xE000E018u = 0;         /* current */
    *(volatile uint32_t *)0xE000E010u = 5;         /* enable, processor clock */
}

uint32_t mcu_tick_read(void) { return 0xFFFFFFu - (*(volatile uint32_t *)0xE000E018u & 0xFFFFFFu); }

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}
