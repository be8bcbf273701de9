/*
 * Boot, in order: console, CPU (vectors, MMU, caches, PMU), memory,
 * interrupts and the tick, the root task; then this thread becomes the
 * idle thread.
 */
#include "cap.h"
#include "fdt.h"
#include "pmem.h"
#include "sched.h"
#include "task.h"

extern char __kernel_end[];
void syscall_check_table(void);

static void start_root(void)
{
	struct task *t = task_create("root", ROOT_PRIO);
	struct thread *th;
	if (!t || task_add_thread(t, ROOT_PRIO, user_layout.root_entry, USER_BOOTINFO, &th))
		panic("cannot create the root task");
	cap_insert(&t->cs, ROOT_SLOT_CTRL, CAP_CTRL, RIGHTS_ALL, 0, &ctrl_object);
	cap_insert(&t->cs, ROOT_SLOT_TASK, CAP_TASK, RIGHTS_ALL, 0, t);
	cap_insert(&t->cs, ROOT_SLOT_THREAD, CAP_THREAD, RIGHTS_ALL, 0, th);

	uint64_t page = pmem_alloc(1);
	if (!page || arch_map_page(t->l1, USER_BOOTINFO, page, VM_READ))
		panic("cannot map the boot info");
	struct bootinfo *bi = phys_to_virt(page);
	bi->magic = BOOTINFO_MAGIC;
	bi->first_free_slot = ROOT_SLOT_THREAD + 1;
	bi->ram_pages_free = pmem_free_pages();
	bi->timer_hz = arch_timer_freq();
	bi->tick_hz = TICK_HZ;
	/* Their true length goes with them: arguments longer than the page
	 * holds are refused by the root task, never cut without a word. */
	int64_t len = fdt_bootargs(phys_to_virt(PLAT_DTB_BASE), bi->bootargs, sizeof bi->bootargs);
	bi->bootargs_len = len < 0 ? 0 : (uint64_t)len;

	t->state = TS_RUNNABLE;
	sched_ready(th);
}

/* Nothing is runnable and nothing but a thread could wake anyone (there
 * are no timeouts and no device interrupts for tasks): a deadlock. */
static _Noreturn void report_deadlock(void)
{
	printk("\nDEADLOCK: no thread can run. Blocked threads:\n");
	static const char *const why[] = { "-", "notification", "send", "recv", "reply" };
	for (unsigned i = 0; i < thread_pool_size; i++) {
		struct thread *t = &thread_pool[i];
		if (t->used && t->state == TS_BLOCKED)
			printk("  task '%s' thread %u: blocked on %s\n", t->task->name, t->index,
			       why[t->blocked_on]);
	}
	plat_exit(IPCLAB_EXIT_DEADLOCK);
}

void kmain(void)
{
	plat_console_init();
	arch_init();
	syscall_check_table();
	uint64_t kend = ((uint64_t)(uintptr_t)__kernel_end + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	pmem_init(kend, PLAT_RAM_BASE + PLAT_RAM_SIZE);
	plat_irq_init();
	plat_irq_enable(PLAT_IRQ_VTIMER);
	arch_timer_arm(arch_timer_freq() / TICK_HZ);
	sched_init();

	current = &idle_thread;
	idle_thread.used = true;
	idle_thread.state = TS_RUNNABLE;
	idle_thread.ctx.ttbr0 = arch_ttbr(arch_kernel_l1(), 0);
	start_root();
	sched_block();

	/* The idle thread. */
	for (;;) {
		if (!sched_any_runnable())
			report_deadlock();
		sched_yield();
	}
}
