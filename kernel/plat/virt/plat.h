/*
 * The board interface (QEMU `virt`): memory map, console, interrupt
 * controller, power.  Generic code includes this header and nothing else
 * from plat/.
 */
#ifndef PLAT_H
#define PLAT_H

#include <stdbool.h>
#include <stdint.h>
#include <ipclab/abi.h>   /* enum ipclab_exit */

#define PLAT_UART_BASE    0x09000000ul   /* PL011 */
#define PLAT_GICD_BASE    0x08000000ul   /* GICv2 distributor */
#define PLAT_GICC_BASE    0x08010000ul   /* GICv2 CPU interface */
#define PLAT_RAM_BASE     0x40000000ul
#define PLAT_RAM_SIZE     (128ul << 20)  /* QEMU's default -m */
#define PLAT_DTB_BASE     0x40000000ul   /* QEMU puts the DTB here for an ELF loaded above 0x40100000 */
#define PLAT_IRQ_VTIMER   27             /* EL1 virtual timer, PPI 11 */

void plat_console_init(void);
void plat_putc(char c);

void plat_irq_init(void);
void plat_irq_enable(unsigned irq);
unsigned plat_irq_ack(void);             /* the pending interrupt, 1023 when none */
void plat_irq_eoi(unsigned irq);

/* Stop the machine; the host sees `code` as QEMU's exit status
 * (semihosting), or 0 when QEMU runs without -semihosting. */
_Noreturn void plat_exit(enum ipclab_exit code);
/* True once plat_exit() has tried semihosting: a trap then means QEMU runs
 * without -semihosting, and the trap handler should call plat_exit again. */
bool plat_exit_trapped(void);

#endif
