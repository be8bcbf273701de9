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
#define SGI_RESCHED       0              /* "look at your run queues again" */

void plat_console_init(void);
void plat_putc(char c);

void plat_irq_init(void);                /* the boot CPU: the distributor and its own interface */
void plat_irq_init_cpu(void);            /* a secondary CPU: its interface, the reschedule SGI */
void plat_irq_enable(unsigned irq);      /* interrupts 0..31 are this CPU's own */
/* The pending interrupt as the GIC acknowledges it (PLAT_IRQ_ID gives its
 * number, 1023 when none); plat_irq_eoi takes that same value. */
unsigned plat_irq_ack(void);
#define PLAT_IRQ_ID(iar) ((iar) & 0x3ff)
void plat_irq_eoi(unsigned iar);
uint32_t plat_cpu_target(void);          /* this CPU's bit among the SGI targets */
void plat_send_sgi(uint32_t targets, unsigned sgi);

/* PSCI CPU_ON: start the CPU whose MPIDR affinity is `mpidr` at physical
 * address `entry` with x0 = ctx, through the conduit the device tree
 * names (`smc` true for smc, else hvc).  Returns PSCI's status (0: on its
 * way). */
int64_t plat_cpu_on(bool smc, uint64_t mpidr, uint64_t entry, uint64_t ctx);

/* Stop the machine; the host sees `code` as QEMU's exit status
 * (semihosting), or 0 when QEMU runs without -semihosting. */
_Noreturn void plat_exit(enum ipclab_exit code);
/* True once plat_exit() has tried semihosting: a trap then means QEMU runs
 * without -semihosting, and the trap handler should call plat_exit again. */
bool plat_exit_trapped(void);

#endif
