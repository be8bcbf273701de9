/*
 * Entry from QEMU: at EL1 on plain `virt`, at EL2 with virtualization=on.
 * The boot CPU enters at _start; the others stay off until PSCI CPU_ON
 * starts them at secondary_start (main.c), at the same EL as the boot CPU.
 * Set up enough to run C: EL1, a stack, a zeroed BSS (the boot CPU only).
 * The MMU, caches and vectors are turned on by arch_init() in C.
 */
#include "sysregs.h"

/* At EL2: EL1 is AArch64, EL1 may use the timers and counters, the PMU is
 * not trapped, then drop to EL1h with every interrupt masked, at 1f. */
.macro TO_EL1
	mrs	x9, CurrentEL
	lsr	x9, x9, #2
	cmp	x9, #2
	b.ne	1f
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
1:
.endm

	.section .text.boot, "ax"
	.global _start
_start:
	TO_EL1
	ldr	x9, =boot_stack_top
	mov	sp, x9
	ldr	x9, =__bss_start
	ldr	x10, =__bss_end
2:	cmp	x9, x10
	b.hs	3f
	stp	xzr, xzr, [x9], #16
	b	2b
3:	bl	kmain
	b	.

/* x0: the CPU's boot block {stack top, idle thread} (main.c, struct
 * cpu_boot).  The MMU is off: the block and the stack are reached at
 * their physical addresses, which are the kernel's. */
	.global secondary_start
secondary_start:
	mov	x19, x0
	TO_EL1
	ldp	x9, x10, [x19]
	mov	sp, x9
	msr	tpidr_el1, x10
	bl	secondary_main
	b	.
