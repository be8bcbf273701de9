/*
 * Notifications: coalescing, poll and peek, FIFO order of waiters, the
 * switch on waking a higher-priority waiter (and not a lower or equal
 * one), badges minted with SYS_CAP_COPY, and rights in other tasks.
 */
#include "harness.h"
#include "tests.h"

struct ntfn_shared {
	volatile uint64_t woken;   /* set by the waiter when it runs */
};
#define SH ((struct ntfn_shared *)(uintptr_t)CHILD_MAP_VA)

static void signal_three(uint64_t arg)
{
	(void)arg;
	C_CHECK(sys_signal(CHILD_SLOT(0), 0x10) == IPC_OK);
	C_CHECK(sys_signal(CHILD_SLOT(0), 0x20) == IPC_OK);
	C_CHECK(sys_signal(CHILD_SLOT(0), 0x10) == IPC_OK);
	sys_exit(0);
}

void test_ntfn_coalesce(void)
{
	uint64_t n = t_ntfn();
	T_OK(sys_signal(n, 1));
	T_OK(sys_signal(n, 2));
	T_OK(sys_signal(n, 4));
	T_OK(sys_signal(n, 0x100));
	T_OK(sys_signal(n, 2));
	struct sysret r = sys_wait(n);   /* pending: does not block */
	T_OK(r.err);
	T_EQ(r.v, 0x107);
	T_EQ(sys_poll(n).v, 0);          /* the wait cleared it */
	/* Signals from another task coalesce the same way. */
	struct child c;
	if (!t_child(&c, signal_three, 0, 100, "signaller"))
		return;
	t_give(&c, n, CHILD_SLOT(0), RIGHT_WRITE, 0);
	t_start(&c);
	t_join_ok(&c, "signaller");
	r = sys_wait(n);
	T_OK(r.err);
	T_EQ(r.v, 0x30);
	T_EQ(sys_peek(n).v, 0);
}

void test_ntfn_poll_peek(void)
{
	uint64_t n = t_ntfn();
	struct sysret r = sys_poll(n);
	T_OK(r.err);
	T_EQ(r.v, 0);
	r = sys_peek(n);
	T_OK(r.err);
	T_EQ(r.v, 0);
	T_OK(sys_signal(n, 5));
	T_EQ(sys_peek(n).v, 5);
	T_EQ(sys_peek(n).v, 5);          /* peek does not clear */
	T_OK(sys_signal(n, 8));
	T_EQ(sys_peek(n).v, 13);
	T_EQ(sys_poll(n).v, 13);
	T_EQ(sys_poll(n).v, 0);          /* poll does */
	T_EQ(sys_peek(n).v, 0);
	T_OK(sys_signal(n, 1ull << 63));
	T_EQ(sys_wait(n).v, 1ull << 63);
}

/* A waiter: exits with the word its wait returned. */
static void waiter(uint64_t arg)
{
	(void)arg;
	struct sysret r = sys_wait(CHILD_SLOT(0));
	C_CHECK(r.err == IPC_OK);
	sys_exit((int64_t)r.v);
}

void test_ntfn_fifo(void)
{
	uint64_t n = t_ntfn();
	/* Different priorities, queued in this order: the queue is FIFO, not
	 * by priority. */
	const unsigned prio[3] = { 60, 120, 90 };
	struct child w[3];
	for (int i = 0; i < 3; i++) {
		if (!t_child(&w[i], waiter, 0, prio[i], "waiter"))
			return;
		t_give(&w[i], n, CHILD_SLOT(0), RIGHT_READ, 0);
		t_start(&w[i]);
		t_settle(10);    /* w[i] has blocked in its wait */
	}
	T_OK(sys_signal(n, 1));
	T_OK(sys_signal(n, 2));
	T_OK(sys_signal(n, 4));
	T_EQ(sys_peek(n).v, 0);   /* each signal went to a waiter */
	for (int i = 0; i < 3; i++)
		T_EQ(t_join(&w[i]), STATUS(TS_EXITED, 1u << i));
}

static void flag_waiter(uint64_t arg)
{
	(void)arg;
	struct sysret r = sys_wait(CHILD_SLOT(0));
	C_CHECK(r.err == IPC_OK && r.v == 3);
	SH->woken = 1;
	sys_exit(0);
}

/* Signals, then reports whether the waiter had run before the signal
 * returned: exit 0 when that matches `expect_switch`. */
static void flag_signaller(uint64_t expect_switch)
{
	C_CHECK(SH->woken == 0);
	C_CHECK(sys_signal(CHILD_SLOT(0), 3) == IPC_OK);
	C_CHECK(SH->woken == expect_switch);
	sys_exit(0);
}

static void wake_case(unsigned waiter_prio, unsigned signaller_prio, bool expect_switch)
{
	uint64_t n = t_ntfn(), f = t_frame(1);
	struct ntfn_shared *sh = t_map_root(f, 1, RIGHT_READ | RIGHT_WRITE);
	struct child w, s;
	if (!t_child(&w, flag_waiter, 0, waiter_prio, "waiter") ||
	    !t_child(&s, flag_signaller, expect_switch, signaller_prio, "signaller"))
		return;
	t_map_child(&w, f, CHILD_MAP_VA, RIGHT_READ | RIGHT_WRITE);
	t_map_child(&s, f, CHILD_MAP_VA, RIGHT_READ | RIGHT_WRITE);
	t_give(&w, n, CHILD_SLOT(0), RIGHT_READ, 0);
	t_give(&s, n, CHILD_SLOT(0), RIGHT_WRITE, 0);
	t_start(&w);
	t_settle(5);     /* the waiter waits */
	t_start(&s);
	t_join_ok(&s, "signaller");
	t_join_ok(&w, "waiter");
	T_EQ(sh->woken, 1);
}

