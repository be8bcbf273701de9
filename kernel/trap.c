/*
 * Exceptions other than syscalls: kernel faults (a decoded report, then
 * QEMU stops with a failure status), user faults (the task is stopped with
 * a one-line report; the others run on), and interrupts (the tick and the
 * reschedule SGI).  Entries from EL0 come with the kernel lock held
 * (vectors.S); an interrupt at EL1 wakes an idle thread from its wait,
 * without the lock.
 */
#include "kernel.h"
#include "sched.h"
#include "sysregs.h"
#include "task.h"

static const char *ec_name(unsigned ec)
{
	switch (ec) {
	case EC_UNKNOWN:  return "undefined instruction";
	case EC_WFX:      return "WFI/WFE trapped";
	case EC_FP:       return "FP/SIMD access (disabled)";
	case EC_ILLEGAL:  return "illegal execution state";
	case EC_SVC64:    return "SVC";
	case EC_SYSREG:   return "system register access trapped";
	case EC_IABT_LOW: return "instruction abort from EL0";
	case EC_IABT_CUR: return "instruction abort in the kernel";
	case EC_PC_ALIGN: return "misaligned PC";
	case EC_DABT_LOW: return "data abort from EL0";
	case EC_DABT_CUR: return "data abort in the kernel";
	case EC_SP_ALIGN: return "misaligned SP";
	case EC_SERROR:   return "SError";
	case EC_BRK64:    return "BRK instruction";
	default:          return "unexpected exception class";
	}
}

/* The fault status code of an abort, in words. */
static const char *fsc_name(unsigned fsc)
{
	switch (fsc & 0x3c) {
	case 0x04: return "translation fault";
	case 0x08: return "access flag fault";
	case 0x0c: return "permission fault";
	case 0x20: return fsc == 0x21 ? "alignment fault" : "other fault";
	default:   return "other fault";
	}
}

static const char *const kind_name[] = {
	"sync (SP0)", "IRQ (SP0)", "FIQ (SP0)", "SError (SP0)",
	"sync", "IRQ", "FIQ", "SError",
	"sync from EL0", "IRQ from EL0", "FIQ from EL0", "SError from EL0",
	"sync from AArch32", "IRQ from AArch32", "FIQ from AArch32", "SError from AArch32",
};

/* An exception taken in the kernel: the report, and the end of the boot
 * with IPCLAB_EXIT_KERNEL_FAULT (a passing suite never runs it). */
void kernel_trap(struct trapframe *tf, uint64_t kind)
{
	uint64_t esr = read_sysreg(esr_el1), far = read_sysreg(far_el1);
	unsigned ec = (unsigned)(esr >> 26) & 0x3f;
	if (plat_exit_trapped() && ec == EC_UNKNOWN) {
		printk("[kernel] QEMU runs without -semihosting: the exit status is lost; powering off\n");
		plat_exit(IPCLAB_EXIT_OK);   /* ignored: this second call powers off, and QEMU exits 0 */
	}
	printk("\nKERNEL FAULT: %s: %s", kind < 16 ? kind_name[kind] : "?", ec_name(ec));
	if (ec == EC_DABT_CUR)
		printk(" (%s, %s)", fsc_name(esr & 0x3f), (esr >> 6 & 1) ? "write" : "read");
	else if (ec == EC_IABT_CUR)
		printk(" (%s)", fsc_name(esr & 0x3f));
	printk("\n  ESR %016lx  FAR %016lx  ELR %016lx  SPSR %016lx\n", esr, far, tf->elr, tf->spsr);
	for (int i = 0; i < 31; i++)
		printk("  x%-2d %016lx%s", i, tf->x[i], i % 4 == 3 ? "\n" : "");
	printk("  sp_el0 %016lx\n", tf->sp_el0);
	if (current)
		printk("  running: task '%s' thread %u on CPU %u\n",
		       current->task ? current->task->name : "idle", current->index, current->cpu->id);
	plat_exit(IPCLAB_EXIT_KERNEL_FAULT);
}

