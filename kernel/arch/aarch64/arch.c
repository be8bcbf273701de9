/*
 * CPU bring-up: vectors, MMU and caches, alignment checks, the PMU and the
 * counters readable from EL0, the tick, and thread contexts.
 */
#include "kernel.h"
#include "sysregs.h"

extern char vectors[];
void mmu_init(void);
void trap_return_user(void);

#define PMCR_E   (1u << 0)
#define PMCR_P   (1u << 1)
#define PMCR_C   (1u << 2)
#define PMU_EVT_INST_RETIRED 0x08

static void pmu_init(void)
{
	/* Cycle counter and event counter 0 (instructions retired), counting
	 * at EL0 and EL1 alike, readable and writable from EL0. */
	write_sysreg(pmcr_el0, PMCR_E | PMCR_P | PMCR_C);
	write_sysreg(pmevtyper0_el0, PMU_EVT_INST_RETIRED);
	write_sysreg(pmccfiltr_el0, 0);
	write_sysreg(pmcntenset_el0, (1ul << 31) | 1ul);
	write_sysreg(pmuserenr_el0, 0xf);
	write_sysreg(cntkctl_el1, 3);   /* EL0 reads CNTVCT and CNTPCT */
	isb();
}

void mmu_init_cpu(void);

static void cpu_setup(void)
{
	uint64_t sctlr = SCTLR_RES1 | SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_A | SCTLR_SA | SCTLR_SA0 |
	                 SCTLR_WXN;
	write_sysreg(sctlr_el1, sctlr);
	isb();
	pmu_init();
}

void arch_init(void)
{
	write_sysreg(vbar_el1, vectors);
	write_sysreg(cpacr_el1, 0);     /* FP/SIMD traps: no task may use it (see README) */
	mmu_init();
	cpu_setup();
}

void arch_init_cpu(void)
{
	write_sysreg(vbar_el1, vectors);
	write_sysreg(cpacr_el1, 0);
	mmu_init_cpu();
	cpu_setup();
}

uint64_t arch_cpu_mpidr(void) { return read_sysreg(mpidr_el1) & 0xffffff; }

void arch_wait_irq(void)
{
	/* wfi with interrupts still masked: it returns when one is pending,
	 * masked or not, so an SGI sent after the lock was released and
	 * before the wfi is not lost (unmasked first, it would be taken and
	 * consumed before the wfi, which would then sleep for ever).  Then
	 * let it be taken (irq_handler acknowledges it).  dsb: what this CPU
	 * stored is visible before it sleeps. */
	__asm__ volatile("dsb ish\n\twfi\n\tmsr daifclr, #2\n\tisb\n\tmsr daifset, #2" ::: "memory");
}

/* The kernel lock's protocol (vectors.S, KLOCK and KUNLOCK): 0 free, 1
 * held, 2 held with a CPU waiting, which the release hands over to. */
void arch_spin_lock(volatile uint32_t *l)
{
	uint32_t v, fail, one = 1, two = 2;
	__asm__ volatile(
		"	ldaxr	%w0, [%2]\n"
		"	cbnz	%w0, 1f\n"
		"	stxr	%w1, %w3, [%2]\n"
		"	cbz	%w1, 9f\n"
		"1:	ldaxr	%w0, [%2]\n"
		"	cbz	%w0, 5f\n"
		"	cmp	%w0, #2\n"
		"	b.eq	4f\n"
		"	stxr	%w1, %w4, [%2]\n"
		"	b	1b\n"
		"4:	wfe\n"
		"	b	1b\n"
		"5:	stxr	%w1, %w3, [%2]\n"
		"	cbnz	%w1, 1b\n"
		"9:\n"
		: "=&r"(v), "=&r"(fail) : "r"(l), "r"(one), "r"(two) : "memory", "cc");
}

void arch_spin_unlock(volatile uint32_t *l)
{
	uint32_t v = *l;
	__asm__ volatile("stlr wzr, [%0]" : : "r"(l) : "memory");
	if (v & 2)
		__asm__ volatile("yield" ::: "memory");
}

uint64_t arch_timer_freq(void) { return read_sysreg(cntfrq_el0); }

void arch_timer_stop(void)
{
	write_sysreg(cntv_ctl_el0, 0);
	isb();
}

void arch_timer_arm(uint64_t ticks)
{
	write_sysreg(cntv_tval_el0, ticks);
	write_sysreg(cntv_ctl_el0, 1);
	isb();
}

void arch_context_init_user(struct context *c, uint64_t kstack_top, uint64_t entry,
                            uint64_t arg, uint64_t user_sp, uint64_t user_exit)
{
	struct trapframe *tf = (struct trapframe *)(kstack_top - sizeof *tf);
	memset(tf, 0, sizeof *tf);
	tf->x[0] = arg;
	tf->x[30] = user_exit;
	tf->elr = entry;
	tf->spsr = SPSR_EL0T;
	tf->sp_el0 = user_sp;
	memset(c->x19_x29, 0, sizeof c->x19_x29);
	c->lr = (uint64_t)(uintptr_t)trap_return_user;
	c->sp = (uint64_t)(uintptr_t)tf;
	c->elr = entry;
	c->spsr = SPSR_EL0T;
	c->sp_el0 = user_sp;
}
