/*
 * Every bad argument of every syscall returns its own error code, and a
 * failed call changes nothing (the destination slot stays empty, the
 * notification word stays as it was, no object is used up).
 */
#include "harness.h"
#include "tests.h"

static volatile uint64_t some_data = 1;

static void exit_at_once(uint64_t arg) { sys_exit((int64_t)arg); }

static struct sysret sc(uint64_t n, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
	return syscall6(n, a0, a1, a2, a3, a4, 0);
}

void test_err_nosys(void)
{
	const uint64_t nums[] = { SYS_COUNT, SYS_COUNT + 1, 255, 1000, 1ull << 32, 1ull << 63, ~0ull };
	for (unsigned i = 0; i < sizeof nums / sizeof nums[0]; i++)
		T_ERR(sc(nums[i], ROOT_SLOT_CTRL, 0, 0, 0, 0).err, IPC_E_NOSYS);
	T_OK(sys_null());
}

/* The syscalls whose first argument is a slot, with a valid rest, and a
 * slot of a type they do not take. */
struct slot_case {
	uint64_t nr;
	uint64_t a1, a2, a3;
};

void test_err_slots(void)
{
	uint64_t ep = t_ep(), empty = t_slot(), f = t_frame(1);
	const struct slot_case cases[] = {
		{ SYS_CREATE, CAP_NTFN, 0, 0 },      /* a2 set below: a free slot */
		{ SYS_TASK_CREATE, 0, 0, 0 },
		{ SYS_THREAD_CREATE, 0, 0, 0 },
		{ SYS_START, 0, 0, 0 },
		{ SYS_CAP_COPY, 0, 0, 0 },
		{ SYS_CAP_DELETE, 0, 0, 0 },
		{ SYS_STATUS, 0, 0, 0 },
		{ SYS_SHUTDOWN, 99, 0, 0 },
		{ SYS_SIGNAL, 1, 0, 0 },
		{ SYS_WAIT, 0, 0, 0 },
		{ SYS_POLL, 0, 0, 0 },
		{ SYS_PEEK, 0, 0, 0 },
		{ SYS_SEND, 0, 0, 0 },
		{ SYS_NBSEND, 0, 0, 0 },
		{ SYS_RECV, 0, 0, 0 },
		{ SYS_CALL, 0, 0, 0 },
		{ SYS_REPLY_RECV, 0, 0, 0 },
		{ SYS_MAP, ROOT_SLOT_TASK, USER_MAP_BASE, RIGHT_READ },
		{ SYS_UNMAP, ROOT_SLOT_TASK, 0, 0 },
		{ SYS_SELFCHECK, 0, 0, 0 },
		{ SYS_BOUND_NTFN, 0, 0, 0 },
	};
	const uint64_t bad[] = { 0, CSPACE_SLOTS, CSPACE_SLOTS + 1, 1000, 1ull << 32, 1ull << 63, ~0ull };
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct slot_case *c = &cases[i];
		for (unsigned b = 0; b < sizeof bad / sizeof bad[0]; b++) {
			int64_t e = sc(c->nr, bad[b], c->a1, c->a2, c->a3, 0).err;
			if (e != IPC_E_SLOT)
				t_fail(__FILE__, __LINE__, "syscall %lu slot %lx: %s, want slot", c->nr, bad[b], uerrname(e));
		}
		int64_t e = sc(c->nr, empty, c->a1, c->a2, c->a3, 0).err;
		if (e != IPC_E_EMPTY)
			t_fail(__FILE__, __LINE__, "syscall %lu, empty slot: %s, want empty", c->nr, uerrname(e));
		/* A type it does not take: an endpoint, or (for the endpoint
		 * syscalls) a frame. */
		uint64_t wrong = (c->nr >= SYS_SEND && c->nr <= SYS_REPLY_RECV) ? f : ep;
		if (c->nr == SYS_CAP_DELETE)
			continue;   /* takes any type */
		e = sc(c->nr, wrong, c->a1, c->a2, c->a3, 0).err;
		if (e != IPC_E_TYPE)
			t_fail(__FILE__, __LINE__, "syscall %lu, wrong type: %s, want type", c->nr, uerrname(e));
	}
	/* Second slot arguments. */
	uint64_t dest = t_slot();
	T_ERR(sys_map(f, 0, USER_MAP_BASE, RIGHT_READ), IPC_E_SLOT);
	T_ERR(sys_map(f, empty, USER_MAP_BASE, RIGHT_READ), IPC_E_EMPTY);
	T_ERR(sys_map(f, ep, USER_MAP_BASE, RIGHT_READ), IPC_E_TYPE);
	T_ERR(sys_unmap(f, ep), IPC_E_TYPE);
	T_ERR(sys_create(ROOT_SLOT_CTRL, CAP_NTFN, 0, 0), IPC_E_SLOT);
	T_ERR(sys_create(ROOT_SLOT_CTRL, CAP_NTFN, CSPACE_SLOTS, 0), IPC_E_SLOT);
	T_ERR(sys_create(ROOT_SLOT_CTRL, CAP_NTFN, ep, 0), IPC_E_OCCUPIED);
	T_ERR(sys_create(ROOT_SLOT_CTRL, CAP_NTFN, ROOT_SLOT_CTRL, 0), IPC_E_OCCUPIED);
	T_ERR(sys_cap_copy(ROOT_SLOT_TASK, ep, ep, RIGHTS_ALL, 0), IPC_E_OCCUPIED);
	T_ERR(sys_cap_copy(ROOT_SLOT_TASK, ep, 0, RIGHTS_ALL, 0), IPC_E_SLOT);
	T_ERR(sys_cap_copy(ROOT_SLOT_TASK, 0, dest, RIGHTS_ALL, 0), IPC_E_SLOT);
	T_ERR(sys_cap_copy(ROOT_SLOT_TASK, empty, dest, RIGHTS_ALL, 0), IPC_E_EMPTY);
	T_ERR(sys_bound_ntfn(ROOT_SLOT_TASK, ep, 1), IPC_E_TYPE);
	T_ERR(sys_bound_ntfn(ROOT_SLOT_TASK, empty, 1), IPC_E_EMPTY);
	T_ERR(sys_task_create(ROOT_SLOT_CTRL, ep, exit_at_once, 0, 10, "x"), IPC_E_OCCUPIED);
	T_ERR(sys_task_create(ROOT_SLOT_CTRL, 0, exit_at_once, 0, 10, "x"), IPC_E_SLOT);
	/* Nothing changed: the slots are as they were. */
	T_ERR(sys_cap_delete(dest), IPC_E_EMPTY);
	T_ERR(sys_cap_delete(empty), IPC_E_EMPTY);
	T_OK(sys_nbsend(ep, 0, (uint64_t[4]){ 0 }).err == IPC_E_WOULDBLOCK ? IPC_OK : -99);
	T_OK(sys_status(ROOT_SLOT_TASK).err);
}

