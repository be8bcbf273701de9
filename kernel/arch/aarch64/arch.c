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

/*
 * Every CPU's cycle counter reads the machine's one clock.  Each CPU's
 * PMCCNTR starts from zero when its pmu_init resets it, so the counters of
 * two CPUs differ by the time between their resets: a count stored by one
 * CPU and read against another's would be off by that.  QEMU derives both
 * PMCCNTR and the generic timer's CNTVCT from its virtual clock (in exact
 * mode a count of the instructions of the whole machine), CNTVCT in steps
 * of 16 (62.5 MHz).  Sixteen CNTVCT reads back to back see where the clock
 * crosses a multiple of 16, so they give the clock at one instruction
 * exactly; a PMCCNTR read right after gives the counter's offset from it,
 * and a write two instructions after a read sets the offset to zero.  The
 * result is checked (two measurements of zero in a row) and retried: a
 * measurement across another CPU's turn of QEMU's round robin is not
 * consistent and is discarded.  In timed mode (the clock is host time, the
 * reads not one nanosecond apart) it cannot be exact: the counter is then
 * set from CNTVCT alone (within a few tens of nanoseconds).
 */
#define CLOCK_STEP 16

/* clock - PMCCNTR, or false when the reads do not show one clean step. */
static bool pmu_offset(int64_t *d)
{
	uint64_t r[CLOCK_STEP], p;
	__asm__ volatile(
		"mrs %0, cntvct_el0\n\tmrs %1, cntvct_el0\n\tmrs %2, cntvct_el0\n\t"
		"mrs %3, cntvct_el0\n\tmrs %4, cntvct_el0\n\tmrs %5, cntvct_el0\n\t"
		"mrs %6, cntvct_el0\n\tmrs %7, cntvct_el0\n\tmrs %8, cntvct_el0\n\t"
		"mrs %9, cntvct_el0\n\tmrs %10, cntvct_el0\n\tmrs %11, cntvct_el0\n\t"
		"mrs %12, cntvct_el0\n\tmrs %13, cntvct_el0\n\tmrs %14, cntvct_el0\n\t"
		"mrs %15, cntvct_el0\n\tmrs %16, pmccntr_el0"
		: "=&r"(r[0]), "=&r"(r[1]), "=&r"(r[2]), "=&r"(r[3]), "=&r"(r[4]), "=&r"(r[5]),
		  "=&r"(r[6]), "=&r"(r[7]), "=&r"(r[8]), "=&r"(r[9]), "=&r"(r[10]), "=&r"(r[11]),
		  "=&r"(r[12]), "=&r"(r[13]), "=&r"(r[14]), "=&r"(r[15]), "=&r"(p)
		: : "memory");
	/* The read at position j saw floor((c0 + j) / 16): at most one step. */
	unsigned step = 0;
	for (unsigned j = 1; j < CLOCK_STEP; j++) {
		if (r[j] == r[j - 1])
			continue;
		if (r[j] != r[j - 1] + 1 || step)
			return false;
		step = j;
	}
	uint64_t c0 = step ? CLOCK_STEP * r[step] - step : CLOCK_STEP * r[0];
	*d = (int64_t)(c0 + CLOCK_STEP - p);
	return true;
}

static void pmu_clock_sync(void)
{
	if (read_sysreg(cntfrq_el0) * CLOCK_STEP != 1000000000ull)
		return;   /* not QEMU's 62.5 MHz: nothing to align to */
	for (int attempt = 0; attempt < 64; attempt++) {
		int64_t d, d2;
		if (!pmu_offset(&d))
			continue;
		uint64_t t;
		/* mrs at clock c reads c - d; the msr runs at c + 2. */
		__asm__ volatile("mrs %0, pmccntr_el0\n\tadd %0, %0, %1\n\tmsr pmccntr_el0, %0"
		                 : "=&r"(t) : "r"((uint64_t)d + 2) : "memory");
		if (pmu_offset(&d) && d == 0 && pmu_offset(&d2) && d2 == 0)
			return;
	}
	uint64_t t;
	__asm__ volatile("mrs %0, cntvct_el0\n\tlsl %0, %0, #4\n\tmsr pmccntr_el0, %0"
	                 : "=&r"(t) : : "memory");
}

void mmu_init_cpu(void);

static void cpu_setup(void)
{
	uint64_t sctlr = SCTLR_RES1 | SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_A | SCTLR_SA | SCTLR_SA0 |
	                 SCTLR_WXN;
	write_sysreg(sctlr_el1, sctlr);
	isb();
	pmu_init();
	pmu_clock_sync();
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
