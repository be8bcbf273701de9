/* GICv2, as QEMU virt presents it to EL1: the distributor once, then on
 * every CPU its own CPU interface and its banked interrupts 0..31 (the
 * tick, PPI 11, and the reschedule SGI); every priority let through. */
#include "plat.h"

#define GICD_CTLR        0x000
#define GICD_ISENABLER   0x100
#define GICD_IPRIORITYR  0x400
#define GICD_ITARGETSR   0x800
#define GICD_SGIR        0xf00
#define GICC_CTLR        0x000
#define GICC_PMR         0x004
#define GICC_IAR         0x00c
#define GICC_EOIR        0x010

static inline volatile uint32_t *gicd(unsigned off) { return (volatile uint32_t *)(PLAT_GICD_BASE + off); }
static inline volatile uint32_t *gicc(unsigned off) { return (volatile uint32_t *)(PLAT_GICC_BASE + off); }

void plat_irq_init(void)
{
	*gicd(GICD_CTLR) = 1;
	plat_irq_init_cpu();
}

void plat_irq_init_cpu(void)
{
	*gicc(GICC_PMR) = 0xff;
	*gicc(GICC_CTLR) = 1;
	plat_irq_enable(SGI_RESCHED);
}

void plat_irq_enable(unsigned irq)
{
	volatile uint8_t *prio = (volatile uint8_t *)(PLAT_GICD_BASE + GICD_IPRIORITYR);
	prio[irq] = 0x80;
	*gicd(GICD_ISENABLER + 4 * (irq / 32)) = 1u << (irq % 32);
}

uint32_t plat_cpu_target(void)
{
	/* ITARGETSR0..7 are banked: each byte reads as this CPU's own bit. */
	return *gicd(GICD_ITARGETSR) & 0xff;
}

void plat_send_sgi(uint32_t targets, unsigned sgi)
{
	/* The stores that made the woken thread runnable are visible first. */
	__asm__ volatile("dsb ish" ::: "memory");
	*gicd(GICD_SGIR) = (targets & 0xff) << 16 | (sgi & 0xf);
}

unsigned plat_irq_ack(void)
{
	return *gicc(GICC_IAR) & 0x1fff;   /* the id, and for an SGI its source CPU */
}

void plat_irq_eoi(unsigned iar)
{
	*gicc(GICC_EOIR) = iar;
}