void test_err_rights(void)
{
	uint64_t n = t_ntfn(), ep = t_ep(), f = t_frame(1);
	uint64_t n_r = t_mint(n, RIGHT_READ, 0), n_w = t_mint(n, RIGHT_WRITE, 0), n_0 = t_mint(n, 0, 0);
	uint64_t e_r = t_mint(ep, RIGHT_READ, 0), e_w = t_mint(ep, RIGHT_WRITE, 0);
	uint64_t f_r = t_mint(f, RIGHT_READ, 0), f_w = t_mint(f, RIGHT_WRITE, 0);
	uint64_t task_r = t_mint(ROOT_SLOT_TASK, RIGHT_READ, 0), task_w = t_mint(ROOT_SLOT_TASK, RIGHT_WRITE, 0);
	uint64_t ctrl_r = t_mint(ROOT_SLOT_CTRL, RIGHT_READ, 0);
	const uint64_t z[4] = { 0 };
	T_ERR(sys_signal(n_r, 1), IPC_E_RIGHTS);
	T_ERR(sys_signal(n_0, 1), IPC_E_RIGHTS);
	T_EQ(sys_peek(n).v, 0);          /* the refused signals left nothing */
	T_ERR(sys_wait(n_w).err, IPC_E_RIGHTS);
	T_ERR(sys_poll(n_w).err, IPC_E_RIGHTS);
	T_ERR(sys_peek(n_w).err, IPC_E_RIGHTS);
	T_OK(sys_signal(n_w, 8));
	T_ERR(sys_poll(n_0).err, IPC_E_RIGHTS);
	T_EQ(sys_peek(n_r).v, 8);        /* the refused poll did not clear it */
	T_EQ(sys_poll(n_r).v, 8);
	T_ERR(sys_send(e_r, 0, z).err, IPC_E_RIGHTS);
	T_ERR(sys_nbsend(e_r, 0, z).err, IPC_E_RIGHTS);
	T_ERR(sys_call(e_r, 0, z).err, IPC_E_RIGHTS);
	T_ERR(sys_recv(e_w).err, IPC_E_RIGHTS);
	T_ERR(sys_reply_recv(e_w, 0, z).err, IPC_E_RIGHTS);
	T_ERR(sys_map(f_w, ROOT_SLOT_TASK, USER_MAP_BASE, RIGHT_READ), IPC_E_RIGHTS);   /* map needs read */
	T_ERR(sys_map(f_r, ROOT_SLOT_TASK, USER_MAP_BASE, RIGHT_READ | RIGHT_WRITE), IPC_E_RIGHTS);
	T_ERR(sys_map(f, task_r, USER_MAP_BASE, RIGHT_READ), IPC_E_RIGHTS);
	T_ERR(sys_unmap(f, task_r), IPC_E_RIGHTS);
	T_ERR(sys_cap_copy(task_r, n, t_slot(), RIGHTS_ALL, 0), IPC_E_RIGHTS);
	T_ERR(sys_bound_ntfn(task_r, n, 1), IPC_E_RIGHTS);
	T_ERR(sys_bound_ntfn(task_w, n_r, 1), IPC_E_RIGHTS);
	T_ERR(sys_status(task_w).err, IPC_E_RIGHTS);
	T_EQ(sys_status(task_r).v, STATUS(TS_RUNNABLE, 0));
	T_ERR(sys_create(ctrl_r, CAP_NTFN, t_slot(), 0), IPC_E_RIGHTS);
	T_ERR(sys_task_create(ctrl_r, t_slot(), exit_at_once, 0, 10, "x"), IPC_E_RIGHTS);
	T_ERR(sys_shutdown(ctrl_r, 77), IPC_E_RIGHTS);   /* 77: QEMU's status if it stopped */
	T_OK(sys_selfcheck(ctrl_r).err);                /* self-check needs read only */
	/* Read-only frame mapped read-only works. */
	T_OK(sys_map(f_r, ROOT_SLOT_TASK, USER_MAP_BASE + 0x200000000ull, RIGHT_READ));
	T_OK(sys_unmap(f_r, ROOT_SLOT_TASK));
	/* Rights bits other than read/write for map are an argument error. */
	T_ERR(sys_map(f, ROOT_SLOT_TASK, USER_MAP_BASE, 0), IPC_E_ARG);
	T_ERR(sys_map(f, ROOT_SLOT_TASK, USER_MAP_BASE, RIGHT_WRITE), IPC_E_ARG);
	T_ERR(sys_map(f, ROOT_SLOT_TASK, USER_MAP_BASE, RIGHT_READ | RIGHT_GRANT), IPC_E_ARG);
	T_ERR(sys_unmap(f, ROOT_SLOT_TASK), IPC_E_NOTMAPPED);
}