void test_ntfn_wake_higher(void) { wake_case(150, 100, true); }

void test_ntfn_wake_lower(void)
{
	wake_case(50, 100, false);
	wake_case(100, 100, false);   /* equal: no switch either */
	/* The root (ROOT_PRIO) signals a lower waiter: it is runnable at once
	 * but has not run when the signal returns. */
	uint64_t n = t_ntfn(), f = t_frame(1);
	struct ntfn_shared *sh = t_map_root(f, 1, RIGHT_READ | RIGHT_WRITE);
	struct child w;
	if (!t_child(&w, flag_waiter, 0, 100, "waiter"))
		return;
	t_map_child(&w, f, CHILD_MAP_VA, RIGHT_READ | RIGHT_WRITE);
	t_give(&w, n, CHILD_SLOT(0), RIGHT_READ, 0);
	t_start(&w);
	t_settle(5);
	T_OK(sys_signal(n, 3));
	T_EQ(sh->woken, 0);
	t_join_ok(&w, "waiter");
	T_EQ(sh->woken, 1);
}

/* Signals through a badged capability (slot 0) and an unbadged one
 * (slot 1), each with a badge argument of its own. */
static void badge_signaller(uint64_t arg)
{
	C_CHECK(sys_signal(CHILD_SLOT(0), arg) == IPC_OK);
	C_CHECK(sys_signal(CHILD_SLOT(1), 0x2) == IPC_OK);
	/* A badged capability cannot be minted again with another badge. */
	C_CHECK(sys_cap_copy(TASK_SLOT_SELF, CHILD_SLOT(0), CHILD_SLOT(2), RIGHT_WRITE, 0x4) == IPC_E_ARG);
	C_CHECK(sys_cap_copy(TASK_SLOT_SELF, CHILD_SLOT(0), CHILD_SLOT(2), RIGHT_WRITE, 0) == IPC_OK);
	C_CHECK(sys_signal(CHILD_SLOT(2), 0x8) == IPC_OK);
	sys_exit(0);
}

void test_ntfn_badge_mint(void)
{
	uint64_t n = t_ntfn(), plain = t_ntfn();
	struct child a, b;
	if (!t_child(&a, badge_signaller, 0xffff, 100, "badge-a") ||
	    !t_child(&b, badge_signaller, 0x1, 100, "badge-b"))
		return;
	t_give(&a, n, CHILD_SLOT(0), RIGHT_WRITE, 0x100);
	t_give(&a, plain, CHILD_SLOT(1), RIGHT_WRITE, 0);
	t_give(&b, n, CHILD_SLOT(0), RIGHT_WRITE, 0x200);
	t_give(&b, plain, CHILD_SLOT(1), RIGHT_WRITE, 0);
	t_start(&a);
	t_join_ok(&a, "badge-a");
	T_EQ(sys_poll(n).v, 0x100);      /* the minted badge, not the argument 0xffff */
	T_EQ(sys_poll(plain).v, 0x2);    /* an unbadged capability uses the argument */
	t_start(&b);
	t_join_ok(&b, "badge-b");
	T_EQ(sys_poll(n).v, 0x200);
	T_EQ(sys_poll(plain).v, 0x2);
}

static void rights_child(uint64_t arg)
{
	(void)arg;
	/* slot 0: read only; slot 1: write only. */
	C_CHECK(sys_signal(CHILD_SLOT(0), 1) == IPC_E_RIGHTS);
	C_CHECK(sys_wait(CHILD_SLOT(1)).err == IPC_E_RIGHTS);
	C_CHECK(sys_poll(CHILD_SLOT(1)).err == IPC_E_RIGHTS);
	C_CHECK(sys_peek(CHILD_SLOT(1)).err == IPC_E_RIGHTS);
	C_CHECK(sys_peek(CHILD_SLOT(0)).v == 0);
	C_CHECK(sys_signal(CHILD_SLOT(1), 0x40) == IPC_OK);
	C_CHECK(sys_peek(CHILD_SLOT(0)).v == 0x40);
	C_CHECK(sys_poll(CHILD_SLOT(0)).v == 0x40);
	/* More rights than it holds cannot be minted. */
	C_CHECK(sys_cap_copy(TASK_SLOT_SELF, CHILD_SLOT(0), CHILD_SLOT(2), RIGHTS_ALL, 0) == IPC_E_RIGHTS);
	sys_exit(0);
}

void test_ntfn_rights(void)
{
	uint64_t n = t_ntfn();
	struct child c;
	if (!t_child(&c, rights_child, 0, 100, "rights"))
		return;
	t_give(&c, n, CHILD_SLOT(0), RIGHT_READ, 0);
	t_give(&c, n, CHILD_SLOT(1), RIGHT_WRITE, 0);
	t_start(&c);
	t_join_ok(&c, "rights child");
	T_EQ(sys_peek(n).v, 0);
}
