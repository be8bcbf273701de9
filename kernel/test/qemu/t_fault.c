/*
 * Each kind of user fault stops the faulting task with the right FAULT_*
 * kind in SYS_STATUS, while a bystander task (blocked on a notification
 * when the fault happens) and the kernel run on: the bystander is woken
 * afterwards and must exit normally.
 */
#include "harness.h"
#include "tests.h"

static volatile uint64_t some_data = 0x1234;   /* a .data page: mapped, never executable */
static volatile int recursion_limit = 1 << 30;

static void bystander(uint64_t arg)
{
	(void)arg;
	struct sysret r = sys_wait(CHILD_SLOT(0));
	C_CHECK(r.err == IPC_OK && r.v == 0x99);
	sys_exit(0);
}

/* Run victim(arg) beside a bystander; check the victim's end. */
static void fault_case(void (*victim)(uint64_t), uint64_t arg, unsigned kind)
{
	struct child v, b;
	uint64_t n = t_ntfn();
	if (!t_child(&b, bystander, 0, 100, "bystander") || !t_child(&v, victim, arg, 100, "victim"))
		return;
	t_give(&b, n, CHILD_SLOT(0), RIGHT_READ, 0);
	t_start(&b);   /* first in the queue: it blocks before the victim runs */
	t_start(&v);
	uint64_t st = t_join(&v);
	T_EQ(st & 0xff, TS_FAULTED);
	T_EQ(st >> 8, kind);
	/* The bystander is still there, waiting, and runs on. */
	T_EQ(sys_status(b.task).v, STATUS(TS_RUNNABLE, 0));   /* a task is runnable until it ends */
	T_OK(sys_signal(n, 0x99));
	t_join_ok(&b, "bystander");
	/* The victim's thread is stopped too, and stays stopped. */
	T_OK(sys_yield());
	T_EQ(sys_status(v.task).v & 0xff, TS_FAULTED);
}

static void v_read(uint64_t addr)
{
	uint64_t x = *(volatile uint64_t *)(uintptr_t)addr;
	sys_exit((int64_t)(x | 1));   /* not reached */
}

static void v_write(uint64_t addr)
{
	*(volatile uint64_t *)(uintptr_t)addr = 0xbad;
	sys_exit(1);
}

static void v_jump(uint64_t addr)
{
	((void (*)(void))(uintptr_t)addr)();
	sys_exit(1);
}

static void v_udf(uint64_t arg)
{
	(void)arg;
	__asm__ volatile(".inst 0x00000000" ::: "memory");   /* udf #0 */
	sys_exit(1);
}

static void v_fp(uint64_t arg)
{
	(void)arg;
	__asm__ volatile(".inst 0x9e6703e0" ::: "memory");   /* fmov d0, xzr */
	sys_exit(1);
}

static void v_sysreg(uint64_t arg)
{
	(void)arg;
	uint64_t x;
	__asm__ volatile("mrs %0, sctlr_el1" : "=r"(x) :: "memory");   /* EL1 only */
	sys_exit((int64_t)(x | 1));
}

/* A software breakpoint: an exception class the kernel has no kind for. */
static void v_brk(uint64_t arg)
{
	(void)arg;
	__asm__ volatile("brk #0" ::: "memory");
	sys_exit(1);
}

static void v_misaligned(uint64_t arg)
{
	(void)arg;
	static uint64_t buf[4];
	uint64_t p = (uint64_t)(uintptr_t)buf + 1 + arg, x;
	__asm__ volatile("ldr %0, [%1]" : "=r"(x) : "r"(p) : "memory");
	sys_exit((int64_t)(x | 1));
}

static void v_sp(uint64_t arg)
{
	(void)arg;
	__asm__ volatile("mov x9, sp\n\tsub x9, x9, #4\n\tmov sp, x9\n\tldr x10, [sp]\n\t" ::: "x9", "x10", "memory");
	sys_exit(1);
}

static int __attribute__((noinline)) recurse(volatile char *prev, int depth)
{
	volatile char buf[512];
	buf[0] = (char)depth;
	buf[511] = *prev;
	if (depth == recursion_limit)
		return buf[0];
	return recurse(buf, depth + 1) + buf[100];
}

static void v_stack(uint64_t arg)
{
	(void)arg;
	char c = 1;
	sys_exit(recurse(&c, 0));
}

void test_fault_data_unmapped(void) { fault_case(v_read, CHILD_MAP_VA + 0x123000, FAULT_DATA); }
void test_fault_data_kernel(void) { fault_case(v_read, 0x40200000, FAULT_DATA); }
void test_fault_write_kernel(void) { fault_case(v_write, 0x40201000, FAULT_DATA); }