void test_err_create(void)
{
	uint64_t dest = t_slot();
	const uint64_t types[] = { CAP_NULL, CAP_CTRL, CAP_TASK, CAP_THREAD, CAP_NTYPES, 99, ~0ull };
	for (unsigned i = 0; i < sizeof types / sizeof types[0]; i++)
		T_ERR(sys_create(ROOT_SLOT_CTRL, types[i], dest, 1), IPC_E_ARG);
	const uint64_t pages[] = { 0, 65, 1000, 1ull << 32, ~0ull };
	for (unsigned i = 0; i < sizeof pages / sizeof pages[0]; i++)
		T_ERR(sys_create(ROOT_SLOT_CTRL, CAP_FRAME, dest, pages[i]), IPC_E_RANGE);
	T_ERR(sys_cap_delete(dest), IPC_E_EMPTY);   /* nothing was put there */
	T_OK(sys_create(ROOT_SLOT_CTRL, CAP_FRAME, dest, 64));
	T_ERR(sys_create(ROOT_SLOT_CTRL, CAP_FRAME, dest, 1), IPC_E_OCCUPIED);
	T_OK(sys_cap_delete(dest));
}

void test_err_task_create(void)
{
	uint64_t dest = t_slot();
	void (*e)(uint64_t) = exit_at_once;
	const struct { uint64_t entry; int64_t err; } entries[] = {
		{ 0x40200000, IPC_E_ADDR },                       /* the kernel */
		{ 0, IPC_E_ADDR },
		{ USER_MAP_BASE, IPC_E_ADDR },                    /* unmapped */
		{ (uint64_t)(uintptr_t)&some_data, IPC_E_ADDR },  /* data, not code */
		{ USER_STACK_TOP - 8, IPC_E_ADDR },
		{ ~0ull & ~3ull, IPC_E_ADDR },
		{ (uint64_t)(uintptr_t)e + 2, IPC_E_ALIGN },
	};
	for (unsigned i = 0; i < sizeof entries / sizeof entries[0]; i++) {
		void (*bad)(uint64_t) = (void (*)(uint64_t))(uintptr_t)entries[i].entry;
		T_ERR(sys_task_create(ROOT_SLOT_CTRL, dest, bad, 0, 10, "bad"), entries[i].err);
		T_ERR(sys_thread_create(ROOT_SLOT_TASK, dest, bad, 0, 10), entries[i].err);
	}
	T_ERR(sys_task_create(ROOT_SLOT_CTRL, dest, e, 0, ROOT_PRIO + 1, "hi"), IPC_E_PRIO);
	T_ERR(sys_task_create(ROOT_SLOT_CTRL, dest, e, 0, PRIO_MAX + 1, "hi"), IPC_E_ARG);
	T_ERR(sys_task_create(ROOT_SLOT_CTRL, dest, e, 0, ~0ull, "hi"), IPC_E_ARG);
	T_ERR(sys_thread_create(ROOT_SLOT_TASK, dest, e, 0, ROOT_PRIO + 1), IPC_E_PRIO);
	T_ERR(sys_task_create(ROOT_SLOT_CTRL, dest, e, 0, 10, (const char *)0x40200000), IPC_E_ADDR);
	T_ERR(sys_task_create(ROOT_SLOT_CTRL, dest, e, 0, 10, (const char *)(uintptr_t)USER_MAP_BASE), IPC_E_ADDR);
	T_ERR(sys_cap_delete(dest), IPC_E_EMPTY);
	/* A thread's priority is bounded by its creator's, in a child too. */
	struct child c;
	if (!t_child(&c, exit_at_once, 0, 100, "prio"))
		return;
	/* More threads than a task may have: IPC_E_NOMEM. */
	uint64_t th[8];
	unsigned made = 0;
	int64_t err = IPC_OK;
	for (; made < 8; made++) {
		th[made] = t_slot();
		err = sys_thread_create(c.task, th[made], e, 0, 10);
		if (err != IPC_OK)
			break;
	}
	T_EQ(made, 7);          /* TASK_MAX_THREADS is 8, the first one included */
	T_ERR(err, IPC_E_NOMEM);
	t_start(&c);
	T_ERR(sys_start(c.task), IPC_E_STATE);
	/* The task ends when its last thread does: start them all. */
	for (unsigned i = 0; i < made; i++)
		T_OK(sys_start(th[i]));
	T_EQ(t_join(&c), STATUS(TS_EXITED, 0));
	T_ERR(sys_start(th[0]), IPC_E_STATE);
	T_ERR(sys_thread_create(c.task, th[7], e, 0, 10), IPC_E_STATE);   /* the task has ended */
	/* A normal create still works after all the refusals. */
	struct child ok;
	if (t_child(&ok, exit_at_once, 0, 10, "fine")) {
		t_start(&ok);
		t_join_ok(&ok, "fine");
	}
}

