/*
 * Objects and threads that go while something still depends on them, the
 * paths `make coverage` showed no other test reaching:
 * - the last capability of an endpoint or notification deleted while
 *   threads wait on it: every waiter wakes with IPC_E_STATE (ep.c
 *   ep_release, ntfn.c ntfn_release), and runs before the deleting
 *   thread's SYS_CAP_DELETE returns when it outranks it (sched.h's rule);
 * - a caller stopped while its server holds its call: the server owes
 *   nothing any more (SYS_REPLY gives IPC_E_NOREPLY);
 * - the capability of an unstarted thread deleted while its task lives
 *   on: that thread ends alone, and the task ends with its other threads;
 * - a task's end notification bound twice: only the second is signalled,
 *   and the first is no longer referenced;
 * - SYS_TASK_CREATE with the thread pool full: IPC_E_NOMEM, and the task
 *   it had begun goes back to the pool.
 * The harness runs SYS_SELFCHECK after each test.
 */
#include "harness.h"
#include "tests.h"

static void exit_code(uint64_t arg) { sys_exit((int64_t)arg); }

/* ---- objects deleted under their waiters -------------------------------- */

/* In the child task (threads of one task share its data). */
static volatile uint64_t woken;        /* waiters that saw IPC_E_STATE */
static volatile uint64_t deleted;      /* set by the deleter just before it deletes */

#define HOW_RECV 0
#define HOW_SEND 1
#define HOW_CALL 2
#define HOW_WAIT 3

/* Waits on CHILD_SLOT(0), its task's only capability to the object. */
static void waiter(uint64_t how)
{
	uint64_t mr[MSG_REG_WORDS] = { 1, 2, 3, 4 };
	struct sysret r;
	switch (how) {
	case HOW_RECV: r = sys_recv(CHILD_SLOT(0)); break;
	case HOW_SEND: r = sys_send(CHILD_SLOT(0), MSG_INFO(1, 0, 0), mr); break;
	case HOW_CALL: r = sys_call(CHILD_SLOT(0), MSG_INFO(1, 0, 0), mr); break;
	default:       r = sys_wait(CHILD_SLOT(0)); break;
	}
	C_CHECK(deleted);                  /* it waited until the deletion */
	C_CHECK(r.err == IPC_E_STATE);
	woken++;
	sys_exit(0);
}

/* Below the waiters: runs once both have blocked. */
static void deleter(uint64_t nwaiters)
{
	deleted = 1;
	C_CHECK(sys_cap_delete(CHILD_SLOT(0)) == IPC_OK);
	C_CHECK(woken == nwaiters);        /* they outrank it: they ran already */
	C_CHECK(sys_cap_delete(CHILD_SLOT(0)) == IPC_E_EMPTY);
	sys_exit(0);
}

/* How many objects of `type` can still be made (the root's slots allow
 * the 32 endpoints of the pool). */
static unsigned creatable(uint64_t type)
{
	uint64_t s[CSPACE_SLOTS];
	unsigned n = 0;
	while (n < CSPACE_SLOTS) {
		s[n] = t_slot();
		if (!s[n] || sys_create(ROOT_SLOT_CTRL, type, s[n], 0) != IPC_OK)
			break;
		n++;
	}
	for (unsigned i = 0; i <= n && i < CSPACE_SLOTS; i++)
		t_slot_free(s[i]);
	return n;
}

/* Two waiters (at 60, hows h0 then h1) and the deleter (at 50) in one
 * child task, which holds the only capability to a new object.  The
 * task's first thread (at 70) only ends: the root holds a capability to
 * each of the other three, and reads each one's own end. */
