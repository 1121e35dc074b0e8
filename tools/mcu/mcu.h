/* mcu.h - what tools/mcu/startup.c gives a bare-metal test program. */
#ifndef RECUR_MCU_H
#define RECUR_MCU_H

#include <stdint.h>

void mcu_puts(const char *s);   /* to the host's stdout (semihosting) */
void mcu_exit(int status);      /* ends the emulator: 0 ok, else failure */
void mcu_tick_start(void);      /* SysTick from 0, counting CPU clocks */
uint32_t mcu_tick_read(void);   /* clocks since mcu_tick_start (24 bits) */

#endif