void test_err_puts(void)
{
	static const char msg[] = "x";
	T_ERR(sys_puts((const char *)0x40200000, 4), IPC_E_ADDR);
	T_ERR(sys_puts((const char *)0x40000000, 1), IPC_E_ADDR);
	T_ERR(sys_puts((const char *)(uintptr_t)USER_MAP_BASE, 4), IPC_E_ADDR);
	T_ERR(sys_puts((const char *)0, 1), IPC_E_ADDR);
	T_ERR(sys_puts((const char *)~0ull, 1), IPC_E_ADDR);
	T_ERR(sys_puts((const char *)(uintptr_t)(USER_STACK_TOP - 1), 2), IPC_E_ADDR);
	T_ERR(sys_puts(msg, 4097), IPC_E_RANGE);
	T_ERR(sys_puts(msg, ~0ull), IPC_E_RANGE);
	/* A range that runs off the end of a mapping prints nothing. */
	uint64_t f = t_frame(1);
	char *p = t_map_root(f, 1, RIGHT_READ | RIGHT_WRITE);
	for (int i = 0; i < PAGE_SIZE; i++)
		p[i] = 'E';
	T_ERR(sys_puts(p + PAGE_SIZE - 4, 8), IPC_E_ADDR);
	T_ERR(sys_puts(p, PAGE_SIZE + 1), IPC_E_RANGE);
	T_ERR(sys_puts(p + 1, PAGE_SIZE), IPC_E_ADDR);
	struct sysret r = syscall6(SYS_PUTS, (uint64_t)(uintptr_t)msg, 0, 0, 0, 0, 0);
	T_OK(r.err);
	T_EQ(r.v, 0);
}