static void delete_under_waiters(uint64_t type, uint64_t h0, uint64_t h1)
{
	unsigned before = type == CAP_EP ? creatable(type) : 0;
	uint64_t obj = type == CAP_EP ? t_ep() : t_ntfn();
	struct child c;
	if (!t_child(&c, exit_code, 0, 70, "deleted"))
		return;
	t_give(&c, obj, CHILD_SLOT(0), RIGHTS_ALL, 0);
	t_slot_free(obj);
	uint64_t w0 = t_slot(), w1 = t_slot(), d = t_slot();
	T_OK(sys_thread_create(c.task, w0, waiter, h0, 60));
	T_OK(sys_thread_create(c.task, w1, waiter, h1, 60));
	T_OK(sys_thread_create(c.task, d, deleter, 2, 50));
	T_OK(sys_start(w0));
	T_OK(sys_start(w1));
	T_OK(sys_start(d));
	t_start(&c);
	t_join_ok(&c, "the task");
	T_EQ(sys_status(w0).v, STATUS(TS_EXITED, 0));
	T_EQ(sys_status(w1).v, STATUS(TS_EXITED, 0));
	T_EQ(sys_status(d).v, STATUS(TS_EXITED, 0));   /* else its failing line */
	t_slot_free(w0);
	t_slot_free(w1);
	t_slot_free(d);
	t_slot_free(c.task);
	t_slot_free(c.end);
	if (type == CAP_EP)
		T_EQ(creatable(type), before);   /* the endpoint went back to the pool */
}

void test_ep_deleted_waiting(void)
{
	delete_under_waiters(CAP_EP, HOW_RECV, HOW_RECV);
	delete_under_waiters(CAP_EP, HOW_SEND, HOW_CALL);
}

void test_ntfn_deleted_waiting(void) { delete_under_waiters(CAP_NTFN, HOW_WAIT, HOW_WAIT); }

/* ---- a caller stopped while its server holds the call ----------------- */

static void stopped_client(uint64_t arg)
{
	(void)arg;
	uint64_t mr[MSG_REG_WORDS] = { 7, 0, 0, 0 };
	sys_call(CHILD_SLOT(0), MSG_INFO(1, 0, 0), mr);
	sys_exit(1);   /* stopped before any reply: never here */
}

/* CHILD_SLOT(0) the endpoint, (1) "got it" to the root, (2) "go on". */
static void orphaned_server(uint64_t arg)
{
	(void)arg;
	struct sysret r = sys_recv(CHILD_SLOT(0));
	C_CHECK(r.err == IPC_OK && MSG_LEN(r.v) == 1 && r.mr[0] == 7);
	C_CHECK(sys_signal(CHILD_SLOT(1), 1) == IPC_OK);
	C_CHECK(sys_wait(CHILD_SLOT(2)).err == IPC_OK);
	uint64_t mr[MSG_REG_WORDS] = { 0 };
	C_CHECK(sys_reply(0, mr) == IPC_E_NOREPLY);   /* its caller is gone */
	sys_exit(0);
}

void test_ep_caller_stopped(void)
{
	uint64_t ep = t_ep(), got = t_ntfn(), go = t_ntfn();
	struct child s, c;
	if (!t_child(&s, orphaned_server, 0, 60, "server") || !t_child(&c, stopped_client, 0, 50, "client"))
		return;
	t_give(&s, ep, CHILD_SLOT(0), RIGHT_READ, 0);
	t_give(&s, got, CHILD_SLOT(1), RIGHT_WRITE, 0);
	t_give(&s, go, CHILD_SLOT(2), RIGHT_READ, 0);
	t_give(&c, ep, CHILD_SLOT(0), RIGHT_WRITE, 0);
	t_start(&s);
	t_start(&c);
	struct sysret r = sys_wait(got);   /* the server holds the call */
	T_OK(r.err);
	T_EQ(sys_status(c.task).v, STATUS(TS_RUNNABLE, 0));   /* blocked for the reply */
	T_OK(sys_stop(c.task));
	T_EQ(t_join(&c), STATUS(TS_STOPPED, 0));
	T_OK(sys_signal(go, 1));
	t_join_ok(&s, "server");
}

/* ---- an unstarted thread's capability deleted, its task living on ------ */

/* Tells the root it ran, then ends: its task must end with it. */
static void first_thread(uint64_t arg)
{
	(void)arg;
	C_CHECK(sys_signal(CHILD_SLOT(0), 1) == IPC_OK);
	sys_exit(0);
}

