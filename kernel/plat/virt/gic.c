/* GICv2, as QEMU virt presents it to EL1: distributor and CPU interface
 * enabled, every priority let through, one interrupt (the tick) in use. */
#include "plat.h"

#define GICD_CTLR        0x000
#define GICD_ISENABLER   0x100
#define GICD_IPRIORITYR  0x400
#define GICC_CTLR        0x000
#define GICC_PMR         0x004
#define GICC_IAR         0x00c
#define GICC_EOIR        0x010

static inline volatile uint32_t *gicd(unsigned off) { return (volatile uint32_t *)(PLAT_GICD_BASE + off); }
static inline volatile uint32_t *gicc(unsigned off) { return (volatile uint32_t *)(PLAT_GICC_BASE + off); }

void plat_irq_init(void)
{
	*gicd(GICD_CTLR) = 1;
	*gicc(GICC_PMR) = 0xff;
	*gicc(GICC_CTLR) = 1;
}

void plat_irq_enable(unsigned irq)
{
	volatile uint8_t *prio = (volatile uint8_t *)(PLAT_GICD_BASE + GICD_IPRIORITYR);
	prio[irq] = 0x80;
	*gicd(GICD_ISENABLER + 4 * (irq / 32)) = 1u << (irq % 32);
}

unsigned plat_irq_ack(void)
{
	return *gicc(GICC_IAR) & 0x3ff;
}

void plat_irq_eoi(unsigned irq)
{
	*gicc(GICC_EOIR) = irq;
}