void test_err_cap_copy(void)
{
	uint64_t n = t_ntfn(), f = t_frame(1), dest = t_slot();
	uint64_t n_r = t_mint(n, RIGHT_READ, 0);
	uint64_t n_b = t_mint(n, RIGHT_WRITE, 0x40);
	T_ERR(sys_cap_copy(ROOT_SLOT_TASK, n_r, dest, RIGHT_READ | RIGHT_WRITE, 0), IPC_E_RIGHTS);
	T_ERR(sys_cap_copy(ROOT_SLOT_TASK, n, dest, 8, 0), IPC_E_ARG);
	T_ERR(sys_cap_copy(ROOT_SLOT_TASK, n, dest, ~0ull, 0), IPC_E_ARG);
	T_ERR(sys_cap_copy(ROOT_SLOT_TASK, n_b, dest, RIGHT_WRITE, 0x80), IPC_E_ARG);   /* badged already */
	T_ERR(sys_cap_copy(ROOT_SLOT_TASK, f, dest, RIGHTS_ALL, 5), IPC_E_ARG);         /* frames have no badge */
	T_ERR(sys_cap_copy(ROOT_SLOT_TASK, ROOT_SLOT_TASK, dest, RIGHTS_ALL, 5), IPC_E_ARG);
	T_ERR(sys_cap_copy(n, n, dest, RIGHTS_ALL, 0), IPC_E_TYPE);
	T_ERR(sys_cap_delete(dest), IPC_E_EMPTY);
	/* A copy keeps the badge; a copy of a badged cap has it too. */
	T_OK(sys_cap_copy(ROOT_SLOT_TASK, n_b, dest, RIGHT_WRITE, 0));
	T_OK(sys_signal(dest, 1));
	T_EQ(sys_poll(n).v, 0x40);
	/* Into a task that has ended: IPC_E_STATE, nothing put there. */
	struct child c;
	if (!t_child(&c, exit_at_once, 0, 10, "ended"))
		return;
	t_start(&c);
	T_EQ(t_join(&c), STATUS(TS_EXITED, 0));
	T_ERR(sys_cap_copy(c.task, n, CHILD_SLOT(0), RIGHTS_ALL, 0), IPC_E_STATE);
	T_ERR(sys_map(f, c.task, USER_MAP_BASE, RIGHT_READ), IPC_E_STATE);
	T_ERR(sys_bound_ntfn(c.task, n, 1), IPC_E_STATE);
}

