/*
 * Boot, in order: console, CPU (vectors, MMU, caches, PMU), memory,
 * interrupts and the tick, the other CPUs (PSCI CPU_ON, each to its idle
 * thread), the root task; then this thread becomes CPU 0's idle thread.
 */
#include "cap.h"
#include "fdt.h"
#include "klock.h"
#include "pmem.h"
#include "sched.h"
#include "task.h"

extern char __kernel_end[];
extern char boot_stack_top[];
void syscall_check_table(void);
void secondary_start(void);

volatile uint32_t kernel_lock __attribute__((aligned(PAGE_SIZE)));

/* What a secondary CPU's first instructions read (start.S): its stack top
 * and its idle thread, in this order. */
struct cpu_boot {
	uint64_t stack_top;
	struct thread *idle;
};
#define CPU_STACK_SIZE (4 * PAGE_SIZE)
static struct cpu_boot cpu_boot[CPUS_MAX];
static uint8_t cpu_stacks[CPUS_MAX][CPU_STACK_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint64_t cpu_mpidr[CPUS_MAX];

static void start_root(void)
{
	struct task *t = task_create("root", ROOT_PRIO);
	struct thread *th;
	if (!t || task_add_thread(t, ROOT_PRIO, user_layout.root_entry, USER_BOOTINFO, &th))
		panic("cannot create the root task");   /* the first allocations of the boot: never */
	cap_insert(&t->cs, ROOT_SLOT_CTRL, CAP_CTRL, RIGHTS_ALL, 0, &ctrl_object);
	cap_insert(&t->cs, ROOT_SLOT_TASK, CAP_TASK, RIGHTS_ALL, 0, t);
	cap_insert(&t->cs, ROOT_SLOT_THREAD, CAP_THREAD, RIGHTS_ALL, 0, th);

	uint64_t page = pmem_alloc(1);
	if (!page || arch_map_page(t->l1, USER_BOOTINFO, page, VM_READ))
		panic("cannot map the boot info");   /* never, as above */
	struct bootinfo *bi = phys_to_virt(page);
	bi->magic = BOOTINFO_MAGIC;
	bi->first_free_slot = ROOT_SLOT_THREAD + 1;
	bi->ram_pages_free = pmem_free_pages();
	bi->timer_hz = arch_timer_freq();
	bi->tick_hz = TICK_HZ;
	bi->ncpus = ncpus;
	/* Their true length goes with them: arguments longer than the page
	 * holds are refused by the root task, never cut without a word. */
	int64_t len = fdt_bootargs(phys_to_virt(PLAT_DTB_BASE), bi->bootargs, sizeof bi->bootargs);
	bi->bootargs_len = len < 0 ? 0 : (uint64_t)len;

	t->state = TS_RUNNABLE;
	sched_ready(th);
}

/* Nothing is runnable on any CPU, and no CPU runs a thread that could
 * wake one (there are no timeouts and no device interrupts for tasks): a
 * deadlock.  It ends the boot, so a passing suite never runs it. */
static _Noreturn void report_deadlock(void)
{
	printk("\nDEADLOCK: no thread can run. Blocked threads:\n");
	static const char *const why[] = { "-", "notification", "send", "recv", "reply" };
	for (unsigned i = 0; i < thread_pool_size; i++) {
		struct thread *t = &thread_pool[i];
		if (t->used && t->state == TS_BLOCKED)
			printk("  task '%s' thread %u: blocked on %s (CPU %u)\n", t->task->name, t->index,
			       why[t->blocked_on], t->cpu->id);
	}
	plat_exit(IPCLAB_EXIT_DEADLOCK);
}

/* The idle thread of a CPU, entered with the lock held: run what is
 * queued here (with the tick on again), else wait for the reschedule SGI
 * of a CPU that queues a thread here, with the lock released and the
 * tick off (nothing here to share the CPU with). */
static _Noreturn void idle_loop(void)
{
	struct cpu *c = this_cpu();
	for (;;) {
		struct thread *t = runq_peek();
		if (t) {
			runq_remove(t);
			if (c->tick_off) {
				arch_timer_arm(arch_timer_freq() / TICK_HZ);
				c->tick_off = false;
			}
			sched_switch_to(t);
			continue;
		}
		if (!sched_any_runnable())
			report_deadlock();
		/* Without the tick: only another CPU can give this one work, and
		 * it sends the reschedule SGI when it does. */
		arch_timer_stop();
		c->tick_off = true;
		c->waiting = true;
		klock_release();
		arch_wait_irq();
		klock_acquire();
		c->waiting = false;
	}
}

/* The CPU index of an MPIDR affinity, CPUS_MAX when it is none of ours. */
unsigned cpu_index_of_mpidr(uint64_t mpidr)
{
	for (unsigned i = 0; i < ncpus; i++)
		if (cpu_mpidr[i] == mpidr)
			return i;
	return CPUS_MAX;   /* its caller (SYS_CPU_INFO) asks for the CPU it runs on: never */
}

/* A secondary CPU, from start.S: at EL1, MMU off, on its stack, TPIDR_EL1
 * its idle thread. */
void secondary_main(void)
{
	arch_init_cpu();
	klock_acquire();
	struct cpu *c = this_cpu();
	plat_irq_init_cpu();
	plat_irq_enable(PLAT_IRQ_VTIMER);
	c->gic_target = plat_cpu_target();
	arch_timer_arm(arch_timer_freq() / TICK_HZ);
	c->online = true;
	arch_sev();
	idle_loop();
}

/* Start every CPU the device tree lists (up to CPUS_MAX), and wait until
 * each is in its idle loop: then a thread may be placed on any of them. */
static void start_cpus(void)
{
	struct fdt_cpus dt;
	cpu_mpidr[0] = arch_cpu_mpidr();
	if (fdt_cpus(phys_to_virt(PLAT_DTB_BASE), &dt) != 0 || dt.n <= 1)
		return;
	/* QEMU's virt has a PSCI conduit (hvc, or smc with EL2 or EL3) and at most
	 * as many CPUs as -smp asks (the tests ask 4 at most): the two
	 * messages below and the failed CPU_ON are never seen under it. */
	if (!dt.psci_hvc && !dt.psci_smc) {
		printk("[kernel] %u CPUs but no PSCI conduit in the device tree: running on one\n", dt.n);
		return;
	}
	unsigned want = dt.n < CPUS_MAX ? dt.n : CPUS_MAX;
	if (dt.n > CPUS_MAX)
		printk("[kernel] %u CPUs: using the first %u\n", dt.n, CPUS_MAX);
	for (unsigned i = 0, next = 1; i < dt.n && i < FDT_CPUS_MAX && next < want; i++) {
		if (dt.mpidr[i] == cpu_mpidr[0])
			continue;
		unsigned k = next++;
		struct cpu *c = &cpus[k];
		c->idle.ctx.ttbr0 = arch_ttbr(arch_kernel_l1(), 0);
		cpu_boot[k].stack_top = (uint64_t)(uintptr_t)cpu_stacks[k] + CPU_STACK_SIZE;
		cpu_boot[k].idle = &c->idle;
		cpu_mpidr[k] = dt.mpidr[i];
		/* The new CPU reads its block with its MMU and caches off. */
		__asm__ volatile("dc civac, %0\n\tdsb ish" : : "r"(&cpu_boot[k]) : "memory");
		ncpus = k + 1;
		int64_t r = plat_cpu_on(dt.psci_smc, dt.mpidr[i], virt_to_phys(secondary_start),
		                        virt_to_phys(&cpu_boot[k]));
		if (r != 0)
			panic("PSCI CPU_ON of CPU %u (mpidr %lx) failed: %ld", k, dt.mpidr[i], r);
		/* Wait for it with the lock released: it takes the lock to
		 * come online. */
		klock_release();
		while (!((volatile struct cpu *)c)->online)
			arch_wfe();
		klock_acquire();
	}
}

/* After TPIDR_EL1 names CPU 0's idle thread (kmain): `current` is valid. */
static __attribute__((noinline, noreturn)) void boot_cpu_main(void)
{
	klock_acquire();
	syscall_check_table();
	uint64_t kend = ((uint64_t)(uintptr_t)__kernel_end + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	pmem_init(kend, PLAT_RAM_BASE + PLAT_RAM_SIZE);
	plat_irq_init();
	plat_irq_enable(PLAT_IRQ_VTIMER);
	cpus[0].gic_target = plat_cpu_target();
	cpus[0].online = true;
	arch_timer_arm(arch_timer_freq() / TICK_HZ);
	cpus[0].idle.ctx.ttbr0 = arch_ttbr(arch_kernel_l1(), 0);
	start_cpus();
	start_root();
	idle_loop();
}

void kmain(void)
{
	plat_console_init();
	arch_init();
	sched_init();
	arch_set_current(&cpus[0].idle);
	boot_cpu_main();
}
