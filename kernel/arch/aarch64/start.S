/*
 * Entry from QEMU: at EL1 on plain `virt`, at EL2 with virtualization=on.
 * Only the boot CPU runs; the others stay off until PSCI CPU_ON.
 * Set up enough to run C: EL1, a stack, a zeroed BSS.  The MMU, caches and
 * vectors are turned on by arch_init() in C.
 */
#include "sysregs.h"

	.section .text.boot, "ax"
	.global _start
_start:
	mrs	x9, CurrentEL
	lsr	x9, x9, #2
	cmp	x9, #2
	b.ne	1f
	/* EL2: EL1 is AArch64, EL1 may use the timers and counters, the PMU is
	 * not trapped, then drop to EL1h with every interrupt masked. */
	mov	x9, #HCR_EL2_RW
	msr	hcr_el2, x9
	mov	x9, #3
	msr	cnthctl_el2, x9
	msr	cntvoff_el2, xzr
	mrs	x9, mdcr_el2
	and	x9, x9, #MDCR_EL2_HPMN_MASK	/* all counters to EL1, no traps */
	msr	mdcr_el2, x9
	mov	x9, #SPSR_EL1H_MASKED
	msr	spsr_el2, x9
	adr	x9, 1f
	msr	elr_el2, x9
	eret
1:	ldr	x9, =boot_stack_top
	mov	sp, x9
	ldr	x9, =__bss_start
	ldr	x10, =__bss_end
2:	cmp	x9, x10
	b.hs	3f
	stp	xzr, xzr, [x9], #16
	b	2b
3:	bl	kmain
	b	.