void test_err_start_status(void)
{
	uint64_t n = t_ntfn();
	T_ERR(sys_start(n), IPC_E_TYPE);
	T_ERR(sys_start(ROOT_SLOT_THREAD), IPC_E_STATE);
	T_ERR(sys_start(ROOT_SLOT_TASK), IPC_E_STATE);
	T_ERR(sys_status(n).err, IPC_E_TYPE);
	T_EQ(sys_status(ROOT_SLOT_THREAD).v, STATUS(TS_RUNNABLE, 0));
	struct child c;
	if (!t_child(&c, exit_at_once, 42, 10, "status"))
		return;
	T_EQ(sys_status(c.task).v, STATUS(TS_INACTIVE, 0));
	t_start(&c);
	T_EQ(sys_status(c.task).v, STATUS(TS_RUNNABLE, 0));   /* lower: not run yet */
	T_EQ(t_join(&c), STATUS(TS_EXITED, 42));
	T_ERR(sys_start(c.task), IPC_E_STATE);
	T_ERR(sys_signal(n, 0), IPC_E_ARG);   /* a zero badge signals nothing */
	T_EQ(sys_peek(n).v, 0);
	T_ERR(sys_bound_ntfn(ROOT_SLOT_TASK, n, 0), IPC_E_ARG);
}

void test_err_msg(void)
{
	uint64_t ep = t_ep(), n = t_ntfn(), empty = t_slot();
	uint64_t e_ng = t_mint(ep, RIGHT_READ | RIGHT_WRITE, 0);
	const uint64_t z[4] = { 0 };
	T_ERR(sys_nbsend(ep, MSG_MAX_WORDS + 1, z).err, IPC_E_MSGSIZE);
	T_ERR(sys_nbsend(ep, 0x3ff, z).err, IPC_E_MSGSIZE);
	T_ERR(sys_call(ep, MSG_MAX_WORDS + 1, z).err, IPC_E_MSGSIZE);
	T_ERR(sys_send(ep, MSG_MAX_WORDS + 1, z).err, IPC_E_MSGSIZE);
	T_ERR(sys_nbsend(ep, MSG_CAP_LOST, z).err, IPC_E_ARG);         /* a bit only the kernel sets */
	T_ERR(sys_nbsend(ep, 1ull << 40, z).err, IPC_E_ARG);
	T_ERR(sys_nbsend(ep, (uint64_t)n << 16, z).err, IPC_E_ARG);    /* a slot without HAS_CAP */
	T_ERR(sys_nbsend(ep, MSG_INFO(0, 0, 1), z).err, IPC_E_SLOT);
	T_ERR(sys_nbsend(ep, MSG_INFO(0, 0xffff, 1), z).err, IPC_E_SLOT);
	T_ERR(sys_nbsend(ep, MSG_INFO(0, empty, 1), z).err, IPC_E_EMPTY);
	T_ERR(sys_nbsend(e_ng, MSG_INFO(0, n, 1), z).err, IPC_E_GRANT);
	T_ERR(sys_send(e_ng, MSG_INFO(0, n, 1), z).err, IPC_E_GRANT);
	T_ERR(sys_nbsend(ep, MSG_INFO(1, n, 1), z).err, IPC_E_WOULDBLOCK);   /* all valid: no receiver */
	T_ERR(sys_nbsend(ep, MSG_MAX_WORDS, z).err, IPC_E_WOULDBLOCK);
	T_ERR(sys_reply_recv(ep, 0, z).err, IPC_E_NOREPLY);
	T_ERR(sys_reply_recv(ep, MSG_MAX_WORDS + 1, z).err, IPC_E_MSGSIZE);
	T_ERR(sys_reply_recv(ep, MSG_INFO(0, n, 1), z).err, IPC_E_GRANT);    /* replies carry no capability */
	T_ERR(sys_cap_delete(empty), IPC_E_EMPTY);
}