void test_fault_instr_unmapped(void)
{
	fault_case(v_jump, CHILD_MAP_VA, FAULT_INSTR);
	if (!t_failed())
		fault_case(v_jump, 0x40200000, FAULT_INSTR);   /* the kernel's code */
}

void test_fault_instr_data(void) { fault_case(v_jump, (uint64_t)(uintptr_t)&some_data, FAULT_INSTR); }
void test_fault_undef(void) { fault_case(v_udf, 0, FAULT_UNDEF); }
void test_fault_fp(void) { fault_case(v_fp, 0, FAULT_UNDEF); }
void test_fault_sysreg(void) { fault_case(v_sysreg, 0, FAULT_UNDEF); }
void test_fault_other(void) { fault_case(v_brk, 0, FAULT_OTHER); }

void test_fault_align_data(void)
{
	fault_case(v_misaligned, 0, FAULT_ALIGN);
	if (!t_failed())
		fault_case(v_misaligned, 3, FAULT_ALIGN);
}

void test_fault_align_pc(void) { fault_case(v_jump, (uint64_t)(uintptr_t)v_udf + 2, FAULT_ALIGN); }
void test_fault_align_sp(void) { fault_case(v_sp, 0, FAULT_ALIGN); }
void test_fault_stack_overflow(void) { fault_case(v_stack, 0, FAULT_STACK); }
void test_fault_write_code(void) { fault_case(v_write, (uint64_t)(uintptr_t)v_read, FAULT_WRITE_RO); }

/* A read-only mapping of a frame: readable (the root's data is there),
 * not writable, and the failed write changed nothing. */
static void v_ro_frame(uint64_t arg)
{
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)CHILD_MAP_VA;
	C_CHECK(p[0] == arg);
	p[0] = ~arg;
	sys_exit(1);
}

void test_fault_write_ro_frame(void)
{
	uint64_t f = t_frame(1);
	volatile uint64_t *mine = t_map_root(f, 1, RIGHT_READ | RIGHT_WRITE);
	const uint64_t magic = 0x5eed5eed5eedull;
	mine[0] = magic;
	struct child v;
	if (!t_child(&v, v_ro_frame, magic, 100, "ro-writer"))
		return;
	t_map_child(&v, f, CHILD_MAP_VA, RIGHT_READ);
	t_start(&v);
	T_EQ(t_join(&v), STATUS(TS_FAULTED, FAULT_WRITE_RO));
	T_EQ(mine[0], magic);
	/* A read-only capability to the frame cannot map it writable. */
	uint64_t ro = t_mint(f, RIGHT_READ, 0);
	struct child w;
	if (!t_child(&w, v_ro_frame, magic, 100, "ro-writer2"))
		return;
	T_ERR(sys_map(ro, w.task, CHILD_MAP_VA, RIGHT_READ | RIGHT_WRITE), IPC_E_RIGHTS);
	T_OK(sys_map(ro, w.task, CHILD_MAP_VA, RIGHT_READ));
	t_start(&w);
	T_EQ(t_join(&w), STATUS(TS_FAULTED, FAULT_WRITE_RO));
	T_EQ(mine[0], magic);
}

/* A fault in one thread ends its task: the sibling thread, blocked on a
 * notification, is stopped too and leaves the notification's queue. */
static void sibling_waiter(uint64_t arg)
{
	(void)arg;
	sys_wait(CHILD_SLOT(0));
	sys_exit(5);
}

void test_fault_thread_sibling(void)
{
	uint64_t n = t_ntfn();
	struct child c;
	if (!t_child(&c, sibling_waiter, 0, 100, "two-threads"))
		return;
	t_give(&c, n, CHILD_SLOT(0), RIGHT_READ, 0);
	uint64_t th = t_slot();
	T_OK(sys_thread_create(c.task, th, v_udf, 0, 90));
	t_start(&c);
	t_settle(95);   /* the waiter has blocked */
	T_EQ(sys_status(th).v, STATUS(TS_INACTIVE, 0));
	T_OK(sys_start(th));
	T_EQ(t_join(&c), STATUS(TS_FAULTED, FAULT_UNDEF));
	T_EQ(sys_status(th).v, STATUS(TS_FAULTED, FAULT_UNDEF));
	/* Nobody waits on n any more: a signal is kept in the word. */
	T_OK(sys_signal(n, 4));
	T_EQ(sys_peek(n).v, 4);
}

/* A fault ends the whole task, unstarted threads included: the task ends
 * at once (its end notification fires without waiting for them), they
 * read TS_FAULTED and can no longer be started, and the task stays
 * TS_FAULTED. */
static void never_runs(uint64_t arg) { sys_exit((int64_t)arg + 1); }