/* The kind of a user fault, for SYS_STATUS and the report. */
static unsigned classify(const struct task *t, unsigned ec, uint64_t esr, uint64_t far, const char **what)
{
	unsigned fsc = esr & 0x3f;
	bool write = esr >> 6 & 1;
	switch (ec) {
	case EC_UNKNOWN:
	case EC_FP:
	case EC_SYSREG:
	case EC_ILLEGAL:
		*what = ec_name(ec);
		return FAULT_UNDEF;
	case EC_PC_ALIGN:
	case EC_SP_ALIGN:
		*what = ec_name(ec);
		return FAULT_ALIGN;
	case EC_IABT_LOW:
		*what = fsc_name(fsc);
		return FAULT_INSTR;
	case EC_DABT_LOW:
		*what = fsc_name(fsc);
		if (fsc == 0x21)
			return FAULT_ALIGN;
		if (task_is_guard(t, far)) {
			*what = "stack overflow into the guard page";
			return FAULT_STACK;
		}
		if ((fsc & 0x3c) == 0x0c && write && far >= USER_BASE && far < USER_STACK_TOP) {
			*what = "write to a read-only mapping";
			return FAULT_WRITE_RO;
		}
		return FAULT_DATA;
	default:
		*what = ec_name(ec);
		return FAULT_OTHER;
	}
}

static const char *const fault_name[FAULT_NKINDS] = {
	"none", "data abort", "instruction abort", "undefined instruction",
	"misaligned access", "stack overflow", "write to read-only memory", "fault",
};

void user_trap(struct trapframe *tf, uint64_t kind)
{
	uint64_t esr = read_sysreg(esr_el1), far = read_sysreg(far_el1);
	unsigned ec = (unsigned)(esr >> 26) & 0x3f;
	struct thread *t = current;
	if (thread_ended(t))
		sched_leave_ended();   /* ended by another CPU: its fault does not matter
		                        * (a race between two CPUs no test can time) */
	const char *what = "";
	unsigned fault = kind == 8 ? classify(t->task, ec, esr, far, &what) : FAULT_OTHER;
	if (kind != 8)   /* an SError or FIQ from EL0: the virt board raises none */
		what = kind_name[kind];
	printk("[fault] task '%s' thread %u: %s (%s) at pc %lx, address %lx; task stopped\n",
	       t->task->name, t->index, fault_name[fault], what, tf->elr, far);
	thread_stop(t, TS_FAULTED, fault);
	sched_block();
	panic("a faulted thread ran again");   /* sched_block never returns to it */
}

#define KIND_IRQ_EL1 5   /* vectors.S: an interrupt taken at EL1 (only in an idle wait) */

void irq_handler(struct trapframe *tf, uint64_t kind)
{
	(void)tf;
	unsigned iar = plat_irq_ack(), irq = PLAT_IRQ_ID(iar);
	if (irq == PLAT_IRQ_VTIMER) {
		arch_timer_arm(arch_timer_freq() / TICK_HZ);
		plat_irq_eoi(iar);
	} else if (irq == SGI_RESCHED) {
		plat_irq_eoi(iar);
	} else if (irq != 1023) {   /* no other interrupt is enabled: never */
		plat_irq_eoi(iar);
		if (kind != KIND_IRQ_EL1)
			printk("[irq] unexpected interrupt %u\n", irq);
	}
	/* An idle thread's wait: no lock; its loop looks at the queues. */
	if (kind == KIND_IRQ_EL1)
		return;
	if (thread_ended(current))
		sched_leave_ended();   /* ended by another CPU while it ran here */
	if (irq == PLAT_IRQ_VTIMER)
		sched_yield();   /* round robin among equal priorities */
	else if (irq == SGI_RESCHED)
		sched_preempt();   /* another CPU queued a thread here */
}
