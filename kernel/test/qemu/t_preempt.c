/*
 * A woken thread that outranks the running one runs before the running
 * one returns to its task (kernel/sched.h), also when the wake happens in
 * the middle of an operation that then goes on: a server answers (or
 * abandons) a high-priority caller while another call is already queued,
 * and takes that next call in the same syscall.  The caller was queued
 * there (sched_ready); it must run as soon as the server's syscall is
 * whole, before the server's next instruction at EL0.
 *
 * The order is seen through a log in a shared frame: the caller writes
 * its mark when its call returns, the server when its syscall returns.
 */
#include "harness.h"
#include "tests.h"

#define MARK_CALLER 1
#define MARK_SERVER 2

struct order_log {
	volatile uint64_t n;
	volatile uint64_t mark[4];
};
#define LOG ((struct order_log *)(uintptr_t)CHILD_MAP_VA)

static void log_mark(uint64_t m)
{
	uint64_t i = LOG->n;
	if (i < 4)
		LOG->mark[i] = m;
	LOG->n = i + 1;
}

/* Slots: 0 the endpoint, 1 the notification the root signals once the
 * second call is queued.  arg 0: answer the first call with ReplyRecv;
 * arg 1: abandon it with a plain Recv. */
static void order_server(uint64_t abandon)
{
	struct sysret r = sys_recv(CHILD_SLOT(0));          /* the high caller's call */
	C_CHECK(r.err == IPC_OK && r.mr[0] == 1);
	C_CHECK(sys_wait(CHILD_SLOT(1)).err == IPC_OK);     /* the low caller is queued now */
	if (abandon)
		r = sys_recv(CHILD_SLOT(0));
	else
		r = sys_reply_recv(CHILD_SLOT(0), MSG_INFO(1, 0, 0), (uint64_t[4]){ 11 });
	log_mark(MARK_SERVER);
	C_CHECK(r.err == IPC_OK && r.mr[0] == 2);           /* took the queued call */
	C_CHECK(sys_reply(MSG_INFO(1, 0, 0), (uint64_t[4]){ 22 }) == IPC_OK);
	sys_exit(0);
}

/* arg: 1 the high caller (which logs when its call returns), 2 the low. */
static void order_caller(uint64_t id)
{
	struct sysret r = sys_call(CHILD_SLOT(0), MSG_INFO(1, 0, 0), (uint64_t[4]){ id });
	if (id == 1)
		log_mark(MARK_CALLER);
	sys_exit(r.err == IPC_OK ? (int64_t)r.mr[0] : 1000 - r.err);
}

static void order_case(uint64_t abandon, int64_t high_code)
{
	uint64_t ep = t_ep(), go = t_ntfn(), f = t_frame(1);
	struct order_log *log = t_map_root(f, 1, RIGHT_READ | RIGHT_WRITE);
	struct child s, hi, lo;
	/* The server below the high caller, above the low one. */
	if (!t_child(&s, order_server, abandon, 50, "server") ||
	    !t_child(&hi, order_caller, 1, 100, "high") || !t_child(&lo, order_caller, 2, 40, "low"))
		return;
	t_map_child(&s, f, CHILD_MAP_VA, RIGHT_READ | RIGHT_WRITE);
	t_map_child(&hi, f, CHILD_MAP_VA, RIGHT_READ | RIGHT_WRITE);
	t_give(&s, ep, CHILD_SLOT(0), RIGHT_READ, 0);
	t_give(&s, go, CHILD_SLOT(1), RIGHT_READ, 0);
	t_give(&hi, ep, CHILD_SLOT(0), RIGHT_WRITE, 0);
	t_give(&lo, ep, CHILD_SLOT(0), RIGHT_WRITE, 0);
	t_start(&s);
	t_settle(10);      /* the server waits in Recv */
	t_start(&hi);
	t_settle(10);      /* the server holds the high call and waits for go */
	t_start(&lo);
	t_settle(10);      /* the low call is queued on the endpoint */
	T_EQ(log->n, 0);
	T_OK(sys_signal(go, 1));
	T_EQ(t_join(&hi), STATUS(TS_EXITED, high_code));
	T_EQ(t_join(&lo), STATUS(TS_EXITED, 22));
	t_join_ok(&s, "server");
	T_EQ(log->n, 2);
	if (log->mark[0] != MARK_CALLER)
		t_fail(__FILE__, __LINE__, "the server ran on (mark %lu) before its woken caller of "
		       "higher priority", log->mark[0]);
}

/* ReplyRecv's general path: the reply wakes the high caller while the
 * server takes the queued call. */
void test_preempt_reply_recv_queued(void) { order_case(0, 11); }

/* Recv abandons the high caller (IPC_E_STATE) and takes the queued call. */
void test_preempt_abandon_queued(void) { order_case(1, 1000 - IPC_E_STATE); }