void test_fault_unstarted_sibling(void)
{
	struct child c;
	if (!t_child(&c, v_udf, 0, 100, "faults"))
		return;
	uint64_t th = t_slot();
	T_OK(sys_thread_create(c.task, th, never_runs, 0, 100));
	t_start(&c);
	t_settle(50);                        /* thread 0 has faulted */
	T_EQ(sys_poll(c.end).v, 1);          /* the task has ended */
	T_EQ(sys_status(c.task).v, STATUS(TS_FAULTED, FAULT_UNDEF));
	T_EQ(sys_status(th).v, STATUS(TS_FAULTED, FAULT_UNDEF));
	T_ERR(sys_start(th), IPC_E_STATE);
	t_settle(50);
	T_EQ(sys_status(c.task).v, STATUS(TS_FAULTED, FAULT_UNDEF));
}

/* ---- execute permission of every kind of user mapping ------------------ */

/* What a mapping would run if it were executable: exit(EXEC_RAN). */
#define EXEC_RAN 123
static const uint32_t exit_seq[3] = {
	0xd2800000u | (EXEC_RAN << 5),          /* movz x0, #EXEC_RAN */
	0xd2800000u | (SYS_EXIT << 5) | 8,      /* movz x8, #SYS_EXIT */
	0xd4000001u,                            /* svc #0 */
};

enum exec_kind { X_CODE, X_DATA, X_BSS, X_STACK, X_IPCBUF, X_FRAME_RO, X_FRAME_RW, X_NKINDS };
static const char *const exec_name[X_NKINDS] = {
	"shared code", "private data", "bss", "stack", "IPC buffer", "frame mapped read-only",
	"frame mapped read-write",
};

static volatile uint32_t exec_data[4] = { 0xd2800000u | (EXEC_RAN << 5), 0xd2800000u | (SYS_EXIT << 5) | 8,
                                          0xd4000001u };   /* .data: exit_seq, initialised */
static volatile uint32_t exec_bss[4];

static void __attribute__((noinline)) exec_here(void) { sys_exit(EXEC_RAN); }

static void put_seq(volatile uint32_t *p)
{
	for (int i = 0; i < 3; i++)
		p[i] = exit_seq[i];
}

/* Jump into a mapping of the given kind that holds exit_seq: only the
 * shared code may run (and exits EXEC_RAN); anything else must stop the
 * task with an instruction abort.  (QEMU keeps its translated code
 * coherent with the stores, so no cache maintenance is needed to run what
 * was just written, were it executable.) */
static void v_exec(uint64_t kind)
{
	volatile uint32_t on_stack[4];
	volatile uint32_t *p;
	switch (kind) {
	case X_CODE:     p = (volatile uint32_t *)(uintptr_t)exec_here; break;
	case X_DATA:     p = exec_data; break;
	case X_BSS:      p = exec_bss; put_seq(p); break;
	case X_STACK:    p = on_stack; put_seq(p); break;
	case X_IPCBUF:   p = (volatile uint32_t *)ipc_buffer() + 8; put_seq(p); break;
	default:         p = (volatile uint32_t *)(uintptr_t)CHILD_MAP_VA; break;   /* the root wrote it */
	}
	__asm__ volatile("" ::: "memory");
	((void (*)(void))(uintptr_t)p)();
	sys_exit(1);
}

void test_exec_never(void)
{
	uint64_t f = t_frame(1);
	volatile uint32_t *mine = t_map_root(f, 1, RIGHT_READ | RIGHT_WRITE);
	put_seq(mine);
	for (unsigned k = 0; k < X_NKINDS; k++) {
		struct child v;
		if (!t_child(&v, v_exec, k, 100, "exec"))
			return;
		if (k == X_FRAME_RO || k == X_FRAME_RW)
			t_map_child(&v, f, CHILD_MAP_VA, k == X_FRAME_RO ? RIGHT_READ : RIGHT_READ | RIGHT_WRITE);
		/* The self-check's view of the same rule, every mapping in place
		 * (after the test they are gone). */
		struct sysret sc = sys_selfcheck(ROOT_SLOT_CTRL);
		if (sc.v != 0)
			t_fail(__FILE__, __LINE__, "with the %s mapped: %lu broken invariants", exec_name[k], sc.v);
		t_start(&v);
		uint64_t st = t_join(&v), want = k == X_CODE ? STATUS(TS_EXITED, EXEC_RAN)
		                                              : STATUS(TS_FAULTED, FAULT_INSTR);
		if (st != want)
			t_fail(__FILE__, __LINE__, "jump into the %s: state %lu code %lu, want %s", exec_name[k],
			       st & 0xff, st >> 8, k == X_CODE ? "exit 123" : "an instruction abort");
		t_slot_free(v.task);
		t_slot_free(v.end);
	}
}