/* x7..x18 come back from every syscall zeroed, whatever they held and
 * whichever path the syscall took (a handler, an unknown number, a call
 * that blocked and switched): no kernel value reaches a task through them. */
static void scrubbed_after(uint64_t num, uint64_t a0, uint64_t a1)
{
	uint64_t regs[12];
	register uint64_t x0 __asm__("x0") = a0;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x8 __asm__("x8") = num;
	__asm__ volatile(
		"mov x7, #0x77\n\tmov x9, #0x99\n\tmov x10, #0x1010\n\tmov x11, #0x1111\n\t"
		"mov x12, #0x1212\n\tmov x13, #0x1313\n\tmov x14, #0x1414\n\tmov x15, #0x1515\n\t"
		"mov x16, #0x1616\n\tmov x17, #0x1717\n\tmov x18, #0x1818\n\t"
		"svc #0\n\t"
		"stp x7, x8, [%[r], #0]\n\tstp x9, x10, [%[r], #16]\n\tstp x11, x12, [%[r], #32]\n\t"
		"stp x13, x14, [%[r], #48]\n\tstp x15, x16, [%[r], #64]\n\tstp x17, x18, [%[r], #80]"
		: "+r"(x0), "+r"(x1), "+r"(x8)
		: [r] "r"(regs)
		: "x2", "x3", "x4", "x5", "x6", "x7", "x9", "x10", "x11", "x12", "x13", "x14", "x15",
		  "x16", "x17", "x18", "memory", "cc");
	for (int i = 0; i < 12; i++)
		if (regs[i])
			t_fail(__FILE__, __LINE__, "syscall %lu: x%d came back as %lx", num, 7 + i,
			       regs[i]);
}

void test_regs_scrubbed(void)
{
	scrubbed_after(SYS_NULL, 0, 0);
	scrubbed_after(SYS_COUNT + 3, 0, 0);               /* unknown number */
	scrubbed_after(SYS_POLL, 0, 0);                    /* an error path (slot 0) */
	uint64_t n = t_ntfn();
	sys_signal(n, 1);
	scrubbed_after(SYS_WAIT, n, 0);                    /* a wait that returns at once */
	scrubbed_after(SYS_YIELD, 0, 0);                   /* may switch */
	t_slot_free(n);
}

/* A task stops the machine only with an outcome of its own: the kernel's
 * statuses (panic, kernel fault, deadlock) and values the enum does not
 * name are refused.  Were one accepted, QEMU would stop with it here and
 * the suite fail. */
void test_err_shutdown(void)
{
	const int64_t refused[] = { IPCLAB_EXIT_PANIC, IPCLAB_EXIT_KERNEL_FAULT, IPCLAB_EXIT_DEADLOCK,
	                            7, 77, 255, 256, -1, (int64_t)1 << 32 | IPCLAB_EXIT_OK };
	for (unsigned i = 0; i < sizeof refused / sizeof refused[0]; i++)
		T_ERR(sys_shutdown(ROOT_SLOT_CTRL, refused[i]), IPC_E_ARG);
}