void test_thread_unstarted_deleted(void)
{
	uint64_t ran = t_ntfn();
	struct child c;
	if (!t_child(&c, first_thread, 0, 50, "first"))
		return;
	t_give(&c, ran, CHILD_SLOT(0), RIGHT_WRITE, 0);
	uint64_t th = t_slot();
	T_OK(sys_thread_create(c.task, th, exit_code, 99, 50));
	T_EQ(sys_status(th).v, STATUS(TS_INACTIVE, 0));
	t_slot_free(th);   /* nobody can start it now: it ends alone */
	T_EQ(sys_status(c.task).v, STATUS(TS_INACTIVE, 0));   /* the task lives on, unstarted */
	t_start(&c);
	t_settle(49);   /* the child has run and ended, or blocked */
	T_EQ(sys_poll(ran).v, 1);
	/* Its only other thread has ended: so has the task, with code 0 (99
	 * would mean the deleted thread ran). */
	T_EQ(sys_status(c.task).v, STATUS(TS_EXITED, 0));
	T_EQ(sys_poll(c.end).v, 1);
}

/* ---- an end notification bound twice --------------------------------- */

void test_bound_ntfn_rebind(void)
{
	struct child c;
	if (!t_child(&c, exit_code, 0, 50, "rebound"))   /* bound to c.end, badge 1 */
		return;
	uint64_t second = t_ntfn();
	T_OK(sys_bound_ntfn(c.task, second, 4));
	t_slot_free(c.end);   /* the binding no longer holds it: it goes now */
	t_start(&c);
	struct sysret r = sys_wait(second);
	T_OK(r.err);
	T_EQ(r.v, 4);
	T_EQ(sys_status(c.task).v, STATUS(TS_EXITED, 0));
	/* A third binding to an ended task is refused. */
	T_ERR(sys_bound_ntfn(c.task, second, 8), IPC_E_STATE);
}

/* ---- SYS_TASK_CREATE with the thread pool full ------------------------ */

static unsigned tasks_creatable(void)
{
	uint64_t s[16];
	unsigned n = 0;
	for (; n < 16; n++) {
		s[n] = t_slot();
		if (sys_task_create(ROOT_SLOT_CTRL, s[n], exit_code, 0, 10, "count") != IPC_OK)
			break;
	}
	for (unsigned i = 0; i <= n && i < 16; i++)
		t_slot_free(s[i]);   /* unstarted and unreachable: freed */
	return n;
}

void test_task_create_no_thread(void)
{
	unsigned before = tasks_creatable();
	T_CHECK(before > 8);
	/* Fill the thread pool: 7 tasks of up to 8 threads are more than it. */
	struct child t[7];
	for (unsigned i = 0; i < 7; i++)
		if (!t_child(&t[i], exit_code, 0, 10, "full"))
			return;
	uint64_t th[48] = { 0 };
	unsigned nth = 0;
	int64_t e = IPC_OK;
	for (unsigned round = 0; round < 8 && e == IPC_OK; round++) {
		for (unsigned i = 0; i < 7 && nth < 48; i++) {
			th[nth] = t_slot();
			e = sys_thread_create(t[i].task, th[nth], exit_code, 0, 10);
			if (e != IPC_OK)
				break;
			nth++;
		}
	}
	T_ERR(e, IPC_E_NOMEM);
	/* A task is free in the pool, but it gets no thread. */
	uint64_t s = t_slot();
	T_ERR(sys_task_create(ROOT_SLOT_CTRL, s, exit_code, 0, 10, "nothread"), IPC_E_NOMEM);
	T_ERR(sys_cap_delete(s), IPC_E_EMPTY);
	for (unsigned i = 0; i <= nth && i < 48; i++)
		t_slot_free(th[i]);
	for (unsigned i = 0; i < 7; i++) {
		t_slot_free(t[i].task);
		t_slot_free(t[i].end);
	}
	/* The task it had begun came back with the rest. */
	T_EQ(tasks_creatable(), before);
}
