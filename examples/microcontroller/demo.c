/* demo.c - a character model exported by `recur export --format c` writing
 * text, the same program on a PC and on a Cortex-M (tools/mcu/startup.c,
 * under QEMU): feed the prime, then take the most likely next character
 * (the first of equal maxima, as `recur sample --greedy`) LENGTH times.
 * Build with -DMODEL_H='"austen.h"' -DP=austen -DPU=AUSTEN (the export's prefix,
 * and in capitals). On the microcontroller it also reports SysTick ticks per step. */
#include MODEL_H

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define NAME(x) CAT(P, x)
#define OUTPUTS CAT(PU, _OUTPUT_SIZE)
#define INPUTS CAT(PU, _INPUT_SIZE)

#ifndef LENGTH
#define LENGTH 300
#endif

#ifdef MCU
#include "mcu.h"
void mcu_main(void);
static void put(const char *s) { mcu_puts(s); }
#else
#include <stdio.h>
static void put(const char *s) { fputs(s, stdout); }
#endif

static const char prime[] = "It is a truth universally acknowledged";

/* The token of a code point, or -1. */
static int token_of(unsigned long cp)
{
    int i;
    for (i = 0; i < INPUTS; i++)
        if (NAME(_vocab)[i] == cp)
            return i;
    return -1;
}

static void put_char(unsigned long cp)
{
    char b[5];
    int n = 0;
    if (cp < 0x80)
        b[n++] = (char)cp;
    else if (cp < 0x800)
        b[n++] = (char)(0xC0 | (cp >> 6)), b[n++] = (char)(0x80 | (cp & 0x3F));
    else if (cp < 0x10000)
        b[n++] = (char)(0xE0 | (cp >> 12)), b[n++] = (char)(0x80 | ((cp >> 6) & 0x3F)),
        b[n++] = (char)(0x80 | (cp & 0x3F));
    else
        b[n++] = (char)(0xF0 | (cp >> 18)), b[n++] = (char)(0x80 | ((cp >> 12) & 0x3F)),
        b[n++] = (char)(0x80 | ((cp >> 6) & 0x3F)), b[n++] = (char)(0x80 | (cp & 0x3F));
    b[n] = 0;
    put(b);
}

#ifdef MCU
static void put_uint(unsigned long v)
{
    char b[24];
    int n = 23;
    b[n] = 0;
    do
        b[--n] = (char)('0' + v % 10);
    while (v /= 10);
    put(b + n);
}
#endif

#ifdef MCU
void mcu_main(void)
#else
int main(void)
#endif
{
    static NAME(_state) s;
    static float y[OUTPUTS];
    int i, k, best = 0;
#ifdef MCU
    unsigned long ticks;
    mcu_tick_start();
#endif
    NAME(_reset)(&s);
    for (i = 0; prime[i]; i++) {
        int t = token_of((unsigned char)prime[i]);
        if (t < 0) {
            put("a character of the prime is not in the vocabulary\n");
            break;
        }
        NAME(_step)(&s, t, y);
    }
    put(prime);
    for (i = 0; i < LENGTH; i++) {
        best = 0;
        for (k = 1; k < OUTPUTS; k++)
            if (y[k] > y[best])
                best = k;
        put_char(NAME(_vocab)[best]);
        if (i + 1 < LENGTH)
            NAME(_step)(&s, best, y);
    }
    put("\n");
#ifdef MCU
    ticks = mcu_tick_read();
    put("steps ");
    put_uint((unsigned long)(sizeof prime - 1 + LENGTH - 1));
    put(" systick ");
    put_uint(ticks);
    put("\n");
#else
    return 0;
#endif
}
